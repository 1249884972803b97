"""CPU rates per process: a sampler that holds the previous scan.

The scan and its conversion are sysmon.process's; this module adds only the
state between two samples (design section 7: rates without hidden state).
"""

from __future__ import annotations

import operator
import os
import threading
import time
from collections.abc import Iterable
from typing import Callable, NamedTuple

from sysmon import _backend
from sysmon._host import proc_path, resolve_root
from sysmon._raw import Memo
from sysmon.fields import mask_for
from sysmon.process import Facts, ProcessInfo, _converter, _facts, _resolve_fields


class ProcessSample(NamedTuple):
    """A process and its CPU use since the previous sample (None: no rate yet)."""

    info: ProcessInfo
    cpu_percent: float | None


_PID = operator.attrgetter("pid")


class ProcessSampler:
    """CPU percent per process without hidden global state.

    Each :meth:`sample` scans once and compares with the previous sample held
    by this object, matching processes by identity (pid, start time), so a
    reused pid never inherits another process's counters.  A process seen for
    the first time, and every process in the first sample, has cpu_percent
    None.  100.0 means one CPU fully busy (as in top); a multi-threaded process
    can exceed it.

    A process whose files read exactly as at the previous sample (an idle
    one: the common case) keeps its record object, and its sample object
    once its rate is 0.0: it costs a lookup, not a conversion
    (``scan_memo`` in the backends).  The records are the same values a
    fresh conversion would give.
    """

    def __init__(
        self,
        fields: Iterable[str] | None = None,
        root: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fields = _resolve_fields(fields) | {"cpu_time", "start_ticks"}
        self._root = root
        self._clock = clock
        self._prev: dict[int, ProcessInfo] = {}  # by pid: the previous sample's records
        self._prev_t: float | None = None
        self._last: dict[int, ProcessSample] = {}  # by id() of a record in self._memo
        self._memo: Memo[ProcessInfo] = {}
        self._facts: Facts | None = None  # what self._memo's records were made with
        self._lock = threading.Lock()

    @property
    def fields(self) -> frozenset[str]:
        """The fields each sample reads (always with cpu_time and start_ticks)."""
        return self._fields

    def set_fields(self, fields: Iterable[str] | None) -> None:
        """Read these fields from the next sample on (None: all).  The CPU
        rates carry on: they need only cpu_time and start_ticks, always read."""
        names = _resolve_fields(fields) | {"cpu_time", "start_ticks"}
        with self._lock:
            self._fields = names

    def sample(self) -> list[ProcessSample]:
        with self._lock:
            return self._sample()

    def _scan(self) -> list[ProcessInfo]:
        r = resolve_root(self._root)
        facts = _facts(r, self._fields)
        old = self._facts
        if old is None or old[:2] != facts[:2] or old[2] is not facts[2]:
            self._memo, self._last = {}, {}
        self._facts = facts
        procs: list[ProcessInfo]
        procs, self._memo = _backend.current().scan_memo(
            proc_path(r), mask_for(self._fields), self._memo,
            _converter(r, self._fields, facts))
        procs.sort(key=_PID)
        return procs

    def _sample(self) -> list[ProcessSample]:
        t = self._clock()
        procs = self._scan()
        dt = t - self._prev_t if self._prev_t is not None else 0.0
        prev, last = self._prev, self._last
        cur: dict[int, ProcessInfo] = {}
        now: dict[int, ProcessSample] = {}
        out = []
        for p in procs:
            s = last.get(id(p))
            if s is None or s.cpu_percent != 0.0 or dt <= 0:
                # (else: the same record as at the previous sample, so the
                # same process with the same CPU time: 0.0 again)
                pct = None
                total, start = p.cpu_time, p.start_ticks
                if total is not None and start is not None and dt > 0:
                    q = prev.get(p.pid)
                    if q is not None and q.start_ticks == start and q.cpu_time is not None \
                            and total >= q.cpu_time:
                        pct = (total - q.cpu_time) / dt * 100.0
                s = ProcessSample(p, pct)
            cur[p.pid] = p
            now[id(p)] = s
            out.append(s)
        self._prev, self._prev_t, self._last = cur, t, now
        return out


__all__ = ["ProcessSample", "ProcessSampler"]
