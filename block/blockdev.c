/*
 * -drive and -blockdev: parse the option strings, open the image and
 * register the backend by id / node-name, in command-line order.
 */
#include "tern/osdep.h"
#include "block-backend-int.h"
#include "util/keyval.h"
#include <unistd.h>

static GPtrArray *backends;   /* registered BlockBackends, in order */

BlockBackend *blk_by_name(const char *id)
{
    for (guint i = 0; backends && i < backends->len; i++) {
        BlockBackend *blk = backends->pdata[i];
        if (!strcmp(blk->name, id)) {
            return blk;
        }
    }
    return NULL;
}

const char *blk_name(BlockBackend *blk)
{
    return blk->name ? blk->name : "";
}

const char *blk_iface(BlockBackend *blk)
{
    return blk->iface;
}

BlockBackend *drive_next_unclaimed(const char *iface)
{
    for (guint i = 0; backends && i < backends->len; i++) {
        BlockBackend *blk = backends->pdata[i];
        if (!blk->owner && !strcmp(blk->iface, iface)) {
            return blk;
        }
    }
    return NULL;
}

bool blk_claim(BlockBackend *blk, const char *owner, GError **errp)
{
    if (blk->owner) {
        error_setg(errp, "drive '%s' is already in use by %s", blk_name(blk),
                   blk->owner);
        return false;
    }
    blk->owner = g_strdup(owner);
    return true;
}

bool blk_check_all_claimed(GError **errp)
{
    for (guint i = 0; backends && i < backends->len; i++) {
        BlockBackend *blk = backends->pdata[i];
        if (!blk->owner && strcmp(blk->iface, "none") != 0) {
            error_setg(errp, "drive '%s' (if=%s) is not used by any device "
                       "of this machine", blk->name, blk->iface);
            return false;
        }
    }
    return true;
}

static void blk_register(BlockBackend *blk, const char *name)
{
    if (!backends) {
        backends = g_ptr_array_new();
    }
    blk->name = g_strdup(name);
    g_ptr_array_add(backends, blk);
}

void blk_unref(BlockBackend *blk)
{
    if (backends) {
        g_ptr_array_remove(backends, blk);
    }
    blk_free(blk);
}

void blk_remove_all(void)
{
    while (backends && backends->len) {
        blk_unref(backends->pdata[backends->len - 1]);
    }
}

static bool check_name(const char *opt, const char *name, GError **errp)
{
    if (!*name || !g_ascii_isalpha(name[0]) ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789-_.") != strlen(name)) {
        error_setg(errp, "%s: '%s' is not a valid name (a letter, then "
                   "letters, digits, '-', '_' or '.')", opt, name);
        return false;
    }
    if (blk_by_name(name)) {
        error_setg(errp, "%s: duplicate id '%s'", opt, name);
        return false;
    }
    return true;
}

static bool parse_cache(const char *what, const char *mode, int *flags,
                        GError **errp)
{
    static const struct { const char *name; int flags; } modes[] = {
        { "writeback", 0 },
        { "none", BDRV_O_NOCACHE },
        { "writethrough", BDRV_O_WRITETHROUGH },
        { "directsync", BDRV_O_NOCACHE | BDRV_O_WRITETHROUGH },
        { "unsafe", BDRV_O_NO_FLUSH },
    };
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        if (!strcmp(mode, modes[i].name)) {
            *flags |= modes[i].flags;
            return true;
        }
    }
    error_setg(errp, "%s: cache: invalid mode '%s' (writeback, none, "
               "writethrough, directsync, unsafe)", what, mode);
    return false;
}

static bool parse_discard(const char *what, const char *v, bool *out,
                          GError **errp)
{
    if (!v) {
        return true;
    }
    if (!strcmp(v, "unmap") || !strcmp(v, "on")) {
        *out = true;
    } else if (!strcmp(v, "ignore") || !strcmp(v, "off")) {
        *out = false;
    } else {
        error_setg(errp, "%s: discard: invalid value '%s' (ignore or unmap)",
                   what, v);
        return false;
    }
    return true;
}

/* snapshot=on: writes go to a temporary qcow2 overlay, deleted on close. */
static BlockDriverState *open_snapshot(const char *file, const char *fmt,
                                       int flags, char **overlay,
                                       GError **errp)
{
    g_autofree char *base = g_canonicalize_filename(file, NULL);
    g_autoptr(BlockDriverState) probe = bdrv_open(base, fmt, BDRV_O_SHARE_RW,
                                                  errp);
    int fd;

    if (!probe) {
        return NULL;
    }
    fd = g_file_open_tmp("tern-snapshot-XXXXXX.qcow2", overlay, NULL);
    if (fd < 0) {
        error_setg(errp, "snapshot=on: cannot create a temporary overlay for "
                   "'%s'", file);
        return NULL;
    }
    close(fd);
    BlockCreateOpts o = {
        .size = bdrv_getlength(probe), .has_size = true,
        .backing_file = base, .backing_fmt = bdrv_format_name(probe),
    };
    g_clear_pointer(&probe, bdrv_unref);
    BlockDriverState *bs = NULL;
    if (bdrv_create("qcow2", *overlay, &o, errp)) {
        bs = bdrv_open(*overlay, "qcow2", flags | BDRV_O_RDWR, errp);
    }
    if (!bs) {
        unlink(*overlay);
        g_clear_pointer(overlay, g_free);
    }
    return bs;
}

bool drive_add(const char *optstr, GError **errp)
{
    static int virtio_index;
    g_autoptr(KeyVal) kv = keyval_parse(optstr, NULL, "-drive", errp);
    const char *file, *fmt, *iface, *id, *cache, *media, *aio;
    bool readonly = false, snapshot = false, discard = false;
    int flags = 0;
    g_autofree char *auto_id = NULL, *overlay = NULL;

    if (!kv) {
        return false;
    }
    file = keyval_get(kv, "file");
    fmt = keyval_get(kv, "format");
    iface = keyval_get(kv, "if");
    id = keyval_get(kv, "id");
    cache = keyval_get(kv, "cache");
    media = keyval_get(kv, "media");
    aio = keyval_get(kv, "aio");
    if (!keyval_get_bool(kv, "readonly", &readonly, errp) ||
        !keyval_get_bool(kv, "snapshot", &snapshot, errp) ||
        !parse_discard("-drive", keyval_get(kv, "discard"), &discard, errp) ||
        (cache && !parse_cache("-drive", cache, &flags, errp)) ||
        !keyval_check_unused(kv, errp)) {
        return false;
    }
    if (!file) {
        error_setg(errp, "-drive: file= is required (Tern has no empty "
                   "removable drives)");
        return false;
    }
    if (!iface) {
        iface = "virtio";   /* Tern's boards have no IDE/SCSI default bus */
    }
    if (strcmp(iface, "virtio") && strcmp(iface, "none")) {
        error_setg(errp, "-drive: if=%s is not supported (use if=virtio or "
                   "if=none with -device)", iface);
        return false;
    }
    if (media && strcmp(media, "disk")) {
        error_setg(errp, "-drive: media=%s is not supported (only disk)",
                   media);
        return false;
    }
    if (aio && strcmp(aio, "threads")) {
        error_setg(errp, "-drive: aio=%s is not supported (Tern uses a "
                   "thread pool: aio=threads)", aio);
        return false;
    }
    if (fmt && strcmp(fmt, "raw") && strcmp(fmt, "qcow2")) {
        error_setg(errp, "-drive: format=%s is not supported (raw, qcow2)",
                   fmt);
        return false;
    }
    if (!id) {
        if (!strcmp(iface, "none")) {
            error_setg(errp, "-drive: if=none needs an id= for -device to "
                       "refer to");
            return false;
        }
        id = auto_id = g_strdup_printf("virtio%d", virtio_index++);
    }
    if (!check_name("-drive: id", id, errp)) {
        return false;
    }

    BlockDriverState *bs;
    if (snapshot && !readonly) {
        bs = open_snapshot(file, fmt, flags, &overlay, errp);
    } else {
        bs = bdrv_open(file, fmt, flags | (readonly ? 0 : BDRV_O_RDWR), errp);
    }
    if (!bs) {
        error_prepend(errp, "-drive %s: ", id);
        return false;
    }
    BlockBackend *blk = blk_new(bs);
    g_free(blk->iface);
    blk->iface = g_strdup(iface);
    blk->discard = discard;
    blk->temp_overlay = g_steal_pointer(&overlay);
    blk_register(blk, id);
    return true;
}

/* -blockdev ...,file=NODE consumes a protocol node declared earlier. */
static bool take_file_node(const char *node, char **filename, int *flags,
                           GError **errp)
{
    BlockBackend *f = blk_by_name(node);
    if (!f || !f->from_file_node) {
        error_setg(errp, "-blockdev: file: no driver=file node named '%s'",
                   node);
        return false;
    }
    if (f->owner) {
        error_setg(errp, "-blockdev: file: node '%s' is already in use", node);
        return false;
    }
    *filename = g_strdup(bdrv_filename(f->bs));
    *flags = bdrv_open_flags(f->bs) & ~BDRV_O_PROTOCOL;
    blk_unref(f);   /* close it so its lock does not conflict with ours */
    return true;
}

bool blockdev_add(const char *optstr, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(optstr, NULL, "-blockdev", errp);
    g_autoptr(KeyVal) fkv = NULL;
    g_autofree char *filename = NULL;
    const char *driver, *node, *file_ref, *backing, *locking = NULL;
    bool ro = false, direct = false, no_flush = false, discard = false;
    int flags = 0, file_flags = -1;

    if (!kv) {
        return false;
    }
    driver = keyval_get(kv, "driver");
    node = keyval_get(kv, "node-name");
    backing = keyval_get(kv, "backing");
    if (!keyval_get_bool(kv, "read-only", &ro, errp) ||
        !keyval_get_bool(kv, "cache.direct", &direct, errp) ||
        !keyval_get_bool(kv, "cache.no-flush", &no_flush, errp) ||
        !parse_discard("-blockdev", keyval_get(kv, "discard"), &discard,
                       errp)) {
        return false;
    }
    (void)keyval_get(kv, "auto-read-only");   /* accepted; no effect */
    if (!driver || !node) {
        error_setg(errp, "-blockdev: driver= and node-name= are required");
        return false;
    }
    if (!check_name("-blockdev: node-name", node, errp)) {
        return false;
    }
    if (!strcmp(driver, "file")) {
        filename = g_strdup(keyval_get(kv, "filename"));
        locking = keyval_get(kv, "locking");
        if (!filename) {
            error_setg(errp, "-blockdev: driver=file needs filename=");
            return false;
        }
    } else if (!strcmp(driver, "qcow2") || !strcmp(driver, "raw")) {
        file_ref = keyval_get(kv, "file");
        fkv = keyval_subset(kv, "file");
        if (file_ref) {
            if (!take_file_node(file_ref, &filename, &file_flags, errp)) {
                return false;
            }
        } else {
            const char *fdrv = keyval_get(fkv, "driver");
            filename = g_strdup(keyval_get(fkv, "filename"));
            locking = keyval_get(fkv, "locking");
            if (!fdrv || strcmp(fdrv, "file") || !filename) {
                error_setg(errp, "-blockdev: driver=%s needs "
                           "file.driver=file,file.filename=X or file=NODE",
                           driver);
                return false;
            }
            if (!keyval_check_unused(fkv, errp)) {
                return false;
            }
        }
    } else {
        error_setg(errp, "-blockdev: driver=%s is not supported (qcow2, raw, "
                   "file)", driver);
        return false;
    }
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (backing && strcmp(backing, "null")) {
        error_setg(errp, "-blockdev: backing=%s: only backing=null is "
                   "supported; the image's own backing file is opened "
                   "automatically", backing);
        return false;
    }
    if (locking && !strcmp(locking, "off")) {
        flags |= BDRV_O_SHARE_RW;
    } else if (locking && strcmp(locking, "on") && strcmp(locking, "auto")) {
        error_setg(errp, "-blockdev: locking: invalid value '%s'", locking);
        return false;
    }
    if (file_flags >= 0) {
        flags |= file_flags & (BDRV_O_NOCACHE | BDRV_O_SHARE_RW);
    }
    if (!strcmp(driver, "file")) {
        flags |= BDRV_O_PROTOCOL;
    }
    flags |= (ro ? 0 : BDRV_O_RDWR) | (direct ? BDRV_O_NOCACHE : 0) |
             (no_flush ? BDRV_O_NO_FLUSH : 0) | (backing ? BDRV_O_NO_BACKING : 0);

    /* driver=file is a protocol node: its bytes are the disk, like raw. */
    BlockDriverState *bs = bdrv_open(filename,
                                     strcmp(driver, "file") ? driver : "raw",
                                     flags, errp);
    if (!bs) {
        error_prepend(errp, "-blockdev %s: ", node);
        return false;
    }
    BlockBackend *blk = blk_new(bs);
    blk->discard = discard;
    blk->from_file_node = !strcmp(driver, "file");
    blk_register(blk, node);
    return true;
}
