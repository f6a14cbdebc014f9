/*
 * The optimizer and liveness passes: the IR after tcg_gen_code is checked
 * op by op (folded constants, propagated copies, removed dead code and
 * branches), and the folded code is run to check it still computes the
 * right values.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tcg-test-util.h"
#include "../tcg-internal.h"

static int count_ops(TCGOpcode opc)
{
    int n = 0;
    for (int i = 0; i < tcg_ctx->nb_ops; i++) {
        n += tcg_ctx->ops[i].opc == opc;
    }
    return n;
}

static TCGOp *find_op(TCGOpcode opc, int nth)
{
    for (int i = 0; i < tcg_ctx->nb_ops; i++) {
        if (tcg_ctx->ops[i].opc == opc && nth-- == 0) {
            return &tcg_ctx->ops[i];
        }
    }
    return NULL;
}

/* The mov that writes global g: its source must be the constant val. */
static void assert_mov_const(TCGv_i64 g, int64_t val)
{
    for (int i = 0; i < tcg_ctx->nb_ops; i++) {
        TCGOp *op = &tcg_ctx->ops[i];
        if (op->opc == INDEX_op_mov && arg_temp(op->args[0]) == tcgv_i64_temp(g)) {
            TCGTemp *src = arg_temp(op->args[1]);
            assert_int_equal(src->kind, TEMP_CONST);
            assert_int_equal(src->val, val);
            return;
        }
    }
    fail_msg("no mov to %s", tcgv_i64_temp(g)->name);
}

static int setup(void **state)
{
    test_tcg_init();
    return 0;
}

static void test_fold_constants(void **state)
{
    TestEnv env;
    void *code;
    TCGv_i64 t = tcg_temp_new_i64();
    TCGv_i32 u = tcg_temp_new_i32();

    (void)t, (void)u;
    tcg_func_start();
    t = tcg_temp_new_i64();
    u = tcg_temp_new_i32();
    tcg_gen_movi_i64(t, 6);
    tcg_gen_muli_i64(t, t, 7);                  /* 42 */
    tcg_gen_shli_i64(t, t, 4);                  /* 672 */
    tcg_gen_xori_i64(g_out64[0], t, 0xff);      /* 0x25f */
    tcg_gen_movi_i32(u, 0x7fffffff);
    tcg_gen_addi_i32(u, u, 1);                  /* wraps to INT32_MIN */
    tcg_gen_ext_i32_i64(g_out64[1], u);
    tcg_gen_movi_i64(t, -1);
    tcg_gen_ctpop_i64(g_out64[2], t);           /* 64 */
    tcg_gen_setcondi_i64(TCG_COND_LTU, g_out64[3], t, 5);   /* 0 */
    code = test_gen();

    assert_int_equal(count_ops(INDEX_op_mul) + count_ops(INDEX_op_shl) +
                     count_ops(INDEX_op_xor) + count_ops(INDEX_op_add) +
                     count_ops(INDEX_op_ctpop) + count_ops(INDEX_op_setcond) +
                     count_ops(INDEX_op_ext_i32_i64), 0);
    assert_mov_const(g_out64[0], 0x25f);
    assert_mov_const(g_out64[1], (int64_t)INT32_MIN);
    assert_mov_const(g_out64[2], 64);
    assert_mov_const(g_out64[3], 0);
    test_run(code, &env);
    assert_int_equal(env.out64[0], 0x25f);
    assert_int_equal(env.out64[1], 0xffffffff80000000ull);
    assert_int_equal(env.out64[2], 64);
    assert_int_equal(env.out64[3], 0);
}

static void test_identities(void **state)
{
    TestEnv env;
    void *code;

    tcg_func_start();
    tcg_gen_addi_i64(g_out64[0], g_in64[0], 0);             /* mov */
    tcg_gen_muli_i64(g_out64[1], g_in64[1], 1);             /* mov */
    tcg_gen_andi_i64(g_out64[2], g_in64[2], 0);             /* movi 0 */
    tcg_gen_xor_i64(g_out64[3], g_in64[3], g_in64[3]);      /* movi 0 */
    tcg_gen_sub_i64(g_in64[4], g_in64[5], g_in64[5]);       /* movi 0 */
    tcg_gen_or_i64(g_in64[5], g_in64[0], g_in64[0]);        /* mov */
    code = test_gen();

    assert_int_equal(count_ops(INDEX_op_add) + count_ops(INDEX_op_mul) +
                     count_ops(INDEX_op_and) + count_ops(INDEX_op_xor) +
                     count_ops(INDEX_op_sub) + count_ops(INDEX_op_or), 0);
    assert_mov_const(g_out64[2], 0);
    assert_mov_const(g_out64[3], 0);
    assert_mov_const(g_in64[4], 0);
    env.in64[0] = 11, env.in64[1] = 22, env.in64[2] = 33, env.in64[3] = 44, env.in64[5] = 55;
    test_run(code, &env);
    assert_int_equal(env.out64[0], 11);
    assert_int_equal(env.out64[1], 22);
    assert_int_equal(env.out64[2], 0);
    assert_int_equal(env.out64[3], 0);
    assert_int_equal(env.in64[4], 0);
    assert_int_equal(env.in64[5], 11);
}

/* Cheaper equivalents: or -1, xor -1, multiply by a power of two, constant first. */
static void test_strength_reduction(void **state)
{
    TestEnv env;
    void *code;
    TCGOp *op;

    tcg_func_start();
    tcg_gen_ori_i64(g_out64[0], g_in64[0], -1);             /* movi -1 */
    tcg_gen_xori_i64(g_out64[1], g_in64[1], -1);            /* not */
    tcg_gen_muli_i64(g_out64[2], g_in64[2], 8);             /* shl 3 */
    tcg_gen_setcond_i64(TCG_COND_LT, g_out64[3], tcg_constant_i64(5), g_in64[3]);  /* x > 5 */
    tcg_gen_andi_i64(g_in64[4], g_in64[4], 0xff);                                 /* ext8u */
    tcg_gen_andi_i64(g_in64[5], g_in64[5], 0xffffffff);                           /* ext32u */
    code = test_gen();
    assert_int_equal(count_ops(INDEX_op_or) + count_ops(INDEX_op_xor) + count_ops(INDEX_op_mul) +
                     count_ops(INDEX_op_and), 0);
    assert_int_equal(count_ops(INDEX_op_ext8u), 1);
    assert_int_equal(count_ops(INDEX_op_ext32u), 1);
    assert_mov_const(g_out64[0], -1);
    assert_int_equal(count_ops(INDEX_op_not), 1);
    op = find_op(INDEX_op_shl, 0);
    assert_non_null(op);
    assert_int_equal(arg_temp(op->args[2])->val, 3);
    op = find_op(INDEX_op_setcond, 0);
    assert_non_null(op);
    assert_ptr_equal(arg_temp(op->args[1]), tcgv_i64_temp(g_in64[3]));
    assert_int_equal(op->args[3], TCG_COND_GT);
    for (int i = 0; i < 200; i++) {
        uint64_t v[6];
        for (int k = 0; k < 6; k++) {
            v[k] = env.in64[k] = test_value(i + k * 50);
        }
        test_run(code, &env);
        assert_int_equal(env.in64[4], v[4] & 0xff);
        assert_int_equal(env.in64[5], v[5] & 0xffffffff);
        assert_int_equal(env.out64[0], ~0ull);
        assert_int_equal(env.out64[1], ~v[1]);
        assert_int_equal(env.out64[2], v[2] * 8);
        assert_int_equal(env.out64[3], 5 < (int64_t)v[3]);
    }
}

/* A copy is replaced by its source; the copy itself then dies. */
static void test_copy_propagation(void **state)
{
    TestEnv env;
    void *code;
    TCGv_i64 t = tcg_temp_ebb_new_i64();
    TCGOp *add;

    (void)t;
    tcg_func_start();
    t = tcg_temp_ebb_new_i64();
    tcg_gen_mov_i64(t, g_in64[0]);
    tcg_gen_addi_i64(g_out64[0], t, 5);
    code = test_gen();

    add = find_op(INDEX_op_add, 0);
    assert_non_null(add);
    assert_ptr_equal(arg_temp(add->args[1]), tcgv_i64_temp(g_in64[0]));
    /* the mov into t had no use left: removed as dead code */
    assert_int_equal(count_ops(INDEX_op_mov), 0);
    env.in64[0] = 100;
    test_run(code, &env);
    assert_int_equal(env.out64[0], 105);
}

/*
 * The RV64 extension idioms: (x << 32) >> 32, also of a sign-extended
 * 32-bit result, is one ext32u, and likewise by 48 and 56 for 16 and 8 bits;
 * a shift whose source changed in between is left alone.
 */
static void test_low_half(void **state)
{
    TestEnv env;
    void *code;
    TCGv_i64 t = tcg_temp_ebb_new_i64(), w = tcg_temp_ebb_new_i64();

    (void)t, (void)w;
    tcg_func_start();
    t = tcg_temp_ebb_new_i64();
    w = tcg_temp_ebb_new_i64();
    /* out0 = zext32(in0), interleaved with out1 = zext32(in1 + 1) like addiw;slli;srli */
    tcg_gen_shli_i64(g_out64[0], g_in64[0], 32);
    tcg_gen_addi_i64(w, g_in64[1], 1);
    tcg_gen_ext32s_i64(g_out64[1], w);
    tcg_gen_shli_i64(g_out64[1], g_out64[1], 32);
    tcg_gen_shri_i64(g_out64[0], g_out64[0], 32);
    tcg_gen_shri_i64(g_out64[1], g_out64[1], 32);
    /* out2 = (in2 << 32) >> 32 arithmetic: a sign extension */
    tcg_gen_shli_i64(t, g_in64[2], 32);
    tcg_gen_sari_i64(g_out64[2], t, 32);
    /* in3 changes between the shifts: must stay two shifts */
    tcg_gen_shli_i64(g_out64[3], g_in64[3], 32);
    tcg_gen_addi_i64(g_in64[3], g_in64[3], 1);
    tcg_gen_shri_i64(g_out64[3], g_out64[3], 32);
    /* in4 = zext16(sext32(in5 + 2)) as addiw;slli 48;srli 48; in5 = sext8(in5) */
    tcg_gen_addi_i64(w, g_in64[5], 2);
    tcg_gen_ext32s_i64(g_in64[4], w);
    tcg_gen_shli_i64(g_in64[4], g_in64[4], 48);
    tcg_gen_shri_i64(g_in64[4], g_in64[4], 48);
    tcg_gen_shli_i64(t, g_in64[5], 56);
    tcg_gen_sari_i64(g_in64[5], t, 56);
    code = test_gen();

    assert_int_equal(count_ops(INDEX_op_ext32u), 2);
    assert_int_equal(count_ops(INDEX_op_ext32s), 1);
    assert_int_equal(count_ops(INDEX_op_ext16u), 1);
    assert_int_equal(count_ops(INDEX_op_ext8s), 1);
    assert_int_equal(count_ops(INDEX_op_shl), 1);
    assert_int_equal(count_ops(INDEX_op_shr), 1);
    env.in64[0] = 0x123456789abcdef0ull;
    env.in64[1] = 0xffffffffffffffffull;
    env.in64[2] = 0x00000000f0000001ull;
    env.in64[3] = 0x11111111ffffffffull;
    env.in64[5] = 0x00000000ffff12feull;
    test_run(code, &env);
    assert_int_equal(env.in64[4], 0x1300);
    assert_int_equal(env.in64[5], 0xfffffffffffffffeull);
    assert_int_equal(env.out64[0], 0x9abcdef0ull);
    assert_int_equal(env.out64[1], 0);
    assert_int_equal(env.out64[2], 0xfffffffff0000001ull);
    assert_int_equal(env.out64[3], 0xffffffffull);
}

/* Constant conditions: the branch becomes br or disappears, dead code goes. */
static void test_branch_folding(void **state)
{
    TestEnv env;
    void *code;
    TCGv_i64 k = tcg_temp_ebb_new_i64();
    TCGLabel *l1, *l2;

    (void)k;
    tcg_func_start();
    k = tcg_temp_ebb_new_i64();
    l1 = gen_new_label();
    l2 = gen_new_label();
    tcg_gen_movi_i64(k, 3);
    tcg_gen_brcondi_i64(TCG_COND_EQ, k, 4, l1);      /* never: removed */
    tcg_gen_movi_i64(g_out64[0], 1);
    tcg_gen_brcondi_i64(TCG_COND_LT, k, 4, l2);      /* always: br */
    tcg_gen_movi_i64(g_out64[1], 2);                 /* unreachable: removed */
    gen_set_label(l1);
    tcg_gen_movi_i64(g_out64[2], 3);
    gen_set_label(l2);
    tcg_gen_movi_i64(g_out64[3], 4);
    code = test_gen();

    assert_int_equal(count_ops(INDEX_op_brcond), 0);
    assert_int_equal(count_ops(INDEX_op_br), 1);
    for (int i = 0; i < tcg_ctx->nb_ops; i++) {
        TCGOp *op = &tcg_ctx->ops[i];
        assert_false(op->opc == INDEX_op_mov && arg_temp(op->args[0]) == tcgv_i64_temp(g_out64[1]));
    }
    memset(&env, 0, sizeof(env));
    test_run(code, &env);
    assert_int_equal(env.out64[0], 1);
    assert_int_equal(env.out64[1], 0);
    assert_int_equal(env.out64[2], 0);
    assert_int_equal(env.out64[3], 4);
}

/* Values known before a label or a global-writing call are forgotten there. */
static void test_knowledge_resets(void **state)
{
    TestEnv env;
    void *code;
    TCGLabel *l;

    tcg_func_start();
    l = gen_new_label();
    tcg_gen_movi_i64(g_in64[0], 5);
    tcg_gen_brcondi_i64(TCG_COND_EQ, g_in64[1], 0, l);
    tcg_gen_movi_i64(g_in64[0], 6);
    gen_set_label(l);
    tcg_gen_addi_i64(g_out64[0], g_in64[0], 1);      /* 6 or 7: not foldable */
    code = test_gen();
    assert_int_equal(count_ops(INDEX_op_add), 1);
    env.in64[1] = 0;
    test_run(code, &env);
    assert_int_equal(env.out64[0], 6);
    env.in64[1] = 1;
    test_run(code, &env);
    assert_int_equal(env.out64[0], 7);
}

static void helper_nop(void)
{
}

static void test_call_flags(void **state)
{
    tcg_func_start();
    tcg_gen_movi_i64(g_in64[0], 5);
    gen_helper_call(helper_nop, 0, NULL);                    /* may write globals */
    tcg_gen_addi_i64(g_out64[0], g_in64[0], 1);
    tcg_gen_movi_i64(g_in64[1], 5);
    gen_helper_call(helper_nop, TCG_CALL_NO_WG, NULL);       /* cannot */
    tcg_gen_addi_i64(g_out64[1], g_in64[1], 1);
    test_gen();
    assert_int_equal(count_ops(INDEX_op_add), 1);
    assert_mov_const(g_out64[1], 6);
}

/* Liveness: dead temps' ops go; outputs read later are kept. */
static void test_dead_code(void **state)
{
    TCGv_i64 t = tcg_temp_ebb_new_i64();

    (void)t;
    tcg_func_start();
    t = tcg_temp_ebb_new_i64();
    tcg_gen_mul_i64(t, g_in64[0], g_in64[1]);        /* never used */
    tcg_gen_sub_i64(g_out64[0], g_in64[0], g_in64[1]);
    tcg_gen_add_i64(g_out64[1], g_in64[0], g_in64[1]);
    tcg_gen_add_i64(g_out64[1], g_in64[2], g_in64[3]);   /* overwrites */
    test_gen();
    assert_int_equal(count_ops(INDEX_op_mul), 0);
    assert_int_equal(count_ops(INDEX_op_sub), 1);
    assert_int_equal(count_ops(INDEX_op_add), 1);
}

/*
 * A copy of a non-pinned global in a pinned one: uses read the pinned one,
 * which is always in its register. Runs last: pinning cannot be undone.
 */
static void test_copy_of_pinned(void **state)
{
    TCGv_i64 p = g_out64[3];
    TestEnv env;
    void *code;
    TCGOp *add;

    assert_true(tcg_global_pin(p));
    test_code_used = TERN_ALIGN_UP(tcg_prologue_init(test_code, test_code_size, 0), 64);
    tcg_func_start();
    tcg_gen_mov_i64(p, g_in64[1]);
    tcg_gen_addi_i64(g_out64[0], p, 5);
    code = test_gen();

    add = find_op(INDEX_op_add, 0);
    assert_non_null(add);
    assert_ptr_equal(arg_temp(add->args[1]), tcgv_i64_temp(p));
    env.in64[1] = 100;
    test_run(code, &env);
    assert_int_equal(env.out64[0], 105);
    assert_int_equal(env.out64[3], 100);
}

/*
 * An op that overwrites its first input and writes a pinned global works
 * on a copy made in the global's own register: right unless an input of
 * the op lives there (p = q - p).
 */
static void test_pinned_result(void **state)
{
    TCGv_i64 p = g_out64[3];     /* pinned by test_copy_of_pinned */
    TestEnv env;
    void *code;

    tcg_func_start();
    tcg_gen_shli_i64(p, g_in64[0], 4);                 /* copy of in0 made in p's register */
    tcg_gen_add_i64(g_out64[0], p, g_in64[0]);         /* in0 still intact */
    tcg_gen_sub_i64(p, g_in64[1], p);                  /* p is an input: no copy into it */
    tcg_gen_add_i64(g_out64[1], p, g_in64[1]);
    tcg_gen_xor_i64(p, g_in64[2], g_in64[3]);
    tcg_gen_add_i64(g_out64[2], p, g_in64[2]);
    code = test_gen();
    for (int i = 0; i < 100; i++) {
        uint64_t a = env.in64[0] = test_value(i), b = env.in64[1] = test_value(i + 30);
        uint64_t c = env.in64[2] = test_value(i + 60), d = env.in64[3] = test_value(i + 90);

        test_run(code, &env);
        assert_int_equal(env.out64[0], (a << 4) + a);
        assert_int_equal(env.out64[1], b - (a << 4) + b);
        assert_int_equal(env.out64[3], c ^ d);
        assert_int_equal(env.out64[2], (c ^ d) + c);
        assert_int_equal(env.in64[0], a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_constants),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_copy_propagation),
        cmocka_unit_test(test_strength_reduction),
        cmocka_unit_test(test_branch_folding),
        cmocka_unit_test(test_knowledge_resets),
        cmocka_unit_test(test_call_flags),
        cmocka_unit_test(test_dead_code),
        cmocka_unit_test(test_low_half),
        cmocka_unit_test(test_copy_of_pinned),
        cmocka_unit_test(test_pinned_result),    /* after test_copy_of_pinned */
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
