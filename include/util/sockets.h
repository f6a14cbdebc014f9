#ifndef UTIL_SOCKETS_H
#define UTIL_SOCKETS_H

#include "tern/osdep.h"

/*
 * A TCP socket (close-on-exec) listening on host:port (server; "" or NULL
 * host: every address) with a backlog of one, or connected to it (client;
 * "" host: localhost). "[::1]" takes the brackets off. Returns the fd, or -1
 * with errp set ("could not listen on 'host:port': ...").
 */
int inet_socket(const char *host, const char *port, bool server, GError **errp);

#endif
