/*
 * The execution loop: find or translate the TB for the current guest state,
 * chain it to the previous one, run it, and handle what made it return
 * (exceptions, interrupts, exit requests). Helpers unwind back here with
 * siglongjmp (cpu_loop_exit).
 */
#include "tern/osdep.h"
#include <sys/mman.h>
#include "internal.h"
#include "tcg/tcg.h"
#include "sysemu/gdbstub.h"

void tcg_cpu_init(CPUState *cpu)
{
    CPUTLB *tlb;

    if (cpu->tcg) {
        return;
    }
    cpu->tcg = g_new0(TCGCPUState, 1);
    tlb = cpu_tlb(cpu);
    tlb->cpu = cpu;
    tlb->jmp_cache = &cpu_tcg(cpu)->jc;
    if (!tcg_ctx->user_mode) {
        /* indirect-jump slots of this vCPU (epoch 0: none valid yet) */
        size_t size = tcg_ctx->jmp_slot_count * sizeof(TBJmpSlot);
        tlb->jmp_cache->slots = mmap(NULL, size, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (tlb->jmp_cache->slots == MAP_FAILED) {
            error_exit("tcg: cannot map %zu bytes of jump slots: %s", size, strerror(errno));
        }
        tlb->jmp_cache->slot_epoch = 1;
    }
    tlb->exit_request = 0;
    for (int i = 0; i < CPU_TLB_NB_MMU; i++) {
        tlb->d[i].dirty = true;     /* the tables start out unknown */
    }
    tlb_flush(cpu);
    cpu->exception_index = -1;
}

void tcg_cpu_set_singlestep(CPUState *cpu, bool enable)
{
    cpu_tcg(cpu)->singlestep = enable;
}

void tcg_cpu_kick(CPUState *cpu)
{
    __atomic_store_n(&cpu_tlb(cpu)->exit_request, 1, __ATOMIC_SEQ_CST);
}

void cpu_loop_exit(CPUState *cpu)
{
    siglongjmp(cpu_tcg(cpu)->jmp_env, 1);
}

void cpu_loop_exit_restore(CPUState *cpu, uintptr_t retaddr)
{
    if (retaddr) {
        cpu_restore_state(cpu, retaddr);
    }
    cpu_loop_exit(cpu);
}

void cpu_raise_exception_ra(CPUState *cpu, int excp, uintptr_t retaddr)
{
    cpu->exception_index = excp;
    cpu_loop_exit_restore(cpu, retaddr);
}

/*
 * Indirect jumps (lookup_and_goto_ptr): the host code of the TB for the
 * current state, or the epilogue (return to the loop) if it is not
 * translated yet or its code page is not in the TLB.
 */
const void *helper_lookup_tb_ptr(void *env)
{
    CPUState *cpu = env_cpu(env);
    TranslationBlock *tb;
    uint64_t pc;
    uint32_t flags;

    if (cpu_tcg(cpu)->singlestep) {
        return tcg_ctx->goto_ptr_return;     /* one instruction per cpu_exec */
    }
    tcg_cpu_ops->get_tb_cpu_state(cpu, &pc, &flags);
    if (cpu_breakpoint_test(cpu, pc)) {
        return tcg_ctx->goto_ptr_return;     /* the loop stops there */
    }
    tb = tb_lookup(cpu, pc, flags, false);
    if (!tb) {
        return tcg_ctx->goto_ptr_return;
    }
    if (tern_log_enabled(LOG_EXEC)) {
        tern_log("Trace %d: %p [%016" PRIx64 "/%08x] (indirect)\n",
                 cpu->cpu_index, (void *)tb->tc.ptr, pc, flags);
    }
    return tb->tc.ptr;
}

/* Returns true (with *ret) when cpu_exec must return to its caller. */
static bool cpu_handle_exception(CPUState *cpu, int *ret)
{
    if (cpu->exception_index < 0) {
        return false;
    }
    /* user mode: linux-user handles target exceptions (system calls, faults) */
    if (cpu->exception_index >= EXCP_INTERRUPT || tcg_ctx->user_mode) {
        *ret = cpu->exception_index;
        cpu->exception_index = -1;
        return true;
    }
    if (tern_log_enabled(LOG_INT)) {
        tern_log("exception %d on cpu %d\n", cpu->exception_index, cpu->cpu_index);
    }
    tcg_cpu_ops->do_interrupt(cpu);
    cpu->exception_index = -1;
    if (cpu_tcg(cpu)->singlestep) {
        /* gdb: a step that traps ends at the handler's first instruction */
        *ret = EXCP_DEBUG;
        return true;
    }
    return false;
}

static bool cpu_handle_interrupt(CPUState *cpu, TranslationBlock **last_tb)
{
    uint32_t req = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_ACQUIRE);
    uint32_t flush = __atomic_exchange_n(&cpu_tcg(cpu)->pending_flush, 0, __ATOMIC_SEQ_CST);
    CPUTLB *tlb = cpu_tlb(cpu);

    if (flush) {
        tlb_flush_by_mmuidx(cpu, flush);   /* requested by another vCPU */
        *last_tb = NULL;
    }

    /* gdb single step: interrupts stay pending until the step is done */
    if (req && !cpu_tcg(cpu)->singlestep) {
        if (req & CPU_INTERRUPT_HALT) {
            cpu_reset_interrupt(cpu, CPU_INTERRUPT_HALT);
            cpu->halted = true;
            cpu->exception_index = EXCP_HLT;
            return true;
        }
        if (tcg_cpu_ops->cpu_exec_interrupt(cpu, req)) {
            *last_tb = NULL;
        }
        if (req & CPU_INTERRUPT_EXITTB) {
            cpu_reset_interrupt(cpu, CPU_INTERRUPT_EXITTB);
            *last_tb = NULL;
        }
        if (cpu->exception_index >= 0) {
            return true;
        }
    }
    if (__atomic_load_n(&tlb->exit_request, __ATOMIC_ACQUIRE) ||
        __atomic_load_n(&cpu->exit_request, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&tlb->exit_request, 0, __ATOMIC_SEQ_CST);
        if (cpu->exception_index < 0) {
            cpu->exception_index = EXCP_INTERRUPT;
        }
        return true;
    }
    return false;
}

static void cpu_exec_tb(CPUState *cpu, TranslationBlock *tb,
                        TranslationBlock **last_tb, int *tb_exit)
{
    uintptr_t ret;
    TranslationBlock *last;

    if (tern_log_enabled(LOG_EXEC)) {
        tern_log("Trace %d: %p [%016" PRIx64 "/%08x]\n",
                 cpu->cpu_index, (void *)tb->tc.ptr, tb->pc, tb->flags);
    }
    if (tern_log_enabled(LOG_CPU) && cpu->cc->dump_state) {
        cpu->cc->dump_state(cpu, log_file());
    }
    ret = tcg_qemu_tb_exec(cpu->env_ptr, tb->tc.ptr);
    last = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
    *tb_exit = ret & TB_EXIT_MASK;
    if (*tb_exit == TB_EXIT_REQUESTED) {
        /* left at the entry of `last`, before its first instruction */
        if (cpu->cc->set_pc) {
            cpu->cc->set_pc(cpu, last->pc);
        }
        *last_tb = NULL;
    } else {
        *last_tb = last;
    }
}

int cpu_exec(CPUState *cpu)
{
    int ret = 0;

    if (cpu->halted) {
        if (!cpu->cc->has_work || !cpu->cc->has_work(cpu)) {
            return EXCP_HALTED;
        }
        cpu->halted = false;
    }
    /*
     * Kicks that arrived while we were outside cpu_exec are stale unless
     * the generic loop still has exit_request set (it clears that flag
     * before calling us, so a later kick sets both).
     */
    __atomic_store_n(&cpu_tlb(cpu)->exit_request,
                     __atomic_load_n(&cpu->exit_request, __ATOMIC_ACQUIRE), __ATOMIC_SEQ_CST);
    tcg_exec_enter();
    if (tcg_cpu_ops->cpu_exec_enter) {
        tcg_cpu_ops->cpu_exec_enter(cpu);
    }
    if (sigsetjmp(cpu_tcg(cpu)->jmp_env, 0) != 0) {
        /* Unwound from a helper or the slow path: drop what it held. */
        tb_unlock_after_longjmp();
    }
    while (!cpu_handle_exception(cpu, &ret)) {
        TranslationBlock *last_tb = NULL;
        int tb_exit = 0;

        while (!cpu_handle_interrupt(cpu, &last_tb)) {
            TranslationBlock *tb;
            uint64_t pc;
            uint32_t flags;
            unsigned flushes = tb_flush_count;

            tcg_cpu_ops->get_tb_cpu_state(cpu, &pc, &flags);
            if (cpu_breakpoint_test(cpu, pc) && !cpu_tcg(cpu)->singlestep) {
                /* translators end TBs before breakpoints: they stop here */
                cpu->exception_index = EXCP_DEBUG;
                break;
            }
            if (cpu_tcg(cpu)->singlestep) {
                /* one instruction, translated for this step only */
                tb = tb_gen_code(cpu, pc, flags, 1 | CF_NOCHAIN | CF_NOCACHE);
                cpu_exec_tb(cpu, tb, &last_tb, &tb_exit);
                if (cpu->exception_index < 0) {
                    cpu->exception_index = EXCP_DEBUG;
                }
                break;
            }
            tb = tb_lookup(cpu, pc, flags, true);
            if (!tb) {
                tb = tb_gen_code(cpu, pc, flags, 0);
                if (flushes != tb_flush_count) {
                    last_tb = NULL;     /* freed by a flush */
                }
            }
            if (last_tb && !tern_log_enabled(LOG_NOCHAIN)) {
                tb_add_jump(last_tb, tb_exit, tb);
            }
            cpu_exec_tb(cpu, tb, &last_tb, &tb_exit);
        }
    }
    if (tcg_cpu_ops->cpu_exec_exit) {
        tcg_cpu_ops->cpu_exec_exit(cpu);
    }
    tcg_exec_leave();
    return ret;
}
