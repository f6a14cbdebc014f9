/*
 * Firmware, kernel, initrd and device-tree placement for RISC-V boards, and
 * the boot ROM's reset vector. Addresses follow QEMU 7.2 (hw/riscv/boot.c
 * behaviour) so images and scripts made for QEMU work unchanged.
 */
#include "tern/osdep.h"
#include "hw/riscv/boot.h"
#include "hw/loader.h"

#define MiB (1024 * 1024ULL)
#define EM_RISCV 243

/* An ELF image goes where its program headers say: returns its end, 0 on error. */
static uint64_t load_riscv_elf(const char *filename, uint64_t *entry, GError **errp)
{
    ElfInfo info;

    if (!load_elf(filename, EM_RISCV, 0, &info, errp)) {
        return 0;
    }
    *entry = info.entry;
    return info.highaddr;
}

uint64_t riscv_load_firmware(const char *filename, hwaddr addr, uint64_t max_size,
                             GError **errp)
{
    int64_t size;
    uint64_t entry;

    if (file_is_elf(filename)) {
        return load_riscv_elf(filename, &entry, errp);
    }
    size = get_image_size(filename, errp);
    if (size < 0) {
        return 0;
    }
    if (!rom_add_file(filename, addr, max_size, errp)) {
        return 0;
    }
    return addr + size;
}

hwaddr riscv_kernel_start_addr(uint64_t fw_end)
{
    return TERN_ALIGN_UP(fw_end, 2 * MiB);
}

uint64_t riscv_load_kernel(const char *filename, hwaddr start_addr,
                           hwaddr ram_end, uint64_t *entry, GError **errp)
{
    int64_t size;

    if (file_is_elf(filename)) {
        return load_riscv_elf(filename, entry, errp);
    }
    if (start_addr >= ram_end) {
        error_setg(errp, "-kernel %s: no RAM left at 0x%" HWADDR_PRIx " to load it",
                   filename, start_addr);
        return 0;
    }
    size = get_image_size(filename, errp);
    if (size < 0 || !rom_add_file(filename, start_addr, ram_end - start_addr, errp)) {
        error_prepend(errp, "-kernel: ");
        return 0;
    }
    *entry = start_addr;
    return start_addr + size;
}

bool riscv_load_initrd(const char *filename, hwaddr kernel_start, hwaddr ram_base,
                       uint64_t ram_size, hwaddr *start, hwaddr *end, GError **errp)
{
    hwaddr ram_end = ram_base + ram_size;
    int64_t size;

    /*
     * Far enough from the kernel that its decompressed image and early
     * allocations do not overwrite it, yet low: half of RAM on small
     * machines, 128 MiB after the kernel otherwise.
     */
    *start = kernel_start + MIN(ram_size / 2, 128 * MiB);
    size = get_image_size(filename, errp);
    if (size < 0) {
        error_prepend(errp, "-initrd: ");
        return false;
    }
    if (*start >= ram_end || (uint64_t)size > ram_end - *start) {
        error_setg(errp, "-initrd %s: %" PRId64 " bytes do not fit in RAM at 0x%"
                   HWADDR_PRIx " (RAM ends at 0x%" HWADDR_PRIx "; use more -m)",
                   filename, size, *start, ram_end);
        return false;
    }
    if (!rom_add_file(filename, *start, ram_end - *start, errp)) {
        error_prepend(errp, "-initrd: ");
        return false;
    }
    *end = *start + size;
    return true;
}

hwaddr riscv_fdt_addr(hwaddr ram_base, uint64_t ram_size, uint32_t fdt_size)
{
    hwaddr top = ram_base + ram_size;

    /* as far up as possible, but addressable by 32-bit code */
    if (ram_base < 3072 * MiB) {
        top = MIN(top, 3072 * MiB);
    }
    return TERN_ALIGN_DOWN(top - fdt_size, 2 * MiB);
}

/* ---- reset vector: a few RV64 instructions, encoded here (unprivileged spec ch. 2) ---- */

enum { REG_T0 = 5, REG_A0 = 10, REG_A1 = 11, REG_A2 = 12 };
#define CSR_MHARTID 0xf14

static uint32_t insn_i(uint32_t imm, unsigned rs1, unsigned funct3, unsigned rd,
                       unsigned opcode)
{
    return (imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

static uint32_t insn_auipc(unsigned rd, uint32_t imm20) { return imm20 << 12 | rd << 7 | 0x17; }
static uint32_t insn_addi(unsigned rd, unsigned rs1, int imm) { return insn_i(imm, rs1, 0, rd, 0x13); }
static uint32_t insn_ld(unsigned rd, unsigned rs1, int imm) { return insn_i(imm, rs1, 3, rd, 0x03); }
static uint32_t insn_csrr(unsigned rd, unsigned csr) { return insn_i(csr, 0, 2, rd, 0x73); }
static uint32_t insn_jr(unsigned rs1) { return insn_i(0, rs1, 0, 0, 0x67); }

void riscv_setup_rom_reset_vec(hwaddr rom_base, uint64_t rom_size, hwaddr start_addr,
                               hwaddr fdt_addr, uint64_t next_addr)
{
    /* code at 0x00, start_addr at 0x18, fdt_addr at 0x20, fw_dynamic info at 0x28 */
    const uint32_t code[6] = {
        insn_auipc(REG_T0, 0),                        /* t0 = rom_base */
        insn_addi(REG_A2, REG_T0, RISCV_RESET_VEC_SIZE), /* a2 = &fw_dynamic_info */
        insn_csrr(REG_A0, CSR_MHARTID),               /* a0 = hart id */
        insn_ld(REG_A1, REG_T0, 0x20),                /* a1 = device tree */
        insn_ld(REG_T0, REG_T0, 0x18),                /* t0 = firmware entry */
        insn_jr(REG_T0),
    };
    const FwDynamicInfo info = {
        .magic = FW_DYNAMIC_INFO_MAGIC,
        .version = FW_DYNAMIC_INFO_VERSION,
        .next_addr = next_addr,
        .next_mode = FW_DYNAMIC_NEXT_MODE_S,
        .options = 0,
        .boot_hart = 0,
    };
    uint8_t rom[RISCV_RESET_VEC_SIZE + sizeof(FwDynamicInfo)];
    uint64_t words[2] = { start_addr, fdt_addr };

    G_STATIC_ASSERT(sizeof(code) + sizeof(words) == RISCV_RESET_VEC_SIZE);
    g_assert(sizeof(rom) <= rom_size);
    /* the host is little-endian like the guest (x86-64) */
    memcpy(rom, code, sizeof(code));
    memcpy(rom + sizeof(code), words, sizeof(words));
    memcpy(rom + RISCV_RESET_VEC_SIZE, &info, sizeof(info));
    rom_add_blob("mrom.reset", rom, sizeof(rom), rom_base);
}
