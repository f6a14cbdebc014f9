/*
 * The virtio device core shared by every virtio device (virtio 1.2, "the
 * spec" below): device status, feature negotiation, configuration space,
 * reset, and split virtqueues with indirect descriptors and event index.
 *
 * A virtio device is a qdev device on a "virtio-bus" (provided by a transport
 * such as virtio-mmio, include/hw/virtio/virtio-mmio.h). Its instance struct
 * embeds VirtIODevice first; its class is a VirtioDeviceClass whose first
 * member is the DeviceClass registered with device_class_register().
 *
 * Everything here runs with the big lock held: queue handlers run from the
 * guest's notification (an MMIO write), completions from the main loop.
 *
 * Every guest-supplied ring address, index, descriptor and length is checked.
 * A driver that breaks the rules makes the device "broken": it is logged
 * under -d guest_errors, DEVICE_NEEDS_RESET is set in the status (spec
 * 2.1.1), and the device stops processing its queues until it is reset.
 */
#ifndef HW_VIRTIO_VIRTIO_H
#define HW_VIRTIO_VIRTIO_H

#include "tern/osdep.h"
#include "hw/qdev.h"
#include <sys/uio.h>

/* Device status bits (spec 2.1) */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE         1
#define VIRTIO_CONFIG_S_DRIVER              2
#define VIRTIO_CONFIG_S_DRIVER_OK           4
#define VIRTIO_CONFIG_S_FEATURES_OK         8
#define VIRTIO_CONFIG_S_NEEDS_RESET         0x40
#define VIRTIO_CONFIG_S_FAILED              0x80

/* Reserved feature bits (spec 6) */
#define VIRTIO_RING_F_INDIRECT_DESC         28
#define VIRTIO_RING_F_EVENT_IDX             29
#define VIRTIO_F_VERSION_1                  32

/* Device IDs (spec 5) */
#define VIRTIO_ID_NET                       1
#define VIRTIO_ID_BLOCK                     2
#define VIRTIO_ID_CONSOLE                   3
#define VIRTIO_ID_RNG                       4

/* Interrupt status bits (spec 4.2.2, InterruptStatus) */
#define VIRTIO_ISR_QUEUE                    1
#define VIRTIO_ISR_CONFIG                   2

/* Split virtqueue layout (spec 2.7) */
#define VIRTQ_DESC_F_NEXT                   1
#define VIRTQ_DESC_F_WRITE                  2
#define VIRTQ_DESC_F_INDIRECT               4
#define VIRTQ_USED_F_NO_NOTIFY              1
#define VIRTQ_AVAIL_F_NO_INTERRUPT          1

#define VIRTQUEUE_MAX_SIZE                  1024    /* queue size limit (spec 2.7: 32768) */
#define VIRTIO_QUEUE_MAX                    8       /* queues per device */
#define VIRTIO_MAX_IOV                      1024    /* segments in one element */

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;
typedef void (*VirtIOHandleOutput)(VirtIODevice *vdev, VirtQueue *vq);

/*
 * One buffer the driver made available: the device-readable part (out) and
 * the device-writable part (in), as host pointers into guest RAM. in_addr /
 * out_addr are the guest physical addresses of each segment. Free with
 * g_free() after virtqueue_push() (or virtqueue_unpop()).
 */
typedef struct VirtQueueElement {
    unsigned index;              /* head descriptor, reported in the used ring */
    unsigned out_num, in_num;
    struct iovec *out_sg, *in_sg;
    hwaddr *out_addr, *in_addr;
    unsigned reset_count;        /* of the device when popped: stale after a reset */
} VirtQueueElement;

typedef struct VirtioDeviceClass {
    DeviceClass parent;          /* bus_type "virtio-bus"; realize calls virtio_init() */
    uint16_t device_id;
    /* Fill the config space (vdev->config, vdev->config_len bytes) before a read. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* The driver wrote the config space (optional). */
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    /* The status changed (optional), e.g. DRIVER_OK set. */
    void (*set_status)(VirtIODevice *vdev, uint8_t status);
    /* Device-specific part of a reset (optional); queues are reset by the core. */
    void (*reset)(VirtIODevice *vdev);
} VirtioDeviceClass;

/* What a transport provides to the device core. */
typedef struct VirtioTransportOps {
    /* vdev->isr changed: update the interrupt line. */
    void (*update_irq)(void *opaque, VirtIODevice *vdev);
} VirtioTransportOps;

struct VirtIODevice {
    DeviceState parent_obj;
    const VirtioDeviceClass *vdc;
    const char *name;
    uint8_t status;
    uint8_t isr;                 /* VIRTIO_ISR_* pending */
    uint64_t host_features;      /* offered (set by virtio_init) */
    uint64_t guest_features;     /* accepted by the driver */
    uint32_t generation;         /* config generation (spec 2.5.1) */
    size_t config_len;
    uint8_t *config;
    bool broken;
    unsigned reset_count;        /* resets so far */
    VirtQueue *vq;               /* VIRTIO_QUEUE_MAX entries */
    const VirtioTransportOps *transport;
    void *transport_opaque;
};

static inline VirtIODevice *to_virtio_device(DeviceState *dev)
{
    return container_of(dev, VirtIODevice, parent_obj);
}

/* The bus type name a virtio device plugs into. */
#define TYPE_VIRTIO_BUS "virtio-bus"

/* Register a virtio device class (fills in the DeviceClass's bus type). */
void virtio_device_class_register(VirtioDeviceClass *vdc);

/*
 * Called from the device's realize: config space of config_len bytes and
 * the features the device offers (VERSION_1, INDIRECT_DESC and EVENT_IDX are
 * added by the core).
 */
void virtio_init(VirtIODevice *vdev, size_t config_len, uint64_t features);
void virtio_cleanup(VirtIODevice *vdev);
VirtQueue *virtio_add_queue(VirtIODevice *vdev, unsigned max_size,
                            VirtIOHandleOutput handler);

static inline bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return (vdev->guest_features >> bit) & 1;
}

/* Report a driver error: log it, set DEVICE_NEEDS_RESET, stop the device (spec 2.1.2). */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* ---- used by transports ---- */

void virtio_bind_transport(VirtIODevice *vdev, const VirtioTransportOps *ops, void *opaque);
/* Full device reset (spec 2.4): status, features, queues, device state. */
void virtio_reset(VirtIODevice *vdev);
void virtio_set_status(VirtIODevice *vdev, uint8_t status);
/* 32 feature bits at word sel (0: bits 0-31, 1: bits 32-63). */
uint32_t virtio_get_host_features_word(VirtIODevice *vdev, unsigned sel);
void virtio_set_guest_features_word(VirtIODevice *vdev, unsigned sel, uint32_t val);
/* Config space access; out-of-range accesses read 0 / are ignored (logged). */
uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t addr, unsigned size);
void virtio_config_write(VirtIODevice *vdev, uint32_t addr, uint32_t val, unsigned size);
/* The driver clears these isr bits. */
void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits);

VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n);
unsigned virtio_queue_get_max_num(VirtQueue *vq);       /* 0: queue does not exist */
unsigned virtio_queue_get_num(VirtQueue *vq);
void virtio_queue_set_num(VirtQueue *vq, unsigned num);  /* checked at enable */
void virtio_queue_set_addrs(VirtQueue *vq, hwaddr desc, hwaddr avail, hwaddr used);
void virtio_queue_get_addrs(VirtQueue *vq, hwaddr *desc, hwaddr *avail, hwaddr *used);
/* Enable (checks and maps the rings; a bad layout breaks the device) or disable. */
void virtio_queue_set_ready(VirtQueue *vq, bool ready);
bool virtio_queue_ready(VirtQueue *vq);
/* The driver notified queue n (spec 2.7.13); out-of-range n is logged. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);

/* ---- used by devices ---- */

/* Next available buffer, or NULL (queue empty, not ready, or device broken). */
VirtQueueElement *virtqueue_pop(VirtQueue *vq);
/* Give elem back to the queue, to be popped again later. */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);
/* Return elem to the driver, len bytes written to its in part. */
void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len);
/*
 * Return several elements at once (a packet spread over buffers, spec
 * 5.1.6.4): fill each as entry idx (0, 1, ...) after the last published one,
 * then publish count of them. Every element must be current (popped since the
 * last reset, in this same big-lock section).
 */
void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len, unsigned idx);
void virtqueue_flush(VirtQueue *vq, unsigned count);
/* Interrupt the driver about used buffers, unless it suppressed that (spec 2.7.7, 2.7.10). */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
/* The config space changed (spec 4.2.3.4): bump the generation, interrupt. */
void virtio_notify_config(VirtIODevice *vdev);
bool virtio_queue_empty(VirtQueue *vq);
/* Ask the driver to notify (or not) about new buffers (spec 2.7.7, 2.7.10). */
void virtio_queue_set_notification(VirtQueue *vq, bool enable);

/* Scatter-gather helpers: copy between iovecs (from byte offset) and a buffer. */
size_t virtio_iov_size(const struct iovec *iov, unsigned n);
size_t virtio_iov_to_buf(const struct iovec *iov, unsigned n, size_t offset,
                         void *buf, size_t bytes);
size_t virtio_iov_from_buf(const struct iovec *iov, unsigned n, size_t offset,
                           const void *buf, size_t bytes);
/* The part [offset, offset + bytes) of iov as at most max segments in dst;
 * returns the number of segments (fewer bytes if iov is shorter). */
unsigned virtio_iov_slice(const struct iovec *iov, unsigned n, size_t offset, size_t bytes,
                          struct iovec *dst, unsigned max);

#endif
