/*
 * The virtio device core: status, features, configuration space, reset and
 * notifications (virtio 1.2 chapters 2 and 3). The split virtqueues are in
 * virtqueue.c.
 */
#include "tern/osdep.h"
#include "hw/virtio/virtio.h"
#include "virtio-internal.h"
#include <stdarg.h>

static void virtio_device_reset(DeviceState *dev)
{
    virtio_reset(to_virtio_device(dev));
}

static void virtio_device_unrealize(DeviceState *dev)
{
    virtio_cleanup(to_virtio_device(dev));
}

void virtio_device_class_register(VirtioDeviceClass *vdc)
{
    vdc->parent.bus_type = TYPE_VIRTIO_BUS;
    if (!vdc->parent.reset) {
        vdc->parent.reset = virtio_device_reset;
    }
    if (!vdc->parent.unrealize) {
        vdc->parent.unrealize = virtio_device_unrealize;
    }
    device_class_register(&vdc->parent);
}

void virtio_init(VirtIODevice *vdev, size_t config_len, uint64_t features)
{
    vdev->vdc = container_of(vdev->parent_obj.dc, VirtioDeviceClass, parent);
    vdev->name = vdev->parent_obj.dc->name;
    vdev->config_len = config_len;
    vdev->config = g_malloc0(config_len ? config_len : 1);
    /* spec 6: the core implements these for every device */
    vdev->host_features = features | (1ull << VIRTIO_F_VERSION_1) |
                          (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
                          (1ull << VIRTIO_RING_F_EVENT_IDX);
    vdev->vq = g_new0(VirtQueue, VIRTIO_QUEUE_MAX);
    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        vdev->vq[i].vdev = vdev;
        vdev->vq[i].index = i;
    }
}

void virtio_cleanup(VirtIODevice *vdev)
{
    g_free(vdev->config);
    vdev->config = NULL;
    g_free(vdev->vq);
    vdev->vq = NULL;
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, unsigned max_size,
                            VirtIOHandleOutput handler)
{
    unsigned i;

    g_assert(max_size > 0 && max_size <= VIRTQUEUE_MAX_SIZE &&
             !(max_size & (max_size - 1)));
    for (i = 0; i < VIRTIO_QUEUE_MAX && vdev->vq[i].max_num; i++) {
        continue;
    }
    g_assert(i < VIRTIO_QUEUE_MAX);
    vdev->vq[i].max_num = max_size;
    vdev->vq[i].handler = handler;
    virtqueue_reset(&vdev->vq[i]);
    return &vdev->vq[i];
}

VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n)
{
    return n < VIRTIO_QUEUE_MAX ? &vdev->vq[n] : NULL;
}

void virtio_bind_transport(VirtIODevice *vdev, const VirtioTransportOps *ops, void *opaque)
{
    vdev->transport = ops;
    vdev->transport_opaque = opaque;
}

static void virtio_update_irq(VirtIODevice *vdev)
{
    if (vdev->transport) {
        vdev->transport->update_irq(vdev->transport_opaque, vdev);
    }
}

void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits)
{
    vdev->isr &= ~bits;
    virtio_update_irq(vdev);
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    vdev->generation++;
    vdev->isr |= VIRTIO_ISR_CONFIG;
    virtio_update_irq(vdev);
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    tern_log_mask(LOG_GUEST_ERROR, "%s: %s; the device needs a reset\n", vdev->name, msg);
    if (vdev->broken) {
        return;
    }
    vdev->broken = true;
    /* spec 2.1.2: set DEVICE_NEEDS_RESET and, once DRIVER_OK, send a config change */
    vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    virtio_notify_config(vdev);
}

void virtio_reset(VirtIODevice *vdev)
{
    if (vdev->vdc->reset) {
        vdev->vdc->reset(vdev);
    }
    vdev->reset_count++;
    vdev->status = 0;
    vdev->guest_features = 0;
    vdev->broken = false;
    vdev->isr = 0;
    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        virtqueue_reset(&vdev->vq[i]);
    }
    virtio_update_irq(vdev);
}

/* spec 2.2 and 3.1.1: only offered features, and VERSION_1, may be accepted */
static bool virtio_features_ok(VirtIODevice *vdev)
{
    uint64_t unknown = vdev->guest_features & ~vdev->host_features;

    if (unknown) {
        tern_log_mask(LOG_GUEST_ERROR, "%s: driver accepted features 0x%" PRIx64
                      " that were not offered\n", vdev->name, unknown);
        return false;
    }
    if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        tern_log_mask(LOG_GUEST_ERROR, "%s: driver did not accept VIRTIO_F_VERSION_1\n",
                      vdev->name);
        return false;
    }
    return true;
}

void virtio_set_status(VirtIODevice *vdev, uint8_t status)
{
    if (status == 0) {
        virtio_reset(vdev);
        return;
    }
    if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) && !virtio_features_ok(vdev)) {
        /* spec 3.1.1 step 6: the driver sees FEATURES_OK unset and gives up */
        status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
    }
    /* only the device sets DEVICE_NEEDS_RESET, and only a reset clears it */
    status = (status & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
             (vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    vdev->status = status;
    if (vdev->vdc->set_status) {
        vdev->vdc->set_status(vdev, status);
    }
}

uint32_t virtio_get_host_features_word(VirtIODevice *vdev, unsigned sel)
{
    return sel < 2 ? (uint32_t)(vdev->host_features >> (32 * sel)) : 0;
}

void virtio_set_guest_features_word(VirtIODevice *vdev, unsigned sel, uint32_t val)
{
    uint64_t mask;

    if (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) {
        tern_log_mask(LOG_GUEST_ERROR, "%s: features written after FEATURES_OK ignored\n",
                      vdev->name);
        return;
    }
    if (sel >= 2) {
        if (val) {
            tern_log_mask(LOG_GUEST_ERROR, "%s: driver accepted features in word %u\n",
                          vdev->name, sel);
        }
        return;
    }
    mask = 0xffffffffull << (32 * sel);
    vdev->guest_features = (vdev->guest_features & ~mask) | ((uint64_t)val << (32 * sel));
}

static bool config_range_ok(VirtIODevice *vdev, uint32_t addr, unsigned size, bool is_write)
{
    if (size > vdev->config_len || addr > vdev->config_len - size) {
        tern_log_mask(LOG_GUEST_ERROR, "%s: config %s of %u bytes at 0x%x is beyond the "
                      "%zu-byte config space\n", vdev->name, is_write ? "write" : "read",
                      size, addr, vdev->config_len);
        return false;
    }
    return true;
}

/* Config space fields are little-endian (spec 2.5). */
uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t addr, unsigned size)
{
    uint32_t val = 0;

    if (!config_range_ok(vdev, addr, size, false)) {
        return 0;
    }
    if (vdev->vdc->get_config) {
        vdev->vdc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint32_t)vdev->config[addr + i] << (8 * i);
    }
    return val;
}

void virtio_config_write(VirtIODevice *vdev, uint32_t addr, uint32_t val, unsigned size)
{
    if (!config_range_ok(vdev, addr, size, true)) {
        return;
    }
    if (vdev->vdc->get_config) {
        vdev->vdc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        vdev->config[addr + i] = (uint8_t)(val >> (8 * i));
    }
    if (vdev->vdc->set_config) {
        vdev->vdc->set_config(vdev, vdev->config);
    }
}

/* ---- scatter-gather helpers ---- */

size_t virtio_iov_size(const struct iovec *iov, unsigned n)
{
    size_t total = 0;

    for (unsigned i = 0; i < n; i++) {
        total += iov[i].iov_len;
    }
    return total;
}

/* Copy between iov (starting offset bytes in) and buf; returns bytes copied. */
static size_t iov_copy(const struct iovec *iov, unsigned n, size_t offset,
                       void *buf, size_t bytes, bool to_buf)
{
    size_t done = 0;

    for (unsigned i = 0; i < n && done < bytes; i++) {
        if (offset >= iov[i].iov_len) {
            offset -= iov[i].iov_len;
            continue;
        }
        size_t l = MIN(iov[i].iov_len - offset, bytes - done);
        uint8_t *p = (uint8_t *)iov[i].iov_base + offset;

        if (to_buf) {
            memcpy((uint8_t *)buf + done, p, l);
        } else {
            memcpy(p, (uint8_t *)buf + done, l);
        }
        done += l;
        offset = 0;
    }
    return done;
}

size_t virtio_iov_to_buf(const struct iovec *iov, unsigned n, size_t offset,
                         void *buf, size_t bytes)
{
    return iov_copy(iov, n, offset, buf, bytes, true);
}

size_t virtio_iov_from_buf(const struct iovec *iov, unsigned n, size_t offset,
                           const void *buf, size_t bytes)
{
    return iov_copy(iov, n, offset, (void *)buf, bytes, false);
}

unsigned virtio_iov_slice(const struct iovec *iov, unsigned n, size_t offset, size_t bytes,
                          struct iovec *dst, unsigned max)
{
    unsigned out = 0;

    for (unsigned i = 0; i < n && bytes && out < max; i++) {
        if (offset >= iov[i].iov_len) {
            offset -= iov[i].iov_len;
            continue;
        }
        size_t l = MIN(iov[i].iov_len - offset, bytes);

        dst[out++] = (struct iovec){ (uint8_t *)iov[i].iov_base + offset, l };
        bytes -= l;
        offset = 0;
    }
    return out;
}
