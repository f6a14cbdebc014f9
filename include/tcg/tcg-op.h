/*
 * The op-building API a guest front end uses to describe one translation
 * block (TB) in TCG IR. All functions append to tcg_ctx's op list.
 *
 * How a front end uses it
 * -----------------------
 * Once, at CPU class init (after tcg_context_init()):
 *     cpu_pc  = tcg_global_mem_new_i64(tcg_env, offsetof(CPURISCVState, pc), "pc");
 *     cpu_gpr[i] = tcg_global_mem_new_i64(tcg_env, offsetof(..., gpr[i]), "x1");
 *   Globals are CPU-state fields the register allocator keeps in host
 *   registers inside a TB; it writes them back only where needed (TB exits,
 *   conditional branches, helper calls that read globals, guest memory
 *   accesses that may fault) and reloads them after helpers that write them.
 *   Never access a global's field with tcg_gen_ld/st: use the global.
 *
 * Per TB, the runtime (accel/tcg/translate-all.c) calls tcg_func_start(),
 * then the target's translate_block hook, then tcg_gen_code(). The hook:
 *   - For every guest instruction, first tcg_gen_insn_start(pc, w1, w2):
 *     these words come back in restore_state_to_opc(cpu, tb, data[]) when an
 *     exception is raised inside that instruction (precise guest PC).
 *   - Temporaries: tcg_temp_new_i64() (translation-local: survives labels)
 *     or tcg_temp_ebb_new_i64() (block-local: dead after the next label;
 *     cheaper). Freeing is optional. tcg_constant_i64(v) gives a shared
 *     read-only constant; the ...i() forms (tcg_gen_addi_i64) use it.
 *   - Labels: l = gen_new_label(); tcg_gen_brcond_i64(TCG_COND_EQ, a, b, l);
 *     ... gen_set_label(l). Branches may go forward or backward within the TB.
 *   - Guest memory: tcg_gen_qemu_ld_i64(val, addr, mmu_idx, MO_TESL | MO_ALIGN).
 *     The MemOp (tcg/memop.h) gives size, sign, byte order, alignment.
 *     The access may raise a guest exception through the target's tlb_fill
 *     hook; the CPU state then holds the values of the last insn_start.
 *   - Helpers: gen_helper_call(fn, flags, ret, nargs, args...) with TCGTemp *
 *     arguments (use tcgv_temp(x) on any TCGv), ret = NULL for void. Helpers
 *     are plain C functions taking/returning uint32_t/uint64_t/pointers
 *     (SysV ABI, at most TCG_MAX_CALL_ARGS arguments). flags say what the
 *     helper does to globals (TCG_CALL_NO_RWG ...; see tcg/tcg.h). A helper
 *     that raises an exception calls cpu_loop_exit_restore(cpu, GETPC()).
 *   - Leaving the TB (exactly one of these on every path):
 *       direct jump to a known guest PC (same page, chainable):
 *           tcg_gen_goto_tb(n);            n = 0 or 1
 *           tcg_gen_movi_i64(cpu_pc, dest);
 *           tcg_gen_exit_tb(tb, n);
 *       indirect jump (computed PC already stored in cpu_pc):
 *           tcg_gen_lookup_and_goto_ptr();
 *       indirect jump that keeps the TB flags (jalr, ret): faster, probes
 *       the jump cache inline, and stores the PC only when it misses:
 *           tcg_gen_lookup_and_goto_ptr_same_flags(dest, cpu_pc);
 *       back to the main loop (interrupt check, mode change, exception):
 *           tcg_gen_exit_tb(NULL, 0);
 *   - Division: the div/rem ops trap on the host for a zero divisor and for
 *     INT_MIN / -1, so the front end defines the guest result: replace the
 *     divisor with movcond *before* dividing (e.g. b' = b == 0 ? 1 : b) and
 *     select the guest's result with movcond afterwards.
 *     tcg_gen_div_guarded_i64() does exactly that with RISC-V semantics
 *     (x/0 = -1, x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0).
 *   - Memory ordering: tcg_gen_mb(TCG_MO_ALL | TCG_BAR_SC) for fences.
 */
#ifndef TCG_TCG_OP_H
#define TCG_TCG_OP_H

#include "tcg/tcg.h"

/* Record the start of a guest instruction (and its restore data words). */
void tcg_gen_insn_start(uint64_t w0, uint64_t w1, uint64_t w2);

void gen_set_label(TCGLabel *l);
void tcg_gen_br(TCGLabel *l);

/* Chainable direct jump slot n (0 or 1); must be followed by exit_tb(tb, n). */
void tcg_gen_goto_tb(unsigned n);
/* Return to cpu_exec. tb != NULL and n < 2 marks the exit of goto_tb slot n. */
struct TranslationBlock;
void tcg_gen_exit_tb(const struct TranslationBlock *tb, unsigned n);
/* Jump to the TB for the current CPU state (pc in env) or return to the loop. */
void tcg_gen_lookup_and_goto_ptr(void);
/*
 * Faster form for indirect jumps that cannot change the TB flags
 * (get_tb_cpu_state would return the current TB's flags, e.g. jalr/ret):
 * dest is the target, pc the CPU state's pc global. The jump cache is
 * probed inline and a hit jumps straight to the TB (no guest code reads
 * the pc field: exceptions recover it from the TB); a miss stores dest in
 * pc and falls back to the lookup helper.
 */
void tcg_gen_lookup_and_goto_ptr_same_flags(TCGv_i64 dest, TCGv_i64 pc);
void tcg_gen_mb(TCGBar type);

/*
 * Helper calls. args are TCGTemp * (tcgv_temp(v) converts any TCGv);
 * ret is NULL for a void helper.
 */
void tcg_gen_callN(void *func, unsigned flags, TCGTemp *ret, int nargs, TCGTemp **args);
#define gen_helper_call(func, flags, ret, ...)                               \
    tcg_gen_callN((void *)(func), (flags), (ret),                           \
                  (int)(sizeof((TCGTemp *[]){ NULL, ##__VA_ARGS__ }) /      \
                        sizeof(TCGTemp *)) - 1,                             \
                  ((TCGTemp *[]){ NULL, ##__VA_ARGS__ }) + 1)

/* Width conversions */
void tcg_gen_ext_i32_i64(TCGv_i64 ret, TCGv_i32 a);    /* sign-extend */
void tcg_gen_extu_i32_i64(TCGv_i64 ret, TCGv_i32 a);   /* zero-extend */
void tcg_gen_extrl_i64_i32(TCGv_i32 ret, TCGv_i64 a);  /* low half */
void tcg_gen_extrh_i64_i32(TCGv_i32 ret, TCGv_i64 a);  /* high half */
void tcg_gen_ext32s_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_ext32u_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_bswap64_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_ld32u_i64(TCGv_i64 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld32s_i64(TCGv_i64 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_st32_i64(TCGv_i64 arg, TCGv_ptr base, intptr_t offset);
/* Guest-defined division results (RISC-V rules, see above). */
void tcg_gen_div_guarded_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, bool is_signed, bool is_rem);
void tcg_gen_div_guarded_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b, bool is_signed, bool is_rem);

/* Pointers (host addresses) */
void tcg_gen_mov_ptr(TCGv_ptr ret, TCGv_ptr a);
void tcg_gen_movi_ptr(TCGv_ptr ret, intptr_t a);
void tcg_gen_addi_ptr(TCGv_ptr ret, TCGv_ptr a, intptr_t b);
void tcg_gen_add_ptr(TCGv_ptr ret, TCGv_ptr a, TCGv_ptr b);
void tcg_gen_ext_i32_ptr(TCGv_ptr ret, TCGv_i32 a);   /* zero-extend */
void tcg_gen_ld_ptr(TCGv_ptr ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_st_ptr(TCGv_ptr arg, TCGv_ptr base, intptr_t offset);

void tcg_gen_mov_i32(TCGv_i32 ret, TCGv_i32 arg);
void tcg_gen_movi_i32(TCGv_i32 ret, int64_t arg);
void tcg_gen_add_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_addi_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_sub_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_subi_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_subfi_i32(TCGv_i32 ret, int64_t a, TCGv_i32 b);   /* a - b */
void tcg_gen_neg_i32(TCGv_i32 ret, TCGv_i32 a);
void tcg_gen_mul_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_muli_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_muluh_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_mulsh_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_mulu2_i32(TCGv_i32 rl, TCGv_i32 rh, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_muls2_i32(TCGv_i32 rl, TCGv_i32 rh, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_mulsu2_i32(TCGv_i32 rl, TCGv_i32 rh, TCGv_i32 a, TCGv_i32 b); /* a signed, b unsigned */
/* Division: see "Division" in the comment at the top of this file. */
void tcg_gen_div_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_divu_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_rem_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_remu_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_and_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_andi_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_or_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_ori_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_xor_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_xori_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_not_i32(TCGv_i32 ret, TCGv_i32 a);
void tcg_gen_andc_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_orc_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_eqv_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_nand_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_nor_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
/* Shift counts are taken modulo the width (like x86 and RISC-V). */
void tcg_gen_shl_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_shli_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_shr_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_shri_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_sar_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_sari_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_rotl_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_rotli_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_rotr_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_rotri_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_setcond_i32(TCGCond cond, TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_setcondi_i32(TCGCond cond, TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_negsetcond_i32(TCGCond cond, TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
/* ret = (c1 cond c2) ? v1 : v2 */
void tcg_gen_movcond_i32(TCGCond cond, TCGv_i32 ret, TCGv_i32 c1, TCGv_i32 c2,
                         TCGv_i32 v1, TCGv_i32 v2);
void tcg_gen_brcond_i32(TCGCond cond, TCGv_i32 a, TCGv_i32 b, TCGLabel *l);
void tcg_gen_brcondi_i32(TCGCond cond, TCGv_i32 a, int64_t b, TCGLabel *l);
void tcg_gen_ext8s_i32(TCGv_i32 ret, TCGv_i32 a);
void tcg_gen_ext8u_i32(TCGv_i32 ret, TCGv_i32 a);
void tcg_gen_ext16s_i32(TCGv_i32 ret, TCGv_i32 a);
void tcg_gen_ext16u_i32(TCGv_i32 ret, TCGv_i32 a);
/* ret = a with the low len bits of b inserted at bit pos */
void tcg_gen_deposit_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b, unsigned pos, unsigned len);
/* ret = (a >> pos) & ((1 << len) - 1), zero- or sign-extended */
void tcg_gen_extract_i32(TCGv_i32 ret, TCGv_i32 a, unsigned pos, unsigned len);
void tcg_gen_sextract_i32(TCGv_i32 ret, TCGv_i32 a, unsigned pos, unsigned len);
void tcg_gen_bswap16_i32(TCGv_i32 ret, TCGv_i32 a, int flags);
void tcg_gen_bswap32_i32(TCGv_i32 ret, TCGv_i32 a, int flags);
/* ret = a ? clz(a) : b  (likewise ctz) */
void tcg_gen_clz_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_clzi_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_ctz_i32(TCGv_i32 ret, TCGv_i32 a, TCGv_i32 b);
void tcg_gen_ctzi_i32(TCGv_i32 ret, TCGv_i32 a, int64_t b);
void tcg_gen_ctpop_i32(TCGv_i32 ret, TCGv_i32 a);
/* Host memory: base is normally tcg_env, offset a byte offset into it. */
void tcg_gen_ld8u_i32(TCGv_i32 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld8s_i32(TCGv_i32 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld16u_i32(TCGv_i32 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld16s_i32(TCGv_i32 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld_i32(TCGv_i32 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_st8_i32(TCGv_i32 arg, TCGv_ptr base, intptr_t offset);
void tcg_gen_st16_i32(TCGv_i32 arg, TCGv_ptr base, intptr_t offset);
void tcg_gen_st_i32(TCGv_i32 arg, TCGv_ptr base, intptr_t offset);
/* Guest memory through the softmmu TLB (or guest_base in user mode). */
void tcg_gen_qemu_ld_i32(TCGv_i32 val, TCGv_i64 addr, int mmu_idx, MemOp memop);
void tcg_gen_qemu_st_i32(TCGv_i32 val, TCGv_i64 addr, int mmu_idx, MemOp memop);

void tcg_gen_mov_i64(TCGv_i64 ret, TCGv_i64 arg);
void tcg_gen_movi_i64(TCGv_i64 ret, int64_t arg);
void tcg_gen_add_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_addi_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_sub_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_subi_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_subfi_i64(TCGv_i64 ret, int64_t a, TCGv_i64 b);   /* a - b */
void tcg_gen_neg_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_mul_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_muli_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_muluh_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_mulsh_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_mulu2_i64(TCGv_i64 rl, TCGv_i64 rh, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_muls2_i64(TCGv_i64 rl, TCGv_i64 rh, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_mulsu2_i64(TCGv_i64 rl, TCGv_i64 rh, TCGv_i64 a, TCGv_i64 b); /* a signed, b unsigned */
/* Division: see "Division" in the comment at the top of this file. */
void tcg_gen_div_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_divu_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_rem_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_remu_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_and_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_andi_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_or_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_ori_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_xor_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_xori_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_not_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_andc_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_orc_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_eqv_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_nand_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_nor_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
/* Shift counts are taken modulo the width (like x86 and RISC-V). */
void tcg_gen_shl_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_shli_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_shr_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_shri_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_sar_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_sari_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_rotl_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_rotli_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_rotr_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_rotri_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_setcond_i64(TCGCond cond, TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_setcondi_i64(TCGCond cond, TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_negsetcond_i64(TCGCond cond, TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
/* ret = (c1 cond c2) ? v1 : v2 */
void tcg_gen_movcond_i64(TCGCond cond, TCGv_i64 ret, TCGv_i64 c1, TCGv_i64 c2,
                         TCGv_i64 v1, TCGv_i64 v2);
void tcg_gen_brcond_i64(TCGCond cond, TCGv_i64 a, TCGv_i64 b, TCGLabel *l);
void tcg_gen_brcondi_i64(TCGCond cond, TCGv_i64 a, int64_t b, TCGLabel *l);
void tcg_gen_ext8s_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_ext8u_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_ext16s_i64(TCGv_i64 ret, TCGv_i64 a);
void tcg_gen_ext16u_i64(TCGv_i64 ret, TCGv_i64 a);
/* ret = a with the low len bits of b inserted at bit pos */
void tcg_gen_deposit_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned pos, unsigned len);
/* ret = (a >> pos) & ((1 << len) - 1), zero- or sign-extended */
void tcg_gen_extract_i64(TCGv_i64 ret, TCGv_i64 a, unsigned pos, unsigned len);
void tcg_gen_sextract_i64(TCGv_i64 ret, TCGv_i64 a, unsigned pos, unsigned len);
void tcg_gen_bswap16_i64(TCGv_i64 ret, TCGv_i64 a, int flags);
void tcg_gen_bswap32_i64(TCGv_i64 ret, TCGv_i64 a, int flags);
/* ret = a ? clz(a) : b  (likewise ctz) */
void tcg_gen_clz_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_clzi_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_ctz_i64(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_ctzi_i64(TCGv_i64 ret, TCGv_i64 a, int64_t b);
void tcg_gen_ctpop_i64(TCGv_i64 ret, TCGv_i64 a);
/* Host memory: base is normally tcg_env, offset a byte offset into it. */
void tcg_gen_ld8u_i64(TCGv_i64 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld8s_i64(TCGv_i64 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld16u_i64(TCGv_i64 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld16s_i64(TCGv_i64 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_ld_i64(TCGv_i64 ret, TCGv_ptr base, intptr_t offset);
void tcg_gen_st8_i64(TCGv_i64 arg, TCGv_ptr base, intptr_t offset);
void tcg_gen_st16_i64(TCGv_i64 arg, TCGv_ptr base, intptr_t offset);
void tcg_gen_st_i64(TCGv_i64 arg, TCGv_ptr base, intptr_t offset);
/* Guest memory through the softmmu TLB (or guest_base in user mode). */
void tcg_gen_qemu_ld_i64(TCGv_i64 val, TCGv_i64 addr, int mmu_idx, MemOp memop);
void tcg_gen_qemu_st_i64(TCGv_i64 val, TCGv_i64 addr, int mmu_idx, MemOp memop);

/*
 * Floating point
 * --------------
 * IEEE-754 binary32/binary64 arithmetic on bit patterns in i64 temps, run
 * inline on the host FPU, rounding to nearest even. Exception flags
 * accumulate in the host's sticky flags (TCG_FPE_*, tcg/tcg.h): generated
 * code reads them with tcg_gen_fp_flags_get and drops them with
 * tcg_gen_fp_flags_keep, C code on the thread that ran the code with
 * tcg_fp_flags() and tcg_fp_set_flags().
 * A binary32 operand is boxed: bits 63..32 all ones (RISC-V's NaN box);
 * binary32 results come back boxed, 32-bit integer results sign-extended.
 *
 * The inline code leaves some cases to the front end's exact C code:
 * ret = fb.fn(env, fb.desc, a, b, c) (absent operands 0), called out of
 * line without writing back globals, for
 *   - any NaN result (the inline code never returns a NaN),
 *   - a binary32 operand that is not boxed,
 *   - ftoi: the most negative integer or out of range (signed), a negative
 *     or too large input (unsigned); itof: an unsigned 64-bit input >= 2^63.
 * Flags the inline part raised before the call (invalid for a signaling
 * NaN, an invalid operation or an out-of-range conversion) are ones the
 * exact operation raises too. The fallback must not read or write TCG
 * globals, raise guest exceptions or clear the host's flags.
 */
typedef uint64_t (*TCGFpFallbackFn)(void *env, uint64_t desc, uint64_t a, uint64_t b,
                                    uint64_t c);
typedef struct TCGFpFallback {
    TCGFpFallbackFn fn;
    uint64_t desc;
} TCGFpFallback;

enum {
    TCG_FP_F64 = 1,           /* binary64, else boxed binary32 (fcvt: of the result) */
    TCG_FP_NEG_PROD = 2,      /* fma: -(a * b) */
    TCG_FP_NEG_ADDEND = 4,    /* fma: ... - c */
    TCG_FP_INT_SIGNED = 2,    /* ftoi, itof: the integer is signed */
    TCG_FP_INT_64 = 4,        /* ftoi, itof: the integer has 64 bits (else 32) */
    TCG_FP_TRUNC = 8,         /* ftoi: round toward zero (else to nearest even) */
};

/* fcmp: EQ is quiet (invalid only for a signaling NaN), LT and LE signal on any NaN. */
typedef enum TCGFpCond { TCG_FP_EQ, TCG_FP_LT, TCG_FP_LE } TCGFpCond;

void tcg_gen_fadd(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb);
void tcg_gen_fsub(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb);
void tcg_gen_fmul(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb);
void tcg_gen_fdiv(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb);
void tcg_gen_fsqrt(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb);
/* Only if tcg_fp_has_fma(). */
void tcg_gen_fma(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, TCGv_i64 c, unsigned flags,
                 TCGFpFallback fb);
bool tcg_fp_has_fma(void);
void tcg_gen_fcmp(TCGv_i64 ret, TCGFpCond cond, TCGv_i64 a, TCGv_i64 b, unsigned flags,
                  TCGFpFallback fb);
void tcg_gen_ftoi(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb);
void tcg_gen_itof(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb);
void tcg_gen_fcvt(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb);
/* ret = the host's flags. Cheap: no call, no write to the host's FPU state. */
void tcg_gen_fp_flags_get(TCGv_i64 ret);
/*
 * Make the host's flags a subset of mask: nothing happens when they are
 * already (cheap), else all are cleared (slow on x86: ldmxcsr).
 */
void tcg_gen_fp_flags_keep(TCGv_i64 mask);

#endif
