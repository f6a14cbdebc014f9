/*
 * PCI devices and the PCI bus (hw/pci/pci.c): configuration space with
 * write masks, BARs mapped into the bus's memory and I/O spaces when the
 * guest enables them, capabilities, and INTx lines. PCI Local Bus 3.0 /
 * PCI Express Base 4.0 type 0 headers; no MSI/MSI-X yet (the RISC-V virt
 * board has no MSI controller without AIA, so guests use INTx).
 *
 * A PCI device embeds PCIDevice (which embeds DeviceState) first, sets
 * DeviceClass.bus_type = TYPE_PCI_BUS, and in realize calls
 * pci_config_init(), pci_register_bar() and maybe pci_add_capability().
 * -device NAME,addr=SLOT[.FN] picks the slot; by default the first free one.
 * DMA goes to the system address space (bus addresses are CPU physical).
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "hw/qdev.h"

#define TYPE_PCI_BUS "PCI"

#define PCI_DEVFN(slot, fn)     ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 7)
#define PCI_CONFIG_SPACE_SIZE   0x100
#define PCIE_CONFIG_SPACE_SIZE  0x1000
#define PCI_NUM_BARS            6
#define PCI_NUM_PINS            4

/* Type 0 configuration header (PCI Local Bus 3.0, 6.1) */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define  PCI_COMMAND_IO         0x0001
#define  PCI_COMMAND_MEMORY     0x0002
#define  PCI_COMMAND_MASTER     0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS              0x06
#define  PCI_STATUS_INTERRUPT   0x0008
#define  PCI_STATUS_CAP_LIST    0x0010
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_HEADER_TYPE         0x0e
#define PCI_BASE_ADDRESS_0      0x10
#define  PCI_BASE_ADDRESS_SPACE_IO   0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_BAR_UNMAPPED        UINT64_MAX

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIBAR {
    MemoryRegion *mr;           /* NULL: BAR not implemented */
    uint64_t size;              /* power of two */
    uint8_t type;               /* low bits of the BAR: IO, MEM_TYPE_64, PREFETCH */
    uint64_t addr;              /* where it is mapped, or PCI_BAR_UNMAPPED */
} PCIBAR;

struct PCIDevice {
    DeviceState parent_obj;
    uint32_t addr_prop;         /* "addr" property: devfn + 1, or 0 for the first free slot */

    PCIBus *bus;
    int devfn;
    uint8_t config[PCIE_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCIE_CONFIG_SPACE_SIZE];   /* guest-writable bits */
    PCIBAR bars[PCI_NUM_BARS];
    uint8_t last_cap;           /* offset of the last capability, 0 if none */
    uint16_t cap_end;           /* where the next capability goes (0: 0x40) */
    bool intx_level;            /* the device's INTx input, before INTX_DISABLE */
    bool intx_out;              /* what the bus sees */
    /* Device-specific reaction after the generic config write (optional). */
    void (*config_written)(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);
};

/* The property every PCI device class lists (DEFINE_PROP_PCI_DEVFN). */
extern const PropertyInfo prop_info_pci_devfn;
#define DEFINE_PROP_PCI_DEVFN(n, s, f) \
    { .name = (n), .info = &prop_info_pci_devfn, .offset = offsetof(s, f), \
      .desc = "slot[.function] on the PCI bus" }

static inline PCIDevice *pci_device(DeviceState *dev)
{
    return container_of(dev, PCIDevice, parent_obj);
}

/* Identity and class (24-bit class code, e.g. 0x060000 host bridge); makes
 * the standard header bits writable. pin: 1..4 (INTA..INTD) or 0 for none. */
void pci_config_init(PCIDevice *dev, uint16_t vendor, uint16_t device,
                     uint32_t class_code, uint8_t revision, uint8_t pin);
void pci_config_set_subsystem(PCIDevice *dev, uint16_t vendor, uint16_t id);
/* BAR n (a 64-bit BAR also uses n + 1) decodes region mr (size a power of two). */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr);
/* Append a capability with this id and size in bytes; returns its offset. */
uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t size);
/* Devices call this from their reset: decoding off, BARs at 0, INTx low. */
void pci_device_reset(PCIDevice *dev);
/* The device's INTx level (masked by PCI_COMMAND_INTX_DISABLE). */
void pci_set_irq(PCIDevice *dev, int level);

/* Configuration access as a host bridge delivers it (len 1, 2, 4). */
uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned len);
void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);

/* ---- buses (for host bridges) ---- */

/* Host bridge hook: INTx pin (0..3) of devfn changed to level. */
typedef void PCISetIRQFunc(void *opaque, int devfn, int pin, int level);

PCIBus *pci_bus_new(DeviceState *host, const char *name, MemoryRegion *mem,
                    MemoryRegion *io, PCISetIRQFunc *set_irq, void *opaque);
PCIDevice *pci_bus_device(PCIBus *bus, int devfn);
BusState *pci_bus_qbus(PCIBus *bus);

#endif
