/*
 * Run state: shutdown, reset, quit and stop requests may come from any
 * thread (a vCPU writing a poweroff register, a signal, the mux's Ctrl-A x);
 * they are flags that the main loop acts on with the big lock held.
 */
#include "tern/osdep.h"
#include "sysemu/runstate.h"
#include "sysemu/main-loop.h"
#include "sysemu/cpus.h"
#include "sysemu/accel.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/qdev.h"
#include "hw/loader.h"
#include "sysemu/monitor.h"
#include "runstate-internal.h"

static gint shutdown_requested, reset_requested, quit_requested, error_requested,
            stop_requested;
static gint shutdown_status;
static const char *shutdown_reason;     /* QMP SHUTDOWN event's reason */
static bool running;            /* VM running; changed with the BQL held */

typedef struct ResetHandler {
    void (*fn)(void *opaque);
    void *opaque;
} ResetHandler;
static GArray *reset_handlers;

static void request(gint *flag)
{
    g_atomic_int_set(flag, 1);
    main_loop_wakeup();
}

static void shutdown_request(int status, const char *reason)
{
    g_atomic_int_set(&shutdown_status, status);
    g_atomic_pointer_set(&shutdown_reason, reason);
    request(&shutdown_requested);
}

void qemu_system_shutdown_request(int status)
{
    shutdown_request(status, "guest-shutdown");
}

void qemu_system_reset_request(void)
{
    if (current_machine && current_machine->no_reboot) {
        shutdown_request(0, "guest-reset");
        return;
    }
    request(&reset_requested);
}

void qemu_system_quit_request(void)
{
    request(&quit_requested);
}

void qemu_system_error_request(void)
{
    request(&error_requested);
}

void qemu_register_reset(void (*fn)(void *opaque), void *opaque)
{
    ResetHandler h = { fn, opaque };

    if (!reset_handlers) {
        reset_handlers = g_array_new(FALSE, FALSE, sizeof(ResetHandler));
    }
    g_array_append_val(reset_handlers, h);
}

/*
 * Devices first, then board-level reset handlers, then guest memory contents
 * (ROM blobs), then the CPUs; the board's own reset runs after the CPUs so it
 * can override their reset state (boot PC), and the accelerator picks up the
 * final state last.
 */
void qemu_system_reset(void)
{
    CPUState *cpu;

    g_assert(bql_locked());
    qdev_reset_all();
    for (guint i = 0; reset_handlers && i < reset_handlers->len; i++) {
        ResetHandler *h = &g_array_index(reset_handlers, ResetHandler, i);
        h->fn(h->opaque);
    }
    rom_reset_all();
    CPU_FOREACH(cpu) {
        cpu_reset(cpu);
    }
    if (current_machine && current_machine->mc->reset) {
        current_machine->mc->reset(current_machine);
    }
    CPU_FOREACH(cpu) {
        if (current_accel && current_accel->vcpu_reset) {
            current_accel->vcpu_reset(cpu);
        }
    }
}

void vm_stop(void)
{
    if (current_cpu_get()) {
        /* A vCPU cannot wait for itself to stop: let the main loop do it. */
        request(&stop_requested);
        return;
    }
    g_assert(bql_locked());
    if (!running) {
        return;
    }
    running = false;
    pause_all_vcpus();
    clock_virtual_pause();
    qmp_event_emit("STOP", NULL);
}

void vm_start(void)
{
    g_assert(bql_locked());
    if (running) {
        return;
    }
    running = true;
    clock_virtual_resume();
    resume_all_vcpus();
    qmp_event_emit("RESUME", NULL);
}

bool runstate_is_running(void)
{
    return running;
}

static bool take(gint *flag)
{
    return g_atomic_int_compare_and_exchange(flag, 1, 0);
}

static void emit_shutdown_event(bool guest, const char *reason)
{
    g_autofree char *data = g_strdup_printf("{\"guest\": %s, \"reason\": \"%s\"}",
                                            guest ? "true" : "false", reason);
    qmp_event_emit("SHUTDOWN", data);
}

bool runstate_handle_requests(int *status)
{
    if (take(&error_requested)) {
        emit_shutdown_event(false, "host-error");
        *status = 1;
        return true;
    }
    if (take(&quit_requested)) {
        emit_shutdown_event(false, "host-qmp-quit");
        *status = 0;
        return true;
    }
    if (take(&shutdown_requested)) {
        emit_shutdown_event(true, g_atomic_pointer_get(&shutdown_reason));
        if (!current_machine || !current_machine->no_shutdown) {
            *status = g_atomic_int_get(&shutdown_status);
            return true;
        }
        /* -no-shutdown: stay paused until the user quits. */
        vm_stop();
    }
    if (take(&stop_requested)) {
        vm_stop();
    }
    if (take(&reset_requested)) {
        qmp_event_emit("RESET", "{\"guest\": true, \"reason\": \"guest-reset\"}");
        pause_all_vcpus();
        qemu_system_reset();
        if (running) {
            resume_all_vcpus();
        }
    }
    return false;
}
