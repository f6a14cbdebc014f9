/* Misaligned loads and stores are emulated (spec 2.6 permits it; QEMU does
 * the same): every size and offset, across a page boundary, and FP. */
#include "test.h"

static uint8_t buf[8192] __attribute__((aligned(4096)));

static uint64_t pattern(int i)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) {
        v = v << 8 | (uint8_t)(i + k + 1);
    }
    return v;
}

int main(void)
{
    for (int i = 0; i < 8192; i++) {
        buf[i] = i + 1;
    }
    /* offsets 1..7 around the start and across the page boundary at 4096 */
    for (int base = 0; base <= 4088; base += 4088) {
        for (int off = 1; off < 8; off++) {
            volatile uint8_t *p = buf + base + off;
            uint64_t v;
            __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(p));
            CHECK_EQ(v, pattern(base + off));
            __asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(p));
            CHECK_EQ(v, (uint64_t)(int64_t)(int32_t)pattern(base + off));
            __asm__ volatile("lwu %0, 0(%1)" : "=r"(v) : "r"(p));
            CHECK_EQ(v, (uint32_t)pattern(base + off));
            __asm__ volatile("lh %0, 0(%1)" : "=r"(v) : "r"(p));
            CHECK_EQ(v, (uint64_t)(int64_t)(int16_t)pattern(base + off));
            __asm__ volatile("lhu %0, 0(%1)" : "=r"(v) : "r"(p));
            CHECK_EQ(v, (uint16_t)pattern(base + off));
        }
    }
    /* stores */
    __asm__ volatile("sd %1, 0(%0)" :: "r"(buf + 4093), "r"(0x1122334455667788ull) : "memory");
    CHECK_EQ(buf[4092], 4093 & 0xff);
    CHECK_EQ(buf[4093], 0x88);
    CHECK_EQ(buf[4095], 0x66);
    CHECK_EQ(buf[4096], 0x55);
    CHECK_EQ(buf[4100], 0x11);
    CHECK_EQ(buf[4101], 4102 & 0xff);
    __asm__ volatile("sw %1, 0(%0)" :: "r"(buf + 3), "r"(0xaabbccddull) : "memory");
    CHECK_EQ(*(volatile uint32_t *)(buf + 4), 0x08aabbccu);
    __asm__ volatile("sh %1, 0(%0)" :: "r"(buf + 4095), "r"(0xeeffull) : "memory");
    CHECK_EQ(buf[4095], 0xff);
    CHECK_EQ(buf[4096], 0xee);
    /* FP */
    uint64_t v;
    __asm__ volatile("fld ft0, 0(%1)\n fsd ft0, 0(%2)\n ld %0, 0(%2)"
                     : "=r"(v) : "r"(buf + 4093), "r"(buf + 5001) : "ft0", "memory");
    CHECK_EQ(v, 0x11223344eeff7788ull);      /* after the sh above */
    __asm__ volatile("flw ft0, 0(%1)\n fmv.x.d %0, ft0" : "=r"(v) : "r"(buf + 4094) : "ft0");
    CHECK_EQ(v, 0xffffffff00000000ull | 0x44eeff77ull);
    /* nothing trapped */
    CHECK_EQ(last_trap.count, 0);
    return 0;
}
