/*
 * Accelerators: how vCPUs run guest code. "tcg" (the translator) and "kvm".
 * softmmu/cpus.c owns the vCPU threads and their pause/halt handling and
 * calls these hooks.
 */
#ifndef SYSEMU_ACCEL_H
#define SYSEMU_ACCEL_H

#include "tern/osdep.h"
#include "hw/core/cpu.h"

typedef struct MachineState MachineState;

typedef struct AccelOps {
    const char *name;
    /* Called before the board builds memory and CPUs (KVM creates the VM
     * and registers its memory listener here). */
    bool (*init_machine)(MachineState *ms, GError **errp);
    /* Called for each CPU once the board created it, before its thread runs. */
    bool (*vcpu_init)(CPUState *cpu, GError **errp);
    /* Run guest code on the calling (vCPU) thread until something needs the
     * generic loop; returns an EXCP_* code. Called without the big lock. */
    int (*vcpu_exec)(CPUState *cpu);
    /* Make vcpu_exec return soon (called from any thread). */
    void (*vcpu_kick)(CPUState *cpu);
    /* After a machine reset: reload state into the accelerator (optional). */
    void (*vcpu_reset)(CPUState *cpu);
    /* gdb stub (optional): while enabled, vcpu_exec runs one guest
     * instruction and returns EXCP_DEBUG. Called while the vCPU is paused. */
    void (*set_singlestep)(CPUState *cpu, bool enable);
    /* gdb stub (optional): the breakpoint or watchpoint list
     * (sysemu/gdbstub.h) changed; called with all vCPUs paused. False if
     * the accelerator cannot apply the new lists (too many, unsupported). */
    bool (*breakpoints_changed)(void);
    /* One thread per vCPU (true) or all vCPUs round-robin on one thread. */
    bool thread_per_vcpu;
} AccelOps;

void accel_register(const AccelOps *ops);
const AccelOps *accel_find(const char *name);
/* Comma-separated names of the accelerators this program has. */
char *accel_list(void);
extern const AccelOps *current_accel;

#endif
