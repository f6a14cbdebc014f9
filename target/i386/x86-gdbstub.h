/* gdb stub hooks of the x86-64 CPU (target/i386/gdbstub.c), for cpu.c's CPUClass. */
#ifndef TARGET_I386_X86_GDBSTUB_H
#define TARGET_I386_X86_GDBSTUB_H

#include "hw/core/cpu.h"

#define X86_GDB_CORE_REGS 24     /* the 'g' packet: up to gs */

int x86_gdb_read_register(CPUState *cs, GByteArray *buf, int reg);
int x86_gdb_write_register(CPUState *cs, uint8_t *buf, int reg);
bool x86_get_phys_addr_debug(CPUState *cs, uint64_t vaddr, hwaddr *paddr);

#endif
