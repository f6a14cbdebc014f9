/*
 * target/riscv for linux-user (tern-riscv64): a U-mode hart with no MMU or
 * PMP, and views of its registers for system calls, signal frames and clone.
 * Guest exceptions are not delivered to a trap vector in user mode: cpu_exec
 * returns their cause number (privileged spec table 3.6) to the caller.
 */
#ifndef TARGET_RISCV_CPU_USER_H
#define TARGET_RISCV_CPU_USER_H

#include "target/riscv/cpu.h"

/* Exception causes cpu_exec returns in user mode (privileged spec 3.1.15). */
enum {
    RISCV_TRAP_FETCH_MISALIGNED = 0, RISCV_TRAP_FETCH_ACCESS = 1,
    RISCV_TRAP_ILLEGAL_INST = 2, RISCV_TRAP_BREAKPOINT = 3,
    RISCV_TRAP_LOAD_MISALIGNED = 4, RISCV_TRAP_LOAD_ACCESS = 5,
    RISCV_TRAP_STORE_MISALIGNED = 6, RISCV_TRAP_STORE_ACCESS = 7,
    RISCV_TRAP_ECALL_U = 8, RISCV_TRAP_FETCH_PAGE = 12,
    RISCV_TRAP_LOAD_PAGE = 13, RISCV_TRAP_STORE_PAGE = 15,
};

/*
 * A hart in U mode with F/D enabled (mstatus.FS = Initial) and the cycle,
 * time and instret counters readable; cpu_model as for riscv_cpu_create.
 */
RISCVCPU *riscv_cpu_create_user(const char *cpu_model, GError **errp);
/* A new hart with the same registers as src (clone of a thread). */
RISCVCPU *riscv_cpu_clone_user(RISCVCPU *src);

/* x0..x31 and f0..f31 (64-bit, singles NaN-boxed): writable views. */
uint64_t *riscv_cpu_gpr(RISCVCPU *cpu);
uint64_t *riscv_cpu_fpr(RISCVCPU *cpu);
uint64_t riscv_cpu_get_pc(RISCVCPU *cpu);
void riscv_cpu_set_pc(RISCVCPU *cpu, uint64_t pc);
uint32_t riscv_cpu_get_fcsr(RISCVCPU *cpu);
void riscv_cpu_set_fcsr(RISCVCPU *cpu, uint32_t fcsr);
/* tval of the exception cpu_exec just returned (faulting address). */
uint64_t riscv_cpu_trap_value(RISCVCPU *cpu);
/* AT_HWCAP: bit (letter - 'a') for each of the single-letter extensions IMAFDC. */
uint64_t riscv_cpu_hwcap(RISCVCPU *cpu);

#endif
