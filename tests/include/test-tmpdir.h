/*
 * Scratch directories and files for unit tests: a directory per test program,
 * created before the tests run and removed with everything in it afterwards;
 * single files with given contents.
 */
#ifndef TESTS_TEST_TMPDIR_H
#define TESTS_TEST_TMPDIR_H

/*
 * Creates a new directory from @tmpl (a basename ending in XXXXXX) in the
 * system temporary directory and returns its path; exits the program with a
 * message when it cannot, as no test could run without it.
 */
char *test_tmpdir_new(const char *tmpl);

/*
 * Creates a file from @tmpl (a basename containing XXXXXX) in the system
 * temporary directory holding the @len bytes at @data; returns its path
 * (g_free it, unlink the file), or NULL if it could not be written.
 */
char *test_tmpfile_new(const char *tmpl, const void *data, size_t len);

/* Removes @dir and everything below it; complains on stderr if it cannot. */
void test_tmpdir_remove(const char *dir);

#endif
