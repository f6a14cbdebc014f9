/* PCI bus and gpex host: ECAM, BAR sizing and mapping, INTx swizzle, capabilities, slots. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "hw/pci/gpex.h"
#include "../../misc/tests/device-test.h"

#define ECAM   0x30000000ULL
#define MMIO32 0x40000000ULL
#define MMIO64 0x400000000ULL
#define PIO    0x03000000ULL

/* A test function: a 4 KiB MMIO BAR 0, a 64-bit 1 MiB BAR 2, a 32-byte I/O BAR 4. */
typedef struct TestDev {
    PCIDevice pci;
    MemoryRegion bar0, bar2, bar4;
    uint32_t reg;
} TestDev;

static uint64_t tdev_read(void *opaque, hwaddr addr, unsigned size)
{
    return ((TestDev *)opaque)->reg + addr;
}

static void tdev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ((TestDev *)opaque)->reg = val;
}

static const MemoryRegionOps tdev_ops = {
    .read = tdev_read, .write = tdev_write, .endianness = DEVICE_LITTLE_ENDIAN,
};

static bool tdev_realize(DeviceState *dev, GError **errp)
{
    TestDev *t = container_of(dev, TestDev, pci.parent_obj);

    pci_config_init(&t->pci, 0x1234, 0x5678, 0xff0000, 1, 2 /* INTB */);
    memory_region_init_io(&t->bar0, &tdev_ops, t, "tdev-bar0", 0x1000);
    memory_region_init_io(&t->bar2, &tdev_ops, t, "tdev-bar2", 0x100000);
    memory_region_init_io(&t->bar4, &tdev_ops, t, "tdev-bar4", 0x20);
    pci_register_bar(&t->pci, 0, 0, &t->bar0);
    pci_register_bar(&t->pci, 2, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &t->bar2);
    pci_register_bar(&t->pci, 4, PCI_BASE_ADDRESS_SPACE_IO, &t->bar4);
    pci_add_capability(&t->pci, 0x09, 16);
    pci_add_capability(&t->pci, 0x09, 6);
    return true;
}

static const Property tdev_props[] = {
    DEFINE_PROP_PCI_DEVFN("addr", TestDev, pci.addr_prop),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass tdev_class = {
    .name = "pci-test-dev", .instance_size = sizeof(TestDev), .user_creatable = true,
    .bus_type = TYPE_PCI_BUS, .props = tdev_props, .realize = tdev_realize,
};

static DeviceState *host;
static IrqSink sink;

static uint32_t cfg_read(int devfn, unsigned reg, unsigned size)
{
    uint64_t v = 0;

    assert_int_equal(address_space_load(get_system_address_space(),
                                        ECAM + ((hwaddr)devfn << 12) + reg, size, &v), MEMTX_OK);
    return v;
}

static void cfg_write(int devfn, unsigned reg, uint32_t val, unsigned size)
{
    assert_int_equal(address_space_store(get_system_address_space(),
                                         ECAM + ((hwaddr)devfn << 12) + reg, size, val), MEMTX_OK);
}

static void test_host_bridge(void **state)
{
    assert_int_equal(cfg_read(0, PCI_VENDOR_ID, 4), 0x00081b36);
    assert_int_equal(cfg_read(0, PCI_REVISION_ID, 4) >> 8, 0x060000);
    assert_int_equal(cfg_read(0, PCI_VENDOR_ID, 2), 0x1b36);
    /* absent functions and buses read as all ones, writes vanish */
    assert_int_equal(cfg_read(PCI_DEVFN(31, 7), 0, 4), 0xffffffff);
    assert_int_equal(cfg_read(PCI_DEVFN(31, 7), 0, 1), 0xff);
    cfg_write(PCI_DEVFN(31, 7), PCI_COMMAND, 7, 2);
    assert_int_equal(cfg_read(256 /* bus 1 */, 0, 4), 0xffffffff);
    /* read-only identity */
    cfg_write(0, PCI_VENDOR_ID, 0xdeadbeef, 4);
    assert_int_equal(cfg_read(0, PCI_VENDOR_ID, 4), 0x00081b36);
}

static void test_bars(void **state)
{
    GError *err = NULL;
    DeviceState *d = qdev_device_add("pci-test-dev,addr=3", &err);
    int devfn = PCI_DEVFN(3, 0);
    uint64_t v = 0;

    assert_non_null(d);
    assert_int_equal(cfg_read(devfn, PCI_VENDOR_ID, 4), 0x56781234);
    /* sizing: write ones, read back the size mask and the type bits */
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    assert_int_equal(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), 0xfffff000);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 0xffffffff, 4);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 0xffffffff, 4);
    assert_int_equal(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), 0xfff0000c);
    assert_int_equal(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 12, 4), 0xffffffff);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 16, 0xffffffff, 4);
    assert_int_equal(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 16, 4), 0xffffffe1);
    assert_int_equal(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), 0);   /* no BAR 1 */

    /* program the BARs: nothing decodes until the command register says so */
    cfg_write(devfn, PCI_BASE_ADDRESS_0, MMIO32 + 0x10000, 4);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 0, 4);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, MMIO64 >> 32, 4);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 16, 0x1000, 4);
    assert_int_equal(address_space_load(get_system_address_space(), MMIO32 + 0x10004, 4, &v),
                     MEMTX_OK);
    assert_int_equal(v, 0xffffffff);            /* window, but no BAR: master abort */
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    assert_int_equal(address_space_store(get_system_address_space(), MMIO32 + 0x10000, 4, 100),
                     MEMTX_OK);
    assert_int_equal(address_space_load(get_system_address_space(), MMIO32 + 0x10004, 4, &v),
                     MEMTX_OK);
    assert_int_equal(v, 104);
    assert_int_equal(address_space_load(get_system_address_space(), MMIO64 + 8, 4, &v),
                     MEMTX_OK);
    assert_int_equal(v, 108);
    assert_int_equal(address_space_load(get_system_address_space(), PIO + 0x1000 + 4, 4, &v),
                     MEMTX_OK);
    assert_int_equal(v, 104);
    /* moving a BAR moves the decode */
    cfg_write(devfn, PCI_BASE_ADDRESS_0, MMIO32 + 0x20000, 4);
    assert_int_equal(address_space_load(get_system_address_space(), MMIO32 + 0x20000, 4, &v),
                     MEMTX_OK);
    assert_int_equal(v, 100);
    /* decoding off again */
    cfg_write(devfn, PCI_COMMAND, 0, 2);
    assert_int_equal(address_space_load(get_system_address_space(), MMIO32 + 0x20000, 4, &v),
                     MEMTX_OK);
    assert_int_equal(v, 0xffffffff);
    /* a reset turns decoding off and clears the BARs */
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    pci_device_reset(pci_device(d));
    assert_int_equal(cfg_read(devfn, PCI_COMMAND, 2), 0);
    assert_int_equal(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), 0);
    assert_int_equal(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), 0x0c);
}

static void test_capabilities(void **state)
{
    int devfn = PCI_DEVFN(3, 0);

    assert_true(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
    assert_int_equal(cfg_read(devfn, PCI_CAPABILITY_LIST, 1), 0x40);
    assert_int_equal(cfg_read(devfn, 0x40, 2), 0x5009);    /* id 9, next 0x50 */
    assert_int_equal(cfg_read(devfn, 0x50, 2), 0x0009);    /* last */
}

static void test_intx(void **state)
{
    PCIDevice *dev = pci_bus_device(gpex_host_bus(host), PCI_DEVFN(3, 0));

    /* slot 3, INTB (pin index 1): line (3 + 1) % 4 = 0 */
    pci_set_irq(dev, 1);
    assert_int_equal(sink.level[0], 1);
    assert_true(cfg_read(PCI_DEVFN(3, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    cfg_write(PCI_DEVFN(3, 0), PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    assert_int_equal(sink.level[0], 0);
    assert_true(cfg_read(PCI_DEVFN(3, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    cfg_write(PCI_DEVFN(3, 0), PCI_COMMAND, 0, 2);
    assert_int_equal(sink.level[0], 1);

    /* a second device sharing the line: it stays up until both are low */
    GError *err = NULL;
    DeviceState *d2 = qdev_device_add("pci-test-dev,addr=07.0", &err);
    assert_non_null(d2);
    pci_set_irq(pci_device(d2), 1);             /* slot 7, INTB: (7 + 1) % 4 = 0 */
    pci_set_irq(dev, 0);
    assert_int_equal(sink.level[0], 1);
    pci_set_irq(pci_device(d2), 0);
    assert_int_equal(sink.level[0], 0);
    assert_int_equal(sink.level[1] | sink.level[2] | sink.level[3], 0);
}

static void test_slots(void **state)
{
    GError *err = NULL;
    DeviceState *d = qdev_device_add("pci-test-dev", &err);

    /* the first free slot: 0 is the host bridge, 1 is free */
    assert_non_null(d);
    assert_int_equal(pci_device(d)->devfn, PCI_DEVFN(1, 0));
    assert_null(qdev_device_add("pci-test-dev,addr=3", &err));  /* taken */
    assert_non_null(strstr(err->message, "03.0"));
    g_clear_error(&err);
    assert_null(qdev_device_add("pci-test-dev,addr=20", &err)); /* no slot 0x20 */
    g_clear_error(&err);
}

static void test_random_ecam(void **state)
{
    poke_randomly(host, 20000, 7);
    /* the host bridge still answers */
    assert_int_equal(cfg_read(0, PCI_VENDOR_ID, 4), 0x00081b36);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_bridge),
        cmocka_unit_test(test_bars),
        cmocka_unit_test(test_capabilities),
        cmocka_unit_test(test_intx),
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_random_ecam),
    };

    device_test_setup(NULL);
    device_class_register(&tdev_class);
    irq_sink_init(&sink);
    host = gpex_host_create(ECAM, 0x10000000, MMIO32, 0x40000000, MMIO64, 0x400000000ULL,
                            PIO, 0x10000);
    for (int i = 0; i < PCI_NUM_PINS; i++) {
        sysbus_connect_irq(host, i, sink.lines[i]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
