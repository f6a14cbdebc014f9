/*
 * CPUID for KVM vCPUs: KVM_GET_SUPPORTED_CPUID filtered to a named model.
 * "host" (and "max") pass through what KVM supports; "qemu64" is QEMU's
 * baseline 64-bit model. Only what both KVM and the model have is exposed.
 * Bit positions: Intel SDM vol. 2A, CPUID instruction, Tables 3-8 to 3-20.
 */
#include "tern/osdep.h"
#include "target/i386/cpu.h"

enum { R_EAX, R_EBX, R_ECX, R_EDX };

/* A register of a CPUID leaf that holds feature bits. */
typedef enum FeatureWord {
    FEAT_1_EDX,
    FEAT_1_ECX,
    FEAT_7_0_EBX,
    FEAT_7_0_ECX,
    FEAT_7_0_EDX,
    FEAT_8000_0001_EDX,
    FEAT_8000_0001_ECX,
    FEAT_D_1_EAX,
    FEAT_WORDS,
} FeatureWord;

static const struct {
    uint32_t function, index;
    int reg;
} feature_word_info[FEAT_WORDS] = {
    [FEAT_1_EDX] = { 1, 0, R_EDX },
    [FEAT_1_ECX] = { 1, 0, R_ECX },
    [FEAT_7_0_EBX] = { 7, 0, R_EBX },
    [FEAT_7_0_ECX] = { 7, 0, R_ECX },
    [FEAT_7_0_EDX] = { 7, 0, R_EDX },
    [FEAT_8000_0001_EDX] = { 0x80000001, 0, R_EDX },
    [FEAT_8000_0001_ECX] = { 0x80000001, 0, R_ECX },
    [FEAT_D_1_EAX] = { 0xd, 1, R_EAX },
};

/* Names accepted by -cpu MODEL,+name / -name / name=on|off. */
static const struct {
    const char *name;
    FeatureWord word;
    int bit;
} feature_names[] = {
    { "fpu", FEAT_1_EDX, 0 }, { "vme", FEAT_1_EDX, 1 }, { "de", FEAT_1_EDX, 2 },
    { "pse", FEAT_1_EDX, 3 }, { "tsc", FEAT_1_EDX, 4 }, { "msr", FEAT_1_EDX, 5 },
    { "pae", FEAT_1_EDX, 6 }, { "mce", FEAT_1_EDX, 7 }, { "cx8", FEAT_1_EDX, 8 },
    { "apic", FEAT_1_EDX, 9 }, { "sep", FEAT_1_EDX, 11 }, { "mtrr", FEAT_1_EDX, 12 },
    { "pge", FEAT_1_EDX, 13 }, { "mca", FEAT_1_EDX, 14 }, { "cmov", FEAT_1_EDX, 15 },
    { "pat", FEAT_1_EDX, 16 }, { "pse36", FEAT_1_EDX, 17 }, { "clflush", FEAT_1_EDX, 19 },
    { "mmx", FEAT_1_EDX, 23 }, { "fxsr", FEAT_1_EDX, 24 }, { "sse", FEAT_1_EDX, 25 },
    { "sse2", FEAT_1_EDX, 26 }, { "ss", FEAT_1_EDX, 27 }, { "ht", FEAT_1_EDX, 28 },
    { "pni", FEAT_1_ECX, 0 }, { "pclmulqdq", FEAT_1_ECX, 1 }, { "ssse3", FEAT_1_ECX, 9 },
    { "fma", FEAT_1_ECX, 12 }, { "cx16", FEAT_1_ECX, 13 }, { "pcid", FEAT_1_ECX, 17 },
    { "sse4.1", FEAT_1_ECX, 19 }, { "sse4.2", FEAT_1_ECX, 20 }, { "x2apic", FEAT_1_ECX, 21 },
    { "movbe", FEAT_1_ECX, 22 }, { "popcnt", FEAT_1_ECX, 23 },
    { "tsc-deadline", FEAT_1_ECX, 24 }, { "aes", FEAT_1_ECX, 25 },
    { "xsave", FEAT_1_ECX, 26 }, { "avx", FEAT_1_ECX, 28 }, { "f16c", FEAT_1_ECX, 29 },
    { "rdrand", FEAT_1_ECX, 30 }, { "hypervisor", FEAT_1_ECX, 31 },
    { "fsgsbase", FEAT_7_0_EBX, 0 }, { "bmi1", FEAT_7_0_EBX, 3 }, { "avx2", FEAT_7_0_EBX, 5 },
    { "smep", FEAT_7_0_EBX, 7 }, { "bmi2", FEAT_7_0_EBX, 8 }, { "erms", FEAT_7_0_EBX, 9 },
    { "invpcid", FEAT_7_0_EBX, 10 }, { "avx512f", FEAT_7_0_EBX, 16 },
    { "rdseed", FEAT_7_0_EBX, 18 }, { "adx", FEAT_7_0_EBX, 19 }, { "smap", FEAT_7_0_EBX, 20 },
    { "clflushopt", FEAT_7_0_EBX, 23 }, { "clwb", FEAT_7_0_EBX, 24 },
    { "sha-ni", FEAT_7_0_EBX, 29 },
    { "umip", FEAT_7_0_ECX, 2 }, { "pku", FEAT_7_0_ECX, 3 }, { "la57", FEAT_7_0_ECX, 16 },
    { "rdpid", FEAT_7_0_ECX, 22 },
    { "fsrm", FEAT_7_0_EDX, 4 }, { "md-clear", FEAT_7_0_EDX, 10 },
    { "arch-capabilities", FEAT_7_0_EDX, 29 },
    { "syscall", FEAT_8000_0001_EDX, 11 }, { "nx", FEAT_8000_0001_EDX, 20 },
    { "pdpe1gb", FEAT_8000_0001_EDX, 26 }, { "rdtscp", FEAT_8000_0001_EDX, 27 },
    { "lm", FEAT_8000_0001_EDX, 29 },
    { "lahf-lm", FEAT_8000_0001_ECX, 0 }, { "abm", FEAT_8000_0001_ECX, 5 },
    { "3dnowprefetch", FEAT_8000_0001_ECX, 8 },
    { "xsaveopt", FEAT_D_1_EAX, 0 }, { "xsavec", FEAT_D_1_EAX, 1 },
    { "xsaves", FEAT_D_1_EAX, 3 },
};

struct X86CPUModel {
    const char *name;
    const char *desc;
    bool passthrough;               /* everything KVM supports */
    uint32_t level, xlevel;         /* highest basic / extended leaf */
    uint32_t features[FEAT_WORDS];
};

#define BIT(n) (1u << (n))

static const X86CPUModel models[] = {
    {
        .name = "host", .desc = "everything the host's KVM supports",
        .passthrough = true,
    },
    {
        .name = "max", .desc = "same as host under KVM",
        .passthrough = true,
    },
    {
        /* QEMU's qemu64 with its KVM defaults (x2apic, hypervisor) */
        .name = "qemu64", .desc = "QEMU's baseline x86-64 model (the default)",
        .level = 0xd, .xlevel = 0x8000000a,
        .features = {
            [FEAT_1_EDX] = BIT(0) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) |
                           BIT(7) | BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) |
                           BIT(14) | BIT(15) | BIT(16) | BIT(17) | BIT(19) |
                           BIT(23) | BIT(24) | BIT(25) | BIT(26),
            [FEAT_1_ECX] = BIT(0) | BIT(13) | BIT(21) | BIT(31),
            [FEAT_8000_0001_EDX] = BIT(11) | BIT(20) | BIT(29),
            [FEAT_8000_0001_ECX] = BIT(0),
        },
    },
};

const X86CPUModel *x86_cpu_model_find(const char *name)
{
    for (unsigned i = 0; i < ARRAY_SIZE(models); i++) {
        if (!strcmp(models[i].name, name)) {
            return &models[i];
        }
    }
    return NULL;
}

void x86_cpu_models_register(void)
{
    static CPUModelInfo infos[ARRAY_SIZE(models)];

    for (unsigned i = 0; i < ARRAY_SIZE(models); i++) {
        infos[i].name = models[i].name;
        infos[i].desc = models[i].desc;
        cpu_model_register(&infos[i]);
    }
}

struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid2 *c, uint32_t function,
                                        uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        bool indexed = e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

        if (e->function == function && (!indexed || e->index == index)) {
            return e;
        }
    }
    return NULL;
}

static uint32_t *entry_reg(struct kvm_cpuid_entry2 *e, int reg)
{
    switch (reg) {
    case R_EAX:
        return &e->eax;
    case R_EBX:
        return &e->ebx;
    case R_ECX:
        return &e->ecx;
    default:
        return &e->edx;
    }
}

/* Apply "+a,-b,c=on,d=off" to the wanted feature words. */
static bool parse_features(const char *features, uint32_t want[FEAT_WORDS],
                           uint32_t forced_off[FEAT_WORDS], GError **errp)
{
    g_auto(GStrv) items = g_strsplit(features ? features : "", ",", -1);

    for (char **it = items; *it; it++) {
        const char *item = *it;
        g_autofree char *name = NULL;
        bool on;
        unsigned i;

        if (!*item) {
            continue;
        }
        if (item[0] == '+' || item[0] == '-') {
            on = item[0] == '+';
            name = g_strdup(item + 1);
        } else {
            const char *eq = strchr(item, '=');

            if (!eq || (strcmp(eq + 1, "on") && strcmp(eq + 1, "off"))) {
                error_setg(errp, "-cpu: '%s' is not +feature, -feature or "
                           "feature=on|off", item);
                return false;
            }
            on = !strcmp(eq + 1, "on");
            name = g_strndup(item, eq - item);
        }
        for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
            if (!strcmp(feature_names[i].name, name)) {
                break;
            }
        }
        if (i == ARRAY_SIZE(feature_names)) {
            error_setg(errp, "-cpu: unknown CPU feature '%s'", name);
            return false;
        }
        if (on) {
            want[feature_names[i].word] |= BIT(feature_names[i].bit);
            forced_off[feature_names[i].word] &= ~BIT(feature_names[i].bit);
        } else {
            want[feature_names[i].word] &= ~BIT(feature_names[i].bit);
            forced_off[feature_names[i].word] |= BIT(feature_names[i].bit);
        }
    }
    return true;
}

static bool leaf_in_model(const X86CPUModel *m, uint32_t function)
{
    if (m->passthrough || (function >= 0x40000000 && function < 0x80000000)) {
        return true;     /* the KVM paravirtual leaves are always given */
    }
    return function < 0x80000000 ? function <= m->level : function <= m->xlevel;
}

/* Topology for nr_cpus single-thread cores in one package (SDM vol. 2A, CPUID leaves 4, 0Bh). */
static void set_topology(struct kvm_cpuid2 *c, uint32_t apic_id, unsigned nr_cpus)
{
    unsigned core_bits = nr_cpus > 1 ? g_bit_storage(nr_cpus - 1) : 0;
    struct kvm_cpuid_entry2 *e;

    if ((e = x86_cpuid_find(c, 1, 0))) {
        e->ebx = (e->ebx & 0xffff) | (MIN(nr_cpus, 255u) << 16) | (apic_id << 24);
        if (nr_cpus > 1) {
            e->edx |= BIT(28);
        } else {
            e->edx &= ~BIT(28);
        }
    }
    for (uint32_t i = 0; i < c->nent; i++) {
        e = &c->entries[i];
        if (e->function == 4) {
            uint32_t level = (e->eax >> 5) & 7;
            uint32_t sharing = level >= 3 ? nr_cpus - 1 : 0;

            e->eax = (e->eax & 0x3fff) | (MIN(sharing, 0xfffu) << 14) |
                     (MIN(nr_cpus - 1, 63u) << 26);
        } else if (e->function == 0xb || e->function == 0x1f) {
            /* level 0: SMT (1 thread), level 1: core, then invalid */
            e->edx = apic_id;
            if (e->index == 0) {
                e->eax = 0;
                e->ebx = 1;
                e->ecx = (1 << 8) | e->index;
            } else if (e->index == 1) {
                e->eax = core_bits;
                e->ebx = nr_cpus;
                e->ecx = (2 << 8) | e->index;
            } else {
                e->eax = e->ebx = 0;
                e->ecx = e->index;
            }
        } else if (e->function == 0x80000008) {
            e->ecx = (e->ecx & ~0xffu) | (nr_cpus - 1);
        }
    }
}

struct kvm_cpuid2 *x86_cpuid_build(const X86CPUModel *m, const char *features,
                                   const struct kvm_cpuid2 *supported,
                                   uint32_t apic_id, unsigned nr_cpus, GError **errp)
{
    uint32_t want[FEAT_WORDS], forced_off[FEAT_WORDS] = { 0 };
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + supported->nent * sizeof(c->entries[0]));
    struct kvm_cpuid_entry2 *e;

    for (int w = 0; w < FEAT_WORDS; w++) {
        want[w] = m->passthrough ? ~0u : m->features[w];
    }
    if (!parse_features(features, want, forced_off, errp)) {
        g_free(c);
        return NULL;
    }

    for (uint32_t i = 0; i < supported->nent; i++) {
        if (leaf_in_model(m, supported->entries[i].function)) {
            c->entries[c->nent++] = supported->entries[i];
        }
    }
    for (int w = 0; w < FEAT_WORDS; w++) {
        uint32_t *reg;

        e = x86_cpuid_find(c, feature_word_info[w].function, feature_word_info[w].index);
        if (!e) {
            continue;
        }
        reg = entry_reg(e, feature_word_info[w].reg);
        if (!m->passthrough) {
            uint32_t missing = want[w] & ~*reg & ~forced_off[w];

            if (missing) {
                /* a model feature the host lacks is dropped, as QEMU does without enforce */
                tern_log_mask(LOG_UNIMP, "-cpu %s: host KVM lacks CPUID[%#x].%c bits %#x\n",
                              m->name, feature_word_info[w].function,
                              "abcd"[feature_word_info[w].reg], missing);
            }
        }
        *reg &= want[w];
    }
    /* A hypervisor is present (SDM: CPUID.1:ECX[31] is reserved for this use). */
    if ((e = x86_cpuid_find(c, 1, 0)) && !(forced_off[FEAT_1_ECX] & BIT(31))) {
        e->ecx |= BIT(31);
    }
    if (!m->passthrough) {
        if ((e = x86_cpuid_find(c, 0, 0))) {
            e->eax = MIN(e->eax, m->level);
        }
        if ((e = x86_cpuid_find(c, 0x80000000, 0))) {
            e->eax = MIN(e->eax, m->xlevel);
        }
    }
    /* Without XSAVE, leaf 0Dh describes nothing. */
    if ((e = x86_cpuid_find(c, 1, 0)) && !(e->ecx & BIT(26))) {
        for (uint32_t i = 0; i < c->nent; i++) {
            if (c->entries[i].function == 0xd) {
                c->entries[i].eax = c->entries[i].ebx = 0;
                c->entries[i].ecx = c->entries[i].edx = 0;
            }
        }
    }
    set_topology(c, apic_id, nr_cpus);
    return c;
}
