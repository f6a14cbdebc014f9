/* File-descriptor helpers shared by the stdio, pty and socket backends. */
#include "tern/osdep.h"
#include "chardev-internal.h"
#include <termios.h>
#include <unistd.h>

struct ChrFdWatch {
    GSource source;
    GPollFD pfd;
    bool polling;           /* pfd is in the source's poll set */
    Chardev *chr;
    bool (*ready)(Chardev *chr);
    void (*dispatch)(Chardev *chr, GIOCondition cond);
};

/*
 * The fd is only in the poll set while ready() holds: a paused watch must not
 * make the loop spin on a hang-up it cannot act on yet. Poll records may
 * change in prepare, before glib collects them.
 */
static gboolean watch_prepare(GSource *source, gint *timeout)
{
    ChrFdWatch *w = (ChrFdWatch *)source;
    bool want = w->ready(w->chr);

    *timeout = -1;
    if (want != w->polling) {
        if (want) {
            g_source_add_poll(source, &w->pfd);
        } else {
            g_source_remove_poll(source, &w->pfd);
        }
        w->polling = want;
    }
    w->pfd.revents = 0;
    return FALSE;
}

static gboolean watch_check(GSource *source)
{
    ChrFdWatch *w = (ChrFdWatch *)source;

    return w->polling && (w->pfd.revents & (G_IO_IN | G_IO_HUP | G_IO_ERR | G_IO_NVAL));
}

static gboolean watch_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    ChrFdWatch *w = (ChrFdWatch *)source;

    w->dispatch(w->chr, w->pfd.revents);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs watch_funcs = {
    .prepare = watch_prepare,
    .check = watch_check,
    .dispatch = watch_dispatch,
};

ChrFdWatch *chr_fd_watch_new(Chardev *chr, int fd,
                             bool (*ready)(Chardev *chr),
                             void (*dispatch)(Chardev *chr, GIOCondition cond))
{
    ChrFdWatch *w = (ChrFdWatch *)g_source_new(&watch_funcs, sizeof(ChrFdWatch));

    w->chr = chr;
    w->ready = ready;
    w->dispatch = dispatch;
    w->pfd.fd = fd;
    w->pfd.events = G_IO_IN | G_IO_HUP | G_IO_ERR;
    g_source_attach(&w->source, chr->ctx);
    return w;
}

void chr_fd_watch_free(ChrFdWatch *w)
{
    if (w) {
        g_source_destroy(&w->source);
        g_source_unref(&w->source);
    }
}

ssize_t chr_fd_read_input(Chardev *chr, int fd)
{
    uint8_t buf[CHR_INBUF_SIZE];
    size_t room = MIN(chr_be_can_write(chr), sizeof(buf));
    ssize_t n;

    if (!room) {
        errno = EAGAIN;
        return -1;
    }
    n = read(fd, buf, room);
    if (n > 0) {
        chr_be_write(chr, buf, n);
    }
    return n;
}

bool chr_tty_set_raw(int fd, bool allow_signals, GError **errp)
{
    struct termios tty;

    if (tcgetattr(fd, &tty) < 0) {
        error_setg_errno(errp, errno, "cannot read terminal settings");
        return false;
    }
    /* cfmakeraw, but keep output post-processing (\n -> \r\n) and maybe ^C */
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tty.c_lflag &= ~ISIG;
    }
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &tty) < 0) {
        error_setg_errno(errp, errno, "cannot set terminal to raw mode");
        return false;
    }
    return true;
}
