/* Shared between the files of the translator runtime (accel/tcg). */
#ifndef ACCEL_TCG_INTERNAL_H
#define ACCEL_TCG_INTERNAL_H

#include "tern/osdep.h"
#include <setjmp.h>
#include "exec/cpu-exec.h"
#include "exec/cputlb.h"

#define TB_JMP_CACHE_BITS 12
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)

/* Per-vCPU runtime state (CPUState.tcg). */
typedef struct TCGCPUState {
    sigjmp_buf jmp_env;
    /*
     * Jump cache: recently run TBs by guest virtual pc. An entry is valid
     * only while its gen equals jc_gen, so a full clear (every TLB flush)
     * is one increment.
     */
    uint64_t jc_gen;
    struct {
        uint64_t gen;
        TranslationBlock *tb;
    } jc[TB_JMP_CACHE_SIZE];
} TCGCPUState;

extern const TCGCPUOps *tcg_cpu_ops;

static inline TCGCPUState *cpu_tcg(CPUState *cpu)
{
    return cpu->tcg;
}

/*
 * Jump cache index: the low bits of the page number pick a group of
 * TB_JMP_GROUP entries so that a page flush clears one group (see
 * tb_jmp_cache_clear_page); the offset in the page, folded, picks the entry.
 */
#define TB_JMP_GROUP_BITS 8
#define TB_JMP_GROUP (1u << TB_JMP_GROUP_BITS)

static inline unsigned tb_jmp_cache_hash(uint64_t pc)
{
    unsigned page = (unsigned)(pc >> TARGET_PAGE_BITS) & ((TB_JMP_CACHE_SIZE / TB_JMP_GROUP) - 1);
    unsigned in_page = (unsigned)((pc >> 1) ^ (pc >> (1 + TB_JMP_GROUP_BITS))) & (TB_JMP_GROUP - 1);
    return page * TB_JMP_GROUP + in_page;
}

void tb_jmp_cache_clear(CPUState *cpu);
void tb_jmp_cache_clear_page(CPUState *cpu, uint64_t addr);

/* translate-all.c */
TranslationBlock *tb_lookup(CPUState *cpu, uint64_t pc, uint32_t flags, bool may_fill);
TranslationBlock *tb_gen_code(CPUState *cpu, uint64_t pc, uint32_t flags, uint32_t cflags);
void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *dest);
/* Bumped by every flush: TB pointers from before a flush are stale. */
extern volatile unsigned tb_flush_count;
void tb_unlock_after_longjmp(void);
bool page_has_code(hwaddr page);
/* Around cpu_exec: excludes tb_flush while the vCPU may touch TBs. */
void tcg_exec_enter(void);
void tcg_exec_leave(void);

/* cputlb.c */
/* Physical page of code at addr if its TLB entry is present, else -1 (no fill). */
hwaddr get_page_addr_code_nofill(CPUState *cpu, uint64_t addr);
void tlb_protect_code(hwaddr page);
void *tlb_code_host_ptr(CPUState *cpu, uint64_t addr);

#endif
