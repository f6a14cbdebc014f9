/*
 * The translator runtime (accel/tcg): running translated code, unwinding
 * from helpers, invalidating code, and the translator helpers front ends use.
 */
#ifndef EXEC_CPU_EXEC_H
#define EXEC_CPU_EXEC_H

#include "hw/core/cpu.h"
#include "exec/tb.h"
#include "exec/tcg-cpu-ops.h"
#include "exec/cpu-tlb.h"

/* The return address of the current helper: pass to cpu_loop_exit_restore. */
#define GETPC() ((uintptr_t)__builtin_return_address(0))

/*
 * User mode: a helper touching guest memory through a host pointer records
 * its GETPC() around the access, so that a host fault there (the guest page
 * is unmapped or read-only) unwinds to the exact guest instruction: the
 * host fault handler falls back to it when the faulting host pc is not in
 * translated code. Cleared again after the access, and when cpu_exec is
 * re-entered by a longjmp.
 */
extern __thread uintptr_t tcg_user_helper_ra;
static inline void set_helper_retaddr(uintptr_t ra)
{
    tcg_user_helper_ra = ra;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);    /* before the access */
}
static inline void clear_helper_retaddr(void)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);    /* after the access */
    tcg_user_helper_ra = 0;
}

/*
 * One-time set-up. code_size: bytes of code buffer (0: default 256 MiB).
 * user_mode/guest_base: see tcg_set_guest_memory(). ops: the target's hooks.
 */
void tcg_exec_init(const TCGCPUOps *ops, size_t code_size, bool user_mode,
                   uintptr_t guest_base);
/* Per vCPU, once its env (with the embedded CPUTLB) exists. */
void tcg_cpu_init(CPUState *cpu);

/*
 * Run guest code until an exit reason: EXCP_INTERRUPT (exit request/kick),
 * EXCP_HLT, EXCP_DEBUG, ... (include/hw/core/cpu.h). Target exceptions are
 * delivered through do_interrupt and execution continues; in user mode
 * they are returned instead (linux-user handles system calls and faults),
 * with the guest state restored to the faulting instruction.
 */
int cpu_exec(CPUState *cpu);
/* Make cpu_exec return soon (any thread). */
void tcg_cpu_kick(CPUState *cpu);
/*
 * Single-step (gdb): while enabled, cpu_exec runs one guest instruction
 * and returns EXCP_DEBUG. Call on the vCPU's thread or while it is stopped.
 */
void tcg_cpu_set_singlestep(CPUState *cpu, bool enable);

/* Leave the current TB and return to cpu_exec's loop (from helpers). */
G_NORETURN void cpu_loop_exit(CPUState *cpu);
/*
 * Same, first restoring the guest state of the instruction at host retaddr.
 * With cpu->exception_index == -1 the loop simply resumes at that
 * instruction (e.g. after a helper changed how it must be translated).
 */
G_NORETURN void cpu_loop_exit_restore(CPUState *cpu, uintptr_t retaddr);
/* Raise cpu->exception_index = excp from a helper. */
G_NORETURN void cpu_raise_exception_ra(CPUState *cpu, int excp, uintptr_t retaddr);
/* Restore the guest state for host code address retaddr; false if not in a TB. */
bool cpu_restore_state(CPUState *cpu, uintptr_t retaddr);
/*
 * The same for a host signal at host pc (uc: the handler's ucontext_t),
 * also putting back the guest registers then held only in host registers
 * (pinned globals, and the access's TCGFaultMap).
 */
bool cpu_restore_state_from_signal(CPUState *cpu, uintptr_t pc, const void *uc);

/* The CPUState whose env this is (generated code and helpers get env). */
CPUState *env_cpu(void *env);
extern intptr_t tcg_tlb_offset;     /* TCGCPUOps.tlb_offset */
static inline CPUTLB *cpu_tlb(CPUState *cpu)
{
    return (CPUTLB *)((char *)cpu->env_ptr + tcg_tlb_offset);
}

/* Guest physical range [start, end) was written: drop translations of it. */
void tb_invalidate_phys_range(hwaddr start, hwaddr end);
/*
 * User mode has no TLB to catch guest writes to code: linux-user sets this
 * hook, called (with the TB lock held) when a guest page first gets
 * translated code, to write-protect the page; its fault handler then calls
 * tb_invalidate_phys_range() for the page and unprotects it. Guest
 * addresses stand for physical ones in user mode.
 */
extern void (*tcg_user_code_page_hook)(uint64_t guest_page);
/*
 * User mode: an access at a guest address outside the reservation
 * (tcg_set_guest_addr_mask) reached the slow path or the translator.
 * linux-user sets this hook; it raises the guest fault (restoring the
 * guest pc from host return address ra when ra != 0) and does not return.
 */
extern void (*tcg_user_bad_addr_hook)(CPUState *cpu, uint64_t addr, int access_type,
                                      uintptr_t ra);
/*
 * User mode: may the guest execute the page holding addr? Asked before
 * translating from it (a translation outlives the question only until the
 * page's protection changes, which drops it); no means an instruction
 * fetch fault, raised through tcg_user_bad_addr_hook.
 */
extern bool (*tcg_user_exec_hook)(uint64_t addr);

/* Drop every translation (e.g. after changing how code is translated). */
void tb_flush(CPUState *cpu);

/*
 * User mode fork(): tb_fork_prepare() just before it (false: no memory for
 * the child's copy of the translated code), tb_fork_done() just after it, in
 * the parent (also when fork failed) and in the child.
 */
bool tb_fork_prepare(void);
void tb_fork_done(bool child);

/* Translator statistics (for tests and the monitor). */
typedef struct TCGExecStats {
    unsigned tbs;               /* TBs since the last flush */
    unsigned flushes;
    size_t code_used, code_size;
    unsigned code_pages;        /* guest pages holding translated code */
} TCGExecStats;
void tcg_exec_get_stats(TCGExecStats *st);

/* ---- for front ends (translate_block) ---- */

/* May the TB jump directly (goto_tb) to guest pc dest? Same page, chaining on, no breakpoints. */
bool translator_use_goto_tb(const TranslationBlock *tb, uint64_t dest);
/* Fetch code for the TB being translated; records a second page if needed. */
uint8_t translator_ldub(CPUState *cpu, TranslationBlock *tb, uint64_t pc);
uint16_t translator_lduw(CPUState *cpu, TranslationBlock *tb, uint64_t pc);
uint32_t translator_ldl(CPUState *cpu, TranslationBlock *tb, uint64_t pc);
/*
 * Would fetching pc fault? Lets a front end end a TB before an instruction
 * on a page it cannot read (the fault is then raised when that pc runs).
 */
bool translator_page_ok(CPUState *cpu, TranslationBlock *tb, uint64_t pc);

#endif
