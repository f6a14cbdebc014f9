#!/usr/bin/env python3
"""Run one riscv64 test program under tern-riscv64 and check it.

The program's own checks must pass (exit 0, last line PASS). If Debian's
qemu-riscv64 is installed, the program also runs under it (the reference)
and both standard outputs must be the same. Exit 77 (skip) when the riscv64
cross compiler is missing.
"""
import os
import shutil
import subprocess
import sys

LD_PREFIX = '/usr/riscv64-linux-gnu'


def run(cmd, env):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=100, env=env)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def binfmt_registered():
    for name in ('qemu-riscv64', 'tern-riscv64'):
        try:
            with open('/proc/sys/fs/binfmt_misc/' + name) as f:
                if f.readline().strip() == 'enabled':
                    return True
        except OSError:
            pass
    return False


def main():
    if sys.argv[1:] == ['--missing-cc']:
        print('SKIP: riscv64-linux-gnu-gcc is not installed '
              '(apt-get install gcc-riscv64-linux-gnu)')
        return 77
    tern, prog = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    env = dict(os.environ)
    env['QEMU_LD_PREFIX'] = LD_PREFIX
    os.chdir(os.path.dirname(prog))

    rc, out, err = run([tern, '-L', LD_PREFIX, prog], env)
    sys.stdout.write('--- tern-riscv64 (exit %d)\n%s' % (rc, out))
    if err:
        sys.stdout.write('--- stderr\n' + err)
    if rc != 0 or not out.rstrip().endswith('PASS'):
        print('FAIL: the program\'s self-checks did not pass under tern-riscv64')
        return 1

    qemu = shutil.which('qemu-riscv64')
    if not qemu:
        print('comparison skipped: qemu-riscv64 is not installed (apt-get install qemu-user)')
        return 0
    if 'forkexec' in prog and not binfmt_registered():
        print('comparison skipped: qemu-riscv64 executes a riscv64 program only through '
              'binfmt_misc, which is not set up here')
        return 0
    if 'sigmask' in prog:
        print('comparison skipped: qemu-riscv64 7.2 never delivers a signal that arrives '
              'while the mask given to ppoll/pselect/epoll_pwait blocks it')
        return 0
    if 'vfork' in prog:
        print('comparison skipped: qemu-riscv64 runs vfork as a plain fork (the parent '
              'does not wait for the child\'s exec or exit)')
        return 0
    if 'confine' in prog:
        print('comparison skipped: the test probes the end of tern-riscv64\'s 256 GiB '
              'guest space; qemu-riscv64 maps its dynamic loader there')
        return 0
    qrc, qout, qerr = run([qemu, '-L', LD_PREFIX, prog], env)
    if qrc != rc or qout != out:
        sys.stdout.write('--- qemu-riscv64 (exit %d)\n%s%s' % (qrc, qout, qerr))
        print('FAIL: output differs from qemu-riscv64')
        return 1
    print('same output and exit status as qemu-riscv64')
    return 0


if __name__ == '__main__':
    sys.exit(main())
