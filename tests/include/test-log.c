/* Capturing the log in unit tests (see test-log.h). */
#include "tern/osdep.h"
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>
#include "test-log.h"

static char *log_path;

void test_log_start(uint32_t mask)
{
    int fd;

    assert_null(log_path);
    fd = g_file_open_tmp("tern-test-log-XXXXXX", &log_path, NULL);
    assert_true(fd >= 0);
    close(fd);
    assert_true(log_set_file(log_path, NULL));
    log_set_mask(mask);
}

char *test_log_read(void)
{
    char *text = NULL;

    assert_non_null(log_path);
    fflush(log_file());
    assert_true(g_file_get_contents(log_path, &text, NULL, NULL));
    return text;
}

void test_log_stop(void)
{
    log_set_mask(0);
    log_close();
    if (log_path) {
        unlink(log_path);
        g_clear_pointer(&log_path, g_free);
    }
}
