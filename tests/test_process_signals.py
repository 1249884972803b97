"""Safe signals: send_signal/terminate/kill/suspend/resume/wait on sysmon.Process.

parse_signal and signal_name; the effect of each call on children we start
(ground truth: their wait status, /proc/<pid>/stat, what a handler wrote to
a pipe); wait() on our children, on processes that are not, with timeouts;
exited, reaped and zombie processes; bad pids, closed handles and the held
fd; AccessDenied from an unprivileged process; handles on a fixture tree,
which must never signal the live process with the same pid.  Pid reuse
itself: test_process_pid_reuse.py.

Children are tracked by pidfd, so cleanup (SIGKILL, reap) can never hit a
pid that sysmon's wait() already reaped and the kernel handed on.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from fixture_support import AWKWARD  # noqa: E402
from helpers import as_nobody, open_fd_count, wait_for  # noqa: E402

import sysmon  # noqa: E402
from sysmon import parse_signal, signal_name  # noqa: E402

RTMIN = int(signal.SIGRTMIN)
RTMAX = int(signal.SIGRTMAX)
# `sleep` needs no sanitizer runtime (CI preloads ASan into Python's children)
SLEEP_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


# --------------------------------------------------------------------------
# children, tracked by pidfd


class Kids:
    """Children started by one test.  Each is held by a pidfd taken while it
    is certainly ours and unreaped, so close() signals and reaps exactly it,
    whoever reaped it meanwhile."""

    def __init__(self) -> None:
        self.pidfds: dict[int, int] = {}

    def _track(self, pid: int) -> int:
        self.pidfds[pid] = os.pidfd_open(pid)
        return pid

    def sleep(self) -> int:
        """`sleep 600`, once it has exec'd and sleeps (state S)."""
        pid = self._track(os.posix_spawnp("sleep", ["sleep", "600"], SLEEP_ENV))
        wait_for(lambda: helpers.read_stat(pid)["comm"] == b"sleep" and state(pid) == "S",
                 what=f"{pid} to exec sleep and sleep")
        return pid

    def fork(self, body: Callable[[], object]) -> int:
        """Fork a child that runs body() and exits 0 (1 if body raised)."""
        pid = os.fork()
        if pid == 0:  # child: never return into pytest
            code = 1
            try:
                body()
                code = 0
            finally:
                os._exit(code)
        return self._track(pid)

    def alive(self, pid: int) -> bool:
        """Our child has not exited (not even as a zombie)."""
        return os.waitid(os.P_PIDFD, self.pidfds[pid],
                         os.WEXITED | os.WNOHANG | os.WNOWAIT) is None

    def close(self) -> None:
        for fd in self.pidfds.values():
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitid(os.P_PIDFD, fd, os.WEXITED)
            os.close(fd)
        self.pidfds.clear()


@pytest.fixture
def kids():
    k = Kids()
    try:
        yield k
    finally:
        k.close()


def pause_forever() -> None:
    while True:
        signal.pause()


def state(pid: int) -> str:
    return helpers.read_stat(pid)[3]


def read_exact(fd: int, n: int, timeout: float = 10.0) -> bytes:
    """n bytes from a pipe (AssertionError, a setup failure, after timeout)."""
    out = b""
    while len(out) < n:
        r, _, _ = select.select([fd], [], [], timeout)
        assert r, f"no data on the pipe after {timeout}s (got {out!r})"
        chunk = os.read(fd, n - len(out))
        assert chunk, f"pipe closed after {out!r}"
        out += chunk
    return out


# --------------------------------------------------------------------------
# parse_signal and signal_name


@pytest.mark.parametrize(("given", "want"), [
    ("TERM", 15), ("SIGTERM", 15), ("term", 15), ("sigterm", 15), ("SigKill", 9),
    ("usr1", int(signal.SIGUSR1)), ("SIGSTOP", int(signal.SIGSTOP)), ("CONT", 18),
    (15, 15), ("15", 15), ("9", 9), (0, 0), ("0", 0),
    (signal.SIGTERM, 15), (signal.Signals.SIGUSR2, int(signal.SIGUSR2)),
    ("RTMIN", RTMIN), ("SIGRTMIN", RTMIN), ("RTMIN+0", RTMIN), ("RTMIN+3", RTMIN + 3),
    ("sigrtmin+1", RTMIN + 1), ("RTMAX", RTMAX), ("SIGRTMAX-1", RTMAX - 1),
    ("rtmax-2", RTMAX - 2), (RTMAX, RTMAX), (str(RTMIN + 5), RTMIN + 5),
])
def test_parse_signal(given, want):
    got = parse_signal(given)
    assert got == want
    assert type(got) is int


@pytest.mark.parametrize("bad", [
    "FOO", "SIGFOO", "-1", -1, RTMAX + 1, 65, "65", "RTMIN+99", "RTMAX+1", "RTMIN-1",
    f"RTMAX-{RTMAX - RTMIN + 1}", "RTMIN+", "RTMIN+x", "SIG", "", "   ", True, False,
    "+15", "1.5", "SIGSIGTERM", "\u0661\u0665",  # Arabic-Indic "15"
    # letters whose upper case is ASCII: dotless i, long s, the "st" ligature
    "k\u0131ll", "\u017figterm", "\ufb06op", "\u017fIGKILL",
])
def test_parse_signal_rejects(bad):
    with pytest.raises(ValueError):
        parse_signal(bad)


@pytest.mark.parametrize("bad", [None, 15.0])
def test_parse_signal_rejects_other_types(bad):
    with pytest.raises((ValueError, TypeError)):
        parse_signal(bad)


def test_signal_name_round_trip():
    assert signal_name(0) == "SIG0"
    assert signal_name(15) == "SIGTERM"
    assert signal_name(RTMIN) == "SIGRTMIN"
    assert signal_name(RTMIN + 3) == "SIGRTMIN+3"
    assert parse_signal(signal_name(RTMIN + 3)) == RTMIN + 3
    bad = [(n, signal_name(n)) for n in sorted(signal.valid_signals())
           if parse_signal(signal_name(n)) != n]
    assert not bad


@pytest.mark.parametrize("n", [32, 33])
def test_signal_name_of_accepted_numbers_below_rtmin(n):
    assert parse_signal(n) == n
    assert parse_signal(signal_name(n)) == n


# --------------------------------------------------------------------------
# the effect is real


@pytest.mark.parametrize(("method", "sig"), [("terminate", signal.SIGTERM),
                                             ("kill", signal.SIGKILL)])
def test_terminate_and_kill_end_the_child(backend, kids, method, sig):
    pid = kids.sleep()
    with sysmon.Process(pid) as h:
        assert getattr(h, method)() is None
        _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status), hex(status)
    assert os.WTERMSIG(status) == sig


@pytest.mark.parametrize("sig", ["TERM", "sigterm", 15, "15", signal.SIGTERM])
def test_send_signal_by_name_and_number(kids, sig):
    pid = kids.sleep()
    with sysmon.Process(pid) as h:
        h.send_signal(sig)
        _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM, hex(status)


def test_suspend_and_resume(backend, kids):
    pid = kids.sleep()
    with sysmon.Process(pid) as h:
        h.suspend()
        wait_for(lambda: state(pid) == "T", what="stopped state T")
        assert h.state() == "T"
        h.suspend()  # again: still stopped, no error
        assert state(pid) == "T"
        h.resume()
        wait_for(lambda: state(pid) != "T", what="state other than T after resume")
        assert kids.alive(pid)
        h.resume()  # resuming a running process is harmless
        h.send_signal("STOP")
        wait_for(lambda: state(pid) == "T", what="stopped by send_signal('STOP')")
        h.send_signal(int(signal.SIGCONT))
        wait_for(lambda: state(pid) != "T", what="continued by send_signal(18)")
        assert kids.alive(pid)


HANDLED = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, RTMIN + 2]


def test_handler_receives_exactly_what_was_sent(backend, kids):
    """A child with handlers that write each signal's number to a pipe: one
    byte per signal, in the order sent (we wait for each before the next)."""
    r, w = os.pipe()
    try:
        def child():
            os.close(r)
            for s in HANDLED:
                signal.signal(s, lambda n, _f: os.write(w, bytes([n])))
            os.write(w, b"\0")  # ready
            pause_forever()

        pid = kids.fork(child)
        os.close(w)
        w = -1
        assert read_exact(r, 1) == b"\0"
        sends = [("USR1", signal.SIGUSR1), ("sigusr2", signal.SIGUSR2),
                 (int(signal.SIGUSR1), signal.SIGUSR1), ("12", signal.SIGUSR2),
                 (signal.SIGHUP, signal.SIGHUP), ("SIGRTMIN+2", RTMIN + 2),
                 (0, None), ("RTMIN+2", RTMIN + 2), (RTMIN + 2, RTMIN + 2)]
        got, want = [], []
        with sysmon.Process(pid) as h:
            for sig, expect in sends:
                h.send_signal(sig)
                if expect is not None:
                    want.append(int(expect))
                    got.append(read_exact(r, 1)[0])
            # Signal 0 sent nothing: a marker sent after it is the next byte.
            h.send_signal(signal.SIGUSR1)
            assert read_exact(r, 1) == bytes([signal.SIGUSR1])
            assert got == want
            assert kids.alive(pid)
            os.set_blocking(r, False)
            with pytest.raises(BlockingIOError):
                os.read(r, 16)  # nothing extra
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


# --------------------------------------------------------------------------
# wait()


def test_wait_returns_exit_code_and_reaps(backend, kids):
    r, w = os.pipe()
    pid = kids.fork(lambda: (os.close(w), os.read(r, 1), os._exit(3)))
    os.close(r)
    with sysmon.Process(pid) as h:
        with pytest.raises(sysmon.TimeoutExpired):
            h.wait(timeout=0)  # still running: timeout=0 only polls
        os.close(w)  # the child reads EOF and exits 3
        assert h.wait() == 3
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped by wait()


@pytest.mark.parametrize(("method", "sig"), [("kill", signal.SIGKILL),
                                             ("terminate", signal.SIGTERM)])
def test_wait_returns_minus_signal(backend, kids, method, sig):
    pid = kids.sleep()
    with sysmon.Process(pid) as h:
        getattr(h, method)()
        assert h.wait() == -sig
        assert h.wait() is None  # gone: nothing left to reap
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_wait_timeout_then_kill(backend, kids):
    pid = kids.sleep()
    with sysmon.Process(pid) as h:
        with pytest.raises(sysmon.TimeoutExpired) as ei:
            h.wait(timeout=0.05)
        e = ei.value
        assert isinstance(e, sysmon.SysmonError)
        assert e.pid == pid
        assert e.seconds == 0.05
        assert str(pid) in str(e)
        e2 = pickle.loads(pickle.dumps(e))
        assert (type(e2), e2.pid, e2.seconds, str(e2)) == (type(e), pid, 0.05, str(e))
        assert kids.alive(pid)
        with pytest.raises(sysmon.TimeoutExpired):
            h.wait(timeout=0)
        assert kids.alive(pid)
        h.kill()
        assert h.wait(timeout=10) == -signal.SIGKILL


@pytest.mark.parametrize("timeout", [float("inf"), 3e6, 1e308, sys.float_info.max,
                                     pytest.param(10**400, id="10**400")])
def test_wait_long_timeout(kids, timeout):
    pid = kids.fork(lambda: os._exit(5))
    wait_for(lambda: state(pid) == "Z", what="child to become a zombie")
    with sysmon.Process(pid) as h:
        assert h.wait(timeout=timeout) == 5


@pytest.mark.parametrize("timeout", [-1, -0.001, float("-inf")])
def test_wait_negative_timeout(kids, timeout):
    pid = kids.sleep()
    with sysmon.Process(pid) as h, pytest.raises(ValueError):
        h.wait(timeout=timeout)
    assert kids.alive(pid)


def test_wait_on_a_grandchild_returns_none(backend, kids):
    """Double fork: the grandchild is not ours (its parent exited), so wait()
    waits for it to end, then returns None instead of a status."""
    r, w = os.pipe()

    def middle():
        os.close(r)
        g = os.fork()
        if g == 0:
            try:
                pause_forever()
            finally:
                os._exit(0)
        os.write(w, g.to_bytes(4, "little"))

    mid = kids.fork(middle)
    os.close(w)
    try:
        gpid = int.from_bytes(read_exact(r, 4), "little")
    finally:
        os.close(r)
    assert os.waitpid(mid, 0)[1] == 0  # the middle exited 0: gpid is an orphan
    # gpid exists (orphans are reparented, not reaped): hold it by pidfd for cleanup.
    gfd = os.pidfd_open(gpid)
    try:
        if helpers.read_stat(gpid)[4] == os.getpid():
            pytest.skip("this process is a child subreaper: the grandchild became ours")
        with sysmon.Process(gpid) as h:
            with pytest.raises(sysmon.TimeoutExpired):
                h.wait(timeout=0.05)
            h.kill()
            assert h.wait(timeout=10) is None  # (its reaper may not have reaped it yet)
    finally:
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(gfd, signal.SIGKILL)
        os.close(gfd)


def test_wait_on_a_child_of_our_child_returns_none(backend, kids):
    """A `sleep` started by a child of ours (which stays alive): not ours."""
    r, w = os.pipe()

    def middle():
        os.close(r)
        g = os.posix_spawnp("sleep", ["sleep", "600"], SLEEP_ENV)
        os.write(w, g.to_bytes(4, "little"))
        os.waitpid(g, 0)

    kids.fork(middle)
    os.close(w)
    try:
        gpid = int.from_bytes(read_exact(r, 4), "little")
    finally:
        os.close(r)
    with sysmon.Process(gpid) as h:
        assert h.ppid() != os.getpid()
        with pytest.raises(sysmon.TimeoutExpired):
            h.wait(timeout=0)
        h.terminate()
        assert h.wait(timeout=10) is None


# --------------------------------------------------------------------------
# exited, reaped, zombie


def test_exited_and_reaped(backend, kids):
    pid = kids.sleep()
    h = sysmon.Process(pid)
    try:
        os.kill(pid, signal.SIGKILL)  # ours and unreaped: the pid is still this process
        os.waitpid(pid, 0)
        calls = [("send_signal(SIGTERM)", lambda: h.send_signal(signal.SIGTERM)),
                 ("send_signal(0)", lambda: h.send_signal(0)),
                 ("send_signal('HUP')", lambda: h.send_signal("HUP")),
                 ("terminate", h.terminate), ("kill", h.kill),
                 ("suspend", h.suspend), ("resume", h.resume)]
        for what, call in calls:
            with pytest.raises(sysmon.NoSuchProcess) as ei:
                call()
            e = ei.value
            assert not isinstance(e, (ProcessLookupError, OSError)), what
            assert type(e) is sysmon.NoSuchProcess, what
            assert e.pid == pid, what
            assert str(pid) in str(e), what
            e2 = pickle.loads(pickle.dumps(e))
            assert (type(e2), e2.pid, str(e2)) == (type(e), pid, str(e)), what
        assert h.wait() is None
        assert h.wait(timeout=0) is None
    finally:
        h.close()


def test_zombie(backend, kids):
    pid = kids.fork(lambda: os._exit(7))
    wait_for(lambda: state(pid) == "Z", what="child to become a zombie")
    with sysmon.Process(pid) as h:
        h.send_signal(0)  # exited, not reaped: it still exists
        assert h.wait(timeout=0) == 7
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        with pytest.raises(sysmon.NoSuchProcess):
            h.send_signal(0)
        assert h.wait() is None


# --------------------------------------------------------------------------
# bad pids, closed handles, the held fd


@pytest.mark.parametrize("pid", [0, -1, -(2 ** 31)])
def test_refuses_non_positive_pid(pid):
    with pytest.raises(ValueError):
        sysmon.Process(pid)


@pytest.mark.parametrize("pid", ["1", 1.0, None, True, b"1"])
def test_refuses_non_int_pid(pid):
    with pytest.raises(TypeError):
        sysmon.Process(pid)


def test_closed_handle(backend, kids):
    pid = kids.sleep()
    h = sysmon.Process(pid)
    h.close()
    h.close()  # idempotent
    for call in (lambda: h.send_signal(signal.SIGTERM), lambda: h.send_signal(0),
                 h.terminate, h.kill, h.suspend, h.resume, h.wait):
        with pytest.raises(ValueError, match="closed"):
            call()
    assert kids.alive(pid)
    assert state(pid) == "S"


def test_closed_handle_wait_after_exit(kids):
    pid = kids.fork(lambda: os._exit(0))
    h = sysmon.Process(pid)
    h.close()
    os.waitpid(pid, 0)
    with pytest.raises(ValueError, match="closed"):
        h.wait()


def test_held_fd_is_released(backend, kids):
    pid = kids.sleep()
    gc.collect()
    base = open_fd_count()

    h = sysmon.Process(pid)
    assert open_fd_count() == base + 1
    h.close()
    assert open_fd_count() == base

    with sysmon.Process(pid) as h2:
        h2.send_signal(0)
        assert open_fd_count() == base + 1
    assert open_fd_count() == base

    h3 = sysmon.Process(pid)
    h3.send_signal(0)
    assert open_fd_count() == base + 1
    del h3
    gc.collect()
    assert open_fd_count() == base

    # A failed signal releases nothing and leaks nothing.
    with sysmon.Process(pid) as h4:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with pytest.raises(sysmon.NoSuchProcess):
            h4.terminate()
        assert h4.wait() is None
        assert open_fd_count() == base + 1
    assert open_fd_count() == base


# --------------------------------------------------------------------------
# permission


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_access_denied_for_another_users_process(backend, kids):
    target = kids.sleep()  # ours, running as root

    def signals() -> list[object]:
        outcome: list[object] = []
        with sysmon.Process(target) as h:
            for call in (h.terminate, h.kill, lambda: h.send_signal(0)):
                try:
                    call()
                    outcome.append("no error")
                except Exception as e:
                    outcome.append(e)
        return outcome

    outcome = as_nobody(signals)
    assert isinstance(outcome, list), outcome  # else: the setup failed
    assert len(outcome) == 3, outcome
    for e in outcome:
        assert type(e) is sysmon.AccessDenied, outcome
        assert e.pid == target
        assert "permi" in str(e).lower(), str(e)
        assert str(target) in str(e)
    assert kids.alive(target)
    assert state(target) == "S"


# --------------------------------------------------------------------------
# fixture roots are never signalled


def make_tree(root: Path, pid: int) -> Path:
    """A hand-made tree with one process, pid ``pid`` (awkward/'s pid 100,
    renumbered)."""
    src = AWKWARD / "proc" / "100"
    d = root / "proc" / str(pid)
    d.mkdir(parents=True)
    stat = (src / "stat").read_bytes()
    assert stat.startswith(b"100 ")
    (d / "stat").write_bytes(str(pid).encode() + stat[3:])
    status = (src / "status").read_bytes()
    for key in (b"Tgid", b"Pid", b"NStgid", b"NSpid"):
        status = status.replace(b"\n" + key + b":\t100\n", b"\n" + key + b":\t%d\n" % pid)
    (d / "status").write_bytes(status)
    (root / "proc" / "stat").write_bytes((AWKWARD / "proc" / "stat").read_bytes())
    return root


def test_fixture_root_is_never_signalled(backend, kids, tmp_path):
    pid = kids.sleep()
    root = make_tree(tmp_path / "t", pid)
    with sysmon.Process(pid, root=root) as h:
        assert h.pid == pid
        assert h.name() == "a) (b"  # the fixture, not the live `sleep`
        calls = [lambda: h.send_signal(signal.SIGTERM), lambda: h.send_signal("KILL"),
                 lambda: h.send_signal(0), h.terminate, h.kill, h.suspend, h.resume,
                 h.wait, lambda: h.wait(timeout=0)]
        for call in calls:
            with pytest.raises(sysmon.SysmonError) as ei:
                call()
            e = ei.value
            assert not isinstance(e, (sysmon.NoSuchProcess, sysmon.AccessDenied,
                                      sysmon.TimeoutExpired)), repr(e)
            assert str(pid) in str(e)
    assert kids.alive(pid)
    assert state(pid) == "S"  # not stopped either
    st = helpers.read_status(pid)
    assert int(st["ShdPnd"], 16) == 0 and int(st["SigPnd"], 16) == 0, st


# --------------------------------------------------------------------------
# renice (no pidfd form: checked through the held fd before and after)


def ps_nice(pid: int) -> int:
    out = subprocess.run(["ps", "-o", "ni=", "-p", str(pid)], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return int(out.strip())


def test_renice_sets_the_nice_value(backend, kids):
    pid = kids.sleep()
    with sysmon.Process(pid) as h:
        h.renice(7)
        assert ps_nice(pid) == 7 == h.nice()
        if os.geteuid() == 0:  # lowering needs CAP_SYS_NICE
            h.renice(-3)
            assert ps_nice(pid) == -3 == h.nice()


@pytest.mark.parametrize(("bad", "exc"), [(20, ValueError), (-21, ValueError),
                                          ("5", TypeError), (True, TypeError)])
def test_renice_rejects_bad_values(kids, bad, exc):
    pid = kids.sleep()
    with sysmon.Process(pid) as h, pytest.raises(exc):
        h.renice(bad)
    assert ps_nice(pid) == 0


def test_renice_of_an_exited_process(backend, kids):
    pid = kids.fork(lambda: None)
    h = sysmon.Process(pid)
    os.waitid(os.P_PIDFD, kids.pidfds[pid], os.WEXITED)
    with h, pytest.raises(sysmon.NoSuchProcess):
        h.renice(5)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_renice_of_another_users_process_is_denied(backend, kids):
    target = kids.sleep()

    def renice() -> str:
        with sysmon.Process(target) as h:
            h.renice(5)
        return "no error"

    outcome = as_nobody(renice)
    assert type(outcome) is sysmon.AccessDenied, outcome
    assert "permitted" in str(outcome)
    assert ps_nice(target) == 0


# --------------------------------------------------------------------------
# a /proc of another pid namespace

FOREIGN_NS_CHILD = r"""
import os, sysmon
me = sysmon.self_pid()          # as the host's /proc numbers this process
print("pid", os.getpid(), "self_pid", me)
status = open(f"/proc/{me}/status").read()
print("nspid", *status.split("NSpid:")[1].split("\n")[0].split())
nice = os.getpriority(os.PRIO_PROCESS, 0)
with sysmon.Process(1) as p:    # the host's pid 1; pid 1 here is this process
    for what, call in (("renice", lambda: p.renice(nice + 1)),
                       ("wait", lambda: p.wait(timeout=0))):
        try:
            call()
            print(what, "returned")
        except sysmon.SysmonError as e:
            print(what, type(e).__name__, e)
print("nice unchanged", os.getpriority(os.PRIO_PROCESS, 0) == nice)
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="needs root and unshare")
def test_renice_and_wait_refuse_another_pid_namespaces_proc():
    """After `unshare --pid --fork` without a new /proc, /proc numbers pids as
    the host does while setpriority() and pidfd_open() take this namespace's
    numbers: Process(1).renice() reniced the caller (pid 1 here) and wait()
    waited for it.  Both now refuse; self_pid() gives the host's number."""
    assert sysmon.self_pid() == os.getpid()  # this /proc is our namespace's
    p = subprocess.run(["unshare", "--pid", "--fork", sys.executable, "-c", FOREIGN_NS_CHILD],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    head = lines[0].split()
    assert head[:2] == ["pid", "1"]
    host_pid = int(head[3])
    assert lines[1].split() == ["nspid", str(host_pid), "1"]  # the kernel's own mapping
    assert lines[2:] == [
        "renice SysmonError cannot renice process 1: /proc belongs to another pid "
        "namespace, whose pid numbers this process cannot use",
        "wait SysmonError cannot wait for process 1: /proc belongs to another pid "
        "namespace, whose pid numbers this process cannot use",
        "nice unchanged True",
    ]
