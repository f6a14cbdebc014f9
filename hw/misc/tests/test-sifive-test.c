/* SiFive test finisher: pass, fail with a code, reset, and ignored commands. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "hw/misc/sifive_test.h"
#include "../../misc/tests/device-test.h"

static DeviceState *make(void)
{
    return sifive_test_create(0x100000);
}

/* The exit status the main loop would end with, or -1 if it would go on. */
static int requested_exit(void)
{
    int status = -1;

    return runstate_handle_requests(&status) ? status : -1;
}

static void test_pass(void **state)
{
    DeviceState *dev = make();

    assert_int_equal(requested_exit(), -1);
    reg_write(dev, 0, SIFIVE_TEST_PASS, 4);
    assert_int_equal(requested_exit(), 0);
    device_test_destroy(dev);
}

static void test_fail_code(void **state)
{
    DeviceState *dev = make();

    reg_write(dev, 0, (42u << 16) | SIFIVE_TEST_FAIL, 4);
    assert_int_equal(requested_exit(), 42);
    reg_write(dev, 0, SIFIVE_TEST_PASS, 2);      /* 16-bit writes work too */
    assert_int_equal(requested_exit(), 0);
    device_test_destroy(dev);
}

static int resets;
static void count_reset(void *opaque)
{
    resets++;
}

static void test_reset_and_junk(void **state)
{
    DeviceState *dev = make();

    qemu_register_reset(count_reset, NULL);
    reg_write(dev, 0, 0x1234, 4);                /* unknown command: ignored */
    reg_write(dev, 4, SIFIVE_TEST_PASS, 4);      /* other offsets: ignored */
    assert_int_equal(requested_exit(), -1);
    assert_int_equal(resets, 0);
    reg_write(dev, 0, SIFIVE_TEST_RESET, 4);
    assert_int_equal(requested_exit(), -1);      /* a reset does not end the program */
    assert_int_equal(resets, 1);
    assert_int_equal(reg_read(dev, 0, 4), 0);
    device_test_destroy(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pass, device_test_setup),
        cmocka_unit_test_setup(test_fail_code, device_test_setup),
        cmocka_unit_test_setup(test_reset_and_junk, device_test_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
