/*
 * RV64GC + Zb* to TCG IR. Instructions are decoded by the table in decode.c;
 * trans_table maps each RVOp to the function that emits its IR. Guest
 * x1..x31 and pc are TCG globals; FP registers live in env and are reached
 * with ld/st (F/D arithmetic runs in helpers, see fpu.h).
 */
#include "tern/osdep.h"
#include "tcg/tcg-op.h"
#include "exec/cpu-exec.h"
#include "translate.h"
#include "helper.h"
#include "fpu.h"

static TCGv_i64 cpu_gpr[32];
static TCGv_i64 cpu_pc;

typedef enum {
    DISAS_NEXT,         /* keep translating */
    DISAS_NORETURN,     /* the TB exit is already emitted */
    DISAS_EXIT,         /* leave to the main loop at pc_next (state changed) */
    DISAS_LOOKUP,       /* continue at pc_next through the TB lookup */
} DisasJumpType;

typedef struct DisasContext {
    TranslationBlock *tb;
    uint64_t page_start;        /* guest page of the TB's first instruction */
    uint64_t pc;                /* current instruction */
    uint64_t pc_next;
    int priv, mem_idx;
    uint32_t flags, ext;
    bool fs_dirty;              /* mstatus.FS already set to Dirty in this TB */
    DisasJumpType is_jmp;
} DisasContext;

void riscv_translate_init(void)
{
    static const char *const names[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
        "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
        "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    cpu_gpr[0] = NULL;          /* x0 reads as the constant 0 */
    for (int i = 1; i < 32; i++) {
        cpu_gpr[i] = tcg_global_mem_new_i64(tcg_env, offsetof(CPURISCVState, gpr[i]), names[i]);
    }
    cpu_pc = tcg_global_mem_new_i64(tcg_env, offsetof(CPURISCVState, pc), "pc");
}

/* ---- operand helpers ---- */

static TCGv_i64 get_gpr(int r)
{
    return r ? cpu_gpr[r] : tcg_constant_i64(0);
}

/* Where to compute rd's value: the register itself, or a scratch for x0. */
static TCGv_i64 dest_gpr(int r)
{
    return r ? cpu_gpr[r] : tcg_temp_ebb_new_i64();
}

static void set_gpr(int r, TCGv_i64 v)
{
    if (r) {
        tcg_gen_mov_i64(cpu_gpr[r], v);
    }
}

static intptr_t fpr_off(int r)
{
    return offsetof(CPURISCVState, fpr[r]);
}

static TCGv_i64 get_fpr(int r)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    tcg_gen_ld_i64(t, tcg_env, fpr_off(r));
    return t;
}

static void gen_exception(DisasContext *ctx, int cause, uint64_t tval)
{
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_raise_exception, 0, NULL, tcgv_temp(tcg_env),
                    tcgv_temp(tcg_constant_i64(cause)), tcgv_temp(tcg_constant_i64(tval)));
    tcg_gen_exit_tb(NULL, 0);
    ctx->is_jmp = DISAS_NORETURN;
}

static void gen_goto_tb(DisasContext *ctx, int n, uint64_t dest)
{
    if (translator_use_goto_tb(ctx->tb, dest)) {
        tcg_gen_goto_tb(n);
        tcg_gen_movi_i64(cpu_pc, dest);
        tcg_gen_exit_tb(ctx->tb, n);
    } else {
        tcg_gen_movi_i64(cpu_pc, dest);
        tcg_gen_lookup_and_goto_ptr();
    }
}

/* ---- RV64I ---- */

static bool trans_lui(DisasContext *ctx, RVInsn *a)
{
    if (a->rd) {
        tcg_gen_movi_i64(cpu_gpr[a->rd], a->imm);
    }
    return true;
}

static bool trans_auipc(DisasContext *ctx, RVInsn *a)
{
    if (a->rd) {
        tcg_gen_movi_i64(cpu_gpr[a->rd], ctx->pc + a->imm);
    }
    return true;
}

static bool trans_jal(DisasContext *ctx, RVInsn *a)
{
    uint64_t dest = ctx->pc + a->imm;

    if (!(ctx->ext & RV_EXT_C) && (dest & 3)) {
        gen_exception(ctx, EXCP_INST_ADDR_MIS, dest);
        return true;
    }
    if (a->rd) {
        tcg_gen_movi_i64(cpu_gpr[a->rd], ctx->pc_next);
    }
    gen_goto_tb(ctx, 0, dest);
    ctx->is_jmp = DISAS_NORETURN;
    return true;
}

static bool trans_jalr(DisasContext *ctx, RVInsn *a)
{
    TCGv_i64 t = tcg_temp_new_i64();

    tcg_gen_addi_i64(t, get_gpr(a->rs1), a->imm);
    tcg_gen_andi_i64(t, t, ~1ll);
    if (!(ctx->ext & RV_EXT_C)) {
        TCGLabel *ok = gen_new_label();
        TCGv_i64 low = tcg_temp_new_i64();
        tcg_gen_andi_i64(low, t, 2);
        tcg_gen_brcondi_i64(TCG_COND_EQ, low, 0, ok);
        tcg_gen_movi_i64(cpu_pc, ctx->pc);
        gen_helper_call(helper_raise_exception, 0, NULL, tcgv_temp(tcg_env),
                        tcgv_temp(tcg_constant_i64(EXCP_INST_ADDR_MIS)), tcgv_temp(t));
        gen_set_label(ok);
    }
    if (a->rd) {
        tcg_gen_movi_i64(cpu_gpr[a->rd], ctx->pc_next);
    }
    tcg_gen_mov_i64(cpu_pc, t);
    tcg_gen_lookup_and_goto_ptr();
    ctx->is_jmp = DISAS_NORETURN;
    return true;
}

static bool gen_branch(DisasContext *ctx, RVInsn *a, TCGCond cond)
{
    TCGLabel *taken = gen_new_label();
    uint64_t dest = ctx->pc + a->imm;

    if (!(ctx->ext & RV_EXT_C) && (dest & 3)) {
        /* misaligned target: the exception is raised only if taken */
        TCGLabel *not_taken = gen_new_label();
        tcg_gen_brcond_i64(tcg_invert_cond(cond), get_gpr(a->rs1), get_gpr(a->rs2), not_taken);
        gen_exception(ctx, EXCP_INST_ADDR_MIS, dest);
        gen_set_label(not_taken);
        gen_goto_tb(ctx, 1, ctx->pc_next);
        ctx->is_jmp = DISAS_NORETURN;
        return true;
    }
    tcg_gen_brcond_i64(cond, get_gpr(a->rs1), get_gpr(a->rs2), taken);
    gen_goto_tb(ctx, 1, ctx->pc_next);
    gen_set_label(taken);
    gen_goto_tb(ctx, 0, dest);
    ctx->is_jmp = DISAS_NORETURN;
    return true;
}

static bool trans_beq(DisasContext *ctx, RVInsn *a) { return gen_branch(ctx, a, TCG_COND_EQ); }
static bool trans_bne(DisasContext *ctx, RVInsn *a) { return gen_branch(ctx, a, TCG_COND_NE); }
static bool trans_blt(DisasContext *ctx, RVInsn *a) { return gen_branch(ctx, a, TCG_COND_LT); }
static bool trans_bge(DisasContext *ctx, RVInsn *a) { return gen_branch(ctx, a, TCG_COND_GE); }
static bool trans_bltu(DisasContext *ctx, RVInsn *a) { return gen_branch(ctx, a, TCG_COND_LTU); }
static bool trans_bgeu(DisasContext *ctx, RVInsn *a) { return gen_branch(ctx, a, TCG_COND_GEU); }

static TCGv_i64 gen_address(RVInsn *a)
{
    TCGv_i64 addr = tcg_temp_ebb_new_i64();
    tcg_gen_addi_i64(addr, get_gpr(a->rs1), a->imm);
    return addr;
}

/* Misaligned accesses are emulated (MO_UNALN), not trapped: spec 2.6 allows it. */
static bool gen_load(DisasContext *ctx, RVInsn *a, MemOp mop)
{
    TCGv_i64 addr = gen_address(a);
    TCGv_i64 val = tcg_temp_ebb_new_i64();

    tcg_gen_qemu_ld_i64(val, addr, ctx->mem_idx, mop | MO_UNALN);
    set_gpr(a->rd, val);
    return true;
}

static bool gen_store(DisasContext *ctx, RVInsn *a, MemOp mop)
{
    tcg_gen_qemu_st_i64(get_gpr(a->rs2), gen_address(a), ctx->mem_idx, mop | MO_UNALN);
    return true;
}

static bool trans_lb(DisasContext *ctx, RVInsn *a) { return gen_load(ctx, a, MO_SB); }
static bool trans_lh(DisasContext *ctx, RVInsn *a) { return gen_load(ctx, a, MO_TESW); }
static bool trans_lw(DisasContext *ctx, RVInsn *a) { return gen_load(ctx, a, MO_TESL); }
static bool trans_ld(DisasContext *ctx, RVInsn *a) { return gen_load(ctx, a, MO_TEUQ); }
static bool trans_lbu(DisasContext *ctx, RVInsn *a) { return gen_load(ctx, a, MO_UB); }
static bool trans_lhu(DisasContext *ctx, RVInsn *a) { return gen_load(ctx, a, MO_TEUW); }
static bool trans_lwu(DisasContext *ctx, RVInsn *a) { return gen_load(ctx, a, MO_TEUL); }
static bool trans_sb(DisasContext *ctx, RVInsn *a) { return gen_store(ctx, a, MO_UB); }
static bool trans_sh(DisasContext *ctx, RVInsn *a) { return gen_store(ctx, a, MO_TEUW); }
static bool trans_sw(DisasContext *ctx, RVInsn *a) { return gen_store(ctx, a, MO_TEUL); }
static bool trans_sd(DisasContext *ctx, RVInsn *a) { return gen_store(ctx, a, MO_TEUQ); }

/*
 * ALU operations: fn computes d = f(s1, s2); W forms then sign-extend
 * (spec 4.2: RV64 *W results are sign-extended 32-bit values).
 */
typedef void (*BinOp)(TCGv_i64 d, TCGv_i64 s1, TCGv_i64 s2);
typedef void (*ImmOp)(TCGv_i64 d, TCGv_i64 s1, int64_t imm);

static bool gen_rr(RVInsn *a, BinOp fn, bool w)
{
    TCGv_i64 d = dest_gpr(a->rd);
    fn(d, get_gpr(a->rs1), get_gpr(a->rs2));
    if (w) {
        tcg_gen_ext32s_i64(d, d);
    }
    return true;
}

static bool gen_ri(RVInsn *a, ImmOp fn, bool w)
{
    TCGv_i64 d = dest_gpr(a->rd);
    fn(d, get_gpr(a->rs1), a->imm);
    if (w) {
        tcg_gen_ext32s_i64(d, d);
    }
    return true;
}

#define TRANS_RR(name, fn, w) \
    static bool trans_##name(DisasContext *ctx, RVInsn *a) { return gen_rr(a, fn, w); }
#define TRANS_RI(name, fn, w) \
    static bool trans_##name(DisasContext *ctx, RVInsn *a) { return gen_ri(a, fn, w); }

static void gen_slt(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { tcg_gen_setcond_i64(TCG_COND_LT, d, a, b); }
static void gen_sltu(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { tcg_gen_setcond_i64(TCG_COND_LTU, d, a, b); }
static void gen_slti(TCGv_i64 d, TCGv_i64 a, int64_t b) { tcg_gen_setcondi_i64(TCG_COND_LT, d, a, b); }
static void gen_sltiu(TCGv_i64 d, TCGv_i64 a, int64_t b) { tcg_gen_setcondi_i64(TCG_COND_LTU, d, a, b); }

TRANS_RI(addi, tcg_gen_addi_i64, false)
TRANS_RI(slti, gen_slti, false)
TRANS_RI(sltiu, gen_sltiu, false)
TRANS_RI(xori, tcg_gen_xori_i64, false)
TRANS_RI(ori, tcg_gen_ori_i64, false)
TRANS_RI(andi, tcg_gen_andi_i64, false)
TRANS_RI(slli, tcg_gen_shli_i64, false)
TRANS_RI(srli, tcg_gen_shri_i64, false)
TRANS_RI(srai, tcg_gen_sari_i64, false)
TRANS_RR(add, tcg_gen_add_i64, false)
TRANS_RR(sub, tcg_gen_sub_i64, false)
TRANS_RR(sll, tcg_gen_shl_i64, false)
TRANS_RR(slt, gen_slt, false)
TRANS_RR(sltu, gen_sltu, false)
TRANS_RR(xor, tcg_gen_xor_i64, false)
TRANS_RR(srl, tcg_gen_shr_i64, false)
TRANS_RR(sra, tcg_gen_sar_i64, false)
TRANS_RR(or, tcg_gen_or_i64, false)
TRANS_RR(and, tcg_gen_and_i64, false)
TRANS_RI(addiw, tcg_gen_addi_i64, true)
TRANS_RI(slliw, tcg_gen_shli_i64, true)
TRANS_RR(addw, tcg_gen_add_i64, true)
TRANS_RR(subw, tcg_gen_sub_i64, true)

static void gen_srliw(TCGv_i64 d, TCGv_i64 a, int64_t sh)
{
    tcg_gen_ext32u_i64(d, a);
    tcg_gen_shri_i64(d, d, sh);
}
static void gen_sraiw(TCGv_i64 d, TCGv_i64 a, int64_t sh)
{
    tcg_gen_ext32s_i64(d, a);
    tcg_gen_sari_i64(d, d, sh);
}
TRANS_RI(srliw, gen_srliw, true)
TRANS_RI(sraiw, gen_sraiw, true)

/* W shifts use the low 5 bits of rs2 */
static void gen_shamt_w(TCGv_i64 t, TCGv_i64 b)
{
    tcg_gen_andi_i64(t, b, 31);
}
static void gen_sllw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    gen_shamt_w(t, b);
    tcg_gen_shl_i64(d, a, t);
}
static void gen_srlw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    gen_shamt_w(t, b);
    tcg_gen_ext32u_i64(d, a);
    tcg_gen_shr_i64(d, d, t);
}
static void gen_sraw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    gen_shamt_w(t, b);
    tcg_gen_ext32s_i64(d, a);
    tcg_gen_sar_i64(d, d, t);
}
TRANS_RR(sllw, gen_sllw, true)
TRANS_RR(srlw, gen_srlw, true)
TRANS_RR(sraw, gen_sraw, true)

static bool trans_fence(DisasContext *ctx, RVInsn *a)
{
    tcg_gen_mb(TCG_MO_ALL | TCG_BAR_SC);
    return true;
}

static bool trans_fence_i(DisasContext *ctx, RVInsn *a)
{
    /*
     * Stores into translated code already invalidated it (TLB_NOTDIRTY);
     * ending the TB makes the next instruction come from a fresh lookup.
     */
    ctx->is_jmp = DISAS_EXIT;
    return true;
}

static bool trans_ecall(DisasContext *ctx, RVInsn *a)
{
    static const int cause[4] = { EXCP_U_ECALL, EXCP_S_ECALL, 0, EXCP_M_ECALL };
    gen_exception(ctx, cause[ctx->priv], 0);
    return true;
}

static bool trans_ebreak(DisasContext *ctx, RVInsn *a)
{
    gen_exception(ctx, EXCP_BREAKPOINT, 0);     /* mtval 0, as QEMU 7.2 */
    return true;
}

/* ---- privileged (spec 3.3) ---- */

static bool trans_mret(DisasContext *ctx, RVInsn *a)
{
    if (ctx->priv != PRV_M) {
        return false;
    }
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_mret, 0, tcgv_temp(cpu_pc), tcgv_temp(tcg_env));
    tcg_gen_exit_tb(NULL, 0);
    ctx->is_jmp = DISAS_NORETURN;
    return true;
}

static bool trans_sret(DisasContext *ctx, RVInsn *a)
{
    if (ctx->priv == PRV_U || (ctx->priv == PRV_S && (ctx->flags & TB_FLAG_TSR))) {
        return false;
    }
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_sret, 0, tcgv_temp(cpu_pc), tcgv_temp(tcg_env));
    tcg_gen_exit_tb(NULL, 0);
    ctx->is_jmp = DISAS_NORETURN;
    return true;
}

static bool trans_wfi(DisasContext *ctx, RVInsn *a)
{
    /* U-mode WFI, and S-mode WFI with mstatus.TW, are illegal (spec 3.1.6.5) */
    if (ctx->priv == PRV_U || (ctx->priv == PRV_S && (ctx->flags & TB_FLAG_TW))) {
        return false;
    }
    tcg_gen_movi_i64(cpu_pc, ctx->pc_next);
    gen_helper_call(helper_wfi, 0, NULL, tcgv_temp(tcg_env));
    tcg_gen_exit_tb(NULL, 0);
    ctx->is_jmp = DISAS_NORETURN;
    return true;
}

static bool trans_sfence_vma(DisasContext *ctx, RVInsn *a)
{
    if (ctx->priv == PRV_U || (ctx->priv == PRV_S && (ctx->flags & TB_FLAG_TVM))) {
        return false;
    }
    gen_helper_call(helper_sfence_vma, 0, NULL, tcgv_temp(tcg_env));
    ctx->is_jmp = DISAS_EXIT;
    return true;
}

/* ---- Zicsr (spec chapter 9) ---- */

static bool gen_csr(DisasContext *ctx, RVInsn *a, TCGv_i64 value, TCGv_i64 mask, bool writes)
{
    TCGv_i64 old = tcg_temp_ebb_new_i64();

    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_csrrw, 0, tcgv_temp(old), tcgv_temp(tcg_env),
                    tcgv_temp(tcg_constant_i64(a->imm)), tcgv_temp(value), tcgv_temp(mask),
                    tcgv_temp(tcg_constant_i64(a->raw | (uint64_t)writes << 32)));
    set_gpr(a->rd, old);
    /* a write may change the mode flags, the MMU or unmask an interrupt */
    ctx->is_jmp = writes ? DISAS_EXIT : DISAS_LOOKUP;
    return true;
}

static bool trans_csrrw(DisasContext *ctx, RVInsn *a)
{
    return gen_csr(ctx, a, get_gpr(a->rs1), tcg_constant_i64(-1), true);
}

static bool trans_csrrs(DisasContext *ctx, RVInsn *a)
{
    return gen_csr(ctx, a, tcg_constant_i64(-1), get_gpr(a->rs1), a->rs1 != 0);
}

static bool trans_csrrc(DisasContext *ctx, RVInsn *a)
{
    return gen_csr(ctx, a, tcg_constant_i64(0), get_gpr(a->rs1), a->rs1 != 0);
}

static bool trans_csrrwi(DisasContext *ctx, RVInsn *a)
{
    return gen_csr(ctx, a, tcg_constant_i64(a->rs1), tcg_constant_i64(-1), true);
}

static bool trans_csrrsi(DisasContext *ctx, RVInsn *a)
{
    return gen_csr(ctx, a, tcg_constant_i64(-1), tcg_constant_i64(a->rs1), a->rs1 != 0);
}

static bool trans_csrrci(DisasContext *ctx, RVInsn *a)
{
    return gen_csr(ctx, a, tcg_constant_i64(0), tcg_constant_i64(a->rs1), a->rs1 != 0);
}

/* ---- M ---- */

static void gen_mulh(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 lo = tcg_temp_ebb_new_i64();
    tcg_gen_muls2_i64(lo, d, a, b);
}
static void gen_mulhu(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 lo = tcg_temp_ebb_new_i64();
    tcg_gen_mulu2_i64(lo, d, a, b);
}
static void gen_mulhsu(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 lo = tcg_temp_ebb_new_i64();
    tcg_gen_mulsu2_i64(lo, d, a, b);
}
static void gen_div(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { tcg_gen_div_guarded_i64(d, a, b, true, false); }
static void gen_divu(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { tcg_gen_div_guarded_i64(d, a, b, false, false); }
static void gen_rem(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { tcg_gen_div_guarded_i64(d, a, b, true, true); }
static void gen_remu(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { tcg_gen_div_guarded_i64(d, a, b, false, true); }

/* 32-bit division on 64-bit values extended per signedness, then ext32s. */
static void gen_div_w(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b, bool is_signed, bool is_rem)
{
    TCGv_i64 x = tcg_temp_ebb_new_i64(), y = tcg_temp_ebb_new_i64();
    if (is_signed) {
        tcg_gen_ext32s_i64(x, a);
        tcg_gen_ext32s_i64(y, b);
    } else {
        tcg_gen_ext32u_i64(x, a);
        tcg_gen_ext32u_i64(y, b);
    }
    tcg_gen_div_guarded_i64(d, x, y, is_signed, is_rem);
}
static void gen_divw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_div_w(d, a, b, true, false); }
static void gen_divuw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_div_w(d, a, b, false, false); }
static void gen_remw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_div_w(d, a, b, true, true); }
static void gen_remuw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_div_w(d, a, b, false, true); }

TRANS_RR(mul, tcg_gen_mul_i64, false)
TRANS_RR(mulh, gen_mulh, false)
TRANS_RR(mulhsu, gen_mulhsu, false)
TRANS_RR(mulhu, gen_mulhu, false)
TRANS_RR(div, gen_div, false)
TRANS_RR(divu, gen_divu, false)
TRANS_RR(rem, gen_rem, false)
TRANS_RR(remu, gen_remu, false)
TRANS_RR(mulw, tcg_gen_mul_i64, true)
TRANS_RR(divw, gen_divw, true)
TRANS_RR(divuw, gen_divuw, true)
TRANS_RR(remw, gen_remw, true)
TRANS_RR(remuw, gen_remuw, true)

/* ---- A (spec chapter 8): helpers work on the host address, atomically ---- */

static bool gen_lr(DisasContext *ctx, RVInsn *a, int size)
{
    TCGv_i64 d = dest_gpr(a->rd);
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_lr, TCG_CALL_NO_WG, tcgv_temp(d), tcgv_temp(tcg_env),
                    tcgv_temp(get_gpr(a->rs1)), tcgv_temp(tcg_constant_i64(size)));
    return true;
}

static bool gen_sc(DisasContext *ctx, RVInsn *a, int size)
{
    TCGv_i64 d = dest_gpr(a->rd);
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_sc, TCG_CALL_NO_WG, tcgv_temp(d), tcgv_temp(tcg_env),
                    tcgv_temp(get_gpr(a->rs1)), tcgv_temp(get_gpr(a->rs2)),
                    tcgv_temp(tcg_constant_i64(size)));
    return true;
}

static bool gen_amo(DisasContext *ctx, RVInsn *a)
{
    TCGv_i64 d = dest_gpr(a->rd);
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_amo, TCG_CALL_NO_WG, tcgv_temp(d), tcgv_temp(tcg_env),
                    tcgv_temp(tcg_constant_i64(a->op)), tcgv_temp(get_gpr(a->rs1)),
                    tcgv_temp(get_gpr(a->rs2)));
    return true;
}

static bool trans_lr_w(DisasContext *ctx, RVInsn *a) { return gen_lr(ctx, a, 4); }
static bool trans_lr_d(DisasContext *ctx, RVInsn *a) { return gen_lr(ctx, a, 8); }
static bool trans_sc_w(DisasContext *ctx, RVInsn *a) { return gen_sc(ctx, a, 4); }
static bool trans_sc_d(DisasContext *ctx, RVInsn *a) { return gen_sc(ctx, a, 8); }
#define TRANS_AMO(name) \
    static bool trans_##name(DisasContext *ctx, RVInsn *a) { return gen_amo(ctx, a); }
TRANS_AMO(amoswap_w) TRANS_AMO(amoadd_w) TRANS_AMO(amoxor_w) TRANS_AMO(amoand_w)
TRANS_AMO(amoor_w) TRANS_AMO(amomin_w) TRANS_AMO(amomax_w) TRANS_AMO(amominu_w)
TRANS_AMO(amomaxu_w)
TRANS_AMO(amoswap_d) TRANS_AMO(amoadd_d) TRANS_AMO(amoxor_d) TRANS_AMO(amoand_d)
TRANS_AMO(amoor_d) TRANS_AMO(amomin_d) TRANS_AMO(amomax_d) TRANS_AMO(amominu_d)
TRANS_AMO(amomaxu_d)

/* ---- F and D ---- */

/* FP instructions are illegal while mstatus.FS is Off (spec 3.1.6.6). */
static bool fp_enabled(DisasContext *ctx)
{
    return (ctx->flags & TB_FLAG_FS_ON) != 0;
}

/* Writing an FP register or fflags makes mstatus.FS Dirty. */
static void mark_fs_dirty(DisasContext *ctx)
{
    if (!ctx->fs_dirty) {
        TCGv_i64 t = tcg_temp_ebb_new_i64();
        tcg_gen_ld_i64(t, tcg_env, offsetof(CPURISCVState, mstatus));
        tcg_gen_ori_i64(t, t, MSTATUS_FS | MSTATUS_SD);
        tcg_gen_st_i64(t, tcg_env, offsetof(CPURISCVState, mstatus));
        ctx->fs_dirty = true;
    }
}

static void set_fpr(DisasContext *ctx, int r, TCGv_i64 v)
{
    tcg_gen_st_i64(v, tcg_env, fpr_off(r));
    mark_fs_dirty(ctx);
}

static bool gen_fload(DisasContext *ctx, RVInsn *a, bool dbl)
{
    TCGv_i64 v = tcg_temp_ebb_new_i64();

    if (!fp_enabled(ctx)) {
        return false;
    }
    tcg_gen_qemu_ld_i64(v, gen_address(a), ctx->mem_idx, (dbl ? MO_TEUQ : MO_TEUL) | MO_UNALN);
    if (!dbl) {
        tcg_gen_ori_i64(v, v, (int64_t)0xffffffff00000000ull);   /* NaN-box (spec 12.2) */
    }
    set_fpr(ctx, a->rd, v);
    return true;
}

static bool gen_fstore(DisasContext *ctx, RVInsn *a, bool dbl)
{
    if (!fp_enabled(ctx)) {
        return false;
    }
    tcg_gen_qemu_st_i64(get_fpr(a->rs2), gen_address(a), ctx->mem_idx,
                        (dbl ? MO_TEUQ : MO_TEUL) | MO_UNALN);
    return true;
}

static bool trans_flw(DisasContext *ctx, RVInsn *a) { return gen_fload(ctx, a, false); }
static bool trans_fld(DisasContext *ctx, RVInsn *a) { return gen_fload(ctx, a, true); }
static bool trans_fsw(DisasContext *ctx, RVInsn *a) { return gen_fstore(ctx, a, false); }
static bool trans_fsd(DisasContext *ctx, RVInsn *a) { return gen_fstore(ctx, a, true); }

/* Operand/result kinds of helper_fpop calls. */
enum { FP_ARGS1 = 1, FP_ARGS2 = 2, FP_ARGS3 = 3 };

/*
 * One F/D operation through helper_fpop. nargs FP sources (rs1..rs3),
 * or an integer source rs1 with int_in; an integer result goes to x[rd].
 * uses_rm: funct3 is a rounding mode (5 and 6 are reserved: illegal).
 */
static bool gen_fpop(DisasContext *ctx, RVInsn *a, RVFpOp op, bool dbl, int nargs, bool int_in,
                     bool int_out, bool uses_rm)
{
    TCGv_i64 src[3], res;
    uint64_t desc;
    int rm = uses_rm ? a->rm : 0;

    if (!fp_enabled(ctx) || (uses_rm && (rm == 5 || rm == 6))) {
        return false;
    }
    for (int i = 0; i < 3; i++) {
        int r = i == 0 ? a->rs1 : i == 1 ? a->rs2 : a->rs3;
        if (i >= nargs) {
            src[i] = tcg_constant_i64(0);
        } else if (i == 0 && int_in) {
            src[i] = get_gpr(r);
        } else {
            src[i] = get_fpr(r);
        }
    }
    desc = op | (uint64_t)dbl << 8 | (uint64_t)rm << 9 |
           (uint64_t)(int_out ? FPRES_INT : FPRES_FP) << 12 | (int_in ? FPIN_INT : 0) |
           (uint64_t)a->raw << 32;
    res = int_out ? dest_gpr(a->rd) : tcg_temp_ebb_new_i64();
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_fpop, TCG_CALL_NO_WG, tcgv_temp(res), tcgv_temp(tcg_env),
                    tcgv_temp(tcg_constant_i64(desc)), tcgv_temp(src[0]), tcgv_temp(src[1]),
                    tcgv_temp(src[2]));
    if (!int_out) {
        set_fpr(ctx, a->rd, res);
    } else {
        mark_fs_dirty(ctx);     /* fflags may have changed */
    }
    return true;
}

#define TRANS_FP(name, op, dbl, nargs, int_in, int_out, uses_rm)              \
    static bool trans_##name(DisasContext *ctx, RVInsn *a)                   \
    {                                                                        \
        return gen_fpop(ctx, a, op, dbl, nargs, int_in, int_out, uses_rm);   \
    }
#define TRANS_FP_BOTH(name, op, nargs, int_in, int_out, uses_rm)             \
    TRANS_FP(name##_s, op, false, nargs, int_in, int_out, uses_rm)           \
    TRANS_FP(name##_d, op, true, nargs, int_in, int_out, uses_rm)

TRANS_FP_BOTH(fadd, FPOP_ADD, 2, false, false, true)
TRANS_FP_BOTH(fsub, FPOP_SUB, 2, false, false, true)
TRANS_FP_BOTH(fmul, FPOP_MUL, 2, false, false, true)
TRANS_FP_BOTH(fdiv, FPOP_DIV, 2, false, false, true)
TRANS_FP_BOTH(fsqrt, FPOP_SQRT, 1, false, false, true)
TRANS_FP_BOTH(fmadd, FPOP_MADD, 3, false, false, true)
TRANS_FP_BOTH(fmsub, FPOP_MSUB, 3, false, false, true)
TRANS_FP_BOTH(fnmsub, FPOP_NMSUB, 3, false, false, true)
TRANS_FP_BOTH(fnmadd, FPOP_NMADD, 3, false, false, true)
TRANS_FP_BOTH(fsgnj, FPOP_SGNJ, 2, false, false, false)
TRANS_FP_BOTH(fsgnjn, FPOP_SGNJN, 2, false, false, false)
TRANS_FP_BOTH(fsgnjx, FPOP_SGNJX, 2, false, false, false)
TRANS_FP_BOTH(fmin, FPOP_MIN, 2, false, false, false)
TRANS_FP_BOTH(fmax, FPOP_MAX, 2, false, false, false)
TRANS_FP_BOTH(feq, FPOP_EQ, 2, false, true, false)
TRANS_FP_BOTH(flt, FPOP_LT, 2, false, true, false)
TRANS_FP_BOTH(fle, FPOP_LE, 2, false, true, false)
TRANS_FP_BOTH(fclass, FPOP_CLASS, 1, false, true, false)
TRANS_FP(fcvt_w_s, FPOP_CVT_W, false, 1, false, true, true)
TRANS_FP(fcvt_wu_s, FPOP_CVT_WU, false, 1, false, true, true)
TRANS_FP(fcvt_l_s, FPOP_CVT_L, false, 1, false, true, true)
TRANS_FP(fcvt_lu_s, FPOP_CVT_LU, false, 1, false, true, true)
TRANS_FP(fcvt_w_d, FPOP_CVT_W, true, 1, false, true, true)
TRANS_FP(fcvt_wu_d, FPOP_CVT_WU, true, 1, false, true, true)
TRANS_FP(fcvt_l_d, FPOP_CVT_L, true, 1, false, true, true)
TRANS_FP(fcvt_lu_d, FPOP_CVT_LU, true, 1, false, true, true)
TRANS_FP(fcvt_s_w, FPOP_CVT_FROM_W, false, 1, true, false, true)
TRANS_FP(fcvt_s_wu, FPOP_CVT_FROM_WU, false, 1, true, false, true)
TRANS_FP(fcvt_s_l, FPOP_CVT_FROM_L, false, 1, true, false, true)
TRANS_FP(fcvt_s_lu, FPOP_CVT_FROM_LU, false, 1, true, false, true)
TRANS_FP(fcvt_d_w, FPOP_CVT_FROM_W, true, 1, true, false, true)
TRANS_FP(fcvt_d_wu, FPOP_CVT_FROM_WU, true, 1, true, false, true)
TRANS_FP(fcvt_d_l, FPOP_CVT_FROM_L, true, 1, true, false, true)
TRANS_FP(fcvt_d_lu, FPOP_CVT_FROM_LU, true, 1, true, false, true)
TRANS_FP(fcvt_s_d, FPOP_CVT_NARROW, true, 1, false, false, true)
TRANS_FP(fcvt_d_s, FPOP_CVT_WIDEN, false, 1, false, false, true)

/* Moves are bit copies: no unboxing check on fmv.x.w (spec 11.7). */
static bool trans_fmv_x_w(DisasContext *ctx, RVInsn *a)
{
    if (!fp_enabled(ctx)) {
        return false;
    }
    TCGv_i64 d = dest_gpr(a->rd);
    tcg_gen_ld32s_i64(d, tcg_env, fpr_off(a->rs1));
    return true;
}

static bool trans_fmv_x_d(DisasContext *ctx, RVInsn *a)
{
    if (!fp_enabled(ctx)) {
        return false;
    }
    TCGv_i64 d = dest_gpr(a->rd);
    tcg_gen_ld_i64(d, tcg_env, fpr_off(a->rs1));
    return true;
}

static bool trans_fmv_w_x(DisasContext *ctx, RVInsn *a)
{
    TCGv_i64 v = tcg_temp_ebb_new_i64();
    if (!fp_enabled(ctx)) {
        return false;
    }
    tcg_gen_ori_i64(v, get_gpr(a->rs1), (int64_t)0xffffffff00000000ull);
    set_fpr(ctx, a->rd, v);
    return true;
}

static bool trans_fmv_d_x(DisasContext *ctx, RVInsn *a)
{
    if (!fp_enabled(ctx)) {
        return false;
    }
    set_fpr(ctx, a->rd, get_gpr(a->rs1));
    return true;
}

/* ---- Zba ---- */

static void gen_add_uw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    tcg_gen_ext32u_i64(t, a);
    tcg_gen_add_i64(d, t, b);
}

static void gen_shadd(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b, int sh, bool uw)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    if (uw) {
        tcg_gen_ext32u_i64(t, a);
        tcg_gen_shli_i64(t, t, sh);
    } else {
        tcg_gen_shli_i64(t, a, sh);
    }
    tcg_gen_add_i64(d, t, b);
}
#define SHADD(n, uw, name) \
    static void gen_##name(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_shadd(d, a, b, n, uw); }
SHADD(1, false, sh1add) SHADD(2, false, sh2add) SHADD(3, false, sh3add)
SHADD(1, true, sh1add_uw) SHADD(2, true, sh2add_uw) SHADD(3, true, sh3add_uw)

static void gen_slli_uw(TCGv_i64 d, TCGv_i64 a, int64_t sh)
{
    tcg_gen_ext32u_i64(d, a);
    tcg_gen_shli_i64(d, d, sh);
}

TRANS_RR(add_uw, gen_add_uw, false)
TRANS_RR(sh1add, gen_sh1add, false)
TRANS_RR(sh2add, gen_sh2add, false)
TRANS_RR(sh3add, gen_sh3add, false)
TRANS_RR(sh1add_uw, gen_sh1add_uw, false)
TRANS_RR(sh2add_uw, gen_sh2add_uw, false)
TRANS_RR(sh3add_uw, gen_sh3add_uw, false)
TRANS_RI(slli_uw, gen_slli_uw, false)

/* ---- Zbb ---- */

static void gen_clz(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused) { tcg_gen_clzi_i64(d, a, 64); }
static void gen_ctz(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused) { tcg_gen_ctzi_i64(d, a, 64); }
static void gen_cpop(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused) { tcg_gen_ctpop_i64(d, a); }
static void gen_sext_b(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused) { tcg_gen_ext8s_i64(d, a); }
static void gen_sext_h(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused) { tcg_gen_ext16s_i64(d, a); }
static void gen_zext_h(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused) { tcg_gen_ext16u_i64(d, a); }
static void gen_rev8(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused) { tcg_gen_bswap64_i64(d, a); }
static void gen_clzw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused)
{
    tcg_gen_ext32u_i64(d, a);
    tcg_gen_clzi_i64(d, d, 64);
    tcg_gen_subi_i64(d, d, 32);
}
static void gen_ctzw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused)
{
    tcg_gen_ori_i64(d, a, 1ll << 32);
    tcg_gen_ctzi_i64(d, d, 64);
}
static void gen_cpopw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused)
{
    tcg_gen_ext32u_i64(d, a);
    tcg_gen_ctpop_i64(d, d);
}
static void gen_minmax(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b, TCGCond c)
{
    tcg_gen_movcond_i64(c, d, a, b, a, b);
}
static void gen_max(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_minmax(d, a, b, TCG_COND_GT); }
static void gen_maxu(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_minmax(d, a, b, TCG_COND_GTU); }
static void gen_min(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_minmax(d, a, b, TCG_COND_LT); }
static void gen_minu(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_minmax(d, a, b, TCG_COND_LTU); }

/* 32-bit rotates on the low word, result sign-extended */
static void gen_rot_w(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b, bool left)
{
    TCGv_i32 x = tcg_temp_ebb_new_i32(), s = tcg_temp_ebb_new_i32();
    tcg_gen_extrl_i64_i32(x, a);
    tcg_gen_extrl_i64_i32(s, b);
    if (left) {
        tcg_gen_rotl_i32(x, x, s);
    } else {
        tcg_gen_rotr_i32(x, x, s);
    }
    tcg_gen_ext_i32_i64(d, x);
}
static void gen_rolw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_rot_w(d, a, b, true); }
static void gen_rorw(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_rot_w(d, a, b, false); }
static void gen_roriw(TCGv_i64 d, TCGv_i64 a, int64_t sh)
{
    gen_rot_w(d, a, tcg_constant_i64(sh), false);
}
static void gen_call_pure2(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b, void *fn)
{
    gen_helper_call(fn, TCG_CALL_NO_RWG_SE, tcgv_temp(d), tcgv_temp(a), tcgv_temp(b));
}
static void gen_orc_b(TCGv_i64 d, TCGv_i64 a, TCGv_i64 unused)
{
    gen_helper_call(helper_orc_b, TCG_CALL_NO_RWG_SE, tcgv_temp(d), tcgv_temp(a));
}
static void gen_clmul(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_call_pure2(d, a, b, helper_clmul); }
static void gen_clmulh(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_call_pure2(d, a, b, helper_clmulh); }
static void gen_clmulr(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b) { gen_call_pure2(d, a, b, helper_clmulr); }

TRANS_RR(andn, tcg_gen_andc_i64, false)
TRANS_RR(orn, tcg_gen_orc_i64, false)
TRANS_RR(xnor, tcg_gen_eqv_i64, false)
TRANS_RR(clz, gen_clz, false)
TRANS_RR(ctz, gen_ctz, false)
TRANS_RR(cpop, gen_cpop, false)
TRANS_RR(sext_b, gen_sext_b, false)
TRANS_RR(sext_h, gen_sext_h, false)
TRANS_RR(zext_h, gen_zext_h, false)
TRANS_RR(clzw, gen_clzw, false)
TRANS_RR(ctzw, gen_ctzw, false)
TRANS_RR(cpopw, gen_cpopw, false)
TRANS_RR(max, gen_max, false)
TRANS_RR(maxu, gen_maxu, false)
TRANS_RR(min, gen_min, false)
TRANS_RR(minu, gen_minu, false)
TRANS_RR(rol, tcg_gen_rotl_i64, false)
TRANS_RR(ror, tcg_gen_rotr_i64, false)
TRANS_RR(rolw, gen_rolw, false)
TRANS_RR(rorw, gen_rorw, false)
TRANS_RI(rori, tcg_gen_rotri_i64, false)
TRANS_RI(roriw, gen_roriw, false)
TRANS_RR(orc_b, gen_orc_b, false)
TRANS_RR(rev8, gen_rev8, false)
TRANS_RR(clmul, gen_clmul, false)
TRANS_RR(clmulh, gen_clmulh, false)
TRANS_RR(clmulr, gen_clmulr, false)

/* ---- Zbs ---- */

static void gen_bit(TCGv_i64 bit, TCGv_i64 index)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    tcg_gen_andi_i64(t, index, 63);
    tcg_gen_shl_i64(bit, tcg_constant_i64(1), t);
}
static void gen_bclr(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 m = tcg_temp_ebb_new_i64();
    gen_bit(m, b);
    tcg_gen_andc_i64(d, a, m);
}
static void gen_bset(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 m = tcg_temp_ebb_new_i64();
    gen_bit(m, b);
    tcg_gen_or_i64(d, a, m);
}
static void gen_binv(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 m = tcg_temp_ebb_new_i64();
    gen_bit(m, b);
    tcg_gen_xor_i64(d, a, m);
}
static void gen_bext(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    tcg_gen_andi_i64(t, b, 63);
    tcg_gen_shr_i64(d, a, t);
    tcg_gen_andi_i64(d, d, 1);
}
static void gen_bclri(TCGv_i64 d, TCGv_i64 a, int64_t i) { tcg_gen_andi_i64(d, a, ~(1ll << i)); }
static void gen_bseti(TCGv_i64 d, TCGv_i64 a, int64_t i) { tcg_gen_ori_i64(d, a, 1ll << i); }
static void gen_binvi(TCGv_i64 d, TCGv_i64 a, int64_t i) { tcg_gen_xori_i64(d, a, 1ll << i); }
static void gen_bexti(TCGv_i64 d, TCGv_i64 a, int64_t i) { tcg_gen_extract_i64(d, a, i, 1); }

TRANS_RR(bclr, gen_bclr, false)
TRANS_RR(bset, gen_bset, false)
TRANS_RR(binv, gen_binv, false)
TRANS_RR(bext, gen_bext, false)
TRANS_RI(bclri, gen_bclri, false)
TRANS_RI(bseti, gen_bseti, false)
TRANS_RI(binvi, gen_binvi, false)
TRANS_RI(bexti, gen_bexti, false)

/* ---- dispatch ---- */

typedef bool (*TransFn)(DisasContext *ctx, RVInsn *a);

static const TransFn trans_table[RV_OP_COUNT] = {
#define INSN32(op, pat, fmt, ext, args) [RV_OP_##op] = trans_##op,
#include "insn32.def"
#undef INSN32
};

static void gen_illegal(DisasContext *ctx, uint32_t raw)
{
    /* mtval = the instruction bits, as QEMU reports them */
    gen_exception(ctx, EXCP_ILLEGAL_INST, raw);
}

static void log_insn(uint64_t pc, uint32_t raw, int len)
{
    char text[96];
    rv_disas(text, sizeof(text), pc, raw);
    if (len == 2) {
        tern_log("0x%016" PRIx64 ":  %04x          %s\n", pc, raw & 0xffff, text);
    } else {
        tern_log("0x%016" PRIx64 ":  %08x      %s\n", pc, raw, text);
    }
}

/*
 * The fault a 32-bit instruction's second half raises on the next page
 * (its tval is that half's address, its epc the instruction's).
 */
static int second_half_fault(CPURISCVState *env, uint64_t addr, int priv)
{
    static const int idx[4] = { MMU_IDX_U, MMU_IDX_S, MMU_IDX_S, MMU_IDX_M };
    hwaddr pa;
    int prot;
    uint64_t psize;
    int ret = riscv_translate(env, addr, ACCESS_FETCH, idx[priv], &pa, &prot, &psize, 2);
    return ret == RISCV_EXCP_NONE ? EXCP_INST_ACCESS : ret;
}

void riscv_translate_block(CPUState *cs, TranslationBlock *tb, int max_insns)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    uint32_t flags = tb->flags;
    DisasContext ctx = {
        .tb = tb,
        .page_start = tb->pc & TARGET_PAGE_MASK,
        .pc = tb->pc,
        .priv = flags & TB_FLAG_PRIV_MASK,
        .mem_idx = (flags >> TB_FLAG_MEM_IDX_SHIFT) & 3,
        .flags = flags,
        .ext = cs_rv(cs)->cfg.ext,
        .fs_dirty = (flags & TB_FLAG_FS_DIRTY) != 0,
        .is_jmp = DISAS_NEXT,
    };
    int n = 0;
    uint64_t end = tb->pc;

    if (max_insns <= 0 || max_insns > TCG_MAX_INSNS) {
        max_insns = TCG_MAX_INSNS;
    }
    if (tern_log_enabled(LOG_IN_ASM)) {
        tern_log("IN: \n");
    }
    while (ctx.is_jmp == DISAS_NEXT) {
        uint32_t raw;
        RVInsn insn;

        raw = translator_lduw(cs, tb, ctx.pc);
        if (rv_insn_length(raw) == 4) {
            uint64_t hi = ctx.pc + 2;
            if ((hi & TARGET_PAGE_MASK) != ctx.page_start && !translator_page_ok(cs, tb, hi)) {
                if (n > 0) {
                    /* end the TB here; the fault is raised when this insn starts a TB */
                    gen_goto_tb(&ctx, 0, ctx.pc);
                    break;
                }
                tcg_gen_insn_start(ctx.pc, 0, 0);
                n++;
                gen_exception(&ctx, second_half_fault(env, hi, ctx.priv), hi);
                end = ctx.pc + 4;
                break;
            }
            raw |= (uint32_t)translator_lduw(cs, tb, hi) << 16;
        }
        tcg_gen_insn_start(ctx.pc, 0, 0);
        n++;
        rv_decode(raw, ctx.ext, &insn);
        ctx.pc_next = ctx.pc + insn.len;
        end = ctx.pc_next;
        if (tern_log_enabled(LOG_IN_ASM)) {
            log_insn(ctx.pc, raw, insn.len);
        }
        if (insn.op == RV_OP_illegal || !trans_table[insn.op](&ctx, &insn)) {
            gen_illegal(&ctx, insn.raw);
            break;
        }
        if (ctx.is_jmp != DISAS_NEXT) {
            break;
        }
        ctx.pc = ctx.pc_next;
        /* stop at the page end (the next page may fault) and at the size limit */
        if (n >= max_insns || (ctx.pc & TARGET_PAGE_MASK) != ctx.page_start) {
            gen_goto_tb(&ctx, 0, ctx.pc);
            ctx.is_jmp = DISAS_NORETURN;
        }
    }
    switch (ctx.is_jmp) {
    case DISAS_EXIT:
        tcg_gen_movi_i64(cpu_pc, ctx.pc_next);
        tcg_gen_exit_tb(NULL, 0);
        break;
    case DISAS_LOOKUP:
        tcg_gen_movi_i64(cpu_pc, ctx.pc_next);
        tcg_gen_lookup_and_goto_ptr();
        break;
    default:
        break;
    }
    if (tern_log_enabled(LOG_IN_ASM)) {
        tern_log("\n");
    }
    tb->size = end - tb->pc;
    tb->icount = n;
}
