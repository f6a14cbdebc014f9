/*
 * The device model core: the type registry, instances, realize/reset, and
 * the system-bus resources (MMIO regions, IRQ lines). Properties are in
 * qdev-properties.c, -device parsing and help in qdev-cmdline.c.
 */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "qdev-internal.h"

static GHashTable *classes;       /* name -> const DeviceClass * */
static GPtrArray *all_devices;    /* in creation order; reset follows it */

void device_class_register(const DeviceClass *dc)
{
    if (!classes) {
        classes = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_assert(dc->instance_size >= sizeof(DeviceState));
    g_assert(!g_hash_table_contains(classes, dc->name));
    g_hash_table_insert(classes, (gpointer)dc->name, (gpointer)dc);
}

const DeviceClass *device_class_find(const char *name)
{
    return classes ? g_hash_table_lookup(classes, name) : NULL;
}

static gint class_cmp(gconstpointer a, gconstpointer b)
{
    const DeviceClass *x = *(const DeviceClass *const *)a;
    const DeviceClass *y = *(const DeviceClass *const *)b;

    return strcmp(x->name, y->name);
}

GPtrArray *device_class_list(void)
{
    GPtrArray *list = g_ptr_array_new();

    if (classes) {
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, classes);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            g_ptr_array_add(list, value);
        }
    }
    g_ptr_array_sort(list, class_cmp);
    return list;
}

DeviceState *qdev_new(const char *name, GError **errp)
{
    const DeviceClass *dc = device_class_find(name);
    DeviceState *dev;

    if (!dc) {
        error_setg(errp, "no such device type '%s'", name);
        return NULL;
    }
    dev = g_malloc0(dc->instance_size);
    dev->dc = dc;
    dev->child_buses = g_ptr_array_new();
    qdev_prop_set_defaults(dev);
    if (dc->instance_init) {
        dc->instance_init(dev);
    }
    if (!all_devices) {
        all_devices = g_ptr_array_new();
    }
    g_ptr_array_add(all_devices, dev);
    return dev;
}

void qdev_delete(DeviceState *dev)
{
    if (!dev) {
        return;
    }
    qdev_unrealize(dev);
    if (dev->dc->instance_finalize) {
        dev->dc->instance_finalize(dev);
    }
    qdev_prop_release_all(dev);
    g_ptr_array_remove(all_devices, dev);
    for (unsigned i = 0; i < dev->child_buses->len; i++) {
        qbus_free(g_ptr_array_index(dev->child_buses, i));
    }
    g_ptr_array_free(dev->child_buses, true);
    qemu_free_irqs(dev->gpio_in, dev->num_gpio_in);
    g_free(dev->id);
    g_free(dev);
}

bool qdev_realize(DeviceState *dev, BusState *bus, GError **errp)
{
    const DeviceClass *dc = dev->dc;

    if (dev->realized) {
        error_setg(errp, "device '%s' is already realized", dc->name);
        return false;
    }
    if (!bus && dc->bus_type) {
        error_setg(errp, "device '%s' needs a %s to plug into", dc->name, dc->bus_type);
        return false;
    }
    if (bus && !qbus_attach(bus, dev, errp)) {
        return false;
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        qbus_detach(dev);
        return false;
    }
    if (bus && bus->plug && !bus->plug(bus, dev, errp)) {
        if (dc->unrealize) {
            dc->unrealize(dev);
        }
        qbus_detach(dev);
        return false;
    }
    dev->realized = true;
    return true;
}

DeviceState *qdev_new_or_exit(const char *name)
{
    GError *err = NULL;
    DeviceState *dev = qdev_new(name, &err);

    if (!dev) {
        error_exit_err(err);
    }
    return dev;
}

void qdev_realize_or_exit(DeviceState *dev, BusState *bus)
{
    GError *err = NULL;

    if (!qdev_realize(dev, bus, &err)) {
        error_prepend(&err, "%s: ", dev->id ? dev->id : dev->dc->name);
        error_exit_err(err);
    }
}

void qdev_unrealize(DeviceState *dev)
{
    if (!dev->realized) {
        return;
    }
    if (dev->parent_bus && dev->parent_bus->unplug) {
        dev->parent_bus->unplug(dev->parent_bus, dev);
    }
    if (dev->dc->unrealize) {
        dev->dc->unrealize(dev);
    }
    qbus_detach(dev);
    dev->realized = false;
}

DeviceState *qdev_find_id(const char *id)
{
    for (unsigned i = 0; all_devices && i < all_devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(all_devices, i);

        if (dev->id && !strcmp(dev->id, id)) {
            return dev;
        }
    }
    return NULL;
}

void qdev_reset_all(void)
{
    for (unsigned i = 0; all_devices && i < all_devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(all_devices, i);

        if (dev->realized && dev->dc->reset) {
            dev->dc->reset(dev);
        }
    }
}

/* ---- system-bus resources ---- */

void device_init_mmio(DeviceState *dev, MemoryRegion *mr)
{
    g_assert(dev->num_mmio < DEVICE_MAX_MMIO);
    dev->mmio[dev->num_mmio++] = mr;
}

void device_init_irq(DeviceState *dev, qemu_irq *p)
{
    g_assert(dev->num_irq_out < (int)ARRAY_SIZE(dev->irq_out));
    dev->irq_out[dev->num_irq_out++] = p;
}

void device_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n)
{
    g_assert(!dev->gpio_in);
    dev->gpio_in = qemu_allocate_irqs(handler, dev, n);
    dev->num_gpio_in = n;
}

MemoryRegion *device_mmio(DeviceState *dev, int n)
{
    g_assert(n >= 0 && n < dev->num_mmio);
    return dev->mmio[n];
}

qemu_irq device_gpio_in(DeviceState *dev, int n)
{
    g_assert(n >= 0 && n < dev->num_gpio_in);
    return dev->gpio_in[n];
}

void sysbus_mmio_map(DeviceState *dev, int n, hwaddr addr)
{
    memory_region_add_subregion(get_system_memory(), addr, device_mmio(dev, n));
}

void sysbus_connect_irq(DeviceState *dev, int n, qemu_irq irq)
{
    g_assert(n >= 0 && n < dev->num_irq_out);
    *dev->irq_out[n] = irq;
}
