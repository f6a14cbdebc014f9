/*
 * qcow2 guest cluster mapping ("Cluster mapping"): L1/L2 lookup, reads,
 * allocating writes, compressed clusters, zero clusters and discard.
 *
 * Update order for a write into unallocated space (crash safety):
 * raise refcount of the new cluster -> barrier -> write the data ->
 * point the L2 entry at it -> barrier -> drop the old cluster's refcount.
 */
#include "tern/osdep.h"
#include "qcow2.h"
#include <zlib.h>

Qcow2ClusterType qcow2_cluster_type(BDRVQcow2State *s, uint64_t l2e)
{
    if (l2e & QCOW_OFLAG_COMPRESSED) {
        return QCOW2_CLUSTER_COMPRESSED;
    }
    if ((l2e & QCOW_OFLAG_ZERO) && s->version >= 3) {
        return l2e & L2E_OFFSET_MASK ? QCOW2_CLUSTER_ZERO_ALLOC
                                     : QCOW2_CLUSTER_ZERO_PLAIN;
    }
    return l2e & L2E_OFFSET_MASK ? QCOW2_CLUSTER_NORMAL
                                 : QCOW2_CLUSTER_UNALLOCATED;
}

void qcow2_compressed_range(BDRVQcow2State *s, uint64_t l2e,
                            uint64_t *offset, uint64_t *bytes)
{
    uint64_t sectors = ((l2e >> s->csize_shift) & s->csize_mask) + 1;
    *offset = l2e & s->cluster_offset_mask;
    *bytes = sectors * 512 - (*offset & 511);
}

static int corrupt(BlockDriverState *bs, const char *what, uint64_t value)
{
    error_report("qcow2 '%s': %s (0x%" PRIx64 "); the image is corrupt",
                 bs->filename, what, value);
    return -EIO;
}

static int write_l1_entry(BlockDriverState *bs, uint64_t index, uint64_t e)
{
    BDRVQcow2State *s = bs->opaque;

    return qcow2_write_table_entry(bs, s->l1_table_offset, s->l1_table, index, e);
}

/*
 * The L2 table for a guest offset. With allocate, the table is made
 * writable: a missing table is created, a shared one (no COPIED) copied.
 * Without allocate, *l2 is NULL when there is no table.
 */
static int get_l2(BlockDriverState *bs, uint64_t offset, bool allocate,
                  uint8_t **l2, uint64_t *l2_offset)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t index = offset >> (s->cluster_bits + s->l2_bits);
    uint64_t l1e, old;
    int64_t new;
    int ret;

    *l2 = NULL;
    if (index >= s->l1_size) {
        return allocate ? corrupt(bs, "write beyond the L1 table", offset) : 0;
    }
    l1e = s->l1_table[index];
    old = l1e & L1E_OFFSET_MASK;
    if (old && offset_into_cluster(s, old)) {
        return corrupt(bs, "L2 table offset is not cluster aligned", old);
    }
    if (old && (!allocate || (l1e & QCOW_OFLAG_COPIED))) {
        *l2_offset = old;
        return qcow2_cache_get(bs->file, s->l2_cache, old, (void **)l2);
    }
    if (!allocate) {
        return 0;
    }

    g_autofree uint8_t *table = g_malloc0(s->cluster_size);
    if (old) {
        uint8_t *src;
        ret = qcow2_cache_get(bs->file, s->l2_cache, old, (void **)&src);
        if (ret < 0) {
            return ret;
        }
        memcpy(table, src, s->cluster_size);
    }
    new = qcow2_alloc_clusters(bs, 1);
    if (new < 0) {
        return new;
    }
    ret = qcow2_write_new_metadata(bs, new, s->cluster_size, table);
    if (ret == 0) {
        ret = write_l1_entry(bs, index, new | QCOW_OFLAG_COPIED);
    }
    if (ret < 0) {
        return ret;
    }
    if (old) {
        ret = qcow2_barrier(bs);
        if (ret == 0) {
            ret = qcow2_update_refcount(bs, old, s->cluster_size, -1);
        }
        if (ret < 0) {
            return ret;
        }
    }
    *l2_offset = new;
    *l2 = qcow2_cache_put(s->l2_cache, new, table);
    return 0;
}

int qcow2_get_run(BlockDriverState *bs, uint64_t offset, uint64_t *bytes,
                  uint64_t *l2e)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t index = (offset >> s->cluster_bits) & (l2_entries(s) - 1);
    uint64_t in_cluster = offset_into_cluster(s, offset);
    uint64_t max = MIN(l2_entries(s) - index,
                       size_to_clusters(s, in_cluster + *bytes));
    uint64_t n = 1, l2_offset;
    uint8_t *l2;
    int ret = get_l2(bs, offset, false, &l2, &l2_offset);

    if (ret < 0) {
        return ret;
    }
    if (!l2) {
        *l2e = 0;
        n = max;
    } else {
        uint64_t first = ld64be(l2 + 8 * index);
        Qcow2ClusterType type = qcow2_cluster_type(s, first);
        *l2e = first;
        for (; n < max && type != QCOW2_CLUSTER_COMPRESSED; n++) {
            uint64_t e = ld64be(l2 + 8 * (index + n));
            if (qcow2_cluster_type(s, e) != type) {
                break;
            }
            if ((type == QCOW2_CLUSTER_NORMAL ||
                 type == QCOW2_CLUSTER_ZERO_ALLOC) &&
                ((e & L2E_OFFSET_MASK) !=
                 (first & L2E_OFFSET_MASK) + n * s->cluster_size ||
                 (e & QCOW_OFLAG_COPIED) != (first & QCOW_OFLAG_COPIED))) {
                break;
            }
        }
    }
    *bytes = MIN(*bytes, n * s->cluster_size - in_cluster);
    return 0;
}

static int read_backing(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        uint8_t *buf)
{
    int64_t len = bs->backing ? bdrv_getlength(bs->backing) : 0;
    uint64_t n = 0;

    if (len < 0) {
        return len;
    }
    if (offset < (uint64_t)len) {
        n = MIN(bytes, (uint64_t)len - offset);
        int ret = bdrv_pread(bs->backing, offset, n, buf);
        if (ret < 0) {
            return ret;
        }
    }
    memset(buf + n, 0, bytes - n);
    return 0;
}

static int decompress_cluster(BlockDriverState *bs, uint64_t l2e)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off, csize;
    z_stream z = { 0 };
    int ret;

    if (s->decomp_entry == l2e) {
        return 0;
    }
    qcow2_compressed_range(s, l2e, &off, &csize);
    g_autofree uint8_t *in = g_malloc(csize);
    ret = bdrv_file_pread(bs->file, off, csize, in);
    if (ret < 0) {
        return ret;
    }
    if (inflateInit2(&z, -12) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = in;
    z.avail_in = csize;
    z.next_out = s->decomp_buf;
    z.avail_out = s->cluster_size;
    ret = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if ((ret != Z_STREAM_END && ret != Z_BUF_ERROR) || z.avail_out) {
        s->decomp_entry = 0;
        return corrupt(bs, "compressed cluster does not decompress", off);
    }
    s->decomp_entry = l2e;
    return 0;
}

int qcow2_read(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
               void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *p = buf;

    while (bytes) {
        uint64_t n = bytes, e, host;
        int ret = qcow2_get_run(bs, offset, &n, &e);
        if (ret < 0) {
            return ret;
        }
        switch (qcow2_cluster_type(s, e)) {
        case QCOW2_CLUSTER_UNALLOCATED:
            ret = read_backing(bs, offset, n, p);
            break;
        case QCOW2_CLUSTER_ZERO_PLAIN:
        case QCOW2_CLUSTER_ZERO_ALLOC:
            memset(p, 0, n);
            break;
        case QCOW2_CLUSTER_NORMAL:
            host = e & L2E_OFFSET_MASK;
            if (offset_into_cluster(s, host)) {
                return corrupt(bs, "data cluster offset is not aligned", host);
            }
            ret = bdrv_file_pread(bs->file, host + offset_into_cluster(s, offset),
                                  n, p);
            break;
        case QCOW2_CLUSTER_COMPRESSED:
            ret = decompress_cluster(bs, e);
            if (ret == 0) {
                memcpy(p, s->decomp_buf + offset_into_cluster(s, offset), n);
            }
            break;
        }
        if (ret < 0) {
            return ret;
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

/* Current L2 entries for nc clusters from cluster-aligned `start`. */
static int get_entries(BlockDriverState *bs, uint64_t start, uint64_t nc,
                       uint64_t *out)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t index = (start >> s->cluster_bits) & (l2_entries(s) - 1);
    uint64_t l2_offset;
    uint8_t *l2;
    int ret = get_l2(bs, start, false, &l2, &l2_offset);

    for (uint64_t i = 0; i < nc; i++) {
        out[i] = l2 ? ld64be(l2 + 8 * (index + i)) : 0;
    }
    return ret;
}

/*
 * Replace the L2 entries of nc clusters (within one L2 table) from
 * cluster-aligned `start`, then release what the old entries held.
 */
static int set_entries(BlockDriverState *bs, uint64_t start, uint64_t nc,
                       const uint64_t *new, const uint64_t *old)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t index = (start >> s->cluster_bits) & (l2_entries(s) - 1);
    uint64_t l2_offset;
    uint8_t *l2;
    int ret = get_l2(bs, start, true, &l2, &l2_offset);

    if (ret < 0) {
        return ret;
    }
    for (uint64_t i = 0; i < nc; i++) {
        st64be(l2 + 8 * (index + i), new[i]);
    }
    ret = bdrv_file_pwrite(bs->file, l2_offset + 8 * index, 8 * nc,
                           l2 + 8 * index);
    if (ret < 0) {
        qcow2_cache_drop(s->l2_cache, l2_offset);
        return ret;
    }
    /* The new entries must be on disk before the old clusters can be
     * reused; only pay for the barrier when something is freed. */
    bool frees = false;
    for (uint64_t i = 0; i < nc; i++) {
        Qcow2ClusterType t = qcow2_cluster_type(s, old[i]);
        frees |= t == QCOW2_CLUSTER_NORMAL || t == QCOW2_CLUSTER_ZERO_ALLOC ||
                 t == QCOW2_CLUSTER_COMPRESSED;
    }
    ret = frees ? qcow2_barrier(bs) : 0;
    for (uint64_t i = 0; ret == 0 && frees && i < nc; i++) {
        if (qcow2_cluster_type(s, old[i]) == QCOW2_CLUSTER_COMPRESSED) {
            s->decomp_entry = 0;
        }
        ret = qcow2_free_entry(bs, old[i]);
    }
    return ret;
}

/* Read guest data for the unwritten part of a new cluster; zero past EOF. */
static int read_old(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                    uint8_t *buf)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t n = offset < s->size ? MIN(bytes, s->size - offset) : 0;
    memset(buf + n, 0, bytes - n);
    return n ? qcow2_read(bs, offset, n, buf) : 0;
}

/* Write a run that needs fresh clusters (unallocated, zero, shared or
 * compressed): copy-on-write the partial head and tail clusters. */
static int write_new_clusters(BlockDriverState *bs, uint64_t offset,
                              uint64_t bytes, const uint8_t *buf)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start = offset & ~(s->cluster_size - 1);
    uint64_t head = offset - start;
    uint64_t nc = size_to_clusters(s, head + bytes);
    uint64_t tail = nc * s->cluster_size - head - bytes;
    g_autofree uint64_t *old = g_new(uint64_t, nc);
    g_autofree uint64_t *new = g_new(uint64_t, nc);
    g_autofree uint8_t *tmp = NULL;
    int64_t host;
    int ret;

    ret = get_entries(bs, start, nc, old);
    if (ret < 0) {
        return ret;
    }
    if (head || tail) {
        tmp = g_malloc(nc * s->cluster_size);
        ret = read_old(bs, start, head, tmp);
        if (ret == 0) {
            ret = read_old(bs, offset + bytes, tail, tmp + head + bytes);
        }
        if (ret < 0) {
            return ret;
        }
        memcpy(tmp + head, buf, bytes);
        buf = tmp;
    }
    /* The L2 table first, so that it does not land after the data
     * reserve and stretch the file. */
    uint8_t *l2;
    uint64_t l2_offset;
    ret = get_l2(bs, start, true, &l2, &l2_offset);
    if (ret < 0) {
        return ret;
    }
    host = qcow2_alloc_data_clusters(bs, nc);
    if (host < 0) {
        return host;
    }
    ret = bdrv_file_pwrite(bs->file, host + (tmp ? 0 : head),
                           tmp ? nc * s->cluster_size : bytes, buf);
    if (ret < 0) {
        return ret;
    }
    for (uint64_t i = 0; i < nc; i++) {
        new[i] = (host + i * s->cluster_size) | QCOW_OFLAG_COPIED;
    }
    return set_entries(bs, start, nc, new, old);
}

int qcow2_write(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                const void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    const uint8_t *p = buf;

    while (bytes) {
        uint64_t n = bytes, e;
        int ret = qcow2_get_run(bs, offset, &n, &e);
        if (ret < 0) {
            return ret;
        }
        if (qcow2_cluster_type(s, e) == QCOW2_CLUSTER_NORMAL &&
            (e & QCOW_OFLAG_COPIED)) {
            uint64_t host = e & L2E_OFFSET_MASK;
            if (offset_into_cluster(s, host)) {
                return corrupt(bs, "data cluster offset is not aligned", host);
            }
            ret = bdrv_file_pwrite(bs->file,
                                   host + offset_into_cluster(s, offset), n, p);
        } else {
            ret = write_new_clusters(bs, offset, n, p);
        }
        if (ret < 0) {
            return ret;
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

int qcow2_write_compressed(BlockDriverState *bs, uint64_t offset,
                           uint64_t bytes, const void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint8_t *in = g_malloc0(s->cluster_size);
    g_autofree uint8_t *out = g_malloc(s->cluster_size);
    z_stream z = { 0 };
    uint64_t old, entry, clen, sectors;
    int64_t coff;
    int ret;

    if (offset_into_cluster(s, offset) ||
        (bytes != s->cluster_size && offset + s->cluster_size < s->size) ||
        bytes > s->cluster_size) {
        return -EINVAL;
    }
    memcpy(in, buf, bytes);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = in;
    z.avail_in = s->cluster_size;
    z.next_out = out;
    z.avail_out = s->cluster_size - 1;
    ret = deflate(&z, Z_FINISH);
    clen = s->cluster_size - 1 - z.avail_out;
    deflateEnd(&z);
    if (ret != Z_STREAM_END) {
        return qcow2_write(bs, offset, bytes, buf);  /* does not shrink */
    }

    ret = get_entries(bs, offset, 1, &old);
    if (ret < 0) {
        return ret;
    }
    coff = qcow2_alloc_compressed(bs, clen);
    if (coff < 0) {
        return coff;
    }
    if ((uint64_t)coff > s->cluster_offset_mask) {
        return -EFBIG;
    }
    ret = qcow2_barrier(bs);
    if (ret == 0) {
        ret = bdrv_file_pwrite(bs->file, coff, clen, out);
    }
    if (ret < 0) {
        return ret;
    }
    sectors = ((coff + clen - 1) >> 9) - (coff >> 9);
    entry = coff | (sectors << s->csize_shift) | QCOW_OFLAG_COMPRESSED;
    s->decomp_entry = 0;
    return set_entries(bs, offset, 1, &entry, &old);
}

int qcow2_clear_clusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                         Qcow2ClusterType type)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t new_entry = type == QCOW2_CLUSTER_ZERO_PLAIN ? QCOW_OFLAG_ZERO : 0;

    while (bytes) {
        uint64_t index = (offset >> s->cluster_bits) & (l2_entries(s) - 1);
        uint64_t nc = MIN(l2_entries(s) - index, bytes >> s->cluster_bits);
        g_autofree uint64_t *old = g_new(uint64_t, nc);
        g_autofree uint64_t *new = g_new(uint64_t, nc);
        bool change = false;
        int ret = get_entries(bs, offset, nc, old);

        if (ret < 0) {
            return ret;
        }
        for (uint64_t i = 0; i < nc; i++) {
            new[i] = new_entry;
            change |= old[i] != new_entry;
        }
        if (change) {
            ret = set_entries(bs, offset, nc, new, old);
            if (ret < 0) {
                return ret;
            }
        }
        offset += nc << s->cluster_bits;
        bytes -= nc << s->cluster_bits;
    }
    return 0;
}

int qcow2_preallocate(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      PreallocMode mode)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t end = 0;

    offset &= ~(s->cluster_size - 1);
    bytes = TERN_ALIGN_UP(bytes, s->cluster_size);
    while (bytes) {
        uint64_t n = bytes, e;
        int ret = qcow2_get_run(bs, offset, &n, &e);
        if (ret < 0) {
            return ret;
        }
        if (qcow2_cluster_type(s, e) == QCOW2_CLUSTER_UNALLOCATED) {
            uint64_t nc = n >> s->cluster_bits;
            g_autofree uint64_t *old = g_new0(uint64_t, nc);
            g_autofree uint64_t *new = g_new(uint64_t, nc);
            int64_t host = qcow2_alloc_clusters(bs, nc);
            if (host < 0) {
                return host;
            }
            if (mode == PREALLOC_FALLOC || mode == PREALLOC_FULL) {
                ret = bs->file->drv->pwrite_zeroes(bs->file, host, n, 0);
                if (ret < 0) {
                    return ret;
                }
            }
            for (uint64_t i = 0; i < nc; i++) {
                new[i] = (host + i * s->cluster_size) | QCOW_OFLAG_COPIED;
            }
            ret = set_entries(bs, offset, nc, new, old);
            if (ret < 0) {
                return ret;
            }
            end = MAX(end, host + n);
        }
        offset += n;
        bytes -= n;
    }
    int64_t len = bdrv_getlength(bs->file);
    if (len >= 0 && (uint64_t)len < end) {
        return bs->file->drv->truncate(bs->file, end, false, PREALLOC_OFF, NULL);
    }
    return len < 0 ? len : 0;
}

int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t bytes = TERN_ALIGN_UP(min_size * 8, s->cluster_size);
    uint64_t old_offset = s->l1_table_offset, old_size = s->l1_size;
    int64_t new;
    uint8_t hdr[12];
    int ret;

    if (min_size <= s->l1_size) {
        return 0;
    }
    if (min_size * 8 > QCOW_MAX_L1_SIZE) {
        return -EFBIG;
    }
    g_autofree uint8_t *table = g_malloc0(bytes);
    for (uint64_t i = 0; i < old_size; i++) {
        st64be(table + 8 * i, s->l1_table[i]);
    }
    new = qcow2_alloc_clusters(bs, bytes >> s->cluster_bits);
    if (new < 0) {
        return new;
    }
    ret = qcow2_write_new_metadata(bs, new, bytes, table);
    if (ret < 0) {
        return ret;
    }
    st32be(hdr, min_size);
    st64be(hdr + 4, new);
    ret = qcow2_write_header_field(bs, HDR_L1_SIZE, hdr, sizeof(hdr));
    if (ret < 0) {
        return ret;
    }
    s->l1_table = g_renew(uint64_t, s->l1_table, min_size);
    memset(s->l1_table + old_size, 0, (min_size - old_size) * 8);
    s->l1_table_offset = new;
    s->l1_size = min_size;
    if (!old_size) {
        return 0;
    }
    return qcow2_update_refcount(bs, old_offset, old_size * 8, -1);
}

int qcow2_shrink_l2_tables(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;

    for (uint64_t i = l1_entries_for(s, size); i < s->l1_size; i++) {
        uint64_t l2 = s->l1_table[i] & L1E_OFFSET_MASK;
        if (!l2) {
            continue;
        }
        int ret = write_l1_entry(bs, i, 0);
        if (ret == 0) {
            ret = qcow2_barrier(bs);
        }
        if (ret == 0) {
            qcow2_cache_drop(s->l2_cache, l2);
            ret = qcow2_update_refcount(bs, l2, s->cluster_size, -1);
        }
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}
