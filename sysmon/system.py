"""The whole machine at once, and rates between two moments.

:func:`snapshot` reads every system file once (CPU, memory, swap, VM events,
load, uptime, pressure, disks, interfaces and, if asked, the usage of every
mounted filesystem).  :class:`SystemSampler` keeps the previous snapshot and
turns counter deltas into rates; the first sample has no rates (None), never
a silent 0.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from sysmon._host import is_live, resolve_root
from sysmon._sysread import load, load_optional, path_of, read_optional
from sysmon.cpu import CpuStats, CpuTimes, cpu_stats_from, cpu_times_from, percpu_times_from
from sysmon.disk import (
    SECTOR,
    DiskIO,
    DiskUsage,
    Mount,
    disk_raw_by_name,
    disk_record,
    mountinfo_path,
    mounts_at,
    usage_from,
)
from sysmon.load import LoadAvg, Pressure, loadavg_at, pressure_at, uptime_at
from sysmon.memory import (
    VM_KEYS,
    Memory,
    Swap,
    VmEvents,
    meminfo_picked,
    memory_from,
    swap_from,
    vm_events_from,
    vmstat_from,
)
from sysmon.net import NetIO, net_raw_by_name

# Counter ranges.  /proc/diskstats prints the counts as unsigned long and the
# millisecond fields (4 read ms, 8 write ms, 10 io ms) as 32-bit unsigned int;
# /proc/net/dev prints 64-bit counters.  A 32-bit kernel's long is 32 bits.
_U32 = 1 << 32
_ULONG = 1 << (8 * struct.calcsize("L"))
_U64 = 1 << 64
# the disk fields _disk_rate reads: reads, sectors read, read ms, writes,
# sectors written, write ms, io ms
_DISK_WRAPS = (_ULONG, _ULONG, _U32, _ULONG, _ULONG, _U32, _U32)
_NET_WRAPS = (_U64,) * 8


class CpuPercent(NamedTuple):
    """Share of CPU time in each mode over the interval, in percent.
    ``busy`` = everything but idle and iowait.  guest and guest_nice are
    shares of the same total (they are already part of user and nice)."""

    busy: float
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


class DiskRate(NamedTuple):
    """One block device over the interval.  ``util_percent``: time the
    device was busy (capped at 100).  Awaits: mean time per completed
    request in seconds, None when there was none."""

    read_bytes_per_s: float
    write_bytes_per_s: float
    read_iops: float
    write_iops: float
    util_percent: float
    await_time: float | None
    read_await: float | None
    write_await: float | None


class NetRate(NamedTuple):
    """One interface over the interval, per second."""

    rx_bytes_per_s: float
    tx_bytes_per_s: float
    rx_packets_per_s: float
    tx_packets_per_s: float
    rx_errors_per_s: float
    tx_errors_per_s: float
    rx_drops_per_s: float
    tx_drops_per_s: float


class Snapshot(NamedTuple):
    """Every system counter, read once.  ``timestamp`` is time.monotonic()
    (or the sampler's clock)."""

    timestamp: float
    cpu_times: CpuTimes
    percpu_times: dict[int, CpuTimes]
    cpu_stats: CpuStats
    memory: Memory
    swap: Swap
    vm_events: VmEvents
    loadavg: LoadAvg
    uptime: float
    pressure: dict[str, Pressure | None]
    disk_io: dict[str, DiskIO]
    net_io: dict[str, NetIO]
    mounts: list[Mount]
    disk_usage: dict[str, DiskUsage]


class SystemSample(NamedTuple):
    """A snapshot plus rates since the previous sample.  On the first
    sample (and when the clock has not moved) ``interval`` and
    ``cpu_percent`` are None and every device maps to None: no rate yet.
    A device or CPU that appeared since the last sample also maps to None,
    and so does a device whose counters went back (it was made again)."""

    snapshot: Snapshot
    interval: float | None
    cpu_percent: CpuPercent | None
    percpu: dict[int, CpuPercent | None]
    disk: dict[str, DiskRate | None]
    net: dict[str, NetRate | None]


_Raw = tuple[
    list[tuple[int, tuple[int, ...]]],
    dict[str, tuple[int, int, tuple[int, ...]]],
    dict[str, tuple[int, ...]],
]


# statvfs on an autofs mount point triggers the automount: a monitor must
# not mount filesystems by looking at them (df skips autofs too).
_NO_STATVFS = frozenset({"autofs"})


def _usage(ms: list[Mount]) -> dict[str, DiskUsage]:
    out: dict[str, DiskUsage] = {}
    for m in ms:
        if m.mountpoint in out or m.fstype in _NO_STATVFS:
            continue
        try:
            out[m.mountpoint] = usage_from(os.statvfs(m.mountpoint))
        except OSError:
            continue  # gone, or not ours to see: left out, like df
    return out


def _read(root: str, timestamp: float, usage: bool) -> tuple[Snapshot, _Raw]:
    cpus, stats = load(path_of(root, "proc/stat"), "parse_cpustat")
    stat_path = path_of(root, "proc/stat")
    mi = meminfo_picked(root)
    vm_rows = load_optional(path_of(root, "proc/vmstat"), "parse_kv", False, VM_KEYS)
    vm = vmstat_from(vm_rows) if vm_rows is not None else None
    # Files a kernel or a container may lack: empty tables, not a failed
    # sample (a malformed one still raises ParseError).
    disk_rows = load_optional(path_of(root, "proc/diskstats"), "parse_diskstats") or []
    net_rows = load_optional(path_of(root, "proc/net/dev"), "parse_netdev") or []
    mi_path = mountinfo_path(root)
    mi_data = read_optional(mi_path)
    ms = mounts_at(mi_path, mi_data) if mi_data is not None else []
    total = cpu_times_from(cpus, stat_path)
    percpu = percpu_times_from(cpus)
    disks = disk_raw_by_name(disk_rows)  # kept raw for the rates
    nets = net_raw_by_name(net_rows)
    snap = Snapshot(
        timestamp, total, percpu, cpu_stats_from(stats),
        memory_from(mi, path_of(root, "proc/meminfo")), swap_from(mi, vm),
        vm_events_from(vm or {}), loadavg_at(root), uptime_at(root).seconds,
        pressure_at(root),
        {k: disk_record(*t) for k, t in disks.items()},
        {k: NetIO._make(v) for k, v in nets.items()},
        ms, _usage(ms) if usage and is_live(root) else {},
    )
    return snap, (cpus, disks, nets)


def snapshot(*, root: str | None = None, usage: bool = True) -> Snapshot:
    """Every system counter at once.  ``usage``: also statvfs every mount
    but autofs ones (only for the live root "/": a fixture tree's mount
    points are not real).  A mount that does not answer (a hung network
    filesystem) blocks statvfs, and so the sample: pass usage=False where
    that matters."""
    return _read(resolve_root(root), time.monotonic(), usage)[0]


def _delta(new: int, old: int, wrap: int) -> int | None:
    """new - old for a kernel counter of range ``wrap``; None when it went back.

    A decrease is a wrap only when the old value was in the top half of the
    counter's range; anything else means the counter restarted (a device made
    again under the same name): no rate for this interval, rather than a huge
    made-up one."""
    if new >= old:
        return new - old
    if wrap // 2 <= old < wrap:
        return new + wrap - old
    return None


def _cpu_percent(new: tuple[int, ...], old: tuple[int, ...]) -> CpuPercent | None:
    n = min(len(new), len(old))
    # per-mode ticks never go backwards in theory; iowait does in practice
    d = [max(0, new[i] - old[i]) for i in range(n)]
    total = sum(d[:8])  # guest and guest_nice are already in user and nice
    if total <= 0:
        return None
    pct: list[float | None] = [x * 100.0 / total for x in d]
    pct.extend([None] * (10 - n))
    idle = d[3] + (d[4] if n > 4 else 0)
    return CpuPercent((total - idle) * 100.0 / total, *pct)  # type: ignore[arg-type]


def _deltas(
    new: tuple[int, ...], old: tuple[int, ...], idx: tuple[int, ...], wraps: tuple[int, ...]
) -> list[int] | None:
    out = []
    for i, wrap in zip(idx, wraps):
        d = _delta(new[i], old[i], wrap)
        if d is None:
            return None
        out.append(d)
    return out


_IDLE_DISK = DiskRate(0.0, 0.0, 0.0, 0.0, 0.0, None, None, None)
_IDLE_NET = NetRate(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _disk_rate(new: tuple[int, ...], old: tuple[int, ...], dt: float) -> DiskRate | None:
    if new == old:
        return _IDLE_DISK  # what the arithmetic below gives for no change
    d = _deltas(new, old, (0, 2, 3, 4, 6, 7, 9), _DISK_WRAPS)
    if d is None:
        return None
    reads, rsec, rms, writes, wsec, wms, busy_ms = d
    return DiskRate(
        rsec * SECTOR / dt,
        wsec * SECTOR / dt,
        reads / dt,
        writes / dt,
        min(100.0, busy_ms / (dt * 1000.0) * 100.0),
        (rms + wms) / (reads + writes) / 1000.0 if reads + writes else None,
        rms / reads / 1000.0 if reads else None,
        wms / writes / 1000.0 if writes else None,
    )


def _net_rate(new: tuple[int, ...], old: tuple[int, ...], dt: float) -> NetRate | None:
    if new == old:
        return _IDLE_NET
    d = _deltas(new, old, (0, 8, 1, 9, 2, 10, 3, 11), _NET_WRAPS)
    return None if d is None else NetRate(*(x / dt for x in d))


class SystemSampler:
    """Rates without hidden state: each :meth:`sample` returns a snapshot and
    the rates since the previous call of this sampler.

    ``clock`` (default time.monotonic) can be injected for tests.  Safe to
    share between threads (samples are serialised)."""

    def __init__(
        self,
        *,
        root: str | None = None,
        usage: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._root = resolve_root(root)
        self._usage = usage
        self._clock = clock
        self._prev: tuple[float, _Raw] | None = None
        self._lock = threading.Lock()

    def sample(self) -> SystemSample:
        with self._lock:
            ts = self._clock()
            snap, raw = _read(self._root, ts, self._usage)
            prev, self._prev = self._prev, (ts, raw)
        dt = None if prev is None else ts - prev[0]
        if prev is None or dt is None or dt <= 0:
            return SystemSample(
                snap, None, None,
                dict.fromkeys(snap.percpu_times), dict.fromkeys(raw[1]), dict.fromkeys(raw[2]),
            )
        pcpus, pdisks, pnets = prev[1]
        cpus, disks, nets = raw
        old_cpu = dict(reversed(pcpus))  # the first line of a CPU counts
        total = None
        percpu: dict[int, CpuPercent | None] = {}
        seen: set[int] = set()
        for cpu, ticks in cpus:
            if cpu in seen:
                continue
            seen.add(cpu)
            o = old_cpu.get(cpu)
            pct = None if o is None else _cpu_percent(ticks, o)
            if cpu == -1:
                total = pct
            else:
                percpu[cpu] = pct
        disk: dict[str, DiskRate | None] = {}
        for name, (ma, mi, v) in disks.items():
            od = pdisks.get(name)
            same = od is not None and od[0] == ma and od[1] == mi
            disk[name] = _disk_rate(v, od[2], dt) if same and od is not None else None
        net: dict[str, NetRate | None] = {}
        for name, v in nets.items():
            on = pnets.get(name)
            net[name] = _net_rate(v, on, dt) if on is not None else None
        return SystemSample(snap, dt, total, percpu, disk, net)


__all__ = [
    "CpuPercent",
    "DiskRate",
    "NetRate",
    "Snapshot",
    "SystemSample",
    "SystemSampler",
    "snapshot",
]
