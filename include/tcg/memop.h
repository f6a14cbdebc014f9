/*
 * MemOp: size, signedness, byte order and alignment of one guest memory
 * access, as passed to tcg_gen_qemu_ld/st and the softmmu slow paths.
 */
#ifndef TCG_MEMOP_H
#define TCG_MEMOP_H

typedef enum MemOp {
    MO_8     = 0,
    MO_16    = 1,
    MO_32    = 2,
    MO_64    = 3,
    MO_SIZE  = 3,            /* log2 of the access size in bytes */

    MO_SIGN  = 4,            /* sign-extend the loaded value */

    MO_BSWAP = 8,            /* byte order opposite to the host (x86: big endian) */
    MO_LE    = 0,
    MO_BE    = MO_BSWAP,
    MO_TE    = MO_LE,        /* target endianness: every Tern TCG guest is little endian */

    /*
     * Alignment: MO_UNALN accepts any address (a page-crossing access takes
     * the slow path); MO_ALIGN requires natural alignment; MO_ALIGN_n requires
     * n-byte alignment. A misaligned access calls the target's
     * do_unaligned_access hook (which raises the guest exception).
     */
    MO_ASHIFT = 4,
    MO_AMASK  = 7 << MO_ASHIFT,
    MO_UNALN  = 0,
    MO_ALIGN_2  = 1 << MO_ASHIFT,
    MO_ALIGN_4  = 2 << MO_ASHIFT,
    MO_ALIGN_8  = 3 << MO_ASHIFT,
    MO_ALIGN_16 = 4 << MO_ASHIFT,
    MO_ALIGN    = 7 << MO_ASHIFT,   /* natural alignment of MO_SIZE */

    MO_UB   = MO_8,
    MO_UW   = MO_16,
    MO_UL   = MO_32,
    MO_UQ   = MO_64,
    MO_SB   = MO_SIGN | MO_8,
    MO_SW   = MO_SIGN | MO_16,
    MO_SL   = MO_SIGN | MO_32,
    MO_SQ   = MO_SIGN | MO_64,
    MO_LEUW = MO_LE | MO_UW,
    MO_LEUL = MO_LE | MO_UL,
    MO_LEUQ = MO_LE | MO_UQ,
    MO_LESW = MO_LE | MO_SW,
    MO_LESL = MO_LE | MO_SL,
    MO_TEUW = MO_TE | MO_UW,
    MO_TEUL = MO_TE | MO_UL,
    MO_TEUQ = MO_TE | MO_UQ,
    MO_TESW = MO_TE | MO_SW,
    MO_TESL = MO_TE | MO_SL,
    MO_BEUW = MO_BE | MO_UW,
    MO_BEUL = MO_BE | MO_UL,
    MO_BEUQ = MO_BE | MO_UQ,
    MO_BESW = MO_BE | MO_SW,
    MO_BESL = MO_BE | MO_SL,
} MemOp;

static inline unsigned memop_size(MemOp op)
{
    return 1u << (op & MO_SIZE);
}

/* log2 of the required alignment in bytes (0: none). */
static inline unsigned memop_alignment_bits(MemOp op)
{
    unsigned a = (op & MO_AMASK) >> MO_ASHIFT;
    return a == 7 ? (op & MO_SIZE) : a;
}

/* A MemOp and an MMU index packed into one word, as passed to slow paths. */
typedef uint32_t MemOpIdx;

static inline MemOpIdx make_memop_idx(MemOp op, unsigned mmu_idx)
{
    return ((uint32_t)op << 4) | mmu_idx;
}

static inline MemOp get_memop(MemOpIdx oi)
{
    return (MemOp)(oi >> 4);
}

static inline unsigned get_mmuidx(MemOpIdx oi)
{
    return oi & 15;
}

#endif
