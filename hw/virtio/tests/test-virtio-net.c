/*
 * Unit tests for virtio-net-device, driven through a virtio-mmio transport by
 * a pretend guest (virtio-guest.h) and attached to a test backend that
 * records what the NIC sends and injects what the guest should receive.
 * Includes hostile drivers: short and zero-length buffers, looping chains,
 * device-readable receive buffers.
 */
#include "tern/osdep.h"
#include "virtio-guest.h"
#include "net/net.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define F_MAC       (1ull << 5)
#define F_MRG       (1ull << 15)
#define F_STATUS    (1ull << 16)
#define HDR         12
#define BUF         (VG_RAM_BASE + 0x10000)
#define REG_STATUS  0x070

static VgQueue q[2];                /* 0: receive, 1: transmit */
static NetClientState *backend;
static GPtrArray *sent;             /* GBytes the NIC sent to the backend */

static ssize_t backend_receive(NetClientState *nc, const uint8_t *buf, size_t len)
{
    g_ptr_array_add(sent, g_bytes_new(buf, len));
    return len;
}

static const NetClientInfo backend_info = {
    .type = "test",
    .receive = backend_receive,
};

static int setup(void **state)
{
    vg_machine_init();
    memset(q, 0, sizeof(q));
    sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    backend = qemu_new_net_client(&backend_info, NULL, "tn0", NULL);
    net_register_netdev(backend);
    return 0;
}

static int teardown(void **state)
{
    vg_machine_cleanup();
    net_cleanup();
    g_ptr_array_free(sent, true);
    return 0;
}

static void start(uint64_t features)
{
    vg_add_device("virtio-net-device,netdev=tn0,mac=02:00:00:00:00:01");
    vg_driver_init(0, VG_F_V1 | features, q, 2);
}

static void expect_broken(const char *logged)
{
    g_autofree char *log = test_log_read();

    assert_true(vg_rd(0, REG_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
    if (!strstr(log, logged)) {
        fail_msg("expected '%s' in the log: %s", logged, log);
    }
}

static void fill(hwaddr a, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        *vg_ram(a + i) = (uint8_t)(seed + i * 7);
    }
}

static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        f[i] = (uint8_t)(seed + i * 7);
    }
}

/* One device-writable receive buffer of len bytes at addr as descriptor i. */
static void post_rx(unsigned i, hwaddr addr, uint32_t len)
{
    vg_put_desc(q[0].desc, i, addr, len, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q[0], i);
}

static void test_config_and_features(void **state)
{
    uint32_t mac_lo, mac_hi;

    vg_add_device("virtio-net-device,netdev=tn0");
    assert_int_equal(vg_rd(0, 0x008), VIRTIO_ID_NET);
    vg_wr(0, 0x014, 0);
    assert_int_equal(vg_rd(0, 0x010) & (F_MAC | F_MRG | F_STATUS), F_MAC | F_MRG | F_STATUS);
    assert_int_equal(vg_rd(0, 0x010) & 0xfff, F_MAC);     /* no checksum/TSO offloads */
    vg_wr(0, 0x014, 1);
    assert_true(vg_rd(0, 0x010) & 1);                      /* VERSION_1 */
    /* default MAC 52:54:00:12:34:5x, status LINK_UP (spec 5.1.4) */
    mac_lo = vg_rd(0, 0x100);
    mac_hi = vg_rd(0, 0x104);
    assert_int_equal(mac_lo, 0x12005452);
    assert_int_equal(mac_hi & 0xf0ff, 0x0034 | 0x50 << 8);
    assert_int_equal(mac_hi >> 16, 1);
}

static void test_properties(void **state)
{
    vg_expect_add_error("virtio-net-device", "netdev=ID is required");
    vg_expect_add_error("virtio-net-device,netdev=nosuch", "netdev 'nosuch' not found");
    vg_expect_add_error("virtio-net-device,netdev=tn0,mac=52:54:00:12:34",
                        "mac '52:54:00:12:34' is not a MAC address");
    vg_expect_add_error("virtio-net-device,netdev=tn0,mac=52:54:00:12:34:5g",
                        "is not a MAC address");
    vg_expect_add_error("virtio-net-device,netdev=tn0,mac=01:00:5e:00:00:01",
                        "is a multicast address");
    vg_add_device("virtio-net-device,netdev=tn0,mac=02:00:00:00:00:07");
    assert_int_equal(vg_rd(0, 0x104) & 0xffff, 0x0700);
    vg_expect_add_error("virtio-net-device,netdev=tn0", "netdev 'tn0' is already in use");
}

static void test_tx(void **state)
{
    uint8_t frame[60];
    uint32_t id, len;
    GBytes *got;

    start(F_MAC | F_STATUS | F_MRG);
    make_frame(frame, sizeof(frame), 3);
    /* header and frame in separate descriptors, the frame split in two */
    fill(BUF + 0x100, 60, 3);
    vg_put_desc(q[1].desc, 0, BUF, HDR, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(q[1].desc, 1, BUF + 0x100, 25, VIRTQ_DESC_F_NEXT, 2);
    vg_put_desc(q[1].desc, 2, BUF + 0x100 + 25, 35, 0, 0);
    vg_offer(&q[1], 0);
    assert_true(vg_next_used(&q[1], &id, &len));
    assert_int_equal(id, 0);
    assert_int_equal(len, 0);
    assert_int_equal(sent->len, 1);
    got = g_ptr_array_index(sent, 0);
    assert_int_equal(g_bytes_get_size(got), 60);
    assert_memory_equal(g_bytes_get_data(got, NULL), frame, 60);
    assert_int_equal(vg_irq_level(0), 1);

    /* header and frame in one buffer; a header alone sends nothing */
    fill(BUF + 0x1000 + HDR, 60, 3);
    vg_put_desc(q[1].desc, 3, BUF + 0x1000, HDR + 60, 0, 0);
    vg_offer(&q[1], 3);
    vg_put_desc(q[1].desc, 4, BUF + 0x2000, HDR, 0, 0);
    vg_offer(&q[1], 4);
    assert_true(vg_next_used(&q[1], &id, &len));
    assert_true(vg_next_used(&q[1], &id, &len));
    assert_int_equal(id, 4);
    assert_int_equal(sent->len, 2);
    assert_memory_equal(g_bytes_get_data(g_ptr_array_index(sent, 1), NULL), frame, 60);

    /* a frame above the maximum is dropped, the device goes on */
    vg_put_desc(q[1].desc, 5, BUF, HDR + NET_PACKET_MAX + 1, 0, 0);
    vg_offer(&q[1], 5);
    assert_true(vg_next_used(&q[1], &id, &len));
    assert_int_equal(id, 5);
    assert_int_equal(sent->len, 2);
    assert_false(vg_rd(0, REG_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_rx_waits_for_buffers(void **state)
{
    NetClientState *nic;
    uint8_t frame[100], frame2[40];
    uint32_t id, len;

    start(F_MAC | F_STATUS | F_MRG);
    nic = backend->peer;
    assert_non_null(nic);
    make_frame(frame, sizeof(frame), 9);
    make_frame(frame2, sizeof(frame2), 77);
    /* no buffers yet: the frames wait, in order */
    assert_int_equal(qemu_send_packet(backend, frame, sizeof(frame)), sizeof(frame));
    assert_int_equal(qemu_send_packet(backend, frame2, sizeof(frame2)), sizeof(frame2));
    assert_int_equal(qemu_net_queue_len(nic), 2);
    assert_false(vg_next_used(&q[0], &id, &len));

    post_rx(0, BUF, 2048);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(id, 0);
    assert_int_equal(len, HDR + sizeof(frame));
    assert_int_equal(vg_get16(BUF + 10), 1);               /* num_buffers */
    assert_int_equal(*vg_ram(BUF), 0);                     /* flags: no offloads */
    assert_memory_equal(vg_ram(BUF + HDR), frame, sizeof(frame));
    assert_int_equal(qemu_net_queue_len(nic), 1);
    assert_int_equal(vg_irq_level(0), 1);

    post_rx(1, BUF + 0x1000, 2048);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(len, HDR + sizeof(frame2));
    assert_memory_equal(vg_ram(BUF + 0x1000 + HDR), frame2, sizeof(frame2));
    assert_int_equal(qemu_net_queue_len(nic), 0);

    /* with a buffer ready, delivery is immediate */
    post_rx(2, BUF + 0x2000, 2048);
    assert_int_equal(qemu_send_packet(backend, frame2, 20), 20);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(len, HDR + 20);
}

static void test_rx_queue_bounded(void **state)
{
    uint8_t frame[64] = { 0 };

    start(F_MAC | F_STATUS | F_MRG);
    for (unsigned i = 0; i < NET_QUEUE_MAX; i++) {
        assert_int_equal(qemu_send_packet(backend, frame, sizeof(frame)), sizeof(frame));
    }
    assert_int_equal(qemu_send_packet(backend, frame, sizeof(frame)), 0);   /* dropped */
    assert_int_equal(qemu_net_queue_len(backend->peer), NET_QUEUE_MAX);
}

static void test_rx_mergeable(void **state)
{
    uint8_t frame[300];
    uint32_t id, len;
    uint8_t got[300];

    start(F_MAC | F_STATUS | F_MRG);
    make_frame(frame, sizeof(frame), 41);
    /* 150 + 12 bytes over three 64-byte buffers: 64, 64, 34 */
    for (unsigned i = 0; i < 4; i++) {
        post_rx(i, BUF + 0x100 * i, 64);
    }
    qemu_send_packet(backend, frame, 150);
    for (unsigned i = 0; i < 3; i++) {
        assert_true(vg_next_used(&q[0], &id, &len));
        assert_int_equal(id, i);
        assert_int_equal(len, i < 2 ? 64 : 34);
    }
    assert_false(vg_next_used(&q[0], &id, &len));
    assert_int_equal(vg_get16(BUF + 10), 3);
    memcpy(got, vg_ram(BUF + HDR), 64 - HDR);
    memcpy(got + 64 - HDR, vg_ram(BUF + 0x100), 64);
    memcpy(got + 128 - HDR, vg_ram(BUF + 0x200), 34);
    assert_memory_equal(got, frame, 150);

    /* 312 bytes do not fit the one buffer left: wait for more */
    qemu_send_packet(backend, frame, 300);
    assert_false(vg_next_used(&q[0], &id, &len));
    assert_int_equal(qemu_net_queue_len(backend->peer), 1);
    post_rx(4, BUF + 0x400, 256);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(id, 3);
    assert_int_equal(len, 64);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(id, 4);
    assert_int_equal(len, 300 + HDR - 64);
    assert_int_equal(vg_get16(BUF + 0x300 + 10), 2);
    assert_memory_equal(vg_ram(BUF + 0x400), frame + 64 - HDR, 300 + HDR - 64);
}

static void test_rx_without_mergeable(void **state)
{
    uint8_t frame[200];
    uint32_t id, len;

    start(F_MAC | F_STATUS);
    make_frame(frame, sizeof(frame), 5);
    post_rx(0, BUF, 1526);
    qemu_send_packet(backend, frame, sizeof(frame));
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(len, HDR + sizeof(frame));     /* VERSION_1: 12-byte header */
    assert_int_equal(vg_get16(BUF + 10), 1);
    assert_memory_equal(vg_ram(BUF + HDR), frame, sizeof(frame));

    /* a buffer too small for the frame, with no merging, is a driver error */
    post_rx(1, BUF + 0x1000, 100);
    qemu_send_packet(backend, frame, sizeof(frame));
    expect_broken("too small for a 200-byte frame");
}

static void test_hostile_tx_short_header(void **state)
{
    start(F_MAC | F_STATUS | F_MRG);
    vg_put_desc(q[1].desc, 0, BUF, HDR - 4, 0, 0);
    vg_offer(&q[1], 0);
    expect_broken("shorter than the 12-byte header");
    assert_int_equal(sent->len, 0);
}

static void test_hostile_tx_zero_length(void **state)
{
    start(F_MAC | F_STATUS | F_MRG);
    vg_put_desc(q[1].desc, 0, BUF, 0, 0, 0);
    vg_offer(&q[1], 0);
    expect_broken("transmit buffer of 0 bytes");
    assert_int_equal(sent->len, 0);
}

static void test_hostile_tx_loop(void **state)
{
    start(F_MAC | F_STATUS | F_MRG);
    /* a chain that never ends: longer than the queue */
    vg_put_desc(q[1].desc, 0, BUF, HDR, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(q[1].desc, 1, BUF + 0x100, 64, VIRTQ_DESC_F_NEXT, 0);
    vg_offer(&q[1], 0);
    expect_broken("loops");
    assert_int_equal(sent->len, 0);
}

static void test_hostile_rx_zero_length(void **state)
{
    uint8_t frame[64] = { 1 };
    uint32_t id, len;

    start(F_MAC | F_STATUS | F_MRG);
    post_rx(0, BUF, 0);
    qemu_send_packet(backend, frame, sizeof(frame));
    expect_broken("too small for the header");
    assert_false(vg_next_used(&q[0], &id, &len));
}

static void test_hostile_rx_small_header(void **state)
{
    uint8_t frame[64] = { 1 };

    start(F_MAC | F_STATUS | F_MRG);
    post_rx(0, BUF, HDR - 1);
    qemu_send_packet(backend, frame, sizeof(frame));
    expect_broken("too small for the header");
}

static void test_hostile_rx_readable(void **state)
{
    uint8_t frame[64] = { 1 };

    start(F_MAC | F_STATUS | F_MRG);
    vg_put_desc(q[0].desc, 0, BUF, 2048, 0, 0);
    vg_offer(&q[0], 0);
    qemu_send_packet(backend, frame, sizeof(frame));
    expect_broken("has device-readable parts");
}

static void test_hostile_rx_zero_length_merge(void **state)
{
    uint8_t frame[200] = { 1 };
    uint32_t id, len;

    /* zero-length buffers after the first hold no data: the frame waits */
    start(F_MAC | F_STATUS | F_MRG);
    post_rx(0, BUF, 64);
    for (unsigned i = 1; i < 16; i++) {
        post_rx(i, BUF + 0x100 * i, 0);
    }
    qemu_send_packet(backend, frame, sizeof(frame));
    assert_false(vg_next_used(&q[0], &id, &len));
    assert_int_equal(qemu_net_queue_len(backend->peer), 1);
    assert_false(vg_rd(0, REG_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_reset_keeps_frames(void **state)
{
    uint8_t frame[80];
    uint32_t id, len;

    start(F_MAC | F_STATUS | F_MRG);
    make_frame(frame, sizeof(frame), 13);
    qemu_send_packet(backend, frame, sizeof(frame));
    /* the driver resets and starts again; the frame arrives after DRIVER_OK */
    vg_driver_init(0, VG_F_V1 | F_MAC | F_STATUS | F_MRG, q, 2);
    post_rx(0, BUF, 2048);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(len, HDR + sizeof(frame));
    assert_memory_equal(vg_ram(BUF + HDR), frame, sizeof(frame));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_and_features, setup, teardown),
        cmocka_unit_test_setup_teardown(test_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_waits_for_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_queue_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_mergeable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_without_mergeable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_tx_short_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_tx_zero_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_tx_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_rx_zero_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_rx_small_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_rx_readable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_rx_zero_length_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_keeps_frames, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
