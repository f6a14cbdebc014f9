/* The translator's entry points (translate.c). */
#ifndef TARGET_RISCV_TRANSLATE_H
#define TARGET_RISCV_TRANSLATE_H

#include "exec/tb.h"
#include "cpu-state.h"

/* Create the TCG globals (x1..x31, pc); once, after tcg_context_init(). */
void riscv_translate_init(void);
/*
 * Emit IR for tb (tb->pc, tb->flags from riscv_tb_flags) into tcg_ctx, at
 * most max_insns instructions; sets tb->size and tb->icount.
 */
void riscv_translate_block(CPUState *cs, TranslationBlock *tb, int max_insns);

#endif
