/*
 * Debugger address translation: what physical address the hart would fetch
 * from now for a virtual address. Unlike the MMU's walk (mmu.c) it checks no
 * permissions, sets no A/D bits and raises nothing: a debugger may look at
 * any mapped page (privileged spec 4.3.2 walk, Sv39/Sv48).
 */
#include "tern/osdep.h"
#include "cpu-state.h"
#include "cpu-internal.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_X (1ull << 3)
#define PTE_PPN(pte) (((pte) >> 10) & ((1ull << 44) - 1))

bool riscv_cpu_get_phys_addr_debug(CPUState *cs, uint64_t vaddr, hwaddr *paddr)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    int mode = env->satp >> 60;
    int levels = mode == 9 ? 4 : 3;          /* Sv48 : Sv39 */
    int vabits = 12 + 9 * levels;
    hwaddr base = (env->satp & ((1ull << 44) - 1)) << 12;

    if (env->priv == PRV_M || mode == 0) {
        *paddr = vaddr;
        return true;
    }
    if ((int64_t)(vaddr << (64 - vabits)) >> (64 - vabits) != (int64_t)vaddr) {
        return false;
    }
    for (int level = levels - 1; level >= 0; level--) {
        hwaddr pte_addr = base + ((vaddr >> (12 + 9 * level)) & 511) * 8;
        uint64_t pte, offset_mask;

        if (address_space_load(cs->as, pte_addr, 8, &pte) != MEMTX_OK || !(pte & PTE_V)) {
            return false;
        }
        if (!(pte & (PTE_R | PTE_X))) {
            base = PTE_PPN(pte) << 12;
            continue;
        }
        offset_mask = (1ull << (12 + 9 * level)) - 1;
        *paddr = ((PTE_PPN(pte) << 12) & ~offset_mask) | (vaddr & offset_mask);
        return true;
    }
    return false;
}
