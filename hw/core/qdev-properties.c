/*
 * Typed device properties: the scalar types, and setting properties by name.
 * The properties that refer to host backends (chardev, drive) are in
 * qdev-properties-system.c, so that only programs using them link the backends.
 */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "util/keyval.h"
#include "qdev-internal.h"

#define FIELD(dev, prop, type) ((type *)((char *)(dev) + (prop)->offset))

/* ---- bool ---- */

static bool parse_boolprop(DeviceState *dev, const Property *prop, const char *str,
                           GError **errp)
{
    return parse_bool(str, FIELD(dev, prop, bool), errp);
}

static void default_bool(DeviceState *dev, const Property *prop)
{
    *FIELD(dev, prop, bool) = prop->defval != 0;
}

static char *print_bool(DeviceState *dev, const Property *prop)
{
    return g_strdup(*FIELD(dev, prop, bool) ? "on" : "off");
}

const PropertyInfo prop_info_bool = {
    .type_name = "bool", .parse = parse_boolprop, .set_default = default_bool,
    .print = print_bool,
};

/* ---- unsigned integers ---- */

static unsigned uint_width(const PropertyInfo *info)
{
    if (info == &prop_info_uint8) {
        return 1;
    } else if (info == &prop_info_uint16) {
        return 2;
    } else if (info == &prop_info_uint32) {
        return 4;
    }
    g_assert(info == &prop_info_uint64 || info == &prop_info_size);
    return 8;
}

static uint64_t uint_max(unsigned width)
{
    return width == 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
}

static void uint_store(DeviceState *dev, const Property *prop, uint64_t v)
{
    switch (uint_width(prop->info)) {
    case 1: *FIELD(dev, prop, uint8_t) = (uint8_t)v; break;
    case 2: *FIELD(dev, prop, uint16_t) = (uint16_t)v; break;
    case 4: *FIELD(dev, prop, uint32_t) = (uint32_t)v; break;
    default: *FIELD(dev, prop, uint64_t) = v; break;
    }
}

static uint64_t uint_load(DeviceState *dev, const Property *prop)
{
    switch (uint_width(prop->info)) {
    case 1: return *FIELD(dev, prop, uint8_t);
    case 2: return *FIELD(dev, prop, uint16_t);
    case 4: return *FIELD(dev, prop, uint32_t);
    default: return *FIELD(dev, prop, uint64_t);
    }
}

static bool parse_uint(DeviceState *dev, const Property *prop, const char *str,
                       GError **errp)
{
    uint64_t v, max = uint_max(uint_width(prop->info));

    if (prop->info == &prop_info_size) {
        if (!parse_size(str, 0, &v, errp)) {
            return false;
        }
    } else if (!parse_u64(str, &v, errp)) {
        return false;
    }
    if (v > max) {
        error_setg(errp, "'%s' is out of range (0 to %" PRIu64 ")", str, max);
        return false;
    }
    uint_store(dev, prop, v);
    return true;
}

static void default_uint(DeviceState *dev, const Property *prop)
{
    uint_store(dev, prop, prop->defval);
}

static char *print_uint(DeviceState *dev, const Property *prop)
{
    uint64_t v = uint_load(dev, prop);

    /* hex reads better for addresses and masks, decimal for counts */
    return g_strdup_printf(v >= 0x10000 ? "0x%" PRIx64 : "%" PRIu64, v);
}

#define UINT_INFO(name) { .type_name = (name), .parse = parse_uint, \
    .set_default = default_uint, .print = print_uint }
const PropertyInfo prop_info_uint8 = UINT_INFO("uint8");
const PropertyInfo prop_info_uint16 = UINT_INFO("uint16");
const PropertyInfo prop_info_uint32 = UINT_INFO("uint32");
const PropertyInfo prop_info_uint64 = UINT_INFO("uint64");
const PropertyInfo prop_info_size = UINT_INFO("size");

/* ---- strings ---- */

static bool parse_string(DeviceState *dev, const Property *prop, const char *str,
                         GError **errp)
{
    char **field = FIELD(dev, prop, char *);

    g_free(*field);
    *field = g_strdup(str);
    return true;
}

static void default_string(DeviceState *dev, const Property *prop)
{
    *FIELD(dev, prop, char *) = g_strdup(prop->defstr);
}

static char *print_string(DeviceState *dev, const Property *prop)
{
    return g_strdup(*FIELD(dev, prop, char *) ? *FIELD(dev, prop, char *) : "");
}

static void release_string(DeviceState *dev, const Property *prop)
{
    g_free(*FIELD(dev, prop, char *));
    *FIELD(dev, prop, char *) = NULL;
}

const PropertyInfo prop_info_string = {
    .type_name = "str", .parse = parse_string, .set_default = default_string,
    .print = print_string, .release = release_string,
};

/* ---- setting by name ---- */

const Property *qdev_prop_find(const DeviceClass *dc, const char *name)
{
    for (const Property *p = dc->props; p && p->name; p++) {
        if (!strcmp(p->name, name)) {
            return p;
        }
    }
    return NULL;
}

void qdev_prop_set_defaults(DeviceState *dev)
{
    for (const Property *p = dev->dc->props; p && p->name; p++) {
        if (p->info->set_default) {
            p->info->set_default(dev, p);
        }
    }
}

void qdev_prop_release_all(DeviceState *dev)
{
    for (const Property *p = dev->dc->props; p && p->name; p++) {
        if (p->info->release) {
            p->info->release(dev, p);
        }
    }
}

bool qdev_prop_set(DeviceState *dev, const char *name, const char *value, GError **errp)
{
    const Property *prop = qdev_prop_find(dev->dc, name);

    if (!prop) {
        error_setg(errp, "unknown property '%s' (try -device %s,help)", name,
                   dev->dc->name);
        return false;
    }
    if (dev->realized) {
        error_setg(errp, "property '%s' cannot be changed after the device is realized",
                   name);
        return false;
    }
    if (!prop->info->parse(dev, prop, value, errp)) {
        error_prepend(errp, "property '%s': ", name);
        return false;
    }
    return true;
}

/* The property for a typed setter from a board: misuse is a programming error. */
static const Property *prop_for_setter(DeviceState *dev, const char *name)
{
    const Property *prop = qdev_prop_find(dev->dc, name);

    if (!prop) {
        g_error("device '%s' has no property '%s'", dev->dc->name, name);
    }
    g_assert(!dev->realized);
    return prop;
}

static void set_uint_checked(DeviceState *dev, const char *name, uint64_t v)
{
    const Property *prop = prop_for_setter(dev, name);

    g_assert(prop->info->parse == parse_uint);
    g_assert(v <= uint_max(uint_width(prop->info)));
    uint_store(dev, prop, v);
}

void qdev_prop_set_uint32(DeviceState *dev, const char *name, uint32_t v)
{
    set_uint_checked(dev, name, v);
}

void qdev_prop_set_uint64(DeviceState *dev, const char *name, uint64_t v)
{
    set_uint_checked(dev, name, v);
}

void qdev_prop_set_bool(DeviceState *dev, const char *name, bool v)
{
    const Property *prop = prop_for_setter(dev, name);

    g_assert(prop->info == &prop_info_bool);
    *FIELD(dev, prop, bool) = v;
}

void qdev_prop_set_string(DeviceState *dev, const char *name, const char *v)
{
    const Property *prop = prop_for_setter(dev, name);

    g_assert(prop->info == &prop_info_string);
    parse_string(dev, prop, v, NULL);
}

void qdev_prop_set_ptr(DeviceState *dev, const char *name, void *v)
{
    const Property *prop = prop_for_setter(dev, name);

    /* by type name, so that boards without backends do not link them in */
    g_assert(!strcmp(prop->info->type_name, "chardev") ||
             !strcmp(prop->info->type_name, "drive") ||
             !strcmp(prop->info->type_name, "netdev"));
    *FIELD(dev, prop, void *) = v;
}
