/*
 * Entry of the SBI SMP payload (sbi-smp.c). Every hart comes in here: the
 * boot hart from OpenSBI, the others through sbi_hart_start. a0 = hartid,
 * a1 = opaque; each hart takes an 8 KiB stack by hartid.
 */
    .section .text.entry
    .globl _start
_start:
    la t0, trap_entry
    csrw stvec, t0
    la sp, stacks
    addi t0, a0, 1
    slli t0, t0, 13
    add sp, sp, t0
    call hart_main
1:  wfi
    j 1b

/* Supervisor software interrupt (the IPI) and anything else: s_trap() in C. */
    .align 4
trap_entry:
    addi sp, sp, -128
    .set off, 0
    .irp r, 1,5,6,7,10,11,12,13,14,15,16,17,28,29,30,31
    sd x\r, off(sp)
    .set off, off + 8
    .endr
    call s_trap
    .set off, 0
    .irp r, 1,5,6,7,10,11,12,13,14,15,16,17,28,29,30,31
    ld x\r, off(sp)
    .set off, off + 8
    .endr
    addi sp, sp, 128
    sret
