"""Fixtures for the sysmon benchmarks (pytest-benchmark).

Run with ``pytest benchmarks/ --benchmark-only`` (or ``python benchmarks/run.py``).

The benchmark modules are named ``bench_*.py`` so the default ``test_*.py``
pattern never collects them; this conftest collects them, and only when the
benchmarks directory (or a file in it) is named explicitly on the command
line.  A plain ``pytest`` from the repository root (testpaths = ["tests"])
never loads this file at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

#: number of idle processes spawned for the whole session
N_IDLE = int(os.environ.get("SYSMON_BENCH_NPROCS", "1000"))


# --------------------------------------------------------------------------
# collection: bench_*.py, only when benchmarks/ is named explicitly
# --------------------------------------------------------------------------


def _named_explicitly(config: pytest.Config) -> bool:
    root = Path(config.invocation_params.dir)
    for arg in config.invocation_params.args:
        if arg.startswith("-"):
            continue
        p = (root / arg.split("::", 1)[0]).resolve()
        if p == HERE or HERE in p.parents:
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if (
        file_path.suffix == ".py"
        and file_path.name.startswith("bench_")
        and file_path.parent == HERE
        and _named_explicitly(parent.config)
        # a file named on the command line is already collected by pytest itself
        and not parent.session.isinitpath(file_path)
    ):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(session, config, items):
    """Interleave the benchmark blocks: per scenario, per rep, every implementation.

    Items of bench_*.py are parametrized by (scenario, rep); the order of the
    test functions in the file is kept within each block.  Other items keep
    their place (they sort before the benchmarks).
    """
    scen_order: dict[str, int] = {}
    func_order: dict[str, int] = {}

    def key(pair):
        idx, item = pair
        cs = getattr(item, "callspec", None)
        if cs is None or "rep" not in cs.params or not item.path.name.startswith("bench_"):
            return (0, idx, 0, 0, 0)
        scen = scen_order.setdefault(cs.params["scenario"], len(scen_order))
        func = func_order.setdefault(item.originalname, len(func_order))
        return (1, 0, scen, cs.params["rep"], func)

    items[:] = [it for _, it in sorted(enumerate(items), key=key)]


# --------------------------------------------------------------------------
# how busy the rest of the machine was while we measured
# --------------------------------------------------------------------------


def cpu_ticks() -> tuple[int, int]:
    """(busy, steal) clock ticks summed over all CPUs, from /proc/stat."""
    with open("/proc/stat", "rb") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy, v[7]


_START: dict[str, float] = {}


def pytest_sessionstart(session):
    busy, steal = cpu_ticks()
    t = os.times()
    children = t.children_user + t.children_system
    _START.update(
        busy=busy, steal=steal, own=t.user + t.system, children=children, wall=time.monotonic()
    )


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record the load of the rest of the machine during the run in the JSON."""
    if not _START:
        return
    hz = os.sysconf("SC_CLK_TCK")
    busy, steal = cpu_ticks()
    t = os.times()
    wall = time.monotonic() - _START["wall"]
    ncpu = os.cpu_count() or 1
    own = t.user + t.system - _START["own"]
    # the benchmarks' own children (ss, ps, lsof, the programs of bench_top.py), once
    # reaped, are not "other processes" either
    children = t.children_user + t.children_system - _START["children"]
    other = (busy - _START["busy"]) / hz - own - children
    machine_info["sysmon_bench"] = {
        "cpus": ncpu,
        "wall_s": round(wall, 1),
        "own_cpu_s": round(own, 1),
        "children_cpu_s": round(children, 1),
        "background_cpu_percent": round(max(other, 0.0) * 100 / (wall * ncpu), 1),
        "steal_percent": round((steal - _START["steal"]) / hz * 100 / (wall * ncpu), 1),
        "idle_processes_spawned": N_IDLE,
        "sources_sha256": sources_digest(),
        "tui_sources_sha256": sources_digest(("sysmon/tui/*.py", "sysmon/cli/top.py")),
    }


def sources_digest(patterns: tuple[str, ...] = ()) -> str:
    """A digest of the measured code (sysmon/*.py, csrc/*, benchmarks/floor*.c; or of
    the files matching ``patterns``, relative to the repository): names which version
    of the implementation the figures belong to."""
    repo = HERE.parent
    h = hashlib.sha256()
    if patterns:
        files = sorted(p for pat in patterns for p in repo.glob(pat))
    else:
        files = sorted(
            [*repo.glob("sysmon/*.py"), *repo.glob("csrc/*.[ch]"), *HERE.glob("floor*.c")]
        )
    for p in files:
        h.update(str(p.relative_to(repo)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


# --------------------------------------------------------------------------
# load: >= 1000 idle processes for the process-table benchmarks
# --------------------------------------------------------------------------


def _count_pids(proc: str = "/proc") -> int:
    return sum(1 for n in os.listdir(proc) if n.isdigit())


# Module scope: the processes live while bench_process.py runs and are gone
# before the next module, so the socket benchmarks (whose pid mapping walks
# every /proc/<pid>/fd) never scan them.
@pytest.fixture(scope="module")
def idle_processes():
    """Spawn N_IDLE ``sleep 3600`` processes; kill and reap them at teardown.

    Yields the total number of processes visible in /proc once they are up.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    want = _count_pids() + N_IDLE + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (new, hard))

    sleep = shutil.which("sleep") or "/bin/sleep"
    children: list[subprocess.Popen] = []
    t0 = time.perf_counter()
    try:
        for _ in range(N_IDLE):
            children.append(
                subprocess.Popen(
                    [sleep, "3600"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    close_fds=True,
                )
            )
        # wait until every child has exec'd sleep (comm no longer python's)
        deadline = time.monotonic() + 30
        pending = list(children)
        while pending and time.monotonic() < deadline:
            still = []
            for c in pending:
                try:
                    with open(f"/proc/{c.pid}/comm", "rb") as f:
                        if f.read().strip() != b"sleep":
                            still.append(c)
                except OSError:
                    still.append(c)
            pending = still
            if pending:
                time.sleep(0.05)
        spawn_s = time.perf_counter() - t0
        total = _count_pids()
        print(
            f"\n[benchmarks] spawned {len(children)} idle processes in {spawn_s:.2f}s;"
            f" {total} processes in /proc"
        )
        yield total
    finally:
        for c in children:
            with contextlib.suppress(OSError):
                c.send_signal(signal.SIGKILL)
        for c in children:
            with contextlib.suppress(Exception):  # best effort
                c.wait(timeout=30)


# --------------------------------------------------------------------------
# the syscall floor: floor.c compiled to a shared library, loaded by ctypes
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def floor_lib(tmp_path_factory):
    """floor.c built with ``gcc -O2 -shared -fPIC`` in a tmp dir; ctypes CDLL."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) to build the syscall floor")
    out = tmp_path_factory.mktemp("floor") / "libfloor.so"
    subprocess.run(
        [
            cc,
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-shared",
            "-fPIC",
            "-o",
            str(out),
            str(HERE / "floor.c"),
        ],
        check=True,
    )
    lib = ctypes.CDLL(str(out))
    lib.floor_scan.argtypes = [ctypes.c_char_p, ctypes.c_uint]
    lib.floor_scan.restype = ctypes.c_long
    return lib


@pytest.fixture(scope="session")
def floor_sys_lib(tmp_path_factory):
    """floor_sys.c (the floor of one system sample) built like floor.c; ctypes CDLL."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) to build the system-sample floor")
    out = tmp_path_factory.mktemp("floor_sys") / "libfloor_sys.so"
    subprocess.run(
        [cc, "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
         "-o", str(out), str(HERE / "floor_sys.c")],
        check=True,
    )  # fmt: skip
    lib = ctypes.CDLL(str(out))
    lib.floor_sys.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.floor_sys.restype = ctypes.c_long
    return lib


@pytest.fixture(scope="session")
def floor_pid_lib(tmp_path_factory):
    """floor_pid.c (the floor of one process in depth) built like floor.c; ctypes CDLL."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) to build the one-process floor")
    out = tmp_path_factory.mktemp("floor_pid") / "libfloor_pid.so"
    subprocess.run(
        [cc, "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
         "-o", str(out), str(HERE / "floor_pid.c")],
        check=True,
    )  # fmt: skip
    lib = ctypes.CDLL(str(out))
    lib.floor_pid_fds.argtypes = [ctypes.c_char_p, ctypes.c_int]
    lib.floor_pid_fds.restype = ctypes.c_long
    lib.floor_pid_all.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
    lib.floor_pid_all.restype = ctypes.c_long
    return lib
