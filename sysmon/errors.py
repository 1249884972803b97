"""The sysmon exception family.

Every error a caller can see derives from :class:`SysmonError`.  Each carries
what happened in words a user understands, and pickles (so it can cross a
process boundary, e.g. multiprocessing).
"""

from __future__ import annotations

import errno as _errno
import os
from typing import Any


class SysmonError(Exception):
    """Base class of every sysmon error."""


class NoSuchProcess(SysmonError):
    """The process does not exist, or no longer does (its pid may be reused)."""

    def __init__(self, pid: int, path: str | None = None, msg: str | None = None) -> None:
        self.pid = pid
        self.path = path
        self.msg = msg or f"process {pid} does not exist (or no longer exists)"
        super().__init__(self.msg)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.pid, self.path, self.msg))


class ZombieProcess(NoSuchProcess):
    """The process has exited but its parent has not reaped it yet."""

    def __init__(self, pid: int, path: str | None = None, msg: str | None = None) -> None:
        super().__init__(
            pid, path, msg or f"process {pid} is a zombie (exited, not yet reaped by its parent)"
        )


class AccessDenied(SysmonError):
    """The kernel refused to show part of a process to this user."""

    def __init__(self, pid: int | None, path: str | None = None, msg: str | None = None) -> None:
        self.pid = pid
        self.path = path
        if msg is None:
            who = f" (pid {pid})" if pid is not None else ""
            where = path or "a /proc file"
            msg = f"access denied reading {where}{who}: try again as root or as the process owner"
        self.msg = msg
        super().__init__(msg)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.pid, self.path, self.msg))


class ParseError(SysmonError):
    """A kernel file did not have the format sysmon expects."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"cannot parse {path}: {detail}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.detail))


def from_errno(err: int, pid: int | None, path: str) -> SysmonError:
    """Map a positive errno from a read of ``path`` to the sysmon exception."""
    if err in (_errno.EACCES, _errno.EPERM):
        return AccessDenied(pid, path)
    if err in (_errno.ENOENT, _errno.ESRCH) and pid is not None:
        return NoSuchProcess(pid, path)
    if err == _errno.EINVAL:
        return ParseError(path, "malformed content")
    return SysmonError(f"cannot read {path}: {os.strerror(err)}")


def pid_dir_error(err: int, pid: int, path: str) -> SysmonError:
    """Map a positive errno from opening the directory ``path`` of ``pid``:
    absent (or not a directory) is NoSuchProcess, refused (hidepid=1, a
    mode-000 directory) is AccessDenied."""
    if err in (_errno.ENOENT, _errno.ENOTDIR, _errno.ELOOP, _errno.ESRCH):
        return NoSuchProcess(pid, path)
    if err in (_errno.EACCES, _errno.EPERM):
        return AccessDenied(pid, path)
    return SysmonError(f"cannot open {path}: {os.strerror(err)}")


class TimeoutExpired(SysmonError):
    """:meth:`sysmon.Process.wait` ran out of time; the process still runs."""

    def __init__(self, pid: int, seconds: float, msg: str | None = None) -> None:
        self.pid = pid
        self.seconds = seconds
        self.msg = msg or f"process {pid} still running after {seconds:g} s"
        super().__init__(self.msg)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.pid, self.seconds, self.msg))


def describe(e: BaseException) -> str:
    """One line saying what went wrong, for a user: "path: reason" for an
    OSError, else the message with its whitespace collapsed."""
    if isinstance(e, OSError) and e.strerror:
        if isinstance(e.filename, (str, bytes)):
            return f"{os.fsdecode(e.filename)}: {e.strerror}"
        return e.strerror
    text = " ".join(str(e).split())
    return text or type(e).__name__
