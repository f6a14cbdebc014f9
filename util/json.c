/* Strict JSON parser, writer and stream splitter (see include/util/json.h). */
#include "tern/osdep.h"
#include "util/json.h"
#include <stdarg.h>

struct JsonValue {
    JsonType type;
    bool b;
    double num;
    char *text;             /* string value, or a number's spelling */
    GPtrArray *items;       /* array elements / object member values */
    GPtrArray *keys;        /* object member names, parallel to items */
    GHashTable *index;      /* object: name -> position + 1 */
};

/* ---- values ---- */

static JsonValue *json_new(JsonType type)
{
    JsonValue *v = g_new0(JsonValue, 1);

    v->type = type;
    if (type == JSON_ARRAY || type == JSON_OBJECT) {
        v->items = g_ptr_array_new_with_free_func((GDestroyNotify)json_free);
    }
    if (type == JSON_OBJECT) {
        v->keys = g_ptr_array_new_with_free_func(g_free);
        v->index = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return v;
}

void json_free(JsonValue *v)
{
    if (!v) {
        return;
    }
    if (v->index) {
        g_hash_table_destroy(v->index);
    }
    if (v->keys) {
        g_ptr_array_free(v->keys, TRUE);
    }
    if (v->items) {
        g_ptr_array_free(v->items, TRUE);
    }
    g_free(v->text);
    g_free(v);
}

JsonType json_type(const JsonValue *v)
{
    return v->type;
}

bool json_bool(const JsonValue *v)
{
    return v && v->type == JSON_BOOL && v->b;
}

double json_number(const JsonValue *v)
{
    return v && v->type == JSON_NUMBER ? v->num : 0;
}

bool json_int(const JsonValue *v, int64_t *out)
{
    /* range first: converting an out-of-range double to int64_t is undefined */
    if (!v || v->type != JSON_NUMBER ||
        !(v->num >= -9223372036854775808.0 && v->num < 9223372036854775808.0) ||
        v->num != (double)(int64_t)v->num) {
        return false;
    }
    *out = (int64_t)v->num;
    return true;
}

const char *json_string(const JsonValue *v)
{
    return v && v->type == JSON_STRING ? v->text : NULL;
}

size_t json_len(const JsonValue *v)
{
    return v && v->items ? v->items->len : 0;
}

JsonValue *json_array_get(const JsonValue *v, size_t i)
{
    return v && v->items && i < v->items->len ? g_ptr_array_index(v->items, i) : NULL;
}

const char *json_object_key(const JsonValue *v, size_t i)
{
    return v && v->keys && i < v->keys->len ? g_ptr_array_index(v->keys, i) : NULL;
}

JsonValue *json_object_value(const JsonValue *v, size_t i)
{
    return v && v->keys ? json_array_get(v, i) : NULL;
}

JsonValue *json_object_get(const JsonValue *v, const char *key)
{
    guint pos;

    if (!v || v->type != JSON_OBJECT) {
        return NULL;
    }
    pos = GPOINTER_TO_UINT(g_hash_table_lookup(v->index, key));
    return pos ? g_ptr_array_index(v->items, pos - 1) : NULL;
}

/* ---- parser ---- */

typedef struct Parser {
    const char *start, *p, *end;
    GError **errp;
} Parser;

static bool G_GNUC_PRINTF(2, 3) parse_error(Parser *ps, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setg(ps->errp, "JSON parse error at offset %zu: %s",
               (size_t)(ps->p - ps->start), msg);
    g_free(msg);
    return false;
}

static void skip_ws(Parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static int hex4(const char *p)
{
    int v = 0;

    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(p[i]);
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* After a backslash-u at ps->p - 2: read the code point (pairing surrogates). */
static bool parse_unicode_escape(Parser *ps, gunichar *out)
{
    int hi, lo;

    if (ps->end - ps->p < 4 || (hi = hex4(ps->p)) < 0) {
        return parse_error(ps, "bad \\u escape");
    }
    ps->p += 4;
    if (hi >= 0xdc00 && hi <= 0xdfff) {
        return parse_error(ps, "lone low surrogate in \\u escape");
    }
    if (hi >= 0xd800 && hi <= 0xdbff) {
        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
            (lo = hex4(ps->p + 2)) < 0xdc00 || lo > 0xdfff) {
            return parse_error(ps, "high surrogate not followed by a low surrogate");
        }
        ps->p += 6;
        *out = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
        return true;
    }
    if (hi == 0) {
        return parse_error(ps, "\\u0000 is not allowed in strings");
    }
    *out = hi;
    return true;
}

/* ps->p is at the opening quote; returns the decoded string or NULL. */
static char *parse_string(Parser *ps)
{
    GString *s = g_string_new(NULL);

    ps->p++;
    for (;;) {
        unsigned char c;

        if (ps->p >= ps->end) {
            parse_error(ps, "unterminated string");
            goto fail;
        }
        c = *ps->p++;
        if (c == '"') {
            break;
        }
        if (c < 0x20) {
            ps->p--;
            parse_error(ps, "control character in string");
            goto fail;
        }
        if (c != '\\') {
            g_string_append_c(s, c);
            continue;
        }
        if (ps->p >= ps->end) {
            parse_error(ps, "unterminated string");
            goto fail;
        }
        c = *ps->p++;
        switch (c) {
        case '"': case '\\': case '/':
            g_string_append_c(s, c);
            break;
        case 'b': g_string_append_c(s, '\b'); break;
        case 'f': g_string_append_c(s, '\f'); break;
        case 'n': g_string_append_c(s, '\n'); break;
        case 'r': g_string_append_c(s, '\r'); break;
        case 't': g_string_append_c(s, '\t'); break;
        case 'u': {
            gunichar u = 0;
            if (!parse_unicode_escape(ps, &u)) {
                goto fail;
            }
            g_string_append_unichar(s, u);
            break;
        }
        default:
            ps->p--;
            parse_error(ps, "invalid escape '\\%c'", g_ascii_isprint(c) ? c : '?');
            goto fail;
        }
    }
    if (!g_utf8_validate(s->str, s->len, NULL)) {
        parse_error(ps, "string is not valid UTF-8");
        goto fail;
    }
    return g_string_free(s, FALSE);

fail:
    g_string_free(s, TRUE);
    return NULL;
}

static bool scan_digits(Parser *ps)
{
    const char *begin = ps->p;

    while (ps->p < ps->end && g_ascii_isdigit(*ps->p)) {
        ps->p++;
    }
    return ps->p > begin;
}

static JsonValue *parse_number(Parser *ps)
{
    const char *begin = ps->p;
    JsonValue *v;

    if (*ps->p == '-') {
        ps->p++;
    }
    if (ps->p < ps->end && *ps->p == '0') {
        ps->p++;
    } else if (!scan_digits(ps)) {
        parse_error(ps, "bad number");
        return NULL;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!scan_digits(ps)) {
            parse_error(ps, "bad number: digits expected after '.'");
            return NULL;
        }
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
            ps->p++;
        }
        if (!scan_digits(ps)) {
            parse_error(ps, "bad number: digits expected in exponent");
            return NULL;
        }
    }
    v = json_new(JSON_NUMBER);
    v->text = g_strndup(begin, ps->p - begin);
    v->num = g_ascii_strtod(v->text, NULL);
    return v;
}

/* Skip whitespace; false (with the error set) if the input ends there. */
static bool skip_ws_more(Parser *ps)
{
    skip_ws(ps);
    return ps->p < ps->end || parse_error(ps, "unexpected end of input");
}

static JsonValue *parse_value(Parser *ps, unsigned depth);

static JsonValue *parse_array(Parser *ps, unsigned depth)
{
    JsonValue *v = json_new(JSON_ARRAY);

    ps->p++;
    if (!skip_ws_more(ps)) {
        goto fail;
    }
    if (*ps->p == ']') {
        ps->p++;
        return v;
    }
    for (;;) {
        JsonValue *item = parse_value(ps, depth + 1);
        if (!item) {
            goto fail;
        }
        g_ptr_array_add(v->items, item);
        if (!skip_ws_more(ps)) {
            goto fail;
        }
        if (*ps->p == ',') {
            ps->p++;
        } else if (*ps->p == ']') {
            ps->p++;
            return v;
        } else {
            parse_error(ps, "expected ',' or ']' in array");
            goto fail;
        }
    }
fail:
    json_free(v);
    return NULL;
}

/* One "name": value member into object v. */
static bool parse_member(Parser *ps, JsonValue *v, unsigned depth)
{
    g_autofree char *key = NULL;
    JsonValue *item;

    if (!skip_ws_more(ps)) {
        return false;
    }
    if (*ps->p != '"') {
        return parse_error(ps, "expected a string as object member name");
    }
    key = parse_string(ps);
    if (!key) {
        return false;
    }
    if (g_hash_table_contains(v->index, key)) {
        return parse_error(ps, "duplicate member name '%s'", key);
    }
    if (!skip_ws_more(ps)) {
        return false;
    }
    if (*ps->p != ':') {
        return parse_error(ps, "expected ':' after member name");
    }
    ps->p++;
    item = parse_value(ps, depth + 1);
    if (!item) {
        return false;
    }
    g_ptr_array_add(v->keys, key);
    g_ptr_array_add(v->items, item);
    g_hash_table_insert(v->index, g_steal_pointer(&key), GUINT_TO_POINTER(v->items->len));
    return true;
}

static JsonValue *parse_object(Parser *ps, unsigned depth)
{
    JsonValue *v = json_new(JSON_OBJECT);

    ps->p++;
    if (!skip_ws_more(ps)) {
        goto fail;
    }
    if (*ps->p == '}') {
        ps->p++;
        return v;
    }
    for (;;) {
        if (!parse_member(ps, v, depth) || !skip_ws_more(ps)) {
            goto fail;
        }
        if (*ps->p == ',') {
            ps->p++;
        } else if (*ps->p == '}') {
            ps->p++;
            return v;
        } else {
            parse_error(ps, "expected ',' or '}' in object");
            goto fail;
        }
    }
fail:
    json_free(v);
    return NULL;
}

static bool match_literal(Parser *ps, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, word, n)) {
        ps->p += n;
        return true;
    }
    return false;
}

static JsonValue *parse_value(Parser *ps, unsigned depth)
{
    JsonValue *v;

    skip_ws(ps);
    if (ps->p >= ps->end) {
        parse_error(ps, "unexpected end of input");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
    case '[':
        if (depth >= JSON_MAX_DEPTH) {
            parse_error(ps, "nesting deeper than %d levels", JSON_MAX_DEPTH);
            return NULL;
        }
        return *ps->p == '{' ? parse_object(ps, depth) : parse_array(ps, depth);
    case '"': {
        char *s = parse_string(ps);
        if (!s) {
            return NULL;
        }
        v = json_new(JSON_STRING);
        v->text = s;
        return v;
    }
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(ps);
    }
    if (match_literal(ps, "true")) {
        v = json_new(JSON_BOOL);
        v->b = true;
        return v;
    }
    if (match_literal(ps, "false")) {
        return json_new(JSON_BOOL);
    }
    if (match_literal(ps, "null")) {
        return json_new(JSON_NULL);
    }
    parse_error(ps, "unexpected character '%c'",
                g_ascii_isprint(*ps->p) ? *ps->p : '?');
    return NULL;
}

JsonValue *json_parse(const char *text, size_t len, GError **errp)
{
    Parser ps = { .start = text, .p = text, .end = text + len, .errp = errp };
    JsonValue *v = parse_value(&ps, 0);

    if (!v) {
        return NULL;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        parse_error(&ps, "trailing characters after the value");
        json_free(v);
        return NULL;
    }
    return v;
}

/* ---- writer ---- */

void json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (; *s; s++) {
        unsigned char c = *s;
        switch (c) {
        case '"':  g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                g_string_append_printf(out, "\\u%04x", c);
            } else {
                g_string_append_c(out, c);
            }
        }
    }
    g_string_append_c(out, '"');
}

void json_append(GString *out, const JsonValue *v)
{
    switch (v->type) {
    case JSON_NULL:
        g_string_append(out, "null");
        break;
    case JSON_BOOL:
        g_string_append(out, v->b ? "true" : "false");
        break;
    case JSON_NUMBER:
        g_string_append(out, v->text);
        break;
    case JSON_STRING:
        json_append_string(out, v->text);
        break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        g_string_append_c(out, v->type == JSON_ARRAY ? '[' : '{');
        for (guint i = 0; i < v->items->len; i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            if (v->type == JSON_OBJECT) {
                json_append_string(out, g_ptr_array_index(v->keys, i));
                g_string_append(out, ": ");
            }
            json_append(out, g_ptr_array_index(v->items, i));
        }
        g_string_append_c(out, v->type == JSON_ARRAY ? ']' : '}');
        break;
    }
}

/* ---- stream splitter ---- */

struct JsonStreamer {
    JsonEmitFn *emit;
    void *opaque;
    GString *buf;
    bool in_value;          /* between the first byte of a value and its end */
    bool in_string, escape;
    bool bare;              /* a top-level scalar (number, literal) */
    size_t depth;
    GError *discard;        /* set: value too large/deep, skip to its end */
};

JsonStreamer *json_streamer_new(JsonEmitFn *emit, void *opaque)
{
    JsonStreamer *s = g_new0(JsonStreamer, 1);

    s->emit = emit;
    s->opaque = opaque;
    s->buf = g_string_new(NULL);
    return s;
}

void json_streamer_reset(JsonStreamer *s)
{
    g_string_truncate(s->buf, 0);
    s->in_value = s->in_string = s->escape = s->bare = false;
    s->depth = 0;
    g_clear_error(&s->discard);
}

void json_streamer_free(JsonStreamer *s)
{
    if (s) {
        json_streamer_reset(s);
        g_string_free(s->buf, TRUE);
        g_free(s);
    }
}

static void streamer_finish(JsonStreamer *s)
{
    GError *err = s->discard;
    JsonValue *v = NULL;

    s->discard = NULL;
    if (!err) {
        v = json_parse(s->buf->str, s->buf->len, &err);
    }
    json_streamer_reset(s);
    s->emit(s->opaque, v, err);
}

static void streamer_discard(JsonStreamer *s, const char *why)
{
    if (!s->discard) {
        s->discard = g_error_new(TERN_ERROR, 0, "JSON parse error: %s", why);
        g_string_truncate(s->buf, 0);
    }
}

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void streamer_byte(JsonStreamer *s, uint8_t c)
{
    if (!s->in_value) {
        if (is_ws(c)) {
            return;
        }
        if (c == '}' || c == ']' || c == ',' || c == ':') {
            s->emit(s->opaque, NULL,
                    g_error_new(TERN_ERROR, 0, "JSON parse error: unexpected '%c'", c));
            return;
        }
        s->in_value = true;
        s->bare = c != '{' && c != '[' && c != '"';
    } else if (s->bare && (is_ws(c) || strchr("{}[],:\"", c))) {
        /* the scalar ended just before c */
        streamer_finish(s);
        streamer_byte(s, c);
        return;
    }

    if (!s->discard) {
        if (s->buf->len >= JSON_MAX_SIZE) {
            streamer_discard(s, "message larger than 1 MiB");
        } else {
            g_string_append_c(s->buf, c);
        }
    }
    if (s->bare) {
        return;
    }
    if (s->in_string) {
        if (s->escape) {
            s->escape = false;
        } else if (c == '\\') {
            s->escape = true;
        } else if (c == '"') {
            s->in_string = false;
            if (s->depth == 0) {
                streamer_finish(s);
            }
        }
        return;
    }
    switch (c) {
    case '"':
        s->in_string = true;
        break;
    case '{':
    case '[':
        if (++s->depth > JSON_MAX_DEPTH) {
            streamer_discard(s, "nesting too deep");
        }
        break;
    case '}':
    case ']':
        if (--s->depth == 0) {
            streamer_finish(s);
        }
        break;
    }
}

void json_streamer_feed(JsonStreamer *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        streamer_byte(s, buf[i]);
    }
}
