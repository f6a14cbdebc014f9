#!/usr/bin/env python3
"""bench/kvm-exits: 100,000 port I/O exits, 100,000 MMIO exits to devices and
100,000 virtio notifications, under Tern and under qemu-system-x86_64
-enable-kvm, in one run.

usage: kvm-exits.py [--build BUILD_DIR] [--runs N]

Both guests do the same loops: byte writes to the 16550's scratch register
(port 0x3ff, the serial device model), 32-bit reads of the first
virtio-mmio transport's MagicValue (0xfeb00000), and QueueNotify writes for
queue 0 of a virtio-rng device (set up once, its queue left empty, so the
device finds nothing to do), on -M microvm with -device virtio-rng-device.
Notifications are timed with the ioeventfd (the default of both: the write
stays in KVM, the device model runs later on the main loop) and without it
(each write is an MMIO exit to the device model): Tern -M
microvm,ioeventfd=off, QEMU -global virtio-mmio.ioeventfd=off.
- Tern:  the bzImage-format test payload (tests/kvm/guest.c, test=exits),
         started through the 64-bit boot protocol; ends by ACPI poweroff.
- QEMU:  guest-pvh.S, a PVH ELF with the same loops (it enters long mode
         first); ends through isa-debug-exit (status 1 is its normal end).
         QEMU's microvm
         defaults to legacy virtio-mmio and puts the device on its last
         transport; the bench asks for version 2 (force-legacy=off) and
         guest-pvh.S drives that transport.
Runs with no exits (boot + teardown) and each workload alone are timed; the
no-exit time is subtracted to give the cost per exit. Prints medians (wall
clock, and CPU time of the whole process, which a busy host disturbs less),
Tern/QEMU ratios and the peak RSS of both (ru_maxrss of the child).
Both guests run the loops in long mode on the same identity page tables
(0-4 GiB in 2 MiB pages): KVM fetches each emulated MMIO instruction through
them, so a 32-bit guest without paging would be cheaper per exit.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXITS = 100000


def run(cmd, ok_status):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(p.pid, 0)
    elapsed = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors='replace')
    if code != ok_status:
        sys.exit('%s: exit status %d, expected %d\n%s' % (cmd[0], code, ok_status, err))
    return elapsed, rusage.ru_maxrss, rusage.ru_utime + rusage.ru_stime


def build_pvh(tmp, pio, mmio, notify):
    src = os.path.join(HERE, 'guest-pvh.S')
    obj = os.path.join(tmp, 'pvh-%d-%d-%d.o' % (pio, mmio, notify))
    elf = os.path.join(tmp, 'pvh-%d-%d-%d.elf' % (pio, mmio, notify))
    subprocess.check_call(['gcc', '-m32', '-DPIO_EXITS=%d' % pio, '-DMMIO_EXITS=%d' % mmio,
                           '-DNOTIFY_EXITS=%d' % notify, '-c', src, '-o', obj])
    subprocess.check_call(['ld', '-m', 'elf_i386', '-Ttext=0x100000', '-o', elf, obj])
    return elf


# (PIO exits, MMIO exits, QueueNotify writes, ioeventfd) of each measured run
WORKLOADS = {
    'none': (0, 0, 0, True),
    'pio': (EXITS, 0, 0, True),
    'mmio': (0, EXITS, 0, True),
    'both': (EXITS, EXITS, 0, True),
    'notify': (0, 0, EXITS, True),
    'notify-off': (0, 0, EXITS, False),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.path.join(HERE, '..', '..', 'build'))
    ap.add_argument('--runs', type=int, default=5)
    a = ap.parse_args()
    tern = os.path.join(a.build, 'tern-system-x86_64')
    payload = os.path.join(a.build, 'tests', 'kvm', 'kvm-test-guest.bin')
    for f in (tern, payload):
        if not os.path.exists(f):
            sys.exit('%s not found: build Tern first (ninja -C %s)' % (f, a.build))
    try:
        os.close(os.open('/dev/kvm', os.O_RDWR))
    except OSError as e:
        sys.exit('/dev/kvm is not usable (%s): the benchmark needs KVM' % e.strerror)

    with tempfile.TemporaryDirectory() as tmp:
        pvh = {w: build_pvh(tmp, *n[:3]) for w, n in WORKLOADS.items()}

        def tern_cmd(w):
            pio, mmio, notify, ioeventfd = WORKLOADS[w]
            return [tern, '-M', 'microvm,ioeventfd=%s' % ('on' if ioeventfd else 'off'),
                    '-m', '128M', '-display', 'none', '-serial', 'null',
                    '-device', 'virtio-rng-device', '-kernel', payload,
                    '-append', 'test=exits pio=%d mmio=%d notify=%d' % (pio, mmio, notify)]

        def qemu_cmd(w):
            ioeventfd = WORKLOADS[w][3]
            return ['qemu-system-x86_64', '-enable-kvm', '-M', 'microvm', '-m', '128M',
                    '-display', 'none', '-serial', 'null', '-no-reboot',
                    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                    '-global', 'virtio-mmio.force-legacy=off',
                    '-global', 'virtio-mmio.ioeventfd=%s' % ('on' if ioeventfd else 'off'),
                    '-device', 'virtio-rng-device', '-kernel', pvh[w]]

        times = {'tern': {w: [] for w in WORKLOADS}, 'qemu': {w: [] for w in WORKLOADS}}
        cpu = {'tern': {w: [] for w in WORKLOADS}, 'qemu': {w: [] for w in WORKLOADS}}
        rss = {'tern': 0, 'qemu': 0}
        # interleave the programs so that load changes on the host hit both alike
        for _ in range(a.runs):
            for w in WORKLOADS:
                for name, cmd, ok in (('tern', tern_cmd, 0), ('qemu', qemu_cmd, 1)):
                    t, r, c = run(cmd(w), ok)
                    times[name][w].append(t)
                    rss[name] = max(rss[name], r)
                    cpu[name][w].append(c)

    med = {n: {w: statistics.median(v) for w, v in times[n].items()} for n in times}
    mcpu = {n: {w: statistics.median(v) for w, v in cpu[n].items()} for n in cpu}
    print('kvm-exits: %d port I/O exits (outb to the 16550 scratch register), %d MMIO '
          'exits (virtio-mmio MagicValue reads), %d virtio-rng QueueNotify writes, '
          '-M microvm, median of %d runs' % (EXITS, EXITS, EXITS, a.runs))
    print('%-6s %9s %11s %9s %12s %13s %10s' % ('', 'both s', 'both CPU s', 'boot s',
                                                'PIO us/exit', 'MMIO us/exit', 'peak RSS'))
    per = {}
    for n in ('tern', 'qemu'):
        m = med[n]
        per[n] = {w: (m[w] - m['none']) / EXITS * 1e6 for w in WORKLOADS if w != 'none'}
        print('%-6s %9.3f %11.3f %9.3f %12.2f %13.2f %7d KiB'
              % (n, m['both'], mcpu[n]['both'], m['none'], per[n]['pio'],
                 per[n]['mmio'], rss[n]))
    print('tern/qemu: both %.2f (CPU time %.2f), PIO per exit %.2f, MMIO per exit %.2f, '
          'peak RSS %.2f'
          % (med['tern']['both'] / med['qemu']['both'],
             mcpu['tern']['both'] / mcpu['qemu']['both'],
             per['tern']['pio'] / per['qemu']['pio'], per['tern']['mmio'] / per['qemu']['mmio'],
             rss['tern'] / rss['qemu']))
    # per notification: wall clock, and CPU time of the whole process (the
    # device model runs on another thread than the vCPU's)
    pcpu = {n: {w: (mcpu[n][w] - mcpu[n]['none']) / EXITS * 1e6 for w in WORKLOADS}
            for n in mcpu}
    print('QueueNotify: us per write, ioeventfd on / off, wall clock and process CPU time')
    print('%-6s %16s %8s %16s %8s' % ('', 'wall on / off', 'off/on', 'CPU on / off', 'off/on'))
    for n in ('tern', 'qemu'):
        print('%-6s %7.2f / %6.2f %8.2f %7.2f / %6.2f %8.2f'
              % (n, per[n]['notify'], per[n]['notify-off'],
                 per[n]['notify-off'] / per[n]['notify'],
                 pcpu[n]['notify'], pcpu[n]['notify-off'],
                 pcpu[n]['notify-off'] / pcpu[n]['notify']))
    print('tern/qemu per notification: with ioeventfd %.2f (CPU %.2f), without %.2f (CPU %.2f)'
          % (per['tern']['notify'] / per['qemu']['notify'],
             pcpu['tern']['notify'] / pcpu['qemu']['notify'],
             per['tern']['notify-off'] / per['qemu']['notify-off'],
             pcpu['tern']['notify-off'] / pcpu['qemu']['notify-off']))


if __name__ == '__main__':
    main()
