/*
 * Code written at run time (a JIT): instructions stored into a buffer, run,
 * then replaced and run again must execute the new instructions after each
 * of the ways a program makes them visible: fence.i, the riscv_flush_icache
 * system call (__builtin___clear_cache), mprotect of a W^X buffer, and a
 * new mapping over the old one. Also a plain store with no fence (QEMU and
 * Tern both catch writes to pages holding translated code).
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

typedef long (*fn_t)(void);

/* addi a0, zero, v; ret */
static void emit_ret(uint32_t *p, int v)
{
    p[0] = 0x00000513u | ((uint32_t)(v & 0xfff) << 20);
    p[1] = 0x00008067u;
}

static long call(void *p)
{
    return ((fn_t)p)();
}

/* one page RWX: store, then make it visible the way `how` says */
static void rwx(const char *how)
{
    uint32_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long a, b, c;

    CHECK(p != MAP_FAILED);
    emit_ret(p, 1);
    __builtin___clear_cache((char *)p, (char *)(p + 2));
    a = call(p);
    for (int round = 2; round <= 3; round++) {
        emit_ret(p, round);
        if (!strcmp(how, "fence.i")) {
            __asm__ volatile("fence.i" ::: "memory");
        } else if (!strcmp(how, "flush_icache")) {
            __builtin___clear_cache((char *)p, (char *)(p + 2));
        } else {
            __asm__ volatile("" ::: "memory");      /* nothing: a plain store */
        }
        if (round == 2) {
            b = call(p);
        } else {
            c = call(p);
        }
    }
    printf("rwx %-12s %ld %ld %ld\n", how, a, b, c);
    CHECK(a == 1 && b == 2 && c == 3);
    munmap(p, 4096);
}

/* W^X: write while RW, run while RX (no fence: mprotect must do it) */
static void wx(void)
{
    uint32_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long a, b;

    CHECK(p != MAP_FAILED);
    emit_ret(p, 4);
    CHECK(mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0);
    a = call(p);
    CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
    emit_ret(p, 5);
    CHECK(mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0);
    b = call(p);
    printf("w^x mprotect %ld %ld\n", a, b);
    CHECK(a == 4 && b == 5);
    munmap(p, 4096);
}

/* a new mapping at the same address: its code, not the old one's */
static void remap(void)
{
    uint32_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;
    long a, b, c;

    CHECK(p != MAP_FAILED);
    emit_ret(p, 6);
    a = call(p);
    q = mmap(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p);
    emit_ret(q, 7);
    b = call(q);
    munmap(q, 4096);
    q = mmap(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == p);
    emit_ret(q, 8);
    c = call(q);
    printf("remap %ld %ld %ld\n", a, b, c);
    CHECK(a == 6 && b == 7 && c == 8);
    munmap(q, 4096);
}

/* a system call writes new code into a code page (read() from a pipe) */
static void syscall_write(void)
{
    uint32_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint32_t code[2];
    int fds[2];
    long a, b;

    CHECK(p != MAP_FAILED && pipe(fds) == 0);
    emit_ret(p, 9);
    a = call(p);
    emit_ret(code, 10);
    CHECK(write(fds[1], code, sizeof(code)) == sizeof(code));
    CHECK(read(fds[0], p, sizeof(code)) == sizeof(code));
    __asm__ volatile("fence.i" ::: "memory");
    b = call(p);
    printf("read() into code %ld %ld\n", a, b);
    CHECK(a == 9 && b == 10);
    /* a structure the system call layer copies out (fstat) into the page */
    CHECK(fstat(fds[0], (struct stat *)(p + 128)) == 0);
    CHECK(S_ISFIFO(((struct stat *)(p + 128))->st_mode));
    close(fds[0]);
    close(fds[1]);
    munmap(p, 4096);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    rwx("fence.i");
    rwx("flush_icache");
    rwx("store");
    wx();
    remap();
    syscall_write();
    return finish();
}
