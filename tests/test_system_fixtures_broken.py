"""System metrics on the hand-made trees of tests/fixtures/system/: C and Python
identical on every tree, a malformed file raising ParseError with its path
(and spoiling nothing else), a missing or empty root raising SysmonError, and
the committed trees being exactly what make_system.py writes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from system_fixture_support import BROKEN_KINDS, KB, SCENARIOS, assert_close, both, root, times

import sysmon
from sysmon import CpuFreq, CpuLimits, Memory, ParseError, SysmonError

# ------------------------------------------------------- C == Python
FUNCS: dict[str, Callable[[str], Any]] = {
    "cpu_times": lambda r: sysmon.cpu_times(root=r),
    "percpu_times": lambda r: sysmon.cpu_times(percpu=True, root=r),
    "cpu_stats": lambda r: sysmon.cpu_stats(root=r),
    "cpu_count": lambda r: sysmon.cpu_count(root=r),
    "cpu_count_possible": lambda r: sysmon.cpu_count("possible", root=r),
    "cpu_count_effective": lambda r: sysmon.cpu_count("effective", root=r),
    "cpu_limits": lambda r: sysmon.cpu_limits(root=r),
    "cpu_freq": lambda r: sysmon.cpu_freq(root=r),
    "temperatures": lambda r: sysmon.temperatures(root=r),
    "memory": lambda r: sysmon.memory(root=r),
    "swap": lambda r: sysmon.swap(root=r),
    "meminfo": lambda r: sysmon.meminfo(root=r),
    "vmstat": lambda r: sysmon.vmstat(root=r),
    "vm_events": lambda r: sysmon.vm_events(root=r),
    "loadavg": lambda r: sysmon.loadavg(root=r),
    "uptime": lambda r: sysmon.uptime(root=r),
    "pressure": lambda r: sysmon.pressure(root=r),
    "mounts": lambda r: sysmon.mounts(root=r),
    "disk_io": lambda r: sysmon.disk_io(root=r),
    "net_io": lambda r: sysmon.net_io(root=r),
    "snapshot": lambda r: sysmon.snapshot(root=r, usage=False)._replace(timestamp=0.0),
}


@pytest.mark.parametrize("fn", sorted(FUNCS))
@pytest.mark.parametrize("name", [*SCENARIOS, *(f"broken/{k}" for k in BROKEN_KINDS)])
def test_c_and_python_identical(name: str, fn: str) -> None:
    r = root(name)
    c, p = both(lambda: FUNCS[fn](r))
    assert c == p, (name, fn)


# ------------------------------------------------------------- broken/
# kind -> (the malformed file, the calls that read it; "snapshot" included
# when snapshot() reads that file)
BROKEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "stat": ("proc/stat", ("cpu_times", "percpu_times", "cpu_stats", "snapshot")),
    "meminfo": ("proc/meminfo", ("memory", "swap", "meminfo", "snapshot")),
    "vmstat": ("proc/vmstat", ("vmstat", "vm_events", "swap", "snapshot")),
    "loadavg": ("proc/loadavg", ("loadavg", "snapshot")),
    "uptime": ("proc/uptime", ("uptime", "snapshot")),
    "pressure": ("proc/pressure/memory", ("pressure", "snapshot")),
    "mountinfo": ("proc/self/mountinfo", ("mounts", "snapshot")),
    "diskstats": ("proc/diskstats", ("disk_io", "snapshot")),
    "netdev": ("proc/net/dev", ("net_io", "snapshot")),
    "cpulist": ("sys/devices/system/cpu/online",
                ("cpu_count", "cpu_count_effective", "cpu_limits")),
    "cpumax": ("sys/fs/cgroup/cpu.max", ("cpu_limits", "cpu_count_effective")),
    "cfsquota": ("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us",
                 ("cpu_limits", "cpu_count_effective")),
    "cpuset": ("sys/fs/cgroup/cpuset/cpuset.effective_cpus",
               ("cpu_limits", "cpu_count_effective")),
    # a frequency that is not a number reads as unknown (see the test below)
    "cpufreq": ("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", ()),
}
assert set(BROKEN) == set(BROKEN_KINDS)

BROKEN_CASES = [(k, fn) for k, (_, fns) in BROKEN.items() for fn in fns]


@pytest.mark.parametrize(("kind", "fn"), BROKEN_CASES)
def test_broken_file_raises_parse_error_with_its_path(kind: str, fn: str, backend: str) -> None:
    r = root(f"broken/{kind}")
    path = os.path.join(r, BROKEN[kind][0])
    with pytest.raises(ParseError) as ei:
        FUNCS[fn](r)
    assert ei.value.path == path
    assert path in str(ei.value)


UNSPOILED = [
    (k, fn)
    for k in BROKEN_KINDS for fn in sorted(FUNCS) if fn not in BROKEN[k][1]
]


@pytest.mark.parametrize(("kind", "fn"), UNSPOILED)
def test_broken_file_does_not_spoil_the_others(kind: str, fn: str, backend: str) -> None:
    """A call that does not read the malformed file works on that tree."""
    FUNCS[fn](root(f"broken/{kind}"))


def test_malformed_frequency_is_unknown(backend: str) -> None:
    """cpufreq files are sensors, like hwmon's: the kernel itself prints
    "<unknown>" when a driver cannot tell.  A value that is not a number
    makes that frequency None; the CPU stays listed."""
    r = root("broken/cpufreq")
    assert sysmon.cpu_freq(root=r) == {0: CpuFreq(None, None, None)}


def test_broken_base_is_healthy(backend: str) -> None:
    """The trees differ from a healthy one only in the broken file: the
    values every broken/ tree shares are read as written."""
    r = root("broken/cpufreq")
    assert_close(sysmon.cpu_times(root=r), times(100, 0, 50, 1000, 10, 0, 5, 0, 0, 0))
    assert_close(sysmon.memory(root=r), Memory(
        1000000 * KB, 700000 * KB, 300000 * KB, 500000 * KB, 0, 0, 0, None, None, None, 30.0))
    assert_close(sysmon.cpu_limits(root=r), CpuLimits(1, 1, None, None, 1))


# ------------------------------------------------------- missing root
ROOT_FILE = "etc-passwd-not-a-dir"
@pytest.mark.parametrize("fn", sorted(FUNCS))
@pytest.mark.parametrize("what", ["missing", "file"])
def test_missing_root_raises_sysmon_error(fn: str, what: str, backend: str,
                                          tmp_path: Path) -> None:
    if what == "missing":
        r = tmp_path / "no-such-root"
    else:
        r = tmp_path / ROOT_FILE
        r.write_bytes(b"root:x:0:0::/root:/bin/sh\n")
    with pytest.raises(SysmonError):
        FUNCS[fn](str(r))


def test_empty_root_dir_raises_for_required_files(backend: str, tmp_path: Path) -> None:
    """An existing but empty root: the calls that need a /proc file raise
    SysmonError (not OSError) naming it."""
    r = str(tmp_path)
    for fn, rel in (("cpu_times", "proc/stat"), ("memory", "proc/meminfo"),
                    ("loadavg", "proc/loadavg"), ("mounts", "proc/self/mountinfo"),
                    ("disk_io", "proc/diskstats"), ("net_io", "proc/net/dev")):
        with pytest.raises(SysmonError) as ei:
            FUNCS[fn](r)
        assert os.path.join(r, rel) in str(ei.value), fn


def test_fixture_trees_are_what_the_script_writes(tmp_path: Path) -> None:
    """The committed trees are exactly make_system.py's output (rerunning the
    script rewrites them identically)."""
    import importlib.util

    script = Path(root("big")).parent.parent / "make_system.py"
    spec = importlib.util.spec_from_file_location("make_system", script)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "system"
    mod.OUT = str(out)
    assert mod.main() == 0
    committed = Path(root("big")).parent

    def files(base: Path) -> dict[str, bytes]:
        return {str(p.relative_to(base)): p.read_bytes()
                for p in sorted(base.rglob("*")) if p.is_file()}

    assert files(out) == files(committed)
    shutil.rmtree(out)
