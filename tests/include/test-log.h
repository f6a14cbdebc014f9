/*
 * Capturing what Tern logs (tern_log_mask: -d guest_errors and friends) in
 * unit tests, so a test can check that a guest's misbehaviour was reported.
 * Failures are cmocka test failures.
 */
#ifndef TESTS_TEST_LOG_H
#define TESTS_TEST_LOG_H

/* Log the classes in mask (LOG_GUEST_ERROR, ...) to a new temporary file. */
void test_log_start(uint32_t mask);
/* Everything logged since test_log_start (g_free it). */
char *test_log_read(void);
/* Stop logging and delete the file. */
void test_log_stop(void);

#endif
