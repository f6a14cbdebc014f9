/*
 * The PCI bus and the generic parts of PCI devices: configuration space
 * accesses through write masks, BAR sizing and mapping (PCI Local Bus 3.0,
 * 6.2.5), the capability list, and INTx with the command register's
 * INTx-disable bit.
 */
#include "tern/osdep.h"
#include "hw/pci/pci.h"

#define PCI_NUM_DEVFN 256

struct PCIBus {
    BusState *qbus;
    MemoryRegion *mem, *io;         /* where BARs are mapped */
    PCISetIRQFunc *set_irq;
    void *opaque;
    PCIDevice *devices[PCI_NUM_DEVFN];
};

static GPtrArray *pci_buses;

static PCIBus *bus_of(BusState *qbus)
{
    for (guint i = 0; pci_buses && i < pci_buses->len; i++) {
        PCIBus *bus = g_ptr_array_index(pci_buses, i);
        if (bus->qbus == qbus) {
            return bus;
        }
    }
    g_assert_not_reached();
}

/* ---- little-endian config space helpers ---- */

static uint32_t get_le(const uint8_t *p, unsigned len)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < len; i++) {
        v |= (uint32_t)p[i] << (8 * i);
    }
    return v;
}

static void set_le(uint8_t *p, unsigned len, uint32_t v)
{
    for (unsigned i = 0; i < len; i++) {
        p[i] = v >> (8 * i);
    }
}

static uint16_t command(PCIDevice *dev)
{
    return get_le(&dev->config[PCI_COMMAND], 2);
}

void pci_config_init(PCIDevice *dev, uint16_t vendor, uint16_t device,
                     uint32_t class_code, uint8_t revision, uint8_t pin)
{
    set_le(&dev->config[PCI_VENDOR_ID], 2, vendor);
    set_le(&dev->config[PCI_DEVICE_ID], 2, device);
    dev->config[PCI_REVISION_ID] = revision;
    set_le(&dev->config[PCI_CLASS_PROG], 3, class_code);
    dev->config[PCI_INTERRUPT_PIN] = pin;
    set_le(&dev->wmask[PCI_COMMAND], 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
           PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
    dev->wmask[0x0c] = 0xff;                    /* cache line size */
    dev->wmask[0x0d] = 0xff;                    /* latency timer */
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;      /* scratch for the OS */
}

void pci_config_set_subsystem(PCIDevice *dev, uint16_t vendor, uint16_t id)
{
    set_le(&dev->config[PCI_SUBSYSTEM_VENDOR_ID], 2, vendor);
    set_le(&dev->config[PCI_SUBSYSTEM_ID], 2, id);
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr)
{
    uint64_t size = memory_region_size(mr);
    bool is64 = type & PCI_BASE_ADDRESS_MEM_TYPE_64;
    uint64_t mask = ~(size - 1);
    unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;

    g_assert(n >= 0 && n + is64 < PCI_NUM_BARS && !dev->bars[n].mr);
    g_assert(size >= (type & PCI_BASE_ADDRESS_SPACE_IO ? 4 : 16) && !(size & (size - 1)));
    dev->bars[n] = (PCIBAR) { .mr = mr, .size = size, .type = type,
                              .addr = PCI_BAR_UNMAPPED };
    set_le(&dev->config[off], 4, type);
    /* the low bits say what the BAR is: 2 for I/O, 4 for memory */
    set_le(&dev->wmask[off], 4, (uint32_t)mask & (type & PCI_BASE_ADDRESS_SPACE_IO ? ~0x3u : ~0xfu));
    if (is64) {
        set_le(&dev->wmask[off + 4], 4, mask >> 32);
    }
}

uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t size)
{
    unsigned off = dev->cap_end ? dev->cap_end : 0x40;  /* after the header */

    g_assert(size >= 2 && off + size <= PCI_CONFIG_SPACE_SIZE);
    dev->config[off] = cap_id;
    dev->config[off + 1] = 0;                   /* end of the list */
    if (dev->last_cap) {
        dev->config[dev->last_cap + 1] = off;
    } else {
        dev->config[PCI_CAPABILITY_LIST] = off;
        dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    }
    dev->last_cap = off;
    dev->cap_end = TERN_ALIGN_UP(off + size, 4);
    return off;
}

/* The address BAR n decodes now, or PCI_BAR_UNMAPPED. */
static uint64_t bar_address(PCIDevice *dev, int n)
{
    PCIBAR *bar = &dev->bars[n];
    unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
    bool io = bar->type & PCI_BASE_ADDRESS_SPACE_IO;
    uint64_t addr = get_le(&dev->config[off], 4) & (io ? ~0x3u : ~0xfu);

    if (!(command(dev) & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY))) {
        return PCI_BAR_UNMAPPED;
    }
    if (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        addr |= (uint64_t)get_le(&dev->config[off + 4], 4) << 32;
    }
    addr &= ~(bar->size - 1);
    /* 0 is what firmware leaves unassigned BARs at; wrapping BARs are ignored */
    if (addr == 0 || addr + bar->size - 1 < addr) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void update_mappings(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBAR *bar = &dev->bars[n];
        MemoryRegion *space;
        uint64_t addr;

        if (!bar->mr) {
            continue;
        }
        addr = bar_address(dev, n);
        if (addr == bar->addr) {
            continue;
        }
        space = bar->type & PCI_BASE_ADDRESS_SPACE_IO ? dev->bus->io : dev->bus->mem;
        if (bar->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(space, bar->mr);
        }
        if (addr != PCI_BAR_UNMAPPED && addr + bar->size <= memory_region_size(space)) {
            /* BARs may overlap while the OS moves them: the later one wins */
            memory_region_add_subregion_overlap(space, addr, bar->mr, 1);
        } else {
            addr = PCI_BAR_UNMAPPED;
        }
        bar->addr = addr;
    }
    memory_region_transaction_commit();
}

static void update_irq(PCIDevice *dev)
{
    bool out = dev->intx_level && !(command(dev) & PCI_COMMAND_INTX_DISABLE);
    uint8_t pin = dev->config[PCI_INTERRUPT_PIN];

    if (dev->intx_level) {
        dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        dev->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    if (out != dev->intx_out && pin >= 1 && pin <= PCI_NUM_PINS && dev->bus) {
        dev->intx_out = out;
        dev->bus->set_irq(dev->bus->opaque, dev->devfn, pin - 1, out);
    }
}

void pci_set_irq(PCIDevice *dev, int level)
{
    dev->intx_level = level != 0;
    update_irq(dev);
}

uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned len)
{
    if (addr + len > PCIE_CONFIG_SPACE_SIZE) {
        return ~0u;
    }
    return get_le(&dev->config[addr], len);
}

void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    if (addr + len > PCIE_CONFIG_SPACE_SIZE) {
        return;
    }
    for (unsigned i = 0; i < len; i++) {
        uint8_t m = dev->wmask[addr + i];
        uint8_t b = val >> (8 * i);

        dev->config[addr + i] = (dev->config[addr + i] & ~m) | (b & m);
    }
    if (addr < PCI_BASE_ADDRESS_0 + 4 * PCI_NUM_BARS && addr + len > PCI_COMMAND) {
        update_mappings(dev);
        update_irq(dev);
    }
    if (dev->config_written) {
        dev->config_written(dev, addr, val, len);
    }
}

/* Power-on state of the header's writable bits: decoding off, BARs at 0. */
void pci_device_reset(PCIDevice *dev)
{
    for (unsigned i = PCI_COMMAND; i < 0x40; i++) {
        dev->config[i] &= ~dev->wmask[i];
    }
    update_mappings(dev);
    pci_set_irq(dev, 0);
}

/* ---- the bus ---- */

static bool parse_devfn(DeviceState *dev, const Property *prop, const char *str,
                        GError **errp)
{
    unsigned slot, fn = 0;
    char *end;

    /* "SLOT" or "SLOT.FN", hexadecimal like lspci prints them */
    slot = strtoul(str, &end, 16);
    if (end != str && *end == '.') {
        const char *f = end + 1;
        fn = strtoul(f, &end, 16);
        if (end == f) {
            end = (char *)str;
        }
    }
    if (end == str || *end || slot > 0x1f || fn > 7) {
        error_setg(errp, "'%s' is not a PCI slot[.function] (00-1f, 0-7)", str);
        return false;
    }
    *(uint32_t *)((char *)dev + prop->offset) = PCI_DEVFN(slot, fn) + 1;
    return true;
}

static void default_devfn(DeviceState *dev, const Property *prop)
{
    *(uint32_t *)((char *)dev + prop->offset) = 0;
}

static char *print_devfn(DeviceState *dev, const Property *prop)
{
    uint32_t v = *(uint32_t *)((char *)dev + prop->offset);

    return v == 0 ? g_strdup("auto")
                  : g_strdup_printf("%02x.%x", PCI_SLOT(v - 1), PCI_FUNC(v - 1));
}

const PropertyInfo prop_info_pci_devfn = {
    .type_name = "pci-devfn", .parse = parse_devfn, .set_default = default_devfn,
    .print = print_devfn,
};

/* A device was realized on the bus: give it its slot. */
static bool pci_bus_plug(BusState *qbus, DeviceState *d, GError **errp)
{
    PCIBus *bus = bus_of(qbus);
    PCIDevice *dev = pci_device(d);
    int devfn = (int)dev->addr_prop - 1;

    if (dev->addr_prop == 0) {
        for (devfn = 0; devfn < PCI_NUM_DEVFN && bus->devices[devfn]; devfn += 8) {
        }
        if (devfn >= PCI_NUM_DEVFN) {
            error_setg(errp, "PCI bus '%s' has no free slot", qbus->name);
            return false;
        }
    } else if (bus->devices[devfn]) {
        error_setg(errp, "PCI slot %02x.%x is already taken by %s", PCI_SLOT(devfn),
                   PCI_FUNC(devfn), bus->devices[devfn]->parent_obj.dc->name);
        return false;
    }
    dev->bus = bus;
    dev->devfn = devfn;
    bus->devices[devfn] = dev;
    return true;
}

PCIBus *pci_bus_new(DeviceState *host, const char *name, MemoryRegion *mem,
                    MemoryRegion *io, PCISetIRQFunc *set_irq, void *opaque)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    bus->qbus = qbus_new(TYPE_PCI_BUS, host, name, PCI_NUM_DEVFN);
    bus->qbus->plug = pci_bus_plug;
    bus->mem = mem;
    bus->io = io;
    bus->set_irq = set_irq;
    bus->opaque = opaque;
    if (!pci_buses) {
        pci_buses = g_ptr_array_new();
    }
    g_ptr_array_add(pci_buses, bus);
    return bus;
}

PCIDevice *pci_bus_device(PCIBus *bus, int devfn)
{
    return devfn >= 0 && devfn < PCI_NUM_DEVFN ? bus->devices[devfn] : NULL;
}

BusState *pci_bus_qbus(PCIBus *bus)
{
    return bus->qbus;
}
