/*
 * Generic PCIe host bridge: ECAM configuration access (PCI Express Base
 * 4.0, 7.2.2: bus << 20 | device << 15 | function << 12 | register), MMIO
 * and port I/O windows, and INTx swizzling onto four interrupt lines.
 * Only bus 0 exists (no bridges); absent functions read as all ones.
 */
#include "tern/osdep.h"
#include "hw/pci/gpex.h"

#define TYPE_GPEX_ROOT "gpex-root"

static GPEXHost *to_host(DeviceState *dev)
{
    return container_of(dev, GPEXHost, parent_obj);
}

/* The function an ECAM offset addresses, or NULL. */
static PCIDevice *ecam_device(GPEXHost *s, hwaddr addr)
{
    if (addr >= GPEX_ECAM_BUS_SIZE) {
        return NULL;        /* buses other than 0 are empty */
    }
    return pci_bus_device(s->bus, addr >> 12);
}

static uint64_t ecam_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIDevice *dev = ecam_device(opaque, addr);

    return dev ? pci_config_read(dev, addr & 0xfff, size) : (uint32_t)~0u >> (32 - 8 * size);
}

static void ecam_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIDevice *dev = ecam_device(opaque, addr);

    if (dev) {
        pci_config_write(dev, addr & 0xfff, val, size);
    }
}

static const MemoryRegionOps ecam_ops = {
    .read = ecam_read,
    .write = ecam_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

/* Where no BAR decodes, a PCI transaction ends in master abort: reads return
 * all ones, writes are dropped (PCI Local Bus 3.0, 3.3.3.1). */
static uint64_t abort_read(void *opaque, hwaddr addr, unsigned size)
{
    return ~0ULL >> (64 - 8 * size);
}

static void abort_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps abort_ops = {
    .read = abort_read,
    .write = abort_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/* INTx of (slot, pin) lands on line (slot + pin) % 4 (PCI-to-PCI Bridge 1.2, 9.1). */
static void gpex_set_irq(void *opaque, int devfn, int pin, int level)
{
    GPEXHost *s = opaque;
    int line = (PCI_SLOT(devfn) + pin) % PCI_NUM_PINS;

    s->irq_count[line] += level ? 1 : -1;
    g_assert(s->irq_count[line] >= 0);
    qemu_set_irq(s->irq[line], s->irq_count[line] > 0);
}

static void gpex_instance_init(DeviceState *dev)
{
    GPEXHost *s = to_host(dev);

    for (int i = 0; i < PCI_NUM_PINS; i++) {
        device_init_irq(dev, &s->irq[i]);
    }
}

static bool gpex_realize(DeviceState *dev, GError **errp)
{
    GPEXHost *s = to_host(dev);
    DeviceState *root;

    if (s->ecam_size < GPEX_ECAM_BUS_SIZE || !s->mmio32_size || !s->mmio64_size ||
        !s->pio_size) {
        error_setg(errp, "%s: ecam-size, mmio32-size, mmio64-size and pio-size must be set",
                   TYPE_GPEX_HOST);
        return false;
    }
    memory_region_init_io(&s->ecam, &ecam_ops, s, "pcie-ecam", s->ecam_size);
    /* the bus's memory space, up to the end of the higher window */
    memory_region_init(&s->pci_mem, "pci-memory",
                       MAX(s->mmio32_base + s->mmio32_size, s->mmio64_base + s->mmio64_size));
    memory_region_init(&s->pci_io, "pci-io", s->pio_size);
    memory_region_init_io(&s->mem_abort, &abort_ops, s, "pci-master-abort",
                          memory_region_size(&s->pci_mem));
    memory_region_add_subregion_overlap(&s->pci_mem, 0, &s->mem_abort, -1);
    memory_region_init_io(&s->io_abort, &abort_ops, s, "pci-io-master-abort", s->pio_size);
    memory_region_add_subregion_overlap(&s->pci_io, 0, &s->io_abort, -1);
    memory_region_init_alias(&s->mmio32, "pcie-mmio", &s->pci_mem, s->mmio32_base,
                             s->mmio32_size);
    memory_region_init_alias(&s->mmio64, "pcie-mmio-high", &s->pci_mem, s->mmio64_base,
                             s->mmio64_size);
    memory_region_init_alias(&s->pio, "pcie-pio", &s->pci_io, 0, s->pio_size);
    device_init_mmio(dev, &s->ecam);
    device_init_mmio(dev, &s->mmio32);
    device_init_mmio(dev, &s->mmio64);
    device_init_mmio(dev, &s->pio);
    s->bus = pci_bus_new(dev, "pcie.0", &s->pci_mem, &s->pci_io, gpex_set_irq, s);

    root = qdev_new(TYPE_GPEX_ROOT, errp);
    return root && qdev_realize(root, pci_bus_qbus(s->bus), errp);
}

static const Property gpex_props[] = {
    DEFINE_PROP_UINT64("ecam-size", GPEXHost, ecam_size, 0),
    DEFINE_PROP_UINT64("mmio32-base", GPEXHost, mmio32_base, 0),
    DEFINE_PROP_UINT64("mmio32-size", GPEXHost, mmio32_size, 0),
    DEFINE_PROP_UINT64("mmio64-base", GPEXHost, mmio64_base, 0),
    DEFINE_PROP_UINT64("mmio64-size", GPEXHost, mmio64_size, 0),
    DEFINE_PROP_UINT64("pio-size", GPEXHost, pio_size, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass gpex_class = {
    .name = TYPE_GPEX_HOST,
    .desc = "generic PCI Express host bridge",
    .category = "bridge",
    .instance_size = sizeof(GPEXHost),
    .props = gpex_props,
    .instance_init = gpex_instance_init,
    .realize = gpex_realize,
};

/* ---- function 00.0: the host bridge as the guest enumerates it ---- */

static bool root_realize(DeviceState *dev, GError **errp)
{
    pci_config_init(pci_device(dev), 0x1b36, 0x0008, 0x060000, 0, 0);
    return true;
}

static void root_reset(DeviceState *dev)
{
    pci_device_reset(pci_device(dev));
}

static const Property root_props[] = {
    DEFINE_PROP_PCI_DEVFN("addr", PCIDevice, addr_prop),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass root_class = {
    .name = TYPE_GPEX_ROOT,
    .desc = "PCIe host bridge function",
    .category = "bridge",
    .instance_size = sizeof(PCIDevice),
    .bus_type = TYPE_PCI_BUS,
    .props = root_props,
    .realize = root_realize,
    .reset = root_reset,
};

static void gpex_register(void)
{
    device_class_register(&gpex_class);
    device_class_register(&root_class);
}
type_init(gpex_register)

DeviceState *gpex_host_create(hwaddr ecam_base, uint64_t ecam_size,
                              hwaddr mmio32_base, uint64_t mmio32_size,
                              hwaddr mmio64_base, uint64_t mmio64_size,
                              hwaddr pio_base, uint64_t pio_size)
{
    DeviceState *dev = qdev_new_or_exit(TYPE_GPEX_HOST);

    qdev_prop_set_uint64(dev, "ecam-size", ecam_size);
    qdev_prop_set_uint64(dev, "mmio32-base", mmio32_base);
    qdev_prop_set_uint64(dev, "mmio32-size", mmio32_size);
    qdev_prop_set_uint64(dev, "mmio64-base", mmio64_base);
    qdev_prop_set_uint64(dev, "mmio64-size", mmio64_size);
    qdev_prop_set_uint64(dev, "pio-size", pio_size);
    qdev_realize_or_exit(dev, NULL);
    sysbus_mmio_map(dev, 0, ecam_base);
    sysbus_mmio_map(dev, 1, mmio32_base);
    sysbus_mmio_map(dev, 2, mmio64_base);
    sysbus_mmio_map(dev, 3, pio_base);
    return dev;
}

PCIBus *gpex_host_bus(DeviceState *host)
{
    g_assert(host->dc == &gpex_class);
    return to_host(host)->bus;
}
