/*
 * The softmmu TLB (accel/tcg/cputlb.c) and C accessors for guest memory.
 * Flushes act on the calling vCPU's TLB; call them on that CPU's thread (or
 * while it is stopped).
 */
#ifndef EXEC_CPUTLB_H
#define EXEC_CPUTLB_H

#include "exec/cpu-exec.h"
#include "tcg/memop.h"

void tlb_flush(CPUState *cpu);
void tlb_flush_page(CPUState *cpu, uint64_t addr);
/* idxmap: bit i set = flush MMU index i */
void tlb_flush_by_mmuidx(CPUState *cpu, uint16_t idxmap);
void tlb_flush_page_by_mmuidx(CPUState *cpu, uint64_t addr, uint16_t idxmap);

/*
 * Flush src's TLB now and every other vCPU's before it runs its next TB
 * (asynchronously: the other vCPUs are kicked). Page variants flush
 * the other vCPUs' whole MMU indexes.
 */
void tlb_flush_by_mmuidx_all_cpus(CPUState *src, uint16_t idxmap);
void tlb_flush_all_cpus(CPUState *src);
void tlb_flush_page_all_cpus(CPUState *src, uint64_t addr);

/*
 * tlb_fill found a leaf larger than a page (a superpage of `size` bytes
 * containing vaddr): the TLB holds it page by page, so a later page flush
 * anywhere inside it must drop them all. Call before returning from tlb_fill.
 */
void tlb_note_large_page(CPUState *cpu, int mmu_idx, uint64_t vaddr, uint64_t size);

/* Map the page of vaddr to guest physical paddr with rights prot for mmu_idx. */
void tlb_set_page(CPUState *cpu, uint64_t vaddr, hwaddr paddr, int prot, int mmu_idx);

/*
 * Guest physical address of the code at addr (filling the TLB, which may
 * raise an instruction fault), or -1 if it is not in RAM/ROM.
 */
hwaddr get_page_addr_code(CPUState *cpu, uint64_t addr);

/*
 * Guest memory from C helpers. The _ra forms take the helper's GETPC() so
 * that a fault restores the guest state precisely; the others (ra = 0)
 * assume the state is already up to date. Values are little endian.
 */
uint64_t cpu_ld_mmuidx_ra(void *env, uint64_t addr, MemOp op, int mmu_idx, uintptr_t ra);
void cpu_st_mmuidx_ra(void *env, uint64_t addr, uint64_t val, MemOp op, int mmu_idx,
                      uintptr_t ra);
uint32_t cpu_ldub_data_ra(void *env, uint64_t addr, uintptr_t ra);
uint32_t cpu_lduw_data_ra(void *env, uint64_t addr, uintptr_t ra);
uint32_t cpu_ldl_data_ra(void *env, uint64_t addr, uintptr_t ra);
uint64_t cpu_ldq_data_ra(void *env, uint64_t addr, uintptr_t ra);
void cpu_stb_data_ra(void *env, uint64_t addr, uint32_t val, uintptr_t ra);
void cpu_stw_data_ra(void *env, uint64_t addr, uint32_t val, uintptr_t ra);
void cpu_stl_data_ra(void *env, uint64_t addr, uint32_t val, uintptr_t ra);
void cpu_stq_data_ra(void *env, uint64_t addr, uint64_t val, uintptr_t ra);
#define cpu_ldub_data(env, a)    cpu_ldub_data_ra(env, a, 0)
#define cpu_lduw_data(env, a)    cpu_lduw_data_ra(env, a, 0)
#define cpu_ldl_data(env, a)     cpu_ldl_data_ra(env, a, 0)
#define cpu_ldq_data(env, a)     cpu_ldq_data_ra(env, a, 0)
#define cpu_stb_data(env, a, v)  cpu_stb_data_ra(env, a, v, 0)
#define cpu_stw_data(env, a, v)  cpu_stw_data_ra(env, a, v, 0)
#define cpu_stl_data(env, a, v)  cpu_stl_data_ra(env, a, v, 0)
#define cpu_stq_data(env, a, v)  cpu_stq_data_ra(env, a, v, 0)

/*
 * Host pointer for [addr, addr + size) if it is RAM writable/readable
 * for access_type (filling the TLB; faults are raised unless nonfault),
 * else NULL (MMIO, a page with a gdb watchpoint, or a fault with nonfault). size must not cross a page.
 * Stores through the pointer must be followed by nothing: code pages are
 * never returned for MMU_DATA_STORE.
 */
void *probe_access(void *env, uint64_t addr, int size, MMUAccessType access_type,
                   int mmu_idx, bool nonfault, uintptr_t ra);
/*
 * For an atomic read-modify-write: like probe_access for a store, but RAM
 * that holds translated code is returned too, its translations of the
 * bytes dropped first, so the caller can update it with a host atomic
 * like everywhere else (an emulated load and store there would not be
 * atomic against another hart's host atomic). NULL for MMIO and watchpoints.
 */
void *probe_access_rmw(void *env, uint64_t addr, int size, int mmu_idx, uintptr_t ra);

/* Slow paths called by generated code (see tcg/x86_64). */
uint64_t helper_ld_mmu(void *env, uint64_t addr, uint32_t oi, uintptr_t retaddr);
void helper_st_mmu(void *env, uint64_t addr, uint64_t val, uint32_t oi, uintptr_t retaddr);

#endif
