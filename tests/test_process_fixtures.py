"""Process table on fixture trees: exact values, both backends, C == Python.

The trees live in tests/fixtures/ (see its README); the table of expected
values and the reading of the captured tree are in fixture_support.py.  Here:
whole-table records per tree and field subset, the awkward and broken cases
spelled out, and the captured tree's roles from its MANIFEST.json.

Raw scans and the file masks are in test_process_fixtures_raw.py, access
denied and Process handles in test_process_fixtures_handles.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import sysmon

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from fixture_support import (  # noqa: E402
    AWK,
    AWKWARD,
    BRK,
    BROKEN,
    CAPTURED,
    CLK,
    SE,
    STAT,
    STATUS,
    U64,
    _by_pid,
    assert_records,
    expected,
    requires_native,
    tree_fixture,  # noqa: F401 - the `tree` fixture
)

# `backend` (parametrized "c" / "python") comes from tests/conftest.py


# ====================================================== whole-table records
def test_fixture_self_consistency():
    """The tables above really describe the files (spot checks that would
    catch a table edited without the files, or the other way round)."""
    for tr in (AWK, BRK):
        for pid in list(tr.procs) + list(tr.threads):
            d = tr.root / "proc" / str(pid)
            assert d.is_dir(), d
            x = tr.fx(pid)
            if not tr.bad.get(pid, 0) & STATUS:
                kb = {k: int(v.split()[0]) for k, _, v in
                      (ln.partition(b":") for ln in (d / "status").read_bytes().splitlines())
                      if k in (b"VmRSS", b"RssFile", b"RssShmem")}
                if b"RssFile" in kb:
                    shared = kb[b"RssFile"] + kb[b"RssShmem"]
                else:  # no memory at all (kernel thread, zombie), or Linux < 4.5
                    shared = None if b"VmRSS" in kb else 0
                assert (kb.get(b"VmRSS", 0), shared) == (
                    x.mem[1] * 4, None if x.mem[2] is None else x.mem[2] * 4), pid
            if (d / "statm").exists() and pid != 207:  # the real kernel's statm agrees
                sm = tuple(int(v) for v in (d / "statm").read_bytes().split()[:3])
                assert sm[1] == x.mem[1] and x.mem[2] in (None, sm[2]), pid
            if not tr.bad.get(pid, 0) & STAT:
                assert (d / "stat").read_bytes().startswith(b"%d (" % pid)
    # every numeric directory of the hand-made trees is in a table
    for tr in (AWK, BRK):
        nums = {int(p.name) for p in (tr.root / "proc").iterdir()
                if p.name.isdigit() and p.name[0] != "0"}
        assert nums == set(tr.procs) | set(tr.threads)


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


@requires_native
@pytest.mark.parametrize("fields", [None, ("pid", "name", "cmdline"), ("pid", "shared")])
def test_sampler_backends_equal_and_equal_the_scan(tree, fields):
    """ProcessSampler's records (converted at the first sample, reused from
    its memo at the second) are processes()'s, in both backends alike."""
    prev = sysmon.backend()
    got = {}
    try:
        for b in ("c", "python"):
            sysmon.set_backend(b)
            ticks = iter(range(100))
            sampler = sysmon.ProcessSampler(fields=fields, root=str(tree.root),
                                            clock=lambda it=ticks: float(next(it)))
            first, second = sampler.sample(), sampler.sample()
            scan = sysmon.processes(fields=sampler.fields, root=str(tree.root))
            assert [s.info for s in first] == [s.info for s in second] == scan
            assert all(a.info is b.info for a, b in zip(first, second))
            got[b] = (first, second)
    finally:
        sysmon.set_backend(prev)
    assert got["c"] == got["python"]


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
    # rss and shared come from status: a malformed memory line blanks the whole
    # group, as a malformed Uid: does; vms (stat) stays
    r = recs[212]
    assert (r.uid, r.username, r.rss, r.shared) == (None,) * 4 and r.vms == 3133440
    # statm is never read: missing (205) or garbage (207), the row is whole
    for pid in (205, 207, 211):
        r = recs[pid]
        assert (r.rss, r.shared, r.uid) == (1200 * 1024, 800 * 1024, 0), pid
    assert recs[211].name == "healthy"


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
