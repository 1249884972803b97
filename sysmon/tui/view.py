"""The terminal side of ``sysmon top``: the only module that imports curses.

:class:`Screen` draws a :class:`sysmon.tui.model.Frame` (cells whose text the
model has already sanitized and measured) and reads keys, normalised to the
short names app.py dispatches on (:func:`key_name`, :func:`mouse_key`, both
pure so they can be tested without a terminal).  Nothing here writes an escape
sequence or a terminal title of its own: only ``addstr`` of cell texts, with
attributes chosen by each cell's meaning.
"""

from __future__ import annotations

import curses
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sysmon.sanitize import char_width, display_width, truncate
from sysmon.tui.model import Frame

__all__ = ["Screen", "key_name", "mouse_key", "sequence_name", "terminal"]

# ---------------------------------------------------------------- keys

_SPECIAL: dict[int, str] = {
    curses.KEY_UP: "UP",
    curses.KEY_DOWN: "DOWN",
    curses.KEY_LEFT: "LEFT",
    curses.KEY_RIGHT: "RIGHT",
    curses.KEY_PPAGE: "PGUP",
    curses.KEY_NPAGE: "PGDN",
    curses.KEY_HOME: "HOME",
    curses.KEY_END: "END",
    curses.KEY_FIND: "HOME",  # some terminals send Find/Select for Home/End
    curses.KEY_SELECT: "END",
    curses.KEY_ENTER: "ENTER",
    curses.KEY_BACKSPACE: "BACKSPACE",
    curses.KEY_DC: "DELETE",
    curses.KEY_IC: "INSERT",
    curses.KEY_BTAB: "BTAB",
    curses.KEY_RESIZE: "RESIZE",
    curses.KEY_MOUSE: "MOUSE",
}
_CHARS: dict[str, str] = {
    "\n": "ENTER",
    "\r": "ENTER",
    "\x1b": "ESC",
    "\x7f": "BACKSPACE",
    "\b": "BACKSPACE",
    "\t": "TAB",
    "\x0c": "REDRAW",  # Ctrl-L
}
_F_KEYS = 63  # curses.KEY_F(n) for n in 0..63


def key_name(key: int | str) -> str | None:
    """The normalised name of one key as curses returns it (``get_wch``: a
    str for a character, an int for a function key; ``getch``: an int for
    both).  "KEY_F(6)" -> "F6", "KEY_UP" -> "UP", Enter -> "ENTER", Esc ->
    "ESC", Backspace -> "BACKSPACE", "KEY_RESIZE" -> "RESIZE", "KEY_MOUSE" ->
    "MOUSE" (get_key then adds the position), Ctrl-L -> "REDRAW", a
    printable character as itself.  None for a key with no meaning here
    (other control characters, unknown key codes)."""
    if isinstance(key, int):
        if curses.KEY_F0 <= key <= curses.KEY_F0 + _F_KEYS:
            return f"F{key - curses.KEY_F0}"
        if key in _SPECIAL:
            return _SPECIAL[key]
        if not 0 <= key < 0x110000 or 0xD800 <= key <= 0xDFFF:
            return None
        key = chr(key)  # getch: a character's code
    if len(key) != 1:
        return None
    return _CHARS.get(key, key if key.isprintable() else None)


# Escape sequences curses did not recognise (not in this terminal's terminfo;
# tmux sends Home/End as ESC [ 1 ~ and ESC [ 4 ~ whatever TERM says): read
# whole by Screen.get_key and named here, so that they never arrive as the
# separate keys ESC, "[", "1", "~".
_TILDE = {1: "HOME", 7: "HOME", 4: "END", 8: "END", 2: "INSERT", 3: "DELETE", 5: "PGUP",
          6: "PGDN", 11: "F1", 12: "F2", 13: "F3", 14: "F4", 15: "F5", 17: "F6", 18: "F7",
          19: "F8", 20: "F9", 21: "F10", 23: "F11", 24: "F12"}
_FINAL = {"A": "UP", "B": "DOWN", "C": "RIGHT", "D": "LEFT", "H": "HOME", "F": "END",
          "P": "F1", "Q": "F2", "R": "F3", "S": "F4"}
_SEQ_MAX = 32  # longer is not a key: stop reading
_SEQ_WAIT_MS = 10  # the rest of a sequence is already waiting when curses hands over ESC


def sequence_name(seq: str) -> str | None:
    """The key an escape sequence stands for, from the characters after ESC
    ("[1~" -> "HOME", "[4~" -> "END", "OA" -> "UP", "[1;5A" -> "UP", "[15~"
    -> "F5"), or None for any other sequence (Alt+key, unknown ones): a
    sequence is one key or nothing, never several."""
    if len(seq) < 2 or seq[0] not in "[O":
        return None
    body, final = seq[1:-1], seq[-1]
    if seq[0] == "O":
        return ("ENTER" if final == "M" else _FINAL.get(final)) if not body else None
    if body and not all(c.isdigit() or c == ";" for c in body):
        return None
    first = body.split(";")[0]
    if final == "~":
        return _TILDE.get(int(first)) if first.isdigit() else None
    return _FINAL.get(final)


def _sequence_done(seq: str) -> bool:
    """True when ``seq`` (after ESC) is complete: CSI up to a final byte
    (0x40-0x7E), SS3 and anything else after one more character."""
    if seq[0] == "[":
        return len(seq) > 1 and "@" <= seq[-1] <= "~" and not (len(seq) == 2 and seq[1] == "[")
    if seq[0] == "O":
        return len(seq) >= 2
    return True


_PRESS = (
    (curses.BUTTON1_PRESSED | curses.BUTTON1_CLICKED | curses.BUTTON1_DOUBLE_CLICKED
     | curses.BUTTON1_TRIPLE_CLICKED, 1),
    (curses.BUTTON2_PRESSED | curses.BUTTON2_CLICKED, 2),
    (curses.BUTTON3_PRESSED | curses.BUTTON3_CLICKED, 3),
    (curses.BUTTON4_PRESSED, 4),  # wheel up
    (getattr(curses, "BUTTON5_PRESSED", 0), 5),  # wheel down (ncurses >= 6)
)


def mouse_key(y: int, x: int, bstate: int) -> str | None:
    """"MOUSE y x button" for a press or click (button 1-3; 4 and 5 are the
    wheel, up and down); None for releases, motion and anything else."""
    for mask, button in _PRESS:
        if mask and bstate & mask:
            return f"MOUSE {y} {x} {button}"
    return None


# ---------------------------------------------------------------- attributes

# meaning -> (foreground, background, extra attributes); -1 is the terminal's
# default colour (use_default_colors).
_COLOURS: dict[str, tuple[int, int, int]] = {
    "title": (curses.COLOR_BLACK, curses.COLOR_GREEN, 0),  # full-width title rows
    "header": (curses.COLOR_CYAN, -1, 0),  # labels: "Mem[", "Tasks: ", sections
    "dim": (curses.COLOR_BLUE, -1, curses.A_BOLD),
    "warn": (curses.COLOR_YELLOW, -1, curses.A_BOLD),
    "crit": (curses.COLOR_RED, -1, curses.A_BOLD),
    "selected": (curses.COLOR_BLACK, curses.COLOR_CYAN, 0),
    "tagged": (curses.COLOR_YELLOW, -1, curses.A_BOLD),
    "match": (curses.COLOR_BLACK, curses.COLOR_YELLOW, 0),
    "key": (curses.COLOR_BLACK, curses.COLOR_CYAN, 0),
    "status": (curses.COLOR_CYAN, -1, curses.A_BOLD),
    "bar_user": (curses.COLOR_GREEN, -1, 0),
    "bar_nice": (curses.COLOR_BLUE, -1, curses.A_BOLD),
    "bar_system": (curses.COLOR_RED, -1, 0),
    "bar_iowait": (curses.COLOR_MAGENTA, -1, 0),
    "bar_steal": (curses.COLOR_CYAN, -1, 0),
    "bar_mem_used": (curses.COLOR_GREEN, -1, 0),
    "bar_mem_buffers": (curses.COLOR_BLUE, -1, curses.A_BOLD),
    "bar_mem_cache": (curses.COLOR_YELLOW, -1, 0),
    "bar_swap": (curses.COLOR_RED, -1, 0),
}
# Monochrome (--mono, NO_COLOR, or a terminal without colours): bold,
# reverse and underline only.
_MONO: dict[str, int] = {
    "title": curses.A_BOLD | curses.A_UNDERLINE,
    "header": curses.A_BOLD,
    "warn": curses.A_BOLD,
    "crit": curses.A_BOLD | curses.A_UNDERLINE,
    "selected": curses.A_REVERSE,
    "tagged": curses.A_BOLD | curses.A_UNDERLINE,
    "match": curses.A_UNDERLINE,
    "key": curses.A_REVERSE,
    "status": curses.A_BOLD,
    "bar_user": curses.A_BOLD,
    "bar_system": curses.A_BOLD | curses.A_UNDERLINE,
    "bar_mem_used": curses.A_BOLD,
    "bar_swap": curses.A_BOLD | curses.A_UNDERLINE,
}


def _colour_attrs() -> dict[str, int]:
    """A colour pair per meaning (after start_color); {} when the terminal
    cannot do it (then the caller falls back to monochrome)."""
    try:
        curses.start_color()
        if not curses.has_colors() or curses.COLORS < 8:
            return {}
        try:
            curses.use_default_colors()
            default_fg, default_bg = -1, -1
        except curses.error:
            default_fg, default_bg = curses.COLOR_WHITE, curses.COLOR_BLACK
        pairs: dict[tuple[int, int], int] = {}
        attrs: dict[str, int] = {}
        for meaning, (want_fg, want_bg, extra) in _COLOURS.items():
            fg = default_fg if want_fg == -1 else want_fg
            bg = default_bg if want_bg == -1 else want_bg
            n = pairs.get((fg, bg))
            if n is None:
                n = len(pairs) + 1
                if n >= curses.COLOR_PAIRS:
                    return {}
                curses.init_pair(n, fg, bg)
                pairs[(fg, bg)] = n
            attrs[meaning] = curses.color_pair(n) | extra
        return attrs
    except curses.error:
        return {}


# ---------------------------------------------------------------- the screen


class Screen:
    """A curses window that draws Frames and returns normalised key names."""

    def __init__(self, window: curses.window) -> None:
        self._win = window
        self._attrs: dict[str, int] = {}
        self._encoding = window.encoding or "utf-8"

    def init(self, mono: bool) -> None:
        """Colours (a pair per meaning, on the terminal's default background)
        or, with ``mono`` or without colour support, bold/reverse/underline."""
        self._win.keypad(True)
        self._attrs = {} if mono else _colour_attrs()
        if not self._attrs:
            self._attrs = dict(_MONO)
        with suppress(curses.error):
            curses.set_escdelay(25)  # Esc alone answers at once, not after 1 s
        with suppress(curses.error):
            available, _ = curses.mousemask(curses.ALL_MOUSE_EVENTS)
            if available:
                curses.mouseinterval(0)  # presses at once; no click-detection delay
        self._cursor(None)

    @property
    def encoding(self) -> str:
        """The encoding curses writes text in (the locale's)."""
        return self._encoding

    def size(self) -> tuple[int, int]:
        """(height, width) of the terminal now."""
        h, w = self._win.getmaxyx()
        return h, w

    def _cursor(self, pos: tuple[int, int] | None) -> None:
        with suppress(curses.error):  # a terminal that cannot hide (or show) its cursor
            curses.curs_set(0 if pos is None else 1)

    def _fit(self, text: str) -> str:
        """``text`` with characters the terminal's encoding cannot show
        replaced by "?" of the same width (a non-UTF-8 locale)."""
        try:
            text.encode(self._encoding)
        except UnicodeEncodeError:
            out = []
            for ch in text:
                try:
                    ch.encode(self._encoding)
                    out.append(ch)
                except UnicodeEncodeError:
                    out.append("?" * char_width(ch))
            return "".join(out)
        return text

    def draw(self, frame: Frame) -> None:
        """Erase and draw every cell of ``frame`` clipped to the terminal's
        size now; the last cell of the last line is never written (curses
        cannot advance the cursor past it)."""
        win = self._win
        h, w = self.size()
        win.erase()
        for y, line in enumerate(frame.lines[:h]):
            x = 0
            room_end = w - 1 if y == h - 1 else w
            for cell in line:
                if x >= room_end:
                    break
                text = cell.text
                width = display_width(text)
                if x + width > room_end:
                    text = truncate(text, room_end - x)
                    width = display_width(text)
                if text:
                    with suppress(curses.error):
                        win.addstr(y, x, self._fit(text), self._attrs.get(cell.meaning, 0))
                x += width
        cursor = frame.cursor
        if cursor is not None and 0 <= cursor[0] < h and 0 <= cursor[1] < w:
            try:
                win.move(cursor[0], cursor[1])
            except curses.error:
                cursor = None
        else:
            cursor = None
        self._cursor(cursor)
        win.noutrefresh()
        curses.doupdate()

    def get_key(self, timeout_ms: int) -> str | None:
        """The next key's normalised name (see :func:`key_name`; a mouse
        event as "MOUSE y x button"), or None when ``timeout_ms`` passed
        without one (negative: wait for ever).  Keys without a meaning are
        returned as None too."""
        self._win.timeout(timeout_ms)
        try:
            raw = self._win.get_wch()
        except curses.error:
            return None  # timed out
        if raw == "\x1b":
            seq = self._sequence()
            if seq:
                return sequence_name(seq)
        name = key_name(raw)
        if name == "MOUSE":
            try:
                _, x, y, _, bstate = curses.getmouse()
            except curses.error:
                return None
            return mouse_key(y, x, bstate)
        return name

    def _sequence(self) -> str:
        """The rest of an escape sequence curses handed over byte by byte:
        the characters already waiting after an ESC ("" for ESC alone)."""
        seq = ""
        self._win.timeout(_SEQ_WAIT_MS)
        while len(seq) < _SEQ_MAX:
            try:
                ch = self._win.get_wch()
            except curses.error:
                break
            if not isinstance(ch, str):
                break  # a function key curses did recognise: not part of this
            seq += ch
            if _sequence_done(seq):
                break
        return seq

    def clear(self) -> None:
        """Repaint the whole terminal on the next draw (after a resize)."""
        self._win.clear()


@contextmanager
def terminal() -> Iterator[Screen]:
    """Curses on the controlling terminal for the ``with`` block; the terminal
    is restored on the way out, whatever happened inside (an exception, a
    signal turned into one).  curses.error, before the terminal is touched,
    when $TERM is unknown or cannot move the cursor (TERM=dumb)."""
    curses.setupterm(None, sys.stdout.fileno())
    if not curses.tigetstr("cup"):
        term = os.environ.get("TERM", "")
        raise curses.error(
            f"this terminal (TERM={term}) cannot position the cursor; use --once for text"
        )
    window = curses.initscr()
    try:
        curses.noecho()
        curses.cbreak()
        yield Screen(window)
    finally:
        with suppress(curses.error):
            curses.mousemask(0)
        with suppress(curses.error):
            window.keypad(False)
            curses.nocbreak()
            curses.echo()
        curses.endwin()
