/*
 * microvm: a minimal x86-64 KVM machine in the spirit of QEMU's and
 * Firecracker's: RAM with an E820 map, the in-kernel PIC/IOAPIC/LAPICs and
 * PIT, a 16550A at 0x3f8 (IRQ 4), virtio-mmio transports, hardware-reduced
 * ACPI (RSDP/XSDT/FADT/MADT/DSDT) and direct Linux boot. No firmware, no PCI.
 *
 * Memory map:
 *   0x00000000  RAM (E820: 0-0x9fc00 RAM, 0x9fc00-0xa0000 reserved)
 *   0x000e0000  ACPI tables (reserved)
 *   0x00100000  RAM up to min(-m, 3 GiB); the rest of RAM from 4 GiB
 *   0xfeb00000  virtio-mmio transports, 0x200 bytes each, GSI 16 + n
 *   0xfec00000  IOAPIC, 0xfee00000 LAPIC (in KVM)
 * Port I/O: 0x3f8 serial, 0x600-0x602 ACPI sleep control/status and reset
 * registers, 0xcf9 reset control.
 */
#include "tern/osdep.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/char/serial.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/x86-boot.h"
#include "hw/loader.h"
#include "hw/qdev.h"
#include "hw/virtio/virtio-mmio.h"
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"
#include "sysemu/vl.h"
#include "target/i386/cpu.h"
#include "util/keyval.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define MICROVM_MAX_CPUS      64
#define MICROVM_LOW_RAM_MAX   (3 * GiB)
#define MICROVM_HIGH_RAM_BASE (4 * GiB)
#define MICROVM_ACPI_BASE     0xe0000
#define MICROVM_ACPI_SIZE     0x20000
#define MICROVM_VIRTIO_BASE   0xfeb00000
#define MICROVM_VIRTIO_SIZE   0x200
#define MICROVM_VIRTIO_COUNT  8
#define MICROVM_VIRTIO_GSI    16
#define MICROVM_IOAPIC_ADDR   0xfec00000
#define MICROVM_SERIAL_PORT   0x3f8
#define MICROVM_SERIAL_IRQ    4
#define MICROVM_POWER_PORT    0x600     /* sleep control, sleep status, reset */
#define MICROVM_RESET_VALUE   0x42
#define MICROVM_SLP_TYP_S5    5
#define RESET_CONTROL_PORT    0xcf9

/* ACPI 6.5, 4.8.3.7 Sleep Control Register / 4.8.3.8 Sleep Status Register */
#define SLP_TYP_SHIFT 2
#define SLP_TYP_MASK  0x1c
#define SLP_EN        0x20
#define WAK_STS       0x80

typedef struct MicrovmMachineState {
    MachineState parent;
    /* -M microvm,pit=off / acpi=off / ioeventfd=off (the zeroed struct means "on") */
    bool no_pit;
    bool no_acpi;
    bool no_ioeventfd;
    MemoryRegion ram_low, ram_high;
    MemoryRegion power_io, reset_control_io;
    uint8_t reset_control;
} MicrovmMachineState;

/* ---- hardware-reduced ACPI sleep/reset registers and port 0xcf9 ---- */

static uint64_t power_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;     /* no wake events: WAK_STS stays clear */
}

static void power_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    switch (addr) {
    case 0:     /* sleep control */
        if (!(val & SLP_EN)) {
            break;
        }
        if (((val & SLP_TYP_MASK) >> SLP_TYP_SHIFT) == MICROVM_SLP_TYP_S5) {
            qemu_system_shutdown_request(0);
        } else {
            tern_log_mask(LOG_UNIMP, "microvm: sleep type %u is not supported\n",
                          (unsigned)((val & SLP_TYP_MASK) >> SLP_TYP_SHIFT));
        }
        break;
    case 1:     /* sleep status: writing WAK_STS clears it */
        break;
    case 2:     /* reset register (FADT RESET_REG) */
        if (val == MICROVM_RESET_VALUE) {
            qemu_system_reset_request();
        }
        break;
    }
}

static const MemoryRegionOps power_ops = {
    .read = power_read,
    .write = power_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/* Reset Control Register at 0xcf9 (Intel PCH datasheets): RST_CPU (bit 2) resets. */
static uint64_t reset_control_read(void *opaque, hwaddr addr, unsigned size)
{
    MicrovmMachineState *s = opaque;

    return s->reset_control;
}

static void reset_control_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    MicrovmMachineState *s = opaque;

    s->reset_control = val & 0x0a;    /* SYS_RST and FULL_RST are kept */
    if (val & 0x04) {
        qemu_system_reset_request();
    }
}

static const MemoryRegionOps reset_control_ops = {
    .read = reset_control_read,
    .write = reset_control_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- machine ---- */

static bool set_pit(MachineState *ms, const char *value, GError **errp)
{
    MicrovmMachineState *s = (MicrovmMachineState *)ms;
    bool on;

    if (!parse_bool(value, &on, errp)) {
        return false;
    }
    s->no_pit = !on;
    return true;
}

static bool set_acpi(MachineState *ms, const char *value, GError **errp)
{
    MicrovmMachineState *s = (MicrovmMachineState *)ms;
    bool on;

    if (!parse_bool(value, &on, errp)) {
        return false;
    }
    s->no_acpi = !on;
    return true;
}

static bool set_ioeventfd(MachineState *ms, const char *value, GError **errp)
{
    MicrovmMachineState *s = (MicrovmMachineState *)ms;
    bool on;

    if (!parse_bool(value, &on, errp)) {
        return false;
    }
    s->no_ioeventfd = !on;
    return true;
}

static void create_ram(MicrovmMachineState *s)
{
    MachineState *ms = &s->parent;
    MemoryRegion *sysmem = get_system_memory();
    uint64_t low = MIN(ms->ram_size, MICROVM_LOW_RAM_MAX);

    memory_region_init_alias(&s->ram_low, "ram-below-4g", ms->ram, 0, low);
    memory_region_add_subregion(sysmem, 0, &s->ram_low);
    if (ms->ram_size > low) {
        memory_region_init_alias(&s->ram_high, "ram-above-4g", ms->ram, low,
                                 ms->ram_size - low);
        memory_region_add_subregion(sysmem, MICROVM_HIGH_RAM_BASE, &s->ram_high);
    }
}

static unsigned build_e820(MicrovmMachineState *s, E820Entry *e)
{
    uint64_t ram = s->parent.ram_size;
    uint64_t low = MIN(ram, MICROVM_LOW_RAM_MAX);
    unsigned n = 0;

    e[n++] = (E820Entry) { 0, 0x9fc00, E820_RAM };
    e[n++] = (E820Entry) { 0x9fc00, 0x400, E820_RESERVED };
    e[n++] = (E820Entry) { MICROVM_ACPI_BASE, MICROVM_ACPI_SIZE, E820_RESERVED };
    e[n++] = (E820Entry) { X86_KERNEL_ADDR, low - X86_KERNEL_ADDR, E820_RAM };
    if (ram > low) {
        e[n++] = (E820Entry) { MICROVM_HIGH_RAM_BASE, ram - low, E820_RAM };
    }
    return n;
}

/*
 * The transports in address order (the first -device, or -drive if=virtio,
 * gets 0xfeb00000, as on QEMU's microvm), then a virtio-blk device for each
 * -drive if=virtio. The DSDT describes all of them, used or not.
 */
static void create_virtio_transports(MicrovmMachineState *s, AcpiMmioDevice *virtio,
                                     unsigned *count)
{
    GError *err = NULL;

    *count = 0;
    if (!device_class_find(TYPE_VIRTIO_MMIO)) {
        return;     /* a build without virtio */
    }
    for (unsigned i = 0; i < MICROVM_VIRTIO_COUNT; i++) {
        DeviceState *dev = qdev_new(TYPE_VIRTIO_MMIO, &err);
        hwaddr base = MICROVM_VIRTIO_BASE + i * MICROVM_VIRTIO_SIZE;

        if (!dev) {
            error_exit_err(err);
        }
        qdev_prop_set_bool(dev, "ioeventfd", !s->no_ioeventfd);
        qdev_realize_or_exit(dev, NULL);
        sysbus_mmio_map(dev, 0, base);
        sysbus_connect_irq(dev, 0, kvm_irqchip_gsi(MICROVM_VIRTIO_GSI + i));
        virtio[i] = (AcpiMmioDevice) { base, MICROVM_VIRTIO_SIZE, MICROVM_VIRTIO_GSI + i };
    }
    *count = MICROVM_VIRTIO_COUNT;
    if (!virtio_mmio_create_drives(&err)) {
        error_exit_err(err);
    }
}

static hwaddr create_acpi_tables(MicrovmMachineState *s, const AcpiMmioDevice *virtio,
                                 unsigned nr_virtio)
{
    AcpiMachineConfig c = {
        .nr_cpus = s->parent.smp.cpus,
        .ioapic_addr = MICROVM_IOAPIC_ADDR,
        .ioapic_id = 0,
        .has_serial = true,
        .serial_port = MICROVM_SERIAL_PORT,
        .serial_irq = MICROVM_SERIAL_IRQ,
        .virtio = virtio,
        .nr_virtio = nr_virtio,
        .sleep_control_port = MICROVM_POWER_PORT,
        .sleep_status_port = MICROVM_POWER_PORT + 1,
        .reset_port = MICROVM_POWER_PORT + 2,
        .reset_value = MICROVM_RESET_VALUE,
        .slp_typ_s5 = MICROVM_SLP_TYP_S5,
    };
    GByteArray *tables = acpi_build_tables(&c, MICROVM_ACPI_BASE);

    g_assert(tables->len <= MICROVM_ACPI_SIZE);
    rom_add_blob("acpi tables", tables->data, tables->len, MICROVM_ACPI_BASE);
    g_byte_array_free(tables, true);
    return MICROVM_ACPI_BASE;
}

/* Direct Linux boot: the BSP enters the kernel at every reset. */
static void load_kernel(MicrovmMachineState *s, X86CPU *bsp, hwaddr rsdp)
{
    MachineState *ms = &s->parent;
    E820Entry e820[8];
    X86LinuxBoot boot = {
        .kernel = ms->kernel_filename,
        .initrd = ms->initrd_filename,
        .cmdline = ms->kernel_cmdline ? ms->kernel_cmdline : "",
        .e820 = e820,
        .nr_e820 = build_e820(s, e820),
        .low_ram_end = MIN(ms->ram_size, MICROVM_LOW_RAM_MAX),
        .rsdp = rsdp,
    };
    X86BootEntry entry;
    GError *err = NULL;

    if (!x86_load_linux(&boot, &entry, &err)) {
        error_exit_err(err);
    }
    x86_cpu_set_boot_entry(bsp, &entry);
}

static void microvm_init(MachineState *ms)
{
    MicrovmMachineState *s = (MicrovmMachineState *)ms;
    MemoryRegion *sysio = get_system_io();
    AcpiMmioDevice virtio[MICROVM_VIRTIO_COUNT];
    unsigned nr_virtio;
    X86CPU *bsp = NULL;
    GError *err = NULL;
    hwaddr rsdp = 0;

    if (!kvm_enabled()) {
        error_exit("-M microvm: the machine runs only under KVM (-accel kvm)");
    }
    if (ms->firmware && strcmp(ms->firmware, "none")) {
        error_exit("-bios %s: microvm starts kernels directly and takes no firmware; "
                   "use -kernel", ms->firmware);
    }
    if (!ms->kernel_filename) {
        error_exit("-M microvm: no -kernel given (the machine has no firmware)");
    }
    if (ms->ram_size < 16 * MiB) {
        error_exit("-m %" PRIu64 "M: microvm needs at least 16 MiB", ms->ram_size >> 20);
    }

    if (!x86_cpu_model_check(ms->cpu_model, &err)) {
        error_exit_err(err);
    }
    create_ram(s);
    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        X86CPU *cpu = x86_cpu_create(ms->cpu_model, i, ms->smp.cpus, &err);

        if (!cpu) {
            error_exit_err(err);
        }
        bsp = bsp ? bsp : cpu;
    }
    if (!s->no_pit && !kvm_pit_create(&err)) {
        error_prepend(&err, "-M microvm,pit=on: ");
        error_exit_err(err);
    }
    serial_create(sysio, MICROVM_SERIAL_PORT, 0, kvm_irqchip_gsi(MICROVM_SERIAL_IRQ),
                  serial_hd(0));
    memory_region_init_io(&s->power_io, &power_ops, s, "acpi-power", 3);
    memory_region_add_subregion(sysio, MICROVM_POWER_PORT, &s->power_io);
    memory_region_init_io(&s->reset_control_io, &reset_control_ops, s, "reset-control", 1);
    memory_region_add_subregion(sysio, RESET_CONTROL_PORT, &s->reset_control_io);
    create_virtio_transports(s, virtio, &nr_virtio);
    if (!s->no_acpi) {
        rsdp = create_acpi_tables(s, virtio, nr_virtio);
    }

    load_kernel(s, bsp, rsdp);
}

static const MachineProp microvm_props[] = {
    { "pit", "in-kernel i8254 PIT (on|off, default on)", set_pit },
    { "acpi", "ACPI tables (on|off, default on)", set_acpi },
    { "ioeventfd", "virtio-mmio QueueNotify through KVM ioeventfds (on|off, default on)",
      set_ioeventfd },
    { NULL, NULL, NULL },
};

static const MachineClass microvm_class = {
    .name = "microvm",
    .desc = "microvm (KVM, virtio-mmio, hardware-reduced ACPI, direct Linux boot)",
    .is_default = true,
    .default_ram_size = 128 * MiB,
    .default_cpu_type = X86_CPU_DEFAULT_MODEL,
    .max_cpus = MICROVM_MAX_CPUS,
    .default_accel = "kvm",
    .instance_size = sizeof(MicrovmMachineState),
    .props = microvm_props,
    .init = microvm_init,
};

static void microvm_register(void)
{
    machine_class_register(&microvm_class);
}
type_init(microvm_register)
