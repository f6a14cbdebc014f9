/*
 * C helpers called from translated code (op_helper.c, fpu_helper.c).
 * Each is passed to gen_helper_call with the flags noted: helpers that may
 * raise a guest exception read globals (never TCG_CALL_NO_READ_GLOBALS).
 */
#ifndef TARGET_RISCV_HELPER_H
#define TARGET_RISCV_HELPER_H

#include "cpu-state.h"

/* Raise exception `cause` with tval; env->pc already holds the faulting pc. */
void helper_raise_exception(CPURISCVState *env, uint64_t cause, uint64_t tval);
/* CSR access: returns the old value; raises illegal instruction (tval = insn). */
uint64_t helper_csrrw(CPURISCVState *env, uint64_t csrno, uint64_t value, uint64_t mask,
                      uint64_t insn);
/* xRET: switch mode and return the new pc. */
uint64_t helper_mret(CPURISCVState *env);
uint64_t helper_sret(CPURISCVState *env);
/* WFI: halt until an interrupt is pending (env->pc = next insn). */
void helper_wfi(CPURISCVState *env);
/* PAUSE: give the host CPU to other threads (a spinning hart's lock holder). */
void helper_pause(void);
void helper_sfence_vma(CPURISCVState *env);
uint64_t helper_sfence_vma_page(CPURISCVState *env, uint64_t vaddr, uint64_t pc);
uint64_t helper_status_needs_exit(CPURISCVState *env, uint64_t tb_flags);

/* A: desc = RVOp of the instruction; returns the old value (sign-extended for .w). */
uint64_t helper_amo(CPURISCVState *env, uint64_t desc, uint64_t addr, uint64_t val);
uint64_t helper_lr(CPURISCVState *env, uint64_t addr, uint64_t size);
uint64_t helper_sc(CPURISCVState *env, uint64_t addr, uint64_t val, uint64_t size);

/* Zbb/Zbc (pure: TCG_CALL_NO_RWG_SE) */
uint64_t helper_orc_b(uint64_t a);
uint64_t helper_clmul(uint64_t a, uint64_t b);
uint64_t helper_clmulh(uint64_t a, uint64_t b);
uint64_t helper_clmulr(uint64_t a, uint64_t b);

/*
 * F/D: one entry point for the operations with flags or rounding.
 * desc: RVFpOp | dbl << 8 | rm << 9 | FPRES_* << 12 | FPIN_INT << 14 | insn << 32.
 * Single operands arrive NaN-boxed (unboxed here); results come back boxed.
 */
enum { FPRES_FP = 0, FPRES_INT = 1 };
#define FPIN_INT (1u << 14)
uint64_t helper_fpop(CPURISCVState *env, uint64_t desc, uint64_t a, uint64_t b, uint64_t c);

#endif
