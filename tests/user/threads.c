/* pthreads: mutexes and condition variables (futex wait/wake), thread-local
 * storage, join, and many short-lived threads. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

#define NTHREADS 4
#define ITERS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static __thread int tls_value;
static long atomic_counter;

static void *worker(void *arg)
{
    long id = (long)arg;

    tls_value = (int)id * 100;
    for (int i = 0; i < ITERS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        __atomic_add_fetch(&atomic_counter, 1, __ATOMIC_SEQ_CST);
    }
    return (void *)(long)(tls_value + 1);
}

/* ping-pong through a condition variable: every handoff is a futex wake */
static void *pingpong(void *arg)
{
    long me = (long)arg;

    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&lock);
        while (turn != me) {
            pthread_cond_wait(&cond, &lock);
        }
        turn = !me;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *short_lived(void *arg)
{
    return arg;
}

int main(void)
{
    pthread_t th[NTHREADS];
    void *ret;

    tls_value = 7;
    for (long i = 0; i < NTHREADS; i++) {
        CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
    }
    for (long i = 0; i < NTHREADS; i++) {
        CHECK(pthread_join(th[i], &ret) == 0);
        CHECK((long)ret == i * 100 + 1);
    }
    printf("counter %ld atomic %ld tls %d\n", counter, atomic_counter, tls_value);
    CHECK(counter == NTHREADS * ITERS && atomic_counter == NTHREADS * ITERS);
    CHECK(tls_value == 7);

    CHECK(pthread_create(&th[0], NULL, pingpong, (void *)0) == 0);
    CHECK(pthread_create(&th[1], NULL, pingpong, (void *)1) == 0);
    CHECK(pthread_join(th[0], NULL) == 0 && pthread_join(th[1], NULL) == 0);
    printf("ping-pong done, turn %d\n", turn);

    for (long i = 0; i < 200; i++) {
        pthread_t t;
        CHECK(pthread_create(&t, NULL, short_lived, (void *)i) == 0);
        CHECK(pthread_join(t, &ret) == 0 && (long)ret == i);
    }
    printf("200 short-lived threads joined\n");
    return finish();
}
