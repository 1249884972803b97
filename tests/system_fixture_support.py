"""Shared by test_system_fixtures*.py, system_fixture_table_support.py and
test_system_sampler.py.

The trees live in tests/fixtures/system/ (written by
tests/fixtures/make_system.py; see tests/fixtures/README.md).  Expected
values are tables written from the fixture files (for test_system_fixtures*.py
in system_fixture_table_support.py; test_system_sampler.py carries its own);
this module only holds the unit rules of the API (so a table can say "ticks"
or "sectors" and get the record the API promises), an exact comparison, and
the C-versus-Python runner.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import sysmon
from sysmon.errors import ParseError

SYSTEM = Path(__file__).resolve().parent / "fixtures" / "system"
SCENARIOS = ("big", "old", "container", "wrap1", "wrap2")
BROKEN_KINDS = (
    "stat", "meminfo", "vmstat", "loadavg", "uptime", "pressure", "mountinfo", "diskstats",
    "netdev", "cpulist", "cpumax", "cfsquota", "cpuset", "cpufreq",
)

CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
KB = 1024
SECTOR = 512
U64 = 2**64 - 1


def root(name: str) -> str:
    """The fixture root ``tests/fixtures/system/<name>`` as a str."""
    p = SYSTEM / name
    assert p.is_dir(), f"missing fixture tree {p}: run tests/fixtures/make_system.py"
    return str(p)


# ----------------------------------------------------------- unit rules
def times(*ticks: int) -> sysmon.CpuTimes:
    """CpuTimes from a /proc/stat line's ticks: seconds = ticks / CLK_TCK,
    modes the line does not have are None."""
    vals: list[float | None] = [t / CLK for t in ticks]
    vals += [None] * (10 - len(vals))
    return sysmon.CpuTimes(*vals)  # type: ignore[arg-type]


def dio(major: int, minor: int, *v: int) -> sysmon.DiskIO:
    """DiskIO from a diskstats line's 11..17 counters: bytes = sectors * 512,
    seconds = ms / 1000, discard and flush fields None when absent."""
    assert 11 <= len(v) <= 17, len(v)
    disc: tuple[Any, ...] = (
        (v[11], v[12], v[13] * SECTOR, v[14] / 1000) if len(v) >= 15 else (None,) * 4
    )
    flush: tuple[Any, ...] = (v[15], v[16] / 1000) if len(v) >= 17 else (None, None)
    return sysmon.DiskIO(
        major, minor, v[0], v[1], v[2] * SECTOR, v[3] / 1000, v[4], v[5], v[6] * SECTOR,
        v[7] / 1000, v[8], v[9] / 1000, v[10] / 1000, *disc, *flush,
    )


def psi(a10: float, a60: float, a300: float, total_us: int) -> sysmon.PsiStats:
    """PsiStats: percentages as written, total from microseconds to seconds."""
    return sysmon.PsiStats(a10, a60, a300, total_us / 1e6)


# ----------------------------------------------------------- comparison
def typed(value: Any) -> Any:
    """``value`` with every node's type spelled out (True is not 1, 1.0 is not 1)."""
    if isinstance(value, dict):
        return ("dict", {k: typed(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, tuple):
        return (type(value).__name__, tuple(typed(v) for v in value))
    if value is None:
        return None
    return (type(value).__name__, value)


def assert_close(got: Any, want: Any, where: str = "") -> None:
    """Same structure and types everywhere; floats equal within 1e-12
    (relative), everything else exactly.  Dict keys compare as sets."""
    if isinstance(want, float):
        assert type(got) is float, (where, got, want)
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12), (where, got, want)
    elif isinstance(want, dict):
        assert isinstance(got, dict), (where, got)
        assert set(got) == set(want), (where, sorted(map(str, got)), sorted(map(str, want)))
        for k, v in want.items():
            assert_close(got[k], v, f"{where}[{k!r}]")
    elif isinstance(want, tuple) and hasattr(want, "_fields"):
        assert type(got) is type(want), (where, type(got), type(want))
        for name, g, w in zip(want._fields, got, want):
            assert_close(g, w, f"{where}.{name}")
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want), (where, type(got), type(want))
        assert len(got) == len(want), (where, len(got), len(want), got)
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{where}[{i}]")
    else:
        assert type(got) is type(want), (where, type(got), got, want)
        assert got == want, (where, got, want)


# ----------------------------------------------------------- backends
@contextmanager
def using(name: str) -> Iterator[None]:
    """Select backend ``name`` for the block (skip "c" when it is not built,
    unless SYSMON_REQUIRE_NATIVE=1)."""
    prev = sysmon.backend()
    try:
        sysmon.set_backend(name)
    except sysmon.SysmonError as e:
        if name == "c" and os.environ.get("SYSMON_REQUIRE_NATIVE") != "1":
            pytest.skip(f"C backend unavailable: {e}")
        raise
    try:
        yield
    finally:
        sysmon.set_backend(prev)


def outcome(fn: Callable[[], Any]) -> Any:
    """The typed result of fn(), or ("raised", type name, ParseError path)."""
    try:
        return typed(fn())
    except sysmon.SysmonError as e:
        return ("raised", type(e).__name__, e.path if isinstance(e, ParseError) else None)


def both(fn: Callable[[], Any]) -> tuple[Any, Any]:
    """outcome(fn) under the C backend and under the Python backend."""
    with using("c"):
        c = outcome(fn)
    with using("python"):
        p = outcome(fn)
    return c, p
