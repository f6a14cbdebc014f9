/* Two harts (-smp 2): LR/SC and AMO atomicity under contention, and an LR
 * reservation broken by another hart's store. */
#include "test.h"

#define N 20000

static volatile uint64_t counter_lrsc, counter_amo, done, victim, step;

static void lrsc_inc(volatile uint64_t *p)
{
    uint64_t v, fail;
    do {
        __asm__ volatile("lr.d %0, (%2)\n addi %0, %0, 1\n sc.d %1, %0, (%2)"
                         : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
    } while (fail);
}

static void amo_inc(volatile uint64_t *p)
{
    __asm__ volatile("amoadd.d zero, %1, (%0)" :: "r"(p), "r"(1ull) : "memory");
}

static void hammer(void)
{
    for (int i = 0; i < N; i++) {
        lrsc_inc(&counter_lrsc);
        amo_inc(&counter_amo);
    }
    amo_inc(&done);
}

static void secondary(void)
{
    hammer();
    /* part 2: when hart 0 holds a reservation on victim, store to it */
    while (step != 1) {
    }
    victim = 2;
    step = 2;
}

int main(void)
{
    uint64_t v, sc_fail;

    secondary_entry = secondary;
    hammer();
    for (long i = 0; done != 2; i++) {
        CHECK(i < 2000000000);
    }
    CHECK_EQ(counter_lrsc, 2 * N);
    CHECK_EQ(counter_amo, 2 * N);

    victim = 1;
    __asm__ volatile("lr.d %0, (%1)" : "=r"(v) : "r"(&victim) : "memory");
    CHECK_EQ(v, 1);
    step = 1;
    while (step != 2) {
    }
    __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(sc_fail) : "r"(&victim), "r"(3ull) : "memory");
    CHECK(sc_fail != 0);                  /* the other hart's store broke the reservation */
    CHECK_EQ(victim, 2);
    return 0;
}
