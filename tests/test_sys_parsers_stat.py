"""System-file parser tables for /proc/stat, /proc/loadavg, /proc/uptime and
/proc/pressure/*: one case per awkward input, C and Python side by side.

Every expected value is written by hand from the contract in sysmon/_rawsys.py
and the input next to it.  Where the contract leaves a choice open, the case
is in an ``*_AGREE`` table: the two implementations only have to agree.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import (
    I64_MAX,
    NONE7,
    TOO_BIG,
    U64,
    U64_TEXT,
    agree,
    assert_exact,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    nums,
    seq,
)

from sysmon.errors import ParseError

# ----------------------------------------------------------------- cpustat
STAT_FULL = (
    b"cpu  " + nums(*seq(100, 10)) + b"\n"
    b"cpu0 " + nums(*seq(200, 4)) + b"\n"
    b"cpu1 " + nums(*seq(300, 7)) + b"\n"
    b"cpu2 " + nums(*seq(400, 8)) + b"\n"
    b"cpu3 " + nums(*seq(500, 10)) + b"\n"
    b"cpu4 " + nums(*seq(600, 11)) + b"\n"
    b"intr 123456 0 1 2 3 0 0 18446744073709551615 0\n"
    b"ctxt 987654\n"
    b"btime 1700000000\n"
    b"processes 4242\n"
    b"procs_running 3\n"
    b"procs_blocked 0\n"
    b"softirq 5555 1 2 3 4 5 6 7 8 9 10\n"
)
STAT_FULL_CPUS = [
    (-1, seq(100, 10)),
    (0, seq(200, 4)),
    (1, seq(300, 7)),
    (2, seq(400, 8)),
    (3, seq(500, 10)),
    (4, seq(600, 10)),  # the 11th mode is dropped
]

CPUSTAT_CASES: list[Any] = [
    pytest.param(STAT_FULL, (STAT_FULL_CPUS, (987654, 1700000000, 4242, 3, 0, 123456, 5555)),
                 id="full"),
    pytest.param(STAT_FULL.rstrip(b"\n"),
                 (STAT_FULL_CPUS, (987654, 1700000000, 4242, 3, 0, 123456, 5555)),
                 id="no-final-newline"),
    pytest.param(b"", ([], NONE7), id="empty"),
    pytest.param(b"\n \n\t\n", ([], NONE7), id="only-blank-lines"),
    pytest.param(b"cpu 1 2 3 4\nctxt 5\n", ([(-1, (1, 2, 3, 4))], (5, None, None, None, None,
                                                                  None, None)), id="missing-keys"),
    pytest.param(b"btime 7\nsoftirq 8", ([], (None, 7, None, None, None, None, 8)),
                 id="only-two-keys"),
    pytest.param(b"ctxt 1\nbtime 3\nctxt 2\nbtime 4\nintr 5 6\nintr 7 8\nprocesses 9\n"
                 b"processes 10\nprocs_running 11\nprocs_running 12\nprocs_blocked 13\n"
                 b"procs_blocked 14\nsoftirq 15\nsoftirq 16\n",
                 ([], (1, 3, 9, 11, 13, 5, 15)), id="repeated-keys-first-counts"),
    pytest.param(b"cpu0 1 2 3 4\ncpu0 5 6 7 8\ncpu 9 9 9 9\n",
                 ([(0, (1, 2, 3, 4)), (0, (5, 6, 7, 8)), (-1, (9, 9, 9, 9))], NONE7),
                 id="repeated-cpu-lines-all-kept-in-order"),
    pytest.param(b"page 5 6\nswap x y\ncpuX 1 2 3 4\ncpu_guest abc\ncpu-1 1 2 3 4\nfoo\n"
                 b"Ctxt 1\nctxt2 x\nintrs x\ncpu 1 2 3 4\n",
                 ([(-1, (1, 2, 3, 4))], NONE7), id="unknown-keys-ignored"),
    pytest.param(b"  cpu\t1  2\t\t3 4  \n\tctxt   5\t\n", ([(-1, (1, 2, 3, 4))],
                                                        (5, None, None, None, None, None, None)),
                 id="blanks-and-tabs"),
    pytest.param(b"cpu " + U64_TEXT + b" 0 0 " + U64_TEXT + b"\nctxt " + U64_TEXT + b"\n",
                 ([(-1, (U64, 0, 0, U64))], (U64, None, None, None, None, None, None)),
                 id="u64-max"),
    pytest.param(b"cpu9223372036854775807 1 2 3 4\ncpu007 5 6 7 8\n",
                 ([(I64_MAX, (1, 2, 3, 4)), (7, (5, 6, 7, 8))], NONE7), id="cpu-ids"),
    pytest.param(b"intr 10 x y -1 99999999999999999999999\nsoftirq 20 junk\n",
                 ([], (None, None, None, None, None, 10, 20)), id="intr-rest-unread"),
    pytest.param(b"intr 10\nsoftirq 20\n", ([], (None, None, None, None, None, 10, 20)),
                 id="intr-total-only"),
]


@pytest.mark.parametrize(("data", "want"), CPUSTAT_CASES)
def test_cpustat(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_cpustat(data), want)


CPUSTAT_MALFORMED = [
    b"cpu 1 2 3\n",
    b"cpu\n",
    b"cpu0 1 2 3\n",
    b"cpu0 1 2 x 4\n",
    b"cpu 1 2 3 -4\n",
    b"cpu 1 2 3 4x\n",
    b"cpu 1 2 3 " + TOO_BIG + b"\n",
    b"cpu 1 2 3 4\r\n",  # "\r" is not a blank: "4\r" is not a number
    b"cpu 1.5 2 3 4\n",
    b"ctxt\n",
    b"ctxt x\n",
    b"ctxt -1\n",
    b"ctxt 12ab\n",
    b"btime 1.5\n",
    b"processes " + TOO_BIG + b"\n",
    b"procs_running\n",
    b"procs_blocked x\n",
    b"intr\n",
    b"intr x 1 2\n",
    b"softirq -3 1\n",
    b"cpu 1 2 3 4\ncpu\n",  # every cpu line is read
    b"cpu0 1 2 3 4\ncpu0 1 2\n",
    b"cpu 1 2 3 4\nctxt 1\nbtime 2\nprocesses x\n",  # a bad line after good ones
]


@pytest.mark.parametrize("data", CPUSTAT_MALFORMED)
def test_cpustat_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_cpustat(data)


# Inputs on which the contract leaves a choice: both must choose the same.
CPUSTAT_AGREE = [
    b"cpu1x 1 2 3 4\n",
    b"cpu99999999999999999999 1 2 3 4\n",
    b"cpu9223372036854775808 1 2 3 4\n",
    b"cpu 1 2 3 4 5 6 7 8 9 10 junk\n",
    b"ctxt 1 2\n",
    b"ctxt 1\nctxt x\n",
    b"ctxt 1\nbtime 2\nctxt 3 4\n",
]


@pytest.mark.parametrize("data", CPUSTAT_AGREE)
def test_cpustat_agree(data: bytes) -> None:
    agree("parse_cpustat", data)


# -------------------------------------------------------- loadavg, uptime
LOADAVG_CASES: list[Any] = [
    pytest.param(b"0.25 0.50 1.00 2/345 6789\n", (25, 2, 50, 2, 100, 2, 2, 345, 6789),
                 id="typical"),
    pytest.param(b"3 0.5 12.125 0/0 0", (3, 0, 5, 1, 12125, 3, 0, 0, 0),
                 id="mixed-scales-no-newline"),
    pytest.param(b" 0.00 0.00\t0.00  1/1 1 \t\n", (0, 2, 0, 2, 0, 2, 1, 1, 1),
                 id="blanks"),
    pytest.param(b"1.50 00.50 007 1/2 3\n", (150, 2, 50, 2, 7, 0, 1, 2, 3),
                 id="trailing-and-leading-zeros-kept-exact"),
    pytest.param(b"0.123456789012345678 0.000000000000000001 1844674407370955161.5 0/1 2\n",
                 (123456789012345678, 18, 1, 18, U64, 1, 0, 1, 2), id="18-decimals-and-max-m"),
    pytest.param(U64_TEXT + b" 0 0 " + U64_TEXT + b"/" + U64_TEXT + b" " + U64_TEXT + b"\n",
                 (U64, 0, 0, 0, 0, 0, U64, U64, U64), id="u64-max"),
]


@pytest.mark.parametrize(("data", "want"), LOADAVG_CASES)
def test_loadavg(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_loadavg(data), want)


LOADAVG_MALFORMED = [
    b"",
    b"\n",
    b"1. 0.50 1.00 2/345 6789\n",
    b".5 0.50 1.00 2/345 6789\n",
    b"1.2.3 0.50 1.00 2/345 6789\n",
    b"0.1234567890123456789 0.50 1.00 2/345 6789\n",  # 19 decimals
    b"1844674407370955161.6 0.50 1.00 2/345 6789\n",  # m = 2**64
    TOO_BIG + b" 0.50 1.00 2/345 6789\n",
    b"-0.5 0.50 1.00 2/345 6789\n",
    b"0,25 0.50 1.00 2/345 6789\n",
    b"0.25 0.50 1.00 2/345\n",
    b"0.25 0.50 1.00 2/345 6789 1\n",
    b"0.25 0.50 1.00 2 /345 6789\n",
    b"0.25 0.50 1.00 2/ 345 6789\n",
    b"0.25 0.50 1.00 2345 6789\n",
    b"0.25 0.50 1.00 2/345/7 6789\n",
    b"0.25 0.50 1.00 2/" + TOO_BIG + b" 6789\n",
    b"0.25 0.50 1.00 2/345 6789x\n",
    b"0.25 0.50 1.00 2/345 -6789\n",
    b"0.25 0.50 1.00 2/345 6789\n0.25 0.50 1.00 2/345 6789\n",
    b"0.25 0.50 1.00 2/345 6789\r\n",
    b"0.25 0.50\n1.00 2/345 6789\n",
]


@pytest.mark.parametrize("data", LOADAVG_MALFORMED)
def test_loadavg_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_loadavg(data)


UPTIME_CASES: list[Any] = [
    pytest.param(b"12345.67 54321.01\n", (1234567, 2, 5432101, 2), id="typical"),
    pytest.param(b"0.00 0.00", (0, 2, 0, 2), id="zero-no-newline"),
    pytest.param(b"5 7\n", (5, 0, 7, 0), id="integers"),
    pytest.param(b"  1.5\t\t2.25  \n", (15, 1, 225, 2), id="blanks"),
    pytest.param(U64_TEXT + b" 0.000000000000000001\n", (U64, 0, 1, 18), id="extremes"),
]


@pytest.mark.parametrize(("data", "want"), UPTIME_CASES)
def test_uptime(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_uptime(data), want)


UPTIME_MALFORMED = [
    b"",
    b"12345.67\n",
    b"12345.67 54321.01 3\n",
    b"12345.67\n54321.01\n",
    b"a b\n",
    b"1.5e3 2\n",
    b"1.5 2.\n",
    b"1.5 -2\n",
    b"1.5 " + TOO_BIG + b"\n",
    b"1.5 0.1234567890123456789\n",
    b"12345.67 54321.01\n1 2\n",
]


@pytest.mark.parametrize("data", UPTIME_MALFORMED)
def test_uptime_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_uptime(data)


ONE_LINE_AGREE = [
    ("parse_loadavg", b"0.25 0.50 1.00 2/345 6789\n\n"),
    ("parse_loadavg", b"\n0.25 0.50 1.00 2/345 6789\n"),
    ("parse_loadavg", b"0.25 0.50 1.00 2/345 6789\n  "),
    ("parse_uptime", b"1 2\n\n"),
    ("parse_uptime", b"1 2\n \n"),
    ("parse_int", b"1\n\n"),
    ("parse_int", b"\n1\n"),
    ("parse_int", b"1\n "),
    ("parse_cpumax", b"max 1\n\n"),
]


@pytest.mark.parametrize(("fn", "data"), ONE_LINE_AGREE)
def test_one_line_files_agree(fn: str, data: bytes) -> None:
    agree(fn, data)


# ---------------------------------------------------------------- pressure
SOME = b"some avg10=0.12 avg60=1.50 avg300=10.00 total=123456\n"
FULL = b"full avg10=0.00 avg60=0.25 avg300=3.75 total=7890\n"
SOME_T = (12, 2, 150, 2, 1000, 2, 123456)
FULL_T = (0, 2, 25, 2, 375, 2, 7890)

PRESSURE_CASES: list[Any] = [
    pytest.param(SOME + FULL, (SOME_T, FULL_T), id="both"),
    pytest.param(SOME, (SOME_T, None), id="only-some"),
    pytest.param(FULL, (None, FULL_T), id="only-full"),
    pytest.param(b"", (None, None), id="empty"),
    pytest.param(FULL + SOME.rstrip(b"\n"), (SOME_T, FULL_T), id="full-first-no-newline"),
    pytest.param(b"future avg10=x whatever\nbogus\nSome avg10=1\nsomex 1\n" + SOME
                 + b"fullish\n" + FULL + b"\n", (SOME_T, FULL_T), id="unknown-lines-ignored"),
    pytest.param(SOME + b"some avg10=9.99 avg60=9.99 avg300=9.99 total=1\n",
                 (SOME_T, None), id="first-line-of-a-key-counts"),
    pytest.param(b"  some\tavg10=1   avg60=2 avg300=3\ttotal=" + U64_TEXT + b"  \n",
                 ((1, 0, 2, 0, 3, 0, U64), None), id="blanks-and-u64-max"),
    pytest.param(b"full avg10=0.000000000000000001 avg60=1844674407370955161.5 avg300=0 "
                 b"total=0\n", (None, (1, 18, U64, 1, 0, 0, 0)), id="dec-extremes"),
    # a newer kernel may add key=value tokens after total=: ignored
    pytest.param(SOME.rstrip(b"\n") + b" avg1=0.50 stalls=x.y \t\n" + FULL.rstrip(b"\n")
                 + b"\tfuture=1", (SOME_T, FULL_T), id="trailing-key-values-ignored"),
    pytest.param(b"full avg10=0.00 avg60=0.25 avg300=3.75 total=7890 avg10=9.99 a==\n",
                 (None, FULL_T), id="trailing-key-value-may-repeat-a-key"),
]


@pytest.mark.parametrize(("data", "want"), PRESSURE_CASES)
def test_pressure(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_pressure(data), want)


PRESSURE_MALFORMED = [
    b"some avg10=0.00 avg60=0.00 avg300=0.00\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=" + TOO_BIG + b"\n",
    b"some avg60=0.00 avg10=0.00 avg300=0.00 total=1\n",
    b"some avg10 = 0.00 avg60=0.00 avg300=0.00 total=1\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1 x\n",
    b"some avg10=0.1.2 avg60=0.00 avg300=0.00 total=1\n",
    b"some avg10= avg60=0.00 avg300=0.00 total=1\n",
    b"some Avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=12ab\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1.5\n",
    b"some avg10=1. avg60=0.00 avg300=0.00 total=1\n",
    b"some\n",
    b"some avg10=0.00\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1 x=1 y\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1 x=\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1 =1\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1 =\n",
    b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1x=1\n",
    SOME + b"full avg10=0.00 avg60=0.00 total=1\n",
]


@pytest.mark.parametrize("data", PRESSURE_MALFORMED)
def test_pressure_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_pressure(data)


@pytest.mark.parametrize("data", [
    SOME + b"some garbage\n",
    FULL + b"full avg10=x\n",
])
def test_pressure_repeated_bad_line_agrees(data: bytes) -> None:
    agree("parse_pressure", data)
