"""``sysmon mem``: memory and swap in the layout of procps-ng ``free``.

Same columns, same rows, same numbers (sysmon.memory() derives them as
free >= 4.0.1 does) and the same units: KiB by default, ``-b -k -m -g
--tebi --pebi``, ``--si`` for powers of 1000, ``-h`` for free's human
units (Ki, Mi, Gi...; B, K, M with --si), ``-w`` for separate buffers and
cache, ``-t`` for a Total row.  ``-h`` means human here, as in free, so help
is ``--help`` only.
"""

from __future__ import annotations

import argparse
import struct
from collections.abc import Sequence
from typing import TextIO

import sysmon
from sysmon.cli._output import SubParsers
from sysmon.cli._system import Frame, add_common, human_parser, prepare, run_frames, stdout

DESCRIPTION = """\
Show memory and swap like `free`: total, used, free, shared, buff/cache
(buffers + page cache + reclaimable slab) and available, from /proc/meminfo.
Units as free's: KiB by default; -b bytes, -k KiB, -m MiB, -g GiB, --tebi,
--pebi; with --si the same in powers of 1000; -h picks a unit per value.
JSON (--json) is always in bytes: {"memory": {...}, "swap": {...}}, keys as in
`sysmon explain memory.used`."""

# free's --bytes/--kibi/... exponents: 0 is the default (KiB), 1 bytes, n
# means base ** (n - 1).
_UNITS = (
    ("-b", "--bytes", 1, "bytes"),
    ("-k", "--kibi", 2, "KiB (KB with --si)"),
    ("-m", "--mebi", 3, "MiB (MB with --si)"),
    ("-g", "--gibi", 4, "GiB (GB with --si)"),
    (None, "--tebi", 5, "TiB (TB with --si)"),
    (None, "--pebi", 6, "PiB (PB with --si)"),
)


def add_parser(sub: SubParsers) -> None:
    p = human_parser(sub, "mem", "memory and swap, like free", DESCRIPTION)
    unit = p.add_mutually_exclusive_group()
    for short, long, exponent, what in _UNITS:
        names = [n for n in (short, long) if n is not None]
        unit.add_argument(*names, dest="exponent", action="store_const", const=exponent,
                          help=f"show {what}")
    unit.add_argument("-h", "--human", action="store_true",
                      help="show each value in a unit that keeps it short (Ki, Mi, Gi, ...)")
    p.add_argument("--si", action="store_true", help="use powers of 1000, not 1024")
    p.add_argument("-w", "--wide", action="store_true",
                   help="separate buffers and cache columns instead of buff/cache")
    p.add_argument("-t", "--total", action="store_true",
                   help="add a Total row: memory plus swap")
    add_common(p, json_help="print {\"memory\": ..., \"swap\": ...} in bytes")
    p.set_defaults(run=run, exponent=0)


def _float32(x: float) -> float:
    """``x`` rounded to a C float, as free prints it."""
    value: float = struct.unpack("f", struct.pack("f", x))[0]
    return value


def scale(n: int, exponent: int, human: bool, si: bool) -> str:
    """One value as procps-ng free 4 prints it (its scale_size)."""
    base = 1000 if si else 1024
    if not human:
        if exponent == 1:
            return str(n)
        # 2 (-k) is base ** 1 and so on; 0 (no option) is the same as -k
        return str(n // base ** max(exponent - 1, 1))
    text = f"{n}B"
    if len(text) <= 4:
        return text
    limit = 4 if si else 5
    suffix = "" if si else "i"
    for i, unit in enumerate("KMGTP", 1):
        value = n / base**i
        text = f"{_float32(value):.1f}{unit}{suffix}"
        if len(text) <= limit:
            return text
        text = f"{int(value)}{unit}{suffix}"
        if len(text) <= limit:
            return text
    return text  # beyond pebibytes: wider than the column, as free


def rows(mem: sysmon.Memory, swp: sysmon.Swap, *, wide: bool, total: bool
         ) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """free's titles and (label, bytes) rows."""
    if wide:
        titles = ["total", "used", "free", "shared", "buffers", "cache", "available"]
        cache = [mem.buffers, mem.cached]
    else:
        titles = ["total", "used", "free", "shared", "buff/cache", "available"]
        cache = [mem.buffers + mem.cached]
    out = [
        ("Mem:", [mem.total, mem.used, mem.free, mem.shared, *cache, mem.available]),
        ("Swap:", [swp.total, swp.used, swp.free]),
    ]
    if total:
        out.append(("Total:", [mem.total + swp.total, mem.used + swp.used,
                               mem.free + swp.free]))
    return titles, out


def layout(titles: Sequence[str], body: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """free's fixed layout: labels in 8 columns, values right-aligned in 11
    after one space (wider when a value needs it, so columns never touch)."""
    widths = [11] * len(titles)
    for i, t in enumerate(titles):
        widths[i] = max(widths[i], len(t))
    for _, cells in body:
        for i, c in enumerate(cells):
            widths[i] = max(widths[i], len(c))
    lines = [" " * 8 + "".join(" " + t.rjust(w) for t, w in zip(titles, widths))]
    for label, cells in body:
        lines.append(label.ljust(8) + "".join(" " + c.rjust(w) for c, w in zip(cells, widths)))
    return lines


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = stdout(out)
    prepare(args)
    root: str | None = args.root
    exponent: int = args.exponent
    human: bool = args.human
    si: bool = args.si

    def frame() -> Frame:
        mem = sysmon.memory(root=root)
        swp = sysmon.swap(root=root)
        if args.json:
            return {"memory": mem, "swap": swp}
        titles, body = rows(mem, swp, wide=args.wide, total=args.total)
        shown = [(label, [scale(v, exponent, human, si) for v in values])
                 for label, values in body]
        return layout(titles, shown)

    return run_frames(frame, args.watch, stream)
