#!/bin/bash
# Boot the riscv64 test guest (OpenSBI fw_jump -> Linux -> busybox
# initramfs) on tern-system-riscv64's virt board, console on this terminal.
# Without arguments you get a shell (`exit` powers the guest off); arguments
# are added to the kernel command line, e.g. run=/bin/selftest.
# usage: scripts/boot-linux.sh [BUILDDIR] [-- KERNEL-ARGS...]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build
if (($#)) && [[ $1 != -- ]]; then build=$1; shift; fi
if [[ ${1:-} == -- ]]; then shift; fi
tern=$build/tern-system-riscv64

images=$("$repo/scripts/get-images.sh")
exec "$tern" -M virt -smp 1 -m 512M -nographic \
  -bios "$images/opensbi-fw_jump.bin" -kernel "$images/rv64-Image" \
  -initrd "$images/rv64-initramfs.cpio.gz" -append "console=ttyS0 $*"
