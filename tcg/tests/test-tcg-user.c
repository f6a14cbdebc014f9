/*
 * The user-mode (linux-user) flavour of guest memory accesses: no TLB,
 * guest address A is host address guest_base + A. Here guest_base does not
 * fit a 32-bit displacement, so the backend keeps it in a reserved register.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tcg-test-util.h"

static uint8_t *guest_mem;

static int setup(void **state)
{
    /* far from the low 2 GiB so that guest_base needs a register */
    guest_mem = mmap((void *)0x7e0000000000ull, 1 << 16, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(guest_mem != MAP_FAILED);
    tcg_context_init();
    tcg_set_guest_memory(true, (uintptr_t)guest_mem - 0x10000, 0, 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_ldst),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
