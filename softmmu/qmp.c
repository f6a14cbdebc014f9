/*
 * QMP, the JSON monitor protocol: a greeting on connect, capabilities
 * negotiation, then {"execute": CMD, "arguments": {...}, "id": ID} requests
 * answered with {"return": ...} or {"error": {"class", "desc"}}, plus
 * asynchronous events.
 */
#include "tern/osdep.h"
#include "sysemu/monitor.h"
#include "sysemu/runstate.h"
#include "hw/core/cpu.h"
#include "util/json.h"
#include "softmmu/tern-version.h"

typedef struct QmpMonitor {
    CharBackend be;
    JsonStreamer *js;
    bool negotiated;
} QmpMonitor;

typedef struct QmpCommand {
    const char *name;
    /* Append the return value's JSON to ret; false and *errp on failure.
     * args is the "arguments" object or NULL. */
    bool (*fn)(const JsonValue *args, GString *ret, GError **errp);
    const char *const *args;        /* argument names it accepts (NULL: none) */
} QmpCommand;

typedef enum QmpErrorClass {
    QMP_GENERIC_ERROR,
    QMP_COMMAND_NOT_FOUND,
} QmpErrorClass;

static GMutex qmp_lock;             /* qmp_monitors, for events from any thread */
static GPtrArray *qmp_monitors;

static void qmp_send(QmpMonitor *mon, GString *msg)
{
    g_string_append(msg, "\r\n");
    qemu_chr_fe_write_all(&mon->be, (const uint8_t *)msg->str, msg->len);
}

/* ---- commands ---- */

static bool qmp_query_status(const JsonValue *args, GString *ret, GError **errp)
{
    bool running = runstate_is_running();

    g_string_append_printf(ret, "{\"status\": \"%s\", \"singlestep\": false, "
                           "\"running\": %s}",
                           running ? "running" : "paused", running ? "true" : "false");
    return true;
}

static bool qmp_query_version(const JsonValue *args, GString *ret, GError **errp)
{
    unsigned major = 0, minor = 0, micro = 0;

    sscanf(TERN_VERSION, "%u.%u.%u", &major, &minor, &micro);
    g_string_append_printf(ret, "{\"qemu\": {\"major\": %u, \"minor\": %u, \"micro\": %u}, "
                           "\"package\": \"tern\"}", major, minor, micro);
    return true;
}

static bool qmp_query_cpus_fast(const JsonValue *args, GString *ret, GError **errp)
{
    CPUState *cpu;
    bool first = true;

    g_string_append_c(ret, '[');
    CPU_FOREACH(cpu) {
        g_string_append_printf(ret, "%s{\"cpu-index\": %d, \"qom-path\": \"/machine/cpu[%d]\", "
                               "\"target\": ", first ? "" : ", ",
                               cpu->cpu_index, cpu->cpu_index);
        json_append_string(ret, cpu->cc && cpu->cc->arch_name ? cpu->cc->arch_name : "");
        g_string_append_printf(ret, ", \"props\": {\"core-id\": %d}}", cpu->cpu_index);
        first = false;
    }
    g_string_append_c(ret, ']');
    return true;
}

static bool qmp_stop(const JsonValue *args, GString *ret, GError **errp)
{
    vm_stop();
    g_string_append(ret, "{}");
    return true;
}

static bool qmp_cont(const JsonValue *args, GString *ret, GError **errp)
{
    vm_start();
    g_string_append(ret, "{}");
    return true;
}

static bool qmp_system_reset(const JsonValue *args, GString *ret, GError **errp)
{
    qemu_system_reset_request();
    g_string_append(ret, "{}");
    return true;
}

static bool qmp_system_powerdown(const JsonValue *args, GString *ret, GError **errp)
{
    if (!qemu_system_powerdown_request()) {
        error_setg(errp, "system_powerdown is not supported by this machine");
        return false;
    }
    g_string_append(ret, "{}");
    return true;
}

static bool qmp_quit(const JsonValue *args, GString *ret, GError **errp)
{
    qemu_system_quit_request();
    g_string_append(ret, "{}");
    return true;
}

static bool qmp_human_monitor_command(const JsonValue *args, GString *ret, GError **errp)
{
    const JsonValue *line = json_object_get(args, "command-line");
    g_autofree char *out = NULL;

    if (!line) {
        error_setg(errp, "Parameter 'command-line' is missing");
        return false;
    }
    if (json_type(line) != JSON_STRING) {
        error_setg(errp, "Invalid parameter type for 'command-line', expected: string");
        return false;
    }
    out = monitor_hmp_command(json_string(line));
    json_append_string(ret, out);
    return true;
}

static bool qmp_query_commands(const JsonValue *args, GString *ret, GError **errp);

static const QmpCommand qmp_commands[] = {
    /* handled by the session itself */
    { "qmp_capabilities", NULL, (const char *const[]){ "enable", NULL } },
    { "query-commands", qmp_query_commands },
    { "human-monitor-command", qmp_human_monitor_command,
      (const char *const[]){ "command-line", "cpu-index", NULL } },
    { "query-status", qmp_query_status },
    { "query-version", qmp_query_version },
    { "query-cpus-fast", qmp_query_cpus_fast },
    { "stop", qmp_stop },
    { "cont", qmp_cont },
    { "system_reset", qmp_system_reset },
    { "system_powerdown", qmp_system_powerdown },
    { "quit", qmp_quit },
};

static bool qmp_query_commands(const JsonValue *args, GString *ret, GError **errp)
{
    g_string_append_c(ret, '[');
    for (size_t i = 0; i < ARRAY_SIZE(qmp_commands); i++) {
        g_string_append_printf(ret, "%s{\"name\": \"%s\"}", i ? ", " : "",
                               qmp_commands[i].name);
    }
    g_string_append_c(ret, ']');
    return true;
}

/* ---- requests ---- */

/* Send a reply object whose members so far are in msg: the request's "id"
 * (if it had one) goes back with it. */
static void qmp_reply(QmpMonitor *mon, GString *msg, const JsonValue *id)
{
    if (id) {
        g_string_append(msg, ", \"id\": ");
        json_append(msg, id);
    }
    g_string_append_c(msg, '}');
    qmp_send(mon, msg);
}

static void qmp_reply_error(QmpMonitor *mon, QmpErrorClass cls, const char *desc,
                            const JsonValue *id)
{
    g_autoptr(GString) msg = g_string_new("{\"error\": {\"class\": ");

    g_string_append(msg, cls == QMP_COMMAND_NOT_FOUND ? "\"CommandNotFound\""
                                                      : "\"GenericError\"");
    g_string_append(msg, ", \"desc\": ");
    json_append_string(msg, desc);
    g_string_append_c(msg, '}');
    qmp_reply(mon, msg, id);
}

/* Check the request's shape; returns the error to report, or NULL. */
static char *qmp_check_request(const JsonValue *req)
{
    const JsonValue *exec = json_object_get(req, "execute");
    const JsonValue *args = json_object_get(req, "arguments");

    if (json_type(req) != JSON_OBJECT) {
        return g_strdup("QMP input must be a JSON object");
    }
    if (!exec) {
        return g_strdup("QMP input lacks member 'execute'");
    }
    if (json_type(exec) != JSON_STRING) {
        return g_strdup("QMP input member 'execute' must be a string");
    }
    if (args && json_type(args) != JSON_OBJECT) {
        return g_strdup("QMP input member 'arguments' must be an object");
    }
    for (size_t i = 0; i < json_len(req); i++) {
        const char *key = json_object_key(req, i);
        if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
            return g_strdup_printf("QMP input member '%s' is unexpected", key);
        }
    }
    return NULL;
}

static const QmpCommand *qmp_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(qmp_commands); i++) {
        if (!strcmp(qmp_commands[i].name, name)) {
            return &qmp_commands[i];
        }
    }
    return NULL;
}

static void qmp_dispatch(QmpMonitor *mon, const JsonValue *req)
{
    const JsonValue *id = json_type(req) == JSON_OBJECT ? json_object_get(req, "id") : NULL;
    const JsonValue *args;
    g_autofree char *bad = qmp_check_request(req);
    g_autoptr(GString) ret = NULL;
    g_autoptr(GString) msg = NULL;
    const QmpCommand *cmd;
    const char *name;
    GError *err = NULL;

    if (bad) {
        qmp_reply_error(mon, QMP_GENERIC_ERROR, bad, id);
        return;
    }
    name = json_string(json_object_get(req, "execute"));
    args = json_object_get(req, "arguments");
    cmd = qmp_find(name);
    if (!cmd) {
        g_autofree char *desc = g_strdup_printf("The command %s has not been found", name);
        qmp_reply_error(mon, QMP_COMMAND_NOT_FOUND, desc, id);
        return;
    }
    if (!mon->negotiated && cmd->fn) {
        qmp_reply_error(mon, QMP_COMMAND_NOT_FOUND,
                        "Expecting capabilities negotiation with 'qmp_capabilities'", id);
        return;
    }
    if (mon->negotiated && !cmd->fn) {
        qmp_reply_error(mon, QMP_COMMAND_NOT_FOUND,
                        "Capabilities negotiation is already complete, command ignored", id);
        return;
    }
    for (size_t i = 0; i < json_len(args); i++) {
        const char *key = json_object_key(args, i);
        if (!cmd->args || !g_strv_contains((const gchar *const *)cmd->args, key)) {
            g_autofree char *desc = g_strdup_printf("Parameter '%s' is unexpected", key);
            qmp_reply_error(mon, QMP_GENERIC_ERROR, desc, id);
            return;
        }
    }

    ret = g_string_new(NULL);
    if (!cmd->fn) {
        mon->negotiated = true;
        g_string_append(ret, "{}");
    } else if (!cmd->fn(args, ret, &err)) {
        qmp_reply_error(mon, QMP_GENERIC_ERROR, err->message, id);
        g_error_free(err);
        return;
    }
    msg = g_string_new("{\"return\": ");
    g_string_append_len(msg, ret->str, ret->len);
    qmp_reply(mon, msg, id);
}

static void qmp_emit(void *opaque, JsonValue *req, GError *err)
{
    QmpMonitor *mon = opaque;

    if (err) {
        qmp_reply_error(mon, QMP_GENERIC_ERROR, err->message, NULL);
        g_error_free(err);
        return;
    }
    qmp_dispatch(mon, req);
    json_free(req);
}

static int qmp_can_read(void *opaque)
{
    return 4096;
}

static void qmp_read(void *opaque, const uint8_t *buf, int size)
{
    QmpMonitor *mon = opaque;

    json_streamer_feed(mon->js, buf, size);
}

static void qmp_greet(QmpMonitor *mon)
{
    unsigned major = 0, minor = 0, micro = 0;
    g_autoptr(GString) msg = g_string_new(NULL);

    sscanf(TERN_VERSION, "%u.%u.%u", &major, &minor, &micro);
    g_string_append_printf(msg, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %u, "
                           "\"minor\": %u, \"major\": %u}, \"package\": \"tern\"}, "
                           "\"capabilities\": []}}", micro, minor, major);
    qmp_send(mon, msg);
}

static void qmp_event(void *opaque, ChrEvent event)
{
    QmpMonitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* a new session: negotiate again */
        json_streamer_reset(mon->js);
        mon->negotiated = false;
        qmp_greet(mon);
        break;
    case CHR_EVENT_CLOSED:
        json_streamer_reset(mon->js);
        mon->negotiated = false;
        break;
    default:
        break;
    }
}

bool monitor_init_qmp(Chardev *chr, GError **errp)
{
    QmpMonitor *mon = g_new0(QmpMonitor, 1);

    if (!qemu_chr_fe_init_background(&mon->be, chr, errp)) {
        g_free(mon);
        return false;
    }
    mon->js = json_streamer_new(qmp_emit, mon);
    g_mutex_lock(&qmp_lock);
    if (!qmp_monitors) {
        qmp_monitors = g_ptr_array_new();
    }
    g_ptr_array_add(qmp_monitors, mon);
    g_mutex_unlock(&qmp_lock);
    qemu_chr_fe_set_handlers(&mon->be, qmp_can_read, qmp_read, qmp_event, mon);
    return true;
}

/* ---- events ---- */

void qmp_event_emit(const char *event, const char *data_json)
{
    gint64 now = g_get_real_time();
    g_autoptr(GString) msg = g_string_new(NULL);

    g_string_append_printf(msg, "{\"timestamp\": {\"seconds\": %" G_GINT64_FORMAT
                           ", \"microseconds\": %" G_GINT64_FORMAT "}, \"event\": ",
                           now / G_USEC_PER_SEC, now % G_USEC_PER_SEC);
    json_append_string(msg, event);
    if (data_json) {
        g_string_append_printf(msg, ", \"data\": %s", data_json);
    }
    g_string_append(msg, "}\r\n");

    g_mutex_lock(&qmp_lock);
    for (guint i = 0; qmp_monitors && i < qmp_monitors->len; i++) {
        QmpMonitor *mon = g_ptr_array_index(qmp_monitors, i);
        if (mon->negotiated) {
            qemu_chr_fe_write_all(&mon->be, (const uint8_t *)msg->str, msg->len);
        }
    }
    g_mutex_unlock(&qmp_lock);
}
