"""The records shared by the model, the view and the app (part of sysmon.tui.model).

Everything here is an immutable value: a :class:`Snapshot` is what one
refresh read, a :class:`State` is what the user did, a :class:`Frame` is what
to draw.  The model's functions map (Snapshot, State) to a new State or a
Frame and never touch the system.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, Union

import sysmon

Meaning = str  # one of MEANINGS; view.py maps each to a colour pair / attribute

MEANINGS: tuple[str, ...] = (
    "", "title", "header", "dim", "warn", "crit", "selected", "tagged", "match",
    "key", "status", "bar_user", "bar_nice", "bar_system", "bar_iowait", "bar_steal",
    "bar_mem_used", "bar_mem_buffers", "bar_mem_cache", "bar_swap",
)


class Cell(NamedTuple):
    """Text already sanitized (sysmon.sanitize.sanitize) and measured in
    display columns, with what it means (the view picks the colour).  (A
    NamedTuple: a screen makes hundreds per refresh.)"""

    text: str
    meaning: str = ""


Line = tuple[Cell, ...]  # cells left to right; their display widths sum to <= width

Ident = tuple[int, int]  # (pid, start_ticks): how the UI names a process (never a bare pid)


@dataclass(frozen=True)
class Frame:
    lines: tuple[Line, ...]  # at most height lines
    width: int
    height: int
    cursor: tuple[int, int] | None = None  # (y, x) for the prompt's cursor, else hidden


@dataclass(frozen=True)
class Details:
    """The details pane of one process (read by app.py on demand).  Each
    part is the data, or the error text that reading it gave."""

    pid: int
    cmdline: tuple[str, ...]
    environ: tuple[tuple[str, str], ...] | str  # redacted environment, or an error text
    open_files: tuple[tuple[int, str], ...] | str  # (fd, path), or an error text
    connections: tuple[str, ...] | str  # one preformatted line each, or an error text


@dataclass(frozen=True)
class Snapshot:
    """Everything one refresh read; app.py builds it from the public API.

    ``utc_offset`` (an addition to the spec): seconds east of UTC of the
    local time zone at ``taken``, so that the START column shows local time
    without the model calling the clock or the time zone database."""

    taken: float  # epoch seconds (time.time())
    system: sysmon.SystemSample | None
    memory: sysmon.Memory | None
    swap: sysmon.Swap | None
    load: sysmon.LoadAvg | None
    uptime: sysmon.Uptime | None
    pressure: Mapping[str, sysmon.Pressure | None] | None  # sysmon.pressure(); None: none
    processes: tuple[sysmon.ProcessSample, ...]
    self_pid: int
    connections: tuple[sysmon.Connection, ...] | None = None  # the network view
    filesystems: tuple[tuple[sysmon.Mount, sysmon.DiskUsage | None], ...] | None = None
    disk_rates: Mapping[str, sysmon.DiskRate | None] | None = None
    details: Details | None = None
    utc_offset: float = 0.0
    # The shown rows' samples completed with the fields read only for them
    # (model_table.PER_ROW: command line, user), by ident; see Source.extras.
    extra: Mapping[Ident, sysmon.ProcessSample] | None = None


@dataclass(frozen=True)
class Menu:
    kind: str  # "signal" | "nice" | "columns" | "sort"
    items: tuple[str, ...]
    index: int = 0
    # signal and nice: the processes it acts on, fixed when it opened (the
    # rows may move under it while it is open)
    targets: tuple[Ident, ...] = ()


DEFAULT_COLUMNS: tuple[str, ...] = (
    "pid", "username", "priority", "nice", "vms", "rss", "shared", "state", "cpu_percent",
    "mem_percent", "cpu_time", "cmdline",
)

VIEWS: tuple[str, ...] = ("processes", "network", "disks", "help")


@dataclass(frozen=True)
class State:
    """What the user has done.  Fields after ``mono`` are additions to the
    spec (all with defaults): ``index`` is the selected row's position (the
    selection stays on it when the list changes and follow is off),
    ``view_top`` scrolls the network, disks and help views, ``back`` is the
    view that help returns to, ``ascii`` draws trees, bars and markers in
    ASCII and escapes every non-ASCII character (terminals that are not
    UTF-8), ``uid`` keeps other users' processes out of the table (not out
    of the header's counts, as top -u)."""

    view: str = "processes"  # "processes" | "network" | "disks" | "help"
    columns: tuple[str, ...] = DEFAULT_COLUMNS  # column ids, see COLUMNS
    sort: str = "cpu_percent"
    reverse: bool = True
    tree: bool = False
    collapsed: frozenset[int] = frozenset()  # pids whose subtree is folded (tree view)
    search: str = ""  # incremental search text (highlight + jump, rows kept)
    filter: str = ""  # rows not matching are hidden
    prompt: str | None = None  # "search" | "filter" while typing, else None
    selected: Ident | None = None
    follow: bool = False  # keep the selected process selected as it moves
    tagged: frozenset[Ident] = frozenset()
    top: int = 0  # first table row shown (scroll)
    details: bool = False  # the details pane of the selected process is open
    menu: Menu | None = None
    message: str = ""  # one status line (result of the last action)
    mono: bool = False
    index: int = 0
    view_top: int = 0
    back: str = "processes"
    ascii: bool = False
    uid: int | None = None  # --user: the table holds only this real uid's processes


@dataclass(frozen=True)
class SendSignal:
    targets: tuple[Ident, ...]
    signal: int


@dataclass(frozen=True)
class Renice:
    targets: tuple[Ident, ...]
    delta: int  # F7: -1 (raise priority), F8: +1


@dataclass(frozen=True)
class Quit:
    pass


Action = Union[SendSignal, Renice, Quit]


class ProcessRow(NamedTuple):
    """One table row.  ``prefix`` (an addition): the tree drawing before the
    command in tree mode ("" otherwise)."""

    ident: Ident
    depth: int
    sample: sysmon.ProcessSample
    has_children: bool
    collapsed: bool
    prefix: str = ""


__all__ = [
    "DEFAULT_COLUMNS",
    "MEANINGS",
    "VIEWS",
    "Action",
    "Cell",
    "Details",
    "Frame",
    "Ident",
    "Line",
    "Meaning",
    "Menu",
    "ProcessRow",
    "Quit",
    "Renice",
    "SendSignal",
    "Snapshot",
    "State",
]
