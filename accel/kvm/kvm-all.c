/*
 * The KVM VM: /dev/kvm, capability checks, memory slots fed by a memory
 * listener, the in-kernel irqchip's input lines, ioeventfd and irqfd.
 * The vCPU side is in kvm-cpu.c.
 */
#include "tern/osdep.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "kvm-int.h"
#include "exec/memory.h"
#include "sysemu/kvm.h"

KVMState kvm_state = { .fd = -1, .vm_fd = -1 };

/* Capabilities Tern relies on, checked before the VM is created. */
static const struct {
    unsigned cap;
    const char *name;
} required_caps[] = {
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
    { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
    { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
    { KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
};

bool kvm_enabled(void)
{
    return kvm_state.vm_fd >= 0;
}

static int ioctl_errno(int fd, unsigned long type, void *arg)
{
    int r;

    do {
        r = ioctl(fd, type, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

int kvm_ioctl(unsigned long type, void *arg)
{
    return ioctl_errno(kvm_state.fd, type, arg);
}

int kvm_vm_ioctl(unsigned long type, void *arg)
{
    return ioctl_errno(kvm_state.vm_fd, type, arg);
}

int kvm_check_extension(unsigned cap)
{
    int r = ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, (unsigned long)cap);

    return r < 0 ? 0 : r;
}

/* ---- memory slots ---- */

/*
 * KVM slots must start and end on host pages: the page-aligned middle of a
 * RAM section becomes a slot; unaligned edges (none on Tern's boards) stay
 * out and are reached through MMIO exits, which the memory API serves from RAM.
 */
static bool section_to_slot(MemoryRegionSection *s, KVMSlot *slot)
{
    hwaddr start = TERN_ALIGN_UP(s->offset_within_address_space, kvm_state.page_size);
    hwaddr end = TERN_ALIGN_DOWN(s->offset_within_address_space + s->size,
                                 kvm_state.page_size);
    hwaddr delta = start - s->offset_within_address_space;

    if (end <= start) {
        return false;
    }
    slot->gpa = start;
    slot->size = end - start;
    slot->hva = memory_region_get_ram_ptr(s->mr) + s->offset_within_region + delta;
    slot->readonly = s->mr->type == MR_ROM;
    return true;
}

static void slot_set(KVMSlot *slot, bool present)
{
    struct kvm_userspace_memory_region m = {
        .slot = slot->id,
        .flags = slot->readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = slot->gpa,
        .memory_size = present ? slot->size : 0,
        .userspace_addr = (uintptr_t)slot->hva,
    };
    int r = kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION, &m);

    if (r < 0) {
        /* The guest would run without this RAM: nothing sensible to continue with. */
        error_exit("KVM_SET_USER_MEMORY_REGION slot %u at 0x%" HWADDR_PRIx
                   " size 0x%" PRIx64 ": %s", slot->id, slot->gpa, slot->size,
                   g_strerror(-r));
    }
}

static void kvm_region_add(MemoryListener *l, MemoryRegionSection *section)
{
    KVMSlot slot;
    unsigned id;

    if (!section_to_slot(section, &slot)) {
        return;
    }
    if (slot.readonly && !kvm_state.readonly_mem) {
        /* Without read-only slots, ROM is served through MMIO exits. */
        return;
    }
    for (id = 0; id < kvm_state.nr_slots; id++) {
        if (!kvm_state.slots[id].used) {
            break;
        }
    }
    if (id == kvm_state.nr_slots) {
        error_exit("KVM: all %u memory slots are in use", kvm_state.nr_slots);
    }
    slot.id = id;
    slot.used = true;
    kvm_state.slots[id] = slot;
    slot_set(&kvm_state.slots[id], true);
}

static void kvm_region_del(MemoryListener *l, MemoryRegionSection *section)
{
    KVMSlot key;

    if (!section_to_slot(section, &key)) {
        return;
    }
    for (unsigned id = 0; id < kvm_state.nr_slots; id++) {
        KVMSlot *slot = &kvm_state.slots[id];

        if (slot->used && slot->gpa == key.gpa && slot->size == key.size) {
            slot_set(slot, false);
            slot->used = false;
            return;
        }
    }
}

static MemoryListener kvm_memory_listener = {
    .region_add = kvm_region_add,
    .region_del = kvm_region_del,
};

/* ---- setup ---- */

static bool kvm_open(GError **errp)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int version;

    if (fd < 0) {
        int err = errno;

        if (err == ENOENT || err == ENODEV || err == ENXIO) {
            error_setg(errp, "/dev/kvm does not exist (%s): load the "
                       "kvm-intel or kvm-amd module, or enable virtualization "
                       "in the firmware", g_strerror(err));
        } else if (err == EACCES || err == EPERM) {
            error_setg(errp, "no permission to open /dev/kvm (%s): "
                       "add your user to the 'kvm' group or run as root",
                       g_strerror(err));
        } else {
            error_setg_errno(errp, err, "cannot open /dev/kvm");
        }
        return false;
    }
    kvm_state.fd = fd;
    version = kvm_ioctl(KVM_GET_API_VERSION, NULL);
    if (version != KVM_API_VERSION) {
        error_setg(errp, "/dev/kvm has API version %d, Tern needs %d",
                   version, KVM_API_VERSION);
        return false;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(required_caps); i++) {
        if (!kvm_check_extension(required_caps[i].cap)) {
            error_setg(errp, "the host's KVM lacks %s, which Tern "
                       "needs (update the host kernel)", required_caps[i].name);
            return false;
        }
    }
    return true;
}

bool kvm_init(GError **errp)
{
    int r;

    if (!kvm_open(errp)) {
        goto fail;
    }
    kvm_state.page_size = sysconf(_SC_PAGESIZE);
    kvm_state.readonly_mem = kvm_check_extension(KVM_CAP_READONLY_MEM) > 0;
    kvm_state.has_irqfd = kvm_check_extension(KVM_CAP_IRQFD) > 0;
    kvm_state.has_ioeventfd = kvm_check_extension(KVM_CAP_IOEVENTFD) > 0;
    kvm_state.nr_slots = kvm_check_extension(KVM_CAP_NR_MEMSLOTS);
    if (kvm_state.nr_slots <= 0) {
        kvm_state.nr_slots = 32;    /* the minimum every KVM has had */
    }
    kvm_state.nr_slots = MIN(kvm_state.nr_slots, 512u);
    kvm_state.slots = g_new0(KVMSlot, kvm_state.nr_slots);

    r = kvm_ioctl(KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (r < (int)sizeof(struct kvm_run)) {
        error_setg(errp, "KVM_GET_VCPU_MMAP_SIZE failed: %s",
                   r < 0 ? g_strerror(-r) : "size too small");
        goto fail;
    }
    kvm_state.run_size = r;

    r = kvm_ioctl(KVM_CREATE_VM, (void *)0);
    if (r < 0) {
        error_setg(errp, "KVM_CREATE_VM failed: %s%s", g_strerror(-r),
                   r == -ENOMEM || r == -EINVAL ?
                   " (is another hypervisor running, or is memory short?)" : "");
        goto fail;
    }
    kvm_state.vm_fd = r;
    if (!kvm_arch_init_vm(errp)) {
        if (errp && *errp) {
            GError *e = *errp;

            *errp = NULL;
            error_setg(errp, "%s: the host's KVM refused to set up the VM "
                       "(see the host kernel log, dmesg)", e->message);
            g_error_free(e);
        }
        goto fail;
    }
    memory_listener_register(&kvm_memory_listener, get_system_address_space());
    return true;

fail:
    if (kvm_state.vm_fd >= 0) {
        close(kvm_state.vm_fd);
        kvm_state.vm_fd = -1;
    }
    if (kvm_state.fd >= 0) {
        close(kvm_state.fd);
        kvm_state.fd = -1;
    }
    g_clear_pointer(&kvm_state.slots, g_free);
    return false;
}

/* ---- in-kernel irqchip lines ---- */

static void kvm_gsi_set(void *opaque, int gsi, int level)
{
    struct kvm_irq_level irq = { .irq = gsi, .level = level };
    int r = kvm_vm_ioctl(KVM_IRQ_LINE, &irq);

    if (r < 0) {
        error_report("KVM_IRQ_LINE gsi %d level %d: %s", gsi, level, g_strerror(-r));
    }
}

void kvm_irqchip_set_ready(int nr_gsis)
{
    kvm_state.nr_gsis = nr_gsis;
    kvm_state.gsi_lines = qemu_allocate_irqs(kvm_gsi_set, NULL, nr_gsis);
}

bool kvm_irqchip_in_kernel(void)
{
    return kvm_state.gsi_lines != NULL;
}

qemu_irq kvm_irqchip_gsi(int gsi)
{
    if (!kvm_state.gsi_lines || gsi < 0 || gsi >= kvm_state.nr_gsis) {
        return NULL;
    }
    return kvm_state.gsi_lines[gsi];
}

int kvm_irqchip_gsi_of(qemu_irq irq)
{
    for (int gsi = 0; irq && kvm_state.gsi_lines && gsi < kvm_state.nr_gsis; gsi++) {
        if (kvm_state.gsi_lines[gsi] == irq) {
            return gsi;
        }
    }
    return -1;
}

/* ---- notification fast paths ---- */

bool kvm_ioeventfd_assign(int fd, hwaddr addr, unsigned size, bool pio,
                          bool datamatch, uint64_t data, bool assign,
                          GError **errp)
{
    struct kvm_ioeventfd e = {
        .datamatch = datamatch ? data : 0,
        .addr = addr,
        .len = size,
        .fd = fd,
        .flags = (datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
                 (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
                 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };
    int r;

    if (!kvm_enabled() || !kvm_state.has_ioeventfd) {
        error_setg(errp, "KVM ioeventfd is not available");
        return false;
    }
    r = kvm_vm_ioctl(KVM_IOEVENTFD, &e);
    if (r < 0) {
        error_setg(errp, "KVM_IOEVENTFD at 0x%" HWADDR_PRIx ": %s", addr, g_strerror(-r));
        return false;
    }
    return true;
}

bool kvm_irqfd_assign(int fd, int resample_fd, int gsi, bool assign, GError **errp)
{
    struct kvm_irqfd f = {
        .fd = fd,
        .gsi = gsi,
        .flags = !assign ? KVM_IRQFD_FLAG_DEASSIGN :
                 resample_fd >= 0 ? KVM_IRQFD_FLAG_RESAMPLE : 0,
        .resamplefd = resample_fd >= 0 ? resample_fd : 0,
    };
    int r;

    if (!kvm_irqchip_in_kernel() || !kvm_state.has_irqfd) {
        error_setg(errp, "KVM irqfd is not available");
        return false;
    }
    if (gsi < 0 || gsi >= kvm_state.nr_gsis) {
        error_setg(errp, "KVM irqfd: GSI %d is not an in-kernel irqchip input", gsi);
        return false;
    }
    r = kvm_vm_ioctl(KVM_IRQFD, &f);
    if (r < 0) {
        error_setg(errp, "KVM_IRQFD gsi %d: %s", gsi, g_strerror(-r));
        return false;
    }
    return true;
}
