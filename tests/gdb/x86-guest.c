/*
 * The gdb stub's x86-64 KVM guest: a bzImage (tests/kvm/guest-head.S calls
 * guest_main at 1 MiB + 0x200) that counts with add_one() and powers off;
 * the exit status is 0 (ACPI S5).
 */
#include <stdint.h>

#define POWER_PORT 0x600        /* microvm's ACPI sleep control */

volatile uint64_t counter;
/* used by the interrupt entry points of guest-head.S */
__attribute__((section(".data"))) volatile uint32_t irq_count[2];

void virtio_isr(void);
void guest_main(void *boot_params);

void virtio_isr(void)
{
}

__attribute__((noinline)) uint64_t add_one(uint64_t x)
{
    return x + 1;
}

void guest_main(__attribute__((unused)) void *boot_params)
{
    for (int i = 0; i < 10; i++) {
        counter = add_one(counter);
    }
    /* SLP_TYP = 5 (\_S5), SLP_EN */
    __asm__ volatile("outb %0, %1" :: "a"((uint8_t)((5 << 2) | 0x20)), "Nd"((uint16_t)POWER_PORT));
    for (;;) {
        __asm__ volatile("hlt");
    }
}
