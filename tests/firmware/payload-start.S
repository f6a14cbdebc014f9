/* Entry of the boot-test payload: a0 = hart id, a1 = device tree. Other harts park. */
    .section .text.start
    .globl _start
_start:
    bnez    a0, 1f
    la      sp, stack_top
    j       payload_main
1:  wfi
    j       1b
