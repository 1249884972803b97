"""Signals that can only reach the process a handle was made for.

A :class:`sysmon.Process` checks the start time once, when it is made, and
holds the process's /proc/<pid> directory fd.  Every signal goes through
that fd with pidfd_send_signal(2), which accepts a /proc/<pid> directory fd
as a pidfd: the kernel resolves it to the very process it was opened on, so
once that process is reaped the call fails with ESRCH, even if its pid now
belongs to someone else.  A fresh kill(pid), or a pidfd opened at signal
time, would hit the newcomer: start times tick at 10 ms and pids are reused
faster than that.
"""

from __future__ import annotations

import errno
import math
import os
import select
import signal
import time

from sysmon._handle import HandleBase
from sysmon._host import own_pid_namespace
from sysmon.errors import AccessDenied, NoSuchProcess, SysmonError, TimeoutExpired
from sysmon.fields import FileGroup

_SIGRTMIN = int(signal.SIGRTMIN)
_SIGRTMAX = int(signal.SIGRTMAX)


def parse_signal(sig: int | str | signal.Signals) -> int:
    """A signal number from a number, a name ("TERM", "SIGTERM", "term",
    "SIG32"), or a real-time offset ("RTMIN+3", "SIGRTMAX-1").  0 (no
    signal: only check the process exists) is allowed.  ValueError for
    anything else."""
    if isinstance(sig, bool) or not isinstance(sig, (int, str)):
        raise ValueError(f"not a signal: {sig!r}")
    if isinstance(sig, int):
        n = int(sig)
    else:
        text = sig.strip()
        if not text.isascii():  # "k\u0131ll".upper() is "KILL": no Unicode casing
            raise ValueError(f"no such signal: {sig!r}")
        n = int(text) if text.isdigit() else _by_name(text.upper())
    if not 0 <= n <= _SIGRTMAX:
        raise ValueError(f"not a signal number: {sig!r} (valid: 0 to {_SIGRTMAX})")
    return n


def _by_name(name: str) -> int:
    bare = name[3:] if name.startswith("SIG") else name
    if name.startswith("SIG") and bare.isascii() and bare.isdigit():
        return int(bare)  # "SIG32": what signal_name calls a number with no name
    for base, n0 in (("RTMIN", _SIGRTMIN), ("RTMAX", _SIGRTMAX)):
        if bare == base:
            return n0
        if bare.startswith(base) and bare[len(base)] in "+-":
            off = bare[len(base) + 1:]
            if off.isascii() and off.isdigit():
                n = n0 + int(off) if bare[len(base)] == "+" else n0 - int(off)
                if _SIGRTMIN <= n <= _SIGRTMAX:
                    return n
            raise ValueError(f"no such signal: {name}")
    member = signal.Signals.__members__.get("SIG" + bare)
    if member is None:
        raise ValueError(f"no such signal: {name}")
    return int(member)


def signal_name(n: int) -> str:
    """"SIGTERM" for 15, "SIGRTMIN+3" for a real-time signal, "SIG<n>" for a
    number with no name (0, and 32 and 33, which glibc keeps for itself);
    parse_signal() reads each back."""
    if _SIGRTMIN < n <= _SIGRTMAX and n not in signal.Signals._value2member_map_:
        return f"SIGRTMIN+{n - _SIGRTMIN}"
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"SIG{n}"


_POLL_MAX_MS = 86_400_000  # poll() takes a C int of milliseconds: wait a day at a time


def _poll_exit(pidfd: int, timeout: float | None) -> bool:
    """Wait until the pidfd is readable (the process exited): False on timeout."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    if timeout is None or math.isinf(timeout):
        while not poller.poll(_POLL_MAX_MS):
            pass
        return True
    deadline = time.monotonic() + timeout
    while True:
        # poll() is retried on EINTR with the time left (PEP 475).
        left = deadline - time.monotonic()
        # (a huge timeout: left * 1000 may be inf, which ceil refuses)
        ms = _POLL_MAX_MS if left * 1000 >= _POLL_MAX_MS else max(0, math.ceil(left * 1000))
        if poller.poll(ms):
            return True
        if left <= 0 or time.monotonic() >= deadline:
            return False


class SignalMixin(HandleBase):
    """send_signal/terminate/kill/suspend/resume/wait and renice of
    :class:`sysmon.Process`."""

    def send_signal(self, sig: int | str | signal.Signals) -> None:
        """Send ``sig`` (a number, a signal.Signals or a name) through the held
        fd.  NoSuchProcess once this process has exited, even if its pid was
        reused; AccessDenied when this user may not signal it."""
        n = parse_signal(sig)
        with self._lock:
            if not self._closer.alive:
                raise ValueError("operation on a closed sysmon.Process")
            try:
                signal.pidfd_send_signal(self._fd, n)
                return
            except OSError as e:
                err = e.errno
        what = signal_name(n)
        if err == errno.ESRCH:
            raise NoSuchProcess(self._pid, None,
                                f"process {self._pid} has exited; {what} not sent")
        if err == errno.EPERM:
            raise AccessDenied(
                self._pid, None,
                f"not permitted to send {what} to process {self._pid}: it belongs to "
                "another user (run as root or as its owner)",
            )
        if err in (errno.EBADF, errno.EINVAL):
            raise SysmonError(
                f"cannot signal process {self._pid}: {self._proc}/{self._pid} is not a "
                "live /proc process directory"
            )
        raise SysmonError(f"cannot send {what} to process {self._pid}: {os.strerror(err or 0)}")

    def terminate(self) -> None:
        """SIGTERM: ask the process to exit."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: end the process now."""
        self.send_signal(signal.SIGKILL)

    def suspend(self) -> None:
        """SIGSTOP: stop the process until :meth:`resume`."""
        self.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: continue a stopped process."""
        self.send_signal(signal.SIGCONT)

    def renice(self, value: int) -> None:
        """Set the nice value (-20 favoured .. 19).  Lowering it needs
        CAP_SYS_NICE (AccessDenied otherwise).  setpriority(2) has no pidfd
        form: the pid is checked through the held fd just before and just
        after the call, so a process that is gone is NoSuchProcess; one that
        exited and had its pid reused within those microseconds could not be
        told apart, a narrower window than any pid-based tool (renice, htop)."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"nice value must be an int, not {type(value).__name__}")
        if not -20 <= value <= 19:
            raise ValueError(f"nice value must be -20..19, not {value}")
        self._numbered_here("renice")
        with self._lock:
            if not self._closer.alive:
                raise ValueError("operation on a closed sysmon.Process")
        if not self._still_mine():
            raise NoSuchProcess(self._pid, None, f"process {self._pid} has exited")
        try:
            os.setpriority(os.PRIO_PROCESS, self._pid, value)
        except ProcessLookupError:
            raise NoSuchProcess(self._pid, None, f"process {self._pid} has exited") from None
        except PermissionError:
            raise AccessDenied(
                self._pid, None,
                f"not permitted to set the nice value of process {self._pid} to {value}: "
                "lowering it needs root (CAP_SYS_NICE), raising it needs its owner",
            ) from None
        if not self._still_mine():
            raise NoSuchProcess(self._pid, None,
                                f"process {self._pid} exited while being reniced")

    def _numbered_here(self, what: str) -> None:
        """setpriority(2) and pidfd_open(2) take a pid as this process's pid
        namespace numbers it: only a handle on that namespace's live /proc
        may pass its pid to them."""
        if not self._live:
            raise SysmonError(f"cannot {what} process {self._pid}: not on the live /proc")
        if not own_pid_namespace(self._proc):
            raise SysmonError(
                f"cannot {what} process {self._pid}: {self._proc} belongs to another pid "
                "namespace, whose pid numbers this process cannot use"
            )

    def _still_mine(self) -> bool:
        try:
            self._read(FileGroup.STAT, ("start_ticks",))
        except NoSuchProcess:
            return False
        return True

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait until the process exits.  For a child of this process, reap it
        and return its exit status (negative: the signal that killed it, as
        subprocess does); for any other process, None.  TimeoutExpired after
        ``timeout`` seconds (None: no limit)."""
        if timeout is not None and not timeout >= 0:  # also NaN
            raise ValueError(f"timeout must be a number >= 0, not {timeout!r}")
        if timeout is not None:
            try:
                timeout = float(timeout)
            except OverflowError:  # an int beyond any float: no limit, in effect
                timeout = math.inf
        with self._lock:
            if not self._closer.alive:
                raise ValueError("operation on a closed sysmon.Process")
        self._numbered_here("wait for")
        try:
            pidfd = os.pidfd_open(self._pid)
        except ProcessLookupError:
            return None  # reaped already: it was ours once, and it has exited
        try:
            # pidfd_open took the number: it names this process only if this
            # process still exists now (the held fd says so); then it did when
            # the pidfd was opened, and the pid could not have been reused.
            if not self._still_mine():
                return None
            if not _poll_exit(pidfd, timeout):
                raise TimeoutExpired(self._pid, float(timeout or 0.0))
            try:
                res = os.waitid(os.P_PIDFD, pidfd, os.WEXITED)
            except ChildProcessError:
                return None
            if res is None:
                return None
            if res.si_code == os.CLD_EXITED:
                return res.si_status
            return -res.si_status
        finally:
            os.close(pidfd)
