/*
 * /proc/self/maps describes the guest's own address space (as on a riscv64
 * kernel, and as qemu-riscv64 emulates it): the line holding a stack
 * variable is the writable [stack], the one holding main is executable, and
 * glibc's pthread_getattr_np, which reads the file to find the main
 * thread's stack, gives a range holding that variable.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "check.h"

/* The perms and name of the /proc/self/maps line holding addr (0 if none). */
static int find(uintptr_t addr, char perms[5], char *name, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;

    if (!f) {
        return 0;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        int n = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &lo, &hi, perms, &n) >= 3 &&
            lo <= addr && addr < hi) {
            found = 1;
            snprintf(name, len, "%s", n ? line + n : "");
            name[strcspn(name, "\n")] = 0;
        }
    }
    fclose(f);
    return found;
}

int main(void)
{
    int local = 1;
    char perms[5], name[256];
    pthread_attr_t attr;
    void *addr;
    size_t size;

    CHECK(find((uintptr_t)&local, perms, name, sizeof(name)));
    printf("stack variable: %s %s\n", perms, name);
    CHECK(!strncmp(perms, "rw", 2) && !strcmp(name, "[stack]"));
    CHECK(find((uintptr_t)main, perms, name, sizeof(name)));
    printf("main: %.3s\n", perms);
    CHECK(!strncmp(perms, "r-x", 3));

    CHECK(pthread_getattr_np(pthread_self(), &attr) == 0);
    CHECK(pthread_attr_getstack(&attr, &addr, &size) == 0);
    printf("main thread stack holds a local variable: %s\n",
           (uintptr_t)&local - (uintptr_t)addr < size ? "yes" : "no");
    CHECK((uintptr_t)&local - (uintptr_t)addr < size);
    return finish();
}
