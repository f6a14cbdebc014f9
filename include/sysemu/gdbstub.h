/*
 * The gdb stub (softmmu/gdbstub.c): a GDB remote serial protocol server on
 * a chardev, running on the main loop with the big lock held. It needs the
 * accelerator's debug hooks (AccelOps.set_singlestep, .breakpoints_changed)
 * and the CPU's gdb register hooks (CPUClass.gdb_read_register, ...).
 */
#ifndef SYSEMU_GDBSTUB_H
#define SYSEMU_GDBSTUB_H

#include "hw/core/cpu.h"

/* The port -s listens on. */
#define GDBSTUB_DEFAULT_SPEC "tcp::1234"

/*
 * -gdb SPEC: "tcp::PORT", "tcp:HOST:PORT", "unix:PATH[,server=on]" (always
 * a server, never waiting for the client at start-up), or "none". Call with
 * the big lock held, after the CPUs exist. Errors do not repeat the option.
 */
bool gdbserver_start(const char *spec, GError **errp);

/* Tern is exiting with status: tell a connected debugger (W packet). */
void gdb_exit(int status);

/*
 * A vCPU's accelerator returned EXCP_DEBUG (breakpoint or finished single
 * step). Called on the vCPU thread without the big lock: pauses the VM and
 * reports the stop to the connected debugger.
 */
void gdb_cpu_debug_exit(CPUState *cpu);

/*
 * Breakpoints (gdb Z0/Z1). They apply to every vCPU. The list changes only
 * while all vCPUs are paused, so translators may read it without locks:
 * a translator ends a block before a breakpoint PC and the execution loop
 * returns EXCP_DEBUG when it is about to run code at one.
 */
extern unsigned cpu_breakpoints_nb;
bool cpu_breakpoint_lookup(uint64_t pc);
static inline bool cpu_breakpoint_test(CPUState *cpu, uint64_t pc)
{
    return unlikely(cpu_breakpoints_nb != 0) && cpu_breakpoint_lookup(pc);
}
/* The i-th breakpoint PC, i < cpu_breakpoints_nb (for accelerators that program them). */
uint64_t cpu_breakpoint_nth(unsigned i);
/* False if the accelerator cannot take one more (KVM: 4 debug registers). */
bool cpu_breakpoint_insert(uint64_t pc);
bool cpu_breakpoint_remove(uint64_t pc);
void cpu_breakpoint_remove_all(void);

/*
 * Watchpoints (gdb Z2 write, Z3 read, Z4 access) on guest virtual
 * addresses, for every vCPU; same locking rule as breakpoints. The softmmu
 * TLB sends accesses to pages holding one through its slow path, which
 * asks cpu_watchpoint_hit() and, on a hit, stops before the access with
 * EXCP_DEBUG.
 */
typedef enum WatchType {
    WATCH_WRITE = 1,
    WATCH_READ = 2,
    WATCH_ACCESS = WATCH_WRITE | WATCH_READ,
} WatchType;
extern unsigned cpu_watchpoints_nb;
bool cpu_watchpoint_on_page(uint64_t page, uint64_t page_size);
/* Does the access hit a watchpoint? Records the hit for the stop reply. */
bool cpu_watchpoint_hit(CPUState *cpu, uint64_t addr, unsigned size, bool is_write);
/* False if the accelerator cannot take it (KVM: no watchpoints). */
bool cpu_watchpoint_insert(uint64_t addr, uint64_t len, WatchType type);
bool cpu_watchpoint_remove(uint64_t addr, uint64_t len, WatchType type);
void cpu_watchpoint_remove_all(void);

/*
 * Empty both lists without telling the accelerator (no retranslation): for
 * a forked linux-user child, which has no debugger and whose other threads,
 * which may have held translator locks at the fork, are gone.
 */
void cpu_debug_forget_all(void);

/*
 * Debugger access to guest memory at virtual address vaddr as the CPU sees
 * it now (CPUClass.get_phys_addr_debug: page tables walked without side
 * effects; identity if the CPU has no such hook). Writes reach ROM too.
 * Returns false if some page is unmapped or not memory.
 */
bool cpu_memory_rw_debug(CPUState *cpu, uint64_t vaddr, void *buf, size_t len,
                         bool is_write);

#endif
