/*
 * Network clients and their pairing (include/net/net.h), the packet queue
 * in front of a client that cannot receive, and the -netdev / -nic options.
 */
#include "tern/osdep.h"
#include "net/net.h"
#include "hw/qdev.h"

static GPtrArray *netdevs;          /* NetClientState * created by -netdev / -nic */
static GPtrArray *pending_nics;     /* -device strings for -nic, created after the board */
static unsigned nic_count;

NetClientState *qemu_new_net_client(const NetClientInfo *info, NetClientState *peer,
                                    const char *name, void *opaque)
{
    NetClientState *nc = g_new0(NetClientState, 1);

    nc->info = info;
    nc->name = g_strdup(name);
    nc->incoming = g_queue_new();
    nc->opaque = opaque;
    if (peer) {
        g_assert(!peer->peer);
        nc->peer = peer;
        peer->peer = nc;
    }
    return nc;
}

static void drop_queue(NetClientState *nc)
{
    g_queue_clear_full(nc->incoming, (GDestroyNotify)g_bytes_unref);
}

void qemu_del_net_client(NetClientState *nc)
{
    if (!nc) {
        return;
    }
    if (nc->peer) {
        nc->peer->peer = NULL;
        /* what we sent and the peer has not taken yet came from us: drop it */
        drop_queue(nc->peer);
    }
    if (nc->info->cleanup) {
        nc->info->cleanup(nc);
    }
    if (netdevs) {
        g_ptr_array_remove(netdevs, nc);
    }
    drop_queue(nc);
    g_queue_free(nc->incoming);
    g_free(nc->name);
    g_free(nc);
}

static bool can_receive(NetClientState *nc)
{
    return !nc->info->can_receive || nc->info->can_receive(nc);
}

unsigned qemu_net_queue_len(NetClientState *nc)
{
    return g_queue_get_length(nc->incoming);
}

ssize_t qemu_send_packet(NetClientState *sender, const uint8_t *buf, size_t len)
{
    NetClientState *to = sender->peer;

    if (!to || len == 0 || len > NET_PACKET_MAX) {
        return 0;
    }
    /* keep the order: nothing overtakes what is already queued */
    if (g_queue_is_empty(to->incoming) && can_receive(to) &&
        to->info->receive(to, buf, len) != 0) {
        return len;
    }
    if (g_queue_get_length(to->incoming) >= NET_QUEUE_MAX) {
        return 0;
    }
    g_queue_push_tail(to->incoming, g_bytes_new(buf, len));
    return len;
}

void qemu_flush_queued_packets(NetClientState *nc)
{
    GBytes *pkt;

    while ((pkt = g_queue_peek_head(nc->incoming)) && can_receive(nc)) {
        gsize len;
        const uint8_t *data = g_bytes_get_data(pkt, &len);

        if (nc->info->receive(nc, data, len) == 0) {
            return;
        }
        g_bytes_unref(g_queue_pop_head(nc->incoming));
    }
}

/* ---- -netdev ---- */

typedef struct NetdevType {
    const char *name;
    NetdevInit *init;
    const char *help;
} NetdevType;

static const NetdevType netdev_types[] = {
    { "user", net_init_user, "user mode network stack (libslirp): "
      "net=ADDR/MASK,host=,dns=,dhcpstart=,\n"
      "       restrict=on|off,hostname=,domainname=,tftp=DIR,bootfile=,\n"
      "       hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (repeatable)" },
    { "tap", net_init_tap, "host tap interface: ifname=NAME,script=no,downscript=no" },
    { "socket", net_init_socket, "frames over a socket, as QEMU's: listen=[HOST]:PORT, "
      "connect=HOST:PORT,\n       or udp=HOST:PORT,localaddr=[HOST]:PORT" },
};

NetClientState *qemu_find_netdev(const char *id)
{
    for (guint i = 0; netdevs && i < netdevs->len; i++) {
        NetClientState *nc = g_ptr_array_index(netdevs, i);
        if (!strcmp(nc->name, id)) {
            return nc;
        }
    }
    return NULL;
}


/*
 * The elements of an option string, split at single commas (",," stays in
 * its element as written, so elements join back into the same string).
 */
static GPtrArray *split_opts(const char *str)
{
    GPtrArray *elems = g_ptr_array_new_with_free_func(g_free);
    const char *start = str;

    for (const char *p = str;; p++) {
        if (p[0] == ',' && p[1] == ',') {
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(elems, g_strndup(start, p - start));
            if (!*p) {
                return elems;
            }
            start = p + 1;
        }
    }
}

/* Remove the elements "key=..." from elems into a new array of their values. */
static GPtrArray *take_values(GPtrArray *elems, const char *key)
{
    GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
    size_t klen = strlen(key);

    for (guint i = 0; i < elems->len;) {
        const char *e = g_ptr_array_index(elems, i);
        if (!strncmp(e, key, klen) && e[klen] == '=') {
            g_ptr_array_add(values, g_strdup(e + klen + 1));
            g_ptr_array_remove_index(elems, i);
        } else {
            i++;
        }
    }
    return values;
}

static char *join_opts(GPtrArray *elems)
{
    g_ptr_array_add(elems, NULL);
    char *s = g_strjoinv(",", (char **)elems->pdata);
    g_ptr_array_remove_index(elems, elems->len - 1);
    return s;
}

static bool valid_id(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/* Create a backend from elems (type first) with the given id. */
static bool netdev_create(GPtrArray *elems, const char *id, GError **errp)
{
    /* hostfwd may be repeated, which keyval does not allow: take it out first */
    g_autoptr(GPtrArray) hostfwd = take_values(elems, "hostfwd");
    g_autofree char *rest = join_opts(elems);
    g_autoptr(KeyVal) kv = keyval_parse(rest, "type", "-netdev", errp);
    const char *type;

    if (!kv) {
        return false;
    }
    type = keyval_get(kv, "type");
    if (!type) {
        error_setg(errp, "missing backend type (-netdev help lists them)");
        return false;
    }
    if (qemu_find_netdev(id)) {
        error_setg(errp, "duplicate id '%s'", id);
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(netdev_types); i++) {
        if (strcmp(type, netdev_types[i].name) != 0) {
            continue;
        }
        if (hostfwd->len && strcmp(type, "user") != 0) {
            error_setg(errp, "hostfwd is a parameter of -netdev user, not %s", type);
            return false;
        }
        g_ptr_array_add(hostfwd, NULL);
        return netdev_types[i].init(kv, id, (const char *const *)hostfwd->pdata, errp);
    }
    if (!strcmp(type, "bridge") || !strcmp(type, "vde") ||
        !strcmp(type, "l2tpv3") || !strcmp(type, "stream") || !strcmp(type, "dgram") ||
        !strcmp(type, "vhost-user") || !strcmp(type, "hubport")) {
        error_setg(errp, "backend type '%s' is not supported yet (Tern has user, tap and socket)",
                   type);
    } else {
        error_setg(errp, "unknown backend type '%s' (-netdev help lists them)", type);
    }
    return false;
}

void net_register_netdev(NetClientState *nc)
{
    if (!netdevs) {
        netdevs = g_ptr_array_new();
    }
    g_ptr_array_add(netdevs, nc);
}

bool netdev_help(const char *optstr, FILE *out)
{
    if (strcmp(optstr, "help") != 0 && !g_str_has_prefix(optstr, "help,")) {
        return false;
    }
    fprintf(out, "Available netdev backend types:\n");
    for (size_t i = 0; i < ARRAY_SIZE(netdev_types); i++) {
        fprintf(out, "%-6s %s\n", netdev_types[i].name, netdev_types[i].help);
    }
    return true;
}

bool netdev_add(const char *optstr, GError **errp)
{
    g_autoptr(GPtrArray) elems = split_opts(optstr);
    g_autoptr(GPtrArray) ids = NULL;

    ids = take_values(elems, "id");
    if (ids->len != 1) {
        error_setg(errp, ids->len ? "parameter 'id' given twice"
                                  : "missing id=ID (the name -device ...,netdev=ID uses)");
        return false;
    }
    if (!valid_id(g_ptr_array_index(ids, 0))) {
        error_setg(errp, "id '%s' must start with a letter and contain only letters, digits, "
                   "'-', '.', '_'", (char *)g_ptr_array_index(ids, 0));
        return false;
    }
    return netdev_create(elems, g_ptr_array_index(ids, 0), errp);
}

/* ---- -nic ---- */

/* NIC models -nic model= accepts: the devices that take netdev=. */
static const char *const nic_models[] = { "virtio-net-device" };

bool net_nic_help(const char *optstr, FILE *out)
{
    g_autoptr(GPtrArray) elems = split_opts(optstr);
    g_autoptr(GPtrArray) model = take_values(elems, "model");

    if (strcmp(optstr, "help") != 0 &&
        !(model->len && !strcmp(g_ptr_array_index(model, 0), "help"))) {
        return false;
    }
    fprintf(out, "Available NIC models:\n");
    for (size_t m = 0; m < ARRAY_SIZE(nic_models); m++) {
        fprintf(out, "%s\n", nic_models[m]);
    }
    return true;
}

bool net_nic_parse(const char *optstr, GError **errp)
{
    g_autoptr(GPtrArray) elems = split_opts(optstr);
    g_autoptr(GPtrArray) model = take_values(elems, "model");
    g_autoptr(GPtrArray) mac = take_values(elems, "mac");
    g_autoptr(GPtrArray) ids = take_values(elems, "id");
    g_autofree char *id = NULL;
    GString *dev;
    uint8_t macaddr[6];
    size_t m;

    if (!strcmp(optstr, "none")) {
        return true;
    }
    if (model->len > 1 || mac->len > 1 || ids->len > 1) {
        error_setg(errp, "parameter '%s' given twice",
                   model->len > 1 ? "model" : mac->len > 1 ? "mac" : "id");
        return false;
    }
    for (m = 0; model->len && m < ARRAY_SIZE(nic_models); m++) {
        if (!strcmp(g_ptr_array_index(model, 0), nic_models[m])) {
            break;
        }
    }
    if (m == ARRAY_SIZE(nic_models)) {
        error_setg(errp, "model '%s' is not supported (model=help lists the NIC models)",
                   (char *)g_ptr_array_index(model, 0));
        return false;
    }
    if (mac->len && !net_parse_macaddr(g_ptr_array_index(mac, 0), macaddr)) {
        error_setg(errp, "mac '%s' is not a MAC address (like 52:54:00:12:34:56)",
                   (char *)g_ptr_array_index(mac, 0));
        return false;
    }
    id = ids->len ? g_strdup(g_ptr_array_index(ids, 0)) : g_strdup_printf("__nic%u", nic_count);
    if (ids->len && !valid_id(id)) {
        error_setg(errp, "id '%s' must start with a letter and contain only letters, digits, "
                   "'-', '.', '_'", id);
        return false;
    }
    if (!netdev_create(elems, id, errp)) {
        return false;
    }
    nic_count++;
    dev = g_string_new(model->len ? (char *)g_ptr_array_index(model, 0) : nic_models[0]);
    g_string_append_printf(dev, ",netdev=%s", id);
    if (mac->len) {
        g_string_append_printf(dev, ",mac=%s", (char *)g_ptr_array_index(mac, 0));
    }
    if (!pending_nics) {
        pending_nics = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(pending_nics, g_string_free(dev, false));
    return true;
}

bool net_create_nics(GError **errp)
{
    for (guint i = 0; pending_nics && i < pending_nics->len; i++) {
        if (!qdev_device_add(g_ptr_array_index(pending_nics, i), errp)) {
            return false;
        }
    }
    if (pending_nics) {
        g_ptr_array_free(pending_nics, true);
        pending_nics = NULL;
    }
    return true;
}

void net_cleanup(void)
{
    while (netdevs && netdevs->len) {
        qemu_del_net_client(g_ptr_array_index(netdevs, netdevs->len - 1));
    }
}

bool net_parse_macaddr(const char *str, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        char *end;
        unsigned long v;

        if (!g_ascii_isxdigit(str[0])) {
            return false;
        }
        v = strtoul(str, &end, 16);
        if (v > 0xff || end - str > 2 || *end != (i == 5 ? '\0' : ':')) {
            return false;
        }
        mac[i] = v;
        str = end + 1;
    }
    return true;
}
