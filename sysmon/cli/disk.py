"""``sysmon disk``: filesystems like ``df`` (space and inodes), and block
device I/O rates like ``iostat`` with ``--interval``.

The filesystem table follows GNU df: Use% and IUse% are rounded up, ``-h``
uses df's units (powers of 1024, rounded up), pseudo filesystems (proc,
sysfs, devpts, ...: df's "dummy" types) are not even statvfs'd and
filesystems of 0 blocks are hidden unless ``--all``, and of several mounts
on one mount point the last (the one visible there) is shown, in the place
of the first.  Mount points and device names are kernel text: the table
shows control and bidi characters as escapes.

With ``--root DIR`` the mount table is DIR/proc/self/mountinfo (under a DIR
other than /: DIR/proc/1/mountinfo, the host's mounts, when present) and each
mount point is looked up under DIR (as node_exporter's --path.rootfs does).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

import sysmon
from sysmon.cli._output import SubParsers
from sysmon.cli._system import (
    UNAVAILABLE,
    Frame,
    Rates,
    add_common,
    add_interval,
    df_human,
    fixed,
    human_parser,
    prepare,
    run_frames,
    stdout,
    table,
    under_root,
)
from sysmon.units import human_bytes

DESCRIPTION = """\
Show mounted filesystems like `df` with inodes (Size Used Avail Use% Inodes
IUsed IFree IUse% Type Mounted on), in bytes, or with -h in df's human units.
With --interval SECONDS, add I/O rates per block device over that interval
(bytes and requests per second, mean wait per request in ms, % of time busy),
from /proc/diskstats; --io shows only those.  Devices that never did any I/O
are hidden unless --all.  JSON: {"filesystems": [{"mount": ..., "disk_usage":
...}], "disk_rate": {...}, "interval": seconds}, raw units (bytes, seconds)."""

# GNU df (gnulib mountlist.c ME_DUMMY): file systems with no storage of
# their own, shown only with --all (and never statvfs'd otherwise).
DUMMY_TYPES = frozenset({
    "autofs", "proc", "subfs", "debugfs", "devpts", "fusectl", "fuse.portal", "mqueue",
    "rpc_pipefs", "sysfs", "devfs", "kernfs", "ignore", "none",
})

FS_TITLES = (
    ("Filesystem", "<"), ("Size", ">"), ("Used", ">"), ("Avail", ">"), ("Use%", ">"),
    ("Inodes", ">"), ("IUsed", ">"), ("IFree", ">"), ("IUse%", ">"), ("Type", "<"),
    ("Mounted on", "<"),
)
IO_TITLES = (
    ("Device", "<"), ("rB/s", ">"), ("wB/s", ">"), ("r/s", ">"), ("w/s", ">"),
    ("await", ">"), ("r_await", ">"), ("w_await", ">"), ("%util", ">"),
)


def add_parser(sub: SubParsers) -> None:
    p = human_parser(sub, "disk", "filesystems like df (with inodes), I/O rates with --interval",
                     DESCRIPTION)
    p.add_argument("-h", "--human", action="store_true",
                   help="sizes and counts in df's human units (4.0K, 12G; powers of 1024)")
    p.add_argument("-a", "--all", action="store_true",
                   help="also pseudo and empty filesystems, and devices without I/O")
    add_interval(p, "also show I/O rates per device, measured over SECONDS", None)
    p.add_argument("--io", action="store_true",
                   help="show only the I/O rates (over --interval, default 1 second)")
    add_common(p, json_help="print one JSON object, raw units (bytes, seconds)")
    p.set_defaults(run=run)


# ---------------------------------------------------------------- filesystems


def percent_up(used: int, avail: int) -> str:
    """df's Use%: used / (used + avail), rounded up; "-" when both are 0."""
    whole = used + avail
    if whole <= 0:
        return UNAVAILABLE
    return f"{-(-used * 100 // whole)}%"


def one_per_device(ms: list[sysmon.Mount]) -> list[sysmon.Mount]:
    """One mount per filesystem (device number), as df without --all shows:
    a device name with a '/' beats one without; then the mount point nearer
    the root wins, unless it shows a deeper part of the filesystem (a bind
    mount of a subdirectory); and a mount on the same point over another
    device replaces it.  The survivor takes the first one's place."""
    out: list[sysmon.Mount] = []
    where: dict[tuple[int, int], int] = {}
    for m in ms:
        i = where.get((m.major, m.minor))
        if i is None:
            where[(m.major, m.minor)] = len(out)
            out.append(m)
            continue
        old = out[i]
        if (("/" in m.device and "/" not in old.device)
                or (len(m.mountpoint) < len(old.mountpoint) and len(m.root) <= len(old.root))
                or (m.device != old.device and m.mountpoint == old.mountpoint)):
            out[i] = m
    return out


def filesystems(root: str | None, show_all: bool
                ) -> list[tuple[sysmon.Mount, sysmon.DiskUsage]]:
    """(mount, usage) of each mount point df would show, in mount order; the
    last mount on a mount point wins (it hides the others), at the first's
    place."""
    last: dict[str, sysmon.Mount] = {}
    for m in sysmon.mounts(root=root):
        last[m.mountpoint] = m
    out = []
    for m in (list(last.values()) if show_all else one_per_device(list(last.values()))):
        if m.fstype in DUMMY_TYPES and not show_all:
            continue
        try:
            usage = sysmon.disk_usage(under_root(root, m.mountpoint))
        except sysmon.SysmonError:
            continue  # gone since, or not ours to see: left out, like df
        if usage.total == 0 and not show_all:
            continue
        out.append((m, usage))
    return out


def fs_rows(fss: list[tuple[sysmon.Mount, sysmon.DiskUsage]], human: bool) -> list[list[str]]:
    size: Callable[[int], str] = df_human if human else str
    rows = []
    for m, u in fss:
        rows.append([
            m.device, size(u.total), size(u.used), size(u.available),
            percent_up(u.used, u.available),
            size(u.inodes_total), size(u.inodes_used), size(u.inodes_free),
            percent_up(u.inodes_used, u.inodes_free),
            m.fstype, m.mountpoint,
        ])
    return rows


# ---------------------------------------------------------------- I/O


def _ms(value: float | None) -> str:
    return UNAVAILABLE if value is None else f"{value * 1000:.2f}"


def io_rows(sample: sysmon.SystemSample, human: bool, show_all: bool) -> list[list[str]]:
    size: Callable[[int], str] = human_bytes if human else str
    rows = []
    for name, counters in sample.snapshot.disk_io.items():
        idle = counters.reads == 0 and counters.writes == 0
        if idle and not show_all:
            continue
        r = sample.disk.get(name)
        if r is None:
            rows.append([name] + [UNAVAILABLE] * (len(IO_TITLES) - 1))
            continue
        rows.append([
            name, size(round(r.read_bytes_per_s)), size(round(r.write_bytes_per_s)),
            fixed(r.read_iops), fixed(r.write_iops),
            _ms(r.await_time), _ms(r.read_await), _ms(r.write_await),
            fixed(r.util_percent),
        ])
    return rows


def io_json(sample: sysmon.SystemSample, show_all: bool) -> dict[str, object]:
    io = sample.snapshot.disk_io
    shown = [n for n, c in io.items() if show_all or c.reads or c.writes]
    return {n: sample.disk.get(n) for n in shown}


# ---------------------------------------------------------------- command


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = stdout(out)
    prepare(args)
    root: str | None = args.root
    human: bool = args.human
    show_all: bool = args.all
    interval: float | None = args.interval
    only_io: bool = args.io
    if only_io and interval is None:
        interval = 1.0
    rates = Rates(root, interval) if interval is not None else None

    def frame() -> Frame:
        fss = [] if only_io else filesystems(root, show_all)
        sample = rates.sample() if rates is not None else None
        if args.json:
            obj: dict[str, object] = {}
            if not only_io:
                obj["filesystems"] = [{"mount": m, "disk_usage": u} for m, u in fss]
            if sample is not None:
                obj["disk_rate"] = io_json(sample, show_all)
                obj["interval"] = sample.interval
            return obj
        lines: list[str] = []
        if not only_io:
            lines = table(FS_TITLES, fs_rows(fss, human), stream)
        if sample is not None:
            if lines:
                lines.append("")
            lines += table(IO_TITLES, io_rows(sample, human, show_all), stream)
        return lines

    return run_frames(frame, args.watch, stream)
