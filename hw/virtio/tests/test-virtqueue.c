/*
 * Unit tests for the virtio core and the virtio-mmio transport. The test is
 * the guest driver: it writes rings and descriptors into guest RAM and
 * programs the transport through MMIO, as Linux would (virtio 1.2 section
 * 4.2.3), then also behaves like a hostile driver.
 */
#include "tern/osdep.h"
#include "virtio-guest.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define QSIZE       16
#define DESC        (VG_RAM_BASE + 0x0000)
#define AVAIL       (VG_RAM_BASE + 0x1000)
#define USED        (VG_RAM_BASE + 0x2000)
#define INDIRECT    (VG_RAM_BASE + 0x3000)
#define BUF         (VG_RAM_BASE + 0x10000)

/* ---- a test device: queue 0 copies what it reads into what it writes ---- */

typedef struct TestDev {
    VirtIODevice parent_obj;
    int kicks;
    uint32_t cfg_word;
    uint8_t written_cfg;
} TestDev;

static void echo_handler(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtQueueElement *elem;

    container_of(vdev, TestDev, parent_obj)->kicks++;
    while ((elem = virtqueue_pop(vq))) {
        size_t n = virtio_iov_size(elem->out_sg, elem->out_num);
        g_autofree uint8_t *buf = g_malloc(n + 1);

        virtio_iov_to_buf(elem->out_sg, elem->out_num, 0, buf, n);
        size_t w = virtio_iov_from_buf(elem->in_sg, elem->in_num, 0, buf, n);
        virtqueue_push(vq, elem, w);
        g_free(elem);
    }
    virtio_notify(vdev, vq);
}

static void test_get_config(VirtIODevice *vdev, uint8_t *config)
{
    TestDev *t = container_of(vdev, TestDev, parent_obj);

    config[0] = (uint8_t)t->cfg_word;
    config[1] = (uint8_t)(t->cfg_word >> 8);
    config[2] = (uint8_t)(t->cfg_word >> 16);
    config[3] = (uint8_t)(t->cfg_word >> 24);
}

static void test_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    container_of(vdev, TestDev, parent_obj)->written_cfg = config[4];
}

static bool test_realize(DeviceState *dev, GError **errp)
{
    VirtIODevice *vdev = to_virtio_device(dev);

    virtio_init(vdev, 8, 1ull << 3);
    virtio_add_queue(vdev, QSIZE, echo_handler);
    virtio_add_queue(vdev, 4, NULL);
    return true;
}

static VirtioDeviceClass test_class = {
    .parent = {
        .name = "virtio-test-device", .desc = "virtio core test", .category = "misc",
        .instance_size = sizeof(TestDev), .user_creatable = true,
        .realize = test_realize,
    },
    .device_id = 42,
    .get_config = test_get_config,
    .set_config = test_set_config,
};

static void register_test_class(void)
{
    virtio_device_class_register(&test_class);
}
type_init(register_test_class)

/* ---- the machine ---- */

static TestDev *tdev;
static VgQueue q0;

static int setup(void **state)
{
    GError *err = NULL;

    vg_machine_init();
    DeviceState *dev = qdev_device_add("virtio-test-device", &err);
    assert_null(err);
    tdev = container_of(to_virtio_device(dev), TestDev, parent_obj);
    qdev_reset_all();
    q0 = (VgQueue){ 0 };
    return 0;
}

static int teardown(void **state)
{
    vg_machine_cleanup();
    return 0;
}

static void driver_init(uint64_t features)
{
    vg_driver_init(0, features, &q0, 1);
}


static void assert_used(unsigned i, uint32_t id, uint32_t len)
{
    assert_int_equal(vg_get32(USED + 4 + 8 * i), id);
    assert_int_equal(vg_get32(USED + 8 + 8 * i), len);
}

/* The device is broken: NEEDS_RESET, a config interrupt, and the log says why. */
static void assert_broken(const char *why)
{
    g_autofree char *log = test_log_read();

    assert_true(tdev->parent_obj.broken);
    assert_true(vg_rd(0, 0x070) & VIRTIO_CONFIG_S_NEEDS_RESET);
    if (vg_rd(0, 0x070) & VIRTIO_CONFIG_S_DRIVER_OK) {
        /* spec 2.1.2: a configuration change notification */
        assert_true(vg_rd(0, 0x060) & VIRTIO_ISR_CONFIG);
        assert_int_equal(vg_irq_level(0), 1);
    }
    if (!strstr(log, why)) {
        fail_msg("log lacks '%s':\n%s", why, log);
    }
}

/* ---- tests ---- */

static void test_probe_and_placement(void **state)
{
    assert_int_equal(vg_rd(0, 0x000), 0x74726976);
    assert_int_equal(vg_rd(0, 0x004), 2);
    assert_int_equal(vg_rd(0, 0x008), 42);            /* first transport got the device */
    assert_int_equal(vg_rd(0, 0x200 + 0x008), 0);     /* the second is empty */
    assert_ptr_equal(virtio_mmio_get_device(vg_transport[0]), &tdev->parent_obj);
    assert_null(virtio_mmio_get_device(vg_transport[1]));
    /* features: the device's bit 3 plus what the core adds */
    vg_wr(0, 0x014, 0);
    assert_int_equal(vg_rd(0, 0x010), (1u << 3) | (1u << 28) | (1u << 29));
    vg_wr(0, 0x014, 1);
    assert_int_equal(vg_rd(0, 0x010), 1);
    /* registers are 32-bit only */
    uint64_t v;
    assert_int_equal(address_space_load(get_system_address_space(), VG_MMIO_BASE, 2, &v), MEMTX_OK);
    assert_int_equal(v, 0);
}

static void test_basic_request(void **state)
{
    driver_init(VG_F_V1);
    memcpy(vg_ram(BUF), "hello", 5);
    vg_put_desc(DESC, 0, BUF, 5, VIRTQ_DESC_F_NEXT, 3);
    vg_put_desc(DESC, 3, BUF + 0x100, 16, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q0, 0);
    assert_int_equal(tdev->kicks, 1);
    assert_int_equal(vg_get16(USED + 2), 1);
    assert_used(0, 0, 5);
    assert_memory_equal(vg_ram(BUF + 0x100), "hello", 5);
    assert_int_equal(vg_rd(0, 0x060), VIRTIO_ISR_QUEUE);
    assert_int_equal(vg_irq_level(0), 1);
    vg_wr(0, 0x064, VIRTIO_ISR_QUEUE);
    assert_int_equal(vg_rd(0, 0x060), 0);
    assert_int_equal(vg_irq_level(0), 0);

    /* a buffer that spans the write into two descriptors, several requests at once */
    memcpy(vg_ram(BUF), "abcdefgh", 8);
    vg_put_desc(DESC, 5, BUF, 8, VIRTQ_DESC_F_NEXT, 6);
    vg_put_desc(DESC, 6, BUF + 0x200, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 7);
    vg_put_desc(DESC, 7, BUF + 0x300, 3, VIRTQ_DESC_F_WRITE, 0);
    vg_put_desc(DESC, 8, BUF, 2, 0, 0);
    vg_put16(AVAIL + 4 + 2 * 1, 5);
    vg_put16(AVAIL + 4 + 2 * 2, 8);
    q0.avail_idx = 3;
    vg_put16(AVAIL + 2, q0.avail_idx);
    vg_wr(0, 0x050, 0);
    assert_int_equal(vg_get16(USED + 2), 3);
    assert_used(1, 5, 6);
    assert_used(2, 8, 0);
    assert_memory_equal(vg_ram(BUF + 0x200), "abc", 3);
    assert_memory_equal(vg_ram(BUF + 0x300), "def", 3);
    assert_false(tdev->parent_obj.broken);
}

static void test_indirect(void **state)
{
    driver_init(VG_F_V1 | VG_F_INDIRECT);
    memcpy(vg_ram(BUF), "indirect", 8);
    vg_put_desc(INDIRECT, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
    vg_put_desc(INDIRECT, 2, BUF + 4, 4, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(INDIRECT, 1, BUF + 0x100, 8, VIRTQ_DESC_F_WRITE, 0);
    vg_put_desc(DESC, 4, INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 4);
    assert_used(0, 4, 8);
    assert_memory_equal(vg_ram(BUF + 0x100), "indirect", 8);
    assert_false(tdev->parent_obj.broken);
}

static void test_event_idx(void **state)
{
    driver_init(VG_F_V1 | VG_F_EVENT_IDX);
    memcpy(vg_ram(BUF), "x", 1);
    vg_put_desc(DESC, 0, BUF, 1, 0, 0);

    /* the first used buffer always interrupts */
    vg_offer(&q0, 0);
    assert_int_equal(vg_irq_level(0), 1);
    /* device asks to be notified at the next avail index (spec 2.7.10) */
    assert_int_equal(vg_get16(USED + 4 + 8 * QSIZE), 1);
    vg_wr(0, 0x064, VIRTIO_ISR_QUEUE);

    /* driver wants an interrupt only once used idx passes 3 (used_event = 3) */
    vg_put16(AVAIL + 4 + 2 * QSIZE, 3);
    vg_offer(&q0, 0);                                   /* used idx 2: no interrupt */
    assert_int_equal(vg_get16(USED + 2), 2);
    assert_int_equal(vg_irq_level(0), 0);
    vg_offer(&q0, 0);                                   /* used idx 3: not past 3 yet */
    assert_int_equal(vg_irq_level(0), 0);
    vg_offer(&q0, 0);                                   /* used idx 4: crosses used_event */
    assert_int_equal(vg_get16(USED + 2), 4);
    assert_int_equal(vg_irq_level(0), 1);
    assert_int_equal(vg_get16(USED + 4 + 8 * QSIZE), 4);
}

static void test_no_interrupt_flag(void **state)
{
    driver_init(VG_F_V1);
    vg_put_desc(DESC, 0, BUF, 1, 0, 0);
    vg_put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
    vg_offer(&q0, 0);
    assert_int_equal(vg_get16(USED + 2), 1);
    assert_int_equal(vg_irq_level(0), 0);
    vg_put16(AVAIL, 0);
    vg_offer(&q0, 0);
    assert_int_equal(vg_irq_level(0), 1);

    /* the device suppressing notifications sets the used ring flag */
    virtio_queue_set_notification(virtio_get_queue(&tdev->parent_obj, 0), false);
    assert_int_equal(vg_get16(USED), VIRTQ_USED_F_NO_NOTIFY);
    virtio_queue_set_notification(virtio_get_queue(&tdev->parent_obj, 0), true);
    assert_int_equal(vg_get16(USED), 0);
}

/* After a hostile request the device is broken until reset, then works again. */
static void check_recovery(void)
{
    int kicks = tdev->kicks;

    vg_put_desc(DESC, 0, BUF, 1, 0, 0);
    vg_offer(&q0, 0);
    assert_int_equal(tdev->kicks, kicks);       /* broken: no processing */
    driver_init(VG_F_V1 | VG_F_INDIRECT);
    assert_false(tdev->parent_obj.broken);
    assert_int_equal(vg_rd(0, 0x070) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
    vg_put_desc(DESC, 0, BUF, 1, 0, 0);
    vg_offer(&q0, 0);
    assert_int_equal(vg_get16(USED + 2), 1);
    assert_false(tdev->parent_obj.broken);
}

static void test_hostile_loop(void **state)
{
    driver_init(VG_F_V1);
    vg_put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(DESC, 1, BUF, 1, VIRTQ_DESC_F_NEXT, 0);
    vg_offer(&q0, 0);
    assert_broken("virtio-test-device: queue 0: descriptor chain at 0 loops");
    assert_int_equal(vg_get16(USED + 2), 0);
    check_recovery();
}

static void test_hostile_indices(void **state)
{
    driver_init(VG_F_V1);
    vg_put_desc(DESC, 0, BUF, 1, 0, 0);
    vg_offer(&q0, QSIZE + 5);
    assert_broken("driver ring entry 0 names descriptor 21 of 16");
    check_recovery();

    vg_put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_NEXT, QSIZE);
    vg_offer(&q0, 0);
    assert_broken("next descriptor 16 is outside the queue of 16");
    check_recovery();

    /* avail idx far ahead of what the queue can hold */
    vg_put16(AVAIL + 2, q0.avail_idx + QSIZE + 1);
    vg_wr(0, 0x050, 0);
    assert_broken("is 17 ahead of the device's 1 (queue size 16)");
    check_recovery();

    /* notification for queues that do not exist */
    vg_wr(0, 0x050, 7);
    vg_wr(0, 0x050, 0xffff);
    g_autofree char *log = test_log_read();
    assert_non_null(strstr(log, "notification for queue 7, which does not exist"));
    assert_false(tdev->parent_obj.broken);
}

static void test_hostile_buffers(void **state)
{
    driver_init(VG_F_V1);
    vg_put_desc(DESC, 0, 0xdead0000, 16, 0, 0);
    vg_offer(&q0, 0);
    assert_broken("queue 0: buffer at 0xdead0000 is not in RAM");
    check_recovery();

    /* starts in RAM, length runs past its end */
    vg_put_desc(DESC, 0, VG_RAM_BASE + VG_RAM_SIZE - 16, 0xffffffff, 0, 0);
    vg_offer(&q0, 0);
    assert_broken("buffer at 0x40100000 is not in RAM");
    check_recovery();

    /* wraps around the address space */
    vg_put_desc(DESC, 0, 0xfffffffffffffff0ull, 0x100, 0, 0);
    vg_offer(&q0, 0);
    assert_broken("wraps around");
    check_recovery();

    /* readable after writable */
    vg_put_desc(DESC, 0, BUF, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(DESC, 1, BUF, 4, 0, 0);
    vg_offer(&q0, 0);
    assert_broken("device-readable descriptor after a device-writable one");
    check_recovery();

    /* the device must not write through a buffer into something that is not RAM */
    vg_put_desc(DESC, 0, VG_MMIO_BASE, 4, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q0, 0);
    assert_broken("is not in RAM (or is read-only)");
    check_recovery();
}

static void test_hostile_indirect(void **state)
{
    driver_init(VG_F_V1 | VG_F_INDIRECT);
    vg_put_desc(DESC, 0, INDIRECT, 20, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 0);
    assert_broken("bad indirect table length 20");
    check_recovery();

    vg_put_desc(DESC, 0, INDIRECT, 0, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 0);
    assert_broken("bad indirect table length 0");
    check_recovery();

    vg_put_desc(DESC, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    vg_offer(&q0, 0);
    assert_broken("indirect descriptor with NEXT set");
    check_recovery();

    vg_put_desc(INDIRECT, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
    vg_put_desc(DESC, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 0);
    assert_broken("indirect descriptor inside an indirect table");
    check_recovery();

    vg_put_desc(INDIRECT, 0, BUF, 1, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(INDIRECT, 1, BUF, 1, VIRTQ_DESC_F_NEXT, 0);
    vg_put_desc(DESC, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 0);
    assert_broken("descriptor chain at 0 loops");
    check_recovery();

    vg_put_desc(INDIRECT, 0, BUF, 1, VIRTQ_DESC_F_NEXT, 2);
    vg_put_desc(DESC, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 0);
    assert_broken("next descriptor 2 is outside the indirect table of 2");
    check_recovery();

    vg_put_desc(DESC, 0, 0x7000000, 32, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 0);
    assert_broken("indirect table at 0x7000000 is not in RAM");
    check_recovery();

    /* indirect descriptors need the feature */
    driver_init(VG_F_V1);
    vg_put_desc(INDIRECT, 0, BUF, 1, 0, 0);
    vg_put_desc(DESC, 0, INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
    vg_offer(&q0, 0);
    assert_broken("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
}

static void test_hostile_rings(void **state)
{
    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x070, 3);
    vg_wr(0, 0x024, 1);
    vg_wr(0, 0x020, 1);
    vg_wr(0, 0x070, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
    vg_wr(0, 0x030, 0);
    vg_wr(0, 0x038, 12);                              /* not a power of 2 */
    vg_wr(0, 0x044, 1);
    assert_int_equal(vg_rd(0, 0x044), 0);
    assert_broken("queue 0: bad size 12");

    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x030, 0);
    vg_wr(0, 0x038, QSIZE);
    vg_wr(0, 0x080, (uint32_t)(VG_RAM_BASE + VG_RAM_SIZE - 0x80));   /* table runs out of RAM */
    vg_wr(0, 0x090, (uint32_t)AVAIL);
    vg_wr(0, 0x0a0, (uint32_t)USED);
    vg_wr(0, 0x044, 1);
    assert_int_equal(vg_rd(0, 0x044), 0);
    assert_broken("descriptor table at 0x400fff80 (256 bytes) is not in RAM");

    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x080, (uint32_t)DESC + 8);                       /* misaligned */
    vg_wr(0, 0x090, (uint32_t)AVAIL);
    vg_wr(0, 0x0a0, (uint32_t)USED);
    vg_wr(0, 0x044, 1);
    assert_broken("descriptor table at 0x40000008 is not 16-byte aligned");

    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x080, (uint32_t)DESC);
    vg_wr(0, 0x090, (uint32_t)AVAIL);
    vg_wr(0, 0x0a0, (uint32_t)VG_MMIO_BASE);                      /* device ring on MMIO */
    vg_wr(0, 0x044, 1);
    assert_broken("device ring at 0x10001000 (134 bytes) is not in RAM");

    /* a queue that does not exist */
    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x030, 5);
    assert_int_equal(vg_rd(0, 0x034), 0);
    vg_wr(0, 0x044, 1);
    g_autofree char *log = test_log_read();
    assert_non_null(strstr(log, "for queue 5, which does not exist"));
}

static void test_feature_negotiation(void **state)
{
    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x070, 3);
    vg_wr(0, 0x024, 0);
    vg_wr(0, 0x020, 1u << 5);                         /* not offered */
    vg_wr(0, 0x024, 1);
    vg_wr(0, 0x020, 1);
    vg_wr(0, 0x070, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_int_equal(vg_rd(0, 0x070) & VIRTIO_CONFIG_S_FEATURES_OK, 0);

    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x070, 3);
    vg_wr(0, 0x024, 0);
    vg_wr(0, 0x020, 1u << 3);                         /* without VERSION_1 */
    vg_wr(0, 0x070, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_int_equal(vg_rd(0, 0x070) & VIRTIO_CONFIG_S_FEATURES_OK, 0);

    vg_wr(0, 0x070, 0);
    vg_wr(0, 0x070, 3);
    vg_wr(0, 0x024, 0);
    vg_wr(0, 0x020, 1u << 3);
    vg_wr(0, 0x024, 1);
    vg_wr(0, 0x020, 1);
    vg_wr(0, 0x070, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_int_equal(vg_rd(0, 0x070), 3 | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_true(virtio_has_feature(&tdev->parent_obj, 3));
    /* too late to change */
    vg_wr(0, 0x024, 0);
    vg_wr(0, 0x020, 0);
    assert_true(virtio_has_feature(&tdev->parent_obj, 3));

    g_autofree char *log = test_log_read();
    assert_non_null(strstr(log, "driver accepted features 0x20 that were not offered"));
    assert_non_null(strstr(log, "driver did not accept VIRTIO_F_VERSION_1"));
    assert_non_null(strstr(log, "features written after FEATURES_OK ignored"));
}

static void test_config_space(void **state)
{
    uint64_t v;
    AddressSpace *as = get_system_address_space();

    tdev->cfg_word = 0x44332211;
    assert_int_equal(vg_rd(0, 0x100), 0x44332211);
    assert_int_equal(address_space_load(as, VG_MMIO_BASE + 0x101, 1, &v), MEMTX_OK);
    assert_int_equal(v, 0x22);
    assert_int_equal(address_space_load(as, VG_MMIO_BASE + 0x102, 2, &v), MEMTX_OK);
    assert_int_equal(v, 0x4433);
    assert_int_equal(address_space_store(as, VG_MMIO_BASE + 0x104, 1, 0x77), MEMTX_OK);
    assert_int_equal(tdev->written_cfg, 0x77);
    /* beyond the 8-byte config space */
    assert_int_equal(vg_rd(0, 0x108), 0);
    g_autofree char *log = test_log_read();
    assert_non_null(strstr(log, "config read of 4 bytes at 0x8 is beyond the 8-byte config"));

    /* generation moves on config changes once the driver is up */
    driver_init(VG_F_V1);
    uint32_t gen = vg_rd(0, 0x0fc);
    virtio_notify_config(&tdev->parent_obj);
    assert_int_equal(vg_rd(0, 0x0fc), gen + 1);
    assert_int_equal(vg_rd(0, 0x060), VIRTIO_ISR_CONFIG);
}

static void test_reset_in_flight(void **state)
{
    VirtQueue *vq = virtio_get_queue(&tdev->parent_obj, 0);

    driver_init(VG_F_V1);
    vg_put_desc(DESC, 0, BUF + 0x100, 4, VIRTQ_DESC_F_WRITE, 0);
    vg_put16(AVAIL + 4, 0);
    vg_put16(AVAIL + 2, 1);
    VirtQueueElement *elem = virtqueue_pop(vq);
    assert_non_null(elem);
    assert_int_equal(elem->in_num, 1);
    assert_ptr_equal(elem->in_sg[0].iov_base, vg_ram(BUF + 0x100));
    /* the driver resets and sets the queue up again before the request completes */
    driver_init(VG_F_V1);
    virtqueue_push(vq, elem, 4);
    g_free(elem);
    assert_int_equal(vg_get16(USED + 2), 0);       /* the stale completion is dropped */

    /* unpop gives the element back */
    vg_put16(AVAIL + 2, 1);
    elem = virtqueue_pop(vq);
    assert_non_null(elem);
    virtqueue_unpop(vq, elem);
    g_free(elem);
    assert_false(virtio_queue_empty(vq));
    elem = virtqueue_pop(vq);
    assert_non_null(elem);
    assert_true(virtio_queue_empty(vq));
    virtqueue_push(vq, elem, 0);
    g_free(elem);
    assert_int_equal(vg_get16(USED + 2), 1);
}

static void test_legacy(void **state)
{
    DeviceState *t = qdev_new(TYPE_VIRTIO_MMIO, NULL);
    const hwaddr base = 0x10009000;
    AddressSpace *as = get_system_address_space();
    uint64_t v;

    qdev_prop_set_bool(t, "force-legacy", true);
    qdev_realize_or_exit(t, NULL);
    sysbus_mmio_map(t, 0, base);
    /* vg_transport[1] is free, but this one is found after it: use the test device */
    qdev_delete(DEVICE(&tdev->parent_obj));
    GError *err = NULL;
    DeviceState *d1 = qdev_device_add("virtio-test-device", &err);    /* -> vg_transport[0] */
    DeviceState *d2 = qdev_device_add("virtio-test-device", &err);    /* -> vg_transport[1] */
    DeviceState *d3 = qdev_device_add("virtio-test-device", &err);    /* -> legacy one */
    assert_null(err);
    assert_ptr_equal(virtio_mmio_get_device(t), to_virtio_device(d3));
    tdev = container_of(to_virtio_device(d1), TestDev, parent_obj);

    address_space_load(as, base + 0x004, 4, &v);
    assert_int_equal(v, 1);
    address_space_store(as, base + 0x014, 4, 1);
    address_space_load(as, base + 0x010, 4, &v);
    assert_int_equal(v, 0);                     /* no VERSION_1 */
    address_space_store(as, base + 0x070, 4, 3);
    address_space_store(as, base + 0x028, 4, 4096);
    address_space_store(as, base + 0x030, 4, 0);
    address_space_store(as, base + 0x038, 4, QSIZE);
    address_space_store(as, base + 0x03c, 4, 4096);
    memset(vg_ram_region.ram, 0, VG_RAM_SIZE);
    address_space_store(as, base + 0x040, 4, DESC / 4096);
    address_space_load(as, base + 0x040, 4, &v);
    assert_int_equal(v, DESC / 4096);
    address_space_store(as, base + 0x070, 4, 7);

    /* legacy layout: avail right after the table, used at the next 4 KiB */
    const hwaddr avail = DESC + 16 * QSIZE, used = DESC + 0x1000;
    memcpy(vg_ram(BUF), "legacy", 6);
    vg_put_desc(DESC, 0, BUF, 6, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(DESC, 1, BUF + 0x100, 6, VIRTQ_DESC_F_WRITE, 0);
    vg_put16(avail + 4, 0);
    vg_put16(avail + 2, 1);
    address_space_store(as, base + 0x050, 4, 0);
    assert_int_equal(vg_get16(used + 2), 1);
    assert_int_equal(vg_get32(used + 8), 6);
    assert_memory_equal(vg_ram(BUF + 0x100), "legacy", 6);
    assert_false(to_virtio_device(d3)->broken);

    qdev_delete(d2);
    qdev_delete(d3);
    qdev_delete(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_probe_and_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_interrupt_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_indices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_indirect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_rings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feature_negotiation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_space, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
