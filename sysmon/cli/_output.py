"""Shared output for every subcommand: aligned text tables and JSON.

Tables: every cell passes :func:`sysmon.sanitize.sanitize` here, in one place,
and columns are measured in display columns (wide characters count 2), so
callers hand over plain strings and cannot forget either step.

JSON: ``ensure_ascii=True``, so the output is pure ASCII and no control or
bidi character can reach a terminal even when JSON is printed to one; the
values stay lossless (``json.loads`` gives the original strings back).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from sysmon.sanitize import CLIPPED, Align, clip, display_width, pad, sanitize, truncate

# What ``ArgumentParser.add_subparsers`` returns, as each subcommand module's
# ``add_parser`` receives it.
if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[Any]
else:  # not subscriptable at run time
    SubParsers = argparse._SubParsersAction


class UsageError(Exception):
    """A mistake in the command line: reported in one line, exit status 2."""


@dataclass(frozen=True)
class Column:
    title: str
    align: Align = "<"
    cap: int | None = None  # widest a cell may be: longer ones are cut, ending in CLIPPED


def ascii_only(stream: TextIO) -> bool:
    """True when ``stream`` cannot encode all of Unicode (not UTF-8): then
    non-ASCII text is escaped too instead of failing to encode."""
    enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return enc not in ("utf8", "utf8sig")


def clean(text: str, stream: TextIO | None = None) -> str:
    """``text`` sanitized for ``stream`` (default stdout)."""
    return sanitize(text, ascii_only=ascii_only(stream if stream is not None else sys.stdout))


def write_error(message: str) -> None:
    """One "sysmon: error:" line on stderr, sanitized (it may echo user input
    or process text), best effort: a stderr that fails is not an error of its
    own (the exit status still tells)."""
    try:
        sys.stderr.write(f"sysmon: error: {clean(message, sys.stderr)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def format_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    max_width: int | None = None,
    ascii: bool = False,
    header: bool = True,
) -> list[str]:
    """Lines of an aligned table: a title line (unless ``header`` is false),
    then one line per row.

    Cells are sanitized, padded to the widest cell of their column (display
    width), joined by one space; the last column is never padded.  A cell
    wider than its column's ``cap`` is cut to it and ends in CLIPPED.  With
    ``max_width`` every line is cut to that many display columns (and each
    cell is clipped to it before it is sanitized, so a huge cell costs what
    its shown part does).
    """
    if not columns:
        return []
    titles = [sanitize(c.title, ascii_only=ascii) for c in columns]
    rooms = [min((w for w in (c.cap, max_width) if w is not None), default=None)
             for c in columns]
    body = [[_cell(cell, rooms[i], columns[i].cap, ascii) for i, cell in enumerate(row)]
            for row in rows]
    widths = [display_width(t) if header else 0 for t in titles]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    last = len(columns) - 1
    lines = []
    for row in [titles, *body] if header else body:
        parts = [
            cell
            if i == last and columns[i].align == "<"
            else pad(cell, widths[i], columns[i].align)
            for i, cell in enumerate(row)
        ]
        line = " ".join(parts).rstrip(" ")
        if max_width is not None:
            line = truncate(line, max_width)
        lines.append(line)
    return lines


def _cell(text: str, room: int | None, cap: int | None, ascii: bool) -> str:
    """One raw cell, sanitized; clipped to ``room`` first, and cut to ``cap``."""
    if room is None:
        return sanitize(text, ascii_only=ascii)
    shown = sanitize(clip(text, room), ascii_only=ascii)
    return shown if cap is None else truncate(shown, cap, sanitize(CLIPPED, ascii_only=ascii))


def write_lines(lines: Sequence[str], stream: TextIO) -> None:
    """Write ``lines`` (already sanitized) in one call, newline-terminated."""
    if lines:
        stream.write("\n".join(lines) + "\n")


def format_json(objects: Sequence[Mapping[str, object]]) -> str:
    """A JSON list, one object per line, ASCII only."""
    if not objects:
        return "[]\n"
    body = ",\n".join(json.dumps(o, ensure_ascii=True, allow_nan=False) for o in objects)
    return "[\n" + body + "\n]\n"
