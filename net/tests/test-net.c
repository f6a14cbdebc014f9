/*
 * Unit tests for the network clients (include/net/net.h): pairing, the
 * queue in front of a client that cannot receive, the -netdev / -nic option
 * checks, and the user backend (libslirp) answering ARP and accepting a
 * host-forwarded connection through the main loop, and socket backends
 * talking to each other. Traffic stays on 127.0.0.1.
 */
#include "tern/osdep.h"
#include "net/net.h"
#include "sysemu/main-loop.h"
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "test-main-loop.h"

/* A front end that records what it receives and can refuse to receive. */
typedef struct Sink {
    GPtrArray *frames;      /* GBytes */
    bool ready;
} Sink;

static ssize_t sink_receive(NetClientState *nc, const uint8_t *buf, size_t len)
{
    Sink *s = nc->opaque;

    g_ptr_array_add(s->frames, g_bytes_new(buf, len));
    return len;
}

static bool sink_can_receive(NetClientState *nc)
{
    return ((Sink *)nc->opaque)->ready;
}

static const NetClientInfo sink_info = {
    .type = "sink",
    .receive = sink_receive,
    .can_receive = sink_can_receive,
};

static Sink sink;

static int setup(void **state)
{
    sink.frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    sink.ready = true;
    return 0;
}

static int teardown(void **state)
{
    net_cleanup();
    g_ptr_array_free(sink.frames, true);
    return 0;
}

static const uint8_t *frame_data(unsigned i, size_t *len)
{
    gsize l;
    const uint8_t *d = g_bytes_get_data(g_ptr_array_index(sink.frames, i), &l);

    *len = l;
    return d;
}

static void test_pair_and_queue(void **state)
{
    NetClientState *a = qemu_new_net_client(&sink_info, NULL, "a", &sink);
    Sink other = { g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), true };
    NetClientState *b = qemu_new_net_client(&sink_info, a, "b", &other);
    uint8_t big[NET_PACKET_MAX + 1] = { 0 };
    size_t len;

    assert_ptr_equal(a->peer, b);
    assert_ptr_equal(b->peer, a);
    assert_int_equal(qemu_send_packet(b, (const uint8_t *)"one", 3), 3);
    assert_int_equal(sink.frames->len, 1);
    assert_memory_equal(frame_data(0, &len), "one", 3);
    assert_int_equal(qemu_send_packet(b, big, sizeof(big)), 0);   /* too long */
    assert_int_equal(qemu_send_packet(b, big, 0), 0);

    /* a cannot receive: frames queue, in order, and nothing overtakes them */
    sink.ready = false;
    assert_int_equal(qemu_send_packet(b, (const uint8_t *)"two", 3), 3);
    assert_int_equal(qemu_send_packet(b, (const uint8_t *)"three", 5), 5);
    assert_int_equal(qemu_net_queue_len(a), 2);
    sink.ready = true;
    assert_int_equal(qemu_send_packet(b, (const uint8_t *)"four", 4), 4);
    assert_int_equal(sink.frames->len, 1);
    qemu_flush_queued_packets(a);
    assert_int_equal(sink.frames->len, 4);
    assert_memory_equal(frame_data(1, &len), "two", 3);
    assert_memory_equal(frame_data(2, &len), "three", 5);
    assert_memory_equal(frame_data(3, &len), "four", 4);
    assert_int_equal(qemu_net_queue_len(a), 0);

    /* deleting the sender drops what it queued; the other side has no peer */
    sink.ready = false;
    qemu_send_packet(b, (const uint8_t *)"five", 4);
    assert_int_equal(qemu_net_queue_len(a), 1);
    qemu_del_net_client(b);
    assert_int_equal(qemu_net_queue_len(a), 0);
    assert_null(a->peer);
    assert_int_equal(qemu_send_packet(a, (const uint8_t *)"x", 1), 0);
    qemu_del_net_client(a);
    g_ptr_array_free(other.frames, true);
}

static void expect_netdev_error(const char *opts, const char *msg)
{
    GError *err = NULL;

    assert_false(netdev_add(opts, &err));
    assert_non_null(err);
    if (!strstr(err->message, msg)) {
        fail_msg("-netdev %s: unexpected error: %s", opts, err->message);
    }
    g_error_free(err);
}

static void test_netdev_errors(void **state)
{
    GError *err = NULL;

    expect_netdev_error("user", "missing id=ID");
    expect_netdev_error("user,id=1x", "id '1x' must start with a letter");
    expect_netdev_error("user,id=a,id=b", "parameter 'id' given twice");
    expect_netdev_error("id=n0", "missing backend type");
    expect_netdev_error("bogus,id=n0", "unknown backend type 'bogus'");
    expect_netdev_error("stream,id=n0,addr.type=inet", "'stream' is not supported yet");
    expect_netdev_error("socket,id=n0", "exactly one of listen=, connect= and udp=");
    expect_netdev_error("socket,id=n0,listen=:1,connect=127.0.0.1:2", "exactly one of");
    expect_netdev_error("socket,id=n0,listen=1234", "listen=1234: expected HOST:PORT");
    expect_netdev_error("socket,id=n0,connect=:1234", "connect=:1234: missing host");
    expect_netdev_error("socket,id=n0,udp=127.0.0.1:1234", "udp= and localaddr= go together");
    expect_netdev_error("socket,id=n0,mcast=230.0.0.1:1234", "mcast= and fd= are not supported");
    expect_netdev_error("user,id=n0,foo=1", "-netdev: unknown parameter 'foo'");
    expect_netdev_error("user,id=n0,net=10.0.2.1/24", "bits outside the mask");
    expect_netdev_error("user,id=n0,net=10.0.2.0/33", "prefix length must be 1 to 30");
    expect_netdev_error("user,id=n0,net=10.0.300.0", "is not an IPv4 address");
    expect_netdev_error("user,id=n0,dhcpstart=10.0.3.15", "outside the guest network");
    expect_netdev_error("user,id=n0,restrict=maybe", "is not a boolean");
    expect_netdev_error("user,id=n0,ipv6=on", "only ipv4=on,ipv6=off");
    expect_netdev_error("user,id=n0,hostfwd=tcp::22", "expected [tcp|udp]");
    expect_netdev_error("user,id=n0,hostfwd=sctp::2222-:22", "protocol must be tcp or udp");
    expect_netdev_error("user,id=n0,hostfwd=tcp::0-:22", "bad port '0'");
    expect_netdev_error("user,id=n0,hostfwd=tcp::2222-:99999", "bad port '99999'");
    expect_netdev_error("user,id=n0,hostfwd=tcp:1.2.3:2222-:22", "is not an IPv4 address");
    expect_netdev_error("tap,id=n0,hostfwd=tcp::2222-:22", "hostfwd is a parameter of -netdev user");
    expect_netdev_error("tap,id=n0,script=/etc/qemu-ifup", "Tern runs no interface scripts");
    expect_netdev_error("tap,id=n0,ifname=averyveryverylongname", "is longer than 15");
    /* nothing half-made stayed behind */
    assert_null(qemu_find_netdev("n0"));

    assert_true(netdev_add("user,id=n0,restrict=on,net=192.168.76.0/24", &err));
    assert_non_null(qemu_find_netdev("n0"));
    expect_netdev_error("user,id=n0", "duplicate id 'n0'");
}

static void test_help(void **state)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_false(netdev_help("user,id=n0", out));
    assert_true(netdev_help("help", out));
    assert_false(net_nic_help("user,model=virtio-net-device", out));
    assert_true(net_nic_help("user,model=help", out));
    fclose(out);
    assert_non_null(strstr(text, "Available netdev backend types:\nuser "));
    assert_non_null(strstr(text, "\ntap "));
    assert_non_null(strstr(text, "Available NIC models:\nvirtio-net-device\n"));
    free(text);
}

static void test_nic_errors(void **state)
{
    GError *err = NULL;

    assert_true(net_nic_parse("none", &err));
    assert_false(net_nic_parse("user,model=e1000", &err));
    assert_non_null(strstr(err->message, "model 'e1000' is not supported"));
    g_clear_error(&err);
    assert_false(net_nic_parse("user,mac=52:54:00", &err));
    assert_non_null(strstr(err->message, "mac '52:54:00' is not a MAC address"));
    g_clear_error(&err);
    assert_false(net_nic_parse("user,id=n1,id=n2", &err));
    assert_non_null(strstr(err->message, "parameter 'id' given twice"));
    g_clear_error(&err);
    assert_false(net_nic_parse("bogus", &err));
    assert_non_null(strstr(err->message, "unknown backend type 'bogus'"));
    g_clear_error(&err);
    assert_false(net_nic_parse("user,id=nicnet,hostfwd=udp:127.0.0.1:0-:53", &err));
    g_clear_error(&err);
    assert_true(net_nic_parse("user,id=nicnet,model=virtio-net-device", &err));
    assert_non_null(qemu_find_netdev("nicnet"));
}

static void test_mac(void **state)
{
    uint8_t mac[6];

    assert_true(net_parse_macaddr("52:54:00:ab:CD:0f", mac));
    assert_memory_equal(mac, "\x52\x54\x00\xab\xcd\x0f", 6);
    assert_false(net_parse_macaddr("52:54:00:ab:cd", mac));
    assert_false(net_parse_macaddr("52:54:00:ab:cd:0f:", mac));
    assert_false(net_parse_macaddr("52:54:00:ab:cd:100", mac));
    assert_false(net_parse_macaddr("52-54-00-ab-cd-0f", mac));
    assert_false(net_parse_macaddr(":54:00:ab:cd:0f", mac));
}

/* An ARP request from 52:54:00:12:34:56 / 10.0.2.15 for target. */
static void make_arp_request(uint8_t f[42], uint32_t target)
{
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    uint32_t sender = htonl(0x0a00020f);

    memset(f, 0xff, 6);                                 /* broadcast */
    memcpy(f + 6, mac, 6);
    memcpy(f + 12, "\x08\x06", 2);                      /* ARP */
    memcpy(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);   /* Ethernet/IPv4 request */
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, &sender, 4);
    memset(f + 32, 0, 6);
    target = htonl(target);
    memcpy(f + 38, &target, 4);
}

static bool has_frames(void *opaque)
{
    Sink *s = opaque;

    return s->frames->len >= 1;
}

static void test_user_arp(void **state)
{
    GError *err = NULL;
    NetClientState *user, *nic;
    uint8_t req[42];
    size_t len;
    const uint8_t *reply;

    assert_true(netdev_add("user,id=u0", &err));
    user = qemu_find_netdev("u0");
    nic = qemu_new_net_client(&sink_info, user, "nic", &sink);
    make_arp_request(req, 0x0a000202);                  /* who has 10.0.2.2? */
    qemu_send_packet(nic, req, sizeof(req));
    assert_true(test_run_until(has_frames, &sink));
    reply = frame_data(0, &len);
    assert_true(len >= 42);
    assert_memory_equal(reply, "\x52\x54\x00\x12\x34\x56", 6);     /* to the guest */
    assert_memory_equal(reply + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02", 10);
    assert_memory_equal(reply + 28, "\x0a\x00\x02\x02", 4);        /* 10.0.2.2 is at ... */
    qemu_del_net_client(nic);
}

static int free_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void test_user_hostfwd(void **state)
{
    GError *err = NULL;
    int port = free_port();
    g_autofree char *opts = g_strdup_printf("user,id=u1,hostfwd=tcp:127.0.0.1:%d-:8080,"
                                            "hostfwd=udp:127.0.0.1:%d-10.0.2.16:53",
                                            port, port);
    g_autofree char *again = g_strdup_printf("user,id=u2,hostfwd=tcp:127.0.0.1:%d-:22", port);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    NetClientState *nic;
    size_t len;
    const uint8_t *f;
    int fd;

    assert_true(netdev_add(opts, &err));
    nic = qemu_new_net_client(&sink_info, qemu_find_netdev("u1"), "nic", &sink);
    /* the port is taken now */
    assert_false(netdev_add(again, &err));
    assert_non_null(strstr(err->message, "could not listen on TCP port"));
    g_clear_error(&err);
    assert_null(qemu_find_netdev("u2"));

    /* a host connection makes slirp look for the guest: ARP for 10.0.2.15 */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_true(test_run_until(has_frames, &sink));
    f = frame_data(0, &len);
    assert_true(len >= 42);
    assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
    assert_memory_equal(f + 12, "\x08\x06", 2);
    assert_memory_equal(f + 38, "\x0a\x00\x02\x0f", 4);
    close(fd);
    qemu_del_net_client(nic);
}

static bool is_closed(void *opaque)
{
    char c;

    return recv(*(int *)opaque, &c, 1, MSG_DONTWAIT) == 0;
}

/* Two socket backends, each with a front end: frames go both ways. */
static void check_socket_pair(const char *opts_a, const char *opts_b)
{
    GError *err = NULL;
    Sink other = { g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), true };
    NetClientState *nic_a, *nic_b;
    uint8_t big[9000];
    size_t len;

    if (!netdev_add(opts_a, &err) || !netdev_add(opts_b, &err)) {
        fail_msg("%s", err->message);
    }
    nic_a = qemu_new_net_client(&sink_info, qemu_find_netdev("sa"), "nic-a", &sink);
    nic_b = qemu_new_net_client(&sink_info, qemu_find_netdev("sb"), "nic-b", &other);
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 13);
    }
    /* b (connect/udp) sends first, which also lets a listener accept */
    qemu_send_packet(nic_b, big, sizeof(big));
    assert_true(test_run_until(has_frames, &sink));
    assert_int_equal(sink.frames->len, 1);
    assert_memory_equal(frame_data(0, &len), big, sizeof(big));
    assert_int_equal(len, sizeof(big));
    qemu_send_packet(nic_a, (const uint8_t *)"back to b", 9);
    assert_true(test_run_until(has_frames, &other));
    assert_int_equal(g_bytes_get_size(g_ptr_array_index(other.frames, 0)), 9);
    qemu_del_net_client(nic_a);
    qemu_del_net_client(nic_b);
    g_ptr_array_free(other.frames, true);
}

static void test_socket_stream(void **state)
{
    int port = free_port();
    g_autofree char *a = g_strdup_printf("socket,id=sa,listen=127.0.0.1:%d", port);
    g_autofree char *b = g_strdup_printf("socket,id=sb,connect=127.0.0.1:%d", port);

    check_socket_pair(a, b);
}

static void test_socket_udp(void **state)
{
    int pa = free_port(), pb = free_port();
    g_autofree char *a = g_strdup_printf("socket,id=sa,udp=127.0.0.1:%d,localaddr="
                                         "127.0.0.1:%d", pb, pa);
    g_autofree char *b = g_strdup_printf("socket,id=sb,udp=127.0.0.1:%d,localaddr="
                                         "127.0.0.1:%d", pa, pb);

    check_socket_pair(a, b);
}

/* A peer that sends a bad length is disconnected; the backend listens again. */
static void test_socket_bad_peer(void **state)
{
    GError *err = NULL;
    int port = free_port();
    g_autofree char *opts = g_strdup_printf("socket,id=sa,listen=127.0.0.1:%d", port);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    static const uint8_t bad[4] = { 0x7f, 0xff, 0xff, 0xff };
    static const uint8_t good[7] = { 0, 0, 0, 3, 'a', 'b', 'c' };
    NetClientState *nic;
    size_t len;
    int fd;

    assert_true(netdev_add(opts, &err));
    nic = qemu_new_net_client(&sink_info, qemu_find_netdev("sa"), "nic", &sink);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(send(fd, bad, sizeof(bad), 0), sizeof(bad));
    assert_true(test_run_until(is_closed, &fd));
    close(fd);
    assert_int_equal(sink.frames->len, 0);

    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(send(fd, good, sizeof(good), 0), sizeof(good));
    assert_true(test_run_until(has_frames, &sink));
    assert_memory_equal(frame_data(0, &len), "abc", 3);
    assert_int_equal(len, 3);
    close(fd);
    qemu_del_net_client(nic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pair_and_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_netdev_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nic_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_arp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_hostfwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_bad_peer, setup, teardown),
    };

    bql_lock();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
