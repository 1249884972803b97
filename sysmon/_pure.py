"""The pure-Python backend: the same scan and parsers as csrc/, in Python.

It is the reference for differential tests, the baseline in benchmarks and
the fallback where the C extension is not built.  Every rule here mirrors the
C code exactly (see csrc/parse_proc.c and csrc/scan_proc.c); tests hold the two
to exact agreement.
"""

from __future__ import annotations

import errno
import operator
import os
import re
from collections.abc import Iterator, Sequence
from typing import Callable, TypeVar

from sysmon._host import open_proc_dir
from sysmon._pure_sys import *  # noqa: F403  (the system-file parsers, sysmon._rawsys)
from sysmon._pure_sys import _Bad, _i64, _u64, read_at
from sysmon._raw import GROUPS, NAME_CAP, R_TGID, ZERO_STAT, ZERO_STATUS, Memo, RawRow, T
from sysmon.errors import ParseError, SysmonError, pid_dir_error
from sysmon.fields import FileGroup

_PIDNAME = re.compile(r"[1-9][0-9]*")
_LEAD = re.compile(rb"-?[0-9]+")
_END = rb"(?=[ \t\n]|\Z)"
_SIGNED = rb" (-?[0-9]+)" + _END
_UNSIGNED = rb" ([0-9]+)" + _END
# stat fields 4..24; True = signed (proc(5)'s %d/%ld), False = unsigned.
_MANDATORY_SIGNED = (
    True, True, True, True, True,      # 4 ppid 5 pgrp 6 session 7 tty_nr 8 tpgid
    False, False, False, False, False,  # 9 flags 10 minflt 11 cminflt 12 majflt 13 cmajflt
    False, False, True, True,          # 14 utime 15 stime 16 cutime 17 cstime
    True, True, True, True,            # 18 priority 19 nice 20 num_threads 21 itrealvalue
    False, False, True,                # 22 starttime 23 vsize 24 rss
)
_MANDATORY = re.compile(b"".join(_SIGNED if s else _UNSIGNED for s in _MANDATORY_SIGNED))
_KEEP = (0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 14, 15, 16, 18, 19, 20)  # cminflt etc. dropped
_PROCESSOR = re.compile(_SIGNED)
_IDS = re.compile(rb"[ \t]*(-?[0-9]+)(?=[ \t]|\Z)")
_KB = re.compile(rb"[ \t]*([0-9]+)[ \t]+kB[ \t]*\Z")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_PID_MAX, _I32_MIN = 0x7FFFFFFF, -(1 << 31)


_T = TypeVar("_T")
_NO_STAT: tuple[int, bytes, bytes, tuple[int, ...]] = (0, b"", b"", ZERO_STAT)
_NO_STATUS: tuple[int, ...] = (0,) * 13  # _status's shape: the row's, and Pid:


def _check(tok: bytes, signed: bool) -> int:
    """A token the regex matched (``-?[0-9]+`` / ``[0-9]+``) as an int64 /
    uint64; leading zeros allowed in any number, as in C (int() alone would
    refuse more than 4,300 digits)."""
    if len(tok) < 19:  # |v| < 10**18: within both ranges
        return int(tok)
    return _i64(tok) if signed else _u64(tok)


def _stat(data: bytes) -> tuple[int, bytes, bytes, tuple[int, ...]]:
    """(pid, name, state, numbers[17]) or _Bad; mirrors sm_parse_stat."""
    n = len(data)
    m = _LEAD.match(data)
    if m is None:
        raise _Bad("no pid")
    pid = _check(m.group(), True)
    opn = data.find(b"(")
    cls = data.rfind(b")")
    if opn < 0 or cls < 0 or cls < opn or m.end() + 1 != opn or data[m.end()] != 0x20:
        raise _Bad("no (comm)")
    name = data[opn + 1 : cls]
    p = cls + 1
    if n - p < 2 or data[p] != 0x20 or data[p + 1] in b" \t\n":
        raise _Bad("no state")
    state = data[p + 1 : p + 2]
    p += 2
    if p < n and data[p] not in b" \t\n":
        raise _Bad("state is not one character")
    mm = _MANDATORY.match(data, p)
    if mm is None:
        raise _Bad("fewer than 24 fields, or a field is not a number")
    g = mm.groups()
    vals = [_check(g[i], _MANDATORY_SIGNED[i]) for i in range(len(g))]
    nums = [vals[i] for i in _KEEP]
    p = mm.end()
    processor = -1
    for _ in range(25, 39):
        if p >= n or data[p] == 0x0A:
            return pid, name, state, (*nums, processor)
        if data[p] != 0x20:
            raise _Bad("bad field separator")
        p += 1
        sp = data.find(b" ", p)
        nl = data.find(b"\n", p)
        ends = [e for e in (sp, nl) if e >= 0]
        p = min(ends) if ends else n
    if p < n and data[p] != 0x0A:
        mp = _PROCESSOR.match(data, p)
        if mp is None:
            raise _Bad("processor (field 39) is not a number")
        processor = _check(mp.group(1), True)
    return pid, name, state, (*nums, processor)


def _status(data: bytes) -> tuple[int, ...]:
    """uid x4, gid x4, tgid, pid, VmRSS, RssFile, RssShmem (kB); mirrors
    sm_parse_status.  Absent single values are -1."""
    uid = gid = None
    tgid = spid = vm_rss = rss_file = rss_shmem = -1
    for line in data.split(b"\n"):
        colon = line.find(b":")
        if colon < 0:
            continue
        key = line[:colon]
        if key == b"Uid":
            uid = _ids(line, colon + 1, 4)
        elif key == b"Gid":
            gid = _ids(line, colon + 1, 4)
        elif key == b"Tgid":
            tgid = _ids(line, colon + 1, 1)[0]
        elif key == b"Pid":
            spid = _ids(line, colon + 1, 1)[0]
        elif key == b"VmRSS":
            vm_rss = _kb(line, colon + 1)
        elif key == b"RssFile":
            rss_file = _kb(line, colon + 1)
        elif key == b"RssShmem":
            rss_shmem = _kb(line, colon + 1)
    if uid is None or gid is None:
        raise _Bad("no Uid: or Gid: line")
    return (*uid, *gid, tgid, spid, vm_rss, rss_file, rss_shmem)


def _kb(line: bytes, pos: int) -> int:
    """A memory line's value: blanks, the number, blanks, "kB", blanks."""
    m = _KB.match(line, pos)
    if m is None:
        raise _Bad("bad kB value")
    return _check(m.group(1), True)


def _ids(line: bytes, pos: int, count: int) -> list[int]:
    out = []
    for _ in range(count):
        m = _IDS.match(line, pos)
        if m is None:
            raise _Bad("bad id list")
        out.append(_check(m.group(1), True))
        pos = m.end()
    return out


# --- the parser API (same as sysmon._native) ---------------------------------


def parse_stat(data: bytes) -> tuple[int | bytes, ...]:
    """(pid, name, state, ppid, ..., processor): see sysmon._raw for the order."""
    try:
        pid, name, state, nums = _stat(data)
    except _Bad as e:
        raise ParseError("<stat buffer>", str(e)) from None
    return (pid, name, state, *nums)


def parse_status(data: bytes) -> tuple[int, ...]:
    try:
        return _status(data)
    except _Bad as e:
        raise ParseError("<status buffer>", str(e)) from None


# --- I/O ----------------------------------------------------------------------


class _Vanished(Exception):
    pass


class _Fatal(Exception):
    """This process's own limits (as is_fatal() in csrc/scan_proc.c)."""

    def __init__(self, err: int) -> None:
        super().__init__(err)
        self.err = err


_FATAL = (errno.ENOMEM, errno.EMFILE, errno.ENFILE)


def _read(dirfd: int, name: str) -> bytes | int:
    """The file's bytes, or a positive errno; _Vanished on ENOENT/ESRCH."""
    try:
        return read_at(dirfd, name)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ESRCH):
            raise _Vanished from None
        if e.errno in _FATAL:
            raise _Fatal(e.errno) from None
        return e.errno or errno.EIO


def _group(
    dirfd: int, mask: int, bit: int, name: str, parse: Callable[[bytes], _T], *, zero: _T
) -> tuple[int, _T, bytes]:
    """(errno, parsed value, bytes) for one file of a row: mirror of
    read_group() plus the parse step in csrc/scan_proc.c.  Not requested:
    ENODATA; denied: its errno; malformed: EINVAL; the value is ``zero`` then."""
    if not mask & bit:
        return errno.ENODATA, zero, b""
    d = _read(dirfd, name)
    if isinstance(d, int):
        return d, zero, b""
    try:
        return 0, parse(d), d
    except _Bad:
        return errno.EINVAL, zero, b""


def _raw_bytes(d: bytes) -> bytes:
    return d


def _row(dirfd: int, pid: int, mask: int) -> RawRow:
    """Mirror of read_row() in csrc/scan_proc.c; raises _Vanished."""
    e_stat, stat, _ = _group(dirfd, mask, FileGroup.STAT, "stat", _stat, zero=_NO_STAT)
    e_status, status, _ = _group(
        dirfd, mask, FileGroup.STATUS, "status", _status, zero=_NO_STATUS
    )
    e_cmd, _, cmd = _group(dirfd, mask, FileGroup.CMDLINE, "cmdline", _raw_bytes, zero=b"")
    _, name, state, nums = stat
    return (
        pid, e_stat, e_status, e_cmd, name[:NAME_CAP], state, *nums, *status[:9],
        *status[10:], cmd if e_cmd == 0 else None,
    )


def _denied_row(pid: int, mask: int, err: int) -> RawRow:
    """Mirror of deny_row(): a pid directory we may not enter."""
    errs = [err if mask & bit else errno.ENODATA for bit, _, _ in GROUPS]
    return (pid, *errs, b"", b"", *ZERO_STAT, *ZERO_STATUS, None)


def _is_thread_tgid(tgid: int, pid: int) -> bool:
    """Mirror of is_thread_tgid(): Tgid -1 (absent) says nothing."""
    return tgid not in (-1, pid)


def _is_thread_dir(dirfd: int, pid: int) -> bool:
    """Mirror of is_thread_dir(): status read for the thread check alone;
    missing, denied or malformed cannot tell (False)."""
    try:
        d = read_at(dirfd, "status")
    except OSError as e:
        if e.errno in _FATAL:
            raise _Fatal(e.errno) from None
        return False
    try:
        return _is_thread_tgid(_status(d)[8], pid)
    except _Bad:
        return False


def _entry(procfd: int, name: str, pid: int, mask: int, find_threads: bool) -> RawRow | None:
    """Mirror of scan_entry(): the row of pid directory ``name``, or None when
    it is left out (vanished, not a process directory, a thread)."""
    try:
        dirfd = os.open(name, _DIR_FLAGS, dir_fd=procfd)
    except OSError as e:
        if e.errno in _FATAL:
            raise _Fatal(e.errno) from None
        if e.errno in (errno.EACCES, errno.EPERM):
            return _denied_row(pid, mask, e.errno)
        return None  # vanished, or not a process directory
    try:
        if find_threads and not mask & FileGroup.STATUS and _is_thread_dir(dirfd, pid):
            return None
        row = _row(dirfd, pid, mask)
    except _Vanished:
        return None
    finally:
        os.close(dirfd)
    if row[2] == 0 and _is_thread_tgid(row[R_TGID], pid):
        return None  # a thread's /proc/<tid>, not a process
    return row


def _table(proc_path: str, rows: Callable[[int], Iterator[RawRow | None]]) -> list[RawRow]:
    """The kept rows of rows(procfd) over the open proc_path; a fatal error
    (or an unreadable directory) raises SysmonError, as the C scans return it."""
    procfd = open_proc_dir(proc_path)
    try:
        return [r for r in rows(procfd) if r is not None]
    except (_Fatal, OSError) as e:
        err = e.err if isinstance(e, _Fatal) else (e.errno or errno.EIO)
        raise SysmonError(f"cannot read {proc_path}: {os.strerror(err)}") from None
    finally:
        os.close(procfd)


def scan_raw(proc_path: str, mask: int) -> list[RawRow]:
    """Every process under proc_path; mirror of sm_scan_procs."""

    def rows(procfd: int) -> Iterator[RawRow | None]:
        for entry in os.listdir(procfd):
            if _PIDNAME.fullmatch(entry) and int(entry) <= _PID_MAX:
                yield _entry(procfd, entry, int(entry), mask, False)

    return _table(proc_path, rows)


def scan_memo(proc_path: str, mask: int, memo: Memo[T],
              make: Callable[[RawRow], T]) -> tuple[list[T], Memo[T]]:
    """scan_raw's rows as make(row), or memo's value for a row equal to one
    of the scan that made memo (the row itself is the key); mirror of the C
    backend's scan_memo."""
    out: list[T] = []
    new: Memo[T] = {}
    for row in scan_raw(proc_path, mask):
        v = memo.get(row)
        if v is None:
            v = make(row)
        new[row] = v
        out.append(v)
    return out, new


def scan_pids(proc_path: str, pids: Sequence[int], mask: int) -> list[RawRow]:
    """Only the processes pids under proc_path, in that order; mirror of
    sm_scan_pids (a pid <= 0 is left out; as cffi's int32_t[]: a pid that is
    not an integer is a TypeError, one that does not fit an OverflowError)."""
    ints = [int(operator.index(pid)) for pid in pids]  # int: True is 1, not "True"
    for pid in ints:
        if not _I32_MIN <= pid <= _PID_MAX:
            raise OverflowError(f"pid {pid} does not fit int32_t")

    def rows(procfd: int) -> Iterator[RawRow | None]:
        for pid in ints:
            if pid > 0:
                yield _entry(procfd, str(pid), pid, mask, True)

    return _table(proc_path, rows)


def open_pid(proc_path: str, pid: int) -> int:
    """A held O_DIRECTORY fd on proc_path/<pid>; NoSuchProcess if none,
    AccessDenied when refused (see errors.pid_dir_error)."""
    procfd = open_proc_dir(proc_path)
    try:
        return os.open(str(pid), _DIR_FLAGS, dir_fd=procfd)
    except OSError as e:
        raise pid_dir_error(e.errno or 0, pid, f"{proc_path}/{pid}") from None
    finally:
        os.close(procfd)


def read_proc(dirfd: int, pid: int, mask: int) -> RawRow | None:
    """One process through its held dirfd; None when it has vanished."""
    try:
        return _row(dirfd, pid, mask)
    except _Vanished:
        return None
    except _Fatal as e:
        raise SysmonError(f"cannot read process {pid}: {os.strerror(e.err)}") from None
from sysmon._pure_net import *  # noqa: E402,F403
from sysmon._pure_pid import *  # noqa: E402,F403
