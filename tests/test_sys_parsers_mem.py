"""System-file parser tables for the key-value files /proc/meminfo and
/proc/vmstat: one case per awkward input, C and Python side by side.

Every expected value is written by hand from the contract in sysmon/_rawsys.py
and the input next to it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import (
    TOO_BIG,
    U64,
    U64_TEXT,
    assert_exact,
    mod_fixture,  # noqa: F401 - the `mod` fixture
)

from sysmon.errors import ParseError

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


# ------------------------------------------------------------ kv with keys
@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (frozenset({b"MemFree", b"Hugepagesize"}),
         [(b"MemFree", 1234567, True), (b"Hugepagesize", 2048, True)]),
        (frozenset({b"Active(anon)", b"NoSuchKey"}), [(b"Active(anon)", 111, True)]),
        (frozenset(), []),
        (frozenset({b"Mem"}), []),  # whole keys only, not prefixes
        (frozenset({b"MemTotal:"}), []),
    ],
)
def test_kv_picked_keys(mod: ModuleType, keys: frozenset[bytes], expected: list[Any]) -> None:
    assert_exact(mod.parse_kv(MEMINFO, True, keys), expected)


def test_kv_picked_keys_keep_duplicates_in_order(mod: ModuleType) -> None:
    data = b"a 1\nb 2\na 3\nc 4\n"
    assert_exact(mod.parse_kv(data, False, frozenset({b"a", b"c"})),
                 [(b"a", 1, False), (b"a", 3, False), (b"c", 4, False)])


@pytest.mark.parametrize("data", [b"a 1\nb x\n", b"b x\na 1\n", b"a 1\n\tb\n", b"a 1 kB\n"])
def test_kv_picked_keys_still_check_every_line(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_kv(data, False, frozenset({b"a"}))


def test_kv_picked_key_with_a_nul_never_matches(mod: ModuleType) -> None:
    data = b"a\0b: 1\nc: 2\n"
    assert_exact(mod.parse_kv(data, True), [(b"a\0b", 1, False), (b"c", 2, False)])
    assert_exact(mod.parse_kv(data, True, frozenset({b"a\0b", b"c"})), [(b"c", 2, False)])


@pytest.mark.parametrize("path", ["/proc/meminfo", "/proc/vmstat"])
def test_kv_picked_keys_on_live_files(mod: ModuleType, path: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    colon = path.endswith("meminfo")
    full = mod.parse_kv(data, colon)
    some = frozenset(k for i, (k, _, _) in enumerate(full) if i % 3 == 0)
    assert_exact(mod.parse_kv(data, colon, some), [r for r in full if r[0] in some])
