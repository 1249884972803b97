"""Network-connections benchmarks: sysmon (C, pure Python) vs psutil vs ss vs the syscall floor.

Run:  python benchmarks/run.py --suite sockets      (or: pytest benchmarks/bench_sockets.py
      --benchmark-only)

Load: a helper child (``socket_load``) holds, until the module is done, one IPv4
and one IPv6 TCP listener on loopback and N_CONN established loopback
connections, alternately over 127.0.0.1 and ::1, both ends in the child
(2 + 2 * 2,600 = 5,202 TCP sockets by default), plus N_UDP bound UDP sockets
(half IPv4, half IPv6; 100 by default).  Every TCP socket has SO_LINGER 0, so
tearing the child down resets its connections instead of leaving thousands of
TIME_WAIT sockets behind for the next run.  RLIMIT_NOFILE is raised in the child
as far as needed (within the hard limit).

Two groups, one per kind, every implementation side by side:

* ``sockets-tcp``   TCP over IPv4 and IPv6 (the fair match for ``ss -t``).
* ``sockets-inet``  TCP and UDP over IPv4 and IPv6 (``kind="inet"``, psutil's
                    "inet", ``ss -tu``).

Implementations (``impl`` in extra_info; the block order):

* ``floor_pids`` / ``floor``   floor_net.c via ctypes: the netlink dumps read into a
                               64 KiB buffer, not parsed; with pids also the
                               /proc/*/fd walk (readlinkat of every fd, comm of each
                               socket holder).  In-process: no exec.
* ``c_pids`` / ``c``           ``sysmon.connections(kind, pids=True|False,
                               source="netlink")`` on the C backend.
* ``c_proc_pids`` / ``c_proc`` the same with ``source="proc"`` (/proc/net/* text).
* ``python_pids`` / ``python`` the pure-Python backend, netlink.
* ``python_proc_pids`` / ``python_proc``  the pure-Python backend, /proc/net/*.
* ``psutil``                   ``psutil.net_connections(kind)`` (always maps pids:
                               it walks /proc/*/fd; reads /proc/net/* text).
* ``ss_tp`` / ``ss_t``         ``ss -tanp`` / ``ss -tan``, in both groups (the issue names
                               these), as a user runs them: fork + exec, the dump, the
                               text printed to a pipe that is read to EOF.
* ``ss_tup`` / ``ss_tu``       ``ss -tuanp`` / ``ss -tuan``, in the inet group only (the
                               fair match for kind="inet").
* ``exec_true``                ``true`` run the same way: the exec part of the ss rows.

Every benchmark stores ``extra_info``: ``impl``, ``scenario``, ``kind``, ``rep``,
``sockets`` (rows the call returned: records, lines of ss output without the
header, sockets the floor's dumps returned; 1 for exec_true), ``pids`` and
``pids_in_proc`` (entries in /proc while the helper was up);
run.py divides by ``sockets`` to report microseconds per socket.

Interleaving as in bench_process.py: every implementation runs REPEATS blocks
of ROUNDS rounds, ordered as above; run.py pools the blocks.  One call per round.
Nothing here asserts a speed; the checks are that each call saw the load (and,
with pids, that the helper's sockets were attributed to it).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import psutil
import pytest

REPEATS = int(os.environ.get("SYSMON_BENCH_REPEATS", "5"))
ROUNDS = int(os.environ.get("SYSMON_BENCH_SOCK_ROUNDS", "10"))
WARMUP = int(os.environ.get("SYSMON_BENCH_SOCK_WARMUP", "1"))
#: established loopback connections held by the helper (two sockets each)
N_CONN = int(os.environ.get("SYSMON_BENCH_CONNS", "2600"))
#: bound UDP sockets held by the helper
N_UDP = int(os.environ.get("SYSMON_BENCH_UDP", "100"))
PROC = "/proc"
HERE = Path(__file__).resolve().parent

#: scenario: (group, sysmon and psutil kind, floor tables: bit 0 tcp4, 1 tcp6, 2 udp4, 3 udp6)
SCENARIOS = {
    "sock-tcp": ("sockets-tcp", "tcp", 0b0011),
    "sock-inet": ("sockets-inet", "inet", 0b1111),
}
#: the ss runs (impl: argument); the group "sockets-tcp" runs the first two only
SS = {"ss_tp": "-tanp", "ss_t": "-tan", "ss_tup": "-tuanp", "ss_tu": "-tuan"}

# --------------------------------------------------------------------------
# the load: a helper child holding >= 5,000 sockets
# --------------------------------------------------------------------------

_CHILD = r"""
import resource, socket, struct, sys

n_conn, n_udp = int(sys.argv[1]), int(sys.argv[2])
need = 2 * n_conn + n_udp + 64
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft != resource.RLIM_INFINITY and soft < need:
    new = need if hard == resource.RLIM_INFINITY else min(need, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
LINGER0 = struct.pack("ii", 1, 0)
keep = []

def tcp(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
    keep.append(s)
    return s

listeners = []
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    ls = tcp(socket.socket(fam, socket.SOCK_STREAM))
    ls.bind((host, 0))
    ls.listen(4096)
    listeners.append(ls)
for i in range(n_conn):
    ls = listeners[i % 2]
    c = tcp(socket.socket(ls.family, socket.SOCK_STREAM))
    c.connect(ls.getsockname()[:2])
    tcp(ls.accept()[0])
for i in range(n_udp):
    fam, host = ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"))[i % 2]
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.bind((host, 0))
    keep.append(u)
sys.stdout.write("ready %d %d\n" % (2 + 2 * n_conn, n_udp))
sys.stdout.flush()
sys.stdin.read()  # until the parent closes our stdin
"""


class Load(NamedTuple):
    pid: int
    tcp: int  # TCP sockets the helper holds
    udp: int  # UDP sockets the helper holds
    processes: int  # entries in /proc once the helper is up


def _count_pids() -> int:
    return sum(1 for n in os.listdir(PROC) if n.isdigit())


@pytest.fixture(scope="module")
def socket_load() -> Iterator[Load]:
    """Start the helper; yield what it holds; close its stdin (it exits, its
    sockets reset) and reap it, killing it if it does not go."""
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(N_CONN), str(N_UDP)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        if line[:1] != [b"ready"]:
            pytest.fail(f"socket helper did not start (exit {child.wait(timeout=30)})")
        load = Load(child.pid, int(line[1]), int(line[2]), _count_pids())
        print(
            f"\n[benchmarks] socket helper {child.pid} holds {load.tcp} TCP + {load.udp} UDP"
            f" sockets (up in {time.perf_counter() - t0:.2f}s); {load.processes} processes"
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


# --------------------------------------------------------------------------
# the floor: floor_net.c compiled to a shared library, loaded by ctypes
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def floor_net_lib(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """floor_net.c built with ``gcc -O2 -shared -fPIC`` in a tmp dir; ctypes CDLL."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) to build the sockets floor")
    out = tmp_path_factory.mktemp("floor_net") / "libfloor_net.so"
    subprocess.run(
        [cc, "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
         "-o", str(out), str(HERE / "floor_net.c")],
        check=True,
    )  # fmt: skip
    lib = ctypes.CDLL(str(out))
    lib.floor_net.argtypes = [ctypes.c_uint, ctypes.c_char_p, ctypes.POINTER(ctypes.c_long)]
    lib.floor_net.restype = ctypes.c_long
    return lib


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _params(scenarios: list[str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("scenario", "rep"),
        [
            pytest.param(
                s, rep, marks=pytest.mark.benchmark(group=SCENARIOS[s][0]), id=f"{s}-r{rep}"
            )
            for s in scenarios
            for rep in range(REPEATS)
        ],
    )


PARAMS = _params(list(SCENARIOS))
PARAMS_INET = _params(["sock-inet"])
Backend = Callable[[str], ModuleType]


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
    if not hasattr(sysmon, "connections"):
        pytest.skip("sysmon.connections is not there yet")
    before = sysmon.backend()

    def set_(name: str) -> ModuleType:
        # the socket readers of both backends must import, or the row is skipped
        _sysmon("_native_net" if name == "c" else "_pure_net")
        sysmon.set_backend(name)
        assert sysmon.backend() == name
        return sysmon

    yield set_
    sysmon.set_backend(before)


def _min_sockets(load: Load, kind: str) -> int:
    """At least the helper's sockets of this kind ("tcp" or "inet")."""
    return load.tcp + (load.udp if kind == "inet" else 0)


def _need(load: Load, scenario: str) -> int:
    return _min_sockets(load, SCENARIOS[scenario][1])


def _run(
    benchmark: Any,
    fn: Callable[[], Any],
    count: Callable[[Any], int],
    impl: str,
    scenario: str,
    rep: int,
    pids: bool,
    minimum: int,
    load: Load,
) -> Any:
    result = benchmark.pedantic(fn, rounds=ROUNDS, warmup_rounds=WARMUP, iterations=1)
    n = count(result)
    benchmark.extra_info.update(
        impl=impl,
        scenario=scenario,
        kind=SCENARIOS[scenario][1],
        rep=rep,
        sockets=n,
        pids=pids,
        pids_in_proc=load.processes,
    )
    assert n >= minimum, f"{impl}: only {n} sockets, expected >= {minimum}"
    return result


def _owned_by(rows: list[Any], pid: int) -> int:
    return sum(1 for r in rows if r.pid == pid)


def _check_owned(rows: list[Any], load: Load, scenario: str) -> None:
    """With pids, every socket of the helper must be attributed to it."""
    got = _owned_by(rows, load.pid)
    assert got >= _need(load, scenario), f"only {got} sockets attributed to the helper"


# The order of the functions below is the order within each interleaved block.

# ---------------------------------------------------------------- floor


def _floor(benchmark: Any, lib: Any, load: Load, scenario: str, rep: int, pids: bool) -> None:
    tables = SCENARIOS[scenario][2]
    path = PROC.encode() if pids else None
    links = ctypes.c_long(0)

    def call() -> int:
        n = lib.floor_net(tables, path, ctypes.byref(links))
        if n < 0:
            raise OSError(-n, os.strerror(-n))
        return n

    impl = "floor_pids" if pids else "floor"
    _run(benchmark, call, int, impl, scenario, rep, pids, _need(load, scenario), load)
    if pids:
        benchmark.extra_info["links"] = links.value
        assert links.value >= _need(load, scenario)


@PARAMS
def test_sock_floor_pids(
    benchmark: Any, socket_load: Load, floor_net_lib: Any, scenario: str, rep: int
) -> None:
    _floor(benchmark, floor_net_lib, socket_load, scenario, rep, True)


@PARAMS
def test_sock_floor(
    benchmark: Any, socket_load: Load, floor_net_lib: Any, scenario: str, rep: int
) -> None:
    _floor(benchmark, floor_net_lib, socket_load, scenario, rep, False)


# ---------------------------------------------------------------- sysmon


def _sysmon_conns(
    benchmark: Any,
    backend: Callable[[str], ModuleType],
    load: Load,
    scenario: str,
    rep: int,
    which: str,
    source: str,
    pids: bool,
) -> None:
    sysmon = backend(which)
    kind = SCENARIOS[scenario][1]
    impl = which + ("_proc" if source == "proc" else "") + ("_pids" if pids else "")
    rows = _run(
        benchmark,
        lambda: sysmon.connections(kind, pids, source=source),
        len,
        impl,
        scenario,
        rep,
        pids,
        _need(load, scenario),
        load,
    )
    benchmark.extra_info["source"] = source
    if pids:
        _check_owned(rows, load, scenario)


@PARAMS
def test_sock_c_pids(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "c", "netlink", True)


@PARAMS
def test_sock_c(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "c", "netlink", False)


@PARAMS
def test_sock_c_proc_pids(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "c", "proc", True)


@PARAMS
def test_sock_c_proc(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "c", "proc", False)


@PARAMS
def test_sock_python_pids(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "python", "netlink", True)


@PARAMS
def test_sock_python(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "python", "netlink", False)


@PARAMS
def test_sock_python_proc_pids(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "python", "proc", True)


@PARAMS
def test_sock_python_proc(
    benchmark: Any, backend: Backend, socket_load: Load, scenario: str, rep: int
) -> None:
    _sysmon_conns(benchmark, backend, socket_load, scenario, rep, "python", "proc", False)


# ---------------------------------------------------------------- psutil


@PARAMS
def test_sock_psutil(benchmark: Any, socket_load: Load, scenario: str, rep: int) -> None:
    kind = SCENARIOS[scenario][1]
    rows = _run(
        benchmark,
        lambda: psutil.net_connections(kind),
        len,
        "psutil",
        scenario,
        rep,
        True,
        _need(socket_load, scenario),
        socket_load,
    )
    benchmark.extra_info["psutil_call"] = f"psutil.net_connections({kind!r})"
    benchmark.extra_info["psutil_version"] = psutil.__version__
    _check_owned(rows, socket_load, scenario)


# ---------------------------------------------------------------- ss


def _ss_path() -> str:
    ss = shutil.which("ss")
    if ss is None:
        pytest.skip("ss (iproute2) is not installed")
    return ss


def _exec(argv: list[str]) -> bytes:
    """Run argv as a user's shell would (fork + exec), its stdout to a pipe read to EOF."""
    return subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        check=True,
    ).stdout  # fmt: skip


def _ss_lines(out: bytes) -> int:
    return max(out.count(b"\n") - 1, 0)  # the header line is not a socket


def _ss(benchmark: Any, load: Load, scenario: str, rep: int, impl: str) -> None:
    args = SS[impl]
    pids = "p" in args
    kind = "inet" if "u" in args else "tcp"
    argv = [_ss_path(), args]
    out = _run(
        benchmark,
        lambda: _exec(argv),
        _ss_lines,
        impl,
        scenario,
        rep,
        pids,
        _min_sockets(load, kind),
        load,
    )
    benchmark.extra_info["command"] = f"ss {args}"
    if pids:
        got = out.count(f"pid={load.pid},".encode())
        assert got >= _min_sockets(load, kind), f"ss: only {got} sockets show the helper"


@PARAMS
def test_sock_ss_tp(benchmark: Any, socket_load: Load, scenario: str, rep: int) -> None:
    _ss(benchmark, socket_load, scenario, rep, "ss_tp")


@PARAMS
def test_sock_ss_t(benchmark: Any, socket_load: Load, scenario: str, rep: int) -> None:
    _ss(benchmark, socket_load, scenario, rep, "ss_t")


@PARAMS_INET
def test_sock_ss_tup(benchmark: Any, socket_load: Load, scenario: str, rep: int) -> None:
    _ss(benchmark, socket_load, scenario, rep, "ss_tup")


@PARAMS_INET
def test_sock_ss_tu(benchmark: Any, socket_load: Load, scenario: str, rep: int) -> None:
    _ss(benchmark, socket_load, scenario, rep, "ss_tu")


@PARAMS
def test_sock_exec_true(benchmark: Any, socket_load: Load, scenario: str, rep: int) -> None:
    true = shutil.which("true") or "/bin/true"
    _run(
        benchmark,
        lambda: _exec([true]),
        lambda _: 1,
        "exec_true",
        scenario,
        rep,
        False,
        1,
        socket_load,
    )
    benchmark.extra_info["command"] = "true"
