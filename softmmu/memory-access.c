/*
 * Access dispatch: from an address space access to RAM copies and device
 * callbacks. A device declares which accesses the guest may make (valid) and
 * which its callbacks implement (impl); accesses are split into several
 * narrower calls or widened to one wider call (read-modify-write for writes)
 * in between. Values travel in the guest's little-endian order; big-endian
 * devices see byte-swapped values.
 *
 * RAM is touched without locks. Callers must hold the big lock when the range
 * may be I/O (device callbacks run under it).
 */
#include "tern/osdep.h"
#include "exec/memory.h"

static uint64_t ldn_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = n; i-- > 0;) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void stn_le(uint8_t *p, unsigned n, uint64_t v)
{
    for (unsigned i = 0; i < n; i++, v >>= 8) {
        p[i] = (uint8_t)v;
    }
}

static uint64_t ldn_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void stn_be(uint8_t *p, unsigned n, uint64_t v)
{
    for (unsigned i = n; i-- > 0; v >>= 8) {
        p[i] = (uint8_t)v;
    }
}

static bool is_access_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

typedef struct AccessRules {
    unsigned valid_min, valid_max;
    bool unaligned;
    unsigned impl_min, impl_max;
} AccessRules;

static AccessRules access_rules(const MemoryRegion *mr)
{
    const MemoryRegionOps *ops = mr->ops;
    AccessRules r = {
        .valid_min = ops->valid.min_access_size ? ops->valid.min_access_size : 1,
        .valid_max = ops->valid.max_access_size ? ops->valid.max_access_size : 8,
        .unaligned = ops->valid.unaligned,
    };

    r.impl_min = ops->impl.min_access_size ? ops->impl.min_access_size : r.valid_min;
    r.impl_max = ops->impl.max_access_size ? ops->impl.max_access_size : r.valid_max;
    return r;
}

/* Is this access one the guest may make? Logs it if not. */
static bool access_valid(MemoryRegion *mr, hwaddr addr, unsigned size,
                         bool is_write, const AccessRules *r)
{
    const char *why = NULL;

    if (!is_access_size(size) || size < r->valid_min || size > r->valid_max) {
        why = "size not supported";
    } else if (!r->unaligned && (addr & (size - 1))) {
        why = "unaligned";
    } else if (size > mr->size || addr > mr->size - size) {
        why = "beyond the end of the region";
    }
    if (why) {
        tern_log_mask(LOG_GUEST_ERROR,
                      "invalid %s of %u bytes at offset 0x%" HWADDR_PRIx
                      " of '%s': %s\n", is_write ? "write" : "read", size, addr,
                      mr->name, why);
        return false;
    }
    return true;
}

/*
 * Do a valid access through the callbacks, in chunks of the implemented size
 * c, aligned to c, lowest address first. buf holds the bytes of the covered
 * range [start, end) in guest memory order.
 */
static void io_access(MemoryRegion *mr, hwaddr addr, unsigned size,
                      uint64_t *val, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    AccessRules r = access_rules(mr);
    unsigned c = MIN(MAX(size, r.impl_min), r.impl_max);
    hwaddr start = addr & ~(hwaddr)(c - 1);
    hwaddr end = TERN_ALIGN_UP(addr + size, (hwaddr)c);
    bool be = ops->endianness == DEVICE_BIG_ENDIAN;
    uint8_t buf[24];

    if (is_write) {
        /* chunks the write covers only partly are read first and merged */
        for (hwaddr a = start; a < end; a += c) {
            if ((a < addr || a + c > addr + size) && ops->read) {
                uint64_t v = ops->read(mr->opaque, a, c);
                be ? stn_be(buf + (a - start), c, v) : stn_le(buf + (a - start), c, v);
            } else {
                memset(buf + (a - start), 0, c);
            }
        }
        stn_le(buf + (addr - start), size, *val);
        for (hwaddr a = start; a < end; a += c) {
            const uint8_t *p = buf + (a - start);
            if (ops->write) {
                ops->write(mr->opaque, a, be ? ldn_be(p, c) : ldn_le(p, c), c);
            }
        }
    } else {
        for (hwaddr a = start; a < end; a += c) {
            uint64_t v = ops->read ? ops->read(mr->opaque, a, c) : 0;
            be ? stn_be(buf + (a - start), c, v) : stn_le(buf + (a - start), c, v);
        }
        *val = ldn_le(buf + (addr - start), size);
    }
}

static MemTxResult region_access(MemoryRegion *mr, hwaddr addr, uint64_t *val,
                                 unsigned size, bool is_write)
{
    if (mr->type == MR_IO) {
        AccessRules r = access_rules(mr);

        if (!access_valid(mr, addr, size, is_write, &r)) {
            return MEMTX_ERROR;
        }
        io_access(mr, addr, size, val, is_write);
        return MEMTX_OK;
    }
    g_assert(memory_region_is_ram(mr));
    if (!is_access_size(size) || size > mr->size || addr > mr->size - size) {
        return MEMTX_ERROR;
    }
    if (!is_write) {
        *val = ldn_le(mr->ram + addr, size);
    } else if (mr->type == MR_RAM) {
        stn_le(mr->ram + addr, size, *val);
    } else {
        tern_log_mask(LOG_GUEST_ERROR, "write of %u bytes to ROM '%s' at offset 0x%"
                      HWADDR_PRIx " ignored\n", size, mr->name, addr);
    }
    return MEMTX_OK;
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *pval, unsigned size)
{
    MemTxResult res;

    *pval = 0;
    res = region_access(mr, addr, pval, size, false);
    if (res != MEMTX_OK) {
        *pval = 0;
    }
    return res;
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t val, unsigned size)
{
    return region_access(mr, addr, &val, size, true);
}

static void log_unassigned(AddressSpace *as, hwaddr addr, uint64_t len, bool is_write)
{
    tern_log_mask(LOG_GUEST_ERROR, "%s: unassigned %s of %" PRIu64 " bytes at 0x%"
                  HWADDR_PRIx "\n", as->name, is_write ? "write" : "read", len, addr);
}

static void ram_written(hwaddr addr, hwaddr len)
{
    if (memory_ram_write_hook && len) {
        memory_ram_write_hook(addr, len);
    }
}

/* The largest access size the device accepts for an I/O chunk of len bytes at off. */
static unsigned io_chunk_size(MemoryRegion *mr, hwaddr off, uint64_t len)
{
    AccessRules r = access_rules(mr);
    unsigned l = 8;

    while (l > 1 && (l > len || l > r.valid_max ||
                     (!r.unaligned && (off & (l - 1))))) {
        l >>= 1;
    }
    return l;
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, void *buf,
                             hwaddr len, bool is_write)
{
    uint8_t *p = buf;
    MemTxResult res = MEMTX_OK;

    while (len) {
        MemoryRegionSection s;
        uint64_t l;

        if (!address_space_lookup(as, addr, &s)) {
            l = MIN(len, s.size);
            log_unassigned(as, addr, l, is_write);
            if (!is_write) {
                memset(p, 0, l);
            }
            res |= MEMTX_DECODE_ERROR;
        } else if (memory_region_is_ram(s.mr)) {
            uint8_t *ram = s.mr->ram + s.offset_within_region;

            l = MIN(len, s.size);
            if (!is_write) {
                memcpy(p, ram, l);
            } else if (s.mr->type == MR_RAM) {
                memcpy(ram, p, l);
                ram_written(addr, l);
            } else {
                tern_log_mask(LOG_GUEST_ERROR, "%s: write of %" PRIu64 " bytes to ROM '%s'"
                              " at 0x%" HWADDR_PRIx " ignored\n", as->name, l,
                              s.mr->name, addr);
            }
        } else {
            uint64_t v = 0;

            l = io_chunk_size(s.mr, s.offset_within_region, MIN(len, s.size));
            if (is_write) {
                v = ldn_le(p, l);
                res |= memory_region_dispatch_write(s.mr, s.offset_within_region, v, l);
            } else {
                res |= memory_region_dispatch_read(s.mr, s.offset_within_region, &v, l);
                stn_le(p, l, v);
            }
        }
        p += l;
        addr += l;
        len -= l;
    }
    return res;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, hwaddr len)
{
    return address_space_rw(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf, hwaddr len)
{
    return address_space_rw(as, addr, (void *)buf, len, true);
}

MemTxResult address_space_load(AddressSpace *as, hwaddr addr, unsigned size, uint64_t *val)
{
    MemoryRegionSection s;
    uint8_t buf[8];
    MemTxResult res;

    g_assert(is_access_size(size));
    if (address_space_lookup(as, addr, &s) && s.size >= size) {
        return memory_region_dispatch_read(s.mr, s.offset_within_region, val, size);
    }
    /* unassigned, or straddling two regions */
    res = address_space_rw(as, addr, buf, size, false);
    *val = ldn_le(buf, size);
    return res;
}

MemTxResult address_space_store(AddressSpace *as, hwaddr addr, unsigned size, uint64_t val)
{
    MemoryRegionSection s;
    uint8_t buf[8];

    g_assert(is_access_size(size));
    if (address_space_lookup(as, addr, &s) && s.size >= size) {
        MemTxResult res = memory_region_dispatch_write(s.mr, s.offset_within_region,
                                                       val, size);
        if (s.mr->type == MR_RAM) {
            ram_written(addr, size);
        }
        return res;
    }
    stn_le(buf, size, val);
    return address_space_rw(as, addr, buf, size, true);
}

void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen, bool is_write)
{
    MemoryRegionSection s;

    if (!address_space_lookup(as, addr, &s) || !memory_region_is_ram(s.mr) ||
        (is_write && s.mr->type == MR_ROM)) {
        *plen = 0;
        return NULL;
    }
    *plen = MIN(*plen, s.size);
    return s.mr->ram + s.offset_within_region;
}

void address_space_unmap(AddressSpace *as, void *ptr, hwaddr addr, hwaddr access_len,
                         bool is_write)
{
    if (is_write) {
        ram_written(addr, access_len);
    }
}

MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, const void *buf,
                                    hwaddr len)
{
    const uint8_t *p = buf;
    hwaddr a = addr, left = len;

    /* check everything first so that a failure writes nothing */
    while (left) {
        MemoryRegionSection s;

        if (!address_space_lookup(as, a, &s) || !memory_region_is_ram(s.mr)) {
            return MEMTX_DECODE_ERROR;
        }
        uint64_t l = MIN(left, s.size);
        a += l;
        left -= l;
    }
    for (a = addr, left = len; left;) {
        MemoryRegionSection s;

        address_space_lookup(as, a, &s);
        uint64_t l = MIN(left, s.size);
        memcpy(s.mr->ram + s.offset_within_region, p, l);
        p += l;
        a += l;
        left -= l;
    }
    ram_written(addr, len);
    return MEMTX_OK;
}
