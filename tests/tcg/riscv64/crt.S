/* Start-up and trap entry for the bare-metal ISA tests (see test.h). */
#define FRAME_SIZE (33 * 8)

    .section .text.init
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park               /* only hart 0 runs the test */
    la sp, stack_top
    la t0, m_trap_entry
    csrw mtvec, t0
    /* PMP entry 0: all of memory RWX for S and U (spec 3.7) */
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    /* FS = Initial so that F/D work */
    li t0, 1 << 13
    csrs mstatus, t0
    call main
    call test_exit
/* Other harts wait for secondary_entry (test.h), then run it on their own stack. */
park:
    la t1, secondary_entry
1:  ld t2, 0(t1)
    beqz t2, 1b
    la t0, m_trap_entry
    csrw mtvec, t0
    csrr t0, mhartid
    slli t0, t0, 13
    la sp, stack_top
    sub sp, sp, t0              /* 8 KiB of stack per hart */
    jalr t2
2:  wfi
    j 2b

/* Save x1..x31 and the epc, call trap_dispatch(frame, mode), restore. */
.macro TRAP_ENTRY mode, epc, ret
    addi sp, sp, -FRAME_SIZE
    .irp r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\r, (\r * 8)(sp)
    .endr
    addi t0, sp, FRAME_SIZE
    sd t0, 16(sp)
    csrr t0, \epc
    sd t0, 256(sp)
    mv a0, sp
    li a1, \mode
    call trap_dispatch
    ld t0, 256(sp)
    csrw \epc, t0
    .irp r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\r, (\r * 8)(sp)
    .endr
    ld sp, 16(sp)
    \ret
.endm

    .align 6
    .globl m_trap_entry
m_trap_entry:
    TRAP_ENTRY 3, mepc, mret

    .align 6
    .globl s_trap_entry
s_trap_entry:
    TRAP_ENTRY 1, sepc, sret

/* long run_in_mode(int mode, long (*fn)(long), long arg): call fn(arg) in U or S mode. */
    .globl run_in_mode
run_in_mode:
    addi sp, sp, -112
    sd ra, 0(sp)
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11
    sd s\r, (8 + \r * 8)(sp)
    .endr
    la t0, mode_ctx_sp
    sd sp, 0(t0)
    li t0, 3 << 11
    csrc mstatus, t0
    slli t1, a0, 11
    csrs mstatus, t1
    csrw mepc, a1
    mv a0, a2
    li a7, 0                    /* only mode_return's ecall carries the magic */
    la ra, mode_return
    mret
mode_return:
    li a7, 0x7e57               /* back to M: trap_dispatch resumes below */
    ecall
    .globl run_in_mode_resume
run_in_mode_resume:
    la t0, mode_ctx_sp
    ld sp, 0(t0)
    ld ra, 0(sp)
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11
    ld s\r, (8 + \r * 8)(sp)
    .endr
    addi sp, sp, 112
    ret

    .data
    .align 3
    .globl secondary_entry
secondary_entry:
    .dword 0
mode_ctx_sp:
    .dword 0
