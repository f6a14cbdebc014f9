/*
 * Unit tests for the x86 Linux loader (hw/i386/x86-boot.c): header checks
 * with their error messages, and a full load of a synthetic bzImage into
 * guest RAM whose zero page, command line, initrd, GDT and page tables are
 * read back and checked against Documentation/x86/boot.rst.
 */
#include "tern/osdep.h"
#include "exec/memory.h"
#include "hw/i386/x86-boot.h"
#include "hw/loader.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define RAM_SIZE (64u << 20)
#define SETUP_SECTS 2
#define KERNEL_BODY 0x3000
#define INIT_SIZE 0x800000

static MemoryRegion ram;
static char tmpdir[] = "/tmp/test-x86-boot-XXXXXX";

static void w16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void w32(uint8_t *p, uint32_t v) { w16(p, v); w16(p + 2, v >> 16); }
static void w64(uint8_t *p, uint64_t v) { w32(p, v); w32(p + 4, v >> 32); }
static uint16_t r16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t r32(const uint8_t *p) { return r16(p) | (uint32_t)r16(p + 2) << 16; }
static uint64_t r64(const uint8_t *p) { return r32(p) | (uint64_t)r32(p + 4) << 32; }

/* A bzImage as boot.rst describes: setup sectors, then the protected-mode body. */
static GByteArray *make_bzimage(uint16_t version, uint16_t xloadflags, uint8_t loadflags)
{
    size_t setup = (SETUP_SECTS + 1) * 512;
    GByteArray *b = g_byte_array_sized_new(setup + KERNEL_BODY);
    uint8_t *d;

    g_byte_array_set_size(b, setup + KERNEL_BODY);
    d = b->data;
    memset(d, 0, b->len);
    d[0x1f1] = SETUP_SECTS;
    w16(d + 0x1fe, 0xaa55);
    d[0x200] = 0xeb;
    d[0x201] = 0x268 - 0x202;
    memcpy(d + 0x202, "HdrS", 4);
    w16(d + 0x206, version);
    d[0x211] = loadflags;
    w32(d + 0x22c, 0x37ffffff);            /* initrd_addr_max */
    w32(d + 0x230, 0x200000);
    w16(d + 0x236, xloadflags);
    w32(d + 0x238, 255);                   /* cmdline_size */
    w64(d + 0x258, 0x1000000);             /* pref_address */
    w32(d + 0x260, INIT_SIZE);
    for (unsigned i = 0; i < KERNEL_BODY; i++) {
        d[setup + i] = i * 7 + 3;
    }
    return b;
}

static char *write_temp(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

static void expect_parse_error(GByteArray *img, size_t len, const char *msg)
{
    BzImageInfo info;
    GError *err = NULL;

    assert_false(x86_bzimage_parse(img->data, len, "vmlinuz", &info, &err));
    assert_non_null(err);
    if (!strstr(err->message, msg)) {
        fail_msg("error '%s' lacks '%s'", err->message, msg);
    }
    assert_non_null(strstr(err->message, "-kernel vmlinuz"));
    g_error_free(err);
}

static void test_header_checks(void **state)
{
    GByteArray *good = make_bzimage(0x020f, 1, 1);
    GByteArray *img;
    BzImageInfo info;

    assert_true(x86_bzimage_parse(good->data, good->len, "vmlinuz", &info, NULL));
    assert_int_equal(info.version, 0x020f);
    assert_int_equal(info.setup_size, (SETUP_SECTS + 1) * 512);
    assert_int_equal(info.header_end, 0x268);
    assert_int_equal(info.init_size, INIT_SIZE);
    assert_int_equal(info.cmdline_size, 255);

    img = make_bzimage(0x020f, 1, 1);
    img->data[0x202] = 'X';
    expect_parse_error(img, img->len, "not a bzImage: no HdrS signature");
    g_byte_array_free(img, true);
    img = make_bzimage(0x020b, 1, 1);
    expect_parse_error(img, img->len, "boot protocol 2.11 is too old");
    g_byte_array_free(img, true);
    img = make_bzimage(0x020f, 0, 1);
    expect_parse_error(img, img->len, "no 64-bit entry point");
    g_byte_array_free(img, true);
    img = make_bzimage(0x020f, 1, 0);
    expect_parse_error(img, img->len, "zImage");
    g_byte_array_free(img, true);
    expect_parse_error(good, 0x100, "no HdrS");
    expect_parse_error(good, 0x250, "truncated");
    expect_parse_error(good, (SETUP_SECTS + 1) * 512 + 0x100, "truncated");
    /* setup_sects 0 means 4 (boot.rst) */
    img = make_bzimage(0x020f, 1, 1);
    img->data[0x1f1] = 0;
    assert_true(x86_bzimage_parse(img->data, img->len, "vmlinuz", &info, NULL));
    assert_int_equal(info.setup_size, 5 * 512);
    g_byte_array_free(img, true);
    g_byte_array_free(good, true);
}

static uint64_t guest64(hwaddr a)
{
    uint8_t b[8];

    assert_int_equal(address_space_read(get_system_address_space(), a, b, 8), MEMTX_OK);
    return r64(b);
}

/* Walk the 4-level page tables from cr3 (SDM vol. 3A, 4.5) for a 2 MiB mapping. */
static uint64_t translate(uint64_t cr3, uint64_t va)
{
    uint64_t pml4e = guest64(cr3 + ((va >> 39) & 511) * 8);
    uint64_t pdpte, pde;

    assert_true(pml4e & 1);
    pdpte = guest64((pml4e & ~0xfffull) + ((va >> 30) & 511) * 8);
    assert_true(pdpte & 1);
    assert_false(pdpte & 0x80);
    pde = guest64((pdpte & ~0xfffull) + ((va >> 21) & 511) * 8);
    assert_true(pde & 1);
    assert_true(pde & 2);
    assert_true(pde & 0x80);
    return (pde & ~0x1fffffull) + (va & 0x1fffff);
}

static void test_load(void **state)
{
    GByteArray *img = make_bzimage(0x020f, 1, 1);
    g_autofree char *kernel = write_temp("bzImage", img->data, img->len);
    uint8_t initrd_data[5000];
    g_autofree char *initrd = NULL;
    const E820Entry e820[] = {
        { 0, 0x9fc00, E820_RAM }, { 0x100000, RAM_SIZE - 0x100000, E820_RAM },
    };
    X86LinuxBoot b = {
        .kernel = kernel, .cmdline = "console=ttyS0 root=/dev/vda",
        .e820 = e820, .nr_e820 = 2, .low_ram_end = RAM_SIZE, .rsdp = 0xe0000,
    };
    X86BootEntry entry;
    uint8_t zp[4096], buf[KERNEL_BODY], cmd[64];
    uint64_t initrd_addr, gdt_cs, gdt_ds;
    AddressSpace *as = get_system_address_space();

    for (unsigned i = 0; i < sizeof(initrd_data); i++) {
        initrd_data[i] = i ^ 0x5a;
    }
    initrd = write_temp("initrd", initrd_data, sizeof(initrd_data));
    b.initrd = initrd;
    assert_true(x86_load_linux(&b, &entry, NULL));
    rom_reset_all();

    /* entry state: startup_64 at load address + 0x200, %rsi = zero page */
    assert_int_equal(entry.rip, X86_KERNEL_ADDR + 0x200);
    assert_int_equal(entry.rsi, X86_BOOT_PARAMS_ADDR);

    address_space_read(as, X86_KERNEL_ADDR, buf, sizeof(buf));
    assert_memory_equal(buf, img->data + (SETUP_SECTS + 1) * 512, KERNEL_BODY);

    address_space_read(as, X86_BOOT_PARAMS_ADDR, zp, sizeof(zp));
    /* setup header copied from the image (0x1f1 .. 0x268) */
    assert_memory_equal(zp + 0x202, "HdrS", 4);
    assert_int_equal(r16(zp + 0x206), 0x020f);
    assert_int_equal(r32(zp + 0x260), INIT_SIZE);
    assert_int_equal(zp[0x210], 0xff);                   /* type_of_loader */
    assert_int_equal(zp[0x1ef], 0);                      /* sentinel */
    assert_int_equal(r64(zp + 0x070), 0xe0000);          /* acpi_rsdp_addr */
    /* command line */
    assert_int_equal(r32(zp + 0x228), X86_BOOT_CMDLINE_ADDR);
    assert_int_equal(r32(zp + 0x0c8), 0);
    address_space_read(as, X86_BOOT_CMDLINE_ADDR, cmd, sizeof(cmd));
    assert_string_equal((char *)cmd, "console=ttyS0 root=/dev/vda");
    /* initrd: top of RAM (below initrd_addr_max), page aligned */
    initrd_addr = r32(zp + 0x218);
    assert_int_equal(r32(zp + 0x21c), sizeof(initrd_data));
    assert_int_equal(initrd_addr, (RAM_SIZE - sizeof(initrd_data)) & ~0xfffull);
    {
        uint8_t back[sizeof(initrd_data)];

        address_space_read(as, initrd_addr, back, sizeof(back));
        assert_memory_equal(back, initrd_data, sizeof(back));
    }
    /* e820 */
    assert_int_equal(zp[0x1e8], 2);
    assert_int_equal(r64(zp + 0x2d0 + 20 + 0), 0x100000);
    assert_int_equal(r64(zp + 0x2d0 + 20 + 8), RAM_SIZE - 0x100000);
    assert_int_equal(r32(zp + 0x2d0 + 20 + 16), E820_RAM);

    /* GDT: __BOOT_CS is 64-bit code (L=1, D=0), __BOOT_DS writable data, both present */
    gdt_cs = guest64(entry.gdt_base + X86_BOOT_CS);
    gdt_ds = guest64(entry.gdt_base + X86_BOOT_DS);
    assert_int_equal((gdt_cs >> 40) & 0x9a, 0x9a);       /* P, S, code, readable */
    assert_true(gdt_cs >> 53 & 1);
    assert_false(gdt_cs >> 54 & 1);
    assert_int_equal((gdt_ds >> 40) & 0x9a, 0x92);       /* P, S, data, writable */
    assert_int_equal(guest64(entry.gdt_base), 0);

    /* identity map of the kernel, zero page, command line, initrd, and up to 4 GiB */
    assert_int_equal(translate(entry.cr3, 0x100200), 0x100200);
    assert_int_equal(translate(entry.cr3, X86_BOOT_PARAMS_ADDR), X86_BOOT_PARAMS_ADDR);
    assert_int_equal(translate(entry.cr3, initrd_addr + 17), initrd_addr + 17);
    assert_int_equal(translate(entry.cr3, 0xfffff123ull), 0xfffff123ull);
    g_byte_array_free(img, true);
}

static void expect_load_error(X86LinuxBoot *b, const char *msg)
{
    X86BootEntry entry;
    GError *err = NULL;

    assert_false(x86_load_linux(b, &entry, &err));
    if (!strstr(err->message, msg)) {
        fail_msg("error '%s' lacks '%s'", err->message, msg);
    }
    g_error_free(err);
}

static void test_load_errors(void **state)
{
    GByteArray *img = make_bzimage(0x020f, 1, 1);
    g_autofree char *kernel = write_temp("bzImage2", img->data, img->len);
    g_autofree char *big = NULL;
    g_autofree char *longcmd = g_strnfill(300, 'x');
    g_autofree uint8_t *bigdata = g_malloc0(RAM_SIZE - 0x200000);
    const E820Entry e820[] = { { 0, RAM_SIZE, E820_RAM } };
    X86LinuxBoot b = {
        .kernel = kernel, .cmdline = "", .e820 = e820, .nr_e820 = 1,
        .low_ram_end = RAM_SIZE,
    };

    b.kernel = "/nonexistent/bzImage";
    expect_load_error(&b, "-kernel /nonexistent/bzImage");
    b.kernel = kernel;
    b.cmdline = longcmd;
    expect_load_error(&b, "-append: the command line is 300 bytes");
    b.cmdline = "";
    /* relocatable kernel runs from pref_address (16 MiB) and needs 8 MiB more */
    img->data[0x234] = 1;
    g_file_set_contents(kernel, (char *)img->data, img->len, NULL);
    b.low_ram_end = 20u << 20;
    expect_load_error(&b, "use a larger -m");
    b.low_ram_end = RAM_SIZE;
    /* an initrd that overlaps what the kernel needs */
    big = write_temp("big-initrd", bigdata, RAM_SIZE - 0x200000);
    b.initrd = big;
    expect_load_error(&b, "do not fit");
    g_byte_array_free(img, true);
}

static int setup(void **state)
{
    assert_non_null(g_mkdtemp(tmpdir));
    assert_true(memory_region_init_ram(&ram, "ram", RAM_SIZE, NULL));
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    return 0;
}

static int teardown(void **state)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf %s", tmpdir);

    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_checks),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_load_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
