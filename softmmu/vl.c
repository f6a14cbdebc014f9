/*
 * tern-system-*: act on the parsed command line (softmmu/cmdline.c) — answer
 * help requests, pick the board and the accelerator, create chardevs, RAM,
 * the board, -device devices and vCPU threads — then run the main loop.
 */
#include "tern/osdep.h"
#include "softmmu/tern-version.h"
#include "sysemu/vl.h"
#include "sysemu/cmdline.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "sysemu/main-loop.h"
#include "sysemu/runstate.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/qdev.h"
#include "chardev/char.h"
#include "block/block-backend.h"
#include "sysemu/monitor.h"
#include "net/net.h"
#include "sysemu/gdbstub.h"
#include <glib-unix.h>
#include <signal.h>
#include <fcntl.h>

static const char *progname = "tern-system";
static char *target_name;
static GPtrArray *serial_hds;       /* of Chardev *, index = serial port */

const char *tern_target_name(void)
{
    return target_name ? target_name : "unknown";
}

struct Chardev *serial_hd(int index)
{
    if (!serial_hds || index < 0 || (guint)index >= serial_hds->len) {
        return NULL;
    }
    return g_ptr_array_index(serial_hds, index);
}

static void set_program_name(const char *argv0)
{
    const char *prefix = "tern-system-";

    progname = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
    error_set_progname(argv0);
    if (g_str_has_prefix(progname, prefix)) {
        target_name = g_strdup(progname + strlen(prefix));
    }
}

/* ---- information requests ---- */

static void print_machines(void)
{
    g_autoptr(GPtrArray) list = machine_class_list();

    if (!list->len) {
        printf("No machine type is built into %s.\n", progname);
        return;
    }
    printf("Supported machines are:\n");
    for (guint i = 0; i < list->len; i++) {
        const MachineClass *mc = g_ptr_array_index(list, i);
        printf("%-20s %s%s\n", mc->name, mc->desc ? mc->desc : "",
               mc->is_default ? " (default)" : "");
    }
}

static void print_log_items(void)
{
    printf("Log items (comma separated):\n");
    for (const LogItem *it = log_items; it->name; it++) {
        printf("%-15s %s\n", it->name, it->help);
    }
    printf("%-15s %s\n", "all", "all of the above except nochain");
}

/* Answer -help, -version and the help forms of -M, -cpu, -accel, -d, -device.
 * Returns true if something was printed. */
static bool print_requested_info(const TernCmdline *cl)
{
    bool printed = false;

    if (cl->help) {
        cmdline_print_help(stdout, progname);
        return true;
    }
    if (cl->version) {
        printf("%s version %s (Tern, %s guests)\n", progname, TERN_VERSION,
               tern_target_name());
        return true;
    }
    if (cl->machine_help) {
        const MachineClass *mc = cl->machine_type ? machine_class_find(cl->machine_type) : NULL;
        if (mc) {
            machine_print_props(mc, stdout);
        } else {
            print_machines();
        }
        printed = true;
    }
    if (cl->cpu_help) {
        cpu_model_print_list(progname);
        printed = true;
    }
    if (cl->accel_help) {
        g_autofree char *names = accel_list();
        g_auto(GStrv) list = g_strsplit(names, ",", -1);
        printf("Accelerators supported in %s:\n", progname);
        for (char **n = list; *n; n++) {
            printf("%s\n", *n);
        }
        printed = true;
    }
    if (cl->log_help) {
        print_log_items();
        printed = true;
    }
    for (guint i = 0; i < cl->devices->len; i++) {
        printed |= qdev_device_help(g_ptr_array_index(cl->devices, i), stdout);
    }
    for (guint i = 0; i < cl->netdevs->len; i++) {
        printed |= netdev_help(g_ptr_array_index(cl->netdevs, i), stdout);
    }
    for (guint i = 0; i < cl->nics->len; i++) {
        printed |= net_nic_help(g_ptr_array_index(cl->nics, i), stdout);
    }
    return printed;
}

/* ---- building the machine ---- */

static const MachineClass *choose_machine(const TernCmdline *cl)
{
    const MachineClass *mc;

    if (!cl->machine_type) {
        g_autoptr(GPtrArray) all = machine_class_list();

        mc = machine_class_default();
        if (!mc && !all->len) {
            error_exit("no machine type is built into this program");
        }
        if (!mc) {
            error_exit("this program has no default machine type: use -M (-M help lists them)");
        }
        return mc;
    }
    mc = machine_class_find(cl->machine_type);
    if (!mc) {
        error_exit("-M %s: unknown machine type (-M help lists them)", cl->machine_type);
    }
    return mc;
}

/* Why this program lacks an accelerator that the other one has. */
static const struct {
    const char *target, *accel, *why;
} missing_accel_reasons[] = {
    { "x86_64", "tcg", "tern-system-x86_64 runs x86 guests under KVM; "
                       "the translator has no x86 front end" },
    { "riscv64", "kvm", "tern-system-riscv64 runs RISC-V guests under the translator; "
                        "KVM would need a RISC-V host" },
};

static G_NORETURN void missing_accel(const char *name)
{
    g_autofree char *have = accel_list();

    for (size_t i = 0; i < ARRAY_SIZE(missing_accel_reasons); i++) {
        if (!strcmp(missing_accel_reasons[i].target, tern_target_name()) &&
            !strcmp(missing_accel_reasons[i].accel, name)) {
            error_exit("-accel %s: this program has no %s accelerator (%s)", name, name,
                       missing_accel_reasons[i].why);
        }
    }
    if (!strcmp(name, "tcg") || !strcmp(name, "kvm")) {
        error_exit("-accel %s: this program has no %s accelerator (it has: %s)", name, name,
                   *have ? have : "none");
    }
    error_exit("-accel %s: unknown accelerator (this program has: %s)", name,
               *have ? have : "none");
}

/* The first of the requested accelerators that initialises; the board's
 * default when none was requested. */
static void init_accel(const TernCmdline *cl, MachineState *ms)
{
    GError *err = NULL;
    const char *dflt = ms->mc->default_accel;
    guint n = cl->accels->len;

    if (!n && !dflt) {
        error_exit("-M %s: the board names no accelerator; use -accel", ms->mc->name);
    }
    if (!n && !accel_find(dflt)) {
        missing_accel(dflt);
    }
    for (guint i = 0; i < MAX(n, 1); i++) {
        const AccelOps *ops = accel_find(n ? g_ptr_array_index(cl->accels, i) : dflt);

        current_accel = ops;
        if (!ops->init_machine || ops->init_machine(ms, &err)) {
            return;
        }
        if (i + 1 < n) {
            warn_report("-accel %s: %s; trying %s", ops->name, err->message,
                        (const char *)g_ptr_array_index(cl->accels, i + 1));
            g_clear_error(&err);
            continue;
        }
        error_prepend(&err, "-accel %s: ", ops->name);
        error_exit_err(err);
    }
}

static void apply_machine_options(const TernCmdline *cl, MachineState *ms)
{
    GError *err = NULL;

    if (cl->has_ram_size) {
        ms->ram_size = cl->ram_size;
    }
    if (cl->has_smp) {
        ms->smp = cl->smp;
    }
    if (!machine_check_smp(ms->mc, &ms->smp, &err)) {
        error_exit_err(err);
    }
    ms->cpu_model = g_strdup(cl->cpu_model);
    ms->firmware = g_strdup(cl->bios);
    ms->kernel_filename = g_strdup(cl->kernel);
    ms->initrd_filename = g_strdup(cl->initrd);
    if (cl->append) {
        g_free(ms->kernel_cmdline);
        ms->kernel_cmdline = g_strdup(cl->append);
    }
    ms->dtb = g_strdup(cl->dtb);
    ms->no_reboot = cl->no_reboot;
    ms->no_shutdown = cl->no_shutdown;
    for (guint i = 0; i < cl->machine_props->len; i++) {
        const CmdlineProp *p = &g_array_index(cl->machine_props, CmdlineProp, i);
        if (!machine_set_prop(ms, p->name, p->value, &err)) {
            error_exit_err(err);
        }
    }
}

/* A serial port's chardev; "mon:SPEC" also puts the human monitor on it. */
static Chardev *create_serial(const char *label, const char *spec)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new(label, spec, &err);

    if (!err && chr && g_str_has_prefix(spec, "mon:")) {
        monitor_init_hmp(chr, &err);
    }
    if (err) {
        error_prepend(&err, "-serial %s: ", spec);
        error_exit_err(err);
    }
    return chr;
}

static void add_monitors(GPtrArray *specs, bool qmp)
{
    GError *err = NULL;

    for (guint i = 0; i < specs->len; i++) {
        const char *spec = g_ptr_array_index(specs, i);
        if (!monitor_add(spec, qmp, &err)) {
            error_prepend(&err, "%s %s: ", qmp ? "-qmp" : "-monitor", spec);
            error_exit_err(err);
        }
    }
}

/*
 * -chardev, the monitors and the serial ports, with QEMU's defaults. Tern has
 * no graphical display, so unless -display none is given the console is on
 * stdio as with -nographic: serial0 and the monitor share it through a mux
 * (Ctrl-A c switches), or take it alone when the other was given explicitly.
 */
static void create_chardevs(const TernCmdline *cl)
{
    GError *err = NULL;
    bool stdio_console = cl->nographic || !cl->display_none;
    bool default_serial = !cl->serials->len && !cl->nodefaults;
    bool default_monitor = !cl->monitors->len && !cl->qmps->len && !cl->mons->len &&
                           !cl->nodefaults;

    for (guint i = 0; i < cl->chardevs->len; i++) {
        const char *opts = g_ptr_array_index(cl->chardevs, i);
        if (!qemu_chr_new_from_opts(opts, &err)) {
            error_prepend(&err, "-chardev %s: ", opts);
            error_exit_err(err);
        }
    }
    add_monitors(cl->monitors, false);
    add_monitors(cl->qmps, true);
    for (guint i = 0; i < cl->mons->len; i++) {
        const char *opts = g_ptr_array_index(cl->mons, i);
        if (!monitor_add_from_opts(opts, &err)) {
            error_prepend(&err, "-mon %s: ", opts);
            error_exit_err(err);
        }
    }

    serial_hds = g_ptr_array_new();
    if (stdio_console && default_serial && default_monitor) {
        g_ptr_array_add(serial_hds, create_serial("serial0", "mon:stdio"));
    } else if (stdio_console) {
        if (default_serial) {
            g_ptr_array_add(serial_hds, create_serial("serial0", "stdio"));
        }
        if (default_monitor && !monitor_add("stdio", false, &err)) {
            error_prepend(&err, "monitor on stdio: ");
            error_exit_err(err);
        }
    }
    for (guint i = 0; i < cl->serials->len; i++) {
        g_autofree char *label = g_strdup_printf("serial%u", i);
        g_ptr_array_add(serial_hds, create_serial(label, g_ptr_array_index(cl->serials, i)));
    }
}

/* -drive and -blockdev: before the board, which looks for if=virtio drives. */
static void create_drives(const TernCmdline *cl)
{
    GError *err = NULL;

    for (guint i = 0; i < cl->blockdevs->len; i++) {
        const char *opts = g_ptr_array_index(cl->blockdevs, i);
        if (!blockdev_add(opts, &err)) {
            error_prepend(&err, "-blockdev %s: ", opts);
            error_exit_err(err);
        }
    }
    for (guint i = 0; i < cl->drives->len; i++) {
        const char *opts = g_ptr_array_index(cl->drives, i);
        if (!drive_add(opts, &err)) {
            error_prepend(&err, "-drive %s: ", opts);
            error_exit_err(err);
        }
    }
}

static void create_ram(MachineState *ms)
{
    GError *err = NULL;

    ms->ram = g_new0(MemoryRegion, 1);
    if (!memory_region_init_ram(ms->ram, "ram", ms->ram_size, &err)) {
        error_prepend(&err, "-m: %" PRIu64 " MiB of guest RAM: ", ms->ram_size >> 20);
        error_exit_err(err);
    }
}

/* -netdev and the backends of -nic: before -device, whose netdev= names them. */
static void create_netdevs(const TernCmdline *cl)
{
    GError *err = NULL;

    for (guint i = 0; i < cl->netdevs->len; i++) {
        const char *opts = g_ptr_array_index(cl->netdevs, i);
        if (!netdev_add(opts, &err)) {
            error_prepend(&err, "-netdev %s: ", opts);
            error_exit_err(err);
        }
    }
    for (guint i = 0; i < cl->nics->len; i++) {
        const char *opts = g_ptr_array_index(cl->nics, i);
        if (!net_nic_parse(opts, &err)) {
            error_prepend(&err, "-nic %s: ", opts);
            error_exit_err(err);
        }
    }
}

static void create_devices(const TernCmdline *cl)
{
    GError *err = NULL;

    for (guint i = 0; i < cl->devices->len; i++) {
        const char *opts = g_ptr_array_index(cl->devices, i);
        if (!qdev_device_add(opts, &err)) {
            error_prepend(&err, "-device %s: ", opts);
            error_exit_err(err);
        }
    }
}

static void init_vcpus(void)
{
    GError *err = NULL;
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (current_accel->vcpu_init && !current_accel->vcpu_init(cpu, &err)) {
            error_prepend(&err, "-accel %s: CPU %d: ", current_accel->name, cpu->cpu_index);
            error_exit_err(err);
        }
    }
}

/*
 * Checks that need no machine, made before building one so that the error
 * names the option the user got wrong rather than a later failure.
 */
static void check_options(const TernCmdline *cl)
{
    for (guint i = 0; i < cl->accels->len; i++) {
        if (!accel_find(g_ptr_array_index(cl->accels, i))) {
            missing_accel(g_ptr_array_index(cl->accels, i));
        }
    }
    for (guint i = 0; i < cl->devices->len; i++) {
        const char *opts = g_ptr_array_index(cl->devices, i);
        g_autoptr(KeyVal) kv = keyval_parse(opts, "driver", "-device", NULL);
        const char *driver = kv ? keyval_get(kv, "driver") : NULL;

        if (driver && !device_class_find(driver)) {
            error_exit("-device %s: unknown device type '%s' (-device help lists them)",
                       opts, driver);
        }
    }
    if (cl->append && !cl->kernel) {
        error_exit("-append: only allowed with -kernel");
    }
    if (cl->initrd && !cl->kernel) {
        error_exit("-initrd: only allowed with -kernel");
    }
}

/*
 * Started with stdin, stdout or stderr closed, the next file opened (glib's
 * main-loop eventfd) would take its number and the stdio chardev would read
 * the main loop's wakeups. Park /dev/null there first.
 */
static void ensure_stdio_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
            open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd) {
            exit(1);
        }
    }
}

static gboolean on_quit_signal(gpointer opaque)
{
    qemu_system_quit_request();
    return G_SOURCE_CONTINUE;
}

static void setup_signals(void)
{
    /* Socket chardevs see EPIPE instead of dying. */
    signal(SIGPIPE, SIG_IGN);
    g_unix_signal_add(SIGINT, on_quit_signal, NULL);
    g_unix_signal_add(SIGTERM, on_quit_signal, NULL);
    g_unix_signal_add(SIGHUP, on_quit_signal, NULL);
}

static void setup_logging(const TernCmdline *cl)
{
    GError *err = NULL;

    if (cl->has_log_mask) {
        log_set_mask(cl->log_mask);
    }
    if (cl->log_file && !log_set_file(cl->log_file, &err)) {
        error_exit_err(err);
    }
}

int tern_main(int argc, char **argv)
{
    g_autoptr(TernCmdline) cl = NULL;
    GError *err = NULL;
    const MachineClass *mc;
    MachineState *ms;
    int status;

    ensure_stdio_fds();
    /* First, so that a signal during start-up also quits cleanly. */
    setup_signals();
    set_program_name(argv[0]);
    cl = cmdline_parse(argc, argv, &err);
    if (!cl) {
        error_exit_err(err);
    }
    if (print_requested_info(cl)) {
        return 0;
    }
    check_options(cl);
    setup_logging(cl);

    mc = choose_machine(cl);
    ms = machine_new(mc);
    apply_machine_options(cl, ms);

    bql_lock();
    atexit(chardev_cleanup);
    create_chardevs(cl);
    create_drives(cl);
    init_accel(cl, ms);
    create_ram(ms);
    current_machine = ms;
    mc->init(ms);
    create_netdevs(cl);
    create_devices(cl);
    if (!net_create_nics(&err)) {
        error_prepend(&err, "-nic: ");
        error_exit_err(err);
    }
    if (!blk_check_all_claimed(&err)) {
        error_exit_err(err);
    }
    init_vcpus();
    qemu_system_reset();

    if (cl->gdb && !gdbserver_start(cl->gdb, &err)) {
        error_prepend(&err, "-gdb %s: ", cl->gdb);
        error_exit_err(err);
    }
    if (!cl->start_paused) {
        vm_start();
    }
    cpus_start();
    status = main_loop_run();
    gdb_exit(status);
    cpus_stop();
    net_cleanup();
    blk_remove_all();
    bql_unlock();
    log_close();
    return status;
}
