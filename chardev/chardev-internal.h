/*
 * What chardev backends share with the core (chardev/char.c). Not for front
 * ends: they use include/chardev/char.h.
 */
#ifndef CHARDEV_INTERNAL_H
#define CHARDEV_INTERNAL_H

#include "chardev/char.h"
#include "util/keyval.h"

/* Input the front end has not taken yet; backends stop reading when full. */
#define CHR_INBUF_SIZE 4096

struct ChardevClass {
    const char *name;
    size_t instance_size;           /* of the backend struct embedding Chardev */
    /* Options it takes besides backend=, id= and mux= (NULL-terminated). */
    const char *const *options;
    /* Read the backend's options from opts and open it. */
    bool (*open)(Chardev *chr, KeyVal *opts, GError **errp);
    /*
     * Write up to len bytes; return how many, or -1 with errno set (EAGAIN:
     * try again when writable). Called with chr->write_lock held, on any
     * thread. A backend with nobody listening returns len (the bytes are
     * dropped, as on a disconnected serial line).
     */
    ssize_t (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    /* Optional: a front end attached (mux) or called accept_input. */
    bool (*fe_init)(Chardev *chr, CharBackend *be, bool take_focus, GError **errp);
    void (*fe_deinit)(Chardev *chr, CharBackend *be);
    void (*fe_set_handlers)(Chardev *chr, CharBackend *be);
    void (*accept_input)(Chardev *chr);
    void (*close)(Chardev *chr);
};

struct Chardev {
    const ChardevClass *cls;
    char *label;
    char *filename;                 /* what `info chardev` shows */
    const char *what;               /* the option being opened, for messages */
    GMainContext *ctx;
    GMutex write_lock;
    int out_fd;                     /* polled for POLLOUT after EAGAIN; -1 if none */
    CharBackend *be;                /* the front end (non-mux backends) */
    bool be_open;                   /* connected: front ends get CHR_EVENT_OPENED */
    GByteArray *inbuf;
    GMutex flush_lock;
    GSource *flush_src;             /* queued input delivery (accept_input) */
};

/* ---- for backends ---- */

/* How many bytes the backend may pass to chr_be_write now (0: stop reading). */
size_t chr_be_can_write(Chardev *chr);
/* Queue host input for the front end and deliver what it accepts. */
void chr_be_write(Chardev *chr, const uint8_t *buf, size_t len);
/* Deliver queued input to the front end as far as can_read allows. */
void chr_flush_input(Chardev *chr);
void chr_be_event(Chardev *chr, ChrEvent event);
/* Mark connected/disconnected and tell the front end. */
void chr_set_open(Chardev *chr, bool open);
/* Write all of buf to chr, retrying on EAGAIN; -1 on a hard error. */
int chr_write_all(Chardev *chr, const uint8_t *buf, size_t len);

/*
 * A main-context source watching fd for input. It only polls while
 * ready(chr) is true (e.g. the input buffer has room), so a full buffer or a
 * hung-up fd does not make the loop spin. dispatch gets the poll result.
 */
typedef struct ChrFdWatch ChrFdWatch;
ChrFdWatch *chr_fd_watch_new(Chardev *chr, int fd,
                             bool (*ready)(Chardev *chr),
                             void (*dispatch)(Chardev *chr, GIOCondition cond));
void chr_fd_watch_free(ChrFdWatch *w);
/* ready(): the usual input condition, chr_be_can_write(chr) > 0. */
bool chr_ready_for_input(Chardev *chr);
/* Read up to chr_be_can_write bytes from fd into the front end; returns the
 * read(2) result (0 at EOF, -1 with errno). */
ssize_t chr_fd_read_input(Chardev *chr, int fd);

/* Put a terminal fd in raw mode (keeping ISIG if allow_signals). */
bool chr_tty_set_raw(int fd, bool allow_signals, GError **errp);

/* ---- the backends ---- */
extern const ChardevClass chardev_stdio_class;
extern const ChardevClass chardev_file_class;
extern const ChardevClass chardev_null_class;
extern const ChardevClass chardev_pty_class;
extern const ChardevClass chardev_socket_class;
extern const ChardevClass chardev_mux_class;

/* Build a mux named label over base (which it takes over). */
Chardev *chr_mux_new(const char *label, Chardev *base, GError **errp);
/* Allocate and register an empty mux chardev (for chr_mux_new). */
Chardev *chr_mux_alloc(const char *label, GError **errp);
/* What Ctrl-A x calls: qemu_system_quit_request (tests substitute a probe). */
extern void (*chr_mux_quit_request)(void);
/* Undo raw stdio (async-signal safe). */
void chr_stdio_restore(void);

#endif
