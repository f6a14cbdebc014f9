/*
 * Short forward branches, which the translator keeps inside one block (a
 * label at the target instead of two exits): if/then, if/else, a jump and
 * link in the skipped part (the block ends before the target), and
 * mstatus.FS set Dirty on one side of the branch only.
 */
#include "test.h"

static __attribute__((noinline)) uint64_t if_then(uint64_t c, uint64_t x)
{
    uint64_t r;

    __asm__ volatile("mv %0, %2\n beqz %1, 1f\n addi %0, %0, 5\n slli %0, %0, 1\n"
                     "1: addi %0, %0, 1" : "=&r"(r) : "r"(c), "r"(x));
    return r;
}

static __attribute__((noinline)) uint64_t if_else(uint64_t c, uint64_t x)
{
    uint64_t r;

    __asm__ volatile("beqz %1, 1f\n addi %0, %2, 10\n j 2f\n 1: addi %0, %2, 20\n"
                     "2: addi %0, %0, 1" : "=&r"(r) : "r"(c), "r"(x));
    return r;
}

/* c != 0: 2x + 7 through a local "call"; c == 0: x + 7 */
static __attribute__((noinline)) uint64_t skip_call(uint64_t c, uint64_t x)
{
    uint64_t r;

    __asm__ volatile("mv t1, %2\n beqz %1, 1f\n jal t0, 3f\n"
                     "1: addi t1, t1, 7\n j 4f\n"
                     "3: slli t1, t1, 1\n jr t0\n"
                     "4: mv %0, t1" : "=r"(r) : "r"(c), "r"(x) : "t0", "t1");
    return r;
}

/* An FP write on the skipped side only must not stop the other from dirtying FS. */
static __attribute__((noinline)) void fp_write_after_skip(uint64_t c)
{
    __asm__ volatile("beqz %0, 1f\n fmv.d.x ft0, zero\n 1: fmv.d.x ft1, zero"
                     : : "r"(c) : "ft0", "ft1");
}

int main(void)
{
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(if_then(1, 3), 17);
        CHECK_EQ(if_then(0, 3), 4);
        CHECK_EQ(if_else(1, 3), 14);
        CHECK_EQ(if_else(0, 3), 24);
        CHECK_EQ(skip_call(1, 5), 17);
        CHECK_EQ(skip_call(0, 5), 12);
    }
    for (uint64_t c = 0; c < 2; c++) {
        csr_clear(mstatus, MSTATUS_FS);
        csr_set(mstatus, 1ul << 13);                   /* Initial */
        fp_write_after_skip(c);
        CHECK_EQ(csr_read(mstatus) & MSTATUS_FS, MSTATUS_FS);
    }
    return 0;
}
