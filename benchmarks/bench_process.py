"""Process-table benchmarks: sysmon (C, raw C, pure Python) vs psutil vs the syscall floor.

Run:  pytest benchmarks/ --benchmark-only          (or: python benchmarks/run.py)

Two groups, each measured side by side in one run against the same >= 1000
idle processes (conftest.idle_processes):

* ``process-table``       the full table: the 21 fields of FULL_FIELDS; sysmon
                          mask 11 (stat | status | cmdline); floor mask 11.
* ``process-table-stat``  a reduced table that needs only /proc/<pid>/stat
                          (pid, ppid, name, state, cpu times, vms); mask 1.
                          rss is not in it: sysmon's field registry takes rss
                          from status (VmRSS), so asking for it adds status.

Each scenario asserts that sysmon.fields.mask_for(its fields) is its mask, so a
registry change cannot silently make processes() read more files than the raw
scan and the floor it is compared with.

Interleaving: every implementation is benchmarked REPEATS times in blocks of
ROUNDS rounds, and conftest orders the blocks floor, C raw, C, pure raw, pure,
psutil, floor, C raw, ... (ids ``[full-r0]``, ``[full-r1]``, ...).  On a VM
whose speed drifts over seconds, running all rounds of one implementation and
then all of the next skews the ratios; interleaving spreads the drift over all
of them.  run.py pools the blocks of each implementation.

Every benchmark stores ``extra_info``: ``impl``, ``scenario``, ``mask``, ``rep``
and ``processes`` (rows returned by the measured call); run.py divides by the
latter to report microseconds per process.

psutil (deliberately conservative, i.e. in psutil's favour):
* ``psutil.process_iter.cache_clear()`` is called at the start of every
  round, so each round builds fresh Process objects and reads /proc for real
  (otherwise process_iter reuses its cached Process instances across rounds).
* psutil has no attr for minor/major faults, priority or the raw tty_nr on
  Linux; those are simply not requested from psutil.  Its ``terminal`` attr
  (the nearest to tty_nr) globs /dev/tty* and /dev/pts/* and stats every entry
  once per process, which would dominate its time, so it is left out too.
"""

from __future__ import annotations

import importlib
import os

import psutil
import pytest

REPEATS = int(os.environ.get("SYSMON_BENCH_REPEATS", "5"))
ROUNDS = int(os.environ.get("SYSMON_BENCH_ROUNDS", "6"))
WARMUP = int(os.environ.get("SYSMON_BENCH_WARMUP", "1"))
PROC = "/proc"

# fmt: off
FULL_FIELDS = (
    "pid", "ppid", "name", "cmdline", "state", "uid", "gid", "username",
    "num_threads", "create_time", "cpu_user", "cpu_system", "rss", "vms",
    "shared", "nice", "priority", "tty_nr", "cpu_num", "minor_faults",
    "major_faults",
)
STAT_FIELDS = ("pid", "ppid", "name", "state", "cpu_user", "cpu_system", "vms")

# psutil attrs nearest to FULL_FIELDS.  memory_info gives rss, vms, shared
# (from statm); cpu_times gives user/system (stat); uids/gids come from status.
PSUTIL_FULL = [
    "pid", "ppid", "name", "cmdline", "status", "uids", "gids", "username",
    "num_threads", "create_time", "cpu_times", "memory_info", "nice", "cpu_num",
]
# psutil's vms comes only with memory_info, which reads statm; it is left out
# so that psutil, too, reads only stat (in psutil's favour: no vms).
PSUTIL_STAT = ["pid", "ppid", "name", "status", "cpu_times"]
# fmt: on

SCENARIOS = {
    # id: (group, sysmon fields, raw/floor mask, psutil attrs)
    "full": ("process-table", FULL_FIELDS, 11, PSUTIL_FULL),
    "stat": ("process-table-stat", STAT_FIELDS, 1, PSUTIL_STAT),
}


def _params():
    return [
        pytest.param(k, rep, marks=pytest.mark.benchmark(group=v[0]), id=f"{k}-r{rep}")
        for k, v in SCENARIOS.items()
        for rep in range(REPEATS)
    ]


PARAMS = pytest.mark.parametrize(("scenario", "rep"), _params())


def _sysmon(submodule=None):
    """Import sysmon (or sysmon.<submodule>); skip while the implementation is not there."""
    try:
        return importlib.import_module("sysmon" if submodule is None else f"sysmon.{submodule}")
    except ImportError as exc:
        pytest.skip(f"import failed: {exc!r}")


def _check_mask(scenario):
    """The registry must map the scenario's fields to exactly its mask."""
    fields_mod = _sysmon("fields")
    _, names, mask, _ = SCENARIOS[scenario]
    got = int(fields_mod.mask_for(frozenset(names)))
    assert got == mask, f"{scenario}: fields need mask {got}, benchmark compares mask {mask}"


def _run(benchmark, fn, impl, scenario, rep, min_rows):
    result = benchmark.pedantic(fn, rounds=ROUNDS, warmup_rounds=WARMUP, iterations=1)
    n = result if isinstance(result, int) else len(result)
    benchmark.extra_info.update(
        impl=impl, scenario=scenario, mask=SCENARIOS[scenario][2], rep=rep, processes=n
    )
    assert n >= min_rows, f"{impl}: only {n} rows, expected >= {min_rows}"
    return result


@pytest.fixture
def backend():
    """Set sysmon's backend for one benchmark and restore it afterwards."""
    sysmon = _sysmon()
    before = sysmon.backend()

    def set_(name):
        sysmon.set_backend(name)
        assert sysmon.backend() == name
        return sysmon

    yield set_
    sysmon.set_backend(before)


def _min_rows(idle_processes):
    return idle_processes * 9 // 10


# The order of the functions below is the order within each interleaved block.

# ---------------------------------------------------------------- floor


@PARAMS
def test_floor(benchmark, idle_processes, floor_lib, scenario, rep):
    mask = SCENARIOS[scenario][2]
    path = PROC.encode()
    _run(
        benchmark,
        lambda: floor_lib.floor_scan(path, mask),
        "floor",
        scenario,
        rep,
        _min_rows(idle_processes),
    )


# ---------------------------------------------------------------- sysmon


@PARAMS
def test_sysmon_c_raw(benchmark, idle_processes, scenario, rep):
    native = _sysmon("_native")
    mask = SCENARIOS[scenario][2]
    _run(
        benchmark,
        lambda: native.scan_raw(PROC, mask),
        "c_raw",
        scenario,
        rep,
        _min_rows(idle_processes),
    )


@PARAMS
def test_sysmon_c(benchmark, idle_processes, backend, scenario, rep):
    sysmon = backend("c")
    _check_mask(scenario)
    fields = SCENARIOS[scenario][1]
    rows = _run(
        benchmark,
        lambda: sysmon.processes(fields=fields),
        "c",
        scenario,
        rep,
        _min_rows(idle_processes),
    )
    assert all(r.name is not None for r in rows[:10])


@PARAMS
def test_sysmon_python_raw(benchmark, idle_processes, scenario, rep):
    pure = _sysmon("_pure")
    mask = SCENARIOS[scenario][2]
    _run(
        benchmark,
        lambda: pure.scan_raw(PROC, mask),
        "python_raw",
        scenario,
        rep,
        _min_rows(idle_processes),
    )


@PARAMS
def test_sysmon_python(benchmark, idle_processes, backend, scenario, rep):
    sysmon = backend("python")
    _check_mask(scenario)
    fields = SCENARIOS[scenario][1]
    _run(
        benchmark,
        lambda: sysmon.processes(fields=fields),
        "python",
        scenario,
        rep,
        _min_rows(idle_processes),
    )


# ---------------------------------------------------------------- psutil


@PARAMS
def test_psutil(benchmark, idle_processes, scenario, rep):
    attrs = SCENARIOS[scenario][3]

    def scan():
        psutil.process_iter.cache_clear()  # fresh Process objects every round
        return list(psutil.process_iter(attrs))

    procs = _run(benchmark, scan, "psutil", scenario, rep, _min_rows(idle_processes))
    benchmark.extra_info["psutil_version"] = psutil.__version__
    benchmark.extra_info["psutil_attrs"] = attrs
    assert set(procs[0].info) >= set(attrs)
