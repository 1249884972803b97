"""How process fields look in a table: one formatter per kind of value.

Values arrive in base units from :class:`sysmon.ProcessInfo` (bytes, seconds,
epoch seconds, raw device numbers) and leave as plain strings; sanitizing and
alignment happen in :mod:`sysmon.cli._output`.  Titles come from the field
registry (``sysmon.FIELDS[name].title``); the only columns that are not one
registry field is COMMAND (cmdline, or ``[name]`` when it is empty), which
``ps`` users expect; TIME is the ``cpu_time`` field shown as ps shows it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

import sysmon
from sysmon.sanitize import Align
from sysmon.units import human_bytes, tty_name

UNAVAILABLE = "-"



def cpu_time(seconds: float) -> str:
    """CPU seconds as ps prints TIME: ``mm:ss``, ``hh:mm:ss``, ``dd-hh:mm:ss``
    (whole seconds, rounded down)."""
    total = max(int(seconds + 1e-6), 0)  # 1e-6: ticks / CLK_TCK sums are inexact
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}-{hours:02d}:{minutes:02d}:{secs:02d}"
    if hours:
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"




def start_time(epoch: float, now: float | None = None) -> str:
    """When a process started, in local time: ``HH:MM`` today, ``Mon DD``
    earlier this year, the year before that."""
    try:
        started = time.localtime(epoch)
        today = time.localtime(now)
    except (OverflowError, OSError, ValueError):  # beyond the platform's time_t
        return UNAVAILABLE
    if (started.tm_year, started.tm_yday) == (today.tm_year, today.tm_yday):
        return time.strftime("%H:%M", started)
    if started.tm_year == today.tm_year:
        return time.strftime("%b %d", started)
    return time.strftime("%Y", started)


def command(cmdline: Sequence[str] | None, name: str | None) -> str:
    """The command line joined by spaces, or ``[name]`` when it is empty
    (kernel threads, zombies), as ps shows it."""
    if cmdline:
        return " ".join(cmdline)
    if name is not None:
        return f"[{name}]"
    return UNAVAILABLE


# ---------------------------------------------------------------- columns

Getter = Callable[[sysmon.ProcessInfo], str]


@dataclass(frozen=True)
class ColumnSpec:
    """One table column: title, alignment, the fields it reads, how to show it."""

    key: str
    title: str
    align: Align
    needs: tuple[str, ...]
    show: Getter


_NUMERIC_TYPES = ("int", "float")


def format_value(name: str, value: object) -> str:
    """One registry field's value as a table shows it ("-" when unavailable)."""
    text: str
    if value is None:
        text = UNAVAILABLE
    elif isinstance(value, list):
        text = " ".join(str(v) for v in value)
    elif isinstance(value, float):
        text = start_time(value) if name == "create_time" else f"{value:.2f}"
    elif isinstance(value, int) and name == "tty_nr":
        text = tty_name(value)
    elif isinstance(value, int) and sysmon.FIELDS[name].unit == "bytes":
        text = human_bytes(value)
    else:
        text = str(value)
    return text


def _show_field(name: str) -> Getter:
    def show(p: sysmon.ProcessInfo) -> str:
        return format_value(name, getattr(p, name))

    return show


def field_column(name: str) -> ColumnSpec:
    """The column of one registry field (title from the registry)."""
    field = sysmon.FIELDS[name]
    numeric = field.type in _NUMERIC_TYPES and field.unit not in ("device", "epoch seconds")
    return ColumnSpec(name, field.title, ">" if numeric else "<", (name,), _show_field(name))


def _show_time(p: sysmon.ProcessInfo) -> str:
    return UNAVAILABLE if p.cpu_time is None else cpu_time(p.cpu_time)


def _show_command(p: sysmon.ProcessInfo) -> str:
    return command(p.cmdline, p.name)


TIME_COLUMN = ColumnSpec(
    "cpu_time", sysmon.FIELDS["cpu_time"].title, ">", ("cpu_time",), _show_time
)
COMMAND_COLUMN = ColumnSpec(
    "command", sysmon.FIELDS["cmdline"].title, "<", ("cmdline", "name"), _show_command
)


def default_columns() -> list[ColumnSpec]:
    """The columns of plain ``sysmon ps`` (like ``ps aux``)."""
    fields = ["username", "pid", "ppid", "state", "num_threads"]
    cols = [field_column(n) for n in fields]
    cols.append(TIME_COLUMN)
    cols += [field_column(n) for n in ("vms", "rss", "tty_nr", "create_time")]
    cols.append(COMMAND_COLUMN)
    return cols
