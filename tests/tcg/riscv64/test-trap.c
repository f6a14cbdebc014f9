/* Exceptions and interrupts: ecall causes, delegation to S, vectored mtvec,
 * interrupt priority, ACLINT timer and software interrupts, Sstc, WFI. */
#include "test.h"

#define MSIP ((volatile uint32_t *)0x2000000)
#define MTIMECMP ((volatile uint64_t *)0x2004000)
#define MTIME ((volatile uint64_t *)0x200bff8)
#define IRQ(n) (0x8000000000000000ull | (n))

static int order[8], norder;

static bool irq_hook(Frame *f, uint64_t cause, uint64_t tval, int mode)
{
    if ((int64_t)cause >= 0) {
        return false;
    }
    if (norder < 8) {
        order[norder++] = cause & 63;
    }
    switch (cause & 63) {
    case 1:                                      /* SSIP */
        if (mode == PRV_M) {
            csr_clear(mip, 2);
        } else {
            csr_clear(sip, 2);
        }
        break;
    case 3: *MSIP = 0; break;
    case 5: csr_write(stimecmp, -1); break;      /* Sstc: a new compare value clears STIP */
    case 7: *MTIMECMP = -1; break;
    }
    return true;
}

static long do_ecall(long arg) { __asm__ volatile("ecall" ::: "memory"); return 0; }
static long do_illegal(long arg) { __asm__ volatile(".4byte 0xffffffff"); return 0; }

static void check_ecall_and_delegation(void)
{
    CHECK_TRAP(run_in_mode(PRV_U, do_ecall, 0), 8, 0);
    CHECK_TRAP(run_in_mode(PRV_S, do_ecall, 0), 9, 0);
    CHECK_TRAP(do_ecall(0), 11, 0);
    CHECK_EQ(last_trap.mode, PRV_M);

    csr_write(stvec, (uint64_t)s_trap_entry);
    csr_write(medeleg, 1 << 2 | 1 << 8);
    CHECK_TRAP(run_in_mode(PRV_S, do_illegal, 0), 2, 0xffffffff);
    CHECK_EQ(last_trap.mode, PRV_S);            /* delegated: taken in S */
    CHECK_TRAP(run_in_mode(PRV_U, do_ecall, 0), 8, 0);
    CHECK_EQ(last_trap.mode, PRV_S);
    CHECK_TRAP(do_illegal(0), 2, 0xffffffff);
    CHECK_EQ(last_trap.mode, PRV_M);            /* traps in M never go down (3.1.8) */
    csr_write(medeleg, 0);
}

/* mtvec vector table: each slot notes its index in mscratch, then the common entry. */
__asm__(".option push\n.option norvc\n.align 8\n"
        "vec_table:\n"
        ".irp i, 0,1,2,3,4,5,6,7,8,9,10,11\n"
        "j vec_\\i\n"
        ".endr\n"
        ".irp i, 0,1,2,3,4,5,6,7,8,9,10,11\n"
        "vec_\\i: csrwi mscratch, \\i\n j m_trap_entry\n"
        ".endr\n"
        ".option pop\n");
extern char vec_table[];

static void wait_for(int count)
{
    for (int i = 0; i < 1000000 && last_trap.count < count; i++) {
        __asm__ volatile("wfi");
    }
    CHECK_EQ(last_trap.count, count);
}

/* In S mode: enable S interrupts and wait until count traps have been taken. */
static long s_enable_and_wait(long count)
{
    csr_set(sstatus, MSTATUS_SIE);
    for (int i = 0; i < 1000000 && last_trap.count < count; i++) {
        __asm__ volatile("nop");
    }
    csr_clear(sstatus, MSTATUS_SIE);
    return 0;
}

static void check_vectored_and_priority(void)
{
    trap_hook = irq_hook;
    csr_write(mtvec, (uint64_t)vec_table | 1);
    csr_write(mscratch, 99);
    /* exceptions still use the base */
    CHECK_TRAP(do_ecall(0), 11, 0);
    CHECK_EQ(csr_read(mscratch), 0);
    /* M software interrupt through the ACLINT: vector 3 */
    csr_write(mie, 1 << 3);
    *MSIP = 1;
    int n = last_trap.count;
    csr_set(mstatus, MSTATUS_MIE);
    wait_for(n + 1);
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK_EQ(last_trap.cause, IRQ(3));
    CHECK_EQ(csr_read(mscratch), 3);
    /*
     * Priority (3.1.9): an interrupt for M is taken before one for S. (Within
     * one mode the spec orders MEI, MSI, MTI, SEI, SSI, STI; QEMU 7.2 without
     * AIA takes the lowest number first, so that order is not checked here.)
     */
    norder = 0;
    csr_write(mideleg, 1 << 1);
    csr_write(mie, 1 << 3 | 1 << 1);
    csr_write(stvec, (uint64_t)s_trap_entry);
    csr_set(mip, 2);
    *MSIP = 1;
    n = last_trap.count;
    run_in_mode(PRV_S, s_enable_and_wait, n + 2);
    CHECK_EQ(norder, 2);
    CHECK_EQ(order[0], 3);
    CHECK_EQ(order[1], 1);
    CHECK_EQ(last_trap.mode, PRV_S);
    csr_write(mideleg, 0);
    /* WFI wakes on a pending enabled interrupt even with MIE = 0, without a trap */
    csr_clear(mstatus, MSTATUS_MIE);
    csr_write(mie, 1 << 3);
    *MSIP = 1;
    CHECK_NO_TRAP(__asm__ volatile("wfi"));
    *MSIP = 0;
    csr_write(mtvec, (uint64_t)m_trap_entry);
}

static void check_machine_timer(void)
{
    csr_write(mie, 1 << 7);
    *MTIMECMP = *MTIME + 1000;
    int n = last_trap.count;
    csr_set(mstatus, MSTATUS_MIE);
    wait_for(n + 1);
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK_EQ(last_trap.cause, IRQ(7));
    CHECK(*MTIME >= 1000);
    csr_write(mie, 0);
}

/* S mode: arm stimecmp and sleep until the S timer interrupt (delegated) arrives. */
static long s_timer(long count)
{
    uint64_t now = csr_read(time);
    csr_write(stimecmp, now + 2000);
    csr_set(sstatus, MSTATUS_SIE);
    for (int i = 0; i < 1000000 && last_trap.count < count; i++) {
        __asm__ volatile("wfi");
    }
    csr_clear(sstatus, MSTATUS_SIE);
    return csr_read(time) - now;
}

static void check_sstc(void)
{
    csr_write(menvcfg, 1ull << 63);         /* STCE */
    csr_write(mcounteren, 2);               /* TM: S may use time and stimecmp */
    csr_write(mideleg, 1 << 5);
    csr_write(mie, 1 << 5);
    csr_write(stvec, (uint64_t)s_trap_entry);
    int n = last_trap.count;
    long waited = run_in_mode(PRV_S, s_timer, n + 1);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(last_trap.cause, IRQ(5));
    CHECK_EQ(last_trap.mode, PRV_S);
    CHECK(waited >= 2000);
    /* STIP follows the comparison: pending for a past value, clear for a future one */
    csr_write(stimecmp, 0);
    CHECK(csr_read(mip) & (1 << 5));
    csr_write(stimecmp, -1);
    CHECK_EQ(csr_read(mip) & (1 << 5), 0);
    csr_write(mie, 0);
    csr_write(mideleg, 0);
}

int main(void)
{
    check_ecall_and_delegation();
    check_vectored_and_priority();
    check_machine_timer();
    check_sstc();
    return 0;
}
