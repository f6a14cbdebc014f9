/*
 * KVM vCPUs: creation, the KVM_RUN loop on each vCPU thread, exit dispatch
 * into the memory API, kicks, and the "kvm" AccelOps.
 */
#include "tern/osdep.h"
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#include "kvm-int.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/qdev.h"
#include "sysemu/accel.h"
#include "sysemu/kvm.h"
#include "sysemu/main-loop.h"
#include "sysemu/runstate.h"

static KVMVCPU *vcpu_of(CPUState *cpu)
{
    return cpu->accel;
}

int kvm_vcpu_ioctl(CPUState *cpu, unsigned long type, void *arg)
{
    int r;

    do {
        r = ioctl(vcpu_of(cpu)->fd, type, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

/* The vCPU's KVM id: its cpu_index, which is also the x86 APIC ID. */
static unsigned long kvm_vcpu_id(CPUState *cpu)
{
    return cpu->cpu_index;
}

void kvm_cpu_mark_dirty(CPUState *cpu)
{
    if (cpu->accel) {
        vcpu_of(cpu)->dirty = true;
    }
}

/* SIG_IPI only has to interrupt KVM_RUN; immediate_exit covers the race. */
static void sig_ipi_handler(int sig)
{
}

static bool kvm_accel_init_machine(MachineState *ms, GError **errp)
{
    struct sigaction sa = { .sa_handler = sig_ipi_handler };

    sigemptyset(&sa.sa_mask);
    sigaction(SIG_IPI, &sa, NULL);     /* no SA_RESTART: KVM_RUN returns EINTR */
    return kvm_init(errp);
}

static bool kvm_accel_vcpu_init(CPUState *cpu, GError **errp)
{
    KVMVCPU *v = g_new0(KVMVCPU, 1);
    int fd = kvm_vm_ioctl(KVM_CREATE_VCPU, (void *)kvm_vcpu_id(cpu));

    if (fd < 0) {
        error_setg(errp, "KVM_CREATE_VCPU failed: %s", g_strerror(-fd));
        g_free(v);
        return false;
    }
    v->fd = fd;
    v->run = mmap(NULL, kvm_state.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (v->run == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot map the vCPU's kvm_run");
        close(fd);
        g_free(v);
        return false;
    }
    cpu->accel = v;
    if (!kvm_arch_init_vcpu(cpu, errp)) {
        return false;
    }
    v->dirty = true;
    return true;
}

static void kvm_accel_vcpu_kick(CPUState *cpu)
{
    KVMVCPU *v = vcpu_of(cpu);

    if (!v) {
        return;
    }
    /* exit_request was set by the caller; make a KVM_RUN about to start return at once */
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&v->thread_known, __ATOMIC_ACQUIRE)) {
        pthread_kill(v->thread, SIG_IPI);
    }
}

static void kvm_accel_vcpu_reset(CPUState *cpu)
{
    kvm_cpu_mark_dirty(cpu);
}

/* ---- exits ---- */

static void handle_io(CPUState *cpu, struct kvm_run *run)
{
    AddressSpace *as = get_system_io_space();
    unsigned size = run->io.size;
    uint64_t bytes = (uint64_t)size * run->io.count;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;

    if (run->io.data_offset + bytes > (uint64_t)kvm_state.run_size ||
        (size != 1 && size != 2 && size != 4)) {
        error_report("KVM: malformed KVM_EXIT_IO (port 0x%x size %u count %u)",
                     run->io.port, size, run->io.count);
        return;
    }
    bql_lock();
    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint64_t val = 0;

        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&val, data, size);
            address_space_store(as, run->io.port, size, val);
        } else {
            /* unassigned ports read as all ones, like an ISA bus */
            if (address_space_load(as, run->io.port, size, &val) != MEMTX_OK) {
                val = ~0ULL;
            }
            memcpy(data, &val, size);
        }
    }
    bql_unlock();
}

static void handle_mmio(CPUState *cpu, struct kvm_run *run)
{
    unsigned len = run->mmio.len;
    hwaddr addr = run->mmio.phys_addr;
    bool natural = len == 1 || len == 2 || len == 4 || len == 8;

    if (len == 0 || len > sizeof(run->mmio.data)) {
        error_report("KVM: malformed KVM_EXIT_MMIO (0x%" HWADDR_PRIx " len %u)",
                     addr, len);
        return;
    }
    bql_lock();
    if (run->mmio.is_write) {
        uint64_t val = 0;

        memcpy(&val, run->mmio.data, len);
        if (natural) {
            address_space_store(cpu->as, addr, len, val);
        } else {
            address_space_write(cpu->as, addr, run->mmio.data, len);
        }
    } else if (natural) {
        uint64_t val = 0;

        address_space_load(cpu->as, addr, len, &val);
        memcpy(run->mmio.data, &val, len);
    } else {
        address_space_read(cpu->as, addr, run->mmio.data, len);
    }
    bql_unlock();
}

static const char *internal_suberror_name(uint32_t suberror)
{
    switch (suberror) {
    case KVM_INTERNAL_ERROR_EMULATION:
        return "instruction emulation failed";
    case KVM_INTERNAL_ERROR_SIMUL_EX:
        return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV:
        return "exit during event delivery";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
        return "unexpected exit reason";
    default:
        return "unknown";
    }
}

/* A fatal exit: report it with the registers, stop this vCPU, end Tern with status 1. */
static int vcpu_fatal(CPUState *cpu, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int vcpu_fatal(CPUState *cpu, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    bql_lock();
    error_report("KVM: vCPU %d: %s", cpu->cpu_index, msg);
    kvm_arch_dump_registers(cpu, stderr);
    vcpu_of(cpu)->dead = true;
    qemu_system_error_request();
    bql_unlock();
    g_free(msg);
    return EXCP_HLT;
}

static int handle_internal_error(CPUState *cpu, struct kvm_run *run)
{
    GString *data = g_string_new(NULL);
    int r;

    for (uint32_t i = 0; i < run->internal.ndata && i < ARRAY_SIZE(run->internal.data); i++) {
        g_string_append_printf(data, " %#" PRIx64, (uint64_t)run->internal.data[i]);
    }
    r = vcpu_fatal(cpu, "KVM internal error %u (%s); data:%s",
                   run->internal.suberror,
                   internal_suberror_name(run->internal.suberror),
                   data->len ? data->str : " none");
    g_string_free(data, true);
    return r;
}

static int handle_system_event(CPUState *cpu, struct kvm_run *run)
{
    bql_lock();
    switch (run->system_event.type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        qemu_system_shutdown_request(0);
        break;
    case KVM_SYSTEM_EVENT_RESET:
        qemu_system_reset_request();
        break;
    case KVM_SYSTEM_EVENT_CRASH:
        bql_unlock();
        return vcpu_fatal(cpu, "the guest crashed (KVM_SYSTEM_EVENT_CRASH)");
    default:
        tern_log_mask(LOG_UNIMP, "KVM: vCPU %d: system event %u ignored\n",
                      cpu->cpu_index, run->system_event.type);
        break;
    }
    bql_unlock();
    return EXCP_INTERRUPT;
}

static int kvm_accel_vcpu_exec(CPUState *cpu)
{
    KVMVCPU *v = vcpu_of(cpu);
    struct kvm_run *run = v->run;

    if (!v->thread_known) {
        v->thread = pthread_self();
        __atomic_store_n(&v->thread_known, true, __ATOMIC_RELEASE);
    }
    if (v->dead) {
        return EXCP_HLT;    /* sleeps in the vCPU loop: has_work() stays false */
    }
    if (v->dirty) {
        GError *err = NULL;

        bql_lock();     /* the CPU struct is written under the big lock (reset) */
        if (!kvm_arch_put_registers(cpu, &err)) {
            bql_unlock();
            int r = vcpu_fatal(cpu, "%s", err->message);
            g_error_free(err);
            return r;
        }
        v->dirty = false;
        bql_unlock();
    }

    for (;;) {
        int r;

        /* Clear before testing exit_request: a kick after the test re-sets it. */
        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&cpu->exit_request, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
            return EXCP_INTERRUPT;
        }
        r = ioctl(v->fd, KVM_RUN, 0);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
                return EXCP_INTERRUPT;
            }
            return vcpu_fatal(cpu, "KVM_RUN failed: %s", g_strerror(errno));
        }

        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            handle_io(cpu, run);
            break;
        case KVM_EXIT_MMIO:
            handle_mmio(cpu, run);
            break;
        case KVM_EXIT_HLT:
            /* only without an in-kernel LAPIC; the vCPU loop waits for work */
            return EXCP_HLT;
        case KVM_EXIT_SHUTDOWN:
            /* x86: triple fault, which resets a PC (Intel SDM vol. 3, 6.15 #DF) */
            tern_log_mask(LOG_GUEST_ERROR, "KVM: vCPU %d: triple fault, resetting\n",
                          cpu->cpu_index);
            bql_lock();
            qemu_system_reset_request();
            bql_unlock();
            return EXCP_INTERRUPT;
        case KVM_EXIT_SYSTEM_EVENT:
            return handle_system_event(cpu, run);
        case KVM_EXIT_INTR:
            return EXCP_INTERRUPT;
        case KVM_EXIT_DEBUG:
            return EXCP_DEBUG;      /* gdb breakpoint or single step (kvm-debug.c) */
        case KVM_EXIT_INTERNAL_ERROR:
            return handle_internal_error(cpu, run);
        case KVM_EXIT_FAIL_ENTRY:
            return vcpu_fatal(cpu, "VM entry failed, hardware reason %#llx",
                              (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        default:
            return vcpu_fatal(cpu, "unexpected KVM exit reason %u", run->exit_reason);
        }
    }
}

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .init_machine = kvm_accel_init_machine,
    .vcpu_init = kvm_accel_vcpu_init,
    .vcpu_exec = kvm_accel_vcpu_exec,
    .vcpu_kick = kvm_accel_vcpu_kick,
    .vcpu_reset = kvm_accel_vcpu_reset,
    .set_singlestep = kvm_debug_set_singlestep,
    .breakpoints_changed = kvm_debug_breakpoints_changed,
    .thread_per_vcpu = true,
};

static void kvm_accel_register(void)
{
    accel_register(&kvm_accel_ops);
}
type_init(kvm_accel_register)
