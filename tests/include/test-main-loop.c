/* Waiting for the main loop in unit tests (see test-main-loop.h). */
#include "tern/osdep.h"
#include "test-main-loop.h"

bool test_run_until(bool (*cond)(void *opaque), void *opaque)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (!cond(opaque)) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        /* nothing was ready: give the other side (a thread, a peer) a moment */
        if (!g_main_context_iteration(NULL, false)) {
            g_usleep(200);
        }
    }
    return true;
}
