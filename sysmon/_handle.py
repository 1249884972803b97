"""What the mixins of :class:`sysmon.Process` rely on: the handle's state."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Callable, TypeVar

from sysmon._raw import RawRow

T = TypeVar("T")


class HandleBase:
    """The held /proc/<pid> directory fd ``_fd`` (used under ``_lock``, open
    while ``_closer`` is alive), the pid, the root and its proc directory,
    whether that is the live /proc, and the stat read through the fd."""

    _fd: int
    _pid: int
    _root: str
    _proc: str
    _live: bool
    _lock: threading.Lock
    _closer: weakref.finalize[..., object]

    def _read(self, mask: int, wanted: Iterable[str]) -> RawRow:  # pragma: no cover
        raise NotImplementedError  # Process provides it

    def _call(self, fn: Callable[[int], T]) -> T:
        """fn(the held fd), under the lock; ValueError once closed."""
        with self._lock:
            if not self._closer.alive:
                raise ValueError("operation on a closed sysmon.Process")
            return fn(self._fd)
