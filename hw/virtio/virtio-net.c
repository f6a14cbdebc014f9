/*
 * virtio-net-device: an Ethernet card (virtio 1.2 section 5.1) attached to a
 * network backend (-netdev ID, include/net/net.h). Offers VIRTIO_NET_F_MAC,
 * F_STATUS (the link is always up) and F_MRG_RXBUF; no checksum or
 * segmentation offloads, so every frame carries a zeroed header.
 *
 * Queue 0 receives (guest-writable buffers), queue 1 transmits. Frames for
 * the guest that find no buffers wait in the backend's queue until the
 * driver posts some (its notification flushes them).
 */
#include "tern/osdep.h"
#include "hw/virtio/virtio.h"
#include "net/net.h"

/* Feature bits (spec 5.1.3) */
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_MRG_RXBUF  15
#define VIRTIO_NET_F_STATUS     16

#define VIRTIO_NET_S_LINK_UP    1       /* config status (spec 5.1.4) */
#define NET_CONFIG_LEN          8       /* mac[6], status (spec 5.1.4) */
#define NET_QUEUE_SIZE          256
#define RX_QUEUE                0
#define TX_QUEUE                1
#define TX_BURST                256     /* frames sent per notification before yielding */

/* struct virtio_net_hdr_v1 (spec 5.1.6): 12 bytes, num_buffers last */
#define NET_HDR_LEN             12
#define NET_HDR_LEN_LEGACY      10      /* without num_buffers */
#define NET_HDR_NUM_BUFFERS     10

typedef struct VirtIONet {
    VirtIODevice parent_obj;
    NetClientState *netdev;     /* netdev= property: the backend */
    char *mac_str;              /* mac= property */
    uint8_t mac[6];
    NetClientState *nic;        /* our side of the pair */
    VirtQueue *rx, *tx;
    guint tx_idle;              /* main-loop source finishing a long tx burst */
} VirtIONet;

static VirtIONet *to_net(VirtIODevice *vdev)
{
    return container_of(vdev, VirtIONet, parent_obj);
}

static size_t hdr_len(VirtIODevice *vdev)
{
    return virtio_has_feature(vdev, VIRTIO_F_VERSION_1) ||
           virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF) ? NET_HDR_LEN : NET_HDR_LEN_LEGACY;
}

static bool driver_ready(VirtIODevice *vdev)
{
    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken;
}

/* ---- transmit ---- */

static gboolean tx_continue(gpointer opaque);

static void tx_flush(VirtIONet *n)
{
    VirtIODevice *vdev = &n->parent_obj;
    size_t hlen = hdr_len(vdev);
    VirtQueueElement *elem;
    unsigned sent = 0;

    while (driver_ready(vdev) && (elem = virtqueue_pop(n->tx))) {
        size_t total = virtio_iov_size(elem->out_sg, elem->out_num);
        g_autofree uint8_t *frame = NULL;

        /* spec 5.1.6.2: each packet starts with the header; nothing is offloaded */
        if (total < hlen) {
            virtio_error(vdev, "virtio-net: transmit buffer of %zu bytes is shorter than the "
                         "%zu-byte header", total, hlen);
            g_free(elem);
            break;
        }
        if (total - hlen > NET_PACKET_MAX) {
            tern_log_mask(LOG_GUEST_ERROR, "virtio-net: dropping a %zu-byte frame (maximum "
                          "%u)\n", total - hlen, NET_PACKET_MAX);
        } else if (total > hlen) {
            frame = g_malloc(total - hlen);
            virtio_iov_to_buf(elem->out_sg, elem->out_num, hlen, frame, total - hlen);
            qemu_send_packet(n->nic, frame, total - hlen);
        }
        virtqueue_push(n->tx, elem, 0);
        g_free(elem);
        if (++sent == TX_BURST) {
            /* more may be waiting: let the main loop run, then go on */
            if (!n->tx_idle) {
                n->tx_idle = g_idle_add(tx_continue, n);
            }
            break;
        }
    }
    virtio_notify(vdev, n->tx);
}

static gboolean tx_continue(gpointer opaque)
{
    VirtIONet *n = opaque;

    n->tx_idle = 0;
    tx_flush(n);
    return G_SOURCE_REMOVE;
}

static void net_handle_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    tx_flush(to_net(vdev));
}

/* ---- receive ---- */

static bool net_can_receive(NetClientState *nc)
{
    VirtIONet *n = nc->opaque;

    return driver_ready(&n->parent_obj) && virtio_queue_ready(n->rx) &&
           !virtio_queue_empty(n->rx);
}

/* Return the first count popped elements to the ring, newest first. */
static void unpop_all(VirtQueue *vq, VirtQueueElement **elems, unsigned count)
{
    while (count) {
        virtqueue_unpop(vq, elems[--count]);
        g_free(elems[count]);
    }
}

/*
 * One frame into as many receive buffers as it takes (one without
 * MRG_RXBUF), header first (spec 5.1.6.3, 5.1.6.4). Returns 0 (frame kept
 * queued) when the driver has not posted enough buffers yet.
 */
static ssize_t net_receive(NetClientState *nc, const uint8_t *buf, size_t len)
{
    VirtIONet *n = nc->opaque;
    VirtIODevice *vdev = &n->parent_obj;
    bool mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
    size_t hlen = hdr_len(vdev), total = hlen + len, done = 0;
    uint8_t hdr[NET_HDR_LEN] = { 0 };
    VirtQueueElement *elems[NET_QUEUE_SIZE] = { NULL };
    uint32_t lens[NET_QUEUE_SIZE];
    unsigned count = 0;

    if (!net_can_receive(nc)) {
        return 0;
    }
    while (done < total) {
        VirtQueueElement *elem;
        size_t room, l;

        if (count == NET_QUEUE_SIZE || !(elem = virtqueue_pop(n->rx))) {
            unpop_all(n->rx, elems, count);
            return vdev->broken ? len : 0;
        }
        room = virtio_iov_size(elem->in_sg, elem->in_num);
        if (elem->out_num || (count == 0 && room < hlen)) {
            virtio_error(vdev, "virtio-net: receive buffer %u %s", elem->index,
                         elem->out_num ? "has device-readable parts"
                                       : "is too small for the header");
            g_free(elem);
            unpop_all(n->rx, elems, count);
            return len;
        }
        if (!mergeable && room < total) {
            virtio_error(vdev, "virtio-net: receive buffer of %zu bytes is too small for a "
                         "%zu-byte frame without VIRTIO_NET_F_MRG_RXBUF", room, len);
            g_free(elem);
            return len;
        }
        l = MIN(room, total - done);
        if (count == 0) {
            virtio_iov_from_buf(elem->in_sg, elem->in_num, hlen, buf, l - hlen);
        } else {
            virtio_iov_from_buf(elem->in_sg, elem->in_num, 0, buf + done - hlen, l);
        }
        elems[count] = elem;
        lens[count++] = l;
        done += l;
    }
    /* the header, with the number of buffers used, goes into the first one */
    if (hlen == NET_HDR_LEN) {
        hdr[NET_HDR_NUM_BUFFERS] = count & 0xff;
        hdr[NET_HDR_NUM_BUFFERS + 1] = count >> 8;
    }
    virtio_iov_from_buf(elems[0]->in_sg, elems[0]->in_num, 0, hdr, hlen);
    for (unsigned i = 0; i < count; i++) {
        virtqueue_fill(n->rx, elems[i], lens[i], i);
        g_free(elems[i]);
    }
    virtqueue_flush(n->rx, count);
    virtio_notify(vdev, n->rx);
    return len;
}

/* The driver posted receive buffers. */
static void net_handle_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    qemu_flush_queued_packets(to_net(vdev)->nic);
}

static void net_set_status(VirtIODevice *vdev, uint8_t status)
{
    if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
        qemu_flush_queued_packets(to_net(vdev)->nic);
    }
}

static const NetClientInfo net_nic_info = {
    .type = "nic",
    .receive = net_receive,
    .can_receive = net_can_receive,
};

/* ---- device ---- */

static void net_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIONet *n = to_net(vdev);

    memcpy(config, n->mac, 6);
    config[6] = VIRTIO_NET_S_LINK_UP;
    config[7] = 0;
}

static void net_reset(VirtIODevice *vdev)
{
    VirtIONet *n = to_net(vdev);

    if (n->tx_idle) {
        g_source_remove(n->tx_idle);
        n->tx_idle = 0;
    }
}

static bool net_realize(DeviceState *dev, GError **errp)
{
    VirtIONet *n = container_of(to_virtio_device(dev), VirtIONet, parent_obj);
    /* QEMU's default addresses: 52:54:00:12:34:56 for the first card, then :57, ... */
    static unsigned default_mac_index;

    if (!n->netdev) {
        error_setg(errp, "netdev=ID is required (a -netdev user,id=ID or tap backend)");
        return false;
    }
    if (n->netdev->peer) {
        error_setg(errp, "netdev '%s' is already in use by another NIC", n->netdev->name);
        return false;
    }
    if (n->mac_str) {
        if (!net_parse_macaddr(n->mac_str, n->mac)) {
            error_setg(errp, "mac '%s' is not a MAC address (like 52:54:00:12:34:56)",
                       n->mac_str);
            return false;
        }
        if (n->mac[0] & 1) {
            error_setg(errp, "mac '%s' is a multicast address", n->mac_str);
            return false;
        }
    } else {
        static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

        memcpy(n->mac, base, 6);
        n->mac[5] += default_mac_index++;
    }
    virtio_init(&n->parent_obj, NET_CONFIG_LEN, (1ull << VIRTIO_NET_F_MAC) |
                (1ull << VIRTIO_NET_F_STATUS) | (1ull << VIRTIO_NET_F_MRG_RXBUF));
    n->rx = virtio_add_queue(&n->parent_obj, NET_QUEUE_SIZE, net_handle_rx);
    n->tx = virtio_add_queue(&n->parent_obj, NET_QUEUE_SIZE, net_handle_tx);
    n->nic = qemu_new_net_client(&net_nic_info, n->netdev, dev->dc->name, n);
    return true;
}

static void net_unrealize(DeviceState *dev)
{
    VirtIONet *n = container_of(to_virtio_device(dev), VirtIONet, parent_obj);

    net_reset(&n->parent_obj);
    qemu_del_net_client(n->nic);
    n->nic = NULL;
    virtio_cleanup(&n->parent_obj);
}

static const Property net_props[] = {
    DEFINE_PROP_NETDEV("netdev", VirtIONet, netdev, .desc = "the -netdev backend ID"),
    DEFINE_PROP_STRING("mac", VirtIONet, mac_str,
                       .desc = "MAC address (default 52:54:00:12:34:56, then :57, ...)"),
    DEFINE_PROP_END_OF_LIST(),
};

static VirtioDeviceClass virtio_net_class = {
    .parent = {
        .name = "virtio-net-device",
        .desc = "Virtio network card",
        .category = "network",
        .instance_size = sizeof(VirtIONet),
        .user_creatable = true,
        .props = net_props,
        .realize = net_realize,
        .unrealize = net_unrealize,
    },
    .device_id = VIRTIO_ID_NET,
    .get_config = net_get_config,
    .set_status = net_set_status,
    .reset = net_reset,
};

static void virtio_net_register(void)
{
    virtio_device_class_register(&virtio_net_class);
}
type_init(virtio_net_register)
