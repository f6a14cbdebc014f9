/*
 * Direct Linux boot on x86-64 (hw/i386/x86-boot.c): a bzImage is loaded at
 * 1 MiB and entered through the 64-bit boot protocol with a filled-in zero
 * page (struct boot_params). References: Documentation/x86/boot.rst ("The
 * Real-Mode Kernel Header", "Details of Header Fields", "64-bit Boot
 * Protocol") and Documentation/x86/zero-page.rst of Linux 6.1.
 */
#ifndef HW_I386_X86_BOOT_H
#define HW_I386_X86_BOOT_H

#include "tern/osdep.h"
#include "target/i386/cpu.h"

/* Guest-physical layout of what the loader writes below 1 MiB. */
#define X86_BOOT_GDT_ADDR     0x1000
#define X86_BOOT_PARAMS_ADDR  0x7000
#define X86_BOOT_PML4_ADDR    0x9000
#define X86_BOOT_PDPT_ADDR    0xa000
#define X86_BOOT_PD_ADDR      0xb000     /* 4 page directories: 0-4 GiB in 2 MiB pages */
#define X86_BOOT_CMDLINE_ADDR 0x20000
#define X86_BOOT_CMDLINE_MAX  0x10000
#define X86_KERNEL_ADDR       0x100000   /* boot.rst: bzImage protected-mode code at 1 MiB */

/* E820 memory types (ACPI 6.5, 15.1 Table 15.1). */
#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_MAX_ENTRIES_ZEROPAGE 128

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

/* The setup header fields the loader uses (boot.rst, "The Real-Mode Kernel Header"). */
typedef struct BzImageInfo {
    uint16_t version;          /* boot protocol, 0x020f = 2.15 */
    unsigned setup_size;       /* bytes before the protected-mode kernel */
    uint32_t initrd_addr_max;
    uint32_t kernel_alignment;
    bool relocatable;
    uint32_t cmdline_size;     /* longest command line, without the NUL */
    uint64_t pref_address;
    uint32_t init_size;        /* memory the kernel needs from its run address */
    unsigned header_end;       /* end of the setup header in the file */
} BzImageInfo;

/*
 * Check that data (the whole -kernel file) is a bzImage Tern can start with
 * the 64-bit boot protocol; errors name `filename` and the problem
 * ("not a bzImage: no HdrS signature", "boot protocol 2.2 is too old", ...).
 */
bool x86_bzimage_parse(const uint8_t *data, size_t size, const char *filename,
                       BzImageInfo *info, GError **errp);

typedef struct X86LinuxBoot {
    const char *kernel;         /* -kernel */
    const char *initrd;         /* -initrd, or NULL */
    const char *cmdline;        /* -append */
    const E820Entry *e820;
    unsigned nr_e820;
    uint64_t low_ram_end;       /* end of the RAM that starts at 0 (below 4 GiB) */
    hwaddr rsdp;                /* ACPI RSDP, or 0 */
} X86LinuxBoot;

/*
 * Load kernel, initrd, command line, zero page, GDT and identity page tables
 * as ROM blobs (rewritten at every reset) and return the CPU entry state.
 */
bool x86_load_linux(const X86LinuxBoot *b, X86BootEntry *entry, GError **errp);

#endif
