"""The C backend of the one-process readers: csrc/parse_pid.c and csrc/scan_pid.c.

Exposes the functions of the contract in sysmon._rawpid, with its raw tuple
shapes and acceptance rules (sysmon._pure_pid is the Python twin);
sysmon._native re-exports them.  Rows come back from C as arrays of structs
unpacked with layouts checked against the compiler's; arrays are reused
and grown on -ENOBUFS.

Imported by the last line of sysmon._native (``import sysmon`` loads that
first), so the helpers taken from it below are already defined.
"""

from __future__ import annotations

import errno
import os
import threading
from typing import Any

from sysmon._native import _check, _layout, _Out, _Table
from sysmon._rawpid import (
    LINK_CAP,
    STATUS_EXT_KEYS,
    CgroupRaw,
    FdInfoRaw,
    FdRaw,
    KvRow,
    LimitRaw,
    StatusExt,
)
from sysmon._sysmon_c import ffi, lib

__all__ = [
    "parse_cgroup",
    "parse_fdinfo",
    "parse_limits",
    "parse_rollup",
    "parse_status_ext",
    "read_at",
    "read_fds",
    "readlink_at",
    "stat_at",
]

# C's "unlimited" is UINT64_MAX, which is the contract's RLIM_UNLIMITED.
_C_CONSTANTS = (lib.SM_LINK_CAP, lib.SM_SX_N, lib.SM_FI_POS, lib.SM_FI_FLAGS, lib.SM_FI_MNT_ID,
                lib.SM_FI_INO)
if (LINK_CAP, len(STATUS_EXT_KEYS), 1, 2, 4, 8) != _C_CONSTANTS:
    raise ImportError("sysmon: constants of sysmon.h (issue 5) changed; update _native_pid")

# --- struct layouts, checked against the compiler's ------------------------------

_SX_N = len(STATUS_EXT_KEYS)
_STATUS_EXT = _layout("struct sm_status_ext", ((("v",), f"{_SX_N}Q"), (("have",), "I4x")))
_LIMIT = _layout("struct sm_limit", ((("soft",), "Q"), (("hard",), "Q"), (("name_off",), "I"),
                                     (("name_len",), "I"), (("units_off",), "I"),
                                     (("units_len",), "I")))
_CGROUP = _layout("struct sm_cgroup", ((("id",), "Q"), (("ctl_off",), "I"), (("ctl_len",), "I"),
                                       (("path_off",), "I"), (("path_len",), "I")))
_FDINFO = _layout("struct sm_fdinfo", ((("pos",), "q"), (("flags",), "Q"), (("mnt_id",), "Q"),
                                       (("ino",), "Q"), (("have",), "I4x")))
_FD = _layout("struct sm_fd", (
    (("fd",), "i"), (("link_err",), "i"), (("stat_err",), "i"), (("info_err",), "i"),
    (("mode",), "I"), (("target_len",), "I"), (("nlink",), "Q"), (("target_off",), "Q"),
    (("info", "pos"), "q"), (("info", "flags"), "Q"), (("info", "mnt_id"), "Q"),
    (("info", "ino"), "Q"), (("info", "have"), "I4x")))
_KV = _layout("struct sm_kv", ((("value",), "Q"), (("key_off",), "I"), (("key_len",), "I"),
                               (("kb",), "I4x")))

_STATUS_WHAT = "<status buffer>"
_ROLLUP_WHAT = "<smaps_rollup buffer>"
_LIMITS_WHAT = "<limits buffer>"
_CGROUP_WHAT = "<cgroup buffer>"
_FDINFO_WHAT = "<fdinfo buffer>"


def _as_bytes(data: bytes) -> bytes:
    return data if type(data) is bytes else bytes(data)


def _os_error(err: int, name: str | bytes) -> OSError:
    """OSError(err, strerror, name): FileNotFoundError etc., as os.open raises."""
    return OSError(err, os.strerror(err), name)


def _c_name(name: str | bytes) -> bytes:
    p = os.fsencode(name)
    if b"\0" in p:
        raise ValueError("embedded null byte")
    return p


# --- parsers (pure functions over bytes) -------------------------------------------

_STATUS_OUT = _Out("struct sm_status_ext")
_FDINFO_OUT = _Out("struct sm_fdinfo")
_ROLLUPS = _Table("struct sm_kv", _KV, _ROLLUP_WHAT, 32)
_LIMITS = _Table("struct sm_limit", _LIMIT, _LIMITS_WHAT, 20)
_CGROUPS = _Table("struct sm_cgroup", _CGROUP, _CGROUP_WHAT, 16)


def parse_status_ext(data: bytes) -> StatusExt:
    """/proc/<pid>/status: STATUS_EXT_KEYS' values in order, None when absent."""
    data = _as_bytes(data)
    o = _STATUS_OUT
    with o.lock:
        _check(lib.sm_parse_status_ext(data, len(data), o.ptr), _STATUS_WHAT)
        t = _STATUS_EXT.unpack(o.view)
    have = t[_SX_N]
    return tuple(v if have >> i & 1 else None for i, v in enumerate(t[:_SX_N]))


def _fdinfo(t: tuple[Any, ...]) -> FdInfoRaw:
    """(pos, flags, mnt_id, ino, have) -> FdInfoRaw."""
    have = t[4]
    return (t[0] if have & 1 else None, t[1] if have & 2 else None,
            t[2] if have & 4 else None, t[3] if have & 8 else None)


def parse_fdinfo(data: bytes) -> FdInfoRaw:
    """/proc/<pid>/fdinfo/<fd>: (pos, flags, mnt_id, ino), None when absent."""
    data = _as_bytes(data)
    o = _FDINFO_OUT
    with o.lock:
        _check(lib.sm_parse_fdinfo(data, len(data), o.ptr), _FDINFO_WHAT)
        t = _FDINFO.unpack(o.view)
    return _fdinfo(t)


def parse_rollup(data: bytes) -> list[KvRow]:
    """/proc/<pid>/smaps_rollup: its "Key: value kB" lines after the header."""
    data = _as_bytes(data)
    size = len(data)
    with _ROLLUPS.lock:
        rows = _ROLLUPS.fill(lambda r, c, n: lib.sm_parse_rollup(data, size, r, c, n))
    return [(data[o : o + ln], v, kb != 0) for v, o, ln, kb in rows]


def parse_limits(data: bytes) -> list[LimitRaw]:
    """/proc/<pid>/limits: (name, soft, hard, units) per limit."""
    data = _as_bytes(data)
    size = len(data)
    with _LIMITS.lock:
        rows = _LIMITS.fill(lambda r, c, n: lib.sm_parse_limits(data, size, r, c, n))
    return [(data[no : no + nl], soft, hard, data[uo : uo + ul])
            for soft, hard, no, nl, uo, ul in rows]


def parse_cgroup(data: bytes) -> list[CgroupRaw]:
    """/proc/<pid>/cgroup: (hierarchy_id, controllers, path) per line."""
    data = _as_bytes(data)
    size = len(data)
    with _CGROUPS.lock:
        rows = _CGROUPS.fill(lambda r, c, n: lib.sm_parse_cgroup(data, size, r, c, n))
    return [(i, data[co : co + cl], data[po : po + pl]) for i, co, cl, po, pl in rows]


# --- I/O through a held /proc/<pid> directory fd ---------------------------------


class _Io:
    """A context of its own (reads never wait on a scan), a link buffer,
    stat outputs, and the fd rows and target arena of read_fds, grown on
    -ENOBUFS.  Hold ``lock`` from a C call until its outputs are read."""

    def __init__(self) -> None:
        ctxp = ffi.new("struct sm_ctx **")
        rc = lib.sm_ctx_new(ctxp)
        if rc < 0:
            raise _os_error(-rc, "<pid read context>")
        self.ctx = ffi.gc(ctxp[0], lib.sm_ctx_free)
        self.lock = threading.Lock()
        self.data = ffi.new("const char **")
        self.link = ffi.new("char[]", LINK_CAP)
        self.mode = ffi.new("uint32_t *")
        self.nlink = ffi.new("uint64_t *")
        self.n = ffi.new("size_t *")
        self.used = ffi.new("size_t *")
        self._alloc(64, 1 << 14)

    def _alloc(self, cap: int, arena_cap: int) -> None:
        self.cap = cap
        self.rows = ffi.new("struct sm_fd[]", cap)
        self.view = memoryview(ffi.buffer(self.rows))
        self.arena_cap = arena_cap
        self.arena = ffi.new("char[]", max(arena_cap, 1))

    def grow(self, n: int, used: int) -> bool:
        """After -ENOBUFS: grow what was too small (with headroom for fds
        opened meanwhile); False when nothing was."""
        if n <= self.cap and used <= self.arena_cap:
            return False
        self._alloc(max(self.cap, n + n // 4 + 16),
                    max(self.arena_cap, used + used // 4 + 4096))
        return True


_io: _Io | None = None


def _get_io() -> _Io:
    global _io
    if _io is None:
        _io = _Io()
    return _io


def read_at(dirfd: int, name: str | bytes) -> bytes:
    """The whole of dirfd/name (O_NOFOLLOW|O_NONBLOCK, read to EOF)."""
    p = _c_name(name)
    t = _get_io()
    with t.lock:
        n = lib.sm_read_file_at(t.ctx, dirfd, p, t.data)
        if n < 0:
            raise _os_error(-n, name)
        return ffi.unpack(t.data[0], n)


def readlink_at(dirfd: int, name: str | bytes) -> bytes:
    """readlinkat(dirfd, name); ENAMETOOLONG for a target of LINK_CAP or more."""
    p = _c_name(name)
    t = _get_io()
    with t.lock:
        n = lib.sm_readlink_at(dirfd, p, t.link)
        if n < 0:
            raise _os_error(-n, name)
        return ffi.unpack(t.link, n)


def stat_at(dirfd: int, name: str | bytes) -> tuple[int, int]:
    """(st_mode, st_nlink) of fstatat(dirfd, name), following the link."""
    p = _c_name(name)
    t = _get_io()
    with t.lock:
        rc = lib.sm_stat_at(dirfd, p, t.mode, t.nlink)
        if rc < 0:
            raise _os_error(-rc, name)
        return int(t.mode[0]), int(t.nlink[0])


def read_fds(dirfd: int, follow: bool) -> list[FdRaw]:
    """One FdRaw per open fd in dirfd/fd (order unspecified)."""
    f = 1 if follow else 0
    t = _get_io()
    with t.lock:
        while True:
            rc = lib.sm_read_fds(t.ctx, dirfd, f, t.rows, t.cap, t.arena, t.arena_cap,
                                 t.n, t.used)
            if rc != -errno.ENOBUFS or not t.grow(t.n[0], t.used[0]):
                break
        if rc < 0:
            raise _os_error(-rc, "fd")
        used = int(t.used[0])
        arena = ffi.buffer(t.arena, used)[:] if used else b""
        rows = _FD.iter_unpack(t.view[: t.n[0] * _FD.size])
        return [
            (fd, le, arena[to : to + tl] if le == 0 else b"", se, mode, nlink, ie,
             *(_fdinfo((pos, fl, mnt, ino, have)) if ie == 0 else (None, None, None, None)))
            for fd, le, se, ie, mode, tl, nlink, to, pos, fl, mnt, ino, have in rows
        ]
