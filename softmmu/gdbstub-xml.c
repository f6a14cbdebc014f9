/*
 * Target descriptions (gdb manual, "Target Descriptions") for
 * qXfer:features:read:target.xml, chosen by CPUClass.arch_name. Register
 * numbers (regnum) are the ones the target's gdb_read_register and
 * gdb_write_register hooks use.
 */
#include "tern/osdep.h"
#include "gdbstub-internal.h"

/*
 * RISC-V (feature names as in gdb's features/riscv XML files): target/riscv numbers
 * x0..x31 0-31, pc 32, f0..f31 33-64, fflags/frm/fcsr 65-67, CSR n 68 + n,
 * priv 68 + 4096; every register is transferred as 8 bytes.
 */
static const char *const riscv_gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1",
    "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const struct {
    const char *name;
    int csrno;
} riscv_csrs[] = {
    { "sstatus", 0x100 }, { "sie", 0x104 }, { "stvec", 0x105 }, { "scounteren", 0x106 },
    { "sscratch", 0x140 }, { "sepc", 0x141 }, { "scause", 0x142 }, { "stval", 0x143 },
    { "sip", 0x144 }, { "satp", 0x180 },
    { "mstatus", 0x300 }, { "misa", 0x301 }, { "medeleg", 0x302 }, { "mideleg", 0x303 },
    { "mie", 0x304 }, { "mtvec", 0x305 }, { "mcounteren", 0x306 }, { "mscratch", 0x340 },
    { "mepc", 0x341 }, { "mcause", 0x342 }, { "mtval", 0x343 }, { "mip", 0x344 },
    { "cycle", 0xc00 }, { "time", 0xc01 }, { "instret", 0xc02 }, { "mhartid", 0xf14 },
};

static void reg_sized(GString *x, const char *name, int bits, int regnum, const char *type)
{
    g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"%d\" type=\"%s\" regnum=\"%d\"/>\n",
                           name, bits, type, regnum);
}

static void reg(GString *x, const char *name, int regnum, const char *type)
{
    reg_sized(x, name, 64, regnum, type);
}

static void riscv64_xml(GString *x)
{
    g_string_append(x, "<architecture>riscv:rv64</architecture>\n"
                       "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (int i = 0; i < 32; i++) {
        reg(x, riscv_gpr_names[i], i,
            i == 1 ? "code_ptr" : (i == 2 || i == 3 || i == 4 || i == 8) ? "data_ptr" : "int");
    }
    reg(x, "pc", 32, "code_ptr");
    g_string_append(x, "</feature>\n<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
                       "  <union id=\"riscv_double\">\n"
                       "    <field name=\"float\" type=\"ieee_single\"/>\n"
                       "    <field name=\"double\" type=\"ieee_double\"/>\n"
                       "  </union>\n");
    for (int i = 0; i < 32; i++) {
        g_autofree char *name = g_strdup_printf("f%d", i);
        reg(x, name, 33 + i, "riscv_double");
    }
    reg(x, "fflags", 65, "int");
    reg(x, "frm", 66, "int");
    reg(x, "fcsr", 67, "int");
    g_string_append(x, "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (size_t i = 0; i < ARRAY_SIZE(riscv_csrs); i++) {
        reg(x, riscv_csrs[i].name, 68 + riscv_csrs[i].csrno, "int");
    }
    g_string_append(x, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n");
    reg(x, "priv", 68 + 4096, "int");
    g_string_append(x, "</feature>\n");
}

/*
 * x86-64 (gdb's features/i386/64bit-core.xml and 64bit-segments.xml, plus
 * control registers): numbering of target/i386/gdbstub.c.
 */
static void x86_64_xml(GString *x)
{
    static const char *const gprs[16] = {
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };
    static const char *const segs[6] = { "cs", "ss", "ds", "es", "fs", "gs" };
    static const char *const fpu[8] = {
        "fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
    };
    static const char *const sys[5] = { "cr0", "cr2", "cr3", "cr4", "efer" };
    int n = 0;

    g_string_append(x, "<architecture>i386:x86-64</architecture>\n"
                       "<feature name=\"org.gnu.gdb.i386.core\">\n");
    for (int i = 0; i < 16; i++, n++) {
        reg(x, gprs[i], n, i == 6 || i == 7 ? "data_ptr" : "int64");
    }
    reg(x, "rip", n++, "code_ptr");
    reg_sized(x, "eflags", 32, n++, "int32");
    for (int i = 0; i < 6; i++) {
        reg_sized(x, segs[i], 32, n++, "int32");
    }
    for (int i = 0; i < 8; i++) {
        g_autofree char *name = g_strdup_printf("st%d", i);
        reg_sized(x, name, 80, n++, "i387_ext");
    }
    for (int i = 0; i < 8; i++) {
        reg_sized(x, fpu[i], 32, n++, "int");
    }
    g_string_append(x, "</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
    reg(x, "fs_base", n++, "int");
    reg(x, "gs_base", n++, "int");
    g_string_append(x, "</feature>\n<feature name=\"org.tern.gdb.x86.sys\">\n");
    for (int i = 0; i < 5; i++) {
        reg(x, sys[i], n++, "int");
    }
    g_string_append(x, "</feature>\n");
}

static const struct {
    const char *arch;
    void (*body)(GString *x);
} target_descriptions[] = {
    { "riscv64", riscv64_xml },
    { "x86_64", x86_64_xml },
};

char *gdb_target_xml(const CPUClass *cc)
{
    for (size_t i = 0; i < ARRAY_SIZE(target_descriptions); i++) {
        if (!strcmp(cc->arch_name, target_descriptions[i].arch)) {
            GString *x = g_string_new("<?xml version=\"1.0\"?>\n"
                                      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                      "<target version=\"1.0\">\n");
            target_descriptions[i].body(x);
            g_string_append(x, "</target>\n");
            return g_string_free(x, FALSE);
        }
    }
    return NULL;
}
