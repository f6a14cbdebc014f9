/*
 * Character devices: byte streams between a front end (a UART, a virtio
 * console, the monitor) and a host backend (stdio, file, null, pty, socket,
 * and the mux that shares one backend among several front ends, switched
 * with Ctrl-A c).
 *
 * Input from the host is read on the main-loop thread and handed to the
 * front end's read handler with the big lock held, only as much as its
 * can_read handler accepts; a front end that could not take everything calls
 * qemu_chr_fe_accept_input() when it has room again.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "tern/osdep.h"

typedef struct Chardev Chardev;
typedef struct ChardevClass ChardevClass;

typedef enum ChrEvent {
    CHR_EVENT_OPENED,       /* a client connected / backend ready */
    CHR_EVENT_CLOSED,       /* the client went away */
    CHR_EVENT_BREAK,        /* serial break (Ctrl-A b) */
    CHR_EVENT_MUX_IN,       /* this front end now owns the mux */
    CHR_EVENT_MUX_OUT,
} ChrEvent;

typedef int IOCanReadHandler(void *opaque);
typedef void IOReadHandler(void *opaque, const uint8_t *buf, int size);
typedef void IOEventHandler(void *opaque, ChrEvent event);

/* The front end's handle on a chardev. */
typedef struct CharBackend {
    Chardev *chr;
    IOCanReadHandler *can_read;
    IOReadHandler *read;
    IOEventHandler *event;
    void *opaque;
    int tag;                /* index in a mux */
} CharBackend;

bool qemu_chr_fe_init(CharBackend *be, Chardev *chr, GError **errp);
void qemu_chr_fe_set_handlers(CharBackend *be, IOCanReadHandler *can_read,
                              IOReadHandler *read, IOEventHandler *event,
                              void *opaque);
/*
 * Write all of buf, waiting while the backend is full; returns len or -1.
 * Thread safe: each call's bytes stay together. Output to a disconnected
 * socket or pty is dropped (returns len); a reader that takes nothing for
 * 30 s makes the call give up (-1).
 */
int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len);
void qemu_chr_fe_accept_input(CharBackend *be);
void qemu_chr_fe_deinit(CharBackend *be);
static inline bool qemu_chr_fe_backend_connected(CharBackend *be) { return be->chr != NULL; }

/*
 * -chardev BACKEND,id=ID,...: stdio (signal=on|off), file (path=, append=),
 * null, pty, socket (path= | host=,port=, server=on|off, wait=on|off or the
 * old "server,nowait", nodelay=on; telnet= and reconnect= are not supported),
 * plus mux=on on any of them.
 */
Chardev *qemu_chr_new_from_opts(const char *optstr, GError **errp);
/*
 * The short forms of -serial/-monitor/-qmp: "stdio", "mon:stdio", "null",
 * "none" (returns NULL with no error), "file:PATH", "pty", "chardev:ID",
 * "tcp:HOST:PORT[,server=on,wait=off]", "unix:PATH[,server=on,wait=off]".
 * label names the new chardev ("serial0").
 * "mon:SPEC" makes SPEC a mux; the caller starts the human monitor on it
 * (monitor_init_hmp, include/sysemu/monitor.h). On "mon:stdio" Ctrl-C goes
 * to the guest (signal=off), as in QEMU; Ctrl-A x quits.
 *
 * Errors from these two do not repeat the option: the caller prepends it
 * ("-serial file:/x: " + "could not open '/x': No such file or directory").
 */
Chardev *qemu_chr_new(const char *label, const char *spec, GError **errp);
Chardev *qemu_chr_find(const char *id);
const char *qemu_chr_label(Chardev *chr);

/*
 * Put stdio into raw mode for -nographic (restored by chardev_cleanup on every
 * exit path, including signals and atexit).
 */
void chardev_cleanup(void);

/* Print the mux's Ctrl-A help (Ctrl-A h). */
void mux_print_help(Chardev *chr);

/*
 * Like qemu_chr_fe_init, but on a mux the new front end takes the focus only
 * if it is the first one (the monitor attaches this way, so a serial port
 * sharing "mon:stdio" keeps the console whichever attaches first).
 * qemu_chr_fe_init gives the focus to the newest front end.
 */
bool qemu_chr_fe_init_background(CharBackend *be, Chardev *chr, GError **errp);

/* `info chardev`: e.g. "stdio", "file:/tmp/log", "pty:/dev/pts/3",
 * "disconnected:unix:/tmp/s,server=on". */
const char *qemu_chr_filename(Chardev *chr);
bool qemu_chr_is_mux(Chardev *chr);
/* Every chardev in creation order (a mux's backend is listed as "ID-base"). */
void qemu_chr_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque);
/* Close and free a chardev whose front ends are detached (tests, hot-unplug). */
void qemu_chr_delete(Chardev *chr);

#endif
