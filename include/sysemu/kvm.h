/*
 * The KVM accelerator (accel/kvm): one VM per process, one vCPU thread per
 * CPU. RAM reaches KVM as memory slots through a memory listener on the
 * system address space; KVM_EXIT_IO and KVM_EXIT_MMIO are dispatched through
 * the memory API (get_system_io_space() / the CPU's address space) with the
 * big lock held, exactly like the translator's slow path.
 *
 * vCPUs are kicked out of KVM_RUN with run->immediate_exit plus SIG_IPI
 * (SIGUSR1) sent to the vCPU thread; Tern installs a no-op handler for it.
 */
#ifndef SYSEMU_KVM_H
#define SYSEMU_KVM_H

#include "tern/osdep.h"
#include "hw/core/cpu.h"
#include "hw/irq.h"
#include <signal.h>

#define SIG_IPI SIGUSR1

/* True once the "kvm" accelerator created the VM. */
bool kvm_enabled(void);

/* ioctl on the /dev/kvm fd, the VM fd, a vCPU fd: -errno on failure. */
int kvm_ioctl(unsigned long type, void *arg);
int kvm_vm_ioctl(unsigned long type, void *arg);
int kvm_vcpu_ioctl(CPUState *cpu, unsigned long type, void *arg);
/* KVM_CHECK_EXTENSION on /dev/kvm: 0 if absent. */
int kvm_check_extension(unsigned cap);

/*
 * The state in the target's CPU struct is newer than KVM's copy: it is
 * written with kvm_arch_put_registers() before the vCPU next enters KVM_RUN.
 * Call after changing registers from outside the vCPU thread (CPU reset).
 */
void kvm_cpu_mark_dirty(CPUState *cpu);
/*
 * Before reading or writing a paused vCPU's registers in KVM (gdb stub):
 * write out pending CPU-struct state first. Big lock held. False on error.
 */
bool kvm_cpu_sync_for_debug(CPUState *cpu);

/* ---- in-kernel interrupt controller ---- */

/* True if the irqchip was created (always for x86 boards). */
bool kvm_irqchip_in_kernel(void);
/* The input line for GSI gsi of the in-kernel irqchip (KVM_IRQ_LINE), or NULL. */
qemu_irq kvm_irqchip_gsi(int gsi);
/* The GSI of a line returned by kvm_irqchip_gsi(), or -1 for any other line. */
int kvm_irqchip_gsi_of(qemu_irq irq);

/*
 * Optional fast paths for device notifications, used by the virtio-mmio
 * transport when KVM is the accelerator (both return false, with an error,
 * when KVM is not in use or lacks the capability; the caller then keeps using
 * its MMIO callback and qemu_irq):
 *
 * kvm_ioeventfd_assign: a guest write of `size` bytes to `addr` (in system
 * memory, or in port I/O space if pio) — equal to `data` if datamatch —
 * signals the eventfd `fd` inside KVM instead of exiting to Tern. The
 * transport watches fd on the main loop (QueueNotify with the queue index as
 * datamatch). assign=false removes the same registration.
 *
 * kvm_irqfd_assign: writing 1 to eventfd `fd` asserts GSI `gsi` (use
 * kvm_irqchip_gsi_of on the transport's qemu_irq). For a level-triggered
 * line pass resample_fd: KVM de-asserts the line when the guest EOIs it and
 * signals resample_fd, so the device re-asserts if its interrupt status is
 * still set. assign=false removes it.
 */
bool kvm_ioeventfd_assign(int fd, hwaddr addr, unsigned size, bool pio,
                          bool datamatch, uint64_t data, bool assign,
                          GError **errp);
bool kvm_irqfd_assign(int fd, int resample_fd, int gsi, bool assign,
                      GError **errp);

/*
 * A doorbell built on kvm_ioeventfd_assign (accel/kvm/kvm-doorbell.c): guest
 * writes of `size` bytes equal to `data` at `addr` (port I/O if pio) stay in
 * KVM, and fn(opaque) runs afterwards on the main loop with the big lock held
 * (once for any number of writes since the last call). For virtio-mmio:
 * kvm_doorbell_new(base + 0x50, 4, false, queue_index, notify_queue, vq, &err)
 * when a queue becomes ready, kvm_doorbell_free when it stops (reset). NULL,
 * with an error, when KVM is not in use: then keep the MMIO write path.
 */
typedef struct KVMDoorbell KVMDoorbell;
typedef void KVMDoorbellFn(void *opaque);
KVMDoorbell *kvm_doorbell_new(hwaddr addr, unsigned size, bool pio, uint64_t data,
                              KVMDoorbellFn *fn, void *opaque, GError **errp);
void kvm_doorbell_free(KVMDoorbell *d);

/* ---- provided by the target (target/i386/kvm.c) ---- */

/* After KVM_CREATE_VM: VM-wide setup (TSS, in-kernel irqchip, GSI routes). */
bool kvm_arch_init_vm(GError **errp);
/* After KVM_CREATE_VCPU: CPUID, MSRs, initial state. */
bool kvm_arch_init_vcpu(CPUState *cpu, GError **errp);
/* Copy the CPU struct's (reset) state into KVM: registers, MSRs, LAPIC, MP state. */
bool kvm_arch_put_registers(CPUState *cpu, GError **errp);
/* Print the vCPU's registers as KVM has them (for fatal exits). */
void kvm_arch_dump_registers(CPUState *cpu, FILE *f);
/* Create the in-kernel PIT (x86, KVM_CREATE_PIT2). */
bool kvm_pit_create(GError **errp);
/* Called by kvm_arch_init_vm once the irqchip with nr_gsis inputs exists. */
void kvm_irqchip_set_ready(int nr_gsis);

#endif
