/*
 * A fault inside an atomic (AMO, LR) instruction on unmapped or read-only
 * memory: the SIGSEGV handler sees the pc of that instruction itself
 * (uc_mcontext), not of an earlier one, and si_addr is the address
 * accessed. A misaligned AMO raises SIGBUS with the same precise pc.
 * Registers set just before the faulting AMO reach the handler's context.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

static sigjmp_buf jb;
static volatile uintptr_t fault_pc, fault_addr;
static volatile int fault_sig, fault_code;
static volatile unsigned long fault_a3, fault_a4, fault_a5;

static void handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;

    fault_sig = sig;
    fault_code = si->si_code;
    fault_pc = uc->uc_mcontext.__gregs[REG_PC];
    fault_addr = (uintptr_t)si->si_addr;
    fault_a3 = uc->uc_mcontext.__gregs[13];
    fault_a4 = uc->uc_mcontext.__gregs[14];
    fault_a5 = uc->uc_mcontext.__gregs[15];
    siglongjmp(jb, 1);
}

/*
 * Each probe runs a few ordinary instructions first (so the TB starts well
 * before the atomic one) and exports the atomic instruction's address.
 */
#define PROBE(name, insn)                                                  \
    extern const char name##_pc[];                                         \
    static __attribute__((noinline)) long name(uintptr_t addr)            \
    {                                                                      \
        long r = 0;                                                        \
        __asm__ volatile("addi %0, %0, 1\n\t"                              \
                         "addi %0, %0, 2\n\t"                              \
                         "xori %0, %0, 5\n\t"                              \
                         ".globl " #name "_pc\n"                           \
                         #name "_pc:\n\t"                                  \
                         insn "\n\t"                                       \
                         "addi %0, %0, 7\n\t"                              \
                         : "+r"(r) : "r"(addr), "r"(3L) : "memory");       \
        return r;                                                          \
    }

PROBE(amoadd_w, "amoadd.w %0, %2, (%1)")
PROBE(amoswap_d, "amoswap.d %0, %2, (%1)")
PROBE(amoor_d, "amoor.d %0, %2, (%1)")
PROBE(amomaxu_w, "amomaxu.w %0, %2, (%1)")
PROBE(lr_d, "lr.d %0, (%1)")
PROBE(lr_w, "lr.w %0, (%1)")

/* a3..a5 written in the same block as the AMO, right before it */
extern const char amo_regs_pc[];
static __attribute__((noinline)) long amo_regs(uintptr_t addr)
{
    __asm__ volatile("li a3, 0x1234\n\t"
                     "li a4, 0x5678\n\t"
                     "addi a5, a3, 1\n\t"
                     ".globl amo_regs_pc\n"
                     "amo_regs_pc:\n\t"
                     "amoadd.d t0, a4, (%0)\n\t"
                     : : "r"(addr) : "a3", "a4", "a5", "t0", "memory");
    return 0;
}

static void expect_fault(const char *name, long (*fn)(uintptr_t), const char *pc,
                         uintptr_t addr, int sig, int code)
{
    fault_sig = 0;
    fault_pc = fault_addr = 0;
    if (sigsetjmp(jb, 1) == 0) {
        fn(addr);
        printf("%s: no fault\n", name);
        CHECK(0);
        return;
    }
    printf("%-10s sig %d code %d pc %s addr %s\n", name, fault_sig, fault_code,
           fault_pc == (uintptr_t)pc ? "exact" : "WRONG",
           fault_addr == addr ? "exact" : "WRONG");
    if (fault_pc != (uintptr_t)pc) {
        printf("  pc %#lx, expected %#lx\n", (unsigned long)fault_pc, (unsigned long)pc);
    }
    CHECK(fault_sig == sig && fault_code == code);
    CHECK(fault_pc == (uintptr_t)pc);
    CHECK(fault_addr == addr);
}

int main(void)
{
    struct sigaction sa;
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t unmapped = (uintptr_t)p + 8, readonly = (uintptr_t)p + 4096 + 16;

    setvbuf(stdout, NULL, _IONBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    CHECK(p != MAP_FAILED);
    CHECK(munmap(p, 4096) == 0);
    CHECK(mprotect(p + 4096, 4096, PROT_READ) == 0);

    expect_fault("amoadd.w", amoadd_w, amoadd_w_pc, unmapped, SIGSEGV, SEGV_MAPERR);
    expect_fault("amoswap.d", amoswap_d, amoswap_d_pc, unmapped, SIGSEGV, SEGV_MAPERR);
    expect_fault("amoor.d", amoor_d, amoor_d_pc, readonly, SIGSEGV, SEGV_ACCERR);
    expect_fault("amomaxu.w", amomaxu_w, amomaxu_w_pc, readonly + 4, SIGSEGV, SEGV_ACCERR);
    expect_fault("lr.d", lr_d, lr_d_pc, unmapped + 8, SIGSEGV, SEGV_MAPERR);
    expect_fault("lr.w", lr_w, lr_w_pc, unmapped, SIGSEGV, SEGV_MAPERR);
    expect_fault("amoadd.w+2", amoadd_w, amoadd_w_pc, (uintptr_t)p + 2 * 4096 + 2, SIGBUS,
                 BUS_ADRALN);
    expect_fault("amo+regs", amo_regs, amo_regs_pc, unmapped, SIGSEGV, SEGV_MAPERR);
    printf("registers at the fault: a3 %#lx a4 %#lx a5 %#lx\n", fault_a3, fault_a4, fault_a5);
    CHECK(fault_a3 == 0x1234 && fault_a4 == 0x5678 && fault_a5 == 0x1235);
    /* still working afterwards: the same instructions on good memory */
    {
        uintptr_t good = (uintptr_t)p + 2 * 4096;
        long r = amoadd_w(good);
        printf("amoadd.w on good memory: %ld, memory %d\n", r, *(int *)good);
        CHECK(*(int *)good == 3);
    }
    return finish();
}
