/*
 * The RISC-V "virt" board: QEMU 7.2's memory map, devices and boot flow.
 *
 *   0x00001000  boot ROM (reset vector, fw_dynamic info)
 *   0x00100000  SiFive test finisher (poweroff / reboot)
 *   0x00101000  Goldfish RTC                    PLIC source 11
 *   0x02000000  ACLINT MSWI + MTIMER (CLINT layout)
 *   0x0c000000  PLIC, contexts 2h (M) and 2h+1 (S) for hart h
 *   0x10000000  NS16550A UART (serial0)         PLIC source 10
 *   0x10001000  8 virtio-mmio transports        PLIC sources 1..8
 *   0x03000000  PCIe port I/O window; 0x30000000 ECAM; 0x40000000 MMIO
 *               window (and 16 GiB above RAM)   PLIC sources 32..35 (INTx)
 *   0x80000000  DRAM
 */
#include "tern/osdep.h"
#include <libfdt.h>
#include "hw/riscv/virt.h"
#include "hw/riscv/boot.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/intc/riscv_plic.h"
#include "hw/char/serial.h"
#include "hw/rtc/goldfish_rtc.h"
#include "hw/misc/sifive_test.h"
#include "hw/virtio/virtio-mmio.h"
#include "hw/pci/gpex.h"
#include "hw/loader.h"
#include "sysemu/vl.h"
#include "hw/riscv/riscv-config.h"   /* generated: TERN_RISCV_DEFAULT_BIOS */

#define MiB (1024 * 1024ULL)

const MemMapEntry virt_memmap[VIRT_MEMMAP_COUNT] = {
    [VIRT_MROM]   = { 0x1000,     0xf000 },
    [VIRT_TEST]   = { 0x100000,   0x1000 },
    [VIRT_RTC]    = { 0x101000,   0x1000 },
    [VIRT_CLINT]  = { 0x2000000,  0x10000 },
    /* sized for QEMU's 512 harts, as its device tree says */
    [VIRT_PLIC]   = { 0xc000000,  PLIC_CONTEXT_BASE + 512 * 2 * PLIC_CONTEXT_STRIDE },
    [VIRT_UART0]  = { 0x10000000, 0x100 },
    [VIRT_VIRTIO] = { 0x10001000, 0x1000 },
    [VIRT_PCIE_PIO]  = { 0x03000000, 0x10000 },
    [VIRT_PCIE_ECAM] = { 0x30000000, 0x10000000 },
    [VIRT_PCIE_MMIO] = { 0x40000000, 0x40000000 },
    [VIRT_DRAM]   = { 0x80000000, 0 },
};

static VirtMachineState *to_virt(MachineState *ms)
{
    return container_of(ms, VirtMachineState, parent_obj);
}

static bool set_dumpdtb(MachineState *ms, const char *value, GError **errp)
{
    VirtMachineState *s = to_virt(ms);

    g_free(s->dumpdtb);
    s->dumpdtb = g_strdup(value);
    return true;
}

/*
 * QEMU's interrupt-controller choices, accepted where they name what Tern
 * builds (the SiFive CLINT layout and the PLIC), refused otherwise.
 */
static bool set_aclint(MachineState *ms, const char *value, GError **errp)
{
    if (strcmp(value, "off") && strcmp(value, "false") && strcmp(value, "no")) {
        error_setg(errp, "only aclint=off (the SiFive CLINT layout) is supported");
        return false;
    }
    return true;
}

static bool set_aia(MachineState *ms, const char *value, GError **errp)
{
    if (strcmp(value, "none")) {
        error_setg(errp, "only aia=none (the PLIC) is supported; no APLIC/IMSIC");
        return false;
    }
    return true;
}

static void create_harts(VirtMachineState *s)
{
    MachineState *ms = &s->parent_obj;

    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        GError *err = NULL;

        s->harts[i] = riscv_cpu_create(ms->cpu_model, i, &err);
        if (!s->harts[i]) {
            error_prepend(&err, "-cpu: ");
            error_exit_err(err);
        }
        riscv_cpu_set_reset_pc(s->harts[i], virt_memmap[VIRT_MROM].base);
    }
}

static void create_interrupt_controllers(VirtMachineState *s)
{
    unsigned n = s->parent_obj.smp.cpus;
    hwaddr clint = virt_memmap[VIRT_CLINT].base;

    s->swi = riscv_aclint_swi_create(clint, n);
    s->mtimer = riscv_aclint_mtimer_create(clint + ACLINT_SWI_SIZE, n, VIRT_TIMEBASE_FREQ);
    s->plic = riscv_plic_create(virt_memmap[VIRT_PLIC].base, virt_memmap[VIRT_PLIC].size,
                                VIRT_PLIC_NUM_SOURCES, 2 * n, VIRT_PLIC_NUM_PRIORITIES);
    for (unsigned i = 0; i < n; i++) {
        RISCVCPU *cpu = s->harts[i];

        sysbus_connect_irq(s->swi, i, riscv_cpu_irq(cpu, IRQ_M_SOFT));
        sysbus_connect_irq(s->mtimer, i, riscv_cpu_irq(cpu, IRQ_M_TIMER));
        sysbus_connect_irq(s->mtimer, ACLINT_STIP_OUTPUT(i), riscv_cpu_irq(cpu, IRQ_S_TIMER));
        riscv_aclint_mtimer_set_hart(s->mtimer, i, cpu);
        riscv_cpu_set_time_source(cpu, riscv_aclint_mtimer_time_source(s->mtimer));
        sysbus_connect_irq(s->plic, 2 * i, riscv_cpu_irq(cpu, IRQ_M_EXT));
        sysbus_connect_irq(s->plic, 2 * i + 1, riscv_cpu_irq(cpu, IRQ_S_EXT));
    }
}

static void create_virtio_transports(VirtMachineState *s)
{
    if (!device_class_find(TYPE_VIRTIO_MMIO)) {
        return;     /* this build has no virtio */
    }
    /*
     * Highest address first: -device fills transports in creation order, and
     * QEMU gives the first virtio device the transport at the top.
     */
    for (int i = VIRT_VIRTIO_COUNT - 1; i >= 0; i--) {
        DeviceState *dev = qdev_new_or_exit(TYPE_VIRTIO_MMIO);

        qdev_realize_or_exit(dev, NULL);
        sysbus_mmio_map(dev, 0, virt_memmap[VIRT_VIRTIO].base +
                        i * virt_memmap[VIRT_VIRTIO].size);
        sysbus_connect_irq(dev, 0, device_gpio_in(s->plic, VIRT_VIRTIO_IRQ + i));
        s->virtio[i] = dev;
    }
}

static void create_pcie(VirtMachineState *s)
{
    MachineState *ms = &s->parent_obj;
    const MemMapEntry *m = virt_memmap;

    /* the 64-bit window: 16 GiB, aligned to its size, above RAM (like QEMU) */
    s->pcie_high_mmio.size = VIRT_PCIE_HIGH_MMIO_SIZE;
    s->pcie_high_mmio.base = TERN_ALIGN_UP(m[VIRT_DRAM].base + ms->ram_size,
                                           VIRT_PCIE_HIGH_MMIO_SIZE);
    s->pcie = gpex_host_create(m[VIRT_PCIE_ECAM].base, m[VIRT_PCIE_ECAM].size,
                               m[VIRT_PCIE_MMIO].base, m[VIRT_PCIE_MMIO].size,
                               s->pcie_high_mmio.base, s->pcie_high_mmio.size,
                               m[VIRT_PCIE_PIO].base, m[VIRT_PCIE_PIO].size);
    for (int i = 0; i < PCI_NUM_PINS; i++) {
        sysbus_connect_irq(s->pcie, i, device_gpio_in(s->plic, VIRT_PCIE_IRQ + i));
    }
}

static void create_devices(VirtMachineState *s)
{
    s->test = sifive_test_create(virt_memmap[VIRT_TEST].base);
    s->rtc = goldfish_rtc_create(virt_memmap[VIRT_RTC].base,
                                 device_gpio_in(s->plic, VIRT_RTC_IRQ));
    s->uart = serial_create(get_system_memory(), virt_memmap[VIRT_UART0].base, 0,
                            device_gpio_in(s->plic, VIRT_UART0_IRQ), serial_hd(0));
    create_virtio_transports(s);
    create_pcie(s);
    if (s->virtio[0]) {
        /* -drive if=virtio (the default if=): a virtio-blk device each, in order */
        GError *err = NULL;

        if (!virtio_mmio_create_drives(&err)) {
            error_exit_err(err);
        }
    }
}

/* -dtb FILE, used as is apart from /chosen (like QEMU). */
static void *load_dtb(const char *filename)
{
    GError *err = NULL;
    gchar *data;
    gsize len;

    if (!g_file_get_contents(filename, &data, &len, &err)) {
        error_exit("-dtb %s: %s", filename, err->message);
    }
    if (len < sizeof(struct fdt_header) || fdt_check_header(data) != 0 ||
        fdt_totalsize(data) > len) {
        error_exit("-dtb %s: not a flattened device tree (dtb) file", filename);
    }
    return data;
}

static const char *firmware_path(MachineState *ms)
{
    if (ms->firmware && strcmp(ms->firmware, "default") != 0) {
        return strcmp(ms->firmware, "none") ? ms->firmware : NULL;
    }
    if (!TERN_RISCV_DEFAULT_BIOS[0]) {
        error_exit("-bios: this build has no default firmware (Debian's opensbi package "
                   "was not installed at build time); pass -bios FILE or -bios none");
    }
    return TERN_RISCV_DEFAULT_BIOS;
}

static void virt_boot(VirtMachineState *s)
{
    MachineState *ms = &s->parent_obj;
    hwaddr dram = virt_memmap[VIRT_DRAM].base;
    hwaddr ram_end = dram + ms->ram_size;
    const char *fw = firmware_path(ms);
    hwaddr start_addr = dram;       /* where the reset vector jumps */
    uint64_t fw_end = dram;
    uint64_t kernel_entry = 0;      /* fw_dynamic's next stage; 0: none */
    hwaddr initrd_start = 0, initrd_end = 0;
    GError *err = NULL;

    if (fw) {
        fw_end = riscv_load_firmware(fw, dram, ms->ram_size, &err);
        if (!fw_end) {
            error_prepend(&err, "-bios %s: ", fw);
            error_exit_err(err);
        }
    }
    if (ms->kernel_filename) {
        hwaddr kernel_start = riscv_kernel_start_addr(fw_end);

        if (!riscv_load_kernel(ms->kernel_filename, kernel_start, ram_end,
                               &kernel_entry, &err)) {
            error_exit_err(err);
        }
        if (ms->initrd_filename &&
            !riscv_load_initrd(ms->initrd_filename, kernel_start, dram, ms->ram_size,
                               &initrd_start, &initrd_end, &err)) {
            error_exit_err(err);
        }
        if (!fw) {
            start_addr = kernel_entry;  /* -bios none: enter the program directly */
        }
    } else if (ms->initrd_filename) {
        error_exit("-initrd %s: an initrd needs -kernel", ms->initrd_filename);
    }

    s->fdt = ms->dtb ? load_dtb(ms->dtb) : virt_create_fdt(s);
    if (!virt_fdt_set_chosen(&s->fdt, ms->kernel_cmdline, initrd_start, initrd_end, &err)) {
        error_prepend(&err, "%s: ", ms->dtb ? ms->dtb : "virt");
        error_exit_err(err);
    }
    s->fdt_size = fdt_totalsize(s->fdt);
    if (s->dumpdtb) {
        if (!g_file_set_contents(s->dumpdtb, s->fdt, s->fdt_size, &err)) {
            error_exit("-M virt,dumpdtb=%s: %s", s->dumpdtb, err->message);
        }
        error_report("info: dtb dumped to %s. Exiting.", s->dumpdtb);
        exit(0);
    }
    hwaddr fdt_addr = riscv_fdt_addr(dram, ms->ram_size, s->fdt_size);
    if (fdt_addr < dram || fdt_addr >= ram_end) {
        error_exit("%s: the %u-byte device tree does not fit in %" PRIu64 " MiB of RAM (-m)",
                   ms->dtb ? ms->dtb : "virt", s->fdt_size, (uint64_t)(ms->ram_size / MiB));
    }
    rom_add_blob("fdt", s->fdt, s->fdt_size, fdt_addr);
    riscv_setup_rom_reset_vec(virt_memmap[VIRT_MROM].base, virt_memmap[VIRT_MROM].size,
                              start_addr, fdt_addr, kernel_entry);
}

static void virt_machine_init(MachineState *ms)
{
    VirtMachineState *s = to_virt(ms);
    MemoryRegion *sysmem = get_system_memory();
    GError *err = NULL;

    if (ms->smp.cpus < 1 || ms->smp.cpus > VIRT_CPUS_MAX) {
        error_exit("-smp %u: the virt board supports 1 to %d CPUs", ms->smp.cpus,
                   VIRT_CPUS_MAX);
    }
    memory_region_add_subregion(sysmem, virt_memmap[VIRT_DRAM].base, ms->ram);
    if (!memory_region_init_rom(&s->mrom, "riscv_virt_board.mrom",
                                virt_memmap[VIRT_MROM].size, &err)) {
        error_exit_err(err);
    }
    memory_region_add_subregion(sysmem, virt_memmap[VIRT_MROM].base, &s->mrom);

    create_harts(s);
    create_interrupt_controllers(s);
    create_devices(s);
    virt_boot(s);
}

static const MachineProp virt_props[] = {
    { "dumpdtb", "write the device tree to FILE and exit", set_dumpdtb },
    { "aclint", "off: SiFive CLINT layout (the only one Tern has)", set_aclint },
    { "aia", "none: PLIC interrupt controller (the only one Tern has)", set_aia },
    { NULL, NULL, NULL },
};

static const MachineClass virt_class = {
    .name = "virt",
    .desc = "RISC-V VirtIO board",
    .is_default = true,
    .default_ram_size = 128 * MiB,
    .default_cpu_type = "rv64",
    .max_cpus = VIRT_CPUS_MAX,
    .default_accel = "tcg",
    .instance_size = sizeof(VirtMachineState),
    .props = virt_props,
    .init = virt_machine_init,
};

static void virt_register(void)
{
    machine_class_register(&virt_class);
}
type_init(virt_register)
