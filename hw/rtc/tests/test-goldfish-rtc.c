/* Goldfish RTC: wall-clock time, setting the time, alarm and interrupt. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "hw/rtc/goldfish_rtc.h"
#include "../../misc/tests/device-test.h"

#define SEC 1000000000LL

typedef struct Fixture {
    DeviceState *rtc;
    IrqSink sink;
} Fixture;

static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    device_test_setup(state);
    irq_sink_init(&f->sink);
    f->rtc = goldfish_rtc_create(0x101000, f->sink.lines[0]);
    f->rtc->dc->reset(f->rtc);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    device_test_destroy(f->rtc);
    irq_sink_free(&f->sink);
    g_free(f);
    return 0;
}

static int64_t read_time(Fixture *f)
{
    uint64_t lo = reg_read(f->rtc, GOLDFISH_RTC_TIME_LOW, 4);    /* latches HIGH */
    uint64_t hi = reg_read(f->rtc, GOLDFISH_RTC_TIME_HIGH, 4);

    return (int64_t)(hi << 32 | lo);
}

static void write64(Fixture *f, hwaddr low_reg, uint64_t v)
{
    reg_write(f->rtc, low_reg + 4, v >> 32, 4);
    reg_write(f->rtc, low_reg, (uint32_t)v, 4);
}

static void test_reads_host_time(void **state)
{
    Fixture *f = *state;
    int64_t host = g_get_real_time() * 1000;
    int64_t t = read_time(f);

    assert_true(llabs(t - host) < SEC / 2);
    g_usleep(10000);
    assert_true(read_time(f) - t >= 10 * 1000000LL);
}

static void test_set_time(void **state)
{
    Fixture *f = *state;
    int64_t target = 946684800LL * SEC;        /* 2000-01-01 */

    write64(f, GOLDFISH_RTC_TIME_LOW, target);
    int64_t t = read_time(f);
    assert_true(t >= target && t < target + SEC / 2);
    /* a reset keeps the time the guest set */
    f->rtc->dc->reset(f->rtc);
    t = read_time(f);
    assert_true(t >= target && t < target + SEC / 2);
}

static void test_alarm_in_past(void **state)
{
    Fixture *f = *state;

    write64(f, GOLDFISH_RTC_ALARM_LOW, read_time(f) - SEC);
    assert_int_equal(reg_read(f->rtc, GOLDFISH_RTC_ALARM_STATUS, 4), 0);
    assert_int_equal(f->sink.level[0], 0);     /* interrupt not enabled yet */
    reg_write(f->rtc, GOLDFISH_RTC_IRQ_ENABLED, 1, 4);
    assert_int_equal(f->sink.level[0], 1);
    reg_write(f->rtc, GOLDFISH_RTC_CLEAR_INTERRUPT, 1, 4);
    assert_int_equal(f->sink.level[0], 0);
}

static void test_alarm_fires(void **state)
{
    Fixture *f = *state;
    uint64_t when = read_time(f) + 20 * 1000000LL;    /* 20 ms */

    reg_write(f->rtc, GOLDFISH_RTC_IRQ_ENABLED, 1, 4);
    write64(f, GOLDFISH_RTC_ALARM_LOW, when);
    assert_int_equal(reg_read(f->rtc, GOLDFISH_RTC_ALARM_STATUS, 4), 1);
    assert_int_equal(reg_read(f->rtc, GOLDFISH_RTC_ALARM_LOW, 4), (uint32_t)when);
    assert_int_equal(reg_read(f->rtc, GOLDFISH_RTC_ALARM_HIGH, 4), when >> 32);
    assert_int_equal(f->sink.level[0], 0);
    assert_true(run_timers_until(&f->sink.level[0], 2000));
    assert_true((uint64_t)read_time(f) >= when);
    assert_int_equal(reg_read(f->rtc, GOLDFISH_RTC_ALARM_STATUS, 4), 0);
}

static void test_clear_alarm(void **state)
{
    Fixture *f = *state;

    reg_write(f->rtc, GOLDFISH_RTC_IRQ_ENABLED, 1, 4);
    write64(f, GOLDFISH_RTC_ALARM_LOW, read_time(f) + 10 * 1000000LL);
    reg_write(f->rtc, GOLDFISH_RTC_CLEAR_ALARM, 1, 4);
    assert_int_equal(reg_read(f->rtc, GOLDFISH_RTC_ALARM_STATUS, 4), 0);
    assert_false(run_timers_until(&f->sink.level[0], 50));
}

static void test_random_accesses(void **state)
{
    Fixture *f = *state;

    poke_randomly(f->rtc, 5000, 5);
    f->rtc->dc->reset(f->rtc);
    test_set_time(state);
    test_alarm_in_past(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_host_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm_in_past, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm_fires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear_alarm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_accesses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
