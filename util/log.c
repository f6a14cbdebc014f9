/* -d / -D logging. */
#include "tern/osdep.h"
#include <stdarg.h>

uint32_t tern_loglevel;
static FILE *logfile;
static GMutex log_lock;

const LogItem log_items[] = {
    { LOG_IN_ASM, "in_asm", "show guest instructions of each translated block" },
    { LOG_OP, "op", "show the IR of each translated block" },
    { LOG_OP_OPT, "op_opt", "show the IR after optimization" },
    { LOG_OUT_ASM, "out_asm", "show the generated host code" },
    { LOG_INT, "int", "show interrupts and exceptions" },
    { LOG_EXEC, "exec", "show each translated block as it is entered" },
    { LOG_CPU, "cpu", "show CPU registers before entering each block" },
    { LOG_MMU, "mmu", "log page walks and TLB fills" },
    { LOG_GUEST_ERROR, "guest_errors", "log when the guest does something invalid" },
    { LOG_UNIMP, "unimp", "log when the guest uses something not implemented" },
    { LOG_NOCHAIN, "nochain", "do not chain translated blocks (with exec: see every block)" },
    { LOG_STRACE, "strace", "linux-user: log each system call" },
    { LOG_PAGE, "page", "linux-user: log guest memory mappings" },
    { 0, NULL, NULL },
};

bool log_parse_items(const char *str, uint32_t *mask, GError **errp)
{
    gchar **names = g_strsplit(str, ",", -1);
    uint32_t m = 0;
    bool ok = true;

    for (gchar **n = names; *n; n++) {
        const LogItem *it;

        if (!**n) {
            continue;
        }
        if (!strcmp(*n, "all")) {
            for (it = log_items; it->name; it++) {
                if (it->mask != LOG_NOCHAIN) {
                    m |= it->mask;
                }
            }
            continue;
        }
        for (it = log_items; it->name; it++) {
            if (!strcmp(*n, it->name)) {
                m |= it->mask;
                break;
            }
        }
        if (!it->name) {
            error_setg(errp, "unknown log item '%s' (-d help lists them)", *n);
            ok = false;
            break;
        }
    }
    g_strfreev(names);
    if (ok) {
        *mask = m;
    }
    return ok;
}

void log_set_mask(uint32_t mask)
{
    tern_loglevel = mask;
}

bool log_set_file(const char *path, GError **errp)
{
    FILE *f = NULL;

    if (path) {
        f = fopen(path, "w");
        if (!f) {
            error_setg_errno(errp, errno, "-D: cannot open log file '%s'", path);
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&log_lock);
    if (logfile) {
        fclose(logfile);
    }
    logfile = f;
    g_mutex_unlock(&log_lock);
    return true;
}

FILE *log_file(void)
{
    return logfile ? logfile : stderr;
}

void log_close(void)
{
    log_set_file(NULL, NULL);
}

void tern_log(const char *fmt, ...)
{
    va_list ap;

    g_mutex_lock(&log_lock);
    va_start(ap, fmt);
    vfprintf(log_file(), fmt, ap);
    va_end(ap);
    g_mutex_unlock(&log_lock);
}
