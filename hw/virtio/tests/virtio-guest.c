/* The pretend guest of the virtio tests (virtio-guest.h). */
#include "virtio-guest.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "../../misc/tests/device-test.h"

#define QSIZE 16

MemoryRegion vg_ram_region;
DeviceState *vg_transport[VG_TRANSPORTS];
static IrqSink irqs;               /* line i: transport i */

int vg_irq_level(unsigned t)
{
    return irqs.level[t];
}

void vg_machine_init(void)
{
    test_log_start(LOG_GUEST_ERROR);
    assert_true(memory_region_init_ram(&vg_ram_region, "ram", VG_RAM_SIZE, NULL));
    memory_region_add_subregion(get_system_memory(), VG_RAM_BASE, &vg_ram_region);
    irq_sink_init(&irqs);
    for (int i = 0; i < VG_TRANSPORTS; i++) {
        vg_transport[i] = qdev_new(TYPE_VIRTIO_MMIO, NULL);
        qdev_realize_or_exit(vg_transport[i], NULL);
        sysbus_mmio_map(vg_transport[i], 0, VG_MMIO_BASE + i * VIRTIO_MMIO_SIZE);
        sysbus_connect_irq(vg_transport[i], 0, irqs.lines[i]);
    }
}

void vg_machine_cleanup(void)
{
    for (int i = 0; i < VG_TRANSPORTS; i++) {
        VirtIODevice *vdev = virtio_mmio_get_device(vg_transport[i]);

        if (vdev) {
            qdev_delete(&vdev->parent_obj);
        }
        qdev_delete(vg_transport[i]);          /* also unmaps it */
    }
    irq_sink_free(&irqs);
    memory_region_del_subregion(get_system_memory(), &vg_ram_region);
    memory_region_destroy(&vg_ram_region);
    test_log_stop();
}

uint8_t *vg_ram(hwaddr a)
{
    assert_true(a >= VG_RAM_BASE && a < VG_RAM_BASE + VG_RAM_SIZE);
    return vg_ram_region.ram + (a - VG_RAM_BASE);
}

uint16_t vg_get16(hwaddr a) { uint16_t v; memcpy(&v, vg_ram(a), 2); return v; }
uint32_t vg_get32(hwaddr a) { uint32_t v; memcpy(&v, vg_ram(a), 4); return v; }
void vg_put16(hwaddr a, uint16_t v) { memcpy(vg_ram(a), &v, 2); }

uint32_t vg_rd(unsigned t, hwaddr reg)
{
    uint64_t v;

    assert_int_equal(address_space_load(get_system_address_space(),
                                        VG_MMIO_BASE + t * VIRTIO_MMIO_SIZE + reg, 4, &v),
                     MEMTX_OK);
    return (uint32_t)v;
}

void vg_wr(unsigned t, hwaddr reg, uint32_t val)
{
    assert_int_equal(address_space_store(get_system_address_space(),
                                         VG_MMIO_BASE + t * VIRTIO_MMIO_SIZE + reg, 4, val),
                     MEMTX_OK);
}

void vg_put_desc(hwaddr table, unsigned i, uint64_t addr, uint32_t len,
                 uint16_t flags, uint16_t next)
{
    uint8_t *p = vg_ram(table + 16 * i);

    memcpy(p, &addr, 8);
    memcpy(p + 8, &len, 4);
    memcpy(p + 12, &flags, 2);
    memcpy(p + 14, &next, 2);
}

void vg_driver_init(unsigned t, uint64_t features, VgQueue *q, unsigned nq)
{
    const uint32_t base = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

    vg_wr(t, 0x070, 0);
    vg_wr(t, 0x070, base);
    vg_wr(t, 0x024, 0);
    vg_wr(t, 0x020, (uint32_t)features);
    vg_wr(t, 0x024, 1);
    vg_wr(t, 0x020, (uint32_t)(features >> 32));
    vg_wr(t, 0x070, base | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_true(vg_rd(t, 0x070) & VIRTIO_CONFIG_S_FEATURES_OK);
    memset(vg_ram_region.ram, 0, VG_RAM_SIZE);
    for (unsigned i = 0; i < nq; i++) {
        hwaddr at = VG_RAM_BASE + 0x4000 * i;

        vg_wr(t, 0x030, i);
        unsigned size = MIN(QSIZE, vg_rd(t, 0x034));
        assert_true(size > 0);
        q[i] = (VgQueue){ .t = t, .index = i, .size = size, .desc = at,
                          .avail = at + 0x1000, .used = at + 0x2000 };
        assert_int_equal(vg_rd(t, 0x044), 0);
        vg_wr(t, 0x038, size);
        vg_wr(t, 0x080, (uint32_t)q[i].desc);
        vg_wr(t, 0x084, 0);
        vg_wr(t, 0x090, (uint32_t)q[i].avail);
        vg_wr(t, 0x094, 0);
        vg_wr(t, 0x0a0, (uint32_t)q[i].used);
        vg_wr(t, 0x0a4, 0);
        vg_wr(t, 0x044, 1);
        assert_int_equal(vg_rd(t, 0x044), 1);
    }
    vg_wr(t, 0x070, base | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

void vg_offer(VgQueue *q, uint16_t head)
{
    vg_put16(q->avail + 4 + 2 * (q->avail_idx % q->size), head);
    q->avail_idx++;
    vg_put16(q->avail + 2, q->avail_idx);
    vg_wr(q->t, 0x050, q->index);
}

bool vg_next_used(VgQueue *q, uint32_t *id, uint32_t *len)
{
    if (vg_get16(q->used + 2) == q->used_seen) {
        return false;
    }
    hwaddr e = q->used + 4 + 8 * (q->used_seen % q->size);
    *id = vg_get32(e);
    *len = vg_get32(e + 4);
    q->used_seen++;
    return true;
}

DeviceState *vg_add_device(const char *optstr)
{
    GError *err = NULL;
    DeviceState *dev = qdev_device_add(optstr, &err);

    if (!dev) {
        fail_msg("%s: %s", optstr, err->message);
    }
    return dev;
}

void vg_expect_add_error(const char *optstr, const char *msg)
{
    GError *err = NULL;

    assert_null(qdev_device_add(optstr, &err));
    if (!strstr(err->message, msg)) {
        fail_msg("%s: unexpected error: %s", optstr, err->message);
    }
    g_error_free(err);
}
