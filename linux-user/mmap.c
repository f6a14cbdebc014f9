/*
 * The guest address space: one PROT_NONE reservation of GUEST_SPACE bytes
 * at guest_base; guest mappings are host mappings placed inside it with
 * MAP_FIXED, and unmapping puts the reservation back. A sorted list of the
 * guest's mappings (start, end, prot) finds free ranges and answers
 * access checks for Tern's own reads of guest memory.
 *
 * Pages holding translated code: user mode has no TLB to catch guest stores
 * into code, so when a guest-writable page gets its first translation
 * (tcg_user_code_page_hook) its host mapping loses PROT_WRITE. The first
 * store to it faults; guest_code_write_fault() gives the page its guest
 * protection back and drops its translations, and the store runs again.
 * System calls that let the host kernel write guest memory unprotect the
 * range first (guest_unprotect), as a kernel write cannot be caught.
 */
#include "tern/osdep.h"
#include <sys/mman.h>
#include "exec/cpu-exec.h"
#include "user-internal.h"

uintptr_t guest_base;

typedef struct GuestMap {
    uint64_t start, end;
    int prot;
} GuestMap;

static GArray *maps;            /* GuestMap, sorted by start, non-overlapping */
static GMutex maps_lock;
static uint64_t mmap_top;       /* non-fixed mappings are placed below this */
static uint64_t brk_start, brk_cur, brk_mapped;
static GHashTable *wp_pages;    /* write-protected code pages (guest page numbers) */
static int wp_count;            /* g_hash_table_size(wp_pages), read without the lock */

#define MMAP_TOP_GAP (16ull << 20)      /* between the stack and the mmap area */

static GuestMap *map_at(guint i)
{
    return &g_array_index(maps, GuestMap, i);
}

/* Protection of the guest page holding addr, or -1 if unmapped (maps_lock held). */
static int prot_at(uint64_t addr)
{
    for (guint i = 0; i < maps->len; i++) {
        if (map_at(i)->start <= addr && addr < map_at(i)->end) {
            return map_at(i)->prot;
        }
    }
    return -1;
}

/* tcg_user_exec_hook: PROT_EXEC, as the guest asked for it. */
bool guest_page_executable(uint64_t addr)
{
    int prot;

    g_mutex_lock(&maps_lock);
    prot = prot_at(addr);
    g_mutex_unlock(&maps_lock);
    return prot >= 0 && (prot & PROT_EXEC);
}

/* ---- write protection of pages with translated code ---- */

static gpointer wp_key(uint64_t page)
{
    return (gpointer)(uintptr_t)(page / GUEST_PAGE_SIZE);
}

static void wp_remove(uint64_t page)
{
    g_hash_table_remove(wp_pages, wp_key(page));
    __atomic_store_n(&wp_count, g_hash_table_size(wp_pages), __ATOMIC_RELEASE);
}

/*
 * The pages of [start, end) got a new host protection or mapping: they are
 * no longer write-protected by us (maps_lock held; their translations are
 * invalidated by the caller).
 */
static void wp_forget(uint64_t start, uint64_t end)
{
    if (!__atomic_load_n(&wp_count, __ATOMIC_ACQUIRE)) {
        return;
    }
    for (uint64_t page = start; page < end; page += GUEST_PAGE_SIZE) {
        wp_remove(page);
        if (!g_hash_table_size(wp_pages)) {
            break;
        }
    }
}

/* tcg_user_code_page_hook: page now holds translated code (TB lock held). */
void guest_code_page_added(uint64_t page)
{
    int prot;

    g_mutex_lock(&maps_lock);
    prot = prot_at(page);
    if (prot >= 0 && (prot & PROT_WRITE) &&
        !g_hash_table_contains(wp_pages, wp_key(page)) &&
        mprotect(g2h(page), GUEST_PAGE_SIZE, prot & ~PROT_WRITE) == 0) {
        g_hash_table_add(wp_pages, wp_key(page));
        __atomic_store_n(&wp_count, g_hash_table_size(wp_pages), __ATOMIC_RELEASE);
    }
    g_mutex_unlock(&maps_lock);
}

/* Give page its guest protection back (maps_lock held). Was it protected? */
static bool wp_release(uint64_t page)
{
    if (!g_hash_table_contains(wp_pages, wp_key(page))) {
        return false;
    }
    mprotect(g2h(page), GUEST_PAGE_SIZE, prot_at(page));
    wp_remove(page);
    return true;
}

bool guest_code_write_fault(uint64_t addr)
{
    uint64_t page = addr & ~(GUEST_PAGE_SIZE - 1);
    bool released, writable;

    if (addr >= GUEST_SPACE) {
        return false;
    }
    g_mutex_lock(&maps_lock);
    released = wp_release(page);
    /* not (or no longer) ours: another thread may have released it first */
    writable = prot_at(page) >= 0 && (prot_at(page) & PROT_WRITE);
    g_mutex_unlock(&maps_lock);
    if (released) {
        tb_invalidate_phys_range(page, page + GUEST_PAGE_SIZE);
    }
    return released || writable;
}

void guest_unprotect(uint64_t addr, uint64_t len)
{
    uint64_t first = addr & ~(GUEST_PAGE_SIZE - 1), end = addr + len;
    g_autoptr(GArray) done = NULL;

    if (!__atomic_load_n(&wp_count, __ATOMIC_ACQUIRE) || !len || !guest_range_ok(addr, len)) {
        return;
    }
    done = g_array_new(false, false, sizeof(uint64_t));
    g_mutex_lock(&maps_lock);
    if ((end - first) / GUEST_PAGE_SIZE <= g_hash_table_size(wp_pages)) {
        for (uint64_t page = first; page < end; page += GUEST_PAGE_SIZE) {
            if (wp_release(page)) {
                g_array_append_val(done, page);
            }
        }
    } else {
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, wp_pages);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
            uint64_t page = (uintptr_t)key * GUEST_PAGE_SIZE;
            if (page >= first && page < end) {
                g_array_append_val(done, page);
            }
        }
        for (guint i = 0; i < done->len; i++) {
            wp_release(g_array_index(done, uint64_t, i));
        }
    }
    g_mutex_unlock(&maps_lock);
    for (guint i = 0; i < done->len; i++) {
        uint64_t page = g_array_index(done, uint64_t, i);
        tb_invalidate_phys_range(page, page + GUEST_PAGE_SIZE);
    }
}

void guest_space_init(void)
{
    /*
     * Guest addresses as host addresses (guest_base 0) when the low part of
     * the host's address space is free, as it is for a PIE Tern: generated
     * code then needs no base register, and keeps the address check's mask
     * in it instead. [0, GUEST_MIN_ADDR) is never mapped on the host either.
     */
    void *p = mmap((void *)GUEST_MIN_ADDR, GUEST_SPACE + GUEST_GUARD - GUEST_MIN_ADDR, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

    if (p == (void *)GUEST_MIN_ADDR) {
        p = NULL;
    } else {
        if (p != MAP_FAILED) {
            munmap(p, GUEST_SPACE + GUEST_GUARD - GUEST_MIN_ADDR);   /* pre-4.17 kernel */
        }
        p = mmap(NULL, GUEST_GUARD + GUEST_SPACE + GUEST_GUARD, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            p = (char *)p + GUEST_GUARD;
        }
    }
    if (p == MAP_FAILED) {
        error_exit("cannot reserve %llu GiB of address space for the guest: %s",
                   GUEST_SPACE >> 30, strerror(errno));
    }
    guest_base = (uintptr_t)p;
    maps = g_array_new(false, false, sizeof(GuestMap));
    wp_pages = g_hash_table_new(g_direct_hash, g_direct_equal);
    mmap_top = GUEST_SPACE - GUEST_STACK_SIZE - MMAP_TOP_GAP;
}

uint64_t guest_stack_top(void)
{
    return GUEST_SPACE;
}

/* Remove [start, end) from the list (maps_lock held). */
static void maps_remove(uint64_t start, uint64_t end)
{
    for (guint i = 0; i < maps->len;) {
        GuestMap m = *map_at(i);
        if (m.end <= start || m.start >= end) {
            i++;
            continue;
        }
        g_array_remove_index(maps, i);
        if (m.start < start) {
            GuestMap lo = { m.start, start, m.prot };
            g_array_insert_val(maps, i++, lo);
        }
        if (m.end > end) {
            GuestMap hi = { end, m.end, m.prot };
            g_array_insert_val(maps, i++, hi);
        }
    }
}

static void maps_insert(uint64_t start, uint64_t end, int prot)
{
    guint i = 0;
    GuestMap m = { start, end, prot };

    maps_remove(start, end);
    while (i < maps->len && map_at(i)->start < start) {
        i++;
    }
    g_array_insert_val(maps, i, m);
}

static bool maps_free(uint64_t start, uint64_t end)
{
    for (guint i = 0; i < maps->len; i++) {
        if (map_at(i)->start < end && start < map_at(i)->end) {
            return false;
        }
    }
    return true;
}

/*
 * /proc/self/maps as the guest sees it (proc(5) format), as QEMU shows it:
 * the host's lines inside the guest range, cut to the guest's mappings,
 * with guest addresses and the guest's permissions (the host's differ on
 * write-protected code pages), file offsets and names from the host.
 */
char *guest_maps_text(void)
{
    g_autofree char *host = NULL;
    GString *s = g_string_new(NULL);
    uint64_t stack_lo = guest_stack_top() - GUEST_STACK_SIZE;

    if (!g_file_get_contents("/proc/self/maps", &host, NULL, NULL)) {
        return g_string_free(s, false);
    }
    g_mutex_lock(&maps_lock);
    for (char *line = host, *next; *line; line = next) {
        unsigned long lo, hi, off, inode;
        char dev[16];
        int path = 0;

        next = line + strcspn(line, "\n");
        if (*next) {
            *next++ = 0;
        }
        if (sscanf(line, "%lx-%lx %*s %lx %15s %lu %n", &lo, &hi, &off, dev, &inode, &path) < 5 ||
            !host_in_guest(lo) || lo < guest_base || hi - guest_base > GUEST_SPACE) {
            continue;
        }
        for (guint i = 0; i < maps->len; i++) {
            const GuestMap *m = map_at(i);
            uint64_t start = MAX(m->start, lo - guest_base), end = MIN(m->end, hi - guest_base);
            const char *name = path ? line + path : "";
            size_t len = s->len;

            if (start >= end) {
                continue;
            }
            if (!inode) {
                name = start >= stack_lo ? "[stack]" :
                       start >= brk_start && end <= brk_mapped ? "[heap]" : "";
            }
            g_string_append_printf(s, "%08" PRIx64 "-%08" PRIx64 " %c%c%cp %08" PRIx64 " %s %lu",
                                   start, end, m->prot & PROT_READ ? 'r' : '-',
                                   m->prot & PROT_WRITE ? 'w' : '-',
                                   m->prot & PROT_EXEC ? 'x' : '-',
                                   inode ? off + (start - (lo - guest_base)) : 0, dev, inode);
            if (*name) {
                /* the kernel pads the path to column 73 */
                g_string_append_printf(s, "%*s%s", (int)MAX(73 - (int)(s->len - len), 1), "",
                                       name);
            }
            g_string_append_c(s, '\n');
        }
    }
    g_mutex_unlock(&maps_lock);
    return g_string_free(s, false);
}

/* Highest free range of len bytes ending at or below top, or 0. */
static uint64_t maps_find_free(uint64_t len, uint64_t top)
{
    uint64_t end = top;

    for (guint i = maps->len; i-- > 0;) {
        GuestMap *m = map_at(i);
        if (m->start >= end) {
            continue;
        }
        if (m->end <= end && end - m->end >= len) {
            return end - len;
        }
        end = MIN(end, m->start);
    }
    return end >= GUEST_MIN_ADDR + len ? end - len : 0;
}

bool guest_access_ok(uint64_t addr, uint64_t len, int prot)
{
    uint64_t end = addr + len;
    bool ok = true;

    if (!guest_range_ok(addr, len)) {
        return false;
    }
    g_mutex_lock(&maps_lock);
    for (guint i = 0; i < maps->len && addr < end; i++) {
        GuestMap *m = map_at(i);
        if (m->end <= addr) {
            continue;
        }
        if (m->start > addr || (m->prot & prot) != prot) {
            ok = false;
            break;
        }
        addr = m->end;
    }
    g_mutex_unlock(&maps_lock);
    return ok && addr >= end;
}

/* Give [start, end) back to the reservation. */
static void unmap_host(uint64_t start, uint64_t end)
{
    mmap(g2h(start), end - start, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

int64_t guest_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t off)
{
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    uint64_t start;
    void *p;

    if (len == 0 || (addr & (GUEST_PAGE_SIZE - 1)) || (off & (GUEST_PAGE_SIZE - 1))) {
        return -EINVAL;
    }
    len = GUEST_PAGE_ALIGN(len);
    if (len >= GUEST_SPACE) {
        return -ENOMEM;
    }
    g_mutex_lock(&maps_lock);
    if (fixed) {
        if (!guest_range_ok(addr, len) || addr < GUEST_MIN_ADDR) {
            g_mutex_unlock(&maps_lock);
            return (flags & MAP_FIXED_NOREPLACE) ? -EEXIST : -ENOMEM;
        }
        if ((flags & MAP_FIXED_NOREPLACE) && !maps_free(addr, addr + len)) {
            g_mutex_unlock(&maps_lock);
            return -EEXIST;
        }
        start = addr;
    } else if (addr >= GUEST_MIN_ADDR && guest_range_ok(addr, len) &&
               maps_free(addr, addr + len)) {
        start = addr;
    } else {
        start = maps_find_free(len, mmap_top);
        if (!start) {
            g_mutex_unlock(&maps_lock);
            return -ENOMEM;
        }
    }
    flags &= ~(MAP_FIXED_NOREPLACE | MAP_GROWSDOWN);
    p = mmap(g2h(start), len, prot, flags | MAP_FIXED, fd, off);
    if (p == MAP_FAILED) {
        int err = errno;
        g_mutex_unlock(&maps_lock);
        return -err;
    }
    maps_insert(start, start + len, prot);
    wp_forget(start, start + len);
    g_mutex_unlock(&maps_lock);
    tb_invalidate_phys_range(start, start + len);
    tern_log_mask(LOG_PAGE, "mmap %#" PRIx64 "-%#" PRIx64 " prot %x flags %x\n",
                  start, start + len, prot, flags);
    return start;
}

int64_t guest_munmap(uint64_t addr, uint64_t len)
{
    if ((addr & (GUEST_PAGE_SIZE - 1)) || len == 0) {
        return -EINVAL;
    }
    len = GUEST_PAGE_ALIGN(len);
    if (!guest_range_ok(addr, len)) {
        return -EINVAL;
    }
    g_mutex_lock(&maps_lock);
    unmap_host(addr, addr + len);
    maps_remove(addr, addr + len);
    wp_forget(addr, addr + len);
    g_mutex_unlock(&maps_lock);
    tb_invalidate_phys_range(addr, addr + len);
    tern_log_mask(LOG_PAGE, "munmap %#" PRIx64 "-%#" PRIx64 "\n", addr, addr + len);
    return 0;
}

int64_t guest_mprotect(uint64_t addr, uint64_t len, int prot)
{
    if (addr & (GUEST_PAGE_SIZE - 1)) {
        return -EINVAL;
    }
    len = GUEST_PAGE_ALIGN(len);
    if (!guest_range_ok(addr, len)) {
        return -ENOMEM;
    }
    g_mutex_lock(&maps_lock);
    if (mprotect(g2h(addr), len, prot) != 0) {
        int err = errno;
        g_mutex_unlock(&maps_lock);
        return -err;
    }
    /* update the prot of every mapped piece of the range */
    for (guint i = 0; i < maps->len; i++) {
        GuestMap m = *map_at(i);
        if (m.end <= addr || m.start >= addr + len) {
            continue;
        }
        maps_insert(MAX(m.start, addr), MIN(m.end, addr + len), prot);
    }
    wp_forget(addr, addr + len);
    g_mutex_unlock(&maps_lock);
    /* W^X code generators write while RW and run while RX: see the new code */
    tb_invalidate_phys_range(addr, addr + len);
    return 0;
}

int64_t guest_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
                     uint64_t new_addr)
{
    uint64_t dest;
    int prot = PROT_READ | PROT_WRITE;
    void *p;

    old_len = GUEST_PAGE_ALIGN(old_len);
    new_len = GUEST_PAGE_ALIGN(new_len);
    if ((old & (GUEST_PAGE_SIZE - 1)) || !new_len || !guest_range_ok(old, old_len) ||
        (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED))) {
        return -EINVAL;
    }
    g_mutex_lock(&maps_lock);
    for (guint i = 0; i < maps->len; i++) {
        if (map_at(i)->start <= old && old < map_at(i)->end) {
            prot = map_at(i)->prot;
        }
    }
    if (new_len <= old_len) {
        dest = old;
    } else if (flags & MREMAP_FIXED) {
        dest = new_addr;
    } else if (guest_range_ok(old, new_len) && maps_free(old + old_len, old + new_len)) {
        dest = old;
    } else if (flags & MREMAP_MAYMOVE) {
        dest = maps_find_free(new_len, mmap_top);
    } else {
        dest = 0;
    }
    if (!dest || !guest_range_ok(dest, new_len) || (dest & (GUEST_PAGE_SIZE - 1))) {
        g_mutex_unlock(&maps_lock);
        return -ENOMEM;
    }
    if (dest == old && new_len > old_len) {
        /* growing in place: the reservation must leave room for the kernel */
        munmap(g2h(old + old_len), new_len - old_len);
    }
    p = mremap(g2h(old), old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, g2h(dest));
    if (p == MAP_FAILED) {
        int err = errno;
        if (dest == old && new_len > old_len) {
            unmap_host(old + old_len, old + new_len);
        }
        g_mutex_unlock(&maps_lock);
        return -err;
    }
    if (dest != old) {
        unmap_host(old, old + old_len);
        maps_remove(old, old + old_len);
    } else if (new_len < old_len) {
        unmap_host(old + new_len, old + old_len);
        maps_remove(old + new_len, old + old_len);
    }
    maps_insert(dest, dest + new_len, prot);
    wp_forget(old, old + old_len);
    wp_forget(dest, dest + new_len);
    g_mutex_unlock(&maps_lock);
    tb_invalidate_phys_range(old, old + old_len);
    tb_invalidate_phys_range(dest, dest + new_len);
    return dest;
}

void guest_brk_init(uint64_t start)
{
    brk_start = brk_cur = start;
    brk_mapped = GUEST_PAGE_ALIGN(start);
}

uint64_t guest_brk(uint64_t newbrk)
{
    uint64_t need;

    if (newbrk < brk_start) {
        return brk_cur;
    }
    need = GUEST_PAGE_ALIGN(newbrk);
    if (need > brk_mapped) {
        int64_t r;
        g_mutex_lock(&maps_lock);
        if (!guest_range_ok(brk_mapped, need - brk_mapped) ||
            !maps_free(brk_mapped, need)) {
            g_mutex_unlock(&maps_lock);
            return brk_cur;
        }
        g_mutex_unlock(&maps_lock);
        r = guest_mmap(brk_mapped, need - brk_mapped, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (r < 0) {
            return brk_cur;
        }
        brk_mapped = need;
    } else if (newbrk < brk_cur) {
        /* shrinking: memory above the new break reads as zero when regrown */
        guest_unprotect(newbrk, MIN(brk_cur, brk_mapped) - newbrk);
        memset(g2h(newbrk), 0, MIN(brk_cur, brk_mapped) - newbrk);
    }
    brk_cur = newbrk;
    return brk_cur;
}
