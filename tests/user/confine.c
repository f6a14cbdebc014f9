/*
 * Guest addresses outside the guest's address space (at and above 2^38 on
 * Tern, including ones that would land on host memory with a naive
 * guest_base + addr) must raise a guest SIGSEGV with si_addr inside the
 * access, never reach host memory or crash the emulator.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include "check.h"

static sigjmp_buf jb;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
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
    return finish();
}
