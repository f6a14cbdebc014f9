/*
 * The human monitor (HMP): a line editor on a chardev and a few commands.
 * It runs on the main loop with the big lock held, like every chardev
 * front end.
 */
#include "tern/osdep.h"
#include "sysemu/monitor.h"
#include "sysemu/runstate.h"
#include "hw/core/cpu.h"
#include "exec/memory.h"
#include "util/keyval.h"
#include "softmmu/tern-version.h"
#include <stdarg.h>

#define HMP_PROMPT   "(tern) "
#define HMP_LINE_MAX 1024

typedef struct HmpMonitor {
    CharBackend be;
    GString *capture;       /* non-NULL: output goes here (QMP human-monitor-command) */
    GString *line;
    bool greeted;           /* banner printed on this connection */
    bool last_cr;           /* swallow the \n of a \r\n */
    int esc;                /* 0, 1 after ESC, 2 inside an ESC [ sequence */
} HmpMonitor;

typedef struct HmpCommand {
    const char *names;      /* "quit|q" */
    const char *args;
    const char *help;
    void (*fn)(HmpMonitor *mon, const char *arg);
} HmpCommand;

/* ---- output ---- */

static void hmp_puts(HmpMonitor *mon, const char *s)
{
    g_autoptr(GString) out = NULL;

    if (mon->capture) {
        g_string_append(mon->capture, s);
        return;
    }
    out = g_string_sized_new(strlen(s) + 16);

    /* the terminal may be raw: a bare \n would not return the carriage */
    for (; *s; s++) {
        if (*s == '\n') {
            g_string_append_c(out, '\r');
        }
        g_string_append_c(out, *s);
    }
    qemu_chr_fe_write_all(&mon->be, (const uint8_t *)out->str, out->len);
}

static void G_GNUC_PRINTF(2, 3) hmp_printf(HmpMonitor *mon, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *s = NULL;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    hmp_puts(mon, s);
}

/* ---- shared with QMP: powerdown ---- */

static void (*powerdown_fn)(void *opaque);
static void *powerdown_opaque;

void qemu_register_powerdown_handler(void (*fn)(void *opaque), void *opaque)
{
    powerdown_fn = fn;
    powerdown_opaque = opaque;
}

bool qemu_system_powerdown_request(void)
{
    if (!powerdown_fn) {
        return false;
    }
    powerdown_fn(powerdown_opaque);
    return true;
}

/* ---- commands ---- */

static void hmp_info_status(HmpMonitor *mon, const char *arg)
{
    hmp_printf(mon, "VM status: %s\n", runstate_is_running() ? "running" : "paused");
}

static void hmp_info_version(HmpMonitor *mon, const char *arg)
{
    hmp_printf(mon, "%s\n", TERN_VERSION);
}

static void hmp_info_cpus(HmpMonitor *mon, const char *arg)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        hmp_printf(mon, "%c CPU #%d:", cpu->cpu_index == 0 ? '*' : ' ', cpu->cpu_index);
        if (cpu->cc && cpu->cc->get_pc) {
            hmp_printf(mon, " pc=0x%016" PRIx64, cpu->cc->get_pc(cpu));
        }
        hmp_printf(mon, "%s\n", cpu->halted ? " (halted)" : "");
    }
}

/* Print what a FILE-writing dump function produces. */
static void hmp_print_dump(HmpMonitor *mon, void (*dump)(void *obj, FILE *f), void *obj)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    if (!f) {
        hmp_printf(mon, "out of memory\n");
        return;
    }
    dump(obj, f);
    fclose(f);
    hmp_puts(mon, text);
    free(text);
}

static void dump_address_space(void *as, FILE *f)
{
    address_space_dump(as, f);
}

static void hmp_info_mtree(HmpMonitor *mon, const char *arg)
{
    CPUState *cpu = cpu_by_index(0);

    hmp_print_dump(mon, dump_address_space, get_system_address_space());
    /* port I/O exists on x86 only; asking for it elsewhere would create it */
    if (cpu && cpu->cc && cpu->cc->arch_name && !strcmp(cpu->cc->arch_name, "x86_64")) {
        hmp_print_dump(mon, dump_address_space, get_system_io_space());
    }
}

static void dump_cpu(void *cpu, FILE *f)
{
    CPUState *cs = cpu;

    cs->cc->dump_state(cs, f);
}

/* The registers of every CPU (QEMU shows the monitor's current CPU: 0). */
static void hmp_info_registers(HmpMonitor *mon, const char *arg)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        hmp_printf(mon, "CPU #%d:\n", cpu->cpu_index);
        if (cpu->cc && cpu->cc->dump_state) {
            hmp_print_dump(mon, dump_cpu, cpu);
        } else {
            hmp_printf(mon, "  (this CPU cannot show its registers)\n");
        }
    }
}

static void print_chardev(Chardev *chr, void *opaque)
{
    hmp_printf(opaque, "%s: filename=%s\n", qemu_chr_label(chr), qemu_chr_filename(chr));
}

static void hmp_info_chardev(HmpMonitor *mon, const char *arg)
{
    qemu_chr_foreach(print_chardev, mon);
}

static const HmpCommand info_commands[] = {
    { "status", "", "show the VM status (running or paused)", hmp_info_status },
    { "version", "", "show the version", hmp_info_version },
    { "cpus", "", "show the CPUs and their program counters", hmp_info_cpus },
    { "registers", "", "show the CPU registers", hmp_info_registers },
    { "mtree", "", "show the memory map", hmp_info_mtree },
    { "chardev", "", "show the character devices", hmp_info_chardev },
};

/* Parse "/[count][format][size]": format x d u c, size b h w g (QEMU's syntax). */
static bool parse_xp_format(const char **p, unsigned *count, char *format, unsigned *size)
{
    const char *s = *p;

    if (*s != '/') {
        return true;
    }
    s++;
    if (g_ascii_isdigit(*s)) {
        *count = strtoul(s, (char **)&s, 10);
    }
    for (; *s && !g_ascii_isspace(*s); s++) {
        switch (*s) {
        case 'x': case 'd': case 'u': case 'c':
            *format = *s;
            break;
        case 'b': *size = 1; break;
        case 'h': *size = 2; break;
        case 'w': *size = 4; break;
        case 'g': *size = 8; break;
        default:
            return false;
        }
    }
    *p = s;
    return true;
}

#define XP_MAX_BYTES 65536

/* xp /fmt addr: guest physical memory (read through the memory API, so
 * MMIO registers are really read, as in QEMU). */
static void hmp_xp(HmpMonitor *mon, const char *arg)
{
    unsigned count = 1, size = 4;
    char format = 'x';
    const char *p = arg;
    char *end;
    uint64_t addr;

    if (!parse_xp_format(&p, &count, &format, &size)) {
        hmp_printf(mon, "xp: bad format '%s' (use /NFU: count, format x d u c, "
                   "size b h w g)\n", arg);
        return;
    }
    if (format == 'c') {
        size = 1;
    }
    while (g_ascii_isspace(*p)) {
        p++;
    }
    errno = 0;
    addr = g_ascii_strtoull(p, &end, 0);
    if (!*p || *end || errno) {
        hmp_printf(mon, "xp: '%s' is not an address\n", p);
        return;
    }
    if (!count || (uint64_t)count * size > XP_MAX_BYTES) {
        hmp_printf(mon, "xp: count must be 1 to %u for this size\n", XP_MAX_BYTES / size);
        return;
    }
    unsigned per_line = (size == 1 ? 8 : 16) / size;
    for (unsigned i = 0; i < count; i++) {
        uint64_t a = addr + (uint64_t)i * size;
        uint64_t val = 0;

        if (i % per_line == 0) {
            hmp_printf(mon, "%s%016" PRIx64 ":", i ? "\n" : "", a);
        }
        address_space_load(get_system_address_space(), a, size, &val);
        switch (format) {
        case 'x':
            hmp_printf(mon, " 0x%0*" PRIx64, (int)size * 2, val);
            break;
        case 'u':
            hmp_printf(mon, " %" PRIu64, val);
            break;
        case 'd': {
            int shift = 64 - size * 8;
            hmp_printf(mon, " %" PRId64, (int64_t)(val << shift) >> shift);
            break;
        }
        case 'c':
            if (g_ascii_isprint(val)) {
                hmp_printf(mon, " '%c'", (int)val);
            } else {
                hmp_printf(mon, " '\\x%02x'", (int)val);
            }
            break;
        }
    }
    hmp_puts(mon, "\n");
}

static void hmp_stop(HmpMonitor *mon, const char *arg)
{
    vm_stop();
}

static void hmp_cont(HmpMonitor *mon, const char *arg)
{
    vm_start();
}

static void hmp_system_reset(HmpMonitor *mon, const char *arg)
{
    qemu_system_reset_request();
}

static void hmp_system_powerdown(HmpMonitor *mon, const char *arg)
{
    if (!qemu_system_powerdown_request()) {
        hmp_printf(mon, "system_powerdown: not supported by this machine\n");
    }
}

static void hmp_quit(HmpMonitor *mon, const char *arg)
{
    qemu_system_quit_request();
}

static void hmp_help(HmpMonitor *mon, const char *arg);
static void hmp_info(HmpMonitor *mon, const char *arg);

static const HmpCommand hmp_commands[] = {
    { "help|?", "[cmd]", "show the help", hmp_help },
    { "info", "subcommand", "show machine information (info alone lists them)", hmp_info },
    { "xp", "/fmt addr", "show guest physical memory (fmt: count, x d u c, b h w g)", hmp_xp },
    { "stop", "", "pause the VM", hmp_stop },
    { "cont|c", "", "resume the VM", hmp_cont },
    { "system_reset", "", "reset the machine", hmp_system_reset },
    { "system_powerdown", "", "ask the guest to power off", hmp_system_powerdown },
    { "quit|q", "", "quit the emulator", hmp_quit },
};

static bool name_matches(const char *names, const char *word)
{
    g_auto(GStrv) alts = g_strsplit(names, "|", -1);

    return g_strv_contains((const gchar *const *)alts, word);
}

static const HmpCommand *find_command(const HmpCommand *table, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++) {
        if (name_matches(table[i].names, word)) {
            return &table[i];
        }
    }
    return NULL;
}

static void print_table(HmpMonitor *mon, const char *prefix,
                        const HmpCommand *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_autofree char *usage = g_strdup_printf("%s%s%s%s", prefix, table[i].names,
                                                 *table[i].args ? " " : "", table[i].args);
        hmp_printf(mon, "%-28s -- %s\n", usage, table[i].help);
    }
}

static void hmp_help(HmpMonitor *mon, const char *arg)
{
    const HmpCommand *cmd = *arg ? find_command(hmp_commands, ARRAY_SIZE(hmp_commands), arg)
                                 : NULL;

    if (cmd) {
        print_table(mon, "", cmd, 1);
    } else if (*arg) {
        hmp_printf(mon, "unknown command: '%s'\n", arg);
    } else {
        print_table(mon, "", hmp_commands, ARRAY_SIZE(hmp_commands));
    }
    if (!*arg || !strcmp(arg, "info")) {
        print_table(mon, "info ", info_commands, ARRAY_SIZE(info_commands));
    }
}

static void hmp_info(HmpMonitor *mon, const char *arg)
{
    const HmpCommand *cmd;

    if (!*arg) {
        print_table(mon, "info ", info_commands, ARRAY_SIZE(info_commands));
        return;
    }
    cmd = find_command(info_commands, ARRAY_SIZE(info_commands), arg);
    if (!cmd) {
        hmp_printf(mon, "info: unknown subcommand '%s' (try 'info' for the list)\n", arg);
        return;
    }
    cmd->fn(mon, "");
}

static void hmp_execute(HmpMonitor *mon, const char *line)
{
    g_autofree char *copy = g_strstrip(g_strdup(line));
    char *word = copy, *arg = copy;
    const HmpCommand *cmd;

    if (!*word) {
        return;
    }
    while (*arg && !g_ascii_isspace(*arg)) {
        arg++;
    }
    if (*arg) {
        *arg++ = '\0';
        g_strchug(arg);
    }
    cmd = find_command(hmp_commands, ARRAY_SIZE(hmp_commands), word);
    if (!cmd) {
        hmp_printf(mon, "unknown command: '%s'\n", word);
        return;
    }
    if (!*cmd->args && *arg) {
        hmp_printf(mon, "%s: unexpected argument '%s'\n", word, arg);
        return;
    }
    cmd->fn(mon, arg);
}

/* ---- line editing ---- */

static void hmp_greet(HmpMonitor *mon)
{
    if (!mon->greeted) {
        hmp_printf(mon, "Tern %s monitor - type 'help' for more information\n", TERN_VERSION);
        mon->greeted = true;
    }
    hmp_puts(mon, HMP_PROMPT);
}

static void hmp_byte(HmpMonitor *mon, uint8_t c)
{
    bool cr = mon->last_cr;

    mon->last_cr = false;
    if (mon->esc == 1) {            /* ESC: a CSI/SS3 sequence or nothing */
        mon->esc = (c == '[' || c == 'O') ? 2 : 0;
        return;
    }
    if (mon->esc == 2) {            /* cursor keys etc.: not supported, skipped */
        if (c >= 0x40 && c <= 0x7e) {
            mon->esc = 0;
        }
        return;
    }
    switch (c) {
    case 0x1b:
        mon->esc = 1;
        break;
    case '\n':
        if (cr) {
            break;
        }
        /* fall through */
    case '\r': {
        g_autofree char *line = g_strdup(mon->line->str);

        mon->last_cr = c == '\r';
        g_string_truncate(mon->line, 0);
        hmp_puts(mon, "\n");
        hmp_execute(mon, line);
        hmp_puts(mon, HMP_PROMPT);
        break;
    }
    case 0x7f:
    case '\b':
        if (mon->line->len) {
            g_string_truncate(mon->line, mon->line->len - 1);
            hmp_puts(mon, "\b \b");
        }
        break;
    default:
        if (c >= 0x20 && mon->line->len < HMP_LINE_MAX) {
            char echo[2] = { (char)c, 0 };
            g_string_append_c(mon->line, c);
            hmp_puts(mon, echo);
        }
    }
}

static int hmp_can_read(void *opaque)
{
    return 256;
}

static void hmp_read(void *opaque, const uint8_t *buf, int size)
{
    for (int i = 0; i < size; i++) {
        hmp_byte(opaque, buf[i]);
    }
}

static void hmp_event(void *opaque, ChrEvent event)
{
    HmpMonitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* on a mux, wait until the user switches to the monitor */
        if (!qemu_chr_is_mux(mon->be.chr)) {
            hmp_greet(mon);
        }
        break;
    case CHR_EVENT_MUX_IN:
        hmp_greet(mon);
        break;
    case CHR_EVENT_CLOSED:
        g_string_truncate(mon->line, 0);
        mon->greeted = false;
        mon->esc = 0;
        break;
    default:
        break;
    }
}

char *monitor_hmp_command(const char *cmdline)
{
    HmpMonitor mon = { .capture = g_string_new(NULL) };

    hmp_execute(&mon, cmdline);
    return g_string_free(mon.capture, FALSE);
}

bool monitor_init_hmp(Chardev *chr, GError **errp)
{
    HmpMonitor *mon = g_new0(HmpMonitor, 1);

    if (!qemu_chr_fe_init_background(&mon->be, chr, errp)) {
        g_free(mon);
        return false;
    }
    mon->line = g_string_new(NULL);
    qemu_chr_fe_set_handlers(&mon->be, hmp_can_read, hmp_read, hmp_event, mon);
    return true;
}

/* ---- command line ---- */

bool monitor_add(const char *spec, bool qmp, GError **errp)
{
    static unsigned n_hmp, n_qmp;
    g_autofree char *label = qmp ? g_strdup_printf("qmp%u", n_qmp++)
                                 : g_strdup_printf("monitor%u", n_hmp++);
    GError *err = NULL;
    Chardev *chr;

    chr = qemu_chr_new(label, spec, &err);
    if (!chr) {
        if (err) {
            g_propagate_error(errp, err);
            return false;
        }
        return true;    /* "none" */
    }
    return qmp ? monitor_init_qmp(chr, errp) : monitor_init_hmp(chr, errp);
}

bool monitor_add_from_opts(const char *optstr, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(optstr, "chardev", "-mon", errp);
    const char *id, *mode;
    Chardev *chr;
    bool qmp;

    if (!kv) {
        return false;
    }
    for (size_t i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key(kv, i);
        /* pretty= is accepted; output is always compact */
        if (strcmp(key, "chardev") && strcmp(key, "mode") && strcmp(key, "pretty")) {
            error_setg(errp, "unknown parameter '%s'", key);
            return false;
        }
    }
    id = keyval_get(kv, "chardev");
    mode = keyval_get(kv, "mode");
    if (!id) {
        error_setg(errp, "missing chardev=");
        return false;
    }
    if (mode && strcmp(mode, "readline") && strcmp(mode, "control")) {
        error_setg(errp, "mode must be readline or control");
        return false;
    }
    qmp = mode && !strcmp(mode, "control");
    chr = qemu_chr_find(id);
    if (!chr) {
        error_setg(errp, "no chardev with id '%s'", id);
        return false;
    }
    return qmp ? monitor_init_qmp(chr, errp) : monitor_init_hmp(chr, errp);
}
