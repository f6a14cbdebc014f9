/*
 * RISC-V ACLINT MSWI and MTIMER devices (RISC-V ACLINT specification 1.0,
 * chapters 2 and 3), laid out like the SiFive CLINT. mtime is derived from
 * CLOCK_VIRTUAL so it stops while the VM is paused; each hart's mtimecmp and
 * (Sstc) stimecmp arm a host timer that raises MTIP / STIP when mtime
 * reaches them. Timer interrupts are level: MTIP = (mtime >= mtimecmp).
 */
#include "tern/osdep.h"
#include "hw/intc/riscv_aclint.h"

#define NS_PER_SEC 1000000000ULL

/* ---- MSWI: msip[hart] at 4 * hart, bit 0 drives MSIP (spec 2.1) ---- */

static uint64_t swi_read(void *opaque, hwaddr addr, unsigned size)
{
    ACLINTSwiState *s = opaque;
    unsigned hart = addr / 4;

    if (hart >= s->num_harts) {
        tern_log_mask(LOG_GUEST_ERROR, "riscv.aclint.swi: read of 0x%" HWADDR_PRIx
                      " beyond hart %u\n", addr, s->num_harts - 1);
        return 0;
    }
    return s->msip[hart];
}

static void swi_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ACLINTSwiState *s = opaque;
    unsigned hart = addr / 4;

    if (hart >= s->num_harts) {
        tern_log_mask(LOG_GUEST_ERROR, "riscv.aclint.swi: write to 0x%" HWADDR_PRIx
                      " beyond hart %u\n", addr, s->num_harts - 1);
        return;
    }
    s->msip[hart] = val & 1;
    qemu_set_irq(s->msip_out[hart], s->msip[hart]);
}

static const MemoryRegionOps swi_ops = {
    .read = swi_read,
    .write = swi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void swi_reset(DeviceState *dev)
{
    ACLINTSwiState *s = container_of(dev, ACLINTSwiState, parent_obj);

    for (unsigned i = 0; i < s->num_harts; i++) {
        s->msip[i] = 0;
        qemu_set_irq(s->msip_out[i], 0);
    }
}

static void swi_instance_init(DeviceState *dev)
{
    ACLINTSwiState *s = container_of(dev, ACLINTSwiState, parent_obj);

    for (unsigned i = 0; i < ACLINT_MAX_HARTS; i++) {
        device_init_irq(dev, &s->msip_out[i]);
    }
}

static bool check_num_harts(const char *type, uint32_t n, GError **errp)
{
    if (n < 1 || n > ACLINT_MAX_HARTS) {
        error_setg(errp, "%s: num-harts %u is out of range (1..%u)",
                   type, n, ACLINT_MAX_HARTS);
        return false;
    }
    return true;
}

static bool swi_realize(DeviceState *dev, GError **errp)
{
    ACLINTSwiState *s = container_of(dev, ACLINTSwiState, parent_obj);

    if (!check_num_harts(TYPE_RISCV_ACLINT_SWI, s->num_harts, errp)) {
        return false;
    }
    memory_region_init_io(&s->mmio, &swi_ops, s, TYPE_RISCV_ACLINT_SWI, ACLINT_SWI_SIZE);
    device_init_mmio(dev, &s->mmio);
    return true;
}

static const Property swi_props[] = {
    DEFINE_PROP_UINT32("num-harts", ACLINTSwiState, num_harts, 1),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass swi_class = {
    .name = TYPE_RISCV_ACLINT_SWI,
    .desc = "RISC-V ACLINT machine-level software interrupts",
    .category = "misc",
    .instance_size = sizeof(ACLINTSwiState),
    .props = swi_props,
    .instance_init = swi_instance_init,
    .realize = swi_realize,
    .reset = swi_reset,
};

/* ---- MTIMER: mtimecmp[hart] at 8 * hart, mtime at 0x7ff8 (spec 3.1) ---- */

static uint64_t mtime_now(ACLINTMTimerState *s)
{
    unsigned __int128 ns = clock_get_ns(CLOCK_VIRTUAL);

    return (uint64_t)(ns * s->timebase_freq / NS_PER_SEC) + s->mtime_delta;
}

/*
 * Raise `line` now if mtime has reached cmp, else lower it and arm `timer`
 * for the first CLOCK_VIRTUAL nanosecond at which it will.
 */
static void timer_compare(ACLINTMTimerState *s, uint64_t cmp, TernTimer *timer,
                          qemu_irq line)
{
    uint64_t now = mtime_now(s);
    unsigned __int128 ns;

    if (now >= cmp) {
        timer_del(timer);
        qemu_set_irq(line, 1);
        return;
    }
    qemu_set_irq(line, 0);
    /* mtime = ns * f / 1e9 + delta reaches cmp at ns = ceil((cmp - delta) * 1e9 / f) */
    ns = ((unsigned __int128)(cmp - s->mtime_delta) * NS_PER_SEC + s->timebase_freq - 1) /
         s->timebase_freq;
    if (ns > INT64_MAX) {
        timer_del(timer);     /* beyond the end of time (e.g. mtimecmp = -1) */
    } else {
        timer_mod_ns(timer, ns);
    }
}

static void mtimecmp_expired(void *opaque)
{
    ACLINTHartTimer *h = opaque;

    timer_compare(h->owner, h->mtimecmp, h->mtimer, h->mtip);
}

static void stimecmp_expired(void *opaque)
{
    ACLINTHartTimer *h = opaque;

    timer_compare(h->owner, h->stimecmp, h->stimer, h->stip);
}

/* Replace the bytes [shift/8, shift/8 + size) of old by val. */
static uint64_t deposit(uint64_t old, unsigned shift, unsigned size, uint64_t val)
{
    uint64_t mask = size == 8 ? ~0ULL : ((1ULL << (size * 8)) - 1) << shift;

    return (old & ~mask) | ((val << shift) & mask);
}

static uint64_t mtimer_read(void *opaque, hwaddr addr, unsigned size)
{
    ACLINTMTimerState *s = opaque;
    unsigned shift = (addr & 7) * 8;
    uint64_t val;

    if (addr >= ACLINT_MTIME_OFFSET) {
        val = mtime_now(s);
    } else if (addr / 8 < s->num_harts) {
        val = s->harts[addr / 8].mtimecmp;
    } else {
        tern_log_mask(LOG_GUEST_ERROR, "riscv.aclint.mtimer: read of 0x%" HWADDR_PRIx
                      " beyond hart %u\n", addr, s->num_harts - 1);
        return 0;
    }
    return val >> shift;
}

static void mtimer_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ACLINTMTimerState *s = opaque;
    unsigned shift = (addr & 7) * 8;

    if (addr >= ACLINT_MTIME_OFFSET) {
        uint64_t now = mtime_now(s);

        s->mtime_delta += deposit(now, shift, size, val) - now;
        /* every comparator's deadline moved */
        for (unsigned i = 0; i < s->num_harts; i++) {
            ACLINTHartTimer *h = &s->harts[i];
            timer_compare(s, h->mtimecmp, h->mtimer, h->mtip);
            timer_compare(s, h->stimecmp, h->stimer, h->stip);
        }
    } else if (addr / 8 < s->num_harts) {
        ACLINTHartTimer *h = &s->harts[addr / 8];

        h->mtimecmp = deposit(h->mtimecmp, shift, size, val);
        timer_compare(s, h->mtimecmp, h->mtimer, h->mtip);
    } else {
        tern_log_mask(LOG_GUEST_ERROR, "riscv.aclint.mtimer: write to 0x%" HWADDR_PRIx
                      " beyond hart %u\n", addr, s->num_harts - 1);
    }
}

static const MemoryRegionOps mtimer_ops = {
    .read = mtimer_read,
    .write = mtimer_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
};

/* RISCVTimeSource hooks; called on vCPU threads (the BQL may not be held). */
static uint64_t ts_read_mtime(void *opaque)
{
    return mtime_now(opaque);
}

static void ts_stimecmp_changed(void *opaque, RISCVCPU *cpu, uint64_t stimecmp)
{
    ACLINTMTimerState *s = opaque;
    bool locked = bql_locked();

    if (!locked) {
        bql_lock();
    }
    for (unsigned i = 0; i < s->num_harts; i++) {
        ACLINTHartTimer *h = &s->harts[i];
        if (h->cpu == cpu) {
            h->stimecmp = stimecmp;
            timer_compare(s, stimecmp, h->stimer, h->stip);
        }
    }
    if (!locked) {
        bql_unlock();
    }
}

static void mtimer_reset(DeviceState *dev)
{
    ACLINTMTimerState *s = container_of(dev, ACLINTMTimerState, parent_obj);

    s->mtime_delta = 0;
    for (unsigned i = 0; i < s->num_harts; i++) {
        ACLINTHartTimer *h = &s->harts[i];
        /* the reset value is unspecified (spec 3.1); "never" keeps MTIP low */
        h->mtimecmp = UINT64_MAX;
        h->stimecmp = UINT64_MAX;
        timer_compare(s, h->mtimecmp, h->mtimer, h->mtip);
        timer_compare(s, h->stimecmp, h->stimer, h->stip);
    }
}

static void mtimer_instance_init(DeviceState *dev)
{
    ACLINTMTimerState *s = container_of(dev, ACLINTMTimerState, parent_obj);

    for (unsigned i = 0; i < ACLINT_MAX_HARTS; i++) {
        device_init_irq(dev, &s->harts[i].mtip);
    }
    for (unsigned i = 0; i < ACLINT_MAX_HARTS; i++) {
        device_init_irq(dev, &s->harts[i].stip);
    }
}

static bool mtimer_realize(DeviceState *dev, GError **errp)
{
    ACLINTMTimerState *s = container_of(dev, ACLINTMTimerState, parent_obj);

    if (!check_num_harts(TYPE_RISCV_ACLINT_MTIMER, s->num_harts, errp)) {
        return false;
    }
    if (s->timebase_freq == 0) {
        error_setg(errp, "%s: timebase-freq must not be 0", TYPE_RISCV_ACLINT_MTIMER);
        return false;
    }
    for (unsigned i = 0; i < s->num_harts; i++) {
        ACLINTHartTimer *h = &s->harts[i];
        h->owner = s;
        h->mtimecmp = UINT64_MAX;
        h->stimecmp = UINT64_MAX;
        h->mtimer = timer_new_ns(CLOCK_VIRTUAL, mtimecmp_expired, h);
        h->stimer = timer_new_ns(CLOCK_VIRTUAL, stimecmp_expired, h);
    }
    s->time_source = (RISCVTimeSource) {
        .read_mtime = ts_read_mtime,
        .stimecmp_changed = ts_stimecmp_changed,
        .opaque = s,
        .timebase_hz = s->timebase_freq,
    };
    memory_region_init_io(&s->mmio, &mtimer_ops, s, TYPE_RISCV_ACLINT_MTIMER,
                          ACLINT_MTIMER_SIZE);
    device_init_mmio(dev, &s->mmio);
    return true;
}

static void mtimer_unrealize(DeviceState *dev)
{
    ACLINTMTimerState *s = container_of(dev, ACLINTMTimerState, parent_obj);

    for (unsigned i = 0; i < s->num_harts; i++) {
        timer_free(s->harts[i].mtimer);
        timer_free(s->harts[i].stimer);
    }
}

static const Property mtimer_props[] = {
    DEFINE_PROP_UINT32("num-harts", ACLINTMTimerState, num_harts, 1),
    DEFINE_PROP_UINT32("timebase-freq", ACLINTMTimerState, timebase_freq,
                       ACLINT_DEFAULT_TIMEBASE),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass mtimer_class = {
    .name = TYPE_RISCV_ACLINT_MTIMER,
    .desc = "RISC-V ACLINT machine-level timer",
    .category = "misc",
    .instance_size = sizeof(ACLINTMTimerState),
    .props = mtimer_props,
    .instance_init = mtimer_instance_init,
    .realize = mtimer_realize,
    .unrealize = mtimer_unrealize,
    .reset = mtimer_reset,
};

static void aclint_register(void)
{
    device_class_register(&swi_class);
    device_class_register(&mtimer_class);
}
type_init(aclint_register)

static DeviceState *aclint_create(const char *type, hwaddr addr, uint32_t num_harts)
{
    DeviceState *dev = qdev_new_or_exit(type);

    qdev_prop_set_uint32(dev, "num-harts", num_harts);
    return dev;
}

DeviceState *riscv_aclint_swi_create(hwaddr addr, uint32_t num_harts)
{
    DeviceState *dev = aclint_create(TYPE_RISCV_ACLINT_SWI, addr, num_harts);

    qdev_realize_or_exit(dev, NULL);
    sysbus_mmio_map(dev, 0, addr);
    return dev;
}

DeviceState *riscv_aclint_mtimer_create(hwaddr addr, uint32_t num_harts,
                                        uint32_t timebase_freq)
{
    DeviceState *dev = aclint_create(TYPE_RISCV_ACLINT_MTIMER, addr, num_harts);

    qdev_prop_set_uint32(dev, "timebase-freq", timebase_freq);
    qdev_realize_or_exit(dev, NULL);
    sysbus_mmio_map(dev, 0, addr);
    return dev;
}

static ACLINTMTimerState *to_mtimer(DeviceState *dev)
{
    g_assert(dev->dc == &mtimer_class);
    return container_of(dev, ACLINTMTimerState, parent_obj);
}

uint64_t riscv_aclint_mtimer_read_mtime(DeviceState *dev)
{
    return mtime_now(to_mtimer(dev));
}

void riscv_aclint_mtimer_set_hart(DeviceState *dev, unsigned index, RISCVCPU *cpu)
{
    ACLINTMTimerState *s = to_mtimer(dev);

    g_assert(index < s->num_harts);
    s->harts[index].cpu = cpu;
}

const RISCVTimeSource *riscv_aclint_mtimer_time_source(DeviceState *dev)
{
    return &to_mtimer(dev)->time_source;
}
