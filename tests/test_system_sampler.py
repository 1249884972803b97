"""SystemSampler over the wrap1/ -> wrap2/ fixture trees, both backends.

The sampler reads its root at every sample: each test copies wrap1/ into a
temporary root, samples, replaces the files with wrap2/'s and samples again,
with an injected clock.  Expected rates are worked out by hand below from the
two trees' counters (the deltas are also listed in make_system.py): a counter
that went down from the top half of its range wrapped (at 2**32 for the
diskstats millisecond fields, which the kernel prints as 32-bit, else at
2**64); one that went down from lower is a restart (no rate); a CPU mode
that went down counts as 0.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from system_fixture_support import assert_close, root, typed, using

import sysmon
from sysmon import CpuStats, SystemSampler
from sysmon.system import CpuPercent, DiskRate, NetRate, SystemSample

T0, T1 = 50.0, 52.5
DT = T1 - T0  # 2.5 s

# ------------------------------------------------------------- expected
# CPU: deltas of wrap2 - wrap1 per mode (user nice system idle iowait irq
# softirq steal guest guest_nice); percent = delta / (sum of the first 8) * 100,
# busy = (total - idle - iowait) / total * 100.
#   cpu : 300 20 100 400 (-50 -> 0) 80 60 40 100 10       total 1000
#   cpu0: 100 10 40 30 10 4 6 0 20 2                      total 200
#   cpu1: 50 0 50 100 (-200 -> 0) 0 0 0 0 0               total 200
CPU_TOTAL = CpuPercent(busy=60.0, user=30.0, nice=2.0, system=10.0, idle=40.0, iowait=0.0,
                       irq=8.0, softirq=6.0, steal=4.0, guest=10.0, guest_nice=1.0)
CPU0 = CpuPercent(busy=80.0, user=50.0, nice=5.0, system=20.0, idle=15.0, iowait=5.0,
                  irq=2.0, softirq=3.0, steal=0.0, guest=10.0, guest_nice=1.0)
CPU1 = CpuPercent(busy=50.0, user=25.0, nice=0.0, system=25.0, idle=50.0, iowait=0.0,
                  irq=0.0, softirq=0.0, steal=0.0, guest=0.0, guest_nice=0.0)
# cpu2 went offline (absent), cpu3 had no tick (None), cpu4 came online (None)
PERCPU: dict[int, CpuPercent | None] = {0: CPU0, 1: CPU1, 3: None, 4: None}

# sda: reads 2**64-616 -> 384, sectors read 2**64-100 -> 4900 (64-bit wrap);
# io ms 2**32-296 -> 1954 (32-bit wrap); the rest plain.
SDA_READS = 384 + 2**64 - (2**64 - 616)  # 1000
SDA_SECTORS_READ = 4900 + 2**64 - (2**64 - 100)  # 5000
SDA_READ_MS = 3000 - 1000
SDA_WRITES = 5500 - 5000
SDA_SECTORS_WRITTEN = 104000 - 100000
SDA_WRITE_MS = 8000 - 7000
SDA_IO_MS = 1954 + 2**32 - (2**32 - 296)  # 2250
SDA = DiskRate(
    read_bytes_per_s=SDA_SECTORS_READ * 512 / DT,  # 1024000
    write_bytes_per_s=SDA_SECTORS_WRITTEN * 512 / DT,  # 819200
    read_iops=SDA_READS / DT,  # 400
    write_iops=SDA_WRITES / DT,  # 200
    util_percent=SDA_IO_MS / (DT * 1000) * 100,  # 90
    await_time=(SDA_READ_MS + SDA_WRITE_MS) / (SDA_READS + SDA_WRITES) / 1000,  # 2 ms
    read_await=SDA_READ_MS / SDA_READS / 1000,
    write_await=SDA_WRITE_MS / SDA_WRITES / 1000,
)
# dm-0: no request completed; io ms +3000 in 2.5 s -> 120 %, capped at 100
DM0 = DiskRate(0.0, 0.0, 0.0, 0.0, 100.0, None, None, None)
# sdb vanished (absent), sdc is new (None), nvme0n1 is 259:0 -> 259:3 (None)
DISK: dict[str, DiskRate | None] = {"sda": SDA, "dm-0": DM0, "sdc": None, "nvme0n1": None}

# eth0: rx bytes 2**64-1000 -> 1500, rx packets 2**64-1 -> 4 (64-bit wraps);
# tx bytes 2**64-100 -> 150, rx drops 2**64-1 -> 0 (64-bit wraps too).
ETH0 = NetRate(
    rx_bytes_per_s=(1500 + 2**64 - (2**64 - 1000)) / DT,  # 1000
    tx_bytes_per_s=(150 + 2**64 - (2**64 - 100)) / DT,  # 100
    rx_packets_per_s=(4 + 2**64 - (2**64 - 1)) / DT,  # 2
    tx_packets_per_s=(35 - 10) / DT,  # 10
    rx_errors_per_s=0.0,
    tx_errors_per_s=(6 - 1) / DT,  # 2
    rx_drops_per_s=(0 + 2**64 - (2**64 - 1)) / DT,  # 0.4
    tx_drops_per_s=(5 - 0) / DT,  # 2
)
LO = NetRate(250000 / DT, 250000 / DT, 500 / DT, 500 / DT, 0.0, 0.0, 0.0, 0.0)
# wlan0 vanished (absent), docker0 is new (None)
NET: dict[str, NetRate | None] = {"lo": LO, "eth0": ETH0, "docker0": None}

WRAP1_KEYS = {"percpu": [0, 1, 2, 3], "disk": ["sda", "sdb", "nvme0n1", "dm-0"],
              "net": ["lo", "eth0", "wlan0"]}
WRAP2_KEYS = {"percpu": [0, 1, 3, 4], "disk": ["sda", "sdc", "nvme0n1", "dm-0"],
              "net": ["lo", "eth0", "docker0"]}


# ------------------------------------------------------------- helpers
class FakeClock:
    """Returns the given timestamps, one per call, and checks none is left over."""

    def __init__(self, *times: float) -> None:
        self.times = list(times)
        self.calls = 0

    def __call__(self) -> float:
        assert self.calls < len(self.times), "sampled more often than the test planned"
        t = self.times[self.calls]
        self.calls += 1
        return t


class Machine:
    """A temporary root whose files can be switched between fixture trees."""

    def __init__(self, base: Path) -> None:
        self.root = base / "root"

    def load(self, tree: str) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        shutil.copytree(root(tree), self.root)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    m = Machine(tmp_path)
    m.load("wrap1")
    return m


def sampler(m: Machine, clock: FakeClock) -> SystemSampler:
    return SystemSampler(root=str(m.root), usage=False, clock=clock)


def assert_no_rates(s: SystemSample, keys: dict[str, list[Any]]) -> None:
    assert s.interval is None
    assert s.cpu_percent is None
    assert s.percpu == dict.fromkeys(keys["percpu"])
    assert s.disk == dict.fromkeys(keys["disk"])
    assert s.net == dict.fromkeys(keys["net"])


# --------------------------------------------------------------- tests
def test_first_sample_has_no_rates(machine: Machine, backend: str) -> None:
    clock = FakeClock(T0)
    s = sampler(machine, clock).sample()
    assert_no_rates(s, WRAP1_KEYS)
    assert s.snapshot.timestamp == T0
    assert clock.calls == 1


def test_second_sample_rates_by_hand(machine: Machine, backend: str) -> None:
    clock = FakeClock(T0, T1)
    smp = sampler(machine, clock)
    smp.sample()
    machine.load("wrap2")
    s = smp.sample()
    assert s.interval == DT
    assert s.snapshot.timestamp == T1
    assert_close(s.cpu_percent, CPU_TOTAL, "cpu_percent")
    assert_close(s.percpu, PERCPU, "percpu")
    assert 2 not in s.percpu  # offline CPU: absent, not None
    assert_close(s.disk, DISK, "disk")
    assert "sdb" not in s.disk
    assert_close(s.net, NET, "net")
    assert "wlan0" not in s.net


def test_wraps_are_not_negative_or_huge(machine: Machine, backend: str) -> None:
    """The same facts as plain numbers: a wrap is a small delta."""
    clock = FakeClock(T0, T1)
    smp = sampler(machine, clock)
    smp.sample()
    machine.load("wrap2")
    s = smp.sample()
    sda, eth0 = s.disk["sda"], s.net["eth0"]
    assert sda is not None and eth0 is not None
    assert sda.read_iops == 400.0
    assert sda.read_bytes_per_s == 1024000.0
    assert sda.util_percent == pytest.approx(90.0)
    assert eth0.rx_bytes_per_s == 1000.0
    assert eth0.tx_bytes_per_s == 100.0
    assert eth0.rx_drops_per_s == pytest.approx(0.4)
    assert s.cpu_percent is not None and s.cpu_percent.iowait == 0.0


def test_clock_that_does_not_move_gives_no_rates(machine: Machine, backend: str) -> None:
    clock = FakeClock(T0, T0)
    smp = sampler(machine, clock)
    smp.sample()
    machine.load("wrap2")
    assert_no_rates(smp.sample(), WRAP2_KEYS)


def test_clock_going_backwards_gives_no_rates(machine: Machine, backend: str) -> None:
    clock = FakeClock(T1, T0)
    smp = sampler(machine, clock)
    smp.sample()
    machine.load("wrap2")
    assert_no_rates(smp.sample(), WRAP2_KEYS)


def test_rates_resume_from_the_latest_sample(machine: Machine, backend: str) -> None:
    """After a sample with a stalled clock, the next interval starts at that
    sample: wrap2 again 4 s later is zero activity (0.0, not None) and no CPU
    tick (cpu_percent None)."""
    clock = FakeClock(T0, T0, T0 + 4.0)
    smp = sampler(machine, clock)
    smp.sample()
    machine.load("wrap2")
    smp.sample()
    s = smp.sample()
    assert s.interval == 4.0
    assert s.cpu_percent is None
    assert s.percpu == dict.fromkeys(WRAP2_KEYS["percpu"])
    zero_net = NetRate(*[0.0] * 8)
    assert_close(s.net, dict.fromkeys(WRAP2_KEYS["net"], zero_net), "net")
    idle = DiskRate(0.0, 0.0, 0.0, 0.0, 0.0, None, None, None)
    assert_close(s.disk, dict.fromkeys(WRAP2_KEYS["disk"], idle), "disk")


def test_snapshot_in_a_sample_is_the_root_read_then(machine: Machine, backend: str) -> None:
    clock = FakeClock(T0, T1)
    smp = sampler(machine, clock)
    first = smp.sample().snapshot
    machine.load("wrap2")
    second = smp.sample().snapshot
    assert first.uptime == 1000.0 and second.uptime == 1002.5
    assert sorted(first.percpu_times) == [0, 1, 2, 3]
    assert sorted(second.percpu_times) == [0, 1, 3, 4]
    assert first.net_io["eth0"].rx_bytes == 2**64 - 1000
    assert second.net_io["eth0"].rx_bytes == 1500
    assert second.disk_io["nvme0n1"].minor == 3
    r = str(machine.root)
    assert second.memory == sysmon.memory(root=r)
    assert second.disk_io == sysmon.disk_io(root=r)
    assert second.net_io == sysmon.net_io(root=r)
    assert second.cpu_times == sysmon.cpu_times(root=r)
    assert second.disk_usage == {}


def test_snapshot_cpu_stats(machine: Machine, backend: str) -> None:
    s = sampler(machine, FakeClock(T0)).sample().snapshot
    assert s.cpu_stats == CpuStats(ctx_switches=1000000, interrupts=None,
                                   soft_interrupts=None, forks=5000, procs_running=3,
                                   procs_blocked=0, boot_time=1700000000)


def _run(m: Machine, name: str) -> list[Any]:
    with using(name):
        m.load("wrap1")
        smp = sampler(m, FakeClock(T0, T1, T1, T0, T1 + 1.0))
        out = [smp.sample()]
        m.load("wrap2")
        out += [smp.sample() for _ in range(4)]
    return [typed(s) for s in out]


def test_backends_identical(tmp_path: Path) -> None:
    m = Machine(tmp_path)
    assert _run(m, "c") == _run(m, "python")


def test_counters_that_restart_give_no_rate(machine: Machine, backend: str) -> None:
    """wrap2 then wrap1: lo's counters go from 1250000 back to 1000000, far
    from the top of a 32- or 64-bit range, so lo was made again (a restart),
    not wrapped: no rate for this interval (None), never ~2**32 bytes/s."""
    clock = FakeClock(T0, T1)
    machine.load("wrap2")
    smp = sampler(machine, clock)
    smp.sample()
    machine.load("wrap1")
    s = smp.sample()
    assert s.interval == DT
    assert "lo" in s.net
    assert s.net["lo"] is None
    assert s.disk["sdb"] is None  # new in wrap1 (absent from wrap2)
    assert s.disk["nvme0n1"] is None  # its major:minor changed: another device
