/*
 * The debugger's breakpoint and watchpoint lists, for every vCPU (or guest
 * thread in linux-user): the gdb stubs fill them, translators and the
 * execution loops read them (include/sysemu/gdbstub.h).
 */
#include "tern/osdep.h"
#include "sysemu/gdbstub.h"
#include "sysemu/accel.h"
#include "gdbstub-internal.h"

/* ---- breakpoints ---- */

unsigned cpu_breakpoints_nb;
static uint64_t *cpu_breakpoints;     /* g_renew'd array of cpu_breakpoints_nb PCs */

bool cpu_breakpoint_lookup(uint64_t pc)
{
    for (unsigned i = 0; i < cpu_breakpoints_nb; i++) {
        if (cpu_breakpoints[i] == pc) {
            return true;
        }
    }
    return false;
}

uint64_t cpu_breakpoint_nth(unsigned i)
{
    g_assert(i < cpu_breakpoints_nb);
    return cpu_breakpoints[i];
}

static bool breakpoints_changed(void)
{
    return !current_accel || !current_accel->breakpoints_changed ||
           current_accel->breakpoints_changed();
}

bool cpu_breakpoint_insert(uint64_t pc)
{
    if (cpu_breakpoint_lookup(pc)) {
        return true;
    }
    if (cpu_breakpoints_nb >= 4096) {
        return false;
    }
    cpu_breakpoints = g_renew(uint64_t, cpu_breakpoints, cpu_breakpoints_nb + 1);
    cpu_breakpoints[cpu_breakpoints_nb++] = pc;
    if (!breakpoints_changed()) {
        cpu_breakpoints_nb--;
        breakpoints_changed();
        return false;
    }
    return true;
}

bool cpu_breakpoint_remove(uint64_t pc)
{
    for (unsigned i = 0; i < cpu_breakpoints_nb; i++) {
        if (cpu_breakpoints[i] == pc) {
            cpu_breakpoints[i] = cpu_breakpoints[--cpu_breakpoints_nb];
            breakpoints_changed();
            return true;
        }
    }
    return false;
}

void cpu_breakpoint_remove_all(void)
{
    if (cpu_breakpoints_nb) {
        cpu_breakpoints_nb = 0;
        breakpoints_changed();
    }
}

/* ---- watchpoints ---- */

typedef struct Watchpoint {
    uint64_t addr, len;
    WatchType type;
} Watchpoint;

unsigned cpu_watchpoints_nb;
static Watchpoint *cpu_watchpoints;
/* The last hit, for the stop reply (written by the vCPU before it stops). */
static CPUState *watch_hit_cpu;
static uint64_t watch_hit_addr;
static WatchType watch_hit_type;

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a <= b + (blen - 1) && b <= a + (alen - 1);
}

bool cpu_watchpoint_on_page(uint64_t page, uint64_t page_size)
{
    for (unsigned i = 0; i < cpu_watchpoints_nb; i++) {
        if (ranges_overlap(cpu_watchpoints[i].addr, cpu_watchpoints[i].len, page, page_size)) {
            return true;
        }
    }
    return false;
}

bool cpu_watchpoint_hit(CPUState *cpu, uint64_t addr, unsigned size, bool is_write)
{
    WatchType t = is_write ? WATCH_WRITE : WATCH_READ;

    for (unsigned i = 0; i < cpu_watchpoints_nb; i++) {
        Watchpoint *w = &cpu_watchpoints[i];

        if ((w->type & t) && ranges_overlap(w->addr, w->len, addr, size)) {
            watch_hit_cpu = cpu;
            watch_hit_addr = MAX(w->addr, addr);
            watch_hit_type = w->type;
            return true;
        }
    }
    return false;
}

bool cpu_watchpoint_insert(uint64_t addr, uint64_t len, WatchType type)
{
    if (len == 0 || addr + (len - 1) < addr || cpu_watchpoints_nb >= 4096) {
        return false;
    }
    cpu_watchpoints = g_renew(Watchpoint, cpu_watchpoints, cpu_watchpoints_nb + 1);
    cpu_watchpoints[cpu_watchpoints_nb++] = (Watchpoint) { addr, len, type };
    if (!breakpoints_changed()) {
        cpu_watchpoints_nb--;
        breakpoints_changed();
        return false;
    }
    return true;
}

bool cpu_watchpoint_remove(uint64_t addr, uint64_t len, WatchType type)
{
    for (unsigned i = 0; i < cpu_watchpoints_nb; i++) {
        Watchpoint *w = &cpu_watchpoints[i];

        if (w->addr == addr && w->len == len && w->type == type) {
            *w = cpu_watchpoints[--cpu_watchpoints_nb];
            breakpoints_changed();
            return true;
        }
    }
    return false;
}

void cpu_watchpoint_remove_all(void)
{
    if (cpu_watchpoints_nb) {
        cpu_watchpoints_nb = 0;
        breakpoints_changed();
    }
}


bool cpu_watchpoint_last_hit(CPUState *cpu, uint64_t *addr, WatchType *type)
{
    if (watch_hit_cpu != cpu) {
        return false;
    }
    *addr = watch_hit_addr;
    *type = watch_hit_type;
    return true;
}

void cpu_watchpoint_clear_hit(void)
{
    watch_hit_cpu = NULL;
}

void cpu_debug_forget_all(void)
{
    cpu_breakpoints_nb = 0;
    cpu_watchpoints_nb = 0;
    watch_hit_cpu = NULL;
}
