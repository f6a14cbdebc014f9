/*
 * Split virtqueues (virtio 1.2 section 2.7): the descriptor table, the
 * driver (available) ring and the device (used) ring in guest memory.
 *
 * The rings are checked and mapped once, when the driver enables the queue;
 * they must lie in guest RAM. Everything read from them is read once into a
 * local copy and checked before use, so a driver changing them underneath us
 * (another vCPU) cannot make us index outside a ring or a table. The guest
 * runs concurrently, so ring indices are read with acquire and written with
 * release ordering (spec 2.7.13 and 2.7.8 describe the matching driver side).
 */
#include "tern/osdep.h"
#include "hw/virtio/virtio.h"
#include "virtio-internal.h"

/* A descriptor as stored in guest memory (spec 2.7.5), little-endian. */
typedef struct VringDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VringDesc;

#define DESC_SIZE 16

static AddressSpace *dma_as(void)
{
    return get_system_address_space();
}

static uint16_t ld16_acquire(const uint8_t *p)
{
    return GUINT16_FROM_LE(__atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE));
}

static uint16_t ld16(const uint8_t *p)
{
    return GUINT16_FROM_LE(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void st16_release(uint8_t *p, uint16_t v)
{
    __atomic_store_n((uint16_t *)p, GUINT16_TO_LE(v), __ATOMIC_RELEASE);
}

static void st32(uint8_t *p, uint32_t v)
{
    __atomic_store_n((uint32_t *)p, GUINT32_TO_LE(v), __ATOMIC_RELAXED);
}

/* Ring field offsets (spec 2.7.6 and 2.7.8) */
#define AVAIL_FLAGS 0
#define AVAIL_IDX 2
#define AVAIL_RING(i) (4 + 2 * (i))
#define USED_FLAGS 0
#define USED_IDX 2
#define USED_RING(i) (4 + 8 * (i))

static size_t desc_size(unsigned num) { return (size_t)DESC_SIZE * num; }
static size_t avail_size(unsigned num) { return 6 + 2 * (size_t)num; }   /* with used_event */
static size_t used_size(unsigned num) { return 6 + 8 * (size_t)num; }    /* with avail_event */

static void used_written(VirtQueue *vq, size_t offset, size_t len)
{
    address_space_unmap(dma_as(), vq->used + offset, vq->used_addr + offset, len, true);
}

void virtqueue_reset(VirtQueue *vq)
{
    vq->num = vq->max_num;
    vq->ready = false;
    vq->desc_addr = vq->avail_addr = vq->used_addr = 0;
    vq->desc = vq->avail = vq->used = NULL;
    vq->last_avail_idx = vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->notification = true;
    vq->inuse = 0;
}

unsigned virtio_queue_get_max_num(VirtQueue *vq) { return vq->max_num; }
unsigned virtio_queue_get_num(VirtQueue *vq) { return vq->num; }
bool virtio_queue_ready(VirtQueue *vq) { return vq->ready; }

void virtio_queue_set_num(VirtQueue *vq, unsigned num)
{
    vq->num = num;
}

void virtio_queue_set_addrs(VirtQueue *vq, hwaddr desc, hwaddr avail, hwaddr used)
{
    vq->desc_addr = desc;
    vq->avail_addr = avail;
    vq->used_addr = used;
}

void virtio_queue_get_addrs(VirtQueue *vq, hwaddr *desc, hwaddr *avail, hwaddr *used)
{
    *desc = vq->desc_addr;
    *avail = vq->avail_addr;
    *used = vq->used_addr;
}

/* Map a ring of len bytes at addr, aligned to align; NULL (and an error) if not in RAM. */
static uint8_t *map_ring(VirtQueue *vq, const char *what, hwaddr addr, size_t len,
                         unsigned align, bool is_write)
{
    hwaddr l = len;
    uint8_t *p;

    if (addr & (align - 1)) {
        virtio_error(vq->vdev, "queue %u: %s at 0x%" HWADDR_PRIx " is not %u-byte aligned",
                     vq->index, what, addr, align);
        return NULL;
    }
    p = address_space_map(dma_as(), addr, &l, is_write);
    if (!p || l < len) {
        virtio_error(vq->vdev, "queue %u: %s at 0x%" HWADDR_PRIx " (%zu bytes) is not in RAM",
                     vq->index, what, addr, len);
        return NULL;
    }
    return p;
}

void virtio_queue_set_ready(VirtQueue *vq, bool ready)
{
    unsigned num = vq->num;

    if (!ready) {
        vq->ready = false;
        return;
    }
    if (vq->ready || !vq->max_num) {
        return;
    }
    /* spec 2.7: a power of 2, at most what the device offered */
    if (num == 0 || num > vq->max_num || (num & (num - 1))) {
        virtio_error(vq->vdev, "queue %u: bad size %u (maximum %u, power of 2)", vq->index,
                     num, vq->max_num);
        return;
    }
    /* alignments from spec 2.7 table "Virtqueue Part Alignment" */
    vq->desc = map_ring(vq, "descriptor table", vq->desc_addr, desc_size(num), 16, false);
    vq->avail = vq->desc ? map_ring(vq, "driver ring", vq->avail_addr, avail_size(num), 2,
                                    false) : NULL;
    vq->used = vq->avail ? map_ring(vq, "device ring", vq->used_addr, used_size(num), 4,
                                    true) : NULL;
    if (!vq->used) {
        vq->desc = vq->avail = NULL;
        return;
    }
    vq->last_avail_idx = vq->used_idx = 0;
    vq->signalled_used_valid = false;
    vq->inuse = 0;
    vq->ready = true;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = n < VIRTIO_QUEUE_MAX ? &vdev->vq[n] : NULL;

    if (!vq || !vq->max_num) {
        tern_log_mask(LOG_GUEST_ERROR, "%s: notification for queue %u, which does not exist\n",
                      vdev->name, n);
        return;
    }
    if (vdev->broken || !vq->ready || !vq->handler) {
        return;
    }
    vq->handler(vdev, vq);
}

/* ---- the driver ring ---- */

bool virtio_queue_empty(VirtQueue *vq)
{
    return !vq->ready || vq->vdev->broken ||
           ld16_acquire(vq->avail + AVAIL_IDX) == vq->last_avail_idx;
}

/* Where the device tells the driver which avail index to notify at (spec 2.7.10). */
static void set_avail_event(VirtQueue *vq, uint16_t idx)
{
    size_t off = USED_RING(vq->num);

    st16_release(vq->used + off, idx);
    used_written(vq, off, 2);
}

void virtio_queue_set_notification(VirtQueue *vq, bool enable)
{
    vq->notification = enable;
    if (!vq->ready) {
        return;
    }
    if (virtio_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
        if (enable) {
            set_avail_event(vq, ld16(vq->avail + AVAIL_IDX));
        }
    } else {
        uint16_t flags = ld16(vq->used + USED_FLAGS);

        flags = enable ? flags & ~VIRTQ_USED_F_NO_NOTIFY : flags | VIRTQ_USED_F_NO_NOTIFY;
        st16_release(vq->used + USED_FLAGS, flags);
        used_written(vq, USED_FLAGS, 2);
    }
    if (enable) {
        /* the caller checks the ring again after this; order that read after our write */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

static VringDesc read_desc(const uint8_t *table, unsigned i)
{
    const uint8_t *p = table + (size_t)i * DESC_SIZE;
    VringDesc d;

    memcpy(&d.addr, p, 8);
    memcpy(&d.len, p + 8, 4);
    memcpy(&d.flags, p + 12, 2);
    memcpy(&d.next, p + 14, 2);
    d.addr = GUINT64_FROM_LE(d.addr);
    d.len = GUINT32_FROM_LE(d.len);
    d.flags = GUINT16_FROM_LE(d.flags);
    d.next = GUINT16_FROM_LE(d.next);
    return d;
}

/* Segments of the element being built. */
typedef struct SgList {
    struct iovec iov[VIRTIO_MAX_IOV];
    hwaddr addr[VIRTIO_MAX_IOV];
    unsigned out_num, in_num;     /* out segments come first */
} SgList;

/* Map one descriptor's buffer, splitting it where the RAM behind it changes. */
static bool map_buffer(VirtQueue *vq, SgList *sg, const VringDesc *d)
{
    bool is_write = d->flags & VIRTQ_DESC_F_WRITE;
    hwaddr addr = d->addr;
    uint64_t left = d->len;

    if (left && addr + left - 1 < addr) {
        virtio_error(vq->vdev, "queue %u: buffer at 0x%" PRIx64 " of %u bytes wraps around",
                     vq->index, d->addr, d->len);
        return false;
    }
    while (left) {
        hwaddr l = left;
        void *p = address_space_map(dma_as(), addr, &l, is_write);
        unsigned n = sg->out_num + sg->in_num;

        if (!p) {
            virtio_error(vq->vdev, "queue %u: buffer at 0x%" HWADDR_PRIx " is not in RAM%s",
                         vq->index, addr, is_write ? " (or is read-only)" : "");
            return false;
        }
        if (n == VIRTIO_MAX_IOV) {
            virtio_error(vq->vdev, "queue %u: more than %u buffer segments", vq->index,
                         VIRTIO_MAX_IOV);
            return false;
        }
        sg->iov[n] = (struct iovec){ p, l };
        sg->addr[n] = addr;
        if (is_write) {
            sg->in_num++;
        } else {
            sg->out_num++;
        }
        addr += l;
        left -= l;
    }
    return true;
}

/*
 * Walk the chain starting at descriptor head (spec 2.7.5, 2.7.5.3). Every
 * rule the driver must follow is checked; a chain longer than its table
 * is a loop.
 */
static bool walk_chain(VirtQueue *vq, unsigned head, SgList *sg)
{
    const uint8_t *table = vq->desc;
    unsigned max = vq->num, count = 0;
    bool indirect = false;
    VringDesc d = read_desc(table, head);

    if (d.flags & VIRTQ_DESC_F_INDIRECT) {
        hwaddr l = d.len;

        if (!virtio_has_feature(vq->vdev, VIRTIO_RING_F_INDIRECT_DESC)) {
            virtio_error(vq->vdev, "queue %u: indirect descriptor without "
                         "VIRTIO_F_INDIRECT_DESC", vq->index);
            return false;
        }
        /* spec 2.7.5.3.1: not combined with NEXT; a whole number of descriptors */
        if (d.flags & VIRTQ_DESC_F_NEXT) {
            virtio_error(vq->vdev, "queue %u: indirect descriptor with NEXT set", vq->index);
            return false;
        }
        if (d.len == 0 || d.len % DESC_SIZE || d.len / DESC_SIZE > VIRTQUEUE_MAX_SIZE) {
            virtio_error(vq->vdev, "queue %u: bad indirect table length %u", vq->index, d.len);
            return false;
        }
        table = address_space_map(dma_as(), d.addr, &l, false);
        if (!table || l < d.len) {
            virtio_error(vq->vdev, "queue %u: indirect table at 0x%" PRIx64 " is not in RAM",
                         vq->index, d.addr);
            return false;
        }
        max = d.len / DESC_SIZE;
        indirect = true;
        d = read_desc(table, 0);
    }
    for (;;) {
        if (++count > max) {
            virtio_error(vq->vdev, "queue %u: descriptor chain at %u loops", vq->index, head);
            return false;
        }
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            virtio_error(vq->vdev, "queue %u: indirect descriptor %s", vq->index,
                         indirect ? "inside an indirect table" : "in the middle of a chain");
            return false;
        }
        /* spec 2.7.4.2: device-writable buffers follow all device-readable ones */
        if (!(d.flags & VIRTQ_DESC_F_WRITE) && sg->in_num) {
            virtio_error(vq->vdev, "queue %u: device-readable descriptor after a "
                         "device-writable one", vq->index);
            return false;
        }
        if (!map_buffer(vq, sg, &d)) {
            return false;
        }
        if (!(d.flags & VIRTQ_DESC_F_NEXT)) {
            return true;
        }
        if (d.next >= max) {
            virtio_error(vq->vdev, "queue %u: next descriptor %u is outside the %s of %u",
                         vq->index, d.next, indirect ? "indirect table" : "queue", max);
            return false;
        }
        d = read_desc(table, d.next);
    }
}

static VirtQueueElement *element_new(unsigned head, const SgList *sg)
{
    unsigned n = sg->out_num + sg->in_num;
    VirtQueueElement *elem = g_malloc(sizeof(*elem) + n * (sizeof(struct iovec) +
                                                           sizeof(hwaddr)));
    struct iovec *iov = (struct iovec *)(elem + 1);
    hwaddr *addr = (hwaddr *)(iov + n);

    memcpy(iov, sg->iov, n * sizeof(*iov));
    memcpy(addr, sg->addr, n * sizeof(*addr));
    elem->index = head;
    elem->out_num = sg->out_num;
    elem->in_num = sg->in_num;
    elem->out_sg = iov;
    elem->in_sg = iov + sg->out_num;
    elem->out_addr = addr;
    elem->in_addr = addr + sg->out_num;
    return elem;
}

VirtQueueElement *virtqueue_pop(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    uint16_t avail_idx, pending;
    unsigned head;
    SgList *sg;
    VirtQueueElement *elem = NULL;

    if (!vq->ready || vdev->broken) {
        return NULL;
    }
    avail_idx = ld16_acquire(vq->avail + AVAIL_IDX);
    pending = (uint16_t)(avail_idx - vq->last_avail_idx);
    if (pending == 0) {
        return NULL;
    }
    if (pending > vq->num) {
        virtio_error(vdev, "queue %u: driver ring index %u is %u ahead of the device's %u "
                     "(queue size %u)", vq->index, avail_idx, pending, vq->last_avail_idx,
                     vq->num);
        return NULL;
    }
    head = ld16(vq->avail + AVAIL_RING(vq->last_avail_idx % vq->num));
    if (head >= vq->num) {
        virtio_error(vdev, "queue %u: driver ring entry %u names descriptor %u of %u",
                     vq->index, vq->last_avail_idx % vq->num, head, vq->num);
        return NULL;
    }
    sg = g_new(SgList, 1);
    sg->out_num = sg->in_num = 0;
    if (walk_chain(vq, head, sg)) {
        elem = element_new(head, sg);
        elem->reset_count = vdev->reset_count;
        vq->last_avail_idx++;
        vq->inuse++;
        if (vq->notification && virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
            set_avail_event(vq, vq->last_avail_idx);
        }
    }
    g_free(sg);
    return elem;
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem)
{
    vq->last_avail_idx--;
    vq->inuse--;
}

void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len, unsigned idx)
{
    uint32_t left = len;
    size_t off;

    /* tell the translator about what the device wrote into guest RAM */
    for (unsigned i = 0; i < elem->in_num && left; i++) {
        uint32_t l = MIN(left, elem->in_sg[i].iov_len);

        address_space_unmap(dma_as(), elem->in_sg[i].iov_base, elem->in_addr[i], l, true);
        left -= l;
    }
    if (!vq->ready || elem->reset_count != vq->vdev->reset_count) {
        return;                   /* the device was reset while elem was in flight */
    }
    /* spec 2.7.8: fill the entry; virtqueue_flush publishes it by moving idx */
    off = USED_RING((uint16_t)(vq->used_idx + idx) % vq->num);
    st32(vq->used + off, elem->index);
    st32(vq->used + off + 4, len);
    used_written(vq, off, 8);
}

void virtqueue_flush(VirtQueue *vq, unsigned count)
{
    if (!vq->ready) {
        return;
    }
    vq->used_idx += count;
    st16_release(vq->used + USED_IDX, vq->used_idx);
    used_written(vq, USED_IDX, 2);
    vq->inuse -= count;
}

void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len)
{
    virtqueue_fill(vq, elem, len, 0);
    if (elem->reset_count == vq->vdev->reset_count) {
        virtqueue_flush(vq, 1);
    }
}

/* spec 2.7.10: vring_need_event */
static bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

static bool should_notify(VirtQueue *vq)
{
    uint16_t old, used_event;
    bool valid;

    /* order the used idx write before reading the driver's suppression state */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!virtio_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
        return !(ld16(vq->avail + AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    old = vq->signalled_used;
    valid = vq->signalled_used_valid;
    vq->signalled_used = vq->used_idx;
    vq->signalled_used_valid = true;
    used_event = ld16(vq->avail + AVAIL_RING(vq->num));
    return !valid || need_event(used_event, vq->used_idx, old);
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!vq->ready || !should_notify(vq)) {
        return;
    }
    vdev->isr |= VIRTIO_ISR_QUEUE;
    if (vdev->transport) {
        vdev->transport->update_irq(vdev->transport_opaque, vdev);
    }
}
