/*
 * Compile insn32.def / insn16.def into mask/match tables and decode with them.
 * 32-bit encodings are bucketed by opcode bits 6:2, 16-bit ones by
 * funct3 and quadrant; inside a bucket the entry with the most fixed bits is
 * tried first, which resolves the overlaps the spec defines (c.jr inside
 * c.mv's space, c.addi16sp inside c.lui's, and so on).
 */
#include "tern/osdep.h"
#include "decode.h"


static RVInsnDesc table[] = {
#define INSN32(op, pat, fmt, ext, args) \
    { #op, pat, args, RV_OP_##op, FMT_##fmt, RV_EXT_##ext, 0, 0, 4 },
#include "insn32.def"
#undef INSN32
#define INSN16(name, op, pat, fmt, ext, args) \
    { name, pat, args, RV_OP_##op, FMT_##fmt, RV_EXT_##ext, 0, 0, 2 },
#include "insn16.def"
#undef INSN16
};

static const char *op_names[RV_OP_COUNT];

/* Bucket lists: indexes into table, most specific first, -1 terminated. */
#define NB_BUCKETS (32 + 32)
static GArray *buckets[NB_BUCKETS];

static unsigned bucket_of(uint32_t raw, int len)
{
    if (len == 4) {
        return (raw >> 2) & 31;
    }
    return 32 + (((raw >> 13) & 7) << 2 | (raw & 3));
}

static void compile_pattern(RVInsnDesc *d)
{
    int bits = 0;
    for (const char *p = d->pattern; *p; p++) {
        if (*p == ' ') {
            continue;
        }
        d->mask <<= 1;
        d->match <<= 1;
        if (*p != '.') {
            g_assert(*p == '0' || *p == '1');
            d->mask |= 1;
            d->match |= *p == '1';
        }
        bits++;
    }
    g_assert(bits == d->len * 8);
}

static gint more_specific_first(gconstpointer a, gconstpointer b)
{
    const RVInsnDesc *x = &table[*(const int *)a], *y = &table[*(const int *)b];
    return __builtin_popcount(y->mask) - __builtin_popcount(x->mask);
}

static gpointer compile_table(gpointer unused)
{
    for (int b = 0; b < NB_BUCKETS; b++) {
        buckets[b] = g_array_new(FALSE, FALSE, sizeof(int));
    }
    for (int i = 0; i < (int)ARRAY_SIZE(table); i++) {
        RVInsnDesc *d = &table[i];
        char *name;

        compile_pattern(d);
        g_array_append_val(buckets[bucket_of(d->match, d->len)], i);
        if (d->len == 4) {
            /* mnemonic: the op name with '_' read as '.' */
            name = g_strdup(d->name);
            g_strdelimit(name, "_", '.');
            d->name = name;
            op_names[d->op] = name;
        }
    }
    for (int b = 0; b < NB_BUCKETS; b++) {
        g_array_sort(buckets[b], more_specific_first);
    }
    op_names[RV_OP_illegal] = "illegal";
    return NULL;
}

static void ensure_compiled(void)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, compile_table, NULL);
}

const RVInsnDesc *rv_insn_table(size_t *count)
{
    ensure_compiled();
    *count = ARRAY_SIZE(table);
    return table;
}

const char *rv_op_name(RVOp op)
{
    ensure_compiled();
    return op < RV_OP_COUNT ? op_names[op] : "?";
}

static inline uint32_t bits(uint32_t x, int hi, int lo)
{
    return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int64_t sext(uint64_t x, int width)
{
    return (int64_t)(x << (64 - width)) >> (64 - width);
}

/* Compressed register fields name x8..x15. */
static inline uint8_t creg(uint32_t x)
{
    return 8 + x;
}

/* Fill the fields of `in` from its format; false for reserved encodings. */
static bool extract_fields(RVInsn *in, RVFmt fmt)
{
    uint32_t r = in->raw;

    switch (fmt) {
    case FMT_R4:
        in->rs3 = bits(r, 31, 27);
        /* fall through */
    case FMT_R:
        in->rd = bits(r, 11, 7);
        in->rs1 = bits(r, 19, 15);
        in->rs2 = bits(r, 24, 20);
        in->rm = bits(r, 14, 12);
        return true;
    case FMT_I:
        in->rd = bits(r, 11, 7);
        in->rs1 = bits(r, 19, 15);
        in->imm = sext(bits(r, 31, 20), 12);
        return true;
    case FMT_CSR:
        in->rd = bits(r, 11, 7);
        in->rs1 = bits(r, 19, 15);     /* register or uimm */
        in->imm = bits(r, 31, 20);
        return true;
    case FMT_SH:
        in->rd = bits(r, 11, 7);
        in->rs1 = bits(r, 19, 15);
        in->imm = bits(r, 25, 20);
        return true;
    case FMT_S:
        in->rs1 = bits(r, 19, 15);
        in->rs2 = bits(r, 24, 20);
        in->imm = sext(bits(r, 31, 25) << 5 | bits(r, 11, 7), 12);
        return true;
    case FMT_B:
        in->rs1 = bits(r, 19, 15);
        in->rs2 = bits(r, 24, 20);
        in->imm = sext(bits(r, 31, 31) << 12 | bits(r, 7, 7) << 11 |
                       bits(r, 30, 25) << 5 | bits(r, 11, 8) << 1, 13);
        return true;
    case FMT_U:
        in->rd = bits(r, 11, 7);
        in->imm = sext(r & 0xfffff000u, 32);
        return true;
    case FMT_J:
        in->rd = bits(r, 11, 7);
        in->imm = sext(bits(r, 31, 31) << 20 | bits(r, 19, 12) << 12 |
                       bits(r, 20, 20) << 11 | bits(r, 30, 21) << 1, 21);
        return true;

    /* RV64C (unprivileged spec 16.3-16.5) */
    case FMT_CIW:        /* addi rd', x2, nzuimm[9:2] */
        in->rd = creg(bits(r, 4, 2));
        in->rs1 = 2;
        in->imm = bits(r, 10, 7) << 6 | bits(r, 12, 11) << 4 |
                  bits(r, 5, 5) << 3 | bits(r, 6, 6) << 2;
        return in->imm != 0;
    case FMT_CL_W:
    case FMT_CS_W:
        in->rd = in->rs2 = creg(bits(r, 4, 2));
        in->rs1 = creg(bits(r, 9, 7));
        in->imm = bits(r, 5, 5) << 6 | bits(r, 12, 10) << 3 | bits(r, 6, 6) << 2;
        if (fmt == FMT_CS_W) {
            in->rd = 0;
        } else {
            in->rs2 = 0;
        }
        return true;
    case FMT_CL_D:
    case FMT_CS_D:
        in->rd = in->rs2 = creg(bits(r, 4, 2));
        in->rs1 = creg(bits(r, 9, 7));
        in->imm = bits(r, 6, 5) << 6 | bits(r, 12, 10) << 3;
        if (fmt == FMT_CS_D) {
            in->rd = 0;
        } else {
            in->rs2 = 0;
        }
        return true;
    case FMT_CI:         /* addi rd, rd, imm (rd = 0: hint/nop) */
    case FMT_CI_W:       /* addiw rd, rd, imm; rd = 0 reserved */
        in->rd = in->rs1 = bits(r, 11, 7);
        in->imm = sext(bits(r, 12, 12) << 5 | bits(r, 6, 2), 6);
        return fmt == FMT_CI || in->rd != 0;
    case FMT_CI_LI:
        in->rd = bits(r, 11, 7);
        in->rs1 = 0;
        in->imm = sext(bits(r, 12, 12) << 5 | bits(r, 6, 2), 6);
        return true;
    case FMT_CI_SP:      /* addi x2, x2, nzimm[9:4] */
        in->rd = in->rs1 = 2;
        in->imm = sext(bits(r, 12, 12) << 9 | bits(r, 4, 3) << 7 | bits(r, 5, 5) << 6 |
                       bits(r, 2, 2) << 5 | bits(r, 6, 6) << 4, 10);
        return in->imm != 0;
    case FMT_CI_LUI:
        in->rd = bits(r, 11, 7);
        in->imm = sext(bits(r, 12, 12) << 17 | bits(r, 6, 2) << 12, 18);
        return in->imm != 0;
    case FMT_CB_SH:      /* srli/srai rd', rd', shamt */
        in->rd = in->rs1 = creg(bits(r, 9, 7));
        in->imm = bits(r, 12, 12) << 5 | bits(r, 6, 2);
        return true;
    case FMT_CB_I:
        in->rd = in->rs1 = creg(bits(r, 9, 7));
        in->imm = sext(bits(r, 12, 12) << 5 | bits(r, 6, 2), 6);
        return true;
    case FMT_CA:
        in->rd = in->rs1 = creg(bits(r, 9, 7));
        in->rs2 = creg(bits(r, 4, 2));
        return true;
    case FMT_CJ:         /* jal x0, offset */
        in->rd = 0;
        in->imm = sext(bits(r, 12, 12) << 11 | bits(r, 8, 8) << 10 | bits(r, 10, 9) << 8 |
                       bits(r, 6, 6) << 7 | bits(r, 7, 7) << 6 | bits(r, 2, 2) << 5 |
                       bits(r, 11, 11) << 4 | bits(r, 5, 3) << 1, 12);
        return true;
    case FMT_CB_B:       /* beq/bne rs1', x0, offset */
        in->rs1 = creg(bits(r, 9, 7));
        in->rs2 = 0;
        in->imm = sext(bits(r, 12, 12) << 8 | bits(r, 6, 5) << 6 | bits(r, 2, 2) << 5 |
                       bits(r, 11, 10) << 3 | bits(r, 4, 3) << 1, 9);
        return true;
    case FMT_CI_SH:
        in->rd = in->rs1 = bits(r, 11, 7);
        in->imm = bits(r, 12, 12) << 5 | bits(r, 6, 2);
        return true;
    case FMT_CI_LWSP:
        in->rd = bits(r, 11, 7);
        in->rs1 = 2;
        in->imm = bits(r, 3, 2) << 6 | bits(r, 12, 12) << 5 | bits(r, 6, 4) << 2;
        return in->rd != 0;
    case FMT_CI_LDSP:
        in->rd = bits(r, 11, 7);
        in->rs1 = 2;
        in->imm = bits(r, 4, 2) << 6 | bits(r, 12, 12) << 5 | bits(r, 6, 5) << 3;
        /* c.ldsp with rd = 0 is reserved; c.fldsp may name f0 */
        return in->rd != 0 || in->op == RV_OP_fld;
    case FMT_CSS_W:
        in->rs1 = 2;
        in->rs2 = bits(r, 6, 2);
        in->imm = bits(r, 8, 7) << 6 | bits(r, 12, 9) << 2;
        return true;
    case FMT_CSS_D:
        in->rs1 = 2;
        in->rs2 = bits(r, 6, 2);
        in->imm = bits(r, 9, 7) << 6 | bits(r, 12, 10) << 3;
        return true;
    case FMT_CR_JR:      /* jalr x0, 0(rs1); rs1 = 0 reserved */
    case FMT_CR_JALR:    /* jalr x1, 0(rs1) */
        in->rs1 = bits(r, 11, 7);
        in->rd = fmt == FMT_CR_JALR;
        in->imm = 0;
        return in->rs1 != 0;
    case FMT_CR_MV:      /* add rd, x0, rs2 */
        in->rd = bits(r, 11, 7);
        in->rs1 = 0;
        in->rs2 = bits(r, 6, 2);
        return true;
    case FMT_CR_ADD:     /* add rd, rd, rs2 */
        in->rd = in->rs1 = bits(r, 11, 7);
        in->rs2 = bits(r, 6, 2);
        return true;
    case FMT_CR_NONE:
        return true;
    }
    return false;
}

bool rv_decode(uint32_t raw, uint32_t ext_mask, RVInsn *out)
{
    int len = rv_insn_length(raw & 0xffff);
    GArray *bucket;

    ensure_compiled();
    memset(out, 0, sizeof(*out));
    out->len = len;
    if (len == 2) {
        raw &= 0xffff;
    }
    out->raw = raw;
    bucket = buckets[bucket_of(raw, len)];
    for (guint i = 0; i < bucket->len; i++) {
        const RVInsnDesc *d = &table[g_array_index(bucket, int, i)];

        if ((raw & d->mask) != d->match) {
            continue;
        }
        if ((d->ext & ext_mask) != d->ext) {
            break;      /* disabled extension: illegal */
        }
        out->desc = d;
        out->op = d->op;
        if (!extract_fields(out, d->fmt)) {
            break;
        }
        return true;
    }
    memset(out, 0, sizeof(*out));
    out->len = len;
    out->raw = raw;
    out->op = RV_OP_illegal;
    return false;
}
