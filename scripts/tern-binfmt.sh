#!/bin/sh
# Register (or remove) tern-riscv64 with the kernel's binfmt_misc so that
# riscv64 ELF programs run directly: ./prog starts "tern-riscv64 ./prog".
# Magic and mask are the ones QEMU's qemu-binfmt-conf.sh uses for riscv64
# (ELF64, little endian, e_type EXEC or DYN, e_machine 243; the kernel
# decodes the \x escapes itself). The F flag opens the interpreter at registration, so it also works in chroots and
# containers.
#   scripts/tern-binfmt.sh --install [path/to/tern-riscv64]
#   scripts/tern-binfmt.sh --uninstall
set -e
NAME=tern-riscv64
BINFMT=/proc/sys/fs/binfmt_misc
MAGIC='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00'
MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

usage() {
    echo "usage: $0 --install [tern-riscv64 path] | --uninstall" >&2
    exit 2
}

need_binfmt() {
    if [ ! -w "$BINFMT/register" ]; then
        echo "$0: binfmt_misc is not mounted at $BINFMT (or not writable):" >&2
        echo "  mount -t binfmt_misc binfmt_misc $BINFMT   (as root)" >&2
        exit 1
    fi
}

find_tern() {
    if [ -n "$1" ]; then
        echo "$1"
    elif command -v tern-riscv64 >/dev/null 2>&1; then
        command -v tern-riscv64
    else
        dir=$(cd "$(dirname "$0")/.." && pwd)
        for b in "$dir"/build*/tern-riscv64; do
            [ -x "$b" ] && { echo "$b"; return; }
        done
    fi
}

case "$1" in
--install)
    need_binfmt
    tern=$(find_tern "$2")
    if [ -z "$tern" ] || [ ! -x "$tern" ]; then
        echo "$0: tern-riscv64 not found: give its path (--install /path/to/tern-riscv64)" >&2
        exit 1
    fi
    tern=$(readlink -f "$tern")
    if [ -e "$BINFMT/$NAME" ]; then
        echo -1 > "$BINFMT/$NAME"
    fi
    printf ':%s:M::%s:%s:%s:F\n' "$NAME" "$MAGIC" "$MASK" "$tern" > "$BINFMT/register"
    echo "registered $tern for riscv64 ELF programs ($BINFMT/$NAME)"
    ;;
--uninstall)
    need_binfmt
    if [ -e "$BINFMT/$NAME" ]; then
        echo -1 > "$BINFMT/$NAME"
        echo "removed $BINFMT/$NAME"
    else
        echo "$NAME is not registered"
    fi
    ;;
*)
    usage
    ;;
esac
