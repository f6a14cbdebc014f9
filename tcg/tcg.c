/*
 * The TCG context: temporaries, labels, the op list, and the driver that
 * turns a TB's ops into host code (optimize, liveness, register allocation).
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include "tcg/tcg.h"
#include "tcg-internal.h"

const TCGOpDef tcg_op_defs[NB_OPS] = {
#define DEF(n, o, i, c, f) [INDEX_op_##n] = { #n, o, i, c, f },
#include "tcg/tcg-opc.h"
#undef DEF
};

static TCGContext tcg_init_ctx;
TCGContext *tcg_ctx;
TCGv_ptr tcg_env;
TCGPrologueFn tcg_qemu_tb_exec;

TCGCond tcg_invert_cond(TCGCond c)
{
    static const TCGCond inv[] = {
        [TCG_COND_NEVER] = TCG_COND_ALWAYS, [TCG_COND_ALWAYS] = TCG_COND_NEVER,
        [TCG_COND_EQ] = TCG_COND_NE, [TCG_COND_NE] = TCG_COND_EQ,
        [TCG_COND_LT] = TCG_COND_GE, [TCG_COND_GE] = TCG_COND_LT,
        [TCG_COND_LE] = TCG_COND_GT, [TCG_COND_GT] = TCG_COND_LE,
        [TCG_COND_LTU] = TCG_COND_GEU, [TCG_COND_GEU] = TCG_COND_LTU,
        [TCG_COND_LEU] = TCG_COND_GTU, [TCG_COND_GTU] = TCG_COND_LEU,
    };
    return inv[c];
}

TCGCond tcg_swap_cond(TCGCond c)
{
    static const TCGCond swp[] = {
        [TCG_COND_NEVER] = TCG_COND_NEVER, [TCG_COND_ALWAYS] = TCG_COND_ALWAYS,
        [TCG_COND_EQ] = TCG_COND_EQ, [TCG_COND_NE] = TCG_COND_NE,
        [TCG_COND_LT] = TCG_COND_GT, [TCG_COND_GE] = TCG_COND_LE,
        [TCG_COND_LE] = TCG_COND_GE, [TCG_COND_GT] = TCG_COND_LT,
        [TCG_COND_LTU] = TCG_COND_GTU, [TCG_COND_GEU] = TCG_COND_LEU,
        [TCG_COND_LEU] = TCG_COND_GEU, [TCG_COND_GTU] = TCG_COND_LTU,
    };
    return swp[c];
}

bool tcg_cond_eval(TCGCond c, TCGType type, uint64_t a, uint64_t b)
{
    if (type == TCG_TYPE_I32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
        if (c >= TCG_COND_LT && c <= TCG_COND_GT) {
            a = (int64_t)(int32_t)a;
            b = (int64_t)(int32_t)b;
        }
    }
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (int64_t)a < (int64_t)b;
    case TCG_COND_GE: return (int64_t)a >= (int64_t)b;
    case TCG_COND_LE: return (int64_t)a <= (int64_t)b;
    case TCG_COND_GT: return (int64_t)a > (int64_t)b;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    }
    g_assert_not_reached();
}

/* ------------------------------------------------------------------------ */
/* Set-up */

void tcg_context_init(void)
{
    TCGContext *s = &tcg_init_ctx;
    TCGTemp *env;

    if (tcg_ctx) {
        return;
    }
    tcg_ctx = s;
    s->ops_cap = 1024;
    s->ops = g_new0(TCGOp, s->ops_cap);
    for (int t = 0; t < TCG_TYPE_COUNT; t++) {
        s->const_table[t] = g_hash_table_new(g_int64_hash, g_int64_equal);
    }
    tcg_host_features = tcg_host_features_detect();
    tcg_target_init(s);

    env = &s->temps[s->nb_temps++];
    env->type = TCG_TYPE_PTR;
    env->kind = TEMP_FIXED;
    env->name = "env";
    env->val_type = TEMP_VAL_REG;
    env->reg = tcg_target_env_reg;
    env->mem_coherent = true;
    s->nb_globals = s->nb_temps;
    tcg_env = temp_tcgv_ptr(env);
    s->user_mode = false;
    s->tlb_nb_mmu = 1;
}

void tcg_set_guest_memory(bool user_mode, uintptr_t guest_base,
                          intptr_t tlb_env_offset, int nb_mmu)
{
    tcg_ctx->user_mode = user_mode;
    tcg_ctx->guest_base = guest_base;
    tcg_ctx->tlb_env_offset = tlb_env_offset;
    tcg_ctx->tlb_nb_mmu = nb_mmu;
}

void tcg_set_guest_addr_mask(uint64_t mask, uint32_t guard)
{
    tcg_context_init();
    tcg_ctx->guest_addr_mask = mask;
    tcg_ctx->guest_guard = guard;
}

size_t tcg_prologue_init(void *buf, size_t size, ptrdiff_t rw_offset)
{
    TCGContext *s = tcg_ctx;
    size_t len;

    s->code_buf = s->code_ptr = buf;
    s->code_gen_highwater = (uint8_t *)buf + size;
    s->code_rw_offset = rw_offset;
    len = tcg_target_prologue(s);
    tcg_qemu_tb_exec = (TCGPrologueFn)buf;
    if (tern_log_enabled(LOG_OUT_ASM)) {
        FILE *f = log_file();
        fprintf(f, "PROLOGUE: [size=%zu]\n", len);
        tcg_disas_host(f, buf, len);
        fprintf(f, "\n");
    }
    return len;
}

/* ------------------------------------------------------------------------ */
/* Pinned globals */

bool tcg_global_pin(TCGv_i64 v)
{
    TCGContext *s = tcg_ctx;
    TCGTemp *ts = tcgv_i64_temp(v);

    /* (the prologue loads pinned globals: it must be generated afterwards) */
    g_assert(ts->kind == TEMP_GLOBAL && ts->type == TCG_TYPE_I64 && !ts->pinned);
    if (s->nb_pinned >= tcg_target_pin_regs_len) {
        return false;
    }
    ts->pinned = true;
    ts->reg = tcg_target_pin_regs[s->nb_pinned];
    s->pinned[s->nb_pinned++] = ts;
    s->pinned_regs |= 1u << ts->reg;
    return true;
}

void tcg_out_pinned_store(TCGContext *s, uint32_t regs)
{
    for (int i = 0; i < s->nb_pinned; i++) {
        TCGTemp *ts = s->pinned[i];
        if (regs & (1u << ts->reg)) {
            tcg_out_st(s, TCG_TYPE_I64, ts->reg, tcg_target_env_reg, ts->mem_offset);
        }
    }
}

void tcg_out_pinned_load(TCGContext *s, uint32_t regs)
{
    for (int i = 0; i < s->nb_pinned; i++) {
        TCGTemp *ts = s->pinned[i];
        if (regs & (1u << ts->reg)) {
            tcg_out_ld(s, TCG_TYPE_I64, ts->reg, tcg_target_env_reg, ts->mem_offset);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Temporaries */

static TCGTemp *tcg_global_alloc(TCGType type, TCGv_ptr base, intptr_t offset,
                                 const char *name)
{
    TCGContext *s = tcg_ctx;
    TCGTemp *ts;

    g_assert(base == tcg_env);
    g_assert(s->nb_globals == s->nb_temps);   /* globals come before any TB temp */
    g_assert(s->nb_temps < TCG_MAX_TEMPS);
    ts = &s->temps[s->nb_temps++];
    memset(ts, 0, sizeof(*ts));
    ts->type = type;
    ts->kind = TEMP_GLOBAL;
    ts->mem_allocated = true;
    ts->mem_offset = offset;
    ts->name = name;
    ts->val_type = TEMP_VAL_MEM;
    ts->mem_coherent = true;
    s->nb_globals = s->nb_temps;
    return ts;
}

TCGv_i32 tcg_global_mem_new_i32(TCGv_ptr base, intptr_t offset, const char *name)
{
    return temp_tcgv_i32(tcg_global_alloc(TCG_TYPE_I32, base, offset, name));
}

TCGv_i64 tcg_global_mem_new_i64(TCGv_ptr base, intptr_t offset, const char *name)
{
    return temp_tcgv_i64(tcg_global_alloc(TCG_TYPE_I64, base, offset, name));
}

TCGv_ptr tcg_global_mem_new_ptr(TCGv_ptr base, intptr_t offset, const char *name)
{
    return temp_tcgv_ptr(tcg_global_alloc(TCG_TYPE_PTR, base, offset, name));
}

/* Freed EBB/TB temps by [kind][type], reused before new slots (per TB). */
static int free_temps[2][TCG_TYPE_COUNT][TCG_MAX_TEMPS];
static int nb_free_temps[2][TCG_TYPE_COUNT];

static TCGTemp *tcg_temp_alloc(TCGType type, TCGTempKind kind)
{
    TCGContext *s = tcg_ctx;
    TCGTemp *ts;

    if (kind <= TEMP_TB && nb_free_temps[kind][type] > 0) {
        ts = &s->temps[free_temps[kind][type][--nb_free_temps[kind][type]]];
        ts->temp_allocated = true;
        return ts;
    }
    if (s->nb_temps >= TCG_MAX_TEMPS) {
        error_exit("tcg: more than %d temporaries in one translation block",
                   TCG_MAX_TEMPS);
    }
    ts = &s->temps[s->nb_temps++];
    memset(ts, 0, sizeof(*ts));
    ts->type = type;
    ts->kind = kind;
    ts->temp_allocated = true;
    ts->val_type = TEMP_VAL_DEAD;
    return ts;
}

TCGv_i32 tcg_temp_new_i32(void) { return temp_tcgv_i32(tcg_temp_alloc(TCG_TYPE_I32, TEMP_TB)); }
TCGv_i64 tcg_temp_new_i64(void) { return temp_tcgv_i64(tcg_temp_alloc(TCG_TYPE_I64, TEMP_TB)); }
TCGv_ptr tcg_temp_new_ptr(void) { return temp_tcgv_ptr(tcg_temp_alloc(TCG_TYPE_PTR, TEMP_TB)); }
TCGv_i32 tcg_temp_ebb_new_i32(void) { return temp_tcgv_i32(tcg_temp_alloc(TCG_TYPE_I32, TEMP_EBB)); }
TCGv_i64 tcg_temp_ebb_new_i64(void) { return temp_tcgv_i64(tcg_temp_alloc(TCG_TYPE_I64, TEMP_EBB)); }
TCGv_ptr tcg_temp_ebb_new_ptr(void) { return temp_tcgv_ptr(tcg_temp_alloc(TCG_TYPE_PTR, TEMP_EBB)); }

static void tcg_temp_free_internal(TCGTemp *ts)
{
    if ((ts->kind == TEMP_EBB || ts->kind == TEMP_TB) && ts->temp_allocated) {
        ts->temp_allocated = false;
        free_temps[ts->kind][ts->type][nb_free_temps[ts->kind][ts->type]++] = temp_idx(ts);
    }
}

void tcg_temp_free_i32(TCGv_i32 v) { tcg_temp_free_internal(tcgv_i32_temp(v)); }
void tcg_temp_free_i64(TCGv_i64 v) { tcg_temp_free_internal(tcgv_i64_temp(v)); }
void tcg_temp_free_ptr(TCGv_ptr v) { tcg_temp_free_internal(tcgv_ptr_temp(v)); }

TCGTemp *tcg_constant_internal(TCGType type, int64_t val)
{
    TCGContext *s = tcg_ctx;
    TCGTemp *ts;

    val = type_sext(type, val);
    ts = g_hash_table_lookup(s->const_table[type], &val);
    if (ts) {
        return ts;
    }
    ts = tcg_temp_alloc(type, TEMP_CONST);
    ts->val = val;
    ts->val_type = TEMP_VAL_CONST;
    g_hash_table_insert(s->const_table[type], &ts->val, ts);
    return ts;
}

TCGv_i32 tcg_constant_i32(int32_t val) { return temp_tcgv_i32(tcg_constant_internal(TCG_TYPE_I32, val)); }
TCGv_i64 tcg_constant_i64(int64_t val) { return temp_tcgv_i64(tcg_constant_internal(TCG_TYPE_I64, val)); }
TCGv_ptr tcg_constant_ptr(intptr_t val) { return temp_tcgv_ptr(tcg_constant_internal(TCG_TYPE_PTR, val)); }

TCGLabel *gen_new_label(void)
{
    TCGContext *s = tcg_ctx;
    TCGLabel *l;

    if (s->nb_labels >= TCG_MAX_LABELS) {
        error_exit("tcg: more than %d labels in one translation block", TCG_MAX_LABELS);
    }
    l = &s->labels[s->nb_labels];
    memset(l, 0, sizeof(*l));
    l->id = s->nb_labels++;
    return l;
}

void tcg_func_start(void)
{
    TCGContext *s = tcg_ctx;

    for (int t = 0; t < TCG_TYPE_COUNT; t++) {
        g_hash_table_remove_all(s->const_table[t]);
    }
    s->nb_temps = s->nb_globals;
    memset(nb_free_temps, 0, sizeof(nb_free_temps));
    s->nb_ops = 0;
    s->nb_labels = 0;
    s->nb_insns = 0;
    s->nb_ldst = 0;
    s->nb_fault_maps = 0;
    s->nb_fault_entries = 0;
    s->cur_fault_map = -1;
    s->body_start_op = -1;
}

/* ------------------------------------------------------------------------ */
/* The op list */

TCGOp *tcg_emit_opv(TCGOpcode opc, TCGType type, const TCGArg *args, int nargs)
{
    TCGContext *s = tcg_ctx;
    TCGOp *op;

    if (s->nb_ops == s->ops_cap) {
        s->ops_cap *= 2;
        s->ops = g_renew(TCGOp, s->ops, s->ops_cap);
    }
    op = &s->ops[s->nb_ops++];
    memset(op, 0, offsetof(TCGOp, args));
    op->opc = opc;
    op->type = type;
    memcpy(op->args, args, nargs * sizeof(TCGArg));
    return op;
}

TCGOp *tcg_emit_op(TCGOpcode opc, TCGType type, int nargs, ...)
{
    TCGArg args[TCG_MAX_OP_ARGS];
    va_list ap;

    g_assert(nargs <= TCG_MAX_OP_ARGS);
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++) {
        args[i] = va_arg(ap, TCGArg);
    }
    va_end(ap);
    return tcg_emit_opv(opc, type, args, nargs);
}

bool tcg_op_has_side_effects(const TCGOp *op)
{
    if (op->opc == INDEX_op_call) {
        return !(op->args[op_carg0(op) + 1] & TCG_CALL_NO_SIDE_EFFECTS);
    }
    return (tcg_op_defs[op->opc].flags &
            (TCG_OPF_SIDE_EFFECTS | TCG_OPF_BB_END | TCG_OPF_NOT_PRESENT)) != 0;
}

/* ------------------------------------------------------------------------ */
/* Dump */

static const char *const cond_name[] = {
    [TCG_COND_NEVER] = "never", [TCG_COND_ALWAYS] = "always",
    [TCG_COND_EQ] = "eq", [TCG_COND_NE] = "ne",
    [TCG_COND_LT] = "lt", [TCG_COND_GE] = "ge", [TCG_COND_LE] = "le", [TCG_COND_GT] = "gt",
    [TCG_COND_LTU] = "ltu", [TCG_COND_GEU] = "geu",
    [TCG_COND_LEU] = "leu", [TCG_COND_GTU] = "gtu",
};

static void temp_name(char *buf, size_t len, TCGTemp *ts)
{
    int idx = temp_idx(ts);

    switch (ts->kind) {
    case TEMP_GLOBAL:
    case TEMP_FIXED:
        snprintf(buf, len, "%s", ts->name);
        break;
    case TEMP_CONST:
        snprintf(buf, len, "$0x%" PRIx64, ts->type == TCG_TYPE_I32 ?
                 (uint64_t)(uint32_t)ts->val : (uint64_t)ts->val);
        break;
    case TEMP_TB:
        snprintf(buf, len, "loc%d", idx - tcg_ctx->nb_globals);
        break;
    case TEMP_EBB:
        snprintf(buf, len, "tmp%d", idx - tcg_ctx->nb_globals);
        break;
    }
}

void tcg_dump_ops(FILE *f)
{
    TCGContext *s = tcg_ctx;
    char name[32];

    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nb_o = op_nb_oargs(op), nb_i = op_nb_iargs(op), nb_c = op_nb_cargs(op);
        int k = 0, col = 0;

        if (op->opc == INDEX_op_nop) {
            continue;
        }
        if (op->opc == INDEX_op_insn_start) {
            fprintf(f, "\n ---- %016" PRIx64 " %016" PRIx64 "\n",
                    (uint64_t)op->args[0], (uint64_t)op->args[1]);
            continue;
        }
        if (op->opc == INDEX_op_set_label) {
            fprintf(f, "L%d:\n", arg_label(op->args[0])->id);
            continue;
        }
        col += fprintf(f, " %s%s ", def->name,
                       op->opc == INDEX_op_call ? "" : op->type == TCG_TYPE_I32 ? "_i32" : "_i64");
        for (; k < nb_o + nb_i; k++) {
            temp_name(name, sizeof(name), arg_temp(op->args[k]));
            col += fprintf(f, "%s%s", k ? "," : "", name);
        }
        for (int c = 0; c < nb_c; c++, k++) {
            TCGArg a = op->args[k];
            const char *sep = k ? "," : "";
            switch (op->opc) {
            case INDEX_op_brcond:
            case INDEX_op_setcond:
            case INDEX_op_negsetcond:
            case INDEX_op_movcond:
                if (c == 0) {
                    col += fprintf(f, "%s%s", sep, cond_name[a]);
                } else {
                    col += fprintf(f, "%s$L%d", sep, arg_label(a)->id);
                }
                break;
            case INDEX_op_br:
                col += fprintf(f, "%s$L%d", sep, arg_label(a)->id);
                break;
            case INDEX_op_call:
                col += fprintf(f, "%s%s", sep, c == 0 ? "func" : "");
                if (c == 0) {
                    col += fprintf(f, "=%p", (void *)a);
                } else {
                    col += fprintf(f, "flags=0x%x", (unsigned)a);
                }
                break;
            default:
                col += fprintf(f, "%s$0x%" PRIx64, sep, (uint64_t)a);
                break;
            }
        }
        if (op->life) {
            fprintf(f, "%*s", col < 40 ? 40 - col : 1, "");
            if (op->life & 0xffff) {
                fprintf(f, " dead:");
                for (k = 0; k < 16; k++) {
                    if (op->life & DEAD_ARG(k)) {
                        fprintf(f, " %d", k);
                    }
                }
            }
            if (op->life >> 16) {
                fprintf(f, " sync:");
                for (k = 0; k < 16; k++) {
                    if (op->life & SYNC_ARG(k)) {
                        fprintf(f, " %d", k);
                    }
                }
            }
        }
        fprintf(f, "\n");
    }
}

/* ------------------------------------------------------------------------ */
/* Code generation driver */

int tcg_gen_code(void *buf, size_t max_size)
{
    TCGContext *s = tcg_ctx;

    if (tern_log_enabled(LOG_OP)) {
        fprintf(log_file(), "OP:\n");
        tcg_dump_ops(log_file());
        fprintf(log_file(), "\n");
    }
    tcg_optimize(s);
    tcg_liveness(s);
    if (tern_log_enabled(LOG_OP_OPT)) {
        fprintf(log_file(), "OP after optimization and liveness analysis:\n");
        tcg_dump_ops(log_file());
        fprintf(log_file(), "\n");
    }

    s->code_buf = s->code_ptr = buf;
    s->code_gen_highwater = (uint8_t *)buf + max_size;
    for (int n = 0; n < TCG_MAX_GOTO_TB; n++) {
        s->tb_jmp_reset_offset[n] = s->tb_jmp_insn_offset[n] = UINT32_MAX;
    }
    if (!tcg_reg_alloc_code(s) || !tcg_out_ldst_finalize(s)) {
        return -1;
    }
    if (s->code_ptr > s->code_gen_highwater) {
        return -1;
    }
    return (int)(s->code_ptr - s->code_buf);
}
