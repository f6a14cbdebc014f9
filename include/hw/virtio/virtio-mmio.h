/*
 * virtio-mmio transport (virtio 1.2 section 4.2), device type "virtio-mmio".
 *
 * Each transport is a system-bus device with one 0x200-byte MMIO region and
 * one interrupt line, and has a "virtio-bus" child bus that takes one virtio
 * device. A board creates a row of empty transports; `-device
 * virtio-blk-device,drive=ID` (or any virtio-*-device) plugs into the first
 * transport whose bus is free, in creation order. An empty transport reads
 * DeviceID 0, which drivers skip.
 *
 * A board instantiates them like this (8 transports, as QEMU's virt does):
 *
 *     for (int i = 0; i < 8; i++) {
 *         DeviceState *dev = qdev_new(TYPE_VIRTIO_MMIO, &error_abort_or_exit);
 *         qdev_realize_or_exit(dev, NULL);
 *         sysbus_mmio_map(dev, 0, base + i * VIRTIO_MMIO_SIZE);
 *         sysbus_connect_irq(dev, 0, irqchip_input(irq + i));
 *     }
 *
 * Create them in the order the guest should see the devices: QEMU's RISC-V
 * virt board creates them from the highest address down, so that the first
 * -device lands at the highest address (Linux probes the device tree nodes in
 * reverse and the first device becomes vda). Put a "virtio,mmio" node with
 * the address and interrupt of every transport in the device tree, used or
 * not.
 *
 * Then call virtio_mmio_create_drives() to give each -drive if=virtio a
 * virtio-blk device.
 *
 * Properties: "force-legacy" (bool, default off): present the legacy
 * interface (Version 1, section 4.2.4) instead of Version 2. "ioeventfd"
 * (bool, default on): when KVM is the accelerator, the QueueNotify write of
 * each ready queue is caught in the kernel (kvm_doorbell_new, an ioeventfd
 * matching the queue index) and the queue handler runs on the main loop,
 * without an MMIO exit to Tern; without KVM it has no effect.
 */
#ifndef HW_VIRTIO_VIRTIO_MMIO_H
#define HW_VIRTIO_VIRTIO_MMIO_H

#include "hw/virtio/virtio.h"

#define TYPE_VIRTIO_MMIO "virtio-mmio"
#define VIRTIO_MMIO_SIZE 0x200

/* The device plugged into a transport, or NULL. */
VirtIODevice *virtio_mmio_get_device(DeviceState *transport);

/*
 * A virtio-blk-device for each -drive if=virtio not yet claimed, in
 * command-line order, each plugged into the next free transport. Call once
 * the transports exist. The error names the drive.
 */
bool virtio_mmio_create_drives(GError **errp);

#endif
