/*
 * Goldfish RTC: a 64-bit nanosecond clock (host wall clock plus the offset
 * the guest set) read as two 32-bit halves, TIME_LOW first (which latches
 * TIME_HIGH), and an alarm that raises the interrupt when the clock reaches
 * it. Writes set the high half first, then the low half, which commits.
 */
#include "tern/osdep.h"
#include "hw/rtc/goldfish_rtc.h"

static int64_t rtc_now(GoldfishRTCState *s)
{
    return clock_get_ns(CLOCK_HOST) + s->offset_ns;
}

static void update_irq(GoldfishRTCState *s)
{
    qemu_set_irq(s->irq, s->irq_pending && s->irq_enabled);
}

static void alarm_fire(GoldfishRTCState *s)
{
    timer_del(s->alarm_timer);
    s->alarm_running = false;
    s->irq_pending = true;
    update_irq(s);
}

static void alarm_expired(void *opaque)
{
    alarm_fire(opaque);
}

/* (Re)arm the alarm timer for alarm_ns in host time. */
static void arm_alarm(GoldfishRTCState *s)
{
    int64_t now = rtc_now(s);

    if (s->alarm_ns <= (uint64_t)now) {
        alarm_fire(s);
        return;
    }
    s->alarm_running = true;
    timer_mod_ns(s->alarm_timer, clock_get_ns(CLOCK_HOST) + (int64_t)(s->alarm_ns - now));
}

static uint64_t rtc_read(void *opaque, hwaddr addr, unsigned size)
{
    GoldfishRTCState *s = opaque;
    uint64_t now;

    switch (addr) {
    case GOLDFISH_RTC_TIME_LOW:
        now = rtc_now(s);
        s->time_high = now >> 32;
        return (uint32_t)now;
    case GOLDFISH_RTC_TIME_HIGH:
        return s->time_high;
    case GOLDFISH_RTC_ALARM_LOW:
        return (uint32_t)s->alarm_ns;
    case GOLDFISH_RTC_ALARM_HIGH:
        return s->alarm_ns >> 32;
    case GOLDFISH_RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case GOLDFISH_RTC_ALARM_STATUS:
        return s->alarm_running;
    default:
        tern_log_mask(LOG_GUEST_ERROR, "goldfish_rtc: read of unknown register 0x%"
                      HWADDR_PRIx "\n", addr);
        return 0;
    }
}

static void rtc_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    GoldfishRTCState *s = opaque;

    switch (addr) {
    case GOLDFISH_RTC_TIME_LOW:
        s->offset_ns = (int64_t)(((uint64_t)s->time_high << 32) | (uint32_t)val) -
                       clock_get_ns(CLOCK_HOST);
        if (s->alarm_running) {
            arm_alarm(s);   /* the clock jumped */
        }
        break;
    case GOLDFISH_RTC_TIME_HIGH:
        s->time_high = val;
        break;
    case GOLDFISH_RTC_ALARM_LOW:
        s->alarm_ns = ((uint64_t)s->alarm_high << 32) | (uint32_t)val;
        arm_alarm(s);
        break;
    case GOLDFISH_RTC_ALARM_HIGH:
        s->alarm_high = val;
        break;
    case GOLDFISH_RTC_IRQ_ENABLED:
        s->irq_enabled = val & 1;
        update_irq(s);
        break;
    case GOLDFISH_RTC_CLEAR_ALARM:
        timer_del(s->alarm_timer);
        s->alarm_running = false;
        break;
    case GOLDFISH_RTC_CLEAR_INTERRUPT:
        s->irq_pending = false;
        update_irq(s);
        break;
    default:
        tern_log_mask(LOG_GUEST_ERROR, "goldfish_rtc: write to unknown register 0x%"
                      HWADDR_PRIx "\n", addr);
        break;
    }
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void rtc_reset(DeviceState *dev)
{
    GoldfishRTCState *s = container_of(dev, GoldfishRTCState, parent_obj);

    /* the offset survives: a reboot does not reset the wall clock */
    timer_del(s->alarm_timer);
    s->alarm_ns = 0;
    s->alarm_running = false;
    s->irq_pending = false;
    s->irq_enabled = false;
    s->time_high = 0;
    s->alarm_high = 0;
    update_irq(s);
}

static void rtc_instance_init(DeviceState *dev)
{
    GoldfishRTCState *s = container_of(dev, GoldfishRTCState, parent_obj);

    device_init_irq(dev, &s->irq);
}

static bool rtc_realize(DeviceState *dev, GError **errp)
{
    GoldfishRTCState *s = container_of(dev, GoldfishRTCState, parent_obj);

    memory_region_init_io(&s->mmio, &rtc_ops, s, TYPE_GOLDFISH_RTC, 0x1000);
    device_init_mmio(dev, &s->mmio);
    s->alarm_timer = timer_new_ns(CLOCK_HOST, alarm_expired, s);
    return true;
}

static void rtc_unrealize(DeviceState *dev)
{
    GoldfishRTCState *s = container_of(dev, GoldfishRTCState, parent_obj);

    timer_free(s->alarm_timer);
    s->alarm_timer = NULL;
}

static const Property rtc_props[] = {
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass rtc_class = {
    .name = TYPE_GOLDFISH_RTC,
    .desc = "Goldfish real-time clock",
    .category = "misc",
    .instance_size = sizeof(GoldfishRTCState),
    .props = rtc_props,
    .instance_init = rtc_instance_init,
    .realize = rtc_realize,
    .unrealize = rtc_unrealize,
    .reset = rtc_reset,
};

static void rtc_register(void)
{
    device_class_register(&rtc_class);
}
type_init(rtc_register)

DeviceState *goldfish_rtc_create(hwaddr addr, qemu_irq irq)
{
    DeviceState *dev = qdev_new_or_exit(TYPE_GOLDFISH_RTC);

    qdev_realize_or_exit(dev, NULL);
    sysbus_mmio_map(dev, 0, addr);
    sysbus_connect_irq(dev, 0, irq);
    return dev;
}
