/*
 * The guest side of options-test.py: shows what tern-riscv64's options gave
 * the program. One fixed write(1, ...) for -strace to find, argv, the
 * variables named on the command line, and one system call number Linux does
 * not have (for -d unimp; it must fail with ENOSYS).
 *   options [VAR...]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

#define NO_SUCH_SYSCALL 999
static const char hello[] = "options: hello\n";

int main(int argc, char **argv)
{
    long r;

    if (write(1, hello, sizeof(hello) - 1) != sizeof(hello) - 1) {
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    for (int i = 1; i < argc; i++) {
        const char *v = getenv(argv[i]);
        printf("env %s=%s\n", argv[i], v ? v : "(unset)");
    }
    errno = 0;
    r = syscall(NO_SUCH_SYSCALL);
    printf("syscall %d: %ld errno %d%s\n", NO_SUCH_SYSCALL, r, errno,
           r == -1 && errno == ENOSYS ? " (ENOSYS)" : "");
    return 0;
}
