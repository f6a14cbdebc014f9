/*
 * BlockBackend: what a device model sees of a disk image.
 *
 * Front end: -drive and -blockdev option strings are handed to drive_add()
 * and blockdev_add(), which open the image and register a backend under its
 * id / node-name. A board then asks drive_next_unclaimed("virtio") for each
 * if=virtio drive to instantiate, and a device (e.g. virtio-blk,drive=ID)
 * finds its backend with blk_by_name() and takes it with blk_claim().
 *
 * I/O: the synchronous calls run in the caller's thread. The blk_aio_*
 * calls queue the request on a worker thread pool and return at once; the
 * completion callback runs later in the GMainContext the backend is attached
 * to (g_main_context_default() unless blk_set_context() says otherwise), so
 * device models complete requests on the main-loop thread. `ret` is 0 on
 * success or a negative errno.
 */
#ifndef BLOCK_BLOCK_BACKEND_H
#define BLOCK_BLOCK_BACKEND_H

#include "tern/osdep.h"
#include "block/block.h"
#include <sys/uio.h>

typedef struct BlockBackend BlockBackend;
typedef void BlockCompletionFunc(void *opaque, int ret);

/* -drive file=X,format=qcow2|raw,if=virtio|none,id=ID,cache=writeback|none|
 *        writethrough|directsync|unsafe,readonly=on,snapshot=on,discard=... */
bool drive_add(const char *optstr, GError **errp);
/* -blockdev driver=qcow2|raw|file,node-name=N,file.driver=file,
 *           file.filename=X (or file=NODE, or filename=X for driver=file),
 *           read-only=on,cache.direct=on,cache.no-flush=on,discard=... */
bool blockdev_add(const char *optstr, GError **errp);

/* Open an image directly (tests, tools). fmt NULL probes. flags: BDRV_O_*
 * from block/block.h. The backend is not registered under any name. */
BlockBackend *blk_new_open(const char *filename, const char *fmt, int flags,
                           GError **errp);
/* Drain and close; unregisters the backend if it was registered. */
void blk_unref(BlockBackend *blk);
/* Close every registered backend (at exit). */
void blk_remove_all(void);

BlockBackend *blk_by_name(const char *id);
/* The image node under the backend (for tools and tests). */
BlockDriverState *blk_bs(BlockBackend *blk);
const char *blk_name(BlockBackend *blk);
/* The interface named by -drive if=..., "none" for -blockdev. */
const char *blk_iface(BlockBackend *blk);
/* Next -drive with this if= (e.g. "virtio") not yet claimed, in command-line
 * order; NULL when there is none. */
BlockBackend *drive_next_unclaimed(const char *iface);
/* Attach a device to the backend; fails if another device has it. */
bool blk_claim(BlockBackend *blk, const char *owner, GError **errp);
/* Every registered drive must be claimed by a device, or it is an error
 * naming the drive (like QEMU's "drive with if=none was not used"). */
bool blk_check_all_claimed(GError **errp);

void blk_set_context(BlockBackend *blk, GMainContext *ctx);

int blk_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes);
int blk_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
               uint64_t bytes);
int blk_flush(BlockBackend *blk);
int64_t blk_getlength(BlockBackend *blk);
bool blk_is_read_only(BlockBackend *blk);
/* Whether guest discard requests reach the image (discard=unmap). */
bool blk_discard_enabled(BlockBackend *blk);

void blk_aio_preadv(BlockBackend *blk, uint64_t offset,
                    const struct iovec *iov, int niov,
                    BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwritev(BlockBackend *blk, uint64_t offset,
                     const struct iovec *iov, int niov,
                     BlockCompletionFunc *cb, void *opaque);
void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
void blk_aio_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                      BlockCompletionFunc *cb, void *opaque);
/* may_unmap: the range may be deallocated (BDRV_REQ_MAY_UNMAP). */
void blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                           bool may_unmap, BlockCompletionFunc *cb,
                           void *opaque);
/* Wait for all requests of blk and run their callbacks (call from the
 * thread that owns blk's context). */
void blk_drain(BlockBackend *blk);

#endif
