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
from collections.abc import Sequence
from typing import Any, Callable

from sysmon._host import open_proc_dir
from sysmon._raw import Memo, RawRow, T
from sysmon._rawsys import CpuStat, DiskRaw, KvRow, MountRaw, NetRaw, PsiRaw
from sysmon._sysmon_c import ffi, lib
from sysmon.errors import ParseError, SysmonError, pid_dir_error

# One row of struct sm_proc, unpacked in one call.  The layout is checked
# against the compiler's below, so a header change cannot silently skew it.
_ROW_FIELDS = (
    "=6q5Q3qQQqq"  # sm_stat: pid..tpgid, flags..stime, priority..num_threads,
    # starttime, vsize, rss, processor
    "QQc7x"  # name_off, name_len, state, padding
    "13q"  # sm_status: uid[4], gid[4], tgid, pid, vm_rss, rss_file, rss_shmem
    "QQ"  # cmdline_off, cmdline_len
    "i3iI64s"  # pid, err[3], name_len, name
)
_ROW_SIZE = ffi.sizeof("struct sm_proc")


def _row_struct() -> struct.Struct:
    """_ROW_FIELDS and the struct's trailing padding (so that a buffer of rows
    unpacks with one iter_unpack), checked against the compiler's layout."""
    pad = _ROW_SIZE - struct.calcsize(_ROW_FIELDS)
    if not 0 <= pad < 8:
        raise ImportError(f"sysmon: struct sm_proc layout mismatch ({_ROW_SIZE} vs "
                          f"{struct.calcsize(_ROW_FIELDS)})")
    off = ffi.offsetof
    if off("struct sm_proc", "pid") != 288 or off("struct sm_proc", "name") != 308:
        raise ImportError("sysmon: struct sm_proc field offsets changed; update _native._ROW")
    return struct.Struct(f"{_ROW_FIELDS}{pad}x")


_ROW = _row_struct()
# cmdline_off and cmdline_len, where a row holds them (the memo's key needs them)
_CMD = struct.Struct("=QQ")
_CMD_AT = ffi.offsetof("struct sm_proc", "cmdline_off")
assert ffi.offsetof("struct sm_proc", "cmdline_len") == _CMD_AT + 8
SM_FILE_CMDLINE = 0x8  # fields.FileGroup.CMDLINE


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
        """Every process: sm_scan_procs."""
        return self._table(proc_path, lambda rows, cap, arena, arena_cap: lib.sm_scan_procs(
            self.ctx, proc_path, mask, rows, cap, arena, arena_cap, self.n_rows, self.used))

    def scan_pids(self, proc_path: bytes, pids: Sequence[int], mask: int) -> list[RawRow]:
        """Only these pids: sm_scan_pids."""
        arr = ffi.new("int32_t[]", pids)
        n = len(pids)
        return self._table(proc_path, lambda rows, cap, arena, arena_cap: lib.sm_scan_pids(
            self.ctx, proc_path, arr, n, mask, rows, cap, arena, arena_cap,
            self.n_rows, self.used))

    def scan_memo(self, proc_path: bytes, mask: int, memo: Memo[T],
                  make: Callable[[RawRow], T]) -> tuple[list[T], Memo[T]]:
        """Every process, as make(row); a row whose bytes (and command line)
        are the same as in the scan that made ``memo`` takes memo's value."""
        with self.lock:
            self._run(proc_path, lambda rows, cap, arena, arena_cap: lib.sm_scan_procs(
                self.ctx, proc_path, mask, rows, cap, arena, arena_cap, self.n_rows,
                self.used))
            n = self.n_rows[0]
            data = self.rows_buf[: n * _ROW_SIZE]
            arena = self.arena_buf[: self.used[0]]
            out: list[T] = []
            new: Memo[T] = {}
            get = memo.get
            cmd = mask & SM_FILE_CMDLINE
            for i in range(0, n * _ROW_SIZE, _ROW_SIZE):
                if cmd:  # the bytes are in the arena: the key holds them, not
                    # their offset (which moves when an earlier command line does)
                    off, ln = _CMD.unpack_from(data, i + _CMD_AT)
                    key = data[i: i + _CMD_AT] + data[i + _CMD_AT + 8: i + _ROW_SIZE] \
                        + arena[off: off + ln]
                else:
                    key = data[i: i + _ROW_SIZE]
                v = get(key)
                if v is None:
                    v = make(_convert(_ROW.unpack_from(data, i), arena))
                new[key] = v
                out.append(v)
            return out, new

    def _run(self, proc_path: bytes, call: Callable[[Any, int, Any, int], int]) -> None:
        """Run call(rows, cap, arena, arena_cap), growing both until they fit."""
        while True:
            rc = call(self.rows, self.cap, self.arena, self.arena_cap)
            if rc != -errno.ENOBUFS:
                break
            # Too small: grow with headroom for processes born meanwhile.
            self._alloc(max(self.cap, self.n_rows[0] + self.n_rows[0] // 4 + 64),
                        max(self.arena_cap, self.used[0] + self.used[0] // 4 + 4096))
        if rc < 0:
            raise SysmonError(
                f"cannot read {proc_path.decode(errors='replace')}: {os.strerror(-rc)}"
            )

    def _table(self, proc_path: bytes, call: Callable[[Any, int, Any, int], int]) -> list[RawRow]:
        """Run call(rows, cap, arena, arena_cap), growing both until they fit;
        the rows, converted."""
        with self.lock:
            self._run(proc_path, call)
            n = self.n_rows[0]
            data = self.rows_buf[: n * _ROW_SIZE]
            arena = self.arena_buf[: self.used[0]]
            return [_convert(t, arena) for t in _ROW.iter_unpack(data)]

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




def _convert(t: tuple[Any, ...], arena: bytes) -> RawRow:
    # t: 0..17 stat numbers (t[0] is stat's pid), 18 name_off, 19 name_len,
    # 20 state, 21..33 status (30 is its Pid:), 34 cmdline_off, 35 cmdline_len,
    # 36 pid, 37..39 err, 40 name_len, 41 name
    e_stat = t[37]
    e_cmd = t[39]
    if e_cmd == 0:
        off = t[34]
        cmdline = arena[off : off + t[35]]
    else:
        cmdline = None
    return (
        t[36], e_stat, t[38], e_cmd,
        t[41][: t[40]], t[20] if e_stat == 0 else b"",
        *t[1:18], *t[21:30], *t[31:34], cmdline,
    )


_scanner: _Scanner | None = None


def _get_scanner() -> _Scanner:
    global _scanner
    if _scanner is None:
        _scanner = _Scanner()
    return _scanner


def scan_memo(proc_path: str, mask: int, memo: Memo[T],
              make: Callable[[RawRow], T]) -> tuple[list[T], Memo[T]]:
    """Every process under proc_path as make(row), from one C call; rows
    unchanged since the scan that made ``memo`` (the same bytes from the
    kernel) take memo's value instead.  Also the memo of this scan."""
    return _get_scanner().scan_memo(os.fsencode(proc_path), mask, memo, make)


def scan_raw(proc_path: str, mask: int) -> list[RawRow]:
    """Every process under proc_path: one C call (sm_scan_procs)."""
    return _get_scanner().scan(os.fsencode(proc_path), mask)


def scan_pids(proc_path: str, pids: Sequence[int], mask: int) -> list[RawRow]:
    """Only the processes pids under proc_path, in that order, by the rules
    of scan_raw: one C call (sm_scan_pids).  Each pid must fit int32_t."""
    return _get_scanner().scan_pids(os.fsencode(proc_path), pids, mask)


def open_pid(proc_path: str, pid: int) -> int:
    """A held O_DIRECTORY fd on proc_path/<pid>; NoSuchProcess if none,
    AccessDenied when refused (see errors.pid_dir_error)."""
    procfd = open_proc_dir(proc_path)
    try:
        rc = lib.sm_open_pid(procfd, pid)
    finally:
        os.close(procfd)
    if rc < 0:
        raise pid_dir_error(-rc, pid, f"{proc_path}/{pid}")
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
    return (*out.uid, *out.gid, out.tgid, out.pid, out.vm_rss, out.rss_file, out.rss_shmem)


# --- system-wide files (issue 3): read_file and the parsers of csrc/parse_sys*.c -
# Shapes and acceptance rules: the contract in sysmon/_rawsys.py.


def _layout(ctype: str, parts: tuple[tuple[tuple[str | int, ...], str], ...]) -> struct.Struct:
    """A struct.Struct for ctype built from (field path, format piece) pairs.
    Each named field's offset and the total size are checked against the
    compiler's, so a header change cannot silently skew the unpacking."""
    fmt = "="
    for field, piece in parts:
        if field and ffi.offsetof(ctype, *field) != struct.calcsize(fmt):
            raise ImportError(f"sysmon: {ctype} field {field} moved; update _native")
        fmt += piece
    s = struct.Struct(fmt)
    if s.size != ffi.sizeof(ctype):
        raise ImportError(f"sysmon: {ctype} size mismatch ({ffi.sizeof(ctype)} vs {s.size})")
    return s


_DEC = "QI4x"
_CPU_LINE = _layout("struct sm_cpu_line", ((("cpu",), "q"), (("n_modes",), "I4x"),
                                           (("ticks",), "10Q")))
_KV = _layout("struct sm_kv", ((("value",), "Q"), (("key_off",), "I"), (("key_len",), "I"),
                               (("kb",), "I4x")))
_LOADAVG = _layout("struct sm_loadavg", (
    (("avg", 0, "m"), "Q"), (("avg", 0, "scale"), "I4x"), (("avg", 1), _DEC),
    (("avg", 2), _DEC), (("running",), "Q"), (("total",), "Q"), (("last_pid",), "Q")))
_UPTIME = _layout("struct sm_uptime", ((("up",), _DEC), (("idle",), _DEC)))
_PSI_LINE = _DEC * 3 + "Q"
_PSI = _layout("struct sm_psi", (
    (("some", "avg10"), _DEC), (("some", "avg60"), _DEC), (("some", "avg300"), _DEC),
    (("some", "total"), "Q"), (("full",), _PSI_LINE), (("have_some",), "I"),
    (("have_full",), "I")))
_MOUNT = _layout("struct sm_mount", ((("mount_id",), "q"), (("parent_id",), "q"),
                                     (("major",), "Q"), (("minor",), "Q"),
                                     (("str_off",), "7Q"), (("str_len",), "7Q")))
_DISK = _layout("struct sm_disk", ((("major",), "Q"), (("minor",), "Q"), (("name_off",), "Q"),
                                   (("name_len",), "Q"), (("n_stats",), "I4x"), (("v",), "17Q")))
_NETDEV = _layout("struct sm_netdev", ((("name_off",), "Q"), (("name_len",), "Q"),
                                       (("v",), "16Q")))
_RANGE = _layout("struct sm_range", ((("lo",), "Q"), (("hi",), "Q")))
if (lib.SM_CPU_MODES, lib.SM_DISK_STATS, lib.SM_NET_STATS, lib.SM_ST_N, lib.SM_MNT_NSTR) != (
    10, 17, 16, 7, 7,
):
    raise ImportError("sysmon: table widths in sysmon.h changed; update _native")


class _Table:
    """A reusable row array for one table parser, grown on -ENOBUFS.
    Hold ``lock`` around :meth:`fill` and any use of ``extra``/``arena``."""

    def __init__(self, ctype: str, row: struct.Struct, what: str, cap: int) -> None:
        self.ctype = ctype
        self.row = row
        self.what = what
        self.n = ffi.new("size_t *")
        self.lock = threading.Lock()
        self.extra: Any = None
        self.arena: Any = None
        self.arena_cap = 0
        self._alloc(cap)

    def _alloc(self, cap: int) -> None:
        self.cap = cap
        self.rows = ffi.new(f"{self.ctype}[]", cap)
        self.view = memoryview(ffi.buffer(self.rows))

    def ensure_arena(self, size: int) -> None:
        if size > self.arena_cap or self.arena is None:
            self.arena_cap = max(size, 2 * self.arena_cap, 4096)
            self.arena = ffi.new("char[]", self.arena_cap)

    def fill(self, call: Callable[[Any, int, Any], int]) -> list[tuple[Any, ...]]:
        """Run call(rows, cap, n_ptr) until the rows fit; the rows, unpacked."""
        while True:
            rc = call(self.rows, self.cap, self.n)
            if rc != -errno.ENOBUFS or self.n[0] <= self.cap:
                break
            self._alloc(self.n[0] + self.n[0] // 4 + 8)
        _check(rc, self.what)
        return list(self.row.iter_unpack(self.view[: self.n[0] * self.row.size]))


_CPUS = _Table("struct sm_cpu_line", _CPU_LINE, "<cpustat buffer>", 64)
_CPUS.extra = ffi.new("struct sm_cpustat *")
_KVS = _Table("struct sm_kv", _KV, "<kv buffer>", 256)
_MOUNTS = _Table("struct sm_mount", _MOUNT, "<mountinfo buffer>", 64)
_DISKS = _Table("struct sm_disk", _DISK, "<diskstats buffer>", 64)
_NETDEVS = _Table("struct sm_netdev", _NETDEV, "<netdev buffer>", 16)
_RANGES = _Table("struct sm_range", _RANGE, "<cpulist buffer>", 8)


class _Out:
    """A reusable out-struct for a one-struct parser, with a buffer view of it.
    Hold ``lock`` from the call until the struct has been read."""

    def __init__(self, ctype: str) -> None:
        self.ptr = ffi.new(f"{ctype} *")
        self.view = ffi.buffer(self.ptr)
        self.lock = threading.Lock()


_LOADAVG_OUT = _Out("struct sm_loadavg")
_UPTIME_OUT = _Out("struct sm_uptime")
_PSI_OUT = _Out("struct sm_psi")
_I64_OUT = _Out("int64_t")
_QUOTA_OUT = _Out("int64_t")
_PERIOD = ffi.new("uint64_t *")  # under _QUOTA_OUT.lock


def _as_bytes(data: bytes) -> bytes:
    return data if type(data) is bytes else bytes(data)


class _Reader:
    """A context of its own for read_file, so reads never wait on a scan."""

    def __init__(self) -> None:
        ctxp = ffi.new("struct sm_ctx **")
        _check(lib.sm_ctx_new(ctxp), "read context")
        self.ctx = ffi.gc(ctxp[0], lib.sm_ctx_free)
        self.data = ffi.new("const char **")
        self.lock = threading.Lock()


_reader: _Reader | None = None


def read_file(path: str) -> bytes:
    """The whole file (sm_read_file); OSError with the errno and path."""
    global _reader
    p = os.fsencode(path)
    if b"\0" in p:
        raise ValueError("embedded null byte")
    if _reader is None:
        _reader = _Reader()
    r = _reader
    with r.lock:
        n = lib.sm_read_file(r.ctx, p, r.data)
        if n < 0:
            raise OSError(-n, os.strerror(-n), path)
        return ffi.unpack(r.data[0], n)


def parse_cpustat(data: bytes) -> CpuStat:
    data = _as_bytes(data)
    t = _CPUS
    with t.lock:
        st = t.extra
        rows = t.fill(lambda r, c, n: lib.sm_parse_cpustat(data, len(data), st, r, c, n))
        have = st.have
        v = ffi.unpack(st.v, lib.SM_ST_N)
    stats = tuple(x if have >> i & 1 else None for i, x in enumerate(v))
    return [(r[0], r[2 : 2 + r[1]]) for r in rows], stats


def parse_kv(data: bytes, colon: bool, keys: frozenset[bytes] | None = None) -> list[KvRow]:
    data = _as_bytes(data)
    c = 1 if colon else 0
    with _KVS.lock:
        if keys is None:
            rows = _KVS.fill(lambda r, cap, n: lib.sm_parse_kv(data, len(data), c, r, cap, n))
        else:
            packed = _packed_keys(keys)
            rows = _KVS.fill(lambda r, cap, n: lib.sm_parse_kv_pick(
                data, len(data), c, packed, len(packed), r, cap, n))
    return [(data[o : o + ln], v, kb != 0) for v, o, ln, kb in rows]


_packed: dict[frozenset[bytes], bytes] = {}


def _packed_keys(keys: frozenset[bytes]) -> bytes:
    """The NUL-separated key list sm_parse_kv_pick takes (a key with a NUL
    could never match a line, so it is dropped)."""
    p = _packed.get(keys)
    if p is None:
        p = b"\0".join(sorted(k for k in keys if b"\0" not in k))
        if len(_packed) < 64:
            _packed[keys] = p
    return p


def parse_loadavg(data: bytes) -> tuple[int, int, int, int, int, int, int, int, int]:
    data = _as_bytes(data)
    o = _LOADAVG_OUT
    with o.lock:
        _check(lib.sm_parse_loadavg(data, len(data), o.ptr), "<loadavg buffer>")
        return _LOADAVG.unpack(o.view)


def parse_uptime(data: bytes) -> tuple[int, int, int, int]:
    data = _as_bytes(data)
    o = _UPTIME_OUT
    with o.lock:
        _check(lib.sm_parse_uptime(data, len(data), o.ptr), "<uptime buffer>")
        return _UPTIME.unpack(o.view)


def parse_pressure(data: bytes) -> tuple[PsiRaw | None, PsiRaw | None]:
    data = _as_bytes(data)
    o = _PSI_OUT
    with o.lock:
        _check(lib.sm_parse_pressure(data, len(data), o.ptr), "<pressure buffer>")
        t = _PSI.unpack(o.view)
    return (t[0:7] if t[14] else None), (t[7:14] if t[15] else None)


def parse_mountinfo(data: bytes) -> list[MountRaw]:
    data = _as_bytes(data)
    size = len(data)
    t = _MOUNTS
    with t.lock:
        t.ensure_arena(size)
        arena, cap = t.arena, t.arena_cap
        rows = t.fill(
            lambda r, c, n: lib.sm_parse_mountinfo(data, size, r, c, arena, cap, n)
        )
        a = ffi.buffer(arena, size)[:]
    return [
        (r[0], r[1], r[2], r[3],
         a[r[4] : r[4] + r[11]], a[r[5] : r[5] + r[12]], a[r[6] : r[6] + r[13]],
         a[r[7] : r[7] + r[14]], a[r[8] : r[8] + r[15]], a[r[9] : r[9] + r[16]],
         a[r[10] : r[10] + r[17]])
        for r in rows
    ]


def parse_diskstats(data: bytes) -> list[DiskRaw]:
    data = _as_bytes(data)
    with _DISKS.lock:
        rows = _DISKS.fill(lambda r, c, n: lib.sm_parse_diskstats(data, len(data), r, c, n))
    return [(r[0], r[1], data[r[2] : r[2] + r[3]], r[5 : 5 + r[4]]) for r in rows]


def parse_netdev(data: bytes) -> list[NetRaw]:
    data = _as_bytes(data)
    with _NETDEVS.lock:
        rows = _NETDEVS.fill(lambda r, c, n: lib.sm_parse_netdev(data, len(data), r, c, n))
    return [(data[r[0] : r[0] + r[1]], r[2:]) for r in rows]


def parse_cpulist(data: bytes) -> list[tuple[int, int]]:
    data = _as_bytes(data)
    with _RANGES.lock:
        return _RANGES.fill(lambda r, c, n: lib.sm_parse_cpulist(data, len(data), r, c, n))


def parse_cpumax(data: bytes) -> tuple[int, int]:
    data = _as_bytes(data)
    o = _QUOTA_OUT
    with o.lock:
        _check(lib.sm_parse_cpumax(data, len(data), o.ptr, _PERIOD), "<cpumax buffer>")
        return int(o.ptr[0]), int(_PERIOD[0])


def parse_int(data: bytes) -> int:
    data = _as_bytes(data)
    o = _I64_OUT
    with o.lock:
        _check(lib.sm_parse_int(data, len(data), o.ptr), "<int buffer>")
        return int(o.ptr[0])


from sysmon._native_net import *  # noqa: E402,F403
from sysmon._native_pid import *  # noqa: E402,F403
