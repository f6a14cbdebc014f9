/* Block layer core: opening nodes, format probing, request dispatch. */
#include "tern/osdep.h"
#include "block_int.h"

static const BlockDriver *const format_drivers[] = { &bdrv_qcow2, &bdrv_raw };

static const BlockDriver *find_format(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(format_drivers); i++) {
        if (!strcmp(format_drivers[i]->format_name, name)) {
            return format_drivers[i];
        }
    }
    return NULL;
}

bool prealloc_parse(const char *str, PreallocMode *out, GError **errp)
{
    static const char *const names[] = {
        [PREALLOC_OFF] = "off", [PREALLOC_METADATA] = "metadata",
        [PREALLOC_FALLOC] = "falloc", [PREALLOC_FULL] = "full",
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(str, names[i])) {
            *out = i;
            return true;
        }
    }
    error_setg(errp, "preallocation: invalid value '%s' (expected off, "
               "metadata, falloc or full)", str);
    return false;
}

static BlockDriverState *bdrv_new(const BlockDriver *drv, const char *filename,
                                  int flags)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);
    bs->drv = drv;
    bs->opaque = g_malloc0(drv->instance_size);
    bs->filename = g_strdup(filename);
    bs->open_flags = flags;
    bs->read_only = !(flags & BDRV_O_RDWR);
    bs->refcnt = 1;
    bs->write_budget = -1;
    return bs;
}

static void bdrv_free(BlockDriverState *bs)
{
    g_free(bs->opaque);
    g_free(bs->filename);
    g_free(bs);
}

BlockDriverState *bdrv_open_file(const char *filename, int flags,
                                 GError **errp)
{
    BlockDriverState *bs = bdrv_new(&bdrv_file, filename, flags);
    if (!bdrv_file.open(bs, flags, errp)) {
        bdrv_free(bs);
        return NULL;
    }
    return bs;
}

static const BlockDriver *probe_format(BlockDriverState *file, GError **errp)
{
    uint8_t buf[512] = { 0 };
    int64_t len = bdrv_getlength(file);
    const BlockDriver *best = &bdrv_raw;
    int best_score = 0;

    if (len < 0) {
        error_setg_errno(errp, -len, "Could not get the size of '%s'",
                         file->filename);
        return NULL;
    }
    int ret = bdrv_file_pread(file, 0, MIN((uint64_t)len, sizeof(buf)), buf);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read '%s'", file->filename);
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(format_drivers); i++) {
        int score = format_drivers[i]->probe(buf, sizeof(buf));
        if (score > best_score) {
            best = format_drivers[i];
            best_score = score;
        }
    }
    return best;
}

static BlockDriverState *open_at_depth(const char *filename, const char *fmt,
                                       int flags, int depth, GError **errp)
{
    const BlockDriver *drv = NULL;
    BlockDriverState *file, *bs;
    bool probed = false;

    if (fmt) {
        drv = find_format(fmt);
        if (!drv) {
            error_setg(errp, "Unknown image format '%s' for '%s' (supported: "
                       "qcow2, raw)", fmt, filename);
            return NULL;
        }
    }
    file = bdrv_open_file(filename, flags, errp);
    if (!file) {
        return NULL;
    }
    if (!drv) {
        drv = probe_format(file, errp);
        if (!drv) {
            bdrv_unref(file);
            return NULL;
        }
        probed = true;
    } else if (drv == &bdrv_raw && (flags & BDRV_O_RDWR) &&
               !(flags & BDRV_O_PROTOCOL)) {
        /* A qcow2 header opened as raw for writing would let the guest
         * rewrite the image's metadata: refuse the mismatch. */
        GError *local = NULL;
        const BlockDriver *guess = probe_format(file, &local);
        g_clear_error(&local);
        if (guess && guess != &bdrv_raw) {
            error_setg(errp, "'%s' has a %s header but format=raw was given "
                       "for a writable open; use format=%s", filename,
                       guess->format_name, guess->format_name);
            bdrv_unref(file);
            return NULL;
        }
    }

    bs = bdrv_new(drv, filename, flags);
    bs->file = file;
    bs->chain_depth = depth;
    if (probed && drv == &bdrv_raw && (flags & BDRV_O_RDWR)) {
        bs->probed_raw = true;
        warn_report("Image format was not specified for '%s' and probing "
                    "guessed raw. Automatically detecting the format is "
                    "dangerous for raw images, write operations on block 0 "
                    "will be restricted. Specify the 'raw' format explicitly "
                    "to remove the restrictions.", filename);
    }
    if (!drv->open(bs, flags, errp)) {
        bdrv_unref(file);
        bs->file = NULL;
        bdrv_free(bs);
        return NULL;
    }
    return bs;
}

BlockDriverState *bdrv_open(const char *filename, const char *fmt, int flags,
                            GError **errp)
{
    return open_at_depth(filename, fmt, flags, 0, errp);
}

char *bdrv_backing_path(const char *image_filename, const char *backing)
{
    if (g_path_is_absolute(backing)) {
        return g_strdup(backing);
    }
    g_autofree char *dir = g_path_get_dirname(image_filename);
    if (!strcmp(dir, ".")) {
        return g_strdup(backing);
    }
    return g_build_filename(dir, backing, NULL);
}

BlockDriverState *bdrv_open_backing(BlockDriverState *bs, const char *name,
                                    const char *fmt, GError **errp)
{
    g_autofree char *path = bdrv_backing_path(bs->filename, name);

    if (bs->chain_depth + 1 >= BDRV_MAX_BACKING_DEPTH) {
        error_setg(errp, "Backing chain of '%s' is deeper than %d images "
                   "(a loop?)", bs->filename, BDRV_MAX_BACKING_DEPTH);
        return NULL;
    }
    /* Backing images are only read; share them with other users. */
    BlockDriverState *backing = open_at_depth(path, fmt, bs->open_flags &
                                              (BDRV_O_NOCACHE | BDRV_O_SHARE_RW),
                                              bs->chain_depth + 1, errp);
    if (!backing) {
        error_prepend(errp, "Could not open backing file '%s': ", path);
    }
    return backing;
}

void bdrv_unref(BlockDriverState *bs)
{
    if (!bs || --bs->refcnt > 0) {
        return;
    }
    if (bs->drv->close) {
        bs->drv->close(bs);
    }
    bdrv_unref(bs->backing);
    bdrv_unref(bs->file);
    bdrv_free(bs);
}

bool bdrv_create(const char *fmt, const char *filename,
                 const BlockCreateOpts *opts, GError **errp)
{
    const BlockDriver *drv = find_format(fmt);
    if (!drv) {
        error_setg(errp, "Unknown image format '%s' (supported: qcow2, raw)",
                   fmt);
        return false;
    }
    return drv->create(filename, opts, errp);
}

const char *bdrv_format_name(BlockDriverState *bs)
{
    return bs->drv->format_name;
}

const char *bdrv_filename(BlockDriverState *bs)
{
    return bs->filename;
}

BlockDriverState *bdrv_backing(BlockDriverState *bs)
{
    return bs->backing;
}

bool bdrv_is_read_only(BlockDriverState *bs)
{
    return bs->read_only;
}

int bdrv_open_flags(BlockDriverState *bs)
{
    return bs->open_flags;
}

static int check_request(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                         bool write)
{
    int64_t len;

    if (write && bs->read_only) {
        return -EACCES;
    }
    len = bdrv_getlength(bs);
    if (len < 0) {
        return len;
    }
    if (offset > (uint64_t)len || bytes > (uint64_t)len - offset) {
        return -EINVAL;
    }
    return 0;
}

int bdrv_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    int ret = check_request(bs, offset, bytes, false);
    return ret < 0 ? ret : bs->drv->pread(bs, offset, bytes, buf);
}

static int after_write(BlockDriverState *bs, int ret)
{
    if (ret >= 0 && (bs->open_flags & BDRV_O_WRITETHROUGH)) {
        ret = bdrv_flush(bs);
    }
    return ret;
}

int bdrv_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                const void *buf)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0) {
        return ret;
    }
    return after_write(bs, bs->drv->pwrite(bs, offset, bytes, buf));
}

int bdrv_pwrite_compressed(BlockDriverState *bs, uint64_t offset,
                           uint64_t bytes, const void *buf)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0) {
        return ret;
    }
    if (!bs->drv->pwrite_compressed) {
        return -ENOTSUP;
    }
    return after_write(bs, bs->drv->pwrite_compressed(bs, offset, bytes, buf));
}

int bdrv_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       int flags)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0) {
        return ret;
    }
    return after_write(bs, bs->drv->pwrite_zeroes(bs, offset, bytes, flags));
}

int bdrv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0) {
        return ret;
    }
    return bs->drv->pdiscard ? bs->drv->pdiscard(bs, offset, bytes) : 0;
}

int bdrv_flush(BlockDriverState *bs)
{
    if (bs->read_only || (bs->open_flags & BDRV_O_NO_FLUSH)) {
        return 0;
    }
    return bs->drv->flush(bs);
}

int64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->drv->getlength(bs);
}

int64_t bdrv_get_allocated_file_size(BlockDriverState *bs)
{
    if (bs->drv->get_allocated_file_size) {
        return bs->drv->get_allocated_file_size(bs);
    }
    return bs->file ? bdrv_get_allocated_file_size(bs->file) : -ENOTSUP;
}

int bdrv_truncate(BlockDriverState *bs, uint64_t size, bool shrink,
                  PreallocMode prealloc, GError **errp)
{
    if (bs->read_only) {
        error_setg(errp, "'%s' is opened read-only; cannot resize",
                   bs->filename);
        return -EACCES;
    }
    return bs->drv->truncate(bs, size, shrink, prealloc, errp);
}

uint32_t bdrv_cluster_size(BlockDriverState *bs)
{
    BdrvImageInfo info = { 0 };
    bdrv_get_info(bs, &info);
    uint32_t cs = info.cluster_size;
    bdrv_image_info_clear(&info);
    return cs;
}

int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      uint64_t *pnum, uint64_t *map, BlockDriverState **file)
{
    *map = 0;
    *file = NULL;
    if (!bytes) {
        *pnum = 0;
        return 0;
    }
    return bs->drv->block_status(bs, offset, bytes, pnum, map, file);
}

int bdrv_block_status_above(BlockDriverState *bs, uint64_t offset,
                            uint64_t bytes, uint64_t *pnum, uint64_t *map,
                            BlockDriverState **file, int *depth)
{
    int d = 0;

    for (BlockDriverState *p = bs; p; p = p->backing, d++) {
        int64_t len = bdrv_getlength(p);
        if (len < 0) {
            return len;
        }
        if (p != bs && offset >= (uint64_t)len) {
            /* Past the end of a shorter backing image reads as zeroes. */
            *pnum = bytes;
            *map = 0;
            *file = NULL;
            *depth = d;
            return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
        }
        uint64_t n = MIN(bytes, (uint64_t)len - offset);
        int ret = bdrv_block_status(p, offset, n, pnum, map, file);
        if (ret < 0 || (ret & BDRV_BLOCK_ALLOCATED) || !p->backing) {
            *depth = d;
            return ret;
        }
        bytes = *pnum;   /* the next layer only for the unallocated prefix */
    }
    g_assert_not_reached();
}

int bdrv_check(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    if (!bs->drv->check) {
        return -ENOTSUP;
    }
    return bs->drv->check(bs, res, fix);
}

void bdrv_get_info(BlockDriverState *bs, BdrvImageInfo *info)
{
    memset(info, 0, sizeof(*info));
    if (bs->drv->get_info) {
        bs->drv->get_info(bs, info);
    }
}

void bdrv_image_info_clear(BdrvImageInfo *info)
{
    g_free(info->backing_file);
    g_free(info->backing_fmt);
    if (info->snapshots) {
        for (guint i = 0; i < info->snapshots->len; i++) {
            BdrvSnapshotInfo *sn = &g_array_index(info->snapshots,
                                                  BdrvSnapshotInfo, i);
            g_free(sn->id);
            g_free(sn->name);
        }
        g_array_free(info->snapshots, true);
    }
    memset(info, 0, sizeof(*info));
}

void bdrv_inject_write_failure(BlockDriverState *bs, int64_t n)
{
    while (bs->file) {
        bs = bs->file;
    }
    bs->write_budget = n;
}

char *size_to_str(uint64_t bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
                                         "PiB", "EiB" };
    int i = 0;
    double v = bytes;

    while (v >= 1024 && i + 1 < (int)ARRAY_SIZE(units)) {
        v /= 1024;
        i++;
    }
    if (i == 0) {
        return g_strdup_printf("%" PRIu64 " B", bytes);
    }
    /* qemu-img prints three significant digits: "1 GiB", "1.5 MiB". */
    char *s = g_strdup_printf("%.3g %s", v, units[i]);
    return s;
}
