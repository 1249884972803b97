"""Processes: the whole table in one scan, and one process by handle.

Raw rows come from the selected backend (C or pure Python, identical
semantics); this module converts them once to base units (bytes, seconds,
epoch seconds) for both.
"""

from __future__ import annotations

import errno
import operator
import os
import threading
import weakref
from collections.abc import Iterable
from typing import Any, Callable, NamedTuple, Optional

from sysmon import _backend
from sysmon._host import (
    CLK_TCK,
    is_live,
    own_pid_namespace,
    proc_path,
    resolve_root,
    self_pid_at,
    user_names,
)
from sysmon._raw import GROUPS, R_START, R_TGID, RawRow
from sysmon._sysread import boot_time
from sysmon.errors import AccessDenied, NoSuchProcess, SysmonError, from_errno
from sysmon.fields import FIELDS, PROCESS_FIELDS, FileGroup, mask_for, unknown_fields
from sysmon.process_detail import DetailMixin, task_dir
from sysmon.process_signals import SignalMixin
from sysmon.sockets import Connection, process_connections


class ProcessInfo(NamedTuple):
    """One process, in base units.  None: not requested, or unavailable
    (the file was denied, or this kernel does not provide the field).
    ``sysmon explain FIELD`` tells where each value comes from."""

    pid: int
    ppid: int | None = None
    name: str | None = None
    cmdline: list[str] | None = None
    state: str | None = None
    uid: int | None = None
    euid: int | None = None
    gid: int | None = None
    egid: int | None = None
    username: str | None = None
    num_threads: int | None = None
    create_time: float | None = None
    start_ticks: int | None = None
    cpu_user: float | None = None
    cpu_system: float | None = None
    cpu_time: float | None = None
    rss: int | None = None
    vms: int | None = None
    shared: int | None = None
    nice: int | None = None
    priority: int | None = None
    tty_nr: int | None = None
    cpu_num: int | None = None
    minor_faults: int | None = None
    major_faults: int | None = None
    pgrp: int | None = None
    session: int | None = None
    tpgid: int | None = None


assert ProcessInfo._fields == PROCESS_FIELDS, "ProcessInfo and the field registry disagree"

_ALL = frozenset(PROCESS_FIELDS)
_PID_MAX = 0x7FFFFFFF  # the kernel's limit (PID_MAX_LIMIT is far lower still)


def _resolve_fields(fields: Iterable[str] | None) -> frozenset[str]:
    if fields is None:
        return _ALL
    if isinstance(fields, str):
        fields = [fields]
    names = list(fields)
    bad = unknown_fields(names)
    if bad:
        raise ValueError(
            f"unknown field {bad[0]!r}; known fields: {', '.join(PROCESS_FIELDS)}"
        )
    return frozenset(names) | {"pid"}


def _split_cmdline(c: bytes) -> list[str]:
    """NUL-separated arguments, one trailing NUL dropped (decoding the whole
    buffer once equals decoding each argument: NUL is never part of a UTF-8
    sequence, so surrogateescape treats the bytes around it the same way)."""
    if not c:
        return []
    if c.endswith(b"\0"):
        c = c[:-1]
    return c.decode("utf-8", "surrogateescape").split("\0")


_NONE_STAT = (None,) * 19  # the length of `stat` in convert()


_NO_USERS: dict[int, str] = {}  # never changed: the users of a scan without usernames

Facts = tuple[frozenset[str], Optional[int], dict[int, str]]


def _facts(root: str, req: frozenset[str]) -> Facts:
    """What a conversion depends on besides the row: the fields, the boot
    time, the uid -> name map (a new dict object whenever passwd changed)."""
    btime = boot_time(root) if "create_time" in req else None
    return req, btime, user_names(root) if "username" in req else _NO_USERS


def _converter(root: str, req: frozenset[str],
               facts: Facts | None = None) -> Callable[[RawRow], ProcessInfo]:
    """A function from raw rows to records, with the per-scan facts bound."""
    _, btime, users = facts if facts is not None else _facts(root, req)
    hz = float(CLK_TCK)
    n = len(PROCESS_FIELDS)
    # Unrequested fields pick the trailing None appended to every row.
    pick = operator.itemgetter(*(i if f in req else n for i, f in enumerate(PROCESS_FIELDS)))
    everything = len(req) == n
    new = tuple.__new__
    dec = bytes.decode
    se = "surrogateescape"

    def convert(r: RawRow) -> ProcessInfo:
        if r[1] == 0:
            start, ut, st, cpu = r[19], r[14], r[15], r[22]
            stat: tuple[object, ...] = (
                r[6], dec(r[4], "utf-8", se), dec(r[5], "utf-8", se),  # ppid name state
                r[18],  # num_threads
                btime + start / hz if btime is not None else None,
                start, ut / hz, st / hz, (ut + st) / hz,
                r[20],  # vms
                r[17], r[16], r[9], cpu if cpu >= 0 else None,  # nice prio tty cpu
                r[12], r[13], r[7], r[8], r[10],  # faults pgrp session tpgid
            )
        else:
            stat = _NONE_STAT
        if r[2] == 0:
            uid = r[23]
            uid_s: tuple[object, ...] = (uid, r[24], r[27], r[28], users.get(uid) or str(uid))
            vm_rss, rss_file, rss_shmem = r[32], r[33], r[34]
            rss: int | None
            shared: int | None
            if vm_rss < 0:  # no memory lines: a kernel thread or a zombie
                rss = shared = 0
            else:
                rss = vm_rss << 10
                # no RssFile/RssShmem (Linux < 4.5): unknown
                known = rss_file >= 0 and rss_shmem >= 0
                shared = (rss_file + rss_shmem) << 10 if known else None
        else:
            uid_s = (None,) * 5
            rss = shared = None
        cmd = _split_cmdline(r[35]) if r[3] == 0 else None
        vals = (
            r[0], stat[0], stat[1], cmd, stat[2], *uid_s, *stat[3:9], rss, stat[9], shared,
            *stat[10:],
        )
        if everything:
            return new(ProcessInfo, vals)
        return new(ProcessInfo, pick((*vals, None)))

    return convert


def processes(
    fields: Iterable[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    *,
    pids: Iterable[int] | None = None,
) -> list[ProcessInfo]:
    """Every process on the machine (or under ``root``), from one scan, by pid.

    ``fields`` names the fields wanted (default: all); only the files they need
    are read and the others are None.  A process that exits during the scan is
    left out; a file the kernel denies leaves its fields None.

    ``pids`` reads only those processes (in any order, duplicates allowed),
    without listing the rest: the records are the ones the whole scan would
    give for them, by pid.  A pid with no process (none there, exited, or a
    thread id rather than a process id; any int <= 0 or above 2^31-1) is
    left out.  A pid that is not an int (or is a bool) raises TypeError.
    A missing root raises SysmonError in both forms, even with no pids.
    """
    req = _resolve_fields(fields)
    r = resolve_root(root)
    if pids is None:
        rows = _backend.current().scan_raw(proc_path(r), mask_for(req))
    else:
        wanted: set[int] = set()
        for pid in pids:
            if isinstance(pid, bool) or not isinstance(pid, int):
                raise TypeError(f"pid must be an int, not {type(pid).__name__}")
            if 0 < pid <= _PID_MAX:
                wanted.add(int(pid))
        # An empty list still opens <root>/proc: a missing root raises as above.
        rows = _backend.current().scan_pids(proc_path(r), sorted(wanted), mask_for(req))
        if not rows:
            return []
    convert = _converter(r, req)
    out = [convert(row) for row in rows]
    out.sort(key=lambda p: p.pid)
    return out


def self_pid(root: str | os.PathLike[str] | None = None) -> int | None:
    """This process's pid as ``<root>/proc`` numbers it: ``os.getpid()`` on
    the /proc of its own pid namespace, another number on a host's /proc seen
    from a container (or after ``unshare --pid`` without a new /proc); None
    when that /proc does not show this process (a fixture tree)."""
    return self_pid_at(proc_path(resolve_root(root)))


def _hidden(proc: str, pid: int) -> bool:
    """True when ``proc`` has no <pid> although a process by that number
    exists: a /proc mounted with hidepid=2 (invisible) hides other users'
    processes, and "not visible" is not "exited".  Asked only of a procfs of
    our own pid namespace (its "self" is us), where kill(pid, 0) refused
    means the process exists; a process we may signal would be visible, so
    its absence was a race with its exit, not hidepid."""
    if not own_pid_namespace(proc):
        return False  # a fixture tree, or another pid namespace's /proc
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return False


class ThreadInfo(NamedTuple):
    """One thread of a process (/proc/<pid>/task/<tid>/stat)."""

    tid: int
    name: str
    state: str
    cpu_user: float
    cpu_system: float


_THREAD_FIELDS = frozenset({"pid", "name", "state", "cpu_user", "cpu_system", "start_ticks"})


class Process(DetailMixin, SignalMixin):
    """A handle on one process, identified by (pid, start time).

    Creating it checks the process exists and holds its /proc/<pid> directory
    open; every read goes through that descriptor, so once the process is
    gone, even if its pid now belongs to another process, every call raises
    :class:`NoSuchProcess`.  Signals go through the same descriptor (see
    sysmon.process_signals).  Release it with :meth:`close` or ``with`` (or
    let it be collected).
    """

    def __init__(self, pid: int, root: str | os.PathLike[str] | None = None) -> None:
        if isinstance(pid, bool) or not isinstance(pid, int):
            raise TypeError(f"pid must be an int, not {type(pid).__name__}")
        if pid <= 0:
            raise ValueError(f"pid must be a positive integer, not {pid}")
        self._pid = pid
        self._lock = threading.Lock()  # a read and close() never interleave
        if pid > _PID_MAX:
            raise NoSuchProcess(pid, None, f"no process can have pid {pid} (above 2^31-1)")
        self._root = resolve_root(root)
        self._proc = proc_path(self._root)
        # The live /proc: links may be followed, signals and wait() make sense.
        self._live = is_live(self._root)
        try:
            self._fd = _backend.current().open_pid(self._proc, pid)
        except NoSuchProcess:
            if _hidden(self._proc, pid):
                raise AccessDenied(
                    pid, f"{self._proc}/{pid}",
                    f"process {pid} exists, but /proc does not show it to this user "
                    "(mounted with hidepid): try again as root or as its owner",
                ) from None
            raise
        self._closer = weakref.finalize(self, os.close, self._fd)
        try:
            raw = self._read(FileGroup.STAT | FileGroup.STATUS, ("start_ticks",))
            if raw[2] == 0 and raw[R_TGID] not in (-1, pid):
                # /proc/<tid> of a thread exists but is not listed: not a process.
                raise NoSuchProcess(
                    pid,
                    f"{self._proc}/{pid}",
                    f"{pid} is a thread of process {raw[R_TGID]}, not a process",
                )
        except BaseException:
            self.close()
            raise
        self._start_ticks: int = raw[R_START]

    # -- identity and lifetime ------------------------------------------------

    @property
    def pid(self) -> int:
        return self._pid

    def start_ticks(self) -> int:
        """Start time in clock ticks after boot (stat field 22): with the pid,
        this process's identity."""
        return self._start_ticks

    def close(self) -> None:
        """Release the held /proc/<pid> descriptor (idempotent)."""
        with self._lock:
            self._closer()

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Process):
            return NotImplemented
        return (self._pid, self._start_ticks, self._root) == (
            other._pid, other._start_ticks, other._root,
        )

    def __hash__(self) -> int:
        return hash((self._pid, self._start_ticks))

    def __repr__(self) -> str:
        state = "closed" if not self._closer.alive else "open"
        return f"sysmon.Process(pid={self._pid}, start_ticks={self._start_ticks}, {state})"

    def is_running(self) -> bool:
        """True while this very process exists (a zombie still does)."""
        try:
            self._read(FileGroup.STAT, ("start_ticks",))
        except NoSuchProcess:
            return False
        return True

    def connections(self, kind: str = "inet", *, tcp_info: bool = False,
                    source: str = "auto") -> list[Connection]:
        """The sockets this process holds, one record per fd (see
        :func:`sysmon.connections` for kind, tcp_info and source)."""
        conns = self._connections(kind, tcp_info=tcp_info, source=source)
        name = self.name()
        return [c._replace(name=name) for c in conns]

    def _connections(self, kind: str, *, tcp_info: bool, source: str,
                     statuses: frozenset[str] | None = None,
                     ports: frozenset[int] | None = None,
                     unix_statuses: frozenset[str] | None = None) -> list[Connection]:
        """connections() without the name, kept to these states and ports
        (already checked: sysmon.connections(pid=...) passes its own)."""
        with self._lock:
            if not self._closer.alive:
                raise ValueError("operation on a closed sysmon.Process")
            conns = process_connections(self._fd, self._pid, self._root, kind,
                                        tcp_info=tcp_info, source=source,
                                        statuses=statuses, ports=ports,
                                        unix_statuses=unix_statuses)
        if not conns:  # the main thread alone exited: its sockets are the others'
            row = self._stat_row()
            got = self._via_thread(lambda fd: process_connections(
                fd, self._pid, self._root, kind, tcp_info=tcp_info, source=source,
                statuses=statuses, ports=ports, unix_statuses=unix_statuses), row)
            conns = [] if got is None else got[0]
            if not conns:
                self._not_gone("fd", row)  # a zombie has closed its sockets: not "none"
        return conns

    # -- family ------------------------------------------------------------------

    def threads(self) -> list[ThreadInfo]:
        """Every thread (task) of the process, by tid."""
        conv = _converter(self._root, _THREAD_FIELDS)
        via = ""
        try:
            def scan(fd: int) -> list[RawRow]:
                nonlocal via
                with task_dir(fd) as via:
                    found: list[RawRow] = _backend.current().scan_raw(via, FileGroup.STAT)
                return found
            rows = self._call(scan)
        except (SysmonError, OSError) as e:
            self._read(FileGroup.STAT, ("state",))  # NoSuchProcess when it is gone
            # name the directory, not the held fd it was read through
            where = f"{self._proc}/{self._pid}/task"
            if isinstance(e, OSError):
                raise SysmonError(f"cannot read {where}: {os.strerror(e.errno or 0)}") from None
            raise SysmonError(str(e).replace(via, where)) from None
        out = []
        for r in rows:
            t = conv(r)
            if t.name is not None and t.state is not None and t.cpu_user is not None \
                    and t.cpu_system is not None:
                out.append(ThreadInfo(t.pid, t.name, t.state, t.cpu_user, t.cpu_system))
        return sorted(out)

    def parent(self) -> Process | None:
        """A handle on the parent, or None (pid 1 and kernel threads have
        ppid 0; a parent that exited, its pid since reused by a younger
        process, is no parent).  AccessDenied when the parent runs but may
        not be read (another user's, under a /proc mounted with hidepid)."""
        ppid = self.ppid()
        if ppid <= 0:
            return None
        try:
            p = Process(ppid, self._root)
        except NoSuchProcess:
            return None
        if p.start_ticks() > self._start_ticks:
            p.close()
            return None
        return p

    def children(self, recursive: bool = False) -> list[Process]:
        """Handles on the children (all descendants with ``recursive``), by
        pid, from one scan of the table.  A child is a process whose ppid is
        this pid and that started no earlier than this process."""
        self._read(FileGroup.STAT, ("state",))  # NoSuchProcess when it is gone
        table = processes(("ppid", "start_ticks"), self._root)
        kids: dict[int, list[ProcessInfo]] = {}
        for p in table:
            if p.ppid is not None:
                kids.setdefault(p.ppid, []).append(p)
        found: list[ProcessInfo] = []
        todo = [(self._pid, self._start_ticks)]
        seen = {self._pid}
        while todo:
            pid, start = todo.pop()
            for c in kids.get(pid, ()):
                if c.pid in seen or c.start_ticks is None or c.start_ticks < start:
                    continue
                seen.add(c.pid)
                found.append(c)
                if recursive:
                    todo.append((c.pid, c.start_ticks))
        out = []
        for c in sorted(found, key=lambda p: p.pid):
            try:
                h = Process(c.pid, self._root)
            except (NoSuchProcess, AccessDenied):
                continue
            if h.start_ticks() != c.start_ticks:  # exited since the scan, pid reused
                h.close()
                continue
            out.append(h)
        return out

    # -- reading ----------------------------------------------------------------

    def _read(self, mask: int, wanted: Iterable[str]) -> RawRow:
        with self._lock:
            if not self._closer.alive:
                raise ValueError("operation on a closed sysmon.Process")
            raw: RawRow | None = _backend.current().read_proc(
                self._fd, self._pid, mask | FileGroup.STAT
            )
        if raw is None:
            raise NoSuchProcess(self._pid, f"{self._proc}/{self._pid}")
        if raw[1] == 0 and hasattr(self, "_start_ticks") and raw[R_START] != self._start_ticks:
            raise NoSuchProcess(self._pid, f"{self._proc}/{self._pid}")
        need = mask_for(set(wanted))
        for bit, idx, fname in GROUPS:
            err = raw[idx]
            if need & bit and err not in (0, errno.ENODATA):
                raise from_errno(err, self._pid, f"{self._proc}/{self._pid}/{fname}")
        return raw

    def info(self, fields: Iterable[str] | None = None) -> ProcessInfo:
        """A record of this process with the fields asked for (default all)."""
        req = _resolve_fields(fields)
        raw = self._read(mask_for(req), req)
        return _converter(self._root, req)(raw)

    def _one(self, name: str) -> Any:
        return getattr(self.info((name,)), name)

    def _int(self, name: str) -> int:
        v = self._one(name)
        assert isinstance(v, int), name  # the read raised if the file was unavailable
        return v

    def _str(self, name: str) -> str:
        v = self._one(name)
        assert isinstance(v, str), name
        return v

    def _float(self, name: str) -> float:
        v = self._one(name)
        assert isinstance(v, float), name
        return v

    def ppid(self) -> int:
        return self._int("ppid")

    def name(self) -> str:
        return self._str("name")

    def cmdline(self) -> list[str]:
        v = self._one("cmdline")
        assert isinstance(v, list)
        return v

    def state(self) -> str:
        return self._str("state")

    def uid(self) -> int:
        return self._int("uid")

    def euid(self) -> int:
        return self._int("euid")

    def gid(self) -> int:
        return self._int("gid")

    def egid(self) -> int:
        return self._int("egid")

    def username(self) -> str:
        return self._str("username")

    def num_threads(self) -> int:
        return self._int("num_threads")

    def create_time(self) -> float | None:
        """Epoch seconds; None only if <root>/proc/stat has no btime."""
        v = self._one("create_time")
        assert v is None or isinstance(v, float)
        return v

    def cpu_times(self) -> tuple[float, float]:
        """(user, system) CPU seconds."""
        return (self._float("cpu_user"), self._float("cpu_system"))

    def cpu_user(self) -> float:
        return self._float("cpu_user")

    def cpu_system(self) -> float:
        return self._float("cpu_system")

    def cpu_time(self) -> float:
        """user + system CPU seconds."""
        return self._float("cpu_time")

    def rss(self) -> int:
        return self._int("rss")

    def vms(self) -> int:
        return self._int("vms")

    def shared(self) -> int | None:
        """Resident file and shmem pages, bytes; None on Linux < 4.5 (its
        status has no RssFile:)."""
        v = self._one("shared")
        assert v is None or isinstance(v, int)
        return v

    def nice(self) -> int:
        return self._int("nice")

    def priority(self) -> int:
        return self._int("priority")

    def tty_nr(self) -> int:
        return self._int("tty_nr")

    def cpu_num(self) -> int | None:
        """None on kernels whose stat line has no field 39."""
        v = self._one("cpu_num")
        assert v is None or isinstance(v, int)
        return v

    def minor_faults(self) -> int:
        return self._int("minor_faults")

    def major_faults(self) -> int:
        return self._int("major_faults")

    def pgrp(self) -> int:
        return self._int("pgrp")

    def session(self) -> int:
        return self._int("session")

    def tpgid(self) -> int:
        return self._int("tpgid")


__all__ = ["FIELDS", "Process", "ProcessInfo", "ThreadInfo", "processes"]
