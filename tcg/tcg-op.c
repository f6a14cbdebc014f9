/*
 * The op-building API (include/tcg/tcg-op.h). Each function appends ops to
 * the current TB; simple identities are left to the optimizer.
 */
#include "tern/osdep.h"
#include "tcg/tcg-op.h"
#include "tcg-internal.h"

#define T(x) temp_arg(tcgv_temp(x))

static void gen_op2(TCGOpcode opc, TCGType type, TCGTemp *r, TCGTemp *a)
{
    tcg_emit_op(opc, type, 2, temp_arg(r), temp_arg(a));
}

static void gen_op3(TCGOpcode opc, TCGType type, TCGTemp *r, TCGTemp *a, TCGTemp *b)
{
    tcg_emit_op(opc, type, 3, temp_arg(r), temp_arg(a), temp_arg(b));
}

void tcg_gen_insn_start(uint64_t w0, uint64_t w1, uint64_t w2)
{
    tcg_emit_op(INDEX_op_insn_start, TCG_TYPE_I64, 3, (TCGArg)w0, (TCGArg)w1, (TCGArg)w2);
}

void gen_set_label(TCGLabel *l)
{
    tcg_emit_op(INDEX_op_set_label, TCG_TYPE_I64, 1, (TCGArg)l);
}

void tcg_gen_br(TCGLabel *l)
{
    tcg_emit_op(INDEX_op_br, TCG_TYPE_I64, 1, (TCGArg)l);
}

void tcg_gen_goto_tb(unsigned n)
{
    g_assert(n < TCG_MAX_GOTO_TB);
    tcg_emit_op(INDEX_op_goto_tb, TCG_TYPE_I64, 1, (TCGArg)n);
}

void tcg_gen_exit_tb(const struct TranslationBlock *tb, unsigned n)
{
    uintptr_t val = 0;

    if (tb) {
        g_assert(n <= TCG_EXIT_REQUESTED_SLOT && ((uintptr_t)tb & 3) == 0);
        val = (uintptr_t)tb | n;
    }
    tcg_emit_op(INDEX_op_exit_tb, TCG_TYPE_I64, 1, (TCGArg)val);
}

void tcg_gen_lookup_and_goto_ptr(void)
{
    TCGv_ptr ptr = tcg_temp_ebb_new_ptr();

    gen_helper_call(helper_lookup_tb_ptr, TCG_CALL_NO_WG_SE, tcgv_temp(ptr),
                    tcgv_temp(tcg_env));
    tcg_emit_op(INDEX_op_goto_ptr, TCG_TYPE_PTR, 1, T(ptr));
    tcg_temp_free_ptr(ptr);
}

void tcg_gen_lookup_and_goto_ptr_same_flags(TCGv_i64 dest, TCGv_i64 pc)
{
    TCGTemp *pc_ts = tcgv_i64_temp(pc);

    if (!tcg_ctx->tb_inline_lookup) {
        tcg_gen_mov_i64(pc, dest);
        tcg_gen_lookup_and_goto_ptr();
        return;
    }
    g_assert(pc_ts->kind == TEMP_GLOBAL && !pc_ts->pinned);
    tcg_emit_op(INDEX_op_lookup_goto, TCG_TYPE_I64, 3, T(dest), (TCGArg)tcg_ctx->tb_flags,
                (TCGArg)pc_ts->mem_offset);
}

void tcg_gen_mb(TCGBar type)
{
    tcg_emit_op(INDEX_op_mb, TCG_TYPE_I64, 1, (TCGArg)type);
}

void tcg_gen_callN(void *func, unsigned flags, TCGTemp *ret, int nargs, TCGTemp **args)
{
    TCGArg a[TCG_MAX_OP_ARGS];
    int n = 0;
    TCGOp *op;

    g_assert(nargs <= TCG_MAX_CALL_ARGS);
    if (ret) {
        a[n++] = temp_arg(ret);
    }
    for (int i = 0; i < nargs; i++) {
        a[n++] = temp_arg(args[i]);
    }
    a[n++] = (TCGArg)func;
    a[n++] = flags;
    op = tcg_emit_opv(INDEX_op_call, ret ? ret->type : TCG_TYPE_I64, a, n);
    op->call_oargs = ret != NULL;
    op->call_iargs = nargs;
}

/* ------------------------------------------------------------------------ */
/* Operations defined for both widths */

#define GEN_BOTH(W, TYPE)                                                     \
void tcg_gen_mov_##W(TCGv_##W r, TCGv_##W a)                                  \
{                                                                             \
    if (r != a) {                                                             \
        gen_op2(INDEX_op_mov, TYPE, tcgv_temp(r), tcgv_temp(a));              \
    }                                                                         \
}                                                                             \
void tcg_gen_movi_##W(TCGv_##W r, int64_t a)                                  \
{                                                                             \
    gen_op2(INDEX_op_mov, TYPE, tcgv_temp(r), tcg_constant_internal(TYPE, a)); \
}                                                                             \
GEN_BIN(W, TYPE, add) GEN_BIN(W, TYPE, sub) GEN_BIN(W, TYPE, mul)             \
GEN_BIN(W, TYPE, muluh) GEN_BIN(W, TYPE, mulsh)                               \
GEN_BIN(W, TYPE, and) GEN_BIN(W, TYPE, or) GEN_BIN(W, TYPE, xor)              \
GEN_BIN(W, TYPE, andc) GEN_BIN(W, TYPE, orc) GEN_BIN(W, TYPE, eqv)            \
GEN_BIN(W, TYPE, nand) GEN_BIN(W, TYPE, nor)                                  \
GEN_BIN(W, TYPE, shl) GEN_BIN(W, TYPE, shr) GEN_BIN(W, TYPE, sar)             \
GEN_BIN(W, TYPE, rotl) GEN_BIN(W, TYPE, rotr)                                 \
GEN_BIN(W, TYPE, divu) GEN_BIN(W, TYPE, remu)                                 \
GEN_BIN_OP(W, TYPE, div, divs) GEN_BIN_OP(W, TYPE, rem, rems)                 \
GEN_BINI(W, TYPE, add) GEN_BINI(W, TYPE, sub) GEN_BINI(W, TYPE, mul)          \
GEN_BINI(W, TYPE, and) GEN_BINI(W, TYPE, or) GEN_BINI(W, TYPE, xor)           \
GEN_BINI(W, TYPE, shl) GEN_BINI(W, TYPE, shr) GEN_BINI(W, TYPE, sar)          \
GEN_BINI(W, TYPE, rotl) GEN_BINI(W, TYPE, rotr)                               \
GEN_UN(W, TYPE, neg) GEN_UN(W, TYPE, not) GEN_UN(W, TYPE, ctpop)              \
GEN_UN(W, TYPE, ext8s) GEN_UN(W, TYPE, ext8u)                                 \
GEN_UN(W, TYPE, ext16s) GEN_UN(W, TYPE, ext16u)                               \
GEN_BIN(W, TYPE, clz) GEN_BIN(W, TYPE, ctz)                                   \
void tcg_gen_clzi_##W(TCGv_##W r, TCGv_##W a, int64_t b)                      \
{                                                                             \
    gen_op3(INDEX_op_clz, TYPE, tcgv_temp(r), tcgv_temp(a),                   \
            tcg_constant_internal(TYPE, b));                                  \
}                                                                             \
void tcg_gen_ctzi_##W(TCGv_##W r, TCGv_##W a, int64_t b)                      \
{                                                                             \
    gen_op3(INDEX_op_ctz, TYPE, tcgv_temp(r), tcgv_temp(a),                   \
            tcg_constant_internal(TYPE, b));                                  \
}                                                                             \
void tcg_gen_subfi_##W(TCGv_##W r, int64_t a, TCGv_##W b)                     \
{                                                                             \
    gen_op3(INDEX_op_sub, TYPE, tcgv_temp(r), tcg_constant_internal(TYPE, a), \
            tcgv_temp(b));                                                    \
}                                                                             \
void tcg_gen_mulu2_##W(TCGv_##W rl, TCGv_##W rh, TCGv_##W a, TCGv_##W b)      \
{                                                                             \
    tcg_emit_op(INDEX_op_mulu2, TYPE, 4, T(rl), T(rh), T(a), T(b));           \
}                                                                             \
void tcg_gen_muls2_##W(TCGv_##W rl, TCGv_##W rh, TCGv_##W a, TCGv_##W b)      \
{                                                                             \
    tcg_emit_op(INDEX_op_muls2, TYPE, 4, T(rl), T(rh), T(a), T(b));           \
}                                                                             \
void tcg_gen_mulsu2_##W(TCGv_##W rl, TCGv_##W rh, TCGv_##W a, TCGv_##W b)     \
{                                                                             \
    /* signed(a) * unsigned(b): the unsigned high half minus (a < 0 ? b : 0) */ \
    TCGv_##W lo = tcg_temp_ebb_new_##W(), hi = tcg_temp_ebb_new_##W();         \
    TCGv_##W t = tcg_temp_ebb_new_##W();                                      \
    tcg_gen_mulu2_##W(lo, hi, a, b);                                          \
    tcg_gen_sari_##W(t, a, TYPE == TCG_TYPE_I32 ? 31 : 63);                   \
    tcg_gen_and_##W(t, t, b);                                                 \
    tcg_gen_sub_##W(rh, hi, t);                                               \
    tcg_gen_mov_##W(rl, lo);                                                  \
    tcg_temp_free_##W(lo);                                                    \
    tcg_temp_free_##W(hi);                                                    \
    tcg_temp_free_##W(t);                                                     \
}                                                                             \
void tcg_gen_setcond_##W(TCGCond c, TCGv_##W r, TCGv_##W a, TCGv_##W b)       \
{                                                                             \
    tcg_emit_op(INDEX_op_setcond, TYPE, 4, T(r), T(a), T(b), (TCGArg)c);       \
}                                                                             \
void tcg_gen_setcondi_##W(TCGCond c, TCGv_##W r, TCGv_##W a, int64_t b)       \
{                                                                             \
    tcg_emit_op(INDEX_op_setcond, TYPE, 4, T(r), T(a),                        \
                temp_arg(tcg_constant_internal(TYPE, b)), (TCGArg)c);          \
}                                                                             \
void tcg_gen_negsetcond_##W(TCGCond c, TCGv_##W r, TCGv_##W a, TCGv_##W b)    \
{                                                                             \
    tcg_emit_op(INDEX_op_negsetcond, TYPE, 4, T(r), T(a), T(b), (TCGArg)c);    \
}                                                                             \
void tcg_gen_movcond_##W(TCGCond c, TCGv_##W r, TCGv_##W c1, TCGv_##W c2,     \
                         TCGv_##W v1, TCGv_##W v2)                            \
{                                                                             \
    tcg_emit_op(INDEX_op_movcond, TYPE, 6, T(r), T(c1), T(c2), T(v1), T(v2),  \
                (TCGArg)c);                                                   \
}                                                                             \
void tcg_gen_brcond_##W(TCGCond c, TCGv_##W a, TCGv_##W b, TCGLabel *l)       \
{                                                                             \
    if (c == TCG_COND_ALWAYS) {                                               \
        tcg_gen_br(l);                                                        \
    } else if (c != TCG_COND_NEVER) {                                         \
        tcg_emit_op(INDEX_op_brcond, TYPE, 4, T(a), T(b), (TCGArg)c, (TCGArg)l); \
    }                                                                         \
}                                                                             \
void tcg_gen_brcondi_##W(TCGCond c, TCGv_##W a, int64_t b, TCGLabel *l)       \
{                                                                             \
    tcg_gen_brcond_##W(c, a, temp_tcgv_##W(tcg_constant_internal(TYPE, b)), l); \
}                                                                             \
void tcg_gen_deposit_##W(TCGv_##W r, TCGv_##W a, TCGv_##W b, unsigned pos,    \
                         unsigned len)                                        \
{                                                                             \
    g_assert(len >= 1 && pos + len <= (TYPE == TCG_TYPE_I32 ? 32u : 64u));    \
    tcg_emit_op(INDEX_op_deposit, TYPE, 5, T(r), T(a), T(b), (TCGArg)pos,     \
                (TCGArg)len);                                                 \
}                                                                             \
void tcg_gen_extract_##W(TCGv_##W r, TCGv_##W a, unsigned pos, unsigned len)  \
{                                                                             \
    g_assert(len >= 1 && pos + len <= (TYPE == TCG_TYPE_I32 ? 32u : 64u));    \
    tcg_emit_op(INDEX_op_extract, TYPE, 4, T(r), T(a), (TCGArg)pos, (TCGArg)len); \
}                                                                             \
void tcg_gen_sextract_##W(TCGv_##W r, TCGv_##W a, unsigned pos, unsigned len) \
{                                                                             \
    g_assert(len >= 1 && pos + len <= (TYPE == TCG_TYPE_I32 ? 32u : 64u));    \
    tcg_emit_op(INDEX_op_sextract, TYPE, 4, T(r), T(a), (TCGArg)pos, (TCGArg)len); \
}                                                                             \
void tcg_gen_bswap16_##W(TCGv_##W r, TCGv_##W a, int flags)                   \
{                                                                             \
    tcg_emit_op(INDEX_op_bswap16, TYPE, 3, T(r), T(a), (TCGArg)flags);        \
}                                                                             \
void tcg_gen_bswap32_##W(TCGv_##W r, TCGv_##W a, int flags)                   \
{                                                                             \
    tcg_emit_op(INDEX_op_bswap32, TYPE, 3, T(r), T(a), (TCGArg)flags);        \
}                                                                             \
GEN_LD(W, TYPE, ld8u) GEN_LD(W, TYPE, ld8s) GEN_LD(W, TYPE, ld16u)            \
GEN_LD(W, TYPE, ld16s) GEN_LD(W, TYPE, ld)                                    \
GEN_ST(W, TYPE, st8) GEN_ST(W, TYPE, st16) GEN_ST(W, TYPE, st)                \
void tcg_gen_qemu_ld_##W(TCGv_##W val, TCGv_i64 addr, int mmu_idx, MemOp memop) \
{                                                                             \
    if (TYPE == TCG_TYPE_I32 && (memop & MO_SIZE) == MO_64) {                 \
        g_assert_not_reached();                                               \
    }                                                                         \
    tcg_emit_op(INDEX_op_qemu_ld, TYPE, 6, T(val), T(addr), (TCGArg)memop,    \
                (TCGArg)mmu_idx, (TCGArg)0, (TCGArg)0);                       \
}                                                                             \
void tcg_gen_qemu_st_##W(TCGv_##W val, TCGv_i64 addr, int mmu_idx, MemOp memop) \
{                                                                             \
    tcg_emit_op(INDEX_op_qemu_st, TYPE, 6, T(val), T(addr),                   \
                (TCGArg)(memop & ~MO_SIGN), (TCGArg)mmu_idx, (TCGArg)0,       \
                (TCGArg)0);                                                   \
}                                                                             \
void tcg_gen_div_guarded_##W(TCGv_##W r, TCGv_##W a, TCGv_##W b,              \
                             bool is_signed, bool is_rem)                     \
{                                                                             \
    /* RISC-V unprivileged spec, 13.2 "Division Operations", table 11. */     \
    int64_t min = TYPE == TCG_TYPE_I32 ? INT32_MIN : INT64_MIN;               \
    TCGv_##W zero = temp_tcgv_##W(tcg_constant_internal(TYPE, 0));            \
    TCGv_##W one = temp_tcgv_##W(tcg_constant_internal(TYPE, 1));             \
    TCGv_##W d = tcg_temp_ebb_new_##W(), q = tcg_temp_ebb_new_##W();           \
    TCGv_##W t = tcg_temp_ebb_new_##W();                                      \
    if (is_signed) {                                                          \
        /* t = (a == MIN && b == -1): then divide by 1 (q = a, r = 0) */      \
        TCGv_##W u = tcg_temp_ebb_new_##W();                                  \
        tcg_gen_setcondi_##W(TCG_COND_EQ, t, a, min);                         \
        tcg_gen_setcondi_##W(TCG_COND_EQ, u, b, -1);                          \
        tcg_gen_and_##W(t, t, u);                                             \
        tcg_gen_movcond_##W(TCG_COND_NE, d, t, zero, one, b);                 \
        tcg_gen_movcond_##W(TCG_COND_EQ, d, d, zero, one, d);                 \
        tcg_temp_free_##W(u);                                                 \
        if (is_rem) {                                                         \
            tcg_gen_rem_##W(q, a, d);                                         \
        } else {                                                              \
            tcg_gen_div_##W(q, a, d);                                         \
        }                                                                     \
    } else {                                                                  \
        tcg_gen_movcond_##W(TCG_COND_EQ, d, b, zero, one, b);                 \
        if (is_rem) {                                                         \
            tcg_gen_remu_##W(q, a, d);                                        \
        } else {                                                              \
            tcg_gen_divu_##W(q, a, d);                                        \
        }                                                                     \
    }                                                                         \
    /* divide by zero: quotient all ones, remainder the dividend */           \
    tcg_gen_movcond_##W(TCG_COND_EQ, r, b, zero,                              \
                        is_rem ? a : temp_tcgv_##W(tcg_constant_internal(TYPE, -1)), q); \
    tcg_temp_free_##W(d);                                                     \
    tcg_temp_free_##W(q);                                                     \
    tcg_temp_free_##W(t);                                                     \
}

#define GEN_BIN_OP(W, TYPE, name, opc)                                        \
void tcg_gen_##name##_##W(TCGv_##W r, TCGv_##W a, TCGv_##W b)                 \
{                                                                             \
    gen_op3(INDEX_op_##opc, TYPE, tcgv_temp(r), tcgv_temp(a), tcgv_temp(b));  \
}
#define GEN_BIN(W, TYPE, name) GEN_BIN_OP(W, TYPE, name, name)
#define GEN_BINI(W, TYPE, name)                                               \
void tcg_gen_##name##i_##W(TCGv_##W r, TCGv_##W a, int64_t b)                 \
{                                                                             \
    gen_op3(INDEX_op_##name, TYPE, tcgv_temp(r), tcgv_temp(a),                \
            tcg_constant_internal(TYPE, b));                                  \
}
#define GEN_UN(W, TYPE, name)                                                 \
void tcg_gen_##name##_##W(TCGv_##W r, TCGv_##W a)                             \
{                                                                             \
    gen_op2(INDEX_op_##name, TYPE, tcgv_temp(r), tcgv_temp(a));               \
}
#define GEN_LD(W, TYPE, name)                                                 \
void tcg_gen_##name##_##W(TCGv_##W r, TCGv_ptr base, intptr_t ofs)            \
{                                                                             \
    tcg_emit_op(INDEX_op_##name, TYPE, 3, T(r), T(base), (TCGArg)ofs);        \
}
#define GEN_ST(W, TYPE, name)                                                 \
void tcg_gen_##name##_##W(TCGv_##W v, TCGv_ptr base, intptr_t ofs)            \
{                                                                             \
    tcg_emit_op(INDEX_op_##name, TYPE, 3, T(v), T(base), (TCGArg)ofs);        \
}

GEN_BOTH(i32, TCG_TYPE_I32)
GEN_BOTH(i64, TCG_TYPE_I64)

/* ------------------------------------------------------------------------ */
/* i64-only and conversions */

void tcg_gen_ext_i32_i64(TCGv_i64 r, TCGv_i32 a)
{
    gen_op2(INDEX_op_ext_i32_i64, TCG_TYPE_I64, tcgv_temp(r), tcgv_temp(a));
}

void tcg_gen_extu_i32_i64(TCGv_i64 r, TCGv_i32 a)
{
    gen_op2(INDEX_op_extu_i32_i64, TCG_TYPE_I64, tcgv_temp(r), tcgv_temp(a));
}

void tcg_gen_extrl_i64_i32(TCGv_i32 r, TCGv_i64 a)
{
    gen_op2(INDEX_op_extrl_i64_i32, TCG_TYPE_I32, tcgv_temp(r), tcgv_temp(a));
}

void tcg_gen_extrh_i64_i32(TCGv_i32 r, TCGv_i64 a)
{
    gen_op2(INDEX_op_extrh_i64_i32, TCG_TYPE_I32, tcgv_temp(r), tcgv_temp(a));
}

void tcg_gen_ext32s_i64(TCGv_i64 r, TCGv_i64 a)
{
    gen_op2(INDEX_op_ext32s, TCG_TYPE_I64, tcgv_temp(r), tcgv_temp(a));
}

void tcg_gen_ext32u_i64(TCGv_i64 r, TCGv_i64 a)
{
    gen_op2(INDEX_op_ext32u, TCG_TYPE_I64, tcgv_temp(r), tcgv_temp(a));
}

void tcg_gen_bswap64_i64(TCGv_i64 r, TCGv_i64 a)
{
    tcg_emit_op(INDEX_op_bswap64, TCG_TYPE_I64, 3, T(r), T(a), (TCGArg)0);
}

GEN_LD(i64, TCG_TYPE_I64, ld32u)
GEN_LD(i64, TCG_TYPE_I64, ld32s)
GEN_ST(i64, TCG_TYPE_I64, st32)

void tcg_gen_mov_ptr(TCGv_ptr r, TCGv_ptr a)
{
    tcg_gen_mov_i64((TCGv_i64)r, (TCGv_i64)a);
}

void tcg_gen_movi_ptr(TCGv_ptr r, intptr_t a)
{
    tcg_gen_movi_i64((TCGv_i64)r, a);
}

void tcg_gen_addi_ptr(TCGv_ptr r, TCGv_ptr a, intptr_t b)
{
    tcg_gen_addi_i64((TCGv_i64)r, (TCGv_i64)a, b);
}

void tcg_gen_add_ptr(TCGv_ptr r, TCGv_ptr a, TCGv_ptr b)
{
    tcg_gen_add_i64((TCGv_i64)r, (TCGv_i64)a, (TCGv_i64)b);
}

void tcg_gen_ext_i32_ptr(TCGv_ptr r, TCGv_i32 a)
{
    tcg_gen_extu_i32_i64((TCGv_i64)r, a);
}

void tcg_gen_ld_ptr(TCGv_ptr r, TCGv_ptr base, intptr_t ofs)
{
    tcg_gen_ld_i64((TCGv_i64)r, base, ofs);
}

void tcg_gen_st_ptr(TCGv_ptr v, TCGv_ptr base, intptr_t ofs)
{
    tcg_gen_st_i64((TCGv_i64)v, base, ofs);
}

/* ---- floating point ---- */

static void gen_fp(TCGOpcode opc, unsigned flags, TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b,
                   TCGv_i64 c, TCGFpFallback fb)
{
    TCGArg args[7];
    int n = 0;

    args[n++] = T(ret);
    args[n++] = T(a);
    if (b) {
        args[n++] = T(b);
    }
    if (c) {
        args[n++] = T(c);
    }
    args[n++] = flags;
    args[n++] = (TCGArg)fb.fn;
    args[n++] = (TCGArg)fb.desc;
    tcg_emit_opv(opc, TCG_TYPE_I64, args, n);
}

void tcg_gen_fadd(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_fadd, flags, ret, a, b, NULL, fb);
}

void tcg_gen_fsub(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_fsub, flags, ret, a, b, NULL, fb);
}

void tcg_gen_fmul(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_fmul, flags, ret, a, b, NULL, fb);
}

void tcg_gen_fdiv(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_fdiv, flags, ret, a, b, NULL, fb);
}

void tcg_gen_fsqrt(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_fsqrt, flags, ret, a, NULL, NULL, fb);
}

bool tcg_fp_has_fma(void)
{
    return (tcg_host_features & TCG_HOST_FMA) != 0;
}

void tcg_gen_fma(TCGv_i64 ret, TCGv_i64 a, TCGv_i64 b, TCGv_i64 c, unsigned flags,
                 TCGFpFallback fb)
{
    g_assert(tcg_fp_has_fma());
    gen_fp(INDEX_op_fma, flags, ret, a, b, c, fb);
}

void tcg_gen_fcmp(TCGv_i64 ret, TCGFpCond cond, TCGv_i64 a, TCGv_i64 b, unsigned flags,
                  TCGFpFallback fb)
{
    gen_fp(INDEX_op_fcmp, flags | (unsigned)cond << TCG_FP_COND_SHIFT, ret, a, b, NULL, fb);
}

void tcg_gen_ftoi(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_ftoi, flags, ret, a, NULL, NULL, fb);
}

void tcg_gen_itof(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_itof, flags, ret, a, NULL, NULL, fb);
}

void tcg_gen_fcvt(TCGv_i64 ret, TCGv_i64 a, unsigned flags, TCGFpFallback fb)
{
    gen_fp(INDEX_op_fcvt, flags, ret, a, NULL, NULL, fb);
}

void tcg_gen_fp_flags_get(TCGv_i64 ret)
{
    tcg_emit_op(INDEX_op_fp_flags_get, TCG_TYPE_I64, 1, T(ret));
}

void tcg_gen_fp_flags_keep(TCGv_i64 mask)
{
    tcg_emit_op(INDEX_op_fp_flags_keep, TCG_TYPE_I64, 1, T(mask));
}
