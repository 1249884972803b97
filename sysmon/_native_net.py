"""The C backend of the socket readers: csrc/parse_net.c and csrc/scan_net.c.

Exposes the functions of the contract in sysmon._rawnet, with its raw tuple
shapes and acceptance rules (sysmon._pure_net is the Python twin);
sysmon._native re-exports them.  Rows come back from C as arrays of
``struct sm_sock`` and are unpacked with struct layouts checked against the
compiler's, in one ``iter_unpack`` pass per call.  Arrays are reused and
grown on -ENOBUFS.
"""

from __future__ import annotations

import errno
import os
import struct
import sys
import threading
from typing import Any, Callable

from sysmon._rawnet import SockRaw, SockRef
from sysmon._sysmon_c import ffi, lib
from sysmon.errors import ParseError

__all__ = [
    "diag_dump",
    "parse_diag",
    "parse_net_inet",
    "parse_net_unix",
    "parse_socklink",
    "read_sockfds",
    "scan_sockfds",
]

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
# SM_DIAG_ERROR: the error is an NLMSG_ERROR's errno, not a malformed reply.
_DIAG_ERRMSG = 0x4
_DIAG_PUBLIC = 0x3  # SM_DIAG_DONE | SM_DIAG_INTR: what parse_diag returns
# What sm_diag_dump returns for a malformed or truncated reply (csrc/scan_net.c).
_DIAG_MALFORMED = -errno.EBADMSG
_INT32_MAX = 2**31 - 1

_DIAG_WHAT = "<sock_diag reply>"
_INET_WHAT = "<net/inet buffer>"
_UNIX_WHAT = "<net/unix buffer>"

if (lib.SM_SKH_UID, lib.SM_SKH_QUEUES, lib.SM_SKH_PEER, lib.SM_SKH_NAME, lib.SM_SKH_INFO,
        lib.SM_SKH_BYTES, lib.SM_DIAG_DONE | lib.SM_DIAG_INTR, lib.SM_NAME_CAP,
        lib.SM_DIAG_ERROR) != (1, 2, 4, 8, 0x10, 0x20, _DIAG_PUBLIC, 64, _DIAG_ERRMSG):
    raise ImportError("sysmon: socket constants in sysmon.h changed; update _native_net")


# --- struct layouts, checked against the compiler's -----------------------------

_SOCK_T = "struct sm_sock"
_SOCK_SIZE: int = ffi.sizeof(_SOCK_T)
# Every field of struct sm_sock, in order, with its struct code.
# The first twelve are SockRaw's first twelve, in its order.
_SOCK_FIELDS = (
    ("family", "B"), ("type", "H"), ("proto", "B"), ("state", "B"), ("laddr", "16s"),
    ("lport", "H"), ("raddr", "16s"), ("rport", "H"), ("inode", "Q"), ("uid", "I"),
    ("rqueue", "I"), ("wqueue", "I"), ("peer", "I"), ("flags", "I"), ("have", "I"),
    ("rtt", "I"), ("rttvar", "I"), ("retrans", "I"), ("name_off", "Q"), ("name_len", "Q"),
    ("bytes_acked", "Q"), ("bytes_received", "Q"),
)


def _pick(*names: str, v4: bool = False) -> struct.Struct:
    """A struct.Struct over one struct sm_sock that unpacks only ``names``
    (in struct order), skipping the other bytes; with v4 the addresses are
    cut to their first 4 bytes.  Offsets and sizes are the compiler's."""
    fields = dict(ffi.typeof(_SOCK_T).fields)
    if [f for f, _ in _SOCK_FIELDS] != list(fields):
        raise ImportError("sysmon: struct sm_sock fields changed; update _native_net")
    fmt, pos = "=", 0
    for name, code in _SOCK_FIELDS:
        f = fields[name]
        size = struct.calcsize("=" + code)
        if f.offset < pos or ffi.sizeof(f.type) != size:
            raise ImportError(f"sysmon: struct sm_sock field {name} changed; update _native_net")
        if f.offset > pos:
            fmt += f"{f.offset - pos}x"
        if name not in names:
            fmt += f"{size}x"
        elif v4 and code == "16s":
            fmt += "4s12x"
        else:
            fmt += code
        pos = f.offset + size
    if pos < _SOCK_SIZE:
        fmt += f"{_SOCK_SIZE - pos}x"
    s = struct.Struct(fmt)
    if s.size != _SOCK_SIZE:
        raise ImportError(f"sysmon: struct sm_sock size mismatch ({_SOCK_SIZE} vs {s.size})")
    return s


_ALL = _pick(*(f for f, _ in _SOCK_FIELDS))
_INET_NAMES = tuple(f for f, _ in _SOCK_FIELDS[:12])
_TAIL = (None, None, 0, None)  # name, peer, flags, info of an inet row
_INFO_NAMES = ("bytes_acked", "bytes_received", "have", "rtt", "rttvar", "retrans")
_INET4 = _pick(*_INET_NAMES, v4=True)
_INET6 = _pick(*_INET_NAMES)
_INET4_INFO = _pick(*_INET_NAMES, *_INFO_NAMES, v4=True)
_INET6_INFO = _pick(*_INET_NAMES, *_INFO_NAMES)
_UNIX_NAMES = ("inode", "name_off", "name_len", "uid", "rqueue", "wqueue", "peer", "flags",
               "have", "state")
_UNIX_DIAG = _pick(*_UNIX_NAMES, "type")
_UNIX_PROC = _UNIX_DIAG

_OFF_FAMILY: int = ffi.offsetof(_SOCK_T, "family")
# The byte of `have` that holds SM_SKH_INFO (its lowest-order byte).
_OFF_HAVE_LOW: int = ffi.offsetof(_SOCK_T, "have") + (0 if sys.byteorder == "little" else 3)
_INFO_BIT = bytes(1 if b & 0x10 else 0 for b in range(256))

_REF = struct.Struct("=Qii")
_PIDNAME = struct.Struct("=iiI64s")
if (_REF.size, _PIDNAME.size) != (ffi.sizeof("struct sm_sockref"),
                                  ffi.sizeof("struct sm_pidname")) or (
        ffi.offsetof("struct sm_sockref", "fd"), ffi.offsetof("struct sm_pidname", "name")
) != (12, 12):
    raise ImportError("sysmon: struct sm_sockref/sm_pidname changed; update _native_net")


# --- rows to SockRaw -------------------------------------------------------------


def _one(t: tuple[Any, ...], names: bytes) -> SockRaw:
    """Any row (full layout), by its have bits: the slow, general path."""
    (fam, ty, pr, st, la, lp, ra, rp, ino, uid, rq, wq, peer, fl, h, rtt, rv, rx, noff, nlen,
     ba, br) = t
    if fam == AF_UNIX:
        la = ra = b""
    elif fam == AF_INET:
        la, ra = la[:4], ra[:4]
    info = None
    if h & 0x10:
        info = (rtt, rv, rx, ba, br) if h & 0x20 else (rtt, rv, rx, None, None)
    return (
        fam, ty, pr, st, la, lp, ra, rp, ino,
        uid if h & 1 else None, rq if h & 2 else None, wq if h & 2 else None,
        names[noff : noff + nlen] if h & 8 else None, peer if h & 4 else None, fl, info,
    )


def _rows(data: memoryview, n: int, names: bytes, proc_unix: bool = False) -> list[SockRaw]:
    """n struct sm_sock rows to SockRaw tuples.  Unix names are slices of
    ``names`` (the parser's input, or the dump's arena).  Calls whose rows
    all have one family (every real dump and file) take a fast path."""
    if n == 0:
        return []
    data = data[: n * _SOCK_SIZE]
    fams = data[_OFF_FAMILY::_SOCK_SIZE].tobytes()
    fam = fams[0]
    if fams.count(fam) == n:
        if fam == AF_UNIX:
            return _unix_rows(data, names, proc_unix)
        if fam in (AF_INET, AF_INET6) and not proc_unix:
            return _inet_rows(data, fam)
    return [_one(t, names) for t in _ALL.iter_unpack(data)]


def _unix_rows(data: memoryview, names: bytes, proc_unix: bool) -> list[SockRaw]:
    if proc_unix:  # /proc/net/unix: only a name is ever given
        return [
            (1, ty, 0, st, b"", 0, b"", 0, ino, None, None, None,
             names[no : no + nl] if h & 8 else None, None, fl, None)
            for ty, st, ino, _u, _r, _w, _p, fl, h, no, nl in _UNIX_PROC.iter_unpack(data)
        ]
    return [
        (1, ty, 0, st, b"", 0, b"", 0, ino,
         u if h & 1 else None, r if h & 2 else None, w if h & 2 else None,
         names[no : no + nl] if h & 8 else None, p if h & 4 else None, fl, None)
        for ty, st, ino, u, r, w, p, fl, h, no, nl in _UNIX_DIAG.iter_unpack(data)
    ]


def _inet_rows(data: memoryview, fam: int) -> list[SockRaw]:
    """Rows that are all AF_INET (addresses cut to 4 bytes) or all AF_INET6."""
    if b"\x01" not in data[_OFF_HAVE_LOW::_SOCK_SIZE].tobytes().translate(_INFO_BIT):
        # the struct's first fields are SockRaw's: one unpack, one concatenation
        tail = _TAIL
        return [t + tail for t in (_INET4 if fam == AF_INET else _INET6).iter_unpack(data)]
    s = _INET4_INFO if fam == AF_INET else _INET6_INFO
    return [
        (f, ty, pr, st, la, lp, ra, rp, ino, u, r, w, None, None, 0,
         ((rtt, rv, rx, ba, br) if h & 0x20 else (rtt, rv, rx, None, None))
         if h & 0x10 else None)
        for f, ty, pr, st, la, lp, ra, rp, ino, u, r, w, h, rtt, rv, rx, ba, br
        in s.iter_unpack(data)
    ]


def _os_error(err: int, filename: str | None = None) -> OSError:
    """OSError(err) with its message (an NLMSG_ERROR may carry any i32)."""
    try:
        msg = os.strerror(err)
    except (ValueError, OverflowError):
        msg = f"Unknown error {err}"
    return OSError(err, msg) if filename is None else OSError(err, msg, filename)


def _as_bytes(data: bytes) -> bytes:
    return data if type(data) is bytes else bytes(data)


def _c_proto(proto: int) -> int:
    """The proto argument for C, whose rows hold it in 8 bits: itself, or -1
    (not TCP either) when it does not fit; _fix_proto then puts it back."""
    return proto if 0 <= proto <= 255 else -1


def _fix_proto(rows: list[SockRaw], proto: int) -> list[SockRaw]:
    """Inet rows carry the proto they were asked for, whatever int it is."""
    return [r if r[0] == AF_UNIX else (*r[:2], proto, *r[3:]) for r in rows]


# --- reusable arrays -------------------------------------------------------------


class _Socks:
    """A reusable struct sm_sock array (and, for dumps, a scan context and a
    name arena), grown on -ENOBUFS.  Hold ``lock`` from the C call until the
    rows have been converted."""

    def __init__(self, cap: int, arena_cap: int = 0, ctx: bool = False) -> None:
        self.lock = threading.Lock()
        self.n = ffi.new("size_t *")
        self.used = ffi.new("size_t *")
        self.status = ffi.new("uint32_t *")
        self.ctx: Any = None
        if ctx:
            ctxp = ffi.new("struct sm_ctx **")
            rc = lib.sm_ctx_new(ctxp)
            if rc < 0:
                raise _os_error(-rc)
            self.ctx = ffi.gc(ctxp[0], lib.sm_ctx_free)
        self._alloc(cap)
        self._alloc_arena(arena_cap)

    def _alloc(self, cap: int) -> None:
        self.cap = cap
        self.rows = ffi.new(f"{_SOCK_T}[]", cap)
        self.view = memoryview(ffi.buffer(self.rows))

    def _alloc_arena(self, cap: int) -> None:
        self.arena_cap = cap
        self.arena = ffi.new("char[]", max(cap, 1))

    def grow(self, n: int, used: int = 0) -> bool:
        """After -ENOBUFS: grow what was too small; False when nothing was
        (the -ENOBUFS was an errno of its own)."""
        grown = False
        if n > self.cap:
            self._alloc(n + n // 4 + 16)
            grown = True
        if used > self.arena_cap:
            self._alloc_arena(used + used // 4 + 1024)
            grown = True
        return grown


def _fill(t: _Socks, call: Callable[[Any, int], int], what: str) -> int:
    """Run call(rows, cap) (filling t.n) until the rows fit; the row count.
    -EINVAL raises ParseError(what)."""
    while True:
        rc = call(t.rows, t.cap)
        if rc != -errno.ENOBUFS or not t.grow(t.n[0]):
            break
    if rc == -errno.EINVAL:
        raise ParseError(what, "malformed content")
    if rc < 0:
        raise _os_error(-rc)
    return int(t.n[0])


# --- parsers (pure functions over bytes) -------------------------------------------

_INET_T = _Socks(256)
_UNIX_T = _Socks(256)
_DIAG_T = _Socks(256)


def parse_net_inet(data: bytes, family: int, proto: int) -> list[SockRaw]:
    """/proc/net/{tcp,udp}[6] (family AF_INET or AF_INET6)."""
    if family not in (AF_INET, AF_INET6):
        raise ValueError(f"family must be AF_INET or AF_INET6, not {family}")
    data = _as_bytes(data)
    size = len(data)
    cproto = _c_proto(proto)
    t = _INET_T
    with t.lock:
        n = _fill(t, lambda r, c: lib.sm_parse_net_inet(data, size, family, cproto, r, c, t.n),
                  _INET_WHAT)
        rows = _rows(t.view, n, data)
    return rows if 0 <= proto <= 255 else _fix_proto(rows, proto)


def parse_net_unix(data: bytes) -> list[SockRaw]:
    """/proc/net/unix."""
    data = _as_bytes(data)
    size = len(data)
    t = _UNIX_T
    with t.lock:
        n = _fill(t, lambda r, c: lib.sm_parse_net_unix(data, size, r, c, t.n), _UNIX_WHAT)
        return _rows(t.view, n, data, proc_unix=True)


def parse_diag(data: bytes, proto: int) -> tuple[list[SockRaw], int]:
    """One recv() buffer of sock_diag messages: (rows, status bits)."""
    data = _as_bytes(data)
    size = len(data)
    cproto = _c_proto(proto)
    t = _DIAG_T
    with t.lock:
        while True:
            rc = lib.sm_parse_diag(data, size, cproto, t.rows, t.cap, t.n, t.status)
            status = int(t.status[0])
            if status & _DIAG_ERRMSG:  # an NLMSG_ERROR message, errno as is
                raise _os_error(-rc)
            if rc != -errno.ENOBUFS or not t.grow(t.n[0]):
                break
        if rc < 0:
            raise ParseError(_DIAG_WHAT, "malformed netlink message")
        rows = _rows(t.view, int(t.n[0]), data)
    return (rows if 0 <= proto <= 255 else _fix_proto(rows, proto)), status & _DIAG_PUBLIC


def parse_socklink(data: bytes) -> int | None:
    """``socket:[N]`` exactly -> N, else None."""
    data = _as_bytes(data)
    out = ffi.new("uint64_t *")
    if lib.sm_parse_socklink(data, len(data), out) != 0:
        return None
    return int(out[0])


# --- I/O -----------------------------------------------------------------------------

_dump: _Socks | None = None


def diag_dump(family: int, proto: int, states: int, want_info: bool) -> list[SockRaw]:
    """One NETLINK_SOCK_DIAG dump: AF_INET/AF_INET6 with proto TCP or UDP, or
    AF_UNIX (proto ignored).  states is the kernel's mask (1 << state)."""
    global _dump
    if family not in (AF_UNIX, AF_INET, AF_INET6):
        raise ValueError(f"family must be AF_UNIX, AF_INET or AF_INET6, not {family}")
    if family == AF_UNIX:
        proto = 0
    elif not 0 <= proto <= 255:
        raise ValueError(f"protocol {proto} is not an IP protocol number (0..255)")
    if _dump is None:
        _dump = _Socks(1024, 1 << 16, ctx=True)
    t = _dump
    info = 1 if want_info else 0
    with t.lock:
        while True:
            rc = lib.sm_diag_dump(t.ctx, family, proto, states, info, t.rows, t.cap,
                                  t.arena, t.arena_cap, t.n, t.used)
            if rc != -errno.ENOBUFS or not t.grow(t.n[0], t.used[0]):
                break
        if rc == _DIAG_MALFORMED:
            raise ParseError(_DIAG_WHAT, "malformed or truncated netlink reply")
        if rc != 0:
            raise _os_error(-rc)
        used = int(t.used[0])
        names = ffi.buffer(t.arena, used)[:] if used else b""
        return _rows(t.view, int(t.n[0]), names)


class _Fds:
    """Reusable sm_sockref and sm_pidname arrays and a scan context."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        ctxp = ffi.new("struct sm_ctx **")
        rc = lib.sm_ctx_new(ctxp)
        if rc < 0:
            raise _os_error(-rc)
        self.ctx = ffi.gc(ctxp[0], lib.sm_ctx_free)
        self.n_refs = ffi.new("size_t *")
        self.n_names = ffi.new("size_t *")
        self._alloc(1024, 256)

    def _alloc(self, cap: int, names_cap: int) -> None:
        self.cap = cap
        self.refs = ffi.new("struct sm_sockref[]", cap)
        self.refs_view = memoryview(ffi.buffer(self.refs))
        self.names_cap = names_cap
        self.names = ffi.new("struct sm_pidname[]", names_cap)
        self.names_view = memoryview(ffi.buffer(self.names))

    def grow(self, n_refs: int, n_names: int) -> bool:
        if n_refs <= self.cap and n_names <= self.names_cap:
            return False
        self._alloc(max(self.cap, n_refs + n_refs // 4 + 64),
                    max(self.names_cap, n_names + n_names // 4 + 16))
        return True


_fds: _Fds | None = None


def _get_fds() -> _Fds:
    global _fds
    if _fds is None:
        _fds = _Fds()
    return _fds


def scan_sockfds(
    proc_path: str, only_pid: int | None
) -> tuple[list[SockRef], dict[int, bytes | None]]:
    """(refs, names): every socket fd under proc_path (or of only_pid) as
    (inode, pid, fd), and the comm of each pid in refs."""
    path = os.fsencode(proc_path)
    if b"\0" in path:
        raise ValueError("embedded null byte")
    if only_pid is not None and not 1 <= only_pid <= _INT32_MAX:
        # no such pid directory can exist: only proc_path itself is checked
        os.close(os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
        return [], {}
    pid = -1 if only_pid is None else only_pid
    t = _get_fds()
    with t.lock:
        while True:
            rc = lib.sm_scan_sockfds(t.ctx, path, pid, t.refs, t.cap, t.names, t.names_cap,
                                     t.n_refs, t.n_names)
            if rc != -errno.ENOBUFS or not t.grow(t.n_refs[0], t.n_names[0]):
                break
        if rc < 0:
            raise _os_error(-rc, proc_path)
        refs = list(_REF.iter_unpack(t.refs_view[: t.n_refs[0] * _REF.size]))
        names = {
            p: (nm[:ln] if err == 0 else None)
            for p, err, ln, nm in _PIDNAME.iter_unpack(
                t.names_view[: t.n_names[0] * _PIDNAME.size])
        }
    return refs, names


def read_sockfds(dirfd: int, pid: int) -> list[SockRef] | None:
    """The socket fds of one process through its held directory fd; None when
    it is gone."""
    t = _get_fds()
    with t.lock:
        while True:
            rc = lib.sm_read_sockfds(t.ctx, dirfd, pid, t.refs, t.cap, t.n_refs)
            if rc != -errno.ENOBUFS or not t.grow(t.n_refs[0], 0):
                break
        if rc == -errno.ESRCH:
            return None
        if rc < 0:
            raise _os_error(-rc)
        return list(_REF.iter_unpack(t.refs_view[: t.n_refs[0] * _REF.size]))
