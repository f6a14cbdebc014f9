/* qcow2 and raw drivers: allocation, backing chains, zero/discard,
 * compression, crash consistency, lazy refcounts, hostile headers. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "test-tmpdir.h"
#include <unistd.h>
#include "block/block.h"

static char *tmpdir;

static char *path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void create(const char *fmt, const char *file, uint64_t size,
                   uint32_t cluster_size, const char *backing,
                   const char *backing_fmt)
{
    BlockCreateOpts o = {
        .size = size, .has_size = size != 0, .cluster_size = cluster_size,
        .backing_file = backing, .backing_fmt = backing_fmt,
    };
    GError *err = NULL;
    bool ok = bdrv_create(fmt, file, &o, &err);
    if (!ok) {
        fail_msg("create %s: %s", file, err->message);
    }
}

static BlockDriverState *open_img(const char *file, const char *fmt, int flags)
{
    GError *err = NULL;
    BlockDriverState *bs = bdrv_open(file, fmt, flags, &err);
    if (!bs) {
        fail_msg("open %s: %s", file, err->message);
    }
    return bs;
}

static void fill(BlockDriverState *bs, uint64_t off, uint64_t len, int byte)
{
    g_autofree uint8_t *buf = g_malloc(len);
    memset(buf, byte, len);
    assert_int_equal(bdrv_pwrite(bs, off, len, buf), 0);
}

static void expect(BlockDriverState *bs, uint64_t off, uint64_t len, int byte)
{
    g_autofree uint8_t *buf = g_malloc(len);
    assert_int_equal(bdrv_pread(bs, off, len, buf), 0);
    for (uint64_t i = 0; i < len; i++) {
        if (buf[i] != byte) {
            fail_msg("offset %" PRIu64 ": 0x%02x, expected 0x%02x", off + i,
                     buf[i], byte);
        }
    }
}

/* Run check; return corruptions, and leaks through *leaks. */
static int check(BlockDriverState *bs, int fix, int *leaks)
{
    BdrvCheckResult r = { .log = g_string_new(NULL) };
    assert_int_equal(bdrv_check(bs, &r, fix), 0);
    if (r.corruptions) {
        printf("%s", r.log->str);
    }
    g_string_free(r.log, true);
    assert_int_equal(r.check_errors, 0);
    if (leaks) {
        *leaks = r.leaks;
    }
    return r.corruptions;
}

static void assert_clean(const char *file)
{
    g_autoptr(BlockDriverState) bs = open_img(file, "qcow2",
                                              BDRV_O_NO_BACKING | BDRV_O_CHECK);
    int leaks;
    assert_int_equal(check(bs, 0, &leaks), 0);
    assert_int_equal(leaks, 0);
}

static void test_alloc_cluster_sizes(void **state)
{
    static const uint32_t sizes[] = { 512, 1024, 4096, 65536, 2u << 20 };
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        g_autofree char *f = path("alloc.qcow2");
        create("qcow2", f, 64 << 20, sizes[i], NULL, NULL);
        {
            g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
            fill(bs, 0, 1000, 0x11);             /* partial first cluster */
            fill(bs, 777, 5000, 0x22);           /* straddles clusters */
            fill(bs, 40 << 20, 3 << 20, 0x33);   /* many clusters */
            fill(bs, (64 << 20) - 512, 512, 0x44);
            fill(bs, 41 << 20, 4096, 0x55);      /* overwrite in place */
            expect(bs, 0, 777, 0x11);
            expect(bs, 777, 5000, 0x22);
            expect(bs, 5777, 100, 0);
            expect(bs, 20 << 20, 4096, 0);
        }
        g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", 0);
        expect(bs, 777, 5000, 0x22);
        expect(bs, 40 << 20, 1 << 20, 0x33);
        expect(bs, 41 << 20, 4096, 0x55);
        expect(bs, (41 << 20) + 4096, 100, 0x33);
        expect(bs, (64 << 20) - 512, 512, 0x44);
        g_clear_pointer(&bs, bdrv_unref);
        assert_clean(f);
        unlink(f);
    }
}

/* 512 B clusters with 64-bit refcounts: refcount blocks cover only 64
 * clusters, so a few MiB of data grow the refcount table several times. */
static void test_refcount_table_growth(void **state)
{
    g_autofree char *f = path("grow.qcow2");
    BlockCreateOpts o = { .size = 32 << 20, .has_size = true,
                          .cluster_size = 512, .refcount_bits = 64 };
    assert_true(bdrv_create("qcow2", f, &o, NULL));
    g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
    for (int i = 0; i < 8; i++) {
        fill(bs, (uint64_t)i << 20, 1 << 20, 0x60 + i);
    }
    for (int i = 0; i < 8; i++) {
        expect(bs, (uint64_t)i << 20, 1 << 20, 0x60 + i);
    }
    assert_int_equal(check(bs, 0, NULL), 0);
}

static void test_backing_chain(void **state)
{
    g_autofree char *base = path("base.raw");
    g_autofree char *mid = path("mid.qcow2");
    g_autofree char *top = path("top.qcow2");
    create("raw", base, 4 << 20, 0, NULL, NULL);
    {
        g_autoptr(BlockDriverState) bs = open_img(base, "raw", BDRV_O_RDWR);
        fill(bs, 0, 4 << 20, 0xaa);
    }
    create("qcow2", mid, 0, 4096, "base.raw", "raw");    /* size from base */
    create("qcow2", top, 8 << 20, 512, "mid.qcow2", NULL);  /* probed fmt */
    {
        g_autoptr(BlockDriverState) bs = open_img(mid, "qcow2", BDRV_O_RDWR);
        assert_int_equal(bdrv_getlength(bs), 4 << 20);
        fill(bs, 10000, 100, 0xbb);
    }
    g_autoptr(BlockDriverState) bs = open_img(top, "qcow2", BDRV_O_RDWR);
    fill(bs, 10050, 10, 0xcc);              /* COW from two layers below */
    expect(bs, 0, 10000, 0xaa);
    expect(bs, 10000, 50, 0xbb);
    expect(bs, 10050, 10, 0xcc);
    expect(bs, 10060, 40, 0xbb);
    expect(bs, 10100, 4000, 0xaa);
    expect(bs, 4 << 20, 4 << 20, 0);        /* past the shorter backing */
    /* Discard with a backing file must read zeroes, not the backing. */
    assert_int_equal(bdrv_pdiscard(bs, 1 << 20, 1 << 20), 0);
    expect(bs, 1 << 20, 1 << 20, 0);
    expect(bs, (1 << 20) - 100, 100, 0xaa);

    uint64_t pnum, map;
    BlockDriverState *file;
    int depth;
    int ret = bdrv_block_status_above(bs, 2 << 20, 1 << 20, &pnum, &map,
                                      &file, &depth);
    assert_true(ret & BDRV_BLOCK_DATA);
    assert_int_equal(depth, 2);
    assert_int_equal(check(bs, 0, NULL), 0);
}

static void test_backing_loop_refused(void **state)
{
    g_autofree char *a = path("loop-a.qcow2");
    g_autofree char *b = path("loop-b.qcow2");
    create("qcow2", b, 1 << 20, 0, NULL, NULL);
    create("qcow2", a, 1 << 20, 0, "loop-b.qcow2", "qcow2");
    /* Point b back at a by rewriting b's header with a backing name. */
    create("qcow2", b, 1 << 20, 0, "loop-a.qcow2", "qcow2");
    GError *err = NULL;
    BlockDriverState *bs = bdrv_open(a, "qcow2", 0, &err);
    assert_null(bs);
    assert_non_null(strstr(err->message, "deeper than"));
    g_error_free(err);
}

static void test_zero_and_discard(void **state)
{
    g_autofree char *f = path("zero.qcow2");
    create("qcow2", f, 16 << 20, 65536, NULL, NULL);
    g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
    fill(bs, 0, 8 << 20, 0x77);
    int64_t before = bdrv_get_allocated_file_size(bs);
    assert_int_equal(bdrv_pwrite_zeroes(bs, 1000, 3 << 20, BDRV_REQ_MAY_UNMAP), 0);
    expect(bs, 0, 1000, 0x77);
    expect(bs, 1000, 3 << 20, 0);
    expect(bs, 1000 + (3 << 20), 1000, 0x77);
    assert_int_equal(bdrv_pdiscard(bs, 4 << 20, 4 << 20), 0);
    expect(bs, 4 << 20, 4 << 20, 0);
    /* The freed clusters were punched out of the host file. */
    assert_true(bdrv_get_allocated_file_size(bs) < before - (6 << 20));

    uint64_t pnum, map;
    BlockDriverState *file;
    assert_int_equal(bdrv_block_status(bs, 65536, 65536, &pnum, &map, &file),
                     BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED);
    assert_int_equal(check(bs, 0, NULL), 0);
    /* Freed clusters are reused. */
    fill(bs, 12 << 20, 1 << 20, 0x78);
    assert_int_equal(check(bs, 0, NULL), 0);
}

static void test_compressed(void **state)
{
    g_autofree char *f = path("comp.qcow2");
    create("qcow2", f, (4 << 20) + 512, 4096, NULL, NULL);
    g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
    g_autofree uint8_t *buf = g_malloc(4096);
    for (int c = 0; c < 64; c++) {
        for (int i = 0; i < 4096; i++) {
            buf[i] = (i / 64 + c) & 0xff;
        }
        assert_int_equal(bdrv_pwrite_compressed(bs, c * 4096, 4096, buf), 0);
    }
    /* The image tail is a partial cluster. */
    memset(buf, 0x5e, 512);
    assert_int_equal(bdrv_pwrite_compressed(bs, 4 << 20, 512, buf), 0);
    expect(bs, 4 << 20, 512, 0x5e);
    assert_int_equal(bdrv_pwrite_compressed(bs, 100, 4096, buf), -EINVAL);
    for (int c = 0; c < 64; c++) {
        assert_int_equal(bdrv_pread(bs, c * 4096, 4096, buf), 0);
        for (int i = 0; i < 4096; i++) {
            assert_int_equal(buf[i], (i / 64 + c) & 0xff);
        }
    }
    /* Several compressed clusters share a host cluster. */
    assert_true(bdrv_get_allocated_file_size(bs) < 32 * 4096);
    /* Overwrite part of a compressed cluster: decompress, then COW. */
    fill(bs, 4096 + 10, 10, 0xee);
    expect(bs, 4096 + 10, 10, 0xee);
    assert_int_equal(bdrv_pread(bs, 4096, 10, buf), 0);
    assert_int_equal(buf[0], 1);
    BdrvCheckResult r = { .log = g_string_new(NULL) };
    assert_int_equal(bdrv_check(bs, &r, 0), 0);
    assert_int_equal(r.corruptions + r.leaks, 0);
    assert_int_equal(r.compressed_clusters, 64);
    g_string_free(r.log, true);
}

static void test_refcount_overflow(void **state)
{
    /* 1-bit refcounts cannot share a host cluster between two compressed
     * clusters: the write must fail cleanly, the image stay consistent. */
    g_autofree char *f = path("ovf.qcow2");
    BlockCreateOpts o = { .size = 1 << 20, .has_size = true,
                          .cluster_size = 65536, .refcount_bits = 1 };
    assert_true(bdrv_create("qcow2", f, &o, NULL));
    g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
    g_autofree uint8_t *buf = g_malloc0(65536);
    assert_int_equal(bdrv_pwrite_compressed(bs, 0, 65536, buf), 0);
    assert_int_equal(bdrv_pwrite_compressed(bs, 65536, 65536, buf), -ERANGE);
    expect(bs, 0, 131072, 0);
    assert_int_equal(check(bs, 0, NULL), 0);
}

static void test_resize(void **state)
{
    g_autofree char *f = path("resize.qcow2");
    create("qcow2", f, 1 << 20, 4096, NULL, NULL);
    g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
    fill(bs, 0, 1 << 20, 0x12);
    /* 512 L2 entries * 4 KiB = 2 MiB per L1 entry: growing needs a new L1. */
    assert_int_equal(bdrv_truncate(bs, 64 << 20, false, PREALLOC_OFF, NULL), 0);
    fill(bs, 63 << 20, 1 << 20, 0x34);
    expect(bs, 0, 1 << 20, 0x12);
    expect(bs, 1 << 20, 1 << 20, 0);
    assert_int_equal(bdrv_truncate(bs, 1000 * 512, false, PREALLOC_OFF, NULL),
                     -EINVAL);
    assert_int_equal(bdrv_truncate(bs, 1000 * 512, true, PREALLOC_OFF, NULL), 0);
    assert_int_equal(bdrv_truncate(bs, 2 << 20, false, PREALLOC_FULL, NULL), 0);
    expect(bs, 0, 1000 * 512, 0x12);
    expect(bs, 1000 * 512, (2 << 20) - 1000 * 512, 0);
    assert_int_equal(check(bs, 0, NULL), 0);
}

/*
 * Crash consistency: cut the image's writes after n host writes for every
 * n until the workload completes. After each cut the image must open and
 * check without corruption (leaks are allowed), and repair must make it
 * clean.
 */
static void crash_workload(BlockDriverState *bs)
{
    g_autofree uint8_t *buf = g_malloc(300000);
    memset(buf, 0x42, 300000);
    /* errors are expected once the writes are cut */
    bdrv_pwrite(bs, 1000, 300000, buf);                 /* L2 + data */
    bdrv_pwrite(bs, 5 << 20, 70000, buf);               /* another L2 */
    bdrv_pwrite_compressed(bs, 8 << 20, 4096, buf);
    bdrv_pwrite_zeroes(bs, 0, 65536, BDRV_REQ_MAY_UNMAP);
    bdrv_pdiscard(bs, 5 << 20, 1 << 20);
    bdrv_truncate(bs, 32 << 20, false, PREALLOC_OFF, NULL);   /* grow L1 */
    bdrv_pwrite(bs, 30 << 20, 300000, buf);
}

static void crash_test(bool lazy, uint32_t cluster_size, int refcount_bits)
{
    g_autofree char *f = path("crash.qcow2");
    g_autofree char *backing = path("crash-base.qcow2");
    int n;

    create("qcow2", backing, 16 << 20, 4096, NULL, NULL);
    {
        g_autoptr(BlockDriverState) b = open_img(backing, "qcow2", BDRV_O_RDWR);
        fill(b, 0, 1 << 20, 0x99);
    }
    BlockCreateOpts o = { .size = 16 << 20, .has_size = true,
                          .cluster_size = cluster_size,
                          .refcount_bits = refcount_bits,
                          .lazy_refcounts = lazy,
                          .backing_file = "crash-base.qcow2",
                          .backing_fmt = "qcow2" };
    assert_true(bdrv_create("qcow2", f, &o, NULL));
    g_autofree char *fresh = NULL;
    gsize fresh_len;
    assert_true(g_file_get_contents(f, &fresh, &fresh_len, NULL));
    for (n = 0;; n++) {
        /* Start each round from the freshly created image (no fsync). */
        FILE *fp = fopen(f, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(fresh, 1, fresh_len, fp), fresh_len);
        fclose(fp);
        /* No flushes: only the order of writes matters for a kill. */
        BlockDriverState *bs = open_img(f, "qcow2",
                                        BDRV_O_RDWR | BDRV_O_NO_FLUSH);
        bdrv_inject_write_failure(bs, n);
        crash_workload(bs);
        /* Nothing more reaches the file: as if killed at this point. */
        bdrv_inject_write_failure(bs, 0);
        bool completed = bdrv_getlength(bs) == 32 << 20;
        bdrv_unref(bs);

        /* A dirty (lazy) image is repaired when opened read-write. */
        bs = open_img(f, "qcow2", lazy ? BDRV_O_RDWR : BDRV_O_CHECK);
        int leaks;
        if (check(bs, 0, &leaks)) {
            fail_msg("corruption after cutting writes at %d", n);
        }
        /* Data is either the old (backing) or the new content. */
        g_autofree uint8_t *buf = g_malloc(4096);
        assert_int_equal(bdrv_pread(bs, 70000, 4096, buf), 0);
        assert_true(buf[0] == 0x99 || buf[0] == 0x42);
        assert_int_equal(buf[4095], buf[0]);
        bdrv_unref(bs);
        if (leaks) {
            bs = open_img(f, "qcow2",
                          BDRV_O_RDWR | BDRV_O_CHECK | BDRV_O_NO_FLUSH);
            BdrvCheckResult r = { .log = g_string_new(NULL) };
            assert_int_equal(bdrv_check(bs, &r, BDRV_FIX_LEAKS), 0);
            assert_int_equal(r.leaks + r.corruptions, 0);
            g_string_free(r.log, true);
            bdrv_unref(bs);
        }
        if (completed) {
            break;
        }
    }
    printf("# crash test (lazy=%d, cluster %u, refcount bits %d): cut at "
           "each of %d write steps\n", lazy, cluster_size, refcount_bits, n);
    assert_true(n > 20);
}

static void test_crash_consistency(void **state)
{
    crash_test(false, 4096, 16);
}

/* Tiny refcount blocks: the cuts land inside refcount block creation and
 * refcount table growth too. */
static void test_crash_refcount_growth(void **state)
{
    crash_test(false, 512, 64);
}

static void test_lazy_refcounts(void **state)
{
    crash_test(true, 4096, 16);
}

static void test_dirty_bit(void **state)
{
    g_autofree char *f = path("dirty.qcow2");
    BlockCreateOpts o = { .size = 4 << 20, .has_size = true,
                          .lazy_refcounts = true };
    assert_true(bdrv_create("qcow2", f, &o, NULL));
    BlockDriverState *bs = open_img(f, "qcow2", BDRV_O_RDWR);
    fill(bs, 0, 65536, 0x21);
    BdrvImageInfo info;
    bdrv_get_info(bs, &info);
    assert_true(info.dirty && info.lazy_refcounts);
    bdrv_image_info_clear(&info);
    bdrv_inject_write_failure(bs, 0);   /* "killed": dirty bit stays */
    bdrv_unref(bs);
    bs = open_img(f, "qcow2", 0);
    bdrv_get_info(bs, &info);
    assert_true(info.dirty);
    bdrv_image_info_clear(&info);
    bdrv_unref(bs);
    bs = open_img(f, "qcow2", BDRV_O_RDWR);   /* repairs and cleans */
    bdrv_unref(bs);
    bs = open_img(f, "qcow2", 0);
    bdrv_get_info(bs, &info);
    assert_false(info.dirty);
    bdrv_image_info_clear(&info);
    expect(bs, 0, 65536, 0x21);
    bdrv_unref(bs);
}

static void test_check_repair(void **state)
{
    g_autofree char *f = path("repair.qcow2");
    create("qcow2", f, 4 << 20, 65536, NULL, NULL);
    {
        g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
        fill(bs, 0, 1 << 20, 1);
    }
    /* Corrupt: zero the refcount of the L1 table's cluster, leak cluster 30. */
    FILE *fp = fopen(f, "r+b");
    uint8_t rb[2] = { 0, 0 }, one[2] = { 0, 1 };
    fseek(fp, 2 * 65536 + 3 * 2, SEEK_SET);   /* cluster 3: the L1 table */
    fwrite(rb, 1, 2, fp);
    fseek(fp, 2 * 65536 + 30 * 2, SEEK_SET);
    fwrite(one, 1, 2, fp);
    fclose(fp);
    g_autoptr(BlockDriverState) bs = open_img(f, "qcow2",
                                              BDRV_O_RDWR | BDRV_O_CHECK);
    int leaks;
    assert_true(check(bs, 0, &leaks) >= 1);
    assert_int_equal(leaks, 1);
    BdrvCheckResult r = { .log = g_string_new(NULL) };
    assert_int_equal(bdrv_check(bs, &r, BDRV_FIX_LEAKS), 0);
    assert_int_equal(r.leaks_fixed, 1);
    assert_true(r.corruptions >= 1);
    g_string_free(r.log, true);
    r = (BdrvCheckResult){ .log = g_string_new(NULL) };
    assert_int_equal(bdrv_check(bs, &r, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS), 0);
    assert_true(r.corruptions_fixed >= 1);
    assert_int_equal(r.corruptions + r.leaks, 0);
    g_string_free(r.log, true);
    expect(bs, 0, 1 << 20, 1);
}

/* Build a header by hand and expect open to fail naming the problem. */
static void hostile(const char *what, void (*patch)(uint8_t *img),
                    const char *needle)
{
    g_autofree char *f = path("hostile.qcow2");
    create("qcow2", f, 1 << 20, 65536, NULL, NULL);
    g_autofree uint8_t *img = NULL;
    gsize len;
    assert_true(g_file_get_contents(f, (gchar **)&img, &len, NULL));
    patch(img);
    assert_true(g_file_set_contents(f, (gchar *)img, len, NULL));
    GError *err = NULL;
    BlockDriverState *bs = bdrv_open(f, "qcow2", BDRV_O_RDWR, &err);
    if (bs) {
        fail_msg("%s: opened", what);
    }
    if (!strstr(err->message, needle)) {
        fail_msg("%s: message '%s' lacks '%s'", what, err->message, needle);
    }
    g_error_free(err);
}

/* The L1 table offset from a header. */
static uint64_t ld_l1(const uint8_t *h)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | h[40 + i];
    }
    return v;
}

static void be32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static void be64(uint8_t *p, uint64_t v) { be32(p, v >> 32); be32(p + 4, v); }
static void p_version(uint8_t *h) { be32(h + 4, 4); }
static void p_cluster_bits(uint8_t *h) { be32(h + 20, 30); }
static void p_l1_past_eof(uint8_t *h) { be64(h + 40, 1ull << 40); }
static void p_l1_huge(uint8_t *h) { be32(h + 36, 0x7fffffff); }
static void p_size_huge(uint8_t *h) { be64(h + 24, 1ull << 60); }
static void p_reftable_overlap(uint8_t *h) { be64(h + 48, ld_l1(h)); }
static void p_reftable_huge(uint8_t *h) { be32(h + 56, 1u << 30); }
static void p_refcount_order(uint8_t *h) { be32(h + 96, 7); }
static void p_refcount_order_neg(uint8_t *h) { be32(h + 96, 0xd6000004); }
static void p_extl2(uint8_t *h) { h[79] |= 1 << 4; }
static void p_unknown_feature(uint8_t *h) { h[72] = 0x80; }
static void p_encrypted(uint8_t *h) { be32(h + 32, 1); }
static void p_backing_name(uint8_t *h) { be64(h + 8, 65500); be32(h + 16, 1000); }
static void p_header_length(uint8_t *h) { be32(h + 100, 1 << 20); }
static void p_ext_overrun(uint8_t *h) { be32(h + 112, 0x12345678); be32(h + 116, 1 << 20); }
static void p_snapshots(uint8_t *h) { be32(h + 60, 5); be64(h + 64, 1ull << 40); }
static void p_l2_offset(uint8_t *h)
{
    uint64_t l1 = ld_l1(h);
    be64(h + l1, (1ull << 50) | (1ull << 63));
}
static void p_reftable_entry(uint8_t *h) { be64(h + 65536, 12345); }
static void p_magic(uint8_t *h) { h[0] = 'X'; }

static void test_hostile_headers(void **state)
{
    hostile("bad magic", p_magic, "not in qcow2 format");
    hostile("version 4", p_version, "version 4");
    hostile("cluster bits 30", p_cluster_bits, "cluster size");
    hostile("L1 past EOF", p_l1_past_eof, "past the end");
    hostile("huge L1", p_l1_huge, "L1 table is too large");
    hostile("huge size", p_size_huge, "does not fit the L1");
    hostile("overlapping tables", p_reftable_overlap, "overlap");
    hostile("huge refcount table", p_reftable_huge, "refcount table size");
    hostile("refcount order 7", p_refcount_order, "refcount order");
    hostile("refcount order 2^31+", p_refcount_order_neg, "refcount order");
    hostile("extended L2", p_extl2, "extended L2");
    hostile("unknown feature", p_unknown_feature, "incompatible feature");
    hostile("encryption", p_encrypted, "encrypted");
    hostile("backing name outside header", p_backing_name, "backing file name");
    hostile("header length", p_header_length, "header length");
    hostile("extension overrun", p_ext_overrun, "overruns");
    hostile("snapshot table past EOF", p_snapshots, "snapshot table");
    hostile("L2 offset past EOF", p_l2_offset, "L1 entry 0");
    hostile("unaligned refcount block", p_reftable_entry, "refcount block");
}

static void test_format_mismatch(void **state)
{
    g_autofree char *q = path("fmt.qcow2");
    g_autofree char *r = path("fmt.raw");
    GError *err = NULL;
    create("qcow2", q, 1 << 20, 0, NULL, NULL);
    create("raw", r, 1 << 20, 0, NULL, NULL);
    assert_null(bdrv_open(r, "qcow2", 0, &err));
    assert_non_null(strstr(err->message, "not in qcow2 format"));
    g_clear_error(&err);
    assert_null(bdrv_open(q, "raw", BDRV_O_RDWR, &err));
    assert_non_null(strstr(err->message, "qcow2 header"));
    g_clear_error(&err);
    BlockDriverState *bs = open_img(q, NULL, 0);           /* probed */
    assert_string_equal(bdrv_format_name(bs), "qcow2");
    bdrv_unref(bs);
    bs = open_img(r, NULL, BDRV_O_RDWR);                   /* probed raw */
    assert_string_equal(bdrv_format_name(bs), "raw");
    uint8_t hdr[8] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    assert_int_equal(bdrv_pwrite(bs, 0, 8, hdr), -EPERM);  /* sector 0 guard */
    assert_int_equal(bdrv_pwrite(bs, 512, 8, hdr), 0);
    bdrv_unref(bs);
}

static void test_locking(void **state)
{
    g_autofree char *f = path("lock.qcow2");
    GError *err = NULL;
    create("qcow2", f, 1 << 20, 0, NULL, NULL);
    BlockDriverState *w = open_img(f, "qcow2", BDRV_O_RDWR);
    assert_null(bdrv_open(f, "qcow2", BDRV_O_RDWR, &err));
    assert_non_null(strstr(err->message, "lock"));
    g_clear_error(&err);
    assert_null(bdrv_open(f, "qcow2", 0, &err));
    g_clear_error(&err);
    BlockDriverState *shared = open_img(f, "qcow2", BDRV_O_SHARE_RW);
    bdrv_unref(shared);
    bdrv_unref(w);
    BlockDriverState *r1 = open_img(f, "qcow2", 0);
    BlockDriverState *r2 = open_img(f, "qcow2", 0);
    assert_null(bdrv_open(f, "qcow2", BDRV_O_RDWR, &err));
    g_clear_error(&err);
    bdrv_unref(r1);
    bdrv_unref(r2);
}

static void test_raw_prealloc(void **state)
{
    static const PreallocMode modes[] = { PREALLOC_OFF, PREALLOC_FALLOC,
                                          PREALLOC_FULL };
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        g_autofree char *f = path("pre.raw");
        BlockCreateOpts o = { .size = 4 << 20, .has_size = true,
                              .prealloc = modes[i] };
        assert_true(bdrv_create("raw", f, &o, NULL));
        g_autoptr(BlockDriverState) bs = open_img(f, "raw", BDRV_O_RDWR);
        int64_t alloc = bdrv_get_allocated_file_size(bs);
        assert_int_equal(bdrv_getlength(bs), 4 << 20);
        if (modes[i] == PREALLOC_OFF) {
            assert_true(alloc < (1 << 20));
        } else {
            assert_true(alloc >= (4 << 20));
        }
        expect(bs, 0, 4 << 20, 0);
        unlink(f);
    }
    g_autofree char *q = path("pre.qcow2");
    BlockCreateOpts o = { .size = 4 << 20, .has_size = true,
                          .prealloc = PREALLOC_METADATA };
    assert_true(bdrv_create("qcow2", q, &o, NULL));
    g_autoptr(BlockDriverState) bs = open_img(q, "qcow2", BDRV_O_RDWR);
    uint64_t pnum, map;
    BlockDriverState *file;
    assert_true(bdrv_block_status(bs, 0, 4 << 20, &pnum, &map, &file) &
                BDRV_BLOCK_OFFSET_VALID);
    assert_int_equal(pnum, 4 << 20);
    expect(bs, 0, 4 << 20, 0);
    assert_int_equal(check(bs, 0, NULL), 0);
}

static void test_snapshots_read(void **state)
{
    g_autofree char *f = path("snap.qcow2");
    g_autofree char *cmd = NULL;
    if (!g_find_program_in_path("qemu-img") || !g_find_program_in_path("qemu-io")) {
        skip();
    }
    create("qcow2", f, 4 << 20, 65536, NULL, NULL);
    {
        g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
        fill(bs, 0, 1 << 20, 0x10);
    }
    cmd = g_strdup_printf("qemu-img snapshot -c snap-one %s && "
                          "qemu-io -c 'write -P 0x20 0 64k' %s >/dev/null", f, f);
    assert_int_equal(system(cmd), 0);
    g_autoptr(BlockDriverState) bs = open_img(f, "qcow2", BDRV_O_RDWR);
    BdrvImageInfo info;
    bdrv_get_info(bs, &info);
    assert_int_equal(info.snapshots->len, 1);
    assert_string_equal(g_array_index(info.snapshots, BdrvSnapshotInfo, 0).name,
                        "snap-one");
    bdrv_image_info_clear(&info);
    expect(bs, 0, 65536, 0x20);
    /* Writing a cluster shared with the snapshot copies it. */
    fill(bs, 65536, 100, 0x30);
    expect(bs, 65536 + 100, 1000, 0x10);
    assert_int_equal(check(bs, 0, NULL), 0);
    assert_int_equal(bdrv_truncate(bs, 8 << 20, false, PREALLOC_OFF, NULL),
                     -ENOTSUP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_cluster_sizes),
        cmocka_unit_test(test_refcount_table_growth),
        cmocka_unit_test(test_backing_chain),
        cmocka_unit_test(test_backing_loop_refused),
        cmocka_unit_test(test_zero_and_discard),
        cmocka_unit_test(test_compressed),
        cmocka_unit_test(test_refcount_overflow),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_crash_consistency),
        cmocka_unit_test(test_crash_refcount_growth),
        cmocka_unit_test(test_lazy_refcounts),
        cmocka_unit_test(test_dirty_bit),
        cmocka_unit_test(test_check_repair),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_format_mismatch),
        cmocka_unit_test(test_locking),
        cmocka_unit_test(test_raw_prealloc),
        cmocka_unit_test(test_snapshots_read),
    };
    tmpdir = test_tmpdir_new("tern-qcow2-XXXXXX");
    int ret = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove(tmpdir);
    g_free(tmpdir);
    return ret;
}
