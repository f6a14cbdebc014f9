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
#include "sysemu/gdbstub.h"

static TCGv_i64 cpu_gpr[32];
static TCGv_i64 cpu_fpr[32];        /* raw bits; singles NaN-boxed (spec 12.2) */
static TCGv_i64 cpu_pc;

typedef enum {
    DISAS_NEXT,         /* keep translating */
    DISAS_NORETURN,     /* the TB exit is already emitted */
    DISAS_EXIT,         /* leave to the main loop at pc_next (state changed) */
} DisasJumpType;

/*
 * A conditional branch a short way forward in the same page stays inside
 * the TB (see gen_branch): its target is a label bound when translation
 * reaches that pc, or, if the TB ends first, an exit to it.
 */
#define SKIP_MAX_BYTES 64
#define MAX_SKIPS      4

typedef struct PendingSkip {
    uint64_t pc;
    TCGLabel *label;
    bool fs_dirty;              /* DisasContext.fs_dirty on the branch's side */
} PendingSkip;

typedef struct DisasContext {
    TranslationBlock *tb;
    uint64_t page_start;        /* guest page of the TB's first instruction */
    uint64_t pc;                /* current instruction */
    uint64_t pc_next;
    int priv, mem_idx;
    uint32_t flags, ext;
    bool fs_dirty;              /* mstatus.FS already set to Dirty in this TB */
    DisasJumpType is_jmp;
    PendingSkip skip[MAX_SKIPS];
    int nb_skips;
    unsigned goto_tb_used;      /* goto_tb slots taken (bit n: slot n) */
} DisasContext;

void riscv_translate_init(void)
{
    static const char *const names[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
        "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
        "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    static const char *const fpr_names[32] = {
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
        "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
        "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
    };
    cpu_gpr[0] = NULL;          /* x0 reads as the constant 0 */
    for (int i = 1; i < 32; i++) {
        cpu_gpr[i] = tcg_global_mem_new_i64(tcg_env, offsetof(CPURISCVState, gpr[i]), names[i]);
    }
    cpu_pc = tcg_global_mem_new_i64(tcg_env, offsetof(CPURISCVState, pc), "pc");
    for (int i = 0; i < 32; i++) {
        cpu_fpr[i] = tcg_global_mem_new_i64(tcg_env, offsetof(CPURISCVState, fpr[i]),
                                            fpr_names[i]);
    }

    /*
     * Keep the registers compiled RISC-V code uses most in host registers
     * across blocks: the argument registers, which gcc also uses as scratch
     * in leaf functions, where loops spend their time. By use in the hot
     * blocks of bench/user-riscv64 (perf samples per block times register
     * mentions): a5, a0, a3, a4, a2, a1, a6, a7; sp and s0 came next.
     */
    static const int pin_order[] = { 15, 10, 13, 14, 12, 11, 16, 17 };
    for (size_t i = 0; i < ARRAY_SIZE(pin_order) && tcg_global_pin(cpu_gpr[pin_order[i]]); i++) {
        continue;
    }
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

/* The FP register itself: callers only read it (set_fpr writes). */
static TCGv_i64 get_fpr(int r)
{
    return cpu_fpr[r];
}

static void gen_exception(DisasContext *ctx, int cause, uint64_t tval)
{
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    gen_helper_call(helper_raise_exception, 0, NULL, tcgv_temp(tcg_env),
                    tcgv_temp(tcg_constant_i64(cause)), tcgv_temp(tcg_constant_i64(tval)));
    tcg_gen_exit_tb(NULL, 0);
    ctx->is_jmp = DISAS_NORETURN;
}

/*
 * Jump to the TB at dest. Unless this TB changed its own flags (an FP
 * instruction made mstatus.FS Dirty), the target runs with the same flags,
 * so the jump cache can be probed inline.
 */
static void gen_lookup_and_goto(DisasContext *ctx, TCGv_i64 dest)
{
    if (ctx->fs_dirty && !(ctx->flags & TB_FLAG_FS_DIRTY)) {
        tcg_gen_mov_i64(cpu_pc, dest);
        tcg_gen_lookup_and_goto_ptr();
    } else {
        tcg_gen_lookup_and_goto_ptr_same_flags(dest, cpu_pc);
    }
}

static void gen_goto_tb(DisasContext *ctx, int n, uint64_t dest)
{
    if (translator_use_goto_tb(ctx->tb, dest)) {
        g_assert(!(ctx->goto_tb_used & (1u << n)));
        ctx->goto_tb_used |= 1u << n;
        tcg_gen_goto_tb(n);
        tcg_gen_movi_i64(cpu_pc, dest);
        tcg_gen_exit_tb(ctx->tb, n);
    } else {
        gen_lookup_and_goto(ctx, tcg_constant_i64(dest));
    }
}

/* A goto_tb slot this TB has not used yet, or -1. */
static int free_goto_tb(DisasContext *ctx)
{
    for (int n = 0; n < TCG_MAX_GOTO_TB; n++) {
        if (!(ctx->goto_tb_used & (1u << n))) {
            return n;
        }
    }
    return -1;
}

static bool skip_pending(DisasContext *ctx, uint64_t pc)
{
    for (int i = 0; i < ctx->nb_skips; i++) {
        if (ctx->skip[i].pc == pc) {
            return true;
        }
    }
    return false;
}

/* The label a forward branch to dest jumps to, or NULL if it must end the TB. */
static TCGLabel *skip_label(DisasContext *ctx, uint64_t dest)
{
    PendingSkip *p;

    if (dest <= ctx->pc || dest - ctx->pc > SKIP_MAX_BYTES ||
        (dest & TARGET_PAGE_MASK) != ctx->page_start) {
        return NULL;
    }
    for (int i = 0; i < ctx->nb_skips; i++) {
        if (ctx->skip[i].pc == dest) {
            ctx->skip[i].fs_dirty &= ctx->fs_dirty;
            return ctx->skip[i].label;
        }
    }
    if (ctx->nb_skips == MAX_SKIPS) {
        return NULL;
    }
    p = &ctx->skip[ctx->nb_skips++];
    p->pc = dest;
    p->label = gen_new_label();
    p->fs_dirty = ctx->fs_dirty;
    return p->label;
}

/*
 * Bind the labels of the branches to ctx->pc (join), or with join false
 * turn every pending one into an exit to its target (the TB has ended). On
 * the branches' side this TB may not have dirtied FS yet.
 */
static void skip_resolve(DisasContext *ctx, bool join)
{
    bool fs_dirty = ctx->fs_dirty;

    for (int i = 0; i < ctx->nb_skips;) {
        PendingSkip p = ctx->skip[i];
        if (join && p.pc != ctx->pc) {
            i++;
            continue;
        }
        ctx->skip[i] = ctx->skip[--ctx->nb_skips];
        gen_set_label(p.label);
        if (join) {
            fs_dirty &= p.fs_dirty;
        } else if (free_goto_tb(ctx) >= 0) {
            gen_goto_tb(ctx, free_goto_tb(ctx), p.pc);
        } else {
            ctx->fs_dirty = p.fs_dirty;
            gen_lookup_and_goto(ctx, tcg_constant_i64(p.pc));
        }
    }
    ctx->fs_dirty = join ? fs_dirty : ctx->fs_dirty;
}

#include "trans-rvi.c.inc"
#include "trans-privileged.c.inc"
#include "trans-rvm.c.inc"
#include "trans-rva.c.inc"
#include "trans-rvfd.c.inc"
#include "trans-rvb.c.inc"

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

void riscv_translate_block(CPUState *cs, TranslationBlock *tb, int max_insns)
{
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

        skip_resolve(&ctx, true);
        if (n > 0 && cpu_breakpoint_test(cs, ctx.pc)) {
            /* end the TB; the execution loop stops at the breakpoint (gdb) */
            tcg_gen_movi_i64(cpu_pc, ctx.pc);
            tcg_gen_exit_tb(NULL, 0);
            ctx.is_jmp = DISAS_NORETURN;
            break;
        }
        raw = translator_lduw(cs, tb, ctx.pc);
        if (rv_insn_length(raw) == 4) {
            uint64_t hi = ctx.pc + 2;
            if (n > 0 && (hi & TARGET_PAGE_MASK) != ctx.page_start &&
                !translator_page_ok(cs, tb, hi)) {
                /* end the TB here; the fault is raised when this insn starts a TB */
                gen_goto_tb(&ctx, 0, ctx.pc);
                break;
            }
            /* as the first insn, a fault on the second half is raised right here
             * (tval = that half's address, epc = this insn), and no TB is made */
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
    default:
        break;
    }
    skip_resolve(&ctx, false);
    if (tern_log_enabled(LOG_IN_ASM)) {
        tern_log("\n");
    }
    tb->size = end - tb->pc;
    tb->icount = n;
}
