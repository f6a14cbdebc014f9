/*
 * Chardev backends: file, null, socket (unix and TCP, server and client,
 * wait=on), pty, option errors, input backpressure, concurrent writers.
 */
#include "tern/osdep.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "test-char-common.h"
#include <fcntl.h>

static Chardev *chr_ok(const char *opts)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new_from_opts(opts, &err);

    if (!chr) {
        fail_msg("'%s': %s", opts, err->message);
    }
    return chr;
}

static void expect_error(Chardev *chr, GError *err, const char *msg)
{
    assert_null(chr);
    if (!err) {
        fail_msg("no error, expected '%s'", msg);
    }
    if (!g_str_has_prefix(err->message, msg)) {
        fail_msg("error '%s' does not start with '%s'", err->message, msg);
    }
    g_error_free(err);
}

static char *read_file(const char *path)
{
    char *text = NULL;

    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void test_file(void **state)
{
    g_autofree char *path = g_strdup_printf("%s/tern-test-%d.log", g_get_tmp_dir(), (int)getpid());
    g_autofree char *opts = g_strdup_printf("file,id=f0,path=%s", path);
    g_autofree char *opts_append = g_strdup_printf("file,id=f1,path=%s,append=on", path);
    TestFe fe = { 0 }, fe2 = { 0 };
    Chardev *chr;

    chr = chr_ok(opts);
    assert_string_equal(qemu_chr_label(chr), "f0");
    assert_ptr_equal(qemu_chr_find("f0"), chr);
    test_fe_attach(&fe, chr, false);
    assert_int_equal(fe.events[CHR_EVENT_OPENED], 1);
    assert_int_equal(qemu_chr_fe_write_all(&fe.be, (const uint8_t *)"hello ", 6), 6);
    test_fe_detach(&fe);
    qemu_chr_delete(chr);
    assert_null(qemu_chr_find("f0"));

    chr = chr_ok(opts_append);
    test_fe_attach(&fe2, chr, false);
    assert_int_equal(qemu_chr_fe_write_all(&fe2.be, (const uint8_t *)"world", 5), 5);
    g_autofree char *text = read_file(path);
    assert_string_equal(text, "hello world");
    test_fe_detach(&fe2);
    qemu_chr_delete(chr);

    /* without append=on the file starts over */
    chr = chr_ok(opts);
    g_autofree char *empty = read_file(path);
    assert_string_equal(empty, "");
    qemu_chr_delete(chr);
    unlink(path);
}

static void test_null(void **state)
{
    Chardev *chr = chr_ok("null,id=n0");
    TestFe fe = { 0 }, other = { 0 };
    GError *err = NULL;

    test_fe_attach(&fe, chr, false);
    assert_int_equal(fe.events[CHR_EVENT_OPENED], 1);
    assert_int_equal(qemu_chr_fe_write_all(&fe.be, (const uint8_t *)"gone", 4), 4);
    assert_string_equal(qemu_chr_filename(chr), "null");
    run_context();
    assert_int_equal(fe.in->len, 0);
    /* one front end per non-mux chardev */
    assert_false(qemu_chr_fe_init(&other.be, chr, &err));
    assert_non_null(strstr(err->message, "already in use"));
    g_error_free(err);
    test_fe_detach(&fe);
    qemu_chr_delete(chr);
}

static void test_errors(void **state)
{
    GError *err = NULL;
    Chardev *chr, *chr2;

    chr = qemu_chr_new_from_opts("socket,id=s0", &err);
    expect_error(chr, err, "need path= or host=/port=");
    err = NULL;
    chr = qemu_chr_new("serial0", "file:/nonexistent/x", &err);
    expect_error(chr, err, "could not open '/nonexistent/x': No such file or directory");
    err = NULL;
    chr = qemu_chr_new_from_opts("bogus,id=b", &err);
    expect_error(chr, err, "unknown backend 'bogus'");
    err = NULL;
    chr = qemu_chr_new_from_opts("null", &err);
    expect_error(chr, err, "missing id=");
    err = NULL;
    chr = qemu_chr_new_from_opts("null,id=x,colour=red", &err);
    expect_error(chr, err, "unknown parameter 'colour' for backend 'null'");
    err = NULL;
    chr = qemu_chr_new_from_opts("socket,id=t,path=/tmp/x,telnet=on", &err);
    expect_error(chr, err, "telnet=on is not supported");
    err = NULL;
    chr = qemu_chr_new_from_opts("file,id=f,path=/tmp/x,append=maybe", &err);
    expect_error(chr, err, "-chardev: parameter 'append': 'maybe' is not a boolean");
    err = NULL;
    chr = qemu_chr_new("monitor0", "carrier-pigeon", &err);
    expect_error(chr, err, "unknown character device 'carrier-pigeon'");
    err = NULL;
    chr = qemu_chr_new("serial1", "chardev:nope", &err);
    expect_error(chr, err, "no chardev with id 'nope'");
    err = NULL;
    chr = qemu_chr_new("qmp0", "unix:/nonexistent/dir/q", &err);
    expect_error(chr, err, "could not connect to unix socket '/nonexistent/dir/q': No such file or directory");

    /* "none" is not an error: there is just no chardev */
    err = NULL;
    assert_null(qemu_chr_new("serial2", "none", &err));
    assert_null(err);

    /* duplicate ids */
    chr = chr_ok("null,id=dup");
    err = NULL;
    chr2 = qemu_chr_new_from_opts("null,id=dup", &err);
    expect_error(chr2, err, "chardev id 'dup' is already in use");
    qemu_chr_delete(chr);
}

/* ---- sockets ---- */

static bool fe_opened(void *opaque)
{
    return ((TestFe *)opaque)->events[CHR_EVENT_OPENED] > 0;
}

static bool fe_closed(void *opaque)
{
    return ((TestFe *)opaque)->events[CHR_EVENT_CLOSED] > 0;
}

typedef struct WaitLen {
    TestFe *fe;
    guint len;
} WaitLen;

static bool fe_has(void *opaque)
{
    WaitLen *w = opaque;

    return w->fe->in->len >= w->len;
}

static void expect_input(TestFe *fe, const char *s)
{
    WaitLen w = { fe, strlen(s) };

    assert_true(test_run_until(fe_has, &w));
    assert_int_equal(fe->in->len, strlen(s));
    assert_memory_equal(fe->in->data, s, strlen(s));
    g_byte_array_set_size(fe->in, 0);
}

static void test_socket_unix(void **state)
{
    g_autofree char *path = tmp_socket_path("rt");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autofree char *client_opts = g_strdup_printf("socket,id=cli,path=%s", path);
    g_autofree char *disconnected = g_strdup_printf("disconnected:unix:%s,server=on", path);
    GError *err = NULL;
    TestFe srv = { 0 }, cli = { 0 };
    Chardev *s, *c;

    s = qemu_chr_new("serial5", spec, &err);
    assert_non_null(s);
    assert_string_equal(qemu_chr_filename(s), disconnected);
    test_fe_attach(&srv, s, false);
    assert_int_equal(srv.events[CHR_EVENT_OPENED], 0);
    /* nobody listening: output is dropped, not blocked on */
    assert_int_equal(qemu_chr_fe_write_all(&srv.be, (const uint8_t *)"lost", 4), 4);

    c = chr_ok(client_opts);
    test_fe_attach(&cli, c, false);
    assert_int_equal(cli.events[CHR_EVENT_OPENED], 1);
    assert_true(test_run_until(fe_opened, &srv));
    assert_string_equal(qemu_chr_filename(s), disconnected + strlen("disconnected:"));

    qemu_chr_fe_write_all(&cli.be, (const uint8_t *)"ping", 4);
    expect_input(&srv, "ping");
    qemu_chr_fe_write_all(&srv.be, (const uint8_t *)"pong", 4);
    expect_input(&cli, "pong");

    /* the client leaves: the server sees CLOSED and listens again */
    test_fe_detach(&cli);
    qemu_chr_delete(c);
    assert_true(test_run_until(fe_closed, &srv));
    assert_string_equal(qemu_chr_filename(s), disconnected);

    int fd = unix_connect(path);
    srv.events[CHR_EVENT_OPENED] = 0;
    assert_true(test_run_until(fe_opened, &srv));
    send_str(fd, "again");
    expect_input(&srv, "again");
    close(fd);

    test_fe_detach(&srv);
    qemu_chr_delete(s);
    /* a server removes its socket file */
    assert_int_equal(access(path, F_OK), -1);
}

static gpointer connect_later(gpointer opaque)
{
    const char *path = opaque;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    for (int i = 0; i < 500; i++) {
        if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            if (write(fd, "hi", 2) != 2) {
                break;
            }
            return GINT_TO_POINTER(fd);
        }
        g_usleep(10000);
    }
    close(fd);
    return GINT_TO_POINTER(-1);
}

static void test_socket_wait(void **state)
{
    g_autofree char *path = tmp_socket_path("wait");
    g_autofree char *opts = g_strdup_printf("socket,id=w,path=%s,server=on", path);
    TestFe fe = { 0 };
    GThread *t;
    Chardev *chr;
    int fd;

    unlink(path);
    t = g_thread_new("client", connect_later, path);
    /* wait=on (the default): returns only once the client is there */
    chr = chr_ok(opts);
    test_fe_attach(&fe, chr, false);
    assert_int_equal(fe.events[CHR_EVENT_OPENED], 1);
    expect_input(&fe, "hi");
    fd = GPOINTER_TO_INT(g_thread_join(t));
    assert_true(fd >= 0);
    close(fd);
    test_fe_detach(&fe);
    qemu_chr_delete(chr);
}

static void test_socket_tcp(void **state)
{
    TestFe srv = { 0 }, cli = { 0 };
    Chardev *s = NULL, *c;
    int port = 0;

    /* find a free port without racing other tests too much */
    for (int i = 0; i < 20 && !s; i++) {
        GError *err = NULL;
        g_autofree char *spec = NULL;

        port = 20000 + (getpid() * 7 + i * 131) % 30000;
        /* QEMU's old spelling of server=on,wait=off still works */
        spec = g_strdup_printf("tcp:127.0.0.1:%d,server,nowait", port);
        s = qemu_chr_new("serial6", spec, &err);
        if (!s) {
            g_error_free(err);
        }
    }
    assert_non_null(s);
    test_fe_attach(&srv, s, false);
    g_autofree char *copts = g_strdup_printf("socket,id=tcpc,host=127.0.0.1,port=%d,nodelay=on",
                                             port);
    c = chr_ok(copts);
    test_fe_attach(&cli, c, false);
    assert_true(test_run_until(fe_opened, &srv));
    qemu_chr_fe_write_all(&cli.be, (const uint8_t *)"over tcp", 8);
    expect_input(&srv, "over tcp");
    test_fe_detach(&cli);
    qemu_chr_delete(c);
    test_fe_detach(&srv);
    qemu_chr_delete(s);
}

/* ---- input backpressure ---- */

#define FLOOD_LEN 100000

static gpointer flood(gpointer opaque)
{
    int fd = GPOINTER_TO_INT(opaque);
    uint8_t *buf = g_malloc(FLOOD_LEN);
    size_t done = 0;

    for (size_t i = 0; i < FLOOD_LEN; i++) {
        buf[i] = (uint8_t)(i * 7 + i / 256);
    }
    while (done < FLOOD_LEN) {
        ssize_t n = write(fd, buf + done, FLOOD_LEN - done);
        if (n <= 0) {
            break;
        }
        done += n;
    }
    g_free(buf);
    return GSIZE_TO_POINTER(done);
}

static void test_backpressure(void **state)
{
    g_autofree char *path = tmp_socket_path("bp");
    g_autofree char *opts = g_strdup_printf("socket,id=bp,path=%s,server=on,wait=off", path);
    Chardev *chr = chr_ok(opts);
    TestFe fe = { 0 };
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    GThread *t;
    int fd;

    test_fe_attach(&fe, chr, false);
    fe.one_at_a_time = true;
    fd = unix_connect(path);
    t = g_thread_new("flood", flood, GINT_TO_POINTER(fd));
    while (fe.in->len < FLOOD_LEN && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(main_loop_context(), FALSE);
        if (fe.full) {
            fe.full = false;        /* the guest drained its one-byte FIFO */
            qemu_chr_fe_accept_input(&fe.be);
        }
    }
    assert_int_equal(GPOINTER_TO_SIZE(g_thread_join(t)), FLOOD_LEN);
    assert_int_equal(fe.in->len, FLOOD_LEN);
    for (size_t i = 0; i < FLOOD_LEN; i++) {
        if (fe.in->data[i] != (uint8_t)(i * 7 + i / 256)) {
            fail_msg("byte %zu out of order", i);
        }
    }
    close(fd);
    test_fe_detach(&fe);
    qemu_chr_delete(chr);
}

/* ---- concurrent writers (vCPU threads writing a UART) ---- */

#define WRITERS 4
#define RECORDS 2000
#define RECORD_LEN 64

typedef struct Writer {
    CharBackend *be;
    char tag;
} Writer;

static gpointer writer_thread(gpointer opaque)
{
    Writer *w = opaque;
    uint8_t rec[RECORD_LEN];

    memset(rec, w->tag, sizeof(rec));
    for (int i = 0; i < RECORDS; i++) {
        if (qemu_chr_fe_write_all(w->be, rec, sizeof(rec)) != RECORD_LEN) {
            return GINT_TO_POINTER(0);
        }
    }
    return GINT_TO_POINTER(1);
}

static void test_concurrent_writes(void **state)
{
    g_autofree char *path = tmp_socket_path("cw");
    g_autofree char *opts = g_strdup_printf("socket,id=cw,path=%s,server=on,wait=off", path);
    Chardev *chr = chr_ok(opts);
    TestFe fe = { 0 };
    GThread *threads[WRITERS];
    Writer writers[WRITERS];
    GByteArray *got = g_byte_array_new();
    size_t total = (size_t)WRITERS * RECORDS * RECORD_LEN;
    int counts[WRITERS] = { 0 };
    int fd;

    test_fe_attach(&fe, chr, false);
    fd = unix_connect(path);
    assert_true(test_run_until(fe_opened, &fe));
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (Writer){ &fe.be, (char)('A' + i) };
        threads[i] = g_thread_new("writer", writer_thread, &writers[i]);
    }
    /* read slowly at first so the socket buffer fills and writers see EAGAIN */
    g_usleep(50000);
    while (got->len < total) {
        uint8_t buf[8192];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        g_byte_array_append(got, buf, n);
    }
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(GPOINTER_TO_INT(g_thread_join(threads[i])), 1);
    }
    assert_int_equal(got->len, total);
    /* each write_all call arrives whole, never interleaved with another */
    for (size_t r = 0; r < total / RECORD_LEN; r++) {
        uint8_t tag = got->data[r * RECORD_LEN];
        assert_true(tag >= 'A' && tag < 'A' + WRITERS);
        for (int k = 1; k < RECORD_LEN; k++) {
            assert_int_equal(got->data[r * RECORD_LEN + k], tag);
        }
        counts[tag - 'A']++;
    }
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(counts[i], RECORDS);
    }
    close(fd);
    g_byte_array_free(got, TRUE);
    test_fe_detach(&fe);
    qemu_chr_delete(chr);
}

/* ---- pty ---- */

static void test_pty(void **state)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("serial7", "pty", &err);
    TestFe fe = { 0 };
    const char *name;
    int slave;

    if (!chr) {
        print_message("no pseudo-terminals here (%s): skipped\n", err->message);
        g_error_free(err);
        skip();
    }
    name = qemu_chr_filename(chr);
    assert_true(g_str_has_prefix(name, "pty:/dev/pts/"));
    test_fe_attach(&fe, chr, false);
    /* nobody on the slave yet: output is dropped */
    assert_int_equal(qemu_chr_fe_write_all(&fe.be, (const uint8_t *)"drop", 4), 4);
    assert_int_equal(fe.events[CHR_EVENT_OPENED], 0);

    slave = open(name + 4, O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    assert_true(test_run_until(fe_opened, &fe));     /* noticed by the 1 s poll */
    assert_int_equal(write(slave, "key", 3), 3);
    expect_input(&fe, "key");
    qemu_chr_fe_write_all(&fe.be, (const uint8_t *)"out", 3);
    char buf[8] = { 0 };
    assert_int_equal(read(slave, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "out");
    close(slave);
    assert_true(test_run_until(fe_closed, &fe));
    test_fe_detach(&fe);
    qemu_chr_delete(chr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_socket_unix),
        cmocka_unit_test(test_socket_wait),
        cmocka_unit_test(test_socket_tcp),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_concurrent_writes),
        cmocka_unit_test(test_pty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
