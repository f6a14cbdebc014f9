/*
 * Tern's translator core (TCG): the intermediate representation a guest
 * front end builds for one translation block, and the context that turns it
 * into host machine code.
 *
 * Front ends use only the functions in this header and in tcg/tcg-op.h; the
 * structures below are shared with the optimizer, register allocator and
 * host backend (tcg/) and the runtime (accel/tcg/).
 *
 * Threading: there is one TCGContext (tcg_ctx). Translation is serialized by
 * the runtime (tb_lock in accel/tcg); generated code runs concurrently.
 */
#ifndef TCG_TCG_H
#define TCG_TCG_H

#include "tern/osdep.h"
#include "tcg/memop.h"

typedef enum TCGType {
    TCG_TYPE_I32,
    TCG_TYPE_I64,
    TCG_TYPE_COUNT,
    TCG_TYPE_PTR = TCG_TYPE_I64,     /* host pointers (x86-64 host only) */
} TCGType;

/*
 * Typed handles for temporaries. They point at TCGTemp; the distinct
 * incomplete types let the compiler catch i32/i64 mix-ups.
 */
typedef struct TCGv_i32_d *TCGv_i32;
typedef struct TCGv_i64_d *TCGv_i64;
typedef struct TCGv_ptr_d *TCGv_ptr;
typedef struct TCGTemp TCGTemp;
typedef struct TCGLabel TCGLabel;
typedef uintptr_t TCGArg;

typedef enum TCGCond {
    TCG_COND_NEVER,
    TCG_COND_ALWAYS,
    TCG_COND_EQ,
    TCG_COND_NE,
    TCG_COND_LT,        /* signed */
    TCG_COND_GE,
    TCG_COND_LE,
    TCG_COND_GT,
    TCG_COND_LTU,       /* unsigned */
    TCG_COND_GEU,
    TCG_COND_LEU,
    TCG_COND_GTU,
} TCGCond;

/* (a cond b) == !(a invert(cond) b) */
TCGCond tcg_invert_cond(TCGCond c);
/* (a cond b) == (b swap(cond) a) */
TCGCond tcg_swap_cond(TCGCond c);

/* Memory barrier kinds for tcg_gen_mb (ordering that must be kept). */
typedef enum TCGBar {
    TCG_MO_LD_LD = 1,
    TCG_MO_ST_LD = 2,
    TCG_MO_LD_ST = 4,
    TCG_MO_ST_ST = 8,
    TCG_MO_ALL   = 15,
    TCG_BAR_SC   = 0x30,     /* sequentially consistent */
} TCGBar;

/* Flags of bswap16/bswap32: input is zero-extended (IZ); output zero/sign extended. */
enum {
    TCG_BSWAP_IZ = 1,
    TCG_BSWAP_OZ = 2,
    TCG_BSWAP_OS = 4,
};

/*
 * Helper call flags: what a C helper may do to guest globals.
 * Default (0): the helper may read and write any global (the CPU state), so
 * globals are written back before the call and reloaded after it.
 */
enum {
    TCG_CALL_NO_READ_GLOBALS  = 1,  /* does not read globals: no write-back needed */
    TCG_CALL_NO_WRITE_GLOBALS = 2,  /* does not write globals: values stay in registers */
    TCG_CALL_NO_SIDE_EFFECTS  = 4,  /* pure: removable if the result is unused */
    TCG_CALL_NO_RWG = TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS,
    TCG_CALL_NO_WG  = TCG_CALL_NO_WRITE_GLOBALS,
    TCG_CALL_NO_RWG_SE = TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS,
    TCG_CALL_NO_WG_SE  = TCG_CALL_NO_WG | TCG_CALL_NO_SIDE_EFFECTS,
};
/*
 * A helper that may raise a guest exception (cpu_loop_exit_restore) must
 * not use TCG_CALL_NO_READ_GLOBALS: the exception path reads the CPU state.
 */

#define TCG_INSN_START_WORDS 3     /* words of data per guest instruction */
#define TCG_EXIT_REQUESTED_SLOT 3  /* exit_tb(tb, 3): used by the runtime only */
#define TCG_MAX_GOTO_TB      3     /* goto_tb/exit_tb slots 0..2 per TB */
#define TCG_MAX_CALL_ARGS    10
#define TCG_MAX_OP_ARGS      (1 + TCG_MAX_CALL_ARGS + 2)

/* ------------------------------------------------------------------------ */
/* Opcodes */

#define TCG_OPF_BB_END        0x01  /* ends a basic block */
#define TCG_OPF_BB_EXIT       0x02  /* leaves the translation block */
#define TCG_OPF_SIDE_EFFECTS  0x08  /* never removed as dead code */
#define TCG_OPF_NOT_PRESENT   0x10  /* pseudo op: no host code of its own */
#define TCG_OPF_COND_BRANCH   0x20  /* conditional branch: falls through too */
#define TCG_OPF_GUEST_MEM     0x40  /* guest memory access: may raise an exception */

typedef enum TCGOpcode {
#define DEF(name, oargs, iargs, cargs, flags) INDEX_op_##name,
#include "tcg/tcg-opc.h"
#undef DEF
    NB_OPS,
} TCGOpcode;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs, flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_OPS];

/* ------------------------------------------------------------------------ */
/* Temporaries */

typedef enum TCGTempKind {
    TEMP_EBB,      /* block-local: value lost at the next label */
    TEMP_TB,       /* translation-local: lives across labels in this TB */
    TEMP_GLOBAL,   /* backed by a field of the CPU state (guest register) */
    TEMP_FIXED,    /* lives in a fixed host register (env) */
    TEMP_CONST,    /* read-only constant */
} TCGTempKind;

typedef enum TCGTempVal {
    TEMP_VAL_DEAD,
    TEMP_VAL_REG,
    TEMP_VAL_MEM,
    TEMP_VAL_CONST,
} TCGTempVal;

struct TCGTemp {
    TCGType type;
    TCGTempKind kind;
    bool temp_allocated;        /* slot in use (EBB/TB temps) */
    bool mem_allocated;         /* has a home in memory (global or stack slot) */
    int64_t val;                /* TEMP_CONST: the value */
    intptr_t mem_offset;        /* env offset (globals) or frame offset */
    const char *name;           /* globals */

    /*
     * A pinned global (tcg_global_pin) lives in host register `reg` for the
     * whole of generated code, across translation blocks; its env field is
     * written only where C code may read it (calls, slow paths, the exit
     * to the runtime) and reloaded where C code may have changed it.
     */
    bool pinned;

    /* register allocator state */
    TCGTempVal val_type;
    int reg;
    bool mem_coherent;          /* memory copy equals the register copy */

    /* pass-local scratch */
    uint32_t state;
    uintptr_t state_ptr;
};

typedef struct TCGRelocation {
    struct TCGRelocation *next;
    int code_offset;             /* offset of the rel32 field */
} TCGRelocation;

struct TCGLabel {
    int id;
    bool has_value;
    int value;                   /* code offset once bound */
    TCGRelocation *relocs;
};

typedef struct TCGOp {
    uint16_t opc;                /* TCGOpcode */
    uint8_t type;                /* TCGType of the operation */
    uint8_t call_oargs, call_iargs;  /* INDEX_op_call only */
    uint32_t life;               /* liveness: see tcg/tcg-internal.h */
    TCGArg args[TCG_MAX_OP_ARGS];
} TCGOp;

/* ------------------------------------------------------------------------ */
/* The translation context */

#define TCG_MAX_TEMPS   4096
#define TCG_MAX_LABELS  2048
#define TCG_MAX_INSNS   512          /* guest instructions per TB */

typedef struct TCGLdstLabel TCGLdstLabel;

/*
 * Guest memory accesses may fault, and the runtime then reads the guest
 * registers in env; globals the block changed may still be only in host
 * registers there. For each access, the fault map says which: host code
 * [start, end) of the access, and entries [first, first + n) of the
 * entry array, each TCG_FAULT_ENTRY(env offset, host register, type).
 * The slow path stores them before calling C; a host signal handler copies
 * them from the interrupted context (tcg_fault_map_from_ucontext).
 */
typedef struct TCGFaultMap {
    uint32_t start, end;
    uint32_t first, n;
} TCGFaultMap;
#define TCG_FAULT_ENTRY(ofs, reg, type) ((uint32_t)(ofs) << 6 | (uint32_t)(type) << 5 | (reg))
#define TCG_FAULT_ENTRY_OFS(e)  ((e) >> 6)
#define TCG_FAULT_ENTRY_TYPE(e) (((e) >> 5) & 1)
#define TCG_FAULT_ENTRY_REG(e)  ((e) & 31)

typedef struct TCGContext {
    int nb_globals;
    int nb_temps;
    TCGTemp temps[TCG_MAX_TEMPS];

    TCGOp *ops;
    int nb_ops, ops_cap;

    TCGLabel labels[TCG_MAX_LABELS];
    int nb_labels;

    GHashTable *const_table[TCG_TYPE_COUNT];   /* value -> TCGTemp */

    /* code generation */
    uint8_t *code_buf;           /* start of the code for this TB */
    uint8_t *code_ptr;           /* next byte to write */
    uint8_t *code_gen_highwater; /* stop generating past this point */
    ptrdiff_t code_rw_offset;    /* writable alias minus executable address */
    int frame_next;              /* next free spill slot offset */
    TCGLdstLabel *ldst_labels;
    int nb_ldst, ldst_cap;
    TCGFaultMap *fault_maps;     /* see TCGFaultMap */
    int nb_fault_maps, fault_maps_cap;
    uint32_t *fault_entries;
    int nb_fault_entries, fault_entries_cap;
    int cur_fault_map;           /* of the access being emitted, or -1 */

    /* per guest instruction: insn_start data and end of its host code */
    int nb_insns;
    uint64_t insn_data[TCG_MAX_INSNS][TCG_INSN_START_WORDS];
    uint32_t insn_end_off[TCG_MAX_INSNS];

    /*
     * Set by the runtime: the index of the first op after the block's entry
     * check; the allocator stores the host code offset it starts at.
     */
    int body_start_op;
    uint32_t body_start_off;

    /* goto_tb: offsets of the patchable jump and of the unchained path */
    uint32_t tb_jmp_insn_offset[TCG_MAX_GOTO_TB];
    uint32_t tb_jmp_reset_offset[TCG_MAX_GOTO_TB];

    /* guest memory configuration (see tcg_set_guest_memory) */
    bool user_mode;
    uintptr_t guest_base;
    uint64_t guest_addr_mask;    /* user mode: address bits that must be 0 (0: none) */
    uint32_t guest_guard;        /* user mode: PROT_NONE bytes on each side of the range */
    intptr_t tlb_env_offset;     /* env-relative offset of CPUTLBFast (softmmu) */
    int tlb_nb_mmu;

    /* set by the runtime for the TB being translated */
    uint32_t tb_flags;           /* its get_tb_cpu_state flags */
    bool tb_inline_lookup;       /* indirect jumps may probe the jump cache inline */
    intptr_t jc_env_offset;      /* env-relative offset of the TBJmpCache pointer */
    /*
     * Slots of inline-probing indirect jumps: site k remembers the TB it
     * went to last. User mode: jmp_slots[k], shared by all threads, within
     * rel32 reach of the code. System mode (jmp_slots NULL): the vCPU's own
     * TBJmpCache.slots[k]. Sites take k from jmp_slot_next up to
     * jmp_slot_count (0: no slots); the runtime resets jmp_slot_next when
     * it drops all code.
     */
    struct TranslationBlock **jmp_slots;
    uint32_t jmp_slot_next, jmp_slot_count;

    /* runtime glue */
    void *tb_ret_addr;           /* epilogue: return to cpu_exec */
    void *goto_ptr_return;       /* epilogue entry returning 0 */
    uint32_t reserved_regs;
    uint32_t pinned_regs;        /* host registers holding pinned globals */
    int nb_pinned;
    TCGTemp *pinned[16];         /* the pinned globals, in pinning order */
} TCGContext;

extern TCGContext *tcg_ctx;
extern TCGv_ptr tcg_env;          /* the CPU state pointer (fixed host register) */

/* Convert typed handles to TCGTemp and back. */
static inline TCGTemp *tcgv_i32_temp(TCGv_i32 v) { return (TCGTemp *)v; }
static inline TCGTemp *tcgv_i64_temp(TCGv_i64 v) { return (TCGTemp *)v; }
static inline TCGTemp *tcgv_ptr_temp(TCGv_ptr v) { return (TCGTemp *)v; }
static inline TCGv_i32 temp_tcgv_i32(TCGTemp *t) { return (TCGv_i32)t; }
static inline TCGv_i64 temp_tcgv_i64(TCGTemp *t) { return (TCGv_i64)t; }
static inline TCGv_ptr temp_tcgv_ptr(TCGTemp *t) { return (TCGv_ptr)t; }
#define tcgv_temp(x) _Generic((x),          \
        TCGv_i32: tcgv_i32_temp,            \
        TCGv_i64: tcgv_i64_temp,            \
        TCGv_ptr: tcgv_ptr_temp)(x)

static inline TCGArg temp_arg(TCGTemp *t) { return (TCGArg)t; }
static inline TCGTemp *arg_temp(TCGArg a) { return (TCGTemp *)a; }
static inline int temp_idx(TCGTemp *t) { return (int)(t - tcg_ctx->temps); }

/* ------------------------------------------------------------------------ */
/* Set-up (runtime) */

/* Create the context and detect host features. Idempotent. */
void tcg_context_init(void);
/*
 * Guest memory flavour, fixed for the life of the process:
 *  - softmmu (system emulation): user_mode = false; tlb_env_offset is the
 *    env-relative offset of the CPU's CPUTLBFast (include/exec/cpu-tlb.h),
 *    nb_mmu the number of MMU indexes the target uses (<= CPU_TLB_NB_MMU).
 *  - user mode (linux-user): user_mode = true; guest address A is host
 *    address guest_base + A, no TLB.
 */
/*
 * User mode: guest addresses with any bit of mask set are outside the guest's
 * reserved host range. Generated code sends them to the slow path, which
 * raises a guest fault instead of touching host memory (see
 * tcg_user_bad_addr_hook in exec/cpu-exec.h). Set before the prologue is
 * generated (tcg_exec_init), which may keep the mask in a register.
 *
 * guard: bytes of PROT_NONE host memory the runtime reserves on each side
 * of the range (below guest_base, or nothing when guest_base is 0: the
 * addresses below it wrap to the top of the host's address space, which
 * user code can never access), so that a host fault there is a guest fault.
 * The optimizer then folds a constant displacement into the access and
 * checks an address once per extended basic block: addr + d, for an addr
 * that passed the check and |d| + 16 <= guard, is in the range or a guard.
 */
void tcg_set_guest_addr_mask(uint64_t mask, uint32_t guard);
void tcg_set_guest_memory(bool user_mode, uintptr_t guest_base,
                          intptr_t tlb_env_offset, int nb_mmu);
/*
 * Generate the prologue/epilogue at the start of the code buffer [buf, buf+size).
 * rw_offset = writable alias address - executable address (0 if same mapping).
 * Returns the number of bytes used.
 */
size_t tcg_prologue_init(void *buf, size_t size, ptrdiff_t rw_offset);
/* Enter generated code: returns the exit_tb value. */
typedef uintptr_t (*TCGPrologueFn)(void *env, const void *tb_code);
extern TCGPrologueFn tcg_qemu_tb_exec;

/* Start a new translation block: clears temps (not globals), ops, labels. */
void tcg_func_start(void);
/*
 * Optimize, allocate registers and emit host code at `buf` (executable address).
 * Returns the code size, or -1 when it exceeded `max_size` bytes or the
 * spill area (the caller flushes or retries with fewer instructions). The
 * check is made after each op, so the buffer needs 4 KiB beyond max_size.
 */
int tcg_gen_code(void *buf, size_t max_size);

/* Globals: created once at CPU init, valid for every later TB. */
TCGv_i32 tcg_global_mem_new_i32(TCGv_ptr base, intptr_t offset, const char *name);
TCGv_i64 tcg_global_mem_new_i64(TCGv_ptr base, intptr_t offset, const char *name);
TCGv_ptr tcg_global_mem_new_ptr(TCGv_ptr base, intptr_t offset, const char *name);

/*
 * Keep a 64-bit global in a host register across translation blocks, so a
 * chained jump from one block to the next needs no write-back or reload.
 * Front ends pin their most used guest registers, most used first, at
 * initialization, before tcg_prologue_init; returns false once the
 * backend has no register left to give. Only the translated code's own view
 * changes: C code sees the CPU state in env as before (see TCGTemp.pinned).
 */
bool tcg_global_pin(TCGv_i64 v);
/*
 * After a host signal inside generated code (pc in the code buffer), the
 * pinned globals are in the interrupted context's registers, not in env:
 * copy them to env. uc is the handler's ucontext_t.
 */
void tcg_pinned_from_ucontext(void *env, const void *uc);
/* Same for the n fault map entries (TCGFaultMap) of an interrupted access. */
void tcg_fault_map_from_ucontext(void *env, const void *uc, const uint32_t *entries, int n);

/* Translation-local temporaries: keep their value across labels. */
TCGv_i32 tcg_temp_new_i32(void);
TCGv_i64 tcg_temp_new_i64(void);
TCGv_ptr tcg_temp_new_ptr(void);
/* Block-local temporaries: value undefined after the next label. Cheaper. */
TCGv_i32 tcg_temp_ebb_new_i32(void);
TCGv_i64 tcg_temp_ebb_new_i64(void);
TCGv_ptr tcg_temp_ebb_new_ptr(void);
/* Optional: lets the slot be reused for another temp in this TB. */
void tcg_temp_free_i32(TCGv_i32 v);
void tcg_temp_free_i64(TCGv_i64 v);
void tcg_temp_free_ptr(TCGv_ptr v);
/* Read-only constants (shared; never write to them, never free them). */
TCGv_i32 tcg_constant_i32(int32_t val);
TCGv_i64 tcg_constant_i64(int64_t val);
TCGv_ptr tcg_constant_ptr(intptr_t val);
TCGTemp *tcg_constant_internal(TCGType type, int64_t val);

TCGLabel *gen_new_label(void);

/* ------------------------------------------------------------------------ */
/* Debug output */

/* Print the op list (used for -d op / op_opt). */
void tcg_dump_ops(FILE *f);
/* Disassemble host code with capstone (used for -d out_asm). */
void tcg_disas_host(FILE *f, const void *code, size_t size);

/* Host features, detected with cpuid; tests may clear some to force fallbacks. */
enum {
    TCG_HOST_BMI1   = 1,
    TCG_HOST_BMI2   = 2,
    TCG_HOST_LZCNT  = 4,
    TCG_HOST_POPCNT = 8,
    TCG_HOST_MOVBE  = 16,
    TCG_HOST_FMA    = 32,   /* FMA3 with the OS saving AVX state */
    TCG_HOST_AVX    = 64,   /* AVX (VEX three-operand forms) with the OS saving its state */
};
extern unsigned tcg_host_features;
unsigned tcg_host_features_detect(void);

/* ------------------------------------------------------------------------ */
/* Floating point (the f* ops, see tcg/tcg-op.h) */

/*
 * IEEE-754 exception flags, as the host's sticky flags accumulate them. The
 * bits are RISC-V's fflags (unprivileged spec 11.2), so that front end uses
 * them as they are.
 */
enum {
    TCG_FPE_INEXACT   = 1,
    TCG_FPE_UNDERFLOW = 2,
    TCG_FPE_OVERFLOW  = 4,
    TCG_FPE_DIVBYZERO = 8,
    TCG_FPE_INVALID   = 16,
};
/*
 * The f* ops raise flags in the sticky flags of the host FPU of the thread
 * that runs the generated code. Generated code reads them with
 * fp_flags_get and drops them with fp_flags_keep (tcg/tcg-op.h), C code
 * with these. Setting them is a no-op when they already have that value
 * (writing costs much more than reading). The runtime keeps them across its
 * own C code that may do floating point (glib's hash tables size
 * themselves with it).
 */
unsigned tcg_fp_flags(void);
void tcg_fp_set_flags(unsigned flags);

#endif
