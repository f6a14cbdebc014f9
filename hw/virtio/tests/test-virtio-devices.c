/*
 * Unit tests for virtio-blk-device, virtio-rng-device and virtio-serial-device
 * + virtconsole, driven through a virtio-mmio transport by a pretend guest
 * (virtio-guest.h). Block completions and chardev input arrive through the
 * default main context, which the tests iterate.
 */
#include "tern/osdep.h"
#include "virtio-guest.h"
#include "block/block-backend.h"
#include "chardev/char.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "test-main-loop.h"
#include "test-tmpdir.h"

#define BUF         (VG_RAM_BASE + 0x10000)
#define DISK_SIZE   (1 << 20)
#define SECTORS     (DISK_SIZE / 512)

static char *tmpdir;
static VgQueue q[2];

static int setup(void **state)
{
    vg_machine_init();
    memset(q, 0, sizeof(q));
    return 0;
}

static int teardown(void **state)
{
    vg_machine_cleanup();
    return 0;
}

typedef struct UsedWait {
    VgQueue *q;
    uint32_t *id, *len;
} UsedWait;

static bool has_used(void *opaque)
{
    UsedWait *w = opaque;

    return vg_next_used(w->q, w->id, w->len);
}

/* Iterate the main context until queue qu has a used entry (or 5 s pass). */
static bool wait_used(VgQueue *qu, uint32_t *id, uint32_t *len)
{
    UsedWait w = { qu, id, len };

    return test_run_until(has_used, &w);
}

/* ---- virtio-blk ---- */

static char *disk_path;
static int disk_count;

/* A raw image whose byte i is (i / 512 + i) & 0xff, registered as -drive id=vdN. */
static char *make_disk(bool readonly)
{
    g_autofree uint8_t *data = g_malloc(DISK_SIZE);
    char *id = g_strdup_printf("vd%d", disk_count++);

    for (unsigned i = 0; i < DISK_SIZE; i++) {
        data[i] = (uint8_t)(i / 512 + i);
    }
    g_free(disk_path);
    disk_path = g_strdup_printf("%s/%s.img", tmpdir, id);
    assert_true(g_file_set_contents(disk_path, (char *)data, DISK_SIZE, NULL));
    g_autofree char *opt = g_strdup_printf("file=%s,format=raw,if=none,id=%s%s", disk_path,
                                           id, readonly ? ",readonly=on" : "");
    GError *err = NULL;
    if (!drive_add(opt, &err)) {
        fail_msg("%s", err->message);
    }
    return id;
}

static uint8_t disk_byte(uint64_t off)
{
    return (uint8_t)(off / 512 + off);
}

/*
 * One request: header, then data (device-readable for writes, -writable for
 * reads) of len bytes at BUF + 0x100 unless len is 0, then the status byte.
 * Returns the status; *used_len is the length the device reported.
 */
static uint8_t blk_request(uint32_t type, uint64_t sector, bool data_in, uint32_t len,
                           uint32_t *used_len)
{
    uint8_t hdr[16] = { 0 };
    uint32_t id;
    unsigned n = 0;

    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    memcpy(vg_ram(BUF), hdr, 16);
    *vg_ram(BUF + 0x80) = 0xee;
    vg_put_desc(q[0].desc, n, BUF, 16, VIRTQ_DESC_F_NEXT, n + 1);
    n++;
    if (len) {
        vg_put_desc(q[0].desc, n, BUF + 0x100, len,
                    VIRTQ_DESC_F_NEXT | (data_in ? VIRTQ_DESC_F_WRITE : 0), n + 1);
        n++;
    }
    vg_put_desc(q[0].desc, n, BUF + 0x80, 1, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q[0], 0);
    assert_true(wait_used(&q[0], &id, used_len));
    assert_int_equal(id, 0);
    return *vg_ram(BUF + 0x80);
}

static uint64_t config64(unsigned t, hwaddr off)
{
    return vg_rd(t, 0x100 + off) | (uint64_t)vg_rd(t, 0x104 + off) << 32;
}

static void test_blk_config(void **state)
{
    g_autofree char *id = make_disk(false);
    g_autofree char *opt = g_strdup_printf("virtio-blk-device,drive=%s", id);

    vg_add_device(opt);
    assert_int_equal(vg_rd(0, 0x008), VIRTIO_ID_BLOCK);
    assert_int_equal(config64(0, 0), SECTORS);
    assert_int_equal(vg_rd(0, 0x100 + 20), 512);          /* blk_size */
    assert_int_equal(vg_rd(0, 0x100 + 12), 126);          /* seg_max */
    vg_wr(0, 0x014, 0);
    uint32_t f = vg_rd(0, 0x010);
    assert_true(f & (1u << 9));                             /* FLUSH */
    assert_true(f & (1u << 13));                            /* DISCARD */
    assert_true(f & (1u << 14));                            /* WRITE_ZEROES */
    assert_false(f & (1u << 5));                            /* not RO */
}

static void test_blk_read_write(void **state)
{
    g_autofree char *id = make_disk(false);
    g_autofree char *opt = g_strdup_printf("virtio-blk-device,drive=%s,serial=SER-0042", id);
    uint32_t len;

    vg_add_device(opt);
    vg_driver_init(0, VG_F_V1, q, 1);

    /* read two sectors from sector 3 */
    memset(vg_ram(BUF + 0x100), 0, 1024);
    assert_int_equal(blk_request(0, 3, true, 1024, &len), 0);
    assert_int_equal(len, 1025);
    for (unsigned i = 0; i < 1024; i++) {
        assert_int_equal(*vg_ram(BUF + 0x100 + i), disk_byte(3 * 512 + i));
    }

    /* write a sector at 5, and see it in the image */
    for (unsigned i = 0; i < 512; i++) {
        *vg_ram(BUF + 0x100 + i) = (uint8_t)(0x5a ^ i);
    }
    assert_int_equal(blk_request(1, 5, false, 512, &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(blk_request(4, 0, false, 0, &len), 0);     /* flush */
    g_autofree char *img = NULL;
    assert_true(g_file_get_contents(disk_path, &img, NULL, NULL));
    for (unsigned i = 0; i < 512; i++) {
        assert_int_equal((uint8_t)img[5 * 512 + i], (uint8_t)(0x5a ^ i));
    }
    assert_int_equal((uint8_t)img[6 * 512], disk_byte(6 * 512));

    /* get-id: 20 bytes, NUL padded */
    memset(vg_ram(BUF + 0x100), 0xff, 20);
    assert_int_equal(blk_request(8, 0, true, 20, &len), 0);
    assert_int_equal(len, 21);
    assert_memory_equal(vg_ram(BUF + 0x100), "SER-0042\0\0\0\0\0\0\0\0\0\0\0", 20);

    /* the last sector is readable, one past it is not */
    assert_int_equal(blk_request(0, SECTORS - 1, true, 512, &len), 0);
    assert_int_equal(blk_request(0, SECTORS - 1, true, 1024, &len), 1);
    assert_int_equal(len, 1);
    assert_int_equal(blk_request(0, UINT64_MAX / 2, true, 512, &len), 1);
    /* not whole sectors */
    assert_int_equal(blk_request(0, 0, true, 100, &len), 1);
    /* unknown request type */
    assert_int_equal(blk_request(99, 0, true, 512, &len), 2);
    assert_false(virtio_mmio_get_device(vg_transport[0])->broken);
    g_autofree char *log = test_log_read();
    assert_non_null(strstr(log, "virtio-blk: request for sector 2047 + 1024 bytes beyond the "
                           "end of the 2048-sector disk"));
    assert_non_null(strstr(log, "virtio-blk: 100-byte read is not a whole number of sectors"));
}

static void put_segment(uint64_t sector, uint32_t num, uint32_t flags)
{
    memcpy(vg_ram(BUF + 0x100), &sector, 8);
    memcpy(vg_ram(BUF + 0x108), &num, 4);
    memcpy(vg_ram(BUF + 0x10c), &flags, 4);
}

static void test_blk_discard_write_zeroes(void **state)
{
    g_autofree char *id = make_disk(false);
    g_autofree char *opt = g_strdup_printf("virtio-blk-device,drive=%s", id);
    uint32_t len;

    vg_add_device(opt);
    vg_driver_init(0, VG_F_V1 | (1ull << 13) | (1ull << 14), q, 1);

    put_segment(20, 2, 0);
    assert_int_equal(blk_request(13, 0, false, 16, &len), 0);        /* write zeroes */
    put_segment(10, 4, 0);
    assert_int_equal(blk_request(11, 0, false, 16, &len), 0);        /* discard */
    put_segment(10, 4, 1);
    assert_int_equal(blk_request(11, 0, false, 16, &len), 2);        /* discard + unmap */
    put_segment(SECTORS - 1, 2, 0);
    assert_int_equal(blk_request(13, 0, false, 16, &len), 1);        /* beyond the end */
    assert_int_equal(blk_request(13, 0, false, 32, &len), 2);        /* two segments */

    g_autofree char *img = NULL;
    assert_true(g_file_get_contents(disk_path, &img, NULL, NULL));
    for (unsigned i = 0; i < 1024; i++) {
        assert_int_equal(img[20 * 512 + i], 0);
    }
    assert_int_equal((uint8_t)img[22 * 512], disk_byte(22 * 512));
    assert_int_equal((uint8_t)img[19 * 512 + 511], disk_byte(19 * 512 + 511));
}

static void test_blk_read_only(void **state)
{
    g_autofree char *id = make_disk(true);
    g_autofree char *opt = g_strdup_printf("virtio-blk-device,drive=%s", id);
    uint32_t len;

    vg_add_device(opt);
    vg_wr(0, 0x014, 0);
    assert_true(vg_rd(0, 0x010) & (1u << 5));               /* RO */
    vg_driver_init(0, VG_F_V1 | (1ull << 5), q, 1);
    assert_int_equal(blk_request(1, 0, false, 512, &len), 1);
    put_segment(0, 1, 0);
    assert_int_equal(blk_request(13, 0, false, 16, &len), 1);
    assert_int_equal(blk_request(0, 0, true, 512, &len), 0);
    g_autofree char *img = NULL;
    assert_true(g_file_get_contents(disk_path, &img, NULL, NULL));
    assert_int_equal((uint8_t)img[0], disk_byte(0));
}

static void test_blk_async_and_errors(void **state)
{
    g_autofree char *id = make_disk(false);
    g_autofree char *opt = g_strdup_printf("virtio-blk-device,drive=%s", id);
    uint32_t used_id, len;

    vg_expect_add_error("virtio-blk-device", "-device virtio-blk-device: drive=ID is required");
    vg_expect_add_error("virtio-blk-device,drive=nope", "drive 'nope' not found");
    vg_add_device(opt);
    vg_expect_add_error(opt, "is already in use by virtio-blk-device");

    /* the notification only queues the read: it completes on the main loop */
    vg_driver_init(0, VG_F_V1, q, 1);
    uint8_t hdr[16] = { 0 };
    memcpy(vg_ram(BUF), hdr, 16);
    vg_put_desc(q[0].desc, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(q[0].desc, 1, BUF + 0x100, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    vg_put_desc(q[0].desc, 2, BUF + 0x80, 1, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q[0], 0);
    g_usleep(20000);
    assert_int_equal(vg_get16(q[0].used + 2), 0);
    assert_true(wait_used(&q[0], &used_id, &len));
    assert_int_equal(len, 513);
    assert_int_equal(vg_irq_level(0), 1);

    /* a request too short to answer breaks the device */
    vg_put_desc(q[0].desc, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(q[0].desc, 1, BUF + 0x80, 1, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q[0], 0);
    assert_true(virtio_mmio_get_device(vg_transport[0])->broken);
    g_autofree char *log = test_log_read();
    assert_non_null(strstr(log, "virtio-blk-device: request without a 16-byte header or a "
                           "status byte"));
}

/* ---- virtio-rng ---- */

static void test_rng(void **state)
{
    uint32_t id, len;
    bool nonzero = false;

    vg_add_device("virtio-rng-device");
    assert_int_equal(vg_rd(0, 0x008), VIRTIO_ID_RNG);
    vg_driver_init(0, VG_F_V1, q, 1);
    vg_put_desc(q[0].desc, 0, BUF, 40, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(q[0].desc, 1, BUF + 0x100, 24, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q[0], 0);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(len, 64);
    for (unsigned i = 0; i < 24; i++) {
        nonzero |= *vg_ram(BUF + 0x100 + i) != 0;
    }
    assert_true(nonzero);                       /* 2^-192 chance of a false failure */
    assert_int_equal(vg_irq_level(0), 1);

    /* a device-readable buffer gets nothing */
    vg_put_desc(q[0].desc, 2, BUF, 16, 0, 0);
    vg_offer(&q[0], 2);
    assert_true(vg_next_used(&q[0], &id, &len));
    assert_int_equal(id, 2);
    assert_int_equal(len, 0);
}

/* ---- virtio-serial + virtconsole ---- */

static void test_console(void **state)
{
    g_autofree char *out_path = g_strdup_printf("%s/console.out", tmpdir);
    g_autofree char *sock_path = g_strdup_printf("%s/console.sock", tmpdir);
    g_autofree char *file_opt = g_strdup_printf("file,id=conout,path=%s", out_path);
    GError *err = NULL;
    uint32_t id, len;

    vg_expect_add_error("virtconsole,chardev=conout", "no free virtio-serial-bus");
    assert_non_null(qemu_chr_new_from_opts(file_opt, &err));
    /* output through the built-in port */
    vg_add_device("virtio-serial-device,chardev=conout");
    assert_int_equal(vg_rd(0, 0x008), VIRTIO_ID_CONSOLE);
    vg_expect_add_error("virtconsole", "-device virtconsole: chardev=ID is required");
    vg_expect_add_error("virtconsole,chardev=conout", "chardev 'conout' is already in use");
    assert_non_null(qemu_chr_new_from_opts("null,id=other", &err));
    vg_expect_add_error("virtconsole,chardev=other", "-device virtconsole: the "
                        "virtio-serial-device already has its port (chardev=conout)");

    vg_driver_init(0, VG_F_V1, q, 2);
    memcpy(vg_ram(BUF), "hello, ", 7);
    memcpy(vg_ram(BUF + 0x100), "hvc0\n", 5);
    vg_put_desc(q[1].desc, 0, BUF, 7, VIRTQ_DESC_F_NEXT, 1);
    vg_put_desc(q[1].desc, 1, BUF + 0x100, 5, 0, 0);
    vg_offer(&q[1], 0);
    assert_true(vg_next_used(&q[1], &id, &len));
    g_autofree char *text = NULL;
    assert_true(g_file_get_contents(out_path, &text, NULL, NULL));
    assert_string_equal(text, "hello, hvc0\n");
    vg_machine_cleanup();

    /* input: from a socket chardev into the receive queue */
    vg_machine_init();
    g_autofree char *sock_opt = g_strdup_printf("socket,id=conin,path=%s,server=on,wait=off",
                                                sock_path);
    assert_non_null(qemu_chr_new_from_opts(sock_opt, &err));
    assert_null(err);
    vg_add_device("virtio-serial-device");
    vg_add_device("virtconsole,chardev=conin");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, sock_path, sizeof(sa.sun_path) - 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(write(fd, "typed", 5), 5);

    memset(q, 0, sizeof(q));
    vg_driver_init(0, VG_F_V1, q, 2);
    vg_put_desc(q[0].desc, 0, BUF + 0x200, 64, VIRTQ_DESC_F_WRITE, 0);
    vg_offer(&q[0], 0);
    assert_true(wait_used(&q[0], &id, &len));
    assert_int_equal(len, 5);
    assert_memory_equal(vg_ram(BUF + 0x200), "typed", 5);
    assert_int_equal(vg_irq_level(0), 1);
    close(fd);
}

int main(void)
{
    tmpdir = test_tmpdir_new("test-virtio-XXXXXX");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_blk_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blk_read_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blk_discard_write_zeroes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blk_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blk_async_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rng, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console, setup, teardown),
    };
    int ret = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove(tmpdir);
    g_free(tmpdir);
    g_free(disk_path);
    return ret;
}
