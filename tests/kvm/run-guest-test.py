#!/usr/bin/env python3
"""Run one KVM guest test of tern-system-x86_64 -M microvm.

usage: run-guest-test.py TERN GUEST_BIN CASE [IMAGES_DIR]

The payload (tests/kvm/guest.c) reports "PASS name" / "FAIL name: ..." on the
serial port and powers off through the ACPI sleep control register, so a
pass needs both the PASS line and exit status 0. Exit 77 (skip) when
/dev/kvm cannot be used, with the reason printed.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


def kvm_usable():
    try:
        fd = os.open('/dev/kvm', os.O_RDWR)
    except OSError as e:
        return 'cannot open /dev/kvm: %s' % e.strerror
    os.close(fd)
    return None


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h


class Runner:
    def __init__(self, tern, guest, tmp):
        self.tern = tern
        self.guest = guest
        self.tmp = tmp

    def run(self, args, timeout=60, wrap=(), serial_file=True):
        """Run Tern with the serial port in a file; returns (status, serial, stderr)."""
        out = os.path.join(self.tmp, 'serial.out')
        if os.path.exists(out):
            os.unlink(out)
        cmd = [*wrap, self.tern, '-M', 'microvm', '-display', 'none',
               '-serial', 'file:' + out if serial_file else 'null'] + args
        print('+', ' '.join(cmd))
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        serial = open(out, errors='replace').read() if os.path.exists(out) else ''
        stderr = p.stderr.decode(errors='replace')
        print('exit status', p.returncode)
        print('serial:\n' + serial)
        if stderr:
            print('stderr:\n' + stderr)
        return p.returncode, serial, stderr

    def guest_test(self, name, append='', args=(), expect=None, wrap=()):
        status, serial, _ = self.run(['-kernel', self.guest, *args,
                                      '-append', ('test=%s %s' % (name, append)).strip()],
                                     wrap=wrap)
        ok = status == 0 and ('PASS %s\n' % name) in serial and 'FAIL' not in serial
        for text in expect or ():
            ok = ok and text in serial
        return ok

    def has_device(self, name):
        p = subprocess.run([self.tern, '-device', 'help'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        return ('"%s"' % name) in p.stdout.decode(errors='replace')


def main():
    tern, guest, case = sys.argv[1:4]
    images = sys.argv[4] if len(sys.argv) > 4 else None
    why = kvm_usable()
    if why:
        print('SKIP: %s; KVM guest tests need a usable /dev/kvm' % why)
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        r = Runner(tern, guest, tmp)
        virtio = r.has_device('virtio-rng-device')

        # microvm's 8 virtio-mmio slots must all be in the DSDT
        slots = ' virtio_slots=8' if virtio else ''

        if case == 'serial':
            ok = r.guest_test('serial', expect=['hello from the guest over the 16550\n'])
        elif case == 'boot':
            ok = r.guest_test('boot', 'ram=0x8000000 marker=a-b_c cpus=3' + slots,
                              ['-m', '128M', '-smp', '3'])
        elif case == 'boot-4g':
            # 3 GiB below the MMIO hole, the rest from 4 GiB
            ok = r.guest_test('boot', 'ram=0x100000000 marker=a-b_c cpus=1', ['-m', '4G'])
        elif case == 'cpu-host':
            ok = r.guest_test('boot', 'ram=0x8000000 marker=a-b_c cpus=1',
                              ['-m', '128M', '-cpu', 'host'])
        elif case == 'initrd':
            data = os.urandom(60007)   # odd size; the guest hashes it at CPL0
            path = os.path.join(tmp, 'initrd')
            open(path, 'wb').write(data)
            ok = r.guest_test('initrd', 'ram=0x8000000 initrd_size=%d initrd_sum=%d'
                              % (len(data), fnv1a(data)), ['-m', '128M', '-initrd', path])
        elif case == 'serial-input':
            # host input through a stdio chardev reaches the guest's 16550
            cmd = [tern, '-M', 'microvm', '-display', 'none', '-serial', 'stdio',
                   '-kernel', guest, '-append', 'test=serial-input']
            print('+', ' '.join(cmd))
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            first = p.stdout.readline()          # READY: the guest polls the UART now
            out, err = p.communicate(b'tern says hi\n', timeout=60)
            serial = (first + out).decode(errors='replace')
            print('exit status', p.returncode, '\nserial:\n' + serial + err.decode())
            ok = p.returncode == 0 and 'GOT tern says hi\nPASS serial-input' in serial
        elif case == 'pio':
            ok = r.guest_test('pio')
        elif case == 'mmio':
            ok = r.guest_test('mmio', 'virtio=%d' % virtio)
        elif case == 'irq':
            ok = r.guest_test('irq')
        elif case == 'smp':
            ok = r.guest_test('smp', args=['-smp', '2'])
        elif case == 'reset':
            # the second boot also checks interrupts and starts the AP again
            ok = r.guest_test('reset', 'smp=1', args=['-smp', '2'],
                              expect=['RESETTING\nbooted again after reset\n'])
        elif case == 'reset-cf9':
            ok = r.guest_test('reset', 'via=cf9',
                              expect=['RESETTING\nbooted again after reset\n'])
        elif case == 'reset-no-reboot':
            status, serial, _ = r.run(['-no-reboot', '-kernel', guest,
                                       '-append', 'test=reset'])
            ok = status == 0 and serial == 'RESETTING\n'
        elif case == 'virtio-rng':
            # a driver in the guest: queue set-up, request, used ring, GSI 16 interrupt
            if not virtio:
                print('SKIP: this build has no virtio-rng-device')
                return SKIP
            ok = r.guest_test('virtio-rng', args=['-device', 'virtio-rng-device'])
        elif case == 'virtio-rng-no-ioeventfd':
            # the same with every QueueNotify an MMIO exit to Tern
            if not virtio:
                print('SKIP: this build has no virtio-rng-device')
                return SKIP
            ok = r.guest_test('virtio-rng', args=['-M', 'microvm,ioeventfd=off',
                                                  '-device', 'virtio-rng-device'])
        elif case in ('virtio-blk', 'virtio-blk-device'):
            if not r.has_device('virtio-blk-device'):
                print('SKIP: this build has no virtio-blk-device')
                return SKIP
            ok = virtio_blk(r, tmp, case == 'virtio-blk-device')
        elif case == 'virtio-notify':
            if not virtio:
                print('SKIP: this build has no virtio-rng-device')
                return SKIP
            if not shutil.which('strace'):
                print('SKIP: strace is not installed (it counts the KVM_RUN calls)')
                return SKIP
            ok = virtio_notify(r, shutil.which('strace'))
        elif case == 'virtio-garbage':
            if not virtio:
                print('SKIP: this build has no virtio-rng-device')
                return SKIP
            devices = ['-device', 'virtio-rng-device']
            if r.has_device('virtio-serial-device'):
                devices += ['-device', 'virtio-serial-device']
            ok = r.guest_test('virtio-garbage', args=devices)
        elif case == 'fatal':
            # a vCPU that KVM cannot run: report with registers, exit status 1
            status, serial, err = r.run(['-kernel', guest, '-append', 'test=fatal'])
            ok = (status == 1 and 'KVM: vCPU 0: KVM internal error' in err and
                  'RIP=00000000fe000000' in err and 'CR3=0000000000009000' in err)
        elif case == 'no-permission':
            # /dev/kvm that the user may not open: exit 1 naming it and the fix
            if os.getuid() != 0 or not os.path.exists('/usr/bin/setpriv') or \
                    os.stat('/dev/kvm').st_mode & 0o006:
                print('SKIP: needs root, setpriv and a /dev/kvm closed to others')
                return SKIP
            status, _, err = r.run(['-kernel', guest], serial_file=False,
                                   wrap=['setpriv', '--reuid=65534', '--regid=65534',
                                         '--clear-groups'])
            ok = status == 1 and 'no permission to open /dev/kvm' in err
        elif case == 'bad-kernel':
            path = os.path.join(tmp, 'not-a-kernel')
            open(path, 'wb').write(b'\x7fELF' + bytes(4096))
            status, _, err = r.run(['-kernel', path])
            ok = status == 1 and ('-kernel %s: not a bzImage: no HdrS signature' % path) in err
        elif case == 'bad-cpu':
            status, _, err = r.run(['-kernel', guest, '-cpu', 'qemu64,+nosuchflag'])
            ok = status == 1 and "unknown CPU feature 'nosuchflag'" in err
        elif case == 'accel-tcg':
            status, _, err = r.run(['-accel', 'tcg', '-kernel', guest])
            ok = status == 1 and 'translator' in err
        elif case == 'monitor':
            ok = monitor(tern, guest, tmp)
        elif case == 'debian':
            # The real kernel: its decompressor must print on our 16550. Guest
            # kernel code is slow on hosts whose KVM emulates CPL0, so only the
            # first line is awaited.
            vmlinuz = os.path.join(images or '', 'x86_64-vmlinuz')
            if not os.path.exists(vmlinuz):
                print('SKIP: %s not found' % vmlinuz)
                return SKIP
            ok = debian(tern, vmlinuz, tmp)
        else:
            print('unknown case', case)
            return 2
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


class Qmp:
    """A minimal QMP client on a unix socket."""

    def __init__(self, path):
        import socket
        deadline = time.monotonic() + 20
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(30)
        self.buf = b''
        self.read()                                   # greeting
        self.cmd('qmp_capabilities')

    def read(self):
        import json
        while b'\n' not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('QMP closed')
            self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def cmd(self, name, **args):
        import json
        msg = {'execute': name}
        if args:
            msg['arguments'] = args
        self.sock.sendall(json.dumps(msg).encode() + b'\n')
        while True:
            r = self.read()
            if 'return' in r or 'error' in r:
                print('QMP', name, '->', str(r)[:200])
                return r


def wait_for(pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def monitor(tern, guest, tmp):
    """Pause, resume, register dump, reset and quit of a busy guest through QMP:
    each needs the vCPU kicked out of KVM_RUN."""
    return monitor_run(tern, guest, tmp, 20000) and monitor_run(tern, guest, tmp, 10**10)


def monitor_run(tern, guest, tmp, spin):
    """spin: loop iterations between serial ticks; 10**10 never leaves guest code."""
    out = os.path.join(tmp, 'serial.out')
    sock = os.path.join(tmp, 'qmp.sock')
    for f in (out, sock):
        if os.path.exists(f):
            os.unlink(f)
    cmd = [tern, '-M', 'microvm', '-display', 'none', '-serial', 'file:' + out,
           '-qmp', 'unix:%s,server=on,wait=off' % sock,
           '-kernel', guest, '-append', 'test=spin spin=%d' % spin]
    print('+', ' '.join(cmd))
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE)

    def serial():
        return open(out, errors='replace').read() if os.path.exists(out) else ''

    ok = True

    def expect(what, cond):
        nonlocal ok
        print('%s: %s' % ('ok' if cond else 'FAILED', what))
        ok = ok and cond

    try:
        q = Qmp(sock)
        if spin > 10**6:
            # a vCPU that never exits on its own still answers the monitor and quits
            expect('guest started', wait_for(lambda: 'spin start' in serial(), 30))
            regs = q.cmd('human-monitor-command', **{'command-line': 'info registers'})
            expect('registers of a spinning vCPU', 'RIP=' in regs.get('return', ''))
            expect('stop', 'return' in q.cmd('stop'))
            expect('cont', 'return' in q.cmd('cont'))
            q.cmd('quit')
            expect('quit: exit status 0', p.wait(timeout=20) == 0)
            return ok
        expect('guest ticks', wait_for(lambda: 'tick' in serial(), 30))
        expect('stop', 'return' in q.cmd('stop'))
        expect('paused', q.cmd('query-status')['return']['running'] is False)
        size = len(serial())
        time.sleep(1)
        expect('no ticks while paused', len(serial()) == size)
        regs = q.cmd('human-monitor-command', **{'command-line': 'info registers'})
        expect('registers while paused', 'RIP=' in regs.get('return', ''))
        expect('cont', 'return' in q.cmd('cont'))
        expect('ticks again', wait_for(lambda: len(serial()) > size, 20))
        regs = q.cmd('human-monitor-command', **{'command-line': 'info registers'})
        expect('registers while running', 'RIP=' in regs.get('return', '') and
               'CR3=0000000000009000' in regs.get('return', ''))
        expect('still running', q.cmd('query-status')['return']['running'] is True)
        expect('system_reset', 'return' in q.cmd('system_reset'))
        expect('guest booted again', wait_for(lambda: serial().count('spin start') == 2, 30))
        q.cmd('quit')
        status = p.wait(timeout=20)
        expect('quit: exit status 0', status == 0)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    print('stderr:', p.stderr.read().decode(errors='replace'))
    return ok


def blk_pattern():
    """What the guest writes to sector 1 (blk_pattern() in guest.c)."""
    return bytes(((i * 13 + 7) & 0xff) ^ 0x5a for i in range(512))


def virtio_blk(r, tmp, as_device):
    """The guest reads sector 0 of a raw image, writes sector 1 and flushes;
    then the file must hold exactly that. The drive is -drive if=virtio (the
    board makes the virtio-blk device) or if=none with -device."""
    sectors = 64
    data = os.urandom(512 * sectors)
    path = os.path.join(tmp, 'disk.raw')
    open(path, 'wb').write(data)
    if as_device:
        drive = ['-drive', 'if=none,id=d0,format=raw,file=' + path,
                 '-device', 'virtio-blk-device,drive=d0']
    else:
        drive = ['-drive', 'file=%s,format=raw,if=virtio' % path]
    ok = r.guest_test('virtio-blk', 'sectors=%d sum0=%d' % (sectors, fnv1a(data[:512])), drive)
    after = open(path, 'rb').read()
    checks = [('file size unchanged', len(after) == len(data)),
              ('sector 0 unchanged', after[:512] == data[:512]),
              ('sector 1 holds what the guest wrote', after[512:1024] == blk_pattern()),
              ('the other sectors unchanged', after[1024:] == data[1024:])]
    for what, good in checks:
        print('%s: %s' % ('ok' if good else 'FAILED', what))
        ok = ok and good
    return ok


def virtio_notify(r, strace):
    """QueueNotify writes must not reach Tern through MMIO exits when KVM
    takes them with an ioeventfd: count the vCPU's KVM_RUN calls under strace
    for 2 x 2000 writes, with the doorbell (few) and without (one per write).
    Between the two rounds the guest resets the device: the doorbell is
    removed and set up again (three KVM_IOEVENTFD calls)."""
    notifies = 2000
    runs = {}
    ioeventfds = {}
    for mode in ('on', 'off'):
        log = os.path.join(r.tmp, 'strace-%s.txt' % mode)
        if not r.guest_test('virtio-notify', 'notify=%d' % notifies,
                            ['-M', 'microvm,ioeventfd=' + mode, '-device', 'virtio-rng-device'],
                            wrap=[strace, '-f', '-e', 'trace=ioctl', '-o', log]):
            return False
        text = open(log, errors='replace').read()
        runs[mode] = text.count('KVM_RUN')
        ioeventfds[mode] = text.count('KVM_IOEVENTFD')
        print('ioeventfd=%s: %d KVM_RUN calls, %d KVM_IOEVENTFD calls'
              % (mode, runs[mode], ioeventfds[mode]))
    # the off run proves the count sees every MMIO exit; the on run must avoid them
    return (runs['off'] >= 2 * notifies and runs['on'] < notifies // 4 and
            ioeventfds == {'on': 3, 'off': 0})


def debian(tern, vmlinuz, tmp):
    out = os.path.join(tmp, 'serial.out')
    marker = "KASLR disabled: 'nokaslr' on cmdline."
    cmd = [tern, '-M', 'microvm', '-m', '512M', '-display', 'none', '-serial', 'file:' + out,
           '-kernel', vmlinuz, '-append', 'console=ttyS0 earlyprintk=ttyS0 nokaslr']
    print('+', ' '.join(cmd))
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    start = time.monotonic()
    seen = ''
    while time.monotonic() - start < 120 and p.poll() is None:
        time.sleep(0.5)
        seen = open(out, errors='replace').read() if os.path.exists(out) else ''
        if marker in seen:
            break
    found = marker in seen
    print('serial after %.1f s:\n%s' % (time.monotonic() - start, seen))
    if p.poll() is None:
        p.terminate()      # SIGTERM: Tern quits with status 0
        status = p.wait(timeout=20)
        print('Tern exit status after SIGTERM:', status)
        return found and status == 0
    print('Tern ended early with status', p.returncode, p.stderr.read().decode(errors='replace'))
    return False


if __name__ == '__main__':
    sys.exit(main())
