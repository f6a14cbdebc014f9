/* Decoder table tests: every entry decodes its own pattern, overlaps are only
 * the designed "more specific wins" kind, and known encodings (from GNU as,
 * checked with objdump -M no-aliases) decode and disassemble right. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../decode.h"

#define ALL_EXT 0xffffffffu

static void test_each_entry_decodes_itself(void **state)
{
    size_t n;
    const RVInsnDesc *t = rv_insn_table(&n);
    GRand *rand = g_rand_new_with_seed(42);

    assert_true(n > 200);
    for (size_t i = 0; i < n; i++) {
        int self = 0;
        for (int k = 0; k < 256; k++) {
            uint32_t raw = (g_rand_int(rand) & ~t[i].mask) | t[i].match;
            RVInsn in;
            if (t[i].len == 2) {
                raw &= 0xffff;
            }
            if (!rv_decode(raw, ALL_EXT, &in)) {
                continue;      /* a reserved field value of this format */
            }
            if (in.desc == &t[i]) {
                self++;
                continue;
            }
            /* shadowed only by a strictly more specific pattern */
            assert_int_equal(in.desc->len, t[i].len);
            assert_true((in.desc->mask & t[i].mask) == t[i].mask);
            assert_true(in.desc->mask != t[i].mask);
        }
        if (self == 0) {
            fail_msg("entry %s (%s) never decodes to itself", t[i].name, t[i].pattern);
        }
    }
    g_rand_free(rand);
}

static void test_overlaps_are_nested(void **state)
{
    size_t n;
    const RVInsnDesc *t = rv_insn_table(&n);
    int nested = 0;

    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            uint32_t common = t[i].mask & t[j].mask;
            if (t[i].len != t[j].len || ((t[i].match ^ t[j].match) & common)) {
                continue;
            }
            /* they overlap: one must be strictly more specific than the other */
            bool i_in_j = (t[i].mask & t[j].mask) == t[j].mask && t[i].mask != t[j].mask;
            bool j_in_i = (t[i].mask & t[j].mask) == t[i].mask && t[i].mask != t[j].mask;
            if (!i_in_j && !j_in_i) {
                fail_msg("%s and %s overlap ambiguously", t[i].name, t[j].name);
            }
            nested++;
        }
    }
    /* the designed ones include c.jr in c.mv, c.ebreak and c.jalr in c.add,
     * c.addi16sp in c.lui, zext.h/clz.../rev8 in wider Zb* spaces */
    assert_true(nested >= 4);
}

static const struct {
    uint32_t raw;
    uint64_t pc;
    const char *text;
} vectors[] = {
    { 0x00c58533, 0x0, "add a0,a1,a2" },
    { 0x1141, 0x4, "c.addi sp,-16" },
    { 0x1fe0, 0x6, "c.addi4spn s0,sp,1020" },
    { 0x7785, 0x8, "c.lui a5,0xfffe1" },
    { 0x7101, 0xa, "c.addi16sp sp,-512" },
    { 0x70fe, 0xc, "c.ldsp ra,504(sp)" },
    { 0xe422, 0xe, "c.sdsp s0,8(sp)" },
    { 0xd101, 0x10, "c.beqz a0,0xffffffffffffff10" },
    { 0xaffd, 0x12, "c.j 0x810" },
    { 0x977d, 0x14, "c.srai a4,63" },
    { 0x9a81, 0x16, "c.andi a3,-32" },
    { 0x3fe8, 0x18, "c.fld fa0,248(a5)" },
    { 0x5de8, 0x1a, "c.lw a0,124(a1)" },
    { 0x6ac5c543, 0x1c, "fmadd.d fa0,fa1,fa2,fa3" },
    { 0xc0179553, 0x20, "fcvt.wu.s a0,fa5" },
    { 0x20c5e53b, 0x24, "sh3add.uw a0,a1,a2" },
    { 0x63f5d513, 0x28, "rori a0,a1,63" },
    { 0x61f5d51b, 0x2c, "roriw a0,a1,31" },
    { 0x4a85d513, 0x30, "bexti a0,a1,40" },
    { 0x6b85d513, 0x34, "rev8 a0,a1" },
    { 0x2875d513, 0x38, "orc.b a0,a1" },
    { 0x0805c53b, 0x3c, "zext.h a0,a1" },
    { 0x344fe573, 0x40, "csrrsi a0,mip,31" },
    { 0x7c0022f3, 0x0, "csrrs t0,0x7c0,zero" },
    { 0xe6b6352f, 0x44, "amomaxu.d a0,a1,(a2)" },
    { 0x18b6252f, 0x48, "sc.w a0,a1,(a2)" },
    { 0x1006352f, 0x4c, "lr.d a0,(a2)" },
    { 0x12b50073, 0x50, "sfence.vma a0,a1" },
    { 0x800280e7, 0x54, "jalr ra,-2048(t0)" },
    { 0x7eb57fe3, 0x58, "bgeu a0,a1,0x1056" },
    { 0xfffff517, 0x5c, "auipc a0,0xfffff" },
    { 0x0bf5951b, 0x60, "slli.uw a0,a1,63" },
};

static void test_known_encodings(void **state)
{
    char buf[96];
    for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
        rv_disas(buf, sizeof(buf), vectors[i].pc, vectors[i].raw);
        assert_string_equal(buf, vectors[i].text);
    }
}

static void test_fields(void **state)
{
    RVInsn in;

    /* c.addi4spn s0,sp,1020 expands to addi x8, x2, 1020 */
    assert_true(rv_decode(0x1fe0, ALL_EXT, &in));
    assert_int_equal(in.op, RV_OP_addi);
    assert_int_equal(in.rd, 8);
    assert_int_equal(in.rs1, 2);
    assert_int_equal(in.imm, 1020);
    assert_int_equal(in.len, 2);
    /* jalr ra,-2048(t0) */
    assert_true(rv_decode(0x800280e7, ALL_EXT, &in));
    assert_int_equal(in.op, RV_OP_jalr);
    assert_int_equal(in.rd, 1);
    assert_int_equal(in.rs1, 5);
    assert_int_equal(in.imm, -2048);
    /* fmadd.d rm = rmm (4), rs3 = fa3 */
    assert_true(rv_decode(0x6ac5c543, ALL_EXT, &in));
    assert_int_equal(in.rm, 4);
    assert_int_equal(in.rs3, 13);
}

static void test_illegal_and_reserved(void **state)
{
    RVInsn in;

    assert_false(rv_decode(0x0000, ALL_EXT, &in));            /* all-zero: illegal */
    assert_int_equal(in.len, 2);
    assert_false(rv_decode(0xffffffff, ALL_EXT, &in));
    assert_false(rv_decode(0x6101, ALL_EXT, &in));            /* c.addi16sp 0: reserved */
    assert_false(rv_decode(0x6081, ALL_EXT, &in));            /* c.lui ra,0: reserved */
    assert_false(rv_decode(0x8002, ALL_EXT, &in));            /* c.jr x0: reserved */
    assert_false(rv_decode(0x2001, ALL_EXT, &in));            /* c.addiw x0: reserved */
    assert_false(rv_decode(0x4002, ALL_EXT, &in));            /* c.lwsp x0: reserved */
    /* disabled extensions are illegal */
    assert_true(rv_decode(0x20c5e53b, ALL_EXT, &in));
    assert_false(rv_decode(0x20c5e53b, ALL_EXT & ~RV_EXT_ZBA, &in));
    assert_false(rv_decode(0x1141, ALL_EXT & ~RV_EXT_C, &in));
    assert_false(rv_decode(0x3fe8, ALL_EXT & ~RV_EXT_D, &in)); /* c.fld needs D */
    assert_true(rv_decode(0x5de8, ALL_EXT & ~RV_EXT_D, &in));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_entry_decodes_itself),
        cmocka_unit_test(test_overlaps_are_nested),
        cmocka_unit_test(test_known_encodings),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_illegal_and_reserved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
