/*
 * F/D arithmetic against hand-checked IEEE-754 results (as Berkeley
 * SoftFloat 3 with the RISC-V specialization gives them), the software
 * rounding path (used for RMM) against the host in the other four modes,
 * and the host-flag accumulator of inline F/D code.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fenv.h>
#include <xmmintrin.h>
#include "tcg/tcg.h"
#include "../fpu.h"
#include "../cpu-state.h"
#include "../helper.h"

#define NV FFLAG_NV
#define DZ FFLAG_DZ
#define OF FFLAG_OF
#define UF FFLAG_UF
#define NX FFLAG_NX

typedef struct Vec {
    RVFpOp op;
    bool dbl;
    uint64_t a, b, c;
    int rm;
    uint64_t result;
    uint32_t flags;
    const char *what;
} Vec;

static const Vec vecs[] = {
    /* 1 + 2^-24 is a tie in single precision */
    { FPOP_ADD, 0, 0x3f800000, 0x33800000, 0, RM_RNE, 0x3f800000, NX, "tie RNE" },
    { FPOP_ADD, 0, 0x3f800000, 0x33800000, 0, RM_RMM, 0x3f800001, NX, "tie RMM" },
    { FPOP_ADD, 0, 0x3f800000, 0x33800000, 0, RM_RUP, 0x3f800001, NX, "tie RUP" },
    { FPOP_ADD, 0, 0x3f800000, 0x33800000, 0, RM_RTZ, 0x3f800000, NX, "tie RTZ" },
    { FPOP_ADD, 0, 0x3f800000, 0x33800000, 0, RM_RDN, 0x3f800000, NX, "tie RDN" },
    { FPOP_ADD, 0, 0xbf800000, 0xb3800000, 0, RM_RMM, 0xbf800001, NX, "-tie RMM" },
    { FPOP_ADD, 0, 0xbf800000, 0xb3800000, 0, RM_RDN, 0xbf800001, NX, "-tie RDN" },
    { FPOP_ADD, 0, 0xbf800000, 0xb3800000, 0, RM_RUP, 0xbf800000, NX, "-tie RUP" },
    { FPOP_ADD, 1, 0x3ff0000000000000, 0x3ca0000000000000, 0, RM_RNE, 0x3ff0000000000000, NX, "d tie RNE" },
    { FPOP_ADD, 1, 0x3ff0000000000000, 0x3ca0000000000000, 0, RM_RMM, 0x3ff0000000000001, NX, "d tie RMM" },
    /* exact: x - x is +0, or -0 rounding down */
    { FPOP_SUB, 0, 0x3f800000, 0x3f800000, 0, RM_RNE, 0x00000000, 0, "x-x" },
    { FPOP_SUB, 0, 0x3f800000, 0x3f800000, 0, RM_RDN, 0x80000000, 0, "x-x RDN" },
    { FPOP_SUB, 0, 0x3f800000, 0x3f800000, 0, RM_RMM, 0x00000000, 0, "x-x RMM" },
    /* overflow */
    { FPOP_MUL, 0, 0x7f7fffff, 0x40000000, 0, RM_RNE, 0x7f800000, OF | NX, "ovf RNE" },
    { FPOP_MUL, 0, 0x7f7fffff, 0x40000000, 0, RM_RTZ, 0x7f7fffff, OF | NX, "ovf RTZ" },
    { FPOP_MUL, 0, 0x7f7fffff, 0x40000000, 0, RM_RMM, 0x7f800000, OF | NX, "ovf RMM" },
    { FPOP_MUL, 0, 0xff7fffff, 0x40000000, 0, RM_RUP, 0xff7fffff, OF | NX, "-ovf RUP" },
    /* division by zero, invalid */
    { FPOP_DIV, 0, 0x3f800000, 0x00000000, 0, RM_RNE, 0x7f800000, DZ, "1/0" },
    { FPOP_DIV, 0, 0xbf800000, 0x00000000, 0, RM_RMM, 0xff800000, DZ, "-1/0 RMM" },
    { FPOP_DIV, 0, 0x00000000, 0x00000000, 0, RM_RNE, RV_CANONICAL_NAN_S, NV, "0/0" },
    { FPOP_SQRT, 1, 0xbff0000000000000, 0, 0, RM_RNE, RV_CANONICAL_NAN_D, NV, "sqrt(-1)" },
    { FPOP_SQRT, 1, 0x8000000000000000, 0, 0, RM_RNE, 0x8000000000000000, 0, "sqrt(-0)" },
    { FPOP_SUB, 1, 0x7ff0000000000000, 0x7ff0000000000000, 0, RM_RNE, RV_CANONICAL_NAN_D, NV, "inf-inf" },
    /* NaN operands give the canonical NaN; sNaN raises NV */
    { FPOP_ADD, 0, 0x7f800001, 0x3f800000, 0, RM_RNE, RV_CANONICAL_NAN_S, NV, "sNaN+1" },
    { FPOP_ADD, 0, 0xffc12345, 0x3f800000, 0, RM_RNE, RV_CANONICAL_NAN_S, 0, "qNaN+1" },
    { FPOP_MADD, 1, 0x7ff0000000000000, 0, 0x7ff8000000000001, RM_RNE, RV_CANONICAL_NAN_D, NV,
      "inf*0+qNaN" },
    { FPOP_MADD, 0, 0x3f800000, 0x3f800000, 0x7fc00000, RM_RNE, RV_CANONICAL_NAN_S, 0, "1*1+qNaN" },
    /* fused: one rounding. (1+2^-23)^2 - (1+2^-22) = 2^-46 exactly */
    { FPOP_MADD, 0, 0x3f800001, 0x3f800001, 0xbf800002, RM_RNE, 0x28800000, 0, "fma exact" },
    { FPOP_NMADD, 0, 0x3f800000, 0x3f800000, 0xbf800000, RM_RNE, 0x00000000, 0, "fnmadd zero" },
    { FPOP_NMSUB, 0, 0x3f800000, 0x40000000, 0x40400000, RM_RNE, 0x3f800000, 0, "fnmsub" },
    { FPOP_MSUB, 1, 0x4000000000000000, 0x4000000000000000, 0x3ff0000000000000, RM_RMM,
      0x4008000000000000, 0, "fmsub RMM" },
    /* min/max (spec 11.6) */
    { FPOP_MIN, 0, 0x7f800001, 0x3f800000, 0, 0, 0x3f800000, NV, "min(sNaN,1)" },
    { FPOP_MAX, 0, 0x7fc00000, 0xbf800000, 0, 0, 0xbf800000, 0, "max(qNaN,-1)" },
    { FPOP_MIN, 0, 0x7fc00000, 0x7fc00001, 0, 0, RV_CANONICAL_NAN_S, 0, "min(NaN,NaN)" },
    { FPOP_MIN, 0, 0x00000000, 0x80000000, 0, 0, 0x80000000, 0, "min(+0,-0)" },
    { FPOP_MAX, 0, 0x80000000, 0x00000000, 0, 0, 0x00000000, 0, "max(-0,+0)" },
    { FPOP_MAX, 1, 0x8000000000000000, 0x0000000000000000, 0, 0, 0, 0, "dmax(-0,+0)" },
    /* compares (spec 11.8) */
    { FPOP_LT, 0, 0x7fc00000, 0x3f800000, 0, 0, 0, NV, "flt qNaN" },
    { FPOP_EQ, 0, 0x7fc00000, 0x3f800000, 0, 0, 0, 0, "feq qNaN" },
    { FPOP_EQ, 0, 0x7f800001, 0x3f800000, 0, 0, 0, NV, "feq sNaN" },
    { FPOP_EQ, 0, 0x80000000, 0x00000000, 0, 0, 1, 0, "feq -0 +0" },
    { FPOP_LE, 1, 0xbff0000000000000, 0x3ff0000000000000, 0, 0, 1, 0, "fle" },
    { FPOP_LT, 0, 0x80000000, 0x00000000, 0, 0, 0, 0, "flt -0 +0" },
    /* fclass */
    { FPOP_CLASS, 0, 0xff800000, 0, 0, 0, 1 << 0, 0, "class -inf" },
    { FPOP_CLASS, 0, 0xbf800000, 0, 0, 0, 1 << 1, 0, "class -normal" },
    { FPOP_CLASS, 0, 0x80000001, 0, 0, 0, 1 << 2, 0, "class -subnormal" },
    { FPOP_CLASS, 0, 0x80000000, 0, 0, 0, 1 << 3, 0, "class -0" },
    { FPOP_CLASS, 1, 0x0000000000000000, 0, 0, 0, 1 << 4, 0, "class +0" },
    { FPOP_CLASS, 1, 0x000fffffffffffff, 0, 0, 0, 1 << 5, 0, "class +subnormal" },
    { FPOP_CLASS, 1, 0x3ff0000000000000, 0, 0, 0, 1 << 6, 0, "class +normal" },
    { FPOP_CLASS, 1, 0x7ff0000000000000, 0, 0, 0, 1 << 7, 0, "class +inf" },
    { FPOP_CLASS, 1, 0x7ff0000000000001, 0, 0, 0, 1 << 8, 0, "class sNaN" },
    { FPOP_CLASS, 0, 0x7fc00000, 0, 0, 0, 1 << 9, 0, "class qNaN" },
    /* sign injection is exact bit manipulation, NaNs included */
    { FPOP_SGNJN, 0, 0x7fc00001, 0x7fc00000, 0, 0, 0xffc00001, 0, "fsgnjn NaN" },
    { FPOP_SGNJX, 1, 0xbff0000000000000, 0x8000000000000000, 0, 0, 0x3ff0000000000000, 0, "fsgnjx" },
    /* fcvt to integer: saturation and NV (spec table 11.4) */
    { FPOP_CVT_W, 0, 0x4f32d05e, 0, 0, RM_RTZ, 0x7fffffff, NV, "w(3e9)" },
    { FPOP_CVT_WU, 0, 0x4f32d05e, 0, 0, RM_RTZ, 0xffffffffb2d05e00, 0, "wu(3e9) sext" },
    { FPOP_CVT_WU, 0, 0xbf800000, 0, 0, RM_RTZ, 0, NV, "wu(-1)" },
    { FPOP_CVT_WU, 0, 0xbf000000, 0, 0, RM_RTZ, 0, NX, "wu(-0.5) rtz" },
    { FPOP_CVT_WU, 0, 0xbf000000, 0, 0, RM_RDN, 0, NV, "wu(-0.5) rdn" },
    { FPOP_CVT_W, 0, 0x7fc00000, 0, 0, RM_RNE, 0x7fffffff, NV, "w(NaN)" },
    { FPOP_CVT_W, 0, 0xff800000, 0, 0, RM_RNE, 0xffffffff80000000, NV, "w(-inf)" },
    { FPOP_CVT_LU, 0, 0xff800000, 0, 0, RM_RNE, 0, NV, "lu(-inf)" },
    { FPOP_CVT_LU, 1, 0x7ff8000000000000, 0, 0, RM_RNE, UINT64_MAX, NV, "lu(NaN)" },
    { FPOP_CVT_L, 1, 0x43e0000000000000, 0, 0, RM_RNE, INT64_MAX, NV, "l(2^63)" },
    { FPOP_CVT_L, 1, 0xc3e0000000000000, 0, 0, RM_RNE, (uint64_t)INT64_MIN, 0, "l(-2^63)" },
    { FPOP_CVT_W, 0, 0x40200000, 0, 0, RM_RNE, 2, NX, "w(2.5) rne" },
    { FPOP_CVT_W, 0, 0x40200000, 0, 0, RM_RMM, 3, NX, "w(2.5) rmm" },
    { FPOP_CVT_W, 0, 0xc0200000, 0, 0, RM_RDN, (uint64_t)-3, NX, "w(-2.5) rdn" },
    { FPOP_CVT_W, 0, 0xc0200000, 0, 0, RM_RUP, (uint64_t)-2, NX, "w(-2.5) rup" },
    { FPOP_CVT_L, 1, 0x4000000000000000, 0, 0, RM_RNE, 2, 0, "l(2.0)" },
    /* integer to float */
    { FPOP_CVT_FROM_W, 0, 16777217, 0, 0, RM_RNE, 0x4b800000, NX, "s(2^24+1) rne" },
    { FPOP_CVT_FROM_W, 0, 16777217, 0, 0, RM_RMM, 0x4b800001, NX, "s(2^24+1) rmm" },
    { FPOP_CVT_FROM_W, 0, 16777217, 0, 0, RM_RUP, 0x4b800001, NX, "s(2^24+1) rup" },
    { FPOP_CVT_FROM_W, 0, 0xffffffff, 0, 0, RM_RNE, 0xbf800000, 0, "s(-1)" },
    { FPOP_CVT_FROM_WU, 0, 0xffffffff, 0, 0, RM_RNE, 0x4f800000, NX, "s(u32 max)" },
    { FPOP_CVT_FROM_LU, 1, UINT64_MAX, 0, 0, RM_RTZ, 0x43efffffffffffff, NX, "d(u64 max) rtz" },
    { FPOP_CVT_FROM_L, 1, (uint64_t)INT64_MIN, 0, 0, RM_RNE, 0xc3e0000000000000, 0, "d(-2^63)" },
    { FPOP_CVT_FROM_L, 1, 0, 0, 0, RM_RDN, 0, 0, "d(0)" },
    /* narrowing: ties, subnormals, tininess after rounding */
    { FPOP_CVT_NARROW, 1, 0x3ff0000010000000, 0, 0, RM_RNE, 0x3f800000, NX, "s.d tie rne" },
    { FPOP_CVT_NARROW, 1, 0x3ff0000010000000, 0, 0, RM_RMM, 0x3f800001, NX, "s.d tie rmm" },
    { FPOP_CVT_NARROW, 1, 0x3690000000000000, 0, 0, RM_RNE, 0x00000000, UF | NX, "2^-150 rne" },
    { FPOP_CVT_NARROW, 1, 0x3690000000000000, 0, 0, RM_RMM, 0x00000001, UF | NX, "2^-150 rmm" },
    { FPOP_CVT_NARROW, 1, 0x380ffffff0000000, 0, 0, RM_RNE, 0x00800000, NX,
      "rounds to FLT_MIN: not tiny after rounding" },
    { FPOP_CVT_NARROW, 1, 0x380ffffff0000000, 0, 0, RM_RTZ, 0x007fffff, UF | NX, "tiny rtz" },
    { FPOP_CVT_NARROW, 1, 0x36a0000000000000, 0, 0, RM_RNE, 0x00000001, 0, "exact subnormal" },
    { FPOP_CVT_NARROW, 1, 0x47efffffffffffff, 0, 0, RM_RNE, 0x7f800000, OF | NX, "s.d ovf" },
    { FPOP_CVT_NARROW, 1, 0x7ff0000000000001, 0, 0, RM_RNE, RV_CANONICAL_NAN_S, NV, "s.d sNaN" },
    { FPOP_CVT_WIDEN, 0, 0x7fc00001, 0, 0, RM_RNE, RV_CANONICAL_NAN_D, 0, "d.s qNaN" },
    { FPOP_CVT_WIDEN, 0, 0x00000001, 0, 0, RM_RNE, 0x36a0000000000000, 0, "d.s subnormal" },
    /* FLT_MIN * (1 - 2^-24) is exactly 1.(23 ones) * 2^-127: tiny, then rounded to FLT_MIN */
    { FPOP_MUL, 0, 0x00800000, 0x3f7fffff, 0, RM_RNE, 0x00800000, UF | NX, "mul tiny RNE" },
    { FPOP_MUL, 0, 0x00800000, 0x3f7fffff, 0, RM_RMM, 0x00800000, UF | NX, "mul tiny RMM" },
    /* (1 + 2^-23) * (FLT_MIN * (1 - 2^-23)) = 2^-126 * (1 - 2^-46): not tiny after rounding */
    { FPOP_MUL, 0, 0x3f800001, 0x007fffff, 0, RM_RNE, 0x00800000, NX, "mul not tiny after" },
    { FPOP_MUL, 0, 0x3f800001, 0x007fffff, 0, RM_RMM, 0x00800000, NX, "mul not tiny RMM" },
    { FPOP_MUL, 0, 0x00800000, 0x3f7fffff, 0, RM_RTZ, 0x007fffff, UF | NX, "mul tiny RTZ" },
    { FPOP_DIV, 1, 0x0000000000000001, 0x4000000000000000, 0, RM_RMM, 0x0000000000000001, UF | NX,
      "dmin/2 rmm" },
    { FPOP_DIV, 1, 0x0000000000000001, 0x4000000000000000, 0, RM_RNE, 0, UF | NX, "dmin/2 rne" },
    { FPOP_DIV, 0, 0x3f800000, 0x40400000, 0, RM_RMM, 0x3eaaaaab, NX, "1/3 rmm" },
    { FPOP_DIV, 0, 0x3f800000, 0x40400000, 0, RM_RTZ, 0x3eaaaaaa, NX, "1/3 rtz" },
};

static void test_vectors(void **state)
{
    int bad = 0;
    for (size_t i = 0; i < ARRAY_SIZE(vecs); i++) {
        const Vec *v = &vecs[i];
        uint32_t flags = 0;
        uint64_t r = rv_fpu_op(v->op, v->dbl, v->a, v->b, v->c, v->rm, &flags);
        if (r != v->result || flags != v->flags) {
            print_error("%s: got %#" PRIx64 " flags %#x, want %#" PRIx64 " flags %#x\n",
                        v->what, r, flags, v->result, v->flags);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    assert_int_equal(fegetround(), FE_TONEAREST);   /* host mode restored */
}

/* Random operands with interesting exponents (near 1, tiny, huge). */
static uint64_t rand_operand(GRand *r, bool dbl)
{
    uint64_t frac = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
    int ebits = dbl ? 11 : 8, fbits = dbl ? 52 : 23, bias = (1 << (ebits - 1)) - 1;
    int exps[] = { bias, bias - 1, bias + 1, 1, 0, 2 * bias, bias + fbits / 2, bias - fbits };
    int e = exps[g_rand_int_range(r, 0, ARRAY_SIZE(exps))] + g_rand_int_range(r, -3, 4);
    if (e < 0) {
        e = 0;
    }
    if (e > 2 * bias) {
        e = 2 * bias;
    }
    frac &= (1ull << fbits) - 1;
    if (g_rand_boolean(r)) {
        frac &= ~((1ull << (fbits / 2)) - 1);     /* short significands: exact cases, ties */
    }
    return (uint64_t)g_rand_boolean(r) << (ebits + fbits) | (uint64_t)e << fbits | frac;
}

static void test_soft_rounding_matches_host(void **state)
{
    static const RVFpOp ops[] = { FPOP_ADD, FPOP_SUB, FPOP_MUL, FPOP_DIV, FPOP_SQRT,
                                  FPOP_MADD, FPOP_NMSUB };
    GRand *r = g_rand_new_with_seed(7);
    int bad = 0;

    for (int i = 0; i < 200000 && bad < 10; i++) {
        bool dbl = i & 1;
        RVFpOp op = ops[g_rand_int_range(r, 0, ARRAY_SIZE(ops))];
        int rm = g_rand_int_range(r, 0, 4);
        uint64_t a = rand_operand(r, dbl), b = rand_operand(r, dbl), c = rand_operand(r, dbl);
        uint32_t fh = 0, fs = 0;
        uint64_t rh = rv_fpu_op(op, dbl, a, b, c, rm, &fh);
        uint64_t rs = rv_fpu_op_soft(op, dbl, a, b, c, rm, &fs);
        if (rh != rs || fh != fs) {
            print_error("op %d dbl %d rm %d a %#" PRIx64 " b %#" PRIx64 " c %#" PRIx64
                        ": host %#" PRIx64 "/%#x soft %#" PRIx64 "/%#x\n",
                        op, dbl, rm, a, b, c, rh, fh, rs, fs);
            bad++;
        }
    }
    g_rand_free(r);
    assert_int_equal(bad, 0);
}

/*
 * Inline F/D code keeps raised flags in the host's sticky MXCSR flags (fpu.h):
 * helper_fpop, which reprograms MXCSR and clears its flags, must leave them as
 * it found them; folding moves them into fflags; only a write that drops a
 * flag clears them.
 */
static void test_host_flags_accumulate(void **state)
{
    CPURISCVState env = { 0 };
    uint64_t desc = FPOP_ADD | 1ull << 8 | (uint64_t)RM_RMM << 9;

    tcg_fp_set_flags(0);
    _mm_setcsr(_mm_getcsr() | 0x10);            /* UE: as if inline code raised UF */
    /* 1 + 2^-53 in RMM: NX through the software path, which clears the host flags */
    assert_int_equal(helper_fpop(&env, desc, 0x3ff0000000000000ull, 0x3ca0000000000000ull, 0),
                     0x3ff0000000000001ull);
    assert_int_equal(env.fflags, NX);
    assert_int_equal(_mm_getcsr() & 0x3d, 0x10);
    assert_int_equal(_mm_getcsr() & 0x6000, 0);  /* rounding back to nearest */

    assert_int_equal(riscv_fpu_fold_flags(&env), UF);
    assert_int_equal(env.fflags, NX | UF);
    env.fflags = UF;                            /* a write keeping UF: host flags stay */
    riscv_fpu_flags_written(&env, UF);
    assert_int_equal(_mm_getcsr() & 0x3d, 0x10);
    env.fflags = 0;                             /* dropping it clears them */
    riscv_fpu_flags_written(&env, UF);
    assert_int_equal(_mm_getcsr() & 0x3d, 0);
    assert_int_equal(riscv_fpu_fold_flags(&env), 0);
    assert_int_equal(env.fflags, 0);
}

/* Integer conversions (software round_pack) against the host's cvtsi2sd/ss. */
static void test_int_conversion_matches_host(void **state)
{
    static const int modes[] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD };
    GRand *r = g_rand_new_with_seed(9);
    int bad = 0;

    for (int i = 0; i < 100000 && bad < 10; i++) {
        int rm = i & 3;
        int64_t x = (int64_t)((uint64_t)g_rand_int(r) << 32 | g_rand_int(r)) >>
                    g_rand_int_range(r, 0, 63);
        uint32_t f1 = 0, f2 = 0;
        uint64_t want_d, want_s;
        volatile int64_t vx = x;
        volatile double d;      /* volatile: keep the conversions between the fenv calls */
        volatile float s;

        fesetround(modes[rm]);
        feclearexcept(FE_ALL_EXCEPT);
        d = (double)vx;
        bool d_inexact = fetestexcept(FE_INEXACT);
        feclearexcept(FE_ALL_EXCEPT);
        s = (float)vx;
        bool s_inexact = fetestexcept(FE_INEXACT);
        fesetround(FE_TONEAREST);
        memcpy(&want_d, (const void *)&d, 8);
        want_s = 0;
        memcpy(&want_s, (const void *)&s, 4);

        if (rv_fpu_op(FPOP_CVT_FROM_L, true, x, 0, 0, rm, &f1) != want_d ||
            f1 != (d_inexact ? NX : 0) ||
            rv_fpu_op(FPOP_CVT_FROM_L, false, x, 0, 0, rm, &f2) != want_s ||
            f2 != (s_inexact ? NX : 0)) {
            print_error("cvt %" PRId64 " rm %d\n", x, rm);
            bad++;
        }
    }
    g_rand_free(r);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_soft_rounding_matches_host),
        cmocka_unit_test(test_host_flags_accumulate),
        cmocka_unit_test(test_int_conversion_matches_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
