/* -device NAME,prop=val,... and its help (include/hw/qdev.h). */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "util/keyval.h"
#include "qdev-internal.h"

static bool is_help(const char *s)
{
    return s && (!strcmp(s, "help") || !strcmp(s, "?"));
}

/* Find the bus for dev: bus=NAME if given, else the first free one of its type. */
static BusState *find_bus(const DeviceClass *dc, const char *busname, GError **errp)
{
    BusState *bus;

    if (busname) {
        bus = qbus_find(busname);
        if (!bus) {
            error_setg(errp, "bus '%s' not found", busname);
        }
        return bus;
    }
    if (!dc->bus_type) {
        return NULL;
    }
    bus = qbus_find_free(dc->bus_type);
    if (!bus) {
        error_setg(errp, "no free %s for this device (the machine has none, or all are in use)",
                   dc->bus_type);
    }
    return bus;
}

static DeviceState *device_add(KeyVal *kv, const char *driver, GError **errp)
{
    const DeviceClass *dc = device_class_find(driver);
    const char *id = keyval_get(kv, "id");
    const char *busname = keyval_get(kv, "bus");
    DeviceState *dev;
    BusState *bus = NULL;

    if (!dc) {
        error_setg(errp, "no such device type (try -device help)");
        return NULL;
    }
    if (!dc->user_creatable) {
        error_setg(errp, "this device cannot be added with -device");
        return NULL;
    }
    if (id && qdev_find_id(id)) {
        error_setg(errp, "a device with id '%s' already exists", id);
        return NULL;
    }
    if (dc->bus_type || busname) {
        bus = find_bus(dc, busname, errp);
        if (!bus) {
            return NULL;
        }
    }
    dev = qdev_new(driver, errp);
    dev->id = g_strdup(id);
    for (size_t i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key(kv, i);

        if (!strcmp(key, "driver") || !strcmp(key, "id") || !strcmp(key, "bus")) {
            continue;
        }
        if (!qdev_prop_set(dev, key, keyval_value(kv, i), errp)) {
            qdev_delete(dev);
            return NULL;
        }
    }
    if (!qdev_realize(dev, bus, errp)) {
        qdev_delete(dev);
        return NULL;
    }
    return dev;
}

DeviceState *qdev_device_add(const char *optstr, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(optstr, "driver", "-device", errp);
    const char *driver;
    DeviceState *dev;

    if (!kv) {
        return NULL;
    }
    driver = keyval_get(kv, "driver");
    if (!driver) {
        error_setg(errp, "-device: a device name is required (try -device help)");
        return NULL;
    }
    dev = device_add(kv, driver, errp);
    if (!dev) {
        error_prepend(errp, "-device %s: ", driver);
    }
    return dev;
}

/* ---- help ---- */

static gint category_cmp(gconstpointer a, gconstpointer b)
{
    const DeviceClass *x = *(const DeviceClass *const *)a;
    const DeviceClass *y = *(const DeviceClass *const *)b;
    int c = g_strcmp0(x->category, y->category);

    return c ? c : strcmp(x->name, y->name);
}

static void list_devices(FILE *out)
{
    GPtrArray *list = device_class_list();
    const char *shown = NULL;
    bool first = true;

    g_ptr_array_sort(list, category_cmp);
    for (unsigned i = 0; i < list->len; i++) {
        const DeviceClass *dc = g_ptr_array_index(list, i);
        const char *cat = dc->category ? dc->category : "uncategorized";

        if (!dc->user_creatable) {
            continue;
        }
        if (first || strcmp(cat, shown)) {
            fprintf(out, "%s%c%s devices:\n", first ? "" : "\n",
                    g_ascii_toupper(cat[0]), cat + 1);
            shown = cat;
            first = false;
        }
        fprintf(out, "name \"%s\"", dc->name);
        if (dc->bus_type) {
            fprintf(out, ", bus %s", dc->bus_type);
        }
        if (dc->desc) {
            fprintf(out, ", desc \"%s\"", dc->desc);
        }
        fputc('\n', out);
    }
    if (first) {
        fprintf(out, "No devices can be added with -device on this machine.\n");
    }
    g_ptr_array_free(list, true);
}

static void list_properties(const DeviceClass *dc, FILE *out)
{
    /* defaults as a fresh instance has them, without running instance_init */
    DeviceState *tmp = g_malloc0(dc->instance_size);

    tmp->dc = dc;
    qdev_prop_set_defaults(tmp);
    if (!dc->props || !dc->props->name) {
        fprintf(out, "There are no options for %s.\n", dc->name);
    } else {
        fprintf(out, "%s options:\n", dc->name);
    }
    for (const Property *p = dc->props; p && p->name; p++) {
        g_autofree char *head = g_strdup_printf("%s=<%s>", p->name, p->info->type_name);
        g_autofree char *def = p->info->print(tmp, p);

        g_autoptr(GString) line = g_string_new(NULL);

        g_string_printf(line, "  %-24s", head);
        if (p->desc) {
            g_string_append_printf(line, " - %s", p->desc);
        }
        if (*def) {
            g_string_append_printf(line, " (default: %s)", def);
        }
        fprintf(out, "%s\n", g_strchomp(line->str));
    }
    qdev_prop_release_all(tmp);
    g_free(tmp);
}

bool qdev_device_help(const char *optstr, FILE *out)
{
    g_autoptr(KeyVal) kv = keyval_parse(optstr, "driver", "-device", NULL);
    const char *driver;
    const DeviceClass *dc;

    if (!kv) {
        return false;
    }
    driver = keyval_get(kv, "driver");
    if (is_help(driver)) {
        list_devices(out);
        return true;
    }
    if (!keyval_has(kv, "help") && !keyval_has(kv, "?")) {
        return false;
    }
    /* an unknown name is reported by qdev_device_add */
    dc = driver ? device_class_find(driver) : NULL;
    if (!dc) {
        return false;
    }
    list_properties(dc, out);
    return true;
}
