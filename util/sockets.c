/*
 * TCP sockets by host and port name (getaddrinfo: IPv4, IPv6, service
 * names), for the socket chardev and linux-user's gdb stub.
 */
#include "tern/osdep.h"
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util/sockets.h"

int inet_socket(const char *host, const char *port, bool server, GError **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = server ? AI_PASSIVE : 0,
    };
    struct addrinfo *res, *ai;
    g_autofree char *unbracketed = NULL;
    int fd = -1, err = 0, rc;

    if (host && !*host) {
        host = server ? NULL : "localhost";
    } else if (host && host[0] == '[' && g_str_has_suffix(host, "]")) {
        host = unbracketed = g_strndup(host + 1, strlen(host) - 2);   /* [::1] */
    }
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        error_setg(errp, "could not resolve '%s:%s': %s", host ? host : "", port,
                   gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int one = 1;

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (server) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
                break;
            }
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, err, "could not %s '%s:%s'",
                         server ? "listen on" : "connect to", host ? host : "", port);
    }
    return fd;
}
