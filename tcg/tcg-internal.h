/*
 * Interfaces between the parts of the translator core: op list, optimizer,
 * liveness, register allocator and host backend. Not for front ends.
 */
#ifndef TCG_INTERNAL_H
#define TCG_INTERNAL_H

#include "tcg/tcg.h"

/*
 * TCGOp.life: bit i = argument i dies here; bit 16+i = output i must be
 * stored; bit 24+i = output i's next reader takes it as a float operand.
 */
#define DEAD_ARG(i)  (1u << (i))
#define SYNC_ARG(i)  (1u << (16 + (i)))
#define FLOAT_ARG(i) (1u << (24 + (i)))

static inline int op_nb_oargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->call_oargs : tcg_op_defs[op->opc].nb_oargs;
}

static inline int op_nb_iargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->call_iargs : tcg_op_defs[op->opc].nb_iargs;
}

static inline int op_nb_cargs(const TCGOp *op)
{
    return tcg_op_defs[op->opc].nb_cargs;
}

/* f* ops: carg 0 = TCG_FP_* flags | fcmp's TCGFpCond << TCG_FP_COND_SHIFT,
 * carg 1 = fallback function, carg 2 = its desc. */
#define TCG_FP_COND_SHIFT 4

/*
 * How an op uses its argument k (output or input): as a float operand of
 * an f* op, as an integer, or as a value a guest store writes either way.
 */
typedef enum TCGArgClass { ARG_INT, ARG_FLOAT, ARG_ANY } TCGArgClass;

static inline TCGArgClass op_arg_class(const TCGOp *op, int k)
{
    switch (op->opc) {
    case INDEX_op_fadd: case INDEX_op_fsub: case INDEX_op_fmul: case INDEX_op_fdiv:
    case INDEX_op_fsqrt: case INDEX_op_fma: case INDEX_op_fcvt:
        return ARG_FLOAT;
    case INDEX_op_fcmp: case INDEX_op_ftoi:
        return k == 0 ? ARG_INT : ARG_FLOAT;
    case INDEX_op_itof:
        return k == 0 ? ARG_FLOAT : ARG_INT;
    case INDEX_op_qemu_st:
        return k == 0 ? ARG_ANY : ARG_INT;
    default:
        return ARG_INT;
    }
}

/* Index of the first constant argument. */
static inline int op_carg0(const TCGOp *op)
{
    return op_nb_oargs(op) + op_nb_iargs(op);
}

static inline TCGLabel *arg_label(TCGArg a)
{
    return (TCGLabel *)a;
}

static inline int64_t type_sext(TCGType type, int64_t v)
{
    return type == TCG_TYPE_I32 ? (int64_t)(int32_t)v : v;
}

/* Defined by the runtime (accel/tcg/cpu-exec.c): env -> host code or epilogue. */
const void *helper_lookup_tb_ptr(void *env);

TCGOp *tcg_emit_op(TCGOpcode opc, TCGType type, int nargs, ...);
TCGOp *tcg_emit_opv(TCGOpcode opc, TCGType type, const TCGArg *args, int nargs);
bool tcg_op_has_side_effects(const TCGOp *op);
bool tcg_cond_eval(TCGCond c, TCGType type, uint64_t a, uint64_t b);

/* Passes, run in this order by tcg_gen_code. */
void tcg_optimize(TCGContext *s);
void tcg_liveness(TCGContext *s);
/* Returns false if the frame or the code buffer overflowed. */
bool tcg_reg_alloc_code(TCGContext *s);

/* ------------------------------------------------------------------------ */
/* Host backend interface (tcg/x86_64/tcg-target.c) */

/*
 * Host registers 0..15 are general registers; 16..31 float registers (xmm),
 * which hold i64 values the f* ops read or write: an op's constraints say
 * which class each operand needs, and the allocator moves a value between
 * the classes when it has to.
 */
#define TCG_TARGET_NB_REGS 32

/* Constants an argument may take instead of a register. */
enum {
    TCG_CT_CONST_ANY = 1,     /* any value */
    TCG_CT_CONST_S32 = 2,     /* value fits a sign-extended 32-bit immediate */
    TCG_CT_CONST_U32 = 4,     /* value fits a zero-extended 32-bit immediate */
};

typedef struct TCGArgConstraint {
    uint32_t regs;            /* allowed host registers */
    uint8_t ct;               /* TCG_CT_CONST_* accepted */
    int8_t alias;             /* output: index of the input it shares (-1 none) */
    bool newreg;              /* output: must not share a register with inputs */
} TCGArgConstraint;

typedef struct TCGOpConstraint {
    TCGArgConstraint args[TCG_MAX_OP_ARGS];   /* outputs, then inputs */
    uint32_t clobber;         /* host registers the sequence overwrites */
    int nb_scratch;           /* general scratch registers needed (in scratch[]) */
    int nb_fscratch;          /* float scratch registers, after them in scratch[] */
} TCGOpConstraint;

/* Host registers available to the allocator, in order of preference. */
extern const int tcg_target_reg_alloc_order[];
extern const int tcg_target_reg_alloc_order_len;
extern const int tcg_target_call_iarg_regs[6];
extern const uint32_t tcg_target_call_clobber_regs;
extern const uint32_t tcg_target_int_regs;      /* the general registers */
extern const uint32_t tcg_target_float_regs;    /* the float registers */
extern const int tcg_target_call_oarg_reg;
extern const int tcg_target_env_reg;        /* TCG_AREG0 */
extern const int tcg_target_stack_reg;
/* Host registers a pinned global may live in, in the order they are given. */
extern const int tcg_target_pin_regs[];
extern const int tcg_target_pin_regs_len;
extern const intptr_t tcg_target_call_stack_offset;   /* outgoing stack args at sp+0 */
extern const intptr_t tcg_target_frame_start;         /* first spill slot */
extern const intptr_t tcg_target_frame_end;

void tcg_target_init(TCGContext *s);
void tcg_target_op_constraint(const TCGOp *op, TCGOpConstraint *c);
/*
 * Emit one op. args[] holds, for each output/input, the host register or,
 * when const_args[i], the constant value; then the op's constant arguments.
 * scratch[] holds nb_scratch registers; live_regs the registers holding
 * live values across the op (for slow paths that must preserve them).
 */
void tcg_out_op(TCGContext *s, const TCGOp *op, const TCGArg *args,
                const bool *const_args, const int *scratch, uint32_t live_regs);
void tcg_out_mov(TCGContext *s, TCGType type, int dst, int src);
void tcg_out_movi(TCGContext *s, TCGType type, int reg, int64_t val);
void tcg_out_ld(TCGContext *s, TCGType type, int reg, int base, intptr_t offset);
void tcg_out_st(TCGContext *s, TCGType type, int reg, int base, intptr_t offset);
/* Store a constant; false if the backend can't (caller goes via a register). */
bool tcg_out_sti(TCGContext *s, TCGType type, int64_t val, int base, intptr_t offset);
void tcg_out_call(TCGContext *s, const void *func);
void tcg_out_label(TCGContext *s, TCGLabel *l);
/* Out-of-line code (softmmu slow paths, f* op fallbacks) emitted after the TB body. */
bool tcg_out_ldst_finalize(TCGContext *s);
size_t tcg_target_prologue(TCGContext *s);
/*
 * Write the pinned globals held in host registers `regs` to env, or load
 * them back from env (for code paths that leave generated code or call C).
 */
void tcg_out_pinned_store(TCGContext *s, uint32_t regs);
void tcg_out_pinned_load(TCGContext *s, uint32_t regs);
/* Reset per-TB backend state (the branch relocation pool). */
void tcg_target_func_start(void);

static inline bool tcg_const_match(int64_t val, TCGType type, int ct)
{
    if (ct & TCG_CT_CONST_ANY) {
        return true;
    }
    if (type == TCG_TYPE_I32) {
        return (ct & (TCG_CT_CONST_S32 | TCG_CT_CONST_U32)) != 0;
    }
    if ((ct & TCG_CT_CONST_S32) && val == (int32_t)val) {
        return true;
    }
    if ((ct & TCG_CT_CONST_U32) && val == (uint32_t)val) {
        return true;
    }
    return false;
}

/* Code emission into the writable alias of the buffer. */
static inline void tcg_out8(TCGContext *s, uint8_t v)
{
    *(s->code_ptr + s->code_rw_offset) = v;
    s->code_ptr++;
}

static inline void tcg_out32(TCGContext *s, uint32_t v)
{
    memcpy(s->code_ptr + s->code_rw_offset, &v, 4);
    s->code_ptr += 4;
}

static inline void tcg_out64(TCGContext *s, uint64_t v)
{
    memcpy(s->code_ptr + s->code_rw_offset, &v, 8);
    s->code_ptr += 8;
}

static inline void tcg_patch32(TCGContext *s, uint8_t *at, uint32_t v)
{
    memcpy(at + s->code_rw_offset, &v, 4);
}

static inline intptr_t tcg_current_code_size(TCGContext *s)
{
    return s->code_ptr - s->code_buf;
}

#endif
