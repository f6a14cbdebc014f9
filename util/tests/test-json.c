/* JSON parser, writer and stream splitter: accepted and rejected input, limits. */
#include "tern/osdep.h"
#include "util/json.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static JsonValue *parse_ok(const char *s)
{
    GError *err = NULL;
    JsonValue *v = json_parse(s, strlen(s), &err);

    if (!v) {
        fail_msg("'%s' rejected: %s", s, err->message);
    }
    return v;
}

static void parse_bad(const char *s, size_t len, const char *why)
{
    GError *err = NULL;
    JsonValue *v = json_parse(s, len, &err);

    if (v) {
        json_free(v);
        fail_msg("'%.*s' accepted", (int)len, s);
    }
    assert_non_null(err);
    if (why && !strstr(err->message, why)) {
        fail_msg("'%.*s': message '%s' lacks '%s'", (int)len, s, err->message, why);
    }
    g_error_free(err);
}

static char *serialize(const JsonValue *v)
{
    GString *s = g_string_new(NULL);

    json_append(s, v);
    return g_string_free(s, FALSE);
}

static void test_scalars(void **state)
{
    g_autoptr(JsonValue) t = parse_ok(" true ");
    g_autoptr(JsonValue) f = parse_ok("false");
    g_autoptr(JsonValue) n = parse_ok("null");
    g_autoptr(JsonValue) num = parse_ok("-12.5e1");
    g_autoptr(JsonValue) big = parse_ok("9007199254740993");
    g_autoptr(JsonValue) frac = parse_ok("0.5");
    int64_t i;

    assert_int_equal(json_type(t), JSON_BOOL);
    assert_true(json_bool(t));
    assert_int_equal(json_type(f), JSON_BOOL);
    assert_false(json_bool(f));
    assert_int_equal(json_type(n), JSON_NULL);
    assert_int_equal(json_type(num), JSON_NUMBER);
    assert_true(json_number(num) == -125.0);
    assert_true(json_int(num, &i));
    assert_int_equal(i, -125);
    assert_false(json_int(frac, &i));
    g_autoptr(JsonValue) huge = parse_ok("1e999");
    g_autoptr(JsonValue) over = parse_ok("9223372036854775808");
    assert_false(json_int(huge, &i));
    assert_false(json_int(over, &i));
    /* numbers are written back exactly as spelled, even beyond double precision */
    g_autofree char *s = serialize(big);
    assert_string_equal(s, "9007199254740993");
}

static void test_strings(void **state)
{
    g_autoptr(JsonValue) v = parse_ok("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00\"");
    g_autoptr(JsonValue) utf8 = parse_ok("\"h\xc3\xa9llo\"");
    g_autofree char *out = NULL;

    assert_string_equal(json_string(v), "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(json_string(utf8), "h\xc3\xa9llo");
    out = serialize(v);
    assert_string_equal(out, "\"a\\\"b\\\\c/d\\n\\t\xc3\xa9\xf0\x9f\x98\x80\"");
}

static void test_containers(void **state)
{
    g_autoptr(JsonValue) v = parse_ok(
        "{\"execute\": \"query-status\", \"arguments\": {\"a\": [1, 2, {\"b\": null}]},"
        " \"id\": 7}");
    JsonValue *args, *arr;
    g_autofree char *out = NULL;

    assert_int_equal(json_type(v), JSON_OBJECT);
    assert_int_equal(json_len(v), 3);
    assert_string_equal(json_object_key(v, 0), "execute");
    assert_string_equal(json_string(json_object_get(v, "execute")), "query-status");
    assert_null(json_object_get(v, "missing"));
    args = json_object_get(v, "arguments");
    arr = json_object_get(args, "a");
    assert_int_equal(json_type(arr), JSON_ARRAY);
    assert_int_equal(json_len(arr), 3);
    assert_true(json_number(json_array_get(arr, 1)) == 2);
    assert_int_equal(json_type(json_object_get(json_array_get(arr, 2), "b")), JSON_NULL);
    assert_null(json_array_get(arr, 3));
    out = serialize(v);
    assert_string_equal(out, "{\"execute\": \"query-status\", \"arguments\": "
                        "{\"a\": [1, 2, {\"b\": null}]}, \"id\": 7}");

    g_autoptr(JsonValue) empty = parse_ok("[ { } , [ ] ]");
    assert_int_equal(json_len(empty), 2);
}

static void test_reject(void **state)
{
    static const struct { const char *text, *why; } cases[] = {
        { "", "end of input" },
        { "{", "end of input" },
        { "{\"a\": 1", "end of input" },
        { "[1, 2", "end of input" },
        { "[1 2]", "expected ','" },
        { "{\"a\": 1 \"b\": 2}", "expected ','" },
        { "[1,]", "unexpected character" },
        { "{\"a\" 1}", "expected ':'" },
        { "{a: 1}", "member name" },
        { "{\"a\": 1, \"a\": 2}", "duplicate" },
        { "\"abc", "unterminated" },
        { "\"a\\qb\"", "invalid escape" },
        { "\"\\u12\"", "\\u escape" },
        { "\"\\ud800\"", "surrogate" },
        { "\"\\udc00\"", "surrogate" },
        { "\"\\u0000\"", "not allowed" },
        { "\"tab\there\"", "control character" },
        { "\"\xff\xfe\"", "UTF-8" },
        { "01", "trailing" },
        { "1.", "digits expected" },
        { "1e+", "digits expected" },
        { "-", "bad number" },
        { "tru", "unexpected character" },
        { "nul", "unexpected character" },
        { "1 2", "trailing" },
        { "{} x", "trailing" },
        { "NaN", "unexpected character" },
        { "'single'", "unexpected character" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        parse_bad(cases[i].text, strlen(cases[i].text), cases[i].why);
    }
    /* an embedded NUL byte is not whitespace */
    parse_bad("1\0", 2, "trailing");
}

static void test_depth(void **state)
{
    GString *ok = g_string_new(NULL), *deep = g_string_new(NULL);

    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        g_string_append_c(ok, '[');
    }
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        g_string_append_c(ok, ']');
    }
    JsonValue *v = parse_ok(ok->str);
    json_free(v);

    /* far deeper than any stack could take if the parser recursed blindly */
    for (int i = 0; i < 100000; i++) {
        g_string_append(deep, "{\"a\":[");
    }
    parse_bad(deep->str, deep->len, "nesting deeper");
    g_string_free(ok, TRUE);
    g_string_free(deep, TRUE);
}

/* ---- streamer ---- */

typedef struct Collected {
    GPtrArray *texts;   /* serialized values, or "ERR:" + message */
} Collected;

static void collect(void *opaque, JsonValue *v, GError *err)
{
    Collected *c = opaque;

    if (err) {
        g_ptr_array_add(c->texts, g_strconcat("ERR:", err->message, NULL));
        g_error_free(err);
        return;
    }
    g_ptr_array_add(c->texts, serialize(v));
    json_free(v);
}

static void feed(JsonStreamer *js, const char *s)
{
    json_streamer_feed(js, (const uint8_t *)s, strlen(s));
}

static void test_streamer(void **state)
{
    Collected c = { g_ptr_array_new_with_free_func(g_free) };
    JsonStreamer *js = json_streamer_new(collect, &c);

    /* split at arbitrary points, several per chunk, braces inside strings */
    feed(js, "{\"execute\": \"a}\\\"{\"");
    assert_int_equal(c.texts->len, 0);
    feed(js, "}  [1,\n2]{\"x\"");
    assert_int_equal(c.texts->len, 2);
    feed(js, ":true}\r\n");
    assert_int_equal(c.texts->len, 3);
    assert_string_equal(g_ptr_array_index(c.texts, 0), "{\"execute\": \"a}\\\"{\"}");
    assert_string_equal(g_ptr_array_index(c.texts, 1), "[1, 2]");
    assert_string_equal(g_ptr_array_index(c.texts, 2), "{\"x\": true}");

    /* a bad value is reported once and the next one still parses */
    feed(js, "{\"a\" 1} } 42 {\"ok\": 1}");
    assert_int_equal(c.texts->len, 7);
    assert_true(g_str_has_prefix(g_ptr_array_index(c.texts, 3), "ERR:"));
    assert_string_equal(g_ptr_array_index(c.texts, 4), "ERR:JSON parse error: unexpected '}'");
    assert_string_equal(g_ptr_array_index(c.texts, 5), "42");
    assert_string_equal(g_ptr_array_index(c.texts, 6), "{\"ok\": 1}");

    /* too deep: one error, then resynchronised */
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 1000; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 1000; i++) {
        g_string_append_c(deep, ']');
    }
    g_string_append(deep, "{\"after\": 2}");
    feed(js, deep->str);
    assert_int_equal(c.texts->len, 9);
    assert_string_equal(g_ptr_array_index(c.texts, 7), "ERR:JSON parse error: nesting too deep");
    assert_string_equal(g_ptr_array_index(c.texts, 8), "{\"after\": 2}");

    /* too large: the buffer never grows past the limit */
    GString *big = g_string_new("[\"");
    for (size_t i = 0; i < JSON_MAX_SIZE; i++) {
        g_string_append_c(big, 'x');
    }
    g_string_append(big, "\"] [3]");
    feed(js, big->str);
    assert_int_equal(c.texts->len, 11);
    assert_true(strstr(g_ptr_array_index(c.texts, 9), "larger than"));
    assert_string_equal(g_ptr_array_index(c.texts, 10), "[3]");

    /* reset drops a half-received message */
    feed(js, "{\"half\": ");
    json_streamer_reset(js);
    feed(js, "{\"whole\": 1}");
    assert_int_equal(c.texts->len, 12);
    assert_string_equal(g_ptr_array_index(c.texts, 11), "{\"whole\": 1}");

    g_string_free(deep, TRUE);
    g_string_free(big, TRUE);
    json_streamer_free(js);
    g_ptr_array_free(c.texts, TRUE);
}

/*
 * Mutated QMP traffic (a hostile client): the parser must answer every input
 * with exactly one of a value or an error, and a value it accepts must
 * survive a write/parse round trip unchanged.
 */
static void test_mutations(void **state)
{
    static const char *const seeds[] = {
        "{\"execute\": \"query-status\", \"id\": [1, -2.5e3, true, null]}",
        "{\"a\": {\"b\": [\"\\u00e9\\n\", {}, []]}, \"c\": \"\\ud83d\\ude00\"}",
        "[[[[[[[[[[0]]]]]]]]]]",
    };
    static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnrl \x01\xc3\xa9\xff";
    GRand *rnd = g_rand_new_with_seed(20261122);
    Collected c = { g_ptr_array_new_with_free_func(g_free) };
    JsonStreamer *js = json_streamer_new(collect, &c);

    for (int iter = 0; iter < 20000; iter++) {
        GString *s = g_string_new(seeds[iter % G_N_ELEMENTS(seeds)]);
        int edits = g_rand_int_range(rnd, 1, 6);
        GError *err = NULL;
        JsonValue *v;

        for (int e = 0; e < edits; e++) {
            guint pos = g_rand_int_range(rnd, 0, s->len + 1);
            char ch = alphabet[g_rand_int_range(rnd, 0, sizeof(alphabet) - 1)];
            switch (g_rand_int_range(rnd, 0, 3)) {
            case 0:
                g_string_insert_c(s, pos, ch);
                break;
            case 1:
                if (pos < s->len) {
                    g_string_erase(s, pos, 1);
                }
                break;
            default:
                g_string_truncate(s, pos);
            }
        }
        v = json_parse(s->str, s->len, &err);
        assert_true((v == NULL) != (err == NULL));
        if (v) {
            g_autofree char *text = serialize(v);
            g_autoptr(JsonValue) again = parse_ok(text);
            g_autofree char *text2 = serialize(again);
            assert_string_equal(text, text2);
            json_free(v);
        } else {
            g_error_free(err);
        }
        json_streamer_feed(js, (const uint8_t *)s->str, s->len);
        g_string_free(s, TRUE);
    }
    /* whatever came before, a clean message after a reset still gets through */
    json_streamer_reset(js);
    g_ptr_array_set_size(c.texts, 0);
    feed(js, "{\"execute\": \"quit\"}");
    assert_int_equal(c.texts->len, 1);
    assert_string_equal(g_ptr_array_index(c.texts, 0), "{\"execute\": \"quit\"}");
    json_streamer_free(js);
    g_ptr_array_free(c.texts, TRUE);
    g_rand_free(rnd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_reject),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_streamer),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
