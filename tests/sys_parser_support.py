"""Shared by the test_sys_parsers_*.py modules and test_sys_hypothesis.py.

The system-file parsers (contract: sysmon/_rawsys.py) exist twice, in
``sysmon._native`` (C) and ``sysmon._pure`` (Python).  This module gives the
tests the two modules, a comparison that also checks types (``True`` is not
``1``, a tuple is not a list) and a differential call that runs both
implementations on the same input.  The ``mod`` fixture (each test once per
implementation) is defined here as ``mod_fixture``: a test module imports it
by that name and asks for ``mod``.

Without the C extension the C runs are skipped; with SYSMON_REQUIRE_NATIVE=1
(as CI sets) they fail instead.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import pytest

from sysmon import _pure
from sysmon.errors import ParseError

try:
    from sysmon import _native as _native_mod
except ImportError:  # pragma: no cover - the C extension must be built for this suite
    _native_mod = None

NATIVE: ModuleType | None = _native_mod
REQUIRE_NATIVE = os.environ.get("SYSMON_REQUIRE_NATIVE") == "1"

U64 = 2**64 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
TOO_BIG = b"18446744073709551616"  # 2**64: one past u64
U64_TEXT = b"18446744073709551615"

IMPLS = ("c", "python")


def native() -> ModuleType:
    """``sysmon._native``, or skip (fail under SYSMON_REQUIRE_NATIVE=1)."""
    if NATIVE is None:
        if REQUIRE_NATIVE:
            pytest.fail("sysmon._native does not import and SYSMON_REQUIRE_NATIVE=1")
        pytest.skip("C extension not built")
    return NATIVE


def impl(name: str) -> ModuleType:
    """The module implementing the parsers for ``name`` ("c" or "python")."""
    return native() if name == "c" else _pure


@pytest.fixture(params=IMPLS, name="mod")
def mod_fixture(request: pytest.FixtureRequest) -> ModuleType:
    return impl(request.param)


NONE7: tuple[None, ...] = (None,) * 7


def nums(*values: int) -> bytes:
    return b" ".join(str(v).encode() for v in values)


def seq(first: int, count: int) -> tuple[int, ...]:
    return tuple(range(first, first + count))


def typed(value: Any) -> Any:
    """``value`` with the type of every node spelled out, for exact comparison."""
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, tuple):  # NamedTuples count as tuples
        return ("tuple", tuple(typed(v) for v in value))
    if value is None:
        return None
    return (type(value).__name__, value)


def assert_exact(got: Any, want: Any) -> None:
    """Equal values and equal types at every level (bool vs int, list vs tuple)."""
    assert got == want
    assert typed(got) == typed(want)


Outcome = tuple[str, Any]


def outcome(mod: ModuleType, fn: str, *args: Any) -> Outcome:
    """("ok", result) or ("ParseError", None); any other exception propagates."""
    try:
        return ("ok", typed(getattr(mod, fn)(*args)))
    except ParseError:
        return ("ParseError", None)


def agree(fn: str, *args: Any) -> Outcome:
    """Run both implementations; they must give the same typed result or both
    raise ParseError.  Returns the common outcome."""
    c = outcome(native(), fn, *args)
    p = outcome(_pure, fn, *args)
    assert c == p, (fn, args, "C:", c, "Python:", p)
    return c


def dec_text(m: int, scale: int) -> bytes:
    """The shortest ``dec`` spelling of (m, scale): (25, 2) -> b"0.25"."""
    if scale == 0:
        return str(m).encode()
    s = str(m).rjust(scale + 1, "0")
    return (s[:-scale] + "." + s[-scale:]).encode()


def octal_escape(raw: bytes, escape_all: bool = False) -> bytes:
    """Spell ``raw`` as the kernel's mountinfo does (space, tab, newline and
    backslash as three octal digits); ``escape_all`` escapes every byte."""
    out = bytearray()
    for c in raw:
        if escape_all or c in b" \t\n\\":
            out += b"\\%03o" % c
        else:
            out.append(c)
    return bytes(out)
