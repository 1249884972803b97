"""One process in depth: what /proc/<pid> says beyond the process table.

Everything here is read through the handle's held /proc/<pid> directory fd,
so it can only ever describe the process the handle was made for: once that
process is gone every read fails with ENOENT/ESRCH, which becomes
:class:`NoSuchProcess` (or :class:`ZombieProcess` while it awaits its
parent).  Raw values come from the selected backend (sysmon._rawpid is the
contract); this module turns them into records, once, for both backends.
``sysmon explain io.read_bytes`` (and every other ``scope.field`` below)
tells where each number comes from.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import signal
from collections.abc import Iterator
from typing import Any, Callable, TypeVar

from sysmon import _backend
from sysmon._handle import HandleBase
from sysmon._raw import R_FLAGS, R_STATE, R_THREADS, RawRow
from sysmon._rawpid import StatusExt
from sysmon.errors import AccessDenied, NoSuchProcess, ParseError, SysmonError, ZombieProcess
from sysmon.fields import FileGroup
from sysmon.process_records import (
    _IO_KEYS,
    _NS_LINK,
    _SX,
    NAMESPACES,
    SECCOMP_MODES,
    Capabilities,
    CgroupInfo,
    CtxSwitches,
    FdInfo,
    IoCounters,
    LinkTarget,
    MemoryDetail,
    OpenFile,
    SignalMasks,
    StatusDetail,
    _cgroup,
    _fd_record,
    _io,
    _rlimit,
    _rollup,
    _split_deleted,
    decode_caps,
    decode_sigmask,
    environ_dict,
    redact,
    rlimit_name,
    split_environ,
)

T = TypeVar("T")

PF_KTHREAD = 0x00200000  # stat field 9 (flags): a kernel thread
PF_EXITING = 0x00000004  # stat field 9 (flags): in do_exit, memory and files going


@contextlib.contextmanager
def task_dir(fd: int) -> Iterator[str]:
    """A path to the task/ directory of the pid directory held as ``fd``,
    opened without following a link (a tree under a root may hold one that
    leads out of it): /proc/self/fd/<n> of that directory, for the readers
    that take a path."""
    tfd = os.open("task", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                  dir_fd=fd)
    try:
        yield f"/proc/self/fd/{tfd}"
    finally:
        os.close(tfd)

# -- the methods Process gains ------------------------------------------------------


class DetailMixin(HandleBase):
    """The in-depth readers of :class:`sysmon.Process` (mixed into it): every
    read goes through the handle's held directory fd."""

    def _where(self, name: str) -> str:
        return f"{self._proc}/{self._pid}/{name}"

    def _follow(self) -> bool:
        """Links are followed (stat of the open file) only on the live /proc:
        elsewhere they are plain symlinks that may point out of the tree."""
        return self._live

    def _stat_row(self) -> RawRow:
        """stat through the held fd (NoSuchProcess once the process is gone)."""
        return self._read(FileGroup.STAT, ("state",))

    def _absent(self, name: str, err: int, row: RawRow | None = None) -> SysmonError | None:
        """What a failed read of ``name`` means: the error to raise, or None
        when the process is alive and this file just does not exist for it
        (a kernel thread's exe, a namespace this kernel lacks).  ``row``: its
        stat, when already read."""
        where = self._where(name)
        if err in (errno.EACCES, errno.EPERM):
            return AccessDenied(
                self._pid, where,
                f"access denied reading {where}: it belongs to another user or is "
                "protected (ptrace access mode); run as root or as the process owner",
            )
        if err in (errno.ENOENT, errno.ESRCH):
            return self._gone(name, row)
        return SysmonError(f"cannot read {where}: {os.strerror(err)}")

    def _file(self, name: str) -> bytes | None:
        be = _backend.current()
        got = self._call_live(name, lambda fd: be.read_at(fd, name))
        return None if got is None else got[0]

    def _call_live(self, name: str, fn: Callable[[int], T]) -> tuple[T] | None:
        """fn(the held fd), as a 1-tuple.  When it fails because the main
        thread has exited while others run, fn through one of them (see
        _via_thread); None when ``name`` does not exist for this live
        process; else the error _absent says."""
        try:
            return (self._call(fn),)
        except OSError as e:
            err = e.errno or errno.EIO
        row = None
        if err in (errno.ENOENT, errno.ESRCH):
            row = self._stat_row()  # one read serves both questions
            got = self._via_thread(fn, row)
            if got is not None:
                return got
        exc = self._absent(name, err, row)
        if exc is not None:
            raise exc from None
        return None

    def _via_thread(self, fn: Callable[[int], T], row: RawRow | None = None
                    ) -> tuple[T] | None:
        """When the main thread has exited while other threads still run
        (its stat says Z, num_threads > 1: ps shows "Zl"), the process's
        memory and files are theirs and /proc/<pid> no longer shows them:
        fn on a running thread's task/<tid> directory, under the held fd
        (the same process), as a 1-tuple.  None when that is not so, or no
        thread could be read.  ``row``: its stat, when already read."""
        if row is None:
            row = self._stat_row()
        if row[R_STATE] != b"Z" or row[R_THREADS] <= 1:
            return None
        be = _backend.current()

        def through(fd: int) -> tuple[T] | None:
            with task_dir(fd) as task:
                for r in be.scan_raw(task, FileGroup.STAT):
                    if r[0] == self._pid or r[1] != 0 or r[R_STATE] in (b"Z", b"X"):
                        continue
                    try:
                        tfd = be.open_pid(task, r[0])
                    except SysmonError:
                        continue  # exited meanwhile
                    try:
                        return (fn(tfd),)
                    except OSError:
                        continue
                    finally:
                        os.close(tfd)
            return None

        try:
            return self._call(through)
        except (SysmonError, OSError):
            return None

    def _parse(self, name: str, parse: Callable[[bytes], T], data: bytes) -> T:
        """parse(data), a ParseError naming the file it came from."""
        try:
            return parse(data)
        except ParseError as e:
            raise ParseError(self._where(name), e.detail) from None

    def _gone(self, name: str, row: RawRow | None = None) -> SysmonError | None:
        """Why ``name`` reads as absent or empty when the process has let go
        of its memory and files: a zombie (ZombieProcess), or a process in
        exit (NoSuchProcess: do_exit drops them before the task is a zombie,
        and for hundreds of ms a big process reads as state R with no exe
        and no environment).  None when it is alive: the file just does not
        exist for it (a kernel thread's exe, a namespace this kernel lacks).
        ``row``: its stat, when already read."""
        if row is None:
            row = self._stat_row()
        if row[R_STATE] == b"Z":
            return ZombieProcess(self._pid, self._where(name))
        if row[R_FLAGS] & PF_EXITING and not row[R_FLAGS] & PF_KTHREAD:
            return NoSuchProcess(self._pid, self._where(name),
                                 f"process {self._pid} is exiting")
        return None

    def _not_gone(self, name: str, row: RawRow | None = None) -> None:
        """An empty answer means "none" only for a process that still has
        its memory and files (see _gone)."""
        exc = self._gone(name, row)
        if exc is not None:
            raise exc

    # -- links ---------------------------------------------------------------

    def _link(self, name: str) -> LinkTarget | None:
        be = _backend.current()
        follow = self._follow()

        def read(fd: int) -> tuple[bytes, tuple[int, int] | None]:
            target: bytes = be.readlink_at(fd, name)
            st = None
            if follow:
                try:
                    st = be.stat_at(fd, name)
                except OSError:
                    st = None
            return target, st

        got = self._call_live(name, read)
        if got is None:
            return None
        target, st = got[0]
        path, deleted = _split_deleted(target, st is not None, st[1] if st else 0)
        return LinkTarget(path.decode("utf-8", "surrogateescape"), deleted)

    def exe(self) -> LinkTarget | None:
        """The executable (/proc/<pid>/exe); None for a kernel thread."""
        return self._link("exe")

    def cwd(self) -> LinkTarget | None:
        """The working directory (/proc/<pid>/cwd)."""
        return self._link("cwd")

    def root(self) -> LinkTarget | None:
        """The root directory (/proc/<pid>/root): "/" unless chrooted."""
        return self._link("root")

    # -- environment -----------------------------------------------------------

    def environ(self, redact: bool = True) -> dict[str, str]:
        """The environment the process was started with (/proc/<pid>/environ;
        later setenv() calls inside it are not seen), name -> value.  A name
        given twice keeps its first value, the one getenv(3) returns
        (:meth:`environ_entries` has every entry).  With ``redact`` (the
        default) secret-looking values are :data:`REDACTED`; a kernel thread
        has none: {}."""
        return environ_dict(self.environ_entries(redact))

    def environ_entries(self, redact: bool = True) -> list[tuple[str, str]]:
        """Every ``(name, value)`` entry of the environment the process was
        started with, in its order, a repeated name as often as it is there
        (what env(1) shows, and what a shell, which takes the last, sees).
        ``redact`` as in :meth:`environ`; a kernel thread has none: []."""
        data = self._file("environ")
        if not data:
            self._not_gone("environ")  # an exiting process reads as empty too
        entries = split_environ(data) if data else []
        return _redact(entries) if redact else entries

    # -- files ------------------------------------------------------------------

    def fds(self) -> list[FdInfo]:
        """Every open fd, by number: kind, target, position and flags (fdinfo)."""
        follow = self._follow()

        def read(fd: int) -> list[Any]:
            found: list[Any] = _backend.current().read_fds(fd, follow)
            return found

        got = self._call_live("fd", read)
        rows = [] if got is None else got[0]
        if not rows:
            row = self._stat_row()
            got = self._via_thread(read, row)  # the main thread's files went with it
            rows = [] if got is None else got[0]
            if not rows:
                self._not_gone("fd", row)
        return sorted((_fd_record(r) for r in rows), key=lambda f: f.fd)

    def open_files(self) -> list[OpenFile]:
        """The regular files among :meth:`fds`."""
        return [
            OpenFile(f.target, f.fd, f.position, f.mode, f.flags, f.deleted)
            for f in self.fds() if f.kind == "file" and f.target is not None
        ]

    # -- counters and settings ---------------------------------------------------

    def io_counters(self) -> IoCounters:
        """/proc/<pid>/io: characters and bytes read and written, syscalls."""
        data = self._file("io")
        if data is None:
            return IoCounters(*(None,) * len(_IO_KEYS))
        be = _backend.current()
        return _io(self._parse("io", lambda d: be.parse_kv(d, True), data))

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """Resource limits by resource name ("nofile", "core", ...) as
        (soft, hard); unlimited is ``resource.RLIM_INFINITY``."""
        data = self._file("limits")
        if data is None:
            return {}
        return {
            rlimit_name(n.decode("utf-8", "surrogateescape")): (_rlimit(s), _rlimit(h))
            for n, s, h, _u in self._parse("limits", _backend.current().parse_limits, data)
        }

    def cgroup(self) -> CgroupInfo:
        """The process's cgroups: the v2 path and any v1 hierarchies."""
        data = self._file("cgroup")
        return _cgroup(self._parse("cgroup", _backend.current().parse_cgroup, data)
                       if data else [])

    def namespaces(self) -> dict[str, int]:
        """Namespace inode ids by type ("net", "pid", ...): two processes share
        a namespace when the ids are equal.  Types this kernel lacks are absent."""
        be = _backend.current()
        out: dict[str, int] = {}
        for ns in NAMESPACES:
            name = f"ns/{ns}"
            got = self._call_live(name, functools.partial(_readlink, be, name))
            if got is None:
                continue
            target: bytes = got[0]
            m = _NS_LINK.match(target)
            if m is None:
                raise ParseError(self._where(name), f"not a namespace link: {target!r}")
            out[ns] = int(m.group(2))
        return out

    def memory_detail(self) -> MemoryDetail | None:
        """/proc/<pid>/smaps_rollup in bytes: pss, private (uss), shared, swap,
        swap_pss, ...; None for a kernel thread (no user memory)."""
        data = self._file("smaps_rollup")
        if not data:
            if data is not None:
                self._not_gone("smaps_rollup")
            return None
        return _rollup(self._parse("smaps_rollup", _backend.current().parse_rollup, data))

    # -- status ------------------------------------------------------------------

    def _status_ext(self) -> StatusExt:
        data = self._file("status")
        if data is None:
            raise SysmonError(f"{self._where('status')} is missing")
        return tuple(self._parse("status", _backend.current().parse_status_ext, data))

    def status_detail(self) -> StatusDetail:
        """Context switches, capabilities, signal masks, no_new_privs, seccomp
        and umask from one read of /proc/<pid>/status (the methods of the
        same names read it each)."""
        s = self._status_ext()

        def get(key: str) -> int | None:
            return s[_SX[key]]

        def caps(key: str) -> frozenset[str]:
            v = get(key)
            return decode_caps(v) if v is not None else frozenset()

        def sigs(key: str) -> frozenset[signal.Signals | int]:
            v = get(key)
            return decode_sigmask(v) if v is not None else frozenset()

        amb, nnp, sec = get("CapAmb"), get("NoNewPrivs"), get("Seccomp")
        return StatusDetail(
            CtxSwitches(get("voluntary_ctxt_switches"), get("nonvoluntary_ctxt_switches")),
            Capabilities(caps("CapEff"), caps("CapPrm"), caps("CapInh"), caps("CapBnd"),
                         decode_caps(amb) if amb is not None else None),
            SignalMasks(sigs("SigPnd"), sigs("ShdPnd"), sigs("SigBlk"), sigs("SigIgn"),
                        sigs("SigCgt")),
            None if nnp is None else bool(nnp),
            None if sec is None else SECCOMP_MODES.get(sec, str(sec)),
            get("Umask"),
        )

    def num_ctx_switches(self) -> CtxSwitches:
        """Voluntary and involuntary context switches (status)."""
        return self.status_detail().ctx_switches

    def capabilities(self) -> Capabilities:
        """The capability sets (status CapEff, CapPrm, CapInh, CapBnd, CapAmb)
        decoded to names; ambient is None on kernels before 4.3."""
        return self.status_detail().capabilities

    def no_new_privs(self) -> bool | None:
        """The no_new_privs bit (status NoNewPrivs); None before Linux 4.10."""
        return self.status_detail().no_new_privs

    def seccomp(self) -> str | None:
        """Seccomp mode: "disabled", "strict" or "filter"; None when the kernel
        has no seccomp."""
        return self.status_detail().seccomp

    def umask(self) -> int | None:
        """The file mode creation mask (status Umask, Linux 4.7+; None for a zombie)."""
        return self.status_detail().umask

    def signal_masks(self) -> SignalMasks:
        """Pending (thread and process-wide), blocked, ignored and caught
        signals (status SigPnd, ShdPnd, SigBlk, SigIgn, SigCgt)."""
        return self.status_detail().signal_masks


_redact = redact


def _readlink(be: Any, name: str, fd: int) -> bytes:
    target: bytes = be.readlink_at(fd, name)
    return target
