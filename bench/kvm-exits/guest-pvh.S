/*
 * The QEMU side of bench/kvm-exits: the same exit loop as test=exits in
 * tests/kvm/guest.c (byte writes to the 16550's scratch register, 32-bit
 * reads of the first virtio-mmio transport's MagicValue), as a PVH ELF that
 * qemu-system-x86_64 -M microvm -kernel enters in 32-bit protected mode
 * (Xen PVH ABI: XEN_ELFNOTE_PHYS32_ENTRY). Ends through isa-debug-exit at 0xf4.
 */
#ifndef PIO_EXITS
#define PIO_EXITS 100000
#endif
#ifndef MMIO_EXITS
#define MMIO_EXITS 100000
#endif

    .section .note.pvh, "a"
    .align 4
    .long 4                 /* namesz */
    .long 4                 /* descsz */
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start

    .text
    .code32
    .globl _start
_start:
    cli
    mov $0x3ff, %dx
    mov $PIO_EXITS, %ecx
    jecxz 2f
1:  outb %al, (%dx)
    dec %ecx
    jnz 1b
2:  mov $MMIO_EXITS, %ecx
    jecxz 4f
3:  movl 0xfeb00000, %eax
    dec %ecx
    jnz 3b
4:
    mov $0xf4, %dx
    xor %eax, %eax
    outb %al, (%dx)
5:  hlt
    jmp 5b
