/*
 * Booting RISC-V boards (hw/riscv/boot.c), placed like QEMU 7.2 does so
 * firmware and kernels built for QEMU run unchanged: firmware at the start of
 * DRAM, the kernel at the next 2 MiB boundary after it, the initrd half-way
 * into RAM (at most 128 MiB after the kernel), the device tree at the top of
 * RAM below 3 GiB, and a reset vector in the boot ROM that jumps to the
 * firmware with a0 = hart id, a1 = device tree, a2 = fw_dynamic info.
 * Everything is registered with the loader's ROM list, so a reset reloads it.
 */
#ifndef HW_RISCV_BOOT_H
#define HW_RISCV_BOOT_H

#include "tern/osdep.h"

/* OpenSBI's struct fw_dynamic_info (include/sbi/fw_dynamic.h), version 2. */
#define FW_DYNAMIC_INFO_MAGIC   0x4942534fULL    /* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S  1

typedef struct FwDynamicInfo {
    uint64_t magic, version, next_addr, next_mode, options, boot_hart;
} FwDynamicInfo;

/* Size of the reset vector code and data in front of the fw_dynamic info. */
#define RISCV_RESET_VEC_SIZE 0x28

/*
 * Load -bios FILE (ELF at its addresses, or a raw image at addr); returns the
 * end address of what was loaded, or 0 with an error naming the file.
 */
uint64_t riscv_load_firmware(const char *filename, hwaddr addr, uint64_t max_size,
                             GError **errp);

/*
 * Load -kernel FILE: an ELF at its physical addresses (*entry = its entry
 * point), otherwise a flat image (Linux Image, U-Boot, ...) at start_addr.
 * Returns the end of what was loaded, or 0 with an error.
 */
uint64_t riscv_load_kernel(const char *filename, hwaddr start_addr,
                           hwaddr ram_end, uint64_t *entry, GError **errp);

/* The 2 MiB-aligned address QEMU starts a kernel at after firmware ending at fw_end. */
hwaddr riscv_kernel_start_addr(uint64_t fw_end);

/*
 * Load -initrd FILE at kernel_start + min(ram_size / 2, 128 MiB); fills the
 * range it occupies. False with an error if it does not fit in RAM.
 */
bool riscv_load_initrd(const char *filename, hwaddr kernel_start, hwaddr ram_base,
                       uint64_t ram_size, hwaddr *start, hwaddr *end, GError **errp);

/* Where the device tree goes: 2 MiB-aligned below min(RAM end, 3 GiB). */
hwaddr riscv_fdt_addr(hwaddr ram_base, uint64_t ram_size, uint32_t fdt_size);

/*
 * Register the reset vector and fw_dynamic info for the ROM at rom_base:
 * jump to start_addr in M-mode with a1 = fdt_addr; the fw_dynamic info
 * tells the firmware to enter next_addr in S-mode.
 */
void riscv_setup_rom_reset_vec(hwaddr rom_base, uint64_t rom_size, hwaddr start_addr,
                               hwaddr fdt_addr, uint64_t next_addr);

#endif
