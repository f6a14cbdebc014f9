/*
 * RISC-V hart objects: -cpu model parsing, creation, reset, interrupt lines,
 * time source, state dump, gdb registers, and the TCG hooks table.
 */
#include "tern/osdep.h"
#include <time.h>
#include "exec/cpu-exec.h"
#include "hw/qdev.h"
#include "tcg/tcg.h"
#include "cpu-state.h"
#include "cpu-internal.h"
#include "translate.h"

/* -cpu properties: name as QEMU spells it, the extension bit. */
static const struct {
    const char *name;
    uint32_t ext;
} ext_props[] = {
    { "i", RV_EXT_I }, { "m", RV_EXT_M }, { "a", RV_EXT_A }, { "f", RV_EXT_F },
    { "d", RV_EXT_D }, { "c", RV_EXT_C }, { "zicsr", RV_EXT_ZICSR },
    { "zifencei", RV_EXT_ZIFENCEI }, { "zihintpause", RV_EXT_ZIHINTPAUSE },
    { "zba", RV_EXT_ZBA }, { "zbb", RV_EXT_ZBB }, { "zbc", RV_EXT_ZBC },
    { "zbs", RV_EXT_ZBS }, { "sstc", RV_EXT_SSTC }, { "zicntr", RV_EXT_ZICNTR },
};

#define RV_DEFAULT_EXT (RV_EXT_I | RV_EXT_M | RV_EXT_A | RV_EXT_F | RV_EXT_D | RV_EXT_C | \
                        RV_EXT_ZICSR | RV_EXT_ZIFENCEI | RV_EXT_ZIHINTPAUSE | RV_EXT_ZBA |   \
                        RV_EXT_ZBB | RV_EXT_ZBC | RV_EXT_ZBS | RV_EXT_SSTC | RV_EXT_ZICNTR)

static bool parse_bool(const char *s, bool *out)
{
    if (!g_ascii_strcasecmp(s, "true") || !g_ascii_strcasecmp(s, "on") || !strcmp(s, "1")) {
        *out = true;
        return true;
    }
    if (!g_ascii_strcasecmp(s, "false") || !g_ascii_strcasecmp(s, "off") || !strcmp(s, "0")) {
        *out = false;
        return true;
    }
    return false;
}

bool riscv_cpu_parse_model(const char *model, RISCVCPUConfig *cfg, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(model ? model : "rv64", ",", -1);

    cfg->ext = RV_DEFAULT_EXT;
    cfg->mmu_sv48 = true;
    cfg->pmp = true;
    if (strcmp(parts[0], "rv64") && strcmp(parts[0], "max") && strcmp(parts[0], "any")) {
        error_setg(errp, "unknown CPU model '%s' (Tern's RISC-V models: rv64, max)", parts[0]);
        return false;
    }
    for (int i = 1; parts[i]; i++) {
        char *eq = strchr(parts[i], '=');
        bool on, found = false;

        if (!eq || !parse_bool(eq + 1, &on)) {
            error_setg(errp, "'%s': property '%s' needs =true/false/on/off", model, parts[i]);
            return false;
        }
        *eq = 0;
        for (size_t k = 0; k < ARRAY_SIZE(ext_props); k++) {
            if (!g_ascii_strcasecmp(parts[i], ext_props[k].name)) {
                cfg->ext = on ? cfg->ext | ext_props[k].ext : cfg->ext & ~ext_props[k].ext;
                found = true;
            }
        }
        if (!g_ascii_strcasecmp(parts[i], "mmu")) {
            cfg->mmu_sv48 = on;   /* mmu=off is not supported: Sv39 stays */
            found = on;
        } else if (!g_ascii_strcasecmp(parts[i], "sv48")) {
            cfg->mmu_sv48 = on;
            found = true;
        } else if (!g_ascii_strcasecmp(parts[i], "pmp")) {
            cfg->pmp = on;
            found = true;
        }
        if (!found) {
            error_setg(errp, "'%s': unknown or unsupported property '%s'", model, parts[i]);
            return false;
        }
    }
    if (!(cfg->ext & RV_EXT_I)) {
        error_setg(errp, "'%s': the I extension cannot be disabled", model);
        return false;
    }
    if ((cfg->ext & RV_EXT_D) && !(cfg->ext & RV_EXT_F)) {
        error_setg(errp, "'%s': D extension requires F extension", model);
        return false;
    }
    if ((cfg->ext & RV_EXT_F) && !(cfg->ext & RV_EXT_ZICSR)) {
        error_setg(errp, "'%s': F extension requires Zicsr", model);
        return false;
    }
    return true;
}

void riscv_cpu_build_isa_string(const RISCVCPUConfig *cfg, char *buf, size_t size)
{
    static const struct { uint32_t ext; const char *s; } order[] = {
        { RV_EXT_I, "i" }, { RV_EXT_M, "m" }, { RV_EXT_A, "a" }, { RV_EXT_F, "f" },
        { RV_EXT_D, "d" }, { RV_EXT_C, "c" }, { RV_EXT_ZICSR, "_zicsr" },
        { RV_EXT_ZIFENCEI, "_zifencei" }, { RV_EXT_ZIHINTPAUSE, "_zihintpause" },
        { RV_EXT_ZBA, "_zba" }, { RV_EXT_ZBB, "_zbb" }, { RV_EXT_ZBC, "_zbc" },
        { RV_EXT_ZBS, "_zbs" }, { RV_EXT_SSTC, "_sstc" },
    };
    g_strlcpy(buf, "rv64", size);
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        if (cfg->ext & order[i].ext) {
            g_strlcat(buf, order[i].s, size);
        }
    }
}

uint64_t riscv_host_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t riscv_read_mtime(CPURISCVState *env)
{
    RISCVCPU *cpu = env_cpu_rv(env);
    return cpu->has_ts ? cpu->ts.read_mtime(cpu->ts.opaque) : 0;
}

/* ---- CPUClass ---- */

static void riscv_cpu_reset(CPUState *cs)
{
    RISCVCPU *cpu = cs_rv(cs);
    CPURISCVState *env = &cpu->env;

    memset(env->gpr, 0, sizeof(env->gpr));
    memset(env->fpr, 0, sizeof(env->fpr));
    riscv_csr_reset(env);
    riscv_set_priv(env, PRV_M);
    env->pc = cpu->reset_pc;
    cs->exception_index = -1;
    cs->halted = false;
}

static void riscv_cs_set_pc(CPUState *cs, uint64_t pc)
{
    cs_rv(cs)->env.pc = pc;
}

static uint64_t riscv_cs_get_pc(CPUState *cs)
{
    return cs_rv(cs)->env.pc;
}

static void riscv_cpu_dump_state(CPUState *cs, FILE *f)
{
    static const char *const abi[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
        "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
        "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    static const int csrs[] = {
        0xf14, 0x300, 0x301, 0x302, 0x303, 0x304, 0x344, 0x305, 0x105, 0x341, 0x141,
        0x342, 0x142, 0x343, 0x143, 0x340, 0x140, 0x180, 0x30a, 0x14d,
    };
    CPURISCVState *env = &cs_rv(cs)->env;

    fprintf(f, " %-8s %016" PRIx64 "\n", "pc", env->pc);
    fprintf(f, " %-8s %c\n", "priv", "USHM"[env->priv & 3]);
    for (size_t i = 0; i < ARRAY_SIZE(csrs); i++) {
        uint64_t v = 0;
        /* read as M would: these reads have no side effects */
        riscv_csr_access(env, PRV_M, csrs[i], &v, 0, 0, false);
        fprintf(f, " %-8s %016" PRIx64 "\n", riscv_csr_name(csrs[i]), v);
    }
    for (int i = 0; i < 32; i++) {
        fprintf(f, " x%-2d/%-4s %016" PRIx64 "%s", i, abi[i], env->gpr[i],
                (i & 3) == 3 ? "\n" : " ");
    }
    if (riscv_has_ext(env, RV_EXT_F)) {
        for (int i = 0; i < 32; i++) {
            fprintf(f, " f%-2d      %016" PRIx64 "%s", i, env->fpr[i],
                    (i & 3) == 3 ? "\n" : " ");
        }
        fprintf(f, " %-8s %08x\n", "fcsr", env->frm << 5 | env->fflags);
    }
}

/*
 * gdb numbering (gdb's riscv target description): 0-31 x0..x31, 32 pc,
 * 33-64 f0..f31, 65 fflags, 66 frm, 67 fcsr, 68 + n CSR n, then the
 * privilege level (gdb's org.gnu.gdb.riscv.virtual "priv").
 */
enum { GDB_PC = 32, GDB_F0 = 33, GDB_FFLAGS = 65, GDB_CSR0 = 68, GDB_PRIV = GDB_CSR0 + 4096 };

static bool gdb_reg_csr(int reg, int *csrno)
{
    if (reg >= GDB_FFLAGS && reg < GDB_CSR0) {
        *csrno = reg - GDB_FFLAGS + 1;     /* fflags, frm, fcsr = CSRs 1..3 */
        return true;
    }
    if (reg >= GDB_CSR0 && reg < GDB_CSR0 + 4096) {
        *csrno = reg - GDB_CSR0;
        return true;
    }
    return false;
}

static int riscv_gdb_read_register(CPUState *cs, GByteArray *buf, int reg)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    uint64_t v;
    int csrno;

    if (reg < 32) {
        v = env->gpr[reg];
    } else if (reg == GDB_PC) {
        v = env->pc;
    } else if (reg < GDB_F0 + 32) {
        v = env->fpr[reg - GDB_F0];
    } else if (gdb_reg_csr(reg, &csrno)) {
        if (riscv_csr_access(env, PRV_M, csrno, &v, 0, 0, false) != RISCV_EXCP_NONE) {
            return 0;
        }
    } else if (reg == GDB_PRIV) {
        v = env->priv;
    } else {
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        uint8_t b = v >> (8 * i);
        g_byte_array_append(buf, &b, 1);
    }
    return 8;
}

static int riscv_gdb_write_register(CPUState *cs, uint8_t *buf, int reg)
{
    CPURISCVState *env = &cs_rv(cs)->env;
    uint64_t v = 0, old;
    int csrno;

    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    if (reg < 32) {
        if (reg) {
            env->gpr[reg] = v;
        }
    } else if (reg == GDB_PC) {
        env->pc = v;
    } else if (reg < GDB_F0 + 32) {
        env->fpr[reg - GDB_F0] = v;
    } else if (gdb_reg_csr(reg, &csrno)) {
        if (riscv_csr_access(env, PRV_M, csrno, &old, v, -1, true) != RISCV_EXCP_NONE) {
            return 0;
        }
    } else if (reg == GDB_PRIV && (v == PRV_U || v == PRV_S || v == PRV_M)) {
        env->priv = v;
    } else {
        return 0;
    }
    return 8;
}

/* Inline F/D code accumulates fflags on the host FPU while guest code runs (fpu.h). */
static void riscv_cpu_exec_enter(CPUState *cs)
{
    tcg_fp_set_flags(0);        /* whatever Tern's own code raised is not the guest's */
}

static void riscv_cpu_exec_exit(CPUState *cs)
{
    riscv_fpu_fold_flags(&cs_rv(cs)->env);
}

static const TCGCPUOps riscv_tcg_ops = {
    .initialize = riscv_translate_init,
    .translate_block = riscv_translate_block,
    .get_tb_cpu_state = riscv_get_tb_cpu_state,
    .mmu_index = riscv_cpu_mmu_index,
    .cpu_exec_interrupt = riscv_cpu_exec_interrupt,
    .do_interrupt = riscv_cpu_do_interrupt,
    .tlb_fill = riscv_cpu_tlb_fill,
    .do_unaligned_access = riscv_cpu_do_unaligned_access,
    .do_transaction_failed = riscv_cpu_do_transaction_failed,
    .restore_state_to_opc = riscv_restore_state_to_opc,
    .cpu_exec_enter = riscv_cpu_exec_enter,
    .cpu_exec_exit = riscv_cpu_exec_exit,
    .tlb_offset = offsetof(RISCVCPU, tlb) - offsetof(RISCVCPU, env),
    .nb_mmu_modes = RISCV_NB_MMU,
};

static const CPUClass riscv_cpu_class = {
    .arch_name = "riscv64",
    .reset = riscv_cpu_reset,
    .has_work = riscv_cpu_has_work,
    .dump_state = riscv_cpu_dump_state,
    .set_pc = riscv_cs_set_pc,
    .get_pc = riscv_cs_get_pc,
    .gdb_read_register = riscv_gdb_read_register,
    .gdb_write_register = riscv_gdb_write_register,
    .gdb_num_core_regs = 33,
    .gdb_core_xml = "riscv-64bit-cpu.xml",
    .get_phys_addr_debug = riscv_cpu_get_phys_addr_debug,
    .tcg_ops = &riscv_tcg_ops,
};

/* ---- public API (include/target/riscv/cpu.h) ---- */

static void riscv_cpu_set_irq(void *opaque, int irq, int level)
{
    RISCVCPU *cpu = opaque;
    uint64_t bit = 1ull << irq;
    riscv_mip_update(&cpu->env, bit, level ? bit : 0);
}

RISCVCPU *riscv_cpu_create(const char *cpu_model, uint64_t hartid, GError **errp)
{
    RISCVCPU *cpu = g_new0(RISCVCPU, 1);
    static const int lines[] = { IRQ_S_SOFT, IRQ_M_SOFT, IRQ_S_TIMER, IRQ_M_TIMER,
                                 IRQ_S_EXT, IRQ_M_EXT };

    if (!riscv_cpu_parse_model(cpu_model, &cpu->cfg, errp)) {
        g_free(cpu);
        return NULL;
    }
    riscv_cpu_build_isa_string(&cpu->cfg, cpu->isa_string, sizeof(cpu->isa_string));
    cpu->env.mhartid = hartid;
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
        cpu->irqs[lines[i]] = qemu_allocate_irq(riscv_cpu_set_irq, cpu, lines[i]);
    }
    cpu_common_init(&cpu->parent, &riscv_cpu_class, &cpu->env, get_system_address_space());
    riscv_cpu_reset(&cpu->parent);
    return cpu;
}

CPUState *riscv_cpu_state(RISCVCPU *cpu)
{
    return &cpu->parent;
}

qemu_irq riscv_cpu_irq(RISCVCPU *cpu, int irq)
{
    return irq >= 0 && irq < (int)ARRAY_SIZE(cpu->irqs) ? cpu->irqs[irq] : NULL;
}

const char *riscv_cpu_isa_string(RISCVCPU *cpu)
{
    return cpu->isa_string;
}

const char *riscv_cpu_mmu_type(RISCVCPU *cpu)
{
    return cpu->cfg.mmu_sv48 ? "riscv,sv48" : "riscv,sv39";
}

void riscv_cpu_set_time_source(RISCVCPU *cpu, const RISCVTimeSource *ts)
{
    cpu->ts = *ts;
    cpu->has_ts = ts->read_mtime != NULL;
}

void riscv_cpu_set_reset_pc(RISCVCPU *cpu, uint64_t pc)
{
    cpu->reset_pc = pc;
    cpu->env.pc = pc;
}

static void riscv_cpu_register_models(void)
{
    static const CPUModelInfo models[] = {
        { "rv64", "RV64GC, Zicsr, Zifencei, Zihintpause, Zba, Zbb, Zbc, Zbs, Sstc; Sv39/Sv48, "
                  "16 PMP entries (QEMU 7.2 virt default minus H)" },
        { "max", "same as rv64" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        cpu_model_register(&models[i]);
    }
}
type_init(riscv_cpu_register_models)
