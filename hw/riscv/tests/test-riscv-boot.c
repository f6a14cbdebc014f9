/* RISC-V boot placement (QEMU 7.2's addresses) and the boot ROM's reset vector. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "test-tmpdir.h"
#include "hw/riscv/boot.h"
#include "hw/loader.h"
#include "exec/memory.h"

#define MiB (1024 * 1024ULL)
#define DRAM 0x80000000ULL
#define RAM_SIZE (256 * MiB)
#define ROM_BASE 0x1000

static MemoryRegion rom, ram;

static uint64_t load64(hwaddr addr)
{
    uint64_t v = 0;

    assert_int_equal(address_space_read(get_system_address_space(), addr, &v, 8), MEMTX_OK);
    return v;
}

static uint32_t load32(hwaddr addr)
{
    uint32_t v = 0;

    assert_int_equal(address_space_read(get_system_address_space(), addr, &v, 4), MEMTX_OK);
    return v;
}

static void test_fdt_addr(void **state)
{
    /* 2 MiB-aligned below the end of RAM, or below 3 GiB for large RAM */
    assert_int_equal(riscv_fdt_addr(DRAM, 128 * MiB, 4222), 0x87e00000);
    assert_int_equal(riscv_fdt_addr(DRAM, 512 * MiB, 0x100000), 0x9fe00000);
    assert_int_equal(riscv_fdt_addr(DRAM, 4096 * MiB, 4222), 0xbfe00000);
    assert_int_equal(riscv_fdt_addr(DRAM, 128 * MiB, 3 * MiB), 0x87c00000);
}

static void test_kernel_start(void **state)
{
    assert_int_equal(riscv_kernel_start_addr(DRAM), DRAM);              /* -bios none */
    assert_int_equal(riscv_kernel_start_addr(DRAM + 115328), 0x80200000); /* OpenSBI */
    assert_int_equal(riscv_kernel_start_addr(0x80200001), 0x80400000);
}

static void test_reset_vector(void **state)
{
    const hwaddr fdt = 0x8fe00000, start = DRAM, next = 0x80200000;

    riscv_setup_rom_reset_vec(ROM_BASE, 0xf000, start, fdt, next);
    /* encodings as the GNU assembler produces them */
    assert_int_equal(load32(ROM_BASE + 0x00), 0x00000297);   /* auipc t0, 0 */
    assert_int_equal(load32(ROM_BASE + 0x04), 0x02828613);   /* addi a2, t0, 40 */
    assert_int_equal(load32(ROM_BASE + 0x08), 0xf1402573);   /* csrr a0, mhartid */
    assert_int_equal(load32(ROM_BASE + 0x0c), 0x0202b583);   /* ld a1, 32(t0) */
    assert_int_equal(load32(ROM_BASE + 0x10), 0x0182b283);   /* ld t0, 24(t0) */
    assert_int_equal(load32(ROM_BASE + 0x14), 0x00028067);   /* jr t0 */
    assert_int_equal(load64(ROM_BASE + 0x18), start);
    assert_int_equal(load64(ROM_BASE + 0x20), fdt);
    /* OpenSBI's struct fw_dynamic_info at a2 */
    assert_int_equal(load64(ROM_BASE + 0x28), 0x4942534f);   /* magic */
    assert_int_equal(load64(ROM_BASE + 0x30), 2);            /* version */
    assert_int_equal(load64(ROM_BASE + 0x38), next);         /* next_addr */
    assert_int_equal(load64(ROM_BASE + 0x40), 1);            /* next_mode: S */
    assert_int_equal(load64(ROM_BASE + 0x48), 0);            /* options */
    assert_int_equal(load64(ROM_BASE + 0x50), 0);            /* boot_hart */

    /* the ROM is rewritten at reset even if the guest changed RAM/ROM contents */
    uint32_t junk = 0;
    memcpy(memory_region_get_ram_ptr(&rom), &junk, 4);
    assert_int_equal(load32(ROM_BASE), 0);
    rom_reset_all();
    assert_int_equal(load32(ROM_BASE), 0x00000297);
}

static char *temp_file(size_t len, uint8_t fill)
{
    g_autofree uint8_t *data = g_malloc(len);
    char *path;

    memset(data, fill, len);
    path = test_tmpfile_new("tern-boot-XXXXXX", data, len);
    assert_non_null(path);
    return path;
}

static void test_kernel_and_initrd(void **state)
{
    g_autofree char *kernel = temp_file(5000, 0x11);
    g_autofree char *initrd = temp_file(3000, 0x22);
    uint64_t entry = 0;
    hwaddr start, end;
    GError *err = NULL;

    /* a flat image goes at the start address and is entered there */
    assert_int_equal(riscv_load_kernel(kernel, 0x80200000, DRAM + RAM_SIZE, &entry, &err),
                     0x80200000 + 5000);
    assert_int_equal(entry, 0x80200000);
    assert_int_equal(load32(0x80200000), 0x11111111);
    /* initrd: kernel + min(RAM / 2, 128 MiB) */
    assert_true(riscv_load_initrd(initrd, 0x80200000, DRAM, RAM_SIZE, &start, &end, &err));
    assert_int_equal(start, 0x80200000 + 128 * MiB);
    assert_int_equal(end, start + 3000);
    assert_int_equal(load32(start), 0x22222222);
    assert_true(riscv_load_initrd(initrd, 0x80200000, DRAM, 64 * MiB, &start, &end, &err));
    assert_int_equal(start, 0x80200000 + 32 * MiB);
    /* does not fit: an error naming the file */
    assert_false(riscv_load_initrd(initrd, 0x80200000, DRAM, 2 * MiB + 4096, &start, &end,
                                   &err));
    assert_non_null(err);
    assert_non_null(strstr(err->message, initrd));
    g_clear_error(&err);
    assert_int_equal(riscv_load_kernel("/nonexistent/kernel", 0x80200000, DRAM + RAM_SIZE,
                                       &entry, &err), 0);
    assert_non_null(strstr(err->message, "/nonexistent/kernel"));
    g_clear_error(&err);
    unlink(kernel);
    unlink(initrd);
}

int main(void)
{
    GError *err = NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fdt_addr),
        cmocka_unit_test(test_kernel_start),
        cmocka_unit_test(test_reset_vector),
        cmocka_unit_test(test_kernel_and_initrd),
    };

    if (!memory_region_init_rom(&rom, "mrom", 0xf000, &err) ||
        !memory_region_init_ram(&ram, "ram", RAM_SIZE, &err)) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    memory_region_add_subregion(get_system_memory(), ROM_BASE, &rom);
    memory_region_add_subregion(get_system_memory(), DRAM, &ram);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
