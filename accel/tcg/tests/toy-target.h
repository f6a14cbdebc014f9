/*
 * "toy": a tiny fake target for the translator runtime tests, run in
 * softmmu (test-tcg-exec) and user mode (test-tcg-exec-user).
 *
 * Toy ISA: 32-bit little-endian words, op = bits 0-7, rd = 8-11,
 * rs = 12-15, imm = bits 16-31 (signed).
 */
#ifndef TOY_TARGET_H
#define TOY_TARGET_H

#include "tern/osdep.h"
#include "exec/cputlb.h"
#include "tcg/tcg-op.h"
#include "test-clobber-xmm.h"

enum {
    OP_ADDI = 1, OP_LD, OP_ST, OP_BNE, OP_JR, OP_STOP, OP_ECALL, OP_LW, OP_ADD, OP_LDX, OP_STX,
    OP_FADD,            /* rd = rd + rs as binary64 */
};
enum { EXC_ECALL = 5, EXC_FAULT = 13, EXC_ALIGN = 4 };

#define RAM_SIZE    (1u << 20)
#define MMIO_BASE   0x100000u
#define FAULT_PAGE  0x200000u      /* unmapped: loads here fault */
#define SUPER_BASE  0x80000u       /* [SUPER_BASE, +SUPER_SIZE) is one "superpage" */
#define SUPER_SIZE  0x40000u

typedef struct ToyEnv {
    uint64_t regs[16];
    uint64_t pc;
    uint64_t epc;
    uint64_t handler;
    int64_t last_exc;
    int64_t nexc;
    uint64_t fills;
    CPUTLB tlb;
} ToyEnv;

typedef struct ToyCPU {
    CPUState parent;
    ToyEnv env;
} ToyCPU;

static ToyCPU *toy;
static uint8_t *ram;            /* host view of guest address 0 */
/*
 * softmmu: the virtual page remap_from maps to the physical page remap_to,
 * on the vCPU remap_cpu only if set
 */
static uint64_t remap_from = (uint64_t)-1, remap_to;
static CPUState *remap_cpu;
static TCGv_i64 cpu_regs[16], cpu_pc;

static void toy_initialize(void)
{
    static char names[16][4];

    for (int i = 0; i < 16; i++) {
        snprintf(names[i], sizeof(names[i]), "r%d", i);
        cpu_regs[i] = tcg_global_mem_new_i64(tcg_env, offsetof(ToyEnv, regs[i]), names[i]);
    }
    cpu_pc = tcg_global_mem_new_i64(tcg_env, offsetof(ToyEnv, pc), "pc");
}

static void helper_stop(void *env)
{
    CPUState *cpu = env_cpu(env);
    cpu->exception_index = EXCP_DEBUG;
    cpu_loop_exit(cpu);
}

static void helper_ecall(void *env)
{
    cpu_raise_exception_ra(env_cpu(env), EXC_ECALL, GETPC());
}

/* OP_FADD's fallback (NaN results): the default NaN. */
static uint64_t toy_fp_fallback(void *env, uint64_t desc, uint64_t a, uint64_t b, uint64_t c)
{
    return 0x7ff8000000000000ull;
}

static void gen_goto(TranslationBlock *tb, int n, uint64_t dest)
{
    if (translator_use_goto_tb(tb, dest)) {
        tcg_gen_goto_tb(n);
        tcg_gen_movi_i64(cpu_pc, dest);
        tcg_gen_exit_tb(tb, n);
    } else {
        tcg_gen_movi_i64(cpu_pc, dest);
        tcg_gen_lookup_and_goto_ptr();
    }
}

static void toy_translate(CPUState *cpu, TranslationBlock *tb, int max_insns)
{
    uint64_t pc = tb->pc;
    bool end = false;
    int n = 0;

    while (!end && n < max_insns) {
        uint32_t insn = translator_ldl(cpu, tb, pc);
        int op = insn & 0xff, rd = (insn >> 8) & 15, rs = (insn >> 12) & 15;
        int64_t imm = (int16_t)(insn >> 16);
        TCGv_i64 addr = tcg_temp_ebb_new_i64();

        tcg_gen_insn_start(pc, 0, 0);
        n++;
        switch (op) {
        case OP_ADDI:
            tcg_gen_addi_i64(cpu_regs[rd], cpu_regs[rs], imm);
            break;
        case OP_ADD:
            tcg_gen_add_i64(cpu_regs[rd], cpu_regs[rd], cpu_regs[rs]);
            break;
        case OP_LD:
            tcg_gen_addi_i64(addr, cpu_regs[rs], imm);
            tcg_gen_qemu_ld_i64(cpu_regs[rd], addr, 0, MO_LEUQ);
            break;
        case OP_LW:
            tcg_gen_addi_i64(addr, cpu_regs[rs], imm);
            tcg_gen_qemu_ld_i64(cpu_regs[rd], addr, 0, MO_LESL | MO_ALIGN);
            break;
        case OP_LDX:        /* rd = load(rs) with MemOp imm */
            tcg_gen_qemu_ld_i64(cpu_regs[rd], cpu_regs[rs], 0, (MemOp)imm);
            break;
        case OP_STX:        /* store(rs) = rd with MemOp imm */
            tcg_gen_qemu_st_i64(cpu_regs[rd], cpu_regs[rs], 0, (MemOp)imm);
            break;
        case OP_ST:
            tcg_gen_addi_i64(addr, cpu_regs[rs], imm);
            tcg_gen_qemu_st_i64(cpu_regs[rd], addr, 0, MO_LEUQ);
            break;
        case OP_FADD:
            tcg_gen_fadd(cpu_regs[rd], cpu_regs[rd], cpu_regs[rs], TCG_FP_F64,
                         (TCGFpFallback){ toy_fp_fallback, 0 });
            break;
        case OP_BNE: {
            TCGLabel *taken = gen_new_label();
            tcg_gen_brcond_i64(TCG_COND_NE, cpu_regs[rd], cpu_regs[rs], taken);
            gen_goto(tb, 0, pc + 4);
            gen_set_label(taken);
            gen_goto(tb, 1, pc + imm * 4);
            end = true;
            break;
        }
        case OP_JR:
            tcg_gen_lookup_and_goto_ptr_same_flags(cpu_regs[rs], cpu_pc);
            end = true;
            break;
        case OP_STOP:
            tcg_gen_movi_i64(cpu_pc, pc);
            gen_helper_call(helper_stop, 0, NULL, tcgv_temp(tcg_env));
            end = true;
            break;
        case OP_ECALL:
            gen_helper_call(helper_ecall, 0, NULL, tcgv_temp(tcg_env));
            end = true;
            break;
        default:
            fail_msg("bad toy insn 0x%08x at 0x%" PRIx64, insn, pc);
        }
        tcg_temp_free_i64(addr);
        pc += 4;
    }
    if (!end) {
        gen_goto(tb, 0, pc);
    }
    tb->size = pc - tb->pc;
    tb->icount = n;
}

static void toy_get_tb_cpu_state(CPUState *cpu, uint64_t *pc, uint32_t *flags)
{
    *pc = ((ToyCPU *)cpu)->env.pc;
    *flags = 0;
}

static int toy_mmu_index(CPUState *cpu, bool ifetch)
{
    return 0;
}

static bool toy_exec_interrupt(CPUState *cpu, uint32_t req)
{
    return false;
}

static void toy_do_interrupt(CPUState *cpu)
{
    ToyEnv *env = &((ToyCPU *)cpu)->env;

    env->epc = env->pc;
    env->last_exc = cpu->exception_index;
    env->nexc++;
    env->pc = env->handler;
}

static bool toy_tlb_fill(CPUState *cpu, uint64_t addr, int size, MMUAccessType t,
                         int mmu_idx, bool probe, uintptr_t ra, hwaddr *phys, int *prot)
{
    ToyEnv *env = &((ToyCPU *)cpu)->env;

    test_clobber_xmm();
    if ((addr & TARGET_PAGE_MASK) == FAULT_PAGE) {
        if (probe) {
            return false;
        }
        cpu_raise_exception_ra(cpu, EXC_FAULT, ra);
    }
    env->fills++;
    if (addr >= SUPER_BASE && addr < SUPER_BASE + SUPER_SIZE) {
        tlb_note_large_page(cpu, mmu_idx, addr, SUPER_SIZE);
    }
    *phys = addr;           /* identity mapping, but for remap_from */
    if ((addr & TARGET_PAGE_MASK) == remap_from && (!remap_cpu || cpu == remap_cpu)) {
        *phys = remap_to | (addr & ~TARGET_PAGE_MASK);
    }
    *prot = PAGE_READ | PAGE_WRITE | PAGE_EXEC;
    return true;
}

static void toy_unaligned(CPUState *cpu, uint64_t addr, MMUAccessType t, int mmu_idx,
                          uintptr_t ra)
{
    cpu_raise_exception_ra(cpu, EXC_ALIGN, ra);
}

static void toy_restore(CPUState *cpu, const TranslationBlock *tb, const uint64_t *data)
{
    ((ToyCPU *)cpu)->env.pc = data[0];
}

static void toy_set_pc(CPUState *cpu, uint64_t pc)
{
    ((ToyCPU *)cpu)->env.pc = pc;
}

static const TCGCPUOps toy_tcg_ops = {
    .initialize = toy_initialize,
    .translate_block = toy_translate,
    .get_tb_cpu_state = toy_get_tb_cpu_state,
    .mmu_index = toy_mmu_index,
    .cpu_exec_interrupt = toy_exec_interrupt,
    .do_interrupt = toy_do_interrupt,
    .tlb_fill = toy_tlb_fill,
    .do_unaligned_access = toy_unaligned,
    .restore_state_to_opc = toy_restore,
    .tlb_offset = offsetof(ToyEnv, tlb),
    .nb_mmu_modes = 1,
};

static const CPUClass toy_class = {
    .arch_name = "toy",
    .set_pc = toy_set_pc,
    .tcg_ops = &toy_tcg_ops,
};

/* ------------------------------------------------------------------------ */
/* Helpers for the tests */

static uint32_t I(int op, int rd, int rs, int imm)
{
    return op | (rd << 8) | (rs << 12) | ((uint32_t)(uint16_t)imm << 16);
}

static void put_code(uint64_t addr, const uint32_t *code, int n)
{
    memcpy(ram + addr, code, n * 4);
}

static void reset_cpu(uint64_t pc)
{
    memset(toy->env.regs, 0, sizeof(toy->env.regs));
    toy->env.pc = pc;
    toy->env.nexc = 0;
    toy->env.last_exc = -1;
    toy->env.handler = 0x8000;
    toy->parent.exception_index = -1;
    toy->parent.halted = false;
    /* the exception handler is a STOP */
    uint32_t stop = I(OP_STOP, 0, 0, 0);
    put_code(0x8000, &stop, 1);
    tb_invalidate_phys_range(0x8000, 0x8004);
}

static int run(void)
{
    return cpu_exec(&toy->parent);
}

/* Runs the loop at pc on c with r2 = n + 1 (n indirect jumps); returns r3. */
static uint64_t run_jumps_on(ToyCPU *c, uint64_t pc, int n, uint64_t r4, uint64_t r5)
{
    memset(c->env.regs, 0, sizeof(c->env.regs));
    c->env.pc = pc;
    c->env.regs[2] = n + 1;
    c->env.regs[4] = r4;
    c->env.regs[5] = r5;
    c->env.regs[10] = pc;
    c->parent.exception_index = -1;
    assert_int_equal(cpu_exec(&c->parent), EXCP_DEBUG);
    return c->env.regs[3];
}

static uint64_t run_jumps(uint64_t pc, int n, uint64_t r4, uint64_t r5)
{
    reset_cpu(pc);
    return run_jumps_on(toy, pc, n, r4, r5);
}

/*
 * Generated code remembers where each indirect jump went last time. One
 * site jumps to two targets in turn, then to one of them, which is then
 * rewritten (its TB invalidated but the site's kept), then all TBs are
 * flushed.
 */
static void check_indirect_sites(uint64_t base)
{
    const uint32_t loop[] = {
        I(OP_ADDI, 2, 2, -1),        /* base: r2 -= 1 */
        I(OP_BNE, 2, 0, 2),          /* if r2 != 0 goto base + 0xc */
        I(OP_STOP, 0, 0, 0),
        I(OP_ADDI, 9, 4, 0),         /* swap r4 and r5 */
        I(OP_ADDI, 4, 5, 0),
        I(OP_ADDI, 5, 9, 0),
        I(OP_JR, 0, 4, 0),           /* the site */
    };
    const uint32_t a[] = { I(OP_ADDI, 3, 3, 1), I(OP_JR, 0, 10, 0) };
    const uint32_t b[] = { I(OP_ADDI, 3, 3, 1000), I(OP_JR, 0, 10, 0) };
    uint32_t a7 = I(OP_ADDI, 3, 3, 7);

    put_code(base, loop, ARRAY_SIZE(loop));
    put_code(base + 0x100, a, 2);
    put_code(base + 0x1200, b, 2);          /* on the next page */
    tb_invalidate_phys_range(base, base + 0x1208);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(run_jumps(base, 100, base + 0x1200, base + 0x100), 50 * 1 + 50 * 1000);
        assert_int_equal(run_jumps(base, 100, base + 0x100, base + 0x100), 100);
    }
    put_code(base + 0x100, &a7, 1);
    tb_invalidate_phys_range(base + 0x100, base + 0x104);
    assert_int_equal(run_jumps(base, 100, base + 0x100, base + 0x100), 700);
    tb_flush(NULL);
    assert_int_equal(run_jumps(base, 100, base + 0x1200, base + 0x100), 50 * 7 + 50 * 1000);
    assert_int_equal(run_jumps(base, 100, base + 0x100, base + 0x100), 700);
}

#endif
