/*
 * The gdb stub tests' guest: bare-metal RV64 on the virt board. It exits
 * through the SiFive test finisher with a status that is 0 unless a debugger
 * changed its registers or memory.
 */
#include <stdint.h>

#define FINISHER ((volatile uint32_t *)0x100000)

volatile uint64_t counter;
/* changed by an AMO only (watchpoint test); on a page without code, whose
 * stores would take the slow path anyway */
uint64_t amo_counter __attribute__((aligned(4096)));
volatile uint64_t scratch[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };

__attribute__((noinline)) uint64_t add_one(uint64_t x)
{
    return x + 1;
}

__attribute__((noinline, noreturn)) void finish(uint32_t code)
{
    *FINISHER = code ? code << 16 | 0x3333 : 0x5555;
    for (;;) {
    }
}

/* The Ctrl-C test parks the hart here. */
__attribute__((noinline, noreturn)) void spin(void)
{
    for (;;) {
        counter++;
    }
}

/* The step-into-a-trap test: the debugger points mtvec at trap_handler. */
__attribute__((naked)) void trap_insn(void)
{
    __asm__ volatile("ecall");
}

__attribute__((naked, aligned(4))) void trap_handler(void)
{
    __asm__ volatile("nop\n1: j 1b");
}

int main(void)
{
    for (int i = 0; i < 10; i++) {
        counter = add_one(counter);
    }
    __atomic_fetch_add(&amo_counter, 1, __ATOMIC_SEQ_CST);
    finish(scratch[0] - 0x1111 + counter - 10);
}
