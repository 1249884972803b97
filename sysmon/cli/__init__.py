"""The ``sysmon`` command.

One module per subcommand (``ps``, ``explain``, ``top``, ...), each with
``add_parser`` and ``run``; shared table/JSON output in
:mod:`sysmon.cli._output`.  Bare ``sysmon`` opens ``top`` when stdin and
stdout are terminals, else prints the usage (status 2).  The CLI uses only
the public ``sysmon`` API.

Exit status: 0 success; 1 a sysmon or OS error (one line on stderr, never a
traceback); 2 a usage error (one line); 130 interrupted; 141 stdout closed
early (e.g. ``sysmon ps | head -1``), without a message.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import sysmon
from sysmon.cli import cpu, disk, env, explain, mem, net, proc, ps, signals, sockets, top, tree
from sysmon.cli._output import UsageError, write_error
from sysmon.errors import describe

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors raised as :class:`UsageError` (one line)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """argparse drops a failed write: --help and --version on a full or
        closed stdout must fail (main() reports it), not exit 0."""
        if file is None or file is sys.stdout:
            if message:
                sys.stdout.write(message)
            return
        super()._print_message(message, file)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sysmon",
        description="A Linux system monitor.  'sysmon COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"sysmon {sysmon.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ps.add_parser(sub)
    cpu.add_parser(sub)
    mem.add_parser(sub)
    disk.add_parser(sub)
    net.add_parser(sub)
    sockets.add_parser(sub)
    proc.add_parser(sub)
    env.add_parser(sub)
    tree.add_parser(sub)
    signals.add_parser(sub)
    explain.add_parser(sub)
    top.add_parser(sub)
    return parser


_SHORT_OPTIONS = ("-h", "-r")


def _join_option_values(argv: Sequence[str]) -> list[str]:
    """``--sort -rss`` -> ``--sort=-rss``: argparse would take "-rss" for an
    option.  ``--sort --json`` and ``--sort -r`` stay as they are (a missing key)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if arg == "--sort" and nxt[:1] == "-" and nxt[:2] != "--" and nxt not in _SHORT_OPTIONS:
            out.append(f"--sort={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of a closed
    pipe does not print an error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _interactive() -> bool:
    """True when stdin and stdout are both terminals."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(_join_option_values(argv))
    except SystemExit as e:  # --help, --version
        sys.stdout.flush()  # a full or failing stdout: the error, not status 0
        return e.code if isinstance(e.code, int) else EXIT_OK
    if args.command is None:
        if not argv and _interactive():  # bare `sysmon` on a terminal: the monitor
            args = parser.parse_args(["top"])
        else:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
    rc: int = args.run(args)
    sys.stdout.flush()
    return rc


class _Closed(io.TextIOBase):
    """Stands in for a standard stream that was closed when sysmon started
    (``sysmon ps >&-``), where Python leaves None.  Writing to stdout fails
    as the closed descriptor would (EBADF: one error line, status 1);
    stderr's messages are dropped, there being nowhere to say them, and the
    status still tells."""

    def __init__(self, what: str, fail: bool) -> None:
        super().__init__()
        self._what = what
        self._fail = fail
        self.lost = False  # something was written (and failed, or was dropped)

    encoding = "utf-8"
    errors = "surrogateescape"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, s: str) -> int:
        if s:
            self.lost = True
            if self._fail:
                raise OSError(errno.EBADF, self.message())
        return len(s)

    def message(self) -> str:
        return f"cannot write: {self._what} is closed"


def _stand_in_for_closed_streams() -> None:
    if sys.stdout is None:
        sys.stdout = _Closed("standard output", fail=True)
    if sys.stderr is None:
        sys.stderr = _Closed("standard error", fail=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sysmon`` command with ``argv`` (default ``sys.argv[1:]``);
    return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    _stand_in_for_closed_streams()
    try:
        rc = _run(args)
        out = sys.stdout
        if rc == EXIT_OK and isinstance(out, _Closed) and out.lost:
            # a write failed where the error was swallowed (argparse's --help)
            write_error(out.message())
            return EXIT_ERROR
        return rc
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except UsageError as e:
        write_error(str(e))
        return EXIT_USAGE
    except (sysmon.SysmonError, OSError) as e:
        write_error(describe(e))
        return EXIT_ERROR
