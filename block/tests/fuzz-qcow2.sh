#!/bin/bash
# Run the qcow2 libFuzzer target for a bounded time from a seed corpus of
# small valid images. usage: fuzz-qcow2.sh FUZZER TERN_IMG SECONDS
set -u
if [ -z "${1:-}" ] || [ ! -x "$1" ]; then
    echo "SKIP: clang with libFuzzer (-fsanitize=fuzzer) was not found at configure time"
    exit 77
fi
FUZZER=$(realpath "$1")
TERN_IMG=$(realpath "$2")
SECONDS_LIMIT=$3
# Crash inputs are kept here (the test's working directory, the build dir).
ARTIFACTS=$PWD/fuzz-qcow2-artifacts
mkdir -p "$ARTIFACTS"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
mkdir "$DIR/corpus"
cd "$DIR"
# Seeds: small images of several shapes (tiny clusters keep them short).
"$TERN_IMG" create -q -f qcow2 -o cluster_size=512 corpus/plain 64k
"$TERN_IMG" create -q -f qcow2 -o cluster_size=512,refcount_bits=1 corpus/rc1 32k
"$TERN_IMG" create -q -f qcow2 -o cluster_size=512,compat=0.10 corpus/v2 64k
"$TERN_IMG" create -q -f qcow2 -o cluster_size=512,lazy_refcounts=on corpus/lazy 16k
"$TERN_IMG" create -q -f qcow2 -o cluster_size=512 -b plain -F qcow2 corpus/backing 64k
head -c 20000 /dev/urandom > data.raw
"$TERN_IMG" convert -q -c -f raw -O qcow2 -o cluster_size=512 data.raw corpus/compressed
if command -v qemu-img >/dev/null; then
    qemu-img create -q -f qcow2 -o cluster_size=512 corpus/snap 8k
    qemu-img snapshot -c s1 corpus/snap
fi
# Inputs that once crashed stay in the corpus as regression tests.
cp "$(dirname "$(realpath "$0")")"/fuzz-corpus/* corpus/
ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
    "$FUZZER" -max_total_time="$SECONDS_LIMIT" -max_len=65536 \
    -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/" corpus > fuzz.log 2>&1
status=$?
# On failure show the sanitizer report, else the final statistics.
if [ $status != 0 ]; then
    grep -v '^tern' fuzz.log | grep -A60 -E '^==[0-9]+==|deadly signal|timeout' | head -90
    echo "crash input kept in $ARTIFACTS"
else
    tail -8 fuzz.log
fi
exit $status
