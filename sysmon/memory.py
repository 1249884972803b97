"""Memory: /proc/meminfo (every key), the figures of ``free``, swap and the
VM event counters of /proc/vmstat."""

from __future__ import annotations

from typing import NamedTuple

from sysmon._host import PAGE_SIZE, resolve_root
from sysmon._sysread import check_root, load, load_optional, path_of
from sysmon.errors import ParseError


class Memory(NamedTuple):
    """Physical memory in bytes, derived as procps-ng ``free`` (>= 4.0.1) does:

    - available = MemAvailable; MemFree when MemAvailable is absent or 0,
      or larger than MemTotal (a container's distorted view)
    - used = total - available (total - free if that would be negative)
    - cached = Cached + SReclaimable (free's "buff/cache" is buffers + cached)
    - shared = Shmem
    """

    total: int
    available: int
    used: int
    free: int
    buffers: int
    cached: int
    shared: int
    active: int | None
    inactive: int | None
    slab: int | None
    percent: float


class Swap(NamedTuple):
    """Swap space in bytes, and pages swapped in and out since boot (bytes)."""

    total: int
    used: int
    free: int
    percent: float
    sin: int | None
    sout: int | None


class VmEvents(NamedTuple):
    """Event counters from /proc/vmstat since boot; None where absent."""

    page_faults: int | None
    major_faults: int | None
    swap_in: int | None
    swap_out: int | None
    page_in: int | None
    page_out: int | None
    oom_kills: int | None


def meminfo_from(rows: list[tuple[bytes, int, bool]]) -> dict[str, int]:
    """Every key of /proc/meminfo; values with a "kB" unit in bytes (x1024),
    the others (HugePages_*) as counts.  The first of a repeated key wins."""
    out: dict[str, int] = {}
    for key, value, kb in rows:
        k = key.decode("ascii", "surrogateescape")
        if k not in out:
            out[k] = value * 1024 if kb else value
    return out


def meminfo(*, root: str | None = None) -> dict[str, int]:
    """Every key of <root>/proc/meminfo, unknown ones included, in bytes
    where the kernel gives kB."""
    r = resolve_root(root)
    return meminfo_from(load(path_of(r, "proc/meminfo"), "parse_kv", True))


def vmstat_from(
    rows: list[tuple[bytes, int, bool]], keys: frozenset[bytes] | None = None
) -> dict[str, int]:
    """The counters of /proc/vmstat (first of a repeated key wins); only
    ``keys`` when given (a sample needs 7 of 200)."""
    out: dict[str, int] = {}
    for key, value, _ in rows:
        if keys is None or key in keys:
            out.setdefault(key.decode("ascii", "surrogateescape"), value)
    return out


# the /proc/vmstat keys that swap() and vm_events() use
VM_KEYS = frozenset({b"pswpin", b"pswpout", b"pgfault", b"pgmajfault", b"pgpgin", b"pgpgout",
                     b"oom_kill"})


def vmstat(*, root: str | None = None) -> dict[str, int]:
    """Every counter of <root>/proc/vmstat, as the kernel gives it (mostly
    pages or events; see proc(5))."""
    r = resolve_root(root)
    return vmstat_from(load(path_of(r, "proc/vmstat"), "parse_kv", False))


def memory_from(mi: dict[str, int], path: str) -> Memory:
    try:
        total = mi["MemTotal"]
        free = mi["MemFree"]
    except KeyError as e:
        raise ParseError(path, f"no {e.args[0]} line") from None
    avail = mi.get("MemAvailable", 0)
    if avail == 0 or avail > total:
        avail = free
    used = total - avail
    if used < 0:
        used = total - free
    buffers = mi.get("Buffers", 0)
    cached = mi.get("Cached", 0) + mi.get("SReclaimable", 0)
    pct = used * 100.0 / total if total else 0.0
    return Memory(total, avail, used, free, buffers, cached, mi.get("Shmem", 0),
                  mi.get("Active"), mi.get("Inactive"), mi.get("Slab"), pct)


def memory(*, root: str | None = None) -> Memory:
    """Physical memory like ``free -b`` (see :class:`Memory`)."""
    r = resolve_root(root)
    return memory_from(meminfo_picked(r), path_of(r, "proc/meminfo"))


# the /proc/meminfo keys that memory() and swap() use (every line is still
# checked; only these are converted)
MEM_KEYS = frozenset({b"MemTotal", b"MemFree", b"MemAvailable", b"Buffers", b"Cached",
                      b"SReclaimable", b"Shmem", b"Active", b"Inactive", b"Slab",
                      b"SwapTotal", b"SwapFree"})


def meminfo_picked(root: str) -> dict[str, int]:
    return meminfo_from(load(path_of(root, "proc/meminfo"), "parse_kv", True, MEM_KEYS))


def swap_from(mi: dict[str, int], vm: dict[str, int] | None) -> Swap:
    total = mi.get("SwapTotal", 0)
    free = mi.get("SwapFree", 0)
    used = total - free if free < total else 0
    pct = used * 100.0 / total if total else 0.0
    sin = sout = None
    if vm is not None:
        if "pswpin" in vm:
            sin = vm["pswpin"] * PAGE_SIZE
        if "pswpout" in vm:
            sout = vm["pswpout"] * PAGE_SIZE
    return Swap(total, used, free, pct, sin, sout)


def swap(*, root: str | None = None) -> Swap:
    """Swap totals (/proc/meminfo) and pages swapped in/out (/proc/vmstat)."""
    r = resolve_root(root)
    return swap_from(meminfo_picked(r), _vmstat_optional(r))


def _vmstat_optional(root: str) -> dict[str, int] | None:
    rows = load_optional(path_of(root, "proc/vmstat"), "parse_kv", False, VM_KEYS)
    return None if rows is None else vmstat_from(rows)


def vm_events_from(vm: dict[str, int]) -> VmEvents:
    def pages(key: str) -> int | None:
        v = vm.get(key)
        return None if v is None else v * PAGE_SIZE

    def kib(key: str) -> int | None:
        v = vm.get(key)
        return None if v is None else v * 1024

    return VmEvents(vm.get("pgfault"), vm.get("pgmajfault"), pages("pswpin"), pages("pswpout"),
                    kib("pgpgin"), kib("pgpgout"), vm.get("oom_kill"))


def vm_events(*, root: str | None = None) -> VmEvents:
    """Page faults, swapping, paging and OOM kills since boot (/proc/vmstat);
    all None when this kernel or tree has no /proc/vmstat."""
    r = resolve_root(root)
    check_root(r)
    return vm_events_from(_vmstat_optional(r) or {})


__all__ = ["Memory", "Swap", "VmEvents", "meminfo", "memory", "swap", "vm_events", "vmstat"]
