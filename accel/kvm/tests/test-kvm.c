/*
 * Unit tests of the KVM accelerator below the board: a RAM slot from the
 * memory listener, a real-mode vCPU whose port I/O and MMIO exits reach
 * memory-API devices, ioeventfd (a matched write never leaves KVM) and irqfd
 * registration. Skipped when /dev/kvm cannot be opened.
 */
#include "tern/osdep.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "exec/memory.h"
#include "sysemu/accel.h"
#include "sysemu/kvm.h"
#include "sysemu/main-loop.h"
#include "target/i386/cpu.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define CODE_ADDR 0x1000
#define MMIO_ADDR 0xd0000

/* Real-mode guest: ioeventfd write, plain write, MMIO write + read, report, stop. */
static const uint8_t guest_code[] = {
    0xb0, 0x5a, 0xe6, 0x70,         /* mov al, 0x5a; out 0x70, al  (ioeventfd match) */
    0xb0, 0x5b, 0xe6, 0x70,         /* mov al, 0x5b; out 0x70, al  (no match: exits) */
    0xb8, 0x00, 0xd0, 0x8e, 0xd8,   /* mov ax, 0xd000; mov ds, ax */
    0xb0, 0x33, 0xa2, 0x04, 0x00,   /* mov al, 0x33; mov [4], al    (MMIO write) */
    0xa0, 0x08, 0x00,               /* mov al, [8]                  (MMIO read) */
    0xe6, 0x81,                     /* out 0x81, al                 (report it) */
    0xa0, 0x00, 0x10,               /* mov al, [0x1000]: unassigned MMIO read */
    0xe6, 0x82,                     /* out 0x82, al */
    0xb0, 0x11, 0xe6, 0x80,         /* mov al, 0x11; out 0x80, al   (stop) */
    0xeb, 0xfe,                     /* jmp $ */
};

typedef struct TestDev {
    CPUState *cpu;
    GArray *pio_writes;             /* (port << 8) | value */
    hwaddr mmio_addr;
    uint64_t mmio_val;
    unsigned mmio_size;
} TestDev;

static TestDev dev;

static uint64_t pio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void pio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    uint32_t rec = ((0x70 + addr) << 8) | (val & 0xff);

    g_array_append_val(dev.pio_writes, rec);
    if (addr == 0x10) {
        cpu_exit(dev.cpu);      /* port 0x80: leave vcpu_exec */
    }
}

static const MemoryRegionOps pio_ops = { .read = pio_read, .write = pio_write };

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 8 ? 0x77 : 0;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    dev.mmio_addr = addr;
    dev.mmio_val = val;
    dev.mmio_size = size;
}

static const MemoryRegionOps mmio_ops = { .read = mmio_read, .write = mmio_write };

static void test_vcpu_exits(void **state)
{
    MemoryRegion *ram = g_new0(MemoryRegion, 1), *pio = g_new0(MemoryRegion, 1);
    MemoryRegion *mmio = g_new0(MemoryRegion, 1);
    const AccelOps *kvm = accel_find("kvm");
    GError *err = NULL;
    X86CPU *cpu;
    uint64_t count = 0;
    int efd, r;

    if (access("/dev/kvm", R_OK | W_OK)) {
        print_message("SKIP: /dev/kvm is not usable: %s\n", g_strerror(errno));
        skip();
    }
    assert_non_null(kvm);
    current_accel = kvm;
    if (!kvm->init_machine(NULL, &err)) {
        fail_msg("KVM init: %s", err->message);
    }
    assert_true(kvm_enabled());
    assert_true(kvm_irqchip_in_kernel());

    assert_true(memory_region_init_ram(ram, "ram", 1 << 20, NULL));
    memory_region_add_subregion(get_system_memory(), 0, ram);
    memcpy(ram->ram + CODE_ADDR, guest_code, sizeof(guest_code));
    memory_region_init_io(pio, &pio_ops, NULL, "test-pio", 0x20);
    memory_region_add_subregion(get_system_io(), 0x70, pio);
    memory_region_init_io(mmio, &mmio_ops, NULL, "test-mmio", 0x100);
    memory_region_add_subregion(get_system_memory(), MMIO_ADDR, mmio);

    cpu = x86_cpu_create("qemu64", 0, 1, &err);
    assert_non_null(cpu);
    dev.cpu = &cpu->parent_obj;
    dev.pio_writes = g_array_new(false, false, sizeof(uint32_t));
    if (!kvm->vcpu_init(dev.cpu, &err)) {
        fail_msg("vcpu_init: %s", err->message);
    }
    /* start in real mode at 0:0x1000 */
    cpu->sregs.cs.base = 0;
    cpu->sregs.cs.selector = 0;
    cpu->regs.rip = CODE_ADDR;
    kvm_cpu_mark_dirty(dev.cpu);

    efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(efd >= 0);
    assert_true(kvm_ioeventfd_assign(efd, 0x70, 1, true, true, 0x5a, true, NULL));
    assert_false(kvm_ioeventfd_assign(efd, 0x70, 3, true, false, 0, true, &err));
    g_clear_error(&err);

    for (int i = 0; i < 10 && !(dev.pio_writes->len && g_array_index(
             dev.pio_writes, uint32_t, dev.pio_writes->len - 1) == 0x8011); i++) {
        r = kvm->vcpu_exec(dev.cpu);
        assert_int_equal(r, EXCP_INTERRUPT);
    }

    /* 0x5a to port 0x70 went to the eventfd, not to the device */
    assert_int_equal(read(efd, &count, sizeof(count)), sizeof(count));
    assert_int_equal(count, 1);
    assert_int_equal(dev.pio_writes->len, 4);
    assert_int_equal(g_array_index(dev.pio_writes, uint32_t, 0), 0x705b);
    assert_int_equal(g_array_index(dev.pio_writes, uint32_t, 1), 0x8177);   /* MMIO read */
    assert_int_equal(g_array_index(dev.pio_writes, uint32_t, 2) >> 8, 0x82); /* unassigned */
    assert_int_equal(g_array_index(dev.pio_writes, uint32_t, 3), 0x8011);
    assert_int_equal(dev.mmio_addr, 4);
    assert_int_equal(dev.mmio_val, 0x33);
    assert_int_equal(dev.mmio_size, 1);
    assert_true(kvm_ioeventfd_assign(efd, 0x70, 1, true, true, 0x5a, false, NULL));

    /* irqfd on an in-kernel IOAPIC input, edge and level (with resample) */
    {
        int rfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        qemu_irq line = kvm_irqchip_gsi(16);

        assert_int_equal(kvm_irqchip_gsi_of(line), 16);
        assert_int_equal(kvm_irqchip_gsi_of(NULL), -1);
        assert_null(kvm_irqchip_gsi(24));
        assert_true(kvm_irqfd_assign(efd, -1, 5, true, NULL));
        assert_true(kvm_irqfd_assign(efd, -1, 5, false, NULL));
        assert_true(kvm_irqfd_assign(efd, rfd, 16, true, NULL));
        assert_true(kvm_irqfd_assign(efd, rfd, 16, false, NULL));
        assert_false(kvm_irqfd_assign(efd, -1, 99, true, &err));
        assert_non_null(strstr(err->message, "GSI 99"));
        g_clear_error(&err);
        close(rfd);
    }
    close(efd);
}

/* Run the vCPU in real mode from 0:ip until it writes port 0x80; returns what it wrote. */
static uint8_t run_until_port80(const AccelOps *kvm, X86CPU *cpu, uint16_t ip)
{
    unsigned before = dev.pio_writes->len;

    cpu->sregs.cs.base = 0;
    cpu->sregs.cs.selector = 0;
    cpu->regs.rip = ip;
    kvm_cpu_mark_dirty(&cpu->parent_obj);
    for (int i = 0; i < 10 && dev.pio_writes->len == before; i++) {
        assert_int_equal(kvm->vcpu_exec(&cpu->parent_obj), EXCP_INTERRUPT);
    }
    assert_int_equal(dev.pio_writes->len, before + 1);
    assert_int_equal(g_array_index(dev.pio_writes, uint32_t, before) >> 8, 0x80);
    return g_array_index(dev.pio_writes, uint32_t, before) & 0xff;
}

/*
 * The memory listener keeps KVM's slots in step with the flat view: RAM laid
 * over part of the main RAM splits its slot; removing it restores the view.
 */
static void test_memory_map_changes(void **state)
{
    const AccelOps *kvm = accel_find("kvm");
    X86CPU *cpu;
    MemoryRegion *overlay = g_new0(MemoryRegion, 1);
    static const uint8_t code_main[] = { 0xb0, 0x33, 0xe6, 0x80, 0xeb, 0xfe };
    static const uint8_t code_overlay[] = { 0xb0, 0x22, 0xe6, 0x80, 0xeb, 0xfe };
    static const uint8_t code_above[] = { 0xb0, 0x44, 0xe6, 0x80, 0xeb, 0xfe };
    MemoryRegionSection sec;
    uint8_t *main_ram;

    if (!kvm_enabled()) {
        skip();
    }
    cpu = X86_CPU(dev.cpu);
    assert_true(address_space_lookup(get_system_address_space(), 0xe000, &sec));
    main_ram = (uint8_t *)memory_region_get_ram_ptr(sec.mr) + sec.offset_within_region - 0xe000;
    memcpy(main_ram + 0xe000, code_main, sizeof(code_main));
    memcpy(main_ram + 0xf000, code_above, sizeof(code_above));
    assert_int_equal(run_until_port80(kvm, cpu, 0xe000), 0x33);

    assert_true(memory_region_init_ram(overlay, "overlay", 0x1000, NULL));
    memcpy(overlay->ram, code_overlay, sizeof(code_overlay));
    memory_region_add_subregion_overlap(get_system_memory(), 0xe000, overlay, 1);
    assert_int_equal(run_until_port80(kvm, cpu, 0xe000), 0x22);
    /* RAM on both sides of the overlay is still mapped */
    assert_int_equal(run_until_port80(kvm, cpu, CODE_ADDR + sizeof(guest_code) - 6), 0x11);
    assert_int_equal(run_until_port80(kvm, cpu, 0xf000), 0x44);

    memory_region_del_subregion(get_system_memory(), overlay);
    assert_int_equal(run_until_port80(kvm, cpu, 0xe000), 0x33);
}

static int doorbell_rings;

static void doorbell_fn(void *opaque)
{
    g_assert(opaque == &doorbell_rings);
    doorbell_rings++;
}

/* A doorbell's write stays in KVM; its handler runs from the main context. */
static void test_doorbell(void **state)
{
    const AccelOps *kvm = accel_find("kvm");
    KVMDoorbell *d;
    unsigned before = dev.pio_writes->len;

    if (!kvm_enabled()) {
        skip();
    }
    d = kvm_doorbell_new(0x70, 1, true, 0x5a, doorbell_fn, &doorbell_rings, NULL);
    assert_non_null(d);
    /* the whole guest program again: 0x5a rings, 0x5b reaches the device */
    X86_CPU(dev.cpu)->regs.rip = CODE_ADDR;
    X86_CPU(dev.cpu)->sregs.cs.base = 0;
    X86_CPU(dev.cpu)->sregs.cs.selector = 0;
    kvm_cpu_mark_dirty(dev.cpu);
    for (int i = 0; i < 10 && dev.pio_writes->len < before + 4; i++) {
        assert_int_equal(kvm->vcpu_exec(dev.cpu), EXCP_INTERRUPT);
    }
    assert_int_equal(dev.pio_writes->len, before + 4);
    assert_int_equal(g_array_index(dev.pio_writes, uint32_t, before + 3), 0x8011);
    for (int i = 0; i < 100 && !doorbell_rings; i++) {
        g_main_context_iteration(main_loop_context(), false);
        g_usleep(1000);
    }
    assert_int_equal(doorbell_rings, 1);
    assert_int_equal(g_array_index(dev.pio_writes, uint32_t, before), 0x705b);
    kvm_doorbell_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vcpu_exits),
        cmocka_unit_test(test_memory_map_changes),
        cmocka_unit_test(test_doorbell),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
