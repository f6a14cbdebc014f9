#!/usr/bin/env python3
"""
gdb stub tests (suite 'gdb'): a GDB remote serial protocol client (standard
library only) drives tern-system-riscv64 -S -gdb unix:SOCK,server=on running
prog.elf on bare metal, or OpenSBI; 'gdb-multiarch' runs real gdb in batch mode.

usage: rsp-test.py CASE TERN PROG.ELF [PROG-AT-0x80200000.ELF]
Exit 0 pass, 1 fail, 77 skip (with the reason on stdout).
"""
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
IMAGES = os.environ.get('TERN_IMAGES',
                        os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     '..', '..', '..', 'shared', 'images'))


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


# ---- ELF symbols (ELF64 little endian, .symtab) ----

def elf_symbols(path):
    data = open(path, 'rb').read()
    check(data[:4] == b'\x7fELF' and data[4] == 2, path + ': not an ELF64 file')
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum = struct.unpack_from('<HH', data, 0x3a)
    sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize)
                for i in range(shnum)]
    syms = {}
    for sh in sections:
        if sh[1] != 2:          # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 24):
            name, _info, _other, _shndx, value, _size = struct.unpack_from('<IBBHQQ', data, off)
            end = data.index(b'\0', strtab[4] + name)
            syms[data[strtab[4] + name:end].decode()] = value
    return syms


# ---- the protocol ----

def checksum(payload):
    return sum(payload) & 0xff


def frame(payload):
    return b'$' + payload + b'#%02x' % checksum(payload)


class Rsp:
    """path: a unix socket, or a (host, port) TCP address"""
    def __init__(self, path, timeout=20):
        deadline = time.time() + timeout
        family = socket.AF_INET if isinstance(path, tuple) else socket.AF_UNIX
        while True:
            try:
                self.sock = socket.socket(family, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise Fail('cannot connect to %s' % (path,))
                time.sleep(0.05)
        if family == socket.AF_INET:
            # (Nagle would hold a command back behind our unacknowledged '+')
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b''
        self.ack = True

    def read_byte(self, timeout=20):
        while not self.buf:
            r, _, _ = select.select([self.sock], [], [], timeout)
            if not r:
                raise Fail('timeout waiting for the stub')
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def expect_ack(self, want=b'+'):
        b = self.read_byte()
        check(b == want, 'expected %r, got %r' % (want, b))

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv(self, timeout=20):
        while self.read_byte(timeout) != b'$':
            pass
        payload = b''
        while True:
            b = self.read_byte(timeout)
            if b == b'#':
                break
            payload += b
        cs = int(self.read_byte() + self.read_byte(), 16)
        check(cs == checksum(payload), 'bad checksum from the stub on %r' % payload)
        if self.ack:
            self.send_raw(b'+')
        out, i = b'', 0
        while i < len(payload):       # undo escapes
            if payload[i:i + 1] == b'}':
                out += bytes([payload[i + 1] ^ 0x20])
                i += 2
            else:
                out += payload[i:i + 1]
                i += 1
        return out

    def cmd(self, payload, reply=True):
        if isinstance(payload, str):
            payload = payload.encode()
        self.send_raw(frame(payload))
        if self.ack:
            self.expect_ack()
        return self.recv().decode('latin-1') if reply else None

    def ok(self, payload):
        r = self.cmd(payload)
        check(r == 'OK', '%r: expected OK, got %r' % (payload, r))

    # helpers
    def reg(self, n):
        r = self.cmd('p%x' % n)
        check(len(r) == 16, 'p%x: bad reply %r' % (n, r))
        return int.from_bytes(bytes.fromhex(r), 'little')

    def set_reg(self, n, v):
        self.ok('P%x=%s' % (n, v.to_bytes(8, 'little').hex()))

    def mem(self, addr, n):
        r = self.cmd('m%x,%x' % (addr, n))
        check(not r.startswith('E') and len(r) == 2 * n, 'm%x: bad reply %r' % (addr, r))
        return bytes.fromhex(r)

    def stop(self, timeout=60):
        r = self.recv(timeout).decode('latin-1')
        check(r.startswith('T'), 'expected a stop reply, got %r' % r)
        return r


PC = 32
A0 = 10
CSR = 68
PRIV = CSR + 4096


class Tern:
    def __init__(self, tern, args):
        self.dir = tempfile.mkdtemp(prefix='tern-gdb-')
        self.sock = os.path.join(self.dir, 'gdb.sock')
        cmd = [tern, '-M', 'virt', '-m', '256M', '-nographic', '-monitor', 'none',
               '-S', '-gdb', 'unix:%s,server=on' % self.sock] + args
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)

    def wait(self, timeout=60):
        try:
            out, _ = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, _ = self.p.communicate()
            raise Fail('Tern did not exit: ' + out.decode(errors='replace'))
        return self.p.returncode, out.decode(errors='replace')

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def insn_len(g, pc):
    return 2 if (g.mem(pc, 2)[0] & 3) != 3 else 4


# ---- cases ----

def case_basic(tern, prog, _prog2):
    """registers, breakpoints, step, memory, register writes, exit status"""
    syms = elf_symbols(prog)
    t = Tern(tern, ['-bios', 'none', '-kernel', prog])
    try:
        g = Rsp(t.sock)
        feats = g.cmd('qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386')
        for f in ('PacketSize=', 'qXfer:features:read+', 'swbreak+', 'hwbreak+',
                  'vContSupported+'):
            check(f in feats, 'qSupported lacks %s: %r' % (f, feats))
        check(g.cmd('?').startswith('T05'), '? should report a stop')
        check(g.cmd('vMustReplyEmpty') == '', 'unknown packets need an empty reply')
        xml = ''
        while True:
            part = g.cmd('qXfer:features:read:target.xml:%x,ffff' % len(xml))
            check(part[:1] in ('m', 'l') and len(part) > 1, 'qXfer reply %r' % part[:50])
            xml += part[1:]
            if part[0] == 'l':
                break
        check(xml.startswith('<?xml') and 'org.gnu.gdb.riscv.cpu' in xml and
              'org.gnu.gdb.riscv.fpu' in xml and 'org.gnu.gdb.riscv.csr' in xml,
              'target.xml: %r' % xml[:200])
        part = g.cmd('qXfer:features:read:target.xml:0,10')
        check(part == 'm' + xml[:16], 'target.xml in pieces: %r' % part)
        check(g.cmd('qXfer:features:read:target.xml:%x,10' % len(xml)) == 'l', 'past the end')
        check(g.cmd('qfThreadInfo') == 'm1' and g.cmd('qsThreadInfo') == 'l', 'thread list')
        check(g.cmd('qC') == 'QC1', 'qC')
        g.ok('Hg1')
        g.ok('T1')
        check(g.cmd('T5').startswith('E'), 'thread 5 does not exist')

        # reset state: pc at the reset vector, in the g packet too
        check(g.reg(PC) == 0x1000, 'pc at reset: %#x' % g.reg(PC))
        regs = bytes.fromhex(g.cmd('g'))
        check(len(regs) == 33 * 8, 'g: %d bytes' % len(regs))
        check(int.from_bytes(regs[PC * 8:PC * 8 + 8], 'little') == 0x1000, 'g: pc')
        check(g.reg(CSR + 0xf14) == 0, 'mhartid')
        check(g.reg(PRIV) == 3, 'M mode at reset: priv %d' % g.reg(PRIV))
        check(g.cmd('p99999').startswith('E'), 'p of a register that does not exist')

        # breakpoint at add_one, continue, hit it
        g.ok('Z0,%x,2' % syms['add_one'])
        g.send_raw(frame(b'c'))
        g.expect_ack()
        stop = g.stop()
        check(stop.startswith('T05') and 'thread:1;' in stop and 'swbreak' in stop,
              'stop reply %r' % stop)
        check(g.reg(PC) == syms['add_one'], 'stopped at %#x, not add_one' % g.reg(PC))
        check(g.reg(A0) == 0, 'first add_one(0): a0 = %d' % g.reg(A0))
        # continue: the breakpoint hits again (second iteration)
        g.ok('z0,%x,2' % syms['add_one'])
        pc = g.reg(PC)
        size = insn_len(g, pc)
        g.send_raw(frame(b's'))
        g.expect_ack()
        stop = g.stop()
        check(stop.startswith('T05') and 'swbreak' not in stop, 'step stop reply %r' % stop)
        check(g.reg(PC) == pc + size, 'step: pc %#x -> %#x, insn size %d' % (pc, g.reg(PC), size))
        g.ok('Z0,%x,2' % syms['add_one'])
        g.send_raw(frame(b'vCont;c'))
        g.expect_ack()
        g.stop()
        check(g.reg(PC) == syms['add_one'] and g.reg(A0) == 1, 'second add_one(1)')
        g.ok('z0,%x,2' % syms['add_one'])
        # step with vCont, then with an address-less s on the Hc thread
        check(g.cmd('vCont?') == 'vCont;c;C;s;S', 'vCont?')
        pc = g.reg(PC)
        size = insn_len(g, pc)
        g.send_raw(frame(b'vCont;s:1;c'))
        g.expect_ack()
        g.stop()
        check(g.reg(PC) == pc + size, 'vCont;s: pc %#x' % g.reg(PC))

        # watchpoints: stop before the store to counter, then before a load of it
        c = syms['counter']
        count = int.from_bytes(g.mem(c, 8), 'little')
        g.ok('Z2,%x,8' % c)
        g.send_raw(frame(b'c'))
        g.expect_ack()
        stop = g.stop()
        check(('watch:%x;' % c) in stop, 'write watchpoint stop reply %r' % stop)
        check(int.from_bytes(g.mem(c, 8), 'little') == count, 'stopped before the store')
        pc = g.reg(PC)
        check(syms['main'] <= pc < syms['main'] + 0x40, 'store in main: pc %#x' % pc)
        g.ok('z2,%x,8' % c)
        g.send_raw(frame(b's'))
        g.expect_ack()
        g.stop()
        check(int.from_bytes(g.mem(c, 8), 'little') == count + 1, 'the step stored')
        g.ok('Z3,%x,8' % c)
        g.send_raw(frame(b'c'))
        g.expect_ack()
        stop = g.stop()
        check(('rwatch:%x;' % c) in stop, 'read watchpoint stop reply %r' % stop)
        g.ok('z3,%x,8' % c)
        check(g.cmd('z3,%x,8' % c).startswith('E'), 'removing a watchpoint twice')
        # an atomic read-modify-write (amoadd) is an access too
        a = syms['amo_counter']
        g.ok('Z4,%x,8' % a)
        g.send_raw(frame(b'c'))
        g.expect_ack()
        stop = g.stop()
        check(('awatch:%x;' % a) in stop, 'AMO access watchpoint stop reply %r' % stop)
        check(g.mem(a, 8) == bytes(8), 'stopped before the AMO')
        g.ok('z4,%x,8' % a)
        g.send_raw(frame(b's'))
        g.expect_ack()
        g.stop()
        check(g.mem(a, 8) == (1).to_bytes(8, 'little'), 'the AMO ran on the step')

        # memory: read, hex write, binary write with characters that need escapes
        s = syms['scratch']
        check(g.mem(s, 32) == b''.join(v.to_bytes(8, 'little')
                                       for v in (0x1111, 0x2222, 0x3333, 0x4444)), 'scratch')
        g.ok('M%x,8:%s' % (s + 8, (0xdeadbeefcafef00d).to_bytes(8, 'little').hex()))
        check(g.mem(s + 8, 8) == (0xdeadbeefcafef00d).to_bytes(8, 'little'), 'M then m')
        data = b'#$}*\x03\x00\xff+'
        esc = b''.join(b'}' + bytes([c ^ 0x20]) if c in b'#$}*' else bytes([c]) for c in data)
        r = g.cmd(b'X%x,%x:' % (s + 16, len(data)) + esc)
        check(r == 'OK', 'X: %r' % r)
        check(g.mem(s + 16, 8) == data, 'X then m: %r' % g.mem(s + 16, 8))
        check(g.cmd('m0,4').startswith('E'), 'reading unmapped address 0 must fail')
        check(g.cmd('mzz').startswith('E'), 'malformed m')

        # write a register and see its effect: finish(code) exits with code
        g.ok('Z1,%x,2' % syms['finish'])
        g.send_raw(frame(b'c'))
        g.expect_ack()
        g.stop()
        check(g.reg(PC) == syms['finish'] and g.reg(A0) == 0, 'at finish(0)')
        g.set_reg(A0, 42)
        check(g.reg(A0) == 42, 'P then p')
        g.ok('z1,%x,2' % syms['finish'])
        g.send_raw(frame(b'c'))
        g.expect_ack()
        check(g.recv() == b'W2a', 'exit reported to gdb')
        status, out = t.wait()
        check(status == 42, 'exit status %d (want the 42 written to a0): %s' % (status, out))
    finally:
        t.close()


def case_protocol(tern, prog, _prog2):
    """acks, bad checksums, malformed packets, no-ack mode, Ctrl-C, qRcmd, kill"""
    syms = elf_symbols(prog)
    t = Tern(tern, ['-bios', 'none', '-kernel', prog])
    try:
        g = Rsp(t.sock)
        g.send_raw(b'$g#00')              # bad checksum: '-'
        g.expect_ack(b'-')
        g.send_raw(b'$' + b'm' * 5000 + b'#00')   # too long: '-'
        g.expect_ack(b'-')
        for bad in ('m', 'mffffffffffffffffff,4', 'M0,4:zz', 'X0,4:', 'p', 'Pzz', 'P1=0',
                    'Z0', 'Z9,0,0', 'H', 'Hx1', 'vCont;x', 'vCont;s:zz', 'c1g', 'qRcmd,zz',
                    'qXfer:features:read:nosuch.xml:0,10', 'qThreadExtraInfo,99', 'G1'):
            r = g.cmd(bad)
            check(r == '' or r.startswith('E') or r == 'OK', '%r: reply %r' % (bad, r))
        # a lost reply is sent again on '-'
        r = g.cmd('qC')
        g.send_raw(b'-')
        check(g.recv().decode() == r, 'resend on -')
        # run length: "0* " is "0" and 3 more copies (' ' = 29 + 3)
        s = syms['scratch']
        addr = '%x' % s
        check('0000' in addr, 'scratch address %s' % addr)
        rle = g.cmd('m' + addr.replace('0000', '0* ', 1) + ',8')
        check(rle == '1111000000000000', 'run-length decoding: %r' % rle)
        out = g.cmd('qRcmd,' + b'info version'.hex())
        check(out != 'OK', 'info version printed nothing')
        while out.startswith('O') and out != 'OK':
            text = bytes.fromhex(out[1:]).decode()
            check(text.strip() != '', 'monitor output')
            out = g.recv().decode()
        check(out == 'OK', 'qRcmd end: %r' % out)
        g.ok('QStartNoAckMode')
        g.ack = False
        check(g.cmd('qC') == 'QC1', 'no-ack mode')
        # Ctrl-C: park the hart in spin(), run, interrupt
        g.set_reg(PC, syms['spin'])
        g.send_raw(frame(b'c'))
        time.sleep(0.5)
        g.send_raw(b'\x03')
        stop = g.stop()
        check(stop.startswith('T02'), 'Ctrl-C stop reply %r' % stop)
        pc = g.reg(PC)
        check(syms['spin'] <= pc < syms['main'], 'stopped in spin: %#x' % pc)
        count = int.from_bytes(g.mem(syms['counter'], 8), 'little')
        check(count > 0, 'spin ran: counter %d' % count)
        # a step that traps stops at the trap handler's first instruction
        g.set_reg(CSR + 0x305, syms['trap_handler'])
        g.set_reg(PC, syms['trap_insn'])
        g.send_raw(frame(b's'))
        g.stop()
        check(g.reg(PC) == syms['trap_handler'], 'step into the trap: pc %#x' % g.reg(PC))
        check(g.reg(CSR + 0x342) == 11 and g.reg(CSR + 0x341) == syms['trap_insn'],
              'mcause %d mepc %#x' % (g.reg(CSR + 0x342), g.reg(CSR + 0x341)))
        fuzz_commands(g)
        g.send_raw(frame(b'k'))
        status, out = t.wait()
        check(status == 0, 'k: exit status %d %s' % (status, out))
    finally:
        t.close()


def fuzz_commands(g, n=3000):
    """Random commands (never run control, kill or detach): each gets a reply."""
    import random
    rnd = random.Random(4321)
    starts = ['m', 'M', 'X', 'p', 'P', 'g', 'G', 'Z', 'z', 'H', 'T', 'q', 'Q', '?',
              'qXfer:features:read:', 'qThreadExtraInfo,', 'Hg', 'Hc', 'vCont?', 'qSupported:']
    alphabet = '0123456789abcdefABCDEF,:;=-xyz;*}#$ \x00\xff'
    for _ in range(n):
        body = ''.join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 40)))
        payload = (rnd.choice(starts) + body).encode('latin-1')
        esc = b''.join(b'}' + bytes([c ^ 0x20]) if c in b'#$}*' else bytes([c])
                       for c in payload)
        g.send_raw(frame(esc))
        r = g.recv()
        check(r is not None, 'reply to %r' % payload)
    check(g.cmd('qC').startswith('QC'), 'still answering after the fuzz')


def case_opensbi(tern, _prog, prog2):
    """OpenSBI fw_jump: break at its entry, then at the S-mode payload's main"""
    fw = os.path.join(IMAGES, 'opensbi-fw_jump.elf')
    if not os.path.exists(fw):
        print('SKIP: %s not found (set TERN_IMAGES)' % fw)
        return SKIP
    syms = elf_symbols(prog2)
    t = Tern(tern, ['-smp', '2', '-bios', fw, '-kernel', prog2])
    try:
        g = Rsp(t.sock)
        check(g.cmd('qfThreadInfo') == 'm1,2', 'two vCPUs are two threads')
        g.ok('Hg2')
        check(g.reg(CSR + 0xf14) == 1, 'thread 2 is hart 1')
        g.ok('Hg1')
        # OpenSBI's entry (fw_jump is linked at 0x80000000)
        g.ok('Z0,80000000,4')
        g.send_raw(frame(b'c'))
        g.expect_ack()
        g.stop()
        check(g.reg(PC) == 0x80000000, 'OpenSBI entry: pc %#x' % g.reg(PC))
        check(g.mem(0x80000000, 4) != b'\0\0\0\0', 'OpenSBI code readable')
        g.ok('z0,80000000,4')
        g.ok('Z0,%x,2' % syms['main'])
        g.send_raw(frame(b'c'))
        g.expect_ack()
        stop = g.stop(120)
        check(g.reg(PC) == syms['main'], 'payload main: pc %#x (%s)' % (g.reg(PC), stop))
        medeleg = g.reg(CSR + 0x302)
        check(medeleg != 0, 'OpenSBI delegated exceptions to S mode: medeleg %#x' % medeleg)
        check(g.reg(PRIV) == 1, 'the payload runs in S mode: priv %d' % g.reg(PRIV))
        g.ok('z0,%x,2' % syms['main'])
        g.send_raw(frame(b'D'))
        g.expect_ack()
        check(g.recv() == b'OK', 'detach')
        status, out = t.wait(120)
        check(status == 0, 'payload exit status %d: %s' % (status, out[-500:]))
    finally:
        t.close()


def system_map(path):
    syms = {}
    for line in open(path):
        f = line.split()
        if len(f) == 3:
            syms[f[2]] = int(f[0], 16)
    return syms


def case_linux(tern, _prog, _prog2):
    """Linux: break at start_kernel (a virtual address), memory through Sv39"""
    paths = [os.path.join(IMAGES, f) for f in
             ('opensbi-fw_jump.bin', 'rv64-Image', 'rv64-System.map')]
    for f in paths:
        if not os.path.exists(f):
            print('SKIP: %s not found (set TERN_IMAGES)' % f)
            return SKIP
    fw, image, sysmap = paths
    syms = system_map(sysmap)
    kernel = open(image, 'rb').read()
    t = Tern(tern, ['-smp', '2', '-m', '512M', '-bios', fw, '-kernel', image,
                    '-append', 'console=ttyS0'])
    try:
        g = Rsp(t.sock)
        g.ok('Z0,%x,2' % syms['start_kernel'])
        g.send_raw(frame(b'c'))
        g.expect_ack()
        g.stop(120)
        check(g.reg(PC) == syms['start_kernel'], 'start_kernel: pc %#x' % g.reg(PC))
        satp = g.reg(CSR + 0x180)
        check(satp >> 60 in (8, 9), 'paging on at start_kernel: satp %#x' % satp)
        off = syms['start_kernel'] - syms['_start']
        check(g.mem(syms['start_kernel'], 16) == kernel[off:off + 16],
              'code at start_kernel read through the page tables')
        check(g.mem(syms['linux_banner'], 13) == b'Linux version', 'linux_banner')
        # a write through the page tables lands where the kernel reads it
        g.ok('M%x,1:4c' % syms['linux_banner'])
        g.ok('M%x,1:4d' % (syms['linux_banner'] + 1))
        check(g.mem(syms['linux_banner'], 5) == b'LMnux', 'M through the MMU')
        check(g.cmd('m10,8').startswith('E'), 'unmapped virtual address 0x10')
        g.ok('z0,%x,2' % syms['start_kernel'])
        pc = g.reg(PC)
        g.send_raw(frame(b's'))
        g.expect_ack()
        g.stop()
        check(g.reg(PC) != pc, 'stepi in the kernel')
        # let it boot a while (no initrd: it ends idle or in panic's loop), then Ctrl-C
        g.send_raw(frame(b'c'))
        g.expect_ack()
        time.sleep(2)
        g.send_raw(b'\x03')
        stop = g.stop()
        check(stop.startswith('T02'), 'Ctrl-C stop reply %r' % stop)
        check(g.cmd('qfThreadInfo') == 'm1,2', 'two harts')
        for tid in (1, 2):
            g.ok('Hg%d' % tid)
            check(g.reg(PC) >= syms['_start'], 'hart %d in the kernel: pc %#x' % (tid, g.reg(PC)))
        g.send_raw(frame(b'k'))
        t.wait()
    finally:
        t.close()


X86_RIP = 16
X86_RDI = 5
X86_CR0 = 42


def case_kvm(tern, prog, _prog2):
    """x86-64 under KVM: registers from KVM, debug-register breakpoints, step"""
    try:
        os.close(os.open('/dev/kvm', os.O_RDWR))
    except OSError as e:
        print('SKIP: cannot open /dev/kvm: %s' % e.strerror)
        return SKIP
    syms = elf_symbols(prog)
    t = Tern(tern, ['-M', 'microvm', '-display', 'none', '-serial', 'none',
                    '-kernel', prog[:-len('.elf')] + '.bin'])
    try:
        g = Rsp(t.sock)
        xml = g.cmd('qXfer:features:read:target.xml:0,ffff')
        check('org.gnu.gdb.i386.core' in xml and 'i386:x86-64' in xml, 'x86 target.xml')
        check(g.reg(X86_RIP) == syms['startup_64'], 'rip at the boot entry: %#x' % g.reg(X86_RIP))
        check(g.reg(X86_CR0) & 0x80000001 == 0x80000001, 'paging and protection on')
        check(len(bytes.fromhex(g.cmd('g'))) == 16 * 8 + 8 + 7 * 4, 'g: core registers')
        check(g.mem(syms['startup_64'], 4) == open(prog[:-4] + '.bin', 'rb').read()[0x600:0x604],
              'code at startup_64 through KVM_TRANSLATE')
        check(g.cmd('Z2,%x,8' % syms['counter']) == '', 'watchpoints are not offered')
        g.ok('Z0,%x,1' % syms['add_one'])
        g.send_raw(frame(b'c'))
        g.expect_ack()
        g.stop()
        check(g.reg(X86_RIP) == syms['add_one'] and g.reg(X86_RDI) == 0, 'add_one(0)')
        g.set_reg(X86_RDI, 100)
        g.ok('z0,%x,1' % syms['add_one'])
        rip = g.reg(X86_RIP)
        g.send_raw(frame(b's'))
        g.expect_ack()
        g.stop()
        check(g.reg(X86_RIP) != rip, 'step: rip %#x' % g.reg(X86_RIP))
        for i in range(4):
            g.ok('Z0,%x,1' % (syms['add_one'] + i * 0x1000))
        check(g.cmd('Z0,%x,1' % (syms['add_one'] + 0x4000)).startswith('E'), 'only 4 debug registers')
        for i in range(1, 4):
            g.ok('z0,%x,1' % (syms['add_one'] + i * 0x1000))
        g.send_raw(frame(b'c'))
        g.expect_ack()
        g.stop()
        check(g.reg(X86_RDI) == 101, 'the rdi written reached counter: %d' % g.reg(X86_RDI))
        g.send_raw(frame(b'D'))
        g.expect_ack()
        check(g.recv() == b'OK', 'detach')
        status, out = t.wait()
        check(status == 0, 'poweroff: exit status %d %s' % (status, out))
    finally:
        t.close()


def case_gdb_multiarch(tern, prog, _prog2):
    """real gdb in batch mode"""
    gdb = shutil.which('gdb-multiarch')
    if not gdb:
        print('SKIP: gdb-multiarch not installed (apt-get install gdb-multiarch)')
        return SKIP
    with socket.socket() as s:     # a free TCP port (gdb wants host:port)
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([tern, '-M', 'virt', '-m', '256M', '-nographic', '-monitor', 'none',
                          '-S', '-gdb', 'tcp:127.0.0.1:%d' % port, '-bios', 'none',
                          '-kernel', prog],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        time.sleep(0.3)
        r = subprocess.run([gdb, '-nx', '-batch', '-ex', 'target remote :%d' % port,
                            '-ex', 'info registers pc', '-ex', 'break main', '-ex', 'c',
                            '-ex', 'info registers pc', '-ex', 'x/4i $pc', '-ex', 'stepi',
                            '-ex', 'info registers pc', '-ex', 'p/x scratch[1]',
                            '-ex', 'watch counter', '-ex', 'c', '-ex', 'delete 2',
                            '-ex', 'monitor info version', '-ex', 'break finish', '-ex', 'c', '-ex', 'set $a0 = 5',
                            '-ex', 'p $mhartid', '-ex', 'info registers priv', '-ex', 'c', prog],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = r.stdout.decode(errors='replace')
        print(out)
        check('pc             0x1000' in out, 'reset pc in gdb output')
        check('Breakpoint 1, main ()' in out, 'breakpoint at main')
        check('=> 0x%x <main>:' % elf_symbols(prog)['main'] in out, 'x/4i $pc at main')
        check('<main+2>' in out or '<main+4>' in out, 'stepi advanced')
        check('$1 = 0x2222' in out, 'p/x scratch[1]')
        check('Hardware watchpoint 2: counter\n\nOld value = 0\nNew value = 1' in out,
              'watchpoint on counter')
        check('Breakpoint 3, finish (code=0)' in out, 'breakpoint at finish')
        check('$2 = 0' in out, 'p $mhartid')
        check('prv:3 [Machine]' in out, 'info registers priv')
        check('exited with code 05' in out, 'gdb saw the exit status (W packet)')
        p.communicate(timeout=30)
        check(p.returncode == 5, 'exit status %d, want the 5 gdb wrote to a0' % p.returncode)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


CASES = {'basic': case_basic, 'protocol': case_protocol, 'opensbi': case_opensbi,
         'linux': case_linux, 'kvm': case_kvm,
         'gdb-multiarch': case_gdb_multiarch}


def run_case(name, case, *args):
    """Run one case and print its verdict: the exit status for meson."""
    try:
        rc = case(*args)
    except (Fail, EOFError) as e:
        print('FAIL %s: %s' % (name, e or 'connection closed'))
        return 1
    if rc == SKIP:
        return SKIP
    print('PASS %s' % name)
    return 0


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in CASES:
        print(__doc__)
        return 1
    name, tern, prog = sys.argv[1:4]
    prog2 = sys.argv[4] if len(sys.argv) > 4 else None
    if not os.path.exists(prog):
        print('SKIP: %s not built (riscv64-unknown-elf-gcc missing?)' % prog)
        return SKIP
    return run_case(name, CASES[name], tern, prog, prog2)


if __name__ == '__main__':
    sys.exit(main())
