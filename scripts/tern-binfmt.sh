#!/bin/sh
# Register (or remove) tern-riscv64 with the kernel's binfmt_misc so that
# riscv64 ELF programs run directly: ./prog starts "tern-riscv64 ./prog".
# Magic and mask are the ones QEMU's qemu-binfmt-conf.sh uses for riscv64
# (ELF64, little endian, e_type EXEC or DYN, e_machine 243; the kernel
# decodes the \x escapes itself). The F flag makes the kernel open the
# interpreter at registration, so it also works in chroots and containers
# that do not contain tern-riscv64.
NAME=tern-riscv64
BINFMT=/proc/sys/fs/binfmt_misc
MAGIC='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00'
MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
# the magic as binfmt_misc prints it in an entry's file
MAGIC_HEX=7f454c460201010000000000000000000200f300

usage() {
    cat <<EOF
usage: $0 --install [path/to/tern-riscv64]
       $0 --uninstall
       $0 --status
Register tern-riscv64 with binfmt_misc ($BINFMT) as the interpreter of
riscv64 ELF programs (flag F), so that they run directly (./prog); remove
that registration; or show it. Needs root and binfmt_misc mounted:
  mount -t binfmt_misc binfmt_misc $BINFMT
Without a path, --install uses tern-riscv64 from PATH, else the newest
build*/tern-riscv64 of this source tree.
EOF
}

die() {
    echo "$0: $*" >&2
    exit 1
}

need_binfmt() {
    [ -e "$BINFMT/register" ] ||
        die "binfmt_misc is not mounted at $BINFMT; as root: mount -t binfmt_misc binfmt_misc $BINFMT"
    [ -w "$BINFMT/register" ] ||
        die "$BINFMT/register is not writable: run as root"
}

find_tern() {
    if [ -n "$1" ]; then
        echo "$1"
    elif command -v tern-riscv64 >/dev/null 2>&1; then
        command -v tern-riscv64
    else
        dir=$(cd "$(dirname "$0")/.." && pwd)
        ls -t "$dir"/build*/tern-riscv64 2>/dev/null | head -n 1
    fi
}

# Other entries for riscv64 ELF programs (e.g. qemu-riscv64), one name a line.
others() {
    for f in "$BINFMT"/*; do
        case "${f##*/}" in register|status|"$NAME") continue ;; esac
        grep -q "^magic $MAGIC_HEX" "$f" 2>/dev/null && echo "${f##*/}"
    done
}

case "$1" in
--install)
    [ $# -le 2 ] || { usage >&2; exit 2; }
    need_binfmt
    tern=$(find_tern "$2")
    [ -n "$tern" ] || die "tern-riscv64 not found: give its path (--install /path/to/tern-riscv64)"
    [ -f "$tern" ] && [ -x "$tern" ] || die "$tern: not an executable file"
    "$tern" -version 2>/dev/null | grep -q '^tern-riscv64 ' ||
        die "$tern: does not look like tern-riscv64 (-version failed)"
    tern=$(readlink -f "$tern")
    if [ -e "$BINFMT/$NAME" ]; then
        echo -1 > "$BINFMT/$NAME" || die "cannot remove the old $BINFMT/$NAME"
    fi
    printf ':%s:M::%s:%s:%s:F\n' "$NAME" "$MAGIC" "$MASK" "$tern" > "$BINFMT/register" ||
        die "the kernel refused the registration (see above)"
    echo "registered $tern for riscv64 ELF programs ($BINFMT/$NAME, flags F)"
    for o in $(others); do
        echo "note: $BINFMT/$o also handles riscv64 programs; $NAME, registered" \
             "later, takes precedence until --uninstall"
    done
    ;;
--uninstall)
    [ $# -eq 1 ] || { usage >&2; exit 2; }
    need_binfmt
    if [ -e "$BINFMT/$NAME" ]; then
        echo -1 > "$BINFMT/$NAME" || die "cannot remove $BINFMT/$NAME"
        echo "removed $BINFMT/$NAME"
    else
        echo "$NAME is not registered"
    fi
    ;;
--status)
    [ -e "$BINFMT/register" ] || die "binfmt_misc is not mounted at $BINFMT"
    if [ -e "$BINFMT/$NAME" ]; then
        cat "$BINFMT/$NAME"
    else
        echo "$NAME is not registered"
    fi
    for o in $(others); do
        echo "also registered for riscv64: $o"
    done
    ;;
-h|--help)
    usage
    ;;
*)
    usage >&2
    exit 2
    ;;
esac
