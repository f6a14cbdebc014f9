/*
 * RISC-V ACLINT (hw/intc/riscv_aclint.c), in the SiFive CLINT layout QEMU's
 * virt board uses: an MSWI device (one msip word per hart) followed by an
 * MTIMER device (mtimecmp per hart, mtime at the end).
 *
 * "riscv.aclint.swi": properties "num-harts"; irq output i is hart i's MSIP.
 * "riscv.aclint.mtimer": properties "num-harts", "timebase-freq"; irq output
 * i is hart i's MTIP and output ACLINT_STIP_OUTPUT(i) its STIP (Sstc stimecmp).
 * mtime counts CLOCK_VIRTUAL at timebase-freq (plus what guest writes to
 * mtime added).
 */
#ifndef HW_INTC_RISCV_ACLINT_H
#define HW_INTC_RISCV_ACLINT_H

#include "hw/qdev.h"
#include "sysemu/main-loop.h"
#include "target/riscv/cpu.h"

#define TYPE_RISCV_ACLINT_SWI    "riscv.aclint.swi"
#define TYPE_RISCV_ACLINT_MTIMER "riscv.aclint.mtimer"

/* ACLINT spec 2.1 / 3.1, and the CLINT offsets inside the 64 KiB block. */
#define ACLINT_SWI_SIZE          0x4000
#define ACLINT_MTIMER_SIZE       0x8000
#define ACLINT_MTIME_OFFSET      0x7ff8      /* in the MTIMER block */
#define ACLINT_DEFAULT_TIMEBASE  10000000    /* 10 MHz, like QEMU */
#define ACLINT_MAX_HARTS         16          /* 2 outputs per hart, DEVICE has 32 */
#define ACLINT_STIP_OUTPUT(hart) (ACLINT_MAX_HARTS + (hart))

typedef struct ACLINTSwiState {
    DeviceState parent_obj;
    uint32_t num_harts;
    MemoryRegion mmio;
    qemu_irq msip_out[ACLINT_MAX_HARTS];
    uint32_t msip[ACLINT_MAX_HARTS];
} ACLINTSwiState;

typedef struct ACLINTMTimerState ACLINTMTimerState;

/* One hart's comparators. */
typedef struct ACLINTHartTimer {
    ACLINTMTimerState *owner;
    RISCVCPU *cpu;                  /* for Sstc callbacks (never dereferenced here) */
    uint64_t mtimecmp;
    uint64_t stimecmp;
    TernTimer *mtimer, *stimer;
    qemu_irq mtip, stip;
} ACLINTHartTimer;

struct ACLINTMTimerState {
    DeviceState parent_obj;
    uint32_t num_harts;
    uint32_t timebase_freq;
    MemoryRegion mmio;
    int64_t mtime_delta;            /* ticks added by guest writes to mtime */
    ACLINTHartTimer harts[ACLINT_MAX_HARTS];
    RISCVTimeSource time_source;
};

/* Create, realize and map in system memory. */
DeviceState *riscv_aclint_swi_create(hwaddr addr, uint32_t num_harts);
DeviceState *riscv_aclint_mtimer_create(hwaddr addr, uint32_t num_harts,
                                        uint32_t timebase_freq);

/* The current mtime value. */
uint64_t riscv_aclint_mtimer_read_mtime(DeviceState *dev);

/*
 * Hart `index` of the timer is `cpu`: Sstc stimecmp callbacks for that CPU
 * drive STIP output ACLINT_STIP_OUTPUT(index). The board also connects the outputs
 * and gives the CPU riscv_aclint_mtimer_time_source() (hw/riscv/virt.c).
 */
void riscv_aclint_mtimer_set_hart(DeviceState *dev, unsigned index, RISCVCPU *cpu);
const RISCVTimeSource *riscv_aclint_mtimer_time_source(DeviceState *dev);

#endif
