/*
 * The F/D helper called from translated code (rounding mode, NaN boxing,
 * fflags), and the fold of the flags inline F/D code raises (see fpu.h).
 */
#include "tern/osdep.h"
#include <xmmintrin.h>
#include "exec/cpu-exec.h"
#include "tcg/tcg.h"
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
    uint32_t flags = 0, mxcsr;
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
    /* rv_fpu_op reprograms and clears the host flags: keep inline code's */
    mxcsr = _mm_getcsr();
    r = rv_fpu_op(op, dbl, a, b, c, rm, &flags);
    _mm_setcsr(mxcsr);
    env->fflags |= flags;
    if (int_out) {
        return r;
    }
    return single_out ? riscv_nanbox_s(r) : r;
}

/* TCG's flags are fflags bit for bit: generated code uses them as they are. */
_Static_assert((int)TCG_FPE_INVALID == FFLAG_NV && (int)TCG_FPE_DIVBYZERO == FFLAG_DZ &&
               (int)TCG_FPE_OVERFLOW == FFLAG_OF && (int)TCG_FPE_UNDERFLOW == FFLAG_UF &&
               (int)TCG_FPE_INEXACT == FFLAG_NX, "TCG_FPE_* are fflags");

/*
 * Folding leaves the host flags set: ORing them in again changes nothing,
 * and clearing them (ldmxcsr) is slow.
 */
uint32_t riscv_fpu_fold_flags(CPURISCVState *env)
{
    uint32_t host = tcg_fp_flags();

    env->fflags |= host;
    return host;
}

void riscv_fpu_flags_written(CPURISCVState *env, uint32_t host)
{
    if (host & ~env->fflags) {
        tcg_fp_set_flags(0);
    }
}
