/*
 * SiFive test finisher (hw/misc/sifive_test.c), at 0x100000 on the RISC-V
 * virt board: a 32-bit write to offset 0 ends the machine. The low 16 bits
 * say how: 0x5555 pass (power off, exit status 0), 0x3333 fail (exit status
 * = the high 16 bits), 0x7777 reset. Device type "sifive_test".
 */
#ifndef HW_MISC_SIFIVE_TEST_H
#define HW_MISC_SIFIVE_TEST_H

#include "hw/qdev.h"

#define TYPE_SIFIVE_TEST "sifive_test"

#define SIFIVE_TEST_FAIL  0x3333
#define SIFIVE_TEST_PASS  0x5555
#define SIFIVE_TEST_RESET 0x7777

typedef struct SiFiveTestState {
    DeviceState parent_obj;
    MemoryRegion mmio;
} SiFiveTestState;

DeviceState *sifive_test_create(hwaddr addr);

#endif
