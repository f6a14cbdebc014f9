/*
 * Helpers for the device unit tests of hw/char, hw/intc, hw/misc, hw/rtc,
 * hw/pci and hw/virtio:
 * register access through the memory API, IRQ sinks that record line levels,
 * and running the main loop's timers without a main loop.
 * (cmocka: include after <setjmp.h> and <cmocka.h>.)
 */
#ifndef HW_TESTS_DEVICE_TEST_H
#define HW_TESTS_DEVICE_TEST_H

#include "tern/osdep.h"
#include "exec/memory.h"
#include "hw/irq.h"
#include "hw/qdev.h"
#include "sysemu/main-loop.h"
#include "sysemu/runstate.h"
/* timers_run_expired(), runstate_handle_requests(): the main loop's side */
#include "../../../softmmu/runstate-internal.h"

#define SINK_LINES 64

/* Records the level of each of its input lines and how often they changed. */
typedef struct IrqSink {
    int level[SINK_LINES];
    int raises[SINK_LINES];
    qemu_irq *lines;
} IrqSink;

static void irq_sink_handler(void *opaque, int n, int level)
{
    IrqSink *sink = opaque;

    assert_true(n >= 0 && n < SINK_LINES);
    if (level && !sink->level[n]) {
        sink->raises[n]++;
    }
    sink->level[n] = level;
}

static inline void irq_sink_init(IrqSink *sink)
{
    memset(sink, 0, sizeof(*sink));
    sink->lines = qemu_allocate_irqs(irq_sink_handler, sink, SINK_LINES);
}

static inline void irq_sink_free(IrqSink *sink)
{
    qemu_free_irqs(sink->lines, SINK_LINES);
}

static inline uint64_t reg_read(DeviceState *dev, hwaddr addr, unsigned size)
{
    uint64_t val = 0xdeadbeef;

    assert_int_equal(memory_region_dispatch_read(device_mmio(dev, 0), addr, &val, size),
                     MEMTX_OK);
    return val;
}

static inline void reg_write(DeviceState *dev, hwaddr addr, uint64_t val, unsigned size)
{
    assert_int_equal(memory_region_dispatch_write(device_mmio(dev, 0), addr, val, size),
                     MEMTX_OK);
}

/*
 * What a hostile guest might do: n accesses of random sizes at random
 * offsets of mmio region 0, with random data. Every access must either
 * succeed or be rejected (MEMTX_ERROR), never crash; callers then check that
 * the device still works.
 */
static inline void poke_randomly(DeviceState *dev, unsigned n, guint32 seed)
{
    MemoryRegion *mr = device_mmio(dev, 0);
    GRand *rand = g_rand_new_with_seed(seed);

    for (unsigned i = 0; i < n; i++) {
        unsigned size = 1u << g_rand_int_range(rand, 0, 4);
        hwaddr addr = (g_rand_int(rand) % memory_region_size(mr)) & ~(hwaddr)(size - 1);
        uint64_t val = (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
        MemTxResult r = g_rand_boolean(rand)
                        ? memory_region_dispatch_write(mr, addr, val, size)
                        : memory_region_dispatch_read(mr, addr, &val, size);

        assert_true(r == MEMTX_OK || r == MEMTX_ERROR);
    }
    g_rand_free(rand);
}

/* Unmap mmio region 0 of dev from the system address space and delete dev. */
static inline void device_test_destroy(DeviceState *dev)
{
    memory_region_del_subregion(get_system_memory(), device_mmio(dev, 0));
    qdev_delete(dev);
}

/* Device tests run like device callbacks do: with the big lock, VM running
 * (so CLOCK_VIRTUAL advances). */
static inline int device_test_setup(void **state)
{
    if (!bql_locked()) {
        bql_lock();
    }
    vm_start();
    return 0;
}

/* Run expired timers until *flag is set or timeout_ms pass; returns *flag. */
static inline bool run_timers_until(const int *flag, int timeout_ms)
{
    int64_t end = g_get_monotonic_time() + timeout_ms * 1000LL;

    while (!*flag && g_get_monotonic_time() < end) {
        timers_run_expired();
        if (!*flag) {
            g_usleep(100);
        }
    }
    return *flag;
}

#endif
