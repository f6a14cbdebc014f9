/*
 * Test payload for tern-system-x86_64 -M microvm (tests/kvm/run-guest-tests.sh).
 * Entered through the 64-bit boot protocol with %rsi = boot_params. The
 * kernel command line selects one test ("test=NAME") plus what the test
 * should find ("ram=", "initrd_size=", "initrd_sum=", "cpus="). Results go to
 * the serial port as "PASS name" / "FAIL name: why", then the guest powers
 * off through the ACPI sleep control register.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define SERIAL      0x3f8
#define POWER_PORT  0x600          /* sleep control; +2 reset register */
#define LAPIC       0xfee00000ul
#define IOAPIC      0xfec00000ul
#define VIRTIO_BASE 0xfeb00000ul
#define RESET_MARKER_ADDR 0x800000ul   /* RAM outside the image: survives a reset */
#define RESET_MARKER 0x7e5e7e5eu

typedef uint8_t bp_t;      /* struct boot_params as bytes (zero-page.rst offsets) */

__attribute__((section(".data"))) volatile uint32_t irq_count[2] = { 0, 0 };
extern char ap_trampoline[], ap_trampoline_end[];
extern char isr_40[], isr_41[], isr_42[];

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t mmio_read32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint8_t rd8(const bp_t *p, unsigned off) { return p[off]; }
static inline uint16_t rd16(const bp_t *p, unsigned off) { return *(const uint16_t *)(p + off); }
static inline uint32_t rd32(const bp_t *p, unsigned off) { return *(const uint32_t *)(p + off); }
static inline uint64_t rd64(const bp_t *p, unsigned off) { return *(const uint64_t *)(p + off); }

static void putc_serial(char c)
{
    while (!(inb(SERIAL + 5) & 0x20)) {
    }
    outb(SERIAL, c);
}

static void puts_serial(const char *s)
{
    while (*s) {
        putc_serial(*s++);
    }
}

static void puthex(uint64_t v)
{
    puts_serial("0x");
    for (int i = 60; i >= 0; i -= 4) {
        putc_serial("0123456789abcdef"[(v >> i) & 0xf]);
    }
}

static int failures;
static const char *current_test;

static void check(bool ok, const char *what, uint64_t got, uint64_t want)
{
    if (!ok) {
        puts_serial("FAIL ");
        puts_serial(current_test);
        puts_serial(": ");
        puts_serial(what);
        puts_serial(" got ");
        puthex(got);
        puts_serial(" want ");
        puthex(want);
        puts_serial("\n");
        failures++;
    }
}
#define CHECK_EQ(what, got, want) check((got) == (want), what, (got), (want))
#define CHECK(what, cond) check((cond), what, 0, 1)

static void poweroff(void)
{
    outb(POWER_PORT, (5 << 2) | 0x20);    /* SLP_TYP = 5 (\_S5), SLP_EN */
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

/* ---- command line ---- */

static const char *cmdline;

static bool streq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

static size_t slen(const char *s)
{
    size_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

/* The value of "key=" on the command line, or NULL; ends at a space or NUL. */
static const char *param(const char *key)
{
    size_t n = slen(key);

    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && streq_n(p, key, n) && p[n] == '=') {
            return p + n + 1;
        }
    }
    return NULL;
}

static bool param_is(const char *key, const char *value)
{
    const char *v = param(key);
    size_t n = slen(value);

    return v && streq_n(v, value, n) && (v[n] == ' ' || v[n] == 0);
}

static uint64_t param_num(const char *key)
{
    const char *v = param(key);
    uint64_t n = 0;

    if (!v) {
        return ~0ull;
    }
    if (v[0] == '0' && v[1] == 'x') {
        for (v += 2; *v && *v != ' '; v++) {
            n = n * 16 + (*v <= '9' ? *v - '0' : (*v | 0x20) - 'a' + 10);
        }
    } else {
        for (; *v && *v != ' '; v++) {
            n = n * 10 + (*v - '0');
        }
    }
    return n;
}

/* ---- tests ---- */

/* The table with this signature that the XSDT points to (ACPI 6.5, 5.2.8), or NULL. */
static const uint8_t *find_table(const uint8_t *xsdt, const char *sig)
{
    for (uint32_t off = 36; off + 8 <= rd32(xsdt, 4); off += 8) {
        const uint8_t *t = (const uint8_t *)(uintptr_t)rd64(xsdt, off);

        if (streq_n((const char *)t, sig, 4)) {
            return t;
        }
    }
    return NULL;
}

/* Count the enabled LAPICs in the MADT (5.2.12). */
static void check_madt(const uint8_t *xsdt, uint64_t cpus)
{
    const uint8_t *t = find_table(xsdt, "APIC");
    unsigned lapics = 0;

    CHECK("MADT present", t);
    if (!t) {
        return;
    }
    for (uint32_t e = 44; e + 2 <= rd32(t, 4) && t[e + 1]; e += t[e + 1]) {
        lapics += t[e] == 0 && (rd32(t, e + 4) & 1);
    }
    CHECK_EQ("MADT enabled LAPICs = -smp", lapics, cpus);
}

/*
 * The DSDT (FADT X_DSDT, 5.2.9) has one LNRO0005 device per virtio-mmio
 * slot, used or not, with its 0x200 bytes (Memory32Fixed, 6.4.3.4) and
 * GSI 16 + n (Extended Interrupt, 6.4.3.6).
 */
static void check_dsdt_virtio(const uint8_t *xsdt, uint64_t slots)
{
    const uint8_t *fadt = find_table(xsdt, "FACP");
    const uint8_t *d;
    uint32_t len;
    unsigned hids = 0;

    CHECK("FADT present", fadt);
    if (!fadt) {
        return;
    }
    d = (const uint8_t *)(uintptr_t)rd64(fadt, 140);
    CHECK("DSDT signature", streq_n((const char *)d, "DSDT", 4));
    len = rd32(d, 4);
    for (uint32_t i = 0; i + 8 <= len; i++) {
        hids += streq_n((const char *)d + i, "LNRO0005", 8);
    }
    CHECK_EQ("LNRO0005 devices in the DSDT", hids, slots);
    for (unsigned n = 0; n < slots; n++) {
        bool mem = false, irq = false;

        for (uint32_t i = 0; i + 12 <= len; i++) {
            mem |= d[i] == 0x86 && rd16(d, i + 1) == 9 &&
                   rd32(d, i + 4) == VIRTIO_BASE + n * 0x200 && rd32(d, i + 8) == 0x200;
            irq |= d[i] == 0x89 && rd16(d, i + 1) == 6 && d[i + 4] == 1 &&
                   rd32(d, i + 5) == 16 + n;
        }
        CHECK_EQ("DSDT Memory32Fixed of virtio-mmio slot", mem ? n : ~0ull, n);
        CHECK_EQ("DSDT Interrupt of virtio-mmio slot", irq ? n : ~0ull, n);
    }
}

static void test_boot(const bp_t *bp)
{
    uint16_t cs, ds;
    uint64_t cr0, cr4, rflags, efer_lo, efer_hi;
    uint64_t ram = param_num("ram");
    unsigned n = rd8(bp, 0x1e8);
    uint64_t ram_top = 0;
    bool low_ram = false;

    /* 64-bit Boot Protocol register state */
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1" : "=r"(cs), "=r"(ds));
    __asm__ volatile("mov %%cr0, %0; mov %%cr4, %1; pushf; pop %2" : "=r"(cr0), "=r"(cr4), "=r"(rflags));
    __asm__ volatile("rdmsr" : "=a"(efer_lo), "=d"(efer_hi) : "c"(0xc0000080));
    CHECK_EQ("boot_params address", (uint64_t)(uintptr_t)bp, 0x7000);
    CHECK_EQ("CS = __BOOT_CS", cs, 0x10);
    CHECK_EQ("DS = __BOOT_DS", ds, 0x18);
    CHECK("paging on", cr0 & 0x80000000u);
    CHECK("PAE on", cr4 & 0x20);
    CHECK("EFER.LMA", efer_lo & 0x400);
    CHECK("interrupts off", !(rflags & 0x200));

    /* setup header copied into the zero page */
    CHECK_EQ("HdrS", rd32(bp, 0x202), 0x53726448);
    CHECK_EQ("version", rd16(bp, 0x206), 0x020f);
    CHECK_EQ("type_of_loader", rd8(bp, 0x210), 0xff);
    CHECK_EQ("boot_flag", rd16(bp, 0x1fe), 0xaa55);
    CHECK_EQ("sentinel", rd8(bp, 0x1ef), 0);

    /* command line */
    CHECK("cmd_line_ptr below 4 GiB", rd32(bp, 0xc8) == 0);
    CHECK("cmdline has marker", param_is("marker", "a-b_c"));

    /* e820 */
    CHECK("e820 entries", n > 0 && n <= 128);
    for (unsigned i = 0; i < n; i++) {
        const bp_t *e = bp + 0x2d0 + 20 * i;
        uint64_t addr = rd64(e, 0), size = rd64(e, 8);
        uint32_t type = rd32(e, 16);

        if (type == 1 && addr == 0) {
            low_ram = size >= 0x9f000;
        }
        if (type == 1 && addr + size > ram_top) {
            ram_top = addr + size;
        }
        if (type == 1 && addr == 0x100000 && ram <= 0xc0000000) {
            CHECK_EQ("e820 RAM from 1 MiB ends at -m", addr + size, ram);
        }
    }
    CHECK("e820 has low RAM at 0", low_ram);
    CHECK_EQ("e820 RAM top", ram_top, ram <= 0xc0000000 ? ram : ram + 0x40000000);

    /* ACPI RSDP (boot_params.acpi_rsdp_addr) */
    {
        uint64_t rsdp = rd64(bp, 0x070);
        const uint8_t *r = (const uint8_t *)(uintptr_t)rsdp;
        uint8_t sum = 0;

        CHECK("acpi_rsdp_addr in BIOS area", rsdp >= 0xe0000 && rsdp < 0x100000);
        if (rsdp >= 0xe0000 && rsdp < 0x100000) {
            CHECK("RSDP signature", streq_n((const char *)r, "RSD PTR ", 8));
            for (int i = 0; i < 36; i++) {
                sum += r[i];
            }
            CHECK_EQ("RSDP extended checksum", sum, 0);
            check_madt((const uint8_t *)(uintptr_t)rd64(r, 24), param_num("cpus"));
            if (param("virtio_slots")) {
                check_dsdt_virtio((const uint8_t *)(uintptr_t)rd64(r, 24),
                                  param_num("virtio_slots"));
            }
        }
    }
}

static uint32_t checksum(const uint8_t *p, uint64_t len)
{
    uint32_t h = 2166136261u;     /* FNV-1a, as the test script computes it */

    for (uint64_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static void test_initrd(const bp_t *bp)
{
    uint64_t addr = rd32(bp, 0x218) | (uint64_t)rd32(bp, 0xc0) << 32;
    uint64_t size = rd32(bp, 0x21c) | (uint64_t)rd32(bp, 0xc4) << 32;
    uint64_t max = rd32(bp, 0x22c);
    uint64_t ram = param_num("ram");
    uint64_t limit = (ram < max + 1 ? ram : max + 1);

    CHECK_EQ("ramdisk_size", size, param_num("initrd_size"));
    CHECK_EQ("ramdisk_image page aligned", addr & 0xfff, 0);
    CHECK("ramdisk below initrd_addr_max", addr + size - 1 <= max);
    CHECK_EQ("ramdisk at the top of low RAM", addr, (limit - size) & ~0xfffull);
    CHECK_EQ("initrd contents", checksum((const uint8_t *)(uintptr_t)addr, size),
             param_num("initrd_sum"));
}

static void test_pio(void)
{
    /* the 16550's scratch register keeps what is written */
    outb(SERIAL + 7, 0x5a);
    CHECK_EQ("serial scratch", inb(SERIAL + 7), 0x5a);
    outb(SERIAL + 7, 0xa5);
    CHECK_EQ("serial scratch", inb(SERIAL + 7), 0xa5);
    /* nothing at 0x2e0: reads float high, writes vanish */
    outb(0x2e0, 0x12);
    CHECK_EQ("unassigned port byte", inb(0x2e0), 0xff);
    CHECK_EQ("unassigned port dword", inl(0x2e4), 0xffffffff);
}

static void test_mmio(void)
{
    /* virtio-mmio MagicValue "virt" (virtio 1.2, 4.2.2) if the board has transports */
    if (param_is("virtio", "1")) {
        CHECK_EQ("virtio-mmio magic", mmio_read32(VIRTIO_BASE), 0x74726976);
        CHECK_EQ("virtio-mmio version", mmio_read32(VIRTIO_BASE + 4), 2);
    }
    /* unassigned MMIO below the IOAPIC: writes dropped, reads return something */
    mmio_write32(0xfe000000, 0xdeadbeef);
    (void)mmio_read32(0xfe000000);
    *(volatile uint64_t *)0xfe000008 = 1;
    (void)*(volatile uint8_t *)0xfe000003;
    /* 0x9fc00 is RAM too (reserved in E820): a plain RAM access */
    mmio_write32(0x9fc00, 0x1234);
    CHECK_EQ("RAM readback", mmio_read32(0x9fc00), 0x1234);
}

/* ---- interrupts ---- */

static uint64_t idt[256 * 2] __attribute__((aligned(16)));

static void set_gate(int vec, void *handler)
{
    uint64_t h = (uint64_t)(uintptr_t)handler;

    /* 64-bit interrupt gate (SDM vol. 3A, 6.14.1): selector 0x10, P, type 0xE */
    idt[vec * 2] = (h & 0xffff) | (0x10ull << 16) | (0x8eull << 40) |
                   ((h >> 16 & 0xffff) << 48);
    idt[vec * 2 + 1] = h >> 32;
}

static void load_idt(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {
        sizeof(idt) - 1, (uint64_t)(uintptr_t)idt,
    };

    set_gate(0x40, isr_40);
    set_gate(0x41, isr_41);
    set_gate(0x42, isr_42);
    __asm__ volatile("lidt %0" :: "m"(d));
}

static void lapic_enable(void)
{
    mmio_write32(LAPIC + 0xf0, 0x1ff);      /* SVR: enabled, spurious vector 0xff */
    mmio_write32(LAPIC + 0x80, 0);          /* TPR */
}

/* Wait with interrupts enabled in HLT until *count moves or we give up. */
static bool wait_irq(volatile uint32_t *count, uint32_t before)
{
    for (int i = 0; i < 1000 && *count == before; i++) {
        __asm__ volatile("sti; hlt; cli");
    }
    return *count != before;
}

static void test_irq(void)
{
    uint32_t before;

    load_idt();
    lapic_enable();

    /* LAPIC timer one-shot wakes HLT (SDM vol. 3A, 10.5.4) */
    before = irq_count[1];
    mmio_write32(LAPIC + 0x3e0, 0xb);       /* divide by 1 */
    mmio_write32(LAPIC + 0x320, 0x41);      /* one-shot, vector 0x41 */
    mmio_write32(LAPIC + 0x380, 100000);    /* initial count */
    CHECK("LAPIC timer interrupt woke HLT", wait_irq(&irq_count[1], before));

    /* serial THR-empty interrupt on ISA IRQ 4 -> IOAPIC pin 4 -> vector 0x40 */
    mmio_write32(IOAPIC, 0x10 + 2 * 4 + 1);
    mmio_write32(IOAPIC + 0x10, 0);         /* destination APIC ID 0 */
    mmio_write32(IOAPIC, 0x10 + 2 * 4);
    mmio_write32(IOAPIC + 0x10, 0x40);      /* fixed, edge, active high, unmasked */
    before = irq_count[0];
    outb(SERIAL + 4, 0x08);                 /* MCR.OUT2 gates the IRQ on a PC */
    outb(SERIAL + 1, 0x02);                 /* IER: THR empty */
    CHECK("serial IRQ 4 reached the CPU", wait_irq(&irq_count[0], before));
    outb(SERIAL + 1, 0);
}

/* ---- SMP: start the AP with INIT-SIPI-SIPI (SDM vol. 3A, 8.4.4.1) ---- */

static void delay(unsigned n)
{
    for (volatile unsigned i = 0; i < n; i++) {
    }
}

static void test_smp(void)
{
    volatile uint32_t *heartbeat = (volatile uint32_t *)0x8100;
    size_t len = ap_trampoline_end - ap_trampoline;
    uint32_t seen;

    for (size_t i = 0; i < len; i++) {
        ((volatile char *)0x8000)[i] = ap_trampoline[i];
    }
    *heartbeat = 0;
    delay(20000);
    CHECK_EQ("AP waits for SIPI (not running)", *heartbeat, 0);
    lapic_enable();
    mmio_write32(LAPIC + 0x310, 1u << 24);  /* ICR high: APIC ID 1 */
    mmio_write32(LAPIC + 0x300, 0x4500);    /* INIT, assert */
    delay(1000);
    for (int i = 0; i < 2; i++) {
        mmio_write32(LAPIC + 0x310, 1u << 24);
        mmio_write32(LAPIC + 0x300, 0x4608);  /* SIPI, vector 0x08 -> 0x8000 */
        delay(1000);
    }
    for (int i = 0; i < 100000 && *heartbeat == 0; i++) {
        delay(100);
    }
    seen = *heartbeat;
    CHECK("AP started", seen != 0);
    /* as long as the host needs to schedule the AP's thread on a busy machine */
    for (int i = 0; i < 100000 && *heartbeat == seen; i++) {
        delay(100);
    }
    CHECK("AP keeps running", *heartbeat != seen);
}

/* ---- garbage to the virtio-mmio transports ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_virtio_garbage(void)
{
    for (unsigned dev = 0; dev < 8; dev++) {
        uintptr_t base = VIRTIO_BASE + dev * 0x200;

        /* a plausible bring-up with absurd queue addresses and sizes ... */
        mmio_write32(base + 0x70, 0);              /* reset */
        mmio_write32(base + 0x70, 1 | 2 | 8);      /* ACK, DRIVER, FEATURES_OK */
        for (unsigned q = 0; q < 4; q++) {
            mmio_write32(base + 0x30, q);          /* QueueSel */
            mmio_write32(base + 0x38, 0xffff);     /* QueueNum */
            mmio_write32(base + 0x80, 0xfffff000); /* QueueDescLow: not RAM */
            mmio_write32(base + 0x84, 0xffffffff);
            mmio_write32(base + 0x90, 0x9f000);    /* avail ring in RAM: garbage inside */
            mmio_write32(base + 0xa0, 0x7000);     /* used ring over the zero page copy */
            mmio_write32(base + 0x44, 1);          /* QueueReady */
            mmio_write32(base + 0x50, q);          /* QueueNotify */
        }
        mmio_write32(base + 0x70, 1 | 2 | 4 | 8);  /* DRIVER_OK */
        /* ... then random values at random offsets and sizes */
        for (unsigned i = 0; i < 2000; i++) {
            uint32_t r = next_rand();
            uintptr_t a = base + (r & 0x1fc);

            if (r & 0x80000000u) {
                *(volatile uint8_t *)(a + (r >> 9 & 3)) = next_rand();
            } else {
                mmio_write32(a, next_rand());
            }
            (void)mmio_read32(base + (next_rand() & 0x1fc));
        }
        /* descriptors full of garbage in RAM, then notify every queue */
        for (unsigned i = 0; i < 1024; i++) {
            ((volatile uint32_t *)0x9f000)[i] = next_rand();
        }
        for (unsigned q = 0; q < 4; q++) {
            mmio_write32(base + 0x30, q);
            mmio_write32(base + 0x80, 0x9f000);
            mmio_write32(base + 0x84, 0);
            mmio_write32(base + 0x44, 1);
            mmio_write32(base + 0x50, q);
        }
    }
}

/* ---- virtio-mmio drivers on the first transport (virtio 1.2, 4.2.3 and 2.7) ---- */

#define VIRTIO_F_FLUSH_BLK  (1u << 9)     /* VIRTIO_BLK_F_FLUSH (5.2.3) */
#define VRING_DESC_F_NEXT   1
#define VRING_DESC_F_WRITE  2

struct vring_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vring_used_elem { uint32_t id, len; };

static struct vring_desc vq_desc[8] __attribute__((aligned(16)));
static struct { uint16_t flags, idx, ring[8]; } vq_avail __attribute__((aligned(2)));
static struct { uint16_t flags, idx; struct vring_used_elem ring[8]; } vq_used
    __attribute__((aligned(4)));
static volatile uint32_t virtio_irqs;

void virtio_isr(void);
void virtio_isr(void)
{
    uint32_t status = mmio_read32(VIRTIO_BASE + 0x60);

    mmio_write32(VIRTIO_BASE + 0x64, status);      /* InterruptACK lowers the line */
    if (status & 1) {
        virtio_irqs++;
    }
    mmio_write32(LAPIC + 0xb0, 0);                 /* EOI */
}

/*
 * Initialise the device on transport b (3.1.1) with VERSION_1 and the
 * device features in features_lo, queue 0 of 8 entries on the rings above,
 * and its interrupt: GSI 16 (the DSDT's Interrupt for VR00), level, active
 * high -> vector 0x42. False (with a FAIL line) if anything is off.
 */
static bool virtio_start(uintptr_t b, uint32_t device_id, uint32_t features_lo)
{
    CHECK_EQ("magic", mmio_read32(b), 0x74726976);
    CHECK_EQ("version", mmio_read32(b + 4), 2);
    CHECK_EQ("device id", mmio_read32(b + 8), device_id);
    if (failures) {
        return false;
    }
    load_idt();
    lapic_enable();
    mmio_write32(IOAPIC, 0x10 + 2 * 16 + 1);
    mmio_write32(IOAPIC + 0x10, 0);
    mmio_write32(IOAPIC, 0x10 + 2 * 16);
    mmio_write32(IOAPIC + 0x10, 0x42 | (1u << 15));

    mmio_write32(b + 0x70, 0);                     /* reset */
    mmio_write32(b + 0x70, 1 | 2);                 /* ACKNOWLEDGE, DRIVER */
    mmio_write32(b + 0x14, 1);
    CHECK("VIRTIO_F_VERSION_1 offered", mmio_read32(b + 0x10) & 1);
    mmio_write32(b + 0x14, 0);
    CHECK_EQ("device features offered", mmio_read32(b + 0x10) & features_lo, features_lo);
    mmio_write32(b + 0x24, 1);
    mmio_write32(b + 0x20, 1);                     /* VERSION_1 */
    mmio_write32(b + 0x24, 0);
    mmio_write32(b + 0x20, features_lo);
    mmio_write32(b + 0x70, 1 | 2 | 8);             /* FEATURES_OK */
    CHECK("FEATURES_OK kept", mmio_read32(b + 0x70) & 8);
    mmio_write32(b + 0x30, 0);                     /* QueueSel 0 */
    CHECK("QueueNumMax", mmio_read32(b + 0x34) >= 8);
    vq_avail.idx = 0;                              /* the reset restarted the rings */
    vq_used.idx = 0;
    mmio_write32(b + 0x38, 8);
    mmio_write32(b + 0x80, (uintptr_t)vq_desc);
    mmio_write32(b + 0x84, 0);
    mmio_write32(b + 0x90, (uintptr_t)&vq_avail);
    mmio_write32(b + 0x94, 0);
    mmio_write32(b + 0xa0, (uintptr_t)&vq_used);
    mmio_write32(b + 0xa4, 0);
    mmio_write32(b + 0x44, 1);                     /* QueueReady */
    mmio_write32(b + 0x70, 1 | 2 | 4 | 8);         /* DRIVER_OK */
    return !failures;
}

/*
 * Chain descriptors 0..n-1 (filled in by the caller), make the chain
 * available, notify queue 0 and wait for the device to use it and interrupt.
 * Returns the length the device reports.
 */
static uint32_t virtio_request(uintptr_t b, unsigned n)
{
    volatile uint16_t *used_idx = &vq_used.idx;
    uint16_t idx = vq_avail.idx;
    uint32_t irqs = virtio_irqs;

    for (unsigned i = 0; i + 1 < n; i++) {
        vq_desc[i].flags |= VRING_DESC_F_NEXT;
        vq_desc[i].next = i + 1;
    }
    vq_avail.ring[idx % 8] = 0;
    __asm__ volatile("" ::: "memory");
    vq_avail.idx = idx + 1;
    __asm__ volatile("mfence" ::: "memory");
    mmio_write32(b + 0x50, 0);                     /* QueueNotify */
    for (int i = 0; i < 1000 && (*used_idx != (uint16_t)(idx + 1) || virtio_irqs == irqs); i++) {
        __asm__ volatile("sti; hlt; cli");
    }
    CHECK_EQ("used idx", *used_idx, (uint16_t)(idx + 1));
    CHECK_EQ("used id", vq_used.ring[idx % 8].id, 0);
    CHECK("used-buffer interrupt on GSI 16", virtio_irqs != irqs);
    return vq_used.ring[idx % 8].len;
}

static uint8_t rng_buf[64];

static void rng_request(uintptr_t b)
{
    uint32_t nonzero = 0;

    vq_desc[0] = (struct vring_desc) { (uintptr_t)rng_buf, sizeof(rng_buf), VRING_DESC_F_WRITE, 0 };
    CHECK_EQ("used len", virtio_request(b, 1), sizeof(rng_buf));
    for (unsigned i = 0; i < sizeof(rng_buf); i++) {
        nonzero += rng_buf[i] != 0;
    }
    CHECK("random bytes", nonzero > 32);
}

static void test_virtio_rng(void)
{
    if (virtio_start(VIRTIO_BASE, 4, 0)) {
        rng_request(VIRTIO_BASE);
    }
}

/*
 * notify= QueueNotify writes of queue 0 with nothing new in it: each is a
 * doorbell KVM takes in the kernel (ioeventfd), or an MMIO exit to Tern with
 * -M microvm,ioeventfd=off; the host counts KVM_RUN calls. Then one real
 * request shows the doorbell reaches the device. Twice: the device reset in
 * between removes the doorbell and QueueReady sets it up again.
 */
static void test_virtio_notify(void)
{
    uint64_t n = param_num("notify");

    for (int round = 0; round < 2; round++) {
        if (!virtio_start(VIRTIO_BASE, 4, 0)) {
            return;
        }
        for (uint64_t i = 0; i < n; i++) {
            mmio_write32(VIRTIO_BASE + 0x50, 0);
        }
        rng_request(VIRTIO_BASE);
    }
}

/* virtio-blk (5.2.6): header, data, status byte in one chain. */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4

static struct { uint32_t type, reserved; uint64_t sector; } blk_hdr;
static uint8_t blk_data[512];
static volatile uint8_t blk_status;

static void blk_request(uint32_t type, uint64_t sector)
{
    unsigned n = 0;

    blk_hdr.type = type;
    blk_hdr.reserved = 0;
    blk_hdr.sector = sector;
    blk_status = 0xff;
    vq_desc[n++] = (struct vring_desc) { (uintptr_t)&blk_hdr, sizeof(blk_hdr), 0, 0 };
    if (type != VIRTIO_BLK_T_FLUSH) {
        vq_desc[n++] = (struct vring_desc) { (uintptr_t)blk_data, sizeof(blk_data),
                                             type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0, 0 };
    }
    vq_desc[n++] = (struct vring_desc) { (uintptr_t)&blk_status, 1, VRING_DESC_F_WRITE, 0 };
    virtio_request(VIRTIO_BASE, n);
    CHECK_EQ("request status VIRTIO_BLK_S_OK", blk_status, 0);
}

/* What the guest writes to sector 1; run-guest-test.py expects the same. */
static uint8_t blk_pattern(unsigned i)
{
    return (uint8_t)(i * 13 + 7) ^ 0x5a;
}

/*
 * The host made a raw image of sectors= sectors whose sector 0 hashes to
 * sum0=: read it, write the pattern to sector 1, flush, read sector 1 back.
 * The host then checks the file.
 */
static void test_virtio_blk(void)
{
    uintptr_t b = VIRTIO_BASE;

    if (!virtio_start(b, 2, VIRTIO_F_FLUSH_BLK)) {
        return;
    }
    CHECK_EQ("capacity (config space)",
             mmio_read32(b + 0x100) | (uint64_t)mmio_read32(b + 0x104) << 32,
             param_num("sectors"));
    blk_request(VIRTIO_BLK_T_IN, 0);
    CHECK_EQ("sector 0", checksum(blk_data, sizeof(blk_data)), param_num("sum0"));
    for (unsigned i = 0; i < sizeof(blk_data); i++) {
        blk_data[i] = blk_pattern(i);
    }
    blk_request(VIRTIO_BLK_T_OUT, 1);
    blk_request(VIRTIO_BLK_T_FLUSH, 0);
    for (unsigned i = 0; i < sizeof(blk_data); i++) {
        blk_data[i] = 0;
    }
    blk_request(VIRTIO_BLK_T_IN, 1);
    for (unsigned i = 0; i < sizeof(blk_data); i++) {
        if (blk_data[i] != blk_pattern(i)) {
            CHECK_EQ("sector 1 read back", blk_data[i], blk_pattern(i));
            break;
        }
    }
}

static void test_reset(void)
{
    volatile uint32_t *marker = (volatile uint32_t *)RESET_MARKER_ADDR;

    if (*marker == RESET_MARKER) {
        *marker = 0;
        puts_serial("booted again after reset\n");
        /* interrupt controllers and APs work again after the reset */
        test_irq();
        if (param_is("smp", "1")) {
            test_smp();
        }
        return;
    }
    *marker = RESET_MARKER;
    puts_serial("RESETTING\n");
    if (param_is("via", "cf9")) {
        outb(0xcf9, 0x02);
        outb(0xcf9, 0x06);
    } else {
        outb(POWER_PORT + 2, 0x42);     /* FADT RESET_REG / RESET_VALUE */
    }
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

static void test_exits(void)
{
    /*
     * the benchmark: port I/O and MMIO exits to devices, and notify= virtio
     * QueueNotify writes (virtio-rng on the first transport), counts from the
     * command line
     */
    uint64_t n_pio = param_num("pio"), n_mmio = param_num("mmio");
    uint64_t n_notify = param("notify") ? param_num("notify") : 0;

    for (uint64_t i = 0; i < n_pio; i++) {
        outb(SERIAL + 7, i);
    }
    for (uint64_t i = 0; i < n_mmio; i++) {
        (void)mmio_read32(VIRTIO_BASE);
    }
    if (n_notify && virtio_start(VIRTIO_BASE, 4, 0)) {
        for (uint64_t i = 0; i < n_notify; i++) {
            mmio_write32(VIRTIO_BASE + 0x50, 0);
        }
    }
    outb(0xf4, 0);    /* QEMU: isa-debug-exit ends it here; nothing on Tern */
}

static void test_fatal(void)
{
    /* execute from unassigned MMIO: KVM cannot run or emulate it */
    puts_serial("jumping to 0xfe000000\n");
    ((void (*)(void))0xfe000000ul)();
}

struct test {
    const char *name;
    void (*fn)(const bp_t *bp);
};

static void t_boot(const bp_t *bp) { test_boot(bp); }
static void t_initrd(const bp_t *bp) { test_initrd(bp); }
static void t_pio(const bp_t *bp) { test_pio(); }
static void t_mmio(const bp_t *bp) { test_mmio(); }
static void t_irq(const bp_t *bp) { test_irq(); }
static void t_smp(const bp_t *bp) { test_smp(); }
static void t_virtio(const bp_t *bp) { test_virtio_garbage(); }
static void t_reset(const bp_t *bp) { test_reset(); }
static void t_exits(const bp_t *bp) { test_exits(); }
/* Compute without exits, with a "tick" on the serial port now and then, forever
 * (the host pauses, resumes, resets and quits the machine through QMP). */
static void test_spin(void)
{
    uint64_t n = param_num("spin");

    puts_serial("spin start\n");
    for (;;) {
        delay(n);
        puts_serial("tick\n");
    }
}

static void t_fatal(const bp_t *bp) { test_fatal(); }
static void t_spin(const bp_t *bp) { test_spin(); }
static void t_virtio_rng(const bp_t *bp) { test_virtio_rng(); }
static void t_virtio_notify(const bp_t *bp) { test_virtio_notify(); }
static void t_virtio_blk(const bp_t *bp) { test_virtio_blk(); }
static void t_serial(const bp_t *bp) { puts_serial("hello from the guest over the 16550\n"); }

/* Echo one line typed on the host back, proving chardev input reaches the 16550. */
static void test_serial_input(void)
{
    char line[64];
    unsigned n = 0;

    puts_serial("READY\n");
    while (n < sizeof(line) - 1) {
        while (!(inb(SERIAL + 5) & 0x01)) {      /* LSR.DR */
        }
        line[n] = inb(SERIAL);
        if (line[n] == '\n' || line[n] == '\r') {
            break;
        }
        n++;
    }
    line[n] = 0;
    puts_serial("GOT ");
    puts_serial(line);
    puts_serial("\n");
}
static void t_serial_input(const bp_t *bp) { test_serial_input(); }

static const struct test tests[] = {
    { "boot", t_boot }, { "initrd", t_initrd }, { "pio", t_pio }, { "mmio", t_mmio },
    { "irq", t_irq }, { "smp", t_smp }, { "virtio-garbage", t_virtio },
    { "reset", t_reset }, { "exits", t_exits }, { "serial", t_serial }, { "serial-input", t_serial_input },
    { "fatal", t_fatal }, { "virtio-rng", t_virtio_rng }, { "spin", t_spin },
    { "virtio-notify", t_virtio_notify }, { "virtio-blk", t_virtio_blk },
};

void guest_main(const bp_t *bp)
{
    cmdline = (const char *)(uintptr_t)rd32(bp, 0x228);
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        if (param_is("test", tests[i].name)) {
            current_test = tests[i].name;
            tests[i].fn(bp);
            if (!failures) {
                puts_serial("PASS ");
                puts_serial(current_test);
                puts_serial("\n");
            }
            poweroff();
        }
    }
    puts_serial("FAIL: no known test= on the command line\n");
    poweroff();
}
