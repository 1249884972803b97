"""The C backend: the only module that touches cffi's ``ffi`` and ``lib``.

It owns the reusable cffi buffers, turns C rows into the raw tuples described
in sysmon._raw (identical to sysmon._pure's), and maps ``-errno`` returns to
sysmon exceptions in one helper, :func:`_check`.
"""

from __future__ import annotations

import errno
import os
import struct
import threading
from typing import Any

from sysmon._host import open_proc_dir
from sysmon._raw import RawRow
from sysmon._sysmon_c import ffi, lib
from sysmon.errors import NoSuchProcess, ParseError, SysmonError

# One row of struct sm_proc, unpacked in one call.  The layout is checked
# against the compiler's below, so a header change cannot silently skew it.
_ROW = struct.Struct(
    "=6q5Q3qQQqq"  # sm_stat: pid..tpgid, flags..stime, priority..num_threads,
    # starttime, vsize, rss, processor
    "QQc7x"  # name_off, name_len, state, padding
    "10q"  # sm_status: uid[4], gid[4], tgid, pid
    "3Q"  # sm_statm
    "QQ"  # cmdline_off, cmdline_len
    "i4iI64s"  # pid, err[4], name_len, name
)


def _check_layout() -> None:
    size = ffi.sizeof("struct sm_proc")
    # trailing padding of the C struct, if any, is not in our format
    if _ROW.size > size or size - _ROW.size >= 8:
        raise ImportError(f"sysmon: struct sm_proc layout mismatch ({size} vs {_ROW.size})")
    off = ffi.offsetof
    if off("struct sm_proc", "pid") != 288 or off("struct sm_proc", "name") != 312:
        raise ImportError("sysmon: struct sm_proc field offsets changed; update _native._ROW")


_check_layout()
_ROW_SIZE = ffi.sizeof("struct sm_proc")


def _check(rc: int, what: str) -> int:
    """Map a C return (>= 0, or -errno) to a value or a sysmon exception."""
    if rc >= 0:
        return rc
    err = -rc
    if err == errno.EINVAL:
        raise ParseError(what, "malformed content")
    raise SysmonError(f"cannot read {what}: {os.strerror(err)}")


class _Scanner:
    """A scan context with its row array and cmdline arena, grown on demand."""

    def __init__(self) -> None:
        ctxp = ffi.new("struct sm_ctx **")
        _check(lib.sm_ctx_new(ctxp), "scan context")
        self.ctx = ffi.gc(ctxp[0], lib.sm_ctx_free)
        self._alloc(512, 1 << 18)
        self.n_rows = ffi.new("size_t *")
        self.used = ffi.new("size_t *")
        self.lock = threading.Lock()

    def _alloc(self, cap: int, arena_cap: int) -> None:
        self.cap = cap
        self.rows = ffi.new("struct sm_proc[]", cap)
        self.rows_buf = ffi.buffer(self.rows)
        self.arena_cap = arena_cap
        self.arena = ffi.new("char[]", arena_cap)
        self.arena_buf = ffi.buffer(self.arena)

    def scan(self, proc_path: bytes, mask: int) -> list[RawRow]:
        with self.lock:
            while True:
                rc = lib.sm_scan_procs(
                    self.ctx, proc_path, mask, self.rows, self.cap,
                    self.arena, self.arena_cap, self.n_rows, self.used,
                )
                if rc != -errno.ENOBUFS:
                    break
                # Too small: grow with headroom for processes born meanwhile.
                self._alloc(max(self.cap, self.n_rows[0] + self.n_rows[0] // 4 + 64),
                            max(self.arena_cap, self.used[0] + self.used[0] // 4 + 4096))
            if rc < 0:
                raise SysmonError(
                    f"cannot read {proc_path.decode(errors='replace')}: {os.strerror(-rc)}"
                )
            n = self.n_rows[0]
            data = self.rows_buf[: n * _ROW_SIZE]
            arena = self.arena_buf[: self.used[0]]
            return [_convert(t, arena) for t in _iter_rows(data, n)]

    def read_one(self, dirfd: int, pid: int, mask: int) -> RawRow | None:
        with self.lock:
            while True:
                rc = lib.sm_read_proc(
                    self.ctx, dirfd, pid, mask, self.rows, self.arena, self.arena_cap, self.used
                )
                if rc != -errno.ENOBUFS:
                    break
                self._alloc(self.cap, self.used[0] + 4096)
            if rc == -errno.ESRCH:
                return None
            _check(rc, f"process {pid}")
            t = _ROW.unpack_from(self.rows_buf, 0)
            return _convert(t, self.arena_buf[: self.used[0]])


def _iter_rows(data: bytes, n: int) -> list[tuple[object, ...]]:
    if _ROW.size == _ROW_SIZE:
        return list(_ROW.iter_unpack(data))
    return [_ROW.unpack_from(data, i * _ROW_SIZE) for i in range(n)]


def _convert(t: tuple[Any, ...], arena: bytes) -> RawRow:
    # t: 0..17 stat numbers (t[0] is stat's pid), 18 name_off, 19 name_len,
    # 20 state, 21..30 status, 31..33 statm, 34 cmdline_off, 35 cmdline_len,
    # 36 pid, 37..40 err, 41 name_len, 42 name
    e_stat = t[37]
    e_cmd = t[40]
    if e_cmd == 0:
        off = t[34]
        cmdline = arena[off : off + t[35]]
    else:
        cmdline = None
    return (
        t[36], e_stat, t[38], t[39], e_cmd,
        t[42][: t[41]], t[20] if e_stat == 0 else b"",
        *t[1:18], *t[21:30], *t[31:34], cmdline,
    )


_scanner: _Scanner | None = None


def _get_scanner() -> _Scanner:
    global _scanner
    if _scanner is None:
        _scanner = _Scanner()
    return _scanner


def scan_raw(proc_path: str, mask: int) -> list[RawRow]:
    """Every process under proc_path: one C call (sm_scan_procs)."""
    return _get_scanner().scan(os.fsencode(proc_path), mask)


def open_pid(proc_path: str, pid: int) -> int:
    """A held O_DIRECTORY fd on proc_path/<pid>; NoSuchProcess if none."""
    procfd = open_proc_dir(proc_path)
    try:
        rc = lib.sm_open_pid(procfd, pid)
    finally:
        os.close(procfd)
    if rc in (-errno.ENOENT, -errno.ESRCH):
        raise NoSuchProcess(pid, f"{proc_path}/{pid}")
    if rc < 0:
        raise SysmonError(f"cannot open {proc_path}/{pid}: {os.strerror(-rc)}")
    return int(rc)


def read_proc(dirfd: int, pid: int, mask: int) -> RawRow | None:
    """One process through its held dirfd; None when it has vanished."""
    return _get_scanner().read_one(dirfd, pid, mask)


# --- parsers, exposed for tests (pure functions over bytes) -------------------


def parse_stat(data: bytes) -> tuple[int | bytes, ...]:
    out = ffi.new("struct sm_stat *")
    if lib.sm_parse_stat(data, len(data), out) != 0:
        raise ParseError("<stat buffer>", "malformed stat line")
    name = data[out.name_off : out.name_off + out.name_len]
    return (
        out.pid, name, out.state,
        out.ppid, out.pgrp, out.session, out.tty_nr, out.tpgid, out.flags, out.minflt,
        out.majflt, out.utime, out.stime, out.priority, out.nice, out.num_threads,
        out.starttime, out.vsize, out.rss, out.processor,
    )


def parse_status(data: bytes) -> tuple[int, ...]:
    out = ffi.new("struct sm_status *")
    if lib.sm_parse_status(data, len(data), out) != 0:
        raise ParseError("<status buffer>", "malformed status")
    return (*out.uid, *out.gid, out.tgid, out.pid)


def parse_statm(data: bytes) -> tuple[int, int, int]:
    out = ffi.new("struct sm_statm *")
    if lib.sm_parse_statm(data, len(data), out) != 0:
        raise ParseError("<statm buffer>", "malformed statm")
    return (out.size, out.resident, out.shared)
