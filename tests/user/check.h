/* Self-checks for the linux-user test programs: each prints what it saw
 * (deterministic text, compared with qemu-riscv64's run) and PASS/FAILED. */
#ifndef TESTS_USER_CHECK_H
#define TESTS_USER_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK(cond) do {                                                   \
        if (!(cond)) {                                                     \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static inline int finish(void)
{
    if (failures) {
        printf("FAILED %d check(s)\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}

#endif
