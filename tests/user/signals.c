/* Signals: a handler that returns (raise, kill, SA_SIGINFO), blocked and
 * pending signals, sigsuspend, SIGSEGV caught with the faulting address,
 * SIGILL, and a handler on an alternate stack. */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

static volatile int usr1_count, usr2_info_ok, alt_ok, alarm_count;
static sigjmp_buf jb;
static volatile void *fault_addr;
static char altstack[65536];

static void on_usr1(int sig)
{
    usr1_count++;
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
    usr2_info_ok = sig == SIGUSR2 && si->si_signo == SIGUSR2 && si->si_pid == getpid() &&
                   uc != NULL;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    fault_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static void on_ill(int sig, siginfo_t *si, void *uc)
{
    siglongjmp(jb, 2);
}

static void on_alt(int sig)
{
    char here;
    alt_ok = &here >= altstack && &here < altstack + sizeof(altstack);
}

static void on_alarm(int sig)
{
    alarm_count++;
}

int main(void)
{
    struct sigaction sa;
    sigset_t set, old;
    stack_t ss;
    double f = 1.0;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    printf("usr1 handled %d times\n", usr1_count);
    CHECK(usr1_count == 2);

    sa.sa_sigaction = on_usr2;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK(usr2_info_ok);

    /* blocked: stays pending until unblocked */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(usr1_count == 2);
    CHECK(sigpending(&set) == 0 && sigismember(&set, SIGUSR1));
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    printf("after unblock usr1 handled %d times\n", usr1_count);
    CHECK(usr1_count == 3);

    /* the handler runs with f registers preserved around it */
    for (int i = 0; i < 10; i++) {
        f *= 1.5;
        raise(SIGUSR1);
    }
    CHECK(f > 57.66 && f < 57.67);

    /* SIGSEGV with si_addr */
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        *(volatile int *)0x1234 = 1;
        CHECK(!"store to 0x1234 did not fault");
    }
    printf("SIGSEGV at %p\n", fault_addr);
    CHECK(fault_addr == (void *)0x1234);
    {
        char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(p != MAP_FAILED);
        if (sigsetjmp(jb, 1) == 0) {
            p[10] = 1;
            CHECK(!"store to a read-only page did not fault");
        }
        CHECK(fault_addr == p + 10);
        munmap(p, 4096);
    }

    /* an illegal instruction */
    sa.sa_sigaction = on_ill;
    CHECK(sigaction(SIGILL, &sa, NULL) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        __asm__ volatile(".word 0");
        CHECK(!"no SIGILL");
    } else {
        printf("SIGILL caught\n");
    }

    /* alternate signal stack */
    ss.ss_sp = altstack;
    ss.ss_size = sizeof(altstack);
    ss.ss_flags = 0;
    CHECK(sigaltstack(&ss, NULL) == 0);
    sa.sa_handler = on_alt;
    sa.sa_flags = SA_ONSTACK;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    raise(SIGUSR1);
    CHECK(alt_ok);
    printf("handler on alternate stack: %d\n", alt_ok);

    /* interval timer + sigsuspend */
    sa.sa_handler = on_alarm;
    sa.sa_flags = 0;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, &old);
    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("alarm handled %d\n", alarm_count);
    CHECK(alarm_count == 1);
    return finish();
}
