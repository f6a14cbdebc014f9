/* -device loader: values, raw files and ELF files into guest memory, reloaded at reset. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "test-tmpdir.h"
#include <elf.h>
#include <unistd.h>
#include "hw/qdev.h"
#include "hw/loader.h"
#include "exec/memory.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x100000ULL

static MemoryRegion ram;

static uint32_t load32(hwaddr addr)
{
    uint32_t v = 0;

    assert_int_equal(address_space_read(get_system_address_space(), addr, &v, 4), MEMTX_OK);
    return v;
}

static void store32(hwaddr addr, uint32_t v)
{
    assert_int_equal(address_space_write(get_system_address_space(), addr, &v, 4), MEMTX_OK);
}

static DeviceState *add(const char *opts, GError **errp)
{
    return qdev_device_add(opts, errp);
}

static char *temp_file(const void *data, size_t len)
{
    char *path = test_tmpfile_new("tern-loader-XXXXXX", data, len);

    assert_non_null(path);
    return path;
}

static void test_data(void **state)
{
    GError *err = NULL;

    assert_non_null(add("loader,data=0x11223344,data-len=4,addr=0x80001000", &err));
    assert_int_equal(load32(0x80001000), 0x11223344);
    assert_non_null(add("loader,data=0x11223344,data-len=4,data-be=on,addr=0x80001004", &err));
    assert_int_equal(load32(0x80001004), 0x44332211);
    assert_non_null(add("loader,data=0xaabb,data-len=1,addr=0x80001008", &err));
    assert_int_equal(load32(0x80001008) & 0xff, 0xbb);
    /* the guest overwrites it; a reset restores it */
    store32(0x80001000, 0);
    rom_reset_all();
    assert_int_equal(load32(0x80001000), 0x11223344);
}

static void test_raw_file(void **state)
{
    const char text[] = "raw file contents";
    g_autofree char *path = temp_file(text, sizeof(text));
    g_autofree char *opts = g_strdup_printf("loader,file=%s,addr=0x80002000", path);
    char buf[sizeof(text)];
    GError *err = NULL;

    assert_non_null(add(opts, &err));
    assert_int_equal(address_space_read(get_system_address_space(), 0x80002000, buf,
                                        sizeof(buf)), MEMTX_OK);
    assert_memory_equal(buf, text, sizeof(text));
    unlink(path);
}

/* A minimal little-endian ELF64 with one PT_LOAD segment at paddr. */
static char *make_elf(uint64_t paddr, const void *data, size_t len)
{
    struct {
        Elf64_Ehdr eh;
        Elf64_Phdr ph;
        uint8_t payload[64];
    } f;

    assert_true(len <= sizeof(f.payload));
    memset(&f, 0, sizeof(f));
    memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
    f.eh.e_ident[EI_CLASS] = ELFCLASS64;
    f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    f.eh.e_ident[EI_VERSION] = EV_CURRENT;
    f.eh.e_type = ET_EXEC;
    f.eh.e_machine = EM_RISCV;
    f.eh.e_version = EV_CURRENT;
    f.eh.e_entry = paddr;
    f.eh.e_phoff = offsetof(__typeof__(f), ph);
    f.eh.e_ehsize = sizeof(Elf64_Ehdr);
    f.eh.e_phentsize = sizeof(Elf64_Phdr);
    f.eh.e_phnum = 1;
    f.ph.p_type = PT_LOAD;
    f.ph.p_flags = PF_R | PF_X;
    f.ph.p_offset = offsetof(__typeof__(f), payload);
    f.ph.p_vaddr = f.ph.p_paddr = paddr;
    f.ph.p_filesz = len;
    f.ph.p_memsz = len + 16;        /* bss, zeroed */
    memcpy(f.payload, data, len);
    return temp_file(&f, sizeof(f));
}

static void test_elf_file(void **state)
{
    const uint32_t words[2] = { 0xcafef00d, 0x12345678 };
    g_autofree char *path = make_elf(0x80003000, words, sizeof(words));
    g_autofree char *opts = g_strdup_printf("loader,file=%s", path);
    g_autofree char *raw = g_strdup_printf("loader,file=%s,addr=0x80004000,force-raw=on", path);
    GError *err = NULL;

    store32(0x80003008, 0xffffffff);
    assert_non_null(add(opts, &err));
    assert_int_equal(load32(0x80003000), 0xcafef00d);
    assert_int_equal(load32(0x80003004), 0x12345678);
    assert_int_equal(load32(0x80003008), 0);            /* bss */
    /* force-raw: the ELF file's bytes as they are */
    assert_non_null(add(raw, &err));
    assert_int_equal(load32(0x80004000), 0x464c457f);   /* "\x7fELF" */
    unlink(path);
}

static void test_errors(void **state)
{
    GError *err = NULL;

    assert_null(add("loader,data=1,data-len=9,addr=0x80000000", &err));
    assert_non_null(strstr(err->message, "data-len"));
    g_clear_error(&err);
    assert_null(add("loader,addr=0x80000000", &err));
    g_clear_error(&err);
    assert_null(add("loader,file=/nonexistent/image,addr=0x80000000", &err));
    assert_non_null(strstr(err->message, "/nonexistent/image"));
    g_clear_error(&err);
    /* outside RAM */
    g_autofree char *path = temp_file("x", 1);
    g_autofree char *opts = g_strdup_printf("loader,file=%s,addr=0x10", path);
    assert_null(add(opts, &err));
    g_clear_error(&err);
    assert_null(add("loader,cpu-num=5", &err));        /* no such CPU */
    assert_non_null(strstr(err->message, "cpu-num"));
    g_clear_error(&err);
    unlink(path);
}

int main(void)
{
    GError *err = NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data),
        cmocka_unit_test(test_raw_file),
        cmocka_unit_test(test_elf_file),
        cmocka_unit_test(test_errors),
    };

    if (!memory_region_init_ram(&ram, "ram", RAM_SIZE, &err)) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
