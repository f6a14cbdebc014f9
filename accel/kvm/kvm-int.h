/* accel/kvm internals shared by kvm-all.c and kvm-cpu.c. */
#ifndef ACCEL_KVM_KVM_INT_H
#define ACCEL_KVM_KVM_INT_H

#include "tern/osdep.h"
#include <pthread.h>
#include "hw/irq.h"
#include "hw/core/cpu.h"

typedef struct KVMSlot {
    unsigned id;
    bool used;
    bool readonly;
    hwaddr gpa;
    uint64_t size;
    void *hva;
} KVMSlot;

typedef struct KVMState {
    int fd;                 /* /dev/kvm */
    int vm_fd;
    int run_size;           /* of each vCPU's kvm_run mapping */
    long page_size;
    bool readonly_mem;
    bool has_irqfd;
    bool has_ioeventfd;
    KVMSlot *slots;
    unsigned nr_slots;
    qemu_irq *gsi_lines;    /* in-kernel irqchip inputs */
    int nr_gsis;
} KVMState;

typedef struct KVMVCPU {
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_known;      /* thread is valid: the vCPU ran once */
    bool dirty;             /* CPU struct newer than KVM's registers */
    bool dead;              /* a fatal exit stopped this vCPU for good */
} KVMVCPU;

extern KVMState kvm_state;

bool kvm_init(GError **errp);

/* gdb stub hooks (kvm-debug.c, AccelOps.set_singlestep and .breakpoints_changed) */
void kvm_debug_set_singlestep(CPUState *cpu, bool enable);
bool kvm_debug_breakpoints_changed(void);

#endif
