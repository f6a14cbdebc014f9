/*
 * vCPU threads, run state, main loop and timers (softmmu/cpus.c,
 * runstate.c, main-loop.c, timers.c), driven by a fake accelerator whose
 * "guest" halts when it has no work.
 */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "sysemu/main-loop.h"
#include "sysemu/runstate.h"
#include "hw/boards.h"

#define NCPUS 3

typedef struct FakeCPU {
    CPUState parent;
    gint execs;             /* vcpu_exec calls */
    gint work;              /* has_work() */
    gint resets, accel_resets;
    gint shutdown_status;   /* >0: request shutdown with it from the vCPU thread */
} FakeCPU;

static FakeCPU cpus[NCPUS];

static FakeCPU *fake(CPUState *cpu)
{
    return container_of(cpu, FakeCPU, parent);
}

static int fake_exec(CPUState *cpu)
{
    FakeCPU *f = fake(cpu);
    int status = g_atomic_int_get(&f->shutdown_status);

    g_assert(!bql_locked());
    g_atomic_int_inc(&f->execs);
    if (status > 0) {
        g_atomic_int_set(&f->shutdown_status, 0);
        bql_lock();
        qemu_system_shutdown_request(status);
        bql_unlock();
    }
    if (!g_atomic_int_get(&f->work)) {
        return EXCP_HLT;
    }
    g_usleep(50);           /* "guest code" */
    return EXCP_YIELD;
}

static bool fake_has_work(CPUState *cpu)
{
    return g_atomic_int_get(&fake(cpu)->work) != 0;
}

static void fake_reset(CPUState *cpu)
{
    g_atomic_int_inc(&fake(cpu)->resets);
}

static void fake_vcpu_reset(CPUState *cpu)
{
    g_atomic_int_inc(&fake(cpu)->accel_resets);
}

static const CPUClass fake_cpu_class = {
    .arch_name = "fake",
    .reset = fake_reset,
    .has_work = fake_has_work,
};

static AccelOps fake_accel = {
    .name = "fake",
    .vcpu_exec = fake_exec,
    .vcpu_reset = fake_vcpu_reset,
};

static int execs(int i)
{
    return g_atomic_int_get(&cpus[i].execs);
}

static bool halted(int i)
{
    return __atomic_load_n(&cpus[i].parent.halted, __ATOMIC_SEQ_CST);
}

/* Wait up to 5 s for cond(i); fail the test otherwise. */
static void wait_for(bool (*cond)(int), int i, const char *what)
{
    for (int n = 0; n < 5000; n++) {
        if (cond(i)) {
            return;
        }
        g_usleep(1000);
    }
    fail_msg("timed out waiting for CPU %d: %s", i, what);
}

static gint exec_mark[NCPUS];

static bool ran_since_mark(int i)
{
    return execs(i) > exec_mark[i] + 10;
}

static void mark(int i)
{
    exec_mark[i] = execs(i);
}

static void run_vcpus(bool thread_per_vcpu)
{
    int before[NCPUS];

    fake_accel.thread_per_vcpu = thread_per_vcpu;
    for (int i = 0; i < NCPUS; i++) {
        g_atomic_int_set(&cpus[i].work, 0);
    }
    bql_lock();
    vm_start();
    cpus_start();
    bql_unlock();
    for (int i = 0; i < NCPUS; i++) {
        wait_for(halted, i, "halt with no work");
    }

    /* A halted CPU sleeps: no vcpu_exec calls. */
    for (int i = 0; i < NCPUS; i++) {
        before[i] = execs(i);
    }
    g_usleep(20000);
    for (int i = 0; i < NCPUS; i++) {
        assert_int_equal(execs(i), before[i]);
    }

    /* Work plus a kick wakes exactly that CPU. */
    mark(1);
    g_atomic_int_set(&cpus[1].work, 1);
    cpu_kick(&cpus[1].parent);
    wait_for(ran_since_mark, 1, "run after kick");
    assert_int_equal(execs(0), before[0]);
    assert_true(halted(0));

    /* Paused CPUs do not run; resumed ones do. */
    bql_lock();
    vm_stop();
    assert_false(runstate_is_running());
    for (int i = 0; i < NCPUS; i++) {
        assert_true(cpus[i].parent.stopped);
        before[i] = execs(i);
    }
    g_usleep(20000);
    for (int i = 0; i < NCPUS; i++) {
        assert_int_equal(execs(i), before[i]);
    }
    vm_start();
    bql_unlock();
    mark(1);
    wait_for(ran_since_mark, 1, "run after resume");

    /* The guest powers off from a vCPU thread: the exit status comes back. */
    g_atomic_int_set(&cpus[1].shutdown_status, 7);
    bql_lock();
    assert_int_equal(main_loop_run(), 7);
    cpus_stop();
    bql_unlock();
    for (int i = 0; i < NCPUS; i++) {
        assert_false(cpus[i].parent.created);
    }
    bql_lock();
    vm_stop();
    bql_unlock();
}

static void test_thread_per_vcpu(void **state)
{
    run_vcpus(true);
}

static void test_round_robin(void **state)
{
    run_vcpus(false);
}

static void quit_cb(void *opaque)
{
    gint *fired = opaque;

    g_atomic_int_inc(fired);
    qemu_system_quit_request();
}

static void test_host_timer(void **state)
{
    gint fired = 0;
    TernTimer *t = timer_new_ns(CLOCK_HOST, quit_cb, &fired);
    int64_t start = clock_get_ns(CLOCK_HOST);
    int64_t start_mono = g_get_monotonic_time();

    timer_mod_ns(t, start + 30 * 1000000);
    assert_true(timer_pending(t));
    bql_lock();
    assert_int_equal(main_loop_run(), 0);
    bql_unlock();
    assert_int_equal(fired, 1);
    assert_false(timer_pending(t));
    assert_true(g_get_monotonic_time() - start_mono >= 29000);
    timer_free(t);
}

static void test_virtual_clock_stops_when_paused(void **state)
{
    gint virt_fired = 0, host_fired = 0;
    TernTimer *virt = timer_new_ns(CLOCK_VIRTUAL, quit_cb, &virt_fired);
    TernTimer *host = timer_new_ns(CLOCK_HOST, quit_cb, &host_fired);
    int64_t v0;

    bql_lock();
    vm_stop();
    v0 = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(10000);
    assert_int_equal(clock_get_ns(CLOCK_VIRTUAL), v0);

    /* While paused, a due virtual timer waits; the host timer ends the loop. */
    timer_mod_ns(virt, v0 + 1000);
    timer_mod_ns(host, clock_get_ns(CLOCK_HOST) + 20 * 1000000);
    assert_int_equal(main_loop_run(), 0);
    assert_int_equal(host_fired, 1);
    assert_int_equal(virt_fired, 0);
    assert_true(timer_pending(virt));

    vm_start();
    assert_int_equal(main_loop_run(), 0);
    assert_int_equal(virt_fired, 1);
    assert_true(clock_get_ns(CLOCK_VIRTUAL) > v0);
    vm_stop();
    bql_unlock();

    /* A deleted timer never fires. */
    timer_mod_ns(host, clock_get_ns(CLOCK_HOST));
    timer_del(host);
    assert_false(timer_pending(host));
    timer_free(virt);
    timer_free(host);
}

static gint reset_cb_calls;

static void reset_cb(void *opaque)
{
    g_atomic_int_inc(&reset_cb_calls);
    qemu_system_quit_request();
}

static void test_reset_request(void **state)
{
    int resets = cpus[0].resets, accel_resets = cpus[2].accel_resets;

    qemu_register_reset(reset_cb, NULL);
    qemu_system_reset_request();
    bql_lock();
    assert_int_equal(main_loop_run(), 0);
    bql_unlock();
    assert_int_equal(reset_cb_calls, 1);
    assert_int_equal(cpus[0].resets, resets + 1);
    assert_int_equal(cpus[2].accel_resets, accel_resets + 1);
}

static void test_no_reboot_and_errors(void **state)
{
    static const MachineClass mc = { .name = "test", .max_cpus = 8,
                                     .instance_size = sizeof(MachineState) };
    MachineState *ms = machine_new(&mc);
    gint quit_fired = 0;
    TernTimer *quit_later = timer_new_ns(CLOCK_HOST, quit_cb, &quit_fired);

    current_machine = ms;
    ms->no_reboot = true;
    qemu_system_reset_request();          /* -no-reboot: a poweroff with status 0 */
    bql_lock();
    assert_int_equal(main_loop_run(), 0);
    assert_int_equal(reset_cb_calls, 1);  /* no reset happened */

    qemu_system_error_request();
    assert_int_equal(main_loop_run(), 1);

    qemu_system_shutdown_request(3);
    assert_int_equal(main_loop_run(), 3);

    /* -no-shutdown: a guest poweroff pauses; only a quit ends the loop. */
    ms->no_shutdown = true;
    vm_start();
    qemu_system_shutdown_request(4);
    timer_mod_ns(quit_later, clock_get_ns(CLOCK_HOST) + 20 * 1000000);
    assert_int_equal(main_loop_run(), 0);
    assert_int_equal(quit_fired, 1);
    assert_false(runstate_is_running());
    bql_unlock();
    timer_free(quit_later);
    current_machine = NULL;
    g_free(ms->kernel_cmdline);
    g_free(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_per_vcpu),
        cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_host_timer),
        cmocka_unit_test(test_virtual_clock_stops_when_paused),
        cmocka_unit_test(test_reset_request),
        cmocka_unit_test(test_no_reboot_and_errors),
    };

    for (int i = 0; i < NCPUS; i++) {
        cpu_common_init(&cpus[i].parent, &fake_cpu_class, NULL, NULL);
    }
    current_accel = &fake_accel;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
