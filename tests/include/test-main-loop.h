/*
 * Waiting in unit tests for what the main loop's sources (sockets, bottom
 * halves, timers) make happen.
 */
#ifndef TESTS_TEST_MAIN_LOOP_H
#define TESTS_TEST_MAIN_LOOP_H

/*
 * Iterate the default main context until cond(opaque) holds: true then,
 * false if 5 s pass first.
 */
bool test_run_until(bool (*cond)(void *opaque), void *opaque);

#endif
