"""The loop of ``sysmon top``: options, timing, keys, mouse, actions.

Each refresh samples the system (:class:`sysmon.tui.source.Source`), the
model renders a Frame from (Snapshot, State), and the view draws it; then the
loop waits for a key with a timeout equal to the time left until the next
refresh, so an idle ``top`` sleeps in poll(2) between refreshes.  Keys are
mapped to model functions by :func:`handle_key` (pure); signals and renice
run through :func:`sysmon.tui.source.execute`, which names each process by
(pid, start ticks).

The terminal is always restored: curses runs inside
:func:`sysmon.tui.view.terminal` (try/finally around initscr/endwin), SIGTERM
and SIGHUP become an exception that unwinds through it, Ctrl-C quits with
status 0, and any other error is printed as one sanitized line after the
terminal is back (status 1).
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Optional, TextIO

import sysmon
from sysmon.errors import describe
from sysmon.sanitize import sanitize
from sysmon.tui import model
from sysmon.tui.source import Source, execute

if TYPE_CHECKING:
    from sysmon.tui.view import Screen

__all__ = [
    "DEFAULT_DELAY",
    "MIN_DELAY",
    "OptionError",
    "Options",
    "handle_key",
    "initial_state",
    "parse_columns",
    "parse_delay",
    "run",
    "run_once",
]

DEFAULT_DELAY = 1.5
MIN_DELAY = 0.1
ONCE_INTERVAL = 0.5  # --once, and the first refresh: the interval CPU% is measured over
_MAX_WAIT = 60.0  # wait for a key at most this long at a time (curses takes a C int of ms)
_AFTER_ACTION = 0.3  # seconds from an action to the refresh that shows its effect
_WHEEL = 3  # rows per mouse wheel step


class OptionError(ValueError):
    """A bad option value (the CLI reports it as a usage error, status 2)."""


@dataclass(frozen=True)
class Options:
    delay: float = DEFAULT_DELAY
    once: bool = False
    mono: bool = False
    columns: tuple[str, ...] = model.DEFAULT_COLUMNS
    sort: str | None = None
    tree: bool = False
    filter: str = ""
    uid: int | None = None


# ---------------------------------------------------------------- options


def parse_delay(text: str) -> float:
    """Seconds between refreshes: a finite number >= 0.1."""
    try:
        value = float(text)
    except ValueError:
        raise OptionError(f"invalid delay '{text}': not a number of seconds") from None
    if not math.isfinite(value) or value < MIN_DELAY:
        raise OptionError(f"invalid delay '{text}': must be at least {MIN_DELAY} seconds")
    return value


def _valid_columns() -> str:
    return "valid columns: " + ", ".join(model.COLUMNS)


def parse_columns(spec: str) -> tuple[str, ...]:
    """Column ids from "a,b,c" (duplicates dropped)."""
    out: list[str] = []
    for raw in spec.split(","):
        name = raw.strip()
        if not name:
            raise OptionError(f"empty column name in --columns '{spec}'; {_valid_columns()}")
        check_column(name, "--columns")
        if name not in out:
            out.append(name)
    return tuple(out)


def check_column(name: str, option: str) -> None:
    if name not in model.COLUMNS:
        raise OptionError(f"unknown column '{name}' in {option}; {_valid_columns()}")


def initial_state(opts: Options, *, ascii: bool = False) -> model.State:
    mono = opts.mono or bool(os.environ.get("NO_COLOR"))
    st = model.State(columns=opts.columns, tree=opts.tree, filter=opts.filter, mono=mono,
                     ascii=ascii, uid=opts.uid)
    if opts.sort is not None and opts.sort != st.sort:
        st = model.sort_by(st, opts.sort)
    return st


def _utf8(encoding: str | None) -> bool:
    enc = (encoding or "").lower().replace("-", "").replace("_", "")
    return enc in ("utf8", "utf8sig")


# ---------------------------------------------------------------- keys

_Result = tuple[model.State, Optional[model.Action]]
_Handler = Callable[[model.Snapshot, model.State, int], _Result]


def _plain(f: Callable[[model.State], model.State]) -> _Handler:
    return lambda snap, st, height: (f(st), None)


def _with_snap(f: Callable[[model.Snapshot, model.State], model.State]) -> _Handler:
    return lambda snap, st, height: (f(snap, st), None)


def _nice(delta: int) -> _Handler:
    return lambda snap, st, height: (st, model.nice_action(snap, st, delta))


def _close_details(st: model.State) -> model.State:
    return model.toggle_details(st) if st.details else st


# keys of the process view (after the keys every view shares)
_PROCESS_KEYS: dict[str, _Handler] = {
    "F6": _with_snap(lambda snap, st: model.open_menu(snap, st, "sort")),
    ".": _with_snap(lambda snap, st: model.open_menu(snap, st, "sort")),
    "<": _plain(lambda st: model.cycle_sort(st, -1)),
    ",": _plain(lambda st: model.cycle_sort(st, -1)),
    ">": _plain(lambda st: model.cycle_sort(st, 1)),
    "I": _plain(model.invert),
    "/": _plain(lambda st: model.start_prompt(st, "search")),
    "F3": _plain(lambda st: model.start_prompt(st, "search")),
    "n": lambda snap, st, height: (model.search_next(snap, st, height), None),
    "\\": _plain(lambda st: model.start_prompt(st, "filter")),
    "F4": _plain(lambda st: model.start_prompt(st, "filter")),
    "t": _plain(model.toggle_tree),
    "F5": _plain(model.toggle_tree),
    "+": _with_snap(model.toggle_collapse),
    "-": _with_snap(model.toggle_collapse),
    "=": _with_snap(model.toggle_collapse),
    "F": _plain(model.toggle_follow),
    " ": _with_snap(model.toggle_tag),
    "U": _plain(model.untag_all),
    "k": _with_snap(lambda snap, st: model.open_menu(snap, st, "signal")),
    "F9": _with_snap(lambda snap, st: model.open_menu(snap, st, "signal")),
    "F2": _with_snap(lambda snap, st: model.open_menu(snap, st, "columns")),
    "F7": _nice(-1),
    "]": _nice(-1),
    "F8": _nice(1),
    "[": _nice(1),
    "ENTER": _plain(model.toggle_details),
    "ESC": _plain(_close_details),
}


_PROMPT_CHARS = {"ENTER": "\n", "ESC": "\x1b", "BACKSPACE": "\b"}
_MOVES = {"UP": -1, "DOWN": 1, "PGUP": -2, "PGDN": 2, "HOME": -(10**9), "END": 10**9}


def _move(snap: model.Snapshot, st: model.State, key: str, height: int) -> model.State | None:
    """The state after a movement key (a page is PgUp/PgDn), else None."""
    delta = _MOVES.get(key)
    if delta is None:
        return None
    if abs(delta) == 2:
        delta = (delta // 2) * max(1, model.page_size(snap, st, height))
    return model.move(snap, st, delta, height)


def _mouse_key(snap: model.Snapshot, st: model.State, key: str, height: int,
               width: int) -> _Result:
    parts = key.split()
    try:
        y, x, button = int(parts[1]), int(parts[2]), int(parts[3])
    except (IndexError, ValueError):
        return st, None
    if button in (4, 5):  # the wheel
        return model.move(snap, st, -_WHEEL if button == 4 else _WHEEL, height), None
    if button == 1:
        return model.click(snap, st, y, x, width, height), None
    return st, None


def _prompt_key(snap: model.Snapshot, st: model.State, key: str, height: int) -> _Result:
    ch = _PROMPT_CHARS.get(key, key if len(key) == 1 else None)
    if ch is not None:
        return model.prompt_key(snap, st, ch), None
    moved = _move(snap, st, key, height)
    return (moved if moved is not None else st), None


# the key that opened a menu also closes it
_MENU_OPENERS = {("signal", "k"), ("signal", "F9"), ("sort", "F6"), ("sort", "."),
                 ("columns", "F2")}


def _menu_key(snap: model.Snapshot, st: model.State, key: str, height: int) -> _Result:
    menu = st.menu
    assert menu is not None
    if key in ("ENTER", " "):
        return model.menu_choose(snap, st)
    if key in ("ESC", "q", "F10", "LEFT") or (menu.kind, key) in _MENU_OPENERS:
        return model.close_menu(st), None
    n = len(menu.items)
    page = max(1, height - 4)
    delta = {"UP": -1, "DOWN": 1, "PGUP": -page, "PGDN": page, "HOME": -n, "END": n}.get(key)
    return (model.menu_move(st, delta) if delta is not None else st), None


def _help_key(snap: model.Snapshot, st: model.State, key: str, height: int) -> _Result:
    if key == "F10":
        return st, model.Quit()
    moved = _move(snap, st, key, height)
    return (moved if moved is not None else model.toggle_help(st)), None  # any other key leaves


_VIEW_KEYS = {"N": "network", "D": "disks", "P": "processes"}


def _view_key(snap: model.Snapshot, st: model.State, key: str, height: int) -> _Result | None:
    """Keys every view (but help) shares; None when ``key`` is not one."""
    if key in ("q", "F10"):
        return st, model.Quit()
    moved = _move(snap, st, key, height)
    if moved is not None:
        return moved, None
    if key in ("?", "F1", "h"):
        return model.toggle_help(st), None
    target = _VIEW_KEYS.get(key)
    if target is not None:
        return model.set_view(st, "processes" if st.view == target else target), None
    if key == "ESC" and st.view != "processes":
        return model.set_view(st, "processes"), None
    return None


def handle_key(snap: model.Snapshot, st: model.State, key: str, height: int,
               width: int) -> _Result:
    """The new State (and the Action to carry out, if any) after ``key``
    (a name from :func:`sysmon.tui.view.key_name`, or "MOUSE y x button")
    on a ``height`` x ``width`` screen.  Pure: model functions only."""
    result: _Result | None
    if st.message and key != "RESIZE":
        st = model.with_message(st, "")  # a message lasts until the next key
    if key in ("RESIZE", "REDRAW"):
        result = st, None
    elif key.startswith("MOUSE "):
        result = _mouse_key(snap, st, key, height, width)
    elif st.prompt is not None:
        result = _prompt_key(snap, st, key, height)
    elif st.menu is not None:
        result = _menu_key(snap, st, key, height)
    elif st.view == "help":
        result = _help_key(snap, st, key, height)
    else:
        result = _view_key(snap, st, key, height)
        if result is None and st.view == "processes":
            handler = _PROCESS_KEYS.get(key)
            result = handler(snap, st, height) if handler is not None else None
    return result if result is not None else (st, None)


# ---------------------------------------------------------------- signals


class _Terminated(Exception):
    """SIGTERM or SIGHUP arrived: unwind, restoring the terminal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(signum)


@contextmanager
def _terminating_signals() -> Iterator[None]:
    caught = (signal.SIGTERM, signal.SIGHUP)
    old = {s: signal.signal(s, _raise_terminated) for s in caught}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


# ---------------------------------------------------------------- running


def _write_error(text: str, stream: TextIO | None = None) -> None:
    out = stream if stream is not None else sys.stderr
    try:
        out.write(f"sysmon: error: {sanitize(text)}\n")
        out.flush()
    except (OSError, ValueError):
        pass




def run_once(opts: Options, out: TextIO | None = None) -> int:
    """``--once``: two samples ONCE_INTERVAL apart (so CPU% exists), then
    the header and every process as plain text.  No curses at all."""
    out = out if out is not None else sys.stdout
    st = initial_state(opts, ascii=not _utf8(getattr(out, "encoding", None)))
    source = Source(st, all_rows=True)  # every process is printed
    source.sample(st)
    time.sleep(ONCE_INTERVAL)
    snap, _ = source.sample(st)
    try:
        width = shutil.get_terminal_size().columns if out.isatty() else 200
    except ValueError:
        width = 200
    out.write(model.render_text(snap, st, max(width, 20)))
    out.flush()
    return 0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError, AttributeError):
        return False


def run(opts: Options) -> int:
    """``sysmon top``: the interactive monitor, or ``--once`` text."""
    if opts.once:
        return run_once(opts)
    if not (_isatty(sys.stdin) and _isatty(sys.stdout)):
        raise sysmon.SysmonError(
            "sysmon top needs a terminal on stdin and stdout (use --once for text output)"
        )
    # imported here: curses is loaded only on the interactive path
    from sysmon.tui import view  # noqa: PLC0415

    try:
        with _terminating_signals(), view.terminal() as screen:
            return _loop(screen, opts)
    except KeyboardInterrupt:
        return 0
    except _Terminated as e:
        return 128 + e.signum
    except Exception as e:  # noqa: BLE001 - the terminal is restored by now: one line, no traceback
        _write_error(describe(e))
        return 1


def _loop(screen: Screen, opts: Options) -> int:
    st = initial_state(opts, ascii=not _utf8(screen.encoding))
    screen.init(st.mono)
    source = Source(st)
    snap, errors = source.sample(st)
    fresh = True
    # the first sample has no rates: the second comes soon, so CPU% shows early
    next_at = time.monotonic() + min(opts.delay, ONCE_INTERVAL)
    while True:
        height, width = screen.size()
        st = model.clamp(snap, st, height)
        # what the view shows besides the table, for the process selected now
        snap, more = source.extras(snap, st, fresh=fresh, height=height)
        fresh = False
        errors += more
        if errors:
            st = model.with_message(st, errors[0])
            errors = []
        screen.draw(model.render(snap, st, width, height))
        wait = min(max(0.0, next_at - time.monotonic()), _MAX_WAIT)
        key = screen.get_key(math.ceil(wait * 1000))
        if key is not None:
            if key == "REDRAW":
                screen.clear()
            st, action = handle_key(snap, st, key, height, width)
            if isinstance(action, model.Quit):
                return 0
            if source.want(st):
                next_at = time.monotonic()  # a column whose field is not read yet: read now
            if action is not None:
                st = model.with_message(st, execute(action))
                # show the outcome (a process gone, a new nice value) soon
                next_at = min(next_at, time.monotonic() + _AFTER_ACTION)
        if time.monotonic() >= next_at:
            snap, errors = source.sample(st)
            fresh = True
            next_at = max(next_at + opts.delay, time.monotonic() + MIN_DELAY)
