/*
 * NS16550A UART (National Semiconductor PC16550D datasheet), in MMIO space
 * (RISC-V virt, registers spaced 1 << regshift bytes apart) or port I/O space
 * (x86 0x3f8). Transmission is instantaneous: a byte written to THR goes
 * straight to the chardev and THR is empty again at once. Reception has the
 * 16-byte FIFO with its trigger levels and the 4-character timeout.
 */
#include "tern/osdep.h"
#include "hw/char/serial_state.h"

/* Register numbers (byte offsets before regshift). */
enum {
    REG_RBR_THR_DLL = 0,
    REG_IER_DLM = 1,
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_RDI    0x01   /* received data available */
#define IER_THRI   0x02   /* THR empty */
#define IER_RLSI   0x04   /* receiver line status */
#define IER_MSI    0x08   /* modem status */

#define IIR_NO_INT 0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0c   /* character timeout */
#define IIR_FIFO   0xc0   /* FIFOs enabled */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER  0xc0

#define LCR_DLAB   0x80

#define MCR_DTR    0x01
#define MCR_RTS    0x02
#define MCR_OUT1   0x04
#define MCR_OUT2   0x08
#define MCR_LOOP   0x10

#define LSR_DR     0x01
#define LSR_OE     0x02
#define LSR_PE     0x04
#define LSR_FE     0x08
#define LSR_BI     0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS   0x01
#define MSR_DDSR   0x02
#define MSR_TERI   0x04
#define MSR_DDCD   0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS    0x10
#define MSR_DSR    0x20
#define MSR_RI     0x40
#define MSR_DCD    0x80

/* Divisor reference: the PC's 1.8432 MHz crystal / 16. */
#define SERIAL_BAUDBASE 115200

static void fifo_reset(SerialFifo *f)
{
    f->head = 0;
    f->count = 0;
}

static bool fifo_push(SerialFifo *f, uint8_t b)
{
    if (f->count == SERIAL_FIFO_SIZE) {
        return false;
    }
    f->data[(f->head + f->count) % SERIAL_FIFO_SIZE] = b;
    f->count++;
    return true;
}

static uint8_t fifo_pop(SerialFifo *f)
{
    uint8_t b = f->data[f->head];

    f->head = (f->head + 1) % SERIAL_FIFO_SIZE;
    f->count--;
    return b;
}

static bool fifo_enabled(const SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

/* PC16550D FCR bits 7:6 select 1, 4, 8 or 14 bytes. */
static unsigned rx_trigger(const SerialState *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };

    return fifo_enabled(s) ? levels[(s->fcr & FCR_TRIGGER) >> 6] : 1;
}

/* The highest-priority pending interrupt as an IIR identification (datasheet table 4). */
static uint8_t pending_iir(const SerialState *s)
{
    if ((s->ier & IER_RLSI) && (s->lsr & LSR_ERRORS)) {
        return IIR_RLSI;
    }
    if ((s->ier & IER_RDI) && s->rx.count >= rx_trigger(s)) {
        return IIR_RDI;
    }
    if ((s->ier & IER_RDI) && s->timeout_ipending) {
        return IIR_CTI;
    }
    if ((s->ier & IER_THRI) && s->thr_ipending) {
        return IIR_THRI;
    }
    if ((s->ier & IER_MSI) && (s->msr & MSR_DELTAS)) {
        return IIR_MSI;
    }
    return IIR_NO_INT;
}

static void update_irq(SerialState *s)
{
    qemu_set_irq(s->irq, pending_iir(s) != IIR_NO_INT);
}

/* Four character times at the programmed baud rate and frame format. */
static int64_t char_timeout_ns(const SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & 3) + ((s->lcr & 0x08) ? 1 : 0) +
                    ((s->lcr & 0x04) ? 2 : 1);
    unsigned divisor = s->divisor ? s->divisor : 1;

    return 4 * (int64_t)bits * 1000000000LL * divisor / SERIAL_BAUDBASE;
}

static void arm_timeout(SerialState *s)
{
    if (fifo_enabled(s) && s->rx.count > 0) {
        timer_mod_ns(s->timeout_timer,
                     clock_get_ns(CLOCK_VIRTUAL) + char_timeout_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void timeout_expired(void *opaque)
{
    SerialState *s = opaque;

    if (s->rx.count > 0) {
        s->timeout_ipending = true;
        update_irq(s);
    }
}

static void receive_byte(SerialState *s, uint8_t b)
{
    if (!fifo_enabled(s) && s->rx.count > 0) {
        /* the one-byte holding register is overwritten */
        fifo_reset(&s->rx);
        s->lsr |= LSR_OE;
    }
    if (!fifo_push(&s->rx, b)) {
        s->lsr |= LSR_OE;
    }
    s->lsr |= LSR_DR;
    s->timeout_ipending = false;
    arm_timeout(s);
}

static void transmit(SerialState *s, uint8_t b)
{
    if (s->mcr & MCR_LOOP) {
        receive_byte(s, b);
    } else if (qemu_chr_fe_backend_connected(&s->chr)) {
        qemu_chr_fe_write_all(&s->chr, &b, 1);
    }
    s->lsr |= LSR_THRE | LSR_TEMT;
    s->thr_ipending = true;
}

/* In loopback mode the modem inputs follow the modem outputs (datasheet 8.6). */
static uint8_t modem_inputs(const SerialState *s)
{
    uint8_t in = 0;

    if (!(s->mcr & MCR_LOOP)) {
        return MSR_CTS | MSR_DSR | MSR_DCD;
    }
    if (s->mcr & MCR_RTS) {
        in |= MSR_CTS;
    }
    if (s->mcr & MCR_DTR) {
        in |= MSR_DSR;
    }
    if (s->mcr & MCR_OUT1) {
        in |= MSR_RI;
    }
    if (s->mcr & MCR_OUT2) {
        in |= MSR_DCD;
    }
    return in;
}

static void update_msr(SerialState *s)
{
    uint8_t in = modem_inputs(s);
    uint8_t changed = (s->msr ^ in) & 0xf0;
    uint8_t deltas = 0;

    if (changed & MSR_CTS) {
        deltas |= MSR_DCTS;
    }
    if (changed & MSR_DSR) {
        deltas |= MSR_DDSR;
    }
    if ((changed & MSR_RI) && !(in & MSR_RI)) {
        deltas |= MSR_TERI;     /* trailing edge only */
    }
    if (changed & MSR_DCD) {
        deltas |= MSR_DDCD;
    }
    s->msr = in | (s->msr & MSR_DELTAS) | deltas;
}

static void write_fcr(SerialState *s, uint8_t val)
{
    if ((val ^ s->fcr) & FCR_ENABLE) {
        /* changing the FIFO mode empties both FIFOs */
        val |= FCR_CLEAR_RX | FCR_CLEAR_TX;
    }
    if (val & FCR_CLEAR_RX) {
        fifo_reset(&s->rx);
        s->lsr &= ~LSR_DR;
        s->timeout_ipending = false;
        timer_del(s->timeout_timer);
        qemu_chr_fe_accept_input(&s->chr);
    }
    s->fcr = val & (FCR_ENABLE | FCR_TRIGGER);
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t ret = 0;
    uint8_t iir;

    if (addr & ((1u << s->regshift) - 1)) {
        return 0;
    }
    switch (addr >> s->regshift) {
    case REG_RBR_THR_DLL:
        if (s->lcr & LCR_DLAB) {
            return s->divisor & 0xff;
        }
        if (s->rx.count > 0) {
            ret = fifo_pop(&s->rx);
            if (s->rx.count == 0) {
                s->lsr &= ~LSR_DR;
            }
            s->timeout_ipending = false;
            arm_timeout(s);
            qemu_chr_fe_accept_input(&s->chr);
        }
        break;
    case REG_IER_DLM:
        return (s->lcr & LCR_DLAB) ? s->divisor >> 8 : s->ier;
    case REG_IIR_FCR:
        iir = pending_iir(s);
        if (iir == IIR_THRI) {
            /* reading IIR acknowledges a THR-empty interrupt */
            s->thr_ipending = false;
        }
        ret = iir | (fifo_enabled(s) ? IIR_FIFO : 0);
        break;
    case REG_LCR:
        return s->lcr;
    case REG_MCR:
        return s->mcr;
    case REG_LSR:
        ret = s->lsr;
        s->lsr &= ~LSR_ERRORS;
        break;
    case REG_MSR:
        ret = s->msr;
        s->msr &= ~MSR_DELTAS;
        break;
    case REG_SCR:
        return s->scr;
    default:
        return 0;
    }
    update_irq(s);
    return ret;
}

static void serial_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = data;
    uint8_t old_ier;

    if (addr & ((1u << s->regshift) - 1)) {
        return;
    }
    switch (addr >> s->regshift) {
    case REG_RBR_THR_DLL:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0xff00) | val;
            return;
        }
        s->thr_ipending = false;
        transmit(s, val);
        break;
    case REG_IER_DLM:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
            return;
        }
        old_ier = s->ier;
        s->ier = val & 0x0f;
        if ((s->ier & IER_THRI) && !(old_ier & IER_THRI) && (s->lsr & LSR_THRE)) {
            /* enabling the interrupt while THR is empty raises it at once */
            s->thr_ipending = true;
        }
        break;
    case REG_IIR_FCR:
        write_fcr(s, val);
        break;
    case REG_LCR:
        s->lcr = val;
        return;
    case REG_MCR:
        if ((s->mcr & MCR_LOOP) && !(val & MCR_LOOP)) {
            qemu_chr_fe_accept_input(&s->chr);     /* the receiver is back on the line */
        }
        s->mcr = val & 0x1f;
        update_msr(s);
        break;
    case REG_LSR:
    case REG_MSR:
        return;     /* read-only (factory test registers) */
    case REG_SCR:
        s->scr = val;
        return;
    }
    update_irq(s);
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    if (s->mcr & MCR_LOOP) {
        return 0;   /* the receiver is disconnected from the line */
    }
    if (fifo_enabled(s)) {
        return SERIAL_FIFO_SIZE - s->rx.count;
    }
    return s->rx.count == 0;
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    SerialState *s = opaque;

    for (int i = 0; i < size; i++) {
        receive_byte(s, buf[i]);
    }
    update_irq(s);
}

static void serial_event(void *opaque, ChrEvent event)
{
    SerialState *s = opaque;

    if (event == CHR_EVENT_BREAK) {
        /* a break is received as a zero character with BI set */
        receive_byte(s, 0);
        s->lsr |= LSR_BI;
        update_irq(s);
    }
}

static void serial_reset(DeviceState *dev)
{
    SerialState *s = container_of(dev, SerialState, parent_obj);

    s->divisor = 12;    /* 9600 baud */
    s->ier = 0;
    s->lcr = 0;
    s->mcr = MCR_OUT2;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = modem_inputs(s);
    s->scr = 0;
    s->fcr = 0;
    fifo_reset(&s->rx);
    s->thr_ipending = false;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
    qemu_set_irq(s->irq, 0);
}

static void serial_instance_init(DeviceState *dev)
{
    SerialState *s = container_of(dev, SerialState, parent_obj);

    device_init_irq(dev, &s->irq);
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = container_of(dev, SerialState, parent_obj);

    if (s->regshift > 4) {
        error_setg(errp, "ns16550a: regshift %u is out of range (0..4)", s->regshift);
        return false;
    }
    if (s->chr_dev) {
        if (!qemu_chr_fe_init(&s->chr, s->chr_dev, errp)) {
            return false;
        }
        qemu_chr_fe_set_handlers(&s->chr, serial_can_receive, serial_receive,
                                 serial_event, s);
    }
    memory_region_init_io(&s->io, &serial_ops, s, "ns16550a", 8u << s->regshift);
    device_init_mmio(dev, &s->io);
    s->timeout_timer = timer_new_ns(CLOCK_VIRTUAL, timeout_expired, s);
    serial_reset(dev);
    return true;
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = container_of(dev, SerialState, parent_obj);

    qemu_chr_fe_deinit(&s->chr);
    timer_free(s->timeout_timer);
    s->timeout_timer = NULL;
}

static const Property serial_props[] = {
    DEFINE_PROP_CHR("chardev", SerialState, chr_dev),
    DEFINE_PROP_UINT32("regshift", SerialState, regshift, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass serial_class = {
    .name = TYPE_SERIAL,
    .desc = "NS16550A UART",
    .category = "input",
    .instance_size = sizeof(SerialState),
    .user_creatable = false,
    .props = serial_props,
    .instance_init = serial_instance_init,
    .realize = serial_realize,
    .unrealize = serial_unrealize,
    .reset = serial_reset,
};

static void serial_register(void)
{
    device_class_register(&serial_class);
}
type_init(serial_register)

DeviceState *serial_create(MemoryRegion *space, hwaddr addr, int regshift,
                           qemu_irq irq, struct Chardev *chr)
{
    DeviceState *dev = qdev_new_or_exit(TYPE_SERIAL);

    qdev_prop_set_uint32(dev, "regshift", regshift);
    if (chr) {
        qdev_prop_set_ptr(dev, "chardev", chr);
    }
    qdev_realize_or_exit(dev, NULL);
    memory_region_add_subregion(space, addr, device_mmio(dev, 0));
    sysbus_connect_irq(dev, 0, irq);
    return dev;
}
