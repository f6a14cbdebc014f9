/*
 * The system emulator's command line: a table of QEMU's options, each stored
 * into a TernCmdline field or parsed by a handler. Options Tern knows from
 * QEMU but does not implement yet are in the table too, so they fail with
 * "not supported yet" rather than "invalid option".
 */
#include "tern/osdep.h"
#include "sysemu/cmdline.h"
#include "sysemu/gdbstub.h"

/*
 * Largest -m: half of the 47-bit user address space of an x86-64 Linux
 * process, leaving room for the emulator itself and the translator's buffers.
 */
#define RAM_SIZE_MAX (1ULL << 46)

typedef enum OptKind {
    OPT_FLAG,           /* sets a bool field */
    OPT_STRING,         /* stores a char * field (the last one wins) */
    OPT_LIST,           /* appends to a GPtrArray field */
    OPT_FUNC,           /* calls handler */
    OPT_UNSUPPORTED,    /* known from QEMU, not implemented: an error */
} OptKind;

typedef struct OptionDef {
    const char *name;
    bool has_arg;
    OptKind kind;
    size_t offset;      /* field of TernCmdline for FLAG, STRING, LIST */
    bool (*handler)(TernCmdline *cl, const char *arg, GError **errp);
    const char *args;   /* argument synopsis for -help */
    const char *help;   /* NULL: not listed in -help */
} OptionDef;

static bool add_accel_names(TernCmdline *cl, const char *names, const char *what,
                            GError **errp)
{
    g_auto(GStrv) list = g_strsplit(names, ":", -1);

    for (char **n = list; *n; n++) {
        if (!**n) {
            error_setg(errp, "%s: empty accelerator name in '%s'", what, names);
            return false;
        }
        g_ptr_array_add(cl->accels, g_strdup(*n));
    }
    return true;
}

static void set_machine_prop(TernCmdline *cl, const char *name, const char *value)
{
    CmdlineProp p = { g_strdup(name), g_strdup(value) };

    /* A later -M repeats a property: the last value wins, as in QEMU. */
    for (guint i = 0; i < cl->machine_props->len; i++) {
        CmdlineProp *old = &g_array_index(cl->machine_props, CmdlineProp, i);
        if (!strcmp(old->name, name)) {
            g_free(old->value);
            old->value = p.value;
            g_free(p.name);
            return;
        }
    }
    g_array_append_val(cl->machine_props, p);
}

static bool opt_machine(TernCmdline *cl, const char *arg, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(arg, "type", "-M", errp);

    if (!kv) {
        return false;
    }
    for (size_t i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key(kv, i), *value = keyval_value(kv, i);

        if (!strcmp(key, "type")) {
            if (!strcmp(value, "help")) {
                cl->machine_help = true;
            } else {
                g_free(cl->machine_type);
                cl->machine_type = g_strdup(value);
            }
        } else if (!strcmp(key, "help")) {
            cl->machine_help = true;
        } else if (!strcmp(key, "accel")) {
            if (!strcmp(value, "help")) {
                cl->accel_help = true;
            } else if (!add_accel_names(cl, value, "-M accel", errp)) {
                return false;
            }
        } else {
            set_machine_prop(cl, key, value);
        }
    }
    return true;
}

bool cmdline_parse_ram_size(const char *arg, uint64_t *size, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(arg, "size", "-m", errp);
    GError *err = NULL;
    const char *v;

    if (!kv) {
        return false;
    }
    if (keyval_has(kv, "slots") || keyval_has(kv, "maxmem")) {
        error_setg(errp, "-m %s: memory hotplug (slots, maxmem) is not supported yet", arg);
        return false;
    }
    v = keyval_get(kv, "size");
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (!v) {
        error_setg(errp, "-m %s: missing size", arg);
        return false;
    }
    /* A plain number is in MiB, as in QEMU. */
    if (!parse_size(v, 'M', size, &err)) {
        g_propagate_prefixed_error(errp, err, "-m %s: ", arg);
        return false;
    }
    if (*size == 0) {
        error_setg(errp, "-m %s: RAM size must be greater than zero", arg);
        return false;
    }
    if (*size > RAM_SIZE_MAX) {
        error_setg(errp, "-m %s: RAM size is larger than this host can address (at most %"
                   PRIu64 " GiB)", arg, (uint64_t)(RAM_SIZE_MAX >> 30));
        return false;
    }
    return true;
}

static bool opt_m(TernCmdline *cl, const char *arg, GError **errp)
{
    cl->has_ram_size = cmdline_parse_ram_size(arg, &cl->ram_size, errp);
    return cl->has_ram_size;
}

static bool opt_smp(TernCmdline *cl, const char *arg, GError **errp)
{
    cl->has_smp = machine_parse_smp(arg, &cl->smp, errp);
    return cl->has_smp;
}

static bool opt_cpu(TernCmdline *cl, const char *arg, GError **errp)
{
    if (!strcmp(arg, "help")) {
        cl->cpu_help = true;
        return true;
    }
    g_free(cl->cpu_model);
    cl->cpu_model = g_strdup(arg);
    return true;
}

static bool opt_accel(TernCmdline *cl, const char *arg, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(arg, "accel", "-accel", errp);
    const char *name;

    if (!kv) {
        return false;
    }
    name = keyval_get(kv, "accel");
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (!name) {
        error_setg(errp, "-accel %s: missing accelerator name (-accel help lists them)", arg);
        return false;
    }
    if (!strcmp(name, "help")) {
        cl->accel_help = true;
        return true;
    }
    return add_accel_names(cl, name, "-accel", errp);
}

static bool opt_enable_kvm(TernCmdline *cl, const char *arg, GError **errp)
{
    g_ptr_array_add(cl->accels, g_strdup("kvm"));
    return true;
}

static bool opt_display(TernCmdline *cl, const char *arg, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(arg, "type", "-display", errp);
    const char *type;

    if (!kv) {
        return false;
    }
    type = keyval_get(kv, "type");
    if (!type || strcmp(type, "none") != 0) {
        error_setg(errp, "-display %s: not supported yet (Tern has no graphical display; "
                   "use -nographic or -display none)", arg);
        return false;
    }
    cl->display_none = true;
    return keyval_check_unused(kv, errp);
}

static bool opt_log_items(TernCmdline *cl, const char *arg, GError **errp)
{
    GError *err = NULL;

    if (!strcmp(arg, "help")) {
        cl->log_help = true;
        return true;
    }
    if (!log_parse_items(arg, &cl->log_mask, &err)) {
        g_propagate_prefixed_error(errp, err, "-d %s: ", arg);
        return false;
    }
    cl->has_log_mask = true;
    return true;
}

/* -net none: no default NIC, which is what Tern does anyway. */
static bool opt_net(TernCmdline *cl, const char *arg, GError **errp)
{
    if (strcmp(arg, "none") != 0) {
        error_setg(errp, "-net %s: not supported (use -nic, or -netdev with -device)", arg);
        return false;
    }
    return true;
}

static bool opt_name(TernCmdline *cl, const char *arg, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(arg, "guest", "-name", errp);
    bool debug_threads = false;

    if (!kv) {
        return false;
    }
    g_free(cl->name);
    cl->name = g_strdup(keyval_get(kv, "guest"));
    /* vCPU threads are always named, so debug-threads needs nothing. */
    if (!keyval_get_bool(kv, "debug-threads", &debug_threads, errp)) {
        return false;
    }
    return keyval_check_unused(kv, errp);
}

/* Tern reads no configuration files, so there is nothing to skip. */
static bool opt_no_user_config(TernCmdline *cl, const char *arg, GError **errp)
{
    return true;
}

static bool opt_gdb(TernCmdline *cl, const char *arg, GError **errp)
{
    if (!g_str_has_prefix(arg, "tcp:") && !g_str_has_prefix(arg, "unix:") &&
        strcmp(arg, "none")) {
        error_setg(errp, "-gdb %s: expected tcp:[HOST]:PORT, unix:PATH or none", arg);
        return false;
    }
    g_free(cl->gdb);
    cl->gdb = g_strdup(arg);
    return true;
}

/* -s: shorthand for -gdb tcp::1234 */
static bool opt_gdb_default(TernCmdline *cl, const char *arg, GError **errp)
{
    return opt_gdb(cl, GDBSTUB_DEFAULT_SPEC, errp);
}

static bool opt_help(TernCmdline *cl, const char *arg, GError **errp)
{
    cl->help = true;
    return true;
}

#define FIELD(f) offsetof(TernCmdline, f)
#define FLAG(n, f, h)          { n, false, OPT_FLAG, FIELD(f), NULL, NULL, h }
#define STRING(n, f, a, h)     { n, true, OPT_STRING, FIELD(f), NULL, a, h }
#define LIST(n, f, a, h)       { n, true, OPT_LIST, FIELD(f), NULL, a, h }
#define FUNC(n, has, fn, a, h) { n, has, OPT_FUNC, 0, fn, a, h }
#define UNSUPPORTED(n, has)    { n, has, OPT_UNSUPPORTED, 0, NULL, NULL, NULL }

static const OptionDef options[] = {
    FUNC("h", false, opt_help, NULL, "print this help and exit"),
    FUNC("help", false, opt_help, NULL, NULL),
    FLAG("version", version, "print the version and exit"),

    FUNC("M", true, opt_machine, "NAME[,prop=value...]",
         "board to emulate (-M help lists them, -M NAME,help its properties)"),
    FUNC("machine", true, opt_machine, NULL, NULL),
    FUNC("accel", true, opt_accel, "NAME", "accelerator: tcg or kvm (-accel help)"),
    FUNC("enable-kvm", false, opt_enable_kvm, NULL, "same as -accel kvm"),
    FUNC("cpu", true, opt_cpu, "MODEL[,prop=value...]", "CPU model (-cpu help lists them)"),
    FUNC("m", true, opt_m, "[size=]SIZE", "RAM size; default unit M, suffixes K M G T"),
    FUNC("smp", true, opt_smp, "[cpus=]N[,maxcpus=,sockets=,cores=,threads=]",
         "number of CPUs and their topology"),

    STRING("bios", bios, "FILE", "firmware (\"none\": no firmware)"),
    STRING("kernel", kernel, "FILE", "kernel image"),
    STRING("initrd", initrd, "FILE", "initial ram disk"),
    STRING("append", append, "CMDLINE", "kernel command line"),
    STRING("dtb", dtb, "FILE", "device tree blob to pass to the guest"),

    FLAG("nographic", nographic, "no display; serial port and monitor on stdio"),
    FUNC("display", true, opt_display, "none", "no display (the only one Tern has)"),
    FLAG("nodefaults", nodefaults, "no default serial port and monitor"),
    LIST("serial", serials, "SPEC", "next serial port: stdio, mon:stdio, null, none, pty,\n"
         "file:PATH, chardev:ID, tcp:HOST:PORT, unix:PATH"),
    LIST("chardev", chardevs, "BACKEND,id=ID[,...]", "character device"),
    LIST("monitor", monitors, "SPEC", "human monitor on a chardev SPEC as for -serial (none: no monitor)"),
    LIST("qmp", qmps, "SPEC", "QMP (JSON) monitor, e.g. unix:/tmp/qmp.sock,server=on,wait=off"),
    LIST("mon", mons, "chardev=ID[,mode=readline|control]", "monitor on a -chardev"),
    LIST("device", devices, "NAME[,prop=value...]",
         "add a device (-device help, -device NAME,help)"),
    LIST("drive", drives, "OPTS", "disk image (if=none,id=,file=,format=,readonly=...)"),
    LIST("blockdev", blockdevs, "OPTS", "block node (driver=,node-name=,...)"),

    FLAG("S", start_paused, "do not start the CPUs"),
    FUNC("gdb", true, opt_gdb, "tcp:[HOST]:PORT|unix:PATH",
           "wait for gdb connections (the VM stops when gdb attaches)"),
    FUNC("s", false, opt_gdb_default, NULL, "same as -gdb " GDBSTUB_DEFAULT_SPEC),
    FUNC("d", true, opt_log_items, "ITEM[,...]", "log items (-d help lists them)"),
    STRING("D", log_file, "FILE", "write the log to FILE instead of stderr"),
    FLAG("no-reboot", no_reboot, "exit instead of rebooting"),
    FLAG("no-shutdown", no_shutdown, "pause instead of exiting when the guest powers off"),
    FUNC("name", true, opt_name, "[guest=]NAME", "name of the guest"),
    LIST("netdev", netdevs, "TYPE,id=ID[,...]",
         "network backend: user or tap (-netdev help lists them)"),
    LIST("nic", nics, "TYPE[,model=M][,mac=MAC][,...]",
         "backend and NIC in one (model=virtio-net-device); none: no NIC"),
    FUNC("net", true, opt_net, "none", NULL),
    FUNC("no-user-config", false, opt_no_user_config, NULL, NULL),

    UNSUPPORTED("boot", true),
    UNSUPPORTED("rtc", true),
    UNSUPPORTED("snapshot", false),
    UNSUPPORTED("global", true),
    UNSUPPORTED("object", true),
    UNSUPPORTED("vga", true),
    UNSUPPORTED("usb", false),
    UNSUPPORTED("usbdevice", true),
    UNSUPPORTED("L", true),
    UNSUPPORTED("pidfile", true),
    UNSUPPORTED("daemonize", false),
    UNSUPPORTED("icount", true),
    UNSUPPORTED("trace", true),
    UNSUPPORTED("overcommit", true),
    UNSUPPORTED("smbios", true),
    UNSUPPORTED("uuid", true),
    UNSUPPORTED("fw_cfg", true),
    UNSUPPORTED("no-acpi", false),
    UNSUPPORTED("audiodev", true),
    UNSUPPORTED("k", true),
    UNSUPPORTED("full-screen", false),
    UNSUPPORTED("loadvm", true),
    UNSUPPORTED("incoming", true),
    UNSUPPORTED("mem-path", true),
    UNSUPPORTED("mem-prealloc", false),
    UNSUPPORTED("numa", true),
    UNSUPPORTED("hda", true),
    UNSUPPORTED("hdb", true),
    UNSUPPORTED("hdc", true),
    UNSUPPORTED("hdd", true),
    UNSUPPORTED("cdrom", true),
    UNSUPPORTED("fda", true),
    UNSUPPORTED("sd", true),
    UNSUPPORTED("mtdblock", true),
    UNSUPPORTED("pflash", true),
    UNSUPPORTED("parallel", true),
    UNSUPPORTED("debugcon", true),
    UNSUPPORTED("virtfs", true),
    UNSUPPORTED("fsdev", true),
    UNSUPPORTED("vnc", true),
    UNSUPPORTED("spice", true),
    UNSUPPORTED("semihosting", false),
    UNSUPPORTED("semihosting-config", true),
    UNSUPPORTED("action", true),
    UNSUPPORTED("watchdog-action", true),
    UNSUPPORTED("plugin", true),
    UNSUPPORTED("singlestep", false),
    UNSUPPORTED("seed", true),
    UNSUPPORTED("readconfig", true),
    UNSUPPORTED("writeconfig", true),
    UNSUPPORTED("set", true),
    UNSUPPORTED("add-fd", true),
    UNSUPPORTED("msg", true),
    UNSUPPORTED("sandbox", true),
    UNSUPPORTED("runas", true),
    UNSUPPORTED("chroot", true),
    UNSUPPORTED("preconfig", false),
    UNSUPPORTED("tpmdev", true),
};

static const OptionDef *find_option(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        if (!strcmp(options[i].name, name)) {
            return &options[i];
        }
    }
    return NULL;
}

static bool apply_option(TernCmdline *cl, const OptionDef *o, const char *arg,
                         GError **errp)
{
    char *field = (char *)cl + o->offset;

    switch (o->kind) {
    case OPT_FLAG:
        *(bool *)field = true;
        return true;
    case OPT_STRING:
        g_free(*(char **)field);
        *(char **)field = g_strdup(arg);
        return true;
    case OPT_LIST:
        g_ptr_array_add(*(GPtrArray **)field, g_strdup(arg));
        return true;
    case OPT_FUNC:
        return o->handler(cl, arg, errp);
    case OPT_UNSUPPORTED:
        error_setg(errp, "-%s: not supported yet", o->name);
        return false;
    }
    g_assert_not_reached();
}

static void cmdline_prop_clear(gpointer p)
{
    CmdlineProp *prop = p;

    g_free(prop->name);
    g_free(prop->value);
}

static TernCmdline *cmdline_new(void)
{
    TernCmdline *cl = g_new0(TernCmdline, 1);

    cl->machine_props = g_array_new(FALSE, TRUE, sizeof(CmdlineProp));
    g_array_set_clear_func(cl->machine_props, cmdline_prop_clear);
    cl->accels = g_ptr_array_new_with_free_func(g_free);
    cl->serials = g_ptr_array_new_with_free_func(g_free);
    cl->chardevs = g_ptr_array_new_with_free_func(g_free);
    cl->devices = g_ptr_array_new_with_free_func(g_free);
    cl->drives = g_ptr_array_new_with_free_func(g_free);
    cl->blockdevs = g_ptr_array_new_with_free_func(g_free);
    cl->monitors = g_ptr_array_new_with_free_func(g_free);
    cl->qmps = g_ptr_array_new_with_free_func(g_free);
    cl->mons = g_ptr_array_new_with_free_func(g_free);
    cl->netdevs = g_ptr_array_new_with_free_func(g_free);
    cl->nics = g_ptr_array_new_with_free_func(g_free);
    return cl;
}

void cmdline_free(TernCmdline *cl)
{
    if (!cl) {
        return;
    }
    g_array_free(cl->machine_props, TRUE);
    g_ptr_array_free(cl->accels, TRUE);
    g_ptr_array_free(cl->serials, TRUE);
    g_ptr_array_free(cl->chardevs, TRUE);
    g_ptr_array_free(cl->devices, TRUE);
    g_ptr_array_free(cl->drives, TRUE);
    g_ptr_array_free(cl->blockdevs, TRUE);
    g_ptr_array_free(cl->monitors, TRUE);
    g_ptr_array_free(cl->qmps, TRUE);
    g_ptr_array_free(cl->mons, TRUE);
    g_ptr_array_free(cl->netdevs, TRUE);
    g_ptr_array_free(cl->nics, TRUE);
    g_free(cl->machine_type);
    g_free(cl->cpu_model);
    g_free(cl->bios);
    g_free(cl->kernel);
    g_free(cl->initrd);
    g_free(cl->append);
    g_free(cl->dtb);
    g_free(cl->log_file);
    g_free(cl->name);
    g_free(cl->gdb);
    g_free(cl);
}

TernCmdline *cmdline_parse(int argc, char **argv, GError **errp)
{
    g_autoptr(TernCmdline) cl = cmdline_new();

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *name;
        const OptionDef *o;

        if (arg[0] != '-') {
            error_setg(errp, "%s: a disk image without an option is not supported yet "
                       "(use -drive file=%s,...)", arg, arg);
            return NULL;
        }
        /* QEMU accepts --opt for -opt. */
        name = arg[1] == '-' ? arg + 2 : arg + 1;
        o = find_option(name);
        if (!o) {
            error_setg(errp, "-%s: invalid option (-help lists the options)", name);
            return NULL;
        }
        if (o->has_arg && i + 1 >= argc) {
            error_setg(errp, "-%s: requires an argument", name);
            return NULL;
        }
        if (!apply_option(cl, o, o->has_arg ? argv[++i] : NULL, errp)) {
            return NULL;
        }
    }
    return g_steal_pointer(&cl);
}

void cmdline_print_help(FILE *out, const char *progname)
{
    fprintf(out, "usage: %s [options]\n\n"
            "Options (QEMU's spelling; --opt also works):\n", progname);
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const OptionDef *o = &options[i];
        g_autofree char *synopsis = NULL;

        if (!o->help) {
            continue;
        }
        synopsis = g_strdup_printf("-%s%s%s", o->name, o->args ? " " : "",
                                   o->args ? o->args : "");
        if (strlen(synopsis) > 28) {
            fprintf(out, "  %s\n  %-28s ", synopsis, "");
        } else {
            fprintf(out, "  %-28s ", synopsis);
        }
        /* help texts may span lines: indent the continuation */
        for (const char *h = o->help; *h; h++) {
            fputc(*h, out);
            if (*h == '\n') {
                fprintf(out, "  %-28s ", "");
            }
        }
        fputc('\n', out);
    }
    fprintf(out, "\nTern has no graphical display: without -display none, the first serial port\n"
            "and the monitor share stdio as with -nographic (Ctrl-A h lists the keys).\n");
}
