/*
 * The translator runtime in user mode (as linux-user uses it): guest
 * address A is host guest_base + A, no TLB. The toy target runs loops,
 * loads and stores through guest_base, alignment faults raised from the
 * slow path with the precise pc (returned by cpu_exec, as linux-user
 * expects), and the code-page hook.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/mman.h>
#include "toy-target.h"

static GPtrArray *hooked_pages;

static void code_page_hook(uint64_t page)
{
    g_ptr_array_add(hooked_pages, (void *)(uintptr_t)page);
}

static int setup(void **state)
{
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(ram != MAP_FAILED);
    hooked_pages = g_ptr_array_new();
    tcg_user_code_page_hook = code_page_hook;
    toy = g_new0(ToyCPU, 1);
    cpu_common_init(&toy->parent, &toy_class, &toy->env, NULL);
    tcg_exec_init(&toy_tcg_ops, 1u << 20, true, (uintptr_t)ram);
    tcg_cpu_init(&toy->parent);
    return 0;
}

static void test_user_loop_and_memory(void **state)
{
    const uint32_t code[] = {
        I(OP_ST, 2, 5, 0),           /* 0x1000: mem[r5] = r2 */
        I(OP_LD, 3, 5, 0),           /*         r3 = mem[r5] */
        I(OP_ADD, 1, 3, 0),          /*         r1 += r3 */
        I(OP_ADDI, 5, 5, 8),         /*         r5 += 8 */
        I(OP_ADDI, 2, 2, -1),        /*         r2 -= 1 */
        I(OP_BNE, 2, 0, -5),         /*         loop while r2 != 0 */
        I(OP_STOP, 0, 0, 0),
    };
    uint64_t v;

    put_code(0x1000, code, 7);
    reset_cpu(0x1000);
    toy->env.regs[2] = 100;
    toy->env.regs[5] = 0x40000;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 100 * 101 / 2);
    memcpy(&v, ram + 0x40000, 8);
    assert_int_equal(v, 100);
    memcpy(&v, ram + 0x40000 + 99 * 8, 8);
    assert_int_equal(v, 1);
    /* the code page was reported for write protection */
    assert_true(hooked_pages->len >= 1);
    assert_ptr_equal(g_ptr_array_index(hooked_pages, 0), (void *)(uintptr_t)0x1000);
}

static void test_user_alignment_fault(void **state)
{
    const uint32_t code[] = {
        I(OP_ADDI, 1, 0, 9),         /* 0x2000 */
        I(OP_LW, 3, 4, 0),           /* 0x2004: 4-byte aligned load */
        I(OP_ADDI, 1, 0, 10),
        I(OP_STOP, 0, 0, 0),
    };

    put_code(0x2000, code, 4);
    memcpy(ram + 0x50000, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    reset_cpu(0x2000);
    toy->env.regs[4] = 0x50000;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[3], 0x44332211);
    assert_int_equal(toy->env.regs[1], 10);

    /* user mode: cpu_exec returns the target exception, state restored */
    reset_cpu(0x2000);
    toy->env.regs[4] = 0x50001;
    assert_int_equal(run(), EXC_ALIGN);
    assert_int_equal(toy->env.pc, 0x2004);
    assert_int_equal(toy->env.regs[1], 9);
}

/* Code rewritten by the guest is seen after the runtime is told (fault hook). */
static void test_user_invalidate(void **state)
{
    const uint32_t code[] = { I(OP_ADDI, 1, 1, 1), I(OP_STOP, 0, 0, 0) };
    uint32_t insn = I(OP_ADDI, 1, 1, 50);

    put_code(0x3000, code, 2);
    reset_cpu(0x3000);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 1);
    put_code(0x3000, &insn, 1);
    tb_invalidate_phys_range(0x3000, 0x3004);
    reset_cpu(0x3000);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 50);
}

/*
 * With the address check on (tcg_set_guest_addr_mask), a base register
 * outside the range with base + offset inside it: the check of the base
 * fails and the slow path accesses base + offset; the next access through
 * the same base skips the check (its offset keeps it inside RAM here).
 */
static void test_user_disp_slow_path(void **state)
{
    const uint32_t code[] = {
        I(OP_ST, 2, 5, -16),         /* 0x4000: mem[r5 - 16] = r2 */
        I(OP_LD, 3, 5, -32),         /*         r3 = mem[r5 - 32] */
        I(OP_STOP, 0, 0, 0),
    };
    uint64_t v = 0x0123456789abcdefull;

    tcg_set_guest_addr_mask(~(uint64_t)(RAM_SIZE - 1), 1u << 16);
    put_code(0x4000, code, 3);
    memcpy(ram + RAM_SIZE - 24, &v, 8);
    reset_cpu(0x4000);
    toy->env.regs[2] = 0x1122334455667788ull;
    toy->env.regs[5] = RAM_SIZE + 8;
    assert_int_equal(run(), EXCP_DEBUG);
    memcpy(&v, ram + RAM_SIZE - 8, 8);
    assert_int_equal(v, 0x1122334455667788ull);
    assert_int_equal(toy->env.regs[3], 0x0123456789abcdefull);
    tcg_set_guest_addr_mask(0, 0);
}

static void test_user_indirect_sites(void **state)
{
    check_indirect_sites(0x6000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_loop_and_memory),
        cmocka_unit_test(test_user_alignment_fault),
        cmocka_unit_test(test_user_invalidate),
        cmocka_unit_test(test_user_disp_slow_path),
        cmocka_unit_test(test_user_indirect_sites),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
