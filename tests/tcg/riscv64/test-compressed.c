/* RV64C: each compressed encoding, written explicitly, against its expansion. */
#include "test.h"

static uint64_t buf[4];

int main(void)
{
    uint64_t a, b;

    __asm__ volatile(".option push\n .option rvc\n"
                     "li a0, 0\n c.addi a0, -17\n mv %0, a0\n .option pop"
                     : "=r"(a) : : "a0");
    CHECK_EQ(a, -17ull);
    __asm__ volatile("c.li a0, 31\n c.slli a0, 58\n c.srai a0, 2\n mv %0, a0" : "=r"(a) : : "a0");
    CHECK_EQ(a, 0x1f00000000000000ull);
    __asm__ volatile("c.li a0, -1\n c.srli a0, 63\n mv %0, a0" : "=r"(a) : : "a0");
    CHECK_EQ(a, 1);
    __asm__ volatile("c.li a0, -1\n c.andi a0, 0x15\n mv %0, a0" : "=r"(a) : : "a0");
    CHECK_EQ(a, 0x15);
    __asm__ volatile("c.lui a0, 0xfffe1\n mv %0, a0" : "=r"(a) : : "a0");
    CHECK_EQ(a, 0xfffffffffffe1000ull);
    /* c.addiw sign-extends */
    __asm__ volatile("li a0, 0x7fffffff\n c.addiw a0, 1\n mv %0, a0" : "=r"(a) : : "a0");
    CHECK_EQ(a, 0xffffffff80000000ull);
    __asm__ volatile("li a0, 0x7fffffff\n li a1, 1\n c.addw a0, a1\n mv %0, a0"
                     : "=r"(a) : : "a0", "a1");
    CHECK_EQ(a, 0xffffffff80000000ull);
    __asm__ volatile("li a0, 0\n li a1, 1\n c.subw a0, a1\n mv %0, a0" : "=r"(a) : : "a0", "a1");
    CHECK_EQ(a, -1ull);
    __asm__ volatile("li a0, 12\n li a1, 10\n c.sub a0, a1\n c.xor a0, a1\n c.or a0, a1\n"
                     "c.and a0, a1\n mv %0, a0" : "=r"(a) : : "a0", "a1");
    CHECK_EQ(a, ((((12 - 10) ^ 10) | 10) & 10));
    __asm__ volatile("li a1, 40\n c.mv a0, a1\n c.add a0, a1\n mv %0, a0" : "=r"(a) : : "a0", "a1");
    CHECK_EQ(a, 80);
    /* stack-pointer forms */
    __asm__ volatile("mv t0, sp\n c.addi16sp sp, -64\n c.addi4spn a0, sp, 16\n mv %0, a0\n"
                     "mv %1, sp\n mv sp, t0" : "=r"(a), "=r"(b) : : "a0", "t0");
    CHECK_EQ(a, b + 16);
    __asm__ volatile("addi sp, sp, -32\n li a1, -5\n c.sdsp a1, 8(sp)\n c.swsp a1, 16(sp)\n"
                     "c.ldsp a0, 8(sp)\n c.lwsp a2, 16(sp)\n add a0, a0, a2\n addi sp, sp, 32\n"
                     "mv %0, a0" : "=r"(a) : : "a0", "a1", "a2", "memory");
    CHECK_EQ(a, -10ull);
    /* register-based loads/stores use x8..x15 */
    __asm__ volatile("mv s0, %1\n li a1, -3\n c.sd a1, 8(s0)\n c.sw a1, 16(s0)\n"
                     "c.ld a2, 8(s0)\n c.lw a3, 16(s0)\n add %0, a2, a3"
                     : "=r"(a) : "r"(buf) : "s0", "a1", "a2", "a3", "memory");
    CHECK_EQ(a, -6ull);
    CHECK_EQ(buf[1], -3ull);
    CHECK_EQ(buf[2], 0xfffffffdull);
    /* FP loads/stores */
    __asm__ volatile("mv s0, %1\n li a1, 0x4000000000000000\n sd a1, 0(s0)\n c.fld fa0, 0(s0)\n"
                     "c.fsd fa0, 24(s0)\n addi sp, sp, -16\n c.fsdsp fa0, 0(sp)\n c.fldsp fa1, 0(sp)\n"
                     "addi sp, sp, 16\n fmv.x.d %0, fa1"
                     : "=r"(a) : "r"(buf) : "s0", "a1", "fa0", "fa1", "memory");
    CHECK_EQ(a, 0x4000000000000000ull);
    CHECK_EQ(buf[3], 0x4000000000000000ull);
    /* control flow */
    __asm__ volatile("li a0, 0\n c.j 1f\n li a0, 1\n 1: mv %0, a0" : "=r"(a) : : "a0");
    CHECK_EQ(a, 0);
    __asm__ volatile("li a0, 0\n li s0, 0\n c.beqz s0, 1f\n li a0, 1\n 1:\n"
                     "c.bnez s0, 2f\n addi a0, a0, 2\n 2: mv %0, a0" : "=r"(a) : : "a0", "s0");
    CHECK_EQ(a, 2);
    __asm__ volatile("la a1, 1f\n c.jr a1\n li a0, 7\n 1: li %0, 3" : "=r"(a) : : "a1", "a0");
    CHECK_EQ(a, 3);
    __asm__ volatile("mv t1, ra\n la a1, 1f\n c.jalr a1\n 2: j 3f\n 1: mv %0, ra\n c.jr ra\n"
                     "3: mv ra, t1" : "=r"(a) : : "a1", "t1", "ra");
    __asm__ volatile("la %0, 2b" : "=r"(b));
    CHECK_EQ(a, b);
    /* c.ebreak raises a breakpoint; QEMU 7.2 leaves mtval 0 */
    CHECK_TRAP(__asm__ volatile("c.ebreak"), 3, 0);
    CHECK_EQ(*(volatile uint16_t *)last_trap.epc, 0x9002);
    /* the all-zero parcel is illegal; mtval = the instruction bits (0) */
    CHECK_TRAP(__asm__ volatile(".2byte 0"), 2, 0);
    /* reserved: c.addi16sp with 0 */
    CHECK_TRAP(__asm__ volatile(".2byte 0x6101"), 2, 0x6101);
    return 0;
}
