/*
 * -netdev user: a user-mode TCP/IP stack (libslirp) between the guest and
 * the host's sockets. By default the guest network is 10.0.2.0/24, the host
 * (gateway) is 10.0.2.2, DNS 10.0.2.3 and DHCP hands out 10.0.2.15 onwards,
 * as in QEMU. libslirp's sockets are polled from the main loop through a
 * GSource; its timers are Tern timers on the virtual clock.
 */
#include "tern/osdep.h"
#include "net/net.h"
#include "sysemu/main-loop.h"
#include <slirp/libslirp.h>
#include <arpa/inet.h>

typedef struct SlirpSource SlirpSource;

typedef struct NetSlirp {
    NetClientState *nc;
    Slirp *slirp;
    SlirpSource *source;
} NetSlirp;

struct SlirpSource {
    GSource parent;
    NetSlirp *s;
    GPtrArray *fds;         /* GPollFD * added for this iteration */
    gint64 deadline;        /* monotonic us when slirp wants to run its timers */
};

/* ---- slirp's callbacks ---- */

static ssize_t slirp_send_packet(const void *buf, size_t len, void *opaque)
{
    NetSlirp *s = opaque;

    qemu_send_packet(s->nc, buf, len);
    return len;
}

static void slirp_guest_error(const char *msg, void *opaque)
{
    tern_log_mask(LOG_GUEST_ERROR, "-netdev user: %s\n", msg);
}

static int64_t slirp_clock_get_ns(void *opaque)
{
    return clock_get_ns(CLOCK_VIRTUAL);
}

static void *slirp_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    return timer_new_ns(CLOCK_VIRTUAL, cb, cb_opaque);
}

static void slirp_timer_free(void *timer, void *opaque)
{
    timer_free(timer);
}

static void slirp_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    timer_mod_ns(timer, expire_ms * 1000000);
}

static void slirp_register_poll_fd(int fd, void *opaque)
{
    /* every fd is handed to us again by slirp_pollfds_fill */
}

static void slirp_notify(void *opaque)
{
    main_loop_wakeup();
}

static const SlirpCb slirp_callbacks = {
    .send_packet = slirp_send_packet,
    .guest_error = slirp_guest_error,
    .clock_get_ns = slirp_clock_get_ns,
    .timer_new = slirp_timer_new,
    .timer_free = slirp_timer_free,
    .timer_mod = slirp_timer_mod,
    .register_poll_fd = slirp_register_poll_fd,
    .unregister_poll_fd = slirp_register_poll_fd,
    .notify = slirp_notify,
};

/* ---- the main-loop source ---- */

static void remove_fds(SlirpSource *src)
{
    for (guint i = 0; i < src->fds->len; i++) {
        g_source_remove_poll(&src->parent, g_ptr_array_index(src->fds, i));
    }
    g_ptr_array_set_size(src->fds, 0);
}

static int slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD *pfd = g_new0(GPollFD, 1);

    pfd->fd = fd;
    pfd->events = (events & SLIRP_POLL_IN ? G_IO_IN : 0) |
                  (events & SLIRP_POLL_OUT ? G_IO_OUT : 0) |
                  (events & SLIRP_POLL_PRI ? G_IO_PRI : 0) |
                  (events & SLIRP_POLL_ERR ? G_IO_ERR : 0) |
                  (events & SLIRP_POLL_HUP ? G_IO_HUP : 0);
    g_source_add_poll(&src->parent, pfd);
    g_ptr_array_add(src->fds, pfd);
    return src->fds->len - 1;
}

static int slirp_get_revents(int idx, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD *pfd;
    int r = 0;

    if (idx < 0 || (guint)idx >= src->fds->len) {
        return 0;
    }
    pfd = g_ptr_array_index(src->fds, idx);
    r |= pfd->revents & G_IO_IN ? SLIRP_POLL_IN : 0;
    r |= pfd->revents & G_IO_OUT ? SLIRP_POLL_OUT : 0;
    r |= pfd->revents & G_IO_PRI ? SLIRP_POLL_PRI : 0;
    r |= pfd->revents & (G_IO_ERR | G_IO_NVAL) ? SLIRP_POLL_ERR : 0;
    r |= pfd->revents & G_IO_HUP ? SLIRP_POLL_HUP : 0;
    return r;
}

static gboolean slirp_source_prepare(GSource *gs, gint *timeout_ms)
{
    SlirpSource *src = (SlirpSource *)gs;
    uint32_t timeout = UINT32_MAX;

    remove_fds(src);
    slirp_pollfds_fill(src->s->slirp, &timeout, slirp_add_poll, src);
    *timeout_ms = timeout == UINT32_MAX ? -1 : (gint)MIN(timeout, (uint32_t)G_MAXINT);
    src->deadline = timeout == UINT32_MAX ? G_MAXINT64
                                          : g_get_monotonic_time() + (gint64)timeout * 1000;
    return FALSE;
}

static gboolean slirp_source_check(GSource *gs)
{
    SlirpSource *src = (SlirpSource *)gs;

    for (guint i = 0; i < src->fds->len; i++) {
        if (((GPollFD *)g_ptr_array_index(src->fds, i))->revents) {
            return TRUE;
        }
    }
    return g_get_monotonic_time() >= src->deadline;
}

static gboolean slirp_source_dispatch(GSource *gs, GSourceFunc cb, gpointer data)
{
    SlirpSource *src = (SlirpSource *)gs;

    slirp_pollfds_poll(src->s->slirp, 0, slirp_get_revents, src);
    return G_SOURCE_CONTINUE;
}

static void slirp_source_finalize(GSource *gs)
{
    SlirpSource *src = (SlirpSource *)gs;

    g_ptr_array_free(src->fds, true);
}

static GSourceFuncs slirp_source_funcs = {
    .prepare = slirp_source_prepare,
    .check = slirp_source_check,
    .dispatch = slirp_source_dispatch,
    .finalize = slirp_source_finalize,
};

/* ---- the client ---- */

static ssize_t net_slirp_receive(NetClientState *nc, const uint8_t *buf, size_t len)
{
    NetSlirp *s = nc->opaque;

    slirp_input(s->slirp, buf, len);
    return len;
}

static void net_slirp_cleanup(NetClientState *nc)
{
    NetSlirp *s = nc->opaque;

    remove_fds(s->source);
    g_source_destroy(&s->source->parent);
    g_source_unref(&s->source->parent);
    slirp_cleanup(s->slirp);
    g_free(s);
}

static const NetClientInfo net_slirp_info = {
    .type = "user",
    .receive = net_slirp_receive,
    .cleanup = net_slirp_cleanup,
};

/* ---- options ---- */

static bool parse_ipv4(const char *what, const char *str, struct in_addr *addr,
                       GError **errp)
{
    if (inet_pton(AF_INET, str, addr) != 1) {
        error_setg(errp, "%s '%s' is not an IPv4 address", what, str);
        return false;
    }
    return true;
}

/* net=ADDR[/BITS|/MASK] */
static bool parse_net(const char *str, struct in_addr *net, struct in_addr *mask,
                      GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(str, "/", 2);
    uint64_t bits = 24;

    if (!parse_ipv4("net", parts[0], net, errp)) {
        return false;
    }
    if (parts[1] && strchr(parts[1], '.')) {
        if (!parse_ipv4("net mask", parts[1], mask, errp)) {
            return false;
        }
    } else {
        if (parts[1] && (!parse_u64(parts[1], &bits, NULL) || bits < 1 || bits > 30)) {
            error_setg(errp, "net '%s': prefix length must be 1 to 30", str);
            return false;
        }
        mask->s_addr = htonl(0xffffffffu << (32 - bits));
    }
    if (net->s_addr & ~mask->s_addr) {
        error_setg(errp, "net '%s': the address has bits outside the mask", str);
        return false;
    }
    return true;
}

/* An address inside the guest network: given, or network + host_part. */
static bool net_addr(KeyVal *kv, const char *key, struct in_addr net, struct in_addr mask,
                     uint32_t host_part, struct in_addr *out, GError **errp)
{
    const char *v = keyval_get(kv, key);

    if (!v) {
        out->s_addr = net.s_addr | htonl(host_part);
        return true;
    }
    if (!parse_ipv4(key, v, out, errp)) {
        return false;
    }
    if ((out->s_addr & mask.s_addr) != net.s_addr) {
        error_setg(errp, "%s %s is outside the guest network", key, v);
        return false;
    }
    return true;
}

/* A port number 1..65535. */
static bool parse_port(const char *rule, const char *str, int *port, GError **errp)
{
    uint64_t v;

    if (!parse_u64(str, &v, NULL) || v < 1 || v > 65535) {
        error_setg(errp, "hostfwd '%s': bad port '%s'", rule, str);
        return false;
    }
    *port = v;
    return true;
}

/* [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static bool add_hostfwd(Slirp *slirp, const char *rule, struct in_addr default_guest,
                        GError **errp)
{
    g_auto(GStrv) sides = g_strsplit(rule, "-", 2);
    g_auto(GStrv) host = NULL, guest = NULL;
    struct in_addr haddr = { .s_addr = INADDR_ANY }, gaddr = default_guest;
    int hport, gport;
    bool udp = false;

    if (!sides[0] || !sides[1]) {
        error_setg(errp, "hostfwd '%s': expected [tcp|udp]:[hostaddr]:hostport-"
                   "[guestaddr]:guestport", rule);
        return false;
    }
    host = g_strsplit(sides[0], ":", 3);
    guest = g_strsplit(sides[1], ":", 2);
    if (g_strv_length(host) != 3 || g_strv_length(guest) != 2) {
        error_setg(errp, "hostfwd '%s': expected [tcp|udp]:[hostaddr]:hostport-"
                   "[guestaddr]:guestport", rule);
        return false;
    }
    if (!strcmp(host[0], "udp")) {
        udp = true;
    } else if (host[0][0] && strcmp(host[0], "tcp") != 0) {
        error_setg(errp, "hostfwd '%s': protocol must be tcp or udp", rule);
        return false;
    }
    if ((host[1][0] && !parse_ipv4("hostfwd host address", host[1], &haddr, errp)) ||
        !parse_port(rule, host[2], &hport, errp) ||
        (guest[0][0] && !parse_ipv4("hostfwd guest address", guest[0], &gaddr, errp)) ||
        !parse_port(rule, guest[1], &gport, errp)) {
        return false;
    }
    if (slirp_add_hostfwd(slirp, udp, haddr, hport, gaddr, gport) < 0) {
        error_setg(errp, "hostfwd '%s': could not listen on %s port %d: %s", rule,
                   udp ? "UDP" : "TCP", hport, g_strerror(errno));
        return false;
    }
    return true;
}

bool net_init_user(KeyVal *kv, const char *id, const char *const *hostfwd, GError **errp)
{
    SlirpConfig cfg = { .version = 3, .in_enabled = true };
    struct in_addr net = { .s_addr = htonl(0x0a000200) };     /* 10.0.2.0 */
    struct in_addr mask = { .s_addr = htonl(0xffffff00) };
    const char *v;
    bool restrict_ = false, ipv4 = true, ipv6 = false;
    NetSlirp *s;

    if ((v = keyval_get(kv, "net")) && !parse_net(v, &net, &mask, errp)) {
        return false;
    }
    cfg.vnetwork = net;
    cfg.vnetmask = mask;
    if (!net_addr(kv, "host", net, mask, 2, &cfg.vhost, errp) ||
        !net_addr(kv, "dns", net, mask, 3, &cfg.vnameserver, errp) ||
        !net_addr(kv, "dhcpstart", net, mask, 15, &cfg.vdhcp_start, errp) ||
        !keyval_get_bool(kv, "restrict", &restrict_, errp) ||
        !keyval_get_bool(kv, "ipv4", &ipv4, errp) ||
        !keyval_get_bool(kv, "ipv6", &ipv6, errp)) {
        return false;
    }
    if (!ipv4 || ipv6) {
        error_setg(errp, "only ipv4=on,ipv6=off is supported yet");
        return false;
    }
    cfg.restricted = restrict_;
    cfg.vhostname = keyval_get(kv, "hostname");
    cfg.vdomainname = keyval_get(kv, "domainname");
    cfg.tftp_path = keyval_get(kv, "tftp");
    cfg.tftp_server_name = keyval_get(kv, "tftp-server-name");
    cfg.bootfile = keyval_get(kv, "bootfile");
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }

    s = g_new0(NetSlirp, 1);
    s->slirp = slirp_new(&cfg, &slirp_callbacks, s);
    if (!s->slirp) {
        error_setg(errp, "libslirp could not be initialised");
        g_free(s);
        return false;
    }
    s->nc = qemu_new_net_client(&net_slirp_info, NULL, id, s);
    s->source = (SlirpSource *)g_source_new(&slirp_source_funcs, sizeof(SlirpSource));
    s->source->s = s;
    s->source->fds = g_ptr_array_new_with_free_func(g_free);
    g_source_attach(&s->source->parent, main_loop_context());
    for (const char *const *r = hostfwd; *r; r++) {
        if (!add_hostfwd(s->slirp, *r, cfg.vdhcp_start, errp)) {
            qemu_del_net_client(s->nc);
            return false;
        }
    }
    net_register_netdev(s->nc);
    return true;
}
