"""Shared by test_cli_system*.py: a small system tree (/proc files only) whose
every value the tests know, what ``mem`` and ``cpu`` print for it, a second
version of its counter files for rates, and ground truth from procps ``free``
and GNU ``df``.

The tree has no /proc/pressure (PSI unavailable), no /sys (no cpufreq, no
sensors, CPU count from /proc/stat), an interface whose name holds an ESC
sequence and a bidi override, and a mount table with a pseudo filesystem, a
mount point that does not exist under the root, an escaped mount point, and
two mounts on one mount point.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from cli_support import ok

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30

MEMINFO = b"""\
MemTotal:        8000000 kB
MemFree:         1000000 kB
MemAvailable:    5000000 kB
Buffers:          200000 kB
Cached:          2500000 kB
SwapCached:            0 kB
Active:          3000000 kB
Inactive:        2000000 kB
Shmem:            100000 kB
Slab:             400000 kB
SReclaimable:     300000 kB
SwapTotal:       2000000 kB
SwapFree:        1500000 kB
"""
VMSTAT = b"pgfault 5000\npgmajfault 50\npswpin 10\npswpout 20\n"

STAT = b"""\
cpu  100 0 50 800 10 5 5 0 0 0
cpu0 50 0 25 400 5 3 2 0 0 0
cpu1 50 0 25 400 5 2 3 0 0 0
intr 123456 1 2 3
ctxt 654321
btime 1700000000
processes 4242
procs_running 3
procs_blocked 1
softirq 777 1 2
"""
# 200 ticks later on each CPU: cpu0 spent 60 user, 20 system, 100 idle,
# 10 iowait, 5 irq, 5 softirq; cpu1 was idle throughout.
STAT_AFTER = b"""\
cpu  160 0 70 1100 20 10 10 0 0 0
cpu0 110 0 45 500 15 8 7 0 0 0
cpu1 50 0 25 600 5 2 3 0 0 0
intr 123999 1 2 3
ctxt 655000
btime 1700000000
processes 4250
procs_running 2
procs_blocked 0
softirq 800 1 2
"""
LOADAVG = b"0.50 1.25 2.00 3/456 7890\n"
UPTIME = b"93784.56 180000.00\n"  # 1 day, 02:03:04

DISKSTATS = b"""\
   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   8       0 sda 1000 10 20000 500 2000 20 40000 1500 0 1800 2000 0 0 0 0 0 0
   8       1 sda1 900 5 18000 450 1900 10 38000 1400 0 1700 1850 0 0 0 0 0 0
"""
# sda: +100 reads (2048 sectors, 200 ms), +50 writes (4096 sectors, 300 ms),
# busy 1000 ms; sda1 unchanged
DISKSTATS_AFTER = b"""\
   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   8       0 sda 1100 10 22048 700 2050 20 44096 1800 0 2800 2500 0 0 0 0 0 0
   8       1 sda1 900 5 18000 450 1900 10 38000 1400 0 1700 1850 0 0 0 0 0 0
"""

EVIL_IFACE = b"ev\x1b[31mil\xe2\x80\xae"
EVIL_IFACE_SHOWN = r"ev\x1b[31mil\u202e"
_NETDEV_HEAD = (
    b"Inter-|   Receive                                                |  Transmit\n"
    b" face |bytes    packets errs drop fifo frame compressed multicast|"
    b"bytes    packets errs drop fifo colls carrier compressed\n"
)
NETDEV = _NETDEV_HEAD + (
    b"    lo:    1000      10    0    0    0     0          0         0"
    b"     1000      10    0    0    0     0       0          0\n"
    b"  eth0: 123456789  1000    1    2    0     0          0         0"
    b"   987654     900    3    4    0     0       0          0\n"
    b"%s:       5       1    0    0    0     0          0         0"
    b"        6       1    0    0    0     0       0          0\n" % EVIL_IFACE
)
# eth0: +2048 bytes and +20 packets received, +4096 bytes and +10 packets sent
NETDEV_AFTER = NETDEV.replace(b"123456789  1000", b"123458837  1020").replace(
    b"   987654     900", b"   991750     910"
)

MOUNTS_EVIL_DEVICE = "/dev/ev\x1b[2Jil"
MOUNTINFO = (
    b"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    b"27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
    b"30 27 8:2 / /data rw,relatime - xfs /dev/sda2 rw\n"
    b"31 27 0:40 / /gone rw,relatime - tmpfs tmpfs rw\n"
    b"32 27 0:41 / /mnt/with\\040space\\011tab rw,relatime - tmpfs scratch rw\n"
    b"33 30 8:3 / /data rw,relatime - ext4 " + MOUNTS_EVIL_DEVICE.encode() + b" rw\n"
)
# what the mount table above shows (the first /data hidden by the second,
# which keeps the first's place; /proc is a pseudo filesystem; /gone does
# not exist under the root)
SHOWN_MOUNTS = [
    ("/dev/sda1", "ext4", "/"),
    (MOUNTS_EVIL_DEVICE, "ext4", "/data"),
    ("scratch", "tmpfs", "/mnt/with space\ttab"),
]
SHOWN_MOUNTS_TEXT = [
    ("/dev/sda1", "ext4", "/"),
    ("/dev/ev\\x1b[2Jil", "ext4", "/data"),
    ("scratch", "tmpfs", "/mnt/with space\\ttab"),
]

FILES = {
    "proc/meminfo": MEMINFO,
    "proc/vmstat": VMSTAT,
    "proc/stat": STAT,
    "proc/loadavg": LOADAVG,
    "proc/uptime": UPTIME,
    "proc/diskstats": DISKSTATS,
    "proc/net/dev": NETDEV,
    "proc/self/mountinfo": MOUNTINFO,
}
AFTER = {
    "proc/stat": STAT_AFTER,
    "proc/diskstats": DISKSTATS_AFTER,
    "proc/net/dev": NETDEV_AFTER,
}


def write_tree(root: Path) -> Path:
    for rel, data in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "data").mkdir(exist_ok=True)
    (root / "mnt" / "with space\ttab").mkdir(parents=True, exist_ok=True)
    return root


def advance(root: Path) -> None:
    """Replace the counter files by their later version, each atomically."""
    for rel, data in AFTER.items():
        tmp = root / (rel + ".new")
        tmp.write_bytes(data)
        os.replace(tmp, root / rel)


# --------------------------------------------------------------------------
# what the commands print for the tree

MEM_DEFAULT = """\
               total        used        free      shared  buff/cache   available
Mem:         8000000     3000000     1000000      100000     3000000     5000000
Swap:        2000000      500000     1500000
"""

CPU_SUMMARY = """\
CPUs:            2 online, 2 effective (no cgroup limit)
Load average:    0.50 1.25 2.00
Tasks:           456 total, {running} running, {blocked} blocked
Uptime:          1 day, 02:03:04 (booted 2023-11-14 22:13:20)
Since boot:      {ctxt} context switches, {intr} interrupts, {softirq} soft interrupts, \
{forks} forks
Pressure cpu:    unavailable
Pressure memory: unavailable
Pressure io:     unavailable
"""
CPU_BEFORE = CPU_SUMMARY.format(running=3, blocked=1, ctxt=654321, intr=123456, softirq=777,
                                forks=4242)
CPU_AFTER = CPU_SUMMARY.format(running=2, blocked=0, ctxt=655000, intr=123999, softirq=800,
                               forks=4250)


def json_of(*args: str, env: dict[str, str] | None = None) -> dict:
    out = ok(*args, "--json", env=env)
    assert out.isascii() and out.count("\n") == 1
    return json.loads(out)


# --------------------------------------------------------------------------
# ground truth from procps free and GNU df


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def free_bytes() -> dict[str, list[int]]:
    """``free -b -w``: {"Mem:": [total, used, free, shared, buffers, cache,
    available], "Swap:": [total, used, free]}."""
    out = subprocess.run(["free", "-b", "-w"], capture_output=True, check=True, text=True)
    rows: dict[str, list[int]] = {}
    for line in out.stdout.splitlines()[1:]:
        label, *values = line.split()
        rows[label] = [int(v) for v in values]
    return rows


DF_FIELDS = "source,size,used,avail,pcent,itotal,iused,iavail,ipcent,target"


def df_rows() -> dict[str, list[str]]:
    """``df -B1 --output=...`` rows by mount point (mount points with a
    blank in them are left out: the columns split on blanks)."""
    out = subprocess.run(["df", "-B1", f"--output={DF_FIELDS}"], capture_output=True,
                         text=True, check=False)
    rows: dict[str, list[str]] = {}
    for line in out.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) == 10:
            rows[parts[9]] = parts
    return rows


# --------------------------------------------------------------------------
# a running command and loopback traffic


def read_until(stream: IO[bytes], done: Callable[[bytes], bool], timeout: float = 60.0) -> bytes:
    """Bytes read from ``stream`` until ``done(all so far)`` or EOF; an
    AssertionError after ``timeout`` seconds (a setup failure, not a timing
    check on the command)."""
    fd = stream.fileno()
    got = b""
    deadline = time.monotonic() + timeout
    while not done(got):
        left = deadline - time.monotonic()
        assert left > 0, f"no complete output in {timeout} s: {got[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        got += chunk
    return got


class LoopbackTraffic:
    """A TCP connection over 127.0.0.1 whose sender writes ``chunk`` bytes
    every ``pause`` seconds until stopped; ``sent`` counts what the receiver
    got."""

    def __init__(self, chunk: int = 1 << 20, pause: float = 0.01) -> None:
        self.chunk, self.pause = chunk, pause
        self.sent = 0
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        port = self._server.getsockname()[1]
        self._client = socket.create_connection(("127.0.0.1", port))
        self._conn, _ = self._server.accept()
        self._threads = [threading.Thread(target=self._send, daemon=True),
                         threading.Thread(target=self._receive, daemon=True)]

    def _send(self) -> None:
        data = b"x" * self.chunk
        try:
            while not self._stop.is_set():
                self._client.sendall(data)
                time.sleep(self.pause)
        except OSError:
            pass
        finally:
            self._client.close()

    def _receive(self) -> None:
        while True:
            data = self._conn.recv(1 << 16)
            if not data:
                break
            self.sent += len(data)

    def send_once(self, n: int) -> None:
        """Send ``n`` bytes and wait until they were received."""
        want = self.sent + n
        self._client.sendall(b"y" * n)
        deadline = time.monotonic() + 30
        while self.sent < want:
            assert time.monotonic() < deadline, "loopback data not received"
            time.sleep(0.01)

    def start(self, *, continuous: bool = True) -> LoopbackTraffic:
        """Start receiving; and sending all the time unless not ``continuous``
        (then only :meth:`send_once` sends)."""
        self._threads[1].start()
        if continuous:
            self._threads[0].start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._threads[0].is_alive():
            self._threads[0].join(timeout=30)
        else:
            self._client.close()
        self._threads[1].join(timeout=30)
        self._conn.close()
        self._server.close()
