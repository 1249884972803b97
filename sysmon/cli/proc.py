"""``sysmon proc PID``: everything about one process, section by section.

The sections are read from one :class:`sysmon.Process` handle (so they all
describe the same process, never a newcomer with a reused pid) in
:mod:`sysmon.cli._proc_sections`.  Each section stands alone: one that the
kernel refuses says so and the others are still shown.  Only a process
that is gone before anything was read is an error (exit status 1).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from typing import TextIO

import sysmon
from sysmon.cli import _proc_sections as sec
from sysmon.cli._output import Column, SubParsers, ascii_only, format_table, write_lines
from sysmon.sanitize import sanitize

DESCRIPTION = """\
Show everything about one process: identity (ids, exe, cwd, root, command
line, start time), CPU and memory (with smaps_rollup detail), context
switches, security (capabilities, no_new_privs, seccomp, umask), signal
masks, I/O counters, resource limits, cgroups, namespaces, threads, open
file descriptors, sockets and environment.

A section the kernel does not show to this user reads "unavailable: access
denied" (in JSON {"error": "access denied"}); a zombie's missing parts read
"unavailable: zombie".  Environment values of secret-looking variables
(names containing PASSWORD, TOKEN, KEY, SECRET, ...) are shown as
<redacted> unless --show-secrets is given.

JSON: one object of sections (identity, cpu_memory, context_switches,
security, signal_masks, io, limits, cgroup, namespaces, threads, fds,
connections, environment) with raw values: bytes, seconds, epoch seconds,
capability names sorted, signal names by number, an unlimited resource
limit as -1 (resource.RLIM_INFINITY); ASCII only.  Control, bidi and
invisible characters in text are shown as escapes (\\x1b, \\u202e, ...)."""


def pid_arg(text: str) -> int:
    """argparse type of a PID: a positive decimal number."""
    if not (text.isascii() and text.isdigit()) or int(text) == 0 or int(text) > 2**31 - 1:
        raise argparse.ArgumentTypeError(
            f"invalid pid '{text}': expected a positive number"
        )
    return int(text)


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "proc",
        help="everything about one process",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("pid", type=pid_arg, metavar="PID", help="the process")
    p.add_argument("--json", action="store_true", help="print one JSON object of sections")
    p.add_argument("--show-secrets", action="store_true",
                   help="show the values of secret-looking environment variables")
    p.set_defaults(run=run)


# ---------------------------------------------------------------- reading

_Reader = Callable[[sysmon.Process], tuple[object, sec.Body]]

# (JSON key, heading, reader) of the sections that need only the handle.
_SECTIONS: tuple[tuple[str, str, _Reader], ...] = (
    ("context_switches", "Context switches", sec.context_switches),
    ("security", "Security", sec.security),
    ("signal_masks", "Signal masks", sec.signal_masks),
    ("io", "I/O counters", sec.io_counters),
    ("limits", "Limits", sec.limits),
    ("cgroup", "Cgroup", sec.cgroup),
    ("namespaces", "Namespaces", sec.namespaces),
    ("threads", "Threads", sec.threads),
    ("fds", "Open file descriptors", sec.fds),
    ("connections", "Connections", sec.connections),
)


def _section(key: str, title: str, read: Callable[[], tuple[object, sec.Body]]) -> sec.Section:
    got = sec.attempt(read)
    if isinstance(got, sec.Unavailable):
        return sec.Section(key, title, got, got)
    return sec.Section(key, title, got[0], got[1])


def collect(p: sysmon.Process, show_secrets: bool = False) -> list[sec.Section]:
    """Every section of ``p``, in display order.  NoSuchProcess only when
    the process is gone before its first read."""
    info = sec.attempt(p.info)
    if info is sec.EXITED:
        raise sysmon.NoSuchProcess(p.pid)
    out: list[sec.Section] = []
    for key, title, fn in (("identity", "Identity", sec.identity),
                           ("cpu_memory", "CPU & memory", sec.cpu_memory)):
        if isinstance(info, sec.Unavailable):
            out.append(sec.Section(key, title, info, info))
        else:
            out.append(_section(key, title, functools.partial(fn, p, info)))
    for key, title, reader in _SECTIONS:
        out.append(_section(key, title, functools.partial(reader, p)))
    out.append(_section("environment", "Environment",
                        functools.partial(sec.environment, p, show_secrets)))
    return out


# ---------------------------------------------------------------- output


def to_json(value: object) -> object:
    """The JSON form: Unavailable as {"error": reason}, tuples as lists."""
    if isinstance(value, sec.Unavailable):
        return value.json()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def dump(sections: list[sec.Section]) -> str:
    obj = {s.key: to_json(s.data) for s in sections}
    return json.dumps(obj, ensure_ascii=True, allow_nan=False) + "\n"


def body_lines(body: sec.Body, ascii: bool) -> list[str]:
    """A section's text lines, every cell sanitized."""
    if isinstance(body, sec.Unavailable):
        return [sanitize(body.text(), ascii_only=ascii)]
    if isinstance(body, sec.Table):
        if not body.rows:
            return ["none"]
        cols = [Column(t, ">" if a == ">" else "<") for t, a in body.titles]
        return format_table(cols, body.rows, ascii=ascii, header=body.header)
    rows = [list(r) for r in body]
    return format_table([Column("KEY"), Column("VALUE")], rows, header=False, ascii=ascii)


def render(sections: list[sec.Section], ascii: bool) -> list[str]:
    lines: list[str] = []
    for s in sections:
        if lines:
            lines.append("")
        lines.append(s.title)
        lines += ["  " + line for line in body_lines(s.body, ascii)]
    return lines


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    pid: int = args.pid
    with sysmon.Process(pid) as p:
        sections = collect(p, args.show_secrets)
    if args.json:
        stream.write(dump(sections))
    else:
        write_lines(render(sections, ascii_only(stream)), stream)
    return 0
