"""System metrics on the hand-made trees of tests/fixtures/system/, both backends:
every reader's values against the tables of expected values.

Every expected value is written from the fixture files (see
tests/fixtures/make_system.py, which spells each file out, and the README
next to it), never from sysmon's output; the tables are in
system_fixture_table_support.py.  The broken trees, missing roots and C
against Python on every tree are in test_system_fixtures_broken.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from system_fixture_support import CLK, SCENARIOS, U64, assert_close, root, times
from system_fixture_table_support import BIG, TABLE

import sysmon
from sysmon import CpuLimits

scenario_names = pytest.mark.parametrize("name", SCENARIOS)

# =================================================================== tests
@scenario_names
def test_cpu_times(name: str, backend: str) -> None:
    sc = TABLE[name]
    assert_close(sysmon.cpu_times(root=root(name)), sc.cpu_times, "cpu_times")
    per = sysmon.cpu_times(percpu=True, root=root(name))
    assert sorted(per) == sorted(sc.percpu)  # online CPUs only
    assert_close(per, sc.percpu, "percpu")


def test_big_percpu_spot_values(backend: str) -> None:
    """A few cpuN lines of big/ written out literally (not by the pattern)."""
    per = sysmon.cpu_times(percpu=True, root=root("big"))
    assert_close(per[0], times(10000, 0, 4000, 900000, 200, 50, 30, 0, 100, 0))
    assert_close(per[31], times(11147, 93, 4341, 903131, 231, 0, 92, 0, 131, 1))
    assert_close(per[40], times(11480, 120, 4440, 904040, 240, 50, 110, 7, 140, 1))
    assert_close(per[47], times(11739, 141, 4517, 904747, 247, 0, 124, 7, 147, 2))
    assert not set(per) & set(range(32, 40))
    assert max(per) == 47
    assert per[3].user == 10111 / CLK


@scenario_names
def test_cpu_stats(name: str, backend: str) -> None:
    assert_close(sysmon.cpu_stats(root=root(name)), TABLE[name].cpu_stats, "cpu_stats")


@scenario_names
def test_cpu_counts_and_limits(name: str, backend: str) -> None:
    sc = TABLE[name]
    r = root(name)
    assert_close(sysmon.cpu_limits(root=r), sc.limits, "cpu_limits")
    assert sysmon.cpu_count(root=r) == sc.limits.online
    assert sysmon.cpu_count("online", root=r) == sc.limits.online
    assert sysmon.cpu_count("possible", root=r) == sc.limits.possible
    assert sysmon.cpu_count("effective", root=r) == sc.limits.effective


def test_cgroup_v1_mounted_from_a_subdirectory(backend: str, tmp_path: Path) -> None:
    """A container's view of cgroup v1 (made here, not committed): the cpu
    hierarchy is mounted from /docker/abc and we sit in /docker/abc/sub,
    which has a quota of 0.5 CPU."""
    files = {
        "proc/stat": b"cpu  4 0 4 8\ncpu0 2 0 2 4\ncpu1 2 0 2 4\n",
        "proc/self/mountinfo": (
            b"1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
            b"2 1 0:30 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        ),
        "proc/self/cgroup": b"4:cpu,cpuacct:/docker/abc/sub\n",
        "sys/fs/cgroup/cpu,cpuacct/sub/cpu.cfs_quota_us": b"50000\n",
        "sys/fs/cgroup/cpu,cpuacct/sub/cpu.cfs_period_us": b"100000\n",
    }
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    assert_close(sysmon.cpu_limits(root=str(tmp_path)), CpuLimits(2, None, None, 0.5, 1))


def test_cpu_count_rejects_unknown_kind(backend: str) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        sysmon.cpu_count("present", root=root("big"))


@scenario_names
def test_cpu_freq(name: str, backend: str) -> None:
    got = sysmon.cpu_freq(root=root(name))
    assert_close(got, TABLE[name].freq, "cpu_freq")
    assert list(got) == sorted(got)  # cpu10 after cpu2, not after cpu1


NOBODY_CPU_FREQ = """
import os, sys
import sysmon
sysmon.set_backend(sys.argv[1])
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
try:
    got = sysmon.cpu_freq(root=sys.argv[2])
    print(repr(sorted((k, tuple(v)) for k, v in got.items())))
except sysmon.SysmonError as e:
    print("raised", type(e).__name__)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_cpu_freq_as_nobody_with_root_only_cpuinfo_cur_freq(backend: str) -> None:
    """sysfs makes cpuinfo_cur_freq readable by root only.  big/'s cpu1 has
    no scaling_cur_freq, so for nobody its current frequency is unknown:
    None, the row (min, max) and the other CPUs kept."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-freq-"))
    try:
        base.chmod(0o755)
        r = base / "big"
        shutil.copytree(root("big"), r)
        for p in r.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        for p in r.glob("sys/devices/system/cpu/cpu*/cpufreq/cpuinfo_cur_freq"):
            p.chmod(0o400)
        out = subprocess.run([sys.executable, "-c", NOBODY_CPU_FREQ, backend, str(r)],
                             capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(base)
    assert out.returncode == 0, out.stderr
    want = sorted((k, tuple(v)) for k, v in BIG.freq.items() if k != 1)
    want.append((1, (None, 800000 * 1000.0, 4700000 * 1000.0)))
    assert out.stdout.strip() == repr(sorted(want))


@scenario_names
def test_temperatures(name: str, backend: str) -> None:
    assert_close(sysmon.temperatures(root=root(name)), TABLE[name].temps, "temperatures")


def test_temperature_input_that_cannot_be_read(backend: str, tmp_path: Path) -> None:
    """A sensor whose input read fails (here EISDIR; on real hardware EIO or
    ENODATA) is left out; the other sensors stay."""
    r = tmp_path / "big"
    shutil.copytree(root("big"), r)
    inp = r / "sys/class/hwmon/hwmon0/temp1_input"
    inp.unlink()
    inp.mkdir()
    assert_close(sysmon.temperatures(root=str(r)), BIG.temps[1:], "temperatures")


@scenario_names
def test_memory(name: str, backend: str) -> None:
    assert_close(sysmon.memory(root=root(name)), TABLE[name].memory, "memory")


@scenario_names
def test_swap(name: str, backend: str) -> None:
    assert_close(sysmon.swap(root=root(name)), TABLE[name].swap, "swap")


@scenario_names
def test_meminfo_keeps_every_key(name: str, backend: str) -> None:
    got = sysmon.meminfo(root=root(name))
    assert_close(got, TABLE[name].meminfo, "meminfo")
    assert list(got) == list(TABLE[name].meminfo)  # file order, first of a repeat


@pytest.mark.parametrize("name", [n for n in SCENARIOS if TABLE[n].vmstat is not None])
def test_vmstat(name: str, backend: str) -> None:
    assert_close(sysmon.vmstat(root=root(name)), TABLE[name].vmstat, "vmstat")


@scenario_names
def test_vm_events(name: str, backend: str) -> None:
    assert_close(sysmon.vm_events(root=root(name)), TABLE[name].vm_events, "vm_events")


@scenario_names
def test_loadavg_uptime_pressure(name: str, backend: str) -> None:
    sc = TABLE[name]
    r = root(name)
    assert_close(sysmon.loadavg(root=r), sc.loadavg, "loadavg")
    assert_close(sysmon.uptime(root=r), sc.uptime, "uptime")
    assert_close(sysmon.pressure(root=r), sc.pressure, "pressure")


@scenario_names
def test_mounts(name: str, backend: str) -> None:
    assert_close(sysmon.mounts(root=root(name)), TABLE[name].mounts, "mounts")


def test_mount_points_decoded_exactly(backend: str) -> None:
    """The awkward mount points of big/, byte for byte (surrogateescape)."""
    points = [m.mountpoint for m in sysmon.mounts(root=root("big"))]
    raw = [p.encode("utf-8", "surrogateescape") for p in points]
    assert b"/home/alice/My Documents" in raw
    assert b"/media/usb\nstick" in raw
    assert b"/mnt/tab\tdir" in raw
    assert b"/mnt/back\\slash" in raw
    assert b"/mnt/\x1b[31mred" in raw
    assert b"/mnt/raw\x1b[0mesc" in raw
    assert b"/mnt/caf\xc3\xa9\xff" in raw
    assert b"/mnt/literal\\9\\400" in raw  # not octal escapes: kept as written


@scenario_names
def test_disk_io(name: str, backend: str) -> None:
    assert_close(sysmon.disk_io(root=root(name)), TABLE[name].disk_io, "disk_io")


def test_disk_io_field_lengths(backend: str) -> None:
    """14-field lines: no discard/flush; 18: discard only; 20: both."""
    d = sysmon.disk_io(root=root("big"))
    assert d["sda"].discards is None and d["sda"].flush_time is None
    assert d["nvme0n1p2"].discards == 636892 and d["nvme0n1p2"].flushes is None
    assert d["nvme0n1"].flushes == 312 and d["nvme0n1"].flush_time == 0.022
    assert d["dm-0"].read_bytes == U64 * 512  # no wrap, no clamp: bytes of 2^64-1 sectors


@scenario_names
def test_net_io(name: str, backend: str) -> None:
    assert_close(sysmon.net_io(root=root(name)), TABLE[name].net_io, "net_io")


@scenario_names
def test_snapshot_matches_the_tables(name: str, backend: str) -> None:
    sc = TABLE[name]
    s = sysmon.snapshot(root=root(name), usage=False)
    assert_close(s.cpu_times, sc.cpu_times, "cpu_times")
    assert_close(s.percpu_times, sc.percpu, "percpu_times")
    assert_close(s.memory, sc.memory, "memory")
    assert_close(s.swap, sc.swap, "swap")
    assert_close(s.vm_events, sc.vm_events, "vm_events")
    assert_close(s.loadavg, sc.loadavg, "loadavg")
    assert_close(s.uptime, sc.uptime.seconds, "uptime")
    assert_close(s.pressure, sc.pressure, "pressure")
    assert_close(s.mounts, sc.mounts, "mounts")
    assert_close(s.disk_io, sc.disk_io, "disk_io")
    assert_close(s.net_io, sc.net_io, "net_io")
    assert s.disk_usage == {}


@scenario_names
def test_snapshot_cpu_stats(name: str, backend: str) -> None:
    s = sysmon.snapshot(root=root(name), usage=False)
    assert_close(s.cpu_stats, TABLE[name].cpu_stats, "cpu_stats")


def test_snapshot_never_statvfs_a_fixture_root(backend: str) -> None:
    """usage=True (the default) on a root other than "/": the mount points
    are the fixture's, not this machine's, so there is no usage to give."""
    assert sysmon.snapshot(root=root("big")).disk_usage == {}
