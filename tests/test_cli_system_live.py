"""The system commands ``sysmon cpu``, ``mem``, ``disk`` and ``net`` on the live
system: ``mem`` against procps ``free``, ``disk`` against GNU ``df``
(tolerances below: memory and files change between the two calls), rates over
an interval, loopback traffic seen by ``net``, --watch ended by SIGINT, and
usage errors.  No timing is asserted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cli_support import (  # noqa: E402
    SYSMON,
    assert_one_error_line,
    cli_env,
    interrupted,
    ok,
    run,
)
from cli_system_support import (  # noqa: E402
    MIB,
    LoopbackTraffic,
    df_rows,
    free_bytes,
    have,
    json_of,
    read_until,
)

# --------------------------------------------------------------------------
# the live system, against free and df

MEM_TOLERANCE = 0.02  # of total: memory moves between the two programs' reads


@pytest.mark.skipif(not have("free"), reason="procps free not installed")
def test_mem_matches_free():
    header = subprocess.run(["free", "-b", "-w"], capture_output=True, text=True,
                            check=True).stdout.splitlines()[0]
    ours = ok("mem", "-b", "-w").splitlines()
    truth = free_bytes()
    assert ours[0] == header  # same columns, same layout
    got = {ln.split()[0]: [int(v) for v in ln.split()[1:]] for ln in ours[1:]}
    assert list(got) == ["Mem:", "Swap:"]
    for row in ("Mem:", "Swap:"):
        total = truth[row][0]
        assert got[row][0] == total, row
        assert len(got[row]) == len(truth[row])
        for i, (a, b) in enumerate(zip(got[row][1:], truth[row][1:]), 1):
            assert abs(a - b) <= MEM_TOLERANCE * total, (row, i, a, b)


@pytest.mark.skipif(not have("free"), reason="procps free not installed")
@pytest.mark.parametrize("flags", [[], ["-h"], ["-m"], ["-g"], ["--si", "-h"], ["-t"]])
def test_mem_layout_matches_free(flags):
    truth = subprocess.run(["free", *flags], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    ours = ok("mem", *flags).splitlines()
    assert ours[0] == truth[0]
    assert len(ours) == len(truth)
    # totals do not move: the same text, in the same place
    for a, b in zip(ours[1:], truth[1:]):
        assert a[:20] == b[:20]


def test_disk_matches_df():
    truth = df_rows()
    if not truth:
        pytest.skip("GNU df with --output is not available")
    ours = {}
    for ln in ok("disk").splitlines()[1:]:
        parts = ln.split()
        if len(parts) == 11:
            ours[parts[10]] = parts
    common = set(truth) & set(ours)
    assert "/" in common
    for mnt in common:
        t, o = truth[mnt], ours[mnt]
        size, itotal = int(t[1]), int(t[5])
        assert (o[0], int(o[1]), int(o[5])) == (t[0], size, itotal), mnt
        slack = size // 100 + 64 * MIB  # files come and go meanwhile
        assert abs(int(o[2]) - int(t[2])) <= slack and abs(int(o[3]) - int(t[3])) <= slack
        assert abs(int(o[4][:-1]) - int(t[4][:-1])) <= 1
        assert abs(int(o[6]) - int(t[6])) <= itotal // 100 + 1000
    # df's own de-duplication (by device) can only hide rows we show
    assert set(truth) <= set(ours)


def test_disk_human_matches_df():
    p = subprocess.run(["df", "-h", "--output=size,itotal,target"], capture_output=True,
                       text=True, check=False)
    if p.returncode != 0 and not p.stdout:
        pytest.skip("GNU df with --output is not available")
    truth = {ln.split()[2]: ln.split()[:2] for ln in p.stdout.splitlines()[1:]
             if len(ln.split()) == 3}
    ours = {ln.split()[10]: [ln.split()[1], ln.split()[5]]
            for ln in ok("disk", "-h").splitlines()[1:] if len(ln.split()) == 11}
    for mnt in set(truth) & set(ours):
        assert ours[mnt] == truth[mnt], mnt


def test_live_json_keys():
    assert list(json_of("mem")) == ["memory", "swap"]
    cpu = json_of("cpu", "--interval", "0.2")
    assert cpu["cpu_percent"] is not None
    modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    assert sum(cpu["cpu_percent"][m] or 0 for m in modes) == pytest.approx(100.0)
    assert len(cpu["percpu"]) == cpu["cpu_limits"]["online"]
    disk = json_of("disk", "--interval", "0.2")
    assert list(disk) == ["filesystems", "disk_rate", "interval"]
    assert disk["interval"] > 0
    for rate in disk["disk_rate"].values():
        assert rate is None or set(rate) >= {"read_bytes_per_s", "util_percent", "await_time"}
    mounts = [f["mount"]["mountpoint"] for f in disk["filesystems"]]
    assert "/" in mounts
    assert set(json_of("net")["net_io"]) >= {"lo"}


def test_live_interval_text():
    lines = ok("disk", "--interval", "0.2").splitlines()
    assert "" in lines
    assert lines[lines.index("") + 1].split() == ["Device", "rB/s", "wB/s", "r/s", "w/s",
                                                  "await", "r_await", "w_await", "%util"]
    cpu = ok("cpu", "--interval", "0.2").splitlines()
    table = cpu[cpu.index("") + 1:]
    assert table[0].split()[:2] == ["CPU", "%busy"]
    assert table[1].split()[0] == "all" and float(table[1].split()[1]) >= 0


def test_net_counts_loopback_traffic():
    traffic = LoopbackTraffic().start(continuous=False)
    try:
        before = json_of("net")["net_io"]["lo"]
        traffic.send_once(4 * MIB)
        after = json_of("net")["net_io"]["lo"]
    finally:
        traffic.stop()
    assert after["rx_bytes"] - before["rx_bytes"] >= 4 * MIB
    assert after["tx_bytes"] - before["tx_bytes"] >= 4 * MIB
    assert after["rx_packets"] > before["rx_packets"]


def test_net_interval_sees_loopback_traffic():
    # the sender runs from before the command starts until after it ends, so
    # whatever the interval's timing, traffic flows during it
    traffic = LoopbackTraffic().start()
    try:
        obj = json_of("net", "--interval", "0.5")
        text = ok("net", "--interval", "0.5", "-h")
    finally:
        traffic.stop()
    assert traffic.sent >= 4 * MIB
    lo = obj["net_rate"]["lo"]
    assert lo["rx_bytes_per_s"] > 0 and lo["tx_bytes_per_s"] > 0
    assert lo["rx_packets_per_s"] > 0
    row = next(ln.split() for ln in text.splitlines() if ln.split()[0] == "lo")
    assert row[1] != "0" and row[1][-1] in "BKMG"


# --------------------------------------------------------------------------
# --watch ended by SIGINT, usage errors


STAMP = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", re.M)


def frames_done(json_mode: bool, count: int) -> Callable[[bytes], bool]:
    """True once ``count`` frames are complete: JSON lines, or text frames
    (each starts with a timestamp line, so frame ``count`` is complete when
    frame ``count + 1`` starts)."""
    def done(got: bytes) -> bool:
        if json_mode:
            return got.count(b"\n") >= count
        return len(STAMP.findall(got)) > count

    return done


@pytest.mark.parametrize(
    "args",
    [
        ["mem", "--watch", "0.1"],
        ["cpu", "--watch", "0.1", "--interval", "0.1"],
        ["disk", "--watch", "0.1"],
        ["net", "--watch", "0.1", "--interval", "0.1", "--json"],
    ],
    ids=" ".join,
)
def test_watch_ends_cleanly_on_sigint(args):
    def two_frames(p: subprocess.Popen[bytes]) -> bytes:
        assert p.stdout is not None
        return read_until(p.stdout, frames_done("--json" in args, 2))

    out, err, rc = interrupted(args, two_frames)
    assert (rc, err) == (0, b"")
    if "--json" in args:
        objs = [json.loads(ln) for ln in out.splitlines() if ln.strip()]
        assert len(objs) >= 2 and all("time" in o for o in objs)
    else:
        starts = [m.start() for m in STAMP.finditer(out)]
        assert len(starts) >= 3 and starts[0] == 0
        # frames are separated by a blank line
        frames = [out[a:b] for a, b in zip(starts, starts[1:])]
        assert all(f.endswith(b"\n\n") and f.count(b"\n") > 3 for f in frames)


def test_watch_into_closed_pipe_is_quiet():
    r, w = os.pipe()
    os.close(r)  # nobody reads: the first frame fails with EPIPE
    try:
        p = subprocess.run([*SYSMON, "mem", "--watch", "0.1"], stdout=w,
                           stderr=subprocess.PIPE, env=cli_env(), timeout=120)
    finally:
        os.close(w)
    assert (p.returncode, p.stderr) == (141, b"")


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["mem", "--watch", "0"], ["--watch", "'0'", "positive"]),
        (["mem", "--watch", "-1"], ["--watch", "'-1'"]),
        (["cpu", "--interval", "-0.5"], ["--interval", "'-0.5'"]),
        (["disk", "--interval", "0"], ["--interval"]),
        (["net", "--interval", "soon"], ["--interval", "soon"]),
        (["net", "--watch", "inf"], ["--watch", "inf"]),
        (["cpu", "--watch", "nan"], ["--watch", "nan"]),
        (["net", "--interval"], ["--interval", "expected one argument"]),
        (["mem", "-b", "-m"], ["not allowed"]),
        (["mem", "-h", "-g"], ["not allowed"]),
        (["disk", "--bogus"], ["--bogus"]),
        (["cpu", "--backend", "rust"], ["rust"]),
        (["mem", "--watch", "\x1b[2J"], ["\\x1b[2J"]),
    ],
)
def test_usage_errors(args, mentions):
    p = run(*args)
    err = assert_one_error_line(p, 2)
    assert p.stdout == b""
    for word in mentions:
        assert word in err


def test_help_and_human_flags():
    for cmd in ("mem", "disk", "net"):
        assert "--human" in ok(cmd, "--help")
    assert "--interval" in ok("cpu", "-h")
    assert ok("mem", "-h").splitlines()[0].split()[0] == "total"  # -h is human, not help
    assert ok("disk", "-h").splitlines()[0].startswith("Filesystem")
    top = ok("--help")
    for cmd in ("cpu", "mem", "disk", "net"):
        assert cmd in top
