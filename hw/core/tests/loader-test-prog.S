/*
 * A bare-metal RISC-V program for test-loader: text, read-only data, data
 * whose load address differs from its run address, and bss. Assembled for
 * rv64 and rv32 by hw/core/meson.build.
 */
    .section .text.start, "ax"
    .globl _start
_start:
    la      a0, data_word
    la      a1, bss_start
1:  j       1b

    .section .rodata
    .globl rodata_magic
rodata_magic:
    .asciz  "Tern loader test: rodata"

    .section .data
    .globl data_word
data_word:
    .quad   0x1122334455667788
    .asciz  "Tern loader test: data"

    .section .bss
    .globl bss_start
bss_start:
    .space  8192
