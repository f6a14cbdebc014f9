/*
 * F and D under tern-riscv64: thousands of random operations with NaNs,
 * signaling NaNs, infinities, subnormals, -0, overflow, underflow, ties,
 * improperly NaN-boxed singles and out-of-range conversions, in every
 * rounding mode (dynamic ones with frm = RNE and RUP), each printed with
 * its result and fflags; the runner compares the output with
 * qemu-riscv64's, whose softfloat is exact. Then fflags accumulated
 * without reads, across a system call, a signal handler and a faulting
 * store; every CSR instruction form on fflags and fcsr around ops raising
 * each flag; and self-checks of results the spec fixes (canonical NaN, NV).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

#define NV 16
#define DZ 8
#define OF 4
#define UF 2
#define NX 1

/*
 * X(name, shape, operand kind, instruction). Shapes: FFn (n FP operands in
 * ft0..ft2, FP result in ft3), FXn (integer result), XF1 (integer operand).
 * Operands and FP results are raw 64-bit patterns: singles may be unboxed.
 * gas refuses a static rounding mode on exact conversions: those are .insn
 * (OP-FP, funct3 = rm, funct7 0x69 fcvt.d.w[u] (rs2 1: unsigned), 0x21 fcvt.d.s).
 * Kinds: S single, D double, W 32-bit and L 64-bit integer.
 */
#define OPS(X) \
    X(fadd_s_dyn,    FF2, S, "fadd.s ft3, ft0, ft1") \
    X(fsub_s_dyn,    FF2, S, "fsub.s ft3, ft0, ft1") \
    X(fmul_s_dyn,    FF2, S, "fmul.s ft3, ft0, ft1") \
    X(fdiv_s_dyn,    FF2, S, "fdiv.s ft3, ft0, ft1") \
    X(fsqrt_s_dyn,   FF1, S, "fsqrt.s ft3, ft0") \
    X(fmadd_s_dyn,   FF3, S, "fmadd.s ft3, ft0, ft1, ft2") \
    X(fmsub_s_dyn,   FF3, S, "fmsub.s ft3, ft0, ft1, ft2") \
    X(fnmsub_s_dyn,  FF3, S, "fnmsub.s ft3, ft0, ft1, ft2") \
    X(fnmadd_s_dyn,  FF3, S, "fnmadd.s ft3, ft0, ft1, ft2") \
    X(fadd_s_rne,    FF2, S, "fadd.s ft3, ft0, ft1, rne") \
    X(fsub_s_rne,    FF2, S, "fsub.s ft3, ft0, ft1, rne") \
    X(fmul_s_rne,    FF2, S, "fmul.s ft3, ft0, ft1, rne") \
    X(fdiv_s_rne,    FF2, S, "fdiv.s ft3, ft0, ft1, rne") \
    X(fsqrt_s_rne,   FF1, S, "fsqrt.s ft3, ft0, rne") \
    X(fmadd_s_rne,   FF3, S, "fmadd.s ft3, ft0, ft1, ft2, rne") \
    X(fmsub_s_rne,   FF3, S, "fmsub.s ft3, ft0, ft1, ft2, rne") \
    X(fnmsub_s_rne,  FF3, S, "fnmsub.s ft3, ft0, ft1, ft2, rne") \
    X(fnmadd_s_rne,  FF3, S, "fnmadd.s ft3, ft0, ft1, ft2, rne") \
    X(fadd_s_rtz,    FF2, S, "fadd.s ft3, ft0, ft1, rtz") \
    X(fsub_s_rtz,    FF2, S, "fsub.s ft3, ft0, ft1, rtz") \
    X(fmul_s_rtz,    FF2, S, "fmul.s ft3, ft0, ft1, rtz") \
    X(fdiv_s_rtz,    FF2, S, "fdiv.s ft3, ft0, ft1, rtz") \
    X(fsqrt_s_rtz,   FF1, S, "fsqrt.s ft3, ft0, rtz") \
    X(fmadd_s_rtz,   FF3, S, "fmadd.s ft3, ft0, ft1, ft2, rtz") \
    X(fmsub_s_rtz,   FF3, S, "fmsub.s ft3, ft0, ft1, ft2, rtz") \
    X(fnmsub_s_rtz,  FF3, S, "fnmsub.s ft3, ft0, ft1, ft2, rtz") \
    X(fnmadd_s_rtz,  FF3, S, "fnmadd.s ft3, ft0, ft1, ft2, rtz") \
    X(fadd_s_rdn,    FF2, S, "fadd.s ft3, ft0, ft1, rdn") \
    X(fsub_s_rdn,    FF2, S, "fsub.s ft3, ft0, ft1, rdn") \
    X(fmul_s_rdn,    FF2, S, "fmul.s ft3, ft0, ft1, rdn") \
    X(fdiv_s_rdn,    FF2, S, "fdiv.s ft3, ft0, ft1, rdn") \
    X(fsqrt_s_rdn,   FF1, S, "fsqrt.s ft3, ft0, rdn") \
    X(fmadd_s_rdn,   FF3, S, "fmadd.s ft3, ft0, ft1, ft2, rdn") \
    X(fmsub_s_rdn,   FF3, S, "fmsub.s ft3, ft0, ft1, ft2, rdn") \
    X(fnmsub_s_rdn,  FF3, S, "fnmsub.s ft3, ft0, ft1, ft2, rdn") \
    X(fnmadd_s_rdn,  FF3, S, "fnmadd.s ft3, ft0, ft1, ft2, rdn") \
    X(fadd_s_rup,    FF2, S, "fadd.s ft3, ft0, ft1, rup") \
    X(fsub_s_rup,    FF2, S, "fsub.s ft3, ft0, ft1, rup") \
    X(fmul_s_rup,    FF2, S, "fmul.s ft3, ft0, ft1, rup") \
    X(fdiv_s_rup,    FF2, S, "fdiv.s ft3, ft0, ft1, rup") \
    X(fsqrt_s_rup,   FF1, S, "fsqrt.s ft3, ft0, rup") \
    X(fmadd_s_rup,   FF3, S, "fmadd.s ft3, ft0, ft1, ft2, rup") \
    X(fmsub_s_rup,   FF3, S, "fmsub.s ft3, ft0, ft1, ft2, rup") \
    X(fnmsub_s_rup,  FF3, S, "fnmsub.s ft3, ft0, ft1, ft2, rup") \
    X(fnmadd_s_rup,  FF3, S, "fnmadd.s ft3, ft0, ft1, ft2, rup") \
    X(fadd_s_rmm,    FF2, S, "fadd.s ft3, ft0, ft1, rmm") \
    X(fsub_s_rmm,    FF2, S, "fsub.s ft3, ft0, ft1, rmm") \
    X(fmul_s_rmm,    FF2, S, "fmul.s ft3, ft0, ft1, rmm") \
    X(fdiv_s_rmm,    FF2, S, "fdiv.s ft3, ft0, ft1, rmm") \
    X(fsqrt_s_rmm,   FF1, S, "fsqrt.s ft3, ft0, rmm") \
    X(fmadd_s_rmm,   FF3, S, "fmadd.s ft3, ft0, ft1, ft2, rmm") \
    X(fmsub_s_rmm,   FF3, S, "fmsub.s ft3, ft0, ft1, ft2, rmm") \
    X(fnmsub_s_rmm,  FF3, S, "fnmsub.s ft3, ft0, ft1, ft2, rmm") \
    X(fnmadd_s_rmm,  FF3, S, "fnmadd.s ft3, ft0, ft1, ft2, rmm") \
    X(fmin_s,        FF2, S, "fmin.s ft3, ft0, ft1") \
    X(fmax_s,        FF2, S, "fmax.s ft3, ft0, ft1") \
    X(fsgnjx_s,      FF2, S, "fsgnjx.s ft3, ft0, ft1") \
    X(feq_s,         FX2, S, "feq.s %0, ft0, ft1") \
    X(flt_s,         FX2, S, "flt.s %0, ft0, ft1") \
    X(fle_s,         FX2, S, "fle.s %0, ft0, ft1") \
    X(fclass_s,      FX1, S, "fclass.s %0, ft0") \
    X(fcvt_w_s_dyn,  FX1, S, "fcvt.w.s %0, ft0") \
    X(fcvt_w_s_rne,  FX1, S, "fcvt.w.s %0, ft0, rne") \
    X(fcvt_w_s_rtz,  FX1, S, "fcvt.w.s %0, ft0, rtz") \
    X(fcvt_w_s_rdn,  FX1, S, "fcvt.w.s %0, ft0, rdn") \
    X(fcvt_w_s_rup,  FX1, S, "fcvt.w.s %0, ft0, rup") \
    X(fcvt_wu_s_dyn, FX1, S, "fcvt.wu.s %0, ft0") \
    X(fcvt_wu_s_rne, FX1, S, "fcvt.wu.s %0, ft0, rne") \
    X(fcvt_wu_s_rtz, FX1, S, "fcvt.wu.s %0, ft0, rtz") \
    X(fcvt_wu_s_rdn, FX1, S, "fcvt.wu.s %0, ft0, rdn") \
    X(fcvt_wu_s_rup, FX1, S, "fcvt.wu.s %0, ft0, rup") \
    X(fcvt_l_s_dyn,  FX1, S, "fcvt.l.s %0, ft0") \
    X(fcvt_l_s_rne,  FX1, S, "fcvt.l.s %0, ft0, rne") \
    X(fcvt_l_s_rtz,  FX1, S, "fcvt.l.s %0, ft0, rtz") \
    X(fcvt_l_s_rdn,  FX1, S, "fcvt.l.s %0, ft0, rdn") \
    X(fcvt_l_s_rup,  FX1, S, "fcvt.l.s %0, ft0, rup") \
    X(fcvt_lu_s_dyn, FX1, S, "fcvt.lu.s %0, ft0") \
    X(fcvt_lu_s_rne, FX1, S, "fcvt.lu.s %0, ft0, rne") \
    X(fcvt_lu_s_rtz, FX1, S, "fcvt.lu.s %0, ft0, rtz") \
    X(fcvt_lu_s_rdn, FX1, S, "fcvt.lu.s %0, ft0, rdn") \
    X(fcvt_lu_s_rup, FX1, S, "fcvt.lu.s %0, ft0, rup") \
    X(fcvt_s_w_dyn,  XF1, W, "fcvt.s.w ft3, %1") \
    X(fcvt_s_w_rne,  XF1, W, "fcvt.s.w ft3, %1, rne") \
    X(fcvt_s_w_rtz,  XF1, W, "fcvt.s.w ft3, %1, rtz") \
    X(fcvt_s_w_rup,  XF1, W, "fcvt.s.w ft3, %1, rup") \
    X(fcvt_s_wu_dyn, XF1, W, "fcvt.s.wu ft3, %1") \
    X(fcvt_s_wu_rne, XF1, W, "fcvt.s.wu ft3, %1, rne") \
    X(fcvt_s_wu_rtz, XF1, W, "fcvt.s.wu ft3, %1, rtz") \
    X(fcvt_s_wu_rup, XF1, W, "fcvt.s.wu ft3, %1, rup") \
    X(fcvt_s_l_dyn,  XF1, L, "fcvt.s.l ft3, %1") \
    X(fcvt_s_l_rne,  XF1, L, "fcvt.s.l ft3, %1, rne") \
    X(fcvt_s_l_rtz,  XF1, L, "fcvt.s.l ft3, %1, rtz") \
    X(fcvt_s_l_rup,  XF1, L, "fcvt.s.l ft3, %1, rup") \
    X(fcvt_s_lu_dyn, XF1, L, "fcvt.s.lu ft3, %1") \
    X(fcvt_s_lu_rne, XF1, L, "fcvt.s.lu ft3, %1, rne") \
    X(fcvt_s_lu_rtz, XF1, L, "fcvt.s.lu ft3, %1, rtz") \
    X(fcvt_s_lu_rup, XF1, L, "fcvt.s.lu ft3, %1, rup") \
    X(fadd_d_dyn,    FF2, D, "fadd.d ft3, ft0, ft1") \
    X(fsub_d_dyn,    FF2, D, "fsub.d ft3, ft0, ft1") \
    X(fmul_d_dyn,    FF2, D, "fmul.d ft3, ft0, ft1") \
    X(fdiv_d_dyn,    FF2, D, "fdiv.d ft3, ft0, ft1") \
    X(fsqrt_d_dyn,   FF1, D, "fsqrt.d ft3, ft0") \
    X(fmadd_d_dyn,   FF3, D, "fmadd.d ft3, ft0, ft1, ft2") \
    X(fmsub_d_dyn,   FF3, D, "fmsub.d ft3, ft0, ft1, ft2") \
    X(fnmsub_d_dyn,  FF3, D, "fnmsub.d ft3, ft0, ft1, ft2") \
    X(fnmadd_d_dyn,  FF3, D, "fnmadd.d ft3, ft0, ft1, ft2") \
    X(fadd_d_rne,    FF2, D, "fadd.d ft3, ft0, ft1, rne") \
    X(fsub_d_rne,    FF2, D, "fsub.d ft3, ft0, ft1, rne") \
    X(fmul_d_rne,    FF2, D, "fmul.d ft3, ft0, ft1, rne") \
    X(fdiv_d_rne,    FF2, D, "fdiv.d ft3, ft0, ft1, rne") \
    X(fsqrt_d_rne,   FF1, D, "fsqrt.d ft3, ft0, rne") \
    X(fmadd_d_rne,   FF3, D, "fmadd.d ft3, ft0, ft1, ft2, rne") \
    X(fmsub_d_rne,   FF3, D, "fmsub.d ft3, ft0, ft1, ft2, rne") \
    X(fnmsub_d_rne,  FF3, D, "fnmsub.d ft3, ft0, ft1, ft2, rne") \
    X(fnmadd_d_rne,  FF3, D, "fnmadd.d ft3, ft0, ft1, ft2, rne") \
    X(fadd_d_rtz,    FF2, D, "fadd.d ft3, ft0, ft1, rtz") \
    X(fsub_d_rtz,    FF2, D, "fsub.d ft3, ft0, ft1, rtz") \
    X(fmul_d_rtz,    FF2, D, "fmul.d ft3, ft0, ft1, rtz") \
    X(fdiv_d_rtz,    FF2, D, "fdiv.d ft3, ft0, ft1, rtz") \
    X(fsqrt_d_rtz,   FF1, D, "fsqrt.d ft3, ft0, rtz") \
    X(fmadd_d_rtz,   FF3, D, "fmadd.d ft3, ft0, ft1, ft2, rtz") \
    X(fmsub_d_rtz,   FF3, D, "fmsub.d ft3, ft0, ft1, ft2, rtz") \
    X(fnmsub_d_rtz,  FF3, D, "fnmsub.d ft3, ft0, ft1, ft2, rtz") \
    X(fnmadd_d_rtz,  FF3, D, "fnmadd.d ft3, ft0, ft1, ft2, rtz") \
    X(fadd_d_rdn,    FF2, D, "fadd.d ft3, ft0, ft1, rdn") \
    X(fsub_d_rdn,    FF2, D, "fsub.d ft3, ft0, ft1, rdn") \
    X(fmul_d_rdn,    FF2, D, "fmul.d ft3, ft0, ft1, rdn") \
    X(fdiv_d_rdn,    FF2, D, "fdiv.d ft3, ft0, ft1, rdn") \
    X(fsqrt_d_rdn,   FF1, D, "fsqrt.d ft3, ft0, rdn") \
    X(fmadd_d_rdn,   FF3, D, "fmadd.d ft3, ft0, ft1, ft2, rdn") \
    X(fmsub_d_rdn,   FF3, D, "fmsub.d ft3, ft0, ft1, ft2, rdn") \
    X(fnmsub_d_rdn,  FF3, D, "fnmsub.d ft3, ft0, ft1, ft2, rdn") \
    X(fnmadd_d_rdn,  FF3, D, "fnmadd.d ft3, ft0, ft1, ft2, rdn") \
    X(fadd_d_rup,    FF2, D, "fadd.d ft3, ft0, ft1, rup") \
    X(fsub_d_rup,    FF2, D, "fsub.d ft3, ft0, ft1, rup") \
    X(fmul_d_rup,    FF2, D, "fmul.d ft3, ft0, ft1, rup") \
    X(fdiv_d_rup,    FF2, D, "fdiv.d ft3, ft0, ft1, rup") \
    X(fsqrt_d_rup,   FF1, D, "fsqrt.d ft3, ft0, rup") \
    X(fmadd_d_rup,   FF3, D, "fmadd.d ft3, ft0, ft1, ft2, rup") \
    X(fmsub_d_rup,   FF3, D, "fmsub.d ft3, ft0, ft1, ft2, rup") \
    X(fnmsub_d_rup,  FF3, D, "fnmsub.d ft3, ft0, ft1, ft2, rup") \
    X(fnmadd_d_rup,  FF3, D, "fnmadd.d ft3, ft0, ft1, ft2, rup") \
    X(fadd_d_rmm,    FF2, D, "fadd.d ft3, ft0, ft1, rmm") \
    X(fsub_d_rmm,    FF2, D, "fsub.d ft3, ft0, ft1, rmm") \
    X(fmul_d_rmm,    FF2, D, "fmul.d ft3, ft0, ft1, rmm") \
    X(fdiv_d_rmm,    FF2, D, "fdiv.d ft3, ft0, ft1, rmm") \
    X(fsqrt_d_rmm,   FF1, D, "fsqrt.d ft3, ft0, rmm") \
    X(fmadd_d_rmm,   FF3, D, "fmadd.d ft3, ft0, ft1, ft2, rmm") \
    X(fmsub_d_rmm,   FF3, D, "fmsub.d ft3, ft0, ft1, ft2, rmm") \
    X(fnmsub_d_rmm,  FF3, D, "fnmsub.d ft3, ft0, ft1, ft2, rmm") \
    X(fnmadd_d_rmm,  FF3, D, "fnmadd.d ft3, ft0, ft1, ft2, rmm") \
    X(fmin_d,        FF2, D, "fmin.d ft3, ft0, ft1") \
    X(fmax_d,        FF2, D, "fmax.d ft3, ft0, ft1") \
    X(fsgnjx_d,      FF2, D, "fsgnjx.d ft3, ft0, ft1") \
    X(feq_d,         FX2, D, "feq.d %0, ft0, ft1") \
    X(flt_d,         FX2, D, "flt.d %0, ft0, ft1") \
    X(fle_d,         FX2, D, "fle.d %0, ft0, ft1") \
    X(fclass_d,      FX1, D, "fclass.d %0, ft0") \
    X(fcvt_w_d_dyn,  FX1, D, "fcvt.w.d %0, ft0") \
    X(fcvt_w_d_rne,  FX1, D, "fcvt.w.d %0, ft0, rne") \
    X(fcvt_w_d_rtz,  FX1, D, "fcvt.w.d %0, ft0, rtz") \
    X(fcvt_w_d_rdn,  FX1, D, "fcvt.w.d %0, ft0, rdn") \
    X(fcvt_w_d_rup,  FX1, D, "fcvt.w.d %0, ft0, rup") \
    X(fcvt_wu_d_dyn, FX1, D, "fcvt.wu.d %0, ft0") \
    X(fcvt_wu_d_rne, FX1, D, "fcvt.wu.d %0, ft0, rne") \
    X(fcvt_wu_d_rtz, FX1, D, "fcvt.wu.d %0, ft0, rtz") \
    X(fcvt_wu_d_rdn, FX1, D, "fcvt.wu.d %0, ft0, rdn") \
    X(fcvt_wu_d_rup, FX1, D, "fcvt.wu.d %0, ft0, rup") \
    X(fcvt_l_d_dyn,  FX1, D, "fcvt.l.d %0, ft0") \
    X(fcvt_l_d_rne,  FX1, D, "fcvt.l.d %0, ft0, rne") \
    X(fcvt_l_d_rtz,  FX1, D, "fcvt.l.d %0, ft0, rtz") \
    X(fcvt_l_d_rdn,  FX1, D, "fcvt.l.d %0, ft0, rdn") \
    X(fcvt_l_d_rup,  FX1, D, "fcvt.l.d %0, ft0, rup") \
    X(fcvt_lu_d_dyn, FX1, D, "fcvt.lu.d %0, ft0") \
    X(fcvt_lu_d_rne, FX1, D, "fcvt.lu.d %0, ft0, rne") \
    X(fcvt_lu_d_rtz, FX1, D, "fcvt.lu.d %0, ft0, rtz") \
    X(fcvt_lu_d_rdn, FX1, D, "fcvt.lu.d %0, ft0, rdn") \
    X(fcvt_lu_d_rup, FX1, D, "fcvt.lu.d %0, ft0, rup") \
    X(fcvt_d_w_dyn,  XF1, W, "fcvt.d.w ft3, %1") \
    X(fcvt_d_w_rne,  XF1, W, ".insn r 0x53, 0, 0x69, ft3, %1, x0") \
    X(fcvt_d_w_rtz,  XF1, W, ".insn r 0x53, 1, 0x69, ft3, %1, x0") \
    X(fcvt_d_w_rup,  XF1, W, ".insn r 0x53, 3, 0x69, ft3, %1, x0") \
    X(fcvt_d_wu_dyn, XF1, W, "fcvt.d.wu ft3, %1") \
    X(fcvt_d_wu_rne, XF1, W, ".insn r 0x53, 0, 0x69, ft3, %1, x1") \
    X(fcvt_d_wu_rtz, XF1, W, ".insn r 0x53, 1, 0x69, ft3, %1, x1") \
    X(fcvt_d_wu_rup, XF1, W, ".insn r 0x53, 3, 0x69, ft3, %1, x1") \
    X(fcvt_d_l_dyn,  XF1, L, "fcvt.d.l ft3, %1") \
    X(fcvt_d_l_rne,  XF1, L, "fcvt.d.l ft3, %1, rne") \
    X(fcvt_d_l_rtz,  XF1, L, "fcvt.d.l ft3, %1, rtz") \
    X(fcvt_d_l_rup,  XF1, L, "fcvt.d.l ft3, %1, rup") \
    X(fcvt_d_lu_dyn, XF1, L, "fcvt.d.lu ft3, %1") \
    X(fcvt_d_lu_rne, XF1, L, "fcvt.d.lu ft3, %1, rne") \
    X(fcvt_d_lu_rtz, XF1, L, "fcvt.d.lu ft3, %1, rtz") \
    X(fcvt_d_lu_rup, XF1, L, "fcvt.d.lu ft3, %1, rup") \
    X(fcvt_s_d_dyn,  FF1, D, "fcvt.s.d ft3, ft0") \
    X(fcvt_d_s_dyn,  FF1, S, "fcvt.d.s ft3, ft0") \
    X(fcvt_s_d_rne,  FF1, D, "fcvt.s.d ft3, ft0, rne") \
    X(fcvt_d_s_rne,  FF1, S, ".insn r 0x53, 0, 0x21, ft3, ft0, x0") \
    X(fcvt_s_d_rtz,  FF1, D, "fcvt.s.d ft3, ft0, rtz") \
    X(fcvt_d_s_rtz,  FF1, S, ".insn r 0x53, 1, 0x21, ft3, ft0, x0") \
    X(fcvt_s_d_rmm,  FF1, D, "fcvt.s.d ft3, ft0, rmm") \
    X(fcvt_d_s_rmm,  FF1, S, ".insn r 0x53, 4, 0x21, ft3, ft0, x0")

#define FF1(insn) __asm__ volatile("fmv.d.x ft0, %1\n" insn "\nfmv.x.d %0, ft3" \
                                   : "=r"(r) : "r"(a) : "ft0", "ft3")
#define FF2(insn) __asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\n" insn "\nfmv.x.d %0, ft3" \
                                   : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft3")
#define FF3(insn) __asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\nfmv.d.x ft2, %3\n" insn \
                                   "\nfmv.x.d %0, ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c)   \
                                   : "ft0", "ft1", "ft2", "ft3")
#define FX1(insn) __asm__ volatile("fmv.d.x ft0, %1\n" insn : "=r"(r) : "r"(a) : "ft0")
#define FX2(insn) __asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\n" insn \
                                   : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1")
#define XF1(insn) __asm__ volatile(insn "\nfmv.x.d %0, ft3" : "=r"(r) : "r"(a) : "ft3")

#define DEFINE_OP(name, shape, kind, insn)                          \
    static uint64_t op_##name(uint64_t a, uint64_t b, uint64_t c)   \
    {                                                               \
        uint64_t r;                                                 \
        shape(insn);                                                \
        (void)b, (void)c;                                           \
        return r;                                                   \
    }
OPS(DEFINE_OP)

enum { S, D, W, L };

typedef struct Op {
    const char *name;
    uint64_t (*fn)(uint64_t a, uint64_t b, uint64_t c);
    int kind;
} Op;

#define OP_ENTRY(name, shape, kind, insn) { #name, op_##name, kind },
static const Op ops[] = { OPS(OP_ENTRY) };

static uint64_t get_fflags(void)
{
    uint64_t v;
    __asm__ volatile("frflags %0" : "=r"(v));
    return v;
}

static void set_fflags(uint64_t v)
{
    __asm__ volatile("fsflags %0" : : "r"(v));
}

static void set_frm(uint64_t v)
{
    __asm__ volatile("fsrm %0" : : "r"(v));
}

/* ---- operands ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const uint64_t special_d[] = {
    0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
    0x7ff0000000000001, 0xfff8000000000123, 0x7ff4000000000000, 1, 0x000fffffffffffff,
    0x0010000000000000, 0x7fefffffffffffff, 0x3ff0000000000000, 0xbff0000000000000,
    0x3fe0000000000000, 0x4000000000000000, 0x41dfffffffc00000, 0x41e0000000000000,
    0xc1e0000000000000, 0x41efffffffe00000, 0x41f0000000000000, 0x43e0000000000000,
    0xc3e0000000000000, 0x43f0000000000000, 0x41dfffffffe00000, 0x41effffffff00000,
    0xbfe0000000000000, 0xbfe8000000000000, 0x4004000000000000, 0x3ca0000000000000,
    0x3fefffffffffffff, 0xc1e0000000100000, 0x8000000000000001, 0x36a0000000000000,
    0x3690000000000000, 0x47efffffffffffff, 0x380ffffff0000000,
};
static const uint32_t special_s[] = {
    0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc00123, 0x7fa00000,
    1, 0x007fffff, 0x00800000, 0x7f7fffff, 0x3f800000, 0xbf800000, 0x3f000000, 0x40000000,
    0x4f000000, 0xcf000000, 0x4f800000, 0x5f000000, 0xdf000000, 0x5f800000, 0x4effffff,
    0x4f7fffff, 0xbf000000, 0xbf400000, 0x40200000, 0x33800000, 0x3f7fffff, 0x80000001,
    0x3f800001,
};
static const uint64_t special_i[] = {
    0, 1, (uint64_t)-1, 0x80000000, 0x7fffffff, 0xffffffff, 0x8000000000000000,
    0x7fffffffffffffff, 0x1000001, 0x20000000000001, 0xffffffff80000000, 0x100000000,
};

/* random bits with an exponent near 1, tiny, huge or at the integer limits */
static uint64_t rand_float(int ebits, int fbits)
{
    int bias = (1 << (ebits - 1)) - 1;
    int exps[] = { bias, bias - 1, bias + 1, 1, 0, 2 * bias, bias + 30, bias + 31, bias + 62,
                   bias + 63, bias - fbits, bias + fbits };
    int e = exps[rnd() % (sizeof(exps) / sizeof(exps[0]))] + (int)(rnd() % 5) - 2;
    uint64_t frac = rnd() & ((1ull << fbits) - 1);

    e = e < 0 ? 0 : e > 2 * bias + 1 ? 2 * bias + 1 : e;
    if (rnd() & 1) {
        frac &= ~((1ull << (fbits / 2)) - 1);     /* short significands: exact cases, ties */
    }
    return (rnd() & 1) << (ebits + fbits) | (uint64_t)e << fbits | frac;
}

static uint64_t operand(int kind)
{
    bool special = rnd() % 3 == 0;

    switch (kind) {
    case D:
        return special ? special_d[rnd() % (sizeof(special_d) / 8)] : rand_float(11, 52);
    case S: {
        uint64_t v = special ? special_s[rnd() % (sizeof(special_s) / 4)] : rand_float(8, 23);
        /* NaN-boxed, but now and then not (reads as the canonical NaN) */
        return v | (rnd() % 20 ? 0xffffffff00000000ull : rnd() << 32);
    }
    default:
        if (special) {
            return special_i[rnd() % (sizeof(special_i) / 8)];
        }
        return rnd() >> (rnd() % 64);
    }
}

/* ---- the runs ---- */

static uint64_t run(const Op *op, uint64_t a, uint64_t b, uint64_t c, uint64_t *flags)
{
    uint64_t r;

    set_fflags(0);
    r = op->fn(a, b, c);
    *flags = get_fflags();
    return r;
}

static const Op *find(const char *name)
{
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (!strcmp(ops[i].name, name)) {
            return &ops[i];
        }
    }
    printf("no op %s\n", name);
    exit(1);
}

static void random_ops(int n, bool dynamic_only)
{
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        const Op *op = &ops[i];
        if (dynamic_only && !strstr(op->name, "_dyn")) {
            continue;
        }
        for (int k = 0; k < n; k++) {
            uint64_t a = operand(op->kind), b = operand(op->kind), c = operand(op->kind), f;
            uint64_t r = run(op, a, b, c, &f);
            printf("%s %016llx %016llx %016llx -> %016llx %02llx\n", op->name,
                   (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
                   (unsigned long long)r, (unsigned long long)f);
        }
    }
}

/* flags of many ops accumulate until read (spec 11.2) */
static void accumulate(void)
{
    set_fflags(0);
    for (int k = 0; k < 3000; k++) {
        const Op *op = &ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
        op->fn(operand(op->kind), operand(op->kind), operand(op->kind));
        if (k % 100 == 99) {
            printf("accumulated %02llx\n", (unsigned long long)get_fflags());
            set_fflags(rnd() & 31);
        }
    }
}

/* results the spec fixes, whatever the reference says */
static void check_known(void)
{
    static const struct {
        const char *op;
        uint64_t a, b, c, r, flags;
    } known[] = {
        { "fadd_d_dyn", 0x7ff0000000000001, 0x3ff0000000000000, 0, 0x7ff8000000000000, NV },
        { "fadd_d_rne", 0xfff8000000000123, 0x3ff0000000000000, 0, 0x7ff8000000000000, 0 },
        { "fmul_d_dyn", 0x7ff0000000000000, 0, 0, 0x7ff8000000000000, NV },
        { "fsqrt_d_dyn", 0xbff0000000000000, 0, 0, 0x7ff8000000000000, NV },
        { "fmadd_d_dyn", 0x7ff0000000000000, 0, 0x7ff8000000000001, 0x7ff8000000000000, NV },
        { "fadd_s_dyn", 0x000000003f800000, 0xffffffff3f800000, 0, 0xffffffff7fc00000, 0 },
        { "fmul_s_dyn", 0xffffffff7f7fffff, 0xffffffff40000000, 0, 0xffffffff7f800000, OF | NX },
        { "fdiv_d_dyn", 0x3ff0000000000000, 0x4008000000000000, 0, 0x3fd5555555555555, NX },
        { "fdiv_d_dyn", 0x3ff0000000000000, 0, 0, 0x7ff0000000000000, DZ },
        { "fcvt_w_d_rtz", 0x7ff8000000000000, 0, 0, 0x7fffffff, NV },
        { "fcvt_wu_d_rtz", 0xbff0000000000000, 0, 0, 0, NV },
        { "fcvt_wu_d_rtz", 0xbfe0000000000000, 0, 0, 0, NX },
        { "fcvt_l_d_dyn", 0xc3e0000000000000, 0, 0, 0x8000000000000000, 0 },
        { "fcvt_lu_d_rtz", 0x43e0000000000000, 0, 0, 0x8000000000000000, 0 },
        { "fcvt_s_d_dyn", 0x7ff0000000000001, 0, 0, 0xffffffff7fc00000, NV },
        { "fcvt_d_s_dyn", 0xffffffff7fc00001, 0, 0, 0x7ff8000000000000, 0 },
        { "flt_d", 0x7ff8000000000000, 0x3ff0000000000000, 0, 0, NV },
        { "feq_d", 0x7ff8000000000000, 0x3ff0000000000000, 0, 0, 0 },
        { "feq_d", 0x7ff0000000000001, 0x3ff0000000000000, 0, 0, NV },
        { "fle_s", 0xffffffff80000000, 0xffffffff00000000, 0, 1, 0 },
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        uint64_t f, r = run(find(known[i].op), known[i].a, known[i].b, known[i].c, &f);
        if (r != known[i].r || f != known[i].flags) {
            printf("FAIL %s(%016llx, %016llx): %016llx flags %02llx\n", known[i].op,
                   (unsigned long long)known[i].a, (unsigned long long)known[i].b,
                   (unsigned long long)r, (unsigned long long)f);
            failures++;
        }
    }
}

static volatile uint64_t flags_in_handler;
static volatile char *ro_page;

static void on_usr1(int sig)
{
    flags_in_handler = get_fflags();
    op_fdiv_d_dyn(0x3ff0000000000000, 0, 0);       /* DZ, gone after the handler */
}

static void on_segv(int sig)
{
    flags_in_handler = get_fflags();
    mprotect((void *)ro_page, 4096, PROT_READ | PROT_WRITE);
}

/* fflags raised by inline code survive leaving the translated code */
static void check_sticky(void)
{
    uint64_t f;

    set_fflags(0);
    op_fdiv_d_dyn(0x3ff0000000000000, 0x4008000000000000, 0);    /* NX */
    CHECK(getpid() > 0);
    f = get_fflags();
    printf("after a system call %02llx\n", (unsigned long long)f);
    CHECK(f == NX);

    signal(SIGUSR1, on_usr1);
    set_fflags(0);
    op_fmul_d_dyn(0x7fefffffffffffff, 0x4000000000000000, 0);    /* OF NX */
    raise(SIGUSR1);
    f = get_fflags();
    printf("in a signal handler %02llx, after it %02llx\n",
           (unsigned long long)flags_in_handler, (unsigned long long)f);
    CHECK(flags_in_handler == (OF | NX) && f == (OF | NX));

    /* a store faults inside translated code: the host unwinds from a signal handler */
    ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro_page != MAP_FAILED);
    signal(SIGSEGV, on_segv);
    set_fflags(0);
    __asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\nfdiv.d ft3, ft0, ft1\nsb zero, 0(%0)"
                     : : "r"(ro_page), "r"(0x3ff0000000000000ull), "r"(0x4008000000000000ull)
                     : "ft0", "ft1", "ft3", "memory");
    f = get_fflags();
    printf("in a SIGSEGV handler %02llx, after it %02llx\n",
           (unsigned long long)flags_in_handler, (unsigned long long)f);
    CHECK(flags_in_handler == NX && f == NX);
}

/*
 * Every Zicsr form on fflags, and fcsr, around an fdiv raising each flag
 * (inline on the host FPU with frm RNE, in the exact C path with frm RUP),
 * flags preset, all in one translation block: reads see what the op
 * raised, writes that drop a flag clear it, writes that keep it keep it
 * (gcc's frflags/flt/fsflags). Values above the 5 flag bits are ignored.
 */
static void csr_forms(uint64_t frm)
{
    static const uint64_t div[][2] = {
        { 0x3ff0000000000000, 0x4008000000000000 },     /* 1 / 3: NX */
        { 0x0010000000000000, 0x4008000000000000 },     /* DBL_MIN / 3: UF NX */
        { 0x7fefffffffffffff, 0x3fe0000000000000 },     /* DBL_MAX / 0.5: OF NX */
        { 0x3ff0000000000000, 0 },                      /* 1 / 0: DZ */
        { 0, 0 },                                       /* 0 / 0: NV */
    };
    static const uint64_t raised[] = { NX, UF | NX, OF | NX, DZ, NV };

    set_frm(frm);
    for (int i = 0; i < 5; i++) {
        for (uint64_t pre = 0; pre < 32; pre++) {
            uint64_t clr = rnd(), set = rnd(), wr = rnd(), wr2 = rnd(), r[16], w[16], f;
            uint64_t fcsr = frm << 5 | (wr2 & 31);

            __asm__ volatile(
                "fmv.d.x ft0, %[a]\n fmv.d.x ft1, %[b]\n"
                "fsflags %[pre]\n"
                "fdiv.d ft2, ft0, ft1\n"
                "frflags t0\n sd t0, 0(%[r])\n"
                "csrrc t0, fflags, %[clr]\n sd t0, 8(%[r])\n"
                "frflags t0\n sd t0, 16(%[r])\n"
                "csrrs t0, fflags, %[set]\n sd t0, 24(%[r])\n"
                "frcsr t0\n sd t0, 32(%[r])\n"
                "csrrw t0, fflags, %[wr]\n sd t0, 40(%[r])\n"
                "frflags t0\n sd t0, 48(%[r])\n"
                "fdiv.d ft2, ft0, ft1\n"
                "frflags t1\n flt.d t2, ft0, ft1\n fsflags t1\n"
                "frflags t0\n sd t0, 56(%[r])\n"
                "csrrci t0, fflags, 0x15\n sd t0, 64(%[r])\n"
                "csrrsi t0, fflags, 0x02\n sd t0, 72(%[r])\n"
                "csrrwi t0, fflags, 0x09\n sd t0, 80(%[r])\n"
                "fdiv.d ft2, ft0, ft1\n"
                "csrrs t0, fcsr, zero\n sd t0, 88(%[r])\n"
                "csrrc zero, fflags, %[clr]\n"
                "frflags t0\n sd t0, 96(%[r])\n"
                "csrrw t0, fcsr, %[fcsr]\n sd t0, 104(%[r])\n"
                "frflags t0\n sd t0, 112(%[r])\n"
                "csrrs t0, fflags, zero\n sd t0, 120(%[r])\n"
                : : [a] "r"(div[i][0]), [b] "r"(div[i][1]), [pre] "r"(pre), [clr] "r"(clr),
                  [set] "r"(set), [wr] "r"(wr), [fcsr] "r"(fcsr), [r] "r"(r)
                : "t0", "t1", "t2", "ft0", "ft1", "ft2", "memory");

            /* what the spec says each read gives */
            f = pre | raised[i];
            w[0] = f;
            w[1] = f, f &= ~clr;
            w[2] = f;
            w[3] = f, f |= set & 31;
            w[4] = frm << 5 | f;
            w[5] = f, f = wr & 31;
            w[6] = f;
            f |= raised[i];
            w[7] = f;
            w[8] = f, f &= ~0x15ull;
            w[9] = f, f |= 2;
            w[10] = f, f = 9;
            f |= raised[i];
            w[11] = frm << 5 | f;
            f &= ~clr;
            w[12] = f;
            w[13] = frm << 5 | f, f = wr2 & 31;
            w[14] = f;
            w[15] = f;
            printf("csr frm %llu div %d pre %02llx:", (unsigned long long)frm, i,
                   (unsigned long long)pre);
            for (int k = 0; k < 16; k++) {
                printf(" %02llx", (unsigned long long)r[k]);
                CHECK(r[k] == w[k]);
            }
            printf("\n");
        }
    }
    set_frm(0);
}

int main(void)
{
    check_known();
    check_sticky();
    csr_forms(0);
    csr_forms(3);               /* RUP: fdiv takes the exact path */
    set_frm(0);
    random_ops(40, false);
    set_frm(3);                 /* RUP: dynamic-rm ops take the exact path */
    random_ops(20, true);
    set_frm(0);
    accumulate();
    return finish();
}
