#!/bin/sh
# Build bzip2 from Debian's source package (get-source.sh: apt-get source
# bzip2, cached) for riscv64 with riscv64-linux-gnu-gcc and for x86-64 with
# cc: Debian's Makefile builds libbz2.a and bzip2.o with -O2
# -D_FILE_OFFSET_BITS=64, linked -static into OUTDIR/bzip2-riscv64 and
# OUTDIR/bzip2-x86_64. Prints the unpacked source directory.
#   build-bzip2.sh OUTDIR
set -eu

out=${1:?usage: build-bzip2.sh OUTDIR}
src=$("$(dirname "$0")/get-source.sh" bzip2)
for arch in riscv64 x86_64; do
  if [ $arch = riscv64 ]; then cc=riscv64-linux-gnu-gcc tools=riscv64-linux-gnu-; else cc=cc tools=; fi
  tree=$out/bzip2-build-$arch
  rm -rf "$tree"
  cp -a "$src" "$tree"
  make -s -C "$tree" CC=$cc AR=${tools}ar RANLIB=${tools}ranlib \
    CFLAGS='-O2 -D_FILE_OFFSET_BITS=64' libbz2.a bzip2.o >/dev/null
  $cc -O2 -static -o "$out/bzip2-$arch" "$tree/bzip2.o" "$tree/libbz2.a"
done
echo "$src"
