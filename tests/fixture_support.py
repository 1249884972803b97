"""Shared by the fixture-tree tests (test_process_fixtures*.py).

The trees live in tests/fixtures/ (see its README).  For the hand-made trees
the expected values here are a table written from the fixture files; the
tests derive records from it (unit conversions, passwd lookup, which fields a
broken file makes unavailable) and compare them with what each backend
returns.  The captured tree is described by a small independent reading of
its files.

The ``tree`` fixture (one run per tree) is defined here as ``tree_fixture``:
a test module imports it by that name and asks for ``tree``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
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

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AWKWARD = FIXTURES / "awkward"
BROKEN = FIXTURES / "broken"
CAPTURED = FIXTURES / "captured"

CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
U64 = (1 << 64) - 1

STAT, STATUS, CMDLINE = 1, 2, 8
ALL = 11
GROUP_FILE = {STAT: "stat", STATUS: "status", CMDLINE: "cmdline"}
KIB4 = 4096  # the hand-made trees' status kB values are 4 KiB pages * 4

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
    # (size, resident, shared) in 4 KiB pages: what statm says, and status in kB
    # (VmRSS, RssFile + RssShmem); shared None: status has no RssFile (Linux < 4.5)
    mem: tuple
    cmdline: list
    uid: tuple = (0, 0, 0, 0)
    gid: tuple = (0, 0, 0, 0)


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
            (531, 123, None), ["/sbin/oldkern"]),
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
    205: bk(205, "nostatm", 2050),  # statm is never read: a missing one changes nothing
    206: bk(206, "badstatus", 2060),
    207: bk(207, "badstatm", 2070),  # nor does a garbage one
    208: bk(208, "u64overflow", 2080),
    209: bk(209, "negunsigned", 2090),
    210: bk(210, "i64overflow", 2100),
    211: bk(211, "healthy", 2110),
    212: bk(212, "badvmrss", 2120),
}
# which file of each broken process is malformed (its group's fields are None)
BROKEN_BAD = {200: STAT, 201: STAT, 202: STAT, 203: STAT, 204: STAT, 206: STATUS,
              208: STAT, 209: STAT, 210: STAT, 212: STATUS}

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

    def expected_pids(self, mask: int) -> list[int]:
        pids = set(self.procs)
        if not mask & STATUS:
            pids |= set(self.threads)
        return sorted(pids)

    def fx(self, pid):
        return self.procs.get(pid) or self.threads[pid]


def _group_bits(name: str) -> int:
    """Per-pid file groups the registry says a field needs."""
    f = FIELDS[name]
    g = getattr(f, "files", f.group)
    if isinstance(g, str):
        return {"stat": STAT, "status": STATUS, "cmdline": CMDLINE, "none": 0}[g]
    return int(g)


def _value(name: str, pid: int, x: Fx, tree: Tree):
    """Field `name` derived from the fixture's values as the contract says."""
    g = _group_bits(name)
    if name == "rss":  # stat field 24 or status VmRSS, whichever the registry names
        return x.rss * PAGE if g == STAT else x.mem[1] * KIB4
    if name == "shared":  # status RssFile + RssShmem
        assert g == STATUS, g
        return None if x.mem[2] is None else x.mem[2] * KIB4
    if name == "vms":
        assert g == STAT, g
        return x.vsize
    table = {
        "pid": pid, "ppid": x.ppid, "name": x.name, "cmdline": x.cmdline, "state": x.state,
        "uid": x.uid[0], "euid": x.uid[1], "gid": x.gid[0], "egid": x.gid[1],
        "username": tree.passwd.get(x.uid[0], str(x.uid[0])),
        "num_threads": x.threads, "create_time": tree.btime + x.start / CLK,
        "start_ticks": x.start, "cpu_user": x.utime / CLK, "cpu_system": x.stime / CLK,
        "cpu_time": (x.utime + x.stime) / CLK,
        "nice": x.nice, "priority": x.priority,
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
    def kib4(key):  # a status memory line, in 4 KiB pages
        kb = int(status[key][0])
        assert status[key][1] == b"kB" and kb % 4 == 0, (d, key)
        return kb // 4
    raw = d.joinpath("cmdline").read_bytes()
    cmd = raw[:-1] if raw.endswith(b"\0") else raw
    return Fx(
        comm[:64].decode("utf-8", SE), f[0].decode(), fld(4), fld(5), fld(6), fld(7), fld(8),
        fld(10), fld(12), fld(14), fld(15), fld(18), fld(19), fld(20), fld(22), fld(23),
        fld(24), fld(39) if len(f) + 2 >= 39 else None,
        (0, kib4(b"VmRSS"), kib4(b"RssFile") + kib4(b"RssShmem")) if b"VmRSS" in status
        else (0, 0, 0),
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
           BROKEN_TABLE, bad=BROKEN_BAD)
CAP = _captured_tree()
TREES = {"awkward": AWK, "broken": BRK, "captured": CAP}

# ------------------------------------------------------------------ fixtures


@pytest.fixture(params=sorted(TREES), name="tree")
def tree_fixture(request) -> Tree:
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


def readable_copy(src: Path, base: Path) -> Path:
    """A copy of the tree src at base/root that any user may read (base made
    traversable too), for a child that drops to an unprivileged user."""
    os.chmod(base, 0o755)
    root = copy_tree(src, base / "root")
    for dirpath, _dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for fn in filenames:
            if not os.path.islink(os.path.join(dirpath, fn)):
                os.chmod(os.path.join(dirpath, fn), 0o644)
    return root

def _by_pid(recs):
    return {r.pid: r for r in recs}
