/*
 * Guest signals. Host handlers queue a signal on the thread that received it
 * and kick its hart out of translated code; the thread's loop then delivers
 * it: a riscv64 rt_sigframe (siginfo + ucontext with the sigcontext and the
 * D-extension FP state, as arch/riscv/kernel/signal.c lays it out) on the
 * guest stack, ra pointing at Tern's rt_sigreturn trampoline (the kernel
 * uses its vDSO; riscv64 has no SA_RESTORER), or the default action.
 */
#include "tern/osdep.h"
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>
#include "exec/cpu-exec.h"
#include "user-internal.h"

enum { REG_RA = 1, REG_SP = 2, REG_A0 = 10 };

/* struct sigaction of the riscv64 kernel (asm-generic, no sa_restorer) */
typedef struct GuestSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t mask;
} GuestSigaction;

static GuestSigaction sigact[TARGET_NSIG + 1];
static GMutex sigact_lock;

#define GUEST_SIG_DFL 0
#define GUEST_SIG_IGN 1
#define SIGBIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* struct rt_sigframe layout (riscv64) */
enum {
    FRAME_INFO = 0,
    FRAME_UC = 128,
    UC_FLAGS = 0, UC_LINK = 8, UC_STACK = 16, UC_SIGMASK = 40, UC_MCONTEXT = 176,
    MC_GREGS = 0, MC_FPREGS = 256, MC_FCSR = 256 + 256,
    UC_SIZE = UC_MCONTEXT + 256 + 528,
    FRAME_SIZE = FRAME_UC + UC_SIZE,
};

static bool default_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static bool default_stops(int sig)
{
    return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void host_signal_handler(int sig, siginfo_t *info, void *uc)
{
    if (current_thread) {
        queue_signal(current_thread, sig, info);
    }
}

static void set_host_action(int sig, uint64_t guest_handler)
{
    struct sigaction sa = { 0 };

    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGKILL || sig == SIGSTOP) {
        return;     /* faults keep Tern's handler; these two cannot be caught */
    }
    sigfillset(&sa.sa_mask);
    if (guest_handler == GUEST_SIG_IGN) {
        sa.sa_handler = SIG_IGN;
    } else {
        sa.sa_sigaction = host_signal_handler;
        sa.sa_flags = SA_SIGINFO;       /* no SA_RESTART: Tern decides (signal_restart_syscall) */
    }
    sigaction(sig, &sa, NULL);          /* fails for glibc's internal signals 32, 33 */
}

void guest_mask_to_host(uint64_t mask, sigset_t *set)
{
    sigemptyset(set);
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        if ((mask & SIGBIT(sig)) && sig != SIGSEGV && sig != SIGBUS) {
            sigaddset(set, sig);
        }
    }
}

/*
 * A thread's host signal mask mirrors its guest mask (but never blocks
 * SIGSEGV and SIGBUS, which Tern needs for its own faults). So the host
 * kernel sends a process-directed signal to a thread whose guest does not
 * block it, and keeps it pending while all threads block it, for whichever
 * thread calls sigwait (rt_sigtimedwait) or unblocks it first.
 */
static void set_sigmask(TernThread *ts, uint64_t mask)
{
    sigset_t set;

    ts->sigmask = mask & ~UNBLOCKABLE;
    guest_mask_to_host(ts->sigmask, &set);
    pthread_sigmask(SIG_SETMASK, &set, NULL);   /* may run host handlers at once */
    __atomic_store_n(&ts->sig_pending, 1, __ATOMIC_SEQ_CST);     /* recheck the queue */
}

void signal_init(TernThread *ts)
{
    struct rlimit no_core = { 0, 0 };
    uint64_t mask = 0;
    sigset_t cur;

    fault_handlers_init();
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        struct sigaction old;
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
            sigact[sig].handler = GUEST_SIG_IGN;    /* inherited, as across execve */
        } else {
            set_host_action(sig, GUEST_SIG_DFL);
        }
    }
    /* a guest killed by a signal must not leave a core of Tern */
    setrlimit(RLIMIT_CORE, &no_core);
    /* the mask survives execve (Linux): the new program starts with it */
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        if (sigismember(&cur, sig) > 0) {
            mask |= SIGBIT(sig);
        }
    }
    set_sigmask(ts, mask);
}

void queue_signal(TernThread *ts, int sig, const siginfo_t *info)
{
    if (sig < 1 || sig > TARGET_NSIG) {
        return;
    }
    ts->sig[sig].info = *info;
    __atomic_store_n(&ts->sig[sig].pending, true, __ATOMIC_SEQ_CST);
    __atomic_store_n(&ts->sig_pending, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&ts->cs->exit_request, 1, __ATOMIC_SEQ_CST);
    tcg_cpu_kick(ts->cs);
}

static bool dumps_core(int sig)
{
    return sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT ||
           sig == SIGBUS || sig == SIGFPE || sig == SIGSEGV || sig == SIGSYS ||
           sig == SIGXCPU || sig == SIGXFSZ;
}

G_NORETURN static void die_with_signal(int sig)
{
    struct sigaction sa = { 0 };
    sigset_t set;
    TernThread *ts = current_thread;

    if (dumps_core(sig) && ts) {
        /* as QEMU: say so, the guest cannot */
        fprintf(stderr, "tern-riscv64: uncaught target signal %d (%s) at pc 0x%" PRIx64
                ", address 0x%" PRIx64 "\n", sig, strsignal(sig),
                riscv_cpu_get_pc(ts->cpu), (uint64_t)(uintptr_t)ts->sig[sig].info.si_addr);
    }

    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    gdb_user_exit(true, sig);
    log_close();
    kill(getpid(), sig);
    _exit(128 + sig);
}

static bool on_altstack(TernThread *ts, uint64_t sp)
{
    return sp - ts->altstack_sp < ts->altstack_size;
}

static void setup_frame(TernThread *ts, int sig, const GuestSigaction *act,
                        const siginfo_t *info)
{
    uint8_t frame[FRAME_SIZE];
    uint8_t *uc = frame + FRAME_UC, *mc = uc + UC_MCONTEXT;
    uint64_t *r = ts->gpr, sp = r[REG_SP], addr;
    uint64_t *fpr = riscv_cpu_fpr(ts->cpu);
    /* after rt_sigsuspend, ppoll...: sigreturn restores the caller's own mask */
    uint64_t v, saved_mask = ts->mask_override ? ts->saved_mask : ts->sigmask;
    uint32_t fcsr = riscv_cpu_get_fcsr(ts->cpu);

    if ((act->flags & SA_ONSTACK) && !(ts->altstack_flags & SS_DISABLE) &&
        !on_altstack(ts, sp)) {
        sp = ts->altstack_sp + ts->altstack_size;
    }
    addr = (sp - FRAME_SIZE) & ~15ull;
    memset(frame, 0, sizeof(frame));
    memcpy(frame + FRAME_INFO, info, sizeof(*info));
    memcpy(uc + UC_STACK, &ts->altstack_sp, 8);
    v = on_altstack(ts, r[REG_SP]) ? SS_ONSTACK : ts->altstack_flags;
    memcpy(uc + UC_STACK + 8, &v, 4);
    memcpy(uc + UC_STACK + 16, &ts->altstack_size, 8);
    memcpy(uc + UC_SIGMASK, &saved_mask, 8);
    v = riscv_cpu_get_pc(ts->cpu);
    memcpy(mc + MC_GREGS, &v, 8);
    memcpy(mc + MC_GREGS + 8, &r[1], 31 * 8);
    memcpy(mc + MC_FPREGS, fpr, 32 * 8);
    memcpy(mc + MC_FCSR, &fcsr, 4);
    if (!copy_to_guest(addr, frame, sizeof(frame))) {
        die_with_signal(SIGSEGV);       /* no room for the frame: as Linux, force SIGSEGV */
    }
    ts->mask_override = false;
    /* the handler runs with the mask in force, plus its own */
    set_sigmask(ts, ts->sigmask | act->mask |
                    (act->flags & SA_NODEFER ? 0 : SIGBIT(sig)));
    tern_log_mask(LOG_INT, "signal %d: handler %#" PRIx64 " frame %#" PRIx64
                  " interrupted pc %#" PRIx64 "\n", sig, act->handler, addr,
                  riscv_cpu_get_pc(ts->cpu));
    r[REG_SP] = addr;
    r[REG_RA] = image_info.sigreturn_tramp;
    r[REG_A0] = sig;
    r[REG_A0 + 1] = addr + FRAME_INFO;
    r[REG_A0 + 2] = addr + FRAME_UC;
    riscv_cpu_set_pc(ts->cpu, act->handler);
}

static bool synchronous(int sig, const siginfo_t *info)
{
    return (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
            sig == SIGTRAP) && info->si_code > 0;
}

/* Deliver sig (taken off the queue): a handler's frame or the default action. */
static void deliver_signal(TernThread *ts, int sig, const siginfo_t *info, bool sync)
{
    GuestSigaction act;

    g_mutex_lock(&sigact_lock);
    act = sigact[sig];
    if (act.handler > GUEST_SIG_IGN && (act.flags & SA_RESETHAND)) {
        sigact[sig].handler = GUEST_SIG_DFL;
    }
    g_mutex_unlock(&sigact_lock);
    if (sync && ((ts->sigmask & SIGBIT(sig)) || act.handler == GUEST_SIG_IGN)) {
        act.handler = GUEST_SIG_DFL;    /* a blocked or ignored fault kills (Linux) */
    }
    if (act.handler == GUEST_SIG_IGN) {
        return;
    }
    if (act.handler == GUEST_SIG_DFL) {
        if (default_ignores(sig)) {
            return;
        }
        if (default_stops(sig)) {
            struct sigaction sa = { 0 };
            sa.sa_handler = SIG_DFL;
            sigaction(sig, &sa, NULL);
            raise(sig);
            set_host_action(sig, GUEST_SIG_DFL);
            return;
        }
        die_with_signal(sig);
    }
    setup_frame(ts, sig, &act, info);
}

void process_pending_signals(TernThread *ts)
{
    while (__atomic_exchange_n(&ts->sig_pending, 0, __ATOMIC_SEQ_CST)) {
        for (int sig = 1; sig <= TARGET_NSIG; sig++) {
            siginfo_t info;
            bool sync;
            int deliver;

            if (!__atomic_load_n(&ts->sig[sig].pending, __ATOMIC_ACQUIRE)) {
                continue;
            }
            info = ts->sig[sig].info;
            sync = synchronous(sig, &info);
            if ((ts->sigmask & SIGBIT(sig)) && !sync) {
                continue;       /* stays pending until unblocked */
            }
            __atomic_store_n(&ts->sig[sig].pending, false, __ATOMIC_SEQ_CST);
            /* a debugger sees it first and may drop or replace it (as qemu-user) */
            deliver = gdb_user_signal(ts, sig);
            if (deliver != sig) {
                if (!deliver) {
                    continue;
                }
                info.si_signo = deliver;
                info.si_code = SI_USER;
                sync = false;
            }
            deliver_signal(ts, deliver, &info, sync);
        }
    }
    /* signals still pending but blocked: look again after the next mask change */
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        if (__atomic_load_n(&ts->sig[sig].pending, __ATOMIC_ACQUIRE) &&
            !(ts->sigmask & SIGBIT(sig))) {
            __atomic_store_n(&ts->sig_pending, 1, __ATOMIC_SEQ_CST);
        }
    }
}

bool signal_restart_syscall(TernThread *ts, bool only_without_handler)
{
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        if (!__atomic_load_n(&ts->sig[sig].pending, __ATOMIC_ACQUIRE) ||
            (ts->sigmask & SIGBIT(sig))) {
            continue;
        }
        if (sigact[sig].handler == GUEST_SIG_DFL && !default_ignores(sig)) {
            return false;
        }
        if (sigact[sig].handler > GUEST_SIG_IGN &&
            (only_without_handler || !(sigact[sig].flags & SA_RESTART))) {
            return false;
        }
    }
    return true;
}

int64_t do_rt_sigaction(int sig, uint64_t act, uint64_t oact, uint64_t sigsetsize)
{
    GuestSigaction new, old;

    if (sigsetsize != 8 || sig < 1 || sig > TARGET_NSIG) {
        return -EINVAL;
    }
    if (act && !copy_from_guest(&new, act, sizeof(new))) {
        return -EFAULT;
    }
    if (act && (sig == SIGKILL || sig == SIGSTOP)) {
        return -EINVAL;
    }
    g_mutex_lock(&sigact_lock);
    old = sigact[sig];
    if (act) {
        new.mask &= ~UNBLOCKABLE;
        sigact[sig] = new;
        set_host_action(sig, new.handler);
    }
    g_mutex_unlock(&sigact_lock);
    if (oact && !copy_to_guest(oact, &old, sizeof(old))) {
        return -EFAULT;
    }
    return 0;
}

int64_t do_rt_sigprocmask(TernThread *ts, int how, uint64_t set, uint64_t oset,
                          uint64_t sigsetsize)
{
    uint64_t old = ts->sigmask, mask, new;

    if (sigsetsize != 8) {
        return -EINVAL;
    }
    if (set) {
        if (!copy_from_guest(&mask, set, 8)) {
            return -EFAULT;
        }
        switch (how) {
        case SIG_BLOCK:
            new = old | mask;
            break;
        case SIG_UNBLOCK:
            new = old & ~mask;
            break;
        case SIG_SETMASK:
            new = mask;
            break;
        default:
            return -EINVAL;
        }
        set_sigmask(ts, new);
    }
    if (oset && !copy_to_guest(oset, &old, 8)) {
        return -EFAULT;
    }
    return 0;
}

int64_t do_rt_sigpending(TernThread *ts, uint64_t set, uint64_t sigsetsize)
{
    uint64_t mask = 0;
    sigset_t host;

    if (sigsetsize != 8) {
        return -EINVAL;
    }
    sigpending(&host);          /* blocked ones wait on the host (set_sigmask) */
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        if ((ts->sig[sig].pending || sigismember(&host, sig) > 0) &&
            (ts->sigmask & SIGBIT(sig))) {
            mask |= SIGBIT(sig);
        }
    }
    return copy_to_guest(set, &mask, 8) ? 0 : -EFAULT;
}

/* stack_t of the guest: ss_sp, ss_flags (int, padded), ss_size */
typedef struct GuestStack {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
} GuestStack;

int64_t do_sigaltstack(TernThread *ts, uint64_t ss, uint64_t oss)
{
    GuestStack old = { ts->altstack_sp, ts->altstack_flags, 0, ts->altstack_size }, new;

    if (on_altstack(ts, ts->gpr[REG_SP])) {
        old.flags = SS_ONSTACK;
    }
    if (ss) {
        if (!copy_from_guest(&new, ss, sizeof(new))) {
            return -EFAULT;
        }
        if (old.flags == SS_ONSTACK) {
            return -EPERM;
        }
        if (new.flags & ~(SS_DISABLE | (1 << 31))) {    /* SS_AUTODISARM */
            return -EINVAL;
        }
        if (new.flags & SS_DISABLE) {
            ts->altstack_sp = ts->altstack_size = 0;
            ts->altstack_flags = SS_DISABLE;
        } else {
            if (new.size < MINSIGSTKSZ) {
                return -ENOMEM;
            }
            ts->altstack_sp = new.sp;
            ts->altstack_size = new.size;
            ts->altstack_flags = 0;
        }
    }
    if (oss && !copy_to_guest(oss, &old, sizeof(old))) {
        return -EFAULT;
    }
    return 0;
}

int64_t do_rt_sigreturn(TernThread *ts)
{
    uint8_t frame[FRAME_SIZE];
    uint8_t *mc = frame + FRAME_UC + UC_MCONTEXT;
    uint64_t *r = ts->gpr, pc, mask;
    uint32_t fcsr;

    if (!copy_from_guest(frame, r[REG_SP], sizeof(frame))) {
        die_with_signal(SIGSEGV);
    }
    memcpy(&pc, mc + MC_GREGS, 8);
    memcpy(&r[1], mc + MC_GREGS + 8, 31 * 8);
    memcpy(riscv_cpu_fpr(ts->cpu), mc + MC_FPREGS, 32 * 8);
    memcpy(&fcsr, mc + MC_FCSR, 4);
    riscv_cpu_set_fcsr(ts->cpu, fcsr);
    riscv_cpu_set_pc(ts->cpu, pc);
    tern_log_mask(LOG_INT, "rt_sigreturn: frame %#" PRIx64 " back to pc %#" PRIx64 "\n",
                  r[REG_SP], pc);
    memcpy(&mask, frame + FRAME_UC + UC_SIGMASK, 8);
    set_sigmask(ts, mask);
    return TERN_NORETURN_A0;
}

/* The host signals Tern's handlers catch, blocked while the queue is checked. */
static void block_host_signals(sigset_t *orig)
{
    sigset_t all;

    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    pthread_sigmask(SIG_BLOCK, &all, orig);
}


/*
 * Would a pending signal run a handler or its default action now? Then a
 * waiting call returns EINTR. Ignored ones do not wake it (Linux discards
 * them), nor do blocked ones.
 */
static bool signal_wakes(TernThread *ts)
{
    return !signal_restart_syscall(ts, true);
}

static void sigmask_restore(TernThread *ts)
{
    if (ts->mask_override) {
        ts->mask_override = false;
        set_sigmask(ts, ts->saved_mask);
    }
}

int64_t call_with_sigmask(TernThread *ts, uint64_t mask, MaskedWait wait, void *opaque)
{
    int64_t ret;

    /* the host mask changes only for the wait itself, which the kernel does atomically */
    ts->saved_mask = ts->sigmask;
    ts->mask_override = true;
    ts->sigmask = mask & ~UNBLOCKABLE;
    do {
        sigset_t orig, set;
        block_host_signals(&orig);
        if (signal_wakes(ts)) {
            ret = -EINTR;       /* already pending: no wait */
        } else {
            guest_mask_to_host(ts->sigmask, &set);
            ret = wait(opaque, &set);
        }
        pthread_sigmask(SIG_SETMASK, &orig, NULL);
        /* a signal that only interrupted the host call (ignored): wait again */
    } while (ret == -EINTR && !signal_wakes(ts));
    if (ret != -EINTR) {
        sigmask_restore(ts);
        return ret;
    }
    /* the handler's frame saves the caller's mask, which sigreturn restores */
    ts->gpr[REG_A0] = -EINTR;
    __atomic_store_n(&ts->sig_pending, 1, __ATOMIC_SEQ_CST);
    process_pending_signals(ts);
    sigmask_restore(ts);        /* nothing delivered after all */
    return TERN_NORETURN_A0;
}

static int64_t suspend_wait(void *opaque, const sigset_t *set)
{
    sigsuspend(set);
    return -EINTR;
}

int64_t do_rt_sigsuspend(TernThread *ts, uint64_t maskaddr, uint64_t sigsetsize)
{
    uint64_t mask;

    if (sigsetsize != 8) {
        return -EINVAL;
    }
    if (!copy_from_guest(&mask, maskaddr, 8)) {
        return -EFAULT;
    }
    return call_with_sigmask(ts, mask, suspend_wait, NULL);
}

/*
 * rt_sigtimedwait: take a pending signal of set (blocked or not) off the
 * queue, or wait for one with the signals of set unblocked. Another signal
 * that runs a handler ends the wait with EINTR (never restarted).
 */
int64_t do_rt_sigtimedwait(TernThread *ts, uint64_t setaddr, uint64_t infoaddr,
                           uint64_t tsaddr, uint64_t sigsetsize)
{
    uint64_t set;
    struct timespec timeout, deadline = { 0 };

    if (sigsetsize != 8) {
        return -EINVAL;
    }
    if (!copy_from_guest(&set, setaddr, 8) ||
        (tsaddr && !copy_from_guest(&timeout, tsaddr, sizeof(timeout)))) {
        return -EFAULT;
    }
    if (tsaddr && (timeout.tv_nsec < 0 || timeout.tv_nsec >= 1000000000 || timeout.tv_sec < 0)) {
        return -EINVAL;
    }
    set &= ~UNBLOCKABLE;
    if (tsaddr) {     /* (tsaddr: a timeout; expired: the last wait ran it out) */
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout.tv_sec;
        deadline.tv_nsec += timeout.tv_nsec;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
    }
    for (bool expired = false;; ) {
        sigset_t orig, hset;
        struct timespec now, left = { 0, 0 };
        int sig;

        block_host_signals(&orig);
        for (sig = 1; sig <= TARGET_NSIG; sig++) {
            if ((set & SIGBIT(sig)) && ts->sig[sig].pending) {
                break;
            }
        }
        if (sig <= TARGET_NSIG) {
            siginfo_t info = ts->sig[sig].info;
            __atomic_store_n(&ts->sig[sig].pending, false, __ATOMIC_SEQ_CST);
            pthread_sigmask(SIG_SETMASK, &orig, NULL);
            if (infoaddr && !copy_to_guest(infoaddr, &info, sizeof(info))) {
                return -EFAULT;
            }
            return sig;
        }
        if (signal_wakes(ts) || expired) {
            pthread_sigmask(SIG_SETMASK, &orig, NULL);
            return expired ? -EAGAIN : -EINTR;
        }
        if (tsaddr) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            left.tv_sec = deadline.tv_sec - now.tv_sec;
            left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
            if (left.tv_nsec < 0) {
                left.tv_sec--;
                left.tv_nsec += 1000000000;
            }
            if (left.tv_sec < 0) {
                left.tv_sec = left.tv_nsec = 0;
            }
        }
        /*
         * set unblocked: signals of set pending on the host (blocked, or
         * process-directed) come in now; a zero timeout still polls once
         */
        guest_mask_to_host(ts->sigmask & ~set, &hset);
        expired = ppoll(NULL, 0, tsaddr ? &left : NULL, &hset) == 0;
        pthread_sigmask(SIG_SETMASK, &orig, NULL);
    }
}
