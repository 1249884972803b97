"""Parser tables: one case per awkward input, the C and Python parsers side by side."""

from __future__ import annotations

from types import ModuleType

import pytest

import sysmon
from sysmon import _native, _pure

PARSERS = pytest.mark.parametrize("mod", [_native, _pure], ids=["c", "python"])
U64 = 2**64 - 1

# A stat line of today's kernels (52 fields) with every field distinct.
def stat_line(name: bytes = b"cat", state: bytes = b"S", tail: int = 52, **over: int) -> bytes:
    vals = {n: n * 10 for n in range(4, tail + 1)}
    for k, v in over.items():
        vals[int(k[1:])] = v
    rest = b" ".join(str(vals[n]).encode() for n in range(4, tail + 1))
    return b"4242 (" + name + b") " + state + b" " + rest + b"\n"


def expect(name: bytes, state: bytes, f: dict[int, int], proc: int) -> tuple[object, ...]:
    return (
        4242, name, state, f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[12], f[14], f[15],
        f[18], f[19], f[20], f[22], f[23], f[24], proc,
    )


def fields(**over: int) -> dict[int, int]:
    f = {n: n * 10 for n in range(4, 53)}
    for k, v in over.items():
        f[int(k[1:])] = v
    return f


NAMES = [
    b"cat",
    b"a) (b",
    b"x) S 1 2 3",
    b"((()",
    b")",
    b"",
    b"new\nline",
    b"\x1b[31mred\x1b[0m",
    b"\xe2\x80\xaeevil",
    b"\xff\xfe bad",
    b"kworker/u8:3-events_unbound",
    b"x" * 63,
]


@PARSERS
@pytest.mark.parametrize("name", NAMES)
def test_stat_names(mod: ModuleType, name: bytes) -> None:
    assert mod.parse_stat(stat_line(name)) == expect(name, b"S", fields(), 390)


@PARSERS
def test_stat_negative_and_max(mod: ModuleType) -> None:
    over = {"f18": -100, "f8": -1, "f19": -20, "f10": U64, "f14": U64, "f23": U64, "f22": U64,
            "f7": -2147483648, "f39": -1}
    line = stat_line(b"rt", **over)
    got = mod.parse_stat(line)
    assert got == expect(b"rt", b"S", fields(**over), -1)


@PARSERS
@pytest.mark.parametrize(
    ("tail", "proc"),
    [(24, -1), (38, -1), (39, 390), (44, 390), (52, 390), (70, 390)],
)
def test_stat_old_and_new_kernels(mod: ModuleType, tail: int, proc: int) -> None:
    """Lines with fewer fields than today (no processor) and with more."""
    assert mod.parse_stat(stat_line(tail=tail)) == expect(b"cat", b"S", fields(), proc)


@PARSERS
@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"4242",
        b"4242 (cat",
        b"4242 cat) S 1",
        b"4242 (cat) S",
        b"4242 (cat) S 1 2 3",  # ends before field 24
        stat_line(tail=23),
        stat_line(f4=-1).replace(b" 50 ", b" x0 "),  # a field that is not a number
        stat_line(f10=U64).replace(b"18446744073709551615", b"18446744073709551616"),
        stat_line().replace(b"(cat) S", b"(cat) SS"),
        stat_line().replace(b" 40 ", b"  40 "),  # an empty mandatory field
        b"-x (cat) S" + stat_line()[10:],
        b"4242(cat) S 1",
        stat_line(f10=-5),  # minflt is unsigned
        stat_line().replace(b"(cat) S ", b"(cat) \n "),  # a blank is not a state
        stat_line().replace(b"(cat) S ", b"(cat)   "),
    ],
)
def test_stat_malformed(mod: ModuleType, line: bytes) -> None:
    with pytest.raises(sysmon.ParseError):
        mod.parse_stat(line)


def status_text(uid: str = "1000\t1001\t1002\t1003", gid: str = "100\t101\t102\t103") -> bytes:
    return (
        b"Name:\tcat\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\n"
        b"Pid:\t4242\nPPid:\t1\nTracerPid:\t0\nUid:\t" + uid.encode() + b"\nGid:\t" +
        gid.encode() + b"\nFDSize:\t64\nGroups:\t4 24 27\nVmPeak:\t   1234 kB\n"
        b"Threads:\t1\nSigQ:\t0/127553\n"
    )


@PARSERS
def test_status(mod: ModuleType) -> None:
    assert mod.parse_status(status_text()) == (1000, 1001, 1002, 1003, 100, 101, 102, 103,
                                               4242, 4242)


@PARSERS
def test_status_big_ids_and_no_trailing_newline(mod: ModuleType) -> None:
    data = status_text("4294967294\t0\t0\t0", "65534 65534 65534 65534").rstrip(b"\n")
    assert mod.parse_status(data)[:8] == (4294967294, 0, 0, 0, 65534, 65534, 65534, 65534)


@PARSERS
def test_status_thread_dir(mod: ModuleType) -> None:
    data = status_text().replace(b"Pid:\t4242", b"Pid:\t4250")
    assert mod.parse_status(data)[8:] == (4242, 4250)


@PARSERS
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Name:\tcat\n",
        status_text(uid="1000\t1001"),
        status_text(gid="x\t1\t2\t3"),
        status_text().replace(b"Gid:", b"Gids:"),
    ],
)
def test_status_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(sysmon.ParseError):
        mod.parse_status(data)


@PARSERS
@pytest.mark.parametrize(
    ("data", "want"),
    [
        (b"1000 200 30 4 0 50 0\n", (1000, 200, 30)),
        (b"0 0 0 0 0 0 0\n", (0, 0, 0)),
        (b"18446744073709551615 1 2", (U64, 1, 2)),
    ],
)
def test_statm(mod: ModuleType, data: bytes, want: tuple[int, int, int]) -> None:
    assert mod.parse_statm(data) == want


@PARSERS
@pytest.mark.parametrize("data", [b"", b"1 2", b"1 2 x", b"-1 2 3", b"1  2 3", b"1 2 3x"])
def test_statm_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(sysmon.ParseError):
        mod.parse_statm(data)


def test_live_files_agree() -> None:
    """Both parsers on every stat/status/statm file of this machine."""
    import os

    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        for fname, attr in (("stat", "parse_stat"), ("status", "parse_status"),
                            ("statm", "parse_statm")):
            try:
                with open(f"/proc/{pid}/{fname}", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            assert getattr(_native, attr)(data) == getattr(_pure, attr)(data), (pid, fname)
            n += 1
    assert n > 30
