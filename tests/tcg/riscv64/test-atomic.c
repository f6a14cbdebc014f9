/* A: LR/SC success and failure, every AMO (W results sign-extended), alignment traps. */
#include "test.h"

static volatile uint64_t mem[4] __attribute__((aligned(16)));

#define AMO(insn, addr, src) ({ uint64_t _d; \
    __asm__ volatile(insn " %0, %2, (%1)" : "=r"(_d) : "r"(addr), "r"((uint64_t)(src)) : "memory"); _d; })

static void check_amo_d(void)
{
    volatile uint64_t *p = &mem[0];

    *p = 5;
    CHECK_EQ(AMO("amoswap.d", p, 9), 5); CHECK_EQ(*p, 9);
    CHECK_EQ(AMO("amoadd.d", p, -10), 9); CHECK_EQ(*p, -1ull);
    CHECK_EQ(AMO("amoxor.d", p, 0xff), -1ull); CHECK_EQ(*p, ~0xffull);
    CHECK_EQ(AMO("amoand.d.aq", p, 0xf0f), ~0xffull); CHECK_EQ(*p, 0xf00);
    CHECK_EQ(AMO("amoor.d.rl", p, 1), 0xf00); CHECK_EQ(*p, 0xf01);
    *p = -2;
    CHECK_EQ(AMO("amomin.d", p, 3), -2ull); CHECK_EQ(*p, -2ull);
    CHECK_EQ(AMO("amomax.d", p, 3), -2ull); CHECK_EQ(*p, 3);
    CHECK_EQ(AMO("amominu.d", p, -1), 3); CHECK_EQ(*p, 3);
    CHECK_EQ(AMO("amomaxu.d.aqrl", p, -1), 3); CHECK_EQ(*p, -1ull);
}

static void check_amo_w(void)
{
    volatile uint32_t *p = (volatile uint32_t *)&mem[1];
    volatile uint32_t *hi = p + 1;

    *hi = 0x12345678;
    *p = 0x7fffffff;
    CHECK_EQ(AMO("amoadd.w", p, 1), 0x7fffffff); CHECK_EQ(*p, 0x80000000);
    CHECK_EQ(AMO("amoswap.w", p, 3), 0xffffffff80000000ull);   /* sign-extended old value */
    CHECK_EQ(AMO("amoxor.w", p, -1), 3); CHECK_EQ(*p, 0xfffffffc);
    CHECK_EQ(AMO("amoand.w", p, 0xff), 0xfffffffffffffffcull); CHECK_EQ(*p, 0xfc);
    CHECK_EQ(AMO("amoor.w", p, 0x80000000), 0xfc); CHECK_EQ(*p, 0x800000fc);
    /* signed vs unsigned compare on 32 bits; rs2's upper bits are ignored */
    CHECK_EQ(AMO("amomin.w", p, 0x100000005ull), 0xffffffff800000fcull); CHECK_EQ(*p, 0x800000fc);
    CHECK_EQ(AMO("amomax.w", p, 0x100000005ull), 0xffffffff800000fcull); CHECK_EQ(*p, 5);
    CHECK_EQ(AMO("amominu.w", p, 0xfffffffe), 5); CHECK_EQ(*p, 5);
    CHECK_EQ(AMO("amomaxu.w", p, 0xfffffffe), 5); CHECK_EQ(*p, 0xfffffffe);
    CHECK_EQ(*hi, 0x12345678);          /* neighbour untouched */
}

static uint64_t lr_d(volatile uint64_t *p)
{
    uint64_t v;
    __asm__ volatile("lr.d %0, (%1)" : "=r"(v) : "r"(p) : "memory");
    return v;
}

static uint64_t sc_d(volatile uint64_t *p, uint64_t v)
{
    uint64_t r;
    __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
    return r;
}

static void check_lr_sc(void)
{
    volatile uint64_t *p = &mem[2], *q = &mem[3];
    uint64_t r;

    *p = 10;
    CHECK_EQ(lr_d(p), 10);
    CHECK_EQ(sc_d(p, 11), 0);           /* success writes 0 */
    CHECK_EQ(*p, 11);
    CHECK(sc_d(p, 12) != 0);            /* reservation consumed */
    CHECK_EQ(*p, 11);
    lr_d(p);
    CHECK(sc_d(q, 1) != 0);             /* other address fails */
    CHECK(sc_d(p, 13) != 0);            /* ... and the failed SC dropped the reservation */
    lr_d(p);
    *p = 99;                            /* the reserved word changed under the reservation */
    CHECK(sc_d(p, 14) != 0);
    CHECK_EQ(*p, 99);
    /* lr.w sign-extends; sc.w stores 32 bits */
    *(volatile uint32_t *)p = 0x80000000;
    __asm__ volatile("lr.w %0, (%1)" : "=r"(r) : "r"(p) : "memory");
    CHECK_EQ(r, 0xffffffff80000000ull);
    __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(0x1111111122222222ull) : "memory");
    CHECK_EQ(r, 0);
    CHECK_EQ(*(volatile uint32_t *)p, 0x22222222);
    /* a trap between LR and SC breaks the reservation */
    lr_d(p);
    CHECK_TRAP(__asm__ volatile("ecall"), 11, 0);
    CHECK(sc_d(p, 15) != 0);
}

static void check_misaligned(void)
{
    uint64_t a = (uint64_t)&mem[0] + 4;
    uint64_t b = (uint64_t)&mem[0] + 2;

    /*
     * AMOs need natural alignment (spec 8.4): store/AMO address misaligned
     * (6). QEMU 7.2 reports a load misaligned (4) for AMOs, so both are
     * accepted here; Tern raises 6 as the spec says.
     */
    int n = last_trap.count;
    AMO("amoadd.d", a, 1);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK(last_trap.cause == 6 || last_trap.cause == 4);
    CHECK_EQ(last_trap.tval, a);
    AMO("amoswap.w", b, 1);
    CHECK_EQ(last_trap.count, n + 2);
    CHECK(last_trap.cause == 6 || last_trap.cause == 4);
    CHECK_EQ(last_trap.tval, b);
    CHECK_EQ(mem[0], -1ull);            /* nothing written */
    CHECK_TRAP(lr_d((volatile uint64_t *)a), 4, a);
}

int main(void)
{
    check_amo_d();
    check_amo_w();
    check_lr_sc();
    check_misaligned();
    return 0;
}
