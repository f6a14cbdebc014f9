/*
 * Random programs: sequences of ops over globals, block-local and
 * translation-local temps and constants, with forward branches (several
 * to one label, if/then and if/else shapes) and helper calls, generated as
 * IR and also evaluated by a small interpreter in this file. Many live
 * values, fixed-register ops (shifts, division, multiplication) and calls
 * stress the register allocator's spills, reloads and write-backs at
 * branches, labels and calls; floating point ops (binary64 on whatever
 * bits the values hold) move values between general and xmm registers.
 * The results must match exactly.
 */
#include "tern/osdep.h"
#include <math.h>
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tcg-test-util.h"
#include "../tcg-internal.h"

enum { NG = 6, NT = 10, NV = NG + NT, NPROG = 1500, NOPS = 70, NRUN = 8 };

enum {
    R_ADD, R_SUB, R_MUL, R_AND, R_OR, R_XOR, R_ANDC, R_SHL, R_SHR, R_SAR, R_ROTL,
    R_MULUH, R_DIVU, R_REMS, R_SETLT, R_MOVCOND, R_NEG, R_NOT, R_EXT8S, R_CTPOP,
    R_CLZ, R_DEPOSIT, R_EXTRACT, R_BSWAP, R_ADDI, R_CALL, R_CALL_WG, R_SKIP, R_MOV,
    R_ANDI, R_SHRI, R_MULI, R_SUBFI, R_SETLTUI, R_DIVS, R_CALL6, R_IFELSE,
    R_FADD, R_FMUL, R_FTOI, R_ITOF,
    R_COUNT
};

typedef struct Insn {
    int op, d, a, b, c;
    int64_t imm;
} Insn;

static Insn prog[NOPS];
/*
 * br_at[i] > 0: the end of an if/else's "then" side, a jump to br_at[i]
 * taken when insn i is reached by falling through (not by a branch to it).
 */
static int br_at[NOPS];

static uint64_t rotl(uint64_t x, unsigned n)
{
    n &= 63;
    return n ? (x << n) | (x >> (64 - n)) : x;
}

/* Value slots: 0..NG-1 are globals (env.in64[0..5]), the rest temps. */
static uint64_t helper_mix(uint64_t a, uint64_t b, uint64_t c)
{
    test_clobber_xmm();
    return (a * 31) ^ (b >> 3) ^ (c << 7);
}

/* Six arguments: the last two pass in registers that may hold pinned globals. */
static uint64_t helper_mix6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                            uint64_t f)
{
    return a * 3 ^ b * 5 ^ c * 7 ^ d * 11 ^ e * 13 ^ f * 17;
}

/* A helper that reads and writes the CPU state (default call flags). */
static void helper_bump(TestEnv *env)
{
    env->in64[0] += env->in64[1];
    env->in64[2] ^= 0x5a5a;
}

/* The f* ops' fallback (NaN results, out-of-range conversions). */
static uint64_t helper_fp_fallback(void *env, uint64_t desc, uint64_t a, uint64_t b, uint64_t c)
{
    test_clobber_xmm();
    return desc * 0x9e3779b97f4a7c15ull ^ a ^ rotl(b, 17) ^ rotl(c, 31);
}

static double d_of(uint64_t x) { double d; memcpy(&d, &x, 8); return d; }
static uint64_t bits_d(double d) { uint64_t x; memcpy(&x, &d, 8); return x; }

/* The inline code's result, or the fallback's for a NaN (op: its desc). */
static uint64_t fp_result(int op, double r, uint64_t a, uint64_t b)
{
    return isnan(r) ? helper_fp_fallback(NULL, op, a, b, 0) : bits_d(r);
}

/* Bit field of a deposit/extract insn, from its immediate. */
static void field(const Insn *p, int *pos, int *len)
{
    uint64_t u = (uint64_t)p->imm;
    *pos = u & 63;
    *len = 1 + (int)((u >> 6) % (uint64_t)(64 - *pos));
}


static void eval(uint64_t *v)
{
    bool branched = false;

    for (int i = 0; i < NOPS; i++) {
        Insn *p = &prog[i];
        uint64_t a = v[p->a], b = v[p->b], c = v[p->c], r = 0;

        if (br_at[i] && !branched) {
            i = br_at[i] - 1;
            branched = true;
            continue;
        }
        branched = false;
        switch (p->op) {
        case R_ADD: r = a + b; break;
        case R_SUB: r = a - b; break;
        case R_MUL: r = a * b; break;
        case R_AND: r = a & b; break;
        case R_OR: r = a | b; break;
        case R_XOR: r = a ^ b; break;
        case R_ANDC: r = a & ~b; break;
        case R_SHL: r = a << (b & 63); break;
        case R_SHR: r = a >> (b & 63); break;
        case R_SAR: r = (uint64_t)((int64_t)a >> (b & 63)); break;
        case R_ROTL: r = rotl(a, b); break;
        case R_MULUH: r = (uint64_t)(((unsigned __int128)a * b) >> 64); break;
        case R_DIVU: r = a / (b | 1); break;
        case R_REMS: r = (uint64_t)((int64_t)a % (int64_t)((b | 1) & 0x7fffffff)); break;
        case R_SETLT: r = (int64_t)a < (int64_t)b; break;
        case R_MOVCOND: r = a == b ? c : v[p->d]; break;
        case R_NEG: r = -a; break;
        case R_NOT: r = ~a; break;
        case R_EXT8S: r = (uint64_t)(int8_t)a; break;
        case R_CTPOP: r = (uint64_t)__builtin_popcountll(a); break;
        case R_CLZ: r = a ? (uint64_t)__builtin_clzll(a) : b; break;
        case R_DEPOSIT: {
            int pos, len;
            field(p, &pos, &len);
            uint64_t m = (len == 64 ? ~0ull : (1ull << len) - 1) << pos;
            r = (a & ~m) | ((b << pos) & m);
            break;
        }
        case R_EXTRACT: {
            int pos, len;
            field(p, &pos, &len);
            r = (a >> pos) & (len == 64 ? ~0ull : (1ull << len) - 1);
            break;
        }
        case R_BSWAP: r = __builtin_bswap64(a); break;
        case R_ADDI: r = a + (uint64_t)p->imm; break;
        case R_CALL: r = helper_mix(a, b, c); break;
        case R_CALL6: r = helper_mix6(c, b, a, b, a, c); break;
        case R_CALL_WG:
            v[0] += v[1];
            v[2] ^= 0x5a5a;
            continue;
        case R_SKIP:
        case R_IFELSE:            /* to the "else" side */
            if (p->imm & 1 ? a == b : a < b) {
                i += p->c;        /* skip the next c insns */
                branched = true;
            }
            continue;
        case R_MOV: r = a; break;
        case R_ANDI: r = a & (uint64_t)p->imm; break;
        case R_SHRI: r = a >> (p->imm & 63); break;
        case R_MULI: r = a * (uint64_t)p->imm; break;
        case R_SUBFI: r = (uint64_t)p->imm - a; break;
        case R_SETLTUI: r = a < (uint64_t)p->imm; break;
        case R_DIVS: r = (uint64_t)((int64_t)a / (int64_t)((b | 1) & 0x7fffffff)); break;
        case R_FADD: r = fp_result(R_FADD, d_of(a) + d_of(b), a, b); break;
        case R_FMUL: r = fp_result(R_FMUL, d_of(a) * d_of(b), a, b); break;
        case R_FTOI:
            r = d_of(a) > -0x1p63 && d_of(a) < 0x1p63 ? (uint64_t)(int64_t)d_of(a) :
                helper_fp_fallback(NULL, R_FTOI, a, 0, 0);
            break;
        case R_ITOF: r = bits_d((double)(int64_t)a); break;
        }
        v[p->d] = r;
    }
}

static TCGv_i64 slot(TCGv_i64 *t, int k)
{
    return k < NG ? g_in64[k] : t[k - NG];
}

/* The label at insn i (NOPS: the end), shared by all branches to it. */
static TCGLabel *label_at(TCGLabel **labels, int i)
{
    if (!labels[i]) {
        labels[i] = gen_new_label();
    }
    return labels[i];
}

static void gen(TCGv_i64 *t)
{
    TCGLabel *labels[NOPS + 1] = { NULL };

    for (int i = 0; i < NOPS; i++) {
        Insn *p = &prog[i];
        TCGv_i64 d = slot(t, p->d), a = slot(t, p->a), b = slot(t, p->b), c = slot(t, p->c);
        TCGv_i64 k;

        if (br_at[i]) {
            tcg_gen_br(label_at(labels, br_at[i]));
        }
        if (labels[i]) {
            gen_set_label(labels[i]);
        }
        switch (p->op) {
        case R_ADD: tcg_gen_add_i64(d, a, b); break;
        case R_SUB: tcg_gen_sub_i64(d, a, b); break;
        case R_MUL: tcg_gen_mul_i64(d, a, b); break;
        case R_AND: tcg_gen_and_i64(d, a, b); break;
        case R_OR: tcg_gen_or_i64(d, a, b); break;
        case R_XOR: tcg_gen_xor_i64(d, a, b); break;
        case R_ANDC: tcg_gen_andc_i64(d, a, b); break;
        case R_SHL: tcg_gen_shl_i64(d, a, b); break;
        case R_SHR: tcg_gen_shr_i64(d, a, b); break;
        case R_SAR: tcg_gen_sar_i64(d, a, b); break;
        case R_ROTL: tcg_gen_rotl_i64(d, a, b); break;
        case R_MULUH: tcg_gen_muluh_i64(d, a, b); break;
        case R_DIVU:
            k = tcg_temp_ebb_new_i64();
            tcg_gen_ori_i64(k, b, 1);
            tcg_gen_divu_i64(d, a, k);
            tcg_temp_free_i64(k);
            break;
        case R_REMS:
            k = tcg_temp_ebb_new_i64();
            tcg_gen_ori_i64(k, b, 1);
            tcg_gen_andi_i64(k, k, 0x7fffffff);
            tcg_gen_rem_i64(d, a, k);
            tcg_temp_free_i64(k);
            break;
        case R_SETLT: tcg_gen_setcond_i64(TCG_COND_LT, d, a, b); break;
        case R_MOVCOND: tcg_gen_movcond_i64(TCG_COND_EQ, d, a, b, c, d); break;
        case R_NEG: tcg_gen_neg_i64(d, a); break;
        case R_NOT: tcg_gen_not_i64(d, a); break;
        case R_EXT8S: tcg_gen_ext8s_i64(d, a); break;
        case R_CTPOP: tcg_gen_ctpop_i64(d, a); break;
        case R_CLZ: tcg_gen_clz_i64(d, a, b); break;
        case R_DEPOSIT: {
            int pos, len;
            field(p, &pos, &len);
            tcg_gen_deposit_i64(d, a, b, pos, len);
            break;
        }
        case R_EXTRACT: {
            int pos, len;
            field(p, &pos, &len);
            tcg_gen_extract_i64(d, a, pos, len);
            break;
        }
        case R_BSWAP: tcg_gen_bswap64_i64(d, a); break;
        case R_ADDI: tcg_gen_addi_i64(d, a, p->imm); break;
        case R_CALL:
            gen_helper_call(helper_mix, TCG_CALL_NO_RWG_SE, tcgv_temp(d),
                            tcgv_temp(a), tcgv_temp(b), tcgv_temp(c));
            break;
        case R_CALL6:
            gen_helper_call(helper_mix6, TCG_CALL_NO_RWG_SE, tcgv_temp(d), tcgv_temp(c),
                            tcgv_temp(b), tcgv_temp(a), tcgv_temp(b), tcgv_temp(a),
                            tcgv_temp(c));
            break;
        case R_CALL_WG:
            gen_helper_call(helper_bump, 0, NULL, tcgv_temp(tcg_env));
            break;
        case R_SKIP:
        case R_IFELSE:
            g_assert(i + 1 + p->c <= NOPS);
            tcg_gen_brcond_i64(p->imm & 1 ? TCG_COND_EQ : TCG_COND_LTU, a, b,
                               label_at(labels, i + 1 + p->c));
            break;
        case R_MOV: tcg_gen_mov_i64(d, a); break;
        case R_ANDI: tcg_gen_andi_i64(d, a, p->imm); break;
        case R_SHRI: tcg_gen_shri_i64(d, a, p->imm & 63); break;
        case R_MULI: tcg_gen_muli_i64(d, a, p->imm); break;
        case R_SUBFI: tcg_gen_subfi_i64(d, p->imm, a); break;
        case R_SETLTUI: tcg_gen_setcondi_i64(TCG_COND_LTU, d, a, p->imm); break;
        case R_DIVS:
            k = tcg_temp_ebb_new_i64();
            tcg_gen_ori_i64(k, b, 1);
            tcg_gen_andi_i64(k, k, 0x7fffffff);
            tcg_gen_div_i64(d, a, k);
            tcg_temp_free_i64(k);
            break;
        case R_FADD:
            tcg_gen_fadd(d, a, b, TCG_FP_F64, (TCGFpFallback){ helper_fp_fallback, R_FADD });
            break;
        case R_FMUL:
            tcg_gen_fmul(d, a, b, TCG_FP_F64, (TCGFpFallback){ helper_fp_fallback, R_FMUL });
            break;
        case R_FTOI:
            tcg_gen_ftoi(d, a, TCG_FP_F64 | TCG_FP_INT_SIGNED | TCG_FP_INT_64 | TCG_FP_TRUNC,
                         (TCGFpFallback){ helper_fp_fallback, R_FTOI });
            break;
        case R_ITOF:
            tcg_gen_itof(d, a, TCG_FP_F64 | TCG_FP_INT_SIGNED | TCG_FP_INT_64,
                         (TCGFpFallback){ helper_fp_fallback, R_ITOF });
            break;
        }
    }
    if (labels[NOPS]) {
        gen_set_label(labels[NOPS]);
    }
}

/*
 * Forward branches only with translation-local temps: block-local ones
 * are undefined after a label. Half the results go to globals, so they
 * are often changed on one side of a branch only.
 */
static void make_prog(bool branches)
{
    memset(br_at, 0, sizeof(br_at));
    for (int i = 0; i < NOPS; i++) {
        Insn *p = &prog[i];
        p->op = test_rand() % R_COUNT;
        p->d = test_rand() % 2 ? test_rand() % NG : test_rand() % NV;
        p->a = test_rand() % NV;
        p->b = test_rand() % NV;
        p->c = test_rand() % NV;
        p->imm = (int64_t)test_value(test_rand() % 64);
        if (p->op == R_SKIP || p->op == R_IFELSE) {
            /*
             * skip: the next n insns, up to the end of the program. if/else:
             * "then" = the next n insns, ending with a jump over the m insns
             * of "else" (one such jump per insn).
             */
            int n = 1 + test_rand() % 4, m = 1 + test_rand() % 4;
            p->c = n;
            if (!branches || i + 1 + n > NOPS ||
                (p->op == R_IFELSE && (i + 1 + n + m > NOPS || br_at[i + 1 + n]))) {
                p->op = R_ADD;
            } else if (p->op == R_IFELSE) {
                br_at[i + 1 + n] = i + 1 + n + m;
            }
        }
    }
}

static void run_random(bool tb_temps)
{
    for (int n = 0; n < NPROG; n++) {
        TCGv_i64 t[NT];
        TestEnv env;
        void *code;

        make_prog(tb_temps);
        tcg_func_start();
        for (int k = 0; k < NT; k++) {
            t[k] = tb_temps ? tcg_temp_new_i64() : tcg_temp_ebb_new_i64();
            /* temps start with defined values */
            tcg_gen_xori_i64(t[k], g_in64[k % NG], k * 0x1111);
        }
        gen(t);
        for (int k = 0; k < 4; k++) {
            tcg_gen_mov_i64(g_out64[k], t[k]);
        }
        code = test_gen();
        for (int r = 0; r < NRUN; r++) {
            uint64_t v[NV];
            for (int k = 0; k < NG; k++) {
                v[k] = env.in64[k] = test_value(test_rand() % 200);
            }
            for (int k = 0; k < NT; k++) {
                v[NG + k] = v[k % NG] ^ (uint64_t)(k * 0x1111);
            }
            eval(v);
            test_run(code, &env);
            for (int k = 0; k < NG; k++) {
                if (env.in64[k] != v[k]) {
                    print_error("program %d run %d: global %d = 0x%" PRIx64 " want 0x%" PRIx64 "\n",
                                n, r, k, env.in64[k], v[k]);
                    tcg_dump_ops(stderr);
                    fail();
                }
            }
            for (int k = 0; k < 4; k++) {
                if (env.out64[k] != v[NG + k]) {
                    print_error("program %d run %d: temp %d = 0x%" PRIx64 " want 0x%" PRIx64 "\n",
                                n, r, k, env.out64[k], v[NG + k]);
                    tcg_dump_ops(stderr);
                    fail();
                }
            }
        }
    }
}

static unsigned features_detected;

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

/*
 * The same with globals pinned to host registers (as a front end pins guest
 * registers): two outputs, then the inputs, until the backend has no pin
 * register left, so the inputs get callee-saved, call-clobbered and
 * argument-passing ones, around calls that do and do not touch the CPU state.
 */
static int setup_pinned(void **state)
{
    test_tcg_init();
    tcg_host_features = features_detected;
    if (tcg_ctx->nb_pinned == 0) {
        for (int k = 0; k < 2 && tcg_global_pin(g_out64[k]); k++) {
            continue;
        }
        for (int k = 0; k < NG && tcg_global_pin(g_in64[k]); k++) {
            continue;
        }
        test_code_used = TERN_ALIGN_UP(tcg_prologue_init(test_code, test_code_size, 0), 64);
    }
    assert_int_equal(tcg_ctx->nb_pinned, tcg_target_pin_regs_len);
    return 0;
}

static void test_random_ebb(void **state) { run_random(false); }
static void test_random_tb(void **state) { run_random(true); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_random_ebb, setup_native),
        cmocka_unit_test_setup(test_random_tb, setup_native),
        cmocka_unit_test_setup(test_random_ebb, setup_fallback),
        cmocka_unit_test_setup(test_random_tb, setup_fallback),
        /* last: pinning lasts for the rest of the process */
        cmocka_unit_test_setup(test_random_ebb, setup_pinned),
        cmocka_unit_test_setup(test_random_tb, setup_pinned),
    };

    tcg_context_init();
    features_detected = tcg_host_features;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
