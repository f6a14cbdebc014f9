#!/usr/bin/env python3
"""A real program nobody here wrote: bzip2 from Debian's source package.

bench/user-riscv64.d/build-bzip2.sh fetches the source (apt-get source
bzip2, cached in $XDG_CACHE_HOME/tern/debian-src) and builds it static for
riscv64 and x86-64. The riscv64 bzip2 then runs under tern-riscv64 on
- upstream's own test (the Makefile's `test` target): compressing
  sample1-3.ref at -1, -2, -3 must give sample1-3.bz2 exactly, and
  decompressing them (sample3 with -s, the small-memory decompressor) must
  give the .ref files back;
- 1.2 MB of generated text at -9, which must give what Python's bz2 module
  (libbz2) gives, and back;
- a truncated stream under -t, which must fail.
Standard output and exit status must be the same under qemu-riscv64 (when
installed) and for the x86-64 build run natively.
usage: debian-bzip2-test.py TERN
Exit status 0 pass, 1 fail, 77 skip (no cross compiler, or the source
package cannot be fetched: no deb-src entry or no network; reason printed).
"""
import bz2
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(SRC, 'bench', 'user-riscv64.d', 'build-bzip2.sh')
SKIP = 77


def main():
    tern = os.path.abspath(sys.argv[1])
    if not shutil.which('riscv64-linux-gnu-gcc'):
        print('SKIP: riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)')
        return SKIP
    tmp = tempfile.mkdtemp(prefix='tern-bzip2-')
    try:
        p = subprocess.run([BUILD, tmp], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode:
            print(p.stderr[-2000:])
            print('SKIP: cannot build bzip2 from Debian\'s source package (%s failed)' % BUILD)
            return SKIP
        src = p.stdout.strip()
        sample = lambda name: open(os.path.join(src, name), 'rb').read()
        text = b''.join(b'line %d: %x %s\n' % (i, i * i % 9973, b'abcdefgh'[i % 8:]) for i in
                        range(60000))
        packed = bz2.compress(text, 9)
        # name, arguments, standard input, expected standard output (None: must fail)
        cases = [('sample%d -%d' % (n, n), ['-%d' % n], sample('sample%d.ref' % n),
                  sample('sample%d.bz2' % n)) for n in (1, 2, 3)]
        cases += [('sample1 -d', ['-d'], sample('sample1.bz2'), sample('sample1.ref')),
                  ('sample2 -d', ['-d'], sample('sample2.bz2'), sample('sample2.ref')),
                  ('sample3 -ds', ['-ds'], sample('sample3.bz2'), sample('sample3.ref')),
                  ('text -9', ['-9'], text, packed),
                  ('text -d', ['-d'], packed, text),
                  ('truncated -t', ['-t'], packed[:len(packed) // 2], None)]
        rv, x86 = os.path.join(tmp, 'bzip2-riscv64'), os.path.join(tmp, 'bzip2-x86_64')
        engines = [('tern-riscv64', [tern, rv]), ('native x86-64', [x86])]
        qemu = shutil.which('qemu-riscv64')
        if qemu:
            engines.insert(1, ('qemu-riscv64', [qemu, rv]))
        else:
            print('note: qemu-riscv64 is not installed (apt-get install qemu-user)')
        failed = 0
        for name, args, data, expected in cases:
            res = []
            for e, cmd in engines:
                r = subprocess.run(cmd + args, input=data, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=120)
                res.append((e, r.returncode, r.stdout, r.stderr.decode(errors='replace')))
            _, rc, out, err = res[0]
            bad = [e for e, orc, oout, _ in res[1:] if (orc, oout) != (rc, out)]
            if expected is None and rc == 0:
                bad.append('the expected failure')
            if expected is not None and (rc, out) != (0, expected):
                bad.append('the expected output (%d bytes, exit 0)' % len(expected))
            if bad:
                failed += 1
                print('FAIL %s: tern-riscv64 differs from %s' % (name, ', '.join(bad)))
                for e, orc, oout, oerr in res:
                    print('  %s: exit %d, %d bytes out, stderr %r' % (e, orc, len(oout), oerr))
            else:
                print('ok %s: exit %d, %d bytes out, same under %s%s' % (
                    name, rc, len(out), ', '.join(e for e, *_ in res),
                    ' and as expected' if expected is not None else ''))
        if failed:
            print('FAIL: %d of %d runs' % (failed, len(cases)))
            return 1
        print('PASS: %d runs of Debian\'s bzip2 %s' % (len(cases), os.path.basename(src)))
        return 0
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    sys.exit(main())
