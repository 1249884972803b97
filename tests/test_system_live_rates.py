"""Live rates under load the test makes (loopback traffic, fsync'ed writes, a
busy CPU, an interface made again in a private network namespace), checked
against the kernel's counters as the test read them just inside and just
outside the two samples.  Every test runs on both backends.  No assertion is
on a duration.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import system_live_support as gt
from system_live_child_support import BUSY_CHILD, RECREATED_IF_CHILD, loopback_traffic, write_fsync
from system_live_support import MiB

import sysmon

# --------------------------------------------------------------------------
# rates under load the test makes


def test_first_sample_has_no_rates(backend: str) -> None:
    s = sysmon.SystemSampler(usage=False).sample()
    assert s.interval is None and s.cpu_percent is None
    assert set(s.percpu) == gt.sys_cpus("online")
    assert all(v is None for v in s.percpu.values())
    assert set(s.disk) == set(gt.read_diskstats()) and all(v is None for v in s.disk.values())
    assert set(s.net) == set(gt.read_netdev()) and all(v is None for v in s.net.values())
    assert s.snapshot.disk_usage == {}


def _span(s1: sysmon.SystemSample, s2: sysmon.SystemSample) -> float:
    dt = s2.interval
    assert dt is not None and dt > 0
    assert dt == s2.snapshot.timestamp - s1.snapshot.timestamp
    return dt


def _count(rate: float, dt: float, inner: int, outer: int, what: str) -> float:
    """rate * dt back to a count, checked against the kernel's counter as
    the test read it just inside and just outside the two samples: the
    delta sysmon saw lies between (rate * dt loses nothing but float
    rounding: 1e-9 relative)."""
    n = rate * dt
    eps = 1e-9 * max(outer, 1)
    assert inner - eps <= n <= outer + eps, f"{what}: {n} not in [{inner}, {outer}]"
    return n


NET_BYTES = 20 * MiB


def test_loopback_traffic_rate(backend: str) -> None:
    sampler = sysmon.SystemSampler(usage=False)
    a = gt.read_netdev()["lo"]
    s1 = sampler.sample()
    b = gt.read_netdev()["lo"]
    assert loopback_traffic(NET_BYTES) == NET_BYTES
    c = gt.read_netdev()["lo"]
    s2 = sampler.sample()
    d = gt.read_netdev()["lo"]
    dt = _span(s1, s2)
    rate = s2.net["lo"]
    assert s1.net["lo"] is None and rate is not None
    # rx and tx: /proc/net/dev columns 0 and 8 (bytes), 1 and 9 (packets).
    # Over loopback every byte sent is also received: both directions saw
    # the 20 MiB of payload (plus headers, plus whatever else used lo).
    rx = _count(rate.rx_bytes_per_s, dt, c[0] - b[0], d[0] - a[0], "lo rx bytes")
    tx = _count(rate.tx_bytes_per_s, dt, c[8] - b[8], d[8] - a[8], "lo tx bytes")
    assert rx >= NET_BYTES and tx >= NET_BYTES
    _count(rate.rx_packets_per_s, dt, c[1] - b[1], d[1] - a[1], "lo rx packets")
    _count(rate.tx_packets_per_s, dt, c[9] - b[9], d[9] - a[9], "lo tx packets")
    assert rate.rx_errors_per_s >= 0 and rate.tx_drops_per_s >= 0
    # every interface present in both samples has a rate
    assert all(s2.net[n] is not None for n in s1.net if n in s2.net)


DISK_BYTES = 64 * gt.MiB


def test_fsync_writes_show_on_the_root_device(backend: str, tmp_path: Path) -> None:
    root = [m for m in sysmon.mounts() if m.mountpoint == "/"][-1]
    dev = next((n for n, d in sysmon.disk_io().items()
                if (d.major, d.minor) == (root.major, root.minor)), None)
    if dev is None:
        pytest.skip(f"/ ({root.device}, {root.major}:{root.minor}) is not a device "
                    "listed in /proc/diskstats")
    if gt.block_device_of(tmp_path) != dev:
        pytest.skip(f"{tmp_path} is not on the root filesystem's device {dev}")
    target = os.path.join(tmp_path, "sysmon-write-test")
    sampler = sysmon.SystemSampler(usage=False)
    try:
        a = gt.read_diskstats()[dev][2]
        s1 = sampler.sample()
        b = gt.read_diskstats()[dev][2]
        write_fsync(target, DISK_BYTES)  # type: ignore[arg-type]
        c = gt.read_diskstats()[dev][2]
        s2 = sampler.sample()
        d = gt.read_diskstats()[dev][2]
    finally:
        if os.path.exists(target):
            os.unlink(target)
    dt = _span(s1, s2)
    rate = s2.disk[dev]
    assert s1.disk[dev] is None and rate is not None
    # sectors written: /proc/diskstats column 6, 512-byte units
    w = _count(rate.write_bytes_per_s, dt, (c[6] - b[6]) * 512, (d[6] - a[6]) * 512,
               f"{dev} written bytes")
    # fsync returns once the data is on the device, so all of it was
    # written inside the interval.  0.9: a filesystem that compresses or
    # deduplicates blocks may write less than the payload (ext4 writes
    # the payload plus its journal).
    assert w >= DISK_BYTES * 0.9, f"{dev}: {w} bytes written, expected >= {DISK_BYTES * 0.9}"
    _count(rate.write_iops, dt, c[4] - b[4], d[4] - a[4], f"{dev} writes")
    assert rate.write_iops > 0
    assert 0.0 <= rate.util_percent <= 100.0
    assert rate.write_await is not None and rate.write_await >= 0


def test_busy_child_pinned_to_cpu0_shows_on_cpu0(backend: str) -> None:
    if 0 not in gt.sys_cpus("online") or 0 not in os.sched_getaffinity(0):
        pytest.skip("CPU 0 is not online or not in our affinity mask")
    sampler = sysmon.SystemSampler(usage=False)
    p = subprocess.Popen([sys.executable, "-c", BUSY_CHILD], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=gt.child_env())
    try:
        assert p.stdin is not None and p.stdout is not None
        assert p.stdout.readline().strip() == "[0]"  # pinned to CPU 0
        s1 = sampler.sample()
        p.stdin.write("go\n")
        p.stdin.flush()
        used = float(p.stdout.readline())
        s2 = sampler.sample()
    finally:
        if p.poll() is None:
            p.kill()
        p.wait(30)
        for stream in (p.stdin, p.stdout):
            if stream is not None:
                stream.close()
    assert used >= 0.5
    _span(s1, s2)
    pct = s2.percpu[0]
    assert pct is not None and s2.cpu_percent is not None
    # The child spins from just after the first sample to just before the
    # second; a CPU is not idle while a task pinned to it can run, and on
    # a loaded machine other tasks only add busy time.  What is idle is
    # the handshake around the spin (pipe writes, wake-ups): a few ms of
    # >= 500 ms.  So > 50 is a very generous floor, no timing involved.
    assert pct.busy > 50, pct
    modes = (pct.user, pct.nice, pct.system, pct.idle, pct.iowait, pct.irq, pct.softirq,
             pct.steal)
    assert sum(m or 0.0 for m in modes) == pytest.approx(100.0, abs=1e-9)
    assert pct.busy == pytest.approx(100.0 - pct.idle - (pct.iowait or 0.0), abs=1e-9)
    assert 0.0 <= s2.cpu_percent.busy <= 100.0


@pytest.mark.skipif(os.geteuid() != 0, reason="a network namespace needs root")
@pytest.mark.parametrize("sent", [100_000, 5 << 29], ids=["100kB", "2.5GiB"])
def test_recreated_interface_is_not_a_counter_wrap(backend: str, sent: int) -> None:
    """Design: rates survive devices that come and go.  A veth made again
    under the same name (in the child's own network namespace) is a new
    device whose counters start from 0: its rate is None, or at most what
    the new device really did, never a made-up wrap.  2.5 GiB puts the old
    byte counter in the top half of 2**32, where a real 32-bit wrap could
    come from."""
    cp = gt.run_python(RECREATED_IF_CHILD, backend, str(sent), prefix=("unshare", "--net"))
    if cp.returncode != 0 and "unshare" in cp.stderr:
        pytest.skip(f"unshare --net is not permitted here: {cp.stderr.strip()}")
    out = gt.json_out(cp)
    assert out["old_tx"] >= sent > out["new_tx"] >= 1000  # precondition
    rate, dt = out["rate"], out["interval"]
    if rate is not None:
        assert rate["tx_bytes_per_s"] * dt <= out["new_tx"], rate
        assert rate["tx_packets_per_s"] * dt <= out["new_tx_packets"], rate
