/* Unit tests for the memory API (softmmu/memory.c, softmmu/memory-access.c). */
#include "tern/osdep.h"
#include "exec/memory.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "test-log.h"

/* ---- a device that records its callbacks ---- */

typedef struct Call {
    bool is_write;
    hwaddr addr;
    uint64_t val;
    unsigned size;
} Call;

typedef struct RecDev {
    Call calls[16];
    int n;
    uint64_t regs;              /* read callbacks return (regs >> 8 * addr) */
} RecDev;

static uint64_t rec_read(void *opaque, hwaddr addr, unsigned size)
{
    RecDev *d = opaque;
    uint64_t v = d->regs >> (8 * addr);

    if (size < 8) {
        v &= (1ull << (8 * size)) - 1;
    }
    d->calls[d->n++] = (Call){ false, addr, v, size };
    return v;
}

static void rec_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    RecDev *d = opaque;

    d->calls[d->n++] = (Call){ true, addr, val, size };
}

static void assert_call(const Call *c, bool is_write, hwaddr addr, uint64_t val,
                        unsigned size)
{
    assert_int_equal(c->is_write, is_write);
    assert_int_equal(c->addr, addr);
    assert_int_equal(c->val, val);
    assert_int_equal(c->size, size);
}

/* ---- capturing -d guest_errors ---- */

/* Stop logging; return what was logged (g_free it). */
static char *log_stop(void)
{
    char *text = test_log_read();

    test_log_stop();
    return text;
}

/* ---- a fresh address space per test ---- */

typedef struct Fixture {
    MemoryRegion root;
    AddressSpace as;
} Fixture;

static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    memory_region_init(&f->root, "root", 0x100000);
    address_space_init(&f->as, &f->root, "test");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    address_space_destroy(&f->as);
    memory_region_destroy(&f->root);
    g_free(f);
    return 0;
}

static MemoryRegion *lookup_mr(Fixture *f, hwaddr addr, hwaddr *off)
{
    MemoryRegionSection s;

    if (!address_space_lookup(&f->as, addr, &s)) {
        return NULL;
    }
    if (off) {
        *off = s.offset_within_region;
    }
    return s.mr;
}

static const MemoryRegionOps rec_ops = {
    .read = rec_read, .write = rec_write,
};

/* ---- tests ---- */

static void test_priority_overlap(void **state)
{
    Fixture *f = *state;
    MemoryRegion ram, hi, lo, late;
    RecDev d = { 0 };
    hwaddr off;

    assert_true(memory_region_init_ram(&ram, "ram", 0x1000, NULL));
    memory_region_init_io(&hi, &rec_ops, &d, "hi", 0x1000);
    memory_region_init_io(&lo, &rec_ops, &d, "lo", 0x1000);
    memory_region_init_io(&late, &rec_ops, &d, "late", 0x100);

    memory_region_add_subregion(&f->root, 0, &ram);
    memory_region_add_subregion_overlap(&f->root, 0x800, &hi, 1);
    memory_region_add_subregion_overlap(&f->root, 0x400, &lo, -1);

    assert_ptr_equal(lookup_mr(f, 0x7ff, &off), &ram);
    assert_int_equal(off, 0x7ff);
    assert_ptr_equal(lookup_mr(f, 0x800, &off), &hi);
    assert_int_equal(off, 0);
    assert_ptr_equal(lookup_mr(f, 0x17ff, &off), &hi);
    assert_int_equal(off, 0xfff);
    /* lo lost everywhere it overlaps, so it is visible nowhere in [0x400, 0x1800) */
    assert_ptr_equal(lookup_mr(f, 0x400, NULL), &ram);
    assert_null(lookup_mr(f, 0x1800, NULL));

    /* equal priority: the later one wins */
    memory_region_add_subregion(&f->root, 0x100, &late);
    assert_ptr_equal(lookup_mr(f, 0x100, &off), &late);
    assert_int_equal(off, 0);
    assert_ptr_equal(lookup_mr(f, 0x200, &off), &ram);
    assert_int_equal(off, 0x200);

    /* a section is clamped to start at the address and end with its range */
    MemoryRegionSection s;
    assert_true(address_space_lookup(&f->as, 0x180, &s));
    assert_int_equal(s.offset_within_address_space, 0x180);
    assert_int_equal(s.size, 0x80);

    /* disabling and moving take effect */
    memory_region_set_enabled(&hi, false);
    assert_ptr_equal(lookup_mr(f, 0x900, NULL), &ram);
    assert_ptr_equal(lookup_mr(f, 0x1000, &off), &lo);
    assert_int_equal(off, 0xc00);
    memory_region_set_address(&late, 0x3000);
    assert_ptr_equal(lookup_mr(f, 0x100, NULL), &ram);
    assert_ptr_equal(lookup_mr(f, 0x3000, NULL), &late);

    memory_region_del_subregion(&f->root, &ram);
    assert_ptr_equal(lookup_mr(f, 0x7ff, NULL), &lo);
    assert_null(lookup_mr(f, 0x0, NULL));

    memory_region_del_subregion(&f->root, &hi);
    memory_region_del_subregion(&f->root, &lo);
    memory_region_del_subregion(&f->root, &late);
    memory_region_destroy(&ram);
    memory_region_destroy(&hi);
    memory_region_destroy(&lo);
    memory_region_destroy(&late);
}

static void test_alias(void **state)
{
    Fixture *f = *state;
    MemoryRegion ram, al, al2, box, io, boxram, boxal;
    RecDev d = { .regs = 0x8877665544332211ull };
    uint8_t buf[4];
    uint64_t v;
    hwaddr off;

    assert_true(memory_region_init_ram(&ram, "ram", 0x1000, NULL));
    for (int i = 0; i < 0x1000; i++) {
        ram.ram[i] = (uint8_t)(i * 7);
    }
    memory_region_init_alias(&al, "al", &ram, 0x100, 0x200);
    memory_region_add_subregion(&f->root, 0x5000, &al);
    assert_int_equal(address_space_read(&f->as, 0x5010, buf, 4), MEMTX_OK);
    assert_memory_equal(buf, ram.ram + 0x110, 4);
    assert_null(lookup_mr(f, 0x5200, NULL));     /* alias size bounds it */

    /* alias of an alias */
    memory_region_init_alias(&al2, "al2", &al, 0x80, 0x10);
    memory_region_add_subregion(&f->root, 0x6000, &al2);
    assert_ptr_equal(lookup_mr(f, 0x6004, &off), &ram);
    assert_int_equal(off, 0x184);
    assert_null(lookup_mr(f, 0x6010, NULL));

    /* alias of a container with an I/O region and RAM in it */
    memory_region_init(&box, "box", 0x1000);
    memory_region_init_io(&io, &rec_ops, &d, "io", 0x10);
    memory_region_init_alias(&boxram, "boxram", &ram, 0, 0x100);
    memory_region_add_subregion(&box, 0x10, &io);
    memory_region_add_subregion(&box, 0x100, &boxram);
    memory_region_init_alias(&boxal, "boxal", &box, 0x10, 0x200);
    memory_region_add_subregion(&f->root, 0x9000, &boxal);
    assert_ptr_equal(lookup_mr(f, 0x9000, &off), &io);
    assert_int_equal(off, 0);
    assert_int_equal(address_space_load(&f->as, 0x9002, 2, &v), MEMTX_OK);
    assert_int_equal(v, 0x4433);
    assert_ptr_equal(lookup_mr(f, 0x90f0, &off), &ram);
    assert_int_equal(off, 0);
    assert_null(lookup_mr(f, 0x9010, NULL));     /* hole in the container */
    assert_null(lookup_mr(f, 0x91f0, NULL));     /* past boxram's 0x100 bytes */

    /* moving the alias window */
    memory_region_set_alias_offset(&boxal, 0x100);
    assert_ptr_equal(lookup_mr(f, 0x9000, &off), &ram);
    assert_int_equal(off, 0);

    memory_region_del_subregion(&f->root, &al);
    memory_region_del_subregion(&f->root, &al2);
    memory_region_del_subregion(&f->root, &boxal);
    memory_region_del_subregion(&box, &io);
    memory_region_del_subregion(&box, &boxram);
    memory_region_destroy(&box);
    memory_region_destroy(&ram);
    memory_region_destroy(&al);
    memory_region_destroy(&al2);
    memory_region_destroy(&io);
    memory_region_destroy(&boxram);
    memory_region_destroy(&boxal);
}

static void test_split_wide_access(void **state)
{
    Fixture *f = *state;
    static const MemoryRegionOps ops = {
        .read = rec_read, .write = rec_write,
        .valid = { .min_access_size = 1, .max_access_size = 8 },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    RecDev d = { .regs = 0x8877665544332211ull };
    MemoryRegion io;
    uint64_t v;

    memory_region_init_io(&io, &ops, &d, "split", 0x10);
    memory_region_add_subregion(&f->root, 0x2000, &io);

    assert_int_equal(address_space_load(&f->as, 0x2000, 8, &v), MEMTX_OK);
    assert_int_equal(v, 0x8877665544332211ull);
    assert_int_equal(d.n, 2);
    assert_call(&d.calls[0], false, 0, 0x44332211, 4);
    assert_call(&d.calls[1], false, 4, 0x88776655, 4);

    d.n = 0;
    assert_int_equal(address_space_store(&f->as, 0x2008, 8, 0x0102030405060708ull),
                     MEMTX_OK);
    assert_int_equal(d.n, 2);
    assert_call(&d.calls[0], true, 8, 0x05060708, 4);
    assert_call(&d.calls[1], true, 12, 0x01020304, 4);

    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&io);
}

static void test_narrow_access_widened(void **state)
{
    Fixture *f = *state;
    static const MemoryRegionOps ops = {
        .read = rec_read, .write = rec_write,
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    RecDev d = { .regs = 0x8877665544332211ull };
    MemoryRegion io;
    uint64_t v;

    memory_region_init_io(&io, &ops, &d, "wide", 0x8);
    memory_region_add_subregion(&f->root, 0x3000, &io);

    /* a 1-byte read becomes one 4-byte read of the containing word */
    assert_int_equal(address_space_load(&f->as, 0x3006, 1, &v), MEMTX_OK);
    assert_int_equal(v, 0x77);
    assert_int_equal(d.n, 1);
    assert_call(&d.calls[0], false, 4, 0x88776655, 4);

    /* a 2-byte write is merged into the word read first */
    d.n = 0;
    assert_int_equal(address_space_store(&f->as, 0x3002, 2, 0xbbaa), MEMTX_OK);
    assert_int_equal(d.n, 2);
    assert_call(&d.calls[0], false, 0, 0x44332211, 4);
    assert_call(&d.calls[1], true, 0, 0xbbaa2211, 4);

    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&io);
}

static void test_invalid_sizes_rejected(void **state)
{
    Fixture *f = *state;
    static const MemoryRegionOps ops = {
        .read = rec_read, .write = rec_write,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
    };
    RecDev d = { .regs = 0x8877665544332211ull };
    MemoryRegion io;
    uint64_t v = 123;

    memory_region_init_io(&io, &ops, &d, "strict", 0x8);
    memory_region_add_subregion(&f->root, 0x4000, &io);

    test_log_start(LOG_GUEST_ERROR);
    assert_int_equal(address_space_load(&f->as, 0x4000, 8, &v), MEMTX_ERROR);
    assert_int_equal(v, 0);
    assert_int_equal(address_space_load(&f->as, 0x4000, 1, &v), MEMTX_ERROR);
    assert_int_equal(address_space_load(&f->as, 0x4002, 4, &v), MEMTX_ERROR);
    assert_int_equal(address_space_store(&f->as, 0x4002, 4, 1), MEMTX_ERROR);
    assert_int_equal(memory_region_dispatch_read(&io, 0x8, &v, 4), MEMTX_ERROR);
    assert_int_equal(d.n, 0);
    assert_int_equal(address_space_load(&f->as, 0x4004, 4, &v), MEMTX_OK);
    assert_int_equal(v, 0x88776655);
    char *log = log_stop();
    assert_non_null(strstr(log, "invalid read of 8 bytes at offset 0x0 of 'strict'"));
    assert_non_null(strstr(log, "invalid write of 4 bytes at offset 0x2 of 'strict': unaligned"));
    g_free(log);

    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&io);
}

static void test_big_endian(void **state)
{
    Fixture *f = *state;
    static const MemoryRegionOps ops = {
        .read = rec_read, .write = rec_write,
        .endianness = DEVICE_BIG_ENDIAN,
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    RecDev d = { .regs = 0x11223344 };
    MemoryRegion io;
    uint8_t buf[4];
    uint64_t v;

    memory_region_init_io(&io, &ops, &d, "be", 0x4);
    memory_region_add_subregion(&f->root, 0x7000, &io);

    /* the register's most significant byte is at the lowest address */
    assert_int_equal(address_space_read(&f->as, 0x7000, buf, 4), MEMTX_OK);
    assert_memory_equal(buf, ((uint8_t[]){ 0x11, 0x22, 0x33, 0x44 }), 4);
    assert_int_equal(address_space_load(&f->as, 0x7000, 2, &v), MEMTX_OK);
    assert_int_equal(v, 0x2211);

    d.n = 0;
    assert_int_equal(address_space_store(&f->as, 0x7000, 4, 0xddccbbaa), MEMTX_OK);
    assert_call(&d.calls[0], true, 0, 0xaabbccdd, 4);

    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&io);
}

static void test_unassigned(void **state)
{
    Fixture *f = *state;
    MemoryRegion ram;
    uint8_t buf[0x20];
    uint64_t v = 5;

    assert_true(memory_region_init_ram(&ram, "ram", 0x10, NULL));
    memset(ram.ram, 0xab, 0x10);
    memory_region_add_subregion(&f->root, 0x8010, &ram);

    test_log_start(LOG_GUEST_ERROR);
    memset(buf, 0xff, sizeof(buf));
    /* 0x10 unassigned bytes, then RAM */
    assert_int_equal(address_space_read(&f->as, 0x8000, buf, 0x20), MEMTX_DECODE_ERROR);
    for (int i = 0; i < 0x10; i++) {
        assert_int_equal(buf[i], 0);
        assert_int_equal(buf[0x10 + i], 0xab);
    }
    assert_int_equal(address_space_load(&f->as, 0x20000, 4, &v), MEMTX_DECODE_ERROR);
    assert_int_equal(v, 0);
    assert_int_equal(address_space_store(&f->as, 0x20000, 4, 1), MEMTX_DECODE_ERROR);
    char *log = log_stop();
    assert_non_null(strstr(log, "test: unassigned read of 16 bytes at 0x8000"));
    assert_non_null(strstr(log, "test: unassigned write of 4 bytes at 0x20000"));
    g_free(log);

    /* the hole reported by lookup */
    MemoryRegionSection s;
    assert_false(address_space_lookup(&f->as, 0x8000, &s));
    assert_null(s.mr);
    assert_int_equal(s.size, 0x10);

    memory_region_del_subregion(&f->root, &ram);
    memory_region_destroy(&ram);
}

/* ---- listeners ---- */

typedef struct Event {
    char what;                  /* '+' add, '-' del, '[' begin, ']' commit */
    MemoryRegion *mr;
    hwaddr addr, offset;
    uint64_t size;
} Event;

typedef struct TestListener {
    MemoryListener l;
    Event ev[32];
    int n;
} TestListener;

static void tl_record(MemoryListener *l, char what, MemoryRegionSection *s)
{
    TestListener *t = container_of(l, TestListener, l);

    g_assert(t->n < (int)ARRAY_SIZE(t->ev));
    t->ev[t->n++] = s ? (Event){ what, s->mr, s->offset_within_address_space,
                                 s->offset_within_region, s->size }
                      : (Event){ what, NULL, 0, 0, 0 };
}
static void tl_add(MemoryListener *l, MemoryRegionSection *s) { tl_record(l, '+', s); }
static void tl_del(MemoryListener *l, MemoryRegionSection *s) { tl_record(l, '-', s); }
static void tl_begin(MemoryListener *l) { tl_record(l, '[', NULL); }
static void tl_commit(MemoryListener *l) { tl_record(l, ']', NULL); }

static void assert_event(const Event *e, char what, MemoryRegion *mr, hwaddr addr,
                         hwaddr offset, uint64_t size)
{
    assert_int_equal(e->what, what);
    assert_ptr_equal(e->mr, mr);
    assert_int_equal(e->addr, addr);
    assert_int_equal(e->offset, offset);
    assert_int_equal(e->size, size);
}

static void test_listener(void **state)
{
    Fixture *f = *state;
    TestListener t = { .l = { .region_add = tl_add, .region_del = tl_del,
                              .begin = tl_begin, .commit = tl_commit } };
    MemoryRegion ram, rom, io, ram2;
    RecDev d = { 0 };

    assert_true(memory_region_init_ram(&ram, "ram", 0x4000, NULL));
    assert_true(memory_region_init_rom(&rom, "rom", 0x1000, NULL));
    assert_true(memory_region_init_ram(&ram2, "ram2", 0x1000, NULL));
    memory_region_init_io(&io, &rec_ops, &d, "io", 0x1000);
    memory_region_add_subregion(&f->root, 0x10000, &ram);

    /* registering replays the current view */
    memory_listener_register(&t.l, &f->as);
    assert_int_equal(t.n, 3);
    assert_event(&t.ev[1], '+', &ram, 0x10000, 0, 0x4000);

    /* adding ROM reports only the ROM; the unchanged RAM is not re-added */
    t.n = 0;
    memory_region_add_subregion(&f->root, 0x0, &rom);
    assert_int_equal(t.n, 3);
    assert_event(&t.ev[1], '+', &rom, 0, 0, 0x1000);

    /* I/O is not reported */
    t.n = 0;
    memory_region_add_subregion(&f->root, 0x30000, &io);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.ev[0].what, '[');
    assert_int_equal(t.ev[1].what, ']');

    /* I/O on top of RAM splits it: the whole range goes, two pieces come */
    t.n = 0;
    memory_region_set_address(&io, 0x11000);
    memory_region_set_enabled(&io, true);
    assert_int_equal(t.n, 5);
    assert_event(&t.ev[1], '-', &ram, 0x10000, 0, 0x4000);
    assert_event(&t.ev[2], '+', &ram, 0x10000, 0, 0x1000);
    assert_event(&t.ev[3], '+', &ram, 0x12000, 0x2000, 0x2000);
    t.n = 0;
    memory_region_del_subregion(&f->root, &io);
    assert_event(&t.ev[1], '-', &ram, 0x10000, 0, 0x1000);
    assert_event(&t.ev[2], '-', &ram, 0x12000, 0x2000, 0x2000);
    assert_event(&t.ev[3], '+', &ram, 0x10000, 0, 0x4000);

    /* a transaction batches several changes into one update */
    t.n = 0;
    memory_region_transaction_begin();
    memory_region_del_subregion(&f->root, &rom);
    memory_region_add_subregion(&f->root, 0x20000, &ram2);
    assert_int_equal(t.n, 0);
    memory_region_transaction_commit();
    assert_int_equal(t.n, 4);
    assert_event(&t.ev[1], '-', &rom, 0, 0, 0x1000);
    assert_event(&t.ev[2], '+', &ram2, 0x20000, 0, 0x1000);

    /* unregistering removes everything */
    t.n = 0;
    memory_listener_unregister(&t.l);
    assert_int_equal(t.n, 4);
    assert_event(&t.ev[1], '-', &ram, 0x10000, 0, 0x4000);
    assert_event(&t.ev[2], '-', &ram2, 0x20000, 0, 0x1000);
    t.n = 0;
    memory_region_del_subregion(&f->root, &ram2);
    assert_int_equal(t.n, 0);

    memory_region_del_subregion(&f->root, &ram);
    memory_region_destroy(&ram);
    memory_region_destroy(&ram2);
    memory_region_destroy(&rom);
    memory_region_destroy(&io);
}

/* ---- RAM, ROM, map and the write hook ---- */

static hwaddr hook_addr, hook_len;
static int hook_calls;
static void test_hook(hwaddr addr, hwaddr len)
{
    hook_addr = addr;
    hook_len = len;
    hook_calls++;
}

static void test_map_and_hook(void **state)
{
    Fixture *f = *state;
    MemoryRegion ram, rom, io;
    RecDev d = { 0 };
    hwaddr len;
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    void *p;

    assert_true(memory_region_init_ram(&ram, "ram", 0x1000, NULL));
    assert_true(memory_region_init_rom(&rom, "rom", 0x1000, NULL));
    memory_region_init_io(&io, &rec_ops, &d, "io", 0x1000);
    memory_region_add_subregion(&f->root, 0x0, &ram);
    memory_region_add_subregion(&f->root, 0x1000, &io);
    memory_region_add_subregion(&f->root, 0x2000, &rom);

    len = 0x2000;
    p = address_space_map(&f->as, 0x800, &len, true);
    assert_ptr_equal(p, ram.ram + 0x800);
    assert_int_equal(len, 0x800);               /* clamped at the end of RAM */
    len = 0x10;
    assert_ptr_equal(address_space_map(&f->as, 0xff8, &len, false), ram.ram + 0xff8);
    assert_int_equal(len, 0x8);
    len = 0x10;
    assert_null(address_space_map(&f->as, 0x1000, &len, false));   /* I/O */
    assert_int_equal(len, 0);
    len = 0x10;
    assert_null(address_space_map(&f->as, 0x2000, &len, true));    /* ROM, writing */
    len = 0x10;
    assert_ptr_equal(address_space_map(&f->as, 0x2000, &len, false), rom.ram);
    len = 0x10;
    assert_null(address_space_map(&f->as, 0x5000, &len, false));   /* unassigned */

    memory_ram_write_hook = test_hook;
    hook_calls = 0;
    address_space_unmap(&f->as, p, 0x800, 0x40, true);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(hook_addr, 0x800);
    assert_int_equal(hook_len, 0x40);

    assert_int_equal(address_space_write(&f->as, 0x10, buf, 8), MEMTX_OK);
    assert_memory_equal(ram.ram + 0x10, buf, 8);
    assert_int_equal(hook_calls, 2);
    assert_int_equal(hook_addr, 0x10);
    assert_int_equal(address_space_store(&f->as, 0x20, 4, 0xdeadbeef), MEMTX_OK);
    assert_int_equal(hook_calls, 3);
    assert_int_equal(hook_addr, 0x20);
    assert_int_equal(hook_len, 4);
    assert_memory_equal(ram.ram + 0x20, ((uint8_t[]){ 0xef, 0xbe, 0xad, 0xde }), 4);

    /* the guest cannot write ROM; a loader can */
    assert_int_equal(address_space_write(&f->as, 0x2000, buf, 8), MEMTX_OK);
    assert_int_equal(rom.ram[0], 0);
    assert_int_equal(hook_calls, 3);
    assert_int_equal(address_space_write_rom(&f->as, 0x2000, buf, 8), MEMTX_OK);
    assert_memory_equal(rom.ram, buf, 8);
    /* a loader write that reaches I/O fails and writes nothing */
    assert_int_equal(address_space_write_rom(&f->as, 0xffc, buf, 8), MEMTX_DECODE_ERROR);
    assert_int_equal(ram.ram[0xffc], 0);
    memory_ram_write_hook = NULL;

    /* a load straddling RAM and I/O */
    uint64_t v;
    d.regs = 0x44;
    ram.ram[0xfff] = 0x99;
    assert_int_equal(address_space_load(&f->as, 0xfff, 2, &v), MEMTX_OK);
    assert_int_equal(v, 0x4499);

    memory_region_del_subregion(&f->root, &ram);
    memory_region_del_subregion(&f->root, &io);
    memory_region_del_subregion(&f->root, &rom);
    memory_region_destroy(&ram);
    memory_region_destroy(&rom);
    memory_region_destroy(&io);
}

static void test_large_ram_is_lazy(void **state)
{
    MemoryRegion big;
    GError *err = NULL;

    /* 8 GiB: only reserved, so this works on a machine with less free memory */
    assert_true(memory_region_init_ram(&big, "big", 8ull << 30, &err));
    assert_null(err);
    big.ram[(8ull << 30) - 1] = 1;
    assert_int_equal(big.ram[(8ull << 30) - 1], 1);
    memory_region_destroy(&big);
}

static void test_system_singletons(void **state)
{
    assert_ptr_equal(get_system_memory(), get_system_address_space()->root);
    assert_int_equal(memory_region_size(get_system_memory()), UINT64_MAX);
    assert_int_equal(memory_region_size(get_system_io()), 0x10000);
    assert_ptr_equal(get_system_io(), get_system_io_space()->root);
    assert_ptr_not_equal(get_system_memory(), get_system_io());
}

/* Readers racing with rebuilds: each lookup sees either the old or the new view. */
typedef struct RaceArgs {
    AddressSpace *as;
    MemoryRegion *a, *b;
    volatile bool stop;
    bool bad;
} RaceArgs;

static gpointer race_reader(gpointer opaque)
{
    RaceArgs *r = opaque;

    while (!r->stop) {
        MemoryRegionSection s;

        if (!address_space_lookup(r->as, 0x100, &s) || (s.mr != r->a && s.mr != r->b)) {
            r->bad = true;
        }
    }
    return NULL;
}

static void test_concurrent_lookup(void **state)
{
    Fixture *f = *state;
    MemoryRegion a, b;
    RaceArgs r = { &f->as, &a, &b, false, false };

    assert_true(memory_region_init_ram(&a, "a", 0x1000, NULL));
    assert_true(memory_region_init_ram(&b, "b", 0x1000, NULL));
    memory_region_add_subregion(&f->root, 0, &a);
    memory_region_add_subregion_overlap(&f->root, 0, &b, 1);
    GThread *t = g_thread_new("reader", race_reader, &r);
    for (int i = 0; i < 2000; i++) {
        memory_region_set_enabled(&b, i & 1);
    }
    r.stop = true;
    g_thread_join(t);
    assert_false(r.bad);
    memory_region_del_subregion(&f->root, &a);
    memory_region_del_subregion(&f->root, &b);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_priority_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_wide_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_narrow_access_widened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_sizes_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_endian, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unassigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_and_hook, setup, teardown),
        cmocka_unit_test(test_large_ram_is_lazy),
        cmocka_unit_test(test_system_singletons),
        cmocka_unit_test_setup_teardown(test_concurrent_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
