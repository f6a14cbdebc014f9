/*
 * The system emulator's command line (softmmu/cmdline.c): QEMU-compatible
 * options parsed into a TernCmdline without side effects, so the parser can
 * be tested on its own; softmmu/vl.c acts on the result.
 */
#ifndef SYSEMU_CMDLINE_H
#define SYSEMU_CMDLINE_H

#include "tern/osdep.h"
#include "hw/boards.h"

/* -M NAME,key=value: a board property, checked against the board later. */
typedef struct CmdlineProp {
    char *name;
    char *value;
} CmdlineProp;

typedef struct TernCmdline {
    /* Requests for information: print and exit 0. */
    bool help;                  /* -h, -help */
    bool version;               /* -version */
    bool machine_help;          /* -M help (or -M NAME,help: the board's properties) */
    bool cpu_help;              /* -cpu help */
    bool accel_help;            /* -accel help */
    bool log_help;              /* -d help */

    char *machine_type;         /* -M NAME (NULL: the program's default board) */
    GArray *machine_props;      /* of CmdlineProp, in command-line order, unique names */
    GPtrArray *accels;          /* -accel, -enable-kvm, -M accel=a:b: names to try in order */

    bool has_ram_size;
    uint64_t ram_size;          /* -m, bytes */
    bool has_smp;
    CpuTopology smp;            /* -smp */
    char *cpu_model;            /* -cpu */

    char *bios, *kernel, *initrd, *append, *dtb;
    bool nographic;             /* -nographic */
    bool display_none;          /* -display none */
    bool nodefaults;            /* -nodefaults: no default serial port and monitor */
    GPtrArray *serials;         /* -serial SPEC (strings) */
    GPtrArray *chardevs;        /* -chardev OPTS */
    GPtrArray *devices;         /* -device OPTS */
    GPtrArray *drives;          /* -drive OPTS */
    GPtrArray *blockdevs;       /* -blockdev OPTS */
    GPtrArray *monitors;        /* -monitor SPEC ("none" included) */
    GPtrArray *qmps;            /* -qmp SPEC */
    GPtrArray *mons;            /* -mon OPTS */
    GPtrArray *netdevs;         /* -netdev OPTS */
    GPtrArray *nics;            /* -nic OPTS ("none" included) */

    bool start_paused;          /* -S */
    char *gdb;                  /* -gdb SPEC, -s */
    bool has_log_mask;
    uint32_t log_mask;          /* -d */
    char *log_file;             /* -D */
    bool no_reboot, no_shutdown;
    char *name;                 /* -name guest=NAME */
} TernCmdline;

/*
 * Parse argv[1..argc-1]. "--opt" is accepted for "-opt". Returns NULL with
 * an error naming the option and the problem: unknown option, missing
 * argument, bad value, or an option Tern recognises but does not implement
 * yet ("-gdb: not supported yet").
 */
TernCmdline *cmdline_parse(int argc, char **argv, GError **errp);
void cmdline_free(TernCmdline *cl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TernCmdline, cmdline_free)

/* -help output. */
void cmdline_print_help(FILE *out, const char *progname);

/* Parse a -m argument ("512", "1G", "size=1.5G") into bytes. */
bool cmdline_parse_ram_size(const char *arg, uint64_t *size, GError **errp);

#endif
