/*
 * The gdb stub's protocol core (softmmu/gdbstub-proto.c), shared by the
 * system-mode stub (softmmu/gdbstub.c: chardev on the main loop, vCPUs
 * paused as a whole) and the linux-user stub (linux-user/gdbstub.c: a
 * blocking socket served by the guest thread that stopped). The core
 * parses packets and answers the commands (registers, memory, breakpoints,
 * queries, thread selection); the mode supplies the transport, guest memory
 * access, thread ids and what resuming, detaching and killing mean.
 * One debugger per process: the core keeps a single connection's state.
 */
#ifndef SYSEMU_GDBSTUB_PROTO_H
#define SYSEMU_GDBSTUB_PROTO_H

#include "hw/core/cpu.h"

/* gdb's signal numbers (gdb/signals.def) the stubs use themselves */
#define GDB_SIGNAL_INT  2
#define GDB_SIGNAL_TRAP 5

typedef struct GdbStubOps {
    /* Send bytes to the debugger (a whole framed packet or an ack). */
    void (*write)(const void *buf, size_t len);
    /* Debugger access to guest virtual memory; false if any byte is not accessible. */
    bool (*memory_rw)(CPUState *cpu, uint64_t addr, void *buf, size_t len, bool is_write);
    /* The gdb thread id of cpu (> 0), or 0 if it is not a live thread. */
    int (*thread_id)(CPUState *cpu);
    /* qThreadExtraInfo text (g_free'd by the caller). */
    char *(*thread_info)(CPUState *cpu);
    /*
     * Let the guest run: the core has set the single-step flag of step_cpu
     * (NULL: none steps); only_cpu: gdb wants only this thread to run,
     * the others to stay stopped (s, vCont;s:TID, vCont;c:TID). sig (gdb
     * numbering, 0 = none) is the signal gdb asks the stopped thread to take
     * (C sig, vCont;C). The system stub runs every vCPU and has no signals
     * to deliver.
     */
    void (*resume)(CPUState *step_cpu, CPUState *only_cpu, int sig);
    /* 0x03 from the debugger while the guest runs (NULL: not supported). */
    void (*interrupt)(CPUState *c_cpu);
    /* After D (or the debugger going away): breakpoints are gone; run on. */
    void (*detach)(void);
    /* k: end the program. */
    void (*kill)(void);
    /* qRcmd: a monitor command's output (g_free'd), NULL: no monitor. */
    char *(*monitor)(const char *cmd);
    /* Z2/Z3/Z4 are offered (the accelerator reports watchpoint hits). */
    bool watchpoints;
} GdbStubOps;

/* Once, before anything else: the mode's hooks and the CPU class for target.xml. */
void gdb_proto_init(const GdbStubOps *ops, const CPUClass *cc);
/* A debugger connected: a fresh session, stopped, with cpu selected. */
void gdb_proto_connect(CPUState *cpu);
bool gdb_proto_connected(void);
/* Resumed by c/s/vCont and owing gdb a stop reply? */
bool gdb_proto_running(void);
/* Bytes from the debugger: answers packets, may call ops->resume and friends. */
void gdb_proto_input(const uint8_t *buf, size_t len);
/*
 * The guest stopped on cpu with gdb signal sig: every single step is
 * cancelled and, if gdb resumed it, gdb gets the stop reply.
 */
void gdb_proto_stopped(CPUState *cpu, int sig);
/* The debugger went away without D: as D, without the reply. */
void gdb_proto_disconnected(void);
/* The program ended: W code (exited) or X sig (killed, gdb numbering). */
void gdb_proto_exited(char how, int code);

#endif
