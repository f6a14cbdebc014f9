/*
 * The softmmu TLB the generated code probes inline (see tcg/x86_64 and
 * accel/tcg/cputlb.c). One direct-mapped table per MMU index, plus a small
 * fully associative victim TLB per MMU index that catches conflict misses.
 *
 * A target embeds one CPUTLB in its CPU structure at a fixed offset from the
 * env pointer and tells the translator with tcg_set_guest_memory().
 */
#ifndef EXEC_CPU_TLB_H
#define EXEC_CPU_TLB_H

#include "tern/osdep.h"

#define TARGET_PAGE_BITS  12
#define TARGET_PAGE_SIZE  (1ull << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK  (~(uint64_t)(TARGET_PAGE_SIZE - 1))

#define CPU_TLB_BITS      10
#define CPU_TLB_SIZE      (1u << CPU_TLB_BITS)
#define CPU_VTLB_SIZE     8
#define CPU_TLB_NB_MMU    8          /* MMU indexes a target may use */
#define CPU_TLB_ENTRY_BITS 5         /* log2(sizeof(CPUTLBEntry)) */

/*
 * Flags in the low bits of the addr_* comparators. They sit above the
 * largest alignment mask (MO_ALIGN_16) so an access whose address bits
 * happen to equal them still mismatches and takes the slow path.
 */
#define TLB_INVALID_MASK  (1u << 11)  /* entry unused for this access type */
#define TLB_MMIO          (1u << 10)  /* I/O: dispatch through the memory API */
#define TLB_NOTDIRTY      (1u << 9)   /* page holds translated code: invalidate on write */
#define TLB_FLAGS_MASK    (TLB_INVALID_MASK | TLB_MMIO | TLB_NOTDIRTY)
/* page holds a gdb watchpoint: the slow path checks each access (not in TLB_FLAGS_MASK) */
#define TLB_WATCHPOINT    (1u << 8)

typedef struct CPUTLBEntry {
    uint64_t addr_read;      /* page address | flags, or -1 */
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;        /* host address = guest virtual address + addend */
} CPUTLBEntry;

_Static_assert(sizeof(CPUTLBEntry) == (1 << CPU_TLB_ENTRY_BITS), "CPUTLBEntry size");

/* Everything the slow path knows about one entry (not read by generated code). */
typedef struct CPUTLBEntryFull {
    hwaddr phys_addr;        /* guest physical page address */
    int prot;                /* PAGE_READ | PAGE_WRITE | PAGE_EXEC */
    void *mr;                /* MemoryRegion for MMIO entries */
    hwaddr mr_offset;        /* page offset within mr */
} CPUTLBEntryFull;

enum {
    PAGE_READ  = 1,
    PAGE_WRITE = 2,
    PAGE_EXEC  = 4,
};

typedef struct CPUTLBDesc {
    CPUTLBEntry vtable[CPU_VTLB_SIZE];
    CPUTLBEntryFull vfull[CPU_VTLB_SIZE];
    unsigned vindex;          /* next victim slot to replace */
    bool dirty;               /* filled since the last flush */
    /* union of the superpages filled since the last flush (see tlb_note_large_page) */
    uint64_t large_page_addr;
    uint64_t large_page_mask; /* 0: none */
} CPUTLBDesc;

typedef struct CPUTLB {
    /*
     * Checked by generated code at every TB entry: non-zero makes the TB
     * return to cpu_exec (set by tcg_cpu_kick). Kept here because this is
     * the part of the CPU that generated code reaches relative to env.
     */
    volatile int32_t exit_request;
    int32_t pad;
    struct CPUState *cpu;    /* back pointer: env -> CPUState */
    struct TBJmpCache *jmp_cache;   /* this vCPU's jump cache (generated code probes it) */
    CPUTLBEntry table[CPU_TLB_NB_MMU][CPU_TLB_SIZE];   /* probed by generated code */
    CPUTLBEntryFull full[CPU_TLB_NB_MMU][CPU_TLB_SIZE];
    CPUTLBDesc d[CPU_TLB_NB_MMU];
} CPUTLB;

#endif
