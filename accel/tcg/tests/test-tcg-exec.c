/*
 * The translator runtime with a tiny fake target ("toy"): execution and
 * chaining, indirect jumps, the softmmu TLB (hit, miss, page flush, MMIO
 * routing, victim TLB), precise exceptions, alignment faults,
 * self-modifying code and DMA-style code writes, and exit requests.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "exec/cputlb.h"
#include "exec/memory.h"
#include "tcg/tcg-op.h"
#include "toy-target.h"

static MemoryRegion ram_mr, mmio_mr;
static uint64_t mmio_last_write, mmio_writes;

/* ------------------------------------------------------------------------ */
/* A device of the test machine */

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0xabc00000 | addr;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    mmio_last_write = data;
    mmio_writes++;
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
};

static int setup(void **state)
{
    GError *err = NULL;

    if (toy) {
        return 0;
    }
    toy = g_new0(ToyCPU, 1);
    g_assert(memory_region_init_ram(&ram_mr, "toy.ram", RAM_SIZE, &err));
    ram = memory_region_get_ram_ptr(&ram_mr);
    memory_region_init_io(&mmio_mr, &mmio_ops, NULL, "toy.mmio", 0x1000);
    memory_region_add_subregion(get_system_memory(), 0, &ram_mr);
    memory_region_add_subregion(get_system_memory(), MMIO_BASE, &mmio_mr);
    cpu_common_init(&toy->parent, &toy_class, &toy->env, get_system_address_space());
    tcg_exec_init(&toy_tcg_ops, 256u << 10, false, 0);  /* small: test_flush fills it */
    tcg_cpu_init(&toy->parent);
    return 0;
}

/* ------------------------------------------------------------------------ */

/* A counted loop: r1 = sum of 1..n; the back edge chains to itself. */
static void test_loop_and_chain(void **state)
{
    const uint32_t code[] = {
        I(OP_ADD, 1, 2, 0),          /* 0x1000: r1 += r2 */
        I(OP_ADDI, 2, 2, -1),        /*         r2 -= 1 */
        I(OP_BNE, 2, 0, -2),         /*         if r2 != r0 goto 0x1000 */
        I(OP_STOP, 0, 0, 0),
    };

    put_code(0x1000, code, 4);
    tb_invalidate_phys_range(0x1000, 0x1010);
    for (uint64_t n = 1; n < 2000; n += 333) {
        reset_cpu(0x1000);
        toy->env.regs[2] = n;
        assert_int_equal(run(), EXCP_DEBUG);
        assert_int_equal(toy->env.regs[1], n * (n + 1) / 2);
        assert_int_equal(toy->env.pc, 0x100c);
    }
}

/* Indirect jumps go through the TB lookup helper. */
static void test_indirect(void **state)
{
    const uint32_t code[] = {
        I(OP_ADDI, 3, 3, 1),         /* 0x2000: r3++ */
        I(OP_JR, 0, 4, 0),           /* jump to r4 */
    };
    const uint32_t code2[] = {
        I(OP_ADDI, 3, 3, 10),        /* 0x3000 */
        I(OP_ADDI, 4, 0, 0x4000),
        I(OP_JR, 0, 5, 0),           /* jump to r5 = 0x2000 (once more) */
    };
    const uint32_t code3[] = {
        I(OP_ADDI, 3, 3, 100),       /* 0x4000 */
        I(OP_STOP, 0, 0, 0),
    };

    put_code(0x2000, code, 2);
    put_code(0x3000, code2, 3);
    put_code(0x4000, code3, 2);
    tb_invalidate_phys_range(0x2000, 0x5000);
    for (int i = 0; i < 3; i++) {
        reset_cpu(0x2000);
        toy->env.regs[4] = 0x3000;
        toy->env.regs[5] = 0x2000;
        assert_int_equal(run(), EXCP_DEBUG);
        assert_int_equal(toy->env.regs[3], 1 + 10 + 1 + 100);
    }
}

static void test_indirect_sites(void **state)
{
    check_indirect_sites(0x46000);
}

/*
 * An indirect jump to another page follows a new mapping of that page after
 * a TLB flush, full or of that page, though the TBs of both pages stay valid.
 */
static void test_indirect_remap(void **state)
{
    const uint32_t loop[] = {
        I(OP_ADDI, 2, 2, -1),        /* 0x48000: r2 -= 1 */
        I(OP_BNE, 2, 0, 2),          /* if r2 != 0 goto 0x4800c */
        I(OP_STOP, 0, 0, 0),
        I(OP_JR, 0, 4, 0),           /* to 0x49000 */
    };
    const uint32_t a[] = { I(OP_ADDI, 3, 3, 1), I(OP_JR, 0, 10, 0) };
    const uint32_t b[] = { I(OP_ADDI, 3, 3, 1000), I(OP_JR, 0, 10, 0) };

    put_code(0x48000, loop, ARRAY_SIZE(loop));
    put_code(0x49000, a, 2);
    put_code(0x4a000, b, 2);
    tb_invalidate_phys_range(0x48000, 0x4b000);
    assert_int_equal(run_jumps(0x48000, 20, 0x49000, 0), 20);
    remap_from = 0x49000;
    remap_to = 0x4a000;
    tlb_flush(&toy->parent);
    assert_int_equal(run_jumps(0x48000, 20, 0x49000, 0), 20 * 1000);
    remap_from = (uint64_t)-1;
    tlb_flush_page(&toy->parent, 0x49000);
    assert_int_equal(run_jumps(0x48000, 20, 0x49000, 0), 20);
}

static ToyCPU *toy2;

static ToyCPU *second_vcpu(void)
{
    if (!toy2) {
        toy2 = g_new0(ToyCPU, 1);
        cpu_common_init(&toy2->parent, &toy_class, &toy2->env, get_system_address_space());
        tcg_cpu_init(&toy2->parent);
    }
    return toy2;
}

/* Two vCPUs map the target page of the same indirect jump differently. */
static void test_indirect_two_mappings(void **state)
{
    ToyCPU *c2 = second_vcpu();

    test_indirect_remap(state);         /* the code */
    remap_from = 0x49000;
    remap_to = 0x4a000;
    remap_cpu = &c2->parent;
    tlb_flush(&c2->parent);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(run_jumps_on(toy, 0x48000, 20, 0x49000, 0), 20);
        assert_int_equal(run_jumps_on(c2, 0x48000, 20, 0x49000, 0), 20 * 1000);
    }
    remap_from = (uint64_t)-1;
    remap_cpu = NULL;
    tlb_flush(&c2->parent);
}

/* Loads and stores: TLB hit, miss, page flush, victim TLB, MMIO. */
static void test_tlb(void **state)
{
    const uint32_t code[] = {
        I(OP_ST, 1, 2, 0),           /* 0x5000: mem[r2] = r1 */
        I(OP_LD, 3, 2, 0),           /* r3 = mem[r2] */
        I(OP_LD, 4, 5, 8),           /* r4 = mem[r5 + 8] (MMIO) */
        I(OP_ST, 1, 5, 16),          /* mem[r5 + 16] = r1 (MMIO) */
        I(OP_STOP, 0, 0, 0),
    };
    uint64_t fills;

    put_code(0x5000, code, 5);
    tb_invalidate_phys_range(0x5000, 0x5014);
    reset_cpu(0x5000);
    toy->env.regs[1] = 0x1122334455667788ull;
    toy->env.regs[2] = 0x60008;
    toy->env.regs[5] = MMIO_BASE;
    mmio_writes = 0;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[3], 0x1122334455667788ull);
    assert_memory_equal(ram + 0x60008, &toy->env.regs[1], 8);
    assert_int_equal(toy->env.regs[4], 0xabc00008);
    assert_int_equal(mmio_writes, 1);
    assert_int_equal(mmio_last_write, 0x1122334455667788ull);

    /* Same pages again: all TLB hits, no fills. */
    fills = toy->env.fills;
    reset_cpu(0x5000);
    toy->env.regs[1] = 7;
    toy->env.regs[2] = 0x60010;
    toy->env.regs[5] = MMIO_BASE;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[3], 7);
    assert_int_equal(toy->env.fills, fills);

    /* Flushing the data page forces exactly one new fill for it. */
    tlb_flush_page(&toy->parent, 0x60000);
    reset_cpu(0x5000);
    toy->env.regs[2] = 0x60010;
    toy->env.regs[5] = MMIO_BASE;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.fills, fills + 1);

    /* A conflicting page (same TLB index) evicts into the victim TLB. */
    fills = toy->env.fills;
    reset_cpu(0x5000);
    toy->env.regs[2] = 0x60010 + (CPU_TLB_SIZE << TARGET_PAGE_BITS) % RAM_SIZE;
    toy->env.regs[5] = MMIO_BASE;
    assert_int_equal(run(), EXCP_DEBUG);
    reset_cpu(0x5000);
    toy->env.regs[2] = 0x60010;
    toy->env.regs[5] = MMIO_BASE;
    assert_int_equal(run(), EXCP_DEBUG);
    /* the first run filled the conflicting page; the second hit the victim TLB */
    assert_true(toy->env.fills <= fills + 1);

    /* Full flush: the code page and the data pages are filled again. */
    tlb_flush(&toy->parent);
    fills = toy->env.fills;
    reset_cpu(0x5000);
    toy->env.regs[2] = 0x60010;
    toy->env.regs[5] = MMIO_BASE;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_true(toy->env.fills >= fills + 3);
}

/* A page flush inside a superpage drops every page of it. */
static void test_large_page_flush(void **state)
{
    const uint32_t code[] = { I(OP_LD, 3, 2, 0), I(OP_LD, 4, 5, 0), I(OP_STOP, 0, 0, 0) };
    uint64_t fills;

    put_code(0x5800, code, 3);
    tb_invalidate_phys_range(0x5800, 0x580c);
    for (int round = 0; round < 2; round++) {
        reset_cpu(0x5800);
        toy->env.regs[2] = SUPER_BASE + 0x1000;
        toy->env.regs[5] = SUPER_BASE + 0x3000;
        assert_int_equal(run(), EXCP_DEBUG);
    }
    fills = toy->env.fills;
    /* a third page of the superpage, never accessed */
    tlb_flush_page(&toy->parent, SUPER_BASE + 0x20000);
    reset_cpu(0x5800);
    toy->env.regs[2] = SUPER_BASE + 0x1000;
    toy->env.regs[5] = SUPER_BASE + 0x3000;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_true(toy->env.fills >= fills + 2);

    /* a page flush outside it leaves the superpage entries alone */
    fills = toy->env.fills;
    tlb_flush_page(&toy->parent, 0x70000);
    reset_cpu(0x5800);
    toy->env.regs[2] = SUPER_BASE + 0x1000;
    toy->env.regs[5] = SUPER_BASE + 0x3000;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.fills, fills);
}

/*
 * Every size, sign and byte order, on the fast path (aligned), the slow path
 * (crossing a page) and MMIO, loads and stores.
 */
static void run_memops(void)
{
    static const MemOp ops[] = {
        MO_UB, MO_SB, MO_LEUW, MO_LESW, MO_LEUL, MO_LESL, MO_LEUQ,
        MO_BEUW, MO_BESW, MO_BEUL, MO_BESL, MO_BEUQ,
    };
    static const uint64_t addrs[] = { 0x62010, 0x62ffd, 0x62fff, 0x62ff9 };
    const uint64_t v = 0x8182838485868788ull;

    for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
        MemOp op = ops[k];
        unsigned size = memop_size(op);
        const uint32_t code[] = {
            I(OP_STX, 1, 2, op & ~MO_SIGN),  /* mem[r2] = r1 */
            I(OP_LDX, 3, 2, op),             /* r3 = mem[r2] */
            I(OP_LDX, 4, 5, op),             /* r4 = mmio[r5] */
            I(OP_STOP, 0, 0, 0),
        };

        put_code(0xd000, code, 4);
        tb_invalidate_phys_range(0xd000, 0xd010);
        for (size_t a = 0; a < ARRAY_SIZE(addrs); a++) {
            uint64_t want_mem = 0, want = 0, want_io;
            uint8_t bytes[8];

            memset(ram + 0x62000, 0xee, 0x2000);
            reset_cpu(0xd000);
            toy->env.regs[1] = v;
            toy->env.regs[2] = addrs[a];
            toy->env.regs[5] = MMIO_BASE + 0x18;
            assert_int_equal(run(), EXCP_DEBUG);
            /* memory holds the low `size` bytes of v in the MemOp's byte order */
            for (unsigned i = 0; i < size; i++) {
                unsigned b = (op & MO_BSWAP) ? size - 1 - i : i;
                bytes[i] = (uint8_t)(v >> (8 * b));
                want_mem |= (uint64_t)bytes[i] << (8 * i);
            }
            assert_memory_equal(ram + addrs[a], bytes, size);
            assert_int_equal(ram[addrs[a] + size], 0xee);
            want = size == 8 ? v : v & ((1ull << (8 * size)) - 1);
            if (op & MO_SIGN) {
                want = (uint64_t)((int64_t)(want << (64 - 8 * size)) >> (64 - 8 * size));
            }
            assert_int_equal(toy->env.regs[3], want);
            /* the device returns 0xabc00018 in guest (little-endian) order */
            want_io = 0xabc00018ull;
            if (size < 8) {
                want_io &= (1ull << (8 * size)) - 1;
            }
            if (op & MO_BSWAP) {
                uint64_t r = 0;
                for (unsigned i = 0; i < size; i++) {
                    r |= ((want_io >> (8 * i)) & 0xff) << (8 * (size - 1 - i));
                }
                want_io = r;
            }
            if (op & MO_SIGN) {
                want_io = (uint64_t)((int64_t)(want_io << (64 - 8 * size)) >> (64 - 8 * size));
            }
            assert_int_equal(toy->env.regs[4], want_io);
            (void)want_mem;
        }
    }
}

static void test_memops(void **state)
{
    run_memops();
}

/* The same without MOVBE: byte swaps by bswap/rol after plain moves. */
static void test_memops_no_movbe(void **state)
{
    unsigned saved = tcg_host_features;

    tcg_host_features &= ~TCG_HOST_MOVBE;
    tb_flush(NULL);
    run_memops();
    tcg_host_features = saved;
    tb_flush(NULL);
}

/* A fault in the middle of a TB reports the faulting instruction's pc. */
static void test_precise_exception(void **state)
{
    const uint32_t code[] = {
        I(OP_ADDI, 1, 0, 11),        /* 0x6000 */
        I(OP_ADDI, 2, 0, 22),        /* 0x6004 */
        I(OP_LD, 3, 4, 0),           /* 0x6008: faults when r4 is in FAULT_PAGE */
        I(OP_ADDI, 5, 0, 55),        /* 0x600c: must not run */
        I(OP_STOP, 0, 0, 0),
    };

    put_code(0x6000, code, 5);
    tb_invalidate_phys_range(0x6000, 0x6014);
    reset_cpu(0x6000);
    toy->env.regs[4] = FAULT_PAGE + 0x40;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.last_exc, EXC_FAULT);
    assert_int_equal(toy->env.epc, 0x6008);
    assert_int_equal(toy->env.regs[1], 11);
    assert_int_equal(toy->env.regs[2], 22);
    assert_int_equal(toy->env.regs[5], 0);

    /* A helper raising with GETPC(): ecall at 0x7004. */
    const uint32_t code2[] = { I(OP_ADDI, 1, 0, 1), I(OP_ECALL, 0, 0, 0) };
    put_code(0x7000, code2, 2);
    tb_invalidate_phys_range(0x7000, 0x7008);
    reset_cpu(0x7000);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.last_exc, EXC_ECALL);
    assert_int_equal(toy->env.epc, 0x7004);
    assert_int_equal(toy->env.regs[1], 1);
}

static uint64_t f64_bits(double d)
{
    uint64_t x;
    memcpy(&x, &d, 8);
    return x;
}

/*
 * Floating point values stay in xmm registers across guest accesses: a
 * TLB miss's slow path (whose C code clobbers every xmm register) keeps
 * them, and a fault there finds the changed ones written back to env.
 * A load read next by a floating point op and a store of one's result go
 * straight to and from xmm, also through the slow path.
 */
static void test_fp_across_slow_path(void **state)
{
    const uint32_t code[] = {
        I(OP_FADD, 1, 2, 0),         /* 0x12000: r1 += r2 */
        I(OP_LD, 3, 5, 0),           /*          r3 = mem[r5]: TLB miss */
        I(OP_FADD, 1, 3, 0),         /*          r1 += r3 */
        I(OP_FADD, 2, 2, 0),         /*          r2 += r2 */
        I(OP_ST, 1, 6, 0),           /*          mem[r6] = r1: TLB miss */
        I(OP_LD, 7, 6, 0),           /*          r7 = mem[r6] */
        I(OP_STOP, 0, 0, 0),
    };
    uint64_t four = f64_bits(4.0), fills;

    put_code(0x12000, code, 7);
    tb_invalidate_phys_range(0x12000, 0x1201c);
    for (int fault = 0; fault < 2; fault++) {
        reset_cpu(0x12000);
        tlb_flush_page(&toy->parent, 0x13000);
        tlb_flush_page(&toy->parent, 0x14000);
        toy->env.regs[1] = f64_bits(1.5);
        toy->env.regs[2] = f64_bits(2.25);
        toy->env.regs[5] = fault ? FAULT_PAGE + 8 : 0x13008;
        toy->env.regs[6] = 0x14010;
        memcpy(ram + 0x13008, &four, 8);
        fills = toy->env.fills;
        assert_int_equal(run(), EXCP_DEBUG);
        assert_true(fault || toy->env.fills > fills);
        if (fault) {
            assert_int_equal(toy->env.last_exc, EXC_FAULT);
            assert_int_equal(toy->env.epc, 0x12004);
            assert_int_equal(toy->env.regs[1], f64_bits(3.75));
            assert_int_equal(toy->env.regs[2], f64_bits(2.25));
        } else {
            assert_int_equal(toy->env.nexc, 0);
            assert_int_equal(toy->env.regs[1], f64_bits(7.75));
            assert_int_equal(toy->env.regs[2], f64_bits(4.5));
            assert_memory_equal(ram + 0x14010, &toy->env.regs[1], 8);
            assert_int_equal(toy->env.regs[7], f64_bits(7.75));
        }
    }
}

static void test_unaligned(void **state)
{
    const uint32_t code[] = {
        I(OP_LW, 3, 4, 0),           /* 0x9000 */
        I(OP_STOP, 0, 0, 0),
    };

    put_code(0x9000, code, 2);
    tb_invalidate_phys_range(0x9000, 0x9008);
    memcpy(ram + 0x61000, "\x01\x02\x03\x84\x05\x06\x07\x08", 8);
    reset_cpu(0x9000);
    toy->env.regs[4] = 0x61000;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.nexc, 0);
    assert_int_equal(toy->env.regs[3], 0xffffffff84030201ull);
    reset_cpu(0x9000);
    toy->env.regs[4] = 0x61002;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.last_exc, EXC_ALIGN);
    assert_int_equal(toy->env.epc, 0x9000);
}

/* The guest rewrites an instruction of a translated block. */
static void test_self_modifying(void **state)
{
    const uint32_t code[] = {
        I(OP_ADDI, 1, 1, 1),         /* 0xa000: patched to r1 += 100 */
        I(OP_STOP, 0, 0, 0),
    };
    const uint32_t patcher[] = {
        I(OP_ST, 6, 7, 0),           /* 0xb000: mem[r7] = r6 (8 bytes) */
        I(OP_STOP, 0, 0, 0),
    };
    uint64_t new_insn = I(OP_ADDI, 1, 1, 100) | ((uint64_t)I(OP_STOP, 0, 0, 0) << 32);

    put_code(0xa000, code, 2);
    put_code(0xb000, patcher, 2);
    tb_invalidate_phys_range(0xa000, 0xc000);
    reset_cpu(0xa000);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 1);

    reset_cpu(0xb000);
    toy->env.regs[6] = new_insn;
    toy->env.regs[7] = 0xa000;
    assert_int_equal(run(), EXCP_DEBUG);

    reset_cpu(0xa000);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 100);

    /* Code loaded by a device or loader (memory API write) is seen too. */
    uint32_t insn = I(OP_ADDI, 1, 1, 7);
    address_space_write(get_system_address_space(), 0xa000, &insn, 4);
    reset_cpu(0xa000);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 7);
}

/* A TB that runs into the next page is invalidated by writes to either page. */
static void test_two_page_tb(void **state)
{
    const uint32_t code[] = {
        I(OP_ADDI, 1, 1, 1),         /* 0x10ff8 */
        I(OP_ADDI, 1, 1, 2),         /* 0x10ffc */
        I(OP_ADDI, 1, 1, 4),         /* 0x11000: next page */
        I(OP_STOP, 0, 0, 0),
    };
    uint32_t insn = I(OP_ADDI, 1, 1, 40);

    put_code(0x10ff8, code, 4);
    tb_invalidate_phys_range(0x10ff8, 0x11008);
    reset_cpu(0x10ff8);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 7);

    /* rewrite the instruction on the second page, as a device would */
    address_space_write(get_system_address_space(), 0x11000, &insn, 4);
    reset_cpu(0x10ff8);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 43);

    /* and with a guest store through the TLB slow path */
    reset_cpu(0xb000);
    toy->env.regs[6] = I(OP_ADDI, 1, 1, 100) | ((uint64_t)I(OP_STOP, 0, 0, 0) << 32);
    toy->env.regs[7] = 0x11000;
    const uint32_t patcher[] = { I(OP_ST, 6, 7, 0), I(OP_STOP, 0, 0, 0) };
    put_code(0xb000, patcher, 2);
    tb_invalidate_phys_range(0xb000, 0xb008);
    assert_int_equal(run(), EXCP_DEBUG);
    reset_cpu(0x10ff8);
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 103);
}

static volatile int exec_returned;

/* Kicks until cpu_exec returned: a kick before cpu_exec starts is dropped. */
static gpointer kicker(gpointer opaque)
{
    while (!__atomic_load_n(&exec_returned, __ATOMIC_ACQUIRE)) {
        g_usleep(5000);
        tcg_cpu_kick(&toy->parent);
    }
    return NULL;
}

/* An endless chained loop still returns when the vCPU is kicked. */
static void test_exit_request(void **state)
{
    const uint32_t code[] = {
        I(OP_ADDI, 1, 1, 1),         /* 0xc000 */
        I(OP_BNE, 1, 0, -1),         /* loops while r1 != 0 (practically forever) */
        I(OP_STOP, 0, 0, 0),
    };
    GThread *t;
    int ret;

    put_code(0xc000, code, 3);
    tb_invalidate_phys_range(0xc000, 0xc00c);
    reset_cpu(0xc000);
    exec_returned = 0;
    t = g_thread_new("kicker", kicker, NULL);
    ret = run();
    __atomic_store_n(&exec_returned, 1, __ATOMIC_RELEASE);
    g_thread_join(t);
    assert_int_equal(ret, EXCP_INTERRUPT);
    assert_true(toy->env.regs[1] > 0);
    assert_true(toy->env.pc == 0xc000 || toy->env.pc == 0xc004);
    /* resumes where it stopped (a late kick may interrupt once more) */
    toy->env.regs[1] = (uint64_t)-5;
    while ((ret = run()) == EXCP_INTERRUPT) {
    }
    assert_int_equal(ret, EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 0);
}

/* Enough distinct blocks to fill the code buffer: flushes, keeps working. */
static void test_flush(void **state)
{
    uint32_t code[2] = { I(OP_ADDI, 1, 1, 3), I(OP_STOP, 0, 0, 0) };
    TCGExecStats st0, st1;

    tcg_exec_get_stats(&st0);
    for (int i = 0; i < 6000; i++) {
        uint64_t pc = 0x20000 + (uint64_t)(i % 2000) * 8;
        code[0] = I(OP_ADDI, 1, 1, i);
        put_code(pc, code, 2);
        tb_invalidate_phys_range(pc, pc + 8);
        reset_cpu(pc);
        assert_int_equal(run(), EXCP_DEBUG);
        assert_int_equal(toy->env.regs[1], (uint64_t)i);
    }
    tcg_exec_get_stats(&st1);
    assert_true(st1.flushes > st0.flushes);
    tb_flush(NULL);
    tcg_exec_get_stats(&st0);
    assert_int_equal(st0.tbs, 0);
    assert_int_equal(st0.flushes, st1.flushes + 1);
    reset_cpu(0x1000);
    toy->env.regs[2] = 10;
    assert_int_equal(run(), EXCP_DEBUG);
    assert_int_equal(toy->env.regs[1], 55);
}

/*
 * Two vCPUs on two threads translate distinct code until the small code
 * buffer has been flushed many times: each flush must wait for the other
 * vCPU to leave cpu_exec, and both keep computing the right results.
 */
static gpointer vcpu_thread(gpointer opaque)
{
    ToyCPU *c = opaque;
    uint64_t base = c == toy ? 0x20000 : 0x50000;
    uint32_t code[2] = { 0, I(OP_STOP, 0, 0, 0) };

    for (int i = 0; i < 4000; i++) {
        uint64_t pc = base + (uint64_t)(i % 1500) * 8;
        code[0] = I(OP_ADDI, 1, 1, i);
        put_code(pc, code, 2);
        tb_invalidate_phys_range(pc, pc + 8);
        memset(c->env.regs, 0, sizeof(c->env.regs));
        c->env.pc = pc;
        c->parent.exception_index = -1;
        while (cpu_exec(&c->parent) == EXCP_INTERRUPT) {
            /* kicked by the other vCPU's flush: carry on */
        }
        if (c->env.regs[1] != (uint64_t)i) {
            return GINT_TO_POINTER(i + 1);
        }
    }
    return NULL;
}

static void test_two_vcpus_flush(void **state)
{
    TCGExecStats st0, st1;
    GThread *t1, *t2;

    tcg_exec_get_stats(&st0);
    t1 = g_thread_new("vcpu0", vcpu_thread, toy);
    t2 = g_thread_new("vcpu1", vcpu_thread, second_vcpu());
    assert_null(g_thread_join(t1));
    assert_null(g_thread_join(t2));
    tcg_exec_get_stats(&st1);
    assert_true(st1.flushes >= st0.flushes + 2);
}

/* Single-stepping runs one instruction per cpu_exec, also across jumps. */
static void test_singlestep(void **state)
{
    const uint32_t code[] = {
        I(OP_ADDI, 1, 1, 5),         /* 0xf000 */
        I(OP_ADDI, 1, 1, 6),         /* 0xf004 */
        I(OP_JR, 0, 4, 0),           /* 0xf008: to 0xf000 */
    };
    static const uint64_t pcs[] = { 0xf004, 0xf008, 0xf000, 0xf004 };

    put_code(0xf000, code, 3);
    tb_invalidate_phys_range(0xf000, 0xf00c);
    reset_cpu(0xf000);
    toy->env.regs[4] = 0xf000;
    tcg_cpu_set_singlestep(&toy->parent, true);
    for (size_t i = 0; i < ARRAY_SIZE(pcs); i++) {
        assert_int_equal(run(), EXCP_DEBUG);
        assert_int_equal(toy->env.pc, pcs[i]);
    }
    tcg_cpu_set_singlestep(&toy->parent, false);
    assert_int_equal(toy->env.regs[1], 5 + 6 + 5);
}

/* A flush requested for all vCPUs reaches the other vCPU before its next TB. */
static void test_flush_all_cpus(void **state)
{
    const uint32_t code[] = { I(OP_LD, 3, 2, 0), I(OP_STOP, 0, 0, 0) };
    uint64_t fills;
    int ret;

    put_code(0xe000, code, 2);
    tb_invalidate_phys_range(0xe000, 0xe008);
    memset(toy2->env.regs, 0, sizeof(toy2->env.regs));
    toy2->env.regs[2] = 0x63000;
    toy2->env.pc = 0xe000;
    assert_int_equal(cpu_exec(&toy2->parent), EXCP_DEBUG);
    fills = toy2->env.fills;
    toy2->env.pc = 0xe000;
    assert_int_equal(cpu_exec(&toy2->parent), EXCP_DEBUG);
    assert_int_equal(toy2->env.fills, fills);          /* all hits */

    tlb_flush_all_cpus(&toy->parent);
    toy2->env.pc = 0xe000;
    while ((ret = cpu_exec(&toy2->parent)) == EXCP_INTERRUPT) {
        /* the kick that came with the request */
    }
    assert_int_equal(ret, EXCP_DEBUG);
    assert_true(toy2->env.fills >= fills + 2);         /* code and data pages again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_and_chain),
        cmocka_unit_test(test_indirect),
        cmocka_unit_test(test_indirect_sites),
        cmocka_unit_test(test_indirect_remap),
        cmocka_unit_test(test_indirect_two_mappings),
        cmocka_unit_test(test_tlb),
        cmocka_unit_test(test_large_page_flush),
        cmocka_unit_test(test_memops),
        cmocka_unit_test(test_memops_no_movbe),
        cmocka_unit_test(test_precise_exception),
        cmocka_unit_test(test_unaligned),
        cmocka_unit_test(test_fp_across_slow_path),
        cmocka_unit_test(test_self_modifying),
        cmocka_unit_test(test_two_page_tb),
        cmocka_unit_test(test_exit_request),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_two_vcpus_flush),
        cmocka_unit_test(test_flush_all_cpus),
        cmocka_unit_test(test_singlestep),
    };

    /* e.g. TCG_TEST_LOG=op_opt,out_asm to look at the generated code */
    if (getenv("TCG_TEST_LOG")) {
        uint32_t mask;
        if (log_parse_items(getenv("TCG_TEST_LOG"), &mask, NULL)) {
            log_set_mask(mask);
        }
    }
    return cmocka_run_group_tests(tests, setup, NULL);
}
