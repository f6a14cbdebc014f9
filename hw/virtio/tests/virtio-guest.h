/*
 * A pretend guest for the virtio tests: RAM, a row of virtio-mmio
 * transports with interrupt lines, and a minimal driver that programs a
 * transport and its split virtqueues through MMIO and guest RAM the way
 * Linux does (virtio 1.2 sections 3.1.1 and 4.2.3). -d guest_errors output
 * is captured between vg_machine_init and vg_machine_cleanup: test_log_read()
 * (test-log.h) returns what was logged.
 */
#ifndef VIRTIO_GUEST_H
#define VIRTIO_GUEST_H

#include "tern/osdep.h"
#include "hw/virtio/virtio.h"
#include "hw/virtio/virtio-mmio.h"
#include "test-log.h"

#define VG_MMIO_BASE    0x10001000ull
#define VG_RAM_BASE     0x40000000ull
#define VG_RAM_SIZE     0x100000ull
#define VG_TRANSPORTS   2

#define VG_F_V1         (1ull << VIRTIO_F_VERSION_1)
#define VG_F_INDIRECT   (1ull << VIRTIO_RING_F_INDIRECT_DESC)
#define VG_F_EVENT_IDX  (1ull << VIRTIO_RING_F_EVENT_IDX)

extern MemoryRegion vg_ram_region;
extern DeviceState *vg_transport[VG_TRANSPORTS];

void vg_machine_init(void);
void vg_machine_cleanup(void);
uint8_t *vg_ram(hwaddr addr);
int vg_irq_level(unsigned t);

/* 32-bit register access of transport t */
uint32_t vg_rd(unsigned t, hwaddr reg);
void vg_wr(unsigned t, hwaddr reg, uint32_t val);

/* A split virtqueue as the driver keeps it. */
typedef struct VgQueue {
    unsigned t, index, size;
    hwaddr desc, avail, used;
    uint16_t avail_idx;
    uint16_t used_seen;
} VgQueue;

/* Reset transport t, negotiate features, set up queues 0..nq-1 at
 * VG_RAM_BASE + 0x4000 * i (size 16, or less if the device says so), zero RAM, and set DRIVER_OK. */
void vg_driver_init(unsigned t, uint64_t features, VgQueue *q, unsigned nq);
void vg_put_desc(hwaddr table, unsigned i, uint64_t addr, uint32_t len,
                 uint16_t flags, uint16_t next);
/* Make the chain at head available and notify the device. */
void vg_offer(VgQueue *q, uint16_t head);
/* The next used entry the driver has not seen; false if none. */
bool vg_next_used(VgQueue *q, uint32_t *id, uint32_t *len);
uint16_t vg_get16(hwaddr a);
uint32_t vg_get32(hwaddr a);
void vg_put16(hwaddr a, uint16_t v);

/* -device optstr; fails the test with the error if it is refused. */
DeviceState *vg_add_device(const char *optstr);
/* -device optstr must be refused with an error containing msg. */
void vg_expect_add_error(const char *optstr, const char *msg);

#endif
