"""Live tests of the system metrics (CPU, memory, load, PSI, disks, interfaces)
against ground truth on the running machine.

Ground truth is the kernel's own files read by the test's small parsers
(tests/system_live_support.py), the independent tools ``free``, ``df``,
``nproc`` and ``ip``, and psutil.  Every test runs on both backends.

Tolerances.  A value that cannot move between two readings is compared
exactly.  A kernel counter that only grows is *sandwiched*: the test reads it,
calls sysmon, reads it again, and sysmon's value must lie between the two
readings, which needs no tolerance at all.  Only values that move both ways
while a separate tool runs (free memory, used space on a busy filesystem) get
a tolerance, stated next to the assertion with the reason.  No assertion is on
a duration.

Then: rates under load the test makes (loopback traffic, fsync'ed writes, a
busy CPU), a CPU quota in a temporary cgroup, an unprivileged user, a private
tmpfs in a child's own mount namespace, and C against Python on the same live
bytes.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Callable

import psutil
import pytest
import system_live_support as gt
from system_live_support import CLK_TCK, MiB, retry_stable, within

import sysmon

# --------------------------------------------------------------------------
# memory


def test_memory_vs_free(backend: str) -> None:
    """memory() against ``free -b -w`` (procps-ng >= 4.0.1 derives "used" as
    total - available, like sysmon)."""
    got = sysmon.memory()
    free = gt.free_b()["Mem"]
    got2 = sysmon.memory()
    # MemTotal does not move: exact.
    assert got.total == free["total"] == got2.total
    # Tolerance 1% of total: free is a separate process reading
    # /proc/meminfo at another moment; page cache, free pages and the
    # processes of a busy machine move by megabytes in between.  1% of
    # memory is far above that and far below any unit or key mistake
    # (kB vs bytes is x1024, a wrong key is usually off by more than 1%).
    tol = got.total // 100
    pairs = {
        "used": got.used, "free": got.free, "shared": got.shared,
        "buffers": got.buffers, "cache": got.cached, "available": got.available,
    }
    if gt.free_version() < (4, 0, 1):
        del pairs["used"]  # older free: used = total - free - buffers - cache
    bad = {k: (v, free[k]) for k, v in pairs.items() if abs(v - free[k]) > tol}
    assert not bad, f"sysmon vs free (tolerance {tol} bytes): {bad}"
    # free's buff/cache column is buffers + cache
    assert abs(got.buffers + got.cached - (free["buffers"] + free["cache"])) <= tol
    # the record's own arithmetic is exact
    assert got.used == got.total - got.available
    assert got.percent == pytest.approx(got.used * 100 / got.total, rel=1e-12)
    for f in sysmon.Memory._fields:
        v = getattr(got, f)
        assert v is None or isinstance(v, float if f == "percent" else int), f


def test_swap_vs_free(backend: str) -> None:
    got = sysmon.swap()
    free = gt.free_b()["Swap"]
    # SwapTotal moves only on swapon/swapoff: exact.
    assert got.total == free["total"]
    # Tolerance 1% of memory: swap in use moves while free runs (see
    # test_memory_vs_free); exact when there is no swap at all.
    tol = 0 if got.total == 0 else sysmon.memory().total // 100
    assert abs(got.used - free["used"]) <= tol
    assert abs(got.free - free["free"]) <= tol
    assert got.used + got.free == got.total
    assert got.percent == (got.used * 100 / got.total if got.total else 0.0)
    # pswpin/pswpout (pages) only grow: sandwiched by /proc/vmstat
    page = os.sysconf("SC_PAGE_SIZE")
    before = _vmstat()
    got = sysmon.swap()
    after = _vmstat()
    for attr, key in (("sin", "pswpin"), ("sout", "pswpout")):
        v = getattr(got, attr)
        assert v is not None and before[key] * page <= v <= after[key] * page, (attr, v)


def _vmstat() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in gt.read_bytes("/proc/vmstat").decode().splitlines():
        k, v = line.split()
        out.setdefault(k, int(v))
    return out


# Keys whose values do not move on a running system (short of memory
# hotplug, swapon or a sysctl write): compared exactly.
STATIC_MEMINFO = {"MemTotal", "SwapTotal", "CommitLimit", "VmallocTotal", "Hugepagesize",
                  "HugePages_Total"}


def test_meminfo_every_key(backend: str) -> None:
    """Every key of /proc/meminfo, in file order, kB values times 1024.
    Exact on a reading where the file did not change across the call (the
    usual case: retried up to 50 times)."""
    for _ in range(50):
        raw = gt.read_bytes("/proc/meminfo")
        got = sysmon.meminfo()
        if gt.read_bytes("/proc/meminfo") == raw:
            want = {k: v * 1024 if kb else v for k, v, kb in gt.parse_meminfo(raw)}
            assert list(got) == list(want)  # unknown keys included, in order
            assert got == want
            assert all(type(v) is int for v in got.values())
            return
        time.sleep(0.01)
    # The file changed across every call (a very busy machine): the keys
    # still match exactly; the values that do not move are exact; the
    # others get 1% of MemTotal around the two readings (most move both
    # ways, so a sandwich does not hold), and kB values must be multiples
    # of 1024.
    before = gt.read_meminfo()
    got = sysmon.meminfo()
    after = gt.read_meminfo()
    assert list(got) == [k for k, _, _ in before]
    slack = got["MemTotal"] / 100
    bad = []
    for (key, v0, kb), (_, v1, _) in zip(before, after):
        scale = 1024 if kb else 1
        g = got[key]
        if key in STATIC_MEMINFO or not kb:
            ok = g == v0 * scale == v1 * scale or within(min(v0, v1), g, max(v0, v1))
        else:
            ok = within(min(v0, v1) * scale, g, max(v0, v1) * scale, slack) and g % 1024 == 0
        if not ok:
            bad.append(f"{key}: got {g}, file {v0}..{v1} {'kB' if kb else ''}")
    assert not bad, bad


# --------------------------------------------------------------------------
# CPU times and counts

# Slack in clock ticks per CPU for the sandwich of /proc/stat.  The modes
# are sums of per-CPU counters that only grow, so they lie between a
# reading before and one after: no slack.  iowait can decrease (proc(5):
# "not reliable"; a CPU leaving an I/O wait moves its in-progress idle time
# out of iowait), and with it idle is computed from the NO_HZ idle clock of a
# CPU that is idle right now: a few ticks either way.
SLACK_TICKS = {"idle": 5, "iowait": 10}


def _assert_times_between(got: sysmon.CpuTimes, lo: tuple[int, ...], hi: tuple[int, ...],
                          ncpu: int, what: str) -> None:
    bad = []
    for i, mode in enumerate(sysmon.CpuTimes._fields):
        g = getattr(got, mode)
        if i >= len(lo):
            ok = g is None  # a mode this kernel does not print
        else:
            ticks = round(g * CLK_TCK)
            # exactly a whole number of ticks / CLK_TCK
            ok = isinstance(g, float) and g == ticks / CLK_TCK and within(
                lo[i], ticks, hi[i], SLACK_TICKS.get(mode, 0) * ncpu
            )
        if not ok:
            bad.append(f"{mode}: got {g!r} ({what} ticks {lo[i] if i < len(lo) else None}"
                       f"..{hi[i] if i < len(hi) else None})")
    assert not bad, f"{what}: {bad}"


def test_cpu_times_vs_proc_stat(backend: str) -> None:
    before = gt.read_proc_stat().cpus
    total = sysmon.cpu_times()
    percpu = sysmon.cpu_times(percpu=True)
    after = gt.read_proc_stat().cpus
    ncpu = len(percpu)
    _assert_times_between(total, before[-1], after[-1], ncpu, "cpu")
    assert set(percpu) == set(before) - {-1}
    for cpu, t in percpu.items():
        _assert_times_between(t, before[cpu], after[cpu], 1, f"cpu{cpu}")


def _psutil_ticks(t: object) -> tuple[int, ...]:
    return tuple(round(x * CLK_TCK) for x in t)  # type: ignore[attr-defined]


def test_cpu_times_vs_psutil(backend: str) -> None:
    lo = _psutil_ticks(psutil.cpu_times())
    lo_per = [_psutil_ticks(t) for t in psutil.cpu_times(percpu=True)]
    total = sysmon.cpu_times()
    percpu = sysmon.cpu_times(percpu=True)
    hi = _psutil_ticks(psutil.cpu_times())
    hi_per = [_psutil_ticks(t) for t in psutil.cpu_times(percpu=True)]
    _assert_times_between(total, lo, hi, len(percpu), "psutil cpu")
    # psutil lists the cpuN lines in file order: the online CPUs, ascending
    assert len(percpu) == len(lo_per) == len(hi_per)
    for i, cpu in enumerate(sorted(percpu)):
        _assert_times_between(percpu[cpu], lo_per[i], hi_per[i], 1, f"psutil cpu{cpu}")


def test_percpu_keys_are_the_online_cpus(backend: str) -> None:
    online = gt.sys_cpus("online")
    assert set(sysmon.cpu_times(percpu=True)) == online
    assert list(sysmon.cpu_times(percpu=True)) == sorted(online)
    if not gt.sys_cpus("offline"):
        # with no CPU offline the online CPUs are 0..n-1
        assert set(sysmon.cpu_times(percpu=True)) == set(range(os.cpu_count() or 0))


def test_cpu_count_vs_nproc_and_os(backend: str) -> None:
    online, possible = gt.sys_cpus("online"), gt.sys_cpus("possible")
    assert sysmon.cpu_count() == sysmon.cpu_count("online") == len(online)
    assert sysmon.cpu_count() == os.sysconf("SC_NPROCESSORS_ONLN") == os.cpu_count()
    assert sysmon.cpu_count() == psutil.cpu_count()
    assert sysmon.cpu_count("possible") == len(possible)
    # `nproc --all` is glibc's "configured" processors (the cpuN directories
    # of sysfs: present CPUs), between online and possible.  It equals the
    # online count when no CPU is offline.
    n_all = gt.nproc("--all")
    assert n_all == os.sysconf("SC_NPROCESSORS_CONF")
    assert len(online) <= n_all <= len(possible)
    if not gt.sys_cpus("offline"):
        assert sysmon.cpu_count() == n_all
    lim = sysmon.cpu_limits()
    assert (lim.online, lim.possible) == (len(online), len(possible))
    assert isinstance(lim.effective, int) and 1 <= lim.effective <= lim.online
    assert lim.quota == gt.own_cpu_quota()


def test_cpu_count_effective_is_nproc_without_quota(backend: str) -> None:
    """`nproc` counts the CPUs of our affinity mask (which a cpuset narrows)
    and ignores CPU quotas: with no quota and an affinity that is the whole
    cpuset, it is the effective count."""
    lim = sysmon.cpu_limits()
    if gt.own_cpu_quota() is not None:
        pytest.skip("our cgroup has a CPU quota: nproc does not honour it")
    allowed = len(os.sched_getaffinity(0))
    if allowed != (lim.cpuset or lim.online):
        pytest.skip(f"affinity narrowed to {allowed} CPUs outside the cpuset (taskset?)")
    assert lim.quota is None
    assert sysmon.cpu_count("effective") == lim.effective == gt.nproc()


@pytest.mark.parametrize("source", ["cpu_stats", "snapshot"])
def test_cpu_stats_vs_proc_stat_and_psutil(backend: str, source: str) -> None:
    def call() -> sysmon.CpuStats:
        if source == "snapshot":
            return sysmon.snapshot(usage=False).cpu_stats
        return sysmon.cpu_stats()

    before = gt.read_proc_stat().stats
    got = call()
    after = gt.read_proc_stat().stats
    # btime: 1 s, because some kernels recompute it from the clock on each
    # read of /proc/stat and it jitters by a second.
    assert isinstance(got.boot_time, int)
    assert abs(got.boot_time - before["btime"]) <= 1
    assert abs(got.boot_time - psutil.boot_time()) <= 1
    # counters since boot only grow: sandwiched, exact
    for attr, key in (("ctx_switches", "ctxt"), ("interrupts", "intr"),
                      ("soft_interrupts", "softirq"), ("forks", "processes")):
        v = getattr(got, attr)
        assert isinstance(v, int) and before[key] <= v <= after[key], (attr, v)
    # we are running while we read: at least one runnable task; both are
    # instantaneous counts of tasks, far below any cumulative counter
    assert isinstance(got.procs_running, int) and 1 <= got.procs_running <= after["processes"]
    assert isinstance(got.procs_blocked, int) and 0 <= got.procs_blocked <= after["processes"]


# --------------------------------------------------------------------------
# load, uptime, pressure


def test_loadavg_vs_file_and_os(backend: str) -> None:
    # The averages change every 5 s: read until they did not change across
    # the call, then they are exactly the file's decimals.
    truth, (got, osl) = retry_stable(lambda: gt.read_loadavg()[0],
                                     lambda: (sysmon.loadavg(), os.getloadavg()),
                                     what="/proc/loadavg averages")
    assert (got.load1, got.load5, got.load15) == tuple(float(x) for x in truth)
    # os.getloadavg: glibc parses the same text (exact), other C libraries
    # use sysinfo()'s 16-bit fixed point, which rounds differently from the
    # kernel's two printed decimals: 0.01.
    for a, b in zip((got.load1, got.load5, got.load15), osl):
        assert abs(a - b) <= 0.01
    assert got.running >= 1 and got.total >= got.running
    with open("/proc/sys/kernel/pid_max") as f:
        assert 0 < got.last_pid <= int(f.read())
    # The whole line moves with every fork on the machine: exact when it
    # held still over the call (it does on a quiet machine).
    for _ in range(20):
        before = gt.read_loadavg()
        got = sysmon.loadavg()
        if gt.read_loadavg() == before:
            (l1, l5, l15), running, total, last = before
            assert tuple(got) == (float(l1), float(l5), float(l15), running, total, last)
            break


def test_uptime_vs_file_and_boottime_clock(backend: str) -> None:
    t0 = time.clock_gettime(time.CLOCK_BOOTTIME)
    up0, idle0 = gt.read_uptime()
    got = sysmon.uptime()
    up1, idle1 = gt.read_uptime()
    t1 = time.clock_gettime(time.CLOCK_BOOTTIME)
    assert isinstance(got.seconds, float) and isinstance(got.idle, float)
    # uptime only grows: sandwiched, exact
    assert up0 <= got.seconds <= up1
    # /proc/uptime truncates CLOCK_BOOTTIME to hundredths: 0.01 below t0
    # at most (plus float rounding).
    assert t0 - 0.01 - 1e-6 <= got.seconds <= t1
    # idle is summed over the CPUs' NO_HZ idle clocks: 0.05 s per CPU
    # either way (see SLACK_TICKS).
    assert within(idle0, got.idle, idle1, 0.05 * (os.cpu_count() or 1))


def test_pressure_vs_proc_pressure(backend: str) -> None:
    got = sysmon.pressure()
    assert list(got) == ["cpu", "memory", "io"]
    for res in got:
        if not os.path.exists(f"/proc/pressure/{res}"):
            assert got[res] is None, res
            continue
        # The averages are recomputed every 2 s: read until they held
        # still across the call; totals only grow: sandwiched.
        for _ in range(50):
            before = gt.read_pressure(res)
            p = sysmon.pressure()[res]
            after = gt.read_pressure(res)
            avgs = ("avg10", "avg60", "avg300")
            if all(before[k][a] == after[k][a] for k in before for a in avgs):
                break
        else:
            raise AssertionError(f"/proc/pressure/{res} averages kept changing")
        assert p is not None
        for kind in ("some", "full"):
            stats = getattr(p, kind)
            if kind not in before:
                assert stats is None, (res, kind)
                continue
            assert stats is not None, (res, kind)
            assert all(isinstance(v, float) for v in stats), (res, kind, stats)
            for a in avgs:
                assert getattr(stats, a) == float(before[kind][a]), (res, kind, a)
            lo, hi = int(before[kind]["total"]), int(after[kind]["total"])
            assert lo / 1e6 <= stats.total <= hi / 1e6, (res, kind, stats.total)
    # total only grows
    again = sysmon.pressure()
    for res, p in got.items():
        if p is not None and p.some is not None:
            q = again[res]
            assert q is not None and q.some is not None and q.some.total >= p.some.total


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
    assert gt.loopback_traffic(NET_BYTES) == NET_BYTES
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
        gt.write_fsync(target, DISK_BYTES)  # type: ignore[arg-type]
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
    p = subprocess.Popen([sys.executable, "-c", gt.BUSY_CHILD], stdin=subprocess.PIPE,
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
    cp = gt.run_python(gt.RECREATED_IF_CHILD, backend, str(sent), prefix=("unshare", "--net"))
    if cp.returncode != 0 and "unshare" in cp.stderr:
        pytest.skip(f"unshare --net is not permitted here: {cp.stderr.strip()}")
    out = gt.json_out(cp)
    assert out["old_tx"] >= sent > out["new_tx"] >= 1000  # precondition
    rate, dt = out["rate"], out["interval"]
    if rate is not None:
        assert rate["tx_bytes_per_s"] * dt <= out["new_tx"], rate
        assert rate["tx_packets_per_s"] * dt <= out["new_tx_packets"], rate


# --------------------------------------------------------------------------
# a CPU quota in a temporary cgroup


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a cgroup needs root")
@pytest.mark.parametrize(("quota_us", "quota", "ceil"), [(50_000, 0.5, 1), (150_000, 1.5, 2)])
def test_effective_cpus_under_a_cgroup_quota(backend: str, quota_us: int, quota: float,
                                             ceil: int,
                                             record_property: Callable[[str, object], None]
                                             ) -> None:
    """The quota sits on sysmon-test-<pid>; the child joins its sub-cgroup
    "inner", which has no quota of its own: the tightest limit up the tree
    counts.  The child has exited before the cgroups are removed."""
    with contextlib.ExitStack() as stack:
        try:
            cg = stack.enter_context(gt.quota_cgroup(quota_us))
        except OSError as e:
            pytest.skip(f"cannot create a cgroup with a CPU quota here: {e}")
        # subprocess.run returns once the child (and its nproc) has exited
        # and been reaped: the cgroups are empty when the stack removes them
        out = gt.json_out(gt.run_python(gt.QUOTA_CHILD, str(cg.inner), backend))
    rel = "/" + str(cg.inner.relative_to(cg.outer.parent))
    assert rel in out["cgroup"], out["cgroup"]  # precondition: the child was in
    lim = out["limits"]
    assert lim["quota"] == quota
    want = min(lim["online"], lim["cpuset"] or lim["online"], ceil)
    assert lim["effective"] == out["effective"] == want
    if ceil < lim["online"]:
        assert want == ceil
    # nproc counts the affinity mask and ignores quotas (coreutils < 9.8
    # at least): recorded, not asserted.
    record_property("nproc_inside_quota", out["nproc"])
    assert not cg.outer.exists()  # the machine is left as found


# --------------------------------------------------------------------------
# an unprivileged user


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to nobody needs root")
def test_readers_work_as_nobody(backend: str) -> None:
    locked = tempfile.mkdtemp(prefix="sysmon-0700-")
    try:
        os.chmod(locked, 0o700)
        inside = os.path.join(locked, "inside")
        os.mkdir(inside)
        cp = gt.run_python(gt.NOBODY_CHILD, backend, inside)
        out = gt.json_out(cp)
    finally:
        shutil.rmtree(locked)
    assert cp.stderr == ""  # no traceback, no warning
    assert out.pop("uid") == [65534, 65534]
    denied = out.pop("denied")
    failed = {k: v for k, v in out.items() if v[0] != "ok"}
    assert not failed, f"as nobody: {failed}"
    # the same answers as root where they cannot move
    assert out["memory"][1] == sysmon.memory().total
    assert out["meminfo"][1] == sorted(sysmon.meminfo())
    assert out["cpu_times"][1] == sorted(sysmon.cpu_times(percpu=True))
    assert out["cpu_limits"][1] == sysmon.cpu_limits()._asdict()
    assert out["mounts"][1] == [m.mountpoint for m in sysmon.mounts()]
    assert out["disk_io"][1] == sorted(sysmon.disk_io())
    assert out["net_io"][1] == sorted(sysmon.net_io())
    assert out["pressure"][1] == {k: v is not None for k, v in sysmon.pressure().items()}
    assert "/" in out["snapshot"][1]
    # statvfs below a directory nobody may not enter: a clear SysmonError
    # (its name and message come back; nothing escaped as a traceback)
    kind, msg = denied
    assert kind in ("SysmonError", "AccessDenied"), denied
    assert inside in msg and "denied" in msg.lower(), msg


# --------------------------------------------------------------------------
# a fresh filesystem: tmpfs in a child's own mount namespace


def _unshare_works() -> bool:
    cp = gt.run(["unshare", "--mount", "--propagation", "private", "true"])
    return cp.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_disk_usage_of_a_private_tmpfs(backend: str) -> None:
    """Exact figures on a filesystem of known size: nothing else writes to
    it.  The tmpfs is mounted inside `unshare --mount` (never on the real
    root's mount table) and disappears with the child.  Its mount point and
    source hold the characters mountinfo escapes (space, tab, newline,
    backslash: \\040 \\011 \\012 \\134)."""
    if not _unshare_works():
        pytest.skip("unshare --mount is not permitted here")
    parent = tempfile.mkdtemp(prefix="sysmon-tmpfs-")
    d = os.path.join(parent, "a b\tc\nd\\e")
    os.mkdir(d)
    try:
        out = gt.json_out(gt.run_python(
            gt.TMPFS_CHILD, d, backend,
            prefix=("unshare", "--mount", "--propagation", "private"),
        ))
    finally:
        os.rmdir(d)  # empty: the tmpfs and its file went with the namespace
        os.rmdir(parent)
    assert d not in [m["mountpoint"] for m in gt.read_mountinfo()]
    size, page = 8 * MiB, 4096
    fields = sysmon.DiskUsage._fields
    empty = dict(zip(fields, out["empty"]))
    assert empty == {
        "total": size, "used": 0, "free": size, "available": size, "percent": 0.0,
        "inodes_total": 1000, "inodes_used": 1, "inodes_free": 999,  # the root directory
        "inodes_available": 999, "inodes_percent": 0.1,
    }
    one = dict(zip(fields, out["one_mib"]))
    assert one == {
        "total": size, "used": MiB, "free": size - MiB, "available": size - MiB,
        "percent": 12.5, "inodes_total": 1000, "inodes_used": 2, "inodes_free": 998,
        "inodes_available": 998, "inodes_percent": 0.2,
    }
    assert MiB % page == 0
    # df agrees exactly, its Use% rounded up
    assert out["df_empty"] == [str(size), "0", str(size), "0%", "1000", "1", "999", "1%"]
    assert out["df_one_mib"] == [str(size), str(MiB), str(size - MiB), "13%", "1000", "2",
                                 "998", "1%"]
    # and mounts() inside the namespace shows it, names unescaped
    (raw,) = out["raw"]  # precondition: the kernel escaped them
    assert "/a\\040b\\011c\\012d\\134e " in raw, raw
    (m,) = out["mounts"]
    assert m["mountpoint"] == d
    assert (m["fstype"], m["device"], m["readonly"]) == ("tmpfs", "sysmon test", False)
    assert "size=8192k" in m["super_options"] and "nr_inodes=1000" in m["super_options"]
    assert [m["major"], m["minor"]] == out["dev"]


# --------------------------------------------------------------------------
# C and Python on the same live bytes


def _native_or_skip() -> object:
    try:
        from sysmon import _native
    except ImportError as e:
        if os.environ.get("SYSMON_REQUIRE_NATIVE") == "1":
            pytest.fail(f"C extension does not import: {e}")
        pytest.skip(f"C extension not built: {e}")
    return _native


def _domain(root: str) -> dict[str, object]:
    snap = sysmon.snapshot(root=root, usage=False)
    return {
        "cpu_times": sysmon.cpu_times(root=root),
        "percpu": sysmon.cpu_times(percpu=True, root=root),
        "cpu_stats": sysmon.cpu_stats(root=root),
        "cpu_limits": sysmon.cpu_limits(root=root),
        "meminfo": sysmon.meminfo(root=root),
        "memory": sysmon.memory(root=root),
        "swap": sysmon.swap(root=root),
        "vmstat": sysmon.vmstat(root=root),
        "vm_events": sysmon.vm_events(root=root),
        "loadavg": sysmon.loadavg(root=root),
        "uptime": sysmon.uptime(root=root),
        "pressure": sysmon.pressure(root=root),
        "mounts": sysmon.mounts(root=root),
        "disk_io": sysmon.disk_io(root=root),
        "net_io": sysmon.net_io(root=root),
        "snapshot": snap._replace(timestamp=0.0),
    }


def test_backends_agree_on_live_bytes(tmp_path: Path) -> None:
    """Every system file of this machine read once, then parsed by the C
    and the Python parsers (raw results, types included) and turned into
    records by the public API on both backends: identical."""
    native = _native_or_skip()
    from sysmon import _pure

    files = {**gt.LIVE_PARSERS, **gt.cgroup_files()}
    files = {k: v for k, v in files.items() if os.path.exists("/" + k)}
    frozen = gt.freeze_tree(Path(tmp_path), list(files))
    bad = []
    for rel, (parser, args) in files.items():
        if not parser:
            continue
        c = getattr(native, parser)(frozen[rel], *args)
        py = getattr(_pure, parser)(frozen[rel], *args)
        if not gt.same(c, py):
            bad.append(f"{parser}({rel}): C {c!r} != Python {py!r}")
    assert not bad, bad

    prev = sysmon.backend()
    try:
        results = {}
        for b in ("c", "python"):
            sysmon.set_backend(b)
            results[b] = _domain(str(tmp_path))
    finally:
        sysmon.set_backend(prev)
    diff = [k for k in results["c"] if not gt.same(results["c"][k], results["python"][k])]
    assert not diff, {k: (results["c"][k], results["python"][k]) for k in diff}
    # the frozen tree carries our cgroup's limits: the same as live
    assert results["c"]["cpu_limits"] == sysmon.cpu_limits()


def test_backends_read_live_files_alike() -> None:
    """read_file of both backends returns the bytes open().read() does."""
    native = _native_or_skip()
    from sysmon import _pure

    def both(path: str) -> tuple[bytes, bytes]:
        return native.read_file(path), _pure.read_file(path)  # type: ignore[attr-defined]

    for path in ("/sys/devices/system/cpu/online", "/proc/self/mountinfo", "/proc/version"):
        truth, (c, py) = retry_stable(partial(gt.read_bytes, path), partial(both, path),
                                      what=path)
        assert c == py == truth, path
