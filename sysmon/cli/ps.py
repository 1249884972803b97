"""``sysmon ps``: the process table, as aligned columns or JSON.

Only the fields the shown columns, the sort key and the user filter need are
requested from :func:`sysmon.processes`, so only their files are read.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

import sysmon
from sysmon.cli._columns import ColumnSpec, default_columns, field_column
from sysmon.cli._output import (
    Column,
    SubParsers,
    UsageError,
    ascii_only,
    format_json,
    format_table,
    write_lines,
)

DESCRIPTION = """\
List processes, like `ps aux`.  Default columns: USER PID PPID S NLWP TIME VSZ RSS
TTY START COMMAND.  Field names (for --fields and --sort) are those of
`sysmon explain`.  Sizes are in 1024-based units in tables, bytes in JSON.
A column other than the last is at most 64 columns wide: a longer value (a
command line) is cut and ends in an ellipsis; --json is never cut.
Control, bidi and invisible characters in names and command lines are shown
as escapes (\\x1b, \\u202e, ...; a literal backslash as \\\\)."""


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "ps",
        help="list processes",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--fields",
        metavar="A,B,C",
        help="show these fields, in this order (comma-separated field names)",
    )
    p.add_argument(
        "--sort",
        metavar="KEY",
        help="sort by this field; -KEY (or --sort=-KEY) sorts descending; "
        "unavailable values come last",
    )
    p.add_argument("-r", "--reverse", action="store_true", help="reverse the sort order")
    p.add_argument(
        "--user",
        metavar="NAME",
        help="only processes of this real user (a name from <root>/etc/passwd, or a uid)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of objects (all fields, or pid plus --fields), raw units",
    )
    p.add_argument("--backend", choices=("c", "python"), help="force the C or Python reader")
    p.add_argument(
        "--root",
        metavar="DIR",
        help="filesystem root to read (DIR/proc, DIR/etc/passwd); default $SYSMON_ROOT or /",
    )
    p.set_defaults(run=run)


# ---------------------------------------------------------------- arguments


def parse_fields(spec: str) -> list[str]:
    """Field names from "a,b,c" (duplicates dropped); UsageError on a bad one."""
    names: list[str] = []
    for raw in spec.split(","):
        name = raw.strip()
        if not name:
            raise UsageError(f"empty field name in --fields '{spec}'; {_valid_fields()}")
        check_field(name, "--fields")
        if name not in names:
            names.append(name)
    return names


def check_field(name: str, option: str) -> None:
    if name not in sysmon.PROCESS_FIELDS:
        raise UsageError(f"unknown field '{name}' in {option}; {_valid_fields()}")


def _valid_fields() -> str:
    return "valid fields: " + ", ".join(sysmon.PROCESS_FIELDS)


def parse_sort(spec: str | None, reverse: bool) -> tuple[str | None, bool]:
    """(field name or None, descending) from --sort KEY / -KEY and --reverse."""
    if spec is None:
        return None, reverse
    descending = spec.startswith("-")
    key = spec[1:] if descending else spec
    check_field(key, "--sort")
    return key, descending != reverse


def resolve_user(spec: str, root: str | None) -> int:
    """A user name from <root>/etc/passwd, or a decimal uid, as a uid.

    A name is looked up first (as ps does), so an all-digit user name wins
    over the same number taken as a uid.
    """
    uid = sysmon.users.uid_of(spec, root)
    if uid is not None:
        return uid
    if spec.isascii() and spec.isdigit():
        return int(spec)
    path = sysmon.users.passwd_file(root)
    why = "" if os.path.exists(path) else " (no such file)"
    raise UsageError(f"unknown user '{spec}': not in {path}{why} and not a numeric uid")


# ---------------------------------------------------------------- table


def sort_processes(
    procs: Iterable[sysmon.ProcessInfo], key: str, descending: bool
) -> list[sysmon.ProcessInfo]:
    """Stable sort by one field; processes whose value is unavailable last."""
    present: list[sysmon.ProcessInfo] = []
    missing: list[sysmon.ProcessInfo] = []
    for p in procs:
        (missing if getattr(p, key) is None else present).append(p)
    present.sort(key=lambda p: getattr(p, key), reverse=descending)
    return present + missing


# The widest a column other than the last may be (display columns).
NON_LAST_CAP = 64


def table_lines(
    procs: Sequence[sysmon.ProcessInfo],
    columns: Sequence[ColumnSpec],
    *,
    max_width: int | None = None,
    ascii: bool = False,
) -> list[str]:
    # Like ps, a column other than the last has a width of its own: a long
    # command line there is cut (ending in an ellipsis) rather than padding
    # every row of the table to its length.
    last = len(columns) - 1
    heads = [Column(c.title, c.align, None if i == last else NON_LAST_CAP)
             for i, c in enumerate(columns)]
    rows = [[c.show(p) for c in columns] for p in procs]
    return format_table(heads, rows, max_width=max_width, ascii=ascii)


def json_objects(
    procs: Sequence[sysmon.ProcessInfo], names: Sequence[str]
) -> list[dict[str, object]]:
    return [{n: getattr(p, n) for n in names} for p in procs]


def _terminal_width(stream: TextIO) -> int | None:
    """The terminal's width when ``stream`` is one; None when piped."""
    try:
        if not stream.isatty():
            return None
    except ValueError:  # closed
        return None
    return shutil.get_terminal_size().columns


# ---------------------------------------------------------------- command


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    fields_spec: str | None = args.fields
    sort_spec: str | None = args.sort
    user_spec: str | None = args.user
    root: str | None = args.root
    as_json: bool = args.json

    names = parse_fields(fields_spec) if fields_spec is not None else None
    sort_key, descending = parse_sort(sort_spec, args.reverse)
    uid = resolve_user(user_spec, root) if user_spec is not None else None
    if args.backend is not None:
        sysmon.set_backend(args.backend)

    columns: list[ColumnSpec] = []
    emit: list[str] = []
    if as_json:
        emit = (list(sysmon.PROCESS_FIELDS) if names is None
                else ["pid", *(n for n in names if n != "pid")])
        needs = set(emit)
    else:
        columns = default_columns() if names is None else [field_column(n) for n in names]
        needs = {f for c in columns for f in c.needs}
    if sort_key is not None:
        needs.add(sort_key)
    if uid is not None:
        needs.add("uid")

    procs = sysmon.processes(fields=needs, root=root)
    if uid is not None:
        procs = [p for p in procs if p.uid == uid]
    if sort_key is not None:
        procs = sort_processes(procs, sort_key, descending)
    elif descending:  # --reverse alone: by pid, descending
        procs.reverse()

    if as_json:
        out.write(format_json(json_objects(procs, emit)))
    else:
        lines = table_lines(procs, columns, max_width=_terminal_width(out), ascii=ascii_only(out))
        write_lines(lines, out)
    return 0
