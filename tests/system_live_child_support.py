"""What the live system-metrics tests (test_system_live*.py) set up: load the
tests then look for (loopback traffic, fsync'ed writes, a busy child pinned to
one CPU), a temporary cgroup with a CPU quota, and the code run in child
pythons.  Nothing here asserts on sysmon; ground truth is in
system_live_support.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from system_live_support import MiB, v1_mount_of

# --------------------------------------------------------------------------
# making load


def loopback_traffic(nbytes: int) -> int:
    """Send ``nbytes`` over a TCP connection on 127.0.0.1 and wait until the
    receiver has read all of it.  Returns the number of bytes received."""
    received = 0
    with socket.create_server(("127.0.0.1", 0)) as srv:
        port = srv.getsockname()[1]

        def receive() -> None:
            nonlocal received
            conn, _ = srv.accept()
            with conn:
                while chunk := conn.recv(1 << 16):
                    received += len(chunk)

        t = threading.Thread(target=receive, daemon=True)
        t.start()
        block = os.urandom(MiB)
        with socket.create_connection(("127.0.0.1", port)) as cli:
            sent = 0
            while sent < nbytes:
                n = min(len(block), nbytes - sent)
                cli.sendall(block[:n])
                sent += n
        t.join(60)
        assert not t.is_alive(), "receiver did not finish"
    return received


def write_fsync(path: Path, nbytes: int) -> None:
    """Write ``nbytes`` of random data to ``path`` and fsync it: the data must
    reach the block device before this returns."""
    block = os.urandom(MiB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        left = nbytes
        while left:
            left -= os.write(fd, block[:min(left, len(block))])
        os.fsync(fd)
    finally:
        os.close(fd)


# A child that pins itself to CPU 0, says "ready", waits for "go", then
# burns 0.5 s of its own CPU time (process time, not wall time: the work
# is the same on a loaded machine) and says how much it used.
BUSY_CHILD = r"""
import os, sys, time
os.sched_setaffinity(0, {0})
print(sorted(os.sched_getaffinity(0)), flush=True)
sys.stdin.readline()
t0 = time.process_time()
while time.process_time() - t0 < 0.5:
    pass
print(time.process_time() - t0, flush=True)
sys.stdin.readline()
"""


# --------------------------------------------------------------------------
# a temporary cgroup with a CPU quota


class QuotaCgroup(NamedTuple):
    version: int  # 1 or 2
    outer: Path  # carries the quota
    inner: Path  # the child moves here (no quota of its own)


def _v1_cpu_dir() -> Path | None:
    mnt = v1_mount_of("cpu")
    if mnt is None or not os.access(mnt, os.W_OK):
        return None
    return Path(mnt)


def _v2_cpu_dir() -> Path | None:
    base = Path("/sys/fs/cgroup")
    try:
        ctl = (base / "cgroup.controllers").read_text().split()
    except OSError:
        return None
    return base if "cpu" in ctl and os.access(base, os.W_OK) else None


@contextlib.contextmanager
def quota_cgroup(quota_us: int, period_us: int = 100_000) -> Iterator[QuotaCgroup]:
    """sysmon-test-<pid>/inner under the cgroup v1 cpu hierarchy (else the
    v2 root with the cpu controller), the quota set on the outer directory.
    Both are removed afterwards; the caller must have ended (and reaped)
    every process it moved in.  Raises OSError when neither is writable."""
    v1 = _v1_cpu_dir()
    base = v1 or _v2_cpu_dir()
    if base is None:
        raise OSError(errno.EACCES, "no writable cgroup with a cpu controller")
    outer = base / f"sysmon-test-{os.getpid()}"
    inner = outer / "inner"
    outer.mkdir()
    try:
        if v1 is not None:
            (outer / "cpu.cfs_period_us").write_text(str(period_us))
            (outer / "cpu.cfs_quota_us").write_text(str(quota_us))
        else:
            (outer / "cpu.max").write_text(f"{quota_us} {period_us}")
            (outer / "cgroup.subtree_control").write_text("+cpu")
        inner.mkdir()
        try:
            yield QuotaCgroup(1 if v1 is not None else 2, outer, inner)
        finally:
            _rmdir(inner)
    finally:
        _rmdir(outer)


def _rmdir(d: Path) -> None:
    # A task that has exited may take a moment to leave the cgroup (EBUSY).
    deadline = time.monotonic() + 10
    while True:
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as e:
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# --------------------------------------------------------------------------
# code run in child pythons (argv after -c: see each)

# argv: <cgroup dir to join> <backend>.  Joins the cgroup, then reports
# what sysmon and nproc say from inside it.
QUOTA_CHILD = r"""
import json, os, subprocess, sys
import sysmon
sysmon.set_backend(sys.argv[2])
with open(os.path.join(sys.argv[1], "cgroup.procs"), "w") as f:
    f.write(str(os.getpid()))
lim = sysmon.cpu_limits()
n = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout
with open("/proc/self/cgroup") as f:
    cg = f.read()
print(json.dumps({"limits": lim._asdict(), "effective": sysmon.cpu_count("effective"),
                  "nproc": int(n), "cgroup": cg}))
"""

# argv: <backend> <path inside a 0700 root directory>.  Imports sysmon as
# root (the package need not be readable by nobody), drops to nobody, then
# calls every system reader and reports results or exception names.
NOBODY_CHILD = r"""
import json, os, sys
import sysmon
sysmon.set_backend(sys.argv[1])
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
calls = {
    "memory": lambda: sysmon.memory().total,
    "swap": lambda: sysmon.swap().total,
    "meminfo": lambda: sorted(sysmon.meminfo()),
    "vm_events": lambda: sysmon.vm_events().page_faults is not None,
    "cpu_times": lambda: sorted(sysmon.cpu_times(percpu=True)),
    "cpu_stats": lambda: sysmon.cpu_stats().boot_time,
    "cpu_limits": lambda: sysmon.cpu_limits()._asdict(),
    "loadavg": lambda: sysmon.loadavg().total > 0,
    "uptime": lambda: sysmon.uptime().seconds > 0,
    "pressure": lambda: {k: v is not None for k, v in sysmon.pressure().items()},
    "mounts": lambda: [m.mountpoint for m in sysmon.mounts()],
    "disk_io": lambda: sorted(sysmon.disk_io()),
    "net_io": lambda: sorted(sysmon.net_io()),
    "disk_usage_root": lambda: sysmon.disk_usage("/").total,
    "snapshot": lambda: sorted(sysmon.snapshot().disk_usage),
}
out = {"uid": [os.getuid(), os.geteuid()]}
for name, fn in calls.items():
    try:
        out[name] = ["ok", fn()]
    except Exception as e:
        out[name] = [type(e).__name__, str(e)]
try:
    sysmon.disk_usage(sys.argv[2])
    out["denied"] = ["no error", ""]
except sysmon.SysmonError as e:
    out["denied"] = [type(e).__name__, str(e)]
print(json.dumps(out))
"""

# argv: <empty directory> <backend>.  Run under `unshare --mount
# --propagation private`: mounts a tmpfs of known size, named "sysmon test",
# on the directory
# (only this child's mount namespace sees it; it goes away with the
# child), and reports disk_usage and df on it empty and with one 1 MiB file.
TMPFS_CHILD = r"""
import json, os, subprocess, sys
import sysmon
d = sys.argv[1]
sysmon.set_backend(sys.argv[2])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,nr_inodes=1000", "sysmon test", d],
               check=True)
cols = "size,used,avail,pcent,itotal,iused,iavail,ipcent"
def df():
    r = subprocess.run(["df", "-B1", "--output=" + cols, d], capture_output=True,
                       text=True, check=True)
    return r.stdout.splitlines()[1].split()
out = {"empty": list(sysmon.disk_usage(d)), "df_empty": df()}
with open(os.path.join(d, "f"), "wb") as f:
    f.write(b"x" * (1 << 20))
out["one_mib"] = list(sysmon.disk_usage(d))
out["df_one_mib"] = df()
st = os.stat(d)
out["dev"] = [os.major(st.st_dev), os.minor(st.st_dev)]
out["mounts"] = [m._asdict() for m in sysmon.mounts() if m.mountpoint == d]
with open("/proc/self/mountinfo", "rb") as f:
    out["raw"] = [x.decode() for x in f.read().split(b"\n") if b" sysmon\\040test " in x]
print(json.dumps(out))
"""


# argv: <backend> <bytes>.  Run under `unshare --net` (a private network
# namespace: the machine's interfaces are untouched and everything goes with
# the child).  Makes a veth pair, sends <bytes> in raw frames out of sm0,
# samples, deletes sm0 and makes it again (a new device, counters from 0),
# sends one frame, samples again, and reports what the sampler says of sm0.
RECREATED_IF_CHILD = r"""
import json, socket, subprocess, sys, time
import sysmon
sysmon.set_backend(sys.argv[1])
def ip(*a):
    subprocess.run(["ip", *a], check=True, capture_output=True)
def make():
    ip("link", "add", "sm0", "mtu", "65000", "type", "veth", "peer", "name", "sm1",
       "mtu", "65000")
    ip("link", "set", "sm0", "up")
    ip("link", "set", "sm1", "up")
    # The kernel activates the queue (linkwatch) a moment after the carrier
    # comes up; frames sent before are dropped, not counted as sent.
    # (/sys is the host's here: ask ip in this namespace.)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out = subprocess.run(["ip", "-o", "link", "show", "sm0"], check=True,
                             capture_output=True, text=True).stdout
        if " state UP " in out and " qdisc noop " not in out:  # noop: not activated yet
            break
        time.sleep(0.005)
def send(nbytes):
    # broadcast frames with an experimental ethertype: no protocol answers
    frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(64000 - 14)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind(("sm0", 0))
        sent = 0
        while sent < nbytes:
            sent += s.send(frame[:max(60, min(len(frame), nbytes - sent))])
make()
send(int(sys.argv[2]))
sampler = sysmon.SystemSampler(usage=False)
sampler.sample()
old = sysmon.net_io()["sm0"]
ip("link", "del", "sm0")
make()
send(1000)
s2 = sampler.sample()
new = sysmon.net_io()["sm0"]
r = s2.net["sm0"]
print(json.dumps({"old_tx": old.tx_bytes, "new_tx": new.tx_bytes,
                  "new_tx_packets": new.tx_packets, "interval": s2.interval,
                  "rate": None if r is None else r._asdict()}))
"""


# argv: <empty directory> <backend>.  Run under `unshare --mount
# --propagation private`: mounts a tmpfs whose source is the empty string
# on the directory (the kernel prints the source as an empty field:
# "- tmpfs  rw,...") and reports what sysmon, `sysmon disk --json` and df say
# of it.  The mount goes away with the child's namespace.
EMPTY_SOURCE_CHILD = r"""
import json, subprocess, sys
import sysmon
d, backend = sys.argv[1], sys.argv[2]
sysmon.set_backend(backend)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "", d], check=True)
def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout
with open("/proc/self/mountinfo", "rb") as f:
    raw = [x.decode() for x in f.read().split(b"\n") if (" " + d + " ").encode() in x]
df = run("df", "--output=source,fstype,target", d).splitlines()[1]
cli = json.loads(run(sys.executable, "-m", "sysmon.cli", "disk", "--json", "--backend", backend))
snap = sysmon.SystemSampler(usage=False).sample().snapshot
print(json.dumps({
    "raw": raw,
    "df_source": df[: df.index(" tmpfs ")].strip(), "df_rest": df.split(),
    "mounts": [[m.device, m.fstype] for m in sysmon.mounts() if m.mountpoint == d],
    "sampler": [m.device for m in snap.mounts if m.mountpoint == d],
    "cli": [f["mount"]["device"] for f in cli["filesystems"] if f["mount"]["mountpoint"] == d],
}))
"""


# argv: <backend>.  Run under `unshare --net` (a private network namespace:
# the machine's interfaces are untouched and everything goes with the
# child).  Makes an interface named "x|y" (ifb, or dummy where the kernel
# has no ifb), sends 3 raw frames on it, and reports its counters as
# `ip -s` shows them and as sysmon, the sampler and `sysmon net --json` do.
BAR_IFNAME_CHILD = r"""
import json, socket, subprocess, sys, time
import sysmon
backend = sys.argv[1]
sysmon.set_backend(backend)
name = "x|y"
kinds = [k for k in ("ifb", "dummy")
         if subprocess.run(["ip", "link", "add", name, "type", k],
                           capture_output=True).returncode == 0]
if not kinds:
    print(json.dumps({"skip": "the kernel makes neither ifb nor dummy links"}))
    sys.exit(0)
def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout
run("ip", "link", "set", name, "up")
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(100)
with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
    s.bind((name, 0))
    for _ in range(3):
        s.send(frame)
def ip_stats():
    st = json.loads(run("ip", "-j", "-s", "link", "show", "dev", name))[0]["stats64"]
    return [st["rx"]["bytes"], st["rx"]["packets"], st["tx"]["bytes"], st["tx"]["packets"]]
for _ in range(100):  # until the counters hold still around our reads
    before = ip_stats()
    io = sysmon.net_io()
    snap = sysmon.SystemSampler(usage=False).sample().snapshot
    cli = json.loads(run(sys.executable, "-m", "sysmon.cli", "net", "--json", "--backend",
                         backend))["net_io"]
    if ip_stats() == before:
        break
    time.sleep(0.05)
def four(n):
    return [n["rx_bytes"], n["rx_packets"], n["tx_bytes"], n["tx_packets"]]
print(json.dumps({
    "kind": kinds[0], "ip": before, "names": sorted(io),
    "net_io": four(io[name]._asdict()) if name in io else None,
    "sampler": four(snap.net_io[name]._asdict()) if name in snap.net_io else None,
    "cli": four(cli[name]) if name in cli else None,
}))
"""
