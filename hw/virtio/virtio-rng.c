/*
 * virtio-rng-device: an entropy device (virtio 1.2 section 5.4) fed from the
 * host's getrandom(). Each buffer the driver offers is filled completely.
 */
#include "tern/osdep.h"
#include "hw/virtio/virtio.h"
#include <sys/random.h>

#define RNG_MAX_PER_BUFFER (64 * 1024)    /* bound the work one notification causes */

typedef struct VirtIORNG {
    VirtIODevice parent_obj;
    VirtQueue *vq;
} VirtIORNG;

/* Fill len bytes with host entropy; false if the host has none to give. */
static bool fill_random(uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = getrandom(p, len, 0);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            warn_report("virtio-rng: getrandom failed: %s", g_strerror(errno));
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

static void rng_handle_request(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtQueueElement *elem;
    bool used = false;

    while ((elem = virtqueue_pop(vq))) {
        size_t left = RNG_MAX_PER_BUFFER;
        uint32_t written = 0;

        /* spec 5.4.6: the request is device-writable buffers only */
        for (unsigned i = 0; i < elem->in_num && left; i++) {
            size_t l = MIN(elem->in_sg[i].iov_len, left);

            if (!fill_random(elem->in_sg[i].iov_base, l)) {
                break;
            }
            written += l;
            left -= l;
        }
        virtqueue_push(vq, elem, written);
        g_free(elem);
        used = true;
    }
    if (used) {
        virtio_notify(vdev, vq);    /* nothing to say after a notification of an empty queue */
    }
}

static bool rng_realize(DeviceState *dev, GError **errp)
{
    VirtIORNG *s = container_of(to_virtio_device(dev), VirtIORNG, parent_obj);

    virtio_init(&s->parent_obj, 0, 0);
    s->vq = virtio_add_queue(&s->parent_obj, 8, rng_handle_request);
    return true;
}

static VirtioDeviceClass virtio_rng_class = {
    .parent = {
        .name = "virtio-rng-device",
        .desc = "Virtio entropy source (host getrandom)",
        .category = "misc",
        .instance_size = sizeof(VirtIORNG),
        .user_creatable = true,
        .realize = rng_realize,
    },
    .device_id = VIRTIO_ID_RNG,
};

static void virtio_rng_register(void)
{
    virtio_device_class_register(&virtio_rng_class);
}
type_init(virtio_rng_register)
