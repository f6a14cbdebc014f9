/*
 * Address translation: Sv39/Sv48 page walks with hardware A/D updates
 * (privileged spec 4.3.2, 4.4, 4.5) and physical memory protection (3.7).
 */
#include "tern/osdep.h"
#include "cpu-state.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK  0x3ffffffffffull      /* bits 53:10 */
#define PTE_RESERVED  (0x3ffull << 54)      /* N, PBMT, reserved: not implemented */

#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_PPN_MASK  ((1ull << 44) - 1)

int riscv_mmu_idx_priv(int mmu_idx)
{
    return mmu_idx == MMU_IDX_M ? PRV_M : mmu_idx == MMU_IDX_U ? PRV_U : PRV_S;
}

static int page_fault_cause(MMUAccess access)
{
    return access == ACCESS_FETCH ? EXCP_INST_PAGE :
           access == ACCESS_STORE ? EXCP_STORE_PAGE : EXCP_LOAD_PAGE;
}

static int access_fault_cause(MMUAccess access)
{
    return access == ACCESS_FETCH ? EXCP_INST_ACCESS :
           access == ACCESS_STORE ? EXCP_STORE_ACCESS : EXCP_LOAD_ACCESS;
}

/* ---- PMP ---- */

/* The byte range [*lo, *hi) entry i covers; false if the entry is off. */
static bool pmp_range(CPURISCVState *env, int i, hwaddr *lo, hwaddr *hi)
{
    uint64_t a = env->pmpaddr[i];

    switch ((env->pmpcfg[i] >> PMP_A_SHIFT) & 3) {
    case PMP_A_TOR:
        *lo = i ? env->pmpaddr[i - 1] << 2 : 0;
        *hi = a << 2;
        return *lo < *hi;
    case PMP_A_NA4:
        *lo = a << 2;
        *hi = *lo + 4;
        return true;
    case PMP_A_NAPOT: {
        int ones = __builtin_ctzll(~a);          /* size = 2^(ones + 3) */
        if (ones >= 54) {
            *lo = 0;
            *hi = ~0ull;                         /* the whole (56-bit) space */
            return true;
        }
        *lo = (a & ~((1ull << ones) - 1)) << 2;
        *hi = *lo + (1ull << (ones + 3));
        return true;
    }
    default:
        return false;
    }
}

static bool pmp_any_active(CPURISCVState *env)
{
    for (int i = 0; i < PMP_ENTRIES; i++) {
        if ((env->pmpcfg[i] >> PMP_A_SHIFT) & 3) {
            return true;
        }
    }
    return false;
}

bool riscv_pmp_allows(CPURISCVState *env, hwaddr addr, unsigned size, MMUAccess access,
                      int priv)
{
    static const uint8_t need[3] = { PMP_R, PMP_W, PMP_X };

    if (!env_cpu_rv(env)->cfg.pmp) {
        return true;
    }
    for (int i = 0; i < PMP_ENTRIES; i++) {
        hwaddr lo, hi;
        bool first_in, last_in;

        if (!pmp_range(env, i, &lo, &hi)) {
            continue;
        }
        first_in = addr >= lo && addr < hi;
        last_in = addr + size - 1 >= lo && addr + size - 1 < hi;
        if (!first_in && !last_in) {
            continue;
        }
        if (first_in != last_in) {
            return false;          /* partially matching: fails (3.7.1) */
        }
        if (priv == PRV_M && !(env->pmpcfg[i] & PMP_L)) {
            return true;
        }
        return (env->pmpcfg[i] & need[access]) != 0;
    }
    /* no match: M succeeds; S/U fail once any entry is programmed */
    return priv == PRV_M || !pmp_any_active(env);
}

uint64_t riscv_pmp_granule(CPURISCVState *env, hwaddr addr, uint64_t max)
{
    hwaddr start = addr & ~(max - 1), end = start + max;

    if (!env_cpu_rv(env)->cfg.pmp) {
        return max;
    }
    for (int i = 0; i < PMP_ENTRIES; i++) {
        hwaddr lo, hi;
        if (!pmp_range(env, i, &lo, &hi)) {
            continue;
        }
        if ((lo > start && lo < end) || (hi > start && hi < end)) {
            return 1;      /* a rule boundary inside: decide per access */
        }
    }
    return max;
}

/* ---- page walk ---- */

/* Atomically set A (and D) in the PTE at pte_addr if it still holds old. */
static bool pte_update(CPURISCVState *env, hwaddr pte_addr, uint64_t old, uint64_t new)
{
    AddressSpace *as = env_cs(env)->as;
    hwaddr len = 8;
    uint64_t *p = address_space_map(as, pte_addr, &len, true);
    bool ok;

    if (!p || len < 8) {
        return false;
    }
    ok = __atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    address_space_unmap(as, p, pte_addr, 8, true);
    return ok;
}

static int page_walk(CPURISCVState *env, uint64_t vaddr, MMUAccess access, int mmu_idx,
                     hwaddr *paddr, int *prot, uint64_t *leaf_size)
{
    int mode = env->satp >> SATP_MODE_SHIFT;
    int levels = mode == SATP_MODE_SV48 ? 4 : 3;
    int vabits = 12 + 9 * levels;
    int priv = riscv_mmu_idx_priv(mmu_idx);
    bool sum = mmu_idx == MMU_IDX_S_SUM, mxr = env->mstatus & MSTATUS_MXR;

    /* the upper bits must copy bit vabits-1 (4.3.2) */
    if ((int64_t)(vaddr << (64 - vabits)) >> (64 - vabits) != (int64_t)vaddr) {
        return page_fault_cause(access);
    }
restart:;
    hwaddr base = (env->satp & SATP_PPN_MASK) << 12;
    for (int level = levels - 1; level >= 0; level--) {
        hwaddr pte_addr = base + ((vaddr >> (12 + 9 * level)) & 511) * 8;
        uint64_t pte, ppn;

        if (!riscv_pmp_allows(env, pte_addr, 8, ACCESS_LOAD, PRV_S) ||
            address_space_load(env_cs(env)->as, pte_addr, 8, &pte) != MEMTX_OK) {
            return access_fault_cause(access);
        }
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RESERVED)) {
            return page_fault_cause(access);
        }
        ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            base = ppn << 12;     /* pointer to the next level */
            continue;
        }
        /* leaf: permissions (4.3.1) */
        if (priv == PRV_U ? !(pte & PTE_U)
                          : (pte & PTE_U) && (access == ACCESS_FETCH || !sum)) {
            return page_fault_cause(access);
        }
        if ((access == ACCESS_FETCH && !(pte & PTE_X)) ||
            (access == ACCESS_LOAD && !(pte & PTE_R) && !(mxr && (pte & PTE_X))) ||
            (access == ACCESS_STORE && !(pte & PTE_W))) {
            return page_fault_cause(access);
        }
        /* a superpage's low PPN bits must be zero */
        if (ppn & ((1ull << (9 * level)) - 1)) {
            return page_fault_cause(access);
        }
        /* hardware A/D update, atomic against other harts (4.3.2 step 7) */
        uint64_t want = pte | PTE_A | (access == ACCESS_STORE ? PTE_D : 0);
        if (want != pte) {
            if (!riscv_pmp_allows(env, pte_addr, 8, ACCESS_STORE, PRV_S)) {
                return access_fault_cause(access);
            }
            if (!pte_update(env, pte_addr, pte, want)) {
                goto restart;     /* the PTE changed under us */
            }
            pte = want;
        }
        *paddr = (ppn << 12 | (vaddr & ((1ull << (12 + 9 * level)) - 1))) & ~0xfffull;
        *paddr |= vaddr & 0xfff;
        *leaf_size = 1ull << (12 + 9 * level);
        *prot = 0;
        if ((pte & PTE_R) || (mxr && (pte & PTE_X))) {
            *prot |= PAGE_READ;
        }
        if ((pte & PTE_W) && (pte & PTE_D)) {
            *prot |= PAGE_WRITE;  /* clean pages fault into the walk to set D */
        }
        if ((pte & PTE_X) && !(priv == PRV_S && (pte & PTE_U))) {
            *prot |= PAGE_EXEC;
        }
        return RISCV_EXCP_NONE;
    }
    return page_fault_cause(access);
}

int riscv_translate(CPURISCVState *env, uint64_t vaddr, MMUAccess access, int mmu_idx,
                    hwaddr *paddr, int *prot, uint64_t *page_size, unsigned size)
{
    int priv = riscv_mmu_idx_priv(mmu_idx);
    int mode = env->satp >> SATP_MODE_SHIFT;
    uint64_t leaf_size = TARGET_PAGE_SIZE;
    int ret;

    if (priv == PRV_M || mode == SATP_MODE_BARE) {
        *paddr = vaddr;
        *prot = PAGE_READ | PAGE_WRITE | PAGE_EXEC;
    } else {
        ret = page_walk(env, vaddr, access, mmu_idx, paddr, prot, &leaf_size);
        if (ret != RISCV_EXCP_NONE) {
            tern_log_mask(LOG_MMU, "riscv: %s fault at %#" PRIx64 " (cause %d)\n",
                          access == ACCESS_FETCH ? "fetch" : access == ACCESS_STORE ? "store" : "load",
                          vaddr, ret);
            return ret;
        }
    }
    if (!riscv_pmp_allows(env, *paddr, size, access, priv)) {
        return access_fault_cause(access);
    }
    /* keep only the permissions PMP also grants for the whole page */
    *page_size = riscv_pmp_granule(env, *paddr & TARGET_PAGE_MASK, TARGET_PAGE_SIZE);
    if (*page_size == TARGET_PAGE_SIZE) {
        static const int bit[3] = { PAGE_READ, PAGE_WRITE, PAGE_EXEC };
        for (int a = 0; a < 3; a++) {
            if (!riscv_pmp_allows(env, *paddr & TARGET_PAGE_MASK, 1, a, priv)) {
                *prot &= ~bit[a];
            }
        }
        /* a superpage with one PMP decision throughout: report its size */
        if (leaf_size > TARGET_PAGE_SIZE &&
            riscv_pmp_granule(env, *paddr & ~(leaf_size - 1), leaf_size) == leaf_size) {
            *page_size = leaf_size;
        }
    }
    return RISCV_EXCP_NONE;
}
