/*
 * What a guest target provides to the translator runtime (accel/tcg).
 * CPUClass.tcg_ops points at one of these.
 *
 * Layout contract: the target's env struct (CPUState.env_ptr) must contain
 * a CPUTLB (include/exec/cpu-tlb.h) at env + tlb_offset, within 2 GiB of
 * env; generated code addresses it relative to the env register. This holds
 * in user mode too (the TLB tables are then unused, the header is not).
 */
#ifndef EXEC_TCG_CPU_OPS_H
#define EXEC_TCG_CPU_OPS_H

#include "hw/core/cpu.h"
#include "exec/tb.h"

typedef enum MMUAccessType {
    MMU_DATA_LOAD  = 0,
    MMU_DATA_STORE = 1,
    MMU_INST_FETCH = 2,
} MMUAccessType;

struct TCGCPUOps {
    /* Create the TCG globals for the CPU state (called once, before any TB). */
    void (*initialize)(void);
    /*
     * Emit IR for the TB starting at tb->pc (see tcg/tcg-op.h), at most
     * max_insns guest instructions; read code with translator_ld*().
     * Must set tb->size (guest bytes) and tb->icount.
     */
    void (*translate_block)(CPUState *cpu, TranslationBlock *tb, int max_insns);
    /* Current pc and the mode flags that select a translation. */
    void (*get_tb_cpu_state)(CPUState *cpu, uint64_t *pc, uint32_t *flags);
    /* MMU index for data accesses (ifetch false) or instruction fetch. */
    int (*mmu_index)(CPUState *cpu, bool ifetch);
    /*
     * interrupt_request has bits set: deliver an interrupt if one is
     * enabled and pending. Returns true if it changed the CPU state.
     */
    bool (*cpu_exec_interrupt)(CPUState *cpu, uint32_t interrupt_request);
    /* Deliver the exception in cpu->exception_index (a target number). */
    void (*do_interrupt)(CPUState *cpu);
    /*
     * Translate a guest virtual address for an access of `size` bytes.
     * On success store the physical address of addr and the page's
     * PAGE_READ/WRITE/EXEC rights, and return true. On a fault: return false
     * if probe, else raise the guest exception with
     * cpu_loop_exit_restore(cpu, retaddr) (does not return).
     */
    bool (*tlb_fill)(CPUState *cpu, uint64_t addr, int size, MMUAccessType access_type,
                     int mmu_idx, bool probe, uintptr_t retaddr,
                     hwaddr *phys, int *prot);
    /* An access broke its MemOp alignment: raise the guest exception (no return). */
    void (*do_unaligned_access)(CPUState *cpu, uint64_t addr, MMUAccessType access_type,
                                int mmu_idx, uintptr_t retaddr);
    /*
     * Optional: an access hit unassigned physical memory (MEMTX_DECODE_ERROR).
     * May raise an access fault; if NULL or it returns, reads give 0 and
     * writes are dropped.
     */
    void (*do_transaction_failed)(CPUState *cpu, hwaddr phys, uint64_t addr,
                                  MMUAccessType access_type, int mmu_idx,
                                  uintptr_t retaddr);
    /* Put back the insn_start words of the faulting instruction (pc, ...). */
    void (*restore_state_to_opc)(CPUState *cpu, const TranslationBlock *tb,
                                 const uint64_t *data);
    /*
     * Optional: cpu_exec calls these on the vCPU's thread when it starts
     * and stops running guest code, for state that generated code keeps in
     * host registers (the target's floating point exception flags).
     */
    void (*cpu_exec_enter)(CPUState *cpu);
    void (*cpu_exec_exit)(CPUState *cpu);
    intptr_t tlb_offset;        /* offsetof(env struct, its CPUTLB) */
    int nb_mmu_modes;           /* <= CPU_TLB_NB_MMU */
};

#endif
