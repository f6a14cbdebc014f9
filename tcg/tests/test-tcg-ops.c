/*
 * Every IR op, generated as x86-64 code and run, against a C reference:
 * edge values and thousands of random inputs, i32 and i64, register and
 * immediate operands, with the optional host instructions (BMI1/2, LZCNT,
 * POPCNT, MOVBE) both used and forced off.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tcg-test-util.h"

#define N_RANDOM 3000

static unsigned features_detected;

static uint64_t mask_w(uint64_t v, int w)
{
    return w == 32 ? (uint32_t)v : v;
}

static int64_t sext_w(uint64_t v, int w)
{
    return w == 32 ? (int64_t)(int32_t)v : (int64_t)v;
}

/* ------------------------------------------------------------------------ */
/* References */

static uint64_t r_add(uint64_t a, uint64_t b, int w) { return a + b; }
static uint64_t r_sub(uint64_t a, uint64_t b, int w) { return a - b; }
static uint64_t r_mul(uint64_t a, uint64_t b, int w) { return a * b; }
static uint64_t r_and(uint64_t a, uint64_t b, int w) { return a & b; }
static uint64_t r_or(uint64_t a, uint64_t b, int w) { return a | b; }
static uint64_t r_xor(uint64_t a, uint64_t b, int w) { return a ^ b; }
static uint64_t r_andc(uint64_t a, uint64_t b, int w) { return a & ~b; }
static uint64_t r_orc(uint64_t a, uint64_t b, int w) { return a | ~b; }
static uint64_t r_eqv(uint64_t a, uint64_t b, int w) { return ~(a ^ b); }
static uint64_t r_nand(uint64_t a, uint64_t b, int w) { return ~(a & b); }
static uint64_t r_nor(uint64_t a, uint64_t b, int w) { return ~(a | b); }
static uint64_t r_shl(uint64_t a, uint64_t b, int w) { return mask_w(a, w) << (b % w); }
static uint64_t r_shr(uint64_t a, uint64_t b, int w) { return mask_w(a, w) >> (b % w); }
static uint64_t r_sar(uint64_t a, uint64_t b, int w) { return (uint64_t)(sext_w(a, w) >> (b % w)); }

static uint64_t r_rotl(uint64_t a, uint64_t b, int w)
{
    uint64_t r = mask_w(a, w);
    for (unsigned i = 0; i < b % w; i++) {
        uint64_t top = (r >> (w - 1)) & 1;
        r = mask_w(r << 1, w) | top;
    }
    return r;
}

static uint64_t r_rotr(uint64_t a, uint64_t b, int w)
{
    return r_rotl(a, w - b % w, w);
}

static uint64_t r_muluh(uint64_t a, uint64_t b, int w)
{
    if (w == 32) {
        return ((uint64_t)(uint32_t)a * (uint32_t)b) >> 32;
    }
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static uint64_t r_mulsh(uint64_t a, uint64_t b, int w)
{
    if (w == 32) {
        return (uint64_t)(((int64_t)(int32_t)a * (int32_t)b) >> 32);
    }
    return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
}

static bool div_ok(uint64_t a, uint64_t b, int w)
{
    return mask_w(b, w) != 0 && !(sext_w(b, w) == -1 && sext_w(a, w) == (w == 32 ? INT32_MIN : INT64_MIN));
}

static uint64_t r_divs(uint64_t a, uint64_t b, int w) { return (uint64_t)(sext_w(a, w) / sext_w(b, w)); }
static uint64_t r_rems(uint64_t a, uint64_t b, int w) { return (uint64_t)(sext_w(a, w) % sext_w(b, w)); }
static uint64_t r_divu(uint64_t a, uint64_t b, int w) { return mask_w(a, w) / mask_w(b, w); }
static uint64_t r_remu(uint64_t a, uint64_t b, int w) { return mask_w(a, w) % mask_w(b, w); }

static uint64_t r_clz(uint64_t a, uint64_t b, int w)
{
    a = mask_w(a, w);
    if (!a) {
        return b;
    }
    int n = 0;
    for (int i = w - 1; i >= 0 && !((a >> i) & 1); i--) {
        n++;
    }
    return n;
}

static uint64_t r_ctz(uint64_t a, uint64_t b, int w)
{
    a = mask_w(a, w);
    if (!a) {
        return b;
    }
    int n = 0;
    while (!((a >> n) & 1)) {
        n++;
    }
    return n;
}

typedef void (*Gen64)(TCGv_i64, TCGv_i64, TCGv_i64);
typedef void (*Gen32)(TCGv_i32, TCGv_i32, TCGv_i32);
typedef uint64_t (*Ref2)(uint64_t, uint64_t, int);

typedef struct BinOp {
    const char *name;
    Gen64 g64;
    Gen32 g32;
    Ref2 ref;
    bool is_div;
} BinOp;

static const BinOp binops[] = {
    { "add", tcg_gen_add_i64, tcg_gen_add_i32, r_add },
    { "sub", tcg_gen_sub_i64, tcg_gen_sub_i32, r_sub },
    { "mul", tcg_gen_mul_i64, tcg_gen_mul_i32, r_mul },
    { "muluh", tcg_gen_muluh_i64, tcg_gen_muluh_i32, r_muluh },
    { "mulsh", tcg_gen_mulsh_i64, tcg_gen_mulsh_i32, r_mulsh },
    { "and", tcg_gen_and_i64, tcg_gen_and_i32, r_and },
    { "or", tcg_gen_or_i64, tcg_gen_or_i32, r_or },
    { "xor", tcg_gen_xor_i64, tcg_gen_xor_i32, r_xor },
    { "andc", tcg_gen_andc_i64, tcg_gen_andc_i32, r_andc },
    { "orc", tcg_gen_orc_i64, tcg_gen_orc_i32, r_orc },
    { "eqv", tcg_gen_eqv_i64, tcg_gen_eqv_i32, r_eqv },
    { "nand", tcg_gen_nand_i64, tcg_gen_nand_i32, r_nand },
    { "nor", tcg_gen_nor_i64, tcg_gen_nor_i32, r_nor },
    { "shl", tcg_gen_shl_i64, tcg_gen_shl_i32, r_shl },
    { "shr", tcg_gen_shr_i64, tcg_gen_shr_i32, r_shr },
    { "sar", tcg_gen_sar_i64, tcg_gen_sar_i32, r_sar },
    { "rotl", tcg_gen_rotl_i64, tcg_gen_rotl_i32, r_rotl },
    { "rotr", tcg_gen_rotr_i64, tcg_gen_rotr_i32, r_rotr },
    { "div", tcg_gen_div_i64, tcg_gen_div_i32, r_divs, true },
    { "rem", tcg_gen_rem_i64, tcg_gen_rem_i32, r_rems, true },
    { "divu", tcg_gen_divu_i64, tcg_gen_divu_i32, r_divu, true },
    { "remu", tcg_gen_remu_i64, tcg_gen_remu_i32, r_remu, true },
    { "clz", tcg_gen_clz_i64, tcg_gen_clz_i32, r_clz },
    { "ctz", tcg_gen_ctz_i64, tcg_gen_ctz_i32, r_ctz },
};

/* Operand shapes that exercise different register allocation paths. */
enum { SHAPE_REG, SHAPE_SAME, SHAPE_INPLACE, SHAPE_IMM, SHAPE_IMM_FIRST, SHAPE_COUNT };

static void gen_binop(const BinOp *op, int w, int shape, uint64_t imm)
{
    if (w == 64) {
        TCGv_i64 k = tcg_constant_i64(imm);
        switch (shape) {
        case SHAPE_REG: op->g64(g_out64[0], g_in64[0], g_in64[1]); break;
        case SHAPE_SAME: op->g64(g_out64[0], g_in64[0], g_in64[0]); break;
        case SHAPE_INPLACE:
            op->g64(g_in64[1], g_in64[0], g_in64[1]);
            tcg_gen_mov_i64(g_out64[0], g_in64[1]);
            break;
        case SHAPE_IMM: op->g64(g_out64[0], g_in64[0], k); break;
        case SHAPE_IMM_FIRST: op->g64(g_out64[0], k, g_in64[1]); break;
        }
    } else {
        TCGv_i32 k = tcg_constant_i32((int32_t)imm);
        switch (shape) {
        case SHAPE_REG: op->g32(g_out32[0], g_in32[0], g_in32[1]); break;
        case SHAPE_SAME: op->g32(g_out32[0], g_in32[0], g_in32[0]); break;
        case SHAPE_INPLACE:
            op->g32(g_in32[1], g_in32[0], g_in32[1]);
            tcg_gen_mov_i32(g_out32[0], g_in32[1]);
            break;
        case SHAPE_IMM: op->g32(g_out32[0], g_in32[0], k); break;
        case SHAPE_IMM_FIRST: op->g32(g_out32[0], k, g_in32[1]); break;
        }
    }
}

static int check_binop(const BinOp *op, int w, int shape, uint64_t imm, int n)
{
    TestEnv env;
    void *code;
    int checked = 0;

    tcg_func_start();
    gen_binop(op, w, shape, imm);
    code = test_gen();
    for (int i = 0; i < n; i++) {
        uint64_t a = test_value(i), b = test_value((i * 7 + 3) % (n + 1));
        uint64_t got, want;

        if (shape == SHAPE_SAME) {
            b = a;
        } else if (shape == SHAPE_IMM) {
            b = imm;
        } else if (shape == SHAPE_IMM_FIRST) {
            a = imm;
        }
        if (w == 32) {
            a = (uint32_t)a;
            b = (uint32_t)b;
        }
        if (op->is_div && !div_ok(a, b, w)) {
            continue;
        }
        memset(&env, 0x5a, sizeof(env));
        env.in64[0] = a, env.in64[1] = b;
        env.in32[0] = (uint32_t)a, env.in32[1] = (uint32_t)b;
        test_run(code, &env);
        got = w == 64 ? env.out64[0] : env.out32[0];
        want = mask_w(op->ref(a, b, w), w);
        if (got != want) {
            print_error("%s_i%d shape %d: a=0x%" PRIx64 " b=0x%" PRIx64
                        " got 0x%" PRIx64 " want 0x%" PRIx64 "\n",
                        op->name, w, shape, a, b, got, want);
            fail();
        }
        checked++;
    }
    return checked;
}

static void run_binops(void)
{
    int total = 0;

    for (size_t k = 0; k < ARRAY_SIZE(binops); k++) {
        for (int w = 32; w <= 64; w += 32) {
            total += check_binop(&binops[k], w, SHAPE_REG, 0, N_RANDOM);
            total += check_binop(&binops[k], w, SHAPE_SAME, 0, 200);
            total += check_binop(&binops[k], w, SHAPE_INPLACE, 0, 200);
            for (size_t e = 0; e < ARRAY_SIZE(test_edges); e += 3) {
                total += check_binop(&binops[k], w, SHAPE_IMM, test_edges[e], 60);
                total += check_binop(&binops[k], w, SHAPE_IMM_FIRST, test_edges[e], 60);
            }
        }
    }
    assert_true(total > 100000);
}

/* ------------------------------------------------------------------------ */
/* Unary ops */

typedef struct UnOp {
    const char *name;
    void (*g64)(TCGv_i64, TCGv_i64);
    void (*g32)(TCGv_i32, TCGv_i32);
    uint64_t (*ref)(uint64_t, int);
} UnOp;

static uint64_t r_neg(uint64_t a, int w) { return -a; }
static uint64_t r_not(uint64_t a, int w) { return ~a; }
static uint64_t r_ext8s(uint64_t a, int w) { return (uint64_t)(int8_t)a; }
static uint64_t r_ext8u(uint64_t a, int w) { return a & 0xff; }
static uint64_t r_ext16s(uint64_t a, int w) { return (uint64_t)(int16_t)a; }
static uint64_t r_ext16u(uint64_t a, int w) { return a & 0xffff; }
static uint64_t r_ext32s(uint64_t a, int w) { return (uint64_t)(int32_t)a; }
static uint64_t r_ext32u(uint64_t a, int w) { return a & 0xffffffff; }

static uint64_t r_ctpop(uint64_t a, int w)
{
    int n = 0;
    for (int i = 0; i < w; i++) {
        n += (a >> i) & 1;
    }
    return n;
}

static uint64_t r_bswap(uint64_t a, int bytes)
{
    uint8_t b[8];
    uint64_t r = 0;
    for (int i = 0; i < bytes; i++) {
        b[i] = (uint8_t)(a >> (8 * i));
    }
    for (int i = 0; i < bytes; i++) {
        r |= (uint64_t)b[bytes - 1 - i] << (8 * i);
    }
    return r;
}

static uint64_t r_bswap64(uint64_t a, int w) { return r_bswap(a, 8); }
static uint64_t r_bswap32z(uint64_t a, int w) { return r_bswap(a, 4); }
static uint64_t r_bswap32s(uint64_t a, int w) { return (uint64_t)(int32_t)r_bswap(a, 4); }
static uint64_t r_bswap16z(uint64_t a, int w) { return r_bswap(a, 2); }
static uint64_t r_bswap16s(uint64_t a, int w) { return (uint64_t)(int16_t)r_bswap(a, 2); }

static void g_bswap16z_64(TCGv_i64 r, TCGv_i64 a) { tcg_gen_bswap16_i64(r, a, TCG_BSWAP_OZ); }
static void g_bswap16s_64(TCGv_i64 r, TCGv_i64 a) { tcg_gen_bswap16_i64(r, a, TCG_BSWAP_OS); }
static void g_bswap16z_32(TCGv_i32 r, TCGv_i32 a) { tcg_gen_bswap16_i32(r, a, TCG_BSWAP_OZ); }
static void g_bswap16s_32(TCGv_i32 r, TCGv_i32 a) { tcg_gen_bswap16_i32(r, a, TCG_BSWAP_OS); }
static void g_bswap32z_64(TCGv_i64 r, TCGv_i64 a) { tcg_gen_bswap32_i64(r, a, TCG_BSWAP_OZ); }
static void g_bswap32s_64(TCGv_i64 r, TCGv_i64 a) { tcg_gen_bswap32_i64(r, a, TCG_BSWAP_OS); }
static void g_bswap32_32(TCGv_i32 r, TCGv_i32 a) { tcg_gen_bswap32_i32(r, a, 0); }

static const UnOp unops[] = {
    { "neg", tcg_gen_neg_i64, tcg_gen_neg_i32, r_neg },
    { "not", tcg_gen_not_i64, tcg_gen_not_i32, r_not },
    { "ext8s", tcg_gen_ext8s_i64, tcg_gen_ext8s_i32, r_ext8s },
    { "ext8u", tcg_gen_ext8u_i64, tcg_gen_ext8u_i32, r_ext8u },
    { "ext16s", tcg_gen_ext16s_i64, tcg_gen_ext16s_i32, r_ext16s },
    { "ext16u", tcg_gen_ext16u_i64, tcg_gen_ext16u_i32, r_ext16u },
    { "ext32s", tcg_gen_ext32s_i64, NULL, r_ext32s },
    { "ext32u", tcg_gen_ext32u_i64, NULL, r_ext32u },
    { "ctpop", tcg_gen_ctpop_i64, tcg_gen_ctpop_i32, r_ctpop },
    { "bswap64", tcg_gen_bswap64_i64, NULL, r_bswap64 },
    { "bswap32z", g_bswap32z_64, g_bswap32_32, r_bswap32z },
    { "bswap32s", g_bswap32s_64, NULL, r_bswap32s },
    { "bswap16z", g_bswap16z_64, g_bswap16z_32, r_bswap16z },
    { "bswap16s", g_bswap16s_64, g_bswap16s_32, r_bswap16s },
};

static void check_unop(const UnOp *op, int w, bool inplace)
{
    TestEnv env;
    void *code;

    tcg_func_start();
    if (w == 64) {
        if (inplace) {
            op->g64(g_in64[0], g_in64[0]);
            tcg_gen_mov_i64(g_out64[0], g_in64[0]);
        } else {
            op->g64(g_out64[0], g_in64[0]);
        }
    } else {
        if (inplace) {
            op->g32(g_in32[0], g_in32[0]);
            tcg_gen_mov_i32(g_out32[0], g_in32[0]);
        } else {
            op->g32(g_out32[0], g_in32[0]);
        }
    }
    code = test_gen();
    for (int i = 0; i < N_RANDOM; i++) {
        uint64_t a = mask_w(test_value(i), w), got, want;
        env.in64[0] = a;
        env.in32[0] = (uint32_t)a;
        test_run(code, &env);
        got = w == 64 ? env.out64[0] : env.out32[0];
        want = mask_w(op->ref(a, w), w);
        if (got != want) {
            print_error("%s_i%d: a=0x%" PRIx64 " got 0x%" PRIx64 " want 0x%" PRIx64 "\n",
                        op->name, w, a, got, want);
            fail();
        }
    }
}

static void run_unops(void)
{
    for (size_t k = 0; k < ARRAY_SIZE(unops); k++) {
        check_unop(&unops[k], 64, false);
        check_unop(&unops[k], 64, true);
        if (unops[k].g32) {
            check_unop(&unops[k], 32, false);
            check_unop(&unops[k], 32, true);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Bit fields */

static void run_bitfields(void)
{
    for (int w = 32; w <= 64; w += 32) {
        for (int pos = 0; pos < w; pos += (pos < 9 ? 1 : 7)) {
            for (int len = 1; pos + len <= w; len += (len < 17 ? 1 : 5)) {
                TestEnv env;
                void *code;

                tcg_func_start();
                if (w == 64) {
                    tcg_gen_extract_i64(g_out64[0], g_in64[0], pos, len);
                    tcg_gen_sextract_i64(g_out64[1], g_in64[0], pos, len);
                    tcg_gen_deposit_i64(g_out64[2], g_in64[0], g_in64[1], pos, len);
                } else {
                    tcg_gen_extract_i32(g_out32[0], g_in32[0], pos, len);
                    tcg_gen_sextract_i32(g_out32[1], g_in32[0], pos, len);
                    tcg_gen_deposit_i32(g_out32[2], g_in32[0], g_in32[1], pos, len);
                }
                code = test_gen();
                for (int i = 0; i < 40; i++) {
                    uint64_t a = mask_w(test_value(i + 3), w), b = mask_w(test_rand(), w);
                    uint64_t field = len == 64 ? ~0ull : (1ull << len) - 1;
                    uint64_t ext = (a >> pos) & field;
                    uint64_t sext = (ext >> (len - 1)) & 1 ? ext | ~field : ext;
                    uint64_t dep = (a & ~(field << pos)) | ((b & field) << pos);
                    uint64_t got[3];

                    env.in64[0] = a, env.in64[1] = b;
                    env.in32[0] = (uint32_t)a, env.in32[1] = (uint32_t)b;
                    test_run(code, &env);
                    for (int k = 0; k < 3; k++) {
                        got[k] = w == 64 ? env.out64[k] : env.out32[k];
                    }
                    if (got[0] != mask_w(ext, w) || got[1] != mask_w(sext, w) ||
                        got[2] != mask_w(dep, w)) {
                        print_error("bitfield i%d pos %d len %d a=0x%" PRIx64 " b=0x%" PRIx64
                                    ": extract 0x%" PRIx64 "/0x%" PRIx64
                                    " sextract 0x%" PRIx64 "/0x%" PRIx64
                                    " deposit 0x%" PRIx64 "/0x%" PRIx64 "\n",
                                    w, pos, len, a, b, got[0], mask_w(ext, w), got[1],
                                    mask_w(sext, w), got[2], mask_w(dep, w));
                        fail();
                    }
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Conditions: setcond, negsetcond, movcond, brcond */

static bool ref_cond(TCGCond c, uint64_t a, uint64_t b, int w)
{
    int64_t sa = sext_w(a, w), sb = sext_w(b, w);
    a = mask_w(a, w), b = mask_w(b, w);
    switch (c) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    default: return c == TCG_COND_ALWAYS;
    }
}

static void check_conds(int w, TCGCond c, bool imm, uint64_t k)
{
    TestEnv env;
    void *code;
    TCGLabel *l = gen_new_label(), *done;

    (void)l;
    tcg_func_start();
    l = gen_new_label();
    done = gen_new_label();
    if (w == 64) {
        TCGv_i64 b = imm ? tcg_constant_i64(k) : g_in64[1];
        tcg_gen_setcond_i64(c, g_out64[0], g_in64[0], b);
        tcg_gen_negsetcond_i64(c, g_out64[1], g_in64[0], b);
        tcg_gen_movcond_i64(c, g_out64[2], g_in64[0], b, g_in64[2], g_in64[3]);
        tcg_gen_brcond_i64(c, g_in64[0], b, l);
        tcg_gen_movi_i64(g_out64[3], 7);
        tcg_gen_br(done);
        gen_set_label(l);
        tcg_gen_movi_i64(g_out64[3], 9);
        gen_set_label(done);
    } else {
        TCGv_i32 b = imm ? tcg_constant_i32((int32_t)k) : g_in32[1];
        tcg_gen_setcond_i32(c, g_out32[0], g_in32[0], b);
        tcg_gen_negsetcond_i32(c, g_out32[1], g_in32[0], b);
        tcg_gen_movcond_i32(c, g_out32[2], g_in32[0], b, g_in32[2], g_in32[3]);
        tcg_gen_brcond_i32(c, g_in32[0], b, l);
        tcg_gen_movi_i32(g_out32[3], 7);
        tcg_gen_br(done);
        gen_set_label(l);
        tcg_gen_movi_i32(g_out32[3], 9);
        gen_set_label(done);
    }
    code = test_gen();
    for (int i = 0; i < (imm ? 64 : 600); i++) {
        uint64_t a = mask_w(test_value(i), w);
        uint64_t b = imm ? mask_w(k, w) : mask_w(i % 5 == 0 ? a : test_value(i * 13 % 611), w);
        bool t = ref_cond(c, a, b, w);
        uint64_t want[4] = { t, mask_w(-(uint64_t)t, w), t ? 0x1111 : 0x2222, t ? 9 : 7 };

        env.in64[0] = a, env.in64[1] = b, env.in64[2] = 0x1111, env.in64[3] = 0x2222;
        env.in32[0] = (uint32_t)a, env.in32[1] = (uint32_t)b;
        env.in32[2] = 0x1111, env.in32[3] = 0x2222;
        test_run(code, &env);
        for (int r = 0; r < 4; r++) {
            uint64_t got = w == 64 ? env.out64[r] : env.out32[r];
            if (got != want[r]) {
                print_error("cond %d i%d (imm %d) result %d: a=0x%" PRIx64 " b=0x%" PRIx64
                            " got 0x%" PRIx64 " want 0x%" PRIx64 "\n",
                            c, w, imm, r, a, b, got, want[r]);
                fail();
            }
        }
    }
}

static void run_conds(void)
{
    for (int w = 32; w <= 64; w += 32) {
        for (TCGCond c = TCG_COND_EQ; c <= TCG_COND_GTU; c++) {
            check_conds(w, c, false, 0);
            for (size_t e = 0; e < ARRAY_SIZE(test_edges); e += 4) {
                check_conds(w, c, true, test_edges[e]);
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Double-word multiply, conversions, host loads/stores */

static void run_mul2_conv(void)
{
    TestEnv env;
    void *code;
    TCGv_i32 t32 = NULL;

    tcg_func_start();
    tcg_gen_mulu2_i64(g_out64[0], g_out64[1], g_in64[0], g_in64[1]);
    tcg_gen_muls2_i64(g_in64[2], g_in64[3], g_in64[0], g_in64[1]);
    tcg_gen_mulsu2_i64(g_in64[4], g_in64[5], g_in64[0], g_in64[1]);
    tcg_gen_mulu2_i32(g_out32[0], g_out32[1], g_in32[0], g_in32[1]);
    tcg_gen_muls2_i32(g_out32[2], g_out32[3], g_in32[0], g_in32[1]);
    t32 = tcg_temp_new_i32();
    tcg_gen_extrh_i64_i32(t32, g_in64[0]);
    tcg_gen_ext_i32_i64(g_out64[2], t32);
    tcg_gen_extrl_i64_i32(t32, g_in64[0]);
    tcg_gen_extu_i32_i64(g_out64[3], t32);
    code = test_gen();
    for (int i = 0; i < N_RANDOM; i++) {
        uint64_t a = test_value(i), b = test_value(i * 31 % 977);
        unsigned __int128 pu = (unsigned __int128)a * b;
        __int128 ps = (__int128)(int64_t)a * (int64_t)b;
        __int128 psu = (__int128)(int64_t)a * (__int128)(unsigned __int128)b;
        uint64_t pu32 = (uint64_t)(uint32_t)a * (uint32_t)b;
        int64_t ps32 = (int64_t)(int32_t)a * (int32_t)b;

        env.in64[0] = a, env.in64[1] = b;
        env.in32[0] = (uint32_t)a, env.in32[1] = (uint32_t)b;
        test_run(code, &env);
        assert_int_equal(env.out64[0], (uint64_t)pu);
        assert_int_equal(env.out64[1], (uint64_t)(pu >> 64));
        assert_int_equal(env.in64[2], (uint64_t)ps);
        assert_int_equal(env.in64[3], (uint64_t)((unsigned __int128)ps >> 64));
        assert_int_equal(env.in64[4], (uint64_t)psu);
        assert_int_equal(env.in64[5], (uint64_t)((unsigned __int128)psu >> 64));
        assert_int_equal(env.out32[0], (uint32_t)pu32);
        assert_int_equal(env.out32[1], (uint32_t)(pu32 >> 32));
        assert_int_equal(env.out32[2], (uint32_t)ps32);
        assert_int_equal(env.out32[3], (uint32_t)((uint64_t)ps32 >> 32));
        assert_int_equal(env.out64[2], (uint64_t)(int64_t)(int32_t)(a >> 32));
        assert_int_equal(env.out64[3], a & 0xffffffff);
    }
}

static void run_host_ldst(void)
{
    TestEnv env;
    void *code;
    TCGv_i64 t = tcg_temp_new_i64();
    intptr_t m = offsetof(TestEnv, mem);

    (void)t;
    tcg_func_start();
    t = tcg_temp_new_i64();
    tcg_gen_ld8u_i64(t, tcg_env, m + 1);
    tcg_gen_st_i64(t, tcg_env, m + 8);
    tcg_gen_ld8s_i64(t, tcg_env, m + 1);
    tcg_gen_st_i64(t, tcg_env, m + 16);
    tcg_gen_ld16u_i64(t, tcg_env, m + 2);
    tcg_gen_st_i64(t, tcg_env, m + 24);
    tcg_gen_ld16s_i64(t, tcg_env, m + 2);
    tcg_gen_st_i64(t, tcg_env, m + 32);
    tcg_gen_ld32u_i64(t, tcg_env, m + 4);
    tcg_gen_st_i64(t, tcg_env, m + 40);
    tcg_gen_ld32s_i64(t, tcg_env, m + 4);
    tcg_gen_st32_i64(t, tcg_env, m + 48);
    tcg_gen_st16_i64(t, tcg_env, m + 52);
    tcg_gen_st8_i64(t, tcg_env, m + 54);
    tcg_gen_st8_i64(tcg_constant_i64(0x5a), tcg_env, m + 55);
    tcg_gen_ld_i64(t, tcg_env, m);
    tcg_gen_st_i64(t, tcg_env, m + 56);
    code = test_gen();
    for (int i = 0; i < 500; i++) {
        uint64_t v = test_value(i);
        memset(&env, 0, sizeof(env));
        env.mem[0] = v;
        test_run(code, &env);
        assert_int_equal(env.mem[1], (uint8_t)(v >> 8));
        assert_int_equal(env.mem[2], (uint64_t)(int8_t)(v >> 8));
        assert_int_equal(env.mem[3], (uint16_t)(v >> 16));
        assert_int_equal(env.mem[4], (uint64_t)(int16_t)(v >> 16));
        assert_int_equal(env.mem[5], (uint32_t)(v >> 32));
        assert_int_equal(env.mem[6], (uint32_t)(v >> 32) | ((uint64_t)(uint16_t)(v >> 32) << 32) |
                                     ((uint64_t)(uint8_t)(v >> 32) << 48) | (0x5aull << 56));
        assert_int_equal(env.mem[7], v);
    }
}

static void run_host_ldst32(void)
{
    TestEnv env;
    void *code;
    TCGv_i32 t;
    intptr_t m = offsetof(TestEnv, mem);

    tcg_func_start();
    t = tcg_temp_new_i32();
    tcg_gen_ld8u_i32(t, tcg_env, m + 1);
    tcg_gen_st_i32(t, tcg_env, m + 8);
    tcg_gen_ld8s_i32(t, tcg_env, m + 1);
    tcg_gen_st_i32(t, tcg_env, m + 12);
    tcg_gen_ld16u_i32(t, tcg_env, m + 2);
    tcg_gen_st_i32(t, tcg_env, m + 16);
    tcg_gen_ld16s_i32(t, tcg_env, m + 2);
    tcg_gen_st_i32(t, tcg_env, m + 20);
    tcg_gen_ld_i32(t, tcg_env, m + 4);
    tcg_gen_st16_i32(t, tcg_env, m + 24);
    tcg_gen_st8_i32(t, tcg_env, m + 26);
    tcg_gen_st8_i32(tcg_constant_i32(0x77), tcg_env, m + 27);
    tcg_gen_st16_i32(tcg_constant_i32(0x1234), tcg_env, m + 28);
    tcg_gen_st_i32(tcg_constant_i32(-2), tcg_env, m + 32);
    code = test_gen();
    for (int i = 0; i < 500; i++) {
        uint64_t v = test_value(i);
        uint32_t w[8];

        memset(&env, 0, sizeof(env));
        env.mem[0] = v;
        test_run(code, &env);
        memcpy(w, &env.mem[1], sizeof(w));
        assert_int_equal(w[0], (uint8_t)(v >> 8));
        assert_int_equal(w[1], (uint32_t)(int32_t)(int8_t)(v >> 8));
        assert_int_equal(w[2], (uint16_t)(v >> 16));
        assert_int_equal(w[3], (uint32_t)(int32_t)(int16_t)(v >> 16));
        assert_int_equal(w[4], (uint16_t)(v >> 32) | ((uint32_t)(uint8_t)(v >> 32) << 16) |
                               (0x77u << 24));
        assert_int_equal(w[5], 0x1234);
        assert_int_equal(w[6], 0xfffffffe);
    }
}

/* ------------------------------------------------------------------------ */
/* Guarded division: RISC-V results for x/0 and MIN/-1 */

static void run_div_guarded(void)
{
    for (int w = 32; w <= 64; w += 32) {
        TestEnv env;
        void *code;

        tcg_func_start();
        for (int k = 0; k < 4; k++) {
            if (w == 64) {
                tcg_gen_div_guarded_i64(g_out64[k], g_in64[0], g_in64[1], k < 2, k & 1);
            } else {
                tcg_gen_div_guarded_i32(g_out32[k], g_in32[0], g_in32[1], k < 2, k & 1);
            }
        }
        code = test_gen();
        for (int i = 0; i < N_RANDOM; i++) {
            uint64_t a = mask_w(test_value(i), w);
            uint64_t b = mask_w(i % 3 == 0 ? test_edges[i % ARRAY_SIZE(test_edges)] :
                                test_value(i * 17 % 1999), w);
            int64_t min = w == 32 ? INT32_MIN : INT64_MIN;
            uint64_t want[4];

            if (b == 0) {
                want[0] = want[2] = mask_w(~0ull, w);
                want[1] = want[3] = a;
            } else if (sext_w(a, w) == min && sext_w(b, w) == -1) {
                want[0] = a, want[1] = 0;
                want[2] = r_divu(a, b, w), want[3] = r_remu(a, b, w);
            } else {
                want[0] = mask_w(r_divs(a, b, w), w), want[1] = mask_w(r_rems(a, b, w), w);
                want[2] = r_divu(a, b, w), want[3] = r_remu(a, b, w);
            }
            env.in64[0] = a, env.in64[1] = b;
            env.in32[0] = (uint32_t)a, env.in32[1] = (uint32_t)b;
            test_run(code, &env);
            for (int k = 0; k < 4; k++) {
                uint64_t got = w == 64 ? env.out64[k] : env.out32[k];
                if (got != want[k]) {
                    print_error("div_guarded i%d k=%d a=0x%" PRIx64 " b=0x%" PRIx64
                                " got 0x%" PRIx64 " want 0x%" PRIx64 "\n",
                                w, k, a, b, got, want[k]);
                    fail();
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Helper calls, register pressure, loops */

static uint64_t helper_sum8(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                            uint64_t e, uint64_t f, uint64_t g, uint64_t h)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

/* Reads a global from env: the TB must have written it back before the call. */
static uint64_t helper_read_env(TestEnv *env)
{
    env->in64[5] = 1000;     /* writes a global: must be reloaded after */
    return env->in64[4] * 3;
}

static void run_calls(void)
{
    TestEnv env;
    void *code;
    TCGv_i64 t[8];

    tcg_func_start();
    for (int i = 0; i < 8; i++) {
        t[i] = tcg_temp_new_i64();
        tcg_gen_addi_i64(t[i], g_in64[i % 4], i);
    }
    gen_helper_call(helper_sum8, TCG_CALL_NO_RWG_SE, tcgv_temp(g_out64[0]),
                    tcgv_temp(t[0]), tcgv_temp(t[1]), tcgv_temp(t[2]), tcgv_temp(t[3]),
                    tcgv_temp(t[4]), tcgv_temp(t[5]), tcgv_temp(t[6]), tcgv_temp(t[7]));
    tcg_gen_addi_i64(g_in64[4], g_in64[0], 5);
    tcg_gen_movi_i64(g_in64[5], 1);
    gen_helper_call(helper_read_env, 0, tcgv_temp(g_out64[1]), tcgv_temp(tcg_env));
    tcg_gen_add_i64(g_out64[2], g_in64[5], t[7]);
    code = test_gen();
    for (int i = 0; i < 200; i++) {
        uint64_t v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = env.in64[k] = test_value(i + k);
        }
        test_run(code, &env);
        assert_int_equal(env.out64[0], helper_sum8(v[0], v[1] + 1, v[2] + 2, v[3] + 3,
                                                   v[0] + 4, v[1] + 5, v[2] + 6, v[3] + 7));
        assert_int_equal(env.out64[1], (v[0] + 5) * 3);
        assert_int_equal(env.out64[2], 1000 + v[3] + 7);
    }
}

/* More live values than host registers: forces spills and reloads. */
static void run_pressure(void)
{
    enum { N = 24 };
    TestEnv env;
    void *code;
    TCGv_i64 t[N];

    tcg_func_start();
    for (int i = 0; i < N; i++) {
        t[i] = tcg_temp_ebb_new_i64();
        tcg_gen_muli_i64(t[i], g_in64[i % 6], i + 1);
        tcg_gen_xori_i64(t[i], t[i], i);
    }
    tcg_gen_movi_i64(g_out64[0], 0);
    for (int i = 0; i < N; i++) {
        tcg_gen_rotli_i64(g_out64[0], g_out64[0], 5);
        tcg_gen_add_i64(g_out64[0], g_out64[0], t[i]);
        /* divisions pin rax/rdx and shifts rcx while everything is live */
        tcg_gen_shl_i64(t[i], t[i], g_in64[1]);
    }
    for (int i = 0; i < N; i++) {
        tcg_gen_xor_i64(g_out64[1], g_out64[1], t[i]);
    }
    code = test_gen();
    for (int i = 0; i < 300; i++) {
        uint64_t v[6], acc = 0, acc2;
        for (int k = 0; k < 6; k++) {
            v[k] = env.in64[k] = test_value(i * 6 + k);
        }
        env.out64[1] = acc2 = test_value(i);
        test_run(code, &env);
        for (int k = 0; k < N; k++) {
            uint64_t x = (v[k % 6] * (k + 1)) ^ k;
            acc = r_rotl(acc, 5, 64) + x;
            acc2 ^= x << (v[1] & 63);
        }
        assert_int_equal(env.out64[0], acc);
        assert_int_equal(env.out64[1], acc2);
    }
}

/* The same with i32 values: 32-bit spills, reloads and calls. */
static uint32_t helper_mix32(uint32_t a, uint32_t b)
{
    return a * 3 + (b >> 1);
}

static void run_pressure32(void)
{
    enum { N = 24 };
    TestEnv env;
    void *code;
    TCGv_i32 t[N];

    tcg_func_start();
    for (int i = 0; i < N; i++) {
        t[i] = tcg_temp_new_i32();
        tcg_gen_muli_i32(t[i], g_in32[i % 6], i + 1);
        tcg_gen_xori_i32(t[i], t[i], i * 0x01010101);
    }
    tcg_gen_movi_i32(g_out32[0], 0);
    for (int i = 0; i < N; i++) {
        tcg_gen_rotli_i32(g_out32[0], g_out32[0], 3);
        tcg_gen_add_i32(g_out32[0], g_out32[0], t[i]);
        tcg_gen_sar_i32(t[i], t[i], g_in32[1]);
        if (i % 8 == 7) {
            gen_helper_call(helper_mix32, TCG_CALL_NO_RWG_SE, tcgv_temp(t[i]),
                            tcgv_temp(t[i]), tcgv_temp(t[i - 1]));
        }
    }
    tcg_gen_movi_i32(g_out32[1], 0);
    for (int i = 0; i < N; i++) {
        tcg_gen_xor_i32(g_out32[1], g_out32[1], t[i]);
    }
    code = test_gen();
    for (int i = 0; i < 300; i++) {
        uint32_t v[6], acc = 0, acc2 = 0, x[N];
        for (int k = 0; k < 6; k++) {
            v[k] = env.in32[k] = (uint32_t)test_value(i * 6 + k);
        }
        test_run(code, &env);
        for (int k = 0; k < N; k++) {
            x[k] = (v[k % 6] * (k + 1)) ^ (uint32_t)(k * 0x01010101);
            acc = (uint32_t)r_rotl(acc, 3, 32) + x[k];
            x[k] = (uint32_t)((int32_t)x[k] >> (v[1] & 31));
            if (k % 8 == 7) {
                x[k] = helper_mix32(x[k], x[k - 1]);
            }
        }
        for (int k = 0; k < N; k++) {
            acc2 ^= x[k];
        }
        assert_int_equal(env.out32[0], acc);
        assert_int_equal(env.out32[1], acc2);
    }
}

/* A counted loop with a backward branch and a translation-local counter. */
static void run_loop(void)
{
    TestEnv env;
    void *code;
    TCGv_i64 i = tcg_temp_new_i64();
    TCGLabel *top;

    (void)i;
    tcg_func_start();
    i = tcg_temp_new_i64();
    top = gen_new_label();
    tcg_gen_movi_i64(g_out64[0], 0);
    tcg_gen_mov_i64(i, g_in64[0]);
    gen_set_label(top);
    tcg_gen_mb(TCG_MO_ALL | TCG_BAR_SC);        /* a fence in the loop runs too */
    tcg_gen_add_i64(g_out64[0], g_out64[0], i);
    tcg_gen_subi_i64(i, i, 1);
    tcg_gen_brcondi_i64(TCG_COND_NE, i, 0, top);
    code = test_gen();
    for (uint64_t n = 1; n < 300; n += 7) {
        env.in64[0] = n;
        test_run(code, &env);
        assert_int_equal(env.out64[0], n * (n + 1) / 2);
    }
}

/* ------------------------------------------------------------------------ */

static int setup_native(void **state)
{
    test_tcg_init();
    tcg_host_features = features_detected;
    return 0;
}

static int setup_fallback(void **state)
{
    test_tcg_init();
    tcg_host_features = 0;
    return 0;
}

static void test_binops(void **state) { run_binops(); }
static void test_unops(void **state) { run_unops(); }
static void test_bitfields(void **state) { run_bitfields(); }
static void test_conds(void **state) { run_conds(); }
static void test_mul2_conv(void **state) { run_mul2_conv(); }
static void test_host_ldst(void **state) { run_host_ldst(); run_host_ldst32(); }
static void test_div_guarded(void **state) { run_div_guarded(); }
static void test_calls(void **state) { run_calls(); }
static void test_pressure(void **state) { run_pressure(); run_pressure32(); }
static void test_loop(void **state) { run_loop(); }

#define BOTH(fn) \
    cmocka_unit_test_setup(fn, setup_native), cmocka_unit_test_setup(fn, setup_fallback)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_binops), BOTH(test_unops), BOTH(test_bitfields), BOTH(test_conds),
        BOTH(test_mul2_conv), BOTH(test_host_ldst), BOTH(test_div_guarded),
        BOTH(test_calls), BOTH(test_pressure), BOTH(test_loop),
    };

    tcg_context_init();
    features_detected = tcg_host_features;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
