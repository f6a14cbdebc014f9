#!/bin/sh
# Run one bare-metal ISA test ELF on an emulator's virt board.
# usage: run-test.sh EMULATOR TEST.elf [EXTRA EMULATOR OPTIONS...]
# Exit: 0 pass, the test's failure code otherwise, 77 (skip) if EMULATOR is absent.
emu=$1
elf=$2
shift 2
if ! command -v "$emu" >/dev/null 2>&1 && [ ! -x "$emu" ]; then
    echo "SKIP: emulator $emu not found"
    exit 77
fi
if [ ! -f "$elf" ]; then
    echo "SKIP: $elf was not built (riscv64-unknown-elf-gcc missing?)"
    exit 77
fi
exec timeout 60 "$emu" -M virt -bios none -kernel "$elf" -nographic "$@"
