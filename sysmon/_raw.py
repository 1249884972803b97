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

from typing import Any

from sysmon.fields import FileGroup

NAME_CAP = 64

RawRow = tuple[Any, ...]  # see the layout above

# Each file group: its mask bit, the index of its error slot, its file name.
GROUPS: tuple[tuple[FileGroup, int, str], ...] = (
    (FileGroup.STAT, 1, "stat"),
    (FileGroup.STATUS, 2, "status"),
    (FileGroup.STATM, 3, "statm"),
    (FileGroup.CMDLINE, 4, "cmdline"),
)

ZERO_STAT: tuple[int, ...] = (0,) * 17
ZERO_STATUS: tuple[int, ...] = (0,) * 9
ZERO_STATM: tuple[int, ...] = (0,) * 3
