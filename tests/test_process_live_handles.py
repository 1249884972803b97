"""Live Process handles, the sampler and field subsets, on both backends.

Handles against the table and ground truth, after their process died and
after its pid was reused; the sampler's cpu_percent on a busy loop and a
sleeper; scans and handles asked for a subset of the fields.  Every process
a test starts is killed and reaped at teardown.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from helpers import CLK_TCK, wait_for  # noqa: E402
from live_support import (  # noqa: E402
    INFO_FIELDS,
    assert_matches,
    children_fixture,  # noqa: F401 - the `children` fixture
    row_of,
    scan_by_pid,
    stable_read,
)

import sysmon  # noqa: E402

# --------------------------------------------------------------------------
# Process handles


def assert_same_info(a, b, fields=INFO_FIELDS) -> None:
    """Two readings of one stable process agree (create_time within 1 s: btime)."""
    bad = [f for f in fields if getattr(a, f) != getattr(b, f)
           and not (f == "create_time" and abs(a.create_time - b.create_time) <= 1.0)]
    assert not bad, [(f, getattr(a, f), getattr(b, f)) for f in bad]


def test_process_handle_matches_table_then_vanishes(backend, children):
    p = children.spawn(["sleep", "600"])
    wait_for(lambda: helpers.read_stat(p.pid)[3] == "S", what="child to sleep")
    h = sysmon.Process(p.pid)
    try:
        assert h.pid == p.pid
        row = row_of(p.pid)
        # start_ticks: see test_process_has_a_method_per_field
        by_method = {f: getattr(h, f)() for f in INFO_FIELDS if f != "start_ticks"}
        assert row_of(p.pid) == row  # it did not move while we read
        bad = [(f, v, getattr(row, f)) for f, v in by_method.items()
               if v != getattr(row, f)
               and not (f == "create_time" and abs(v - row.create_time) <= 1.0)]
        assert not bad
        info = h.info()
        assert isinstance(info, sysmon.ProcessInfo)
        assert info.pid == p.pid
        assert_same_info(info, row)

        children.kill(p)  # killed and reaped
        assert not helpers.pid_exists(p.pid)
        for f in [*(f for f in INFO_FIELDS if f != "start_ticks"), "info"]:
            with pytest.raises(sysmon.NoSuchProcess) as ei:
                getattr(h, f)()
            e = ei.value
            assert e.pid == p.pid, f
            assert str(p.pid) in str(e), f
            e2 = pickle.loads(pickle.dumps(e))
            assert type(e2) is type(e)
            assert e2.pid == p.pid
            assert str(p.pid) in str(e2)
            assert isinstance(e2, sysmon.SysmonError)
    finally:
        h.close()
    with pytest.raises(sysmon.NoSuchProcess):
        sysmon.Process(p.pid)


def test_process_has_a_method_per_field(backend, children):
    """Contract: `.pid` is an attribute, and there is one *method* per field
    (`.name() .cmdline() ... .rss() ...`), start_ticks included."""
    p = children.spawn(["sleep", "600"])
    with sysmon.Process(p.pid) as h:
        assert h.pid == p.pid
        not_methods = [f for f in INFO_FIELDS if not callable(getattr(h, f, None))]
        assert not not_methods, f"not methods: {not_methods}"
        assert h.start_ticks() == helpers.read_stat(p.pid)[22]


def test_process_nonexistent_pid(backend):
    pid = helpers.free_pid()
    with pytest.raises(sysmon.NoSuchProcess) as ei:
        sysmon.Process(pid)
    assert ei.value.pid == pid
    assert str(pid) in str(ei.value)


@pytest.mark.parametrize("pid", [0, -1])
def test_process_invalid_pid(backend, pid):
    with pytest.raises((ValueError, sysmon.NoSuchProcess)):
        sysmon.Process(pid)


def test_process_handle_survives_pid_reuse(backend, children):
    """A handle is (pid, start time): after its process dies and the pid is
    reused by a new process, the old handle raises NoSuchProcess and never
    reports the new process."""
    p = children.spawn(["sleep", "600"])
    old_start = helpers.read_stat(p.pid)[22]
    h = sysmon.Process(p.pid)
    try:
        assert h.info().start_ticks == old_start
        time.sleep(3 / CLK_TCK)  # the successor must start in a later tick
        children.kill(p)
        new = helpers.fork_at_pid(p.pid)
        if new is None:
            pytest.skip("could not arrange pid reuse (ns_last_pid)")
        children.adopt_pid(new)
        assert helpers.read_stat(new)[22] != old_start  # precondition
        for f in ["name", "create_time", "ppid", "cmdline", "info"]:
            with pytest.raises(sysmon.NoSuchProcess):
                getattr(h, f)()
        with sysmon.Process(new) as h2:
            assert h2.info().start_ticks == helpers.read_stat(new)[22]
            assert h2.ppid() == os.getpid()
    finally:
        h.close()


# --------------------------------------------------------------------------
# sampler


BUSY_AFTER = "while True:\n    pass"


def _by_pid(samples) -> dict:
    out = {}
    for s in samples:
        assert s.info.pid not in out
        out[s.info.pid] = s
    return out


def test_sampler_cpu_percent(backend, children):
    busy = children.python("", after=BUSY_AFTER)
    sleeper = children.spawn(["sleep", "600"])
    sampler = sysmon.ProcessSampler()

    first = sampler.sample()
    assert first, "empty sample"
    assert all(s.cpu_percent is None for s in first)
    assert {busy.pid, sleeper.pid} <= {s.info.pid for s in first}

    time.sleep(1.0)
    second = _by_pid(sampler.sample())
    b = second[busy.pid].cpu_percent
    s = second[sleeper.pid].cpu_percent
    assert b is not None
    assert s is not None
    assert 50.0 < b <= 110.0, b  # one single-threaded busy loop: ~100 %
    assert 0.0 <= s < 5.0, s
    assert isinstance(second[busy.pid].info, sysmon.ProcessInfo)
    assert second[busy.pid].info.cpu_user is not None

    newcomer = children.spawn(["sleep", "600"])
    third = _by_pid(sampler.sample())
    assert third[newcomer.pid].cpu_percent is None
    assert third[busy.pid].cpu_percent is not None
    assert all(x.cpu_percent is None or x.cpu_percent >= 0.0 for x in third.values())


def test_sampler_pid_reuse_is_new_process(backend, children):
    p = children.spawn(["sleep", "600"])
    sampler = sysmon.ProcessSampler()
    assert _by_pid(sampler.sample())[p.pid].cpu_percent is None
    assert _by_pid(sampler.sample())[p.pid].cpu_percent is not None
    old_start = helpers.read_stat(p.pid)[22]
    time.sleep(3 / CLK_TCK)
    children.kill(p)
    new = helpers.fork_at_pid(p.pid)
    if new is None:
        pytest.skip("could not arrange pid reuse (ns_last_pid)")
    children.adopt_pid(new)
    after = _by_pid(sampler.sample())
    assert after[new].info.start_ticks == helpers.read_stat(new)[22] != old_start
    assert after[new].cpu_percent is None


# --------------------------------------------------------------------------
# field subsets


SUBSETS = [
    ["name"],
    ["rss"],
    ["uid"],
    ["cmdline"],
    ["username"],
    ["create_time"],
    ["cpu_num", "tpgid"],
    ["name", "rss", "uid", "cmdline"],
    ["ppid", "euid", "shared", "cpu_system"],
]


@pytest.mark.parametrize("subset", SUBSETS, ids=",".join)
def test_fields_subset(backend, children, subset):
    p = children.spawn(["sleep", "600"])
    wait_for(lambda: helpers.read_stat(p.pid)[3] == "S", what="child to sleep")
    rows = scan_by_pid(fields=subset)
    assert p.pid in rows
    assert os.getpid() in rows
    for r in rows.values():
        assert isinstance(r.pid, int)
        assert r.pid > 0
        for f in INFO_FIELDS:
            if f not in subset:
                assert getattr(r, f) is None, (r.pid, f, getattr(r, f))
    exp, row = stable_read(p.pid, lambda: row_of(p.pid, fields=subset))
    assert_matches(row, exp, subset)
    with sysmon.Process(p.pid) as h:
        exp, info = stable_read(p.pid, lambda: h.info(fields=subset))
        assert_matches(info, exp, subset)
        for f in INFO_FIELDS:
            if f not in subset:
                assert getattr(info, f) is None, (f, getattr(info, f))


def test_fields_any_iterable(backend, children):
    p = children.spawn(["sleep", "600"])
    row = row_of(p.pid, fields=(f for f in ["name", "uid"]))
    assert row.name == "sleep"
    assert row.uid == os.getuid()
    assert row.rss is None
    row = row_of(p.pid, fields=frozenset({"cmdline"}))
    assert row.cmdline == ["sleep", "600"]
    assert row.name is None


def test_fields_unknown_name_rejected(backend):
    with pytest.raises((ValueError, KeyError)):
        sysmon.processes(fields=["name", "no_such_field"])
