/*
 * Guest registers at a fault: the signal frame of a SIGSEGV from a load must
 * hold every register's value at the faulting instruction, and registers the
 * handler changes in the frame must be the ones execution resumes with.
 * Tern keeps some guest registers in host registers across blocks (pinned
 * globals), and others there until the end of a block (values the block
 * overwrites later are never written back), so this covers the copy from
 * the host context (a fault in translated code) and from the slow path (an
 * address outside the guest's space), for pinned and unpinned registers,
 * and values that live on after the fault or are overwritten; also for
 * floating point registers the block computed (Tern keeps them in host xmm
 * registers) and overwrites after the load.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include "check.h"

#define MAGIC(r) (0x1111111111111111ull * (r))

static volatile int faults, regs_ok, check_fp;
/* the registers the faulting code set to MAGIC(x) */
static const int all_regs[] = { 5, 8, 9, 10, 11, 12, 13, 14, 15 }, t0_only[] = { 5 };
static const int *regs;
static unsigned nb_regs;

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    unsigned long *g = uc->uc_mcontext.__gregs;

    regs_ok = 1;
    for (unsigned i = 0; i < nb_regs; i++) {
        if (g[regs[i]] != MAGIC(regs[i] % 16)) {
            printf("x%d = %#lx at the fault, want %#llx\n", regs[i], g[regs[i]],
                   MAGIC(regs[i] % 16));
            regs_ok = 0;
        }
    }
    if (check_fp) {
        static const double want[] = { 1.5, 0.75, 2.25 };     /* fa1..fa3 */
        for (int i = 0; i < 3; i++) {
            unsigned long long w;
            memcpy(&w, &want[i], 8);
            if (uc->uc_mcontext.__fpregs.__d.__f[11 + i] != w) {
                printf("fa%d = %#llx at the fault, want %#llx\n", 1 + i,
                       uc->uc_mcontext.__fpregs.__d.__f[11 + i], w);
                regs_ok = 0;
            }
        }
    }
    faults++;
    g[0] += 4;                  /* skip the load (4-byte ld) */
    g[14] = 0xa4a4;             /* a4 after the handler */
    g[9] = 0x5959;              /* s1 after the handler */
}

/*
 * Only t0 set, to a value the block overwrites after the load: with no
 * pressure on host registers it stays in one, never written back.
 */
static void fault_t0(uint64_t addr)
{
    __asm__ volatile("mv t1, %0\n li t0, %[m5]\n"
                     ".option push\n .option norvc\n ld t2, 0(t1)\n .option pop\n"
                     "li t0, 0" : : "r"(addr), [m5] "i"(MAGIC(5)) : "t0", "t1", "t2", "memory");
}

/* Load from addr with the registers set to MAGIC; returns a4 + s1 after. */
static uint64_t fault_at(uint64_t addr)
{
    register uint64_t a0 __asm__("a0") = addr;
    uint64_t a4, s1;

    __asm__ volatile(
        "mv t1, a0\n"
        "li t0, %[m5]\n li s0, %[m8]\n li s1, %[m9]\n li a0, %[m10]\n"
        "li a1, %[m11]\n li a2, %[m12]\n li a3, %[m13]\n li a4, %[m14]\n li a5, %[m15]\n"
        ".option push\n .option norvc\n"
        "ld t2, 0(t1)\n"
        ".option pop\n"
        "mv %[a4], a4\n mv %[s1], s1\n"
        /* t0, a1 and a2 held values the rest of the block never needs */
        "li t0, 0\n li a1, 0\n li a2, 0\n"
        : [a4] "=r"(a4), [s1] "=r"(s1), "+r"(a0)
        : [m5] "i"(MAGIC(5)), [m8] "i"(MAGIC(8)), [m9] "i"(MAGIC(9)), [m10] "i"(MAGIC(10)),
          [m11] "i"(MAGIC(11)), [m12] "i"(MAGIC(12)), [m13] "i"(MAGIC(13)),
          [m14] "i"(MAGIC(14)), [m15] "i"(MAGIC(15))
        : "t0", "t1", "t2", "s0", "s1", "a1", "a2", "a3", "a4", "a5", "memory");
    return a4 + s1;
}

/* fa1..fa3 computed before the load and overwritten after it */
static void fault_fp(uint64_t addr, double one, double half)
{
    __asm__ volatile("mv t1, %0\n"
                     "fadd.d fa1, %1, %2\n fmul.d fa2, fa1, %2\n fadd.d fa3, fa1, fa2\n"
                     ".option push\n .option norvc\n ld t2, 0(t1)\n .option pop\n"
                     "fmv.d.x fa1, zero\n fmv.d.x fa2, zero\n fmv.d.x fa3, zero"
                     : : "r"(addr), "f"(one), "f"(half)
                     : "t1", "t2", "s1", "a4", "fa1", "fa2", "fa3", "memory");
}

int main(void)
{
    struct sigaction sa;
    static const uint64_t addrs[] = {
        0x1234,                 /* unmapped, inside the guest's space */
        1ull << 40,             /* outside Tern's guest space: the slow path */
    };

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
    for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        uint64_t after;

        regs = all_regs;
        nb_regs = sizeof(all_regs) / sizeof(all_regs[0]);
        after = fault_at(addrs[i]);
        printf("fault %u: registers %s, after the handler a4+s1 = %#llx\n", i,
               regs_ok ? "as set" : "WRONG", (unsigned long long)after);
        CHECK(regs_ok);
        CHECK(after == 0xa4a4 + 0x5959);
        regs = t0_only;
        nb_regs = 1;
        fault_t0(addrs[i]);
        printf("fault %u: t0 %s\n", i, regs_ok ? "as set" : "WRONG");
        CHECK(regs_ok);
        nb_regs = 0;
        check_fp = 1;
        fault_fp(addrs[i], 1.0, 0.5);
        check_fp = 0;
        printf("fault %u: fa1..fa3 %s\n", i, regs_ok ? "as set" : "WRONG");
        CHECK(regs_ok);
    }
    CHECK(faults == 6);
    return finish();
}
