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
import re
import resource
import signal
import stat
from collections.abc import Iterable, Iterator
from typing import Any, Callable, NamedTuple, TypeVar

from sysmon import _backend
from sysmon._handle import HandleBase
from sysmon._raw import R_FLAGS, R_STATE, R_THREADS, RawRow
from sysmon._rawpid import RLIM_UNLIMITED, STATUS_EXT_KEYS, StatusExt
from sysmon.errors import AccessDenied, NoSuchProcess, ParseError, SysmonError, ZombieProcess
from sysmon.fields import FileGroup

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

# -- environment ----------------------------------------------------------------

#: A variable whose name contains one of these (case-insensitively) is a
#: secret: ``environ()`` and ``sysmon env`` show :data:`REDACTED` instead of
#: its value unless asked not to.  This is the one list; extend it here.
SECRET_KEY_PARTS: tuple[str, ...] = (
    "PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH", "COOKIE",
    "SESSION", "PRIVATE",
)
REDACTED = "<redacted>"


_SECRET = re.compile("|".join(map(re.escape, SECRET_KEY_PARTS)))


def is_secret_key(name: str) -> bool:
    """True when ``name`` looks like it holds a secret (see SECRET_KEY_PARTS)."""
    return _SECRET.search(name.upper()) is not None


def parse_environ(data: bytes) -> dict[str, str]:
    """NUL-separated ``NAME=value`` entries, decoded losslessly
    (surrogateescape).  An entry without ``=`` is a name with the value "".
    A repeated name keeps its first value: the one getenv(3) returns."""
    out: dict[str, str] = {}
    for entry in data.split(b"\0"):
        if not entry:
            continue
        k, _, v = entry.partition(b"=")
        key = k.decode("utf-8", "surrogateescape")
        if key not in out:
            out[key] = v.decode("utf-8", "surrogateescape")
    return out


def redact(env: dict[str, str]) -> dict[str, str]:
    """The same mapping with every secret-looking value replaced by REDACTED."""
    return {k: (REDACTED if is_secret_key(k) else v) for k, v in env.items()}


# -- capabilities and signal masks -------------------------------------------------

# Capability numbers of linux/capability.h, in bit order (bit n = CAPABILITY_NAMES[n]).
CAPABILITY_NAMES: tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)


def decode_caps(mask: int) -> frozenset[str]:
    """Capability names of a Cap* mask; a bit newer than this table is "CAP_<n>"."""
    return frozenset(
        CAPABILITY_NAMES[b] if b < len(CAPABILITY_NAMES) else f"CAP_{b}"
        for b in range(mask.bit_length()) if mask >> b & 1
    )


def decode_sigmask(mask: int) -> frozenset[signal.Signals | int]:
    """Signals of a Sig*/ShdPnd mask (bit n-1 is signal n): signal.Signals
    members, and plain ints for real-time signals the enum does not name."""
    out: set[signal.Signals | int] = set()
    for b in range(mask.bit_length()):
        if mask >> b & 1:
            try:
                out.add(signal.Signals(b + 1))
            except ValueError:
                out.add(b + 1)
    return frozenset(out)


SECCOMP_MODES = {0: "disabled", 1: "strict", 2: "filter"}

# -- records ------------------------------------------------------------------------


class LinkTarget(NamedTuple):
    """Where a /proc/<pid> link (exe, cwd, root) points.  ``deleted``: the
    file was removed (or replaced) after the process opened it; ``path`` is
    then the name it had, without the kernel's " (deleted)" suffix."""

    path: str
    deleted: bool

    def __str__(self) -> str:
        return f"{self.path} (deleted)" if self.deleted else self.path


class FdInfo(NamedTuple):
    """One open file descriptor (``sysmon explain fd.kind`` and so on)."""

    fd: int
    kind: str
    target: str | None
    deleted: bool
    position: int | None
    flags: int | None
    mode: str | None
    mnt_id: int | None
    inode: int | None


class OpenFile(NamedTuple):
    """A regular file a process has open (as psutil's open_files())."""

    path: str
    fd: int
    position: int | None
    mode: str | None
    flags: int | None
    deleted: bool


class IoCounters(NamedTuple):
    rchar: int | None
    wchar: int | None
    syscr: int | None
    syscw: int | None
    read_bytes: int | None
    write_bytes: int | None
    cancelled_write_bytes: int | None


class CtxSwitches(NamedTuple):
    voluntary: int | None
    involuntary: int | None


class Capabilities(NamedTuple):
    effective: frozenset[str]
    permitted: frozenset[str]
    inheritable: frozenset[str]
    bounding: frozenset[str]
    ambient: frozenset[str] | None


class SignalMasks(NamedTuple):
    pending: frozenset[signal.Signals | int]
    shared_pending: frozenset[signal.Signals | int]
    blocked: frozenset[signal.Signals | int]
    ignored: frozenset[signal.Signals | int]
    caught: frozenset[signal.Signals | int]


class StatusDetail(NamedTuple):
    """Everything :meth:`Process.status_detail` reads from one /proc/<pid>/status."""

    ctx_switches: CtxSwitches
    capabilities: Capabilities
    signal_masks: SignalMasks
    no_new_privs: bool | None
    seccomp: str | None
    umask: int | None


class MemoryDetail(NamedTuple):
    """/proc/<pid>/smaps_rollup, in bytes; None where this kernel has no such line."""

    rss: int | None
    pss: int | None
    pss_anon: int | None
    pss_file: int | None
    pss_shmem: int | None
    shared: int | None
    private: int | None
    shared_clean: int | None
    shared_dirty: int | None
    private_clean: int | None
    private_dirty: int | None
    referenced: int | None
    anonymous: int | None
    locked: int | None
    swap: int | None
    swap_pss: int | None


class CgroupInfo(NamedTuple):
    """``path``: the cgroup v2 (unified) path, None when the process is in no
    v2 hierarchy; ``v1``: each mounted v1 hierarchy's path, keyed by its
    controller list as the kernel prints it ("cpu,cpuacct", "name=systemd")."""

    path: str | None
    v1: dict[str, str]


# -- raw -> record --------------------------------------------------------------

_IO_KEYS = IoCounters._fields
_ROLLUP_KEYS = {
    b"Rss": "rss", b"Pss": "pss", b"Pss_Anon": "pss_anon", b"Pss_File": "pss_file",
    b"Pss_Shmem": "pss_shmem", b"Shared_Clean": "shared_clean",
    b"Shared_Dirty": "shared_dirty", b"Private_Clean": "private_clean",
    b"Private_Dirty": "private_dirty", b"Referenced": "referenced",
    b"Anonymous": "anonymous", b"Locked": "locked", b"Swap": "swap", b"SwapPss": "swap_pss",
}
_SX = {k.decode(): i for i, k in enumerate(STATUS_EXT_KEYS)}

# /proc/<pid>/limits names (fs/proc/base.c lnames[]) -> resource module names.
RLIMIT_NAMES: dict[str, str] = {
    "Max cpu time": "cpu", "Max file size": "fsize", "Max data size": "data",
    "Max stack size": "stack", "Max core file size": "core", "Max resident set": "rss",
    "Max processes": "nproc", "Max open files": "nofile", "Max locked memory": "memlock",
    "Max address space": "as", "Max file locks": "locks", "Max pending signals": "sigpending",
    "Max msgqueue size": "msgqueue", "Max nice priority": "nice",
    "Max realtime priority": "rtprio", "Max realtime timeout": "rttime",
}

NAMESPACES: tuple[str, ...] = (
    "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children",
    "user", "uts",
)
_NS_LINK = re.compile(rb"([a-z_]+):\[([0-9]+)\]\Z")


def _io(rows: Iterable[tuple[bytes, int, bool]]) -> IoCounters:
    vals: dict[str, int] = {}
    for k, v, _kb in rows:
        vals[k.decode("ascii", "replace")] = v
    return IoCounters(*(vals.get(k) for k in _IO_KEYS))


def _rollup(rows: Iterable[tuple[bytes, int, bool]]) -> MemoryDetail:
    vals: dict[str, int | None] = {}
    for k, v, kb in rows:
        name = _ROLLUP_KEYS.get(k)
        if name is not None:
            vals[name] = v * 1024 if kb else v
    vals["shared"] = _sum(vals.get("shared_clean"), vals.get("shared_dirty"))
    vals["private"] = _sum(vals.get("private_clean"), vals.get("private_dirty"))
    return MemoryDetail(*(vals.get(f) for f in MemoryDetail._fields))


def _sum(a: int | None, b: int | None) -> int | None:
    return a + b if a is not None and b is not None else None


def _rlimit(v: int) -> int:
    return resource.RLIM_INFINITY if v == RLIM_UNLIMITED else v


def rlimit_name(kernel_name: str) -> str:
    """The resource name of a /proc/<pid>/limits row ("Max open files" -> "nofile");
    a name this table does not know: lower case, "Max " dropped, blanks as "_"."""
    known = RLIMIT_NAMES.get(kernel_name)
    if known is not None:
        return known
    n = kernel_name.lower()
    n = n[4:] if n.startswith("max ") else n
    return "_".join(n.split())


def access_mode(flags: int) -> str:
    """psutil's open-file mode letters from fdinfo flags."""
    acc = flags & os.O_ACCMODE
    app = bool(flags & os.O_APPEND)
    if acc == os.O_RDONLY:
        return "r"
    if acc == os.O_WRONLY:
        return "a" if app else "w"
    return "a+" if app else "r+"


_DELETED = b" (deleted)"


_LINK_KINDS = ((b"socket:[", "socket"), (b"pipe:[", "pipe"), (b"anon_inode:", "anon_inode"))
_MODE_KINDS = (
    (stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISCHR, "device"),
    (stat.S_ISBLK, "device"), (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"),
    (stat.S_ISLNK, "symlink"),
)


def fd_kind(target: bytes, mode: int, stat_ok: bool) -> str:
    """What an fd refers to: socket, pipe, anon_inode, namespace, file,
    directory, device, fifo, symlink or other.  From the link text where the
    kernel names the object, else from the open file's st_mode; when the
    link could not be followed (not the live /proc), from the path alone:
    /dev/... is a device, any other absolute path a file."""
    if stat_ok and stat.S_ISREG(mode) and target[:1] == b"/":
        return "file"  # the common case first (a namespace fd is S_IFREG too, not a path)
    for prefix, kind in _LINK_KINDS:
        if target.startswith(prefix):
            return kind
    m = _NS_LINK.match(target)
    if m and m.group(1).decode() in NAMESPACES:
        return "namespace"
    if stat_ok:
        return next((kind for test, kind in _MODE_KINDS if test(mode)), "other")
    if target.startswith(b"/"):
        return "device" if target.startswith(b"/dev/") else "file"
    return "other"


def _split_deleted(target: bytes, stat_ok: bool, nlink: int) -> tuple[bytes, bool]:
    """(path, deleted): the kernel appends " (deleted)" to the name of an open
    file whose name was unlinked.  Where the link could be followed (the live
    /proc), a file still linked elsewhere (nlink > 0) counts as deleted
    unless a file of exactly that name, suffix included, exists: one really
    named "x (deleted)".  Elsewhere the suffix alone decides."""
    if not target.endswith(_DELETED):
        return target, False
    if stat_ok and nlink > 0 and os.path.lexists(target):
        return target, False
    return target[: -len(_DELETED)], True


def _fd_record(r: tuple[object, ...]) -> FdInfo:
    fd, link_err, target, stat_err, mode, nlink, _info_err, pos, flags, mnt_id, ino = r
    assert isinstance(fd, int)
    assert isinstance(target, bytes)
    assert isinstance(mode, int)
    assert isinstance(nlink, int)
    flags_i = flags if isinstance(flags, int) else None
    if link_err:
        return FdInfo(fd, "unknown", None, False, _opt(pos), flags_i,
                      access_mode(flags_i) if flags_i is not None else None, _opt(mnt_id),
                      _opt(ino))
    stat_ok = stat_err == 0
    path, deleted = _split_deleted(target, stat_ok, nlink)
    return FdInfo(
        fd, fd_kind(path, mode, stat_ok), path.decode("utf-8", "surrogateescape"), deleted,
        _opt(pos), flags_i, access_mode(flags_i) if flags_i is not None else None,
        _opt(mnt_id), _opt(ino),
    )


def _opt(v: object) -> int | None:
    return v if isinstance(v, int) else None


def _cgroup(rows: Iterable[tuple[int, bytes, bytes]]) -> CgroupInfo:
    unified: str | None = None
    v1: dict[str, str] = {}
    for hid, ctl, path in rows:
        p = path.decode("utf-8", "surrogateescape")
        if hid == 0 and ctl == b"":
            unified = p
        else:
            v1[ctl.decode("utf-8", "surrogateescape")] = p
    return CgroupInfo(unified, v1)


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
        later setenv() calls inside it are not seen).  With ``redact`` (the
        default) secret-looking values are :data:`REDACTED`; a kernel thread
        has none: {}."""
        data = self._file("environ")
        if not data:
            self._not_gone("environ")  # an exiting process reads as empty too
        env = parse_environ(data) if data else {}
        return _redact(env) if redact else env

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
