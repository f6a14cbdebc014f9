/*
 * gdb support under KVM: breakpoints in the x86 debug registers DR0-DR3
 * (Intel SDM vol. 3, 18.2), so nothing is written into guest memory and
 * addresses need not be mapped yet, and single step by
 * KVM_GUESTDBG_SINGLESTEP. Both exit with KVM_EXIT_DEBUG, which the vCPU
 * loop turns into EXCP_DEBUG. Watchpoints are refused (gdb then offers
 * software ones): data breakpoints in DR0-DR3 never fired in testing on a
 * nested-KVM host, so they are not offered untested.
 */
#include "tern/osdep.h"
#include <linux/kvm.h>
#include "sysemu/kvm.h"
#include "kvm-int.h"
#include "sysemu/gdbstub.h"

#define NR_DEBUG_REGS 4
#define DR7_GLOBAL_ENABLE(n) (2ull << (2 * (n)))     /* G0..G3; R/W and LEN 0: execute */

static GHashTable *stepping;        /* CPUState * set: single-stepping vCPUs */
static uint64_t hw_bp[NR_DEBUG_REGS];
static unsigned nr_hw_bp;

bool kvm_cpu_sync_for_debug(CPUState *cpu)
{
    KVMVCPU *v = cpu->accel;
    GError *err = NULL;

    if (!v || !v->dirty) {
        return true;
    }
    if (!kvm_arch_put_registers(cpu, &err)) {
        warn_report("gdb: vCPU %d: %s", cpu->cpu_index, err->message);
        g_error_free(err);
        return false;
    }
    v->dirty = false;
    return true;
}

static bool kvm_apply_guest_debug(CPUState *cpu)
{
    struct kvm_guest_debug dbg = { 0 };
    bool step = stepping && g_hash_table_contains(stepping, cpu);

    if (nr_hw_bp || step) {
        dbg.control = KVM_GUESTDBG_ENABLE;
    }
    if (step) {
        dbg.control |= KVM_GUESTDBG_SINGLESTEP;
    }
    if (nr_hw_bp) {
        dbg.control |= KVM_GUESTDBG_USE_HW_BP;
        for (unsigned i = 0; i < nr_hw_bp; i++) {
            dbg.arch.debugreg[i] = hw_bp[i];
            dbg.arch.debugreg[7] |= DR7_GLOBAL_ENABLE(i);
        }
    }
    if (kvm_vcpu_ioctl(cpu, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
        warn_report("gdb: KVM_SET_GUEST_DEBUG on vCPU %d failed: %s", cpu->cpu_index,
                    g_strerror(errno));
        return false;
    }
    return true;
}

void kvm_debug_set_singlestep(CPUState *cpu, bool enable)
{
    if (!stepping) {
        stepping = g_hash_table_new(NULL, NULL);
    }
    if (enable) {
        g_hash_table_add(stepping, cpu);
    } else {
        g_hash_table_remove(stepping, cpu);
    }
    kvm_apply_guest_debug(cpu);
}

bool kvm_debug_breakpoints_changed(void)
{
    CPUState *cpu;
    bool ok = true;

    if (cpu_watchpoints_nb || cpu_breakpoints_nb > NR_DEBUG_REGS) {
        return false;
    }
    nr_hw_bp = cpu_breakpoints_nb;
    for (unsigned i = 0; i < nr_hw_bp; i++) {
        hw_bp[i] = cpu_breakpoint_nth(i);
    }
    CPU_FOREACH(cpu) {
        ok &= kvm_apply_guest_debug(cpu);
    }
    return ok;
}
