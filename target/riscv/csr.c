/*
 * Control and status registers (privileged spec chapter 2 for the access
 * rules, 3.1 and 4.1 for the registers; Sstc for stimecmp).
 */
#include "tern/osdep.h"
#include "exec/cputlb.h"
#include "cpu-state.h"

/* misa letters (3.1.1) */
#define MISA_EXT(c) (1ull << ((c) - 'A'))
#define MISA_MXL_64 (2ull << 62)

#define MSTATUS_WRITABLE (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | \
                          MSTATUS_SPP | MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV |    \
                          MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW |     \
                          MSTATUS_TSR)
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS |        \
                      MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL |         \
                      MSTATUS_SD)
/* exceptions M can delegate: all but ecall from M (3.1.8) */
#define MEDELEG_WRITABLE ((1ull << 16) - 1 - (1ull << 11) - (1ull << 10) - (1ull << 14))

enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105, CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a, CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143, CSR_SIP = 0x144, CSR_STIMECMP = 0x14d, CSR_SATP = 0x180,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a,
    CSR_MCOUNTINHIBIT = 0x320, CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG2 = 0x3a2, CSR_PMPADDR0 = 0x3b0,
    CSR_PMPADDR15 = 0x3bf,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02, CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
};

void riscv_csr_reset(CPURISCVState *env)
{
    RISCVCPU *cpu = env_cpu_rv(env);
    static const struct { uint32_t ext; char letter; } letters[] = {
        { RV_EXT_I, 'I' }, { RV_EXT_M, 'M' }, { RV_EXT_A, 'A' }, { RV_EXT_F, 'F' },
        { RV_EXT_D, 'D' }, { RV_EXT_C, 'C' },
    };

    env->misa = MISA_MXL_64 | MISA_EXT('S') | MISA_EXT('U');
    for (size_t i = 0; i < ARRAY_SIZE(letters); i++) {
        if (cpu->cfg.ext & letters[i].ext) {
            env->misa |= MISA_EXT(letters[i].letter);
        }
    }
    /* UXL = SXL = 64-bit, read-only (3.1.6.2) */
    env->mstatus = (2ull << 32) | (2ull << 34);
    env->mie = env->mideleg = env->medeleg = 0;
    env->mtvec = env->stvec = 0;
    env->mepc = env->sepc = env->mcause = env->scause = env->mtval = env->stval = 0;
    env->mscratch = env->sscratch = 0;
    env->mcounteren = env->scounteren = env->mcountinhibit = 0;
    env->menvcfg = env->senvcfg = 0;
    env->satp = 0;
    env->stimecmp = UINT64_MAX;
    env->fflags = env->frm = 0;
    env->cycle_offset = env->instret_offset = 0;
    memset(env->pmpcfg, 0, sizeof(env->pmpcfg));
    memset(env->pmpaddr, 0, sizeof(env->pmpaddr));
    __atomic_store_n(&env->mip, 0, __ATOMIC_SEQ_CST);
}

/* ---- access predicates ---- */

/* Counters visible below M only where m/scounteren allow (3.1.11). */
static bool counter_allowed(CPURISCVState *env, int priv, int index)
{
    if (priv == PRV_M) {
        return true;
    }
    if (!((env->mcounteren >> index) & 1)) {
        return false;
    }
    return priv == PRV_S || ((env->scounteren >> index) & 1);
}

static bool fs_on(CPURISCVState *env)
{
    return (env->mstatus & MSTATUS_FS) != 0;
}

/* ---- registers with side effects ---- */

static uint64_t read_mstatus(CPURISCVState *env)
{
    uint64_t s = env->mstatus & ~MSTATUS_SD;
    if ((s & MSTATUS_FS) == MSTATUS_FS) {
        s |= MSTATUS_SD;
    }
    return s;
}

static void write_mstatus(CPURISCVState *env, uint64_t val, uint64_t mask)
{
    uint64_t old = env->mstatus;
    uint64_t new = (old & ~(mask & MSTATUS_WRITABLE)) | (val & mask & MSTATUS_WRITABLE);

    /* MPP is WARL: 2 (hypervisor) is not supported, keep the old value */
    if (((new & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2) {
        new = (new & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    }
    if (!riscv_has_ext(env, RV_EXT_F)) {
        new &= ~MSTATUS_FS;
    }
    env->mstatus = new;
    /* MXR changes what a cached translation permits */
    if ((old ^ new) & MSTATUS_MXR) {
        tlb_flush(env_cs(env));
    }
}

/*
 * mcycle/minstret (index 0/2): host ticks + offset; while mcountinhibit
 * stops a counter (3.1.13), its offset field holds the frozen value.
 */
static int64_t *counter_offset(CPURISCVState *env, int index)
{
    return index == 0 ? &env->cycle_offset : &env->instret_offset;
}

static bool counter_inhibited(CPURISCVState *env, int index)
{
    return (env->mcountinhibit >> index) & 1;
}

static uint64_t counter_value(CPURISCVState *env, int index)
{
    int64_t off = *counter_offset(env, index);
    return counter_inhibited(env, index) ? (uint64_t)off : riscv_host_ticks() + off;
}

static void counter_set(CPURISCVState *env, int index, uint64_t value)
{
    *counter_offset(env, index) = counter_inhibited(env, index) ? (int64_t)value
                                                                : (int64_t)(value - riscv_host_ticks());
}

static void write_mcountinhibit(CPURISCVState *env, uint64_t value)
{
    uint64_t cycle = counter_value(env, 0), instret = counter_value(env, 2);

    env->mcountinhibit = value & ~2ull & 0xffffffffull;     /* bit 1 (TM) is zero */
    counter_set(env, 0, cycle);
    counter_set(env, 2, instret);
}

static void write_satp(CPURISCVState *env, uint64_t val)
{
    int mode = val >> 60;

    /* WARL: unsupported modes leave satp unchanged (4.1.11) */
    if (mode != 0 && mode != 8 && !(mode == 9 && env_cpu_rv(env)->cfg.mmu_sv48)) {
        return;
    }
    env->satp = val;
    tlb_flush(env_cs(env));     /* the TLB is not tagged with ASIDs */
}

static void write_stimecmp(CPURISCVState *env, uint64_t val)
{
    RISCVCPU *cpu = env_cpu_rv(env);

    env->stimecmp = val;
    if (cpu->has_ts && cpu->ts.stimecmp_changed) {
        cpu->ts.stimecmp_changed(cpu->ts.opaque, cpu, val);
    }
    /* the line level follows the comparison from now on (Sstc) */
    riscv_mip_update(env, MIP_STIP, riscv_read_mtime(env) >= val ? MIP_STIP : 0);
}

/* Locked PMP entries, and the address below a locked TOR entry, are read-only (3.7.1). */
static bool pmpaddr_locked(CPURISCVState *env, int i)
{
    if (env->pmpcfg[i] & PMP_L) {
        return true;
    }
    return i + 1 < PMP_ENTRIES && (env->pmpcfg[i + 1] & PMP_L) &&
           ((env->pmpcfg[i + 1] >> PMP_A_SHIFT) & 3) == PMP_A_TOR;
}

static void write_pmpcfg(CPURISCVState *env, int first, uint64_t val)
{
    for (int k = 0; k < 8; k++) {
        uint8_t cfg = val >> (8 * k);
        int i = first + k;

        if (env->pmpcfg[i] & PMP_L) {
            continue;
        }
        /* W without R is reserved: keep it off (WARL) */
        if ((cfg & (PMP_R | PMP_W)) == PMP_W) {
            cfg &= ~PMP_W;
        }
        env->pmpcfg[i] = cfg & (PMP_R | PMP_W | PMP_X | (3 << PMP_A_SHIFT) | PMP_L);
    }
    tlb_flush(env_cs(env));
}

/*
 * The CSR file, accessed at privilege priv. Returns the old value in *old
 * and applies (old & ~mask) | (val & mask) when write is set.
 */
int riscv_csr_access(CPURISCVState *env, int priv, int csrno, uint64_t *old, uint64_t val,
                     uint64_t mask, bool write)
{
    RISCVCPU *cpu = env_cpu_rv(env);
    uint64_t v = 0;
#define RW(field) do { v = env->field; if (write) { env->field = (v & ~mask) | (val & mask); } } while (0)
#define NEWVAL(cur) (((cur) & ~mask) | (val & mask))

    /* CSR address space conventions (2.1): [11:10] = 3 read-only, [9:8] = lowest privilege */
    if (write && (csrno >> 10) == 3) {
        return EXCP_ILLEGAL_INST;
    }
    if (priv < ((csrno >> 8) & 3)) {
        return EXCP_ILLEGAL_INST;
    }

    switch (csrno) {
    case CSR_FFLAGS:
    case CSR_FRM:
    case CSR_FCSR:
        if (!riscv_has_ext(env, RV_EXT_F) || !fs_on(env)) {
            return EXCP_ILLEGAL_INST;
        }
        v = csrno == CSR_FFLAGS ? env->fflags : csrno == CSR_FRM ? env->frm
                                 : env->frm << 5 | env->fflags;
        if (write) {
            uint64_t n = NEWVAL(v);
            if (csrno == CSR_FFLAGS) {
                env->fflags = n & 31;
            } else if (csrno == CSR_FRM) {
                env->frm = n & 7;
            } else {
                env->fflags = n & 31;
                env->frm = (n >> 5) & 7;
            }
            riscv_set_fs_dirty(env);
        }
        break;

    case CSR_CYCLE:
    case CSR_INSTRET:
        if (!counter_allowed(env, priv, csrno - CSR_CYCLE)) {
            return EXCP_ILLEGAL_INST;
        }
        v = counter_value(env, csrno - CSR_CYCLE);
        break;
    case CSR_TIME:
        if (!cpu->has_ts || !counter_allowed(env, priv, 1)) {
            return EXCP_ILLEGAL_INST;
        }
        v = riscv_read_mtime(env);
        break;
    case CSR_HPMCOUNTER3 ... CSR_HPMCOUNTER31:
        if (!counter_allowed(env, priv, csrno - CSR_CYCLE)) {
            return EXCP_ILLEGAL_INST;
        }
        v = 0;
        break;

    case CSR_MCYCLE:
    case CSR_MINSTRET:
        v = counter_value(env, csrno - CSR_MCYCLE);
        if (write) {
            counter_set(env, csrno - CSR_MCYCLE, NEWVAL(v));
        }
        break;
    case CSR_MHPMCOUNTER3 ... CSR_MHPMCOUNTER31:
    case CSR_MHPMEVENT3 ... CSR_MHPMEVENT31:
        v = 0;       /* no events: read-only zero */
        break;
    case CSR_MCOUNTINHIBIT:
        v = env->mcountinhibit;
        if (write) {
            write_mcountinhibit(env, NEWVAL(v));
        }
        break;

    case CSR_SSTATUS:
        v = read_mstatus(env) & SSTATUS_MASK;
        if (write) {
            write_mstatus(env, val, mask & SSTATUS_MASK);
        }
        break;
    case CSR_MSTATUS:
        v = read_mstatus(env);
        if (write) {
            write_mstatus(env, val, mask);
        }
        break;
    case CSR_MISA:
        v = env->misa;      /* WARL: extensions are fixed at creation */
        break;
    case CSR_MEDELEG:
        v = env->medeleg;
        if (write) {
            env->medeleg = NEWVAL(v) & MEDELEG_WRITABLE;
        }
        break;
    case CSR_MIDELEG:
        v = env->mideleg;
        if (write) {
            env->mideleg = NEWVAL(v) & S_MODE_INTERRUPTS;
        }
        break;
    case CSR_MIE:
        v = env->mie;
        if (write) {
            env->mie = NEWVAL(v) & ALL_INTERRUPTS;
        }
        break;
    case CSR_SIE:
        v = env->mie & env->mideleg;
        if (write) {
            uint64_t m = mask & env->mideleg & S_MODE_INTERRUPTS;
            env->mie = (env->mie & ~m) | (val & m);
        }
        break;
    case CSR_MIP: {
        uint64_t writable = MIP_SSIP | MIP_SEIP | MIP_STIP;
        if (riscv_has_ext(env, RV_EXT_SSTC) && (env->menvcfg & MENVCFG_STCE)) {
            writable &= ~MIP_STIP;     /* driven by stimecmp */
        }
        v = riscv_effective_mip(env);
        if (write) {
            riscv_mip_update(env, mask & writable, val);
        }
        break;
    }
    case CSR_SIP:
        v = riscv_effective_mip(env) & env->mideleg;
        if (write) {
            riscv_mip_update(env, mask & env->mideleg & MIP_SSIP, val);
        }
        break;
    case CSR_MTVEC:
    case CSR_STVEC: {
        uint64_t *tvec = csrno == CSR_MTVEC ? &env->mtvec : &env->stvec;
        v = *tvec;
        /* WARL: modes 2 and 3 are reserved; such writes are ignored */
        if (write && (NEWVAL(v) & 3) < 2) {
            *tvec = NEWVAL(v);
        }
        break;
    }
    case CSR_MCOUNTEREN:
        v = env->mcounteren;
        if (write) {
            env->mcounteren = NEWVAL(v) & 0xffffffffull;
        }
        break;
    case CSR_SCOUNTEREN:
        v = env->scounteren;
        if (write) {
            env->scounteren = NEWVAL(v) & 0xffffffffull;
        }
        break;
    case CSR_MENVCFG: {
        uint64_t writable = MENVCFG_FIOM |
                            (riscv_has_ext(env, RV_EXT_SSTC) ? MENVCFG_STCE : 0);
        v = env->menvcfg;
        if (write) {
            env->menvcfg = NEWVAL(v) & writable;
        }
        break;
    }
    case CSR_SENVCFG:
        v = env->senvcfg;
        if (write) {
            env->senvcfg = NEWVAL(v) & MENVCFG_FIOM;
        }
        break;
    case CSR_MSCRATCH: RW(mscratch); break;
    case CSR_SSCRATCH: RW(sscratch); break;
    case CSR_MCAUSE: RW(mcause); break;
    case CSR_SCAUSE: RW(scause); break;
    case CSR_MTVAL: RW(mtval); break;
    case CSR_STVAL: RW(stval); break;
    case CSR_MEPC:
    case CSR_SEPC: {
        /* IALIGN: bit 0 is zero, bit 1 too without C (3.1.14) */
        uint64_t align = riscv_has_ext(env, RV_EXT_C) ? ~1ull : ~3ull;
        uint64_t *epc = csrno == CSR_MEPC ? &env->mepc : &env->sepc;
        v = *epc & align;
        if (write) {
            *epc = NEWVAL(*epc) & ~1ull;
        }
        break;
    }
    case CSR_SATP:
        if (priv == PRV_S && (env->mstatus & MSTATUS_TVM)) {
            return EXCP_ILLEGAL_INST;       /* 3.1.6.5 */
        }
        v = env->satp;
        if (write) {
            write_satp(env, NEWVAL(v));
        }
        break;
    case CSR_STIMECMP:
        /* Sstc: below M needs menvcfg.STCE and mcounteren.TM */
        if (!riscv_has_ext(env, RV_EXT_SSTC) ||
            (priv < PRV_M && (!(env->menvcfg & MENVCFG_STCE) ||
                                   !(env->mcounteren & 2)))) {
            return EXCP_ILLEGAL_INST;
        }
        v = env->stimecmp;
        if (write) {
            write_stimecmp(env, NEWVAL(v));
        }
        break;

    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MCONFIGPTR:
        v = 0;
        break;
    case CSR_MHARTID:
        v = env->mhartid;
        break;

    case CSR_PMPCFG0:
    case CSR_PMPCFG2: {
        int first = (csrno - CSR_PMPCFG0) * 4;
        if (!cpu->cfg.pmp) {
            return EXCP_ILLEGAL_INST;
        }
        for (int k = 0; k < 8; k++) {
            v |= (uint64_t)env->pmpcfg[first + k] << (8 * k);
        }
        if (write) {
            write_pmpcfg(env, first, NEWVAL(v));
        }
        break;
    }
    case CSR_PMPADDR0 ... CSR_PMPADDR15: {
        int i = csrno - CSR_PMPADDR0;
        if (!cpu->cfg.pmp) {
            return EXCP_ILLEGAL_INST;
        }
        v = env->pmpaddr[i];
        if (write && !pmpaddr_locked(env, i)) {
            env->pmpaddr[i] = NEWVAL(v) & ((1ull << 54) - 1);
            tlb_flush(env_cs(env));
        }
        break;
    }
    default:
        return EXCP_ILLEGAL_INST;
    }
    *old = v;
    return RISCV_EXCP_NONE;
#undef RW
#undef NEWVAL
}

int riscv_csrrw(CPURISCVState *env, int csrno, uint64_t *old, uint64_t new_value,
                uint64_t write_mask, bool write)
{
    uint32_t host;
    int ret;

    /* The guest's own access, on the hart's thread: see what inline F/D code raised. */
    if (csrno != CSR_FFLAGS && csrno != CSR_FCSR) {
        return riscv_csr_access(env, env->priv, csrno, old, new_value, write_mask, write);
    }
    host = riscv_fpu_fold_flags(env);
    ret = riscv_csr_access(env, env->priv, csrno, old, new_value, write_mask, write);
    if (write) {
        riscv_fpu_flags_written(env, host);
    }
    return ret;
}
