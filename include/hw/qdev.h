/*
 * The device model. A device type is a DeviceClass registered by name (the
 * registry `-device help` lists). An instance is created with qdev_new(),
 * configured through typed properties (from `-device name,prop=val` or by a
 * board in C), then realized, which makes it live; machine reset calls every
 * realized device's reset. Devices expose MMIO regions and IRQ output lines
 * (the "system bus" part) and may sit on a bus (e.g. a virtio transport's
 * virtio-bus) that -device finds by the class's bus_type.
 *
 * Device state lives in the instance struct, which embeds DeviceState as its
 * first member; DEVICE(x) and container_of convert.
 */
#ifndef HW_QDEV_H
#define HW_QDEV_H

#include "tern/osdep.h"
#include "exec/memory.h"
#include "hw/irq.h"

typedef struct DeviceState DeviceState;
typedef struct DeviceClass DeviceClass;
typedef struct BusState BusState;
typedef struct Property Property;

/* ---- properties ---- */

typedef struct PropertyInfo {
    const char *type_name;            /* "uint32", "bool", "str", "size", "chardev", "drive", "netdev" */
    /* Parse str into the field at (char *)dev + prop->offset. */
    bool (*parse)(DeviceState *dev, const Property *prop, const char *str, GError **errp);
    /* Store the default (prop->defval / prop->defstr). */
    void (*set_default)(DeviceState *dev, const Property *prop);
    /* Current value as text (for help and info), g_free'd by the caller. */
    char *(*print)(DeviceState *dev, const Property *prop);
    void (*release)(DeviceState *dev, const Property *prop);   /* optional */
} PropertyInfo;

struct Property {
    const char *name;
    const PropertyInfo *info;
    size_t offset;
    uint64_t defval;
    const char *defstr;
    const char *desc;
};

extern const PropertyInfo prop_info_bool, prop_info_uint8, prop_info_uint16,
    prop_info_uint32, prop_info_uint64, prop_info_size, prop_info_string,
    prop_info_chr, prop_info_drive, prop_info_netdev;

/*
 * Each DEFINE_PROP_* takes optional trailing designators, e.g.
 * DEFINE_PROP_UINT32("regshift", S, regshift, 0, .desc = "register spacing: 1 << regshift"),
 * shown by -device NAME,help.
 */
#define DEFINE_PROP(_name, _info, _type, _state, _field, _def, ...)        \
    { .name = (_name), .info = &(_info),                                    \
      .offset = offsetof(_state, _field) +                                  \
          0 * sizeof(((_state *)0)->_field == (_type)0),                    \
      .defval = (uint64_t)(_def), ##__VA_ARGS__ }
#define DEFINE_PROP_BOOL(n, s, f, d, ...)   DEFINE_PROP(n, prop_info_bool, bool, s, f, d, ##__VA_ARGS__)
#define DEFINE_PROP_UINT8(n, s, f, d, ...)  DEFINE_PROP(n, prop_info_uint8, uint8_t, s, f, d, ##__VA_ARGS__)
#define DEFINE_PROP_UINT16(n, s, f, d, ...) DEFINE_PROP(n, prop_info_uint16, uint16_t, s, f, d, ##__VA_ARGS__)
#define DEFINE_PROP_UINT32(n, s, f, d, ...) DEFINE_PROP(n, prop_info_uint32, uint32_t, s, f, d, ##__VA_ARGS__)
#define DEFINE_PROP_UINT64(n, s, f, d, ...) DEFINE_PROP(n, prop_info_uint64, uint64_t, s, f, d, ##__VA_ARGS__)
#define DEFINE_PROP_SIZE(n, s, f, d, ...)   DEFINE_PROP(n, prop_info_size, uint64_t, s, f, d, ##__VA_ARGS__)
/* char * field, g_free'd on release; default NULL (or .defstr = "...") */
#define DEFINE_PROP_STRING(n, s, f, ...) \
    { .name = (n), .info = &prop_info_string, .offset = offsetof(s, f), ##__VA_ARGS__ }
/* struct Chardev * field: the chardev with that id (-chardev id=...) */
#define DEFINE_PROP_CHR(n, s, f, ...) \
    { .name = (n), .info = &prop_info_chr, .offset = offsetof(s, f), ##__VA_ARGS__ }
/* struct BlockBackend * field: the drive/blockdev with that id or node-name;
 * the device claims it (blk_claim) in realize */
#define DEFINE_PROP_DRIVE(n, s, f, ...) \
    { .name = (n), .info = &prop_info_drive, .offset = offsetof(s, f), ##__VA_ARGS__ }
/* struct NetClientState * field: the -netdev with that id */
#define DEFINE_PROP_NETDEV(n, s, f, ...) \
    { .name = (n), .info = &prop_info_netdev, .offset = offsetof(s, f), ##__VA_ARGS__ }
#define DEFINE_PROP_END_OF_LIST()      { .name = NULL }

/* ---- classes ---- */

struct DeviceClass {
    const char *name;                 /* "virtio-blk-device", "ns16550a" */
    const char *desc;
    const char *category;             /* "storage", "network", "misc", ... for -device help */
    size_t instance_size;             /* of the struct embedding DeviceState */
    bool user_creatable;              /* may be created with -device */
    const char *bus_type;             /* bus this device plugs into; NULL: system bus */
    const Property *props;            /* terminated by DEFINE_PROP_END_OF_LIST() */
    void (*instance_init)(DeviceState *dev);      /* after defaults, before props */
    /* Undo instance_init when the device is deleted (optional). */
    void (*instance_finalize)(DeviceState *dev);
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
};

void device_class_register(const DeviceClass *dc);
const DeviceClass *device_class_find(const char *name);
/* Classes sorted by name. */
GPtrArray *device_class_list(void);

/* Run fn at program start (registration of devices, machines, accelerators). */
#define type_init(fn) \
    static void __attribute__((constructor)) tern_type_init_##fn(void) { fn(); }

/* ---- instances ---- */

#define DEVICE_MAX_MMIO 8

struct DeviceState {
    const DeviceClass *dc;
    char *id;
    bool realized;
    BusState *parent_bus;
    GPtrArray *child_buses;
    /* system bus view */
    MemoryRegion *mmio[DEVICE_MAX_MMIO];
    int num_mmio;
    qemu_irq *irq_out[32];            /* pointers to the device's own qemu_irq fields */
    int num_irq_out;
    qemu_irq *gpio_in;                /* input lines (interrupt controllers, CPUs) */
    int num_gpio_in;
};

#define DEVICE(obj) (&(obj)->parent_obj)

/* Create an instance with property defaults applied; NULL and error if unknown. */
DeviceState *qdev_new(const char *name, GError **errp);
/* qdev_new or exit with the error (boards create only types they know). */
DeviceState *qdev_new_or_exit(const char *name);
bool qdev_prop_set(DeviceState *dev, const char *name, const char *value, GError **errp);
/* Typed shortcuts for boards (abort on programming errors). */
void qdev_prop_set_uint32(DeviceState *dev, const char *name, uint32_t v);
void qdev_prop_set_uint64(DeviceState *dev, const char *name, uint64_t v);
void qdev_prop_set_bool(DeviceState *dev, const char *name, bool v);
void qdev_prop_set_string(DeviceState *dev, const char *name, const char *v);
void qdev_prop_set_ptr(DeviceState *dev, const char *name, void *v);  /* chr/drive/netdev */
/* Realize, plugging into bus (NULL: the system bus). Realize does not reset:
 * machine start and machine reset call qdev_reset_all(). */
bool qdev_realize(DeviceState *dev, BusState *bus, GError **errp);
/* qdev_realize or exit with the error. */
void qdev_realize_or_exit(DeviceState *dev, BusState *bus);
void qdev_unrealize(DeviceState *dev);
/* Unrealize if needed, release properties and free (e.g. after a failed realize). */
void qdev_delete(DeviceState *dev);
/* The class's property of that name, or NULL. */
const Property *qdev_prop_find(const DeviceClass *dc, const char *name);
DeviceState *qdev_find_id(const char *id);
/* Reset every realized device (machine reset). */
void qdev_reset_all(void);

/* -device NAME,prop=val,...: create, set properties, find a bus, realize. */
DeviceState *qdev_device_add(const char *optstr, GError **errp);
/* -device help / -device NAME,help output. Return true if optstr asked for help. */
bool qdev_device_help(const char *optstr, FILE *out);

/* system-bus style resources */
void device_init_mmio(DeviceState *dev, MemoryRegion *mr);
void device_init_irq(DeviceState *dev, qemu_irq *p);
/* n input lines 0..n-1; the handler gets the DeviceState as opaque. Once per device. */
void device_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n);
MemoryRegion *device_mmio(DeviceState *dev, int n);
qemu_irq device_gpio_in(DeviceState *dev, int n);
/* Map mmio region n into the system address space. */
void sysbus_mmio_map(DeviceState *dev, int n, hwaddr addr);
/* Connect output line n of dev to irq. */
void sysbus_connect_irq(DeviceState *dev, int n, qemu_irq irq);

/* ---- buses ---- */

struct BusState {
    char *name;
    const char *type;                 /* matched against DeviceClass.bus_type */
    DeviceState *parent;
    GPtrArray *children;
    int max_children;                 /* 0: unlimited */
    /* Called after a device on this bus is realized (optional); failing
     * unrealizes it again. */
    bool (*plug)(BusState *bus, DeviceState *dev, GError **errp);
    /* Called when a plugged device is unrealized (optional). */
    void (*unplug)(BusState *bus, DeviceState *dev);
};

BusState *qbus_new(const char *type, DeviceState *parent, const char *name, int max_children);
/* First bus of the type with room, in creation order (what -device uses). */
BusState *qbus_find_free(const char *type);
BusState *qbus_find(const char *name);

#endif
