/*
 * Block layer core: a BlockDriverState is one node (a format such as qcow2
 * or raw over a "file" protocol node, optionally with a backing node).
 * tern-img and the BlockBackend use this API; devices use block-backend.h.
 *
 * I/O functions return 0 (or a byte count where stated) on success and a
 * negative errno on failure. Opening and creating report through GError.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include "tern/osdep.h"

typedef struct BlockDriverState BlockDriverState;

/* Open flags */
#define BDRV_O_RDWR         0x0001
#define BDRV_O_NO_BACKING   0x0002  /* do not open the backing file */
#define BDRV_O_NO_FLUSH     0x0004  /* cache=unsafe: flushes do nothing */
#define BDRV_O_WRITETHROUGH 0x0008  /* flush after every write */
#define BDRV_O_SHARE_RW     0x0010  /* take no lock (force-share, -U) */
#define BDRV_O_NOCACHE      0x0020  /* cache=none: bypass the host page cache */
#define BDRV_O_CHECK        0x0040  /* opened for check/repair: skip dirty-bit repair */
#define BDRV_O_PROTOCOL     0x0080  /* raw bytes of a file node: no header check */

/* Write request flags */
#define BDRV_REQ_MAY_UNMAP  0x1    /* write_zeroes may deallocate */

typedef enum {
    PREALLOC_OFF,
    PREALLOC_METADATA,
    PREALLOC_FALLOC,
    PREALLOC_FULL,
} PreallocMode;

/* Parse "off|metadata|falloc|full"; error names the option. */
bool prealloc_parse(const char *str, PreallocMode *out, GError **errp);

/* Creation options shared by all formats. Strings may be NULL. */
typedef struct BlockCreateOpts {
    uint64_t size;
    bool has_size;
    uint32_t cluster_size;          /* 0: format default */
    const char *backing_file;
    const char *backing_fmt;
    PreallocMode prealloc;
    bool lazy_refcounts;
    int compat;                     /* qcow2 version: 0 (default 3), 2 or 3 */
    int refcount_bits;              /* 0: default 16 */
} BlockCreateOpts;

/*
 * Open an image. fmt is "qcow2", "raw" or NULL to probe (probing a raw image
 * writable restricts writes to its first sector, as QEMU does).
 */
BlockDriverState *bdrv_open(const char *filename, const char *fmt, int flags,
                            GError **errp);
void bdrv_unref(BlockDriverState *bs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BlockDriverState, bdrv_unref)

bool bdrv_create(const char *fmt, const char *filename,
                 const BlockCreateOpts *opts, GError **errp);

const char *bdrv_format_name(BlockDriverState *bs);
const char *bdrv_filename(BlockDriverState *bs);
BlockDriverState *bdrv_backing(BlockDriverState *bs);
bool bdrv_is_read_only(BlockDriverState *bs);
int bdrv_open_flags(BlockDriverState *bs);
/* Path of a backing file named by an image (relative to the image's dir). */
char *bdrv_backing_path(const char *image_filename, const char *backing);

int bdrv_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf);
int bdrv_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                const void *buf);
/* Store one cluster compressed (qcow2 only; offset and bytes cluster-aligned,
 * bytes == cluster size or the image tail). */
int bdrv_pwrite_compressed(BlockDriverState *bs, uint64_t offset,
                           uint64_t bytes, const void *buf);
int bdrv_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       int flags);
int bdrv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
int bdrv_flush(BlockDriverState *bs);
int64_t bdrv_getlength(BlockDriverState *bs);
/* Bytes the image occupies on the host (sum over its file), or -errno. */
int64_t bdrv_get_allocated_file_size(BlockDriverState *bs);
int bdrv_truncate(BlockDriverState *bs, uint64_t size, bool shrink,
                  PreallocMode prealloc, GError **errp);
/* Cluster size for qcow2, 0 for raw. */
uint32_t bdrv_cluster_size(BlockDriverState *bs);

/* Block status of [offset, offset+bytes): flags for a prefix of *pnum bytes. */
#define BDRV_BLOCK_DATA         0x01  /* reads come from a file */
#define BDRV_BLOCK_ZERO         0x02  /* reads return zeroes */
#define BDRV_BLOCK_OFFSET_VALID 0x04  /* *map is the host offset in *file */
#define BDRV_BLOCK_ALLOCATED    0x08  /* this layer defines the content */
#define BDRV_BLOCK_COMPRESSED   0x10
int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      uint64_t *pnum, uint64_t *map, BlockDriverState **file);
/* Same, following the backing chain until a layer allocates the range;
 * *depth is that layer's depth (0 = bs). Unallocated everywhere: ZERO. */
int bdrv_block_status_above(BlockDriverState *bs, uint64_t offset,
                            uint64_t bytes, uint64_t *pnum, uint64_t *map,
                            BlockDriverState **file, int *depth);

/* Consistency check. fix: 0, BDRV_FIX_LEAKS, BDRV_FIX_LEAKS|BDRV_FIX_ERRORS. */
#define BDRV_FIX_LEAKS  1
#define BDRV_FIX_ERRORS 2
typedef struct BdrvCheckResult {
    int corruptions;
    int leaks;
    int check_errors;
    int corruptions_fixed;
    int leaks_fixed;
    int64_t image_end_offset;
    uint64_t total_clusters, allocated_clusters, fragmented_clusters,
             compressed_clusters;
    GString *log;   /* one line per finding, as qemu-img prints them */
} BdrvCheckResult;
/* Returns -ENOTSUP for formats without metadata. */
int bdrv_check(BlockDriverState *bs, BdrvCheckResult *res, int fix);

/* Format-specific facts for `info`. */
typedef struct BdrvSnapshotInfo {
    char *id;
    char *name;
    uint64_t vm_state_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t icount;      /* UINT64_MAX when absent */
} BdrvSnapshotInfo;

typedef struct BdrvImageInfo {
    uint32_t cluster_size;      /* 0 when not applicable */
    char *backing_file;         /* as stored in the image */
    char *backing_fmt;
    bool has_format_specific;
    int qcow2_version;
    bool lazy_refcounts, corrupt, dirty, extended_l2;
    int refcount_bits;
    GArray *snapshots;          /* of BdrvSnapshotInfo */
} BdrvImageInfo;
void bdrv_get_info(BlockDriverState *bs, BdrvImageInfo *info);
void bdrv_image_info_clear(BdrvImageInfo *info);

/* Testing aid: after `n` more successful writes to the host file under bs
 * (any layer), every further write fails with EIO. n < 0 disables. Writes to
 * the file are counted at the protocol layer so every metadata step counts. */
void bdrv_inject_write_failure(BlockDriverState *bs, int64_t n);

/* Human-readable size like qemu-img: "1 GiB", "196 KiB", "512 B". */
char *size_to_str(uint64_t bytes);

#endif
