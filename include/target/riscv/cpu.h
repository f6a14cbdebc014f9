/*
 * target/riscv as boards see it: create harts, wire interrupt lines into
 * mip, give them a time source, and read the ISA string for the device tree.
 * The architectural state (RISCVCPU) is private to target/riscv.
 */
#ifndef TARGET_RISCV_CPU_PUBLIC_H
#define TARGET_RISCV_CPU_PUBLIC_H

#include "tern/osdep.h"
#include "hw/core/cpu.h"
#include "hw/irq.h"

typedef struct RISCVCPU RISCVCPU;

/* Interrupt numbers = bit positions in mip (privileged spec 3.1.9). */
enum {
    IRQ_S_SOFT = 1, IRQ_M_SOFT = 3,
    IRQ_S_TIMER = 5, IRQ_M_TIMER = 7,
    IRQ_S_EXT = 9, IRQ_M_EXT = 11,
};

/*
 * Create hart `hartid` from a -cpu string ("rv64", "rv64,zba=false,sstc=off";
 * NULL: default rv64 with imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc).
 * The CPU is added to cpu_list and its address space is the system one.
 */
RISCVCPU *riscv_cpu_create(const char *cpu_model, uint64_t hartid, GError **errp);
CPUState *riscv_cpu_state(RISCVCPU *cpu);
/* Input line for mip bit irq (one of IRQ_*); level-triggered; thread safe (takes no lock,
 * updates mip atomically and kicks the hart). */
qemu_irq riscv_cpu_irq(RISCVCPU *cpu, int irq);
/* "rv64imafdc_zicsr_..." as the device tree's riscv,isa wants it (static storage per CPU). */
const char *riscv_cpu_isa_string(RISCVCPU *cpu);
/* MMU type for the device tree: "riscv,sv48" / "riscv,sv39". */
const char *riscv_cpu_mmu_type(RISCVCPU *cpu);

/*
 * The time CSR and Sstc stimecmp need mtime: the ACLINT registers a reader
 * (returns the current mtime in timebase ticks) shared by all harts, and the
 * target calls riscv_cpu_timer_changed-style hooks through this interface.
 */
typedef struct RISCVTimeSource {
    uint64_t (*read_mtime)(void *opaque);
    /* Sstc: the hart's stimecmp changed; the timer device arms a host timer
     * that raises STIP at mtime >= stimecmp (the target computes STIP on reads). */
    void (*stimecmp_changed)(void *opaque, RISCVCPU *cpu, uint64_t stimecmp);
    void *opaque;
    uint64_t timebase_hz;
} RISCVTimeSource;
void riscv_cpu_set_time_source(RISCVCPU *cpu, const RISCVTimeSource *ts);

/* Set the reset vector (boot ROM address); a0/a1 are set by the boot ROM code. */
void riscv_cpu_set_reset_pc(RISCVCPU *cpu, uint64_t pc);

#endif
