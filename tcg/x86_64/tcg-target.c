/*
 * x86-64 host backend: instruction encoding, operand constraints, and the
 * code for every TCG op. Optional instructions (BMI1 andn/tzcnt, BMI2
 * shlx/shrx/sarx, LZCNT, POPCNT, MOVBE) are used when tcg_host_features says
 * the host has them, with plain x86-64 fallbacks otherwise.
 *
 * Register use: rbp holds env for the whole of generated code; rsp is the
 * stack with a fixed frame (outgoing call arguments, then spill slots).
 * Calls follow the SysV ABI. Host registers 16..31 are xmm0..xmm15: the
 * floating point ops take and give their float operands there, and values
 * stay there between ops (all call-clobbered).
 */
#include "tern/osdep.h"
#include "../tcg-internal.h"
#include "tcg/tcg-op.h"
#include "exec/cpu-tlb.h"
#include "exec/tb.h"
#include "exec/tb-jmp-cache.h"
#include <ucontext.h>

enum {
    R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
    X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
};

#define ALL_REGS      0xffffu           /* general registers */
#define ALL_XMM       0xffff0000u
#define REGSET(r)     (1u << (r))
#define IS_XMM(r)     ((r) >= X0)

const int tcg_target_reg_alloc_order[] = {
    R_BX, R_R12, R_R13, R_R14, R_R15,
    R_SI, R_DI, R_R8, R_R9, R_R10, R_R11, R_CX, R_DX, R_AX,
    X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
};
const int tcg_target_reg_alloc_order_len = ARRAY_SIZE(tcg_target_reg_alloc_order);
const int tcg_target_call_iarg_regs[6] = { R_DI, R_SI, R_DX, R_CX, R_R8, R_R9 };
/*
 * Pinned globals: the callee-saved registers first (a call keeps them), then
 * call-clobbered ones no instruction sequence needs implicitly (r8 and r9
 * pass the 5th and 6th call arguments: calls and slow paths save them
 * first). Five registers (rax, rcx, rdx, rsi, rdi) stay allocatable, enough
 * for any op.
 */
const int tcg_target_pin_regs[] = { R_BX, R_R12, R_R13, R_R15, R_R10, R_R11, R_R8, R_R9 };
const int tcg_target_pin_regs_len = ARRAY_SIZE(tcg_target_pin_regs);
const uint32_t tcg_target_call_clobber_regs =
    REGSET(R_AX) | REGSET(R_CX) | REGSET(R_DX) | REGSET(R_SI) | REGSET(R_DI) |
    REGSET(R_R8) | REGSET(R_R9) | REGSET(R_R10) | REGSET(R_R11) | ALL_XMM;
const uint32_t tcg_target_int_regs = ALL_REGS;
const uint32_t tcg_target_float_regs = ALL_XMM;
const int tcg_target_call_oarg_reg = R_AX;
const int tcg_target_env_reg = R_BP;
const int tcg_target_stack_reg = R_SP;

/* Frame: [rsp, rsp+64) outgoing stack arguments, then 8-byte spill slots. */
#define CALL_STACK_SIZE 64
#define FRAME_SIZE      (CALL_STACK_SIZE + 8 * 256 + 8)   /* keeps rsp 16-aligned */
const intptr_t tcg_target_call_stack_offset = 0;
const intptr_t tcg_target_frame_start = CALL_STACK_SIZE;
const intptr_t tcg_target_frame_end = FRAME_SIZE;

unsigned tcg_host_features;

#define HAVE(f) ((tcg_host_features & TCG_HOST_##f) != 0)

unsigned tcg_host_features_detect(void)
{
    unsigned a, b, c, d, f = 0;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (c & (1u << 23)) {
        f |= TCG_HOST_POPCNT;
    }
    if (c & (1u << 22)) {
        f |= TCG_HOST_MOVBE;
    }
    /* FMA3 and AVX, and the OS saves the xmm/ymm state (OSXSAVE, XCR0 bits 1-2) */
    if ((c & (1u << 12)) && (c & (1u << 27)) && (c & (1u << 28))) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 6) == 6) {
            f |= TCG_HOST_FMA;
        }
    }
    if ((c & (1u << 28)) && (c & (1u << 27))) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 6) == 6) {
            f |= TCG_HOST_AVX;
        }
    }
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    if (b & (1u << 3)) {
        f |= TCG_HOST_BMI1;
    }
    if (b & (1u << 8)) {
        f |= TCG_HOST_BMI2;
    }
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001), "c"(0));
    if (c & (1u << 5)) {
        f |= TCG_HOST_LZCNT;
    }
    return f;
}

/* ------------------------------------------------------------------------ */
/* Instruction encoding */

#define P_EXT     0x100      /* 0x0f escape */
#define P_EXT38   0x200      /* 0x0f 0x38 */
#define P_DATA16  0x400      /* 0x66 operand size prefix */
#define P_REXW    0x1000     /* 64-bit operand size */
#define P_REXB_R  0x2000     /* reg field is a byte register */
#define P_REXB_RM 0x4000     /* r/m field is a byte register */
#define P_SIMDF3  0x10000    /* 0xf3 prefix */
#define P_SIMDF2  0x20000    /* 0xf2 prefix */
#define P_VEXL    0x80000

#define OPC_ARITH_EvIz  0x81
#define OPC_ARITH_EvIb  0x83
#define OPC_ARITH_GvEv  0x03      /* + (ARITH_xxx << 3) */
#define OPC_ANDN        (0xf2 | P_EXT38)
#define OPC_ADD_GvEv    0x03
#define OPC_BSF         (0xbc | P_EXT)
#define OPC_BSR         (0xbd | P_EXT)
#define OPC_BSWAP       (0xc8 | P_EXT)
#define OPC_CALL_Jz     0xe8
#define OPC_CMOVCC      (0x40 | P_EXT)
#define OPC_IMUL_GvEv   (0xaf | P_EXT)
#define OPC_IMUL_GvEvIz 0x69
#define OPC_JCC_long    (0x80 | P_EXT)
#define OPC_JCC_short   0x70
#define OPC_JMP_long    0xe9
#define OPC_LEA         0x8d
#define OPC_LZCNT       (0xbd | P_EXT | P_SIMDF3)
#define OPC_MOVB_EvGv   0x88
#define OPC_MOVL_EvGv   0x89
#define OPC_MOVL_GvEv   0x8b
#define OPC_MOVB_EvIz   0xc6
#define OPC_MOVL_EvIz   0xc7
#define OPC_MOVL_Iv     0xb8
#define OPC_MOVBE_GyMy  (0xf0 | P_EXT38)
#define OPC_MOVBE_MyGy  (0xf1 | P_EXT38)
#define OPC_MOVSBL      (0xbe | P_EXT)
#define OPC_MOVSWL      (0xbf | P_EXT)
#define OPC_MOVSLQ      (0x63 | P_REXW)
#define OPC_MOVZBL      (0xb6 | P_EXT)
#define OPC_MOVZWL      (0xb7 | P_EXT)
#define OPC_POP_r32     0x58
#define OPC_POPCNT      (0xb8 | P_EXT | P_SIMDF3)
#define OPC_PUSH_r32    0x50
#define OPC_RET         0xc3
#define OPC_SETCC       (0x90 | P_EXT | P_REXB_RM)
#define OPC_SHIFT_1     0xd1
#define OPC_SHIFT_Ib    0xc1
#define OPC_SHIFT_cl    0xd3
#define OPC_SARX        (0xf7 | P_EXT38 | P_SIMDF3)
#define OPC_SHLX        (0xf7 | P_EXT38 | P_DATA16)
#define OPC_SHRX        (0xf7 | P_EXT38 | P_SIMDF2)
#define OPC_TESTL       0x85
#define OPC_TZCNT       (0xbc | P_EXT | P_SIMDF3)
#define OPC_GRP3_Ev     0xf7
#define OPC_GRP5        0xff
#define OPC_XCHG_EvGv   0x87

enum { ARITH_ADD, ARITH_OR, ARITH_ADC, ARITH_SBB, ARITH_AND, ARITH_SUB, ARITH_XOR, ARITH_CMP };
enum { SHIFT_ROL, SHIFT_ROR, SHIFT_RCL, SHIFT_RCR, SHIFT_SHL, SHIFT_SHR, SHIFT_SAL, SHIFT_SAR };
enum { EXT3_NOT = 2, EXT3_NEG = 3, EXT3_MUL = 4, EXT3_IMUL = 5, EXT3_DIV = 6, EXT3_IDIV = 7 };
enum { EXT5_CALLN_Ev = 2, EXT5_JMPN_Ev = 4 };

enum {
    JCC_JO = 0, JCC_JNO, JCC_JB, JCC_JAE, JCC_JE, JCC_JNE, JCC_JBE, JCC_JA,
    JCC_JS, JCC_JNS, JCC_JP, JCC_JNP, JCC_JL, JCC_JGE, JCC_JLE, JCC_JG,
};

static const uint8_t tcg_cond_to_jcc[] = {
    [TCG_COND_EQ] = JCC_JE, [TCG_COND_NE] = JCC_JNE,
    [TCG_COND_LT] = JCC_JL, [TCG_COND_GE] = JCC_JGE,
    [TCG_COND_LE] = JCC_JLE, [TCG_COND_GT] = JCC_JG,
    [TCG_COND_LTU] = JCC_JB, [TCG_COND_GEU] = JCC_JAE,
    [TCG_COND_LEU] = JCC_JBE, [TCG_COND_GTU] = JCC_JA,
};

static int rexw(TCGType type)
{
    return type == TCG_TYPE_I64 ? P_REXW : 0;
}

static void tcg_out_opc(TCGContext *s, int opc, int r, int rm, int x)
{
    int rex = 0;

    if (opc & P_DATA16) {
        tcg_out8(s, 0x66);
    }
    if (opc & P_SIMDF3) {
        tcg_out8(s, 0xf3);
    } else if (opc & P_SIMDF2) {
        tcg_out8(s, 0xf2);
    }
    rex |= (opc & P_REXW) ? 0x8 : 0;
    rex |= (r & 8) >> 1;
    rex |= (x & 8) >> 2;
    rex |= (rm & 8) >> 3;
    /* spl, bpl, sil, dil need a REX prefix to not mean ah..bh */
    if (((opc & P_REXB_R) && (r & 0xc) == 4) || ((opc & P_REXB_RM) && (rm & 0xc) == 4)) {
        rex |= 0x40;
    }
    if (rex) {
        tcg_out8(s, (uint8_t)(0x40 | rex));
    }
    if (opc & (P_EXT | P_EXT38)) {
        tcg_out8(s, 0x0f);
        if (opc & P_EXT38) {
            tcg_out8(s, 0x38);
        }
    }
    tcg_out8(s, (uint8_t)opc);
}

static void tcg_out_modrm(TCGContext *s, int opc, int r, int rm)
{
    tcg_out_opc(s, opc, r, rm, 0);
    tcg_out8(s, 0xc0 | ((r & 7) << 3) | (rm & 7));
}

/* VEX-encoded op: r = reg field, v = vvvv operand, rm = r/m register. */
static void tcg_out_vex_opc(TCGContext *s, int opc, int r, int v, int rm, int index)
{
    int tmp;

    if ((opc & (P_REXW | P_EXT38)) || (rm & 8) || (index & 8)) {
        tcg_out8(s, 0xc4);
        tmp = (opc & P_EXT38) ? 2 : 1;     /* map: 0f38 or 0f */
        tmp |= (r & 8 ? 0 : 0x80) | (index & 8 ? 0 : 0x40) | (rm & 8 ? 0 : 0x20);
        tcg_out8(s, (uint8_t)tmp);
        tmp = (opc & P_REXW) ? 0x80 : 0;
    } else {
        tcg_out8(s, 0xc5);
        tmp = r & 8 ? 0 : 0x80;
    }
    if (opc & P_DATA16) {
        tmp |= 1;
    } else if (opc & P_SIMDF3) {
        tmp |= 2;
    } else if (opc & P_SIMDF2) {
        tmp |= 3;
    }
    tmp |= (~v & 15) << 3;
    tcg_out8(s, (uint8_t)tmp);
    tcg_out8(s, (uint8_t)opc);
}

static void tcg_out_vex_modrm(TCGContext *s, int opc, int r, int v, int rm)
{
    tcg_out_vex_opc(s, opc, r, v, rm, 0);
    tcg_out8(s, 0xc0 | ((r & 7) << 3) | (rm & 7));
}

/* [base + index << shift + offset]; index < 0 for none. */
static void tcg_out_modrm_sib_offset(TCGContext *s, int opc, int r, int base,
                                     int index, int shift, intptr_t offset)
{
    int mod, len;

    g_assert(offset == (int32_t)offset);
    if (offset == 0 && (base & 7) != R_BP) {
        mod = 0, len = 0;
    } else if (offset == (int8_t)offset) {
        mod = 0x40, len = 1;
    } else {
        mod = 0x80, len = 4;
    }
    if (index < 0 && (base & 7) != R_SP) {
        tcg_out_opc(s, opc, r, base, 0);
        tcg_out8(s, mod | ((r & 7) << 3) | (base & 7));
    } else {
        if (index < 0) {
            index = 4;    /* no index */
        }
        tcg_out_opc(s, opc, r, base, index);
        tcg_out8(s, mod | ((r & 7) << 3) | 4);
        tcg_out8(s, (shift << 6) | ((index & 7) << 3) | (base & 7));
    }
    if (len == 1) {
        tcg_out8(s, (uint8_t)offset);
    } else if (len == 4) {
        tcg_out32(s, (uint32_t)offset);
    }
}

static void tcg_out_modrm_offset(TCGContext *s, int opc, int r, int base, intptr_t offset)
{
    tcg_out_modrm_sib_offset(s, opc, r, base, -1, 0, offset);
}

/* Moves between general and xmm registers; xmm loads and stores */
#define OPC_MOVD_VyEy   (0x6e | P_EXT | P_DATA16)   /* movd xmm, r/m32 (movq with P_REXW) */
#define OPC_MOVD_EyVy   (0x7e | P_EXT | P_DATA16)   /* movd r/m32, xmm (movq with P_REXW) */
#define OPC_MOVQ_VqWq   (0x7e | P_EXT | P_SIMDF3)   /* movq xmm, xmm/m64 */
#define OPC_MOVQ_WqVq   (0xd6 | P_EXT | P_DATA16)   /* movq m64, xmm */
#define OPC_MOVAPS      (0x28 | P_EXT)
#define OPC_PXOR        (0xef | P_EXT | P_DATA16)

void tcg_out_mov(TCGContext *s, TCGType type, int dst, int src)
{
    if (dst == src) {
        return;
    }
    if (IS_XMM(dst) && IS_XMM(src)) {
        tcg_out_modrm(s, OPC_MOVAPS, dst, src);
    } else if (IS_XMM(dst)) {
        tcg_out_modrm(s, OPC_MOVD_VyEy + rexw(type), dst, src);
    } else if (IS_XMM(src)) {
        tcg_out_modrm(s, OPC_MOVD_EyVy + rexw(type), src, dst);
    } else {
        tcg_out_modrm(s, OPC_MOVL_GvEv + rexw(type), dst, src);
    }
}

void tcg_out_movi(TCGContext *s, TCGType type, int reg, int64_t val)
{
    if (type == TCG_TYPE_I32) {
        val = (uint32_t)val;
    }
    if (IS_XMM(reg)) {
        if (val == 0) {
            tcg_out_modrm(s, OPC_PXOR, reg, reg);
            return;
        }
        /* through [rsp], the outgoing arguments' space (nothing there between calls) */
        if (!tcg_out_sti(s, TCG_TYPE_I64, val, R_SP, 0)) {
            tcg_out_sti(s, TCG_TYPE_I32, (uint32_t)val, R_SP, 0);
            tcg_out_sti(s, TCG_TYPE_I32, (uint32_t)(val >> 32), R_SP, 4);
        }
        tcg_out_ld(s, TCG_TYPE_I64, reg, R_SP, 0);
        return;
    }
    if (val == 0) {
        tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_XOR << 3), reg, reg);
    } else if (val == (uint32_t)val) {
        tcg_out_opc(s, OPC_MOVL_Iv + (reg & 7), 0, reg, 0);
        tcg_out32(s, (uint32_t)val);
    } else if (val == (int32_t)val) {
        tcg_out_modrm(s, OPC_MOVL_EvIz + P_REXW, 0, reg);
        tcg_out32(s, (uint32_t)val);
    } else {
        tcg_out_opc(s, OPC_MOVL_Iv + P_REXW + (reg & 7), 0, reg, 0);
        tcg_out64(s, (uint64_t)val);
    }
}

void tcg_out_ld(TCGContext *s, TCGType type, int reg, int base, intptr_t offset)
{
    if (IS_XMM(reg)) {
        tcg_out_modrm_offset(s, type == TCG_TYPE_I64 ? OPC_MOVQ_VqWq : OPC_MOVD_VyEy,
                             reg, base, offset);
    } else {
        tcg_out_modrm_offset(s, OPC_MOVL_GvEv + rexw(type), reg, base, offset);
    }
}

void tcg_out_st(TCGContext *s, TCGType type, int reg, int base, intptr_t offset)
{
    if (IS_XMM(reg)) {
        tcg_out_modrm_offset(s, type == TCG_TYPE_I64 ? OPC_MOVQ_WqVq : OPC_MOVD_EyVy,
                             reg, base, offset);
    } else {
        tcg_out_modrm_offset(s, OPC_MOVL_EvGv + rexw(type), reg, base, offset);
    }
}

bool tcg_out_sti(TCGContext *s, TCGType type, int64_t val, int base, intptr_t offset)
{
    if (type == TCG_TYPE_I64 && val != (int32_t)val) {
        return false;
    }
    tcg_out_modrm_offset(s, OPC_MOVL_EvIz + rexw(type), 0, base, offset);
    tcg_out32(s, (uint32_t)val);
    return true;
}

static void tcg_out_arithi(TCGContext *s, int arith, TCGType type, int reg, int64_t val)
{
    int w = rexw(type);

    if (type == TCG_TYPE_I64 && val != (int32_t)val) {
        /* and with a zero-extended 32-bit mask: the 32-bit form clears bits 63..32 */
        g_assert(arith == ARITH_AND && val == (uint32_t)val);
        w = 0;
    }
    if (val == (int8_t)val) {
        tcg_out_modrm(s, OPC_ARITH_EvIb + w, arith, reg);
        tcg_out8(s, (uint8_t)val);
    } else {
        tcg_out_modrm(s, OPC_ARITH_EvIz + w, arith, reg);
        tcg_out32(s, (uint32_t)val);
    }
}

static void tcg_out_shifti(TCGContext *s, int sub, TCGType type, int reg, int count)
{
    if (count == 1) {
        tcg_out_modrm(s, OPC_SHIFT_1 + rexw(type), sub, reg);
    } else {
        tcg_out_modrm(s, OPC_SHIFT_Ib + rexw(type), sub, reg);
        tcg_out8(s, (uint8_t)count);
    }
}

static void tcg_out_ext8u(TCGContext *s, int dst, int src)
{
    tcg_out_modrm(s, OPC_MOVZBL | P_REXB_RM, dst, src);
}

static void tcg_out_ext16u(TCGContext *s, int dst, int src)
{
    tcg_out_modrm(s, OPC_MOVZWL, dst, src);
}

static void tcg_out_ext8s(TCGContext *s, TCGType type, int dst, int src)
{
    tcg_out_modrm(s, OPC_MOVSBL | P_REXB_RM | rexw(type), dst, src);
}

static void tcg_out_ext16s(TCGContext *s, TCGType type, int dst, int src)
{
    tcg_out_modrm(s, OPC_MOVSWL | rexw(type), dst, src);
}

static void tcg_out_ext32s(TCGContext *s, int dst, int src)
{
    tcg_out_modrm(s, OPC_MOVSLQ, dst, src);
}

static void tcg_out_ext32u(TCGContext *s, int dst, int src)
{
    tcg_out_modrm(s, OPC_MOVL_GvEv, dst, src);
}

static void tcg_out_cmp(TCGContext *s, TCGType type, int a, TCGArg b, bool b_const)
{
    if (b_const) {
        if (b == 0) {
            tcg_out_modrm(s, OPC_TESTL + rexw(type), a, a);
        } else {
            tcg_out_arithi(s, ARITH_CMP, type, a, (int64_t)b);
        }
    } else {
        tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_CMP << 3) + rexw(type), a, (int)b);
    }
}

/* jmp/jcc rel32 to an absolute code address (executable view). */
static void tcg_out_jxx_abs(TCGContext *s, int jcc, const void *target)
{
    if (jcc < 0) {
        tcg_out8(s, OPC_JMP_long);
    } else {
        tcg_out_opc(s, OPC_JCC_long + jcc, 0, 0, 0);
    }
    tcg_out32(s, (uint32_t)((intptr_t)target - (intptr_t)(s->code_ptr + 4)));
}

/* ------------------------------------------------------------------------ */
/* Labels */

#define MAX_RELOCS 4096
static TCGRelocation reloc_pool[MAX_RELOCS];
static int nb_relocs;

static void tcg_out_jxx_label(TCGContext *s, int jcc, TCGLabel *l)
{
    if (jcc < 0) {
        tcg_out8(s, OPC_JMP_long);
    } else {
        tcg_out_opc(s, OPC_JCC_long + jcc, 0, 0, 0);
    }
    if (l->has_value) {
        tcg_out32(s, (uint32_t)(l->value - (tcg_current_code_size(s) + 4)));
        return;
    }
    if (nb_relocs == MAX_RELOCS) {
        error_exit("tcg: too many forward branches in one translation block");
    }
    TCGRelocation *r = &reloc_pool[nb_relocs++];
    r->code_offset = tcg_current_code_size(s);
    r->next = l->relocs;
    l->relocs = r;
    tcg_out32(s, 0);
}

void tcg_out_label(TCGContext *s, TCGLabel *l)
{
    l->has_value = true;
    l->value = tcg_current_code_size(s);
    for (TCGRelocation *r = l->relocs; r; r = r->next) {
        tcg_patch32(s, s->code_buf + r->code_offset,
                    (uint32_t)(l->value - (r->code_offset + 4)));
    }
    l->relocs = NULL;
}

/* ------------------------------------------------------------------------ */
/* Calls */

void tcg_out_call(TCGContext *s, const void *func)
{
    intptr_t disp = (intptr_t)func - (intptr_t)(s->code_ptr + 5);

    if (disp == (int32_t)disp) {
        tcg_out8(s, OPC_CALL_Jz);
        tcg_out32(s, (uint32_t)disp);
    } else {
        tcg_out_movi(s, TCG_TYPE_I64, R_R11, (intptr_t)func);
        tcg_out_modrm(s, OPC_GRP5, EXT5_CALLN_Ev, R_R11);
    }
}

/* A jcc rel32 to a place emitted later: *patch records where its rel32 is. */
static void tcg_out_jcc_fwd(TCGContext *s, int jcc, uint32_t *patch)
{
    tcg_out_opc(s, OPC_JCC_long + jcc, 0, 0, 0);
    *patch = tcg_current_code_size(s);
    tcg_out32(s, 0);
}

/* Point the n jumps of tcg_out_jcc_fwd at the current position. */
static void tcg_out_patch_fwd(TCGContext *s, const uint32_t *patch, int n)
{
    for (int i = 0; i < n; i++) {
        tcg_patch32(s, s->code_buf + patch[i],
                    (uint32_t)(tcg_current_code_size(s) - (patch[i] + 4)));
    }
}

/* ------------------------------------------------------------------------ */
/* Guest memory */

typedef struct TCGLdstLabel {
    bool is_ld;
    MemOp memop;
    int mmu_idx;
    TCGType type;
    int addr_reg, data_reg;
    int32_t disp;                 /* the guest address is addr_reg + disp */
    uint32_t live_regs;
    int fault_map;                /* TCGFaultMap of the access */
    uint32_t label_off;           /* rel32 field of the jump to the slow path */
    uint32_t raddr_off;           /* where the slow path returns to */
} TCGLdstLabel;

/* Slow paths in accel/tcg/cputlb.c (softmmu) or user-exec.c (user mode). */
uint64_t helper_ld_mmu(void *env, uint64_t addr, uint32_t oi, uintptr_t retaddr);
void helper_st_mmu(void *env, uint64_t addr, uint64_t val, uint32_t oi, uintptr_t retaddr);

static TCGLdstLabel *new_ldst_label(TCGContext *s)
{
    if (s->nb_ldst == s->ldst_cap) {
        s->ldst_cap = s->ldst_cap ? s->ldst_cap * 2 : 64;
        s->ldst_labels = g_renew(TCGLdstLabel, s->ldst_labels, s->ldst_cap);
    }
    return &s->ldst_labels[s->nb_ldst++];
}

/*
 * User mode: r14 holds the guest base when it is not a 32-bit displacement,
 * or else the address check's mask when that is not a 32-bit immediate.
 */
static bool guest_base_in_reg(TCGContext *s)
{
    return s->user_mode && s->guest_base != (uintptr_t)(int32_t)s->guest_base;
}

static bool addr_mask_in_reg(TCGContext *s)
{
    return s->user_mode && !guest_base_in_reg(s) &&
           s->guest_addr_mask != (uint64_t)(int32_t)s->guest_addr_mask;
}

/*
 * Emit the TLB probe of guest address addr + gdisp (user mode: the range
 * check, left out when the optimizer knows addr is in range). Returns the
 * base register and displacement of the host address: [base + addr + disp].
 */
static void tcg_out_tlb_probe(TCGContext *s, TCGLdstLabel *l, int addr, int32_t gdisp,
                              bool known, MemOp memop, int mmu_idx, bool is_ld,
                              int s0, int s1, int *base, int32_t *disp)
{
    unsigned s_bits = memop & MO_SIZE;
    unsigned a_bits = memop_alignment_bits(memop);
    uint64_t a_mask = (1u << a_bits) - 1;
    intptr_t tlb = s->tlb_env_offset +
                   (intptr_t)mmu_idx * CPU_TLB_SIZE * sizeof(CPUTLBEntry);
    intptr_t cmp_ofs = tlb + (is_ld ? offsetof(CPUTLBEntry, addr_read)
                                    : offsetof(CPUTLBEntry, addr_write));

    if (s->user_mode) {
        /*
         * One test catches both a misaligned address and one outside the
         * guest's reservation; an access that starts inside and runs past
         * its end hits the guard pages linux-user maps after it. A
         * displacement is checked as part of addr (tcg_set_guest_addr_mask).
         */
        uint64_t bad = known ? 0 : a_mask | s->guest_addr_mask;
        int64_t d;

        if (bad) {
            if (bad == s->guest_addr_mask && addr_mask_in_reg(s)) {
                tcg_out_modrm(s, OPC_TESTL + P_REXW, R_R14, addr);   /* test addr, r14 */
            } else if (bad == (uint64_t)(int32_t)bad) {
                tcg_out_modrm(s, OPC_GRP3_Ev + P_REXW, 0, addr);   /* test addr, imm32 */
                tcg_out32(s, (uint32_t)bad);
            } else {
                tcg_out_movi(s, TCG_TYPE_I64, s0, bad);
                tcg_out_modrm(s, OPC_TESTL + P_REXW, s0, addr);    /* test addr, s0 */
            }
            tcg_out_jcc_fwd(s, JCC_JNE, &l->label_off);
        } else {
            l->label_off = UINT32_MAX;
        }
        if (guest_base_in_reg(s)) {
            *base = R_R14;
            *disp = gdisp;
            return;
        }
        d = (int64_t)(intptr_t)s->guest_base + gdisp;
        if (d == (int32_t)d) {
            *base = -1;
            *disp = (int32_t)d;
        } else {
            tcg_out_movi(s, TCG_TYPE_I64, s0, gdisp);
            *base = s0;
            *disp = (int32_t)s->guest_base;
        }
        return;
    }
    g_assert(gdisp == 0 && !known);     /* the optimizer folds in user mode only */

    tcg_out_mov(s, TCG_TYPE_I64, s0, addr);
    tcg_out_shifti(s, SHIFT_SHR, TCG_TYPE_I64, s0, TARGET_PAGE_BITS - CPU_TLB_ENTRY_BITS);
    tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I32, s0,
                   (CPU_TLB_SIZE - 1) << CPU_TLB_ENTRY_BITS);
    /* Unaligned accesses must not cross the page: test the last byte's page. */
    if (a_bits < s_bits) {
        tcg_out_modrm_offset(s, OPC_LEA + P_REXW, s1, addr,
                             (1 << s_bits) - 1 - (int)a_mask);
    } else {
        tcg_out_mov(s, TCG_TYPE_I64, s1, addr);
    }
    tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I64, s1, (int64_t)(TARGET_PAGE_MASK | a_mask));
    tcg_out_modrm_sib_offset(s, OPC_ARITH_GvEv + (ARITH_CMP << 3) + P_REXW,
                             s1, R_BP, s0, 0, cmp_ofs);
    tcg_out_jcc_fwd(s, JCC_JNE, &l->label_off);
    tcg_out_modrm_sib_offset(s, OPC_MOVL_GvEv + P_REXW, s0, R_BP, s0, 0,
                             tlb + offsetof(CPUTLBEntry, addend));
    *base = s0;
    *disp = 0;
}

static void tcg_out_mem(TCGContext *s, int opc, int r, int base, int index, int32_t disp)
{
    if (base < 0) {
        tcg_out_modrm_offset(s, opc, r, index, disp);
    } else {
        tcg_out_modrm_sib_offset(s, opc, r, base, index, 0, disp);
    }
}

static void tcg_out_bswap_result(TCGContext *s, TCGType type, MemOp memop, int r)
{
    switch (memop & MO_SIZE) {
    case MO_32:
        tcg_out_opc(s, OPC_BSWAP + (r & 7), 0, r, 0);
        break;
    case MO_64:
        tcg_out_opc(s, OPC_BSWAP + P_REXW + (r & 7), 0, r, 0);
        break;
    }
}

/*
 * Record what the slow path of a guest load/store needs; the access just
 * emitted ends at the return address. A probe that emitted no branch to
 * the slow path (user mode without checks) gives its label back.
 */
static void ldst_label_finish(TCGContext *s, TCGLdstLabel *l, bool is_ld, MemOp memop,
                              int mmu_idx, TCGType type, int addr, int32_t disp, int val,
                              uint32_t live_regs)
{
    l->is_ld = is_ld;
    l->memop = memop;
    l->mmu_idx = mmu_idx;
    l->type = type;
    l->addr_reg = addr;
    l->disp = disp;
    l->data_reg = val;
    l->live_regs = live_regs;
    l->fault_map = s->cur_fault_map;
    l->raddr_off = tcg_current_code_size(s);
    if (l->label_off == UINT32_MAX) {
        s->nb_ldst--;
    }
}

static void tcg_out_qemu_ld(TCGContext *s, TCGType type, const TCGArg *args,
                            const int *scratch, uint32_t live_regs)
{
    int val = args[0], addr = args[1];
    MemOp memop = args[2];
    int mmu_idx = args[3];
    int32_t gdisp = (int32_t)args[4];
    TCGLdstLabel *l = new_ldst_label(s);
    int base, w = rexw(type);
    int32_t disp;
    bool bswap = (memop & MO_BSWAP) && (memop & MO_SIZE) != MO_8;
    bool movbe = bswap && HAVE(MOVBE);

    tcg_out_tlb_probe(s, l, addr, gdisp, args[5], memop, mmu_idx, true, scratch[0], scratch[1],
                      &base, &disp);
    if (IS_XMM(val)) {
        /* 32 or 64 bits zero-extended (ldst_xmm_ok) */
        tcg_out_mem(s, (memop & MO_SIZE) == MO_64 ? OPC_MOVQ_VqWq : OPC_MOVD_VyEy,
                    val, base, addr, disp);
        ldst_label_finish(s, l, true, memop, mmu_idx, type, addr, gdisp, val, live_regs);
        return;
    }
    switch (memop & (MO_SIZE | MO_SIGN)) {
    case MO_UB:
        tcg_out_mem(s, OPC_MOVZBL, val, base, addr, disp);
        break;
    case MO_SB:
        tcg_out_mem(s, OPC_MOVSBL + w, val, base, addr, disp);
        break;
    case MO_UW:
    case MO_SW:
        if (movbe) {
            tcg_out_mem(s, OPC_MOVBE_GyMy + P_DATA16, val, base, addr, disp);
            if (memop & MO_SIGN) {
                tcg_out_ext16s(s, type, val, val);
            } else {
                tcg_out_ext16u(s, val, val);
            }
        } else if (bswap) {
            tcg_out_mem(s, OPC_MOVZWL, val, base, addr, disp);
            tcg_out_opc(s, P_DATA16 | OPC_SHIFT_Ib, 0, val, 0);
            tcg_out8(s, 0xc0 | (SHIFT_ROL << 3) | (val & 7));
            tcg_out8(s, 8);
            if (memop & MO_SIGN) {
                tcg_out_ext16s(s, type, val, val);
            } else {
                tcg_out_ext16u(s, val, val);
            }
        } else {
            tcg_out_mem(s, (memop & MO_SIGN) ? OPC_MOVSWL + w : OPC_MOVZWL, val, base, addr, disp);
        }
        break;
    case MO_UL:
    case MO_SL:
        if (!bswap && (memop & MO_SIGN) && type == TCG_TYPE_I64) {
            tcg_out_mem(s, OPC_MOVSLQ, val, base, addr, disp);     /* movslq */
            break;
        }
        tcg_out_mem(s, movbe ? OPC_MOVBE_GyMy : OPC_MOVL_GvEv, val, base, addr, disp);
        if (bswap && !movbe) {
            tcg_out_bswap_result(s, type, memop, val);
        }
        if ((memop & MO_SIGN) && type == TCG_TYPE_I64) {
            tcg_out_ext32s(s, val, val);
        }
        break;
    default:
        tcg_out_mem(s, (movbe ? OPC_MOVBE_GyMy : OPC_MOVL_GvEv) + P_REXW, val, base, addr, disp);
        if (bswap && !movbe) {
            tcg_out_bswap_result(s, type, memop, val);
        }
        break;
    }
    ldst_label_finish(s, l, true, memop, mmu_idx, type, addr, gdisp, val, live_regs);
}

static void tcg_out_qemu_st(TCGContext *s, TCGType type, const TCGArg *args,
                            const int *scratch, uint32_t live_regs)
{
    int val = args[0], addr = args[1];
    MemOp memop = args[2];
    int mmu_idx = args[3];
    int32_t gdisp = (int32_t)args[4];
    TCGLdstLabel *l = new_ldst_label(s);
    int base;
    int32_t disp;
    bool bswap = (memop & MO_BSWAP) && (memop & MO_SIZE) != MO_8;
    int data = val;

    tcg_out_tlb_probe(s, l, addr, gdisp, args[5], memop, mmu_idx, false, scratch[0], scratch[1],
                      &base, &disp);
    if (IS_XMM(val)) {
        /* 32 or 64 bits, no swap (ldst_xmm_ok) */
        tcg_out_mem(s, (memop & MO_SIZE) == MO_64 ? OPC_MOVQ_WqVq : OPC_MOVD_EyVy,
                    val, base, addr, disp);
    } else if (bswap && HAVE(MOVBE)) {
        static const int opc[] = { 0, OPC_MOVBE_MyGy + P_DATA16, OPC_MOVBE_MyGy,
                                   OPC_MOVBE_MyGy + P_REXW };
        tcg_out_mem(s, opc[memop & MO_SIZE], val, base, addr, disp);
    } else {
        if (bswap) {
            /* swap a copy: s1 is free once the probe is done */
            data = scratch[1];
            tcg_out_mov(s, TCG_TYPE_I64, data, val);
            if ((memop & MO_SIZE) == MO_16) {
                tcg_out_opc(s, P_DATA16 | OPC_SHIFT_Ib, 0, data, 0);
                tcg_out8(s, 0xc0 | (SHIFT_ROL << 3) | (data & 7));
                tcg_out8(s, 8);
            } else {
                tcg_out_bswap_result(s, type, memop, data);
            }
        }
        switch (memop & MO_SIZE) {
        case MO_8:
            tcg_out_mem(s, OPC_MOVB_EvGv | P_REXB_R, data, base, addr, disp);
            break;
        case MO_16:
            tcg_out_mem(s, OPC_MOVL_EvGv | P_DATA16, data, base, addr, disp);
            break;
        case MO_32:
            tcg_out_mem(s, OPC_MOVL_EvGv, data, base, addr, disp);
            break;
        default:
            tcg_out_mem(s, OPC_MOVL_EvGv + P_REXW, data, base, addr, disp);
            break;
        }
    }
    ldst_label_finish(s, l, false, memop, mmu_idx, type, addr, gdisp, val, live_regs);
}

/* Move a -> ra and b -> rb without clobbering either source. */
static void tcg_out_mov2(TCGContext *s, int ra, int a, int rb, int b)
{
    if (a == rb && b == ra) {
        tcg_out_modrm(s, OPC_XCHG_EvGv + P_REXW, a, b);
    } else if (a == rb) {
        tcg_out_mov(s, TCG_TYPE_I64, ra, a);
        tcg_out_mov(s, TCG_TYPE_I64, rb, b);
    } else {
        tcg_out_mov(s, TCG_TYPE_I64, rb, b);
        tcg_out_mov(s, TCG_TYPE_I64, ra, a);
    }
}

/*
 * The registers an out-of-line call from the middle of an op must save:
 * the live call-clobbered ones, pinned globals included.
 */
static uint32_t slow_path_saved_regs(TCGContext *s, uint32_t live_regs)
{
    return (live_regs | s->pinned_regs) & tcg_target_call_clobber_regs;
}

/*
 * What slow_path_push adds to rsp below the pushed general registers: the
 * low halves of the nx xmm registers (values are at most 64 bits), and
 * padding to keep rsp 16-aligned with n registers saved in all.
 */
static int slow_path_xmm_area(int n, int nx)
{
    return (nx + (n & 1)) * 8;
}

/*
 * Save the registers in save: push the general ones, store the xmm ones
 * below. regs[] lists them, general ones first; returns their count.
 */
static int slow_path_push(TCGContext *s, uint32_t save, int *regs)
{
    int n = 0, nx = 0;

    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if (save & REGSET(r)) {
            regs[n++] = r;
            if (IS_XMM(r)) {
                nx++;
            } else {
                tcg_out_opc(s, OPC_PUSH_r32 + (r & 7), 0, r, 0);
            }
        }
    }
    if (slow_path_xmm_area(n, nx)) {
        tcg_out_arithi(s, ARITH_SUB, TCG_TYPE_I64, R_SP, slow_path_xmm_area(n, nx));
    }
    for (int i = 0; i < nx; i++) {
        tcg_out_st(s, TCG_TYPE_I64, regs[n - nx + i], R_SP, i * 8);
    }
    return n;
}

static void slow_path_pop(TCGContext *s, const int *regs, int n)
{
    int nx = 0;

    while (nx < n && IS_XMM(regs[n - 1 - nx])) {
        nx++;
    }
    for (int i = 0; i < nx; i++) {
        tcg_out_ld(s, TCG_TYPE_I64, regs[n - nx + i], R_SP, i * 8);
    }
    if (slow_path_xmm_area(n, nx)) {
        tcg_out_arithi(s, ARITH_ADD, TCG_TYPE_I64, R_SP, slow_path_xmm_area(n, nx));
    }
    for (n -= nx; n > 0; n--) {
        int r = regs[n - 1];
        tcg_out_opc(s, OPC_POP_r32 + (r & 7), 0, r, 0);
    }
}

static void tcg_out_ldst_slow_path(TCGContext *s, TCGLdstLabel *l)
{
    uint32_t save = slow_path_saved_regs(s, l->live_regs);
    int regs[TCG_TARGET_NB_REGS], n;
    MemOpIdx oi = make_memop_idx(l->memop, l->mmu_idx);
    uintptr_t raddr = (uintptr_t)(s->code_buf + l->raddr_off);

    tcg_out_patch_fwd(s, &l->label_off, 1);
    if (l->is_ld) {
        save &= ~REGSET(l->data_reg);
    }
    /* the helper may fault: the runtime then reads the guest registers in env */
    tcg_out_pinned_store(s, s->pinned_regs);
    if (l->fault_map >= 0) {
        const TCGFaultMap *m = &s->fault_maps[l->fault_map];
        for (uint32_t i = m->first; i < m->first + m->n; i++) {
            uint32_t e = s->fault_entries[i];
            tcg_out_st(s, TCG_FAULT_ENTRY_TYPE(e), TCG_FAULT_ENTRY_REG(e), R_BP,
                       TCG_FAULT_ENTRY_OFS(e));
        }
    }
    n = slow_path_push(s, save, regs);
    if (l->is_ld) {
        tcg_out_mov(s, TCG_TYPE_I64, R_SI, l->addr_reg);
        tcg_out_movi(s, TCG_TYPE_I32, R_DX, oi);
        tcg_out_movi(s, TCG_TYPE_I64, R_CX, raddr);
    } else {
        tcg_out_mov2(s, R_SI, l->addr_reg, R_DX, l->data_reg);
        tcg_out_movi(s, TCG_TYPE_I32, R_CX, oi);
        tcg_out_movi(s, TCG_TYPE_I64, R_R8, raddr);
    }
    if (l->disp) {
        tcg_out_modrm_offset(s, OPC_LEA + P_REXW, R_SI, R_SI, l->disp);
    }
    tcg_out_mov(s, TCG_TYPE_I64, R_DI, R_BP);
    tcg_out_call(s, l->is_ld ? (void *)helper_ld_mmu : (void *)helper_st_mmu);
    if (l->is_ld) {
        int v = l->data_reg;
        switch (l->memop & (MO_SIZE | MO_SIGN)) {
        case MO_SB:
            tcg_out_ext8s(s, l->type, v, R_AX);
            break;
        case MO_SW:
            tcg_out_ext16s(s, l->type, v, R_AX);
            break;
        case MO_SL:
            if (l->type == TCG_TYPE_I64) {
                tcg_out_ext32s(s, v, R_AX);
                break;
            }
            /* fall through */
        default:
            tcg_out_mov(s, l->type, v, R_AX);
            break;
        }
    }
    slow_path_pop(s, regs, n);
    tcg_out_jxx_abs(s, -1, (void *)raddr);
}

static bool tcg_out_fp_finalize(TCGContext *s);

bool tcg_out_ldst_finalize(TCGContext *s)
{
    for (int i = 0; i < s->nb_ldst; i++) {
        tcg_out_ldst_slow_path(s, &s->ldst_labels[i]);
        if (s->code_ptr > s->code_gen_highwater) {
            return false;
        }
    }
    return tcg_out_fp_finalize(s);
}

/* ------------------------------------------------------------------------ */
/* Indirect jumps through the jump cache */

/* [rip + target - end of instruction]: target must be within rel32 reach. */
static void tcg_out_modrm_rip(TCGContext *s, int opc, int r, const void *target)
{
    intptr_t disp;

    tcg_out_opc(s, opc, r, 0, 0);
    tcg_out8(s, ((r & 7) << 3) | 5);
    disp = (intptr_t)target - (intptr_t)(s->code_ptr + 4);
    g_assert(disp == (int32_t)disp);
    tcg_out32(s, (uint32_t)disp);
}

/* What a fresh user-mode slot holds: a TB that never matches. */
static const TranslationBlock jmp_slot_empty = { .jmp_pc = TB_JMP_PC_INVALID };

/* A new slot index for this site, or -1 if there are none left. */
static int jmp_slot_take(TCGContext *s)
{
    if (s->jmp_slot_next >= s->jmp_slot_count) {
        return -1;
    }
    if (s->jmp_slots) {
        __atomic_store_n(&s->jmp_slots[s->jmp_slot_next], (TranslationBlock *)&jmp_slot_empty,
                         __ATOMIC_RELAXED);
    }
    return s->jmp_slot_next++;
}

/* System mode: rcx = this vCPU's slots, from the jump cache pointer in rdx. */
static void tcg_out_ld_vcpu_slots(TCGContext *s)
{
    tcg_out_ld(s, TCG_TYPE_I64, R_CX, R_DX, offsetof(TBJmpCache, slots));
}

/*
 * pc in rax; every call-clobbered register is free (the op ends the TB).
 *
 * First the site's slot k, the TB this jump went to last time. Only hits of
 * the jump cache probe below fill it, so its TB has this TB's flags. TBs
 * are freed only by a flush, which also drops the code and its slots.
 * User mode: slots are shared by all threads (one aligned word each):
 *     mov rsi, [rip + slot]; cmp rax, [rsi + jmp_pc]; jne probe; jmp [rsi + tc.ptr]
 * (jmp_pc is the TB's pc while it is valid: one compare checks both).
 * System mode: which TB is right depends on the vCPU's mapping of the
 * target's page, so each vCPU has its own slots, valid while their epoch is
 * the vCPU's (bumped whenever its jump cache is cleared, by any TLB flush):
 *     mov rdx, [rbp + jc]; mov rcx, [rdx + slots]; mov rsi, [rdx + epoch]
 *     cmp rsi, [rcx + 16k + 8]; jne probe; mov rsi, [rcx + 16k]; then as above
 *
 * Then the jump cache. Hit: the cached TB has this pc, the current TB's
 * flags and is valid; it goes into the slot.
 */
static void tcg_out_lookup_goto(TCGContext *s, uint32_t flags, intptr_t pc_offset)
{
    int k = jmp_slot_take(s);
    bool vcpu_slots = k >= 0 && !s->jmp_slots;
    intptr_t vcpu_slot = k * (intptr_t)sizeof(TBJmpSlot);
    uint32_t miss[6];
    int n = 0;

    if (k >= 0 && s->jmp_slots) {
        tcg_out_modrm_rip(s, OPC_MOVL_GvEv + P_REXW, R_SI, &s->jmp_slots[k]);
    } else if (vcpu_slots) {
        tcg_out_ld(s, TCG_TYPE_I64, R_DX, R_BP, s->jc_env_offset);
        tcg_out_ld_vcpu_slots(s);
        tcg_out_ld(s, TCG_TYPE_I64, R_SI, R_DX, offsetof(TBJmpCache, slot_epoch));
        tcg_out_modrm_offset(s, OPC_ARITH_GvEv + (ARITH_CMP << 3) + P_REXW, R_SI, R_CX,
                             vcpu_slot + offsetof(TBJmpSlot, epoch));
        tcg_out_jcc_fwd(s, JCC_JNE, &miss[n++]);
        tcg_out_ld(s, TCG_TYPE_I64, R_SI, R_CX, vcpu_slot + offsetof(TBJmpSlot, tb));
    }
    if (k >= 0) {
        tcg_out_modrm_offset(s, OPC_ARITH_GvEv + (ARITH_CMP << 3) + P_REXW, R_AX, R_SI,
                             offsetof(TranslationBlock, jmp_pc));
        tcg_out_jcc_fwd(s, JCC_JNE, &miss[n++]);
        tcg_out_modrm_offset(s, OPC_GRP5, EXT5_JMPN_Ev, R_SI, offsetof(TranslationBlock, tc.ptr));
        tcg_out_patch_fwd(s, miss, n);
        n = 0;
    }

    if (!vcpu_slots) {
        tcg_out_ld(s, TCG_TYPE_I64, R_DX, R_BP, s->jc_env_offset);
    }
    /* rcx = tb_jmp_cache_hash(pc) * sizeof(TBJmpCacheEntry) */
    tcg_out_mov(s, TCG_TYPE_I64, R_CX, R_AX);
    tcg_out_shifti(s, SHIFT_SHR, TCG_TYPE_I64, R_CX, 1);
    tcg_out_mov(s, TCG_TYPE_I64, R_SI, R_AX);
    tcg_out_shifti(s, SHIFT_SHR, TCG_TYPE_I64, R_SI, 1 + TB_JMP_GROUP_BITS);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_XOR << 3), R_CX, R_SI);
    tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I32, R_CX, TB_JMP_GROUP - 1);
    tcg_out_mov(s, TCG_TYPE_I64, R_SI, R_AX);
    tcg_out_shifti(s, SHIFT_SHR, TCG_TYPE_I64, R_SI, 12);
    tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I32, R_SI, TB_JMP_CACHE_SIZE / TB_JMP_GROUP - 1);
    tcg_out_shifti(s, SHIFT_SHL, TCG_TYPE_I32, R_SI, TB_JMP_GROUP_BITS);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_OR << 3), R_CX, R_SI);
    tcg_out_shifti(s, SHIFT_SHL, TCG_TYPE_I32, R_CX, 4);
    _Static_assert(sizeof(TBJmpCacheEntry) == 16, "TBJmpCacheEntry size");

    /* entry.gen == cache.gen */
    tcg_out_ld(s, TCG_TYPE_I64, R_SI, R_DX, offsetof(TBJmpCache, gen));
    tcg_out_modrm_sib_offset(s, OPC_ARITH_GvEv + (ARITH_CMP << 3) + P_REXW, R_SI, R_DX, R_CX, 0,
                             offsetof(TBJmpCache, e) + offsetof(TBJmpCacheEntry, gen));
    tcg_out_jcc_fwd(s, JCC_JNE, &miss[n++]);
    tcg_out_modrm_sib_offset(s, OPC_MOVL_GvEv + P_REXW, R_SI, R_DX, R_CX, 0,
                             offsetof(TBJmpCache, e) + offsetof(TBJmpCacheEntry, tb));
    tcg_out_modrm(s, OPC_TESTL + P_REXW, R_SI, R_SI);
    tcg_out_jcc_fwd(s, JCC_JE, &miss[n++]);
    tcg_out_modrm_offset(s, OPC_ARITH_GvEv + (ARITH_CMP << 3) + P_REXW, R_AX, R_SI,
                         offsetof(TranslationBlock, pc));
    tcg_out_jcc_fwd(s, JCC_JNE, &miss[n++]);
    tcg_out_modrm_offset(s, OPC_ARITH_EvIz, ARITH_CMP, R_SI, offsetof(TranslationBlock, flags));
    tcg_out32(s, flags);
    tcg_out_jcc_fwd(s, JCC_JNE, &miss[n++]);
    tcg_out_modrm_offset(s, OPC_GRP3_Ev, 0, R_SI, offsetof(TranslationBlock, cflags));
    tcg_out32(s, CF_INVALID);
    tcg_out_jcc_fwd(s, JCC_JNE, &miss[n++]);
    if (k >= 0 && s->jmp_slots) {
        tcg_out_modrm_rip(s, OPC_MOVL_EvGv + P_REXW, R_SI, &s->jmp_slots[k]);
    } else if (vcpu_slots) {
        tcg_out_ld_vcpu_slots(s);
        tcg_out_st(s, TCG_TYPE_I64, R_SI, R_CX, vcpu_slot + offsetof(TBJmpSlot, tb));
        tcg_out_ld(s, TCG_TYPE_I64, R_DI, R_DX, offsetof(TBJmpCache, slot_epoch));
        tcg_out_st(s, TCG_TYPE_I64, R_DI, R_CX, vcpu_slot + offsetof(TBJmpSlot, epoch));
    }
    tcg_out_modrm_offset(s, OPC_GRP5, EXT5_JMPN_Ev, R_SI, offsetof(TranslationBlock, tc.ptr));

    /* miss: the lookup helper (which also fills the cache) reads the pc */
    tcg_out_patch_fwd(s, miss, n);
    tcg_out_st(s, TCG_TYPE_I64, R_AX, R_BP, pc_offset);
    tcg_out_pinned_store(s, s->pinned_regs & tcg_target_call_clobber_regs);
    tcg_out_mov(s, TCG_TYPE_I64, R_DI, R_BP);
    tcg_out_call(s, (const void *)helper_lookup_tb_ptr);
    tcg_out_pinned_load(s, s->pinned_regs & tcg_target_call_clobber_regs);
    tcg_out_modrm(s, OPC_GRP5, EXT5_JMPN_Ev, R_AX);
}

/* ------------------------------------------------------------------------ */
/* Floating point: scalar SSE (AVX and FMA3 where the host has them) */

/* scalar ops: + P_SIMDF2 for sd (binary64), P_SIMDF3 for ss (binary32) */
#define OPC_ADDS        (0x58 | P_EXT)
#define OPC_MULS        (0x59 | P_EXT)
#define OPC_SUBS        (0x5c | P_EXT)
#define OPC_DIVS        (0x5e | P_EXT)
#define OPC_SQRTS       (0x51 | P_EXT)
#define OPC_CMPS        (0xc2 | P_EXT)              /* imm8 0 eq (quiet), 1 lt, 2 le */
#define OPC_CVTSI2S     (0x2a | P_EXT)
#define OPC_CVTTS2SI    (0x2c | P_EXT)              /* truncating */
#define OPC_CVTS2SI     (0x2d | P_EXT)              /* MXCSR rounding (nearest even) */
#define OPC_CVTS2S      (0x5a | P_EXT)              /* F2: sd -> ss, F3: ss -> sd */
#define OPC_UCOMIS      (0x2e | P_EXT)              /* + P_DATA16 for sd */
#define OPC_PCMPEQD     (0x76 | P_EXT | P_DATA16)
#define OPC_ANDPS       (0x54 | P_EXT)
/* VEX: dst = vvvv * dst + rm; +2 msub, +4 nmadd, +6 nmsub; W1 (P_REXW) for sd */
#define OPC_VFMADD213S  (0xa9 | P_EXT38 | P_DATA16)

#define OPC_GRP15       (0xae | P_EXT)
enum { EXT15_LDMXCSR = 2, EXT15_STMXCSR = 3 };

#define MXCSR_FLAGS     0x3fu     /* IE DE ZE OE UE PE */

/*
 * MXCSR's low byte (IE DE ZE OE UE PE DAZ IM) as TCG_FPE_* flags; DE
 * (denormal operand) is not an IEEE flag. MXCSR has them in the reverse
 * order: a table load costs less than bit tests (about 2 ns against 6 in
 * a loop of stmxcsr and the mapping).
 */
#define FPE_OF(c)   (((c) & 1 ? TCG_FPE_INVALID : 0) | ((c) & 4 ? TCG_FPE_DIVBYZERO : 0) |  \
                     ((c) & 8 ? TCG_FPE_OVERFLOW : 0) | ((c) & 16 ? TCG_FPE_UNDERFLOW : 0) | \
                     ((c) & 32 ? TCG_FPE_INEXACT : 0))
#define FPE_OF4(c)  FPE_OF(c), FPE_OF((c) + 1), FPE_OF((c) + 2), FPE_OF((c) + 3)
#define FPE_OF16(c) FPE_OF4(c), FPE_OF4((c) + 4), FPE_OF4((c) + 8), FPE_OF4((c) + 12)
#define FPE_OF64(c) FPE_OF16(c), FPE_OF16((c) + 16), FPE_OF16((c) + 32), FPE_OF16((c) + 48)
static const uint8_t mxcsr_fpe[256] = { FPE_OF64(0), FPE_OF64(64), FPE_OF64(128), FPE_OF64(192) };

static uint32_t mxcsr_read(void)
{
    uint32_t csr;
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    return csr;
}

unsigned tcg_fp_flags(void)
{
    return mxcsr_fpe[mxcsr_read() & 0xff];
}

void tcg_fp_set_flags(unsigned flags)
{
    uint32_t csr = mxcsr_read();
    uint32_t want = (flags & TCG_FPE_INVALID ? 1 : 0) | (flags & TCG_FPE_DIVBYZERO ? 4 : 0) |
                    (flags & TCG_FPE_OVERFLOW ? 8 : 0) | (flags & TCG_FPE_UNDERFLOW ? 16 : 0) |
                    (flags & TCG_FPE_INEXACT ? 32 : 0);

    /* DE (denormal operand, bit 1) is left alone */
    if ((csr & (MXCSR_FLAGS & ~2u)) != want) {
        csr = (csr & ~(MXCSR_FLAGS & ~2u)) | want;
        __asm__ volatile("ldmxcsr %0" : : "m"(csr));
    }
}

/*
 * MXCSR goes through [rsp]: the outgoing stack arguments' space, which
 * holds nothing between calls. t = the flags (TCG_FPE_*); base: a scratch.
 */
static void tcg_out_fp_flags_get(TCGContext *s, int t, int base)
{
    tcg_out_modrm_offset(s, OPC_GRP15, EXT15_STMXCSR, R_SP, 0);
    tcg_out_modrm_offset(s, OPC_MOVZBL, t, R_SP, 0);
    tcg_out_movi(s, TCG_TYPE_I64, base, (uintptr_t)mxcsr_fpe);
    tcg_out_modrm_sib_offset(s, OPC_MOVZBL, t, base, t, 0, 0);
}

/* Clear the flags (ldmxcsr, slow) only if one is raised that is not in mask. */
static void tcg_out_fp_flags_keep(TCGContext *s, int mask, int t, int base)
{
    uint8_t *skip;

    tcg_out_fp_flags_get(s, t, base);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_OR << 3) + P_REXW, t, mask);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_CMP << 3) + P_REXW, t, mask);
    tcg_out8(s, OPC_JCC_short + JCC_JE);
    skip = s->code_ptr;
    tcg_out8(s, 0);
    tcg_out_modrm_offset(s, OPC_ARITH_EvIb, ARITH_AND, R_SP, 0);   /* [rsp] still holds MXCSR */
    tcg_out8(s, (uint8_t)~MXCSR_FLAGS);
    tcg_out_modrm_offset(s, OPC_GRP15, EXT15_LDMXCSR, R_SP, 0);
    *(skip + s->code_rw_offset) = (uint8_t)(s->code_ptr - (skip + 1));    /* past ldmxcsr */
}

/* An f* op's out-of-line call of its fallback. */
typedef struct TCGFpSlow {
    const void *fn;
    uint64_t desc;
    int in[3], nb_in, out;
    uint32_t live_regs;
    uint32_t jumps[3];            /* rel32 fields of the branches to the slow path */
    int nb_jumps;
    uint32_t raddr_off;           /* where the slow path returns to */
} TCGFpSlow;

static TCGFpSlow *fp_slow;
static int nb_fp_slow, fp_slow_cap;

static void fp_jump_slow(TCGContext *s, TCGFpSlow *l, int jcc)
{
    g_assert(l->nb_jumps < (int)ARRAY_SIZE(l->jumps));
    tcg_out_jcc_fwd(s, jcc, &l->jumps[l->nb_jumps++]);
}

/*
 * The scratch registers an f* op needs: a general one to test bits of an
 * operand (boxing, the range of unsigned conversions) or to widen an
 * unsigned 32-bit integer; an xmm one to combine several binary32
 * operands' boxes, or for fcmp's mask.
 */
static void fp_scratch_needs(const TCGOp *op, int *nb_int, int *nb_xmm)
{
    unsigned fl = op->args[op_carg0(op)];
    bool f64 = fl & TCG_FP_F64;
    bool in_f32 = op->opc == INDEX_op_fcvt ? f64 : !f64 && op->opc != INDEX_op_itof;
    bool int_signed = fl & TCG_FP_INT_SIGNED, int64 = fl & TCG_FP_INT_64;

    *nb_int = in_f32 || (op->opc == INDEX_op_ftoi && !int_signed) ||
              (op->opc == INDEX_op_itof && !int_signed && !int64);
    *nb_xmm = (in_f32 && op_nb_iargs(op) > 1) || op->opc == INDEX_op_fcmp;
}

/* Binary32 operands must be boxed (bits 63..32 all ones); t, tx: scratch. */
static void fp_check_boxed(TCGContext *s, TCGFpSlow *l, int t, int tx)
{
    int x = l->in[0];

    if (l->nb_in > 1) {
        tcg_out_modrm(s, OPC_MOVAPS, tx, l->in[0]);
        for (int i = 1; i < l->nb_in; i++) {
            tcg_out_modrm(s, OPC_ANDPS, tx, l->in[i]);
        }
        x = tx;
    }
    tcg_out_mov(s, TCG_TYPE_I64, t, x);
    tcg_out_shifti(s, SHIFT_SHR, TCG_TYPE_I64, t, 32);
    tcg_out_arithi(s, ARITH_CMP, TCG_TYPE_I32, t, -1);
    fp_jump_slow(s, l, JCC_JNE);
}

/*
 * dst = a op b for a scalar SSE op (imm8, if any, follows): the VEX
 * three-operand form with AVX, else a copy of a first (dst != b). The
 * other bits of dst's low 64 come from a: a binary32 result of a boxed a
 * is boxed.
 */
static void fp_op3(TCGContext *s, int opc, int dst, int a, int b)
{
    if (HAVE(AVX)) {
        tcg_out_vex_modrm(s, opc, dst, a, b);
    } else {
        g_assert(dst != b || dst == a);
        tcg_out_mov(s, TCG_TYPE_I64, dst, a);
        tcg_out_modrm(s, opc, dst, b);
    }
}

/* A NaN result goes to the fallback (the quiet compare raises nothing for a qNaN). */
static void fp_check_nan(TCGContext *s, TCGFpSlow *l, int xmm, bool f64)
{
    tcg_out_modrm(s, OPC_UCOMIS | (f64 ? P_DATA16 : 0), xmm, xmm);
    fp_jump_slow(s, l, JCC_JP);
}

/*
 * Unsigned conversions: the input's bits (binary32, or the high half of a
 * binary64) must be below this bound; negative inputs are above it. Below
 * it the result fits even after rounding to nearest (2^32 - 0.5 rounds up).
 */
static uint32_t fp_uint_bound(bool f64, bool i64, bool trunc)
{
    if (!f64) {
        return i64 ? 0x5f000000 : 0x4f800000;       /* 2^63, 2^32 */
    }
    if (i64) {
        return 0x43e00000;                          /* 2^63 */
    }
    return trunc ? 0x41f00000 : 0x41efffff;         /* 2^32, just below 2^32 - 0.5 */
}

/*
 * Float operands and results are in xmm registers, integer ones in general
 * registers; the result's register is none of the inputs' (the fallback
 * reads them after it is written).
 */
static void tcg_out_fp(TCGContext *s, const TCGOp *op, const TCGArg *args, const int *scratch,
                       uint32_t live_regs)
{
    int c0 = op_carg0(op);
    unsigned fl = args[c0];
    bool f64 = fl & TCG_FP_F64;
    bool i_signed = fl & TCG_FP_INT_SIGNED, i64 = fl & TCG_FP_INT_64;
    int sfx = f64 ? P_SIMDF2 : P_SIMDF3;
    int out = args[0], a = args[1];
    int nb_t, nb_tx, t, tx;
    TCGFpSlow *l;

    fp_scratch_needs(op, &nb_t, &nb_tx);
    t = nb_t ? scratch[0] : -1;
    tx = nb_tx ? scratch[nb_t] : -1;
    if (nb_fp_slow == fp_slow_cap) {
        fp_slow_cap = fp_slow_cap ? fp_slow_cap * 2 : 32;
        fp_slow = g_renew(TCGFpSlow, fp_slow, fp_slow_cap);
    }
    l = &fp_slow[nb_fp_slow++];
    l->fn = (const void *)args[c0 + 1];
    l->desc = args[c0 + 2];
    l->nb_in = op_nb_iargs(op);
    for (int i = 0; i < l->nb_in; i++) {
        l->in[i] = args[1 + i];
    }
    l->out = out;
    l->live_regs = live_regs;
    l->nb_jumps = 0;

    switch (op->opc) {
    case INDEX_op_fcmp:
        if (!f64) {
            fp_check_boxed(s, l, t, tx);
        }
        fp_op3(s, OPC_CMPS | sfx, tx, a, args[2]);
        tcg_out8(s, fl >> TCG_FP_COND_SHIFT);
        tcg_out_mov(s, TCG_TYPE_I32, out, tx);
        tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I32, out, 1);
        break;
    case INDEX_op_ftoi:
        if (!f64) {
            fp_check_boxed(s, l, t, tx);
        }
        if (!i_signed) {
            tcg_out_mov(s, TCG_TYPE_I64, t, a);
            if (f64) {
                tcg_out_shifti(s, SHIFT_SHR, TCG_TYPE_I64, t, 32);
            }
            tcg_out_arithi(s, ARITH_CMP, TCG_TYPE_I32, t,
                           fp_uint_bound(f64, i64, fl & TCG_FP_TRUNC));
            fp_jump_slow(s, l, JCC_JAE);
        }
        /* unsigned 32-bit results come from a 64-bit conversion */
        tcg_out_modrm(s, ((fl & TCG_FP_TRUNC) ? OPC_CVTTS2SI : OPC_CVTS2SI) | sfx |
                      (i64 || !i_signed ? P_REXW : 0), out, a);
        if (i_signed) {
            /* the host's "invalid" result is the most negative integer: out - 1 overflows */
            tcg_out_arithi(s, ARITH_CMP, i64 ? TCG_TYPE_I64 : TCG_TYPE_I32, out, 1);
            fp_jump_slow(s, l, JCC_JO);
        }
        if (!i64) {
            tcg_out_ext32s(s, out, out);
        }
        break;
    case INDEX_op_itof:
        {
            int src = a, w = P_REXW;
            /*
             * No dependency on out's old value; a binary32 result keeps
             * the ones above it: boxed.
             */
            tcg_out_modrm(s, f64 ? OPC_PXOR : OPC_PCMPEQD, out, out);
            if (!i64 && i_signed) {
                w = 0;
            } else if (!i64) {
                tcg_out_ext32u(s, t, a);
                src = t;
            } else if (!i_signed) {
                tcg_out_modrm(s, OPC_TESTL + P_REXW, a, a);
                fp_jump_slow(s, l, JCC_JS);
            }
            tcg_out_modrm(s, OPC_CVTSI2S | sfx | w, out, src);
        }
        break;
    case INDEX_op_fcvt:
        /* f64: binary32 -> binary64 (exact), else binary64 -> binary32 (boxed as itof) */
        if (f64) {
            fp_check_boxed(s, l, t, tx);
        }
        tcg_out_modrm(s, f64 ? OPC_PXOR : OPC_PCMPEQD, out, out);
        tcg_out_modrm(s, OPC_CVTS2S | (f64 ? P_SIMDF3 : P_SIMDF2), out, a);
        fp_check_nan(s, l, out, f64);
        break;
    default:
        if (!f64) {
            fp_check_boxed(s, l, t, tx);
        }
        switch (op->opc) {
        case INDEX_op_fadd: case INDEX_op_fsub: case INDEX_op_fmul: case INDEX_op_fdiv:
            fp_op3(s, (op->opc == INDEX_op_fadd ? OPC_ADDS : op->opc == INDEX_op_fsub ?
                       OPC_SUBS : op->opc == INDEX_op_fmul ? OPC_MULS : OPC_DIVS) | sfx,
                   out, a, args[2]);
            break;
        case INDEX_op_fsqrt:
            fp_op3(s, OPC_SQRTS | sfx, out, a, a);
            break;
        default:        /* fma: out = a * b + c, negated as asked */
            tcg_out_mov(s, TCG_TYPE_I64, out, a);
            tcg_out_vex_modrm(s, (OPC_VFMADD213S + ((fl & TCG_FP_NEG_ADDEND) ? 2 : 0) +
                                  ((fl & TCG_FP_NEG_PROD) ? 4 : 0)) | (f64 ? P_REXW : 0),
                              out, args[2], args[3]);
            break;
        }
        fp_check_nan(s, l, out, f64);
        break;
    }
    l->raddr_off = tcg_current_code_size(s);
    if (l->nb_jumps == 0) {
        nb_fp_slow--;
    }
}

/*
 * The fallback call: env to rdi, desc to rsi, inputs to rdx, rcx, r8 (a
 * general one through the stack: it may sit in another's argument
 * register).
 */
static void tcg_out_fp_slow_path(TCGContext *s, const TCGFpSlow *l)
{
    static const int arg_regs[3] = { R_DX, R_CX, R_R8 };
    uint32_t save = slow_path_saved_regs(s, l->live_regs) & ~REGSET(l->out);
    int regs[TCG_TARGET_NB_REGS], n;

    tcg_out_patch_fwd(s, l->jumps, l->nb_jumps);
    n = slow_path_push(s, save, regs);
    for (int i = 0; i < l->nb_in; i++) {
        if (!IS_XMM(l->in[i])) {
            tcg_out_opc(s, OPC_PUSH_r32 + (l->in[i] & 7), 0, l->in[i], 0);
        }
    }
    for (int i = 2; i >= 0; i--) {
        if (i < l->nb_in && !IS_XMM(l->in[i])) {
            tcg_out_opc(s, OPC_POP_r32 + (arg_regs[i] & 7), 0, arg_regs[i], 0);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (i >= l->nb_in) {
            tcg_out_movi(s, TCG_TYPE_I64, arg_regs[i], 0);
        } else if (IS_XMM(l->in[i])) {
            tcg_out_mov(s, TCG_TYPE_I64, arg_regs[i], l->in[i]);
        }
    }
    tcg_out_mov(s, TCG_TYPE_I64, R_DI, R_BP);
    tcg_out_movi(s, TCG_TYPE_I64, R_SI, l->desc);
    tcg_out_call(s, l->fn);
    tcg_out_mov(s, TCG_TYPE_I64, l->out, R_AX);
    slow_path_pop(s, regs, n);
    tcg_out_jxx_abs(s, -1, s->code_buf + l->raddr_off);
}

static bool tcg_out_fp_finalize(TCGContext *s)
{
    for (int i = 0; i < nb_fp_slow; i++) {
        tcg_out_fp_slow_path(s, &fp_slow[i]);
        if (s->code_ptr > s->code_gen_highwater) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Constraints */

static void ct_r(TCGArgConstraint *a, uint32_t regs)
{
    a->regs = regs;
}

static void ct_ri(TCGArgConstraint *a, uint32_t regs, int ct)
{
    a->regs = regs;
    a->ct = ct;
}

/* Guest loads and stores of 32 and 64 bits without swap or sign extension: also to/from xmm. */
static bool ldst_xmm_ok(const TCGOp *op)
{
    MemOp memop = op->args[op_carg0(op)];
    MemOp size = memop & MO_SIZE;

    return !((memop & MO_BSWAP) && size != MO_8) &&
           (size == MO_64 || (size == MO_32 && !(memop & MO_SIGN)));
}

static bool arg_is_const(const TCGOp *op, int k, int64_t val)
{
    TCGTemp *ts = arg_temp(op->args[k]);
    return ts->kind == TEMP_CONST && type_sext(op->type, ts->val) == type_sext(op->type, val);
}

void tcg_target_op_constraint(const TCGOp *op, TCGOpConstraint *c)
{
    TCGArgConstraint *a = c->args;
    int width = op->type == TCG_TYPE_I32 ? 32 : 64;
    uint32_t not_cx = ALL_REGS & ~REGSET(R_CX);
    uint32_t not_axdx = ALL_REGS & ~(REGSET(R_AX) | REGSET(R_DX));

    switch (op->opc) {
    case INDEX_op_ld8u: case INDEX_op_ld8s: case INDEX_op_ld16u: case INDEX_op_ld16s:
    case INDEX_op_ld32u: case INDEX_op_ld32s: case INDEX_op_ld:
        ct_r(&a[0], ALL_REGS);
        ct_r(&a[1], ALL_REGS);
        break;
    case INDEX_op_st8: case INDEX_op_st16: case INDEX_op_st32: case INDEX_op_st:
        ct_ri(&a[0], ALL_REGS, TCG_CT_CONST_S32);
        ct_r(&a[1], ALL_REGS);
        break;
    case INDEX_op_add:
        ct_r(&a[0], ALL_REGS);
        ct_r(&a[1], ALL_REGS);
        ct_ri(&a[2], ALL_REGS, TCG_CT_CONST_S32);
        break;
    case INDEX_op_sub: case INDEX_op_or: case INDEX_op_xor:
    case INDEX_op_eqv: case INDEX_op_nand: case INDEX_op_nor: case INDEX_op_mul:
        ct_r(&a[0], ALL_REGS);
        a[0].alias = 1;
        ct_r(&a[1], ALL_REGS);
        ct_ri(&a[2], ALL_REGS, TCG_CT_CONST_S32);
        break;
    case INDEX_op_and:
        ct_r(&a[0], ALL_REGS);
        a[0].alias = 1;
        ct_r(&a[1], ALL_REGS);
        ct_ri(&a[2], ALL_REGS, TCG_CT_CONST_S32 | TCG_CT_CONST_U32);
        break;
    case INDEX_op_andc:
        if (HAVE(BMI1) && arg_temp(op->args[2])->kind != TEMP_CONST) {
            ct_r(&a[0], ALL_REGS);
            ct_r(&a[1], ALL_REGS);
            ct_r(&a[2], ALL_REGS);
            break;
        }
        /* fall through */
    case INDEX_op_orc:
        ct_r(&a[0], ALL_REGS);
        a[0].alias = 1;
        ct_r(&a[1], ALL_REGS);
        ct_ri(&a[2], ALL_REGS, TCG_CT_CONST_S32);
        c->nb_scratch = 1;
        break;
    case INDEX_op_neg: case INDEX_op_not: case INDEX_op_extrh_i64_i32:
        ct_r(&a[0], ALL_REGS);
        a[0].alias = 1;
        ct_r(&a[1], ALL_REGS);
        break;
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar:
        if (HAVE(BMI2) && arg_temp(op->args[2])->kind != TEMP_CONST) {
            ct_r(&a[0], ALL_REGS);
            ct_r(&a[1], ALL_REGS);
            ct_r(&a[2], ALL_REGS);
            break;
        }
        /* fall through */
    case INDEX_op_rotl: case INDEX_op_rotr:
        ct_r(&a[0], not_cx);
        a[0].alias = 1;
        ct_r(&a[1], not_cx);
        ct_ri(&a[2], REGSET(R_CX), TCG_CT_CONST_ANY);
        break;
    case INDEX_op_muluh: case INDEX_op_mulsh:
        ct_r(&a[0], REGSET(R_DX));
        ct_r(&a[1], REGSET(R_AX));
        ct_r(&a[2], not_axdx);
        c->clobber = REGSET(R_AX) | REGSET(R_DX);
        break;
    case INDEX_op_mulu2: case INDEX_op_muls2:
        ct_r(&a[0], REGSET(R_AX));
        ct_r(&a[1], REGSET(R_DX));
        ct_r(&a[2], REGSET(R_AX));
        ct_r(&a[3], not_axdx);
        c->clobber = REGSET(R_AX) | REGSET(R_DX);
        break;
    case INDEX_op_divs: case INDEX_op_divu: case INDEX_op_rems: case INDEX_op_remu:
        ct_r(&a[0], (op->opc == INDEX_op_divs || op->opc == INDEX_op_divu) ?
                    REGSET(R_AX) : REGSET(R_DX));
        ct_r(&a[1], REGSET(R_AX));
        ct_r(&a[2], not_axdx);
        c->clobber = REGSET(R_AX) | REGSET(R_DX);
        break;
    case INDEX_op_setcond: case INDEX_op_negsetcond:
        ct_r(&a[0], ALL_REGS);
        ct_r(&a[1], ALL_REGS);
        ct_ri(&a[2], ALL_REGS, TCG_CT_CONST_S32);
        break;
    case INDEX_op_movcond:
        ct_r(&a[0], ALL_REGS);
        a[0].alias = 4;
        ct_r(&a[1], ALL_REGS);
        ct_ri(&a[2], ALL_REGS, TCG_CT_CONST_S32);
        ct_r(&a[3], ALL_REGS);
        ct_r(&a[4], ALL_REGS);
        break;
    case INDEX_op_brcond:
        ct_r(&a[0], ALL_REGS);
        ct_ri(&a[1], ALL_REGS, TCG_CT_CONST_S32);
        break;
    case INDEX_op_ext8s: case INDEX_op_ext8u: case INDEX_op_ext16s: case INDEX_op_ext16u:
    case INDEX_op_ext32s: case INDEX_op_ext32u: case INDEX_op_ext_i32_i64:
    case INDEX_op_extu_i32_i64: case INDEX_op_extrl_i64_i32:
    case INDEX_op_bswap64: case INDEX_op_bswap32: case INDEX_op_bswap16:
        ct_r(&a[0], ALL_REGS);
        ct_r(&a[1], ALL_REGS);
        break;
    case INDEX_op_extract: case INDEX_op_sextract:
        ct_r(&a[0], ALL_REGS);
        ct_r(&a[1], ALL_REGS);
        break;
    case INDEX_op_deposit:
        ct_r(&a[0], ALL_REGS);
        a[0].alias = 1;
        ct_r(&a[1], ALL_REGS);
        ct_r(&a[2], ALL_REGS);
        c->nb_scratch = 1;
        break;
    case INDEX_op_clz: case INDEX_op_ctz:
        ct_r(&a[0], ALL_REGS);
        a[0].newreg = true;
        ct_r(&a[1], ALL_REGS);
        if (op->opc == INDEX_op_clz ? HAVE(LZCNT) : HAVE(BMI1)) {
            /* lzcnt/tzcnt give the width for zero: only other values need cmov */
            ct_ri(&a[2], ALL_REGS, arg_is_const(op, 2, width) ? TCG_CT_CONST_ANY : 0);
        } else {
            ct_ri(&a[2], ALL_REGS, TCG_CT_CONST_ANY);
            c->nb_scratch = 1;
        }
        break;
    case INDEX_op_ctpop:
        ct_r(&a[0], ALL_REGS);
        ct_r(&a[1], ALL_REGS);
        if (!HAVE(POPCNT)) {
            a[0].newreg = true;
            c->nb_scratch = 2;
        }
        break;
    case INDEX_op_qemu_ld:
    case INDEX_op_qemu_st:
        ct_r(&a[0], ALL_REGS | (ldst_xmm_ok(op) ? ALL_XMM : 0));
        ct_r(&a[1], ALL_REGS);
        c->nb_scratch = 2;
        break;
    case INDEX_op_goto_ptr:
        ct_r(&a[0], ALL_REGS);
        break;
    case INDEX_op_lookup_goto:
        ct_r(&a[0], REGSET(R_AX));
        /* the miss path saves the pinned globals the call clobbers */
        c->clobber = tcg_target_call_clobber_regs & ~tcg_ctx->pinned_regs;
        break;
    case INDEX_op_br: case INDEX_op_goto_tb: case INDEX_op_exit_tb: case INDEX_op_mb:
        break;
    case INDEX_op_fadd: case INDEX_op_fsub: case INDEX_op_fmul: case INDEX_op_fdiv:
    case INDEX_op_fsqrt: case INDEX_op_fma: case INDEX_op_fcmp: case INDEX_op_ftoi:
    case INDEX_op_itof: case INDEX_op_fcvt:
        for (int k = 0; k <= op_nb_iargs(op); k++) {
            ct_r(&a[k], op_arg_class(op, k) == ARG_FLOAT ? ALL_XMM : ALL_REGS);
        }
        a[0].newreg = true;     /* the fallback reads the inputs after it */
        fp_scratch_needs(op, &c->nb_scratch, &c->nb_fscratch);
        break;
    case INDEX_op_fp_flags_get:
        ct_r(&a[0], ALL_REGS);
        c->nb_scratch = 1;
        break;
    case INDEX_op_fp_flags_keep:
        ct_r(&a[0], ALL_REGS);
        c->nb_scratch = 2;
        break;
    default:
        error_exit("tcg: no x86-64 constraint for op %s", tcg_op_defs[op->opc].name);
    }
}

/* ------------------------------------------------------------------------ */
/* Ops */

static void tcg_out_setcond(TCGContext *s, TCGType type, TCGCond cond, int dst,
                            int a, TCGArg b, bool b_const, bool neg)
{
    tcg_out_cmp(s, type, a, b, b_const);
    tcg_out_modrm(s, OPC_SETCC | tcg_cond_to_jcc[cond], 0, dst);
    tcg_out_ext8u(s, dst, dst);
    if (neg) {
        tcg_out_modrm(s, OPC_GRP3_Ev + rexw(type), EXT3_NEG, dst);
    }
}

static void tcg_out_deposit(TCGContext *s, TCGType type, int dst, int b,
                            unsigned pos, unsigned len, int tmp)
{
    int width = type == TCG_TYPE_I32 ? 32 : 64;
    uint64_t mask = len == 64 ? ~0ull : ((1ull << len) - 1) << pos;
    int64_t keep = (int64_t)~mask;

    if (type == TCG_TYPE_I32) {
        keep = (int32_t)keep;
    }
    if (pos == 0 && len == 8) {
        tcg_out_modrm(s, OPC_MOVB_EvGv | P_REXB_R | P_REXB_RM, b, dst);
        return;
    }
    if (pos == 0 && len == 16) {
        tcg_out_modrm(s, OPC_MOVL_EvGv | P_DATA16, b, dst);
        return;
    }
    if (len == (unsigned)width) {
        tcg_out_mov(s, type, dst, b);
        return;
    }
    /* tmp = the field of b, moved to bit 0 with everything else clear */
    tcg_out_mov(s, type, tmp, b);
    tcg_out_shifti(s, SHIFT_SHL, type, tmp, width - len);
    if (keep == (int32_t)keep || type == TCG_TYPE_I32) {
        tcg_out_shifti(s, SHIFT_SHR, type, tmp, width - len - pos);
        tcg_out_arithi(s, ARITH_AND, type, dst, keep);
        tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_OR << 3) + rexw(type), dst, tmp);
        return;
    }
    /* Wide mask: rotate the field to bit 0, clear it, insert, rotate back. */
    tcg_out_shifti(s, SHIFT_SHR, type, tmp, width - len);
    if (pos) {
        tcg_out_shifti(s, SHIFT_ROR, type, dst, pos);
    }
    tcg_out_shifti(s, SHIFT_SHR, type, dst, len);
    tcg_out_shifti(s, SHIFT_SHL, type, dst, len);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_OR << 3) + rexw(type), dst, tmp);
    if (pos) {
        tcg_out_shifti(s, SHIFT_ROL, type, dst, pos);
    }
}

static void tcg_out_extract(TCGContext *s, TCGType type, int dst, int src,
                            unsigned pos, unsigned len, bool sign)
{
    int width = type == TCG_TYPE_I32 ? 32 : 64;

    if (pos == 0 && len == 8) {
        sign ? tcg_out_ext8s(s, type, dst, src) : tcg_out_ext8u(s, dst, src);
    } else if (pos == 0 && len == 16) {
        sign ? tcg_out_ext16s(s, type, dst, src) : tcg_out_ext16u(s, dst, src);
    } else if (pos == 0 && len == 32 && type == TCG_TYPE_I64) {
        sign ? tcg_out_ext32s(s, dst, src) : tcg_out_ext32u(s, dst, src);
    } else {
        tcg_out_mov(s, type, dst, src);
        if (pos + len < (unsigned)width) {
            tcg_out_shifti(s, SHIFT_SHL, type, dst, width - pos - len);
        }
        if (len < (unsigned)width) {
            tcg_out_shifti(s, sign ? SHIFT_SAR : SHIFT_SHR, type, dst, width - len);
        }
    }
}

static void tcg_out_ctpop_soft(TCGContext *s, TCGType type, int dst, int src,
                               int t0, int t1)
{
    int w = rexw(type);
    bool is64 = type == TCG_TYPE_I64;

    /* Bit-parallel population count (Hacker's Delight, 5-2). */
    tcg_out_mov(s, type, dst, src);
    tcg_out_mov(s, type, t0, dst);
    tcg_out_shifti(s, SHIFT_SHR, type, t0, 1);
    tcg_out_movi(s, type, t1, is64 ? 0x5555555555555555ll : 0x55555555);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_AND << 3) + w, t0, t1);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_SUB << 3) + w, dst, t0);
    tcg_out_mov(s, type, t0, dst);
    tcg_out_shifti(s, SHIFT_SHR, type, t0, 2);
    tcg_out_movi(s, type, t1, is64 ? 0x3333333333333333ll : 0x33333333);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_AND << 3) + w, t0, t1);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_AND << 3) + w, dst, t1);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_ADD << 3) + w, dst, t0);
    tcg_out_mov(s, type, t0, dst);
    tcg_out_shifti(s, SHIFT_SHR, type, t0, 4);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_ADD << 3) + w, dst, t0);
    tcg_out_movi(s, type, t1, is64 ? 0x0f0f0f0f0f0f0f0fll : 0x0f0f0f0f);
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_AND << 3) + w, dst, t1);
    tcg_out_movi(s, type, t1, is64 ? 0x0101010101010101ll : 0x01010101);
    tcg_out_modrm(s, OPC_IMUL_GvEv + w, dst, t1);
    tcg_out_shifti(s, SHIFT_SHR, type, dst, is64 ? 56 : 24);
}

void tcg_out_op(TCGContext *s, const TCGOp *op, const TCGArg *args,
                const bool *const_args, const int *scratch, uint32_t live_regs)
{
    TCGType type = op->type;
    int w = rexw(type);
    int width = type == TCG_TYPE_I32 ? 32 : 64;
    int a0 = args[0], a1 = args[1];
    TCGArg a2 = args[2];
    bool c2 = const_args[2];

    switch (op->opc) {
    case INDEX_op_br:
        tcg_out_jxx_label(s, -1, arg_label(args[0]));
        break;
    case INDEX_op_brcond:
        tcg_out_cmp(s, type, a0, args[1], const_args[1]);
        tcg_out_jxx_label(s, tcg_cond_to_jcc[args[2]], arg_label(args[3]));
        break;
    case INDEX_op_goto_tb:
        /* The jump's rel32 must be 4-byte aligned to be patched atomically. */
        while (((uintptr_t)s->code_ptr + 1) & 3) {
            tcg_out8(s, 0x90);
        }
        tcg_out8(s, OPC_JMP_long);
        s->tb_jmp_insn_offset[args[0]] = tcg_current_code_size(s);
        tcg_out32(s, 0);
        s->tb_jmp_reset_offset[args[0]] = tcg_current_code_size(s);
        break;
    case INDEX_op_exit_tb:
        if (args[0] == 0) {
            tcg_out_jxx_abs(s, -1, s->goto_ptr_return);
        } else {
            tcg_out_movi(s, TCG_TYPE_I64, R_AX, args[0]);
            tcg_out_jxx_abs(s, -1, s->tb_ret_addr);
        }
        break;
    case INDEX_op_goto_ptr:
        tcg_out_modrm(s, OPC_GRP5, EXT5_JMPN_Ev, a0);
        break;
    case INDEX_op_lookup_goto:
        tcg_out_lookup_goto(s, (uint32_t)args[1], (intptr_t)args[2]);
        break;
    case INDEX_op_mb:
        /*
         * x86 is TSO: only store-load ordering needs an instruction. A
         * locked no-op on the stack orders like mfence and is cheaper.
         */
        if (args[0] & TCG_MO_ST_LD) {
            tcg_out8(s, 0xf0);                         /* lock orq $0, (%rsp) */
            tcg_out_modrm_offset(s, OPC_ARITH_EvIb + P_REXW, ARITH_OR, R_SP, 0);
            tcg_out8(s, 0);
        }
        break;

    case INDEX_op_ld8u:
        tcg_out_modrm_offset(s, OPC_MOVZBL, a0, a1, a2);
        break;
    case INDEX_op_ld8s:
        tcg_out_modrm_offset(s, OPC_MOVSBL + w, a0, a1, a2);
        break;
    case INDEX_op_ld16u:
        tcg_out_modrm_offset(s, OPC_MOVZWL, a0, a1, a2);
        break;
    case INDEX_op_ld16s:
        tcg_out_modrm_offset(s, OPC_MOVSWL + w, a0, a1, a2);
        break;
    case INDEX_op_ld32u:
        tcg_out_modrm_offset(s, OPC_MOVL_GvEv, a0, a1, a2);
        break;
    case INDEX_op_ld32s:
        tcg_out_modrm_offset(s, OPC_MOVSLQ, a0, a1, a2);
        break;
    case INDEX_op_ld:
        tcg_out_ld(s, type, a0, a1, a2);
        break;
    case INDEX_op_st8:
        if (const_args[0]) {
            tcg_out_modrm_offset(s, OPC_MOVB_EvIz, 0, a1, a2);
            tcg_out8(s, (uint8_t)args[0]);
        } else {
            tcg_out_modrm_offset(s, OPC_MOVB_EvGv | P_REXB_R, a0, a1, a2);
        }
        break;
    case INDEX_op_st16:
        if (const_args[0]) {
            tcg_out_modrm_offset(s, OPC_MOVL_EvIz | P_DATA16, 0, a1, a2);
            tcg_out8(s, (uint8_t)args[0]);
            tcg_out8(s, (uint8_t)(args[0] >> 8));
        } else {
            tcg_out_modrm_offset(s, OPC_MOVL_EvGv | P_DATA16, a0, a1, a2);
        }
        break;
    case INDEX_op_st32:
    case INDEX_op_st:
        {
            TCGType t = op->opc == INDEX_op_st32 ? TCG_TYPE_I32 : type;
            if (const_args[0]) {
                tcg_out_sti(s, t, (int64_t)args[0], a1, a2);
            } else {
                tcg_out_st(s, t, a0, a1, a2);
            }
        }
        break;

    case INDEX_op_add:
        if (c2) {
            if (a0 == a1) {
                tcg_out_arithi(s, ARITH_ADD, type, a0, (int64_t)a2);
            } else {
                tcg_out_modrm_offset(s, OPC_LEA + w, a0, a1, (int64_t)a2);
            }
        } else if (a0 == a1) {
            tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_ADD << 3) + w, a0, a2);
        } else if (a0 == (int)a2) {
            tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_ADD << 3) + w, a0, a1);
        } else {
            tcg_out_modrm_sib_offset(s, OPC_LEA + w, a0, a1, a2, 0, 0);
        }
        break;
    case INDEX_op_sub:
    case INDEX_op_or:
    case INDEX_op_xor:
    case INDEX_op_and:
        {
            int arith = op->opc == INDEX_op_sub ? ARITH_SUB :
                        op->opc == INDEX_op_or ? ARITH_OR :
                        op->opc == INDEX_op_xor ? ARITH_XOR : ARITH_AND;
            if (!c2) {
                tcg_out_modrm(s, OPC_ARITH_GvEv + (arith << 3) + w, a0, a2);
            } else if (arith == ARITH_AND && type == TCG_TYPE_I64 && a2 == 0xffffffffu) {
                tcg_out_ext32u(s, a0, a0);
            } else if (arith == ARITH_AND && (uint64_t)type_sext(type, a2) == 0xff) {
                tcg_out_ext8u(s, a0, a0);
            } else if (arith == ARITH_AND && (uint64_t)type_sext(type, a2) == 0xffff) {
                tcg_out_ext16u(s, a0, a0);
            } else {
                tcg_out_arithi(s, arith, type, a0, (int64_t)a2);
            }
        }
        break;
    case INDEX_op_andc:
    case INDEX_op_orc:
        if (op->opc == INDEX_op_andc && !c2 && HAVE(BMI1) &&
            arg_temp(op->args[2])->kind != TEMP_CONST) {
            /* andn dst, b, a: dst = ~b & a */
            tcg_out_vex_modrm(s, OPC_ANDN + w, a0, a2, a1);
        } else if (c2) {
            tcg_out_arithi(s, op->opc == INDEX_op_andc ? ARITH_AND : ARITH_OR, type, a0,
                           ~(int64_t)a2);
        } else {
            tcg_out_mov(s, type, scratch[0], a2);
            tcg_out_modrm(s, OPC_GRP3_Ev + w, EXT3_NOT, scratch[0]);
            tcg_out_modrm(s, OPC_ARITH_GvEv + ((op->opc == INDEX_op_andc ? ARITH_AND : ARITH_OR) << 3) + w,
                          a0, scratch[0]);
        }
        break;
    case INDEX_op_eqv:
    case INDEX_op_nand:
    case INDEX_op_nor:
        {
            int arith = op->opc == INDEX_op_eqv ? ARITH_XOR :
                        op->opc == INDEX_op_nand ? ARITH_AND : ARITH_OR;
            if (c2) {
                tcg_out_arithi(s, arith, type, a0, (int64_t)a2);
            } else {
                tcg_out_modrm(s, OPC_ARITH_GvEv + (arith << 3) + w, a0, a2);
            }
            tcg_out_modrm(s, OPC_GRP3_Ev + w, EXT3_NOT, a0);
        }
        break;
    case INDEX_op_neg:
        tcg_out_modrm(s, OPC_GRP3_Ev + w, EXT3_NEG, a0);
        break;
    case INDEX_op_not:
        tcg_out_modrm(s, OPC_GRP3_Ev + w, EXT3_NOT, a0);
        break;
    case INDEX_op_mul:
        if (c2) {
            tcg_out_modrm(s, OPC_IMUL_GvEvIz + w, a0, a0);
            tcg_out32(s, (uint32_t)a2);
        } else {
            tcg_out_modrm(s, OPC_IMUL_GvEv + w, a0, a2);
        }
        break;
    case INDEX_op_shl:
    case INDEX_op_shr:
    case INDEX_op_sar:
    case INDEX_op_rotl:
    case INDEX_op_rotr:
        {
            static const int sub[] = {
                [INDEX_op_shl - INDEX_op_shl] = SHIFT_SHL,
                [INDEX_op_shr - INDEX_op_shl] = SHIFT_SHR,
                [INDEX_op_sar - INDEX_op_shl] = SHIFT_SAR,
                [INDEX_op_rotl - INDEX_op_shl] = SHIFT_ROL,
                [INDEX_op_rotr - INDEX_op_shl] = SHIFT_ROR,
            };
            int sh = sub[op->opc - INDEX_op_shl];
            if (c2) {
                int count = (int)(a2 & (width - 1));
                tcg_out_mov(s, type, a0, a1);
                if (count) {
                    tcg_out_shifti(s, sh, type, a0, count);
                }
            } else if (a2 == R_CX && a0 == a1 && !(HAVE(BMI2) && sh >= SHIFT_SHL)) {
                tcg_out_modrm(s, OPC_SHIFT_cl + w, sh, a0);
            } else {
                int opc = sh == SHIFT_SHL ? OPC_SHLX : sh == SHIFT_SHR ? OPC_SHRX : OPC_SARX;
                tcg_out_vex_modrm(s, opc + w, a0, a2, a1);
            }
        }
        break;
    case INDEX_op_muluh:
    case INDEX_op_mulsh:
        tcg_out_modrm(s, OPC_GRP3_Ev + w, op->opc == INDEX_op_muluh ? EXT3_MUL : EXT3_IMUL, a2);
        break;
    case INDEX_op_mulu2:
    case INDEX_op_muls2:
        tcg_out_modrm(s, OPC_GRP3_Ev + w, op->opc == INDEX_op_mulu2 ? EXT3_MUL : EXT3_IMUL,
                      args[3]);
        break;
    case INDEX_op_divs:
    case INDEX_op_rems:
        tcg_out_opc(s, 0x99 + w, 0, 0, 0);     /* cdq / cqo */
        tcg_out_modrm(s, OPC_GRP3_Ev + w, EXT3_IDIV, a2);
        break;
    case INDEX_op_divu:
    case INDEX_op_remu:
        tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_XOR << 3), R_DX, R_DX);
        tcg_out_modrm(s, OPC_GRP3_Ev + w, EXT3_DIV, a2);
        break;

    case INDEX_op_setcond:
    case INDEX_op_negsetcond:
        tcg_out_setcond(s, type, args[3], a0, a1, a2, c2, op->opc == INDEX_op_negsetcond);
        break;
    case INDEX_op_movcond:
        tcg_out_cmp(s, type, a1, a2, c2);
        tcg_out_modrm(s, OPC_CMOVCC + tcg_cond_to_jcc[args[5]] + w, a0, args[3]);
        break;

    case INDEX_op_ext8s:
        tcg_out_ext8s(s, type, a0, a1);
        break;
    case INDEX_op_ext8u:
        tcg_out_ext8u(s, a0, a1);
        break;
    case INDEX_op_ext16s:
        tcg_out_ext16s(s, type, a0, a1);
        break;
    case INDEX_op_ext16u:
        tcg_out_ext16u(s, a0, a1);
        break;
    case INDEX_op_ext32s:
    case INDEX_op_ext_i32_i64:
        tcg_out_ext32s(s, a0, a1);
        break;
    case INDEX_op_ext32u:
    case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32:
        tcg_out_ext32u(s, a0, a1);
        break;
    case INDEX_op_extrh_i64_i32:
        tcg_out_shifti(s, SHIFT_SHR, TCG_TYPE_I64, a0, 32);
        break;
    case INDEX_op_deposit:
        tcg_out_deposit(s, type, a0, a2, args[3], args[4], scratch[0]);
        break;
    case INDEX_op_extract:
    case INDEX_op_sextract:
        tcg_out_extract(s, type, a0, a1, args[2], args[3], op->opc == INDEX_op_sextract);
        break;
    case INDEX_op_bswap16:
        tcg_out_mov(s, type, a0, a1);
        tcg_out_opc(s, P_DATA16 | OPC_SHIFT_Ib, 0, a0, 0);
        tcg_out8(s, 0xc0 | (SHIFT_ROL << 3) | (a0 & 7));
        tcg_out8(s, 8);
        if (args[2] & TCG_BSWAP_OS) {
            tcg_out_ext16s(s, type, a0, a0);
        } else {
            tcg_out_ext16u(s, a0, a0);
        }
        break;
    case INDEX_op_bswap32:
        tcg_out_mov(s, TCG_TYPE_I32, a0, a1);
        tcg_out_opc(s, OPC_BSWAP + (a0 & 7), 0, a0, 0);
        if (type == TCG_TYPE_I64 && (args[2] & TCG_BSWAP_OS)) {
            tcg_out_ext32s(s, a0, a0);
        }
        break;
    case INDEX_op_bswap64:
        tcg_out_mov(s, type, a0, a1);
        tcg_out_opc(s, OPC_BSWAP + P_REXW + (a0 & 7), 0, a0, 0);
        break;
    case INDEX_op_clz:
    case INDEX_op_ctz:
        {
            bool clz = op->opc == INDEX_op_clz;
            if (clz ? HAVE(LZCNT) : HAVE(BMI1)) {
                tcg_out_modrm(s, (clz ? OPC_LZCNT : OPC_TZCNT) + w, a0, a1);
                if (!(c2 && (int64_t)a2 == width)) {
                    tcg_out_modrm(s, OPC_CMOVCC + JCC_JB + w, a0, a2);   /* CF: input zero */
                }
            } else {
                /*
                 * bsr gives width-1-clz: pre-xor b so that one final xor fixes
                 * both cases. bsf/bsr set ZF for a zero input.
                 */
                int t = scratch[0];
                int64_t fix = clz ? width - 1 : 0;
                if (c2) {
                    tcg_out_movi(s, type, t, (int64_t)a2 ^ fix);
                } else {
                    tcg_out_mov(s, type, t, a2);
                    if (fix) {
                        tcg_out_arithi(s, ARITH_XOR, type, t, fix);
                    }
                }
                tcg_out_modrm(s, (clz ? OPC_BSR : OPC_BSF) + w, a0, a1);
                tcg_out_modrm(s, OPC_CMOVCC + JCC_JE + w, a0, t);
                if (fix) {
                    tcg_out_arithi(s, ARITH_XOR, type, a0, fix);
                }
            }
        }
        break;
    case INDEX_op_ctpop:
        if (HAVE(POPCNT)) {
            tcg_out_modrm(s, OPC_POPCNT + w, a0, a1);
        } else {
            tcg_out_ctpop_soft(s, type, a0, a1, scratch[0], scratch[1]);
        }
        break;

    case INDEX_op_qemu_ld:
        tcg_out_qemu_ld(s, type, args, scratch, live_regs);
        break;
    case INDEX_op_qemu_st:
        tcg_out_qemu_st(s, type, args, scratch, live_regs);
        break;
    case INDEX_op_fadd: case INDEX_op_fsub: case INDEX_op_fmul: case INDEX_op_fdiv:
    case INDEX_op_fsqrt: case INDEX_op_fma: case INDEX_op_fcmp: case INDEX_op_ftoi:
    case INDEX_op_itof: case INDEX_op_fcvt:
        tcg_out_fp(s, op, args, scratch, live_regs);
        break;
    case INDEX_op_fp_flags_get:
        tcg_out_fp_flags_get(s, a0, scratch[0]);
        break;
    case INDEX_op_fp_flags_keep:
        tcg_out_fp_flags_keep(s, a0, scratch[0], scratch[1]);
        break;
    default:
        error_exit("tcg: x86-64 backend cannot emit op %s", tcg_op_defs[op->opc].name);
    }
}

/* ------------------------------------------------------------------------ */

static const int callee_saved[] = { R_BP, R_BX, R_R12, R_R13, R_R14, R_R15 };

void tcg_target_init(TCGContext *s)
{
    s->reserved_regs = REGSET(R_SP) | REGSET(R_BP);
}

size_t tcg_target_prologue(TCGContext *s)
{
    uint8_t *start = s->code_ptr;

    if (guest_base_in_reg(s) || addr_mask_in_reg(s)) {
        s->reserved_regs |= REGSET(R_R14);
    }
    for (size_t i = 0; i < ARRAY_SIZE(callee_saved); i++) {
        int r = callee_saved[i];
        tcg_out_opc(s, OPC_PUSH_r32 + (r & 7), 0, r, 0);
    }
    tcg_out_mov(s, TCG_TYPE_I64, R_BP, R_DI);
    if (guest_base_in_reg(s)) {
        tcg_out_movi(s, TCG_TYPE_I64, R_R14, s->guest_base);
    } else if (addr_mask_in_reg(s)) {
        tcg_out_movi(s, TCG_TYPE_I64, R_R14, s->guest_addr_mask);
    }
    tcg_out_pinned_load(s, s->pinned_regs);
    tcg_out_modrm(s, OPC_ARITH_EvIz + P_REXW, ARITH_SUB, R_SP);
    tcg_out32(s, FRAME_SIZE);
    tcg_out_modrm(s, OPC_GRP5, EXT5_JMPN_Ev, R_SI);

    /* goto_ptr with a null target and exit_tb(0) come here: return 0 */
    s->goto_ptr_return = s->code_ptr;
    tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_XOR << 3), R_AX, R_AX);
    s->tb_ret_addr = s->code_ptr;
    tcg_out_pinned_store(s, s->pinned_regs);
    tcg_out_modrm(s, OPC_ARITH_EvIz + P_REXW, ARITH_ADD, R_SP);
    tcg_out32(s, FRAME_SIZE);
    for (int i = ARRAY_SIZE(callee_saved) - 1; i >= 0; i--) {
        int r = callee_saved[i];
        tcg_out_opc(s, OPC_POP_r32 + (r & 7), 0, r, 0);
    }
    tcg_out8(s, OPC_RET);
    return s->code_ptr - start;
}

/* Host register reg of an interrupted context (a signal handler's ucontext_t). */
static uint64_t ucontext_reg(const void *uc_, int reg)
{
    static const int greg[16] = {
        [R_AX] = REG_RAX, [R_CX] = REG_RCX, [R_DX] = REG_RDX, [R_BX] = REG_RBX,
        [R_SP] = REG_RSP, [R_BP] = REG_RBP, [R_SI] = REG_RSI, [R_DI] = REG_RDI,
        [R_R8] = REG_R8, [R_R9] = REG_R9, [R_R10] = REG_R10, [R_R11] = REG_R11,
        [R_R12] = REG_R12, [R_R13] = REG_R13, [R_R14] = REG_R14, [R_R15] = REG_R15,
    };
    const ucontext_t *uc = uc_;

    if (IS_XMM(reg)) {
        uint64_t v;
        memcpy(&v, &uc->uc_mcontext.fpregs->_xmm[reg - X0], sizeof(v));
        return v;
    }
    return uc->uc_mcontext.gregs[greg[reg]];
}

void tcg_pinned_from_ucontext(void *env, const void *uc)
{
    for (int i = 0; i < tcg_ctx->nb_pinned; i++) {
        TCGTemp *ts = tcg_ctx->pinned[i];
        uint64_t v = ucontext_reg(uc, ts->reg);
        memcpy((uint8_t *)env + ts->mem_offset, &v, sizeof(v));
    }
}

void tcg_fault_map_from_ucontext(void *env, const void *uc, const uint32_t *entries, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t v = ucontext_reg(uc, TCG_FAULT_ENTRY_REG(entries[i]));
        memcpy((uint8_t *)env + TCG_FAULT_ENTRY_OFS(entries[i]), &v,
               TCG_FAULT_ENTRY_TYPE(entries[i]) ? 8 : 4);
    }
}

void tcg_target_func_start(void)
{
    nb_relocs = 0;
    nb_fp_slow = 0;
}
