/*
 * The softmmu TLB: filling it through the target's page-table walk, the
 * slow paths of guest loads and stores (misses, MMIO, unaligned accesses
 * that cross a page, writes to pages holding translated code), flushes, and
 * the C accessors helpers use. In user mode the same entry points access
 * guest_base + addr directly (only alignment is checked).
 */
#include "tern/osdep.h"
#include "internal.h"
#include "tcg/tcg.h"
#include "sysemu/main-loop.h"
#include "sysemu/gdbstub.h"

static inline CPUTLBEntry *tlb_entry(CPUTLB *tlb, int mmu_idx, uint64_t addr)
{
    return &tlb->table[mmu_idx][(addr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1)];
}

static inline uint64_t tlb_addr_for(const CPUTLBEntry *e, MMUAccessType t)
{
    return t == MMU_DATA_LOAD ? e->addr_read : t == MMU_DATA_STORE ? e->addr_write : e->addr_code;
}

/* Does the comparator match the page of addr (flags allowed)? */
static inline bool tlb_hit(uint64_t cmp, uint64_t addr)
{
    return (cmp & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == (addr & TARGET_PAGE_MASK);
}

CPUState *env_cpu(void *env)
{
    return ((CPUTLB *)((char *)env + tcg_tlb_offset))->cpu;
}

/* ------------------------------------------------------------------------ */
/* Flushes */

static void tlb_entry_invalidate(CPUTLBEntry *e)
{
    memset(e, 0xff, sizeof(*e));
}

static void tlb_flush_mmuidx_locked(CPUTLB *tlb, int mmu_idx)
{
    tlb->d[mmu_idx].large_page_mask = 0;
    /* Guests flush often (every address-space switch): skip clean tables. */
    if (!tlb->d[mmu_idx].dirty) {
        return;
    }
    memset(tlb->table[mmu_idx], 0xff, sizeof(tlb->table[mmu_idx]));
    memset(tlb->d[mmu_idx].vtable, 0xff, sizeof(tlb->d[mmu_idx].vtable));
    tlb->d[mmu_idx].dirty = false;
}

void tlb_note_large_page(CPUState *cpu, int mmu_idx, uint64_t vaddr, uint64_t size)
{
    CPUTLBDesc *d = &cpu_tlb(cpu)->d[mmu_idx];
    uint64_t mask = ~(size - 1);

    if (d->large_page_mask == 0) {
        d->large_page_addr = vaddr & mask;
        d->large_page_mask = mask;
        return;
    }
    /* widen the tracked region until it covers both superpages */
    mask &= d->large_page_mask;
    while ((d->large_page_addr & mask) != (vaddr & mask)) {
        mask <<= 1;
    }
    d->large_page_addr &= mask;
    d->large_page_mask = mask;
}

void tlb_flush_by_mmuidx(CPUState *cpu, uint16_t idxmap)
{
    CPUTLB *tlb = cpu_tlb(cpu);

    for (int i = 0; i < CPU_TLB_NB_MMU; i++) {
        if (idxmap & (1u << i)) {
            tlb_flush_mmuidx_locked(tlb, i);
        }
    }
    /* the same guest pc may now map to other code */
    tb_jmp_cache_clear(cpu);
}

void tlb_flush(CPUState *cpu)
{
    tlb_flush_by_mmuidx(cpu, (1u << CPU_TLB_NB_MMU) - 1);
}

void tlb_flush_page_by_mmuidx(CPUState *cpu, uint64_t addr, uint16_t idxmap)
{
    CPUTLB *tlb = cpu_tlb(cpu);

    addr &= TARGET_PAGE_MASK;
    for (int i = 0; i < CPU_TLB_NB_MMU; i++) {
        if (!(idxmap & (1u << i))) {
            continue;
        }
        if (tlb->d[i].large_page_mask &&
            (addr & tlb->d[i].large_page_mask) == tlb->d[i].large_page_addr) {
            /* inside a superpage held as many entries: drop the whole index */
            tlb_flush_mmuidx_locked(tlb, i);
            tb_jmp_cache_clear(cpu);
            continue;
        }
        CPUTLBEntry *e = tlb_entry(tlb, i, addr);
        if (tlb_hit(e->addr_read, addr) || tlb_hit(e->addr_write, addr) ||
            tlb_hit(e->addr_code, addr)) {
            tlb_entry_invalidate(e);
        }
        for (int k = 0; k < CPU_VTLB_SIZE; k++) {
            CPUTLBEntry *v = &tlb->d[i].vtable[k];
            if (tlb_hit(v->addr_read, addr) || tlb_hit(v->addr_write, addr) ||
                tlb_hit(v->addr_code, addr)) {
                tlb_entry_invalidate(v);
            }
        }
    }
    tb_jmp_cache_clear_page(cpu, addr);
}

void tlb_flush_page(CPUState *cpu, uint64_t addr)
{
    tlb_flush_page_by_mmuidx(cpu, addr, (1u << CPU_TLB_NB_MMU) - 1);
}

void tlb_flush_by_mmuidx_all_cpus(CPUState *src, uint16_t idxmap)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu != src && cpu->tcg) {
            __atomic_or_fetch(&cpu_tcg(cpu)->pending_flush, idxmap, __ATOMIC_SEQ_CST);
            tcg_cpu_kick(cpu);
        }
    }
    if (src) {
        tlb_flush_by_mmuidx(src, idxmap);
    }
}

void tlb_flush_all_cpus(CPUState *src)
{
    tlb_flush_by_mmuidx_all_cpus(src, (1u << CPU_TLB_NB_MMU) - 1);
}

void tlb_flush_page_all_cpus(CPUState *src, uint64_t addr)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu != src && cpu->tcg) {
            __atomic_or_fetch(&cpu_tcg(cpu)->pending_flush, (1u << CPU_TLB_NB_MMU) - 1,
                              __ATOMIC_SEQ_CST);
            tcg_cpu_kick(cpu);
        }
    }
    if (src) {
        tlb_flush_page(src, addr);
    }
}

/* ------------------------------------------------------------------------ */
/* Filling */

void tlb_set_page(CPUState *cpu, uint64_t vaddr, hwaddr paddr, int prot, int mmu_idx)
{
    CPUTLB *tlb = cpu_tlb(cpu);
    CPUTLBDesc *d = &tlb->d[mmu_idx];
    MemoryRegionSection sec;
    uint64_t page = vaddr & TARGET_PAGE_MASK;
    hwaddr ppage = paddr & TARGET_PAGE_MASK;
    unsigned idx = (page >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1);
    CPUTLBEntry *e = &tlb->table[mmu_idx][idx];
    CPUTLBEntryFull *full = &tlb->full[mmu_idx][idx];
    uint64_t io = 0, write_flags = 0;
    bool ram;

    d->dirty = true;
    /* Keep the entry we replace in the victim TLB (unless it is this page). */
    if (e->addr_read != (uint64_t)-1 || e->addr_write != (uint64_t)-1 ||
        e->addr_code != (uint64_t)-1) {
        if (!(tlb_hit(e->addr_read, page) || tlb_hit(e->addr_write, page) ||
              tlb_hit(e->addr_code, page))) {
            unsigned v = d->vindex++ % CPU_VTLB_SIZE;
            d->vtable[v] = *e;
            d->vfull[v] = *full;
        }
    }

    ram = address_space_lookup(cpu->as, ppage, &sec) && memory_region_is_ram(sec.mr) &&
          sec.size >= TARGET_PAGE_SIZE;
    full->phys_addr = ppage;
    full->prot = prot;
    full->mr = ram ? sec.mr : NULL;
    full->mr_offset = ram ? sec.offset_within_region : 0;
    if (!ram) {
        io = TLB_MMIO;      /* devices, ROM devices, holes and sub-page regions */
    } else {
        e->addend = (uintptr_t)(memory_region_get_ram_ptr(sec.mr) + sec.offset_within_region) -
                    (uintptr_t)page;
        if (sec.mr->type == MR_ROM) {
            write_flags = TLB_MMIO;     /* the memory API drops and logs the write */
        }
    }
    if (io) {
        e->addend = 0;
    }
    e->addr_code = (prot & PAGE_EXEC) && ram ? page : (uint64_t)-1;
    e->addr_read = (prot & PAGE_READ) ? page | io : (uint64_t)-1;
    e->addr_write = (prot & PAGE_WRITE) ? page | io | write_flags : (uint64_t)-1;
    /*
     * Another vCPU may have just translated code on this page: it marks
     * the page before scanning TLBs, we publish the entry before checking
     * the mark again, so one of the two sets TLB_NOTDIRTY.
     */
    if (ram && !write_flags && (prot & PAGE_WRITE)) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (page_has_code(ppage)) {
            e->addr_write |= TLB_NOTDIRTY;
        }
    }
    if (unlikely(cpu_watchpoints_nb) && cpu_watchpoint_on_page(page, TARGET_PAGE_SIZE)) {
        if (e->addr_read != (uint64_t)-1) {
            e->addr_read |= TLB_WATCHPOINT;
        }
        if (e->addr_write != (uint64_t)-1) {
            e->addr_write |= TLB_WATCHPOINT;
        }
    }
    if (tern_log_enabled(LOG_MMU)) {
        tern_log("tlb_set_page: mmu %d va 0x%" PRIx64 " -> pa 0x%" HWADDR_PRIx
                 " prot %d%s\n", mmu_idx, page, ppage, prot, io ? " io" : "");
    }
}

/* Look for addr in the victim TLB; swap it into the main table if found. */
static bool victim_tlb_hit(CPUTLB *tlb, int mmu_idx, uint64_t addr, MMUAccessType t)
{
    unsigned idx = (addr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1);
    CPUTLBDesc *d = &tlb->d[mmu_idx];

    for (int k = 0; k < CPU_VTLB_SIZE; k++) {
        if (tlb_hit(tlb_addr_for(&d->vtable[k], t), addr)) {
            CPUTLBEntry te = tlb->table[mmu_idx][idx];
            CPUTLBEntryFull tf = tlb->full[mmu_idx][idx];
            tlb->table[mmu_idx][idx] = d->vtable[k];
            tlb->full[mmu_idx][idx] = d->vfull[k];
            d->vtable[k] = te;
            d->vfull[k] = tf;
            return true;
        }
    }
    return false;
}

/* Make the entry for addr valid for access t, calling the target's walk. */
static bool tlb_fill_entry(CPUState *cpu, uint64_t addr, int size, MMUAccessType t,
                           int mmu_idx, bool probe, uintptr_t ra)
{
    CPUTLB *tlb = cpu_tlb(cpu);
    CPUTLBEntry *e = tlb_entry(tlb, mmu_idx, addr);
    hwaddr phys;
    int prot;

    if (tlb_hit(tlb_addr_for(e, t), addr) || victim_tlb_hit(tlb, mmu_idx, addr, t)) {
        return true;
    }
    if (!tcg_cpu_ops->tlb_fill(cpu, addr, size, t, mmu_idx, probe, ra, &phys, &prot)) {
        return false;
    }
    tlb_set_page(cpu, addr, phys, prot, mmu_idx);
    return true;
}

/*
 * User mode: the host address of guest [addr, addr + size), after making
 * sure the range lies inside the guest's reservation. Outside it, the
 * guest gets a fault; host memory is never touched.
 */
__thread uintptr_t tcg_user_helper_ra;

static void *user_host_addr(CPUState *cpu, uint64_t addr, unsigned size,
                            MMUAccessType t, uintptr_t ra)
{
    uint64_t last = addr + (size ? size - 1 : 0);

    if (unlikely(((addr | last) & tcg_ctx->guest_addr_mask) || last < addr)) {
        if (!tcg_user_bad_addr_hook) {
            error_exit("guest access at 0x%" PRIx64 " outside the guest address space", addr);
        }
        tcg_user_bad_addr_hook(cpu, addr, t, ra);
    }
    return (void *)(tcg_ctx->guest_base + (uintptr_t)addr);
}

hwaddr get_page_addr_code(CPUState *cpu, uint64_t addr)
{
    int mmu_idx = tcg_cpu_ops->mmu_index(cpu, true);
    CPUTLB *tlb = cpu_tlb(cpu);
    CPUTLBEntry *e;

    if (tcg_ctx->user_mode) {
        return addr;           /* user mode: virtual is physical for the TB cache */
    }
    tlb_fill_entry(cpu, addr, 1, MMU_INST_FETCH, mmu_idx, false, 0);
    e = tlb_entry(tlb, mmu_idx, addr);
    if (!tlb_hit(e->addr_code, addr)) {
        /* mapped and executable, but not RAM */
        return (hwaddr)-1;
    }
    return tlb->full[mmu_idx][(addr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1)].phys_addr |
           (addr & ~TARGET_PAGE_MASK);
}

hwaddr get_page_addr_code_nofill(CPUState *cpu, uint64_t addr)
{
    int mmu_idx = tcg_cpu_ops->mmu_index(cpu, true);
    CPUTLB *tlb = cpu_tlb(cpu);
    CPUTLBEntry *e = tlb_entry(tlb, mmu_idx, addr);

    if (tcg_ctx->user_mode) {
        return addr;
    }
    if (!tlb_hit(e->addr_code, addr)) {
        return (hwaddr)-1;
    }
    return tlb->full[mmu_idx][(addr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1)].phys_addr |
           (addr & ~TARGET_PAGE_MASK);
}

void *tlb_code_host_ptr(CPUState *cpu, uint64_t addr)
{
    int mmu_idx = tcg_cpu_ops->mmu_index(cpu, true);
    CPUTLBEntry *e;

    if (tcg_ctx->user_mode) {
        return user_host_addr(cpu, addr, 1, MMU_INST_FETCH, 0);
    }
    tlb_fill_entry(cpu, addr, 1, MMU_INST_FETCH, mmu_idx, false, 0);
    e = tlb_entry(cpu_tlb(cpu), mmu_idx, addr);
    if (!tlb_hit(e->addr_code, addr)) {
        return NULL;
    }
    return (void *)(uintptr_t)(addr + e->addend);
}

/* A page now holds code: make every vCPU's stores to it take the slow path. */
void tlb_protect_code(hwaddr page)
{
    CPUState *cpu;

    if (tcg_ctx->user_mode) {
        return;
    }
    CPU_FOREACH(cpu) {
        CPUTLB *tlb;
        if (!cpu->tcg) {
            continue;
        }
        tlb = cpu_tlb(cpu);
        for (int m = 0; m < tcg_ctx->tlb_nb_mmu; m++) {
            for (unsigned i = 0; i < CPU_TLB_SIZE; i++) {
                CPUTLBEntry *e = &tlb->table[m][i];
                if (tlb->full[m][i].phys_addr == page && e->addr_write != (uint64_t)-1 &&
                    !(e->addr_write & TLB_FLAGS_MASK)) {
                    __atomic_store_n(&e->addr_write, e->addr_write | TLB_NOTDIRTY,
                                     __ATOMIC_RELAXED);
                }
            }
            for (int k = 0; k < CPU_VTLB_SIZE; k++) {
                CPUTLBEntry *e = &tlb->d[m].vtable[k];
                if (tlb->d[m].vfull[k].phys_addr == page && e->addr_write != (uint64_t)-1 &&
                    !(e->addr_write & TLB_FLAGS_MASK)) {
                    e->addr_write |= TLB_NOTDIRTY;
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Slow paths */

static uint64_t bswap_size(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    case 8: return __builtin_bswap64(v);
    default: return v;
    }
}

static uint64_t host_load(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void host_store(void *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static void check_alignment(CPUState *cpu, uint64_t addr, MemOp op, MMUAccessType t,
                            int mmu_idx, uintptr_t ra)
{
    unsigned a_bits = memop_alignment_bits(op);

    if (addr & ((1u << a_bits) - 1)) {
        tcg_cpu_ops->do_unaligned_access(cpu, addr, t, mmu_idx, ra);
        g_assert_not_reached();
    }
}

static uint64_t io_access(CPUState *cpu, CPUTLBEntryFull *full, uint64_t addr, uint64_t val,
                          unsigned size, MMUAccessType t, int mmu_idx, uintptr_t ra)
{
    hwaddr phys = full->phys_addr | (addr & ~TARGET_PAGE_MASK);
    MemTxResult r;
    bool locked = bql_locked();

    if (!locked) {
        bql_lock();
    }
    if (t == MMU_DATA_STORE) {
        r = address_space_store(cpu->as, phys, size, val);
    } else {
        r = address_space_load(cpu->as, phys, size, &val);
    }
    if (!locked) {
        bql_unlock();
    }
    if (r != MEMTX_OK) {
        if (t != MMU_DATA_STORE) {
            val = 0;
        }
        if (tcg_cpu_ops->do_transaction_failed) {
            tcg_cpu_ops->do_transaction_failed(cpu, phys, addr, t, mmu_idx, ra);
        }
    }
    return val;
}

/* One access that does not cross a page; value in little-endian order. */
static uint64_t access_page(CPUState *cpu, uint64_t addr, uint64_t val, unsigned size,
                            MMUAccessType t, int mmu_idx, uintptr_t ra)
{
    CPUTLB *tlb = cpu_tlb(cpu);
    unsigned idx = (addr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1);
    CPUTLBEntry *e = &tlb->table[mmu_idx][idx];
    uint64_t cmp;
    void *host;

    tlb_fill_entry(cpu, addr, size, t, mmu_idx, false, ra);
    cmp = tlb_addr_for(e, t);
    if ((cmp & TLB_WATCHPOINT) && !cpu_tcg(cpu)->singlestep &&
        cpu_watchpoint_hit(cpu, addr, size, t == MMU_DATA_STORE)) {
        /* stop before the access; gdb steps over it with watchpoints removed */
        cpu_raise_exception_ra(cpu, EXCP_DEBUG, ra);
    }
    if (cmp & TLB_MMIO) {
        return io_access(cpu, &tlb->full[mmu_idx][idx], addr, val, size, t, mmu_idx, ra);
    }
    host = (void *)(uintptr_t)(addr + e->addend);
    if (t != MMU_DATA_STORE) {
        return host_load(host, size);
    }
    if (cmp & TLB_NOTDIRTY) {
        hwaddr phys = tlb->full[mmu_idx][idx].phys_addr | (addr & ~TARGET_PAGE_MASK);
        tb_invalidate_phys_range(phys, phys + size);
        if (!page_has_code(phys & TARGET_PAGE_MASK)) {
            e->addr_write &= ~(uint64_t)TLB_NOTDIRTY;   /* no code left: fast path again */
        }
    }
    host_store(host, val, size);
    return 0;
}

static uint64_t do_ld(CPUState *cpu, uint64_t addr, MemOpIdx oi, MMUAccessType t, uintptr_t ra)
{
    MemOp op = get_memop(oi);
    int mmu_idx = get_mmuidx(oi);
    unsigned size = memop_size(op);
    uint64_t val;

    check_alignment(cpu, addr, op, t, mmu_idx, ra);
    if (tcg_ctx->user_mode) {
        void *host = user_host_addr(cpu, addr, size, t, ra);
        set_helper_retaddr(ra);
        val = host_load(host, size);
        clear_helper_retaddr();
    } else if (((addr & ~TARGET_PAGE_MASK) + size) > TARGET_PAGE_SIZE) {
        /* crosses a page: byte by byte, both pages checked before the value is used */
        val = 0;
        for (unsigned i = 0; i < size; i++) {
            val |= access_page(cpu, addr + i, 0, 1, t, mmu_idx, ra) << (8 * i);
        }
    } else {
        val = access_page(cpu, addr, 0, size, t, mmu_idx, ra);
    }
    if (op & MO_BSWAP) {
        val = bswap_size(val, size);
    }
    return val;
}

static void do_st(CPUState *cpu, uint64_t addr, uint64_t val, MemOpIdx oi, uintptr_t ra)
{
    MemOp op = get_memop(oi);
    int mmu_idx = get_mmuidx(oi);
    unsigned size = memop_size(op);

    check_alignment(cpu, addr, op, MMU_DATA_STORE, mmu_idx, ra);
    if (op & MO_BSWAP) {
        val = bswap_size(val, size);
    }
    if (tcg_ctx->user_mode) {
        void *host = user_host_addr(cpu, addr, size, MMU_DATA_STORE, ra);
        set_helper_retaddr(ra);
        host_store(host, val, size);
        clear_helper_retaddr();
    } else if (((addr & ~TARGET_PAGE_MASK) + size) > TARGET_PAGE_SIZE) {
        /* fault on either page before writing anything */
        uint64_t second = (addr + size - 1) & TARGET_PAGE_MASK;
        tlb_fill_entry(cpu, addr, 1, MMU_DATA_STORE, mmu_idx, false, ra);
        tlb_fill_entry(cpu, second, 1, MMU_DATA_STORE, mmu_idx, false, ra);
        for (unsigned i = 0; i < size; i++) {
            access_page(cpu, addr + i, (val >> (8 * i)) & 0xff, 1, MMU_DATA_STORE, mmu_idx, ra);
        }
    } else {
        access_page(cpu, addr, val, size, MMU_DATA_STORE, mmu_idx, ra);
    }
}

uint64_t helper_ld_mmu(void *env, uint64_t addr, uint32_t oi, uintptr_t retaddr)
{
    return do_ld(env_cpu(env), addr, oi, MMU_DATA_LOAD, retaddr);
}

void helper_st_mmu(void *env, uint64_t addr, uint64_t val, uint32_t oi, uintptr_t retaddr)
{
    do_st(env_cpu(env), addr, val, oi, retaddr);
}

void *probe_access_rmw(void *env, uint64_t addr, int size, int mmu_idx, uintptr_t ra)
{
    CPUState *cpu = env_cpu(env);
    CPUTLB *tlb = cpu_tlb(cpu);
    unsigned idx = (addr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1);
    CPUTLBEntry *e;
    uint64_t cmp;

    if (tcg_ctx->user_mode) {
        return probe_access(env, addr, size, MMU_DATA_STORE, mmu_idx, false, ra);
    }
    tlb_fill_entry(cpu, addr, size, MMU_DATA_STORE, mmu_idx, false, ra);
    e = &tlb->table[mmu_idx][idx];
    cmp = tlb_addr_for(e, MMU_DATA_STORE);
    if (cmp & (TLB_MMIO | TLB_WATCHPOINT)) {
        return NULL;
    }
    if (cmp & TLB_NOTDIRTY) {
        hwaddr phys = tlb->full[mmu_idx][idx].phys_addr | (addr & ~TARGET_PAGE_MASK);
        tb_invalidate_phys_range(phys, phys + size);
    }
    return (void *)(uintptr_t)(addr + e->addend);
}

void *probe_access(void *env, uint64_t addr, int size, MMUAccessType t, int mmu_idx,
                   bool nonfault, uintptr_t ra)
{
    CPUState *cpu = env_cpu(env);
    CPUTLBEntry *e;
    uint64_t cmp;

    if (tcg_ctx->user_mode) {
        if (nonfault && ((addr | (addr + size - 1)) & tcg_ctx->guest_addr_mask)) {
            return NULL;
        }
        return user_host_addr(cpu, addr, size, t, ra);
    }
    if (!tlb_fill_entry(cpu, addr, size, t, mmu_idx, nonfault, ra)) {
        return NULL;
    }
    e = tlb_entry(cpu_tlb(cpu), mmu_idx, addr);
    cmp = tlb_addr_for(e, t);
    /* watched pages too: the caller's slow path checks each access */
    if (cmp & (TLB_FLAGS_MASK | TLB_WATCHPOINT)) {
        return NULL;
    }
    return (void *)(uintptr_t)(addr + e->addend);
}

/* ------------------------------------------------------------------------ */
/* C accessors */

uint64_t cpu_ld_mmuidx_ra(void *env, uint64_t addr, MemOp op, int mmu_idx, uintptr_t ra)
{
    return do_ld(env_cpu(env), addr, make_memop_idx(op, mmu_idx), MMU_DATA_LOAD, ra);
}

void cpu_st_mmuidx_ra(void *env, uint64_t addr, uint64_t val, MemOp op, int mmu_idx,
                      uintptr_t ra)
{
    do_st(env_cpu(env), addr, val, make_memop_idx(op, mmu_idx), ra);
}

static int data_mmu_idx(void *env)
{
    return tcg_cpu_ops->mmu_index(env_cpu(env), false);
}

uint32_t cpu_ldub_data_ra(void *env, uint64_t addr, uintptr_t ra)
{
    return cpu_ld_mmuidx_ra(env, addr, MO_UB, data_mmu_idx(env), ra);
}

uint32_t cpu_lduw_data_ra(void *env, uint64_t addr, uintptr_t ra)
{
    return cpu_ld_mmuidx_ra(env, addr, MO_LEUW, data_mmu_idx(env), ra);
}

uint32_t cpu_ldl_data_ra(void *env, uint64_t addr, uintptr_t ra)
{
    return cpu_ld_mmuidx_ra(env, addr, MO_LEUL, data_mmu_idx(env), ra);
}

uint64_t cpu_ldq_data_ra(void *env, uint64_t addr, uintptr_t ra)
{
    return cpu_ld_mmuidx_ra(env, addr, MO_LEUQ, data_mmu_idx(env), ra);
}

void cpu_stb_data_ra(void *env, uint64_t addr, uint32_t val, uintptr_t ra)
{
    cpu_st_mmuidx_ra(env, addr, val, MO_UB, data_mmu_idx(env), ra);
}

void cpu_stw_data_ra(void *env, uint64_t addr, uint32_t val, uintptr_t ra)
{
    cpu_st_mmuidx_ra(env, addr, val, MO_LEUW, data_mmu_idx(env), ra);
}

void cpu_stl_data_ra(void *env, uint64_t addr, uint32_t val, uintptr_t ra)
{
    cpu_st_mmuidx_ra(env, addr, val, MO_LEUL, data_mmu_idx(env), ra);
}

void cpu_stq_data_ra(void *env, uint64_t addr, uint64_t val, uintptr_t ra)
{
    cpu_st_mmuidx_ra(env, addr, val, MO_LEUQ, data_mmu_idx(env), ra);
}
