"""Parser tables: one case per awkward input, the C and Python parsers side by side."""

from __future__ import annotations

import subprocess
import time
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


# The memory lines of a user process's status (Linux >= 4.5), every value
# distinct: VmRSS = RssAnon + RssFile + RssShmem.  RssAnon and the other Vm*
# lines are not read.
MEM_USER = (
    b"VmPeak:\t    3060 kB\nVmSize:\t    3060 kB\nVmLck:\t       0 kB\nVmHWM:\t    1712 kB\n"
    b"VmRSS:\t    1696 kB\nRssAnon:\t     116 kB\nRssFile:\t    1572 kB\nRssShmem:\t"
    b"       8 kB\nVmData:\t     360 kB\nVmStk:\t     132 kB\nVmSwap:\t       0 kB\n"
)
# Before Linux 4.5: VmRSS but no RssAnon/RssFile/RssShmem.
MEM_OLD = b"VmPeak:\t    3060 kB\nVmSize:\t    3060 kB\nVmHWM:\t    1712 kB\nVmRSS:\t    1696 kB\n"
I64 = 2**63 - 1


def status_text(uid: str = "1000\t1001\t1002\t1003", gid: str = "100\t101\t102\t103",
                mem: bytes = MEM_USER) -> bytes:
    return (
        b"Name:\tcat\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\n"
        b"Pid:\t4242\nPPid:\t1\nTracerPid:\t0\nUid:\t" + uid.encode() + b"\nGid:\t" +
        gid.encode() + b"\nFDSize:\t64\nGroups:\t4 24 27\n" + mem +
        b"Threads:\t1\nSigQ:\t0/127553\n"
    )


IDS = (1000, 1001, 1002, 1003, 100, 101, 102, 103, 4242, 4242)


ZEROS = b"0" * 5000  # more digits than int() takes from a string by default (4,300)


@PARSERS
def test_numbers_with_thousands_of_leading_zeros(mod: ModuleType) -> None:
    """The kernel never pads, but a number is its digits: C reads any count of
    leading zeros, and so must Python (not a ValueError from int())."""
    line = stat_line(b"z", f4=7).replace(b") S 7 ", b") S " + ZEROS + b"7 ", 1)
    assert mod.parse_stat(line)[3] == 7
    line = stat_line(b"z", f4=1).replace(b") S 1 ", b") S -" + ZEROS + b"1 ", 1)
    assert mod.parse_stat(line)[3] == -1
    data = status_text("1000\t" + "0" * 5000 + "1\t2\t3",
                       mem=b"VmRSS:\t" + ZEROS + b"12 kB\n")
    assert mod.parse_status(data)[:4] == (1000, 1, 2, 3) and mod.parse_status(data)[10] == 12
    with pytest.raises(sysmon.ParseError):  # 21 significant digits: out of range
        mod.parse_stat(stat_line(b"z", f4=1).replace(b") S 1 ", b") S " + ZEROS + b"1" * 21 + b" "))
    with pytest.raises(sysmon.ParseError):
        mod.parse_stat(b"1" * 5000 + b" (x) S 1")


@PARSERS
def test_status(mod: ModuleType) -> None:
    assert mod.parse_status(status_text()) == (*IDS, 1696, 1572, 8)


@PARSERS
def test_status_big_ids_and_no_trailing_newline(mod: ModuleType) -> None:
    data = status_text("4294967294\t0\t0\t0", "65534 65534 65534 65534").rstrip(b"\n")
    assert mod.parse_status(data)[:8] == (4294967294, 0, 0, 0, 65534, 65534, 65534, 65534)


@PARSERS
def test_status_thread_dir(mod: ModuleType) -> None:
    data = status_text().replace(b"Pid:\t4242", b"Pid:\t4250")
    assert mod.parse_status(data)[8:10] == (4242, 4250)


@PARSERS
@pytest.mark.parametrize(
    ("mem", "want"),
    [
        (MEM_USER, (1696, 1572, 8)),
        (b"", (-1, -1, -1)),  # a kernel thread (or zombie): no Vm*/Rss* lines
        (b"Kthread:\t1\n", (-1, -1, -1)),
        (MEM_OLD, (1696, -1, -1)),  # before Linux 4.5
        (b"VmRSS:\t       0 kB\nRssFile:\t       0 kB\nRssShmem:\t       0 kB\n", (0, 0, 0)),
        (b"VmRSS:\t9223372036854775807 kB\nRssFile:\t9223372036854775806 kB\n"
         b"RssShmem:\t9223372036854775805 kB\n", (I64, I64 - 1, I64 - 2)),
        (b"VmRSS:12 kB\nRssFile: \t 3\t \tkB\nRssShmem:\t007 kB \t\n", (12, 3, 7)),
        (b"RssShmem:\t5 kB\n", (-1, -1, 5)),
        (b"VmRSS:\t1 kB\nVmRSS:\t2 kB\n", (2, -1, -1)),  # repeated: the last one wins
        (b"VmRSS 12 kB\nRssFile\t3 kB\n", (-1, -1, -1)),  # no colon: not a key line
        (b"VmRSS :\t12 kB\nvmrss:\t3 kB\nRssFile2:\t4 kB\nRssAnon:\tx\n", (-1, -1, -1)),
    ],
    ids=["user", "kthread", "kthread-flag", "pre-4.5", "zero", "i64-max", "blanks",
         "shmem-only", "repeated", "no-colon", "other-keys"],
)
def test_status_memory(mod: ModuleType, mem: bytes, want: tuple[int, int, int]) -> None:
    assert mod.parse_status(status_text(mem=mem)) == (*IDS, *want)


# Malformed memory lines, each next to the same line made valid (and the slot
# of the tuple it then fills) to show the line does reach the parser.
BAD_MEM = [
    (b"VmRSS:\t  12", b"VmRSS:\t  12 kB", 10, 12),
    (b"VmRSS:\t12kB", b"VmRSS:\t12 kB", 10, 12),
    (b"VmRSS:\t12 kb", b"VmRSS:\t12 kB", 10, 12),
    (b"VmRSS:\t12 KB", b"VmRSS:\t12 kB", 10, 12),
    (b"VmRSS:\t12 k", b"VmRSS:\t12 kB", 10, 12),
    (b"VmRSS:\t12 kB\r", b"VmRSS:\t12 kB", 10, 12),
    (b"VmRSS:\t-1 kB", b"VmRSS:\t1 kB", 10, 1),
    (b"VmRSS:\t+1 kB", b"VmRSS:\t1 kB", 10, 1),
    (b"VmRSS:\t9223372036854775808 kB", b"VmRSS:\t9223372036854775807 kB", 10, I64),
    (b"VmRSS:\t18446744073709551616 kB", b"VmRSS:\t1844674407370955161 kB", 10,
     1844674407370955161),
    (b"RssFile:\t1 kB x", b"RssFile:\t1 kB ", 11, 1),
    (b"RssFile:\t0x10 kB", b"RssFile:\t10 kB", 11, 10),
    (b"RssShmem:\t1.5 kB", b"RssShmem:\t15 kB", 12, 15),
    (b"RssShmem:\t1 kB kB", b"RssShmem:\t1 kB", 12, 1),
    (b"VmRSS:\t kB", b"VmRSS:\t0 kB", 10, 0),
    (b"VmRSS:", b"VmRSS:0 kB", 10, 0),
]


@PARSERS
@pytest.mark.parametrize(("bad", "good", "slot", "value"), BAD_MEM,
                         ids=[repr(b[0])[2:-1] for b in BAD_MEM])
def test_status_memory_malformed(mod: ModuleType, bad: bytes, good: bytes, slot: int,
                                 value: int) -> None:
    """A bad memory line makes the whole status a ParseError, wherever it is."""
    assert mod.parse_status(status_text(mem=good + b"\n"))[slot] == value
    for mem in (bad + b"\n", MEM_USER + bad + b"\n", bad + b"\n" + MEM_USER):
        with pytest.raises(sysmon.ParseError):
            mod.parse_status(status_text(mem=mem))
    with pytest.raises(sysmon.ParseError):  # the last line, without a newline
        mod.parse_status(status_text(mem=b"").rstrip(b"\n") + b"\n" + bad)


@PARSERS
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Name:\tcat\n",
        b"VmRSS:\t12 kB\nRssFile:\t1 kB\nRssShmem:\t0 kB\n",  # memory but no ids
        status_text(uid="1000\t1001"),
        status_text(gid="x\t1\t2\t3"),
        status_text().replace(b"Gid:", b"Gids:"),
    ],
)
def test_status_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(sysmon.ParseError):
        mod.parse_status(data)


def _memory_of(pid: int) -> tuple[tuple[int, ...], list[int]]:
    """pid's status (parsed by both) and statm (by hand), read back to back."""
    with open(f"/proc/{pid}/status", "rb") as fs, open(f"/proc/{pid}/statm", "rb") as fm:
        status = fs.read()
        statm = fm.read()
    got = _native.parse_status(status)
    assert got == _pure.parse_status(status), status
    return got, [int(x) for x in statm.split()]


def test_live_files_agree() -> None:
    """Both parsers on every stat/status file of this machine; and an idle
    child's VmRSS, RssFile + RssShmem against its statm."""
    import os

    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        for fname, attr in (("stat", "parse_stat"), ("status", "parse_status")):
            try:
                with open(f"/proc/{pid}/{fname}", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            assert getattr(_native, attr)(data) == getattr(_pure, attr)(data), (pid, fname)
            n += 1
    assert n > 30

    # statm: pages; status: kB.  The subject is an idle child (this process
    # allocates as it reads, and under ASan its RSS moves by the page), and a
    # mismatch is still retried a few times.
    page = os.sysconf("SC_PAGE_SIZE")
    child = subprocess.Popen(["sleep", "60"])
    try:
        for _ in range(50):
            got, statm = _memory_of(child.pid)
            vm_rss, rss_file, rss_shmem = got[10:]
            if vm_rss > 0 and (vm_rss * 1024, (rss_file + rss_shmem) * 1024) == (
                    statm[1] * page, statm[2] * page):
                break
            time.sleep(0.05)  # still exec'ing, or faulting its pages in
    finally:
        child.kill()
        child.wait()
    assert vm_rss > 0 and rss_file >= 0 and rss_shmem >= 0, got
    assert vm_rss * 1024 == statm[1] * page, (got, statm)
    assert (rss_file + rss_shmem) * 1024 == statm[2] * page, (got, statm)
