/*
 * BlockBackend: synchronous and asynchronous I/O for devices. Asynchronous
 * requests run on a shared worker pool; each backend has an eventfd watched
 * by a GSource in its GMainContext, through which finished requests are
 * handed back and their callbacks run.
 */
#include "tern/osdep.h"
#include "block-backend-int.h"
#include <glib-unix.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define AIO_WORKERS 4

typedef enum { REQ_READ, REQ_WRITE, REQ_FLUSH, REQ_DISCARD, REQ_ZEROES } ReqType;

typedef struct BlkRequest {
    BlockBackend *blk;
    ReqType type;
    uint64_t offset;
    uint64_t bytes;
    struct iovec *iov;
    int niov;
    int flags;
    int ret;
    BlockCompletionFunc *cb;
    void *opaque;
} BlkRequest;

static GThreadPool *pool;
static GMutex pool_lock;

static void worker(gpointer data, gpointer user_data);

BlockBackend *blk_new(BlockDriverState *bs)
{
    BlockBackend *blk = g_new0(BlockBackend, 1);
    blk->bs = bs;
    blk->iface = g_strdup("none");
    blk->discard = true;
    g_mutex_init(&blk->lock);
    g_cond_init(&blk->cond);
    blk->done = g_queue_new();
    blk->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    blk_set_context(blk, NULL);
    return blk;
}

BlockBackend *blk_new_open(const char *filename, const char *fmt, int flags,
                           GError **errp)
{
    BlockDriverState *bs = bdrv_open(filename, fmt, flags, errp);
    return bs ? blk_new(bs) : NULL;
}

static void deliver_completions(BlockBackend *blk)
{
    for (;;) {
        g_mutex_lock(&blk->lock);
        BlkRequest *req = g_queue_pop_head(blk->done);
        g_mutex_unlock(&blk->lock);
        if (!req) {
            return;
        }
        if (req->cb) {
            req->cb(req->opaque, req->ret);
        }
        g_free(req->iov);
        g_free(req);
        g_mutex_lock(&blk->lock);
        blk->in_flight--;
        g_cond_broadcast(&blk->cond);
        g_mutex_unlock(&blk->lock);
    }
}

static gboolean completion_ready(gint fd, GIOCondition cond, gpointer data)
{
    BlockBackend *blk = data;
    uint64_t v;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
        error_report("block: reading the completion eventfd failed: %s",
                     g_strerror(errno));
    }
    deliver_completions(blk);
    return G_SOURCE_CONTINUE;
}

void blk_set_context(BlockBackend *blk, GMainContext *ctx)
{
    blk_drain(blk);
    if (blk->source) {
        g_source_destroy(blk->source);
        g_source_unref(blk->source);
    }
    blk->source = g_unix_fd_source_new(blk->efd, G_IO_IN);
    g_source_set_callback(blk->source, G_SOURCE_FUNC(completion_ready),
                          blk, NULL);
    g_source_attach(blk->source, ctx);
}

void blk_drain(BlockBackend *blk)
{
    g_mutex_lock(&blk->lock);
    while (blk->in_flight > (int)g_queue_get_length(blk->done)) {
        g_cond_wait(&blk->cond, &blk->lock);
    }
    g_mutex_unlock(&blk->lock);
    deliver_completions(blk);
}

void blk_free(BlockBackend *blk)
{
    blk_drain(blk);
    g_source_destroy(blk->source);
    g_source_unref(blk->source);
    close(blk->efd);
    g_queue_free(blk->done);
    g_mutex_clear(&blk->lock);
    g_cond_clear(&blk->cond);
    bdrv_unref(blk->bs);
    if (blk->temp_overlay) {
        unlink(blk->temp_overlay);
        g_free(blk->temp_overlay);
    }
    g_free(blk->name);
    g_free(blk->iface);
    g_free(blk->owner);
    g_free(blk);
}

BlockDriverState *blk_bs(BlockBackend *blk)
{
    return blk->bs;
}

int blk_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes)
{
    return bdrv_pread(blk->bs, offset, bytes, buf);
}

int blk_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
               uint64_t bytes)
{
    return bdrv_pwrite(blk->bs, offset, bytes, buf);
}

int blk_flush(BlockBackend *blk)
{
    return bdrv_flush(blk->bs);
}

int64_t blk_getlength(BlockBackend *blk)
{
    return bdrv_getlength(blk->bs);
}

bool blk_is_read_only(BlockBackend *blk)
{
    return bdrv_is_read_only(blk->bs);
}

bool blk_discard_enabled(BlockBackend *blk)
{
    return blk->discard;
}

static uint64_t iov_size(const struct iovec *iov, int niov)
{
    uint64_t n = 0;
    for (int i = 0; i < niov; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

static int run_request(BlkRequest *req)
{
    BlockDriverState *bs = req->blk->bs;
    g_autofree uint8_t *bounce = NULL;
    uint8_t *buf;
    int ret;

    switch (req->type) {
    case REQ_FLUSH:
        return bdrv_flush(bs);
    case REQ_DISCARD:
        return req->blk->discard ? bdrv_pdiscard(bs, req->offset, req->bytes) : 0;
    case REQ_ZEROES:
        return bdrv_pwrite_zeroes(bs, req->offset, req->bytes, req->flags);
    default:
        break;
    }
    if (req->niov == 1) {
        buf = req->iov[0].iov_base;
    } else {
        buf = bounce = g_try_malloc(req->bytes);
        if (!buf) {
            return -ENOMEM;
        }
    }
    if (req->type == REQ_READ) {
        ret = bdrv_pread(bs, req->offset, req->bytes, buf);
        for (size_t i = 0, pos = 0; bounce && ret == 0 && i < (size_t)req->niov; i++) {
            memcpy(req->iov[i].iov_base, buf + pos, req->iov[i].iov_len);
            pos += req->iov[i].iov_len;
        }
        return ret;
    }
    for (size_t i = 0, pos = 0; bounce && i < (size_t)req->niov; i++) {
        memcpy(buf + pos, req->iov[i].iov_base, req->iov[i].iov_len);
        pos += req->iov[i].iov_len;
    }
    return bdrv_pwrite(bs, req->offset, req->bytes, buf);
}

static void worker(gpointer data, gpointer user_data)
{
    BlkRequest *req = data;
    BlockBackend *blk = req->blk;
    uint64_t one = 1;

    req->ret = run_request(req);
    g_mutex_lock(&blk->lock);
    g_queue_push_tail(blk->done, req);
    g_cond_broadcast(&blk->cond);
    g_mutex_unlock(&blk->lock);
    if (write(blk->efd, &one, sizeof(one)) < 0) {
        error_report("block: signalling a completion failed: %s",
                     g_strerror(errno));
    }
}

static void submit(BlockBackend *blk, ReqType type, uint64_t offset,
                   uint64_t bytes, const struct iovec *iov, int niov,
                   int flags, BlockCompletionFunc *cb, void *opaque)
{
    BlkRequest *req = g_new0(BlkRequest, 1);

    req->blk = blk;
    req->type = type;
    req->offset = offset;
    req->bytes = iov ? iov_size(iov, niov) : bytes;
    req->iov = niov ? g_memdup2(iov, niov * sizeof(*iov)) : NULL;
    req->niov = niov;
    req->flags = flags;
    req->cb = cb;
    req->opaque = opaque;

    g_mutex_lock(&pool_lock);
    if (!pool) {
        pool = g_thread_pool_new(worker, NULL, AIO_WORKERS, false, NULL);
    }
    g_mutex_unlock(&pool_lock);
    g_mutex_lock(&blk->lock);
    blk->in_flight++;
    g_mutex_unlock(&blk->lock);
    g_thread_pool_push(pool, req, NULL);
}

void blk_aio_preadv(BlockBackend *blk, uint64_t offset,
                    const struct iovec *iov, int niov,
                    BlockCompletionFunc *cb, void *opaque)
{
    submit(blk, REQ_READ, offset, 0, iov, niov, 0, cb, opaque);
}

void blk_aio_pwritev(BlockBackend *blk, uint64_t offset,
                     const struct iovec *iov, int niov,
                     BlockCompletionFunc *cb, void *opaque)
{
    submit(blk, REQ_WRITE, offset, 0, iov, niov, 0, cb, opaque);
}

void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    submit(blk, REQ_FLUSH, 0, 0, NULL, 0, 0, cb, opaque);
}

void blk_aio_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                      BlockCompletionFunc *cb, void *opaque)
{
    submit(blk, REQ_DISCARD, offset, bytes, NULL, 0, 0, cb, opaque);
}

void blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                           bool may_unmap, BlockCompletionFunc *cb,
                           void *opaque)
{
    submit(blk, REQ_ZEROES, offset, bytes, NULL, 0,
           may_unmap ? BDRV_REQ_MAY_UNMAP : 0, cb, opaque);
}
