/* Scratch directories and files for unit tests (see test-tmpdir.h). */
#include "tern/osdep.h"
#include <unistd.h>
#include <glib/gstdio.h>
#include "test-tmpdir.h"

char *test_tmpdir_new(const char *tmpl)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp(tmpl, &err);

    if (!dir) {
        fprintf(stderr, "cannot create a scratch directory: %s\n", err->message);
        exit(1);
    }
    return dir;
}

char *test_tmpfile_new(const char *tmpl, const void *data, size_t len)
{
    char *path;
    int fd = g_file_open_tmp(tmpl, &path, NULL);
    bool ok;

    if (fd < 0) {
        return NULL;
    }
    ok = write(fd, data, len) == (ssize_t)len;
    close(fd);
    if (!ok) {
        unlink(path);
        g_free(path);
        return NULL;
    }
    return path;
}

/* Depth-first: a directory can only go once it is empty. */
static bool remove_tree(const char *path)
{
    bool ok = true;

    if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
        !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        GDir *dir = g_dir_open(path, 0, NULL);
        for (const char *n; dir && (n = g_dir_read_name(dir));) {
            g_autofree char *child = g_build_filename(path, n, NULL);
            ok &= remove_tree(child);
        }
        if (dir) {
            g_dir_close(dir);
        }
    }
    return g_remove(path) == 0 && ok;
}

void test_tmpdir_remove(const char *dir)
{
    if (!remove_tree(dir)) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
}
