/*
 * -strace: one line per guest system call, as QEMU prints it:
 * "pid name(arg,...) = result".
 */
#include "tern/osdep.h"
#include <unistd.h>
#include "user-internal.h"
#include "syscall-table.h"

typedef struct SyscallInfo {
    uint64_t nr;
    const char *name;
    const char *fmt;
} SyscallInfo;

#define SYSCALL_INFO(nr, name, fmt) { nr, #name, fmt },
static const SyscallInfo syscalls[] = { SYSCALL_LIST(SYSCALL_INFO) };
#undef SYSCALL_INFO

static const SyscallInfo *find(uint64_t nr)
{
    for (size_t i = 0; i < ARRAY_SIZE(syscalls); i++) {
        if (syscalls[i].nr == nr) {
            return &syscalls[i];
        }
    }
    return NULL;
}

const char *syscall_name(uint64_t nr)
{
    const SyscallInfo *si = find(nr);
    return si ? si->name : NULL;
}

static void print_arg(GString *s, char kind, uint64_t v)
{
    char buf[64];
    int64_t len;

    switch (kind) {
    case 'd':
        g_string_append_printf(s, "%" PRId64, (int64_t)v);
        break;
    case 'o':
        g_string_append_printf(s, "0%" PRIo64, v);
        break;
    case 's':
        len = v ? guest_strlen(v) : -1;
        if (len < 0) {
            g_string_append_printf(s, "0x%" PRIx64, v);
        } else {
            len = MIN(len, (int64_t)sizeof(buf) - 1);
            copy_from_guest(buf, v, len);
            buf[len] = 0;
            g_string_append_printf(s, "\"%s\"%s", buf, len == sizeof(buf) - 1 ? "..." : "");
        }
        break;
    default:
        g_string_append_printf(s, "0x%" PRIx64, v);
        break;
    }
}

void strace_print(uint64_t nr, const uint64_t *args, int64_t ret)
{
    const SyscallInfo *si = find(nr);
    g_autoptr(GString) s = g_string_new(NULL);

    g_string_append_printf(s, "%d ", getpid());
    if (!si) {
        g_string_append_printf(s, "Unknown syscall %" PRIu64, nr);
    } else {
        g_string_append_printf(s, "%s(", si->name);
        for (int i = 0; si->fmt[i]; i++) {
            if (i) {
                g_string_append_c(s, ',');
            }
            print_arg(s, si->fmt[i], args[i]);
        }
        g_string_append_c(s, ')');
    }
    if (ret == TERN_NORETURN_A0) {
        g_string_append(s, "\n");
    } else if (ret < 0 && ret >= -4095) {
        g_string_append_printf(s, " = -1 errno=%d (%s)\n", (int)-ret, g_strerror(-ret));
    } else {
        g_string_append_printf(s, " = %" PRId64 "\n", ret);
    }
    fputs(s->str, stderr);
}
