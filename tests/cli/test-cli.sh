#!/bin/bash
# Command-line behaviour of a tern-system-* program: help lists, -version,
# and errors that name the option and the problem. Output: TAP.
# usage: test-cli.sh PROGRAM TARGET    (TARGET: riscv64 or x86_64)
set -uo pipefail

prog=$1
target=$2
n=0
failed=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

ok()     { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; sed 's/^/# /' "$out" "$err" | head -20; }

# run NAME WANT_STATUS CMD...: runs the program with stdin closed
run() {
    local name=$1 want=$2 status
    shift 2
    "$prog" "$@" </dev/null >"$out" 2>"$err"
    status=$?
    if [[ $status != "$want" ]]; then
        not_ok "$name: exit status $status, expected $want"
        return 1
    fi
}

# expect_out NAME WANT_STATUS PATTERN CMD...: stdout matches the extended regex
expect_out() {
    local name=$1 want=$2 pattern=$3
    shift 3
    run "$name" "$want" "$@" || return
    if grep -Eq -- "$pattern" "$out"; then ok "$name"; else not_ok "$name: stdout lacks /$pattern/"; fi
}

# expect_err NAME PATTERN CMD...: exit status 1, stderr names the problem
expect_err() {
    local name=$1 pattern=$2
    shift 2
    run "$name" 1 "$@" || return
    if grep -Fq -- "$pattern" "$err"; then ok "$name"; else not_ok "$name: stderr lacks '$pattern'"; fi
}

if [[ ! -x $prog ]]; then
    echo "Bail out! $prog is not built"
    exit 1
fi
case $target in
riscv64) echo "1..23" ;;
*) echo "1..19" ;;
esac

expect_out "-version" 0 "^tern-system-$target version [0-9]+\.[0-9]+\.[0-9]+" -version
expect_out "-help" 0 "^ +-M NAME" -help
expect_out "--help (double dash)" 0 "^ +-kernel FILE" --help

# -M help: a header, then one or more "name  description" lines
run "-M help" 0 -M help && {
    if head -1 "$out" | grep -qx "Supported machines are:" && [[ $(wc -l <"$out") -ge 2 ]] &&
       ! tail -n +2 "$out" | grep -Eqv '^[a-z0-9._-]+ +[^ ]'; then
        ok "-M help"
    else
        not_ok "-M help: no machine listed, or a malformed line"
    fi
}
expect_out "-d help" 0 "^in_asm +show guest instructions" -d help
run "-d help lists every item" 0 -d help && {
    if grep -q '^guest_errors ' "$out" && grep -q '^unimp ' "$out" && grep -q '^all ' "$out"; then
        ok "-d help lists every item"
    else
        not_ok "-d help lists every item"
    fi
}
run "-device help" 0 -device help && {
    if [[ -s $out ]]; then ok "-device help"; else not_ok "-device help: empty output"; fi
}
expect_out "-accel help" 0 "^(tcg|kvm)$" -accel help

expect_err "-bogus" "-bogus: invalid option" -bogus
expect_err "--bogus" "-bogus: invalid option" --bogus
expect_err "-m 1Q" "-m 1Q: size '1Q' has an invalid suffix" -m 1Q
expect_err "-m 0" "-m 0: RAM size must be greater than zero" -m 0
expect_err "-smp 0" "-smp 0: cpus must be greater than zero" -smp 0
expect_err "missing argument" "-kernel: requires an argument" -kernel
expect_err "-gdb" "-gdb stdio: expected tcp:[HOST]:PORT, unix:PATH or none" -gdb stdio
expect_err "-device nosuchdev" "nosuchdev" -device nosuchdev
expect_err "-accel with a bad parameter" "-accel: unknown parameter 'thread'" -accel tcg,thread=multi
expect_err "-append without -kernel" "-append: only allowed with -kernel" -append console=ttyS0

case $target in
x86_64)
    expect_err "-accel tcg" "-accel tcg: this program has no tcg accelerator (tern-system-x86_64 runs x86 guests under KVM" -accel tcg ;;
*)
    expect_err "-accel kvm" "-accel kvm: this program has no kvm accelerator" -accel kvm
    expect_err "-smp beyond the board" "-smp: 64 CPUs requested, but machine 'virt' supports at most" -smp 64
    # a board property reaches the board: -M virt,dumpdtb=FILE writes the device tree
    dtb=$(mktemp)
    run "-M virt,dumpdtb=FILE" 0 -M virt,dumpdtb="$dtb" && {
        if [[ $(head -c 4 "$dtb" | od -An -tx1 | tr -d ' ') == d00dfeed ]]; then
            ok "-M virt,dumpdtb=FILE"
        else
            not_ok "-M virt,dumpdtb=FILE: $dtb is not a device tree blob"
        fi
    }
    rm -f "$dtb"
    # SIGTERM quits a running (here paused) machine cleanly with status 0
    "$prog" -M virt -display none -S </dev/null >"$out" 2>"$err" &
    pid=$!
    sleep 1
    kill -TERM $pid
    if wait $pid; then ok "SIGTERM quits with status 0"; else not_ok "SIGTERM quits with status 0: status $?"; fi
    # the same with stdin, stdout and stderr closed and the console on stdio
    "$prog" -M virt -nographic -S <&- >&- 2>&- &
    pid=$!
    sleep 1
    kill -TERM $pid
    if wait $pid; then ok "SIGTERM with stdio closed"; else not_ok "SIGTERM with stdio closed: status $?"; fi
    ;;
esac

exit $failed
