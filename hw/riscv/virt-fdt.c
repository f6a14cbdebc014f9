/*
 * The virt board's device tree, generated from the devices the board
 * created. Nodes, compatibles and properties follow QEMU 7.2's virt tree so
 * that OpenSBI, U-Boot and Linux find the same hardware; nodes are added in
 * the order that makes the flattened tree list them as QEMU's does (libfdt
 * inserts a new subnode before its older siblings).
 */
#include "tern/osdep.h"
#include <libfdt.h>
#include "hw/riscv/virt.h"
#include "hw/pci/pci.h"

#define FDT_INITIAL_SIZE (64 * 1024)

/* Building our own tree cannot fail except by a Tern bug; stop loudly then. */
static int fdt_check(int ret, const char *what)
{
    if (ret < 0) {
        error_exit("virt: building the device tree failed at %s: %s", what,
                   fdt_strerror(ret));
    }
    return ret;
}

static int add_node(void *fdt, int parent, const char *name)
{
    return fdt_check(fdt_add_subnode(fdt, parent, name), name);
}

static int add_node_at(void *fdt, int parent, const char *type, hwaddr addr)
{
    g_autofree char *name = g_strdup_printf("%s@%" HWADDR_PRIx, type, addr);

    return add_node(fdt, parent, name);
}

static void set_cell(void *fdt, int node, const char *prop, uint32_t val)
{
    fdt_check(fdt_setprop_u32(fdt, node, prop, val), prop);
}

static void set_cells(void *fdt, int node, const char *prop, const uint32_t *vals,
                      unsigned n)
{
    g_autofree fdt32_t *be = g_new(fdt32_t, n);

    for (unsigned i = 0; i < n; i++) {
        be[i] = cpu_to_fdt32(vals[i]);
    }
    fdt_check(fdt_setprop(fdt, node, prop, be, n * sizeof(fdt32_t)), prop);
}

static void set_string(void *fdt, int node, const char *prop, const char *val)
{
    fdt_check(fdt_setprop_string(fdt, node, prop, val), prop);
}

/* A string-list property ("a\0b\0"), from a NULL-terminated array. */
static void set_strings(void *fdt, int node, const char *prop, const char *const *vals)
{
    GString *buf = g_string_new(NULL);

    for (; *vals; vals++) {
        g_string_append_len(buf, *vals, strlen(*vals) + 1);
    }
    fdt_check(fdt_setprop(fdt, node, prop, buf->str, buf->len), prop);
    g_string_free(buf, TRUE);
}

static void set_empty(void *fdt, int node, const char *prop)
{
    fdt_check(fdt_setprop_empty(fdt, node, prop), prop);
}

/* reg = <base size> with #address-cells = #size-cells = 2 */
static void set_reg(void *fdt, int node, hwaddr base, uint64_t size)
{
    const uint32_t reg[4] = { base >> 32, (uint32_t)base, size >> 32, (uint32_t)size };

    set_cells(fdt, node, "reg", reg, 4);
}

typedef struct VirtPhandles {
    uint32_t next;
    uint32_t intc[VIRT_CPUS_MAX];   /* each hart's interrupt controller */
    uint32_t plic, test;
} VirtPhandles;

/*
 * Properties are set in the reverse of the order they are listed in, which
 * is how libfdt adds them; the listing then matches QEMU's.
 */

static void create_cpus(void *fdt, VirtMachineState *s, VirtPhandles *ph)
{
    unsigned n = s->parent_obj.smp.cpus;
    uint32_t cpu_phandle[VIRT_CPUS_MAX];
    int cpus = add_node(fdt, 0, "cpus");
    int cluster;

    set_cell(fdt, cpus, "timebase-frequency", VIRT_TIMEBASE_FREQ);
    set_cell(fdt, cpus, "#size-cells", 0);
    set_cell(fdt, cpus, "#address-cells", 1);
    add_node(fdt, cpus, "cpu-map");
    for (int i = n - 1; i >= 0; i--) {
        int cpu = add_node_at(fdt, cpus, "cpu", i);
        int intc;

        cpu_phandle[i] = ph->next++;
        ph->intc[i] = ph->next++;
        set_string(fdt, cpu, "mmu-type", riscv_cpu_mmu_type(s->harts[i]));
        set_string(fdt, cpu, "riscv,isa", riscv_cpu_isa_string(s->harts[i]));
        set_string(fdt, cpu, "compatible", "riscv");
        set_string(fdt, cpu, "status", "okay");
        set_cell(fdt, cpu, "reg", i);
        set_string(fdt, cpu, "device_type", "cpu");
        set_cell(fdt, cpu, "phandle", cpu_phandle[i]);
        intc = add_node(fdt, cpu, "interrupt-controller");
        set_cell(fdt, intc, "phandle", ph->intc[i]);
        set_string(fdt, intc, "compatible", "riscv,cpu-intc");
        set_empty(fdt, intc, "interrupt-controller");
        set_cell(fdt, intc, "#interrupt-cells", 1);
    }
    /* adding the cpu nodes moved cpu-map: look it up again */
    cluster = add_node(fdt, fdt_check(fdt_path_offset(fdt, "/cpus/cpu-map"), "cpu-map"),
                       "cluster0");
    for (int i = n - 1; i >= 0; i--) {
        g_autofree char *name = g_strdup_printf("core%d", i);
        int core = add_node(fdt, cluster, name);

        set_cell(fdt, core, "cpu", cpu_phandle[i]);
    }
}

static void create_memory(void *fdt, VirtMachineState *s)
{
    int mem = add_node_at(fdt, 0, "memory", virt_memmap[VIRT_DRAM].base);

    set_reg(fdt, mem, virt_memmap[VIRT_DRAM].base, s->parent_obj.ram_size);
    set_string(fdt, mem, "device_type", "memory");
}

/* interrupts-extended = <intc(hart 0) irq_a intc(hart 0) irq_b ...> */
static void set_hart_interrupts(void *fdt, int node, VirtPhandles *ph, unsigned nharts,
                                uint32_t irq_a, uint32_t irq_b)
{
    g_autofree uint32_t *cells = g_new(uint32_t, nharts * 4);

    for (unsigned i = 0; i < nharts; i++) {
        cells[i * 4 + 0] = ph->intc[i];
        cells[i * 4 + 1] = irq_a;
        cells[i * 4 + 2] = ph->intc[i];
        cells[i * 4 + 3] = irq_b;
    }
    set_cells(fdt, node, "interrupts-extended", cells, nharts * 4);
}

/* A device node with reg, compatible and (if irq) a PLIC interrupt. */
static int add_device(void *fdt, int soc, const char *type, const MemMapEntry *m,
                      hwaddr base, const char *compat, VirtPhandles *ph, uint32_t irq)
{
    int node = add_node_at(fdt, soc, type, base);

    set_string(fdt, node, "compatible", compat);
    set_reg(fdt, node, base, m->size);
    if (irq) {
        set_cell(fdt, node, "interrupt-parent", ph->plic);
        set_cell(fdt, node, "interrupts", irq);
    }
    return node;
}

/* The ECAM host bridge: windows in "ranges", INTx routing in "interrupt-map". */
static void create_pcie(void *fdt, int soc, VirtMachineState *s, VirtPhandles *ph)
{
    const MemMapEntry *m = virt_memmap;
    const MemMapEntry *pio = &m[VIRT_PCIE_PIO], *mmio = &m[VIRT_PCIE_MMIO];
    const MemMapEntry *high = &s->pcie_high_mmio;
    /* <flags pci-addr(2) cpu-addr(2) size(2)>: I/O, 32-bit MMIO, 64-bit MMIO */
    const uint32_t ranges[] = {
        0x1000000, 0, 0, pio->base >> 32, (uint32_t)pio->base, pio->size >> 32,
        (uint32_t)pio->size,
        0x2000000, mmio->base >> 32, (uint32_t)mmio->base, mmio->base >> 32,
        (uint32_t)mmio->base, mmio->size >> 32, (uint32_t)mmio->size,
        0x3000000, high->base >> 32, (uint32_t)high->base, high->base >> 32,
        (uint32_t)high->base, high->size >> 32, (uint32_t)high->size,
    };
    const uint32_t bus_range[] = { 0, 0xff };
    const uint32_t map_mask[] = { PCI_DEVFN(3, 0) << 8, 0, 0, 7 };
    /* <devfn << 8, 0, 0, pin, plic, irq> for the four slots the mask distinguishes */
    uint32_t map[4 * PCI_NUM_PINS * 6];
    unsigned n = 0;
    int node = add_node_at(fdt, soc, "pci", m[VIRT_PCIE_ECAM].base);

    for (unsigned slot = 0; slot < 4; slot++) {
        for (unsigned pin = 0; pin < PCI_NUM_PINS; pin++) {
            const uint32_t entry[6] = {
                PCI_DEVFN(slot, 0) << 8, 0, 0, pin + 1, ph->plic,
                VIRT_PCIE_IRQ + (slot + pin) % PCI_NUM_PINS,
            };
            memcpy(&map[n], entry, sizeof(entry));
            n += 6;
        }
    }
    set_cell(fdt, node, "#address-cells", 3);
    set_cell(fdt, node, "#interrupt-cells", 1);
    set_cell(fdt, node, "#size-cells", 2);
    set_string(fdt, node, "compatible", "pci-host-ecam-generic");
    set_string(fdt, node, "device_type", "pci");
    set_cell(fdt, node, "linux,pci-domain", 0);
    set_cells(fdt, node, "bus-range", bus_range, 2);
    set_empty(fdt, node, "dma-coherent");
    set_reg(fdt, node, m[VIRT_PCIE_ECAM].base, m[VIRT_PCIE_ECAM].size);
    set_cells(fdt, node, "ranges", ranges, ARRAY_SIZE(ranges));
    set_cells(fdt, node, "interrupt-map", map, n);
    set_cells(fdt, node, "interrupt-map-mask", map_mask, 4);
}

static void create_soc(void *fdt, VirtMachineState *s, VirtPhandles *ph)
{
    static const char *const clint_compat[] = { "sifive,clint0", "riscv,clint0", NULL };
    static const char *const plic_compat[] = { "sifive,plic-1.0.0", "riscv,plic0", NULL };
    static const char *const test_compat[] = {
        "sifive,test1", "sifive,test0", "syscon", NULL
    };
    unsigned nharts = s->parent_obj.smp.cpus;
    const MemMapEntry *m = virt_memmap;
    int soc = fdt_check(fdt_path_offset(fdt, "/soc"), "/soc");
    int node;

    set_empty(fdt, soc, "ranges");
    set_string(fdt, soc, "compatible", "simple-bus");
    set_cell(fdt, soc, "#size-cells", 2);
    set_cell(fdt, soc, "#address-cells", 2);

    node = add_node_at(fdt, soc, "clint", m[VIRT_CLINT].base);
    set_strings(fdt, node, "compatible", clint_compat);
    set_reg(fdt, node, m[VIRT_CLINT].base, m[VIRT_CLINT].size);
    set_hart_interrupts(fdt, node, ph, nharts, IRQ_M_SOFT, IRQ_M_TIMER);

    node = add_node_at(fdt, soc, "plic", m[VIRT_PLIC].base);
    ph->plic = ph->next++;
    set_cell(fdt, node, "#interrupt-cells", 1);
    set_cell(fdt, node, "#address-cells", 0);
    set_strings(fdt, node, "compatible", plic_compat);
    set_empty(fdt, node, "interrupt-controller");
    /* context 2h is hart h's M-mode, 2h + 1 its S-mode */
    set_hart_interrupts(fdt, node, ph, nharts, IRQ_M_EXT, IRQ_S_EXT);
    set_reg(fdt, node, m[VIRT_PLIC].base, m[VIRT_PLIC].size);
    set_cell(fdt, node, "riscv,ndev", VIRT_PLIC_NUM_SOURCES);
    set_cell(fdt, node, "phandle", ph->plic);

    for (unsigned i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        if (s->virtio[i]) {
            add_device(fdt, soc, "virtio_mmio", &m[VIRT_VIRTIO],
                       m[VIRT_VIRTIO].base + i * m[VIRT_VIRTIO].size, "virtio,mmio", ph,
                       VIRT_VIRTIO_IRQ + i);
        }
    }

    if (s->pcie) {
        create_pcie(fdt, soc, s, ph);
    }

    node = add_node_at(fdt, soc, "test", m[VIRT_TEST].base);
    ph->test = ph->next++;
    set_strings(fdt, node, "compatible", test_compat);
    set_reg(fdt, node, m[VIRT_TEST].base, m[VIRT_TEST].size);
    set_cell(fdt, node, "phandle", ph->test);

    node = add_node_at(fdt, soc, "serial", m[VIRT_UART0].base);
    set_string(fdt, node, "compatible", "ns16550a");
    set_reg(fdt, node, m[VIRT_UART0].base, m[VIRT_UART0].size);
    set_cell(fdt, node, "clock-frequency", 3686400);
    set_cell(fdt, node, "interrupt-parent", ph->plic);
    set_cell(fdt, node, "interrupts", VIRT_UART0_IRQ);

    add_device(fdt, soc, "rtc", &m[VIRT_RTC], m[VIRT_RTC].base, "google,goldfish-rtc", ph,
               VIRT_RTC_IRQ);
}

/* /reboot and /poweroff: syscon writes to the test finisher. */
static void create_syscon(void *fdt, const char *name, const char *compat,
                          uint32_t value, VirtPhandles *ph)
{
    int node = add_node(fdt, 0, name);

    set_string(fdt, node, "compatible", compat);
    set_cell(fdt, node, "regmap", ph->test);
    set_cell(fdt, node, "offset", 0);
    set_cell(fdt, node, "value", value);
}

static void create_chosen(void *fdt, VirtMachineState *s)
{
    int chosen = add_node(fdt, 0, "chosen");
    g_autofree char *stdout_path =
        g_strdup_printf("/soc/serial@%" HWADDR_PRIx, virt_memmap[VIRT_UART0].base);
    uint32_t seed[8];

    set_string(fdt, chosen, "stdout-path", stdout_path);
    /* entropy for the guest's early random pool */
    for (unsigned i = 0; i < ARRAY_SIZE(seed); i++) {
        seed[i] = g_random_int();
    }
    set_cells(fdt, chosen, "rng-seed", seed, ARRAY_SIZE(seed));
}

void *virt_create_fdt(VirtMachineState *s)
{
    void *fdt = g_malloc0(FDT_INITIAL_SIZE);
    VirtPhandles ph = { .next = 1 };

    fdt_check(fdt_create_empty_tree(fdt, FDT_INITIAL_SIZE), "the empty tree");
    set_string(fdt, 0, "model", "riscv-virtio,qemu");
    set_string(fdt, 0, "compatible", "riscv-virtio");
    set_cell(fdt, 0, "#size-cells", 2);
    set_cell(fdt, 0, "#address-cells", 2);

    /* subnodes in reverse of the order they are listed in */
    add_node(fdt, 0, "soc");
    create_cpus(fdt, s, &ph);
    create_soc(fdt, s, &ph);
    create_memory(fdt, s);
    create_syscon(fdt, "reboot", "syscon-reboot", 0x7777, &ph);
    create_syscon(fdt, "poweroff", "syscon-poweroff", 0x5555, &ph);
    create_chosen(fdt, s);
    return fdt;
}

bool virt_fdt_set_chosen(void **pfdt, const char *cmdline, hwaddr initrd_start,
                         hwaddr initrd_end, GError **errp)
{
    size_t room = fdt_totalsize(*pfdt) + strlen(cmdline) + 1024;
    void *fdt = g_malloc0(room);
    int ret = fdt_open_into(*pfdt, fdt, room);
    int chosen = 0;

    if (ret >= 0) {
        chosen = fdt_path_offset(fdt, "/chosen");
        if (chosen == -FDT_ERR_NOTFOUND) {
            chosen = fdt_add_subnode(fdt, 0, "chosen");
        }
        ret = chosen;
    }
    if (ret >= 0 && *cmdline) {
        ret = fdt_setprop_string(fdt, chosen, "bootargs", cmdline);
    }
    if (ret >= 0 && initrd_end > initrd_start) {
        /* one cell each, like QEMU 7.2 (the initrd is always below 4 GiB) */
        ret = fdt_setprop_u32(fdt, chosen, "linux,initrd-start", initrd_start);
        if (ret >= 0) {
            ret = fdt_setprop_u32(fdt, chosen, "linux,initrd-end", initrd_end);
        }
    }
    if (ret >= 0) {
        ret = fdt_pack(fdt);
    }
    if (ret < 0) {
        g_free(fdt);
        error_setg(errp, "updating /chosen of the device tree: %s", fdt_strerror(ret));
        return false;
    }
    g_free(*pfdt);
    *pfdt = fdt;
    return true;
}
