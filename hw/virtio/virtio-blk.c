/*
 * virtio-blk-device: a virtio block device (virtio 1.2 section 5.2) on a
 * BlockBackend. Requests are checked and handed to the backend's
 * asynchronous calls, so disk I/O runs on the block layer's worker threads,
 * not on the vCPU thread that notified the queue; they complete on the main
 * loop. Data moves directly between the image and guest RAM.
 */
#include "tern/osdep.h"
#include "hw/virtio/virtio.h"
#include "block/block-backend.h"

/* Feature bits (spec 5.2.3) */
#define VIRTIO_BLK_F_SEG_MAX        2
#define VIRTIO_BLK_F_RO             5
#define VIRTIO_BLK_F_BLK_SIZE       6
#define VIRTIO_BLK_F_FLUSH          9
#define VIRTIO_BLK_F_DISCARD        13
#define VIRTIO_BLK_F_WRITE_ZEROES   14

/* Request types and status (spec 5.2.6) */
#define VIRTIO_BLK_T_IN             0
#define VIRTIO_BLK_T_OUT            1
#define VIRTIO_BLK_T_FLUSH          4
#define VIRTIO_BLK_T_GET_ID         8
#define VIRTIO_BLK_T_DISCARD        11
#define VIRTIO_BLK_T_WRITE_ZEROES   13
#define VIRTIO_BLK_S_OK             0
#define VIRTIO_BLK_S_IOERR          1
#define VIRTIO_BLK_S_UNSUPP         2
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1

#define VIRTIO_BLK_ID_BYTES         20
#define SECTOR_SIZE                 512
#define BLK_CONFIG_SIZE             60      /* through write_zeroes_may_unmap + padding */
#define MAX_SEGMENTS                126     /* seg_max: data segments per request */
#define MAX_DISCARD_SECTORS         (UINT32_MAX / SECTOR_SIZE)

typedef struct VirtIOBlock {
    VirtIODevice parent_obj;
    BlockBackend *blk;
    char *serial;
    uint32_t queue_size;
    uint64_t sectors;
    bool read_only;
    bool discard;
    VirtQueue *vq;
} VirtIOBlock;

typedef struct BlkReq {
    VirtIOBlock *s;
    VirtQueueElement *elem;
    uint8_t *status;              /* the last byte of the device-writable part */
    uint32_t in_len;              /* bytes written, reported in the used ring */
    struct iovec data[MAX_SEGMENTS + 2];
    unsigned ndata;
} BlkReq;

static VirtIOBlock *blk_of(VirtIODevice *vdev)
{
    return container_of(vdev, VirtIOBlock, parent_obj);
}

static void req_complete(BlkReq *req, uint8_t status)
{
    VirtIOBlock *s = req->s;

    *req->status = status;
    virtqueue_push(s->vq, req->elem, status == VIRTIO_BLK_S_OK ? req->in_len : 1);
    virtio_notify(&s->parent_obj, s->vq);
    g_free(req->elem);
    g_free(req);
}

static void req_done(void *opaque, int ret)
{
    BlkReq *req = opaque;

    if (ret < 0) {
        warn_report("%s: I/O error: %s", blk_name(req->s->blk), g_strerror(-ret));
    }
    req_complete(req, ret < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
}

/* Is [sector, sector + bytes) on the disk? Logs the guest's mistake if not. */
static bool range_ok(VirtIOBlock *s, uint64_t sector, uint64_t bytes)
{
    if (sector > s->sectors || bytes / SECTOR_SIZE > s->sectors - sector) {
        tern_log_mask(LOG_GUEST_ERROR, "virtio-blk: request for sector %" PRIu64 " + %" PRIu64
                      " bytes beyond the end of the %" PRIu64 "-sector disk\n", sector, bytes,
                      s->sectors);
        return false;
    }
    return true;
}

/* Discard and write-zeroes carry one segment (max_*_seg is 1) after the header. */
static uint8_t submit_discard_zeroes(BlkReq *req, uint32_t type, size_t out_size)
{
    VirtIOBlock *s = req->s;
    VirtQueueElement *elem = req->elem;
    uint8_t seg[16];
    uint64_t sector;
    uint32_t num, flags;

    if (out_size - 16 != sizeof(seg)) {
        tern_log_mask(LOG_GUEST_ERROR, "virtio-blk: discard/write-zeroes request with %zu "
                      "bytes of segments (one 16-byte segment supported)\n", out_size - 16);
        return VIRTIO_BLK_S_UNSUPP;
    }
    virtio_iov_to_buf(elem->out_sg, elem->out_num, 16, seg, sizeof(seg));
    memcpy(&sector, seg, 8);
    memcpy(&num, seg + 8, 4);
    memcpy(&flags, seg + 12, 4);
    sector = GUINT64_FROM_LE(sector);
    num = GUINT32_FROM_LE(num);
    flags = GUINT32_FROM_LE(flags);
    /* spec 5.2.6.2: unknown flags, and unmap on a discard, are unsupported */
    if (flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP ||
        (type == VIRTIO_BLK_T_DISCARD && flags)) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    if (s->read_only || num > MAX_DISCARD_SECTORS ||
        !range_ok(s, sector, (uint64_t)num * SECTOR_SIZE)) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (type == VIRTIO_BLK_T_DISCARD) {
        if (!s->discard) {
            return VIRTIO_BLK_S_OK;           /* discard=ignore: a hint we may drop */
        }
        blk_aio_pdiscard(s->blk, sector * SECTOR_SIZE, (uint64_t)num * SECTOR_SIZE,
                         req_done, req);
    } else {
        blk_aio_pwrite_zeroes(s->blk, sector * SECTOR_SIZE, (uint64_t)num * SECTOR_SIZE,
                              (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) && s->discard,
                              req_done, req);
    }
    return 0xff;
}

/* Read or write: the data follows the header (out) or precedes the status (in). */
static uint8_t submit_rw(BlkReq *req, bool is_write, uint64_t sector, size_t out_size,
                         size_t in_size)
{
    VirtIOBlock *s = req->s;
    VirtQueueElement *elem = req->elem;
    size_t len = is_write ? out_size - 16 : in_size - 1;

    if (is_write && s->read_only) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (len % SECTOR_SIZE) {
        tern_log_mask(LOG_GUEST_ERROR, "virtio-blk: %zu-byte %s is not a whole number of "
                      "sectors\n", len, is_write ? "write" : "read");
        return VIRTIO_BLK_S_IOERR;
    }
    if (!range_ok(s, sector, len)) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (is_write) {
        req->ndata = virtio_iov_slice(elem->out_sg, elem->out_num, 16, len, req->data,
                                      ARRAY_SIZE(req->data));
    } else {
        req->ndata = virtio_iov_slice(elem->in_sg, elem->in_num, 0, len, req->data,
                                      ARRAY_SIZE(req->data));
    }
    if (virtio_iov_size(req->data, req->ndata) != len) {
        tern_log_mask(LOG_GUEST_ERROR, "virtio-blk: request has more than %d data segments\n",
                      MAX_SEGMENTS);
        return VIRTIO_BLK_S_IOERR;
    }
    req->in_len = is_write ? 1 : len + 1;
    if (is_write) {
        blk_aio_pwritev(s->blk, sector * SECTOR_SIZE, req->data, req->ndata, req_done, req);
    } else {
        blk_aio_preadv(s->blk, sector * SECTOR_SIZE, req->data, req->ndata, req_done, req);
    }
    return 0xff;
}

/*
 * Start one request (spec 5.2.6). Returns false if the request is malformed
 * beyond answering (no status byte, short header): the device is broken.
 */
static bool submit(VirtIOBlock *s, VirtQueueElement *elem)
{
    size_t out_size = virtio_iov_size(elem->out_sg, elem->out_num);
    size_t in_size = virtio_iov_size(elem->in_sg, elem->in_num);
    uint8_t hdr[16];
    uint32_t type;
    uint64_t sector;
    uint8_t status;
    BlkReq *req;

    if (in_size < 1 || out_size < sizeof(hdr)) {
        virtio_error(&s->parent_obj, "request without a 16-byte header or a status byte");
        return false;
    }
    virtio_iov_to_buf(elem->out_sg, elem->out_num, 0, hdr, sizeof(hdr));
    memcpy(&type, hdr, 4);
    memcpy(&sector, hdr + 8, 8);
    type = GUINT32_FROM_LE(type);
    sector = GUINT64_FROM_LE(sector);

    req = g_new0(BlkReq, 1);
    req->s = s;
    req->elem = elem;
    req->in_len = 1;
    /* the status byte is the last byte of the last non-empty writable segment */
    for (unsigned i = elem->in_num; i-- > 0;) {
        if (elem->in_sg[i].iov_len) {
            req->status = (uint8_t *)elem->in_sg[i].iov_base + elem->in_sg[i].iov_len - 1;
            break;
        }
    }

    switch (type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        status = submit_rw(req, type == VIRTIO_BLK_T_OUT, sector, out_size, in_size);
        break;
    case VIRTIO_BLK_T_FLUSH:
        blk_aio_flush(s->blk, req_done, req);
        status = 0xff;
        break;
    case VIRTIO_BLK_T_GET_ID: {
        char id[VIRTIO_BLK_ID_BYTES] = { 0 };

        /* spec 5.2.6: 20 bytes, NUL-padded if shorter */
        if (s->serial) {
            memcpy(id, s->serial, MIN(strlen(s->serial), sizeof(id)));
        }
        req->in_len = 1 + virtio_iov_from_buf(elem->in_sg, elem->in_num, 0, id,
                                              MIN(sizeof(id), in_size - 1));
        status = VIRTIO_BLK_S_OK;
        break;
    }
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        status = submit_discard_zeroes(req, type, out_size);
        break;
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    if (status != 0xff) {
        req_complete(req, status);
    }
    return true;
}

static void blk_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlock *s = blk_of(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        if (!submit(s, elem)) {
            g_free(elem);
            return;
        }
    }
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, v >>= 8) {
        p[i] = (uint8_t)v;
    }
}

/* struct virtio_blk_config (spec 5.2.4) */
static void blk_get_config(VirtIODevice *vdev, uint8_t *c)
{
    VirtIOBlock *s = blk_of(vdev);

    memset(c, 0, BLK_CONFIG_SIZE);
    put_le(c + 0, s->sectors, 8);             /* capacity */
    put_le(c + 12, MAX_SEGMENTS, 4);          /* seg_max */
    put_le(c + 20, SECTOR_SIZE, 4);           /* blk_size */
    put_le(c + 34, 1, 2);                     /* num_queues */
    put_le(c + 36, MAX_DISCARD_SECTORS, 4);   /* max_discard_sectors */
    put_le(c + 40, 1, 4);                     /* max_discard_seg */
    put_le(c + 44, 1, 4);                     /* discard_sector_alignment */
    put_le(c + 48, MAX_DISCARD_SECTORS, 4);   /* max_write_zeroes_sectors */
    put_le(c + 52, 1, 4);                     /* max_write_zeroes_seg */
    c[56] = s->discard;                       /* write_zeroes_may_unmap */
}

static bool blk_realize(DeviceState *dev, GError **errp)
{
    VirtIOBlock *s = blk_of(to_virtio_device(dev));
    uint64_t features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                        (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_DISCARD) |
                        (1ull << VIRTIO_BLK_F_WRITE_ZEROES);
    int64_t len;

    if (!s->blk) {
        error_setg(errp, "drive=ID is required");
        return false;
    }
    if (s->queue_size < 2 || s->queue_size > VIRTQUEUE_MAX_SIZE ||
        (s->queue_size & (s->queue_size - 1))) {
        error_setg(errp, "queue-size must be a power of 2 from 2 to %d", VIRTQUEUE_MAX_SIZE);
        return false;
    }
    len = blk_getlength(s->blk);
    if (len < 0) {
        error_setg(errp, "cannot get the size of drive '%s': %s", blk_name(s->blk),
                   g_strerror((int)-len));
        return false;
    }
    if (!blk_claim(s->blk, dev->id ? dev->id : dev->dc->name, errp)) {
        return false;
    }
    s->sectors = (uint64_t)len / SECTOR_SIZE;
    s->read_only = blk_is_read_only(s->blk);
    s->discard = blk_discard_enabled(s->blk);
    if (s->read_only) {
        features |= 1ull << VIRTIO_BLK_F_RO;
    }
    virtio_init(&s->parent_obj, BLK_CONFIG_SIZE, features);
    s->vq = virtio_add_queue(&s->parent_obj, s->queue_size, blk_handle_output);
    return true;
}

static void blk_unrealize(DeviceState *dev)
{
    VirtIOBlock *s = blk_of(to_virtio_device(dev));

    blk_drain(s->blk);            /* completions refer to s */
    virtio_cleanup(&s->parent_obj);
}

static const Property blk_props[] = {
    DEFINE_PROP_DRIVE("drive", VirtIOBlock, blk, .desc = "the -drive id or -blockdev node-name"),
    DEFINE_PROP_STRING("serial", VirtIOBlock, serial,
                       .desc = "disk serial number (up to 20 characters)"),
    DEFINE_PROP_UINT32("queue-size", VirtIOBlock, queue_size, 256,
                       .desc = "virtqueue size (power of 2, at most 1024)"),
    DEFINE_PROP_END_OF_LIST(),
};

static VirtioDeviceClass virtio_blk_class = {
    .parent = {
        .name = "virtio-blk-device",
        .desc = "Virtio block device",
        .category = "storage",
        .instance_size = sizeof(VirtIOBlock),
        .user_creatable = true,
        .props = blk_props,
        .realize = blk_realize,
        .unrealize = blk_unrealize,
    },
    .device_id = VIRTIO_ID_BLOCK,
    .get_config = blk_get_config,
};

static void virtio_blk_register(void)
{
    virtio_device_class_register(&virtio_blk_class);
}
type_init(virtio_blk_register)
