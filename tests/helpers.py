"""Generic helpers for live tests: spawn real processes and read ground truth.

Everything here is independent of sysmon: it reads /proc with its own small
parsers so tests can compare sysmon's answers against it.  Every process a
``Children`` instance starts (or adopts) is killed and reaped by ``close()``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, Callable, TypeVar

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

T = TypeVar("T")


def generated(n: int) -> Any:
    """The hypothesis settings of the generated-input tests: n examples (see
    examples()), no deadline, nothing written under the checkout."""
    from hypothesis import HealthCheck, settings

    return settings(max_examples=examples(n), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def examples(n: int) -> int:
    """Hypothesis examples for a test that wants n.  Under the ASan+UBSan
    build (CI's second pass, where each example costs ~3x) a quarter as
    many: that pass hunts memory errors in the C parsers, whose agreement
    with the pure twin the first pass has already checked on all n."""
    return max(20, n // 4) if os.environ.get("SYSMON_ASAN") == "1" else n

# A python child that prints "ready" once set up and then blocks on stdin,
# so closing its stdin (or killing it) ends it.
READY = b"ready\n"


# --------------------------------------------------------------------------
# waiting


def wait_for(pred: Callable[[], T], timeout: float = 10.0, interval: float = 0.005,
             what: str = "condition", last: Callable[[], str] | None = None) -> T:
    """Poll ``pred`` until it returns a truthy value; return that value.

    Raises AssertionError after ``timeout`` seconds (a test-setup failure,
    never a timing assertion on the code under test), with ``last()`` (e.g.
    the screen) when given, so a failure shows what was there instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n--- screen ---\n{last()}\n--------------" if last else ""
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}{extra}")
        time.sleep(interval)


# --------------------------------------------------------------------------
# independent /proc readers (ground truth)


def read_stat_raw(pid: int | str) -> bytes:
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read()


def parse_stat(raw: bytes) -> dict:
    """Parse /proc/<pid>/stat bytes by proc(5) field number.

    Returns {"comm": bytes, 1: int, 3: str, 4: int, ...}; numbering from 1.
    """
    lpar = raw.index(b"(")
    rpar = raw.rindex(b")")
    out: dict = {"comm": raw[lpar + 1:rpar], 1: int(raw[:lpar])}
    rest = raw[rpar + 2:].split()
    out[3] = rest[0].decode()
    for i, tok in enumerate(rest[1:], start=4):
        out[i] = int(tok)
    return out


def read_stat(pid: int | str) -> dict:
    return parse_stat(read_stat_raw(pid))


def read_statm(pid: int | str) -> tuple[int, ...]:
    with open(f"/proc/{pid}/statm", "rb") as f:
        return tuple(int(x) for x in f.read().split())


def read_status(pid: int | str) -> dict[str, str]:
    out = {}
    with open(f"/proc/{pid}/status", "rb") as f:
        for line in f.read().split(b"\n"):
            key, sep, val = line.partition(b":")
            if sep:
                out[key.decode("ascii", "replace")] = val.strip().decode("utf-8", "surrogateescape")
    return out


def read_cmdline(pid: int | str) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read()


def boot_time() -> int:
    with open("/proc/stat", "rb") as f:
        for line in f:
            if line.startswith(b"btime "):
                return int(line.split()[1])
    raise AssertionError("no btime in /proc/stat")


def uptime_ticks() -> float:
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) * CLK_TCK


def pid_exists(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}/stat")


def start_ticks(pid: int | str) -> int | None:
    """stat field 22 of pid, or None when the process is gone."""
    try:
        return read_stat(pid)[22]
    except (FileNotFoundError, ProcessLookupError):
        return None


def live_pids() -> set[int]:
    """Canonical numeric entries of /proc (thread-group leaders only)."""
    return {int(n) for n in os.listdir("/proc") if n.isdigit() and n == str(int(n))}


def free_pid() -> int:
    """A pid that has no process right now (below pid_max)."""
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    used = live_pids()
    for pid in range(pid_max - 1, 300, -1):
        if pid not in used and not pid_exists(pid):
            return pid
    raise AssertionError("no free pid")


def open_fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def self_rss_bytes() -> int:
    return read_statm("self")[1] * PAGE_SIZE


# --------------------------------------------------------------------------
# spawning


BLOCK_ON_STDIN = "sys.stdin.buffer.read()"


def python_code_ready(body: str, after: str = BLOCK_ON_STDIN) -> str:
    """Wrap ``body`` so the child prints READY after it, then runs ``after``
    (by default: block on stdin until the parent closes it or kills us)."""
    return (
        "import sys\n"
        + body
        + "\nsys.stdout.buffer.write(b'ready\\n'); sys.stdout.flush()\n"
        + after
        + "\n"
    )


class Children:
    """Owns processes started by a test; ``close()`` kills and reaps all of them."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.raw_pids: list[int] = []  # forked with os.fork, reaped with waitpid

    def spawn(self, argv: Sequence, **kw) -> subprocess.Popen:
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", None)
        kw.setdefault("close_fds", True)
        p = subprocess.Popen(list(argv), **kw)
        self.procs.append(p)
        # Popen returns once exec has passed the point of no return, but the
        # kernel sets the new command line (mm->arg_start/arg_end) a little
        # later: until then /proc/<pid>/cmdline reads empty.  Wait for it.
        wait_for(lambda: p.poll() is not None or _has_cmdline(p.pid),
                 what=f"pid {p.pid} to finish exec")
        return p

    def python(self, body: str, *args: str | bytes, after: str = BLOCK_ON_STDIN,
               ready: bool = True, **kw) -> subprocess.Popen:
        """Run ``body`` in a child python, then ``after``; wait until it reports
        ready (between the two)."""
        code = python_code_ready(body, after) if ready else body
        kw.setdefault("stdin", subprocess.PIPE)
        kw.setdefault("stdout", subprocess.PIPE)
        p = self.spawn([sys.executable, "-c", code, *args], **kw)
        if ready:
            line = p.stdout.readline()
            if line != READY:
                p.kill()
                p.wait()
                raise AssertionError(f"child python did not start: {line!r}, rc={p.returncode}")
        return p

    def sleeper(self, seconds: int = 600, **kw) -> subprocess.Popen:
        return self.spawn(["sleep", str(seconds)], **kw)

    def adopt_pid(self, pid: int) -> int:
        self.raw_pids.append(pid)
        return pid

    def fork_zombie(self) -> int:
        """Fork a child that exits at once; do not reap it (it stays a zombie).

        The caller's ``close()`` reaps it.
        """
        pid = os.fork()
        if pid == 0:  # child
            os._exit(7)
        self.raw_pids.append(pid)
        wait_for(lambda: read_stat(pid)[3] == "Z", what=f"pid {pid} to become a zombie")
        return pid

    def reap(self, pid: int) -> int:
        """Reap a raw (forked) child now; return its wait status."""
        _, status = os.waitpid(pid, 0)
        self.raw_pids.remove(pid)  # never signal a pid we no longer own
        return status

    def kill(self, p: subprocess.Popen) -> None:
        """Kill and reap one child now."""
        _kill_popen(p)

    def close(self) -> None:
        errors = []
        for p in self.procs:
            try:
                _kill_popen(p)
            except Exception as e:  # keep reaping the others
                errors.append(e)
        for pid in self.raw_pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.procs.clear()
        self.raw_pids.clear()
        if errors:
            raise errors[0]

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def wait_exec(pid: int, comm: bytes) -> None:
    """Wait until pid has exec'd the program named comm, command line included
    (for wrappers like setpriv/nice/chrt that exec their argument)."""
    wait_for(lambda: read_stat(pid)["comm"] == comm and _has_cmdline(pid),
             what=f"pid {pid} to exec {comm!r}")


def _has_cmdline(pid: int) -> bool:
    try:
        return read_cmdline(pid) != b""
    except (FileNotFoundError, ProcessLookupError):
        return False


def _kill_popen(p: subprocess.Popen) -> None:
    try:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=30)
    finally:
        for stream in (p.stdin, p.stdout, p.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def fork_at_pid(target: int, attempts: int = 50) -> int | None:
    """Fork a child (which blocks in pause()) that gets pid ``target``.

    Uses /proc/sys/kernel/ns_last_pid (root).  Returns the pid (== target) or
    None when another process kept taking the pid first.  The caller must kill
    and reap it.
    """
    path = "/proc/sys/kernel/ns_last_pid"
    if not os.access(path, os.W_OK):
        return None
    for _ in range(attempts):
        with open(path, "w") as f:
            f.write(str(target - 1))
        pid = os.fork()
        if pid == 0:  # child: wait to be killed
            try:
                while True:
                    signal.pause()
            finally:
                os._exit(0)
        if pid == target:
            return pid
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if pid_exists(target):
            return None
    return None


def decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def decode_all(items: Iterable[bytes]) -> list[str]:
    return [decode(x) for x in items]


# --------------------------------------------------------------------------
# an unprivileged user


def nobody_ids() -> tuple[int, int]:
    """(uid, gid) of the user nobody (65534 where there is no such entry)."""
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        return 65534, 65534
    return pw.pw_uid, pw.pw_gid


def as_nobody(work: Callable[[], T]) -> T | Exception:
    """What ``work()`` returns (or the exception it raises) in a forked child
    that first drops to the user nobody (the caller must be root).  The
    outcome comes back pickled; the child never returns into pytest."""
    uid, gid = nobody_ids()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(r)
            outcome: object
            try:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
                outcome = work()
            except Exception as e:
                outcome = e
            view = memoryview(pickle.dumps(outcome))
            while view:
                view = view[os.write(w, view):]
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    try:
        while chunk := os.read(r, 65536):
            data += chunk
    finally:
        os.close(r)
    assert os.waitpid(pid, 0)[1] == 0
    assert data, "the unprivileged child reported nothing"
    out: T | Exception = pickle.loads(data)
    return out


EFD_NONBLOCK = os.O_NONBLOCK  # the kernel's value for eventfd(2) too


def eventfd(initval: int, flags: int = 0) -> int:
    """An eventfd: os.eventfd (Python 3.10+), else libc's eventfd(2)."""
    if hasattr(os, "eventfd"):
        return os.eventfd(initval, flags)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = int(libc.eventfd(initval, flags))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return fd
