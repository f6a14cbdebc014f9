/*
 * The memory API: a tree of MemoryRegions (RAM, ROM, I/O callbacks, aliases,
 * containers with prioritized subregions) seen by CPUs and DMA through an
 * AddressSpace. Each AddressSpace keeps a flat view — a sorted list of
 * non-overlapping ranges, rebuilt when the tree changes — that dispatch
 * looks up with a binary search. Memory listeners (KVM memory slots) are told
 * about each RAM range added to or removed from a flat view.
 *
 * Locking: the tree is changed only with the big lock held (sysemu/main-loop.h).
 * Readers (vCPU threads, possibly without the big lock) take the current flat
 * view with flatview_ref()-style atomic access; see softmmu/memory.c.
 * I/O callbacks are always called with the big lock held.
 */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include "tern/osdep.h"

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,          /* device rejected the access (bad size, alignment) */
    MEMTX_DECODE_ERROR = 2,   /* nothing is mapped there */
} MemTxResult;

typedef enum DeviceEndian {
    DEVICE_LITTLE_ENDIAN = 0,  /* the default; all Tern guests are little-endian */
    DEVICE_BIG_ENDIAN,
} DeviceEndian;

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;

typedef struct MemoryRegionOps {
    /* addr is the offset in the region; size in bytes (1, 2, 4, 8). */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    DeviceEndian endianness;
    /* Accesses the guest may make; others fail with MEMTX_ERROR and are
     * logged under -d guest_errors. 0 means 1..8, aligned. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } valid;
    /* Accesses the callbacks implement; valid accesses outside this range are
     * split into several narrower calls or widened to one read-modify-write
     * (for writes) by the memory core. 0 means same as valid. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
    } impl;
} MemoryRegionOps;

typedef enum MemoryRegionType {
    MR_CONTAINER,
    MR_RAM,
    MR_ROM,       /* RAM that the guest cannot write (writes are logged, dropped) */
    MR_IO,
    MR_ALIAS,
} MemoryRegionType;

struct MemoryRegion {
    const char *name;
    MemoryRegionType type;
    uint64_t size;
    uint8_t *ram;                 /* host memory of RAM/ROM regions */
    bool ram_owned;               /* ram was allocated by init and is freed by destroy */
    const MemoryRegionOps *ops;   /* MR_IO */
    void *opaque;
    MemoryRegion *alias;          /* MR_ALIAS: target region and offset in it */
    hwaddr alias_offset;
    /* placement in the parent container */
    MemoryRegion *container;
    hwaddr addr;
    int priority;
    bool enabled;
    GPtrArray *subregions;        /* MR_CONTAINER: sorted, highest priority first */
};

/* A contiguous range of one terminal (RAM, ROM or I/O) region in an address space. */
typedef struct MemoryRegionSection {
    MemoryRegion *mr;             /* never an alias or container */
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    uint64_t size;
} MemoryRegionSection;

void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size);
bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size,
                            GError **errp);
/* RAM whose host memory the caller owns (e.g. linux-user, tests). */
void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr);
bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size,
                            GError **errp);
void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size);
void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size);
/* Free what init allocated (the region must not be mapped). */
void memory_region_destroy(MemoryRegion *mr);

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion);
/* Higher priority wins where subregions overlap; equal priorities: later added wins. */
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion, int priority);
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);

static inline uint64_t memory_region_size(const MemoryRegion *mr) { return mr->size; }
static inline bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->type == MR_RAM || mr->type == MR_ROM;
}
static inline void *memory_region_get_ram_ptr(MemoryRegion *mr) { return mr->ram; }

/* Batch several changes into one flat-view rebuild. Nests. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/*
 * Access a terminal region at offset addr, applying the region's valid/impl
 * rules (split, combine, reject), endianness, and logging. val is in the
 * guest's (little-endian) byte order.
 */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *pval, unsigned size);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t val, unsigned size);

struct AddressSpace {
    const char *name;
    MemoryRegion *root;
    FlatView *current;            /* swapped atomically on rebuild */
    GPtrArray *listeners;
};

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);

/*
 * What backs addr: fills *section (clamped so that it starts at addr and
 * ends where the region's range ends) and returns true; false if unassigned,
 * with section->mr NULL and section->size the length of the hole from addr.
 * Safe without the big lock.
 */
bool address_space_lookup(AddressSpace *as, hwaddr addr, MemoryRegionSection *section);

/* CPU/DMA accesses of any length; unassigned parts read as 0 / are dropped and
 * are logged under -d guest_errors. Writes to RAM call the code-write hook. */
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, void *buf,
                             hwaddr len, bool is_write);
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf, hwaddr len);
/* Single naturally sized accesses (size 1,2,4,8) through the flat view. */
MemTxResult address_space_load(AddressSpace *as, hwaddr addr, unsigned size, uint64_t *val);
MemTxResult address_space_store(AddressSpace *as, hwaddr addr, unsigned size, uint64_t val);

/*
 * Direct pointer to guest RAM for [addr, addr + *plen) when it is RAM (ROM:
 * only for reading); *plen is reduced to the contiguous RAM part. NULL if
 * addr is not RAM. After writing through the pointer, call
 * address_space_unmap() with the length written so translated code there is
 * invalidated.
 */
void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen, bool is_write);
/* Loaders: write RAM and ROM alike (calls the code-write hook). Returns
 * MEMTX_DECODE_ERROR, having written nothing, if any part is not RAM/ROM. */
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, const void *buf,
                                    hwaddr len);
void address_space_unmap(AddressSpace *as, void *ptr, hwaddr addr, hwaddr access_len,
                         bool is_write);

/*
 * Called for every write to RAM that does not come from translated code's
 * own fast path (DMA, slow-path stores, loaders), so the translator can
 * invalidate code there. Set by accel/tcg; NULL otherwise.
 */
extern void (*memory_ram_write_hook)(hwaddr addr, hwaddr len);

typedef struct MemoryListener MemoryListener;
struct MemoryListener {
    /* Called for terminal RAM/ROM sections (only those) of the flat view. */
    void (*region_add)(MemoryListener *l, MemoryRegionSection *section);
    void (*region_del)(MemoryListener *l, MemoryRegionSection *section);
    /* Around each flat-view change (optional). */
    void (*begin)(MemoryListener *l);
    void (*commit)(MemoryListener *l);
    AddressSpace *as;
};
/* Registering replays region_add for the current view. */
void memory_listener_register(MemoryListener *l, AddressSpace *as);
void memory_listener_unregister(MemoryListener *l);

/* The system address space and its root container (created on first use). */
MemoryRegion *get_system_memory(void);
AddressSpace *get_system_address_space(void);
/* x86 port I/O space (64 KiB); created on first use. */
MemoryRegion *get_system_io(void);
AddressSpace *get_system_io_space(void);

/* Debug: print the flat view (for tests and the monitor). */
void address_space_dump(AddressSpace *as, FILE *f);

#endif
