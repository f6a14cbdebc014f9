/* BlockBackend: -drive/-blockdev parsing, registry, async I/O completion. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "test-tmpdir.h"
#include <unistd.h>
#include "block/block.h"
#include "block/block-backend.h"

static char *tmpdir;

static char *make_image(const char *name, const char *fmt, uint64_t size)
{
    char *f = g_build_filename(tmpdir, name, NULL);
    BlockCreateOpts o = { .size = size, .has_size = true };
    assert_true(bdrv_create(fmt, f, &o, NULL));
    return f;
}

static void drive_ok(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void drive_ok(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *opts = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    GError *err = NULL;
    if (!drive_add(opts, &err)) {
        fail_msg("-drive %s: %s", opts, err->message);
    }
}

static void drive_fails(const char *needle, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
static void drive_fails(const char *needle, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *opts = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    GError *err = NULL;
    bool ok = g_str_has_prefix(opts, "driver=") ? blockdev_add(opts, &err)
                                                : drive_add(opts, &err);
    if (ok) {
        fail_msg("'%s' was accepted", opts);
    }
    if (!strstr(err->message, needle)) {
        fail_msg("'%s': message '%s' lacks '%s'", opts, err->message, needle);
    }
    g_error_free(err);
}

typedef struct Completion {
    int count;
    int ret;
    GThread *thread;
} Completion;

static void done(void *opaque, int ret)
{
    Completion *c = opaque;
    c->count++;
    c->ret = ret < 0 ? ret : c->ret;
    c->thread = g_thread_self();
}

static void run_until(Completion *c, int n)
{
    while (c->count < n) {
        g_main_context_iteration(NULL, TRUE);
    }
}

static void test_async_io(void **state)
{
    g_autofree char *f = make_image("async.qcow2", "qcow2", 8 << 20);
    drive_ok("file=%s,format=qcow2,if=none,id=d0,discard=unmap", f);
    BlockBackend *blk = blk_by_name("d0");
    assert_non_null(blk);
    assert_int_equal(blk_getlength(blk), 8 << 20);

    /* 32 concurrent writes of two iovecs each, then reads, then flush. */
    enum { N = 32, LEN = 12345 };
    static uint8_t wbuf[N][LEN], rbuf[N][LEN];
    Completion c = { 0 };
    for (int i = 0; i < N; i++) {
        memset(wbuf[i], i + 1, LEN);
        struct iovec iov[2] = { { wbuf[i], 1000 }, { wbuf[i] + 1000, LEN - 1000 } };
        blk_aio_pwritev(blk, (uint64_t)i * 65536 + 7, iov, 2, done, &c);
    }
    /* Nothing completes until the main context runs. */
    assert_int_equal(c.count, 0);
    run_until(&c, N);
    assert_int_equal(c.ret, 0);
    assert_true(c.thread == g_thread_self());
    for (int i = 0; i < N; i++) {
        struct iovec iov[2] = { { rbuf[i], 5 }, { rbuf[i] + 5, LEN - 5 } };
        blk_aio_preadv(blk, (uint64_t)i * 65536 + 7, iov, 2, done, &c);
    }
    blk_aio_flush(blk, done, &c);
    run_until(&c, 2 * N + 1);
    assert_int_equal(c.ret, 0);
    assert_memory_equal(wbuf, rbuf, sizeof(wbuf));

    blk_aio_pwrite_zeroes(blk, 0, 65536, true, done, &c);
    blk_aio_pdiscard(blk, 65536, 65536 * 2, done, &c);
    run_until(&c, 2 * N + 3);
    uint8_t b[16];
    assert_int_equal(blk_pread(blk, 65536 + 7, b, sizeof(b)), 0);
    assert_int_equal(b[0], 0);
    /* An out-of-range request fails through its callback. */
    blk_aio_preadv(blk, 8 << 20, &(struct iovec){ b, 16 }, 1, done, &c);
    blk_drain(blk);
    assert_int_equal(c.count, 2 * N + 4);
    assert_int_equal(c.ret, -EINVAL);
    blk_unref(blk);
    assert_null(blk_by_name("d0"));
}

static gpointer other_context_thread(gpointer data)
{
    BlockBackend *blk = data;
    GMainContext *ctx = g_main_context_new();
    Completion c = { 0 };
    uint8_t buf[512];

    g_main_context_push_thread_default(ctx);
    blk_set_context(blk, ctx);
    blk_aio_preadv(blk, 0, &(struct iovec){ buf, sizeof(buf) }, 1, done, &c);
    while (!c.count) {
        g_main_context_iteration(ctx, TRUE);
    }
    blk_set_context(blk, NULL);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
    return c.thread == g_thread_self() && c.ret == 0 ? blk : NULL;
}

static void test_context(void **state)
{
    g_autofree char *f = make_image("ctx.raw", "raw", 1 << 20);
    BlockBackend *blk = blk_new_open(f, "raw", 0, NULL);
    assert_non_null(blk);
    assert_null(blk_by_name("ctx"));    /* not registered */
    GThread *t = g_thread_new("ctx", other_context_thread, blk);
    assert_ptr_equal(g_thread_join(t), blk);
    blk_unref(blk);
}

static void test_drive_options(void **state)
{
    g_autofree char *q = make_image("opt.qcow2", "qcow2", 1 << 20);
    g_autofree char *r = make_image("opt.raw", "raw", 1 << 20);

    drive_ok("file=%s,format=qcow2", q);             /* if=virtio, virtio0 */
    drive_ok("file=%s,format=raw,if=virtio,cache=unsafe,readonly=on", r);
    BlockBackend *v0 = drive_next_unclaimed("virtio");
    assert_non_null(v0);
    assert_string_equal(blk_name(v0), "virtio0");
    assert_true(blk_claim(v0, "virtio-blk0", NULL));
    BlockBackend *v1 = drive_next_unclaimed("virtio");
    assert_string_equal(blk_name(v1), "virtio1");
    assert_true(blk_is_read_only(v1));
    assert_int_equal(blk_pwrite(v1, 0, "x", 1), -EACCES);
    GError *err = NULL;
    assert_false(blk_check_all_claimed(&err));
    assert_non_null(strstr(err->message, "virtio1"));
    g_clear_error(&err);
    assert_true(blk_claim(v1, "virtio-blk1", NULL));
    assert_false(blk_claim(v1, "other", &err));
    g_clear_error(&err);
    assert_null(drive_next_unclaimed("virtio"));
    assert_true(blk_check_all_claimed(NULL));

    drive_fails("duplicate id", "file=%s,format=raw,if=none,id=virtio0", r);
    drive_fails("unknown", "file=%s,format=raw,bogus=1", r);
    drive_fails("if=ide", "file=%s,if=ide", r);
    drive_fails("cache", "file=%s,format=raw,cache=fast", r);
    drive_fails("needs an id", "file=%s,format=raw,if=none", r);
    drive_fails("format=vmdk", "file=%s,format=vmdk", r);
    g_autofree char *q2 = make_image("mm.qcow2", "qcow2", 1 << 20);
    g_autofree char *r2 = make_image("mm.raw", "raw", 1 << 20);
    drive_fails("not in qcow2 format", "file=%s,format=qcow2,if=none,id=x", r2);
    drive_fails("qcow2 header", "file=%s,format=raw,if=none,id=x", q2);
    drive_fails("lock", "file=%s,format=qcow2,if=none,id=again", q);
    blk_remove_all();
    assert_null(blk_by_name("virtio0"));
}

static void test_snapshot_on(void **state)
{
    g_autofree char *q = make_image("snap.qcow2", "qcow2", 1 << 20);
    drive_ok("file=%s,format=qcow2,if=none,id=s,snapshot=on", q);
    BlockBackend *blk = blk_by_name("s");
    assert_int_equal(blk_pwrite(blk, 0, "hello", 5), 0);
    char buf[5];
    assert_int_equal(blk_pread(blk, 0, buf, 5), 0);
    assert_memory_equal(buf, "hello", 5);
    blk_unref(blk);
    /* The image itself is untouched. */
    g_autoptr(BlockDriverState) bs = bdrv_open(q, "qcow2", 0, NULL);
    assert_int_equal(bdrv_pread(bs, 0, 5, buf), 0);
    assert_memory_equal(buf, "\0\0\0\0\0", 5);
}

/* cache=none (O_DIRECT): unaligned requests go through a bounce buffer. */
static void test_cache_none(void **state)
{
    g_autofree char *q = make_image("direct.qcow2", "qcow2", 4 << 20);
    drive_ok("file=%s,format=qcow2,if=none,id=dn,cache=none", q);
    BlockBackend *blk = blk_by_name("dn");
    Completion c = { 0 };
    static uint8_t buf[8][1000], out[8][1000];
    for (int i = 0; i < 8; i++) {
        memset(buf[i], 0x30 + i, sizeof(buf[i]));
        blk_aio_pwritev(blk, 100 + i * 1000, &(struct iovec){ buf[i], 1000 },
                        1, done, &c);
    }
    run_until(&c, 8);
    assert_int_equal(c.ret, 0);
    assert_int_equal(blk_pread(blk, 100, out, sizeof(out)), 0);
    assert_memory_equal(buf, out, sizeof(out));
    blk_unref(blk);
    g_autoptr(BlockDriverState) bs = bdrv_open(q, "qcow2", 0, NULL);
    BdrvCheckResult r = { .log = g_string_new(NULL) };
    assert_int_equal(bdrv_check(bs, &r, 0), 0);
    assert_int_equal(r.corruptions + r.leaks, 0);
    g_string_free(r.log, true);
}

static void test_blockdev(void **state)
{
    g_autofree char *q = make_image("bd.qcow2", "qcow2", 2 << 20);
    g_autofree char *r = make_image("bd.raw", "raw", 1 << 20);
    GError *err = NULL;
    g_autofree char *o1 = g_strdup_printf("driver=qcow2,file.driver=file,"
                                          "file.filename=%s,node-name=n0", q);
    assert_true(blockdev_add(o1, &err));
    g_autofree char *o2 = g_strdup_printf("driver=file,filename=%s,"
                                          "node-name=f1", r);
    assert_true(blockdev_add(o2, &err));
    g_autofree char *o3 = g_strdup_printf("driver=raw,file=f1,node-name=r1,"
                                          "read-only=on");
    assert_true(blockdev_add(o3, &err));
    assert_null(blk_by_name("f1"));      /* consumed by r1 */
    assert_true(blk_is_read_only(blk_by_name("r1")));
    assert_int_equal(blk_getlength(blk_by_name("n0")), 2 << 20);
    assert_string_equal(blk_iface(blk_by_name("n0")), "none");
    assert_null(drive_next_unclaimed("virtio"));

    drive_fails("node-name", "driver=qcow2,file.driver=file,file.filename=%s", q);
    drive_fails("driver=vmdk", "driver=vmdk,node-name=x,file.filename=%s", q);
    drive_fails("no driver=file node", "driver=qcow2,file=nope,node-name=y%s", "");
    drive_fails("unknown", "driver=file,filename=%s,node-name=z,foo=1", r);
    blk_remove_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_async_io),
        cmocka_unit_test(test_context),
        cmocka_unit_test(test_drive_options),
        cmocka_unit_test(test_snapshot_on),
        cmocka_unit_test(test_cache_none),
        cmocka_unit_test(test_blockdev),
    };
    tmpdir = test_tmpdir_new("tern-blk-XXXXXX");
    int ret = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove(tmpdir);
    g_free(tmpdir);
    return ret;
}
