/* Zicsr, Zicntr and the CSR access rules of privileged spec 2.1/3.1: read-only
 * and privileged CSRs, counter enables, TVM/TSR/TW, WARL fields. */
#include "test.h"

/* Encoding of "csrrs t0, csr, zero" and "csrrw zero, csr, t0" for mtval checks. */
#define CSRR_T0(csr) (((uint64_t)(csr) << 20) | (2 << 12) | (5 << 7) | 0x73)
#define CSRW_T0(csr) (((uint64_t)(csr) << 20) | (5 << 15) | (1 << 12) | 0x73)

#define READ_T0(csr) ({ long _v; __asm__ volatile("csrr t0, " #csr "\n mv %0, t0" : "=r"(_v) : : "t0"); _v; })
static long read_mstatus(long arg) { return READ_T0(mstatus); }
static long read_sstatus(long arg) { return READ_T0(sstatus); }
static long read_cycle(long arg) { return READ_T0(cycle); }
static long read_time(long arg) { return READ_T0(time); }
static long read_satp(long arg) { return READ_T0(satp); }
static long read_stimecmp(long arg) { return READ_T0(stimecmp); }
static long do_sret(long arg) { __asm__ volatile(".4byte 0x10200073"); return 0; }  /* sret */
static long do_mret(long arg) { __asm__ volatile(".4byte 0x30200073"); return 0; }  /* mret */
static long do_wfi(long arg) { __asm__ volatile("wfi"); return 0; }
static long do_sfence(long arg) { __asm__ volatile("sfence.vma"); return 0; }

static void check_ro_and_unknown(void)
{
    CHECK_EQ(csr_read(mhartid), 0);
    CHECK_TRAP(__asm__ volatile("csrw mhartid, t0"), 2, CSRW_T0(0xf14));
    CHECK_TRAP(__asm__ volatile("csrw cycle, t0"), 2, CSRW_T0(0xc00));
    /* reading a read-only CSR with csrrs/csrrc and rs1 = x0 is fine */
    CHECK_NO_TRAP(__asm__ volatile("csrrs t0, mhartid, zero" ::: "t0"));
    /* unimplemented: pmpcfg1 (odd pmpcfg on RV64), a custom CSR */
    CHECK_TRAP(__asm__ volatile("csrr t0, 0x3a1" ::: "t0"), 2, CSRR_T0(0x3a1));
    CHECK_TRAP(__asm__ volatile("csrr t0, 0x7c0" ::: "t0"), 2, CSRR_T0(0x7c0));
}

static void check_misa_and_fields(void)
{
    uint64_t misa = csr_read(misa);
    uint64_t want = 1 << ('I' - 'A') | 1 << ('M' - 'A') | 1 << ('A' - 'A') | 1 << ('F' - 'A') |
                    1 << ('D' - 'A') | 1 << ('C' - 'A') | 1 << ('S' - 'A') | 1 << ('U' - 'A');
    CHECK_EQ(misa >> 62, 2);
    CHECK_EQ(misa & want, want);
    /* mtvec: modes >= 2 are reserved (WARL: write ignored) */
    csr_write(mtvec, 0x80001001);
    CHECK_EQ(csr_read(mtvec), 0x80001001);
    csr_write(mtvec, 0x80001002);
    CHECK_EQ(csr_read(mtvec), 0x80001001);
    csr_write(mtvec, (uint64_t)m_trap_entry);
    /* satp: reserved modes are not written */
    csr_write(satp, 0);
    csr_write(satp, 1ull << 60 | 5);
    CHECK_EQ(csr_read(satp), 0);
    csr_write(satp, 11ull << 60 | 5);
    CHECK_EQ(csr_read(satp), 0);
    /* sstatus is a window on mstatus */
    csr_set(mstatus, MSTATUS_MPP);
    csr_write(sstatus, 0);
    CHECK_EQ(csr_read(mstatus) & MSTATUS_MPP, MSTATUS_MPP);
    csr_write(sstatus, MSTATUS_SUM);
    CHECK(csr_read(mstatus) & MSTATUS_SUM);
    CHECK_EQ(csr_read(mstatus) >> 32 & 0xf, 0xa);       /* UXL = SXL = 64 */
    csr_write(sstatus, 1ul << 13);                        /* keep FS on */
    /* fcsr = frm << 5 | fflags */
    csr_write(fcsr, 0xff);
    CHECK_EQ(csr_read(frm), 7);
    CHECK_EQ(csr_read(fflags), 31);
    csr_write(fcsr, 0);
    /* mip: SSIP is writable from M, MTIP is not */
    csr_set(mip, 2);
    CHECK_EQ(csr_read(mip) & 2, 2);
    CHECK_EQ(csr_read(sip) & 2, 0);                       /* not delegated: hidden from S */
    csr_clear(mip, 2);
    CHECK_EQ(csr_read(mip) & 2, 0);
    CHECK_EQ(csr_read(mhpmcounter3), 0);
    /* mcountinhibit.CY freezes mcycle (3.1.13); writes still land */
    csr_write(mcountinhibit, 1);
    uint64_t c0 = csr_read(mcycle);
    for (volatile int i = 0; i < 1000; i++) {
    }
    CHECK_EQ(csr_read(mcycle), c0);
    csr_write(mcycle, 1000);
    CHECK_EQ(csr_read(mcycle), 1000);
    csr_write(mcountinhibit, 0);
    for (volatile int i = 0; i < 1000; i++) {
    }
    CHECK(csr_read(mcycle) > 1000);
}

static void check_privilege(void)
{
    uint64_t sstatus;

    /* M CSRs from S and U */
    CHECK_TRAP(run_in_mode(PRV_S, read_mstatus, 0), 2, CSRR_T0(0x300));
    CHECK_EQ(last_trap.mode, PRV_M);
    CHECK_TRAP(run_in_mode(PRV_U, read_sstatus, 0), 2, CSRR_T0(0x100));
    CHECK_NO_TRAP(sstatus = run_in_mode(PRV_S, read_sstatus, 0));
    CHECK_EQ(sstatus & MSTATUS_SPP, csr_read(mstatus) & MSTATUS_SPP);
    /* counters: mcounteren gates S, mcounteren & scounteren gate U (3.1.11) */
    csr_write(mcounteren, 0);
    csr_write(scounteren, 0);
    CHECK_TRAP(run_in_mode(PRV_S, read_cycle, 0), 2, CSRR_T0(0xc00));
    CHECK_TRAP(run_in_mode(PRV_S, read_time, 0), 2, CSRR_T0(0xc01));
    csr_write(mcounteren, 7);
    CHECK_NO_TRAP(run_in_mode(PRV_S, read_cycle, 0));
    CHECK_TRAP(run_in_mode(PRV_U, read_cycle, 0), 2, CSRR_T0(0xc00));
    csr_write(scounteren, 7);
    CHECK_NO_TRAP(run_in_mode(PRV_U, read_cycle, 0));
    uint64_t t0 = run_in_mode(PRV_U, read_time, 0);
    for (volatile int i = 0; i < 20000; i++) {
    }
    CHECK(csr_read(time) > t0);
    /* xRET and WFI */
    CHECK_TRAP(run_in_mode(PRV_S, do_mret, 0), 2, 0x30200073);
    CHECK_TRAP(run_in_mode(PRV_U, do_sret, 0), 2, 0x10200073);
    CHECK_TRAP(run_in_mode(PRV_U, do_wfi, 0), 2, 0x10500073);
    CHECK_TRAP(run_in_mode(PRV_U, do_sfence, 0), 2, 0x12000073);
    /* TVM, TSR, TW trap S-mode uses (3.1.6.5) */
    csr_set(mstatus, MSTATUS_TVM | MSTATUS_TSR | MSTATUS_TW);
    CHECK_TRAP(run_in_mode(PRV_S, read_satp, 0), 2, CSRR_T0(0x180));
    CHECK_TRAP(run_in_mode(PRV_S, do_sfence, 0), 2, 0x12000073);
    CHECK_TRAP(run_in_mode(PRV_S, do_sret, 0), 2, 0x10200073);
    CHECK_TRAP(run_in_mode(PRV_S, do_wfi, 0), 2, 0x10500073);
    csr_clear(mstatus, MSTATUS_TVM | MSTATUS_TSR | MSTATUS_TW);
    CHECK_NO_TRAP(run_in_mode(PRV_S, read_satp, 0));
    CHECK_NO_TRAP(run_in_mode(PRV_S, do_sfence, 0));
    /* Sstc: stimecmp below M needs menvcfg.STCE and mcounteren.TM */
    csr_write(menvcfg, 0);
    CHECK_TRAP(run_in_mode(PRV_S, read_stimecmp, 0), 2, CSRR_T0(0x14d));
    csr_write(menvcfg, 1ull << 63);
    CHECK_EQ(csr_read(menvcfg) >> 63, 1);
    csr_write(mcounteren, 5);
    CHECK_TRAP(run_in_mode(PRV_S, read_stimecmp, 0), 2, CSRR_T0(0x14d));
    csr_write(mcounteren, 7);
    csr_write(stimecmp, -1);
    CHECK_EQ(run_in_mode(PRV_S, read_stimecmp, 0), -1);
}

int main(void)
{
    check_ro_and_unknown();
    check_misa_and_fields();
    check_privilege();
    return 0;
}
