/*
 * Goldfish RTC (hw/rtc/goldfish_rtc.c), the Android emulator's real-time
 * clock that QEMU's RISC-V virt board has at 0x101000: nanoseconds since the
 * Unix epoch from the host's wall clock, plus one alarm with an interrupt.
 * Device type "goldfish_rtc"; mmio region 0 (0x1000 bytes); irq output 0.
 */
#ifndef HW_RTC_GOLDFISH_RTC_H
#define HW_RTC_GOLDFISH_RTC_H

#include "hw/qdev.h"
#include "sysemu/main-loop.h"

#define TYPE_GOLDFISH_RTC "goldfish_rtc"

/* Registers (Android goldfish "GOLDFISH-RTC" virtual device specification). */
#define GOLDFISH_RTC_TIME_LOW        0x00
#define GOLDFISH_RTC_TIME_HIGH       0x04
#define GOLDFISH_RTC_ALARM_LOW       0x08
#define GOLDFISH_RTC_ALARM_HIGH      0x0c
#define GOLDFISH_RTC_IRQ_ENABLED     0x10
#define GOLDFISH_RTC_CLEAR_ALARM     0x14
#define GOLDFISH_RTC_ALARM_STATUS    0x18
#define GOLDFISH_RTC_CLEAR_INTERRUPT 0x1c

typedef struct GoldfishRTCState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    qemu_irq irq;
    TernTimer *alarm_timer;     /* on CLOCK_HOST */

    int64_t offset_ns;          /* guest time = host wall clock + offset */
    uint64_t alarm_ns;          /* guest time of the armed alarm */
    bool alarm_running;
    bool irq_pending;
    bool irq_enabled;
    uint32_t time_high;         /* latched by reading TIME_LOW, or written for a LOW write */
    uint32_t alarm_high;        /* written for the ALARM_LOW write that arms the alarm */
} GoldfishRTCState;

DeviceState *goldfish_rtc_create(hwaddr addr, qemu_irq irq);

#endif
