#!/usr/bin/env python3
"""Real riscv64 programs that nobody here wrote: Debian-built busybox.

The riscv64 busybox of the shared test images (rv64-initramfs.cpio.gz, built
from Debian's busybox source package with Debian's cross compiler) runs busybox
sh scripts under tern-riscv64: pipelines, command substitution, subshells,
signals and traps, and applets (sort, uniq, awk, sed, grep, sha256sum, md5sum,
gzip, bzip2, tar, find, xargs, dd, od, dc, expr, ...) started through execve
from a PATH directory of applet links, as busybox sh does without
FEATURE_SH_STANDALONE; and the image's own /bin/selftest workload.

Each script's standard output and exit status must be the same as
- qemu-riscv64 running the same busybox (the reference; its PATH holds host
  scripts that start each applet under qemu-riscv64, because qemu-riscv64
  runs a riscv64 program started by execve only through binfmt_misc),
- Debian's amd64 busybox (same version, from x86_64-initramfs.cpio.gz) run
  natively,
- and, where the test can work it out independently, the value Python
  computes (hashes, sums, sorted order, numbers).
usage: busybox-test.py TERN [--images DIR]
Images come from --images, $TERN_IMAGES or ../shared/images next to the
source. Exit status 0 pass, 1 fail, 77 skip (reason printed).
"""
import argparse
import bz2
import collections
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = 77
APPLETS = ['awk', 'base64', 'bunzip2', 'bzip2', 'cat', 'cmp', 'cut', 'date', 'dc',
           'dd', 'diff', 'expr', 'find', 'grep', 'gunzip', 'gzip', 'head', 'kill', 'ls',
           'md5sum', 'mkdir', 'mktemp', 'od', 'rm', 'sed', 'seq', 'sh', 'sha1sum', 'sha256sum',
           'sleep', 'sort', 'tail', 'tar', 'tr', 'uniq', 'wc', 'xargs', 'yes']


def words(n):
    """n lines of pseudo-random lowercase words (fixed LCG: same everywhere)."""
    x, out = 12345, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2 ** 31
        w = ''.join(chr(97 + (x >> s) % 6) for s in (3, 7, 11)[:1 + x % 3])
        out.append(w)
    return ''.join(w + '\n' for w in out)


def lcg_awk():
    x, s = 1, 0
    for _ in range(20000):
        x = (x * 69069 + 1) % 4294967296
        s += x % 1000
    return '%d %d\n' % (x, s)


WORDS = words(3000)
TEXT = ''.join('%d %s\n' % (i, w) for i, w in enumerate(WORDS.split()))


def top_words():
    c = collections.Counter(WORDS.split())
    return ''.join('%7d %s\n' % (n, w) for w, n in sorted(c.items(), key=lambda t: (-t[1], t[0])))


def hexsum(f, data):
    return f(data).hexdigest() + '  -\n'


# name, script, stdin, expected standard output (None: only compared)
CASES = [
    ('hashes', 'printf abc | sha256sum; printf abc | md5sum; sha1sum </dev/null',
     '', hexsum(hashlib.sha256, b'abc') + hexsum(hashlib.md5, b'abc') +
     hexsum(hashlib.sha1, b'')),
    ('sort-uniq', 'sort | uniq -c | sort -k1,1nr -k2,2', WORDS, top_words()),
    ('sort-numeric', 'cat > in; cut -d" " -f1 in | sort -rn | head -n 3; '
     'sort -k2,2 -k1,1n in | tail -n 1',
     TEXT, '2999\n2998\n2997\n' + max(TEXT.splitlines(),
                                     key=lambda l: (l.split()[1], int(l.split()[0]))) + '\n'),
    ('awk-lcg', "awk 'BEGIN { x = 1; for (i = 0; i < 20000; i++) "
     "{ x = (x * 69069 + 1) % 4294967296; s += x % 1000 } print x, s }'", '', lcg_awk()),
    ('awk-fields', "awk '{ n[$2]++; t += $1 } END { print NR, t, n[\"a\"] + 0 }'", TEXT,
     '%d %d %d\n' % (len(TEXT.splitlines()), sum(range(len(TEXT.splitlines()))),
                     WORDS.split().count('a'))),
    ('sed-grep', "sed -e 's/^\\([0-9]*\\) \\(.*\\)$/\\2:\\1/' -e '/^f/d' | grep -c ':.*7'",
     TEXT, '%d\n' % sum(1 for i, w in enumerate(WORDS.split())
                        if not w.startswith('f') and '7' in str(i))),
    ('pipeline', 'seq 1 50000 | awk \'{ s += $1 } END { print s }\'; '
     'seq 1 100000 | grep 7 | wc -l; yes abc | head -n 100000 | md5sum', '',
     '1250025000\n%d\n' % sum('7' in str(i) for i in range(1, 100001)) +
     hexsum(hashlib.md5, b'abc\n' * 100000)),
    # busybox's gzip output depends on its configuration, its bzip2 output is libbz2's
    ('compress', 'cat > in; gzip -9 -c in > in.gz; gunzip -c in.gz | cmp - in && echo same; '
     'bzip2 -c in | bunzip2 | md5sum; bzip2 -9 -c in | md5sum', TEXT * 4,
     'same\n' + hexsum(hashlib.md5, TEXT.encode() * 4) +
     hexsum(lambda d: hashlib.md5(bz2.compress(d, 9)), TEXT.encode() * 4)),
    ('tar-find', 'mkdir -p t/a/b t/c; for i in 1 2 3; do seq $i 9 > t/a/b/f$i; '
     'echo $i > t/c/g$i.txt; done; tar cf t.tar t; mkdir x; cd x; tar xf ../t.tar; '
     'find . -type f | sort; diff -r t ../t && echo trees-same; '
     'find . -name "*.txt" | sort | xargs cat; tar tf ../t.tar | sort | md5sum', '', None),
    ('dd-od', "dd if=/dev/zero bs=1024 count=3 2>/dev/null | tr '\\0' x | wc -c; "
     "printf '\\001\\377abc\\n' | od -An -tx1 -c; "
     "seq 1 1000 > s; dd if=s bs=10 skip=5 count=2 2>/dev/null; echo; "
     "printf 'hello world' | base64", '', None),
    ('shell', 'fib() { a=0 b=1 i=0; while [ $i -lt $1 ]; do t=$((a + b)); a=$b b=$t; '
     'i=$((i + 1)); done; echo $a; }; fib 50; v=path/to/file.tar.gz; '
     'echo ${v##*/} ${v%%.*} ${#v}; echo $(expr 7 \\* 6) $(expr length hello); '
     'x=$(echo sub | (read y; echo "[$y]")); echo "$x"; '
     'case $v in *.gz) echo gz;; *) echo other;; esac; '
     'cat <<EOF\nhere $((6 * 7))\nEOF\n'
     'for i in 3 1 2; do echo $i; done | sort | tr "\\n" " "; echo; '
     'echo "2 100 ^ p" | dc; date -u -d @1000000000 "+%Y-%m-%d %H:%M:%S"', '',
     '12586269025\nfile.tar.gz path/to/file 19\n42 5\n[sub]\ngz\nhere 42\n1 2 3 \n'
     '%d\n2001-09-09 01:46:40\n' % 2 ** 100),
    ('status-signals', 'sh -c "exit 3"; echo $?; false | true; echo $?; '
     'trap "echo trapped USR1" USR1; kill -USR1 $$; '
     'sleep 10 & p=$!; kill $p; wait $p; echo $?; '
     '(trap "echo sub-term; exit 7" TERM; sh -c \'kill -TERM $PPID\'; sleep 1); echo $?; '
     'cmp /dev/null /dev/null; echo $?; exit 5', '',
     '3\n0\ntrapped USR1\n143\nsub-term\n7\n0\n'),
    # floating point: libm, conversions that saturate (fcvt), NaN, infinities
    ('awk-math', 'awk \'BEGIN { for (i = 1; i <= 20000; i++) s += sin(i) * exp(-i / 5000) + '
     'log(i) / sqrt(i) + atan2(i, 7) + i ^ 0.37; printf "%.17g %.6e %g\\n", s, 1 / 3, 2 ^ 60; '
     'printf "%d %d %d %d\\n", 2 ^ 31 * 3, -2 ^ 40, 2 ^ 63, log(-1); '
     'print int(-3.7), -7 % 3, 1e300 * 1e10, -1e300 * 1e10, log(-1), 0.1 + 0.2 }\'', '', None),
]
# Debian's amd64 busybox is built without awk's math functions
RISCV_ONLY = {'awk-math'}


def find_images(arg):
    for d in (arg, os.environ.get('TERN_IMAGES'), os.path.join(SRC, '..', 'shared', 'images')):
        if d and os.path.isfile(os.path.join(d, 'rv64-initramfs.cpio.gz')):
            return os.path.abspath(d)
    return None


def extract(initramfs, dest, *names):
    """Unpack files of a gzip-compressed newc initramfs into dest, with cpio(1)."""
    os.makedirs(dest)
    with gzip.open(initramfs) as f:
        subprocess.run(['cpio', '-i', '-d', '--quiet'] + list(names), check=True,
                       input=f.read(), cwd=dest)
    return os.path.join(dest, 'bin', 'busybox')


def applet_dir(path, make_entry):
    os.makedirs(path)
    for a in APPLETS:
        make_entry(os.path.join(path, a), a)
    return path


def qemu_wrapper(qemu, busybox):
    def make(path, applet):
        with open(path, 'w') as f:
            f.write('#!/bin/sh\nexec %s %s %s "$@"\n' % (qemu, busybox, applet))
        os.chmod(path, 0o755)
    return make


def run(cmd, script, stdin, path, cwd):
    os.makedirs(cwd)
    env = {'PATH': path, 'HOME': cwd, 'LC_ALL': 'C', 'TZ': 'UTC'}
    p = subprocess.run(cmd + ['sh', '-c', script], input=stdin.encode(), cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('tern')
    ap.add_argument('--images')
    args = ap.parse_args()
    images = find_images(args.images)
    if not images:
        print('SKIP: rv64-initramfs.cpio.gz not found; set TERN_IMAGES or put the images '
              'in ../shared/images (scripts/get-images.sh)')
        return SKIP
    if not shutil.which('cpio'):
        print('SKIP: cpio is not installed (apt-get install cpio)')
        return SKIP
    tern = os.path.abspath(args.tern)
    qemu = shutil.which('qemu-riscv64')
    tmp = tempfile.mkdtemp(prefix='tern-busybox-')
    try:
        rv = extract(os.path.join(images, 'rv64-initramfs.cpio.gz'), os.path.join(tmp, 'rv'),
                     'bin/busybox', 'bin/selftest', 'etc/selftest.expected')
        x86 = extract(os.path.join(images, 'x86_64-initramfs.cpio.gz'),
                      os.path.join(tmp, 'x86'), 'bin/busybox')
        # the images' own workload, checked against the values its build computed
        with open(os.path.join(tmp, 'rv', 'etc', 'selftest.expected')) as f:
            cases = CASES + [('image-selftest', 'sh %s --print' % os.path.join(
                tmp, 'rv', 'bin', 'selftest'), '', f.read())]
        link = lambda target: lambda path, applet: os.symlink(target, path)
        engines = [('tern-riscv64', [tern, rv], applet_dir(os.path.join(tmp, 'bin-tern'),
                                                            link(rv)))]
        if qemu:
            engines.append(('qemu-riscv64', [qemu, rv], applet_dir(
                os.path.join(tmp, 'bin-qemu'), qemu_wrapper(qemu, rv))))
        else:
            print('note: qemu-riscv64 is not installed (apt-get install qemu-user); '
                  'comparing with amd64 busybox and computed values only')
        engines.append(('amd64 busybox', [x86], applet_dir(os.path.join(tmp, 'bin-x86'),
                                                           link(x86))))
        failed, skipped = [], 0
        for name, script, stdin, expected in cases:
            results = [(e, run(cmd, script, stdin, path, os.path.join(tmp, 'run', name, e)))
                       for e, cmd, path in engines
                       if name not in RISCV_ONLY or e != 'amd64 busybox']
            tern_res = results[0][1]
            if len(results) == 1 and expected is None:
                print('skip %s: nothing to compare with without qemu-riscv64' % name)
                skipped += 1
                continue
            bad = [e for e, r in results[1:] if r[:2] != tern_res[:2]]
            if expected is not None and tern_res[1] != expected:
                bad.append('expected output')
            if bad:
                failed.append(name)
                print('FAIL %s: tern-riscv64 differs from %s' % (name, ', '.join(bad)))
                for e, (rc, out, err) in results:
                    print('--- %s (exit %d)\n%s--- stderr\n%s' % (e, rc, out, err))
                if expected is not None:
                    print('--- expected\n' + expected)
            else:
                print('ok %s: exit %d, %d lines, same under %s%s' % (
                    name, tern_res[0], tern_res[1].count('\n'),
                    ', '.join(e for e, _ in results),
                    ' and as computed' if expected is not None else ''))
        if failed:
            print('FAIL: %d of %d scripts: %s' % (len(failed), len(cases), ' '.join(failed)))
            return 1
        print('PASS: %d busybox scripts%s' % (len(cases) - skipped,
                                              ' (%d skipped)' % skipped if skipped else ''))
        return 0
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    sys.exit(main())
