/*
 * The per-vCPU jump cache: recently run TBs by guest virtual pc. Probed by
 * the runtime (tb_lookup) and inline by generated code for indirect jumps
 * (tcg_gen_lookup_and_goto_ptr_same_flags), so its layout is shared here.
 */
#ifndef EXEC_TB_JMP_CACHE_H
#define EXEC_TB_JMP_CACHE_H

#include "tern/osdep.h"

struct TranslationBlock;

#define TB_JMP_CACHE_BITS 12
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)
#define TB_JMP_GROUP_BITS 8
#define TB_JMP_GROUP (1u << TB_JMP_GROUP_BITS)

typedef struct TBJmpCacheEntry {
    uint64_t gen;                    /* valid only if equal to TBJmpCache.gen */
    struct TranslationBlock *tb;
} TBJmpCacheEntry;

/*
 * System mode: the vCPU's slot for one indirect-jump site (TCGContext
 * jmp_slots), the TB the site went to last on this vCPU.
 */
typedef struct TBJmpSlot {
    struct TranslationBlock *tb;
    uint64_t epoch;                  /* valid only if equal to TBJmpCache.slot_epoch */
} TBJmpSlot;

typedef struct TBJmpCache {
    uint64_t gen;                    /* bumped to clear the whole cache */
    uint64_t slot_epoch;             /* bumped by every clear, also of one page */
    TBJmpSlot *slots;                /* system mode: by site */
    TBJmpCacheEntry e[TB_JMP_CACHE_SIZE];
} TBJmpCache;

/*
 * Index: the low page-number bits pick a group of TB_JMP_GROUP entries (a
 * page flush clears one group); the offset in the page, folded, picks the
 * entry. The x86-64 backend emits the same computation.
 */
static inline unsigned tb_jmp_cache_hash(uint64_t pc)
{
    unsigned page = (unsigned)(pc >> 12) & (TB_JMP_CACHE_SIZE / TB_JMP_GROUP - 1);
    unsigned in_page = (unsigned)((pc >> 1) ^ (pc >> (1 + TB_JMP_GROUP_BITS))) & (TB_JMP_GROUP - 1);
    return page * TB_JMP_GROUP + in_page;
}

#endif
