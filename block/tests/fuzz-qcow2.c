/*
 * libFuzzer target: the qcow2 open path and then reads, block status, a
 * consistency check and a small write on whatever opened. A hostile image
 * must fail with an error, never crash or touch memory out of bounds
 * (built with -fsanitize=fuzzer,address; see block/meson.build).
 */
#include "tern/osdep.h"
#include "block/block.h"
#include <unistd.h>

static char *image;

static void exercise(BlockDriverState *bs)
{
    uint8_t buf[4096];
    int64_t len = bdrv_getlength(bs);
    uint64_t off = 0;

    for (int i = 0; i < 64 && len > 0 && off < (uint64_t)len; i++) {
        uint64_t pnum, map;
        BlockDriverState *file;
        int depth;
        if (bdrv_block_status_above(bs, off, len - off, &pnum, &map, &file,
                                    &depth) < 0 || !pnum) {
            break;
        }
        bdrv_pread(bs, off, MIN(sizeof(buf), (uint64_t)len - off), buf);
        off += pnum;
    }
    BdrvCheckResult r = { .log = g_string_new(NULL) };
    bdrv_check(bs, &r, 0);
    g_string_free(r.log, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!image) {
        image = g_strdup_printf("%s/tern-fuzz-%d.qcow2", g_get_tmp_dir(),
                                getpid());
    }
    if (!g_file_set_contents(image, (const char *)data, size, NULL)) {
        return 0;
    }
    BlockDriverState *bs = bdrv_open(image, "qcow2", BDRV_O_NO_BACKING, NULL);
    if (bs) {
        exercise(bs);
        bdrv_unref(bs);
    }
    bs = bdrv_open(image, "qcow2", BDRV_O_RDWR | BDRV_O_NO_BACKING |
                   BDRV_O_NO_FLUSH, NULL);
    if (bs) {
        uint8_t buf[1024];
        memset(buf, 0x5a, sizeof(buf));
        if (bdrv_getlength(bs) >= 3000) {
            bdrv_pwrite(bs, 1000, 2000 > sizeof(buf) ? sizeof(buf) : 2000, buf);
            bdrv_pwrite_zeroes(bs, 0, 512, BDRV_REQ_MAY_UNMAP);
            bdrv_pdiscard(bs, 0, 3000);
        }
        exercise(bs);
        bdrv_unref(bs);
    }
    return 0;
}
