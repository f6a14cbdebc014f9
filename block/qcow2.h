/*
 * qcow2 image format, versions 2 and 3 (docs/interop/qcow2.txt in QEMU's
 * tree is the specification; section names below refer to it).
 */
#ifndef BLOCK_QCOW2_H
#define BLOCK_QCOW2_H

#include "tern/osdep.h"
#include "block_int.h"

#define QCOW_MAGIC 0x514649fbu          /* "QFI\xfb" */

/* Header field offsets ("Header") */
#define HDR_SIZE                24
#define HDR_L1_SIZE             36
#define HDR_REFTABLE_OFFSET     48
#define HDR_INCOMPATIBLE        72
#define HDR_AUTOCLEAR           88
#define QCOW2_V3_HEADER_LEN     112     /* 104 + compression type + padding */

#define QCOW2_INCOMPAT_DIRTY        (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT      (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE    (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION  (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2        (1ull << 4)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

#define QCOW2_EXT_END               0
#define QCOW2_EXT_BACKING_FORMAT    0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE     0x6803f857u
#define QCOW2_EXT_DATA_FILE         0x44415441u
#define QCOW2_EXT_BITMAPS           0x23852875u
#define QCOW2_AUTOCLEAR_BITMAPS     (1ull << 0)

#define QCOW_OFLAG_COPIED     (1ull << 63)
#define QCOW_OFLAG_COMPRESSED (1ull << 62)
#define QCOW_OFLAG_ZERO       (1ull << 0)
#define L1E_OFFSET_MASK       0x00fffffffffffe00ull
#define L2E_OFFSET_MASK       0x00fffffffffffe00ull
#define REFT_OFFSET_MASK      0xfffffffffffffe00ull

#define MIN_CLUSTER_BITS 9
#define MAX_CLUSTER_BITS 21
#define QCOW_MAX_L1_SIZE        (32u << 20)   /* bytes, as QEMU */
#define QCOW_MAX_REFTABLE_SIZE  (8u << 20)
#define QCOW_MAX_SNAPSHOTS      65536
#define QCOW_MAX_BACKING_NAME   1023

typedef enum {
    QCOW2_CLUSTER_UNALLOCATED,
    QCOW2_CLUSTER_ZERO_PLAIN,
    QCOW2_CLUSTER_ZERO_ALLOC,
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
} Qcow2ClusterType;

typedef struct Qcow2Snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;
    char *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;
    uint64_t icount;
} Qcow2Snapshot;

/* Write-through cache of metadata tables (L2 tables, refcount blocks) kept
 * in on-disk (big-endian) form. Never dirty: every change is written at once. */
typedef struct Qcow2Cache Qcow2Cache;
Qcow2Cache *qcow2_cache_new(int entries, size_t table_size);
void qcow2_cache_free(Qcow2Cache *c);
/* Table at offset (read from file on a miss). The pointer stays valid until
 * the next qcow2_cache_get on the same cache. */
int qcow2_cache_get(BlockDriverState *file, Qcow2Cache *c, uint64_t offset,
                    void **table);
/* Install table contents for offset without reading (a new table). */
void *qcow2_cache_put(Qcow2Cache *c, uint64_t offset, const void *data);
void qcow2_cache_drop(Qcow2Cache *c, uint64_t offset);

typedef struct BDRVQcow2State {
    GMutex lock;
    int version;
    int cluster_bits;
    uint64_t cluster_size;
    int l2_bits;                      /* log2 of entries per L2 table */
    uint64_t size;                    /* virtual disk size */
    uint64_t l1_table_offset;
    uint32_t l1_size;
    uint64_t *l1_table;               /* host order */
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint64_t refcount_table_size;     /* entries */
    uint64_t *refcount_table;         /* host order */
    int refcount_order;
    uint64_t refcount_max;
    int refblock_bits;                /* log2 of entries per refcount block */
    uint64_t free_cluster_index;
    uint64_t incompatible, compatible, autoclear;
    uint32_t header_length;
    char *backing_file;
    char *backing_format;
    uint64_t bitmap_dir_offset;       /* persistent bitmaps (only counted */
    uint64_t bitmap_dir_size;         /* by check; dropped on write) */
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;
    Qcow2Snapshot *snapshots;
    int csize_shift;
    uint64_t csize_mask;
    uint64_t cluster_offset_mask;
    uint64_t compressed_cursor;       /* next free byte for compressed data */
    uint64_t reserve_offset;          /* counted, unused data clusters */
    uint64_t reserve_count;
    Qcow2Cache *l2_cache;
    Qcow2Cache *refblock_cache;
    uint8_t *decomp_buf;              /* last decompressed cluster */
    uint64_t decomp_entry;            /* its L2 entry; 0: none */
    bool lazy_refcounts;              /* skip ordering flushes, use dirty bit */
    bool dirty_set;                   /* we set the dirty bit on disk */
} BDRVQcow2State;

static inline uint64_t ld64be(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_BE(v);
}
static inline uint32_t ld32be(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_BE(v);
}
static inline uint16_t ld16be(const void *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return GUINT16_FROM_BE(v);
}
static inline void st64be(void *p, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}
static inline void st32be(void *p, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}
static inline void st16be(void *p, uint16_t v)
{
    v = GUINT16_TO_BE(v);
    memcpy(p, &v, 2);
}

static inline uint64_t offset_into_cluster(BDRVQcow2State *s, uint64_t off)
{
    return off & (s->cluster_size - 1);
}
static inline uint64_t size_to_clusters(BDRVQcow2State *s, uint64_t size)
{
    return (size + s->cluster_size - 1) >> s->cluster_bits;
}
static inline uint64_t l2_entries(BDRVQcow2State *s)
{
    return 1ull << s->l2_bits;
}
/* L1 entries needed for a disk of `size` bytes. */
static inline uint64_t l1_entries_for(BDRVQcow2State *s, uint64_t size)
{
    int shift = s->cluster_bits + s->l2_bits;
    return (size + (1ull << shift) - 1) >> shift;
}

Qcow2ClusterType qcow2_cluster_type(BDRVQcow2State *s, uint64_t l2e);
/* Host range of a compressed cluster's data. */
void qcow2_compressed_range(BDRVQcow2State *s, uint64_t l2e,
                            uint64_t *offset, uint64_t *bytes);

/* qcow2.c */
/* Ordering point between metadata updates (refcount before reference). */
int qcow2_barrier(BlockDriverState *bs);
int qcow2_write_header_field(BlockDriverState *bs, uint64_t at, const void *p,
                             size_t len);
/* Write metadata to freshly allocated clusters: after the refcounts that
 * allocated them, before anything that will point to them. */
int qcow2_write_new_metadata(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             const void *buf);
/* Entry index of an on-disk table of big-endian 64-bit entries (L1, refcount
 * table) at table_offset: write e there and, once written, into table[index]. */
int qcow2_write_table_entry(BlockDriverState *bs, uint64_t table_offset,
                            uint64_t *table, uint64_t index, uint64_t e);

/* qcow2-refcount.c */
int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index,
                       uint64_t *refcount);
/* Set clusters in [offset, offset+length) to refcount+addend. The refcount
 * blocks must exist. A refcount reaching 0 frees (punches) the cluster. */
int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset,
                          uint64_t length, int64_t addend);
int qcow2_set_refcount(BlockDriverState *bs, uint64_t cluster_index,
                       uint64_t value);
/* n contiguous free clusters with refcount 1; returns their offset. */
int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t n);
/* n contiguous clusters for guest data, taken from a reserve that is
 * refcounted (and made durable) in batches: one barrier per batch instead of
 * one per write. A crash leaks the unused reserve, which check -r repairs. */
int64_t qcow2_alloc_data_clusters(BlockDriverState *bs, uint64_t n);
/* Give the unused reserve back (before check, on close). */
int qcow2_release_reserve(BlockDriverState *bs);
/* `bytes` (< cluster size) of space for compressed data. */
int64_t qcow2_alloc_compressed(BlockDriverState *bs, uint64_t bytes);
/* Drop the reference an L2 entry held. */
int qcow2_free_entry(BlockDriverState *bs, uint64_t l2e);
int qcow2_check(BlockDriverState *bs, BdrvCheckResult *res, int fix);

/* qcow2-cluster.c */
/* Classify a run of clusters from offset: same type, and for allocated data
 * contiguous on the host with the same COPIED bit, within one L2 table.
 * *bytes in: wanted; out: run length from offset. *l2e: first entry. */
int qcow2_get_run(BlockDriverState *bs, uint64_t offset, uint64_t *bytes,
                  uint64_t *l2e);
int qcow2_read(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
               void *buf);
int qcow2_write(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                const void *buf);
int qcow2_write_compressed(BlockDriverState *bs, uint64_t offset,
                           uint64_t bytes, const void *buf);
/* Set full clusters in [offset, offset+bytes) to `type` (UNALLOCATED or
 * ZERO_PLAIN), dropping their old references. */
int qcow2_clear_clusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                         Qcow2ClusterType type);
/* Allocate data clusters for [offset, offset+bytes) without writing data. */
int qcow2_preallocate(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      PreallocMode mode);
int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size);
/* Free L2 tables lying wholly at or beyond `size`. */
int qcow2_shrink_l2_tables(BlockDriverState *bs, uint64_t size);

/* qcow2-snapshot.c */
bool qcow2_read_snapshots(BlockDriverState *bs, GError **errp);
void qcow2_free_snapshots(BDRVQcow2State *s);

#endif
