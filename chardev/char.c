/*
 * Chardev core: the registry, option parsing, the front-end API, buffered
 * input delivery honouring can_read, and locked output.
 */
#include "tern/osdep.h"
#include "chardev-internal.h"
#include "sysemu/main-loop.h"
#include <poll.h>
#include <unistd.h>

static const ChardevClass *const backends[] = {
    &chardev_stdio_class,
    &chardev_file_class,
    &chardev_null_class,
    &chardev_pty_class,
    &chardev_socket_class,
};

static GPtrArray *all_chardevs;   /* in creation order */

/* ---- registry ---- */

Chardev *qemu_chr_find(const char *id)
{
    for (guint i = 0; all_chardevs && i < all_chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(all_chardevs, i);
        if (!strcmp(chr->label, id)) {
            return chr;
        }
    }
    return NULL;
}

const char *qemu_chr_label(Chardev *chr)
{
    return chr->label;
}

const char *qemu_chr_filename(Chardev *chr)
{
    return chr->filename ? chr->filename : chr->cls->name;
}

bool qemu_chr_is_mux(Chardev *chr)
{
    return chr->cls == &chardev_mux_class;
}

void qemu_chr_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque)
{
    for (guint i = 0; all_chardevs && i < all_chardevs->len; i++) {
        fn(g_ptr_array_index(all_chardevs, i), opaque);
    }
}

static Chardev *chr_alloc(const ChardevClass *cls, const char *label, GError **errp)
{
    Chardev *chr;

    if (qemu_chr_find(label)) {
        error_setg(errp, "chardev id '%s' is already in use", label);
        return NULL;
    }
    chr = g_malloc0(cls->instance_size);
    chr->cls = cls;
    chr->label = g_strdup(label);
    chr->ctx = g_main_context_ref(main_loop_context());
    chr->out_fd = -1;
    chr->inbuf = g_byte_array_new();
    g_mutex_init(&chr->write_lock);
    g_mutex_init(&chr->flush_lock);
    return chr;
}

static void chr_register(Chardev *chr)
{
    if (!all_chardevs) {
        all_chardevs = g_ptr_array_new();
    }
    g_ptr_array_add(all_chardevs, chr);
}

static void chr_free(Chardev *chr)
{
    g_free(chr->label);
    g_free(chr->filename);
    g_byte_array_free(chr->inbuf, TRUE);
    g_mutex_clear(&chr->write_lock);
    g_mutex_clear(&chr->flush_lock);
    g_main_context_unref(chr->ctx);
    g_free(chr);
}

static void chr_cancel_flush(Chardev *chr);

void qemu_chr_delete(Chardev *chr)
{
    if (chr->cls->close) {
        chr->cls->close(chr);
    }
    chr_cancel_flush(chr);
    if (all_chardevs) {
        g_ptr_array_remove(all_chardevs, chr);
    }
    chr_free(chr);
}

Chardev *chr_mux_alloc(const char *label, GError **errp)
{
    Chardev *chr = chr_alloc(&chardev_mux_class, label, errp);

    if (chr) {
        chr_register(chr);
    }
    return chr;
}

/* ---- creation from options ---- */

static const ChardevClass *find_backend(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
        if (!strcmp(backends[i]->name, name)) {
            return backends[i];
        }
    }
    return NULL;
}

static bool check_keys(const ChardevClass *cls, KeyVal *kv, GError **errp)
{
    for (size_t i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key(kv, i);
        bool known = !strcmp(key, "backend") || !strcmp(key, "id") || !strcmp(key, "mux");

        for (size_t k = 0; !known && cls->options && cls->options[k]; k++) {
            known = !strcmp(key, cls->options[k]);
        }
        if (!known) {
            error_setg(errp, "unknown parameter '%s' for backend '%s'", key, cls->name);
            return false;
        }
    }
    return true;
}

/*
 * Build a chardev from parsed options; label is the new chardev's id. what
 * names the option ("-chardev socket,id=s0") for the socket's waiting notice;
 * errors leave it to the caller, which knows the option.
 */
static Chardev *chr_new_from_keyval(KeyVal *kv, const char *label, const char *what,
                                    GError **errp)
{
    const char *name = keyval_get(kv, "backend");
    const ChardevClass *cls;
    bool mux = false;
    g_autofree char *base_label = NULL;
    Chardev *chr;

    if (!name || !*name) {
        error_setg(errp, "missing backend (use stdio, file, null, pty or socket)");
        return NULL;
    }
    cls = find_backend(name);
    if (!cls) {
        error_setg(errp, "unknown backend '%s' (use stdio, file, null, pty or socket)", name);
        return NULL;
    }
    if (!keyval_get_bool(kv, "mux", &mux, errp) || !check_keys(cls, kv, errp)) {
        return NULL;
    }
    base_label = mux ? g_strdup_printf("%s-base", label) : g_strdup(label);
    if (mux && qemu_chr_find(label)) {
        error_setg(errp, "chardev id '%s' is already in use", label);
        return NULL;
    }
    chr = chr_alloc(cls, base_label, errp);
    if (!chr) {
        return NULL;
    }
    chr->what = what;
    if (!cls->open(chr, kv, errp)) {
        chr_free(chr);
        return NULL;
    }
    chr->what = NULL;
    chr_register(chr);
    if (mux) {
        Chardev *m = chr_mux_new(label, chr, errp);
        if (!m) {
            qemu_chr_delete(chr);
        }
        return m;
    }
    return chr;
}

Chardev *qemu_chr_new_from_opts(const char *optstr, GError **errp)
{
    g_autofree char *what = g_strdup_printf("-chardev %s", optstr);
    g_autoptr(KeyVal) kv = keyval_parse(optstr, "backend", "-chardev", errp);
    const char *id;

    if (!kv) {
        return NULL;
    }
    id = keyval_get(kv, "id");
    if (!id || !*id) {
        error_setg(errp, "missing id=");
        return NULL;
    }
    return chr_new_from_keyval(kv, id, what, errp);
}

/* Which command-line option a label like "serial0" comes from, for notices. */
static const char *option_of_label(const char *label)
{
    static const struct { const char *prefix, *option; } map[] = {
        { "serial", "-serial" },
        { "monitor", "-monitor" },
        { "compat_monitor", "-monitor" },
        { "qmp", "-qmp" },
        { "gdb", "-gdb" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (g_str_has_prefix(label, map[i].prefix)) {
            return map[i].option;
        }
    }
    return label;
}

/* "a,b" -> "a,,b": a path inside an option string. */
static char *escape_commas(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, ",", -1);

    return g_strjoinv(",,", parts);
}

/* Turn a -serial style spec into -chardev options; NULL if unknown. */
static char *spec_to_opts(const char *spec)
{
    const char *rest;

    if (!strcmp(spec, "stdio") || !strcmp(spec, "null") || !strcmp(spec, "pty")) {
        return g_strdup(spec);
    }
    if (g_str_has_prefix(spec, "file:")) {
        g_autofree char *path = escape_commas(spec + 5);
        return g_strdup_printf("file,path=%s", path);
    }
    if (g_str_has_prefix(spec, "unix:")) {
        /* unix:PATH[,opts]: the path runs to the first comma */
        return g_strdup_printf("socket,path=%s", spec + 5);
    }
    if (g_str_has_prefix(spec, "tcp:")) {
        const char *opts, *colon;
        g_autofree char *hostport = NULL;

        rest = spec + 4;
        opts = strchr(rest, ',');
        hostport = opts ? g_strndup(rest, opts - rest) : g_strdup(rest);
        colon = strrchr(hostport, ':');
        if (!colon) {
            return NULL;
        }
        return g_strdup_printf("socket,host=%.*s,port=%s%s",
                               (int)(colon - hostport), hostport, colon + 1,
                               opts ? opts : "");
    }
    return NULL;
}

Chardev *qemu_chr_new(const char *label, const char *spec, GError **errp)
{
    g_autofree char *what = g_strdup_printf("%s %s", option_of_label(label), spec);
    g_autofree char *opts = NULL;
    g_autoptr(KeyVal) kv = NULL;
    bool mux = false;
    Chardev *chr;

    if (!strcmp(spec, "none")) {
        return NULL;
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        chr = qemu_chr_find(spec + 8);
        if (!chr) {
            error_setg(errp, "no chardev with id '%s'", spec + 8);
        }
        return chr;
    }
    if (g_str_has_prefix(spec, "mon:")) {
        mux = true;
        spec += 4;
    }
    opts = spec_to_opts(spec);
    if (!opts) {
        error_setg(errp, "unknown character device '%s' (use stdio, mon:stdio, null, "
                   "none, pty, file:PATH, chardev:ID, tcp:HOST:PORT or unix:PATH)", spec);
        return NULL;
    }
    if (mux) {
        /* as in QEMU, Ctrl-C on a "mon:stdio" console goes to the guest */
        char *with_mux = g_strconcat(opts, ",mux=on",
                                     !strcmp(spec, "stdio") ? ",signal=off" : "", NULL);
        g_free(opts);
        opts = with_mux;
    }
    kv = keyval_parse(opts, "backend", option_of_label(label), errp);
    if (!kv) {
        return NULL;
    }
    return chr_new_from_keyval(kv, label, what, errp);
}

/* ---- input ---- */

size_t chr_be_can_write(Chardev *chr)
{
    return chr->inbuf->len < CHR_INBUF_SIZE ? CHR_INBUF_SIZE - chr->inbuf->len : 0;
}

bool chr_ready_for_input(Chardev *chr)
{
    return chr_be_can_write(chr) > 0;
}

void chr_flush_input(Chardev *chr)
{
    CharBackend *be = chr->be;

    while (chr->inbuf->len && be && be->read && chr->be == be) {
        int n = be->can_read ? be->can_read(be->opaque) : (int)chr->inbuf->len;

        if (n <= 0) {
            break;
        }
        n = MIN((guint)n, chr->inbuf->len);
        /* copy: the handler may queue more input (e.g. a mux echo) */
        g_autofree uint8_t *data = g_memdup2(chr->inbuf->data, n);
        g_byte_array_remove_range(chr->inbuf, 0, n);
        be->read(be->opaque, data, n);
    }
}

void chr_be_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    g_byte_array_append(chr->inbuf, buf, len);
    chr_flush_input(chr);
}

void chr_be_event(Chardev *chr, ChrEvent event)
{
    CharBackend *be = chr->be;

    if (be && be->event) {
        be->event(be->opaque, event);
    }
}

void chr_set_open(Chardev *chr, bool open)
{
    if (chr->be_open == open) {
        return;
    }
    chr->be_open = open;
    chr_be_event(chr, open ? CHR_EVENT_OPENED : CHR_EVENT_CLOSED);
}

static gboolean flush_idle(gpointer opaque)
{
    Chardev *chr = opaque;

    g_mutex_lock(&chr->flush_lock);
    g_source_unref(chr->flush_src);
    chr->flush_src = NULL;
    g_mutex_unlock(&chr->flush_lock);
    if (chr->cls->accept_input) {
        chr->cls->accept_input(chr);
    } else {
        chr_flush_input(chr);
    }
    return G_SOURCE_REMOVE;
}

/* Deliver queued input from the main context (callable from any thread). */
static void chr_schedule_flush(Chardev *chr)
{
    g_mutex_lock(&chr->flush_lock);
    if (!chr->flush_src) {
        chr->flush_src = g_idle_source_new();
        g_source_set_callback(chr->flush_src, flush_idle, chr, NULL);
        g_source_attach(chr->flush_src, chr->ctx);
    }
    g_mutex_unlock(&chr->flush_lock);
}

static void chr_cancel_flush(Chardev *chr)
{
    g_mutex_lock(&chr->flush_lock);
    if (chr->flush_src) {
        g_source_destroy(chr->flush_src);
        g_source_unref(chr->flush_src);
        chr->flush_src = NULL;
    }
    g_mutex_unlock(&chr->flush_lock);
}

/* ---- output ---- */

/*
 * A reader that takes nothing for this long (a QMP client that never reads)
 * is stuck: drop the output rather than hang the caller, often the main loop.
 */
#define CHR_WRITE_STALL_US (30 * G_USEC_PER_SEC)

int chr_write_all(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    int ret = (int)len;
    gint64 stalled_since = 0;

    g_mutex_lock(&chr->write_lock);
    while (done < len) {
        ssize_t n = chr->cls->write(chr, buf + done, len - done);

        if (n > 0) {
            done += n;
            stalled_since = 0;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            gint64 now = g_get_monotonic_time();

            if (!stalled_since) {
                stalled_since = now;
            } else if (now - stalled_since > CHR_WRITE_STALL_US) {
                ret = -1;
                break;
            }
            if (chr->out_fd >= 0) {
                struct pollfd pfd = { .fd = chr->out_fd, .events = POLLOUT };
                poll(&pfd, 1, 100);
            } else {
                g_usleep(100);
            }
        } else {
            ret = -1;
            break;
        }
    }
    g_mutex_unlock(&chr->write_lock);
    return ret;
}

/* ---- front-end API ---- */

static bool fe_init(CharBackend *be, Chardev *chr, bool take_focus, GError **errp)
{
    memset(be, 0, sizeof(*be));
    if (chr->cls->fe_init) {
        if (!chr->cls->fe_init(chr, be, take_focus, errp)) {
            return false;
        }
    } else if (chr->be) {
        error_setg(errp, "chardev '%s' is already in use (use mux=on or mon: to share it)",
                   chr->label);
        return false;
    } else {
        chr->be = be;
    }
    be->chr = chr;
    return true;
}

bool qemu_chr_fe_init(CharBackend *be, Chardev *chr, GError **errp)
{
    return fe_init(be, chr, true, errp);
}

bool qemu_chr_fe_init_background(CharBackend *be, Chardev *chr, GError **errp)
{
    return fe_init(be, chr, false, errp);
}

void qemu_chr_fe_set_handlers(CharBackend *be, IOCanReadHandler *can_read,
                              IOReadHandler *read, IOEventHandler *event,
                              void *opaque)
{
    Chardev *chr = be->chr;

    be->can_read = can_read;
    be->read = read;
    be->event = event;
    be->opaque = opaque;
    if (!chr) {
        return;
    }
    if (chr->cls->fe_set_handlers) {
        chr->cls->fe_set_handlers(chr, be);
    } else if (chr->be_open && event) {
        event(opaque, CHR_EVENT_OPENED);
    }
    chr_schedule_flush(chr);
}

int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len)
{
    if (!be->chr || len <= 0) {
        return len;   /* no backend: output goes nowhere, like an unplugged line */
    }
    return chr_write_all(be->chr, buf, len);
}

void qemu_chr_fe_accept_input(CharBackend *be)
{
    if (be->chr) {
        chr_schedule_flush(be->chr);
    }
}

void qemu_chr_fe_deinit(CharBackend *be)
{
    Chardev *chr = be->chr;

    if (!chr) {
        return;
    }
    if (chr->cls->fe_deinit) {
        chr->cls->fe_deinit(chr, be);
    } else if (chr->be == be) {
        chr->be = NULL;
    }
    memset(be, 0, sizeof(*be));
}

void chardev_cleanup(void)
{
    chr_stdio_restore();
}
