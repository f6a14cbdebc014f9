/*
 * Traps, interrupts and the runtime hooks around them (privileged spec
 * 3.1.6.1, 3.1.8, 3.1.9, 3.3, 4.1.1).
 */
#include "tern/osdep.h"
#include "exec/cputlb.h"
#include "cpu-state.h"
#include "cpu-internal.h"

int riscv_data_mmu_idx(CPURISCVState *env)
{
    uint64_t priv = env->priv;

    /* MPRV: M-mode loads and stores use MPP's translation (3.1.6.3) */
    if (priv == PRV_M && (env->mstatus & MSTATUS_MPRV)) {
        priv = (env->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    switch (priv) {
    case PRV_M: return MMU_IDX_M;
    case PRV_U: return MMU_IDX_U;
    default:    return (env->mstatus & MSTATUS_SUM) ? MMU_IDX_S_SUM : MMU_IDX_S;
    }
}

uint32_t riscv_tb_flags(CPURISCVState *env)
{
    uint64_t fs = env->mstatus & MSTATUS_FS;
    uint32_t flags = env->priv | riscv_data_mmu_idx(env) << TB_FLAG_MEM_IDX_SHIFT;

    flags |= fs ? TB_FLAG_FS_ON : 0;
    flags |= fs == MSTATUS_FS ? TB_FLAG_FS_DIRTY : 0;
    flags |= (env->mstatus & MSTATUS_TVM) ? TB_FLAG_TVM : 0;
    flags |= (env->mstatus & MSTATUS_TSR) ? TB_FLAG_TSR : 0;
    flags |= (env->mstatus & MSTATUS_TW) ? TB_FLAG_TW : 0;
    flags |= env->frm == RM_RNE ? TB_FLAG_FRM_RNE : 0;
    return flags;
}

void riscv_set_fs_dirty(CPURISCVState *env)
{
    env->mstatus |= MSTATUS_FS | MSTATUS_SD;
}

void riscv_mip_update(CPURISCVState *env, uint64_t mask, uint64_t value)
{
    uint64_t old = __atomic_load_n(&env->mip, __ATOMIC_RELAXED), new;

    do {
        new = (old & ~mask) | (value & mask);
    } while (!__atomic_compare_exchange_n(&env->mip, &old, new, true, __ATOMIC_SEQ_CST,
                                          __ATOMIC_RELAXED));
    if (new) {
        cpu_interrupt(env_cs(env), CPU_INTERRUPT_HARD);
    } else {
        cpu_reset_interrupt(env_cs(env), CPU_INTERRUPT_HARD);
        /* a line raised meanwhile on another thread must not lose its request */
        if (__atomic_load_n(&env->mip, __ATOMIC_SEQ_CST)) {
            cpu_interrupt(env_cs(env), CPU_INTERRUPT_HARD);
        }
    }
}

/* mip as the hart sees it: with Sstc, STIP follows mtime >= stimecmp. */
uint64_t riscv_effective_mip(CPURISCVState *env)
{
    uint64_t mip = __atomic_load_n(&env->mip, __ATOMIC_ACQUIRE);

    if (riscv_has_ext(env, RV_EXT_SSTC) && (env->menvcfg & MENVCFG_STCE)) {
        mip &= ~MIP_STIP;
        if (riscv_read_mtime(env) >= env->stimecmp) {
            mip |= MIP_STIP;
        }
    }
    return mip;
}

/* Interrupts destined for one mode, highest priority first (3.1.9). */
static const int irq_priority[] = {
    IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
};

static int highest_irq(uint64_t pending)
{
    for (size_t i = 0; i < ARRAY_SIZE(irq_priority); i++) {
        if (pending & (1ull << irq_priority[i])) {
            return irq_priority[i];
        }
    }
    return -1;
}

int riscv_pending_interrupt(CPURISCVState *env)
{
    uint64_t pending = riscv_effective_mip(env) & env->mie;
    uint64_t to_m = pending & ~env->mideleg, to_s = pending & env->mideleg;
    bool m_enabled = env->priv < PRV_M || (env->mstatus & MSTATUS_MIE);
    bool s_enabled = env->priv < PRV_S || (env->priv == PRV_S && (env->mstatus & MSTATUS_SIE));

    /* interrupts for M are taken before those for S */
    if (m_enabled && to_m) {
        return highest_irq(to_m);
    }
    if (s_enabled && to_s) {
        return highest_irq(to_s);
    }
    return -1;
}

void riscv_set_priv(CPURISCVState *env, uint64_t priv)
{
    env->priv = priv;
    /* an LR/SC sequence does not survive a trap or xRET */
    env->load_res = -1;
}

static const char *const cause_names[] = {
    "misaligned fetch", "fetch access fault", "illegal instruction", "breakpoint",
    "misaligned load", "load access fault", "misaligned store", "store access fault",
    "ecall from U", "ecall from S", "?", "ecall from M", "fetch page fault",
    "load page fault", "?", "store page fault",
};
static const char *const irq_names[] = {
    "?", "S software", "?", "M software", "?", "S timer", "?", "M timer",
    "?", "S external", "?", "M external",
};

void riscv_do_trap(CPURISCVState *env, uint64_t cause, bool is_irq)
{
    uint64_t tval = is_irq ? 0 : env->badaddr;
    uint64_t deleg = is_irq ? env->mideleg : env->medeleg;
    uint64_t old_priv = env->priv, epc = env->pc, tvec;
    bool to_s = old_priv <= PRV_S && cause < 64 && ((deleg >> cause) & 1);
    uint64_t s = env->mstatus;

    if (to_s) {
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s = (s & ~(MSTATUS_SIE | MSTATUS_SPP)) | (old_priv ? MSTATUS_SPP : 0);
        env->sepc = epc;
        env->scause = cause | (is_irq ? 1ull << 63 : 0);
        env->stval = tval;
        tvec = env->stvec;
        riscv_set_priv(env, PRV_S);
    } else {
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s = (s & ~(MSTATUS_MIE | MSTATUS_MPP)) | old_priv << MSTATUS_MPP_SHIFT;
        env->mepc = epc;
        env->mcause = cause | (is_irq ? 1ull << 63 : 0);
        env->mtval = tval;
        tvec = env->mtvec;
        riscv_set_priv(env, PRV_M);
    }
    env->mstatus = s;
    /* vectored mode: interrupts go to BASE + 4 * cause (3.1.7) */
    env->pc = (tvec & ~3ull) + ((tvec & 3) == 1 && is_irq ? 4 * cause : 0);

    if (tern_log_enabled(LOG_INT)) {
        const char *name = is_irq ? (cause < ARRAY_SIZE(irq_names) ? irq_names[cause] : "?")
                                  : (cause < ARRAY_SIZE(cause_names) ? cause_names[cause] : "?");
        tern_log("riscv: hart %" PRIu64 " %s %" PRIu64 " (%s) epc %#" PRIx64 " tval %#" PRIx64
                 " priv %" PRIu64 " -> %c, pc %#" PRIx64 "\n",
                 env->mhartid, is_irq ? "interrupt" : "exception", cause, name, epc, tval,
                 old_priv, to_s ? 'S' : 'M', env->pc);
    }
}

/* ---- runtime hooks ---- */

G_NORETURN void riscv_raise_exception(CPURISCVState *env, int cause, uint64_t tval,
                                      uintptr_t ra)
{
    env->badaddr = tval;
    cpu_raise_exception_ra(env_cs(env), cause, ra);
}

void riscv_cpu_do_interrupt(CPUState *cs)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    int cause = cs->exception_index;

    cs->exception_index = -1;
    if (cause >= 0 && cause < 64) {
        riscv_do_trap(env, cause, false);
    }
}

bool riscv_cpu_exec_interrupt(CPUState *cs, uint32_t interrupt_request)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    int irq;

    if (!(interrupt_request & CPU_INTERRUPT_HARD)) {
        return false;
    }
    irq = riscv_pending_interrupt(env);
    if (irq < 0) {
        return false;
    }
    riscv_do_trap(env, irq, true);
    return true;
}

bool riscv_cpu_has_work(CPUState *cs)
{
    CPURISCVState *env = &cs_rv(cs)->env;

    /* WFI resumes on any locally enabled pending interrupt, even if globally off (3.3.3) */
    return (riscv_effective_mip(env) & env->mie) != 0;
}

bool riscv_cpu_tlb_fill(CPUState *cs, uint64_t addr, int size, MMUAccessType access_type,
                        int mmu_idx, bool probe, uintptr_t retaddr, hwaddr *phys, int *prot)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    uint64_t page_size;
    int ret = riscv_translate(env, addr, (MMUAccess)access_type, mmu_idx, phys, prot,
                              &page_size, size > 0 ? size : 1);

    if (ret == RISCV_EXCP_NONE) {
        if (page_size > TARGET_PAGE_SIZE) {
            /* held as 4K entries: SFENCE.VMA of any address in it drops them all */
            tlb_note_large_page(cs, mmu_idx, addr, page_size);
        }
        return true;
    }
    if (probe) {
        return false;
    }
    riscv_raise_exception(env, ret, addr, retaddr);
}

void riscv_cpu_do_unaligned_access(CPUState *cs, uint64_t addr, MMUAccessType access_type,
                                   int mmu_idx, uintptr_t retaddr)
{
    static const int cause[3] = { EXCP_LOAD_ADDR_MIS, EXCP_STORE_ADDR_MIS, EXCP_INST_ADDR_MIS };
    riscv_raise_exception(&cs_rv(cs)->env, cause[access_type], addr, retaddr);
}

void riscv_cpu_do_transaction_failed(CPUState *cs, hwaddr phys, uint64_t addr,
                                     MMUAccessType access_type, int mmu_idx, uintptr_t retaddr)
{
    static const int cause[3] = { EXCP_LOAD_ACCESS, EXCP_STORE_ACCESS, EXCP_INST_ACCESS };
    riscv_raise_exception(&cs_rv(cs)->env, cause[access_type], addr, retaddr);
}

void riscv_restore_state_to_opc(CPUState *cs, const TranslationBlock *tb, const uint64_t *data)
{
    cs_rv(cs)->env.pc = data[0];
}

void riscv_get_tb_cpu_state(CPUState *cs, uint64_t *pc, uint32_t *flags)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    *pc = env->pc;
    *flags = riscv_tb_flags(env);
}

int riscv_cpu_mmu_index(CPUState *cs, bool ifetch)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    static const int fetch_idx[4] = { MMU_IDX_U, MMU_IDX_S, MMU_IDX_S, MMU_IDX_M };
    return ifetch ? fetch_idx[env->priv & 3] : riscv_data_mmu_idx(env);
}
