/*
 * virtio-mmio transport (virtio 1.2 section 4.2; see include/hw/virtio/virtio-mmio.h).
 * Version 2 by default, the legacy Version 1 interface (4.2.4) with force-legacy=on.
 *
 * Under KVM, QueueNotify of each ready queue is a doorbell (kvm_doorbell_new):
 * the guest's write of the queue index stays in the kernel, which signals an
 * eventfd, and the queue's handler runs on the main loop. Other writes to
 * QueueNotify (a queue that is not ready, a bad index) still come here.
 */
#include "tern/osdep.h"
#include "block/block-backend.h"
#include "exec/memory.h"
#include "hw/virtio/virtio-mmio.h"
#include "sysemu/kvm.h"

/* Register offsets (spec 4.2.2, and 4.2.4 for the legacy ones) */
enum {
    REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008, REG_VENDOR_ID = 0x00c,
    REG_DEVICE_FEATURES = 0x010, REG_DEVICE_FEATURES_SEL = 0x014,
    REG_DRIVER_FEATURES = 0x020, REG_DRIVER_FEATURES_SEL = 0x024,
    REG_LEGACY_GUEST_PAGE_SIZE = 0x028,
    REG_QUEUE_SEL = 0x030, REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038,
    REG_LEGACY_QUEUE_ALIGN = 0x03c, REG_LEGACY_QUEUE_PFN = 0x040,
    REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050,
    REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070,
    REG_QUEUE_DESC_LOW = 0x080, REG_QUEUE_DESC_HIGH = 0x084,
    REG_QUEUE_DRIVER_LOW = 0x090, REG_QUEUE_DRIVER_HIGH = 0x094,
    REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4,
    REG_SHM_SEL = 0x0ac, REG_SHM_LEN_LOW = 0x0b0, REG_SHM_LEN_HIGH = 0x0b4,
    REG_SHM_BASE_LOW = 0x0b8, REG_SHM_BASE_HIGH = 0x0bc,
    REG_CONFIG_GENERATION = 0x0fc, REG_CONFIG = 0x100,
};

#define VIRTIO_MMIO_MAGIC 0x74726976      /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x554d4551     /* "QEMU", what Linux and firmware expect to see */

typedef struct VirtIOMMIOProxy VirtIOMMIOProxy;

/* The KVM doorbell of one queue: QueueNotify with the queue index as datamatch. */
typedef struct MMIODoorbell {
    VirtIOMMIOProxy *proxy;
    unsigned index;
    KVMDoorbell *bell;            /* NULL: the queue's notifications are MMIO writes */
} MMIODoorbell;

struct VirtIOMMIOProxy {
    DeviceState parent_obj;
    MemoryRegion iomem;
    qemu_irq irq;
    BusState *bus;
    VirtIODevice *vdev;
    bool legacy;
    bool ioeventfd;               /* property: use KVM doorbells when KVM is in use */
    bool doorbells_failed;        /* KVM refused one: warned, not tried again */
    uint32_t host_features_sel, guest_features_sel, queue_sel;
    uint32_t guest_page_size, queue_align;    /* legacy */
    MMIODoorbell doorbell[VIRTIO_QUEUE_MAX];
};

static VirtIOMMIOProxy *proxy_of(DeviceState *dev)
{
    return container_of(dev, VirtIOMMIOProxy, parent_obj);
}

VirtIODevice *virtio_mmio_get_device(DeviceState *transport)
{
    return proxy_of(transport)->vdev;
}

static VirtQueue *selected_queue(VirtIOMMIOProxy *p)
{
    VirtQueue *vq = virtio_get_queue(p->vdev, p->queue_sel);

    return vq && virtio_queue_get_max_num(vq) ? vq : NULL;
}

static uint32_t queue_addr_reg(VirtQueue *vq, hwaddr offset)
{
    hwaddr a[3];

    virtio_queue_get_addrs(vq, &a[0], &a[1], &a[2]);
    hwaddr v = a[(offset - REG_QUEUE_DESC_LOW) / 0x10];
    return offset & 4 ? (uint32_t)(v >> 32) : (uint32_t)v;
}

static void set_queue_addr_reg(VirtQueue *vq, hwaddr offset, uint32_t val)
{
    hwaddr a[3];
    unsigned i = (offset - REG_QUEUE_DESC_LOW) / 0x10;

    virtio_queue_get_addrs(vq, &a[0], &a[1], &a[2]);
    if (offset & 4) {
        a[i] = (a[i] & 0xffffffffull) | ((hwaddr)val << 32);
    } else {
        a[i] = (a[i] & ~0xffffffffull) | val;
    }
    virtio_queue_set_addrs(vq, a[0], a[1], a[2]);
}

static uint64_t legacy_host_features(VirtIOMMIOProxy *p, unsigned sel)
{
    /* a legacy device has no VERSION_1 (spec 4.2.4) */
    return sel == 0 ? virtio_get_host_features_word(p->vdev, 0) : 0;
}

/* ---- KVM doorbells ---- */

static void doorbell_rang(void *opaque)
{
    MMIODoorbell *d = opaque;

    if (d->proxy->vdev) {
        virtio_queue_notify(d->proxy->vdev, d->index);
    }
}

/* Where the guest sees the transport: the region must sit in system memory. */
static bool guest_address(VirtIOMMIOProxy *p, hwaddr *addr)
{
    MemoryRegion *mr = &p->iomem;

    *addr = 0;
    for (; mr->container; mr = mr->container) {
        *addr += mr->addr;
    }
    return mr == get_system_memory() && mr != &p->iomem;
}

static bool queue_is_ready(VirtIOMMIOProxy *p, unsigned i)
{
    VirtQueue *vq = p->vdev ? virtio_get_queue(p->vdev, i) : NULL;

    return vq && virtio_queue_ready(vq);
}

static void doorbell_free(MMIODoorbell *d)
{
    kvm_doorbell_free(d->bell);
    d->bell = NULL;
}

/*
 * A ready queue has a doorbell, any other queue none. Called after whatever
 * may change a queue's readiness: QueueReady, QueuePFN, Status, reset, unplug.
 */
static void update_doorbells(VirtIOMMIOProxy *p)
{
    hwaddr base = 0;
    bool usable = p->ioeventfd && !p->doorbells_failed && kvm_enabled() &&
                  guest_address(p, &base);

    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        MMIODoorbell *d = &p->doorbell[i];
        bool want = usable && queue_is_ready(p, i);
        GError *err = NULL;

        if (!want && d->bell) {
            doorbell_free(d);
        } else if (want && !d->bell) {
            d->proxy = p;
            d->index = i;
            d->bell = kvm_doorbell_new(base + REG_QUEUE_NOTIFY, 4, false, i, doorbell_rang,
                                       d, &err);
            if (!d->bell) {
                /* still correct, only slower: every notification exits to Tern */
                warn_report("virtio-mmio at 0x%" HWADDR_PRIx ": no ioeventfd for "
                            "QueueNotify (%s)", base, err->message);
                g_error_free(err);
                p->doorbells_failed = true;
            }
        }
    }
}

static uint64_t mmio_read(void *opaque, hwaddr offset, unsigned size)
{
    VirtIOMMIOProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    VirtQueue *vq;

    if (offset >= REG_CONFIG) {
        return vdev ? virtio_config_read(vdev, offset - REG_CONFIG, size) : 0;
    }
    if (size != 4) {
        /* spec 4.2.2.2: registers are accessed 32 bits wide only */
        tern_log_mask(LOG_GUEST_ERROR, "virtio-mmio: %u-byte read of register 0x%" HWADDR_PRIx
                      "\n", size, offset);
        return 0;
    }
    switch (offset) {
    case REG_MAGIC:
        return VIRTIO_MMIO_MAGIC;
    case REG_VERSION:
        return p->legacy ? 1 : 2;
    case REG_DEVICE_ID:
        return vdev ? vdev->vdc->device_id : 0;
    case REG_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
    }
    if (!vdev) {
        return 0;
    }
    vq = selected_queue(p);
    switch (offset) {
    case REG_DEVICE_FEATURES:
        return p->legacy ? legacy_host_features(p, p->host_features_sel)
                         : virtio_get_host_features_word(vdev, p->host_features_sel);
    case REG_QUEUE_NUM_MAX:
        return vq ? virtio_queue_get_max_num(vq) : 0;
    case REG_QUEUE_READY:
        return !p->legacy && vq && virtio_queue_ready(vq);
    case REG_LEGACY_QUEUE_PFN:
        if (p->legacy && vq && virtio_queue_ready(vq) && p->guest_page_size) {
            hwaddr desc, avail, used;
            virtio_queue_get_addrs(vq, &desc, &avail, &used);
            return desc / p->guest_page_size;
        }
        return 0;
    case REG_INTERRUPT_STATUS:
        return vdev->isr;
    case REG_STATUS:
        return vdev->status;
    case REG_QUEUE_DESC_LOW ... REG_QUEUE_DEVICE_HIGH:
        if (p->legacy || (offset & 0xf) > 4) {
            break;
        }
        return vq ? queue_addr_reg(vq, offset) : 0;
    case REG_SHM_LEN_LOW: case REG_SHM_LEN_HIGH:
    case REG_SHM_BASE_LOW: case REG_SHM_BASE_HIGH:
        return p->legacy ? 0 : 0xffffffff;    /* no shared memory regions */
    case REG_CONFIG_GENERATION:
        return p->legacy ? 0 : vdev->generation;
    }
    tern_log_mask(LOG_GUEST_ERROR, "virtio-mmio: read of register 0x%" HWADDR_PRIx
                  ", which is write-only or reserved\n", offset);
    return 0;
}

/* Legacy QueuePFN (spec 4.2.4): the whole queue in guest pages from pfn, used ring aligned. */
static void legacy_set_pfn(VirtIOMMIOProxy *p, VirtQueue *vq, uint32_t pfn)
{
    unsigned num = virtio_queue_get_num(vq);
    uint32_t align = p->queue_align;

    if (pfn == 0) {
        virtio_queue_set_ready(vq, false);
        return;
    }
    if (!p->guest_page_size || !align || (align & (align - 1))) {
        virtio_error(p->vdev, "legacy queue %u: GuestPageSize %u / QueueAlign %u unusable",
                     p->queue_sel, p->guest_page_size, align);
        return;
    }
    hwaddr desc = (hwaddr)pfn * p->guest_page_size;
    hwaddr avail = desc + 16ull * num;
    hwaddr used = TERN_ALIGN_UP(avail + 6 + 2ull * num, (hwaddr)align);

    virtio_queue_set_addrs(vq, desc, avail, used);
    virtio_queue_set_ready(vq, true);
}

static void mmio_write(void *opaque, hwaddr offset, uint64_t val64, unsigned size)
{
    VirtIOMMIOProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    uint32_t val = (uint32_t)val64;
    VirtQueue *vq;

    if (!vdev) {
        return;
    }
    if (offset >= REG_CONFIG) {
        virtio_config_write(vdev, offset - REG_CONFIG, val, size);
        return;
    }
    if (size != 4) {
        tern_log_mask(LOG_GUEST_ERROR, "virtio-mmio: %u-byte write of register 0x%"
                      HWADDR_PRIx "\n", size, offset);
        return;
    }
    vq = selected_queue(p);
    switch (offset) {
    case REG_DEVICE_FEATURES_SEL:
        p->host_features_sel = val;
        return;
    case REG_DRIVER_FEATURES:
        virtio_set_guest_features_word(vdev, p->guest_features_sel, val);
        return;
    case REG_DRIVER_FEATURES_SEL:
        p->guest_features_sel = val;
        return;
    case REG_QUEUE_SEL:
        p->queue_sel = val;
        return;
    case REG_QUEUE_NOTIFY:
        virtio_queue_notify(vdev, val);
        return;
    case REG_INTERRUPT_ACK:
        virtio_isr_ack(vdev, val);
        return;
    case REG_STATUS:
        if (val == 0) {
            p->host_features_sel = p->guest_features_sel = p->queue_sel = 0;
        }
        virtio_set_status(vdev, val);
        update_doorbells(p);
        return;
    case REG_SHM_SEL:
        return;
    case REG_LEGACY_GUEST_PAGE_SIZE:
        if (p->legacy) {
            p->guest_page_size = val;
            return;
        }
        break;
    case REG_LEGACY_QUEUE_ALIGN:
        if (p->legacy) {
            p->queue_align = val;
            return;
        }
        break;
    }
    /* the per-queue registers */
    if (offset == REG_QUEUE_NUM || offset == REG_QUEUE_READY ||
        offset == REG_LEGACY_QUEUE_PFN ||
        (offset >= REG_QUEUE_DESC_LOW && offset <= REG_QUEUE_DEVICE_HIGH &&
         (offset & 0xf) <= 4)) {
        bool legacy_reg = offset == REG_LEGACY_QUEUE_PFN;
        bool modern_reg = offset != REG_QUEUE_NUM && !legacy_reg;

        if ((p->legacy && modern_reg) || (!p->legacy && legacy_reg)) {
            goto bad;
        }
        if (!vq) {
            tern_log_mask(LOG_GUEST_ERROR, "virtio-mmio: write to register 0x%" HWADDR_PRIx
                          " for queue %u, which does not exist\n", offset, p->queue_sel);
            return;
        }
        if (offset == REG_QUEUE_READY) {
            virtio_queue_set_ready(vq, val & 1);
            update_doorbells(p);
        } else if (legacy_reg) {
            legacy_set_pfn(p, vq, val);
            update_doorbells(p);
        } else if (virtio_queue_ready(vq)) {
            /* spec 4.2.2.3: not while the queue is enabled */
            tern_log_mask(LOG_GUEST_ERROR, "virtio-mmio: queue %u register 0x%" HWADDR_PRIx
                          " written while the queue is enabled\n", p->queue_sel, offset);
        } else if (offset == REG_QUEUE_NUM) {
            virtio_queue_set_num(vq, val);
        } else {
            set_queue_addr_reg(vq, offset, val);
        }
        return;
    }
bad:
    tern_log_mask(LOG_GUEST_ERROR, "virtio-mmio: write of 0x%x to register 0x%" HWADDR_PRIx
                  ", which is read-only or reserved\n", val, offset);
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static void mmio_update_irq(void *opaque, VirtIODevice *vdev)
{
    VirtIOMMIOProxy *p = opaque;

    qemu_set_irq(p->irq, vdev->isr != 0);
}

static const VirtioTransportOps mmio_transport_ops = {
    .update_irq = mmio_update_irq,
};

static bool mmio_plug(BusState *bus, DeviceState *dev, GError **errp)
{
    VirtIOMMIOProxy *p = proxy_of(bus->parent);

    p->vdev = to_virtio_device(dev);
    virtio_bind_transport(p->vdev, &mmio_transport_ops, p);
    return true;
}

static void mmio_unplug(BusState *bus, DeviceState *dev)
{
    VirtIOMMIOProxy *p = proxy_of(bus->parent);

    if (p->vdev == to_virtio_device(dev)) {
        virtio_bind_transport(p->vdev, NULL, NULL);
        p->vdev = NULL;
        update_doorbells(p);
        qemu_set_irq(p->irq, 0);
    }
}

static void mmio_instance_init(DeviceState *dev)
{
    VirtIOMMIOProxy *p = proxy_of(dev);

    memory_region_init_io(&p->iomem, &mmio_ops, p, TYPE_VIRTIO_MMIO, VIRTIO_MMIO_SIZE);
    device_init_mmio(dev, &p->iomem);
    device_init_irq(dev, &p->irq);
}

static void mmio_instance_finalize(DeviceState *dev)
{
    VirtIOMMIOProxy *p = proxy_of(dev);

    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        doorbell_free(&p->doorbell[i]);
    }
    if (p->iomem.container) {
        memory_region_del_subregion(p->iomem.container, &p->iomem);
    }
    memory_region_destroy(&p->iomem);
}

static bool mmio_realize(DeviceState *dev, GError **errp)
{
    VirtIOMMIOProxy *p = proxy_of(dev);

    p->bus = qbus_new(TYPE_VIRTIO_BUS, dev, NULL, 1);
    p->bus->plug = mmio_plug;
    p->bus->unplug = mmio_unplug;
    return true;
}

static void mmio_reset(DeviceState *dev)
{
    VirtIOMMIOProxy *p = proxy_of(dev);

    p->host_features_sel = p->guest_features_sel = p->queue_sel = 0;
    p->guest_page_size = p->queue_align = 0;
    if (p->vdev) {
        virtio_reset(p->vdev);
    }
    update_doorbells(p);
}

static const Property mmio_props[] = {
    DEFINE_PROP_BOOL("force-legacy", VirtIOMMIOProxy, legacy, false,
                     .desc = "present the legacy (version 1) interface"),
    DEFINE_PROP_BOOL("ioeventfd", VirtIOMMIOProxy, ioeventfd, true,
                     .desc = "under KVM, take QueueNotify writes in the kernel (ioeventfd)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass virtio_mmio_class = {
    .name = TYPE_VIRTIO_MMIO,
    .desc = "virtio-mmio transport",
    .category = "misc",
    .instance_size = sizeof(VirtIOMMIOProxy),
    .props = mmio_props,
    .instance_init = mmio_instance_init,
    .instance_finalize = mmio_instance_finalize,
    .realize = mmio_realize,
    .reset = mmio_reset,
};

bool virtio_mmio_create_drives(GError **errp)
{
    BlockBackend *blk, *last = NULL;

    while ((blk = drive_next_unclaimed("virtio"))) {
        g_autofree char *opts = g_strdup_printf("virtio-blk-device,drive=%s", blk_name(blk));

        g_assert(blk != last);      /* the device claims it */
        if (!qdev_device_add(opts, errp)) {
            error_prepend(errp, "-drive %s,if=virtio: ", blk_name(blk));
            return false;
        }
        last = blk;
    }
    return true;
}

static void virtio_mmio_register(void)
{
    device_class_register(&virtio_mmio_class);
}
type_init(virtio_mmio_register)
