/*
 * Shared scaffolding for the translator tests: an executable code buffer,
 * a tiny CPU state with input/output fields exposed as TCG globals, and a
 * function that translates the ops built so far and runs them.
 */
#ifndef TCG_TEST_UTIL_H
#define TCG_TEST_UTIL_H

#include "tern/osdep.h"
#include <sys/mman.h>
#include "tcg/tcg-op.h"
#include "test-clobber-xmm.h"

typedef struct TestEnv {
    uint64_t in64[6];
    uint64_t out64[4];
    uint32_t in32[6];
    uint32_t out32[4];
    uint64_t mem[8];           /* for host ld/st tests */
} TestEnv;

static TCGv_i64 g_in64[6], g_out64[4];
static TCGv_i32 g_in32[6], g_out32[4];
static uint8_t *test_code;
static size_t test_code_size = 1 << 20;
static size_t test_code_used;

static void test_tcg_init(void)
{
    static const char *const n_in64[] = { "a64", "b64", "c64", "d64", "e64", "f64" };
    static const char *const n_out64[] = { "r64", "s64", "t64", "u64" };
    static const char *const n_in32[] = { "a32", "b32", "c32", "d32", "e32", "f32" };
    static const char *const n_out32[] = { "r32", "s32", "t32", "u32" };

    if (test_code) {
        return;
    }
    tcg_context_init();
    test_code = mmap(NULL, test_code_size, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(test_code != MAP_FAILED);
    test_code_used = tcg_prologue_init(test_code, test_code_size, 0);
    test_code_used = TERN_ALIGN_UP(test_code_used, 64);
    for (int i = 0; i < 6; i++) {
        g_in64[i] = tcg_global_mem_new_i64(tcg_env, offsetof(TestEnv, in64[i]), n_in64[i]);
        g_in32[i] = tcg_global_mem_new_i32(tcg_env, offsetof(TestEnv, in32[i]), n_in32[i]);
    }
    for (int i = 0; i < 4; i++) {
        g_out64[i] = tcg_global_mem_new_i64(tcg_env, offsetof(TestEnv, out64[i]), n_out64[i]);
        g_out32[i] = tcg_global_mem_new_i32(tcg_env, offsetof(TestEnv, out32[i]), n_out32[i]);
    }
}

/* Finish the TB being built (exit_tb 0) and generate code; returns its entry. */
static void *test_gen(void)
{
    void *code;
    int size;

    tcg_gen_exit_tb(NULL, 0);
    if (test_code_used > test_code_size - 65536) {
        test_code_used = TERN_ALIGN_UP(tcg_prologue_init(test_code, test_code_size, 0), 64);
    }
    code = test_code + test_code_used;
    size = tcg_gen_code(code, test_code_size - test_code_used - 4096);
    g_assert(size > 0);
    test_code_used = TERN_ALIGN_UP(test_code_used + size, 64);
    return code;
}

static G_GNUC_UNUSED uintptr_t test_run(void *code, TestEnv *env)
{
    return tcg_qemu_tb_exec(env, code);
}

/* A deterministic generator (xorshift64*) */
static uint64_t test_rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t test_rand(void)
{
    uint64_t x = test_rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    test_rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static const uint64_t test_edges[] = {
    0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
    0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0x100000000ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0x8000000000000001ull,
    0xfffffffffffffffeull, 0xffffffffffffffffull, 0x0123456789abcdefull,
    0xfedcba9876543210ull, 0x00000000ffff0000ull, 0xaaaaaaaa55555555ull,
};

/* Value number i of a test sequence: the edges first, then random values. */
static G_GNUC_UNUSED uint64_t test_value(int i)
{
    if (i < (int)ARRAY_SIZE(test_edges)) {
        return test_edges[i];
    }
    uint64_t r = test_rand();
    switch (test_rand() & 3) {
    case 0: return r;
    case 1: return r >> (test_rand() & 63);
    case 2: return (uint64_t)((int64_t)r >> (test_rand() & 63));
    default: return r & 0xff;
    }
}

#endif
