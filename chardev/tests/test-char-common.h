/* Helpers shared by the chardev and monitor tests: a recording front end,
 * raw client sockets, and running the main context until something happens. */
#ifndef TEST_CHAR_COMMON_H
#define TEST_CHAR_COMMON_H

#include "tern/osdep.h"
#include "chardev/char.h"
#include "sysemu/main-loop.h"
#include "test-main-loop.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A front end that records its input and events. */
typedef struct TestFe {
    CharBackend be;
    GByteArray *in;
    int events[8];          /* count per ChrEvent */
    GArray *event_log;      /* of ChrEvent, in order */
    int room;               /* can_read answer; -1: unlimited */
    bool one_at_a_time;     /* take 1 byte, then nothing until drained */
    bool full;
} TestFe;

static inline int test_fe_can_read(void *opaque)
{
    TestFe *fe = opaque;

    if (fe->one_at_a_time) {
        return fe->full ? 0 : 1;
    }
    return fe->room < 0 ? 4096 : fe->room;
}

static inline void test_fe_read(void *opaque, const uint8_t *buf, int size)
{
    TestFe *fe = opaque;

    if (fe->one_at_a_time && (fe->full || size != 1)) {
        fail_msg("front end got %d bytes while offering %d", size, fe->full ? 0 : 1);
    }
    fe->full = true;
    g_byte_array_append(fe->in, buf, size);
}

static inline void test_fe_event(void *opaque, ChrEvent event)
{
    TestFe *fe = opaque;

    fe->events[event]++;
    g_array_append_val(fe->event_log, event);
}

static inline void test_fe_attach(TestFe *fe, Chardev *chr, bool background)
{
    GError *err = NULL;
    bool ok;

    fe->in = g_byte_array_new();
    fe->event_log = g_array_new(FALSE, FALSE, sizeof(ChrEvent));
    fe->room = -1;
    ok = background ? qemu_chr_fe_init_background(&fe->be, chr, &err)
                    : qemu_chr_fe_init(&fe->be, chr, &err);
    if (!ok) {
        fail_msg("fe_init: %s", err->message);
    }
    qemu_chr_fe_set_handlers(&fe->be, test_fe_can_read, test_fe_read, test_fe_event, fe);
}

static inline void test_fe_detach(TestFe *fe)
{
    qemu_chr_fe_deinit(&fe->be);
    g_byte_array_free(fe->in, TRUE);
    g_array_free(fe->event_log, TRUE);
}

static inline void run_context(void)
{
    while (g_main_context_iteration(main_loop_context(), FALSE)) {
    }
}

static inline char *tmp_socket_path(const char *name)
{
    return g_strdup_printf("%s/tern-test-%d-%s.sock", g_get_tmp_dir(), (int)getpid(), name);
}

static inline int unix_connect(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        fail_msg("connect %s: %s", path, g_strerror(errno));
    }
    return fd;
}

static inline void send_str(int fd, const char *s)
{
    size_t len = strlen(s);

    if (write(fd, s, len) != (ssize_t)len) {
        fail_msg("write to test socket failed");
    }
}

/* Read from fd (while running the main context) until buf holds `until`. */
static inline bool recv_until(int fd, GString *buf, const char *until)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (!strstr(buf->str, until)) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        char tmp[4096];

        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_main_context_iteration(main_loop_context(), FALSE);
        if (poll(&pfd, 1, 2) > 0) {
            ssize_t n = read(fd, tmp, sizeof(tmp));
            if (n <= 0) {
                return false;
            }
            g_string_append_len(buf, tmp, n);
        }
    }
    return true;
}

#endif
