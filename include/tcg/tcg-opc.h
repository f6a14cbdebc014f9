/*
 * The TCG opcode table. Each DEF(name, oargs, iargs, cargs, flags) becomes
 * INDEX_op_<name>. One opcode serves both operand widths: the TCGOp records
 * its type (TCG_TYPE_I32 or TCG_TYPE_I64). Argument order in TCGOp.args is
 * outputs, then inputs (temps), then constant arguments.
 * `call` has a variable argument count recorded in the op itself.
 */
/* No #include guard: included several times with different DEF(). */

DEF(nop, 0, 0, 0, TCG_OPF_NOT_PRESENT)
DEF(insn_start, 0, 0, TCG_INSN_START_WORDS, TCG_OPF_NOT_PRESENT)

/* Control flow */
DEF(set_label, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_NOT_PRESENT)
DEF(br, 0, 0, 1, TCG_OPF_BB_END)
DEF(brcond, 0, 2, 2, TCG_OPF_BB_END | TCG_OPF_COND_BRANCH)  /* cond, label */
DEF(call, 0, 0, 2, TCG_OPF_SIDE_EFFECTS)  /* func, flags; args in the op */
DEF(goto_tb, 0, 0, 1, TCG_OPF_BB_EXIT | TCG_OPF_BB_END)   /* slot 0/1 */
DEF(exit_tb, 0, 0, 1, TCG_OPF_BB_EXIT | TCG_OPF_BB_END)   /* return value */
DEF(goto_ptr, 0, 1, 0, TCG_OPF_BB_EXIT | TCG_OPF_BB_END)  /* host code or 0 */
/*
 * Jump to the TB for guest pc (input) and TB flags (carg 0) via the jump
 * cache; on a miss, store pc at env + carg 1 and call the lookup helper.
 */
DEF(lookup_goto, 0, 1, 2, TCG_OPF_BB_EXIT | TCG_OPF_BB_END)
DEF(mb, 0, 0, 1, TCG_OPF_SIDE_EFFECTS)                    /* TCGBar */

/* Moves and conditionals */
DEF(mov, 1, 1, 0, 0)
DEF(setcond, 1, 2, 1, 0)          /* ret = (a cond b) ? 1 : 0 */
DEF(negsetcond, 1, 2, 1, 0)       /* ret = (a cond b) ? -1 : 0 */
DEF(movcond, 1, 4, 1, 0)          /* ret = (c1 cond c2) ? v1 : v2 */

/* Host memory relative to a pointer (normally env); carg = byte offset */
DEF(ld8u, 1, 1, 1, 0)
DEF(ld8s, 1, 1, 1, 0)
DEF(ld16u, 1, 1, 1, 0)
DEF(ld16s, 1, 1, 1, 0)
DEF(ld32u, 1, 1, 1, 0)
DEF(ld32s, 1, 1, 1, 0)
DEF(ld, 1, 1, 1, 0)
DEF(st8, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)
DEF(st16, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)
DEF(st32, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)
DEF(st, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)

/* Arithmetic and logic */
DEF(add, 1, 2, 0, 0)
DEF(sub, 1, 2, 0, 0)
DEF(neg, 1, 1, 0, 0)
DEF(mul, 1, 2, 0, 0)
DEF(muluh, 1, 2, 0, 0)            /* high half of unsigned product */
DEF(mulsh, 1, 2, 0, 0)            /* high half of signed product */
DEF(mulu2, 2, 2, 0, 0)            /* (lo, hi) = a * b unsigned */
DEF(muls2, 2, 2, 0, 0)            /* (lo, hi) = a * b signed */
DEF(divs, 1, 2, 0, 0)             /* divisor != 0, no INT_MIN / -1 */
DEF(divu, 1, 2, 0, 0)             /* divisor != 0 */
DEF(rems, 1, 2, 0, 0)
DEF(remu, 1, 2, 0, 0)
DEF(and, 1, 2, 0, 0)
DEF(or, 1, 2, 0, 0)
DEF(xor, 1, 2, 0, 0)
DEF(not, 1, 1, 0, 0)
DEF(andc, 1, 2, 0, 0)             /* a & ~b */
DEF(orc, 1, 2, 0, 0)              /* a | ~b */
DEF(eqv, 1, 2, 0, 0)              /* ~(a ^ b) */
DEF(nand, 1, 2, 0, 0)
DEF(nor, 1, 2, 0, 0)
DEF(shl, 1, 2, 0, 0)              /* count taken modulo the width */
DEF(shr, 1, 2, 0, 0)
DEF(sar, 1, 2, 0, 0)
DEF(rotl, 1, 2, 0, 0)
DEF(rotr, 1, 2, 0, 0)

/* Extensions, bit fields, byte swaps, bit counts */
DEF(ext8s, 1, 1, 0, 0)
DEF(ext8u, 1, 1, 0, 0)
DEF(ext16s, 1, 1, 0, 0)
DEF(ext16u, 1, 1, 0, 0)
DEF(ext32s, 1, 1, 0, 0)           /* i64 only */
DEF(ext32u, 1, 1, 0, 0)           /* i64 only */
DEF(ext_i32_i64, 1, 1, 0, 0)      /* i64 <- sign-extended i32 */
DEF(extu_i32_i64, 1, 1, 0, 0)     /* i64 <- zero-extended i32 */
DEF(extrl_i64_i32, 1, 1, 0, 0)    /* i32 <- low half of i64 */
DEF(extrh_i64_i32, 1, 1, 0, 0)    /* i32 <- high half of i64 */
DEF(deposit, 1, 2, 2, 0)          /* pos, len: ret = a with b's low len bits at pos */
DEF(extract, 1, 1, 2, 0)          /* pos, len: unsigned field */
DEF(sextract, 1, 1, 2, 0)         /* pos, len: signed field */
DEF(bswap16, 1, 1, 1, 0)          /* TCG_BSWAP_* flags */
DEF(bswap32, 1, 1, 1, 0)
DEF(bswap64, 1, 1, 1, 0)
DEF(clz, 1, 2, 0, 0)              /* ret = a ? clz(a) : b */
DEF(ctz, 1, 2, 0, 0)              /* ret = a ? ctz(a) : b */
DEF(ctpop, 1, 1, 0, 0)

/*
 * Guest memory: cargs = MemOp, mmu index, displacement, range known. The
 * access is at addr + displacement. The last two are set by the optimizer
 * in user mode only (front ends pass 0): see tcg_set_guest_addr_mask.
 * May raise a guest exception.
 */
DEF(qemu_ld, 1, 1, 4, TCG_OPF_SIDE_EFFECTS | TCG_OPF_GUEST_MEM)
DEF(qemu_st, 0, 2, 4, TCG_OPF_SIDE_EFFECTS | TCG_OPF_GUEST_MEM)

/*
 * Floating point on IEEE-754 bit patterns in i64 temps (tcg/tcg-op.h,
 * "Floating point"). cargs: TCG_FP_* flags, fallback function, its desc.
 * Side effects: they raise the host's sticky exception flags, so they are
 * never removed even when the result is unused, and never folded.
 */
DEF(fadd, 1, 2, 3, TCG_OPF_SIDE_EFFECTS)
DEF(fsub, 1, 2, 3, TCG_OPF_SIDE_EFFECTS)
DEF(fmul, 1, 2, 3, TCG_OPF_SIDE_EFFECTS)
DEF(fdiv, 1, 2, 3, TCG_OPF_SIDE_EFFECTS)
DEF(fsqrt, 1, 1, 3, TCG_OPF_SIDE_EFFECTS)
DEF(fma, 1, 3, 3, TCG_OPF_SIDE_EFFECTS)     /* (+-)(a * b) (+-) c, one rounding */
DEF(fcmp, 1, 2, 3, TCG_OPF_SIDE_EFFECTS)    /* ret = a cond b ? 1 : 0 */
DEF(ftoi, 1, 1, 3, TCG_OPF_SIDE_EFFECTS)    /* float -> integer */
DEF(itof, 1, 1, 3, TCG_OPF_SIDE_EFFECTS)    /* integer -> float */
DEF(fcvt, 1, 1, 3, TCG_OPF_SIDE_EFFECTS)    /* binary32 <-> binary64 */

/*
 * The host's sticky exception flags as TCG_FPE_* bits, i64. Side effects:
 * never removed or folded, so they stay in order with the f* ops.
 * fp_flags_get: ret = the flags. fp_flags_keep(mask): afterwards the
 * flags are within mask: left alone if they are, else all cleared.
 */
DEF(fp_flags_get, 1, 0, 0, TCG_OPF_SIDE_EFFECTS)
DEF(fp_flags_keep, 0, 1, 0, TCG_OPF_SIDE_EFFECTS)
