/*
 * The GDB remote serial protocol's framing (gdb manual, appendix E
 * "Remote Serial Protocol", sections "Overview" and "Binary data"):
 * $payload#cs with cs the modulo-256 sum of the payload bytes, '}' escapes
 * (next byte XOR 0x20), run-length encoding "X*n" (n - 29 more copies of X),
 * '+'/'-' acknowledgments and a bare 0x03 for an interrupt.
 */
#ifndef SOFTMMU_GDBSTUB_PACKET_H
#define SOFTMMU_GDBSTUB_PACKET_H

#include "tern/osdep.h"

/* Largest payload accepted or sent (announced as PacketSize). */
#define GDB_MAX_PACKET 4096

typedef enum GdbRxEvent {
    GDB_RX_NONE,        /* byte consumed, nothing complete yet */
    GDB_RX_PACKET,      /* a packet with a good checksum: payload decoded */
    GDB_RX_BAD,         /* a packet with a bad checksum or encoding: send '-' */
    GDB_RX_ACK,         /* '+' */
    GDB_RX_NAK,         /* '-': resend the last packet */
    GDB_RX_INTERRUPT,   /* 0x03 outside a packet */
} GdbRxEvent;

typedef struct GdbPacketParser {
    int state;
    size_t len;                     /* raw (encoded) payload bytes so far */
    bool overflow;
    uint8_t sum;
    uint8_t cs_hi;
    uint8_t raw[GDB_MAX_PACKET];
} GdbPacketParser;

void gdb_parser_init(GdbPacketParser *p);
/*
 * Feed one byte from the debugger. On GDB_RX_PACKET the decoded payload is
 * in out (out_size bytes room; NUL-terminated, *out_len bytes without the NUL;
 * binary payloads may hold NULs).
 */
GdbRxEvent gdb_parser_feed(GdbPacketParser *p, uint8_t byte, uint8_t *out,
                           size_t out_size, size_t *out_len);

/* Undo '}' escapes and "*n" run lengths; false if malformed or too long. */
bool gdb_packet_decode(const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                       size_t *out_len);
/* "$" + payload with #$}* escaped + "#cs" (no run-length encoding). */
void gdb_packet_frame(GString *dst, const uint8_t *payload, size_t len);

/* ---- hex ---- */
int gdb_hex_digit(int c);                   /* -1 if not a hex digit */
/* Parse up to 16 hex digits at *p (at least one); advances *p. */
bool gdb_parse_hex(const char **p, uint64_t *val);
/* Exactly 2 * n hex digits into n bytes. */
bool gdb_hex_to_bytes(const char *hex, size_t n, uint8_t *out);
void gdb_bytes_to_hex(GString *dst, const uint8_t *buf, size_t n);

#endif
