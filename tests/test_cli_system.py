"""The system commands ``sysmon cpu``, ``mem``, ``disk`` and ``net``.

First the formatters (free's and df's human units).  Then a tree written by
the test (cli_system_support.py), run as a real program on both backends
with exact output; the same tree in this process with the sampler's clock
and ``time.sleep`` replaced, so rates are exact and --watch stops after a
known number of frames.  Then the live system: ``mem`` against procps
``free``, ``disk`` against GNU ``df`` (tolerances below: memory and files
change between the two calls), rates over an interval, loopback traffic
seen by ``net``, --watch ended by SIGINT, and usage errors.  No timing is
asserted.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cli_support import (  # noqa: E402
    BACKENDS,
    SYSMON,
    assert_one_error_line,
    assert_terminal_safe,
    cli_env,
    ok,
    run,
)
from cli_system_support import (  # noqa: E402
    EVIL_IFACE,
    EVIL_IFACE_SHOWN,
    SHOWN_MOUNTS,
    SHOWN_MOUNTS_TEXT,
    LoopbackTraffic,
    advance,
    df_rows,
    free_bytes,
    have,
    read_until,
    write_tree,
)

import sysmon  # noqa: E402
import sysmon.cli  # noqa: E402
from sysmon.cli._system import df_human  # noqa: E402
from sysmon.cli.mem import scale  # noqa: E402

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30


@pytest.fixture(scope="module", name="tree")
def tree_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("sys"))


def utc_env(**extra: str) -> dict[str, str]:
    return cli_env(TZ="UTC", **extra)


def json_of(*args: str, env: dict[str, str] | None = None) -> dict:
    out = ok(*args, "--json", env=env)
    assert out.isascii() and out.count("\n") == 1
    return json.loads(out)


# --------------------------------------------------------------------------
# formatters


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        # values free -h printed on a real machine (KiB from /proc/meminfo)
        (24684092 * KIB, "23Gi"),
        (426068 * KIB, "416Mi"),
        (8856 * KIB, "8.6Mi"),
        (584868 * KIB, "571Mi"),
        (0, "0B"),
        (999, "999B"),
        (1000, "1.0Ki"),  # "1000B" is wider than free's 4 characters
        (1023 * KIB, "1.0Mi"),  # "1023.0Ki" and "1023Ki" are too wide
        (9 * MIB + 1000 * KIB, "9Mi"),  # "10.0Mi" is too wide: free truncates
        (10 * MIB, "10Mi"),
        (3 * (1 << 40) // 2, "1.5Ti"),
        (5 * (1 << 50), "5.0Pi"),
    ],
)
def test_free_human(n, shown):
    assert scale(n, 0, True, False) == shown


@pytest.mark.parametrize(
    ("n", "exponent", "si", "shown"),
    [
        (25276510208, 0, False, "24684092"),  # default: KiB, truncated
        (25276510208, 1, False, "25276510208"),
        (25276510208, 2, False, "24684092"),
        (25276510208, 3, False, "24105"),
        (25276510208, 4, False, "23"),
        (25276510208, 0, True, "25276510"),  # --si: kB
        (25276510208, 3, True, "25276"),
    ],
)
def test_free_units(n, exponent, si, shown):
    assert scale(n, exponent, False, si) == shown


def test_free_human_si():
    assert scale(25276510208, 0, True, True) == "25G"
    assert scale(9068544, 0, True, True) == "9.1M"
    assert scale(0, 0, True, True) == "0B"


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        # values df -h printed on a real machine
        (270553174016, "252G"),
        (23882838016, "23G"),  # 22.2 rounds up
        (85061455872, "80G"),
        (4096, "4.0K"),
        (3083623, "3.0M"),
        (424773, "415K"),
        (16777216, "16M"),
        (0, "0"),
        (114, "114"),
        (1023, "1023"),
        (1024, "1.0K"),
        (1025, "1.1K"),  # rounded up
        (10239, "10K"),  # 9.999 rounds up to 10
        (MIB - 1, "1.0M"),  # 1023.999K rounds up to the next unit
        (1 << 60, "1.0E"),
    ],
)
def test_df_human(n, shown):
    assert df_human(n) == shown


# --------------------------------------------------------------------------
# the written tree, as a real program: exact output

MEM_DEFAULT = """\
               total        used        free      shared  buff/cache   available
Mem:         8000000     3000000     1000000      100000     3000000     5000000
Swap:        2000000      500000     1500000
"""
MEM_HUMAN = """\
               total        used        free      shared  buff/cache   available
Mem:           7.6Gi       2.9Gi       976Mi        97Mi       2.9Gi       4.8Gi
Swap:          1.9Gi       488Mi       1.4Gi
"""
MEM_WIDE_TOTAL_BYTES = """\
               total        used        free      shared     buffers       cache   available
Mem:      8192000000  3072000000  1024000000   102400000   204800000  2867200000  5120000000
Swap:     2048000000   512000000  1536000000
Total:   10240000000  3584000000  2560000000
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_mem(tree, backend):
    base = ["mem", "--root", str(tree), "--backend", backend]
    assert ok(*base) == MEM_DEFAULT
    assert ok(*base, "-h") == MEM_HUMAN
    assert ok(*base, "--human") == MEM_HUMAN
    assert ok(*base, "-b", "-w", "-t") == MEM_WIDE_TOTAL_BYTES
    assert ok(*base, "-m").splitlines()[1].split() == ["Mem:", "7812", "2929", "976", "97",
                                                       "2929", "4882"]
    obj = json_of(*base)
    assert list(obj) == ["memory", "swap"]
    assert obj["memory"] == {
        "total": 8192000000, "available": 5120000000, "used": 3072000000,
        "free": 1024000000, "buffers": 204800000, "cached": 2867200000,
        "shared": 102400000, "active": 3072000000, "inactive": 2048000000,
        "slab": 409600000, "percent": 37.5,
    }
    page = os.sysconf("SC_PAGE_SIZE")
    assert obj["swap"] == {"total": 2048000000, "used": 512000000, "free": 1536000000,
                           "percent": 25.0, "sin": 10 * page, "sout": 20 * page}


def test_tree_mem_without_vmstat(tmp_path):
    root = write_tree(tmp_path)
    (root / "proc" / "vmstat").unlink()
    assert ok("mem", "--root", str(root)) == MEM_DEFAULT
    swap = json_of("mem", "--root", str(root))["swap"]
    assert (swap["total"], swap["sin"], swap["sout"]) == (2048000000, None, None)


CPU_SUMMARY = """\
CPUs:            2 online, 2 effective (no cgroup limit)
Load average:    0.50 1.25 2.00
Tasks:           456 total, {running} running, {blocked} blocked
Uptime:          1 day, 02:03:04 (booted 2023-11-14 22:13:20)
Since boot:      {ctxt} context switches, {intr} interrupts, {softirq} soft interrupts, \
{forks} forks
Pressure cpu:    unavailable
Pressure memory: unavailable
Pressure io:     unavailable
"""
CPU_BEFORE = CPU_SUMMARY.format(running=3, blocked=1, ctxt=654321, intr=123456, softirq=777,
                                forks=4242)
CPU_AFTER = CPU_SUMMARY.format(running=2, blocked=0, ctxt=655000, intr=123999, softirq=800,
                               forks=4250)
CPU_TITLES = "CPU %busy %user %nice %system %iowait %irq %softirq %steal %idle\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_cpu(tree, backend):
    out = ok("cpu", "--root", str(tree), "--backend", backend, "--interval", "0.01",
             env=utc_env())
    # the tree does not change: no tick elapsed, so no percentage (never 0)
    assert out == CPU_BEFORE + "\n" + CPU_TITLES + (
        "all     -     -     -       -       -    -        -      -     -\n"
        "0       -     -     -       -       -    -        -      -     -\n"
        "1       -     -     -       -       -    -        -      -     -\n"
    )
    obj = json_of("cpu", "--root", str(tree), "--backend", backend, "--interval", "0.01")
    assert list(obj) == ["cpu_limits", "loadavg", "uptime", "cpu_stats", "pressure",
                         "cpu_freq", "temperatures", "cpu_times", "interval", "cpu_percent",
                         "percpu"]
    assert obj["cpu_limits"] == {"online": 2, "possible": None, "cpuset": None,
                                 "quota": None, "effective": 2}
    assert obj["loadavg"] == {"load1": 0.5, "load5": 1.25, "load15": 2.0, "running": 3,
                              "total": 456, "last_pid": 7890}
    assert obj["uptime"] == {"seconds": 93784.56, "idle": 180000.0}
    assert obj["cpu_stats"] == {"ctx_switches": 654321, "interrupts": 123456,
                                "soft_interrupts": 777, "forks": 4242, "procs_running": 3,
                                "procs_blocked": 1, "boot_time": 1700000000}
    assert obj["pressure"] == {"cpu": None, "memory": None, "io": None}
    assert (obj["cpu_freq"], obj["temperatures"]) == ({}, [])
    assert obj["cpu_percent"] is None
    assert obj["percpu"] == {"0": None, "1": None}
    assert obj["interval"] > 0


NET_TITLES = "RX_BYTES RX_PACKETS RX_ERRORS RX_DROPS TX_BYTES TX_PACKETS TX_ERRORS TX_DROPS"
NET_TEXT = f"""\
IFACE              {NET_TITLES.replace("RX_BYTES", " RX_BYTES", 1)}
lo                      1000         10         0        0     1000         10         0        0
eth0               123456789       1000         1        2   987654        900         3        4
{EVIL_IFACE_SHOWN}         5          1         0        0        6          1         0        0
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_net(tree, backend):
    out = ok("net", "--root", str(tree), "--backend", backend)
    assert out == NET_TEXT
    assert_terminal_safe(out.encode())
    human = ok("net", "--root", str(tree), "-h").splitlines()
    assert human[2].split()[1] == "118M" and human[2].split()[5] == "965K"
    obj = json_of("net", "--root", str(tree), "--backend", backend)
    evil = EVIL_IFACE.decode("utf-8", "surrogateescape")
    assert list(obj) == ["net_io"]
    assert list(obj["net_io"]) == ["lo", "eth0", evil]  # exact name, ASCII-escaped JSON
    assert obj["net_io"]["eth0"]["rx_bytes"] == 123456789
    assert obj["net_io"]["eth0"]["tx_drops"] == 4
    assert obj["net_io"][evil]["tx_bytes"] == 6


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_disk(tree, backend):
    st = os.statvfs(tree)
    size = st.f_blocks * st.f_frsize
    out = ok("disk", "--root", str(tree), "--backend", backend)
    assert_terminal_safe(out.encode())
    lines = out.splitlines()
    assert lines[0].split() == ["Filesystem", "Size", "Used", "Avail", "Use%", "Inodes",
                                "IUsed", "IFree", "IUse%", "Type", "Mounted", "on"]
    rows = [ln.split(None, 10) for ln in lines[1:]]
    # /proc is a pseudo filesystem, /gone is not under the root, the first
    # /data is hidden by the second; every mount point is statvfs'd under the root
    assert [(r[0], r[9], r[10]) for r in rows] == SHOWN_MOUNTS_TEXT
    assert all(int(r[1]) == size and int(r[5]) == st.f_files for r in rows)
    obj = json_of("disk", "--root", str(tree), "--backend", backend)
    assert list(obj) == ["filesystems"]
    got = [(f["mount"]["device"], f["mount"]["fstype"], f["mount"]["mountpoint"])
           for f in obj["filesystems"]]
    assert got == SHOWN_MOUNTS
    assert all(f["disk_usage"]["total"] == size for f in obj["filesystems"])
    assert obj["filesystems"][0]["mount"]["mount_id"] == 27
    # --all adds the pseudo filesystem (its directory exists under the root)
    everything = ok("disk", "--root", str(tree), "--all").splitlines()[1:]
    assert [ln.split()[-1] for ln in everything][:2] == ["/proc", "/"]


def test_tree_root_from_environment(tree):
    assert ok("mem", env=cli_env(SYSMON_ROOT=str(tree))) == MEM_DEFAULT
    assert ok("net", env=cli_env(SYSMON_ROOT=str(tree))) == NET_TEXT


def test_missing_root_is_one_error_line(tmp_path):
    for cmd in ("cpu", "mem", "disk", "net"):
        err = assert_one_error_line(run(cmd, "--root", str(tmp_path / "nowhere")), 1)
        assert "nowhere" in err


# --------------------------------------------------------------------------
# the written tree in this process: exact rates, --watch frames


@pytest.fixture
def fresh_tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path)


@pytest.fixture
def keep_backend() -> Iterator[None]:
    prev = sysmon.backend()
    yield
    sysmon.set_backend(prev)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class FakeTime:
    """The sampler's clock (2 seconds per sample) and time.sleep: the first
    sleep advances the tree's counters; the ``stop_after``-th sleep of
    ``watch`` seconds raises KeyboardInterrupt, as Ctrl-C would."""

    def __init__(self, tree: Path, stop_after: int = 0, watch: float = 5.0) -> None:
        self.tree, self.stop_after, self.watch = tree, stop_after, watch
        self.now = 98.0
        self.sleeps: list[float] = []

    def reset(self) -> None:
        """The tree as it was, for another run."""
        write_tree(self.tree)
        self.sleeps.clear()

    def clock(self) -> float:
        self.now += 2.0
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) == 1:
            advance(self.tree)
        if self.stop_after and self.sleeps.count(self.watch) >= self.stop_after:
            raise KeyboardInterrupt


@pytest.fixture
def fake_time(monkeypatch, fresh_tree, keep_backend, utc) -> FakeTime:
    fake = FakeTime(fresh_tree)
    real = sysmon.SystemSampler
    monkeypatch.setattr(sysmon, "SystemSampler", functools.partial(real, clock=fake.clock))
    monkeypatch.setattr(time, "sleep", fake.sleep)
    return fake


def main_out(capsys, *args: str) -> str:
    assert sysmon.cli.main(list(args)) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


CPU_RATES = """\
CPU %busy %user %nice %system %iowait %irq %softirq %steal  %idle
all 22.50 15.00  0.00    5.00    2.50 1.25     1.25   0.00  75.00
0   45.00 30.00  0.00   10.00    5.00 2.50     2.50   0.00  50.00
1    0.00  0.00  0.00    0.00    0.00 0.00     0.00   0.00 100.00
"""


def test_rates_cpu_exact(capsys, fake_time):
    out = main_out(capsys, "cpu", "--root", str(fake_time.tree), "--interval", "2")
    assert out == CPU_AFTER + "\n" + CPU_RATES
    assert fake_time.sleeps == [2.0]


def test_rates_disk_exact(capsys, fake_time):
    out = main_out(capsys, "disk", "--root", str(fake_time.tree), "--io", "--interval", "2")
    # loop0 never did any I/O: hidden without --all
    assert out == (
        "Device   rB/s    wB/s   r/s   w/s await r_await w_await %util\n"
        "sda    524288 1048576 50.00 25.00  3.33    2.00    6.00 50.00\n"
        "sda1        0       0  0.00  0.00     -       -       -  0.00\n"
    )
    fake_time.reset()
    out = main_out(capsys, "disk", "--root", str(fake_time.tree), "--io", "-h", "--all")
    assert out.splitlines()[1:] == [
        "loop0     0    0  0.00  0.00     -       -       -  0.00",
        "sda    512K 1.0M 50.00 25.00  3.33    2.00    6.00 50.00",
        "sda1      0    0  0.00  0.00     -       -       -  0.00",
    ]


def test_rates_disk_json(capsys, fake_time):
    obj = json.loads(main_out(capsys, "disk", "--root", str(fake_time.tree), "--interval",
                              "2", "--json"))
    assert list(obj) == ["filesystems", "disk_rate", "interval"]
    assert obj["interval"] == 2.0
    assert list(obj["disk_rate"]) == ["sda", "sda1"]
    assert obj["disk_rate"]["sda"] == {
        "read_bytes_per_s": 524288.0, "write_bytes_per_s": 1048576.0, "read_iops": 50.0,
        "write_iops": 25.0, "util_percent": 50.0, "await_time": pytest.approx(0.5 / 150),
        "read_await": 0.002, "write_await": 0.006,
    }
    assert obj["disk_rate"]["sda1"]["await_time"] is None


def test_rates_net_exact(capsys, fake_time):
    out = main_out(capsys, "net", "--root", str(fake_time.tree), "--interval", "2")
    w = len(EVIL_IFACE_SHOWN)  # the widest name sets the first column
    zeros = "    0.00    0.00     0.00     0.00"
    assert out == (
        f"{'IFACE':<{w}} rxB/s txB/s rxpck/s txpck/s rxerr/s txerr/s rxdrop/s txdrop/s\n"
        f"{'lo':<{w}}     0     0    0.00    0.00{zeros}\n"
        f"{'eth0':<{w}}  1024  2048   10.00    5.00{zeros}\n"
        f"{EVIL_IFACE_SHOWN}     0     0    0.00    0.00{zeros}\n"
    )


def test_rates_net_json(capsys, fake_time):
    obj = json.loads(main_out(capsys, "net", "--root", str(fake_time.tree), "--interval",
                              "2", "--json"))
    assert list(obj) == ["net_io", "net_rate", "interval"]
    assert obj["net_rate"]["eth0"] == {
        "rx_bytes_per_s": 1024.0, "tx_bytes_per_s": 2048.0, "rx_packets_per_s": 10.0,
        "tx_packets_per_s": 5.0, "rx_errors_per_s": 0.0, "tx_errors_per_s": 0.0,
        "rx_drops_per_s": 0.0, "tx_drops_per_s": 0.0,
    }
    assert obj["net_io"]["eth0"]["rx_bytes"] == 123458837


def test_watch_text_frames(capsys, fake_time):
    fake_time.stop_after = 2
    out = main_out(capsys, "mem", "--root", str(fake_time.tree), "--watch", "5")
    frames = out.split("\n\n")
    assert len(frames) == 2
    for frame in frames:
        stamp, rest = frame.split("\n", 1)
        time.strptime(stamp, "%Y-%m-%d %H:%M:%S")
        assert rest.rstrip("\n") + "\n" == MEM_DEFAULT


def test_watch_json_frames_with_rates(capsys, fake_time):
    fake_time.stop_after = 2
    out = main_out(capsys, "net", "--root", str(fake_time.tree), "--interval", "2",
                   "--watch", "5", "--json")
    # the first frame waits --interval between two samples; later frames
    # measure since the previous frame
    assert fake_time.sleeps == [2.0, 5.0, 5.0]
    lines = out.splitlines()
    assert len(lines) == 2
    objs = [json.loads(ln) for ln in lines]
    assert [list(o) for o in objs] == [["time", "net_io", "net_rate", "interval"]] * 2
    assert objs[0]["net_rate"]["eth0"]["rx_bytes_per_s"] == 1024.0
    assert objs[1]["net_rate"]["eth0"]["rx_bytes_per_s"] == 0.0  # nothing changed since


def test_interrupt_without_watch_is_130(monkeypatch, capsys, fresh_tree, keep_backend):
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupted)
    assert sysmon.cli.main(["cpu", "--root", str(fresh_tree)]) == 130
    assert capsys.readouterr().err == ""


DISK_USAGE = {
    "/": sysmon.DiskUsage(10_000_000_000, 2_500_000_001, 7_499_999_999, 6_999_999_999,
                          26.3, 1_000_000, 1, 999_999, 999_999, 0.0001),
    "/data": sysmon.DiskUsage(4096, 0, 4096, 4096, 0.0, 0, 0, 0, 0, 0.0),
    "/mnt/with space\ttab": sysmon.DiskUsage(0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0.0),
    "/proc": sysmon.DiskUsage(0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0.0),
}


def test_disk_table_exact(monkeypatch, capsys, fresh_tree, keep_backend):
    def usage(path: str) -> sysmon.DiskUsage:
        rel = os.path.relpath(path, fresh_tree)
        try:
            return DISK_USAGE["/" if rel == "." else "/" + rel]
        except KeyError:
            raise sysmon.SysmonError(f"cannot get disk usage of {path}") from None

    monkeypatch.setattr(sysmon, "disk_usage", usage)
    base = ["disk", "--root", str(fresh_tree)]
    # Use% rounds up (26.3 -> 27, 0.0001 -> 1); no inodes: "-"; the empty
    # scratch filesystem is hidden
    assert main_out(capsys, *base) == (
        "Filesystem              Size       Used      Avail Use%  Inodes IUsed  IFree IUse%"
        " Type Mounted on\n"
        "/dev/sda1        10000000000 2500000001 6999999999  27% 1000000     1 999999    1%"
        " ext4 /\n"
        "/dev/ev\\x1b[2Jil        4096          0       4096   0%       0     0      0     -"
        " ext4 /data\n"
    )
    assert main_out(capsys, *base, "-h", "-a") == (
        "Filesystem       Size Used Avail Use% Inodes IUsed IFree IUse% Type  Mounted on\n"
        "proc                0    0     0    -      0     0     0     - proc  /proc\n"
        "/dev/sda1        9.4G 2.4G  6.6G  27%   977K     1  977K    1% ext4  /\n"
        "/dev/ev\\x1b[2Jil 4.0K    0  4.0K   0%      0     0     0     - ext4  /data\n"
        "scratch             0    0     0    -      0     0     0     - tmpfs"
        " /mnt/with space\\ttab\n"
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
    p = subprocess.Popen([*SYSMON, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=cli_env())
    assert p.stdout is not None and p.stderr is not None
    try:
        got = read_until(p.stdout, frames_done("--json" in args, 2))
        p.send_signal(signal.SIGINT)
        rest, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert (p.returncode, err) == (0, b"")
    out = got + rest
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
