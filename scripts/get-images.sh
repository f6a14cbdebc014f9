#!/bin/bash
# Print the directory that holds the guest test images (OpenSBI, riscv64
# Linux and initramfs, x86-64 kernel and initramfs, disk.ext4).
# Uses, in order: $TERN_IMAGES, ../shared/images next to this checkout,
# OUTDIR (default: images/ in the checkout) if already built there, or builds
# them into OUTDIR with scripts/build-images.sh (root; 10-20 minutes).
# usage: scripts/get-images.sh [OUTDIR]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/images}
# What the boot commands in README.md and the guest tests use.
needed=(opensbi-fw_jump.bin rv64-Image rv64-initramfs.cpio.gz
        x86_64-vmlinuz x86_64-initramfs.cpio.gz disk.ext4)

complete() {
  local f
  for f in "${needed[@]}"; do [[ -s $1/$f ]] || return 1; done
}

for dir in ${TERN_IMAGES:+"$TERN_IMAGES"} "$repo/../shared/images" "$out"; do
  if [[ -d $dir ]] && complete "$dir"; then
    (cd "$dir" && pwd)
    exit 0
  fi
done

echo "get-images: no images found; building them into $out" >&2
"$repo/scripts/build-images.sh" "$out" >&2
complete "$out" || { echo "get-images: build-images.sh did not produce all of: ${needed[*]}" >&2; exit 1; }
echo "$out"
