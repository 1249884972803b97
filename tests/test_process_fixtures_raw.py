"""Fixture trees, raw scans: C == Python row for row, per file mask.

The raw scan of both backends on every tree and mask, both parsers on every
file, nothing unrequested read (a directory or a FIFO in place of a file),
huge command lines, and trees varied at run time (odd Tgid, many processes,
entries that are not plain files).  Trees and expected values come from
fixture_support.py.
"""

from __future__ import annotations

import errno
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sysmon
from sysmon import _pure

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from fixture_support import (  # noqa: E402
    ALL,
    AWK,
    AWKWARD,
    CMDLINE,
    GROUP_FILE,
    STAT,
    STATUS,
    TREES,
    _by_pid,
    _group_bits,
    _native,
    assert_records,
    child_env,
    copy_tree,
    expected,
    requires_native,
    tree_fixture,  # noqa: F401 - the `tree` fixture
)

BACKENDS = ["c", "python"]

# `backend` (parametrized "c" / "python") comes from tests/conftest.py


# =================================================================== raw scan
RAW_ERR = (1, 2, 3)  # sysmon._raw: err slot index of stat, status, cmdline
GROUPS = (STAT, STATUS, CMDLINE)


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
        for bit, idx in zip(GROUPS, RAW_ERR):
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
    """Both parsers on every stat/status file of every tree."""
    root = TREES[mode].root / "proc"
    for d in root.iterdir():
        if not d.is_dir() or d.is_symlink():
            continue
        for fname, fn in (("stat", "parse_stat"), ("status", "parse_status")):
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
@pytest.mark.parametrize("group", GROUPS, ids=GROUP_FILE.get)
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
            assert row[RAW_ERR[GROUPS.index(group)]] == errno.EISDIR
    others = [n for n in sysmon.ProcessInfo._fields if not _group_bits(n) & group]
    assert_records(sysmon.processes(fields=others, root=str(root)), expected(AWK, fields=others))
    assert_records(sysmon.processes(root=str(root)),
                   expected(AWK, unavailable={1: group}))


def test_statm_is_never_read(backend, tmp_path):
    """rss and shared come from status: with every statm a directory (read ->
    EISDIR) or gone, no scan of any mask changes, and neither does a record."""
    root = copy_tree(AWKWARD, tmp_path / "t")
    statms = [f for f in (root / "proc").glob("*/statm") if not f.parent.is_symlink()]
    assert len(statms) > 20
    for i, f in enumerate(sorted(statms)):
        f.unlink()
        if i % 2:
            f.mkdir()
    mod = _native if backend == "c" else _pure
    for mask in range(1, 16):  # 0x4, statm's old bit, reads nothing either
        assert _scan(mod, root, mask) == _scan(mod, AWKWARD, mask & ~4), mask
    assert_records(sysmon.processes(root=str(root)), expected(AWK))


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


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_FILE.get)
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
        (proc / "100" / "cmdline").unlink()
        (proc / "100" / "cmdline").mkdir()
    for mask in range(1, 16):
        c, p = _both_raw(root, mask)
        assert c == p, mask
    pids = [r[0] for r in _scan(_pure, root, ALL)]
    assert 777 not in pids and 778 not in pids
    if kind == "symlink-stat":
        row = next(r for r in _scan(_pure, root, ALL) if r[0] == 100)
        assert row[RAW_ERR[0]] == errno.ELOOP
