/*
 * The "file" protocol driver: a host file accessed with pread/pwrite.
 * Sparse by default; holes come from fallocate(PUNCH_HOLE). cache=none uses
 * O_DIRECT with an aligned bounce buffer for unaligned requests.
 */
#include "tern/osdep.h"
#include "block_int.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/falloc.h>

#define DIRECT_ALIGN 4096

typedef struct BDRVFileState {
    int fd;
    bool direct;
    /* O_DIRECT: a read-modify-write of an unaligned request excludes all
     * other writes, so concurrent requests cannot lose each other's data. */
    GRWLock rmw_lock;
} BDRVFileState;

/*
 * Locking compatible with QEMU's file-posix: byte 100+bit is locked (shared)
 * for each permission held, byte 200+bit for each permission not shared with
 * others. Bits: 0 consistent read, 1 write, 2 write unchanged, 3 resize.
 * A writer holds read+write+resize and shares neither write nor resize;
 * a reader holds read and does not share write. So any number of readers or
 * one writer, across Tern and QEMU processes alike.
 */
enum { PERM_READ = 0, PERM_WRITE = 1, PERM_RESIZE = 3 };
#define LOCK_PERM_BASE   100
#define LOCK_SHARED_BASE 200

static const char *const perm_names[] = { "consistent read", "write",
                                          "write unchanged", "resize" };

static int ofd_lock(int fd, int cmd, short type, off_t byte)
{
    struct flock fl = {
        .l_whence = SEEK_SET, .l_start = byte, .l_len = 1, .l_type = type,
    };
    if (fcntl(fd, cmd, &fl) < 0) {
        return -errno;
    }
    return cmd == F_OFD_GETLK && fl.l_type != F_UNLCK ? -EAGAIN : 0;
}

bool file_lock_image(BlockDriverState *bs, int fd, bool write, GError **errp)
{
    unsigned held = 1u << PERM_READ;
    unsigned unshared = 1u << PERM_WRITE;

    if (write) {
        held |= 1u << PERM_WRITE | 1u << PERM_RESIZE;
        unshared |= 1u << PERM_RESIZE;
    }
    for (int bit = 0; bit < 4; bit++) {
        int ret = 0;
        if (held & (1u << bit)) {
            ret = ofd_lock(fd, F_OFD_SETLK, F_RDLCK, LOCK_PERM_BASE + bit);
        }
        if (!ret && (unshared & (1u << bit))) {
            ret = ofd_lock(fd, F_OFD_SETLK, F_RDLCK, LOCK_SHARED_BASE + bit);
        }
        if (ret == -EAGAIN || ret == -EACCES) {
            error_setg(errp, "Failed to lock byte %d of '%s': is another "
                       "process using the image?", LOCK_PERM_BASE + bit,
                       bs->filename);
            return false;
        } else if (ret == -EINVAL || ret == -ENOTSUP || ret == -ENOSYS) {
            return true;      /* file system without OFD locks */
        } else if (ret) {
            error_setg_errno(errp, -ret, "Failed to lock '%s'", bs->filename);
            return false;
        }
    }
    /* Does anyone hold what we refuse to share, or refuse what we hold? */
    for (int bit = 0; bit < 4; bit++) {
        if ((held & (1u << bit)) &&
            ofd_lock(fd, F_OFD_GETLK, F_WRLCK, LOCK_SHARED_BASE + bit)) {
            error_setg(errp, "Failed to get \"%s\" lock on '%s': is another "
                       "process using the image?", perm_names[bit],
                       bs->filename);
            return false;
        }
        if ((unshared & (1u << bit)) &&
            ofd_lock(fd, F_OFD_GETLK, F_WRLCK, LOCK_PERM_BASE + bit)) {
            error_setg(errp, "Failed to get shared \"%s\" lock on '%s': is "
                       "another process using the image?", perm_names[bit],
                       bs->filename);
            return false;
        }
    }
    return true;
}

static bool file_open(BlockDriverState *bs, int flags, GError **errp)
{
    BDRVFileState *s = bs->opaque;
    int oflags = (flags & BDRV_O_RDWR ? O_RDWR : O_RDONLY) | O_CLOEXEC;

    if (flags & BDRV_O_NOCACHE) {
        oflags |= O_DIRECT;
    }
    s->fd = open(bs->filename, oflags);
    if (s->fd < 0 && (flags & BDRV_O_NOCACHE) && errno == EINVAL) {
        /* tmpfs and friends: no O_DIRECT; say so instead of failing. */
        warn_report("'%s': the file system does not support O_DIRECT; "
                    "cache=none falls back to the page cache", bs->filename);
        s->fd = open(bs->filename, oflags & ~O_DIRECT);
    } else if (flags & BDRV_O_NOCACHE) {
        s->direct = true;
    }
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", bs->filename);
        return false;
    }
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        error_setg(errp, "Could not open '%s': is a directory", bs->filename);
        close(s->fd);
        return false;
    }
    if (!(flags & BDRV_O_SHARE_RW) &&
        !file_lock_image(bs, s->fd, flags & BDRV_O_RDWR, errp)) {
        close(s->fd);
        return false;
    }
    g_rw_lock_init(&s->rmw_lock);
    return true;
}

static void file_close(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    close(s->fd);
    g_rw_lock_clear(&s->rmw_lock);
}

static bool is_aligned(uint64_t offset, uint64_t bytes, const void *buf)
{
    return !((offset | bytes | (uintptr_t)buf) & (DIRECT_ALIGN - 1));
}

/* Loop over short transfers; reads past EOF return zeroes. */
static int do_pread(int fd, uint64_t offset, uint64_t bytes, void *buf)
{
    uint8_t *p = buf;
    while (bytes) {
        ssize_t n = pread(fd, p, bytes, offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            memset(p, 0, bytes);
            break;
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int do_pwrite(int fd, uint64_t offset, uint64_t bytes, const void *buf)
{
    const uint8_t *p = buf;
    while (bytes) {
        ssize_t n = pwrite(fd, p, bytes, offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

/* O_DIRECT: go through an aligned bounce buffer covering the request. */
static int bounce_io(BDRVFileState *s, uint64_t offset, uint64_t bytes,
                     void *buf, const void *wbuf)
{
    uint64_t start = TERN_ALIGN_DOWN(offset, DIRECT_ALIGN);
    uint64_t end = TERN_ALIGN_UP(offset + bytes, DIRECT_ALIGN);
    void *bounce;
    int ret;

    if (posix_memalign(&bounce, DIRECT_ALIGN, end - start)) {
        return -ENOMEM;
    }
    ret = do_pread(s->fd, start, end - start, bounce);
    if (ret == 0 && wbuf) {
        memcpy((uint8_t *)bounce + (offset - start), wbuf, bytes);
        ret = do_pwrite(s->fd, start, end - start, bounce);
        if (ret == 0) {
            /* Do not let the rounded-up tail grow the file. */
            struct stat st;
            if (fstat(s->fd, &st) == 0 && (uint64_t)st.st_size < end &&
                (uint64_t)st.st_size < offset + bytes) {
                ret = ftruncate(s->fd, offset + bytes) < 0 ? -errno : 0;
            }
        }
    } else if (ret == 0) {
        memcpy(buf, (uint8_t *)bounce + (offset - start), bytes);
    }
    free(bounce);
    return ret;
}

static int file_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      void *buf)
{
    BDRVFileState *s = bs->opaque;
    if (s->direct && !is_aligned(offset, bytes, buf)) {
        return bounce_io(s, offset, bytes, buf, NULL);
    }
    return do_pread(s->fd, offset, bytes, buf);
}

static int consume_write_budget(BlockDriverState *bs)
{
    if (bs->write_budget == 0) {
        return -EIO;
    }
    if (bs->write_budget > 0) {
        bs->write_budget--;
    }
    return 0;
}

static int file_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       const void *buf)
{
    BDRVFileState *s = bs->opaque;
    int ret = consume_write_budget(bs);
    if (ret < 0) {
        return ret;
    }
    if (!s->direct) {
        return do_pwrite(s->fd, offset, bytes, buf);
    }
    if (!is_aligned(offset, bytes, buf)) {
        g_rw_lock_writer_lock(&s->rmw_lock);
        ret = bounce_io(s, offset, bytes, NULL, buf);
        g_rw_lock_writer_unlock(&s->rmw_lock);
    } else {
        g_rw_lock_reader_lock(&s->rmw_lock);
        ret = do_pwrite(s->fd, offset, bytes, buf);
        g_rw_lock_reader_unlock(&s->rmw_lock);
    }
    return ret;
}

static int write_zero_buffer(BlockDriverState *bs, uint64_t offset,
                             uint64_t bytes)
{
    const uint64_t chunk = 1 << 20;
    g_autofree void *zero = g_malloc0(MIN(bytes, chunk));
    while (bytes) {
        uint64_t n = MIN(bytes, chunk);
        int ret = file_pwrite(bs, offset, n, zero);
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int file_pwrite_zeroes(BlockDriverState *bs, uint64_t offset,
                              uint64_t bytes, int flags)
{
    BDRVFileState *s = bs->opaque;
    int ret = consume_write_budget(bs);
    if (ret < 0) {
        return ret;
    }
    int mode = flags & BDRV_REQ_MAY_UNMAP
        ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE;
    struct stat st;
    if (fstat(s->fd, &st) == 0 && offset + bytes > (uint64_t)st.st_size &&
        (mode & FALLOC_FL_PUNCH_HOLE)) {
        mode = FALLOC_FL_ZERO_RANGE;   /* punching would not extend */
    }
    if (fallocate(s->fd, mode, offset, bytes) == 0) {
        return 0;
    }
    return write_zero_buffer(bs, offset, bytes);
}

static int file_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    BDRVFileState *s = bs->opaque;
    int ret = consume_write_budget(bs);
    if (ret < 0) {
        return ret;
    }
    /* Discard is advisory: a file system without hole punching keeps data. */
    fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, bytes);
    return 0;
}

static int file_flush(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    return fdatasync(s->fd) < 0 ? -errno : 0;
}

static int64_t file_getlength(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    off_t len = lseek(s->fd, 0, SEEK_END);
    return len < 0 ? -errno : len;
}

static int64_t file_allocated_size(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    struct stat st;
    return fstat(s->fd, &st) < 0 ? -errno : (int64_t)st.st_blocks * 512;
}

static int file_truncate(BlockDriverState *bs, uint64_t size, bool shrink,
                         PreallocMode prealloc, GError **errp)
{
    BDRVFileState *s = bs->opaque;
    int64_t old = file_getlength(bs);
    int ret = 0;

    if (old < 0) {
        error_setg_errno(errp, -old, "Could not get the size of '%s'",
                         bs->filename);
        return old;
    }
    if (size < (uint64_t)old && !shrink) {
        error_setg(errp, "'%s': shrinking needs --shrink", bs->filename);
        return -EINVAL;
    }
    if (ftruncate(s->fd, size) < 0) {
        ret = -errno;
        error_setg_errno(errp, errno, "Could not resize '%s'", bs->filename);
        return ret;
    }
    if (size <= (uint64_t)old) {
        return 0;
    }
    if (prealloc == PREALLOC_FALLOC || prealloc == PREALLOC_METADATA) {
        if (fallocate(s->fd, 0, old, size - old) < 0) {
            ret = -errno;
            error_setg_errno(errp, errno, "Could not preallocate '%s'",
                             bs->filename);
        }
    } else if (prealloc == PREALLOC_FULL) {
        ret = write_zero_buffer(bs, old, size - old);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not preallocate '%s'",
                             bs->filename);
        }
    }
    return ret;
}

/* Holes in the host file are unallocated, zero-reading ranges. */
static int file_block_status(BlockDriverState *bs, uint64_t offset,
                             uint64_t bytes, uint64_t *pnum, uint64_t *map,
                             BlockDriverState **file)
{
    BDRVFileState *s = bs->opaque;
    off_t data = lseek(s->fd, offset, SEEK_DATA);

    *map = offset;
    *file = bs;
    if (data < 0 && errno == ENXIO) {
        *pnum = bytes;                       /* a hole up to EOF */
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID;
    }
    if (data < 0) {
        *pnum = bytes;                       /* no SEEK_DATA: all data */
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    }
    if ((uint64_t)data > offset) {
        *pnum = MIN(bytes, (uint64_t)data - offset);
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID;
    }
    off_t hole = lseek(s->fd, offset, SEEK_HOLE);
    *pnum = hole < 0 ? bytes : MIN(bytes, (uint64_t)hole - offset);
    if (!*pnum) {
        *pnum = bytes;
    }
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
}

int bdrv_file_pread(BlockDriverState *file, uint64_t offset, uint64_t bytes,
                    void *buf)
{
    return file_pread(file, offset, bytes, buf);
}

int bdrv_file_pwrite(BlockDriverState *file, uint64_t offset, uint64_t bytes,
                     const void *buf)
{
    return file_pwrite(file, offset, bytes, buf);
}

static bool file_create(const char *filename, const BlockCreateOpts *opts,
                        GError **errp)
{
    /* Lock before truncating: never wipe an image someone is using. */
    BlockDriverState tmp = { .filename = (char *)filename };
    int fd = open(filename, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    bool ok;

    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not create '%s'", filename);
        return false;
    }
    ok = file_lock_image(&tmp, fd, true, errp);
    if (ok && ftruncate(fd, 0) < 0) {
        error_setg_errno(errp, errno, "Could not truncate '%s'", filename);
        ok = false;
    }
    close(fd);
    return ok;
}

const BlockDriver bdrv_file = {
    .format_name = "file",
    .instance_size = sizeof(BDRVFileState),
    .open = file_open,
    .close = file_close,
    .pread = file_pread,
    .pwrite = file_pwrite,
    .pwrite_zeroes = file_pwrite_zeroes,
    .pdiscard = file_pdiscard,
    .flush = file_flush,
    .getlength = file_getlength,
    .get_allocated_file_size = file_allocated_size,
    .truncate = file_truncate,
    .block_status = file_block_status,
    .create = file_create,
};
