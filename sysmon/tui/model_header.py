"""The header above every view (part of sysmon.tui.model): per-CPU bars, the
Mem and Swp bars, tasks by state, load average, uptime and pressure.

Its height depends on the snapshot (the number of CPUs) and the terminal's
height, never on its width, so that scrolling (which knows only the height)
and drawing agree on where the table starts.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Sequence

import sysmon
from sysmon.tui.model_text import (
    UNAVAILABLE,
    bar,
    duration,
    fill,
    fit,
    human_bytes,
    level,
)
from sysmon.tui.model_types import Cell, Line, Snapshot, State

_BLOCK = 3  # the lines under the CPU bars: Mem|Tasks, Swp|Load, Uptime|PSI


def _cpus(snap: Snapshot) -> list[tuple[int, sysmon.CpuPercent | None]]:
    if snap.system is None:
        return []
    return sorted(snap.system.percpu.items())


def _grid(n: int) -> tuple[int, int]:
    """(columns, rows) of the per-CPU bars."""
    ncols = 1 if n <= 4 else 2 if n <= 32 else 4
    return ncols, math.ceil(n / ncols)


def header_plan(snap: Snapshot, height: int | None) -> tuple[bool, int]:
    """(per-CPU bars shown, header lines).  The header takes at most half of
    what the title and status lines leave; when the per-CPU bars do not fit
    one "CPU" bar stands for all.  ``height`` None: no limit (render_text)."""
    n = len(_cpus(snap))
    per_cpu = _grid(n)[1] + _BLOCK if n else 0
    if height is None:
        return (n > 0, per_cpu if n else 1 + _BLOCK)
    budget = max(0, (height - 2) // 2)
    if n and per_cpu <= budget:
        return (True, per_cpu)
    return (False, min(1 + _BLOCK, budget))


def _cpu_bar(label: str, pct: sysmon.CpuPercent | None, width: int, st: State) -> Line:
    if pct is None:
        return bar(label, (), UNAVAILABLE, width, st.mono)
    system = pct.system + (pct.irq or 0.0) + (pct.softirq or 0.0)
    segments = (
        (pct.user, "bar_user"), (pct.nice, "bar_nice"), (system, "bar_system"),
        (pct.iowait or 0.0, "bar_iowait"), (pct.steal or 0.0, "bar_steal"),
    )
    return bar(label, segments, f"{pct.busy:.1f}%", width, st.mono)


def _mem_bar(snap: Snapshot, width: int, st: State) -> Line:
    m = snap.memory
    if m is None or m.total <= 0:
        return bar("Mem", (), UNAVAILABLE, width, st.mono)
    t = m.total
    segments = ((m.used * 100.0 / t, "bar_mem_used"), (m.buffers * 100.0 / t, "bar_mem_buffers"),
                (m.cached * 100.0 / t, "bar_mem_cache"))
    return bar("Mem", segments, f"{human_bytes(m.used)}/{human_bytes(t)}", width, st.mono)


def _swap_bar(snap: Snapshot, width: int, st: State) -> Line:
    s = snap.swap
    if s is None:
        return bar("Swp", (), UNAVAILABLE, width, st.mono)
    pct = s.used * 100.0 / s.total if s.total > 0 else 0.0
    return bar("Swp", ((pct, "bar_swap"),), f"{human_bytes(s.used)}/{human_bytes(s.total)}",
               width, st.mono)


# state letter -> the word htop's "Tasks:" meter uses, and its meaning
# (the alarming ones first: they must survive a narrow terminal's cut)
_STATES = (("R", "running", ""), ("S", "sleeping", ""), ("Z", "zombie", "warn"),
           ("D", "disk sleep", "warn"), ("T", "stopped", ""), ("I", "idle", ""))


_STATE = operator.attrgetter("info.state")


def _tasks(snap: Snapshot) -> list[Cell]:
    raw: Counter[str | None] = Counter(map(_STATE, snap.processes))
    counts: Counter[str] = Counter()
    for s, n in raw.items():
        counts["T" if s == "t" else (s or "?")] += n
    cells = [Cell("Tasks: ", "header"), Cell(str(len(snap.processes)))]
    for letter, word, meaning in _STATES:
        n = counts[letter]
        if n or letter in "RS":
            cells.append(Cell(f", {n} {word}", meaning if n else ""))
    return cells


def _load(snap: Snapshot) -> list[Cell]:
    cells = [Cell("Load average: ", "header")]
    la = snap.load
    if la is None:
        return [*cells, Cell(UNAVAILABLE)]
    ncpu = max(len(_cpus(snap)), 1)
    for v in (la.load1, la.load5, la.load15):
        m = "crit" if v > 2 * ncpu else "warn" if v > ncpu else ""
        cells.append(Cell(f"{v:.2f} ", m))
    return cells


def _uptime(snap: Snapshot) -> list[Cell]:
    up = snap.uptime
    return [Cell("Uptime: ", "header"), Cell(duration(up.seconds if up is not None else None))]


def _psi(snap: Snapshot) -> list[Cell]:
    if snap.pressure is None:
        return []
    cells = [Cell("PSI some avg10:", "header")]
    for key, label in (("cpu", "cpu"), ("memory", "mem"), ("io", "io")):
        p = snap.pressure.get(key)
        some = p.some if p is not None else None
        if some is None:
            cells.append(Cell(f" {label} {UNAVAILABLE}"))
        else:
            cells.append(Cell(f" {label} {some.avg10:.2f}%", level(some.avg10, 10.0, 50.0)))
    return cells


def _left(width: int) -> int:
    """The width of the left column (the bars) under the CPU bars."""
    return width * 2 // 5 if width >= 60 else width // 2


def _pair(left: Sequence[Cell], right: Sequence[Cell], width: int) -> Line:
    """The left column (bars) and the right one (text), one space apart."""
    return fit((*fill(left, max(_left(width) - 1, 0)), Cell(" "), *right), width)


def header_lines(snap: Snapshot, st: State, width: int, height: int | None) -> list[Line]:
    """The header, :func:`header_plan` lines tall (``height`` None: every CPU)."""
    per_cpu, count = header_plan(snap, height)
    if count <= 0 or width <= 0:
        return [()] * max(count, 0)
    out: list[Line] = []
    if per_cpu:
        cpus = _cpus(snap)
        ncols, nrows = _grid(len(cpus))
        digits = len(str(cpus[-1][0]))
        colw = width // ncols
        for r in range(nrows):
            cells: list[Cell] = []
            for c in range(ncols):
                i = c * nrows + r
                if i >= len(cpus):
                    break
                cpu, pct = cpus[i]
                w = colw if c < ncols - 1 else width - colw * (ncols - 1)
                gap = " " if c < ncols - 1 else ""
                cells.extend(fit((*_cpu_bar(f"{cpu:>{digits}}", pct, w - len(gap), st),
                                  Cell(gap)), w))
            out.append(fit(cells, width))
    else:
        total = snap.system.cpu_percent if snap.system is not None else None
        out.append(_cpu_bar("CPU", total, width, st))
    left = _left(width) - 1
    out.append(_pair(_mem_bar(snap, left, st), _tasks(snap), width))
    out.append(_pair(_swap_bar(snap, left, st), _load(snap), width))
    out.append(_pair(_uptime(snap), _psi(snap), width))
    return out[:count]


__all__ = ["header_lines", "header_plan"]
