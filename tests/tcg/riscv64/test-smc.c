/* Self-modifying code: new instructions become visible after fence.i
 * (Zifencei), including code in the block that is executing. */
#include "test.h"

static uint32_t code[16] __attribute__((aligned(64)));

#define LI_A0(imm) (0x00000513u | ((uint32_t)(imm) << 20))   /* addi a0, zero, imm */
#define RET 0x00008067u

static long run(void)
{
    return ((long (*)(void))code)();
}

/* Patch the immediate of the addi three instructions ahead, then run it. */
static long patch_ahead(uint32_t insn)
{
    long r;
    __asm__ volatile(".option push\n .option norvc\n"
                     "la t0, 1f\n sw %1, 0(t0)\n fence.i\n 1: addi a0, zero, 1\n mv %0, a0\n"
                     ".option pop"
                     : "=r"(r) : "r"(insn) : "t0", "a0", "memory");
    return r;
}

int main(void)
{
    code[0] = LI_A0(1);
    code[1] = RET;
    __asm__ volatile("fence.i" ::: "memory");
    CHECK_EQ(run(), 1);
    for (int i = 2; i < 50; i++) {
        code[0] = LI_A0(i);
        __asm__ volatile("fence.i" ::: "memory");
        CHECK_EQ(run(), i);
    }
    /* a longer routine, replaced wholesale */
    for (int i = 0; i < 14; i++) {
        code[i] = 0x00150513u;          /* addi a0, a0, 1 */
    }
    code[0] = LI_A0(0);
    code[14] = RET;
    __asm__ volatile("fence.i" ::: "memory");
    CHECK_EQ(run(), 13);
    /* code patched inside the running block */
    CHECK_EQ(patch_ahead(LI_A0(5)), 5);
    CHECK_EQ(patch_ahead(LI_A0(9)), 9);
    return 0;
}
