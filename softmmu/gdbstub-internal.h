/* Shared between the gdb stub's files (softmmu/gdbstub*.c). */
#ifndef SOFTMMU_GDBSTUB_INTERNAL_H
#define SOFTMMU_GDBSTUB_INTERNAL_H

#include "hw/core/cpu.h"

/* target.xml for the CPU class (g_free it), or NULL if the stub has none. */
char *gdb_target_xml(const CPUClass *cc);

#endif
