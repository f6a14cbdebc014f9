/* The raw format: guest bytes are file bytes. */
#include "tern/osdep.h"
#include "block_int.h"

static int raw_probe(const uint8_t *buf, size_t len)
{
    return 1;   /* anything can be raw; any real format scores higher */
}

static bool raw_open(BlockDriverState *bs, int flags, GError **errp)
{
    return true;
}

static int raw_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                     void *buf)
{
    return bs->file->drv->pread(bs->file, offset, bytes, buf);
}

/*
 * A probed raw image must not become something else: refuse a write to the
 * first sector that would make the image probe as another format.
 */
static bool write_changes_format(BlockDriverState *bs, uint64_t offset,
                                 uint64_t bytes, const void *buf)
{
    uint8_t head[512];

    if (!bs->probed_raw || offset >= sizeof(head)) {
        return false;
    }
    if (bdrv_file_pread(bs->file, 0, sizeof(head), head) < 0) {
        return true;
    }
    memcpy(head + offset, buf, MIN(bytes, sizeof(head) - offset));
    return bdrv_qcow2.probe(head, sizeof(head)) > 0;
}

static int raw_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      const void *buf)
{
    if (write_changes_format(bs, offset, bytes, buf)) {
        return -EPERM;
    }
    return bs->file->drv->pwrite(bs->file, offset, bytes, buf);
}

static int raw_pwrite_zeroes(BlockDriverState *bs, uint64_t offset,
                             uint64_t bytes, int flags)
{
    return bs->file->drv->pwrite_zeroes(bs->file, offset, bytes, flags);
}

static int raw_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    return bs->file->drv->pdiscard(bs->file, offset, bytes);
}

static int raw_flush(BlockDriverState *bs)
{
    return bs->file->drv->flush(bs->file);
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file);
}

static int raw_truncate(BlockDriverState *bs, uint64_t size, bool shrink,
                        PreallocMode prealloc, GError **errp)
{
    if (prealloc == PREALLOC_METADATA) {
        error_setg(errp, "'%s': preallocation=metadata is not supported for "
                   "raw images", bs->filename);
        return -ENOTSUP;
    }
    return bs->file->drv->truncate(bs->file, size, shrink, prealloc, errp);
}

static int raw_block_status(BlockDriverState *bs, uint64_t offset,
                            uint64_t bytes, uint64_t *pnum, uint64_t *map,
                            BlockDriverState **file)
{
    int ret = bdrv_block_status(bs->file, offset, bytes, pnum, map, file);
    return ret < 0 ? ret : ret | BDRV_BLOCK_ALLOCATED;
}

static bool raw_create(const char *filename, const BlockCreateOpts *opts,
                       GError **errp)
{
    if (opts->backing_file) {
        error_setg(errp, "'%s': raw images cannot have a backing file",
                   filename);
        return false;
    }
    if (opts->cluster_size) {
        error_setg(errp, "'%s': raw images have no cluster_size", filename);
        return false;
    }
    if (!bdrv_file.create(filename, opts, errp)) {
        return false;
    }
    BlockDriverState *file = bdrv_open_file(filename, BDRV_O_RDWR, errp);
    if (!file) {
        return false;
    }
    int ret = file->drv->truncate(file, opts->size, false,
                                  opts->prealloc == PREALLOC_METADATA
                                  ? PREALLOC_OFF : opts->prealloc, errp);
    bdrv_unref(file);
    return ret >= 0;
}

const BlockDriver bdrv_raw = {
    .format_name = "raw",
    .instance_size = 1,
    .probe = raw_probe,
    .open = raw_open,
    .pread = raw_pread,
    .pwrite = raw_pwrite,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .pdiscard = raw_pdiscard,
    .flush = raw_flush,
    .getlength = raw_getlength,
    .truncate = raw_truncate,
    .block_status = raw_block_status,
    .create = raw_create,
};
