/*
 * The mux: one backend shared by up to four front ends (typically a serial
 * port and the monitor on stdio). Output from every front end goes through;
 * input goes to the front end that has the focus. Ctrl-A is the escape key:
 * Ctrl-A c moves the focus, Ctrl-A x quits, Ctrl-A h prints help.
 */
#include "tern/osdep.h"
#include "chardev-internal.h"
#include "sysemu/runstate.h"

#define MUX_MAX      4
#define MUX_BUFSIZE  32
#define MUX_ESCAPE   0x01    /* Ctrl-A */

typedef struct MuxChardev {
    Chardev parent;
    Chardev *base;
    CharBackend base_be;            /* the mux is the base's front end */
    CharBackend *fes[MUX_MAX];
    uint8_t buf[MUX_MAX][MUX_BUFSIZE];  /* input a front end has not taken */
    unsigned buf_len[MUX_MAX];
    int focus;                      /* -1: nobody */
    int notified;                   /* front end last sent MUX_IN, -1: none */
    bool got_escape;
    GSource *focus_idle;
} MuxChardev;

void (*chr_mux_quit_request)(void) = qemu_system_quit_request;

static void mux_puts(MuxChardev *mux, const char *s)
{
    chr_write_all(mux->base, (const uint8_t *)s, strlen(s));
}

void mux_print_help(Chardev *chr)
{
    static const char help[] =
        "\r\n"
        "C-a h    print this help\r\n"
        "C-a x    exit emulator\r\n"
        "C-a s    save disk data back to file (not supported)\r\n"
        "C-a t    toggle console timestamps (not supported)\r\n"
        "C-a b    send break (magic sysrq)\r\n"
        "C-a c    switch between console and monitor\r\n"
        "C-a C-a  sends C-a\r\n";

    if (qemu_chr_is_mux(chr)) {
        mux_puts((MuxChardev *)chr, help);
    }
}

static void mux_send_event(MuxChardev *mux, int i, ChrEvent event)
{
    CharBackend *be = i >= 0 ? mux->fes[i] : NULL;

    if (be && be->event) {
        be->event(be->opaque, event);
    }
}

/* Hand a front end as much of its buffered input as it accepts. */
static void mux_flush(MuxChardev *mux, int i)
{
    CharBackend *be = i >= 0 ? mux->fes[i] : NULL;

    while (be && be->read && mux->buf_len[i] && mux->fes[i] == be) {
        uint8_t data[MUX_BUFSIZE];
        int n = be->can_read ? be->can_read(be->opaque) : (int)mux->buf_len[i];

        if (n <= 0) {
            break;
        }
        n = MIN((unsigned)n, mux->buf_len[i]);
        memcpy(data, mux->buf[i], n);
        mux->buf_len[i] -= n;
        memmove(mux->buf[i], mux->buf[i] + n, mux->buf_len[i]);
        be->read(be->opaque, data, n);
    }
}

/* Tell the old focus it lost the console and the new one it has it. */
static void mux_sync_focus(MuxChardev *mux)
{
    if (mux->notified != mux->focus) {
        mux_send_event(mux, mux->notified, CHR_EVENT_MUX_OUT);
        mux->notified = mux->focus;
        mux_send_event(mux, mux->focus, CHR_EVENT_MUX_IN);
    }
    mux_flush(mux, mux->focus);
}

static gboolean mux_focus_idle(gpointer opaque)
{
    MuxChardev *mux = opaque;

    mux->focus_idle = NULL;
    mux_sync_focus(mux);
    return G_SOURCE_REMOVE;
}

/*
 * Focus changes from attaching front ends are announced from the main loop,
 * once start-up has attached everything: the monitor of "mon:stdio" must not
 * print its prompt just before the serial port takes the console.
 */
static void mux_schedule_focus_sync(MuxChardev *mux)
{
    if (!mux->focus_idle) {
        mux->focus_idle = g_idle_source_new();
        g_source_set_callback(mux->focus_idle, mux_focus_idle, mux, NULL);
        g_source_attach(mux->focus_idle, mux->parent.ctx);
        g_source_unref(mux->focus_idle);
    }
}

static void mux_switch_focus(MuxChardev *mux)
{
    for (int step = 1; step <= MUX_MAX; step++) {
        int i = (mux->focus + step) % MUX_MAX;
        if (mux->fes[i]) {
            mux->focus = i;
            break;
        }
    }
    mux_sync_focus(mux);
}

/* Handle Ctrl-A sequences; true if c is input for the focused front end. */
static bool mux_proc_byte(MuxChardev *mux, uint8_t c)
{
    if (!mux->got_escape) {
        if (c == MUX_ESCAPE) {
            mux->got_escape = true;
            return false;
        }
        return true;
    }
    mux->got_escape = false;
    switch (c) {
    case MUX_ESCAPE:
        return true;
    case 'h':
    case '?':
        mux_print_help(&mux->parent);
        break;
    case 'x':
        mux_puts(mux, "Tern: Terminated\r\n");
        chr_mux_quit_request();
        break;
    case 's':
        mux_puts(mux, "C-a s: saving disk data is not supported\r\n");
        break;
    case 't':
        mux_puts(mux, "C-a t: console timestamps are not supported\r\n");
        break;
    case 'b':
        mux_send_event(mux, mux->focus, CHR_EVENT_BREAK);
        break;
    case 'c':
        mux_switch_focus(mux);
        break;
    }
    return false;
}

/* Room in every front end's buffer, so a Ctrl-A c inside a chunk is safe. */
static int mux_can_read(void *opaque)
{
    MuxChardev *mux = opaque;
    unsigned room = MUX_BUFSIZE;

    for (int i = 0; i < MUX_MAX; i++) {
        if (mux->fes[i]) {
            room = MIN(room, MUX_BUFSIZE - mux->buf_len[i]);
        }
    }
    return room;
}

static void mux_read(void *opaque, const uint8_t *buf, int size)
{
    MuxChardev *mux = opaque;

    for (int k = 0; k < size; k++) {
        int f = mux->focus;

        if (mux_proc_byte(mux, buf[k]) && f >= 0 && mux->fes[f] &&
            mux->buf_len[f] < MUX_BUFSIZE) {
            mux->buf[f][mux->buf_len[f]++] = buf[k];
        }
    }
    mux_flush(mux, mux->focus);
}

static void mux_event(void *opaque, ChrEvent event)
{
    MuxChardev *mux = opaque;

    if (event == CHR_EVENT_OPENED || event == CHR_EVENT_CLOSED) {
        mux->parent.be_open = event == CHR_EVENT_OPENED;
    }
    for (int i = 0; i < MUX_MAX; i++) {
        mux_send_event(mux, i, event);
    }
}

static bool mux_fe_init(Chardev *chr, CharBackend *be, bool take_focus, GError **errp)
{
    MuxChardev *mux = (MuxChardev *)chr;
    int tag = -1;

    for (int i = 0; i < MUX_MAX && tag < 0; i++) {
        if (!mux->fes[i]) {
            tag = i;
        }
    }
    if (tag < 0) {
        error_setg(errp, "chardev '%s' already has %d front ends (the most a mux shares)",
                   chr->label, MUX_MAX);
        return false;
    }
    mux->fes[tag] = be;
    mux->buf_len[tag] = 0;
    be->tag = tag;
    if (take_focus || mux->focus < 0) {
        mux->focus = tag;
    }
    mux_schedule_focus_sync(mux);
    return true;
}

static void mux_fe_deinit(Chardev *chr, CharBackend *be)
{
    MuxChardev *mux = (MuxChardev *)chr;
    int tag = be->tag;

    if (tag < 0 || tag >= MUX_MAX || mux->fes[tag] != be) {
        return;
    }
    mux->fes[tag] = NULL;
    if (mux->notified == tag) {
        mux->notified = -1;
    }
    if (mux->focus == tag) {
        mux->focus = -1;
        for (int i = 0; i < MUX_MAX; i++) {
            if (mux->fes[i]) {
                mux->focus = i;
                break;
            }
        }
        mux_schedule_focus_sync(mux);
    }
}

static void mux_fe_set_handlers(Chardev *chr, CharBackend *be)
{
    if (chr->be_open && be->event) {
        be->event(be->opaque, CHR_EVENT_OPENED);
    }
}

static void mux_accept_input(Chardev *chr)
{
    MuxChardev *mux = (MuxChardev *)chr;

    mux_flush(mux, mux->focus);
    chr_flush_input(mux->base);
}

static ssize_t mux_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    MuxChardev *mux = (MuxChardev *)chr;

    return chr_write_all(mux->base, buf, len);
}

static void mux_close(Chardev *chr)
{
    MuxChardev *mux = (MuxChardev *)chr;

    if (mux->focus_idle) {
        g_source_destroy(mux->focus_idle);
    }
    qemu_chr_fe_deinit(&mux->base_be);
    if (mux->base) {
        qemu_chr_delete(mux->base);
    }
}

Chardev *chr_mux_new(const char *label, Chardev *base, GError **errp)
{
    MuxChardev *mux;
    Chardev *chr = chr_mux_alloc(label, errp);

    if (!chr) {
        return NULL;
    }
    mux = (MuxChardev *)chr;
    mux->base = base;
    mux->focus = mux->notified = -1;
    chr->filename = g_strdup_printf("mux:%s", base->label);
    if (!qemu_chr_fe_init(&mux->base_be, base, errp)) {
        mux->base = NULL;       /* still the caller's */
        qemu_chr_delete(chr);
        return NULL;
    }
    qemu_chr_fe_set_handlers(&mux->base_be, mux_can_read, mux_read, mux_event, mux);
    chr->be_open = base->be_open;
    return chr;
}

const ChardevClass chardev_mux_class = {
    .name = "mux",
    .instance_size = sizeof(MuxChardev),
    .write = mux_write,
    .fe_init = mux_fe_init,
    .fe_deinit = mux_fe_deinit,
    .fe_set_handlers = mux_fe_set_handlers,
    .accept_input = mux_accept_input,
    .close = mux_close,
};
