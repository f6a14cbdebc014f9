/* F and D: rounding modes (static and dynamic), exception flags, NaN boxing,
 * canonical NaNs, fcvt saturation, fmin/fmax, fclass, FS and frm traps. */
#include "test.h"

#define NV 16
#define DZ 8
#define OF 4
#define UF 2
#define NX 1

static uint64_t fmv_d(uint64_t x) { return x; }

/* fadd.s with rounding mode rm on raw single bits; returns raw (boxed) result */
#define FADD_S(rm, a, b) ({ uint64_t _r; __asm__ volatile(                       \
        "fmv.w.x ft0, %1\n fmv.w.x ft1, %2\n fadd.s ft2, ft0, ft1, " rm "\n"        \
        "fmv.x.d %0, ft2" : "=r"(_r) : "r"((uint64_t)(a)), "r"((uint64_t)(b))       \
        : "ft0", "ft1", "ft2"); _r; })
#define FOP_D(insn, a, b) ({ uint64_t _r; __asm__ volatile(                      \
        "fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n " insn " ft2, ft0, ft1\n"               \
        "fmv.x.d %0, ft2" : "=r"(_r) : "r"((uint64_t)(a)), "r"((uint64_t)(b))       \
        : "ft0", "ft1", "ft2"); _r; })
#define FCMP_D(insn, a, b) ({ uint64_t _r; __asm__ volatile(                     \
        "fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n " insn " %0, ft0, ft1"                  \
        : "=r"(_r) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : "ft0", "ft1"); _r; })
#define FCVT(insn, a) ({ uint64_t _r; __asm__ volatile(                          \
        "fmv.d.x ft0, %1\n " insn "\n" : "=r"(_r) : "r"((uint64_t)(a)) : "ft0"); _r; })

static uint64_t flags(void)
{
    return csr_read(fflags);
}

static void clear_flags(void)
{
    csr_write(fflags, 0);
}

#define BOX(x) (0xffffffff00000000ull | (x))

static void test_rounding(void)
{
    /* 1 + 2^-24 is a tie in single precision */
    clear_flags();
    CHECK_EQ(FADD_S("rne", 0x3f800000, 0x33800000), BOX(0x3f800000));
    CHECK_EQ(flags(), NX);
    CHECK_EQ(FADD_S("rmm", 0x3f800000, 0x33800000), BOX(0x3f800001));
    CHECK_EQ(FADD_S("rup", 0x3f800000, 0x33800000), BOX(0x3f800001));
    CHECK_EQ(FADD_S("rtz", 0x3f800000, 0x33800000), BOX(0x3f800000));
    CHECK_EQ(FADD_S("rdn", 0xbf800000, 0xb3800000), BOX(0xbf800001));
    CHECK_EQ(FADD_S("rmm", 0xbf800000, 0xb3800000), BOX(0xbf800001));
    CHECK_EQ(FADD_S("rne", 0xbf800000, 0xb3800000), BOX(0xbf800000));
    /* dynamic: frm */
    csr_write(frm, 4);
    CHECK_EQ(FADD_S("dyn", 0x3f800000, 0x33800000), BOX(0x3f800001));
    csr_write(frm, 1);
    CHECK_EQ(FADD_S("dyn", 0x3f800000, 0x33800000), BOX(0x3f800000));
    CHECK_EQ(csr_read(fcsr), 1 << 5 | NX);
    csr_write(frm, 0);
    /* doubles: 1/3 rounds differently per mode */
    CHECK_EQ(FOP_D("fdiv.d", 0x3ff0000000000000, 0x4008000000000000), 0x3fd5555555555555);
    csr_write(frm, 3);
    CHECK_EQ(FOP_D("fdiv.d", 0x3ff0000000000000, 0x4008000000000000), 0x3fd5555555555556);
    csr_write(frm, 0);
}

static void test_flags(void)
{
    clear_flags();
    CHECK_EQ(FOP_D("fdiv.d", 0x3ff0000000000000, 0), 0x7ff0000000000000);
    CHECK_EQ(flags(), DZ);
    clear_flags();
    CHECK_EQ(FOP_D("fmul.d", 0x7fefffffffffffff, 0x4000000000000000), 0x7ff0000000000000);
    CHECK_EQ(flags(), OF | NX);
    clear_flags();
    CHECK_EQ(FOP_D("fmul.d", 0x0010000000000000, 0x3fe0000000000000), 0x0008000000000000);
    CHECK_EQ(flags(), 0);               /* exact subnormal: no underflow */
    CHECK_EQ(FOP_D("fmul.d", 0x0010000000000001, 0x3fe0000000000000), 0x0008000000000000);
    CHECK_EQ(flags(), UF | NX);
    clear_flags();
    CHECK_EQ(FOP_D("fsub.d", 0x7ff0000000000000, 0x7ff0000000000000), 0x7ff8000000000000);
    CHECK_EQ(flags(), NV);              /* inf - inf: canonical NaN */
    clear_flags();
    /* flags accumulate; fsflags swaps */
    FOP_D("fdiv.d", 0x3ff0000000000000, 0);
    FOP_D("fadd.d", 0x3ff0000000000000, 0x3ca0000000000000);
    uint64_t old;
    __asm__ volatile("fsflagsi %0, 0" : "=r"(old));
    CHECK_EQ(old, DZ | NX);
    CHECK_EQ(flags(), 0);
}

static void test_nan(void)
{
    uint64_t r;

    clear_flags();
    /* NaN payloads are not propagated: the canonical NaN */
    CHECK_EQ(FOP_D("fadd.d", 0x7ff8dead00000000, 0x3ff0000000000000), 0x7ff8000000000000);
    CHECK_EQ(flags(), 0);
    CHECK_EQ(FOP_D("fadd.d", 0x7ff0000000000001, 0x3ff0000000000000), 0x7ff8000000000000);
    CHECK_EQ(flags(), NV);              /* signaling NaN */
    /* a single not properly NaN-boxed reads as the canonical NaN */
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.w.x ft1, zero\n fadd.s ft2, ft0, ft1\n fmv.x.d %0, ft2"
                     : "=r"(r) : "r"(0x000000003f800000ull) : "ft0", "ft1", "ft2");
    CHECK_EQ(r, BOX(0x7fc00000));
    /* flw boxes, fsgnj.s on a boxed value keeps the box; fmv.x.w sign-extends */
    static volatile uint32_t w = 0xbf800000;
    __asm__ volatile("flw ft0, 0(%1)\n fmv.x.d %0, ft0" : "=r"(r) : "r"(&w) : "ft0");
    CHECK_EQ(r, BOX(0xbf800000));
    __asm__ volatile("flw ft0, 0(%1)\n fsgnjx.s ft1, ft0, ft0\n fmv.x.w %0, ft1"
                     : "=r"(r) : "r"(&w) : "ft0", "ft1");
    CHECK_EQ(r, 0x3f800000);
    __asm__ volatile("flw ft0, 0(%1)\n fmv.x.w %0, ft0" : "=r"(r) : "r"(&w) : "ft0");
    CHECK_EQ(r, 0xffffffffbf800000ull);
    /* sign injection: exact bits for doubles, boxing rules for singles, no flags */
    clear_flags();
    CHECK_EQ(FOP_D("fsgnj.d", 0x7ff8dead00000001, 0x8000000000000000), 0xfff8dead00000001);
    CHECK_EQ(FOP_D("fsgnjn.d", 0xbff0000000000000, 0xbff0000000000000), 0x3ff0000000000000);
    CHECK_EQ(FOP_D("fsgnjx.d", 0xbff0000000000000, 0xbff0000000000000), 0x3ff0000000000000);
    CHECK_EQ(FOP_D("fsgnjx.d", 0x3ff0000000000000, 0xbff0000000000000), 0xbff0000000000000);
    CHECK_EQ(FOP_D("fsgnj.s", BOX(0x3f800000), BOX(0x80000000)), BOX(0xbf800000));
    CHECK_EQ(FOP_D("fsgnjn.s", BOX(0x3f800000), BOX(0x80000000)), BOX(0x3f800000));
    CHECK_EQ(FOP_D("fsgnj.s", 0x000000003f800000, BOX(0x80000000)), BOX(0xffc00000));
    CHECK_EQ(FOP_D("fsgnjx.s", BOX(0xbf800000), 0x0000000000000000), BOX(0xbf800000));
    CHECK_EQ(flags(), 0);
    /* fcvt.d.s of a non-boxed value: canonical NaN */
    __asm__ volatile("fmv.d.x ft0, %1\n fcvt.d.s ft1, ft0\n fmv.x.d %0, ft1"
                     : "=r"(r) : "r"(fmv_d(0x3ff0000000000000ull)) : "ft0", "ft1");
    CHECK_EQ(r, 0x7ff8000000000000);
}

static void test_minmax_cmp_class(void)
{
    clear_flags();
    CHECK_EQ(FOP_D("fmin.d", 0x7ff0000000000001, 0x3ff0000000000000), 0x3ff0000000000000);
    CHECK_EQ(flags(), NV);              /* sNaN signals, the other operand is returned */
    clear_flags();
    CHECK_EQ(FOP_D("fmax.d", 0x7ff8000000000000, 0x7ff8000000000000), 0x7ff8000000000000);
    CHECK_EQ(flags(), 0);
    CHECK_EQ(FOP_D("fmin.d", 0, 0x8000000000000000), 0x8000000000000000);
    CHECK_EQ(FOP_D("fmax.d", 0x8000000000000000, 0), 0);
    CHECK_EQ(FCMP_D("flt.d", 0x7ff8000000000000, 0), 0);
    CHECK_EQ(flags(), NV);              /* flt signals on quiet NaN */
    clear_flags();
    CHECK_EQ(FCMP_D("feq.d", 0x7ff8000000000000, 0), 0);
    CHECK_EQ(flags(), 0);               /* feq is quiet */
    CHECK_EQ(FCMP_D("feq.d", 0x8000000000000000, 0), 1);
    CHECK_EQ(FCMP_D("fle.d", 0xbff0000000000000, 0xbff0000000000000), 1);
    CHECK_EQ(FCVT("fclass.d %0, ft0", 0xfff0000000000000), 1 << 0);
    CHECK_EQ(FCVT("fclass.d %0, ft0", 0x8000000000000001), 1 << 2);
    CHECK_EQ(FCVT("fclass.d %0, ft0", 0x0000000000000000), 1 << 4);
    CHECK_EQ(FCVT("fclass.d %0, ft0", 0x7ff0000000000001), 1 << 8);
    CHECK_EQ(FCVT("fclass.d %0, ft0", 0x7ff8000000000000), 1 << 9);
    CHECK_EQ(FCVT("fclass.s %0, ft0", 0xffffffff00800000), 1 << 6);
    CHECK_EQ(FCVT("fclass.s %0, ft0", 0x0000000000800000), 1 << 9);   /* unboxed: NaN */
}

static void test_convert(void)
{
    clear_flags();
    CHECK_EQ(FCVT("fcvt.w.d %0, ft0, rtz", 0x41e0000000000000), 0x7fffffff);   /* 2^31 */
    CHECK_EQ(flags(), NV);
    clear_flags();
    CHECK_EQ(FCVT("fcvt.w.d %0, ft0, rtz", 0xc1e0000000000000), 0xffffffff80000000ull);
    CHECK_EQ(flags(), 0);
    CHECK_EQ(FCVT("fcvt.wu.d %0, ft0, rtz", 0xbff0000000000000), 0);           /* -1 */
    CHECK_EQ(flags(), NV);
    clear_flags();
    CHECK_EQ(FCVT("fcvt.wu.d %0, ft0, rtz", 0xbfe0000000000000), 0);           /* -0.5 */
    CHECK_EQ(flags(), NX);
    CHECK_EQ(FCVT("fcvt.wu.d %0, ft0, rtz", 0x41efffffffe00000), 0xffffffffffffffffull);
    CHECK_EQ(FCVT("fcvt.l.d %0, ft0, rtz", 0x7ff8000000000000), 0x7fffffffffffffffull);
    CHECK_EQ(FCVT("fcvt.l.d %0, ft0, rtz", 0xfff0000000000000), 0x8000000000000000ull);
    CHECK_EQ(FCVT("fcvt.lu.d %0, ft0, rtz", 0x7ff0000000000000), -1ull);
    CHECK_EQ(FCVT("fcvt.lu.s %0, ft0, rtz", BOX(0x7fc00000)), -1ull);
    CHECK_EQ(FCVT("fcvt.w.s %0, ft0, rne", BOX(0x40200000)), 2);               /* 2.5 */
    CHECK_EQ(FCVT("fcvt.w.s %0, ft0, rmm", BOX(0x40200000)), 3);
    CHECK_EQ(FCVT("fcvt.w.s %0, ft0, rdn", BOX(0xc0200000)), -3ull);
    CHECK_EQ(FCVT("fcvt.w.s %0, ft0, rup", BOX(0xc0200000)), -2ull);
    uint64_t r;
    __asm__ volatile("fcvt.s.w ft0, %1, rmm\n fmv.x.d %0, ft0" : "=r"(r) : "r"(16777217ull) : "ft0");
    CHECK_EQ(r, BOX(0x4b800001));
    __asm__ volatile("fcvt.d.lu ft0, %1, rtz\n fmv.x.d %0, ft0" : "=r"(r) : "r"(-1ull) : "ft0");
    CHECK_EQ(r, 0x43efffffffffffff);
    __asm__ volatile("fmv.d.x ft0, %1\n fcvt.s.d ft1, ft0, rmm\n fmv.x.d %0, ft1"
                     : "=r"(r) : "r"(0x3690000000000000ull) : "ft0", "ft1");
    CHECK_EQ(r, BOX(1));                /* 2^-150 rounds away to the least subnormal */
}

static void test_fma(void)
{
    uint64_t r;
    /* fused: (1+2^-23)^2 - (1+2^-22) = 2^-46 exactly (unfused would give 0) */
    __asm__ volatile("fmv.w.x ft0, %1\n fmv.w.x ft1, %2\n fmadd.s ft2, ft0, ft0, ft1\n"
                     "fmv.x.w %0, ft2" : "=r"(r) : "r"(0x3f800001ull), "r"(0xbf800002ull)
                     : "ft0", "ft1", "ft2");
    CHECK_EQ(r, 0x28800000);
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fnmsub.d ft2, ft0, ft0, ft1\n"
                     "fmv.x.d %0, ft2" : "=r"(r) : "r"(0x4000000000000000ull),
                     "r"(0x4010000000000000ull) : "ft0", "ft1", "ft2");
    CHECK_EQ(r, 0);                     /* -(2*2) + 4 = +0 */
    clear_flags();
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, zero\n fmv.d.x ft2, %2\n"
                     "fmadd.d ft3, ft0, ft1, ft2\n fmv.x.d %0, ft3"
                     : "=r"(r) : "r"(0x7ff0000000000000ull), "r"(0x7ff8000000000000ull)
                     : "ft0", "ft1", "ft2", "ft3");
    CHECK_EQ(r, 0x7ff8000000000000);
    CHECK_EQ(flags(), NV);              /* inf * 0 + qNaN is invalid */
}

static void test_traps(void)
{
    uint32_t insn;

    /* a reserved dynamic rounding mode: illegal instruction with mtval = the insn */
    csr_write(frm, 5);
    __asm__ volatile("la t0, 1f\n lwu %0, 0(t0)\n j 2f\n 1: fadd.d ft0, ft0, ft0, dyn\n 2:"
                     : "=r"(insn) : : "t0");
    CHECK_TRAP(__asm__ volatile("fadd.d ft0, ft0, ft0, dyn"), 2, insn);
    csr_write(frm, 0);
    /* static reserved rounding mode 5 */
    CHECK_TRAP(__asm__ volatile(".4byte 0x02005053"), 2, 0x02005053);
    /* FS = Off: every FP instruction and fcsr access is illegal */
    csr_clear(mstatus, MSTATUS_FS);
    CHECK_TRAP(__asm__ volatile("fmv.x.d t0, ft0" ::: "t0"), 2, 0xe20002d3);
    CHECK_TRAP(__asm__ volatile("csrr t0, fflags" ::: "t0"), 2, 0x001022f3);
    /* FS goes Initial -> Dirty on an FP write; SD follows */
    csr_set(mstatus, 1ul << 13);
    CHECK_EQ(csr_read(mstatus) & MSTATUS_FS, 1ul << 13);
    __asm__ volatile("fmv.d.x ft0, zero");
    CHECK_EQ(csr_read(mstatus) & MSTATUS_FS, MSTATUS_FS);
    CHECK(csr_read(mstatus) >> 63);
}

int main(void)
{
    test_rounding();
    test_flags();
    test_nan();
    test_minmax_cmp_class();
    test_convert();
    test_fma();
    test_traps();
    return 0;
}
