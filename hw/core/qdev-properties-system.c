/*
 * Properties that name host backends: chardev=ID, drive=ID, netdev=ID. They
 * resolve the id when parsed, so a wrong id is reported against the -device
 * option that used it. The device does not own the backend.
 */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "chardev/char.h"
#include "block/block-backend.h"
#include "net/net.h"

#define FIELD(dev, prop, type) ((type *)((char *)(dev) + (prop)->offset))

static void default_null(DeviceState *dev, const Property *prop)
{
    *FIELD(dev, prop, void *) = NULL;
}

/* ---- chardev ---- */

static bool parse_chr(DeviceState *dev, const Property *prop, const char *str,
                      GError **errp)
{
    Chardev *chr = qemu_chr_find(str);

    if (!chr) {
        error_setg(errp, "chardev '%s' not found (define it with -chardev ...,id=%s)",
                   str, str);
        return false;
    }
    *FIELD(dev, prop, Chardev *) = chr;
    return true;
}

static char *print_chr(DeviceState *dev, const Property *prop)
{
    Chardev *chr = *FIELD(dev, prop, Chardev *);

    return g_strdup(chr ? qemu_chr_label(chr) : "");
}

const PropertyInfo prop_info_chr = {
    .type_name = "chardev", .parse = parse_chr, .set_default = default_null,
    .print = print_chr,
};

/* ---- drive: the device claims the backend when it is realized ---- */

static bool parse_drive(DeviceState *dev, const Property *prop, const char *str,
                        GError **errp)
{
    BlockBackend *blk = blk_by_name(str);

    if (!blk) {
        error_setg(errp, "drive '%s' not found (define it with -drive ...,id=%s or "
                   "-blockdev ...,node-name=%s)", str, str, str);
        return false;
    }
    *FIELD(dev, prop, BlockBackend *) = blk;
    return true;
}

static char *print_drive(DeviceState *dev, const Property *prop)
{
    BlockBackend *blk = *FIELD(dev, prop, BlockBackend *);

    return g_strdup(blk ? blk_name(blk) : "");
}

const PropertyInfo prop_info_drive = {
    .type_name = "drive", .parse = parse_drive, .set_default = default_null,
    .print = print_drive,
};

/* ---- netdev: the NIC pairs itself with the backend when it is realized ---- */

static bool parse_netdev(DeviceState *dev, const Property *prop, const char *str,
                         GError **errp)
{
    NetClientState *nc = qemu_find_netdev(str);

    if (!nc) {
        error_setg(errp, "netdev '%s' not found (define it with -netdev user,id=%s)",
                   str, str);
        return false;
    }
    *FIELD(dev, prop, NetClientState *) = nc;
    return true;
}

static char *print_netdev(DeviceState *dev, const Property *prop)
{
    NetClientState *nc = *FIELD(dev, prop, NetClientState *);

    return g_strdup(nc ? nc->name : "");
}

const PropertyInfo prop_info_netdev = {
    .type_name = "netdev", .parse = parse_netdev, .set_default = default_null,
    .print = print_netdev,
};
