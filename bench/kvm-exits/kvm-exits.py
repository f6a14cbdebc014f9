#!/usr/bin/env python3
"""bench/kvm-exits: 100,000 port I/O exits and 100,000 MMIO exits to devices,
under Tern and under qemu-system-x86_64 -enable-kvm, in one run.

usage: kvm-exits.py [--build BUILD_DIR] [--runs N]

Both guests do the same loop: byte writes to the 16550's scratch register
(port 0x3ff, the serial device model) and 32-bit reads of the first
virtio-mmio transport's MagicValue (0xfeb00000), on -M microvm.
- Tern:  the bzImage-format test payload (tests/kvm/guest.c, test=exits),
         started through the 64-bit boot protocol; ends by ACPI poweroff.
- QEMU:  guest-pvh.S, a PVH ELF with the same loop; ends through
         isa-debug-exit (status 1 is its normal end).
Runs with no exits (boot + teardown), PIO only, MMIO only and both are
timed; the no-exit time is subtracted to give the cost per exit. Prints
medians (wall clock, and CPU time of the whole process for the combined
run, which a busy host disturbs less), Tern/QEMU ratios and the peak RSS of
both (ru_maxrss of the child).
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


def build_pvh(tmp, pio, mmio):
    src = os.path.join(HERE, 'guest-pvh.S')
    obj = os.path.join(tmp, 'pvh-%d-%d.o' % (pio, mmio))
    elf = os.path.join(tmp, 'pvh-%d-%d.elf' % (pio, mmio))
    subprocess.check_call(['gcc', '-m32', '-DPIO_EXITS=%d' % pio, '-DMMIO_EXITS=%d' % mmio,
                           '-c', src, '-o', obj])
    subprocess.check_call(['ld', '-m', 'elf_i386', '-Ttext=0x100000', '-o', elf, obj])
    return elf


# (PIO exits, MMIO exits) of each measured run
WORKLOADS = {'none': (0, 0), 'pio': (EXITS, 0), 'mmio': (0, EXITS), 'both': (EXITS, EXITS)}


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
        pvh = {w: build_pvh(tmp, *n) for w, n in WORKLOADS.items()}

        def tern_cmd(w):
            return [tern, '-M', 'microvm', '-m', '128M', '-display', 'none',
                    '-serial', 'null', '-kernel', payload,
                    '-append', 'test=exits pio=%d mmio=%d' % WORKLOADS[w]]

        def qemu_cmd(w):
            return ['qemu-system-x86_64', '-enable-kvm', '-M', 'microvm', '-m', '128M',
                    '-display', 'none', '-serial', 'null', '-no-reboot',
                    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', pvh[w]]

        times = {'tern': {w: [] for w in WORKLOADS}, 'qemu': {w: [] for w in WORKLOADS}}
        cpu = {'tern': [], 'qemu': []}
        rss = {'tern': 0, 'qemu': 0}
        # interleave the programs so that load changes on the host hit both alike
        for _ in range(a.runs):
            for w in WORKLOADS:
                for name, cmd, ok in (('tern', tern_cmd, 0), ('qemu', qemu_cmd, 1)):
                    t, r, c = run(cmd(w), ok)
                    times[name][w].append(t)
                    rss[name] = max(rss[name], r)
                    if w == 'both':
                        cpu[name].append(c)

    med = {n: {w: statistics.median(v) for w, v in times[n].items()} for n in times}
    print('kvm-exits: %d port I/O exits (outb to the 16550 scratch register) and %d MMIO '
          'exits (virtio-mmio MagicValue reads), -M microvm, median of %d runs'
          % (EXITS, EXITS, a.runs))
    print('%-6s %9s %11s %9s %12s %13s %10s' % ('', 'both s', 'both CPU s', 'boot s',
                                                'PIO us/exit', 'MMIO us/exit', 'peak RSS'))
    per = {}
    for n in ('tern', 'qemu'):
        m = med[n]
        per[n] = ((m['pio'] - m['none']) / EXITS * 1e6, (m['mmio'] - m['none']) / EXITS * 1e6)
        print('%-6s %9.3f %11.3f %9.3f %12.2f %13.2f %7d KiB'
              % (n, m['both'], statistics.median(cpu[n]), m['none'], per[n][0], per[n][1],
                 rss[n]))
    print('tern/qemu: both %.2f (CPU time %.2f), PIO per exit %.2f, MMIO per exit %.2f, '
          'peak RSS %.2f'
          % (med['tern']['both'] / med['qemu']['both'],
             statistics.median(cpu['tern']) / statistics.median(cpu['qemu']),
             per['tern'][0] / per['qemu'][0], per['tern'][1] / per['qemu'][1],
             rss['tern'] / rss['qemu']))


if __name__ == '__main__':
    main()
