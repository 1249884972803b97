"""``sysmon top``: the interactive process monitor (see sysmon.tui.app).

Also what bare ``sysmon`` opens when stdin and stdout are terminals.
"""

from __future__ import annotations

import argparse

import sysmon
from sysmon.cli._output import SubParsers, UsageError
from sysmon.tui import app

DESCRIPTION = """\
An interactive process monitor, like htop: per-CPU, memory and swap bars,
load, uptime and pressure, then every process, refreshed every SECONDS.

Keys: q/F10 quit; arrows, PgUp/PgDn, Home/End move; F6 or < > sort; I invert;
/ or F3 search, n next match; \\ or F4 filter; t or F5 tree; + - fold a subtree;
F follow; Space tag, U untag all; k or F9 signal menu; F7/F8 nice -/+; Enter
details; N network, D disks, P processes; ? or F1 help.  Mouse: click a row
to select it, a column title to sort by it.

With --once, print the header and every process as text and exit (no
terminal needed).  NO_COLOR (set and non-empty) means --mono."""


def _delay(text: str) -> float:
    try:
        return app.parse_delay(text)
    except app.OptionError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "top",
        help="interactive process monitor (htop-like)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "-d", "--delay", metavar="SECONDS", type=_delay, default=app.DEFAULT_DELAY,
        help=f"seconds between refreshes (default {app.DEFAULT_DELAY}, at least "
        f"{app.MIN_DELAY})",
    )
    p.add_argument("--once", action="store_true",
                   help="print one snapshot as text (header and every process) and exit")
    p.add_argument("--mono", action="store_true",
                   help="no colours: bold, reverse and underline only (also when NO_COLOR is set)")
    p.add_argument("--columns", metavar="A,B,C",
                   help="process columns to show, in this order (column ids)")
    p.add_argument("--sort", metavar="COL", help="sort by this column (default cpu_percent)")
    p.add_argument("--tree", action="store_true", help="show processes as a tree")
    p.add_argument("--filter", metavar="TEXT", default="",
                   help="show only processes whose name or command line contains TEXT")
    p.add_argument("--user", metavar="NAME",
                   help="list only processes of this real user (a name or a uid); "
                        "the header still counts every process")
    p.set_defaults(run=run)


def _uid(spec: str) -> int:
    uid = sysmon.users.uid_of(spec, None)
    if uid is not None:
        return uid
    if spec.isascii() and spec.isdigit():
        return int(spec)
    raise UsageError(f"unknown user '{spec}': not a user name and not a numeric uid")


def options(args: argparse.Namespace) -> app.Options:
    """The app's options from the parsed command line (UsageError on a bad one)."""
    try:
        columns = app.parse_columns(args.columns) if args.columns is not None else None
        sort: str | None = args.sort
        if sort is not None:
            app.check_column(sort, "--sort")
    except app.OptionError as e:
        raise UsageError(str(e)) from None
    return app.Options(
        delay=args.delay,
        once=args.once,
        mono=args.mono,
        columns=columns if columns is not None else app.Options().columns,
        sort=sort,
        tree=args.tree,
        filter=args.filter,
        uid=_uid(args.user) if args.user is not None else None,
    )


def run(args: argparse.Namespace) -> int:
    return app.run(options(args))
