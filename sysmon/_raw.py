"""The raw row both backends return: one flat tuple per process.

Raw kernel units, no conversion.  A group whose file was not requested, was
denied or did not parse has all its numbers 0 and its error slot set (a
positive errno; ENODATA = not requested, EINVAL = did not parse).

Layout (index: meaning)::

    0  pid (directory name)
    1  err stat      2  err status      3  err statm      4  err cmdline
    5  name (bytes, stat field 2, at most NAME_CAP bytes)
    6  state (bytes, stat field 3; b"" when stat is unavailable)
    7  ppid  8 pgrp  9 session  10 tty_nr  11 tpgid  12 flags  13 minflt
    14 majflt  15 utime  16 stime  17 priority  18 nice  19 num_threads
    20 starttime  21 vsize  22 rss  23 processor (-1 = absent)
    24..27 uid real, effective, saved, fs   28..31 gid (same order)
    32 tgid (-1 = absent)
    33 statm size  34 statm resident  35 statm shared
    36 cmdline (raw bytes, or None)
"""

from __future__ import annotations

from typing import Any, Optional, Union

NAME_CAP = 64
I_PID = 0
I_ERR_STAT, I_ERR_STATUS, I_ERR_STATM, I_ERR_CMDLINE = 1, 2, 3, 4
I_NAME, I_STATE = 5, 6
I_PPID, I_PGRP, I_SESSION, I_TTY, I_TPGID, I_FLAGS = 7, 8, 9, 10, 11, 12
I_MINFLT, I_MAJFLT, I_UTIME, I_STIME = 13, 14, 15, 16
I_PRIO, I_NICE, I_THREADS, I_START, I_VSIZE, I_RSS, I_CPU = 17, 18, 19, 20, 21, 22, 23
I_UID, I_EUID, I_GID, I_EGID = 24, 25, 28, 29
I_TGID = 32
I_SM_SIZE, I_SM_RES, I_SM_SHARED = 33, 34, 35
I_CMDLINE = 36

RawRow = tuple[Any, ...]  # see the layout above

# parse_stat result: (pid, name, state, ppid, ..., processor): 20 values,
# the same order as raw indexes 7..23 after pid, name, state.
StatTuple = tuple[Union[int, bytes], ...]
StatusTuple = tuple[int, ...]  # uid x4, gid x4, tgid, pid
StatmTuple = tuple[int, int, int]
MaybeBytes = Optional[bytes]

ZERO_STAT: tuple[int, ...] = (0,) * 17
ZERO_STATUS: tuple[int, ...] = (0,) * 9
ZERO_STATM: tuple[int, ...] = (0,) * 3
