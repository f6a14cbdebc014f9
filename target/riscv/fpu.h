/*
 * RISC-V F and D arithmetic on raw bit patterns (unprivileged spec ch. 11, 12).
 *
 * How results are made exact: RNE, RTZ, RDN and RUP run on the host's
 * IEEE-754 SSE unit (fesetround) with the exception flags read back from the
 * host; RISC-V differences are fixed in software: NaN inputs are handled
 * before the host sees them (canonical NaN result, NV for sNaN and for
 * fma's inf*0), fmin/fmax/compares/fclass/sign injection and fcvt to integer
 * (saturation, NV) are software. RMM (ties away), which the host lacks, and
 * every narrowing conversion are rounded by round_pack() in software: the
 * operation runs in a wider host format (double for singles, x87 long double
 * for doubles) truncating and "rounding to odd" (sticky LSB), which keeps
 * enough information for a correct second rounding (p + 2 bits suffice).
 * Tininess is detected after rounding, as on RISC-V and x86.
 */
#ifndef TARGET_RISCV_FPU_H
#define TARGET_RISCV_FPU_H

#include "tern/osdep.h"

typedef enum RVFpOp {
    FPOP_ADD, FPOP_SUB, FPOP_MUL, FPOP_DIV, FPOP_SQRT, FPOP_MIN, FPOP_MAX,
    FPOP_MADD, FPOP_MSUB, FPOP_NMSUB, FPOP_NMADD,
    FPOP_EQ, FPOP_LT, FPOP_LE, FPOP_CLASS,
    FPOP_SGNJ, FPOP_SGNJN, FPOP_SGNJX,
    FPOP_CVT_W, FPOP_CVT_WU, FPOP_CVT_L, FPOP_CVT_LU,       /* float -> int (a) */
    FPOP_CVT_FROM_W, FPOP_CVT_FROM_WU, FPOP_CVT_FROM_L, FPOP_CVT_FROM_LU, /* int a -> float */
    FPOP_CVT_NARROW,   /* fcvt.s.d */
    FPOP_CVT_WIDEN,    /* fcvt.d.s */
} RVFpOp;

#define RV_CANONICAL_NAN_S 0x7fc00000u
#define RV_CANONICAL_NAN_D 0x7ff8000000000000ull

/*
 * One operation. dbl selects D (else F: a, b, c are unboxed singles in the
 * low 32 bits, and a single result is returned unboxed). rm is a static
 * rounding mode 0..4. Flags raised are ORed into *flags.
 * Integer results are returned sign-extended to 64 bits (W forms too).
 */
uint64_t rv_fpu_op(RVFpOp op, bool dbl, uint64_t a, uint64_t b, uint64_t c,
                   int rm, uint32_t *flags);
/*
 * The same with arithmetic always taking the software-rounding path that
 * RMM uses, in any mode: tests check it against the host in RNE..RUP.
 */
/*
 * The common case on the host FPU alone: an RNE add/sub/mul/div/sqrt/fma
 * whose inputs are normal or zero and whose result is normal raises no flag
 * but NX. When the guest's sticky fflags already hold NX (spec 11.2), such
 * an op changes nothing but rd, so it needs no MXCSR switch or flag read
 * (QEMU's softfloat takes the same shortcut). Returns false, leaving *r
 * alone, for anything else; the caller then takes rv_fpu_op.
 */
bool rv_fpu_op_fast(RVFpOp op, bool dbl, uint64_t a, uint64_t b, uint64_t c, uint64_t *r);
uint64_t rv_fpu_op_soft(RVFpOp op, bool dbl, uint64_t a, uint64_t b, uint64_t c,
                        int rm, uint32_t *flags);

#endif
