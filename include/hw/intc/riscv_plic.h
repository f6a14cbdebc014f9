/*
 * RISC-V Platform-Level Interrupt Controller (hw/intc/riscv_plic.c), RISC-V
 * PLIC specification 1.0.0 with the SiFive register layout QEMU's virt uses.
 *
 * Device type "riscv.plic". Properties: "num-sources" (interrupt ids
 * 1..num-sources exist; id 0 means "none"), "num-contexts", "num-priorities"
 * (priority and threshold registers hold 0..num-priorities), "aperture-size".
 * GPIO inputs 1..num-sources are the source lines (input 0 is unused);
 * irq output c is context c's external-interrupt line.
 */
#ifndef HW_INTC_RISCV_PLIC_H
#define HW_INTC_RISCV_PLIC_H

#include "hw/qdev.h"

#define TYPE_RISCV_PLIC "riscv.plic"

/* Register map (spec chapter 3 "Memory Map"). */
#define PLIC_PRIORITY_BASE      0x0
#define PLIC_PENDING_BASE       0x1000
#define PLIC_ENABLE_BASE        0x2000
#define PLIC_ENABLE_STRIDE      0x80
#define PLIC_CONTEXT_BASE       0x200000
#define PLIC_CONTEXT_STRIDE     0x1000
#define PLIC_MAX_SOURCES        1023
#define PLIC_MAX_CONTEXTS       32      /* limited by DEVICE's irq outputs */

#define PLIC_WORDS(n) (((n) + 1 + 31) / 32)   /* bitmap words for ids 0..n */

typedef struct PLICState {
    DeviceState parent_obj;

    /* properties */
    uint32_t num_sources;
    uint32_t num_contexts;
    uint32_t num_priorities;
    uint64_t aperture_size;

    MemoryRegion mmio;
    qemu_irq outputs[PLIC_MAX_CONTEXTS];

    uint32_t *priority;         /* [num_sources + 1] */
    uint32_t *level;            /* bitmap: source line is high */
    uint32_t *pending;          /* bitmap: gateway forwarded a request */
    uint32_t *claimed;          /* bitmap: claimed, not yet completed */
    uint32_t *enable;           /* [num_contexts][words] */
    uint32_t *threshold;        /* [num_contexts] */
    unsigned words;             /* PLIC_WORDS(num_sources) */
} PLICState;

/* Create and realize a PLIC mapped at addr in system memory. */
DeviceState *riscv_plic_create(hwaddr addr, uint64_t aperture_size,
                               uint32_t num_sources, uint32_t num_contexts,
                               uint32_t num_priorities);

#endif
