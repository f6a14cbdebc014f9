/*
 * Error reporting. Tern uses GError throughout: functions that can fail take
 * a trailing `GError **errp` and return false/NULL/-1 on failure.
 */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include <glib.h>

#define TERN_ERROR tern_error_quark()
GQuark tern_error_quark(void);

/* Set *errp (if errp is non-NULL) to a new error with a printf-style message. */
#define error_setg(errp, ...) g_set_error((errp), TERN_ERROR, 0, __VA_ARGS__)
/* Like error_setg, appending ": strerror(errno_val)". */
void error_setg_errno(GError **errp, int errno_val, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Prefix an existing error's message: "prefix: old message". */
void error_prepend(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Print "tern-system-xxx: message" on stderr. */
void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Print the error's message with error_report, and free it. */
void error_report_err(GError *err);
/* Report and exit(1). */
G_NORETURN void error_exit(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
G_NORETURN void error_exit_err(GError *err);

/* The program name used as message prefix (set once by main). */
void error_set_progname(const char *argv0);

#endif
