/* Between the main loop, the run state and the clocks (softmmu/ only). */
#ifndef SOFTMMU_RUNSTATE_INTERNAL_H
#define SOFTMMU_RUNSTATE_INTERNAL_H

#include "tern/osdep.h"

/* Act on pending run-state requests (main-loop thread, BQL held). Returns
 * true, with the exit status, when the program should end. */
bool runstate_handle_requests(int *status);

/* CLOCK_VIRTUAL stands still while the VM is paused. */
void clock_virtual_pause(void);
void clock_virtual_resume(void);

/* Nanoseconds until the earliest pending timer (INT64_MAX: none). */
int64_t timers_next_deadline_ns(void);
/* Run expired timers (main-loop thread, BQL held). */
void timers_run_expired(void);

#endif
