/*
 * -netdev tap: frames go to and from a host tap interface (/dev/net/tun,
 * IFF_TAP without packet information). Tern runs no ifup scripts: the
 * interface is configured outside (script=no,downscript=no).
 */
#include "tern/osdep.h"
#include "net/net.h"
#include "sysemu/main-loop.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <glib-unix.h>

typedef struct NetTap {
    NetClientState *nc;
    int fd;
    guint watch;
} NetTap;

/* Frames the host sent to the interface, on to the NIC. */
static gboolean tap_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetTap *t = opaque;
    uint8_t buf[NET_PACKET_MAX];

    /* a bounded batch, so one busy interface cannot starve the main loop */
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n <= 0) {
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                warn_report("-netdev tap,id=%s: read failed: %s", t->nc->name,
                            g_strerror(errno));
            }
            break;
        }
        qemu_send_packet(t->nc, buf, n);
    }
    return G_SOURCE_CONTINUE;
}

static ssize_t tap_receive(NetClientState *nc, const uint8_t *buf, size_t len)
{
    NetTap *t = nc->opaque;

    /* a full host queue drops the frame, as a busy wire would */
    if (write(t->fd, buf, len) < 0 && errno != EAGAIN && errno != EINTR) {
        warn_report("-netdev tap,id=%s: write failed: %s", nc->name, g_strerror(errno));
    }
    return len;
}

static void tap_cleanup(NetClientState *nc)
{
    NetTap *t = nc->opaque;

    g_source_remove(t->watch);
    close(t->fd);
    g_free(t);
}

static const NetClientInfo net_tap_info = {
    .type = "tap",
    .receive = tap_receive,
    .cleanup = tap_cleanup,
};

static bool check_no_script(KeyVal *kv, const char *key, GError **errp)
{
    const char *v = keyval_get(kv, key);

    if (v && strcmp(v, "no") != 0 && v[0]) {
        error_setg(errp, "%s=%s: Tern runs no interface scripts; configure the tap "
                   "interface beforehand and use %s=no", key, v, key);
        return false;
    }
    return true;
}

bool net_init_tap(KeyVal *kv, const char *id, const char *const *hostfwd, GError **errp)
{
    const char *ifname = keyval_get(kv, "ifname");
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
    NetTap *t;
    int fd;

    if (!check_no_script(kv, "script", errp) || !check_no_script(kv, "downscript", errp)) {
        return false;
    }
    if (keyval_has(kv, "fd") || keyval_has(kv, "fds") || keyval_has(kv, "vhost")) {
        error_setg(errp, "fd=, fds= and vhost= are not supported yet (use ifname=)");
        return false;
    }
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (ifname && strlen(ifname) >= IFNAMSIZ) {
        error_setg(errp, "ifname '%s' is longer than %d characters", ifname, IFNAMSIZ - 1);
        return false;
    }
    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "could not open /dev/net/tun%s",
                         errno == EACCES || errno == EPERM
                         ? " (tap needs CAP_NET_ADMIN or access to /dev/net/tun)" : "");
        return false;
    }
    if (ifname) {
        g_strlcpy(ifr.ifr_name, ifname, IFNAMSIZ);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error_setg_errno(errp, errno, "could not create tap interface '%s'%s",
                         ifname ? ifname : "tap%d",
                         errno == EPERM ? " (needs CAP_NET_ADMIN, or a tap interface "
                         "owned by this user)" : "");
        close(fd);
        return false;
    }
    t = g_new0(NetTap, 1);
    t->fd = fd;
    t->nc = qemu_new_net_client(&net_tap_info, NULL, id, t);
    t->watch = g_unix_fd_add(fd, G_IO_IN, tap_readable, t);
    net_register_netdev(t->nc);
    return true;
}
