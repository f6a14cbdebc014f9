/*
 * The memory region tree, the flat views rendered from it, and memory
 * listeners. Access dispatch (splitting, endianness, RAM copies) is in
 * softmmu/memory-access.c.
 *
 * Flat views and thread safety
 * ----------------------------
 * The tree is changed only with the big lock held. Every change (outside a
 * transaction) renders a new FlatView for each address space: a sorted array
 * of non-overlapping ranges, each naming a terminal region (RAM, ROM or I/O)
 * and the offset in it. The view is immutable once published, and the
 * address space's `current` pointer is replaced with an atomic store.
 *
 * The hot reader, address_space_lookup (every TLB fill and page-table step of
 * a vCPU), takes no lock: it publishes the view it is about to read in its
 * thread's hazard slot, then checks that the view is still current (else it
 * retries). Other readers take a reference on the current view under
 * `view_lock`, a mutex held only for the pointer load and the increment; the
 * writer swaps the pointer under the same lock. A view whose last reference
 * is dropped (possibly on a reader's thread) is retired, and a retired view
 * is freed only once no hazard slot holds it: the writer swaps the pointer
 * before it scans the slots, a reader publishes its slot before it re-checks
 * the pointer, so one of the two sees the other. So a view is never freed
 * while a reader uses it, and readers never wait for a rebuild.
 *
 * Regions are not reference counted: a region removed from the tree may still
 * be returned by a lookup that raced with the removal, so it must stay alive
 * until the machine is torn down (Tern has no device hot-unplug).
 */
#include "tern/osdep.h"
#include "exec/memory.h"
#include <sys/mman.h>

typedef struct FlatRange {
    hwaddr start;                 /* in the address space */
    uint64_t size;
    MemoryRegion *mr;             /* terminal: RAM, ROM or I/O */
    hwaddr offset_in_region;
} FlatRange;

struct FlatView {
    gint ref;
    FlatRange *ranges;
    unsigned nr;
    gint last_hit;                /* index of the range the last lookup found */
};

static GMutex view_lock;
static GPtrArray *address_spaces;     /* every initialized AddressSpace */
static unsigned transaction_depth;
static bool update_pending;

void (*memory_ram_write_hook)(hwaddr addr, hwaddr len);

/* ---- regions ---- */

static void region_init_common(MemoryRegion *mr, const char *name, uint64_t size,
                               MemoryRegionType type)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->type = type;
    mr->size = size;
    mr->enabled = true;
}

void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    region_init_common(mr, name, size, MR_CONTAINER);
    mr->subregions = g_ptr_array_new();
}

void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr)
{
    region_init_common(mr, name, size, MR_RAM);
    mr->ram = ptr;
}

void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size)
{
    region_init_common(mr, name, size, MR_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size)
{
    region_init_common(mr, name, size, MR_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
}

/*
 * Guest RAM is anonymous memory reserved without swap accounting
 * (MAP_NORESERVE): a large guest costs nothing until it touches its pages.
 */
static bool memory_ram_alloc(MemoryRegion *mr, GError **errp)
{
    void *p = mmap(NULL, mr->size ? mr->size : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate %" PRIu64 " bytes for '%s'",
                         mr->size, mr->name);
        return false;
    }
    mr->ram = p;
    mr->ram_owned = true;
    return true;
}

bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size,
                            GError **errp)
{
    region_init_common(mr, name, size, MR_RAM);
    return memory_ram_alloc(mr, errp);
}

bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size,
                            GError **errp)
{
    region_init_common(mr, name, size, MR_ROM);
    return memory_ram_alloc(mr, errp);
}

void memory_region_destroy(MemoryRegion *mr)
{
    g_assert(!mr->container);
    if (mr->ram_owned) {
        munmap(mr->ram, mr->size ? mr->size : 1);
        mr->ram = NULL;
        mr->ram_owned = false;
    }
    if (mr->subregions) {
        g_ptr_array_free(mr->subregions, true);
        mr->subregions = NULL;
    }
    g_free((char *)mr->name);
    mr->name = NULL;
}

/* ---- flat view rendering ---- */

/*
 * Ranges are computed in 128-bit arithmetic so that regions near the top of
 * the 64-bit space and aliases that shift a region below 0 need no special
 * cases.
 */
typedef __int128 Int128;

typedef struct ViewBuilder {
    GArray *ranges;               /* of FlatRange, sorted by start */
} ViewBuilder;

/*
 * Add [lo, hi) of terminal region mr (placed at base) to the view, filling
 * only the gaps: ranges already present came from higher-priority regions.
 */
static void builder_insert(ViewBuilder *b, MemoryRegion *mr, Int128 base,
                           Int128 lo, Int128 hi)
{
    unsigned i = 0;

    while (lo < hi) {
        FlatRange *r = NULL;
        Int128 gap_end = hi;

        /* first existing range ending after lo */
        while (i < b->ranges->len) {
            r = &g_array_index(b->ranges, FlatRange, i);
            if ((Int128)r->start + r->size > lo) {
                break;
            }
            i++;
            r = NULL;
        }
        if (r && (Int128)r->start <= lo) {
            /* lo is covered: skip past that range */
            lo = (Int128)r->start + r->size;
            i++;
            continue;
        }
        if (r && (Int128)r->start < gap_end) {
            gap_end = r->start;
        }
        FlatRange nr = {
            .start = (hwaddr)lo,
            .size = (uint64_t)(gap_end - lo),
            .mr = mr,
            .offset_in_region = (hwaddr)(lo - base),
        };
        g_array_insert_val(b->ranges, i, nr);
        i++;
        lo = gap_end;
    }
}

/* Render mr, placed at base, clipped to [clip_lo, clip_hi). */
static void render_region(ViewBuilder *b, MemoryRegion *mr, Int128 base,
                          Int128 clip_lo, Int128 clip_hi)
{
    Int128 lo = MAX(base, clip_lo);
    Int128 hi = MIN(base + (Int128)mr->size, clip_hi);

    if (!mr->enabled || lo >= hi) {
        return;
    }
    switch (mr->type) {
    case MR_ALIAS:
        render_region(b, mr->alias, base - (Int128)mr->alias_offset, lo, hi);
        break;
    case MR_CONTAINER:
        /* subregions are kept highest priority first */
        for (unsigned i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
            render_region(b, sub, base + (Int128)sub->addr, lo, hi);
        }
        break;
    default:
        builder_insert(b, mr, base, lo, hi);
        break;
    }
}

static FlatView *flatview_new(MemoryRegion *root)
{
    ViewBuilder b = { g_array_new(false, false, sizeof(FlatRange)) };
    FlatView *fv = g_new0(FlatView, 1);

    render_region(&b, root, 0, 0, (Int128)UINT64_MAX + 1);

    /* merge neighbours that continue the same region */
    unsigned out = 0;
    for (unsigned i = 0; i < b.ranges->len; i++) {
        FlatRange *r = &g_array_index(b.ranges, FlatRange, i);
        FlatRange *prev = out ? &g_array_index(b.ranges, FlatRange, out - 1) : NULL;

        if (prev && prev->mr == r->mr &&
            prev->start + prev->size == r->start &&
            prev->offset_in_region + prev->size == r->offset_in_region) {
            prev->size += r->size;
        } else {
            g_array_index(b.ranges, FlatRange, out++) = *r;
        }
    }
    fv->nr = out;
    fv->ranges = (FlatRange *)g_array_free(b.ranges, false);
    fv->ref = 1;
    return fv;
}

/* ---- lock-free readers: hazard slots and retired views ---- */

#define HAZARD_SLOTS 128

static FlatView *hazard[HAZARD_SLOTS];      /* the view each slot's thread reads */
static gint hazard_taken[HAZARD_SLOTS];
static __thread int hazard_slot = -1;        /* -1: none yet, -2: all were taken */
static GMutex retire_lock;
static GPtrArray *retired;                   /* unreferenced views, maybe still read */

static void hazard_release(gpointer slot_plus_one)
{
    g_atomic_int_set(&hazard_taken[GPOINTER_TO_INT(slot_plus_one) - 1], 0);
}

/* gives the slot back when its thread exits */
static GPrivate hazard_owner = G_PRIVATE_INIT(hazard_release);

static int hazard_slot_get(void)
{
    if (hazard_slot == -1) {
        hazard_slot = -2;
        for (int i = 0; i < HAZARD_SLOTS; i++) {
            if (g_atomic_int_compare_and_exchange(&hazard_taken[i], 0, 1)) {
                hazard_slot = i;
                g_private_set(&hazard_owner, GINT_TO_POINTER(i + 1));
                break;
            }
        }
    }
    return hazard_slot;
}

static bool view_in_hazard(FlatView *fv)
{
    for (int i = 0; i < HAZARD_SLOTS; i++) {
        if (__atomic_load_n(&hazard[i], __ATOMIC_SEQ_CST) == fv) {
            return true;
        }
    }
    return false;
}

/* Free the retired views no reader holds any more; keep the others for later. */
static void retired_reclaim(FlatView *fv)
{
    g_mutex_lock(&retire_lock);
    if (!retired) {
        retired = g_ptr_array_new();
    }
    if (fv) {
        g_ptr_array_add(retired, fv);
    }
    for (unsigned i = 0; i < retired->len;) {
        FlatView *old = g_ptr_array_index(retired, i);
        if (view_in_hazard(old)) {
            i++;
            continue;
        }
        g_ptr_array_remove_index_fast(retired, i);
        g_free(old->ranges);
        g_free(old);
    }
    g_mutex_unlock(&retire_lock);
}

static void flatview_unref(FlatView *fv)
{
    if (fv && g_atomic_int_dec_and_test(&fv->ref)) {
        retired_reclaim(fv);
    }
}

static FlatView *address_space_get_flatview(AddressSpace *as)
{
    FlatView *fv;

    g_mutex_lock(&view_lock);
    fv = g_atomic_pointer_get(&as->current);
    g_atomic_int_inc(&fv->ref);
    g_mutex_unlock(&view_lock);
    return fv;
}

/*
 * The range containing addr, or NULL with *next set to the index of the first
 * range above addr. Uses and updates the last-hit cache.
 */
static const FlatRange *flatview_find(FlatView *fv, hwaddr addr, unsigned *next)
{
    unsigned hit = (unsigned)g_atomic_int_get(&fv->last_hit);
    unsigned lo = 0, hi = fv->nr;

    if (hit < fv->nr && addr - fv->ranges[hit].start < fv->ranges[hit].size) {
        return &fv->ranges[hit];
    }
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const FlatRange *r = &fv->ranges[mid];

        if (addr < r->start) {
            hi = mid;
        } else if (addr - r->start >= r->size) {
            lo = mid + 1;
        } else {
            g_atomic_int_set(&fv->last_hit, (gint)mid);
            return r;
        }
    }
    *next = lo;
    return NULL;
}

static void section_from_range(MemoryRegionSection *s, const FlatRange *r)
{
    s->mr = r->mr;
    s->offset_within_region = r->offset_in_region;
    s->offset_within_address_space = r->start;
    s->size = r->size;
}

bool address_space_lookup(AddressSpace *as, hwaddr addr, MemoryRegionSection *section)
{
    int slot = hazard_slot_get();
    FlatView *fv;
    unsigned next = 0;
    const FlatRange *r;

    if (slot >= 0) {
        do {
            fv = __atomic_load_n(&as->current, __ATOMIC_SEQ_CST);
            __atomic_store_n(&hazard[slot], fv, __ATOMIC_SEQ_CST);
        } while (fv != __atomic_load_n(&as->current, __ATOMIC_SEQ_CST));
    } else {
        fv = address_space_get_flatview(as);     /* more threads than slots */
    }
    r = flatview_find(fv, addr, &next);

    if (r) {
        hwaddr skip = addr - r->start;

        section_from_range(section, r);
        section->offset_within_region += skip;
        section->offset_within_address_space = addr;
        section->size -= skip;
    } else {
        /* the hole: up to the next range or the end of the space */
        section->mr = NULL;
        section->offset_within_region = 0;
        section->offset_within_address_space = addr;
        if (next < fv->nr) {
            section->size = fv->ranges[next].start - addr;
        } else {
            section->size = addr ? UINT64_MAX - addr + 1 : UINT64_MAX;
        }
    }
    if (slot >= 0) {
        __atomic_store_n(&hazard[slot], NULL, __ATOMIC_RELEASE);
    } else {
        flatview_unref(fv);
    }
    return r != NULL;
}

/* ---- listeners ---- */

static bool range_is_ram(const FlatRange *r)
{
    return memory_region_is_ram(r->mr);
}

static bool range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->size == b->size && a->mr == b->mr &&
           a->offset_in_region == b->offset_in_region;
}

typedef void ListenerCallback(MemoryListener *l, MemoryRegionSection *section);

/* Call cb for each RAM/ROM range of `from` that `other` lacks (all if other is NULL). */
static void flatview_for_each_ram_missing(FlatView *from, FlatView *other,
                                          MemoryListener *l, bool add)
{
    ListenerCallback *cb = add ? l->region_add : l->region_del;
    unsigned j = 0;

    if (!cb || !from) {
        return;
    }
    for (unsigned i = 0; i < from->nr; i++) {
        const FlatRange *r = &from->ranges[i];
        bool found = false;

        if (!range_is_ram(r)) {
            continue;
        }
        /* both arrays are sorted by start: walk other alongside */
        if (other) {
            while (j < other->nr && other->ranges[j].start < r->start) {
                j++;
            }
            found = j < other->nr && range_equal(r, &other->ranges[j]);
        }
        if (!found) {
            MemoryRegionSection s;

            section_from_range(&s, r);
            cb(l, &s);
        }
    }
}

static void listener_update(MemoryListener *l, FlatView *old, FlatView *new)
{
    if (l->begin) {
        l->begin(l);
    }
    /* deletions first, so a slot can be re-created for a moved range */
    flatview_for_each_ram_missing(old, new, l, false);
    flatview_for_each_ram_missing(new, old, l, true);
    if (l->commit) {
        l->commit(l);
    }
}

void memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    FlatView *fv = address_space_get_flatview(as);

    l->as = as;
    g_ptr_array_add(as->listeners, l);
    listener_update(l, NULL, fv);
    flatview_unref(fv);
}

void memory_listener_unregister(MemoryListener *l)
{
    AddressSpace *as = l->as;
    FlatView *fv;

    if (!as) {
        return;
    }
    fv = address_space_get_flatview(as);
    listener_update(l, fv, NULL);
    flatview_unref(fv);
    g_ptr_array_remove(as->listeners, l);
    l->as = NULL;
}

/* ---- updates ---- */

static void address_space_update(AddressSpace *as)
{
    FlatView *new = flatview_new(as->root);
    FlatView *old;

    g_mutex_lock(&view_lock);
    old = as->current;
    g_atomic_pointer_set(&as->current, new);
    g_mutex_unlock(&view_lock);

    for (unsigned i = 0; i < as->listeners->len; i++) {
        listener_update(g_ptr_array_index(as->listeners, i), old, new);
    }
    flatview_unref(old);
    retired_reclaim(NULL);      /* views a reader held at the last retirement */
}

static void memory_update(void)
{
    if (transaction_depth) {
        update_pending = true;
        return;
    }
    update_pending = false;
    for (unsigned i = 0; address_spaces && i < address_spaces->len; i++) {
        address_space_update(g_ptr_array_index(address_spaces, i));
    }
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_assert(transaction_depth > 0);
    if (--transaction_depth == 0 && update_pending) {
        memory_update();
    }
}

static void add_subregion(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub,
                          int priority)
{
    unsigned i;

    g_assert(mr->type == MR_CONTAINER);
    g_assert(!sub->container);
    sub->container = mr;
    sub->addr = offset;
    sub->priority = priority;
    /* highest priority first; a newcomer goes before equal priorities so it wins */
    for (i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *other = g_ptr_array_index(mr->subregions, i);
        if (other->priority <= priority) {
            break;
        }
    }
    g_ptr_array_insert(mr->subregions, i, sub);
    memory_update();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    add_subregion(mr, offset, subregion, 0);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion, int priority)
{
    add_subregion(mr, offset, subregion, priority);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    g_assert(subregion->container == mr);
    g_ptr_array_remove(mr->subregions, subregion);
    subregion->container = NULL;
    memory_update();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_update();
    }
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr != addr) {
        mr->addr = addr;
        memory_update();
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    g_assert(mr->type == MR_ALIAS);
    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        memory_update();
    }
}

/* ---- address spaces ---- */

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->current = flatview_new(root);
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    while (as->listeners->len) {
        memory_listener_unregister(g_ptr_array_index(as->listeners, 0));
    }
    g_ptr_array_free(as->listeners, true);
    g_ptr_array_remove(address_spaces, as);
    flatview_unref(as->current);
    as->current = NULL;
    g_free((char *)as->name);
    as->name = NULL;
}

static const char *const type_names[] = {
    [MR_CONTAINER] = "container", [MR_RAM] = "ram", [MR_ROM] = "rom",
    [MR_IO] = "i/o", [MR_ALIAS] = "alias",
};

void address_space_dump(AddressSpace *as, FILE *f)
{
    FlatView *fv = address_space_get_flatview(as);

    fprintf(f, "address-space: %s\n", as->name);
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *r = &fv->ranges[i];

        fprintf(f, "  %016" HWADDR_PRIx "-%016" HWADDR_PRIx " (%s) %s",
                r->start, r->start + (r->size - 1), type_names[r->mr->type],
                r->mr->name);
        if (r->offset_in_region) {
            fprintf(f, " @%016" HWADDR_PRIx, r->offset_in_region);
        }
        fputc('\n', f);
    }
    flatview_unref(fv);
}

/* ---- the system singletons ---- */

typedef struct SystemSpace {
    MemoryRegion root;
    AddressSpace as;
} SystemSpace;

static SystemSpace *system_space(SystemSpace **slot, const char *region_name,
                                 uint64_t size, const char *as_name)
{
    if (g_once_init_enter(slot)) {
        SystemSpace *s = g_new0(SystemSpace, 1);

        memory_region_init(&s->root, region_name, size);
        address_space_init(&s->as, &s->root, as_name);
        g_once_init_leave(slot, s);
    }
    return *slot;
}

static SystemSpace *system_memory, *system_io;

MemoryRegion *get_system_memory(void)
{
    return &system_space(&system_memory, "system", UINT64_MAX, "memory")->root;
}

AddressSpace *get_system_address_space(void)
{
    return &system_space(&system_memory, "system", UINT64_MAX, "memory")->as;
}

MemoryRegion *get_system_io(void)
{
    return &system_space(&system_io, "io", 0x10000, "I/O")->root;
}

AddressSpace *get_system_io_space(void)
{
    return &system_space(&system_io, "io", 0x10000, "I/O")->as;
}
