/*
 * x86 side of the KVM accelerator: VM setup (TSS, in-kernel PIC/IOAPIC and
 * PIT, GSI routes), per-vCPU CPUID and MSRs, moving register state in and
 * out of KVM, and the register dump of fatal exits.
 */
#include "tern/osdep.h"
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"
#include "target/i386/cpu.h"

/* In the MMIO hole below 4 GiB, away from the LAPIC/IOAPIC and the boards' devices. */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000
#define KVM_TSS_ADDR          0xfeffd000
#define IOAPIC_PINS 24

#define MSR_IA32_TSC            0x10
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_CR_PAT         0x277
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_FMASK               0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_IA32_TSC_ADJUST     0x3b
#define MSR_IA32_TSC_DEADLINE   0x6e0
/* KVM paravirtual MSRs (Documentation/virt/kvm/x86/msr.rst): 0 disables each
 * feature, so KVM stops writing into the memory of a guest that was reset */
#define MSR_KVM_WALL_CLOCK_NEW  0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_ASYNC_PF_EN     0x4b564d02
#define MSR_KVM_STEAL_TIME      0x4b564d03
#define MSR_KVM_PV_EOI_EN       0x4b564d04
#define MSR_KVM_WALL_CLOCK      0x11
#define MSR_KVM_SYSTEM_TIME     0x12

/* MSR values at reset (Intel SDM vol. 3A, 9.1.1 Table 9-1 and vol. 4 MSR tables). */
static const struct {
    uint32_t index;
    uint64_t value;
} reset_msrs[] = {
    { MSR_IA32_TSC, 0 },
    { MSR_IA32_SYSENTER_CS, 0 }, { MSR_IA32_SYSENTER_ESP, 0 }, { MSR_IA32_SYSENTER_EIP, 0 },
    { MSR_IA32_MISC_ENABLE, 1 },                       /* fast-string enable */
    { MSR_IA32_CR_PAT, 0x0007040600070406ull },
    { MSR_STAR, 0 }, { MSR_LSTAR, 0 }, { MSR_CSTAR, 0 }, { MSR_FMASK, 0 },
    { MSR_KERNEL_GS_BASE, 0 },
    { MSR_IA32_TSC_ADJUST, 0 }, { MSR_IA32_TSC_DEADLINE, 0 },
    { MSR_KVM_WALL_CLOCK_NEW, 0 }, { MSR_KVM_SYSTEM_TIME_NEW, 0 },
    { MSR_KVM_WALL_CLOCK, 0 }, { MSR_KVM_SYSTEM_TIME, 0 },
    { MSR_KVM_ASYNC_PF_EN, 0 }, { MSR_KVM_STEAL_TIME, 0 }, { MSR_KVM_PV_EOI_EN, 0 },
};

static struct kvm_cpuid2 *supported_cpuid;
static struct kvm_msrs *reset_msr_list;   /* reset_msrs that KVM knows */
static bool has_xcrs;

/* KVM_GET_SUPPORTED_CPUID, growing the buffer until it fits (E2BIG). */
static struct kvm_cpuid2 *get_supported_cpuid(GError **errp)
{
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + n * sizeof(c->entries[0]));
        int r;

        c->nent = n;
        r = kvm_ioctl(KVM_GET_SUPPORTED_CPUID, c);
        if (r == 0) {
            return c;
        }
        g_free(c);
        if (r != -E2BIG) {
            error_setg(errp, "KVM_GET_SUPPORTED_CPUID: %s", g_strerror(-r));
            return NULL;
        }
    }
    error_setg(errp, "KVM_GET_SUPPORTED_CPUID: too many entries");
    return NULL;
}

static bool build_reset_msr_list(GError **errp)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    g_autofree struct kvm_msr_list *list = NULL;
    int r = kvm_ioctl(KVM_GET_MSR_INDEX_LIST, &probe);

    if (r < 0 && r != -E2BIG) {
        error_setg(errp, "KVM_GET_MSR_INDEX_LIST: %s", g_strerror(-r));
        return false;
    }
    list = g_malloc0(sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
    list->nmsrs = probe.nmsrs;
    r = kvm_ioctl(KVM_GET_MSR_INDEX_LIST, list);
    if (r < 0) {
        error_setg(errp, "KVM_GET_MSR_INDEX_LIST: %s", g_strerror(-r));
        return false;
    }
    reset_msr_list = g_malloc0(sizeof(*reset_msr_list) +
                               ARRAY_SIZE(reset_msrs) * sizeof(reset_msr_list->entries[0]));
    for (unsigned i = 0; i < ARRAY_SIZE(reset_msrs); i++) {
        for (uint32_t j = 0; j < list->nmsrs; j++) {
            if (list->indices[j] == reset_msrs[i].index) {
                struct kvm_msr_entry *e = &reset_msr_list->entries[reset_msr_list->nmsrs++];

                e->index = reset_msrs[i].index;
                e->data = reset_msrs[i].value;
                break;
            }
        }
    }
    return true;
}

/*
 * GSI routes as on a PC: GSI 0-15 reach both the PIC pins and the IOAPIC
 * pins of the same number, except that ISA IRQ 0 (the PIT) is wired to IOAPIC
 * pin 2; the MADT says so with an Interrupt Source Override (ACPI 6.5, 5.2.12.5).
 */
static bool set_gsi_routing(GError **errp)
{
    g_autofree struct kvm_irq_routing *r =
        g_malloc0(sizeof(*r) + 40 * sizeof(r->entries[0]));
    int ret;

    for (unsigned gsi = 0; gsi < 16; gsi++) {
        if (gsi == 2) {
            continue;    /* the cascade */
        }
        r->entries[r->nr++] = (struct kvm_irq_routing_entry) {
            .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                           .pin = gsi % 8 },
        };
    }
    for (unsigned gsi = 0; gsi < IOAPIC_PINS; gsi++) {
        if (gsi == 2) {
            continue;
        }
        r->entries[r->nr++] = (struct kvm_irq_routing_entry) {
            .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi },
        };
    }
    ret = kvm_vm_ioctl(KVM_SET_GSI_ROUTING, r);
    if (ret < 0) {
        error_setg(errp, "KVM_SET_GSI_ROUTING: %s", g_strerror(-ret));
        return false;
    }
    return true;
}

/*
 * Machine reset: every IOAPIC redirection entry masked (82093AA datasheet,
 * 3.2.4: the mask bit is set at reset), and the 8259 pair as PC firmware
 * leaves it (Tern stands in for the firmware): initialised with the
 * conventional vector bases 0x08 / 0x70, 4-byte ICW, everything masked but
 * the cascade. A booted or rebooted guest thus gets no stale interrupts, and
 * none through the BSP's LINT0 (ExtINT) before it programs the PIC itself.
 */
static void kvm_irqchip_reset(void *opaque)
{
    for (uint32_t id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_IOAPIC; id++) {
        struct kvm_irqchip chip = { .chip_id = id };
        int r = kvm_vm_ioctl(KVM_GET_IRQCHIP, &chip);

        if (r < 0) {
            error_report("KVM_GET_IRQCHIP %u: %s", id, g_strerror(-r));
            continue;
        }
        if (id == KVM_IRQCHIP_IOAPIC) {
            struct kvm_ioapic_state *io = &chip.chip.ioapic;

            io->id = 0;
            io->ioregsel = 0;
            io->irr = 0;
            for (unsigned i = 0; i < IOAPIC_PINS; i++) {
                io->redirtbl[i].bits = 1ull << 16;
            }
        } else {
            struct kvm_pic_state *pic = &chip.chip.pic;
            uint8_t elcr_mask = pic->elcr_mask;
            bool master = id == KVM_IRQCHIP_PIC_MASTER;

            memset(pic, 0, sizeof(*pic));
            pic->elcr_mask = elcr_mask;
            pic->irq_base = master ? 0x08 : 0x70;
            pic->imr = master ? 0xfb : 0xff;
            pic->init4 = 1;
        }
        r = kvm_vm_ioctl(KVM_SET_IRQCHIP, &chip);
        if (r < 0) {
            error_report("KVM_SET_IRQCHIP %u: %s", id, g_strerror(-r));
        }
    }
}

bool kvm_arch_init_vm(GError **errp)
{
    uint64_t identity = KVM_IDENTITY_MAP_ADDR;
    int r;

    if ((r = kvm_vm_ioctl(KVM_SET_IDENTITY_MAP_ADDR, &identity)) < 0) {
        error_setg(errp, "KVM_SET_IDENTITY_MAP_ADDR: %s", g_strerror(-r));
        return false;
    }
    if ((r = kvm_vm_ioctl(KVM_SET_TSS_ADDR, (void *)(uintptr_t)KVM_TSS_ADDR)) < 0) {
        error_setg(errp, "KVM_SET_TSS_ADDR: %s", g_strerror(-r));
        return false;
    }
    if ((r = kvm_vm_ioctl(KVM_CREATE_IRQCHIP, NULL)) < 0) {
        error_setg(errp, "KVM_CREATE_IRQCHIP: %s", g_strerror(-r));
        return false;
    }
    if (!set_gsi_routing(errp)) {
        return false;
    }
    kvm_irqchip_set_ready(IOAPIC_PINS);
    qemu_register_reset(kvm_irqchip_reset, NULL);
    has_xcrs = kvm_check_extension(KVM_CAP_XCRS) > 0;
    supported_cpuid = get_supported_cpuid(errp);
    return supported_cpuid && build_reset_msr_list(errp);
}

/* The PIT as KVM created it, restored at every machine reset. */
static struct kvm_pit_state2 pit_power_on_state;

static void kvm_pit_reset(void *opaque)
{
    int r = kvm_vm_ioctl(KVM_SET_PIT2, &pit_power_on_state);

    if (r < 0) {
        error_report("KVM_SET_PIT2: %s", g_strerror(-r));
    }
}

bool kvm_pit_create(GError **errp)
{
    /* KVM also emulates port 0x61 (PIT channel 2 gate/output), which Linux
     * reads while calibrating the TSC against the PIT */
    struct kvm_pit_config config = { .flags = KVM_PIT_SPEAKER_DUMMY };
    int r;

    if (!kvm_check_extension(KVM_CAP_PIT2)) {
        error_setg(errp, "the host's KVM has no in-kernel PIT (KVM_CAP_PIT2)");
        return false;
    }
    r = kvm_vm_ioctl(KVM_CREATE_PIT2, &config);
    if (r < 0) {
        error_setg(errp, "KVM_CREATE_PIT2: %s", g_strerror(-r));
        return false;
    }
    r = kvm_vm_ioctl(KVM_GET_PIT2, &pit_power_on_state);
    if (r < 0) {
        error_setg(errp, "KVM_GET_PIT2: %s", g_strerror(-r));
        return false;
    }
    qemu_register_reset(kvm_pit_reset, NULL);
    return true;
}

bool kvm_arch_init_vcpu(CPUState *cs, GError **errp)
{
    X86CPU *cpu = X86_CPU(cs);
    int r;

    cpu->cpuid = x86_cpuid_build(cpu->model, cpu->features, supported_cpuid,
                                 cpu->apic_id, cpu->nr_cpus, errp);
    if (!cpu->cpuid) {
        return false;
    }
    r = kvm_vcpu_ioctl(cs, KVM_SET_CPUID2, cpu->cpuid);
    if (r < 0) {
        error_setg(errp, "KVM_SET_CPUID2: %s", g_strerror(-r));
        return false;
    }
    cpu_reset(cs);      /* now with the CPUID signature in RDX */
    return true;
}

/*
 * Local APIC reset state (Intel SDM vol. 3A, 10.4.7.1), plus what PC
 * firmware leaves on the BSP, which Tern stands in for: LINT0 as ExtINT
 * (virtual wire to the 8259) and LINT1 as NMI, as the MADT declares.
 */
static void lapic_reset_state(struct kvm_lapic_state *l, uint32_t apic_id, bool bsp)
{
    memset(l, 0, sizeof(*l));
#define LAPIC_REG(off) (*(uint32_t *)&l->regs[(off)])
    LAPIC_REG(0x20) = apic_id << 24;             /* ID */
    LAPIC_REG(0xe0) = 0xffffffff;                /* DFR: flat model */
    LAPIC_REG(0xf0) = 0xff;                      /* SVR: software disabled */
    for (unsigned off = 0x320; off <= 0x370; off += 0x10) {
        LAPIC_REG(off) = 1u << 16;               /* LVT entries masked */
    }
    LAPIC_REG(0x2f0) = 1u << 16;                 /* LVT CMCI */
    if (bsp) {
        LAPIC_REG(0x350) = 0x700;                /* LVT LINT0: ExtINT */
        LAPIC_REG(0x360) = 0x400;                /* LVT LINT1: NMI */
    }
#undef LAPIC_REG
}

static bool put(CPUState *cs, unsigned long type, void *arg, const char *name,
                GError **errp)
{
    int r = kvm_vcpu_ioctl(cs, type, arg);

    if (r < 0) {
        error_setg(errp, "%s: %s", name, g_strerror(-r));
        return false;
    }
    return true;
}

static bool put_reset_msrs(CPUState *cs, GError **errp)
{
    int r = kvm_vcpu_ioctl(cs, KVM_SET_MSRS, reset_msr_list);

    /* KVM_SET_MSRS stops at the first MSR it refuses and returns how many it set */
    if (r < 0) {
        error_setg(errp, "KVM_SET_MSRS: %s", g_strerror(-r));
        return false;
    }
    if ((uint32_t)r < reset_msr_list->nmsrs) {
        error_setg(errp, "KVM_SET_MSRS: KVM refused MSR %#x",
                   reset_msr_list->entries[r].index);
        return false;
    }
    return true;
}

bool kvm_arch_put_registers(CPUState *cs, GError **errp)
{
    X86CPU *cpu = X86_CPU(cs);
    struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
    struct kvm_mp_state mp = { .mp_state = cpu->mp_state };
    struct kvm_lapic_state lapic;
    /* XCR0 at reset: x87 only (SDM vol. 1, 13.3) */
    struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = 1 } } };

    lapic_reset_state(&lapic, cpu->apic_id, cs->cpu_index == 0);
    /* sregs first: it sets the APIC base that KVM_SET_LAPIC checks against */
    return put(cs, KVM_SET_SREGS, &cpu->sregs, "KVM_SET_SREGS", errp) &&
           put(cs, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC", errp) &&
           put(cs, KVM_SET_REGS, &cpu->regs, "KVM_SET_REGS", errp) &&
           put(cs, KVM_SET_FPU, &fpu, "KVM_SET_FPU", errp) &&
           put_reset_msrs(cs, errp) &&
           (!has_xcrs || put(cs, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS", errp)) &&
           put(cs, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE", errp);
}

static void dump_segment(FILE *f, const char *name, const struct kvm_segment *s)
{
    fprintf(f, "%-3s =%04x %016llx %08x type=%x dpl=%u p=%u s=%u l=%u db=%u g=%u\n",
            name, s->selector, (unsigned long long)s->base, s->limit, s->type,
            s->dpl, s->present, s->s, s->l, s->db, s->g);
}

void kvm_arch_dump_registers(CPUState *cs, FILE *f)
{
    struct kvm_regs r;
    struct kvm_sregs s;

    if (kvm_vcpu_ioctl(cs, KVM_GET_REGS, &r) < 0 ||
        kvm_vcpu_ioctl(cs, KVM_GET_SREGS, &s) < 0) {
        fprintf(f, "vCPU %d: registers unavailable\n", cs->cpu_index);
        return;
    }
    fprintf(f, "vCPU %d registers:\n"
            "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
            "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
            "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
            "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
            "RIP=%016llx RFL=%08llx\n",
            cs->cpu_index, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
            r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags);
    dump_segment(f, "CS", &s.cs);
    dump_segment(f, "SS", &s.ss);
    dump_segment(f, "DS", &s.ds);
    dump_segment(f, "ES", &s.es);
    dump_segment(f, "FS", &s.fs);
    dump_segment(f, "GS", &s.gs);
    dump_segment(f, "TR", &s.tr);
    fprintf(f, "GDT=%016llx %04x IDT=%016llx %04x\n"
            "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx EFER=%08llx APIC_BASE=%08llx\n",
            s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit,
            s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.apic_base);
}
