"""Reading and parsing one system file, for the domain modules.

Every system reader goes through :func:`load`: the selected backend reads the
file (``read_file``) and parses it (one of the ``parse_*`` functions of
sysmon._rawsys); errors come out as sysmon exceptions that name the real path.
"""

from __future__ import annotations

import errno
import os
from typing import Any, Callable, TypeVar

from sysmon import _backend
from sysmon.errors import ParseError, SysmonError, from_errno

_T = TypeVar("_T")

# errnos that mean "this kernel or this tree does not provide the file":
# the caller reports the value as unavailable instead of failing.
_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EOPNOTSUPP, errno.ENODEV, errno.ENXIO})


def path_of(root: str, rel: str) -> str:
    return os.path.join(root, rel)


def read(path: str) -> bytes:
    """The whole file; SysmonError (AccessDenied on EACCES/EPERM) otherwise."""
    try:
        data: bytes = _backend.current().read_file(path)
    except OSError as e:
        raise _error(e, path) from None
    except ValueError:  # a NUL in the path (e.g. decoded from a mount point)
        raise _nul(path) from None
    return data


def read_optional(path: str) -> bytes | None:
    """The whole file, or None when it is absent (see _ABSENT)."""
    try:
        data: bytes = _backend.current().read_file(path)
    except OSError as e:
        if e.errno in _ABSENT:
            return None
        raise _error(e, path) from None
    except ValueError:
        raise _nul(path) from None
    return data


def _nul(path: str) -> SysmonError:
    return SysmonError(f"cannot read {path!r}: the path contains a NUL byte")


def _error(e: OSError, path: str) -> SysmonError:
    return from_errno(e.errno or 0, None, path)


def parse(path: str, parser: str, data: bytes, *args: Any) -> Any:
    """Run the backend's ``parser`` on ``data``; a ParseError names ``path``."""
    fn: Callable[..., Any] = getattr(_backend.current(), parser)
    try:
        return fn(data, *args)
    except ParseError as e:
        raise ParseError(path, e.detail) from None


def load(path: str, parser: str, *args: Any) -> Any:
    """Read and parse a file that must exist."""
    return parse(path, parser, read(path), *args)


def load_optional(path: str, parser: str, *args: Any) -> Any:
    """Read and parse a file; None when it is absent."""
    data = read_optional(path)
    if data is None:
        return None
    return parse(path, parser, data, *args)


def dec(m: int, scale: int) -> float:
    """A kernel decimal (m / 10**scale) as a float, the same in both backends."""
    return m / 10**scale if scale else float(m)


_btime: dict[str, int] = {}


def boot_time(root: str) -> int | None:
    """btime of <root>/proc/stat (epoch seconds), read with the backend's
    /proc/stat parser and cached per root; None when it cannot be had."""
    cached = _btime.get(root)
    if cached is not None:
        return cached
    try:
        raw = load_optional(path_of(root, "proc/stat"), "parse_cpustat")
    except SysmonError:
        return None
    btime: int | None = None if raw is None else raw[1][1]
    if btime is not None:
        _btime[root] = btime
    return btime


def check_root(root: str) -> None:
    """Raise when the root itself is missing: calls whose files are all
    optional must not report a missing root as "nothing available"."""
    if not os.path.isdir(root):
        raise SysmonError(f"cannot read {root}: not a directory (or does not exist)")


def listdir(path: str) -> list[str]:
    """Names in a directory, sorted; [] when it is absent or unreadable."""
    try:
        return sorted(os.listdir(path))
    except (OSError, ValueError):
        return []
