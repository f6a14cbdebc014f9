/*
 * The user-mode (linux-user) flavour of guest memory accesses: no TLB,
 * guest address A is host address guest_base + A. Here guest_base does not
 * fit a 32-bit displacement, so the backend keeps it in a reserved register.
 * The guest range is [0, GUEST_SPACE) with GUARD bytes of PROT_NONE on
 * each side, like linux-user's; a window of it is mapped.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tcg-test-util.h"
#include "../tcg-internal.h"

#define GUEST_SPACE 0x100000ull
#define GUARD       0x10000u

static uint8_t *guest_mem;      /* guest [0x10000, 0x20000) */

static int setup(void **state)
{
    /* far from the low 2 GiB so that guest_base needs a register */
    uint8_t *r = mmap((void *)0x7e0000000000ull, GUARD + GUEST_SPACE + GUARD, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    uint8_t *base = r + GUARD;

    assert_true(r != MAP_FAILED);
    guest_mem = base + 0x10000;
    assert_int_equal(mprotect(guest_mem, 0x10000, PROT_READ | PROT_WRITE), 0);
    tcg_context_init();
    tcg_set_guest_memory(true, (uintptr_t)base, 0, 0);
    test_tcg_init();
    return 0;
}

static void test_user_ldst(void **state)
{
    static const MemOp ops[] = {
        MO_UB, MO_SB, MO_LEUW, MO_LESW, MO_LEUL, MO_LESL, MO_LEUQ, MO_BEUL, MO_BEUQ,
        MO_LEUL | MO_ALIGN,
    };
    const uint64_t v = 0xf1e2d3c4b5a69788ull;

    for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
        MemOp op = ops[k];
        unsigned size = memop_size(op);
        TestEnv env;
        void *code;

        tcg_func_start();
        tcg_gen_qemu_st_i64(g_in64[0], g_in64[1], 0, op);
        tcg_gen_qemu_ld_i64(g_out64[0], g_in64[1], 0, op);
        code = test_gen();
        for (uint64_t addr = 0x10100; addr < 0x10100 + 64; addr += (op & MO_AMASK) ? 4 : 3) {
            uint64_t want = size == 8 ? v : v & ((1ull << (8 * size)) - 1);
            uint8_t bytes[8];

            for (unsigned i = 0; i < size; i++) {
                unsigned b = (op & MO_BSWAP) ? size - 1 - i : i;
                bytes[i] = (uint8_t)(v >> (8 * b));
            }
            if (op & MO_SIGN) {
                want = (uint64_t)((int64_t)(want << (64 - 8 * size)) >> (64 - 8 * size));
            }
            env.in64[0] = v;
            env.in64[1] = addr;
            test_run(code, &env);
            assert_memory_equal(guest_mem + (addr - 0x10000), bytes, size);
            assert_int_equal(env.out64[0], want);
        }
    }
}

static TCGOp *nth_access(int nth)
{
    for (int i = 0, k = 0; i < tcg_ctx->nb_ops; i++) {
        TCGOp *op = &tcg_ctx->ops[i];
        if ((op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_qemu_st) && k++ == nth) {
            return op;
        }
    }
    fail_msg("no access %d", nth);
    return NULL;
}

/* The access's address temp, displacement and range-known flag after the passes. */
static void assert_access(int nth, TCGv_i64 addr, int32_t disp, bool known)
{
    TCGOp *op = nth_access(nth);

    assert_ptr_equal(arg_temp(op->args[1]), tcgv_i64_temp(addr));
    assert_int_equal((int32_t)op->args[op_carg0(op) + 2], disp);
    assert_int_equal(op->args[op_carg0(op) + 3], known);
}

/*
 * With a checked range and guards (tcg_set_guest_addr_mask): a + c is
 * accessed as [a + c] with a checked once per extended basic block. (The
 * slow path of such an access: accel/tcg/tests/test-tcg-exec-user.)
 */
static void test_user_checked_disp(void **state)
{
    TCGv_i64 t;
    TCGLabel *l;
    TestEnv env;
    void *code;

    tcg_set_guest_addr_mask(~(GUEST_SPACE - 1), GUARD);
    tcg_func_start();
    t = tcg_temp_ebb_new_i64();
    tcg_gen_addi_i64(t, g_in64[1], 8);
    tcg_gen_qemu_st_i64(g_in64[0], t, 0, MO_LEUQ);             /* checks b64 */
    tcg_gen_addi_i64(t, g_in64[1], -16);
    tcg_gen_qemu_ld_i64(g_out64[0], t, 0, MO_LEUQ);            /* known */
    tcg_gen_qemu_ld_i64(g_out64[1], g_in64[1], 0, MO_UB);      /* known */
    tcg_gen_addi_i64(t, g_in64[1], 8);
    tcg_gen_qemu_ld_i64(g_out64[2], t, 0, MO_LEUL | MO_ALIGN); /* alignment: checked */
    l = gen_new_label();
    tcg_gen_brcondi_i64(TCG_COND_EQ, g_in64[2], 0, l);
    gen_set_label(l);
    tcg_gen_qemu_ld_i64(g_out64[3], g_in64[1], 0, MO_SB);      /* after a label: checked */
    tcg_gen_addi_i64(g_in64[1], g_in64[1], 1);
    tcg_gen_qemu_st_i64(g_in64[0], g_in64[1], 0, MO_8);        /* base written: checked */
    tcg_gen_addi_i64(t, g_in64[1], GUARD / 2 - 15);
    tcg_gen_qemu_st_i64(g_in64[0], t, 0, MO_8);                /* too far: not folded */
    code = test_gen();

    assert_access(0, g_in64[1], 8, false);
    assert_access(1, g_in64[1], -16, true);
    assert_access(2, g_in64[1], 0, true);
    assert_access(3, g_in64[1], 8, false);
    assert_access(4, g_in64[1], 0, false);
    assert_access(5, g_in64[1], 0, false);
    assert_true(arg_temp(nth_access(6)->args[1]) != tcgv_i64_temp(g_in64[1]));

    /* in range: the fast paths */
    memset(guest_mem, 0, 0x10000);
    env.in64[0] = 0x1122334455667788ull;
    env.in64[1] = 0x10100;
    env.in64[2] = 0;
    test_run(code, &env);
    assert_int_equal(*(uint64_t *)(guest_mem + 0x108), 0x1122334455667788ull);
    assert_int_equal(env.out64[0], 0);
    assert_int_equal(env.out64[2], 0x55667788);
    assert_int_equal(guest_mem[0x101], 0x88);
    assert_int_equal(guest_mem[0x101 + GUARD / 2 - 15], 0x88);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_ldst),
        cmocka_unit_test(test_user_checked_disp),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
