/*
 * The gdb stub's protocol core: GDB remote serial protocol commands (gdb
 * manual, appendix E) on top of the framing of gdbstub-packet.c, for both
 * stubs (include/sysemu/gdbstub-proto.h). Everything that differs between
 * system mode and linux-user goes through GdbStubOps.
 */
#include "tern/osdep.h"
#include "sysemu/gdbstub.h"
#include "sysemu/gdbstub-proto.h"
#include "sysemu/accel.h"
#include "gdbstub-packet.h"
#include "gdbstub-internal.h"

/* Bytes of memory per m/M/X packet (hex doubles m's reply). */
#define GDB_MAX_MEM ((GDB_MAX_PACKET - 16) / 2)
/* The largest register the stub passes to the CPU's hooks. */
#define GDB_MAX_REG_BYTES 64

typedef struct GdbState {
    const GdbStubOps *ops;
    bool connected;
    bool no_ack;                /* QStartNoAckMode */
    bool running;               /* resumed by gdb, a stop reply is owed */
    bool stepping;
    CPUState *g_cpu;            /* Hg: registers and memory */
    CPUState *c_cpu;            /* Hc: step and continue */
    CPUState *stop_cpu;         /* the last stop, for '?' and vCont;C */
    int stop_sig;
    GString *last;              /* the last packet sent, for a '-' */
    GdbPacketParser parser;
    uint8_t pkt[GDB_MAX_PACKET + 1];
    char *xml;
} GdbState;

static GdbState gdb;

/* ---- sending ---- */

static void gdb_send(const char *payload, size_t len)
{
    g_string_truncate(gdb.last, 0);
    gdb_packet_frame(gdb.last, (const uint8_t *)payload, len);
    gdb.ops->write(gdb.last->str, gdb.last->len);
}

static void gdb_reply(const char *s)
{
    gdb_send(s, strlen(s));
}

static void G_GNUC_PRINTF(1, 2) gdb_replyf(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *s = NULL;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gdb_reply(s);
}

/* ---- parsing ---- */

/* Consume the character c at *p (never steps over the terminating NUL). */
static bool skip_char(const char **p, char c)
{
    if (**p != c) {
        return false;
    }
    (*p)++;
    return true;
}

/* ---- threads ---- */

static int thread_id(CPUState *cpu)
{
    return gdb.ops->thread_id(cpu);
}

/* Thread id (hex) at *p: -1 = all, 0 = any. Returns false if malformed. */
static bool parse_thread(const char **p, int64_t *id)
{
    uint64_t v;

    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        *id = -1;
        return true;
    }
    if (!gdb_parse_hex(p, &v) || v > INT32_MAX) {
        return false;
    }
    *id = v;
    return true;
}

static CPUState *cpu_for_thread(int64_t id)
{
    CPUState *cpu;

    /* any thread (0, -1): the first live one */
    CPU_FOREACH(cpu) {
        int tid = thread_id(cpu);

        if (tid > 0 && (id <= 0 || tid == id)) {
            return cpu;
        }
    }
    return NULL;
}

/* ---- run control ---- */

static void set_singlestep(CPUState *cpu, bool enable)
{
    if (current_accel && current_accel->set_singlestep) {
        current_accel->set_singlestep(cpu, enable);
    }
}

static void stop_reply(CPUState *cpu, int sig)
{
    static const char *const watch_names[] = {
        [WATCH_WRITE] = "watch", [WATCH_READ] = "rwatch", [WATCH_ACCESS] = "awatch",
    };
    uint64_t pc = cpu->cc->get_pc ? cpu->cc->get_pc(cpu) : 0;
    g_autofree char *why = NULL;
    uint64_t waddr;
    WatchType wtype;

    if (sig == GDB_SIGNAL_TRAP && cpu_watchpoint_last_hit(cpu, &waddr, &wtype)) {
        why = g_strdup_printf("%s:%" PRIx64 ";", watch_names[wtype], waddr);
    } else if (sig == GDB_SIGNAL_TRAP && !gdb.stepping && cpu_breakpoint_lookup(pc)) {
        why = g_strdup("swbreak:;");
    }
    gdb_replyf("T%02xthread:%x;%s", sig, thread_id(cpu), why ? why : "");
}

void gdb_proto_stopped(CPUState *cpu, int sig)
{
    CPUState *c;

    CPU_FOREACH(c) {
        set_singlestep(c, false);
    }
    if (gdb.running) {
        gdb.running = false;
        gdb.g_cpu = gdb.c_cpu = gdb.stop_cpu = cpu;
        gdb.stop_sig = sig;
        if (gdb.connected) {
            stop_reply(cpu, sig);
        }
    }
    gdb.stepping = false;
    cpu_watchpoint_clear_hit();
}

void gdb_proto_exited(char how, int code)
{
    if (gdb.connected) {
        gdb_replyf("%c%02x", how, code & 0xff);
    }
}

static void resume(CPUState *step_cpu, CPUState *only_cpu, int sig)
{
    if (step_cpu) {
        set_singlestep(step_cpu, true);
    }
    gdb.stepping = step_cpu != NULL;
    gdb.running = true;
    gdb.ops->resume(step_cpu, only_cpu, sig);
}

/* c/s [addr], C/S sig[;addr]: resume (at addr). */
static void handle_continue(const char *args, bool step, bool with_sig)
{
    uint64_t addr, sig = 0;

    if (with_sig && (!gdb_parse_hex(&args, &sig) || sig > 255 ||
                     (*args && !skip_char(&args, ';')))) {
        gdb_reply("E22");
        return;
    }
    if (*args) {
        if (!gdb_parse_hex(&args, &addr) || *args) {
            gdb_reply("E22");
            return;
        }
        gdb.c_cpu->cc->set_pc(gdb.c_cpu, addr);
    }
    resume(step ? gdb.c_cpu : NULL, step ? gdb.c_cpu : NULL, sig);
}

/*
 * vCont;ACTION[:TID];... Actions c, C sig, s, S sig. The first action
 * naming a thread or applying to all wins for that thread; the signal is
 * the one for the thread that stopped last (the system stub drops it, as
 * QEMU does). Actions that all name one thread leave the others stopped.
 */
static void handle_vcont(const char *args)
{
    CPUState *step_cpu = NULL, *only_cpu = NULL;
    bool for_all = false;
    int stop_tid = gdb.stop_cpu ? thread_id(gdb.stop_cpu) : 0;
    bool sig_set = false;
    int deliver = 0;

    if (!strcmp(args, "?")) {
        gdb_reply("vCont;c;C;s;S");
        return;
    }
    while (*args == ';') {
        char action = *++args;
        int64_t tid = -1;
        uint64_t sig = 0;

        if (action != 'c' && action != 'C' && action != 's' && action != 'S') {
            gdb_reply("E22");
            return;
        }
        args++;
        if ((action == 'C' || action == 'S') && (!gdb_parse_hex(&args, &sig) || sig > 255)) {
            gdb_reply("E22");
            return;
        }
        if (*args == ':') {
            args++;
            if (!parse_thread(&args, &tid)) {
                gdb_reply("E22");
                return;
            }
        }
        if (tid > 0 && !for_all) {
            CPUState *cpu = cpu_for_thread(tid);
            /* two threads named: let every thread run */
            for_all = !cpu || (only_cpu && only_cpu != cpu);
            only_cpu = cpu;
        } else {
            for_all = true;
        }
        if (!sig_set && (tid <= 0 || tid == stop_tid)) {
            deliver = sig;
            sig_set = true;
        }
        if ((action == 's' || action == 'S') && !step_cpu) {
            step_cpu = tid > 0 ? cpu_for_thread(tid) : gdb.c_cpu;
            if (!step_cpu) {
                gdb_reply("E22");
                return;
            }
        }
    }
    if (*args) {
        gdb_reply("E22");
        return;
    }
    resume(step_cpu, for_all ? NULL : only_cpu, deliver);
}

/* ---- registers ---- */

static void handle_read_regs(void)
{
    CPUState *cpu = gdb.g_cpu;
    g_autoptr(GByteArray) buf = g_byte_array_new();
    g_autoptr(GString) hex = g_string_new(NULL);

    for (int i = 0; i < cpu->cc->gdb_num_core_regs; i++) {
        cpu->cc->gdb_read_register(cpu, buf, i);
    }
    gdb_bytes_to_hex(hex, buf->data, MIN(buf->len, GDB_MAX_MEM));
    gdb_send(hex->str, hex->len);
}

static void handle_write_regs(const char *hex)
{
    CPUState *cpu = gdb.g_cpu;
    size_t n = strlen(hex) / 2;
    g_autofree uint8_t *buf = NULL;
    size_t off = 0;

    if (strlen(hex) % 2) {
        gdb_reply("E22");
        return;
    }
    /* zero padding: a hook reads a full register even from a short packet */
    buf = g_malloc0(n + GDB_MAX_REG_BYTES);
    if (!gdb_hex_to_bytes(hex, n, buf)) {
        gdb_reply("E22");
        return;
    }
    for (int i = 0; i < cpu->cc->gdb_num_core_regs && off < n; i++) {
        int size = cpu->cc->gdb_write_register(cpu, buf + off, i);
        if (size <= 0) {
            break;
        }
        off += size;
    }
    gdb_reply("OK");
}

static void handle_read_reg(const char *args)
{
    CPUState *cpu = gdb.g_cpu;
    g_autoptr(GByteArray) buf = g_byte_array_new();
    g_autoptr(GString) hex = g_string_new(NULL);
    uint64_t reg;

    if (!gdb_parse_hex(&args, &reg) || *args || reg > INT32_MAX ||
        cpu->cc->gdb_read_register(cpu, buf, reg) <= 0) {
        gdb_reply("E14");
        return;
    }
    gdb_bytes_to_hex(hex, buf->data, MIN(buf->len, GDB_MAX_MEM));
    gdb_send(hex->str, hex->len);
}

static void handle_write_reg(const char *args)
{
    CPUState *cpu = gdb.g_cpu;
    uint8_t buf[GDB_MAX_REG_BYTES] = { 0 };
    uint64_t reg;
    size_t len;

    if (!gdb_parse_hex(&args, &reg) || !skip_char(&args, '=') || reg > INT32_MAX) {
        gdb_reply("E22");
        return;
    }
    len = strlen(args);
    if (len % 2 || len / 2 > sizeof(buf) || !gdb_hex_to_bytes(args, len / 2, buf)) {
        gdb_reply("E22");
        return;
    }
    gdb_reply(cpu->cc->gdb_write_register(cpu, buf, reg) > 0 ? "OK" : "E14");
}

/* ---- memory ---- */

/* "ADDR,LEN" then the expected separator (0 = end of packet). */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char sep)
{
    if (!gdb_parse_hex(p, addr) || !skip_char(p, ',') || !gdb_parse_hex(p, len)) {
        return false;
    }
    return sep ? skip_char(p, sep) : **p == 0;
}

static void handle_read_mem(const char *args)
{
    uint8_t buf[GDB_MAX_MEM];
    g_autoptr(GString) hex = g_string_new(NULL);
    uint64_t addr, len;

    if (!parse_addr_len(&args, &addr, &len, 0)) {
        gdb_reply("E22");
        return;
    }
    len = MIN(len, sizeof(buf));
    if (!gdb.ops->memory_rw(gdb.g_cpu, addr, buf, len, false)) {
        gdb_reply("E14");
        return;
    }
    gdb_bytes_to_hex(hex, buf, len);
    gdb_send(hex->str, hex->len);
}

/* M (hex data) or X (binary data, already unescaped: data_len bytes in packet). */
static void handle_write_mem(const char *args, bool binary, size_t pkt_len)
{
    uint8_t buf[GDB_MAX_MEM];
    const char *data;
    size_t avail;
    uint64_t addr, len;

    if (!parse_addr_len(&args, &addr, &len, ':') || len > sizeof(buf)) {
        gdb_reply("E22");
        return;
    }
    data = args;
    avail = pkt_len - (data - (const char *)gdb.pkt);
    if (binary) {
        if (avail != len) {
            gdb_reply("E22");
            return;
        }
        memcpy(buf, data, len);
    } else if (avail != 2 * len || !gdb_hex_to_bytes(data, len, buf)) {
        gdb_reply("E22");
        return;
    }
    gdb_reply(len == 0 || gdb.ops->memory_rw(gdb.g_cpu, addr, buf, len, true) ? "OK" : "E14");
}

/* ---- breakpoints ---- */

static void handle_breakpoint(const char *args, bool insert)
{
    uint64_t type, addr, kind;

    if (!gdb_parse_hex(&args, &type) || !skip_char(&args, ',') ||
        !parse_addr_len(&args, &addr, &kind, 0)) {
        gdb_reply("E22");
        return;
    }
    if (type > 4 || !current_accel || !current_accel->breakpoints_changed ||
        (type >= 2 && !gdb.ops->watchpoints)) {
        gdb_reply("");     /* not supported */
        return;
    }
    if (type >= 2) {
        /* Z2 write, Z3 read, Z4 access; kind is the length */
        WatchType wt = type == 2 ? WATCH_WRITE : type == 3 ? WATCH_READ : WATCH_ACCESS;
        if (insert) {
            /* refused: gdb falls back to software watchpoints */
            gdb_reply(cpu_watchpoint_insert(addr, kind, wt) ? "OK" : "");
        } else {
            gdb_reply(cpu_watchpoint_remove(addr, kind, wt) ? "OK" : "E22");
        }
    } else if (insert) {
        gdb_reply(cpu_breakpoint_insert(addr) ? "OK" : "E28");
    } else {
        cpu_breakpoint_remove(addr);
        gdb_reply("OK");
    }
}

/* ---- queries ---- */

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static void handle_xfer_features(const char *args)
{
    const char *colon = strchr(args, ':');
    uint64_t off, len;
    size_t total;
    g_autoptr(GString) out = g_string_new(NULL);

    if (!colon) {
        gdb_reply("E00");
        return;
    }
    if (colon - args != 10 || strncmp(args, "target.xml", 10) || !gdb.xml) {
        gdb_reply("E00");
        return;
    }
    args = colon + 1;
    if (!parse_addr_len(&args, &off, &len, 0)) {
        gdb_reply("E00");
        return;
    }
    total = strlen(gdb.xml);
    if (off >= total) {
        gdb_reply("l");
        return;
    }
    len = MIN(len, MIN(total - off, GDB_MAX_PACKET - 8));
    g_string_append_c(out, off + len < total ? 'm' : 'l');
    g_string_append_len(out, gdb.xml + off, len);
    gdb_send(out->str, out->len);
}

static void handle_thread_info(bool first)
{
    g_autoptr(GString) s = g_string_new(first ? "m" : "l");
    CPUState *cpu;

    if (!first) {
        gdb_reply("l");
        return;
    }
    CPU_FOREACH(cpu) {
        int tid = thread_id(cpu);

        if (tid > 0) {
            g_string_append_printf(s, "%s%x", s->len > 1 ? "," : "", tid);
        }
    }
    gdb_reply(s->str);
}

/* qRcmd,HEX: a human monitor command; its output goes to gdb's console. */
static void handle_rcmd(const char *hex)
{
    size_t n = strlen(hex) / 2;
    g_autofree char *cmd = g_malloc0(n + 1);
    g_autofree char *out = NULL;
    g_autoptr(GString) o = g_string_new("O");

    if (!gdb.ops->monitor) {
        gdb_reply("");
        return;
    }
    if (strlen(hex) % 2 || !gdb_hex_to_bytes(hex, n, (uint8_t *)cmd) || strlen(cmd) != n) {
        gdb_reply("E22");
        return;
    }
    out = gdb.ops->monitor(cmd);
    if (out && *out) {
        gdb_bytes_to_hex(o, (const uint8_t *)out, MIN(strlen(out), GDB_MAX_MEM - 1));
        gdb_send(o->str, o->len);
    }
    gdb_reply("OK");
}

static void handle_query(const char *q)
{
    if (g_str_has_prefix(q, "qSupported")) {
        gdb_replyf("PacketSize=%x;qXfer:features:read%c;swbreak+;hwbreak+;"
                   "vContSupported+;QStartNoAckMode+", GDB_MAX_PACKET, gdb.xml ? '+' : '-');
    } else if (!strcmp(q, "qC")) {
        gdb_replyf("QC%x", thread_id(gdb.g_cpu));
    } else if (!strcmp(q, "qAttached")) {
        gdb_reply("1");
    } else if (!strcmp(q, "qfThreadInfo") || !strcmp(q, "qsThreadInfo")) {
        handle_thread_info(q[1] == 'f');
    } else if (g_str_has_prefix(q, "qThreadExtraInfo,")) {
        const char *p = q + 17;
        int64_t id;
        CPUState *cpu;
        g_autofree char *text = NULL;
        g_autoptr(GString) hex = g_string_new(NULL);

        if (!parse_thread(&p, &id) || *p || !(cpu = cpu_for_thread(id))) {
            gdb_reply("E22");
            return;
        }
        text = gdb.ops->thread_info(cpu);
        gdb_bytes_to_hex(hex, (const uint8_t *)text, strlen(text));
        gdb_send(hex->str, hex->len);
    } else if (g_str_has_prefix(q, "qXfer:features:read:")) {
        handle_xfer_features(q + 20);
    } else if (g_str_has_prefix(q, "qRcmd,")) {
        handle_rcmd(q + 6);
    } else {
        gdb_reply("");
    }
}

/* H g|c THREAD */
static void handle_set_thread(const char *args)
{
    char op = *args++;
    int64_t id;
    CPUState *cpu;

    if ((op != 'g' && op != 'c') || !parse_thread(&args, &id) || *args ||
        !(cpu = cpu_for_thread(id))) {
        gdb_reply("E22");
        return;
    }
    if (op == 'g') {
        gdb.g_cpu = cpu;
    } else {
        gdb.c_cpu = cpu;
    }
    gdb_reply("OK");
}

static void handle_thread_alive(const char *args)
{
    int64_t id;

    gdb_reply(parse_thread(&args, &id) && !*args && id > 0 && cpu_for_thread(id) ? "OK" : "E22");
}

static void detach(void)
{
    cpu_breakpoint_remove_all();
    cpu_watchpoint_remove_all();
    gdb.connected = false;
    gdb.running = false;
    gdb.stepping = false;
    gdb.ops->detach();
}

void gdb_proto_disconnected(void)
{
    if (gdb.connected) {
        detach();
    }
}

static void handle_packet(size_t len)
{
    const char *p = (const char *)gdb.pkt;

    if (gdb.running) {
        /* only a stop (Ctrl-C) is expected while the guest runs */
        return;
    }
    switch (p[0]) {
    case '?':
        stop_reply(gdb.stop_cpu, gdb.stop_sig);
        break;
    case 'g':
        handle_read_regs();
        break;
    case 'G':
        handle_write_regs(p + 1);
        break;
    case 'p':
        handle_read_reg(p + 1);
        break;
    case 'P':
        handle_write_reg(p + 1);
        break;
    case 'm':
        handle_read_mem(p + 1);
        break;
    case 'M':
        handle_write_mem(p + 1, false, len);
        break;
    case 'X':
        handle_write_mem(p + 1, true, len);
        break;
    case 'c':
    case 's':
        handle_continue(p + 1, p[0] == 's', false);
        break;
    case 'C':
    case 'S':
        handle_continue(p + 1, p[0] == 'S', true);
        break;
    case 'Z':
    case 'z':
        handle_breakpoint(p + 1, p[0] == 'Z');
        break;
    case 'H':
        handle_set_thread(p + 1);
        break;
    case 'T':
        handle_thread_alive(p + 1);
        break;
    case 'q':
        handle_query(p);
        break;
    case 'Q':
        if (!strcmp(p, "QStartNoAckMode")) {
            gdb_reply("OK");
            gdb.no_ack = true;
        } else {
            gdb_reply("");
        }
        break;
    case 'v':
        if (g_str_has_prefix(p, "vCont")) {
            handle_vcont(p + 5);
        } else {
            gdb_reply("");
        }
        break;
    case 'D':
        gdb_reply("OK");
        detach();
        break;
    case 'k':
        /* no reply (gdb manual: "k"), the connection closes as Tern exits */
        gdb.ops->kill();
        break;
    default:
        gdb_reply("");
        break;
    }
}


/* ---- input and sessions ---- */

void gdb_proto_input(const uint8_t *buf, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        size_t len = 0;

        switch (gdb_parser_feed(&gdb.parser, buf[i], gdb.pkt, sizeof(gdb.pkt), &len)) {
        case GDB_RX_PACKET:
            if (!gdb.no_ack) {
                gdb.ops->write("+", 1);
            }
            handle_packet(len);
            break;
        case GDB_RX_BAD:
            if (!gdb.no_ack) {
                gdb.ops->write("-", 1);
            }
            break;
        case GDB_RX_NAK:
            if (!gdb.no_ack && gdb.last->len) {
                gdb.ops->write(gdb.last->str, gdb.last->len);
            }
            break;
        case GDB_RX_INTERRUPT:
            if (gdb.running && gdb.ops->interrupt) {
                gdb.ops->interrupt(gdb.c_cpu);
            }
            break;
        default:
            break;
        }
    }
}

void gdb_proto_init(const GdbStubOps *ops, const CPUClass *cc)
{
    gdb.ops = ops;
    gdb.last = g_string_new(NULL);
    gdb.xml = gdb_target_xml(cc);
    gdb_parser_init(&gdb.parser);
}

void gdb_proto_connect(CPUState *cpu)
{
    gdb.connected = true;
    gdb.no_ack = false;
    gdb.running = false;
    gdb.stepping = false;
    gdb.g_cpu = gdb.c_cpu = gdb.stop_cpu = cpu;
    gdb.stop_sig = GDB_SIGNAL_TRAP;
    gdb_parser_init(&gdb.parser);
    g_string_truncate(gdb.last, 0);
}

bool gdb_proto_connected(void)
{
    return gdb.connected;
}

bool gdb_proto_running(void)
{
    return gdb.running;
}
