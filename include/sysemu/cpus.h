/* vCPU threads (softmmu/cpus.c): start, pause, resume, halt handling. */
#ifndef SYSEMU_CPUS_H
#define SYSEMU_CPUS_H

#include "hw/core/cpu.h"

/* Start a thread for each CPU in cpu_list (or one round-robin thread if the
 * accelerator wants it). CPUs start paused if the VM is stopped (-S). */
void cpus_start(void);
void pause_all_vcpus(void);
void resume_all_vcpus(void);
/* Stop and join all vCPU threads (at exit). */
void cpus_stop(void);
/* Called by the accelerator on a vCPU thread when the CPU halts (WFI/HLT):
 * sleeps until has_work() or a kick. Must be called without the BQL. */
void cpu_wait_for_work(CPUState *cpu);

#endif
