/* Buses that devices plug into (include/hw/qdev.h). */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "qdev-internal.h"

static GPtrArray *all_buses;    /* in creation order, which -device placement follows */

BusState *qbus_new(const char *type, DeviceState *parent, const char *name, int max_children)
{
    BusState *bus = g_new0(BusState, 1);

    if (!all_buses) {
        all_buses = g_ptr_array_new();
    }
    if (!name) {
        unsigned n = 0;

        for (unsigned i = 0; i < all_buses->len; i++) {
            BusState *b = g_ptr_array_index(all_buses, i);
            n += !strcmp(b->type, type);
        }
        bus->name = g_strdup_printf("%s.%u", type, n);
    } else {
        bus->name = g_strdup(name);
    }
    bus->type = type;
    bus->parent = parent;
    bus->children = g_ptr_array_new();
    bus->max_children = max_children;
    if (parent) {
        g_ptr_array_add(parent->child_buses, bus);
    }
    g_ptr_array_add(all_buses, bus);
    return bus;
}

static bool qbus_has_room(const BusState *bus)
{
    return bus->max_children == 0 || (int)bus->children->len < bus->max_children;
}

BusState *qbus_find_free(const char *type)
{
    for (unsigned i = 0; all_buses && i < all_buses->len; i++) {
        BusState *b = g_ptr_array_index(all_buses, i);

        if (!strcmp(b->type, type) && qbus_has_room(b)) {
            return b;
        }
    }
    return NULL;
}

BusState *qbus_find(const char *name)
{
    for (unsigned i = 0; all_buses && i < all_buses->len; i++) {
        BusState *b = g_ptr_array_index(all_buses, i);

        if (!strcmp(b->name, name)) {
            return b;
        }
    }
    return NULL;
}

bool qbus_attach(BusState *bus, DeviceState *dev, GError **errp)
{
    const char *want = dev->dc->bus_type;

    if (!want || strcmp(want, bus->type)) {
        error_setg(errp, "device '%s' does not plug into bus '%s' (a %s)",
                   dev->dc->name, bus->name, bus->type);
        return false;
    }
    if (!qbus_has_room(bus)) {
        error_setg(errp, "bus '%s' is full", bus->name);
        return false;
    }
    dev->parent_bus = bus;
    g_ptr_array_add(bus->children, dev);
    return true;
}

void qbus_detach(DeviceState *dev)
{
    if (dev->parent_bus) {
        g_ptr_array_remove(dev->parent_bus->children, dev);
        dev->parent_bus = NULL;
    }
}

void qbus_free(BusState *bus)
{
    for (unsigned i = 0; i < bus->children->len; i++) {
        DeviceState *child = g_ptr_array_index(bus->children, i);
        child->parent_bus = NULL;
    }
    g_ptr_array_free(bus->children, true);
    g_ptr_array_remove(all_buses, bus);
    g_free(bus->name);
    g_free(bus);
}
