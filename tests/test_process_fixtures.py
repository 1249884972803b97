"""Process table on fixture trees: exact values, both backends, C == Python.

The trees live in tests/fixtures/ (see its README).  For the hand-made trees
the expected values below are a table written from the fixture files; the
test derives records from it (unit conversions, passwd lookup, which fields a
broken file makes unavailable) and compares them with what each backend
returns.  The captured tree is checked with a small independent reading of
its files and with role facts from its MANIFEST.json.
"""

from __future__ import annotations

import errno
import json
import math
import os
import pickle
import shutil
import stat as stat_mod
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest

import sysmon
from sysmon.fields import FIELDS

try:
    from sysmon import _native
except ImportError:  # pragma: no cover - the C extension must be built for this suite
    _native = None
from sysmon import _pure

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AWKWARD = FIXTURES / "awkward"
BROKEN = FIXTURES / "broken"
CAPTURED = FIXTURES / "captured"

CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
U64 = (1 << 64) - 1

STAT, STATUS, STATM, CMDLINE = 1, 2, 4, 8
ALL = 15
GROUP_FILE = {STAT: "stat", STATUS: "status", STATM: "statm", CMDLINE: "cmdline"}

BACKENDS = ["c", "python"]

# C-vs-Python tests; with SYSMON_REQUIRE_NATIVE=1 (CI) a missing build fails them
requires_native = pytest.mark.skipif(
    _native is None and os.environ.get("SYSMON_REQUIRE_NATIVE") != "1",
    reason="C extension not built")


# ------------------------------------------------------------------ expected
class Fx(NamedTuple):
    """What one fixture process's files say (raw kernel units)."""

    name: str  # stat comm, decoded with surrogateescape (and cut to 64 bytes)
    state: str
    ppid: int
    pgrp: int
    session: int
    tty_nr: int
    tpgid: int
    minflt: int
    majflt: int
    utime: int
    stime: int
    priority: int
    nice: int
    threads: int
    start: int
    vsize: int
    rss: int  # stat field 24, pages
    cpu: int | None  # stat field 39, None when the line is shorter
    statm: tuple  # (size, resident, shared) pages
    cmdline: list
    uid: tuple = (0, 0, 0, 0)
    gid: tuple = (0, 0, 0, 0)


R4 = (0, 0, 0, 0)
SE = "surrogateescape"


def kt(name, state, ppid, stime, prio, nice, start, cpu):
    """A kernel thread: everything else is 0 / -1 / empty."""
    return Fx(name, state, ppid, 0, 0, 0, -1, 0, 0, 0, stime, prio, nice, 1, start, 0, 0,
              cpu, (0, 0, 0), [])


def tty_child(name, state, pid, minflt, start, rss, cpu, shared, cmdline):
    """The shape of awkward/ pids 101..109 (children of 100 on pts/0)."""
    return Fx(name, state, 100, pid, 100, 34816, pid, minflt, 0, 0, 0, 20, 0, 1, start,
              3133440, rss, cpu, (765, rss, shared), cmdline)


NAME19 = "k" * 30 + "/" + "0123456789" * 3 + "-ta"  # 67-byte comm cut to 64

AWKWARD_TABLE: dict[int, Fx] = {
    1: Fx("systemd", "S", 0, 1, 1, 0, -1, 52311, 121, 310, 452, 20, 0, 1, 12, 23052288,
          3285, 1, (5628, 3285, 2201), ["/sbin/init", "splash"]),
    2: kt("kthreadd", "S", 0, 3, 20, 0, 12, 0),
    12: kt("kworker/u8:3-events_unbound", "I", 2, 21, 20, 0, 30, 1),
    16: kt("rcu_exp_par_gp_kthread_worker/0", "S", 2, 0, 20, 0, 30, 0),
    17: kt("kworker/1:2H-" + "x" * 50, "I", 2, 0, 0, -20, 31, 1),
    18: kt("migration/0", "S", 2, 5, -100, 0, 31, 0),
    19: kt(NAME19, "S", 2, 0, 20, 0, 32, 1),
    100: Fx("a) (b", "S", 1, 100, 100, 34816, 100, 1520, 3, 12, 5, 20, 0, 1, 4521, 10035200,
            812, 0, (2450, 812, 590), ["/usr/bin/python3", "-c", "print('a) (b')"]),
    101: Fx("x) S 1 2", "R", 100, 101, 100, 34816, 101, 87, 0, 1, 0, 20, 0, 1, 4530, 3133440,
            354, 1, (765, 354, 310), ["./x) S 1 2"]),
    102: tty_child("new\nline", "S", 102, 90, 4531, 355, 0, 311, ["/tmp/new\nline"]),
    103: tty_child("\x1b[31mred", "S", 103, 91, 4532, 356, 1, 312,
                   ["/tmp/\x1b[31mred", "--color=\x1b[0m"]),
    104: tty_child("\u202eevil", "S", 104, 92, 4533, 357, 0, 313, ["/tmp/\u202egpj.exe"]),
    105: tty_child(b"bad\xff\xfe".decode("utf-8", SE), "S", 105, 93, 4534, 358, 1, 314,
                   [b"/tmp/bad\xff\xfe".decode("utf-8", SE), b"\xc3".decode("utf-8", SE)]),
    106: tty_child("", "S", 106, 94, 4535, 359, 0, 315, [""]),
    107: tty_child(")", "S", 107, 95, 4536, 360, 1, 316, [")"]),
    108: tty_child("(", "S", 108, 96, 4537, 361, 0, 317, ["("]),
    109: tty_child(") ) )", "D", 109, 97, 4538, 362, 1, 318, [") ) )"]),
    110: Fx("jackd", "S", 1, 110, 110, 0, -1, 3021, 12, 4410, 1388, -100, 0, 4, 5012,
            187695104, 2711, 1, (45824, 2711, 1980), ["/usr/bin/jackd", "-R", "-P99", "-dalsa"]),
    111: Fx("irq-helper", "S", 1, 111, 111, 0, -1, 211, 0, 3, 9, -2, 0, 1, 5013, 9211904, 402,
            0, (2249, 402, 377), ["/usr/libexec/irq-helper"]),
    112: Fx("Xorg", "S", 1, 112, 112, 1031, 112, 98012, 531, 72211, 31022, 0, -20, 3, 5100,
            412872704, 21044, 1, (100799, 21044, 14321),
            ["/usr/lib/xorg/Xorg", ":0", "-nolisten", "tcp", "vt1"]),
    113: Fx("tracker-miner-f", "S", 1, 113, 113, 0, -1, 9021, 88, 711, 230, 39, 19, 5, 5200,
            712200192, 6012, 0, (173877, 6012, 4021), ["/usr/libexec/tracker-miner-fs-3"]),
    120: Fx("hog", "R", 1, 120, 120, 0, -1, U64, 1 << 32, U64, 1 << 63, 20, 0, 3, (1 << 63) - 1,
            U64, 1 << 40, 1, (U64 // 4096, 1 << 40, 5), ["./hog", "--forever"]),
    121: Fx("late", "S", 1, 121, 121, 0, -1, 1, 0, 0, 0, 20, 0, 1, U64, 3133440, 100, 0,
            (765, 100, 90), ["late"]),
    130: Fx("oldkern", "S", 1, 130, 130, 0, -1, 10, 0, 7, 3, 15, 0, 1, 500, 2174976, 123, None,
            (531, 123, 100), ["/sbin/oldkern"]),
    131: Fx("minimal", "S", 1, 131, 131, 0, -1, 11, 0, 8, 4, 20, 0, 1, 501, 2174976, 124, None,
            (531, 124, 101), ["/sbin/minimal"]),
    132: Fx("ends-at-cpu", "S", 1, 132, 132, 0, -1, 12, 0, 9, 5, 20, 0, 1, 502, 2174976, 125,
            3, (531, 125, 102), ["/sbin/ends-at-cpu"]),
    133: Fx("future", "S", 1, 133, 133, 0, -1, 13, 0, 10, 6, 20, 0, 1, 503, 2174976, 126, 2,
            (531, 126, 103), ["/sbin/future"]),
    140: Fx("defunct-child", "Z", 100, 100, 100, 34816, 100, 222, 0, 0, 0, 20, 0, 1, 6000, 0, 0,
            0, (0, 0, 0), []),
    150: Fx("worker-pool", "S", 1, 150, 150, 0, -1, 1200, 2, 50, 20, 20, 0, 2, 7000, 92000256,
            1500, 1, (22461, 1500, 1200), ["/usr/bin/worker-pool", "--threads=2"]),
    160: Fx("prog", "S", 1, 160, 160, 0, -1, 100, 0, 1, 1, 20, 0, 1, 8000, 3133440, 200, 0,
            (765, 200, 150), ["prog", "", "arg", "", "last"]),
    161: Fx("sh", "S", 1, 161, 161, 0, -1, 101, 0, 1, 1, 20, 0, 1, 8001, 3133440, 201, 1,
            (765, 201, 151), ["/bin/sh", "-c", "echo 'hello world'  two  spaces "]),
    162: Fx("trailing", "S", 1, 162, 162, 0, -1, 102, 0, 1, 1, 20, 0, 1, 8002, 3133440, 202, 0,
            (765, 202, 152), ["trailing", "two", ""]),
    170: Fx("suid-tool", "S", 1, 170, 170, 0, -1, 103, 0, 1, 1, 20, 0, 1, 8100, 3133440, 203, 1,
            (765, 203, 153), ["/usr/local/bin/suid-tool"],
            uid=(4242, 0, 0, 0), gid=(4242,) * 4),
    171: Fx("bash", "S", 1, 171, 171, 34817, 171, 104, 0, 1, 1, 20, 0, 1, 8101, 3133440, 204, 0,
            (765, 204, 154), ["-bash"], uid=(1000,) * 4, gid=(1000, 100, 100, 100)),
    172: Fx("postgres", "S", 1, 172, 172, 0, -1, 105, 0, 1, 1, 20, 0, 1, 8102, 3133440, 205, 1,
            (765, 205, 155), ["postgres: checkpointer "], uid=(101,) * 4, gid=(104,) * 4),
    173: Fx("nfsd-helper", "S", 1, 173, 173, 0, -1, 106, 0, 1, 1, 20, 0, 1, 8103, 3133440, 206,
            0, (765, 206, 156), ["nfsd-helper"], uid=(65534,) * 4, gid=(65534,) * 4),
    174: Fx("overflowuid", "S", 1, 174, 174, 0, -1, 107, 0, 1, 1, 20, 0, 1, 8104, 3133440, 207,
            1, (765, 207, 157), ["overflowuid"], uid=(4294967294,) * 4, gid=(4294967294,) * 4),
}
# pid 151 is a thread of 150 (status Tgid 150): present only when status is not read.
AWKWARD_THREAD = Fx("worker-pool", "S", 1, 150, 150, 0, -1, 300, 0, 25, 10, 20, 0, 2, 7001,
                    92000256, 1500, 0, (22461, 1500, 1200),
                    ["/usr/bin/worker-pool", "--threads=2"])


def bk(pid, comm, start):
    """The shape of every broken/ process (before its one defect)."""
    return Fx(comm, "S", 1, pid, pid, 0, -1, 50, 0, 2, 1, 20, 0, 1, start, 3133440, 300, 0,
              (765, 300, 200), [comm, "--flag"])


BROKEN_TABLE: dict[int, Fx] = {
    1: Fx("init", "S", 0, 1, 1, 0, -1, 5000, 20, 100, 50, 20, 0, 1, 10, 23052288, 3000, 0,
          (5628, 3000, 2000), ["/sbin/init"]),
    200: bk(200, "trunc", 2000),
    201: bk(201, "badppid", 2010),
    202: bk(202, "noclose", 2020),
    203: bk(203, "short23", 2030),
    204: bk(204, "emptystat", 2040),
    205: bk(205, "nostatm", 2050),
    206: bk(206, "badstatus", 2060),
    207: bk(207, "badstatm", 2070),
    208: bk(208, "u64overflow", 2080),
    209: bk(209, "negunsigned", 2090),
    210: bk(210, "i64overflow", 2100),
    211: bk(211, "healthy", 2110),
}
# which file of each broken process is malformed (its group's fields are None)
BROKEN_BAD = {200: STAT, 201: STAT, 202: STAT, 203: STAT, 204: STAT, 206: STATUS, 207: STATM,
              208: STAT, 209: STAT, 210: STAT}
BROKEN_NOSTATM = 205  # statm missing (ENOENT): vanished, skipped whenever statm is read

FIXTURE_PASSWD = {0: "root", 1: "daemon", 1000: "alice", 65534: "nobody"}
FIXTURE_BTIME = 1700000000


@dataclass
class Tree:
    root: Path
    btime: int
    passwd: dict
    procs: dict  # pid -> Fx of the processes a full scan returns
    bad: dict = field(default_factory=dict)  # pid -> group bits that are malformed
    threads: dict = field(default_factory=dict)  # tid -> Fx: dropped when status is read
    nostatm: dict = field(default_factory=dict)  # pid -> Fx: dropped when statm is read

    def expected_pids(self, mask: int) -> list[int]:
        pids = set(self.procs)
        if not mask & STATUS:
            pids |= set(self.threads)
        if not mask & STATM:
            pids |= set(self.nostatm)
        return sorted(pids)

    def fx(self, pid):
        return self.procs.get(pid) or self.threads.get(pid) or self.nostatm[pid]


def _group_bits(name: str) -> int:
    """Per-pid file groups the registry says a field needs."""
    f = FIELDS[name]
    g = getattr(f, "files", f.group)
    if isinstance(g, str):
        return {"stat": STAT, "status": STATUS, "statm": STATM, "cmdline": CMDLINE,
                "none": 0}[g]
    return int(g)


def _value(name: str, pid: int, x: Fx, tree: Tree):
    """Field `name` derived from the fixture's values as the contract says."""
    g = _group_bits(name)
    if name == "rss":  # stat field 24 or statm resident, whichever the registry names
        return (x.rss if g == STAT else x.statm[1]) * PAGE
    if name == "vms":
        return x.vsize if g == STAT else x.statm[0] * PAGE
    table = {
        "pid": pid, "ppid": x.ppid, "name": x.name, "cmdline": x.cmdline, "state": x.state,
        "uid": x.uid[0], "euid": x.uid[1], "gid": x.gid[0], "egid": x.gid[1],
        "username": tree.passwd.get(x.uid[0], str(x.uid[0])),
        "num_threads": x.threads, "create_time": tree.btime + x.start / CLK,
        "start_ticks": x.start, "cpu_user": x.utime / CLK, "cpu_system": x.stime / CLK,
        "cpu_time": (x.utime + x.stime) / CLK,
        "shared": x.statm[2] * PAGE, "nice": x.nice, "priority": x.priority,
        "tty_nr": x.tty_nr, "cpu_num": x.cpu, "minor_faults": x.minflt,
        "major_faults": x.majflt, "pgrp": x.pgrp, "session": x.session, "tpgid": x.tpgid,
    }
    return table[name]


def expected(tree: Tree, fields=None, mask=None, unavailable=None) -> list[dict]:
    """Expected records (as dicts), sorted by pid.

    fields: requested names (None = all); unavailable: pid -> group bits whose
    file could not be read (on top of tree.bad).
    """
    names = sysmon.ProcessInfo._fields
    req = set(names) if fields is None else set(fields) | {"pid"}
    if mask is None:
        mask = 0
        for n in req:
            mask |= _group_bits(n)
    out = []
    for pid in tree.expected_pids(mask):
        x = tree.fx(pid)
        bad = tree.bad.get(pid, 0) | (unavailable or {}).get(pid, 0)
        rec = {}
        for n in names:
            if n not in req or _group_bits(n) & bad:
                rec[n] = None
            else:
                rec[n] = _value(n, pid, x, tree)
        out.append(rec)
    return out


def assert_same_value(got, want, where):
    if isinstance(want, float):
        assert isinstance(got, float), (where, got, want)
        assert math.isclose(got, want, rel_tol=1e-12), (where, got, want)
    else:
        assert type(got) is type(want), (where, type(got), got, want)
        assert got == want, (where, got, want)


def assert_records(got: list, want: list[dict]):
    got_pids = [r.pid for r in got]
    want_pids = [w["pid"] for w in want]
    assert got_pids == want_pids
    for r, w in zip(got, want):
        assert list(r._fields) == list(w), r._fields
        for k, v in w.items():
            assert_same_value(getattr(r, k), v, (r.pid, k))


# ------------------------------------------------------------- captured tree
def _read_passwd(path: Path) -> dict:
    names: dict = {}
    for line in path.read_bytes().split(b"\n"):
        parts = line.split(b":")
        if len(parts) >= 3 and parts[0] and parts[2].isdigit():
            names.setdefault(int(parts[2]), parts[0].decode("utf-8", SE))
    return names


def _btime(root: Path) -> int:
    for line in (root / "proc" / "stat").read_bytes().splitlines():
        if line.startswith(b"btime "):
            return int(line.split()[1])
    raise AssertionError("no btime")


def _naive_fx(d: Path) -> Fx:
    """An independent, simple reading of a well-formed real process directory."""
    st = d.joinpath("stat").read_bytes()
    comm = st[st.index(b"(") + 1: st.rindex(b")")]
    f = st[st.rindex(b")") + 2:].split()
    n = [int(v) for v in f[1:]]  # n[0] is field 4

    def fld(k):
        return n[k - 4]

    status = {}
    for line in d.joinpath("status").read_bytes().splitlines():
        k, _, v = line.partition(b":")
        status[k] = v.split()
    sm = [int(v) for v in d.joinpath("statm").read_bytes().split()]
    raw = d.joinpath("cmdline").read_bytes()
    cmd = raw[:-1] if raw.endswith(b"\0") else raw
    return Fx(
        comm[:64].decode("utf-8", SE), f[0].decode(), fld(4), fld(5), fld(6), fld(7), fld(8),
        fld(10), fld(12), fld(14), fld(15), fld(18), fld(19), fld(20), fld(22), fld(23),
        fld(24), fld(39) if len(f) + 2 >= 39 else None, tuple(sm[:3]),
        [a.decode("utf-8", SE) for a in cmd.split(b"\0")] if raw else [],
        uid=tuple(int(v) for v in status[b"Uid"]), gid=tuple(int(v) for v in status[b"Gid"]),
    )


def _captured_tree() -> Tree:
    man = json.loads((CAPTURED / "MANIFEST.json").read_text())
    procs, threads = {}, {}
    for d in (CAPTURED / "proc").iterdir():
        if not d.name.isdigit():
            continue
        tgid = pid = None
        for line in d.joinpath("status").read_bytes().splitlines():
            if line.startswith(b"Tgid:"):
                tgid = int(line.split()[1])
            elif line.startswith(b"Pid:"):
                pid = int(line.split()[1])
        (procs if tgid == pid else threads)[int(d.name)] = _naive_fx(d)
    assert set(threads) == {man["roles"]["thread"]}
    return Tree(CAPTURED, _btime(CAPTURED), _read_passwd(CAPTURED / "etc" / "passwd"),
                procs, threads=threads)


AWK = Tree(AWKWARD, FIXTURE_BTIME, FIXTURE_PASSWD, AWKWARD_TABLE, threads={151: AWKWARD_THREAD})
BRK = Tree(BROKEN, FIXTURE_BTIME, FIXTURE_PASSWD,
           {p: x for p, x in BROKEN_TABLE.items() if p != BROKEN_NOSTATM},
           bad=BROKEN_BAD, nostatm={BROKEN_NOSTATM: BROKEN_TABLE[BROKEN_NOSTATM]})
CAP = _captured_tree()
TREES = {"awkward": AWK, "broken": BRK, "captured": CAP}


# ------------------------------------------------------------------ fixtures
# `backend` (parametrized "c" / "python") comes from tests/conftest.py


@pytest.fixture(params=sorted(TREES))
def tree(request) -> Tree:
    return TREES[request.param]


def child_env() -> dict:
    """Environment for a child python: finds this checkout's sysmon."""
    env = dict(os.environ)
    pkg_parent = str(Path(sysmon.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("SYSMON_BACKEND", None)
    return env


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


# ====================================================== whole-table records
def test_fixture_self_consistency():
    """The tables above really describe the files (spot checks that would
    catch a table edited without the files, or the other way round)."""
    for tr in (AWK, BRK):
        for pid in list(tr.procs) + list(tr.threads) + list(tr.nostatm):
            d = tr.root / "proc" / str(pid)
            assert d.is_dir(), d
            x = tr.fx(pid)
            if not tr.bad.get(pid, 0) & STATM and pid != BROKEN_NOSTATM:
                assert tuple(int(v) for v in (d / "statm").read_bytes().split()[:3]) == x.statm
            if not tr.bad.get(pid, 0) & STAT:
                assert (d / "stat").read_bytes().startswith(b"%d (" % pid)
    # every numeric directory of the hand-made trees is in a table
    for tr in (AWK, BRK):
        nums = {int(p.name) for p in (tr.root / "proc").iterdir()
                if p.name.isdigit() and p.name[0] != "0"}
        assert nums == set(tr.procs) | set(tr.threads) | set(tr.nostatm)


def test_processes_exact(tree, backend):
    got = sysmon.processes(root=str(tree.root))
    assert_records(got, expected(tree))


def test_processes_root_pathlike(backend):
    assert sysmon.processes(root=AWKWARD) == sysmon.processes(root=str(AWKWARD))


def test_processes_env_root(backend, monkeypatch):
    monkeypatch.setenv("SYSMON_ROOT", str(AWKWARD))
    assert_records(sysmon.processes(), expected(AWK))


@requires_native
def test_backends_equal(tree):
    prev = sysmon.backend()
    try:
        sysmon.set_backend("c")
        c = sysmon.processes(root=str(tree.root))
        sysmon.set_backend("python")
        p = sysmon.processes(root=str(tree.root))
    finally:
        sysmon.set_backend(prev)
    assert sorted(c) == sorted(p)  # identical records (NamedTuple ==, incl. floats)
    assert [r.pid for r in c] == sorted(r.pid for r in c)


FIELD_SUBSETS = [
    ("name",), ("cmdline",), ("username",), ("uid", "gid"), ("shared",), ("rss", "vms"),
    ("create_time", "cpu_num"), ("name", "cmdline", "shared"), ("pid",),
    ("state", "euid", "egid", "shared", "cmdline"),
]


@pytest.mark.parametrize("fields", FIELD_SUBSETS, ids=",".join)
def test_processes_fields_subset(tree, backend, fields):
    got = sysmon.processes(fields=fields, root=str(tree.root))
    assert_records(got, expected(tree, fields=fields))


# ============================================================ awkward cases
def _by_pid(recs):
    return {r.pid: r for r in recs}


def test_awkward_specifics(backend):
    """The awkward cases, spelled out (also covered by the table)."""
    recs = _by_pid(sysmon.processes(root=str(AWKWARD)))
    # names: first '(' to LAST ')'
    assert recs[100].name == "a) (b"
    assert (recs[101].name, recs[101].state, recs[101].ppid) == ("x) S 1 2", "R", 100)
    assert recs[102].name == "new\nline"
    assert recs[103].name == "\x1b[31mred"
    assert recs[104].name.encode() == b"\xe2\x80\xaeevil"
    assert recs[105].name.encode("utf-8", SE) == b"bad\xff\xfe"
    assert recs[106].name == ""
    assert (recs[107].name, recs[108].name, recs[109].name) == (")", "(", ") ) )")
    # kernel threads: long names, empty cmdline, ppid 2
    assert recs[12].name == "kworker/u8:3-events_unbound"
    assert len(recs[17].name) == 63
    assert recs[19].name.encode() == (b"k" * 30 + b"/" + b"0123456789" * 3 + b"-tail-")[:64]
    for pid in (12, 16, 17, 18, 19):
        assert recs[pid].cmdline == [] and recs[pid].ppid == 2
    # signed / unsigned extremes
    assert (recs[110].priority, recs[110].tpgid) == (-100, -1)
    assert recs[111].priority == -2
    assert (recs[112].nice, recs[113].nice) == (-20, 19)
    assert recs[120].minor_faults == U64 and recs[120].vms == U64
    assert recs[120].cpu_user == U64 / CLK
    assert recs[120].start_ticks == (1 << 63) - 1
    assert recs[121].start_ticks == U64
    # kernel generations
    assert recs[130].cpu_num is None and recs[131].cpu_num is None
    assert recs[132].cpu_num == 3 and recs[133].cpu_num == 2
    # zombie
    assert (recs[140].state, recs[140].cmdline, recs[140].rss, recs[140].shared) == (
        "Z", [], 0, 0)
    # thread dir skipped, non-pid entries ignored
    assert 151 not in recs
    assert set(recs).isdisjoint({0, 5, 123})
    # cmdlines
    assert recs[160].cmdline == ["prog", "", "arg", "", "last"]
    assert recs[161].cmdline[2] == "echo 'hello world'  two  spaces "
    assert recs[162].cmdline == ["trailing", "two", ""]
    assert recs[106].cmdline == [""]
    # users come from <root>/etc/passwd, never from the host
    assert recs[170].username == "4242" and recs[170].euid == 0
    assert recs[171].username == "alice" and recs[171].egid == 100
    assert recs[172].username == "101"
    assert recs[173].username == "nobody"
    assert recs[174].username == "4294967294"


def test_broken_specifics(backend):
    recs = _by_pid(sysmon.processes(root=str(BROKEN)))
    for pid in (200, 201, 202, 203, 204, 208, 209, 210):
        r = recs[pid]
        assert (r.name, r.state, r.ppid, r.start_ticks, r.cpu_num) == (None,) * 5, pid
        assert r.uid == 0 and r.username == "root" and r.cmdline[1] == "--flag", pid
    assert recs[206].uid is None and recs[206].username is None and recs[206].name == "badstatus"
    # rss and shared both come from statm: a malformed statm blanks both, vms stays
    assert recs[207].shared is None and recs[207].rss is None and recs[207].vms is not None
    assert BROKEN_NOSTATM not in recs
    assert recs[211].name == "healthy"
    # without statm the vanished-looking process is there
    assert BROKEN_NOSTATM in _by_pid(sysmon.processes(fields=["name"], root=str(BROKEN)))


# =================================================================== raw scan
RAW_ERR = (1, 2, 3, 4)  # sysmon._raw: err slot index of stat, status, statm, cmdline


def _scan(mod, root: Path, mask: int):
    return sorted(mod.scan_raw(str(root / "proc"), mask), key=lambda r: r[0])


@requires_native
@pytest.mark.parametrize("mask", range(1, 16))
def test_scan_raw_equal(tree, mask):
    c = _scan(_native, tree.root, mask)
    p = _scan(_pure, tree.root, mask)
    assert c == p
    assert [r[0] for r in c] == tree.expected_pids(mask)
    for r in c:
        for bit, idx in zip((STAT, STATUS, STATM, CMDLINE), RAW_ERR):
            if not mask & bit:
                assert r[idx] == errno.ENODATA, (r[0], bit)
            elif tree.bad.get(r[0], 0) & bit:
                assert r[idx] == errno.EINVAL, (r[0], bit)
            else:
                assert r[idx] == 0, (r[0], bit)


@pytest.mark.parametrize("mod", ["c", "python"])
def test_scan_raw_missing_root(mod, tmp_path):
    m = _native if mod == "c" else _pure
    if m is None and os.environ.get("SYSMON_REQUIRE_NATIVE") != "1":
        pytest.skip("C extension not built")
    with pytest.raises(sysmon.SysmonError):
        m.scan_raw(str(tmp_path / "nope" / "proc"), ALL)
    with pytest.raises(sysmon.SysmonError):
        sysmon.processes(root=str(tmp_path / "nope"))


@requires_native
@pytest.mark.parametrize("mode", ["awkward", "broken", "captured"])
def test_parsers_agree_on_fixture_files(mode):
    """Both parsers on every stat/status/statm file of every tree."""
    root = TREES[mode].root / "proc"
    for d in root.iterdir():
        if not d.is_dir() or d.is_symlink():
            continue
        for fname, fn in (("stat", "parse_stat"), ("status", "parse_status"),
                          ("statm", "parse_statm")):
            f = d / fname
            if not f.is_file():
                continue
            data = f.read_bytes()
            results = []
            for m in (_native, _pure):
                try:
                    results.append(("ok", getattr(m, fn)(data)))
                except sysmon.ParseError:
                    results.append(("ParseError", None))
            assert results[0] == results[1], (str(f), results)


# ================================================ nothing unrequested is read
@pytest.mark.parametrize("group", [STAT, STATUS, STATM, CMDLINE], ids=GROUP_FILE.get)
def test_unrequested_file_is_not_read(backend, tmp_path, group):
    """Replace pid 1's file of one group by a directory (read -> EISDIR).

    Scans that do not ask for that group must be unaffected; scans that do
    keep the row with that group's fields None."""
    root = copy_tree(AWKWARD, tmp_path / "t")
    f = root / "proc" / "1" / GROUP_FILE[group]
    f.unlink()
    f.mkdir()
    mod = _native if backend == "c" else _pure
    for mask in range(1, 16):
        got = _scan(mod, root, mask)
        ref = _scan(mod, AWKWARD, mask)
        if not mask & group:
            assert got == ref, mask
        else:
            assert [r[0] for r in got] == [r[0] for r in ref]
            row = next(r for r in got if r[0] == 1)
            assert row[RAW_ERR[[STAT, STATUS, STATM, CMDLINE].index(group)]] == errno.EISDIR
    others = [n for n in sysmon.ProcessInfo._fields if not _group_bits(n) & group]
    assert_records(sysmon.processes(fields=others, root=str(root)), expected(AWK, fields=others))
    assert_records(sysmon.processes(root=str(root)),
                   expected(AWK, unavailable={1: group}))


FIFO_CHILD = textwrap.dedent("""
    import pickle, sys
    import sysmon
    from sysmon import _pure
    backend, proc, mask = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if backend == "c":
        from sysmon import _native as mod
    else:
        mod = _pure
    rows = sorted(mod.scan_raw(proc, mask), key=lambda r: r[0])
    sys.stdout.buffer.write(pickle.dumps(rows))
""")


@pytest.mark.parametrize("group", [STAT, STATUS, STATM, CMDLINE], ids=GROUP_FILE.get)
def test_unrequested_fifo_is_not_opened(backend, tmp_path, group):
    """A FIFO with no writer blocks open(2): a scan that does not need that
    file must finish (in a child, with a timeout) and equal the plain tree's."""
    root = copy_tree(AWKWARD, tmp_path / "t")
    f = root / "proc" / "100" / GROUP_FILE[group]
    f.unlink()
    os.mkfifo(f)
    for mask in (ALL & ~group, STAT if group != STAT else STATUS):
        try:
            out = subprocess.run(
                [sys.executable, "-c", FIFO_CHILD, backend, str(root / "proc"), str(mask)],
                capture_output=True, timeout=60, check=True, env=child_env())
        except subprocess.TimeoutExpired:
            pytest.fail(f"scan with mask {mask:#x} opened {GROUP_FILE[group]} (a FIFO)")
        assert pickle.loads(out.stdout) == _scan(_pure, AWKWARD, mask)


# ============================================================ huge cmdlines
def test_huge_cmdline(backend, tmp_path):
    root = copy_tree(AWKWARD, tmp_path / "t")
    many = [f"arg{i:07d}" * 4 for i in range(4 * 1024 * 1024 // 40)]  # ~4 MiB of args
    one = "x" * (4 * 1024 * 1024)  # one 4 MiB argument
    (root / "proc" / "100" / "cmdline").write_bytes("\0".join(many).encode() + b"\0")
    (root / "proc" / "101" / "cmdline").write_bytes(b"/bin/huge\0" + one.encode())
    assert (root / "proc" / "100" / "cmdline").stat().st_size > 4 * 1024 * 1024
    recs = _by_pid(sysmon.processes(root=str(root)))
    assert recs[100].cmdline == many
    assert recs[101].cmdline == ["/bin/huge", one]
    assert recs[1].cmdline == ["/sbin/init", "splash"]
    with sysmon.Process(101, root=str(root)) as p:
        assert p.cmdline() == ["/bin/huge", one]
    # and a normal scan after the big one still works (buffers reused)
    assert_records(sysmon.processes(root=str(AWKWARD)), expected(AWK))


@requires_native
def test_huge_cmdline_raw_equal(tmp_path):
    root = copy_tree(AWKWARD, tmp_path / "t")
    for pid in (1, 100, 140):
        (root / "proc" / str(pid) / "cmdline").write_bytes(
            b"\0".join(b"%d-%06d" % (pid, i) for i in range(400_000)) + b"\0")
    for mask in (CMDLINE, ALL):
        assert _scan(_native, root, mask) == _scan(_pure, root, mask)


# ============================================================ access denied
DENIED_CHILD = textwrap.dedent("""
    import os, pickle, sys
    import sysmon
    from sysmon import _pure
    try:
        from sysmon import _native
    except ImportError:
        _native = None
    backend, root, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sysmon.set_backend(backend)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    assert os.getuid() == 65534 and os.geteuid() == 65534
    out = {"records": sysmon.processes(root=root)}
    p = sysmon.Process(pid, root=root)
    out["name"] = p.name()
    for meth in ("uid", "username", "info"):
        try:
            getattr(p, meth)()
            out[meth] = "no error"
        except sysmon.AccessDenied as e:
            out[meth] = ("AccessDenied", e.pid, e.path)
    out["info_name"] = p.info(["name", "cmdline"])
    sys.stdout.buffer.write(pickle.dumps(out))
""")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_access_denied_as_nobody(backend):
    """status of pid 171 is mode 000: as nobody the row stays, uid/gid/username
    are None, everything else is there; Process(171).uid() is AccessDenied."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-denied-"))
    try:
        os.chmod(base, 0o755)
        root = copy_tree(AWKWARD, base / "root")
        for dirpath, _dirnames, filenames in os.walk(root):
            os.chmod(dirpath, 0o755)
            for fn in filenames:
                if not os.path.islink(os.path.join(dirpath, fn)):
                    os.chmod(os.path.join(dirpath, fn), 0o644)
        denied = root / "proc" / "171" / "status"
        os.chmod(denied, 0)
        assert stat_mod.S_IMODE(denied.stat().st_mode) == 0
        # also deny the thread's status: unreadable status means "not known to
        # be a thread", so the row is kept
        os.chmod(root / "proc" / "151" / "status", 0)
        res = subprocess.run(
            [sys.executable, "-c", DENIED_CHILD, backend, str(root), "171"],
            capture_output=True, timeout=120, cwd="/", env=child_env())
        assert res.returncode == 0, res.stderr.decode(errors="replace")
        out = pickle.loads(res.stdout)
    finally:
        shutil.rmtree(base)
    want = expected(AWK, mask=ALL, unavailable={171: STATUS, 151: STATUS})
    # pid 151's status is unreadable, so it cannot be recognised as a thread
    want_151 = {n: None if _group_bits(n) & STATUS else _value(n, 151, AWKWARD_THREAD, AWK)
                for n in sysmon.ProcessInfo._fields}
    want = sorted([*want, want_151], key=lambda w: w["pid"])
    assert_records(out["records"], want)
    r171 = _by_pid(out["records"])[171]
    assert (r171.uid, r171.euid, r171.gid, r171.egid, r171.username) == (None,) * 5
    assert r171.name == "bash" and r171.cmdline == ["-bash"] and r171.shared == 154 * PAGE
    assert out["name"] == "bash"
    for meth in ("uid", "username", "info"):
        kind, pid, path = out[meth]
        assert (kind, pid) == ("AccessDenied", 171), meth
        assert str(path).endswith("/proc/171/status"), path
    assert (out["info_name"].name, out["info_name"].cmdline) == ("bash", ["-bash"])


# ============================================================ Process handle
def _process_pids(tree):
    return sorted(tree.procs)


@pytest.mark.parametrize("which", ["awkward", "captured"])
def test_process_handle_values(backend, which):
    tr = TREES[which]
    want = {w["pid"]: w for w in expected(tr)}
    for pid in _process_pids(tr):
        with sysmon.Process(pid, root=str(tr.root)) as p:
            assert p.pid == pid
            info = p.info()
            assert_records([info], [want[pid]])
            for name in sysmon.ProcessInfo._fields:
                if name == "pid":
                    continue
                attr = getattr(p, name)
                # the contract asks for one method per field; start_ticks is
                # also acceptable as a read-only property (identity)
                got = attr() if callable(attr) else attr
                assert_same_value(got, want[pid][name], (pid, name))
            sub = p.info(["name", "shared"])
            assert (sub.name, sub.shared, sub.uid) == (want[pid]["name"], want[pid]["shared"],
                                                        None)


def recs_vms_207() -> int:
    """vsize (stat field 23) of pid 207, read from the fixture itself."""
    data = (BROKEN / "proc" / "207" / "stat").read_bytes()
    return int(data[data.rindex(b")") + 2 :].split()[20])


def test_process_handle_broken(backend):
    want = {w["pid"]: w for w in expected(BRK)}
    for pid in (1, 211):
        with sysmon.Process(pid, root=str(BROKEN)) as p:
            assert_records([p.info()], [want[pid]])
    # malformed status / statm: those fields raise ParseError naming the file
    with sysmon.Process(206, root=str(BROKEN)) as p:
        assert p.name() == "badstatus"
        with pytest.raises(sysmon.ParseError) as ei:
            p.uid()
        assert str(ei.value.path).endswith("broken/proc/206/status"), ei.value.path
    with sysmon.Process(207, root=str(BROKEN)) as p:
        assert p.vms() == recs_vms_207()
        with pytest.raises(sysmon.ParseError):
            p.rss()
        with pytest.raises(sysmon.ParseError) as ei:
            p.shared()
        assert str(ei.value.path).endswith("broken/proc/207/statm"), ei.value.path
    # missing statm: the process vanished
    with sysmon.Process(BROKEN_NOSTATM, root=str(BROKEN)) as p, \
            pytest.raises(sysmon.NoSuchProcess):
        p.info()


@pytest.mark.parametrize("pid", [200, 201, 202, 203, 204, 208, 209, 210])
def test_process_parse_error(backend, pid):
    def open_and_read():
        # the handle reads stat (start time) when made, so either step may raise
        with sysmon.Process(pid, root=str(BROKEN)) as p:
            p.name()

    with pytest.raises(sysmon.ParseError) as ei:
        open_and_read()
    e = ei.value
    assert str(e.path) == os.path.join(str(BROKEN), "proc", str(pid), "stat"), e.path
    assert isinstance(e, sysmon.SysmonError)
    assert pickle.loads(pickle.dumps(e)).path == e.path


@pytest.mark.parametrize("pid", [99999, 123, 5, 151 + 10_000])
def test_process_missing(backend, pid):
    with pytest.raises(sysmon.NoSuchProcess) as ei:
        sysmon.Process(pid, root=str(AWKWARD))
    assert ei.value.pid == pid


def test_process_vanishes(backend, tmp_path):
    root = copy_tree(AWKWARD, tmp_path / "t")
    p = sysmon.Process(100, root=str(root))
    assert p.name() == "a) (b"
    for f in ("stat", "status", "statm", "cmdline"):
        (root / "proc" / "100" / f).unlink()
    with pytest.raises(sysmon.NoSuchProcess):
        p.name()
    p.close()


def test_process_pid_reuse(backend, tmp_path):
    """Same pid, different start time: the handle must refuse."""
    root = copy_tree(AWKWARD, tmp_path / "t")
    p = sysmon.Process(160, root=str(root))
    st = root / "proc" / "160" / "stat"
    st.write_bytes(st.read_bytes().replace(b" 8000 3133440 ", b" 9000 3133440 "))
    with pytest.raises(sysmon.NoSuchProcess):
        p.name()
    p.close()


# ============================================================ captured roles
def test_captured_roles(backend):
    man = json.loads((CAPTURED / "MANIFEST.json").read_text())
    roles = man["roles"]
    recs = _by_pid(sysmon.processes(root=str(CAPTURED)))
    assert roles["thread"] not in recs
    assert set(recs) == {v for k, v in roles.items() if k != "thread"}
    z = recs[roles["zombie"]]
    assert (z.state, z.cmdline, z.rss, z.vms) == ("Z", [], 0, 0)
    assert z.ppid == roles["self"]
    k = recs[roles["kthreadd"]]
    assert (k.name, k.ppid, k.cmdline) == ("kthreadd", 0, [])
    w = recs[roles["kworker"]]
    assert w.ppid == 2 and w.cmdline == [] and len(w.name.encode()) > 15
    c = recs[roles["child"]]
    assert c.ppid == roles["self"]
    assert c.cmdline[-2:] == ["", "arg with  spaces"]
    s = recs[roles["self"]]
    assert s.num_threads >= 2
    # cross-check stat against status (independent kernel renderings)
    for pid, r in recs.items():
        status = {}
        for line in (CAPTURED / "proc" / str(pid) / "status").read_bytes().splitlines():
            key, _, v = line.partition(b":")
            status[key] = v.strip()
        assert r.ppid == int(status[b"PPid"])
        assert r.state == status[b"State"][:1].decode()
        assert r.num_threads == int(status[b"Threads"])
        assert r.uid == int(status[b"Uid"].split()[0])


# ============================================== runtime-made variants (C == Python)
def _both_raw(root: Path, mask: int):
    return _scan(_native, root, mask), _scan(_pure, root, mask)


@requires_native
@pytest.mark.parametrize("tgid", [b"0", b"-5", b"-1", b"2147483648", b"9223372036854775807"])
def test_odd_tgid_same_in_both(tmp_path, tgid):
    """A status whose Tgid is not a plausible pid: whatever the rule, both
    backends must apply the same one (thread or not)."""
    root = copy_tree(AWKWARD, tmp_path / "t")
    st = root / "proc" / "160" / "status"
    st.write_bytes(st.read_bytes().replace(b"Tgid:\t160\n", b"Tgid:\t" + tgid + b"\n"))
    for mask in (STATUS, ALL):
        c, p = _both_raw(root, mask)
        assert [r[0] for r in c] == [r[0] for r in p], tgid
        assert c == p


@requires_native
def test_many_processes(tmp_path):
    """More processes (and cmdline bytes) than the C scanner's first buffers
    hold: the -ENOBUFS retry must give the same rows as Python."""
    root = copy_tree(AWKWARD, tmp_path / "t")
    src = root / "proc" / "1"
    for pid in range(1000, 3000):
        d = root / "proc" / str(pid)
        d.mkdir()
        (d / "stat").write_bytes(
            (src / "stat").read_bytes().replace(b"1 (systemd) S 0 1 1", b"%d (p%d) S 1 %d %d"
                                                  % (pid, pid, pid, pid), 1))
        (d / "status").write_bytes(
            (src / "status").read_bytes().replace(b"Tgid:\t1\n", b"Tgid:\t%d\n" % pid)
            .replace(b"Pid:\t1\n", b"Pid:\t%d\n" % pid))
        (d / "statm").write_bytes((src / "statm").read_bytes())
        (d / "cmdline").write_bytes(b"/bin/p%d\0" % pid + b"y" * 300 + b"\0")
    for mask in (STAT, ALL):
        c, p = _both_raw(root, mask)
        assert len(c) == len(AWK.expected_pids(mask)) + 2000
        assert c == p
    prev = sysmon.backend()
    try:
        recs = {}
        for b in BACKENDS:
            sysmon.set_backend(b)
            recs[b] = sysmon.processes(root=str(root))
    finally:
        sysmon.set_backend(prev)
    assert recs["c"] == recs["python"]
    r = _by_pid(recs["c"])[2999]
    assert (r.name, r.ppid, r.pgrp, r.cmdline) == ("p2999", 1, 2999, ["/bin/p2999", "y" * 300])


@requires_native
@pytest.mark.parametrize("kind", ["symlink-pid", "file-pid", "symlink-stat", "fifo-dir-file"])
def test_odd_entries_same_in_both(tmp_path, kind):
    """Entries that are not plain pid directories, or files that are not
    plain files: both backends treat them the same."""
    root = copy_tree(AWKWARD, tmp_path / "t")
    proc = root / "proc"
    if kind == "symlink-pid":
        os.symlink("1", proc / "777")  # a pid-named symlink: not followed
    elif kind == "file-pid":
        (proc / "778").write_bytes(b"not a directory\n")
    elif kind == "symlink-stat":
        (proc / "100" / "stat").unlink()
        os.symlink("../1/stat", proc / "100" / "stat")  # O_NOFOLLOW: ELOOP, row kept
    else:
        (proc / "100" / "statm").unlink()
        (proc / "100" / "statm").mkdir()
    for mask in range(1, 16):
        c, p = _both_raw(root, mask)
        assert c == p, mask
    pids = [r[0] for r in _scan(_pure, root, ALL)]
    assert 777 not in pids and 778 not in pids
    if kind == "symlink-stat":
        row = next(r for r in _scan(_pure, root, ALL) if r[0] == 100)
        assert row[RAW_ERR[0]] == errno.ELOOP
