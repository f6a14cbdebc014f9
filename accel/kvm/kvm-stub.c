/*
 * What device models in the shared library (libtern-common) may call in a
 * program without the KVM accelerator (tern-system-riscv64, unit tests).
 * The definitions are weak: where accel/kvm is linked in (tern-system-x86_64)
 * its real functions replace them.
 */
#include "tern/osdep.h"
#include "sysemu/kvm.h"

__attribute__((weak)) bool kvm_enabled(void)
{
    return false;
}

__attribute__((weak)) KVMDoorbell *kvm_doorbell_new(hwaddr addr, unsigned size, bool pio,
                                                    uint64_t data, KVMDoorbellFn *fn,
                                                    void *opaque, GError **errp)
{
    error_setg(errp, "this program has no KVM accelerator");
    return NULL;
}

__attribute__((weak)) void kvm_doorbell_free(KVMDoorbell *d)
{
}
