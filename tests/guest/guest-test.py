#!/usr/bin/env python3
"""Guest-level tests of tern-system-riscv64 -M virt with the shared Linux images.

usage: guest-test.py TERN CASE [--images DIR] [--elf PROGRAM.elf]

Boots OpenSBI -> Linux (rv64-Image + rv64-initramfs.cpio.gz, see
shared/images/README.md) or a bare-metal program and checks what the guest
and the host see. One CASE per meson test (tests/guest/meson.build):

  boot-smp1-fw_jump ...   RUN-DONE rc=0 with /bin/selftest, N harts online,
  boot-smp8-fw_dynamic    IPIs and timer interrupts on every hart, one host
                          thread per hart, exit status 0 on poweroff
  reboot                  reboot -f restarts a 4-hart fw_dynamic machine (second BOOT-OK)
  no-reboot               reboot -f with -no-reboot exits with status 0
  shell                   -nographic through a pty: prompt, line editing,
                          Ctrl-C reaches the guest, Ctrl-A x quits with 0
  shell-hvc0              the same on console=hvc0 (SBI console, input too)
  hvc0, earlycon          console=hvc0 / earlycon=sbi (SBI console) reach RUN-DONE
  sleep                   guest time follows host time: sleep 3 takes 3 s
  blk-pattern             a pattern written through virtio-blk (if=virtio) is in
                          the host file after sync + poweroff, and reads back in
                          a second boot (-device virtio-blk-device,drive=)
  blk-features            serial, read-only and discard seen from the guest
  blk-iothread            disk writes happen on a host thread other than the vCPUs'
  rng                     /dev/hwrng delivers bytes from virtio-rng
  sbi-smpN                S-mode payload under OpenSBI (sbi-smp.c): SBI HSM start,
                          stop and restart of N-1 harts, IPIs (and 1000 IPI
                          ping-pongs into WFI per round), remote fences
  virtio-garbage          bare-metal hostile driver (virtio-garbage.c): Tern keeps
                          running, the devices still work, -d guest_errors logged it

Exit status 0 pass, 1 fail, 77 skip (missing images or binary, reason printed).
Images come from --images, $TERN_IMAGES or ../shared/images next to the source.
Python standard library only.
"""
import argparse
import gzip
import hashlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    print('ok: ' + what)


def find_images(arg):
    for d in (arg, os.environ.get('TERN_IMAGES'), os.path.join(SRC, '..', 'shared', 'images')):
        if d and os.path.isfile(os.path.join(d, 'rv64-Image')):
            return os.path.abspath(d)
    return None


class Guest:
    """One run of Tern, its console on stdout (or a pty), read as it comes."""
    started = []                    # killed at the end if still running

    def __init__(self, cmd, use_pty=False):
        Guest.started.append(self)
        print('+ ' + ' '.join("'%s'" % a if ' ' in a else a for a in cmd), flush=True)
        self.out = b''
        self.t0 = time.monotonic()
        self.stamps = []             # (host time, line) for each console line
        self._partial = b''
        if use_pty:
            self.pid, self.fd = pty.fork()
            if self.pid == 0:
                os.execv(cmd[0], cmd)
            self.proc = None
        else:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            self.pid = self.proc.pid
            self.fd = self.proc.stdout.fileno()
        self.status = None

    def _read(self, timeout):
        """True: read something, None: nothing within timeout, False: end of output."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return None
        try:
            data = os.read(self.fd, 65536)
        except OSError:             # a pty reports EIO once the child is gone
            data = b''
        if not data:
            return False
        now = time.monotonic()
        self.out += data
        lines = (self._partial + data).split(b'\n')
        self._partial = lines.pop()
        self.stamps += [(now, l.rstrip(b'\r').decode(errors='replace')) for l in lines]
        return True

    def expect(self, pattern, timeout, start=0):
        """Wait for regex pattern (bytes) in the output from offset start; the match."""
        end = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.out, start)
            if m:
                return m
            left = end - time.monotonic()
            if left <= 0 or self._read(min(left, 0.5)) is False:
                m = rx.search(self.out, start)
                if m:
                    return m
                raise Fail('no %r within %.0f s; console ends with:\n%s' % (
                    pattern, timeout, self.out[-1500:].decode(errors='replace')))

    def wait(self, timeout):
        """Read to the end and return the exit status (killing Tern after timeout)."""
        end = time.monotonic() + timeout
        eof = False
        while not self._reaped() and time.monotonic() < end:
            if eof:
                time.sleep(0.1)
            else:
                eof = self._read(min(end - time.monotonic(), 0.5)) is False
        while not eof and self._read(0):     # what is still buffered
            pass
        if self.status is None:
            self.kill()
            raise Fail('Tern did not exit within %.0f s; console ends with:\n%s' % (
                timeout, self.out[-1500:].decode(errors='replace')))
        print('exit status %s after %.1f s' % (self.status, time.monotonic() - self.t0))
        return self.status

    def _reaped(self, block=False):
        if self.status is None:
            if self.proc is not None:
                self.status = self.proc.wait() if block else self.proc.poll()
            else:
                pid, st = os.waitpid(self.pid, 0 if block else os.WNOHANG)
                if pid:
                    self.status = os.waitstatus_to_exitcode(st)
        return self.status is not None

    def kill(self):
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            self._reaped(block=True)

    def text(self):
        return self.out.decode(errors='replace')

    def written(self):
        """Bytes Tern has passed to write system calls, all threads so far."""
        io = open('/proc/%d/io' % self.pid).read()
        return int(re.search(r'wchar: (\d+)', io).group(1))

    def threads(self):
        """{tid: (name, bytes written)} of Tern's threads, from /proc."""
        res = {}
        task = '/proc/%d/task' % self.pid
        for tid in os.listdir(task):
            try:
                name = open('%s/%s/comm' % (task, tid)).read().strip()
                io = open('%s/%s/io' % (task, tid)).read()
            except OSError:
                continue
            wchar = int(re.search(r'wchar: (\d+)', io).group(1))
            res[int(tid)] = (name, wchar)
        return res


class Runner:
    def __init__(self, tern, images, tmp):
        self.tern = tern
        self.images = images
        self.tmp = tmp

    def img(self, name):
        return os.path.join(self.images, name)

    def linux(self, append, smp=1, fw='fw_jump', extra=(), use_pty=False, mem='512M'):
        cmd = [self.tern, '-M', 'virt', '-smp', str(smp), '-m', mem, '-nographic',
               '-bios', self.img('opensbi-%s.bin' % fw), '-kernel', self.img('rv64-Image'),
               '-initrd', self.img('rv64-initramfs.cpio.gz'), '-append', append, *extra]
        return Guest(cmd, use_pty)

    def run_to_end(self, append, timeout=150, **kw):
        """Boot with run=..., expect RUN-DONE rc=0 and exit status 0 (poweroff)."""
        g = self.linux(append, **kw)
        status = g.wait(timeout)
        text = g.text()
        check('BOOT-OK' in text, 'guest reached BOOT-OK')
        check('RUN-DONE rc=0' in text, 'guest command finished with RUN-DONE rc=0')
        check('reboot: Power down' in text, 'guest powered off')
        check(status == 0, 'Tern exit status 0 after poweroff -f (got %s)' % status)
        return text


def initramfs_file(images, wanted):
    """Contents of one file of rv64-initramfs.cpio.gz (newc format)."""
    data = gzip.open(os.path.join(images, 'rv64-initramfs.cpio.gz')).read()
    i = 0
    while data[i:i + 6] == b'070701':
        namesize, filesize = int(data[i + 94:i + 102], 16), int(data[i + 54:i + 62], 16)
        name = data[i + 110:i + 110 + namesize - 1].decode()
        i = (i + 110 + namesize + 3) & ~3
        if name == wanted:
            return data[i:i + filesize]
        i = (i + filesize + 3) & ~3
    raise Fail('%s not in the initramfs' % wanted)


# ---- cases ----

def case_boot(r, smp, fw):
    jobs = 2 * smp
    busybox_sha = hashlib.sha256(initramfs_file(r.images, 'bin/busybox')).hexdigest()
    run = ('echo CPUS=$(grep -c ^processor /proc/cpuinfo) ONLINE=$(cat '
           '/sys/devices/system/cpu/online); for i in $(seq %d); do sha256sum /bin/busybox & '
           'done; wait; cat /proc/interrupts; /bin/selftest' % jobs)
    g = r.linux('console=ttyS0 run="%s"' % run, smp=smp, fw=fw)
    g.expect(rb'BOOT-OK', 150)
    threads = g.threads()
    vcpus = sorted(n for n, _ in threads.values() if re.match(r'CPU \d+/', n))
    status = g.wait(150)
    text = g.text()
    check(('OpenSBI' in text) and ('Linux version' in text), 'OpenSBI %s started Linux' % fw)
    m = re.search(r'CPUS=(\d+) ONLINE=(\S+)', text)
    # on failure, say what Linux said about bringing the harts up
    smp_lines = '; '.join(re.findall(r'(?:smp: |CPU\d+: failed)[^\r\n]*', text))
    check(m and m.group(1) == str(smp), '/proc/cpuinfo lists %d harts (%s) [%s]' %
          (smp, m and m.group(1), smp_lines))
    online = '0' if smp == 1 else '0-%d' % (smp - 1)
    check(m.group(2) == online, 'harts %s online (%s)' % (online, m.group(2)))
    check(text.count(busybox_sha) == jobs, '%d parallel sha256sum jobs got the right hash' % jobs)
    if smp > 1:
        counts = {}
        for irq in ('IPI0', 'IPI1'):
            line = re.search(r'^\s*%s:([\s\d]+)' % irq, text, re.M)
            counts[irq] = [int(c) for c in line.group(1).split()] if line else []
            check(len(counts[irq]) == smp and sum(counts[irq]),
                  '%s interrupts: %s' % (irq, counts[irq]))
        check(all(a + b for a, b in zip(counts['IPI0'], counts['IPI1'])),
              'every hart received IPIs')
        line = re.search(r'^\s*\d+:([\s\d]+)RISC-V INTC\s+5 .*riscv-timer', text, re.M)
        timer = [int(c) for c in line.group(1).split()] if line else []
        check(len(timer) == smp and all(timer), 'timer interrupts on every hart: %s' % timer)
    check(len(vcpus) == smp, 'one host thread per hart: %s' % vcpus)
    check('SELFTEST PASS' in text, 'selftest passed')
    check('RUN-DONE rc=0' in text, 'RUN-DONE rc=0')
    check(status == 0, 'exit status 0 after poweroff -f (got %s)' % status)


def case_reboot(r):
    # 4 harts and fw_dynamic: the reset must restart every hart and hand
    # OpenSBI its dynamic info again
    g = r.linux('console=ttyS0 run="reboot -f"', smp=4, fw='fw_dynamic')
    first = g.expect(rb'BOOT-OK', 150)
    m = g.expect(rb'reboot: Restarting system', 60, first.end())
    m = g.expect(rb'OpenSBI v', 60, m.end())
    m = g.expect(rb'smp: Brought up 1 node, 4 CPUs', 150, m.end())
    g.expect(rb'BOOT-OK', 150, m.end())
    g.kill()
    check(True, 'reboot -f ran the firmware again and Linux brought up 4 harts and '
          'reached a second BOOT-OK')


def case_no_reboot(r):
    g = r.linux('console=ttyS0 run="reboot -f"', extra=['-no-reboot'])
    status = g.wait(150)
    text = g.text()
    check('reboot: Restarting system' in text, 'guest asked for a reset')
    check(text.count('BOOT-OK') == 1 and text.count('OpenSBI v') == 1,
          'no second boot with -no-reboot')
    check(status == 0, 'exit status 0 on the reset with -no-reboot (got %s)' % status)


def case_shell(r, console):
    g = r.linux('console=' + console, use_pty=True)
    prompt = rb'/ # '
    m = g.expect(prompt, 150)
    os.write(g.fd, b'echo $((6*7))\r')
    m = g.expect(rb'\n42\r*\n', 30, m.end())
    m = g.expect(prompt, 30, m.end())
    check(True, 'prompt, and echo $((6*7)) printed 42')
    # line editing: backspace, cursor left + insert, and history (up arrow)
    os.write(g.fd, b'echo abcX\x7fd\x1b[D\x1b[DZ\r')
    m = g.expect(rb'\nabZcd\r*\n', 30, m.end())
    m = g.expect(prompt, 30, m.end())
    os.write(g.fd, b'\x1b[A\r')
    m = g.expect(rb'\nabZcd\r*\n', 30, m.end())
    m = g.expect(prompt, 30, m.end())
    check(True, 'backspace, cursor keys and history work')
    os.write(g.fd, b'sleep 100; echo SLEEP-RC=$?\r')
    m = g.expect(rb'sleep 100', 30, m.end())
    time.sleep(1)
    t = time.monotonic()
    os.write(g.fd, b'\x03')
    m = g.expect(prompt, 20, m.end())
    check(time.monotonic() - t < 15, 'Ctrl-C interrupted sleep 100 (prompt after %.1f s)' %
          (time.monotonic() - t))
    os.write(g.fd, b'echo still-here\r')
    m = g.expect(rb'\nstill-here\r*\n', 30, m.end())
    g.expect(prompt, 30, m.end())
    check(True, 'the shell survived Ctrl-C')
    os.write(g.fd, b'\x01x')
    status = g.wait(30)
    check(status == 0, 'Ctrl-A x quit with exit status 0 (got %s)' % status)


def case_hvc0(r):
    text = r.run_to_end('console=hvc0 run=/bin/selftest')
    check('SELFTEST PASS' in text, 'selftest output on hvc0 (SBI console)')
    check(re.search(r'printk: console \[hvc0\] enabled', text) is not None, 'hvc0 console enabled')


def case_earlycon(r):
    text = r.run_to_end('earlycon=sbi console=ttyS0 run=/bin/selftest')
    check('earlycon: sbi0' in text and 'bootconsole [sbi0] enabled' in text,
          'earlycon=sbi registered the SBI early console')
    # ttyS0 does not replay what a boot console printed, so the first kernel
    # lines are on the output only if the SBI console delivered them
    where = [text.find(t) for t in ('Linux version', 'earlycon: sbi0',
                                     'printk: console [ttyS0] enabled')]
    check(0 <= where[0] < where[1] < where[2],
          'kernel messages from before ttyS0 came out through the SBI console')


def case_sleep(r):
    g = r.linux("console=ttyS0 run=\"echo T0 $(cut -d' ' -f1 /proc/uptime); sleep 3; "
                "echo T1 $(cut -d' ' -f1 /proc/uptime); echo T2 $(date +%s) "
                "$(xxd -p /proc/device-tree/cpus/timebase-frequency)\"")
    status = g.wait(150)
    stamps = {line.split()[0]: (t, line.split()) for t, line in g.stamps
              if re.match(r'T[012] \d', line)}
    check(len(stamps) == 3 and status == 0, 'guest ran the timing commands (status %s)' % status)
    check(stamps['T2'][1][2] == '00989680', 'the device tree gives a 10 MHz timebase')
    host_elapsed = stamps['T1'][0] - stamps['T0'][0]
    check(2.9 <= host_elapsed <= 6.0,
          'sleep 3 in the guest took %.2f s of host time' % host_elapsed)
    guest_elapsed = float(stamps['T1'][1][1]) - float(stamps['T0'][1][1])
    check(3.0 <= guest_elapsed <= 3.5, 'guest uptime advanced %.2f s over it' % guest_elapsed)
    # the guest's date started from the goldfish RTC, which reads host time
    guest_now = int(stamps['T2'][1][1])
    host_then = time.time() - (time.monotonic() - stamps['T2'][0])
    check(abs(guest_now - host_then) <= 2,
          'guest date %d within 2 s of host time %.1f' % (guest_now, host_then))


PATTERN = b'tern-pattern-0123456789abcdef\n'
PATTERN_LEN = 1 << 20
PATTERN_OFF = 1 << 20


def case_blk_pattern(r):
    disk = os.path.join(r.tmp, 'fresh.img')
    with open(disk, 'wb') as f:
        f.truncate(16 << 20)
    expect = (PATTERN * (PATTERN_LEN // len(PATTERN) + 1))[:PATTERN_LEN]
    # write through the page cache; only sync makes it reach the device before poweroff -f
    r.run_to_end('console=ttyS0 run="yes tern-pattern-0123456789abcdef | head -c %d > /tmp/p; '
                 'dd if=/tmp/p of=/dev/vda bs=4096 seek=%d; sync"'
                 % (PATTERN_LEN, PATTERN_OFF // 4096),
                 extra=['-drive', 'file=%s,format=raw,if=virtio' % disk])
    data = open(disk, 'rb').read()
    check(len(data) == 16 << 20, 'image size unchanged')
    check(data[PATTERN_OFF:PATTERN_OFF + PATTERN_LEN] == expect,
          'the host file holds the whole 1 MiB pattern at 1 MiB')
    check(data[:PATTERN_OFF].count(0) == PATTERN_OFF and
          data[PATTERN_OFF + PATTERN_LEN:].count(0) == len(data) - PATTERN_OFF - PATTERN_LEN,
          'nothing else on the disk changed')
    text = r.run_to_end('console=ttyS0 run="dd if=/dev/vda bs=4096 skip=%d count=%d | '
                        'sha256sum"' % (PATTERN_OFF // 4096, PATTERN_LEN // 4096),
                        extra=['-drive', 'if=none,id=d0,file=%s,format=raw' % disk,
                               '-device', 'virtio-blk-device,drive=d0'])
    check(hashlib.sha256(expect).hexdigest() in text,
          'a second boot reads the pattern back (-device virtio-blk-device,drive=d0)')


def case_blk_features(r):
    ro = os.path.join(r.tmp, 'ro.img')
    dc = os.path.join(r.tmp, 'discard.img')
    ro_data = bytes(range(256)) * (4 << 12)
    open(ro, 'wb').write(ro_data)
    open(dc, 'wb').write(b'\xaa' * (4 << 20))
    run = ('for d in vda vdb; do echo DISK $(cat /sys/block/$d/serial) ro=$(cat '
           '/sys/block/$d/ro) size=$(cat /sys/block/$d/size); '
           'if [ $(cat /sys/block/$d/ro) = 1 ]; then dd if=/dev/zero of=/dev/$d bs=4096 '
           'count=1 conv=fsync; echo RO-WRITE-RC=$?; dd if=/dev/$d bs=1M | sha256sum; '
           'else blkdiscard -o 1048576 -l 1048576 /dev/$d; echo DISCARD-RC=$?; fi; done')
    text = r.run_to_end('console=ttyS0 run="%s"' % run, extra=[
        '-drive', 'if=none,id=ro,file=%s,format=raw,readonly=on' % ro,
        '-device', 'virtio-blk-device,drive=ro,serial=tern-ro-disk',
        '-drive', 'if=none,id=dc,file=%s,format=raw,discard=unmap' % dc,
        '-device', 'virtio-blk-device,drive=dc,serial=tern-discard'])
    check('DISK tern-ro-disk ro=1 size=8192' in text, 'read-only disk: serial, ro flag, size')
    check('DISK tern-discard ro=0 size=8192' in text, 'writable disk: serial, ro flag, size')
    check(re.search(r'RO-WRITE-RC=[1-9]', text) is not None, 'writing the read-only disk fails')
    check(hashlib.sha256(ro_data).hexdigest() in text, 'the read-only disk reads correctly')
    check(open(ro, 'rb').read() == ro_data, 'the read-only image is unchanged')
    check('DISCARD-RC=0' in text, 'blkdiscard succeeded')
    data = open(dc, 'rb').read()
    check(data[:1 << 20] == b'\xaa' * (1 << 20) and data[2 << 20:] == b'\xaa' * (2 << 20),
          'discard left the rest of the image alone')
    check(data[1 << 20:2 << 20] == bytes(1 << 20), 'the discarded MiB reads as zeroes on the host')


def case_blk_iothread(r):
    disk = os.path.join(r.tmp, 'io.img')
    with open(disk, 'wb') as f:
        f.truncate(32 << 20)
    size = 16 << 20
    g = r.linux('console=ttyS0 run="yes tern-io | head -c %d > /tmp/data; '
                'dd if=/tmp/data of=/dev/vda bs=1M conv=fsync; echo IO-DONE; sleep 5"' % size,
                smp=2,
                extra=['-drive', 'file=%s,format=raw,if=virtio' % disk])
    g.expect(rb'\nIO-DONE', 150)    # not the kernel's echo of the command line
    threads = g.threads()
    total = g.written()
    status = g.wait(60)
    for tid, (name, wchar) in sorted(threads.items()):
        print('  thread %d %-16s wrote %d bytes' % (tid, name, wchar))
    vcpu = [w for n, w in threads.values() if re.match(r'CPU \d+/', n)]
    # the process total counts threads that have ended, like idle block workers
    other = total - sum(vcpu)
    print('  process total %d bytes' % total)
    check(len(vcpu) == 2, 'two vCPU threads for -smp 2')
    check(max(vcpu) < size // 4, 'the vCPU threads wrote little (%s bytes)' % vcpu)
    check(other >= size, 'other host threads wrote the %d MiB (%d bytes)' % (size >> 20, other))
    check(status == 0, 'exit status 0')


def case_rng(r):
    text = r.run_to_end('console=ttyS0 run="cat /sys/class/misc/hw_random/rng_current; '
                        'dd if=/dev/hwrng bs=256 count=1 2>/dev/null | od -An -v -tx1"',
                        extra=['-device', 'virtio-rng-device'])
    check('virtio_rng.0' in text, 'the hwrng is virtio_rng')
    after = text[text.find('virtio_rng.0'):text.find('RUN-DONE')]
    data = bytes(int(x, 16) for x in re.findall(r'\b[0-9a-f]{2}\b', after))
    check(len(data) == 256, 'read 256 bytes from /dev/hwrng (%d)' % len(data))
    check(len(set(data)) > 100, '%d distinct byte values among them' % len(set(data)))


def elf_missing(elf):
    if not elf or not os.path.isfile(elf):
        print('SKIP: the bare-metal test program was not built '
              '(riscv64-unknown-elf-gcc missing?)')
        return True
    return False


def case_sbi_smp(r, smp, elf):
    if elf_missing(elf):
        return SKIP
    g = Guest([r.tern, '-M', 'virt', '-smp', str(smp), '-m', '256M', '-nographic',
               '-bios', r.img('opensbi-fw_jump.bin'), '-kernel', elf])
    status = g.wait(60)
    text = g.text()
    for round_ in (1, 2):
        for what in ('hart_start of every other hart', 'send_ipi reached every hart 3 times',
                     'IPI ping-pong with WFI, none lost', 'remote_sfence_vma and remote_fence_i',
                     'hart_stop of every other hart'):
            check('round %d: %s' % (round_, what) in text, 'round %d: %s' % (round_, what))
    check('SBI-SMP PASS harts=%d' % smp in text, 'payload passed with %d harts' % smp)
    check(status == 0, 'exit status 0 after SBI system_reset shutdown (got %s)' % status)


def case_garbage(r, elf):
    if elf_missing(elf):
        return SKIP
    disk = os.path.join(r.tmp, 'garbage.img')
    sectors = [bytes((s * 7 + i) & 0xff for i in range(512)) for s in range(2048)]
    sectors[9] = sectors[10] = b'\xff' * 512
    open(disk, 'wb').write(b''.join(sectors))
    log = os.path.join(r.tmp, 'guest-errors.log')
    g = Guest([r.tern, '-M', 'virt', '-m', '128M', '-bios', 'none', '-kernel', elf, '-nographic',
               '-d', 'guest_errors', '-D', log, '-device', 'virtio-rng-device',
               '-drive', 'if=none,id=d0,file=%s,format=raw' % disk,
               '-device', 'virtio-blk-device,drive=d0,serial=tern-garbage-01',
               '-device', 'virtio-serial-device'])
    status = g.wait(120)
    text = g.text()
    check(text.count(': device id ') == 3, 'the program found the three devices')
    check('FAIL' not in text, 'every rule violation was refused (no FAIL lines)')
    check('GARBAGE-DONE' in text and 'PASS' in text, 'the program ran to its end')
    check(status == 0, 'Tern exit status 0 through the finisher (got %s)' % status)
    logged = open(log, errors='replace').read() if os.path.exists(log) else ''
    for what in ('loops', 'is not in RAM', 'names descriptor', 'wraps around',
                 'ahead of the device', 'bad size', 'not 16-byte aligned',
                 'bad indirect table length', 'indirect descriptor inside an indirect table',
                 'without VIRTIO_F_INDIRECT_DESC', 'notification for queue',
                 'beyond the end of the 2048-sector disk'):
        check(what in logged, '-d guest_errors logged "%s"' % what)
    data = open(disk, 'rb').read()
    check(data[7 * 512:8 * 512] == bytes((i ^ 0x5a) & 0xff for i in range(512)),
          'the sector the program wrote is in the image')
    check(data[9 * 512:11 * 512] == bytes(1024), 'write-zeroes zeroed sectors 9 and 10')
    check(data[5 * 512:6 * 512] == sectors[5], 'the sector it read is unchanged')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('tern')
    ap.add_argument('case')
    ap.add_argument('--images')
    ap.add_argument('--elf', help='the bare-metal program of virtio-garbage or sbi-smpN')
    args = ap.parse_args()
    if not os.access(args.tern, os.X_OK):
        print('SKIP: %s not built' % args.tern)
        return SKIP
    images = find_images(args.images)
    if not images:
        print('SKIP: guest images (rv64-Image ...) not found; set TERN_IMAGES or put them '
              'in ../shared/images')
        return SKIP
    cases = {
        'reboot': case_reboot, 'no-reboot': case_no_reboot,
        'shell': lambda r: case_shell(r, 'ttyS0'),
        'shell-hvc0': lambda r: case_shell(r, 'hvc0'),
        'hvc0': case_hvc0, 'earlycon': case_earlycon, 'sleep': case_sleep,
        'blk-pattern': case_blk_pattern, 'blk-features': case_blk_features,
        'blk-iothread': case_blk_iothread, 'rng': case_rng,
        'virtio-garbage': lambda r: case_garbage(r, args.elf),
    }
    boot = re.fullmatch(r'boot-smp(\d+)-(fw_jump|fw_dynamic)', args.case)
    if boot:
        cases[args.case] = lambda r: case_boot(r, int(boot.group(1)), boot.group(2))
    sbi_smp = re.fullmatch(r'sbi-smp(\d+)', args.case)
    if sbi_smp:
        cases[args.case] = lambda r: case_sbi_smp(r, int(sbi_smp.group(1)), args.elf)
    if args.case not in cases:
        print('unknown case %s' % args.case)
        return 1
    with tempfile.TemporaryDirectory(prefix='tern-guest-') as tmp:
        try:
            ret = cases[args.case](Runner(os.path.abspath(args.tern), images, tmp))
        except Fail as e:
            for g in Guest.started:
                print('---- console of the run started %.1f s in (last 60 lines):' %
                      (g.t0 - Guest.started[0].t0))
                print('\n'.join(g.text().splitlines()[-60:]))
            print('FAIL: %s (host load average %.1f %.1f %.1f)' % ((e,) + os.getloadavg()))
            return 1
        finally:
            for g in Guest.started:
                g.kill()
    if ret == SKIP:
        return SKIP
    print('PASS: %s' % args.case)
    return 0


if __name__ == '__main__':
    sys.exit(main())
