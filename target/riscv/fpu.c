/* RISC-V F/D arithmetic: host IEEE unit plus software fixups (see fpu.h). */
#include "tern/osdep.h"
#include <fenv.h>
#include <math.h>
#include <xmmintrin.h>
#include "fpu.h"
#include "cpu-state.h"

typedef struct FFmt {
    int fbits, ebits;
} FFmt;

static const FFmt fmt_s = { 23, 8 };
static const FFmt fmt_d = { 52, 11 };

static inline int f_bias(const FFmt *f) { return (1 << (f->ebits - 1)) - 1; }
static inline uint64_t f_fracmask(const FFmt *f) { return (1ull << f->fbits) - 1; }
static inline int f_expmax(const FFmt *f) { return (1 << f->ebits) - 1; }
static inline bool f_sign(const FFmt *f, uint64_t x) { return (x >> (f->fbits + f->ebits)) & 1; }
static inline int f_exp(const FFmt *f, uint64_t x) { return (x >> f->fbits) & f_expmax(f); }
static inline uint64_t f_frac(const FFmt *f, uint64_t x) { return x & f_fracmask(f); }
static inline bool f_is_nan(const FFmt *f, uint64_t x)
{
    return f_exp(f, x) == f_expmax(f) && f_frac(f, x) != 0;
}
static inline bool f_is_snan(const FFmt *f, uint64_t x)
{
    return f_is_nan(f, x) && !((x >> (f->fbits - 1)) & 1);
}
static inline bool f_is_inf(const FFmt *f, uint64_t x)
{
    return f_exp(f, x) == f_expmax(f) && f_frac(f, x) == 0;
}
static inline bool f_is_zero(const FFmt *f, uint64_t x)
{
    return f_exp(f, x) == 0 && f_frac(f, x) == 0;
}
static inline uint64_t f_pack(const FFmt *f, bool sign, uint64_t exp, uint64_t frac)
{
    return (uint64_t)sign << (f->fbits + f->ebits) | exp << f->fbits | frac;
}
static inline uint64_t f_canonical_nan(const FFmt *f)
{
    return f == &fmt_s ? RV_CANONICAL_NAN_S : RV_CANONICAL_NAN_D;
}

static inline double d_of(uint64_t x) { double d; memcpy(&d, &x, 8); return d; }
static inline uint64_t bits_of_d(double d) { uint64_t x; memcpy(&x, &d, 8); return x; }
static inline float s_of(uint64_t x) { uint32_t v = x; float f; memcpy(&f, &v, 4); return f; }
static inline uint64_t bits_of_s(float f) { uint32_t v; memcpy(&v, &f, 4); return v; }

/* ---- software rounding ---- */

/* sig >> drop rounded in mode rm; *inexact if bits were lost. */
static uint64_t shift_round(uint64_t sig, int drop, bool sign, int rm, bool *inexact)
{
    uint64_t kept, rest;
    int cmp;     /* rest compared with half an ulp of kept */

    if (drop <= 0) {
        *inexact = false;
        return sig;
    }
    if (drop >= 64) {
        kept = 0;
        rest = sig;
        cmp = drop > 64 ? -1 : (sig > (1ull << 63)) - (sig < (1ull << 63));
    } else {
        uint64_t half = 1ull << (drop - 1);
        kept = sig >> drop;
        rest = sig & ((half << 1) - 1);
        cmp = (rest > half) - (rest < half);
    }
    *inexact = rest != 0;
    if (!*inexact) {
        return kept;
    }
    switch (rm) {
    case RM_RNE: return kept + (cmp > 0 || (cmp == 0 && (kept & 1)));
    case RM_RMM: return kept + (cmp >= 0);
    case RM_RDN: return kept + sign;
    case RM_RUP: return kept + !sign;
    default:     return kept;
    }
}

/*
 * Round the nonzero value sig * 2^(e - 63) (sig normalized: bit 63 set) to
 * format f in mode rm, raising OF, UF (tiny after rounding and inexact), NX.
 */
static uint64_t round_pack(const FFmt *f, bool sign, int e, uint64_t sig, int rm,
                           uint32_t *flags)
{
    int p = f->fbits + 1, bias = f_bias(f), emin = 1 - bias;
    bool inexact;
    uint64_t r = shift_round(sig, 64 - p, sign, rm, &inexact);
    int ue = e;

    if (r >> p) {
        r >>= 1;
        ue++;
    }
    if (ue > bias) {
        bool to_inf = rm == RM_RNE || rm == RM_RMM || (rm == RM_RDN && sign) ||
                      (rm == RM_RUP && !sign);
        *flags |= FFLAG_OF | FFLAG_NX;
        return to_inf ? f_pack(f, sign, f_expmax(f), 0)
                      : f_pack(f, sign, f_expmax(f) - 1, f_fracmask(f));
    }
    if (e >= emin) {
        *flags |= inexact ? FFLAG_NX : 0;
        return f_pack(f, sign, ue + bias, r & f_fracmask(f));
    }
    /* subnormal range: round to fewer bits; a carry gives the minimum normal */
    r = shift_round(sig, 64 - p + (emin - e), sign, rm, &inexact);
    if (inexact) {
        *flags |= ue < emin ? FFLAG_UF | FFLAG_NX : FFLAG_NX;
    }
    return f_pack(f, sign, 0, 0) + r;
}

/* Normalize m * 2^k (m != 0) into (sig, e) for round_pack. */
static void normalize(uint64_t m, int k, uint64_t *sig, int *e)
{
    int s = __builtin_clzll(m);
    *sig = m << s;
    *e = k - s + 63;
}

/* Finite nonzero value of a packed number as (sig, e). */
static void unpack(const FFmt *f, uint64_t x, uint64_t *sig, int *e)
{
    int ex = f_exp(f, x);
    uint64_t m = f_frac(f, x);
    int k;

    if (ex == 0) {
        k = 1 - f_bias(f) - f->fbits;
    } else {
        m |= 1ull << f->fbits;
        k = ex - f_bias(f) - f->fbits;
    }
    normalize(m, k, sig, e);
}

/* ---- host arithmetic ---- */

static const int host_rm[4] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD };
/* MXCSR rounding control (bits 14:13) for RNE, RTZ, RDN, RUP */
static const unsigned mxcsr_rc[4] = { 0 << 13, 3 << 13, 1 << 13, 2 << 13 };

static uint32_t host_flags(int ex)
{
    return (ex & FE_INVALID ? FFLAG_NV : 0) | (ex & FE_DIVBYZERO ? FFLAG_DZ : 0) |
           (ex & FE_OVERFLOW ? FFLAG_OF : 0) | (ex & FE_UNDERFLOW ? FFLAG_UF : 0) |
           (ex & FE_INEXACT ? FFLAG_NX : 0);
}

/* Keep the compiler from moving a computation across fesetround/fetestexcept. */
#define FP_BARRIER(x) __asm__ __volatile__("" : "+m"(x))

enum { ARITH_ADD, ARITH_SUB, ARITH_MUL, ARITH_DIV, ARITH_SQRT, ARITH_FMA };

static float arith_s(int k, float a, float b, float c)
{
    FP_BARRIER(a); FP_BARRIER(b); FP_BARRIER(c);
    float r;
    switch (k) {
    case ARITH_ADD: r = a + b; break;
    case ARITH_SUB: r = a - b; break;
    case ARITH_MUL: r = a * b; break;
    case ARITH_DIV: r = a / b; break;
    case ARITH_SQRT: r = sqrtf(a); break;
    default: r = fmaf(a, b, c); break;
    }
    FP_BARRIER(r);
    return r;
}

static double arith_d(int k, double a, double b, double c)
{
    FP_BARRIER(a); FP_BARRIER(b); FP_BARRIER(c);
    double r;
    switch (k) {
    case ARITH_ADD: r = a + b; break;
    case ARITH_SUB: r = a - b; break;
    case ARITH_MUL: r = a * b; break;
    case ARITH_DIV: r = a / b; break;
    case ARITH_SQRT: r = sqrt(a); break;
    default: r = fma(a, b, c); break;
    }
    FP_BARRIER(r);
    return r;
}

static long double arith_ld(int k, long double a, long double b, long double c)
{
    FP_BARRIER(a); FP_BARRIER(b); FP_BARRIER(c);
    long double r;
    switch (k) {
    case ARITH_ADD: r = a + b; break;
    case ARITH_SUB: r = a - b; break;
    case ARITH_MUL: r = a * b; break;
    case ARITH_DIV: r = a / b; break;
    case ARITH_SQRT: r = sqrtl(a); break;
    default: r = fmal(a, b, c); break;
    }
    FP_BARRIER(r);
    return r;
}

/* An exact zero result: its sign depends on the mode (RDN gives -0 for x - x). */
static uint64_t zero_result(const FFmt *f, int k, uint64_t a, uint64_t b, uint64_t c, int rm)
{
    uint64_t r;
    fesetround(host_rm[rm == RM_RMM ? RM_RNE : rm]);
    if (f == &fmt_s) {
        r = bits_of_s(arith_s(k, s_of(a), s_of(b), s_of(c)));
    } else {
        r = bits_of_d(arith_d(k, d_of(a), d_of(b), d_of(c)));
    }
    fesetround(FE_TONEAREST);
    return r;
}

/*
 * Software-rounded arithmetic (RMM): compute in the wider format truncating, make the result
 * sticky-odd when inexact, and round that once in software. NV/DZ come
 * from the host, OF/UF/NX from round_pack.
 */
static uint64_t arith_soft(const FFmt *f, int k, uint64_t a, uint64_t b, uint64_t c,
                           int rm, uint32_t *flags)
{
    uint64_t sig;
    int e, ex;
    bool sign;

    feclearexcept(FE_ALL_EXCEPT);
    fesetround(FE_TOWARDZERO);
    if (f == &fmt_s) {
        double r = arith_d(k, s_of(a), s_of(b), s_of(c));
        ex = fetestexcept(FE_ALL_EXCEPT);
        fesetround(FE_TONEAREST);
        uint64_t rb = bits_of_d(r);
        *flags |= host_flags(ex & (FE_INVALID | FE_DIVBYZERO));
        if (isnan(r)) {
            return RV_CANONICAL_NAN_S;
        }
        if (isinf(r) || r == 0) {
            return r == 0 ? zero_result(f, k, a, b, c, rm) : bits_of_s((float)r);
        }
        rb |= (ex & FE_INEXACT) != 0;       /* round to odd */
        unpack(&fmt_d, rb, &sig, &e);
        sign = f_sign(&fmt_d, rb);
    } else {
        long double r = arith_ld(k, d_of(a), d_of(b), d_of(c));
        ex = fetestexcept(FE_ALL_EXCEPT);
        fesetround(FE_TONEAREST);
        *flags |= host_flags(ex & (FE_INVALID | FE_DIVBYZERO));
        if (isnan(r)) {
            return RV_CANONICAL_NAN_D;
        }
        if (isinf(r) || r == 0) {
            return r == 0 ? zero_result(f, k, a, b, c, rm) : bits_of_d((double)r);
        }
        /* x87 extended: 64-bit significand with explicit integer bit */
        uint64_t m;
        uint16_t se;
        memcpy(&m, &r, 8);
        memcpy(&se, (char *)&r + 8, 2);
        m |= (ex & FE_INEXACT) != 0;
        sign = se >> 15;
        normalize(m, (int)(se & 0x7fff) - 16383 - 63, &sig, &e);
    }
    return round_pack(f, sign, e, sig, rm, flags);
}


/* MXCSR exception flags (bits 5:0: IE DE ZE OE UE PE) as fflags */
static uint32_t mxcsr_flags(unsigned csr)
{
    return (csr & 1 ? FFLAG_NV : 0) | (csr & 4 ? FFLAG_DZ : 0) | (csr & 8 ? FFLAG_OF : 0) |
           (csr & 16 ? FFLAG_UF : 0) | (csr & 32 ? FFLAG_NX : 0);
}

/*
 * Host path: float and double arithmetic (and glibc's fma) run on SSE, so
 * only MXCSR needs the rounding mode and holds the flags; this is much
 * cheaper than the fenv calls, which also program the x87 unit.
 */
static uint64_t arith(const FFmt *f, int k, uint64_t a, uint64_t b, uint64_t c, int rm,
                      bool soft, uint32_t *flags)
{
    unsigned saved, csr;
    uint64_t r;

    if (soft || rm == RM_RMM) {
        return arith_soft(f, k, a, b, c, rm, flags);
    }
    saved = _mm_getcsr();
    _mm_setcsr((saved & ~(0x6000u | 0x3fu)) | mxcsr_rc[rm]);
    if (f == &fmt_s) {
        r = bits_of_s(arith_s(k, s_of(a), s_of(b), s_of(c)));
    } else {
        r = bits_of_d(arith_d(k, d_of(a), d_of(b), d_of(c)));
    }
    csr = _mm_getcsr();
    _mm_setcsr(saved);
    *flags |= mxcsr_flags(csr);
    return f_is_nan(f, r) ? f_canonical_nan(f) : r;
}

/* ---- operations ---- */

static double to_double(const FFmt *f, uint64_t x)
{
    return f == &fmt_s ? (double)s_of(x) : d_of(x);
}

static uint64_t min_max(const FFmt *f, uint64_t a, uint64_t b, bool is_max, uint32_t *flags)
{
    bool an = f_is_nan(f, a), bn = f_is_nan(f, b);

    if (f_is_snan(f, a) || f_is_snan(f, b)) {
        *flags |= FFLAG_NV;
    }
    if (an && bn) {
        return f_canonical_nan(f);
    }
    if (an || bn) {
        return an ? b : a;
    }
    if (f_is_zero(f, a) && f_is_zero(f, b)) {
        /* -0 < +0 (spec 11.6) */
        return (f_sign(f, a) ^ is_max) ? a : b;
    }
    double x = to_double(f, a), y = to_double(f, b);
    return (is_max ? x > y : x < y) ? a : b;
}

static uint64_t compare(const FFmt *f, RVFpOp op, uint64_t a, uint64_t b, uint32_t *flags)
{
    if (f_is_nan(f, a) || f_is_nan(f, b)) {
        /* feq is quiet; flt and fle signal on any NaN (spec 11.8) */
        if (op != FPOP_EQ || f_is_snan(f, a) || f_is_snan(f, b)) {
            *flags |= FFLAG_NV;
        }
        return 0;
    }
    double x = to_double(f, a), y = to_double(f, b);
    switch (op) {
    case FPOP_EQ: return x == y;
    case FPOP_LT: return x < y;
    default:      return x <= y;
    }
}

static uint64_t fclass(const FFmt *f, uint64_t x)
{
    bool s = f_sign(f, x);
    int ex = f_exp(f, x);

    if (f_is_nan(f, x)) {
        return f_is_snan(f, x) ? 1 << 8 : 1 << 9;
    }
    if (f_is_inf(f, x)) {
        return s ? 1 << 0 : 1 << 7;
    }
    if (f_is_zero(f, x)) {
        return s ? 1 << 3 : 1 << 4;
    }
    if (ex == 0) {
        return s ? 1 << 2 : 1 << 5;
    }
    return s ? 1 << 1 : 1 << 6;
}

static uint64_t sign_inject(const FFmt *f, RVFpOp op, uint64_t a, uint64_t b)
{
    int sb = f->fbits + f->ebits;
    uint64_t sa = (a >> sb) & 1, s2 = (b >> sb) & 1;
    uint64_t s = op == FPOP_SGNJ ? s2 : op == FPOP_SGNJN ? !s2 : sa ^ s2;
    return (a & ~(1ull << sb)) | s << sb;
}

/* Round x (finite) to an integral double in mode rm without raising flags. */
static double round_integral(double x, int rm)
{
    unsigned saved;
    double r;

    if (rm == RM_RMM) {
        return round(x);
    }
    /* glibc's nearbyint works on SSE: MXCSR's rounding control is enough */
    saved = _mm_getcsr();
    _mm_setcsr((saved & ~0x6000u) | mxcsr_rc[rm]);
    FP_BARRIER(x);
    r = nearbyint(x);
    FP_BARRIER(r);
    _mm_setcsr(saved);
    return r;
}

/* fcvt.{w,wu,l,lu}.{s,d} (spec 11.7, table 11.4 for the saturated results) */
static uint64_t to_int(const FFmt *f, RVFpOp op, uint64_t a, int rm, uint32_t *flags)
{
    static const double lo[] = { -2147483648.0, 0, -9223372036854775808.0, 0 };
    static const double hi_excl[] = { 2147483648.0, 4294967296.0, 9223372036854775808.0,
                                      18446744073709551616.0 };
    static const uint64_t min_res[] = { (uint64_t)INT32_MIN, 0, (uint64_t)INT64_MIN, 0 };
    static const uint64_t max_res[] = { INT32_MAX, UINT64_MAX, INT64_MAX, UINT64_MAX };
    int k = op - FPOP_CVT_W;
    double x, r;

    if (f_is_nan(f, a)) {
        *flags |= FFLAG_NV;
        return max_res[k];
    }
    x = to_double(f, a);
    r = isinf(x) ? x : round_integral(x, rm);
    if (r < lo[k] || r >= hi_excl[k]) {
        *flags |= FFLAG_NV;
        return r < 0 ? min_res[k] : max_res[k];
    }
    if (r != x) {
        *flags |= FFLAG_NX;
    }
    switch (op) {
    case FPOP_CVT_W:  return (uint64_t)(int64_t)(int32_t)r;
    case FPOP_CVT_WU: return (uint64_t)(int64_t)(int32_t)(uint32_t)r;
    case FPOP_CVT_L:  return (uint64_t)(int64_t)r;
    default:          return r == 0 ? 0 : (uint64_t)r;   /* -0.0 too */
    }
}

static uint64_t from_int(const FFmt *f, RVFpOp op, uint64_t a, int rm, uint32_t *flags)
{
    bool sign = false;
    uint64_t m, sig;
    int e;

    switch (op) {
    case FPOP_CVT_FROM_W:  m = (uint64_t)(int64_t)(int32_t)a; sign = (int32_t)a < 0; break;
    case FPOP_CVT_FROM_WU: m = (uint32_t)a; break;
    case FPOP_CVT_FROM_L:  m = a; sign = (int64_t)a < 0; break;
    default:               m = a; break;
    }
    if (sign) {
        m = -m;
    }
    if (m == 0) {
        return 0;
    }
    normalize(m, 0, &sig, &e);
    return round_pack(f, sign, e, sig, rm, flags);
}

static uint64_t fpu_op(RVFpOp op, bool dbl, uint64_t a, uint64_t b, uint64_t c,
                       int rm, bool soft, uint32_t *flags)
{
    const FFmt *f = dbl ? &fmt_d : &fmt_s;
    int nin = 0;

    switch (op) {
    case FPOP_ADD: case FPOP_SUB: case FPOP_MUL: case FPOP_DIV:
        nin = 2;
        break;
    case FPOP_SQRT:
        nin = 1;
        break;
    case FPOP_MADD: case FPOP_MSUB: case FPOP_NMSUB: case FPOP_NMADD:
        nin = 3;
        break;
    case FPOP_MIN: case FPOP_MAX:
        return min_max(f, a, b, op == FPOP_MAX, flags);
    case FPOP_EQ: case FPOP_LT: case FPOP_LE:
        return compare(f, op, a, b, flags);
    case FPOP_CLASS:
        return fclass(f, a);
    case FPOP_SGNJ: case FPOP_SGNJN: case FPOP_SGNJX:
        return sign_inject(f, op, a, b);
    case FPOP_CVT_W: case FPOP_CVT_WU: case FPOP_CVT_L: case FPOP_CVT_LU:
        return to_int(f, op, a, rm, flags);
    case FPOP_CVT_FROM_W: case FPOP_CVT_FROM_WU: case FPOP_CVT_FROM_L: case FPOP_CVT_FROM_LU:
        return from_int(f, op, a, rm, flags);
    case FPOP_CVT_NARROW:       /* fcvt.s.d: a is a double */
        if (f_is_nan(&fmt_d, a)) {
            *flags |= f_is_snan(&fmt_d, a) ? FFLAG_NV : 0;
            return RV_CANONICAL_NAN_S;
        }
        if (f_is_inf(&fmt_d, a) || f_is_zero(&fmt_d, a)) {
            return bits_of_s((float)d_of(a));
        } else {
            uint64_t sig;
            int e;
            unpack(&fmt_d, a, &sig, &e);
            return round_pack(&fmt_s, f_sign(&fmt_d, a), e, sig, rm, flags);
        }
    case FPOP_CVT_WIDEN:        /* fcvt.d.s: exact */
        if (f_is_nan(&fmt_s, a)) {
            *flags |= f_is_snan(&fmt_s, a) ? FFLAG_NV : 0;
            return RV_CANONICAL_NAN_D;
        }
        return bits_of_d((double)s_of(a));
    }

    /* arithmetic: NaN operands give the canonical NaN (spec 11.3) */
    uint64_t in[3] = { a, b, c };
    bool any_nan = false;
    for (int i = 0; i < nin; i++) {
        if (f_is_snan(f, in[i])) {
            *flags |= FFLAG_NV;
        }
        any_nan |= f_is_nan(f, in[i]);
    }
    if (nin == 3 && ((f_is_inf(f, a) && f_is_zero(f, b)) || (f_is_zero(f, a) && f_is_inf(f, b)))) {
        *flags |= FFLAG_NV;     /* inf * 0 is invalid even with a quiet NaN addend */
        return f_canonical_nan(f);
    }
    if (any_nan) {
        return f_canonical_nan(f);
    }
    uint64_t sbit = 1ull << (f->fbits + f->ebits);
    switch (op) {
    case FPOP_ADD:  return arith(f, ARITH_ADD, a, b, 0, rm, soft, flags);
    case FPOP_SUB:  return arith(f, ARITH_SUB, a, b, 0, rm, soft, flags);
    case FPOP_MUL:  return arith(f, ARITH_MUL, a, b, 0, rm, soft, flags);
    case FPOP_DIV:  return arith(f, ARITH_DIV, a, b, 0, rm, soft, flags);
    case FPOP_SQRT: return arith(f, ARITH_SQRT, a, 0, 0, rm, soft, flags);
    case FPOP_MADD: return arith(f, ARITH_FMA, a, b, c, rm, soft, flags);
    case FPOP_MSUB: return arith(f, ARITH_FMA, a, b, c ^ sbit, rm, soft, flags);
    case FPOP_NMSUB: return arith(f, ARITH_FMA, a ^ sbit, b, c, rm, soft, flags);
    default:        return arith(f, ARITH_FMA, a ^ sbit, b, c ^ sbit, rm, soft, flags);
    }
}

uint64_t rv_fpu_op(RVFpOp op, bool dbl, uint64_t a, uint64_t b, uint64_t c,
                   int rm, uint32_t *flags)
{
    return fpu_op(op, dbl, a, b, c, rm, false, flags);
}

uint64_t rv_fpu_op_soft(RVFpOp op, bool dbl, uint64_t a, uint64_t b, uint64_t c,
                        int rm, uint32_t *flags)
{
    return fpu_op(op, dbl, a, b, c, rm, true, flags);
}
