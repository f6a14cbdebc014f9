/*
 * The main loop and the big lock.
 *
 * Lock discipline: one big lock (BQL) protects all device state, the memory
 * tree and the run state. The main-loop thread holds it except while waiting
 * in poll. vCPU threads run guest code WITHOUT it and take it around every
 * device access (MMIO/PIO dispatch, interrupt controller updates from the CPU
 * side) and around run-state changes. Device callbacks, chardev input
 * handlers, timer callbacks and block completions therefore always run with
 * the BQL held. A device that must do slow work (disk I/O) hands it to a
 * worker thread and completes on the main loop.
 */
#ifndef SYSEMU_MAIN_LOOP_H
#define SYSEMU_MAIN_LOOP_H

#include "tern/osdep.h"

void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);          /* by the calling thread */

/* Make the main loop's poll return (thread safe). */
void main_loop_wakeup(void);
/* The glib context the main loop iterates (chardevs, block completions). */
GMainContext *main_loop_context(void);
/* Run until a shutdown request; returns the exit status. */
int main_loop_run(void);

/* ---- clocks and timers ---- */
typedef enum TernClock {
    CLOCK_HOST,         /* wall-clock time (CLOCK_REALTIME), for RTCs */
    CLOCK_VIRTUAL,      /* guest time: monotonic, stops while the VM is paused */
} TernClock;

int64_t clock_get_ns(TernClock clock);

typedef struct TernTimer TernTimer;
typedef void TernTimerCB(void *opaque);

/* Timer callbacks run on the main-loop thread with the BQL held. */
TernTimer *timer_new_ns(TernClock clock, TernTimerCB *cb, void *opaque);
void timer_mod_ns(TernTimer *t, int64_t expire_ns);   /* absolute time on its clock */
void timer_del(TernTimer *t);
bool timer_pending(TernTimer *t);
void timer_free(TernTimer *t);

#endif
