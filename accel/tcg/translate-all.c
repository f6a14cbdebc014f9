/*
 * The TB cache: the code buffer, translation of new TBs, the hash table
 * that finds them, chaining, invalidation of code written by the guest, and
 * mapping a host code address back to the guest instruction.
 *
 * Locking: tb_lock serializes translation and every change to the hash
 * table, page lists and jumps. Lookups take no lock: TBs are inserted with
 * release stores and are freed only by tb_flush, which waits until no vCPU
 * is in cpu_exec (tcg_exec_rwlock, taken for reading by cpu_exec).
 */
#include "tern/osdep.h"
#include <sys/mman.h>
#include <unistd.h>
#include "internal.h"
#include "tcg/tcg-op.h"
#include "sysemu/gdbstub.h"

/*
 * Code buffer. W^X: the buffer is one memfd mapped twice, read+execute
 * where the code runs and read+write where the translator writes it, so no
 * page is ever writable and executable at once and no mprotect() call (a
 * syscall plus a TLB shootdown on every vCPU) is needed per translation or
 * per chained jump. If memfd is unavailable we fall back to one RWX mapping.
 */
static uint8_t *code_rx;
static ptrdiff_t code_rw_offset;
static size_t code_size;
static uint8_t *code_tb_start;     /* after the prologue */
static uint8_t *code_ptr;          /* next free byte (executable view) */
#define CODE_SLACK 65536           /* room for the largest TB past the limit */

const TCGCPUOps *tcg_cpu_ops;
void (*tcg_user_code_page_hook)(uint64_t guest_page);
void (*tcg_user_bad_addr_hook)(CPUState *cpu, uint64_t addr, int access_type, uintptr_t ra);
bool (*tcg_user_exec_hook)(uint64_t addr);

/* User mode: may the guest execute at addr (tcg_user_exec_hook)? */
static bool user_may_exec(uint64_t addr)
{
    return !tcg_ctx->user_mode || !tcg_user_exec_hook || tcg_user_exec_hook(addr);
}

/* Raise a fetch fault unless the guest may execute at addr. */
static void user_check_exec(CPUState *cpu, uint64_t addr)
{
    if (!user_may_exec(addr)) {
        tcg_user_bad_addr_hook(cpu, addr, MMU_INST_FETCH, 0);
    }
}
intptr_t tcg_tlb_offset;
volatile unsigned tb_flush_count;

/*
 * vCPUs hold tcg_exec_rwlock for reading while in cpu_exec; tb_flush takes it
 * for writing. glib's rwlock prefers readers, so a flusher announces itself
 * in exclusive_pending and entering vCPUs wait for it first.
 */
static GRWLock tcg_exec_rwlock;
static GMutex exclusive_lock;
static GCond exclusive_cond;
static int exclusive_pending;

void tcg_exec_enter(void)
{
    for (;;) {
        if (!__atomic_load_n(&exclusive_pending, __ATOMIC_ACQUIRE)) {
            g_rw_lock_reader_lock(&tcg_exec_rwlock);
            if (!__atomic_load_n(&exclusive_pending, __ATOMIC_ACQUIRE)) {
                return;
            }
            g_rw_lock_reader_unlock(&tcg_exec_rwlock);
        }
        g_mutex_lock(&exclusive_lock);
        while (__atomic_load_n(&exclusive_pending, __ATOMIC_ACQUIRE)) {
            g_cond_wait(&exclusive_cond, &exclusive_lock);
        }
        g_mutex_unlock(&exclusive_lock);
    }
}

void tcg_exec_leave(void)
{
    g_rw_lock_reader_unlock(&tcg_exec_rwlock);
}

static GMutex tb_lock;
static __thread bool tb_lock_held;

#define TB_HASH_BITS 16
static TranslationBlock *tb_hash[1u << TB_HASH_BITS];

static GPtrArray *all_tbs;          /* in code address order, since the last flush */
static GHashTable *code_pages;      /* guest physical page -> GPtrArray of TBs */

/*
 * One bit per guest physical page below CODE_BITMAP_LIMIT that holds code,
 * so that TLB fills can ask page_has_code() without taking tb_lock.
 * Written under tb_lock; the mapping is reserved lazily by the kernel.
 */
#define CODE_BITMAP_LIMIT (1ull << 40)
static unsigned long *code_bitmap;

static void code_bitmap_set(hwaddr page, bool on)
{
    uint64_t n = page >> TARGET_PAGE_BITS;
    unsigned long bit = 1ul << (n % 64);

    if (page >= CODE_BITMAP_LIMIT) {
        return;
    }
    if (on) {
        __atomic_or_fetch(&code_bitmap[n / 64], bit, __ATOMIC_RELEASE);
    } else {
        __atomic_and_fetch(&code_bitmap[n / 64], ~bit, __ATOMIC_RELEASE);
    }
}

/*
 * The host FP flags when the lock was taken: code under the lock (glib's
 * hash tables) may raise some, and generated code keeps guest flags there
 * (tcg_fp_flags in tcg/tcg.h).
 */
static unsigned tb_lock_fp_flags;

static void tb_lock_take(void)
{
    g_mutex_lock(&tb_lock);
    tb_lock_held = true;
    tb_lock_fp_flags = tcg_fp_flags();
}

static void tb_lock_release(void)
{
    tcg_fp_set_flags(tb_lock_fp_flags);
    tb_lock_held = false;
    g_mutex_unlock(&tb_lock);
}

void tb_unlock_after_longjmp(void)
{
    clear_helper_retaddr();
    if (tb_lock_held) {
        tb_lock_release();
    }
}

static void memory_write_hook(hwaddr addr, hwaddr len);

/*
 * Slots of indirect jumps (TCGContext.jmp_slots): a site costs over 128
 * bytes of code, so they never run out first. User mode: one pointer per
 * site, in private read+write pages right after the code so that generated
 * code reaches them rip-relative, and so that their stores are not stores
 * into pages holding code (which x86 cores treat as self-modifying code).
 */
#define JMP_SLOT_COUNT(code_size) ((code_size) / 128)

/* The code buffer; in user mode the shared slots after it. */
static void code_buffer_alloc(size_t size, bool user_mode)
{
    bool shared_slots = user_mode && size <= (1u << 30);    /* in rel32 reach */
    size_t slots_size = shared_slots ? JMP_SLOT_COUNT(size) * sizeof(TranslationBlock *) : 0;
    int fd = memfd_create("tern-jit", MFD_CLOEXEC);
    uint8_t *base, *rx = MAP_FAILED, *rw = MAP_FAILED;

    /*
     * Ask for the executable view just below our own text so that calls
     * from generated code to helpers fit a rel32 call (a hint only).
     */
    void *hint = (void *)((((uintptr_t)code_buffer_alloc) & ~(uintptr_t)0xfffff) -
                          size - slots_size - (64u << 20));

    /* one reservation for the code and the slots after it */
    base = mmap(hint, size + slots_size, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        error_exit("tcg: cannot map a %zu byte code buffer: %s", size, strerror(errno));
    }
    if (fd >= 0 && ftruncate(fd, size) == 0) {
        rx = mmap(base, size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0);
        rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rx == MAP_FAILED || rw == MAP_FAILED) {
        if (rw != MAP_FAILED) {
            munmap(rw, size);
        }
        warn_report("tcg: no memfd double mapping, using one RWX code buffer");
        rx = rw = mmap(base, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (rx == MAP_FAILED) {
            error_exit("tcg: cannot map a %zu byte code buffer: %s", size, strerror(errno));
        }
    }
    if (slots_size && mprotect(base + size, slots_size, PROT_READ | PROT_WRITE) != 0) {
        error_exit("tcg: cannot map %zu bytes of jump slots: %s", slots_size, strerror(errno));
    }
    code_rx = rx;
    code_rw_offset = rw - rx;
    code_size = size;
    tcg_ctx->jmp_slots = shared_slots ? (TranslationBlock **)(base + size) : NULL;
    /* system mode: the vCPUs' own slots (tcg_cpu_init) */
    tcg_ctx->jmp_slot_count = shared_slots || !user_mode ? JMP_SLOT_COUNT(size) : 0;
}

/*
 * fork() in user mode. The memfd code buffer is a MAP_SHARED mapping, which
 * a child would go on sharing with its parent, each writing translations and
 * chained jumps over the other's. Under tb_lock, so that no thread changes
 * it, the parent copies the part in use into a new memfd before fork (after
 * fork it goes on translating at once); the child maps the copy over both
 * views. The RWX fallback buffer is private memory, which fork copies.
 */
static int fork_code_fd = -1;

bool tb_fork_prepare(void)
{
    ssize_t used;
    int fd;

    tb_lock_take();
    if (!code_rw_offset) {
        return true;
    }
    used = code_ptr - code_rx;
    fd = memfd_create("tern-jit", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, code_size) != 0 || write(fd, code_rx, used) != used) {
        warn_report("fork: cannot copy the translated code: %s", strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        tb_lock_release();
        return false;
    }
    fork_code_fd = fd;
    return true;
}

void tb_fork_done(bool child)
{
    int fd = fork_code_fd, err = errno;     /* fork's errno, for the caller */

    fork_code_fd = -1;
    if (fd >= 0 && child &&
        (mmap(code_rx, code_size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0) ==
         MAP_FAILED ||
         mmap(code_rx + code_rw_offset, code_size, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)) {
        error_exit("fork: cannot map the child's copy of the translated code: %s",
                   strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    tb_lock_release();
    errno = err;
}

void tcg_exec_init(const TCGCPUOps *ops, size_t size, bool user_mode, uintptr_t guest_base)
{
    size_t len;

    if (tcg_cpu_ops) {
        return;
    }
    tcg_cpu_ops = ops;
    tcg_tlb_offset = ops->tlb_offset;
    tcg_context_init();
    tcg_set_guest_memory(user_mode, guest_base, ops->tlb_offset + offsetof(CPUTLB, table),
                         ops->nb_mmu_modes);
    tcg_ctx->jc_env_offset = ops->tlb_offset + offsetof(CPUTLB, jmp_cache);
    /* globals first: the prologue loads the ones the front end pins */
    if (ops->initialize) {
        ops->initialize();
    }
    code_buffer_alloc(size ? size : 256u << 20, user_mode);
    len = tcg_prologue_init(code_rx, code_size, code_rw_offset);
    code_tb_start = code_ptr = code_rx + TERN_ALIGN_UP(len, 64);
    tcg_ctx->jmp_slot_next = 0;     /* the slots go with the code */
    all_tbs = g_ptr_array_new();
    code_bitmap = mmap(NULL, CODE_BITMAP_LIMIT >> (TARGET_PAGE_BITS + 3), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (code_bitmap == MAP_FAILED) {
        error_exit("tcg: cannot map the code page bitmap: %s", strerror(errno));
    }
    code_pages = g_hash_table_new(g_direct_hash, g_direct_equal);
    if (!user_mode) {
        memory_ram_write_hook = memory_write_hook;
    }
}

/* ------------------------------------------------------------------------ */
/* Hash table */

static unsigned tb_hash_func(hwaddr phys_pc, uint64_t pc, uint32_t flags)
{
    uint64_t h = (phys_pc * 0x9e3779b97f4a7c15ull) ^ (pc >> 1) ^ ((uint64_t)flags << 32);
    h *= 0xff51afd7ed558ccdull;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static hwaddr tb_phys_pc(const TranslationBlock *tb)
{
    return tb->page_addr[0] | (tb->pc & ~TARGET_PAGE_MASK);
}

/* Does tb match? Its second page must still map to the same physical page. */
static bool tb_matches(CPUState *cpu, TranslationBlock *tb, hwaddr phys_pc,
                       uint64_t pc, uint32_t flags, bool may_fill)
{
    if (tb->pc != pc || tb->flags != flags || tb_phys_pc(tb) != phys_pc || tb_is_invalid(tb)) {
        return false;
    }
    if (tb->page_addr[1] != (hwaddr)-1) {
        uint64_t pc2 = (pc & TARGET_PAGE_MASK) + TARGET_PAGE_SIZE;
        hwaddr p2 = may_fill ? get_page_addr_code(cpu, pc2) : get_page_addr_code_nofill(cpu, pc2);
        return p2 == tb->page_addr[1];
    }
    return true;
}

static TranslationBlock *tb_htable_lookup(CPUState *cpu, uint64_t pc, uint32_t flags,
                                          bool may_fill)
{
    hwaddr phys = may_fill ? get_page_addr_code(cpu, pc) : get_page_addr_code_nofill(cpu, pc);
    TranslationBlock *tb;

    if (phys == (hwaddr)-1) {
        return NULL;
    }
    tb = __atomic_load_n(&tb_hash[tb_hash_func(phys, pc, flags)], __ATOMIC_ACQUIRE);
    for (; tb; tb = __atomic_load_n(&tb->hash_next, __ATOMIC_ACQUIRE)) {
        if (tb_matches(cpu, tb, phys, pc, flags, may_fill)) {
            return tb;
        }
    }
    return NULL;
}

/* Jump cache, then hash table. may_fill: a TLB miss may walk page tables. */
TranslationBlock *tb_lookup(CPUState *cpu, uint64_t pc, uint32_t flags, bool may_fill)
{
    TCGCPUState *ts = cpu_tcg(cpu);
    unsigned h = tb_jmp_cache_hash(pc);
    TranslationBlock *tb = __atomic_load_n(&ts->jc.e[h].tb, __ATOMIC_ACQUIRE);

    if (tb && ts->jc.e[h].gen == ts->jc.gen && tb->pc == pc && tb->flags == flags &&
        !tb_is_invalid(tb)) {
        return tb;
    }
    tb = tb_htable_lookup(cpu, pc, flags, may_fill);
    if (tb) {
        ts->jc.e[h].gen = ts->jc.gen;
        __atomic_store_n(&ts->jc.e[h].tb, tb, __ATOMIC_RELEASE);
    }
    return tb;
}

/* Called on the vCPU's own thread (TLB flush) or with all vCPUs out (tb_flush). */
void tb_jmp_cache_clear(CPUState *cpu)
{
    cpu_tcg(cpu)->jc.gen++;
    cpu_tcg(cpu)->jc.slot_epoch++;
}

void tb_jmp_cache_clear_page(CPUState *cpu, uint64_t addr)
{
    TCGCPUState *ts = cpu_tcg(cpu);

    ts->jc.slot_epoch++;    /* slots are not by page: drop them all */
    /* also the previous page: a TB starting there may run into this one */
    for (int k = 0; k < 2; k++) {
        unsigned base = tb_jmp_cache_hash(addr - k * TARGET_PAGE_SIZE) & ~(TB_JMP_GROUP - 1);
        for (unsigned i = 0; i < TB_JMP_GROUP; i++) {
            __atomic_store_n(&ts->jc.e[base + i].tb, NULL, __ATOMIC_RELAXED);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Chaining */

static void tb_set_jmp_target(TranslationBlock *tb, int n, const uint8_t *target)
{
    uint8_t *field = tb->tc.ptr + tb->jmp_insn_offset[n];
    uint32_t disp = (uint32_t)(target - (field + 4));

    /* the rel32 field is 4-byte aligned: one atomic store retargets the jump */
    __atomic_store_n((uint32_t *)(field + code_rw_offset), disp, __ATOMIC_RELEASE);
}

void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *dest)
{
    if (tb->jmp_insn_offset[n] == UINT32_MAX || (tb->cflags & CF_NOCHAIN) ||
        (dest->cflags & CF_NOCHAIN)) {
        return;
    }
    tb_lock_take();
    if (!tb->jmp_dest[n] && !tb_is_invalid(tb) && !tb_is_invalid(dest)) {
        /*
         * A jump forward (to a higher block start) skips dest's check of
         * exit_request. Every cycle of chained blocks has a jump that is not
         * forward, and indirect jumps and entries from the loop go through
         * the check, so a kicked vCPU still leaves within one pass of a loop.
         */
        uint32_t skip = dest->pc > tb->pc ? dest->body_offset : 0;

        tb->jmp_dest[n] = dest;
        g_ptr_array_add(dest->jmp_incoming, (void *)((uintptr_t)tb | n));
        tb_set_jmp_target(tb, n, dest->tc.ptr + skip);
    }
    tb_lock_release();
}

/* ------------------------------------------------------------------------ */
/* Invalidation (tb_lock held) */

static void page_remove_tb(hwaddr page, TranslationBlock *tb)
{
    GPtrArray *list = g_hash_table_lookup(code_pages, (gpointer)(uintptr_t)page);

    if (list) {
        g_ptr_array_remove_fast(list, tb);
        if (list->len == 0) {
            g_hash_table_remove(code_pages, (gpointer)(uintptr_t)page);
            g_ptr_array_free(list, true);
            code_bitmap_set(page, false);
        }
    }
}

static void tb_phys_invalidate(TranslationBlock *tb)
{
    unsigned h = tb_hash_func(tb_phys_pc(tb), tb->pc, tb->flags);
    TranslationBlock **pp;

    __atomic_or_fetch(&tb->cflags, CF_INVALID, __ATOMIC_RELEASE);
    __atomic_store_n(&tb->jmp_pc, TB_JMP_PC_INVALID, __ATOMIC_RELEASE);
    for (pp = &tb_hash[h]; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            __atomic_store_n(pp, tb->hash_next, __ATOMIC_RELEASE);
            break;
        }
    }
    page_remove_tb(tb->page_addr[0], tb);
    if (tb->page_addr[1] != (hwaddr)-1) {
        page_remove_tb(tb->page_addr[1], tb);
    }
    /* Jumps into tb go back to their unchained path. */
    for (guint i = 0; i < tb->jmp_incoming->len; i++) {
        uintptr_t e = (uintptr_t)g_ptr_array_index(tb->jmp_incoming, i);
        TranslationBlock *src = (TranslationBlock *)(e & ~(uintptr_t)3);
        int n = e & 3;
        tb_set_jmp_target(src, n, src->tc.ptr + src->jmp_reset_offset[n]);
        src->jmp_dest[n] = NULL;
    }
    g_ptr_array_set_size(tb->jmp_incoming, 0);
    for (int n = 0; n < TCG_MAX_GOTO_TB; n++) {
        TranslationBlock *dest = tb->jmp_dest[n];
        if (dest) {
            g_ptr_array_remove_fast(dest->jmp_incoming, (void *)((uintptr_t)tb | n));
            tb->jmp_dest[n] = NULL;
        }
    }
}

/* Guest physical bytes [start, end) of tb's code on page `page`. */
static bool tb_overlaps(const TranslationBlock *tb, hwaddr page, hwaddr start, hwaddr end)
{
    hwaddr lo, hi;
    uint64_t first_len = TARGET_PAGE_SIZE - (tb->pc & ~TARGET_PAGE_MASK);

    if (page == tb->page_addr[0]) {
        lo = tb_phys_pc(tb);
        hi = lo + MIN((uint64_t)tb->size, first_len);
    } else {
        lo = tb->page_addr[1];
        hi = lo + (tb->size - first_len);
    }
    return lo < end && start < hi;
}

bool page_has_code(hwaddr page)
{
    bool locked = tb_lock_held;     /* code fetch during translation fills the TLB */
    bool r;

    if (page < CODE_BITMAP_LIMIT) {
        uint64_t n = page >> TARGET_PAGE_BITS;
        return (__atomic_load_n(&code_bitmap[n / 64], __ATOMIC_ACQUIRE) >> (n % 64)) & 1;
    }
    if (!locked) {
        tb_lock_take();
    }
    r = g_hash_table_contains(code_pages, (gpointer)(uintptr_t)page);
    if (!locked) {
        tb_lock_release();
    }
    return r;
}

void tb_invalidate_phys_range(hwaddr start, hwaddr end)
{
    bool locked = tb_lock_held;

    bool any = false;

    if (!code_pages || start >= end) {
        return;
    }
    /* Most writes (DMA, data) touch no code: check without the lock first. */
    for (hwaddr page = start & TARGET_PAGE_MASK; page < end && !any; page += TARGET_PAGE_SIZE) {
        any = page_has_code(page);
    }
    if (!any) {
        return;
    }
    if (!locked) {
        tb_lock_take();
    }
    for (hwaddr page = start & TARGET_PAGE_MASK; page < end; page += TARGET_PAGE_SIZE) {
        GPtrArray *list = g_hash_table_lookup(code_pages, (gpointer)(uintptr_t)page);
        for (guint i = 0; list && i < list->len;) {
            TranslationBlock *tb = g_ptr_array_index(list, i);
            if (tb_overlaps(tb, page, start, end)) {
                bool last = list->len == 1;
                tb_phys_invalidate(tb);     /* removes tb from list (maybe frees it) */
                if (last) {
                    break;
                }
            } else {
                i++;
            }
        }
    }
    if (!locked) {
        tb_lock_release();
    }
}

static void memory_write_hook(hwaddr addr, hwaddr len)
{
    tb_invalidate_phys_range(addr, addr + len);
}

/* ------------------------------------------------------------------------ */
/* Flush */

static void do_tb_flush(void)
{
    for (guint i = 0; i < all_tbs->len; i++) {
        TranslationBlock *tb = g_ptr_array_index(all_tbs, i);
        g_ptr_array_free(tb->jmp_incoming, true);
        g_free(tb->insn_end);
        g_free(tb->insn_data);
        g_free(tb->fault_maps);
        g_free(tb->fault_entries);
        g_free(tb);
    }
    g_ptr_array_set_size(all_tbs, 0);
    g_hash_table_remove_all(code_pages);
    /* give the bitmap's pages back to the kernel: they read as zero again */
    madvise(code_bitmap, CODE_BITMAP_LIMIT >> (TARGET_PAGE_BITS + 3), MADV_DONTNEED);
    memset(tb_hash, 0, sizeof(tb_hash));
    code_ptr = code_tb_start;
    tcg_ctx->jmp_slot_next = 0;     /* the slots go with the code */
    __atomic_add_fetch(&tb_flush_count, 1, __ATOMIC_SEQ_CST);
}

/*
 * Drop all translations. Must wait until no other vCPU is inside cpu_exec:
 * the caller (a vCPU in cpu_exec) gives up its read lock, kicks the others
 * out and takes the lock for writing.
 */
static void tb_flush_exclusive(CPUState *self)
{
    unsigned count = tb_flush_count;
    bool locked = tb_lock_held;
    CPUState *cpu;

    if (locked) {
        tb_lock_release();
    }
    if (self) {
        tcg_exec_leave();
    }
    g_mutex_lock(&exclusive_lock);
    __atomic_add_fetch(&exclusive_pending, 1, __ATOMIC_SEQ_CST);
    g_mutex_unlock(&exclusive_lock);
    CPU_FOREACH(cpu) {
        if (cpu != self && cpu->tcg) {
            tcg_cpu_kick(cpu);
        }
    }
    g_rw_lock_writer_lock(&tcg_exec_rwlock);
    if (count == tb_flush_count) {
        do_tb_flush();
        CPU_FOREACH(cpu) {
            if (cpu->tcg) {
                tb_jmp_cache_clear(cpu);
            }
        }
    }
    g_rw_lock_writer_unlock(&tcg_exec_rwlock);
    g_mutex_lock(&exclusive_lock);
    __atomic_sub_fetch(&exclusive_pending, 1, __ATOMIC_SEQ_CST);
    g_cond_broadcast(&exclusive_cond);
    g_mutex_unlock(&exclusive_lock);
    if (self) {
        tcg_exec_enter();
    }
    if (locked) {
        tb_lock_take();
    }
}

void tb_flush(CPUState *cpu)
{
    tb_flush_exclusive(cpu);
}

/* ------------------------------------------------------------------------ */
/* Translation */

static void page_add_tb(hwaddr page, TranslationBlock *tb)
{
    GPtrArray *list = g_hash_table_lookup(code_pages, (gpointer)(uintptr_t)page);

    if (!list) {
        list = g_ptr_array_new();
        g_hash_table_insert(code_pages, (gpointer)(uintptr_t)page, list);
        code_bitmap_set(page, true);
        /* from now on, guest stores to this page go through the slow path */
        tlb_protect_code(page);
        if (tcg_ctx->user_mode && tcg_user_code_page_hook) {
            tcg_user_code_page_hook(page);
        }
    }
    g_ptr_array_add(list, tb);
}

/* Emitted before the guest code: leave if the vCPU was kicked. */
static TCGLabel *gen_tb_start(void)
{
    TCGv_i32 flag = tcg_temp_ebb_new_i32();
    TCGLabel *exit = gen_new_label();

    tcg_gen_ld_i32(flag, tcg_env, tcg_tlb_offset + offsetof(CPUTLB, exit_request));
    tcg_gen_brcondi_i32(TCG_COND_NE, flag, 0, exit);
    tcg_temp_free_i32(flag);
    return exit;
}

static void gen_tb_end(TranslationBlock *tb, TCGLabel *exit)
{
    gen_set_label(exit);
    tcg_gen_exit_tb(tb, TB_EXIT_REQUESTED);
}

TranslationBlock *tb_gen_code(CPUState *cpu, uint64_t pc, uint32_t flags, uint32_t cflags)
{
    hwaddr phys = get_page_addr_code(cpu, pc);       /* may raise a fetch fault */

    user_check_exec(cpu, pc);
    TCGContext *s = tcg_ctx;
    TranslationBlock *tb, *existing;
    uint32_t slots;
    int max_insns = cflags & CF_COUNT_MASK;
    bool flushed = false;
    int size;

    if (phys == (hwaddr)-1) {
        error_report("tcg: guest executes from non-RAM address 0x%" PRIx64 " (pc)", pc);
        exit(1);
    }
    if (max_insns == 0 || max_insns > TCG_MAX_INSNS) {
        max_insns = TCG_MAX_INSNS;
    }
    if (tern_log_enabled(LOG_NOCHAIN)) {
        cflags |= CF_NOCHAIN;
    }
    tb_lock_take();
    existing = (cflags & CF_NOCACHE) ? NULL : tb_htable_lookup(cpu, pc, flags, false);
    if (existing) {
        tb_lock_release();
        return existing;
    }

    for (;;) {
        TCGLabel *exit;

        if (code_ptr + CODE_SLACK > code_rx + code_size) {
            tb_flush_exclusive(cpu);
        }
        tb = g_new0(TranslationBlock, 1);
        tb->pc = pc;
        tb->jmp_pc = pc;
        tb->flags = flags;
        tb->cflags = cflags;
        tb->page_addr[0] = phys & TARGET_PAGE_MASK;
        tb->page_addr[1] = (hwaddr)-1;
        for (int n = 0; n < TCG_MAX_GOTO_TB; n++) {
            tb->jmp_insn_offset[n] = UINT32_MAX;
        }

        tcg_func_start();
        s->tb_flags = flags;
        /* with breakpoints, every block entry goes through a check */
        s->tb_inline_lookup = !(cflags & (CF_NOCHAIN | CF_NOCACHE)) &&
                              !tern_log_enabled(LOG_EXEC) && cpu_breakpoints_nb == 0;
        exit = gen_tb_start();
        s->body_start_op = s->nb_ops;
        tcg_cpu_ops->translate_block(cpu, tb, max_insns);
        gen_tb_end(tb, exit);
        g_assert(tb->size > 0 && tb->icount > 0);

        slots = s->jmp_slot_next;
        size = tcg_gen_code(code_ptr, code_rx + code_size - code_ptr - CODE_SLACK / 2);
        if (size >= 0) {
            break;
        }
        s->jmp_slot_next = slots;       /* the failed attempt's slots */
        g_free(tb);
        if (s->nb_insns > 1 && max_insns > 1) {
            max_insns = MAX(1, s->nb_insns / 2);    /* too big for one TB */
        } else if (!flushed) {
            tb_flush_exclusive(cpu);
            flushed = true;
        } else {
            error_exit("tcg: cannot translate the instruction at pc 0x%" PRIx64
                       " (code too large for the frame or buffer)", pc);
        }
    }

    tb->tc.ptr = code_ptr;
    tb->tc.size = size;
    tb->insn_end = g_memdup2(s->insn_end_off, sizeof(uint32_t) * s->nb_insns);
    tb->insn_data = g_memdup2(s->insn_data, sizeof(s->insn_data[0]) * s->nb_insns);
    tb->nb_fault_maps = s->nb_fault_maps;
    tb->fault_maps = g_memdup2(s->fault_maps, sizeof(TCGFaultMap) * s->nb_fault_maps);
    tb->fault_entries = g_memdup2(s->fault_entries, sizeof(uint32_t) * s->nb_fault_entries);
    tb->icount = s->nb_insns;
    tb->body_offset = s->body_start_off;
    for (int n = 0; n < TCG_MAX_GOTO_TB; n++) {
        tb->jmp_insn_offset[n] = s->tb_jmp_insn_offset[n];
        tb->jmp_reset_offset[n] = s->tb_jmp_reset_offset[n];
    }
    tb->jmp_incoming = g_ptr_array_new();
    code_ptr = (uint8_t *)TERN_ALIGN_UP((uintptr_t)code_ptr + size, 16);

    if (tern_log_enabled(LOG_OUT_ASM)) {
        FILE *f = log_file();
        fprintf(f, "OUT: [size=%d] pc 0x%016" PRIx64 "\n", size, pc);
        tcg_disas_host(f, tb->tc.ptr, size);
        fprintf(f, "\n");
        fflush(f);
    }

    g_ptr_array_add(all_tbs, tb);      /* host pc lookups find every TB */
    if (cflags & CF_NOCACHE) {
        tb_lock_release();
        return tb;
    }
    page_add_tb(tb->page_addr[0], tb);
    if (tb->page_addr[1] != (hwaddr)-1) {
        page_add_tb(tb->page_addr[1], tb);
    }
    {
        unsigned h = tb_hash_func(phys, pc, flags);
        tb->hash_next = tb_hash[h];
        __atomic_store_n(&tb_hash[h], tb, __ATOMIC_RELEASE);
    }
    tb_lock_release();
    return tb;
}

void tcg_exec_get_stats(TCGExecStats *st)
{
    tb_lock_take();
    st->tbs = all_tbs->len;
    st->flushes = tb_flush_count;
    st->code_used = code_ptr - code_rx;
    st->code_size = code_size;
    st->code_pages = g_hash_table_size(code_pages);
    tb_lock_release();
}

/* ------------------------------------------------------------------------ */
/* Host PC -> guest instruction */

static TranslationBlock *tb_find_by_host_pc(uintptr_t pc)
{
    guint lo = 0, hi = all_tbs->len;

    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        TranslationBlock *tb = g_ptr_array_index(all_tbs, mid);
        if (pc < (uintptr_t)tb->tc.ptr) {
            hi = mid;
        } else if (pc >= (uintptr_t)tb->tc.ptr + tb->tc.size) {
            lo = mid + 1;
        } else {
            return tb;
        }
    }
    return NULL;
}

/*
 * Restore the guest state of the instruction whose host code holds pc; with
 * uc (a host signal there), also the guest registers that were only in host
 * registers. Returns false if pc is not in a TB's guest instructions.
 */
static bool restore_state_at(CPUState *cpu, uintptr_t pc, const void *uc)
{
    TranslationBlock *tb;
    bool found = false;

    if (pc < (uintptr_t)code_tb_start || pc >= (uintptr_t)code_ptr) {
        return false;
    }
    tb_lock_take();
    tb = tb_find_by_host_pc(pc);
    if (tb) {
        uint32_t off = pc - (uintptr_t)tb->tc.ptr;
        for (uint32_t i = 0; i < tb->icount; i++) {
            if (off < tb->insn_end[i]) {
                tcg_cpu_ops->restore_state_to_opc(cpu, tb, tb->insn_data[i]);
                found = true;
                break;
            }
        }
        for (uint32_t i = 0; found && uc && i < tb->nb_fault_maps; i++) {
            const TCGFaultMap *m = &tb->fault_maps[i];
            if (off >= m->start && off < m->end) {
                tcg_fault_map_from_ucontext(cpu->env_ptr, uc, tb->fault_entries + m->first,
                                            m->n);
                break;
            }
        }
    }
    tb_lock_release();
    if (found && uc) {
        tcg_pinned_from_ucontext(cpu->env_ptr, uc);
    }
    return found;
}

bool cpu_restore_state(CPUState *cpu, uintptr_t retaddr)
{
    /* retaddr - 1: inside the call or access instruction */
    return retaddr && restore_state_at(cpu, retaddr - 1, NULL);
}

bool cpu_restore_state_from_signal(CPUState *cpu, uintptr_t pc, const void *uc)
{
    return restore_state_at(cpu, pc, uc);
}

/* ------------------------------------------------------------------------ */
/* Code fetch for front ends */

/*
 * Chaining to another page is safe in user mode only: there a guest page is
 * its own "physical" page, and every change of its code or mapping (munmap,
 * mprotect, mmap over it, a store into it) invalidates its TBs and so the
 * jumps into them. In system mode the guest may remap the virtual page of
 * dest without touching the TBs.
 */
bool translator_use_goto_tb(const TranslationBlock *tb, uint64_t dest)
{
    /* chained jumps would skip the breakpoint checks of the lookup */
    return !(tb->cflags & CF_NOCHAIN) && cpu_breakpoints_nb == 0 &&
           (tcg_ctx->user_mode || (tb->pc & TARGET_PAGE_MASK) == (dest & TARGET_PAGE_MASK));
}

static const uint8_t *translator_ptr(CPUState *cpu, TranslationBlock *tb, uint64_t pc, int len)
{
    const uint8_t *p;

    if ((pc & TARGET_PAGE_MASK) != (tb->pc & TARGET_PAGE_MASK) &&
        tb->page_addr[1] == (hwaddr)-1) {
        hwaddr phys = get_page_addr_code(cpu, pc);

        user_check_exec(cpu, pc);
        if (phys == (hwaddr)-1) {
            error_report("tcg: guest code crosses into non-RAM address 0x%" PRIx64, pc);
            exit(1);
        }
        tb->page_addr[1] = phys & TARGET_PAGE_MASK;
    }
    p = tlb_code_host_ptr(cpu, pc);
    g_assert(p);
    return p;
}

bool translator_page_ok(CPUState *cpu, TranslationBlock *tb, uint64_t pc)
{
    hwaddr phys;
    int prot;

    if ((pc & TARGET_PAGE_MASK) == (tb->pc & TARGET_PAGE_MASK)) {
        return true;
    }
    if (!user_may_exec(pc)) {
        return false;
    }
    return tcg_cpu_ops->tlb_fill(cpu, pc, 1, MMU_INST_FETCH,
                                 tcg_cpu_ops->mmu_index(cpu, true), true, 0, &phys, &prot);
}

uint8_t translator_ldub(CPUState *cpu, TranslationBlock *tb, uint64_t pc)
{
    return *translator_ptr(cpu, tb, pc, 1);
}

uint16_t translator_lduw(CPUState *cpu, TranslationBlock *tb, uint64_t pc)
{
    if ((pc & ~TARGET_PAGE_MASK) > TARGET_PAGE_SIZE - 2) {
        return translator_ldub(cpu, tb, pc) | (translator_ldub(cpu, tb, pc + 1) << 8);
    }
    uint16_t v;
    memcpy(&v, translator_ptr(cpu, tb, pc, 2), 2);
    return v;
}

uint32_t translator_ldl(CPUState *cpu, TranslationBlock *tb, uint64_t pc)
{
    if ((pc & ~TARGET_PAGE_MASK) > TARGET_PAGE_SIZE - 4) {
        return translator_lduw(cpu, tb, pc) | ((uint32_t)translator_lduw(cpu, tb, pc + 2) << 16);
    }
    uint32_t v;
    memcpy(&v, translator_ptr(cpu, tb, pc, 4), 4);
    return v;
}
