r"""The one display sanitizer: make any string safe and measurable on a terminal.

Every terminal-facing path (CLI tables, error messages, the TUI) passes text
through :func:`sanitize` before writing it, and measures it with
:func:`display_width` (never ``len``), so a process cannot move the cursor,
retitle the window, reorder a line with bidi controls or hide characters.

Escape convention (Python string-literal style; the output is unambiguous and
reversible, because a literal backslash is escaped too)::

    \\                a literal backslash
    \t \n \r          TAB, LF, CR
    \xNN              other C0 controls (U+0000-U+001F, e.g. ESC -> \x1b) and DEL (\x7f)
    \xNN              a byte 0x80-0xFF that was not valid UTF-8: the lone surrogate
                      U+DC80-U+DCFF that surrogateescape decoding made of it
    \uXXXX            other BMP characters that must not reach a terminal: C1 controls
                      (U+0080-U+009F, written \u0080 so they never look like a raw byte),
                      bidi embeddings/overrides/isolates/marks, zero-width and other
                      format characters (category Cf), U+2028/U+2029, other lone surrogates,
                      unassigned code points (Cn: their width and meaning are unknown),
                      and every other default-ignorable code point, which draws as
                      nothing: the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the
                      grapheme joiner U+034F, U+17B4, U+17B5 and the variation
                      selectors U+180B-U+180F, U+FE00-U+FE0F (so an emoji's VS16
                      shows as \ufe0f)
    \UXXXXXXXX        the same classes outside the BMP (e.g. tag characters U+E0000-U+E007F,
                      variation selectors U+E0100-U+E01EF)

Everything else (printable ASCII, letters, CJK, emoji, combining marks,
private-use characters) is kept.  The escapes are plain printable ASCII, so
the width of an escape is its length.

With ``ascii_only=True`` every non-ASCII character is escaped as well
(``\u00e9``), for terminals whose encoding is not UTF-8.

Widths follow the wcwidth rules (Markus Kuhn), computed from
:mod:`unicodedata`: East Asian Wide and Fullwidth characters take 2 columns;
combining marks (Mn, Me), format characters (Cf), U+200B and the Hangul
jungseong/jongseong (U+1160-U+11FF, U+D7B0-U+D7FF) take 0; everything else 1.
:func:`display_width`, :func:`truncate` and :func:`pad` expect sanitized text;
controls, which sanitized text never holds, count 0.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

__all__ = ["CLIPPED", "Align", "char_width", "clip", "display_width", "pad", "sanitize", "truncate"]

Align = Literal["<", ">", "^"]

# Escaped even if a Unicode database ever classified them otherwise: bidi
# embeddings/overrides (U+202A-U+202E), isolates (U+2066-U+2069), marks
# (U+200E, U+200F, U+061C), line/paragraph separators, zero-width characters;
# and the rest of Unicode's default-ignorable code points that are not format
# characters: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0, letters),
# the combining grapheme joiner (U+034F), the Khmer inherent vowels
# (U+17B4, U+17B5), the Mongolian and other variation selectors (U+180B-
# U+180F, U+FE00-U+FE0F, U+E0100-U+E01EF).  They draw as nothing or as a
# blank, so "sshd" plus one would pass for "sshd".
_ALWAYS: frozenset[int] = frozenset(
    [
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        *(0x200E, 0x200F, 0x061C),
        *(0x2028, 0x2029, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF),
        *(0x115F, 0x1160, 0x3164, 0xFFA0, 0x034F, 0x17B4, 0x17B5),
        *range(0x180B, 0x1810),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x5C: "\\\\"}


def _escape(cp: int, ascii_only: bool) -> str | None:
    """The escape for code point ``cp``, or None to keep it as is."""
    named = _NAMED.get(cp)
    if named is not None:
        return named
    if cp < 0x20 or cp == 0x7F:
        return f"\\x{cp:02x}"
    if cp < 0x7F:
        return None
    if 0xDC80 <= cp <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{cp - 0xDC00:02x}"
    if ascii_only or cp in _ALWAYS or unicodedata.category(chr(cp)) in _ESCAPED_CATEGORIES:
        return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"
    return None


class _Table(dict[int, str]):
    """A ``str.translate`` table filled on demand.  Only BMP code points are
    cached, so hostile input cannot grow it beyond 65,536 entries."""

    def __init__(self, ascii_only: bool) -> None:
        super().__init__()
        self.ascii_only = ascii_only

    def __missing__(self, cp: int) -> str:
        esc = _escape(cp, self.ascii_only)
        out = chr(cp) if esc is None else esc
        if cp <= 0xFFFF:
            self[cp] = out
        return out


_TABLE = _Table(ascii_only=False)
_ASCII_TABLE = _Table(ascii_only=True)


def sanitize(s: str, *, ascii_only: bool = False) -> str:
    """``s`` with every character unsafe on a terminal replaced by a visible
    escape (see the module docstring for the convention)."""
    if s.isascii() and s.isprintable() and "\\" not in s:
        return s  # the common case: printable ASCII, nothing to do
    return s.translate(_ASCII_TABLE if ascii_only else _TABLE)


def char_width(ch: str) -> int:
    """Columns one character takes on a terminal (wcwidth rules); 0 for
    controls, which sanitized text never holds."""
    cp = ord(ch)
    if 0x20 <= cp < 0x7F:
        return 1
    if cp < 0xA0:
        return 0  # C0, DEL, C1
    if cp == 0x200B or 0x1160 <= cp <= 0x11FF or 0xD7B0 <= cp <= 0xD7FF:
        return 0
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me", "Cf", "Cc", "Cs", "Zl", "Zp"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def display_width(s: str) -> int:
    """Columns ``s`` takes on a terminal: the sum of its characters' widths."""
    if s.isascii() and s.isprintable():
        return len(s)
    return sum(char_width(c) for c in s)


def truncate(s: str, width: int, ellipsis: str = "") -> str:
    """The longest prefix of ``s`` at most ``width`` columns wide.

    A wide character that does not fit whole is dropped, never split; zero-width
    characters (combining marks) stay with the character they follow.  When
    ``s`` is cut and ``ellipsis`` is given, it ends the result (still within
    ``width``).  Only the characters up to the cut are measured: a huge ``s``
    costs what its shown part does."""
    width = max(width, 0)
    if s.isascii() and s.isprintable() and (len(s) <= width or not ellipsis):
        return s[:width]  # one column per character
    room = width - display_width(ellipsis)
    used = 0
    end = 0  # the longest prefix within room
    for i, ch in enumerate(s):
        used += char_width(ch)
        if used > width:
            break
        if used <= room:
            end = i + 1
    else:
        return s  # the whole of s fits
    if room < 0:
        return truncate(ellipsis, width)
    return s[:end] + ellipsis


def pad(s: str, width: int, align: Align = "<") -> str:
    """``s`` padded with spaces to ``width`` columns: "<" left-aligned (pad on
    the right), ">" right-aligned, "^" centred.  Text already at least
    ``width`` wide is returned unchanged (use :func:`truncate` first)."""
    gap = width - display_width(s)
    if gap <= 0:
        return s
    if align == "<":
        return s + " " * gap
    if align == ">":
        return " " * gap + s
    left = gap // 2
    return " " * left + s + " " * (gap - left)


CLIPPED = "\u2026"  # ends raw text that clip() cut


def clip(text: str, width: int) -> str:
    """The start of raw ``text`` that can fill ``width`` columns (four
    characters per column and some: room for wide characters and combining
    marks), taken before :func:`sanitize`: a megabyte command line then costs
    what its shown part does.  When it cuts, the result ends with CLIPPED,
    so that text made of characters that take no room cannot hide what
    follows them: it shows as cut."""
    n = 4 * max(width, 0) + 64
    return text if len(text) <= n else text[:n] + CLIPPED
