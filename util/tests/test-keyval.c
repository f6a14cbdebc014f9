/* Option-string parsing: QEMU's key=val rules, escapes, typed values, errors. */
#include "tern/osdep.h"
#include "util/keyval.h"
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static KeyVal *parse_ok(const char *s, const char *implied)
{
    GError *err = NULL;
    KeyVal *kv = keyval_parse(s, implied, "-test", &err);

    if (!kv) {
        fail_msg("'%s' failed: %s", s, err->message);
    }
    return kv;
}

static char *parse_err(const char *s, const char *implied)
{
    GError *err = NULL;
    KeyVal *kv = keyval_parse(s, implied, "-test", &err);
    char *msg;

    assert_null(kv);
    assert_non_null(err);
    msg = g_strdup(err->message);
    g_error_free(err);
    return msg;
}

static void test_basic(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("a=1,b=two,c=", NULL);

    assert_int_equal(keyval_count(kv), 3);
    assert_string_equal(keyval_key(kv, 0), "a");
    assert_string_equal(keyval_get(kv, "a"), "1");
    assert_string_equal(keyval_get(kv, "b"), "two");
    assert_string_equal(keyval_get(kv, "c"), "");
    assert_null(keyval_get(kv, "d"));
}

static void test_escaped_comma(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("file=a,,b,,,,c,format=raw", NULL);

    assert_string_equal(keyval_get(kv, "file"), "a,b,,c");
    assert_string_equal(keyval_get(kv, "format"), "raw");
}

static void test_implied_key(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("disk,,1.img,if=virtio", "file");
    g_autoptr(KeyVal) kv2 = parse_ok("virt,dumpdtb=x.dtb", "type");
    g_autoptr(KeyVal) kv3 = parse_ok("type=virt", "type");

    assert_string_equal(keyval_get(kv, "file"), "disk,1.img");
    assert_string_equal(keyval_get(kv, "if"), "virtio");
    assert_string_equal(keyval_get(kv2, "type"), "virt");
    assert_string_equal(keyval_get(kv2, "dumpdtb"), "x.dtb");
    assert_string_equal(keyval_get(kv3, "type"), "virt");
}

static void test_bare_flag(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("socket,server,id=s0", "backend");
    bool b = false;

    assert_string_equal(keyval_get(kv, "backend"), "socket");
    assert_true(keyval_get_bool(kv, "server", &b, NULL));
    assert_true(b);
}

static void test_value_with_equals(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("append=console=ttyS0 root=/dev/vda", NULL);

    assert_string_equal(keyval_get(kv, "append"), "console=ttyS0 root=/dev/vda");
}

static void test_errors(void **state)
{
    g_autofree char *dup = parse_err("a=1,a=2", NULL);
    g_autofree char *empty = parse_err(",a=1", NULL);
    g_autofree char *trail = parse_err("a=1,", NULL);
    g_autofree char *emptykey = parse_err("=x", NULL);

    assert_non_null(strstr(dup, "'a' given twice"));
    assert_non_null(strstr(dup, "-test"));
    assert_non_null(strstr(empty, "empty parameter"));
    assert_non_null(strstr(trail, "trailing comma"));
    assert_non_null(strstr(emptykey, "empty parameter name"));
}

static void test_escape_in_value_not_error(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("a=1,,=2", NULL);

    assert_int_equal(keyval_count(kv), 1);
    assert_string_equal(keyval_get(kv, "a"), "1,=2");
}

static void test_unused(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("a=1,bogus=2", NULL);
    GError *err = NULL;

    keyval_get(kv, "a");
    assert_false(keyval_check_unused(kv, &err));
    assert_non_null(strstr(err->message, "unknown parameter 'bogus'"));
    g_error_free(err);
    keyval_get(kv, "bogus");
    assert_true(keyval_check_unused(kv, NULL));
}

static void test_subset(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("driver=qcow2,file.driver=file,file.filename=x.img,node-name=n", NULL);
    g_autoptr(KeyVal) sub = keyval_subset(kv, "file");

    assert_int_equal(keyval_count(sub), 2);
    assert_string_equal(keyval_get(sub, "driver"), "file");
    assert_string_equal(keyval_get(sub, "filename"), "x.img");
    keyval_get(kv, "driver");
    keyval_get(kv, "node-name");
    assert_true(keyval_check_unused(kv, NULL));
}

static void test_typed(void **state)
{
    g_autoptr(KeyVal) kv = parse_ok("n=0x10,s=2M,b=off,bad=xyz,neg=-1", NULL);
    uint64_t n = 7, s = 0;
    bool b = true;
    GError *err = NULL;

    assert_true(keyval_get_u64(kv, "n", &n, NULL));
    assert_int_equal(n, 16);
    assert_true(keyval_get_size(kv, "s", &s, NULL));
    assert_int_equal(s, 2 << 20);
    assert_true(keyval_get_bool(kv, "b", &b, NULL));
    assert_false(b);
    n = 5;
    assert_true(keyval_get_u64(kv, "absent", &n, NULL));
    assert_int_equal(n, 5);
    assert_false(keyval_get_u64(kv, "bad", &n, &err));
    assert_non_null(strstr(err->message, "parameter 'bad'"));
    g_clear_error(&err);
    assert_false(keyval_get_u64(kv, "neg", &n, &err));
    g_clear_error(&err);
    assert_false(keyval_get_bool(kv, "bad", &b, &err));
    assert_non_null(strstr(err->message, "not a boolean"));
    g_clear_error(&err);
}

static void test_parse_size(void **state)
{
    static const struct { const char *s; char def; uint64_t v; } ok[] = {
        { "0", 0, 0 }, { "512", 0, 512 }, { "1k", 0, 1024 }, { "1K", 0, 1024 },
        { "2M", 0, 2 << 20 }, { "1G", 0, 1ull << 30 }, { "3T", 0, 3ull << 40 },
        { "1.5G", 0, 3ull << 29 }, { "128", 'M', 128ull << 20 }, { "1G", 'M', 1ull << 30 },
        { "16E", 0, 0 }, /* overflows: checked below as an error instead */
        { "100B", 'M', 100 }, { "15E", 0, 15ull << 60 },
    };
    static const char *const bad[] = { "1Q", "", "-1", "M", "1MB", "abc", "16E", "99999999999999999999", " 1" };
    GError *err = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        uint64_t v = 1234;
        if (!strcmp(ok[i].s, "16E")) {
            continue;
        }
        assert_true(parse_size(ok[i].s, ok[i].def, &v, NULL));
        assert_int_equal(v, ok[i].v);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        uint64_t v = 1234;
        assert_false(parse_size(bad[i], 0, &v, &err));
        assert_non_null(err);
        assert_int_equal(v, 1234);
        g_clear_error(&err);
    }
    assert_false(parse_size("1Q", 'M', &(uint64_t){0}, &err));
    assert_non_null(strstr(err->message, "'1Q'"));
    assert_non_null(strstr(err->message, "suffix"));
    g_clear_error(&err);
}

static void test_parse_u64_bool(void **state)
{
    uint64_t v;
    bool b;

    assert_true(parse_u64("18446744073709551615", &v, NULL));
    assert_true(v == UINT64_MAX);
    assert_false(parse_u64("18446744073709551616", &v, NULL));
    assert_false(parse_u64("12x", &v, NULL));
    assert_false(parse_u64("", &v, NULL));
    for (const char *const *s = (const char *const[]){ "on", "yes", "true", NULL }; *s; s++) {
        assert_true(parse_bool(*s, &b, NULL));
        assert_true(b);
    }
    for (const char *const *s = (const char *const[]){ "off", "no", "false", NULL }; *s; s++) {
        assert_true(parse_bool(*s, &b, NULL));
        assert_false(b);
    }
    assert_false(parse_bool("maybe", &b, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_escaped_comma),
        cmocka_unit_test(test_implied_key),
        cmocka_unit_test(test_bare_flag),
        cmocka_unit_test(test_value_with_equals),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_escape_in_value_not_error),
        cmocka_unit_test(test_unused),
        cmocka_unit_test(test_subset),
        cmocka_unit_test(test_typed),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_u64_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
