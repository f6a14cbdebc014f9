/* fork, execve of the program itself, wait4 status, vfork, and a pipe
 * between parent and child. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv)
{
    int fds[2], status;
    pid_t pid;
    char buf[64] = { 0 };

    if (argc > 1 && !strcmp(argv[1], "child")) {
        printf("child running %s with %d args\n", argv[2], argc);
        fflush(stdout);
        return 42;
    }
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        CHECK(write(fds[1], "from child", 10) == 10);
        _exit(failures ? 1 : 7);
    }
    CHECK(pid > 0);
    close(fds[1]);
    CHECK(read(fds[0], buf, sizeof(buf)) == 10);
    printf("parent read '%s'\n", buf);
    CHECK(!strcmp(buf, "from child"));
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    close(fds[0]);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *args[] = { argv[0], "child", "exec-arg", NULL };
        execv("/proc/self/exe", args);
        perror("execv");
        _exit(99);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    printf("exec child exit status %d\n", WEXITSTATUS(status));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);

    pid = vfork();
    if (pid == 0) {
        _exit(5);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 5);

    /* a child killed by a signal */
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    CHECK(kill(pid, SIGTERM) == 0);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    printf("killed child: signal %d\n", WTERMSIG(status));
    return finish();
}
