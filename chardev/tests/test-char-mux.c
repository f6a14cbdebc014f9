/*
 * The mux: Ctrl-A escapes (c switches the focus, Ctrl-A Ctrl-A sends 0x01,
 * x quits, h prints help, b sends a break), output sharing, focus rules.
 * Input comes through a unix socket backend with mux=on.
 */
#include "tern/osdep.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "test-char-common.h"
#include "../chardev-internal.h"

static int quit_requests;

static void count_quit(void)
{
    quit_requests++;
}

typedef struct MuxFixture {
    char *path;
    Chardev *mux;
    int client;
    GString *out;           /* what the client received */
} MuxFixture;

static int mux_setup(void **state)
{
    MuxFixture *f = g_new0(MuxFixture, 1);
    g_autofree char *opts = NULL;
    GError *err = NULL;

    f->path = tmp_socket_path("mux");
    opts = g_strdup_printf("socket,id=m0,path=%s,server=on,wait=off,mux=on", f->path);
    f->mux = qemu_chr_new_from_opts(opts, &err);
    if (!f->mux) {
        fail_msg("%s", err->message);
    }
    f->client = unix_connect(f->path);
    f->out = g_string_new(NULL);
    chr_mux_quit_request = count_quit;
    quit_requests = 0;
    *state = f;
    return 0;
}

static int mux_teardown(void **state)
{
    MuxFixture *f = *state;

    close(f->client);
    qemu_chr_delete(f->mux);
    g_string_free(f->out, TRUE);
    g_free(f->path);
    g_free(f);
    return 0;
}

/* Send keys and let the main context deliver them. */
static void keys(MuxFixture *f, const char *s)
{
    send_str(f->client, s);
    g_usleep(20000);
    run_context();
}

static void test_names(void **state)
{
    MuxFixture *f = *state;
    Chardev *base = qemu_chr_find("m0-base");

    assert_true(qemu_chr_is_mux(f->mux));
    assert_string_equal(qemu_chr_label(f->mux), "m0");
    assert_non_null(base);
    assert_false(qemu_chr_is_mux(base));
    assert_string_equal(qemu_chr_filename(f->mux), "mux:m0-base");
}

static void test_focus_switch(void **state)
{
    MuxFixture *f = *state;
    TestFe a = { 0 }, b = { 0 };
    ChrEvent a_seq[] = { CHR_EVENT_OPENED, CHR_EVENT_MUX_IN, CHR_EVENT_MUX_OUT };

    test_fe_attach(&a, f->mux, false);
    test_fe_attach(&b, f->mux, false);     /* the newest takes the console */
    run_context();
    assert_int_equal(a.events[CHR_EVENT_OPENED], 1);
    assert_int_equal(b.events[CHR_EVENT_OPENED], 1);
    /* focus settles from the main loop: b gets MUX_IN, a never had it announced */
    assert_int_equal(b.events[CHR_EVENT_MUX_IN], 1);
    assert_int_equal(a.events[CHR_EVENT_MUX_IN], 0);

    keys(f, "to-b");
    assert_int_equal(b.in->len, 4);
    assert_memory_equal(b.in->data, "to-b", 4);
    assert_int_equal(a.in->len, 0);

    keys(f, "\x01" "cto-a");
    assert_int_equal(a.in->len, 4);
    assert_memory_equal(a.in->data, "to-a", 4);
    assert_int_equal(b.in->len, 4);
    assert_int_equal(b.events[CHR_EVENT_MUX_OUT], 1);
    assert_int_equal(a.events[CHR_EVENT_MUX_IN], 1);

    /* Ctrl-A Ctrl-A is a literal Ctrl-A; an escape split across reads still works */
    keys(f, "\x01");
    keys(f, "\x01" "z");
    assert_int_equal(a.in->len, 6);
    assert_memory_equal(a.in->data + 4, "\x01z", 2);

    /* and back to b */
    keys(f, "\x01" "c!");
    assert_int_equal(b.in->len, 5);
    assert_int_equal(b.in->data[4], '!');
    assert_int_equal(a.event_log->len, G_N_ELEMENTS(a_seq));
    for (size_t i = 0; i < G_N_ELEMENTS(a_seq); i++) {
        assert_int_equal(g_array_index(a.event_log, ChrEvent, i), a_seq[i]);
    }
    assert_int_equal(quit_requests, 0);
    test_fe_detach(&a);
    test_fe_detach(&b);
}

static void test_background_fe(void **state)
{
    MuxFixture *f = *state;
    TestFe serial = { 0 }, monitor = { 0 };

    test_fe_attach(&serial, f->mux, false);
    test_fe_attach(&monitor, f->mux, true);    /* like the HMP: keeps serial's focus */
    run_context();
    keys(f, "ls\r");
    assert_int_equal(serial.in->len, 3);
    assert_int_equal(monitor.in->len, 0);
    assert_int_equal(monitor.events[CHR_EVENT_MUX_IN], 0);
    test_fe_detach(&serial);
    test_fe_detach(&monitor);
}

static void test_quit_help_break(void **state)
{
    MuxFixture *f = *state;
    TestFe fe = { 0 };

    test_fe_attach(&fe, f->mux, false);
    run_context();
    keys(f, "\x01h");
    assert_true(recv_until(f->client, f->out, "C-a x    exit emulator"));
    assert_non_null(strstr(f->out->str, "C-a c    switch between console and monitor"));
    assert_int_equal(fe.in->len, 0);

    keys(f, "\x01" "b");
    assert_int_equal(fe.events[CHR_EVENT_BREAK], 1);

    keys(f, "\x01s\x01t");
    assert_true(recv_until(f->client, f->out, "timestamps are not supported"));
    assert_int_equal(quit_requests, 0);

    keys(f, "\x01x");
    assert_int_equal(quit_requests, 1);
    assert_true(recv_until(f->client, f->out, "Terminated"));
    assert_int_equal(fe.in->len, 0);
    test_fe_detach(&fe);
}

static void test_shared_output(void **state)
{
    MuxFixture *f = *state;
    TestFe a = { 0 }, b = { 0 };

    test_fe_attach(&a, f->mux, false);
    test_fe_attach(&b, f->mux, false);
    run_context();
    /* every front end's output goes out, focused or not */
    qemu_chr_fe_write_all(&a.be, (const uint8_t *)"from-a ", 7);
    qemu_chr_fe_write_all(&b.be, (const uint8_t *)"from-b", 6);
    assert_true(recv_until(f->client, f->out, "from-a from-b"));
    test_fe_detach(&a);
    test_fe_detach(&b);
}

static void test_slow_front_end(void **state)
{
    MuxFixture *f = *state;
    TestFe fe = { 0 };
    GString *sent = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    test_fe_attach(&fe, f->mux, false);
    fe.one_at_a_time = true;
    run_context();
    for (int i = 0; i < 3000; i++) {
        g_string_append_c(sent, 'a' + i % 26);
    }
    send_str(f->client, sent->str);
    while (fe.in->len < sent->len && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(main_loop_context(), FALSE);
        if (fe.full) {
            fe.full = false;
            qemu_chr_fe_accept_input(&fe.be);
        }
    }
    assert_int_equal(fe.in->len, sent->len);
    assert_memory_equal(fe.in->data, sent->str, sent->len);
    g_string_free(sent, TRUE);
    test_fe_detach(&fe);
}

static void test_too_many(void **state)
{
    MuxFixture *f = *state;
    TestFe fes[4] = { 0 };
    CharBackend extra;
    GError *err = NULL;

    for (int i = 0; i < 4; i++) {
        test_fe_attach(&fes[i], f->mux, false);
    }
    assert_false(qemu_chr_fe_init(&extra, f->mux, &err));
    assert_non_null(strstr(err->message, "front ends"));
    g_error_free(err);
    for (int i = 0; i < 4; i++) {
        test_fe_detach(&fes[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names, mux_setup, mux_teardown),
        cmocka_unit_test_setup_teardown(test_focus_switch, mux_setup, mux_teardown),
        cmocka_unit_test_setup_teardown(test_background_fe, mux_setup, mux_teardown),
        cmocka_unit_test_setup_teardown(test_quit_help_break, mux_setup, mux_teardown),
        cmocka_unit_test_setup_teardown(test_shared_output, mux_setup, mux_teardown),
        cmocka_unit_test_setup_teardown(test_slow_front_end, mux_setup, mux_teardown),
        cmocka_unit_test_setup_teardown(test_too_many, mux_setup, mux_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
