#!/usr/bin/env python3
"""tern-riscv64's command line options and their environment variables.

Runs tests/user/options.c (static and dynamic builds) with -version, -h,
-d help, -E/-U/-0, -L and TERN_LD_PREFIX/QEMU_LD_PREFIX, -strace and
QEMU_STRACE, -d unimp, -d in_asm,out_asm -D and QEMU_LOG/QEMU_LOG_FILENAME,
-cpu and TERN_CPU/QEMU_CPU, and bad usage. Where qemu-riscv64 is installed,
-d help, -E/-U/-0 and -strace are also compared with it (the shape of the
output, not the bytes: QEMU formats some arguments differently).
Each case prints what it saw when it fails.
usage: options-test.py VERSION tern-riscv64 options-static options-dynamic
       options-test.py --missing-cc  (exit 77: skipped)
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

LD_PREFIX = '/usr/riscv64-linux-gnu'
NO_SUCH_SYSCALL = 999       # tests/user/options.c
HELLO = 'options: hello\n'  # its first write(1, ...)


class Run:
    def __init__(self, cmd, env_add=None, env_del=(), cwd=None):
        env = dict(os.environ)
        for k in ('TERN_LD_PREFIX', 'QEMU_LD_PREFIX', 'TERN_CPU', 'QEMU_CPU', 'QEMU_LOG',
                  'QEMU_LOG_FILENAME', 'TERN_STRACE', 'QEMU_STRACE', 'TERN_GDB',
                  'QEMU_GDB') + tuple(env_del):
            env.pop(k, None)
        env.update(env_add or {})
        self.cmd = cmd
        self.env_add = env_add or {}
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=60, env=env, cwd=cwd)
        self.rc = p.returncode
        self.out = p.stdout.decode(errors='replace')
        self.err = p.stderr.decode(errors='replace')

    def show(self, limit=40):
        def cut(text):
            lines = text.splitlines(True)
            more = len(lines) - limit
            return ''.join(lines[:limit]) + ('... (%d more lines)\n' % more if more > 0 else '')
        env = ' '.join('%s=%s' % kv for kv in self.env_add.items())
        return ('  $ %s%s\n  exit %d\n  --- stdout\n%s  --- stderr\n%s' %
                (env + ' ' if env else '', ' '.join(self.cmd), self.rc, cut(self.out),
                 cut(self.err)))


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def case(self, name, problems, *runs):
        """problems: list of strings, empty when the case passed."""
        if not problems:
            self.passed += 1
            print('ok   %s' % name)
            return
        self.failed.append(name)
        print('FAIL %s' % name)
        for p in problems:
            print('  - ' + p)
        for r in runs:
            sys.stdout.write(r.show())


def elf_info(path):
    """(e_entry, PT_INTERP or None) of a 64-bit little-endian ELF file."""
    with open(path, 'rb') as f:
        data = f.read()
    entry, phoff = struct.unpack_from('<QQ', data, 0x18)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    interp = None
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', data,
                                                                 phoff + i * phentsize)
        if p_type == 3:     # PT_INTERP
            interp = data[p_offset:p_offset + p_filesz].rstrip(b'\0').decode()
    return entry, interp


def expect_program_output(r, argv, env=None):
    """Problems with a run of options.c given argv (list) and env (dict name -> value)."""
    want = HELLO + ''.join('argv[%d]=%s\n' % (i, a) for i, a in enumerate(argv))
    want += ''.join('env %s=%s\n' % (k, v) for k, v in (env or {}).items())
    want += 'syscall %d: -1 errno 38 (ENOSYS)\n' % NO_SUCH_SYSCALL
    problems = []
    if r.rc != 0:
        problems.append('exit status %d, expected 0' % r.rc)
    if r.out != want:
        problems.append('stdout differs from the expected:\n' + want)
    return problems


def expect_error(r, *words):
    """A usage error: exit 1, nothing on stdout, stderr naming all of words."""
    problems = []
    if r.rc != 1:
        problems.append('exit status %d, expected 1' % r.rc)
    if r.out:
        problems.append('something on stdout')
    if r.err.count('\n') != 1:
        problems.append('expected one line on stderr')
    for w in words:
        if w not in r.err:
            problems.append('stderr does not name %r' % w)
    return problems


# ---- -version, -h, -d help

def check_info(c, tern, version, qemu):
    r = Run([tern, '-version'])
    want = 'tern-riscv64 version %s\n' % version
    c.case('-version', [] if r.rc == 0 and r.out == want and not r.err else
           ['expected exit 0 and exactly %r on stdout' % want], r)

    r = Run([tern, '-h'])
    problems = [] if r.rc == 0 and r.out.startswith('usage: tern-riscv64 ') and not r.err \
        else ['expected exit 0, "usage: tern-riscv64 ..." on stdout, nothing on stderr']
    for opt in ('-h', '-version', '-L', '-E', '-U', '-0', '-cpu', '-d', '-D', '-strace', '-g',
                'TERN_LD_PREFIX', 'QEMU_LD_PREFIX', 'TERN_CPU', 'QEMU_CPU', 'QEMU_LOG',
                'QEMU_LOG_FILENAME', 'QEMU_STRACE'):
        if not re.search(r'(^|[\s\[])%s\b' % re.escape(opt), r.out, re.M):
            problems.append('the usage text does not mention ' + opt)
    r2 = Run([tern, '-help'])
    if (r2.rc, r2.out) != (r.rc, r.out):
        problems.append('-help does not print the same as -h')
    c.case('-h / -help usage', problems, r)

    r = Run([tern, '-d', 'help'])
    items = {}
    for line in r.out.splitlines():
        m = re.match(r'(\w+)\s+(\S.*)$', line)
        if m:
            items[m.group(1)] = m.group(2)
    problems = [] if r.rc == 0 and not r.err else ['expected exit 0 and nothing on stderr']
    for name in ('in_asm', 'out_asm', 'op', 'int', 'exec', 'cpu', 'guest_errors', 'unimp',
                 'nochain', 'strace', 'page'):
        if name not in items:
            problems.append('-d help does not list %s with a description' % name)
    runs = [r]
    if qemu:
        q = Run([qemu, '-d', 'help'])
        qitems = set(re.findall(r'^(\w+)\s', q.out, re.M))
        extra = sorted(set(items) - qitems)
        if extra:
            problems.append('items qemu-riscv64 does not know (QEMU_LOG would differ): %s'
                            % ', '.join(extra))
            runs.append(q)
    c.case('-d help', problems, *runs)


# ---- -E, -U, -0

def check_env_argv(c, tern, prog, qemu):
    env = {'HOME': '/home/options-test', 'KEEP': 'kept'}
    args = ['-E', 'A=1', '-E', 'B=2', '-E', 'C=x=y', '-U', 'HOME', '-U', 'NOT_SET_ANYWHERE',
            '-0', 'myname']
    names = ['A', 'B', 'C', 'HOME', 'KEEP']
    seen = {'A': '1', 'B': '2', 'C': 'x=y', 'HOME': '(unset)', 'KEEP': 'kept'}
    r = Run([tern] + args + [prog] + names, env_add=env)
    problems = expect_program_output(r, ['myname'] + names, seen)
    runs = [r]
    if qemu and not problems:
        q = Run([qemu, '-L', LD_PREFIX] + args + [prog] + names, env_add=env)
        if (q.rc, q.out) != (r.rc, r.out):
            problems.append('qemu-riscv64 printed otherwise')
            runs.append(q)
    c.case('-E A=1 -E B=2 -E C=x=y -U HOME -0 myname', problems, *runs)

    r = Run([tern, prog, 'x y'])
    c.case('without -0, argv[0] is the program as given',
           expect_program_output(r, [prog, 'x y'], {'x y': '(unset)'}), r)


# ---- -L, TERN_LD_PREFIX, QEMU_LD_PREFIX

def check_ld_prefix(c, tern, dyn, tmp):
    _, interp = elf_info(dyn)
    if not interp or not os.path.exists(LD_PREFIX + interp):
        c.case('-L', ['%s has no interpreter under %s' % (dyn, LD_PREFIX)])
        return
    # a prefix of our own, so a run that works shows the prefix was used
    good = os.path.join(tmp, 'sysroot')
    os.makedirs(good)
    os.symlink(os.path.join(LD_PREFIX, 'lib'), os.path.join(good, 'lib'))
    empty = os.path.join(tmp, 'empty')
    os.makedirs(empty)
    argv = [dyn]
    for how, cmd, env in (('-L', [tern, '-L', good, dyn], {}),
                          ('TERN_LD_PREFIX', [tern, dyn], {'TERN_LD_PREFIX': good}),
                          ('QEMU_LD_PREFIX', [tern, dyn], {'QEMU_LD_PREFIX': good}),
                          ('TERN_LD_PREFIX before QEMU_LD_PREFIX', [tern, dyn],
                           {'TERN_LD_PREFIX': good, 'QEMU_LD_PREFIX': empty}),
                          ('-L before TERN_LD_PREFIX', [tern, '-L', good, dyn],
                           {'TERN_LD_PREFIX': '/nonexistent-prefix'})):
        r = Run(cmd, env_add=env)
        c.case('dynamic program, prefix from %s' % how, expect_program_output(r, argv), r)

    # the interpreter exists neither under the prefix nor on this host
    if os.path.exists(interp):
        print('note: %s exists on this host, so a prefix without it still works; '
              'the missing-interpreter cases are not run' % interp)
    else:
        for how, cmd, env in (('-L', [tern, '-L', empty, dyn], {}),
                              ('QEMU_LD_PREFIX', [tern, dyn], {'QEMU_LD_PREFIX': empty})):
            r = Run(cmd, env_add=env)
            c.case('%s without the interpreter names it' % how,
                   expect_error(r, interp, empty, dyn), r)
    r = Run([tern, '-L', '/nonexistent-prefix', dyn])
    c.case('-L of a missing directory', expect_error(r, '-L', '/nonexistent-prefix'), r)
    for var in ('TERN_LD_PREFIX', 'QEMU_LD_PREFIX'):
        r = Run([tern, dyn], env_add={var: '/nonexistent-prefix'})
        c.case('%s of a missing directory names it' % var,
               expect_error(r, 'tern-riscv64: %s' % var, '/nonexistent-prefix'), r)


# ---- -strace, QEMU_STRACE

STRACE_LINE = re.compile(r'^(\d+) (?:(\w+)\((.*)\)|Unknown syscall (\d+))( = (.*))?$')


def parse_strace(text):
    """[(pid, name, args, result)] and the lines that are not syscall lines."""
    calls, other = [], []
    for line in text.splitlines():
        m = STRACE_LINE.match(line)
        if m:
            name = m.group(2) or 'unknown-%s' % m.group(4)
            calls.append((m.group(1), name, m.group(3), m.group(6)))
        else:
            other.append(line)
    return calls, other


def strace_problems(r, argv):
    problems = expect_program_output(r, argv)
    calls, other = parse_strace(r.err)
    if other:
        problems.append('stderr lines that are not "PID name(args) = result": %r' % other[:3])
    if len({pid for pid, _, _, _ in calls}) != 1:
        problems.append('expected one PID on every line')
    writes = [(a, res) for _, n, a, res in calls if n == 'write']
    if not any(re.fullmatch(r'1,0x[0-9a-f]+,%d' % len(HELLO), a) and res == str(len(HELLO))
               for a, res in writes):
        problems.append('no "write(1,0x...,%d) = %d" line' % (len(HELLO), len(HELLO)))
    if ('unknown-%d' % NO_SUCH_SYSCALL) not in [n for _, n, _, _ in calls]:
        problems.append('no "Unknown syscall %d" line' % NO_SUCH_SYSCALL)
    if not calls or calls[-1][1:3] != ('exit_group', '0') or calls[-1][3] is not None:
        problems.append('the last line is not "exit_group(0)" (without a result)')
    return problems, calls


def check_strace(c, tern, prog, qemu):
    r = Run([tern, '-strace', prog])
    problems, calls = strace_problems(r, [prog])
    runs = [r]
    if qemu and not problems:
        q = Run([qemu, '-strace', prog])
        qproblems, qcalls = strace_problems(q, [prog])
        if qproblems:
            problems += ['qemu-riscv64: ' + p for p in qproblems]
        names = [n for _, n, _, _ in calls]
        qnames = [n for _, n, _, _ in qcalls]
        if names != qnames:
            problems.append('system calls differ from qemu-riscv64\'s:\n    tern %s\n    qemu %s'
                            % (names, qnames))
        # the results of the program's writes: the same numbers in both
        w = [(a.split(',')[0], a.split(',')[-1], res) for _, n, a, res in calls if n == 'write']
        qw = [(a.split(',')[0], a.split(',')[-1], res) for _, n, a, res in qcalls
              if n == 'write']
        if w != qw:
            problems.append('write(fd,...,len) = result differ: tern %s, qemu %s' % (w, qw))
        if problems:
            runs.append(q)
    c.case('-strace' + (' (same calls and writes as qemu-riscv64)' if qemu else ''),
           problems, *runs)

    for var in ('QEMU_STRACE', 'TERN_STRACE'):
        r = Run([tern, prog], env_add={var: '1'})
        c.case(var + '=1 traces like -strace', strace_problems(r, [prog])[0], r)
    r = Run([tern, '-d', 'strace', prog])
    c.case('-d strace traces like -strace', strace_problems(r, [prog])[0], r)
    r = Run([tern, prog])
    c.case('no trace without -strace',
           expect_program_output(r, [prog]) + (['something on stderr'] if r.err else []), r)


# ---- -d unimp, -d in_asm,out_asm -D, QEMU_LOG, QEMU_LOG_FILENAME

def unimp_lines(text):
    """Lines naming the system call, as tern ("system call") or QEMU ("syscall") say it."""
    return [l for l in text.splitlines() if re.search(r'\b%d\b' % NO_SUCH_SYSCALL, l)
            and re.search(r'sys(tem )?call', l, re.I)]


def check_log(c, tern, prog, tmp):
    r = Run([tern, '-d', 'unimp', prog])
    problems = expect_program_output(r, [prog])
    if len(unimp_lines(r.err)) != 1:
        problems.append('expected one stderr line naming system call %d' % NO_SUCH_SYSCALL)
    c.case('-d unimp logs the unknown system call', problems, r)

    log = os.path.join(tmp, 'unimp.log')
    r = Run([tern, prog], env_add={'QEMU_LOG': 'unimp', 'QEMU_LOG_FILENAME': log})
    problems = expect_program_output(r, [prog])
    if r.err:
        problems.append('something on stderr (the log should go to the file)')
    text = open(log).read() if os.path.exists(log) else ''
    if len(unimp_lines(text)) != 1:
        problems.append('%s does not have one line naming system call %d; it has:\n%s'
                        % (log, NO_SUCH_SYSCALL, text[:2000]))
    c.case('QEMU_LOG=unimp QEMU_LOG_FILENAME=file', problems, r)

    entry, _ = elf_info(prog)
    for how, cmd, env in (('-d in_asm,out_asm -D file', [tern, '-d', 'in_asm,out_asm', '-D'],
                           {}),
                          ('QEMU_LOG=in_asm,out_asm QEMU_LOG_FILENAME=file', [tern],
                           {'QEMU_LOG': 'in_asm,out_asm'})):
        log = os.path.join(tmp, 'asm-%d.log' % len(env))
        if env:
            env['QEMU_LOG_FILENAME'] = log
            r = Run(cmd + [prog], env_add=env)
        else:
            r = Run(cmd + [log, prog])
        problems = expect_program_output(r, [prog])
        if r.err:
            problems.append('something on stderr (the log should go to the file)')
        text = open(log).read() if os.path.exists(log) else ''
        # guest code: "0x<pc>:  <encoding>  <mnemonic> ..."; the first block is at e_entry
        guest = re.findall(r'^0x([0-9a-f]+):\s+[0-9a-f]{4,8}\s+([a-z][a-z0-9.]*)', text, re.M)
        if not any(int(pc, 16) == entry for pc, _ in guest):
            problems.append('no guest instruction at the entry point %#x' % entry)
        if not {m for _, m in guest} & {'addi', 'auipc', 'jal', 'ld', 'sd'}:
            problems.append('no RISC-V mnemonic (addi, auipc, jal, ld, sd) in the guest code')
        # host code: "  0x<address>:  <mnemonic> <operands>", disassembled by capstone
        host = set(re.findall(r'^\s+0x[0-9a-f]+:\s+([a-z][a-z0-9]*)\b', text, re.M))
        for m in ('mov', 'jmp'):
            if m not in host:
                problems.append('no host "%s" instruction in the log: is the host '
                                'disassembler (capstone) working?' % m)
        if problems:
            problems.append('%s has %d lines; its first 30:\n%s'
                            % (log, text.count('\n'), ''.join(text.splitlines(True)[:30])))
        c.case(how, problems, r)


# ---- -cpu, TERN_CPU, QEMU_CPU

def check_cpu(c, tern, prog):
    r = Run([tern, '-cpu', 'help'])
    models = re.findall(r'^\s+(\S+)\s', r.out, re.M)
    problems = [] if r.rc == 0 and not r.err else ['expected exit 0 and nothing on stderr']
    if 'rv64' not in models:
        problems.append('-cpu help does not list rv64')
    c.case('-cpu help', problems, r)
    for model in models or ['rv64']:
        r = Run([tern, '-cpu', model, prog])
        c.case('-cpu %s (from -cpu help)' % model, expect_program_output(r, [prog]), r)
    r = Run([tern, '-cpu', 'rv64,zba=off,zbb=false', prog])
    c.case('-cpu rv64,zba=off,zbb=false', expect_program_output(r, [prog]), r)
    for how, cmd, env in (('-cpu bogus', [tern, '-cpu', 'bogus', prog], {}),
                          ('TERN_CPU=bogus', [tern, prog], {'TERN_CPU': 'bogus'}),
                          ('QEMU_CPU=bogus', [tern, prog], {'QEMU_CPU': 'bogus'})):
        r = Run(cmd, env_add=env)
        c.case(how + ' is refused', expect_error(r, '-cpu', "'bogus'"), r)
    r = Run([tern, '-cpu', 'rv64,nosuchext=on', prog])
    c.case('-cpu with an unknown property is refused', expect_error(r, 'nosuchext'), r)
    r = Run([tern, '-cpu', 'rv64', prog], env_add={'QEMU_CPU': 'bogus'})
    c.case('-cpu before QEMU_CPU', expect_program_output(r, [prog]), r)


# ---- bad usage

def check_bad_usage(c, tern, prog, tmp):
    text = os.path.join(tmp, 'notes.txt')
    with open(text, 'w') as f:
        f.write('This is a text file, long enough to hold an ELF header if it were one.\n' * 4)
    os.chmod(text, 0o755)
    empty = os.path.join(tmp, 'empty-file')
    open(empty, 'w').close()
    cases = (
        ('unknown option', [tern, '-bogus', prog], ['-bogus', 'unknown option']),
        ('-L without its argument', [tern, '-L'], ['-L', 'argument']),
        ('-cpu without its argument', [tern, '-cpu'], ['-cpu', 'argument']),
        ('-d without its argument', [tern, '-d'], ['-d', 'argument']),
        ('-d with an unknown item', [tern, '-d', 'in_asm,nosuch', prog], ['-d', 'nosuch']),
        ('-D in a missing directory', [tern, '-D', '/nonexistent-dir/log', prog],
         ['-D', '/nonexistent-dir/log']),
        ('-E without =', [tern, '-E', 'NOVALUE', prog], ['-E', 'NOVALUE']),
        ('-U without its argument', [tern, '-U'], ['-U', 'argument']),
        ('-g with no port number', [tern, '-g', 'notaport', prog], ['-g', 'notaport']),
        ('no program', [tern], ['no program']),
        ('no program after options', [tern, '-strace', '-E', 'A=1'], ['no program']),
        ('a program that does not exist', [tern, '/nonexistent-program'],
         ['/nonexistent-program', 'No such file']),
        ('a host (x86-64) ELF program', [tern, '/bin/true'], ['/bin/true', 'RISC-V']),
        ('a text file', [tern, text], [text, 'ELF']),
        ('an empty file', [tern, empty], [empty, 'ELF']),
        ('a directory', [tern, tmp], [tmp, 'not a regular file']),
    )
    for name, cmd, words in cases:
        r = Run(cmd)
        problems = expect_error(r, *words)
        if '-D: -D:' in r.err:
            problems.append('the option is named twice')
        c.case('bad usage: ' + name, problems, r)


def main():
    if sys.argv[1:] == ['--missing-cc']:
        print('SKIP: riscv64-linux-gnu-gcc is not installed '
              '(apt-get install gcc-riscv64-linux-gnu)')
        return 77
    version = sys.argv[1]
    tern, static, dynamic = (os.path.abspath(a) for a in sys.argv[2:5])
    qemu = shutil.which('qemu-riscv64')
    if not qemu:
        print('note: qemu-riscv64 is not installed (apt-get install qemu-user): '
              'only tern-riscv64 is checked')
    c = Checker()
    with tempfile.TemporaryDirectory(prefix='tern-options-') as tmp:
        check_info(c, tern, version, qemu)
        check_env_argv(c, tern, static, qemu)
        check_ld_prefix(c, tern, dynamic, tmp)
        check_strace(c, tern, static, qemu)
        check_log(c, tern, static, tmp)
        check_cpu(c, tern, static)
        check_bad_usage(c, tern, static, tmp)
    print('%d passed, %d failed' % (c.passed, len(c.failed)))
    if c.failed:
        print('failed: ' + '; '.join(c.failed))
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main())
