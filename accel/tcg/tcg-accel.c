/* The "tcg" accelerator (-accel tcg): vCPUs run translated code. */
#include "tern/osdep.h"
#include "internal.h"
#include "sysemu/accel.h"
#include "hw/qdev.h"

static bool tcg_accel_init_machine(MachineState *ms, GError **errp)
{
    return true;
}

static bool tcg_accel_vcpu_init(CPUState *cpu, GError **errp)
{
    if (!cpu->cc->tcg_ops) {
        error_setg(errp, "-accel tcg: CPU type %s has no translator", cpu->cc->arch_name);
        return false;
    }
    tcg_exec_init(cpu->cc->tcg_ops, 0, false, 0);
    tcg_cpu_init(cpu);
    return true;
}

/*
 * Translations end before breakpoints and TLB entries mark watched pages:
 * retranslate everything and refill every TLB.
 */
static bool tcg_breakpoints_changed(void)
{
    tb_flush(NULL);
    tlb_flush_all_cpus(NULL);
    return true;
}

static const AccelOps tcg_accel_ops = {
    .name = "tcg",
    .init_machine = tcg_accel_init_machine,
    .vcpu_init = tcg_accel_vcpu_init,
    .vcpu_exec = cpu_exec,
    .vcpu_kick = tcg_cpu_kick,
    .set_singlestep = tcg_cpu_set_singlestep,
    .breakpoints_changed = tcg_breakpoints_changed,
    .thread_per_vcpu = true,
};

static void tcg_accel_register(void)
{
    accel_register(&tcg_accel_ops);
}

type_init(tcg_accel_register)
