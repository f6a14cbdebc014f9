/*
 * IR optimizer: one forward pass doing constant folding, copy propagation,
 * algebraic simplification and branch folding. Known values are forgotten
 * at labels (another path may arrive) and, for globals, at helper calls that
 * may write them. It also follows 64-bit values built from the low bits of
 * another temp, to turn the RV64 extension idioms (shift left 32, 48 or 56,
 * then right by as much, often of a sign-extended W result) into one
 * extension op. In user mode it folds constant address offsets into guest
 * memory accesses and marks accesses whose address was already checked
 * (fold_guest_access).
 */
#include "tern/osdep.h"
#include "tcg-internal.h"

typedef struct TempInfo {
    bool is_const;
    uint64_t val;
    TCGTemp *copy_of;        /* same value as this temp ... */
    uint32_t copy_ver;       /* ... as long as its version is unchanged */
    uint32_t ver;            /* bumped on every write */
    /* i64: this value is ext32s/ext32u(low_of), or low_of << low_shl */
    TCGTemp *low_of;
    uint32_t low_ver;        /* ... as long as low_of's version is unchanged */
    uint8_t low_shl;         /* 0: an extension; 32, 48 or 56: a shift */
    /* i64: this value is sum_of + sum_off, as long as sum_of's version is sum_ver */
    TCGTemp *sum_of;
    uint32_t sum_ver;
    int32_t sum_off;
    /* user mode: ver + 1 while this value is known near the guest range */
    uint32_t checked_ver;
} TempInfo;

static TempInfo *info;
static int info_valid;          /* entries [0, info_valid) are initialized */

static TempInfo *ti(TCGTemp *ts)
{
    int idx = temp_idx(ts);

    /* constants created while folding get fresh entries */
    if (idx >= info_valid) {
        memset(&info[info_valid], 0, sizeof(*info) * (idx + 1 - info_valid));
        info_valid = idx + 1;
    }
    return &info[idx];
}

static bool temp_is_const(TCGTemp *ts, uint64_t *val)
{
    if (ts->kind == TEMP_CONST) {
        *val = ts->val;
        return true;
    }
    if (ti(ts)->is_const) {
        *val = ti(ts)->val;
        return true;
    }
    return false;
}

/* The value ts currently has is also held by the returned temp (maybe ts). */
static TCGTemp *temp_source(TCGTemp *ts)
{
    TempInfo *i = ti(ts);
    uint64_t v;

    if (temp_is_const(ts, &v) && ts->kind != TEMP_CONST) {
        return tcg_constant_internal(ts->type, v);
    }
    if (i->copy_of && ti(i->copy_of)->ver == i->copy_ver) {
        return i->copy_of;
    }
    return ts;
}

static void temp_written(TCGTemp *ts)
{
    TempInfo *i = ti(ts);
    i->ver++;
    i->is_const = false;
    i->copy_of = NULL;
    i->low_of = NULL;
    i->sum_of = NULL;
}

static void reset_all(TCGContext *s)
{
    for (int t = 0; t < s->nb_temps; t++) {
        temp_written(&s->temps[t]);
    }
}

static void reset_globals(TCGContext *s)
{
    for (int t = 0; t < s->nb_globals; t++) {
        temp_written(&s->temps[t]);
    }
}

static uint64_t mask_type(TCGType type, uint64_t v)
{
    return type == TCG_TYPE_I32 ? (uint64_t)(int64_t)(int32_t)v : v;
}

static uint64_t rotl64(uint64_t x, unsigned n, unsigned w)
{
    n &= w - 1;
    if (w == 32) {
        uint32_t y = (uint32_t)x;
        return n ? (uint32_t)((y << n) | (y >> (32 - n))) : y;
    }
    return n ? (x << n) | (x >> (64 - n)) : x;
}

static uint64_t bswap_n(uint64_t x, int bytes)
{
    uint64_t r = 0;
    for (int i = 0; i < bytes; i++) {
        r = (r << 8) | ((x >> (8 * i)) & 0xff);
    }
    return r;
}

/* Evaluate op on constant inputs; false if the op can't be folded. */
static bool fold(const TCGOp *op, uint64_t x, uint64_t y, uint64_t *res)
{
    TCGType type = op->type;
    unsigned w = type == TCG_TYPE_I32 ? 32 : 64;
    uint64_t ux = w == 32 ? (uint32_t)x : x, uy = w == 32 ? (uint32_t)y : y;
    int64_t sx = type_sext(type, x), sy = type_sext(type, y);
    const TCGArg *c = &op->args[op_carg0(op)];
    uint64_t r;

    switch (op->opc) {
    case INDEX_op_add: r = x + y; break;
    case INDEX_op_sub: r = x - y; break;
    case INDEX_op_mul: r = x * y; break;
    case INDEX_op_and: r = x & y; break;
    case INDEX_op_or: r = x | y; break;
    case INDEX_op_xor: r = x ^ y; break;
    case INDEX_op_andc: r = x & ~y; break;
    case INDEX_op_orc: r = x | ~y; break;
    case INDEX_op_eqv: r = ~(x ^ y); break;
    case INDEX_op_nand: r = ~(x & y); break;
    case INDEX_op_nor: r = ~(x | y); break;
    case INDEX_op_neg: r = -x; break;
    case INDEX_op_not: r = ~x; break;
    case INDEX_op_shl: r = ux << (y & (w - 1)); break;
    case INDEX_op_shr: r = ux >> (y & (w - 1)); break;
    case INDEX_op_sar: r = (uint64_t)(sx >> (y & (w - 1))); break;
    case INDEX_op_rotl: r = rotl64(ux, y, w); break;
    case INDEX_op_rotr: r = rotl64(ux, w - (y & (w - 1)), w); break;
    case INDEX_op_muluh:
        r = w == 32 ? (ux * uy) >> 32 : (uint64_t)(((unsigned __int128)ux * uy) >> 64);
        break;
    case INDEX_op_mulsh:
        r = w == 32 ? (uint64_t)((sx * sy) >> 32) :
            (uint64_t)(((__int128)sx * sy) >> 64);
        break;
    case INDEX_op_divu:
    case INDEX_op_remu:
        if (uy == 0) {
            return false;
        }
        r = op->opc == INDEX_op_divu ? ux / uy : ux % uy;
        break;
    case INDEX_op_divs:
    case INDEX_op_rems:
        if (sy == 0 || (sy == -1 && sx == (w == 32 ? INT32_MIN : INT64_MIN))) {
            return false;
        }
        r = op->opc == INDEX_op_divs ? (uint64_t)(sx / sy) : (uint64_t)(sx % sy);
        break;
    case INDEX_op_ext8s: r = (uint64_t)(int8_t)x; break;
    case INDEX_op_ext8u: r = (uint8_t)x; break;
    case INDEX_op_ext16s: r = (uint64_t)(int16_t)x; break;
    case INDEX_op_ext16u: r = (uint16_t)x; break;
    case INDEX_op_ext32s: case INDEX_op_ext_i32_i64: r = (uint64_t)(int32_t)x; break;
    case INDEX_op_ext32u: case INDEX_op_extu_i32_i64: case INDEX_op_extrl_i64_i32:
        r = (uint32_t)x;
        break;
    case INDEX_op_extrh_i64_i32: r = x >> 32; break;
    case INDEX_op_extract:
        r = (ux >> c[0]) & (c[1] == 64 ? ~0ull : (1ull << c[1]) - 1);
        break;
    case INDEX_op_sextract:
        r = (uint64_t)((int64_t)(ux << (64 - c[0] - c[1])) >> (64 - c[1]));
        break;
    case INDEX_op_deposit:
        {
            uint64_t m = (c[1] == 64 ? ~0ull : (1ull << c[1]) - 1) << c[0];
            r = (x & ~m) | ((y << c[0]) & m);
        }
        break;
    case INDEX_op_bswap16:
        r = bswap_n(x, 2);
        if (c[0] & TCG_BSWAP_OS) {
            r = (uint64_t)(int16_t)r;
        }
        break;
    case INDEX_op_bswap32:
        r = bswap_n(x, 4);
        if (c[0] & TCG_BSWAP_OS) {
            r = (uint64_t)(int32_t)r;
        }
        break;
    case INDEX_op_bswap64: r = bswap_n(x, 8); break;
    case INDEX_op_clz:
        r = ux ? (uint64_t)(w == 32 ? __builtin_clz((uint32_t)ux) : __builtin_clzll(ux)) : y;
        break;
    case INDEX_op_ctz:
        r = ux ? (uint64_t)__builtin_ctzll(ux) : y;
        break;
    case INDEX_op_ctpop: r = (uint64_t)__builtin_popcountll(ux); break;
    case INDEX_op_setcond:
        r = tcg_cond_eval(c[0], type, x, y);
        break;
    case INDEX_op_negsetcond:
        r = -(uint64_t)tcg_cond_eval(c[0], type, x, y);
        break;
    default:
        return false;
    }
    *res = mask_type(type, r);
    return true;
}

static void make_mov(TCGOp *op, TCGTemp *dst, TCGTemp *src)
{
    op->opc = INDEX_op_mov;
    op->args[0] = temp_arg(dst);
    op->args[1] = temp_arg(src);
}

static void make_movi(TCGOp *op, TCGTemp *dst, uint64_t val)
{
    make_mov(op, dst, tcg_constant_internal(dst->type, (int64_t)val));
}

/* Simplifications with one constant operand. Returns true if op was rewritten. */
static bool simplify(TCGOp *op)
{
    int nb_i = op_nb_iargs(op);
    TCGTemp *dst, *a, *b;
    uint64_t cb = 0, ca = 0;
    bool kb, ka;
    uint64_t ones = op->type == TCG_TYPE_I32 ? (uint64_t)-1 : ~0ull;

    if (nb_i != 2 || op_nb_oargs(op) != 1) {
        return false;
    }
    dst = arg_temp(op->args[0]);
    a = arg_temp(op->args[1]);
    b = arg_temp(op->args[2]);
    ka = temp_is_const(a, &ca);
    kb = temp_is_const(b, &cb);
    ca = mask_type(op->type, ca);
    cb = mask_type(op->type, cb);

    switch (op->opc) {
    case INDEX_op_add: case INDEX_op_or: case INDEX_op_xor:
    case INDEX_op_and: case INDEX_op_mul:
        /* canonical form: constant second */
        if (ka && !kb) {
            op->args[1] = temp_arg(b);
            op->args[2] = temp_arg(a);
            return simplify(op);
        }
        break;
    default:
        break;
    }

    switch (op->opc) {
    case INDEX_op_add: case INDEX_op_sub: case INDEX_op_or: case INDEX_op_xor:
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar:
    case INDEX_op_rotl: case INDEX_op_rotr: case INDEX_op_andc:
        if (kb && cb == 0) {
            make_mov(op, dst, a);
            return true;
        }
        break;
    case INDEX_op_and:
        if (kb && cb == ones) {
            make_mov(op, dst, a);
            return true;
        }
        if (kb && cb == 0) {
            make_movi(op, dst, 0);
            return true;
        }
        break;
    case INDEX_op_mul:
        if (kb && cb == 1) {
            make_mov(op, dst, a);
            return true;
        }
        if (kb && cb == 0) {
            make_movi(op, dst, 0);
            return true;
        }
        break;
    default:
        break;
    }

    /* Cheaper forms. */
    if (kb) {
        switch (op->opc) {
        case INDEX_op_or:
            if (cb == ones) {
                make_movi(op, dst, ones);
                return true;
            }
            break;
        case INDEX_op_xor:
            if (cb == ones) {
                op->opc = INDEX_op_not;
                return true;
            }
            break;
        case INDEX_op_and:
            /* a zero extension reads its input in place: no copy of it */
            if (cb == 0xff || cb == 0xffff || cb == 0xffffffff) {
                op->opc = cb == 0xff ? INDEX_op_ext8u :
                          cb == 0xffff ? INDEX_op_ext16u : INDEX_op_ext32u;
                return true;
            }
            break;
        case INDEX_op_mul:
            /* x * 2^k = x << k (a one-cycle shift instead of imul) */
            if (cb && !(cb & (cb - 1)) && cb != (op->type == TCG_TYPE_I32 ?
                                                 (uint64_t)(int64_t)INT32_MIN :
                                                 (uint64_t)INT64_MIN)) {
                op->opc = INDEX_op_shl;
                op->args[2] = temp_arg(tcg_constant_internal(op->type, __builtin_ctzll(cb)));
                return true;
            }
            break;
        default:
            break;
        }
    }

    /* Same operand twice. */
    if (temp_source(a) == temp_source(b)) {
        switch (op->opc) {
        case INDEX_op_and: case INDEX_op_or:
            make_mov(op, dst, a);
            return true;
        case INDEX_op_sub: case INDEX_op_xor: case INDEX_op_andc:
            make_movi(op, dst, 0);
            return true;
        default:
            break;
        }
    }
    return false;
}

/* The temp whose low bits ts's value is built from (shl: as ts = t << shl). */
static TCGTemp *low_source(TCGTemp *ts, int shl)
{
    TempInfo *i = ti(ts);

    if (i->low_of && i->low_shl == shl && ti(i->low_of)->ver == i->low_ver) {
        return i->low_of;
    }
    return NULL;
}

/* The shift count of a shift by 32, 48 or 56 (extension idioms), else 0. */
static int ext_shift(const TCGOp *op)
{
    uint64_t c;

    if (temp_is_const(arg_temp(op->args[2]), &c) && (c == 32 || c == 48 || c == 56)) {
        return (int)c;
    }
    return 0;
}

/*
 * ext32s/ext32u and << 32 (or more) read only the low half of their input:
 * read it from where it came from. (x << k) >> k is an extension of x.
 */
static void fold_low_half(TCGOp *op)
{
    static const TCGOpcode zext[3] = { INDEX_op_ext32u, INDEX_op_ext16u, INDEX_op_ext8u };
    static const TCGOpcode sext[3] = { INDEX_op_ext32s, INDEX_op_ext16s, INDEX_op_ext8s };
    TCGTemp *x;
    int k;

    if (op->type != TCG_TYPE_I64) {
        return;
    }
    switch (op->opc) {
    case INDEX_op_ext32s:
    case INDEX_op_ext32u:
        if ((x = low_source(arg_temp(op->args[1]), 0)) != NULL) {
            op->args[1] = temp_arg(x);
        }
        break;
    case INDEX_op_shl:
        if (ext_shift(op) && (x = low_source(arg_temp(op->args[1]), 0)) != NULL) {
            op->args[1] = temp_arg(x);
        }
        break;
    case INDEX_op_shr:
    case INDEX_op_sar:
        k = ext_shift(op);
        if (k && (x = low_source(arg_temp(op->args[1]), k)) != NULL) {
            op->opc = (op->opc == INDEX_op_shr ? zext : sext)[k == 32 ? 0 : k == 48 ? 1 : 2];
            op->args[1] = temp_arg(x);
        }
        break;
    default:
        break;
    }
}

/* After op wrote its output: what fold_low_half can use later. */
static void note_low_half(const TCGOp *op)
{
    TCGTemp *d, *x;
    int shl;

    if (op->type != TCG_TYPE_I64) {
        return;
    }
    if (op->opc == INDEX_op_ext32s || op->opc == INDEX_op_ext32u) {
        shl = 0;
    } else if (op->opc != INDEX_op_shl || !(shl = ext_shift(op))) {
        return;
    }
    d = arg_temp(op->args[0]);
    x = arg_temp(op->args[1]);
    if (x != d && x->kind != TEMP_CONST) {
        ti(d)->low_of = x;
        ti(d)->low_ver = ti(x)->ver;
        ti(d)->low_shl = shl;
    }
}

/* After op wrote its output: an address computed as a temp plus a constant. */
static void note_sum(const TCGOp *op)
{
    TCGTemp *d, *x;
    uint64_t c;

    if (op->opc != INDEX_op_add || op->type != TCG_TYPE_I64) {
        return;
    }
    d = arg_temp(op->args[0]);
    x = arg_temp(op->args[1]);
    if (x != d && x->kind != TEMP_CONST && temp_is_const(arg_temp(op->args[2]), &c) &&
        (int64_t)c == (int32_t)c) {
        ti(d)->sum_of = x;
        ti(d)->sum_ver = ti(x)->ver;
        ti(d)->sum_off = (int32_t)c;
    }
}

/*
 * User mode (see tcg_set_guest_addr_mask): access [x + c] instead of [t]
 * when t = x + c, and skip the range check of an access whose address was
 * already used by a completed access in this extended basic block. After
 * an access of x + d (|d| <= lim) completes, by the fast path or the slow
 * one, x + d is in the range, so x is within lim of it; x + d' for any
 * |d'| <= lim then lies in the range or the guard on either side (2 lim +
 * 16 <= guard), where the host faults and the runtime raises the guest
 * fault. Only accesses without an alignment requirement skip the check.
 */
static void fold_guest_access(TCGContext *s, TCGOp *op)
{
    TCGArg *c = &op->args[op_carg0(op)];       /* MemOp, mmu index, disp, range known */
    const int a = 1;                           /* the address: qemu_ld val,addr; qemu_st val,addr */
    TCGTemp *addr = arg_temp(op->args[a]);
    TempInfo *i = ti(addr);
    int64_t lim = s->guest_guard / 2 > 16 ? s->guest_guard / 2 - 16 : 0;
    int64_t d = (int32_t)c[2];

    if (!s->user_mode) {
        return;
    }
    if (i->sum_of && ti(i->sum_of)->ver == i->sum_ver &&
        (!s->guest_addr_mask || llabs(d + i->sum_off) <= lim)) {
        d += i->sum_off;
        addr = i->sum_of;
        op->args[a] = temp_arg(addr);
        c[2] = (TCGArg)(uint32_t)(int32_t)d;
        i = ti(addr);
    }
    if (!s->guest_addr_mask || !lim || addr->kind == TEMP_CONST || llabs(d) > lim) {
        return;
    }
    if (i->checked_ver == i->ver + 1 && memop_alignment_bits(c[0]) == 0) {
        c[3] = 1;
    } else {
        i->checked_ver = i->ver + 1;
    }
}

void tcg_optimize(TCGContext *s)
{
    bool unreachable = false;

    if (!info) {
        info = g_new(TempInfo, TCG_MAX_TEMPS);
    }
    info_valid = 0;

    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nb_o = op_nb_oargs(op), nb_i = op_nb_iargs(op);
        uint64_t x = 0, y = 0, r;

        if (op->opc == INDEX_op_set_label) {
            /* Paths merge here, and block-local temps die. */
            reset_all(s);
            unreachable = false;
            continue;
        }
        if (unreachable && op->opc != INDEX_op_insn_start) {
            op->opc = INDEX_op_nop;
            continue;
        }
        if (op->opc == INDEX_op_nop || op->opc == INDEX_op_insn_start) {
            continue;
        }

        /*
         * Copy propagation on inputs. A pinned global is always in its
         * register: reading it beats reading a copy that may be in memory.
         */
        for (int k = nb_o; k < nb_o + nb_i; k++) {
            TCGTemp *ts = arg_temp(op->args[k]), *src = temp_source(ts);
            if (src->type == ts->type && !(ts->pinned && src->kind != TEMP_CONST && !src->pinned)) {
                op->args[k] = temp_arg(src);
            }
        }

        /* Comparisons: constant operand second (it can be an immediate). */
        {
            int c0 = -1;
            switch (op->opc) {
            case INDEX_op_brcond: c0 = 0; break;
            case INDEX_op_setcond: case INDEX_op_negsetcond: case INDEX_op_movcond: c0 = 1; break;
            default: break;
            }
            if (c0 >= 0 && temp_is_const(arg_temp(op->args[c0]), &x) &&
                !temp_is_const(arg_temp(op->args[c0 + 1]), &y)) {
                int cond_idx = op_carg0(op);
                TCGArg t = op->args[c0];
                op->args[c0] = op->args[c0 + 1];
                op->args[c0 + 1] = t;
                op->args[cond_idx] = tcg_swap_cond(op->args[cond_idx]);
            }
        }

        switch (op->opc) {
        case INDEX_op_mov:
            {
                TCGTemp *dst = arg_temp(op->args[0]), *src = arg_temp(op->args[1]);
                uint64_t v;
                if (temp_source(dst) == src) {
                    op->opc = INDEX_op_nop;      /* already holds that value */
                    continue;
                }
                temp_written(dst);
                if (temp_is_const(src, &v)) {
                    ti(dst)->is_const = true;
                    ti(dst)->val = v;
                } else {
                    ti(dst)->copy_of = src;
                    ti(dst)->copy_ver = ti(src)->ver;
                }
            }
            continue;
        case INDEX_op_brcond:
            if (temp_is_const(arg_temp(op->args[0]), &x) &&
                temp_is_const(arg_temp(op->args[1]), &y)) {
                if (tcg_cond_eval(op->args[2], op->type, x, y)) {
                    op->opc = INDEX_op_br;
                    op->args[0] = op->args[3];
                    unreachable = true;
                } else {
                    op->opc = INDEX_op_nop;
                }
            }
            continue;
        case INDEX_op_movcond:
            if (temp_is_const(arg_temp(op->args[1]), &x) &&
                temp_is_const(arg_temp(op->args[2]), &y)) {
                TCGTemp *dst = arg_temp(op->args[0]);
                TCGTemp *src = arg_temp(op->args[tcg_cond_eval(op->args[5], op->type, x, y) ? 3 : 4]);
                make_mov(op, dst, src);
                i--;              /* process as a mov */
                continue;
            }
            break;
        default:
            break;
        }

        if (def->flags & TCG_OPF_BB_END) {
            if (op->opc == INDEX_op_br || (def->flags & TCG_OPF_BB_EXIT)) {
                unreachable = op->opc != INDEX_op_goto_tb;
            }
            continue;
        }
        if (op->opc == INDEX_op_call) {
            unsigned flags = op->args[op_carg0(op) + 1];
            if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
                reset_globals(s);
            }
        }

        /* Constant folding. */
        if (nb_o == 1 && (nb_i == 1 || nb_i == 2) && op->opc != INDEX_op_call &&
            temp_is_const(arg_temp(op->args[1]), &x) &&
            (nb_i == 1 || temp_is_const(arg_temp(op->args[2]), &y)) &&
            fold(op, x, y, &r)) {
            make_movi(op, arg_temp(op->args[0]), r);
            i--;
            continue;
        }
        if (simplify(op)) {
            i--;
            continue;
        }
        fold_low_half(op);
        if (def->flags & TCG_OPF_GUEST_MEM) {
            fold_guest_access(s, op);
        }
        for (int k = 0; k < nb_o; k++) {
            temp_written(arg_temp(op->args[k]));
        }
        note_low_half(op);
        note_sum(op);
    }
}
