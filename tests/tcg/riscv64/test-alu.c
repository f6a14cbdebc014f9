/* RV64I and M: arithmetic, W-form sign extension, shifts, compares, division corner cases. */
#include "test.h"
#include "ops.h"

#define MIN64 0x8000000000000000ull
#define MIN32 0xffffffff80000000ull

static void test_basic(void)
{
    CHECK_EQ(RR("add", 5, -7), -2);
    CHECK_EQ(RR("sub", 0, 1), -1ull);
    CHECK_EQ(RR("slt", -1, 0), 1);
    CHECK_EQ(RR("sltu", -1, 0), 0);
    CHECK_EQ(RI("slti", -5, -4), 1);
    CHECK_EQ(RI("sltiu", 3, -1), 1);        /* imm sign-extended, compared unsigned */
    CHECK_EQ(RR("xor", 0xf0f0, 0xff00), 0x0ff0);
    CHECK_EQ(RI("andi", -1, -2048), -2048ull);
    CHECK_EQ(RI("ori", 0, -1), -1ull);
    CHECK_EQ(RI("xori", 5, -1), ~5ull);
}

static void test_w_forms(void)
{
    /* results are sign-extended from bit 31 (spec 4.2) */
    CHECK_EQ(RR("addw", 0x7fffffff, 1), MIN32);
    CHECK_EQ(RR("addw", 0xffffffff00000001ull, 0), 1);
    CHECK_EQ(RR("subw", 0, 1), -1ull);
    CHECK_EQ(RI("addiw", 0x7fffffff, 1), MIN32);
    CHECK_EQ(RI("addiw", 0x123456789ull, 0), 0x23456789);   /* sext.w */
    CHECK_EQ(RR("mulw", 0x10000, 0x8000), MIN32);
    CHECK_EQ(RI("slliw", 1, 31), MIN32);
    CHECK_EQ(RI("srliw", 0x80000000ull, 31), 1);
    CHECK_EQ(RI("srliw", 0xffffffff00000000ull, 4), 0);
    CHECK_EQ(RI("sraiw", 0x80000000ull, 4), 0xfffffffff8000000ull);
    CHECK_EQ(RI("srliw", 0x80000000ull, 0), MIN32);          /* shift by 0 still sign-extends */
    CHECK_EQ(RR("sllw", 1, 63), MIN32);                       /* shamt = rs2 & 31 */
    CHECK_EQ(RR("srlw", 0x80000000ull, 32 + 31), 1);
    CHECK_EQ(RR("sraw", 0x80000000ull, 33), 0xffffffffc0000000ull);
}

static void test_shifts(void)
{
    CHECK_EQ(RR("sll", 1, 63), MIN64);
    CHECK_EQ(RR("sll", 1, 64), 1);                            /* shamt = rs2 & 63 */
    CHECK_EQ(RR("srl", MIN64, 63), 1);
    CHECK_EQ(RR("sra", MIN64, 63), -1ull);
    CHECK_EQ(RI("slli", 3, 62), 0xc000000000000000ull);
    CHECK_EQ(RI("srli", -1, 60), 15);
    CHECK_EQ(RI("srai", 0x8000000000000000ull, 1), 0xc000000000000000ull);
}

static void test_upper_and_jumps(void)
{
    uint64_t v, pc, link;

    __asm__ volatile("lui %0, 0x80000" : "=r"(v));
    CHECK_EQ(v, 0xffffffff80000000ull);                      /* lui sign-extends */
    __asm__ volatile("1: auipc %0, 0\n la %1, 1b" : "=r"(v), "=r"(pc));
    CHECK_EQ(v, pc);
    __asm__ volatile("jal %0, 1f\n 2: nop\n 1: la %1, 2b" : "=r"(link), "=r"(pc));
    CHECK_EQ(link, pc);
    /* jalr clears bit 0 of the target and rd may equal rs1 */
    __asm__ volatile("la %0, 1f + 1\n jalr %0, 0(%0)\n 2: nop\n 1: la %1, 2b"
                     : "=&r"(link), "=r"(pc));
    CHECK_EQ(link, pc);
}

static int branch(uint64_t a, uint64_t b)
{
    int r = 0;
    __asm__ volatile("beq %1, %2, 1f\n ori %0, %0, 1\n 1:\n"
                     "bne %1, %2, 1f\n ori %0, %0, 2\n 1:\n"
                     "blt %1, %2, 1f\n ori %0, %0, 4\n 1:\n"
                     "bge %1, %2, 1f\n ori %0, %0, 8\n 1:\n"
                     "bltu %1, %2, 1f\n ori %0, %0, 16\n 1:\n"
                     "bgeu %1, %2, 1f\n ori %0, %0, 32\n 1:\n"
                     : "+r"(r) : "r"(a), "r"(b));
    return r;   /* bit set = branch NOT taken */
}

static void test_branches(void)
{
    CHECK_EQ(branch(1, 1), 2 | 4 | 16);
    CHECK_EQ(branch(-1, 1), 1 | 8 | 16);    /* -1 < 1 signed, > unsigned */
    CHECK_EQ(branch(1, -1), 1 | 4 | 32);
}

static void test_mul(void)
{
    CHECK_EQ(RR("mul", -3, 7), -21);
    CHECK_EQ(RR("mulh", MIN64, MIN64), 0x4000000000000000ull);
    CHECK_EQ(RR("mulh", -1, 1), -1ull);
    CHECK_EQ(RR("mulhu", -1, -1), 0xfffffffffffffffeull);
    CHECK_EQ(RR("mulhsu", -1, -1), -1ull);          /* -1 * (2^64-1) */
    CHECK_EQ(RR("mulhsu", 1, -1), 0);
}

static void test_div(void)
{
    /* division by zero (spec 7.2, table 7.1) */
    CHECK_EQ(RR("div", 7, 0), -1ull);
    CHECK_EQ(RR("divu", 7, 0), -1ull);
    CHECK_EQ(RR("rem", 7, 0), 7);
    CHECK_EQ(RR("remu", 7, 0), 7);
    CHECK_EQ(RR("divw", 7, 0), -1ull);
    CHECK_EQ(RR("divuw", 7, 0), -1ull);
    CHECK_EQ(RR("remw", 0x80000007ull, 0), 0xffffffff80000007ull);
    CHECK_EQ(RR("remuw", 0x80000007ull, 0), 0xffffffff80000007ull);
    /* overflow */
    CHECK_EQ(RR("div", MIN64, -1), MIN64);
    CHECK_EQ(RR("rem", MIN64, -1), 0);
    CHECK_EQ(RR("divw", 0x80000000ull, -1), MIN32);
    CHECK_EQ(RR("remw", 0x80000000ull, -1), 0);
    /* ordinary, signs, and W forms read only the low 32 bits */
    CHECK_EQ(RR("div", -7, 2), -3ull);
    CHECK_EQ(RR("rem", -7, 2), -1ull);
    CHECK_EQ(RR("divu", -1, 2), 0x7fffffffffffffffull);
    CHECK_EQ(RR("divw", 0x1fffffff9ull, 2), -3ull);
    CHECK_EQ(RR("divuw", 0xffffffffull, 1), -1ull);
    CHECK_EQ(RR("remuw", 0x1ffffffffull, 0x10), 15);
}

static void test_loads_stores(void)
{
    static volatile uint64_t buf[2];
    uint64_t v;

    buf[0] = 0x8081828384858687ull;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(v) : "r"(buf));
    CHECK_EQ(v, 0xffffffffffffff87ull);
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(buf));
    CHECK_EQ(v, 0x87);
    __asm__ volatile("lh %0, 6(%1)" : "=r"(v) : "r"(buf));
    CHECK_EQ(v, 0xffffffffffff8081ull);
    __asm__ volatile("lhu %0, 6(%1)" : "=r"(v) : "r"(buf));
    CHECK_EQ(v, 0x8081);
    __asm__ volatile("lw %0, 4(%1)" : "=r"(v) : "r"(buf));
    CHECK_EQ(v, 0xffffffff80818283ull);
    __asm__ volatile("lwu %0, 4(%1)" : "=r"(v) : "r"(buf));
    CHECK_EQ(v, 0x80818283);
    __asm__ volatile("sh %1, 2(%0)" :: "r"(buf), "r"(0x1234abcdull) : "memory");
    CHECK_EQ(buf[0], 0x80818283abcd8687ull);
    __asm__ volatile("sb %1, 7(%0)" :: "r"(buf), "r"(0x55ull) : "memory");
    CHECK_EQ(buf[0], 0x55818283abcd8687ull);
    /* x0 stays zero */
    __asm__ volatile("addi x0, x0, 5\n mv %0, x0" : "=r"(v));
    CHECK_EQ(v, 0);
}

int main(void)
{
    test_basic();
    test_w_forms();
    test_shifts();
    test_upper_and_jumps();
    test_branches();
    test_mul();
    test_div();
    test_loads_stores();
    return 0;
}
