/*
 * Inside the block layer: the BlockDriver interface and the node structure.
 * A format node (qcow2, raw) reads its host file through `file`, a node of
 * the "file" protocol driver; qcow2 may have a `backing` node.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include "tern/osdep.h"
#include "block/block.h"

typedef struct BlockDriver {
    const char *format_name;
    size_t instance_size;
    /* Score 0..100 that buf (the file's first bytes) is this format. */
    int (*probe)(const uint8_t *buf, size_t len);
    /* Protocol: open bs->filename. Format: bs->file is already open. */
    bool (*open)(BlockDriverState *bs, int flags, GError **errp);
    void (*close)(BlockDriverState *bs);
    int (*pread)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                 void *buf);
    int (*pwrite)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                  const void *buf);
    int (*pwrite_compressed)(BlockDriverState *bs, uint64_t offset,
                             uint64_t bytes, const void *buf);
    int (*pwrite_zeroes)(BlockDriverState *bs, uint64_t offset,
                         uint64_t bytes, int flags);
    int (*pdiscard)(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
    int (*flush)(BlockDriverState *bs);
    int64_t (*getlength)(BlockDriverState *bs);
    int64_t (*get_allocated_file_size)(BlockDriverState *bs);
    int (*truncate)(BlockDriverState *bs, uint64_t size, bool shrink,
                    PreallocMode prealloc, GError **errp);
    int (*block_status)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        uint64_t *pnum, uint64_t *map,
                        BlockDriverState **file);
    bool (*create)(const char *filename, const BlockCreateOpts *opts,
                   GError **errp);
    int (*check)(BlockDriverState *bs, BdrvCheckResult *res, int fix);
    void (*get_info)(BlockDriverState *bs, BdrvImageInfo *info);
} BlockDriver;

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;                 /* driver state, instance_size bytes */
    char *filename;
    int open_flags;
    bool read_only;
    int refcnt;
    BlockDriverState *file;       /* format nodes: the host file */
    BlockDriverState *backing;    /* qcow2: the backing image, or NULL */
    int64_t write_budget;         /* bdrv_inject_write_failure; <0: off */
    bool probed_raw;              /* raw guessed by probing: guard sector 0 */
    int chain_depth;              /* 0 for the top image, +1 per backing */
};

extern const BlockDriver bdrv_file;
extern const BlockDriver bdrv_raw;
extern const BlockDriver bdrv_qcow2;

/* Open the protocol node for a filename. */
BlockDriverState *bdrv_open_file(const char *filename, int flags,
                                 GError **errp);
/* Open a backing image for bs (relative names resolve next to bs's file). */
BlockDriverState *bdrv_open_backing(BlockDriverState *bs, const char *name,
                                    const char *fmt, GError **errp);
/* Nesting depth guard for backing chains. */
#define BDRV_MAX_BACKING_DEPTH 64


/* Full-length helpers over a protocol node (retry short I/O). */
int bdrv_file_pread(BlockDriverState *file, uint64_t offset, uint64_t bytes,
                    void *buf);
int bdrv_file_pwrite(BlockDriverState *file, uint64_t offset, uint64_t bytes,
                     const void *buf);

/* Lock bytes like QEMU's file-posix so both tools exclude each other. */
bool file_lock_image(BlockDriverState *bs, int fd, bool write, GError **errp);

#endif
