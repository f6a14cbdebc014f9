/* null backend: output is discarded, input never arrives. */
#include "tern/osdep.h"
#include "chardev-internal.h"

static bool null_open(Chardev *chr, KeyVal *opts, GError **errp)
{
    chr->filename = g_strdup("null");
    chr->be_open = true;
    return true;
}

static ssize_t null_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return len;
}

const ChardevClass chardev_null_class = {
    .name = "null",
    .instance_size = sizeof(Chardev),
    .open = null_open,
    .write = null_write,
};
