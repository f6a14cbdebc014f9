#define _GNU_SOURCE
/* Memory: mmap of a file (private and shared), msync, mprotect, mremap,
 * large anonymous mappings, brk through malloc. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    char path[] = "/tmp/tern-mmap-XXXXXX", buf[32];
    int fd = mkstemp(path);
    char *p, *q;
    size_t big = 64 << 20;

    CHECK(fd >= 0);
    for (int i = 0; i < 3 * 4096; i++) {
        char c = 'a' + i % 26;
        CHECK(write(fd, &c, 1) == 1);
    }
    p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    printf("file bytes: %.10s %c\n", p, p[3 * 4096 - 1]);
    CHECK(p[4096] == 'a' + 4096 % 26);
    munmap(p, 3 * 4096);

    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    CHECK(p != MAP_FAILED);
    memcpy(p, "SHARED", 6);
    CHECK(msync(p, 4096, MS_SYNC) == 0);
    CHECK(pread(fd, buf, 6, 4096) == 6 && !memcmp(buf, "SHARED", 6));
    CHECK(munmap(p, 4096) == 0);

    /* anonymous memory is zero, survives mremap growth */
    q = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q != MAP_FAILED);
    CHECK(q[0] == 0 && q[big - 1] == 0);
    for (size_t i = 0; i < big; i += 4096) {
        q[i] = (char)(i >> 12);
    }
    q = mremap(q, big, 2 * big, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    CHECK(q[4096 * 5] == 5 && q[2 * big - 1] == 0);
    CHECK(mprotect(q, 4096, PROT_READ) == 0);
    CHECK(munmap(q, 2 * big) == 0);

    /* malloc: small (brk) and large (mmap) */
    for (int i = 0; i < 1000; i++) {
        char *m = malloc(i * 100 + 1);
        CHECK(m != NULL);
        memset(m, i, i * 100 + 1);
        free(m);
    }
    p = malloc(10 << 20);
    CHECK(p != NULL);
    memset(p, 1, 10 << 20);
    free(p);
    close(fd);
    unlink(path);
    printf("memory ok\n");
    return finish();
}
