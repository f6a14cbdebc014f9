/* ACLINT: msip -> MSIP, mtime, mtimecmp -> MTIP (now and by timer), Sstc stimecmp -> STIP. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "hw/intc/riscv_aclint.h"
#include "../../misc/tests/device-test.h"

#define NHARTS 2
#define MTIME ACLINT_MTIME_OFFSET
#define FREQ 10000000ULL

typedef struct Fixture {
    DeviceState *swi, *mtimer;
    IrqSink sink;
} Fixture;

static DeviceState *make(const char *type)
{
    GError *err = NULL;
    DeviceState *dev = qdev_new(type, &err);

    assert_non_null(dev);
    qdev_prop_set_uint32(dev, "num-harts", NHARTS);
    assert_true(qdev_realize(dev, NULL, &err));
    return dev;
}

/* sink lines: 0..N-1 MSIP, 10.. MTIP, 20.. STIP */
static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    device_test_setup(state);
    irq_sink_init(&f->sink);
    f->swi = make(TYPE_RISCV_ACLINT_SWI);
    f->mtimer = make(TYPE_RISCV_ACLINT_MTIMER);
    for (int i = 0; i < NHARTS; i++) {
        sysbus_connect_irq(f->swi, i, f->sink.lines[i]);
        sysbus_connect_irq(f->mtimer, i, f->sink.lines[10 + i]);
        sysbus_connect_irq(f->mtimer, ACLINT_STIP_OUTPUT(i), f->sink.lines[20 + i]);
        /* CPUs are only compared, never dereferenced */
        riscv_aclint_mtimer_set_hart(f->mtimer, i, (RISCVCPU *)(uintptr_t)(0x1000 + i));
    }
    f->mtimer->dc->reset(f->mtimer);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    qdev_delete(f->swi);
    qdev_delete(f->mtimer);
    irq_sink_free(&f->sink);
    g_free(f);
    return 0;
}

static void test_msip(void **state)
{
    Fixture *f = *state;

    reg_write(f->swi, 4, 1, 4);
    assert_int_equal(f->sink.level[1], 1);
    assert_int_equal(f->sink.level[0], 0);
    assert_int_equal(reg_read(f->swi, 4, 4), 1);
    reg_write(f->swi, 4, 0xfffffffe, 4);        /* only bit 0 exists */
    assert_int_equal(f->sink.level[1], 0);
    assert_int_equal(reg_read(f->swi, 4, 4), 0);
    /* beyond the last hart: ignored */
    reg_write(f->swi, 4 * NHARTS, 1, 4);
    assert_int_equal(reg_read(f->swi, 4 * NHARTS, 4), 0);
}

static void test_mtime_counts_at_timebase(void **state)
{
    Fixture *f = *state;
    int64_t ns0 = clock_get_ns(CLOCK_VIRTUAL);
    uint64_t t0 = reg_read(f->mtimer, MTIME, 8);

    g_usleep(20000);
    uint64_t t1 = reg_read(f->mtimer, MTIME, 8);
    int64_t ns1 = clock_get_ns(CLOCK_VIRTUAL);
    uint64_t expect = (uint64_t)(ns1 - ns0) * FREQ / 1000000000ULL;

    assert_true(t1 > t0);
    /* 10 MHz of CLOCK_VIRTUAL, within 1 ms of slack for the reads */
    assert_true(t1 - t0 <= expect + 10000);
    assert_true(t1 - t0 + 10000 >= expect);
    /* 32-bit halves read the same counter */
    uint64_t lo = reg_read(f->mtimer, MTIME, 4), hi = reg_read(f->mtimer, MTIME + 4, 4);
    assert_true(((hi << 32) | lo) >= t1);
    assert_int_equal(riscv_aclint_mtimer_time_source(f->mtimer)->timebase_hz, FREQ);
}

static void test_mtime_write(void **state)
{
    Fixture *f = *state;
    uint64_t big = 0x123400000000ULL;

    reg_write(f->mtimer, 0, big + FREQ, 8);     /* hart 0: 1 s after the new time */
    assert_int_equal(f->sink.level[10], 0);
    reg_write(f->mtimer, MTIME, big, 8);
    uint64_t now = reg_read(f->mtimer, MTIME, 8);
    assert_true(now >= big && now < big + FREQ / 10);
    assert_int_equal(f->sink.level[10], 0);
    reg_write(f->mtimer, MTIME, big + 2 * FREQ, 8);   /* jump past mtimecmp */
    assert_int_equal(f->sink.level[10], 1);
    const RISCVTimeSource *ts = riscv_aclint_mtimer_time_source(f->mtimer);
    assert_true(ts->read_mtime(ts->opaque) >= big + 2 * FREQ);
}

static void test_mtimecmp_immediate(void **state)
{
    Fixture *f = *state;

    assert_int_equal(f->sink.level[10], 0);     /* reset: mtimecmp = -1 */
    reg_write(f->mtimer, 8, 0, 8);              /* hart 1, already passed */
    assert_int_equal(f->sink.level[11], 1);
    assert_int_equal(f->sink.level[10], 0);
    reg_write(f->mtimer, 8, UINT64_MAX, 8);
    assert_int_equal(f->sink.level[11], 0);
    /* 32-bit halves: high then low; mtime is still far below 2^32 - 1 ticks (429 s) */
    assert_true(reg_read(f->mtimer, MTIME, 8) < 0xffffffffULL);
    reg_write(f->mtimer, 8 + 4, 0, 4);
    assert_int_equal(reg_read(f->mtimer, 8, 8), 0xffffffffULL);
    assert_int_equal(f->sink.level[11], 0);
    reg_write(f->mtimer, 8, 5, 4);
    assert_int_equal(reg_read(f->mtimer, 8, 8), 5);
    assert_int_equal(reg_read(f->mtimer, 8 + 4, 4), 0);
    assert_int_equal(f->sink.level[11], 1);
}

static void test_mtimecmp_timer(void **state)
{
    Fixture *f = *state;
    uint64_t now = reg_read(f->mtimer, MTIME, 8);
    int64_t t0 = g_get_monotonic_time();

    reg_write(f->mtimer, 0, now + FREQ / 100, 8);     /* 10 ms from now */
    assert_int_equal(f->sink.level[10], 0);
    assert_true(run_timers_until(&f->sink.level[10], 2000));
    assert_true(reg_read(f->mtimer, MTIME, 8) >= now + FREQ / 100);
    assert_true(g_get_monotonic_time() - t0 >= 9000);
    assert_int_equal(f->sink.level[11], 0);
    /* rewriting it into the future lowers MTIP */
    reg_write(f->mtimer, 0, now + 100 * FREQ, 8);
    assert_int_equal(f->sink.level[10], 0);
}

static void test_stimecmp(void **state)
{
    Fixture *f = *state;
    const RISCVTimeSource *ts = riscv_aclint_mtimer_time_source(f->mtimer);
    RISCVCPU *hart1 = (RISCVCPU *)(uintptr_t)0x1001;
    uint64_t now = ts->read_mtime(ts->opaque);

    ts->stimecmp_changed(ts->opaque, hart1, 0);
    assert_int_equal(f->sink.level[21], 1);
    assert_int_equal(f->sink.level[20], 0);
    assert_int_equal(f->sink.level[11], 0);     /* MTIP untouched */
    ts->stimecmp_changed(ts->opaque, hart1, now + FREQ / 200);   /* 5 ms */
    assert_int_equal(f->sink.level[21], 0);
    assert_true(run_timers_until(&f->sink.level[21], 2000));
    ts->stimecmp_changed(ts->opaque, hart1, UINT64_MAX);
    assert_int_equal(f->sink.level[21], 0);
}

static void test_random_accesses(void **state)
{
    Fixture *f = *state;

    poke_randomly(f->swi, 5000, 3);
    poke_randomly(f->mtimer, 5000, 4);
    f->swi->dc->reset(f->swi);
    f->mtimer->dc->reset(f->mtimer);
    test_msip(state);
    test_mtimecmp_immediate(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_msip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtime_counts_at_timebase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtime_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtimecmp_immediate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtimecmp_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stimecmp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_accesses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
