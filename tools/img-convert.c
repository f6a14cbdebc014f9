/* tern-img convert and compare. */
#include "tern/osdep.h"
#include "img.h"
#include <getopt.h>

#define CHUNK (2u << 20)

static bool is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/*
 * Does [off, off+*n) read as zeroes without reading it? Shortens *n to the
 * range the answer holds for.
 */
static int range_is_zero(BlockDriverState *bs, uint64_t off, uint64_t *n,
                         bool *zero)
{
    uint64_t map;
    BlockDriverState *file;
    int depth;
    int ret = bdrv_block_status_above(bs, off, *n, n, &map, &file, &depth);
    if (ret < 0) {
        return ret;
    }
    *zero = (ret & BDRV_BLOCK_ZERO) || !(ret & BDRV_BLOCK_DATA);
    return 0;
}

typedef struct ConvertArgs {
    const char *in_fmt, *out_fmt, *options, *out_backing, *out_backing_fmt;
    bool compress, progress, quiet, no_create;
    int in_flags;
    const char *in, *out;
} ConvertArgs;

static int convert_data(BlockDriverState *src, BlockDriverState *dst,
                        BlockDriverState *base, const ConvertArgs *a)
{
    uint64_t len = bdrv_getlength(src);
    uint32_t cs = bdrv_cluster_size(dst);
    uint64_t step = a->compress ? cs : CHUNK;
    g_autofree uint8_t *buf = g_malloc(step);
    g_autofree uint8_t *bbuf = base ? g_malloc(step) : NULL;

    img_progress(0, a->progress);
    for (uint64_t off = 0; off < len;) {
        uint64_t n = MIN(step - off % step, len - off);
        bool zero;
        int ret = range_is_zero(src, off, &n, &zero);
        if (ret < 0) {
            error_report("error while reading '%s' at offset %" PRIu64 ": %s",
                         a->in, off, g_strerror(-ret));
            return ret;
        }
        if (a->compress) {
            /* Compressed clusters are written whole. */
            n = MIN(step - off % step, len - off);
            zero = false;
        }
        if (!zero) {
            ret = bdrv_pread(src, off, n, buf);
            if (ret < 0) {
                error_report("error while reading '%s' at offset %" PRIu64
                             ": %s", a->in, off, g_strerror(-ret));
                return ret;
            }
            zero = is_zero(buf, n);
        }
        bool skip = zero && !a->no_create && !base;
        if (base && !skip) {
            /* With -B only what differs from the new backing file is kept. */
            uint64_t blen = bdrv_getlength(base);
            uint64_t bn = off < blen ? MIN(n, blen - off) : 0;
            ret = bn ? bdrv_pread(base, off, bn, bbuf) : 0;
            memset(bbuf + bn, 0, n - bn);
            skip = ret == 0 && (zero ? is_zero(bbuf, n) : !memcmp(buf, bbuf, n));
        }
        if (!skip) {
            if (zero) {
                ret = bdrv_pwrite_zeroes(dst, off, n, BDRV_REQ_MAY_UNMAP);
            } else if (a->compress) {
                ret = bdrv_pwrite_compressed(dst, off, n, buf);
            } else {
                ret = bdrv_pwrite(dst, off, n, buf);
            }
            if (ret < 0) {
                error_report("error while writing '%s' at offset %" PRIu64
                             ": %s", a->out, off, g_strerror(-ret));
                return ret;
            }
        }
        off += n;
        img_progress(off * 100.0 / len, a->progress);
    }
    img_progress(100, a->progress);
    if (a->progress) {
        printf("\n");
    }
    return 0;
}

static int do_convert(const ConvertArgs *a)
{
    g_autoptr(BlockDriverState) src = img_open(a->in, a->in_fmt,
                                               a->in_flags);
    g_autoptr(BlockDriverState) dst = NULL;
    BlockCreateOpts opts = { 0 };
    void *kv = NULL;
    GError *err = NULL;

    if (!src) {
        return IMG_FAIL;
    }
    if (a->compress && strcmp(a->out_fmt, "qcow2")) {
        error_report("Compression not supported for this file format");
        return IMG_FAIL;
    }
    if (a->options && !img_parse_create_opts(a->options, &opts, &kv, &err)) {
        error_report_err(err);
        img_free_create_opts(kv);
        return IMG_FAIL;
    }
    if (a->out_backing) {
        opts.backing_file = a->out_backing;
        opts.backing_fmt = a->out_backing_fmt;
    }
    opts.size = bdrv_getlength(src);
    opts.has_size = true;
    bool ok = a->no_create || bdrv_create(a->out_fmt, a->out, &opts, &err);
    img_free_create_opts(kv);
    if (!ok) {
        error_report("%s: %s", a->out, err->message);
        g_error_free(err);
        return IMG_FAIL;
    }
    /* Like qemu-img, the target is written with cache=unsafe. With -B its
     * backing file is open: partial clusters copy from it. */
    dst = img_open(a->out, a->out_fmt, BDRV_O_RDWR | BDRV_O_NO_FLUSH |
                   (a->out_backing ? 0 : BDRV_O_NO_BACKING));
    if (!dst) {
        return IMG_FAIL;
    }
    if (bdrv_getlength(dst) < bdrv_getlength(src)) {
        error_report("'%s' is smaller than the source image", a->out);
        return IMG_FAIL;
    }
    return convert_data(src, dst, bdrv_backing(dst), a) < 0 ? IMG_FAIL : 0;
}

int img_convert(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    ConvertArgs a = { .out_fmt = "raw" };
    g_autoptr(GString) opts = g_string_new(NULL);
    int c;

    while ((c = getopt_long(argc, argv, "+f:O:o:B:F:cpqnUt:T:W", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'f': a.in_fmt = optarg; break;
        case 'O': a.out_fmt = optarg; break;
        case 'o':
            g_string_append_printf(opts, "%s%s", opts->len ? "," : "", optarg);
            break;
        case 'B': a.out_backing = optarg; break;
        case 'F': a.out_backing_fmt = optarg; break;
        case 'c': a.compress = true; break;
        case 'p': a.progress = true; break;
        case 'q': a.quiet = true; break;
        case 'n': a.no_create = true; break;
        case 'U': a.in_flags |= BDRV_O_SHARE_RW; break;
        case 't': case 'T': case 'W': break;   /* cache modes, ordering */
        default: return IMG_FAIL;
        }
    }
    if (argc - optind != 2) {
        error_report("Expecting one input and one output file name (more "
                     "than one input is not supported)");
        return IMG_FAIL;
    }
    a.in = argv[optind];
    a.out = argv[optind + 1];
    a.options = opts->len ? opts->str : NULL;
    a.progress &= !a.quiet;
    return do_convert(&a);
}

int img_compare(int argc, char **argv)
{
    const char *fmt1 = NULL, *fmt2 = NULL;
    bool strict = false, quiet = false, progress = false;
    int flags = 0, c;

    while ((c = getopt(argc, argv, "+f:F:spqU")) != -1) {
        switch (c) {
        case 'f': fmt1 = optarg; break;
        case 'F': fmt2 = optarg; break;
        case 's': strict = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'U': flags |= BDRV_O_SHARE_RW; break;
        default: return 2;
        }
    }
    if (argc - optind != 2) {
        error_report("Expecting two image file names");
        return 2;
    }
    const char *f1 = argv[optind], *f2 = argv[optind + 1];
    g_autoptr(BlockDriverState) a = img_open(f1, fmt1, flags);
    g_autoptr(BlockDriverState) b = a ? img_open(f2, fmt2 ? fmt2 : fmt1, flags)
                                      : NULL;
    if (!b) {
        return 2;
    }
    uint64_t la = bdrv_getlength(a), lb = bdrv_getlength(b);
    uint64_t len = MAX(la, lb);
    if (strict && la != lb) {
        if (!quiet) {
            printf("Strict mode: Image size mismatch!\n");
        }
        return 1;
    }
    g_autofree uint8_t *ba = g_malloc(CHUNK), *bb = g_malloc(CHUNK);
    progress &= !quiet;
    for (uint64_t off = 0; off < len;) {
        uint64_t n = MIN(CHUNK, len - off), na = n, nb = n;
        bool za = true, zb = true;
        int ret = 0;
        if (off < la) {
            na = MIN(n, la - off);
            ret = range_is_zero(a, off, &na, &za);
        }
        if (ret == 0 && off < lb) {
            nb = MIN(n, lb - off);
            ret = range_is_zero(b, off, &nb, &zb);
        }
        n = MIN(na, nb);
        if (ret == 0 && !(za && zb)) {
            ret = off < la ? bdrv_pread(a, off, n, ba) : (memset(ba, 0, n), 0);
            if (ret == 0) {
                ret = off < lb ? bdrv_pread(b, off, n, bb)
                               : (memset(bb, 0, n), 0);
            }
            if (ret == 0 && memcmp(ba, bb, n)) {
                uint64_t i = 0;
                while (ba[i] == bb[i]) {
                    i++;
                }
                if (!quiet) {
                    printf("Content mismatch at offset %" PRIu64 "!\n",
                           off + TERN_ALIGN_DOWN(i, 512));
                }
                return 1;
            }
        }
        if (ret < 0) {
            error_report("Error while reading at offset %" PRIu64 ": %s", off,
                         g_strerror(-ret));
            return 2;
        }
        off += n;
        img_progress(off * 100.0 / len, progress);
    }
    if (progress) {
        printf("\n");
    }
    if (!quiet) {
        printf("Images are identical.\n");
    }
    return 0;
}
