"""Shared by the live process tests (test_process_live*.py, test_cli_live.py).

Ground truth is what the test itself arranged and what it reads from /proc
with its own small parsers (tests/helpers.py).  The fixtures are defined
here under ``*_fixture`` names: a test module imports them by those names and
asks for ``backend`` and ``children``.
"""

from __future__ import annotations

import os
import pwd
import time

import helpers
import pytest
from helpers import CLK_TCK, PAGE_SIZE, Children, decode

import sysmon

INFO_FIELDS = [f for f in sysmon.ProcessInfo._fields if f != "pid"]
FLOAT_FIELDS = {"cpu_user", "cpu_system", "cpu_time", "create_time"}


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(name="children")
def children_fixture():
    kids = Children()
    try:
        yield kids
    finally:
        kids.close()


# --------------------------------------------------------------------------
# ground truth


def expected_info(pid: int | str) -> dict:
    """Every ProcessInfo field of pid, computed by the test from /proc.

    Follows the contract's definitions: name between first '(' and last ')',
    surrogateescape; cmdline split on NUL with one trailing NUL dropped;
    memory in bytes; cpu times in seconds; create_time = btime + f22/CLK_TCK.
    """
    st = helpers.read_stat(pid)
    status = helpers.read_status(pid)
    statm = helpers.read_statm(pid)
    raw_cmd = helpers.read_cmdline(pid)
    if raw_cmd.endswith(b"\0"):
        raw_cmd = raw_cmd[:-1]
    cmdline = [] if raw_cmd == b"" else helpers.decode_all(raw_cmd.split(b"\0"))
    uids = [int(x) for x in status["Uid"].split()]
    gids = [int(x) for x in status["Gid"].split()]
    try:
        username = pwd.getpwuid(uids[0]).pw_name
    except KeyError:
        username = str(uids[0])
    return {
        "pid": int(pid) if pid != "self" else os.getpid(),
        "ppid": st[4],
        "name": decode(st["comm"]),
        "cmdline": cmdline,
        "state": st[3],
        "uid": uids[0],
        "euid": uids[1],
        "gid": gids[0],
        "egid": gids[1],
        "username": username,
        "num_threads": st[20],
        "create_time": helpers.boot_time() + st[22] / CLK_TCK,
        "start_ticks": st[22],
        "cpu_user": st[14] / CLK_TCK,
        "cpu_system": st[15] / CLK_TCK,
        "cpu_time": (st[14] + st[15]) / CLK_TCK,
        # Memory from statm, a file sysmon does not read: it prints in pages
        # the counters sysmon takes from status in kB (resident = VmRSS,
        # shared = RssFile + RssShmem).  Not stat field 24: since Linux 6.16
        # statm/status sum the per-CPU RSS counters exactly, while stat still
        # prints the approximate value, which can be off by tens of pages.
        "rss": statm[1] * PAGE_SIZE,
        "vms": statm[0] * PAGE_SIZE,
        "shared": statm[2] * PAGE_SIZE,
        "nice": st[19],
        "priority": st[18],
        "tty_nr": st[7],
        "cpu_num": st.get(39),
        "minor_faults": st[10],
        "major_faults": st[12],
        "pgrp": st[5],
        "session": st[6],
        "tpgid": st[8],
    }


def stable_read(pid, get, fields=None, tries=50):
    """Read ground truth, call get(), read ground truth again; retry until the
    ground truth did not move over the call (on the fields compared).

    Returns (expected, value)."""
    keys = fields or list(expected_info(pid))
    for _ in range(tries):
        before = expected_info(pid)
        value = get()
        after = expected_info(pid)
        if all(before[k] == after[k] for k in keys if k != "create_time"):
            return before, value
        time.sleep(0.01)
    raise AssertionError(f"pid {pid} kept changing; cannot compare")


def assert_matches(info, expected: dict, fields) -> None:
    bad = []
    for f in fields:
        got = getattr(info, f)
        want = expected[f]
        if f in FLOAT_FIELDS:
            # create_time: btime in /proc/stat may jitter by a second on some
            # kernels; cpu times are exact tick counts / CLK_TCK.
            tol = 1.0 if f == "create_time" else 1e-9
            ok = isinstance(got, float) and abs(got - want) <= tol
        else:
            ok = got == want and type(got) is type(want)
        if not ok:
            bad.append(f"{f}: got {got!r}, expected {want!r}")
    assert not bad, f"pid {info.pid}: " + "; ".join(bad)


def scan_by_pid(**kw) -> dict:
    rows = sysmon.processes(**kw)
    by_pid = {}
    for r in rows:
        assert r.pid not in by_pid, f"pid {r.pid} listed twice"
        by_pid[r.pid] = r
    return by_pid


def row_of(pid: int, **kw):
    rows = [r for r in sysmon.processes(**kw) if r.pid == pid]
    assert len(rows) == 1, f"pid {pid}: {len(rows)} rows"
    return rows[0]


THREADS_CHILD = r"""
import threading
ev = threading.Event()
ts = [threading.Thread(target=ev.wait, daemon=True) for _ in range(5)]
for t in ts:
    t.start()
"""
