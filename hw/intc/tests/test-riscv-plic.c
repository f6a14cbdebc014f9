/* PLIC: priorities, thresholds, per-context enables, claim/complete, gateways. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "hw/intc/riscv_plic.h"
#include "../../misc/tests/device-test.h"

#define NSRC 96
#define NCTX 4

typedef struct Fixture {
    DeviceState *plic;
    IrqSink sink;
} Fixture;

static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    device_test_setup(state);
    f->plic = riscv_plic_create(0xc000000, 0x600000, NSRC, NCTX, 7);
    irq_sink_init(&f->sink);
    for (int c = 0; c < NCTX; c++) {
        sysbus_connect_irq(f->plic, c, f->sink.lines[c]);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    device_test_destroy(f->plic);
    irq_sink_free(&f->sink);
    g_free(f);
    return 0;
}

static void set_source(Fixture *f, int id, int level)
{
    qemu_set_irq(device_gpio_in(f->plic, id), level);
}

static void set_priority(Fixture *f, int id, uint32_t prio)
{
    reg_write(f->plic, PLIC_PRIORITY_BASE + 4 * id, prio, 4);
}

static void enable(Fixture *f, int ctx, int id, bool on)
{
    hwaddr a = PLIC_ENABLE_BASE + ctx * PLIC_ENABLE_STRIDE + 4 * (id / 32);
    uint32_t v = reg_read(f->plic, a, 4);

    v = on ? v | (1u << (id % 32)) : v & ~(1u << (id % 32));
    reg_write(f->plic, a, v, 4);
}

static void set_threshold(Fixture *f, int ctx, uint32_t t)
{
    reg_write(f->plic, PLIC_CONTEXT_BASE + ctx * PLIC_CONTEXT_STRIDE, t, 4);
}

static uint32_t claim(Fixture *f, int ctx)
{
    return reg_read(f->plic, PLIC_CONTEXT_BASE + ctx * PLIC_CONTEXT_STRIDE + 4, 4);
}

static void complete(Fixture *f, int ctx, uint32_t id)
{
    reg_write(f->plic, PLIC_CONTEXT_BASE + ctx * PLIC_CONTEXT_STRIDE + 4, id, 4);
}

static bool pending(Fixture *f, int id)
{
    return reg_read(f->plic, PLIC_PENDING_BASE + 4 * (id / 32), 4) & (1u << (id % 32));
}

static void test_priority_threshold(void **state)
{
    Fixture *f = *state;

    set_priority(f, 10, 3);
    enable(f, 1, 10, true);
    set_source(f, 10, 1);
    assert_true(pending(f, 10));
    assert_int_equal(f->sink.level[1], 1);
    assert_int_equal(f->sink.level[0], 0);      /* not enabled there */

    set_threshold(f, 1, 3);                     /* priority must exceed threshold */
    assert_int_equal(f->sink.level[1], 0);
    assert_int_equal(claim(f, 1), 0);
    set_threshold(f, 1, 2);
    assert_int_equal(f->sink.level[1], 1);

    set_priority(f, 10, 0);                     /* priority 0: never interrupts */
    assert_int_equal(f->sink.level[1], 0);
    assert_true(pending(f, 10));
}

static void test_priority_warl(void **state)
{
    Fixture *f = *state;

    set_priority(f, 5, 0xffffffff);
    assert_int_equal(reg_read(f->plic, PLIC_PRIORITY_BASE + 4 * 5, 4), 7);
    set_threshold(f, 2, 100);
    assert_int_equal(reg_read(f->plic, PLIC_CONTEXT_BASE + 2 * PLIC_CONTEXT_STRIDE, 4), 7);
    /* id 0 does not exist: no priority register, enable bit hardwired to 0 */
    reg_write(f->plic, PLIC_PRIORITY_BASE, 5, 4);
    assert_int_equal(reg_read(f->plic, PLIC_PRIORITY_BASE, 4), 0);
    reg_write(f->plic, PLIC_ENABLE_BASE, 0xffffffff, 4);
    assert_int_equal(reg_read(f->plic, PLIC_ENABLE_BASE, 4), 0xfffffffe);
    /* ids above num-sources (96) do not exist either */
    reg_write(f->plic, PLIC_ENABLE_BASE + 4 * 3, 0xffffffff, 4);
    assert_int_equal(reg_read(f->plic, PLIC_ENABLE_BASE + 4 * 3, 4), 1);   /* id 96 */
    reg_write(f->plic, PLIC_ENABLE_BASE + 4 * 2, 0xffffffff, 4);
    assert_int_equal(reg_read(f->plic, PLIC_ENABLE_BASE + 4 * 2, 4), 0xffffffff);
    /* beyond the last source and context: reads as 0, writes ignored */
    reg_write(f->plic, PLIC_PRIORITY_BASE + 4 * (NSRC + 1), 5, 4);
    assert_int_equal(reg_read(f->plic, PLIC_PRIORITY_BASE + 4 * (NSRC + 1), 4), 0);
    assert_int_equal(reg_read(f->plic, PLIC_CONTEXT_BASE + NCTX * PLIC_CONTEXT_STRIDE + 4, 4), 0);
    /* pending is read-only */
    reg_write(f->plic, PLIC_PENDING_BASE, 0xffffffff, 4);
    assert_int_equal(reg_read(f->plic, PLIC_PENDING_BASE, 4), 0);
}

static void test_claim_order(void **state)
{
    Fixture *f = *state;

    enable(f, 0, 3, true);
    enable(f, 0, 7, true);
    enable(f, 0, 40, true);                     /* in the second bitmap word */
    set_priority(f, 3, 2);
    set_priority(f, 7, 2);
    set_priority(f, 40, 6);
    set_source(f, 3, 1);
    set_source(f, 7, 1);
    set_source(f, 40, 1);

    assert_int_equal(claim(f, 0), 40);          /* highest priority first */
    assert_false(pending(f, 40));
    assert_int_equal(claim(f, 0), 3);           /* equal priority: lowest id */
    assert_int_equal(claim(f, 0), 7);
    assert_int_equal(claim(f, 0), 0);           /* all claimed */
    assert_int_equal(f->sink.level[0], 0);

    /* completing with the line still high makes the source pending again */
    complete(f, 0, 40);
    assert_true(pending(f, 40));
    assert_int_equal(f->sink.level[0], 1);
    assert_int_equal(claim(f, 0), 40);

    /* a line that went low is not pending after completion */
    set_source(f, 3, 0);
    complete(f, 0, 3);
    assert_false(pending(f, 3));
    assert_int_equal(claim(f, 0), 0);
}

static void test_claimed_gateway_holds(void **state)
{
    Fixture *f = *state;

    enable(f, 0, 9, true);
    set_priority(f, 9, 1);
    set_source(f, 9, 1);
    assert_int_equal(claim(f, 0), 9);
    /* new edges while claimed are held back by the gateway */
    set_source(f, 9, 0);
    set_source(f, 9, 1);
    assert_false(pending(f, 9));
    assert_int_equal(f->sink.level[0], 0);
    complete(f, 0, 9);
    assert_true(pending(f, 9));
    assert_int_equal(f->sink.level[0], 1);
}

static void test_enable_per_context(void **state)
{
    Fixture *f = *state;

    set_priority(f, 20, 1);
    enable(f, 2, 20, true);
    set_source(f, 20, 1);
    assert_int_equal(f->sink.level[2], 1);
    assert_int_equal(f->sink.level[3], 0);
    assert_int_equal(claim(f, 3), 0);           /* not enabled for context 3 */

    enable(f, 3, 20, true);
    assert_int_equal(f->sink.level[3], 1);
    assert_int_equal(claim(f, 3), 20);
    /* one claim serves every context */
    assert_int_equal(f->sink.level[2], 0);
    assert_int_equal(claim(f, 2), 0);

    /* a completion from a context where the source is disabled is ignored */
    enable(f, 3, 20, false);
    complete(f, 3, 20);
    assert_int_equal(claim(f, 2), 0);
    complete(f, 2, 20);
    assert_int_equal(claim(f, 2), 20);
}

static void test_reset(void **state)
{
    Fixture *f = *state;

    set_priority(f, 1, 1);
    enable(f, 0, 1, true);
    set_source(f, 1, 1);
    assert_int_equal(f->sink.level[0], 1);
    f->plic->dc->reset(f->plic);
    assert_int_equal(f->sink.level[0], 0);
    assert_int_equal(reg_read(f->plic, PLIC_PRIORITY_BASE + 4, 4), 0);
    assert_true(pending(f, 1));                 /* the line is still high */
}

static void test_random_accesses(void **state)
{
    Fixture *f = *state;

    for (int id = 1; id <= NSRC; id += 7) {
        set_source(f, id, id & 1);
    }
    /* the register file is mostly holes: aim at the populated parts too */
    poke_randomly(f->plic, 20000, 1);
    f->plic->dc->reset(f->plic);
    for (int id = 1; id <= NSRC; id += 7) {
        set_source(f, id, 0);
    }
    test_claim_order(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_priority_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_warl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claimed_gateway_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enable_per_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_accesses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
