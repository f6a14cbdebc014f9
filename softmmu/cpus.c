/*
 * vCPU threads. Each vCPU runs current_accel->vcpu_exec on its own thread
 * (or all vCPUs take turns on one thread when the accelerator is not thread
 * safe) and comes back to the loop here to pause, sleep while halted, or end.
 *
 * cpus_lock and cpus_cond guard the stop/stopped/halted/unplug handshakes.
 * Whoever changes what a sleeping vCPU waits for broadcasts cpus_cond with
 * cpus_lock held, so no wakeup is lost. cpus_lock is never held while taking
 * the big lock.
 *
 * Why a halted vCPU (WFI: EXCP_HLT) cannot sleep through an interrupt:
 *  - It sleeps only in cpu_wait_for_work(), which tests has_work(), stop,
 *    unplug and exit_request with cpus_lock held and waits on cpus_cond,
 *    which drops the lock atomically: there is no window between the test
 *    and the sleep.
 *  - A waker first publishes the condition (RISC-V: the seq_cst CAS on mip
 *    in riscv_mip_update, which has_work() reads back; stop/unplug under
 *    cpus_lock), then cpu_interrupt()/cpu_kick() take cpus_lock and
 *    broadcast. If the broadcast's lock comes first, the mutex orders the
 *    publication before the test, which sees it; if the test comes first,
 *    the sleeper is already waiting and the broadcast wakes it. This holds
 *    for an MSWI write from another hart (under the BQL), for timers on the
 *    main loop and for device lines alike.
 *  - Every return from the wait (spurious, or a broadcast for another vCPU:
 *    cpus_cond is shared) re-tests; halted is cleared only when has_work().
 *  - interrupt_request is not what the sleeper tests (has_work reads mip), so
 *    riscv_mip_update dropping CPU_INTERRUPT_HARD cannot lose a wakeup; it
 *    only makes cpu_exec look at mip.
 *  - exit_request is cleared in vcpu_thread_fn before the state is looked at:
 *    a kick after that is seen by the wait (which then loops) or by cpu_exec
 *    (it copies the flag into the one translated code polls).
 * tests/guest/sbi-smp.c ping-pongs IPIs into WFI to check this end to end.
 */
#include "tern/osdep.h"
#include "sysemu/cpus.h"
#include "sysemu/accel.h"
#include "sysemu/main-loop.h"
#include "sysemu/runstate.h"
#include "sysemu/gdbstub.h"

static GMutex cpus_lock;
static GCond cpus_cond;
static GThread *rr_thread;          /* the round-robin thread, if used */
static bool cpus_ending;            /* cpus_stop(): all threads must end */
static __thread CPUState *current_cpu;

CPUState *current_cpu_get(void)
{
    return current_cpu;
}

static void cpus_broadcast(void)
{
    g_mutex_lock(&cpus_lock);
    g_cond_broadcast(&cpus_cond);
    g_mutex_unlock(&cpus_lock);
}

void cpu_kick(CPUState *cpu)
{
    g_atomic_int_set(&cpu->exit_request, 1);
    cpus_broadcast();
    if (current_accel && current_accel->vcpu_kick) {
        current_accel->vcpu_kick(cpu);
    }
}

static bool cpu_has_work(CPUState *cpu)
{
    return cpu->cc && cpu->cc->has_work && cpu->cc->has_work(cpu);
}

void cpu_wait_for_work(CPUState *cpu)
{
    g_assert(!bql_locked());
    g_mutex_lock(&cpus_lock);
    while (cpu->halted) {
        if (cpu_has_work(cpu)) {
            cpu->halted = false;
            break;
        }
        if (cpu->stop || cpu->unplug || g_atomic_int_get(&cpu->exit_request)) {
            break;
        }
        g_cond_wait(&cpus_cond, &cpus_lock);
    }
    g_mutex_unlock(&cpus_lock);
}

/*
 * Acknowledge a pause request and sleep until resumed (cpus_lock held).
 * Returns false when the thread must end.
 */
static bool vcpu_check_stop_locked(CPUState *cpu)
{
    while (cpu->stop && !cpu->unplug) {
        if (!cpu->stopped) {
            cpu->stopped = true;
            g_cond_broadcast(&cpus_cond);
        }
        g_cond_wait(&cpus_cond, &cpus_lock);
    }
    cpu->stopped = false;
    return !cpu->unplug;
}

static void vcpu_handle_exit(CPUState *cpu, int reason)
{
    if (reason == EXCP_HLT) {
        cpu->halted = true;
    } else if (reason == EXCP_DEBUG) {
        gdb_cpu_debug_exit(cpu);
    }
}

static gpointer vcpu_thread_fn(gpointer opaque)
{
    CPUState *cpu = opaque;

    current_cpu = cpu;
    for (;;) {
        bool run;

        /* Clear before looking at the state: a later kick is then seen by vcpu_exec. */
        g_atomic_int_set(&cpu->exit_request, 0);
        g_mutex_lock(&cpus_lock);
        run = vcpu_check_stop_locked(cpu);
        g_mutex_unlock(&cpus_lock);
        if (!run) {
            break;
        }
        if (cpu->halted) {
            cpu_wait_for_work(cpu);
            continue;
        }
        vcpu_handle_exit(cpu, current_accel->vcpu_exec(cpu));
    }
    current_cpu = NULL;
    return NULL;
}

/* Round robin: may cpu run now? Acknowledges pause requests (cpus_lock held). */
static bool rr_cpu_runnable_locked(CPUState *cpu)
{
    if (cpu->stop) {
        if (!cpu->stopped) {
            cpu->stopped = true;
            g_cond_broadcast(&cpus_cond);
        }
        return false;
    }
    cpu->stopped = false;
    if (cpu->halted && cpu_has_work(cpu)) {
        cpu->halted = false;
    }
    return !cpu->halted;
}

static bool rr_any_runnable_locked(void)
{
    CPUState *cpu;
    bool any = false;

    /* No early exit: every pause request is acknowledged. */
    CPU_FOREACH(cpu) {
        any |= rr_cpu_runnable_locked(cpu);
    }
    return any;
}

static gpointer rr_thread_fn(gpointer opaque)
{
    for (;;) {
        bool any_ran = false;
        CPUState *cpu;

        CPU_FOREACH(cpu) {
            bool run;

            g_atomic_int_set(&cpu->exit_request, 0);
            g_mutex_lock(&cpus_lock);
            if (cpus_ending) {
                g_mutex_unlock(&cpus_lock);
                return NULL;
            }
            run = rr_cpu_runnable_locked(cpu);
            g_mutex_unlock(&cpus_lock);
            if (run) {
                current_cpu = cpu;
                vcpu_handle_exit(cpu, current_accel->vcpu_exec(cpu));
                current_cpu = NULL;
                any_ran = true;
            }
        }
        if (!any_ran) {
            /* Everyone is halted or paused: sleep until a kick changes that. */
            g_mutex_lock(&cpus_lock);
            while (!cpus_ending && !rr_any_runnable_locked()) {
                g_cond_wait(&cpus_cond, &cpus_lock);
            }
            g_mutex_unlock(&cpus_lock);
        }
    }
}

void cpus_start(void)
{
    bool paused = !runstate_is_running();
    CPUState *cpu;

    cpus_ending = false;
    CPU_FOREACH(cpu) {
        cpu->stop = paused;
        cpu->unplug = false;
    }
    if (!current_accel->thread_per_vcpu) {
        rr_thread = g_thread_new("CPU round robin", rr_thread_fn, NULL);
        CPU_FOREACH(cpu) {
            cpu->thread = rr_thread;
            cpu->created = true;
        }
        return;
    }
    CPU_FOREACH(cpu) {
        g_autofree char *name = g_strdup_printf("CPU %d/%s", cpu->cpu_index,
                                                current_accel->name);
        cpu->thread = g_thread_new(name, vcpu_thread_fn, cpu);
        cpu->created = true;
    }
}

static bool all_vcpus_stopped_locked(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu->created && !cpu->stopped) {
            return false;
        }
    }
    return true;
}

void pause_all_vcpus(void)
{
    bool had_bql = bql_locked();
    CPUState *cpu;

    g_mutex_lock(&cpus_lock);
    CPU_FOREACH(cpu) {
        cpu->stop = true;
    }
    g_mutex_unlock(&cpus_lock);
    CPU_FOREACH(cpu) {
        cpu_kick(cpu);
    }
    if (current_cpu) {
        /* On a vCPU thread: it stops when it returns to its loop. */
        return;
    }
    /* vCPUs may be waiting for the big lock on their way back to the loop. */
    if (had_bql) {
        bql_unlock();
    }
    g_mutex_lock(&cpus_lock);
    while (!all_vcpus_stopped_locked()) {
        g_cond_wait(&cpus_cond, &cpus_lock);
    }
    g_mutex_unlock(&cpus_lock);
    if (had_bql) {
        bql_lock();
    }
}

void resume_all_vcpus(void)
{
    CPUState *cpu;

    g_mutex_lock(&cpus_lock);
    CPU_FOREACH(cpu) {
        cpu->stop = false;
    }
    g_cond_broadcast(&cpus_cond);
    g_mutex_unlock(&cpus_lock);
}

void cpus_stop(void)
{
    bool had_bql = bql_locked();
    CPUState *cpu;

    g_mutex_lock(&cpus_lock);
    cpus_ending = true;
    CPU_FOREACH(cpu) {
        cpu->unplug = true;
    }
    g_mutex_unlock(&cpus_lock);
    CPU_FOREACH(cpu) {
        cpu_kick(cpu);
    }
    if (had_bql) {
        bql_unlock();
    }
    if (rr_thread) {
        g_thread_join(rr_thread);
        rr_thread = NULL;
    } else {
        CPU_FOREACH(cpu) {
            if (cpu->created) {
                g_thread_join(cpu->thread);
            }
        }
    }
    CPU_FOREACH(cpu) {
        cpu->thread = NULL;
        cpu->created = false;
    }
    if (had_bql) {
        bql_lock();
    }
}
