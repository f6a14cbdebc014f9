/*
 * RISC-V hart state private to target/riscv: registers, CSRs, configuration,
 * and the internal interfaces between translate, CSR, MMU, FPU and trap code.
 */
#ifndef TARGET_RISCV_CPU_STATE_H
#define TARGET_RISCV_CPU_STATE_H

#include "tern/osdep.h"
#include "target/riscv/cpu.h"
#include "exec/cpu-tlb.h"
#include "decode.h"

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* MMU indexes (softmmu TLBs): one per translation regime. */
enum {
    MMU_IDX_U = 0,        /* U mode */
    MMU_IDX_S = 1,        /* S mode, SUM = 0 */
    MMU_IDX_S_SUM = 2,    /* S mode, SUM = 1 */
    MMU_IDX_M = 3,        /* M mode: no translation, PMP only */
    RISCV_NB_MMU = 4,
};

typedef enum MMUAccess {
    ACCESS_LOAD = 0,
    ACCESS_STORE = 1,
    ACCESS_FETCH = 2,
} MMUAccess;

/* mstatus fields (privileged spec 3.1.6) */
#define MSTATUS_SIE   (1ull << 1)
#define MSTATUS_MIE   (1ull << 3)
#define MSTATUS_SPIE  (1ull << 5)
#define MSTATUS_UBE   (1ull << 6)
#define MSTATUS_MPIE  (1ull << 7)
#define MSTATUS_SPP   (1ull << 8)
#define MSTATUS_MPP   (3ull << 11)
#define MSTATUS_FS    (3ull << 13)
#define MSTATUS_XS    (3ull << 15)
#define MSTATUS_MPRV  (1ull << 17)
#define MSTATUS_SUM   (1ull << 18)
#define MSTATUS_MXR   (1ull << 19)
#define MSTATUS_TVM   (1ull << 20)
#define MSTATUS_TW    (1ull << 21)
#define MSTATUS_TSR   (1ull << 22)
#define MSTATUS_UXL   (3ull << 32)
#define MSTATUS_SXL   (3ull << 34)
#define MSTATUS_SD    (1ull << 63)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_MPP_SHIFT 11

/* Exception causes (privileged spec 3.1.15, table 3.6) */
enum {
    EXCP_INST_ADDR_MIS = 0, EXCP_INST_ACCESS = 1, EXCP_ILLEGAL_INST = 2,
    EXCP_BREAKPOINT = 3, EXCP_LOAD_ADDR_MIS = 4, EXCP_LOAD_ACCESS = 5,
    EXCP_STORE_ADDR_MIS = 6, EXCP_STORE_ACCESS = 7, EXCP_U_ECALL = 8,
    EXCP_S_ECALL = 9, EXCP_M_ECALL = 11, EXCP_INST_PAGE = 12,
    EXCP_LOAD_PAGE = 13, EXCP_STORE_PAGE = 15,
};
#define RISCV_EXCP_NONE (-1)

#define MIP_SSIP (1ull << IRQ_S_SOFT)
#define MIP_MSIP (1ull << IRQ_M_SOFT)
#define MIP_STIP (1ull << IRQ_S_TIMER)
#define MIP_MTIP (1ull << IRQ_M_TIMER)
#define MIP_SEIP (1ull << IRQ_S_EXT)
#define MIP_MEIP (1ull << IRQ_M_EXT)
#define S_MODE_INTERRUPTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define ALL_INTERRUPTS (S_MODE_INTERRUPTS | MIP_MSIP | MIP_MTIP | MIP_MEIP)

#define MENVCFG_FIOM  (1ull << 0)
#define MENVCFG_STCE  (1ull << 63)

/* fcsr (unprivileged spec 11.2) */
enum {
    FFLAG_NX = 1, FFLAG_UF = 2, FFLAG_OF = 4, FFLAG_DZ = 8, FFLAG_NV = 16,
};
enum {
    RM_RNE = 0, RM_RTZ = 1, RM_RDN = 2, RM_RUP = 3, RM_RMM = 4, RM_DYN = 7,
};

#define PMP_ENTRIES 16
enum {
    PMP_R = 1, PMP_W = 2, PMP_X = 4, PMP_A_SHIFT = 3, PMP_L = 0x80,
    PMP_A_OFF = 0, PMP_A_TOR = 1, PMP_A_NA4 = 2, PMP_A_NAPOT = 3,
};

/* TB flags: what translated code depends on besides the PC. */
#define TB_FLAG_PRIV_MASK     3u        /* privilege of instruction fetch */
#define TB_FLAG_MEM_IDX_SHIFT 2         /* 2 bits: MMU index of loads/stores */
#define TB_FLAG_FS_ON         (1u << 4) /* mstatus.FS != Off */
#define TB_FLAG_TVM           (1u << 5)
#define TB_FLAG_TSR           (1u << 6)
#define TB_FLAG_TW            (1u << 7)
#define TB_FLAG_FS_DIRTY      (1u << 8) /* mstatus.FS == Dirty already */
#define TB_FLAG_FRM_RNE       (1u << 9) /* frm is RNE: dynamic-rm F/D ops run inline */

typedef struct CPURISCVState {
    uint64_t gpr[32];
    uint64_t pc;
    uint64_t fpr[32];          /* singles are NaN-boxed (spec 12.2) */
    uint32_t fflags;
    uint32_t frm;

    /* LR/SC reservation: address and the value loaded (-1: none) */
    uint64_t load_res;
    uint64_t load_val;

    uint64_t priv;
    uint64_t mstatus;
    uint64_t misa;
    uint64_t mip;              /* updated atomically (lines, CSR writes) */
    uint64_t mie, mideleg, medeleg;
    uint64_t mtvec, stvec, mepc, sepc, mcause, scause, mtval, stval;
    uint64_t mscratch, sscratch;
    uint64_t mcounteren, scounteren, mcountinhibit;
    uint64_t menvcfg, senvcfg;
    uint64_t satp;
    uint64_t stimecmp;
    uint64_t mhartid;
    int64_t cycle_offset, instret_offset;   /* counters = host ticks + offset */
    uint8_t pmpcfg[PMP_ENTRIES];
    uint64_t pmpaddr[PMP_ENTRIES];

    /* tval of the exception being raised */
    uint64_t badaddr;
} CPURISCVState;

typedef struct RISCVCPUConfig {
    uint32_t ext;              /* RV_EXT_* enabled */
    bool mmu_sv48;             /* Sv48 (and Sv39) or Sv39 only */
    bool pmp;
} RISCVCPUConfig;

struct RISCVCPU {
    CPUState parent;
    CPURISCVState env;
    CPUTLB tlb;                /* softmmu TLB: at a fixed offset from env */
    RISCVCPUConfig cfg;
    RISCVTimeSource ts;
    bool has_ts;
    uint64_t reset_pc;
    qemu_irq irqs[12];
    char isa_string[128];
};

static inline RISCVCPU *env_cpu_rv(CPURISCVState *env)
{
    return container_of(env, RISCVCPU, env);
}
static inline CPUState *env_cs(CPURISCVState *env)
{
    return &env_cpu_rv(env)->parent;
}
static inline RISCVCPU *cs_rv(CPUState *cs)
{
    return container_of(cs, RISCVCPU, parent);
}
static inline bool riscv_has_ext(CPURISCVState *env, uint32_t ext)
{
    return (env_cpu_rv(env)->cfg.ext & ext) == ext;
}

/* ---- cpu.c ---- */
/* Parse a -cpu string into cfg ("rv64,zba=false,sstc=off"). */
bool riscv_cpu_parse_model(const char *model, RISCVCPUConfig *cfg, GError **errp);
void riscv_cpu_build_isa_string(const RISCVCPUConfig *cfg, char *buf, size_t size);
uint64_t riscv_read_mtime(CPURISCVState *env);
uint64_t riscv_host_ticks(void);

/* ---- cpu_helper.c: interrupts, traps, mode switches ---- */
uint32_t riscv_tb_flags(CPURISCVState *env);
int riscv_data_mmu_idx(CPURISCVState *env);
/* Pending, enabled and deliverable interrupt number, or -1 (spec 3.1.9). */
int riscv_pending_interrupt(CPURISCVState *env);
uint64_t riscv_effective_mip(CPURISCVState *env);
/* Take trap `cause` (interrupt if is_irq) at env->pc with tval env->badaddr. */
void riscv_do_trap(CPURISCVState *env, uint64_t cause, bool is_irq);
void riscv_set_priv(CPURISCVState *env, uint64_t priv);
void riscv_mip_update(CPURISCVState *env, uint64_t mask, uint64_t value);
/* mstatus.FS = Dirty (and SD). */
void riscv_set_fs_dirty(CPURISCVState *env);

/* ---- mmu.c: Sv39/Sv48 page walks and PMP ---- */
/*
 * Translate vaddr for an access at privilege/MMU index mmu_idx.
 * Returns RISCV_EXCP_NONE and *paddr / *prot / *page_size (the size of the
 * naturally aligned region that shares this translation and PMP decision:
 * a superpage's size when PMP treats all of it alike), or the exception
 * cause to raise.
 */
int riscv_translate(CPURISCVState *env, uint64_t vaddr, MMUAccess access, int mmu_idx,
                    hwaddr *paddr, int *prot, uint64_t *page_size, unsigned size);
/* PMP check of [addr, addr+size) for privilege priv (spec 3.7). */
bool riscv_pmp_allows(CPURISCVState *env, hwaddr addr, unsigned size, MMUAccess access,
                      int priv);
/* Largest power-of-two region around addr over which the PMP decision is constant. */
uint64_t riscv_pmp_granule(CPURISCVState *env, hwaddr addr, uint64_t max);
int riscv_mmu_idx_priv(int mmu_idx);

/* ---- csr.c ---- */
/*
 * Read-modify-write CSR csrno: *old gets the old value; if write_mask != 0
 * the CSR becomes (old & ~write_mask) | (new & write_mask).
 * Returns RISCV_EXCP_NONE or EXCP_ILLEGAL_INST.
 */
int riscv_csrrw(CPURISCVState *env, int csrno, uint64_t *old, uint64_t new_value,
                uint64_t write_mask, bool write);
/* The same at an explicit privilege (debug access: dumps, gdb). */
int riscv_csr_access(CPURISCVState *env, int priv, int csrno, uint64_t *old, uint64_t val,
                     uint64_t mask, bool write);
void riscv_csr_reset(CPURISCVState *env);

/* ---- fpu_helper.c ---- */
uint64_t riscv_nanbox_s(uint32_t f);
/*
 * The exception flags inline F/D code raised on the host FPU (see fpu.h);
 * only on the hart's own thread, while it runs cpu_exec. Fold them into
 * env->fflags (returns them, as fflags); after env->fflags was written,
 * clear them if it lost one (env->fflags | host flags is the guest's fflags).
 */
uint32_t riscv_fpu_fold_flags(CPURISCVState *env);
void riscv_fpu_flags_written(CPURISCVState *env, uint32_t host);
/* Unbox a single: a value that is not a valid NaN-box reads as the canonical NaN. */
uint32_t riscv_unbox_s(uint64_t v);

#endif
