/* Process information, time, randomness, polling and sockets. */
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    struct utsname u;
    struct timespec t0, t1, d = { 0, 10 * 1000 * 1000 };
    struct rlimit rl;
    unsigned char rnd[32] = { 0 };
    int sv[2], ep, any = 0;
    struct pollfd pfd;
    struct epoll_event ev = { 0 }, out[2];
    char buf[16] = { 0 };

    CHECK(uname(&u) == 0);
    printf("machine %s\n", u.machine);
    CHECK(!strcmp(u.machine, "riscv64"));
    CHECK(getpid() > 0 && getppid() > 0 && getuid() == geteuid());
    CHECK(clock_gettime(CLOCK_MONOTONIC, &t0) == 0);
    CHECK(nanosleep(&d, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &t1) == 0);
    CHECK((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec >= 10000000);
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 0);
    CHECK(getrandom(rnd, sizeof(rnd), 0) == sizeof(rnd));
    for (size_t i = 0; i < sizeof(rnd); i++) {
        any |= rnd[i];
    }
    CHECK(any);
    CHECK(sysconf(_SC_PAGESIZE) == 4096);

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(send(sv[0], "ping", 4, 0) == 4);
    pfd.fd = sv[1];
    pfd.events = POLLIN;
    CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
    ep = epoll_create1(0);
    CHECK(ep >= 0);
    ev.events = EPOLLIN;
    ev.data.u64 = 0x1122334455667788ull;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0);
    CHECK(epoll_wait(ep, out, 2, 1000) == 1);
    CHECK(out[0].data.u64 == 0x1122334455667788ull && (out[0].events & EPOLLIN));
    CHECK(recv(sv[1], buf, sizeof(buf), 0) == 4);
    printf("socket got %s\n", buf);
    CHECK(!strcmp(buf, "ping"));
    return finish();
}
