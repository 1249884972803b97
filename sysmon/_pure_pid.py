"""The pure-Python one-process readers: the twin of csrc/parse_pid.c and scan_pid.c.

Every function follows the contract in :mod:`sysmon._rawpid` to the letter
(same raw tuples, same accept/reject decisions); sysmon._pure re-exports them.
Malformed input raises ``ParseError("<what buffer>", detail)``, never
IndexError or ValueError.

Numbers are checked by byte regexes before int() sees them (int() alone
would take "+1", "1_0", blanks and non-ASCII digits), and their size is
checked on the digits, leading zeros stripped, before conversion.
"""

from __future__ import annotations

import errno
import os
import re
from typing import Callable

from sysmon._pure_sys import _Bad, _i64, _u64, parse_kv, read_at
from sysmon._rawpid import (
    LINK_CAP,
    RLIM_UNLIMITED,
    STATUS_EXT_FORMATS,
    STATUS_EXT_KEYS,
    CgroupRaw,
    FdInfoRaw,
    FdRaw,
    KvRow,
    LimitRaw,
    StatusExt,
)
from sysmon.errors import ParseError

__all__ = [
    "parse_cgroup", "parse_fdinfo", "parse_limits", "parse_rollup", "parse_status_ext",
    "read_at", "read_fds", "readlink_at", "stat_at",
]

U64_MAX = (1 << 64) - 1
FD_MAX = (1 << 31) - 1

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FATAL = (errno.ENOMEM, errno.EMFILE, errno.ENFILE)

# After a key's ":": optional blanks, one value token, optional blanks (the
# line holds no "\n").  One pattern per number format; group 1 is the token.
_VALUE = {
    "dec": re.compile(rb"[ \t]*([0-9]+)[ \t]*"),
    "sdec": re.compile(rb"[ \t]*(-?[0-9]+)[ \t]*"),
    "hex": re.compile(rb"[ \t]*([0-9a-fA-F]{1,16})[ \t]*"),
    "oct": re.compile(rb"[ \t]*([0-7]+)[ \t]*"),
}
_TOKEN = re.compile(rb"[^ \t]+")
_FIRST_TOKEN = re.compile(rb"[ \t]*([^ \t]*)")
_CGROUP = re.compile(rb"([0-9]+):([^:]*):(.*)", re.S)
_FDNAME = re.compile(r"0|[1-9][0-9]{0,9}")  # str: [0-9] is ASCII only


# --- numbers (u64/i64 range checks shared with _pure_sys) ------------------------

_dec = _u64  # ``[0-9]+`` (already checked) within u64


_sdec = _i64  # ``-?[0-9]+`` within int64


def _hex(tok: bytes) -> int:
    """``[0-9a-fA-F]{1,16}`` (already checked): always within u64."""
    return int(tok, 16)


def _oct(tok: bytes) -> int:
    """``[0-7]+`` (already checked) within u64."""
    tok = tok.lstrip(b"0") or b"0"
    if len(tok) > 22:
        raise _Bad("number out of range")
    v = int(tok, 8)
    if v > U64_MAX:
        raise _Bad("number out of range")
    return v


_CONVERT: dict[str, Callable[[bytes], int]] = {
    "dec": _dec, "sdec": _sdec, "hex": _hex, "oct": _oct,
}


def _value(rest: bytes, fmt: str) -> int:
    """The one value after a key's ":" in format fmt, or _Bad."""
    m = _VALUE[fmt].fullmatch(rest)
    if m is None:
        raise _Bad(f"not one {fmt} value: {rest[:40]!r}")
    return _CONVERT[fmt](m.group(1))


def _fail(what: str, e: _Bad, line: bytes | None = None) -> ParseError:
    where = f" in line {line[:80]!r}" if line is not None else ""
    return ParseError(what, f"{e}{where}")


def _keyed(
    data: bytes, what: str, formats: dict[bytes, tuple[int, str]], n: int
) -> list[int | None]:
    """Values of the keyed lines ``key: value`` whose key (everything before
    the line's first ":") is in formats {key: (index, format)}; other lines,
    and lines without ":", are ignored; a repeated key is checked and the
    last one counts."""
    out: list[int | None] = [None] * n
    for line in data.split(b"\n"):
        colon = line.find(b":")
        if colon < 0:
            continue
        spec = formats.get(line[:colon])
        if spec is None:
            continue
        try:
            out[spec[0]] = _value(line[colon + 1 :], spec[1])
        except _Bad as e:
            raise _fail(what, e, line) from None
    return out


# --- parsers -------------------------------------------------------------------

_STATUS_SPECS = {k: (i, f) for i, (k, f) in enumerate(zip(STATUS_EXT_KEYS, STATUS_EXT_FORMATS))}
_FDINFO_SPECS = {
    b"pos": (0, "sdec"), b"flags": (1, "oct"), b"mnt_id": (2, "dec"), b"ino": (3, "dec"),
}


def parse_status_ext(data: bytes) -> StatusExt:
    """STATUS_EXT_KEYS' values of /proc/<pid>/status, None when absent."""
    return tuple(_keyed(data, "<status buffer>", _STATUS_SPECS, len(STATUS_EXT_KEYS)))


def parse_fdinfo(data: bytes) -> FdInfoRaw:
    """(pos, flags, mnt_id, ino) of /proc/<pid>/fdinfo/<fd>, None when absent."""
    pos, flags, mnt_id, ino = _keyed(data, "<fdinfo buffer>", _FDINFO_SPECS, 4)
    return pos, flags, mnt_id, ino


def parse_rollup(data: bytes) -> list[KvRow]:
    """/proc/<pid>/smaps_rollup: the "start-end ... [rollup]" header line
    skipped, the rest as meminfo (parse_kv, colon=True)."""
    nl = data.find(b"\n")
    first = data if nl < 0 else data[:nl]
    m = _FIRST_TOKEN.match(first)
    if m is not None and b"-" in m.group(1):
        data = b"" if nl < 0 else data[nl + 1 :]
    try:
        return parse_kv(data, True)
    except ParseError as e:
        raise ParseError("<smaps_rollup buffer>", e.detail) from None


def _is_limit(tok: bytes) -> bool:
    """``unlimited`` or all ASCII digits (a number, or an out-of-range one)."""
    return tok == b"unlimited" or tok.isdigit()  # bytes.isdigit(): ASCII only


def _limit_num(tok: bytes) -> int:
    """``unlimited`` (2^64-1) or a decimal (overflow: _Bad)."""
    return RLIM_UNLIMITED if tok == b"unlimited" else _dec(tok)


def _limit(line: bytes, toks: list[re.Match[bytes]]) -> LimitRaw:
    """One /proc/<pid>/limits row from its tokens, or _Bad."""
    i = next((k for k, t in enumerate(toks) if _is_limit(t.group())), -1)
    if i < 0:
        raise _Bad("no soft limit")
    if i == 0:
        raise _Bad("no limit name")
    if i + 1 >= len(toks) or not _is_limit(toks[i + 1].group()):
        raise _Bad("hard limit is not a number or 'unlimited'")
    if len(toks) > i + 3:
        raise _Bad("more than one token after the hard limit")
    soft = _limit_num(toks[i].group())
    hard = _limit_num(toks[i + 1].group())
    units = toks[i + 2].group() if len(toks) == i + 3 else b""
    return line[toks[0].start() : toks[i - 1].end()], soft, hard, units


def parse_limits(data: bytes) -> list[LimitRaw]:
    """(name, soft, hard, units) per /proc/<pid>/limits row; unlimited is 2^64-1."""
    out: list[LimitRaw] = []
    for line in data.split(b"\n"):
        toks = list(_TOKEN.finditer(line))
        if not toks or toks[0].group() == b"Limit":
            continue
        try:
            out.append(_limit(line, toks))
        except _Bad as e:
            raise _fail("<limits buffer>", e, line) from None
    return out


def parse_cgroup(data: bytes) -> list[CgroupRaw]:
    """(hierarchy_id, controllers, path) per /proc/<pid>/cgroup line."""
    out: list[CgroupRaw] = []
    for line in data.split(b"\n"):
        if not line:
            continue
        m = _CGROUP.fullmatch(line)
        if m is None:
            raise _fail("<cgroup buffer>", _Bad("not 'id:controllers:path'"), line)
        try:
            hid = _dec(m.group(1))
        except _Bad as e:
            raise _fail("<cgroup buffer>", e, line) from None
        out.append((hid, m.group(2), m.group(3)))
    return out


# --- I/O -------------------------------------------------------------------------


def readlink_at(dirfd: int, name: str) -> bytes:
    """readlinkat(dirfd, name); ENAMETOOLONG for a target of LINK_CAP bytes or more."""
    try:
        target = os.readlink(os.fsencode(name), dir_fd=dirfd)
    except OSError as e:
        raise OSError(e.errno, e.strerror, name) from None
    if len(target) >= LINK_CAP:
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), name)
    return target


def stat_at(dirfd: int, name: str) -> tuple[int, int]:
    """(st_mode, st_nlink) of fstatat(dirfd, name), following the link."""
    st = os.stat(name, dir_fd=dirfd)
    return st.st_mode, st.st_nlink


def _err(e: OSError) -> int:
    """e's errno for a row; fatal errors (this process's limits) re-raised."""
    if e.errno in _FATAL:
        raise e
    return e.errno or errno.EIO


class _Closed(Exception):
    """ENOENT: the fd closed during the read; its row is left out."""


def _fd_row(dirfd: int, fdd: int, name: str, fd: int, follow: bool) -> FdRaw:
    """One row of read_fds, or _Closed."""
    try:
        target = readlink_at(fdd, name)
        link_err = 0
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise _Closed from None
        link_err, target = _err(e), b""
    mode = nlink = 0
    if not follow:
        stat_err = errno.ENODATA
    else:
        try:
            mode, nlink = stat_at(fdd, name)
            stat_err = 0
        except OSError as e:
            if e.errno == errno.ENOENT:
                raise _Closed from None
            stat_err = _err(e)
    info: FdInfoRaw = (None, None, None, None)
    try:
        info = parse_fdinfo(read_at(dirfd, "fdinfo/" + name))
        info_err = 0
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise _Closed from None
        info_err = _err(e)
    except ParseError:
        info_err = errno.EINVAL
    return (fd, link_err, target, stat_err, mode, nlink, info_err, *info)


def read_fds(dirfd: int, follow: bool) -> list[FdRaw]:
    """One row per open fd listed in dirfd/fd (see sysmon._rawpid); order unspecified.

    OSError when "fd" cannot be opened or listed."""
    fdd = os.open("fd", _DIR_FLAGS, dir_fd=dirfd)
    try:
        rows: list[FdRaw] = []
        for name in os.listdir(fdd):
            if _FDNAME.fullmatch(name) is None:
                continue
            fd = int(name)
            if fd > FD_MAX:
                continue
            try:
                rows.append(_fd_row(dirfd, fdd, name, fd, follow))
            except _Closed:
                continue
        return rows
    finally:
        os.close(fdd)
