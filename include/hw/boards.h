/*
 * Boards. A MachineClass registered by name (-M NAME; -M help lists them)
 * builds RAM, CPUs and devices in init(), from the MachineState the command
 * line filled in. The board state struct embeds MachineState first.
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include "tern/osdep.h"
#include "exec/memory.h"
#include "util/keyval.h"

typedef struct MachineState MachineState;
typedef struct MachineClass MachineClass;

typedef struct CpuTopology {
    unsigned cpus;        /* CPUs present at start */
    unsigned sockets, cores, threads;
    unsigned maxcpus;
} CpuTopology;

/* A board-specific -M option ("dumpdtb=FILE", "pit=on"). */
typedef struct MachineProp {
    const char *name;
    const char *help;
    bool (*set)(MachineState *ms, const char *value, GError **errp);
} MachineProp;

struct MachineState {
    const MachineClass *mc;
    uint64_t ram_size;
    CpuTopology smp;
    char *cpu_model;          /* -cpu: model name, then ",prop=val..." (NULL: default) */
    char *firmware;           /* -bios (NULL: board default; "none": no firmware) */
    char *kernel_filename;
    char *initrd_filename;
    char *kernel_cmdline;     /* -append ("" if not given) */
    char *dtb;                /* -dtb */
    bool no_reboot;           /* guest reboot exits instead */
    bool no_shutdown;         /* guest poweroff pauses instead of exiting */
    MemoryRegion *ram;        /* main RAM of ram_size bytes, made before init() */
};

struct MachineClass {
    const char *name;
    const char *desc;
    bool is_default;                  /* the one used without -M */
    uint64_t default_ram_size;
    const char *default_cpu_type;
    unsigned max_cpus;
    const char *default_accel;        /* "tcg" or "kvm" */
    size_t instance_size;             /* of the board struct (>= sizeof(MachineState)) */
    const MachineProp *props;         /* NULL-name terminated */
    /* Build the machine; exit with error_exit() on bad input (names the option). */
    void (*init)(MachineState *ms);
    /* Optional, after all devices were reset (reload firmware, reset CPUs' PCs). */
    void (*reset)(MachineState *ms);
};

void machine_class_register(const MachineClass *mc);
const MachineClass *machine_class_find(const char *name);
const MachineClass *machine_class_default(void);
GPtrArray *machine_class_list(void);      /* sorted by name */

/* The running machine (NULL before creation). */
extern MachineState *current_machine;

/* A zeroed board struct of mc->instance_size with the class defaults set
 * (RAM size, one CPU, empty kernel command line). */
MachineState *machine_new(const MachineClass *mc);
/* -M NAME,prop=value: a board property from mc->props. */
bool machine_set_prop(MachineState *ms, const char *name, const char *value,
                      GError **errp);
/* -M NAME,help: the board's properties. */
void machine_print_props(const MachineClass *mc, FILE *out);
/* The board's CPU limit: error naming it when maxcpus exceeds mc->max_cpus. */
bool machine_check_smp(const MachineClass *mc, const CpuTopology *smp, GError **errp);

/*
 * -smp [cpus=]N[,maxcpus=,sockets=,dies=,clusters=,cores=,threads=] with
 * QEMU's rules (hw/core/machine-smp.c): omitted values are computed from the
 * given ones, preferring cores over sockets; a zero, a product of the
 * hierarchy that differs from maxcpus, or maxcpus < cpus is an error.
 */
bool machine_parse_smp(const char *optstr, CpuTopology *smp, GError **errp);

#endif
