/* BlockBackend internals shared by block-backend.c and blockdev.c. */
#ifndef BLOCK_BLOCK_BACKEND_INT_H
#define BLOCK_BLOCK_BACKEND_INT_H

#include "tern/osdep.h"
#include "block/block.h"
#include "block/block-backend.h"

struct BlockBackend {
    BlockDriverState *bs;
    char *name;               /* id or node-name; NULL when unregistered */
    char *iface;              /* "virtio", "none" */
    char *owner;              /* claiming device, or NULL */
    bool discard;             /* discard=unmap */
    bool from_file_node;      /* -blockdev driver=file: may become a child */
    char *temp_overlay;       /* snapshot=on: file to delete on close */
    GMutex lock;              /* protects in_flight and done */
    GCond cond;
    int in_flight;            /* submitted, callback not yet run */
    GQueue *done;             /* finished requests awaiting their callback */
    int efd;                  /* eventfd signalled by workers */
    GSource *source;          /* watches efd in the attached context */
};

BlockBackend *blk_new(BlockDriverState *bs);
void blk_free(BlockBackend *blk);

#endif
