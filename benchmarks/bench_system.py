"""System-metrics benchmarks: one full system sample, sysmon C and pure vs psutil vs the floor.

Run:  python benchmarks/run.py --suite system      (or: pytest benchmarks/bench_system.py
      --benchmark-only)

Group ``system-sample``: one full system sample, every implementation side by side:

* ``floor``       floor_sys.c via ctypes: open/read-to-EOF/close of the 11 files
                  sysmon reads, then statvfs of every distinct mount point of
                  mountinfo; the same syscalls as sysmon, no parsing.
* ``floor_py``    the same syscalls from Python (os.open/os.read/os.close, os.statvfs),
                  mount points taken from mountinfo with bytes.split: the least a
                  pure-Python reader pays.
* ``c``           ``SystemSampler(usage=True).sample()`` on the C backend: every
                  counter (/proc/stat per-CPU, totals and counters, meminfo, vmstat,
                  loadavg, uptime, the three pressure files, mountinfo + statvfs of
                  each mount, diskstats, net/dev) as records, plus the rates since the
                  previous sample (CPU %, per CPU, per disk, per interface).
* ``c_snapshot``  ``sysmon.snapshot()`` on the C backend: the same reads and records,
                  no rates (shows what the rate computation costs).
* ``python``      the sampler on the pure-Python backend.
* ``psutil``      psutil's nearest equivalent (PSUTIL_SAMPLE below).

The sampler is primed once before each block, so every measured sample computes
rates (as psutil.cpu_percent is primed, so that it computes them too).

Sub-benchmark groups ``system-<part>``: one domain call each, sysmon C, sysmon pure
and psutil's nearest call, to show where the time of a sample goes (PARTS below).

Interleaving as in bench_process.py: every implementation of a group runs REPEATS
blocks of ROUNDS rounds, ordered floor, floor_py, c, c_snapshot, python, psutil,
floor, ...; run.py pools the blocks.  Each round is one call (iterations=1).

Every benchmark stores ``extra_info``: ``impl``, ``scenario``, ``rep``, ``samples``
(= 1: run.py reports microseconds per call) and what the call saw (cpus, disks,
interfaces, mounts, statvfs calls) so runs on different machines can be compared.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil
import pytest

REPEATS = int(os.environ.get("SYSMON_BENCH_REPEATS", "5"))
ROUNDS = int(os.environ.get("SYSMON_BENCH_SYS_ROUNDS", "200"))
WARMUP = int(os.environ.get("SYSMON_BENCH_SYS_WARMUP", "10"))
PROC = "/proc"
HERE = Path(__file__).resolve().parent

#: the files of one sample, in sysmon's order (system._read); pressure may be absent
SAMPLE_FILES = (
    "stat", "meminfo", "vmstat", "diskstats", "net/dev", "self/mountinfo",
    "loadavg", "uptime", "pressure/cpu", "pressure/memory", "pressure/io",
)  # fmt: skip
PSI = ("cpu", "memory", "io")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _sysmon(submodule: str | None = None) -> ModuleType:
    """Import sysmon (or sysmon.<submodule>); skip while the implementation is not there."""
    try:
        return importlib.import_module("sysmon" if submodule is None else f"sysmon.{submodule}")
    except ImportError as exc:
        pytest.skip(f"import failed: {exc!r}")


@pytest.fixture
def backend() -> Iterator[Callable[[str], ModuleType]]:
    """Set sysmon's backend for one benchmark and restore it afterwards."""
    sysmon = _sysmon()
    before = sysmon.backend()

    def set_(name: str) -> ModuleType:
        sysmon.set_backend(name)
        assert sysmon.backend() == name
        return sysmon

    yield set_
    sysmon.set_backend(before)


def _run(benchmark: Any, fn: Callable[[], Any], impl: str, scenario: str, rep: int) -> Any:
    result = benchmark.pedantic(fn, rounds=ROUNDS, warmup_rounds=WARMUP, iterations=1)
    benchmark.extra_info.update(impl=impl, scenario=scenario, rep=rep, samples=1)
    return result


def _params(scenarios: list[str], group_of: Callable[[str], str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("scenario", "rep"),
        [
            pytest.param(s, rep, marks=pytest.mark.benchmark(group=group_of(s)), id=f"{s}-r{rep}")
            for s in scenarios
            for rep in range(REPEATS)
        ],
    )


_ESC = re.compile(rb"\\([0-7]{3})")


def _unescape(b: bytes) -> bytes:
    """mountinfo's octal escapes ("\\040" -> b" ")."""
    if b"\\" not in b:
        return b
    return _ESC.sub(
        lambda m: bytes([int(m.group(1), 8)]) if int(m.group(1), 8) < 256 else m.group(0), b
    )


def distinct_mountpoints(mountinfo: bytes) -> list[bytes]:
    """Field 5 of every mountinfo line, unescaped, first occurrence only, in order."""
    seen: dict[bytes, None] = {}
    for line in mountinfo.split(b"\n"):
        parts = line.split(b" ", 5)
        if len(parts) > 4:
            seen.setdefault(_unescape(parts[4]), None)
    return list(seen)


def _read_text(path: str) -> str | None:
    """What a psutil user would write for a file psutil does not read (PSI)."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


# --------------------------------------------------------------------------
# the implementations of one full sample
# --------------------------------------------------------------------------

_OPEN = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK
_PATHS = tuple(f"{PROC}/{f}" for f in SAMPLE_FILES)
_MOUNTINFO = _PATHS.index(f"{PROC}/self/mountinfo")


def floor_py() -> tuple[int, int]:
    """The floor's syscalls from Python: (files read, statvfs calls that succeeded)."""
    files = 0
    mountinfo = b""
    for i, path in enumerate(_PATHS):
        try:
            fd = os.open(path, _OPEN)
        except FileNotFoundError:
            continue
        try:
            chunks = []
            while True:
                b = os.read(fd, 65536)
                if not b:
                    break
                chunks.append(b)
        finally:
            os.close(fd)
        files += 1
        if i == _MOUNTINFO:
            mountinfo = b"".join(chunks)
    done = 0
    for mp in distinct_mountpoints(mountinfo):
        try:
            os.statvfs(mp)
        except OSError:
            continue
        done += 1
    return files, done


def psutil_sample(psi: bool = True) -> dict[str, Any]:
    """psutil's nearest equivalent of SystemSampler(usage=True).sample().

    In psutil's favour wherever there was a choice: disk_usage() once per distinct
    mount point (disk_partitions(all=True) lists /dev/pts and /dev/shm twice here);
    only the per-CPU cpu_percent (the total would be one more /proc/stat read);
    psutil has no rate API for disks and interfaces, so none is computed.  psutil has
    no PSI: the three /proc/pressure files are read with open().read() and not parsed;
    nor uptime (boot_time() is its equivalent) nor VM event counters (swap_memory()
    reads /proc/vmstat for pswpin/pswpout only).
    """
    usage: dict[str, Any] = {}
    for p in psutil.disk_partitions(all=True):
        if p.mountpoint in usage:
            continue
        try:
            usage[p.mountpoint] = psutil.disk_usage(p.mountpoint)
        except OSError:
            continue
    return {
        "cpu_times": psutil.cpu_times(),
        "percpu": psutil.cpu_times(percpu=True),
        "cpu_stats": psutil.cpu_stats(),
        "boot_time": psutil.boot_time(),
        "memory": psutil.virtual_memory(),
        "swap": psutil.swap_memory(),
        "loadavg": psutil.getloadavg(),
        "usage": usage,
        "disk_io": psutil.disk_io_counters(perdisk=True),
        "net_io": psutil.net_io_counters(pernic=True),
        "cpu_percent": psutil.cpu_percent(percpu=True),
        "pressure": {r: _read_text(f"{PROC}/pressure/{r}") for r in PSI} if psi else {},
    }


def _seen(snap: Any) -> dict[str, int]:
    return {
        "cpus": len(snap.percpu_times),
        "disks": len(snap.disk_io),
        "interfaces": len(snap.net_io),
        "mounts": len(snap.mounts),
        "statvfs": len(snap.disk_usage),
    }


def _check_same_devices(snap: Any) -> None:
    """The psutil set sees the same CPUs, disks, interfaces and mount points."""
    ps = psutil_sample(psi=False)
    assert len(ps["percpu"]) == len(snap.percpu_times)
    assert set(ps["disk_io"]) == set(snap.disk_io), (set(ps["disk_io"]), set(snap.disk_io))
    assert set(ps["net_io"]) == set(snap.net_io)
    assert set(ps["usage"]) <= {m.mountpoint for m in snap.mounts}


# The order of the functions below is the order within each interleaved block.

SAMPLE = _params(["sample"], lambda _s: "system-sample")


@SAMPLE
def test_sys_floor(benchmark: Any, floor_sys_lib: Any, scenario: str, rep: int) -> None:
    files = ctypes.c_long(0)
    path = PROC.encode()
    ref = ctypes.byref(files)
    n = _run(benchmark, lambda: floor_sys_lib.floor_sys(path, ref), "floor", scenario, rep)
    assert n >= 1, f"floor_sys failed: {n}"
    assert files.value >= len(SAMPLE_FILES) - len(PSI)
    src = (HERE / "floor_sys.c").read_bytes()
    benchmark.extra_info.update(
        files=files.value, statvfs=n, floor_sys_sha256=hashlib.sha256(src).hexdigest()[:12]
    )


@SAMPLE
def test_sys_floor_py(benchmark: Any, scenario: str, rep: int) -> None:
    files, n = _run(benchmark, floor_py, "floor_py", scenario, rep)
    benchmark.extra_info.update(files=files, statvfs=n)


@SAMPLE
def test_sys_c(
    benchmark: Any, backend: Callable[[str], ModuleType], scenario: str, rep: int
) -> None:
    sysmon = backend("c")
    sampler = sysmon.SystemSampler(usage=True)
    sampler.sample()  # prime: every measured sample computes rates
    s = _run(benchmark, sampler.sample, "c", scenario, rep)
    # cpu_percent may be None: rounds are < 1 ms apart, ticks are 10 ms
    assert s.interval is not None
    assert set(s.disk) == set(s.snapshot.disk_io)
    benchmark.extra_info.update(_seen(s.snapshot))
    if rep == 0:
        _check_same_devices(s.snapshot)


@SAMPLE
def test_sys_c_snapshot(
    benchmark: Any, backend: Callable[[str], ModuleType], scenario: str, rep: int
) -> None:
    sysmon = backend("c")
    snap = _run(benchmark, lambda: sysmon.snapshot(usage=True), "c_snapshot", scenario, rep)
    benchmark.extra_info.update(_seen(snap))


@SAMPLE
def test_sys_python(
    benchmark: Any, backend: Callable[[str], ModuleType], scenario: str, rep: int
) -> None:
    sysmon = backend("python")
    sampler = sysmon.SystemSampler(usage=True)
    sampler.sample()
    s = _run(benchmark, sampler.sample, "python", scenario, rep)
    assert s.interval is not None
    assert set(s.disk) == set(s.snapshot.disk_io)
    benchmark.extra_info.update(_seen(s.snapshot))


@SAMPLE
def test_sys_psutil(benchmark: Any, scenario: str, rep: int) -> None:
    psutil.cpu_percent(percpu=True)  # prime, as the sampler is primed
    r = _run(benchmark, psutil_sample, "psutil", scenario, rep)
    benchmark.extra_info.update(
        psutil_version=psutil.__version__,
        cpus=len(r["percpu"]),
        disks=len(r["disk_io"]),
        interfaces=len(r["net_io"]),
        statvfs=len(r["usage"]),
    )


# --------------------------------------------------------------------------
# sub-benchmarks: one domain call each
# --------------------------------------------------------------------------


def _mountpoints() -> list[str]:
    with open(f"{PROC}/self/mountinfo", "rb") as f:
        return [os.fsdecode(m) for m in distinct_mountpoints(f.read())]


def _usage_sysmon(sysmon: ModuleType) -> Callable[[], list[Any]]:
    mps = _mountpoints()

    def run() -> list[Any]:
        out = []
        for m in mps:
            try:
                out.append(sysmon.disk_usage(m))
            except sysmon.SysmonError:
                continue
        return out

    return run


def _usage_psutil() -> Callable[[], list[Any]]:
    mps = _mountpoints()

    def run() -> list[Any]:
        out = []
        for m in mps:
            try:
                out.append(psutil.disk_usage(m))
            except OSError:
                continue
        return out

    return run


#: part -> (sysmon call given the sysmon module, psutil's nearest call, what psutil does)
PARTS: dict[
    str, tuple[Callable[[ModuleType], Callable[[], Any]], Callable[[], Callable[[], Any]], str]
] = {
    "cpu-percpu": (
        lambda sm: lambda: sm.cpu_times(percpu=True),
        lambda: lambda: psutil.cpu_times(percpu=True),
        "psutil.cpu_times(percpu=True)",
    ),
    "memory": (lambda sm: sm.memory, lambda: psutil.virtual_memory, "psutil.virtual_memory()"),
    "swap": (lambda sm: sm.swap, lambda: psutil.swap_memory, "psutil.swap_memory()"),
    "disk-io": (
        lambda sm: sm.disk_io,
        lambda: lambda: psutil.disk_io_counters(perdisk=True),
        "psutil.disk_io_counters(perdisk=True)",
    ),
    "net-io": (
        lambda sm: sm.net_io,
        lambda: lambda: psutil.net_io_counters(pernic=True),
        "psutil.net_io_counters(pernic=True)",
    ),
    "mounts": (
        lambda sm: sm.mounts,
        lambda: lambda: psutil.disk_partitions(all=True),
        "psutil.disk_partitions(all=True)",
    ),
    "usage": (
        _usage_sysmon,
        _usage_psutil,
        "psutil.disk_usage(m) for each distinct mount point (sysmon: disk_usage(m))",
    ),
    "pressure": (
        lambda sm: sm.pressure,
        lambda: lambda: {r: _read_text(f"{PROC}/pressure/{r}") for r in PSI},
        "no psutil API: open().read() of the 3 files, unparsed",
    ),
}

PART = _params(list(PARTS), lambda s: f"system-{s}")


@PART
def test_part_c(
    benchmark: Any, backend: Callable[[str], ModuleType], scenario: str, rep: int
) -> None:
    fn = PARTS[scenario][0](backend("c"))
    _run(benchmark, fn, "c", scenario, rep)


@PART
def test_part_python(
    benchmark: Any, backend: Callable[[str], ModuleType], scenario: str, rep: int
) -> None:
    fn = PARTS[scenario][0](backend("python"))
    _run(benchmark, fn, "python", scenario, rep)


@PART
def test_part_psutil(benchmark: Any, scenario: str, rep: int) -> None:
    fn = PARTS[scenario][1]()
    _run(benchmark, fn, "psutil", scenario, rep)
    benchmark.extra_info.update(psutil_version=psutil.__version__, psutil_call=PARTS[scenario][2])
