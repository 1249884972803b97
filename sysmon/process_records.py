"""The records of one process in depth, and the pure functions that make them.

Decoders (environment, capability and signal masks, fd kinds, rlimit names)
and raw -> record conversions for sysmon.process_detail, which does the
reading.  Nothing here does I/O.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import stat
from collections.abc import Iterable
from typing import NamedTuple

from sysmon._rawpid import RLIM_UNLIMITED, STATUS_EXT_KEYS

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


def split_environ(data: bytes) -> list[tuple[str, str]]:
    """NUL-separated ``NAME=value`` entries, every one in the process's order
    (a repeated name as often as it is there), decoded losslessly
    (surrogateescape).  An entry without ``=`` is a name with the value ""."""
    se = "surrogateescape"
    out: list[tuple[str, str]] = []
    for entry in data.split(b"\0"):
        if entry:
            k, _, v = entry.partition(b"=")
            out.append((k.decode("utf-8", se), v.decode("utf-8", se)))
    return out


def environ_dict(entries: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Name -> value; a repeated name keeps its first value, the one getenv(3)
    returns (sh and bash take the last)."""
    out: dict[str, str] = {}
    for k, v in entries:
        out.setdefault(k, v)
    return out


def redact(entries: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same entries with every secret-looking value replaced by REDACTED."""
    return [(k, REDACTED if is_secret_key(k) else v) for k, v in entries]


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
