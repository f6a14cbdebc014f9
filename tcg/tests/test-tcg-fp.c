/*
 * The floating point ops (fadd .. fcvt), generated as x86-64 code and run,
 * against the host's C arithmetic and fenv flags: special and random
 * binary32/binary64 operands. The out-of-line fallback must be called
 * where tcg/tcg-op.h says it is (NaN results, unboxed singles, conversions
 * out of range), with the operands, and only there; elsewhere result and
 * flags must be the C reference's, with and without AVX. Values live in
 * general and xmm registers across a fallback or helper call must survive
 * it, also with more of them than registers, and values used by both
 * integer and floating point ops move between the register classes;
 * unused results are still computed.
 * fp_flags_get and fp_flags_keep against tcg_fp_flags() with every set
 * of flags preset.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fenv.h>
#include <math.h>
#include <xmmintrin.h>
#include "tcg-test-util.h"
#include "../tcg-internal.h"

#define N_CASES 4000
#define FB_DESC 0x0123456789abcdefull
#define FB_RESULT 0x5a5a5a5a5a5a5a5aull

static int fb_calls;
static uint64_t fb_args[4];
static unsigned features_detected;

static uint64_t fallback(void *env, uint64_t desc, uint64_t a, uint64_t b, uint64_t c)
{
    test_clobber_xmm();
    fb_calls++;
    fb_args[0] = desc, fb_args[1] = a, fb_args[2] = b, fb_args[3] = c;
    return FB_RESULT;
}

typedef enum Kind { K_ADD, K_SUB, K_MUL, K_DIV, K_SQRT, K_FMA, K_CMP, K_TOI, K_ITOF, K_CVT } Kind;

static const char *const kind_name[] = {
    "fadd", "fsub", "fmul", "fdiv", "fsqrt", "fma", "fcmp", "ftoi", "itof", "fcvt",
};

static int nb_inputs(Kind k)
{
    return k == K_FMA ? 3 : k <= K_DIV || k == K_CMP ? 2 : 1;
}

static void *gen(Kind k, unsigned flags, TCGFpCond cond)
{
    TCGFpFallback fb = { fallback, FB_DESC };
    TCGv_i64 r = g_out64[0], a = g_in64[0], b = g_in64[1], c = g_in64[2];

    tcg_func_start();
    switch (k) {
    case K_ADD: tcg_gen_fadd(r, a, b, flags, fb); break;
    case K_SUB: tcg_gen_fsub(r, a, b, flags, fb); break;
    case K_MUL: tcg_gen_fmul(r, a, b, flags, fb); break;
    case K_DIV: tcg_gen_fdiv(r, a, b, flags, fb); break;
    case K_SQRT: tcg_gen_fsqrt(r, a, flags, fb); break;
    case K_FMA: tcg_gen_fma(r, a, b, c, flags, fb); break;
    case K_CMP: tcg_gen_fcmp(r, cond, a, b, flags, fb); break;
    case K_TOI: tcg_gen_ftoi(r, a, flags, fb); break;
    case K_ITOF: tcg_gen_itof(r, a, flags, fb); break;
    case K_CVT: tcg_gen_fcvt(r, a, flags, fb); break;
    }
    return test_gen();
}

/* ---- operands ---- */

static const uint64_t special_d[] = {
    0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
    0x7ff0000000000001, 0xfff8000000000123, 1, 0x000fffffffffffff, 0x0010000000000000,
    0x7fefffffffffffff, 0x3ff0000000000000, 0xbff0000000000000, 0x3fe0000000000000,
    0xbfe0000000000000, 0x41dfffffffc00000, 0x41dfffffffe00000, 0x41e0000000000000,
    0xc1e0000000000000, 0xc1e0000000100000, 0x41efffffffe00000, 0x41effffffff00000,
    0x41f0000000000000, 0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000,
    0x3690000000000000, 0x380ffffff0000000, 0x47efffffffffffff,
};
static const uint32_t special_s[] = {
    0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc00123, 1,
    0x007fffff, 0x00800000, 0x7f7fffff, 0x3f800000, 0xbf800000, 0x3f000000, 0xbf000000,
    0x4effffff, 0x4f000000, 0xcf000000, 0x4f7fffff, 0x4f800000, 0x5f000000, 0xdf000000,
    0x5f800000,
};

static uint64_t rand_float(int ebits, int fbits)
{
    int bias = (1 << (ebits - 1)) - 1;
    int exps[] = { bias, bias - 1, 1, 0, 2 * bias, bias + 31, bias + 63, bias - fbits };
    int e = exps[test_rand() % ARRAY_SIZE(exps)] + (int)(test_rand() % 5) - 2;
    uint64_t frac = test_rand() & ((1ull << fbits) - 1);

    e = e < 0 ? 0 : e > 2 * bias + 1 ? 2 * bias + 1 : e;
    if (test_rand() & 1) {
        frac &= ~((1ull << (fbits / 2)) - 1);
    }
    return (test_rand() & 1) << (ebits + fbits) | (uint64_t)e << fbits | frac;
}

static uint64_t operand(bool f64, bool integer)
{
    bool special = test_rand() % 3 == 0;
    uint64_t v;

    if (integer) {
        return test_value(test_rand() % 200);
    }
    if (f64) {
        return special ? special_d[test_rand() % ARRAY_SIZE(special_d)] : rand_float(11, 52);
    }
    v = special ? special_s[test_rand() % ARRAY_SIZE(special_s)] : rand_float(8, 23);
    return v | (test_rand() % 16 ? 0xffffffff00000000ull : test_rand() << 32);
}

/* ---- the reference ---- */

static double d_of(uint64_t x) { double d; memcpy(&d, &x, 8); return d; }
static float s_of(uint64_t x) { uint32_t v = x; float f; memcpy(&f, &v, 4); return f; }
static uint64_t bits_d(double d) { uint64_t x; memcpy(&x, &d, 8); return x; }
static uint64_t bits_s(float f) { uint32_t v; memcpy(&v, &f, 4); return 0xffffffff00000000ull | v; }

static unsigned fenv_flags(void)
{
    int ex = fetestexcept(FE_ALL_EXCEPT);
    return (ex & FE_INVALID ? TCG_FPE_INVALID : 0) | (ex & FE_DIVBYZERO ? TCG_FPE_DIVBYZERO : 0) |
           (ex & FE_OVERFLOW ? TCG_FPE_OVERFLOW : 0) | (ex & FE_UNDERFLOW ? TCG_FPE_UNDERFLOW : 0) |
           (ex & FE_INEXACT ? TCG_FPE_INEXACT : 0);
}

static bool boxed(uint64_t x)
{
    return (x >> 32) == 0xffffffff;
}

static bool is_snan(bool f64, uint64_t x)
{
    return f64 ? isnan(d_of(x)) && !((x >> 51) & 1) : isnan(s_of(x)) && !((x >> 22) & 1);
}

/* Keep the compiler from moving arithmetic across the fenv calls. */
#define BARRIER(x) __asm__ __volatile__("" : "+m"(x))

/*
 * Arithmetic kind k (not K_CVT) on a, b, c in type T as C computes it, fma
 * with the negations of fl; the barriers keep the compiler from folding or
 * moving it across the fenv reads.
 */
#define REF_ARITH(T, sqrt_fn, fma_fn, k, fl, a, b, c) ({                        \
        T x_ = (a), y_ = (b), z_ = (c), r_;                                     \
        if ((k) == K_FMA) {                                                     \
            x_ = ((fl) & TCG_FP_NEG_PROD) ? -x_ : x_;                           \
            z_ = ((fl) & TCG_FP_NEG_ADDEND) ? -z_ : z_;                         \
        }                                                                       \
        BARRIER(x_); BARRIER(y_); BARRIER(z_);                                  \
        switch (k) {                                                            \
        case K_ADD: r_ = x_ + y_; break;                                        \
        case K_SUB: r_ = x_ - y_; break;                                        \
        case K_MUL: r_ = x_ * y_; break;                                        \
        case K_DIV: r_ = x_ / y_; break;                                        \
        case K_SQRT: r_ = sqrt_fn(x_); break;                                   \
        default: r_ = fma_fn(x_, y_, z_); break;                                \
        }                                                                       \
        BARRIER(r_);                                                            \
        r_; })

typedef enum Fb { FB_NEVER, FB_ALLOWED, FB_REQUIRED } Fb;

/*
 * The reference result and flags of one case, and whether the fallback
 * must, may or must not be called.
 */
static Fb reference(Kind k, unsigned fl, TCGFpCond cond, uint64_t a, uint64_t b, uint64_t c,
                    uint64_t *res, unsigned *flags)
{
    bool f64 = fl & TCG_FP_F64, sgn = fl & TCG_FP_INT_SIGNED, i64 = fl & TCG_FP_INT_64;
    int n = nb_inputs(k);

    if (!f64 && k != K_ITOF && k != K_CVT &&
        (!boxed(a) || (n > 1 && !boxed(b)) || (n > 2 && !boxed(c)))) {
        return FB_REQUIRED;
    }
    if (k == K_CVT && f64 && !boxed(a)) {
        return FB_REQUIRED;
    }
    feclearexcept(FE_ALL_EXCEPT);
    switch (k) {
    case K_CMP: {
        bool nan = f64 ? isnan(d_of(a)) || isnan(d_of(b)) : isnan(s_of(a)) || isnan(s_of(b));
        double x = f64 ? d_of(a) : s_of(a), y = f64 ? d_of(b) : s_of(b);
        *res = !nan && (cond == TCG_FP_EQ ? x == y : cond == TCG_FP_LT ? x < y : x <= y);
        *flags = nan && (cond != TCG_FP_EQ || is_snan(f64, a) || is_snan(f64, b)) ?
                 TCG_FPE_INVALID : 0;
        return FB_NEVER;
    }
    case K_TOI: {
        double x = f64 ? d_of(a) : s_of(a), r;
        double lo = sgn ? -ldexp(1, i64 ? 63 : 31) : 0, hi = ldexp(1, i64 ? 63 : 31) * (sgn ? 1 : 2);
        BARRIER(x);
        r = (fl & TCG_FP_TRUNC) ? trunc(x) : nearbyint(x);
        if (isnan(x) || r < lo || r >= hi || (sgn && r == lo) || (!sgn && signbit(x))) {
            return FB_REQUIRED;
        }
        *res = sgn ? (uint64_t)(int64_t)r : (uint64_t)r;
        if (!i64) {
            *res = (uint64_t)(int64_t)(int32_t)*res;
        }
        *flags = r != x ? TCG_FPE_INEXACT : 0;
        /* unsigned: the inline range may end a little below the limit */
        return !sgn && r >= hi / 2 ? FB_ALLOWED : FB_NEVER;
    }
    case K_ITOF: {
        int64_t v = !i64 ? (sgn ? (int64_t)(int32_t)a : (int64_t)(uint32_t)a) : (int64_t)a;
        if (i64 && !sgn && v < 0) {
            return FB_REQUIRED;
        }
        BARRIER(v);
        if (f64) {
            double r = (double)v;
            BARRIER(r);
            *res = bits_d(r);
        } else {
            float r = (float)v;
            BARRIER(r);
            *res = bits_s(r);
        }
        *flags = fenv_flags();
        return FB_NEVER;
    }
    default:
        break;
    }
    if (k == K_CVT) {
        if (f64) {
            double r = s_of(a);             /* binary32 -> binary64 */
            BARRIER(r);
            *flags = fenv_flags();
            *res = bits_d(r);
            return isnan(r) ? FB_REQUIRED : FB_NEVER;
        } else {
            double x = d_of(a);
            float r;
            BARRIER(x);
            r = (float)x;
            BARRIER(r);
            *flags = fenv_flags();
            *res = bits_s(r);
            return isnan(r) ? FB_REQUIRED : FB_NEVER;
        }
    }
    if (f64) {
        double r = REF_ARITH(double, sqrt, fma, k, fl, d_of(a), d_of(b), d_of(c));
        *flags = fenv_flags();
        *res = bits_d(r);
        return isnan(r) ? FB_REQUIRED : FB_NEVER;
    } else {
        float r = REF_ARITH(float, sqrtf, fmaf, k, fl, s_of(a), s_of(b), s_of(c));
        *flags = fenv_flags();
        *res = bits_s(r);
        return isnan(r) ? FB_REQUIRED : FB_NEVER;
    }
}

static void check_op(Kind k, unsigned fl, TCGFpCond cond)
{
    void *code = gen(k, fl, cond);
    bool f64_in = (fl & TCG_FP_F64) ? k != K_CVT : k == K_CVT;
    int bad = 0, fallbacks = 0, inline_cases = 0;

    for (int i = 0; i < N_CASES && bad < 5; i++) {
        TestEnv env;
        uint64_t a = operand(f64_in, k == K_ITOF), b = operand(f64_in, false);
        uint64_t c = operand(f64_in, false), want = 0;
        unsigned want_flags = 0, got_flags;
        Fb fb;

        memset(&env, 0, sizeof(env));
        env.in64[0] = a, env.in64[1] = b, env.in64[2] = c;
        fb = reference(k, fl, cond, a, b, c, &want, &want_flags);
        fb_calls = 0;
        tcg_fp_set_flags(0);
        test_run(code, &env);
        got_flags = tcg_fp_flags();
        tcg_fp_set_flags(0);
        if (fb_calls) {
            int n = nb_inputs(k);
            fallbacks++;
            if (fb == FB_NEVER || env.out64[0] != FB_RESULT || fb_args[0] != FB_DESC ||
                fb_args[1] != a || fb_args[2] != (n > 1 ? b : 0) ||
                fb_args[3] != (n > 2 ? c : 0)) {
                print_error("%s flags %#x: a %#" PRIx64 " b %#" PRIx64 " c %#" PRIx64
                            ": unexpected fallback call\n", kind_name[k], fl, a, b, c);
                bad++;
            }
            continue;
        }
        inline_cases++;
        if (fb == FB_REQUIRED || env.out64[0] != want || got_flags != want_flags) {
            print_error("%s flags %#x cond %d: a %#" PRIx64 " b %#" PRIx64 " c %#" PRIx64
                        ": got %#" PRIx64 "/%#x want %#" PRIx64 "/%#x%s\n", kind_name[k], fl,
                        cond, a, b, c, env.out64[0], got_flags, want, want_flags,
                        fb == FB_REQUIRED ? " (needs the fallback)" : "");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    /* both paths must have been exercised */
    assert_true(inline_cases > N_CASES / 4);
    assert_true(fallbacks > 0 || k == K_ITOF || k == K_CMP);
}

static void test_arith(void **state)
{
    /* VEX three-operand forms, then SSE's two-operand ones */
    for (int avx = 1; avx >= 0; avx--) {
        tcg_host_features = avx ? features_detected : features_detected & ~TCG_HOST_AVX;
        for (int f = 0; f <= TCG_FP_F64; f++) {
            check_op(K_ADD, f, 0);
            check_op(K_SUB, f, 0);
            check_op(K_MUL, f, 0);
            check_op(K_DIV, f, 0);
            check_op(K_SQRT, f, 0);
            check_op(K_CVT, f, 0);
            for (TCGFpCond c = TCG_FP_EQ; c <= TCG_FP_LE; c++) {
                check_op(K_CMP, f, c);
            }
        }
    }
    tcg_host_features = features_detected;
}

static void test_fma(void **state)
{
    if (!tcg_fp_has_fma()) {
        skip();     /* the front end calls its helper instead */
    }
    for (unsigned f = 0; f < 8; f++) {
        check_op(K_FMA, f, 0);
    }
}

static void test_conversions(void **state)
{
    for (unsigned f = 0; f < 16; f++) {
        check_op(K_TOI, f, 0);
        if (!(f & TCG_FP_TRUNC)) {
            check_op(K_ITOF, f, 0);
        }
    }
}

/* Values in call-clobbered registers survive the fallback call. */
static void test_live_across_fallback(void **state)
{
    TCGFpFallback fb = { fallback, FB_DESC };
    TCGv_i64 t[12], sum;
    TestEnv env;
    void *code;

    tcg_func_start();
    sum = tcg_temp_new_i64();
    for (int i = 0; i < 12; i++) {
        t[i] = tcg_temp_new_i64();
        tcg_gen_addi_i64(t[i], g_in64[3], i * 0x1001);
    }
    tcg_gen_fdiv(g_out64[0], g_in64[0], g_in64[1], TCG_FP_F64, fb);
    tcg_gen_mov_i64(sum, g_in64[0]);
    for (int i = 0; i < 12; i++) {
        tcg_gen_xor_i64(sum, sum, t[i]);
        tcg_gen_rotli_i64(sum, sum, 5);
    }
    tcg_gen_mov_i64(g_out64[1], sum);
    code = test_gen();

    memset(&env, 0, sizeof(env));
    env.in64[0] = 0;                  /* 0 / 0: NaN, the fallback */
    env.in64[3] = 0x1234567890abcdefull;
    fb_calls = 0;
    test_run(code, &env);
    tcg_fp_set_flags(0);
    uint64_t want = 0;
    for (int i = 0; i < 12; i++) {
        want ^= env.in64[3] + i * 0x1001;
        want = want << 5 | want >> 59;
    }
    assert_int_equal(fb_calls, 1);
    assert_int_equal(env.out64[0], FB_RESULT);
    assert_int_equal(env.out64[1], want);
}

static uint64_t helper_clobber(uint64_t x)
{
    test_clobber_xmm();
    return x + 1;
}

/*
 * Floating point values in xmm registers, more than there are: live
 * across a helper call and a fallback call (both clobber every xmm
 * register), some also read by integer ops (moved to general registers),
 * and integer results read by floating point ops; constant operands.
 */
static void test_xmm_live_across_calls(void **state)
{
    enum { N = 20 };
    TCGFpFallback fb = { fallback, FB_DESC };
    TCGv_i64 f[N], g[N], x, sum;
    double a = 1.25, wf[N], wg[N], wsum;
    uint64_t wx = 0;
    TestEnv env;
    void *code;

    tcg_func_start();
    x = tcg_temp_new_i64();
    sum = tcg_temp_new_i64();
    for (int i = 0; i < N; i++) {
        f[i] = tcg_temp_new_i64();
        g[i] = tcg_temp_new_i64();
        tcg_gen_fadd(f[i], g_in64[0], tcg_constant_i64(bits_d(i + 0.5)), TCG_FP_F64, fb);
    }
    gen_helper_call(helper_clobber, TCG_CALL_NO_RWG_SE, tcgv_temp(g_out64[1]),
                    tcgv_temp(g_in64[1]));
    for (int i = 0; i < N; i++) {
        tcg_gen_fmul(g[i], f[i], f[i], TCG_FP_F64, fb);
    }
    tcg_gen_fdiv(g_out64[0], g_in64[2], g_in64[3], TCG_FP_F64, fb);     /* 0 / 0: fallback */
    tcg_gen_movi_i64(x, 0);
    for (int i = 0; i < N; i++) {
        tcg_gen_xor_i64(x, x, f[i]);
        tcg_gen_rotli_i64(x, x, 3);
    }
    tcg_gen_mov_i64(g_out64[3], x);
    tcg_gen_xori_i64(sum, g[0], INT64_MIN);                             /* -g[0] */
    for (int i = 1; i < N; i++) {
        tcg_gen_fadd(sum, sum, g[i], TCG_FP_F64, fb);
    }
    tcg_gen_mov_i64(g_out64[2], sum);
    code = test_gen();

    memset(&env, 0, sizeof(env));
    env.in64[0] = bits_d(a);
    env.in64[1] = 41;
    fb_calls = 0;
    test_run(code, &env);
    tcg_fp_set_flags(0);

    for (int i = 0; i < N; i++) {
        wf[i] = a + (i + 0.5);
        wg[i] = wf[i] * wf[i];
        wx ^= bits_d(wf[i]);
        wx = wx << 3 | wx >> 61;
    }
    wsum = -wg[0];
    for (int i = 1; i < N; i++) {
        wsum += wg[i];
    }
    assert_int_equal(fb_calls, 1);
    assert_int_equal(env.out64[0], FB_RESULT);
    assert_int_equal(env.out64[1], 42);
    assert_int_equal(env.out64[2], bits_d(wsum));
    assert_int_equal(env.out64[3], wx);
}

static TCGOp *nth_op(TCGOpcode opc, int nth)
{
    for (int i = 0, k = 0; i < tcg_ctx->nb_ops; i++) {
        if (tcg_ctx->ops[i].opc == opc && k++ == nth) {
            return &tcg_ctx->ops[i];
        }
    }
    fail_msg("no %s %d", tcg_op_defs[opc].name, nth);
    return NULL;
}

/*
 * Liveness marks a result whose next reader takes it as a float operand
 * (also through a copy), so that a guest load of it goes straight to xmm;
 * a store takes its value from either class.
 */
static void test_float_hint(void **state)
{
    TCGFpFallback fb = { fallback, FB_DESC };
    TCGv_i64 v, w;

    tcg_func_start();
    v = tcg_temp_ebb_new_i64();
    w = tcg_temp_ebb_new_i64();
    tcg_gen_qemu_ld_i64(v, g_in64[0], 0, MO_LEUQ);           /* next: a copy read by fadd */
    tcg_gen_mov_i64(g_out64[0], v);
    tcg_gen_qemu_ld_i64(w, g_in64[1], 0, MO_LEUQ);           /* next: xori */
    tcg_gen_qemu_st_i64(v, g_in64[2], 0, MO_LEUQ);
    tcg_gen_fadd(g_out64[1], g_out64[0], g_in64[3], TCG_FP_F64, fb);
    tcg_gen_xori_i64(g_out64[2], w, 1);
    tcg_gen_fadd(g_out64[3], w, g_in64[3], TCG_FP_F64, fb);
    test_gen();
    assert_true(nth_op(INDEX_op_qemu_ld, 0)->life & FLOAT_ARG(0));
    assert_false(nth_op(INDEX_op_qemu_ld, 1)->life & FLOAT_ARG(0));
}

/*
 * An op on constants whose result is unused still runs: the optimizer must
 * neither fold it nor liveness drop it, its flags are its effect.
 */
static void test_not_folded_or_removed(void **state)
{
    TCGFpFallback fb = { fallback, FB_DESC };
    TestEnv env;
    void *code;

    tcg_func_start();
    tcg_gen_fdiv(tcg_temp_new_i64(), tcg_constant_i64(0x3ff0000000000000),
                 tcg_constant_i64(0), TCG_FP_F64, fb);
    code = test_gen();
    memset(&env, 0, sizeof(env));
    tcg_fp_set_flags(0);
    test_run(code, &env);
    assert_int_equal(tcg_fp_flags(), TCG_FPE_DIVBYZERO);
    tcg_fp_set_flags(0);
}

/* Flags stay raised until cleared; clearing when none is raised is harmless. */
static void test_flags(void **state)
{
    volatile double x = 1.0, y = 3.0, z;

    tcg_fp_set_flags(0);
    assert_int_equal(tcg_fp_flags(), 0);
    z = x / y;
    (void)z;
    assert_int_equal(tcg_fp_flags(), TCG_FPE_INEXACT);
    assert_int_equal(tcg_fp_flags(), TCG_FPE_INEXACT);
    tcg_fp_set_flags(0);
    assert_int_equal(tcg_fp_flags(), 0);
    tcg_fp_set_flags(0);
    assert_int_equal(tcg_fp_flags(), 0);
}

/* fdiv operands raising each flag (0 / 0: NaN, the fallback runs after IE was raised) */
static const struct {
    uint64_t a, b;
    unsigned flag;
} raise_each[] = {
    { 0x3ff0000000000000, 0x4008000000000000, TCG_FPE_INEXACT },      /* 1 / 3 */
    { 0x0010000000000000, 0x4008000000000000, TCG_FPE_UNDERFLOW },    /* DBL_MIN / 3 */
    { 0x7fefffffffffffff, 0x3fe0000000000000, TCG_FPE_OVERFLOW },     /* DBL_MAX / 0.5 */
    { 0x3ff0000000000000, 0, TCG_FPE_DIVBYZERO },                     /* 1 / 0 */
    { 0, 0, TCG_FPE_INVALID },
};

/*
 * fp_flags_get reads the flags raised before the code ran and by an op in
 * it, as tcg_fp_flags() reads them: each flag, every set of flags preset.
 */
static void test_flags_get(void **state)
{
    TCGFpFallback fb = { fallback, FB_DESC };
    void *code;

    tcg_func_start();
    tcg_gen_fp_flags_get(g_out64[0]);
    tcg_gen_fdiv(g_out64[1], g_in64[0], g_in64[1], TCG_FP_F64, fb);
    tcg_gen_fp_flags_get(g_out64[2]);
    code = test_gen();
    for (size_t i = 0; i < ARRAY_SIZE(raise_each); i++) {
        uint64_t res;
        unsigned raised = 0;

        reference(K_DIV, TCG_FP_F64, 0, raise_each[i].a, raise_each[i].b, 0, &res, &raised);
        assert_true(raised & raise_each[i].flag);
        for (unsigned pre = 0; pre < 32; pre++) {
            TestEnv env;

            memset(&env, 0, sizeof(env));
            env.in64[0] = raise_each[i].a, env.in64[1] = raise_each[i].b;
            tcg_fp_set_flags(pre);
            test_run(code, &env);
            assert_int_equal(tcg_fp_flags(), pre | raised);
            assert_int_equal(env.out64[0], pre);
            assert_int_equal(env.out64[2], pre | raised);
        }
    }
    tcg_fp_set_flags(0);
}

/*
 * fp_flags_keep(mask) leaves the flags alone when they are within mask
 * (bits above the flags' do not matter) and else clears them all, and
 * nothing else in MXCSR (here: round toward zero). Flags raised after it
 * accumulate again, and values live across it survive.
 */
static void test_flags_keep(void **state)
{
    TCGFpFallback fb = { fallback, FB_DESC };
    unsigned csr = _mm_getcsr(), rtz = (csr & ~0x603fu) | 0x6000;
    TCGv_i64 t[10], sum;
    uint64_t want_sum = 0;
    void *code;

    tcg_func_start();
    sum = tcg_temp_new_i64();
    for (int i = 0; i < 10; i++) {
        t[i] = tcg_temp_new_i64();
        tcg_gen_addi_i64(t[i], g_in64[3], i * 0x1001);
    }
    tcg_gen_fp_flags_keep(g_in64[0]);
    tcg_gen_fp_flags_get(g_out64[0]);
    tcg_gen_fdiv(g_out64[1], g_in64[1], g_in64[2], TCG_FP_F64, fb);
    tcg_gen_fp_flags_get(g_out64[2]);
    tcg_gen_movi_i64(sum, 0);
    for (int i = 0; i < 10; i++) {
        tcg_gen_xor_i64(sum, sum, t[i]);
        tcg_gen_rotli_i64(sum, sum, 5);
    }
    tcg_gen_mov_i64(g_out64[3], sum);
    code = test_gen();
    for (int i = 0; i < 10; i++) {
        want_sum ^= 0x1234567890abcdefull + i * 0x1001;
        want_sum = want_sum << 5 | want_sum >> 59;
    }

    for (unsigned pre = 0; pre < 32; pre++) {
        for (unsigned m = 0; m < 64; m++) {
            uint64_t mask = m < 32 ? m : (m & 31) | ~31ull;
            unsigned after = (pre & ~mask) ? 0 : pre;
            TestEnv env;

            memset(&env, 0, sizeof(env));
            env.in64[0] = mask;
            env.in64[1] = raise_each[0].a, env.in64[2] = raise_each[0].b;    /* inexact */
            env.in64[3] = 0x1234567890abcdefull;
            _mm_setcsr(rtz);
            tcg_fp_set_flags(pre);
            test_run(code, &env);
            assert_int_equal(_mm_getcsr() & ~0x3fu, rtz);
            assert_int_equal(tcg_fp_flags(), after | TCG_FPE_INEXACT);
            assert_int_equal(env.out64[0], after);
            assert_int_equal(env.out64[2], after | TCG_FPE_INEXACT);
            assert_int_equal(env.out64[3], want_sum);
        }
    }
    _mm_setcsr(csr & ~0x3fu);
}

static int setup(void **state)
{
    test_tcg_init();
    if (!features_detected) {
        features_detected = tcg_host_features;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_flags, setup),
        cmocka_unit_test_setup(test_arith, setup),
        cmocka_unit_test_setup(test_fma, setup),
        cmocka_unit_test_setup(test_conversions, setup),
        cmocka_unit_test_setup(test_live_across_fallback, setup),
        cmocka_unit_test_setup(test_xmm_live_across_calls, setup),
        cmocka_unit_test_setup(test_float_hint, setup),
        cmocka_unit_test_setup(test_not_folded_or_removed, setup),
        cmocka_unit_test_setup(test_flags_get, setup),
        cmocka_unit_test_setup(test_flags_keep, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
