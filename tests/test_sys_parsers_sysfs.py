"""System-file parser tables for the one-value sysfs and cgroup files (CPU
lists, cpu.max, integers): one case per awkward input, C and Python side by
side.

Every expected value is written by hand from the contract in sysmon/_rawsys.py
and the input next to it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import (
    I64_MAX,
    I64_MIN,
    TOO_BIG,
    U64,
    U64_TEXT,
    assert_exact,
    mod_fixture,  # noqa: F401 - the `mod` fixture
)

from sysmon.errors import ParseError

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
