"""Disks: mounts (/proc/self/mountinfo), usage (statvfs) and I/O counters
(/proc/diskstats)."""

from __future__ import annotations

import errno
import os
from typing import NamedTuple

from sysmon._host import is_live, resolve_root
from sysmon._sysread import load, parse, path_of, read
from sysmon.errors import AccessDenied, SysmonError

SECTOR = 512  # /proc/diskstats counts 512-byte sectors whatever the device's own size


class Mount(NamedTuple):
    """One line of /proc/self/mountinfo; paths with octal escapes decoded."""

    device: str
    mountpoint: str
    fstype: str
    options: tuple[str, ...]
    readonly: bool
    root: str
    super_options: tuple[str, ...]
    optional: str
    mount_id: int
    parent_id: int
    major: int
    minor: int


class DiskUsage(NamedTuple):
    """statvfs of a path, as ``df -B1`` and ``df -i`` show it (bytes, inodes).
    ``available``/``inodes_available`` are what an unprivileged user may use;
    ``percent`` is df's Use%: used / (used + available) * 100 (df rounds up)."""

    total: int
    used: int
    free: int
    available: int
    percent: float
    inodes_total: int
    inodes_used: int
    inodes_free: int
    inodes_available: int
    inodes_percent: float


class DiskIO(NamedTuple):
    """One line of /proc/diskstats since boot.  Bytes from 512-byte sectors,
    times in seconds.  The discard fields need Linux >= 4.18 and the flush
    fields >= 5.5: None on older kernels."""

    major: int
    minor: int
    reads: int
    reads_merged: int
    read_bytes: int
    read_time: float
    writes: int
    writes_merged: int
    write_bytes: int
    write_time: float
    in_flight: int
    io_time: float
    weighted_io_time: float
    discards: int | None
    discards_merged: int | None
    discard_bytes: int | None
    discard_time: float | None
    flushes: int | None
    flush_time: float | None


def _s(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _opts(b: bytes) -> tuple[str, ...]:
    return tuple(_s(b).split(",")) if b else ()


def mounts_from(rows: list[tuple[object, ...]]) -> list[Mount]:
    out = []
    for mid, pid, major, minor, root, point, opts, optional, fstype, source, sup in rows:
        o = _opts(opts)  # type: ignore[arg-type]
        so = _opts(sup)  # type: ignore[arg-type]
        out.append(Mount(
            _s(source), _s(point), _s(fstype), o,  # type: ignore[arg-type]
            "ro" in o or "ro" in so, _s(root), so, _s(optional),  # type: ignore[arg-type]
            mid, pid, major, minor,  # type: ignore[arg-type]
        ))
    return out


def mountinfo_path(root: str) -> str:
    """<root>/proc/self/mountinfo for the live root.  Under another root (a
    host's /proc seen from a container) "self" would be the reader's own mount
    namespace: <root>/proc/1/mountinfo is the host's, when it is there."""
    if not is_live(root):
        init = path_of(root, "proc/1/mountinfo")
        if os.path.exists(init):
            return init
    return path_of(root, "proc/self/mountinfo")


def mounts(*, root: str | None = None) -> list[Mount]:
    """Every mount this process sees (/proc/self/mountinfo), in order; under
    another root, the mounts of its pid 1 when it has one (see mountinfo_path)."""
    r = resolve_root(root)
    return mounts_at(mountinfo_path(r), read(mountinfo_path(r)))


# path -> (the bytes last parsed, the records): the mount table rarely
# changes, and identical bytes parse to identical (immutable) records.
_mount_cache: dict[str, tuple[bytes, tuple[Mount, ...]]] = {}


def mounts_at(path: str, data: bytes) -> list[Mount]:
    """The records of one mountinfo file's content (a new list each time)."""
    hit = _mount_cache.get(path)
    if hit is not None and hit[0] == data:
        return list(hit[1])
    ms = mounts_from(parse(path, "parse_mountinfo", data))
    _mount_cache[path] = (data, tuple(ms))
    return ms


def _pct(used: int, avail: int) -> float:
    return used * 100.0 / (used + avail) if used + avail else 0.0


def disk_usage(path: str | os.PathLike[str]) -> DiskUsage:
    """Space and inodes of the filesystem holding ``path`` (statvfs)."""
    p = os.fspath(path)
    try:
        st = os.statvfs(p)
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM):
            msg = f"access denied to {p}: cannot get its disk usage"
            raise AccessDenied(None, p, msg) from None
        raise SysmonError(f"cannot get disk usage of {p}: {os.strerror(e.errno or 0)}") from None
    except ValueError:
        raise SysmonError(f"cannot get disk usage of {p!r}: the path contains a NUL byte") from None
    return usage_from(st)


def usage_from(st: os.statvfs_result) -> DiskUsage:
    bs = st.f_frsize or st.f_bsize
    total = st.f_blocks * bs
    free = st.f_bfree * bs
    avail = st.f_bavail * bs
    used = total - free
    iused = st.f_files - st.f_ffree
    return DiskUsage(
        total, used, free, avail, _pct(used, avail),
        st.f_files, iused, st.f_ffree, st.f_favail, _pct(iused, st.f_favail),
    )


def disk_record(major: int, minor: int, v: tuple[int, ...]) -> DiskIO:
    """One parsed diskstats line as a record (11, 15 or 17 counters)."""
    n = len(v)
    disc = (v[11], v[12], v[13] * SECTOR, v[14] / 1000) if n >= 15 else (None,) * 4
    flush = (v[15], v[16] / 1000) if n >= 17 else (None, None)
    return DiskIO(
        major, minor,
        v[0], v[1], v[2] * SECTOR, v[3] / 1000,
        v[4], v[5], v[6] * SECTOR, v[7] / 1000,
        v[8], v[9] / 1000, v[10] / 1000,
        *disc, *flush,
    )


def disk_raw_by_name(
    rows: list[tuple[int, int, bytes, tuple[int, ...]]],
) -> dict[str, tuple[int, int, tuple[int, ...]]]:
    """name -> (major, minor, counters); the first line of a name wins."""
    out: dict[str, tuple[int, int, tuple[int, ...]]] = {}
    for major, minor, name, v in rows:
        out.setdefault(_s(name), (major, minor, v))
    return out


def disk_io_from(rows: list[tuple[int, int, bytes, tuple[int, ...]]]) -> dict[str, DiskIO]:
    return {k: disk_record(*t) for k, t in disk_raw_by_name(rows).items()}


def disk_io(*, root: str | None = None) -> dict[str, DiskIO]:
    """I/O counters of every block device and partition, by kernel name."""
    r = resolve_root(root)
    return disk_io_from(load(path_of(r, "proc/diskstats"), "parse_diskstats"))


__all__ = ["DiskIO", "DiskUsage", "Mount", "disk_io", "disk_usage", "mounts"]
