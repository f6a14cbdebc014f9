/* Shared between the files of the translator runtime (accel/tcg). */
#ifndef ACCEL_TCG_INTERNAL_H
#define ACCEL_TCG_INTERNAL_H

#include "tern/osdep.h"
#include <setjmp.h>
#include "exec/cpu-exec.h"
#include "exec/cputlb.h"
#include "exec/tb-jmp-cache.h"

/* Per-vCPU runtime state (CPUState.tcg). */
typedef struct TCGCPUState {
    sigjmp_buf jmp_env;
    uint32_t pending_flush;     /* MMU indexes other vCPUs asked us to flush */
    bool singlestep;
    TBJmpCache jc;              /* a full clear (every TLB flush) is jc.gen++ */
} TCGCPUState;

extern const TCGCPUOps *tcg_cpu_ops;

static inline TCGCPUState *cpu_tcg(CPUState *cpu)
{
    return cpu->tcg;
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
