/*
 * Loading guest software into guest memory (include/hw/loader.h).
 *
 * Everything loaded is kept as a "rom" blob: written into guest RAM/ROM
 * right away, and again at every machine reset (rom_reset_all), so firmware
 * and kernels survive a guest reboot the way they do under QEMU.
 */
#include "tern/osdep.h"
#include "hw/loader.h"
#include <elf.h>
#include <sys/stat.h>

typedef struct Rom {
    char *name;
    uint8_t *data;
    size_t datalen;
    uint64_t romsize;             /* datalen, plus zero fill (ELF bss) */
    hwaddr addr;
} Rom;

static GPtrArray *roms;

/* Is [addr, addr + len) all RAM or ROM in the system address space? */
static bool range_is_ram(hwaddr addr, uint64_t len)
{
    AddressSpace *as = get_system_address_space();

    if (len && addr + len - 1 < addr) {
        return false;             /* wraps around the address space */
    }
    while (len) {
        MemoryRegionSection s;

        if (!address_space_lookup(as, addr, &s) || !memory_region_is_ram(s.mr)) {
            return false;
        }
        uint64_t l = MIN(len, s.size);
        addr += l;
        len -= l;
    }
    return true;
}

static void rom_write(const Rom *rom)
{
    AddressSpace *as = get_system_address_space();
    static const uint8_t zeros[4096];
    MemTxResult res = address_space_write_rom(as, rom->addr, rom->data, rom->datalen);

    for (uint64_t done = rom->datalen; res == MEMTX_OK && done < rom->romsize;) {
        uint64_t l = MIN(sizeof(zeros), rom->romsize - done);

        res = address_space_write_rom(as, rom->addr + done, zeros, l);
        done += l;
    }
    if (res != MEMTX_OK) {
        warn_report("%s: 0x%" HWADDR_PRIx "-0x%" HWADDR_PRIx " is not RAM or ROM; not loaded",
                    rom->name, rom->addr, rom->addr + rom->romsize - 1);
    }
}

/* Register a blob (taking ownership of data) and write it now. */
static void rom_add(const char *name, uint8_t *data, size_t datalen, uint64_t romsize,
                    hwaddr addr)
{
    Rom *rom = g_new(Rom, 1);

    rom->name = g_strdup(name);
    rom->data = data;
    rom->datalen = datalen;
    rom->romsize = romsize;
    rom->addr = addr;
    if (!roms) {
        roms = g_ptr_array_new();
    }
    g_ptr_array_add(roms, rom);
    rom_write(rom);
}

void rom_add_blob(const char *name, const void *data, size_t len, hwaddr addr)
{
    rom_add(name, g_memdup2(data, len), len, len, addr);
}

void rom_reset_all(void)
{
    for (unsigned i = 0; roms && i < roms->len; i++) {
        rom_write(g_ptr_array_index(roms, i));
    }
}

void rom_free_all(void)
{
    for (unsigned i = 0; roms && i < roms->len; i++) {
        Rom *rom = g_ptr_array_index(roms, i);

        g_free(rom->name);
        g_free(rom->data);
        g_free(rom);
    }
    if (roms) {
        g_ptr_array_set_size(roms, 0);
    }
}

int64_t get_image_size(const char *filename, GError **errp)
{
    struct stat st;

    if (stat(filename, &st) < 0) {
        error_setg_errno(errp, errno, "cannot open '%s'", filename);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        error_setg(errp, "'%s' is not a regular file", filename);
        return -1;
    }
    return st.st_size;
}

static bool read_file(const char *filename, uint8_t **data, size_t *len, GError **errp)
{
    gchar *buf;
    gsize n;
    GError *err = NULL;

    if (get_image_size(filename, errp) < 0) {
        return false;
    }
    if (!g_file_get_contents(filename, &buf, &n, &err)) {
        error_setg(errp, "cannot read '%s': %s", filename, err->message);
        g_error_free(err);
        return false;
    }
    *data = (uint8_t *)buf;
    *len = n;
    return true;
}

/* Load a whole file as a rom blob at addr; returns its size or -1. */
static int64_t load_raw(const char *filename, hwaddr addr, uint64_t max_size, GError **errp)
{
    uint8_t *data;
    size_t len;

    if (!read_file(filename, &data, &len, errp)) {
        return -1;
    }
    if (len > max_size) {
        error_setg(errp, "'%s' is too large: %zu bytes, but only %" PRIu64
                   " fit at 0x%" HWADDR_PRIx, filename, len, max_size, addr);
        g_free(data);
        return -1;
    }
    if (!range_is_ram(addr, len)) {
        error_setg(errp, "'%s' (%zu bytes) does not fit in RAM at 0x%" HWADDR_PRIx,
                   filename, len, addr);
        g_free(data);
        return -1;
    }
    rom_add(filename, data, len, len, addr);
    return len;
}

int64_t load_image_targphys(const char *filename, hwaddr addr, uint64_t max_size,
                            GError **errp)
{
    return load_raw(filename, addr, max_size, errp);
}

bool rom_add_file(const char *filename, hwaddr addr, uint64_t max_size, GError **errp)
{
    return load_raw(filename, addr, max_size, errp) >= 0;
}

bool file_is_elf(const char *filename)
{
    uint8_t magic[SELFMAG];
    FILE *f = fopen(filename, "rb");
    bool is_elf;

    if (!f) {
        return false;
    }
    is_elf = fread(magic, 1, SELFMAG, f) == SELFMAG && !memcmp(magic, ELFMAG, SELFMAG);
    fclose(f);
    return is_elf;
}

/* ---- ELF ---- */

/* A program header, whatever the file's class. */
typedef struct Segment {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz;
} Segment;

static Segment segment_from_file(const uint8_t *ph, bool is64)
{
    Segment s;

    if (is64) {
        Elf64_Phdr p;
        memcpy(&p, ph, sizeof(p));
        s = (Segment){ p.p_type, p.p_flags, p.p_offset, p.p_vaddr, p.p_paddr,
                       p.p_filesz, p.p_memsz };
    } else {
        Elf32_Phdr p;
        memcpy(&p, ph, sizeof(p));
        s = (Segment){ p.p_type, p.p_flags, p.p_offset, p.p_vaddr, p.p_paddr,
                       p.p_filesz, p.p_memsz };
    }
    return s;
}

static const char *elf_machine_name(int machine)
{
    switch (machine) {
    case EM_RISCV: return "RISC-V";
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM";
    default: return NULL;
    }
}

/* Check the header; fill info's class and machine and the program header table. */
static bool elf_check_header(const char *filename, const uint8_t *data, size_t len,
                             int expected_machine, ElfInfo *info,
                             uint64_t *phoff, unsigned *phnum, GError **errp)
{
    unsigned phentsize;

    if (len < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG)) {
        error_setg(errp, "'%s' is not an ELF file", filename);
        return false;
    }
    if (data[EI_CLASS] != ELFCLASS32 && data[EI_CLASS] != ELFCLASS64) {
        error_setg(errp, "'%s': unknown ELF class %u", filename, data[EI_CLASS]);
        return false;
    }
    info->is64 = data[EI_CLASS] == ELFCLASS64;
    if (data[EI_DATA] != ELFDATA2LSB) {
        error_setg(errp, "'%s' is a big-endian ELF file; only little-endian guests are supported",
                   filename);
        return false;
    }
    if (len < (info->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
        error_setg(errp, "'%s': truncated ELF header", filename);
        return false;
    }
    if (info->is64) {
        Elf64_Ehdr h;
        memcpy(&h, data, sizeof(h));
        info->machine = h.e_machine;
        info->entry = h.e_entry;
        *phoff = h.e_phoff;
        *phnum = h.e_phnum;
        phentsize = h.e_phentsize;
    } else {
        Elf32_Ehdr h;
        memcpy(&h, data, sizeof(h));
        info->machine = h.e_machine;
        info->entry = h.e_entry;
        *phoff = h.e_phoff;
        *phnum = h.e_phnum;
        phentsize = h.e_phentsize;
    }
    if (expected_machine != EM_NONE && info->machine != expected_machine) {
        const char *got = elf_machine_name(info->machine);
        const char *want = elf_machine_name(expected_machine);

        error_setg(errp, "'%s' is an ELF file for %s (e_machine %d), but this machine needs %s",
                   filename, got ? got : "another architecture", info->machine,
                   want ? want : "another architecture");
        return false;
    }
    if (phentsize != (info->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
        *phoff > len || (uint64_t)*phnum * phentsize > len - *phoff) {
        error_setg(errp, "'%s': bad ELF program header table", filename);
        return false;
    }
    if (*phnum == 0) {
        error_setg(errp, "'%s': ELF file has no program headers", filename);
        return false;
    }
    return true;
}

bool load_elf(const char *filename, int expected_machine, int64_t offset,
              ElfInfo *info, GError **errp)
{
    uint8_t *data;
    size_t len;
    uint64_t phoff;
    unsigned phnum, loaded = 0;
    ElfInfo ei = { 0 };
    bool ok = false;

    if (!read_file(filename, &data, &len, errp)) {
        return false;
    }
    if (!elf_check_header(filename, data, len, expected_machine, &ei, &phoff, &phnum,
                          errp)) {
        goto out;
    }
    size_t phsize = ei.is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    Segment *segs = g_new(Segment, phnum);
    uint64_t entry = ei.entry;

    ei.lowaddr = UINT64_MAX;
    ei.highaddr = 0;
    /* check every segment before loading any */
    for (unsigned i = 0; i < phnum; i++) {
        Segment *s = &segs[i];

        *s = segment_from_file(data + phoff + i * phsize, ei.is64);
        if (s->type != PT_LOAD || s->memsz == 0) {
            continue;
        }
        hwaddr addr = s->paddr + (uint64_t)offset;
        if (s->filesz > s->memsz || s->offset > len || s->filesz > len - s->offset) {
            error_setg(errp, "'%s': ELF segment %u lies outside the file", filename, i);
            goto out_segs;
        }
        if (!range_is_ram(addr, s->memsz)) {
            error_setg(errp, "'%s': ELF segment %u (0x%" HWADDR_PRIx "-0x%" HWADDR_PRIx
                       ") is outside the machine's RAM and ROM", filename, i,
                       addr, addr + s->memsz - 1);
            goto out_segs;
        }
        ei.lowaddr = MIN(ei.lowaddr, addr);
        ei.highaddr = MAX(ei.highaddr, addr + s->memsz);
        /* e_entry is virtual: move it to where its executable segment is loaded */
        if (s->vaddr != s->paddr && (s->flags & PF_X) &&
            ei.entry >= s->vaddr && ei.entry - s->vaddr < s->filesz) {
            entry = ei.entry - s->vaddr + s->paddr;
        }
        loaded++;
    }
    if (!loaded) {
        error_setg(errp, "'%s': ELF file has no loadable segments", filename);
        goto out_segs;
    }
    for (unsigned i = 0; i < phnum; i++) {
        Segment *s = &segs[i];

        if (s->type == PT_LOAD && s->memsz) {
            g_autofree char *name = g_strdup_printf("%s segment %u", filename, i);

            rom_add(name, g_memdup2(data + s->offset, s->filesz), s->filesz, s->memsz,
                    s->paddr + (uint64_t)offset);
        }
    }
    ei.entry = entry + (uint64_t)offset;
    if (info) {
        *info = ei;
    }
    ok = true;
out_segs:
    g_free(segs);
out:
    g_free(data);
    return ok;
}
