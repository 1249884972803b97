"""sysmon.processes(pids=...): only the named processes, both backends.

The contract: the records are the ones the whole scan gives for the same
processes, sorted by pid.  Left out: a pid with no process directory, a pid
<= 0 or above 2^31-1, and a thread's /proc/<tid> (openable, though the scan's
readdir never lists it on a live system) whatever the fields asked for.  C
and pure Python agree exactly, raw row for raw row.

Here: every fixture tree and field set against the full scan and the trees'
tables of expected values; raw rows C == Python (order, duplicates); a
status that cannot tell a thread; a denied pid directory (as nobody); the
missing root; argument checks; the C buffer protocol; live children against
ground truth, exited pids and thread ids; generated pid lists.
"""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import fixture_support as fx
import helpers
import pytest
from fixture_support import tree_fixture  # noqa: F401 - the `tree` fixture
from hypothesis import given
from hypothesis import strategies as st
from live_support import (
    THREADS_CHILD,
    assert_matches,
    children_fixture,  # noqa: F401 - the `children` fixture
    expected_info,
)

import sysmon
from sysmon import _pure
from sysmon._raw import R_CMDLINE
from sysmon.fields import mask_for

# `backend` (parametrized "c" / "python") comes from tests/conftest.py

_native = fx._native  # None when the C extension is not built
requires_native = fx.requires_native

PID_MAX = 2**31 - 1
BACKENDS = ("c", "python")

FIELD_SETS = [
    None,
    ("pid",),
    ("cmdline",),  # no status read: the thread check reads it alone
    ("name", "state", "start_ticks"),
    ("uid", "username"),
    ("rss", "shared", "vms"),
    ("pid", "start_ticks", "cmdline", "uid", "username"),  # the terminal UI's read
]
FIELD_IDS = ["all" if f is None else ",".join(f) for f in FIELD_SETS]


def _in_range(pids) -> set[int]:
    return {p for p in pids if 0 < p <= PID_MAX}


def _both(call):
    """call() under the C backend and under the pure one."""
    prev = sysmon.backend()
    try:
        out = []
        for b in BACKENDS:
            sysmon.set_backend(b)
            out.append(call())
        return out
    finally:
        sysmon.set_backend(prev)


# ============================================================ fixture trees
# Pids that have no directory in any tree (checked below, so that "left out"
# means something), and some that no process can have.
ABSENT = [5, 123, 99999, PID_MAX]
IMPOSSIBLE = [0, -1, -(2**31), 2**31, 2**63]


def _subsets(tree) -> dict[str, list[int]]:
    procs = sorted(tree.procs)
    odd = sorted(tree.threads)
    return {
        "all": procs + odd,
        "some": procs[::3],
        "none": [],
        "absent": ABSENT,
        "threads": sorted(tree.threads),
        "mixed": [*reversed(procs[1::2] + odd + ABSENT), *procs[:3], *procs[:3]],
        "impossible": [*IMPOSSIBLE, procs[-1]],
    }


def test_absent_pids_really_absent():
    for tr in fx.TREES.values():
        for pid in ABSENT:
            assert not (tr.root / "proc" / str(pid)).exists(), (tr.root, pid)
    # "0123" is in the awkward tree, and names no pid (not canonical)
    assert (fx.AWKWARD / "proc" / "0123").is_dir()


@pytest.mark.parametrize("fields", FIELD_SETS, ids=FIELD_IDS)
def test_fixture_equals_filtered_full_scan(tree, backend, fields):
    root = str(tree.root)
    full = sysmon.processes(fields, root=root)
    table = fx.expected(tree, fields=fields)
    for what, pids in _subsets(tree).items():
        keep = _in_range(pids) - set(tree.threads)
        got = sysmon.processes(fields, root=root, pids=pids)
        assert got == [r for r in full if r.pid in keep], what
        # and against the tree's own table of values (ground truth)
        fx.assert_records(got, [w for w in table if w["pid"] in keep])
        assert [r.pid for r in got] == sorted(keep & {w["pid"] for w in table}), what


@requires_native
@pytest.mark.parametrize("mask", range(16))
def test_raw_rows_c_equal_pure(tree, mask):
    """Raw rows in the order of the pids given, duplicates read twice; each
    row the full scan's row for that pid."""
    proc = str(tree.root / "proc")
    full = {r[0]: r for r in _pure.scan_raw(proc, mask)}
    assert full == {r[0]: r for r in _native.scan_raw(proc, mask)}
    for subset in _subsets(tree).values():
        pids = [p for p in subset if -(2**31) <= p <= PID_MAX]  # int32_t
        want = [full[p] for p in pids if p in full and p not in tree.threads]
        assert _native.scan_pids(proc, pids, mask) == want
        assert _pure.scan_pids(proc, pids, mask) == want


@pytest.mark.parametrize("name", ["awkward", "captured"])
def test_fixture_threads_left_out_whatever_the_fields(name, backend):
    tree = fx.TREES[name]
    assert tree.threads
    root = str(tree.root)
    tids = sorted(tree.threads)
    for fields in FIELD_SETS:
        assert sysmon.processes(fields, root=root, pids=tids) == []
    # the full scan lists a fixture's thread directory when status is not
    # read, so the check above is not vacuous
    assert set(tids) <= {r.pid for r in sysmon.processes(("cmdline",), root=root)}


@pytest.mark.parametrize("kind", ["missing", "malformed", "directory", "no-tgid"])
def test_status_that_cannot_tell(tmp_path, backend, kind):
    """Thread 151's status unusable: nothing says it is a thread, so pids
    keeps it exactly when the full scan does."""
    root = fx.copy_tree(fx.AWKWARD, tmp_path / "t")
    st_path = root / "proc" / "151" / "status"
    text = st_path.read_bytes()
    assert b"Tgid:\t150\n" in text
    if kind == "missing":
        st_path.unlink()
    elif kind == "malformed":
        st_path.write_bytes(b"Name:\tworker-pool\nTgid:\t150\nPid:\t151\n")  # no Uid:
    elif kind == "directory":
        st_path.unlink()
        st_path.mkdir()
    else:
        st_path.write_bytes(text.replace(b"Tgid:\t150\n", b""))
    pids = [151, 150, 160]
    for fields in FIELD_SETS:
        full = sysmon.processes(fields, root=str(root))
        got = sysmon.processes(fields, root=str(root), pids=pids)
        assert got == [r for r in full if r.pid in pids], fields
        reads_status = mask_for(frozenset(fields or sysmon.ProcessInfo._fields)) & fx.STATUS
        assert (151 in [r.pid for r in got]) == (kind != "missing" or not reads_status)


@requires_native
def test_raw_argument_rules():
    """scan_pids takes what cffi's int32_t[] takes, in both backends."""
    proc = str(fx.AWKWARD / "proc")
    for mod in (_native, _pure):
        assert [r[0] for r in mod.scan_pids(proc, [True, 0, -(2**31), PID_MAX], 0)] == [1]
        for bad, error in (([1.0], TypeError), (["1"], TypeError), ([2**31], OverflowError),
                           ([-(2**31) - 1], OverflowError)):
            with pytest.raises(error):
                mod.scan_pids(proc, bad, 0)


@requires_native
def test_odd_entries(tmp_path):
    """A pid-named symlink, a pid-named file, a non-canonical name: left out
    by both backends, as by the scan."""
    root = fx.copy_tree(fx.AWKWARD, tmp_path / "t")
    proc = root / "proc"
    os.symlink("1", proc / "777")
    (proc / "778").write_bytes(b"not a directory\n")
    pids = [777, 778, 123, 1]
    for mask in (0, fx.STAT, fx.ALL):
        want = [r for r in _pure.scan_raw(str(proc), mask) if r[0] == 1]
        assert len(want) == 1
        assert _native.scan_pids(str(proc), pids, mask) == want
        assert _pure.scan_pids(str(proc), pids, mask) == want


DENIED_CHILD = textwrap.dedent("""
    import os, pickle, sys
    import sysmon
    root, pids = sys.argv[1], [int(a) for a in sys.argv[2:]]
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    assert os.getuid() == 65534 and os.geteuid() == 65534
    out = {}
    for backend in ("c", "python"):
        sysmon.set_backend(backend)
        for fields in (None, ("pid", "cmdline"), ("uid", "username")):
            out[backend, fields] = (sysmon.processes(fields, root=root),
                                    sysmon.processes(fields, root=root, pids=pids))
    sys.stdout.buffer.write(pickle.dumps(out))
""")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_denied_pid_directory_as_nobody():
    """/proc/171 is mode 000: as nobody it cannot be entered; the full scan
    keeps a row with every field but pid None, and so do pids."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-pids-denied-"))
    try:
        root = fx.readable_copy(fx.AWKWARD, base)
        os.chmod(root / "proc" / "171", 0)
        pids = [171, 170, 151, 5]
        res = subprocess.run(
            [sys.executable, "-c", DENIED_CHILD, str(root), *map(str, pids)],
            capture_output=True, timeout=120, cwd="/", env=fx.child_env())
        assert res.returncode == 0, res.stderr.decode(errors="replace")
        out = pickle.loads(res.stdout)
    finally:
        shutil.rmtree(base)
    for (backend, fields), (full, got) in out.items():
        assert got == [r for r in full if r.pid in {171, 170}], (backend, fields)
        r170, r171 = got
        assert (r170.pid, r171.pid) == (170, 171)
        assert all(getattr(r171, f) is None for f in sysmon.ProcessInfo._fields if f != "pid")
        if fields is None or "cmdline" in fields:
            assert r170.cmdline == ["/usr/local/bin/suid-tool"]
        assert got == out["c" if backend == "python" else "python", fields][1]


# ==================================================== arguments and the root
def test_missing_root_raises_as_the_full_scan(tmp_path, backend):
    for root in (tmp_path / "nope", tmp_path / "file"):
        if root.name == "file":
            root.mkdir()
            (root / "proc").write_bytes(b"")  # not a directory
        with pytest.raises(sysmon.SysmonError) as full:
            sysmon.processes(root=str(root))
        for pids in ([], [1], [0, -1], iter([])):
            with pytest.raises(sysmon.SysmonError) as e:
                sysmon.processes(root=str(root), pids=pids)
            assert str(e.value) == str(full.value)
            assert type(e.value) is type(full.value)


def test_empty_and_absent_give_nothing(backend):
    assert sysmon.processes(root=fx.AWKWARD, pids=[]) == []
    assert sysmon.processes(root=fx.AWKWARD, pids=ABSENT + IMPOSSIBLE) == []
    assert sysmon.processes(pids=[]) == []


@pytest.mark.parametrize(
    ("bad", "name"),
    [(True, "bool"), (False, "bool"), ("1", "str"), (1.0, "float"), (None, "NoneType"),
     (b"1", "bytes")],
)
def test_non_int_pid_raises(backend, bad, name):
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        sysmon.processes(root=fx.AWKWARD, pids=[1, bad])


def test_string_of_pids_raises(backend):
    with pytest.raises(TypeError, match=r"\bstr\b"):
        sysmon.processes(root=fx.AWKWARD, pids="100")


def test_any_iterable_of_ints(backend):
    want = sysmon.processes(root=fx.AWKWARD, pids=[100, 1, 171])
    assert [r.pid for r in want] == [1, 100, 171]
    full = sysmon.processes(root=fx.AWKWARD)
    assert want == [r for r in full if r.pid in (1, 100, 171)]
    for pids in ((171, 100, 1), {1, 100, 171}, iter([171, 1, 100, 1]),
                 (p for p in (1, 100, 171)), dict.fromkeys([1, 100, 171])):
        assert sysmon.processes(root=fx.AWKWARD, pids=pids) == want, type(pids)
    # every pid up to 200: the whole table (thread 151 in neither: status is read)
    assert sysmon.processes(root=fx.AWKWARD, pids=range(1, 201)) == full


def test_fields_still_checked(backend):
    with pytest.raises(ValueError, match="unknown field"):
        sysmon.processes(("nope",), root=fx.AWKWARD, pids=[1])


# ===================================================== the C buffer protocol
@requires_native
def test_tiny_buffers_grow_fixture():
    proc = str(fx.AWKWARD / "proc")
    pids = sorted(fx.AWK.procs)
    scanner = _native._Scanner()
    scanner._alloc(1, 8)  # one row, eight bytes of arena: far too small
    rows = scanner.scan_pids(proc.encode(), pids, fx.ALL)
    assert [r[0] for r in rows] == pids
    assert rows == _pure.scan_pids(proc, pids, fx.ALL)
    assert scanner.cap >= len(rows)
    assert scanner.arena_cap >= sum(len(r[R_CMDLINE] or b"") for r in rows)


@requires_native
def test_enobufs_counts_exact(tmp_path):
    """sm_scan_pids itself: -ENOBUFS with the exact counts needed (pids that
    are absent or <= 0 not counted), then 0 with every row."""
    from sysmon._sysmon_c import ffi, lib

    proc = tmp_path / "proc"
    for pid in range(1, 6):
        d = proc / str(pid)
        d.mkdir(parents=True)
        (d / "cmdline").write_bytes(b"x" * 100 * pid + b"\0")  # no status: cannot tell
    pids = [5, 0, 3, 42, -1, 1, 2, 4, 3]
    need = [5, 3, 1, 2, 4, 3]
    ctxp = ffi.new("struct sm_ctx **")
    assert lib.sm_ctx_new(ctxp) == 0
    ctx = ffi.gc(ctxp[0], lib.sm_ctx_free)
    arr = ffi.new("int32_t[]", pids)
    n, used = ffi.new("size_t *"), ffi.new("size_t *")
    path = os.fsencode(proc)
    for cap, arena_cap in ((0, 0), (2, 10), (6, 10), (2, 10_000)):
        rows = ffi.new("struct sm_proc[]", max(cap, 1))
        arena = ffi.new("char[]", max(arena_cap, 1))
        rc = lib.sm_scan_pids(ctx, path, arr, len(pids), fx.CMDLINE, rows, cap, arena, arena_cap,
                              n, used)
        assert rc == -errno.ENOBUFS, (cap, arena_cap)
        assert (n[0], used[0]) == (len(need), sum(100 * p + 1 for p in need))
    rows = ffi.new("struct sm_proc[]", len(need))
    arena = ffi.new("char[]", used[0])
    rc = lib.sm_scan_pids(ctx, path, arr, len(pids), fx.CMDLINE, rows, len(need), arena, used[0],
                          n, used)
    assert rc == 0
    buf = ffi.buffer(arena)[:]
    got = [(rows[i].pid, buf[rows[i].cmdline_off : rows[i].cmdline_off + rows[i].cmdline_len])
           for i in range(n[0])]
    assert got == [(p, b"x" * 100 * p + b"\0") for p in need]
    # the Python layer over it, both backends, and the scan agree
    full = sorted(_pure.scan_raw(str(proc), fx.CMDLINE))
    want = [full[p - 1] for p in need]
    assert _native.scan_pids(str(proc), pids, fx.CMDLINE) == want
    assert _pure.scan_pids(str(proc), pids, fx.CMDLINE) == want


@requires_native
def test_tiny_buffers_grow_live(children):
    kids = [children.sleeper() for _ in range(4)]
    pids = [p.pid for p in kids]
    _asleep(pids)
    for _ in range(20):  # the children are asleep: their rows hold still
        scanner = _native._Scanner()
        scanner._alloc(1, 8)
        rows = scanner.scan_pids(b"/proc", pids, fx.ALL)
        if rows == _pure.scan_pids("/proc", pids, fx.ALL):
            break
    else:
        raise AssertionError(f"C {rows} != pure {_pure.scan_pids('/proc', pids, fx.ALL)}")
    assert [r[0] for r in rows] == pids
    assert [r[R_CMDLINE] for r in rows] == [b"sleep\x00600\x00"] * 4
    assert scanner.cap >= 4 and scanner.arena_cap >= 4 * len(b"sleep\x00600\x00")


def test_backends_offer_the_same_scan_functions():
    import inspect

    for name in ("scan_raw", "scan_pids", "scan_memo", "open_pid", "read_proc"):
        assert callable(getattr(_pure, name)), name
        if _native is not None:
            assert (inspect.signature(getattr(_native, name)) ==
                    inspect.signature(getattr(_pure, name))), name


# =========================================================== live processes
STABLE = ("pid", "ppid", "name", "cmdline", "state", "uid", "euid", "gid", "egid", "username",
          "num_threads", "start_ticks", "vms", "nice", "priority", "tty_nr", "pgrp", "session",
          "tpgid")


def _stable(r) -> tuple:
    return tuple(getattr(r, f) for f in STABLE)


def _asleep(pids) -> None:
    """Wait until every child sleeps (sleep(1), or a python blocked on stdin):
    from then on nothing in its /proc files moves."""
    for pid in pids:
        helpers.wait_for(lambda p=pid: helpers.read_stat(p)[3] == "S", what=f"{pid} asleep")


def test_live_children_by_pid(backend, children):
    procs = [children.sleeper(600 + i) for i in range(3)]
    procs.append(children.python("pass", "an arg", "two  words", "\u00e9t\u00e9"))
    pids = [p.pid for p in procs]
    _asleep(pids)
    got = sysmon.processes(pids=[*reversed(pids), pids[0], 0, -1, 2**31])
    assert [r.pid for r in got] == sorted(pids)
    full = {r.pid: r for r in sysmon.processes()}
    for r in got:
        p = next(x for x in procs if x.pid == r.pid)
        assert _stable(r) == _stable(full[r.pid])
        assert r.ppid == os.getpid()
        assert r.cmdline == [str(a) for a in p.args]
        assert r.state == "S"
        assert_matches(r, expected_info(r.pid), [*STABLE, "create_time"])
    sub = sysmon.processes(("pid", "start_ticks", "cmdline", "uid", "username"), pids=pids)
    assert [(r.pid, r.start_ticks, r.cmdline, r.uid, r.username, r.name) for r in sub] == [
        (r.pid, r.start_ticks, r.cmdline, r.uid, r.username, None) for r in got]


@requires_native
def test_live_c_equals_pure(children):
    procs = [children.sleeper() for _ in range(2)]
    procs.append(children.python("pass", "x"))
    procs.append(children.python(THREADS_CHILD))
    pids = [p.pid for p in procs]
    _asleep(pids)
    for fields in FIELD_SETS:
        for _ in range(20):  # asleep: only btime jitter could move a value
            c, py = _both(lambda f=fields: sysmon.processes(f, pids=pids))
            if c == py:
                break
        else:
            raise AssertionError(f"{fields}: C {c} != pure {py}")
        assert [r.pid for r in c] == sorted(pids)


def test_own_process_against_ground_truth(backend):
    me = os.getpid()
    (got,) = sysmon.processes(pids=[me])
    want = expected_info("self")
    assert_matches(got, want, [f for f in STABLE if f != "state"])
    assert got.state in ("R", "S")


def test_exited_pid_left_out(backend, children):
    p = children.sleeper()
    pid = p.pid
    start = helpers.start_ticks(pid)
    (r,) = sysmon.processes(("start_ticks",), pids=[pid])
    assert (r.pid, r.start_ticks) == (pid, start)
    children.kill(p)  # killed and reaped
    reused_before = helpers.pid_exists(pid)
    got = sysmon.processes(("start_ticks",), pids=[pid, os.getpid()])
    mine = [r for r in got if r.pid == pid]
    if reused_before or helpers.pid_exists(pid):  # the pid went round: not ours
        assert all(r.start_ticks != start for r in mine)
    else:
        assert mine == []
    assert [r.pid for r in got if r.pid != pid] == [os.getpid()]


def test_zombie_read_like_the_scan(backend, children):
    z = children.fork_zombie()
    (got,) = sysmon.processes(pids=[z])
    (full,) = [r for r in sysmon.processes() if r.pid == z]
    assert _stable(got) == _stable(full)
    assert (got.state, got.ppid, got.cmdline) == ("Z", os.getpid(), [])


def test_own_thread_id_left_out(backend):
    started, stop = threading.Event(), threading.Event()
    tids: list[int] = []

    def run() -> None:
        tids.append(threading.get_native_id())
        started.set()
        stop.wait()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        assert started.wait(10)
        (tid,) = tids
        me = os.getpid()
        assert tid != me
        assert os.path.isdir(f"/proc/{tid}")  # openable ...
        assert str(tid) not in os.listdir("/proc")  # ... though not listed
        for fields in FIELD_SETS:
            assert sysmon.processes(fields, pids=[tid]) == [], fields
            assert [r.pid for r in sysmon.processes(fields, pids=[tid, me, tid])] == [me]
    finally:
        stop.set()
        t.join()


def test_child_thread_ids_left_out(backend, children):
    p = children.python(THREADS_CHILD)
    tids = sorted(int(t) for t in os.listdir(f"/proc/{p.pid}/task") if int(t) != p.pid)
    assert len(tids) == 5
    for fields in FIELD_SETS:
        got = sysmon.processes(fields, pids=[*tids, p.pid])
        assert [r.pid for r in got] == [p.pid], fields
    (r,) = sysmon.processes(("num_threads",), pids=[p.pid, *tids])
    assert r.num_threads == 6


# ========================================================== generated pid lists
_FULL_RAW: dict[tuple[str, int], dict[int, tuple]] = {}


def _full_raw(tree: str, mask: int) -> dict[int, tuple]:
    key = (tree, mask)
    if key not in _FULL_RAW:
        _FULL_RAW[key] = {r[0]: r for r in _pure.scan_raw(str(fx.TREES[tree].root / "proc"), mask)}
    return _FULL_RAW[key]


def _full_records(tree: str, fields) -> list:
    """The full scan's records, C == Python (checked once per key)."""
    key = (tree, fields)
    if key not in _FULL_RECORDS:
        c, py = _both(lambda: sysmon.processes(fields, root=str(fx.TREES[tree].root)))
        assert c == py
        _FULL_RECORDS[key] = c
    return _FULL_RECORDS[key]


_FULL_RECORDS: dict = {}


def _pid_lists(tree) -> st.SearchStrategy[list[int]]:
    dirs = sorted({*tree.procs, *tree.threads})
    return st.lists(st.one_of(st.sampled_from(dirs), st.integers(-3, 300),
                              st.sampled_from([0, PID_MAX, -(2**31)])), max_size=30)


@requires_native
@helpers.generated(200)
@given(st.data())
def test_generated_pid_lists(data):
    """Random pid lists (tree directories, threads, absent, <= 0, out of
    range, duplicates, any order) over a fixture tree: raw rows and records,
    C == Python == the full scan's, filtered."""
    name = data.draw(st.sampled_from(sorted(fx.TREES)))
    tree = fx.TREES[name]
    pids = data.draw(st.lists(st.one_of(_pid_lists(tree), st.just(IMPOSSIBLE)), max_size=3))
    pids = [p for chunk in pids for p in chunk]
    mask = data.draw(st.integers(0, 15))
    fields = data.draw(st.sampled_from(FIELD_SETS))
    full = _full_raw(name, mask)
    raw_pids = [p for p in pids if -(2**31) <= p <= PID_MAX]  # what int32_t holds
    want = [full[p] for p in raw_pids if p in full and p not in tree.threads]
    proc = str(tree.root / "proc")
    assert _native.scan_pids(proc, raw_pids, mask) == want
    assert _pure.scan_pids(proc, raw_pids, mask) == want
    keep = _in_range(pids) - set(tree.threads)
    c, py = _both(lambda: sysmon.processes(fields, root=str(tree.root), pids=pids))
    assert c == py == [r for r in _full_records(name, fields) if r.pid in keep]
