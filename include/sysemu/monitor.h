/*
 * The monitors: the human monitor (HMP, prompt "(tern) ") and the JSON
 * machine protocol (QMP), each on a chardev. Their input runs on the main
 * loop with the big lock held.
 */
#ifndef SYSEMU_MONITOR_H
#define SYSEMU_MONITOR_H

#include "tern/osdep.h"
#include "chardev/char.h"

/* Start a monitor on chr (a mux is shared: HMP joins it without taking the focus). */
bool monitor_init_hmp(Chardev *chr, GError **errp);
bool monitor_init_qmp(Chardev *chr, GError **errp);

/*
 * -monitor SPEC / -qmp SPEC: SPEC as for qemu_chr_new ("stdio", "chardev:ID",
 * "unix:/tmp/q,server=on,wait=off", "tcp::4444,server=on,wait=off", "none").
 * "-monitor mon:stdio" is the same as "-monitor stdio" shared through a mux.
 * Errors do not repeat the option; the caller prepends "-qmp SPEC: ".
 */
bool monitor_add(const char *spec, bool qmp, GError **errp);
/* -mon chardev=ID[,mode=readline|control] (errors as above) */
bool monitor_add_from_opts(const char *optstr, GError **errp);

/* Run one HMP command line and return its output (QMP human-monitor-command). */
char *monitor_hmp_command(const char *cmdline);

/*
 * Emit a QMP event to every QMP client past capabilities negotiation, e.g.
 * qmp_event_emit("STOP", NULL) or
 * qmp_event_emit("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}").
 * data_json is a JSON object's text or NULL. Thread safe.
 * Events Tern emits: SHUTDOWN, STOP, RESUME, RESET, POWERDOWN.
 */
void qmp_event_emit(const char *event, const char *data_json);

/*
 * system_powerdown (HMP and QMP): the board registers how to ask the guest to
 * power off (ACPI button, ...). Without one the command says it is not supported.
 */
void qemu_register_powerdown_handler(void (*fn)(void *opaque), void *opaque);
/* Run the registered handler; false if there is none. */
bool qemu_system_powerdown_request(void);

#endif
