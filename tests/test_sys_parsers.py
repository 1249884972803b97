"""System-file parser tables: one case per awkward input, C and Python side by side.

Every expected value is written by hand from the contract in sysmon/_rawsys.py
and the input next to it.  Where the contract leaves a choice open, the case
is in an ``*_AGREE`` table: the two implementations only have to agree.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import stat
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import (
    I64_MAX,
    I64_MIN,
    IMPLS,
    TOO_BIG,
    U64,
    U64_TEXT,
    agree,
    assert_exact,
    impl,
)

from sysmon.errors import ParseError


@pytest.fixture(params=IMPLS, name="mod")
def mod_fixture(request: pytest.FixtureRequest) -> ModuleType:
    return impl(request.param)


NONE7: tuple[None, ...] = (None,) * 7


def nums(*values: int) -> bytes:
    return b" ".join(str(v).encode() for v in values)


def seq(first: int, count: int) -> tuple[int, ...]:
    return tuple(range(first, first + count))


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


# --------------------------------------------------------------------- kv
MEMINFO = (
    b"MemTotal:       16384000 kB\n"
    b"MemFree:         1234567 kB\n"
    b"Active(anon):        111 kB\n"
    b"Inactive(file):      222 kB\n"
    b"HugePages_Total:       0\n"
    b"Hugepagesize:       2048 kB\n"
    b"Zswap_New(thing):      5\n"
)
MEMINFO_ROWS = [
    (b"MemTotal", 16384000, True),
    (b"MemFree", 1234567, True),
    (b"Active(anon)", 111, True),
    (b"Inactive(file)", 222, True),
    (b"HugePages_Total", 0, False),
    (b"Hugepagesize", 2048, True),
    (b"Zswap_New(thing)", 5, False),
]

KV_COLON_CASES: list[Any] = [
    pytest.param(MEMINFO, MEMINFO_ROWS, id="meminfo"),
    pytest.param(MEMINFO.rstrip(b"\n"), MEMINFO_ROWS, id="no-final-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(b"Key:123", [(b"Key", 123, False)], id="glued"),
    pytest.param(b"Key:123 kB\n", [(b"Key", 123, True)], id="glued-kb"),
    pytest.param(b"Key:\t123\tkB\n", [(b"Key", 123, True)], id="tabs"),
    pytest.param(b"Key:   123 kB  \t\nOther:  7  \n", [(b"Key", 123, True), (b"Other", 7, False)],
                 id="trailing-blanks"),
    pytest.param(b"A: 1\nB: 2\nA: 3 kB\nA: 1\n",
                 [(b"A", 1, False), (b"B", 2, False), (b"A", 3, True), (b"A", 1, False)],
                 id="duplicates-kept"),
    pytest.param(b"  Lead: 5\n", [(b"Lead", 5, False)], id="leading-blanks"),
    pytest.param(b"\n\nA: 1\n \t\nB: 2 kB\n\n", [(b"A", 1, False), (b"B", 2, True)],
                 id="blank-lines"),
    pytest.param(b"Big: " + U64_TEXT + b" kB\nZero: 0\n", [(b"Big", U64, True),
                                                            (b"Zero", 0, False)], id="u64-max"),
    pytest.param(b"Weird()-_.key\xff: 9\n", [(b"Weird()-_.key\xff", 9, False)],
                 id="odd-key-bytes"),
    pytest.param(b"Key: 007 kB\n", [(b"Key", 7, True)], id="leading-zeros"),
]


@pytest.mark.parametrize(("data", "want"), KV_COLON_CASES)
def test_kv_colon(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_kv(data, True), want)


KV_COLON_MALFORMED = [
    b"Key 123\n",
    b"Key: x\n",
    b"Key:\n",
    b"Key:   \n",
    b"Key: 123 KB\n",
    b"Key: 123 kb\n",
    b"Key: 123kB\n",
    b"Key: 123 kBB\n",
    b"Key: 123 kB x\n",
    b"Key: 123 kB kB\n",
    b"Key: 123 456\n",
    b": 5\n",
    b"  : 5\n",
    b"Two words: 5\n",
    b"Key : 5\n",
    b"Key: -1\n",
    b"Key: " + TOO_BIG + b"\n",
    b"Key: 12ab\n",
    b"Key: 1.5\n",
    b"a:b: 1\n",
    b"MemTotal: 1 kB\nMemFree 2 kB\n",  # a bad line after a good one
]


@pytest.mark.parametrize("data", KV_COLON_MALFORMED)
def test_kv_colon_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_kv(data, True)


VMSTAT = (
    b"nr_free_pages 12345\n"
    b"nr_zone_inactive_anon 0\n"
    b"pgpgin " + U64_TEXT + b"\n"
    b"nr_free_pages 1\n"
)
VMSTAT_ROWS = [
    (b"nr_free_pages", 12345, False),
    (b"nr_zone_inactive_anon", 0, False),
    (b"pgpgin", U64, False),
    (b"nr_free_pages", 1, False),
]

KV_PLAIN_CASES: list[Any] = [
    pytest.param(VMSTAT, VMSTAT_ROWS, id="vmstat"),
    pytest.param(VMSTAT.rstrip(b"\n"), VMSTAT_ROWS, id="no-final-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(b"  key\t5 \t\n\nother   6", [(b"key", 5, False), (b"other", 6, False)],
                 id="blanks"),
    pytest.param(b"key: 5\n", [(b"key:", 5, False)], id="colon-is-part-of-the-token"),
]


@pytest.mark.parametrize(("data", "want"), KV_PLAIN_CASES)
def test_kv_plain(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_kv(data, False), want)


KV_PLAIN_MALFORMED = [
    b"key\n",
    b"key x\n",
    b"key 5 6\n",
    b"key 5 kB\n",
    b"key -5\n",
    b"key 5x\n",
    b"key " + TOO_BIG + b"\n",
    b"key:5\n",
    b"good 1\nbad\n",
]


@pytest.mark.parametrize("data", KV_PLAIN_MALFORMED)
def test_kv_plain_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_kv(data, False)


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
    b"full avg10=0.00 avg60=0.00 avg300=0.00 total=1 avg10=0.00\n",
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


# -------------------------------------------------------------- mountinfo
def mount(mountpoint: bytes, root: bytes = b"/", optional: bytes = b"", fstype: bytes = b"ext4",
          source: bytes = b"/dev/sda1", options: bytes = b"rw,relatime",
          super_options: bytes = b"rw") -> bytes:
    opt = optional + b" " if optional else b""
    return (b"36 35 98:0 " + root + b" " + mountpoint + b" " + options + b" " + opt + b"- "
            + fstype + b" " + source + b" " + super_options + b"\n")


def row(mountpoint: bytes, root: bytes = b"/", optional: bytes = b"", fstype: bytes = b"ext4",
        source: bytes = b"/dev/sda1", options: bytes = b"rw,relatime",
        super_options: bytes = b"rw") -> tuple[Any, ...]:
    return (36, 35, 98, 0, root, mountpoint, options, optional, fstype, source, super_options)


PROC5 = b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
PROC5_ROW = (36, 35, 98, 0, b"/mnt1", b"/mnt2", b"rw,noatime", b"master:1", b"ext3",
             b"/dev/root", b"rw,errors=continue")

MOUNTINFO_CASES: list[Any] = [
    pytest.param(PROC5, [PROC5_ROW], id="proc5-example"),
    pytest.param(PROC5.rstrip(b"\n"), [PROC5_ROW], id="no-final-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(b"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n",
                 [(22, 1, 8, 1, b"/", b"/", b"rw,relatime", b"", b"ext4", b"/dev/sda1", b"rw")],
                 id="no-optional-fields"),
    pytest.param(b"25 22 0:23 / /sys rw,nosuid shared:7 master:2 propagate_from:3 unbindable"
                 b" - sysfs sysfs rw\n",
                 [(25, 22, 0, 23, b"/", b"/sys", b"rw,nosuid",
                   b"shared:7 master:2 propagate_from:3 unbindable", b"sysfs", b"sysfs", b"rw")],
                 id="several-optional-fields"),
    pytest.param(b"25 22 0:23 / /sys rw  shared:7 \t master:2\t- sysfs sysfs rw\n",
                 [(25, 22, 0, 23, b"/", b"/sys", b"rw", b"shared:7 master:2", b"sysfs",
                   b"sysfs", b"rw")], id="optional-fields-joined-by-one-space"),
    pytest.param(b"22 1 8:1 / / rw - ext4 /dev/sda1 rw extra more tokens\n",
                 [(22, 1, 8, 1, b"/", b"/", b"rw", b"", b"ext4", b"/dev/sda1", b"rw")],
                 id="extra-tokens-ignored"),
    pytest.param(b"40 22 0:50 / /x rw - fuse - rw\n",
                 [(40, 22, 0, 50, b"/", b"/x", b"rw", b"", b"fuse", b"-", b"rw")],
                 id="source-is-a-dash"),
    pytest.param(b"-1 -9223372036854775808 0:0 / / rw - a b c\n"
                 b"9223372036854775807 0 18446744073709551615:18446744073709551615 / / rw - a b c",
                 [(-1, I64_MIN, 0, 0, b"/", b"/", b"rw", b"", b"a", b"b", b"c"),
                  (I64_MAX, 0, U64, U64, b"/", b"/", b"rw", b"", b"a", b"b", b"c")],
                 id="number-bounds"),
    pytest.param(b"\n  22\t1 8:1  /  /  rw - ext4 /dev/sda1 rw  \n\n",
                 [(22, 1, 8, 1, b"/", b"/", b"rw", b"", b"ext4", b"/dev/sda1", b"rw")],
                 id="blanks-and-blank-lines"),
    pytest.param(PROC5 + b"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n",
                 [PROC5_ROW, (22, 1, 8, 1, b"/", b"/", b"rw", b"", b"ext4", b"/dev/sda1",
                              b"rw")], id="two-lines-in-order"),
    pytest.param(mount(b"/mnt/my\\040disk"), [row(b"/mnt/my disk")], id="esc-space"),
    pytest.param(mount(b"/mnt/a\\011b"), [row(b"/mnt/a\tb")], id="esc-tab"),
    pytest.param(mount(b"/mnt/new\\012line"), [row(b"/mnt/new\nline")], id="esc-newline"),
    pytest.param(mount(b"/mnt/back\\134slash"), [row(b"/mnt/back\\slash")], id="esc-backslash"),
    pytest.param(mount(b"/mnt/lone\\x"), [row(b"/mnt/lone\\x")], id="lone-backslash"),
    pytest.param(mount(b"/mnt/end\\"), [row(b"/mnt/end\\")], id="backslash-at-end-of-field"),
    pytest.param(mount(b"/mnt/\\400"), [row(b"/mnt/\\400")], id="over-255-stays"),
    pytest.param(mount(b"/mnt/\\08x"), [row(b"/mnt/\\08x")], id="non-octal-digit-stays"),
    pytest.param(mount(b"/mnt/\\12"), [row(b"/mnt/\\12")], id="two-digits-at-end-stay"),
    pytest.param(mount(b"/mnt/\\0101"), [row(b"/mnt/\x081")], id="exactly-three-digits"),
    pytest.param(mount(b"/mnt/\\134040"), [row(b"/mnt/\\040")], id="no-rescan"),
    pytest.param(mount(b"/mnt/\\\\040"), [row(b"/mnt/\\ ")], id="backslash-then-escape"),
    pytest.param(mount(b"/mnt/\\377\\000"), [row(b"/mnt/\xff\x00")], id="byte-ff-and-nul"),
    pytest.param(mount(b"\\057mnt"), [row(b"/mnt")], id="any-byte-may-be-escaped"),
    pytest.param(mount(b"/m", root=b"/r\\040t", optional=b"shared:1\\040x master:2",
                       fstype=b"fuse\\056sshfs", source=b"//srv/a\\040b",
                       options=b"rw\\054x", super_options=b"rw\\134"),
                 [row(b"/m", root=b"/r t", optional=b"shared:1 x master:2",
                      fstype=b"fuse.sshfs", source=b"//srv/a b", options=b"rw,x",
                      super_options=b"rw\\")], id="every-string-field-unescaped"),
]


@pytest.mark.parametrize(("data", "want"), MOUNTINFO_CASES)
def test_mountinfo(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_mountinfo(data), want)


MOUNTINFO_MALFORMED = [
    b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw\n",  # no "-"
    b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root\n",
    b"36 35 98:0 /mnt1 /mnt2 rw - ext3\n",
    b"36 35 98:0 /mnt1 /mnt2 rw -\n",
    b"36 35 98:0 / - ext3 /dev/root rw\n",
    b"36 35 98:0\n",
    b"36 35\n",
    b"36 35 98-0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98: / / rw - ext3 /dev/root rw\n",
    b"36 35 :0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98:0:1 / / rw - ext3 /dev/root rw\n",
    b"36 35 x:0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98 / / rw - ext3 /dev/root rw\n",
    b"36 35 -1:0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98:" + TOO_BIG + b" / / rw - ext3 /dev/root rw\n",
    b"a 35 98:0 / / rw - ext3 /dev/root rw\n",
    b"36 1.5 98:0 / / rw - ext3 /dev/root rw\n",
    b"9223372036854775808 35 98:0 / / rw - ext3 /dev/root rw\n",
    b"36 -9223372036854775809 98:0 / / rw - ext3 /dev/root rw\n",
    b"36x 35 98:0 / / rw - ext3 /dev/root rw\n",
    PROC5 + b"garbage\n",
]


@pytest.mark.parametrize("data", MOUNTINFO_MALFORMED)
def test_mountinfo_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_mountinfo(data)


# -------------------------------------------------------------- diskstats
def disk(major: int, minor: int, name: bytes, n: int, lead: bytes = b"   ") -> bytes:
    """A diskstats line with ``n`` fields in all; the stats count 1, 2, 3..."""
    return lead + nums(major, minor) + b" " + name + b" " + nums(*seq(1, n - 3)) + b"\n"


DISKSTATS_CASES: list[Any] = [
    pytest.param(disk(8, 0, b"sda", 20), [(8, 0, b"sda", seq(1, 17))], id="20-fields"),
    pytest.param(disk(8, 1, b"sda1", 18), [(8, 1, b"sda1", seq(1, 15))], id="18-fields"),
    pytest.param(disk(8, 2, b"sda2", 14), [(8, 2, b"sda2", seq(1, 11))], id="14-fields"),
    pytest.param(disk(259, 0, b"nvme0n1", 22), [(259, 0, b"nvme0n1", seq(1, 17))],
                 id="22-fields-extra-ignored"),
    pytest.param(disk(8, 0, b"sda", 20).rstrip(b"\n"), [(8, 0, b"sda", seq(1, 17))],
                 id="no-final-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(disk(8, 0, b"sda", 20) + b"\n  \n" + disk(253, 0, b"dm-0", 14, lead=b"\t"),
                 [(8, 0, b"sda", seq(1, 17)), (253, 0, b"dm-0", seq(1, 11))],
                 id="several-lines-blank-lines"),
    pytest.param(nums(U64, U64) + b" d\xffisk " + b" ".join([U64_TEXT] * 11),
                 [(U64, U64, b"d\xffisk", (U64,) * 11)], id="u64-max-and-odd-name"),
]


@pytest.mark.parametrize(("data", "want"), DISKSTATS_CASES)
def test_diskstats(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_diskstats(data), want)


DISKSTATS_MALFORMED = [
    disk(8, 0, b"sda", 13),
    disk(8, 0, b"sda", 3),
    b"8 0\n",
    b"8\n",
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" x "),
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" -5 "),
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" " + TOO_BIG + b" "),
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" 5x "),
    b"x 0 sda " + nums(*seq(1, 11)) + b"\n",
    b"8 -1 sda " + nums(*seq(1, 11)) + b"\n",
    disk(8, 0, b"sda", 20) + disk(8, 1, b"sda1", 13),
]


@pytest.mark.parametrize("data", DISKSTATS_MALFORMED)
def test_diskstats_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_diskstats(data)


def test_diskstats_past_17_agrees() -> None:
    agree("parse_diskstats", disk(8, 0, b"sda", 20).rstrip(b"\n") + b" junk\n")


# ----------------------------------------------------------------- netdev
NETDEV_HEAD = (
    b"Inter-|   Receive                                                |  Transmit\n"
    b" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    b"drop fifo colls carrier compressed\n"
)
C16 = seq(1, 16)

NETDEV_CASES: list[Any] = [
    pytest.param(NETDEV_HEAD + b"    lo: " + nums(*C16) + b"\n  eth0:  " + nums(*seq(101, 16))
                 + b"\n", [(b"lo", C16), (b"eth0", seq(101, 16))], id="typical"),
    pytest.param(NETDEV_HEAD, [], id="headers-only"),
    pytest.param(b"", [], id="empty"),
    pytest.param(NETDEV_HEAD + b"verylongname0:123 " + nums(*seq(2, 15)),
                 [(b"verylongname0", (123, *seq(2, 15)))], id="glued-long-name-no-newline"),
    pytest.param(b"eth0: " + b" ".join([U64_TEXT] * 16) + b"\n", [(b"eth0", (U64,) * 16)],
                 id="u64-max"),
    pytest.param(b"eth0: " + nums(*seq(1, 18)) + b"\n", [(b"eth0", C16)], id="extra-ignored"),
    pytest.param(b"eth0:1: " + nums(*C16) + b"\n", [(b"eth0:1", C16)], id="alias-last-colon"),
    pytest.param(b"\teth0:\t" + b"\t".join(str(v).encode() for v in C16) + b"\t\n\n",
                 [(b"eth0", C16)], id="tabs"),
    pytest.param(b"anything | at all\n" + b"lo: " + nums(*C16), [(b"lo", C16)],
                 id="any-line-with-a-bar-is-a-header"),
]


@pytest.mark.parametrize(("data", "want"), NETDEV_CASES)
def test_netdev(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_netdev(data), want)


NETDEV_MALFORMED = [
    b"eth0: " + nums(*seq(1, 15)) + b"\n",
    b"eth0:\n",
    b"eth0 " + nums(*C16) + b"\n",
    b": " + nums(*C16) + b"\n",
    b"   : " + nums(*C16) + b"\n",
    b"eth0: " + nums(*seq(1, 15)) + b" " + TOO_BIG + b"\n",
    b"eth0: " + nums(*seq(1, 15)) + b" x\n",
    b"eth0: -1 " + nums(*seq(1, 15)) + b"\n",
    b"eth0:12ab " + nums(*seq(1, 15)) + b"\n",
    NETDEV_HEAD + b"lo: " + nums(*C16) + b"\nbad: 1 2\n",
]


@pytest.mark.parametrize("data", NETDEV_MALFORMED)
def test_netdev_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_netdev(data)


@pytest.mark.parametrize("data", [
    b"a b: " + nums(*C16) + b"\n",
    b"eth0: " + nums(*C16) + b" junk\n",
])
def test_netdev_agree(data: bytes) -> None:
    agree("parse_netdev", data)


# ---------------------------------------------------------------- cpulist
CPULIST_CASES: list[Any] = [
    pytest.param(b"0-3,8,10-11\n", [(0, 3), (8, 8), (10, 11)], id="typical"),
    pytest.param(b"\n", [], id="newline-only"),
    pytest.param(b"", [], id="empty"),
    pytest.param(b" \t\n\n", [], id="blanks-only"),
    pytest.param(b"5", [(5, 5)], id="one-cpu"),
    pytest.param(b"3-3\n", [(3, 3)], id="lo-equals-hi"),
    pytest.param(b"\n \t0-1 \n\n", [(0, 1)], id="trimmed"),
    pytest.param(b"8,0-3\n", [(8, 8), (0, 3)], id="order-kept"),
    pytest.param(b"007-010", [(7, 10)], id="leading-zeros"),
    pytest.param(b"0-" + U64_TEXT + b"," + U64_TEXT, [(0, U64), (U64, U64)], id="u64-max"),
]


@pytest.mark.parametrize(("data", "want"), CPULIST_CASES)
def test_cpulist(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_cpulist(data), want)


CPULIST_MALFORMED = [
    b"1-0\n",
    b"0-3,\n",
    b",0\n",
    b"0,,1\n",
    b"0 - 3\n",
    b"0-3 ,4\n",
    b"0-3, 4\n",
    b"0-3\n4\n",
    b"-3\n",
    b"0-\n",
    b"0--3\n",
    b"0-1-2\n",
    b"x\n",
    b"0x1\n",
    b"1.5\n",
    TOO_BIG + b"\n",
    b"0-" + TOO_BIG + b"\n",
    b"0-3\r\n",
    b",\n",
]


@pytest.mark.parametrize("data", CPULIST_MALFORMED)
def test_cpulist_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_cpulist(data)


# ----------------------------------------------------------------- cpumax
CPUMAX_CASES: list[Any] = [
    pytest.param(b"max 100000", (-1, 100000), id="max-no-newline"),
    pytest.param(b"max 100000\n", (-1, 100000), id="max"),
    pytest.param(b"50000 100000\n", (50000, 100000), id="quota"),
    pytest.param(b"  0\t\t1 \n", (0, 1), id="blanks"),
    pytest.param(b"9223372036854775807 " + U64_TEXT + b"\n", (I64_MAX, U64), id="bounds"),
]


@pytest.mark.parametrize(("data", "want"), CPUMAX_CASES)
def test_cpumax(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_cpumax(data), want)


CPUMAX_MALFORMED = [
    b"max",
    b"max\n",
    b"",
    b"\n",
    b"-1 100000\n",
    b"9223372036854775808 100000\n",
    b"max " + TOO_BIG + b"\n",
    b"MAX 100000\n",
    b"maxx 100000\n",
    b"max100000\n",
    b"max 100000 1\n",
    b"max -1\n",
    b"max 1x\n",
    b"50000x 100000\n",
    b"max 100000\nmax 100000\n",
    b"max 1.5\n",
]


@pytest.mark.parametrize("data", CPUMAX_MALFORMED)
def test_cpumax_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_cpumax(data)


# -------------------------------------------------------------------- int
INT_CASES: list[Any] = [
    pytest.param(b"-12\n", -12, id="negative"),
    pytest.param(b"45000", 45000, id="no-newline"),
    pytest.param(b" 1", 1, id="leading-blank"),
    pytest.param(b"\t 7 \t\n", 7, id="blanks-around"),
    pytest.param(b"-0\n", 0, id="minus-zero"),
    pytest.param(b"007\n", 7, id="leading-zeros"),
    pytest.param(b"9223372036854775807\n", I64_MAX, id="i64-max"),
    pytest.param(b"-9223372036854775808\n", I64_MIN, id="i64-min"),
]


@pytest.mark.parametrize(("data", "want"), INT_CASES)
def test_int(mod: ModuleType, data: bytes, want: int) -> None:
    assert_exact(mod.parse_int(data), want)


INT_MALFORMED = [
    b"12ab",
    b"12ab\n",
    b"",
    b"\n",
    b"  \n",
    b"-",
    b"-\n",
    b"+1\n",
    b"--1\n",
    b"1 2\n",
    b"1.0\n",
    b"0x10\n",
    b"1\r\n",
    b"9223372036854775808\n",
    b"-9223372036854775809\n",
    U64_TEXT + b"\n",
    b"1\n2\n",
    b"- 1\n",
]


@pytest.mark.parametrize("data", INT_MALFORMED)
def test_int_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_int(data)


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


# -------------------------------------------------------------- read_file
def test_read_file_exact_bytes(mod: ModuleType, tmp_path: Path) -> None:
    data = bytes(range(256)) * 3 + b"\0\n\r\n no final newline"
    p = tmp_path / "f"
    p.write_bytes(data)
    got = mod.read_file(str(p))
    assert type(got) is bytes
    assert got == data


def test_read_file_large(mod: ModuleType, tmp_path: Path) -> None:
    data = random.Random(1234).randbytes((1 << 20) + 12345)  # more than 1 MiB, odd size
    p = tmp_path / "big"
    p.write_bytes(data)
    got = mod.read_file(str(p))
    assert len(got) == len(data)
    assert got == data


def test_read_file_relative_path(mod: ModuleType, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rel").write_bytes(b"relative\n")
    monkeypatch.chdir(tmp_path)
    assert mod.read_file("rel") == b"relative\n"


def test_read_file_empty(mod: ModuleType, tmp_path: Path) -> None:
    p = tmp_path / "empty"
    p.write_bytes(b"")
    assert_exact(mod.read_file(str(p)), b"")


def test_read_file_proc_files_read_to_eof(mod: ModuleType) -> None:
    """/proc files report size 0: the read must go to EOF, not stop at st_size."""
    for path in ("/proc/version", "/proc/self/cmdline"):
        with open(path, "rb") as f:
            want = f.read()
        assert want  # the test would prove nothing on an empty file
        assert mod.read_file(path) == want, path


def test_read_file_symlink_last_component(mod: ModuleType, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"secret\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(OSError) as ei:
        mod.read_file(str(link))
    assert ei.value.errno == errno.ELOOP
    assert ei.value.filename == str(link)


def test_read_file_symlink_in_directory_part_is_followed(mod: ModuleType,
                                                          tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_bytes(b"via a linked directory\n")
    (tmp_path / "dirlink").symlink_to(tmp_path / "real")
    assert mod.read_file(str(tmp_path / "dirlink" / "f")) == b"via a linked directory\n"


def test_read_file_missing(mod: ModuleType, tmp_path: Path) -> None:
    path = str(tmp_path / "missing")
    with pytest.raises(FileNotFoundError) as ei:
        mod.read_file(path)
    assert ei.value.errno == errno.ENOENT
    assert ei.value.filename == path


def test_read_file_not_a_directory(mod: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    path = str(tmp_path / "f" / "child")
    with pytest.raises(NotADirectoryError) as ei:
        mod.read_file(path)
    assert ei.value.errno == errno.ENOTDIR
    assert ei.value.filename == path


def test_read_file_directory(mod: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(OSError) as ei:
        mod.read_file(str(tmp_path))
    assert ei.value.errno == errno.EISDIR
    assert ei.value.filename == str(tmp_path)


def _read_as_nobody(mod: ModuleType, path: str) -> tuple[Any, ...]:
    """read_file(path) in a forked child that dropped to nobody (root reads a
    mode-000 file); returns what it raised as (type name, errno, filename)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report through the pipe, never return into pytest
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                mod.read_file(path)
                msg = "ok"
            except OSError as e:
                msg = f"{type(e).__name__} {e.errno} {e.filename}"
            os.write(w, msg.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, out)
    name, err, filename = out.split(" ", 2)
    return name, int(err), filename


def test_read_file_permission_denied(mod: ModuleType, tmp_path: Path) -> None:
    p = tmp_path / "locked"
    p.write_bytes(b"x")
    p.chmod(0)
    if os.geteuid() == 0:
        # nobody is refused at the file's mode, or earlier at a private parent
        # directory: EACCES either way
        assert _read_as_nobody(mod, str(p)) == ("PermissionError", errno.EACCES, str(p))
        return
    with pytest.raises(PermissionError) as ei:
        mod.read_file(str(p))
    assert ei.value.errno == errno.EACCES
    assert ei.value.filename == str(p)


def test_read_file_fifo_reads_empty(mod: ModuleType, tmp_path: Path) -> None:
    """O_NONBLOCK: a FIFO without a writer opens at once and reads as EOF."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(mod.read_file(str(fifo)))
        except BaseException as e:  # reported below, in the test's thread
            result.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():  # unblock the reader so the thread can end, then fail
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        t.join(5)
        pytest.fail("read_file blocked on a FIFO without a writer")
    assert len(result) == 1
    assert_exact(result[0], b"")


OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK


def _awkward_paths(tmp_path: Path) -> list[str]:
    (tmp_path / "f").write_bytes(b"abc\n")
    (tmp_path / "link").symlink_to(tmp_path / "f")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "d").mkdir()
    names = ["f", "link", "dangling", "fifo", "d", "missing", "f/child", "d/../f", "x" * 300]
    return [str(tmp_path / n) for n in names] + ["", "/proc/self/fd/0"]


def test_read_file_errors_as_os_open(mod: ModuleType, tmp_path: Path) -> None:
    """Where os.open with the contract's flags fails, read_file raises the very
    same error: type, errno and filename."""
    checked = 0
    for path in _awkward_paths(tmp_path):
        try:
            os.close(os.open(path, OPEN_FLAGS))
            continue
        except OSError as e:
            want = (type(e), e.errno, e.filename)
        with pytest.raises(OSError) as ei:
            mod.read_file(path)
        assert (type(ei.value), ei.value.errno, ei.value.filename) == want, path
        checked += 1
    assert checked >= 6


def test_read_file_closes_its_fd(mod: ModuleType, tmp_path: Path) -> None:
    """No descriptor left open, on success or on any error path."""
    paths = _awkward_paths(tmp_path)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        for path in paths:
            with contextlib.suppress(OSError):
                mod.read_file(path)
    assert len(os.listdir("/proc/self/fd")) == before


def _error_shape(mod: ModuleType, path: str) -> tuple[Any, ...]:
    try:
        return ("ok", mod.read_file(path))
    except OSError as e:
        return (type(e).__name__, e.errno, e.filename)


def test_read_file_implementations_identical(tmp_path: Path) -> None:
    for path in _awkward_paths(tmp_path):
        assert _error_shape(impl("c"), path) == _error_shape(impl("python"), path), path
