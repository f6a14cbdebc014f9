#!/bin/bash
# Install the Debian 12 packages Tern needs to build, test and fetch guest
# images. The one list of dependencies: README.md and .ci/run call this.
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail

PACKAGES=(
  # build
  meson ninja-build pkg-config gcc
  libglib2.0-dev libpixman-1-dev libslirp-dev libfdt-dev libcapstone-dev zlib1g-dev
  # unit tests, and the qcow2 fuzzer (libFuzzer ships with clang's runtime)
  libcmocka-dev clang libclang-rt-14-dev
  # guest test programs and device trees
  gcc-riscv64-linux-gnu gcc-riscv64-unknown-elf device-tree-compiler
  # QEMU as the reference in tests and benchmarks
  qemu-system-misc qemu-system-x86 qemu-utils qemu-user
  # guest firmware
  opensbi u-boot-qemu
  # the gdb stub's end-to-end test drives the real debugger
  gdb-multiarch
  python3
  # apt-get source: bzip2 for the user-mode test and benchmark, and the images
  dpkg-dev
)

# Debian source packages need deb-src entries, which a fresh Debian 12 lacks:
# add them next to the binary ones (deb822 debian.sources).
deb_src() {
  compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null && return 0
  [[ -f /etc/apt/sources.list.d/debian.sources ]] || {
    echo "install-deps: no deb-src entry and no debian.sources to derive one from;" \
         "apt-get source (bzip2 test, image build) will fail" >&2
    return 0
  }
  echo "install-deps: adding deb-src entries (/etc/apt/sources.list.d/tern-deb-src.sources)"
  sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
    "${SUDO[@]}" tee /etc/apt/sources.list.d/tern-deb-src.sources >/dev/null
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
SUDO=()
if ((EUID != 0)) && command -v sudo >/dev/null; then
  SUDO=(sudo)
fi
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  deb_src
  exit 0
fi
((EUID == 0)) || ((${#SUDO[@]})) || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update
"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" </dev/null
deb_src
