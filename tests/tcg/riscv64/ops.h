/* Run one instruction on register operands, out of the compiler's sight. */
#ifndef OPS_H
#define OPS_H
#include <stdint.h>

#define RR(insn, a, b) ({ uint64_t _d; \
    __asm__ volatile(insn " %0, %1, %2" : "=r"(_d) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); _d; })
#define RI(insn, a, imm) ({ uint64_t _d; \
    __asm__ volatile(insn " %0, %1, %2" : "=r"(_d) : "r"((uint64_t)(a)), "i"(imm)); _d; })
#define R1(insn, a) ({ uint64_t _d; \
    __asm__ volatile(insn " %0, %1" : "=r"(_d) : "r"((uint64_t)(a))); _d; })

#endif
