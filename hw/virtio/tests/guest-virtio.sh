#!/bin/sh
# Guest-level test of the virtio devices: boot the RISC-V Linux test image
# (shared/images, see its README) under tern-system-riscv64 with
# virtio-blk, virtio-rng and a virtio console on virtio-mmio, and check what
# the guest reports: drivers bound, the disk's first 4 KiB hash as QEMU
# shows it, reads from /dev/hwrng, output on hvc1 (hvc0 is the SBI console),
# and a file written through virtio-blk that is on the image afterwards.
#
# usage: guest-virtio.sh PATH/TO/tern-system-riscv64 [IMAGES_DIR]
# Exit 77 (skip) when the images are not there.
set -u
emu=$1
here=$(cd "$(dirname "$0")" && pwd)
img=${2:-${TERN_IMAGES:-$here/../../../../shared/images}}
if [ ! -f "$img/rv64-Image" ] || [ ! -f "$img/disk.ext4" ]; then
    echo "SKIP: guest images not found in $img (set TERN_IMAGES)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {   # check FILE PATTERN WHAT
    if grep -aqs -- "$2" "$1"; then
        echo "ok: $3"
    else
        echo "FAIL: $3 (no '$2' in $1)"
        fail=1
    fi
}

# 1: hwinfo with the three devices, console output on hvc1
timeout 120 "$emu" -M virt -smp 2 -m 512M -nographic -bios "$img/opensbi-fw_jump.bin" \
    -kernel "$img/rv64-Image" -initrd "$img/rv64-initramfs.cpio.gz" \
    -append 'console=ttyS0 console=hvc1 run=/bin/hwinfo' \
    -drive if=none,id=d0,file="$img/disk.ext4",format=raw,readonly=on \
    -device virtio-blk-device,drive=d0 -device virtio-rng-device \
    -chardev file,id=hvc,path="$tmp/hvc1.txt" -device virtio-serial-device,chardev=hvc \
    </dev/null >"$tmp/boot1.txt" 2>&1
echo "boot 1 exit status $?"
check "$tmp/hvc1.txt" "driver=virtio_blk" "virtio-blk bound"
check "$tmp/hvc1.txt" "driver=virtio_rng" "virtio-rng bound"
check "$tmp/hvc1.txt" "driver=virtio_console" "virtio-console bound"
check "$tmp/hvc1.txt" "hwrng: virtio_rng.0 read=16" "16 bytes from /dev/hwrng"
check "$tmp/hvc1.txt" "vda: first4k-sha256=2efec8bbe9a17dc1" "disk contents as QEMU reads them"
check "$tmp/hvc1.txt" "vda: mounted hello from disk.ext4" "ext4 mounted from vda"
check "$tmp/hvc1.txt" "RUN-DONE rc=0" "guest finished (output on hvc1)"

# 2: writes, flush and discard through virtio-blk reach the image
cp "$img/disk.ext4" "$tmp/rw.ext4"
timeout 120 "$emu" -M virt -m 512M -nographic -bios "$img/opensbi-fw_jump.bin" \
    -kernel "$img/rv64-Image" -initrd "$img/rv64-initramfs.cpio.gz" \
    -append 'console=ttyS0 run="mkdir -p /m && mount /dev/vda /m && echo written-by-guest > /m/new.txt && fstrim /m && umount /m"' \
    -drive if=none,id=d0,file="$tmp/rw.ext4",format=raw -device virtio-blk-device,drive=d0 \
    </dev/null >"$tmp/boot2.txt" 2>&1
echo "boot 2 exit status $?"
check "$tmp/boot2.txt" "RUN-DONE rc=0" "guest wrote to vda"
if command -v debugfs >/dev/null; then
    debugfs -R "cat /new.txt" "$tmp/rw.ext4" >"$tmp/new.txt" 2>/dev/null
    check "$tmp/new.txt" "written-by-guest" "the file is on the image"
else
    echo "note: debugfs (e2fsprogs) missing, not reading the image back"
fi

if [ $fail = 0 ]; then
    echo "guest-virtio: PASS"
else
    echo "guest-virtio: FAIL"
    tail -20 "$tmp/boot1.txt"
fi
exit $fail
