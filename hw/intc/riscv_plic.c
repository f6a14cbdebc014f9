/*
 * RISC-V PLIC (RISC-V Platform-Level Interrupt Controller Specification
 * 1.0.0). Every source has a level-triggered gateway: a high line makes the
 * source pending; a claim clears pending and holds the gateway closed until
 * the matching completion, after which a line that is still high is pending
 * again (spec 5 "Interrupt Gateways").
 */
#include "tern/osdep.h"
#include "hw/intc/riscv_plic.h"

static bool bit_test(const uint32_t *map, unsigned id)
{
    return map[id / 32] & (1u << (id % 32));
}

static void bit_assign(uint32_t *map, unsigned id, bool on)
{
    if (on) {
        map[id / 32] |= 1u << (id % 32);
    } else {
        map[id / 32] &= ~(1u << (id % 32));
    }
}

/* The ids of bitmap word w that exist (id 0 never does): enable bits are WARL. */
static uint32_t source_mask(PLICState *s, unsigned w)
{
    uint32_t mask = ~0u;

    if (w == 0) {
        mask &= ~1u;
    }
    if (w == s->num_sources / 32) {
        mask &= (uint32_t)((2ull << (s->num_sources % 32)) - 1);
    }
    return mask;
}

static uint32_t *context_enable(PLICState *s, unsigned ctx)
{
    return &s->enable[ctx * s->words];
}

/*
 * The source context ctx would get from a claim now: the pending, enabled,
 * unclaimed source with the highest priority above the threshold, the
 * lowest id among equals (spec 6 "Interrupt Priorities"); 0 if none.
 */
static unsigned best_source(PLICState *s, unsigned ctx)
{
    const uint32_t *en = context_enable(s, ctx);
    unsigned best = 0;
    uint32_t best_prio = s->threshold[ctx];

    for (unsigned w = 0; w < s->words; w++) {
        uint32_t candidates = s->pending[w] & en[w] & ~s->claimed[w];

        while (candidates) {
            unsigned id = w * 32 + __builtin_ctz(candidates);

            candidates &= candidates - 1;
            if (id != 0 && id <= s->num_sources && s->priority[id] > best_prio) {
                best = id;
                best_prio = s->priority[id];
            }
        }
    }
    return best;
}

static void plic_update(PLICState *s)
{
    for (unsigned ctx = 0; ctx < s->num_contexts; ctx++) {
        qemu_set_irq(s->outputs[ctx], best_source(s, ctx) != 0);
    }
}

/* GPIO input: source line `id` changed level. */
static void plic_set_irq(void *opaque, int id, int level)
{
    PLICState *s = container_of((DeviceState *)opaque, PLICState, parent_obj);

    if (id <= 0 || id > (int)s->num_sources) {
        return;
    }
    bit_assign(s->level, id, level);
    if (level && !bit_test(s->claimed, id)) {
        bit_assign(s->pending, id, true);
    }
    plic_update(s);
}

static uint32_t plic_claim(PLICState *s, unsigned ctx)
{
    unsigned id = best_source(s, ctx);

    if (id) {
        bit_assign(s->pending, id, false);
        bit_assign(s->claimed, id, true);
        plic_update(s);
    }
    return id;
}

static void plic_complete(PLICState *s, unsigned ctx, uint32_t id)
{
    /* Completions for sources not enabled for this context are ignored (spec 7.11). */
    if (id == 0 || id > s->num_sources || !bit_test(context_enable(s, ctx), id)) {
        tern_log_mask(LOG_GUEST_ERROR,
                      "riscv.plic: context %u completes id %u that is not enabled\n",
                      ctx, id);
        return;
    }
    bit_assign(s->claimed, id, false);
    if (bit_test(s->level, id)) {
        bit_assign(s->pending, id, true);
    }
    plic_update(s);
}

typedef enum PLICRegKind {
    PLIC_REG_NONE,
    PLIC_REG_PRIORITY,      /* index: source id */
    PLIC_REG_PENDING,       /* index: bitmap word */
    PLIC_REG_ENABLE,        /* ctx, index: bitmap word */
    PLIC_REG_THRESHOLD,     /* ctx */
    PLIC_REG_CLAIM,         /* ctx: claim (read) / complete (write) */
} PLICRegKind;

typedef struct PLICReg {
    PLICRegKind kind;
    unsigned ctx, index;
} PLICReg;

/* Decode a register offset; PLIC_REG_NONE for holes and absent sources/contexts. */
static PLICReg plic_decode(PLICState *s, hwaddr addr)
{
    PLICReg r = { PLIC_REG_NONE, 0, 0 };

    if (addr < PLIC_PENDING_BASE) {
        r.index = addr / 4;
        if (r.index >= 1 && r.index <= s->num_sources) {
            r.kind = PLIC_REG_PRIORITY;
        }
    } else if (addr < PLIC_ENABLE_BASE) {
        r.index = (addr - PLIC_PENDING_BASE) / 4;
        if (r.index < s->words) {
            r.kind = PLIC_REG_PENDING;
        }
    } else if (addr < PLIC_CONTEXT_BASE) {
        r.ctx = (addr - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
        r.index = (addr - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4;
        if (r.ctx < s->num_contexts && r.index < s->words) {
            r.kind = PLIC_REG_ENABLE;
        }
    } else {
        hwaddr reg = (addr - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;

        r.ctx = (addr - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
        if (r.ctx < s->num_contexts && reg == 0) {
            r.kind = PLIC_REG_THRESHOLD;
        } else if (r.ctx < s->num_contexts && reg == 4) {
            r.kind = PLIC_REG_CLAIM;
        }
    }
    return r;
}

static uint64_t plic_read(void *opaque, hwaddr addr, unsigned size)
{
    PLICState *s = opaque;
    PLICReg r = plic_decode(s, addr);

    switch (r.kind) {
    case PLIC_REG_PRIORITY:
        return s->priority[r.index];
    case PLIC_REG_PENDING:
        return s->pending[r.index];
    case PLIC_REG_ENABLE:
        return context_enable(s, r.ctx)[r.index];
    case PLIC_REG_THRESHOLD:
        return s->threshold[r.ctx];
    case PLIC_REG_CLAIM:
        return plic_claim(s, r.ctx);
    case PLIC_REG_NONE:
        break;
    }
    tern_log_mask(LOG_GUEST_ERROR, "riscv.plic: read of unknown register 0x%"
                  HWADDR_PRIx "\n", addr);
    return 0;
}

/* Priorities and thresholds are WARL: keep 0..num_priorities. */
static uint32_t clamp_priority(PLICState *s, uint64_t val)
{
    return val > s->num_priorities ? s->num_priorities : val;
}

static void plic_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PLICState *s = opaque;
    PLICReg r = plic_decode(s, addr);

    switch (r.kind) {
    case PLIC_REG_PRIORITY:
        s->priority[r.index] = clamp_priority(s, val);
        break;
    case PLIC_REG_ENABLE:
        context_enable(s, r.ctx)[r.index] = val & source_mask(s, r.index);
        break;
    case PLIC_REG_THRESHOLD:
        s->threshold[r.ctx] = clamp_priority(s, val);
        break;
    case PLIC_REG_CLAIM:
        plic_complete(s, r.ctx, val);
        return;
    case PLIC_REG_PENDING:
    case PLIC_REG_NONE:
        tern_log_mask(LOG_GUEST_ERROR, "riscv.plic: write 0x%" PRIx64
                      " to %s register 0x%" HWADDR_PRIx "\n", val,
                      r.kind == PLIC_REG_PENDING ? "read-only" : "unknown", addr);
        return;
    }
    plic_update(s);
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void plic_reset(DeviceState *dev)
{
    PLICState *s = container_of(dev, PLICState, parent_obj);

    memset(s->priority, 0, (s->num_sources + 1) * sizeof(uint32_t));
    memset(s->pending, 0, s->words * sizeof(uint32_t));
    memset(s->claimed, 0, s->words * sizeof(uint32_t));
    memset(s->enable, 0, s->num_contexts * s->words * sizeof(uint32_t));
    memset(s->threshold, 0, s->num_contexts * sizeof(uint32_t));
    /* line levels survive: they belong to the devices */
    for (unsigned id = 1; id <= s->num_sources; id++) {
        if (bit_test(s->level, id)) {
            bit_assign(s->pending, id, true);
        }
    }
    plic_update(s);
}

static void plic_instance_init(DeviceState *dev)
{
    PLICState *s = container_of(dev, PLICState, parent_obj);

    for (unsigned i = 0; i < PLIC_MAX_CONTEXTS; i++) {
        device_init_irq(dev, &s->outputs[i]);
    }
}

static bool plic_realize(DeviceState *dev, GError **errp)
{
    PLICState *s = container_of(dev, PLICState, parent_obj);

    if (s->num_sources < 1 || s->num_sources > PLIC_MAX_SOURCES) {
        error_setg(errp, "riscv.plic: num-sources %u is out of range (1..%u)",
                   s->num_sources, PLIC_MAX_SOURCES);
        return false;
    }
    if (s->num_contexts < 1 || s->num_contexts > PLIC_MAX_CONTEXTS) {
        error_setg(errp, "riscv.plic: num-contexts %u is out of range (1..%u)",
                   s->num_contexts, PLIC_MAX_CONTEXTS);
        return false;
    }
    if (s->aperture_size < PLIC_CONTEXT_BASE + s->num_contexts * PLIC_CONTEXT_STRIDE) {
        error_setg(errp, "riscv.plic: aperture-size 0x%" PRIx64 " is too small for %u contexts",
                   s->aperture_size, s->num_contexts);
        return false;
    }
    s->words = PLIC_WORDS(s->num_sources);
    s->priority = g_new0(uint32_t, s->num_sources + 1);
    s->level = g_new0(uint32_t, s->words);
    s->pending = g_new0(uint32_t, s->words);
    s->claimed = g_new0(uint32_t, s->words);
    s->enable = g_new0(uint32_t, s->num_contexts * s->words);
    s->threshold = g_new0(uint32_t, s->num_contexts);
    memory_region_init_io(&s->mmio, &plic_ops, s, "riscv.plic", s->aperture_size);
    device_init_mmio(dev, &s->mmio);
    device_init_gpio_in(dev, plic_set_irq, s->num_sources + 1);
    return true;
}

static void plic_unrealize(DeviceState *dev)
{
    PLICState *s = container_of(dev, PLICState, parent_obj);

    g_free(s->priority);
    g_free(s->level);
    g_free(s->pending);
    g_free(s->claimed);
    g_free(s->enable);
    g_free(s->threshold);
}

static const Property plic_props[] = {
    DEFINE_PROP_UINT32("num-sources", PLICState, num_sources, 96),
    DEFINE_PROP_UINT32("num-contexts", PLICState, num_contexts, 2),
    DEFINE_PROP_UINT32("num-priorities", PLICState, num_priorities, 7),
    DEFINE_PROP_UINT64("aperture-size", PLICState, aperture_size, 0x4000000),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass plic_class = {
    .name = TYPE_RISCV_PLIC,
    .desc = "RISC-V platform-level interrupt controller",
    .category = "misc",
    .instance_size = sizeof(PLICState),
    .props = plic_props,
    .instance_init = plic_instance_init,
    .realize = plic_realize,
    .unrealize = plic_unrealize,
    .reset = plic_reset,
};

static void plic_register(void)
{
    device_class_register(&plic_class);
}
type_init(plic_register)

DeviceState *riscv_plic_create(hwaddr addr, uint64_t aperture_size,
                               uint32_t num_sources, uint32_t num_contexts,
                               uint32_t num_priorities)
{
    DeviceState *dev = qdev_new_or_exit(TYPE_RISCV_PLIC);

    qdev_prop_set_uint64(dev, "aperture-size", aperture_size);
    qdev_prop_set_uint32(dev, "num-sources", num_sources);
    qdev_prop_set_uint32(dev, "num-contexts", num_contexts);
    qdev_prop_set_uint32(dev, "num-priorities", num_priorities);
    qdev_realize_or_exit(dev, NULL);
    sysbus_mmio_map(dev, 0, addr);
    return dev;
}
