/* PMP (privileged spec 3.7): NAPOT and TOR regions, priority by entry number,
 * S/U checks, M unaffected unless locked, locked entries read-only. */
#include "test.h"

static uint8_t pages[4][4096] __attribute__((aligned(4096)));

#define NAPOT(base, size) (((uint64_t)(base) >> 2) | (((size) >> 3) - 1))
#define CFG_R 1
#define CFG_W 2
#define CFG_X 4
#define CFG_TOR (1 << 3)
#define CFG_NAPOT (3 << 3)
#define CFG_L 0x80

static long load(long a) { return *(volatile uint64_t *)a; }
static long store(long a) { *(volatile uint64_t *)a = 5; return 0; }
static long call(long a) { return ((long (*)(void))a)(); }

int main(void)
{
    uint64_t a = (uint64_t)pages[0], b = (uint64_t)pages[1], c = (uint64_t)pages[2];
    uint64_t d = (uint64_t)pages[3];

    /* C: li a0, 9; ret (readable, writable, not executable) */
    ((uint32_t *)pages[2])[0] = 0x00900513;
    ((uint32_t *)pages[2])[1] = 0x00008067;
    __asm__ volatile("fence.i");

    /* 0: A read-only; 1: B nothing; 2: C RW; 3..4: D by TOR, RWX; 5: everything RWX */
    csr_write(pmpaddr0, NAPOT(a, 4096));
    csr_write(pmpaddr1, NAPOT(b, 4096));
    csr_write(pmpaddr2, NAPOT(c, 4096));
    csr_write(pmpaddr3, d >> 2);
    csr_write(pmpaddr4, (d + 4096) >> 2);
    csr_write(pmpaddr5, -1);
    csr_write(pmpcfg0, (uint64_t)(CFG_NAPOT | CFG_R) |
                       (uint64_t)(CFG_NAPOT) << 8 |
                       (uint64_t)(CFG_NAPOT | CFG_R | CFG_W) << 16 |
                       (uint64_t)0 << 24 |
                       (uint64_t)(CFG_TOR | CFG_R | CFG_W | CFG_X) << 32 |
                       (uint64_t)(CFG_NAPOT | CFG_R | CFG_W | CFG_X) << 40);
    CHECK_EQ(csr_read(pmpaddr3), d >> 2);

    CHECK_NO_TRAP(run_in_mode(PRV_S, load, a + 8));
    CHECK_TRAP(run_in_mode(PRV_S, store, a + 8), 7, a + 8);
    CHECK_TRAP(run_in_mode(PRV_U, load, b + 16), 5, b + 16);
    CHECK_NO_TRAP(run_in_mode(PRV_S, store, c + 64));
    CHECK_TRAP(run_in_mode(PRV_S, call, c), 1, c);
    CHECK_NO_TRAP(run_in_mode(PRV_U, store, d + 4088));
    /* M is not checked against unlocked entries */
    CHECK_NO_TRAP(store(a + 8));
    CHECK_EQ(pages[0][8], 5);
    CHECK_NO_TRAP(load(b));
    /* a locked entry binds M too, and can no longer be changed */
    csr_set(pmpcfg0, CFG_L);
    CHECK_TRAP(store(a + 16), 7, a + 16);
    CHECK_NO_TRAP(load(a + 16));
    csr_write(pmpaddr0, NAPOT(b, 4096));
    CHECK_EQ(csr_read(pmpaddr0), NAPOT(a, 4096));
    csr_clear(pmpcfg0, 0xff);
    CHECK_EQ(csr_read(pmpcfg0) & 0xff, CFG_L | CFG_NAPOT | CFG_R);
    return 0;
}
