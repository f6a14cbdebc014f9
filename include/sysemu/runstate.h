/* Run state: requests that end, reset or pause the machine, acted on by the main loop. */
#ifndef SYSEMU_RUNSTATE_H
#define SYSEMU_RUNSTATE_H

#include "tern/osdep.h"

typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE = 0,
    SHUTDOWN_CAUSE_GUEST_POWEROFF,   /* guest powered off (exit status from the guest) */
    SHUTDOWN_CAUSE_GUEST_RESET,      /* guest rebooted */
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_HOST_QUIT,        /* Ctrl-A x, monitor quit, signal */
    SHUTDOWN_CAUSE_HOST_ERROR,       /* emulator error (KVM internal error ...) */
} ShutdownCause;

/* The guest powered off; Tern exits with status (0 normally) unless -no-shutdown. */
void qemu_system_shutdown_request(int status);
/* The guest asked for a reset; with -no-reboot this is a poweroff with status 0. */
void qemu_system_reset_request(void);
/* The user quits (Ctrl-A x, monitor "quit", SIGINT/SIGTERM): exit status 0. */
void qemu_system_quit_request(void);
/* An unrecoverable emulator error: exit status 1 after the report. */
void qemu_system_error_request(void);

/* Run fn(opaque) at every machine reset (after device resets). */
void qemu_register_reset(void (*fn)(void *opaque), void *opaque);
/* Perform a full machine reset now (main-loop thread, big lock held). */
void qemu_system_reset(void);

/* Pause / resume all vCPUs (gdb stub, monitor "stop"/"cont", -S). */
void vm_stop(void);
void vm_start(void);
bool runstate_is_running(void);

#endif
