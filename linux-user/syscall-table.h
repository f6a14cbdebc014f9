/*
 * The riscv64 Linux system calls Tern knows (asm-generic numbers,
 * include/uapi/asm-generic/unistd.h, plus the RISC-V ones): number, name,
 * and how -strace prints the arguments (d: decimal, x: hex, s: string,
 * p: pointer, o: octal).
 */
#ifndef LINUX_USER_SYSCALL_TABLE_H
#define LINUX_USER_SYSCALL_TABLE_H

#define SYSCALL_LIST(X) \
    X(17, getcwd, "pd") \
    X(19, eventfd2, "dx") \
    X(20, epoll_create1, "x") \
    X(21, epoll_ctl, "dddp") \
    X(22, epoll_pwait, "dpddpd") \
    X(23, dup, "d") \
    X(24, dup3, "ddx") \
    X(25, fcntl, "ddx") \
    X(29, ioctl, "dxx") \
    X(32, flock, "dx") \
    X(33, mknodat, "dsox") \
    X(34, mkdirat, "dso") \
    X(35, unlinkat, "dsx") \
    X(36, symlinkat, "sds") \
    X(37, linkat, "dsdsx") \
    X(43, statfs, "sp") \
    X(44, fstatfs, "dp") \
    X(45, truncate, "sd") \
    X(46, ftruncate, "dd") \
    X(47, fallocate, "dxdd") \
    X(48, faccessat, "dso") \
    X(49, chdir, "s") \
    X(50, fchdir, "d") \
    X(51, chroot, "s") \
    X(52, fchmod, "do") \
    X(53, fchmodat, "dso") \
    X(54, fchownat, "dsddx") \
    X(55, fchown, "ddd") \
    X(56, openat, "dsxo") \
    X(57, close, "d") \
    X(59, pipe2, "px") \
    X(61, getdents64, "dpd") \
    X(62, lseek, "ddd") \
    X(63, read, "dpd") \
    X(64, write, "dpd") \
    X(65, readv, "dpd") \
    X(66, writev, "dpd") \
    X(67, pread64, "dpdd") \
    X(68, pwrite64, "dpdd") \
    X(69, preadv, "dpdd") \
    X(70, pwritev, "dpdd") \
    X(71, sendfile, "ddpd") \
    X(72, pselect6, "dppppp") \
    X(73, ppoll, "pdppd") \
    X(78, readlinkat, "dspd") \
    X(79, newfstatat, "dspx") \
    X(80, fstat, "dp") \
    X(81, sync, "") \
    X(82, fsync, "d") \
    X(83, fdatasync, "d") \
    X(85, timerfd_create, "dx") \
    X(86, timerfd_settime, "dxpp") \
    X(87, timerfd_gettime, "dp") \
    X(88, utimensat, "dspx") \
    X(93, exit, "d") \
    X(94, exit_group, "d") \
    X(95, waitid, "ddpxp") \
    X(96, set_tid_address, "p") \
    X(98, futex, "pxdpxd") \
    X(99, set_robust_list, "pd") \
    X(101, nanosleep, "pp") \
    X(102, getitimer, "dp") \
    X(103, setitimer, "dpp") \
    X(113, clock_gettime, "dp") \
    X(114, clock_getres, "dp") \
    X(115, clock_nanosleep, "dxpp") \
    X(122, sched_setaffinity, "ddp") \
    X(123, sched_getaffinity, "ddp") \
    X(124, sched_yield, "") \
    X(129, kill, "dd") \
    X(130, tkill, "dd") \
    X(131, tgkill, "ddd") \
    X(132, sigaltstack, "pp") \
    X(133, rt_sigsuspend, "pd") \
    X(134, rt_sigaction, "dppd") \
    X(135, rt_sigprocmask, "dppd") \
    X(136, rt_sigpending, "pd") \
    X(137, rt_sigtimedwait, "pppd") \
    X(139, rt_sigreturn, "") \
    X(140, setpriority, "ddd") \
    X(141, getpriority, "dd") \
    X(143, setregid, "dd") \
    X(144, setgid, "d") \
    X(145, setreuid, "dd") \
    X(146, setuid, "d") \
    X(147, setresuid, "ddd") \
    X(148, getresuid, "ppp") \
    X(149, setresgid, "ddd") \
    X(150, getresgid, "ppp") \
    X(153, times, "p") \
    X(154, setpgid, "dd") \
    X(155, getpgid, "d") \
    X(156, getsid, "d") \
    X(157, setsid, "") \
    X(158, getgroups, "dp") \
    X(159, setgroups, "dp") \
    X(160, uname, "p") \
    X(163, getrlimit, "dp") \
    X(164, setrlimit, "dp") \
    X(165, getrusage, "dp") \
    X(166, umask, "o") \
    X(167, prctl, "dxxxx") \
    X(169, gettimeofday, "pp") \
    X(172, getpid, "") \
    X(173, getppid, "") \
    X(174, getuid, "") \
    X(175, geteuid, "") \
    X(176, getgid, "") \
    X(177, getegid, "") \
    X(178, gettid, "") \
    X(179, sysinfo, "p") \
    X(198, socket, "ddd") \
    X(199, socketpair, "dddp") \
    X(200, bind, "dpd") \
    X(201, listen, "dd") \
    X(202, accept, "dpp") \
    X(203, connect, "dpd") \
    X(204, getsockname, "dpp") \
    X(205, getpeername, "dpp") \
    X(206, sendto, "dpdxpd") \
    X(207, recvfrom, "dpdxpp") \
    X(208, setsockopt, "dddpd") \
    X(209, getsockopt, "dddpp") \
    X(210, shutdown, "dd") \
    X(211, sendmsg, "dpx") \
    X(212, recvmsg, "dpx") \
    X(214, brk, "p") \
    X(215, munmap, "pd") \
    X(216, mremap, "pddxp") \
    X(220, clone, "xpppp") \
    X(221, execve, "spp") \
    X(222, mmap, "pdxxdx") \
    X(226, mprotect, "pdx") \
    X(227, msync, "pdx") \
    X(228, mlock, "pd") \
    X(229, munlock, "pd") \
    X(233, madvise, "pdd") \
    X(242, accept4, "dppx") \
    X(258, riscv_hwprobe, "pddpx") \
    X(259, riscv_flush_icache, "ppx") \
    X(260, wait4, "dpxp") \
    X(261, prlimit64, "ddpp") \
    X(276, renameat2, "dsdsx") \
    X(278, getrandom, "pdx") \
    X(279, memfd_create, "sx") \
    X(283, membarrier, "dxd") \
    X(291, statx, "dsxxp") \
    X(293, rseq, "pdxx") \
    X(435, clone3, "pd") \
    X(439, faccessat2, "dsox")

#define SYSCALL_ENUM(nr, name, fmt) NR_##name = nr,
enum { SYSCALL_LIST(SYSCALL_ENUM) };
#undef SYSCALL_ENUM

#endif
