/*
 * A riscv64 Linux program for the linux-user gdb stub test (user-gdb-test.py).
 * argv[1] picks what it does: run (default), segv, abort, usr1, threads.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int global_var = 42;
volatile int counter;
static volatile int got_usr1;

int add(int a, int b)
{
    int r = a + b;

    counter += r;
    return r;
}

static void on_usr1(int sig)
{
    got_usr1 = sig;
}

static void *worker(void *arg)
{
    for (int i = 0; i < 3; i++) {
        add(i, (int)(long)arg);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "run";
    int v = add(3, 4);

    if (!strcmp(mode, "segv")) {
        *(volatile int *)16 = v;
    } else if (!strcmp(mode, "abort")) {
        abort();
    } else if (!strcmp(mode, "usr1")) {
        signal(SIGUSR1, on_usr1);
        raise(SIGUSR1);
        return got_usr1 == SIGUSR1 ? 30 : 31;
    } else if (!strcmp(mode, "threads")) {
        pthread_t t[2];

        for (long i = 0; i < 2; i++) {
            pthread_create(&t[i], NULL, worker, (void *)(i + 1));
        }
        for (int i = 0; i < 2; i++) {
            pthread_join(t[i], NULL);
        }
        return counter;     /* 7 + 6 + 9 */
    }
    printf("global_var=%d\n", global_var);
    return v + global_var;
}
