"""Generated inputs for the system-file parsers (sysmon/_rawsys.py), C against Python.

Three kinds of test:
- round trips: a well-formed file built from random values; both
  implementations must return exactly the values it was built from;
- garbage and near misses: arbitrary bytes and mutations of well-formed
  files; both must give the same result or both raise ParseError;
- live files: the bytes of this machine's /proc and /sys files, read once,
  must parse, identically in both.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from helpers import generated
from hypothesis import example, given
from hypothesis import strategies as st
from sys_parser_support import (
    I64_MAX,
    I64_MIN,
    NATIVE,
    REQUIRE_NATIVE,
    U64,
    agree,
    assert_exact,
    dec_text,
    impl,
    octal_escape,
)

# with SYSMON_REQUIRE_NATIVE=1 (CI) a missing C build fails these instead
pytestmark = pytest.mark.skipif(NATIVE is None and not REQUIRE_NATIVE,
                                reason="C extension not built")

# database=None: nothing is written under the checkout
ROUND = generated(100)
FUZZ = generated(100)

Case = tuple[bytes, Any]
Draw = Callable[..., Any]


def both(fn: str, *args: Any) -> Any:
    """Both implementations must parse; returns the common (exact) result."""
    c = getattr(impl("c"), fn)(*args)
    p = getattr(impl("python"), fn)(*args)
    assert_exact(c, p)
    return c


def num(v: int) -> bytes:
    return str(v).encode()


U64S = st.one_of(st.integers(0, U64), st.sampled_from([0, 1, U64, 2**63, 2**32 - 1]))
I64S = st.one_of(st.integers(I64_MIN, I64_MAX), st.sampled_from([I64_MIN, I64_MAX, -1, 0]))
NONNEG_I64 = st.one_of(st.integers(0, I64_MAX), st.sampled_from([0, I64_MAX]))


class Style:
    """The cosmetic choices of one generated file (blanks, blank lines, leading
    zeros, which bytes to octal-escape, the final newline), from one drawn seed:
    one hypothesis draw per file instead of one per separator keeps the run
    fast.  The values themselves are drawn directly, so they still shrink."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def coin(self, p: float = 0.5) -> bool:
        return self.r.random() < p

    def blanks(self, lo: int = 1) -> bytes:
        if lo and self.coin(0.6):
            return b" "
        return bytes(self.r.choice(b" \t") for _ in range(self.r.randint(lo, 3)))

    def opt(self) -> bytes:
        return self.blanks(0) if self.coin(0.3) else b""

    def end(self) -> bytes:
        """A missing final newline is accepted."""
        return b"" if self.coin(0.2) else b"\n"

    def trim(self) -> bytes:
        return bytes(self.r.choice(b" \t\n") for _ in range(self.r.randint(0, 3)))

    def u64(self, v: int) -> bytes:
        """``v`` as a u64, sometimes with leading zeros (still ``[0-9]+``)."""
        return b"0" * self.r.choice([0, 0, 0, 0, 1, 3]) + num(v)

    def sep(self, items: list[bytes]) -> bytes:
        out = items[0] if items else b""
        for it in items[1:]:
            out += self.blanks() + it
        return out

    def line(self, items: list[bytes]) -> bytes:
        """A one-line file: leading and trailing blanks, maybe no newline."""
        return self.opt() + self.sep(items) + self.opt() + self.end()

    def lines(self, lines: list[bytes]) -> bytes:
        """Lines, with blank lines sprinkled in, and maybe no final newline."""
        out: list[bytes] = []
        for line in lines:
            if self.coin(0.15):
                out.append(self.blanks(0))
            out.append(line)
        return b"\n".join(out) + self.end() if out else b""

    def escape(self, raw: bytes) -> bytes:
        """``raw`` spelled for mountinfo: blanks, newlines and backslashes
        escaped (as the kernel does), other bytes sometimes escaped too; a
        backslash that cannot start an escape is sometimes left alone."""
        out = bytearray()
        for i, c in enumerate(raw):
            nxt = raw[i + 1: i + 2]
            if c == 0x5C and (not nxt or nxt not in b"01234567") and self.coin():
                out.append(c)
            elif c in b" \t\n\\" or self.coin(0.1):
                out += b"\\%03o" % c
            else:
                out.append(c)
        return bytes(out)


STYLE = st.integers(0, 2**32 - 1).map(Style)


@st.composite
def decs(draw: Draw) -> tuple[bytes, int, int]:
    """A ``dec`` and its exact (m, scale)."""
    scale = draw(st.integers(0, 18))
    m = draw(st.one_of(U64S, st.integers(0, 10**scale)))
    zeros = b"0" * draw(st.sampled_from([0, 0, 1, 2]))
    return zeros + dec_text(m, scale), m, scale


# A token of arbitrary bytes with no blank, no newline.
TOKEN = st.binary(min_size=1, max_size=12).map(
    lambda b: b.translate(None, b" \t\n") or b"x")
# The rest of a line: anything but a newline.
REST = st.binary(max_size=30).map(lambda b: b.replace(b"\n", b""))


# ----------------------------------------------------------------- cpustat
STAT_KEYS = [b"ctxt", b"btime", b"processes", b"procs_running", b"procs_blocked", b"intr",
             b"softirq"]
UNKNOWN_STAT_KEYS = [b"page", b"swap", b"cpuX", b"cpu_guest", b"cpu-1", b"ctxt2", b"Ctxt",
                     b"intrs", b"x", b"softirqs", b"processes_"]


@st.composite
def cpustat_files(draw: Draw) -> Case:
    s = draw(STYLE)
    lines: list[bytes] = []
    cpus: list[tuple[int, tuple[int, ...]]] = []
    first: dict[bytes, int] = {}
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["cpu", "cpu", "stat", "unknown"]))
        lead = s.opt()
        if kind == "cpu":
            cpu = draw(st.one_of(st.just(-1), NONNEG_I64))
            ticks = draw(st.lists(U64S, min_size=4, max_size=13))
            key = b"cpu" if cpu == -1 else b"cpu" + s.u64(cpu)
            lines.append(lead + s.sep([key, *(s.u64(t) for t in ticks)])
                         + s.opt())
            cpus.append((cpu, tuple(ticks[:10])))
        elif kind == "stat":
            key = draw(st.sampled_from(STAT_KEYS))
            v = draw(U64S)
            line = lead + s.sep([key, s.u64(v)])
            if key in (b"intr", b"softirq"):  # per-source counts, then anything (unread)
                for _ in range(draw(st.integers(0, 5))):
                    line += s.blanks() + num(draw(U64S))
                if draw(st.booleans()):
                    line += b" " + draw(REST)
            lines.append(line + s.opt())
            first.setdefault(key, v)
        else:
            lines.append(lead + draw(st.sampled_from(UNKNOWN_STAT_KEYS)) + b" " + draw(REST))
    stats = tuple(first.get(k) for k in (b"ctxt", b"btime", b"processes", b"procs_running",
                                           b"procs_blocked", b"intr", b"softirq"))
    return s.lines(lines), (cpus, stats)


@ROUND
@given(cpustat_files())
def test_cpustat_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_cpustat", data), want)


# --------------------------------------------------------------------- kv
KEY_COLON = st.one_of(
    st.sampled_from([b"MemTotal", b"Active(anon)", b"HugePages_Total", b"Inactive(file)",
                     b"DirectMap4k", b"X"]),
    st.binary(min_size=1, max_size=12).map(lambda b: b.translate(None, b" \t\n:") or b"k"),
)
KEY_PLAIN = st.one_of(
    st.sampled_from([b"nr_free_pages", b"pgpgin", b"workingset_refault_anon", b"k:"]),
    TOKEN,
)


@st.composite
def meminfo_files(draw: Draw) -> Case:
    s = draw(STYLE)
    lines: list[bytes] = []
    rows: list[tuple[bytes, int, bool]] = []
    for _ in range(draw(st.integers(0, 10))):
        key = draw(KEY_COLON)
        v = draw(U64S)
        kb = draw(st.booleans())
        line = (s.opt() + key + b":" + s.opt() + s.u64(v)
                + (s.blanks() + b"kB" if kb else b"") + s.opt())
        lines.append(line)
        rows.append((key, v, kb))
        if draw(st.integers(0, 4)) == 0:  # a duplicate key
            lines.append(key + b": " + num(v))
            rows.append((key, v, False))
    return s.lines(lines), rows


@st.composite
def vmstat_files(draw: Draw) -> Case:
    s = draw(STYLE)
    lines: list[bytes] = []
    rows: list[tuple[bytes, int, bool]] = []
    for _ in range(draw(st.integers(0, 10))):
        key = draw(KEY_PLAIN)
        v = draw(U64S)
        lines.append(s.opt() + key + s.blanks() + s.u64(v)
                     + s.opt())
        rows.append((key, v, False))
    return s.lines(lines), rows


@ROUND
@given(meminfo_files())
def test_meminfo_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_kv", data, True), want)


@ROUND
@given(vmstat_files())
def test_vmstat_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_kv", data, False), want)


# -------------------------------------------- loadavg, uptime, pressure
@st.composite
def loadavg_files(draw: Draw) -> Case:
    s = draw(STYLE)
    d = [draw(decs()) for _ in range(3)]
    running, total, last = draw(U64S), draw(U64S), draw(U64S)
    data = s.line([d[0][0], d[1][0], d[2][0],
                           s.u64(running) + b"/" + s.u64(total),
                           s.u64(last)])
    want = (d[0][1], d[0][2], d[1][1], d[1][2], d[2][1], d[2][2], running, total, last)
    return data, want


@st.composite
def uptime_files(draw: Draw) -> Case:
    s = draw(STYLE)
    up, idle = draw(decs()), draw(decs())
    return s.line([up[0], idle[0]]), (up[1], up[2], idle[1], idle[2])


PSI_KEY = TOKEN.map(lambda b: b.replace(b"=", b"") or b"k")


@st.composite
def pressure_line(draw: Draw, key: bytes) -> tuple[bytes, tuple[int, ...]]:
    s = draw(STYLE)
    a = [draw(decs()) for _ in range(3)]
    total = draw(U64S)
    # a newer kernel's further key=value tokens are ignored
    extra = [k + b"=" + v for k, v in draw(st.lists(st.tuples(PSI_KEY, TOKEN), max_size=2))]
    line = s.opt() + s.sep([
        key, b"avg10=" + a[0][0], b"avg60=" + a[1][0], b"avg300=" + a[2][0],
        b"total=" + s.u64(total), *extra]) + s.opt()
    return line, (a[0][1], a[0][2], a[1][1], a[1][2], a[2][1], a[2][2], total)


@st.composite
def pressure_files(draw: Draw) -> Case:
    s = draw(STYLE)
    entries: list[tuple[bytes, bytes, tuple[int, ...]]] = []
    for key in (b"some", b"full"):
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
            line, t = draw(pressure_line(key))
            entries.append((key, line, t))
    for _ in range(draw(st.integers(0, 2))):
        entries.append((b"", draw(st.sampled_from([b"future", b"Some", b"fullx", b"x"]))
                        + b" " + draw(REST), ()))
    order = draw(st.permutations(range(len(entries))))
    lines = [entries[i][1] for i in order]
    found: dict[bytes, tuple[int, ...]] = {}
    for i in order:
        key, _, t = entries[i]
        if key:
            found.setdefault(key, t)
    return s.lines(lines), (found.get(b"some"), found.get(b"full"))


@ROUND
@given(loadavg_files())
def test_loadavg_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_loadavg", data), want)


@ROUND
@given(uptime_files())
def test_uptime_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_uptime", data), want)


@ROUND
@given(pressure_files())
def test_pressure_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_pressure", data), want)


# -------------------------------------------------------------- mountinfo
PIECES = [b" ", b"\t", b"\n", b"\\", b"/", b"a", b"0", b"7", b"8", b"\xff", b"\x00", b"-", b":",
          b"\\1", b"\\400", b"\\08", b"mnt", b"/home/user"]


def raw_string(s: Style) -> bytes:
    """A non-empty mountinfo string before escaping, rich in awkward bytes."""
    r = s.r
    if r.random() < 0.3:
        return r.randbytes(r.randint(1, 12))
    return b"".join(r.choice(PIECES) for _ in range(r.randint(1, 6)))


@st.composite
def mountinfo_files(draw: Draw) -> Case:
    s = draw(STYLE)
    lines: list[bytes] = []
    rows: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(0, 4))):
        mid, pid = draw(I64S), draw(I64S)
        major, minor = draw(U64S), draw(U64S)
        root, mp, opts, fstype, source, sopts = (raw_string(s) for _ in range(6))
        if s.coin(0.2):
            source = b""  # a mount made with an empty source
        optional = [raw_string(s) for _ in range(s.r.randint(0, 4))]
        optional = [o for o in optional if o != b"-"]  # a "-" would be the separator
        texts = [s.escape(raw) for raw in (root, mp, opts)]
        otexts = [s.escape(raw) for raw in optional]
        # after the "-": exactly one blank before each of the three fields
        tail = b"".join(s.r.choice([b" ", b"\t"]) + s.escape(raw)
                        for raw in (fstype, source, sopts))
        extra = draw(st.lists(TOKEN, max_size=2))
        tokens = [num(mid), num(pid), s.u64(major) + b":" + s.u64(minor),
                  *texts, *otexts, b"-" + tail, *extra]
        lines.append(s.opt() + s.sep(tokens) + s.opt())
        rows.append((mid, pid, major, minor, root, mp, opts, b" ".join(optional), fstype,
                     source, sopts))
    return s.lines(lines), rows


@ROUND
@given(mountinfo_files())
def test_mountinfo_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_mountinfo", data), want)


@ROUND
@given(st.binary(max_size=40))
def test_mountinfo_unescape_any_bytes(raw: bytes) -> None:
    """Any bytes, escaped fully or minimally, read back as themselves."""
    for text in (octal_escape(raw, escape_all=True), octal_escape(raw)):
        field = text or b"\\"  # an empty field cannot be written; a lone backslash stays
        want = raw or b"\\"
        line = b"1 2 3:4 " + field + b" " + field + b" rw - " + field + b" " + field + b" x\n"
        assert_exact(both("parse_mountinfo", line),
                     [(1, 2, 3, 4, want, want, b"rw", b"", want, want, b"x")])


# ------------------------------------------------------- diskstats, netdev
@st.composite
def diskstats_files(draw: Draw) -> Case:
    s = draw(STYLE)
    lines: list[bytes] = []
    rows: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(0, 4))):
        major, minor = draw(U64S), draw(U64S)
        name = draw(st.one_of(st.sampled_from([b"sda", b"nvme0n1p2", b"dm-0", b"loop7"]), TOKEN))
        stats = draw(st.lists(U64S, min_size=11, max_size=20))
        lines.append(s.opt() + s.sep([s.u64(major), s.u64(minor),
                                                    name, *(s.u64(v) for v in stats)])
                     + s.opt())
        rows.append((major, minor, name, tuple(stats[:17])))
    return s.lines(lines), rows


NETDEV_HEAD = [
    b"Inter-|   Receive                                                |  Transmit",
    b" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    b"drop fifo colls carrier compressed",
]
IFNAME = st.one_of(
    st.sampled_from([b"lo", b"eth0", b"wlp0s20f3", b"verylongname0", b"eth0:1", b"br-1a2b3c",
                     b"x|y", b"|"]),
    st.binary(min_size=1, max_size=15).map(lambda b: b.translate(None, b" \t\n") or b"i"),
)


@st.composite
def netdev_files(draw: Draw) -> Case:
    s = draw(STYLE)
    lines = list(NETDEV_HEAD) if draw(st.booleans()) else []
    rows: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(IFNAME)
        counters = draw(st.lists(U64S, min_size=16, max_size=18))
        glue = draw(st.sampled_from([b"", b" ", b"   ", b"\t"]))
        lines.append(s.opt() + name + b":" + glue
                     + s.sep([s.u64(c) for c in counters]) + s.opt())
        rows.append((name, tuple(counters[:16])))
    return s.lines(lines), rows


@ROUND
@given(diskstats_files())
def test_diskstats_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_diskstats", data), want)


@ROUND
@given(netdev_files())
def test_netdev_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_netdev", data), want)


# ------------------------------------------------- cpulist, cpumax, int
@st.composite
def cpulist_files(draw: Draw) -> Case:
    s = draw(STYLE)
    ranges: list[tuple[int, int]] = []
    items: list[bytes] = []
    for _ in range(draw(st.integers(0, 8))):
        lo = draw(st.one_of(st.integers(0, 4096), U64S))
        hi = draw(st.one_of(st.just(lo), st.integers(lo, min(U64, lo + 64)), st.just(U64)))
        ranges.append((lo, hi))
        if lo == hi and draw(st.booleans()):
            items.append(s.u64(lo))
        else:
            items.append(s.u64(lo) + b"-" + s.u64(hi))
    return s.trim() + b",".join(items) + s.trim(), ranges


@st.composite
def cpumax_files(draw: Draw) -> Case:
    s = draw(STYLE)
    quota = draw(st.one_of(st.just(-1), NONNEG_I64))
    period = draw(U64S)
    q = b"max" if quota == -1 else s.u64(quota)
    return s.line([q, s.u64(period)]), (quota, period)


@st.composite
def int_files(draw: Draw) -> Case:
    s = draw(STYLE)
    v = draw(I64S)
    text = num(v) if v < 0 or draw(st.booleans()) else s.u64(v)
    return s.line([text]), v


@ROUND
@given(cpulist_files())
@example((b"0-3,8,10-11\n", [(0, 3), (8, 8), (10, 11)]))
def test_cpulist_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_cpulist", data), want)


@ROUND
@given(cpumax_files())
def test_cpumax_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_cpumax", data), want)


@ROUND
@given(int_files())
def test_int_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_int", data), want)


# ----------------------------------------------- out of range is malformed
BEYOND = st.one_of(st.just(U64 + 1), st.integers(U64 + 1, 10**30))


@FUZZ
@given(BEYOND, st.data())
def test_u64_out_of_range_is_parse_error(big: int, data: st.DataObject) -> None:
    b = num(big)
    sixteen = b" ".join([b"1"] * 15)
    cases = [
        ("parse_cpustat", (b"cpu 1 2 3 " + b + b"\n",)),
        ("parse_cpustat", (b"ctxt " + b + b"\n",)),
        ("parse_kv", (b"MemTotal: " + b + b" kB\n", True)),
        ("parse_kv", (b"pgpgin " + b + b"\n", False)),
        ("parse_loadavg", (b"0.00 0.00 0.00 1/" + b + b" 1\n",)),
        ("parse_uptime", (b + b" 1\n",)),
        ("parse_pressure", (b"some avg10=0.00 avg60=0.00 avg300=" + b + b" total=1\n",)),
        ("parse_mountinfo", (b"1 2 " + b + b":0 / / rw - a b c\n",)),
        ("parse_diskstats", (b"8 0 sda " + b + b" 1 1 1 1 1 1 1 1 1 1\n",)),
        ("parse_netdev", (b"lo: " + sixteen + b" " + b + b"\n",)),
        ("parse_cpulist", (b"0-" + b + b"\n",)),
        ("parse_cpumax", (b"max " + b + b"\n",)),
    ]
    fn, args = data.draw(st.sampled_from(cases), label="case")
    assert agree(fn, *args)[0] == "ParseError", (fn, args)


@FUZZ
@given(st.one_of(st.integers(I64_MAX + 1, U64), st.integers(10**19, 10**25)),
       st.sampled_from(["parse_int", "parse_int-neg", "parse_cpumax", "parse_mountinfo"]))
def test_i64_out_of_range_is_parse_error(big: int, which: str) -> None:
    b = num(big)
    if which == "parse_int":
        fn, args = "parse_int", (b + b"\n",)
    elif which == "parse_int-neg":
        fn, args = "parse_int", (b"-" + num(big + 1) + b"\n",)  # below -2**63
    elif which == "parse_cpumax":
        fn, args = "parse_cpumax", (b + b" 100000\n",)
    else:
        fn, args = "parse_mountinfo", (b + b" 1 0:0 / / rw - a b c\n",)
    assert agree(fn, *args)[0] == "ParseError", (fn, args)


# --------------------------------------------------- garbage and mutations
CALLS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "cpustat": ("parse_cpustat", ()),
    "meminfo": ("parse_kv", (True,)),
    "vmstat": ("parse_kv", (False,)),
    "loadavg": ("parse_loadavg", ()),
    "uptime": ("parse_uptime", ()),
    "pressure": ("parse_pressure", ()),
    "mountinfo": ("parse_mountinfo", ()),
    "diskstats": ("parse_diskstats", ()),
    "netdev": ("parse_netdev", ()),
    "cpulist": ("parse_cpulist", ()),
    "cpumax": ("parse_cpumax", ()),
    "int": ("parse_int", ()),
}
GENERATORS: dict[str, st.SearchStrategy[Case]] = {
    "cpustat": cpustat_files(),
    "meminfo": meminfo_files(),
    "vmstat": vmstat_files(),
    "loadavg": loadavg_files(),
    "uptime": uptime_files(),
    "pressure": pressure_files(),
    "mountinfo": mountinfo_files(),
    "diskstats": diskstats_files(),
    "netdev": netdev_files(),
    "cpulist": cpulist_files(),
    "cpumax": cpumax_files(),
    "int": int_files(),
}


def run(kind: str, data: bytes) -> tuple[str, Any]:
    fn, extra = CALLS[kind]
    return agree(fn, data, *extra)


# bytes that matter to some parser, and a few that matter to none
SPICE = st.sampled_from(list(b" \t\n:-/.,=|\\0123456789xkBm\xff\0\r\x0b\x0c_+"))
WORDS = st.sampled_from([b"cpu", b"cpu0", b"ctxt", b"intr", b"kB", b" kB", b"max", b"some",
                         b"full", b"avg10=", b"total=", b" - ", b"\\040", b"\\400", b"\\",
                         b"18446744073709551615", b"18446744073709551616",
                         b"9223372036854775808", b"-9223372036854775808", b"|", b"\n\n"])


@st.composite
def mutated(draw: Draw, kind: str) -> bytes:
    data = bytearray(draw(GENERATORS[kind])[0])
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["del", "ins", "set", "dup", "word", "cut"]))
        pos = draw(st.integers(0, len(data)))
        if op == "del" and data:
            del data[min(pos, len(data) - 1)]
        elif op == "set" and data:
            data[min(pos, len(data) - 1)] = draw(SPICE)
        elif op == "dup":
            data[pos:pos] = data[pos: pos + draw(st.integers(1, 8))]
        elif op == "word":
            data[pos:pos] = draw(WORDS)
        elif op == "cut":
            del data[pos:]
        else:
            data.insert(pos, draw(SPICE))
    return bytes(data)


@FUZZ
@given(st.sampled_from(sorted(CALLS)), st.binary(max_size=200))
@example("cpustat", b"cpu")
@example("cpustat", b"cpu 1 2 3 4 5 6 7 8 9 10 x")
@example("meminfo", b":")
@example("meminfo", b"k: kB")
@example("mountinfo", b"1 2 3:4 / / rw -")
@example("netdev", b":")
@example("netdev", b"|")
@example("cpulist", b",")
@example("cpulist", b"-")
@example("cpumax", b"max max")
@example("int", b"-")
@example("loadavg", b"0 0 0 0/0 0\n\n")
def test_garbage_agrees(kind: str, data: bytes) -> None:
    run(kind, data)


def _mutation_test(kind: str) -> Callable[[], None]:
    @FUZZ
    @given(mutated(kind))
    def test(data: bytes) -> None:
        run(kind, data)

    test.__name__ = f"test_mutated_{kind}_agrees"
    return test


test_mutated_cpustat_agrees = _mutation_test("cpustat")
test_mutated_meminfo_agrees = _mutation_test("meminfo")
test_mutated_vmstat_agrees = _mutation_test("vmstat")
test_mutated_loadavg_agrees = _mutation_test("loadavg")
test_mutated_uptime_agrees = _mutation_test("uptime")
test_mutated_pressure_agrees = _mutation_test("pressure")
test_mutated_mountinfo_agrees = _mutation_test("mountinfo")
test_mutated_diskstats_agrees = _mutation_test("diskstats")
test_mutated_netdev_agrees = _mutation_test("netdev")
test_mutated_cpulist_agrees = _mutation_test("cpulist")
test_mutated_cpumax_agrees = _mutation_test("cpumax")
test_mutated_int_agrees = _mutation_test("int")


# ------------------------------------------------------------------ live
LIVE = [
    ("/proc/stat", "cpustat"),
    ("/proc/meminfo", "meminfo"),
    ("/proc/vmstat", "vmstat"),
    ("/proc/loadavg", "loadavg"),
    ("/proc/uptime", "uptime"),
    ("/proc/pressure/cpu", "pressure"),
    ("/proc/pressure/memory", "pressure"),
    ("/proc/pressure/io", "pressure"),
    ("/proc/self/mountinfo", "mountinfo"),
    ("/proc/diskstats", "diskstats"),
    ("/proc/net/dev", "netdev"),
    ("/sys/devices/system/cpu/online", "cpulist"),
    ("/sys/devices/system/cpu/possible", "cpulist"),
]


def _read_live(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        pytest.skip(f"{path} is absent here")
    except OSError as e:  # e.g. PSI compiled in but disabled: EOPNOTSUPP
        pytest.skip(f"{path} cannot be read here: {e}")


def _plain_lines(data: bytes) -> list[list[bytes]]:
    return [ln.split() for ln in data.split(b"\n") if ln.strip()]


@pytest.mark.parametrize(("path", "kind"), LIVE, ids=[p for p, _ in LIVE])
def test_live_files_identical(path: str, kind: str) -> None:
    data = _read_live(path)
    status, _ = run(kind, data)
    assert status == "ok", (path, data[:300])
    got = getattr(impl("python"), CALLS[kind][0])(data, *CALLS[kind][1])
    # a little ground truth from a naive reading of the same bytes
    lines = _plain_lines(data)
    assert lines
    if kind == "cpustat":
        cpu_lines = [ln for ln in lines if ln[0] == b"cpu" or
                     (ln[0].startswith(b"cpu") and ln[0][3:].isdigit())]
        assert len(got[0]) == len(cpu_lines) >= 2
        assert got[0][0] == (-1, tuple(int(v) for v in cpu_lines[0][1:11]))
        btime = next(int(ln[1]) for ln in lines if ln[0] == b"btime")
        assert got[1][1] == btime
    elif kind in ("meminfo", "vmstat"):
        assert [r[0] for r in got] == [ln[0].rstrip(b":") for ln in lines]
        assert [r[1] for r in got] == [int(ln[1]) for ln in lines]
        assert [r[2] for r in got] == [ln[2:] == [b"kB"] for ln in lines]
    elif kind == "loadavg":
        f = lines[0]
        assert [dec_text(got[i], got[i + 1]) for i in (0, 2, 4)] == f[:3]
        assert got[6:] == (*(int(v) for v in f[3].split(b"/")), int(f[4]))
    elif kind == "uptime":
        assert [dec_text(got[0], got[1]), dec_text(got[2], got[3])] == lines[0]
    elif kind == "pressure":
        for key, res in zip((b"some", b"full"), got):
            line = next((ln for ln in lines if ln[0] == key), None)
            assert (res is None) == (line is None)
            if line is not None and res is not None:
                assert res[6] == int(line[4].split(b"=")[1])
    elif kind == "mountinfo":
        assert len(got) == len(lines)
        assert [r[0] for r in got] == [int(ln[0]) for ln in lines]
    elif kind == "diskstats":
        assert [r[2] for r in got] == [ln[2] for ln in lines]
    elif kind == "netdev":
        assert len(got) == len(lines) - 2
    elif kind == "cpulist":
        naive = [tuple(int(v) for v in item.split(b"-")) for item in lines[0][0].split(b",")]
        assert got == [(r[0], r[-1]) for r in naive]


def test_live_read_file_identical() -> None:
    """read_file itself on live files: both read the same bytes where the file
    is stable for the life of this process."""
    for path in ("/proc/version", "/proc/self/cmdline", "/proc/self/environ",
                 "/sys/devices/system/cpu/possible"):
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            want = f.read()
        assert impl("c").read_file(path) == want, path
        assert impl("python").read_file(path) == want, path
