"""Text for the model (part of sysmon.tui.model): sanitizing, fitting cells
into a width, bars, and the formatters of values (sizes, times, percents).

Convention: raw text (from the system, possibly hostile) passes :func:`clean`
exactly once, where it becomes a Cell (cut first by :func:`sysmon.sanitize.clip` to what the
room can show); everything after that measures with
display_width and cuts with truncate, so a wide character is never split.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from sysmon.sanitize import Align, display_width, pad, sanitize, truncate
from sysmon.tui.model_types import Cell, Line
from sysmon.units import human_bytes as _human_bytes
from sysmon.units import tty_name as _tty_name

UNAVAILABLE = "-"


# ---------------------------------------------------------------- cells and lines


def clean(text: str, ascii: bool = False) -> str:
    """Raw text made safe for a terminal (once: clean text is never cleaned again)."""
    return sanitize(text, ascii_only=ascii)


def fixed(text: str, width: int, align: Align = "<") -> str:
    """Clean ``text`` cut and padded to exactly ``width`` columns."""
    if text.isascii() and text.isprintable():  # one column per character
        text = text[: max(width, 0)]
        if align == "<":
            return text.ljust(width)
        if align == ">":
            return text.rjust(width)
    return pad(truncate(text, width), width, align)


def line_width(line: Iterable[Cell]) -> int:
    return sum(display_width(c.text) for c in line)


def fit(cells: Iterable[Cell], width: int) -> Line:
    """The cells, cut so that the line is at most ``width`` columns wide."""
    out: list[Cell] = []
    room = max(width, 0)
    for c in cells:
        if room <= 0:
            break
        w = display_width(c.text)
        if w <= room:
            if c.text:
                out.append(c)
            room -= w
            continue
        cut = truncate(c.text, room)
        if cut:
            out.append(Cell(cut, c.meaning))
        break
    return tuple(out)


def fill(cells: Iterable[Cell], width: int, meaning: str = "") -> Line:
    """:func:`fit`, then padded with spaces (of ``meaning``) to exactly
    ``width`` columns (also filling the hole a cut wide character leaves)."""
    line = fit(cells, width)
    gap = width - line_width(line)
    return (*line, Cell(" " * gap, meaning)) if gap > 0 else line


def text_line(text: str, width: int, meaning: str = "") -> Line:
    """One line of clean text."""
    return fit((Cell(text, meaning),), width)


def tail(text: str, width: int) -> str:
    """The longest end of clean ``text`` at most ``width`` columns wide."""
    if display_width(text) <= width:
        return text
    start = 0
    while start < len(text) and display_width(text[start:]) > width:
        start += 1
    return text[start:]


def plain(line: Line) -> str:
    return "".join(c.text for c in line)


# Bar characters: one per segment in monochrome (as htop does), so that the
# segments stay apart without colours.
_MONO_BARS = "|#*@$"


def bar(label: str, segments: Sequence[tuple[float, str]], text: str, width: int,
        mono: bool = False) -> Line:
    """``label[|||||   text]``: segments are (percent of the bar, meaning),
    drawn one after another; ``text`` (clean) is written over the right end
    of the bar when it fits.  Exactly ``width`` columns (or less when even
    the label does not fit)."""
    inner = width - display_width(label) - 2
    if inner < 1:
        return text_line(label, width, "header")
    chars: list[tuple[str, str]] = []
    total = 0.0
    for i, (pct, meaning) in enumerate(segments):
        if not pct > 0:  # also NaN
            continue
        total = min(100.0, total + pct)
        end = min(inner, round(total * inner / 100.0))
        ch = _MONO_BARS[i % len(_MONO_BARS)] if mono else "|"
        chars.extend((ch, meaning) for _ in range(end - len(chars)))
    chars.extend((" ", "") for _ in range(inner - len(chars)))
    tw = display_width(text)
    if text and tw <= inner:
        start = inner - tw
        chars[start:] = [(ch, "dim") for ch in text]  # clean text, one column per char
        if tw != len(text):  # wide characters: keep it one cell instead
            chars[start:] = [(text, "dim")]
    cells: list[Cell] = [Cell(label, "header"), Cell("[", "header")]
    run = ""
    meaning = chars[0][1] if chars else ""
    for ch, m in chars:
        if m != meaning and run:
            cells.append(Cell(run, meaning))
            run = ""
        meaning = m
        run += ch
    if run:
        cells.append(Cell(run, meaning))
    cells.append(Cell("]", "header"))
    return fit(cells, width)


# ---------------------------------------------------------------- values

def tty_name(dev: int | None) -> str:
    """sysmon.units.tty_name; "-" when unavailable."""
    return UNAVAILABLE if dev is None else _tty_name(dev)


def human_bytes(n: int | None) -> str:
    """sysmon.units.human_bytes; "-" when unavailable."""
    return UNAVAILABLE if n is None else _human_bytes(n)


def human_count(n: int | None) -> str:
    """A count, shortened with k/M/G (1000-based) above 999,999."""
    if n is None:
        return UNAVAILABLE
    if n < 1_000_000:
        return str(n)
    value = float(n)
    for unit in ("k", "M", "G", "T", "P"):
        value /= 1000.0
        if value < 999.5:
            return f"{value:.1f}{unit}" if value < 9.95 else f"{round(value)}{unit}"
    return f"{round(value)}E"


def time_plus(seconds: float | None) -> str:
    """CPU time as top's TIME+: ``m:ss.cc`` below an hour, ``HhMM:SS`` below
    100 hours, then ``DdHHh``."""
    if seconds is None or not math.isfinite(seconds):
        return UNAVAILABLE
    cs = max(round(seconds * 100), 0)
    secs, cc = divmod(cs, 100)
    minutes, s = divmod(secs, 60)
    if minutes < 60:
        return f"{minutes}:{s:02d}.{cc:02d}"
    hours, m = divmod(minutes, 60)
    if hours < 100:
        return f"{hours}h{m:02d}:{s:02d}"
    days, h = divmod(hours, 24)
    return f"{days}d{h:02d}h"


def percent(value: float | None) -> str:
    """One decimal ("12.3"); whole numbers from 1000 (threads add up); "-"
    when there is no rate yet (the first sample)."""
    if value is None or not math.isfinite(value):
        return UNAVAILABLE
    return f"{value:.1f}" if value < 999.95 else f"{value:.0f}"


def level(value: float | None, warn: float = 50.0, crit: float = 90.0) -> str:
    """The meaning of a percentage: "crit" above ``crit``, "warn" above ``warn``."""
    if value is None or not math.isfinite(value):
        return ""
    if value > crit:
        return "crit"
    return "warn" if value > warn else ""


def duration(seconds: float | None) -> str:
    """Uptime as htop shows it: ``3 days, 04:05:06`` (``1 day, ...``)."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return UNAVAILABLE
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if days == 0:
        return clock
    return f"{days} day{'s' if days != 1 else ''}, {clock}"




_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def start_time(epoch: float | None, now: float, utc_offset: float = 0.0) -> str:
    """When a process started, in the snapshot's local time (``utc_offset``
    seconds east of UTC): ``HH:MM`` the same day, ``MonDD`` the same year,
    else the year.  Pure arithmetic: no clock, no time zone database."""
    if epoch is None or not math.isfinite(epoch):
        return UNAVAILABLE
    try:
        t = datetime.fromtimestamp(epoch + utc_offset, tz=timezone.utc)
        n = datetime.fromtimestamp(now + utc_offset, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return UNAVAILABLE
    if t.date() == n.date():
        return f"{t.hour:02d}:{t.minute:02d}"
    if t.year == n.year:
        return f"{_MONTHS[t.month - 1]}{t.day:02d}"
    return str(t.year)


__all__ = [
    "UNAVAILABLE",
    "bar",
    "clean",
    "duration",
    "fill",
    "fit",
    "fixed",
    "human_bytes",
    "human_count",
    "level",
    "line_width",
    "percent",
    "plain",
    "start_time",
    "tail",
    "text_line",
    "time_plus",
    "tty_name",
]
