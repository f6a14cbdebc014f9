/*
 * The gdb stub's packet layer (softmmu/gdbstub-packet.c): framing,
 * checksums, escapes, run-length decoding, hex parsing, and random input
 * that must never crash the parser or overrun its buffers.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "gdbstub-packet.h"

typedef struct Feed {
    GdbRxEvent last;
    int packets, bad, acks, naks, interrupts;
    uint8_t out[GDB_MAX_PACKET + 1];
    size_t out_len;
} Feed;

static void feed(GdbPacketParser *p, Feed *f, const void *data, size_t len)
{
    const uint8_t *b = data;

    for (size_t i = 0; i < len; i++) {
        size_t n = 0;

        f->last = gdb_parser_feed(p, b[i], f->out, sizeof(f->out), &n);
        switch (f->last) {
        case GDB_RX_PACKET:
            f->packets++;
            assert_true(n < sizeof(f->out));
            assert_int_equal(f->out[n], 0);
            f->out_len = n;
            break;
        case GDB_RX_BAD:
            f->bad++;
            break;
        case GDB_RX_ACK:
            f->acks++;
            break;
        case GDB_RX_NAK:
            f->naks++;
            break;
        case GDB_RX_INTERRUPT:
            f->interrupts++;
            break;
        default:
            break;
        }
    }
}

static void feed_str(GdbPacketParser *p, Feed *f, const char *s)
{
    feed(p, f, s, strlen(s));
}

static void test_checksum(void **state)
{
    GdbPacketParser p;
    Feed f = { 0 };

    gdb_parser_init(&p);
    /* 'g' = 0x67 */
    feed_str(&p, &f, "$g#67");
    assert_int_equal(f.packets, 1);
    assert_string_equal((char *)f.out, "g");
    feed_str(&p, &f, "$g#68");
    assert_int_equal(f.bad, 1);
    feed_str(&p, &f, "$g#6x");
    assert_int_equal(f.bad, 2);
    /* "qC": 0x71 + 0x43 = 0xb4, upper-case hex accepted */
    feed_str(&p, &f, "$qC#B4");
    assert_int_equal(f.packets, 2);
    assert_string_equal((char *)f.out, "qC");
    feed_str(&p, &f, "$#00");
    assert_int_equal(f.packets, 3);
    assert_int_equal(f.out_len, 0);
}

static void test_acks_interrupt(void **state)
{
    GdbPacketParser p;
    Feed f = { 0 };

    gdb_parser_init(&p);
    feed_str(&p, &f, "+-+\x03junk");
    assert_int_equal(f.acks, 2);
    assert_int_equal(f.naks, 1);
    assert_int_equal(f.interrupts, 1);
    assert_int_equal(f.packets, 0);
    /* 0x03 inside a packet is data */
    feed(&p, &f, "$\x03#03", 5);
    assert_int_equal(f.interrupts, 1);
    assert_int_equal(f.packets, 1);
    assert_int_equal(f.out[0], 3);
    /* a '$' inside a packet restarts it */
    feed_str(&p, &f, "$abc$g#67");
    assert_int_equal(f.packets, 2);
    assert_string_equal((char *)f.out, "g");
}

static void test_escapes_roundtrip(void **state)
{
    static const uint8_t data[] = { 'X', '#', '$', '}', '*', 0, 0x03, 0xff, 'a' };
    g_autoptr(GString) framed = g_string_new(NULL);
    GdbPacketParser p;
    Feed f = { 0 };

    gdb_packet_frame(framed, data, sizeof(data));
    /* no bare '#', '$' or '*' between the delimiters */
    assert_null(memchr(framed->str + 1, '$', framed->len - 1));
    assert_ptr_equal(memchr(framed->str, '#', framed->len), framed->str + framed->len - 3);
    assert_null(memchr(framed->str, '*', framed->len));
    gdb_parser_init(&p);
    feed(&p, &f, framed->str, framed->len);
    assert_int_equal(f.packets, 1);
    assert_int_equal(f.out_len, sizeof(data));
    assert_memory_equal(f.out, data, sizeof(data));
    /* a trailing lone '}' is malformed */
    feed_str(&p, &f, "$a}#da");
    assert_int_equal(f.bad, 1);
}

static void test_run_length(void **state)
{
    uint8_t out[16];
    size_t n;

    /* "0* " = '0' and 3 more ('  ' is 29 + 3) */
    assert_true(gdb_packet_decode((const uint8_t *)"a0* b", 5, out, sizeof(out), &n));
    assert_int_equal(n, 6);
    assert_string_equal((char *)out, "a0000b");
    /* nothing to repeat, missing count, and too long for the buffer */
    assert_false(gdb_packet_decode((const uint8_t *)"* ", 2, out, sizeof(out), &n));
    assert_false(gdb_packet_decode((const uint8_t *)"a*", 2, out, sizeof(out), &n));
    assert_false(gdb_packet_decode((const uint8_t *)"a*~", 3, out, sizeof(out), &n));
    /* exactly fills out (15 bytes + NUL) */
    assert_true(gdb_packet_decode((const uint8_t *)"abcdefg*%", 9, out, sizeof(out), &n));
    assert_int_equal(n, 15);
}

static void test_overflow(void **state)
{
    GdbPacketParser p;
    Feed f = { 0 };
    g_autofree char *big = g_strnfill(GDB_MAX_PACKET + 10, 'm');
    uint8_t sum = 0;
    char tail[4];

    for (size_t i = 0; i < strlen(big); i++) {
        sum += big[i];
    }
    snprintf(tail, sizeof(tail), "#%02x", sum);
    gdb_parser_init(&p);
    feed_str(&p, &f, "$");
    feed_str(&p, &f, big);
    feed_str(&p, &f, tail);
    assert_int_equal(f.bad, 1);
    assert_int_equal(f.packets, 0);
    /* and the parser recovers */
    feed_str(&p, &f, "$g#67");
    assert_int_equal(f.packets, 1);
}

static void test_hex(void **state)
{
    const char *s = "1f,rest";
    uint64_t v;
    uint8_t b[4];
    g_autoptr(GString) h = g_string_new(NULL);

    assert_true(gdb_parse_hex(&s, &v));
    assert_int_equal(v, 0x1f);
    assert_string_equal(s, ",rest");
    s = "ffffffffffffffff";
    assert_true(gdb_parse_hex(&s, &v));
    assert_true(v == UINT64_MAX);
    s = "10000000000000000";          /* 17 digits: would overflow */
    assert_false(gdb_parse_hex(&s, &v));
    s = "xyz";
    assert_false(gdb_parse_hex(&s, &v));
    assert_string_equal(s, "xyz");
    assert_true(gdb_hex_to_bytes("deadBEEF", 4, b));
    assert_int_equal(b[0], 0xde);
    assert_int_equal(b[3], 0xef);
    assert_false(gdb_hex_to_bytes("dea", 2, b));      /* ends early */
    assert_false(gdb_hex_to_bytes("de g", 2, b));
    gdb_bytes_to_hex(h, b, 4);
    assert_string_equal(h->str, "deadbeef");
    assert_int_equal(gdb_hex_digit('G'), -1);
}

/* Random bytes and random mutations of valid packets: never crash, always sane. */
static void test_fuzz(void **state)
{
    static const char alphabet[] = "$#}*+-\x03" "0123456789abcdefmMgGpPXZzqQvc:,;";
    GdbPacketParser p;
    Feed f = { 0 };
    GRand *r = g_rand_new_with_seed(1234);

    gdb_parser_init(&p);
    for (int i = 0; i < 5000; i++) {
        uint8_t buf[256];
        int len = g_rand_int_range(r, 1, sizeof(buf));
        bool text = g_rand_boolean(r);

        for (int j = 0; j < len; j++) {
            buf[j] = text ? alphabet[g_rand_int_range(r, 0, sizeof(alphabet) - 1)]
                          : g_rand_int_range(r, 0, 256);
        }
        if (g_rand_boolean(r)) {
            /* a well-formed frame around random data, maybe damaged */
            g_autoptr(GString) fr = g_string_new(NULL);
            gdb_packet_frame(fr, buf, len);
            if (g_rand_int_range(r, 0, 4) == 0) {
                fr->str[g_rand_int_range(r, 1, fr->len)] ^= 1 << g_rand_int_range(r, 0, 8);
            } else {
                int before;

                feed(&p, &f, "#00", 3);        /* end any half packet */
                before = f.packets;
                feed(&p, &f, fr->str, fr->len);
                assert_int_equal(f.packets, before + 1);
                assert_int_equal(f.out_len, len);
                assert_memory_equal(f.out, buf, len);
                continue;
            }
            feed(&p, &f, fr->str, fr->len);
        } else {
            feed(&p, &f, buf, len);
        }
    }
    g_rand_free(r);
    /* something of each kind happened */
    assert_true(f.packets > 1000 && f.bad > 0 && f.acks > 0 && f.interrupts > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_acks_interrupt),
        cmocka_unit_test(test_escapes_roundtrip),
        cmocka_unit_test(test_run_length),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
