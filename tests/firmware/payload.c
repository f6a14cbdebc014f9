/*
 * A tiny next-stage program for the firmware boot tests. Built as an S-mode
 * payload (OpenSBI's next stage: console and poweroff through SBI calls) or,
 * with -DMMODE, as a bare-metal M-mode program (-bios none -kernel prog.elf:
 * drives the UART and the test finisher itself). It prints what it was
 * given in a0/a1, checks that a1 points at a device tree, and powers off
 * (or, built with -DEXIT_CODE=n, ends the emulator with exit status n).
 */
#include <stdint.h>

#define FDT_MAGIC_LE 0xedfe0dd0u    /* 0xd00dfeed stored big-endian */

#ifdef MMODE
#define UART ((volatile uint8_t *)0x10000000)
#define UART_LSR_THRE 0x20
#define FINISHER ((volatile uint32_t *)0x100000)

static void put_char(char c)
{
    while (!(UART[5] & UART_LSR_THRE)) {
    }
    UART[0] = c;
}

static void finish(unsigned code)
{
    *FINISHER = code ? (code << 16) | 0x3333 : 0x5555;
    for (;;) {
    }
}
#else
static long sbi_call(long ext, long fid, long arg0, long arg1)
{
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = arg1;
    register long a6 __asm__("a6") = fid;
    register long a7 __asm__("a7") = ext;

    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    return a0;
}

static void put_char(char c)
{
    sbi_call(0x01, 0, c, 0);                /* legacy console_putchar */
}

static void finish(unsigned code)
{
    /* SRST extension: system_reset(shutdown, no reason / system failure) */
    sbi_call(0x53525354, 0, 0, code ? 1 : 0);
    for (;;) {
    }
}
#endif

static void put_str(const char *s)
{
    while (*s) {
        put_char(*s++);
    }
}

static void put_hex(uint64_t v)
{
    put_str("0x");
    for (int shift = 60; shift >= 0; shift -= 4) {
        put_char("0123456789abcdef"[(v >> shift) & 0xf]);
    }
}

void payload_main(uint64_t hartid, uint64_t fdt)
{
    put_str("\nPAYLOAD hart=");
    put_hex(hartid);
    put_str(" fdt=");
    put_hex(fdt);
    put_str("\n");
    if (fdt && *(volatile uint32_t *)fdt == FDT_MAGIC_LE) {
        put_str("PAYLOAD-OK\n");
#ifdef EXIT_CODE
        finish(EXIT_CODE);      /* tests the finisher's FAIL status path */
#endif
        finish(0);
    }
    put_str("PAYLOAD-BADFDT\n");
    finish(3);
}
