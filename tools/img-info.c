/* tern-img info, check, map, snapshot -l. */
#include "tern/osdep.h"
#include "img.h"
#include "util/json.h"
#include <getopt.h>
#include <time.h>

static const struct option output_opts[] = {
    { "output", required_argument, NULL, 'O' },
    { "backing-chain", no_argument, NULL, 'B' },
    { "force-share", no_argument, NULL, 'U' },
    { NULL, 0, NULL, 0 },
};

/* Options common to the read-only inspection commands. */
typedef struct InspectArgs {
    const char *fmt;
    const char *repair;
    bool json;
    bool chain;
    bool quiet;
    int flags;
    const char *filename;
} InspectArgs;

static bool parse_inspect(int argc, char **argv, const char *shortopts,
                          InspectArgs *a)
{
    int c;
    while ((c = getopt_long(argc, argv, shortopts, output_opts, NULL)) != -1) {
        switch (c) {
        case 'f': a->fmt = optarg; break;
        case 'r': a->repair = optarg; break;
        case 'q': a->quiet = true; break;
        case 'U': a->flags |= BDRV_O_SHARE_RW; break;
        case 'B': a->chain = true; break;
        case 'O':
            if (!img_parse_output(optarg, &a->json)) {
                return false;
            }
            break;
        default: return false;
        }
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return false;
    }
    a->filename = argv[optind];
    return true;
}

static void json_kv_str(GString *j, const char *ind, const char *k,
                        const char *v, bool comma)
{
    g_string_append_printf(j, "%s\"%s\": ", ind, k);
    json_append_string(j, v);
    g_string_append(j, comma ? ",\n" : "\n");
}

static void print_info_json(BlockDriverState *bs, BdrvImageInfo *info,
                            int64_t actual, GString *j)
{
    const char *backing = info->backing_file;
    g_string_append_printf(j, "{\n");
    if (info->snapshots && info->snapshots->len) {
        g_string_append(j, "    \"snapshots\": [\n");
        for (guint i = 0; i < info->snapshots->len; i++) {
            BdrvSnapshotInfo *sn = &g_array_index(info->snapshots,
                                                  BdrvSnapshotInfo, i);
            g_string_append(j, "        {\n");
            if (sn->icount != UINT64_MAX) {
                g_string_append_printf(j, "            \"icount\": %" PRIu64
                                       ",\n", sn->icount);
            }
            g_string_append_printf(j, "            \"vm-clock-nsec\": %" PRIu64
                ",\n", sn->vm_clock_nsec % 1000000000);
            json_kv_str(j, "            ", "name", sn->name, true);
            g_string_append_printf(j,
                "            \"date-sec\": %u,\n"
                "            \"date-nsec\": %u,\n"
                "            \"vm-clock-sec\": %" PRIu64 ",\n",
                sn->date_sec, sn->date_nsec, sn->vm_clock_nsec / 1000000000);
            json_kv_str(j, "            ", "id", sn->id, true);
            g_string_append_printf(j, "            \"vm-state-size\": %" PRIu64
                                   "\n        }%s\n", sn->vm_state_size,
                                   i + 1 < info->snapshots->len ? "," : "");
        }
        g_string_append(j, "    ],\n");
    }
    g_string_append_printf(j, "    \"virtual-size\": %" PRId64 ",\n",
                           bdrv_getlength(bs));
    json_kv_str(j, "    ", "filename", bdrv_filename(bs), true);
    if (info->cluster_size) {
        g_string_append_printf(j, "    \"cluster-size\": %u,\n",
                               info->cluster_size);
    }
    json_kv_str(j, "    ", "format", bdrv_format_name(bs), true);
    if (actual >= 0) {
        g_string_append_printf(j, "    \"actual-size\": %" PRId64 ",\n", actual);
    }
    if (backing) {
        g_autofree char *full = bdrv_backing_path(bdrv_filename(bs), backing);
        json_kv_str(j, "    ", "backing-filename", backing, true);
        json_kv_str(j, "    ", "full-backing-filename", full, true);
        if (info->backing_fmt) {
            json_kv_str(j, "    ", "backing-filename-format", info->backing_fmt,
                        true);
        }
    }
    if (info->has_format_specific) {
        g_string_append_printf(j,
            "    \"format-specific\": {\n"
            "        \"type\": \"qcow2\",\n"
            "        \"data\": {\n"
            "            \"compat\": \"%s\",\n", info->qcow2_version == 2
            ? "0.10" : "1.1");
        if (info->qcow2_version >= 3) {
            g_string_append_printf(j,
                "            \"compression-type\": \"zlib\",\n"
                "            \"lazy-refcounts\": %s,\n",
                info->lazy_refcounts ? "true" : "false");
        }
        g_string_append_printf(j,
            "            \"refcount-bits\": %d,\n"
            "            \"corrupt\": %s,\n"
            "            \"extended-l2\": false\n"
            "        }\n"
            "    },\n", info->refcount_bits, info->corrupt ? "true" : "false");
    }
    g_string_append_printf(j, "    \"dirty-flag\": %s\n}",
                           info->dirty ? "true" : "false");
}

static void print_snapshot_list(GArray *snapshots)
{
    printf("Snapshot list:\n");
    printf("ID        TAG               VM SIZE                DATE     "
           "VM CLOCK     ICOUNT\n");
    for (guint i = 0; i < snapshots->len; i++) {
        BdrvSnapshotInfo *sn = &g_array_index(snapshots, BdrvSnapshotInfo, i);
        g_autofree char *vm = size_to_str(sn->vm_state_size);
        char date[32];
        time_t t = sn->date_sec;
        struct tm tm;
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S",
                 localtime_r(&t, &tm));
        uint64_t ms = sn->vm_clock_nsec / 1000000;
        printf("%-9s %-17s %7s %s %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64
               ".%03" PRIu64, sn->id, sn->name, vm, date,
               ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
        if (sn->icount != UINT64_MAX) {
            printf(" %10" PRIu64, sn->icount);
        }
        printf("\n");
    }
}

static void print_info_human(BlockDriverState *bs, BdrvImageInfo *info,
                             int64_t actual)
{
    g_autofree char *vsize = size_to_str(bdrv_getlength(bs));
    g_autofree char *dsize = actual >= 0 ? size_to_str(actual)
                                         : g_strdup("unavailable");
    printf("image: %s\nfile format: %s\nvirtual size: %s (%" PRId64 " bytes)\n"
           "disk size: %s\n", bdrv_filename(bs), bdrv_format_name(bs), vsize,
           bdrv_getlength(bs), dsize);
    if (info->cluster_size) {
        printf("cluster_size: %u\n", info->cluster_size);
    }
    if (info->backing_file) {
        g_autofree char *full = bdrv_backing_path(bdrv_filename(bs),
                                                  info->backing_file);
        printf("backing file: %s", info->backing_file);
        if (strcmp(full, info->backing_file)) {
            printf(" (actual path: %s)", full);
        }
        printf("\n");
        if (info->backing_fmt) {
            printf("backing file format: %s\n", info->backing_fmt);
        }
    }
    if (info->snapshots && info->snapshots->len) {
        print_snapshot_list(info->snapshots);
    }
    if (info->has_format_specific) {
        printf("Format specific information:\n    compat: %s\n",
               info->qcow2_version == 2 ? "0.10" : "1.1");
        if (info->qcow2_version >= 3) {
            printf("    compression type: zlib\n    lazy refcounts: %s\n",
                   info->lazy_refcounts ? "true" : "false");
        }
        printf("    refcount bits: %d\n    corrupt: %s\n    extended l2: "
               "false\n", info->refcount_bits,
               info->corrupt ? "true" : "false");
    }
    if (info->dirty) {
        printf("dirty flag: true\n");
    }
}

int img_info(int argc, char **argv)
{
    InspectArgs a = { 0 };
    if (!parse_inspect(argc, argv, "+f:hU", &a)) {
        return IMG_FAIL;
    }
    g_autoptr(BlockDriverState) top = img_open(a.filename, a.fmt,
                                               a.flags | BDRV_O_NO_BACKING);
    if (!top) {
        return IMG_FAIL;
    }
    /* Open the chain only to print it; info itself needs no backing file. */
    g_autoptr(BlockDriverState) chain = NULL;
    if (a.chain) {
        chain = img_open(a.filename, a.fmt, a.flags);
        if (!chain) {
            return IMG_FAIL;
        }
    }
    g_autoptr(GString) j = g_string_new(NULL);
    if (a.json && a.chain) {
        g_string_append(j, "[");
    }
    for (BlockDriverState *bs = a.chain ? chain : top; bs;
         bs = a.chain ? bdrv_backing(bs) : NULL) {
        BdrvImageInfo info;
        bdrv_get_info(bs, &info);
        int64_t actual = bdrv_get_allocated_file_size(bs);
        if (a.json) {
            print_info_json(bs, &info, actual, j);
            if (a.chain && bdrv_backing(bs)) {
                g_string_append(j, ",\n");
            }
        } else {
            print_info_human(bs, &info, actual);
            if (a.chain && bdrv_backing(bs)) {
                printf("\n");
            }
        }
        bdrv_image_info_clear(&info);
    }
    if (a.json) {
        printf("%s%s\n", j->str, a.chain ? "]" : "");
    }
    return 0;
}

static void print_check_json(const char *filename, BlockDriverState *bs,
                             BdrvCheckResult *r)
{
    g_autoptr(GString) j = g_string_new("{\n");
    g_string_append_printf(j, "    \"image-end-offset\": %" PRId64 ",\n"
        "    \"total-clusters\": %" PRIu64 ",\n"
        "    \"check-errors\": %d,\n", r->image_end_offset,
        r->total_clusters, r->check_errors);
    if (r->leaks) {
        g_string_append_printf(j, "    \"leaks\": %d,\n", r->leaks);
    }
    if (r->corruptions) {
        g_string_append_printf(j, "    \"corruptions\": %d,\n", r->corruptions);
    }
    if (r->leaks_fixed) {
        g_string_append_printf(j, "    \"leaks-fixed\": %d,\n", r->leaks_fixed);
    }
    if (r->corruptions_fixed) {
        g_string_append_printf(j, "    \"corruptions-fixed\": %d,\n",
                               r->corruptions_fixed);
    }
    g_string_append_printf(j, "    \"allocated-clusters\": %" PRIu64 ",\n"
        "    \"filename\": ", r->allocated_clusters);
    json_append_string(j, filename);
    g_string_append_printf(j, ",\n    \"format\": \"%s\",\n"
        "    \"fragmented-clusters\": %" PRIu64 ",\n"
        "    \"compressed-clusters\": %" PRIu64 "\n}",
        bdrv_format_name(bs), r->fragmented_clusters, r->compressed_clusters);
    printf("%s\n", j->str);
}

static void print_check_human(BdrvCheckResult *r, bool fixed)
{
    fputs(r->log->str, stdout);
    if (fixed) {
        printf("The following inconsistencies were found and repaired:\n\n"
               "    %d leaked clusters\n    %d corruptions\n\n"
               "Double checking the fixed image now...\n",
               r->leaks_fixed, r->corruptions_fixed);
    }
    if (!r->corruptions && !r->leaks && !r->check_errors) {
        printf("No errors were found on the image.\n");
    } else {
        if (r->corruptions) {
            printf("\n%d errors were found on the image.\nData may be "
                   "corrupted, or further writes to the image may corrupt "
                   "it.\n", r->corruptions);
        }
        if (r->leaks) {
            printf("\n%d leaked clusters were found on the image.\nThis means "
                   "waste of disk space, but no harm to data.\n", r->leaks);
        }
        if (r->check_errors) {
            printf("\n%d internal errors have occurred during the check.\n",
                   r->check_errors);
        }
    }
    if (r->total_clusters && r->allocated_clusters) {
        printf("%" PRIu64 "/%" PRIu64 " = %0.2f%% allocated, %0.2f%% "
               "fragmented, %0.2f%% compressed clusters\n",
               r->allocated_clusters, r->total_clusters,
               r->allocated_clusters * 100.0 / r->total_clusters,
               r->fragmented_clusters * 100.0 / r->allocated_clusters,
               r->compressed_clusters * 100.0 / r->allocated_clusters);
    }
    if (r->image_end_offset) {
        printf("Image end offset: %" PRId64 "\n", r->image_end_offset);
    }
}

int img_check(int argc, char **argv)
{
    InspectArgs a = { 0 };
    int fix = 0;

    if (!parse_inspect(argc, argv, "+f:r:qU", &a)) {
        return IMG_FAIL;
    }
    if (a.repair) {
        if (!strcmp(a.repair, "leaks")) {
            fix = BDRV_FIX_LEAKS;
        } else if (!strcmp(a.repair, "all")) {
            fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
        } else {
            error_report("Unknown option value for -r (expecting 'leaks' or "
                         "'all'): %s", a.repair);
            return IMG_FAIL;
        }
    }
    g_autoptr(BlockDriverState) bs = img_open(a.filename, a.fmt,
        a.flags | BDRV_O_NO_BACKING | BDRV_O_CHECK | (fix ? BDRV_O_RDWR : 0));
    if (!bs) {
        return IMG_FAIL;
    }
    BdrvCheckResult r = { .log = g_string_new(NULL) };
    int ret = bdrv_check(bs, &r, fix);
    if (ret == -ENOTSUP) {
        error_report("This image format does not support checks");
        g_string_free(r.log, true);
        return 63;
    }
    if (ret < 0) {
        error_report("Check failed: %s", g_strerror(-ret));
        g_string_free(r.log, true);
        return 1;
    }
    if (a.json) {
        print_check_json(a.filename, bs, &r);
    } else if (!a.quiet) {
        print_check_human(&r, r.leaks_fixed || r.corruptions_fixed);
    }
    g_string_free(r.log, true);
    if (r.check_errors) {
        return 1;
    }
    return r.corruptions ? 2 : r.leaks ? 3 : 0;
}

int img_map(int argc, char **argv)
{
    InspectArgs a = { 0 };
    if (!parse_inspect(argc, argv, "+f:U", &a)) {
        return IMG_FAIL;
    }
    g_autoptr(BlockDriverState) bs = img_open(a.filename, a.fmt, a.flags);
    if (!bs) {
        return IMG_FAIL;
    }
    uint64_t len = bdrv_getlength(bs), off = 0;
    bool first = true;
    /* Pending entry, merged while the next range continues it. */
    uint64_t p_start = 0, p_len = 0, p_map = 0;
    int p_flags = -1, p_depth = 0;
    BlockDriverState *p_file = NULL;

    if (a.json) {
        printf("[");
    } else {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    }
    for (;;) {
        uint64_t n = 0, map = 0;
        BlockDriverState *file = NULL;
        int depth = 0, ret = off < len
            ? bdrv_block_status_above(bs, off, len - off, &n, &map, &file,
                                      &depth) : -1;
        if (ret >= 0) {
            ret &= BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID |
                   BDRV_BLOCK_ALLOCATED;
            if (!(ret & BDRV_BLOCK_DATA)) {
                ret |= BDRV_BLOCK_ZERO;
            }
        } else if (off < len) {
            error_report("Could not read the image map: %s", g_strerror(-ret));
            return IMG_FAIL;
        }
        bool merge = ret >= 0 && p_flags == ret && p_depth == depth &&
                     p_file == file &&
                     (!(ret & BDRV_BLOCK_OFFSET_VALID) || map == p_map + p_len);
        if (!merge && p_flags >= 0) {
            bool present = p_flags & BDRV_BLOCK_ALLOCATED;
            if (a.json) {
                printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64
                       ", \"depth\": %d, \"present\": %s, \"zero\": %s, "
                       "\"data\": %s", first ? "" : ",\n", p_start, p_len,
                       p_depth, present ? "true" : "false",
                       p_flags & BDRV_BLOCK_ZERO ? "true" : "false",
                       p_flags & BDRV_BLOCK_DATA ? "true" : "false");
                if (p_flags & BDRV_BLOCK_OFFSET_VALID) {
                    printf(", \"offset\": %" PRIu64, p_map);
                }
                printf("}");
                first = false;
            } else if ((p_flags & BDRV_BLOCK_DATA) &&
                       (p_flags & BDRV_BLOCK_OFFSET_VALID)) {
                printf("%#-16" PRIx64 "%#-16" PRIx64 "%#-16" PRIx64 "%s\n",
                       p_start, p_len, p_map, bdrv_filename(p_file));
            }
        }
        if (ret < 0) {
            break;
        }
        if (merge) {
            p_len += n;
        } else {
            p_start = off;
            p_len = n;
            p_map = map;
            p_flags = ret;
            p_depth = depth;
            p_file = file;
        }
        off += n;
    }
    if (a.json) {
        printf("]\n");
    }
    return 0;
}

int img_snapshot(int argc, char **argv)
{
    const char *fmt = NULL;
    bool list = false;
    int flags = 0, c;

    while ((c = getopt(argc, argv, "+f:lUqc:a:d:")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'l': list = true; break;
        case 'U': flags |= BDRV_O_SHARE_RW; break;
        case 'q': break;
        case 'c': case 'a': case 'd':
            error_report("snapshot -%c: Tern reads internal snapshots but "
                         "cannot create, apply or delete them (use -l)", c);
            return IMG_FAIL;
        default: return IMG_FAIL;
        }
    }
    if (!list || optind != argc - 1) {
        error_report("Expecting 'snapshot -l filename'");
        return IMG_FAIL;
    }
    g_autoptr(BlockDriverState) bs = img_open(argv[optind], fmt,
                                              flags | BDRV_O_NO_BACKING);
    if (!bs) {
        return IMG_FAIL;
    }
    BdrvImageInfo info;
    bdrv_get_info(bs, &info);
    if (info.snapshots && info.snapshots->len) {
        print_snapshot_list(info.snapshots);
    }
    bdrv_image_info_clear(&info);
    return 0;
}
