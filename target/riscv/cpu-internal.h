/* Runtime hooks of target/riscv (cpu_helper.c), wired into TCGCPUOps by cpu.c. */
#ifndef TARGET_RISCV_CPU_INTERNAL_H
#define TARGET_RISCV_CPU_INTERNAL_H

#include "exec/tcg-cpu-ops.h"
#include "cpu-state.h"

/* Raise exception cause with tval from a helper (ra = GETPC(), or 0 if env->pc is current). */
G_NORETURN void riscv_raise_exception(CPURISCVState *env, int cause, uint64_t tval,
                                      uintptr_t ra);
void riscv_cpu_do_interrupt(CPUState *cs);
bool riscv_cpu_exec_interrupt(CPUState *cs, uint32_t interrupt_request);
bool riscv_cpu_has_work(CPUState *cs);
bool riscv_cpu_tlb_fill(CPUState *cs, uint64_t addr, int size, MMUAccessType access_type,
                        int mmu_idx, bool probe, uintptr_t retaddr, hwaddr *phys, int *prot);
void riscv_cpu_do_unaligned_access(CPUState *cs, uint64_t addr, MMUAccessType access_type,
                                   int mmu_idx, uintptr_t retaddr);
void riscv_cpu_do_transaction_failed(CPUState *cs, hwaddr phys, uint64_t addr,
                                     MMUAccessType access_type, int mmu_idx, uintptr_t retaddr);
void riscv_restore_state_to_opc(CPUState *cs, const TranslationBlock *tb, const uint64_t *data);
void riscv_get_tb_cpu_state(CPUState *cs, uint64_t *pc, uint32_t *flags);
int riscv_cpu_mmu_index(CPUState *cs, bool ifetch);
bool riscv_cpu_get_phys_addr_debug(CPUState *cs, uint64_t vaddr, hwaddr *paddr);
void riscv_translate_block_hook(CPUState *cs, TranslationBlock *tb, int max_insns);

#endif
