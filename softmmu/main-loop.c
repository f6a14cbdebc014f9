/*
 * The main loop and the big lock. The loop iterates the default glib
 * context by hand (prepare, query, poll, check, dispatch) so that it can
 * drop the big lock while it sleeps and wake up at the earliest timer
 * deadline with nanosecond precision (ppoll).
 */
#include "tern/osdep.h"
#include "sysemu/main-loop.h"
#include "runstate-internal.h"
#include <poll.h>
#include <time.h>

static GMutex bql;
static __thread bool bql_held;

void bql_lock(void)
{
    g_assert(!bql_held);
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    g_assert(bql_held);
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

GMainContext *main_loop_context(void)
{
    return g_main_context_default();
}

void main_loop_wakeup(void)
{
    g_main_context_wakeup(main_loop_context());
}

/* glib's timeout (ms, -1: none) combined with the timer deadline (ns). */
static struct timespec *poll_timeout(gint glib_ms, struct timespec *ts)
{
    int64_t ns = timers_next_deadline_ns();

    if (glib_ms >= 0) {
        ns = MIN(ns, (int64_t)glib_ms * 1000000);
    }
    if (ns == INT64_MAX) {
        return NULL;
    }
    ts->tv_sec = ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
    return ts;
}

static void main_loop_iteration(GArray *fds)
{
    GMainContext *ctx = main_loop_context();
    struct timespec ts, *timeout;
    gint max_priority, glib_ms, n;

    g_main_context_prepare(ctx, &max_priority);
    for (;;) {
        n = g_main_context_query(ctx, max_priority, &glib_ms,
                                 (GPollFD *)fds->data, fds->len);
        if (n <= (gint)fds->len) {
            break;
        }
        g_array_set_size(fds, n);
    }
    timeout = poll_timeout(glib_ms, &ts);

    /* GPollFD has the layout of struct pollfd on Linux. */
    G_STATIC_ASSERT(sizeof(GPollFD) == sizeof(struct pollfd));
    bql_unlock();
    if (ppoll((struct pollfd *)fds->data, n, timeout, NULL) < 0 && errno != EINTR) {
        error_exit("main loop: poll failed: %s", g_strerror(errno));
    }
    bql_lock();

    if (g_main_context_check(ctx, max_priority, (GPollFD *)fds->data, n)) {
        g_main_context_dispatch(ctx);
    }
    timers_run_expired();
}

int main_loop_run(void)
{
    GMainContext *ctx = main_loop_context();
    g_autoptr(GArray) fds = g_array_sized_new(FALSE, TRUE, sizeof(GPollFD), 16);
    int status;

    g_assert(bql_locked());
    if (!g_main_context_acquire(ctx)) {
        error_exit("main loop: the glib main context is owned by another thread");
    }
    g_array_set_size(fds, 16);
    while (!runstate_handle_requests(&status)) {
        main_loop_iteration(fds);
    }
    g_main_context_release(ctx);
    return status;
}
