/*
 * vfork semantics a program can observe: the parent stays suspended until
 * the child has exited or exec'd (Tern forks and makes the parent wait, as
 * memory is not shared: see do_fork). Also glibc's users of
 * clone(CLONE_VM | CLONE_VFORK) on riscv64: system() and posix_spawn().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

extern char **environ;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int exit_code(pid_t pid)
{
    int st = -1;
    if (waitpid(pid, &st, 0) != pid) {
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* the child exits: its write is visible when the parent runs again */
static void vfork_exit(void)
{
    int fds[2];
    char c = 0;
    pid_t pid;
    ssize_t n;

    CHECK(pipe2(fds, O_NONBLOCK) == 0);
    pid = vfork();
    if (pid == 0) {
        usleep(200000);
        if (write(fds[1], "x", 1) != 1) {
            _exit(1);
        }
        _exit(7);
    }
    n = read(fds[0], &c, 1);    /* no waiting: the child is already gone */
    printf("vfork+_exit: parent resumed after the child's write: %s, exit %d\n",
           n == 1 && c == 'x' ? "yes" : "no", exit_code(pid));
    CHECK(n == 1 && c == 'x');
    close(fds[0]);
    close(fds[1]);
}

/* the child execs: the parent resumes at the exec, not at the program's end */
static void vfork_exec(void)
{
    double t0 = now(), t;
    pid_t pid = vfork();

    if (pid == 0) {
        char *argv[] = { "sleep", "10", NULL };
        usleep(200000);
        execve("/bin/sleep", argv, environ);
        _exit(127);
    }
    t = now() - t0;
    printf("vfork+exec: parent resumed after the exec and before the program ended: %s\n",
           t >= 0.15 && t < 8 ? "yes" : "no");
    if (!(t >= 0.15 && t < 8)) {
        printf("  resumed after %.3f s\n", t);
    }
    CHECK(t >= 0.15 && t < 8);
    kill(pid, SIGKILL);         /* the program itself is of no interest */
    printf("vfork+exec: %s\n", exit_code(pid) == 128 + SIGKILL ? "killed" : "not killed");
}

/* a failed exec does not release the parent: the child's _exit does */
static void vfork_failed_exec(void)
{
    pid_t pid = vfork();

    if (pid == 0) {
        char *argv[] = { "nothing", NULL };
        execve("/nonexistent/program", argv, environ);
        _exit(errno == ENOENT ? 42 : 1);
    }
    printf("vfork+failed exec: exit %d\n", exit_code(pid));
}

int main(void)
{
    pid_t pid;
    char *echo[] = { "echo", "from posix_spawn", NULL };
    char *sh[] = { "sh", "-c", "exit 5", NULL };
    int r;

    setvbuf(stdout, NULL, _IONBF, 0);
    vfork_exit();
    vfork_exec();
    vfork_failed_exec();

    r = system("echo from system");
    printf("system: %d\n", WIFEXITED(r) ? WEXITSTATUS(r) : -1);
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0);
    r = system("exit 3");
    printf("system exit 3: %d\n", WIFEXITED(r) ? WEXITSTATUS(r) : -1);
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 3);

    r = posix_spawn(&pid, "/bin/echo", NULL, NULL, echo, environ);
    printf("posix_spawn: %d, exit %d\n", r, r == 0 ? exit_code(pid) : -1);
    CHECK(r == 0);
    r = posix_spawnp(&pid, "sh", NULL, NULL, sh, environ);
    r = r == 0 ? exit_code(pid) : -1;
    printf("posix_spawnp sh: exit %d\n", r);
    CHECK(r == 5);
    return finish();
}
