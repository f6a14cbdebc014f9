/*
 * NS16550A UART state (hw/char/serial.c). Boards use include/hw/char/serial.h;
 * this header exposes the register state for the device's unit tests.
 */
#ifndef HW_CHAR_SERIAL_STATE_H
#define HW_CHAR_SERIAL_STATE_H

#include "hw/char/serial.h"
#include "chardev/char.h"
#include "sysemu/main-loop.h"

#define SERIAL_FIFO_SIZE 16

/* A byte ring of SERIAL_FIFO_SIZE entries. */
typedef struct SerialFifo {
    uint8_t data[SERIAL_FIFO_SIZE];
    unsigned head, count;
} SerialFifo;

typedef struct SerialState {
    DeviceState parent_obj;

    /* properties */
    Chardev *chr_dev;
    uint32_t regshift;

    CharBackend chr;
    MemoryRegion io;
    qemu_irq irq;
    TernTimer *timeout_timer;     /* receive FIFO character timeout */

    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    SerialFifo rx;
    bool thr_ipending;            /* THR-empty interrupt armed */
    bool timeout_ipending;        /* character timeout interrupt */
} SerialState;

#endif
