#define _GNU_SOURCE
/* Files and directories: open/read/write/lseek/pread/pwrite/readv/writev,
 * stat/fstat, directories, rename/unlink, dup, fcntl, readlink. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv)
{
    char dir[] = "/tmp/tern-fileio-XXXXXX", path[256], path2[256], buf[256];
    struct stat st;
    struct iovec iov[2];
    int fd, fd2, n = 0;
    DIR *d;
    struct dirent *e;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/a.txt", dir);
    snprintf(path2, sizeof(path2), "%s/b.txt", dir);
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0640);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello world\n", 12) == 12);
    iov[0].iov_base = "abc";
    iov[0].iov_len = 3;
    iov[1].iov_base = "defgh";
    iov[1].iov_len = 5;
    CHECK(writev(fd, iov, 2) == 8);
    CHECK(lseek(fd, 0, SEEK_CUR) == 20);
    CHECK(pwrite(fd, "W", 1, 6) == 1);
    CHECK(pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "World", 5));
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    memset(buf, 0, sizeof(buf));
    CHECK(read(fd, buf, sizeof(buf)) == 20);
    printf("content: %.20s\n", buf);
    CHECK(fstat(fd, &st) == 0);
    printf("size %lld mode %o regular %d\n", (long long)st.st_size, st.st_mode & 0777,
           S_ISREG(st.st_mode));
    CHECK(st.st_size == 20 && (st.st_mode & 0777) == 0640);
    CHECK(stat(path, &st) == 0 && st.st_size == 20 && st.st_nlink == 1);
    CHECK(st.st_blksize > 0);

    fd2 = dup(fd);
    CHECK(fd2 > fd);
    CHECK(fcntl(fd2, F_GETFD) == 0);
    CHECK(fcntl(fd2, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd2, F_GETFD) == FD_CLOEXEC);
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    iov[0].iov_base = buf;
    iov[0].iov_len = 4;
    iov[1].iov_base = buf + 10;
    iov[1].iov_len = 3;
    CHECK(lseek(fd2, 12, SEEK_SET) == 12);
    CHECK(readv(fd, iov, 2) == 7 && !memcmp(buf, "abcd", 4) && !memcmp(buf + 10, "efg", 3));
    close(fd2);
    close(fd);

    CHECK(rename(path, path2) == 0);
    CHECK(access(path, F_OK) != 0 && access(path2, R_OK | W_OK) == 0);
    snprintf(path, sizeof(path), "%s/sub", dir);
    CHECK(mkdir(path, 0755) == 0);
    CHECK(symlink("b.txt", strcat(strcpy(buf, dir), "/link")) == 0);
    d = opendir(dir);
    CHECK(d != NULL);
    while (d && (e = readdir(d))) {
        if (e->d_name[0] != '.') {
            n++;
        }
    }
    if (d) {
        closedir(d);
    }
    printf("directory entries: %d\n", n);
    CHECK(n == 3);
    CHECK(lstat(buf, &st) == 0 && S_ISLNK(st.st_mode));
    memset(path, 0, sizeof(path));
    CHECK(readlink(buf, path, sizeof(path)) == 5 && !strcmp(path, "b.txt"));
    CHECK(unlink(buf) == 0);
    CHECK(unlink(path2) == 0);
    snprintf(path, sizeof(path), "%s/sub", dir);
    CHECK(rmdir(path) == 0);
    CHECK(rmdir(dir) == 0);
    CHECK(open("/nonexistent/file", O_RDONLY) < 0);

    /* /proc/self/exe is the program, not the emulator */
    memset(buf, 0, sizeof(buf));
    CHECK(readlink("/proc/self/exe", buf, sizeof(buf)) > 0);
    CHECK(strstr(buf, "fileio") != NULL);
    CHECK(getcwd(path, sizeof(path)) != NULL);
    return finish();
}
