/*
 * gdb stub hooks of the x86-64 vCPU under KVM: registers come straight from
 * KVM (KVM_GET_REGS/SREGS/FPU) while the vCPU is paused, and virtual
 * addresses are translated by KVM_TRANSLATE (the guest's page tables).
 *
 * Register numbers (softmmu/gdbstub-xml.c describes them to gdb):
 * 0-15 rax rbx rcx rdx rsi rdi rbp rsp r8-r15, 16 rip, 17 eflags,
 * 18-23 cs ss ds es fs gs, 24-31 st0-st7, 32-39 fctrl fstat ftag fiseg
 * fioff foseg fooff fop, 40 fs_base, 41 gs_base, 42-46 cr0 cr2 cr3 cr4 efer.
 */
#include "tern/osdep.h"
#include "target/i386/cpu.h"
#include "sysemu/kvm.h"
#include "x86-gdbstub.h"

enum { GDB_RIP = 16, GDB_EFLAGS = 17, GDB_CS = 18, GDB_ST0 = 24, GDB_FCTRL = 32,
       GDB_FS_BASE = 40, GDB_CR0 = 42, GDB_NUM_REGS = 47 };

/* kvm_regs in gdb's order */
static __u64 *gpr(struct kvm_regs *r, int n)
{
    __u64 *const order[16] = {
        &r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp, &r->rsp,
        &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
    };
    return order[n];
}

static int put(GByteArray *buf, uint64_t v, int size)
{
    for (int i = 0; i < size; i++) {
        uint8_t b = v >> (8 * i);
        g_byte_array_append(buf, &b, 1);
    }
    return size;
}

static struct kvm_segment *segment(struct kvm_sregs *s, int n)
{
    struct kvm_segment *const order[6] = { &s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs };
    return order[n];
}

/* Abridged x87 tag (FXSAVE: 1 = valid) to the full tag word (11 = empty). */
static uint16_t full_tag_word(uint8_t ftwx)
{
    uint16_t tw = 0;

    for (int i = 0; i < 8; i++) {
        tw |= (ftwx & (1u << i) ? 0 : 3u) << (2 * i);
    }
    return tw;
}

int x86_gdb_read_register(CPUState *cs, GByteArray *buf, int reg)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    struct kvm_fpu f;

    if (reg < 0 || reg >= GDB_NUM_REGS || !kvm_cpu_sync_for_debug(cs)) {
        return 0;
    }
    if (reg < GDB_ST0 || reg >= GDB_FS_BASE) {
        if (kvm_vcpu_ioctl(cs, KVM_GET_REGS, &r) < 0 ||
            kvm_vcpu_ioctl(cs, KVM_GET_SREGS, &s) < 0) {
            return 0;
        }
        if (reg < 16) {
            return put(buf, *gpr(&r, reg), 8);
        }
        switch (reg) {
        case GDB_RIP:       return put(buf, r.rip, 8);
        case GDB_EFLAGS:    return put(buf, r.rflags, 4);
        case GDB_FS_BASE:   return put(buf, s.fs.base, 8);
        case GDB_FS_BASE + 1: return put(buf, s.gs.base, 8);
        case GDB_CR0:       return put(buf, s.cr0, 8);
        case GDB_CR0 + 1:   return put(buf, s.cr2, 8);
        case GDB_CR0 + 2:   return put(buf, s.cr3, 8);
        case GDB_CR0 + 3:   return put(buf, s.cr4, 8);
        case GDB_CR0 + 4:   return put(buf, s.efer, 8);
        default:            return put(buf, segment(&s, reg - GDB_CS)->selector, 4);
        }
    }
    if (kvm_vcpu_ioctl(cs, KVM_GET_FPU, &f) < 0) {
        return 0;
    }
    if (reg < GDB_FCTRL) {
        g_byte_array_append(buf, f.fpr[reg - GDB_ST0], 10);
        return 10;
    }
    switch (reg - GDB_FCTRL) {
    case 0:  return put(buf, f.fcw, 4);
    case 1:  return put(buf, f.fsw, 4);
    case 2:  return put(buf, full_tag_word(f.ftwx), 4);
    case 4:  return put(buf, f.last_ip, 4);
    case 6:  return put(buf, f.last_dp, 4);
    case 7:  return put(buf, f.last_opcode, 4);
    default: return put(buf, 0, 4);     /* fiseg, foseg: 0 in 64-bit mode */
    }
}

/* General registers, rip and eflags; the rest is read-only for gdb. */
int x86_gdb_write_register(CPUState *cs, uint8_t *buf, int reg)
{
    struct kvm_regs r;
    uint64_t v = 0;
    int size = reg == GDB_EFLAGS ? 4 : 8;

    if (reg < 0 || reg > GDB_EFLAGS || !kvm_cpu_sync_for_debug(cs) ||
        kvm_vcpu_ioctl(cs, KVM_GET_REGS, &r) < 0) {
        return 0;
    }
    for (int i = 0; i < size; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    if (reg < 16) {
        *gpr(&r, reg) = v;
    } else if (reg == GDB_RIP) {
        r.rip = v;
    } else {
        r.rflags = v | 2;       /* bit 1 is always set */
    }
    return kvm_vcpu_ioctl(cs, KVM_SET_REGS, &r) < 0 ? 0 : size;
}

bool x86_get_phys_addr_debug(CPUState *cs, uint64_t vaddr, hwaddr *paddr)
{
    struct kvm_translation t = { .linear_address = vaddr };

    if (!kvm_cpu_sync_for_debug(cs) || kvm_vcpu_ioctl(cs, KVM_TRANSLATE, &t) < 0 || !t.valid) {
        return false;
    }
    *paddr = t.physical_address;
    return true;
}
