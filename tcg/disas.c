/*
 * Host code disassembly with capstone, for -d out_asm.
 *
 * Capstone is opened with dlopen() on first use rather than linked: its
 * shared object carries some 80,000 relative relocations, which the host's
 * dynamic loader would otherwise process at every start of every Tern
 * program (about 1 ms, a sixth of the run of a small program under
 * tern-riscv64) for a feature only -d out_asm uses.
 */
#include "tern/osdep.h"
#include <dlfcn.h>
#include <capstone/capstone.h>
#include "tcg/tcg.h"

#define CAPSTONE_SONAME "libcapstone.so." G_STRINGIFY(CS_API_MAJOR)

static struct {
    cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
    size_t (*disasm)(csh handle, const uint8_t *code, size_t size,
                     uint64_t address, size_t count, cs_insn **insn);
    void (*free)(cs_insn *insn, size_t count);
    cs_err (*close)(csh *handle);
    const char *error;          /* why capstone cannot be used, or NULL */
} cs;

static gpointer capstone_load(gpointer unused)
{
    void *lib = dlopen(CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);

    if (!lib) {
        cs.error = g_strdup(dlerror());
        return NULL;
    }
    cs.open = dlsym(lib, "cs_open");
    cs.disasm = dlsym(lib, "cs_disasm");
    cs.free = dlsym(lib, "cs_free");
    cs.close = dlsym(lib, "cs_close");
    if (!cs.open || !cs.disasm || !cs.free || !cs.close) {
        cs.error = CAPSTONE_SONAME " lacks the cs_open/cs_disasm/cs_free/cs_close API";
    }
    return NULL;
}

void tcg_disas_host(FILE *f, const void *code, size_t size)
{
    static GOnce once = G_ONCE_INIT;
    csh handle;
    cs_insn *insn;
    size_t n;

    g_once(&once, capstone_load, NULL);
    if (cs.error || cs.open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        fprintf(f, "  (capstone unavailable%s%s: %zu bytes at %p)\n",
                cs.error ? ": " : "", cs.error ? cs.error : "", size, code);
        return;
    }
    n = cs.disasm(handle, code, size, (uint64_t)(uintptr_t)code, 0, &insn);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  0x%016" PRIx64 ":  %-8s %s\n", insn[i].address,
                insn[i].mnemonic, insn[i].op_str);
    }
    if (n) {
        cs.free(insn, n);
    }
    cs.close(&handle);
}
