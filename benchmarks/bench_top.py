"""The terminal UI: CPU per refresh, idle CPU and RSS of `sysmon top` against procps `top`.

Run:  python benchmarks/run.py --suite top      (or: pytest benchmarks/bench_top.py
      --benchmark-only -s)
      python benchmarks/bench_top.py PROGRAM DELAY FRAMES [--idle 1000]   (one session,
      printed as JSON; PROGRAM one of sysmon_c, sysmon_python, top_b, top;
      --cprofile FILE runs sysmon top under cProfile)
      python benchmarks/bench_top.py profile DELAY N [--backend c] [--idle 1000]
      (in-process: N refreshes of Source.sample + model.render, timed, then profiled)

Load: conftest's 1,000 idle processes (``idle_processes``) for the whole module.

What runs, each as its own process, the same environment for all (HOME an empty
temporary directory, so no ``toprc``; TERM=xterm-256color, LANG=C.UTF-8, NO_COLOR unset):

    sysmon_c       python -m sysmon.cli top -d D          SYSMON_BACKEND=c        pty 200x50
    sysmon_python  python -m sysmon.cli top -d D          SYSMON_BACKEND=python   pty 200x50
    top_b          top -b -d D -n N                        stdout a pipe we drain (every process
                                                           every frame, as `top -b` prints)
    top            top -d D                                pty 200x50 (interactive, a screenful)

The terminal: ``pty.fork()``, the window size set to 200x50 (TIOCSWINSZ) in the child
before exec; the parent drains the master as fast as it is written and keeps no screen.
What a program pays for drawing is the same as in a terminal emulator (curses computes
its updates from its own idea of the screen and never reads the terminal back); the
emulator's own cost (tmux, xterm) is not the program's and is counted for nobody.

Counting refreshes.  A refresh ends with the program writing its frame (a burst of
writes, a few ms) and is followed by the sampling of the next one and the sleep, with
nothing written.  The parent timestamps every read; a read after at least GAP_S (30 ms)
of silence starts a new frame.  A first burst of fewer than 256 bytes is the terminal
set-up (curses' and top's alternate screen and keypad modes, written before the first
sample), not a frame.  In each silence, once GAP_S has passed, it takes a
*mark*: the frames seen so far, the time, and the program's CPU time so far (the sum of
``se.sum_exec_runtime``, in ns, over /proc/PID/task/*/schedstat, and utime/stime ticks from
/proc/PID/stat for the user/system split), plus VmHWM/VmRSS from /proc/PID/status.  After
the FRAMES-th frame a terminal program gets ``q`` and quits (no mark is taken after that:
the terminal's restore and the exit are no refresh); ``top -b -n FRAMES`` exits by itself
(its last frame ends at EOF, so its last mark follows frame FRAMES-1).  ``marks_list``
keeps every mark as [frames, seconds from the first mark, CPU ms] for auditing.

Figures of one session (``extra_info``):

* ``cpu_ms_per_refresh``: CPU between the mark after frame SKIP and the last mark, divided
  by the frames drawn in between.  Both ends lie in silences, so the window holds whole
  refreshes and no start-up (imports, first scan, curses set-up) and no shutdown.  It is
  the slope of CPU time against refreshes, taken inside one run (the same as differencing
  a short and a long run, without two start-ups' noise).  ``cpu_ms_median``: the median of
  the single-refresh deltas of that window (robust to a stray disturbance).
* ``idle_cpu_percent``: window CPU / window wall time (the figure to read at D = 1 s).
* ``frames``: refreshes in the window, as counted; ``frames_by_cadence``: the same from
  the times of the marks (each interval over the median single-refresh interval
  ``interval_ms``, rounded down from 1.75x up).  A refresh that changed nothing on the
  screen writes nothing and is not counted; it would show as a double interval and make
  ``frames_by_cadence`` the larger.  (The cadence is D for sysmon top, which keeps a fixed
  schedule, and D plus the work for top, which sleeps D after each refresh.)
* ``cpu_total_ms`` / ``user_ms`` / ``sys_ms``: ``os.wait4`` rusage of the whole run;
  ``first_frame_ms``: CPU up to the mark after the first frame (start-up: exec, imports,
  curses, the first sample; plus well under 1 ms of the pty child before exec);
  ``after_last_mark_ms``: the rest after the last mark (quit and exit; for top -b its
  last frame).  ``frames_total``: refreshes drawn in the whole run.
* ``vmhwm_kib`` / ``vmrss_kib``: /proc/PID/status at the last mark (not rusage's
  ``ru_maxrss``: it keeps the peak of the image before exec, here a fork of pytest).
* ``bytes_per_frame``: what the program wrote per frame, ``proc_count``: /proc at the start.
* ``other_cpu_percent``: the rest of the machine in the window (/proc/stat busy ticks, less
  the program and this process), in % of all CPUs; ``loadavg``: before -> after.

Scenarios (groups): ``top-idle`` (D = 1 s, 12 frames, the first 2 skipped: a 10 s window)
and ``top-refresh`` (D = 0.25 s, 44 frames, 4 skipped: 40 refreshes).  Each program runs
REPEATS (3) times per scenario, interleaved: sysmon_c, sysmon_python, top_b, top, sysmon_c,
...  pytest-benchmark's timing model (a callable timed over rounds, wall clock, in this
process) does not fit a child's CPU time; each benchmark is one round that times the whole
session, and the figures are in extra_info, which run.py reads.  Knobs:
SYSMON_BENCH_TOP_REPEATS (3), SYSMON_BENCH_TOP_IDLE_FRAMES (12),
SYSMON_BENCH_TOP_DELAY (0.25), SYSMON_BENCH_TOP_FRAMES (44).

Nothing here asserts a speed; the checks are that each program ran, drew, and saw the load.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPEATS = int(os.environ.get("SYSMON_BENCH_TOP_REPEATS", "3"))
IDLE_FRAMES = int(os.environ.get("SYSMON_BENCH_TOP_IDLE_FRAMES", "12"))
FAST_DELAY = float(os.environ.get("SYSMON_BENCH_TOP_DELAY", "0.25"))
FAST_FRAMES = int(os.environ.get("SYSMON_BENCH_TOP_FRAMES", "44"))
ROWS, COLS = 50, 200
GAP_S = 0.03  # silence that ends a frame
SETUP_BYTES = 256  # a first burst smaller than this is the terminal set-up, not a frame
QUIT_TIMEOUT_S = 15.0
REPO = Path(__file__).resolve().parent.parent
TERM = "xterm-256color"


@dataclass(frozen=True)
class Scenario:
    group: str
    delay: float
    frames: int  # frames drawn before quitting
    skip: int  # frames before the measured window


SCENARIOS = {
    "idle-1s": Scenario("top-idle", 1.0, max(IDLE_FRAMES, 4), 2),
    f"refresh-{FAST_DELAY:g}s": Scenario("top-refresh", FAST_DELAY, max(FAST_FRAMES, 8), 4),
}


@dataclass(frozen=True)
class Program:
    label: str
    tty: bool  # in a pty (quit with "q") or stdout to a pipe (exits after -n frames)
    backend: str | None = None  # SYSMON_BACKEND


PROGRAMS = {
    "sysmon_c": Program("sysmon top (C backend), pty 200x50", True, "c"),
    "sysmon_python": Program("sysmon top (pure backend), pty 200x50", True, "python"),
    "top_b": Program("top -b -n N, stdout a pipe", False),
    "top": Program("top (interactive), pty 200x50", True),
}


def argv_of(impl: str, delay: float, frames: int, python_args: tuple[str, ...] = ()) -> list[str]:
    top = shutil.which("top") or "/usr/bin/top"
    d = f"{delay:g}"
    if impl.startswith("sysmon"):
        return [sys.executable, *python_args, "-m", "sysmon.cli", "top", "-d", d]
    if impl == "top_b":
        return [top, "-b", "-d", d, "-n", str(frames)]
    return [top, "-d", d]


# --------------------------------------------------------------------------
# one session
# --------------------------------------------------------------------------


@dataclass
class Mark:
    frames: int
    t: float  # monotonic seconds
    cpu_ns: int  # sum of sum_exec_runtime over the tasks
    utime: int  # clock ticks, /proc/PID/stat
    stime: int
    busy: int  # clock ticks all CPUs were busy, /proc/stat (for the other load)
    own: float  # this process's CPU seconds (the harness)


@dataclass
class Session:
    impl: str
    argv: list[str]
    delay: float
    frames_wanted: int
    skip: int
    pid: int = 0
    marks: list[Mark] = field(default_factory=list)
    frames_total: int = 0  # bursts of output seen
    frames_drawn: int = 0  # of those, refreshes (before "q"); 0: all of them
    setup_bytes: int = 0  # a first burst of fewer than SETUP_BYTES: curses' set-up
    bytes_out: int = 0
    status: dict[str, int] = field(default_factory=dict)  # VmHWM, VmRSS (kB) at the last mark
    tasks: int = 0  # threads seen at the last mark
    wall_s: float = 0.0
    exit_status: int = 0
    rusage: Any = None
    killed: bool = False
    tail: bytes = b""  # the last output, for error messages


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _cpu_ns(pid: int) -> tuple[int, int]:
    """(sum of se.sum_exec_runtime of every live thread, number of threads)."""
    total = n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):
            total += int(_read(f"/proc/{pid}/task/{tid}/schedstat").split()[0])
            n += 1
    return total, n


def _ticks(pid: int) -> tuple[int, int]:
    stat = _read(f"/proc/{pid}/stat")
    fields = stat[stat.rindex(b")") + 2 :].split()
    return int(fields[11]), int(fields[12])  # utime, stime (fields 14, 15)


def _busy() -> int:
    """Clock ticks all CPUs were busy (user nice system irq softirq steal), /proc/stat."""
    v = [int(x) for x in _read("/proc/stat").split(b"\n", 1)[0].split()[1:9]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def _status(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in _read(f"/proc/{pid}/status").splitlines():
        key, _, rest = line.partition(b":")
        if key in (b"VmHWM", b"VmRSS"):
            out[key.decode()] = int(rest.split()[0])
    return out


def child_env(backend: str | None, home: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": home,
        "TERM": TERM,
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
    }
    for k in ("VIRTUAL_ENV", "PYENV_VERSION", "PYENV_ROOT"):
        if k in os.environ:
            env[k] = os.environ[k]
    if backend:
        env["SYSMON_BACKEND"] = backend
    return env


def _spawn_pty(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: set the window size, then exec
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.chdir(env["HOME"])
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid, fd


def _spawn_pipe(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    r, w = os.pipe()
    try:
        pid = os.posix_spawn(
            argv[0],
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, w, 1),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ],
        )
    finally:
        os.close(w)
    return pid, r


def run_session(
    impl: str, delay: float, frames: int, skip: int, python_args: tuple[str, ...] = ()
) -> Session:
    """Run one program for `frames` frames at `delay`; see the module docstring.
    ``python_args`` go between python and ``-m sysmon.cli`` (e.g. cProfile)."""
    prog = PROGRAMS[impl]
    s = Session(impl, argv_of(impl, delay, frames, python_args), delay, frames, skip)
    home = tempfile.mkdtemp(prefix="sysmon-bench-top-")
    fd = -1
    t0 = time.monotonic()
    try:
        env = child_env(prog.backend, home)
        s.pid, fd = (_spawn_pty if prog.tty else _spawn_pipe)(s.argv, env)
        in_frame = False
        burst = 0  # bytes of the current burst
        quit_sent = 0.0
        while True:
            now = time.monotonic()
            if quit_sent and now - quit_sent > QUIT_TIMEOUT_S:
                break
            if not quit_sent and now - t0 > QUIT_TIMEOUT_S + frames * max(delay, 1.0) * 4:
                break  # the program stopped drawing: give up (reported by the caller)
            ready, _, _ = select.select([fd], [], [], GAP_S if in_frame else 0.5)
            if ready:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:  # EIO: the pty's other side is gone
                    data = b""
                if not data:
                    break
                if not in_frame:
                    s.frames_total += 1
                    in_frame = True
                    burst = 0
                burst += len(data)
                s.bytes_out += len(data)
                s.tail = (s.tail + data)[-2000:]
                continue
            if not in_frame:
                continue
            in_frame = False  # GAP_S of silence after a frame: take a mark
            if quit_sent:
                continue  # the restore after "q" and the exit are no refresh: no mark
            if s.frames_total == 1 and not s.marks and burst < SETUP_BYTES:
                s.frames_total, s.setup_bytes = 0, burst  # the terminal set-up, not a frame
            try:
                cpu, s.tasks = _cpu_ns(s.pid)
                ut, st = _ticks(s.pid)
                status = _status(s.pid)
            except (OSError, ValueError, IndexError):
                continue  # exiting
            if "VmHWM" in status:  # not yet a zombie
                s.status = status
                own = os.times()
                s.marks.append(Mark(s.frames_total, time.monotonic(), cpu, ut, st, _busy(),
                                    own.user + own.system))  # fmt: skip
            if prog.tty and s.frames_total >= frames and not quit_sent:
                os.write(fd, b"q")
                quit_sent = time.monotonic()
                s.frames_drawn = s.frames_total  # what follows is the terminal's restore
    finally:
        if fd >= 0:
            os.close(fd)
        if s.pid:
            s.exit_status, s.rusage, s.killed = _reap(s.pid)
        s.wall_s = time.monotonic() - t0
        shutil.rmtree(home, ignore_errors=True)
    return s


def _reap(pid: int) -> tuple[int, Any, bool]:
    """wait4 the child; SIGTERM, then SIGKILL, if it does not exit by itself."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            wpid, status, ru = os.wait4(pid, os.WNOHANG)
            if wpid == pid:
                return status, ru, sig is not None
            time.sleep(0.02)
    wpid, status, ru = os.wait4(pid, 0)
    return status, ru, True


def figures(s: Session) -> dict[str, Any]:
    """The per-session figures stored in extra_info (see the module docstring)."""
    hz = os.sysconf("SC_CLK_TCK")
    win = [m for m in s.marks if m.frames >= s.skip]
    drawn = s.frames_drawn or s.frames_total
    out: dict[str, Any] = {
        "frames_total": drawn,
        "marks": len(s.marks),
        "bytes_per_frame": round((s.bytes_out - s.setup_bytes) / max(drawn, 1)),
        "setup_bytes": s.setup_bytes,
        "tasks": s.tasks,
        "killed": s.killed,
        "exit_status": s.exit_status,
        "wall_s": round(s.wall_s, 3),
    }
    if s.rusage is not None:
        user = s.rusage.ru_utime * 1e3
        sys_ = s.rusage.ru_stime * 1e3
        out.update(user_ms=round(user, 2), sys_ms=round(sys_, 2))
        out["cpu_total_ms"] = round(user + sys_, 2)
    out.update(vmhwm_kib=s.status.get("VmHWM", 0), vmrss_kib=s.status.get("VmRSS", 0))
    first = [m for m in s.marks if m.frames >= 1]
    if first:
        out["first_frame_ms"] = round(first[0].cpu_ns / 1e6, 1)
    t0 = s.marks[0].t if s.marks else 0.0
    out["marks_list"] = [[m.frames, round(m.t - t0, 3), round(m.cpu_ns / 1e6, 3)] for m in s.marks]
    if s.marks and "cpu_total_ms" in out:
        out["after_last_mark_ms"] = round(out["cpu_total_ms"] - s.marks[-1].cpu_ns / 1e6, 1)
    if len(win) < 2 or win[-1].frames == win[0].frames:
        return out
    a, b = win[0], win[-1]
    n = b.frames - a.frames
    cpu_ms = (b.cpu_ns - a.cpu_ns) / 1e6
    pairs = [(x, y) for x, y in zip(win, win[1:]) if y.frames - x.frames == 1]
    single = sorted((y.cpu_ns - x.cpu_ns) / 1e6 for x, y in pairs)
    gaps = sorted(y.t - x.t for x, y in pairs)
    typical = gaps[len(gaps) // 2] if gaps else s.delay
    # an interval of 1.75x the typical one or more holds a refresh that wrote nothing
    cadence = sum(max(int((y.t - x.t) / typical + 0.25), 1) for x, y in zip(win, win[1:]))
    per = cpu_ms / n
    out.update(
        frames=n,
        frames_by_cadence=cadence,
        interval_ms=round(typical * 1e3, 1),
        window_s=round(b.t - a.t, 3),
        cpu_ms_per_refresh=round(per, 3),
        cpu_ms_median=round(single[len(single) // 2], 3) if single else None,
        cpu_ms_min=round(single[0], 3) if single else None,
        cpu_ms_max=round(single[-1], 3) if single else None,
        user_ms_per_refresh=round((b.utime - a.utime) * 1e3 / hz / n, 3),
        sys_ms_per_refresh=round((b.stime - a.stime) * 1e3 / hz / n, 3),
        idle_cpu_percent=round(100 * cpu_ms / 1e3 / (b.t - a.t), 3),
        harness_cpu_percent=round(100 * (b.own - a.own) / (b.t - a.t), 2),
        other_cpu_percent=round(
            max((b.busy - a.busy) / hz - cpu_ms / 1e3 - (b.own - a.own), 0.0)
            * 100
            / ((b.t - a.t) * (os.cpu_count() or 1)),
            1,
        ),
    )
    return out


# --------------------------------------------------------------------------
# pytest
# --------------------------------------------------------------------------


def _sysmon_top_error() -> str | None:
    """None when ``python -m sysmon.cli top --help`` works, else why not."""
    env = child_env(None, tempfile.gettempdir())
    r = subprocess.run(
        [sys.executable, "-m", "sysmon.cli", "top", "--help"],
        capture_output=True, env=env, cwd=REPO, check=False, timeout=60,
    )  # fmt: skip
    if r.returncode != 0:
        return (r.stderr or r.stdout).decode(errors="replace").strip().splitlines()[-1:][0]
    return None


@pytest.fixture(scope="module")
def sysmon_top() -> str | None:
    return _sysmon_top_error()


def _loadavg() -> str:
    return _read("/proc/loadavg").decode().split(" ")[0]


def _params() -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("scenario", "rep"),
        [
            pytest.param(s, rep, marks=pytest.mark.benchmark(group=sc.group), id=f"{s}-r{rep}")
            for s, sc in SCENARIOS.items()
            for rep in range(REPEATS)
        ],
    )


def _bench(benchmark: Any, impl: str, scenario: str, rep: int, processes: int) -> None:
    sc = SCENARIOS[scenario]
    load_before = _loadavg()
    sessions: list[Session] = []

    def one() -> None:
        sessions.append(run_session(impl, sc.delay, sc.frames, sc.skip))

    benchmark.pedantic(one, rounds=1, iterations=1, warmup_rounds=0)
    s = sessions[-1]
    fig = figures(s)
    benchmark.extra_info.update(
        impl=impl, scenario=scenario, rep=rep, delay=sc.delay, skip=sc.skip,
        command=" ".join(Path(a).name if i == 0 else a for i, a in enumerate(s.argv)),
        proc_count=processes, loadavg=f"{load_before} -> {_loadavg()}", top_result=True,
        **fig,
    )  # fmt: skip
    tail = s.tail.decode(errors="replace")[-400:]
    assert s.frames_total >= sc.frames, f"{impl}: {s.frames_total} frames drawn; output: {tail!r}"
    assert "cpu_ms_per_refresh" in fig, f"{impl}: no measured window ({fig})"
    assert not s.killed, f"{impl}: did not exit by itself ({fig})"
    if impl == "top_b":
        assert fig["frames"] == sc.frames - 1 - sc.skip, fig  # every frame seen, none merged


# The order of the functions below is the order within each interleaved block.


@_params()
def test_top_sysmon_c(benchmark: Any, idle_processes: int, sysmon_top: str | None,
                      scenario: str, rep: int) -> None:  # fmt: skip
    if sysmon_top:
        pytest.skip(f"sysmon top does not run: {sysmon_top}")
    _bench(benchmark, "sysmon_c", scenario, rep, idle_processes)


@_params()
def test_top_sysmon_python(benchmark: Any, idle_processes: int, sysmon_top: str | None,
                           scenario: str, rep: int) -> None:  # fmt: skip
    if sysmon_top:
        pytest.skip(f"sysmon top does not run: {sysmon_top}")
    _bench(benchmark, "sysmon_python", scenario, rep, idle_processes)


@_params()
def test_top_procps_batch(benchmark: Any, idle_processes: int, scenario: str, rep: int) -> None:
    _bench(benchmark, "top_b", scenario, rep, idle_processes)


@_params()
def test_top_procps_tty(benchmark: Any, idle_processes: int, scenario: str, rep: int) -> None:
    _bench(benchmark, "top", scenario, rep, idle_processes)


# --------------------------------------------------------------------------
# by hand: one session, or a profile of sysmon top's refresh
# --------------------------------------------------------------------------


@contextlib.contextmanager
def idle_load(n: int) -> Iterator[int]:
    """``n`` idle ``sleep`` processes (as conftest.idle_processes), killed and reaped after."""
    sleep = shutil.which("sleep") or "/bin/sleep"
    kids: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(n):
            kids.append(subprocess.Popen([sleep, "3600"], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, close_fds=True))  # fmt: skip
        time.sleep(1.0 if n else 0.0)
        yield sum(1 for d in os.listdir("/proc") if d.isdigit())
    finally:
        for k in kids:
            with contextlib.suppress(OSError):
                k.kill()
        for k in kids:
            with contextlib.suppress(Exception):
                k.wait(timeout=30)


def profile_refresh(backend: str, n: int, delay: float, out: Path | None) -> None:
    """In-process: n refreshes of what sysmon top's loop does per refresh, the drawing
    excepted (Source.sample, model.clamp, Source.extras for the shown rows,
    model.render at COLS x ROWS), first timed (CPU time of each phase, interleaved with
    a ProcessSampler of every field the UI shows and one of the fields it reads for
    every process), then under cProfile (top functions printed)."""
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    import sysmon  # noqa: PLC0415
    from sysmon.tui import app, model, source  # noqa: PLC0415

    sysmon.set_backend(backend)
    st = app.initial_state(app.Options(delay=delay))
    src = source.Source(st)
    every, shown = model.fields_needed(st)
    ui = sorted(every | shown)
    lean = sorted(every)
    samplers = {f: sysmon.ProcessSampler(fields=f) for f in (tuple(ui), tuple(lean))}
    snap, _ = src.sample(st)
    for smp in samplers.values():
        smp.sample()
    time.sleep(delay)

    def draw(snap: Any) -> Any:
        """What the loop does after a sample: clamp, the shown rows' extras, render."""
        cst = model.clamp(snap, st, ROWS)
        snap, _ = src.extras(snap, cst, fresh=True, height=ROWS)
        return model.render(snap, cst, COLS, ROWS)

    def refresh() -> Any:
        return draw(src.sample(st)[0])

    mask = sysmon.fields.mask_for
    steps: dict[str, Any] = {
        "Source.sample()": lambda: src.sample(st)[0],
        "clamp + extras (shown rows) + render": lambda: draw(snap),
        f"ProcessSampler, every UI field for all (mask {mask(frozenset(ui))})": samplers[
            tuple(ui)
        ].sample,
        f"ProcessSampler, the fields read for all (mask {mask(frozenset(lean))})": samplers[
            tuple(lean)
        ].sample,
    }
    cpu: dict[str, list[tuple[float, float]]] = {k: [] for k in steps}
    for _ in range(n):
        for name, call in steps.items():
            t0 = os.times()
            res = call()
            t1 = os.times()
            if name == "Source.sample()":
                snap = res
            cpu[name].append(((t1.user - t0.user) * 1e3, (t1.system - t0.system) * 1e3))
        time.sleep(delay)
    print(f"{backend}: {len(snap.processes)} processes; CPU ms per call, mean of {n}"
          " (os.times: 10 ms ticks): user / system = total")  # fmt: skip
    for name, v in cpu.items():
        u = sum(x[0] for x in v) / len(v)
        y = sum(x[1] for x in v) / len(v)
        print(f"  {name:58} {u:6.1f} / {y:6.1f} = {u + y:6.1f}")
    prof = cProfile.Profile()
    for _ in range(n):
        prof.runcall(refresh)
        time.sleep(delay)
    if out is not None:
        prof.dump_stats(str(out))
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)


def main(argv: list[str]) -> int:
    import argparse  # noqa: PLC0415

    ap = argparse.ArgumentParser(description="One session, or a profile of one refresh.")
    ap.add_argument("program", choices=[*PROGRAMS, "profile"])
    ap.add_argument("delay", type=float)
    ap.add_argument("frames", type=int)
    ap.add_argument("--idle", type=int, default=0, help="idle processes to spawn first")
    ap.add_argument("--backend", default="c", help="profile: the sysmon backend")
    ap.add_argument("--cprofile", type=Path,
                    help="sysmon_*: run the app under cProfile, stats to this file")  # fmt: skip
    ap.add_argument("-v", action="store_true", help="also print every mark")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))  # this checkout's sysmon, not an installed one
    with idle_load(a.idle) as nprocs:
        if a.program == "profile":
            profile_refresh(a.backend, a.frames, a.delay, a.cprofile)
            return 0
        wrap = ("-m", "cProfile", "-o", str(a.cprofile.resolve())) if a.cprofile else ()
        s = run_session(a.program, a.delay, a.frames, min(4, a.frames // 3), wrap)
    fig = {"command": s.argv, "proc_count": nprocs, **figures(s)}
    if a.v:
        fig["marks"] = [asdict(m) for m in s.marks]
    if s.exit_status or "cpu_ms_per_refresh" not in fig:
        print("output ends:", s.tail[-400:].decode(errors="replace"), file=sys.stderr)
    print(json.dumps(fig, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
