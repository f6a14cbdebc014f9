/*
 * Unit tests for the AML encoder and the microvm ACPI tables. Expected
 * encodings are worked out from ACPI 6.5 (20.2.4 PkgLength, 20.2.2 names,
 * 19.6.43 EISAID); the tables are parsed back and checked field by field.
 */
#include "tern/osdep.h"
#include "hw/i386/acpi-aml.h"
#include "hw/i386/acpi-build.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

/* Decode a PkgLength as the spec describes it; returns the length it encodes. */
static size_t decode_pkglen(const uint8_t *p, unsigned *nbytes)
{
    unsigned follow = p[0] >> 6;
    size_t len;

    if (!follow) {
        *nbytes = 1;
        return p[0] & 0x3f;
    }
    len = p[0] & 0x0f;
    for (unsigned i = 0; i < follow; i++) {
        len |= (size_t)p[1 + i] << (4 + 8 * i);
    }
    *nbytes = 1 + follow;
    return len;
}

static void test_pkglen(void **state)
{
    static const size_t lengths[] = { 0, 1, 61, 62, 63, 64, 300, 4090, 4093, 4094,
                                      70000, 1048570, 1048573, 5000000 };

    for (unsigned i = 0; i < ARRAY_SIZE(lengths); i++) {
        GByteArray *b = g_byte_array_new();
        unsigned n;
        size_t total;

        aml_encode_pkglen(b, lengths[i]);
        total = decode_pkglen(b->data, &n);
        assert_int_equal(n, b->len);
        /* the encoded value counts the PkgLength bytes themselves */
        assert_int_equal(total, lengths[i] + n);
        /* shortest form: one byte only up to 63 */
        assert_int_equal(n == 1, lengths[i] + 1 <= 63);
        if (n > 1) {
            assert_int_equal(b->data[0] & 0x30, 0);   /* bits 5:4 reserved */
        }
        g_byte_array_free(b, true);
    }
    {
        /* 20.2.4 worked example style: 0x40 bytes of content -> 0x42 total -> 0x42 0x04 */
        GByteArray *b = g_byte_array_new();

        aml_encode_pkglen(b, 0x40);
        assert_int_equal(b->len, 2);
        assert_int_equal(b->data[0], 0x42);
        assert_int_equal(b->data[1], 0x04);
        g_byte_array_free(b, true);
    }
}

static void test_names(void **state)
{
    GByteArray *b = g_byte_array_new();

    aml_encode_name(b, "_HID");
    assert_memory_equal(b->data, "_HID", 4);
    g_byte_array_set_size(b, 0);
    aml_encode_name(b, "\\_SB.COM1");
    assert_int_equal(b->len, 10);
    assert_memory_equal(b->data, "\\\x2e_SB_COM1", 10);
    g_byte_array_set_size(b, 0);
    aml_encode_name(b, "\\_S5");
    assert_memory_equal(b->data, "\\_S5_", 5);
    g_byte_array_set_size(b, 0);
    aml_encode_name(b, "A.BB.CCC");
    assert_int_equal(b->len, 2 + 12);
    assert_memory_equal(b->data, "\x2f\x03" "A___BB__CCC_", 14);
    g_byte_array_free(b, true);
}

static void test_terms(void **state)
{
    Aml *a = aml_new();
    /* PNP0501: 'P'=16,'N'=14,'P'=16 in 5 bits -> 0x41d0, product 0x0501 */
    static const uint8_t expect[] = {
        0x0c, 0x41, 0xd0, 0x05, 0x01,               /* EISAID */
        0x00, 0x01, 0x0a, 0x2a, 0x0b, 0x34, 0x12,   /* 0, 1, 0x2a, 0x1234 */
        0x0c, 0x78, 0x56, 0x34, 0x12,               /* 0x12345678 */
        0x0e, 1, 0, 0, 0, 1, 0, 0, 0,               /* 0x100000001 */
        0x0d, 'h', 'i', 0,                          /* "hi" */
    };

    aml_append(a, aml_eisaid("PNP0501"));
    aml_append(a, aml_int(0));
    aml_append(a, aml_int(1));
    aml_append(a, aml_int(0x2a));
    aml_append(a, aml_int(0x1234));
    aml_append(a, aml_int(0x12345678));
    aml_append(a, aml_int(0x100000001ull));
    aml_append(a, aml_string("hi"));
    assert_int_equal(aml_len(a), sizeof(expect));
    assert_memory_equal(aml_data(a), expect, sizeof(expect));
    aml_free(a);
}

static void test_device_and_template(void **state)
{
    Aml *a = aml_new();
    Aml *dev = aml_device("COM1");
    Aml *crs = aml_resource_template();
    static const uint8_t expect[] = {
        0x5b, 0x82, 0x21, 'C', 'O', 'M', '1',       /* Device (COM1), PkgLength 33 */
        0x08, '_', 'C', 'R', 'S',                   /* Name (_CRS, */
        0x11, 0x10, 0x0a, 0x0d,                     /* Buffer, PkgLength 16, size 13 */
        0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,   /* IO (Decode16, 0x3f8, 0x3f8, 1, 8) */
        0x22, 0x10, 0x00,                           /* IRQNoFlags () {4} */
        0x79, 0x00,                                 /* End Tag */
        0x08, '_', 'U', 'I', 'D', 0x01,             /* Name (_UID, 1) */
    };

    aml_append(crs, aml_io(0x3f8, 8));
    aml_append(crs, aml_irq_no_flags(4));
    aml_append(dev, aml_name_decl("_CRS", crs));
    aml_append(dev, aml_name_decl("_UID", aml_int(1)));
    aml_append(a, dev);
    assert_int_equal(aml_len(a), sizeof(expect));
    assert_memory_equal(aml_data(a), expect, sizeof(expect));
    aml_free(a);
}

/* ---- tables ---- */

#define BASE 0xe0000u

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;

    while (n--) {
        s += *p++;
    }
    return s;
}

/* The table at guest address addr, checked for signature, bounds and checksum. */
static const uint8_t *table_at(GByteArray *b, uint64_t addr, const char *sig)
{
    const uint8_t *t;
    uint32_t len;

    assert_true(addr >= BASE && addr - BASE + 36 <= b->len);
    t = b->data + (addr - BASE);
    len = rd32(t + 4);
    assert_true(addr - BASE + len <= b->len);
    assert_memory_equal(t, sig, 4);
    assert_int_equal(sum(t, len), 0);
    return t;
}

static size_t count(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    size_t c = 0;

    for (size_t i = 0; i + m <= n; i++) {
        c += !memcmp(hay + i, needle, m);
    }
    return c;
}

static void test_tables(void **state)
{
    const AcpiMmioDevice virtio[3] = {
        { 0xfeb00000, 0x200, 16 }, { 0xfeb00200, 0x200, 17 }, { 0xfeb00400, 0x200, 18 },
    };
    AcpiMachineConfig c = {
        .nr_cpus = 3, .ioapic_addr = 0xfec00000, .ioapic_id = 0,
        .has_serial = true, .serial_port = 0x3f8, .serial_irq = 4,
        .virtio = virtio, .nr_virtio = 3,
        .sleep_control_port = 0x600, .sleep_status_port = 0x601,
        .reset_port = 0x602, .reset_value = 0x42, .slp_typ_s5 = 5,
    };
    GByteArray *b = acpi_build_tables(&c, BASE);
    const uint8_t *xsdt, *fadt = NULL, *madt = NULL, *dsdt;
    unsigned lapics = 0, ioapics = 0, overrides = 0;
    static const uint8_t pnp0501[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };

    /* RSDP (5.2.5.3) */
    assert_memory_equal(b->data, "RSD PTR ", 8);
    assert_int_equal(sum(b->data, 20), 0);
    assert_int_equal(sum(b->data, 36), 0);
    assert_int_equal(b->data[15], 2);
    assert_int_equal(rd32(b->data + 20), 36);

    xsdt = table_at(b, rd64(b->data + 24), "XSDT");
    for (uint32_t off = 36; off < rd32(xsdt + 4); off += 8) {
        uint64_t addr = rd64(xsdt + off);
        const uint8_t *t = b->data + (addr - BASE);

        if (!memcmp(t, "FACP", 4)) {
            fadt = table_at(b, addr, "FACP");
        } else {
            madt = table_at(b, addr, "APIC");
        }
    }
    assert_non_null(fadt);
    assert_non_null(madt);

    /* FADT (5.2.9): revision 6, 276 bytes, hardware-reduced, registers */
    assert_int_equal(rd32(fadt + 4), 276);
    assert_int_equal(fadt[8], 6);
    assert_true(rd32(fadt + 112) & (1u << 20));
    assert_true(rd32(fadt + 112) & (1u << 10));
    assert_int_equal(fadt[116], 1);                 /* RESET_REG in system I/O */
    assert_int_equal(rd64(fadt + 120), 0x602);
    assert_int_equal(fadt[128], 0x42);
    assert_int_equal(fadt[244], 1);                 /* SLEEP_CONTROL_REG */
    assert_int_equal(fadt[245], 8);
    assert_int_equal(rd64(fadt + 248), 0x600);
    assert_int_equal(rd64(fadt + 260), 0x601);      /* SLEEP_STATUS_REG address */
    assert_int_equal(rd64(fadt + 140), rd32(fadt + 40));
    dsdt = table_at(b, rd64(fadt + 140), "DSDT");

    /* MADT (5.2.12) */
    assert_int_equal(rd32(madt + 36), 0xfee00000);
    for (uint32_t off = 44; off < rd32(madt + 4); off += madt[off + 1]) {
        assert_true(madt[off + 1] >= 2);
        switch (madt[off]) {
        case 0:
            assert_int_equal(madt[off + 2], lapics);      /* UID */
            assert_int_equal(madt[off + 3], lapics);      /* APIC ID */
            assert_int_equal(rd32(madt + off + 4) & 1, 1);
            lapics++;
            break;
        case 1:
            assert_int_equal(rd32(madt + off + 4), 0xfec00000);
            ioapics++;
            break;
        case 2:
            assert_int_equal(madt[off + 3], 0);
            assert_int_equal(rd32(madt + off + 4), 2);
            overrides++;
            break;
        }
    }
    assert_int_equal(lapics, 3);
    assert_int_equal(ioapics, 1);
    assert_int_equal(overrides, 1);

    /* DSDT: one 16550, three virtio-mmio devices, \_S5 */
    assert_int_equal(count(dsdt, rd32(dsdt + 4), pnp0501, sizeof(pnp0501)), 1);
    assert_int_equal(count(dsdt, rd32(dsdt + 4), "LNRO0005", 9), 3);
    assert_int_equal(count(dsdt, rd32(dsdt + 4), "\x08\\_S5_\x12", 7), 1);
    /* the second transport's Memory32Fixed: base 0xfeb00200, length 0x200 */
    assert_int_equal(count(dsdt, rd32(dsdt + 4),
                           "\x86\x09\x00\x01\x00\x02\xb0\xfe\x00\x02\x00\x00", 12), 1);
    /* its Extended Interrupt: level, active high, GSI 17 */
    assert_int_equal(count(dsdt, rd32(dsdt + 4), "\x89\x06\x00\x01\x01\x11\x00\x00\x00", 9), 1);
    g_byte_array_free(b, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkglen),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_device_and_template),
        cmocka_unit_test(test_tables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
