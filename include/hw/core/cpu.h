/*
 * The generic vCPU: what the front end, the accelerators and the devices
 * know of a CPU. The target's architectural state lives in a target struct
 * that embeds CPUState as its first member (e.g. RISCVCPU in target/riscv).
 */
#ifndef HW_CORE_CPU_H
#define HW_CORE_CPU_H

#include "tern/osdep.h"
#include "exec/memory.h"

typedef struct CPUState CPUState;
typedef struct TCGCPUOps TCGCPUOps;     /* include/exec/tcg-cpu-ops.h (accel/tcg) */

/* Bits of CPUState.interrupt_request; targets give them meaning. */
enum {
    CPU_INTERRUPT_HARD  = 1u << 1,   /* an external interrupt line changed */
    CPU_INTERRUPT_EXITTB = 1u << 2,  /* leave translated code, re-evaluate state */
    CPU_INTERRUPT_HALT  = 1u << 3,
    CPU_INTERRUPT_TGT_0 = 1u << 8,   /* first target-specific bit */
};

/* Reasons an accelerator's vcpu_exec returns (beyond target exception numbers). */
enum {
    EXCP_INTERRUPT = 0x10000,   /* exit_request or a kick */
    EXCP_HLT       = 0x10001,   /* the CPU halted (WFI/HLT) */
    EXCP_DEBUG     = 0x10002,   /* breakpoint or single step (gdb) */
    EXCP_HALTED    = 0x10003,
    EXCP_YIELD     = 0x10004,   /* time slice over (round-robin vCPUs) */
    EXCP_ATOMIC    = 0x10005,   /* needs to run exclusively */
};

typedef struct CPUClass {
    const char *arch_name;              /* "riscv64", "x86_64" */
    void (*reset)(CPUState *cpu);
    /* True if the CPU should leave the halted state (pending enabled interrupt). */
    bool (*has_work)(CPUState *cpu);
    void (*dump_state)(CPUState *cpu, FILE *f);
    void (*set_pc)(CPUState *cpu, uint64_t pc);
    uint64_t (*get_pc)(CPUState *cpu);
    /* gdb stub support (may be NULL until the gdb stub exists). */
    int (*gdb_read_register)(CPUState *cpu, GByteArray *buf, int reg);
    int (*gdb_write_register)(CPUState *cpu, uint8_t *buf, int reg);
    int gdb_num_core_regs;
    const char *gdb_core_xml;
    /*
     * gdb stub: the guest physical address the CPU would use now for
     * virtual address vaddr, walking page tables without side effects (no
     * A/D updates, no faults). False if unmapped. NULL: addresses are physical.
     */
    bool (*get_phys_addr_debug)(CPUState *cpu, uint64_t vaddr, hwaddr *paddr);
    const TCGCPUOps *tcg_ops;           /* translator hooks; NULL for KVM-only targets */
} CPUClass;

struct CPUState {
    const CPUClass *cc;
    int cpu_index;
    AddressSpace *as;                   /* what this CPU sees (system memory) */
    void *env_ptr;                      /* the target's architectural state */

    GThread *thread;
    bool created;                       /* thread started */
    bool stop;                          /* pause requested */
    bool stopped;                       /* paused (acknowledged by the vCPU thread) */
    bool halted;                        /* WFI / HLT: waiting for has_work() */
    bool unplug;                        /* thread must end */
    volatile uint32_t interrupt_request;
    volatile int exit_request;          /* leave vcpu_exec as soon as possible */
    int exception_index;

    void *accel;                        /* accelerator's per-vCPU state */
    void *tcg;                          /* accel/tcg state: TLB, jump cache, ... */
};

/* All CPUs in index order. */
extern GPtrArray *cpu_list;
#define CPU_FOREACH(cpu) \
    for (guint _i = 0; cpu_list && _i < cpu_list->len && ((cpu) = g_ptr_array_index(cpu_list, _i)); _i++)

/* Initialise the generic part and add the CPU to cpu_list. */
void cpu_common_init(CPUState *cpu, const CPUClass *cc, void *env, AddressSpace *as);
CPUState *cpu_by_index(int index);
void cpu_reset(CPUState *cpu);

/* Raise/clear interrupt_request bits; raising kicks the vCPU (thread safe). */
void cpu_interrupt(CPUState *cpu, uint32_t mask);
void cpu_reset_interrupt(CPUState *cpu, uint32_t mask);
/* Ask the vCPU to leave guest code at the next opportunity (thread safe). */
void cpu_exit(CPUState *cpu);
/* Wake a halted vCPU thread and kick it out of guest code. */
void cpu_kick(CPUState *cpu);

/* The vCPU whose thread is calling (NULL on other threads). */
CPUState *current_cpu_get(void);

/*
 * CPU models a program offers for -cpu (-cpu help lists them). The target
 * registers its models from a type_init constructor.
 */
typedef struct CPUModelInfo {
    const char *name;       /* "rv64", "host" */
    const char *desc;
} CPUModelInfo;
void cpu_model_register(const CPUModelInfo *info);
/* Registered models sorted by name (array of const CPUModelInfo *). */
GPtrArray *cpu_model_list(void);
/* -cpu help: the registered models and their descriptions, on stdout. */
void cpu_model_print_list(const char *progname);

#endif
