"""CPU: times per mode, kernel counters, counts and cgroup limits, frequency,
temperatures.

Everything is read from <root>/proc/stat and <root>/sys; raw ticks and
kilohertz are converted here, once, for both backends.  ``sysmon explain
cpu_times.user`` (and so on) tells where each value comes from.
"""

from __future__ import annotations

import math
import os
import re
from typing import Literal, NamedTuple, overload

from sysmon._host import CLK_TCK, resolve_root
from sysmon._sysread import check_root, listdir, load, load_optional, path_of, read_optional
from sysmon.disk import mounts_from
from sysmon.errors import ParseError, SysmonError


class CpuTimes(NamedTuple):
    """Seconds spent in each mode since boot (/proc/stat).  A mode this
    kernel does not report (old kernels print fewer) is None.  guest and
    guest_nice are already included in user and nice."""

    user: float
    nice: float
    system: float
    idle: float
    iowait: float | None
    irq: float | None
    softirq: float | None
    steal: float | None
    guest: float | None
    guest_nice: float | None


class CpuStats(NamedTuple):
    """Kernel counters from /proc/stat; None when the line is absent."""

    ctx_switches: int | None
    interrupts: int | None
    soft_interrupts: int | None
    forks: int | None
    procs_running: int | None
    procs_blocked: int | None
    boot_time: int | None


class CpuLimits(NamedTuple):
    """How many CPUs this machine, and a process in our cgroup, can use."""

    online: int
    possible: int | None
    cpuset: int | None
    quota: float | None
    effective: int


class CpuFreq(NamedTuple):
    """Frequency of one CPU in hertz (cpufreq); None where not exposed."""

    current: float | None
    min: float | None
    max: float | None


class Temperature(NamedTuple):
    """One temperature sensor in degrees Celsius (hwmon or thermal zones)."""

    sensor: str
    label: str
    current: float
    high: float | None
    critical: float | None


_MODES = CpuTimes._fields


def _times(ticks: tuple[int, ...]) -> CpuTimes:
    hz = float(CLK_TCK)
    vals: list[float | None] = [t / hz for t in ticks]
    vals.extend([None] * (len(_MODES) - len(vals)))
    return CpuTimes._make(vals)


def _cpustat(root: str) -> tuple[list[tuple[int, tuple[int, ...]]], tuple[int | None, ...]]:
    raw: tuple[list[tuple[int, tuple[int, ...]]], tuple[int | None, ...]] = load(
        path_of(root, "proc/stat"), "parse_cpustat"
    )
    return raw


@overload
def cpu_times(percpu: Literal[False] = ..., *, root: str | None = ...) -> CpuTimes: ...
@overload
def cpu_times(percpu: Literal[True], *, root: str | None = ...) -> dict[int, CpuTimes]: ...


def cpu_times(percpu: bool = False, *, root: str | None = None) -> CpuTimes | dict[int, CpuTimes]:
    """Time spent in each mode, in seconds: the whole machine, or with
    ``percpu=True`` a mapping from CPU number to times (online CPUs only)."""
    r = resolve_root(root)
    cpus, _ = _cpustat(r)
    if percpu:
        return percpu_times_from(cpus)
    return cpu_times_from(cpus, path_of(r, "proc/stat"))


def percpu_times_from(cpus: list[tuple[int, tuple[int, ...]]]) -> dict[int, CpuTimes]:
    out: dict[int, CpuTimes] = {}
    for cpu, ticks in cpus:
        if cpu >= 0 and cpu not in out:
            out[cpu] = _times(ticks)
    return out


def cpu_times_from(cpus: list[tuple[int, tuple[int, ...]]], path: str) -> CpuTimes:
    for cpu, ticks in cpus:
        if cpu == -1:
            return _times(ticks)
    raise ParseError(path, "no aggregate 'cpu' line")


def cpu_stats_from(stats: tuple[int | None, ...]) -> CpuStats:
    """From parse_cpustat's (ctxt, btime, processes, procs_running,
    procs_blocked, intr, softirq)."""
    ctxt, btime, processes, running, blocked, intr, softirq = stats
    return CpuStats(ctxt, intr, softirq, processes, running, blocked, btime)


def cpu_stats(*, root: str | None = None) -> CpuStats:
    """Context switches, interrupts, forks and run-queue counts (/proc/stat)."""
    _, stats = _cpustat(resolve_root(root))
    return cpu_stats_from(stats)


def _count(ranges: list[tuple[int, int]]) -> int:
    return sum(hi - lo + 1 for lo, hi in ranges)


def _online(root: str) -> int:
    ranges = load_optional(path_of(root, "sys/devices/system/cpu/online"), "parse_cpulist")
    if ranges:
        return _count(ranges)
    # No sysfs (a container, a minimal tree): the cpuN lines of /proc/stat
    # are exactly the online CPUs.
    cpus, _ = _cpustat(root)
    return len({cpu for cpu, _ in cpus if cpu >= 0}) or 1


def _own_cgroups(root: str) -> dict[str, str]:
    """controller ("" for v2) -> cgroup path of this process (/proc/self/cgroup)."""
    data = read_optional(path_of(root, "proc/self/cgroup"))
    out: dict[str, str] = {}
    if data is None:
        return out
    for line in data.decode("utf-8", "surrogateescape").split("\n"):
        parts = line.split(":", 2)
        if len(parts) != 3 or "\0" in parts[2]:
            continue  # not a cgroup line, or a path no directory can have
        for ctl in parts[1].split(","):
            out.setdefault(ctl, parts[2])
    return out


def _cgroup_dirs(root: str, mount: str, mount_root: str, cg_path: str) -> list[str]:
    """The cgroup directory of this process and its ancestors up to the
    hierarchy's mount point, innermost first.  /proc/self/cgroup paths are
    relative to the hierarchy's root, and the mount may show only a subtree of
    it (mountinfo's root field, e.g. /docker/abc in a container): that prefix
    is dropped.  Never leaves the mount (no '..' climbing)."""
    parts = [p for p in cg_path.split("/") if p and p not in (".", "..")]
    prefix = [p for p in mount_root.split("/") if p and p not in (".", "..")]
    if parts[: len(prefix)] == prefix:
        parts = parts[len(prefix):]
    elif prefix:
        parts = []  # outside the mounted subtree: only the mount point itself
    base = os.path.join(root, mount.lstrip("/"))
    return [os.path.join(base, *parts[:i]) for i in range(len(parts), -1, -1)]


def _hierarchies(root: str, controller: str, cgroups: dict[str, str]) -> list[list[str]]:
    """For the cgroup v2 hierarchy and the v1 hierarchy of ``controller``
    (those mounted, and that we belong to): our directories, innermost first."""
    # our own mount namespace (the cgroup paths are ours too), even under
    # another root
    try:
        rows = load_optional(path_of(root, "proc/self/mountinfo"), "parse_mountinfo")
    except SysmonError:
        rows = None
    ms = mounts_from(rows or [])
    out = []
    v2 = next((m for m in ms if m.fstype == "cgroup2"), None)
    if "" in cgroups:
        if v2 is not None:
            out.append(_cgroup_dirs(root, v2.mountpoint, v2.root, cgroups[""]))
        elif os.path.exists(path_of(root, "sys/fs/cgroup/cgroup.controllers")):
            out.append(_cgroup_dirs(root, "/sys/fs/cgroup", "/", cgroups[""]))
    if controller in cgroups:
        for m in ms:
            if m.fstype == "cgroup" and controller in m.super_options:
                out.append(_cgroup_dirs(root, m.mountpoint, m.root, cgroups[controller]))
                break
    return out


def _quota(root: str, cgroups: dict[str, str]) -> float | None:
    """The tightest CPU bandwidth limit on our cgroup and its ancestors, in
    CPUs: cgroup v2 cpu.max, or v1 cpu.cfs_quota_us / cpu.cfs_period_us."""
    best: float | None = None
    for dirs in _hierarchies(root, "cpu", cgroups):
        for d in dirs:
            q = _dir_quota(d)
            if q is not None:
                best = q if best is None else min(best, q)
    return best


def _dir_quota(d: str) -> float | None:
    raw = load_optional(os.path.join(d, "cpu.max"), "parse_cpumax")
    if raw is not None:
        return raw[0] / raw[1] if raw[0] >= 0 and raw[1] > 0 else None
    quota = load_optional(os.path.join(d, "cpu.cfs_quota_us"), "parse_int")
    if quota is None or quota <= 0:
        return None
    period = load_optional(os.path.join(d, "cpu.cfs_period_us"), "parse_int")
    return quota / period if period else None


def _cpuset(root: str, cgroups: dict[str, str]) -> int | None:
    """CPUs in our cgroup's effective cpuset (v2 or v1), or None."""
    for dirs in _hierarchies(root, "cpuset", cgroups):
        for d in dirs:
            for name in ("cpuset.cpus.effective", "cpuset.effective_cpus"):
                ranges = load_optional(os.path.join(d, name), "parse_cpulist")
                if ranges:
                    return _count(ranges)
    return None


def _possible(root: str) -> int | None:
    ranges = load_optional(path_of(root, "sys/devices/system/cpu/possible"), "parse_cpulist")
    return _count(ranges) if ranges else None


def cpu_limits(*, root: str | None = None) -> CpuLimits:
    """Online and possible CPUs, and the limits of this process's cgroup:
    its cpuset and its CPU bandwidth quota (cgroup v2 cpu.max or v1
    cpu.cfs_quota_us / cpu.cfs_period_us, the tightest up the tree).
    ``effective`` = min(online, cpuset, ceil(quota)), at least 1."""
    r = resolve_root(root)
    online = _online(r)
    possible = _possible(r)
    cgroups = _own_cgroups(r)
    cpuset = _cpuset(r, cgroups)
    quota = _quota(r, cgroups)
    eff = online
    if cpuset is not None:
        eff = min(eff, cpuset)
    if quota is not None:
        eff = min(eff, math.ceil(quota))
    return CpuLimits(online, possible, cpuset, quota, max(eff, 1))


def cpu_count(kind: str = "online", *, root: str | None = None) -> int | None:
    """Number of CPUs: ``"online"`` (default), ``"possible"``, or
    ``"effective"`` (what our cgroup lets a process use; see cpu_limits)."""
    if kind == "online":
        return _online(resolve_root(root))
    if kind == "effective":
        return cpu_limits(root=root).effective
    if kind == "possible":
        r = resolve_root(root)
        check_root(r)
        return _possible(r)
    raise ValueError(f"unknown kind {kind!r}: choose 'online', 'possible' or 'effective'")


def _khz(path: str) -> float | None:
    """A cpufreq value in Hz; None when absent, denied (cpuinfo_cur_freq is
    root-only), unreadable (EISDIR, EIO, ...) or not a number (the kernel
    prints "<unknown>" when a driver cannot tell): unknown, not an error, as
    a temperature is (_milli)."""
    try:
        v = load_optional(path, "parse_int")
    except SysmonError:  # AccessDenied, ParseError and every other read error
        return None
    return None if v is None else v * 1000.0


def cpu_freq(*, root: str | None = None) -> dict[int, CpuFreq]:
    """Frequency of each CPU that has a cpufreq directory, in hertz; a value
    that cannot be read or is not a number is None.  {} when none has one."""
    r = resolve_root(root)
    check_root(r)
    base = path_of(r, "sys/devices/system/cpu")
    out: dict[int, CpuFreq] = {}
    for name in listdir(base):
        m = _CPU_DIR.fullmatch(name)
        if m is None:
            continue
        d = os.path.join(base, name, "cpufreq")
        cur = _khz(os.path.join(d, "scaling_cur_freq"))
        if cur is None:
            cur = _khz(os.path.join(d, "cpuinfo_cur_freq"))
        lo = _khz(os.path.join(d, "scaling_min_freq"))
        hi = _khz(os.path.join(d, "scaling_max_freq"))
        if cur is not None or lo is not None or hi is not None or os.path.isdir(d):
            out.setdefault(int(m.group(1)), CpuFreq(cur, lo, hi))
    return dict(sorted(out.items()))


def _text(path: str) -> str | None:
    try:
        data = read_optional(path)
    except SysmonError:
        return None
    if data is None:
        return None
    return data.decode("utf-8", "surrogateescape").strip()


def _milli(path: str) -> float | None:
    try:
        v = load_optional(path, "parse_int")
    except (ParseError, SysmonError):
        return None
    return None if v is None else v / 1000.0


_TEMP_INPUT = re.compile(r"temp([0-9]+)_input")
_CPU_DIR = re.compile(r"cpu([0-9]+)")


def temperatures(*, root: str | None = None) -> list[Temperature]:
    """Every temperature sensor: hwmon ``temp*_input`` files, else thermal
    zones.  Millidegrees are converted to degrees Celsius.  A sensor that
    cannot be read right now (some report EIO or ENODATA) is left out."""
    r = resolve_root(root)
    check_root(r)
    out: list[Temperature] = []
    hw = path_of(r, "sys/class/hwmon")
    for dev in listdir(hw):
        d = os.path.join(hw, dev)
        chip = _text(os.path.join(d, "name")) or dev
        inputs = sorted(
            (int(m.group(1)), n) for n in listdir(d) if (m := _TEMP_INPUT.fullmatch(n))
        )
        for idx, n in inputs:
            cur = _milli(os.path.join(d, n))
            if cur is None:
                continue
            label = _text(os.path.join(d, f"temp{idx}_label")) or f"temp{idx}"
            out.append(Temperature(
                chip, label, cur,
                _milli(os.path.join(d, f"temp{idx}_max")),
                _milli(os.path.join(d, f"temp{idx}_crit")),
            ))
    if out:
        return out
    th = path_of(r, "sys/class/thermal")
    for zone in listdir(th):
        if not zone.startswith("thermal_zone"):
            continue
        d = os.path.join(th, zone)
        cur = _milli(os.path.join(d, "temp"))
        if cur is None:
            continue
        out.append(Temperature(_text(os.path.join(d, "type")) or zone, zone, cur, None, None))
    return out


__all__ = [
    "CpuFreq",
    "CpuLimits",
    "CpuStats",
    "CpuTimes",
    "Temperature",
    "cpu_count",
    "cpu_freq",
    "cpu_limits",
    "cpu_stats",
    "cpu_times",
    "temperatures",
]
