/* Shared by the virtio core files (virtio.c, virtqueue.c); not for devices. */
#ifndef HW_VIRTIO_INTERNAL_H
#define HW_VIRTIO_INTERNAL_H

#include "hw/virtio/virtio.h"

struct VirtQueue {
    VirtIODevice *vdev;
    unsigned index;
    unsigned max_num;             /* 0: the queue does not exist */
    unsigned num;                 /* size chosen by the driver */
    bool ready;
    hwaddr desc_addr, avail_addr, used_addr;
    /* host pointers to the rings while ready (spec 2.7) */
    uint8_t *desc, *avail, *used;
    uint16_t last_avail_idx;      /* next avail ring entry to take */
    uint16_t used_idx;            /* next used ring entry to fill */
    uint16_t signalled_used;      /* used_idx at the last interrupt (event index) */
    bool signalled_used_valid;
    bool notification;            /* driver notifications wanted */
    unsigned inuse;               /* popped, not yet pushed */
    VirtIOHandleOutput handler;
};

/* virtqueue.c */
void virtqueue_reset(VirtQueue *vq);

#endif
