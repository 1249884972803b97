"""Live process table against the independent tool ``ps``, on both backends.

Children the test spawned (sleepers, a threaded python, real-time and niced
sleeps) and every long-lived process on the system, on each field that held
still around the ``ps`` run.  Every process a test starts is killed and
reaped at teardown.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from helpers import wait_for  # noqa: E402
from live_support import (  # noqa: E402
    THREADS_CHILD,
    children_fixture,  # noqa: F401 - the `children` fixture
    scan_by_pid,
)

# --------------------------------------------------------------------------
# compare with ps


PS_COLS = ["pid", "ppid", "ruid", "rgid", "euid", "egid", "s", "nlwp", "ni", "priority",
           "rss", "vsz", "comm"]
PS_TO_FIELD = {"ppid": "ppid", "ruid": "uid", "rgid": "gid", "euid": "euid", "egid": "egid",
               "s": "state", "nlwp": "num_threads", "ni": "nice", "priority": "priority",
               "rss": "rss", "vsz": "vms", "comm": "name"}
# State flickers (R/S/I) faster than any sandwich can pin down, and the test
# process itself is R while scanning and S while waiting for ps: compare it
# only on the sleeping children.
CHILDREN_ONLY = {"state"}


def run_ps() -> dict[int, dict]:
    """`ps -e`: ruid/rgid are the real ids (ps's uid/gid are effective);
    `priority` is stat field 18 as is (ps's `pri` is 39 - it); ni is "-" for
    real-time policies; rss and vsz are KiB (rss from status VmRSS)."""
    fmt = ",".join(c + "=" for c in PS_COLS)
    out = subprocess.run(["ps", "-e", "-o", fmt], check=True, capture_output=True,
                         env={**os.environ, "LC_ALL": "C", "COLUMNS": "10000"}).stdout
    rows = {}
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split(None, len(PS_COLS) - 1)
        if len(parts) < len(PS_COLS) - 1:
            continue
        rec = dict(zip(PS_COLS, parts))
        rows[int(rec["pid"])] = rec
    return rows


def ps_value(col: str, text: str):
    if col == "comm":
        return text
    if col == "s":
        return text
    if col == "ni" and text == "-":
        return None
    if col in ("rss", "vsz"):
        return int(text) * 1024
    return int(text)


def test_compare_with_ps(backend, children):
    test_start_ticks = helpers.uptime_ticks()
    kids = [children.sleeper() for _ in range(2)]
    kids.append(children.python(THREADS_CHILD))
    kids.append(children.spawn(["chrt", "-f", "10", "sleep", "600"]))  # real-time
    kids.append(children.spawn(["nice", "-n", "-5", "sleep", "600"]))
    kids.append(children.spawn(["nice", "-n", "7", "sleep", "600"]))
    for k in kids[-3:]:
        helpers.wait_exec(k.pid, b"sleep")
    for k in kids:
        wait_for(lambda pid=k.pid: helpers.read_stat(pid)[3] == "S", what="child to sleep")

    a = scan_by_pid()
    ps = run_ps()
    b = scan_by_pid()

    mismatches = []
    compared: dict[int, set] = {}
    kid_pids = {k.pid for k in kids}
    for pid, rec in ps.items():
        if pid not in a or pid not in b or a[pid].start_ticks != b[pid].start_ticks:
            continue  # came or went during the comparison
        for col, field in PS_TO_FIELD.items():
            if field in CHILDREN_ONLY and pid not in kid_pids:
                continue
            va, vb = getattr(a[pid], field), getattr(b[pid], field)
            if va != vb:
                continue  # it changed around ps: nothing to compare
            want = ps_value(col, rec.get(col, ""))
            if want is None:
                continue
            if field == "name":
                # ps shows non-printables escaped and pads; compare plain names only
                if not (va.isascii() and va.isprintable() and va.strip() == va and va):
                    continue
                want = want.rstrip()
            compared.setdefault(pid, set()).add(field)
            if va != want:
                mismatches.append(f"pid {pid} {field}: sysmon {va!r}, ps {want!r}")
    assert not mismatches, "\n".join(mismatches)

    all_fields = set(PS_TO_FIELD.values())
    rt = kids[-3].pid
    for k in kids:
        want = all_fields - {"nice"} if k.pid == rt else all_fields  # ps: "-" for RT
        assert compared.get(k.pid) == want, (k.pid, compared.get(k.pid))
    assert a[kids[-1].pid].nice == 7
    assert a[kids[-1].pid].priority == 27
    assert a[kids[-2].pid].nice == -5
    assert a[kids[-2].pid].priority == 15
    assert a[rt].priority == -11  # -1 - rt_priority
    assert a[rt].nice == 0
    assert a[kids[2].pid].num_threads == 6

    # long-lived processes (older than this test) seen by ps and both scans
    # were compared (on every field that held still around ps)
    old = [pid for pid in ps if pid in a and pid in b
           and a[pid].start_ticks == b[pid].start_ticks
           and a[pid].start_ticks < test_start_ticks]
    assert old, "no long-lived processes to compare"
    assert all(pid in compared for pid in old)
