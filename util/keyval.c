/* QEMU-style "key=val,..." option strings (see include/util/keyval.h). */
#include "tern/osdep.h"
#include "util/keyval.h"
#include <math.h>

typedef struct KVEntry {
    char *key;
    char *value;
    bool used;
} KVEntry;

struct KeyVal {
    char *what;
    GArray *entries;   /* of KVEntry */
};

static void kv_entry_clear(gpointer p)
{
    KVEntry *e = p;

    g_free(e->key);
    g_free(e->value);
}

static KeyVal *keyval_new(const char *what)
{
    KeyVal *kv = g_new0(KeyVal, 1);

    kv->what = g_strdup(what ? what : "option");
    kv->entries = g_array_new(FALSE, TRUE, sizeof(KVEntry));
    g_array_set_clear_func(kv->entries, kv_entry_clear);
    return kv;
}

void keyval_free(KeyVal *kv)
{
    if (kv) {
        g_array_free(kv->entries, TRUE);
        g_free(kv->what);
        g_free(kv);
    }
}

static KVEntry *find(const KeyVal *kv, const char *key)
{
    for (guint i = 0; i < kv->entries->len; i++) {
        KVEntry *e = &g_array_index(kv->entries, KVEntry, i);
        if (!strcmp(e->key, key)) {
            return e;
        }
    }
    return NULL;
}

/*
 * Read from *p up to a single ',' (or end, or '=' when stop_at_eq), turning
 * ",," into ','. Leaves *p at the terminator.
 */
static char *scan(const char **p, bool stop_at_eq)
{
    GString *s = g_string_new(NULL);
    const char *c = *p;

    while (*c) {
        if (*c == ',') {
            if (c[1] == ',') {
                g_string_append_c(s, ',');
                c += 2;
                continue;
            }
            break;
        }
        if (stop_at_eq && *c == '=') {
            break;
        }
        g_string_append_c(s, *c++);
    }
    *p = c;
    return g_string_free(s, FALSE);
}

static bool add(KeyVal *kv, char *key, char *value, GError **errp)
{
    KVEntry e = { key, value, false };

    if (!*key) {
        error_setg(errp, "%s: empty parameter name", kv->what);
        goto fail;
    }
    if (find(kv, key)) {
        error_setg(errp, "%s: parameter '%s' given twice", kv->what, key);
        goto fail;
    }
    g_array_append_val(kv->entries, e);
    return true;
fail:
    g_free(key);
    g_free(value);
    return false;
}

KeyVal *keyval_parse(const char *str, const char *implied_key,
                     const char *what, GError **errp)
{
    KeyVal *kv = keyval_new(what);
    const char *p = str;
    bool first = true;

    while (*p) {
        const char *start = p;
        char *key = scan(&p, true);

        if (*p == '=') {
            p++;
            if (!add(kv, key, scan(&p, false), errp)) {
                goto fail;
            }
        } else if (first && implied_key) {
            /* "-drive disk.img,..." : the whole element is the implied value */
            g_free(key);
            p = start;
            if (!add(kv, g_strdup(implied_key), scan(&p, false), errp)) {
                goto fail;
            }
        } else if (*key) {
            /* a bare flag means flag=on */
            if (!add(kv, key, g_strdup("on"), errp)) {
                goto fail;
            }
        } else {
            g_free(key);
            if (*p == ',' || !*p) {
                error_setg(errp, "%s: empty parameter in '%s'", kv->what, str);
                goto fail;
            }
        }
        first = false;
        if (*p == ',') {
            p++;
            if (!*p) {
                error_setg(errp, "%s: trailing comma in '%s'", kv->what, str);
                goto fail;
            }
        }
    }
    return kv;
fail:
    keyval_free(kv);
    return NULL;
}

const char *keyval_what(const KeyVal *kv)
{
    return kv->what;
}

size_t keyval_count(const KeyVal *kv)
{
    return kv->entries->len;
}

const char *keyval_key(const KeyVal *kv, size_t i)
{
    return g_array_index(kv->entries, KVEntry, i).key;
}

const char *keyval_value(const KeyVal *kv, size_t i)
{
    return g_array_index(kv->entries, KVEntry, i).value;
}

const char *keyval_get(KeyVal *kv, const char *key)
{
    KVEntry *e = find(kv, key);

    if (!e) {
        return NULL;
    }
    e->used = true;
    return e->value;
}

bool keyval_has(const KeyVal *kv, const char *key)
{
    return find(kv, key) != NULL;
}

static bool typed_get(KeyVal *kv, const char *key, GError **errp,
                      bool (*parse)(const char *, void *, GError **), void *out)
{
    const char *v = keyval_get(kv, key);
    GError *err = NULL;

    if (!v) {
        return true;
    }
    if (!parse(v, out, &err)) {
        g_propagate_prefixed_error(errp, err, "%s: parameter '%s': ", kv->what, key);
        return false;
    }
    return true;
}

static bool parse_bool_v(const char *s, void *out, GError **errp)
{
    return parse_bool(s, out, errp);
}

static bool parse_u64_v(const char *s, void *out, GError **errp)
{
    return parse_u64(s, out, errp);
}

static bool parse_size_v(const char *s, void *out, GError **errp)
{
    return parse_size(s, 0, out, errp);
}

bool keyval_get_bool(KeyVal *kv, const char *key, bool *out, GError **errp)
{
    return typed_get(kv, key, errp, parse_bool_v, out);
}

bool keyval_get_u64(KeyVal *kv, const char *key, uint64_t *out, GError **errp)
{
    return typed_get(kv, key, errp, parse_u64_v, out);
}

bool keyval_get_size(KeyVal *kv, const char *key, uint64_t *out, GError **errp)
{
    return typed_get(kv, key, errp, parse_size_v, out);
}

KeyVal *keyval_subset(KeyVal *kv, const char *prefix)
{
    KeyVal *sub;
    size_t plen = strlen(prefix);

    sub = keyval_new(kv->what);
    for (guint i = 0; i < kv->entries->len; i++) {
        KVEntry *e = &g_array_index(kv->entries, KVEntry, i);
        if (!strncmp(e->key, prefix, plen) && e->key[plen] == '.') {
            KVEntry n = { g_strdup(e->key + plen + 1), g_strdup(e->value), false };
            e->used = true;
            g_array_append_val(sub->entries, n);
        }
    }
    return sub;
}

bool keyval_check_unused(const KeyVal *kv, GError **errp)
{
    for (guint i = 0; i < kv->entries->len; i++) {
        const KVEntry *e = &g_array_index(kv->entries, KVEntry, i);
        if (!e->used) {
            error_setg(errp, "%s: unknown parameter '%s'", kv->what, e->key);
            return false;
        }
    }
    return true;
}

bool parse_bool(const char *str, bool *out, GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcmp(str, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcmp(str, no[i])) {
            *out = false;
            return true;
        }
    }
    error_setg(errp, "'%s' is not a boolean (use on or off)", str);
    return false;
}

bool parse_u64(const char *str, uint64_t *out, GError **errp)
{
    char *end;
    unsigned long long v;

    if (!*str || *str == '-' || g_ascii_isspace(*str)) {
        error_setg(errp, "'%s' is not a non-negative number", str);
        return false;
    }
    errno = 0;
    v = strtoull(str, &end, 0);
    if (errno == ERANGE) {
        error_setg(errp, "'%s' is too large", str);
        return false;
    }
    if (*end) {
        error_setg(errp, "'%s' is not a number", str);
        return false;
    }
    *out = v;
    return true;
}

static int suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B': return 0;
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    case 'P': return 50;
    case 'E': return 60;
    default: return -1;
    }
}

bool parse_size(const char *str, char default_suffix, uint64_t *out, GError **errp)
{
    char *end;
    int shift;
    uint64_t ival;

    if (!*str || *str == '-' || g_ascii_isspace(*str)) {
        error_setg(errp, "size '%s' is not a non-negative number", str);
        return false;
    }
    errno = 0;
    ival = strtoull(str, &end, 10);
    if (errno == ERANGE) {
        error_setg(errp, "size '%s' is too large", str);
        return false;
    }
    if (end == str) {
        error_setg(errp, "size '%s' is not a number", str);
        return false;
    }
    if (*end == '.') {
        /* fractional: recompute with double, checked against overflow below */
        double d = strtod(str, &end);
        shift = *end ? suffix_shift(*end) : (default_suffix ? suffix_shift(default_suffix) : 0);
        if (shift < 0 || (*end && end[1])) {
            error_setg(errp, "size '%s' has an invalid suffix (use B, K, M, G, T, P or E)", str);
            return false;
        }
        d = ldexp(d, shift);
        if (d >= 18446744073709551616.0) {
            error_setg(errp, "size '%s' is too large", str);
            return false;
        }
        *out = (uint64_t)d;
        return true;
    }
    if (*end) {
        shift = suffix_shift(*end);
        if (shift < 0 || end[1]) {
            error_setg(errp, "size '%s' has an invalid suffix (use B, K, M, G, T, P or E)", str);
            return false;
        }
    } else {
        shift = default_suffix ? suffix_shift(default_suffix) : 0;
    }
    if (shift && ival > (UINT64_MAX >> shift)) {
        error_setg(errp, "size '%s' is too large", str);
        return false;
    }
    *out = ival << shift;
    return true;
}
