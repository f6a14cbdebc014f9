#!/usr/bin/env python3
"""
linux-user gdb stub tests (suites 'user' and 'gdb'): user-prog (riscv64,
static, -g) runs under tern-riscv64 -g PORT.
  gdb-multiarch: real gdb in batch mode through breakpoints, variables, a
      step, finish, memory writes, signals (SIGSEGV, SIGABRT, SIGUSR1 passed
      and dropped), detach and a threaded run; checks the output and the
      exit status, and when qemu-riscv64 is installed runs the same sessions
      under qemu-riscv64 -g PORT and compares the output lines.
  protocol: raw packets (rsp-test.py's client): stop at the entry point,
      registers, memory (unmapped gives an error), breakpoints, steps,
      threads, bad packets, random commands, kill.

usage: user-gdb-test.py CASE TERN-RISCV64 USER-PROG
Exit 0 pass, 1 fail, 77 skip (with the reason on stdout).
"""
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time

spec = importlib.util.spec_from_file_location(
    'rsp_test', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'rsp-test.py'))
rsp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rsp)
Fail, check, SKIP = rsp.Fail, rsp.check, rsp.SKIP


def listening(port):
    """Is some socket listening on TCP port (any address)? Asks /proc, not the port."""
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            lines = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if int(f[1].split(':')[1], 16) == port and f[3] == '0A':
                return True
    return False


class Emu:
    """emu -g PORT prog args, on a free port (another one if it was taken)."""
    def __init__(self, emu, prog, args):
        for _ in range(10):
            with socket.socket() as s:
                s.bind(('127.0.0.1', 0))
                self.port = s.getsockname()[1]
            self.p = subprocess.Popen([emu, '-g', str(self.port), prog] + args,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
            deadline = time.time() + 20
            while self.p.poll() is None and not listening(self.port) and time.time() < deadline:
                time.sleep(0.02)
            if self.p.poll() is None and listening(self.port):
                return
            self.close()
        raise Fail('%s -g never listened' % emu)

    def wait(self, timeout=60):
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.close()
            raise Fail('the program did not end')
        return self.p.returncode, out.decode(errors='replace'), err.decode(errors='replace')

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.communicate()


# ---- gdb-multiarch ----

# name: (program argument, gdb commands, what gdb must print, exit status, stdout)
SESSIONS = {
    'break': ('run', ['break add', 'c', 'p a', 'p b', 'p global_var', 'info registers pc',
                      'stepi', 'info registers pc', 'finish', 'set var global_var = 100',
                      'x/xw &global_var', 'c'],
              [r'Breakpoint 1, add \(a=3, b=4\) at .*user-prog.c:\d+', r'\$1 = 3', r'\$2 = 4',
               r'\$3 = 42', r'Value returned is \$4 = 7',
               r'<global_var>:\s+0x00000064', r'exited with code 0153\]'],
              107, 'global_var=100\n'),
    'segv': ('segv', ['c', 'p v', 'x/i $pc', 'c'],
             [r'Program received signal SIGSEGV, Segmentation fault\.', r'\$1 = 7',
              r'=> 0x[0-9a-f]+ <main\+\d+>:\s+sw\s', r'Program terminated with signal SIGSEGV'],
             -11, ''),
    'abort': ('abort', ['c', 'c'],
              [r'Program received signal SIGABRT, Aborted\.',
               r'Program terminated with signal SIGABRT, Aborted\.'], -6, ''),
    'usr1-pass': ('usr1', ['c', 'c'],
                  [r'Program received signal SIGUSR1, User defined signal 1\.',
                   r'exited with code 036\]'], 30, ''),
    'usr1-drop': ('usr1', ['c', 'signal 0'],
                  [r'Program received signal SIGUSR1',
                   r'exited with code 037\]'], 31, ''),
    'detach': ('run', ['break add', 'c', 'detach'],
               [r'Breakpoint 1, add \(a=3, b=4\)', r'\[Inferior 1 \(.*\) detached\]'],
               49, 'global_var=42\n'),
    'threads': ('threads', ['break add', 'c', 'c', 'c', 'delete', 'c'],
                [r'Breakpoint 1, add \(a=3, b=4\)', r'Breakpoint 1, add \(a=\d, b=\d\)',
                 r'exited with code 026\]'], 22, ''),
}


def gdb_session(gdb, emu, prog, name):
    arg, cmds, _, _, _ = SESSIONS[name]
    e = Emu(emu, prog, [arg])
    try:
        argv = [gdb, '-nx', '-batch', '-ex', 'set pagination off', '-ex', 'set confirm off',
                '-ex', 'target remote 127.0.0.1:%d' % e.port]
        for c in cmds:
            argv += ['-ex', c]
        r = subprocess.run(argv + [prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=90)
        out = r.stdout.decode(errors='replace')
        rc, stdout, stderr = e.wait()
    finally:
        e.close()
    return out, rc, stdout, stderr


def comparable(out):
    """gdb's lines minus what differs between emulators: stack addresses, the inferior's name."""
    out = re.sub(r'argv=0x[0-9a-f]+', 'argv=ADDR', out)
    out = re.sub(r'\((process \d+|Remote target)\)', '(INFERIOR)', out)
    return [line for line in out.splitlines()
            if line and not line.startswith(('[New Thread', '[Switching to', 'warning:'))]


def case_gdb_multiarch(tern, prog):
    gdb = shutil.which('gdb-multiarch')
    if not gdb:
        print('SKIP: gdb-multiarch not installed (apt-get install gdb-multiarch)')
        return SKIP
    qemu = shutil.which('qemu-riscv64')
    if not qemu:
        print('note: qemu-riscv64 not installed, no comparison with it')
    for name, (_, _, wants, want_rc, want_stdout) in SESSIONS.items():
        out, rc, stdout, stderr = gdb_session(gdb, tern, prog, name)
        print('---- %s: gdb says\n%s' % (name, out))
        for w in wants:
            check(re.search(w, out), '%s: gdb did not print %r' % (name, w))
        check(rc == want_rc, '%s: exit status %d, want %d (stderr %r)' % (name, rc, want_rc, stderr))
        check(stdout == want_stdout, '%s: program output %r, want %r' % (name, stdout, want_stdout))
        if name == 'break':
            pcs = re.findall(r'^pc\s+(0x[0-9a-f]+)', out, re.M)
            bp = re.search(r'Breakpoint 1 at (0x[0-9a-f]+)', out)
            check(len(pcs) == 2 and bp and int(pcs[0], 16) == int(bp.group(1), 16) and
                  int(pcs[1], 16) in (int(pcs[0], 16) + 2, int(pcs[0], 16) + 4),
                  'break: pc at the breakpoint, then one instruction further')
        if qemu and name != 'threads':      # thread interleavings differ from run to run
            ref, ref_rc, _, _ = gdb_session(gdb, qemu, prog, name)
            check(comparable(out) == comparable(ref),
                  '%s: gdb output differs from the one with qemu-riscv64:\n%s' % (name, ref))
            check(rc == ref_rc, '%s: exit status %d, qemu-riscv64 %d' % (name, rc, ref_rc))


# ---- raw protocol ----

def case_protocol(tern, prog):
    syms = rsp.elf_symbols(prog)
    e = Emu(tern, prog, ['run'])
    try:
        g = rsp.Rsp(('127.0.0.1', e.port))
        g.send_raw(b'+')
        check('PacketSize=' in g.cmd('qSupported:swbreak+;vContSupported+'), 'qSupported')
        stop = g.cmd('?')
        check(stop.startswith('T05thread:'), '? at the start: %r' % stop)
        tid = int(stop.split('thread:')[1].split(';')[0], 16)
        check(g.reg(rsp.PC) == syms['_start'], 'stopped at the entry point _start')
        check(len(g.cmd('g')) == 33 * 16, 'g: 33 registers of 8 bytes')
        check(g.cmd('qAttached') == '1', 'qAttached')
        check(g.cmd('qfThreadInfo') == 'm%x' % tid and g.cmd('qsThreadInfo') == 'l',
              'one thread, the stopped one')
        g.ok('Hg0')
        g.ok('Hc-1')
        g.ok('T%x' % tid)
        check(g.cmd('T%x' % (tid + 100000)).startswith('E'), 'T of no such thread')
        xml = g.cmd('qXfer:features:read:target.xml:0,ffb')
        check(xml[:1] in 'lm' and 'riscv' in xml, 'target.xml: %r' % xml[:80])
        # memory: the guest's, with errors for what it has not mapped
        for addr in (0, 0x1000, 1 << 38, 0xfffffffffffff000):
            r = g.cmd('m%x,8' % addr)
            check(r.startswith('E'), 'm%x (not mapped) should fail, got %r' % (addr, r))
        check(g.cmd('M0,4:00000000').startswith('E'), 'M to address 0 should fail')
        gv = syms['global_var']
        check(g.mem(gv, 4) == (42).to_bytes(4, 'little'), 'global_var reads 42')
        g.ok('M%x,4:%s' % (gv, (43).to_bytes(4, 'little').hex()))
        check(g.mem(gv, 4) == (43).to_bytes(4, 'little'), 'global_var reads 43 after M')
        g.ok('X%x,0:' % gv)
        # registers
        g.set_reg(rsp.A0 + 5, 0x1234)
        check(g.reg(rsp.A0 + 5) == 0x1234, 'P then p of a5')
        check(g.cmd('p%x' % 100000).startswith('E'), 'p of no such register')
        # bad packets: a wrong checksum is refused, unknown ones get an empty reply
        g.send_raw(b'$g#00')
        g.expect_ack(b'-')
        check(g.cmd('Jfoo') == '', 'unknown packet')
        check(g.cmd('mzz').startswith('E'), 'malformed m')
        check(g.cmd('vCont?').startswith('vCont;c;C;s;S'), 'vCont?')
        # a breakpoint, a step, a continue to the end
        g.ok('Z0,%x,4' % syms['add'])
        g.send_raw(rsp.frame(b'vCont;c'))
        g.expect_ack()
        r = g.stop()
        check(r.startswith('T05') and g.reg(rsp.PC) == syms['add'], 'stop at add: %r' % r)
        g.ok('z0,%x,4' % syms['add'])
        g.send_raw(rsp.frame(b'vCont;s:%x' % tid))
        g.expect_ack()
        g.stop()
        pc = g.reg(rsp.PC)
        check(pc in (syms['add'] + 2, syms['add'] + 4), 'one step from add: pc %#x' % pc)
        g.send_raw(rsp.frame(b'c'))
        g.expect_ack()
        r = g.recv(60).decode()
        check(r == 'W%02x' % (7 + 43), 'exit reported as W: %r' % r)
        rc, out, _ = e.wait()
        check(rc == 50 and out == 'global_var=43\n', 'exit %d, output %r' % (rc, out))
    finally:
        e.close()
    # k ends the program
    e = Emu(tern, prog, ['run'])
    try:
        g = rsp.Rsp(('127.0.0.1', e.port))
        g.send_raw(b'+')
        check(g.cmd('?').startswith('T05'), '? at the start')
        rsp.fuzz_commands(g, 1500)      # random addresses: the guarded copies fail, no crash
        g.cmd('k', reply=False)
        rc, out, err = e.wait(30)
        check(out == '', 'k: the program must not run on (output %r)' % out)
        check(rc == 0 and 'internal error' not in err, 'k: exit status %d, %r' % (rc, err))
    finally:
        e.close()


CASES = {'gdb-multiarch': case_gdb_multiarch, 'protocol': case_protocol}


def main():
    if sys.argv[1:2] == ['--missing-cc']:
        print('SKIP: riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)')
        return SKIP
    if len(sys.argv) != 4 or sys.argv[1] not in CASES:
        print(__doc__)
        return 1
    name, tern, prog = sys.argv[1:4]
    return rsp.run_case(name, CASES[name], os.path.abspath(tern), os.path.abspath(prog))


if __name__ == '__main__':
    sys.exit(main())
