/*
 * x86-64 vCPU objects: creation from -cpu, architectural reset state, and
 * the register state of the Linux 64-bit boot protocol.
 */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "sysemu/cpus.h"
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"
#include "target/i386/cpu.h"
#include "x86-gdbstub.h"

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

/* Segment descriptor fields (Intel SDM vol. 3A, 3.4.5). */
#define DESC_TYPE_CODE_XRA 0xb    /* execute/read, accessed */
#define DESC_TYPE_DATA_RWA 0x3    /* read/write, accessed */

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code64)
{
    return (struct kvm_segment) {
        .base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
        .present = 1, .dpl = 0, .db = !code64, .s = 1, .l = code64, .g = 1,
    };
}

/* Encode a flat descriptor the way flat_segment() describes it. */
static uint64_t gdt_entry(const struct kvm_segment *s)
{
    uint64_t access = s->type | (s->s << 4) | (s->dpl << 5) | ((uint64_t)s->present << 7);
    uint64_t flags = (s->l << 1) | (s->db << 2) | (s->g << 3);
    uint32_t limit = s->g ? s->limit >> 12 : s->limit;

    return (limit & 0xffff) | ((s->base & 0xffffffull) << 16) | (access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | (flags << 52) |
           ((uint64_t)((s->base >> 24) & 0xff) << 56);
}

void x86_boot_gdt(uint64_t gdt[X86_BOOT_GDT_ENTRIES])
{
    struct kvm_segment cs = flat_segment(X86_BOOT_CS, DESC_TYPE_CODE_XRA, true);
    struct kvm_segment ds = flat_segment(X86_BOOT_DS, DESC_TYPE_DATA_RWA, false);

    gdt[0] = gdt[1] = 0;
    gdt[X86_BOOT_CS >> 3] = gdt_entry(&cs);
    gdt[X86_BOOT_DS >> 3] = gdt_entry(&ds);
}

/* Power-on state: Intel SDM vol. 3A, 9.1.1, Table 9-1. */
static void x86_cpu_power_on_state(X86CPU *cpu)
{
    struct kvm_sregs *s = &cpu->sregs;
    struct kvm_segment data = {
        .limit = 0xffff, .type = DESC_TYPE_DATA_RWA, .present = 1, .s = 1,
    };
    struct kvm_cpuid_entry2 *e = cpu->cpuid ? x86_cpuid_find(cpu->cpuid, 1, 0) : NULL;

    memset(&cpu->regs, 0, sizeof(cpu->regs));
    memset(s, 0, sizeof(*s));
    cpu->regs.rip = 0xfff0;
    cpu->regs.rflags = 0x2;
    cpu->regs.rdx = e ? e->eax : 0x600;    /* processor signature */
    s->cs = data;
    s->cs.selector = 0xf000;
    s->cs.base = 0xffff0000;
    s->cs.type = DESC_TYPE_CODE_XRA;
    s->ds = s->es = s->fs = s->gs = s->ss = data;
    s->ldt = (struct kvm_segment) { .limit = 0xffff, .type = 2, .present = 1 };
    s->tr = (struct kvm_segment) { .limit = 0xffff, .type = 0xb, .present = 1 };
    s->gdt.limit = 0xffff;
    s->idt.limit = 0xffff;
    s->cr0 = CR0_ET | CR0_NW | CR0_CD;
    s->apic_base = 0xfee00000 | (1u << 11) |               /* xAPIC enabled */
                   (cpu->parent_obj.cpu_index == 0 ? 1u << 8 : 0);   /* BSP */
    /* The BSP runs; APs wait for INIT-SIPI-SIPI (SDM vol. 3A, 8.4 MP initialization). */
    cpu->mp_state = cpu->parent_obj.cpu_index == 0 ? KVM_MP_STATE_RUNNABLE
                                                   : KVM_MP_STATE_UNINITIALIZED;
}

/*
 * Documentation/x86/boot.rst, "64-bit Boot Protocol": long mode with paging,
 * identity-mapped page tables, a GDT with __BOOT_CS (0x10, 64-bit code) and
 * __BOOT_DS (0x18), CS = __BOOT_CS, DS/ES/SS = __BOOT_DS, interrupts off,
 * %rsi = struct boot_params.
 */
static void x86_cpu_boot_state(X86CPU *cpu)
{
    struct kvm_sregs *s = &cpu->sregs;
    const X86BootEntry *b = &cpu->boot;

    cpu->regs.rip = b->rip;
    cpu->regs.rsi = b->rsi;
    cpu->regs.rflags = 0x2;      /* IF clear */
    s->cs = flat_segment(X86_BOOT_CS, DESC_TYPE_CODE_XRA, true);
    s->ds = s->es = s->fs = s->gs = s->ss =
        flat_segment(X86_BOOT_DS, DESC_TYPE_DATA_RWA, false);
    s->gdt.base = b->gdt_base;
    s->gdt.limit = X86_BOOT_GDT_ENTRIES * 8 - 1;
    s->idt.base = 0;
    s->idt.limit = 0;
    s->tr = (struct kvm_segment) { .limit = 0x67, .type = 0xb, .present = 1 };
    s->cr3 = b->cr3;
    s->cr4 = CR4_PAE;
    s->cr0 = CR0_PE | CR0_ET | CR0_PG;
    s->efer = EFER_LME | EFER_LMA;
}

static void x86_cpu_reset(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);

    x86_cpu_power_on_state(cpu);
    if (cs->cpu_index == 0 && cpu->has_boot_entry) {
        x86_cpu_boot_state(cpu);
    }
    kvm_cpu_mark_dirty(cs);
}

void x86_cpu_set_boot_entry(X86CPU *cpu, const X86BootEntry *e)
{
    cpu->boot = *e;
    cpu->has_boot_entry = true;
    x86_cpu_reset(&cpu->parent_obj);
}

/* With the in-kernel LAPIC, halting happens inside KVM; this is only asked
 * of a vCPU that stopped for good after a fatal exit. */
static bool x86_cpu_has_work(CPUState *cs)
{
    return false;
}

/*
 * KVM gives out a vCPU's registers only between two KVM_RUNs: from another
 * thread (the monitor), stop the running vCPUs for the moment it takes.
 */
static void x86_cpu_dump_state(CPUState *cs, FILE *f)
{
    bool pause = !current_cpu_get() && runstate_is_running();

    if (pause) {
        pause_all_vcpus();
    }
    kvm_arch_dump_registers(cs, f);
    if (pause) {
        resume_all_vcpus();
    }
}

static void x86_cpu_set_pc(CPUState *cs, uint64_t pc)
{
    X86_CPU(cs)->regs.rip = pc;
    kvm_cpu_mark_dirty(cs);
}

static uint64_t x86_cpu_get_pc(CPUState *cs)
{
    return X86_CPU(cs)->regs.rip;
}

static const CPUClass x86_cpu_class = {
    .arch_name = "x86_64",
    .reset = x86_cpu_reset,
    .has_work = x86_cpu_has_work,
    .dump_state = x86_cpu_dump_state,
    .set_pc = x86_cpu_set_pc,
    .get_pc = x86_cpu_get_pc,
    .gdb_read_register = x86_gdb_read_register,
    .gdb_write_register = x86_gdb_write_register,
    .gdb_num_core_regs = X86_GDB_CORE_REGS,
    .get_phys_addr_debug = x86_get_phys_addr_debug,
};

/* Split "NAME,features" and look NAME up. */
static const X86CPUModel *parse_cpu_model(const char *cpu_model, const char **features,
                                          GError **errp)
{
    const char *str = cpu_model ? cpu_model : X86_CPU_DEFAULT_MODEL;
    const char *comma = strchr(str, ',');
    g_autofree char *name = comma ? g_strndup(str, comma - str) : g_strdup(str);
    const X86CPUModel *m = x86_cpu_model_find(name);

    if (!m) {
        error_setg(errp, "-cpu %s: unknown CPU model (-cpu help lists them)", name);
        return NULL;
    }
    *features = comma ? comma + 1 : "";
    return m;
}

bool x86_cpu_model_check(const char *cpu_model, GError **errp)
{
    const char *features;
    const X86CPUModel *m = parse_cpu_model(cpu_model, &features, errp);
    struct kvm_cpuid2 none = { .nent = 0 };
    struct kvm_cpuid2 *c;

    /* building from an empty leaf list checks the feature names */
    c = m ? x86_cpuid_build(m, features, &none, 0, 1, errp) : NULL;
    g_free(c);
    return c != NULL;
}

X86CPU *x86_cpu_create(const char *cpu_model, unsigned index, unsigned nr_cpus,
                       GError **errp)
{
    const char *features;
    const X86CPUModel *m = parse_cpu_model(cpu_model, &features, errp);
    X86CPU *cpu;

    if (!m) {
        return NULL;
    }
    cpu = g_new0(X86CPU, 1);
    cpu->model = m;
    cpu->features = g_strdup(features);
    cpu->apic_id = index;
    cpu->nr_cpus = nr_cpus;
    cpu_common_init(&cpu->parent_obj, &x86_cpu_class, cpu, get_system_address_space());
    g_assert(cpu->parent_obj.cpu_index == (int)index);
    x86_cpu_power_on_state(cpu);
    return cpu;
}

type_init(x86_cpu_models_register)
