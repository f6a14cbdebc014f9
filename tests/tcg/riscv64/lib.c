/* Harness implementation: see test.h. */
#include "test.h"

#define UART ((volatile uint8_t *)0x10000000)
#define FINISHER ((volatile uint32_t *)0x100000)

volatile TrapRecord last_trap;
bool (*trap_hook)(Frame *f, uint64_t cause, uint64_t tval, int mode);

static void putch(char c)
{
    while (!(UART[5] & 0x20)) {
    }
    UART[0] = c;
}

void putstr(const char *s)
{
    while (*s) {
        putch(*s++);
    }
}

void puthex(uint64_t v)
{
    putstr("0x");
    for (int i = 60; i >= 0; i -= 4) {
        putch("0123456789abcdef"[(v >> i) & 15]);
    }
}

void test_exit(int code)
{
    if (code == 0) {
        putstr("PASS\n");
        *FINISHER = 0x5555;
    } else {
        putstr("FAIL\n");
        *FINISHER = ((uint32_t)code << 16) | 0x3333;
    }
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void fail(const char *file, int line, const char *what, uint64_t a, uint64_t b)
{
    putstr(file);
    putstr(":");
    char buf[12];
    int n = 0;
    for (int l = line; l; l /= 10) {
        buf[n++] = '0' + l % 10;
    }
    while (n) {
        putch(buf[--n]);
    }
    putstr(": check failed: ");
    putstr(what);
    putstr(" (");
    puthex(a);
    putstr(" vs ");
    puthex(b);
    putstr(")\n");
    test_exit(line);
}

void trap_dispatch(Frame *f, int mode)
{
    uint64_t cause = mode == PRV_M ? csr_read(mcause) : csr_read(scause);
    uint64_t tval = mode == PRV_M ? csr_read(mtval) : csr_read(stval);

    /* run_in_mode's return path: an ecall with the magic a7 */
    if (mode == PRV_M && (cause == 8 || cause == 9) && f->x[17] == 0x7e57) {
        extern char run_in_mode_resume[];
        f->epc = (uint64_t)run_in_mode_resume;
        csr_set(mstatus, MSTATUS_MPP);
        return;
    }
    if (mode == PRV_S && cause == 8 && f->x[17] == 0x7e57) {
        /* ecall from U delegated to S: pass the return to M with a0 = fn's result */
        register uint64_t a0 __asm__("a0") = f->x[10];
        register uint64_t a7 __asm__("a7") = 0x7e57;
        __asm__ volatile("ecall" :: "r"(a0), "r"(a7));
    }
    last_trap.cause = cause;
    last_trap.tval = tval;
    last_trap.epc = f->epc;
    last_trap.mode = mode;
    last_trap.count++;
    if (trap_hook && trap_hook(f, cause, tval, mode)) {
        return;
    }
    if ((int64_t)cause < 0) {
        fail(__FILE__, __LINE__, "unexpected interrupt", cause, f->epc);
    }
    if (cause == 1 || cause == 12) {
        /* instruction fetch fault: tests reach such code with a call; return */
        f->epc = f->x[1];
        return;
    }
    /* skip the faulting instruction (16 or 32 bits) */
    f->epc += (*(volatile uint16_t *)f->epc & 3) == 3 ? 4 : 2;
}
