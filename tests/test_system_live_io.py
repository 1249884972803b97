"""Live tests of mounts, disk usage and the disk and interface counters against
ground truth on the running machine: the kernel's own files read by the
test's small parsers (tests/system_live_support.py), ``df``, ``ip`` and
psutil.  Every test runs on both backends.  Tolerances as in
test_system_live.py: counters that only grow are sandwiched, exact; a
tolerance only where a value moves both ways while a separate tool runs,
stated next to the assertion.  No assertion is on a duration.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import psutil
import pytest
import system_live_support as gt
from system_live_support import retry_stable, within

import sysmon

# --------------------------------------------------------------------------
# mounts and disk usage


def test_mounts_vs_mountinfo(backend: str) -> None:
    truth, got = retry_stable(gt.read_mountinfo, sysmon.mounts, what="mountinfo")
    assert len(got) == len(truth)
    for m, want in zip(got, truth):
        assert m._asdict() == want
        assert isinstance(m.mount_id, int) and isinstance(m.readonly, bool)


def test_mounts_vs_psutil(backend: str) -> None:
    # psutil reads /proc/self/mounts (via /etc/mtab): the same mounts in
    # the same order, with the same escapes decoded.
    truth, got = retry_stable(lambda: psutil.disk_partitions(all=True), sysmon.mounts,
                              what="psutil mounts")
    assert [m.mountpoint for m in got] == [p.mountpoint for p in truth]
    assert [m.fstype for m in got] == [p.fstype for p in truth]
    # psutil spells the source "none" as "" and resolves /dev/root
    for m, p in zip(got, truth):
        if p.device and m.device not in ("none", "/dev/root", "rootfs"):
            assert m.device == p.device, (m.mountpoint, m.device, p.device)


def _df_matches(u: sysmon.DiskUsage, row: dict[str, int | None]) -> list[str]:
    want = {
        "total": row["size"], "used": row["used"], "available": row["avail"],
        "inodes_total": row["itotal"], "inodes_used": row["iused"],
        # df's IFree column is f_ffree (on Linux f_favail is the same)
        "inodes_free": row["iavail"],
    }
    bad = [f"{k}: got {getattr(u, k)}, df {v}" for k, v in want.items() if getattr(u, k) != v]
    # df's Use% is used / (used + avail), rounded up; "-" when both are 0
    for attr, col in (("percent", "pcent"), ("inodes_percent", "ipcent")):
        pct = getattr(u, attr)
        df_pct = row[col]
        if df_pct is None:
            if pct != 0.0:
                bad.append(f"{attr}: got {pct}, df '-'")
        elif math.ceil(pct) != df_pct:
            bad.append(f"{attr}: got {pct} (rounds up to {math.ceil(pct)}), df {df_pct}%")
    return bad


def test_disk_usage_of_every_mount_vs_df(backend: str) -> None:
    """disk_usage(p) for every mount point against ``df -B1``.  Exact:
    each mount is compared on a round where statvfs did not change across
    the df run and the sysmon call (a busy root filesystem can take a few
    rounds)."""
    pending = list(dict.fromkeys(m["mountpoint"] for m in gt.read_mountinfo()))
    pending = [p for p in pending if os.path.exists(p)]
    assert "/" in pending
    for _ in range(20):
        before = {p: os.statvfs(p) for p in pending}
        got = {p: sysmon.disk_usage(p) for p in pending}
        df = gt.df_b(pending)
        after = {p: os.statvfs(p) for p in pending}
        still = []
        for p in pending:
            if before[p] != after[p]:
                still.append(p)
                continue
            assert p in df, f"df printed no line for {p}: {sorted(df)}"
            bad = _df_matches(got[p], df[p])
            assert not bad, f"{p}: {bad}"
            st = before[p]
            assert got[p].free == st.f_bfree * st.f_frsize
            assert got[p].inodes_available == st.f_favail
        pending = still
        if not pending:
            break
        time.sleep(0.05)
    # Never still over 20 rounds (a filesystem being written the whole
    # time): tolerance 1% of its size for used/available, 1% of its inodes.
    if pending:
        df = gt.df_b(pending)
        for p in pending:
            u, row = sysmon.disk_usage(p), df[p]
            assert u.total == row["size"] and u.inodes_total == row["itotal"]
            for a, c in (("used", "used"), ("available", "avail")):
                assert abs(getattr(u, a) - (row[c] or 0)) <= u.total / 100, (p, a)
            assert abs(u.inodes_used - (row["iused"] or 0)) <= u.inodes_total / 100, p


def test_disk_usage_missing_path_is_a_sysmon_error(backend: str, tmp_path: Path) -> None:
    missing = os.path.join(tmp_path, "no", "such", "dir")
    with pytest.raises(sysmon.SysmonError, match="no/such/dir"):
        sysmon.disk_usage(missing)


# --------------------------------------------------------------------------
# disk and network counters

# /proc/diskstats counters after the name, in DiskIO's order and units: a
# counter's index, its DiskIO field and how sysmon converts it.
DISK_FIELDS = [
    (0, "reads", 1), (1, "reads_merged", 1), (2, "read_bytes", 512), (3, "read_time", 1e-3),
    (4, "writes", 1), (5, "writes_merged", 1), (6, "write_bytes", 512),
    (7, "write_time", 1e-3), (9, "io_time", 1e-3), (10, "weighted_io_time", 1e-3),
    (11, "discards", 1), (12, "discards_merged", 1), (13, "discard_bytes", 512),
    (14, "discard_time", 1e-3), (15, "flushes", 1), (16, "flush_time", 1e-3),
]


def test_disk_io_vs_diskstats(backend: str) -> None:
    before = gt.read_diskstats()
    got = sysmon.disk_io()
    after = gt.read_diskstats()
    assert list(got) == list(before)
    for name, d in got.items():
        ma, mi, lo = before[name]
        hi = after[name][2]
        assert (d.major, d.minor) == (ma, mi)
        assert isinstance(d.in_flight, int) and d.in_flight >= 0
        for i, attr, scale in DISK_FIELDS:
            v = getattr(d, attr)
            if i >= len(lo):
                assert v is None, (name, attr)
                continue
            # every counter here only grows: sandwiched, exact
            unit = v / scale if scale != 1 else v
            assert within(lo[i], unit, hi[i], 1e-6), (name, attr, v, lo[i], hi[i])
            assert isinstance(v, float if scale == 1e-3 else int), (name, attr)


def test_disk_io_vs_psutil(backend: str) -> None:
    lo = psutil.disk_io_counters(perdisk=True)
    got = sysmon.disk_io()
    hi = psutil.disk_io_counters(perdisk=True)
    assert set(got) == set(lo)
    pairs = [("reads", "read_count"), ("writes", "write_count"), ("read_bytes", "read_bytes"),
             ("write_bytes", "write_bytes"), ("reads_merged", "read_merged_count"),
             ("writes_merged", "write_merged_count")]
    times = [("read_time", "read_time"), ("write_time", "write_time"), ("io_time", "busy_time")]
    for name, d in got.items():
        for ours, theirs in pairs:
            assert getattr(lo[name], theirs) <= getattr(d, ours) <= getattr(hi[name], theirs)
        for ours, theirs in times:  # psutil: milliseconds
            ms = getattr(d, ours) * 1000
            assert within(getattr(lo[name], theirs), ms, getattr(hi[name], theirs), 1e-6)


NET_COUNTERS = sysmon.NetIO._fields


def test_net_io_vs_proc_net_dev(backend: str) -> None:
    before = gt.read_netdev()
    got = sysmon.net_io()
    after = gt.read_netdev()
    assert list(got) == list(before)
    for name, n in got.items():
        for i, attr in enumerate(NET_COUNTERS):
            v = getattr(n, attr)
            # interface counters only grow (until the interface is reset)
            assert isinstance(v, int) and before[name][i] <= v <= after[name][i], (name, attr)


def test_net_io_vs_psutil_and_ip(backend: str) -> None:
    lo_ps = psutil.net_io_counters(pernic=True)
    lo_ip = gt.ip_link_stats()
    got = sysmon.net_io()
    hi_ip = gt.ip_link_stats()
    hi_ps = psutil.net_io_counters(pernic=True)
    assert set(got) == set(lo_ps) == set(lo_ip)
    pairs = [("rx_bytes", "bytes_recv"), ("tx_bytes", "bytes_sent"),
             ("rx_packets", "packets_recv"), ("tx_packets", "packets_sent"),
             ("rx_errors", "errin"), ("tx_errors", "errout"),
             ("rx_drops", "dropin"), ("tx_drops", "dropout")]
    for name, n in got.items():
        for ours, theirs in pairs:
            assert getattr(lo_ps[name], theirs) <= getattr(n, ours) <= getattr(hi_ps[name], theirs)
        # ip reads the same counters over netlink
        for key in ("rx_bytes", "rx_packets", "tx_bytes", "tx_packets"):
            assert lo_ip[name][key] <= getattr(n, key) <= hi_ip[name][key], (name, key)
