#!/usr/bin/env python3
"""scripts/tern-binfmt.sh end to end: --install, run riscv64 programs directly
(./prog, through binfmt_misc), --uninstall; before and after, the kernel must
refuse them (ENOEXEC), so the runs really went through the registration.

Changes the kernel's binfmt_misc state, so it runs only when that is safe:
as root, with binfmt_misc mounted or mountable (and unmounted again if this
test mounted it), and when nobody else (qemu-user-binfmt, an earlier
tern-riscv64) handles riscv64 programs already. Otherwise exit 77 saying why.
usage: binfmt-test.py tern-binfmt.sh tern-riscv64 program...
"""
import os
import subprocess
import sys

BINFMT = '/proc/sys/fs/binfmt_misc'
NAME = 'tern-riscv64'
RISCV_MAGIC = 'magic 7f454c460201010000000000000000000200f300'


def skip(why):
    print('SKIP: ' + why)
    return 77


def riscv_entries():
    found = []
    for name in os.listdir(BINFMT):
        if name in ('register', 'status'):
            continue
        try:
            with open(os.path.join(BINFMT, name)) as f:
                if RISCV_MAGIC in f.read():
                    found.append(name)
        except OSError:
            pass
    return found


def refused(prog):
    """Does the kernel refuse to run prog by itself (no binfmt entry)?"""
    try:
        subprocess.run([prog], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
    except OSError as e:
        return e.errno == 8     # ENOEXEC
    return False


def script(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = p.stdout.decode(errors='replace')
    sys.stdout.write('$ %s\n%s' % (' '.join(args[1:]), out))
    return p.returncode, out


def check(script_path, tern, progs):
    rc, _ = script(['sh', script_path, '--install', tern])
    if rc != 0:
        print('FAIL: --install exited with %d' % rc)
        return 1
    try:
        with open(os.path.join(BINFMT, NAME)) as f:
            entry = f.read()
        sys.stdout.write(entry)
        if 'flags: F' not in entry or os.path.realpath(tern) not in entry:
            print('FAIL: the entry does not have flag F and interpreter %s' % tern)
            return 1
        for prog in progs:
            # run as ./name from its directory, as a user would
            p = subprocess.run(['./' + os.path.basename(prog)], cwd=os.path.dirname(prog),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=100)
            out = p.stdout.decode(errors='replace')
            print('--- ./%s (exit %d): last line %r' % (os.path.basename(prog), p.returncode,
                                                     out.rstrip().split('\n')[-1]))
            if p.returncode != 0 or not out.rstrip().endswith('PASS'):
                sys.stdout.write(out)
                print('FAIL: the program did not run and pass through binfmt_misc')
                return 1
    finally:
        rc, _ = script(['sh', script_path, '--uninstall'])
    if rc != 0 or os.path.exists(os.path.join(BINFMT, NAME)):
        print('FAIL: --uninstall left %s/%s' % (BINFMT, NAME))
        return 1
    for prog in progs:
        if not refused(prog):
            print('FAIL: %s still runs after --uninstall' % prog)
            return 1
    print('the kernel refuses the programs again after --uninstall')
    return 0


def main():
    script_path, tern, progs = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3:]
    progs = [os.path.abspath(p) for p in progs]
    if os.geteuid() != 0:
        return skip('registering with binfmt_misc needs root')
    mounted_here = False
    if not os.path.exists(os.path.join(BINFMT, 'register')):
        p = subprocess.run(['mount', '-t', 'binfmt_misc', 'binfmt_misc', BINFMT],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            return skip('binfmt_misc is not mounted at %s and mounting it failed: %s'
                        % (BINFMT, p.stdout.decode(errors='replace').strip()))
        mounted_here = True
    try:
        others = riscv_entries()
        if others:
            return skip('riscv64 programs are already handled by %s/%s; not touching '
                        'that registration' % (BINFMT, ', '.join(others)))
        for prog in progs:
            if not refused(prog):
                return skip('the kernel does not refuse %s (ENOEXEC) without a '
                            'binfmt_misc entry here' % prog)
        print('before --install: the kernel refuses the programs (ENOEXEC)')
        rc = check(script_path, tern, progs)
    finally:
        if mounted_here:
            subprocess.run(['umount', BINFMT])
    if rc == 0:
        print('PASS')
    return rc


if __name__ == '__main__':
    sys.exit(main())
