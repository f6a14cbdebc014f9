/* Helpers for system instructions, CSRs, atomics and Zbb/Zbc bit operations. */
#include "tern/osdep.h"
#include <sched.h>
#include "exec/cputlb.h"
#include "helper.h"
#include "cpu-internal.h"

void helper_raise_exception(CPURISCVState *env, uint64_t cause, uint64_t tval)
{
    riscv_raise_exception(env, cause, tval, 0);
}

uint64_t helper_csrrw(CPURISCVState *env, uint64_t csrno, uint64_t value, uint64_t mask,
                      uint64_t insn)
{
    uint64_t old;
    bool write = (insn >> 32) & 1;

    if (riscv_csrrw(env, csrno, &old, value, mask, write) != RISCV_EXCP_NONE) {
        riscv_raise_exception(env, EXCP_ILLEGAL_INST, (uint32_t)insn, 0);
    }
    return old;
}

/*
 * After a write to sstatus/mstatus: must the TB end? Yes if the TB flags
 * changed (privilege of loads and stores, FS, TVM/TSR/TW) or if an
 * interrupt is pending and enabled in mie (the write may have unmasked
 * it; the execution loop decides). Masking interrupts (Linux's
 * local_irq_save) needs neither.
 */
uint64_t helper_status_needs_exit(CPURISCVState *env, uint64_t tb_flags)
{
    return riscv_tb_flags(env) != (uint32_t)tb_flags ||
           (riscv_effective_mip(env) & env->mie) != 0;
}

/* xRET (3.3.2): restore the interrupt enable and privilege saved at trap entry. */
uint64_t helper_mret(CPURISCVState *env)
{
    uint64_t s = env->mstatus, prev = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;

    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s = (s | MSTATUS_MPIE) & ~MSTATUS_MPP;
    if (prev != PRV_M) {
        s &= ~MSTATUS_MPRV;
    }
    env->mstatus = s;
    riscv_set_priv(env, prev);
    return env->mepc & (riscv_has_ext(env, RV_EXT_C) ? ~1ull : ~3ull);
}

uint64_t helper_sret(CPURISCVState *env)
{
    uint64_t s = env->mstatus, prev = (s & MSTATUS_SPP) ? PRV_S : PRV_U;

    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s = (s | MSTATUS_SPIE) & ~MSTATUS_SPP & ~MSTATUS_MPRV;
    env->mstatus = s;
    riscv_set_priv(env, prev);
    return env->sepc & (riscv_has_ext(env, RV_EXT_C) ? ~1ull : ~3ull);
}

void helper_wfi(CPURISCVState *env)
{
    CPUState *cs = env_cs(env);

    if (riscv_cpu_has_work(cs)) {
        /*
         * An interrupt is already pending: WFI completes at once (3.3.3).
         * Guests that poll with WFI while one stays pending (OpenSBI 1.1's
         * HSM wait with a stale MSIP) spin: give the host core away too.
         */
        sched_yield();
        return;
    }
    cs->halted = true;
    cs->exception_index = EXCP_HLT;
    cpu_loop_exit(cs);
}

/*
 * PAUSE (Zihintpause) marks a spin-wait loop. With more harts than host
 * cores, the hart the spinner waits for may be preempted on this very core:
 * yielding lets it run instead of burning the spinner's whole time slice.
 */
void helper_pause(void)
{
    sched_yield();
}

void helper_sfence_vma(CPURISCVState *env)
{
    tlb_flush(env_cs(env));
}

/*
 * SFENCE.VMA with rs1 != x0 orders only the leaf entries for that address
 * (privileged spec 4.2.1). The TLB holds leaves only and no ASID tags, so
 * dropping that page in every address space is enough. Returns whether the
 * rest of the current TB (at pc, reaching at most into the next page) may
 * have been fetched through the dropped entry: then it must end.
 */
uint64_t helper_sfence_vma_page(CPURISCVState *env, uint64_t vaddr, uint64_t pc)
{
    uint64_t page = vaddr & TARGET_PAGE_MASK, code = pc & TARGET_PAGE_MASK;

    tlb_flush_page(env_cs(env), vaddr);
    return page == code || page == code + TARGET_PAGE_SIZE;
}

/* ---- A ---- */

/* Serializes the rare AMOs on memory that is not RAM (MMIO). */
static GMutex amo_slow_lock;

static bool amo_is_word(RVOp op)
{
    switch (op) {
    case RV_OP_amoswap_w: case RV_OP_amoadd_w: case RV_OP_amoxor_w: case RV_OP_amoand_w:
    case RV_OP_amoor_w: case RV_OP_amomin_w: case RV_OP_amomax_w: case RV_OP_amominu_w:
    case RV_OP_amomaxu_w:
        return true;
    default:
        return false;
    }
}

static uint64_t amo_compute(RVOp op, uint64_t old, uint64_t src, bool word)
{
    int64_t so = word ? (int32_t)old : (int64_t)old, ss = word ? (int32_t)src : (int64_t)src;
    uint64_t uo = word ? (uint32_t)old : old, us = word ? (uint32_t)src : src;

    switch (op) {
    case RV_OP_amoswap_w: case RV_OP_amoswap_d: return src;
    case RV_OP_amoadd_w:  case RV_OP_amoadd_d:  return old + src;
    case RV_OP_amoxor_w:  case RV_OP_amoxor_d:  return old ^ src;
    case RV_OP_amoand_w:  case RV_OP_amoand_d:  return old & src;
    case RV_OP_amoor_w:   case RV_OP_amoor_d:   return old | src;
    case RV_OP_amomin_w:  case RV_OP_amomin_d:  return so < ss ? old : src;
    case RV_OP_amomax_w:  case RV_OP_amomax_d:  return so > ss ? old : src;
    case RV_OP_amominu_w: case RV_OP_amominu_d: return uo < us ? old : src;
    default:                                    return uo > us ? old : src;
    }
}

uint64_t helper_amo(CPURISCVState *env, uint64_t desc, uint64_t addr, uint64_t val)
{
    uintptr_t ra = GETPC();
    RVOp op = desc;
    bool word = amo_is_word(op);
    int size = word ? 4 : 8;
    int idx = riscv_data_mmu_idx(env);
    uint64_t old;
    void *host;

    /* AMOs must be naturally aligned (8.4) */
    if (addr & (size - 1)) {
        riscv_raise_exception(env, EXCP_STORE_ADDR_MIS, addr, ra);
    }
    host = probe_access_rmw(env, addr, size, idx, ra);
    set_helper_retaddr(ra);     /* user mode: host faults below unwind to this AMO */
    if (host && word) {
        uint32_t o = __atomic_load_n((uint32_t *)host, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n((uint32_t *)host, &o,
                                            (uint32_t)amo_compute(op, o, val, true), false,
                                            __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
        }
        old = o;
    } else if (host) {
        uint64_t o = __atomic_load_n((uint64_t *)host, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n((uint64_t *)host, &o, amo_compute(op, o, val, false),
                                            false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
        }
        old = o;
    } else {
        MemOp mop = word ? MO_TEUL : MO_TEUQ;
        g_mutex_lock(&amo_slow_lock);
        old = cpu_ld_mmuidx_ra(env, addr, mop, idx, ra);
        cpu_st_mmuidx_ra(env, addr, amo_compute(op, old, val, word), mop, idx, ra);
        g_mutex_unlock(&amo_slow_lock);
    }
    clear_helper_retaddr();
    return word ? (uint64_t)(int64_t)(int32_t)old : old;
}

uint64_t helper_lr(CPURISCVState *env, uint64_t addr, uint64_t size)
{
    uintptr_t ra = GETPC();
    int idx = riscv_data_mmu_idx(env);
    uint64_t val;
    void *host;

    if (addr & (size - 1)) {
        riscv_raise_exception(env, EXCP_LOAD_ADDR_MIS, addr, ra);
    }
    host = probe_access(env, addr, size, MMU_DATA_LOAD, idx, false, ra);
    set_helper_retaddr(ra);
    if (host) {
        val = size == 4 ? (uint64_t)(int64_t)__atomic_load_n((int32_t *)host, __ATOMIC_SEQ_CST)
                        : __atomic_load_n((uint64_t *)host, __ATOMIC_SEQ_CST);
    } else {
        val = cpu_ld_mmuidx_ra(env, addr, size == 4 ? MO_TESL : MO_TEUQ, idx, ra);
    }
    clear_helper_retaddr();
    env->load_res = addr;
    env->load_val = val;
    return val;
}

/*
 * SC succeeds if the reservation is for addr and memory still holds the
 * value LR read: a store by another hart or a device that changed it breaks
 * the reservation. (A store of the same value is not detected: the ABA case
 * is harmless for the lock-free algorithms LR/SC serves.)
 */
uint64_t helper_sc(CPURISCVState *env, uint64_t addr, uint64_t val, uint64_t size)
{
    uintptr_t ra = GETPC();
    int idx = riscv_data_mmu_idx(env);
    bool ok;
    void *host;

    if (addr & (size - 1)) {
        riscv_raise_exception(env, EXCP_STORE_ADDR_MIS, addr, ra);
    }
    if (env->load_res != addr) {
        env->load_res = -1;
        return 1;
    }
    env->load_res = -1;
    host = probe_access_rmw(env, addr, size, idx, ra);
    set_helper_retaddr(ra);
    if (host && size == 4) {
        uint32_t expect = env->load_val;
        ok = __atomic_compare_exchange_n((uint32_t *)host, &expect, (uint32_t)val, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    } else if (host) {
        uint64_t expect = env->load_val;
        ok = __atomic_compare_exchange_n((uint64_t *)host, &expect, val, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    } else {
        MemOp mop = size == 4 ? MO_TESL : MO_TEUQ;
        g_mutex_lock(&amo_slow_lock);
        ok = cpu_ld_mmuidx_ra(env, addr, mop, idx, ra) == env->load_val;
        if (ok) {
            cpu_st_mmuidx_ra(env, addr, val, mop, idx, ra);
        }
        g_mutex_unlock(&amo_slow_lock);
    }
    clear_helper_retaddr();
    return !ok;
}

/* ---- Zbb, Zbc ---- */

uint64_t helper_orc_b(uint64_t a)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i += 8) {
        if ((a >> i) & 0xff) {
            r |= 0xffull << i;
        }
    }
    return r;
}

/* Carry-less product of a and b: bits [lo, lo + 64) of the 128-bit result. */
static uint64_t clmul_bits(uint64_t a, uint64_t b, int lo)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            int sh = i - lo;                 /* a << i, seen from bit lo */
            if (sh >= 0 && sh < 64) {
                r ^= a << sh;
            } else if (sh < 0 && sh > -64) {
                r ^= a >> -sh;
            }
        }
    }
    return r;
}

uint64_t helper_clmul(uint64_t a, uint64_t b) { return clmul_bits(a, b, 0); }
uint64_t helper_clmulh(uint64_t a, uint64_t b) { return clmul_bits(a, b, 64); }
uint64_t helper_clmulr(uint64_t a, uint64_t b) { return clmul_bits(a, b, 63); }
