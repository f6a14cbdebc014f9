/* NS16550A: transmit to a chardev, receive with FIFO/IIR/LSR/IRQ, divisor latch, loopback,
 * character timeout, and the x86 port I/O mapping. */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "hw/char/serial_state.h"
#include "../../misc/tests/device-test.h"
#include "test-tmpdir.h"

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

typedef struct Fixture {
    SerialState *s;
    DeviceState *dev;
    IrqSink sink;
    char *outfile;
    unsigned regshift;
} Fixture;

static Fixture *make(unsigned regshift)
{
    Fixture *f = g_new0(Fixture, 1);
    GError *err = NULL;
    static int n;
    g_autofree char *label = g_strdup_printf("sertest%d", n++);
    g_autofree char *spec = NULL;
    Chardev *chr;

    f->outfile = test_tmpfile_new("tern-serial-XXXXXX", "", 0);
    assert_non_null(f->outfile);
    spec = g_strdup_printf("file:%s", f->outfile);
    chr = qemu_chr_new(label, spec, &err);
    assert_non_null(chr);
    irq_sink_init(&f->sink);
    f->regshift = regshift;
    f->dev = serial_create(get_system_memory(), 0x50000000 + n * 0x1000, regshift,
                           f->sink.lines[0], chr);
    f->s = container_of(f->dev, SerialState, parent_obj);
    return f;
}

static int setup(void **state)
{
    device_test_setup(state);
    *state = make(0);
    return 0;
}

static int setup_shift2(void **state)
{
    device_test_setup(state);
    *state = make(2);
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    device_test_destroy(f->dev);
    irq_sink_free(&f->sink);
    unlink(f->outfile);
    g_free(f->outfile);
    g_free(f);
    return 0;
}

static uint8_t rd(Fixture *f, int reg)
{
    return reg_read(f->dev, reg << f->regshift, 1);
}

static void wr(Fixture *f, int reg, uint8_t val)
{
    reg_write(f->dev, reg << f->regshift, val, 1);
}

/* What the host side received (the chardev file). */
static char *output(Fixture *f)
{
    char *data;

    assert_true(g_file_get_contents(f->outfile, &data, NULL, NULL));
    return data;
}

/* Bytes from the host side, as the chardev layer delivers them. */
static void host_send(Fixture *f, const char *bytes)
{
    int len = strlen(bytes);

    assert_true(f->s->chr.can_read(f->s->chr.opaque) >= len);
    f->s->chr.read(f->s->chr.opaque, (const uint8_t *)bytes, len);
}

static void test_transmit(void **state)
{
    Fixture *f = *state;
    g_autofree char *out = NULL;

    assert_int_equal(rd(f, LSR) & 0x60, 0x60);  /* THRE | TEMT */
    for (const char *p = "hello\n"; *p; p++) {
        wr(f, THR, *p);
        assert_int_equal(rd(f, LSR) & 0x60, 0x60);
    }
    out = output(f);
    assert_string_equal(out, "hello\n");
}

static void test_thre_interrupt(void **state)
{
    Fixture *f = *state;

    assert_int_equal(rd(f, IIR), 0x01);         /* nothing pending */
    wr(f, IER, 0x02);                           /* enabling ETBEI with THR empty raises it */
    assert_int_equal(f->sink.level[0], 1);
    assert_int_equal(rd(f, IIR), 0x02);
    assert_int_equal(f->sink.level[0], 0);      /* reading IIR acknowledged it */
    assert_int_equal(rd(f, IIR), 0x01);
    wr(f, THR, 'x');                            /* THR empties again: new interrupt */
    assert_int_equal(f->sink.level[0], 1);
    wr(f, IER, 0);
    assert_int_equal(f->sink.level[0], 0);
}

static void test_receive_no_fifo(void **state)
{
    Fixture *f = *state;

    wr(f, IER, 0x01);
    assert_int_equal(f->s->chr.can_read(f->s->chr.opaque), 1);
    host_send(f, "a");
    assert_int_equal(f->s->chr.can_read(f->s->chr.opaque), 0);
    assert_int_equal(rd(f, LSR) & 0x01, 0x01);
    assert_int_equal(rd(f, IIR), 0x04);         /* received data available */
    assert_int_equal(f->sink.level[0], 1);
    assert_int_equal(rd(f, RBR), 'a');
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_int_equal(rd(f, IIR), 0x01);
    assert_int_equal(f->sink.level[0], 0);
}

static void test_receive_fifo(void **state)
{
    Fixture *f = *state;

    wr(f, FCR, 0x81);                           /* FIFO on, trigger level 8 */
    wr(f, IER, 0x01);
    assert_int_equal(rd(f, IIR) & 0xc0, 0xc0);  /* FIFOs enabled */
    assert_int_equal(f->s->chr.can_read(f->s->chr.opaque), 16);
    host_send(f, "0123456");
    assert_int_equal(f->sink.level[0], 0);      /* below the trigger level */
    assert_int_equal(rd(f, LSR) & 0x01, 0x01);
    host_send(f, "7");
    assert_int_equal(f->sink.level[0], 1);
    assert_int_equal(rd(f, IIR), 0xc4);
    assert_int_equal(rd(f, RBR), '0');
    assert_int_equal(f->sink.level[0], 0);      /* 7 left: below the level again */
    for (const char *p = "1234567"; *p; p++) {
        assert_int_equal(rd(f, RBR), *p);
    }
    assert_int_equal(rd(f, LSR) & 0x01, 0);

    /* FCR bit 1 empties the receive FIFO */
    host_send(f, "xyz");
    wr(f, FCR, 0x83);
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_int_equal(f->s->chr.can_read(f->s->chr.opaque), 16);
}

static void test_char_timeout(void **state)
{
    Fixture *f = *state;

    wr(f, LCR, 0x80);
    wr(f, DLL, 1);                              /* 115200 baud: timeout ~0.35 ms */
    wr(f, LCR, 0x03);
    wr(f, FCR, 0xc1);                           /* trigger level 14 */
    wr(f, IER, 0x01);
    host_send(f, "k");
    assert_int_equal(f->sink.level[0], 0);
    assert_true(run_timers_until(&f->sink.level[0], 2000));
    assert_int_equal(rd(f, IIR), 0xcc);         /* character timeout */
    assert_int_equal(rd(f, RBR), 'k');
    assert_int_equal(f->sink.level[0], 0);
}

static void test_divisor_latch(void **state)
{
    Fixture *f = *state;

    wr(f, IER, 0x05);
    wr(f, LCR, 0x83);                           /* DLAB */
    wr(f, DLL, 0x34);
    wr(f, DLM, 0x12);
    assert_int_equal(rd(f, DLL), 0x34);
    assert_int_equal(rd(f, DLM), 0x12);
    assert_int_equal(f->s->divisor, 0x1234);
    wr(f, LCR, 0x03);
    assert_int_equal(rd(f, IER), 0x05);         /* unaffected by the latch writes */
    assert_int_equal(rd(f, LCR), 0x03);
    g_autofree char *out = output(f);
    assert_string_equal(out, "");               /* DLL writes are not transmitted */
    wr(f, SCR, 0xa5);
    assert_int_equal(rd(f, SCR), 0xa5);
}

static void test_loopback(void **state)
{
    Fixture *f = *state;

    wr(f, MCR, 0x10);                           /* loop, all modem outputs off */
    rd(f, MSR);
    wr(f, MCR, 0x10 | 0x02 | 0x01);             /* RTS, DTR */
    uint8_t msr = rd(f, MSR);
    assert_int_equal(msr & 0xf0, 0x30);         /* CTS, DSR follow RTS, DTR */
    assert_int_equal(msr & 0x03, 0x03);         /* and their deltas are reported */
    assert_int_equal(rd(f, MSR) & 0x0f, 0);     /* deltas clear on read */
    wr(f, MCR, 0x10 | 0x08 | 0x04);             /* OUT2 -> DCD, OUT1 -> RI */
    assert_int_equal(rd(f, MSR) & 0xf0, 0xc0);
    assert_int_equal(f->s->chr.can_read(f->s->chr.opaque), 0);
    wr(f, THR, 'L');
    assert_int_equal(rd(f, LSR) & 0x01, 0x01);
    assert_int_equal(rd(f, RBR), 'L');
    g_autofree char *out = output(f);
    assert_string_equal(out, "");               /* nothing went to the line */
    wr(f, MCR, 0x08);
    assert_int_equal(rd(f, MSR) & 0xf0, 0xb0);  /* DCD, DSR, CTS when not looped */
}

static void test_break_and_overrun(void **state)
{
    Fixture *f = *state;

    wr(f, IER, 0x04);                           /* line status interrupts */
    f->s->chr.event(f->s->chr.opaque, CHR_EVENT_BREAK);
    assert_int_equal(f->sink.level[0], 1);
    assert_int_equal(rd(f, IIR), 0x06);
    assert_int_equal(rd(f, LSR) & 0x10, 0x10);  /* BI, cleared by reading LSR */
    assert_int_equal(rd(f, LSR) & 0x10, 0);
    assert_int_equal(f->sink.level[0], 0);
    assert_int_equal(rd(f, RBR), 0);
    /* loopback with no FIFO: a second byte overruns the first */
    wr(f, MCR, 0x10);
    wr(f, THR, 1);
    wr(f, THR, 2);
    assert_int_equal(rd(f, LSR) & 0x03, 0x03);
    assert_int_equal(rd(f, RBR), 2);
}

static void test_regshift(void **state)
{
    Fixture *f = *state;

    wr(f, SCR, 0x5a);
    assert_int_equal(reg_read(f->dev, SCR << 2, 4), 0x5a);
    assert_int_equal(reg_read(f->dev, (SCR << 2) + 1, 1), 0);  /* between registers */
    assert_int_equal(memory_region_size(device_mmio(f->dev, 0)), 32);
    wr(f, THR, 'Q');
    g_autofree char *out = output(f);
    assert_string_equal(out, "Q");
}

static void test_random_accesses(void **state)
{
    Fixture *f = *state;

    host_send(f, "z");
    poke_randomly(f->dev, 5000, 2);
    f->dev->dc->reset(f->dev);
    test_receive_fifo(state);
}

/* The x86 boards put it in port I/O space at 0x3f8. */
static void test_port_io(void **state)
{
    IrqSink sink;
    GError *err = NULL;
    g_autofree char *path = test_tmpfile_new("tern-serial-XXXXXX", "", 0);
    g_autofree char *spec = g_strdup_printf("file:%s", path);
    Chardev *chr = qemu_chr_new("sertest-pio", spec, &err);
    AddressSpace *io = get_system_io_space();
    uint64_t v = 0;
    char *out;

    assert_non_null(path);
    assert_non_null(chr);
    irq_sink_init(&sink);
    DeviceState *dev = serial_create(get_system_io(), 0x3f8, 0, sink.lines[4], chr);
    assert_int_equal(address_space_load(io, 0x3f8 + LSR, 1, &v), MEMTX_OK);
    assert_int_equal(v & 0x60, 0x60);
    assert_int_equal(address_space_store(io, 0x3f8 + IER, 1, 0x02), MEMTX_OK);
    assert_int_equal(sink.level[4], 1);
    assert_int_equal(address_space_store(io, 0x3f8 + THR, 1, 'P'), MEMTX_OK);
    assert_true(g_file_get_contents(path, &out, NULL, NULL));
    assert_string_equal(out, "P");
    g_free(out);
    memory_region_del_subregion(get_system_io(), device_mmio(dev, 0));
    qdev_delete(dev);
    irq_sink_free(&sink);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_no_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_char_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divisor_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_break_and_overrun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regshift, setup_shift2, teardown),
        cmocka_unit_test_setup_teardown(test_random_accesses, setup, teardown),
        cmocka_unit_test_setup(test_port_io, device_test_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
