/*
 * NS16550A UART (hw/char/serial.c), used by the RISC-V virt board (MMIO at
 * 0x10000000, regshift 0) and the x86 boards (port I/O 0x3f8). Device type
 * "ns16550a": properties "chardev" and "regshift"; mmio region 0 is its 8
 * registers (<< regshift); irq output 0 is its interrupt line.
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "hw/qdev.h"

#define TYPE_SERIAL "ns16550a"

struct Chardev;

/* Create, realize, and map at addr in the given container (system memory or
 * system I/O), with its interrupt connected to irq. chr may be NULL. */
DeviceState *serial_create(MemoryRegion *space, hwaddr addr, int regshift,
                           qemu_irq irq, struct Chardev *chr);

#endif
