/*
 * Scratch directories for unit tests: one per test program, created before
 * the tests run and removed with everything in it afterwards.
 */
#ifndef TESTS_TEST_TMPDIR_H
#define TESTS_TEST_TMPDIR_H

/*
 * Creates a new directory from @tmpl (a basename ending in XXXXXX) in the
 * system temporary directory and returns its path; exits the program with a
 * message when it cannot, as no test could run without it.
 */
char *test_tmpdir_new(const char *tmpl);

/* Removes @dir and everything below it; complains on stderr if it cannot. */
void test_tmpdir_remove(const char *dir);

#endif
