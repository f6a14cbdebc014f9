/* SiFive test finisher: lets a guest power off or reset the machine, or exit with a status. */
#include "tern/osdep.h"
#include "hw/misc/sifive_test.h"
#include "sysemu/runstate.h"

static uint64_t test_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void test_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    uint32_t status = val & 0xffff;
    uint32_t code = (val >> 16) & 0xffff;

    if (addr != 0) {
        tern_log_mask(LOG_GUEST_ERROR, "sifive_test: write to unknown offset 0x%"
                      HWADDR_PRIx "\n", addr);
        return;
    }
    switch (status) {
    case SIFIVE_TEST_PASS:
        qemu_system_shutdown_request(0);
        break;
    case SIFIVE_TEST_FAIL:
        qemu_system_shutdown_request(code);
        break;
    case SIFIVE_TEST_RESET:
        qemu_system_reset_request();
        break;
    default:
        tern_log_mask(LOG_GUEST_ERROR, "sifive_test: unknown command 0x%" PRIx64 "\n", val);
        break;
    }
}

static const MemoryRegionOps test_ops = {
    .read = test_read,
    .write = test_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 2, .max_access_size = 4 },
};

static bool test_realize(DeviceState *dev, GError **errp)
{
    SiFiveTestState *s = container_of(dev, SiFiveTestState, parent_obj);

    memory_region_init_io(&s->mmio, &test_ops, s, TYPE_SIFIVE_TEST, 0x1000);
    device_init_mmio(dev, &s->mmio);
    return true;
}

static const Property test_props[] = {
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass test_class = {
    .name = TYPE_SIFIVE_TEST,
    .desc = "SiFive test finisher",
    .category = "misc",
    .instance_size = sizeof(SiFiveTestState),
    .props = test_props,
    .realize = test_realize,
};

static void test_register(void)
{
    device_class_register(&test_class);
}
type_init(test_register)

DeviceState *sifive_test_create(hwaddr addr)
{
    DeviceState *dev = qdev_new_or_exit(TYPE_SIFIVE_TEST);

    qdev_realize_or_exit(dev, NULL);
    sysbus_mmio_map(dev, 0, addr);
    return dev;
}
