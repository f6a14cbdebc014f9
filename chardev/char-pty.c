/*
 * pty backend: a new pseudo-terminal whose slave (/dev/pts/N) a terminal
 * program such as screen or minicom opens. While nobody has the slave open,
 * output is dropped and a 1 s timer looks for a newcomer (the master reports
 * POLLHUP until then, so it cannot simply be polled).
 */
#include "tern/osdep.h"
#include "chardev-internal.h"
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

typedef struct PtyChardev {
    Chardev parent;
    int fd;                     /* master */
    volatile bool connected;    /* read by writers on any thread */
    ChrFdWatch *watch;
    GSource *timer;
} PtyChardev;

static void pty_set_connected(PtyChardev *s, bool connected);

static bool pty_slave_open(PtyChardev *s)
{
    struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

    return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP);
}

static gboolean pty_poll_timer(gpointer opaque)
{
    PtyChardev *s = opaque;

    if (pty_slave_open(s)) {
        s->timer = NULL;
        pty_set_connected(s, true);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static bool pty_ready(Chardev *chr)
{
    return ((PtyChardev *)chr)->connected && chr_ready_for_input(chr);
}

static void pty_input(Chardev *chr, GIOCondition cond)
{
    PtyChardev *s = (PtyChardev *)chr;

    if (cond & G_IO_IN) {
        ssize_t n = chr_fd_read_input(chr, s->fd);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) {
            return;
        }
    }
    if (cond & (G_IO_HUP | G_IO_ERR | G_IO_IN)) {
        /* read failed (EIO) or hang-up: the slave was closed */
        pty_set_connected(s, false);
    }
}

static void pty_set_connected(PtyChardev *s, bool connected)
{
    Chardev *chr = &s->parent;

    s->connected = connected;
    if (!connected && !s->timer) {
        s->timer = g_timeout_source_new(1000);
        g_source_set_callback(s->timer, pty_poll_timer, s, NULL);
        g_source_attach(s->timer, chr->ctx);
        g_source_unref(s->timer);
    }
    chr_set_open(chr, connected);
}

static bool pty_open(Chardev *chr, KeyVal *opts, GError **errp)
{
    PtyChardev *s = (PtyChardev *)chr;
    struct termios tty;
    const char *name;
    int slave;

    s->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->fd < 0 || grantpt(s->fd) < 0 || unlockpt(s->fd) < 0 || !(name = ptsname(s->fd))) {
        error_setg_errno(errp, errno, "could not create a pseudo-terminal");
        if (s->fd >= 0) {
            close(s->fd);
        }
        return false;
    }
    /*
     * Open and close the slave once: raw mode is set on it, and Linux
     * reports POLLHUP on the master only after a slave was closed.
     */
    slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        error_setg_errno(errp, errno, "could not open '%s'", name);
        close(s->fd);
        return false;
    }
    if (tcgetattr(slave, &tty) == 0) {
        cfmakeraw(&tty);
        tcsetattr(slave, TCSAFLUSH, &tty);
    }
    close(slave);
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    chr->out_fd = s->fd;
    chr->filename = g_strdup_printf("pty:%s", name);
    fprintf(stderr, "char device redirected to %s (label %s)\n", name, chr->label);
    s->watch = chr_fd_watch_new(chr, s->fd, pty_ready, pty_input);
    pty_set_connected(s, pty_slave_open(s));
    return true;
}

static ssize_t pty_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    PtyChardev *s = (PtyChardev *)chr;
    ssize_t n;

    if (!s->connected) {
        return len;
    }
    n = write(s->fd, buf, len);
    if (n < 0 && errno == EIO) {
        return len;     /* the slave just went away */
    }
    return n;
}

static void pty_close(Chardev *chr)
{
    PtyChardev *s = (PtyChardev *)chr;

    chr_fd_watch_free(s->watch);
    if (s->timer) {
        g_source_destroy(s->timer);
    }
    close(s->fd);
}

const ChardevClass chardev_pty_class = {
    .name = "pty",
    .instance_size = sizeof(PtyChardev),
    .open = pty_open,
    .write = pty_write,
    .close = pty_close,
};
