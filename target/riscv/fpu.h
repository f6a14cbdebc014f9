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
 *
 * This is the exact path. Translated code runs most F/D instructions
 * inline instead (trans-rvfd.c.inc, tcg/tcg-op.h "Floating point"): when
 * the rounding mode is RNE (static, or dynamic with frm = RNE, a TB flag)
 * or RTZ for fcvt to integer, the op runs on the host's SSE unit, and only
 * NaN results, improperly boxed singles and out-of-range conversions call
 * helper_fpop out of line. fmin/fmax/fclass, other rounding modes and fma
 * without host FMA3 always call it.
 *
 * fflags while guest code runs: the host's sticky MXCSR flags accumulate
 * what inline code raised (IE, ZE, OE, UE, PE = NV, DZ, OF, UF, NX; for the
 * cases that run inline, x86 raises what RISC-V does), so the guest's
 * fflags are env->fflags | MXCSR flags. The flags are cleared when
 * cpu_exec starts. Translated code reads fflags and fcsr inline
 * (trans-rvfd.c.inc gen_fflags_csr: TCG's fp_flags_get, no call; gcc saves
 * and restores fflags around every quiet compare); a write of fflags
 * stores env->fflags and, with fp_flags_keep, clears the MXCSR flags only
 * if it dropped one of them. riscv_fpu_fold_flags ORs them into
 * env->fflags on the other guest accesses (fcsr writes, and any access
 * with the FPU off, through riscv_csrrw) and when cpu_exec returns, so
 * everything outside it (signal frames, gdb, dumps) sees env->fflags
 * complete. Only a guest write that drops a flag clears them.
 * The invariant this needs: nothing else that runs on a hart's thread
 * inside cpu_exec may raise or clear MXCSR flags, or leave MXCSR's rounding
 * mode other than RNE. helper_fpop saves and restores MXCSR around this
 * file's code (which uses fenv and MXCSR itself); the TB lock keeps the
 * flags across translation and TB-cache updates (glib's hash tables resize
 * with double arithmetic); the linux-user fault handler puts back the MXCSR
 * of the interrupted code before it unwinds (the kernel gives handlers a
 * clean one). No other helper, device model or runtime code that generated
 * code calls does floating point: keep it so (objdump -d shows SSE
 * arithmetic only in this file, size_to_str, parse_size and json_int).
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
uint64_t rv_fpu_op_soft(RVFpOp op, bool dbl, uint64_t a, uint64_t b, uint64_t c,
                        int rm, uint32_t *flags);

#endif
