#!/bin/bash
# Build Tern's guest test images from Debian 12 packages, for machines
# without ../shared/images (scripts/get-images.sh calls this):
#   rv64-Image              riscv64 Linux 6.1 from linux-source-6.1 (S-mode Image)
#   rv64-initramfs.cpio.gz  static riscv64 busybox (from the busybox source package)
#   x86_64-vmlinuz          Debian's amd64 kernel, x86_64-initramfs.cpio.gz with
#                           Debian's busybox-static and the virtio/ext4 modules
#   opensbi-fw_*.{bin,elf}, u-boot-qemu-riscv64*.bin   as packaged
#   disk.ext4               8 MiB ext4 labelled testdisk holding /hello.txt
# Both initramfs print BOOT-OK, run the kernel argument run=CMD and print
# "RUN-DONE rc=N" then power off, or give a shell; /bin/selftest prints
# "SELFTEST PASS" when a deterministic workload gives the values computed here.
# Needs root (apt-get, chroot). usage: scripts/build-images.sh OUTDIR
set -euo pipefail

out=$(realpath -m "${1:?usage: build-images.sh OUTDIR}")
jobs=$(nproc)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
apt=(apt-get -o DPkg::Lock::Timeout=600)
step() { printf '\n== %s\n' "$*" >&2; }

((EUID == 0)) || { echo "build-images: run as root (it installs packages and uses chroot)" >&2; exit 1; }

# ----------------------------------------------------------- packages
tools=(linux-source-6.1 linux-image-amd64 busybox-static opensbi u-boot-qemu
       gcc-riscv64-linux-gnu libc6-dev-riscv64-cross gcc make flex bison bc
       libssl-dev libelf-dev cpio gzip xz-utils zstd dpkg-dev e2fsprogs)
need=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  step "installing ${need[*]}"
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${need[@]}" </dev/null
fi
# The riscv64 busybox is cross-built from Debian's source package: deb-src
# entries (install-deps.sh adds them).
"$(dirname "$0")/install-deps.sh"

work=$(mktemp -d -t tern-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# ------------------------------------------------- riscv64 Linux kernel
step "riscv64 Linux from linux-source-6.1"
tar -xf /usr/src/linux-source-6.1.tar.xz -C "$work"
ksrc=$work/linux-source-6.1
kmake() { make -C "$ksrc" ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- -j"$jobs" "$@"; }
kmake -s tinyconfig >/dev/null
# What a QEMU-style virt guest needs on top of tinyconfig: RV64GC SMP,
# the 8250 UART and SBI console, PLIC and SBI timer, initramfs, virtio-mmio
# and -pci devices, ext4, syscon poweroff, goldfish RTC.
want=(64BIT ARCH_RV64I MMU SMP RISCV_ISA_C FPU SOC_VIRT PRINTK PRINTK_TIME BUG TTY
  SERIAL_8250 SERIAL_8250_CONSOLE SERIAL_OF_PLATFORM RISCV_SBI RISCV_SBI_V01
  SERIAL_EARLYCON_RISCV_SBI HVC_RISCV_SBI SIFIVE_PLIC RISCV_TIMER BLK_DEV_INITRD RD_GZIP
  DEVTMPFS DEVTMPFS_MOUNT PROC_FS SYSFS TMPFS BINFMT_ELF BINFMT_SCRIPT MULTIUSER FUTEX
  EPOLL SIGNALFD TIMERFD EVENTFD SHMEM AIO POSIX_TIMERS FILE_LOCKING BLOCK EXT4_FS
  VIRTIO_MENU VIRTIO_MMIO VIRTIO_MMIO_CMDLINE_DEVICES VIRTIO_BLK VIRTIO_NET VIRTIO_CONSOLE
  HW_RANDOM HW_RANDOM_VIRTIO NET INET PACKET UNIX NETDEVICES NET_CORE RTC_CLASS
  RTC_DRV_GOLDFISH POWER_RESET POWER_RESET_SYSCON POWER_RESET_SYSCON_POWEROFF
  PCI PCI_HOST_GENERIC VIRTIO_PCI SLUB CC_OPTIMIZE_FOR_PERFORMANCE NO_HZ_IDLE
  HIGH_RES_TIMERS KALLSYMS)
unwanted=(ARCH_RV32I NONPORTABLE SLOB CC_OPTIMIZE_FOR_SIZE HZ_PERIODIC VT IPV6)
cfg=(--set-val NR_CPUS 8)
for o in "${want[@]}"; do cfg+=(--enable "$o"); done
for o in "${unwanted[@]}"; do cfg+=(--disable "$o"); done
"$ksrc/scripts/config" --file "$ksrc/.config" "${cfg[@]}"
kmake -s olddefconfig
for o in "${want[@]}"; do
  grep -qx "CONFIG_$o=y" "$ksrc/.config" || { echo "build-images: CONFIG_$o did not stay enabled" >&2; exit 1; }
done
kmake Image
install -m 644 "$ksrc/arch/riscv/boot/Image" "$out/rv64-Image"
install -m 644 "$ksrc/.config" "$out/rv64-linux.config"
install -m 644 "$ksrc/System.map" "$out/rv64-System.map"

# ------------------------------------------------ riscv64 static busybox
step "riscv64 busybox from the busybox source package"
mkdir "$work/src" && (cd "$work/src" && "${apt[@]}" source -qq busybox)
bb=$(echo "$work"/src/busybox-*/); bb=${bb%/}
bbmake() { make -C "$bb" CROSS_COMPILE=riscv64-linux-gnu- -j"$jobs" "$@"; }
bbmake -s defconfig >/dev/null
sed -i 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/' "$bb/.config"
bbmake -s oldconfig </dev/null >/dev/null
bbmake busybox

# ---------------------------------------------------- guest scripts
mkdir -p "$work/scripts"
cat > "$work/scripts/init" <<'INIT'
#!/bin/sh
# PID 1: mount the usual file systems, load modules listed in /etc/modules,
# print BOOT-OK; then run the kernel argument run=CMD (prints RUN-DONE rc=N)
# or start a shell on the console; power off either way.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
if [ -f /etc/modules ]; then
  for m in $(cat /etc/modules); do insmod "/lib/modules/$m" || echo "init: cannot load $m"; done
fi
echo BOOT-OK
# The kernel hands run=... to init in the environment; quoted values with
# spaces are read back from /proc/cmdline.
[ -n "$run" ] || run=$(sed -n 's/.*run="\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' /proc/cmdline)
if [ -n "$run" ]; then
  sh -c "$run"
  echo "RUN-DONE rc=$?"
else
  PS1='\w # ' setsid cttyhack sh
fi
sync
poweroff -f
INIT
cat > "$work/scripts/selftest" <<'SELFTEST'
#!/bin/sh
# A fixed workload for the guest's integer, memory and shell paths: awk
# arithmetic, sorting, hashing and compression. `selftest --print` prints the
# result line; otherwise it is compared with /etc/selftest.expected.
export LC_ALL=C
dir=$(mktemp -d) || exit 2
cd "$dir" || exit 2
awk 'BEGIN { s = 7; for (i = 1; i <= 4000; i++) { s = (s * 48271) % 2147483647; print s, i % 97 } }' > numbers
hash=$(sha256sum numbers | cut -c1-16)
sorted=$(sort -n numbers | md5sum | cut -c1-16)
keyed=$(sort -k2,2n -k1,1r numbers | tail -n 300 | sha1sum | cut -c1-16)
stats=$(awk '{ t += $1 % 9973; if ($2 > m) m = $2 } END { print NR "/" t "/" m }' numbers)
zip=$(gzip -9 -c numbers | gunzip -c | cmp - numbers && echo same)
x=1; i=0
while [ $i -lt 2500 ]; do x=$(( (x * 33 + i) % 999983 )); i=$((i + 1)); done
cd / && rm -rf "$dir"
result="hash=$hash sorted=$sorted keyed=$keyed stats=$stats gzip=$zip shell=$x"
[ "$1" = --print ] && { echo "$result"; exit 0; }
echo "SELFTEST $result"
[ "$result" = "$(cat /etc/selftest.expected)" ] && { echo "SELFTEST PASS"; exit 0; }
echo "SELFTEST FAIL, expected $(cat /etc/selftest.expected)"
exit 1
SELFTEST
cat > "$work/scripts/hwinfo" <<'HWINFO'
#!/bin/sh
# What the guest kernel sees: CPUs, virtio devices and drivers, disks,
# network interfaces, the hardware RNG; mounts /dev/vda read-only.
echo "cpus: $(grep -c ^processor /proc/cpuinfo) kernel: $(uname -r) $(uname -m)"
for dev in /sys/bus/virtio/devices/*; do
  [ -e "$dev" ] || continue
  driver=$(basename "$(readlink "$dev/driver")")
  echo "virtio: $(basename "$dev") device=$(cat "$dev/device") driver=$driver"
done
echo "block: $(ls /sys/class/block | tr '\n' ' ')"
echo "net: $(ls /sys/class/net | tr '\n' ' ')"
if [ -r /sys/class/misc/hw_random/rng_current ]; then
  echo "hwrng: $(cat /sys/class/misc/hw_random/rng_current) read=$(head -c 16 /dev/hwrng 2>/dev/null | wc -c)"
fi
if [ -b /dev/vda ]; then
  echo "vda: first4k-sha256=$(head -c 4096 /dev/vda | sha256sum | cut -c1-16)"
  mkdir -p /mnt && mount -o ro /dev/vda /mnt && { echo "vda: mounted $(cat /mnt/hello.txt)"; umount /mnt; }
fi
true
HWINFO

# The expected selftest line, from the host's (amd64) busybox in a chroot.
step "selftest reference values"
ref=$work/ref
mkdir -p "$ref/bin" "$ref/tmp"
cp /bin/busybox "$ref/bin/"
for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -s busybox "$ref/bin/$a"; done
cp "$work/scripts/selftest" "$ref/bin/selftest"
chroot "$ref" /bin/sh /bin/selftest --print > "$work/selftest.expected"
cat "$work/selftest.expected" >&2

# ------------------------------------------------------ initramfs images
# stage DIR BUSYBOX: a root file system with busybox, its applet links and the scripts.
stage() {
  local root=$1 busybox=$2 a
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,mnt,etc}
  chmod 1777 "$root/tmp"
  install -m 755 "$busybox" "$root/bin/busybox"
  for a in $(applets "$busybox"); do
    [[ -e $root/$a ]] || ln -s /bin/busybox "$root/$a"
  done
  install -m 755 "$work/scripts/init" "$root/init"
  install -m 755 "$work/scripts/selftest" "$work/scripts/hwinfo" "$root/bin/"
  install -m 644 "$work/selftest.expected" "$root/etc/selftest.expected"
}
# Applet paths of a busybox binary without running it (it may be riscv64):
# the riscv64 build writes busybox.links; the host one can list itself.
applets() {
  if [[ $1 == "$bb/busybox" ]]; then sed 's|^/||' "$bb/busybox.links"; else /bin/busybox --list-full; fi
}
# pack DIR FILE: newc cpio, gzip; /dev/console must exist before devtmpfs.
pack() {
  mknod -m 600 "$1/dev/console" c 5 1
  mknod -m 666 "$1/dev/null" c 1 3
  (cd "$1" && find . | sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -9 -n > "$2"
}

step "rv64-initramfs.cpio.gz"
bbmake busybox.links >/dev/null
stage "$work/rv64root" "$bb/busybox"
pack "$work/rv64root" "$out/rv64-initramfs.cpio.gz"

step "x86-64 kernel and initramfs"
kpkg=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed 's/[ ,].*//')
kver=${kpkg#linux-image-}
install -m 644 "/boot/vmlinuz-$kver" "$out/x86_64-vmlinuz"
install -m 644 "/boot/config-$kver" "$out/x86_64-linux.config"
stage "$work/x86root" /bin/busybox
moddir=/lib/modules/$kver
loaded=()
# load_order MODULE-PATH: its dependencies first (modules.dep), then itself.
load_order() {
  local m=$1 deps d
  for d in "${loaded[@]}"; do [[ $d == "$m" ]] && return; done
  deps=$(grep -m1 "^$m:" "$moddir/modules.dep" | cut -d: -f2)
  for d in $deps; do load_order "$d"; done
  loaded+=("$m")
}
for name in virtio_mmio virtio_pci virtio_blk virtio_net virtio_console virtio-rng crc32c_generic ext4; do
  path=$(grep -Eo "^[^:]*/$name\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | tr -d :)
  [[ -n $path ]] || { echo "build-images: module $name not in $moddir" >&2; exit 1; }
  load_order "$path"
done
: > "$work/x86root/etc/modules"
for m in "${loaded[@]}"; do
  plain=${m%.xz}; plain=${plain%.zst}; plain=${plain%.gz}
  mkdir -p "$work/x86root/lib/modules/$kver/$(dirname "$plain")"
  case $m in
  *.xz) xz -dc "$moddir/$m" ;;
  *.zst) zstd -qdc "$moddir/$m" ;;
  *.gz) gzip -dc "$moddir/$m" ;;
  *) cat "$moddir/$m" ;;
  esac > "$work/x86root/lib/modules/$kver/$plain"
  echo "$kver/$plain" >> "$work/x86root/etc/modules"
done
pack "$work/x86root" "$out/x86_64-initramfs.cpio.gz"

# ------------------------------------------------- firmware and disk
step "OpenSBI, U-Boot, disk.ext4"
for f in fw_jump.bin fw_jump.elf fw_dynamic.bin fw_dynamic.elf; do
  install -m 644 "/usr/lib/riscv64-linux-gnu/opensbi/generic/$f" "$out/opensbi-$f"
done
install -m 644 /usr/lib/u-boot/qemu-riscv64/u-boot.bin "$out/u-boot-qemu-riscv64.bin"
install -m 644 /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin "$out/u-boot-qemu-riscv64_smode.bin"
mkdir -p "$work/disk" && echo "hello from disk.ext4" > "$work/disk/hello.txt"
rm -f "$out/disk.ext4"
mke2fs -q -t ext4 -L testdisk -d "$work/disk" "$out/disk.ext4" 8M

(cd "$out" && sha256sum rv64-* x86_64-* opensbi-* u-boot-* disk.ext4 > SHA256SUMS)
step "images are in $out"
