/*
 * Liveness analysis and dead code removal. A backward pass over the ops
 * computes, for every op, which argument temps die there (their register can
 * be reused) and which outputs must be written back to memory (globals at
 * sync points, translation-local temps at labels). Ops whose results are
 * never used are turned into nops.
 *
 * Per-temp state during the pass:
 *   TS_DEAD: the register value is not needed after this point;
 *   TS_MEM:  the value must be in memory at this point;
 *   TS_FLOAT: its next reader takes it as a float operand (op_arg_class),
 *            so the allocator puts a result there where it can (FLOAT_ARG).
 */
#include "tern/osdep.h"
#include "tcg-internal.h"

enum { TS_DEAD = 1, TS_MEM = 2, TS_FLOAT = 4 };

/*
 * Translation-local temps used within a single extended basic block behave
 * like block-local ones: demote them so they are not written back at labels.
 */
static void demote_single_ebb_temps(TCGContext *s)
{
    int ebb = 1;

    for (int t = s->nb_globals; t < s->nb_temps; t++) {
        s->temps[t].state_ptr = 0;
    }
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];
        int n = op_nb_oargs(op) + op_nb_iargs(op);

        if (op->opc == INDEX_op_set_label) {
            ebb++;
            continue;
        }
        for (int k = 0; k < n; k++) {
            TCGTemp *ts = arg_temp(op->args[k]);
            if (ts->kind != TEMP_TB) {
                continue;
            }
            if (ts->state_ptr == 0) {
                ts->state_ptr = ebb;
            } else if (ts->state_ptr != (uintptr_t)ebb) {
                ts->state_ptr = UINTPTR_MAX;
            }
        }
    }
    for (int t = s->nb_globals; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];
        if (ts->kind == TEMP_TB && ts->state_ptr != UINTPTR_MAX) {
            ts->kind = TEMP_EBB;
        }
    }
}

/* End of the TB: globals must be in memory, nothing else survives. */
static void la_func_end(TCGContext *s)
{
    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];
        ts->state = ts->kind == TEMP_GLOBAL ? TS_DEAD | TS_MEM : TS_DEAD;
    }
}

/* End of a basic block (label or unconditional branch). */
static void la_bb_end(TCGContext *s)
{
    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];
        ts->state = (ts->kind == TEMP_GLOBAL || ts->kind == TEMP_TB) ?
                    TS_DEAD | TS_MEM : TS_DEAD;
    }
}

/* Conditional branch: the target reads globals and TB temps from memory. */
static void la_bb_sync(TCGContext *s)
{
    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];
        if (ts->kind == TEMP_GLOBAL || ts->kind == TEMP_TB) {
            ts->state |= TS_MEM;
        }
    }
}

static void la_globals(TCGContext *s, uint32_t state, bool replace)
{
    for (int t = 0; t < s->nb_globals; t++) {
        TCGTemp *ts = &s->temps[t];
        if (ts->kind == TEMP_GLOBAL) {
            ts->state = replace ? state : ts->state | state;
        }
    }
}

void tcg_liveness(TCGContext *s)
{
    demote_single_ebb_temps(s);
    la_func_end(s);

    for (int i = s->nb_ops - 1; i >= 0; i--) {
        TCGOp *op = &s->ops[i];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nb_o = op_nb_oargs(op), nb_i = op_nb_iargs(op);
        uint32_t life = 0;
        bool out_float = false;

        switch (op->opc) {
        case INDEX_op_nop:
        case INDEX_op_insn_start:
            continue;
        case INDEX_op_set_label:
        case INDEX_op_br:
            la_bb_end(s);
            continue;
        default:
            break;
        }

        if (def->flags & TCG_OPF_BB_EXIT) {
            la_func_end(s);
        } else if (def->flags & TCG_OPF_COND_BRANCH) {
            la_bb_sync(s);
        }

        if (nb_o > 0 && !tcg_op_has_side_effects(op)) {
            bool all_dead = true;
            for (int k = 0; k < nb_o; k++) {
                if (arg_temp(op->args[k])->state != TS_DEAD) {
                    all_dead = false;
                }
            }
            if (all_dead) {
                op->opc = INDEX_op_nop;
                continue;
            }
        }

        for (int k = 0; k < nb_o; k++) {
            TCGTemp *ts = arg_temp(op->args[k]);
            if (ts->state & TS_DEAD) {
                life |= DEAD_ARG(k);
            }
            if (ts->state & TS_MEM) {
                life |= SYNC_ARG(k);
            }
            if (ts->state & TS_FLOAT) {
                life |= FLOAT_ARG(k);
                out_float = true;
            }
            ts->state = TS_DEAD;
        }

        if (op->opc == INDEX_op_call) {
            unsigned flags = op->args[op_carg0(op) + 1];
            if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
                la_globals(s, TS_DEAD | TS_MEM, true);
            } else if (!(flags & TCG_CALL_NO_READ_GLOBALS)) {
                la_globals(s, TS_MEM, false);
            }
        } else if (def->flags & TCG_OPF_GUEST_MEM) {
            /*
             * A fault unwinds to the loop, which reads the CPU state: every
             * global is read here. Not from memory, though: the allocator
             * records where changed ones are instead (TCGFaultMap).
             */
            for (int t = 0; t < s->nb_globals; t++) {
                s->temps[t].state &= ~TS_DEAD;
            }
        }

        for (int k = nb_o; k < nb_o + nb_i; k++) {
            TCGTemp *ts = arg_temp(op->args[k]);
            TCGArgClass c = op_arg_class(op, k);
            if (ts->state & TS_DEAD) {
                life |= DEAD_ARG(k);
            }
            /* a copy goes where the copy or a later reader wants it */
            if (c == ARG_FLOAT || (op->opc == INDEX_op_mov && out_float)) {
                ts->state |= TS_FLOAT;
            } else if (c == ARG_INT && op->opc != INDEX_op_mov) {
                ts->state &= ~TS_FLOAT;
            }
            ts->state &= ~TS_DEAD;
        }
        op->life = life;
    }
}
