"""The pure-Python socket readers: the twin of csrc/parse_net.c and scan_net.c.

Every function follows the contract in :mod:`sysmon._rawnet` to the letter
(same raw tuples, same accept/reject decisions); sysmon._pure re-exports them.
Malformed input raises ``ParseError("<what>", detail)``, never IndexError,
ValueError or struct.error.

Speed: the /proc/net tables are checked and cut by one findall() over the
whole buffer (each match is one whole line, so as many matches as lines
means every line is a row); only then, or for the odd file with blank lines,
bad lines or names spanning lines, are they walked line by line.  Decoded
addresses and other repeated fields are cached.
"""

from __future__ import annotations

import binascii
import errno
import itertools
import os
import re
import socket
import struct
import sys

from sysmon._pure_sys import read_at
from sysmon._rawnet import NAME_CAP, SockRaw, SockRef
from sysmon.errors import ParseError

__all__ = [
    "diag_dump", "parse_diag", "parse_net_inet", "parse_net_unix", "parse_socklink",
    "read_sockfds", "scan_sockfds",
]

U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1
PID_MAX = (1 << 31) - 1

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
SOCK_STREAM, SOCK_DGRAM = 1, 2
IPPROTO_TCP = 6

_INET, _UNIX, _DIAG = "<net/tcp buffer>", "<net/unix buffer>", "<sock_diag reply>"


class _Bad(ValueError):
    pass


def _u64(tok: bytes, cap: int = U64_MAX) -> int | None:
    """A token of ``[0-9]+`` (leading zeros allowed) as an int within cap, else None."""
    if not tok.isdigit():  # ASCII digits only, False on b""
        return None
    if len(tok) > 19:
        tok = tok.lstrip(b"0") or b"0"
        if len(tok) > 20:
            return None
    v = int(tok)
    return v if v <= cap else None


def _rows(rx: re.Pattern[bytes], data: bytes) -> tuple[list[tuple[bytes, ...]], list[bytes]]:
    """(the groups of every line after the first that is a whole match of rx,
    those lines) when every one is; else ([], the lines)."""
    start = data.find(b"\n") + 1
    if not start:
        return [], []  # a header alone
    found: list[tuple[bytes, ...]] = rx.findall(data, start)
    nlines = data.count(b"\n", start) + (len(data) > start and data[-1] != 0x0A)
    if len(found) == nlines:
        return found, []
    return [], _lines(data)


def _lines(data: bytes) -> list[bytes]:
    """data's lines after the first (the header)."""
    lines = data.split(b"\n")[1:]
    if lines and lines[-1] == b"":
        lines.pop()  # the empty piece after a final newline is not a line
    return lines


# --- /proc/net/{tcp,udp}[6] ----------------------------------------------------------

_H, _B, _TOK = rb"[0-9A-Fa-f]", rb"[ \t]+", rb"[^ \t\n]+"


def _inet_rx(alen: int) -> re.Pattern[bytes]:
    """sl: ADDR:PORT ADDR:PORT st TX:RX _ _ uid _ inode [rest] (tokens 1..10)."""
    ap = rb"(%s{%d}):(%s{4})" % (_H, alen, _H)
    return re.compile(
        rb"^[ \t]*[0-9]+:" + _B + ap + _B + ap + _B + rb"(%s{1,2})" % _H + _B
        + rb"(%s{1,8}:%s{1,8})" % (_H, _H) + _B + _TOK + _B + _TOK + _B + rb"([0-9]+)"
        + _B + _TOK + _B + rb"([0-9]+)(?:[ \t][^\n]*)?$",
        re.M,
    )


_INET_RX = {AF_INET: _inet_rx(8), AF_INET6: _inet_rx(32)}
_ADDRS: dict[bytes, bytes] = {}  # ADDR hex (checked) -> address bytes
_QUEUES: dict[bytes, tuple[int, int]] = {}  # TX:RX (checked) -> (rqueue, wqueue)
_CACHE_MAX = 4096
_WORDS_BE = struct.Struct(">4I")  # the printed words ...
_WORDS_HOST = struct.Struct("=4I")  # ... as they were in memory


def _addr(hexs: bytes) -> bytes:
    """1 or 4 words of 8 hex digits, each a u32 printed from memory: its
    host-order bytes are the address bytes."""
    a = _ADDRS.get(hexs)
    if a is None:
        if len(hexs) == 8:
            a = int(hexs, 16).to_bytes(4, sys.byteorder)
        else:
            a = _WORDS_HOST.pack(*_WORDS_BE.unpack(binascii.unhexlify(hexs)))
        if len(_ADDRS) >= _CACHE_MAX:
            _ADDRS.clear()
        _ADDRS[hexs] = a
    return a


def _queues(q: bytes) -> tuple[int, int]:
    v = _QUEUES.get(q)
    if v is None:
        tx, _, rx = q.partition(b":")
        v = int(rx, 16), int(tx, 16)
        if len(_QUEUES) >= _CACHE_MAX:
            _QUEUES.clear()
        _QUEUES[q] = v
    return v


def parse_net_inet(data: bytes, family: int, proto: int) -> list[SockRaw]:
    """One raw tuple per row of /proc/net/{tcp,udp}[6]: see sysmon._rawnet."""
    rx = _INET_RX.get(family)
    if rx is None:
        raise ValueError(f"parse_net_inet: family {family} is not AF_INET or AF_INET6")
    found, lines = _rows(rx, data)
    for line in lines:
        m = rx.fullmatch(line)
        if m is not None:
            found.append(m.groups())
        elif line.strip(b" \t"):
            raise ParseError(_INET, f"malformed row {line[:80]!r}")
    stype = SOCK_STREAM if proto == IPPROTO_TCP else SOCK_DGRAM
    out: list[SockRaw] = []
    append, addrs, queues = out.append, _ADDRS, _QUEUES  # cache hits without a call
    for la, lp, ra, rp, st, q, uid, ino in found:
        u = int(uid) if len(uid) < 10 else _u64(uid, U32_MAX)
        n = int(ino) if len(ino) < 20 else _u64(ino)
        if u is None or n is None:
            raise ParseError(_INET, f"uid {uid[:40]!r} or inode {ino[:40]!r} out of range")
        v = int(st + lp + rp, 16)  # state, lport, rport
        rq, wq = queues.get(q) or _queues(q)
        append((family, stype, proto, v >> 32, addrs.get(la) or _addr(la), (v >> 16) & 0xFFFF,
                addrs.get(ra) or _addr(ra), v & 0xFFFF, n, u, rq, wq, None, None, 0, None))
    return out


# --- /proc/net/unix ----------------------------------------------------------------------

# Num: RefCount Protocol (Flags Type St) Inode( name)
_UNIX_RX = re.compile(
    rb"^[ \t]*%s+:%s%s{1,8}%s%s{1,8}%s(%s{1,8}%s%s{1,8}%s%s{1,8})%s([0-9]+)((?: [^\n]*)?)$"
    % (_H, _B, _H, _B, _H, _B, _H, _B, _H, _B, _H, _B),
    re.M,
)
_FTS: dict[bytes, tuple[int, int, int]] = {}  # "Flags Type St" -> values, type -1: too big


def _unix_row(fts: bytes, ino: bytes, name: bytes) -> SockRaw | None:
    """The raw tuple of a line matching _UNIX_RX, or None when it is not a
    row after all (Type or St too big, inode out of range)."""
    v = _FTS.get(fts)
    if v is None:
        f, t, s = (int(x, 16) for x in fts.split())
        v = (f, t, s) if t <= 0xFFFF and s <= 0xFF else (f, -1, -1)
        if len(_FTS) >= _CACHE_MAX:
            _FTS.clear()
        _FTS[fts] = v
    if v[1] < 0:
        return None
    n = int(ino) if len(ino) < 20 else _u64(ino)
    if n is None:
        return None
    return (AF_UNIX, v[1], 0, v[2], b"", 0, b"", 0, n, None, None, None,
            name[1:] if name else None, None, v[0], None)


def parse_net_unix(data: bytes) -> list[SockRaw]:
    """One raw tuple per socket of /proc/net/unix: see sysmon._rawnet."""
    found, lines = _rows(_UNIX_RX, data)
    out: list[SockRaw] = []
    for fts, ino, name in found:
        row = _unix_row(fts, ino, name)
        if row is None:  # a line that is not a row after all: the slow way
            return _parse_net_unix_lines(_lines(data))
        out.append(row)
    return _parse_net_unix_lines(lines) if lines else out


def _parse_net_unix_lines(lines: list[bytes]) -> list[SockRaw]:
    out: list[SockRaw] = []
    named = False  # the row before this line has a name
    for line in lines:
        m = _UNIX_RX.fullmatch(line)
        row = None if m is None else _unix_row(*m.groups())
        if row is not None:
            out.append(row)
            named = row[12] is not None
        elif named:  # a '\n' in the name of the row before
            prev = out[-1]
            out[-1] = (*prev[:12], prev[12] + b"\n" + line, *prev[13:])
        elif line.strip(b" \t"):
            raise ParseError(_UNIX, f"malformed row {line[:80]!r}")
    return out


# --- sock_diag replies -------------------------------------------------------------------

_NLH = struct.Struct("=IHHII")  # nlmsghdr: len, type, flags, seq, pid
_ERR = struct.Struct("=i")
_INET4_MSG = struct.Struct("=BB6x4s12x4s12x16xIIII")  # family state .. src dst .. rq wq uid ino
_INET6_MSG = struct.Struct("=BB6x16s16s16xIIII")
_PORTS = struct.Struct("!HH")
_UNIX_MSG = struct.Struct("=BBBxI8x")  # family type state pad ino cookie[2]
_RTA = struct.Struct("=HH")
_U32 = struct.Struct("=I")
_U32X2 = struct.Struct("=II")  # also tcp_info's rtt, rttvar at 68
_U64X2 = struct.Struct("=QQ")  # bytes_acked, bytes_received at 120
_NLMSG_NOOP, _NLMSG_ERROR, _NLMSG_DONE, _SOCK_DIAG_BY_FAMILY = 1, 2, 3, 20
_NLM_F_DUMP_INTR = 0x10


def _attr_at(data: bytes, a: int, end: int) -> tuple[int, int]:
    """(len, type) of the attribute at a, checked against the message end."""
    if end - a < 4:
        raise _Bad(f"{end - a} bytes left over after the attributes")
    alen, atype = _RTA.unpack_from(data, a)
    if alen < 4 or alen > end - a:
        raise _Bad(f"attribute length {alen} with {end - a} bytes left")
    return alen, atype


def _inet_sock(data: bytes, p: int, end: int, fam: int, proto: int) -> SockRaw:
    if end - p < 72:
        raise _Bad(f"inet_diag_msg of {end - p} bytes")
    _, state, src, dst, rq, wq, uid, ino = (
        _INET4_MSG if fam == AF_INET else _INET6_MSG
    ).unpack_from(data, p)
    sport, dport = _PORTS.unpack_from(data, p + 4)
    info = None
    a = p + 72
    while a < end:
        alen, atype = _attr_at(data, a, end)
        if atype & 0x3FFF == 2 and alen >= 108:  # INET_DIAG_INFO: tcp_info
            rtt, rttvar = _U32X2.unpack_from(data, a + 72)
            retrans = _U32.unpack_from(data, a + 104)[0]
            acked = rcvd = None
            if alen >= 140:
                acked, rcvd = _U64X2.unpack_from(data, a + 124)
            info = (rtt, rttvar, retrans, acked, rcvd)
        a += (alen + 3) & ~3
    stype = SOCK_STREAM if proto == IPPROTO_TCP else SOCK_DGRAM
    return (fam, stype, proto, state, src, sport, dst, dport, ino, uid, rq, wq, None, None,
            0, info)


def _unix_sock(data: bytes, p: int, end: int) -> SockRaw:
    if end - p < 16:
        raise _Bad(f"unix_diag_msg of {end - p} bytes")
    _, typ, state, ino = _UNIX_MSG.unpack_from(data, p)
    name: bytes | None = None
    peer = uid = rq = wq = None
    a = p + 16
    while a < end:
        alen, atype = _attr_at(data, a, end)
        kind, plen = atype & 0x3FFF, alen - 4
        if kind == 0:  # UNIX_DIAG_NAME
            name = data[a + 4 : a + alen]
        elif kind in (2, 4, 7) and plen < (8 if kind == 4 else 4):
            raise _Bad(f"attribute {kind} of {plen} bytes")
        elif kind == 2:  # UNIX_DIAG_PEER
            peer = _U32.unpack_from(data, a + 4)[0]
        elif kind == 4:  # UNIX_DIAG_RQLEN
            rq, wq = _U32X2.unpack_from(data, a + 4)
        elif kind == 7:  # UNIX_DIAG_UID
            uid = _U32.unpack_from(data, a + 4)[0]
        a += (alen + 3) & ~3
    return (AF_UNIX, typ, 0, state, b"", 0, b"", 0, ino, uid, rq, wq, name, peer, 0, None)


def _nl_error(err: int) -> OSError:
    code = -err
    return OSError(code, os.strerror(code) if code < 1 << 31 else f"Unknown error {code}")


def parse_diag(data: bytes, proto: int) -> tuple[list[SockRaw], int]:
    """(sockets, status) of one recv() buffer of a sock_diag dump: status
    bit 1 = NLMSG_DONE seen, bit 2 = a message had NLM_F_DUMP_INTR."""
    out: list[SockRaw] = []
    status = 0
    off, n = 0, len(data)
    try:
        while off < n:
            if n - off < 16:
                raise _Bad(f"{n - off} bytes left over after the messages")
            ln, typ, flags, _, _ = _NLH.unpack_from(data, off)
            if ln < 16 or ln > n - off:
                raise _Bad(f"message length {ln} with {n - off} bytes left")
            if flags & _NLM_F_DUMP_INTR:
                status |= 2
            end = off + ln
            if typ == _SOCK_DIAG_BY_FAMILY:
                p = off + 16
                fam = data[p] if p < end else -1
                if fam in (AF_INET, AF_INET6):
                    out.append(_inet_sock(data, p, end, fam, proto))
                elif fam == AF_UNIX:
                    out.append(_unix_sock(data, p, end))
                else:
                    raise _Bad("empty socket message" if fam < 0 else f"family {fam}")
            elif typ == _NLMSG_DONE:
                status |= 1
                # a dump that failed part-way says so in DONE's i32, if any
                if ln >= 20 and _ERR.unpack_from(data, off + 16)[0]:
                    raise _nl_error(_ERR.unpack_from(data, off + 16)[0])
                break
            elif typ == _NLMSG_ERROR:
                if ln < 20:
                    raise _Bad("short NLMSG_ERROR")
                err = _ERR.unpack_from(data, off + 16)[0]
                if err:
                    raise _nl_error(err)
            elif typ != _NLMSG_NOOP:
                raise _Bad(f"message type {typ}")
            off = (end + 3) & ~3
    except _Bad as e:
        raise ParseError(_DIAG, str(e)) from None
    return out, status


# --- netlink dump ---------------------------------------------------------------------------

_INET_REQ = struct.Struct("=BBBxI48x")  # inet_diag_req_v2
_UNIX_REQ = struct.Struct("=BBHIIIII")  # unix_diag_req
_NLM_F_REQUEST_DUMP = 0x301
_UDIAG_SHOW = 0x55  # NAME | PEER | RQLEN | UID
_RECV_BUF = 65536
_SEQ = itertools.count(1)


def diag_dump(family: int, proto: int, states: int, want_info: bool) -> list[SockRaw]:
    """Every socket of family (and proto, for inet) in states, from one
    NETLINK_SOCK_DIAG dump."""
    if family == AF_UNIX:
        body = _UNIX_REQ.pack(AF_UNIX, 0, 0, states, 0, _UDIAG_SHOW, 0, 0)
    elif family in (AF_INET, AF_INET6):
        ext = 2 if want_info and proto == IPPROTO_TCP else 0
        body = _INET_REQ.pack(family, proto, ext, states)
    else:
        raise ValueError(f"diag_dump: family {family} is not AF_UNIX, AF_INET or AF_INET6")
    seq = next(_SEQ) & U32_MAX
    req = _NLH.pack(16 + len(body), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST_DUMP, seq, 0) + body
    out: list[SockRaw] = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, 4) as s:
        s.sendto(req, (0, 0))
        while True:
            try:
                data, _, mflags, addr = s.recvmsg(_RECV_BUF)
            except InterruptedError:
                continue
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    raise OSError(errno.EIO, os.strerror(errno.EIO)) from None
                raise
            if addr[0] != 0:
                continue  # not from the kernel
            if mflags & socket.MSG_TRUNC:
                raise ParseError(_DIAG, "truncated datagram")
            rows, status = parse_diag(data, proto)
            out += rows
            if status & 1:
                return out


# --- /proc/<pid>/fd ---------------------------------------------------------------------------

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_PROC_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_FATAL = (errno.ENOMEM, errno.EMFILE, errno.ENFILE)
_GONE = (errno.ENOENT, errno.ESRCH)
_DENIED = (errno.EACCES, errno.EPERM)


def parse_socklink(data: bytes) -> int | None:
    """N of a ``socket:[N]`` fd link (N a decimal u64), else None."""
    if data[:8] != b"socket:[" or data[-1:] != b"]":
        return None
    digits = data[8:-1]
    if not digits.isdigit():
        return None
    return int(digits) if len(digits) < 20 else _u64(digits)


def _canonical(name: str, lo: int) -> int | None:
    """name as a number in lo..2**31-1 without sign or leading zero, else None."""
    if not (name.isascii() and name.isdigit()) or len(name) > 10 or name[0] == "0" != name:
        return None
    v = int(name)
    return v if lo <= v <= PID_MAX else None


def _fds(pidfd: int, pid: int, strict: bool) -> list[SockRef] | None:
    """Socket refs of pidfd's "fd" directory; None when the process is gone
    (strict: ENOENT/ESRCH only, other errors raise, and so does a denied
    link; else any error but a fatal one).  A link that cannot be read is
    skipped (closed meanwhile, longer than PATH_MAX), unless strict and denied."""
    try:
        fdfd = os.open("fd", _DIR_FLAGS, dir_fd=pidfd)
    except OSError as e:
        if e.errno in _FATAL or (strict and e.errno not in _GONE):
            raise
        return None
    try:
        try:
            names = os.listdir(fdfd)
        except OSError as e:
            if e.errno in _FATAL or (strict and e.errno not in _GONE):
                raise
            return None
        refs: list[SockRef] = []
        for name in names:
            fd = _canonical(name, 0)
            if fd is None:
                continue
            try:
                link = os.readlink(name, dir_fd=fdfd)
            except OSError as e:
                if e.errno in _FATAL or (strict and e.errno in _DENIED):
                    raise  # strict: a denied link is not "no socket"
                continue  # closed meanwhile, a target beyond PATH_MAX, or denied
            ino = parse_socklink(os.fsencode(link))
            if ino is not None:
                refs.append((ino, pid, fd))
        return refs
    finally:
        os.close(fdfd)


def comm_of(pidfd: int) -> bytes | None:
    """The process's comm as the socket tables name holders: without one
    trailing newline, at most NAME_CAP bytes; None when it cannot be read."""
    try:
        data = read_at(pidfd, "comm")
    except OSError as e:
        if e.errno in _FATAL:
            raise
        return None
    if data[-1:] == b"\n":
        data = data[:-1]
    return data[:NAME_CAP]


def scan_sockfds(
    proc_path: str, only_pid: int | None
) -> tuple[list[SockRef], dict[int, bytes | None]]:
    """(inode, pid, fd) of every socket fd of every process (or only_pid),
    and {pid: comm} for the pids among them."""
    procfd = os.open(proc_path, _PROC_FLAGS)
    refs: list[SockRef] = []
    names: dict[int, bytes | None] = {}
    try:
        if only_pid is None:
            pids = [p for e in os.listdir(procfd) if (p := _canonical(e, 1)) is not None]
        else:
            pids = [only_pid] if 1 <= only_pid <= PID_MAX else []
        for pid in pids:
            try:
                pidfd = os.open(str(pid), _DIR_FLAGS, dir_fd=procfd)
            except OSError as e:
                if e.errno in _FATAL:
                    raise
                continue  # vanished, denied or not a process directory
            try:
                found = _fds(pidfd, pid, False)
                if found:
                    refs += found
                    names[pid] = comm_of(pidfd)
            finally:
                os.close(pidfd)
    finally:
        os.close(procfd)
    return refs, names


def read_sockfds(dirfd: int, pid: int) -> list[SockRef] | None:
    """(inode, pid, fd) of one process's socket fds through its held
    directory fd; None when it has gone."""
    return _fds(dirfd, pid, True)
