/*
 * A hostile virtio driver: bare-metal M-mode program for the virt board
 * (-bios none -kernel virtio-garbage.elf -m 128M), built on the ISA tests'
 * harness (tests/tcg/riscv64: crt.S, lib.c, test.h). The kernel image has no
 * /dev/mem, so the virtio-mmio registers are poked from here.
 *
 * For every virtio-mmio transport with a device behind it, it breaks the
 * driver rules of virtio 1.2 section 2.7 one at a time: descriptor loops,
 * out-of-range head and next indices, huge lengths, buffers and rings outside
 * RAM or over ROM/MMIO, misaligned rings, bad queue sizes, bad indirect
 * tables, a driver ring index far ahead. After each, the device must not have
 * completed anything and must ask for a reset (DEVICE_NEEDS_RESET, 2.1.2).
 * Then random register writes and random descriptor tables. Finally each
 * device must still work after a reset: virtio-rng fills a buffer, virtio-blk
 * reads the host's pattern, writes, flushes, zeroes a range and reports its
 * serial (the host test checks the image file afterwards).
 * Output on the UART; the finisher ends the run (0x5555: all checks held).
 */
#include "test.h"

#define RAM_BASE        0x80000000ul
#define RAM_END         (RAM_BASE + (128ul << 20))     /* the test runs with -m 128M */
#define VIRTIO_BASE     0x10001000ul
#define VIRTIO_STRIDE   0x1000ul
#define VIRTIO_SLOTS    8
#define MTIME           ((volatile uint64_t *)0x0200bff8ul)  /* ACLINT, 10 MHz */

/* virtio-mmio registers (spec 4.2.2) */
#define R_MAGIC         0x000
#define R_DEVICE_ID     0x008
#define R_DEV_FEAT      0x010
#define R_DEV_FEAT_SEL  0x014
#define R_DRV_FEAT      0x020
#define R_DRV_FEAT_SEL  0x024
#define R_QUEUE_SEL     0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM     0x038
#define R_QUEUE_READY   0x044
#define R_QUEUE_NOTIFY  0x050
#define R_INT_STATUS    0x060
#define R_INT_ACK       0x064
#define R_STATUS        0x070
#define R_DESC          0x080
#define R_DRIVER        0x090
#define R_DEVICE        0x0a0
#define R_CONFIG        0x100

#define S_ACK           1
#define S_DRIVER        2
#define S_DRIVER_OK     4
#define S_FEATURES_OK   8
#define S_NEEDS_RESET   0x40

#define F_INDIRECT      (1u << 28)
#define D_NEXT          1
#define D_WRITE         2
#define D_INDIRECT      4

#define ID_BLOCK        2
#define ID_CONSOLE      3
#define ID_RNG          4

#define QSIZE           8

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

struct ring {
    struct desc desc[QSIZE] __attribute__((aligned(16)));
    struct desc indirect[QSIZE] __attribute__((aligned(16)));
    struct {
        uint16_t flags, idx, ring[QSIZE], used_event;
    } avail __attribute__((aligned(2)));
    struct {
        uint16_t flags, idx;
        struct { uint32_t id, len; } ring[QSIZE];
        uint16_t avail_event;
    } used __attribute__((aligned(4)));
};

static struct ring vr __attribute__((aligned(4096)));
static uint8_t buf[4096] __attribute__((aligned(4096)));
static uint8_t hdr[16], status_byte;
static uint8_t junk[4096] __attribute__((aligned(16)));
static int failures;

static uint32_t rd(uintptr_t base, unsigned reg)
{
    return *(volatile uint32_t *)(base + reg);
}

static void wr(uintptr_t base, unsigned reg, uint32_t v)
{
    *(volatile uint32_t *)(base + reg) = v;
}

static void wr64(uintptr_t base, unsigned reg, uint64_t v)
{
    wr(base, reg, (uint32_t)v);
    wr(base, reg + 4, (uint32_t)(v >> 32));
}

static void putdec(uint64_t v)
{
    char s[21];
    int n = 0;

    do {
        s[n++] = '0' + v % 10;
        v /= 10;
    } while (v);
    while (n) {
        char c[2] = { s[--n], 0 };
        putstr(c);
    }
}

static void fence(void)
{
    __asm__ volatile("fence rw, rw" ::: "memory");
}

static void *zero(void *p, unsigned long n)
{
    volatile uint8_t *d = p;

    while (n--) {
        *d++ = 0;
    }
    return p;
}

/* Reset, negotiate VERSION_1 (+ indirect descriptors if asked), FEATURES_OK. */
static void dev_start(uintptr_t base, uint32_t features_lo)
{
    wr(base, R_STATUS, 0);
    wr(base, R_STATUS, S_ACK | S_DRIVER);
    wr(base, R_DEV_FEAT_SEL, 0);
    features_lo &= rd(base, R_DEV_FEAT);
    wr(base, R_DRV_FEAT_SEL, 0);
    wr(base, R_DRV_FEAT, features_lo);
    wr(base, R_DRV_FEAT_SEL, 1);
    wr(base, R_DRV_FEAT, 1);             /* VIRTIO_F_VERSION_1 (bit 32) */
    wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    CHECK(rd(base, R_STATUS) & S_FEATURES_OK);
}

/* Queue q of QSIZE entries on the rings in vr (or the addresses given). */
static void queue_setup_at(uintptr_t base, unsigned q, unsigned num, uint64_t desc,
                           uint64_t avail, uint64_t used)
{
    wr(base, R_QUEUE_SEL, q);
    wr(base, R_QUEUE_NUM, num);
    wr64(base, R_DESC, desc);
    wr64(base, R_DRIVER, avail);
    wr64(base, R_DEVICE, used);
    wr(base, R_QUEUE_READY, 1);
}

static void queue_setup(uintptr_t base, unsigned q)
{
    zero(&vr, sizeof(vr));
    queue_setup_at(base, q, QSIZE, (uintptr_t)vr.desc, (uintptr_t)&vr.avail,
                   (uintptr_t)&vr.used);
}

static void submit(uintptr_t base, unsigned q, uint16_t head)
{
    vr.avail.ring[vr.avail.idx % QSIZE] = head;
    fence();
    vr.avail.idx++;
    fence();
    wr(base, R_QUEUE_NOTIFY, q);
}

/* Wait up to ticks (10 MHz host time) for the used index to reach idx. */
static bool wait_used_for(uint16_t idx, uint64_t ticks)
{
    uint64_t end = *MTIME + ticks;

    while (*(volatile uint16_t *)&vr.used.idx != idx) {
        if (*MTIME > end) {
            return false;
        }
    }
    fence();
    return true;
}

static bool wait_used(uint16_t idx)
{
    return wait_used_for(idx, 20000000);        /* 2 s */
}

/* The queue each device handles as soon as it is notified. */
static unsigned active_queue(uint32_t id)
{
    return id == ID_CONSOLE ? 1 : 0;    /* the console's transmitq */
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vr.desc[i] = (struct desc){ addr, len, flags, next };
}

/* ---- the rule breakers: each fills vr.desc and returns the head to submit ---- */

#define OURS            0           /* Case.ring_addr: the rings in vr */
#define MISALIGNED      2           /* ours + 8 */
#define AT_ZERO         3           /* guest physical address 0 */
#define ARRAY_LEN(a)    (sizeof(a) / sizeof((a)[0]))

typedef struct Case {
    const char *name;
    int (*make)(void);          /* returns the head, or -1 when setup already broke it */
    uint64_t ring_addr[3];      /* OURS, MISALIGNED, AT_ZERO or an address */
    unsigned num;               /* non-zero: this queue size */
    bool indirect;              /* negotiate VIRTIO_F_INDIRECT_DESC */
} Case;

static int c_loop(void)
{
    set_desc(0, (uintptr_t)junk, 16, D_WRITE | D_NEXT, 1);
    set_desc(1, (uintptr_t)junk + 16, 16, D_WRITE | D_NEXT, 0);
    return 0;
}

static int c_self_loop(void)
{
    set_desc(3, (uintptr_t)junk, 16, D_WRITE | D_NEXT, 3);
    return 3;
}

static int c_head_range(void)
{
    set_desc(0, (uintptr_t)junk, 16, D_WRITE, 0);
    return 0xfff0;
}

static int c_next_range(void)
{
    set_desc(0, (uintptr_t)junk, 16, D_WRITE | D_NEXT, 200);
    return 0;
}

static int c_huge_len(void)
{
    set_desc(0, (uintptr_t)junk, 0xffffffffu, D_WRITE, 0);
    return 0;
}

static int c_beyond_ram(void)
{
    set_desc(0, RAM_END, 64, D_WRITE, 0);
    return 0;
}

static int c_cross_ram_end(void)
{
    set_desc(0, RAM_END - 8, 64, D_WRITE, 0);
    return 0;
}

static int c_far_addr(void)
{
    set_desc(0, 0x4000000000000000ul, 64, D_WRITE, 0);
    return 0;
}

static int c_wrap(void)
{
    set_desc(0, 0xfffffffffffffff0ul, 0x100, D_WRITE, 0);
    return 0;
}

static int c_into_rom(void)
{
    set_desc(0, 0x1000, 64, D_WRITE, 0);         /* the reset vector ROM */
    return 0;
}

static int c_into_mmio(void)
{
    set_desc(0, VIRTIO_BASE, 0x100, D_WRITE, 0); /* the transports' own registers */
    return 0;
}

static int c_into_uart(void)
{
    set_desc(0, 0x10000000, 8, D_WRITE, 0);
    return 0;
}

static int c_idx_far(void)
{
    set_desc(0, (uintptr_t)junk, 16, D_WRITE, 0);
    vr.avail.idx = 100;          /* plus the submit: 101 entries in a ring of 8 */
    return 0;
}

static int c_indirect_unnegotiated(void)
{
    vr.indirect[0] = (struct desc){ (uintptr_t)junk, 16, D_WRITE, 0 };
    set_desc(0, (uintptr_t)vr.indirect, 16, D_INDIRECT, 0);
    return 0;
}

static int c_indirect_odd_len(void)
{
    vr.indirect[0] = (struct desc){ (uintptr_t)junk, 16, D_WRITE, 0 };
    set_desc(0, (uintptr_t)vr.indirect, 17, D_INDIRECT, 0);
    return 0;
}

static int c_indirect_huge(void)
{
    set_desc(0, (uintptr_t)vr.indirect, 0xfffffff0u, D_INDIRECT, 0);
    return 0;
}

static int c_indirect_outside(void)
{
    set_desc(0, RAM_END + 0x1000, 64, D_INDIRECT, 0);
    return 0;
}

static int c_indirect_nested(void)
{
    vr.indirect[0] = (struct desc){ (uintptr_t)vr.indirect, 32, D_INDIRECT, 0 };
    set_desc(0, (uintptr_t)vr.indirect, 32, D_INDIRECT, 0);
    return 0;
}

static int c_indirect_loop(void)
{
    vr.indirect[0] = (struct desc){ (uintptr_t)junk, 16, D_WRITE | D_NEXT, 1 };
    vr.indirect[1] = (struct desc){ (uintptr_t)junk, 16, D_WRITE | D_NEXT, 0 };
    set_desc(0, (uintptr_t)vr.indirect, 32, D_INDIRECT, 0);
    return 0;
}

static int c_indirect_next_range(void)
{
    vr.indirect[0] = (struct desc){ (uintptr_t)junk, 16, D_WRITE | D_NEXT, 2 };
    set_desc(0, (uintptr_t)vr.indirect, 32, D_INDIRECT, 0);
    return 0;
}

static int c_indirect_with_next(void)
{
    vr.indirect[0] = (struct desc){ (uintptr_t)junk, 16, D_WRITE, 0 };
    set_desc(0, (uintptr_t)vr.indirect, 16, D_INDIRECT | D_NEXT, 1);
    set_desc(1, (uintptr_t)junk, 16, D_WRITE, 0);
    return 0;
}

static int c_broken_ring(void)
{
    return -1;                  /* the queue itself was refused at QueueReady */
}

static const Case cases[] = {
    { "descriptor loop", c_loop },
    { "descriptor pointing at itself", c_self_loop },
    { "head index out of range", c_head_range },
    { "next index out of range", c_next_range },
    { "4 GiB buffer", c_huge_len },
    { "buffer just past RAM", c_beyond_ram },
    { "buffer across the end of RAM", c_cross_ram_end },
    { "buffer at 2^62", c_far_addr },
    { "buffer wrapping the address space", c_wrap },
    { "device-writable buffer over ROM", c_into_rom },
    { "device-writable buffer over virtio-mmio", c_into_mmio },
    { "device-writable buffer over the UART", c_into_uart },
    { "driver ring index 101 ahead", c_idx_far },
    { "indirect without the feature", c_indirect_unnegotiated },
    { "indirect table of 17 bytes", c_indirect_odd_len, .indirect = true },
    { "indirect table of 4 GiB", c_indirect_huge, .indirect = true },
    { "indirect table outside RAM", c_indirect_outside, .indirect = true },
    { "indirect inside indirect", c_indirect_nested, .indirect = true },
    { "loop inside an indirect table", c_indirect_loop, .indirect = true },
    { "next outside an indirect table", c_indirect_next_range, .indirect = true },
    { "indirect with NEXT", c_indirect_with_next, .indirect = true },
    { "descriptor table outside RAM", c_broken_ring, { RAM_END + 0x10000, OURS, OURS } },
    { "driver ring at address 0", c_broken_ring, { OURS, AT_ZERO, OURS } },
    { "device ring over the UART", c_broken_ring, { OURS, OURS, 0x10000000 } },
    { "device ring over ROM", c_broken_ring, { OURS, OURS, 0x1000 } },
    { "descriptor table misaligned", c_broken_ring, { MISALIGNED, OURS, OURS } },
    { "device ring across the end of RAM", c_broken_ring, { OURS, OURS, RAM_END - 16 } },
    { "queue size 3", c_broken_ring, .num = 3 },
    { "queue size 65535", c_broken_ring, .num = 65535 },
};

static uint64_t ring_at(uint64_t want, uint64_t ours)
{
    return want == OURS ? ours : want == MISALIGNED ? ours + 8 : want == AT_ZERO ? 0 : want;
}

static void run_case(uintptr_t base, uint32_t id, const Case *c)
{
    unsigned q = active_queue(id);
    bool custom = c->ring_addr[0] != OURS || c->ring_addr[1] != OURS ||
                  c->ring_addr[2] != OURS || c->num;
    int head;

    dev_start(base, c->indirect ? F_INDIRECT : 0);
    zero(&vr, sizeof(vr));
    queue_setup_at(base, q, c->num ? c->num : QSIZE,
                   ring_at(c->ring_addr[0], (uintptr_t)vr.desc),
                   ring_at(c->ring_addr[1], (uintptr_t)&vr.avail),
                   ring_at(c->ring_addr[2], (uintptr_t)&vr.used));
    wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    head = c->make();
    if (head >= 0) {
        submit(base, q, (uint16_t)head);
    } else {
        vr.avail.idx = 1;        /* a request in our own copy, should the device look */
        wr(base, R_QUEUE_NOTIFY, q);
    }
    /*
     * Chains are checked when the device pops them, synchronously with the
     * notify; a wrong completion of an asynchronous request would land soon.
     */
    wait_used_for(1, 200000);
    putstr("  ");
    putstr(c->name);
    if (vr.used.idx != 0) {
        putstr(": FAIL, the device completed the request\n");
        failures++;
    } else if (!(rd(base, R_STATUS) & S_NEEDS_RESET)) {
        putstr(": FAIL, no DEVICE_NEEDS_RESET\n");
        failures++;
    } else if (custom && rd(base, R_QUEUE_READY)) {
        putstr(": FAIL, the broken queue reads back as ready\n");
        failures++;
    } else {
        putstr(": refused\n");
    }
}

/* ---- random garbage ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ul;

static uint32_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

static void fuzz(uintptr_t base)
{
    /* random writes to random registers, then random descriptors and rings */
    for (unsigned i = 0; i < 3000; i++) {
        uint32_t r = next_rand();
        unsigned reg = r & 0x1fc;

        if (reg == R_QUEUE_NOTIFY || reg == R_STATUS || reg >= R_CONFIG) {
            wr(base, reg, next_rand());
        } else {
            wr(base, reg, next_rand() & (r & 0x80000000u ? 0xffffffffu : 0x3ff));
        }
        (void)rd(base, next_rand() & 0x1fc);
    }
    for (unsigned round = 0; round < 50; round++) {
        uint32_t *w = (uint32_t *)&vr;

        dev_start(base, F_INDIRECT);
        for (unsigned i = 0; i < sizeof(vr) / 4; i++) {
            w[i] = next_rand();
        }
        vr.avail.idx = next_rand() % 4;
        for (unsigned i = 0; i < QSIZE; i++) {
            vr.desc[i].addr = next_rand() & 1 ? (uintptr_t)junk + (next_rand() & 0xff0) :
                              ((uint64_t)next_rand() << 32 | next_rand());
            vr.desc[i].next %= QSIZE + 2;
            vr.avail.ring[i] %= QSIZE + 2;
        }
        queue_setup_at(base, next_rand() % 3, QSIZE, (uintptr_t)vr.desc,
                       (uintptr_t)&vr.avail, (uintptr_t)&vr.used);
        wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
        for (unsigned q = 0; q < 3; q++) {
            wr(base, R_QUEUE_NOTIFY, q);
        }
        wr(base, R_QUEUE_NOTIFY, next_rand());
    }
    /* let any asynchronous completions land before the reset that follows */
    uint64_t end = *MTIME + 1000000;
    while (*MTIME < end) {
    }
    wr(base, R_STATUS, 0);
}

/* ---- working requests after all that ---- */

static void check_rng(uintptr_t base)
{
    unsigned nonzero = 0;

    dev_start(base, 0);
    queue_setup(base, 0);
    wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    zero(buf, 64);
    set_desc(0, (uintptr_t)buf, 64, D_WRITE, 0);
    submit(base, 0, 0);
    CHECK(wait_used(1));
    CHECK_EQ(vr.used.ring[0].id, 0);
    CHECK_EQ(vr.used.ring[0].len, 64);
    for (unsigned i = 0; i < 64; i++) {
        nonzero += buf[i] != 0;
    }
    CHECK(nonzero > 32);
    putstr("  virtio-rng: 64 random bytes after the garbage\n");
}

/* One virtio-blk request: header, optional data, status (spec 5.2.6). */
static uint8_t blk_request(uintptr_t base, uint32_t type, uint64_t sector, void *data,
                           uint32_t len, bool device_writes)
{
    uint16_t n = vr.used.idx;

    zero(hdr, sizeof(hdr));
    hdr[0] = (uint8_t)type;
    for (int i = 0; i < 8; i++) {
        hdr[8 + i] = (uint8_t)(sector >> (8 * i));
    }
    status_byte = 0xee;
    set_desc(0, (uintptr_t)hdr, 16, D_NEXT, 1);
    if (len) {
        set_desc(1, (uintptr_t)data, len, D_NEXT | (device_writes ? D_WRITE : 0), 2);
        set_desc(2, (uintptr_t)&status_byte, 1, D_WRITE, 0);
    } else {
        set_desc(1, (uintptr_t)&status_byte, 1, D_WRITE, 0);
    }
    submit(base, 0, 0);
    CHECK(wait_used(n + 1));
    return status_byte;
}

/* The host fills sector s with bytes (s * 7 + i) & 0xff (see the runner). */
static void check_blk(uintptr_t base)
{
    static const char serial[] = "tern-garbage-01";
    uint8_t seg[16];

    dev_start(base, 0);
    queue_setup(base, 0);
    wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);

    zero(buf, 512);
    CHECK_EQ(blk_request(base, 0, 5, buf, 512, true), 0);           /* IN */
    for (unsigned i = 0; i < 512; i++) {
        CHECK_EQ(buf[i], (5 * 7 + i) & 0xff);
    }
    for (unsigned i = 0; i < 512; i++) {
        buf[i] = (uint8_t)(i ^ 0x5a);
    }
    CHECK_EQ(blk_request(base, 1, 7, buf, 512, false), 0);          /* OUT */
    CHECK_EQ(blk_request(base, 4, 0, 0, 0, false), 0);              /* FLUSH */
    zero(buf, 32);
    CHECK_EQ(blk_request(base, 8, 0, buf, 20, true), 0);            /* GET_ID */
    for (unsigned i = 0; i < sizeof(serial); i++) {
        CHECK_EQ(buf[i], (uint8_t)serial[i]);
    }
    zero(seg, sizeof(seg));
    seg[0] = 9;                                                      /* sector 9 */
    seg[8] = 2;                                                      /* 2 sectors */
    CHECK_EQ(blk_request(base, 13, 0, seg, 16, false), 0);          /* WRITE_ZEROES */
    /* a read beyond the end of the 2048-sector disk is an I/O error, not a reset */
    CHECK_EQ(blk_request(base, 0, 2048, buf, 512, true), 1);
    CHECK_EQ(blk_request(base, 4, 0, 0, 0, false), 0);              /* FLUSH */
    CHECK(!(rd(base, R_STATUS) & S_NEEDS_RESET));
    putstr("  virtio-blk: read, write, flush, serial, write-zeroes after the garbage\n");
}

int main(void)
{
    unsigned devices = 0;

    putstr("virtio-garbage: start\n");
    for (unsigned slot = 0; slot < VIRTIO_SLOTS; slot++) {
        uintptr_t base = VIRTIO_BASE + slot * VIRTIO_STRIDE;
        uint32_t id = rd(base, R_DEVICE_ID);

        CHECK_EQ(rd(base, R_MAGIC), 0x74726976);
        if (id == 0) {
            continue;
        }
        devices++;
        putstr("transport ");
        putdec(slot);
        putstr(": device id ");
        putdec(id);
        putstr("\n");
        for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
            run_case(base, id, &cases[i]);
        }
        /* notifications for queues that do not exist: ignored (and logged) */
        dev_start(base, 0);
        wr(base, R_QUEUE_NOTIFY, 7);
        wr(base, R_QUEUE_NOTIFY, 0xffffffffu);
        wr(base, R_QUEUE_SEL, 1000);
        wr(base, R_QUEUE_NUM, 8);
        wr(base, R_QUEUE_READY, 1);
        CHECK_EQ(rd(base, R_QUEUE_NUM_MAX), 0);
        fuzz(base);
        putstr("  random registers and descriptors: survived\n");
        if (id == ID_RNG) {
            check_rng(base);
        } else if (id == ID_BLOCK) {
            check_blk(base);
        }
    }
    putstr("devices: ");
    putdec(devices);
    putstr(" failures: ");
    putdec(failures);
    putstr("\n");
    CHECK(devices > 0);
    if (failures == 0) {
        putstr("GARBAGE-DONE\n");
    }
    return failures;
}
