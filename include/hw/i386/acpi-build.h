/*
 * ACPI tables of the microvm board (hw/i386/acpi-build.c): RSDP, XSDT, a
 * hardware-reduced FADT, MADT and a DSDT with the serial port and the
 * virtio-mmio transports. ACPI 6.5 section numbers in the source.
 */
#ifndef HW_I386_ACPI_BUILD_H
#define HW_I386_ACPI_BUILD_H

#include "tern/osdep.h"

typedef struct AcpiMmioDevice {
    uint32_t base, size;
    uint32_t gsi;                  /* level-triggered, active high */
} AcpiMmioDevice;

typedef struct AcpiMachineConfig {
    unsigned nr_cpus;              /* APIC IDs 0..nr_cpus-1 */
    uint32_t ioapic_addr;
    uint8_t ioapic_id;
    bool has_serial;
    uint16_t serial_port;
    uint8_t serial_irq;
    const AcpiMmioDevice *virtio;  /* "LNRO0005" devices */
    unsigned nr_virtio;
    /* hardware-reduced sleep and reset registers (8-bit, system I/O) */
    uint16_t sleep_control_port;
    uint16_t sleep_status_port;
    uint16_t reset_port;
    uint8_t reset_value;
    uint8_t slp_typ_s5;            /* \_S5 SLP_TYP value */
} AcpiMachineConfig;

/* Table signatures' offsets inside the blob are found by walking the XSDT. */
#define ACPI_RSDP_SIZE 36

/*
 * All tables in one blob meant for guest address `base` (16-byte aligned);
 * the RSDP is first, so it is at `base`. Free with g_byte_array_free.
 */
GByteArray *acpi_build_tables(const AcpiMachineConfig *c, uint32_t base);

#endif
