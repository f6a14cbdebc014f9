/*
 * GDB remote serial protocol framing: the byte-at-a-time receiver, payload
 * decoding and packet building. Pure functions, no I/O (see gdbstub-packet.h).
 */
#include "tern/osdep.h"
#include "gdbstub-packet.h"

enum {
    RX_IDLE,        /* between packets */
    RX_DATA,        /* after '$' */
    RX_CS1,         /* after '#' */
    RX_CS2,
};

void gdb_parser_init(GdbPacketParser *p)
{
    p->state = RX_IDLE;
    p->len = 0;
    p->overflow = false;
    p->sum = 0;
}

int gdb_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool gdb_packet_decode(const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                       size_t *out_len)
{
    size_t o = 0;

    if (out_size == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];

        if (c == '}') {
            if (++i == len) {
                return false;
            }
            c = in[i] ^ 0x20;
        } else if (c == '*') {
            /* run length: repeat the previous byte (in[i+1] - 29) more times */
            size_t n;

            if (o == 0 || ++i == len || in[i] < 29 + 3 || in[i] > 126) {
                return false;
            }
            n = in[i] - 29;
            if (o + n >= out_size) {
                return false;
            }
            memset(out + o, out[o - 1], n);
            o += n;
            continue;
        }
        if (o + 1 >= out_size) {
            return false;
        }
        out[o++] = c;
    }
    out[o] = 0;
    *out_len = o;
    return true;
}

GdbRxEvent gdb_parser_feed(GdbPacketParser *p, uint8_t byte, uint8_t *out,
                           size_t out_size, size_t *out_len)
{
    int d;

    switch (p->state) {
    case RX_IDLE:
        if (byte == '$') {
            p->state = RX_DATA;
            p->len = 0;
            p->sum = 0;
            p->overflow = false;
            return GDB_RX_NONE;
        }
        return byte == '+' ? GDB_RX_ACK : byte == '-' ? GDB_RX_NAK :
               byte == 0x03 ? GDB_RX_INTERRUPT : GDB_RX_NONE;
    case RX_DATA:
        if (byte == '#') {
            p->state = RX_CS1;
            return GDB_RX_NONE;
        }
        if (byte == '$') {
            /* a new packet start: the previous one was cut short */
            p->len = 0;
            p->sum = 0;
            p->overflow = false;
            return GDB_RX_NONE;
        }
        p->sum += byte;
        if (p->len < sizeof(p->raw)) {
            p->raw[p->len++] = byte;
        } else {
            p->overflow = true;
        }
        return GDB_RX_NONE;
    case RX_CS1:
        d = gdb_hex_digit(byte);
        if (d < 0) {
            p->state = RX_IDLE;
            return GDB_RX_BAD;
        }
        p->cs_hi = d;
        p->state = RX_CS2;
        return GDB_RX_NONE;
    default:
        p->state = RX_IDLE;
        d = gdb_hex_digit(byte);
        if (d < 0 || (p->cs_hi << 4 | d) != p->sum || p->overflow ||
            !gdb_packet_decode(p->raw, p->len, out, out_size, out_len)) {
            return GDB_RX_BAD;
        }
        return GDB_RX_PACKET;
    }
}

void gdb_packet_frame(GString *dst, const uint8_t *payload, size_t len)
{
    uint8_t sum = 0;

    g_string_append_c(dst, '$');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = payload[i];

        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(dst, '}');
            sum += '}';
            c ^= 0x20;
        }
        g_string_append_c(dst, c);
        sum += c;
    }
    g_string_append_printf(dst, "#%02x", sum);
}

bool gdb_parse_hex(const char **p, uint64_t *val)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0, d;

    while ((d = gdb_hex_digit((unsigned char)*s)) >= 0) {
        if (++n > 16) {
            return false;
        }
        v = v << 4 | d;
        s++;
    }
    if (n == 0) {
        return false;
    }
    *p = s;
    *val = v;
    return true;
}

bool gdb_hex_to_bytes(const char *hex, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hex_digit((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : gdb_hex_digit((unsigned char)hex[2 * i + 1]);

        if (lo < 0) {
            return false;
        }
        out[i] = hi << 4 | lo;
    }
    return true;
}

void gdb_bytes_to_hex(GString *dst, const uint8_t *buf, size_t n)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        g_string_append_c(dst, digits[buf[i] >> 4]);
        g_string_append_c(dst, digits[buf[i] & 15]);
    }
}
