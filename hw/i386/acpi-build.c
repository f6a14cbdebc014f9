/* ACPI tables for the microvm board; section numbers refer to ACPI 6.5. */
#include "tern/osdep.h"
#include "hw/i386/acpi-aml.h"
#include "hw/i386/acpi-build.h"

#define ACPI_HEADER_SIZE 36
#define ACPI_OEM_ID       "TERN  "
#define ACPI_OEM_TABLE_ID "TERNMVM "
#define ACPI_CREATOR_ID   "TERN"

static void put_le(GByteArray *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t byte = v >> (8 * i);
        g_byte_array_append(b, &byte, 1);
    }
}

static void put_str(GByteArray *b, const char *s, unsigned n)
{
    g_byte_array_append(b, (const guint8 *)s, n);
}

static void patch_le(GByteArray *b, size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        b->data[off + i] = v >> (8 * i);
    }
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return -sum;
}

static void align16(GByteArray *b)
{
    while (b->len % 16) {
        put_le(b, 0, 1);
    }
}

/* 5.2.6 System Description Table Header; length and checksum filled by table_end. */
static size_t table_begin(GByteArray *b, const char *sig, uint8_t rev)
{
    size_t start;

    align16(b);
    start = b->len;
    put_str(b, sig, 4);
    put_le(b, 0, 4);                       /* length */
    put_le(b, rev, 1);
    put_le(b, 0, 1);                       /* checksum */
    put_str(b, ACPI_OEM_ID, 6);
    put_str(b, ACPI_OEM_TABLE_ID, 8);
    put_le(b, 1, 4);                       /* OEM revision */
    put_str(b, ACPI_CREATOR_ID, 4);
    put_le(b, 1, 4);                       /* creator revision */
    return start;
}

static void table_end(GByteArray *b, size_t start)
{
    patch_le(b, start + 4, b->len - start, 4);
    b->data[start + 9] = checksum(b->data + start, b->len - start);
}

/* 5.2.3.2 Generic Address Structure: an 8-bit register in system I/O space. */
static void put_gas_io8(GByteArray *b, uint16_t port)
{
    put_le(b, 1, 1);        /* address space: system I/O */
    put_le(b, 8, 1);        /* register bit width */
    put_le(b, 0, 1);        /* bit offset */
    put_le(b, 1, 1);        /* access size: byte */
    put_le(b, port, 8);
}

static void put_gas_none(GByteArray *b)
{
    put_le(b, 0, 12);
}

/* 5.2.9 Fixed ACPI Description Table, revision 6, hardware-reduced (5.2.9.3 flags). */
static size_t build_fadt(GByteArray *b, const AcpiMachineConfig *c, uint32_t dsdt)
{
    size_t start = table_begin(b, "FACP", 6);
    const uint32_t flags = (1u << 10) |     /* RESET_REG_SUP */
                           (1u << 20);      /* HW_REDUCED_ACPI */
    /* 5.2.9.3 IA-PC Boot Architecture Flags: VGA not present, MSI not
     * supported (no PCI), CMOS RTC not present */
    const uint16_t iapc_boot_arch = (1u << 2) | (1u << 3) | (1u << 5);

    put_le(b, 0, 4);            /* 36 FIRMWARE_CTRL: no FACS when hardware-reduced */
    put_le(b, dsdt, 4);         /* 40 DSDT */
    put_le(b, 0, 1);            /* 44 reserved */
    put_le(b, 0, 1);            /* 45 Preferred_PM_Profile: unspecified */
    put_le(b, 0, 2);            /* 46 SCI_INT */
    put_le(b, 0, 4);            /* 48 SMI_CMD */
    put_le(b, 0, 4);            /* 52 ACPI_ENABLE .. PSTATE_CNT */
    put_le(b, 0, 32);           /* 56 PM1a_EVT_BLK .. GPE1_BLK (8 x 4) */
    put_le(b, 0, 8);            /* 88 PM1_EVT_LEN .. CST_CNT */
    put_le(b, 0, 4);            /* 96 P_LVL2_LAT, P_LVL3_LAT */
    put_le(b, 0, 4);            /* 100 FLUSH_SIZE, FLUSH_STRIDE */
    put_le(b, 0, 5);            /* 104 DUTY_OFFSET .. CENTURY */
    put_le(b, iapc_boot_arch, 2);   /* 109 */
    put_le(b, 0, 1);            /* 111 reserved */
    put_le(b, flags, 4);        /* 112 Flags */
    put_gas_io8(b, c->reset_port);  /* 116 RESET_REG */
    put_le(b, c->reset_value, 1);   /* 128 RESET_VALUE */
    put_le(b, 0, 2);            /* 129 ARM_BOOT_ARCH */
    put_le(b, 5, 1);            /* 131 FADT Minor Version: ACPI 6.5 */
    put_le(b, 0, 8);            /* 132 X_FIRMWARE_CTRL */
    put_le(b, dsdt, 8);         /* 140 X_DSDT */
    for (int i = 0; i < 8; i++) {
        put_gas_none(b);        /* 148..232 X_PM1a_EVT_BLK .. X_GPE1_BLK */
    }
    put_gas_io8(b, c->sleep_control_port);  /* 244 SLEEP_CONTROL_REG */
    put_gas_io8(b, c->sleep_status_port);   /* 256 SLEEP_STATUS_REG */
    put_str(b, "TERNKVM ", 8);  /* 268 Hypervisor Vendor Identity */
    g_assert(b->len - start == 276);
    table_end(b, start);
    return start;
}

/* 5.2.12 Multiple APIC Description Table */
static size_t build_madt(GByteArray *b, const AcpiMachineConfig *c)
{
    size_t start = table_begin(b, "APIC", 5);

    put_le(b, 0xfee00000, 4);   /* Local Interrupt Controller Address */
    put_le(b, 1, 4);            /* PCAT_COMPAT: the 8259 pair is present */
    for (unsigned i = 0; i < c->nr_cpus; i++) {
        /* 5.2.12.2 Processor Local APIC */
        put_le(b, 0, 1);
        put_le(b, 8, 1);
        put_le(b, i, 1);        /* ACPI Processor UID */
        put_le(b, i, 1);        /* APIC ID */
        put_le(b, 1, 4);        /* Enabled */
    }
    /* 5.2.12.3 I/O APIC */
    put_le(b, 1, 1);
    put_le(b, 12, 1);
    put_le(b, c->ioapic_id, 1);
    put_le(b, 0, 1);
    put_le(b, c->ioapic_addr, 4);
    put_le(b, 0, 4);            /* Global System Interrupt Base */
    /* 5.2.12.5 Interrupt Source Override: ISA IRQ 0 (PIT) is GSI 2 */
    put_le(b, 2, 1);
    put_le(b, 10, 1);
    put_le(b, 0, 1);            /* bus: ISA */
    put_le(b, 0, 1);            /* source IRQ */
    put_le(b, 2, 4);            /* GSI */
    put_le(b, 0, 2);            /* flags: bus defaults (edge, active high) */
    /* 5.2.12.7 Local APIC NMI: LINT1 of all processors */
    put_le(b, 4, 1);
    put_le(b, 6, 1);
    put_le(b, 0xff, 1);         /* all processors */
    put_le(b, 0, 2);
    put_le(b, 1, 1);            /* LINT1 */
    table_end(b, start);
    return start;
}

/* 5.2.11.1 DSDT with the devices of chapter 6 (_HID, _UID, _CRS). */
static size_t build_dsdt(GByteArray *b, const AcpiMachineConfig *c)
{
    size_t start = table_begin(b, "DSDT", 2);
    Aml *body = aml_new();
    Aml *sb = aml_scope("\\_SB");
    Aml *s5 = aml_package(4);

    if (c->has_serial) {
        Aml *dev = aml_device("COM1");
        Aml *crs = aml_resource_template();

        aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0501")));   /* 16550A */
        aml_append(dev, aml_name_decl("_UID", aml_int(1)));
        aml_append(crs, aml_io(c->serial_port, 8));
        aml_append(crs, aml_irq_no_flags(c->serial_irq));
        aml_append(dev, aml_name_decl("_CRS", crs));
        aml_append(sb, dev);
    }
    for (unsigned i = 0; i < c->nr_virtio; i++) {
        g_autofree char *name = g_strdup_printf("VR%02X", i);
        Aml *dev = aml_device(name);
        Aml *crs = aml_resource_template();

        /* the name Linux's virtio_mmio driver matches through ACPI */
        aml_append(dev, aml_name_decl("_HID", aml_string("LNRO0005")));
        aml_append(dev, aml_name_decl("_UID", aml_int(i)));
        aml_append(crs, aml_memory32_fixed(c->virtio[i].base, c->virtio[i].size, true));
        aml_append(crs, aml_interrupt(c->virtio[i].gsi, true, false));
        aml_append(dev, aml_name_decl("_CRS", crs));
        aml_append(sb, dev);
    }
    aml_append(body, sb);
    /* 7.4.2 \_S5: SLP_TYPa, SLP_TYPb, reserved, reserved; the hardware-reduced
     * sleep control register takes SLP_TYPa (4.8.3.7). */
    aml_append(s5, aml_int(c->slp_typ_s5));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(body, aml_name_decl("\\_S5", s5));
    g_byte_array_append(b, aml_data(body), aml_len(body));
    aml_free(body);
    table_end(b, start);
    return start;
}

GByteArray *acpi_build_tables(const AcpiMachineConfig *c, uint32_t base)
{
    GByteArray *b = g_byte_array_new();
    size_t dsdt, fadt, madt, xsdt;

    g_assert(base % 16 == 0);
    /* 5.2.5.3 RSDP, revision 2; the XSDT address is patched below */
    put_str(b, "RSD PTR ", 8);
    put_le(b, 0, 1);                /* checksum of the first 20 bytes */
    put_str(b, ACPI_OEM_ID, 6);
    put_le(b, 2, 1);                /* revision */
    put_le(b, 0, 4);                /* RsdtAddress: none, the XSDT is used */
    put_le(b, ACPI_RSDP_SIZE, 4);   /* length */
    put_le(b, 0, 8);                /* XsdtAddress */
    put_le(b, 0, 1);                /* extended checksum */
    put_le(b, 0, 3);

    dsdt = build_dsdt(b, c);
    fadt = build_fadt(b, c, base + dsdt);
    madt = build_madt(b, c);
    /* 5.2.8 XSDT */
    xsdt = table_begin(b, "XSDT", 1);
    put_le(b, base + fadt, 8);
    put_le(b, base + madt, 8);
    table_end(b, xsdt);

    patch_le(b, 24, base + xsdt, 8);
    b->data[8] = checksum(b->data, 20);
    b->data[32] = checksum(b->data, ACPI_RSDP_SIZE);
    return b;
}
