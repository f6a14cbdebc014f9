/*
 * Table-driven decoder for RV64GC + Zb*: the encodings are described once,
 * in insn32.def and insn16.def; decode.c compiles the bit-pattern strings
 * into mask/match pairs grouped in per-opcode buckets at first use.
 */
#ifndef TARGET_RISCV_DECODE_H
#define TARGET_RISCV_DECODE_H

#include "tern/osdep.h"

/* Extensions an encoding needs (also misa-like enable bits of a CPU). */
enum {
    RV_EXT_I = 1u << 0, RV_EXT_M = 1u << 1, RV_EXT_A = 1u << 2,
    RV_EXT_F = 1u << 3, RV_EXT_D = 1u << 4, RV_EXT_C = 1u << 5,
    RV_EXT_ZICSR = 1u << 6, RV_EXT_ZIFENCEI = 1u << 7,
    RV_EXT_ZIHINTPAUSE = 1u << 8, RV_EXT_ZBA = 1u << 9, RV_EXT_ZBB = 1u << 10,
    RV_EXT_ZBC = 1u << 11, RV_EXT_ZBS = 1u << 12, RV_EXT_SSTC = 1u << 13,
    RV_EXT_ZICNTR = 1u << 14,
};

/* Operations: one per INSN32 line; compressed encodings map onto these. */
typedef enum RVOp {
    RV_OP_illegal,
#define INSN32(op, pat, fmt, ext, args) RV_OP_##op,
#include "insn32.def"
#undef INSN32
    RV_OP_COUNT,
} RVOp;

/* How fields are extracted from an encoding. */
typedef enum RVFmt {
    FMT_R, FMT_R4, FMT_I, FMT_S, FMT_B, FMT_U, FMT_J, FMT_SH, FMT_CSR,
    FMT_CIW, FMT_CL_W, FMT_CL_D, FMT_CS_W, FMT_CS_D, FMT_CI, FMT_CI_W, FMT_CI_LI,
    FMT_CI_SP, FMT_CI_LUI, FMT_CB_SH, FMT_CB_I, FMT_CA, FMT_CJ, FMT_CB_B,
    FMT_CI_SH, FMT_CI_LDSP, FMT_CI_LWSP, FMT_CR_JR, FMT_CR_MV, FMT_CR_NONE,
    FMT_CR_JALR, FMT_CR_ADD, FMT_CSS_W, FMT_CSS_D,
} RVFmt;

/* One line of the description, compiled. */
typedef struct RVInsnDesc {
    const char *name;         /* mnemonic as printed ("add", "c.addi", "fadd.s") */
    const char *pattern;
    const char *args;         /* disassembly operand template */
    RVOp op;
    RVFmt fmt;
    uint32_t ext;
    uint32_t mask, match;     /* (insn & mask) == match */
    uint8_t len;              /* 2 or 4 bytes */
} RVInsnDesc;

/* A decoded instruction: the fields its format defines (others are 0). */
typedef struct RVInsn {
    const RVInsnDesc *desc;   /* NULL: illegal */
    RVOp op;
    uint32_t raw;
    uint8_t len;
    uint8_t rd, rs1, rs2, rs3, rm;
    int64_t imm;              /* immediate, shift amount or CSR number */
} RVInsn;

/* Length in bytes of the instruction whose low 16 bits are lo16. */
static inline int rv_insn_length(uint32_t lo16)
{
    return (lo16 & 3) == 3 ? 4 : 2;
}

/*
 * Decode raw (its length follows from the low bits) for a CPU with the
 * extensions in ext_mask. Returns false for an illegal or reserved encoding
 * (out->op = RV_OP_illegal, out->len still set).
 */
bool rv_decode(uint32_t raw, uint32_t ext_mask, RVInsn *out);

/* The compiled table (for tests and the disassembler). */
const RVInsnDesc *rv_insn_table(size_t *count);
const char *rv_op_name(RVOp op);

/* Name of a CSR ("mstatus") for disassembly and dumps, or NULL. */
const char *riscv_csr_name(int csrno);

/* Disassemble one instruction into buf ("addi a0,a0,1"); pc for targets. */
void rv_disas(char *buf, size_t size, uint64_t pc, uint32_t raw);

#endif
