/*
 * A minimal bzImage-format test payload: a setup header that passes the
 * boot loader's checks (Documentation/x86/boot.rst, "The Real-Mode Kernel
 * Header"), one setup sector, and a protected-mode part loaded at 1 MiB whose
 * 64-bit entry point (offset 0x200, "64-bit Boot Protocol") calls guest_main
 * with %rsi = struct boot_params.
 */
    .section .head, "ax"
    .code16
setup_start:
    .org 0x1f1
    .byte 1                 /* setup_sects */
    .word 0                 /* root_flags */
    .long 0                 /* syssize */
    .word 0                 /* ram_size */
    .word 0                 /* vid_mode */
    .word 0                 /* root_dev */
    .word 0xaa55            /* boot_flag */
    .byte 0xeb, 0x66        /* jump: 0x202 + 0x66 = end of the header (0x268) */
    .ascii "HdrS"
    .word 0x020f            /* protocol 2.15 */
    .long 0                 /* realmode_swtch */
    .word 0                 /* start_sys_seg */
    .word 0                 /* kernel_version */
    .byte 0                 /* type_of_loader */
    .byte 0x01              /* loadflags: LOADED_HIGH */
    .word 0                 /* setup_move_size */
    .long 0x100000          /* code32_start */
    .long 0                 /* ramdisk_image */
    .long 0                 /* ramdisk_size */
    .long 0                 /* bootsect_kludge */
    .word 0                 /* heap_end_ptr */
    .byte 0                 /* ext_loader_ver */
    .byte 0                 /* ext_loader_type */
    .long 0                 /* cmd_line_ptr */
    .long 0x37ffffff        /* initrd_addr_max */
    .long 0x200000          /* kernel_alignment */
    .byte 0                 /* relocatable_kernel */
    .byte 0                 /* min_alignment */
    .word 0x0001            /* xloadflags: XLF_KERNEL_64 */
    .long 2047              /* cmdline_size */
    .long 0                 /* hardware_subarch */
    .quad 0                 /* hardware_subarch_data */
    .long 0                 /* payload_offset */
    .long 0                 /* payload_length */
    .quad 0                 /* setup_data */
    .quad 0x100000          /* pref_address */
    .long 0x400000          /* init_size: 4 MiB from 1 MiB */
    .long 0                 /* handover_offset */
    .long 0                 /* kernel_info_offset */
header_end:            /* must be 0x268 */
    .org 0x400              /* end of the setup sectors: 1 MiB in guest memory */

    /* 32-bit entry (code32_start): not used by Tern, which takes the 64-bit entry */
    .code32
    hlt
    .org 0x600              /* 1 MiB + 0x200: startup_64 */
    .code64
    .globl startup_64
startup_64:
    lea stack_top(%rip), %rsp
    mov %rsi, %rdi
    call guest_main
1:  cli
    hlt
    jmp 1b

    /* AP trampoline, copied to 0x8000 by the SMP test: real mode, CS = 0x800 */
    .code16
    .globl ap_trampoline, ap_trampoline_end
ap_trampoline:
    mov $0x800, %ax
    mov %ax, %ds
2:  incl (0x100)            /* 0x8100: the AP's heartbeat counter */
    jmp 2b
ap_trampoline_end:

    .code64
    /* Interrupt entry points: count into irq_count[vector - 0x40] and EOI the LAPIC. */
    .globl isr_40, isr_41, isr_42
/* vector 0x42: a level-triggered device line; the C handler silences the device */
isr_42:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    call virtio_isr
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    iretq
isr_40:
    push %rax
    lock incl irq_count(%rip)
    jmp isr_common
isr_41:
    push %rax
    lock incl irq_count+4(%rip)
isr_common:
    mov $0xfee000b0, %eax   /* LAPIC EOI */
    movl $0, (%rax)
    pop %rax
    iretq

    .bss
    .align 16
    .space 16384
stack_top:
