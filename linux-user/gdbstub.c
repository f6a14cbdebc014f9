/*
 * tern-riscv64 -g PORT: the gdb stub of linux-user. Tern listens on
 * 127.0.0.1:PORT and waits for gdb before the program's first instruction.
 * There is no main loop: a guest thread that stops (breakpoint, finished
 * step, a signal about to be delivered) reports it and then serves gdb's
 * packets on the blocking socket itself until gdb resumes it. Meanwhile
 * the other threads are held (gdb's all-stop mode): kicked out of
 * translated code, they wait in gdb_user_park before running guest code
 * again; one in a blocking system call stays there until the call returns.
 * When gdb resumes a single thread (vCont;s:TID, vCont;c:TID, which it
 * does to step over a breakpoint), the others stay held. The protocol is
 * the shared core's (softmmu/gdbstub-proto.c); thread ids are host tids, as
 * in qemu-user.
 */
#include "tern/osdep.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include "exec/cpu-exec.h"
#include "sysemu/accel.h"
#include "sysemu/gdbstub.h"
#include "sysemu/gdbstub-proto.h"
#include "util/sockets.h"
#include "user-internal.h"

static int gdb_fd = -1;
static bool gdb_at_start;           /* the first thread stops before running */
/* One thread at a time talks to gdb; these are under gdb_lock. */
static GMutex gdb_lock;
static GCond gdb_resumed;
static int resume_sig;              /* gdb's signal for the stopped thread */
static CPUState *step_cpu;          /* the thread gdb last asked to step */
static bool all_held;               /* a thread is stopped: nobody runs */
static CPUState *only_cpu;          /* else if set: only this one runs */
static int holding;                 /* all_held || only_cpu, read without the lock */

/*
 * Linux signal numbers (riscv64 uses the generic ones) to gdb's
 * (gdb/signals.def, enum gdb_signal); 0 = no gdb number.
 */
static const uint8_t gdb_signal_of[32] = {
    [SIGHUP] = 1, [SIGINT] = 2, [SIGQUIT] = 3, [SIGILL] = 4, [SIGTRAP] = 5,
    [SIGABRT] = 6, [SIGBUS] = 10, [SIGFPE] = 8, [SIGKILL] = 9, [SIGUSR1] = 30,
    [SIGSEGV] = 11, [SIGUSR2] = 31, [SIGPIPE] = 13, [SIGALRM] = 14, [SIGTERM] = 15,
    [SIGCHLD] = 20, [SIGCONT] = 19, [SIGSTOP] = 17, [SIGTSTP] = 18,
    [SIGTTIN] = 21, [SIGTTOU] = 22, [SIGURG] = 16, [SIGXCPU] = 24, [SIGXFSZ] = 25,
    [SIGVTALRM] = 26, [SIGPROF] = 27, [SIGWINCH] = 28, [SIGIO] = 23, [SIGPWR] = 32,
    [SIGSYS] = 12,
};
#define GDB_SIGNAL_REALTIME_32 77
#define GDB_SIGNAL_REALTIME_33 45   /* 33..63 follow in order */
#define GDB_SIGNAL_REALTIME_64 78
#define GDB_SIGNAL_UNKNOWN 143

static int to_gdb_signal(int sig)
{
    if (sig > 0 && sig < 32) {
        return gdb_signal_of[sig] ? gdb_signal_of[sig] : GDB_SIGNAL_UNKNOWN;
    }
    if (sig == 32) {
        return GDB_SIGNAL_REALTIME_32;
    }
    if (sig >= 33 && sig <= 63) {
        return GDB_SIGNAL_REALTIME_33 + sig - 33;
    }
    return sig == 64 ? GDB_SIGNAL_REALTIME_64 : GDB_SIGNAL_UNKNOWN;
}

/* 0 if gdb's signal has no Linux number here (then nothing is delivered). */
static int from_gdb_signal(int gsig)
{
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        if (gsig && to_gdb_signal(sig) == gsig) {
            return sig;
        }
    }
    return 0;
}

/* ---- the mode's side of the protocol ---- */

static void user_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len && gdb_fd >= 0) {
        /* no SIGPIPE (the guest's) when gdb has gone */
        ssize_t n = send(gdb_fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;         /* gdb is gone: the next read sees it */
        }
        p += n;
        len -= n;
    }
}

/* The guest's view: unmapped or protected pages give an error, not a crash. */
static bool user_memory_rw(CPUState *cpu, uint64_t addr, void *buf, size_t len, bool is_write)
{
    return is_write ? copy_to_guest(addr, buf, len) : copy_from_guest(buf, addr, len);
}

static int user_thread_id(CPUState *cpu)
{
    TernThread *ts = thread_of_cpu(cpu);

    return ts ? __atomic_load_n(&ts->tid, __ATOMIC_ACQUIRE) : 0;
}

static char *user_thread_info(CPUState *cpu)
{
    return g_strdup_printf("hart %d", cpu->cpu_index);
}

/* ---- holding the other threads ---- */

/* Can ts run guest code? (gdb_lock held) */
static bool may_run(TernThread *ts)
{
    return !gdb_proto_connected() || (!all_held && (!only_cpu || only_cpu == ts->cs));
}

/* Hold every thread (all) or all but only (NULL: release every thread). */
static void hold(bool all, CPUState *only)
{
    CPUState *cpu;

    all_held = all;
    only_cpu = only;
    __atomic_store_n(&holding, all || only, __ATOMIC_SEQ_CST);
    if (!all) {
        g_cond_broadcast(&gdb_resumed);
        return;
    }
    CPU_FOREACH(cpu) {
        if (current_thread && cpu == current_thread->cs) {
            continue;       /* (a kick would cut its next step short) */
        }
        /* exit_request too: a kick alone is lost if cpu_exec is just starting */
        __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
        tcg_cpu_kick(cpu);
    }
}

void gdb_user_park(TernThread *ts)
{
    if (!__atomic_load_n(&holding, __ATOMIC_ACQUIRE)) {
        return;
    }
    g_mutex_lock(&gdb_lock);
    while (!may_run(ts)) {
        g_cond_wait(&gdb_resumed, &gdb_lock);
    }
    g_mutex_unlock(&gdb_lock);
}

static void user_resume(CPUState *step, CPUState *only, int sig)
{
    step_cpu = step;
    resume_sig = sig;
    hold(false, only);
}

static void close_socket(void)
{
    if (gdb_fd >= 0) {
        close(gdb_fd);
        __atomic_store_n(&gdb_fd, -1, __ATOMIC_RELEASE);
    }
    hold(false, NULL);
}

static void user_kill(void)
{
    error_report("terminated by gdb (k)");
    log_close();
    _exit(0);       /* as qemu-user */
}

static const GdbStubOps user_ops = {
    .write = user_write,
    .memory_rw = user_memory_rw,
    .thread_id = user_thread_id,
    .thread_info = user_thread_info,
    .resume = user_resume,
    .detach = close_socket,
    .kill = user_kill,
    /* the translated code's direct guest accesses cannot see watchpoints */
    .watchpoints = false,
};

/* ---- stops ---- */

static bool attached(void)
{
    return __atomic_load_n(&gdb_fd, __ATOMIC_ACQUIRE) >= 0;
}

/* With gdb_lock held: serve packets until gdb resumes, detaches or goes away. */
static void serve(void)
{
    uint8_t buf[4096];

    hold(true, NULL);
    while (gdb_proto_connected() && !gdb_proto_running()) {
        ssize_t n = read(gdb_fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            gdb_proto_disconnected();
            break;
        }
        gdb_proto_input(buf, n);
    }
}

/*
 * Report a stop with gdb signal gsig (if_gone 0 for a debug exception) and
 * serve gdb until it resumes the thread. Returns the Linux signal gdb
 * passes back (C sig, vCont;C), or if_gone when gdb detached or went away
 * meanwhile.
 */
static int stop(TernThread *ts, int gsig, int if_gone)
{
    int deliver = if_gone;

    g_mutex_lock(&gdb_lock);
    /* another thread's stop came first: this one reports when it may run */
    while (!may_run(ts)) {
        g_cond_wait(&gdb_resumed, &gdb_lock);
    }
    if (gsig == GDB_SIGNAL_TRAP && !if_gone && ts->cs != step_cpu &&
        !cpu_breakpoint_lookup(riscv_cpu_get_pc(ts->cpu))) {
        /* hit a breakpoint that gdb has removed since: not a stop any more */
    } else if (gdb_proto_connected()) {
        resume_sig = 0;
        gdb_proto_stopped(ts->cs, gsig);
        serve();
        if (gdb_proto_connected()) {
            deliver = from_gdb_signal(resume_sig);
        }
    }
    g_mutex_unlock(&gdb_lock);
    return deliver;
}

int gdb_user_debug_stop(TernThread *ts)
{
    return attached() ? stop(ts, GDB_SIGNAL_TRAP, 0) : 0;
}

int gdb_user_signal(TernThread *ts, int sig)
{
    return attached() ? stop(ts, to_gdb_signal(sig), sig) : sig;
}

void gdb_user_thread_start(TernThread *ts)
{
    if (__atomic_exchange_n(&gdb_at_start, false, __ATOMIC_SEQ_CST)) {
        g_mutex_lock(&gdb_lock);
        serve();        /* gdb_proto_connect left the session stopped */
        g_mutex_unlock(&gdb_lock);
    }
}

void gdb_user_thread_exit(TernThread *ts)
{
    if (!attached()) {
        return;
    }
    g_mutex_lock(&gdb_lock);
    if (only_cpu == ts->cs) {
        hold(false, NULL);      /* gdb ran this thread alone: the others must not wait for it */
    }
    if (step_cpu == ts->cs) {
        step_cpu = NULL;
    }
    g_mutex_unlock(&gdb_lock);
}

void gdb_user_exit(bool killed, int status)
{
    if (!attached()) {
        return;
    }
    g_mutex_lock(&gdb_lock);
    gdb_proto_exited(killed ? 'X' : 'W', killed ? to_gdb_signal(status) : status);
    g_mutex_unlock(&gdb_lock);
}

void gdb_user_fork_child(void)
{
    if (gdb_fd < 0) {
        return;
    }
    /* the debugger stays with the parent; the child (one thread) runs free */
    close(gdb_fd);
    __atomic_store_n(&gdb_fd, -1, __ATOMIC_RELEASE);
    all_held = false;
    only_cpu = NULL;
    holding = 0;
    cpu_debug_forget_all();
    if (current_thread) {
        tcg_cpu_set_singlestep(current_thread->cs, false);
    }
}

bool gdbserver_user_start(const char *port_str, CPUState *cpu, GError **errp)
{
    char *end;
    unsigned long port = strtoul(port_str, &end, 10);
    int one = 1, lfd, fd;

    if (!*port_str || *end || port == 0 || port > 65535) {
        error_setg(errp, "'%s' is not a TCP port number (1-65535)", port_str);
        return false;
    }
    lfd = inet_socket("127.0.0.1", port_str, true, errp);
    if (lfd < 0) {
        return false;
    }
    do {
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    close(lfd);
    if (fd < 0) {
        error_setg_errno(errp, errno, "accepting gdb on 127.0.0.1:%lu", port);
        return false;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* linux-user runs on TCG: breakpoints retranslate, steps use its flag */
    current_accel = accel_find("tcg");
    gdb_proto_init(&user_ops, cpu->cc);
    gdb_proto_connect(cpu);
    gdb_at_start = true;
    __atomic_store_n(&gdb_fd, fd, __ATOMIC_RELEASE);
    return true;
}
