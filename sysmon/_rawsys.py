"""The contract of the system-file parsers, which both backends implement.

``sysmon._native`` (C, csrc/parse_sys.c and parse_systab.c) and ``sysmon._pure`` (Python,
sysmon/_pure_sys.py) each expose the functions below, with the same names,
the same raw return shapes and the same acceptance rules.  Tests hold them to
exact agreement.  Conversions (kB to bytes, ticks to seconds, decimals to
float) happen once, in the domain modules, never here.

Rules shared by every parser
----------------------------
- The input is a whole file as bytes.  Lines end with ``\\n``; a missing final
  newline is accepted.  A line that is empty, or holds only blanks, is skipped.
- A *blank* is a space or a tab.  Fields are separated by one or more blanks
  (mountinfo after its ``-`` separator: exactly one, see there); leading blanks
  on a line are skipped, and so are trailing blanks unless a rule says
  otherwise.
- ``u64``: ``[0-9]+``, at most 2**64-1.  ``i64``: ``-?[0-9]+`` within int64.
  A number must end at a blank, a newline or the end of input (``12ab`` is not a
  number).  Out of range is malformed.
- ``dec``: ``[0-9]+(\\.[0-9]{1,18})?``, returned exactly as ``(m, scale)`` with
  value ``m / 10**scale`` ("0.25" -> (25, 2), "3" -> (3, 0), "1.50" -> (150, 2));
  ``m`` must fit u64.
- Anything malformed in a line a parser reads raises
  ``sysmon.errors.ParseError("<what>", detail)`` (C: -EINVAL); the domain layer
  re-raises it with the real path.  Lines a parser does not read are ignored.
- Fields past the ones a parser keeps (cpu mode 11, diskstats counter 18,
  net/dev counter 17, ...) are not read, so anything may stand there.
- A repeated key is still checked: ``ctxt 1`` then ``ctxt x`` is malformed,
  though only the first value counts.
- One-value files (loadavg, uptime, cpu.max, one-number files): blank lines
  and blanks before the value are skipped; after it only ``[ \t]*(\n[ \t]*)?``
  may follow (``1\n  `` is accepted, ``1\n\n`` is malformed).

The functions
-------------
read_file(path: str) -> bytes
    The whole file, read to EOF, opened O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NOCTTY|
    O_NONBLOCK.  Errors raise ``OSError`` with the errno and the path
    (FileNotFoundError, PermissionError, ... exactly as ``os.open`` would).

parse_cpustat(data) -> (cpus, stats)                       /proc/stat
    A line's key is its first token.
    - ``cpu`` or ``cpu<u64 fitting i64>``: then at least 4 ``u64`` (fewer is
      malformed; a non-number is malformed); the first 10 are kept, more are
      ignored.  ``cpus`` is a list, in file order, of ``(cpu, ticks)`` where
      ``cpu`` is -1 for the aggregate line and ``ticks`` a tuple of 4..10 ints.
      ``cpuX`` with a non-digit right after "cpu" is an unknown key; "cpu"
      then digits that are not a whole i64 number (``cpu1x``) is malformed.
    - ``ctxt btime processes procs_running procs_blocked``: exactly one ``u64``
      (``ctxt 1 2`` is malformed);
      ``intr softirq``: the first ``u64`` (the total), the rest of the line
      unread.  ``stats`` is a 7-tuple in that order (ctxt, btime, processes,
      procs_running, procs_blocked, intr, softirq); a key that is absent is
      None.  When a key repeats, the first one counts.
    - Other keys are ignored.

parse_kv(data, colon: bool, keys=None) -> list[(key: bytes, value: int, kb: bool)]
    colon=True (/proc/meminfo): ``Key:`` (the key is everything before the
    first ":", non-empty, with no blank in it), optional blanks, a ``u64``, then
    optionally blanks and exactly ``kB`` (kb=True).  ``Key:123`` is accepted.
    colon=False (/proc/vmstat): ``key`` (the first token), blanks, a ``u64``.
    Anything else after the value, a line without the separator, or a value
    that is not a number is malformed.  Every line is kept, in file order,
    duplicates included.
    parse_kv(data, colon, keys) with ``keys`` a frozenset of bytes: the same
    checks of every line, but only the rows whose key is in ``keys``.

parse_loadavg(data) -> (m1, s1, m5, s5, m15, s15, running, total, last_pid)
    ``dec dec dec u64/u64 u64`` (/proc/loadavg); nothing may follow but blanks
    and one newline.

parse_uptime(data) -> (up_m, up_s, idle_m, idle_s)
    ``dec dec`` (/proc/uptime); nothing may follow but blanks and one newline.

parse_pressure(data) -> (some, full)                    /proc/pressure/<res>
    Lines keyed ``some`` and ``full``: the key, then exactly
    ``avg10=dec avg60=dec avg300=dec total=u64`` in that order, then any
    number of further ``key=value`` tokens (a newer kernel may add some),
    which are ignored: key and value non-empty, no ``=`` in the key, no blank
    in either (``total=1 x=2`` is accepted; ``total=1 x``, ``x=`` and ``=2``
    are malformed).  Each of some/full is ``(a10_m, a10_s, a60_m, a60_s,
    a300_m, a300_s, total)`` or None when its line is absent.  Other keys are
    ignored; the first line of a key counts.

parse_mountinfo(data) -> list[(mount_id, parent_id, major, minor,
                              root, mountpoint, options, optional, fstype,
                              source, super_options)]
    proc(5) mountinfo: ``i64 i64 u64:u64 root mountpoint options [optional
    fields ...] - fstype source super_options``.  The separator is the first
    token ``-`` after the options field; no separator is malformed.  After it
    the kernel writes each field after exactly one space (blanks inside them
    are escaped), so a field there may be empty: fstype, source and
    super_options each follow exactly one blank and run to the next blank
    or the end of the line.  ``source`` may be empty (a mount made with an
    empty source: ``- tmpfs  rw`` gives fstype b"tmpfs", source b"", super
    options b"rw"); an empty fstype or super_options is malformed (``-  ext4
    /dev/sda1 rw``, ``- tmpfs   rw``, ``- ext4 /dev/sda1 ``), and so are
    missing fields.  Whatever follows super_options (from a blank on) is
    ignored.  ``optional`` is the optional fields joined by one space (b""
    if none).
    Every string field is octal-unescaped: a backslash followed by exactly
    three octal digits with value <= 255 becomes that byte ("\\040" -> " ",
    "\\012" -> newline, "\\134" -> backslash); any other backslash stays.
    Strings are bytes.

parse_diskstats(data) -> list[(major, minor, name, stats)]    /proc/diskstats
    ``u64 u64 name`` then at least 11 ``u64``: fewer is malformed; the first 17
    are kept.  ``stats`` is a tuple of 11..17 ints (so 14-, 18- and 20-field
    lines give 11, 15 and 17).  ``name`` is bytes.

parse_netdev(data) -> list[(name, counters)]                 /proc/net/dev
    A line with a ``|`` and no ``:`` is a header and skipped; every other
    line is an interface line.  Its name is everything from the first
    non-blank to the *last* ``:`` on the line (non-empty; interface names
    cannot contain ":" but aliases have once had it; a ``|`` is allowed, as
    the kernel allows it: ``x|y: ...`` gives ``b"x|y"``; blanks inside or
    before the colon are part of it: ``a b: ...`` gives ``b"a b"``), then at
    least 16 ``u64`` (blanks after the colon optional): fewer is
    malformed, the first 16 are kept.  ``counters`` is a 16-tuple: rx bytes
    packets errs drop fifo frame compressed multicast, tx bytes packets errs
    drop fifo colls carrier compressed.

parse_cpulist(data) -> list[(lo, hi)]        sysfs cpu lists, cpuset files
    Leading and trailing blanks and newlines trimmed; empty -> [].  Items are
    separated by ``,``; each is ``u64`` (lo == hi) or ``u64-u64`` with lo <= hi.
    No blanks inside.  Anything else is malformed.

parse_cpumax(data) -> (quota, period)                    cgroup v2 cpu.max
    ``max`` (quota -1) or a ``u64`` fitting i64, blanks, a ``u64`` period;
    nothing may follow but blanks and one newline.

parse_int(data) -> int                                   one-number files
    An ``i64``, then nothing but blanks and one newline (sysfs values,
    cgroup v1 cpu.cfs_quota_us).
"""

from __future__ import annotations

from typing import Optional

Dec = tuple[int, int]
CpuStat = tuple[list[tuple[int, tuple[int, ...]]], tuple[Optional[int], ...]]
KvRow = tuple[bytes, int, bool]
PsiRaw = tuple[int, int, int, int, int, int, int]
MountRaw = tuple[int, int, int, int, bytes, bytes, bytes, bytes, bytes, bytes, bytes]
DiskRaw = tuple[int, int, bytes, tuple[int, ...]]
NetRaw = tuple[bytes, tuple[int, ...]]
