/* Sv39 and Sv48 page walks: A/D updates, permission faults (R/W/X, U, SUM,
 * MXR), invalid and non-canonical addresses, misaligned superpages, MPRV,
 * SFENCE.VMA of one address. */
#include "test.h"

#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 16
#define PTE_A 64
#define PTE_D 128
#define PTE(pa, flags) ((((uint64_t)(pa)) >> 12 << 10) | (flags) | PTE_V)

#define VA_BASE 0x40000000ull
#define VA_RW (VA_BASE + 0x0000)
#define VA_RO (VA_BASE + 0x1000)
#define VA_X  (VA_BASE + 0x2000)
#define VA_U  (VA_BASE + 0x3000)
#define VA_NV (VA_BASE + 0x4000)
#define VA_CODE (VA_BASE + 0x5000)        /* code page; the page after it is mapped later */
#define VA_UCODE (VA_BASE + 0x7000)      /* U-mode code: ucode below */
#define VA_HIGH 0x8000000000ull          /* needs Sv48 (bit 39) */

/* U-mode routine on its own page: load from a0, then return to M (test.h magic ecall) */
__asm__(".pushsection .text.ucode, \"ax\"\n .align 12\n .option push\n .option norvc\n"
        "ucode: ld a0, 0(a0)\n li a7, 0x7e57\n ecall\n"
        ".option pop\n .popsection");
extern char ucode[];

/* The default handler reads the faulting instruction physically: skip ucode's ld here. */
static bool ucode_hook(Frame *f, uint64_t cause, uint64_t tval, int mode)
{
    if (f->epc == VA_UCODE) {
        f->epc += 4;
        return true;
    }
    return false;
}

static uint64_t *root, *l1, *l0, *root48, *l2_high, *l1_high, *l0_high;
static uint8_t *page[4], *code_a, *code_b;
static char *next_free = free_mem;

static void *alloc_page(void)
{
    void *p = next_free;
    next_free += 4096;
    for (int i = 0; i < 512; i++) {
        ((uint64_t *)p)[i] = 0;
    }
    return p;
}

static void setup_tables(void)
{
    root = alloc_page();
    l1 = alloc_page();
    l0 = alloc_page();
    for (int i = 0; i < 4; i++) {
        page[i] = alloc_page();
    }
    /* identity gigapages: devices (0-1 GiB) and RAM (2-3 GiB), A and D preset */
    root[0] = PTE(0, PTE_R | PTE_W | PTE_A | PTE_D);
    root[2] = PTE(0x80000000, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[1] = PTE(l1, 0);                                   /* 1-2 GiB: test pages */
    l1[0] = PTE(l0, 0);
    l0[0] = PTE(page[0], PTE_R | PTE_W);                    /* A, D clear */
    l0[1] = PTE(page[1], PTE_R | PTE_A);
    l0[2] = PTE(page[2], PTE_X | PTE_A);
    l0[3] = PTE(page[3], PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    l0[4] = 0;                                              /* not valid */
    /* a 2 MiB leaf whose PPN is not 2 MiB aligned: misaligned superpage */
    l1[1] = PTE(0x80001000, PTE_R | PTE_A);
    /* Sv48: the Sv39 root serves as the level-2 table for the low 512 GiB */
    root48 = alloc_page();
    l2_high = alloc_page();
    l1_high = alloc_page();
    l0_high = alloc_page();
    root48[0] = PTE(root, 0);
    root48[1] = PTE(l2_high, 0);
    l2_high[0] = PTE(l1_high, 0);
    l1_high[0] = PTE(l0_high, 0);
    l0_high[0] = PTE(page[3], PTE_R | PTE_W | PTE_A | PTE_D);
    /* two physically contiguous pages; a 32-bit addi straddles them:
     * c.li a0, 0 | addi a0, a0, 7 (low half, high half) | c.jr ra */
    code_a = alloc_page();
    code_b = alloc_page();
    *(uint16_t *)(code_a + 0xffc) = 0x4501;
    *(uint16_t *)(code_a + 0xffe) = 0x0513;
    *(uint16_t *)(code_b + 0) = 0x0075;
    *(uint16_t *)(code_b + 2) = 0x8082;
    l0[5] = PTE(code_a, PTE_X | PTE_A);
    l0[6] = 0;
    l0[7] = PTE(ucode, PTE_X | PTE_U | PTE_A);
    /* X page: li a0, 42; ret */
    ((uint32_t *)page[2])[0] = 0x02a00513;
    ((uint32_t *)page[2])[1] = 0x00008067;
    __asm__ volatile("fence.i");
}

static void set_satp(int mode, void *table)
{
    csr_write(satp, (uint64_t)mode << 60 | (uint64_t)table >> 12);
    __asm__ volatile("sfence.vma");
}

static long load(long va) { return *(volatile uint64_t *)va; }
static long store(long va) { *(volatile uint64_t *)va = 0x1234; return 0; }
static long call(long va) { return ((long (*)(void))va)(); }

static void check_accessed_dirty(void)
{
    CHECK_NO_TRAP(run_in_mode(PRV_S, load, VA_RW));
    CHECK(l0[0] & PTE_A);
    CHECK(!(l0[0] & PTE_D));
    CHECK_NO_TRAP(run_in_mode(PRV_S, store, VA_RW + 8));
    CHECK(l0[0] & PTE_D);
    CHECK_EQ(*(uint64_t *)(page[0] + 8), 0x1234);
}

static void check_permissions(void)
{
    CHECK_TRAP(run_in_mode(PRV_S, store, VA_RO), 15, VA_RO);
    CHECK_EQ(run_in_mode(PRV_S, load, VA_RO), 0);
    /* X-only: no loads unless MXR; it can be executed */
    CHECK_TRAP(run_in_mode(PRV_S, load, VA_X), 13, VA_X);
    csr_set(mstatus, MSTATUS_MXR);
    CHECK_NO_TRAP(run_in_mode(PRV_S, load, VA_X));
    csr_clear(mstatus, MSTATUS_MXR);
    __asm__ volatile("sfence.vma");
    CHECK_TRAP(run_in_mode(PRV_S, load, VA_X), 13, VA_X);
    CHECK_EQ(run_in_mode(PRV_S, call, VA_X), 42);
    /* executing a non-X page: instruction page fault */
    CHECK_TRAP(run_in_mode(PRV_S, call, VA_RW), 12, VA_RW);
    /* U pages: S needs SUM for data and can never execute them */
    CHECK_TRAP(run_in_mode(PRV_S, load, VA_U), 13, VA_U);
    csr_set(mstatus, MSTATUS_SUM);
    CHECK_NO_TRAP(run_in_mode(PRV_S, store, VA_U));
    CHECK_TRAP(run_in_mode(PRV_S, call, VA_U), 12, VA_U);
    csr_clear(mstatus, MSTATUS_SUM);
    /* U mode reaches U pages only */
    *(volatile uint64_t *)page[3] = 0x55;
    trap_hook = ucode_hook;
    CHECK_EQ(run_in_mode(PRV_U, (long (*)(long))VA_UCODE, VA_U), 0x55);
    CHECK_TRAP(run_in_mode(PRV_U, (long (*)(long))VA_UCODE, VA_RW), 13, VA_RW);
    /* invalid, non-canonical, misaligned superpage */
    CHECK_TRAP(run_in_mode(PRV_S, load, VA_NV), 13, VA_NV);
    CHECK_TRAP(run_in_mode(PRV_S, load, 0x0000004000000000ull), 13, 0x0000004000000000ull);
    CHECK_TRAP(run_in_mode(PRV_S, store, VA_BASE + 0x200000), 15, VA_BASE + 0x200000);
}

static void check_mprv(void)
{
    /* M with MPRV and MPP = S: data accesses are translated as S */
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, 1ul << 11 | MSTATUS_MPRV);
    uint64_t v = *(volatile uint64_t *)(VA_RW + 8);
    csr_clear(mstatus, MSTATUS_MPRV);
    CHECK_EQ(v, 0x1234);
    csr_set(mstatus, MSTATUS_MPRV);
    *(volatile uint64_t *)VA_RO = 1;     /* faults: read-only page */
    csr_clear(mstatus, MSTATUS_MPRV);
    CHECK_EQ(last_trap.cause, 15);
    CHECK_EQ(last_trap.tval, VA_RO);
    csr_set(mstatus, MSTATUS_MPP);
}

/* A 32-bit instruction at a page end: its second half comes from the next page. */
static void check_fetch_across_pages(void)
{
    CHECK_EQ(call((long)(code_a + 0xffc)), 7);            /* M, physical */
    CHECK_TRAP(run_in_mode(PRV_S, call, VA_CODE + 0xffc), 12, VA_CODE + 0x1000);
    CHECK_EQ(last_trap.epc, VA_CODE + 0xffe);
    l0[6] = PTE(code_b, PTE_X | PTE_A);
    __asm__ volatile("sfence.vma");
    CHECK_EQ(run_in_mode(PRV_S, call, VA_CODE + 0xffc), 7);
}

/*
 * SFENCE.VMA with an address drops the leaf that maps it: for a megapage,
 * the whole 2 MiB, even if the fence names another 4 KiB inside it; for a
 * 4 KiB page, that page.
 */
#define VA_MEGA (VA_BASE + 0x400000)         /* l1[2] */
#define PA_MEGA_A 0x87000000ull              /* two 2 MiB aligned RAM blocks */
#define PA_MEGA_B 0x87200000ull

static void fence_va(uint64_t va)
{
    __asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");
}

static void check_sfence_address(void)
{
    *(volatile uint64_t *)(PA_MEGA_A + 0x1000) = 1;
    *(volatile uint64_t *)(PA_MEGA_B + 0x1000) = 2;
    l1[2] = PTE(PA_MEGA_A, PTE_R | PTE_W | PTE_A | PTE_D);
    __asm__ volatile("sfence.vma");
    CHECK_EQ(run_in_mode(PRV_S, load, VA_MEGA + 0x1000), 1);
    l1[2] = PTE(PA_MEGA_B, PTE_R | PTE_W | PTE_A | PTE_D);
    fence_va(VA_MEGA + 0x5000);
    CHECK_EQ(run_in_mode(PRV_S, load, VA_MEGA + 0x1000), 2);
    l1[2] = 0;
    fence_va(VA_MEGA);
    CHECK_TRAP(run_in_mode(PRV_S, load, VA_MEGA + 0x1000), 13, VA_MEGA + 0x1000);

    *(volatile uint64_t *)page[1] = 3;
    *(volatile uint64_t *)page[3] = 4;
    CHECK_EQ(run_in_mode(PRV_S, load, VA_RO), 3);
    l0[1] = PTE(page[3], PTE_R | PTE_A);
    fence_va(VA_RO);
    CHECK_EQ(run_in_mode(PRV_S, load, VA_RO), 4);
    l0[1] = PTE(page[1], PTE_R | PTE_A);
    fence_va(VA_RO);
    CHECK_EQ(run_in_mode(PRV_S, load, VA_RO), 3);
    *(volatile uint64_t *)page[1] = 0;
}

int main(void)
{
    setup_tables();
    set_satp(8, root);                   /* Sv39 */
    check_accessed_dirty();
    check_permissions();
    check_mprv();
    check_fetch_across_pages();
    check_sfence_address();
    CHECK_TRAP(run_in_mode(PRV_S, load, VA_HIGH), 13, VA_HIGH);   /* not canonical in Sv39 */
    set_satp(9, root48);                 /* Sv48 */
    *(volatile uint64_t *)page[3] = 77;
    CHECK_EQ(run_in_mode(PRV_S, load, VA_HIGH), 77);
    CHECK_EQ(run_in_mode(PRV_S, load, VA_RO), 0);
    CHECK_TRAP(run_in_mode(PRV_S, store, VA_RO), 15, VA_RO);
    set_satp(0, 0);
    return 0;
}
