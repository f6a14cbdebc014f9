/*
 * Unit tests for CPUID construction (target/i386/cpuid.c) from a synthetic
 * KVM_GET_SUPPORTED_CPUID table: model filtering, +/- features, leaf limits,
 * the hypervisor bit and per-vCPU topology (Intel SDM vol. 2A, CPUID).
 */
#include "tern/osdep.h"
#include "target/i386/cpu.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define BIT(n) (1u << (n))

static struct kvm_cpuid2 *supported(void)
{
    static const struct kvm_cpuid_entry2 e[] = {
        { .function = 0, .eax = 0x1f, .ebx = 0x756e6547 },
        { .function = 1, .eax = 0x806f8, .ebx = 0x00010800, .ecx = 0xfffa3203 | BIT(13) | BIT(26),
          .edx = 0x178bfbff },
        { .function = 4, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x121 },
        { .function = 4, .index = 3, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
          .eax = 0x163 | (7u << 14) | (15u << 26) },
        { .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
          .ebx = BIT(5) | BIT(3) | BIT(0) },
        { .function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
        { .function = 0xb, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
        { .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 7 },
        { .function = 0x1f, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
        { .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
        { .function = 0x40000001, .eax = 0x1fffff },
        { .function = 0x80000000, .eax = 0x80000008 },
        { .function = 0x80000001, .ecx = BIT(0) | BIT(5), .edx = BIT(11) | BIT(20) | BIT(29) | BIT(27) },
        { .function = 0x80000008, .eax = 0x3030, .ecx = 0 },
    };
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + sizeof(e));

    c->nent = ARRAY_SIZE(e);
    memcpy(c->entries, e, sizeof(e));
    return c;
}

static struct kvm_cpuid2 *build(const char *model, const char *features, uint32_t apic_id,
                                unsigned ncpus, GError **errp)
{
    g_autofree struct kvm_cpuid2 *s = supported();

    return x86_cpuid_build(x86_cpu_model_find(model), features, s, apic_id, ncpus, errp);
}

static void test_qemu64(void **state)
{
    g_autofree struct kvm_cpuid2 *c = build("qemu64", "", 0, 1, NULL);
    struct kvm_cpuid_entry2 *e;

    assert_non_null(c);
    e = x86_cpuid_find(c, 0, 0);
    assert_int_equal(e->eax, 0xd);                        /* level clamped to the model */
    assert_non_null(x86_cpuid_find(c, 0xb, 0));           /* within level 0xd: kept */
    assert_null(x86_cpuid_find(c, 0x1f, 0));              /* beyond level: dropped */
    e = x86_cpuid_find(c, 1, 0);
    assert_true(e->edx & BIT(26));                        /* sse2 kept */
    assert_false(e->ecx & BIT(28));                       /* avx filtered */
    assert_false(e->ecx & BIT(26));                       /* no xsave in qemu64 */
    assert_true(e->ecx & BIT(13));                        /* cx16 */
    assert_true(e->ecx & BIT(31));                        /* hypervisor */
    e = x86_cpuid_find(c, 7, 0);
    assert_int_equal(e->ebx, 0);                          /* avx2, bmi1, fsgsbase gone */
    e = x86_cpuid_find(c, 0xd, 0);
    assert_int_equal(e->eax, 0);                          /* XSAVE leaf empty without xsave */
    e = x86_cpuid_find(c, 0x80000001, 0);
    assert_int_equal(e->edx, BIT(11) | BIT(20) | BIT(29)); /* no rdtscp */
    assert_int_equal(e->ecx, BIT(0));
    assert_non_null(x86_cpuid_find(c, 0x40000001, 0));    /* KVM leaves stay */
}

static void test_host(void **state)
{
    g_autofree struct kvm_cpuid2 *c = build("host", "", 0, 1, NULL);
    struct kvm_cpuid_entry2 *e;

    e = x86_cpuid_find(c, 0, 0);
    assert_int_equal(e->eax, 0x1f);
    e = x86_cpuid_find(c, 7, 0);
    assert_int_equal(e->ebx, BIT(5) | BIT(3) | BIT(0));
    e = x86_cpuid_find(c, 1, 0);
    assert_true(e->ecx & BIT(26));
    assert_non_null(x86_cpuid_find(c, 0xd, 0));
    assert_int_equal(x86_cpuid_find(c, 0xd, 0)->eax, 7);
}

static void test_features(void **state)
{
    g_autofree struct kvm_cpuid2 *c = build("qemu64", "-cx16,+avx2,sse4.2=on,nx=off", 0, 1, NULL);
    GError *err = NULL;

    assert_false(x86_cpuid_find(c, 1, 0)->ecx & BIT(13));
    assert_true(x86_cpuid_find(c, 7, 0)->ebx & BIT(5));
    assert_false(x86_cpuid_find(c, 0x80000001, 0)->edx & BIT(20));
    assert_true(x86_cpuid_find(c, 1, 0)->ecx & BIT(20));
    g_free(c);
    /* a feature the host lacks cannot be created: pcid is bit 17 ... present; rdtscp absent */
    c = build("qemu64", "+pku", 0, 1, NULL);
    assert_false(x86_cpuid_find(c, 7, 0)->ecx & BIT(3));

    assert_null(build("qemu64", "+bogus", 0, 1, &err));
    assert_non_null(strstr(err->message, "unknown CPU feature 'bogus'"));
    g_clear_error(&err);
    assert_null(build("qemu64", "avx", 0, 1, &err));
    assert_non_null(strstr(err->message, "'avx' is not +feature"));
    g_clear_error(&err);
    c = (g_free(c), build("host", "-hypervisor", 0, 1, NULL));
    assert_false(x86_cpuid_find(c, 1, 0)->ecx & BIT(31));
}

static void test_topology(void **state)
{
    g_autofree struct kvm_cpuid2 *c = build("host", "", 5, 6, NULL);
    struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, 1, 0);

    assert_int_equal(e->ebx >> 24, 5);                   /* initial APIC ID */
    assert_int_equal((e->ebx >> 16) & 0xff, 6);          /* logical processors */
    assert_int_equal((e->ebx >> 8) & 0xff, 8);           /* CLFLUSH size kept */
    assert_true(e->edx & BIT(28));                       /* HTT with > 1 CPU */
    e = x86_cpuid_find(c, 0xb, 1);
    assert_int_equal(e->edx, 5);                          /* x2APIC ID */
    assert_int_equal(e->ebx, 6);
    assert_int_equal(e->eax, 3);                          /* 6 CPUs need 3 ID bits */
    assert_int_equal((e->ecx >> 8) & 0xff, 2);            /* core level */
    e = x86_cpuid_find(c, 0xb, 0);
    assert_int_equal(e->ebx, 1);
    assert_int_equal((e->ecx >> 8) & 0xff, 1);            /* SMT level */
    e = x86_cpuid_find(c, 4, 3);
    assert_int_equal(e->eax >> 26, 5);                    /* cores per package - 1 */
    assert_int_equal((e->eax >> 14) & 0xfff, 5);          /* L3 shared by all */
    assert_int_equal(e->eax & 0x3fff, 0x163);
    e = x86_cpuid_find(c, 0x80000008, 0);
    assert_int_equal(e->ecx & 0xff, 5);

    g_free(c);
    c = build("host", "", 0, 1, NULL);
    assert_false(x86_cpuid_find(c, 1, 0)->edx & BIT(28));
}

static void test_model_check(void **state)
{
    GError *err = NULL;

    assert_true(x86_cpu_model_check(NULL, NULL));
    assert_true(x86_cpu_model_check("host", NULL));
    assert_true(x86_cpu_model_check("qemu64,-cx16", NULL));
    assert_false(x86_cpu_model_check("pentium9", &err));
    assert_non_null(strstr(err->message, "-cpu pentium9: unknown CPU model"));
    g_clear_error(&err);
    assert_false(x86_cpu_model_check("qemu64,+nope", &err));
    g_clear_error(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu64),
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_topology),
        cmocka_unit_test(test_model_check),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
