/*
 * The system-mode gdb stub: a GDB remote serial protocol server (gdb
 * manual, appendix E) on a socket chardev. Packets are handled on the main
 * loop with the big lock held by the protocol core (gdbstub-proto.c); the
 * VM is paused whenever gdb is looking at it (on connect, Ctrl-C, a
 * breakpoint or a finished step) and runs only after c/s/vCont.
 * Threads are vCPUs: thread id = cpu_index + 1.
 */
#include "tern/osdep.h"
#include "sysemu/gdbstub.h"
#include "sysemu/gdbstub-proto.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "sysemu/main-loop.h"
#include "sysemu/monitor.h"
#include "sysemu/runstate.h"
#include "chardev/char.h"
#include "exec/memory.h"
#include "gdbstub-packet.h"

static CharBackend gdb_chr;
static Chardev *gdb_dev;

/* ---- memory ---- */

bool cpu_memory_rw_debug(CPUState *cpu, uint64_t vaddr, void *buf, size_t len,
                         bool is_write)
{
    uint8_t *p = buf;

    while (len) {
        /* 4 KiB: the smallest page of every target */
        size_t n = MIN(len, 0x1000 - (vaddr & 0xfff));
        hwaddr pa = vaddr;
        MemTxResult r;

        if (cpu->cc->get_phys_addr_debug && !cpu->cc->get_phys_addr_debug(cpu, vaddr, &pa)) {
            return false;
        }
        if (is_write) {
            /* ROM too: the debugger may patch firmware */
            r = address_space_write_rom(cpu->as, pa, p, n);
            if (r != MEMTX_OK) {
                r = address_space_write(cpu->as, pa, p, n);
            }
        } else {
            MemoryRegionSection sec;

            /* reading MMIO could change device state: only RAM and ROM */
            if (!address_space_lookup(cpu->as, pa, &sec) || !sec.mr ||
                !memory_region_is_ram(sec.mr) || !sec.size) {
                return false;
            }
            n = MIN(n, sec.size);
            r = address_space_read(cpu->as, pa, p, n);
        }
        if (r != MEMTX_OK) {
            return false;
        }
        vaddr += n;
        p += n;
        len -= n;
    }
    return true;
}

/* ---- the mode's side of the protocol ---- */

static void sys_write(const void *buf, size_t len)
{
    qemu_chr_fe_write_all(&gdb_chr, buf, len);
}

static int sys_thread_id(CPUState *cpu)
{
    return cpu->cpu_index + 1;
}

static char *sys_thread_info(CPUState *cpu)
{
    return g_strdup_printf("CPU#%d%s", cpu->cpu_index, cpu->halted ? " [halted]" : "");
}

/* All vCPUs run; signals are not delivered to the guest (as in QEMU). */
static void sys_resume(CPUState *step_cpu, CPUState *only_cpu, int sig)
{
    vm_start();
}

/* The VM stopped for gdb: tell gdb why. */
static void gdb_stopped(CPUState *cpu, int sig)
{
    vm_stop();
    gdb_proto_stopped(cpu, sig);
}

static void sys_interrupt(CPUState *c_cpu)
{
    gdb_stopped(c_cpu, GDB_SIGNAL_INT);
}

static void sys_kill(void)
{
    qemu_system_quit_request();
}

static const GdbStubOps sys_ops = {
    .write = sys_write,
    .memory_rw = cpu_memory_rw_debug,
    .thread_id = sys_thread_id,
    .thread_info = sys_thread_info,
    .resume = sys_resume,
    .interrupt = sys_interrupt,
    .detach = vm_start,
    .kill = sys_kill,
    .monitor = monitor_hmp_command,
    .watchpoints = true,
};

static gboolean debug_exit_bh(gpointer opaque)
{
    gdb_stopped(opaque, GDB_SIGNAL_TRAP);
    return G_SOURCE_REMOVE;
}

void gdb_cpu_debug_exit(CPUState *cpu)
{
    /* Stop every vCPU before this one can run again (it would step on). */
    pause_all_vcpus();
    g_idle_add(debug_exit_bh, cpu);
}

void gdb_exit(int status)
{
    gdb_proto_exited('W', status);
}

/* ---- chardev front end ---- */

static int gdb_can_read(void *opaque)
{
    return GDB_MAX_PACKET;
}

static void gdb_read(void *opaque, const uint8_t *buf, int size)
{
    gdb_proto_input(buf, size);
}

static void gdb_event(void *opaque, ChrEvent event)
{
    if (event == CHR_EVENT_OPENED) {
        /* gdb expects a stopped target when it attaches (as QEMU does) */
        vm_stop();
        gdb_proto_connect(cpu_by_index(0));
    } else if (event == CHR_EVENT_CLOSED) {
        /* gone without detaching: let the guest run on without breakpoints */
        gdb_proto_disconnected();
    }
}

bool gdbserver_start(const char *spec, GError **errp)
{
    g_autofree char *chr_spec = NULL;
    CPUState *cpu0 = cpu_by_index(0);

    if (!strcmp(spec, "none")) {
        return true;
    }
    if (gdb_dev) {
        error_setg(errp, "only one gdb stub is supported");
        return false;
    }
    if (!g_str_has_prefix(spec, "tcp:") && !g_str_has_prefix(spec, "unix:")) {
        error_setg(errp, "expected tcp:[HOST]:PORT or unix:PATH");
        return false;
    }
    if (!cpu0 || !cpu0->cc->gdb_read_register || !cpu0->cc->gdb_write_register ||
        !current_accel->set_singlestep || !current_accel->breakpoints_changed) {
        error_setg(errp, "not supported yet for %s with -accel %s",
                   cpu0 ? cpu0->cc->arch_name : "this machine", current_accel->name);
        return false;
    }
    chr_spec = g_strdup_printf("%s%s%s", spec, strstr(spec, "server") ? "" : ",server=on",
                               strstr(spec, "wait") ? "" : ",wait=off");
    gdb_dev = qemu_chr_new("gdb", chr_spec, errp);
    if (!gdb_dev) {
        return false;
    }
    if (!qemu_chr_fe_init(&gdb_chr, gdb_dev, errp)) {
        return false;
    }
    gdb_proto_init(&sys_ops, cpu0->cc);
    qemu_chr_fe_set_handlers(&gdb_chr, gdb_can_read, gdb_read, gdb_event, NULL);
    return true;
}
