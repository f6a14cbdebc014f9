/* A small LRU cache of qcow2 metadata tables, write-through. */
#include "tern/osdep.h"
#include "qcow2.h"

typedef struct CacheEntry {
    uint64_t offset;      /* 0: empty (offset 0 is the header, never a table) */
    uint64_t lru;
    void *table;
} CacheEntry;

struct Qcow2Cache {
    int n;
    size_t table_size;
    uint64_t clock;
    CacheEntry *e;
};

Qcow2Cache *qcow2_cache_new(int entries, size_t table_size)
{
    Qcow2Cache *c = g_new0(Qcow2Cache, 1);
    c->n = entries;
    c->table_size = table_size;
    c->e = g_new0(CacheEntry, entries);
    for (int i = 0; i < entries; i++) {
        c->e[i].table = g_malloc(table_size);
    }
    return c;
}

void qcow2_cache_free(Qcow2Cache *c)
{
    if (!c) {
        return;
    }
    for (int i = 0; i < c->n; i++) {
        g_free(c->e[i].table);
    }
    g_free(c->e);
    g_free(c);
}

static CacheEntry *lookup(Qcow2Cache *c, uint64_t offset)
{
    for (int i = 0; i < c->n; i++) {
        if (c->e[i].offset == offset) {
            return &c->e[i];
        }
    }
    return NULL;
}

static CacheEntry *victim(Qcow2Cache *c)
{
    CacheEntry *v = &c->e[0];
    for (int i = 1; i < c->n; i++) {
        if (c->e[i].lru < v->lru) {
            v = &c->e[i];
        }
    }
    return v;
}

int qcow2_cache_get(BlockDriverState *file, Qcow2Cache *c, uint64_t offset,
                    void **table)
{
    CacheEntry *e = lookup(c, offset);

    if (!offset) {
        return -EIO;   /* the header cluster is never a table */
    }
    if (!e) {
        e = victim(c);
        e->offset = 0;
        int ret = bdrv_file_pread(file, offset, c->table_size, e->table);
        if (ret < 0) {
            return ret;
        }
        e->offset = offset;
    }
    e->lru = ++c->clock;
    *table = e->table;
    return 0;
}

void *qcow2_cache_put(Qcow2Cache *c, uint64_t offset, const void *data)
{
    CacheEntry *e = lookup(c, offset);
    if (!e) {
        e = victim(c);
    }
    memcpy(e->table, data, c->table_size);
    e->offset = offset;
    e->lru = ++c->clock;
    return e->table;
}

void qcow2_cache_drop(Qcow2Cache *c, uint64_t offset)
{
    CacheEntry *e = lookup(c, offset);
    if (e && offset) {
        e->offset = 0;
        e->lru = 0;
    }
}
