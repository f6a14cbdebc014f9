/* The F/D helper called from translated code: rounding mode, NaN boxing, fflags. */
#include "tern/osdep.h"
#include "exec/cpu-exec.h"
#include "helper.h"
#include "cpu-internal.h"
#include "fpu.h"

uint64_t riscv_nanbox_s(uint32_t f)
{
    return 0xffffffff00000000ull | f;
}

uint32_t riscv_unbox_s(uint64_t v)
{
    /* an improperly boxed single reads as the canonical NaN (12.2) */
    return (v >> 32) == 0xffffffffu ? (uint32_t)v : RV_CANONICAL_NAN_S;
}

uint64_t helper_fpop(CPURISCVState *env, uint64_t desc, uint64_t a, uint64_t b, uint64_t c)
{
    RVFpOp op = desc & 0xff;
    bool dbl = (desc >> 8) & 1;
    int rm = (desc >> 9) & 7;
    bool int_out = ((desc >> 12) & 3) == FPRES_INT;
    bool int_in = (desc & FPIN_INT) != 0;
    bool single_out = op == FPOP_CVT_NARROW || (!dbl && op != FPOP_CVT_WIDEN);
    uint32_t flags = 0;
    uint64_t r;

    if (rm == RM_DYN) {
        rm = env->frm;
        if (rm > RM_RMM) {
            /* a reserved dynamic rounding mode makes the instruction illegal (11.2) */
            riscv_raise_exception(env, EXCP_ILLEGAL_INST, desc >> 32, GETPC());
        }
    }
    if (!dbl && !int_in) {
        a = riscv_unbox_s(a);
        b = riscv_unbox_s(b);
        c = riscv_unbox_s(c);
    }
    if (!(rm == RM_RNE && (env->fflags & FFLAG_NX) && rv_fpu_op_fast(op, dbl, a, b, c, &r))) {
        r = rv_fpu_op(op, dbl, a, b, c, rm, &flags);
        env->fflags |= flags;
    }
    if (int_out) {
        return r;
    }
    return single_out ? riscv_nanbox_s(r) : r;
}
