/*
 * Generic PCI Express host bridge (hw/pci/gpex.c), QEMU's "gpex": an ECAM
 * configuration window ("pci-host-ecam-generic" in the device tree), a
 * 32-bit and a 64-bit MMIO window and a port I/O window onto one root bus,
 * and four INTx lines (device in slot s, pin p drives line (s + p) % 4).
 *
 * Device type "gpex-pcihost". Properties: "ecam-size", "mmio32-base",
 * "mmio32-size", "mmio64-base", "mmio64-size", "pio-size". MMIO regions:
 * 0 ECAM, 1 the 32-bit window, 2 the 64-bit window, 3 port I/O. Bus
 * addresses equal CPU addresses in the MMIO windows (map region 1 at
 * mmio32-base, 2 at mmio64-base); port I/O starts at bus address 0.
 * irq outputs 0..3: INTA..INTD after the swizzle. Function 00.0 is the
 * host bridge itself (1b36:0008, like QEMU's).
 */
#ifndef HW_PCI_GPEX_H
#define HW_PCI_GPEX_H

#include "hw/pci/pci.h"

#define TYPE_GPEX_HOST "gpex-pcihost"
#define GPEX_ECAM_BUS_SIZE (1u << 20)     /* 32 devices x 8 functions x 4 KiB */

typedef struct GPEXHost {
    DeviceState parent_obj;
    uint64_t ecam_size, mmio32_base, mmio32_size, mmio64_base, mmio64_size, pio_size;

    PCIBus *bus;
    MemoryRegion ecam;
    MemoryRegion pci_mem, pci_io;           /* the bus's address spaces */
    MemoryRegion mem_abort, io_abort;       /* what answers where no BAR does */
    MemoryRegion mmio32, mmio64, pio;       /* windows onto them */
    qemu_irq irq[PCI_NUM_PINS];
    int irq_count[PCI_NUM_PINS];            /* devices asserting each line */
} GPEXHost;

DeviceState *gpex_host_create(hwaddr ecam_base, uint64_t ecam_size,
                              hwaddr mmio32_base, uint64_t mmio32_size,
                              hwaddr mmio64_base, uint64_t mmio64_size,
                              hwaddr pio_base, uint64_t pio_size);
PCIBus *gpex_host_bus(DeviceState *host);

#endif
