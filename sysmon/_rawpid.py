"""The contract of the one-process readers (issue 5), for both backends.

``sysmon._native`` (csrc/parse_pid.c, csrc/scan_pid.c through cffi) and
``sysmon._pure`` (sysmon/_pure_pid.py) both provide these functions with
exactly these shapes and acceptance rules; tests hold them to exact
agreement.  Raw kernel values, no conversion: the domain module
(sysmon/process_detail.py, with sysmon/process_records.py) turns them
into records, once, for both.

I/O, through a held /proc/<pid> directory fd (``dirfd``)
--------------------------------------------------------
read_at(dirfd, name) -> bytes
    The whole of ``dirfd/name``, opened with O_NOFOLLOW|O_NONBLOCK and read to
    EOF.  OSError (with the errno) when it cannot be opened or read.

readlink_at(dirfd, name) -> bytes
    readlinkat(dirfd, name).  OSError on failure; ENAMETOOLONG when the
    target is SM_LINK_CAP (4096) bytes or longer.

stat_at(dirfd, name) -> (mode, nlink)
    fstatat following the link (for /proc/<pid>/exe, cwd, root: the file the
    process has open, even when deleted).  OSError on failure.

read_fds(dirfd, follow) -> list[FdRaw]
    One row per open fd listed in ``dirfd/fd``::

        (fd, link_err, target, stat_err, mode, nlink,
         info_err, pos, flags, mnt_id, ino)

    - fd: the entry's name, a canonical decimal (no sign, no leading zero,
      below 2^31); other names are skipped.
    - link_err 0 and target the readlinkat bytes; or link_err the errno
      (EACCES, ENAMETOOLONG for a target of 4096 bytes or more) and target b"".
    - follow true: stat_err 0 and (mode, nlink) from fstatat following the
      link, or stat_err the errno and both 0.  follow false: stat_err ENODATA
      and both 0 (a tree that is not the live /proc: its links are plain
      symlinks and must not be followed out of it).
    - info_err 0 and the four fdinfo values (each None when its key was
      absent), or info_err the errno (EINVAL: malformed, by parse_fdinfo's
      rules) and all four None.
    - ENOENT from readlinkat, fstatat or the fdinfo read means the fd closed
      during the read: the row is left out.
    Order is unspecified (callers sort).  OSError when ``fd`` itself cannot
    be opened or listed (ENOENT: the process is gone; EACCES: denied).

Parsers (pure, over the whole file's bytes; ParseError when malformed)
-----------------------------------------------------------------------
Common line rules: lines end at "\\n" (the last may not); a line's key is
everything before its first ":"; after the ":" come optional blanks (space,
tab), one value token, optional blanks, then the end of the line.  Number
formats: decimal = 1+ of [0-9] fitting in 64 bits unsigned; signed decimal =
an optional "-" then decimal fitting int64; hex = 1 to 16 of [0-9a-fA-F];
octal = 1+ of [0-7] fitting in 64 bits.

parse_status_ext(data) -> StatusExt
    /proc/<pid>/status: a tuple of STATUS_EXT_KEYS' values in that order, each
    an int, or None when the key is absent.  Only those keys' lines are
    checked (the others have many formats and are ignored); a line without
    a ":" is ignored; a repeated key: the last one counts.

parse_rollup(data) -> list[KvRow]
    /proc/<pid>/smaps_rollup: when the first line's first blank-separated
    token contains "-" (the "start-end perms ... [rollup]" header) that line
    is skipped; the rest follows sysmon._rawsys parse_kv(colon=True) exactly.
    b"" (kernel threads, zombies) gives [].

parse_limits(data) -> list[LimitRaw]
    /proc/<pid>/limits: ``(name, soft, hard, units)``.  Blank-only lines are
    skipped, and a line whose first token is ``Limit`` (the header).  On
    every other line the name is the tokens before the first token that is
    ``unlimited`` or made of digits only (at least one token; name is the
    bytes from the first name token's start to the last one's end); then
    soft and hard, each ``unlimited`` (2^64-1) or a decimal (digits beyond
    2^64-1 are malformed, not part of the name); then at most one more
    token, the units (b"" when absent).  Anything else is malformed.

parse_cgroup(data) -> list[CgroupRaw]
    /proc/<pid>/cgroup: ``(hierarchy_id, controllers, path)`` from
    ``decimal ":" controllers ":" path``: controllers hold no ":" (may be
    empty); the path is the rest of the line, kept exactly (it may hold ":"
    and blanks, and may be empty).  Empty lines are skipped; any other line
    that does not match is malformed.

parse_fdinfo(data) -> FdInfoRaw
    /proc/<pid>/fdinfo/<fd>: ``(pos, flags, mnt_id, ino)``: pos signed decimal,
    flags octal, mnt_id and ino decimal; each None when absent.  Other lines
    are ignored (epoll, inotify, eventfd add their own); a repeated key: the
    last one counts.

The io file (/proc/<pid>/io, "rchar: 123") is read with sysmon._rawsys
parse_kv(colon=True) and needs nothing here.
"""

from __future__ import annotations

from typing import Optional

from sysmon._rawsys import KvRow

__all__ = [
    "LINK_CAP",
    "RLIM_UNLIMITED",
    "STATUS_EXT_FORMATS",
    "STATUS_EXT_KEYS",
    "CgroupRaw",
    "FdInfoRaw",
    "FdRaw",
    "KvRow",
    "LimitRaw",
    "StatusExt",
]

LINK_CAP = 4096
RLIM_UNLIMITED = 2**64 - 1

# The keys parse_status_ext reads, in the order of its tuple (and of the C
# SM_SX_* indexes), with the format of each value.
STATUS_EXT_KEYS: tuple[bytes, ...] = (
    b"voluntary_ctxt_switches", b"nonvoluntary_ctxt_switches",
    b"CapInh", b"CapPrm", b"CapEff", b"CapBnd", b"CapAmb",
    b"NoNewPrivs", b"Seccomp",
    b"SigPnd", b"ShdPnd", b"SigBlk", b"SigIgn", b"SigCgt",
    b"Umask",
)
STATUS_EXT_FORMATS: tuple[str, ...] = (
    "dec", "dec",
    "hex", "hex", "hex", "hex", "hex",
    "dec", "dec",
    "hex", "hex", "hex", "hex", "hex",
    "oct",
)

StatusExt = tuple[Optional[int], ...]  # len(STATUS_EXT_KEYS)
LimitRaw = tuple[bytes, int, int, bytes]
CgroupRaw = tuple[int, bytes, bytes]
FdInfoRaw = tuple[Optional[int], Optional[int], Optional[int], Optional[int]]
# (fd, link_err, target, stat_err, mode, nlink, info_err, pos, flags, mnt_id, ino)
FdRaw = tuple[int, int, bytes, int, int, int, int,
              Optional[int], Optional[int], Optional[int], Optional[int]]
