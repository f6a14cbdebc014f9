/* CPU-bound workloads for bench/user-riscv64: ./work int|fp|mem|chase */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t integer(void)
{
    /* sieve + hash mixing */
    enum { N = 4000000 };
    static uint8_t comp[N];
    uint64_t h = 0;
    for (int r = 0; r < 3; r++) {
        memset(comp, 0, sizeof(comp));
        for (uint64_t i = 2; i * i < N; i++) {
            if (!comp[i]) {
                for (uint64_t j = i * i; j < N; j += i) {
                    comp[j] = 1;
                }
            }
        }
        for (uint64_t i = 2; i < N; i++) {
            if (!comp[i]) {
                h = (h ^ i) * 0x100000001b3ull;
            }
        }
    }
    return h;
}

static uint64_t fp(void)
{
    /* n-body style inner loop */
    enum { B = 64 };
    double x[B], y[B], vx[B], vy[B];
    for (int i = 0; i < B; i++) {
        x[i] = i * 0.37;
        y[i] = i * 1.13;
        vx[i] = vy[i] = 0;
    }
    for (int s = 0; s < 400; s++) {
        for (int i = 0; i < B; i++) {
            for (int j = 0; j < B; j++) {
                double dx = x[j] - x[i], dy = y[j] - y[i];
                double d2 = dx * dx + dy * dy + 0.01;
                double inv = 1.0 / (d2 * __builtin_sqrt(d2));
                vx[i] += dx * inv * 1e-3;
                vy[i] += dy * inv * 1e-3;
            }
        }
        for (int i = 0; i < B; i++) {
            x[i] += vx[i];
            y[i] += vy[i];
        }
    }
    return (uint64_t)(x[0] * 1e6);
}

static int cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t mem(void)
{
    enum { N = 2000000 };
    uint32_t *a = malloc(N * 4), *b = malloc(N * 4);
    uint64_t s = 0, r = 1;
    for (int i = 0; i < N; i++) {
        r = r * 6364136223846793005ull + 1;
        a[i] = r >> 33;
    }
    for (int k = 0; k < 20; k++) {
        memcpy(b, a, N * 4);
    }
    qsort(b, N, 4, cmp);
    for (int i = 0; i < N; i += 1000) {
        s += b[i];
    }
    free(a);
    free(b);
    return s;
}

static uint64_t chase(void)
{
    enum { N = 1 << 20 };
    uint32_t *next = malloc(N * 4);
    uint64_t r = 7, p = 0, s = 0;
    for (uint32_t i = 0; i < N; i++) {
        next[i] = i;
    }
    for (uint32_t i = N - 1; i > 0; i--) {          /* random cycle (Sattolo) */
        r = r * 6364136223846793005ull + 1;
        uint32_t j = (r >> 33) % i, t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
    for (int k = 0; k < 20 * N; k++) {
        p = next[p];
        s += p;
    }
    free(next);
    return s;
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "int";
    uint64_t r = !strcmp(w, "int") ? integer() : !strcmp(w, "fp") ? fp() :
                 !strcmp(w, "mem") ? mem() : chase();
    printf("%s %llu\n", w, (unsigned long long)r);
    return 0;
}
