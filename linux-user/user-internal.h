/*
 * linux-user internals: the guest address space, the ELF loader, guest
 * threads and their CPUs, signals and the system call layer.
 */
#ifndef LINUX_USER_INTERNAL_H
#define LINUX_USER_INTERNAL_H

#include "tern/osdep.h"
#include <signal.h>
#include <setjmp.h>
#include "hw/core/cpu.h"
#include "target/riscv/cpu-user.h"

/*
 * Guest virtual addresses [0, GUEST_SPACE): the Sv39 user half (256 GiB).
 * The whole range is reserved PROT_NONE at guest_base on the host, so no
 * guest address reaches host memory outside it: translated code sends
 * addresses at or above GUEST_SPACE to the slow path, which raises a guest
 * SIGSEGV. Translated code checks the base register of an access, not base
 * + offset, and once per block (tcg_set_guest_addr_mask): the accesses
 * that start outside the range then fault on GUEST_GUARD bytes of PROT_NONE
 * reserved on each side of it, as do ones that start just below
 * GUEST_SPACE and run past it. With guest_base 0 the addresses below it
 * wrap to the top of the host's address space, which faults too.
 */
#ifndef GUEST_SPACE
/* (-DGUEST_SPACE=... makes room for valgrind, which caps the address space) */
#define GUEST_SPACE      (1ull << 38)
#endif
#define GUEST_GUARD      (64ull << 10)
#define GUEST_PAGE_SIZE  4096ull
#define GUEST_PAGE_ALIGN(x) (((x) + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1))
#define GUEST_MIN_ADDR   0x10000ull     /* like vm.mmap_min_addr */
#define GUEST_STACK_SIZE (8ull << 20)

extern uintptr_t guest_base;

static inline void *g2h(uint64_t addr)
{
    return (void *)(guest_base + (uintptr_t)addr);
}
static inline uint64_t h2g(const void *p)
{
    return (uintptr_t)p - guest_base;
}
/* [addr, addr + len) inside the reservation? */
static inline bool guest_range_ok(uint64_t addr, uint64_t len)
{
    return addr < GUEST_SPACE && len <= GUEST_SPACE - addr;
}
/* In the range or its guards (the guest address is h2g(host) either way)? */
static inline bool host_in_guest(uintptr_t host)
{
    return host - guest_base + GUEST_GUARD < GUEST_GUARD + GUEST_SPACE + GUEST_GUARD;
}

/* ---- mmap.c: guest mappings ---- */
void guest_space_init(void);
/*
 * Map like mmap(2) with guest addresses: returns the guest address or a
 * negative errno. Without MAP_FIXED, addr is a hint.
 */
int64_t guest_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t off);
int64_t guest_munmap(uint64_t addr, uint64_t len);
int64_t guest_mprotect(uint64_t addr, uint64_t len, int prot);
int64_t guest_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
                     uint64_t new_addr);
void guest_brk_init(uint64_t start);
uint64_t guest_brk(uint64_t newbrk);
/* The text of the guest's /proc/self/maps (g_free it). */
char *guest_maps_text(void);
/* Is [addr, addr + len) mapped with at least prot (PROT_READ/WRITE)? */
bool guest_access_ok(uint64_t addr, uint64_t len, int prot);
/*
 * Write protection of guest pages holding translated code (see mmap.c).
 * guest_code_page_added is tcg_user_code_page_hook; guest_code_write_fault
 * is asked by the host SIGSEGV handler about a write fault at guest addr and
 * returns true if it was ours (now released: retry the store);
 * guest_unprotect releases a range the host kernel is about to write.
 */
void guest_code_page_added(uint64_t page);
/* tcg_user_exec_hook: whether the guest mapped the page at addr PROT_EXEC. */
bool guest_page_executable(uint64_t addr);
bool guest_code_write_fault(uint64_t addr);
void guest_unprotect(uint64_t addr, uint64_t len);
/* Top of the initial stack region (exclusive). */
uint64_t guest_stack_top(void);

/* ---- elfload.c ---- */
typedef struct ImageInfo {
    uint64_t entry;             /* where the CPU starts (interpreter's entry if any) */
    uint64_t sp;
    uint64_t brk;
    uint64_t load_bias, interp_bias;
    uint64_t sigreturn_tramp;   /* li a7, __NR_rt_sigreturn; ecall */
} ImageInfo;
typedef struct LoadParams {
    const char *filename;       /* host path of the program */
    char **argv;                /* guest argv (argv[0] as the guest sees it) */
    char **envp;
    const char *ld_prefix;      /* -L, or NULL */
    const char *execfn;         /* AT_EXECFN */
    uint64_t hwcap;
} LoadParams;
bool load_program(const LoadParams *p, ImageInfo *info, GError **errp);

/* ---- guest threads (cpu-loop.c) ---- */
#define TARGET_NSIG 64

typedef struct GuestSigQueue {
    bool pending;
    siginfo_t info;
} GuestSigQueue;

typedef struct TernThread {
    RISCVCPU *cpu;
    CPUState *cs;
    uint64_t *gpr;
    int tid;
    uint64_t clear_child_tid;
    uint64_t sigmask;                   /* guest blocked signals (bit sig-1) */
    GuestSigQueue sig[TARGET_NSIG + 1]; /* written by host signal handlers */
    volatile int sig_pending;           /* any sig[].pending set */
    uint64_t altstack_sp, altstack_size;
    int altstack_flags;
    bool in_exec;                       /* inside cpu_exec (fault handler may unwind) */
    sigjmp_buf *copy_jmp;               /* guest_copy in progress */
    uint64_t fault_addr;
    int fault_write;
    bool mask_override;                 /* call_with_sigmask: the frame saves this mask */
    uint64_t saved_mask;
} TernThread;

extern __thread TernThread *current_thread;

typedef struct UserOptions {
    const char *ld_prefix;
    const char *cpu_model;
    const char *exe_path;       /* the guest program, for /proc/self/exe */
    char *log_items;            /* -d string, for execve */
    char *log_file;
    bool strace;
    const char *tern_path;      /* our own binary, for execve */
} UserOptions;
extern UserOptions user_opts;
extern ImageInfo image_info;

G_NORETURN void cpu_loop(TernThread *ts);
TernThread *thread_new(RISCVCPU *cpu);
/* The thread running cpu, or NULL (not a guest thread, or it has exited). */
TernThread *thread_of_cpu(CPUState *cpu);
/* clone(2) with CLONE_VM: a new host thread. Returns the tid or -errno. */
int64_t do_clone_thread(TernThread *parent, uint64_t flags, uint64_t newsp,
                        uint64_t ptid, uint64_t tls, uint64_t ctid);
/* Guest thread exit: clear_child_tid, then end the host thread. */
G_NORETURN void thread_exit(TernThread *ts, int status);

/* ---- guest memory copies that survive a bad pointer (cpu-loop.c) ---- */
bool copy_from_guest(void *dst, uint64_t src, size_t len);
bool copy_to_guest(uint64_t dst, const void *src, size_t len);
/* Length of the NUL-terminated guest string at addr, or -1 if unmapped. */
int64_t guest_strlen(uint64_t addr);

/* ---- signal.c ---- */
/* Host handlers, and the first thread's mask (inherited across execve). */
void signal_init(TernThread *ts);
void fault_handlers_init(void);
/* tcg_user_bad_addr_hook: a guest access outside the reservation → guest SIGSEGV. */
G_NORETURN void guest_bad_address(CPUState *cs, uint64_t addr, int access_type, uintptr_t ra);
/* Queue guest signal sig for ts (from a host signal handler or a fault). */
void queue_signal(TernThread *ts, int sig, const siginfo_t *info);
/* Deliver pending unblocked signals: build frames, or take default actions. */
void process_pending_signals(TernThread *ts);
int64_t do_rt_sigaction(int sig, uint64_t act, uint64_t oact, uint64_t sigsetsize);
int64_t do_rt_sigprocmask(TernThread *ts, int how, uint64_t set, uint64_t oset,
                          uint64_t sigsetsize);
int64_t do_sigaltstack(TernThread *ts, uint64_t ss, uint64_t oss);
int64_t do_rt_sigreturn(TernThread *ts);
int64_t do_rt_sigsuspend(TernThread *ts, uint64_t mask, uint64_t sigsetsize);
int64_t do_rt_sigtimedwait(TernThread *ts, uint64_t set, uint64_t info, uint64_t timeout,
                           uint64_t sigsetsize);
/*
 * A waiting call with a temporary guest signal mask (ppoll, pselect6,
 * epoll_pwait, rt_sigsuspend): mask replaces the guest's atomically with the
 * start of the wait, which is the host call `wait` makes with the host mask
 * it is given. A signal the mask lets in ends it with EINTR: the handler
 * runs with the mask in place, its frame holding the caller's mask for
 * rt_sigreturn; otherwise the caller's mask comes back at once. Returns
 * the call's result, or TERN_NORETURN_A0 when a handler was set up.
 */
typedef int64_t (*MaskedWait)(void *opaque, const sigset_t *host_mask);
int64_t call_with_sigmask(TernThread *ts, uint64_t mask, MaskedWait wait, void *opaque);
int64_t do_rt_sigpending(TernThread *ts, uint64_t set, uint64_t sigsetsize);
/*
 * After a host EINTR: should the interrupted system call be restarted?
 * Linux restarts unless a handler runs that lacks SA_RESTART (ERESTARTSYS),
 * or, for poll/select/sleep (ERESTARTNOHAND), unless any handler runs.
 */
bool signal_restart_syscall(TernThread *ts, bool only_without_handler);
/* Host sigset from a guest mask. */
void guest_mask_to_host(uint64_t mask, sigset_t *set);

/* ---- syscall.c ---- */
/* Returns the value for a0, or -errno; RESTART_SYSCALL / NO_RETURN_VALUE. */
#define TERN_ERESTARTSYS  512
#define TERN_NORETURN_A0  0x7fffffffffffff00ll
int64_t do_syscall(TernThread *ts, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                   uint64_t a3, uint64_t a4, uint64_t a5);

/* ---- gdbstub.c: -g PORT ---- */
/* Listen on 127.0.0.1:port and wait for gdb, which finds cpu stopped. */
bool gdbserver_user_start(const char *port, CPUState *cpu, GError **errp);
/* A new thread's first act: the first one stops for gdb if it is attached. */
void gdb_user_thread_start(TernThread *ts);
/* Before running guest code: wait while gdb holds this thread. */
void gdb_user_park(TernThread *ts);
/* EXCP_DEBUG (breakpoint, finished step): returns the signal gdb asks for, or 0. */
int gdb_user_debug_stop(TernThread *ts);
/* Guest signal sig is about to be delivered: the signal gdb passes on (0 = none). */
int gdb_user_signal(TernThread *ts, int sig);
/* A guest thread ends (exit, not exit_group). */
void gdb_user_thread_exit(TernThread *ts);
/* The program ends: exit status, or killed by signal status. */
void gdb_user_exit(bool killed, int status);
/* In a fork child: no debugger, no breakpoints. */
void gdb_user_fork_child(void);

/* ---- strace.c ---- */
const char *syscall_name(uint64_t nr);
void strace_print(uint64_t nr, const uint64_t *args, int64_t ret);

#endif
