"""System-file parser cases common to every parser (NUL and other odd bytes,
long numbers) and big inputs: C and Python side by side.

Every expected value is written by hand from the contract in sysmon/_rawsys.py
and the input next to it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import (
    I64_MIN,
    NONE7,
    TOO_BIG,
    U64,
    U64_TEXT,
    assert_exact,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    nums,
    seq,
)

from sysmon.errors import ParseError

# ------------------------------------------- cases common to every parser
ZEROS = b"0" * 40  # the range of a number is its value, not its number of digits

ACROSS_CASES: list[Any] = [
    pytest.param("parse_int", (ZEROS + b"42\n",), 42, id="int-many-leading-zeros"),
    pytest.param("parse_int", (b"-" + ZEROS + b"9223372036854775808",), I64_MIN,
                 id="int-min-many-leading-zeros"),
    pytest.param("parse_cpulist", (ZEROS + b"1-" + ZEROS + U64_TEXT,), [(1, U64)],
                 id="cpulist-many-leading-zeros"),
    pytest.param("parse_uptime", (ZEROS + b".5 18.446744073709551615\n",), (5, 1, U64, 18),
                 id="dec-leading-zeros-and-max-m-at-scale-18"),
    pytest.param("parse_uptime", (b"0.000000000000000000 0\n",), (0, 18, 0, 0),
                 id="dec-zero-at-scale-18"),
    pytest.param("parse_kv", (b"Key: " + ZEROS + U64_TEXT + b" kB\n", True),
                 [(b"Key", U64, True)], id="kv-many-leading-zeros"),
    pytest.param("parse_kv", (b"Key: 123 \tkB\n", True), [(b"Key", 123, True)],
                 id="kv-blanks-before-kb"),
    pytest.param("parse_mountinfo", (b"1 2 3:4 /a\x00b / rw - t\x00 s\x00 o\x00\n",),
                 [(1, 2, 3, 4, b"/a\x00b", b"/", b"rw", b"", b"t\x00", b"s\x00", b"o\x00")],
                 id="mountinfo-nul-bytes-are-string-bytes"),
    pytest.param("parse_netdev", (b"e\x00th0: " + nums(*seq(1, 16)) + b"\n",),
                 [(b"e\x00th0", seq(1, 16))], id="netdev-nul-in-name"),
    pytest.param("parse_diskstats", (b"8 0 s\x00da " + nums(*seq(1, 11)) + b"\n",),
                 [(8, 0, b"s\x00da", seq(1, 11))], id="diskstats-nul-in-name"),
    pytest.param("parse_cpustat", (b"page \x00\x00\ncpu 1 2 3 4\n",),
                 ([(-1, (1, 2, 3, 4))], NONE7), id="cpustat-nul-in-an-unread-line"),
    # only a space and a tab are blanks: \v, \f and \r are ordinary bytes
    pytest.param("parse_cpustat", (b"cpu\x0b1 2 3 4\nctxt\x0c5\n\x0b\n",), ([], NONE7),
                 id="cpustat-vt-ff-make-unknown-keys"),
    pytest.param("parse_mountinfo", (b"1 2 3:4 /a\x0bb /\x0c rw - t\r s o\n",),
                 [(1, 2, 3, 4, b"/a\x0bb", b"/\x0c", b"rw", b"", b"t\r", b"s", b"o")],
                 id="mountinfo-vt-ff-cr-are-string-bytes"),
    pytest.param("parse_diskstats", (b"8 0 s\x0cd\x0ba " + nums(*seq(1, 11)) + b"\n",),
                 [(8, 0, b"s\x0cd\x0ba", seq(1, 11))], id="diskstats-ff-vt-in-name"),
]


@pytest.mark.parametrize(("fn", "args", "want"), ACROSS_CASES)
def test_across(mod: ModuleType, fn: str, args: tuple[Any, ...], want: Any) -> None:
    assert_exact(getattr(mod, fn)(*args), want)


ACROSS_MALFORMED: list[Any] = [
    pytest.param("parse_int", (b"1\x00",), id="int-nul"),
    pytest.param("parse_int", (b"12\x0034",), id="int-nul-inside"),
    pytest.param("parse_int", (b"\x001",), id="int-leading-nul"),
    pytest.param("parse_int", (ZEROS + b"9223372036854775808",), id="int-long-over"),
    pytest.param("parse_cpulist", (b"0-3\x00",), id="cpulist-nul"),
    pytest.param("parse_cpulist", (ZEROS + TOO_BIG,), id="cpulist-long-over"),
    pytest.param("parse_cpumax", (b"max 1\x00\n",), id="cpumax-nul"),
    pytest.param("parse_kv", (b"Key: 1\x00 kB\n", True), id="kv-nul-after-value"),
    pytest.param("parse_kv", (b"Key:: 5\n", True), id="kv-double-colon"),
    pytest.param("parse_kv", (b"Key: 5 \x00kB\n", True), id="kv-nul-before-kb"),
    pytest.param("parse_loadavg", (b"0.25 0.50 1.00 2/345 6789\x00\n",), id="loadavg-nul"),
    pytest.param("parse_cpustat", (b"ctxt 5\x00\n",), id="cpustat-nul-in-a-read-line"),
    pytest.param("parse_uptime", (b"18.446744073709551616 0\n",), id="dec-m-over-at-scale-18"),
    pytest.param("parse_pressure", (b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1\x00\n",),
                 id="pressure-nul"),
    pytest.param("parse_int", (b"1\x0b",), id="int-vt"),
    pytest.param("parse_int", (b"\x0c1",), id="int-leading-ff"),
    pytest.param("parse_int", (b"1_000\n",), id="int-underscore"),
    pytest.param("parse_int", (b"\xef\xbc\x91\n",), id="int-fullwidth-digit"),
    pytest.param("parse_kv", (b"Key:\x0c5\n", True), id="kv-ff-before-value"),
    pytest.param("parse_kv", (b"Key: 5\x0bkB\n", True), id="kv-vt-before-kb"),
    pytest.param("parse_kv", (b"Key: 1_0\n", True), id="kv-underscore"),
    pytest.param("parse_kv", (b"\x0b\n", True), id="kv-vt-line-is-not-blank"),
    pytest.param("parse_kv", (b"key\x0b5\n", False), id="vmstat-vt-is-not-a-separator"),
    pytest.param("parse_cpustat", (b"cpu 1 2 3 4\x0b\n",), id="cpustat-vt-after-number"),
    pytest.param("parse_cpustat", (b"intr 5_0 x\n",), id="cpustat-underscore"),
    pytest.param("parse_netdev", (b"eth0: " + nums(*seq(1, 16)) + b"\x0c\n",), id="netdev-ff"),
    pytest.param("parse_netdev", (b"\x0b\n",), id="netdev-vt-line-is-not-blank"),
    pytest.param("parse_diskstats", (b"\x0c\n",), id="diskstats-ff-line-is-not-blank"),
    pytest.param("parse_cpulist", (b"0-3\x0b",), id="cpulist-vt"),
    pytest.param("parse_cpulist", (b"1_0",), id="cpulist-underscore"),
    pytest.param("parse_cpumax", (b"max\x0c100\n",), id="cpumax-ff-separator"),
    pytest.param("parse_uptime", (b"1_0.5 2\n",), id="dec-underscore"),
    pytest.param("parse_uptime", (b"1.5_0 2\n",), id="dec-underscore-in-fraction"),
    pytest.param("parse_mountinfo", (b"1 2 0x1:2 / / rw - a b c\n",), id="mountinfo-hex-major"),
]


@pytest.mark.parametrize(("fn", "args"), ACROSS_MALFORMED)
def test_across_malformed(mod: ModuleType, fn: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(ParseError) as ei:
        getattr(mod, fn)(*args)
    assert isinstance(ei.value.path, str)
    assert isinstance(ei.value.detail, str)


# ------------------------------------------------------------ big inputs
# Nothing in the contract bounds a line, a field or a file: no fixed buffer
# may truncate or reject them.
LONG = b"/very" + b"x" * 70000


def test_big_cpustat(mod: ModuleType) -> None:
    n = 4096
    data = b"".join(b"cpu%d %d 1 2 3 4 5 6 7 8 9\n" % (i, i) for i in range(n))
    data = b"cpu 1 2 3 4\n" + data + b"intr 77 " + b" ".join([b"123456"] * 100000) + b"\n"
    cpus, stats = mod.parse_cpustat(data)
    assert len(cpus) == n + 1
    assert cpus[0] == (-1, (1, 2, 3, 4))
    assert cpus[1:] == [(i, (i, 1, 2, 3, 4, 5, 6, 7, 8, 9)) for i in range(n)]
    assert stats[5] == 77


def test_big_mountinfo(mod: ModuleType) -> None:
    optional = [b"shared:%d" % i for i in range(300)]
    data = (b"1 2 3:4 " + LONG + b" " + LONG + b"\\040end rw " + b" ".join(optional)
            + b" - ext4 " + LONG + b" rw\n") * 3
    want = (1, 2, 3, 4, LONG, LONG + b" end", b"rw", b" ".join(optional), b"ext4", LONG, b"rw")
    assert_exact(mod.parse_mountinfo(data), [want] * 3)


def test_big_names_and_many_lines(mod: ModuleType) -> None:
    name = b"n" * 5000
    assert_exact(mod.parse_netdev(name + b": " + nums(*seq(1, 16)) + b"\n"),
                 [(name, seq(1, 16))])
    assert_exact(mod.parse_diskstats(b"8 0 " + name + b" " + nums(*seq(1, 17))),
                 [(8, 0, name, seq(1, 17))])
    assert_exact(mod.parse_kv(name + b": 1 kB\n", True), [(name, 1, True)])
    rows = mod.parse_kv(b"".join(b"k%d %d\n" % (i, i) for i in range(50000)), False)
    assert rows == [(b"k%d" % i, i, False) for i in range(50000)]


def test_big_cpulist(mod: ModuleType) -> None:
    data = b",".join(b"%d-%d" % (i, i + 1) for i in range(0, 40000, 4)) + b"\n"
    assert_exact(mod.parse_cpulist(data), [(i, i + 1) for i in range(0, 40000, 4)])
