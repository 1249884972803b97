"""Load: load averages, uptime and pressure stall information (PSI)."""

from __future__ import annotations

from typing import NamedTuple

from sysmon._host import resolve_root
from sysmon._sysread import check_root, dec, load, load_optional, path_of


class LoadAvg(NamedTuple):
    """/proc/loadavg: run-queue averages over 1, 5 and 15 minutes."""

    load1: float
    load5: float
    load15: float
    running: int
    total: int
    last_pid: int


class Uptime(NamedTuple):
    """/proc/uptime, in seconds.  ``idle`` is summed over all CPUs."""

    seconds: float
    idle: float


class PsiStats(NamedTuple):
    """One line of a /proc/pressure file: the share of wall time (percent)
    that tasks were stalled, averaged over 10 s, 60 s and 300 s, and the
    total stall time in seconds."""

    avg10: float
    avg60: float
    avg300: float
    total: float


class Pressure(NamedTuple):
    """``some``: at least one task stalled; ``full``: all non-idle tasks
    stalled at once.  ``full`` is None where the kernel does not report it
    (the cpu file before Linux 5.13)."""

    some: PsiStats | None
    full: PsiStats | None


RESOURCES = ("cpu", "memory", "io")


def loadavg(*, root: str | None = None) -> LoadAvg:
    return loadavg_at(resolve_root(root))


def loadavg_at(r: str) -> LoadAvg:
    m1, s1, m5, s5, m15, s15, running, total, last = load(
        path_of(r, "proc/loadavg"), "parse_loadavg"
    )
    return LoadAvg(dec(m1, s1), dec(m5, s5), dec(m15, s15), running, total, last)


def uptime(*, root: str | None = None) -> Uptime:
    return uptime_at(resolve_root(root))


def uptime_at(r: str) -> Uptime:
    um, us, im, is_ = load(path_of(r, "proc/uptime"), "parse_uptime")
    return Uptime(dec(um, us), dec(im, is_))


def _psi(raw: tuple[int, ...] | None) -> PsiStats | None:
    if raw is None:
        return None
    a10m, a10s, a60m, a60s, a300m, a300s, total = raw
    return PsiStats(dec(a10m, a10s), dec(a60m, a60s), dec(a300m, a300s), total / 1e6)


def pressure(*, root: str | None = None) -> dict[str, Pressure | None]:
    """``{"cpu": ..., "memory": ..., "io": ...}``.  A resource is None when
    this kernel has no PSI for it (no /proc/pressure, or PSI disabled at
    boot): unavailable, not an error."""
    r = resolve_root(root)
    check_root(r)
    return pressure_at(r)


def pressure_at(r: str) -> dict[str, Pressure | None]:
    """pressure() for a resolved root already known to exist."""
    out: dict[str, Pressure | None] = {}
    for res in RESOURCES:
        raw = load_optional(path_of(r, f"proc/pressure/{res}"), "parse_pressure")
        out[res] = None if raw is None else Pressure(_psi(raw[0]), _psi(raw[1]))
    return out


__all__ = ["LoadAvg", "Pressure", "PsiStats", "Uptime", "loadavg", "pressure", "uptime"]
