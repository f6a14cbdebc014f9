/*
 * x86-64 vCPU (KVM only): the architectural state Tern keeps for a CPU is
 * KVM's own register structs; target/i386/kvm.c moves it in and out of KVM.
 * CPUID comes from KVM_GET_SUPPORTED_CPUID filtered to a named model
 * (target/i386/cpuid.c).
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include "tern/osdep.h"
#include <linux/kvm.h>
#include "hw/core/cpu.h"

/* Selectors of the boot GDT (Documentation/x86/boot.rst, "32-bit/64-bit Boot Protocol"). */
#define X86_BOOT_CS 0x10
#define X86_BOOT_DS 0x18
#define X86_BOOT_GDT_ENTRIES 4

/* Register state that enters a 64-bit kernel (boot.rst, "64-bit Boot Protocol"). */
typedef struct X86BootEntry {
    uint64_t rip;
    uint64_t rsi;             /* struct boot_params */
    uint64_t cr3;             /* identity-mapped page tables */
    uint64_t gdt_base;        /* GDT made by x86_boot_gdt() */
} X86BootEntry;

typedef struct X86CPUModel X86CPUModel;

typedef struct X86CPU {
    CPUState parent_obj;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    uint32_t mp_state;        /* KVM_MP_STATE_* */
    uint32_t apic_id;
    unsigned nr_cpus;         /* CPUs in the machine (CPUID topology) */
    const X86CPUModel *model;
    char *features;           /* "+feat,-feat" from -cpu MODEL,+feat,-feat */
    struct kvm_cpuid2 *cpuid; /* what KVM_SET_CPUID2 got */
    bool has_boot_entry;      /* BSP enters a kernel directly at reset */
    X86BootEntry boot;
} X86CPU;

#define X86_CPU(cs) container_of((cs), X86CPU, parent_obj)

#define X86_CPU_DEFAULT_MODEL "qemu64"

/*
 * Create CPU index (also its APIC ID) of nr_cpus for -cpu `cpu_model`
 * ("NAME[,+feat|-feat|feat=on|off...]", NULL: the default model) and add it
 * to cpu_list. Error names -cpu and the bad model or feature.
 */
X86CPU *x86_cpu_create(const char *cpu_model, unsigned index, unsigned nr_cpus,
                       GError **errp);
/* Check a -cpu string without creating anything (boards call it early). */
bool x86_cpu_model_check(const char *cpu_model, GError **errp);

/* The BSP enters the kernel with `e` at every reset (instead of 0xfffffff0). */
void x86_cpu_set_boot_entry(X86CPU *cpu, const X86BootEntry *e);
/* The four descriptors of the boot GDT: null, null, __BOOT_CS (64-bit code), __BOOT_DS. */
void x86_boot_gdt(uint64_t gdt[X86_BOOT_GDT_ENTRIES]);

/* ---- CPUID (cpuid.c) ---- */

/* Named models; NULL if unknown. */
const X86CPUModel *x86_cpu_model_find(const char *name);
/*
 * CPUID for one vCPU: `supported` (KVM_GET_SUPPORTED_CPUID) filtered to the
 * model and the +/- features, with the APIC ID and topology of this vCPU.
 */
struct kvm_cpuid2 *x86_cpuid_build(const X86CPUModel *model, const char *features,
                                   const struct kvm_cpuid2 *supported,
                                   uint32_t apic_id, unsigned nr_cpus, GError **errp);
/* The entry for (function, index), or NULL. */
struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid2 *c, uint32_t function,
                                        uint32_t index);
/* Registers the models for -cpu help. */
void x86_cpu_models_register(void);

#endif
