/*
 * The RISC-V "virt" board (hw/riscv/virt.c), with QEMU 7.2's memory map and
 * interrupt numbers so firmware and kernels built for QEMU's virt run
 * unchanged.
 */
#ifndef HW_RISCV_VIRT_H
#define HW_RISCV_VIRT_H

#include "hw/boards.h"
#include "hw/qdev.h"
#include "target/riscv/cpu.h"

/* QEMU allows 512 harts; 8 is what Tern supports for now (2 PLIC contexts each). */
#define VIRT_CPUS_MAX 8

enum {
    VIRT_MROM,
    VIRT_TEST,
    VIRT_RTC,
    VIRT_CLINT,
    VIRT_PLIC,
    VIRT_UART0,
    VIRT_VIRTIO,
    VIRT_PCIE_PIO,
    VIRT_PCIE_ECAM,
    VIRT_PCIE_MMIO,
    VIRT_DRAM,
    VIRT_MEMMAP_COUNT,
};

typedef struct MemMapEntry {
    hwaddr base;
    hwaddr size;
} MemMapEntry;

extern const MemMapEntry virt_memmap[VIRT_MEMMAP_COUNT];

/* PLIC source numbers */
#define VIRT_VIRTIO_IRQ     1       /* 1..8 */
#define VIRT_VIRTIO_COUNT   8
#define VIRT_UART0_IRQ      10
#define VIRT_RTC_IRQ        11
#define VIRT_PCIE_IRQ       0x20    /* INTA..INTD: 0x20..0x23 */
#define VIRT_PCIE_HIGH_MMIO_SIZE 0x400000000ULL  /* 16 GiB, above RAM */
#define VIRT_PLIC_NUM_SOURCES 96    /* "riscv,ndev" in QEMU 7.2's device tree */
#define VIRT_PLIC_NUM_PRIORITIES 7
#define VIRT_TIMEBASE_FREQ  10000000

typedef struct VirtMachineState {
    MachineState parent_obj;

    char *dumpdtb;                  /* -M virt,dumpdtb=FILE */
    RISCVCPU *harts[VIRT_CPUS_MAX];
    MemoryRegion mrom;
    DeviceState *plic, *swi, *mtimer, *uart, *rtc, *test, *pcie;
    MemMapEntry pcie_high_mmio;     /* depends on the RAM size */
    DeviceState *virtio[VIRT_VIRTIO_COUNT];    /* NULL if Tern has no virtio-mmio */
    void *fdt;                      /* the device tree given to the guest */
    uint32_t fdt_size;
} VirtMachineState;

/* The device tree of what the board created (hw/riscv/virt-fdt.c); g_free it. */
void *virt_create_fdt(VirtMachineState *s);

/*
 * Set /chosen bootargs (unless cmdline is "") and the initrd range (unless
 * empty) in *pfdt, our tree or a -dtb one, and pack it; *pfdt is replaced by
 * a new g_malloc'ed tree. False with an error if the tree is broken.
 */
bool virt_fdt_set_chosen(void **pfdt, const char *cmdline, hwaddr initrd_start,
                         hwaddr initrd_end, GError **errp);

#endif
