/*
 * -netdev socket: frames over a host socket, compatible with QEMU's socket
 * backend, so Tern and QEMU guests can share a wire.
 *   listen=[HOST]:PORT / connect=HOST:PORT  TCP; each frame is preceded by
 *                                           its length (4 bytes, big-endian)
 *   udp=HOST:PORT,localaddr=HOST:PORT       UDP; one datagram per frame
 * A listening backend serves one connection at a time and listens again when
 * it closes. Frames that find the socket full are dropped, as on a busy wire.
 */
#include "tern/osdep.h"
#include "net/net.h"
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOCKET_OUT_MAX  (1024 * 1024)   /* bytes waiting for a slow stream peer */

typedef struct NetSocket {
    NetClientState *nc;
    int listen_fd, fd;                  /* -1: none */
    guint listen_watch, read_watch, write_watch;
    bool dgram;
    struct sockaddr_in dgram_peer;
    uint8_t in[4 + NET_PACKET_MAX];     /* a stream frame being read */
    size_t in_len;
    GByteArray *out;                    /* stream bytes not written yet */
} NetSocket;

static void remove_watch(guint *id)
{
    if (*id) {
        g_source_remove(*id);
        *id = 0;
    }
}

static gboolean socket_accept(gint fd, GIOCondition cond, gpointer opaque);

/* Drop the connection; a listening backend waits for the next one. */
static void socket_disconnect(NetSocket *s)
{
    remove_watch(&s->read_watch);
    remove_watch(&s->write_watch);
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    s->in_len = 0;
    g_byte_array_set_size(s->out, 0);
    if (s->listen_fd >= 0 && !s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN, socket_accept, s);
    }
}

/* Frames in s->in[0, in_len) on to the NIC; false if the stream is corrupt. */
static bool stream_deliver(NetSocket *s)
{
    size_t off = 0;

    while (s->in_len - off >= 4) {
        uint32_t len = (uint32_t)s->in[off] << 24 | s->in[off + 1] << 16 |
                       s->in[off + 2] << 8 | s->in[off + 3];

        if (len == 0 || len > NET_PACKET_MAX) {
            warn_report("-netdev socket,id=%s: bad frame length %u from the peer; "
                        "closing the connection", s->nc->name, len);
            return false;
        }
        if (s->in_len - off - 4 < len) {
            break;
        }
        qemu_send_packet(s->nc, s->in + off + 4, len);
        off += 4 + len;
    }
    memmove(s->in, s->in + off, s->in_len - off);
    s->in_len -= off;
    return true;
}

static gboolean socket_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetSocket *s = opaque;
    ssize_t n;

    if (s->dgram) {
        n = recv(fd, s->in, NET_PACKET_MAX, 0);
        if (n > 0) {
            qemu_send_packet(s->nc, s->in, n);
        }
        return G_SOURCE_CONTINUE;
    }
    n = recv(fd, s->in + s->in_len, sizeof(s->in) - s->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n > 0) {
        s->in_len += n;
        if (stream_deliver(s)) {
            return G_SOURCE_CONTINUE;
        }
    }
    /* closed by the peer, failed, or a corrupt stream */
    s->read_watch = 0;              /* removed by returning G_SOURCE_REMOVE */
    socket_disconnect(s);
    return G_SOURCE_REMOVE;
}

/* Write what is pending; false if the connection failed. */
static bool stream_flush(NetSocket *s)
{
    while (s->out->len) {
        ssize_t n = send(s->fd, s->out->data, s->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0) {
            return errno == EAGAIN || errno == EINTR;
        }
        g_byte_array_remove_range(s->out, 0, n);
    }
    return true;
}

static gboolean socket_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetSocket *s = opaque;

    if (!stream_flush(s)) {
        s->write_watch = 0;
        socket_disconnect(s);
        return G_SOURCE_REMOVE;
    }
    if (s->out->len) {
        return G_SOURCE_CONTINUE;
    }
    s->write_watch = 0;
    return G_SOURCE_REMOVE;
}

static void socket_connected(NetSocket *s, int fd)
{
    int one = 1;

    g_unix_set_fd_nonblocking(fd, true, NULL);
    if (!s->dgram) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    s->fd = fd;
    s->read_watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, socket_readable, s);
}

static gboolean socket_accept(gint lfd, GIOCondition cond, gpointer opaque)
{
    NetSocket *s = opaque;
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        return G_SOURCE_CONTINUE;
    }
    socket_connected(s, fd);
    s->listen_watch = 0;            /* one connection at a time */
    return G_SOURCE_REMOVE;
}

static ssize_t socket_receive(NetClientState *nc, const uint8_t *buf, size_t len)
{
    NetSocket *s = nc->opaque;
    uint8_t hdr[4] = { len >> 24, len >> 16, len >> 8, len };

    if (s->fd < 0) {
        return len;                 /* no peer: the frame is lost, as on an unplugged wire */
    }
    if (s->dgram) {
        sendto(s->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&s->dgram_peer,
               sizeof(s->dgram_peer));
        return len;
    }
    if (s->out->len + 4 + len > SOCKET_OUT_MAX) {
        return len;                 /* the peer does not keep up: drop */
    }
    g_byte_array_append(s->out, hdr, 4);
    g_byte_array_append(s->out, buf, len);
    if (!stream_flush(s)) {
        socket_disconnect(s);
    } else if (s->out->len && !s->write_watch) {
        s->write_watch = g_unix_fd_add(s->fd, G_IO_OUT, socket_writable, s);
    }
    return len;
}

static void socket_cleanup(NetClientState *nc)
{
    NetSocket *s = nc->opaque;

    remove_watch(&s->listen_watch);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    socket_disconnect(s);
    g_byte_array_free(s->out, true);
    g_free(s);
}

static const NetClientInfo net_socket_info = {
    .type = "socket",
    .receive = socket_receive,
    .cleanup = socket_cleanup,
};

/* "[HOST]:PORT" (HOST empty: any for listening, else required). */
static bool parse_hostport(const char *key, const char *str, bool host_optional,
                           struct sockaddr_in *sa, GError **errp)
{
    const char *colon = strrchr(str, ':');
    g_autofree char *host = colon ? g_strndup(str, colon - str) : NULL;
    struct addrinfo hints = { .ai_family = AF_INET }, *res;
    uint64_t port;
    int rc;

    if (!colon || !parse_u64(colon + 1, &port, NULL) || port == 0 || port > 65535) {
        error_setg(errp, "%s=%s: expected HOST:PORT", key, str);
        return false;
    }
    *sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
                                .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (!host[0]) {
        if (!host_optional) {
            error_setg(errp, "%s=%s: missing host", key, str);
            return false;
        }
        return true;
    }
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc) {
        error_setg(errp, "%s=%s: host '%s': %s", key, str, host, gai_strerror(rc));
        return false;
    }
    sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return true;
}

static int open_socket(int type, const char *key, const char *arg,
                       const struct sockaddr_in *bind_to, const struct sockaddr_in *connect_to,
                       GError **errp)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0) {
        error_setg_errno(errp, errno, "%s=%s: socket", key, arg);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind_to && bind(fd, (const struct sockaddr *)bind_to, sizeof(*bind_to)) < 0) {
        error_setg_errno(errp, errno, "%s=%s: could not bind", key, arg);
        close(fd);
        return -1;
    }
    if (connect_to && connect(fd, (const struct sockaddr *)connect_to,
                              sizeof(*connect_to)) < 0) {
        error_setg_errno(errp, errno, "%s=%s: could not connect", key, arg);
        close(fd);
        return -1;
    }
    return fd;
}

bool net_init_socket(KeyVal *kv, const char *id, const char *const *hostfwd, GError **errp)
{
    const char *listen_at = keyval_get(kv, "listen"), *connect_to = keyval_get(kv, "connect");
    const char *udp = keyval_get(kv, "udp"), *localaddr = keyval_get(kv, "localaddr");
    struct sockaddr_in sa, local;
    NetSocket *s;
    int fd;

    if (keyval_has(kv, "mcast") || keyval_has(kv, "fd")) {
        error_setg(errp, "mcast= and fd= are not supported yet (use listen=, connect= "
                   "or udp=)");
        return false;
    }
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (!!listen_at + !!connect_to + !!udp != 1) {
        error_setg(errp, "exactly one of listen=, connect= and udp= is needed");
        return false;
    }
    if (udp ? !localaddr : !!localaddr) {
        error_setg(errp, "udp= and localaddr= go together");
        return false;
    }
    s = g_new0(NetSocket, 1);
    s->listen_fd = s->fd = -1;
    s->out = g_byte_array_new();
    if (listen_at) {
        if (!parse_hostport("listen", listen_at, true, &sa, errp) ||
            (s->listen_fd = open_socket(SOCK_STREAM, "listen", listen_at, &sa, NULL,
                                        errp)) < 0) {
            goto fail;
        }
        if (listen(s->listen_fd, 1) < 0) {
            error_setg_errno(errp, errno, "listen=%s: could not listen", listen_at);
            goto fail;
        }
    } else if (connect_to) {
        if (!parse_hostport("connect", connect_to, false, &sa, errp) ||
            (fd = open_socket(SOCK_STREAM, "connect", connect_to, NULL, &sa, errp)) < 0) {
            goto fail;
        }
        socket_connected(s, fd);
    } else {
        if (!parse_hostport("udp", udp, false, &s->dgram_peer, errp) ||
            !parse_hostport("localaddr", localaddr, true, &local, errp) ||
            (fd = open_socket(SOCK_DGRAM, "localaddr", localaddr, &local, NULL, errp)) < 0) {
            goto fail;
        }
        s->dgram = true;
        socket_connected(s, fd);
    }
    s->nc = qemu_new_net_client(&net_socket_info, NULL, id, s);
    if (listen_at) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN, socket_accept, s);
    }
    net_register_netdev(s->nc);
    return true;

fail:
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    g_byte_array_free(s->out, true);
    g_free(s);
    return false;
}
