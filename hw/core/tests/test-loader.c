/*
 * Unit tests for the loader (hw/core/loader.c) with real RISC-V ELF files
 * cross-compiled at build time (tests/loader-test-prog.S). What the loader
 * should produce is worked out here from the files' section headers and
 * symbols, independently of the program headers the loader uses.
 */
#include "tern/osdep.h"
#include "hw/loader.h"
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "test-tmpdir.h"

extern const unsigned char loader_test_rv64_elf[], loader_test_rv32_elf[];
extern const size_t loader_test_rv64_elf_len, loader_test_rv32_elf_len;

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x200000ull

static MemoryRegion ram;
static char *tmpdir;

static char *write_temp(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

static void map_ram(uint64_t size)
{
    assert_true(memory_region_init_ram(&ram, "ram", size, NULL));
    memset(ram.ram, 0xaa, size);
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
}

static int setup(void **state)
{
    map_ram(RAM_SIZE);
    return 0;
}

static int teardown(void **state)
{
    rom_free_all();
    memory_region_del_subregion(get_system_memory(), &ram);
    memory_region_destroy(&ram);
    return 0;
}

static uint8_t *guest(hwaddr addr)
{
    assert_true(addr >= RAM_BASE && addr - RAM_BASE < ram.size);
    return ram.ram + (addr - RAM_BASE);
}

/* ---- reading the test ELF through its section headers ---- */

typedef struct Section {
    uint64_t addr, offset, size;
    uint32_t type;
} Section;

typedef struct Elf {
    const uint8_t *data;
    size_t len;
    bool is64;
    uint64_t entry;
} Elf;

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = n; i-- > 0;) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* Field readers for either class: offsets from <elf.h>'s structs. */
#define SH(e, i, field) ((e)->is64                                                     \
    ? rd(section_hdr(e, i) + offsetof(Elf64_Shdr, field), sizeof(((Elf64_Shdr *)0)->field)) \
    : rd(section_hdr(e, i) + offsetof(Elf32_Shdr, field), sizeof(((Elf32_Shdr *)0)->field)))
#define EH(e, field) ((e)->is64                                                        \
    ? rd((e)->data + offsetof(Elf64_Ehdr, field), sizeof(((Elf64_Ehdr *)0)->field))      \
    : rd((e)->data + offsetof(Elf32_Ehdr, field), sizeof(((Elf32_Ehdr *)0)->field)))

static const uint8_t *section_hdr(const Elf *e, unsigned i)
{
    uint64_t off = EH(e, e_shoff) + (uint64_t)i * EH(e, e_shentsize);

    assert_true(off + EH(e, e_shentsize) <= e->len);
    return e->data + off;
}

static Section section(const Elf *e, unsigned i)
{
    return (Section){ SH(e, i, sh_addr), SH(e, i, sh_offset), SH(e, i, sh_size),
                      (uint32_t)SH(e, i, sh_type) };
}

static Section section_by_name(const Elf *e, const char *name)
{
    Section names = section(e, EH(e, e_shstrndx));

    for (unsigned i = 0; i < EH(e, e_shnum); i++) {
        const char *n = (const char *)e->data + names.offset + SH(e, i, sh_name);
        if (!strcmp(n, name)) {
            return section(e, i);
        }
    }
    fail_msg("section %s not found", name);
    return (Section){ 0 };
}

static uint64_t symbol(const Elf *e, const char *name)
{
    Section symtab = section_by_name(e, ".symtab");
    Section strtab = section_by_name(e, ".strtab");
    size_t entsize = e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);

    for (uint64_t off = 0; off + entsize <= symtab.size; off += entsize) {
        const uint8_t *s = e->data + symtab.offset + off;
        uint32_t n = (uint32_t)rd(s, 4);     /* st_name comes first in both classes */
        uint64_t value = e->is64 ? rd(s + offsetof(Elf64_Sym, st_value), 8)
                                 : rd(s + offsetof(Elf32_Sym, st_value), 4);

        if (!strcmp((const char *)e->data + strtab.offset + n, name)) {
            return value;
        }
    }
    fail_msg("symbol %s not found", name);
    return 0;
}

static void assert_section_loaded(const Elf *e, const char *name, hwaddr at)
{
    Section s = section_by_name(e, name);

    assert_true(s.size > 0);
    assert_memory_equal(guest(at), e->data + s.offset, s.size);
}

/* ---- tests ---- */

static void check_elf(const unsigned char *data, size_t len, bool is64, const char *name)
{
    Elf e = { data, len, is64 };
    g_autofree char *path = write_temp(name, data, len);
    GError *err = NULL;
    ElfInfo info;

    assert_true(file_is_elf(path));
    assert_true(load_elf(path, EM_RISCV, 0, &info, &err));
    assert_null(err);

    uint64_t start = symbol(&e, "_start");
    uint64_t data_lma = symbol(&e, "data_lma");
    uint64_t data_vma = symbol(&e, "data_word");
    uint64_t bss_lma = symbol(&e, "bss_lma");
    uint64_t bss_size = symbol(&e, "bss_size");

    assert_int_equal(info.entry, start);
    assert_int_equal(info.machine, EM_RISCV);
    assert_int_equal(info.is64, is64);
    assert_int_equal(info.lowaddr, RAM_BASE);
    assert_int_equal(info.highaddr, bss_lma + bss_size);

    /* text and rodata where they run; data at its load address, not its run address */
    assert_section_loaded(&e, ".text", section_by_name(&e, ".text").addr);
    assert_section_loaded(&e, ".rodata", section_by_name(&e, ".rodata").addr);
    assert_string_equal((char *)guest(symbol(&e, "rodata_magic")), "Tern loader test: rodata");
    assert_true(data_lma != data_vma);
    assert_section_loaded(&e, ".data", data_lma);
    assert_int_equal(rd(guest(data_lma), 8), 0x1122334455667788ull);
    assert_int_equal(*guest(data_vma), 0xaa);
    /* bss zeroed, and nothing written past it */
    assert_true(bss_size >= 8192);
    for (uint64_t i = 0; i < bss_size; i++) {
        assert_int_equal(*guest(bss_lma + i), 0);
    }
    assert_int_equal(*guest(bss_lma + bss_size), 0xaa);

    /* a reset restores what the guest overwrote */
    memset(ram.ram, 0x55, ram.size);
    rom_reset_all();
    assert_section_loaded(&e, ".text", start);
    assert_section_loaded(&e, ".data", data_lma);
    assert_int_equal(*guest(bss_lma + 100), 0);
    assert_int_equal(*guest(bss_lma + bss_size), 0x55);
}

static void test_elf64(void **state)
{
    check_elf(loader_test_rv64_elf, loader_test_rv64_elf_len, true, "prog64.elf");
}

static void test_elf32(void **state)
{
    check_elf(loader_test_rv32_elf, loader_test_rv32_elf_len, false, "prog32.elf");
}

/* load_elf(path) must fail with a message containing each of the needles. */
static void expect_elf_error(const char *path, int machine, int64_t offset,
                             const char *needle1, const char *needle2)
{
    GError *err = NULL;
    ElfInfo info = { .entry = 12345 };

    assert_false(load_elf(path, machine, offset, &info, &err));
    assert_non_null(err);
    if (!strstr(err->message, needle1) || (needle2 && !strstr(err->message, needle2))) {
        fail_msg("unexpected error: %s", err->message);
    }
    assert_int_equal(info.entry, 12345);
    g_error_free(err);
    /* nothing was loaded */
    for (uint64_t i = 0; i < 0x3000; i++) {
        assert_int_equal(ram.ram[i], 0xaa);
    }
}

static void test_elf_errors(void **state)
{
    const unsigned char *elf = loader_test_rv64_elf;
    size_t len = loader_test_rv64_elf_len;
    g_autofree char *good = write_temp("good.elf", elf, len);
    g_autofree char *text = write_temp("text.bin", "hello, world", 12);
    g_autofree char *hdr_only = write_temp("short.elf", elf, 0x80);
    g_autofree char *cut = write_temp("cut.elf", elf, section_by_name(
        &(Elf){ elf, len, true }, ".text").offset + 4);
    g_autofree char *missing = g_build_filename(tmpdir, "missing.elf", NULL);

    expect_elf_error(good, EM_X86_64, 0, good, "for RISC-V (e_machine 243), but this machine"
                     " needs x86-64");
    /* moved by offset to where there is no RAM */
    expect_elf_error(good, EM_RISCV, 0x10000000, good, "is outside the machine's RAM and ROM");
    expect_elf_error(text, EM_RISCV, 0, text, "is not an ELF file");
    assert_false(file_is_elf(text));
    expect_elf_error(hdr_only, EM_RISCV, 0, hdr_only, "bad ELF program header table");
    expect_elf_error(cut, EM_RISCV, 0, cut, "lies outside the file");
    expect_elf_error(missing, EM_RISCV, 0, missing, "No such file or directory");
    assert_false(file_is_elf(missing));
    g_autofree char *dir_msg = g_strdup_printf("'%s' is not a regular file", tmpdir);
    expect_elf_error(tmpdir, EM_RISCV, 0, dir_msg, NULL);

    /* an offset that keeps it in RAM moves everything, entry included */
    ElfInfo info;
    assert_true(load_elf(good, EM_RISCV, 0x1000, &info, NULL));
    assert_int_equal(info.entry, symbol(&(Elf){ elf, len, true }, "_start") + 0x1000);
    assert_memory_equal(guest(RAM_BASE + 0x1000),
                        elf + section_by_name(&(Elf){ elf, len, true }, ".text").offset, 8);
}

/* RAM too small for the bss: the segment's memory size counts, not just its file size. */
static void test_elf_bss_outside_ram(void **state)
{
    g_autofree char *path = write_temp("good.elf", loader_test_rv64_elf,
                                       loader_test_rv64_elf_len);
    GError *err = NULL;

    teardown(state);
    map_ram(0x1000);
    assert_false(load_elf(path, EM_RISCV, 0, NULL, &err));
    assert_non_null(strstr(err->message, "segment 1"));
    assert_non_null(strstr(err->message, "is outside the machine's RAM and ROM"));
    g_error_free(err);
    assert_int_equal(ram.ram[0], 0xaa);
}

static void test_raw_image(void **state)
{
    uint8_t data[100];
    GError *err = NULL;

    for (unsigned i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 3 + 1);
    }
    g_autofree char *path = write_temp("image.bin", data, sizeof(data));

    assert_int_equal(get_image_size(path, NULL), 100);
    assert_int_equal(load_image_targphys(path, RAM_BASE + 0x1000, 4096, &err), 100);
    assert_null(err);
    assert_memory_equal(guest(RAM_BASE + 0x1000), data, 100);
    assert_int_equal(*guest(RAM_BASE + 0x1000 + 100), 0xaa);

    assert_int_equal(load_image_targphys(path, RAM_BASE, 99, &err), -1);
    assert_non_null(strstr(err->message, path));
    assert_non_null(strstr(err->message, "is too large: 100 bytes, but only 99 fit"));
    g_clear_error(&err);
    assert_int_equal(load_image_targphys(path, RAM_BASE + RAM_SIZE - 50, 4096, &err), -1);
    assert_non_null(strstr(err->message, "does not fit in RAM"));
    g_clear_error(&err);
    assert_false(rom_add_file(path, 0x1000, 4096, &err));
    assert_non_null(strstr(err->message, "does not fit in RAM"));
    g_clear_error(&err);

    /* blobs come back at reset */
    rom_add_blob("blob", "firmware!", 9, RAM_BASE + 0x2000);
    assert_memory_equal(guest(RAM_BASE + 0x2000), "firmware!", 9);
    memset(ram.ram, 0, ram.size);
    rom_reset_all();
    assert_memory_equal(guest(RAM_BASE + 0x2000), "firmware!", 9);
    assert_memory_equal(guest(RAM_BASE + 0x1000), data, 100);
}

int main(void)
{
    if (!loader_test_rv64_elf_len || !loader_test_rv32_elf_len) {
        printf("SKIP: no riscv64 cross compiler (riscv64-unknown-elf-gcc or "
               "riscv64-linux-gnu-gcc) was found when building, so there is no test ELF\n");
        return 77;
    }
    tmpdir = test_tmpdir_new("test-loader-XXXXXX");

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_elf64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elf32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elf_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elf_bss_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_image, setup, teardown),
    };
    int ret = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove(tmpdir);
    g_free(tmpdir);
    return ret;
}
