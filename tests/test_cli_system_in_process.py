"""The system commands ``sysmon cpu``, ``mem``, ``disk`` and ``net`` in this
process, on a tree written by the test (cli_system_support.py), with the
sampler's clock and ``time.sleep`` replaced, so rates are exact and --watch
stops after a known number of frames.  No timing is asserted.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cli_system_support import (  # noqa: E402
    CPU_AFTER,
    EVIL_IFACE_SHOWN,
    MEM_DEFAULT,
    advance,
    write_tree,
)

import sysmon  # noqa: E402
import sysmon.cli  # noqa: E402

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
