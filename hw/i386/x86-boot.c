/*
 * Linux x86 boot protocol, 64-bit entry. Section names below are those of
 * Documentation/x86/boot.rst (Linux 6.1); zero-page offsets are from
 * Documentation/x86/zero-page.rst.
 */
#include "tern/osdep.h"
#include "hw/i386/x86-boot.h"
#include "hw/loader.h"

/* Setup header offsets in the file and the zero page ("The Real-Mode Kernel Header"). */
#define HDR_SETUP_SECTS       0x1f1
#define HDR_BOOT_FLAG         0x1fe
#define HDR_JUMP              0x200
#define HDR_HEADER            0x202
#define HDR_VERSION           0x206
#define HDR_TYPE_OF_LOADER    0x210
#define HDR_LOADFLAGS         0x211
#define HDR_RAMDISK_IMAGE     0x218
#define HDR_RAMDISK_SIZE      0x21c
#define HDR_CMD_LINE_PTR      0x228
#define HDR_INITRD_ADDR_MAX   0x22c
#define HDR_KERNEL_ALIGNMENT  0x230
#define HDR_RELOCATABLE       0x234
#define HDR_XLOADFLAGS        0x236
#define HDR_CMDLINE_SIZE      0x238
#define HDR_PREF_ADDRESS      0x258
#define HDR_INIT_SIZE         0x260
#define HDR_MIN_FILE_SIZE     0x268   /* through init_size (protocol 2.12) */

/* zero-page.rst */
#define ZP_ACPI_RSDP_ADDR     0x070
#define ZP_EXT_RAMDISK_IMAGE  0x0c0
#define ZP_EXT_RAMDISK_SIZE   0x0c4
#define ZP_EXT_CMD_LINE_PTR   0x0c8
#define ZP_E820_ENTRIES       0x1e8
#define ZP_E820_TABLE         0x2d0
#define ZP_SIZE               0x1000

#define LOADED_HIGH    0x01
#define XLF_KERNEL_64  0x01
#define LOADER_TYPE_UNDEFINED 0xff   /* "Details of Header Fields": type_of_loader */

static uint16_t rd16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr8(uint8_t *p, uint8_t v) { p[0] = v; }
static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}
static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, v);
    wr32(p + 4, v >> 32);
}

bool x86_bzimage_parse(const uint8_t *data, size_t size, const char *filename,
                       BzImageInfo *info, GError **errp)
{
    unsigned setup_sects;

    memset(info, 0, sizeof(*info));
    if (size < HDR_HEADER + 4 || memcmp(data + HDR_HEADER, "HdrS", 4)) {
        bool elf = size >= 4 && !memcmp(data, "\x7f" "ELF", 4);

        error_setg(errp, "-kernel %s: not a bzImage: no HdrS signature at offset 0x202%s",
                   filename, elf ? " (an ELF file such as vmlinux: use the bzImage, "
                   "arch/x86/boot/bzImage)" : "");
        return false;
    }
    info->version = rd16(data + HDR_VERSION);
    /* The 64-bit entry and xloadflags need protocol 2.12 ("64-bit Boot Protocol"). */
    if (info->version < 0x020c) {
        error_setg(errp, "-kernel %s: boot protocol %u.%02u is too old: Tern starts "
                   "kernels through the 64-bit entry, which needs 2.12 or later",
                   filename, info->version >> 8, info->version & 0xff);
        return false;
    }
    if (size < HDR_MIN_FILE_SIZE) {
        error_setg(errp, "-kernel %s: truncated: the file ends inside the setup header",
                   filename);
        return false;
    }
    if (rd16(data + HDR_BOOT_FLAG) != 0xaa55) {
        error_setg(errp, "-kernel %s: not a bzImage: boot_flag is 0x%04x, not 0xaa55",
                   filename, rd16(data + HDR_BOOT_FLAG));
        return false;
    }
    if (!(data[HDR_LOADFLAGS] & LOADED_HIGH)) {
        error_setg(errp, "-kernel %s: a zImage (loads at 0x10000), not a bzImage",
                   filename);
        return false;
    }
    if (!(rd16(data + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
        error_setg(errp, "-kernel %s: the kernel has no 64-bit entry point "
                   "(XLF_KERNEL_64 is clear: a 32-bit kernel?)", filename);
        return false;
    }
    /* "setup_sects: ... If this field is 0, the real value is 4." */
    setup_sects = data[HDR_SETUP_SECTS] ? data[HDR_SETUP_SECTS] : 4;
    info->setup_size = (setup_sects + 1) * 512;
    /* The 64-bit entry is at offset 0x200 of the protected-mode kernel. */
    if (size < info->setup_size + 0x200 + 1) {
        error_setg(errp, "-kernel %s: truncated: %zu bytes, but the setup code alone "
                   "takes %u", filename, size, info->setup_size);
        return false;
    }
    /* "the end of the setup header ... 0x0202 + the byte value at offset 0x0201" */
    info->header_end = MIN(HDR_JUMP + 2 + data[HDR_JUMP + 1], 0x290u);
    info->initrd_addr_max = rd32(data + HDR_INITRD_ADDR_MAX);
    info->kernel_alignment = rd32(data + HDR_KERNEL_ALIGNMENT);
    info->relocatable = data[HDR_RELOCATABLE];
    info->cmdline_size = rd32(data + HDR_CMDLINE_SIZE);
    info->pref_address = rd64(data + HDR_PREF_ADDRESS);
    info->init_size = rd32(data + HDR_INIT_SIZE);
    return true;
}

/* Identity map of 0-4 GiB with 2 MiB pages: PML4 -> one PDPT -> four PDs. */
static void add_page_tables(void)
{
    g_autofree uint64_t *pml4 = g_new0(uint64_t, 512);
    g_autofree uint64_t *pdpt = g_new0(uint64_t, 512);
    g_autofree uint64_t *pd = g_new0(uint64_t, 4 * 512);
    const uint64_t present_rw = 0x3, page_size = 0x80;

    pml4[0] = X86_BOOT_PDPT_ADDR | present_rw;
    for (int i = 0; i < 4; i++) {
        pdpt[i] = (X86_BOOT_PD_ADDR + i * 0x1000) | present_rw;
    }
    for (int i = 0; i < 4 * 512; i++) {
        pd[i] = ((uint64_t)i << 21) | present_rw | page_size;
    }
    rom_add_blob("boot pml4", pml4, 0x1000, X86_BOOT_PML4_ADDR);
    rom_add_blob("boot pdpt", pdpt, 0x1000, X86_BOOT_PDPT_ADDR);
    rom_add_blob("boot pd", pd, 4 * 0x1000, X86_BOOT_PD_ADDR);
}

static void add_gdt(void)
{
    uint64_t gdt[X86_BOOT_GDT_ENTRIES];
    uint8_t bytes[sizeof(gdt)];

    x86_boot_gdt(gdt);
    for (unsigned i = 0; i < X86_BOOT_GDT_ENTRIES; i++) {
        wr64(bytes + 8 * i, gdt[i]);
    }
    rom_add_blob("boot gdt", bytes, sizeof(bytes), X86_BOOT_GDT_ADDR);
}

/*
 * "Loading The Rest of The Kernel" / initrd_addr_max: the initrd goes as
 * high as possible below both the end of low RAM and initrd_addr_max,
 * page-aligned, and above the memory the kernel needs.
 */
static bool place_initrd(const X86LinuxBoot *b, const BzImageInfo *info,
                         uint64_t kernel_end, uint64_t size, uint64_t *addr,
                         GError **errp)
{
    /* protocol >= 2.03 gives initrd_addr_max (the highest byte); we need 2.12 */
    uint64_t limit = MIN(b->low_ram_end, (uint64_t)info->initrd_addr_max + 1);

    if (size > limit || TERN_ALIGN_DOWN(limit - size, 0x1000) < kernel_end) {
        error_setg(errp, "-initrd %s: %" PRIu64 " bytes do not fit between the kernel "
                   "(which needs RAM up to 0x%" PRIx64 ") and 0x%" PRIx64
                   "; give the machine more memory (-m)", b->initrd, size,
                   kernel_end, limit);
        return false;
    }
    *addr = TERN_ALIGN_DOWN(limit - size, 0x1000);
    return true;
}

bool x86_load_linux(const X86LinuxBoot *b, X86BootEntry *entry, GError **errp)
{
    g_autofree uint8_t *kernel = NULL;
    g_autofree uint8_t *zp = g_malloc0(ZP_SIZE);
    GError *err = NULL;
    size_t size;
    BzImageInfo info;
    uint64_t run_start, kernel_end, cmdline_len = strlen(b->cmdline);
    unsigned nr_e820 = MIN(b->nr_e820, E820_MAX_ENTRIES_ZEROPAGE);

    if (!g_file_get_contents(b->kernel, (gchar **)&kernel, &size, &err)) {
        error_setg(errp, "-kernel %s: %s", b->kernel, err->message);
        g_error_free(err);
        return false;
    }
    if (!x86_bzimage_parse(kernel, size, b->kernel, &info, errp)) {
        return false;
    }

    /* init_size counts from where the kernel runs: pref_address for a
     * relocatable kernel loaded lower, else the load address. */
    run_start = X86_KERNEL_ADDR;
    if (info.relocatable && info.pref_address > run_start) {
        run_start = info.pref_address;
    }
    kernel_end = MAX(run_start + info.init_size, X86_KERNEL_ADDR + (size - info.setup_size));
    if (kernel_end > b->low_ram_end) {
        error_setg(errp, "-kernel %s: the kernel needs RAM up to %" PRIu64 " MiB, "
                   "the machine has %" PRIu64 " MiB below 4 GiB; use a larger -m",
                   b->kernel, (kernel_end + (1 << 20) - 1) >> 20, b->low_ram_end >> 20);
        return false;
    }
    if (cmdline_len > info.cmdline_size || cmdline_len >= X86_BOOT_CMDLINE_MAX) {
        error_setg(errp, "-append: the command line is %" PRIu64 " bytes, the kernel "
                   "%s accepts at most %u", cmdline_len, b->kernel,
                   MIN(info.cmdline_size, X86_BOOT_CMDLINE_MAX - 1));
        return false;
    }

    /* The zero page starts as a copy of the setup header ("64-bit Boot Protocol"). */
    memcpy(zp + HDR_SETUP_SECTS, kernel + HDR_SETUP_SECTS, info.header_end - HDR_SETUP_SECTS);
    wr8(zp + HDR_TYPE_OF_LOADER, LOADER_TYPE_UNDEFINED);
    wr32(zp + HDR_CMD_LINE_PTR, X86_BOOT_CMDLINE_ADDR);
    wr32(zp + ZP_EXT_CMD_LINE_PTR, 0);
    wr64(zp + ZP_ACPI_RSDP_ADDR, b->rsdp);
    if (b->initrd) {
        int64_t isize = get_image_size(b->initrd, &err);
        uint64_t iaddr;

        if (isize < 0) {
            error_setg(errp, "-initrd %s: %s", b->initrd, err->message);
            g_error_free(err);
            return false;
        }
        if (!place_initrd(b, &info, kernel_end, isize, &iaddr, errp) ||
            !rom_add_file(b->initrd, iaddr, isize, errp)) {
            return false;
        }
        wr32(zp + HDR_RAMDISK_IMAGE, iaddr);
        wr32(zp + HDR_RAMDISK_SIZE, isize);
        wr32(zp + ZP_EXT_RAMDISK_IMAGE, iaddr >> 32);
        wr32(zp + ZP_EXT_RAMDISK_SIZE, (uint64_t)isize >> 32);
    }
    wr8(zp + ZP_E820_ENTRIES, nr_e820);
    for (unsigned i = 0; i < nr_e820; i++) {
        uint8_t *e = zp + ZP_E820_TABLE + 20 * i;

        wr64(e, b->e820[i].addr);
        wr64(e + 8, b->e820[i].size);
        wr32(e + 16, b->e820[i].type);
    }

    rom_add_blob("linux", kernel + info.setup_size, size - info.setup_size,
                 X86_KERNEL_ADDR);
    rom_add_blob("boot params", zp, ZP_SIZE, X86_BOOT_PARAMS_ADDR);
    rom_add_blob("linux cmdline", b->cmdline, cmdline_len + 1, X86_BOOT_CMDLINE_ADDR);
    add_gdt();
    add_page_tables();

    *entry = (X86BootEntry) {
        .rip = X86_KERNEL_ADDR + 0x200,   /* startup_64 ("64-bit Boot Protocol") */
        .rsi = X86_BOOT_PARAMS_ADDR,
        .cr3 = X86_BOOT_PML4_ADDR,
        .gdt_base = X86_BOOT_GDT_ADDR,
    };
    return true;
}
