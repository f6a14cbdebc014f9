/*
 * Network clients. A backend (-netdev user/tap) and a front-end NIC
 * (virtio-net-device,netdev=ID) are a pair of NetClientStates that are each
 * other's peer; a packet one sends is delivered to the other.
 *
 * A client that cannot take a packet now (a NIC whose guest has posted no
 * receive buffers) gets it queued, up to NET_QUEUE_MAX packets; the client
 * calls qemu_flush_queued_packets() when it can receive again.
 *
 * Everything here runs with the big lock held.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "tern/osdep.h"
#include "util/keyval.h"

#define NET_QUEUE_MAX   1024        /* packets waiting for one client */
#define NET_PACKET_MAX  65536       /* bytes in one Ethernet frame we pass around */

typedef struct NetClientState NetClientState;

typedef struct NetClientInfo {
    const char *type;               /* "user", "tap", "socket", "nic" */
    /*
     * Take a packet from the peer. Returns len when consumed (or dropped on
     * purpose), 0 when the client cannot take it now (it is queued).
     */
    ssize_t (*receive)(NetClientState *nc, const uint8_t *buf, size_t len);
    /* Whether receive would take a packet now (optional: always). */
    bool (*can_receive)(NetClientState *nc);
    /* Free the client's own state; nc itself is freed by the core (optional). */
    void (*cleanup)(NetClientState *nc);
} NetClientInfo;

struct NetClientState {
    const NetClientInfo *info;
    char *name;                     /* the -netdev id, or the NIC's device name */
    NetClientState *peer;
    GQueue *incoming;               /* GBytes waiting to be delivered to this client */
    void *opaque;                   /* the owner's state */
};

/* A new client, paired with peer if that is not NULL. */
NetClientState *qemu_new_net_client(const NetClientInfo *info, NetClientState *peer,
                                    const char *name, void *opaque);
/* Unpair and free a client (its queued packets are dropped). */
void qemu_del_net_client(NetClientState *nc);

/*
 * Send a frame from sender to its peer. Returns len if delivered or queued,
 * 0 if it was dropped (no peer, too long, queue full).
 */
ssize_t qemu_send_packet(NetClientState *sender, const uint8_t *buf, size_t len);
/* nc can receive again: deliver what was queued for it, in order. */
void qemu_flush_queued_packets(NetClientState *nc);
/* Packets queued for nc. */
unsigned qemu_net_queue_len(NetClientState *nc);

/* ---- the command line ---- */

/* -netdev TYPE,id=ID,...: create a backend. */
bool netdev_add(const char *optstr, GError **errp);
/* -netdev help: print the backend types and return true; false if optstr is no help request. */
bool netdev_help(const char *optstr, FILE *out);
/* -nic help or -nic ...,model=help: print the NIC models (true), as netdev_help. */
bool net_nic_help(const char *optstr, FILE *out);
/* The backend created with -netdev id=ID, or NULL. */
NetClientState *qemu_find_netdev(const char *id);
/*
 * -nic TYPE[,model=M][,mac=MAC][,...]: a backend plus a NIC for it. The
 * backend is created now, the NIC by net_create_nics() once the board exists.
 * "-nic none" does nothing (Tern has no default NIC).
 */
bool net_nic_parse(const char *optstr, GError **errp);
bool net_create_nics(GError **errp);
/* Delete every backend (at exit). */
void net_cleanup(void);

/* Parse "52:54:00:12:34:56". */
bool net_parse_macaddr(const char *str, uint8_t mac[6]);

/* ---- backends (net/) ---- */

/* Create backend id from the -netdev parameters; hostfwd is NULL-terminated. */
typedef bool NetdevInit(KeyVal *kv, const char *id, const char *const *hostfwd,
                        GError **errp);
NetdevInit net_init_user, net_init_tap, net_init_socket;
/* Make a backend findable by its id (and deleted by net_cleanup). */
void net_register_netdev(NetClientState *nc);

#endif
