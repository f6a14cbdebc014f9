/*
 * The QEMU side of bench/kvm-exits: the same exit loop as test=exits in
 * tests/kvm/guest.c (byte writes to the 16550's scratch register, 32-bit
 * reads of the first virtio-mmio transport's MagicValue, then QueueNotify
 * writes to the virtio-rng device), as a PVH ELF that qemu-system-x86_64
 * -M microvm -kernel enters in 32-bit protected mode (Xen PVH ABI:
 * XEN_ELFNOTE_PHYS32_ENTRY); it switches to long mode first, where Tern's
 * payload runs. QEMU's microvm has 24 transports and plugs the
 * first -device into the last one (0xfeb02e00); run it with
 * -global virtio-mmio.force-legacy=off for the version 2 interface Tern has.
 * Ends through isa-debug-exit at 0xf4 with 0 (QEMU's exit status 1), or with
 * 1 (status 3) when that transport is not a version 2 virtio-rng.
 */
#ifndef PIO_EXITS
#define PIO_EXITS 100000
#endif
#ifndef MMIO_EXITS
#define MMIO_EXITS 100000
#endif
#ifndef NOTIFY_EXITS
#define NOTIFY_EXITS 0
#endif

#define VIRTIO      0xfeb00000      /* the first transport */
#define VIRTIO_RNG  0xfeb02e00      /* where QEMU puts the first -device */
#define RINGS       0x200000        /* RAM, zero at start: an empty queue */
#define PML4        0x10000
#define PDPT        0x11000
#define PD          0x12000         /* four: 0x12000-0x15fff */

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
    /*
     * Long mode with the page tables Tern's 64-bit boot protocol gives its
     * payload (an identity map of 0-4 GiB in 2 MiB pages: PML4 -> PDPT ->
     * four PDs), so that KVM walks the same tables when it emulates the
     * MMIO instructions (SDM vol. 3A, 9.8.5 Initializing IA-32e Mode).
     */
    movl $PDPT + 3, PML4                /* present, writable */
    movl $0, PML4 + 4
    mov $PDPT, %edi
    mov $PD + 3, %eax
    mov $4, %ecx
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $0x1000, %eax
    add $8, %edi
    loop 1b
    mov $PD, %edi
    mov $0x83, %eax                     /* present, writable, 2 MiB page */
    xor %edx, %edx
    mov $2048, %ecx
2:  mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $0x200000, %eax
    adc $0, %edx
    add $8, %edi
    loop 2b
    lgdt gdt_desc
    mov %cr4, %eax
    or $0x20, %eax                      /* PAE */
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx               /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax                /* PG */
    mov %eax, %cr0
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x3ff, %dx
    mov $PIO_EXITS, %ecx
    test %ecx, %ecx
    jz 2f
1:  outb %al, (%dx)
    dec %ecx
    jnz 1b
2:  mov $MMIO_EXITS, %ecx
    mov $VIRTIO, %esi
    test %ecx, %ecx
    jz 4f
3:  movl (%rsi), %eax
    dec %ecx
    jnz 3b
4:  mov $NOTIFY_EXITS, %ecx
    test %ecx, %ecx
    jz 6f
    /* virtio 1.2, 3.1.1: VERSION_1 only, queue 0 of 8 entries, DRIVER_OK */
    mov $VIRTIO_RNG, %ebx
    mov $1, %eax                    /* the exit code if the checks fail */
    cmpl $2, 0x04(%rbx)             /* Version */
    jne 7f
    cmpl $4, 0x08(%rbx)             /* DeviceID: entropy */
    jne 7f
    movl $0, 0x70(%rbx)             /* Status: reset */
    movl $3, 0x70(%rbx)             /* ACKNOWLEDGE | DRIVER */
    movl $1, 0x24(%rbx)
    movl $1, 0x20(%rbx)             /* DriverFeatures word 1: VERSION_1 */
    movl $0, 0x24(%rbx)
    movl $0, 0x20(%rbx)
    movl $11, 0x70(%rbx)            /* | FEATURES_OK */
    movl $0, 0x30(%rbx)             /* QueueSel */
    movl $8, 0x38(%rbx)             /* QueueNum */
    movl $RINGS, 0x80(%rbx)         /* QueueDesc */
    movl $0, 0x84(%rbx)
    movl $RINGS + 0x100, 0x90(%rbx) /* QueueDriver */
    movl $0, 0x94(%rbx)
    movl $RINGS + 0x200, 0xa0(%rbx) /* QueueDevice */
    movl $0, 0xa4(%rbx)
    movl $1, 0x44(%rbx)             /* QueueReady */
    movl $15, 0x70(%rbx)            /* | DRIVER_OK */
5:  movl $0, 0x50(%rbx)             /* QueueNotify 0 */
    dec %ecx
    jnz 5b
6:  xor %eax, %eax
7:  mov $0xf4, %dx
    outb %al, (%dx)
8:  hlt
    jmp 8b

    .section .rodata
    .align 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt
