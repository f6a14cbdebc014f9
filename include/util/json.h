/*
 * A small strict JSON (RFC 8259) parser and writer, enough for QMP.
 *
 * Input may come from a hostile client: nesting depth and message size are
 * bounded, strings must be valid UTF-8 without NUL, object keys are unique.
 */
#ifndef UTIL_JSON_H
#define UTIL_JSON_H

#include "tern/osdep.h"

#define JSON_MAX_DEPTH  64              /* nested arrays/objects */
#define JSON_MAX_SIZE   (1024 * 1024)   /* bytes of one streamed message */

typedef enum JsonType {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct JsonValue JsonValue;

/* Parse exactly one value (surrounding whitespace allowed) from text[0..len). */
JsonValue *json_parse(const char *text, size_t len, GError **errp);
void json_free(JsonValue *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonValue, json_free)

/* The accessors below take NULL (an absent member) and answer NULL/false/0;
 * they also answer so for a value of another type. */
JsonType json_type(const JsonValue *v);     /* v must not be NULL */
bool json_bool(const JsonValue *v);
double json_number(const JsonValue *v);
/* True if v is a number with an integral value that fits in int64_t. */
bool json_int(const JsonValue *v, int64_t *out);
const char *json_string(const JsonValue *v);
/* Number of elements (array) or members (object); 0 otherwise. */
size_t json_len(const JsonValue *v);
JsonValue *json_array_get(const JsonValue *v, size_t i);
const char *json_object_key(const JsonValue *v, size_t i);
JsonValue *json_object_value(const JsonValue *v, size_t i);
/* Member named key, or NULL (also when v is not an object). */
JsonValue *json_object_get(const JsonValue *v, const char *key);

/* Append v as compact JSON text (numbers keep their original spelling). */
void json_append(GString *out, const JsonValue *v);
/* Append s as a quoted, escaped JSON string. */
void json_append_string(GString *out, const char *s);

/*
 * Split a byte stream into top-level JSON values (QMP's framing). emit gets
 * each parsed value (which it owns) or an error (which it owns) for input
 * that is malformed, too deep or too large; the streamer then resynchronises
 * at the next top-level value.
 */
typedef void JsonEmitFn(void *opaque, JsonValue *v, GError *err);
typedef struct JsonStreamer JsonStreamer;

JsonStreamer *json_streamer_new(JsonEmitFn *emit, void *opaque);
void json_streamer_feed(JsonStreamer *s, const uint8_t *buf, size_t len);
/* Drop any partial message (a new client connected). */
void json_streamer_reset(JsonStreamer *s);
void json_streamer_free(JsonStreamer *s);

#endif
