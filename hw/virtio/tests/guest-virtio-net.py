#!/usr/bin/env python3
"""Guest-level test of virtio-net on -netdev user (libslirp).

Boots the RISC-V Linux test image (shared/images, see its README) with
`-netdev user,hostfwd=... -device virtio-net-device,netdev=n0` plus an extra
initramfs holding a test script. Inside the guest: eth0 up, busybox udhcpc
gets 10.0.2.15, wget fetches a page from an HTTP server this test runs on
127.0.0.1 (the guest sees the host's loopback as 10.0.2.2), then busybox nc
listens on 8080 and the test connects to it through the host forward.
The same runs under -nic user,model=virtio-net-device, and with restrict=on,
where the fetch must fail while the forward still works. All traffic stays on
127.0.0.1.

Under QEMU (EMULATOR=qemu-system-riscv64) only the -netdev case runs: QEMU's
-nic does not plug virtio-net-device into virt's virtio-mmio slots.

usage: guest-virtio-net.py PATH/TO/tern-system-riscv64 [IMAGES_DIR]
       (also: EMULATOR=qemu-system-riscv64 to run the same under QEMU)
Exit 77 (skip) when the images are not there.
"""
import gzip
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

PAGE = b"tern-net-test-page 8f3e2a\n"
GUEST_REPLY = "hello-from-guest-nc"


def cpio_newc(files):
    """A newc cpio archive of {path: (mode, bytes)}."""
    out = bytearray()

    def entry(ino, name, mode, data):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        out.extend(hdr.encode() + name_b)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for i, (name, (mode, data)) in enumerate(sorted(files.items()), 1):
        entry(i, name, mode, data)
    entry(0, "TRAILER!!!", 0, b"")
    return bytes(out)


DHCP_SCRIPT = """#!/bin/sh
# udhcpc event script: configure eth0 with the lease
[ "$1" = bound ] || exit 0
ip addr add "$ip/$mask" dev "$interface"
ip route add default via "$router" dev "$interface"
echo "DHCP-BOUND ip=$ip router=$router dns=$dns"
"""

GUEST_SCRIPT = """#!/bin/sh
ip link set eth0 up || exit 1
echo "MAC $(cat /sys/class/net/eth0/address)"
udhcpc -i eth0 -q -n -t 5 -T 2 -s /bin/nt-dhcp || exit 2
if wget -q -T 5 -O - http://10.0.2.2:{http_port}/; then echo FETCH-OK; else echo FETCH-FAILED; fi
echo "NC-READY"
echo {reply} | timeout 60 nc -l -p 8080 || exit 4
"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_forward(port, deadline):
    """Connect to the guest's nc through the forward; return what it sent."""
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                c.sendall(b"hello-from-host\n")
                data = b""
                while GUEST_REPLY.encode() not in data:
                    chunk = c.recv(256)
                    if not chunk:
                        break
                    data += chunk
                if GUEST_REPLY.encode() in data:
                    return data
        except OSError:
            pass
        time.sleep(0.5)   # slirp accepts before the guest listens: try again
    return b""


def run_guest(emu, img, tmp, net_args, http_port, fwd_port):
    initrd = os.path.join(tmp, "initrd.cpio.gz")
    extra = cpio_newc({
        "bin/nt-dhcp": (0o100755, DHCP_SCRIPT.encode()),
        "bin/nettest": (0o100755, GUEST_SCRIPT.format(
            http_port=http_port, reply=GUEST_REPLY).encode()),
    })
    with open(os.path.join(img, "rv64-initramfs.cpio.gz"), "rb") as f:
        base = f.read()
    with open(initrd, "wb") as f:
        f.write(base + gzip.compress(extra))
    cmd = [emu, "-M", "virt", "-m", "512M", "-nographic",
           "-bios", os.path.join(img, "opensbi-fw_jump.bin"),
           "-kernel", os.path.join(img, "rv64-Image"), "-initrd", initrd,
           "-append", "console=ttyS0 run=/bin/nettest"] + net_args
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = []
    deadline = time.time() + 240
    reply = b""

    def reader():
        for line in proc.stdout:
            out.append(line.decode(errors="replace"))
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    while time.time() < deadline and proc.poll() is None:
        if any("NC-READY" in l for l in out) and not reply:
            reply = connect_forward(fwd_port, deadline)
            if not reply:
                break
        time.sleep(0.2)
    if proc.poll() is None:
        try:
            proc.wait(timeout=max(1, min(60, deadline - time.time())))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    t.join(timeout=5)
    return "".join(out), reply, proc.returncode


def main():
    emu = os.environ.get("EMULATOR") or sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    img = (sys.argv[2] if len(sys.argv) > 2 else os.environ.get("TERN_IMAGES")
           or os.path.join(here, "..", "..", "..", "..", "shared", "images"))
    if not os.path.isfile(os.path.join(img, "rv64-Image")):
        print("SKIP: guest images not found in %s (set TERN_IMAGES)" % img)
        return 77

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    http_port = server.server_address[1]
    failures = 0

    with tempfile.TemporaryDirectory() as tmp:
        qemu = os.path.basename(emu).startswith("qemu")
        for name in ("netdev", "restrict") if qemu else ("netdev", "nic", "restrict"):
            fwd_port = free_port()
            fwd = "hostfwd=tcp:127.0.0.1:%d-:8080" % fwd_port
            restricted = name == "restrict"
            if name != "nic":
                net_args = ["-netdev", "user,id=n0,%s%s" % ("restrict=on," if restricted
                                                             else "", fwd),
                            "-device", "virtio-net-device,netdev=n0"]
            else:
                net_args = ["-nic", "user,model=virtio-net-device,mac=52:54:00:aa:bb:cc," + fwd]
            console, reply, status = run_guest(emu, img, tmp, net_args, http_port, fwd_port)
            checks = [
                ("guest booted", "BOOT-OK" in console),
                ("MAC address", "MAC 52:54:00:" + ("aa:bb:cc" if name == "nic"
                                                    else "12:34:56") in console),
                # restrict=on: slirp offers no router and no DNS server (as QEMU)
                ("DHCP lease 10.0.2.15", "DHCP-BOUND ip=10.0.2.15 router=%s " %
                 ("" if restricted else "10.0.2.2") in console),
                ("page fetched from the host" if not restricted
                 else "restrict=on: no connection to the host",
                 (PAGE.decode().strip() in console and "FETCH-OK" in console)
                 != restricted and ("FETCH-FAILED" in console) == restricted),
                ("host forward reached the guest", GUEST_REPLY.encode() in reply),
                ("guest received the host's data", "hello-from-host" in console),
                ("guest script finished", "RUN-DONE rc=0" in console),
                ("emulator exit status 0", status == 0),
            ]
            for what, ok in checks:
                print("%s: %s: %s" % ("ok" if ok else "FAIL", name, what))
                failures += not ok
            if not all(ok for _, ok in checks):
                print("---- console (%s) ----\n%s" % (name, console[-4000:]))
    server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
