"""Live tests of the system metrics (memory, CPU, load, uptime, PSI) against
ground truth on the running machine.

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

The same for mounts, disks and interfaces: test_system_live_io.py.  Then:
rates under load the test makes (test_system_live_rates.py), a CPU quota in a
temporary cgroup, an unprivileged user and a private tmpfs in a child's own
mount namespace (test_system_live_isolation.py), and C against Python on the
same live bytes (test_system_live_backends.py).
"""

from __future__ import annotations

import os
import time

import psutil
import pytest
import system_live_support as gt
from system_live_support import CLK_TCK, retry_stable, within

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
    # held still over the call (it does on a quiet machine).  Still is not
    # proof: the running count can go 2 -> 1 -> 2 between the three reads,
    # so a still line that differs is retried; every one differing fails.
    stills = []
    for _ in range(20):
        before = gt.read_loadavg()
        got = sysmon.loadavg()
        if gt.read_loadavg() == before:
            (l1, l5, l15), running, total, last = before
            want = (float(l1), float(l5), float(l15), running, total, last)
            if tuple(got) == want:
                break
            stills.append((tuple(got), want))
    else:
        assert not stills, stills


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
