/*
 * stdio backend: reads stdin, writes stdout. On a terminal, stdin goes to raw
 * mode (keys reach the guest one at a time, Ctrl-A reaches the mux) and the
 * old settings come back on every way out: exit, fatal signals, crashes.
 */
#include "tern/osdep.h"
#include "chardev-internal.h"
#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <fcntl.h>

typedef struct StdioChardev {
    Chardev parent;
    ChrFdWatch *watch;
} StdioChardev;

static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;
static const char *stdio_owner;     /* label of the chardev using stdio */

/*
 * Started with stdin, stdout or stderr closed, Tern's first open files
 * (glib's wakeup eventfd, /dev/kvm) would take those numbers, and the stdio
 * backend would then read and write them. Plug the holes with /dev/null
 * before anything else runs.
 */
static void __attribute__((constructor)) stdio_fill_closed_fds(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
            if (n > fd) {
                dup2(n, fd);
                close(n);
            }
        }
    }
}

void chr_stdio_restore(void)
{
    if (tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    }
}

/* Restore the terminal, then die of the signal as if we had not caught it. */
static void fatal_signal(int sig)
{
    chr_stdio_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_restore_handlers(void)
{
    /* Crashes always; termination signals only if nobody handles them
     * (the front end turns those into an orderly quit, which runs atexit). */
    static const int crash[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
    static const int term[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    struct sigaction sa = { .sa_handler = fatal_signal, .sa_flags = SA_NODEFER };

    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < ARRAY_SIZE(crash); i++) {
        sigaction(crash[i], &sa, NULL);
    }
    for (size_t i = 0; i < ARRAY_SIZE(term); i++) {
        struct sigaction old;
        if (sigaction(term[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
            sigaction(term[i], &sa, NULL);
        }
    }
    atexit(chr_stdio_restore);
}

static void stdio_input(Chardev *chr, GIOCondition cond)
{
    StdioChardev *s = (StdioChardev *)chr;
    ssize_t n = chr_fd_read_input(chr, STDIN_FILENO);

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        /* EOF (e.g. stdin is /dev/null under CI): stop reading, keep writing */
        chr_fd_watch_free(s->watch);
        s->watch = NULL;
    }
}

static bool stdio_open(Chardev *chr, KeyVal *opts, GError **errp)
{
    StdioChardev *s = (StdioChardev *)chr;
    bool allow_signals = true;

    if (stdio_owner) {
        error_setg(errp, "stdio is already used by chardev '%s' "
                   "(share it with mon:stdio or mux=on)", stdio_owner);
        return false;
    }
    if (!keyval_get_bool(opts, "signal", &allow_signals, errp)) {
        return false;
    }
    if (isatty(STDIN_FILENO)) {
        if (tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
            tty_saved = 1;
            install_restore_handlers();
        }
        if (!chr_tty_set_raw(STDIN_FILENO, allow_signals, errp)) {
            return false;
        }
    }
    /* stdin may be unreadable (opened write-only): then output only */
    if ((fcntl(STDIN_FILENO, F_GETFL) & O_ACCMODE) != O_WRONLY) {
        s->watch = chr_fd_watch_new(chr, STDIN_FILENO, chr_ready_for_input, stdio_input);
    }
    stdio_owner = chr->label;
    chr->out_fd = STDOUT_FILENO;
    chr->filename = g_strdup("stdio");
    chr->be_open = true;
    return true;
}

static ssize_t stdio_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return write(STDOUT_FILENO, buf, len);
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = (StdioChardev *)chr;

    chr_fd_watch_free(s->watch);
    chr_stdio_restore();
    stdio_owner = NULL;
}

const ChardevClass chardev_stdio_class = {
    .name = "stdio",
    .instance_size = sizeof(StdioChardev),
    .options = (const char *const[]){ "signal", NULL },
    .open = stdio_open,
    .write = stdio_write,
    .close = stdio_close,
};
