/*
 * Waits with a temporary signal mask: ppoll, pselect6 and epoll_pwait swap
 * in their mask atomically with the start of the wait, so a signal blocked
 * normally but let in by the call's mask interrupts it (EINTR) and runs the
 * handler, whether it was already pending or arrives during the wait, and
 * the normal mask is back afterwards; a signal the call's mask blocks waits
 * until the call returns. Also sigtimedwait / sigwait taking a signal off
 * the queue without running its handler, and timing out; and a signal sent
 * to the process while every thread blocks it, taken by another thread's
 * sigtimedwait; and the mask surviving execve.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static volatile int hits[NSIG];
static volatile int blocked_in_handler;

static void handler(int sig)
{
    sigset_t cur;

    hits[sig]++;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    blocked_in_handler = sigismember(&cur, SIGUSR2);
}

static int fds[2];              /* a pipe nobody writes: waits never see it ready */

static void set_block(int sig, int block)
{
    sigset_t s;

    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

static int is_blocked(int sig)
{
    sigset_t cur;

    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static void alarm_in_ms(int ms)
{
    struct itimerval it = { { 0, 0 }, { 0, ms * 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

/* wait `how` with a mask letting everything in except SIGUSR2 (or only blocking sig) */
static int wait_with(const char *how, const sigset_t *mask, int timeout_ms)
{
    struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };

    if (!strcmp(how, "ppoll")) {
        struct pollfd p = { fds[0], POLLIN, 0 };
        return ppoll(&p, 1, &ts, mask);
    }
    if (!strcmp(how, "pselect")) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(fds[0], &r);
        return pselect(fds[0] + 1, &r, NULL, NULL, &ts, mask);
    } else {
        static int ep = -1;
        struct epoll_event ev = { EPOLLIN, { 0 } }, out;
        if (ep < 0) {
            ep = epoll_create1(0);
            epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
        }
        return epoll_pwait(ep, &out, 1, timeout_ms, mask);
    }
}

static void test_wait(const char *how)
{
    sigset_t only_usr2, block_alrm;
    int r, e;

    sigemptyset(&only_usr2);
    sigaddset(&only_usr2, SIGUSR2);

    /* 1. pending while blocked, let in by the call's mask: EINTR at once */
    set_block(SIGUSR1, 1);
    hits[SIGUSR1] = 0;
    raise(SIGUSR1);
    CHECK(hits[SIGUSR1] == 0);
    r = wait_with(how, &only_usr2, 5000);
    e = errno;
    printf("%-8s pending:  ret %d %s, handler ran %d, usr2 blocked in handler %d, "
           "usr1 blocked after %d\n", how, r, r < 0 ? strerror(e) : "-", hits[SIGUSR1],
           blocked_in_handler, is_blocked(SIGUSR1));
    CHECK(r == -1 && e == EINTR && hits[SIGUSR1] == 1 && blocked_in_handler);
    CHECK(is_blocked(SIGUSR1));

    /* 2. arrives during the wait */
    set_block(SIGALRM, 1);
    hits[SIGALRM] = 0;
    alarm_in_ms(50);
    r = wait_with(how, &only_usr2, 5000);
    e = errno;
    printf("%-8s arriving: ret %d %s, handler ran %d, alrm blocked after %d\n", how, r,
           r < 0 ? strerror(e) : "-", hits[SIGALRM], is_blocked(SIGALRM));
    CHECK(r == -1 && e == EINTR && hits[SIGALRM] == 1 && is_blocked(SIGALRM));
    set_block(SIGALRM, 0);

    /* 3. unblocked normally, blocked by the call's mask: the wait times out,
     *    then the handler runs as the normal mask comes back */
    sigemptyset(&block_alrm);
    sigaddset(&block_alrm, SIGALRM);
    hits[SIGALRM] = 0;
    alarm_in_ms(20);
    r = wait_with(how, &block_alrm, 200);
    sched_yield();              /* (QEMU delivers it only at the next system call) */
    printf("%-8s held:     ret %d, handler ran %d after the call\n", how, r, hits[SIGALRM]);
    CHECK(r == 0 && hits[SIGALRM] == 1);
}

static void *send_later(void *arg)
{
    usleep(50000);
    pthread_kill(*(pthread_t *)arg, SIGUSR2);
    return NULL;
}

static void test_sigtimedwait(void)
{
    sigset_t set;
    siginfo_t si;
    struct timespec ts = { 0, 30 * 1000000L };
    pthread_t self = pthread_self(), th;
    int r, e, sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    set_block(SIGUSR2, 1);
    hits[SIGUSR2] = 0;

    raise(SIGUSR2);
    memset(&si, 0, sizeof(si));
    r = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait pending: %d si_signo %d, handler ran %d\n", r, si.si_signo,
           hits[SIGUSR2]);
    CHECK(r == SIGUSR2 && si.si_signo == SIGUSR2 && hits[SIGUSR2] == 0);

    r = sigtimedwait(&set, &si, &ts);
    e = errno;
    printf("sigtimedwait nothing: %d %s\n", r, strerror(e));
    CHECK(r == -1 && e == EAGAIN);

    pthread_create(&th, NULL, send_later, &self);
    CHECK(sigwait(&set, &sig) == 0);
    pthread_join(th, NULL);
    printf("sigwait: %d, handler ran %d\n", sig, hits[SIGUSR2]);
    CHECK(sig == SIGUSR2 && hits[SIGUSR2] == 0);

    /* another signal with a handler interrupts the wait */
    hits[SIGALRM] = 0;
    alarm_in_ms(20);
    ts.tv_sec = 5;
    r = sigtimedwait(&set, &si, &ts);
    e = errno;
    printf("sigtimedwait interrupted: %d %s, alarm handler ran %d\n", r, strerror(e),
           hits[SIGALRM]);
    CHECK(r == -1 && e == EINTR && hits[SIGALRM] == 1);
    set_block(SIGUSR2, 0);
}

static void *wait_usr1(void *arg)
{
    sigset_t set;
    struct timespec ts = { 5, 0 };

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    return (void *)(long)sigtimedwait(&set, NULL, &ts);
}

static void test_process_signal(void)
{
    pthread_t th;
    void *r;

    set_block(SIGUSR1, 1);      /* the new thread inherits it */
    hits[SIGUSR1] = 0;
    pthread_create(&th, NULL, wait_usr1, NULL);
    usleep(50000);
    kill(getpid(), SIGUSR1);
    pthread_join(th, &r);
    printf("kill(getpid()) blocked everywhere: the waiting thread got %ld, handler ran %d\n",
           (long)r, hits[SIGUSR1]);
    CHECK((long)r == SIGUSR1 && hits[SIGUSR1] == 0);
    set_block(SIGUSR1, 0);
    CHECK(hits[SIGUSR1] == 0);  /* it was taken, not left pending */
}

/* the signal mask is kept across execve */
static void test_exec_mask(const char *self)
{
    int st = -1;
    pid_t pid = fork();

    if (pid == 0) {
        char *argv[] = { (char *)self, "exec-child", NULL };
        set_block(SIGUSR2, 1);
        execv("/proc/self/exe", argv);
        _exit(2);
    }
    waitpid(pid, &st, 0);
    printf("after execve, SIGUSR2 still blocked: %s\n",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
    struct sigaction sa;

    if (argc > 1 && !strcmp(argv[1], "exec-child")) {
        return is_blocked(SIGUSR2) ? 0 : 1;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;   /* these calls are not restarted after a handler anyway */
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    CHECK(pipe(fds) == 0);
    test_wait("ppoll");
    test_wait("pselect");
    test_wait("epoll");
    test_sigtimedwait();
    test_process_signal();
    test_exec_mask(argv[0]);
    return finish();
}
