/*
 * A small AML (ACPI Machine Language) builder, enough for a DSDT that
 * describes fixed devices: names, integers, strings, EISA IDs, packages,
 * scopes, devices and resource templates. Encodings: ACPI 6.5, chapter 20
 * ("ACPI Machine Language Specification") and 6.4 ("Resource Data Types").
 *
 * Every constructor returns a new Aml; aml_append() moves child's bytes into
 * parent and frees child. Blocks (scope, device, package, resource template)
 * collect children and are encoded with their PkgLength when appended.
 */
#ifndef HW_I386_ACPI_AML_H
#define HW_I386_ACPI_AML_H

#include "tern/osdep.h"

typedef struct Aml Aml;

/* A plain byte sequence (a table body). */
Aml *aml_new(void);
void aml_append(Aml *parent, Aml *child);
/* The encoded bytes; aml_free the object after copying them. */
const uint8_t *aml_data(Aml *aml);
size_t aml_len(Aml *aml);
void aml_free(Aml *aml);

/* Terms */
Aml *aml_int(uint64_t value);                      /* Zero/One/Byte/Word/DWord/QWord */
Aml *aml_string(const char *s);
Aml *aml_eisaid(const char *id);                   /* "PNP0501" -> DWord */
Aml *aml_name_decl(const char *name, Aml *value);  /* Name (NAME, value) */
Aml *aml_scope(const char *name);                  /* Scope (\_SB) { ... } */
Aml *aml_device(const char *name);                 /* Device (COM1) { ... } */
Aml *aml_package(uint8_t num_elements);            /* Package (n) { ... } */

/* Resource templates (a Buffer of descriptors ended by an End Tag) */
Aml *aml_resource_template(void);
Aml *aml_io(uint16_t base, uint8_t length);        /* IO (Decode16, base, base, 1, len) */
Aml *aml_irq_no_flags(uint8_t irq);                /* IRQNoFlags () { irq } */
Aml *aml_memory32_fixed(uint32_t base, uint32_t length, bool read_write);
/* Interrupt (ResourceConsumer, Level|Edge, ActiveHigh|Low, Exclusive) { gsi } */
Aml *aml_interrupt(uint32_t gsi, bool level, bool active_low);

/* Encode a NameString ("\\_SB.COM1", "_HID") into buf; exported for tests. */
void aml_encode_name(GByteArray *buf, const char *name);
/* Encode a PkgLength for `length` bytes that follow it; exported for tests. */
void aml_encode_pkglen(GByteArray *buf, size_t length);

#endif
