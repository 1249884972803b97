"""The display sanitizer: every class of dangerous character, the escape
convention (unambiguous: decoding the output gives the input back), widths
(checked against glibc's wcwidth), truncation and padding."""

from __future__ import annotations

import ctypes
import locale
import os
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sysmon.sanitize import char_width, display_width, pad, sanitize, truncate

# Pure Python: no C path for the ASan+UBSan pass to check.
pytestmark = pytest.mark.skipif(os.environ.get("SYSMON_ASAN") == "1",
                                reason="pure Python (no C path for the ASan pass)")

BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
INVISIBLE = [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
# default-ignorable code points that are not format characters: they draw as
# nothing (Hangul fillers, grapheme joiner, Khmer vowels, variation selectors)
FILLERS = [0x115F, 0x1160, 0x3164, 0xFFA0, 0x034F, 0x17B4, 0x17B5, *range(0x180B, 0x1810),
           *range(0xFE00, 0xFE10)]
SEPARATORS = [0x2028, 0x2029]
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"}

# --------------------------------------------------------------------------
# an independent decoder of the documented convention

_ESCAPE = re.compile(r"\\(\\|t|n|r|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")
_NAMED = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def unescape(s: str) -> str:
    """Inverse of sanitize, written from the module's documented convention."""

    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e in _NAMED:
            return _NAMED[e]
        n = int(e[1:], 16)
        if e[0] == "x" and n >= 0x80:  # a raw byte: surrogateescape
            return chr(0xDC00 + n)
        return chr(n)

    # every backslash in the output must start an escape
    assert "\\" not in _ESCAPE.sub("", s), f"stray backslash in {s!r}"
    return _ESCAPE.sub(one, s)


# --------------------------------------------------------------------------
# each class


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\n", r"\n"),
        ("\t", r"\t"),
        ("\r", r"\r"),
        ("\x1b", r"\x1b"),
        ("\x00", r"\x00"),
        ("\x07", r"\x07"),
        ("\x1f", r"\x1f"),
        ("\x7f", r"\x7f"),
        ("\\", "\\\\"),
        ("\x1b]0;pwned\x07", r"\x1b]0;pwned\x07"),
        ("\x1b[2J\x1b[H", r"\x1b[2J\x1b[H"),
        ("a\\x1b", r"a\\x1b"),  # a literal backslash-x: distinct from ESC
    ],
)
def test_c0_del_backslash(raw, shown):
    assert sanitize(raw) == shown


@pytest.mark.parametrize("cp", [c for c in range(0x20) if c not in (9, 10, 13)] + [0x7F])
def test_every_c0_control_and_del_as_hex(cp):
    assert sanitize(chr(cp)) == f"\\x{cp:02x}"


@pytest.mark.parametrize("cp", range(0x80, 0xA0))
def test_every_c1_control_as_u_escape(cp):
    # \u0080, never \x80: that spelling is reserved for a raw undecodable byte
    assert sanitize(chr(cp)) == f"\\u{cp:04x}"


@pytest.mark.parametrize("cp", BIDI + INVISIBLE + SEPARATORS + FILLERS)
def test_bidi_invisible_and_separators(cp):
    assert sanitize(chr(cp)) == f"\\u{cp:04x}"
    assert sanitize(f"a{chr(cp)}b") == f"a\\u{cp:04x}b"


def test_supplementary_variation_selectors():
    for cp in (0xE0100, 0xE01EF):
        assert sanitize(f"sshd{chr(cp)}") == f"sshd\\U{cp:08x}"
    assert sanitize(chr(0xE01F0)) == "\\U000e01f0"  # unassigned: Cn
    assert sanitize("e\u0301") == "e\u0301"  # an ordinary combining mark stays


def test_bidi_override_spoof_is_visible():
    # "exe.txt" would display as "txt.exe" without the escape
    assert sanitize("abc\u202etxt.exe") == r"abc\u202etxt.exe"


@pytest.mark.parametrize("byte", range(0x80, 0x100))
def test_surrogateescape_bytes_show_original_byte(byte):
    s = bytes([byte]).decode("utf-8", "surrogateescape")
    assert s == chr(0xDC00 + byte)
    assert sanitize(s) == f"\\x{byte:02x}"


@pytest.mark.parametrize("cp", [0xD800, 0xDBFF, 0xDC00, 0xDC7F, 0xDD00, 0xDFFF])
def test_other_lone_surrogates(cp):
    assert sanitize(chr(cp)) == f"\\u{cp:04x}"


def test_invalid_utf8_name_round_trip():
    raw = b"bad\xff\xfe) name\xe2\x80"  # invalid bytes and a cut multibyte char
    s = raw.decode("utf-8", "surrogateescape")
    assert sanitize(s) == r"bad\xff\xfe) name\xe2\x80"


@pytest.mark.parametrize(
    ("cp", "shown"),
    [
        (0xE0001, r"\U000e0001"),  # LANGUAGE TAG (Cf)
        (0xE0041, r"\U000e0041"),  # TAG LATIN CAPITAL LETTER A: invisible "ASCII smuggling"
        (0x00AD, r"\u00ad"),  # soft hyphen (Cf)
        (0x180E, r"\u180e"),  # Mongolian vowel separator (Cf)
        (0xFFF9, r"\ufff9"),  # interlinear annotation anchor (Cf)
        (0x0378, r"\u0378"),  # unassigned (Cn)
        (0xFFFF, r"\uffff"),  # noncharacter (Cn)
    ],
)
def test_other_format_and_unassigned(cp, shown):
    assert sanitize(chr(cp)) == shown


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii ~!@#$%^&*()_+{}|:\"<>?`-=[];',./",
        "日本語のスリープ",
        "ünïcødé ☃",
        "😀🎉",
        "e\u0301",  # combining acute: a mark, kept with its letter
        "\ue000",  # private use
        "a\u00a0b",  # no-break space
        "\uff21",  # fullwidth A
        "",
    ],
)
def test_printable_text_kept(text):
    assert sanitize(text) == text


def test_ascii_only():
    assert sanitize("é日😀", ascii_only=True) == r"\u00e9\u65e5\U0001f600"
    assert sanitize("ok\x1b\udcff\u202e", ascii_only=True) == r"ok\x1b\xff\u202e"
    assert sanitize("a\\b", ascii_only=True) == "a\\\\b"


def test_fast_path_returns_same_text():
    s = "sleep 300 --flag=value"
    assert sanitize(s) is s


# --------------------------------------------------------------------------
# properties

# every code point, surrogates included (st.text() leaves surrogates out)
any_code_point = st.integers(0, 0x10FFFF).map(chr)
any_text = st.one_of(
    st.text(),
    st.lists(any_code_point, max_size=40).map("".join),
    st.lists(
        st.sampled_from(
            [*map(chr, BIDI + INVISIBLE + SEPARATORS + FILLERS),
             "\x1b", "\\", "\x9b", "\udcff", "日", "e"]
        ),
        max_size=20,
    ).map("".join),
)


def _bad_char(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) in FORBIDDEN_CATEGORIES or cp in BIDI or cp in INVISIBLE
            or cp in FILLERS)


@settings(max_examples=500)
@given(any_text)
def test_output_has_no_control_format_surrogate_or_bidi(s):
    out = sanitize(s)
    assert not [c for c in out if _bad_char(c)]
    # only printable ASCII may make up an escape: every non-ASCII char kept is from the input
    assert all(c in s for c in out if not c.isascii())
    assert all(c.isprintable() for c in out if c.isascii())


@settings(max_examples=500)
@given(any_text)
def test_reversible(s):
    assert unescape(sanitize(s)) == s


@settings(max_examples=300)
@given(any_text)
def test_ascii_only_output_is_ascii_and_reversible(s):
    out = sanitize(s, ascii_only=True)
    assert out.isascii()
    assert out.isprintable()
    assert unescape(out) == s


@settings(max_examples=500)
@given(any_text)
def test_width_of_output_is_sum_of_widths(s):
    out = sanitize(s)
    # per character of the input: an escape is as wide as it is long
    assert display_width(out) == sum(display_width(sanitize(c)) for c in s)
    assert display_width(out) == sum(char_width(c) for c in out)
    for c in s:
        e = sanitize(c)
        if e != c:
            assert display_width(e) == len(e)


@settings(max_examples=300)
@given(any_text, any_text)
def test_sanitize_is_per_character(a, b):
    assert sanitize(a + b) == sanitize(a) + sanitize(b)


# --------------------------------------------------------------------------
# widths


@pytest.mark.parametrize(
    ("ch", "width"),
    [
        ("a", 1),
        (" ", 1),
        ("~", 1),
        ("é", 1),
        ("日", 2),  # East Asian Wide
        ("\uff21", 2),  # Fullwidth A
        ("가", 2),  # Hangul syllable
        ("😀", 2),  # emoji (Wide since Unicode 9)
        ("\u0301", 0),  # Mn
        ("\u20dd", 0),  # Me: combining enclosing circle
        ("\u200b", 0),  # zero width space
        ("\u200d", 0),  # ZWJ (Cf)
        ("\u1160", 0),  # Hangul jungseong filler
        ("\u11ff", 0),
        ("\ue000", 1),  # private use
        ("\x1b", 0),  # controls never reach a terminal; they count 0
        ("\x85", 0),
    ],
)
def test_char_width(ch, width):
    assert char_width(ch) == width
    assert display_width(ch) == width


def test_display_width_strings():
    assert display_width("") == 0
    assert display_width("sleep") == 5
    assert display_width("日本語") == 6
    assert display_width("e\u0301x") == 2
    assert display_width(sanitize("a\x1bb")) == 6  # a\x1bb


# glibc puts these in its wide table although EastAsianWidth.txt says A / N
_GLIBC_DIFFERS = {*range(0x3248, 0x3250), *range(0x4DC0, 0x4E00)}
# Python before 3.10 carries Unicode 13, where U+1734 (Hanunoo pamudpod) was
# a spacing mark (Mc, width 1); from Unicode 14 on it is Mn (width 0)
if tuple(map(int, unicodedata.unidata_version.split("."))) < (14,):
    _GLIBC_DIFFERS |= {0x1734}


def test_widths_agree_with_glibc_wcwidth():
    """An independent implementation: glibc's wcwidth in a UTF-8 locale, on
    every code point of planes 0-3 and the tag block that sanitize keeps."""
    try:
        old = locale.setlocale(locale.LC_CTYPE)
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    except locale.Error:
        pytest.skip("no C.UTF-8 locale")
    try:
        libc = ctypes.CDLL(None)
        libc.wcwidth.restype = ctypes.c_int
        libc.wcwidth.argtypes = [ctypes.c_wchar]
        mismatches = []
        checked = 0
        for cp in [*range(0x20, 0xD800), *range(0xE000, 0x40000), *range(0xE0000, 0xE01F0)]:
            ch = chr(cp)
            if cp in _GLIBC_DIFFERS or sanitize(ch) != ch:
                continue
            theirs = libc.wcwidth(ch)
            if theirs < 0:  # glibc's Unicode is older: unassigned there
                continue
            checked += 1
            if theirs != char_width(ch):
                mismatches.append((hex(cp), theirs, char_width(ch)))
    finally:
        locale.setlocale(locale.LC_CTYPE, old)
    assert checked > 100_000
    assert not mismatches, mismatches[:20]


# --------------------------------------------------------------------------
# truncate and pad


@pytest.mark.parametrize(
    ("s", "width", "out"),
    [
        ("sleep", 10, "sleep"),
        ("sleep", 5, "sleep"),
        ("sleep", 3, "sle"),
        ("sleep", 0, ""),
        ("sleep", -1, ""),
        ("日本語abc", 6, "日本語"),
        ("日本語abc", 5, "日本"),  # never half a wide character
        ("日本語abc", 1, ""),
        ("a日", 2, "a"),
        ("e\u0301x", 1, "e\u0301"),  # the mark stays with its letter
        ("😀😀", 3, "😀"),
    ],
)
def test_truncate(s, width, out):
    assert truncate(s, width) == out


def test_truncate_ellipsis():
    assert truncate("abcdef", 4, "…") == "abc…"
    assert truncate("日本語", 4, "…") == "日…"
    assert truncate("abc", 3, "…") == "abc"
    assert truncate("abcdef", 0, "…") == ""


kept_text = any_text.map(sanitize)


@settings(max_examples=500)
@given(kept_text, st.integers(-2, 60))
def test_truncate_properties(s, width):
    t = truncate(s, width)
    assert s.startswith(t)
    assert display_width(t) <= max(width, 0)
    if t != s:  # maximal: the next character would not fit
        assert display_width(t) + char_width(s[len(t)]) > width


@settings(max_examples=500)
@given(kept_text, st.integers(-2, 60), st.sampled_from(["", "…", "...", "日", "e\u0301"]))
def test_truncate_ellipsis_properties(s, width, ell):
    t = truncate(s, width, ell)
    w = max(width, 0)
    if display_width(s) <= w:
        assert t == s  # nothing cut, no ellipsis
        return
    assert display_width(t) <= w
    if display_width(ell) > w:
        assert t == truncate(ell, w)
        return
    body = t[: len(t) - len(ell)]
    assert t.endswith(ell) and s.startswith(body)
    # maximal: the next character would not fit beside the ellipsis
    assert display_width(body) + char_width(s[len(body)]) > w - display_width(ell)


def test_truncate_reads_only_what_it_keeps():
    """A huge string with a hostile tail is cut without measuring the tail:
    the answer is the same whatever follows the cut."""
    head = "日本" * 12 + "ab"  # 50 columns
    for tail in ("", "x" * 10**6, "e\u0301" * 10**6, "漢" * 10**6):
        assert truncate(head + "漢" + tail, 50) == head
        assert truncate(head + "漢" + tail, 50, "…") == head[:-1] + "…"


@settings(max_examples=300)
@given(kept_text, st.integers(0, 60), st.sampled_from(["<", ">", "^"]))
def test_pad_properties(s, width, align):
    p = pad(s, width, align)
    assert display_width(p) == max(width, display_width(s))
    assert s in p
    assert p.strip(" ") == s.strip(" ") or s.strip(" ") == ""
    if align == "<":
        assert p.startswith(s)
    elif align == ">":
        assert p.endswith(s)


def test_pad_wide():
    assert pad("日本", 6) == "日本  "
    assert pad("日本", 6, ">") == "  日本"
    assert pad("日本", 7, "^") == " 日本  "
    assert pad("日本語", 4) == "日本語"  # never cut


# ---------------------------------------------------------------- table cells


@pytest.mark.parametrize(
    ("cell", "cap", "shown"),
    [
        ("abcdefgh", 5, "abcd\u2026"),
        ("abcde", 5, "abcde"),  # fits: not cut
        ("\u65e5\u672c\u8a9e\u65e5\u672c", 5, "\u65e5\u672c\u2026"),  # wide: never split
        ("\x1b[31mred", 6, "\\x1b[\u2026"),  # escapes count as shown, not raw
    ],
)
def test_format_table_cap_cuts_and_marks(cell, cap, shown):
    from sysmon.cli._output import Column, format_table

    lines = format_table([Column("A", cap=cap), Column("B")], [[cell, "x"]], header=False)
    assert lines == [f"{shown} x"]


def test_format_table_cap_bounds_a_huge_cell(monkeypatch):
    """One huge cell in a capped column neither widens the other rows nor is
    sanitized whole; marks that take no room cannot hide the cut."""
    import sysmon.cli._output as out_mod

    lengths: list[int] = []

    def counting(text, ascii_only=False):
        lengths.append(len(text))
        return sanitize(text, ascii_only=ascii_only)

    monkeypatch.setattr(out_mod, "sanitize", counting)
    rows = [["a" * 1_000_000, "1"], ["b", "2"], ["\u0301" * 100_000 + "tail", "3"]]
    cols = [out_mod.Column("A", cap=8), out_mod.Column("B")]
    lines = out_mod.format_table(cols, rows, header=False)
    assert lines[0] == "aaaaaaa\u2026 1"
    assert lines[1] == "b        2"
    assert lines[2] == "\u0301" * (4 * 8 + 64) + "\u2026" + " " * 8 + "3"  # clip keeps 96
    assert max(lengths) < 200  # each cell clipped before it is sanitized


def test_format_table_cap_on_an_ascii_terminal():
    """Where the output cannot encode Unicode, the mark of a cut is escaped
    like any other non-ASCII character (it used to fail to encode)."""
    from sysmon.cli._output import Column, format_table

    lines = format_table([Column("A", cap=8), Column("B")], [["abcdefghij", "x"]],
                         header=False, ascii=True)
    assert lines == ["ab\\u2026 x"]
    assert all(line.isascii() for line in lines)
