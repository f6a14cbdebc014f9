/*
 * Direct jumps between pages of code that then changes. In user mode Tern
 * chains a block straight to a block on another page (jal, branches); when
 * the target page is rewritten, unmapped and mapped again, or made
 * non-executable, the chained jump must not reach the old code.
 */
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

#define PAGE 4096
#define LI_A0(v) (0x00000513u | ((uint32_t)(v) << 20))     /* addi a0, zero, v */
#define RET      0x00008067u                                /* jalr zero, 0(ra) */
#define JAL0(off) (0x0000006fu | (((off) & 0x100000) << 11) | (((off) & 0x7fe) << 20) | \
                   (((off) & 0x800) << 9) | ((off) & 0xff000))  /* jal zero, off */

static sigjmp_buf jb;

static void on_segv(int sig)
{
    siglongjmp(jb, 1);
}

/* Page 0 jumps to page 1, which returns v. */
static void write_code(uint32_t *code, int v)
{
    uint32_t *entry = code + PAGE / 4 - 1;          /* last word of page 0 */

    *entry = JAL0(4);                               /* to the first word of page 1 */
    code[PAGE / 4] = LI_A0(v);
    code[PAGE / 4 + 1] = RET;
    __builtin___clear_cache((char *)code, (char *)code + 2 * PAGE);
}

static long run(uint32_t *code)
{
    long (*fn)(void) = (long (*)(void))(code + PAGE / 4 - 1);
    long r = 0;

    for (int i = 0; i < 1000; i++) {        /* hot enough to be chained */
        r = fn();
    }
    return r;
}

int main(void)
{
    uint32_t *code = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long r;

    CHECK(code != MAP_FAILED);
    signal(SIGSEGV, on_segv);

    write_code(code, 1);
    printf("first: %ld\n", r = run(code));
    CHECK(r == 1);

    /* rewrite page 1 in place */
    write_code(code, 2);
    printf("rewritten: %ld\n", r = run(code));
    CHECK(r == 2);

    /* a new mapping over page 1 */
    CHECK(mmap(code + PAGE / 4, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED);
    write_code(code, 3);
    printf("remapped: %ld\n", r = run(code));
    CHECK(r == 3);

    /* page 1 no longer executable: the jump into it faults */
    CHECK(mprotect(code + PAGE / 4, PAGE, PROT_READ) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        run(code);
        CHECK(!"jump into a non-executable page did not fault");
    } else {
        printf("non-executable: SIGSEGV\n");
    }
    return finish();
}
