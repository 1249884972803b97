"""Fixture trees: access denied, and Process handles on the trees.

A status file nobody may read (as the unprivileged user nobody: the row stays
with its uid fields None, the handle raises AccessDenied), and Process
handles on the fixture trees: exact values, malformed files, missing and
vanishing processes, pid reuse.  Trees and expected values come from
fixture_support.py.
"""

from __future__ import annotations

import os
import pickle
import shutil
import stat as stat_mod
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import sysmon

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from fixture_support import (  # noqa: E402
    ALL,
    AWK,
    AWKWARD,
    AWKWARD_THREAD,
    BRK,
    BROKEN,
    STATUS,
    TREES,
    _by_pid,
    _group_bits,
    _value,
    assert_records,
    assert_same_value,
    child_env,
    copy_tree,
    expected,
    readable_copy,
)

# `backend` (parametrized "c" / "python") comes from tests/conftest.py


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
    and rss/shared are None, everything else is there; Process(171).uid() is
    AccessDenied."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-denied-"))
    try:
        root = readable_copy(AWKWARD, base)
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
    assert (r171.rss, r171.shared) == (None, None)  # status holds memory too
    assert r171.name == "bash" and r171.cmdline == ["-bash"] and r171.vms == 3133440
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


def recs_vms_212() -> int:
    """vsize (stat field 23) of pid 212, read from the fixture itself."""
    data = (BROKEN / "proc" / "212" / "stat").read_bytes()
    return int(data[data.rindex(b")") + 2 :].split()[20])


def test_process_handle_broken(backend):
    want = {w["pid"]: w for w in expected(BRK)}
    for pid in (1, 211):
        with sysmon.Process(pid, root=str(BROKEN)) as p:
            assert_records([p.info()], [want[pid]])
    # malformed status: its fields, memory included, raise ParseError naming the file
    with sysmon.Process(206, root=str(BROKEN)) as p:
        assert p.name() == "badstatus"
        with pytest.raises(sysmon.ParseError) as ei:
            p.uid()
        assert str(ei.value.path).endswith("broken/proc/206/status"), ei.value.path
    with sysmon.Process(212, root=str(BROKEN)) as p:
        assert p.vms() == recs_vms_212()
        with pytest.raises(sysmon.ParseError):
            p.uid()
        with pytest.raises(sysmon.ParseError):
            p.rss()
        with pytest.raises(sysmon.ParseError) as ei:
            p.shared()
        assert str(ei.value.path).endswith("broken/proc/212/status"), ei.value.path
    # statm is never read: missing (205) or garbage (207), every field is there
    for pid in (205, 207):
        with sysmon.Process(pid, root=str(BROKEN)) as p:
            assert_records([p.info()], [want[pid]])
            assert (p.rss(), p.shared()) == (1200 * 1024, 800 * 1024)


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
    for f in ("stat", "status", "cmdline"):
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
