/*
 * QEMU-style option strings: "key=val,key2=val2". A value runs to the next
 * single comma; ",," inside a value stands for one comma. The first element
 * may omit "key=" when the caller names an implied key (-drive's "file",
 * -device's "driver", -M's "type"). Keys are unique; a later duplicate is an
 * error. A bare "flag" (no '=') after the first element means "flag=on".
 */
#ifndef UTIL_KEYVAL_H
#define UTIL_KEYVAL_H

#include "tern/osdep.h"

typedef struct KeyVal KeyVal;

/*
 * Parse str. implied_key may be NULL. `what` names the option for error
 * messages ("-drive"). Returns NULL and sets *errp on a syntax error.
 */
KeyVal *keyval_parse(const char *str, const char *implied_key,
                     const char *what, GError **errp);
void keyval_free(KeyVal *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KeyVal, keyval_free)

const char *keyval_what(const KeyVal *kv);
/* Number of entries, and i-th key/value in command-line order. */
size_t keyval_count(const KeyVal *kv);
const char *keyval_key(const KeyVal *kv, size_t i);
const char *keyval_value(const KeyVal *kv, size_t i);

/* Look up a key; marks it used. NULL if absent. */
const char *keyval_get(KeyVal *kv, const char *key);
bool keyval_has(const KeyVal *kv, const char *key);
/* Typed getters: return false and set *errp ("-m: size '1Q' ...") on a bad value;
 * leave *out unchanged when the key is absent (and return true). */
bool keyval_get_bool(KeyVal *kv, const char *key, bool *out, GError **errp);
bool keyval_get_u64(KeyVal *kv, const char *key, uint64_t *out, GError **errp);
bool keyval_get_size(KeyVal *kv, const char *key, uint64_t *out, GError **errp);
/* Entries whose key begins with "prefix." as a new KeyVal with the prefix
 * stripped (for -blockdev file.filename=...); marks them used. */
KeyVal *keyval_subset(KeyVal *kv, const char *prefix);
/* Error naming the first key never looked up ("-drive: unknown parameter 'foo'"). */
bool keyval_check_unused(const KeyVal *kv, GError **errp);

/* Scalars, shared by the parsers above and by option handlers. */
/* "on/off/yes/no/true/false" */
bool parse_bool(const char *str, bool *out, GError **errp);
/* Decimal, or hex with 0x; whole string, no overflow. */
bool parse_u64(const char *str, uint64_t *out, GError **errp);
/* A number with an optional suffix: B, K/k, M, G, T, P, E (powers of 1024).
 * default_suffix (e.g. 'M' for -m, 0 for bytes) applies when none is given.
 * Fractions like "1.5G" are accepted. Overflow is an error. */
bool parse_size(const char *str, char default_suffix, uint64_t *out, GError **errp);

#endif
