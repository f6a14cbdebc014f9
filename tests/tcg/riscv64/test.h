/*
 * Tiny bare-metal harness for the ISA tests: UART output (NS16550A at
 * 0x10000000), pass/fail through the virt test finisher (0x100000: 0x5555 =
 * pass, code << 16 | 0x3333 = fail), trap recording, and mode switching.
 */
#ifndef TEST_H
#define TEST_H

#include <stdint.h>
#include <stdbool.h>

typedef struct Frame {
    uint64_t x[32];
    uint64_t epc;
} Frame;

typedef struct TrapRecord {
    uint64_t cause, tval, epc;
    int mode;          /* 3: taken in M, 1: taken in S */
    int count;
} TrapRecord;

extern volatile TrapRecord last_trap;
/* Optional per-test hook: return true if it handled the trap (default: record + skip). */
extern bool (*trap_hook)(Frame *f, uint64_t cause, uint64_t tval, int mode);

void putstr(const char *s);
void puthex(uint64_t v);
void test_exit(int code) __attribute__((noreturn));
void fail(const char *file, int line, const char *what, uint64_t a, uint64_t b)
    __attribute__((noreturn));
long run_in_mode(int mode, long (*fn)(long), long arg);

extern char free_mem[];
/* Harts other than 0 call this once it is set (tests run with -smp). */
extern void (*volatile secondary_entry)(void);
extern void m_trap_entry(void);
extern void s_trap_entry(void);

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define CHECK(c) do { if (!(c)) fail(__FILE__, __LINE__, #c, 0, 0); } while (0)
#define CHECK_EQ(a, b) do {                                                         \
        uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                            \
        if (_a != _b) fail(__FILE__, __LINE__, #a " == " #b, _a, _b);               \
    } while (0)

/* Run stmt; it must trap exactly once with cause and tval. */
#define CHECK_TRAP(stmt, cause_, tval_) do {                                        \
        int _n = last_trap.count;                                                   \
        stmt;                                                                       \
        CHECK_EQ(last_trap.count, _n + 1);                                          \
        CHECK_EQ(last_trap.cause, cause_);                                          \
        CHECK_EQ(last_trap.tval, tval_);                                            \
    } while (0)
#define CHECK_NO_TRAP(stmt) do {                                                    \
        int _n = last_trap.count;                                                   \
        stmt;                                                                       \
        CHECK_EQ(last_trap.count, _n);                                              \
    } while (0)

#define csr_read(csr) ({ uint64_t _v; __asm__ volatile("csrr %0, " #csr : "=r"(_v)); _v; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)))
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" :: "r"((uint64_t)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "r"((uint64_t)(v)))

#define MSTATUS_SIE (1ul << 1)
#define MSTATUS_MIE (1ul << 3)
#define MSTATUS_SPP (1ul << 8)
#define MSTATUS_MPP (3ul << 11)
#define MSTATUS_FS (3ul << 13)
#define MSTATUS_MPRV (1ul << 17)
#define MSTATUS_SUM (1ul << 18)
#define MSTATUS_MXR (1ul << 19)
#define MSTATUS_TVM (1ul << 20)
#define MSTATUS_TW (1ul << 21)
#define MSTATUS_TSR (1ul << 22)

#endif
