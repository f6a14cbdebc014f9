/*
 * qcow2 refcounts ("Host cluster management"): lookup, update, cluster
 * allocation including new refcount blocks and a growing refcount table.
 *
 * Crash safety: a cluster's refcount is raised (and a barrier passed) before
 * anything references it, and lowered only after the last reference is gone.
 * An interruption can therefore leak clusters but never leave a referenced
 * cluster with a refcount that is too low.
 */
#include "tern/osdep.h"
#include "qcow2.h"

static uint64_t rb_get(BDRVQcow2State *s, const uint8_t *blk, uint64_t i)
{
    int order = s->refcount_order;
    switch (order) {
    case 0: case 1: case 2: {
        int per_byte_shift = 3 - order;
        int shift = (i & ((1u << per_byte_shift) - 1)) << order;
        return (blk[i >> per_byte_shift] >> shift) & ((1u << (1 << order)) - 1);
    }
    case 3: return blk[i];
    case 4: return ld16be(blk + 2 * i);
    case 5: return ld32be(blk + 4 * i);
    default: return ld64be(blk + 8 * i);
    }
}

static void rb_set(BDRVQcow2State *s, uint8_t *blk, uint64_t i, uint64_t v)
{
    int order = s->refcount_order;
    switch (order) {
    case 0: case 1: case 2: {
        int per_byte_shift = 3 - order;
        int shift = (i & ((1u << per_byte_shift) - 1)) << order;
        uint8_t mask = ((1u << (1 << order)) - 1) << shift;
        uint8_t *b = &blk[i >> per_byte_shift];
        *b = (*b & ~mask) | ((v << shift) & mask);
        break;
    }
    case 3: blk[i] = v; break;
    case 4: st16be(blk + 2 * i, v); break;
    case 5: st32be(blk + 4 * i, v); break;
    default: st64be(blk + 8 * i, v); break;
    }
}

/* Byte range [*lo, *hi) of a block holding entries first..last. */
static void rb_bytes(BDRVQcow2State *s, uint64_t first, uint64_t last,
                     uint64_t *lo, uint64_t *hi)
{
    if (s->refcount_order < 3) {
        *lo = first >> (3 - s->refcount_order);
        *hi = (last >> (3 - s->refcount_order)) + 1;
    } else {
        *lo = first << (s->refcount_order - 3);
        *hi = (last + 1) << (s->refcount_order - 3);
    }
}

/* The refcount block covering a cluster; *blk NULL if there is none. */
static int get_refblock(BlockDriverState *bs, uint64_t cluster_index,
                        uint8_t **blk, uint64_t *blk_offset)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t r = cluster_index >> s->refblock_bits;

    *blk = NULL;
    *blk_offset = 0;
    if (r >= s->refcount_table_size) {
        return 0;
    }
    *blk_offset = s->refcount_table[r] & REFT_OFFSET_MASK;
    if (!*blk_offset) {
        return 0;
    }
    return qcow2_cache_get(bs->file, s->refblock_cache, *blk_offset,
                           (void **)blk);
}

int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index,
                       uint64_t *refcount)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *blk;
    uint64_t blk_offset;
    int ret = get_refblock(bs, cluster_index, &blk, &blk_offset);

    *refcount = 0;
    if (ret < 0 || !blk) {
        return ret;
    }
    *refcount = rb_get(s, blk, cluster_index & ((1ull << s->refblock_bits) - 1));
    return 0;
}

static void cluster_freed(BlockDriverState *bs, uint64_t cluster_index)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = cluster_index << s->cluster_bits;

    qcow2_cache_drop(s->l2_cache, off);
    qcow2_cache_drop(s->refblock_cache, off);
    if (s->compressed_cursor >> s->cluster_bits == cluster_index) {
        s->compressed_cursor = 0;
    }
    if (cluster_index < s->free_cluster_index) {
        s->free_cluster_index = cluster_index;
    }
    /* Give the space back to the host file system. */
    bs->file->drv->pdiscard(bs->file, off, s->cluster_size);
}

int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset,
                          uint64_t length, int64_t addend)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t per_block = 1ull << s->refblock_bits;
    uint64_t first, last;

    if (!length || !addend) {
        return 0;
    }
    first = offset >> s->cluster_bits;
    last = (offset + length - 1) >> s->cluster_bits;
    for (uint64_t c = first; c <= last;) {
        uint8_t *blk;
        uint64_t blk_offset, lo, hi;
        uint64_t i0 = c & (per_block - 1);
        uint64_t i1 = MIN(last - c + i0, per_block - 1);
        int ret = get_refblock(bs, c, &blk, &blk_offset);

        if (ret < 0) {
            return ret;
        }
        if (!blk) {
            tern_log_mask(LOG_GUEST_ERROR, "qcow2: %s: no refcount block for "
                          "cluster %" PRIu64 "\n", bs->filename, c);
            return -EIO;
        }
        for (uint64_t i = i0; i <= i1; i++) {
            uint64_t old = rb_get(s, blk, i);
            if ((addend < 0 && old < (uint64_t)-addend) ||
                (addend > 0 && s->refcount_max - old < (uint64_t)addend)) {
                error_report("qcow2 '%s': refcount %s for cluster %" PRIu64
                             " (refcount %" PRIu64 ")", bs->filename,
                             addend < 0 ? "underflow" : "overflow",
                             c + i - i0, old);
                qcow2_cache_drop(s->refblock_cache, blk_offset);
                return addend < 0 ? -EIO : -ERANGE;
            }
        }
        for (uint64_t i = i0; i <= i1; i++) {
            rb_set(s, blk, i, rb_get(s, blk, i) + addend);
        }
        rb_bytes(s, i0, i1, &lo, &hi);
        ret = bdrv_file_pwrite(bs->file, blk_offset + lo, hi - lo, blk + lo);
        if (ret < 0) {
            qcow2_cache_drop(s->refblock_cache, blk_offset);
            return ret;
        }
        for (uint64_t i = i0; i <= i1; i++) {
            if (rb_get(s, blk, i) == 0) {
                cluster_freed(bs, c + i - i0);
                /* cluster_freed may drop this very block from the cache */
                ret = get_refblock(bs, c, &blk, &blk_offset);
                if (ret < 0) {
                    return ret;
                }
            }
        }
        c += i1 - i0 + 1;
    }
    return 0;
}

int qcow2_set_refcount(BlockDriverState *bs, uint64_t cluster_index,
                       uint64_t value)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t old;
    int ret = qcow2_get_refcount(bs, cluster_index, &old);
    if (ret < 0) {
        return ret;
    }
    return qcow2_update_refcount(bs, cluster_index << s->cluster_bits,
                                 s->cluster_size, (int64_t)(value - old));
}

static int write_reftable_entry(BlockDriverState *bs, uint64_t r,
                                uint64_t blk_offset)
{
    BDRVQcow2State *s = bs->opaque;

    return qcow2_write_table_entry(bs, s->refcount_table_offset, s->refcount_table,
                                   r, blk_offset);
}

/* An empty refcount block for table entry r at cluster `place` (which is
 * already counted elsewhere): used by repair. */
static int new_refblock(BlockDriverState *bs, uint64_t r, uint64_t place)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint8_t *blk = g_malloc0(s->cluster_size);
    uint64_t off = place << s->cluster_bits;
    int ret = bdrv_file_pwrite(bs->file, off, s->cluster_size, blk);

    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    if (ret == 0) {
        ret = write_reftable_entry(bs, r, off);
    }
    return ret;
}

/*
 * The refcount table is too small to describe clusters [start, start+n).
 * Put new refcount blocks and a bigger table in fresh clusters past the old
 * table's reach, switch the header over, then free the old table.
 */
static int grow_reftable(BlockDriverState *bs, uint64_t start, uint64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    int rbb = s->refblock_bits;
    uint64_t old_size = s->refcount_table_size;
    uint64_t area = MAX(start, old_size << rbb);
    uint64_t blocks = 1, tbl = 1, entries;
    int ret;

    for (;;) {
        uint64_t end = area + blocks + tbl;
        uint64_t cover = MAX(end, start + n);
        entries = MAX(old_size, (cover + (1ull << rbb) - 1) >> rbb);
        entries += entries / 2 + 1;           /* headroom */
        uint64_t new_tbl = size_to_clusters(s, entries * 8);
        uint64_t new_blocks = ((area + blocks + new_tbl - 1) >> rbb) -
                              (area >> rbb) + 1;
        if (new_tbl == tbl && new_blocks == blocks) {
            break;
        }
        tbl = new_tbl;
        blocks = new_blocks;
    }
    if (tbl * s->cluster_size > QCOW_MAX_REFTABLE_SIZE) {
        error_report("qcow2 '%s': refcount table would exceed %u MiB",
                     bs->filename, QCOW_MAX_REFTABLE_SIZE >> 20);
        return -EFBIG;
    }

    uint64_t area_end = area + blocks + tbl;
    g_autofree uint8_t *blk = g_malloc(s->cluster_size);
    g_autofree uint8_t *table = g_malloc0(tbl * s->cluster_size);
    for (uint64_t i = 0; i < old_size; i++) {
        st64be(table + 8 * i, s->refcount_table[i]);
    }
    for (uint64_t k = 0; k < blocks; k++) {
        uint64_t r = (area >> rbb) + k;
        uint64_t lo = MAX(area, r << rbb), hi = MIN(area_end, (r + 1) << rbb);
        memset(blk, 0, s->cluster_size);
        for (uint64_t c = lo; c < hi; c++) {
            rb_set(s, blk, c - (r << rbb), 1);
        }
        ret = bdrv_file_pwrite(bs->file, (area + k) << s->cluster_bits,
                               s->cluster_size, blk);
        if (ret < 0) {
            return ret;
        }
        st64be(table + 8 * r, (area + k) << s->cluster_bits);
    }
    uint64_t table_offset = (area + blocks) << s->cluster_bits;
    ret = bdrv_file_pwrite(bs->file, table_offset, tbl * s->cluster_size,
                           table);
    if (ret < 0) {
        return ret;
    }
    ret = qcow2_barrier(bs);
    if (ret < 0) {
        return ret;
    }

    uint8_t hdr[12];
    st64be(hdr, table_offset);
    st32be(hdr + 8, tbl);
    ret = qcow2_write_header_field(bs, HDR_REFTABLE_OFFSET, hdr, sizeof(hdr));
    if (ret < 0) {
        return ret;
    }

    uint64_t old_offset = s->refcount_table_offset;
    uint64_t old_clusters = s->refcount_table_clusters;
    uint64_t new_size = tbl * s->cluster_size / 8;
    g_free(s->refcount_table);
    s->refcount_table = g_new(uint64_t, new_size);
    for (uint64_t i = 0; i < new_size; i++) {
        s->refcount_table[i] = ld64be(table + 8 * i);
    }
    s->refcount_table_offset = table_offset;
    s->refcount_table_clusters = tbl;
    s->refcount_table_size = new_size;
    s->free_cluster_index = MIN(s->free_cluster_index, area_end);
    return qcow2_update_refcount(bs, old_offset,
                                 old_clusters << s->cluster_bits, -1);
}

static int find_free(BlockDriverState *bs, uint64_t from, uint64_t n,
                     uint64_t *start)
{
    uint64_t run = 0;

    for (uint64_t i = from;; i++) {
        uint64_t rc;
        int ret = qcow2_get_refcount(bs, i, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            run = 0;
            continue;
        }
        if (!run++) {
            *start = i;
        }
        if (run == n) {
            return 0;
        }
    }
}

/* Regions of [start, end) without a refcount block; -1 if the refcount
 * table does not reach that far. */
static int64_t missing_refblocks(BDRVQcow2State *s, uint64_t start,
                                 uint64_t end)
{
    int64_t k = 0;
    for (uint64_t r = start >> s->refblock_bits;
         r <= (end - 1) >> s->refblock_bits; r++) {
        if (r >= s->refcount_table_size) {
            return -1;
        }
        k += !s->refcount_table[r];
    }
    return k;
}

/*
 * Clusters [start, start+k) become the k missing refcount blocks of the
 * regions of [start, start+k+n). Each block is counted in its own region's
 * block, new or old, before the refcount table points at it.
 */
static int add_refblocks(BlockDriverState *bs, uint64_t start, uint64_t k,
                         uint64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    int rbb = s->refblock_bits;
    g_autofree uint64_t *region = g_new(uint64_t, k);
    g_autofree uint8_t *blk = g_malloc(s->cluster_size);
    uint64_t j = 0;
    int ret;

    for (uint64_t r = start >> rbb; r <= (start + k + n - 1) >> rbb; r++) {
        if (!s->refcount_table[r]) {
            region[j++] = r;
        }
    }
    for (j = 0; j < k; j++) {
        memset(blk, 0, s->cluster_size);
        for (uint64_t q = start; q < start + k; q++) {
            if (q >> rbb == region[j]) {
                rb_set(s, blk, q - (region[j] << rbb), 1);
            }
        }
        ret = bdrv_file_pwrite(bs->file, (start + j) << s->cluster_bits,
                               s->cluster_size, blk);
        if (ret < 0) {
            return ret;
        }
    }
    for (uint64_t q = start; q < start + k; q++) {
        if (s->refcount_table[q >> rbb]) {   /* an existing region */
            ret = qcow2_update_refcount(bs, q << s->cluster_bits, 1, 1);
            if (ret < 0) {
                return ret;
            }
        }
    }
    ret = qcow2_barrier(bs);
    for (j = 0; ret == 0 && j < k; j++) {
        ret = write_reftable_entry(bs, region[j],
                                   (start + j) << s->cluster_bits);
    }
    return ret < 0 ? ret : qcow2_barrier(bs);
}

int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t from = s->free_cluster_index;

    for (;;) {
        uint64_t start, k = 0, rc = 0;
        int64_t m;
        int ret = find_free(bs, from, n, &start);
        if (ret < 0) {
            return ret;
        }
        if ((start + n) << s->cluster_bits > L2E_OFFSET_MASK) {
            return -EFBIG;
        }
        /* New refcount blocks go in front of the run: find how many. */
        while ((m = missing_refblocks(s, start, start + k + n)) > (int64_t)k) {
            k = m;
        }
        if (m < 0) {
            ret = grow_reftable(bs, start, k + n);
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        for (uint64_t q = start + n; !rc && q < start + k + n; q++) {
            ret = qcow2_get_refcount(bs, q, &rc);
            if (ret < 0) {
                return ret;
            }
        }
        if (rc) {
            from = start + 1;      /* the run with its blocks does not fit */
            continue;
        }
        if (k) {
            ret = add_refblocks(bs, start, k, n);
            if (ret < 0) {
                return ret;
            }
        }
        ret = qcow2_update_refcount(bs, (start + k) << s->cluster_bits,
                                    n << s->cluster_bits, 1);
        if (ret < 0) {
            return ret;
        }
        s->free_cluster_index = start + k + n;
        return (start + k) << s->cluster_bits;
    }
}

#define DATA_RESERVE_BYTES (2u << 20)

int qcow2_release_reserve(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t n = s->reserve_count;

    s->reserve_count = 0;
    return qcow2_update_refcount(bs, s->reserve_offset,
                                 n << s->cluster_bits, -1);
}

int64_t qcow2_alloc_data_clusters(BlockDriverState *bs, uint64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t want = MAX(n, DATA_RESERVE_BYTES >> s->cluster_bits);
    int64_t off;
    int ret;

    if (s->reserve_count >= n) {
        off = s->reserve_offset;
        s->reserve_offset += n << s->cluster_bits;
        s->reserve_count -= n;
        return off;
    }
    ret = qcow2_release_reserve(bs);
    if (ret < 0) {
        return ret;
    }
    off = qcow2_alloc_clusters(bs, want);
    if (off < 0) {
        return off;
    }
    ret = qcow2_barrier(bs);
    if (ret < 0) {
        return ret;
    }
    s->reserve_offset = off + (n << s->cluster_bits);
    s->reserve_count = want - n;
    return off;
}

int64_t qcow2_alloc_compressed(BlockDriverState *bs, uint64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cur = s->compressed_cursor;
    int64_t off;

    if (cur && offset_into_cluster(s, cur) &&
        offset_into_cluster(s, cur) + bytes <= s->cluster_size) {
        int ret = qcow2_update_refcount(bs, cur, 1, 1);
        if (ret < 0) {
            return ret;
        }
        off = cur;
    } else {
        off = qcow2_alloc_clusters(bs, 1);
        if (off < 0) {
            return off;
        }
    }
    s->compressed_cursor = off + bytes;
    return off;
}

int qcow2_free_entry(BlockDriverState *bs, uint64_t l2e)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off, bytes;

    switch (qcow2_cluster_type(s, l2e)) {
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return qcow2_update_refcount(bs, l2e & L2E_OFFSET_MASK,
                                     s->cluster_size, -1);
    case QCOW2_CLUSTER_COMPRESSED:
        qcow2_compressed_range(s, l2e, &off, &bytes);
        return qcow2_update_refcount(bs, off, bytes, -1);
    default:
        return 0;
    }
}

/* ---- check and repair ---- */

typedef struct CheckState {
    BlockDriverState *bs;
    BdrvCheckResult *res;
    uint64_t nb_clusters;     /* clusters in the image file */
    uint64_t *refs;           /* references found, per cluster */
    uint64_t last_data;       /* for the fragmentation statistic */
} CheckState;

static void check_log(CheckState *cs, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void check_log(CheckState *cs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(cs->res->log, fmt, ap);
    g_string_append_c(cs->res->log, '\n');
    va_end(ap);
}

/* Count one reference to every cluster of [offset, offset+bytes). */
static bool add_refs(CheckState *cs, uint64_t offset, uint64_t bytes,
                     const char *what)
{
    BDRVQcow2State *s = cs->bs->opaque;

    if (!bytes) {
        return true;
    }
    uint64_t first = offset >> s->cluster_bits;
    uint64_t last = (offset + bytes - 1) >> s->cluster_bits;
    if (last >= cs->nb_clusters || last < first) {
        check_log(cs, "ERROR %s at offset 0x%" PRIx64 " is beyond the end of "
                  "the image file", what, offset);
        cs->res->corruptions++;
        return false;
    }
    for (uint64_t c = first; c <= last; c++) {
        cs->refs[c]++;
    }
    return true;
}

static int check_l2(CheckState *cs, uint64_t l2_offset, bool active)
{
    BlockDriverState *bs = cs->bs;
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint8_t *l2 = g_malloc(s->cluster_size);
    int ret = bdrv_file_pread(bs->file, l2_offset, s->cluster_size, l2);

    if (ret < 0) {
        return ret;
    }
    for (uint64_t i = 0; i < l2_entries(s); i++) {
        uint64_t e = ld64be(l2 + 8 * i), off, bytes;
        switch (qcow2_cluster_type(s, e)) {
        case QCOW2_CLUSTER_COMPRESSED:
            qcow2_compressed_range(s, e, &off, &bytes);
            if (active) {
                cs->res->allocated_clusters++;
                cs->res->compressed_clusters++;
            }
            add_refs(cs, off, bytes, "compressed cluster");
            break;
        case QCOW2_CLUSTER_NORMAL:
        case QCOW2_CLUSTER_ZERO_ALLOC:
            off = e & L2E_OFFSET_MASK;
            if (offset_into_cluster(s, off)) {
                check_log(cs, "ERROR offset=%" PRIx64 ": Data cluster is not "
                          "properly aligned; L2 entry corrupted.", off);
                cs->res->corruptions++;
                break;
            }
            if (active) {
                cs->res->allocated_clusters++;
                if (cs->last_data && off != cs->last_data + s->cluster_size) {
                    cs->res->fragmented_clusters++;
                }
                cs->last_data = off;
            }
            add_refs(cs, off, s->cluster_size, "data cluster");
            break;
        default:
            break;
        }
    }
    return 0;
}

static int check_l1(CheckState *cs, uint64_t l1_offset, uint32_t l1_size,
                    bool active)
{
    BlockDriverState *bs = cs->bs;
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint8_t *l1 = g_malloc(MAX((size_t)l1_size * 8, 1));
    int ret;

    if (!add_refs(cs, l1_offset, (uint64_t)l1_size * 8, "L1 table")) {
        return 0;
    }
    ret = bdrv_file_pread(bs->file, l1_offset, (uint64_t)l1_size * 8, l1);
    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2 = ld64be(l1 + 8 * i) & L1E_OFFSET_MASK;
        if (!l2) {
            continue;
        }
        if (offset_into_cluster(s, l2)) {
            check_log(cs, "ERROR l2_offset=%" PRIx64 ": Table is not cluster "
                      "aligned; L1 entry corrupted", l2);
            cs->res->corruptions++;
            continue;
        }
        if (add_refs(cs, l2, s->cluster_size, "L2 table")) {
            ret = check_l2(cs, l2, active);
            if (ret < 0) {
                return ret;
            }
        }
    }
    return 0;
}

/* Persistent bitmaps ("Bitmaps extension") own clusters QEMU counts. */
static int check_bitmaps(CheckState *cs)
{
    BlockDriverState *bs = cs->bs;
    BDRVQcow2State *s = bs->opaque;
    uint64_t size = s->bitmap_dir_size, pos = 0;

    if (!(s->autoclear & QCOW2_AUTOCLEAR_BITMAPS) || !size ||
        size > (64u << 20) ||
        !add_refs(cs, s->bitmap_dir_offset, size, "bitmap directory")) {
        return 0;
    }
    g_autofree uint8_t *dir = g_malloc(size);
    int ret = bdrv_file_pread(bs->file, s->bitmap_dir_offset, size, dir);
    while (ret == 0 && size - pos >= 24) {
        uint64_t table = ld64be(dir + pos);
        uint32_t entries = ld32be(dir + pos + 8);
        uint64_t entry_len = 24 + (uint64_t)ld32be(dir + pos + 20) +
                             ld16be(dir + pos + 18);
        if ((uint64_t)entries * 8 > (64u << 20) ||
            !add_refs(cs, table, (uint64_t)entries * 8, "bitmap table")) {
            break;
        }
        g_autofree uint8_t *t = g_malloc((uint64_t)entries * 8 + 1);
        ret = bdrv_file_pread(bs->file, table, (uint64_t)entries * 8, t);
        for (uint32_t i = 0; ret == 0 && i < entries; i++) {
            uint64_t data = ld64be(t + 8 * i) & L2E_OFFSET_MASK;
            if (data) {
                add_refs(cs, data, s->cluster_size, "bitmap data");
            }
        }
        pos = TERN_ALIGN_UP(pos + entry_len, 8);
    }
    return ret;
}

static void check_refblocks(CheckState *cs)
{
    BDRVQcow2State *s = cs->bs->opaque;
    for (uint64_t r = 0; r < s->refcount_table_size; r++) {
        uint64_t off = s->refcount_table[r] & REFT_OFFSET_MASK;
        if (off) {
            add_refs(cs, off, s->cluster_size, "refcount block");
        }
    }
}

/* Compare found references with stored refcounts, repairing if asked. */
static int compare_refcounts(CheckState *cs, int fix)
{
    BlockDriverState *bs = cs->bs;
    BDRVQcow2State *s = bs->opaque;
    BdrvCheckResult *res = cs->res;
    uint64_t end = MAX(cs->nb_clusters, s->refcount_table_size << s->refblock_bits);

    for (uint64_t c = 0; c < end; c++) {
        uint64_t refcount, found = c < cs->nb_clusters ? cs->refs[c] : 0;
        if (c >= cs->nb_clusters &&
            !(s->refcount_table[c >> s->refblock_bits] & REFT_OFFSET_MASK)) {
            c |= (1ull << s->refblock_bits) - 1;   /* skip a missing block */
            continue;
        }
        int ret = qcow2_get_refcount(bs, c, &refcount);
        if (ret < 0) {
            check_log(cs, "ERROR cluster %" PRIu64 ": cannot read refcount: %s",
                      c, g_strerror(-ret));
            res->check_errors++;
            continue;
        }
        if (refcount == found) {
            continue;
        }
        bool leak = refcount > found;
        bool repair = fix & (leak ? BDRV_FIX_LEAKS : BDRV_FIX_ERRORS);
        check_log(cs, "%s cluster %" PRIu64 " refcount=%" PRIu64
                  " reference=%" PRIu64, repair ? "Repairing" :
                  leak ? "Leaked" : "ERROR", c, refcount, found);
        if (repair && found > s->refcount_max) {
            check_log(cs, "ERROR cluster %" PRIu64 ": %" PRIu64 " references "
                      "exceed the maximum refcount", c, found);
            repair = false;
        }
        if (repair) {
            if (!(s->refcount_table_size > c >> s->refblock_bits &&
                  s->refcount_table[c >> s->refblock_bits])) {
                /* Missing refcount block: allocate one past the file end so
                 * it cannot land on a referenced cluster. */
                int64_t place;
                s->free_cluster_index = MAX(s->free_cluster_index,
                                            cs->nb_clusters);
                place = qcow2_alloc_clusters(bs, 1);
                if (place < 0) {
                    res->check_errors++;
                    continue;
                }
                ret = c >> s->refblock_bits < s->refcount_table_size
                    ? new_refblock(bs, c >> s->refblock_bits,
                                   place >> s->cluster_bits) : -EFBIG;
                if (ret < 0) {
                    check_log(cs, "ERROR cannot create a refcount block for "
                              "cluster %" PRIu64 ": %s", c, g_strerror(-ret));
                    res->check_errors++;
                    continue;
                }
            }
            ret = qcow2_set_refcount(bs, c, found);
            if (ret < 0) {
                res->check_errors++;
                continue;
            }
            if (leak) {
                res->leaks_fixed++;
            } else {
                res->corruptions_fixed++;
            }
        } else if (leak) {
            res->leaks++;
        } else {
            res->corruptions++;
        }
    }
    return 0;
}

/* The COPIED flag of active entries must say refcount == 1. */
static int check_copied(CheckState *cs, int fix)
{
    BlockDriverState *bs = cs->bs;
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint8_t *l2 = g_malloc(s->cluster_size);

    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l1e = s->l1_table[i], l2_off = l1e & L1E_OFFSET_MASK, rc;
        if (!l2_off || offset_into_cluster(s, l2_off) ||
            (l2_off >> s->cluster_bits) >= cs->nb_clusters) {
            continue;
        }
        if (qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc) < 0) {
            continue;
        }
        if ((rc == 1) != !!(l1e & QCOW_OFLAG_COPIED)) {
            check_log(cs, "%s OFLAG_COPIED L2 cluster: l1_index=%u "
                      "l1_entry=%" PRIx64 " refcount=%" PRIu64,
                      fix & BDRV_FIX_ERRORS ? "Repairing" : "ERROR", i, l1e, rc);
            if (fix & BDRV_FIX_ERRORS) {
                l1e = rc == 1 ? l1e | QCOW_OFLAG_COPIED : l1e & ~QCOW_OFLAG_COPIED;
                if (qcow2_write_table_entry(bs, s->l1_table_offset, s->l1_table,
                                            i, l1e) == 0) {
                    cs->res->corruptions_fixed++;
                }
            } else {
                cs->res->corruptions++;
            }
        }
        if (bdrv_file_pread(bs->file, l2_off, s->cluster_size, l2) < 0) {
            continue;
        }
        bool changed = false;
        for (uint64_t j = 0; j < l2_entries(s); j++) {
            uint64_t e = ld64be(l2 + 8 * j);
            Qcow2ClusterType t = qcow2_cluster_type(s, e);
            if ((t != QCOW2_CLUSTER_NORMAL && t != QCOW2_CLUSTER_ZERO_ALLOC) ||
                offset_into_cluster(s, e & L2E_OFFSET_MASK) ||
                qcow2_get_refcount(bs, (e & L2E_OFFSET_MASK) >> s->cluster_bits,
                                   &rc) < 0) {
                continue;
            }
            if ((rc == 1) != !!(e & QCOW_OFLAG_COPIED)) {
                check_log(cs, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64
                          " refcount=%" PRIu64,
                          fix & BDRV_FIX_ERRORS ? "Repairing" : "ERROR", e, rc);
                if (fix & BDRV_FIX_ERRORS) {
                    e = rc == 1 ? e | QCOW_OFLAG_COPIED : e & ~QCOW_OFLAG_COPIED;
                    st64be(l2 + 8 * j, e);
                    changed = true;
                    cs->res->corruptions_fixed++;
                } else {
                    cs->res->corruptions++;
                }
            }
        }
        if (changed) {
            qcow2_cache_drop(s->l2_cache, l2_off);
            if (bdrv_file_pwrite(bs->file, l2_off, s->cluster_size, l2) < 0) {
                cs->res->check_errors++;
            }
        }
    }
    return 0;
}

#define CHECK_MAX_CLUSTERS ((1ull << 30) / sizeof(uint64_t))

static int check_once(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    CheckState cs = { .bs = bs, .res = res };
    int64_t file_len = bdrv_getlength(bs->file);
    int ret;

    if (file_len < 0) {
        return file_len;
    }
    cs.nb_clusters = size_to_clusters(s, file_len);
    /*
     * One counter per cluster of the file: refuse files (often sparse, grown
     * by a hostile refcount table) that would need more than 1 GiB of them.
     */
    if (cs.nb_clusters > CHECK_MAX_CLUSTERS) {
        check_log(&cs, "ERROR the image file (%" PRId64 " bytes) has too many clusters to check",
                  file_len);
        res->check_errors++;
        return -EFBIG;
    }
    cs.refs = g_try_new0(uint64_t, MAX(cs.nb_clusters, 1));
    if (!cs.refs) {
        return -ENOMEM;
    }
    res->total_clusters = size_to_clusters(s, s->size);

    add_refs(&cs, 0, s->cluster_size, "header");
    ret = check_l1(&cs, s->l1_table_offset, s->l1_size, true);
    for (uint32_t i = 0; ret == 0 && i < s->nb_snapshots; i++) {
        ret = check_l1(&cs, s->snapshots[i].l1_table_offset,
                       s->snapshots[i].l1_size, false);
    }
    if (ret == 0) {
        add_refs(&cs, s->snapshots_offset, s->snapshots_size,
                 "snapshot table");
        add_refs(&cs, s->refcount_table_offset,
                 (uint64_t)s->refcount_table_clusters << s->cluster_bits,
                 "refcount table");
        check_refblocks(&cs);
        ret = check_bitmaps(&cs);
    }
    if (ret == 0) {
        ret = compare_refcounts(&cs, fix);
    }
    if (ret == 0) {
        ret = check_copied(&cs, fix);
    }
    res->image_end_offset = 0;
    for (uint64_t c = cs.nb_clusters; c-- > 0;) {
        if (cs.refs[c]) {
            res->image_end_offset = (c + 1) << s->cluster_bits;
            break;
        }
    }
    g_free(cs.refs);
    return ret;
}

int qcow2_check(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    int ret = check_once(bs, res, fix);

    if (ret == 0 && (res->leaks_fixed || res->corruptions_fixed)) {
        /* Report what is left after the repair, as qemu-img does. */
        BdrvCheckResult again = { .log = g_string_new(NULL) };
        ret = check_once(bs, &again, 0);
        res->corruptions = again.corruptions;
        res->leaks = again.leaks;
        res->check_errors += again.check_errors;
        res->image_end_offset = again.image_end_offset;
        res->allocated_clusters = again.allocated_clusters;
        res->fragmented_clusters = again.fragmented_clusters;
        res->compressed_clusters = again.compressed_clusters;
        g_string_append(res->log, again.log->str);
        g_string_free(again.log, true);
        bdrv_flush(bs->file);
    }
    return ret;
}
