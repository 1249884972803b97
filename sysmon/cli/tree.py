r"""``sysmon tree``: every process under its parent, like ``ps -ef --forest``.

Columns USER PID PPID TIME CMD; CMD is the command line (or ``[name]`` for
kernel threads), indented as ps indents it: `` \_ `` at depth 1, four more
spaces per further level.  The indentation is added after sanitizing, so its
backslash stays one backslash while a backslash from a command line is shown
as ``\\``.  The tree comes from one scan (:func:`sysmon.process_tree`), so
it is consistent with itself.  Both outputs are built without recursion, so
a very deep chain of processes cannot exhaust the stack.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from typing import TextIO

import sysmon
from sysmon.cli._columns import command
from sysmon.cli._output import Column, SubParsers, ascii_only, format_table, write_lines
from sysmon.sanitize import sanitize, truncate

DESCRIPTION = """\
Show every process under its parent, like `ps -ef --forest`: USER PID PPID
TIME CMD, the command indented by depth.  A process whose parent is not
visible (or whose parent's pid was reused) starts a tree of its own.
JSON: a list of the roots, each {"pid", "ppid", "user", "name", "cmdline",
"children": [...]} (ASCII only, exact strings)."""

_FIELDS = ("username", "name", "cmdline", "cpu_time", "ppid")


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "tree",
        help="processes as a tree (ps -ef --forest)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the tree as nested JSON")
    p.set_defaults(run=run)


def ef_time(seconds: float | None) -> str:
    """CPU time as ``ps -ef`` shows TIME: ``[dd-]hh:mm:ss``."""
    if seconds is None:
        return "-"
    total = max(int(seconds + 1e-6), 0)
    days, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (f"{days}-" if days else "") + f"{h:02d}:{m:02d}:{s:02d}"


def indent(depth: int) -> str:
    r"""ps's forest prefix: "" for a root, " \_ " at depth 1, 4 spaces more per level."""
    return "" if depth <= 0 else "    " * (depth - 1) + " \\_ "


def text_lines(roots: Sequence[sysmon.TreeNode], ascii: bool,
               width: int | None = None) -> list[str]:
    rows: list[list[str]] = []
    cmds: list[str] = []
    for root in roots:
        for depth, p in root.walk():
            rows.append([p.username or "-", str(p.pid), "-" if p.ppid is None else str(p.ppid),
                         ef_time(p.cpu_time)])
            cmds.append(indent(depth) + sanitize(command(p.cmdline, p.name), ascii_only=ascii))
    cols = [Column("USER"), Column("PID", ">"), Column("PPID", ">"), Column("TIME", ">")]
    table = format_table(cols, rows, ascii=ascii)
    lines = [f"{head} {cmd}" for head, cmd in zip(table, ["CMD", *cmds])]
    if width is not None:
        lines = [truncate(line, width) for line in lines]
    return lines


def _head(p: sysmon.ProcessInfo) -> str:
    obj = {"pid": p.pid, "ppid": p.ppid, "user": p.username, "name": p.name,
           "cmdline": p.cmdline}
    return json.dumps(obj, ensure_ascii=True)[:-1] + ', "children": ['


def dump_json(roots: Sequence[sysmon.TreeNode]) -> str:
    """The nested JSON list, written with an explicit stack."""
    out = ["["]
    todo: list[sysmon.TreeNode | str] = []

    def push(nodes: Sequence[sysmon.TreeNode]) -> None:
        for i in reversed(range(len(nodes))):
            todo.append(nodes[i])
            if i:
                todo.append(", ")

    push(roots)
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        out.append(_head(item.info))
        todo.append("]}")
        push(item.children)
    out.append("]\n")
    return "".join(out)


def _width(stream: TextIO) -> int | None:
    try:
        if not stream.isatty():
            return None
    except ValueError:
        return None
    return shutil.get_terminal_size().columns


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    roots = sysmon.process_tree(_FIELDS)
    if args.json:
        stream.write(dump_json(roots))
    else:
        write_lines(text_lines(roots, ascii_only(stream), _width(stream)), stream)
    return 0

