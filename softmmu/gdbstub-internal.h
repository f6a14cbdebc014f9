/* Shared between the gdb stub's files (softmmu/gdbstub*.c). */
#ifndef SOFTMMU_GDBSTUB_INTERNAL_H
#define SOFTMMU_GDBSTUB_INTERNAL_H

#include "hw/core/cpu.h"
#include "sysemu/gdbstub.h"

/* target.xml for the CPU class (g_free it), or NULL if the stub has none. */
char *gdb_target_xml(const CPUClass *cc);

/*
 * gdbstub-breakpoints.c: the last watchpoint hit, if cpu made it (for the
 * stop reply), and forgetting it once reported.
 */
bool cpu_watchpoint_last_hit(CPUState *cpu, uint64_t *addr, WatchType *type);
void cpu_watchpoint_clear_hit(void);

#endif
