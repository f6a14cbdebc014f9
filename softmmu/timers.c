/*
 * Clocks and timers. Timers expire on the main-loop thread, which sleeps in
 * poll until the earliest deadline (softmmu/main-loop.c). Any thread may arm
 * or cancel a timer; arming from another thread wakes the main loop so it
 * recomputes its deadline.
 */
#include "tern/osdep.h"
#include "sysemu/main-loop.h"
#include "runstate-internal.h"
#include <time.h>

struct TernTimer {
    TernClock clock;
    TernTimerCB *cb;
    void *opaque;
    int64_t expire;
    bool pending;
};

/* Protects the timer list and the virtual clock. */
static GMutex timer_lock;
static GPtrArray *pending_timers;   /* unsorted: a machine has a handful */

/* CLOCK_VIRTUAL = monotonic time - virtual_offset, frozen while paused. */
static int64_t virtual_offset;
static bool virtual_paused = true;  /* until vm_start() */
static int64_t virtual_paused_at;

static int64_t host_clock_ns(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t virtual_now_locked(void)
{
    return (virtual_paused ? virtual_paused_at : host_clock_ns(CLOCK_MONOTONIC))
           - virtual_offset;
}

int64_t clock_get_ns(TernClock clock)
{
    int64_t now;

    if (clock == CLOCK_HOST) {
        return host_clock_ns(CLOCK_REALTIME);
    }
    g_mutex_lock(&timer_lock);
    now = virtual_now_locked();
    g_mutex_unlock(&timer_lock);
    return now;
}

void clock_virtual_pause(void)
{
    g_mutex_lock(&timer_lock);
    if (!virtual_paused) {
        virtual_paused_at = host_clock_ns(CLOCK_MONOTONIC);
        virtual_paused = true;
    }
    g_mutex_unlock(&timer_lock);
}

void clock_virtual_resume(void)
{
    g_mutex_lock(&timer_lock);
    if (virtual_paused) {
        virtual_offset += host_clock_ns(CLOCK_MONOTONIC) - virtual_paused_at;
        virtual_paused = false;
    }
    g_mutex_unlock(&timer_lock);
    main_loop_wakeup();
}

TernTimer *timer_new_ns(TernClock clock, TernTimerCB *cb, void *opaque)
{
    TernTimer *t = g_new0(TernTimer, 1);

    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

static void timer_del_locked(TernTimer *t)
{
    if (t->pending) {
        g_ptr_array_remove_fast(pending_timers, t);
        t->pending = false;
    }
}

void timer_mod_ns(TernTimer *t, int64_t expire_ns)
{
    g_mutex_lock(&timer_lock);
    if (!pending_timers) {
        pending_timers = g_ptr_array_new();
    }
    timer_del_locked(t);
    t->expire = expire_ns;
    t->pending = true;
    g_ptr_array_add(pending_timers, t);
    g_mutex_unlock(&timer_lock);
    /* The main loop may be sleeping until a later deadline. */
    main_loop_wakeup();
}

void timer_del(TernTimer *t)
{
    g_mutex_lock(&timer_lock);
    timer_del_locked(t);
    g_mutex_unlock(&timer_lock);
}

bool timer_pending(TernTimer *t)
{
    bool pending;

    g_mutex_lock(&timer_lock);
    pending = t->pending;
    g_mutex_unlock(&timer_lock);
    return pending;
}

void timer_free(TernTimer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

/* Time left until t expires; INT64_MAX if its clock stands still. */
static int64_t time_left_locked(const TernTimer *t)
{
    int64_t now;

    if (t->clock == CLOCK_VIRTUAL) {
        if (virtual_paused) {
            return INT64_MAX;
        }
        now = virtual_now_locked();
    } else {
        now = host_clock_ns(CLOCK_REALTIME);
    }
    return t->expire > now ? t->expire - now : 0;
}

int64_t timers_next_deadline_ns(void)
{
    int64_t next = INT64_MAX;

    g_mutex_lock(&timer_lock);
    for (guint i = 0; pending_timers && i < pending_timers->len; i++) {
        next = MIN(next, time_left_locked(g_ptr_array_index(pending_timers, i)));
    }
    g_mutex_unlock(&timer_lock);
    return next;
}

/* Remove and return one expired timer, or NULL. */
static TernTimer *take_expired(void)
{
    TernTimer *found = NULL;

    g_mutex_lock(&timer_lock);
    for (guint i = 0; pending_timers && i < pending_timers->len; i++) {
        TernTimer *t = g_ptr_array_index(pending_timers, i);
        if (time_left_locked(t) == 0 && (!found || t->expire < found->expire)) {
            found = t;
        }
    }
    if (found) {
        timer_del_locked(found);
    }
    g_mutex_unlock(&timer_lock);
    return found;
}

void timers_run_expired(void)
{
    TernTimer *t;

    /* A callback may re-arm its own timer; it runs again only once expired. */
    while ((t = take_expired())) {
        t->cb(t->opaque);
    }
}
