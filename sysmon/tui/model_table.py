"""The process table (part of sysmon.tui.model): columns, the rows in display
order (filter, sort, tree), and the table's lines."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Union

import sysmon
from sysmon.sanitize import Align, clip, display_width, truncate
from sysmon.tui.model_text import (
    UNAVAILABLE,
    clean,
    fill,
    fixed,
    human_bytes,
    human_count,
    level,
    percent,
    start_time,
    time_plus,
    tty_name,
)
from sysmon.tui.model_types import Cell, Ident, Line, ProcessRow, Snapshot, State


@dataclass(frozen=True)
class Column:
    """A table column.  ``field``: the ProcessInfo field shown, None for the
    derived CPU% and MEM%; ``needs`` (an addition): the process fields the
    column reads; ``width`` 0: takes the width left over (COMMAND);
    ``registry``: its entry in the field registry (``sysmon explain``)."""

    id: str
    title: str
    width: int
    align: Align
    field: str | None
    needs: tuple[str, ...] = ()
    registry: str = ""


# How each unit of the registry is shown: (width, align, formatter of the value).
Fmt = Callable[[object, Snapshot], str]


def _int(v: object, _s: Snapshot) -> str:
    return str(v) if isinstance(v, int) else UNAVAILABLE


def _text(v: object, _s: Snapshot) -> str:
    return v if isinstance(v, str) else UNAVAILABLE


def _bytes(v: object, _s: Snapshot) -> str:
    return human_bytes(v) if isinstance(v, int) else UNAVAILABLE


def _secs(v: object, _s: Snapshot) -> str:
    return time_plus(float(v)) if isinstance(v, (int, float)) else UNAVAILABLE


def _count(v: object, _s: Snapshot) -> str:
    return human_count(v) if isinstance(v, int) else UNAVAILABLE


def _tty(v: object, _s: Snapshot) -> str:
    return tty_name(v) if isinstance(v, int) else UNAVAILABLE


def _epoch(v: object, s: Snapshot) -> str:
    if not isinstance(v, (int, float)):
        return UNAVAILABLE
    return start_time(float(v), s.taken, s.utc_offset)


_UNITS: dict[str, tuple[int, Align, Fmt]] = {
    "id": (7, ">", _int),
    "text": (9, "<", _text),
    "code": (1, "<", _text),
    "count": (6, ">", _count),
    "epoch seconds": (5, ">", _epoch),
    "clock ticks": (10, ">", _int),
    "seconds": (9, ">", _secs),
    "bytes": (6, ">", _bytes),
    "nice": (3, ">", _int),
    "priority": (3, ">", _int),
    "device": (6, "<", _tty),
    "cpu": (3, ">", _int),
}
_WIDTHS = {"name": 15, "username": 9, "cmdline": 0}
_FMT: dict[str, Fmt] = {}


def _build_columns() -> dict[str, Column]:
    cols: dict[str, Column] = {}
    for name in sysmon.PROCESS_FIELDS:
        f = sysmon.FIELDS[name]
        width, align, fmt = _UNITS.get(f.unit, (8, ">", _int))
        if name == "cmdline":
            fmt, align = _text, "<"
        cols[name] = Column(name, f.title, _WIDTHS.get(name, width), align, name,
                            ("cmdline", "name") if name == "cmdline" else (name,), name)
        _FMT[name] = fmt
    cols["cpu_percent"] = Column("cpu_percent", "CPU%", 5, ">", None, ("cpu_time",),
                                 "process_sample.cpu_percent")
    cols["mem_percent"] = Column("mem_percent", "MEM%", 5, ">", None, ("rss",),
                                 "top.mem_percent")
    return cols


COLUMNS: dict[str, Column] = _build_columns()

# Columns sorted ascending by default (text and ids); the others descend.
_ASCENDING = frozenset({
    "pid", "ppid", "name", "cmdline", "username", "state", "uid", "euid", "gid", "egid",
    "tty_nr", "pgrp", "session", "tpgid", "create_time", "start_ticks", "cpu_num",
})

# Read for every process at every refresh: identity, the tree, the kill
# menu's names and the task counts.
_ALWAYS = frozenset({"pid", "ppid", "start_ticks", "name", "state"})

# Fields from /proc/<pid>/status and cmdline (with 1,000 processes about 17
# and 8 ms of kernel time per refresh, against 11 ms for stat):
# read only for the rows on screen (Source.extras) unless the order or the
# filter needs them for every process.  stat is read for every process: the
# identity, CPU%, the tree and the task counts come from it.
PER_ROW = frozenset({"cmdline", "uid", "euid", "gid", "egid", "username", "rss", "shared"})

# What a filter or a search matches (see matches()).
_MATCHED = frozenset({"name", "cmdline", "uid", "username"})


def PROCESS_FIELDS_NEEDED(columns: Sequence[str]) -> set[str]:
    """Every process field the columns (and identity, tree, filter and
    search) can need.  Unknown column ids are ignored."""
    out = set(_ALWAYS | _MATCHED)
    for c in columns:
        col = COLUMNS.get(c)
        if col is not None:
            out.update(col.needs)
    return out


def fields_needed(st: State) -> tuple[frozenset[str], frozenset[str]]:
    """(fields read for every process, fields read for the shown rows
    only).  The sort column, a filter, a search (or its prompt) and --user
    need their fields for every process; the other columns' PER_ROW fields are read for
    the rows on screen."""
    every = set(_ALWAYS)
    shown: set[str] = set()
    for c in st.columns:
        col = COLUMNS.get(c)
        if col is not None:
            shown.update(col.needs)
    sort = COLUMNS.get(st.sort)
    if sort is not None:
        every.update(sort.needs)
    if st.filter or st.search or st.prompt is not None:
        every |= _MATCHED
    if st.uid is not None:
        every.add("uid")
    every |= shown - PER_ROW
    return frozenset(every), frozenset(shown - every)


def default_reverse(column: str) -> bool:
    return column not in _ASCENDING


# ---------------------------------------------------------------- values


def ident(s: sysmon.ProcessSample) -> Ident:
    st = s.info.start_ticks
    return (s.info.pid, st if st is not None else -1)


def command(info: sysmon.ProcessInfo) -> str:
    """The command line joined by spaces; "[name]" for kernel threads (and
    zombies: an empty command line); the name when it was not read."""
    if info.cmdline:
        return " ".join(info.cmdline)
    name = info.name if info.name is not None else "?"
    return f"[{name}]" if info.cmdline is not None else name


def mem_percent(s: sysmon.ProcessSample, snap: Snapshot) -> float | None:
    rss = s.info.rss
    mem = snap.memory
    if rss is None or mem is None or mem.total <= 0:
        return None
    return rss * 100.0 / mem.total


SortKey = Union[int, float, str]
_PERCENTS = ("cpu_percent", "mem_percent")


def _share(column: str, s: sysmon.ProcessSample, snap: Snapshot) -> float | None:
    """CPU% or MEM% (``column`` one of _PERCENTS)."""
    return s.cpu_percent if column == "cpu_percent" else mem_percent(s, snap)


def _orderable(v: object) -> SortKey | None:
    """A field's value as a sort key: text case-folded, numbers as they
    are, anything else (None) unavailable."""
    if isinstance(v, str):
        return v.casefold()
    return v if isinstance(v, (int, float)) else None


def sort_value(column: str, s: sysmon.ProcessSample, snap: Snapshot) -> SortKey | None:
    """What ``column`` sorts ``s`` by; None when unavailable (sorted last)."""
    info = s.info
    if column == "cmdline":
        return None if info.cmdline is None and info.name is None else command(info).casefold()
    if column in _PERCENTS:
        return _share(column, s, snap)
    return _orderable(getattr(info, column, None))


def cell_text(column: str, s: sysmon.ProcessSample, snap: Snapshot) -> str:
    """The raw (unsanitized) text of one cell."""
    if column in _PERCENTS:
        return percent(_share(column, s, snap))
    if column == "cmdline":
        return command(s.info)
    fmt = _FMT.get(column)
    if fmt is None:
        return UNAVAILABLE
    return fmt(getattr(s.info, column, None), snap)


def cell_meaning(column: str, s: sysmon.ProcessSample, snap: Snapshot) -> str:
    if column in _PERCENTS:
        return level(_share(column, s, snap))
    if column == "state":
        return "warn" if s.info.state in ("D", "Z") else ""
    if column == "cmdline" and s.info.cmdline == []:
        return "dim"
    return ""


# ---------------------------------------------------------------- rows


def _matcher(text: str) -> Callable[[sysmon.ProcessSample], bool]:
    """Case-insensitive substring of the name or command line; "user:NAME"
    matches a user name (or uid) exactly."""
    t = text.casefold()
    if t.startswith("user:") and len(t) > 5:
        who = t[5:].strip()

        def by_user(s: sysmon.ProcessSample) -> bool:
            u = s.info.username
            return (u is not None and u.casefold() == who) or str(s.info.uid) == who

        return by_user

    def by_text(s: sysmon.ProcessSample) -> bool:
        i = s.info
        if i.name is not None and t in i.name.casefold():
            return True
        return bool(i.cmdline) and t in " ".join(i.cmdline or ()).casefold()

    return by_text


def matches(text: str) -> Callable[[sysmon.ProcessSample], bool]:
    if not text:
        return lambda _s: True
    return _matcher(text)


def _key(column: str, snap: Snapshot) -> Callable[[sysmon.ProcessSample], SortKey | None]:
    """sort_value for one column, as a function (the common columns without
    sort_value's dispatch: this runs for every process at every refresh)."""
    if column == "cpu_percent":
        return operator.attrgetter("cpu_percent")
    if column in ("cmdline", "mem_percent") or column not in COLUMNS:
        return lambda s: sort_value(column, s, snap)
    get = operator.attrgetter(column)
    return lambda s: _orderable(get(s.info))


_BY_PID = operator.attrgetter("info.pid")


def _sorted(samples: list[sysmon.ProcessSample], column: str, reverse: bool,
            snap: Snapshot) -> list[sysmon.ProcessSample]:
    """Stable; ties by pid ascending in both directions; unavailable values
    (None) last in both directions."""
    by_pid = sorted(samples, key=_BY_PID)
    key = _key(column, snap)
    keyed = [(key(s), s) for s in by_pid]
    present = [ks for ks in keyed if ks[0] is not None]
    missing = [s for k, s in keyed if k is None]
    try:
        present.sort(key=_FIRST, reverse=reverse)
    except TypeError:  # mixed kinds (not from real records): order by text
        present.sort(key=lambda ks: str(ks[0]), reverse=reverse)
    return [s for _, s in present] + missing


_FIRST = operator.itemgetter(0)


_TREE = {False: ("├─ ", "└─ ", "│  ", "   ", "├+ ", "└+ "),
         True: ("|- ", "`- ", "|  ", "   ", "|+ ", "`+ ")}


# rows() of the last (processes, memory, ordering) asked for: a refresh asks
# for the same rows several times (clamp, Source.extras, render), on
# snapshots that differ only in what Source.extras added.
_LAST: list[object] = [None, None, None, []]


def rows(snap: Snapshot, st: State) -> list[ProcessRow]:
    """The table rows in display order: filtered (--user, then the
    filter), sorted (stable, ties by
    pid, unavailable values last), in tree mode depth-first under parents,
    siblings sorted, collapsed subtrees hidden.  The same (snapshot,
    ordering) gives the same list object: do not change it.  The rows carry
    the scan's samples: row_line() draws ``snap.extra``'s completed ones."""
    key = (st.filter, st.uid, st.sort, st.reverse, st.tree, st.collapsed, st.ascii)
    if _LAST[0] is snap.processes and _LAST[1] is snap.memory and _LAST[2] == key:
        return _LAST[3]  # type: ignore[return-value]
    out = _rows(snap, st)
    _LAST[:] = [snap.processes, snap.memory, key, out]
    return out


def _rows(snap: Snapshot, st: State) -> list[ProcessRow]:
    samples = list(snap.processes)
    if st.uid is not None:
        samples = [s for s in samples if s.info.uid == st.uid]
    if st.filter:
        keep = _matcher(st.filter)
        samples = [s for s in samples if keep(s)]
    ordered = _sorted(samples, st.sort, st.reverse, snap)
    if not st.tree:
        return [ProcessRow(ident(s), 0, s, False, False) for s in ordered]
    return _tree(ordered, st)


def _is_parent(parent: sysmon.ProcessSample, child: sysmon.ProcessSample) -> bool:
    """A parent started no later than its child (else the pid was reused)."""
    a, b = parent.info.start_ticks, child.info.start_ticks
    return a is None or b is None or a <= b


def _hide(start: list[sysmon.ProcessSample], kids: dict[int, list[sysmon.ProcessSample]],
          seen: set[int]) -> None:
    """Mark a folded node's descendants as placed (they are not shown)."""
    todo = list(start)
    while todo:
        s = todo.pop()
        if s.info.pid not in seen:
            seen.add(s.info.pid)
            todo.extend(kids.get(s.info.pid, ()))


def _tree(ordered: list[sysmon.ProcessSample], st: State) -> list[ProcessRow]:
    by_pid = {s.info.pid: s for s in ordered}
    kids: dict[int, list[sysmon.ProcessSample]] = {}
    roots: list[sysmon.ProcessSample] = []
    for s in ordered:
        pp = s.info.ppid
        parent = by_pid.get(pp) if pp is not None and pp != s.info.pid else None
        if parent is not None and _is_parent(parent, s):
            kids.setdefault(parent.info.pid, []).append(s)
        else:
            roots.append(s)
    tee, elbow, pipe, blank, tee_c, elbow_c = _TREE[st.ascii]
    out: list[ProcessRow] = []
    seen: set[int] = set()

    def walk(top: sysmon.ProcessSample) -> None:
        # (sample, depth, prefix of its children, its own connector)
        stack: list[tuple[sysmon.ProcessSample, int, str, str]] = [(top, 0, "", "")]
        while stack:
            s, depth, cont, conn = stack.pop()
            pid = s.info.pid
            if pid in seen:
                continue
            seen.add(pid)
            children = [c for c in kids.get(pid, ()) if c.info.pid not in seen]
            folded = bool(children) and pid in st.collapsed
            if folded:
                _hide(children, kids, seen)
            if folded and depth > 0:
                conn = tee_c if conn == tee else elbow_c
            prefix = cont[:-3] + conn if depth > 0 else ("+ " if folded else "")
            out.append(ProcessRow(ident(s), depth, s, bool(children), folded, prefix))
            if folded:
                continue
            for i in range(len(children) - 1, -1, -1):
                last = i == len(children) - 1
                child_cont = cont + (blank if last else pipe)
                stack.append((children[i], depth + 1, child_cont, elbow if last else tee))

    for r in roots:
        walk(r)
    for s in ordered:  # cycles in ppid links: no root reaches them
        if s.info.pid not in seen:
            walk(s)
    return out


# ---------------------------------------------------------------- lines


def spans(st: State, width: int) -> tuple[tuple[Column, int, int], ...]:
    """(column, x, width) of each shown column; the flexible column (width
    0, COMMAND) takes what the others leave (maybe nothing)."""
    return _spans(st.columns, width)


@functools.lru_cache(maxsize=64)
def _spans(columns: tuple[str, ...], width: int) -> tuple[tuple[Column, int, int], ...]:
    cols = [COLUMNS[c] for c in columns if c in COLUMNS]
    widths = [0 if c.width == 0 else max(c.width, display_width(c.title) + 1) for c in cols]
    fixed_total = sum(widths) + max(len(cols) - 1, 0)
    rest = max(width - fixed_total, 0)
    out = []
    x = 0
    for c, fixed_w in zip(cols, widths):
        w = fixed_w or rest
        if fixed_w == 0:
            rest = 0
        out.append((c, x, w))
        x += w + 1
    return tuple(out)


def sort_marker(st: State) -> str:
    if st.ascii:
        return "v" if st.reverse else "^"
    return "▽" if st.reverse else "△"


def title_line(st: State, width: int) -> Line:
    cells: list[Cell] = []
    sp = spans(st, width)
    for i, (c, _x, w) in enumerate(sp):
        title = c.title + (sort_marker(st) if c.id == st.sort else "")
        sep = " " if i < len(sp) - 1 else ""
        cells.append(Cell(fixed(title, w, c.align) + sep,
                          "selected" if c.id == st.sort else "title"))
    return fill(cells, width, "title")


def row_line(row: ProcessRow, snap: Snapshot, st: State, width: int,
             meaning: str = "") -> Line:
    """One process; ``meaning`` ("selected", "tagged", "match") paints the
    whole row over the cells' own meanings.  The sample drawn is the one
    ``snap.extra`` completed for this process, when there is one."""
    cells: list[Cell] = []
    sp = spans(st, width)
    sample = shown_sample(row, snap)
    for i, (c, _x, cw) in enumerate(sp):
        sep = " " if i < len(sp) - 1 else ""
        text = clean(clip(cell_text(c.id, sample, snap), cw), st.ascii)
        m = meaning or cell_meaning(c.id, sample, snap)
        w = cw
        if c.id == "cmdline" and row.prefix:
            pre = truncate(row.prefix, w)
            cells.append(Cell(pre, meaning or "dim"))
            w -= display_width(pre)
        cells.append(Cell(fixed(text, w, c.align) + sep, m))
    used = sp[-1][1] + sp[-1][2] if sp else 0  # each cell is exactly its span's width
    if used > width:
        return fill(cells, width, meaning)
    line = tuple(c for c in cells if c.text)
    return (*line, Cell(" " * (width - used), meaning)) if used < width else line


def shown_sample(row: ProcessRow, snap: Snapshot) -> sysmon.ProcessSample:
    """The row's sample with the per-row fields Source.extras read, if any."""
    extra = snap.extra
    if extra:
        done = extra.get(row.ident)
        if done is not None:
            return done
    return row.sample


def plain_row(row: ProcessRow, snap: Snapshot, st: State, width: int) -> str:
    return "".join(c.text for c in row_line(row, snap, st, width)).rstrip(" ")


__all__ = [
    "COLUMNS",
    "PER_ROW",
    "PROCESS_FIELDS_NEEDED",
    "Column",
    "cell_text",
    "command",
    "default_reverse",
    "fields_needed",
    "ident",
    "matches",
    "plain_row",
    "row_line",
    "rows",
    "shown_sample",
    "sort_value",
    "spans",
    "title_line",
]
