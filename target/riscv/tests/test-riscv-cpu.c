/*
 * Hart logic without the translator: interrupt selection and priority
 * (privileged spec 3.1.9), trap entry with delegation and vectoring (3.1.7,
 * 3.1.8), CSR access rules (2.1), PMP matching (3.7) and the Sv39 walk with
 * A/D updates (4.3.2) on a small RAM.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "exec/memory.h"
#include "../cpu-state.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1 << 20)

static RISCVCPU *cpu;
static CPURISCVState *env;
static MemoryRegion ram;

static int setup(void **state)
{
    GError *err = NULL;

    if (!ram.size) {
        g_assert(memory_region_init_ram(&ram, "ram", RAM_SIZE, &err));
        memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
        cpu = riscv_cpu_create("rv64", 0, &err);
        g_assert(cpu);
        env = &cpu->env;
    }
    riscv_csr_reset(env);
    env->priv = PRV_M;
    return 0;
}

static void test_model_parsing(void **state)
{
    RISCVCPUConfig cfg;
    char isa[128];
    GError *err = NULL;

    assert_true(riscv_cpu_parse_model(NULL, &cfg, &err));
    riscv_cpu_build_isa_string(&cfg, isa, sizeof(isa));
    assert_string_equal(isa, "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc");
    assert_true(riscv_cpu_parse_model("rv64,zba=false,Zbc=off,sstc=off", &cfg, &err));
    riscv_cpu_build_isa_string(&cfg, isa, sizeof(isa));
    assert_string_equal(isa, "rv64imafdc_zicsr_zifencei_zihintpause_zbb_zbs");
    assert_false(riscv_cpu_parse_model("rv64,zbx=on", &cfg, &err));
    assert_non_null(strstr(err->message, "zbx"));
    g_clear_error(&err);
    assert_false(riscv_cpu_parse_model("rv64,f=off", &cfg, &err));   /* D needs F */
    g_clear_error(&err);
    assert_false(riscv_cpu_parse_model("rv32", &cfg, &err));
    g_clear_error(&err);
    assert_false(riscv_cpu_parse_model("rv64,zba", &cfg, &err));
    g_clear_error(&err);
}

static void test_interrupt_priority(void **state)
{
    static const int order[] = { IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER,
                                 IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER };
    uint64_t pending = ALL_INTERRUPTS;

    env->mie = ALL_INTERRUPTS;
    env->priv = PRV_U;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        env->mip = pending;
        assert_int_equal(riscv_pending_interrupt(env), order[i]);
        pending &= ~(1ull << order[i]);
    }
    env->mip = 0;
    assert_int_equal(riscv_pending_interrupt(env), -1);
}

static void test_interrupt_enables(void **state)
{
    env->mie = ALL_INTERRUPTS;
    env->mideleg = S_MODE_INTERRUPTS;
    env->mip = MIP_SSIP | MIP_MTIP;
    /* M-level interrupts before S-level ones, whatever their numbers */
    env->priv = PRV_S;
    env->mstatus |= MSTATUS_SIE;
    assert_int_equal(riscv_pending_interrupt(env), IRQ_M_TIMER);
    /* in M: M interrupts need MIE; delegated ones are never taken */
    env->priv = PRV_M;
    env->mstatus &= ~MSTATUS_MIE;
    assert_int_equal(riscv_pending_interrupt(env), -1);
    env->mstatus |= MSTATUS_MIE;
    assert_int_equal(riscv_pending_interrupt(env), IRQ_M_TIMER);
    env->mip = MIP_SSIP;
    assert_int_equal(riscv_pending_interrupt(env), -1);
    /* in S: S interrupts need SIE; in U they are always enabled */
    env->priv = PRV_S;
    env->mstatus &= ~MSTATUS_SIE;
    assert_int_equal(riscv_pending_interrupt(env), -1);
    env->priv = PRV_U;
    assert_int_equal(riscv_pending_interrupt(env), IRQ_S_SOFT);
    /* not enabled in mie: nothing */
    env->mie = 0;
    assert_int_equal(riscv_pending_interrupt(env), -1);
    env->mideleg = 0;
    env->mip = 0;
}

static uint64_t fake_mtime;
static uint64_t last_stimecmp;

static uint64_t read_fake_mtime(void *opaque)
{
    return fake_mtime;
}

static void note_stimecmp(void *opaque, RISCVCPU *c, uint64_t v)
{
    last_stimecmp = v;
}

static void test_sstc(void **state)
{
    static const RISCVTimeSource ts = { .read_mtime = read_fake_mtime,
                                        .stimecmp_changed = note_stimecmp,
                                        .timebase_hz = 10000000 };
    uint64_t v;

    riscv_cpu_set_time_source(cpu, &ts);
    fake_mtime = 1000;
    assert_int_equal(riscv_csrrw(env, 0xc01, &v, 0, 0, false), RISCV_EXCP_NONE);
    assert_int_equal(v, 1000);                            /* time CSR */
    env->menvcfg = MENVCFG_STCE;
    assert_int_equal(riscv_csrrw(env, 0x14d, &v, 2000, -1, true), RISCV_EXCP_NONE);
    assert_int_equal(last_stimecmp, 2000);                /* the board re-arms its timer */
    assert_false(riscv_effective_mip(env) & MIP_STIP);
    fake_mtime = 2000;
    assert_true(riscv_effective_mip(env) & MIP_STIP);     /* STIP = mtime >= stimecmp */
    /* without STCE, STIP is the software-writable bit again */
    env->menvcfg = 0;
    env->mip = 0;
    assert_false(riscv_effective_mip(env) & MIP_STIP);
}

static void test_trap_entry(void **state)
{
    /* exception from U delegated to S */
    env->priv = PRV_U;
    env->pc = 0x1000;
    env->badaddr = 0xdead;
    env->medeleg = 1 << EXCP_LOAD_PAGE;
    env->stvec = 0x80002000 | 1;          /* vectored: exceptions still use BASE */
    env->mstatus |= MSTATUS_SIE;
    riscv_do_trap(env, EXCP_LOAD_PAGE, false);
    assert_int_equal(env->priv, PRV_S);
    assert_int_equal(env->pc, 0x80002000);
    assert_int_equal(env->sepc, 0x1000);
    assert_int_equal(env->scause, EXCP_LOAD_PAGE);
    assert_int_equal(env->stval, 0xdead);
    assert_false(env->mstatus & MSTATUS_SIE);
    assert_true(env->mstatus & MSTATUS_SPIE);
    assert_false(env->mstatus & MSTATUS_SPP);
    /* interrupt to M, vectored: BASE + 4 * cause; MPP = S */
    env->mtvec = 0x80003000 | 1;
    env->mstatus |= MSTATUS_MIE;
    env->pc = 0x2000;
    riscv_do_trap(env, IRQ_M_TIMER, true);
    assert_int_equal(env->priv, PRV_M);
    assert_int_equal(env->pc, 0x80003000 + 4 * IRQ_M_TIMER);
    assert_int_equal(env->mcause, (1ull << 63) | IRQ_M_TIMER);
    assert_int_equal(env->mtval, 0);
    assert_int_equal((env->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT, PRV_S);
    assert_true(env->mstatus & MSTATUS_MPIE);
    assert_false(env->mstatus & MSTATUS_MIE);
    /* a trap in M is never delegated */
    env->medeleg = ~0ull;
    riscv_do_trap(env, EXCP_ILLEGAL_INST, false);
    assert_int_equal(env->priv, PRV_M);
    assert_int_equal(env->mcause, EXCP_ILLEGAL_INST);
    env->medeleg = 0;
}

static void test_csr_rules(void **state)
{
    uint64_t v;

    env->priv = PRV_M;
    assert_int_equal(riscv_csrrw(env, 0xf14, &v, 0, 0, false), RISCV_EXCP_NONE);
    assert_int_equal(riscv_csrrw(env, 0xf14, &v, 1, -1, true), EXCP_ILLEGAL_INST);
    assert_int_equal(riscv_csrrw(env, 0x7c0, &v, 0, 0, false), EXCP_ILLEGAL_INST);
    env->priv = PRV_S;
    assert_int_equal(riscv_csrrw(env, 0x300, &v, 0, 0, false), EXCP_ILLEGAL_INST);
    assert_int_equal(riscv_csrrw(env, 0x100, &v, 0, 0, false), RISCV_EXCP_NONE);
    /* sie shows only delegated bits */
    env->mie = MIP_MTIP | MIP_STIP;
    env->mideleg = MIP_STIP;
    assert_int_equal(riscv_csrrw(env, 0x104, &v, 0, 0, false), RISCV_EXCP_NONE);
    assert_int_equal(v, MIP_STIP);
    env->priv = PRV_U;
    assert_int_equal(riscv_csrrw(env, 0xc00, &v, 0, 0, false), EXCP_ILLEGAL_INST);
    env->mcounteren = env->scounteren = 1;
    assert_int_equal(riscv_csrrw(env, 0xc00, &v, 0, 0, false), RISCV_EXCP_NONE);
    env->priv = PRV_M;
    /* medeleg cannot delegate ecall from M */
    assert_int_equal(riscv_csrrw(env, 0x302, &v, -1, -1, true), RISCV_EXCP_NONE);
    assert_int_equal(env->medeleg & (1 << EXCP_M_ECALL), 0);
    env->medeleg = 0;
    env->mie = env->mideleg = 0;
}

static void test_pmp(void **state)
{
    env->pmpcfg[0] = PMP_R | PMP_W | PMP_X | PMP_A_TOR << PMP_A_SHIFT;
    env->pmpaddr[0] = 0x80001000 >> 2;                   /* [0, 0x80001000) */
    env->pmpcfg[1] = PMP_R | PMP_A_NA4 << PMP_A_SHIFT;
    env->pmpaddr[1] = 0x80002000 >> 2;                   /* 4 bytes */
    env->pmpcfg[2] = PMP_X | PMP_L | PMP_A_NAPOT << PMP_A_SHIFT;
    env->pmpaddr[2] = (0x80010000 >> 2) | 0x7ff;         /* 16 KiB at 0x80010000 */

    assert_true(riscv_pmp_allows(env, 0x80000ff8, 8, ACCESS_STORE, PRV_S));
    assert_false(riscv_pmp_allows(env, 0x80000ffc, 8, ACCESS_LOAD, PRV_S)); /* straddles */
    assert_true(riscv_pmp_allows(env, 0x80002000, 4, ACCESS_LOAD, PRV_U));
    assert_false(riscv_pmp_allows(env, 0x80002000, 4, ACCESS_STORE, PRV_U));
    assert_false(riscv_pmp_allows(env, 0x80002004, 4, ACCESS_LOAD, PRV_U));  /* no match */
    assert_true(riscv_pmp_allows(env, 0x80002004, 4, ACCESS_LOAD, PRV_M));   /* M: allowed */
    assert_true(riscv_pmp_allows(env, 0x80012000, 4, ACCESS_FETCH, PRV_S));
    /* locked entries bind M too */
    assert_false(riscv_pmp_allows(env, 0x80012000, 4, ACCESS_LOAD, PRV_M));
    assert_true(riscv_pmp_allows(env, 0x80013ffc, 4, ACCESS_FETCH, PRV_M));
    assert_false(riscv_pmp_allows(env, 0x80014000, 4, ACCESS_FETCH, PRV_S));
    /* TLB granule: a rule boundary inside the page forbids caching it */
    assert_int_equal(riscv_pmp_granule(env, 0x80000000, 4096), 4096);
    assert_int_equal(riscv_pmp_granule(env, 0x80002000, 4096), 1);
    memset(env->pmpcfg, 0, sizeof(env->pmpcfg));
}

/* Sv39: root at RAM+0x10000, one 4 KiB page mapped at VA 0x40000000. */
static void test_sv39_walk(void **state)
{
    AddressSpace *as = get_system_address_space();
    uint64_t root = RAM_BASE + 0x10000, l1 = root + 0x1000, l0 = root + 0x2000;
    uint64_t page = RAM_BASE + 0x20000, pte;
    hwaddr pa;
    int prot;
    uint64_t psize;

    pte = (l1 >> 12) << 10 | 1;
    address_space_write(as, root + 8 * 1, &pte, 8);            /* VA bits 38:30 = 1 */
    pte = (l0 >> 12) << 10 | 1;
    address_space_write(as, l1, &pte, 8);
    pte = (page >> 12) << 10 | 0x7;                            /* V R W, A = D = 0 */
    address_space_write(as, l0, &pte, 8);
    pte = (page >> 12) << 10 | 0x9 | 0x40;                     /* V X A, no R */
    address_space_write(as, l0 + 8, &pte, 8);
    env->satp = 8ull << 60 | root >> 12;
    env->priv = PRV_S;
    env->pmpcfg[0] = PMP_R | PMP_W | PMP_X | PMP_A_NAPOT << PMP_A_SHIFT;
    env->pmpaddr[0] = ~0ull >> 10;

    assert_int_equal(riscv_translate(env, 0x40000123, ACCESS_LOAD, MMU_IDX_S, &pa, &prot,
                                     &psize, 1), RISCV_EXCP_NONE);
    assert_int_equal(pa, page + 0x123);
    assert_int_equal(psize, 4096);
    assert_true(prot & PAGE_READ);
    assert_false(prot & PAGE_WRITE);        /* D clear: a store must walk again */
    address_space_read(as, l0, &pte, 8);
    assert_int_equal(pte & 0xc0, 0x40);     /* A set, D not */
    assert_int_equal(riscv_translate(env, 0x40000000, ACCESS_STORE, MMU_IDX_S, &pa, &prot,
                                     &psize, 8), RISCV_EXCP_NONE);
    address_space_read(as, l0, &pte, 8);
    assert_int_equal(pte & 0xc0, 0xc0);
    assert_true(prot & PAGE_WRITE);
    /* execute-only page: loads fault unless MXR */
    assert_int_equal(riscv_translate(env, 0x40001000, ACCESS_LOAD, MMU_IDX_S, &pa, &prot,
                                     &psize, 1), EXCP_LOAD_PAGE);
    env->mstatus |= MSTATUS_MXR;
    assert_int_equal(riscv_translate(env, 0x40001000, ACCESS_LOAD, MMU_IDX_S, &pa, &prot,
                                     &psize, 1), RISCV_EXCP_NONE);
    env->mstatus &= ~MSTATUS_MXR;
    /* U mode cannot use a non-U page; unmapped and non-canonical addresses fault */
    assert_int_equal(riscv_translate(env, 0x40000000, ACCESS_FETCH, MMU_IDX_U, &pa, &prot,
                                     &psize, 2), EXCP_INST_PAGE);
    assert_int_equal(riscv_translate(env, 0x40002000, ACCESS_STORE, MMU_IDX_S, &pa, &prot,
                                     &psize, 1), EXCP_STORE_PAGE);
    assert_int_equal(riscv_translate(env, 1ull << 40, ACCESS_LOAD, MMU_IDX_S, &pa, &prot,
                                     &psize, 1), EXCP_LOAD_PAGE);
    /* PMP denies the physical page: access fault */
    env->pmpcfg[0] = PMP_A_NAPOT << PMP_A_SHIFT;
    assert_int_equal(riscv_translate(env, 0x40000000, ACCESS_LOAD, MMU_IDX_S, &pa, &prot,
                                     &psize, 1), EXCP_LOAD_ACCESS);
    env->pmpcfg[0] = 0;
    env->satp = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_model_parsing, setup),
        cmocka_unit_test_setup(test_interrupt_priority, setup),
        cmocka_unit_test_setup(test_interrupt_enables, setup),
        cmocka_unit_test_setup(test_sstc, setup),
        cmocka_unit_test_setup(test_trap_entry, setup),
        cmocka_unit_test_setup(test_csr_rules, setup),
        cmocka_unit_test_setup(test_pmp, setup),
        cmocka_unit_test_setup(test_sv39_walk, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
