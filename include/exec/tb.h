/*
 * TranslationBlock: one translated run of guest code, its host code in the
 * code buffer, and the data to chain, invalidate and unwind it.
 */
#ifndef EXEC_TB_H
#define EXEC_TB_H

#include "tern/osdep.h"
#include "tcg/tcg.h"

/* cflags */
#define CF_COUNT_MASK  0x000001ff   /* max guest instructions (0: default) */
#define CF_NOCHAIN     0x00000200   /* do not chain to or from this TB */
#define CF_NOCACHE     0x00000400   /* run once: not entered in the TB cache */
#define CF_INVALID     0x00010000   /* invalidated: never execute or chain */

/* Low bits of the exit_tb value returned by generated code. */
#define TB_EXIT_MASK       3
#define TB_EXIT_IDX0       0
#define TB_EXIT_IDX1       1
#define TB_EXIT_REQUESTED  3        /* exit_request seen at TB entry */

typedef struct TranslationBlock TranslationBlock;

/* jmp_pc of an invalidated TB: no guest jumps there (RISC-V pcs are even) */
#define TB_JMP_PC_INVALID UINT64_MAX

struct TranslationBlock {
    uint64_t pc;                /* guest virtual address of the first instruction */
    uint64_t jmp_pc;            /* pc, or TB_JMP_PC_INVALID once invalid: what jump slots compare */
    uint32_t flags;             /* target mode flags (from get_tb_cpu_state) */
    uint32_t cflags;
    uint32_t size;              /* guest bytes covered */
    uint32_t icount;            /* guest instructions */
    hwaddr page_addr[2];        /* guest physical pages ([1] = -1 if one page) */

    struct {
        uint8_t *ptr;           /* executable address of the host code */
        uint32_t size;
    } tc;

    /* insn_start data: for instruction i, host code ends at tc.ptr + insn_end[i] */
    uint32_t *insn_end;
    uint64_t (*insn_data)[TCG_INSN_START_WORDS];
    /* guest registers only in host registers at each guest memory access */
    TCGFaultMap *fault_maps;
    uint32_t nb_fault_maps;
    uint32_t *fault_entries;

    /* chaining: goto_tb slot n jumps to jmp_dest[n] when set */
    uint32_t body_offset;            /* host code past the entry check (see tb_add_jump) */
    uint32_t jmp_insn_offset[TCG_MAX_GOTO_TB];  /* rel32 field of the jump; UINT32_MAX: none */
    uint32_t jmp_reset_offset[TCG_MAX_GOTO_TB]; /* the unchained target */
    TranslationBlock *jmp_dest[TCG_MAX_GOTO_TB];
    GPtrArray *jmp_incoming;         /* tagged (TB * | slot) that jump here */

    TranslationBlock *hash_next;     /* hash bucket chain (lock-free readers) */
};

static inline bool tb_is_invalid(const TranslationBlock *tb)
{
    return (__atomic_load_n(&tb->cflags, __ATOMIC_ACQUIRE) & CF_INVALID) != 0;
}

#endif
