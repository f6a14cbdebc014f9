/*
 * Doorbells: a guest write that only says "look at your queues" (virtio
 * QueueNotify) is caught inside KVM by an ioeventfd, so the vCPU carries on
 * without an exit to Tern; the device's handler runs on the main loop.
 */
#include "tern/osdep.h"
#include <unistd.h>
#include <sys/eventfd.h>
#include <glib-unix.h>
#include "sysemu/kvm.h"
#include "sysemu/main-loop.h"

struct KVMDoorbell {
    int fd;
    hwaddr addr;
    unsigned size;
    bool pio;
    uint64_t data;
    GSource *source;
    KVMDoorbellFn *fn;
    void *opaque;
};

/* Main loop, big lock held: one call however many rings were counted. */
static gboolean doorbell_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    KVMDoorbell *d = opaque;
    uint64_t count;

    if (read(fd, &count, sizeof(count)) == sizeof(count)) {
        d->fn(d->opaque);
    }
    return G_SOURCE_CONTINUE;
}

KVMDoorbell *kvm_doorbell_new(hwaddr addr, unsigned size, bool pio, uint64_t data,
                              KVMDoorbellFn *fn, void *opaque, GError **errp)
{
    KVMDoorbell *d;
    int fd;

    if (!kvm_enabled()) {
        error_setg(errp, "KVM is not in use");
        return NULL;
    }
    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "eventfd");
        return NULL;
    }
    if (!kvm_ioeventfd_assign(fd, addr, size, pio, true, data, true, errp)) {
        close(fd);
        return NULL;
    }
    d = g_new0(KVMDoorbell, 1);
    *d = (KVMDoorbell) {
        .fd = fd, .addr = addr, .size = size, .pio = pio, .data = data,
        .fn = fn, .opaque = opaque,
    };
    d->source = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(d->source, G_SOURCE_FUNC(doorbell_ready), d, NULL);
    /*
     * GLib blocks a non-recursive source while it is dispatched by removing
     * its fd from the poll set and adding it back, and each change wakes the
     * main loop through its own eventfd: two extra writes and a spurious
     * poll per ring. The callback never runs the main loop, so it cannot
     * recurse.
     */
    g_source_set_can_recurse(d->source, TRUE);
    g_source_attach(d->source, main_loop_context());
    return d;
}

void kvm_doorbell_free(KVMDoorbell *d)
{
    if (!d) {
        return;
    }
    kvm_ioeventfd_assign(d->fd, d->addr, d->size, d->pio, true, d->data, false, NULL);
    g_source_destroy(d->source);
    g_source_unref(d->source);
    close(d->fd);
    g_free(d);
}
