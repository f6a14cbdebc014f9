/* Guest disassembler for -d in_asm, driven by the same table as the decoder. */
#include "tern/osdep.h"
#include "decode.h"

static const char *const xreg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
    "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};
static const char *const freg_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
    "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static const struct {
    int csrno;
    const char *name;
} csr_names[] = {
    { 0x001, "fflags" }, { 0x002, "frm" }, { 0x003, "fcsr" },
    { 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" },
    { 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" }, { 0x106, "scounteren" },
    { 0x10a, "senvcfg" }, { 0x140, "sscratch" }, { 0x141, "sepc" }, { 0x142, "scause" },
    { 0x143, "stval" }, { 0x144, "sip" }, { 0x14d, "stimecmp" }, { 0x180, "satp" },
    { 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" }, { 0xf14, "mhartid" },
    { 0xf15, "mconfigptr" }, { 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" },
    { 0x303, "mideleg" }, { 0x304, "mie" }, { 0x305, "mtvec" }, { 0x306, "mcounteren" },
    { 0x30a, "menvcfg" }, { 0x320, "mcountinhibit" }, { 0x340, "mscratch" },
    { 0x341, "mepc" }, { 0x342, "mcause" }, { 0x343, "mtval" }, { 0x344, "mip" },
    { 0x3a0, "pmpcfg0" }, { 0x3a2, "pmpcfg2" }, { 0xb00, "mcycle" }, { 0xb02, "minstret" },
};

const char *riscv_csr_name(int csrno)
{
    for (size_t i = 0; i < ARRAY_SIZE(csr_names); i++) {
        if (csr_names[i].csrno == csrno) {
            return csr_names[i].name;
        }
    }
    return NULL;
}

void rv_disas(char *buf, size_t size, uint64_t pc, uint32_t raw)
{
    RVInsn in;
    GString *s;

    /* decode with every extension enabled so disabled ones still print */
    if (!rv_decode(raw, ~0u, &in)) {
        if (in.len == 2) {
            snprintf(buf, size, ".2byte 0x%04x", raw & 0xffff);
        } else {
            snprintf(buf, size, ".4byte 0x%08x", raw);
        }
        return;
    }
    s = g_string_new(in.desc->name);
    if (in.desc->args[0]) {
        g_string_append_c(s, ' ');
    }
    for (const char *a = in.desc->args; *a; a++) {
        switch (*a) {
        case 'd': g_string_append(s, xreg_names[in.rd]); break;
        case 's': g_string_append(s, xreg_names[in.rs1]); break;
        case 't': g_string_append(s, xreg_names[in.rs2]); break;
        case 'D': g_string_append(s, freg_names[in.rd]); break;
        case 'S': g_string_append(s, freg_names[in.rs1]); break;
        case 'T': g_string_append(s, freg_names[in.rs2]); break;
        case 'R': g_string_append(s, freg_names[in.rs3]); break;
        case 'i':
        case 'o': g_string_append_printf(s, "%" PRId64, in.imm); break;
        case 'u': g_string_append_printf(s, "0x%" PRIx64, (uint64_t)(in.imm >> 12) & 0xfffff); break;
        case 'j': g_string_append_printf(s, "0x%" PRIx64, pc + in.imm); break;
        case 'c':
            if (riscv_csr_name(in.imm)) {
                g_string_append(s, riscv_csr_name(in.imm));
            } else {
                g_string_append_printf(s, "0x%03" PRIx64, in.imm);
            }
            break;
        case 'z': g_string_append_printf(s, "%u", in.rs1); break;
        default: g_string_append_c(s, *a); break;
        }
    }
    g_strlcpy(buf, s->str, size);
    g_string_free(s, TRUE);
}
