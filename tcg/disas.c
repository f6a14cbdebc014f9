/* Host code disassembly with capstone, for -d out_asm. */
#include "tern/osdep.h"
#include <capstone/capstone.h>
#include "tcg/tcg.h"

void tcg_disas_host(FILE *f, const void *code, size_t size)
{
    csh handle;
    cs_insn *insn;
    size_t n;

    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        fprintf(f, "  (capstone unavailable: %zu bytes at %p)\n", size, code);
        return;
    }
    n = cs_disasm(handle, code, size, (uint64_t)(uintptr_t)code, 0, &insn);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  0x%016" PRIx64 ":  %-8s %s\n", insn[i].address,
                insn[i].mnemonic, insn[i].op_str);
    }
    if (n) {
        cs_free(insn, n);
    }
    cs_close(&handle);
}
