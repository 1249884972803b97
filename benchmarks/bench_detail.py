"""One process in depth: sysmon.Process (C, pure Python) vs psutil vs ls/lsof/ps vs the floor.

Run:  python benchmarks/run.py --suite detail      (or: pytest benchmarks/bench_detail.py
      --benchmark-only)

Load: a helper child (``detail_load``) holds, until the module is done, N_FDS
open fds (default 1,000: 30 pipes = 60 fds, 20 unix socketpairs = 40 fds, and
900 regular files: 100 files of 64 KiB each opened 9 times, read-only,
read-write or write-append, every fd at its own offset), 16 threads (the main
one and 15 waiting on an event), an environment of exactly 60 variables (two
of them secret-looking, so redaction has work) and 3 children (``sleep``).
Closing its stdin ends it: it kills and reaps its children and exits.

Three groups, every implementation side by side:

* ``detail-fds``   every open fd of the helper.
    ``floor``        floor_pid.c ``floor_pid_fds(dir, 0)`` via ctypes: readlinkat of
                     every fd + fdinfo read to EOF, nothing parsed.
    ``floor_follow`` the same + fstatat of every fd (sysmon follows each link on the
                     live /proc to tell files, directories, devices ... apart).
    ``c``/``python`` ``with sysmon.Process(pid) as p: p.fds()`` on each backend.
    ``psutil``       ``p = psutil.Process(pid); p.open_files(); p.num_fds()``: the
                     nearest; open_files lists regular files only (readlink, stat
                     of the path, fdinfo of files only), num_fds counts the entries.
    ``ls``           ``ls -l /proc/PID/fd`` (exec, output read).
    ``lsof``         ``lsof -p PID`` when installed (also lists cwd, rtd, txt, mem).
    ``exec_true``    ``true`` run the same way: the exec part of those two.
* ``detail-all``   one full deep dive: everything ``sysmon proc`` shows except
                   connections and the table fields (SYSMON_DIVE below).
    ``floor``/``floor_follow``  ``floor_pid_all(dir, follow)``: the same files read
                     once each, the same links read, nothing parsed.
    ``c``/``python`` ``sysmon_dive()`` on each backend.
    ``psutil``       ``as_dict(PSUTIL_ATTRS)`` + ``rlimit()`` of all 16 resources.
* ``detail-tree``  the process tree, with conftest's 1,000 idle processes
                   (``idle_processes``, the same fixture as bench_process.py: about
                   1 s to start) on top of what the machine runs.
    ``floor_full``/``floor_stat``  floor.c ``floor_scan`` mask 11 / mask 1: the
                     syscalls of the tables process_tree() and process_tree(("pid",
                     "ppid")) read.
    ``c``/``python``              ``sysmon.process_tree()`` (every field).
    ``c_min``/``python_min``      ``sysmon.process_tree(("pid", "ppid"))``: stat only.
    ``psutil``       ``process_iter(["pid", "ppid"])`` (cache cleared) and the same
                     tree built from the ppids (PSUTIL_TREE below).
    ``ps``           ``ps -e --forest -o pid,ppid,cmd`` (exec, output read).
    ``exec_true``    ``true`` run the same way.
    ``c_children``/``python_children``/``psutil_children``  the helper's children:
                     ``sysmon.Process(pid).children()`` (one table scan, then a handle
                     per child) and ``psutil.Process(pid).children()``.

Every sysmon and psutil call creates its handle inside the round
(``sysmon.Process(pid)``, ``psutil.Process(pid)``) and sysmon's is closed at the
end of it, as one ``sysmon proc PID`` does.

Every benchmark stores ``extra_info``: ``impl``, ``scenario``, ``rep``, ``calls`` (= 1:
run.py reports microseconds per call) and ``rows`` (fds, tree nodes, lines of output,
children: what the call returned), plus what it saw.  Interleaving as in
bench_process.py; run.py pools the blocks.  Nothing here asserts a speed: the checks
are that each call saw the load.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, NamedTuple

import psutil
import pytest

REPEATS = int(os.environ.get("SYSMON_BENCH_REPEATS", "5"))
ROUNDS = int(os.environ.get("SYSMON_BENCH_DETAIL_ROUNDS", "10"))
WARMUP = int(os.environ.get("SYSMON_BENCH_DETAIL_WARMUP", "1"))
#: rounds per block of the tree group (a whole table scan, as bench_process.py)
TREE_ROUNDS = int(os.environ.get("SYSMON_BENCH_ROUNDS", "6"))
TREE_WARMUP = int(os.environ.get("SYSMON_BENCH_WARMUP", "1"))
#: fds held by the helper (at least 200)
N_FDS = max(int(os.environ.get("SYSMON_BENCH_FDS", "1000")), 200)
N_THREADS = 16  # tasks of the helper, its main thread included
N_ENV = 60
N_CHILDREN = 3
PROC = "/proc"

#: scenario: group
SCENARIOS = {"pid-fds": "detail-fds", "pid-all": "detail-all", "pid-tree": "detail-tree"}

# psutil's nearest of one deep dive: it has no root, cgroup, namespaces,
# capabilities, signal masks or fds other than regular files.
PSUTIL_ATTRS = [
    "exe", "cwd", "environ", "open_files", "num_fds", "io_counters", "num_ctx_switches",
    "memory_full_info", "threads",
]  # fmt: skip
PSUTIL_RLIMITS = [getattr(psutil, n) for n in sorted(dir(psutil)) if n.startswith("RLIMIT_")]

# --------------------------------------------------------------------------
# sysmon, waiting for the C extension while someone rebuilds it
# --------------------------------------------------------------------------


def _wait_for_native(timeout: float = 120.0) -> None:
    """Before sysmon is first imported here: while ``import sysmon._native`` fails in a
    fresh interpreter (the extension being rebuilt in place), wait and retry.  sysmon
    decides on its backends once, at import, so a failed first import would stick."""
    if "sysmon" in sys.modules:
        return
    deadline = time.monotonic() + timeout
    while True:
        probe = subprocess.run(
            [sys.executable, "-c", "import sysmon._native"], capture_output=True, check=False
        )
        if probe.returncode == 0 or time.monotonic() > deadline:
            return
        print("\n[benchmarks] sysmon's C extension does not import yet; retrying in 2 s")
        time.sleep(2)


def _sysmon() -> ModuleType:
    _wait_for_native()
    try:
        import sysmon  # noqa: PLC0415 (imported once the extension is there)
    except ImportError as exc:
        pytest.skip(f"import failed: {exc!r}")
    return sysmon


@pytest.fixture
def backend() -> Iterator[Callable[[str], ModuleType]]:
    """Set sysmon's backend for one benchmark and restore it afterwards."""
    sysmon = _sysmon()
    before = sysmon.backend()

    def set_(name: str) -> ModuleType:
        try:
            sysmon.set_backend(name)
        except sysmon.SysmonError as exc:
            pytest.skip(str(exc))
        assert sysmon.backend() == name
        return sysmon

    yield set_
    sysmon.set_backend(before)


# --------------------------------------------------------------------------
# the load: a helper child with 1,000 fds, 16 threads, 60 variables, 3 children
# --------------------------------------------------------------------------

_CHILD = r"""
import os, resource, socket, subprocess, sys, threading

n_fds, n_threads, n_children = (int(a) for a in sys.argv[1:4])
where = sys.argv[4]
kids = [subprocess.Popen(["sleep", "3600"], stdin=subprocess.DEVNULL, close_fds=True)
        for _ in range(n_children)]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = n_fds + 64
if soft != resource.RLIM_INFINITY and soft < need:
    resource.setrlimit(resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY
                                                else min(need, hard), hard))
keep = []
n_pipes, n_pairs = n_fds * 3 // 100, n_fds // 50
for _ in range(n_pipes):
    keep += os.pipe()
for _ in range(n_pairs):
    keep += socket.socketpair()
n_files = n_fds - 2 * n_pipes - 2 * n_pairs
size = 65536
paths = [os.path.join(where, "f%03d" % i) for i in range(max(n_files // 9, 1))]
for p in paths:
    with open(p, "wb") as f:
        f.write(bytes(range(256)) * (size // 256))
modes = (os.O_RDONLY, os.O_RDWR, os.O_WRONLY | os.O_APPEND, os.O_RDONLY)
for k in range(n_files):
    fd = os.open(paths[k % len(paths)], modes[k % len(modes)] | os.O_CLOEXEC)
    os.lseek(fd, (k * 7919) % size, os.SEEK_SET)
    keep.append(fd)
stop = threading.Event()
workers = [threading.Thread(target=stop.wait, daemon=True) for _ in range(n_threads - 1)]
for t in workers:
    t.start()
sys.stdout.write("ready %d %d %s\n" % (len(keep), len(workers) + 1,
                                        " ".join(str(k.pid) for k in kids)))
sys.stdout.flush()
sys.stdin.read()  # until the parent closes our stdin
stop.set()
for k in kids:
    k.kill()
    k.wait()
"""


class Load(NamedTuple):
    pid: int
    fds: int  # fds in /proc/<pid>/fd once the helper is up (the load and its own)
    held: int  # fds the helper opened for the load
    threads: int
    env: int
    children: tuple[int, ...]


def environment() -> dict[str, str]:
    """The helper's environment: exactly N_ENV variables, of mixed lengths."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": "/nonexistent",
        "LANG": "C.UTF-8",
        "API_TOKEN": "t" * 40,
        "DB_PASSWORD": "hunter2",
    }
    i = 0
    while len(env) < N_ENV:
        env[f"SYSMON_BENCH_VAR_{i:02d}"] = "v" * (8 + (i * 37) % 200)
        i += 1
    return env


def _count(path: str) -> int:
    return sum(1 for n in os.listdir(path) if n[:1].isdigit())


def _kill_if_sleep(pid: int) -> None:
    """SIGKILL a leftover child of the helper, if that pid is still a ``sleep``."""
    try:
        with open(f"{PROC}/{pid}/comm", "rb") as f:
            if f.read().strip() != b"sleep":
                return
        os.kill(pid, signal.SIGKILL)
    except OSError:
        return


@pytest.fixture(scope="module")
def detail_load(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Load]:
    """Start the helper; yield what it holds; close its stdin (it kills and reaps its
    children and exits) and reap it, killing it and them if it does not go."""
    where = tmp_path_factory.mktemp("detail_load")
    env = environment()
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(N_FDS), str(N_THREADS), str(N_CHILDREN), str(where)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
        env=env,
    )
    kids: tuple[int, ...] = ()
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        if line[:1] != [b"ready"]:
            pytest.fail(f"detail helper did not start (exit {child.wait(timeout=30)})")
        kids = tuple(int(x) for x in line[3:])
        load = Load(
            child.pid,
            _count(f"{PROC}/{child.pid}/fd"),
            int(line[1]),
            _count(f"{PROC}/{child.pid}/task"),
            len(env),
            kids,
        )
        assert load.held >= N_FDS, load
        assert load.threads == N_THREADS, load
        print(
            f"\n[benchmarks] detail helper {child.pid}: {load.fds} fds, {load.threads} threads,"
            f" {load.env} variables, children {list(kids)}"
            f" (up in {time.perf_counter() - t0:.2f}s)"
        )
        yield load
    finally:
        with contextlib.suppress(OSError):
            assert child.stdin is not None
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            for k in kids:
                _kill_if_sleep(k)
        shutil.rmtree(where, ignore_errors=True)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _params(scenarios: list[str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("scenario", "rep"),
        [
            pytest.param(s, rep, marks=pytest.mark.benchmark(group=SCENARIOS[s]), id=f"{s}-r{rep}")
            for s in scenarios
            for rep in range(REPEATS)
        ],
    )


FDS = _params(["pid-fds"])
ALL = _params(["pid-all"])
FDS_ALL = _params(["pid-fds", "pid-all"])
TREE = _params(["pid-tree"])
Backend = Callable[[str], ModuleType]


def _run(
    benchmark: Any,
    fn: Callable[[], Any],
    count: Callable[[Any], int],
    impl: str,
    scenario: str,
    rep: int,
    minimum: int,
) -> Any:
    tree = scenario == "pid-tree"
    result = benchmark.pedantic(
        fn,
        rounds=TREE_ROUNDS if tree else ROUNDS,
        warmup_rounds=TREE_WARMUP if tree else WARMUP,
        iterations=1,
    )
    n = count(result)
    benchmark.extra_info.update(impl=impl, scenario=scenario, rep=rep, calls=1, rows=n)
    assert n >= minimum, f"{impl}: only {n} rows, expected >= {minimum}"
    return result


def _exec(argv: list[str]) -> bytes:
    """Run argv as a user's shell would (fork + exec), its stdout to a pipe read to EOF."""
    return subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        check=True,
    ).stdout  # fmt: skip


def _lines(out: bytes) -> int:
    return max(out.count(b"\n") - 1, 0)  # ls's "total", lsof's and ps's header


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def _nodes(tree: list[Any]) -> int:
    return sum(1 for root in tree for _ in root.walk())


def sysmon_dive(sysmon: ModuleType, pid: int) -> dict[str, Any]:
    """One full deep dive: what ``sysmon proc PID`` shows but connections and the
    table fields (identity, CPU and memory counters: bench_process.py measures those)."""
    with sysmon.Process(pid) as p:
        return {
            "exe": p.exe(), "cwd": p.cwd(), "root": p.root(), "environ": p.environ(),
            "fds": p.fds(), "io": p.io_counters(), "rlimits": p.rlimits(),
            "cgroup": p.cgroup(), "namespaces": p.namespaces(),
            "ctx_switches": p.num_ctx_switches(), "capabilities": p.capabilities(),
            "signal_masks": p.signal_masks(), "memory_detail": p.memory_detail(),
            "threads": p.threads(),
        }  # fmt: skip


def psutil_dive(pid: int) -> dict[str, Any]:
    """psutil's nearest: as_dict (one oneshot) of PSUTIL_ATTRS, then every rlimit."""
    p = psutil.Process(pid)
    d: dict[str, Any] = p.as_dict(attrs=PSUTIL_ATTRS)
    d["rlimits"] = {r: p.rlimit(r) for r in PSUTIL_RLIMITS}
    return d


def psutil_tree() -> list[tuple[int, list[Any]]]:
    """The tree of process_tree() from psutil: (pid, children) nested, roots by pid."""
    psutil.process_iter.cache_clear()  # fresh Process objects every round
    ppid = {p.info["pid"]: p.info["ppid"] for p in psutil.process_iter(["pid", "ppid"])}
    kids: dict[int, list[int]] = {}
    roots: list[int] = []
    for pid, pp in ppid.items():
        if pp in ppid and pp != pid:
            kids.setdefault(pp, []).append(pid)
        else:
            roots.append(pid)

    # iteratively: a chain of processes can be deeper than Python's recursion limit
    def build(pid: int) -> tuple[int, list[Any]]:
        node: tuple[int, list[Any]] = (pid, [])
        todo = [node]
        while todo:
            parent, below = todo.pop()
            for c in sorted(kids.get(parent, ())):
                child: tuple[int, list[Any]] = (c, [])
                below.append(child)
                todo.append(child)
        return node

    return [build(r) for r in sorted(roots)]


def _psutil_nodes(tree: list[tuple[int, list[Any]]]) -> int:
    n = 0
    todo = list(tree)
    while todo:
        _pid, below = todo.pop()
        n += 1
        todo += below
    return n


def _min_nodes(idle: int) -> int:
    return idle * 9 // 10


# The order of the functions below is the order within each interleaved block.

# ---------------------------------------------------------------- floor


def _floor(benchmark: Any, lib: Any, load: Load, scenario: str, rep: int, follow: bool) -> None:
    path = f"{PROC}/{load.pid}".encode()
    counts = (ctypes.c_long * 4)()
    flag = 1 if follow else 0

    def call() -> int:
        if scenario == "pid-fds":
            n = lib.floor_pid_fds(path, flag)
        else:
            n = lib.floor_pid_all(path, flag, counts)
        if n < 0:
            raise OSError(-n, os.strerror(-n))
        return int(n)

    impl = "floor_follow" if follow else "floor"
    _run(benchmark, call, int, impl, scenario, rep, N_FDS)
    if scenario == "pid-all":
        _fds, threads, files, links = counts
        benchmark.extra_info.update(threads=threads, files=files, links=links)
        assert threads >= N_THREADS


@FDS_ALL
def test_detail_floor(
    benchmark: Any, detail_load: Load, floor_pid_lib: Any, scenario: str, rep: int
) -> None:
    _floor(benchmark, floor_pid_lib, detail_load, scenario, rep, False)


@FDS_ALL
def test_detail_floor_follow(
    benchmark: Any, detail_load: Load, floor_pid_lib: Any, scenario: str, rep: int
) -> None:
    _floor(benchmark, floor_pid_lib, detail_load, scenario, rep, True)


@TREE
def test_detail_tree_floor_full(
    benchmark: Any, idle_processes: int, floor_lib: Any, scenario: str, rep: int
) -> None:
    path = PROC.encode()
    _run(benchmark, lambda: floor_lib.floor_scan(path, 11), int, "floor_full", scenario, rep,
         _min_nodes(idle_processes))  # fmt: skip


@TREE
def test_detail_tree_floor_stat(
    benchmark: Any, idle_processes: int, floor_lib: Any, scenario: str, rep: int
) -> None:
    path = PROC.encode()
    _run(benchmark, lambda: floor_lib.floor_scan(path, 1), int, "floor_stat", scenario, rep,
         _min_nodes(idle_processes))  # fmt: skip


# ---------------------------------------------------------------- sysmon


def _fds(
    benchmark: Any, sysmon: ModuleType, load: Load, scenario: str, rep: int, impl: str
) -> None:
    def call() -> list[Any]:
        with sysmon.Process(load.pid) as p:
            rows: list[Any] = p.fds()
            return rows

    rows = _run(benchmark, call, len, impl, scenario, rep, N_FDS)
    kinds: dict[str, int] = {}
    for f in rows:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    benchmark.extra_info["kinds"] = kinds
    assert kinds.get("file", 0) >= N_FDS - 2 * (N_FDS * 3 // 100 + N_FDS // 50)


def _dive(
    benchmark: Any, sysmon: ModuleType, load: Load, scenario: str, rep: int, impl: str
) -> None:
    d = _run(benchmark, lambda: sysmon_dive(sysmon, load.pid), lambda d: len(d["fds"]), impl,
             scenario, rep, N_FDS)  # fmt: skip
    benchmark.extra_info.update(threads=len(d["threads"]), env=len(d["environ"]))
    assert len(d["threads"]) >= N_THREADS
    assert len(d["environ"]) >= N_ENV
    assert d["memory_detail"] is not None
    assert len(d["rlimits"]) >= 16


def _sysmon_detail(
    benchmark: Any, backend: Backend, load: Load, scenario: str, rep: int, which: str
) -> None:
    sysmon = backend(which)
    if scenario == "pid-fds":
        _fds(benchmark, sysmon, load, scenario, rep, which)
    else:
        _dive(benchmark, sysmon, load, scenario, rep, which)


@FDS_ALL
def test_detail_c(
    benchmark: Any, backend: Backend, detail_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_detail(benchmark, backend, detail_load, scenario, rep, "c")


@FDS_ALL
def test_detail_python(
    benchmark: Any, backend: Backend, detail_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_detail(benchmark, backend, detail_load, scenario, rep, "python")


def _tree(
    benchmark: Any, backend: Backend, idle: int, scenario: str, rep: int, which: str, small: bool
) -> None:
    sysmon = backend(which)
    fields = ("pid", "ppid") if small else None
    impl = which + ("_min" if small else "")
    _run(benchmark, lambda: sysmon.process_tree(fields), _nodes, impl, scenario, rep,
         _min_nodes(idle))  # fmt: skip


@TREE
def test_detail_tree_c(
    benchmark: Any, backend: Backend, idle_processes: int, scenario: str, rep: int
) -> None:
    _tree(benchmark, backend, idle_processes, scenario, rep, "c", False)


@TREE
def test_detail_tree_c_min(
    benchmark: Any, backend: Backend, idle_processes: int, scenario: str, rep: int
) -> None:
    _tree(benchmark, backend, idle_processes, scenario, rep, "c", True)


@TREE
def test_detail_tree_python(
    benchmark: Any, backend: Backend, idle_processes: int, scenario: str, rep: int
) -> None:
    _tree(benchmark, backend, idle_processes, scenario, rep, "python", False)


@TREE
def test_detail_tree_python_min(
    benchmark: Any, backend: Backend, idle_processes: int, scenario: str, rep: int
) -> None:
    _tree(benchmark, backend, idle_processes, scenario, rep, "python", True)


# ---------------------------------------------------------------- psutil


@FDS_ALL
def test_detail_psutil(benchmark: Any, detail_load: Load, scenario: str, rep: int) -> None:
    files = N_FDS - 2 * (N_FDS * 3 // 100 + N_FDS // 50)
    if scenario == "pid-fds":

        def call() -> tuple[list[Any], int]:
            p = psutil.Process(detail_load.pid)
            return p.open_files(), p.num_fds()

        files_seen, n = _run(benchmark, call, lambda r: r[1], "psutil", scenario, rep, N_FDS)
        benchmark.extra_info.update(open_files=len(files_seen), num_fds=n)
        benchmark.extra_info["psutil_call"] = "Process(pid).open_files() + num_fds()"
        assert len(files_seen) >= files
    else:
        d = _run(benchmark, lambda: psutil_dive(detail_load.pid), lambda d: d["num_fds"],
                 "psutil", scenario, rep, N_FDS)  # fmt: skip
        benchmark.extra_info.update(
            open_files=len(d["open_files"]), threads=len(d["threads"]), env=len(d["environ"])
        )
        benchmark.extra_info["psutil_call"] = (
            f"Process(pid).as_dict({PSUTIL_ATTRS}) + rlimit() x {len(PSUTIL_RLIMITS)}"
        )
        assert len(d["open_files"]) >= files
        assert len(d["threads"]) >= N_THREADS
        assert len(d["environ"]) >= N_ENV
        assert len(d["rlimits"]) == 16
    benchmark.extra_info["psutil_version"] = psutil.__version__


@TREE
def test_detail_tree_psutil(benchmark: Any, idle_processes: int, scenario: str, rep: int) -> None:
    _run(benchmark, psutil_tree, _psutil_nodes, "psutil", scenario, rep,
         _min_nodes(idle_processes))  # fmt: skip
    benchmark.extra_info["psutil_call"] = "process_iter(['pid', 'ppid']) + tree from ppids"
    benchmark.extra_info["psutil_version"] = psutil.__version__


# ---------------------------------------------------------------- tools


@FDS
def test_detail_ls(benchmark: Any, detail_load: Load, scenario: str, rep: int) -> None:
    argv = [_tool("ls"), "-l", f"{PROC}/{detail_load.pid}/fd"]
    _run(benchmark, lambda: _exec(argv), _lines, "ls", scenario, rep, N_FDS)
    benchmark.extra_info["command"] = "ls -l /proc/PID/fd"


@FDS
def test_detail_lsof(benchmark: Any, detail_load: Load, scenario: str, rep: int) -> None:
    argv = [_tool("lsof"), "-p", str(detail_load.pid)]
    _run(benchmark, lambda: _exec(argv), _lines, "lsof", scenario, rep, N_FDS)
    benchmark.extra_info["command"] = "lsof -p PID"


@TREE
def test_detail_tree_ps(benchmark: Any, idle_processes: int, scenario: str, rep: int) -> None:
    argv = [_tool("ps"), "-e", "--forest", "-o", "pid,ppid,cmd"]
    _run(benchmark, lambda: _exec(argv), _lines, "ps", scenario, rep, _min_nodes(idle_processes))
    benchmark.extra_info["command"] = "ps -e --forest -o pid,ppid,cmd"


@pytest.mark.parametrize(
    ("scenario", "rep"),
    [
        pytest.param(s, rep, marks=pytest.mark.benchmark(group=SCENARIOS[s]), id=f"{s}-r{rep}")
        for s in ("pid-fds", "pid-tree")
        for rep in range(REPEATS)
    ],
)
def test_detail_exec_true(benchmark: Any, request: pytest.FixtureRequest, scenario: str,
                          rep: int) -> None:  # fmt: skip
    # the load of the group: the helper for fds, the idle processes for the tree
    request.getfixturevalue("detail_load" if scenario == "pid-fds" else "idle_processes")
    argv = [shutil.which("true") or "/bin/true"]
    _run(benchmark, lambda: _exec(argv), lambda _: 1, "exec_true", scenario, rep, 1)
    benchmark.extra_info["command"] = "true"


# ---------------------------------------------------------------- children


def _children(benchmark: Any, sysmon: ModuleType, load: Load, scenario: str, rep: int,
              impl: str) -> None:  # fmt: skip
    def call() -> list[int]:
        with sysmon.Process(load.pid) as p:
            kids = p.children()
            pids = [k.pid for k in kids]
            for k in kids:
                k.close()
            return pids

    pids = _run(benchmark, call, len, impl, scenario, rep, N_CHILDREN)
    assert set(pids) >= set(load.children)


@TREE
def test_detail_tree_c_children(
    benchmark: Any, backend: Backend, detail_load: Load, idle_processes: int, scenario: str,
    rep: int,
) -> None:  # fmt: skip
    _children(benchmark, backend("c"), detail_load, scenario, rep, "c_children")


@TREE
def test_detail_tree_python_children(
    benchmark: Any, backend: Backend, detail_load: Load, idle_processes: int, scenario: str,
    rep: int,
) -> None:  # fmt: skip
    _children(benchmark, backend("python"), detail_load, scenario, rep, "python_children")


@TREE
def test_detail_tree_psutil_children(
    benchmark: Any, detail_load: Load, idle_processes: int, scenario: str, rep: int
) -> None:
    pids = _run(benchmark, lambda: [c.pid for c in psutil.Process(detail_load.pid).children()],
                len, "psutil_children", scenario, rep, N_CHILDREN)  # fmt: skip
    assert set(pids) >= set(detail_load.children)
