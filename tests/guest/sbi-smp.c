/*
 * SMP through the SBI, below Linux: an S-mode payload of OpenSBI fw_jump
 * (-bios opensbi-fw_jump.bin -kernel sbi-smp.elf -smp 4). Linux's image has
 * no CPU hotplug, so it never stops a hart; this does, with the other SBI
 * SMP services (SBI spec v1.0):
 *   HSM  (chapter 9): hart_start of every other hart, get_status, hart_stop,
 *                     and a second start of the stopped harts;
 *   IPI  (chapter 7): send_ipi reaches every hart as a supervisor software
 *                     interrupt (OpenSBI sends it through the ACLINT MSWI);
 *                     then PINGS ping-pongs in which the other harts sleep in
 *                     WFI between IPIs: a wake-up lost by the emulator (a
 *                     vCPU thread sleeping through an MSIP write) leaves a
 *                     hart asleep and fails the test after TIMEOUT;
 *   RFENCE (ch. 8):   after the boot hart remaps a page the other harts are
 *                     reading, remote_sfence_vma makes them see the new page;
 *                     remote_fence_i returns success;
 *   SRST (ch. 10):    shutdown at the end, so Tern exits with status 0.
 * Output on the UART: "SBI-SMP PASS harts=N" or "SBI-SMP FAIL: ...".
 */
#include <stdint.h>
#include <stdbool.h>

#define MAX_HARTS       8
#define MAGIC           0x5ec0dull      /* opaque of the harts we start */
#define TEST_VA         0x40000000ul    /* remapped between page_a and page_b */
#define TIMEOUT         20000000ul      /* 2 s of the 10 MHz timebase */
#define PINGS           1000            /* IPI round trips per round */

#define EXT_BASE        0x10
#define EXT_IPI         0x735049
#define EXT_RFENCE      0x52464e43
#define EXT_HSM         0x48534d
#define EXT_SRST        0x53525354
#define HSM_STARTED     0
#define HSM_STOPPED     1

#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_A 0x40
#define PTE_D 0x80

struct sbiret {
    long error, value;
};

void _start(void);
void hart_main(unsigned long hartid, unsigned long opaque);
void s_trap(void);

static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t page_a[512] __attribute__((aligned(4096)));
static uint64_t page_b[512] __attribute__((aligned(4096)));

/* written by the harts we start, read by the boot hart */
static volatile unsigned long checkin[MAX_HARTS];
static volatile uint64_t seen[MAX_HARTS];
static volatile unsigned long ipis[MAX_HARTS];
static volatile unsigned long bad_trap[MAX_HARTS];
static volatile bool stop_req[MAX_HARTS];
static volatile unsigned long pong[MAX_HARTS];  /* ipis[h] as seen after a WFI */
static volatile bool pingpong;                  /* the other harts run ping_loop() */

static struct sbiret sbi(unsigned long ext, unsigned long fid, unsigned long a0,
                         unsigned long a1, unsigned long a2, unsigned long a3)
{
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r3 __asm__("a3") = a3;
    register unsigned long r6 __asm__("a6") = fid;
    register unsigned long r7 __asm__("a7") = ext;

    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r6), "r"(r7)
                     : "memory");
    return (struct sbiret){ (long)r0, (long)r1 };
}

static unsigned long now(void)
{
    unsigned long t;

    __asm__ volatile("csrr %0, time" : "=r"(t));
    return t;
}

static unsigned long hartid_self(void)
{
    unsigned long h;

    __asm__ volatile("mv %0, tp" : "=r"(h));
    return h;
}

/* ---- output (boot hart only), straight to the NS16550A ---- */

#define UART ((volatile uint8_t *)0x10000000ul)

static void putch(char c)
{
    while (!(UART[5] & 0x20)) {
    }
    UART[0] = c;
}

static void puts_(const char *s)
{
    while (*s) {
        putch(*s++);
    }
}

static void putnum(unsigned long v)
{
    char b[24];
    int n = 0;

    do {
        b[n++] = '0' + v % 10;
        v /= 10;
    } while (v);
    while (n) {
        putch(b[--n]);
    }
}

static void __attribute__((noreturn)) fail(const char *what, unsigned long hart, long val)
{
    puts_("SBI-SMP FAIL: ");
    puts_(what);
    puts_(" (hart ");
    putnum(hart);
    puts_(", value ");
    putnum((unsigned long)val);
    puts_(")\n");
    sbi(EXT_SRST, 0, 0, 1, 0, 0);               /* shutdown, system failure */
    for (;;) {
    }
}

/* ---- the harts we start ---- */

void s_trap(void)
{
    unsigned long cause, h = hartid_self();

    __asm__ volatile("csrr %0, scause" : "=r"(cause));
    if (cause == (1ul << 63 | 1)) {             /* supervisor software interrupt */
        __asm__ volatile("csrc sip, %0" :: "r"(2ul));
        ipis[h]++;
        return;
    }
    bad_trap[h] = cause;
    for (;;) {
        __asm__ volatile("wfi");
    }
}

/*
 * Sleep in WFI until the next IPI, then answer with its count in pong[h].
 * SIE is off between the check and the WFI, so an IPI arriving in between
 * stays pending and WFI returns at once (privileged spec 3.3.3); it is taken
 * when SIE is set again.
 */
static void ping_loop(unsigned long h)
{
    while (pingpong) {
        __asm__ volatile("csrc sstatus, %0" :: "r"(2ul) : "memory");
        if (pong[h] == ipis[h] && pingpong) {
            __asm__ volatile("wfi" ::: "memory");
        }
        __asm__ volatile("csrs sstatus, %0" :: "r"(2ul) : "memory");
        pong[h] = ipis[h];
    }
}

static void __attribute__((noreturn)) secondary(unsigned long h)
{
    /* Sv39 on the shared tables; the code and data are identity mapped */
    __asm__ volatile("csrw satp, %0; sfence.vma" ::
                     "r"(8ul << 60 | (unsigned long)l2 >> 12) : "memory");
    __asm__ volatile("csrs sie, %0; csrs sstatus, %0" :: "r"(2ul));
    checkin[h]++;
    for (;;) {
        seen[h] = *(volatile uint64_t *)TEST_VA;
        if (pingpong) {
            ping_loop(h);
        }
        if (stop_req[h]) {
            __asm__ volatile("csrw satp, zero; sfence.vma" ::: "memory");
            sbi(EXT_HSM, 1, 0, 0, 0, 0);        /* hart_stop: does not return */
            fail("hart_stop returned", h, 0);
        }
    }
}

/* ---- the boot hart ---- */

static void map_test_page(uint64_t *page)
{
    l0[0] = ((unsigned long)page >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    __asm__ volatile("fence rw, rw" ::: "memory");
}

static void wait_for(volatile unsigned long *v, unsigned long want, const char *what,
                     unsigned long h)
{
    unsigned long end = now() + TIMEOUT;

    while (*v < want) {
        if (bad_trap[h]) {
            fail("unexpected trap, scause", h, bad_trap[h]);
        }
        if (now() > end) {
            fail(what, h, *v);
        }
    }
}

static void wait_seen(unsigned long h, uint64_t want)
{
    unsigned long end = now() + TIMEOUT;

    while (seen[h] != want) {
        if (now() > end) {
            fail("the hart still reads the old page after remote_sfence_vma", h, seen[h]);
        }
    }
}

static void wait_status(unsigned long h, long want)
{
    unsigned long end = now() + TIMEOUT;
    struct sbiret r;

    while ((r = sbi(EXT_HSM, 2, h, 0, 0, 0)).value != want) {
        if (r.error || now() > end) {
            fail(want == HSM_STOPPED ? "hart did not stop" : "hart not started", h, r.value);
        }
    }
}

static void send_ipi(unsigned long mask, unsigned long boot)
{
    struct sbiret r = sbi(EXT_IPI, 0, mask, 0, 0, 0);

    if (r.error) {
        fail("send_ipi", boot, r.error);
    }
}

/*
 * PINGS IPIs, to one other hart at a time in turn (so no other wake-up can
 * hide a lost one), each sent once the last was answered.
 */
static void ping_pong(unsigned long others, unsigned long boot)
{
    unsigned long want[MAX_HARTS], h = 0;

    for (unsigned long i = 0; i < MAX_HARTS; i++) {
        want[i] = ipis[i];      /* no IPI in flight: the last ones were counted */
    }
    pingpong = true;
    for (unsigned long k = 0; k < PINGS; k++) {
        do {
            h = (h + 1) % MAX_HARTS;
        } while (!(others >> h & 1));
        send_ipi(1ul << h, boot);
        wait_for(&pong[h], ++want[h], "IPI lost: hart still asleep in WFI", h);
    }
    pingpong = false;
    send_ipi(others, boot);     /* wake them out of ping_loop() */
    for (h = 0; h < MAX_HARTS; h++) {
        if (others >> h & 1) {
            wait_for(&ipis[h], want[h] + 1, "IPI not received", h);
        }
    }
}

static void primary(unsigned long boot)
{
    static const unsigned long exts[] = { EXT_HSM, EXT_IPI, EXT_RFENCE, EXT_SRST };
    unsigned long others = 0, n = 1;
    uint64_t *page = page_a;

    puts_("SBI-SMP: boot hart ");
    putnum(boot);
    puts_("\n");
    for (unsigned i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        if (sbi(EXT_BASE, 3, exts[i], 0, 0, 0).value == 0) {
            fail("SBI extension missing", boot, (long)exts[i]);
        }
    }
    for (unsigned long h = 0; h < MAX_HARTS; h++) {
        struct sbiret r = sbi(EXT_HSM, 2, h, 0, 0, 0);

        if (h == boot || r.error) {
            continue;
        }
        if (r.value != HSM_STOPPED) {
            fail("a hart other than the boot hart is not stopped", h, r.value);
        }
        others |= 1ul << h;
        n++;
    }
    if (!others) {
        fail("no other harts (run with -smp 2 or more)", boot, 0);
    }
    page_a[0] = 0xaaaa;
    page_b[0] = 0xbbbb;
    l2[1] = ((unsigned long)l1 >> 12) << 10 | PTE_V;                 /* TEST_VA */
    l1[0] = ((unsigned long)l0 >> 12) << 10 | PTE_V;
    l2[2] = (0x80000000ul >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

    for (unsigned long round = 1; round <= 2; round++) {
        unsigned long ipi_base[MAX_HARTS];

        map_test_page(page);
        for (unsigned long h = 0; h < MAX_HARTS; h++) {
            if (!(others >> h & 1)) {
                continue;
            }
            struct sbiret r = sbi(EXT_HSM, 0, h, (unsigned long)_start, MAGIC, 0);
            if (r.error) {
                fail("hart_start", h, r.error);
            }
        }
        for (unsigned long h = 0; h < MAX_HARTS; h++) {
            if (others >> h & 1) {
                wait_for(&checkin[h], round, "started hart did not run", h);
                wait_status(h, HSM_STARTED);
                wait_seen(h, page[0]);
                ipi_base[h] = ipis[h];
            }
        }
        puts_("  round ");
        putnum(round);
        puts_(": hart_start of every other hart\n");

        for (unsigned long k = 1; k <= 3; k++) {
            send_ipi(others, boot);
            for (unsigned long h = 0; h < MAX_HARTS; h++) {
                if (others >> h & 1) {
                    wait_for(&ipis[h], ipi_base[h] + k, "IPI not received", h);
                }
            }
        }
        puts_("  round ");
        putnum(round);
        puts_(": send_ipi reached every hart 3 times\n");

        ping_pong(others, boot);
        puts_("  round ");
        putnum(round);
        puts_(": IPI ping-pong with WFI, none lost\n");

        /* remap TEST_VA under the running harts; only the remote fence makes them see it */
        page = page == page_a ? page_b : page_a;
        map_test_page(page);
        struct sbiret r = sbi(EXT_RFENCE, 1, others, 0, TEST_VA, 4096);
        if (r.error) {
            fail("remote_sfence_vma", boot, r.error);
        }
        for (unsigned long h = 0; h < MAX_HARTS; h++) {
            if (others >> h & 1) {
                wait_seen(h, page[0]);
            }
        }
        r = sbi(EXT_RFENCE, 0, others, 0, 0, 0);
        if (r.error) {
            fail("remote_fence_i", boot, r.error);
        }
        puts_("  round ");
        putnum(round);
        puts_(": remote_sfence_vma and remote_fence_i\n");

        for (unsigned long h = 0; h < MAX_HARTS; h++) {
            if (others >> h & 1) {
                stop_req[h] = true;
                wait_status(h, HSM_STOPPED);
                stop_req[h] = false;
            }
        }
        puts_("  round ");
        putnum(round);
        puts_(": hart_stop of every other hart\n");
    }
    puts_("SBI-SMP PASS harts=");
    putnum(n);
    puts_("\n");
    sbi(EXT_SRST, 0, 0, 0, 0, 0);               /* shutdown, no reason */
    fail("system_reset returned", boot, 0);
}

void hart_main(unsigned long hartid, unsigned long opaque)
{
    __asm__ volatile("mv tp, %0" :: "r"(hartid));
    if (hartid >= MAX_HARTS) {
        for (;;) {
            __asm__ volatile("wfi");
        }
    }
    if (opaque == MAGIC) {
        secondary(hartid);
    }
    primary(hartid);
}
