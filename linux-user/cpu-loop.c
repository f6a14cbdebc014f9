/*
 * Guest threads: one host thread per guest thread, each with its own hart,
 * running cpu_exec and turning what it returns (ecall, faults, illegal
 * instructions, kicks for signals) into system calls and guest signals.
 * Also the host SIGSEGV/SIGBUS handler that turns a fault of translated code
 * on guest memory into a guest SIGSEGV, and fault-tolerant guest copies.
 */
#include "tern/osdep.h"
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/futex.h>
#include "exec/cpu-exec.h"
#include "user-internal.h"

__thread TernThread *current_thread;
/* by cpu_index, for the gdb stub (harts are never freed) */
static GPtrArray *threads_by_cpu;
static GMutex threads_lock;

/* registers by ABI name */
enum { REG_RA = 1, REG_SP = 2, REG_TP = 4, REG_A0 = 10, REG_A7 = 17 };

TernThread *thread_new(RISCVCPU *cpu)
{
    TernThread *ts = g_new0(TernThread, 1);

    ts->cpu = cpu;
    ts->cs = riscv_cpu_state(cpu);
    ts->gpr = riscv_cpu_gpr(cpu);
    ts->altstack_flags = SS_DISABLE;
    tcg_cpu_init(ts->cs);
    g_mutex_lock(&threads_lock);
    if (!threads_by_cpu) {
        threads_by_cpu = g_ptr_array_new();
    }
    if (threads_by_cpu->len <= (guint)ts->cs->cpu_index) {
        g_ptr_array_set_size(threads_by_cpu, ts->cs->cpu_index + 1);
    }
    g_ptr_array_index(threads_by_cpu, ts->cs->cpu_index) = ts;
    g_mutex_unlock(&threads_lock);
    return ts;
}

TernThread *thread_of_cpu(CPUState *cpu)
{
    TernThread *ts = NULL;

    g_mutex_lock(&threads_lock);
    if (threads_by_cpu && (guint)cpu->cpu_index < threads_by_cpu->len) {
        ts = g_ptr_array_index(threads_by_cpu, cpu->cpu_index);
    }
    g_mutex_unlock(&threads_lock);
    return ts;
}

/* ---- guest memory copies: a bad guest pointer gives false, not a crash ---- */

static bool guarded_copy(void *dst, const void *src, size_t len)
{
    TernThread *ts = current_thread;
    sigjmp_buf jb;
    bool ok = false;

    if (!ts) {
        memcpy(dst, src, len);
        return true;
    }
    if (sigsetjmp(jb, 0) == 0) {
        ts->copy_jmp = &jb;
        memcpy(dst, src, len);
        ok = true;
    }
    ts->copy_jmp = NULL;
    return ok;
}

bool copy_from_guest(void *dst, uint64_t src, size_t len)
{
    return guest_range_ok(src, len) && guarded_copy(dst, g2h(src), len);
}

bool copy_to_guest(uint64_t dst, const void *src, size_t len)
{
    return guest_range_ok(dst, len) && guarded_copy(g2h(dst), src, len);
}

int64_t guest_strlen(uint64_t addr)
{
    TernThread *ts = current_thread;
    sigjmp_buf jb;
    volatile int64_t len = -1;

    if (addr >= GUEST_SPACE) {
        return -1;
    }
    if (sigsetjmp(jb, 0) == 0) {
        ts->copy_jmp = &jb;
        len = strnlen(g2h(addr), GUEST_SPACE - addr);
        if ((uint64_t)len == GUEST_SPACE - addr) {
            len = -1;
        }
    }
    ts->copy_jmp = NULL;
    return len;
}

/* ---- host faults ---- */

/*
 * Leaving the handler by siglongjmp: put back the mask it interrupted, and
 * its MXCSR (the kernel starts handlers with a clean one): the sticky
 * flags there are guest fflags not yet collected (target/riscv/fpu.h).
 */
static void restore_mask(const ucontext_t *uc)
{
    pthread_sigmask(SIG_SETMASK, &uc->uc_sigmask, NULL);
    if (uc->uc_mcontext.fpregs) {
        uint32_t mxcsr = uc->uc_mcontext.fpregs->mxcsr;
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    }
}

/*
 * SIGSEGV/SIGBUS on the host. A fault on guest memory, from translated code
 * (exact guest pc), the translator fetching code or a helper (pc of the
 * current block), becomes a guest SIGSEGV; a fault in a guarded copy fails
 * the copy; anything else is a bug in Tern and ends the process.
 */
static void host_fault_handler(int sig, siginfo_t *info, void *uc_)
{
    ucontext_t *uc = uc_;
    TernThread *ts = current_thread;
    uintptr_t addr = (uintptr_t)info->si_addr;
    uintptr_t pc = uc->uc_mcontext.gregs[REG_RIP];

    if (info->si_code <= 0 && ts) {
        queue_signal(ts, sig, info);        /* sent by kill(): asynchronous */
        return;
    }
    if (sig == SIGSEGV && info->si_code == SEGV_ACCERR && host_in_guest(addr) &&
        (uc->uc_mcontext.gregs[REG_ERR] & 2) && guest_code_write_fault(h2g((void *)addr))) {
        return;     /* a store into write-protected translated code: run it again */
    }
    if (ts && ts->copy_jmp) {
        sigjmp_buf *jb = ts->copy_jmp;
        ts->copy_jmp = NULL;
        restore_mask(uc);
        siglongjmp(*jb, 1);
    }
    if (ts && ts->in_exec && host_in_guest(addr)) {
        ts->fault_addr = h2g((void *)addr);
        ts->fault_write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
        if (!cpu_restore_state_from_signal(ts->cs, pc, uc)) {
            cpu_restore_state(ts->cs, tcg_user_helper_ra);  /* in a helper (AMO) */
        }
        clear_helper_retaddr();
        ts->cs->exception_index = ts->fault_write ? RISCV_TRAP_STORE_PAGE
                                                  : RISCV_TRAP_LOAD_PAGE;
        restore_mask(uc);
        cpu_loop_exit(ts->cs);
    }
    /* a real crash of Tern: report it, then let the default action happen */
    fprintf(stderr, "tern-riscv64: internal error: host signal %d at host pc %#lx, "
            "address %#lx%s\n", sig, (unsigned long)pc, (unsigned long)addr,
            ts && ts->in_exec ? " (running guest code)" : "");
    signal(sig, SIG_DFL);
}

void guest_bad_address(CPUState *cs, uint64_t addr, int access_type, uintptr_t ra)
{
    TernThread *ts = current_thread;

    ts->fault_addr = addr;
    ts->fault_write = access_type == MMU_DATA_STORE;
    cs->exception_index = access_type == MMU_INST_FETCH ? RISCV_TRAP_FETCH_PAGE :
                          access_type == MMU_DATA_STORE ? RISCV_TRAP_STORE_PAGE :
                                                          RISCV_TRAP_LOAD_PAGE;
    if (ra) {
        cpu_loop_exit_restore(cs, ra);
    }
    cpu_loop_exit(cs);
}

void fault_handlers_init(void)
{
    struct sigaction sa = { 0 };

    sa.sa_sigaction = host_fault_handler;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* ---- the loop ---- */

static void trap_signal(TernThread *ts, int sig, int code, uint64_t addr)
{
    siginfo_t info = { 0 };

    info.si_signo = sig;
    info.si_code = code;
    info.si_addr = (void *)(uintptr_t)addr;
    queue_signal(ts, sig, &info);
}

static void handle_ecall(TernThread *ts)
{
    uint64_t *r = ts->gpr;
    uint64_t pc = riscv_cpu_get_pc(ts->cpu);
    int64_t ret;

    riscv_cpu_set_pc(ts->cpu, pc + 4);
    ret = do_syscall(ts, r[REG_A7], r[REG_A0], r[REG_A0 + 1], r[REG_A0 + 2],
                     r[REG_A0 + 3], r[REG_A0 + 4], r[REG_A0 + 5]);
    if (ret == -TERN_ERESTARTSYS) {
        riscv_cpu_set_pc(ts->cpu, pc);      /* run the ecall again after the handler */
    } else if (ret != TERN_NORETURN_A0) {
        r[REG_A0] = ret;
    }
}

G_NORETURN void cpu_loop(TernThread *ts)
{
    CPUState *cs = ts->cs;

    current_thread = ts;
    __atomic_store_n(&ts->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
    gdb_user_thread_start(ts);
    for (;;) {
        int trap;
        uint64_t pc;

        gdb_user_park(ts);
        ts->in_exec = true;
        trap = cpu_exec(cs);
        ts->in_exec = false;
        __atomic_store_n(&cs->exit_request, 0, __ATOMIC_SEQ_CST);
        pc = riscv_cpu_get_pc(ts->cpu);
        switch (trap) {
        case RISCV_TRAP_ECALL_U:
            handle_ecall(ts);
            break;
        case EXCP_INTERRUPT:
            break;
        case EXCP_DEBUG: {
            int sig = gdb_user_debug_stop(ts);
            if (sig) {
                trap_signal(ts, sig, sig == SIGTRAP ? TRAP_BRKPT : SI_USER, pc);
            }
            break;
        }
        case RISCV_TRAP_ILLEGAL_INST:
            trap_signal(ts, SIGILL, ILL_ILLOPC, pc);
            break;
        case RISCV_TRAP_BREAKPOINT:
            trap_signal(ts, SIGTRAP, TRAP_BRKPT, pc);
            break;
        case RISCV_TRAP_FETCH_MISALIGNED:
        case RISCV_TRAP_LOAD_MISALIGNED:
        case RISCV_TRAP_STORE_MISALIGNED:
            trap_signal(ts, SIGBUS, BUS_ADRALN, riscv_cpu_trap_value(ts->cpu));
            break;
        case RISCV_TRAP_FETCH_PAGE:
        case RISCV_TRAP_LOAD_PAGE:
        case RISCV_TRAP_STORE_PAGE:
            trap_signal(ts, SIGSEGV,
                        guest_access_ok(ts->fault_addr, 1, 0) ? SEGV_ACCERR : SEGV_MAPERR,
                        ts->fault_addr);
            break;
        default:
            trap_signal(ts, SIGSEGV, SEGV_MAPERR, riscv_cpu_trap_value(ts->cpu));
            break;
        }
        process_pending_signals(ts);
    }
}

/* ---- threads ---- */

static GMutex clone_lock;

typedef struct CloneStart {
    TernThread *ts;
    uint64_t flags, ptid, ctid;
    GMutex lock;
    GCond cond;
    int tid;
} CloneStart;

static void *clone_thread_main(void *opaque)
{
    CloneStart *cst = opaque;
    TernThread *ts = cst->ts;
    int tid = syscall(SYS_gettid);

    current_thread = ts;
    /* before the thread runs (and may exit, clearing the same word), as Linux */
    if (cst->flags & CLONE_PARENT_SETTID) {
        copy_to_guest(cst->ptid, &tid, 4);
    }
    if (cst->flags & CLONE_CHILD_SETTID) {
        copy_to_guest(cst->ctid, &tid, 4);
    }
    if (cst->flags & CLONE_CHILD_CLEARTID) {
        ts->clear_child_tid = cst->ctid;
    }
    g_mutex_lock(&cst->lock);
    cst->tid = tid;
    g_cond_signal(&cst->cond);
    g_mutex_unlock(&cst->lock);     /* cst belongs to the parent from here on */
    cpu_loop(ts);
}

int64_t do_clone_thread(TernThread *parent, uint64_t flags, uint64_t newsp,
                        uint64_t ptid, uint64_t tls, uint64_t ctid)
{
    const uint64_t needed = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
    CloneStart cst = { 0 };
    pthread_attr_t attr;
    pthread_t th;
    TernThread *ts;
    int err;

    if ((flags & needed) != needed) {
        return -EINVAL;     /* only pthread-style threads share memory */
    }
    g_mutex_lock(&clone_lock);
    ts = thread_new(riscv_cpu_clone_user(parent->cpu));
    g_mutex_unlock(&clone_lock);
    ts->sigmask = parent->sigmask;
    ts->gpr[REG_A0] = 0;
    if (newsp) {
        ts->gpr[REG_SP] = newsp;
    }
    if (flags & CLONE_SETTLS) {
        ts->gpr[REG_TP] = tls;
    }
    riscv_cpu_set_pc(ts->cpu, riscv_cpu_get_pc(parent->cpu));   /* already past ecall */
    cst.ts = ts;
    cst.flags = flags;
    cst.ptid = ptid;
    cst.ctid = ctid;
    cst.tid = 0;
    g_mutex_init(&cst.lock);
    g_cond_init(&cst.cond);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 1 << 20);
    g_mutex_lock(&cst.lock);
    err = pthread_create(&th, &attr, clone_thread_main, &cst);
    pthread_attr_destroy(&attr);
    if (err) {
        g_mutex_unlock(&cst.lock);
        return -err;
    }
    while (!cst.tid) {
        g_cond_wait(&cst.cond, &cst.lock);
    }
    g_mutex_unlock(&cst.lock);
    g_mutex_clear(&cst.lock);
    g_cond_clear(&cst.cond);
    return cst.tid;
}

G_NORETURN void thread_exit(TernThread *ts, int status)
{
    if (ts->clear_child_tid) {
        int zero = 0;
        copy_to_guest(ts->clear_child_tid, &zero, 4);
        syscall(SYS_futex, g2h(ts->clear_child_tid), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
    /* the hart stays allocated: other threads' caches may still point at it */
    __atomic_store_n(&ts->tid, 0, __ATOMIC_RELEASE);     /* gone for gdb */
    gdb_user_thread_exit(ts);
    current_thread = NULL;
    pthread_exit(NULL);
}
