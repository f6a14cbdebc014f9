/*
 * socket backend: a unix (path=) or TCP (host=,port=) stream, as a server
 * (server=on: one client at a time; wait=on blocks start-up until the first
 * client connects) or a client (connects at start-up). Output while nobody is
 * connected is dropped.
 */
#include "tern/osdep.h"
#include "chardev-internal.h"
#include "util/sockets.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct SocketChardev {
    Chardev parent;
    bool server;
    bool nodelay;
    int listen_fd;
    int fd;                     /* the connection, -1 if none */
    ChrFdWatch *listen_watch;
    ChrFdWatch *watch;
    char *address;              /* "unix:/path" or "tcp:host:port" */
} SocketChardev;

static void socket_update_filename(SocketChardev *s)
{
    Chardev *chr = &s->parent;

    g_free(chr->filename);
    chr->filename = g_strdup_printf("%s%s%s", s->fd < 0 ? "disconnected:" : "",
                                    s->address, s->server ? ",server=on" : "");
}

static bool socket_input_ready(Chardev *chr)
{
    return ((SocketChardev *)chr)->fd >= 0 && chr_ready_for_input(chr);
}

static void socket_disconnect(SocketChardev *s)
{
    Chardev *chr = &s->parent;

    chr_fd_watch_free(s->watch);
    s->watch = NULL;
    g_mutex_lock(&chr->write_lock);     /* a writer may be using the fd */
    close(s->fd);
    s->fd = -1;
    chr->out_fd = -1;
    g_mutex_unlock(&chr->write_lock);
    socket_update_filename(s);
    chr_set_open(chr, false);
}

static void socket_input(Chardev *chr, GIOCondition cond)
{
    SocketChardev *s = (SocketChardev *)chr;
    ssize_t n = chr_fd_read_input(chr, s->fd);

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        socket_disconnect(s);
    }
}

static void socket_connected(SocketChardev *s, int fd)
{
    Chardev *chr = &s->parent;
    int one = 1;

    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (s->nodelay) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    g_mutex_lock(&chr->write_lock);
    s->fd = fd;
    chr->out_fd = fd;
    g_mutex_unlock(&chr->write_lock);
    s->watch = chr_fd_watch_new(chr, fd, socket_input_ready, socket_input);
    socket_update_filename(s);
    chr_set_open(chr, true);
}

static bool socket_listen_ready(Chardev *chr)
{
    return ((SocketChardev *)chr)->fd < 0;
}

static void socket_accept(Chardev *chr, GIOCondition cond)
{
    SocketChardev *s = (SocketChardev *)chr;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd >= 0) {
        socket_connected(s, fd);
    }
}

/* Open a socket for the address and bind+listen (server) or connect. */
static int socket_unix(const char *path, bool server, GError **errp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        error_setg(errp, "path '%s' is too long for a unix socket (at most %zu bytes)",
                   path, sizeof(sun.sun_path) - 1);
        return -1;
    }
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "could not create a unix socket");
        return -1;
    }
    if (server) {
        unlink(path);   /* a stale socket from an earlier run */
        if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 1) < 0) {
            error_setg_errno(errp, errno, "could not listen on unix socket '%s'", path);
            close(fd);
            return -1;
        }
    } else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        error_setg_errno(errp, errno, "could not connect to unix socket '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

static bool socket_open(Chardev *chr, KeyVal *opts, GError **errp)
{
    SocketChardev *s = (SocketChardev *)chr;
    const char *path = keyval_get(opts, "path");
    const char *host = keyval_get(opts, "host");
    const char *port = keyval_get(opts, "port");
    bool wait = true, nowait = false, telnet = false;
    int fd;

    s->fd = s->listen_fd = -1;
    if (!keyval_get_bool(opts, "server", &s->server, errp) ||
        !keyval_get_bool(opts, "wait", &wait, errp) ||
        !keyval_get_bool(opts, "nowait", &nowait, errp) ||     /* old "server,nowait" */
        !keyval_get_bool(opts, "telnet", &telnet, errp) ||
        !keyval_get_bool(opts, "nodelay", &s->nodelay, errp)) {
        return false;
    }
    wait = wait && !nowait;
    if (telnet) {
        error_setg(errp, "telnet=on is not supported");
        return false;
    }
    if (keyval_get(opts, "reconnect")) {
        error_setg(errp, "reconnect= is not supported");
        return false;
    }
    if (path && (host || port)) {
        error_setg(errp, "give either path= or host=/port=, not both");
        return false;
    }
    if (path) {
        s->address = g_strdup_printf("unix:%s", path);
        fd = socket_unix(path, s->server, errp);
    } else if (port) {
        s->address = g_strdup_printf("tcp:%s:%s", host ? host : "", port);
        fd = inet_socket(host ? host : "", port, s->server, errp);
    } else {
        error_setg(errp, "need path= or host=/port=");
        return false;
    }
    if (fd < 0) {
        g_free(s->address);
        return false;
    }
    if (!s->server) {
        socket_connected(s, fd);
        return true;
    }

    s->listen_fd = fd;
    socket_update_filename(s);
    if (wait) {
        int client;

        error_report("%s: info: Tern waiting for connection on: %s", chr->what, chr->filename);
        do {
            client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        } while (client < 0 && errno == EINTR);
        if (client < 0) {
            error_setg_errno(errp, errno, "accept on %s failed", s->address);
            close(fd);
            g_free(s->address);
            return false;
        }
        socket_connected(s, client);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s->listen_watch = chr_fd_watch_new(chr, fd, socket_listen_ready, socket_accept);
    return true;
}

static ssize_t socket_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    SocketChardev *s = (SocketChardev *)chr;
    ssize_t n;

    if (s->fd < 0) {
        return len;
    }
    n = send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
        return len;     /* the peer left; the input side notices and cleans up */
    }
    return n;
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    chr_fd_watch_free(s->watch);
    chr_fd_watch_free(s->listen_watch);
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        if (g_str_has_prefix(s->address, "unix:")) {
            unlink(s->address + 5);
        }
    }
    g_free(s->address);
}

const ChardevClass chardev_socket_class = {
    .name = "socket",
    .instance_size = sizeof(SocketChardev),
    .options = (const char *const[]){
        "path", "host", "port", "server", "wait", "nowait", "telnet", "reconnect",
        "nodelay", NULL
    },
    .open = socket_open,
    .write = socket_write,
    .close = socket_close,
};
