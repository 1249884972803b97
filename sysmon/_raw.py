"""The raw row both backends return: one flat tuple per process.

Raw kernel units, no conversion.  A group whose file was not requested, was
denied or did not parse has all its numbers 0 and its error slot set (a
positive errno; ENODATA = not requested, EINVAL = did not parse).

Layout (index: meaning)::

    0  pid (directory name)
    1  err stat      2  err status      3  err cmdline
    4  name (bytes, stat field 2, at most NAME_CAP bytes)
    5  state (bytes, stat field 3; b"" when stat is unavailable)
    6  ppid  7 pgrp  8 session  9 tty_nr  10 tpgid  11 flags  12 minflt
    13 majflt  14 utime  15 stime  16 priority  17 nice  18 num_threads
    19 starttime  20 vsize  21 rss  22 processor (-1 = absent)
    23..26 uid real, effective, saved, fs   27..30 gid (same order)
    31 tgid (-1 = absent)
    32 VmRSS  33 RssFile  34 RssShmem (status, kB; -1 = absent)
    35 cmdline (raw bytes, or None)

The functions both backends provide (``sysmon._native``: csrc/scan_proc.c
through cffi; ``sysmon._pure``), with the same rows and rules:

scan_raw(proc_path, mask) -> list[RawRow]          sm_scan_procs
    One row per canonical pid directory listed in proc_path (any order).
    Vanished: left out; a pid directory that denies entry: a row with every
    requested group's error set; a thread's directory (status read and its
    Tgid neither -1 nor the pid): left out.  SysmonError when proc_path
    cannot be read or this process runs out of memory or fds.
scan_pids(proc_path, pids, mask) -> list[RawRow]   sm_scan_pids
    The same rules for each of ``pids`` (integers that fit int32_t: else
    TypeError or OverflowError), rows in their order, duplicates read
    twice, without listing proc_path.  A pid
    <= 0 or with no directory is left out, and so is a thread's /proc/<tid>
    whatever the mask (status is then read for that check alone; missing,
    denied or malformed, it cannot tell and the row is kept).
scan_memo(proc_path, mask, memo, make) -> (list[T], memo)
    scan_raw's processes, each as make(row); a row equal to a row of the scan
    that made ``memo`` (same kernel bytes; the key is the backend's own)
    takes memo's value instead of a new make(row).  Also this scan's memo
    (ProcessSampler: unchanged processes cost a lookup, not a conversion).
open_pid(proc_path, pid) -> int; read_proc(dirfd, pid, mask) -> RawRow | None
    One process through a held directory fd (sysmon.Process).  open_pid
    raises errors.pid_dir_error's exception: NoSuchProcess when the directory
    is absent, AccessDenied when it is refused.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeVar

from sysmon.fields import FileGroup

NAME_CAP = 64

RawRow = tuple[Any, ...]  # see the layout above

T = TypeVar("T")
Memo = dict[Hashable, T]  # scan_memo's: a backend's row key -> the value made of it

# Each file group: its mask bit, the index of its error slot, its file name.
GROUPS: tuple[tuple[FileGroup, int, str], ...] = (
    (FileGroup.STAT, 1, "stat"),
    (FileGroup.STATUS, 2, "status"),
    (FileGroup.CMDLINE, 3, "cmdline"),
)

# Indexes of the row slots read outside the converters (the layout above).
R_STATE, R_FLAGS, R_THREADS, R_START, R_TGID, R_CMDLINE = 5, 11, 18, 19, 31, 35

ZERO_STAT: tuple[int, ...] = (0,) * 17
ZERO_STATUS: tuple[int, ...] = (0,) * 12
