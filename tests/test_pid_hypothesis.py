"""Generated inputs for the one-process parsers (sysmon/_rawpid.py), C against Python.

- Round trips: status, smaps_rollup, limits, cgroup and fdinfo text built from
  random values in the kernel's spellings (and the contract's latitude:
  blanks, case, leading zeros, repeats, ignored lines); both implementations
  must return exactly the values it was built from.
- Near misses: mutations of those and of the captured files, and arbitrary
  bytes from each format's own alphabet; both must give the same result or
  both raise ParseError.
- Live: this machine's files for a few processes parse identically in both.

Cheap on purpose (CI time): at most 100 examples per test, a quarter of
that (at least 20) under the ASan pass (helpers.examples).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from helpers import examples, generated
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pid_parser_support import (
    I64_MAX,
    I64_MIN,
    LIMITS_HEADER,
    LIMITS_KERNEL,
    NATIVE,
    PARSERS,
    REQUIRE_NATIVE,
    STATUS_EXT_FORMATS,
    STATUS_EXT_KEYS,
    U64,
    agree,
    assert_exact,
    call,
    captured,
    impl,
    limits_line,
)

# with SYSMON_REQUIRE_NATIVE=1 (CI) a missing C build fails these instead
pytestmark = pytest.mark.skipif(NATIVE is None and not REQUIRE_NATIVE,
                                reason="C extension not built")

# database=None: nothing is written under the checkout
ROUND = generated(50)
FUZZ = generated(100)

Case = tuple[bytes, Any]
Draw = Callable[..., Any]

U64S = st.one_of(st.integers(0, U64), st.sampled_from([0, 1, U64, 2**63, 2**32 - 1]))
I64S = st.one_of(st.integers(I64_MIN, I64_MAX), st.sampled_from([I64_MIN, I64_MAX, -1, 0]))


def both(fn: str, data: bytes) -> Any:
    """Both implementations must parse; returns the common (exact) result."""
    c = call(impl("c"), fn, data)
    p = call(impl("python"), fn, data)
    assert_exact(c, p)
    return c


class Style:
    """Cosmetic choices of one generated file, from one drawn seed (one draw
    per file instead of one per separator keeps the run fast)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def coin(self, p: float = 0.5) -> bool:
        return self.r.random() < p

    def blanks(self, lo: int = 1) -> bytes:
        if lo and self.coin(0.6):
            return b" " if self.coin() else b"\t"
        return bytes(self.r.choice(b" \t") for _ in range(self.r.randint(lo, 3)))

    def opt(self) -> bytes:
        return self.blanks(0) if self.coin(0.3) else b""

    def zeros(self) -> bytes:
        return b"0" * self.r.choice([0, 0, 0, 1, 3])

    def end(self) -> bytes:
        return b"" if self.coin(0.2) else b"\n"

    def join(self, lines: list[bytes], blank_lines: bytes | None = b"") -> bytes:
        """Lines joined by newlines, maybe no final one; ``blank_lines`` is
        what an inserted empty-ish line holds (None: insert none)."""
        out: list[bytes] = []
        for line in lines:
            if blank_lines is not None and self.coin(0.1):
                out.append(blank_lines)
            out.append(line)
        return b"\n".join(out) + self.end() if out else b""


STYLE = st.integers(0, 2**32 - 1).map(Style)
# the rest of a line: anything but a newline
REST = st.binary(max_size=24).map(lambda b: b.replace(b"\n", b""))
WORD = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_()-", min_size=1,
               max_size=10).map(str.encode)


# ---------------------------------------------------------------- status
IGNORED_STATUS = [b"Name:\tpython3", b"State:\tS (sleeping)", b"SigQ:\t0/96365",
                  b"Groups:\t ", b"Cpus_allowed_list:\t0-1", b"untag_mask:\t0xffffffffffffffff",
                  b"Uid:\t0\t0\t0\t0", b"VmRSS:\t    1676 kB", b"Seccomp_filters:\tx",
                  b"Speculation_Store_Bypass:\tthread force mitigated", b"no colon at all",
                  b"Mems_allowed:\t00000000,00000001", b"CapEff x", b""]


def spell(s: Style, fmt: str, v: int) -> bytes:
    if fmt == "dec":
        return s.zeros() + str(v).encode()
    if fmt == "hex":
        digits = format(v, "X" if s.coin(0.3) else "x")
        if s.coin(0.2):
            digits = "".join(c.upper() if s.coin() else c for c in digits)
        width = s.r.randint(len(digits), 16) if s.coin(0.5) else 16
        return digits.rjust(max(width, len(digits)), "0").encode()
    return s.zeros() + format(v, "o").rjust(4, "0").encode()


@st.composite
def status_files(draw: Draw) -> Case:
    s = draw(STYLE)
    lines: list[bytes] = []
    want: list[int | None] = [None] * len(STATUS_EXT_KEYS)
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.integers(0, 3)) == 0:
            lines.append(draw(st.one_of(st.sampled_from(IGNORED_STATUS), st.tuples(
                WORD.filter(lambda w: w not in STATUS_EXT_KEYS), REST).map(b":".join))))
            continue
        i = draw(st.integers(0, len(STATUS_EXT_KEYS) - 1))
        fmt = STATUS_EXT_FORMATS[i]
        v = draw(U64S) if fmt != "dec" or draw(st.booleans()) else draw(st.integers(0, 10**6))
        want[i] = v  # the last one counts
        lines.append(STATUS_EXT_KEYS[i] + b":" + s.opt() + spell(s, fmt, v) + s.opt())
    return s.join(lines), tuple(want)


@ROUND
@given(status_files())
def test_status_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_status_ext", data), want)


# ---------------------------------------------------------------- rollup
ROLLUP_KEYS = [b"Rss", b"Pss", b"Pss_Dirty", b"Shared_Clean", b"Private_Hugetlb", b"SwapPss",
               b"KSM", b"Locked", b"X(y)"]


@st.composite
def rollup_files(draw: Draw) -> Case:
    s = draw(STYLE)
    rows = []
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        k, v, kb = draw(st.sampled_from(ROLLUP_KEYS)), draw(U64S), draw(st.booleans())
        rows.append((k, v, kb))
        lines.append(s.opt() + k + b":" + s.opt() + s.zeros() + str(v).encode()
                     + (s.blanks() + b"kB" if kb else b"") + s.opt())
    body = s.join(lines, s.blanks(0))
    if draw(st.booleans()):
        start, end = draw(st.integers(0, 2**48)), draw(st.integers(0, 2**48))
        header = (s.opt() + b"%x-%x" % (start, end) + s.blanks() + b"---p 00000000 00:00 0"
                  + b" " * draw(st.integers(1, 30)) + b"[rollup]")
        body = header + (b"\n" + body if body or s.coin() else b"")
    return body, rows


@ROUND
@given(rollup_files())
def test_rollup_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_rollup", data), want)


# ---------------------------------------------------------------- limits
NAME_TOKENS = [b"Max", b"cpu", b"time", b"unlimitedx", b"-1", b"2x", b"Unlimited", b"\xc2\xb5",
               b"1.5", b"(x)", b"a-b", b"Limits"]
UNITS = [b"", b"", b"us", b"\xc2\xb5s", b"1", b"seconds", b"unlimited"]


def limit_row(s: Style, soft: int, hard: int) -> tuple[bytes, tuple[bytes, int, int, bytes]]:
    """One limits line and its row; the spelling from ``s``, the numbers drawn."""
    if s.coin():  # the kernel's own spelling of a real row
        name, units = s.r.choice(LIMITS_KERNEL)
        return limits_line(name, soft, hard, units).rstrip(b"\n"), (name, soft, hard,
                                                                     units or b"")
    toks = [s.r.choice(NAME_TOKENS) for _ in range(s.r.randint(1, 4))]
    name = toks[0]
    for t in toks[1:]:
        name += s.blanks() + t
    units = s.r.choice(UNITS)

    def n(v: int) -> bytes:
        return b"unlimited" if v == U64 and s.coin(0.7) else s.zeros() + str(v).encode()
    line = s.opt() + name + s.blanks() + n(soft) + s.blanks() + n(hard)
    if units:
        line += s.blanks() + units
    return line + s.opt(), (name, soft, hard, units)


@st.composite
def limits_files(draw: Draw) -> Case:
    s = draw(STYLE)
    made = [limit_row(s, soft, hard)
            for soft, hard in draw(st.lists(st.tuples(U64S, U64S), max_size=8))]
    lines = [line for line, _ in made]
    if s.coin():
        lines.insert(0, LIMITS_HEADER.rstrip(b"\n"))
    return s.join(lines, s.blanks(0)), [row for _, row in made]


@ROUND
@given(limits_files())
def test_limits_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_limits", data), want)


# ---------------------------------------------------------------- cgroup
CONTROLLERS = st.one_of(st.sampled_from([b"", b"name=systemd", b"cpu,cpuacct", b"memory",
                                         b"pids", b"misc"]),
                        st.binary(max_size=12).map(lambda b: b.translate(None, b":\n")))
PATHS = st.one_of(st.sampled_from([b"/", b"", b"/user.slice/a b:c", b"/x (deleted)", b"/a:"]),
                  REST)


@st.composite
def cgroup_files(draw: Draw) -> Case:
    s = draw(STYLE)
    rows = [(draw(U64S), draw(CONTROLLERS), draw(PATHS)) for _ in range(draw(st.integers(0, 8)))]
    lines = [s.zeros() + str(i).encode() + b":" + c + b":" + p for i, c, p in rows]
    return s.join(lines, b""), rows


@ROUND
@given(cgroup_files())
def test_cgroup_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_cgroup", data), want)


# ---------------------------------------------------------------- fdinfo
FDINFO_OTHER = [b"eventfd-count:                7", b"eventfd-id: 1", b"scm_fds: 0",
                b"tfd:        8 events:       19 data:     7f5100000008  pos:0 ino:406 sdev:10",
                b"inotify wd:1 ino:21801c sdev:fe00000 mask:102 ignored_mask:0",
                b"fanotify mnt_id:18 mflags:0 mask:3b ignored_mask:0", b"it_value: (0, 5)",
                b"Pid:\t123", b"sigmask:\t0000000000000200", b"no colon", b""]


@st.composite
def fdinfo_files(draw: Draw) -> Case:
    s = draw(STYLE)
    want: list[int | None] = [None] * 4
    lines = []
    for _ in range(draw(st.integers(0, 9))):
        k = draw(st.integers(0, 4))
        if k == 4:
            lines.append(draw(st.one_of(st.sampled_from(FDINFO_OTHER), REST.filter(
                lambda r: r.split(b":", 1)[0] not in (b"pos", b"flags", b"mnt_id", b"ino")))))
            continue
        if k == 0:
            v = draw(I64S)
            text = (b"-" + s.zeros() + str(-v).encode()) if v < 0 else s.zeros() + str(v).encode()
        elif k == 1:
            v = draw(U64S)
            text = s.zeros() + format(v, "o").encode()
        else:
            v = draw(U64S)
            text = s.zeros() + str(v).encode()
        want[k] = v
        key = (b"pos", b"flags", b"mnt_id", b"ino")[k]
        lines.append(key + b":" + s.opt() + text + s.opt())
    return s.join(lines, None), tuple(want)


@ROUND
@given(fdinfo_files())
def test_fdinfo_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_fdinfo", data), want)


# ------------------------------------------------------- near misses
# Bytes a mutation inserts or substitutes: separators, signs, digits at the
# edges of each format, letters of "unlimited"/"kB", NUL, CR, high bytes.
MUTANT = st.sampled_from(list(b" \t\n:-+01789aAfFgxkBLu\x00\r\xff/,"))


@st.composite
def mutated(draw: Draw, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 3))
        at = draw(st.integers(0, len(data)))
        if op == 0 or not data:
            data[at:at] = bytes([draw(MUTANT)])
        elif op == 1:
            del data[min(at, len(data) - 1)]
        elif op == 2:
            data[min(at, len(data) - 1)] = draw(MUTANT)
        else:  # duplicate a slice (repeats a key, a token, a digit run)
            end = draw(st.integers(at, min(len(data), at + 24)))
            data[at:at] = data[at:end]
    return bytes(data)


GENERATORS = {"parse_status_ext": status_files(), "parse_rollup": rollup_files(),
              "parse_limits": limits_files(), "parse_cgroup": cgroup_files(),
              "parse_fdinfo": fdinfo_files()}
CAPTURED_INPUT = {"parse_status_ext": "status", "parse_rollup": "smaps_rollup",
                  "parse_limits": "limits", "parse_cgroup": "cgroup",
                  "parse_fdinfo": "fdinfo/epoll"}


@settings(FUZZ, max_examples=examples(60))
@given(st.sampled_from(PARSERS).flatmap(
    lambda fn: st.tuples(st.just(fn), GENERATORS[fn].flatmap(lambda c: mutated(c[0])))))
@example(("parse_status_ext", b"Umask:\t0022\nUmask:\t00x22\n"))
@example(("parse_limits", b"Max x 18446744073709551616 1 2\n"))
@example(("parse_cgroup", b"0::/\n \n"))
@example(("parse_fdinfo", b"pos:\t-\n"))
def test_near_miss_generated(case: tuple[str, bytes]) -> None:
    agree(*case)


@FUZZ
@given(st.sampled_from(PARSERS).flatmap(
    lambda fn: st.tuples(st.just(fn), mutated(captured(*CAPTURED_INPUT[fn].split("/"))))))
def test_near_miss_captured(case: tuple[str, bytes]) -> None:
    agree(*case)


# Arbitrary bytes over each format's alphabet, so that most inputs reach the
# value checks instead of failing at the first byte.
ALPHABET = {
    "parse_status_ext": [b"CapEff", b"Umask", b"Seccomp", b"SigBlk", b"voluntary_ctxt_switches",
                         b":", b"\t", b" ", b"\n", b"0", b"7", b"8", b"f", b"F", b"g",
                         b"ffffffffffffffff", b"18446744073709551616", b"\x00", b"-"],
    "parse_rollup": [b"Rss", b":", b" ", b"\t", b"\n", b"kB", b"1", b"0", b"-", b"55d4-7ffc",
                     b"[rollup]", b"18446744073709551615", b"x"],
    "parse_limits": [b"Max", b"Limit", b"unlimited", b" ", b"\t", b"\n", b"1", b"0", b"-",
                     b"18446744073709551616", b"seconds", b"x", b"\x00"],
    "parse_cgroup": [b"0", b"1", b":", b"/", b" ", b"\n", b"name=systemd", b"-", b"x",
                     b"18446744073709551615", b"\x00", b"\r"],
    "parse_fdinfo": [b"pos", b"flags", b"mnt_id", b"ino", b":", b"\t", b" ", b"\n", b"-",
                     b"0", b"7", b"8", b"9223372036854775808", b"eventfd-count", b"x"],
}


@FUZZ
@given(st.sampled_from(PARSERS).flatmap(lambda fn: st.tuples(
    st.just(fn), st.lists(st.sampled_from(ALPHABET[fn]), max_size=24).map(b"".join))))
def test_alphabet_soup(case: tuple[str, bytes]) -> None:
    agree(*case)


@settings(max_examples=examples(80), deadline=None, database=None)
@given(st.sampled_from(PARSERS), st.binary(max_size=64))
def test_arbitrary_bytes(fn: str, data: bytes) -> None:
    agree(fn, data)


# ------------------------------------------------------------------ live
def test_live_files_agree() -> None:
    """A few real processes (this one, init, a kernel thread when visible):
    every file parses, identically in both."""
    pids = ["self", "1", "2"]
    checked = 0
    for pid in pids:
        for name, fn in (("status", "parse_status_ext"), ("smaps_rollup", "parse_rollup"),
                         ("limits", "parse_limits"), ("cgroup", "parse_cgroup")):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            assert agree(fn, data)[0] == "ok", (pid, name)
            checked += 1
        try:
            fds = os.listdir(f"/proc/{pid}/fdinfo")
        except OSError:
            continue
        for fd in fds[:20]:
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            assert agree("parse_fdinfo", data)[0] == "ok", (pid, fd)
    assert checked >= 4
