/*
 * riscv64 Linux system calls on the x86-64 host kernel: a7 = number,
 * a0-a5 = arguments (asm-generic ABI). Most calls pass through with guest
 * pointers turned into host pointers after a bounds check against the guest
 * reservation (the host kernel then faults on anything unmapped inside it);
 * structures whose layout differs between the two ABIs (struct stat,
 * epoll_event, sigaction) are converted.
 */
#include "tern/osdep.h"
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <termios.h>
#include <sys/ioctl.h>
#include "exec/cpu-exec.h"
#include "user-internal.h"
#include "syscall-table.h"

/*
 * Host pointer for guest [addr, addr + len); 0 stays NULL; out of range:
 * -EFAULT. The host kernel may write there: no write-protected code pages.
 */
#define PTR(addr, len) ({                                         \
        uint64_t a_ = (addr), l_ = (len);                         \
        if (a_ && !guest_range_ok(a_, l_)) {                      \
            return -EFAULT;                                       \
        }                                                         \
        guest_unprotect(a_, l_);                                  \
        a_ ? g2h(a_) : NULL;                                      \
    })
/* A NUL-terminated guest string (a path), checked readable. */
#define STR(addr) ({                                              \
        uint64_t s_ = (addr);                                     \
        if (!s_ || guest_strlen(s_) < 0) {                        \
            return -EFAULT;                                       \
        }                                                         \
        (const char *)g2h(s_);                                    \
    })
#define SYS(...) ret_errno(syscall(__VA_ARGS__))

static int64_t ret_errno(int64_t r)
{
    return r < 0 ? -errno : r;
}

static int live_threads = 1;

/* ---- paths: /proc/self/exe is the guest program, not Tern ---- */

/* "exe" for /proc/self/exe or /proc/<own pid>/exe, and so on; else NULL. */
static const char *proc_self_entry(const char *path)
{
    char own[32];
    int n = snprintf(own, sizeof(own), "/proc/%d/", getpid());

    if (g_str_has_prefix(path, "/proc/self/")) {
        return path + strlen("/proc/self/");
    }
    return strncmp(path, own, n) ? NULL : path + n;
}

static bool is_proc_self_exe(const char *path)
{
    const char *e = proc_self_entry(path);

    return e && !strcmp(e, "exe");
}

/* A read-only file holding text (which it frees), as open(2) returns it. */
static int64_t open_text_file(char *text, int flags)
{
    size_t len = strlen(text);
    int fd = (flags & O_ACCMODE) != O_RDONLY ? -EACCES :
             memfd_create("tern-proc", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);

    if (fd >= 0 && (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0)) {
        close(fd);
        fd = -EIO;
    } else if (fd == -1) {
        fd = -errno;
    }
    g_free(text);
    return fd;
}

static const char *host_path(const char *path)
{
    static __thread char *buf;
    struct stat st;

    if (is_proc_self_exe(path)) {
        return user_opts.exe_path;
    }
    if (!user_opts.ld_prefix || path[0] != '/' || !path[1]) {
        return path;
    }
    g_free(buf);
    buf = g_strconcat(user_opts.ld_prefix, path, NULL);
    return lstat(buf, &st) == 0 ? buf : path;
}

/*
 * openat. /proc/self/maps describes the guest's address space, not Tern's
 * (glibc's pthread_getattr_np reads it to find the main thread's stack).
 */
static int64_t do_openat(int dirfd, const char *path, int flags, int mode)
{
    const char *e = proc_self_entry(path);

    if (e && !strcmp(e, "maps")) {
        return open_text_file(guest_maps_text(), flags);
    }
    return SYS(SYS_openat, dirfd, host_path(path), flags, mode);
}

/*
 * The host file for a guest path: /proc/self/exe is the guest program, and
 * an absolute path that exists under the -L prefix is taken from there (so
 * the dynamic loader finds /lib/libc.so.6 in the cross root), as QEMU does.
 * The result lives until the next call on this thread.
 */
/* ---- struct stat (asm-generic, riscv64) ---- */

typedef struct GuestStat {
    uint64_t dev, ino;
    uint32_t mode, nlink, uid, gid;
    uint64_t rdev, pad1;
    int64_t size;
    int32_t blksize, pad2;
    int64_t blocks;
    int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
    uint32_t unused[2];
} GuestStat;
G_STATIC_ASSERT(sizeof(GuestStat) == 128);

static int64_t put_stat(uint64_t addr, const struct stat *st)
{
    GuestStat g = {
        .dev = st->st_dev, .ino = st->st_ino, .mode = st->st_mode, .nlink = st->st_nlink,
        .uid = st->st_uid, .gid = st->st_gid, .rdev = st->st_rdev, .size = st->st_size,
        .blksize = st->st_blksize, .blocks = st->st_blocks,
        .atime = st->st_atim.tv_sec, .atime_nsec = st->st_atim.tv_nsec,
        .mtime = st->st_mtim.tv_sec, .mtime_nsec = st->st_mtim.tv_nsec,
        .ctime = st->st_ctim.tv_sec, .ctime_nsec = st->st_ctim.tv_nsec,
    };
    return copy_to_guest(addr, &g, sizeof(g)) ? 0 : -EFAULT;
}

/* ---- iovec arrays ---- */

static struct iovec *get_iovec(uint64_t addr, uint64_t cnt, int64_t *err)
{
    struct iovec *iov;

    if (cnt > IOV_MAX) {
        *err = -EINVAL;
        return NULL;
    }
    iov = g_new(struct iovec, cnt ? cnt : 1);
    if (!copy_from_guest(iov, addr, cnt * sizeof(*iov))) {
        *err = -EFAULT;
        g_free(iov);
        return NULL;
    }
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t base = (uintptr_t)iov[i].iov_base;
        if (iov[i].iov_len && !guest_range_ok(base, iov[i].iov_len)) {
            *err = -EFAULT;
            g_free(iov);
            return NULL;
        }
        guest_unprotect(base, iov[i].iov_len);
        iov[i].iov_base = g2h(base);
    }
    return iov;
}

static int64_t do_iov(int nr, int fd, uint64_t addr, uint64_t cnt, uint64_t pos_l,
                      uint64_t pos_h)
{
    int64_t err = 0, r;
    g_autofree struct iovec *iov = get_iovec(addr, cnt, &err);

    if (!iov) {
        return err;
    }
    r = syscall(nr, fd, iov, cnt, pos_l, pos_h);
    return ret_errno(r);
}

/* ---- struct msghdr (same layout on both; its pointers are guest addresses) ---- */

static int64_t do_msg(bool send, int fd, uint64_t msgaddr, int flags)
{
    struct msghdr m;
    struct iovec *iov;
    int64_t err = 0, r;
    uint64_t name, control;

    if (!copy_from_guest(&m, msgaddr, sizeof(m))) {
        return -EFAULT;
    }
    name = (uintptr_t)m.msg_name;
    control = (uintptr_t)m.msg_control;
    m.msg_name = PTR(name, m.msg_namelen);
    m.msg_control = PTR(control, m.msg_controllen);
    iov = get_iovec((uintptr_t)m.msg_iov, m.msg_iovlen, &err);
    if (!iov) {
        return err;
    }
    m.msg_iov = iov;
    r = ret_errno(send ? sendmsg(fd, &m, flags) : recvmsg(fd, &m, flags));
    g_free(iov);
    if (!send && r >= 0) {
        /* give back the lengths and flags the kernel updated */
        m.msg_name = (void *)(uintptr_t)name;
        m.msg_control = (void *)(uintptr_t)control;
        struct msghdr g;
        copy_from_guest(&g, msgaddr, sizeof(g));
        g.msg_namelen = m.msg_namelen;
        g.msg_controllen = m.msg_controllen;
        g.msg_flags = m.msg_flags;
        if (!copy_to_guest(msgaddr, &g, sizeof(g))) {
            return -EFAULT;
        }
    }
    return r;
}

/* socklen_t *lenp in guest memory; the buffer must hold *lenp bytes */
static int64_t sock_addr_len(uint64_t addr, uint64_t lenp, socklen_t *len)
{
    *len = 0;
    if (!lenp) {
        return 0;
    }
    if (!copy_from_guest(len, lenp, sizeof(*len))) {
        return -EFAULT;
    }
    if (addr && !guest_range_ok(addr, *len)) {
        return -EFAULT;
    }
    return 0;
}

/* ---- epoll_event: packed (12 bytes) on x86-64, 16 bytes on riscv64 ---- */

typedef struct GuestEpollEvent {
    uint32_t events;
    uint32_t pad;
    uint64_t data;
} GuestEpollEvent;

static int64_t do_epoll_ctl(int epfd, int op, int fd, uint64_t evaddr)
{
    GuestEpollEvent g;
    struct epoll_event ev = { 0 };

    if (evaddr) {
        if (!copy_from_guest(&g, evaddr, sizeof(g))) {
            return -EFAULT;
        }
        ev.events = g.events;
        ev.data.u64 = g.data;
    }
    return ret_errno(epoll_ctl(epfd, op, fd, evaddr ? &ev : NULL));
}

/* ---- waits with a temporary signal mask (ppoll, pselect6, epoll_pwait) ---- */

/* The guest's sigset_t at addr (sigsetsize must be 8): false with *err if bad. */
static bool get_sigmask(uint64_t addr, uint64_t sigsetsize, uint64_t *mask, int64_t *err)
{
    if (sigsetsize != 8) {
        *err = -EINVAL;
        return false;
    }
    if (!copy_from_guest(mask, addr, 8)) {
        *err = -EFAULT;
        return false;
    }
    return true;
}

/* The host call of each; the host mask is the kernel's 8-byte sigset. */
typedef struct PollArgs {
    int nr;
    uint64_t a[5];
} PollArgs;

static int64_t poll_wait(void *opaque, const sigset_t *mask)
{
    PollArgs *p = opaque;

    switch (p->nr) {
    case SYS_ppoll:
        return ret_errno(syscall(SYS_ppoll, p->a[0], p->a[1], p->a[2], mask, 8));
    case SYS_pselect6: {
        uint64_t data[2] = { (uintptr_t)mask, 8 };
        return ret_errno(syscall(SYS_pselect6, p->a[0], p->a[1], p->a[2], p->a[3], p->a[4],
                                 data));
    }
    default:
        return ret_errno(syscall(SYS_epoll_pwait, p->a[0], p->a[1], p->a[2], p->a[3], mask, 8));
    }
}

/* Without a mask the host call runs as it is; with one, under call_with_sigmask. */
static int64_t poll_call(TernThread *ts, PollArgs *p, bool has_mask, uint64_t mask)
{
    if (!has_mask) {
        return ret_errno(syscall(p->nr, p->a[0], p->a[1], p->a[2], p->a[3], p->a[4], NULL));
    }
    return call_with_sigmask(ts, mask, poll_wait, p);
}

static int64_t do_ppoll(TernThread *ts, uint64_t fds, uint64_t nfds, uint64_t tmo,
                        uint64_t maskaddr, uint64_t sigsetsize)
{
    PollArgs p;
    uint64_t mask = 0;
    int64_t err;

    if (nfds > 65536) {
        return -EINVAL;
    }
    p = (PollArgs){ SYS_ppoll, { (uintptr_t)PTR(fds, nfds * sizeof(struct pollfd)), nfds,
                                 (uintptr_t)PTR(tmo, 16) } };
    if (maskaddr && !get_sigmask(maskaddr, sigsetsize, &mask, &err)) {
        return err;
    }
    return poll_call(ts, &p, maskaddr != 0, mask);
}

static int64_t do_pselect6(TernThread *ts, uint64_t n, uint64_t r, uint64_t w, uint64_t e,
                           uint64_t tmo, uint64_t data)
{
    uint64_t setsize = ((n + 63) / 64) * 8, sig[2] = { 0, 0 }, mask = 0;
    PollArgs p;
    int64_t err;

    if (n > 65536) {
        return -EINVAL;
    }
    p = (PollArgs){ SYS_pselect6, { n, (uintptr_t)PTR(r, setsize), (uintptr_t)PTR(w, setsize),
                                    (uintptr_t)PTR(e, setsize), (uintptr_t)PTR(tmo, 16) } };
    /* data: { const sigset_t *ss; size_t ss_len; } */
    if (data && !copy_from_guest(sig, data, sizeof(sig))) {
        return -EFAULT;
    }
    if (sig[0] && !get_sigmask(sig[0], sig[1], &mask, &err)) {
        return err;
    }
    return poll_call(ts, &p, sig[0] != 0, mask);
}

static int64_t do_epoll_pwait(TernThread *ts, int epfd, uint64_t evaddr, int maxevents,
                              int timeout, uint64_t maskaddr, uint64_t sigsetsize)
{
    g_autofree struct epoll_event *ev = NULL;
    PollArgs p;
    uint64_t mask = 0;
    int64_t r;

    if (maxevents <= 0 || maxevents > 65536) {
        return -EINVAL;
    }
    if (!guest_range_ok(evaddr, (uint64_t)maxevents * sizeof(GuestEpollEvent))) {
        return -EFAULT;
    }
    if (maskaddr && !get_sigmask(maskaddr, sigsetsize, &mask, &r)) {
        return r;
    }
    ev = g_new(struct epoll_event, maxevents);
    p = (PollArgs){ SYS_epoll_pwait, { epfd, (uintptr_t)ev, maxevents, timeout } };
    r = poll_call(ts, &p, maskaddr != 0, mask);
    if (r == TERN_NORETURN_A0) {
        return r;               /* interrupted: a handler was set up */
    }
    for (int64_t i = 0; i < r; i++) {
        GuestEpollEvent g = { ev[i].events, 0, ev[i].data.u64 };
        if (!copy_to_guest(evaddr + i * sizeof(g), &g, sizeof(g))) {
            return -EFAULT;
        }
    }
    return r;
}

/* ---- ioctl: terminals and a few generic ones (asm-generic numbers = x86-64's) ---- */

static int64_t do_ioctl(int fd, uint64_t req, uint64_t arg)
{
    static const struct { uint32_t req; uint32_t size; } known[] = {
        { TCGETS, 36 }, { TCSETS, 36 }, { TCSETSW, 36 }, { TCSETSF, 36 },
        { TIOCGWINSZ, 8 }, { TIOCSWINSZ, 8 }, { FIONREAD, 4 }, { TIOCOUTQ, 4 },
        { TIOCGPGRP, 4 }, { TIOCSPGRP, 4 }, { TIOCGSID, 4 }, { FIONBIO, 4 },
        { TIOCGPTN, 4 }, { TIOCSPTLCK, 4 }, { FIOASYNC, 4 },
        /* argument is a value, not a pointer */
        { TIOCSCTTY, 0 }, { TIOCNOTTY, 0 }, { TCFLSH, 0 }, { TCXONC, 0 }, { TCSBRK, 0 },
        { FIOCLEX, 0 }, { FIONCLEX, 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
        if (known[i].req == req) {
            if (known[i].size) {
                return SYS(SYS_ioctl, fd, req, PTR(arg, known[i].size));
            }
            return SYS(SYS_ioctl, fd, req, arg);
        }
    }
    tern_log_mask(LOG_UNIMP, "unsupported ioctl %#" PRIx64 " on fd %d\n", req, fd);
    return -ENOTTY;
}

/* ---- fcntl ---- */

static int64_t do_fcntl(int fd, int cmd, uint64_t arg)
{
    switch (cmd) {
    case F_GETLK: case F_SETLK: case F_SETLKW:
    case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
        return SYS(SYS_fcntl, fd, cmd, PTR(arg, sizeof(struct flock)));
    case F_DUPFD: case F_GETFD: case F_SETFD: case F_GETFL: case F_SETFL:
    case F_SETOWN: case F_GETOWN: case F_DUPFD_CLOEXEC: case F_SETPIPE_SZ:
    case F_GETPIPE_SZ: case F_ADD_SEALS: case F_GET_SEALS: case F_SETSIG: case F_GETSIG:
        return SYS(SYS_fcntl, fd, cmd, arg);
    default:
        tern_log_mask(LOG_UNIMP, "unsupported fcntl command %d\n", cmd);
        return -EINVAL;
    }
}

/* ---- futex: guest addresses are host addresses + guest_base ---- */

static int64_t do_futex(uint64_t uaddr, int op, uint32_t val, uint64_t timeout,
                        uint64_t uaddr2, uint32_t val3)
{
    int cmd = op & FUTEX_CMD_MASK;
    void *t = (void *)(uintptr_t)timeout;   /* val2 for the requeue/wake_op commands */
    void *u2 = NULL;

    switch (cmd) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: case FUTEX_LOCK_PI: case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_REQUEUE_PI:
        t = PTR(timeout, sizeof(struct timespec));
        break;
    }
    switch (cmd) {
    case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: case FUTEX_WAKE_OP:
    case FUTEX_CMP_REQUEUE_PI: case FUTEX_WAIT_REQUEUE_PI:
        u2 = PTR(uaddr2, 4);
        break;
    }
    if (!uaddr) {
        return -EFAULT;
    }
    return SYS(SYS_futex, PTR(uaddr, 4), op, val, t, u2, val3);
}

/* ---- processes ---- */

/*
 * vfork (clone with CLONE_VFORK: glibc's vfork, system and posix_spawn):
 * the parent stays suspended until the child execs or exits. The child
 * cannot share the parent's memory under Tern, as it would run on Tern's
 * own state (signal actions, the hart, the translator) in that memory; it
 * gets a copy, as with fork (QEMU does the same), and the parent waits on a
 * close-on-exec pipe whose other end closes when the child execs or exits.
 * What the child writes to memory stays its own: posix_spawn cannot report
 * a failed exec as its result (the child exits with 127 instead).
 */
static int vfork_fd = -1;       /* in a vfork child: its end of the pipe */
#define VFORK_FD_MIN 512        /* out of the way of the guest's fd numbers */

static int64_t do_fork(TernThread *ts, uint64_t flags, uint64_t newsp, uint64_t ptid,
                       uint64_t ctid)
{
    int csig = flags & 0xff;
    int done[2] = { -1, -1 };
    pid_t pid;

    if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_SETTLS)) {
        return -EINVAL;
    }
    if (!tb_fork_prepare()) {
        return -ENOMEM;
    }
    if ((flags & CLONE_VFORK) && pipe2(done, O_CLOEXEC) == 0) {
        int high = fcntl(done[1], F_DUPFD_CLOEXEC, VFORK_FD_MIN);
        if (high >= 0) {
            close(done[1]);
            done[1] = high;
        }
    }
    fflush(stderr);
    if (csig == SIGCHLD) {
        pid = fork();
    } else {
        pid = syscall(SYS_clone, (uint64_t)csig, NULL, NULL, NULL, 0);
    }
    tb_fork_done(pid == 0);
    if (pid < 0) {
        int err = errno;
        if (done[0] >= 0) {
            close(done[0]);
            close(done[1]);
        }
        return -err;
    }
    if (pid == 0) {
        if (vfork_fd >= 0) {
            close(vfork_fd);        /* a vfork child's child must not hold its parent */
        }
        vfork_fd = done[1];
        if (done[0] >= 0) {
            close(done[0]);
        }
        ts->tid = syscall(SYS_gettid);
        gdb_user_fork_child();
        if (newsp) {
            ts->gpr[2] = newsp;
        }
        if (flags & CLONE_CHILD_SETTID) {
            copy_to_guest(ctid, &ts->tid, 4);
        }
        if (flags & CLONE_CHILD_CLEARTID) {
            ts->clear_child_tid = ctid;
        }
        __atomic_store_n(&live_threads, 1, __ATOMIC_SEQ_CST);
        return 0;
    }
    if (flags & CLONE_PARENT_SETTID) {
        copy_to_guest(ptid, &pid, 4);
    }
    if (done[0] >= 0) {
        char c;
        close(done[1]);
        while (read(done[0], &c, 1) < 0 && errno == EINTR) {
            /* signals arriving meanwhile are queued for after the wait, as Linux */
        }
        close(done[0]);
    }
    return pid;
}

/* Read a NULL-terminated guest array of strings (argv, envp). */
static char **get_strv(uint64_t addr, int64_t *err)
{
    GPtrArray *a = g_ptr_array_new();

    for (int i = 0; addr; i++) {
        uint64_t p;
        int64_t len;
        if (i > 100000 || !copy_from_guest(&p, addr + i * 8, 8)) {
            *err = -EFAULT;
            break;
        }
        if (!p) {
            g_ptr_array_add(a, NULL);
            return (char **)g_ptr_array_free(a, false);
        }
        len = guest_strlen(p);
        if (len < 0) {
            *err = -EFAULT;
            break;
        }
        g_ptr_array_add(a, g_strndup(g2h(p), len));
    }
    if (!addr) {
        g_ptr_array_add(a, NULL);
        return (char **)g_ptr_array_free(a, false);
    }
    g_ptr_array_set_free_func(a, g_free);
    g_ptr_array_free(a, true);
    return NULL;
}

/* Is path a RISC-V ELF, which Tern must run (rather than the host kernel)? */
static bool is_riscv_elf(const char *path)
{
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool r;

    if (fd < 0) {
        return false;
    }
    r = read(fd, h, sizeof(h)) == sizeof(h) && !memcmp(h, "\177ELF", 4) &&
        h[18] == 243 && h[19] == 0;     /* e_machine EM_RISCV */
    close(fd);
    return r;
}

static int64_t do_execve(uint64_t pathaddr, uint64_t argvaddr, uint64_t envaddr)
{
    const char *path = host_path(STR(pathaddr));
    int64_t err = 0;
    g_auto(GStrv) argv = get_strv(argvaddr, &err);
    g_auto(GStrv) envp = argv ? get_strv(envaddr, &err) : NULL;
    g_autoptr(GPtrArray) args = NULL;

    if (!argv || !envp) {
        return err;
    }
    if (access(path, X_OK) != 0) {
        return -errno;
    }
    if (!is_riscv_elf(path)) {
        /* host programs and scripts: the host kernel runs them */
        return ret_errno(execve(path, argv, envp));
    }
    args = g_ptr_array_new();
    g_ptr_array_add(args, (char *)user_opts.tern_path);
    if (user_opts.ld_prefix) {
        g_ptr_array_add(args, "-L");
        g_ptr_array_add(args, (char *)user_opts.ld_prefix);
    }
    if (user_opts.cpu_model) {
        g_ptr_array_add(args, "-cpu");
        g_ptr_array_add(args, (char *)user_opts.cpu_model);
    }
    if (user_opts.strace) {
        g_ptr_array_add(args, "-strace");
    }
    if (user_opts.log_items) {
        g_ptr_array_add(args, "-d");
        g_ptr_array_add(args, user_opts.log_items);
    }
    if (argv[0]) {
        g_ptr_array_add(args, "-0");
        g_ptr_array_add(args, argv[0]);
    }
    g_ptr_array_add(args, "--");
    g_ptr_array_add(args, (char *)path);
    for (int i = argv[0] ? 1 : 0; argv[i]; i++) {
        g_ptr_array_add(args, argv[i]);
    }
    g_ptr_array_add(args, NULL);
    fflush(stderr);
    return ret_errno(execve("/proc/self/exe", (char **)args->pdata, envp));
}

static int64_t do_uname(uint64_t addr)
{
    struct utsname u;

    if (uname(&u) != 0) {
        return -errno;
    }
    g_strlcpy(u.machine, "riscv64", sizeof(u.machine));
    return copy_to_guest(addr, &u, sizeof(u)) ? 0 : -EFAULT;
}

static int64_t do_readlinkat(int dirfd, uint64_t pathaddr, uint64_t buf, uint64_t size)
{
    const char *path = STR(pathaddr);
    char *dst = PTR(buf, size);

    if (is_proc_self_exe(path)) {
        g_autofree char *real = realpath(user_opts.exe_path, NULL);
        size_t len;
        if (!real) {
            return -errno;
        }
        len = MIN(strlen(real), size);
        memcpy(dst, real, len);
        return len;
    }
    return SYS(SYS_readlinkat, dirfd, path, dst, size);
}

/* struct riscv_hwprobe { s64 key; u64 value; } (Documentation/riscv/hwprobe.rst) */
static int64_t do_riscv_hwprobe(TernThread *ts, uint64_t pairs, uint64_t count)
{
    uint64_t hwcap = riscv_cpu_hwcap(ts->cpu);

    if (!guest_range_ok(pairs, count * 16)) {
        return -EFAULT;
    }
    for (uint64_t i = 0; i < count; i++) {
        int64_t kv[2];
        if (!copy_from_guest(kv, pairs + i * 16, 16)) {
            return -EFAULT;
        }
        switch (kv[0]) {
        case 0: case 1: case 2:         /* mvendorid, marchid, mimpid */
            kv[1] = 0;
            break;
        case 3:                         /* BASE_BEHAVIOR: IMA */
            kv[1] = 1;
            break;
        case 4:                         /* IMA_EXT_0: FD, C */
            kv[1] = ((hwcap & (1 << ('f' - 'a'))) && (hwcap & (1 << ('d' - 'a'))) ? 1 : 0) |
                    ((hwcap & (1 << ('c' - 'a'))) ? 2 : 0);
            break;
        case 5:                         /* CPUPERF_0: misaligned access speed unknown */
            kv[1] = 0;
            break;
        default:
            kv[0] = -1;
            kv[1] = 0;
        }
        if (!copy_to_guest(pairs + i * 16, kv, 16)) {
            return -EFAULT;
        }
    }
    return 0;
}

static int64_t do_prctl(uint64_t opt, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    switch (opt) {
    case 15: case 16:       /* PR_SET_NAME, PR_GET_NAME */
        return SYS(SYS_prctl, opt, PTR(a1, 16), a2, a3, a4);
    case 1: case 3: case 4: case 8: case 36: case 38:
        /* PDEATHSIG, DUMPABLE, KEEPCAPS, CHILD_SUBREAPER, NO_NEW_PRIVS: values */
        return SYS(SYS_prctl, opt, a1, a2, a3, a4);
    case 2:                 /* PR_GET_PDEATHSIG */
        return SYS(SYS_prctl, opt, PTR(a1, 4), a2, a3, a4);
    default:
        tern_log_mask(LOG_UNIMP, "unsupported prctl option %" PRIu64 "\n", opt);
        return -EINVAL;
    }
}

/* Class of an interrupted call for restart decisions (kernel ERESTART*). */
static bool restart_only_without_handler(uint64_t nr)
{
    return nr == NR_ppoll || nr == NR_pselect6 || nr == NR_epoll_pwait ||
           nr == NR_nanosleep || nr == NR_clock_nanosleep;
}

static int64_t dispatch(TernThread *ts, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3, uint64_t a4, uint64_t a5)
{
    switch (nr) {
    /* ---- files ---- */
    case NR_openat:
        return do_openat(a0, STR(a1), a2, a3);
    case NR_close:
        return SYS(SYS_close, a0);
    case NR_read:
        return SYS(SYS_read, a0, PTR(a1, a2), a2);
    case NR_write:
        return SYS(SYS_write, a0, PTR(a1, a2), a2);
    case NR_pread64:
        return SYS(SYS_pread64, a0, PTR(a1, a2), a2, a3);
    case NR_pwrite64:
        return SYS(SYS_pwrite64, a0, PTR(a1, a2), a2, a3);
    case NR_readv:
        return do_iov(SYS_readv, a0, a1, a2, 0, 0);
    case NR_writev:
        return do_iov(SYS_writev, a0, a1, a2, 0, 0);
    case NR_preadv:
        return do_iov(SYS_preadv, a0, a1, a2, a3, a4);
    case NR_pwritev:
        return do_iov(SYS_pwritev, a0, a1, a2, a3, a4);
    case NR_lseek:
        return SYS(SYS_lseek, a0, a1, a2);
    case NR_getdents64:
        return SYS(SYS_getdents64, a0, PTR(a1, a2), a2);
    case NR_readlinkat:
        return do_readlinkat(a0, a1, a2, a3);
    case NR_newfstatat: {
        struct stat st;
        int64_t r = SYS(SYS_newfstatat, a0, host_path(STR(a1)), &st, a3);
        return r < 0 ? r : put_stat(a2, &st);
    }
    case NR_fstat: {
        struct stat st;
        int64_t r = SYS(SYS_fstat, a0, &st);
        return r < 0 ? r : put_stat(a1, &st);
    }
    case NR_statx:
        return SYS(SYS_statx, a0, host_path(STR(a1)), a2, a3, PTR(a4, 256));
    case NR_faccessat:
        return SYS(SYS_faccessat, a0, host_path(STR(a1)), a2);
    case NR_faccessat2:
        return SYS(SYS_faccessat2, a0, host_path(STR(a1)), a2, a3);
    case NR_mkdirat:
        return SYS(SYS_mkdirat, a0, STR(a1), a2);
    case NR_mknodat:
        return SYS(SYS_mknodat, a0, STR(a1), a2, a3);
    case NR_unlinkat:
        return SYS(SYS_unlinkat, a0, STR(a1), a2);
    case NR_symlinkat:
        return SYS(SYS_symlinkat, STR(a0), a1, STR(a2));
    case NR_linkat:
        return SYS(SYS_linkat, a0, STR(a1), a2, STR(a3), a4);
    case NR_renameat2:
        return SYS(SYS_renameat2, a0, STR(a1), a2, STR(a3), a4);
    case NR_fchmodat:
        return SYS(SYS_fchmodat, a0, STR(a1), a2);
    case NR_fchownat:
        return SYS(SYS_fchownat, a0, STR(a1), a2, a3, a4);
    case NR_fchmod:
        return SYS(SYS_fchmod, a0, a1);
    case NR_fchown:
        return SYS(SYS_fchown, a0, a1, a2);
    case NR_truncate:
        return SYS(SYS_truncate, STR(a0), a1);
    case NR_ftruncate:
        return SYS(SYS_ftruncate, a0, a1);
    case NR_fallocate:
        return SYS(SYS_fallocate, a0, a1, a2, a3);
    case NR_fsync:
        return SYS(SYS_fsync, a0);
    case NR_fdatasync:
        return SYS(SYS_fdatasync, a0);
    case NR_sync:
        return SYS(SYS_sync);
    case NR_utimensat:
        return SYS(SYS_utimensat, a0, a1 ? STR(a1) : NULL, PTR(a2, 32), a3);
    case NR_statfs:
        return SYS(SYS_statfs, STR(a0), PTR(a1, 120));
    case NR_fstatfs:
        return SYS(SYS_fstatfs, a0, PTR(a1, 120));
    case NR_chdir:
        return SYS(SYS_chdir, STR(a0));
    case NR_fchdir:
        return SYS(SYS_fchdir, a0);
    case NR_chroot:
        return SYS(SYS_chroot, STR(a0));
    case NR_getcwd:
        return SYS(SYS_getcwd, PTR(a0, a1), a1);
    case NR_umask:
        return SYS(SYS_umask, a0);
    case NR_flock:
        return SYS(SYS_flock, a0, a1);
    case NR_dup:
        return SYS(SYS_dup, a0);
    case NR_dup3:
        return SYS(SYS_dup3, a0, a1, a2);
    case NR_fcntl:
        return do_fcntl(a0, a1, a2);
    case NR_ioctl:
        return do_ioctl(a0, a1, a2);
    case NR_pipe2:
        return SYS(SYS_pipe2, PTR(a0, 8), a1);
    case NR_sendfile:
        return SYS(SYS_sendfile, a0, a1, PTR(a2, 8), a3);
    case NR_memfd_create:
        return SYS(SYS_memfd_create, STR(a0), a1);
    case NR_eventfd2:
        return SYS(SYS_eventfd2, a0, a1);
    case NR_timerfd_create:
        return SYS(SYS_timerfd_create, a0, a1);
    case NR_timerfd_settime:
        return SYS(SYS_timerfd_settime, a0, a1, PTR(a2, 32), PTR(a3, 32));
    case NR_timerfd_gettime:
        return SYS(SYS_timerfd_gettime, a0, PTR(a1, 32));

    /* ---- polling ---- */
    case NR_ppoll:
        return do_ppoll(ts, a0, a1, a2, a3, a4);
    case NR_pselect6:
        return do_pselect6(ts, a0, a1, a2, a3, a4, a5);
    case NR_epoll_create1:
        return SYS(SYS_epoll_create1, a0);
    case NR_epoll_ctl:
        return do_epoll_ctl(a0, a1, a2, a3);
    case NR_epoll_pwait:
        return do_epoll_pwait(ts, a0, a1, a2, a3, a4, a5);

    /* ---- memory ---- */
    case NR_mmap:
        return guest_mmap(a0, a1, a2, a3, a4, a5);
    case NR_munmap:
        return guest_munmap(a0, a1);
    case NR_mprotect:
        return guest_mprotect(a0, a1, a2);
    case NR_mremap:
        return guest_mremap(a0, a1, a2, a3, a4);
    case NR_brk:
        return guest_brk(a0);
    case NR_madvise:
        if (a2 == MADV_DONTNEED || a2 == MADV_FREE || a2 == MADV_REMOVE) {
            PTR(a0, a1);
            return SYS(SYS_madvise, g2h(a0), a1, a2);
        }
        return 0;   /* advice only */
    case NR_msync:
        return SYS(SYS_msync, PTR(a0, a1), a1, a2);
    case NR_mlock:
        return SYS(SYS_mlock, PTR(a0, a1), a1);
    case NR_munlock:
        return SYS(SYS_munlock, PTR(a0, a1), a1);
    case NR_riscv_flush_icache:
        if (a0 < a1 && a1 - a0 < (1ull << 30)) {
            tb_invalidate_phys_range(a0, a1);
        } else {
            tb_flush(ts->cs);
        }
        return 0;
    case NR_riscv_hwprobe:
        return do_riscv_hwprobe(ts, a0, a1);
    case NR_membarrier:
        return -ENOSYS;

    /* ---- time ---- */
    case NR_clock_gettime:
        return SYS(SYS_clock_gettime, a0, PTR(a1, 16));
    case NR_clock_getres:
        return SYS(SYS_clock_getres, a0, PTR(a1, 16));
    case NR_gettimeofday:
        return SYS(SYS_gettimeofday, PTR(a0, 16), PTR(a1, 8));
    case NR_nanosleep:
        return SYS(SYS_nanosleep, PTR(a0, 16), PTR(a1, 16));
    case NR_clock_nanosleep:
        return SYS(SYS_clock_nanosleep, a0, a1, PTR(a2, 16), PTR(a3, 16));
    case NR_getitimer:
        return SYS(SYS_getitimer, a0, PTR(a1, 32));
    case NR_setitimer:
        return SYS(SYS_setitimer, a0, PTR(a1, 32), PTR(a2, 32));
    case NR_times:
        return SYS(SYS_times, PTR(a0, 32));

    /* ---- process ---- */
    case NR_exit:
        if (__atomic_sub_fetch(&live_threads, 1, __ATOMIC_SEQ_CST) == 0) {
            gdb_user_exit(false, a0 & 0xff);
            log_close();
            exit(a0 & 0xff);
        }
        thread_exit(ts, a0);
    case NR_exit_group:
        gdb_user_exit(false, a0 & 0xff);
        log_close();
        fflush(stderr);
        _exit(a0 & 0xff);
    case NR_getpid:
        return getpid();
    case NR_getppid:
        return getppid();
    case NR_gettid:
        return syscall(SYS_gettid);
    case NR_getuid:
        return getuid();
    case NR_geteuid:
        return geteuid();
    case NR_getgid:
        return getgid();
    case NR_getegid:
        return getegid();
    case NR_setuid: case NR_setgid:
        return SYS(nr == NR_setuid ? SYS_setuid : SYS_setgid, a0);
    case NR_setreuid: case NR_setregid:
        return SYS(nr == NR_setreuid ? SYS_setreuid : SYS_setregid, a0, a1);
    case NR_setresuid: case NR_setresgid:
        return SYS(nr == NR_setresuid ? SYS_setresuid : SYS_setresgid, a0, a1, a2);
    case NR_getresuid: case NR_getresgid:
        return SYS(nr == NR_getresuid ? SYS_getresuid : SYS_getresgid,
                   PTR(a0, 4), PTR(a1, 4), PTR(a2, 4));
    case NR_getgroups:
        return SYS(SYS_getgroups, a0, PTR(a1, a0 * 4));
    case NR_setgroups:
        return SYS(SYS_setgroups, a0, PTR(a1, a0 * 4));
    case NR_setpgid:
        return SYS(SYS_setpgid, a0, a1);
    case NR_getpgid:
        return SYS(SYS_getpgid, a0);
    case NR_getsid:
        return SYS(SYS_getsid, a0);
    case NR_setsid:
        return SYS(SYS_setsid);
    case NR_getpriority:
        return SYS(SYS_getpriority, a0, a1);
    case NR_setpriority:
        return SYS(SYS_setpriority, a0, a1, a2);
    case NR_uname:
        return do_uname(a0);
    case NR_getrlimit:
        return SYS(SYS_getrlimit, a0, PTR(a1, 16));
    case NR_setrlimit:
        return SYS(SYS_setrlimit, a0, PTR(a1, 16));
    case NR_prlimit64:
        return SYS(SYS_prlimit64, a0, a1, PTR(a2, 16), PTR(a3, 16));
    case NR_getrusage:
        return SYS(SYS_getrusage, a0, PTR(a1, sizeof(struct rusage)));
    case NR_sysinfo:
        return SYS(SYS_sysinfo, PTR(a0, sizeof(struct sysinfo)));
    case NR_prctl:
        return do_prctl(a0, a1, a2, a3, a4);
    case NR_getrandom:
        return SYS(SYS_getrandom, PTR(a0, a1), a1, a2);
    case NR_sched_getaffinity:
        return SYS(SYS_sched_getaffinity, a0, a1, PTR(a2, a1));
    case NR_sched_setaffinity:
        return SYS(SYS_sched_setaffinity, a0, a1, PTR(a2, a1));
    case NR_sched_yield:
        return SYS(SYS_sched_yield);
    case NR_wait4:
        return SYS(SYS_wait4, a0, PTR(a1, 4), a2, PTR(a3, sizeof(struct rusage)));
    case NR_waitid:
        return SYS(SYS_waitid, a0, a1, PTR(a2, sizeof(siginfo_t)), a3,
                   PTR(a4, sizeof(struct rusage)));
    case NR_execve:
        return do_execve(a0, a1, a2);

    /* ---- threads ---- */
    case NR_clone:      /* riscv64: clone(flags, newsp, ptid, tls, ctid) */
        if (a0 & CLONE_VM && !(a0 & CLONE_VFORK)) {
            int64_t r;
            /* counted before it starts: it may exit before clone returns here */
            __atomic_add_fetch(&live_threads, 1, __ATOMIC_SEQ_CST);
            r = do_clone_thread(ts, a0, a1, a2, a3, a4);
            if (r < 0) {
                __atomic_sub_fetch(&live_threads, 1, __ATOMIC_SEQ_CST);
            }
            return r;
        }
        /* fork, and vfork as a fork the parent waits for (do_fork) */
        return do_fork(ts, a0 & ~(uint64_t)CLONE_VM, a1, a2, a4);
    case NR_clone3:
        return -ENOSYS;     /* the C library falls back to clone */
    case NR_set_tid_address:
        ts->clear_child_tid = a0;
        return syscall(SYS_gettid);
    case NR_set_robust_list:
        return 0;           /* no robust futex cleanup at thread death */
    case NR_rseq:
        return -ENOSYS;
    case NR_futex:
        return do_futex(a0, a1, a2, a3, a4, a5);

    /* ---- signals ---- */
    case NR_kill:
        return SYS(SYS_kill, a0, a1);
    case NR_tkill:
        return SYS(SYS_tkill, a0, a1);
    case NR_tgkill:
        return SYS(SYS_tgkill, a0, a1, a2);
    case NR_rt_sigaction:
        return do_rt_sigaction(a0, a1, a2, a3);
    case NR_rt_sigprocmask:
        return do_rt_sigprocmask(ts, a0, a1, a2, a3);
    case NR_rt_sigpending:
        return do_rt_sigpending(ts, a0, a1);
    case NR_rt_sigsuspend:
        return do_rt_sigsuspend(ts, a0, a1);
    case NR_rt_sigtimedwait:
        return do_rt_sigtimedwait(ts, a0, a1, a2, a3);
    case NR_sigaltstack:
        return do_sigaltstack(ts, a0, a1);
    case NR_rt_sigreturn:
        return do_rt_sigreturn(ts);

    /* ---- sockets (struct layouts agree between riscv64 and x86-64) ---- */
    case NR_socket:
        return SYS(SYS_socket, a0, a1, a2);
    case NR_socketpair:
        return SYS(SYS_socketpair, a0, a1, a2, PTR(a3, 8));
    case NR_bind:
        return SYS(SYS_bind, a0, PTR(a1, a2), a2);
    case NR_connect:
        return SYS(SYS_connect, a0, PTR(a1, a2), a2);
    case NR_listen:
        return SYS(SYS_listen, a0, a1);
    case NR_accept: case NR_accept4: case NR_getsockname: case NR_getpeername: {
        socklen_t len;
        int64_t r = sock_addr_len(a1, a2, &len);
        int sysno = nr == NR_accept ? SYS_accept : nr == NR_accept4 ? SYS_accept4 :
                    nr == NR_getsockname ? SYS_getsockname : SYS_getpeername;
        if (r < 0) {
            return r;
        }
        return SYS(sysno, a0, PTR(a1, len), PTR(a2, 4), a3);
    }
    case NR_sendto:
        return SYS(SYS_sendto, a0, PTR(a1, a2), a2, a3, PTR(a4, a5), a5);
    case NR_recvfrom: {
        socklen_t len;
        int64_t r = sock_addr_len(a4, a5, &len);
        if (r < 0) {
            return r;
        }
        return SYS(SYS_recvfrom, a0, PTR(a1, a2), a2, a3, PTR(a4, len), PTR(a5, 4));
    }
    case NR_setsockopt:
        return SYS(SYS_setsockopt, a0, a1, a2, PTR(a3, a4), a4);
    case NR_getsockopt: {
        socklen_t len;
        int64_t r = sock_addr_len(a3, a4, &len);
        if (r < 0) {
            return r;
        }
        return SYS(SYS_getsockopt, a0, a1, a2, PTR(a3, len), PTR(a4, 4));
    }
    case NR_shutdown:
        return SYS(SYS_shutdown, a0, a1);
    case NR_sendmsg:
        return do_msg(true, a0, a1, a2);
    case NR_recvmsg:
        return do_msg(false, a0, a1, a2);

    default:
        tern_log_mask(LOG_UNIMP, "unsupported system call %" PRIu64 " (%s)\n", nr,
                      syscall_name(nr) ? syscall_name(nr) : "unknown");
        return -ENOSYS;
    }
}

int64_t do_syscall(TernThread *ts, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                   uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
    bool noreturn = nr == NR_exit || nr == NR_exit_group || nr == NR_execve;
    int64_t ret;

    if (user_opts.strace && noreturn) {
        strace_print(nr, args, TERN_NORETURN_A0);
    }
    ret = dispatch(ts, nr, a0, a1, a2, a3, a4, a5);
    if (ret == -EINTR && nr != NR_rt_sigsuspend && nr != NR_rt_sigtimedwait) {
        if (signal_restart_syscall(ts, restart_only_without_handler(nr))) {
            ret = -TERN_ERESTARTSYS;
        }
    }
    if (user_opts.strace && nr != NR_rt_sigreturn && ret != -TERN_ERESTARTSYS) {
        strace_print(nr, args, ret);
    }
    return ret;
}
