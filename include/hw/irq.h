/*
 * IRQ lines: an output of one device connected to an input handler of
 * another (an interrupt controller, a CPU). Level-triggered lines call
 * qemu_set_irq with the new level; an edge is a pulse (raise then lower).
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include "tern/osdep.h"

typedef struct IRQState *qemu_irq;
typedef void (*qemu_irq_handler)(void *opaque, int n, int level);

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);
/* An array of n lines numbered 0..n-1 sharing one handler. */
qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n);
void qemu_free_irq(qemu_irq irq);
void qemu_free_irqs(qemu_irq *irqs, int n);

/* Deliver a level to the input handler; a NULL irq is an unconnected line. */
void qemu_set_irq(qemu_irq irq, int level);
static inline void qemu_irq_raise(qemu_irq irq) { qemu_set_irq(irq, 1); }
static inline void qemu_irq_lower(qemu_irq irq) { qemu_set_irq(irq, 0); }
static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}

#endif
