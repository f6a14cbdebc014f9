/*
 * Guest addresses outside the guest's address space (at and above 2^38 on
 * Tern, including ones that would land on host memory with a naive
 * guest_base + addr) must raise a guest SIGSEGV with si_addr inside the
 * access, never reach host memory or crash the emulator. Also through a
 * base register and an offset, after an access through the same base
 * (Tern checks the base once and relies on guard pages for the offset).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include "check.h"

static sigjmp_buf jb;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

/* ld 0(base), then ld off(base), in one block; returns 1 if it faulted */
#define TWO_LOADS(name, off)                                                 \
    static int name(uintptr_t base)                                          \
    {                                                                        \
        long r;                                                              \
        if (sigsetjmp(jb, 1)) {                                              \
            return 1;                                                        \
        }                                                                    \
        __asm__ volatile("ld %0, 0(%1)\n\tld %0, " #off "(%1)"             \
                         : "=&r"(r) : "r"(base) : "memory");                 \
        return 0;                                                            \
    }
TWO_LOADS(past_end, 16)
TWO_LOADS(past_start, -32)

/* sd off(base) as the first access through base */
static int store_below(uintptr_t base)
{
    if (sigsetjmp(jb, 1)) {
        return 1;
    }
    __asm__ volatile("sd %0, -16(%0)" : : "r"(base) : "memory");
    return 0;
}

static void offsets(void)
{
    const uintptr_t top = 1ull << 38;
    /* the last page below 2^38: Tern's stack ends there, else map it */
    void *p = mmap((void *)(top - 4096), 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    int f;

    CHECK(p == (void *)(top - 4096) || p == MAP_FAILED);
    fault_addr = 0;
    f = past_end(top - 8);
    printf("ld 16(2^38 - 8) after ld 0(2^38 - 8): %s\n", f ? "SIGSEGV" : "no fault");
    CHECK(f && fault_addr == top + 8);

    /* the lowest page a process can map (64 KiB): a static program's own */
    p = mmap((void *)0x10000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
             -1, 0);
    CHECK(p == (void *)0x10000 || errno == EEXIST);
    fault_addr = 0;
    f = past_start(0x10010);
    printf("ld -32(0x10010) after ld 0(0x10010): %s\n", f ? "SIGSEGV" : "no fault");
    CHECK(f && fault_addr == 0xfff0);

    fault_addr = 0;
    f = store_below(8);
    printf("sd -16(8): %s\n", f ? "SIGSEGV" : "no fault");
    CHECK(f && fault_addr == (uintptr_t)-8);
}

int main(void)
{
    static const uint64_t addrs[] = {
        1ull << 38, (1ull << 38) - 4, 1ull << 40, 0x7fffffff0000ull,
        0xffffffffffff0000ull, 1ull << 63,
    };
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };

    sigaction(SIGSEGV, &sa, 0);
    for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addrs[i];
        int faulted = 0;

        fault_addr = 0;
        if (sigsetjmp(jb, 1) == 0) {
            if (i & 1) {
                *p = 0x4141414141414141ull;     /* store */
            } else {
                (void)*p;                        /* load */
            }
        } else {
            faulted = 1;
        }
        printf("%s at %#llx: %s\n", (i & 1) ? "store" : "load",
               (unsigned long long)addrs[i], faulted ? "SIGSEGV" : "no fault");
        CHECK(faulted);
        /* the kernel reports the faulting byte: the start, or the first byte past a page end */
        CHECK(fault_addr >= addrs[i] && fault_addr < addrs[i] + 8);
    }
    offsets();
    return finish();
}
