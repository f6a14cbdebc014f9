/*
 * The monitors over unix sockets: a QMP session (greeting, negotiation,
 * queries, errors, events) and the HMP, alone and shared with a serial port
 * through a "mon:" mux.
 */
#include "tern/osdep.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "test-char-common.h"
#include "sysemu/monitor.h"
#include "sysemu/runstate.h"
#include "util/json.h"
#include "exec/memory.h"

static GPtrArray *events_seen;     /* names of events skipped by qmp_reply */

/* Read one QMP message (a line) from the client socket and parse it. */
static JsonValue *qmp_recv(int fd, GString *pending)
{
    char *eol;
    g_autofree char *line = NULL;
    GError *err = NULL;
    JsonValue *v;

    if (!recv_until(fd, pending, "\r\n")) {
        fail_msg("no QMP reply; got '%s'", pending->str);
    }
    eol = strstr(pending->str, "\r\n");
    line = g_strndup(pending->str, eol - pending->str);
    g_string_erase(pending, 0, eol + 2 - pending->str);
    v = json_parse(line, strlen(line), &err);
    if (!v) {
        fail_msg("bad QMP reply '%s': %s", line, err->message);
    }
    return v;
}

static char *to_text(const JsonValue *v)
{
    GString *s = g_string_new(NULL);

    json_append(s, v);
    return g_string_free(s, FALSE);
}

/* The next message that is not an event (events are noted in events_seen). */
static JsonValue *qmp_reply(int fd, GString *pending)
{
    for (;;) {
        JsonValue *v = qmp_recv(fd, pending);
        const char *event = json_string(json_object_get(v, "event"));

        if (!event) {
            return v;
        }
        g_ptr_array_add(events_seen, g_strdup(event));
        json_free(v);
    }
}

static bool event_seen(const char *name)
{
    for (guint i = 0; i < events_seen->len; i++) {
        if (!strcmp(g_ptr_array_index(events_seen, i), name)) {
            return true;
        }
    }
    return false;
}

/* Send a request and return the reply as compact JSON text. */
static char *qmp_cmd(int fd, GString *pending, const char *req)
{
    g_autoptr(JsonValue) v = NULL;

    send_str(fd, req);
    v = qmp_reply(fd, pending);
    return to_text(v);
}

static void expect_reply(int fd, GString *pending, const char *req, const char *reply)
{
    g_autofree char *got = qmp_cmd(fd, pending, req);

    if (strcmp(got, reply)) {
        fail_msg("%s\n  got      %s\n  expected %s", req, got, reply);
    }
}

static void expect_error_class(int fd, GString *pending, const char *req, const char *cls,
                               const char *desc)
{
    g_autoptr(JsonValue) v = NULL;
    JsonValue *error;

    send_str(fd, req);
    v = qmp_reply(fd, pending);
    error = json_object_get(v, "error");
    if (!error) {
        g_autofree char *text = to_text(v);
        fail_msg("%s: expected an error, got %s", req, text);
    }
    assert_string_equal(json_string(json_object_get(error, "class")), cls);
    if (!strstr(json_string(json_object_get(error, "desc")), desc)) {
        fail_msg("%s: desc '%s' lacks '%s'", req,
                 json_string(json_object_get(error, "desc")), desc);
    }
}

static void test_qmp_session(void **state)
{
    g_autofree char *path = tmp_socket_path("qmp");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autoptr(GString) pending = g_string_new(NULL);
    GError *err = NULL;
    JsonValue *qmp, *ver;
    int fd;

    if (!monitor_add(spec, true, &err)) {
        fail_msg("monitor_add: %s", err->message);
    }
    fd = unix_connect(path);

    /* greeting */
    g_autoptr(JsonValue) greeting = qmp_recv(fd, pending);
    qmp = json_object_get(greeting, "QMP");
    assert_non_null(qmp);
    ver = json_object_get(json_object_get(qmp, "version"), "qemu");
    assert_non_null(json_object_get(ver, "major"));
    assert_int_equal(json_type(json_object_get(qmp, "capabilities")), JSON_ARRAY);

    /* nothing works before negotiation */
    expect_error_class(fd, pending, "{\"execute\": \"query-status\"}", "CommandNotFound",
                       "Expecting capabilities negotiation");
    expect_reply(fd, pending, "{\"execute\": \"qmp_capabilities\", \"id\": \"n1\"}",
                 "{\"return\": {}, \"id\": \"n1\"}");
    expect_error_class(fd, pending, "{\"execute\": \"qmp_capabilities\"}", "CommandNotFound",
                       "already complete");

    /* queries; the id comes back verbatim */
    bool running = runstate_is_running();
    g_autofree char *status = g_strdup_printf(
        "{\"return\": {\"status\": \"%s\", \"singlestep\": false, \"running\": %s}, "
        "\"id\": {\"n\": [1, 2.50]}}",
        running ? "running" : "paused", running ? "true" : "false");
    expect_reply(fd, pending, "{ \"execute\" : \"query-status\", \"id\": {\"n\": [1, 2.50]} }",
                 status);
    g_autofree char *version = qmp_cmd(fd, pending, "{\"execute\": \"query-version\"}");
    assert_non_null(strstr(version, "\"package\": \"tern\""));
    g_autofree char *cmds = qmp_cmd(fd, pending, "{\"execute\": \"query-commands\"}");
    assert_non_null(strstr(cmds, "{\"name\": \"query-cpus-fast\"}"));
    assert_non_null(strstr(cmds, "{\"name\": \"quit\"}"));
    expect_reply(fd, pending, "{\"execute\": \"query-cpus-fast\"}", "{\"return\": []}");

    /* errors */
    expect_error_class(fd, pending, "{\"execute\": \"frobnicate\", \"id\": 5}",
                       "CommandNotFound", "The command frobnicate has not been found");
    expect_error_class(fd, pending, "{\"exec\": \"query-status\"}", "GenericError",
                       "lacks member 'execute'");
    expect_error_class(fd, pending, "[1, 2]", "GenericError", "must be a JSON object");
    expect_error_class(fd, pending, "{\"execute\": 3}", "GenericError", "must be a string");
    expect_error_class(fd, pending, "{\"execute\": \"stop\", \"arguments\": {\"x\": 1}}",
                       "GenericError", "Parameter 'x' is unexpected");
    expect_error_class(fd, pending, "{\"execute\": \"query-status\", \"arguments\": 1}",
                       "GenericError", "'arguments' must be an object");
    expect_error_class(fd, pending, "{\"execute\": \"query-status\",}", "GenericError",
                       "JSON parse error");
    expect_error_class(fd, pending, "{\"execute\": \"system_powerdown\"}", "GenericError",
                       "not supported");
    expect_error_class(fd, pending, "{\"execute\": \"human-monitor-command\"}",
                       "GenericError", "'command-line' is missing");
    expect_error_class(fd, pending,
                       "{\"execute\": \"human-monitor-command\", "
                       "\"arguments\": {\"command-line\": 1}}",
                       "GenericError", "expected: string");
    /* HMP through QMP: its output comes back as a string */
    g_autofree char *hmc = qmp_cmd(fd, pending,
                                   "{\"execute\": \"human-monitor-command\", "
                                   "\"arguments\": {\"command-line\": \"info status\"}}");
    assert_true(g_str_has_prefix(hmc, "{\"return\": \"VM status: "));
    assert_non_null(strstr(hmc, "\\n\"}"));
    g_autofree char *hmc2 = qmp_cmd(fd, pending,
                                    "{\"execute\": \"human-monitor-command\", "
                                    "\"arguments\": {\"command-line\": \"nonsense\"}}");
    assert_string_equal(hmc2, "{\"return\": \"unknown command: 'nonsense'\\n\"}");
    /* the session survives all that */
    g_autofree char *again = qmp_cmd(fd, pending, "{\"execute\": \"query-status\"}");
    assert_true(g_str_has_prefix(again, "{\"return\": {\"status\": "));

    /* stop and cont change the run state (with the big lock, as on the main
     * loop); the run-state code reports them as events */
    g_ptr_array_set_size(events_seen, 0);
    expect_reply(fd, pending, "{\"execute\": \"cont\"}", "{\"return\": {}}");
    assert_true(runstate_is_running());
    expect_reply(fd, pending, "{\"execute\": \"stop\"}", "{\"return\": {}}");
    assert_false(runstate_is_running());
    expect_reply(fd, pending, "{\"execute\": \"query-status\"}",
                 "{\"return\": {\"status\": \"paused\", \"singlestep\": false, "
                 "\"running\": false}}");
    assert_true(event_seen("RESUME"));
    assert_true(event_seen("STOP"));
    g_ptr_array_set_size(events_seen, 0);

    /* events reach negotiated sessions */
    qmp_event_emit("RESET", "{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
    g_autoptr(JsonValue) ev = qmp_recv(fd, pending);
    assert_string_equal(json_string(json_object_get(ev, "event")), "RESET");
    assert_false(json_bool(json_object_get(json_object_get(ev, "data"), "guest")));
    assert_non_null(json_object_get(json_object_get(ev, "timestamp"), "seconds"));

    /* a new client must negotiate again */
    close(fd);
    fd = unix_connect(path);
    g_string_truncate(pending, 0);
    g_autoptr(JsonValue) greeting2 = qmp_recv(fd, pending);
    assert_non_null(json_object_get(greeting2, "QMP"));
    expect_error_class(fd, pending, "{\"execute\": \"query-status\"}", "CommandNotFound",
                       "Expecting capabilities negotiation");
    qmp_event_emit("STOP", NULL);       /* not negotiated: not sent */
    expect_reply(fd, pending, "{\"execute\": \"qmp_capabilities\"}", "{\"return\": {}}");
    assert_int_equal(events_seen->len, 0);
    close(fd);
}

static void test_hmp(void **state)
{
    g_autofree char *path = tmp_socket_path("hmp");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;
    int fd;

    if (!monitor_add(spec, false, &err)) {
        fail_msg("monitor_add: %s", err->message);
    }
    fd = unix_connect(path);
    assert_true(recv_until(fd, out, "(tern) "));
    assert_non_null(strstr(out->str, "monitor - type 'help' for more information\r\n"));

    g_string_truncate(out, 0);
    send_str(fd, "info version\r\n");
    assert_true(recv_until(fd, out, "\r\n(tern) "));
    /* echo, then the answer; \r\n swallowed as one line end */
    assert_true(g_str_has_prefix(out->str, "info version\r\n"));
    assert_non_null(strstr(out->str, "\r\n0."));

    g_string_truncate(out, 0);
    send_str(fd, "info status\n");
    assert_true(recv_until(fd, out, "(tern) "));
    assert_non_null(strstr(out->str, runstate_is_running() ? "VM status: running\r\n"
                                                            : "VM status: paused\r\n"));

    g_string_truncate(out, 0);
    send_str(fd, "help\r");
    assert_true(recv_until(fd, out, "info chardev"));
    assert_true(recv_until(fd, out, "(tern) "));
    assert_non_null(strstr(out->str, "quit|q"));
    assert_non_null(strstr(out->str, "system_reset"));

    g_string_truncate(out, 0);
    send_str(fd, "info chardev\r");
    assert_true(recv_until(fd, out, "(tern) "));
    g_autofree char *line = g_strdup_printf("monitor0: filename=unix:%s,server=on\r\n", path);
    assert_non_null(strstr(out->str, line));

    /* backspace editing, cursor keys ignored, unknown commands */
    g_string_truncate(out, 0);
    send_str(fd, "xyz\x7f\x7f\x7f\x1b[Ainfo statux\x7fs\r");
    assert_true(recv_until(fd, out, "VM status"));
    g_string_truncate(out, 0);
    send_str(fd, "frob\r");
    assert_true(recv_until(fd, out, "unknown command: 'frob'\r\n(tern) "));
    g_string_truncate(out, 0);
    send_str(fd, "info nothing\r");
    assert_true(recv_until(fd, out, "unknown subcommand 'nothing'"));
    g_string_truncate(out, 0);
    send_str(fd, "system_powerdown\r");
    assert_true(recv_until(fd, out, "not supported"));
    send_str(fd, "cont\r");
    g_string_truncate(out, 0);
    send_str(fd, "info status\r");
    assert_true(recv_until(fd, out, "VM status: running"));
    send_str(fd, "stop\r");
    g_string_truncate(out, 0);
    send_str(fd, "info status\r");
    assert_true(recv_until(fd, out, "VM status: paused"));
    close(fd);
}

static int serial_can_read(void *opaque)
{
    return 64;
}

static GString *serial_input;

static void serial_read(void *opaque, const uint8_t *buf, int size)
{
    g_string_append_len(serial_input, (const char *)buf, size);
}

static void serial_event(void *opaque, ChrEvent event)
{
    if (event == CHR_EVENT_OPENED) {
        *(bool *)opaque = true;
    }
}

static bool is_set(void *opaque)
{
    return *(bool *)opaque;
}

typedef struct WaitStr {
    GString *s;
    const char *needle;
} WaitStr;

static bool has_str(void *opaque)
{
    WaitStr *w = opaque;

    return strstr(w->s->str, w->needle) != NULL;
}

static bool wait_str(GString *s, const char *needle)
{
    WaitStr w = { s, needle };

    return test_run_until(has_str, &w);
}

/* "mon:" shares the backend between a serial port and an HMP (like mon:stdio). */
static void test_mon_mux(void **state)
{
    g_autofree char *path = tmp_socket_path("monmux");
    g_autofree char *spec = g_strdup_printf("mon:unix:%s,server=on,wait=off", path);
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) serial_in = g_string_new(NULL);
    CharBackend serial;
    GError *err = NULL;
    bool opened = false;
    Chardev *chr;
    int fd;

    chr = qemu_chr_new("serial3", spec, &err);
    if (!chr) {
        fail_msg("%s", err->message);
    }
    assert_true(qemu_chr_is_mux(chr));
    assert_true(monitor_init_hmp(chr, &err));
    /* the serial port attaches after the monitor, as the board does */
    assert_true(qemu_chr_fe_init(&serial, chr, &err));
    qemu_chr_fe_set_handlers(&serial, serial_can_read, serial_read, serial_event, &opened);
    serial_input = serial_in;
    fd = unix_connect(path);
    assert_true(test_run_until(is_set, &opened));
    qemu_chr_fe_write_all(&serial, (const uint8_t *)"login: ", 7);
    assert_true(recv_until(fd, out, "login: "));
    /* the serial port has the console: no monitor prompt, keys go to the guest */
    assert_null(strstr(out->str, "(tern)"));
    send_str(fd, "root\r");
    g_string_truncate(out, 0);
    assert_true(wait_str(serial_in, "root\r"));

    /* Ctrl-A c: the monitor */
    send_str(fd, "\x01" "c");
    assert_true(recv_until(fd, out, "(tern) "));
    send_str(fd, "info status\r");
    assert_true(recv_until(fd, out, "VM status"));
    assert_string_equal(serial_in->str, "root\r");

    /* Ctrl-A c: back to the guest */
    send_str(fd, "\x01" "cls\r");
    assert_true(wait_str(serial_in, "root\rls\r"));
    close(fd);
    qemu_chr_fe_deinit(&serial);
}

/* HMP commands whose output monitor_hmp_command captures: xp, info mtree. */
static void test_hmp_memory(void **state)
{
    static uint8_t ram[64];
    static MemoryRegion mr;

    for (size_t i = 0; i < sizeof(ram); i++) {
        ram[i] = (uint8_t)(0x10 + i);
    }
    memcpy(ram + 32, "Tern", 4);
    memory_region_init_ram_ptr(&mr, "test-ram", sizeof(ram), ram);
    memory_region_add_subregion(get_system_memory(), 0x80000000, &mr);

    g_autofree char *w = monitor_hmp_command("xp /5xw 0x80000000");
    assert_string_equal(w, "0000000080000000: 0x13121110 0x17161514 0x1b1a1918 0x1f1e1d1c\n"
                           "0000000080000010: 0x23222120\n");
    g_autofree char *b = monitor_hmp_command("xp /2xb 0x80000001");
    assert_string_equal(b, "0000000080000001: 0x11 0x12\n");
    g_autofree char *g = monitor_hmp_command("xp /1ug 0x80000000");
    assert_string_equal(g, "0000000080000000: 1663540288323457296\n");
    g_autofree char *c = monitor_hmp_command("xp /5c 0x80000020");
    assert_string_equal(c, "0000000080000020: 'T' 'e' 'r' 'n' '4'\n");
    g_autofree char *nc = monitor_hmp_command("xp /1c 0x80000000");
    assert_string_equal(nc, "0000000080000000: '\\x10'\n");
    g_autofree char *d = monitor_hmp_command("xp /1dh 0x80000000");
    assert_string_equal(d, "0000000080000000: 4368\n");
    g_autofree char *def = monitor_hmp_command("xp 0x80000004");
    assert_string_equal(def, "0000000080000004: 0x17161514\n");
    g_autofree char *bad = monitor_hmp_command("xp /4q 0x80000000");
    assert_non_null(strstr(bad, "bad format"));
    g_autofree char *noaddr = monitor_hmp_command("xp /4x zebra");
    assert_non_null(strstr(noaddr, "'zebra' is not an address"));
    g_autofree char *huge = monitor_hmp_command("xp /99999999xg 0");
    assert_non_null(strstr(huge, "count must be"));

    g_autofree char *mtree = monitor_hmp_command("info mtree");
    assert_non_null(strstr(mtree, "0000000080000000-000000008000003f (ram) test-ram"));
    memory_region_del_subregion(get_system_memory(), &mr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qmp_session),
        cmocka_unit_test(test_hmp),
        cmocka_unit_test(test_mon_mux),
        cmocka_unit_test(test_hmp_memory),
    };

    /* monitor commands run under the big lock, as on the main loop */
    bql_lock();
    events_seen = g_ptr_array_new_with_free_func(g_free);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
