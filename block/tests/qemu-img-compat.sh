#!/bin/bash
# Cross-tool test: images made by Tern pass qemu-img's check and compare, and
# images made by qemu-img read correctly in Tern and pass tern-img check.
# usage: qemu-img-compat.sh TERN_IMG BLK_IO
set -u
TERN_IMG=$(realpath "$1")
BLK_IO=$(realpath "$2")

if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
    echo "SKIP: qemu-img/qemu-io not installed (Debian package qemu-utils)"
    exit 77
fi

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
fails=0
passes=0

ok() { passes=$((passes + 1)); echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }
# run DESCRIPTION COMMAND...: expect exit status 0
run() {
    local what=$1; shift
    if out=$("$@" 2>&1); then ok "$what"; else not_ok "$what"; echo "$out" | sed 's/^/    /'; fi
}
# expect_fail DESCRIPTION PATTERN COMMAND...: non-zero exit, output matches
expect_fail() {
    local what=$1 pat=$2; shift 2
    if out=$("$@" 2>&1); then
        not_ok "$what (succeeded)"
    elif echo "$out" | grep -q -- "$pat"; then
        ok "$what"
    else
        not_ok "$what (output lacks '$pat')"; echo "$out" | sed 's/^/    /'
    fi
}

OPS="w:0:100k:0x11 w:5000:3:0x22 w:1M:4M:0x33 z:1200k:400k d:4M:2M f
     w:15M:1M:0x44 w:16383k:1k:0x66 r:15M:1023k:0x44 r:4M:2M:0"

# 1. Tern creates and writes; qemu-img checks and compares with a raw copy.
"$TERN_IMG" create -q -f raw ref.raw 16M
"$BLK_IO" ref.raw raw $OPS || not_ok "write raw reference"
for opt in cluster_size=512 cluster_size=4k cluster_size=64k cluster_size=2M \
           compat=0.10 lazy_refcounts=on refcount_bits=1 refcount_bits=64; do
    img=t-${opt//[=.]/_}.qcow2
    run "create qcow2 -o $opt" "$TERN_IMG" create -q -f qcow2 -o "$opt" "$img" 16M
    run "write qcow2 -o $opt" "$BLK_IO" "$img" qcow2 $OPS
    run "qemu-img check ($opt)" qemu-img check "$img"
    run "qemu-img compare ($opt)" qemu-img compare -f raw -F qcow2 ref.raw "$img"
done

# 2. Backing chain made by Tern: raw base <- qcow2 <- qcow2 (512 B clusters).
"$TERN_IMG" create -q -f raw base.raw 8M
"$BLK_IO" base.raw raw w:0:8M:0xaa >/dev/null
run "create mid -b" "$TERN_IMG" create -q -f qcow2 -b base.raw -F raw mid.qcow2
run "create top -b" "$TERN_IMG" create -q -f qcow2 -o cluster_size=512 -b mid.qcow2 -F qcow2 top.qcow2
run "write mid" "$BLK_IO" mid.qcow2 qcow2 w:1000:3000:0xbb
run "write top" "$BLK_IO" top.qcow2 qcow2 w:2000:100:0xcc d:1M:64k r:1M:64k:0 r:0:1000:0xaa
cp base.raw chain.raw
"$BLK_IO" chain.raw raw w:1000:3000:0xbb w:2000:100:0xcc z:1M:64k >/dev/null
run "qemu-img check top" qemu-img check top.qcow2
run "qemu-img check mid" qemu-img check mid.qcow2
run "qemu-img compare chain" qemu-img compare -F raw top.qcow2 chain.raw
run "qemu-img info sees backing" sh -c "qemu-img info top.qcow2 | grep -q 'backing file: mid.qcow2'"

# 3. tern-img convert to qcow2, plain and compressed, and back to raw.
python3 - <<'EOF'
import random
random.seed(7)
with open("src.raw", "wb") as f:
    f.truncate(24 << 20)
    for _ in range(300):
        f.seek(random.randrange(24 << 20))
        f.write(bytes([random.randrange(256)]) * random.randrange(1, 90000))
    f.seek(3 << 20)
    f.write(b"compressible text " * 50000)
    f.truncate(25 << 20)
EOF
run "convert raw->qcow2" "$TERN_IMG" convert -f raw -O qcow2 src.raw conv.qcow2
run "convert -c raw->qcow2" "$TERN_IMG" convert -c -f raw -O qcow2 -o cluster_size=16k src.raw convc.qcow2
run "convert qcow2->raw" "$TERN_IMG" convert -f qcow2 -O raw convc.qcow2 back.raw
for img in conv.qcow2 convc.qcow2; do
    run "qemu-img check $img" qemu-img check "$img"
    run "qemu-img compare $img" qemu-img compare -f raw src.raw "$img"
done
run "cmp raw round trip" cmp src.raw back.raw
compressed=$(qemu-img check --output=json convc.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["compressed-clusters"])')
[ "$compressed" -gt 0 ] && ok "convert -c wrote $compressed compressed clusters" || not_ok "convert -c wrote no compressed cluster"

# 4. qemu-img makes images; Tern reads and checks them.
qemu-img convert -q -c -f raw -O qcow2 src.raw qc.qcow2
qemu-img create -q -f qcow2 -b qc.qcow2 -F qcow2 qov.qcow2
qemu-io -c 'write -P 0x5a 1M 3M' -c 'write -z 8M 1M' -c 'discard 12M 1M' -c 'write -P 0x77 20M 4k' qov.qcow2 >/dev/null
qemu-img convert -f qcow2 -O raw qov.qcow2 qov.raw
qemu-img create -q -f qcow2 -o compat=0.10,cluster_size=4k v2.qcow2 24M
qemu-io -c 'write -P 0x31 100k 1M' v2.qcow2 >/dev/null
qemu-img convert -f qcow2 -O raw v2.qcow2 v2.raw
for img in qc.qcow2 qov.qcow2 v2.qcow2; do
    run "tern-img check $img" "$TERN_IMG" check "$img"
done
run "tern-img compare compressed" "$TERN_IMG" compare -f raw -F qcow2 src.raw qc.qcow2
run "tern-img compare backing" "$TERN_IMG" compare -f qcow2 -F raw qov.qcow2 qov.raw
run "tern-img compare v2" "$TERN_IMG" compare -f qcow2 -F raw v2.qcow2 v2.raw
run "Tern reads qemu data" "$BLK_IO" qov.qcow2 qcow2 r:1M:3M:0x5a r:8M:1M:0 r:20M:4k:0x77
expect_fail "compare finds a difference" "Content mismatch" "$TERN_IMG" compare qov.qcow2 src.raw
# Tern writes into qemu's image; qemu still finds it consistent.
run "Tern writes qemu image" "$BLK_IO" qov.qcow2 qcow2 w:8M:64k:0x99 w:30000:5:0x98
"$BLK_IO" qov.raw raw w:8M:64k:0x99 w:30000:5:0x98 >/dev/null
run "qemu-img check after Tern writes" qemu-img check qov.qcow2
run "qemu-img compare after Tern writes" qemu-img compare -F raw qov.qcow2 qov.raw

# 5. info and map agree with qemu-img.
info_field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2]))" "$@"; }
"$TERN_IMG" info --output=json qov.qcow2 > tern.json
qemu-img info --output=json qov.qcow2 > qemu.json
for k in virtual-size cluster-size format backing-filename backing-filename-format; do
    a=$(info_field tern.json $k) b=$(info_field qemu.json $k)
    [ "$a" = "$b" ] && ok "info $k = $a" || not_ok "info $k: tern $a, qemu $b"
done
"$TERN_IMG" map --output=json qov.qcow2 > tern-map.json
qemu-img map --output=json qov.qcow2 > qemu-map.json
run "map --output=json matches qemu-img" python3 -c "
import json
a = json.load(open('tern-map.json')); b = json.load(open('qemu-map.json'))
key = lambda e: (e['start'], e['length'], e['depth'], e['zero'], e['data'])
assert [key(e) for e in a] == [key(e) for e in b], (a, b)"

# 6. resize: grow and shrink stay valid for qemu-img.
"$TERN_IMG" create -q -f qcow2 rs.qcow2 10M
"$BLK_IO" rs.qcow2 qcow2 w:9M:1M:0x42 >/dev/null
run "resize +1G" "$TERN_IMG" resize rs.qcow2 +1G
run "qemu-img check after grow" qemu-img check rs.qcow2
expect_fail "shrink needs --shrink" "shrink" "$TERN_IMG" resize rs.qcow2 5M
run "resize --shrink" "$TERN_IMG" resize --shrink rs.qcow2 9500k
run "qemu-img check after shrink" qemu-img check rs.qcow2
run "virtual size after shrink" sh -c "qemu-img info --output=json rs.qcow2 | grep -q '\"virtual-size\": 9728000'"
run "resize raw" "$TERN_IMG" resize -f raw ref.raw 20M
[ "$(stat -c %s ref.raw)" = 20971520 ] && ok "raw resized" || not_ok "raw size"

# 7. Snapshots made by qemu-img are listed and do not upset check.
qemu-img create -q -f qcow2 sn.qcow2 4M
qemu-io -c 'write -P 1 0 1M' sn.qcow2 >/dev/null
qemu-img snapshot -c first sn.qcow2
qemu-io -c 'write -P 2 0 64k' sn.qcow2 >/dev/null
run "snapshot -l" sh -c "'$TERN_IMG' snapshot -l sn.qcow2 | grep -q first"
run "tern-img check with snapshots" "$TERN_IMG" check sn.qcow2
run "Tern writes image with snapshots" "$BLK_IO" sn.qcow2 qcow2 w:100k:10k:3 r:0:64k:2 r:64k:36k:1
run "qemu-img check after COW" qemu-img check sn.qcow2

# 8. Locking: Tern and QEMU exclude each other.
"$TERN_IMG" create -q -f qcow2 lock.qcow2 1M
qemu-io -c 'sleep 4000' lock.qcow2 >/dev/null 2>&1 &
qpid=$!
sleep 1
expect_fail "Tern refuses an image QEMU has open" "lock" "$BLK_IO" lock.qcow2 qcow2 r:0:1:0
expect_fail "create does not wipe an image in use" "lock" "$TERN_IMG" create -q -f qcow2 lock.qcow2 1M
wait $qpid
run "image in use was left intact" qemu-img check lock.qcow2
"$BLK_IO" lock.qcow2 qcow2 p:4 >/dev/null 2>&1 &
tpid=$!
sleep 1
expect_fail "QEMU refuses an image Tern has open" "lock" qemu-io -c 'read 0 1' lock.qcow2
wait $tpid

# 9. check finds and repairs refcount damage; qemu-img agrees afterwards.
"$TERN_IMG" create -q -f qcow2 dmg.qcow2 4M
"$BLK_IO" dmg.qcow2 qcow2 w:0:1M:0x21 >/dev/null
python3 - <<'EOF'
import struct
with open("dmg.qcow2", "r+b") as f:
    f.seek(48); rt = struct.unpack(">Q", f.read(8))[0]
    f.seek(rt); rb = struct.unpack(">Q", f.read(8))[0]
    f.seek(rb + 2 * 3); f.write(b"\0\0")       # L1 table cluster: refcount 0
    f.seek(rb + 2 * 40); f.write(b"\0\1")      # unused cluster 40: leaked
EOF
"$TERN_IMG" check dmg.qcow2 >/dev/null 2>&1
[ $? = 2 ] && ok "check reports corruption (exit 2)" || not_ok "check exit status on corruption"
expect_fail "qemu-img sees the damage too" "ERROR" qemu-img check dmg.qcow2
run "check -r all" "$TERN_IMG" check -r all dmg.qcow2
run "qemu-img check after repair" qemu-img check dmg.qcow2
run "data survives repair" "$BLK_IO" dmg.qcow2 qcow2 r:0:1M:0x21

# 10. Killed mid-write: qemu-img check finds no corruption (leaks allowed).
"$TERN_IMG" create -q -f qcow2 -o cluster_size=4k kill.qcow2 256M
KOPS=$(for i in $(seq 0 3999); do echo -n "w:$((i * 61440 + 512)):5000:$((i % 250 + 1)) "; done)
for delay in 0.05 0.1 0.2 0.3 0.5; do
    "$BLK_IO" kill.qcow2 qcow2 $KOPS >/dev/null 2>&1 &
    kpid=$!
    sleep $delay
    kill -9 $kpid 2>/dev/null
    wait $kpid 2>/dev/null
    qemu-img check kill.qcow2 >check.out 2>&1
    st=$?
    if [ $st = 0 ] || [ $st = 3 ]; then ok "killed after ${delay}s: qemu-img check exit $st"
    else not_ok "killed after ${delay}s: qemu-img check exit $st"; sed 's/^/    /' check.out | head; fi
    "$TERN_IMG" check -q -r leaks kill.qcow2
done
run "clean after repairs" qemu-img check kill.qcow2

# 11. convert -B keeps only what differs from the new backing file.
run "convert -B" "$TERN_IMG" convert -f qcow2 -O qcow2 -B base.raw -F raw top.qcow2 rebased.qcow2
run "qemu-img compare rebased" qemu-img compare -F raw rebased.qcow2 chain.raw
run "rebased image is small" test "$(stat -c %s rebased.qcow2)" -lt 1000000

# 12. Refusals.
expect_fail "format=qcow2 on a raw file" "not in qcow2 format" "$BLK_IO" ref.raw qcow2 r:0:1:0x11
expect_fail "format=raw on a qcow2 file for writing" "qcow2 header" "$BLK_IO" conv.qcow2 raw w:0:1:0
qemu-img create -q -f qcow2 -o extended_l2=on ext.qcow2 1M
expect_fail "extended L2 refused" "extended L2" "$TERN_IMG" info ext.qcow2

echo "passed $passes, failed $fails"
[ "$fails" = 0 ]
