/*
 * tern-img: create, inspect, check, convert and resize disk images (raw and
 * qcow2), with qemu-img's command line, output and exit codes.
 */
#include "tern/osdep.h"
#include "img.h"
#include "util/keyval.h"
#include <getopt.h>

BlockDriverState *img_open(const char *filename, const char *fmt, int flags)
{
    GError *err = NULL;
    BlockDriverState *bs = bdrv_open(filename, fmt, flags, &err);
    if (!bs) {
        error_report("Could not open '%s': %s", filename, err->message);
        g_error_free(err);
    }
    return bs;
}

bool img_parse_output(const char *arg, bool *json)
{
    if (!strcmp(arg, "json")) {
        *json = true;
    } else if (!strcmp(arg, "human")) {
        *json = false;
    } else {
        error_report("--output must be used with human or json as argument.");
        return false;
    }
    return true;
}

void img_progress(double percent, bool enabled)
{
    static double last = -1;
    /* Redraw on each whole percent, like qemu-img's progress bar. */
    if (enabled && (percent >= last + 1 || percent == 0 || percent == 100)) {
        printf("    (%3.2f/100%%)\r", percent);
        fflush(stdout);
        last = percent;
    }
}

bool img_parse_create_opts(const char *optstr, BlockCreateOpts *opts,
                           void **kv_out, GError **errp)
{
    KeyVal *kv = keyval_parse(optstr, NULL, "-o", errp);
    const char *v;
    uint64_t n;

    *kv_out = kv;
    if (!kv) {
        return false;
    }
    if (keyval_has(kv, "size")) {
        if (!keyval_get_size(kv, "size", &opts->size, errp)) {
            return false;
        }
        opts->has_size = true;
    }
    if (keyval_has(kv, "cluster_size")) {
        if (!keyval_get_size(kv, "cluster_size", &n, errp)) {
            return false;
        }
        if (n > UINT32_MAX) {
            error_setg(errp, "-o cluster_size: %" PRIu64 " is too large", n);
            return false;
        }
        opts->cluster_size = n;
    }
    if (keyval_has(kv, "refcount_bits")) {
        if (!keyval_get_u64(kv, "refcount_bits", &n, errp)) {
            return false;
        }
        opts->refcount_bits = n > 64 ? 3 : (int)n;   /* 3: rejected later */
    }
    if ((v = keyval_get(kv, "backing_file"))) {
        opts->backing_file = v;
    }
    if ((v = keyval_get(kv, "backing_fmt"))) {
        opts->backing_fmt = v;
    }
    if ((v = keyval_get(kv, "preallocation")) &&
        !prealloc_parse(v, &opts->prealloc, errp)) {
        return false;
    }
    if (!keyval_get_bool(kv, "lazy_refcounts", &opts->lazy_refcounts, errp)) {
        return false;
    }
    if ((v = keyval_get(kv, "compat"))) {
        if (!strcmp(v, "0.10") || !strcmp(v, "v2")) {
            opts->compat = 2;
        } else if (!strcmp(v, "1.1") || !strcmp(v, "v3")) {
            opts->compat = 3;
        } else {
            error_setg(errp, "-o compat: invalid value '%s' (0.10 or 1.1)", v);
            return false;
        }
    }
    if ((v = keyval_get(kv, "compression_type")) && strcmp(v, "zlib")) {
        error_setg(errp, "-o compression_type: only zlib is supported");
        return false;
    }
    bool ext_l2 = false;
    if (!keyval_get_bool(kv, "extended_l2", &ext_l2, errp)) {
        return false;
    }
    if (ext_l2) {
        error_setg(errp, "-o extended_l2=on: subclusters are not supported");
        return false;
    }
    return keyval_check_unused(kv, errp);
}

void img_free_create_opts(void *kv)
{
    keyval_free(kv);
}

static bool parse_img_size(const char *str, uint64_t *out)
{
    GError *err = NULL;
    if (!parse_size(str, 0, out, &err)) {
        error_report("Invalid image size specified: %s. You may use k, M, G, "
                     "T, P or E suffixes for kilobytes, megabytes, gigabytes, "
                     "terabytes, petabytes and exabytes.", str);
        g_error_free(err);
        return false;
    }
    return true;
}

/* The line qemu-img prints before creating an image, options in its order. */
static void print_formatting(const char *filename, const char *fmt,
                             const BlockCreateOpts *o)
{
    static const char *const prealloc[] = { "off", "metadata", "falloc",
                                            "full" };
    bool qcow2 = !strcmp(fmt, "qcow2");

    printf("Formatting '%s', fmt=%s", filename, fmt);
    if (qcow2) {
        printf(" cluster_size=%u extended_l2=off",
               o->cluster_size ? o->cluster_size : 65536);
    }
    if (o->prealloc != PREALLOC_OFF) {
        printf(" preallocation=%s", prealloc[o->prealloc]);
    }
    if (qcow2) {
        printf(" compression_type=zlib");
    }
    if (o->has_size) {
        printf(" size=%" PRIu64, o->size);
    }
    if (o->backing_file) {
        printf(" backing_file=%s", o->backing_file);
    }
    if (o->backing_fmt) {
        printf(" backing_fmt=%s", o->backing_fmt);
    }
    if (qcow2) {
        printf(" lazy_refcounts=%s refcount_bits=%d",
               o->lazy_refcounts ? "on" : "off",
               o->refcount_bits ? o->refcount_bits : 16);
    }
    printf("\n");
}

int img_create(int argc, char **argv)
{
    const char *fmt = "raw", *backing = NULL, *backing_fmt = NULL;
    g_autoptr(GString) optstr = g_string_new(NULL);
    bool quiet = false;
    BlockCreateOpts opts = { 0 };
    void *kv = NULL;
    GError *err = NULL;
    int c;

    while ((c = getopt(argc, argv, "+f:o:b:F:uq")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'o':
            g_string_append_printf(optstr, "%s%s", optstr->len ? "," : "",
                                   optarg);
            break;
        case 'b': backing = optarg; break;
        case 'F': backing_fmt = optarg; break;
        case 'u': break;   /* the backing file is checked anyway */
        case 'q': quiet = true; break;
        default: return IMG_FAIL;
        }
    }
    if (optind >= argc) {
        error_report("Expecting image file name");
        return IMG_FAIL;
    }
    const char *filename = argv[optind++];
    if (optstr->len && !img_parse_create_opts(optstr->str, &opts, &kv, &err)) {
        error_report_err(err);
        img_free_create_opts(kv);
        return IMG_FAIL;
    }
    if (backing) {
        opts.backing_file = backing;
    }
    if (backing_fmt) {
        opts.backing_fmt = backing_fmt;
    }
    if (optind < argc) {
        if (!parse_img_size(argv[optind++], &opts.size)) {
            img_free_create_opts(kv);
            return IMG_FAIL;
        }
        opts.has_size = true;
    }
    if (optind < argc) {
        error_report("Unexpected argument: %s", argv[optind]);
        img_free_create_opts(kv);
        return IMG_FAIL;
    }
    if (!quiet) {
        print_formatting(filename, fmt, &opts);
    }
    bool ok = bdrv_create(fmt, filename, &opts, &err);
    img_free_create_opts(kv);
    if (!ok) {
        error_report("%s: %s", filename, err->message);
        g_error_free(err);
        return IMG_FAIL;
    }
    return 0;
}

int img_resize(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "shrink", no_argument, NULL, 's' },
        { "preallocation", required_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL;
    bool shrink = false, quiet = false;
    PreallocMode prealloc = PREALLOC_OFF;
    GError *err = NULL;
    int c;

    /* A leading '-' in "-1G" must not be taken for an option. */
    while ((c = getopt_long(argc, argv, "+f:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 's': shrink = true; break;
        case 'P':
            if (!prealloc_parse(optarg, &prealloc, &err)) {
                error_report_err(err);
                return IMG_FAIL;
            }
            break;
        default: return IMG_FAIL;
        }
    }
    if (argc - optind != 2) {
        error_report("Expecting image file name and size");
        return IMG_FAIL;
    }
    const char *filename = argv[optind], *arg = argv[optind + 1];
    int sign = arg[0] == '+' ? 1 : arg[0] == '-' ? -1 : 0;
    uint64_t n;
    if (!parse_img_size(arg + (sign != 0), &n)) {
        return IMG_FAIL;
    }
    g_autoptr(BlockDriverState) bs = img_open(filename, fmt, BDRV_O_RDWR);
    if (!bs) {
        return IMG_FAIL;
    }
    uint64_t old = bdrv_getlength(bs), size = n;
    if (sign > 0) {
        size = old + n;
    } else if (sign < 0) {
        if (n > old) {
            error_report("New image size must be positive");
            return IMG_FAIL;
        }
        size = old - n;
    }
    if (size < old && !shrink) {
        error_report("Use the --shrink option to perform a shrink operation.");
        return IMG_FAIL;
    }
    if (bdrv_truncate(bs, size, shrink, prealloc, &err) < 0) {
        error_report_err(err);
        return IMG_FAIL;
    }
    if (!quiet) {
        printf("Image resized.\n");
    }
    return 0;
}

static void usage(void)
{
    printf("usage: tern-img COMMAND [options]\n"
           "Commands:\n"
           "  create [-f fmt] [-o options] [-b backing [-F backing_fmt]] "
           "filename [size]\n"
           "  info [-f fmt] [-U] [--output=human|json] filename\n"
           "  check [-f fmt] [-r leaks|all] [--output=human|json] filename\n"
           "  convert [-c] [-p] [-f fmt] [-O output_fmt] [-o options] "
           "[-B backing] filename output\n"
           "  resize [-f fmt] [--shrink] [--preallocation=mode] filename "
           "[+|-]size\n"
           "  snapshot -l filename\n"
           "  map [-f fmt] [--output=human|json] filename\n"
           "  compare [-f fmt] [-F fmt] [-s] [-p] filename1 filename2\n"
           "Formats: raw, qcow2. Sizes take k, M, G, T, P, E suffixes.\n");
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        { "create", img_create }, { "info", img_info },
        { "check", img_check }, { "convert", img_convert },
        { "resize", img_resize }, { "snapshot", img_snapshot },
        { "map", img_map }, { "compare", img_compare },
    };

    error_set_progname("tern-img");
    if (argc < 2) {
        error_report("Not enough arguments\nTry 'tern-img --help' for more "
                     "information");
        return IMG_FAIL;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage();
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("tern-img version 0.1.0\n");
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        if (!strcmp(argv[1], cmds[i].name)) {
            optind = 1;
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    error_report("Command not found: %s", argv[1]);
    return IMG_FAIL;
}
