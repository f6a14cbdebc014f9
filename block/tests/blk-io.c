/*
 * blk-io: apply I/O to an image through the asynchronous BlockBackend API,
 * for the cross-tool tests (tests/qemu-img-compat.sh).
 *
 *   blk-io FILE FORMAT OP...
 *   OP: w:OFFSET:LENGTH:BYTE   write LENGTH bytes of BYTE
 *       z:OFFSET:LENGTH        write zeroes (may unmap)
 *       d:OFFSET:LENGTH        discard
 *       c:OFFSET:LENGTH:BYTE   compressed write of one cluster (qcow2)
 *       r:OFFSET:LENGTH:BYTE   read and expect every byte to be BYTE
 *       f                      flush
 *       p:SECONDS              pause, holding the image open (lock tests)
 * Numbers take k/M/G suffixes. Exit status 0 on success, 1 on any failure.
 */
#include "tern/osdep.h"
#include "block/block.h"
#include "block/block-backend.h"
#include "util/keyval.h"

typedef struct Wait {
    bool done;
    int ret;
} Wait;

static void complete(void *opaque, int ret)
{
    Wait *w = opaque;
    w->done = true;
    w->ret = ret;
}

static int wait_for(Wait *w)
{
    while (!w->done) {
        g_main_context_iteration(NULL, TRUE);
    }
    return w->ret;
}

static bool num(const char *s, uint64_t *out)
{
    GError *err = NULL;
    if (!parse_size(s, 0, out, &err)) {
        error_report_err(err);
        return false;
    }
    return true;
}

static int run_op(BlockBackend *blk, BlockDriverState *bs, const char *op)
{
    g_auto(GStrv) f = g_strsplit(op, ":", 4);
    guint n = g_strv_length(f);
    uint64_t off = 0, len = 0, byte = 0;
    Wait w = { 0 };

    if (!strcmp(op, "f")) {
        blk_aio_flush(blk, complete, &w);
        return wait_for(&w);
    }
    if (n == 2 && f[0][0] == 'p') {
        g_usleep(atoi(f[1]) * G_USEC_PER_SEC);
        return 0;
    }
    if (n < 3 || !num(f[1], &off) || !num(f[2], &len) ||
        (n == 4 && !parse_u64(f[3], &byte, NULL)) || byte > 255) {
        error_report("bad operation '%s'", op);
        return -EINVAL;
    }
    g_autofree uint8_t *buf = g_malloc(len ? len : 1);
    struct iovec iov[2] = {
        { buf, len / 2 }, { buf + len / 2, len - len / 2 },
    };
    switch (f[0][0]) {
    case 'w':
        memset(buf, byte, len);
        blk_aio_pwritev(blk, off, iov, 2, complete, &w);
        return wait_for(&w);
    case 'z':
        blk_aio_pwrite_zeroes(blk, off, len, true, complete, &w);
        return wait_for(&w);
    case 'd':
        blk_aio_pdiscard(blk, off, len, complete, &w);
        return wait_for(&w);
    case 'c':
        memset(buf, byte, len);
        return bdrv_pwrite_compressed(bs, off, len, buf);
    case 'r': {
        blk_aio_preadv(blk, off, iov, 2, complete, &w);
        int ret = wait_for(&w);
        for (uint64_t i = 0; ret == 0 && i < len; i++) {
            if (buf[i] != byte) {
                error_report("byte at %" PRIu64 " is 0x%02x, expected 0x%02x",
                             off + i, buf[i], (unsigned)byte);
                return -EIO;
            }
        }
        return ret;
    }
    default:
        error_report("unknown operation '%s'", op);
        return -EINVAL;
    }
}

int main(int argc, char **argv)
{
    GError *err = NULL;

    error_set_progname(argv[0]);
    if (argc < 3) {
        error_report("usage: blk-io FILE FORMAT OP...");
        return 1;
    }
    /* discard=unmap so that discards reach the image */
    g_autofree char *opts = g_strdup_printf("file=%s,format=%s,if=none,"
                                            "id=disk,discard=unmap", argv[1],
                                            argv[2]);
    if (!drive_add(opts, &err)) {
        error_report_err(err);
        return 1;
    }
    BlockBackend *blk = blk_by_name("disk");
    int status = 0;
    for (int i = 3; i < argc; i++) {
        int ret = run_op(blk, blk_bs(blk), argv[i]);
        if (ret < 0) {
            error_report("%s: %s", argv[i], g_strerror(-ret));
            status = 1;
            break;
        }
    }
    blk_remove_all();
    return status;
}
