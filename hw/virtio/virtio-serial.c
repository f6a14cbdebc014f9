/*
 * virtio-serial-device: a virtio console (virtio 1.2 section 5.3) with a
 * single port, which Linux drives as an hvc console (hvc0, or hvc1 on RISC-V
 * kernels whose SBI console takes hvc0). As under QEMU, the port is a
 * separate device on the console's "virtio-serial-bus":
 *
 *     -chardev stdio,id=c0 -device virtio-serial-device -device virtconsole,chardev=c0
 *
 * or, shorter, -device virtio-serial-device,chardev=c0 (a built-in port).
 *
 * Without VIRTIO_CONSOLE_F_MULTIPORT the device has one receive queue (0) and
 * one transmit queue (1), both for port 0 (spec 5.3.2). Input from the
 * chardev goes into one driver buffer at a time; when there is none the
 * chardev holds its input until the driver adds buffers.
 */
#include "tern/osdep.h"
#include "hw/virtio/virtio.h"
#include "chardev/char.h"

#define TYPE_VIRTIO_SERIAL_BUS "virtio-serial-bus"
#define CONSOLE_CONFIG_SIZE 12          /* cols, rows, max_nr_ports, emerg_wr (spec 5.3.4) */
#define CONSOLE_QUEUE_SIZE 128

typedef struct VirtConsole {
    DeviceState parent_obj;
    Chardev *chr;
    CharBackend be;
} VirtConsole;

typedef struct VirtIOSerial {
    VirtIODevice parent_obj;
    VirtQueue *rx, *tx;
    BusState *bus;
    VirtConsole builtin;                /* the port when chardev= is given here */
    VirtConsole *port;
    VirtQueueElement *rx_elem;          /* driver buffer being offered to the chardev */
} VirtIOSerial;

static VirtIOSerial *serial_of(VirtIODevice *vdev)
{
    return container_of(vdev, VirtIOSerial, parent_obj);
}

/* ---- guest to host ---- */

static void serial_handle_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerial *s = serial_of(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        for (unsigned i = 0; i < elem->out_num && s->port; i++) {
            qemu_chr_fe_write_all(&s->port->be, elem->out_sg[i].iov_base,
                                  (int)elem->out_sg[i].iov_len);
        }
        virtqueue_push(vq, elem, 0);
        g_free(elem);
    }
    virtio_notify(vdev, vq);
}

/* ---- host to guest ---- */

static bool driver_ready(VirtIOSerial *s)
{
    return (s->parent_obj.status & VIRTIO_CONFIG_S_DRIVER_OK) && !s->parent_obj.broken;
}

static int console_can_read(void *opaque)
{
    VirtIOSerial *s = opaque;

    if (!driver_ready(s)) {
        return 0;
    }
    if (!s->rx_elem) {
        s->rx_elem = virtqueue_pop(s->rx);
    }
    if (!s->rx_elem) {
        return 0;
    }
    return (int)MIN(virtio_iov_size(s->rx_elem->in_sg, s->rx_elem->in_num), INT_MAX);
}

static void console_read(void *opaque, const uint8_t *buf, int size)
{
    VirtIOSerial *s = opaque;
    size_t n;

    if (!s->rx_elem || !driver_ready(s)) {
        return;                         /* only after can_read said yes */
    }
    n = virtio_iov_from_buf(s->rx_elem->in_sg, s->rx_elem->in_num, 0, buf, size);
    virtqueue_push(s->rx, s->rx_elem, n);
    g_free(s->rx_elem);
    s->rx_elem = NULL;
    virtio_notify(&s->parent_obj, s->rx);
}

static void serial_handle_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerial *s = serial_of(vdev);

    /* new receive buffers: let the chardev deliver what it holds */
    if (s->port) {
        qemu_chr_fe_accept_input(&s->port->be);
    }
}

static void serial_drop_rx_elem(VirtIOSerial *s)
{
    g_free(s->rx_elem);
    s->rx_elem = NULL;
}

static void serial_reset(VirtIODevice *vdev)
{
    serial_drop_rx_elem(serial_of(vdev));
}

static void serial_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIOSerial *s = serial_of(vdev);

    if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && s->port) {
        qemu_chr_fe_accept_input(&s->port->be);
    }
}

/* ---- the port bus ---- */

static void serial_attach_port(VirtIOSerial *s, VirtConsole *port)
{
    s->port = port;
    qemu_chr_fe_set_handlers(&port->be, console_can_read, console_read, NULL, s);
}

static bool serial_plug(BusState *bus, DeviceState *dev, GError **errp)
{
    VirtIOSerial *s = serial_of(to_virtio_device(bus->parent));

    if (s->port) {
        error_setg(errp, "the virtio-serial-device already has its port (chardev=%s)",
                   qemu_chr_label(s->port->chr));
        return false;
    }
    serial_attach_port(s, container_of(dev, VirtConsole, parent_obj));
    return true;
}

static void serial_unplug(BusState *bus, DeviceState *dev)
{
    VirtIOSerial *s = serial_of(to_virtio_device(bus->parent));

    if (s->port && &s->port->parent_obj == dev) {
        qemu_chr_fe_set_handlers(&s->port->be, NULL, NULL, NULL, NULL);
        s->port = NULL;
    }
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    VirtIOSerial *s = serial_of(to_virtio_device(dev));

    virtio_init(&s->parent_obj, CONSOLE_CONFIG_SIZE, 0);
    s->rx = virtio_add_queue(&s->parent_obj, CONSOLE_QUEUE_SIZE, serial_handle_rx);
    s->tx = virtio_add_queue(&s->parent_obj, CONSOLE_QUEUE_SIZE, serial_handle_tx);
    s->bus = qbus_new(TYPE_VIRTIO_SERIAL_BUS, dev, NULL, 1);
    s->bus->plug = serial_plug;
    s->bus->unplug = serial_unplug;
    if (s->builtin.chr) {
        if (!qemu_chr_fe_init(&s->builtin.be, s->builtin.chr, errp)) {
            virtio_cleanup(&s->parent_obj);
            return false;
        }
        serial_attach_port(s, &s->builtin);
    }
    return true;
}

static void serial_unrealize(DeviceState *dev)
{
    VirtIOSerial *s = serial_of(to_virtio_device(dev));

    serial_drop_rx_elem(s);
    if (s->port == &s->builtin) {
        qemu_chr_fe_deinit(&s->builtin.be);
        s->port = NULL;
    }
    virtio_cleanup(&s->parent_obj);
}

static const Property serial_props[] = {
    DEFINE_PROP_CHR("chardev", VirtIOSerial, builtin.chr,
                    .desc = "chardev for the console port (instead of a virtconsole)"),
    DEFINE_PROP_END_OF_LIST(),
};

static VirtioDeviceClass virtio_serial_class = {
    .parent = {
        .name = "virtio-serial-device",
        .desc = "Virtio console with one port (chardev=ID, or add -device virtconsole,chardev=ID)",
        .category = "input",
        .instance_size = sizeof(VirtIOSerial),
        .user_creatable = true,
        .props = serial_props,
        .realize = serial_realize,
        .unrealize = serial_unrealize,
    },
    .device_id = VIRTIO_ID_CONSOLE,
    .set_status = serial_set_status,
    .reset = serial_reset,
};

/* ---- virtconsole: the port ---- */

static bool console_realize(DeviceState *dev, GError **errp)
{
    VirtConsole *port = container_of(dev, VirtConsole, parent_obj);

    if (!port->chr) {
        error_setg(errp, "chardev=ID is required");
        return false;
    }
    return qemu_chr_fe_init(&port->be, port->chr, errp);
}

static void console_unrealize(DeviceState *dev)
{
    qemu_chr_fe_deinit(&container_of(dev, VirtConsole, parent_obj)->be);
}

static const Property console_props[] = {
    DEFINE_PROP_CHR("chardev", VirtConsole, chr, .desc = "the -chardev id of the console"),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass virtconsole_class = {
    .name = "virtconsole",
    .desc = "Console port of a virtio-serial-device",
    .category = "input",
    .instance_size = sizeof(VirtConsole),
    .user_creatable = true,
    .bus_type = TYPE_VIRTIO_SERIAL_BUS,
    .props = console_props,
    .realize = console_realize,
    .unrealize = console_unrealize,
};

static void virtio_serial_register(void)
{
    virtio_device_class_register(&virtio_serial_class);
    device_class_register(&virtconsole_class);
}
type_init(virtio_serial_register)
