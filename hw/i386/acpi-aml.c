/* AML encoder; section numbers refer to ACPI 6.5. */
#include "tern/osdep.h"
#include "hw/i386/acpi-aml.h"

typedef enum AmlKind {
    AML_PLAIN,      /* bytes as they are */
    AML_BLOCK,      /* op, PkgLength, head, body */
    AML_TEMPLATE,   /* Buffer of resource descriptors + End Tag */
} AmlKind;

struct Aml {
    AmlKind kind;
    uint8_t op[2];
    unsigned op_len;
    GByteArray *head;     /* after the PkgLength: name, element count, ... */
    GByteArray *body;
};

/* 20.2.1 Table Opcodes / 20.2.5 Term Objects Encoding */
#define ZERO_OP        0x00
#define ONE_OP         0x01
#define NAME_OP        0x08
#define BYTE_PREFIX    0x0a
#define WORD_PREFIX    0x0b
#define DWORD_PREFIX   0x0c
#define STRING_PREFIX  0x0d
#define QWORD_PREFIX   0x0e
#define SCOPE_OP       0x10
#define BUFFER_OP      0x11
#define PACKAGE_OP     0x12
#define EXT_OP_PREFIX  0x5b
#define DEVICE_OP      0x82
#define ROOT_CHAR      '\\'
#define DUAL_NAME_PREFIX  0x2e
#define MULTI_NAME_PREFIX 0x2f

static Aml *aml_alloc(AmlKind kind)
{
    Aml *a = g_new0(Aml, 1);

    a->kind = kind;
    a->head = g_byte_array_new();
    a->body = g_byte_array_new();
    return a;
}

Aml *aml_new(void)
{
    return aml_alloc(AML_PLAIN);
}

static void put8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static void put_le(GByteArray *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        put8(b, v >> (8 * i));
    }
}

void aml_free(Aml *aml)
{
    g_byte_array_free(aml->head, true);
    g_byte_array_free(aml->body, true);
    g_free(aml);
}

/* 20.2.4 Package Length Encoding: the length includes the PkgLength bytes. */
void aml_encode_pkglen(GByteArray *buf, size_t length)
{
    unsigned extra;
    size_t total;

    if (length + 1 <= 0x3f) {
        put8(buf, length + 1);
        return;
    }
    for (extra = 1; extra <= 3; extra++) {
        if (length + 1 + extra < (1u << (4 + 8 * extra))) {
            break;
        }
    }
    g_assert(extra <= 3);
    total = length + 1 + extra;
    put8(buf, (extra << 6) | (total & 0xf));
    for (unsigned i = 0; i < extra; i++) {
        put8(buf, total >> (4 + 8 * i));
    }
}

/* 20.2.2 Name Objects Encoding: NameSegs are 4 chars, padded with '_'. */
void aml_encode_name(GByteArray *buf, const char *name)
{
    g_auto(GStrv) segs = NULL;
    unsigned n;

    if (*name == ROOT_CHAR) {
        put8(buf, ROOT_CHAR);
        name++;
    }
    segs = g_strsplit(name, ".", -1);
    n = g_strv_length(segs);
    if (n == 2) {
        put8(buf, DUAL_NAME_PREFIX);
    } else if (n > 2) {
        put8(buf, MULTI_NAME_PREFIX);
        put8(buf, n);
    }
    for (unsigned i = 0; i < n; i++) {
        size_t len = strlen(segs[i]);

        g_assert(len >= 1 && len <= 4);
        for (size_t j = 0; j < 4; j++) {
            put8(buf, j < len ? segs[i][j] : '_');
        }
    }
}

static void encode(Aml *a, GByteArray *out)
{
    switch (a->kind) {
    case AML_PLAIN:
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_BLOCK:
        g_byte_array_append(out, a->op, a->op_len);
        aml_encode_pkglen(out, a->head->len + a->body->len);
        g_byte_array_append(out, a->head->data, a->head->len);
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_TEMPLATE: {
        /* 6.4.2.9 End Tag: checksum 0 means "treat as correct" */
        Aml *size = aml_int(a->body->len + 2);

        put8(out, BUFFER_OP);
        aml_encode_pkglen(out, size->body->len + a->body->len + 2);
        g_byte_array_append(out, size->body->data, size->body->len);
        g_byte_array_append(out, a->body->data, a->body->len);
        put8(out, 0x79);
        put8(out, 0);
        aml_free(size);
        break;
    }
    }
}

void aml_append(Aml *parent, Aml *child)
{
    encode(child, parent->body);
    aml_free(child);
}

const uint8_t *aml_data(Aml *aml)
{
    g_assert(aml->kind == AML_PLAIN);
    return aml->body->data;
}

size_t aml_len(Aml *aml)
{
    g_assert(aml->kind == AML_PLAIN);
    return aml->body->len;
}

/* 20.2.3 Data Objects Encoding */
Aml *aml_int(uint64_t v)
{
    Aml *a = aml_new();

    if (v == 0) {
        put8(a->body, ZERO_OP);
    } else if (v == 1) {
        put8(a->body, ONE_OP);
    } else if (v <= 0xff) {
        put8(a->body, BYTE_PREFIX);
        put_le(a->body, v, 1);
    } else if (v <= 0xffff) {
        put8(a->body, WORD_PREFIX);
        put_le(a->body, v, 2);
    } else if (v <= 0xffffffff) {
        put8(a->body, DWORD_PREFIX);
        put_le(a->body, v, 4);
    } else {
        put8(a->body, QWORD_PREFIX);
        put_le(a->body, v, 8);
    }
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_new();

    put8(a->body, STRING_PREFIX);
    g_byte_array_append(a->body, (const guint8 *)s, strlen(s) + 1);
    return a;
}

/* 19.6.43 EISAID: three letters of 5 bits and four hex digits, big-endian. */
Aml *aml_eisaid(const char *id)
{
    uint32_t v;

    g_assert(strlen(id) == 7);
    v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
        ((uint32_t)(id[2] - 0x40) << 16) | (uint32_t)strtoul(id + 3, NULL, 16);
    return aml_int(GUINT32_SWAP_LE_BE(v));
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_new();

    put8(a->body, NAME_OP);
    aml_encode_name(a->body, name);
    aml_append(a, value);
    return a;
}

static Aml *aml_block(uint8_t op0, int op1, const char *name)
{
    Aml *a = aml_alloc(AML_BLOCK);

    a->op[a->op_len++] = op0;
    if (op1 >= 0) {
        a->op[a->op_len++] = op1;
    }
    if (name) {
        aml_encode_name(a->head, name);
    }
    return a;
}

Aml *aml_scope(const char *name)
{
    return aml_block(SCOPE_OP, -1, name);
}

Aml *aml_device(const char *name)
{
    return aml_block(EXT_OP_PREFIX, DEVICE_OP, name);
}

Aml *aml_package(uint8_t num_elements)
{
    Aml *a = aml_block(PACKAGE_OP, -1, NULL);

    put8(a->head, num_elements);
    return a;
}

Aml *aml_resource_template(void)
{
    return aml_alloc(AML_TEMPLATE);
}

/* 6.4.2.5 I/O Port Descriptor (16-bit decode) */
Aml *aml_io(uint16_t base, uint8_t length)
{
    Aml *a = aml_new();

    put8(a->body, 0x47);
    put8(a->body, 1);              /* decodes 16 address bits */
    put_le(a->body, base, 2);      /* minimum */
    put_le(a->body, base, 2);      /* maximum */
    put8(a->body, 1);              /* alignment */
    put8(a->body, length);
    return a;
}

/* 6.4.2.1 IRQ Descriptor, 2-byte form (edge, active high) */
Aml *aml_irq_no_flags(uint8_t irq)
{
    Aml *a = aml_new();

    g_assert(irq < 16);
    put8(a->body, 0x22);
    put_le(a->body, 1u << irq, 2);
    return a;
}

/* 6.4.3.4 32-Bit Fixed Memory Range Descriptor */
Aml *aml_memory32_fixed(uint32_t base, uint32_t length, bool read_write)
{
    Aml *a = aml_new();

    put8(a->body, 0x86);
    put_le(a->body, 9, 2);
    put8(a->body, read_write);
    put_le(a->body, base, 4);
    put_le(a->body, length, 4);
    return a;
}

/* 6.4.3.6 Extended Interrupt Descriptor */
Aml *aml_interrupt(uint32_t gsi, bool level, bool active_low)
{
    Aml *a = aml_new();

    put8(a->body, 0x89);
    put_le(a->body, 6, 2);
    /* bit 0 consumer, bit 1 edge (level = 0), bit 2 active low, bit 3 shared */
    put8(a->body, 1 | (level ? 0 : 2) | (active_low ? 4 : 0));
    put8(a->body, 1);              /* one interrupt number */
    put_le(a->body, gsi, 4);
    return a;
}
