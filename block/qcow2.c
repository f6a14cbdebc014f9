/*
 * qcow2 driver: header parsing and validation, creation, resize, the dirty
 * bit with lazy refcounts, and the BlockDriver entry points (each takes the
 * image lock; the helpers in qcow2-*.c run under it).
 */
#include "tern/osdep.h"
#include "qcow2.h"

#define HEADER_READ 4096

static int qcow2_probe(const uint8_t *buf, size_t len)
{
    if (len >= 8 && ld32be(buf) == QCOW_MAGIC &&
        (ld32be(buf + 4) == 2 || ld32be(buf + 4) == 3)) {
        return 100;
    }
    return 0;
}

int qcow2_write_header_field(BlockDriverState *bs, uint64_t at, const void *p,
                             size_t len)
{
    int ret = bdrv_file_pwrite(bs->file, at, len, p);
    return ret < 0 ? ret : qcow2_barrier(bs);
}

int qcow2_write_table_entry(BlockDriverState *bs, uint64_t table_offset,
                            uint64_t *table, uint64_t index, uint64_t e)
{
    uint8_t buf[8];
    int ret;

    st64be(buf, e);
    ret = bdrv_file_pwrite(bs->file, table_offset + index * 8, 8, buf);
    if (ret == 0) {
        table[index] = e;
    }
    return ret;
}

int qcow2_write_new_metadata(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             const void *buf)
{
    int ret = qcow2_barrier(bs);

    if (ret == 0) {
        ret = bdrv_file_pwrite(bs->file, offset, bytes, buf);
    }
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    return ret;
}

int qcow2_barrier(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    /* With lazy refcounts the dirty bit covers any ordering problem. */
    return s->lazy_refcounts ? 0 : bdrv_flush(bs->file);
}

static int set_incompatible(BlockDriverState *bs, uint64_t bits)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t buf[8];
    int ret;

    st64be(buf, bits);
    ret = bdrv_file_pwrite(bs->file, HDR_INCOMPATIBLE, 8, buf);
    if (ret == 0) {
        ret = bdrv_flush(bs->file);
    }
    if (ret == 0) {
        s->incompatible = bits;
    }
    return ret;
}

/* Before the first change with lazy refcounts: mark the image dirty. */
static int prepare_write(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    if (!s->lazy_refcounts || s->dirty_set) {
        return 0;
    }
    int ret = set_incompatible(bs, s->incompatible | QCOW2_INCOMPAT_DIRTY);
    s->dirty_set = ret == 0;
    return ret;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

/* A table of `bytes` at `offset` must be aligned and lie within the file. */
static bool check_table(BlockDriverState *bs, const char *what, uint64_t offset,
                        uint64_t bytes, uint64_t file_len, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    if (!bytes) {
        return true;
    }
    if (offset_into_cluster(s, offset) || !offset) {
        error_setg(errp, "'%s': %s offset 0x%" PRIx64 " is invalid (not "
                   "cluster aligned or inside the header)", bs->filename,
                   what, offset);
        return false;
    }
    if (offset > file_len || bytes > file_len - offset) {
        error_setg(errp, "'%s': %s (offset 0x%" PRIx64 ", %" PRIu64 " bytes) "
                   "lies past the end of the file", bs->filename, what,
                   offset, bytes);
        return false;
    }
    return true;
}

static bool read_header_extensions(BlockDriverState *bs, const uint8_t *hdr,
                                   uint64_t start, uint64_t end, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t pos = start;

    while (pos + 8 <= end) {
        uint32_t type = ld32be(hdr + pos), len = ld32be(hdr + pos + 4);
        if (type == QCOW2_EXT_END) {
            return true;
        }
        if (len > end - pos - 8) {
            error_setg(errp, "'%s': header extension 0x%x overruns the header "
                       "(%u bytes at offset %" PRIu64 ")", bs->filename, type,
                       len, pos);
            return false;
        }
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            g_free(s->backing_format);
            s->backing_format = g_strndup((const char *)hdr + pos + 8,
                                          MIN(len, 16));
        } else if (type == QCOW2_EXT_BITMAPS && len >= 24) {
            s->bitmap_dir_size = ld64be(hdr + pos + 16);
            s->bitmap_dir_offset = ld64be(hdr + pos + 24);
        } else if (type == QCOW2_EXT_DATA_FILE) {
            error_setg(errp, "'%s': qcow2 external data files are not "
                       "supported", bs->filename);
            return false;
        }
        pos += 8 + TERN_ALIGN_UP((uint64_t)len, 8);
    }
    return true;
}

static bool check_features(BlockDriverState *bs, const uint8_t *hdr, int flags,
                           GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    const uint64_t known = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT |
                           QCOW2_INCOMPAT_COMPRESSION;

    if (s->incompatible & QCOW2_INCOMPAT_EXTL2) {
        error_setg(errp, "'%s': qcow2 extended L2 entries (subclusters) are "
                   "not supported by Tern", bs->filename);
        return false;
    }
    if (s->incompatible & QCOW2_INCOMPAT_DATA_FILE) {
        error_setg(errp, "'%s': qcow2 external data files are not supported",
                   bs->filename);
        return false;
    }
    if (s->incompatible & ~known) {
        error_setg(errp, "'%s': unsupported qcow2 incompatible feature bits "
                   "0x%" PRIx64, bs->filename, s->incompatible & ~known);
        return false;
    }
    if (s->header_length > 104 && hdr[104] != 0) {
        error_setg(errp, "'%s': qcow2 compression type %u (zstd) is not "
                   "supported; only zlib", bs->filename, hdr[104]);
        return false;
    }
    if ((s->incompatible & QCOW2_INCOMPAT_CORRUPT) && (flags & BDRV_O_RDWR) &&
        !(flags & BDRV_O_CHECK)) {
        error_setg(errp, "'%s': the image is marked corrupt; it can only be "
                   "opened read-only (repair with 'tern-img check -r all')",
                   bs->filename);
        return false;
    }
    return true;
}

static bool parse_header(BlockDriverState *bs, const uint8_t *hdr,
                         uint64_t file_len, int flags, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint32_t cluster_bits = ld32be(hdr + 20);
    uint64_t backing_offset = ld64be(hdr + 8);
    uint32_t backing_size = ld32be(hdr + 16);

    if (ld32be(hdr) != QCOW_MAGIC) {
        error_setg(errp, "'%s' is not in qcow2 format (bad magic)",
                   bs->filename);
        return false;
    }
    s->version = ld32be(hdr + 4);
    if (s->version != 2 && s->version != 3) {
        error_setg(errp, "'%s': unsupported qcow2 version %d", bs->filename,
                   s->version);
        return false;
    }
    if (cluster_bits < MIN_CLUSTER_BITS || cluster_bits > MAX_CLUSTER_BITS) {
        error_setg(errp, "'%s': unsupported cluster size 2^%u (must be 512 B "
                   "to 2 MiB)", bs->filename, cluster_bits);
        return false;
    }
    s->cluster_bits = cluster_bits;
    s->cluster_size = 1ull << cluster_bits;
    s->l2_bits = cluster_bits - 3;
    if (ld32be(hdr + 32)) {
        error_setg(errp, "'%s': encrypted qcow2 images are not supported",
                   bs->filename);
        return false;
    }
    s->size = ld64be(hdr + HDR_SIZE);
    s->l1_size = ld32be(hdr + HDR_L1_SIZE);
    s->l1_table_offset = ld64be(hdr + 40);
    s->refcount_table_offset = ld64be(hdr + 48);
    s->refcount_table_clusters = ld32be(hdr + 56);
    s->nb_snapshots = ld32be(hdr + 60);
    s->snapshots_offset = ld64be(hdr + 64);
    if (s->version == 2) {
        s->header_length = 72;
        s->refcount_order = 4;
    } else {
        s->incompatible = ld64be(hdr + 72);
        s->compatible = ld64be(hdr + 80);
        s->autoclear = ld64be(hdr + 88);
        uint32_t refcount_order = ld32be(hdr + 96);
        s->header_length = ld32be(hdr + 100);
        if (s->header_length < 104 || s->header_length > s->cluster_size ||
            s->header_length > HEADER_READ) {
            error_setg(errp, "'%s': invalid qcow2 header length %u",
                       bs->filename, s->header_length);
            return false;
        }
        if (refcount_order > 6) {
            error_setg(errp, "'%s': invalid refcount order %u (at most 6)",
                       bs->filename, refcount_order);
            return false;
        }
        s->refcount_order = refcount_order;
        if (!check_features(bs, hdr, flags, errp)) {
            return false;
        }
    }

    /* Sizes: the L1 table must be small enough and cover the disk. */
    if ((uint64_t)s->l1_size * 8 > QCOW_MAX_L1_SIZE) {
        error_setg(errp, "'%s': L1 table is too large (%u entries)",
                   bs->filename, s->l1_size);
        return false;
    }
    if (s->size > (1ull << 62) || l1_entries_for(s, s->size) > s->l1_size) {
        error_setg(errp, "'%s': virtual size %" PRIu64 " does not fit the L1 "
                   "table (%u entries)", bs->filename, s->size, s->l1_size);
        return false;
    }
    if (!s->refcount_table_clusters ||
        (uint64_t)s->refcount_table_clusters << cluster_bits >
        QCOW_MAX_REFTABLE_SIZE) {
        error_setg(errp, "'%s': invalid refcount table size (%u clusters)",
                   bs->filename, s->refcount_table_clusters);
        return false;
    }
    if (!check_table(bs, "L1 table", s->l1_table_offset,
                     (uint64_t)s->l1_size * 8, file_len, errp) ||
        !check_table(bs, "refcount table", s->refcount_table_offset,
                     (uint64_t)s->refcount_table_clusters << cluster_bits,
                     file_len, errp)) {
        return false;
    }
    if (ranges_overlap(s->l1_table_offset, (uint64_t)s->l1_size * 8,
                       s->refcount_table_offset,
                       (uint64_t)s->refcount_table_clusters << cluster_bits)) {
        error_setg(errp, "'%s': the L1 table and the refcount table overlap",
                   bs->filename);
        return false;
    }

    uint64_t ext_end = s->cluster_size;
    if (backing_offset) {
        if (backing_size > QCOW_MAX_BACKING_NAME || !backing_size ||
            backing_offset > s->cluster_size ||
            backing_size > s->cluster_size - backing_offset ||
            backing_offset + backing_size > HEADER_READ) {
            error_setg(errp, "'%s': backing file name (offset %" PRIu64 ", %u "
                       "bytes) is invalid or outside the header cluster",
                       bs->filename, backing_offset, backing_size);
            return false;
        }
        s->backing_file = g_strndup((const char *)hdr + backing_offset,
                                    backing_size);
        ext_end = backing_offset;
    }
    return read_header_extensions(bs, hdr, s->header_length,
                                  MIN(ext_end, HEADER_READ), errp);
}

static bool read_tables(BlockDriverState *bs, uint64_t file_len, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t rt_bytes = (uint64_t)s->refcount_table_clusters << s->cluster_bits;
    g_autofree uint8_t *buf = g_malloc(MAX(rt_bytes, (uint64_t)s->l1_size * 8));

    s->l1_table = g_new0(uint64_t, MAX(s->l1_size, 1));
    if (bdrv_file_pread(bs->file, s->l1_table_offset,
                        (uint64_t)s->l1_size * 8, buf) < 0) {
        error_setg(errp, "'%s': cannot read the L1 table", bs->filename);
        return false;
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2 = (s->l1_table[i] = ld64be(buf + 8 * i)) & L1E_OFFSET_MASK;
        if (l2 && (offset_into_cluster(s, l2) || l2 >= file_len)) {
            error_setg(errp, "'%s': L1 entry %u points to an invalid L2 "
                       "table offset 0x%" PRIx64, bs->filename, i, l2);
            return false;
        }
    }

    s->refcount_table_size = rt_bytes / 8;
    s->refcount_table = g_new(uint64_t, s->refcount_table_size);
    if (bdrv_file_pread(bs->file, s->refcount_table_offset, rt_bytes, buf) < 0) {
        error_setg(errp, "'%s': cannot read the refcount table", bs->filename);
        return false;
    }
    /* Distinct blocks inside the file: this also bounds how far a search
     * for free clusters can run on a hostile image. */
    g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t rb = (s->refcount_table[i] = ld64be(buf + 8 * i)) &
                      REFT_OFFSET_MASK;
        if (rb && (offset_into_cluster(s, rb) || rb >= file_len)) {
            error_setg(errp, "'%s': refcount table entry %" PRIu64 " points "
                       "to an invalid refcount block offset 0x%" PRIx64,
                       bs->filename, i, rb);
            return false;
        }
        if (rb && !g_hash_table_add(seen, &s->refcount_table[i])) {
            error_setg(errp, "'%s': refcount table entry %" PRIu64 " reuses "
                       "the refcount block at 0x%" PRIx64, bs->filename, i, rb);
            return false;
        }
    }
    return true;
}

static void qcow2_close(BlockDriverState *bs);

static bool qcow2_open(BlockDriverState *bs, int flags, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t hdr[HEADER_READ];
    int64_t file_len = bdrv_getlength(bs->file);

    g_mutex_init(&s->lock);
    if (file_len < 0 || bdrv_file_pread(bs->file, 0, sizeof(hdr), hdr) < 0) {
        error_setg(errp, "Could not read '%s'", bs->filename);
        goto fail;
    }
    if (!parse_header(bs, hdr, file_len, flags, errp) ||
        !read_tables(bs, file_len, errp) ||
        !qcow2_read_snapshots(bs, errp)) {
        goto fail;
    }
    if (s->nb_snapshots && ranges_overlap(s->snapshots_offset,
            s->snapshots_size, s->l1_table_offset, (uint64_t)s->l1_size * 8)) {
        error_setg(errp, "'%s': the snapshot table overlaps the L1 table",
                   bs->filename);
        goto fail;
    }

    s->refcount_max = s->refcount_order == 6 ? UINT64_MAX
                      : (1ull << (1 << s->refcount_order)) - 1;
    s->refblock_bits = s->cluster_bits + 3 - s->refcount_order;
    s->csize_shift = 62 - (s->cluster_bits - 8);
    s->csize_mask = (1ull << (s->cluster_bits - 8)) - 1;
    s->cluster_offset_mask = (1ull << s->csize_shift) - 1;
    int entries = CLAMP((int)((8u << 20) >> s->cluster_bits), 4, 64);
    s->l2_cache = qcow2_cache_new(entries, s->cluster_size);
    s->refblock_cache = qcow2_cache_new(MAX(entries / 2, 4), s->cluster_size);
    s->decomp_buf = g_malloc(s->cluster_size);
    s->decomp_entry = 0;

    if (s->backing_file && !(flags & BDRV_O_NO_BACKING)) {
        bs->backing = bdrv_open_backing(bs, s->backing_file, s->backing_format,
                                        errp);
        if (!bs->backing) {
            goto fail;
        }
    }
    if ((s->incompatible & QCOW2_INCOMPAT_DIRTY) && (flags & BDRV_O_RDWR) &&
        !(flags & BDRV_O_CHECK)) {
        /* Killed while using lazy refcounts: rebuild them, as QEMU does. */
        BdrvCheckResult res = { .log = g_string_new(NULL) };
        int ret = qcow2_check(bs, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
        g_string_free(res.log, true);
        if (ret < 0 || res.corruptions || res.check_errors) {
            error_setg(errp, "'%s': could not repair the refcounts of a dirty "
                       "image", bs->filename);
            goto fail;
        }
        if (set_incompatible(bs, s->incompatible & ~QCOW2_INCOMPAT_DIRTY) < 0) {
            error_setg(errp, "'%s': could not clear the dirty flag",
                       bs->filename);
            goto fail;
        }
    }
    if (s->autoclear && (flags & BDRV_O_RDWR)) {
        /* Autoclear features (e.g. persistent bitmaps) would go stale under
         * our writes: clear them, as the spec asks of unaware writers. */
        uint8_t zero[8] = { 0 };
        if (bdrv_file_pwrite(bs->file, HDR_AUTOCLEAR, 8, zero) < 0 ||
            bdrv_flush(bs->file) < 0) {
            error_setg(errp, "'%s': could not clear the autoclear features",
                       bs->filename);
            goto fail;
        }
        s->autoclear = 0;
    }
    s->lazy_refcounts = (flags & BDRV_O_RDWR) && s->version >= 3 &&
                        (s->compatible & QCOW2_COMPAT_LAZY_REFCOUNTS);
    return true;

fail:
    qcow2_close(bs);
    bdrv_unref(bs->backing);
    bs->backing = NULL;
    return false;
}

static void qcow2_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    if (s->reserve_count) {
        qcow2_release_reserve(bs);
    }
    if (s->dirty_set && bdrv_flush(bs->file) == 0) {
        set_incompatible(bs, s->incompatible & ~QCOW2_INCOMPAT_DIRTY);
    }
    qcow2_free_snapshots(s);
    qcow2_cache_free(s->l2_cache);
    qcow2_cache_free(s->refblock_cache);
    g_free(s->decomp_buf);
    g_free(s->l1_table);
    g_free(s->refcount_table);
    g_free(s->backing_file);
    g_free(s->backing_format);
    g_mutex_clear(&s->lock);
}

static int qcow2_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int ret = qcow2_read(bs, offset, bytes, buf);
    g_mutex_unlock(&s->lock);
    return ret;
}

/* Guest data through do_write (qcow2_write or qcow2_write_compressed),
 * under the lock and after prepare_write. */
static int write_data(BlockDriverState *bs,
                      int (*do_write)(BlockDriverState *bs, uint64_t offset,
                                      uint64_t bytes, const void *buf),
                      uint64_t offset, uint64_t bytes, const void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int ret = prepare_write(bs);
    if (ret == 0) {
        ret = do_write(bs, offset, bytes, buf);
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

static int qcow2_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        const void *buf)
{
    return write_data(bs, qcow2_write, offset, bytes, buf);
}

static int qcow2_pwrite_compressed(BlockDriverState *bs, uint64_t offset,
                                   uint64_t bytes, const void *buf)
{
    return write_data(bs, qcow2_write_compressed, offset, bytes, buf);
}

/* Whole clusters inside [offset, offset+bytes); the image tail counts as
 * whole. Partial clusters at either end are left to the caller. */
static void whole_clusters(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                           uint64_t *start, uint64_t *end)
{
    *start = TERN_ALIGN_UP(offset, s->cluster_size);
    *end = offset + bytes == s->size
           ? TERN_ALIGN_UP(s->size, s->cluster_size)
           : TERN_ALIGN_DOWN(offset + bytes, s->cluster_size);
    if (*end < *start) {
        *end = *start;
    }
}

static int write_zero_bytes(BlockDriverState *bs, uint64_t offset,
                            uint64_t bytes)
{
    if (!bytes) {
        return 0;
    }
    g_autofree void *zero = g_malloc0(bytes);
    return qcow2_write(bs, offset, bytes, zero);
}

static int zero_locked(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start, end;
    int ret;

    whole_clusters(s, offset, bytes, &start, &end);
    if (start >= end || (s->version < 3 && bs->backing)) {
        /* No whole cluster, or v2 with a backing file: store zeroes. */
        for (uint64_t done = 0; done < bytes;) {
            uint64_t n = MIN(bytes - done, 1 << 20);
            ret = write_zero_bytes(bs, offset + done, n);
            if (ret < 0) {
                return ret;
            }
            done += n;
        }
        return 0;
    }
    ret = write_zero_bytes(bs, offset, start - offset);
    if (ret == 0) {
        ret = qcow2_clear_clusters(bs, start, end - start,
                                   s->version >= 3 ? QCOW2_CLUSTER_ZERO_PLAIN
                                   : QCOW2_CLUSTER_UNALLOCATED);
    }
    if (ret == 0 && end < offset + bytes) {
        ret = write_zero_bytes(bs, end, offset + bytes - end);
    }
    return ret;
}

static int qcow2_pwrite_zeroes(BlockDriverState *bs, uint64_t offset,
                               uint64_t bytes, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int ret = prepare_write(bs);
    if (ret == 0) {
        ret = zero_locked(bs, offset, bytes);
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

static int qcow2_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start, end;
    int ret = 0;

    whole_clusters(s, offset, bytes, &start, &end);
    if (start >= end || (bs->backing && s->version < 3)) {
        return 0;     /* discard is advisory */
    }
    g_mutex_lock(&s->lock);
    ret = prepare_write(bs);
    if (ret == 0) {
        /* With a backing file the discarded range must not show it. */
        ret = qcow2_clear_clusters(bs, start, end - start,
                                   bs->backing ? QCOW2_CLUSTER_ZERO_PLAIN
                                   : QCOW2_CLUSTER_UNALLOCATED);
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

static int qcow2_flush(BlockDriverState *bs)
{
    return bdrv_flush(bs->file);
}

static int64_t qcow2_getlength(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    return s->size;
}

static int write_size(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t buf[8];
    st64be(buf, size);
    int ret = qcow2_write_header_field(bs, HDR_SIZE, buf, 8);
    if (ret == 0) {
        s->size = size;
    }
    return ret;
}

static int truncate_locked(BlockDriverState *bs, uint64_t size, bool shrink,
                           PreallocMode prealloc, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t old = s->size;
    int ret;

    if (s->nb_snapshots) {
        error_setg(errp, "'%s': cannot resize an image which has snapshots",
                   bs->filename);
        return -ENOTSUP;
    }
    if (size < old && !shrink) {
        error_setg(errp, "'%s': shrinking needs --shrink", bs->filename);
        return -EINVAL;
    }
    if (prealloc != PREALLOC_OFF && bs->backing) {
        error_setg(errp, "'%s': preallocation cannot be used with a backing "
                   "file", bs->filename);
        return -ENOTSUP;
    }
    if (size % 512) {
        error_setg(errp, "'%s': the new size must be a multiple of 512",
                   bs->filename);
        return -EINVAL;
    }
    if (size > (1ull << 62) || l1_entries_for(s, size) * 8 > QCOW_MAX_L1_SIZE) {
        error_setg(errp, "'%s': size %" PRIu64 " is too large for cluster "
                   "size %" PRIu64, bs->filename, size, s->cluster_size);
        return -EFBIG;
    }
    ret = prepare_write(bs);
    if (ret == 0 && size >= old) {
        ret = qcow2_grow_l1(bs, l1_entries_for(s, size));
        if (ret == 0) {
            ret = write_size(bs, size);
        }
        /* A longer backing file must not show through the new area. */
        if (ret == 0 && bs->backing && size > old) {
            ret = zero_locked(bs, old, size - old);
        }
        if (ret == 0 && prealloc != PREALLOC_OFF && size > old) {
            ret = qcow2_preallocate(bs, old, size - old, prealloc);
        }
    } else if (ret == 0) {
        uint64_t cut = TERN_ALIGN_UP(size, s->cluster_size);
        /* Zero the rest of the last cluster so a later grow reads zeroes. */
        ret = write_zero_bytes(bs, size, MIN(cut, old) - size);
        if (ret == 0 && cut < TERN_ALIGN_UP(old, s->cluster_size)) {
            ret = qcow2_clear_clusters(bs, cut,
                                       TERN_ALIGN_UP(old, s->cluster_size) - cut,
                                       QCOW2_CLUSTER_UNALLOCATED);
        }
        if (ret == 0) {
            ret = write_size(bs, size);
        }
        if (ret == 0) {
            ret = qcow2_shrink_l2_tables(bs, size);
        }
    }
    if (ret < 0 && errp && !*errp) {
        error_setg_errno(errp, -ret, "Could not resize '%s'", bs->filename);
    }
    return ret;
}

static int qcow2_truncate(BlockDriverState *bs, uint64_t size, bool shrink,
                          PreallocMode prealloc, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int ret = truncate_locked(bs, size, shrink, prealloc, errp);
    g_mutex_unlock(&s->lock);
    return ret;
}

static int qcow2_block_status(BlockDriverState *bs, uint64_t offset,
                              uint64_t bytes, uint64_t *pnum, uint64_t *map,
                              BlockDriverState **file)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t e;
    int ret;

    g_mutex_lock(&s->lock);
    *pnum = bytes;
    ret = qcow2_get_run(bs, offset, pnum, &e);
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        return ret;
    }
    switch (qcow2_cluster_type(s, e)) {
    case QCOW2_CLUSTER_UNALLOCATED:
        return 0;
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case QCOW2_CLUSTER_COMPRESSED:
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    default:
        *map = (e & L2E_OFFSET_MASK) + offset_into_cluster(s, offset);
        *file = bs->file;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
    }
}

static int qcow2_check_locked(BlockDriverState *bs, BdrvCheckResult *res,
                              int fix)
{
    BDRVQcow2State *s = bs->opaque;
    if (fix && bs->read_only) {
        return -EACCES;
    }
    g_mutex_lock(&s->lock);
    int ret = s->reserve_count ? qcow2_release_reserve(bs) : 0;
    if (ret == 0) {
        ret = qcow2_check(bs, res, fix);
    }
    if (ret == 0 && fix && !res->corruptions && !res->check_errors &&
        (s->incompatible & (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT))) {
        s->dirty_set = false;
        ret = set_incompatible(bs, s->incompatible & ~(QCOW2_INCOMPAT_DIRTY |
                                                       QCOW2_INCOMPAT_CORRUPT));
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

static void qcow2_get_info(BlockDriverState *bs, BdrvImageInfo *info)
{
    BDRVQcow2State *s = bs->opaque;

    info->cluster_size = s->cluster_size;
    info->backing_file = g_strdup(s->backing_file);
    info->backing_fmt = g_strdup(s->backing_format);
    info->has_format_specific = true;
    info->qcow2_version = s->version;
    info->lazy_refcounts = s->compatible & QCOW2_COMPAT_LAZY_REFCOUNTS;
    info->corrupt = s->incompatible & QCOW2_INCOMPAT_CORRUPT;
    info->dirty = s->incompatible & QCOW2_INCOMPAT_DIRTY;
    info->extended_l2 = false;
    info->refcount_bits = 1 << s->refcount_order;
    info->snapshots = g_array_new(false, true, sizeof(BdrvSnapshotInfo));
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        BdrvSnapshotInfo si = {
            .id = g_strdup(sn->id_str), .name = g_strdup(sn->name),
            .vm_state_size = sn->vm_state_size, .date_sec = sn->date_sec,
            .date_nsec = sn->date_nsec, .vm_clock_nsec = sn->vm_clock_nsec,
            .icount = sn->icount,
        };
        g_array_append_val(info->snapshots, si);
    }
}

/* ---- creation ---- */

static bool create_validate(const char *filename, const BlockCreateOpts *o,
                            uint32_t cs, int version, int refcount_bits,
                            GError **errp)
{
    if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1))) {
        error_setg(errp, "cluster_size: %u is invalid; it must be a power of "
                   "two between 512 and 2M", cs);
        return false;
    }
    if (version != 2 && version != 3) {
        error_setg(errp, "compat: invalid qcow2 version %d (use 0.10 or 1.1)",
                   version);
        return false;
    }
    if (refcount_bits < 1 || refcount_bits > 64 ||
        (refcount_bits & (refcount_bits - 1))) {
        error_setg(errp, "refcount_bits: %d is invalid (a power of two up to "
                   "64)", refcount_bits);
        return false;
    }
    if (version == 2 && (refcount_bits != 16 || o->lazy_refcounts)) {
        error_setg(errp, "compat=0.10 supports neither lazy_refcounts nor "
                   "refcount_bits other than 16");
        return false;
    }
    if (o->backing_file && o->prealloc != PREALLOC_OFF) {
        error_setg(errp, "'%s': a backing file and preallocation cannot be "
                   "used together", filename);
        return false;
    }
    if (o->backing_file && strlen(o->backing_file) > QCOW_MAX_BACKING_NAME) {
        error_setg(errp, "backing_file: name longer than %d bytes",
                   QCOW_MAX_BACKING_NAME);
        return false;
    }
    return true;
}

static bool qcow2_create(const char *filename, const BlockCreateOpts *opts,
                         GError **errp)
{
    uint32_t cs = opts->cluster_size ? opts->cluster_size : 65536;
    int version = opts->compat ? opts->compat : 3;
    int refcount_bits = opts->refcount_bits ? opts->refcount_bits : 16;
    g_autofree char *backing_fmt = g_strdup(opts->backing_fmt);
    uint64_t size = opts->size;

    if (!create_validate(filename, opts, cs, version, refcount_bits, errp)) {
        return false;
    }
    if (opts->backing_file) {
        /* The backing image must open; it also gives the default size. */
        g_autofree char *path = bdrv_backing_path(filename, opts->backing_file);
        g_autoptr(BlockDriverState) b = bdrv_open(path, backing_fmt,
                                                  BDRV_O_SHARE_RW, errp);
        if (!b) {
            error_prepend(errp, "Could not open backing file: ");
            return false;
        }
        if (!backing_fmt) {
            backing_fmt = g_strdup(bdrv_format_name(b));
            warn_report("no backing format given for '%s'; probed '%s' "
                        "(use -F to be explicit)", path, backing_fmt);
        }
        if (!opts->has_size) {
            size = bdrv_getlength(b);
        }
    } else if (!opts->has_size) {
        error_setg(errp, "'%s': an image size is required", filename);
        return false;
    }

    /* Cluster 0: header; 1: refcount table; 2: refcount block. */
    g_autofree uint8_t *buf = g_malloc0(3 * (uint64_t)cs);
    uint32_t hlen = version == 3 ? QCOW2_V3_HEADER_LEN : 72;
    int order = __builtin_ctz(refcount_bits);
    uint64_t pos = hlen;
    st32be(buf, QCOW_MAGIC);
    st32be(buf + 4, version);
    st32be(buf + 20, __builtin_ctz(cs));
    st64be(buf + 48, cs);
    st32be(buf + 56, 1);
    if (version == 3) {
        st64be(buf + 80, opts->lazy_refcounts ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0);
        st32be(buf + 96, order);
        st32be(buf + 100, hlen);
    }
    if (opts->backing_file) {
        size_t flen = strlen(backing_fmt);
        st32be(buf + pos, QCOW2_EXT_BACKING_FORMAT);
        st32be(buf + pos + 4, flen);
        memcpy(buf + pos + 8, backing_fmt, flen);
        pos += 8 + TERN_ALIGN_UP(flen, 8);
        pos += 8;                                    /* end extension */
        size_t blen = strlen(opts->backing_file);
        if (pos + blen > cs) {
            error_setg(errp, "backing_file: name does not fit in a %u byte "
                       "cluster", cs);
            return false;
        }
        st64be(buf + 8, pos);
        st32be(buf + 16, blen);
        memcpy(buf + pos, opts->backing_file, blen);
    }
    st64be(buf + cs, 2ull * cs);                    /* refcount table */
    for (int i = 0; i < 3; i++) {                    /* clusters 0..2 in use */
        uint8_t *rb = buf + 2 * cs;
        if (order >= 3) {
            rb[(i + 1) * (refcount_bits / 8) - 1] = 1;
        } else {
            rb[i >> (3 - order)] |= 1 << ((i & ((8 >> order) - 1)) << order);
        }
    }

    if (!bdrv_file.create(filename, opts, errp)) {
        return false;
    }
    BlockDriverState *file = bdrv_open_file(filename, BDRV_O_RDWR, errp);
    if (!file) {
        return false;
    }
    int ret = bdrv_file_pwrite(file, 0, 3 * (uint64_t)cs, buf);
    bdrv_unref(file);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write '%s'", filename);
        return false;
    }

    /* qcow2 sizes are whole sectors, as in QEMU. */
    size = TERN_ALIGN_UP(size, 512);
    BlockDriverState *bs = bdrv_open(filename, "qcow2",
                                     BDRV_O_RDWR | BDRV_O_NO_BACKING, errp);
    if (!bs) {
        return false;
    }
    ret = bdrv_truncate(bs, size, false, opts->prealloc, errp);
    if (ret >= 0) {
        ret = bdrv_flush(bs);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not flush '%s'", filename);
        }
    }
    bdrv_unref(bs);
    return ret >= 0;
}

const BlockDriver bdrv_qcow2 = {
    .format_name = "qcow2",
    .instance_size = sizeof(BDRVQcow2State),
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .pread = qcow2_pread,
    .pwrite = qcow2_pwrite,
    .pwrite_compressed = qcow2_pwrite_compressed,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .pdiscard = qcow2_pdiscard,
    .flush = qcow2_flush,
    .getlength = qcow2_getlength,
    .truncate = qcow2_truncate,
    .block_status = qcow2_block_status,
    .create = qcow2_create,
    .check = qcow2_check_locked,
    .get_info = qcow2_get_info,
};
