"""``sysmon signal``: send a signal to one process (like kill) or to the
processes a pattern selects (like pkill), safely.

Every target is a :class:`sysmon.Process` handle made when the targets are
listed, and the signal goes through that same handle (pidfd_send_signal on
its held /proc/<pid> descriptor): a process that exits between listing and
sending is reported, and a newcomer that got its pid is never hit.  A
process picked from the scan whose pid was reused before its handle was
made (the start time differs) is left out.  sysmon's own process is never
selected.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import NamedTuple, TextIO

import sysmon
from sysmon.cli._columns import command
from sysmon.cli._output import (
    Column,
    SubParsers,
    UsageError,
    ascii_only,
    clean,
    format_table,
    write_error,
    write_lines,
)
from sysmon.cli.proc import pid_arg
from sysmon.cli.ps import resolve_user

DESCRIPTION = """\
Send signal SIG to process PID (like kill), or to every process --name and
--user select (like pkill; with both, both must match).  SIG is a name or a
number: TERM, SIGTERM, term, 15, KILL, HUP, RTMIN+1, SIGRTMAX-2 (0: only
check the processes exist).  sysmon's own process is never selected.

With more than one match the matches are listed (PID USER NAME COMMAND) and
nothing is sent unless --yes is given; --dry-run lists the matches and sends
nothing.  One line per signalled process: "sent SIGTERM to 1234 (sleep)".
A process that exits meanwhile or may not be signalled by this user gets
one line on stderr (exit status 1) while the others still get the signal.
No match, or no such PID: exit status 1; a bad signal or option: 2."""

_FIELDS = ("name", "cmdline", "uid", "username", "start_ticks")


class Target(NamedTuple):
    """A selected process: the handle the signal goes through, and what it
    looked like when it was selected."""

    proc: sysmon.Process
    info: sysmon.ProcessInfo


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "signal",
        help="send a signal to a process or to matching processes (kill, pkill)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("pid", nargs="?", metavar="PID", help="the process (or use --name/--user)")
    p.add_argument("sig", metavar="SIG", help="the signal: a name (TERM, SIGKILL, RTMIN+1) "
                   "or a number")
    p.add_argument("--name", metavar="PATTERN",
                   help="select processes whose name matches this Python regular expression "
                   "(searched, not anchored: use ^...$ for a whole name)")
    p.add_argument("--full", action="store_true",
                   help="match --name against the whole command line (arguments joined by "
                   "spaces; the name when it is empty, as for kernel threads) instead of the "
                   "name")
    p.add_argument("--user", metavar="NAME",
                   help="select processes of this real user (a name or a uid)")
    p.add_argument("--yes", action="store_true",
                   help="signal every match even when there are several")
    p.add_argument("--dry-run", action="store_true",
                   help="list the matches and send nothing")
    p.set_defaults(run=run)


# ---------------------------------------------------------------- arguments


def parse_sig(text: str) -> int:
    try:
        return sysmon.parse_signal(text)
    except ValueError as e:
        raise UsageError(f"invalid signal '{text}': {e}; use a name (TERM, SIGKILL, "
                         "RTMIN+1) or a number") from None


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as e:
        raise UsageError(f"invalid --name pattern '{text}': {e}") from None


def _pid(text: str) -> int:
    try:
        return pid_arg(text)
    except argparse.ArgumentTypeError as e:
        raise UsageError(str(e)) from None


# ---------------------------------------------------------------- targets


def _me() -> int:
    """This sysmon's pid as /proc numbers it (the pids the user gives and
    the table shows; not os.getpid() when /proc is another pid namespace's)."""
    me = sysmon.self_pid()
    return os.getpid() if me is None else me


def by_pid(pid: int) -> Target:
    """The handle on ``pid`` (NoSuchProcess when there is none)."""
    if pid == _me():
        raise sysmon.SysmonError(f"refusing to signal {pid}: it is this sysmon process")
    proc = sysmon.Process(pid)
    try:
        info = proc.info(_FIELDS)
    except sysmon.AccessDenied:
        info = sysmon.ProcessInfo(pid)
    except BaseException:
        proc.close()
        raise
    return Target(proc, info)


def select(pattern: re.Pattern[str] | None, full: bool, uid: int | None,
           errors: list[str]) -> list[Target]:
    """Handles on the processes that match, by pid (never this one).  A
    handle that cannot be made is skipped (gone) or reported (denied)."""
    me = _me()
    out: list[Target] = []
    for p in sysmon.processes(_FIELDS):
        if p.pid == me or (uid is not None and p.uid != uid):
            continue
        if pattern is not None:
            text = " ".join(p.cmdline) if full and p.cmdline else p.name
            if text is None or pattern.search(text) is None:
                continue
        try:
            proc = sysmon.Process(p.pid)
        except sysmon.NoSuchProcess:
            continue
        except sysmon.AccessDenied as e:
            errors.append(str(e))
            continue
        except sysmon.SysmonError as e:  # e.g. out of file descriptors
            for t in out:
                t.proc.close()
            raise sysmon.SysmonError(
                f"{e} (while holding {len(out)} matching processes open; narrow the "
                "selection with --name/--user)") from None
        if proc.start_ticks() != p.start_ticks:  # exited after the scan; pid reused
            proc.close()
            continue
        out.append(Target(proc, p))
    return out


def listing(targets: Sequence[Target], ascii: bool) -> list[str]:
    cols = [Column("PID", ">"), Column("USER"), Column("NAME"), Column("COMMAND")]
    rows = [[str(t.info.pid), t.info.username or "-", t.info.name or "-",
             command(t.info.cmdline, t.info.name)] for t in targets]
    return format_table(cols, rows, ascii=ascii)


# ---------------------------------------------------------------- command


def _criteria(args: argparse.Namespace) -> str:
    parts = []
    if args.name is not None:
        parts.append(f"--name '{args.name}'" + (" --full" if args.full else ""))
    if args.user is not None:
        parts.append(f"--user {args.user}")
    return " ".join(parts)


def send(targets: Sequence[Target], sig: int, out: TextIO) -> bool:
    """Signal each target through its handle, then say what happened to
    each (so that an output that fails cannot stop the later signals);
    False when any failed."""
    name = sysmon.signal_name(sig)
    said: list[tuple[bool, str]] = []
    for t in targets:
        try:
            t.proc.send_signal(sig)
        except sysmon.SysmonError as e:
            said.append((False, str(e)))
            continue
        who = f"{t.info.pid} ({t.info.name})" if t.info.name is not None else str(t.info.pid)
        said.append((True, f"sent {name} to {who}"))
    for sent, text in said:
        if sent:
            out.write(clean(text, out) + "\n")
        else:
            out.flush()
            write_error(text)
    return all(sent for sent, _ in said)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    selecting = args.name is not None or args.user is not None
    if args.pid is not None and selecting:
        raise UsageError("give either a PID or --name/--user, not both")
    if args.pid is None and not selecting:
        raise UsageError("nothing to signal: give PID SIG, or SIG with --name and/or --user")
    if args.full and args.name is None:
        raise UsageError("--full needs --name PATTERN")
    sig = parse_sig(args.sig)
    errors: list[str] = []
    if args.pid is not None:
        targets = [by_pid(_pid(args.pid))]
    else:
        pattern = _pattern(args.name) if args.name is not None else None
        uid = resolve_user(args.user, None) if args.user is not None else None
        targets = select(pattern, args.full, uid, errors)
    try:
        for e in errors:
            write_error(e)
        if not targets:
            if errors:
                return 1
            raise sysmon.SysmonError(f"no process matches {_criteria(args)}")
        if args.dry_run or (len(targets) > 1 and not args.yes):
            write_lines(listing(targets, ascii_only(stream)), stream)
            if args.dry_run:
                return 1 if errors else 0
            stream.flush()
            raise sysmon.SysmonError(
                f"{len(targets)} processes match; nothing sent: add --yes to send "
                f"{sysmon.signal_name(sig)} to all of them"
            )
        ok = send(targets, sig, stream)
        return 0 if ok and not errors else 1
    finally:
        for t in targets:
            t.proc.close()
