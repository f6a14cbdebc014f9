/* file backend: output appended to or replacing a host file; no input. */
#include "tern/osdep.h"
#include "chardev-internal.h"
#include <fcntl.h>
#include <unistd.h>

typedef struct FileChardev {
    Chardev parent;
    int fd;
} FileChardev;

static bool file_open(Chardev *chr, KeyVal *opts, GError **errp)
{
    FileChardev *s = (FileChardev *)chr;
    const char *path = keyval_get(opts, "path");
    bool append = false;

    if (!path || !*path) {
        error_setg(errp, "need path=");
        return false;
    }
    if (!keyval_get_bool(opts, "append", &append, errp)) {
        return false;
    }
    s->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "could not open '%s'", path);
        return false;
    }
    chr->out_fd = s->fd;
    chr->filename = g_strdup_printf("file:%s", path);
    chr->be_open = true;
    return true;
}

static ssize_t file_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return write(((FileChardev *)chr)->fd, buf, len);
}

static void file_close(Chardev *chr)
{
    close(((FileChardev *)chr)->fd);
}

const ChardevClass chardev_file_class = {
    .name = "file",
    .instance_size = sizeof(FileChardev),
    .options = (const char *const[]){ "path", "append", NULL },
    .open = file_open,
    .write = file_write,
    .close = file_close,
};
