/* Unit tests for the device model: properties, -device, help, buses, reset, sysbus. */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "chardev/char.h"
#include "block/block-backend.h"
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

/* ---- test devices ---- */

typedef struct TestUart {
    DeviceState parent_obj;
    uint32_t regshift;
    uint8_t width;
    uint16_t fifo;
    uint64_t base;
    uint64_t ramsize;
    char *name;
    char *label;
    bool verbose;
    void *netdev;
    Chardev *chr;
    BlockBackend *drive;
    uint32_t regshift_at_init;     /* what instance_init saw */
    int resets;
    MemoryRegion mmio;
} TestUart;

static const Property uart_props[] = {
    DEFINE_PROP_UINT32("regshift", TestUart, regshift, 2, .desc = "register spacing"),
    DEFINE_PROP_UINT8("width", TestUart, width, 1),
    DEFINE_PROP_UINT16("fifo", TestUart, fifo, 16),
    DEFINE_PROP_UINT64("base", TestUart, base, 0x10000000),
    DEFINE_PROP_SIZE("ramsize", TestUart, ramsize, 4096),
    DEFINE_PROP_STRING("name", TestUart, name),
    DEFINE_PROP_STRING("label", TestUart, label, .defstr = "uart"),
    DEFINE_PROP_BOOL("verbose", TestUart, verbose, true),
    DEFINE_PROP_NETDEV("netdev", TestUart, netdev),
    DEFINE_PROP_CHR("chardev", TestUart, chr),
    DEFINE_PROP_DRIVE("drive", TestUart, drive),
    DEFINE_PROP_END_OF_LIST(),
};

static uint64_t uart_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x5a;
}

static const MemoryRegionOps uart_ops = { .read = uart_read };

static void uart_init(DeviceState *dev)
{
    TestUart *u = container_of(dev, TestUart, parent_obj);

    u->regshift_at_init = u->regshift;
    memory_region_init_io(&u->mmio, &uart_ops, u, "test-uart", 0x100);
    device_init_mmio(dev, &u->mmio);
}

static void uart_finalize(DeviceState *dev)
{
    TestUart *u = container_of(dev, TestUart, parent_obj);

    if (u->mmio.container) {
        memory_region_del_subregion(u->mmio.container, &u->mmio);
    }
    memory_region_destroy(&u->mmio);
}

static void uart_reset(DeviceState *dev)
{
    container_of(dev, TestUart, parent_obj)->resets++;
}

static bool uart_realize(DeviceState *dev, GError **errp)
{
    TestUart *u = container_of(dev, TestUart, parent_obj);

    if (u->width == 3) {
        error_setg(errp, "width 3 is not supported");
        return false;
    }
    return true;
}

static const DeviceClass uart_class = {
    .name = "test-uart", .desc = "Test UART", .category = "misc",
    .instance_size = sizeof(TestUart), .user_creatable = true, .props = uart_props,
    .instance_init = uart_init, .instance_finalize = uart_finalize,
    .realize = uart_realize, .reset = uart_reset,
};

static const DeviceClass internal_class = {
    .name = "test-internal", .desc = "Made by boards only", .category = "misc",
    .instance_size = sizeof(DeviceState),
};

/* A host with one test-bus that takes one device, and the device for it. */
typedef struct TestHost {
    DeviceState parent_obj;
    BusState *bus;
    DeviceState *plugged;
} TestHost;

static bool host_plug(BusState *bus, DeviceState *dev, GError **errp)
{
    TestHost *h = container_of(bus->parent, TestHost, parent_obj);

    if (h->plugged) {
        error_setg(errp, "already plugged");
        return false;
    }
    h->plugged = dev;
    return true;
}

static bool host_realize(DeviceState *dev, GError **errp)
{
    TestHost *h = container_of(dev, TestHost, parent_obj);

    h->bus = qbus_new("test-bus", dev, NULL, 1);
    h->bus->plug = host_plug;
    return true;
}

static const DeviceClass host_class = {
    .name = "test-host", .instance_size = sizeof(TestHost), .realize = host_realize,
};

typedef struct TestDisk {
    DeviceState parent_obj;
    uint32_t unit;
} TestDisk;

static const Property disk_props[] = {
    DEFINE_PROP_UINT32("unit", TestDisk, unit, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass disk_class = {
    .name = "test-disk", .desc = "Test disk", .category = "storage",
    .instance_size = sizeof(TestDisk), .user_creatable = true,
    .bus_type = "test-bus", .props = disk_props,
};

static void register_classes(void)
{
    device_class_register(&uart_class);
    device_class_register(&internal_class);
    device_class_register(&host_class);
    device_class_register(&disk_class);
}
type_init(register_classes)

/* ---- helpers ---- */

static TestUart *uart(DeviceState *dev)
{
    return container_of(dev, TestUart, parent_obj);
}

/* -device optstr must fail with exactly `msg`. */
static void expect_add_error(const char *optstr, const char *msg)
{
    GError *err = NULL;

    assert_null(qdev_device_add(optstr, &err));
    assert_non_null(err);
    assert_string_equal(err->message, msg);
    g_error_free(err);
}

static char *help_text(const char *optstr, bool *asked)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    *asked = qdev_device_help(optstr, f);
    fclose(f);
    return text;
}

/* ---- tests ---- */

static void test_defaults(void **state)
{
    DeviceState *dev = qdev_new("test-uart", NULL);
    TestUart *u = uart(dev);

    assert_non_null(dev);
    assert_ptr_equal(dev->dc, &uart_class);
    assert_false(dev->realized);
    assert_int_equal(u->regshift, 2);
    assert_int_equal(u->regshift_at_init, 2);    /* defaults precede instance_init */
    assert_int_equal(u->width, 1);
    assert_int_equal(u->fifo, 16);
    assert_int_equal(u->base, 0x10000000);
    assert_int_equal(u->ramsize, 4096);
    assert_null(u->name);
    assert_string_equal(u->label, "uart");
    assert_true(u->verbose);
    qdev_delete(dev);

    GError *err = NULL;
    assert_null(qdev_new("nosuchdev", &err));
    assert_string_equal(err->message, "no such device type 'nosuchdev'");
    g_error_free(err);
}

static void test_typed_setters(void **state)
{
    DeviceState *dev = qdev_new("test-uart", NULL);
    GError *err = NULL;

    qdev_prop_set_uint32(dev, "regshift", 0);
    qdev_prop_set_uint64(dev, "base", 0x123456789ull);
    qdev_prop_set_bool(dev, "verbose", false);
    qdev_prop_set_string(dev, "name", "uart0");
    qdev_prop_set_uint32(dev, "width", 4);
    assert_int_equal(uart(dev)->regshift, 0);
    assert_int_equal(uart(dev)->base, 0x123456789ull);
    assert_false(uart(dev)->verbose);
    assert_string_equal(uart(dev)->name, "uart0");
    assert_int_equal(uart(dev)->width, 4);

    assert_true(qdev_realize(dev, NULL, NULL));
    assert_false(qdev_prop_set(dev, "regshift", "1", &err));
    assert_string_equal(err->message,
                        "property 'regshift' cannot be changed after the device is realized");
    g_error_free(err);
    qdev_delete(dev);
}

static void test_property_errors(void **state)
{
    expect_add_error("test-uart,regshift=x",
                     "-device test-uart: property 'regshift': 'x' is not a number");
    expect_add_error("test-uart,width=256",
                     "-device test-uart: property 'width': '256' is out of range (0 to 255)");
    expect_add_error("test-uart,fifo=65536",
                     "-device test-uart: property 'fifo': '65536' is out of range (0 to 65535)");
    expect_add_error("test-uart,verbose=maybe",
                     "-device test-uart: property 'verbose': 'maybe' is not a boolean (use on or off)");
    expect_add_error("test-uart,ramsize=4Q",
                     "-device test-uart: property 'ramsize': size '4Q' has an invalid suffix"
                     " (use B, K, M, G, T, P or E)");
    expect_add_error("test-uart,foo=1",
                     "-device test-uart: unknown property 'foo' (try -device test-uart,help)");
    expect_add_error("test-uart,netdev=n0",
                     "-device test-uart: property 'netdev': netdev 'n0' not found"
                     " (define it with -netdev user,id=n0)");
    expect_add_error("nosuchdev", "-device nosuchdev: no such device type (try -device help)");
    expect_add_error("test-internal",
                     "-device test-internal: this device cannot be added with -device");
    expect_add_error("test-uart,width=3", "-device test-uart: width 3 is not supported");
    expect_add_error("test-uart,regshift=1,regshift=2",
                     "-device: parameter 'regshift' given twice");
    /* none of the failures left a device behind */
    assert_null(qdev_find_id("bad"));
    expect_add_error("test-uart,id=bad,regshift=x",
                     "-device test-uart: property 'regshift': 'x' is not a number");
    assert_null(qdev_find_id("bad"));
}

static void test_device_add(void **state)
{
    GError *err = NULL;
    DeviceState *dev = qdev_device_add(
        "test-uart,id=u0,regshift=0x3,base=0x20000000,ramsize=64K,name=a,,b,verbose=off",
        &err);
    TestUart *u;

    assert_null(err);
    assert_non_null(dev);
    u = uart(dev);
    assert_true(dev->realized);
    assert_string_equal(dev->id, "u0");
    assert_ptr_equal(qdev_find_id("u0"), dev);
    assert_int_equal(u->regshift, 3);
    assert_int_equal(u->base, 0x20000000);
    assert_int_equal(u->ramsize, 64 * 1024);
    assert_string_equal(u->name, "a,b");
    assert_false(u->verbose);
    assert_int_equal(u->width, 1);               /* untouched: default */

    expect_add_error("test-uart,id=u0", "-device test-uart: a device with id 'u0' already exists");
    qdev_delete(dev);
    assert_null(qdev_find_id("u0"));
}

static void test_backend_properties(void **state)
{
    char path[] = "/tmp/test-qdev-disk-XXXXXX";
    int fd = mkstemp(path);
    GError *err = NULL;

    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 1 << 20), 0);
    close(fd);
    g_autofree char *drive = g_strdup_printf("file=%s,format=raw,if=none,id=disk0", path);
    assert_true(drive_add(drive, &err));
    assert_non_null(qemu_chr_new_from_opts("null,id=con0", &err));
    assert_null(err);

    expect_add_error("test-uart,chardev=nope", "-device test-uart: property 'chardev': "
                     "chardev 'nope' not found (define it with -chardev ...,id=nope)");
    expect_add_error("test-uart,drive=nope", "-device test-uart: property 'drive': drive 'nope'"
                     " not found (define it with -drive ...,id=nope or -blockdev ...,node-name=nope)");
    DeviceState *dev = qdev_device_add("test-uart,chardev=con0,drive=disk0", &err);
    assert_null(err);
    assert_ptr_equal(uart(dev)->chr, qemu_chr_find("con0"));
    assert_ptr_equal(uart(dev)->drive, blk_by_name("disk0"));
    qdev_delete(dev);
    unlink(path);
}

static void test_help(void **state)
{
    bool asked;
    char *text = help_text("help", &asked);

    assert_true(asked);
    assert_non_null(strstr(text, "Misc devices:\nname \"test-uart\", desc \"Test UART\"\n"));
    assert_non_null(strstr(text, "Storage devices:\n"
                           "name \"test-disk\", bus test-bus, desc \"Test disk\"\n"));
    /* categories in order, and only devices -device can create */
    assert_true(strstr(text, "Misc devices:") < strstr(text, "Storage devices:"));
    assert_null(strstr(text, "test-internal"));
    assert_null(strstr(text, "test-host"));
    free(text);

    text = help_text("test-uart,help", &asked);
    assert_true(asked);
    assert_non_null(strstr(text, "test-uart options:\n"));
    assert_non_null(strstr(text, "  regshift=<uint32>        - register spacing (default: 2)\n"));
    assert_non_null(strstr(text, "  label=<str>              (default: uart)\n"));
    assert_non_null(strstr(text, "  base=<uint64>            (default: 0x10000000)\n"));
    assert_non_null(strstr(text, "  verbose=<bool>           (default: on)\n"));
    assert_non_null(strstr(text, "  name=<str>\n"));
    assert_non_null(strstr(text, "  netdev=<netdev>\n"));
    free(text);

    text = help_text("test-uart,?", &asked);
    assert_true(asked);
    free(text);
    text = help_text("test-uart,regshift=1", &asked);
    assert_false(asked);
    assert_string_equal(text, "");
    free(text);
    text = help_text("nosuchdev,help", &asked);   /* left to qdev_device_add's error */
    assert_false(asked);
    free(text);
}

static void test_bus_placement(void **state)
{
    DeviceState *h0 = qdev_new("test-host", NULL);
    DeviceState *h1 = qdev_new("test-host", NULL);
    DeviceState *d0, *d1, *d2;
    GError *err = NULL;

    /* no bus yet */
    expect_add_error("test-disk", "-device test-disk: no free test-bus for this device"
                     " (the machine has none, or all are in use)");
    qdev_realize_or_exit(h0, NULL);
    qdev_realize_or_exit(h1, NULL);
    TestHost *th0 = container_of(h0, TestHost, parent_obj);
    TestHost *th1 = container_of(h1, TestHost, parent_obj);
    assert_string_equal(th0->bus->name, "test-bus.0");
    assert_string_equal(th1->bus->name, "test-bus.1");
    assert_ptr_equal(h0->child_buses->pdata[0], th0->bus);

    /* a disk needs a bus */
    d0 = qdev_new("test-disk", NULL);
    assert_false(qdev_realize(d0, NULL, &err));
    assert_string_equal(err->message, "device 'test-disk' needs a test-bus to plug into");
    g_clear_error(&err);
    qdev_delete(d0);

    /* explicit bus= */
    d1 = qdev_device_add("test-disk,bus=test-bus.1,unit=1", &err);
    assert_non_null(d1);
    assert_ptr_equal(d1->parent_bus, th1->bus);
    assert_ptr_equal(th1->plugged, d1);
    /* first free bus */
    d0 = qdev_device_add("test-disk", &err);
    assert_non_null(d0);
    assert_ptr_equal(d0->parent_bus, th0->bus);
    assert_ptr_equal(th0->plugged, d0);
    assert_null(qbus_find_free("test-bus"));
    expect_add_error("test-disk", "-device test-disk: no free test-bus for this device"
                     " (the machine has none, or all are in use)");
    expect_add_error("test-disk,bus=test-bus.0", "-device test-disk: bus 'test-bus.0' is full");
    expect_add_error("test-disk,bus=nope", "-device test-disk: bus 'nope' not found");
    expect_add_error("test-uart,bus=test-bus.0",
                     "-device test-uart: device 'test-uart' does not plug into bus"
                     " 'test-bus.0' (a test-bus)");

    /* a refused plug leaves the bus free */
    qdev_delete(d0);
    assert_ptr_equal(qbus_find_free("test-bus"), th0->bus);
    d2 = qdev_device_add("test-disk", &err);     /* th0 still thinks d0 is plugged */
    assert_null(d2);
    assert_string_equal(err->message, "-device test-disk: already plugged");
    g_clear_error(&err);
    assert_int_equal(th0->bus->children->len, 0);
    assert_ptr_equal(qbus_find("test-bus.0"), th0->bus);

    qdev_delete(d1);
}

static void test_reset_and_sysbus(void **state)
{
    DeviceState *a = qdev_new("test-uart", NULL);
    DeviceState *b = qdev_new("test-uart", NULL);
    MemoryRegionSection s;

    qdev_realize_or_exit(a, NULL);
    qdev_reset_all();
    qdev_reset_all();
    assert_int_equal(uart(a)->resets, 2);
    assert_int_equal(uart(b)->resets, 0);        /* not realized */

    assert_int_equal(a->num_mmio, 1);
    sysbus_mmio_map(a, 0, 0x10000000);
    assert_true(address_space_lookup(get_system_address_space(), 0x10000010, &s));
    assert_ptr_equal(s.mr, &uart(a)->mmio);
    assert_int_equal(s.offset_within_region, 0x10);
    qdev_delete(a);                             /* finalize unmaps it */
    assert_false(address_space_lookup(get_system_address_space(), 0x10000010, &s));
    qdev_delete(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_typed_setters),
        cmocka_unit_test(test_property_errors),
        cmocka_unit_test(test_device_add),
        cmocka_unit_test(test_backend_properties),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_bus_placement),
        cmocka_unit_test(test_reset_and_sysbus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
