"""Shared by the system commands (``cpu``, ``mem``, ``disk``, ``net``).

- Options every one of them takes: ``--json``, ``--watch SECONDS``,
  ``--root DIR``, ``--backend c|python`` (:func:`add_common`), and the
  checked ``--interval SECONDS`` (:func:`add_interval`).
- The frame loop (:func:`run_frames`): one report, or with ``--watch`` one
  report every SECONDS until Ctrl-C, which ends the command with status 0
  (the documented way to stop it, so not an error).  Text frames are
  separated by a blank line and start with a local timestamp line; JSON
  frames are one object per line (JSON Lines) with a ``"time"`` key (epoch
  seconds).  Without --watch, Ctrl-C still exits 130 (see sysmon.cli).
- Rates (:class:`Rates`): a :class:`sysmon.SystemSampler` sampled twice,
  ``--interval`` apart, for the first frame; with --watch each later frame's
  rates cover the time since the previous frame, so no moment is missed.
- JSON (:func:`jsonable`, :func:`dump_json`): records become objects keyed
  by their attribute names, tuples become lists, unavailable values and
  rates not measured yet become null; ASCII only, like every JSON output.
- Human units (:func:`df_human`) and one-line key/value blocks (:func:`pairs`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TextIO, Union

import sysmon
from sysmon.cli._output import Column, SubParsers, ascii_only, format_table, write_lines

UNAVAILABLE = "-"

# A frame is text lines (already sanitized by format_table, or plain ASCII)
# or one JSON object.
Frame = Union[list[str], dict[str, object]]


# ---------------------------------------------------------------- options


def seconds(text: str) -> float:
    """argparse type of --watch and --interval: a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"invalid value '{text}': expected a positive number of seconds"
        )
    return value


def pause(seconds: float) -> None:
    """time.sleep for any finite number of seconds, a day at a time
    (time.sleep itself stops at the platform's time_t, about 9.2e9 s)."""
    while seconds > 0:
        step = min(seconds, 86400.0)
        time.sleep(step)  # the whole step (PEP 475 resumes it after a signal)
        seconds -= step


def add_common(p: argparse.ArgumentParser, *, json_help: str) -> None:
    """--json, --watch, --root, --backend (as ``sysmon ps`` spells them)."""
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument(
        "--watch",
        type=seconds,
        metavar="SECONDS",
        help="repeat every SECONDS until interrupted (Ctrl-C ends it with status 0); "
        "text frames start with a timestamp line, JSON frames are one object per line "
        "with a \"time\" key",
    )
    p.add_argument("--backend", choices=("c", "python"), help="force the C or Python reader")
    p.add_argument(
        "--root",
        metavar="DIR",
        help="filesystem root to read (DIR/proc, DIR/sys); default $SYSMON_ROOT or /",
    )


def add_interval(p: argparse.ArgumentParser, help_text: str, default: float | None) -> None:
    p.add_argument("--interval", type=seconds, metavar="SECONDS", default=default,
                   help=help_text)


def human_parser(sub: SubParsers, name: str, help: str, description: str
                 ) -> argparse.ArgumentParser:
    """A subcommand whose ``-h`` means human units (as in free and df):
    ``--help`` alone shows the help."""
    p: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter, add_help=False)
    p.add_argument("--help", action="help", help="show this help message and exit")
    return p


def prepare(args: argparse.Namespace) -> None:
    backend: str | None = args.backend
    if backend is not None:
        sysmon.set_backend(backend)


# ---------------------------------------------------------------- rates


class Rates:
    """Samples for rates: the first call waits ``interval`` between two
    samples, later calls measure since the previous call."""

    def __init__(self, root: str | None, interval: float) -> None:
        self.sampler = sysmon.SystemSampler(root=root, usage=False)
        self.interval = interval
        self.primed = False

    def sample(self) -> sysmon.SystemSample:
        if not self.primed:
            self.sampler.sample()
            pause(self.interval)
            self.primed = True
        return self.sampler.sample()


# ---------------------------------------------------------------- frames


def run_frames(
    make: Callable[[], Frame], watch: float | None, out: TextIO
) -> int:
    """Print one frame, or with ``watch`` one every ``watch`` seconds until
    Ctrl-C (status 0)."""
    if watch is None:
        _write(make(), None, out)
        return 0
    first = True
    try:
        while True:
            frame = make()
            if isinstance(frame, list) and not first:
                out.write("\n")
            _write(frame, time.time(), out)
            out.flush()
            first = False
            pause(watch)
    except KeyboardInterrupt:
        return 0


def _write(frame: Frame, stamp: float | None, out: TextIO) -> None:
    if isinstance(frame, dict):
        if stamp is not None:
            frame = {"time": stamp, **frame}
        out.write(dump_json(frame))
        return
    if stamp is not None:
        out.write(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) + "\n")
    write_lines(frame, out)


# ---------------------------------------------------------------- JSON


def jsonable(value: object) -> object:
    """Records (NamedTuples) as objects of their attributes, tuples as lists,
    mapping keys as strings, non-finite floats as null."""
    if hasattr(value, "_asdict"):
        d: dict[str, object] = value._asdict()
        return {k: jsonable(v) for k, v in d.items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dump_json(obj: dict[str, object]) -> str:
    """One JSON object on one line, ASCII only (lossless: lone surrogates
    from undecodable bytes come back from json.loads as they were)."""
    return json.dumps(jsonable(obj), ensure_ascii=True, allow_nan=False) + "\n"


# ---------------------------------------------------------------- text


def pairs(rows: Sequence[tuple[str, str]], out: TextIO) -> list[str]:
    """"Key: value" lines, values aligned, every cell sanitized."""
    return format_table([Column("KEY"), Column("VALUE")], [list(r) for r in rows],
                        header=False, ascii=ascii_only(out))


def table(
    titles: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]], out: TextIO
) -> list[str]:
    """An aligned table; ``titles`` are (title, align) pairs."""
    cols = [Column(t, "<" if a == "<" else ">") for t, a in titles]
    return format_table(cols, rows, ascii=ascii_only(out))


_DF_UNITS = "KMGTPEZY"


def df_human(n: int) -> str:
    """A count as ``df -h`` shows it: powers of 1024, rounded up, one decimal
    below 10 (4.0K, 3.0M, 415K, 252G); below 1024 the plain number."""
    if n < 1024:
        return str(n)
    v = Fraction(n)
    e = 0
    while v >= 1024 and e < len(_DF_UNITS):
        v /= 1024
        e += 1
    if v < 10:
        tenths = math.ceil(v * 10)
        if tenths < 100:
            return f"{tenths // 10}.{tenths % 10}{_DF_UNITS[e - 1]}"
    whole = math.ceil(v)
    if whole == 1024 and e < len(_DF_UNITS):
        return f"1.0{_DF_UNITS[e]}"
    return f"{whole}{_DF_UNITS[e - 1]}"


def fixed(value: float | None, digits: int = 2) -> str:
    return UNAVAILABLE if value is None else f"{value:.{digits}f}"


def under_root(root: str | None, path: str) -> str:
    """``path`` (as the kernel under ``root`` names it) seen from here."""
    r = root if root is not None else (os.environ.get("SYSMON_ROOT") or "/")
    if r in ("", "/"):
        return path
    return os.path.join(r, path.lstrip("/"))


def stdout(out: TextIO | None) -> TextIO:
    return out if out is not None else sys.stdout


__all__ = [
    "UNAVAILABLE",
    "Frame",
    "Rates",
    "add_common",
    "add_interval",
    "df_human",
    "dump_json",
    "fixed",
    "human_parser",
    "jsonable",
    "pairs",
    "prepare",
    "run_frames",
    "seconds",
    "stdout",
    "table",
    "under_root",
]
