#!/usr/bin/env python3
"""
Guest-level boot tests of the RISC-V virt board: real firmware (OpenSBI,
U-Boot) and small payloads built here, driven over the serial console.

  boot-test.py --tern BUILD/tern-system-riscv64 --source-root SRC KIND VARIANT

KIND VARIANT:
  opensbi fw_jump|fw_dynamic  OpenSBI banner, then it runs our S-mode payload,
                              which checks a1 and powers off through SBI
  uboot mmode|smode           U-Boot (M-mode as -bios / S-mode under fw_jump)
                              reaches "=> ", answers version, bdinfo and pci
                              (the PCIe host bridge), and powers off
  uboot-linux reboot          OpenSBI -> U-Boot S-mode -> Linux loaded with
                              -device loader; a shell command; reboot -f runs
                              the firmware again; U-Boot poweroff
  baremetal elf|exit-code     -bios none -kernel prog.elf (M-mode ELF) that powers
                              off, or exits with status 5 through the finisher
  dtb virt                    -M virt,dumpdtb: the node set of QEMU's tree

Where qemu-system-riscv64 is installed, the same scenario is run under QEMU
and the fields that must agree are compared. Images come from $TERN_IMAGES
or SRC/../shared/images. Exit status 77 (skip, with the reason) when an
image, the emulator or a cross compiler is missing. Standard library only.
"""
import argparse
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
TIMEOUT_TERN = 120     # seconds per console wait; the translator may be slow
TIMEOUT_QEMU = 30


class TestFailure(Exception):
    pass


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(SKIP)


class Console:
    """An emulator on a pseudo-terminal, with expect-style waits."""

    def __init__(self, name, argv, cwd, timeout):
        self.name = name
        self.timeout = timeout
        self.log = b""
        self.pos = 0            # start of what expect() has not consumed
        master, slave = pty.openpty()
        print("[%s] $ %s" % (name, " ".join(argv)), flush=True)
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=slave, stdout=slave,
                                     stderr=slave, close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        self.fd = master

    def _read(self, wait):
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError:         # EIO: the emulator closed the terminal
            return False
        if not data:
            return False
        self.log += data
        return True

    def expect(self, pattern, timeout=None):
        """Wait for regex pattern after the last match; returns the match."""
        deadline = time.monotonic() + (timeout or self.timeout)
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        exited = False
        while True:
            m = regex.search(self.log, self.pos)
            if m:
                self.pos = m.end()
                return m
            if exited:
                raise TestFailure("%s: exited (status %s) before %r" %
                                  (self.name, self.proc.returncode, pattern))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure("%s: timed out waiting for %r" % (self.name, pattern))
            # after EOF, one more search of what the last read brought
            exited = not self._read(min(left, 0.5)) and self.proc.poll() is not None

    def send(self, text):
        # one byte at a time, like a typist: firmware polls a 16-byte FIFO
        for ch in text.encode():
            os.write(self.fd, bytes([ch]))
            time.sleep(0.01)

    def wait_exit(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise TestFailure("%s: did not exit" % self.name)
            self._read(0.2)
        while self._read(0):
            pass
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.fd)

    # "with Console(...) as c:" ends the emulator and shows its console
    # output however the dialogue went
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        print(self.text())
        return False

    def text(self):
        return self.log.decode(errors="replace").replace("\r", "")


def field(text, label):
    """Value of an 'Label   : value' / 'label = value' console line."""
    m = re.search(r"^%s\s*[:=]\s*(.*?)\s*$" % re.escape(label), text, re.M)
    return m.group(1) if m else None


# ---- building the payloads ----

def cross_compiler():
    for prefix in ("riscv64-unknown-elf-", "riscv64-linux-gnu-"):
        if shutil.which(prefix + "gcc") and shutil.which(prefix + "objcopy"):
            return prefix
    skip("no RISC-V cross compiler (riscv64-unknown-elf-gcc or riscv64-linux-gnu-gcc)")


def build_program(workdir, mmode, exit_code=0):
    """The payload: an M-mode ELF at 0x80000000, or an S-mode flat binary at 0x80200000."""
    prefix = cross_compiler()
    srcdir = os.path.dirname(os.path.abspath(__file__))
    name = ("prog-mmode" if mmode else "payload-smode") + ("-%d" % exit_code if exit_code else "")
    elf = os.path.join(workdir, name + ".elf")
    subprocess.run([prefix + "gcc"] + (["-DMMODE"] if mmode else []) +
                   (["-DEXIT_CODE=%d" % exit_code] if exit_code else []) +
                   ["-march=rv64imac", "-mabi=lp64", "-mcmodel=medany", "-O2", "-nostdlib",
                    "-ffreestanding", "-fno-pic", "-static",
                    "-Wl,--defsym=LOAD_ADDR=%s" % ("0x80000000" if mmode else "0x80200000"),
                    "-T", os.path.join(srcdir, "payload.ld"),
                    os.path.join(srcdir, "payload-start.S"), os.path.join(srcdir, "payload.c"),
                    "-o", elf], check=True)
    if mmode:
        return elf
    binary = os.path.join(workdir, name + ".bin")
    subprocess.run([prefix + "objcopy", "-O", "binary", elf, binary], check=True)
    return binary


# ---- scenarios: each runs one emulator and returns the fields to compare ----

OPENSBI_MUST_MATCH = [
    "Platform Name", "Platform HART Count", "Platform IPI Device",
    "Platform Timer Device", "Platform Console Device", "Platform Reboot Device",
    "Platform Shutdown Device", "Firmware Base", "Firmware Size",
    "Domain0 Next Address", "Domain0 Next Arg1", "Domain0 Next Mode",
    "Boot HART ID", "payload",
]
OPENSBI_INFO = ["Platform Features", "Boot HART Base ISA", "Boot HART ISA Extensions",
                "Boot HART PMP Count", "Boot HART MHPM Count", "Boot HART MIDELEG",
                "Boot HART MEDELEG", "Boot HART Priv Version"]


def run_opensbi(emu, images, workdir, variant, timeout):
    payload = build_program(workdir, mmode=False)
    argv = [emu, "-M", "virt", "-smp", "1", "-m", "256M", "-nographic",
            "-bios", os.path.join(images, "opensbi-%s.bin" % variant), "-kernel", payload]
    with Console(os.path.basename(emu), argv, images, timeout) as c:
        c.expect(r"OpenSBI v1\.1")
        c.expect(r"Platform Name\s*: riscv-virtio,qemu")
        c.expect(r"Platform HART Count\s*: 1")
        c.expect(r"Boot HART Base ISA\s*: rv64\S+")
        m = c.expect(r"PAYLOAD hart=(\S+) fdt=(\S+)\s*\n.*(PAYLOAD-\w+)\r*\n")
        status = c.wait_exit()
    text = c.text()
    if m.group(3) != b"PAYLOAD-OK":
        raise TestFailure("payload: a1 does not point at a device tree")
    if status != 0:
        raise TestFailure("exit status %d after SBI shutdown, expected 0" % status)
    fields = {k: field(text, k) for k in OPENSBI_MUST_MATCH + OPENSBI_INFO}
    fields["payload"] = m.group(0).decode(errors="replace").split("\n")[0].strip()
    if fields["Domain0 Next Address"] != "0x0000000080200000":
        raise TestFailure("OpenSBI's next stage is %s, expected 0x80200000" %
                          fields["Domain0 Next Address"])
    return fields


UBOOT_MUST_MATCH = ["version", "DRAM bank", "-> start", "-> size", "baudrate", "Build",
                    "devicetree", "Model", "DRAM", "pci"]
UBOOT_INFO = ["relocaddr", "fdt_blob", "fdt_size", "flashstart"]


def uboot_poweroff(c):
    """At the U-Boot prompt: power off, which must end the emulator with status 0."""
    c.send("poweroff\r")
    status = c.wait_exit()
    if status != 0:
        raise TestFailure("exit status %d after U-Boot poweroff, expected 0" % status)


def run_uboot(emu, images, workdir, variant, timeout):
    argv = [emu, "-M", "virt", "-smp", "1", "-m", "256M", "-nographic"]
    if variant == "mmode":
        argv += ["-bios", os.path.join(images, "u-boot-qemu-riscv64.bin")]
    else:
        argv += ["-bios", os.path.join(images, "opensbi-fw_jump.bin"),
                 "-kernel", os.path.join(images, "u-boot-qemu-riscv64_smode.bin")]
    with Console(os.path.basename(emu), argv, images, timeout) as c:
        if variant == "smode":
            c.expect(r"OpenSBI v1\.1")
        c.expect(r"U-Boot 2023\.01\+dfsg-2\+deb12u3")
        c.expect(r"Hit any key to stop autoboot")
        c.send("\r")
        c.expect(r"=> ")
        c.send("version\r")
        version = c.expect(r"(U-Boot 2023\.01\S*) \(")
        c.expect(r"=> ")
        c.send("bdinfo\r")
        c.expect(r"fdt_blob\s*=")
        c.expect(r"=> ")
        # U-Boot's ECAM driver enumerates the PCIe host bridge
        c.send("pci\r")
        pci = c.expect(r"(00\.00\.00 +0x1b36 +0x0008 +[^\r\n]*?) *\r*\n")
        c.expect(r"=> ")
        uboot_poweroff(c)
    text = c.text()
    fields = {k: field(text, k) for k in UBOOT_MUST_MATCH + UBOOT_INFO}
    fields["version"] = version.group(1).decode()
    fields["pci"] = pci.group(1).decode()
    return fields


def run_uboot_linux(emu, images, workdir, variant, timeout):
    """OpenSBI -> U-Boot S-mode -> booti of -device loader images; reboot; poweroff."""
    initrd = os.path.join(images, "rv64-initramfs.cpio.gz")
    argv = [emu, "-M", "virt", "-smp", "1", "-m", "512M", "-nographic",
            "-bios", os.path.join(images, "opensbi-fw_jump.bin"),
            "-kernel", os.path.join(images, "u-boot-qemu-riscv64_smode.bin"),
            "-device", "loader,file=%s,addr=0x84000000" % os.path.join(images, "rv64-Image"),
            "-device", "loader,file=%s,addr=0x88000000" % initrd]
    with Console(os.path.basename(emu), argv, images, timeout) as c:
        c.expect(r"Hit any key to stop autoboot")
        c.send("\r")
        c.expect(r"=> ")
        c.send("setenv bootargs 'console=ttyS0'\r")
        c.expect(r"=> ")
        c.send("booti 0x84000000 0x88000000:%x $fdtcontroladdr\r" % os.path.getsize(initrd))
        linux = c.expect(r"(Linux version 6\.1\.\d+) ")
        c.expect(r"BOOT-OK")
        c.expect(r"/ # ")
        # typed input reaches the shell through the UART's interrupt
        c.send("echo answer=$((6*7))\r")
        c.expect(r"answer=42")
        c.expect(r"/ # ")
        # a guest reboot runs the boot ROM and reloaded firmware again
        c.send("reboot -f\r")
        c.expect(r"OpenSBI v1\.1")
        c.expect(r"Hit any key to stop autoboot")
        c.send("\r")
        c.expect(r"=> ")
        uboot_poweroff(c)
    return {"linux": linux.group(1).decode()}


def run_baremetal(emu, images, workdir, variant, timeout):
    # variant "elf": powers off (status 0); "exit-code": finisher FAIL with code 5
    expect_status = 5 if variant == "exit-code" else 0
    elf = build_program(workdir, mmode=True, exit_code=expect_status)
    argv = [emu, "-M", "virt", "-smp", "1", "-nographic", "-bios", "none", "-kernel", elf]
    with Console(os.path.basename(emu), argv, workdir, timeout) as c:
        m = c.expect(r"PAYLOAD hart=(\S+) fdt=(\S+)\s*\n.*(PAYLOAD-\w+)\r*\n")
        status = c.wait_exit()
    if m.group(3) != b"PAYLOAD-OK":
        raise TestFailure("bare-metal program: a1 does not point at a device tree")
    if status != expect_status:
        raise TestFailure("exit status %d, expected %d from the finisher" %
                          (status, expect_status))
    return {"payload": m.group(0).decode(errors="replace").split("\n")[0].strip(),
            "exit status": status}


# Nodes QEMU 7.2 has that Tern's virt does not build (yet).
DTB_NOT_BUILT = re.compile(r"^/(pmu|fw-cfg@|flash@|platform-bus@)")


def dtb_nodes(emu, workdir, extra):
    """dtb_nodes_of() the tree `emu` dumps with the extra options."""
    out = os.path.join(workdir, os.path.basename(emu) + ".dtb")
    argv = [emu, "-M", "virt,dumpdtb=" + out, "-nographic"] + extra
    print("$ " + " ".join(argv), flush=True)
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise TestFailure("%s: dumpdtb exited %d: %s" % (emu, r.returncode,
                                                          r.stderr.decode(errors="replace")))
    return dtb_nodes_of(out)


def dtb_nodes_of(dtb):
    """{node path: {property: value text}} of a dtb file, and its dts."""
    dts = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", dtb], capture_output=True,
                         check=True).stdout.decode()
    path, props = [], {}
    for line in dts.splitlines():
        line = line.strip()
        m = re.match(r"^([\w@,.\-+]+|/) \{$", line)
        if m:
            name = m.group(1)
            path.append("" if name == "/" else name)
            props["/".join(path) or "/"] = {}
            continue
        if line == "};":
            path.pop()
            continue
        m = re.match(r"^([\w,.#\-+]+)(?: = (.*))?;$", line)
        if m and path:
            props["/".join(path) or "/"][m.group(1)] = m.group(2)
    return props, dts


def check_dtb_option(tern, workdir, dtb):
    """-dtb FILE is used as is, apart from /chosen (bootargs, initrd)."""
    given, _ = dtb_nodes_of(dtb)
    os.makedirs(os.path.join(workdir, "dtb-option"), exist_ok=True)
    payload = build_program(workdir, mmode=False)
    got, _ = dtb_nodes(tern, os.path.join(workdir, "dtb-option"),
                       ["-dtb", dtb, "-bios", "none", "-kernel", payload,
                        "-append", "from -dtb"])
    if got.get("/chosen", {}).get("bootargs") != '"from -dtb"':
        raise TestFailure("-dtb: /chosen bootargs not set: %s" % got.get("/chosen"))
    got["/chosen"].pop("bootargs")
    given.get("/chosen", {}).pop("bootargs", None)
    if got != given:
        raise TestFailure("-dtb: the tree was changed beyond /chosen bootargs")
    print("-dtb %s is passed on as is, with bootargs added" % dtb)


def run_dtb(tern, qemu, workdir):
    if not shutil.which("dtc"):
        skip("dtc is not installed (Debian package device-tree-compiler)")
    initrd = os.path.join(workdir, "initrd")
    with open(initrd, "wb") as f:
        f.write(b"\0" * 1000)
    configs = [[], ["-smp", "2", "-m", "512M", "-bios", "none",
                    "-kernel", build_program(workdir, mmode=False), "-initrd", initrd,
                    "-append", "console=ttyS0 quiet"]]
    for extra in configs:
        tn, tdts = dtb_nodes(tern, workdir, extra)
        print(tdts)
        for required in ["/cpus/cpu@0/interrupt-controller", "/soc/plic@c000000",
                         "/soc/clint@2000000", "/soc/serial@10000000", "/soc/test@100000",
                         "/soc/rtc@101000", "/soc/pci@30000000", "/memory@80000000",
                         "/chosen", "/poweroff",
                         "/reboot"]:
            if required not in tn:
                raise TestFailure("tern's tree has no %s" % required)
        if not qemu:
            continue
        qn, _ = dtb_nodes(qemu, workdir, extra)
        qn = {k: v for k, v in qn.items() if not DTB_NOT_BUILT.match(k)}
        problems = []
        for node in sorted(set(qn) | set(tn)):
            if node not in tn:
                problems.append("missing node " + node)
            elif node not in qn:
                problems.append("extra node " + node)
            else:
                for prop in sorted(set(qn[node]) | set(tn[node])):
                    q, t = qn[node].get(prop), tn[node].get(prop)
                    if prop in ("rng-seed", "riscv,isa", "phandle", "interrupt-parent",
                                "interrupts-extended", "cpu", "regmap", "interrupt-map"):
                        # random, CPU model, or phandle numbering
                        if (q is None) != (t is None):
                            problems.append("%s: %s present in only one tree" % (node, prop))
                    elif q != t:
                        problems.append("%s: %s = %s (QEMU: %s)" % (node, prop, t, q))
        if problems:
            raise TestFailure("device tree differs from QEMU's (%s):\n  %s" %
                              (" ".join(extra) or "defaults", "\n  ".join(problems)))
        print("device tree matches QEMU's node set (%s)" % (" ".join(extra) or "defaults"))
    check_dtb_option(tern, workdir, os.path.join(workdir, os.path.basename(qemu or tern) + ".dtb"))


def compare(kind, tern_fields, qemu_fields, must_match):
    bad = []
    for k in sorted(tern_fields):
        t, q = tern_fields.get(k), qemu_fields.get(k)
        mark = "  " if t == q else ("!!" if k in must_match else "~ ")
        print("%s %-26s tern: %-40s qemu: %s" % (mark, k, t, q))
        if t != q and k in must_match:
            bad.append(k)
    if bad:
        raise TestFailure("%s: fields differ from QEMU's: %s" % (kind, ", ".join(bad)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tern", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--qemu", default=shutil.which("qemu-system-riscv64"),
                    help="QEMU to compare with ('' to skip the comparison)")
    ap.add_argument("kind", choices=["opensbi", "uboot", "uboot-linux", "baremetal", "dtb"])
    ap.add_argument("variant")
    args = ap.parse_args()

    if not os.access(args.tern, os.X_OK):
        skip("%s has not been built" % args.tern)
    images = os.environ.get("TERN_IMAGES") or os.path.join(args.source_root, "..",
                                                           "shared", "images")
    images = os.path.abspath(images)
    needed = {"opensbi": ["opensbi-%s.bin" % args.variant],
              "uboot": ["u-boot-qemu-riscv64.bin"] if args.variant == "mmode" else
                       ["opensbi-fw_jump.bin", "u-boot-qemu-riscv64_smode.bin"],
              "uboot-linux": ["opensbi-fw_jump.bin", "u-boot-qemu-riscv64_smode.bin",
                              "rv64-Image", "rv64-initramfs.cpio.gz"]}
    for f in needed.get(args.kind, []):
        if not os.path.isfile(os.path.join(images, f)):
            skip("test image %s not found in %s (set TERN_IMAGES)" % (f, images))

    with tempfile.TemporaryDirectory(prefix="tern-fw-") as workdir:
        try:
            if args.kind == "dtb":
                run_dtb(os.path.abspath(args.tern), args.qemu, workdir)
                print("PASS")
                return 0
            run = {"opensbi": run_opensbi, "uboot": run_uboot,
                   "uboot-linux": run_uboot_linux, "baremetal": run_baremetal}[args.kind]
            must = {"opensbi": OPENSBI_MUST_MATCH, "uboot": UBOOT_MUST_MATCH,
                    "uboot-linux": ["linux"],
                    "baremetal": ["payload", "exit status"]}[args.kind]
            tern_fields = run(os.path.abspath(args.tern), images, workdir, args.variant,
                              TIMEOUT_TERN)
            if args.qemu:
                qemu_fields = run(args.qemu, images, workdir, args.variant, TIMEOUT_QEMU)
                compare(args.kind, tern_fields, qemu_fields, must)
            else:
                print("qemu-system-riscv64 not found: no comparison")
        except TestFailure as e:
            print("FAIL: %s" % e)
            return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
