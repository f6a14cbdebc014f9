/* Unit tests for IRQ lines (hw/core/irq.c) and device IRQ wiring. */
#include "tern/osdep.h"
#include "hw/irq.h"
#include "hw/qdev.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

typedef struct Delivery {
    void *opaque;
    int n, level;
} Delivery;

static Delivery seen[16];
static int nseen;

static void record(void *opaque, int n, int level)
{
    seen[nseen++] = (Delivery){ opaque, n, level };
}

static void assert_delivery(int i, void *opaque, int n, int level)
{
    assert_ptr_equal(seen[i].opaque, opaque);
    assert_int_equal(seen[i].n, n);
    assert_int_equal(seen[i].level, level);
}

static void test_level(void **state)
{
    int owner;
    qemu_irq irq = qemu_allocate_irq(record, &owner, 5);

    nseen = 0;
    qemu_irq_raise(irq);
    qemu_set_irq(irq, 1);
    qemu_irq_lower(irq);
    assert_int_equal(nseen, 3);
    assert_delivery(0, &owner, 5, 1);
    assert_delivery(1, &owner, 5, 1);
    assert_delivery(2, &owner, 5, 0);
    qemu_free_irq(irq);
}

static void test_pulse(void **state)
{
    qemu_irq irq = qemu_allocate_irq(record, NULL, 0);

    nseen = 0;
    qemu_irq_pulse(irq);
    assert_int_equal(nseen, 2);
    assert_delivery(0, NULL, 0, 1);
    assert_delivery(1, NULL, 0, 0);
    qemu_free_irq(irq);
}

static void test_null_line(void **state)
{
    nseen = 0;
    qemu_set_irq(NULL, 1);
    qemu_irq_pulse(NULL);
    assert_int_equal(nseen, 0);
}

static void test_array(void **state)
{
    int owner;
    qemu_irq *irqs = qemu_allocate_irqs(record, &owner, 4);

    nseen = 0;
    for (int i = 3; i >= 0; i--) {
        qemu_set_irq(irqs[i], i + 10);
    }
    assert_int_equal(nseen, 4);
    for (int i = 0; i < 4; i++) {
        assert_delivery(i, &owner, 3 - i, 13 - i);
    }
    qemu_free_irqs(irqs, 4);
}

/* A device with two output lines wired into a controller's inputs. */
typedef struct Src {
    DeviceState parent_obj;
    qemu_irq a, b;
} Src;

static void src_init(DeviceState *dev)
{
    Src *s = container_of(dev, Src, parent_obj);

    device_init_irq(dev, &s->a);
    device_init_irq(dev, &s->b);
}

static const DeviceClass src_class = {
    .name = "irq-test-src", .instance_size = sizeof(Src), .instance_init = src_init,
};

static void ctl_init(DeviceState *dev)
{
    device_init_gpio_in(dev, record, 8);
}

static const DeviceClass ctl_class = {
    .name = "irq-test-ctl", .instance_size = sizeof(DeviceState), .instance_init = ctl_init,
};

static void register_classes(void)
{
    device_class_register(&src_class);
    device_class_register(&ctl_class);
}
type_init(register_classes)

static void test_device_wiring(void **state)
{
    DeviceState *src = qdev_new("irq-test-src", NULL);
    DeviceState *ctl = qdev_new("irq-test-ctl", NULL);
    Src *s = container_of(src, Src, parent_obj);

    assert_non_null(src);
    assert_non_null(ctl);
    qdev_realize_or_exit(src, NULL);
    qdev_realize_or_exit(ctl, NULL);
    assert_int_equal(src->num_irq_out, 2);
    sysbus_connect_irq(src, 1, device_gpio_in(ctl, 6));

    nseen = 0;
    qemu_irq_raise(s->a);            /* not connected: goes nowhere */
    qemu_irq_raise(s->b);
    assert_int_equal(nseen, 1);
    assert_delivery(0, ctl, 6, 1);
    qdev_delete(src);
    qdev_delete(ctl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level),
        cmocka_unit_test(test_pulse),
        cmocka_unit_test(test_null_line),
        cmocka_unit_test(test_array),
        cmocka_unit_test(test_device_wiring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
