/*
 * User-mode harts for linux-user: see include/target/riscv/cpu-user.h.
 */
#include "tern/osdep.h"
#include "target/riscv/cpu-user.h"
#include "cpu-state.h"

/* time CSR in user mode: host monotonic nanoseconds at a 1 GHz timebase */
static uint64_t user_read_mtime(void *opaque)
{
    return riscv_host_ticks();
}

RISCVCPU *riscv_cpu_create_user(const char *cpu_model, GError **errp)
{
    static const RISCVTimeSource ts = { .read_mtime = user_read_mtime,
                                        .timebase_hz = 1000000000 };
    RISCVCPU *cpu = riscv_cpu_create(cpu_model, 0, errp);
    CPURISCVState *env;

    if (!cpu) {
        return NULL;
    }
    env = &cpu->env;
    riscv_cpu_set_time_source(cpu, &ts);
    riscv_set_priv(env, PRV_U);
    if (riscv_has_ext(env, RV_EXT_F)) {
        env->mstatus |= 1ull << MSTATUS_FS_SHIFT;   /* Initial */
    }
    /* cycle, time, instret readable from U (3.1.11) */
    env->mcounteren = env->scounteren = 7;
    return cpu;
}

RISCVCPU *riscv_cpu_clone_user(RISCVCPU *src)
{
    RISCVCPU *cpu = riscv_cpu_create_user(NULL, NULL);

    cpu->cfg = src->cfg;
    memcpy(cpu->isa_string, src->isa_string, sizeof(cpu->isa_string));
    cpu->env = src->env;
    cpu->env.load_res = -1;
    return cpu;
}

uint64_t *riscv_cpu_gpr(RISCVCPU *cpu)
{
    return cpu->env.gpr;
}

uint64_t *riscv_cpu_fpr(RISCVCPU *cpu)
{
    return cpu->env.fpr;
}

uint64_t riscv_cpu_get_pc(RISCVCPU *cpu)
{
    return cpu->env.pc;
}

void riscv_cpu_set_pc(RISCVCPU *cpu, uint64_t pc)
{
    cpu->env.pc = pc;
}

uint32_t riscv_cpu_get_fcsr(RISCVCPU *cpu)
{
    return cpu->env.frm << 5 | cpu->env.fflags;
}

void riscv_cpu_set_fcsr(RISCVCPU *cpu, uint32_t fcsr)
{
    cpu->env.fflags = fcsr & 0x1f;
    cpu->env.frm = (fcsr >> 5) & 7;
}

uint64_t riscv_cpu_trap_value(RISCVCPU *cpu)
{
    return cpu->env.badaddr;
}

uint64_t riscv_cpu_hwcap(RISCVCPU *cpu)
{
    uint64_t hwcap = 0;

    for (const char *l = "imafdc"; *l; l++) {
        if (cpu->env.misa & (1ull << (*l - 'a'))) {
            hwcap |= 1ull << (*l - 'a');
        }
    }
    return hwcap;
}
