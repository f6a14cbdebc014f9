/* Zba, Zbb, Zbc, Zbs: each instruction with edge values (Zb* spec 1.0). */
#include "test.h"
#include "ops.h"

int main(void)
{
    /* Zba */
    CHECK_EQ(RR("add.uw", 0xffffffff80000000ull, 1), 0x80000001);
    CHECK_EQ(RR("sh1add", 3, 1), 7);
    CHECK_EQ(RR("sh2add", 3, 1), 13);
    CHECK_EQ(RR("sh3add", -1, 0), -8ull);
    CHECK_EQ(RR("sh1add.uw", 0xffffffff00000003ull, 1), 7);
    CHECK_EQ(RR("sh2add.uw", 0x80000000ull, 0), 0x200000000ull);
    CHECK_EQ(RR("sh3add.uw", -1, 0), 0x7fffffff8ull);
    CHECK_EQ(RI("slli.uw", 0xffffffff80000001ull, 1), 0x100000002ull);
    CHECK_EQ(RI("slli.uw", 0xffffffffffffffffull, 63), 0x8000000000000000ull);
    /* Zbb */
    CHECK_EQ(RR("andn", 0xff, 0x0f), 0xf0);
    CHECK_EQ(RR("orn", 0, -2), 1);
    CHECK_EQ(RR("xnor", 0xff, 0x0f), ~0xf0ull);
    CHECK_EQ(R1("clz", 0), 64);
    CHECK_EQ(R1("clz", 1), 63);
    CHECK_EQ(R1("clz", -1), 0);
    CHECK_EQ(R1("ctz", 0), 64);
    CHECK_EQ(R1("ctz", 0x8000000000000000ull), 63);
    CHECK_EQ(R1("cpop", -1), 64);
    CHECK_EQ(R1("clzw", 0xffffffff00000000ull), 32);
    CHECK_EQ(R1("clzw", 0x00008000), 16);
    CHECK_EQ(R1("ctzw", 0xffffffff00000000ull), 32);
    CHECK_EQ(R1("ctzw", 0x80000000), 31);
    CHECK_EQ(R1("cpopw", 0xffffffff0000000full), 4);
    CHECK_EQ(R1("sext.b", 0x80), -128ull);
    CHECK_EQ(R1("sext.h", 0x12348000), 0xffffffffffff8000ull);
    CHECK_EQ(R1("zext.h", -1), 0xffff);
    CHECK_EQ(RR("max", -1, 1), 1);
    CHECK_EQ(RR("maxu", -1, 1), -1ull);
    CHECK_EQ(RR("min", -1, 1), -1ull);
    CHECK_EQ(RR("minu", -1, 1), 1);
    CHECK_EQ(RR("rol", 0x8000000000000001ull, 1), 3);
    CHECK_EQ(RR("rol", 1, 64 + 4), 16);
    CHECK_EQ(RR("ror", 1, 1), 0x8000000000000000ull);
    CHECK_EQ(RR("rolw", 0x80000001ull, 1), 3);
    CHECK_EQ(RR("rorw", 1, 1), 0xffffffff80000000ull);
    CHECK_EQ(RR("rorw", 0xffffffff00000002ull, 33), 1);
    CHECK_EQ(RI("rori", 0xf0, 4), 0x000000000000000full);
    CHECK_EQ(RI("rori", 1, 63), 2);
    CHECK_EQ(RI("roriw", 1, 1), 0xffffffff80000000ull);
    CHECK_EQ(R1("orc.b", 0x0001000080000010ull), 0x00ff0000ff0000ffull);
    CHECK_EQ(R1("rev8", 0x0102030405060708ull), 0x0807060504030201ull);
    /* Zbc */
    CHECK_EQ(RR("clmul", 3, 3), 5);
    CHECK_EQ(RR("clmul", 0x8000000000000001ull, 2), 2);
    CHECK_EQ(RR("clmulh", 0x8000000000000000ull, 2), 1);
    CHECK_EQ(RR("clmulh", -1, -1), 0x5555555555555555ull);
    CHECK_EQ(RR("clmulr", 0x8000000000000000ull, 1), 1);
    CHECK_EQ(RR("clmulr", -1, -1), 0xaaaaaaaaaaaaaaaaull);
    /* Zbs */
    CHECK_EQ(RR("bclr", -1, 64 + 63), 0x7fffffffffffffffull);
    CHECK_EQ(RR("bset", 0, 32), 0x100000000ull);
    CHECK_EQ(RR("binv", 5, 0), 4);
    CHECK_EQ(RR("bext", 0x100, 8), 1);
    CHECK_EQ(RR("bext", 0x100, 72), 1);
    CHECK_EQ(RI("bclri", -1, 63), 0x7fffffffffffffffull);
    CHECK_EQ(RI("bseti", 0, 63), 0x8000000000000000ull);
    CHECK_EQ(RI("binvi", 0, 40), 0x10000000000ull);
    CHECK_EQ(RI("bexti", 0x8000000000000000ull, 63), 1);
    return 0;
}
