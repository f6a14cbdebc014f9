/* The system emulator's command line parser (softmmu/cmdline.c, -smp rules). */
#include "tern/osdep.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "sysemu/cmdline.h"

/* Parse "prog" + the NULL-terminated arguments; *errp gets the error. */
static TernCmdline *parse(GError **errp, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const char *a;
    va_list ap;

    g_ptr_array_add(argv, "tern-system-riscv64");
    va_start(ap, errp);
    while ((a = va_arg(ap, const char *))) {
        g_ptr_array_add(argv, (char *)a);
    }
    va_end(ap);
    return cmdline_parse(argv->len, (char **)argv->pdata, errp);
}

/* Expect the arguments to fail with a message containing `want`. */
#define assert_parse_error(want, ...) do {                                  \
        GError *err_ = NULL;                                                \
        TernCmdline *cl_ = parse(&err_, __VA_ARGS__, NULL);                 \
        assert_null(cl_);                                                   \
        assert_non_null(err_);                                              \
        if (!strstr(err_->message, (want))) {                               \
            fail_msg("error '%s' does not contain '%s'", err_->message, (want)); \
        }                                                                   \
        g_error_free(err_);                                                 \
    } while (0)

static TernCmdline *parse_ok(const char *first, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    GError *err = NULL;
    TernCmdline *cl;
    const char *a = first;
    va_list ap;

    g_ptr_array_add(argv, "tern-system-riscv64");
    va_start(ap, first);
    for (; a; a = va_arg(ap, const char *)) {
        g_ptr_array_add(argv, (char *)a);
    }
    va_end(ap);
    cl = cmdline_parse(argv->len, (char **)argv->pdata, &err);
    if (!cl) {
        fail_msg("unexpected error: %s", err->message);
    }
    return cl;
}

static void test_basic_options(void **state)
{
    g_autoptr(TernCmdline) cl = parse_ok(
        "-M", "virt", "-m", "512M", "-smp", "2", "-cpu", "rv64,zba=false",
        "-bios", "fw.bin", "-kernel", "Image", "-initrd", "rd.gz",
        "-append", "console=ttyS0 run=/bin/selftest", "-dtb", "x.dtb",
        "-nographic", "-serial", "stdio", "-serial", "null", "-S", "-s",
        "-gdb", "unix:/tmp/g,server=on",
        "-no-reboot", "-no-shutdown", "-D", "log.txt", "-name", "guest1", NULL);

    assert_string_equal(cl->machine_type, "virt");
    assert_true(cl->has_ram_size);
    assert_int_equal(cl->ram_size, 512 << 20);
    assert_int_equal(cl->smp.cpus, 2);
    assert_string_equal(cl->cpu_model, "rv64,zba=false");
    assert_string_equal(cl->bios, "fw.bin");
    assert_string_equal(cl->kernel, "Image");
    assert_string_equal(cl->initrd, "rd.gz");
    assert_string_equal(cl->append, "console=ttyS0 run=/bin/selftest");
    assert_string_equal(cl->dtb, "x.dtb");
    assert_true(cl->nographic);
    assert_int_equal(cl->serials->len, 2);
    assert_string_equal(g_ptr_array_index(cl->serials, 1), "null");
    assert_true(cl->start_paused);
    assert_string_equal(cl->gdb, "unix:/tmp/g,server=on");
    assert_true(cl->no_reboot);
    assert_true(cl->no_shutdown);
    assert_string_equal(cl->log_file, "log.txt");
    assert_string_equal(cl->name, "guest1");
    assert_false(cl->help || cl->version || cl->machine_help);

    g_autoptr(TernCmdline) s = parse_ok("-s", NULL);
    assert_string_equal(s->gdb, "tcp::1234");
}

static void test_double_dash_and_aliases(void **state)
{
    g_autoptr(TernCmdline) cl = parse_ok("--machine", "virt", "--m", "1G", "--version", NULL);

    assert_string_equal(cl->machine_type, "virt");
    assert_int_equal(cl->ram_size, 1ULL << 30);
    assert_true(cl->version);
}

static void test_machine_props_and_escapes(void **state)
{
    g_autoptr(TernCmdline) cl = parse_ok(
        "-M", "virt,dumpdtb=a,,b.dtb,accel=kvm:tcg", "-M", "dumpdtb=c.dtb,aclint=on",
        "-name", "guest=x,,y", "-device", "virtio-blk-device,drive=d0", NULL);
    const CmdlineProp *p0, *p1;

    assert_string_equal(cl->machine_type, "virt");
    assert_int_equal(cl->machine_props->len, 2);
    p0 = &g_array_index(cl->machine_props, CmdlineProp, 0);
    p1 = &g_array_index(cl->machine_props, CmdlineProp, 1);
    /* the later -M wins for dumpdtb; ",," was one comma */
    assert_string_equal(p0->name, "dumpdtb");
    assert_string_equal(p0->value, "c.dtb");
    assert_string_equal(p1->name, "aclint");
    assert_string_equal(p1->value, "on");
    assert_int_equal(cl->accels->len, 2);
    assert_string_equal(g_ptr_array_index(cl->accels, 0), "kvm");
    assert_string_equal(g_ptr_array_index(cl->accels, 1), "tcg");
    assert_string_equal(cl->name, "x,y");
    /* -device strings are kept whole for qdev_device_add */
    assert_string_equal(g_ptr_array_index(cl->devices, 0), "virtio-blk-device,drive=d0");

    assert_parse_error("trailing comma", "-M", "virt,");
    assert_parse_error("given twice", "-M", "virt,dumpdtb=a,dumpdtb=b");
    assert_parse_error("-name: unknown parameter 'bogus'", "-name", "g,bogus=1");
    assert_parse_error("empty accelerator name", "-M", "virt,accel=kvm:");
}

static void test_help_requests(void **state)
{
    g_autoptr(TernCmdline) a = parse_ok("-M", "help", "-cpu", "help", "-accel", "help",
                                        "-d", "help", NULL);
    g_autoptr(TernCmdline) b = parse_ok("-M", "virt,help", "-h", NULL);

    assert_true(a->machine_help && a->cpu_help && a->accel_help && a->log_help);
    assert_null(a->machine_type);
    assert_null(a->cpu_model);
    assert_true(b->machine_help);
    assert_string_equal(b->machine_type, "virt");
    assert_true(b->help);
}

static uint64_t ram(const char *arg)
{
    GError *err = NULL;
    uint64_t size = 0;

    if (!cmdline_parse_ram_size(arg, &size, &err)) {
        fail_msg("-m %s: %s", arg, err->message);
    }
    return size;
}

static void assert_ram_error(const char *arg, const char *want)
{
    GError *err = NULL;
    uint64_t size = 12345;

    assert_false(cmdline_parse_ram_size(arg, &size, &err));
    assert_non_null(err);
    if (!strstr(err->message, want)) {
        fail_msg("-m %s: error '%s' does not contain '%s'", arg, err->message, want);
    }
    g_error_free(err);
}

static void test_ram_size(void **state)
{
    assert_int_equal(ram("512"), 512ULL << 20);     /* default unit M */
    assert_int_equal(ram("1G"), 1ULL << 30);
    assert_int_equal(ram("1g"), 1ULL << 30);
    assert_int_equal(ram("1.5G"), 3ULL << 29);
    assert_int_equal(ram("4096K"), 4ULL << 20);
    assert_int_equal(ram("size=2G"), 2ULL << 30);
    assert_int_equal(ram("64M"), 64ULL << 20);

    assert_ram_error("1Q", "-m 1Q: ");
    assert_ram_error("1Q", "suffix");
    assert_ram_error("0", "greater than zero");
    assert_ram_error("size=0G", "greater than zero");
    assert_ram_error("1000T", "larger than this host can address");
    assert_ram_error("99999999999999999999", "too large");
    assert_ram_error("abc", "-m abc: ");
    assert_ram_error("-1", "-m -1: ");
    assert_ram_error("1G,slots=2,maxmem=4G", "not supported yet");
    assert_ram_error("1G,bogus=1", "unknown parameter 'bogus'");
    assert_ram_error("", "missing size");

    assert_parse_error("-m 1Q: ", "-m", "1Q");
}

static CpuTopology smp(const char *arg)
{
    GError *err = NULL;
    CpuTopology t = { 0 };

    if (!machine_parse_smp(arg, &t, &err)) {
        fail_msg("-smp %s: %s", arg, err->message);
    }
    return t;
}

#define assert_topology(arg, c, s, co, th, max) do {              \
        CpuTopology t_ = smp(arg);                               \
        assert_int_equal(t_.cpus, (c));                          \
        assert_int_equal(t_.sockets, (s));                       \
        assert_int_equal(t_.cores, (co));                        \
        assert_int_equal(t_.threads, (th));                      \
        assert_int_equal(t_.maxcpus, (max));                     \
    } while (0)

static void assert_smp_error(const char *arg, const char *want)
{
    GError *err = NULL;
    CpuTopology t = { 0 };

    assert_false(machine_parse_smp(arg, &t, &err));
    assert_non_null(err);
    if (!strstr(err->message, want)) {
        fail_msg("-smp %s: error '%s' does not contain '%s'", arg, err->message, want);
    }
    g_error_free(err);
}

static void test_smp_rules(void **state)
{
    /*                   arg                        cpus sock cores thr max */
    assert_topology("4",                             4, 1, 4, 1, 4);  /* cores preferred */
    assert_topology("cpus=2",                        2, 1, 2, 1, 2);
    assert_topology("sockets=2",                     2, 2, 1, 1, 2);
    assert_topology("cores=2,threads=2",             4, 1, 2, 2, 4);
    assert_topology("4,sockets=2",                   4, 2, 2, 1, 4);
    assert_topology("8,sockets=2,cores=2",           8, 2, 2, 2, 8);  /* threads computed */
    assert_topology("4,maxcpus=8",                   4, 1, 8, 1, 8);
    assert_topology("sockets=2,cores=2",             4, 2, 2, 1, 4);  /* maxcpus from product */
    assert_topology("2,sockets=2,cores=2,maxcpus=4", 2, 2, 2, 1, 4);
    assert_topology("4,dies=1,clusters=1",           4, 1, 4, 1, 4);

    assert_smp_error("0", "cpus must be greater than zero");
    assert_smp_error("4,cores=0", "cores must be greater than zero");
    assert_smp_error("4,sockets=3", "invalid CPU topology");
    assert_smp_error("2,sockets=2,cores=2", "!= maxcpus (2)");  /* maxcpus defaults to cpus */
    assert_smp_error("2,sockets=2,cores=2,threads=2,maxcpus=4", "!= maxcpus (4)");
    assert_smp_error("8,maxcpus=4", "maxcpus (4) must be at least cpus (8)");
    assert_smp_error("x", "-smp: parameter 'cpus'");
    assert_smp_error("4,foo=1", "unknown parameter 'foo'");
    assert_smp_error("4,dies=2", "dies and clusters are not supported");
    assert_smp_error("99999999", "too large");

    assert_parse_error("-smp 0: cpus must be greater than zero", "-smp", "0");
}

static void test_smp_board_limit(void **state)
{
    static const MachineClass mc = { .name = "tiny", .max_cpus = 8,
                                     .instance_size = sizeof(MachineState) };
    CpuTopology ok = smp("8"), too_many = smp("4,maxcpus=16");
    GError *err = NULL;

    assert_true(machine_check_smp(&mc, &ok, &err));
    assert_false(machine_check_smp(&mc, &too_many, &err));
    assert_non_null(err);
    assert_non_null(strstr(err->message, "machine 'tiny' supports at most 8"));
    g_error_free(err);
}

static void test_bad_options(void **state)
{
    assert_parse_error("-bogus: invalid option", "-bogus");
    assert_parse_error("-bogus: invalid option", "--bogus");
    assert_parse_error("-m: requires an argument", "-m");
    assert_parse_error("-kernel: requires an argument", "-M", "virt", "-kernel");
    assert_parse_error("-gdb stdio: expected tcp:[HOST]:PORT, unix:PATH or none",
                       "-gdb", "stdio");
    assert_parse_error("-gdb: requires an argument", "-gdb");
    assert_parse_error("-net user: not supported (use -nic", "-net", "user");
    assert_parse_error("-display gtk: not supported yet", "-display", "gtk");
    assert_parse_error("-d in_asm,bogus: unknown log item 'bogus'", "-d", "in_asm,bogus");
    assert_parse_error("-accel: unknown parameter 'thread'", "-accel", "tcg,thread=single");
    assert_parse_error("disk.img: a disk image without an option", "disk.img");
    assert_parse_error("-: invalid option", "-");
}

static void test_accel_and_log(void **state)
{
    g_autoptr(TernCmdline) cl = parse_ok("-accel", "tcg", "-enable-kvm", "-d",
                                         "in_asm,int", "-display", "none",
                                         "-nic", "none", "-monitor", "none", "-qmp",
                                         "unix:/tmp/q,server=on,wait=off", NULL);

    assert_int_equal(cl->accels->len, 2);
    assert_string_equal(g_ptr_array_index(cl->accels, 0), "tcg");
    assert_string_equal(g_ptr_array_index(cl->accels, 1), "kvm");
    assert_true(cl->has_log_mask);
    assert_int_equal(cl->log_mask, LOG_IN_ASM | LOG_INT);
    assert_true(cl->display_none);
    assert_string_equal(g_ptr_array_index(cl->monitors, 0), "none");
    assert_string_equal(g_ptr_array_index(cl->qmps, 0), "unix:/tmp/q,server=on,wait=off");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_options),
        cmocka_unit_test(test_double_dash_and_aliases),
        cmocka_unit_test(test_machine_props_and_escapes),
        cmocka_unit_test(test_help_requests),
        cmocka_unit_test(test_ram_size),
        cmocka_unit_test(test_smp_rules),
        cmocka_unit_test(test_smp_board_limit),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_accel_and_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
