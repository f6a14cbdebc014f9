/*
 * Register allocation and code emission: a single forward pass over the
 * ops. Temps live in host registers; globals (guest registers) stay in host
 * registers across a basic block and are written back only where liveness
 * says so (outputs with a SYNC bit). Backend constraints (tcg-internal.h)
 * say which registers each operand may use.
 *
 * A temp may live in a general or a float register (tcg-internal.h): an
 * operand in the wrong class is moved to one its op accepts, and keeps
 * living there. Values an op neither reads nor writes through registers
 * (constants moved, memory loads of mov) go to general registers.
 *
 * Pinned globals (tcg_global_pin) are never allocated, moved, written back
 * or freed here: their register is outside the allocatable set, an operand
 * that must be elsewhere (or that the op destroys) gets a copy, and a result
 * computed elsewhere is moved in after the op. Calls store and reload them
 * as the call's flags require.
 */
#include "tern/osdep.h"
#include "tcg-internal.h"

typedef struct RegState {
    TCGTemp *reg_to_temp[TCG_TARGET_NB_REGS];
    uint32_t free_regs;
    uint32_t allocatable;
} RegState;

static RegState rs;

static bool frame_overflow;

static void temp_allocate_frame(TCGContext *s, TCGTemp *ts)
{
    if (s->frame_next + 8 > tcg_target_frame_end) {
        /* Out of spill slots: give up this TB (the caller retries smaller). */
        frame_overflow = true;
        ts->mem_offset = tcg_target_frame_start;
    } else {
        ts->mem_offset = s->frame_next;
        s->frame_next += 8;
    }
    ts->mem_allocated = true;
}

static int temp_base_reg(TCGTemp *ts)
{
    return ts->kind == TEMP_GLOBAL ? tcg_target_env_reg : tcg_target_stack_reg;
}

/* Write the register copy of ts to its memory home. */
static void temp_sync(TCGContext *s, TCGTemp *ts)
{
    if (ts->val_type != TEMP_VAL_REG || ts->mem_coherent || ts->pinned ||
        ts->kind == TEMP_FIXED || ts->kind == TEMP_CONST) {
        return;
    }
    if (!ts->mem_allocated) {
        temp_allocate_frame(s, ts);
    }
    tcg_out_st(s, ts->type, ts->reg, temp_base_reg(ts), ts->mem_offset);
    ts->mem_coherent = true;
}

static void reg_release(int reg)
{
    rs.reg_to_temp[reg] = NULL;
    rs.free_regs |= 1u << reg;
}

static void reg_take(int reg, TCGTemp *ts)
{
    rs.reg_to_temp[reg] = ts;
    rs.free_regs &= ~(1u << reg);
}

/* The temp's value is no longer needed in a register. */
static void temp_dead(TCGContext *s, TCGTemp *ts)
{
    if (ts->kind == TEMP_FIXED || ts->kind == TEMP_CONST || ts->pinned) {
        return;
    }
    /*
     * A translation-local temp may still be read after a label, from its
     * memory copy (liveness wrote it back): keep that copy valid.
     */
    bool in_mem = ts->kind == TEMP_GLOBAL ||
                  (ts->kind == TEMP_TB && (ts->val_type == TEMP_VAL_MEM ||
                                           (ts->val_type == TEMP_VAL_REG && ts->mem_coherent)));

    if (ts->val_type == TEMP_VAL_REG) {
        reg_release(ts->reg);
    }
    ts->val_type = in_mem ? TEMP_VAL_MEM : TEMP_VAL_DEAD;
}

/* Write back if needed and drop the register: the value lives in memory. */
static void temp_save(TCGContext *s, TCGTemp *ts)
{
    if (ts->kind == TEMP_FIXED || ts->kind == TEMP_CONST || ts->pinned) {
        return;
    }
    if (ts->val_type == TEMP_VAL_REG) {
        temp_sync(s, ts);
        reg_release(ts->reg);
        ts->val_type = TEMP_VAL_MEM;
    }
}

/* Free host register reg, saving the temp it holds. */
static void reg_evict(TCGContext *s, int reg)
{
    TCGTemp *ts = rs.reg_to_temp[reg];

    if (ts) {
        temp_save(s, ts);
    }
}

/* The register class (general or float) of host register reg. */
static uint32_t reg_class(int reg)
{
    return tcg_target_float_regs & (1u << reg) ? tcg_target_float_regs : tcg_target_int_regs;
}

/*
 * Of the registers an output may take, the class its next reader wants
 * (liveness: FLOAT_ARG), when it may take either.
 */
static uint32_t out_regs(uint32_t regs, bool wants_float)
{
    uint32_t pref = regs & (wants_float ? tcg_target_float_regs : tcg_target_int_regs);

    return pref ? pref : regs;
}

/* Pick a register in `want` outside `avoid`, evicting a value if needed. */
static int reg_alloc(TCGContext *s, uint32_t want, uint32_t avoid)
{
    uint32_t set = want & ~avoid & rs.allocatable;

    g_assert(set);
    for (int i = 0; i < tcg_target_reg_alloc_order_len; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if ((set & rs.free_regs) & (1u << r)) {
            return r;
        }
    }
    for (int i = 0; i < tcg_target_reg_alloc_order_len; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if (set & (1u << r)) {
            reg_evict(s, r);
            return r;
        }
    }
    g_assert_not_reached();
}

/* Put the value of ts into reg without moving ts. */
static void temp_copy_to(TCGContext *s, TCGTemp *ts, int reg)
{
    switch (ts->val_type) {
    case TEMP_VAL_REG:
        if (ts->reg != reg) {
            tcg_out_mov(s, ts->type, reg, ts->reg);
        }
        break;
    case TEMP_VAL_CONST:
        tcg_out_movi(s, ts->type, reg, ts->val);
        break;
    case TEMP_VAL_MEM:
        tcg_out_ld(s, ts->type, reg, temp_base_reg(ts), ts->mem_offset);
        break;
    case TEMP_VAL_DEAD:
        /* Reading an unwritten temp: the value is undefined. */
        break;
    }
}

/* Make reg the home of ts (loading its value). */
static void temp_load_into(TCGContext *s, TCGTemp *ts, int reg)
{
    bool coherent = ts->val_type == TEMP_VAL_MEM || ts->mem_coherent;

    temp_copy_to(s, ts, reg);
    if (ts->kind == TEMP_CONST) {
        return;
    }
    if (ts->val_type == TEMP_VAL_REG) {
        reg_release(ts->reg);
        coherent = ts->mem_coherent;
    }
    ts->val_type = TEMP_VAL_REG;
    ts->reg = reg;
    ts->mem_coherent = coherent;
    reg_take(reg, ts);
}

/* Ensure ts is in some register of `want`, avoiding `avoid`. */
static int temp_load(TCGContext *s, TCGTemp *ts, uint32_t want, uint32_t avoid)
{
    int reg;

    if (ts->val_type == TEMP_VAL_REG && (want & ~avoid & (1u << ts->reg))) {
        return ts->reg;
    }
    reg = reg_alloc(s, want, avoid);
    if (ts->pinned) {
        /* a copy for this use only: the caller frees it after the op */
        tcg_out_mov(s, ts->type, reg, ts->reg);
        rs.free_regs &= ~(1u << reg);
        return reg;
    }
    temp_load_into(s, ts, reg);
    return reg;
}

static void sync_globals(TCGContext *s)
{
    for (int t = 0; t < s->nb_globals; t++) {
        temp_sync(s, &s->temps[t]);
    }
}

static void save_globals(TCGContext *s)
{
    for (int t = 0; t < s->nb_globals; t++) {
        temp_save(s, &s->temps[t]);
    }
}

/* Label: every path arrives with values in memory. */
static void bb_start(TCGContext *s)
{
    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];
        if (ts->kind == TEMP_GLOBAL || ts->kind == TEMP_TB) {
            /* liveness wrote these back already; this is a safety net */
            temp_save(s, ts);
        } else if (ts->kind == TEMP_EBB) {
            temp_dead(s, ts);
        }
    }
}

/* ------------------------------------------------------------------------ */

static void reg_alloc_mov(TCGContext *s, TCGOp *op)
{
    TCGTemp *ots = arg_temp(op->args[0]);
    TCGTemp *its = arg_temp(op->args[1]);
    uint32_t life = op->life;
    int reg;

    if (ots->pinned) {
        temp_copy_to(s, its, ots->reg);
        if (life & DEAD_ARG(1)) {
            temp_dead(s, its);
        }
        return;
    }
    if (ots->val_type == TEMP_VAL_REG) {
        reg_release(ots->reg);
        ots->val_type = TEMP_VAL_DEAD;
    }
    if (its->val_type == TEMP_VAL_CONST) {
        /* A constant only written back needs no register. */
        if ((life & SYNC_ARG(0)) && (life & DEAD_ARG(0))) {
            if (!ots->mem_allocated) {
                temp_allocate_frame(s, ots);
            }
            if (tcg_out_sti(s, ots->type, its->val, temp_base_reg(ots), ots->mem_offset)) {
                ots->val_type = TEMP_VAL_MEM;
                ots->mem_coherent = true;
                return;
            }
        }
        reg = reg_alloc(s, tcg_target_int_regs, 0);
        tcg_out_movi(s, ots->type, reg, its->val);
    } else if ((life & SYNC_ARG(0)) && (life & DEAD_ARG(0)) &&
               its->val_type == TEMP_VAL_REG) {
        /* The result is only written back: store straight from the input. */
        if (!ots->mem_allocated) {
            temp_allocate_frame(s, ots);
        }
        tcg_out_st(s, ots->type, its->reg, temp_base_reg(ots), ots->mem_offset);
        ots->val_type = TEMP_VAL_MEM;
        ots->mem_coherent = true;
        if (life & DEAD_ARG(1)) {
            temp_dead(s, its);
        }
        return;
    } else if ((life & DEAD_ARG(1)) && its->kind != TEMP_FIXED && !its->pinned &&
               its->val_type == TEMP_VAL_REG) {
        /* The input dies: hand its register over without a move. */
        reg = its->reg;
        temp_dead(s, its);
    } else if (its->val_type == TEMP_VAL_MEM) {
        /* Load straight into the output's register; the input stays in memory. */
        reg = reg_alloc(s, tcg_target_int_regs, 0);
        temp_copy_to(s, its, reg);
        if (life & DEAD_ARG(1)) {
            temp_dead(s, its);
        }
    } else {
        /* the copy stays in the input's register class */
        int ireg = temp_load(s, its, ~0u, 0);
        reg = reg_alloc(s, reg_class(ireg), 1u << ireg);
        tcg_out_mov(s, ots->type, reg, ireg);
        if (life & DEAD_ARG(1)) {
            temp_dead(s, its);
        }
    }
    ots->val_type = TEMP_VAL_REG;
    ots->reg = reg;
    ots->mem_coherent = false;
    reg_take(reg, ots);
    if (life & SYNC_ARG(0)) {
        temp_sync(s, ots);
    }
    if (life & DEAD_ARG(0)) {
        temp_dead(s, ots);
    }
}

static bool dying_input(const TCGOp *op, int nb_o, int nb_i, uint32_t life, const TCGTemp *ts)
{
    for (int k = nb_o; k < nb_o + nb_i; k++) {
        if (arg_temp(op->args[k]) == ts && (life & DEAD_ARG(k)) && ts->kind == TEMP_EBB) {
            return true;
        }
    }
    return false;
}

static bool is_output(const TCGOp *op, int nb_o, const TCGTemp *ts)
{
    for (int o = 0; o < nb_o; o++) {
        if (arg_temp(op->args[o]) == ts) {
            return true;
        }
    }
    return false;
}

/*
 * Before a guest memory access: its output globals go to memory first (the
 * register holding one may be reused for the result), then record where
 * every other changed global is (TCGFaultMap).
 */
static void fault_map_begin(TCGContext *s, TCGOp *op, int nb_o)
{
    TCGFaultMap *m;

    if (s->nb_fault_maps == s->fault_maps_cap) {
        s->fault_maps_cap = s->fault_maps_cap ? s->fault_maps_cap * 2 : 64;
        s->fault_maps = g_renew(TCGFaultMap, s->fault_maps, s->fault_maps_cap);
    }
    m = &s->fault_maps[s->nb_fault_maps];
    m->first = s->nb_fault_entries;
    m->n = 0;
    for (int t = 0; t < s->nb_globals; t++) {
        TCGTemp *ts = &s->temps[t];
        if (ts->kind != TEMP_GLOBAL || ts->pinned || ts->val_type != TEMP_VAL_REG ||
            ts->mem_coherent || is_output(op, nb_o, ts)) {
            continue;
        }
        if (s->nb_fault_entries == s->fault_entries_cap) {
            s->fault_entries_cap = s->fault_entries_cap ? s->fault_entries_cap * 2 : 256;
            s->fault_entries = g_renew(uint32_t, s->fault_entries, s->fault_entries_cap);
        }
        s->fault_entries[s->nb_fault_entries++] = TCG_FAULT_ENTRY(ts->mem_offset, ts->reg, ts->type);
        m->n++;
    }
    m->start = tcg_current_code_size(s);
    s->cur_fault_map = s->nb_fault_maps++;
}

static void fault_map_sync_outputs(TCGContext *s, TCGOp *op, int nb_o)
{
    for (int o = 0; o < nb_o; o++) {
        TCGTemp *ts = arg_temp(op->args[o]);
        if (ts->kind == TEMP_GLOBAL) {
            temp_sync(s, ts);
        }
    }
}

/*
 * Where to copy input k that the op overwrites with its result: straight
 * into the register of the pinned global the result goes to (saving the
 * move after the op), unless an input of the op still lives there.
 */
static int pinned_result_home(const TCGOp *op, const TCGOpConstraint *c,
                              int nb_o, int nb_i, int k, uint32_t i_regs)
{
    for (int o = 0; o < nb_o; o++) {
        TCGTemp *ots = arg_temp(op->args[o]);

        if (c->args[o].alias != k) {
            continue;
        }
        if (!ots->pinned || !(c->args[k].regs & (1u << ots->reg)) ||
            (i_regs & (1u << ots->reg))) {
            return -1;
        }
        for (int j = nb_o; j < nb_o + nb_i; j++) {
            if (arg_temp(op->args[j]) == ots) {
                return -1;
            }
        }
        return ots->reg;
    }
    return -1;
}

static void reg_alloc_op(TCGContext *s, TCGOp *op)
{
    TCGOpConstraint c;
    TCGArg new_args[TCG_MAX_OP_ARGS];
    bool const_args[TCG_MAX_OP_ARGS] = { false };
    int scratch[4];
    int nb_o = op_nb_oargs(op), nb_i = op_nb_iargs(op), nb_c = op_nb_cargs(op);
    uint32_t i_regs = 0, o_regs = 0, live_regs, pin_fixup = 0;
    uint32_t life = op->life;

    memset(&c, 0, sizeof(c));
    for (int k = 0; k < TCG_MAX_OP_ARGS; k++) {
        c.args[k].alias = -1;
    }
    tcg_target_op_constraint(op, &c);
    g_assert(!(c.clobber & s->pinned_regs));
    if (tcg_op_defs[op->opc].flags & TCG_OPF_GUEST_MEM) {
        fault_map_sync_outputs(s, op, nb_o);
    }

    /*
     * Registers the instruction sequence overwrites must not hold live
     * values. An input that dies here is left for the input pass, which
     * moves it where the op wants it (saving it would store a dead value).
     */
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if ((c.clobber & (1u << r)) && rs.reg_to_temp[r] &&
            !dying_input(op, nb_o, nb_i, life, rs.reg_to_temp[r])) {
            reg_evict(s, r);
        }
    }

    for (int k = nb_o; k < nb_o + nb_i; k++) {
        TCGTemp *ts = arg_temp(op->args[k]);
        TCGArgConstraint *ac = &c.args[k];
        bool destroyed = (ac->regs & c.clobber) != 0, in_place = false;
        int reg;

        for (int o = 0; o < nb_o; o++) {
            if (c.args[o].alias == k) {
                destroyed = true;
                in_place = arg_temp(op->args[o]) == ts;
            }
        }
        if (ts->val_type == TEMP_VAL_CONST && tcg_const_match(ts->val, op->type, ac->ct)) {
            const_args[k] = true;
            new_args[k] = ts->val;
            continue;
        }
        if (destroyed && (!(life & DEAD_ARG(k)) || ts->kind == TEMP_FIXED ||
                          ts->kind == TEMP_CONST || (ts->pinned && !in_place) ||
                          (ts->kind != TEMP_EBB && !ts->mem_coherent))) {
            /* The op overwrites this input: work on a copy. */
            reg = pinned_result_home(op, &c, nb_o, nb_i, k, i_regs);
            if (reg < 0) {
                reg = reg_alloc(s, ac->regs, i_regs | (ts->val_type == TEMP_VAL_REG ?
                                                       1u << ts->reg : 0));
            }
            temp_copy_to(s, ts, reg);
            /* reserve reg for this op only */
            rs.free_regs &= ~(1u << reg);
        } else if (ts->val_type == TEMP_VAL_REG && (ac->regs & (1u << ts->reg)) &&
                   (!(i_regs & (1u << ts->reg)) || !destroyed)) {
            reg = ts->reg;
        } else if (ts->val_type == TEMP_VAL_REG && (i_regs & (1u << ts->reg))) {
            /* Already used by another input in a place this one can't share. */
            reg = reg_alloc(s, ac->regs, i_regs);
            temp_copy_to(s, ts, reg);
            rs.free_regs &= ~(1u << reg);
        } else {
            reg = temp_load(s, ts, ac->regs, i_regs);
        }
        i_regs |= 1u << reg;
        new_args[k] = reg;
    }

    /* Free dead inputs, and the temporary copies. */
    for (int k = nb_o; k < nb_o + nb_i; k++) {
        TCGTemp *ts = arg_temp(op->args[k]);
        if (const_args[k]) {
            continue;
        }
        if (rs.reg_to_temp[new_args[k]] == NULL) {
            rs.free_regs |= (1u << new_args[k]) & rs.allocatable;
        }
        if (life & DEAD_ARG(k)) {
            temp_dead(s, ts);
        }
    }

    for (int o = 0; o < nb_o; o++) {
        TCGTemp *ts = arg_temp(op->args[o]);
        TCGArgConstraint *ac = &c.args[o];
        int reg;

        if (ac->alias >= 0) {
            reg = new_args[ac->alias];
            /* The input register may still be the home of a dead temp. */
            if (rs.reg_to_temp[reg] && rs.reg_to_temp[reg] != ts) {
                reg_evict(s, reg);
            }
        } else if (ts->pinned) {
            uint32_t avoid = o_regs | (ac->newreg ? i_regs : 0);
            reg = (ac->regs & ~avoid & (1u << ts->reg)) ? ts->reg : reg_alloc(s, ac->regs, avoid);
        } else {
            uint32_t avoid = o_regs | (ac->newreg ? i_regs : 0);
            uint32_t regs = out_regs(ac->regs, life & FLOAT_ARG(o));
            if (ts->val_type == TEMP_VAL_REG && (regs & ~avoid & (1u << ts->reg))) {
                reg = ts->reg;
            } else {
                reg = reg_alloc(s, regs, avoid);
            }
        }
        if (ts->pinned) {
            /* computed elsewhere: moved into the pinned register after the op */
            if (reg != ts->reg) {
                rs.free_regs &= ~(1u << reg);
                pin_fixup |= 1u << o;
            }
            o_regs |= 1u << reg;
            new_args[o] = reg;
            continue;
        }
        if (ts->val_type == TEMP_VAL_REG && ts->reg != reg) {
            reg_release(ts->reg);
        }
        if (rs.reg_to_temp[reg] && rs.reg_to_temp[reg] != ts) {
            reg_evict(s, reg);
        }
        ts->val_type = TEMP_VAL_REG;
        ts->reg = reg;
        ts->mem_coherent = false;
        reg_take(reg, ts);
        o_regs |= 1u << reg;
        new_args[o] = reg;
    }

    for (int k = 0; k < c.nb_scratch + c.nb_fscratch; k++) {
        scratch[k] = reg_alloc(s, k < c.nb_scratch ? tcg_target_int_regs : tcg_target_float_regs,
                               i_regs | o_regs);
        rs.free_regs &= ~(1u << scratch[k]);
        i_regs |= 1u << scratch[k];
    }
    for (int k = 0; k < c.nb_scratch + c.nb_fscratch; k++) {
        rs.free_regs |= 1u << scratch[k];
    }

    for (int k = 0; k < nb_c; k++) {
        new_args[nb_o + nb_i + k] = op->args[nb_o + nb_i + k];
    }
    live_regs = rs.allocatable & ~rs.free_regs;
    for (int o = 0; o < nb_o; o++) {
        live_regs &= ~(1u << new_args[o]);     /* written by the op itself */
    }
    if (tcg_op_defs[op->opc].flags & TCG_OPF_GUEST_MEM) {
        fault_map_begin(s, op, nb_o);
    }
    tcg_out_op(s, op, new_args, const_args, scratch, live_regs);
    if (s->cur_fault_map >= 0) {
        s->fault_maps[s->cur_fault_map].end = tcg_current_code_size(s);
        s->cur_fault_map = -1;
    }

    for (int o = 0; o < nb_o; o++) {
        TCGTemp *ts = arg_temp(op->args[o]);
        if (pin_fixup & (1u << o)) {
            tcg_out_mov(s, ts->type, ts->reg, new_args[o]);
            if (!rs.reg_to_temp[new_args[o]]) {
                rs.free_regs |= 1u << new_args[o];
            }
        }
        if (life & SYNC_ARG(o)) {
            temp_sync(s, ts);
        }
        if (life & DEAD_ARG(o)) {
            temp_dead(s, ts);
        }
    }
}

static void reg_alloc_call(TCGContext *s, TCGOp *op)
{
    int nb_o = op->call_oargs, nb_i = op->call_iargs;
    const void *func = (const void *)op->args[nb_o + nb_i];
    unsigned flags = op->args[nb_o + nb_i + 1];
    uint32_t life = op->life, arg_regs = 0;
    /*
     * Pinned globals: C code reads them from env, may write them there, and
     * call-clobbered host registers lose them.
     */
    uint32_t pin_clobbered = s->pinned_regs & tcg_target_call_clobber_regs;
    uint32_t pin_store = (flags & TCG_CALL_NO_RWG) == TCG_CALL_NO_RWG ? pin_clobbered
                                                                       : s->pinned_regs;
    uint32_t pin_load = flags & TCG_CALL_NO_WRITE_GLOBALS ? pin_clobbered : s->pinned_regs;
    uint32_t iarg_regs = 0;

    for (int i = 0; i < nb_i && i < 6; i++) {
        iarg_regs |= 1u << tcg_target_call_iarg_regs[i];
    }
    /* before the arguments: a pinned register may also pass one */
    tcg_out_pinned_store(s, pin_store);

    /* Stack arguments first, while any register may still be used. */
    for (int i = 6; i < nb_i; i++) {
        TCGTemp *ts = arg_temp(op->args[nb_o + i]);
        intptr_t ofs = tcg_target_call_stack_offset + (i - 6) * 8;
        if (ts->val_type == TEMP_VAL_CONST &&
            tcg_out_sti(s, TCG_TYPE_I64, ts->val, tcg_target_stack_reg, ofs)) {
            continue;
        }
        int reg = temp_load(s, ts, ~0u, 0);     /* stored from either class */
        tcg_out_st(s, TCG_TYPE_I64, reg, tcg_target_stack_reg, ofs);
    }
    for (int i = 0; i < nb_i && i < 6; i++) {
        int reg = tcg_target_call_iarg_regs[i];
        TCGTemp *ts = arg_temp(op->args[nb_o + i]);
        if (rs.reg_to_temp[reg] && rs.reg_to_temp[reg] != ts) {
            reg_evict(s, reg);
        }
    }
    for (int i = 0; i < nb_i && i < 6; i++) {
        int reg = tcg_target_call_iarg_regs[i];
        TCGTemp *ts = arg_temp(op->args[nb_o + i]);
        if (ts->pinned && (iarg_regs & (1u << ts->reg)) && ts->reg != reg) {
            /* its register may already hold an earlier argument: stored above */
            tcg_out_ld(s, ts->type, reg, tcg_target_env_reg, ts->mem_offset);
        } else {
            temp_copy_to(s, ts, reg);
        }
        if (ts->val_type != TEMP_VAL_REG) {
            /* make sure later loads do not pick this register */
            rs.free_regs &= ~(1u << reg);
        }
        arg_regs |= 1u << reg;
    }
    for (int i = 0; i < nb_i; i++) {
        if (life & DEAD_ARG(nb_o + i)) {
            temp_dead(s, arg_temp(op->args[nb_o + i]));
        }
    }
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if (arg_regs & (1u << r)) {
            if (!rs.reg_to_temp[r]) {
                rs.free_regs |= 1u << r;
            }
        }
    }
    /* Call-clobbered registers lose their values. */
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if ((tcg_target_call_clobber_regs & (1u << r)) && rs.reg_to_temp[r]) {
            reg_evict(s, r);
        }
    }
    if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        save_globals(s);
    } else if (!(flags & TCG_CALL_NO_READ_GLOBALS)) {
        sync_globals(s);
    }
    tcg_out_call(s, func);
    tcg_out_pinned_load(s, pin_load);

    if (nb_o) {
        TCGTemp *ts = arg_temp(op->args[0]);
        int reg = tcg_target_call_oarg_reg;
        if (ts->pinned) {
            tcg_out_mov(s, ts->type, ts->reg, reg);
            return;
        }
        if (ts->val_type == TEMP_VAL_REG) {
            reg_release(ts->reg);
        }
        ts->val_type = TEMP_VAL_REG;
        ts->reg = reg;
        ts->mem_coherent = false;
        reg_take(reg, ts);
        if (life & SYNC_ARG(0)) {
            temp_sync(s, ts);
        }
        if (life & DEAD_ARG(0)) {
            temp_dead(s, ts);
        }
    }
}

bool tcg_reg_alloc_code(TCGContext *s)
{
    memset(&rs, 0, sizeof(rs));
    for (int i = 0; i < tcg_target_reg_alloc_order_len; i++) {
        rs.allocatable |= 1u << tcg_target_reg_alloc_order[i];
    }
    rs.allocatable &= ~(s->reserved_regs | s->pinned_regs);
    rs.free_regs = rs.allocatable;
    s->frame_next = tcg_target_frame_start;
    frame_overflow = false;
    tcg_target_func_start();
    for (int i = 0; i < s->nb_labels; i++) {
        s->labels[i].has_value = false;
        s->labels[i].relocs = NULL;
    }

    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];
        switch (ts->kind) {
        case TEMP_GLOBAL:
            ts->val_type = ts->pinned ? TEMP_VAL_REG : TEMP_VAL_MEM;
            ts->mem_coherent = true;
            break;
        case TEMP_FIXED:
            ts->val_type = TEMP_VAL_REG;
            break;
        case TEMP_CONST:
            ts->val_type = TEMP_VAL_CONST;
            break;
        default:
            ts->val_type = TEMP_VAL_DEAD;
            ts->mem_allocated = false;
            ts->mem_coherent = false;
            break;
        }
    }

    s->body_start_off = 0;
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];

        if (i == s->body_start_op) {
            s->body_start_off = tcg_current_code_size(s);
        }
        switch (op->opc) {
        case INDEX_op_nop:
            break;
        case INDEX_op_insn_start:
            if (s->nb_insns > 0) {
                s->insn_end_off[s->nb_insns - 1] = tcg_current_code_size(s);
            }
            g_assert(s->nb_insns < TCG_MAX_INSNS);
            for (int k = 0; k < TCG_INSN_START_WORDS; k++) {
                s->insn_data[s->nb_insns][k] = op->args[k];
            }
            s->nb_insns++;
            break;
        case INDEX_op_set_label:
            bb_start(s);
            tcg_out_label(s, arg_label(op->args[0]));
            break;
        case INDEX_op_mov:
            reg_alloc_mov(s, op);
            break;
        case INDEX_op_call:
            reg_alloc_call(s, op);
            break;
        default:
            reg_alloc_op(s, op);
            if (op->opc == INDEX_op_br) {
                bb_start(s);
            }
            break;
        }
        if (s->code_ptr > s->code_gen_highwater || frame_overflow) {
            return false;
        }
    }
    if (s->nb_insns > 0) {
        s->insn_end_off[s->nb_insns - 1] = tcg_current_code_size(s);
    }
    return true;
}
