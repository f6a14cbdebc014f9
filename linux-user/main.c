/*
 * tern-riscv64: run a riscv64 Linux program on this (x86-64) Linux host.
 *   tern-riscv64 [options] program [args...]
 */
#include "tern/osdep.h"
#include <unistd.h>
#include "exec/cpu-exec.h"
#include "hw/core/cpu.h"
#include "user-internal.h"

UserOptions user_opts;
ImageInfo image_info;

#define DEFAULT_LD_PREFIX "/usr/riscv64-linux-gnu"

static void usage(FILE *f)
{
    fprintf(f,
"usage: tern-riscv64 [options] program [arguments...]\n"
"Run a riscv64 Linux program (static or dynamic ELF) on this host.\n"
"\n"
"Options (environment variable in brackets):\n"
"  -h                   print this help and exit\n"
"  -version             print the version and exit\n"
"  -L path              prefix for the ELF interpreter and its libraries\n"
"                       [TERN_LD_PREFIX, QEMU_LD_PREFIX] (default %s if it exists)\n"
"  -E var=value         set an environment variable for the program\n"
"  -U var               remove an environment variable from the program\n"
"  -0 argv0             argv[0] of the program (default: the program path)\n"
"  -cpu model           CPU model and properties, e.g. rv64,zba=off ('-cpu help'\n"
"                       lists the models) [TERN_CPU, QEMU_CPU]\n"
"  -d item[,...]        log items ('-d help' lists them) [QEMU_LOG]\n"
"  -D file              write the log to file [QEMU_LOG_FILENAME]\n"
"  -strace              print each system call [QEMU_STRACE]\n"
"  -g port              wait for gdb on TCP port of 127.0.0.1 (localhost only)\n"
"                       before the first instruction [TERN_GDB, QEMU_GDB]\n",
            DEFAULT_LD_PREFIX);
}

static const char *env_either(const char *a, const char *b)
{
    const char *v = g_getenv(a);
    return v ? v : g_getenv(b);
}

G_NORETURN static void missing_arg(const char *opt)
{
    error_report("option %s needs an argument (see -h)", opt);
    exit(1);
}

int main(int argc, char **argv)
{
    g_auto(GStrv) envp = g_get_environ();
    g_autoptr(GError) err = NULL;
    const char *argv0 = NULL, *log_file = NULL, *gdb_port, *ld_prefix_from;
    char *log_str = NULL;
    uint32_t mask = 0;
    LoadParams lp = { 0 };
    RISCVCPU *cpu;
    TernThread *ts;
    int i;

    error_set_progname("tern-riscv64");
    user_opts.ld_prefix = env_either("TERN_LD_PREFIX", "QEMU_LD_PREFIX");
    ld_prefix_from = g_getenv("TERN_LD_PREFIX") ? "TERN_LD_PREFIX" : "QEMU_LD_PREFIX";
    user_opts.cpu_model = env_either("TERN_CPU", "QEMU_CPU");
    user_opts.strace = env_either("TERN_STRACE", "QEMU_STRACE") != NULL;
    log_str = (char *)g_getenv("QEMU_LOG");
    log_file = g_getenv("QEMU_LOG_FILENAME");
    gdb_port = env_either("TERN_GDB", "QEMU_GDB");

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *opt = argv[i] + (argv[i][1] == '-' && argv[i][2] ? 1 : 0);
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(opt, "-h") || !strcmp(opt, "-help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(opt, "-version")) {
            printf("tern-riscv64 version %s\n", TERN_VERSION);
            return 0;
        } else if (!strcmp(opt, "-strace")) {
            user_opts.strace = true;
            continue;
        } else if (!strcmp(opt, "-L") || !strcmp(opt, "-E") || !strcmp(opt, "-U") ||
                   !strcmp(opt, "-0") || !strcmp(opt, "-cpu") || !strcmp(opt, "-d") ||
                   !strcmp(opt, "-D") || !strcmp(opt, "-g")) {
            if (!arg) {
                missing_arg(opt);
            }
            i++;
        } else {
            error_report("unknown option '%s' (see -h)", argv[i]);
            return 1;
        }
        if (!strcmp(opt, "-L")) {
            user_opts.ld_prefix = arg;
            ld_prefix_from = "-L";
        } else if (!strcmp(opt, "-E")) {
            g_autofree char *name = g_strdup(arg);
            char *eq = strchr(name, '=');
            if (!eq || eq == name) {
                error_report("-E '%s': expected var=value", arg);
                return 1;
            }
            *eq = 0;
            envp = g_environ_setenv(envp, name, eq + 1, true);
        } else if (!strcmp(opt, "-U")) {
            envp = g_environ_unsetenv(envp, arg);
        } else if (!strcmp(opt, "-0")) {
            argv0 = arg;
        } else if (!strcmp(opt, "-cpu")) {
            user_opts.cpu_model = arg;
        } else if (!strcmp(opt, "-d")) {
            log_str = (char *)arg;
        } else if (!strcmp(opt, "-D")) {
            log_file = arg;
        } else if (!strcmp(opt, "-g")) {
            gdb_port = arg;
        }
    }
    if (log_str) {
        if (!strcmp(log_str, "help")) {
            for (const LogItem *it = log_items; it->name; it++) {
                printf("%-15s %s\n", it->name, it->help);
            }
            return 0;
        }
        if (!log_parse_items(log_str, &mask, &err)) {
            error_report("-d: %s", err->message);
            return 1;
        }
        user_opts.log_items = log_str;
        if (mask & LOG_STRACE) {
            user_opts.strace = true;
        }
    }
    if (user_opts.cpu_model && !strcmp(user_opts.cpu_model, "help")) {
        cpu_model_print_list("tern-riscv64");
        return 0;
    }
    /* the message names -D and the file */
    if (log_file && !log_set_file(log_file, &err)) {
        error_report("%s", err->message);
        return 1;
    }
    log_set_mask(mask);
    if (i >= argc) {
        error_report("no program given (see -h)");
        return 1;
    }
    if (!user_opts.ld_prefix && g_file_test(DEFAULT_LD_PREFIX, G_FILE_TEST_IS_DIR)) {
        user_opts.ld_prefix = DEFAULT_LD_PREFIX;
    }
    if (user_opts.ld_prefix && !g_file_test(user_opts.ld_prefix, G_FILE_TEST_IS_DIR)) {
        error_report("%s '%s': not a directory", ld_prefix_from, user_opts.ld_prefix);
        return 1;
    }
    user_opts.exe_path = argv[i];
    user_opts.tern_path = "tern-riscv64";

    cpu = riscv_cpu_create_user(user_opts.cpu_model, &err);
    if (!cpu) {
        error_report("-cpu: %s", err->message);
        return 1;
    }
    guest_space_init();
    tcg_set_guest_addr_mask(~(GUEST_SPACE - 1), GUEST_GUARD);
    tcg_exec_init(riscv_cpu_state(cpu)->cc->tcg_ops, 0, true, guest_base);
    tcg_user_bad_addr_hook = guest_bad_address;
    tcg_user_code_page_hook = guest_code_page_added;
    tcg_user_exec_hook = guest_page_executable;
    ts = thread_new(cpu);

    if (argv0) {
        argv[i] = (char *)argv0;
    }
    lp.filename = user_opts.exe_path;
    lp.argv = &argv[i];
    lp.envp = envp;
    lp.ld_prefix = user_opts.ld_prefix;
    lp.execfn = user_opts.exe_path;
    lp.hwcap = riscv_cpu_hwcap(cpu);
    if (!load_program(&lp, &image_info, &err)) {
        error_report("%s", err->message);
        return 1;
    }
    ts->gpr[2] = image_info.sp;
    riscv_cpu_set_pc(cpu, image_info.entry);
    /* before the guest's signal handling: Ctrl-C still ends a wait for gdb */
    if (gdb_port && !gdbserver_user_start(gdb_port, ts->cs, &err)) {
        error_report("-g: %s", err->message);
        return 1;
    }
    signal_init(ts);
    cpu_loop(ts);
}
