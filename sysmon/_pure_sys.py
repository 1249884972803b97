"""The pure-Python system-file parsers: the twin of csrc/parse_sys.c and parse_systab.c.

Every function here follows the contract in :mod:`sysmon._rawsys` to the
letter (same raw shapes, same accept/reject decisions); sysmon._pure
re-exports them.  Malformed input raises ``ParseError("<what buffer>",
detail)``, never IndexError or ValueError.

Speed: the happy path leans on bytes.split() and compiled regexes.
bytes.split() with no separator also splits at \\r, \\v and \\f, which are not
blanks, so it is used only when the input holds none of them (see
``_splitter``); otherwise fields are cut at ``[ \\t]+``.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Sequence
from typing import Callable

from sysmon._rawsys import CpuStat, Dec, DiskRaw, KvRow, MountRaw, NetRaw, PsiRaw
from sysmon.errors import ParseError

__all__ = [
    "parse_cpulist", "parse_cpumax", "parse_cpustat", "parse_diskstats", "parse_int",
    "parse_kv", "parse_loadavg", "parse_mountinfo", "parse_netdev", "parse_pressure",
    "parse_uptime", "read_file",
]

U64_MAX = (1 << 64) - 1
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK
_CHUNK = 65536

_BLANKS = re.compile(rb"[ \t]+")
_KEY = re.compile(rb"[ \t]*([^ \t]*)")  # a line's first token (the line holds no \n)
_DEC = rb"([0-9]+)(?:\.([0-9]{1,18}))?"
# One-value files: blank lines and leading blanks before the value are skipped
# (shared rule); after it "nothing but blanks and one newline".
_HEAD = rb"[ \t\n]*"
_TAIL = rb"[ \t]*(?:\n[ \t]*)?"
_LOADAVG = re.compile(
    _HEAD + _DEC + rb"[ \t]+" + _DEC + rb"[ \t]+" + _DEC
    + rb"[ \t]+([0-9]+)/([0-9]+)[ \t]+([0-9]+)" + _TAIL
)
_UPTIME = re.compile(_HEAD + _DEC + rb"[ \t]+" + _DEC + _TAIL)
_CPUMAX = re.compile(_HEAD + rb"(max|[0-9]+)[ \t]+([0-9]+)" + _TAIL)
_INT = re.compile(_HEAD + rb"(-?[0-9]+)" + _TAIL)
_PSI = re.compile(
    rb"[ \t]*(some|full)[ \t]+avg10=" + _DEC + rb"[ \t]+avg60=" + _DEC
    + rb"[ \t]+avg300=" + _DEC + rb"[ \t]+total=([0-9]+)"
    + rb"(?:[ \t]+[^ \t=]+=[^ \t]+)*[ \t]*"  # a newer kernel's key=value tokens: ignored
)
# meminfo/vmstat: one whole line (with its newline) a match.
_KV_COLON = re.compile(
    rb"^[ \t]*([^: \t\n]+):[ \t]*([0-9]+)(?:[ \t]+(kB))?[ \t]*(?:\n|\Z)", re.M
)
_KV_PLAIN = re.compile(rb"^[ \t]*([^ \t\n]+)[ \t]+([0-9]+)()[ \t]*(?:\n|\Z)", re.M)
_DEVNO = re.compile(rb"([0-9]+):([0-9]+)")
_RANGE = re.compile(rb"([0-9]+)(?:-([0-9]+))?")
_OCTAL = re.compile(rb"\\([0-3][0-7][0-7])")
# mountinfo after the "-" token: fstype, source (may be empty) and super
# options, each after exactly one blank; what follows a blank is ignored.
_MOUNT_TAIL = re.compile(rb"[ \t]([^ \t]+)[ \t]([^ \t]*)[ \t]([^ \t]+)(?:[ \t].*)?", re.S)
_TOKEN = re.compile(rb"[^ \t]+")
_CPUSTAT_KEYS = {
    b"ctxt": 0, b"btime": 1, b"processes": 2, b"procs_running": 3, b"procs_blocked": 4,
    b"intr": 5, b"softirq": 6,
}
_FIRST_ONLY = 5  # from here on (intr, softirq): the total, the rest of the line unread


class _Bad(ValueError):
    pass


# --- numbers -------------------------------------------------------------------


def _u64(tok: bytes) -> int:
    """A token already known to be ``[0-9]+``, as a u64 (or _Bad)."""
    if len(tok) < 20:  # 10**19 - 1 < 2**64: no check needed
        return int(tok)
    tok = tok.lstrip(b"0") or b"0"  # leading zeros are allowed, in any number
    if len(tok) > 20:
        raise _Bad("number out of range")
    v = int(tok)
    if v > U64_MAX:
        raise _Bad("number out of range")
    return v


def _i64(tok: bytes) -> int:
    """A token that must be ``-?[0-9]+`` within int64 (or _Bad)."""
    neg = tok[:1] == b"-"
    digits = tok[1:] if neg else tok
    if not digits.isdigit():  # bytes.isdigit(): ASCII digits only; False on b""
        raise _Bad(f"not a number: {tok[:40]!r}")
    v = _u64(digits)
    v = -v if neg else v
    if not I64_MIN <= v <= I64_MAX:
        raise _Bad("number out of range")
    return v


def _u64s(toks: Sequence[bytes]) -> list[int]:
    """Tokens (non-empty, as split gives them) that must each be a u64, or _Bad.

    Checked in bulk: one join for the digits, one map for the values."""
    if not b"".join(toks).isdigit():
        if not toks:
            return []
        bad = next(t for t in toks if not t.isdigit())
        raise _Bad(f"not a number: {bad[:40]!r}")
    try:
        vals = list(map(int, toks))
    except ValueError:  # more digits than int() takes: leading zeros, or too big
        vals = [_u64(t) for t in toks]
    if max(vals) > U64_MAX:
        raise _Bad("number out of range")
    return vals


def _dec(m: bytes, frac: bytes | None) -> Dec:
    """``dec`` from the two groups of _DEC: (m, scale), m within u64."""
    if not frac:
        return _u64(m), 0
    return _u64(m + frac), len(frac)


# --- lines and fields ------------------------------------------------------------

_Split = Callable[[bytes, None, int], list[bytes]]


def _slow_split(line: bytes, sep: None = None, limit: int = -1) -> list[bytes]:
    """bytes.split(None, limit), cutting at blanks only."""
    s = line.strip(b" \t")
    return _BLANKS.split(s, max(limit, 0)) if s else []


def _splitter(data: bytes) -> _Split:
    """A split for data's lines: ``split(line, None, k)`` gives its blank-
    separated fields ([] for a blank line); indexes 0..k-1 are whole fields
    and index k, if any, is the rest of the line.  bytes.split() is used
    unless data holds \\r, \\v or \\f, where it would cut too."""
    if b"\r" in data or b"\x0b" in data or b"\x0c" in data:
        return _slow_split
    return bytes.split


def _fail(what: str, e: _Bad, line: bytes | None = None) -> ParseError:
    where = f" in line {line[:80]!r}" if line is not None else ""
    return ParseError(what, f"{e}{where}")


# --- I/O -------------------------------------------------------------------------


def read_file(path: str) -> bytes:
    """The whole file, read to EOF, not following a final symlink.

    OSError (FileNotFoundError, PermissionError, ...) propagates with the path
    set, from the open as from a read (EISDIR, EAGAIN on a FIFO, ...)."""
    return read_at(None, path)


def read_at(dirfd: int | None, path: str) -> bytes:
    """dirfd/path (or path alone) to EOF, as csrc/io.c's sm_read_at: the one
    read loop of the pure backend, for the process scan too."""
    fd = os.open(path, _OPEN_FLAGS, dir_fd=dirfd)
    try:
        first = os.read(fd, _CHUNK)
        if not first:
            return first
        chunks = [first]
        while True:
            b = os.read(fd, _CHUNK)
            if not b:
                break
            chunks.append(b)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as e:
        if e.filename is None:
            e.filename = path
        raise
    finally:
        os.close(fd)


# --- /proc/stat ------------------------------------------------------------------


def _cpu_number(rest: bytes) -> int | None:
    """What follows "cpu" in a key: -1 for nothing, N for digits (within
    int64), None when it starts with a non-digit (another key), else _Bad."""
    if not rest:
        return -1
    if rest.isdigit():
        n = int(rest) if len(rest) < 19 else _u64(rest)
        if n > I64_MAX:
            raise _Bad("cpu number out of range")
        return n
    if rest[:1].isdigit():
        raise _Bad(f"bad cpu number in key {b'cpu' + rest[:40]!r}")
    return None  # "cpufreq" and the like


def parse_cpustat(data: bytes) -> CpuStat:
    """(cpus, stats) of /proc/stat: see sysmon._rawsys."""
    split = _splitter(data)
    ids: list[int] = []
    counts: list[int] = []
    flat: list[bytes] = []  # the cpu lines' numbers, checked and converted at once
    stats: list[int | None] = [None] * 7
    for line in data.split(b"\n"):
        toks = split(line, None, 11)  # key, 10 whole fields, the rest
        if not toks:
            continue
        key = toks[0]
        try:
            if key[:3] == b"cpu":
                cpu = _cpu_number(key[3:])
                if cpu is not None:
                    nums = toks[1:11]
                    if len(nums) < 4:
                        raise _Bad("cpu line with fewer than 4 numbers")
                    ids.append(cpu)
                    counts.append(len(nums))
                    flat += nums
                    continue
            idx = _CPUSTAT_KEYS.get(key)
            if idx is None:
                continue
            # ctxt..procs_blocked: exactly one number; intr, softirq: the first
            if len(toks) < 2 or (len(toks) > 2 and idx < _FIRST_ONLY) or not toks[1].isdigit():
                raise _Bad(f"{key.decode()} is not followed by a number")
            v = _u64(toks[1])
            if stats[idx] is None:  # a repeated key is checked; the first counts
                stats[idx] = v
        except _Bad as e:
            raise _fail("<cpustat buffer>", e, line) from None
    try:
        vals = _u64s(flat)
    except _Bad as e:
        raise _fail("<cpustat buffer>", e) from None
    cpus: list[tuple[int, tuple[int, ...]]] = []
    pos = 0
    for cpu, n in zip(ids, counts):
        cpus.append((cpu, tuple(vals[pos : pos + n])))
        pos += n
    return cpus, tuple(stats)


# --- meminfo / vmstat -------------------------------------------------------------


def parse_kv(data: bytes, colon: bool, keys: frozenset[bytes] | None = None) -> list[KvRow]:
    """meminfo (colon=True) or vmstat (colon=False) lines, in file order;
    every line is checked, and with ``keys`` only their rows are returned
    (a wanted key holding a NUL byte never matches, as in C, where the key
    list is NUL-separated)."""
    rows = _parse_kv(data, colon)
    if keys is None:
        return rows
    return [r for r in rows if r[0] in keys and b"\0" not in r[0]]


def _parse_kv(data: bytes, colon: bool) -> list[KvRow]:
    rx = _KV_COLON if colon else _KV_PLAIN
    found: list[tuple[bytes, bytes, bytes]] = rx.findall(data)
    # Each match is one whole line, so as many matches as lines means every
    # line matched; otherwise (blank lines, or a bad one) go line by line.
    if len(found) != data.count(b"\n") + (not data.endswith(b"\n") and bool(data)):
        found = []
        for line in data.split(b"\n"):
            m = rx.fullmatch(line)
            if m is not None:
                found.append((m.group(1), m.group(2), m.group(3) or b""))
            elif line.strip(b" \t"):
                raise _fail("<kv buffer>", _Bad("not a key and a number"), line)
    if not found:
        return []
    keys, vals, kbs = zip(*found)
    try:
        ints = _u64s(vals)
    except _Bad as e:
        raise _fail("<kv buffer>", e) from None
    return list(zip(keys, ints, map(bool, kbs)))


# --- one-line files ----------------------------------------------------------------


def parse_loadavg(data: bytes) -> tuple[int, int, int, int, int, int, int, int, int]:
    """(m1, s1, m5, s5, m15, s15, running, total, last_pid) of /proc/loadavg."""
    m = _LOADAVG.fullmatch(data)
    if m is None:
        raise ParseError("<loadavg buffer>", "not 'dec dec dec u64/u64 u64'")
    g = m.groups()
    try:
        m1, s1 = _dec(g[0], g[1])
        m5, s5 = _dec(g[2], g[3])
        m15, s15 = _dec(g[4], g[5])
        return m1, s1, m5, s5, m15, s15, _u64(g[6]), _u64(g[7]), _u64(g[8])
    except _Bad as e:
        raise _fail("<loadavg buffer>", e) from None


def parse_uptime(data: bytes) -> tuple[int, int, int, int]:
    """(up_m, up_s, idle_m, idle_s) of /proc/uptime."""
    m = _UPTIME.fullmatch(data)
    if m is None:
        raise ParseError("<uptime buffer>", "not 'dec dec'")
    g = m.groups()
    try:
        up = _dec(g[0], g[1])
        idle = _dec(g[2], g[3])
    except _Bad as e:
        raise _fail("<uptime buffer>", e) from None
    return up[0], up[1], idle[0], idle[1]


def parse_cpumax(data: bytes) -> tuple[int, int]:
    """(quota, period) of cgroup v2 cpu.max; quota -1 for "max"."""
    m = _CPUMAX.fullmatch(data)
    if m is None:
        raise ParseError("<cpumax buffer>", "not 'max|quota period'")
    q, p = m.groups()
    try:
        quota = -1 if q == b"max" else _u64(q)
        if quota > I64_MAX:
            raise _Bad("quota out of range")
        return quota, _u64(p)
    except _Bad as e:
        raise _fail("<cpumax buffer>", e) from None


def parse_int(data: bytes) -> int:
    """The one i64 of a one-number file."""
    m = _INT.fullmatch(data)
    if m is None:
        raise ParseError("<int buffer>", "not one integer")
    try:
        return _i64(m.group(1))
    except _Bad as e:
        raise _fail("<int buffer>", e) from None


# --- /proc/pressure ----------------------------------------------------------------


def parse_pressure(data: bytes) -> tuple[PsiRaw | None, PsiRaw | None]:
    """(some, full) of /proc/pressure/<resource>, None for an absent line."""
    some: PsiRaw | None = None
    full: PsiRaw | None = None
    for line in data.split(b"\n"):
        m = _PSI.fullmatch(line)
        if m is None:
            km = _KEY.match(line)
            if km and km.group(1) in (b"some", b"full"):
                raise ParseError("<pressure buffer>", f"bad line {line[:80]!r}")
            continue  # blank, or another key
        g = m.groups()
        try:
            a10 = _dec(g[1], g[2])
            a60 = _dec(g[3], g[4])
            a300 = _dec(g[5], g[6])
            row = (*a10, *a60, *a300, _u64(g[7]))
        except _Bad as e:
            raise _fail("<pressure buffer>", e, line) from None
        if g[0] == b"some":
            if some is None:
                some = row
        elif full is None:
            full = row
    return some, full


# --- mountinfo -----------------------------------------------------------------------


def _octal(m: re.Match[bytes]) -> bytes:
    return bytes((int(m.group(1), 8),))


def _unescape(s: bytes) -> bytes:
    """\\ooo (value <= 255) to its byte; any other backslash stays."""
    if b"\\" not in s:
        return s
    return _OCTAL.sub(_octal, s)


def _mount_ids(toks: list[bytes]) -> tuple[int, int, int, int]:
    """mount id, parent id (i64), major:minor (u64:u64), fully checked."""
    dev = _DEVNO.fullmatch(toks[2])
    if dev is None:
        raise _Bad(f"bad major:minor {toks[2][:40]!r}")
    return _i64(toks[0]), _i64(toks[1]), _u64(dev.group(1)), _u64(dev.group(2))


def _mount_tail(line: bytes, sep: int) -> list[bytes]:
    """fstype, source and super options: the fields after the separator (the
    sep-th token), each after exactly one blank (the kernel escapes blanks
    inside them), so an empty source ("tmpfs  rw") is a field of its own."""
    end = next(itertools.islice(_TOKEN.finditer(line), sep, None)).end()
    m = _MOUNT_TAIL.fullmatch(line, end)
    if m is None:
        raise _Bad("not 'fstype source super_options' after ' - '")
    return list(m.groups())


def parse_mountinfo(data: bytes) -> list[MountRaw]:
    """One raw row per mountinfo line, strings octal-unescaped."""
    split = _splitter(data)
    # Without a tab or two blanks in a row every separator is one space, so
    # the tokens after the "-" are the fields (the usual file: no regex).
    single = b"\t" not in data and b"  " not in data
    out: list[MountRaw] = []
    for line in data.split(b"\n"):
        toks = split(line, None, -1)
        if not toks:
            continue
        try:
            if len(toks) < 9:  # 10 with a source; an empty one is no token
                raise _Bad("fewer than 9 fields")
            try:
                sep = toks.index(b"-", 6)
            except ValueError:
                raise _Bad("no ' - ' separator") from None
            tail = toks[sep + 1 : sep + 4] if single else _mount_tail(line, sep)
            if len(tail) < 3:
                raise _Bad("fewer than 3 fields after ' - '")
            mid, pid, dev = toks[0], toks[1], toks[2]
            major, _, minor = dev.partition(b":")
            digits = mid + pid + major + minor
            if major and minor and len(digits) < 19 and digits.isdigit():
                ids = int(mid), int(pid), int(major), int(minor)  # small, non-negative
            else:
                ids = _mount_ids(toks)
        except _Bad as e:
            raise _fail("<mountinfo buffer>", e, line) from None
        strs = [*toks[3:6], b" ".join(toks[6:sep]), *tail]
        if b"\\" in line:
            strs = [_unescape(x) for x in strs]
        root, point, opts, optional, fstype, source, sopts = strs
        out.append((*ids, root, point, opts, optional, fstype, source, sopts))
    return out


# --- diskstats, net/dev ---------------------------------------------------------------


def parse_diskstats(data: bytes) -> list[DiskRaw]:
    """(major, minor, name, 11..17 counters) per /proc/diskstats line."""
    split = _splitter(data)
    names: list[bytes] = []
    counts: list[int] = []
    flat: list[bytes] = []  # major, minor, counters of every line, converted at once
    for line in data.split(b"\n"):
        toks = split(line, None, 20)  # major minor name, 17 whole fields, the rest
        if not toks:
            continue
        if len(toks) < 14:
            raise ParseError("<diskstats buffer>", f"fewer than 11 counters in {line[:80]!r}")
        nums = toks[3:20]
        names.append(toks[2])
        counts.append(len(nums))
        flat += toks[:2]
        flat += nums
    try:
        vals = _u64s(flat)
    except _Bad as e:
        raise _fail("<diskstats buffer>", e) from None
    out: list[DiskRaw] = []
    pos = 0
    for name, n in zip(names, counts):
        out.append((vals[pos], vals[pos + 1], name, tuple(vals[pos + 2 : pos + 2 + n])))
        pos += 2 + n
    return out


def parse_netdev(data: bytes) -> list[NetRaw]:
    """(name, 16 counters) per /proc/net/dev interface line."""
    split = _splitter(data)
    names: list[bytes] = []
    flat: list[bytes] = []  # 16 counters a line, converted at once
    for line in data.split(b"\n"):
        colon = line.rfind(b":")
        if colon < 0 and b"|" in line:
            continue  # a header (an interface line has a ':', and its name may hold a '|')
        name = line[: max(colon, 0)].lstrip(b" \t")
        if not name:
            if colon < 0 and not line.strip(b" \t"):
                continue  # a blank line
            raise ParseError("<netdev buffer>", f"no 'name:' in {line[:80]!r}")
        nums = split(line[colon + 1 :], None, 16)[:16]
        if len(nums) < 16:
            raise ParseError("<netdev buffer>", f"fewer than 16 counters in {line[:80]!r}")
        names.append(name)
        flat += nums
    try:
        vals = _u64s(flat)
    except _Bad as e:
        raise _fail("<netdev buffer>", e) from None
    return [(name, tuple(vals[16 * i : 16 * i + 16])) for i, name in enumerate(names)]


# --- cpu lists -------------------------------------------------------------------------


def parse_cpulist(data: bytes) -> list[tuple[int, int]]:
    """Ranges (lo, hi) of a list such as "0-3,8,10-11"; [] when empty."""
    s = data.strip(b" \t\n")
    if not s:
        return []
    out: list[tuple[int, int]] = []
    try:
        for item in s.split(b","):
            m = _RANGE.fullmatch(item)
            if m is None:
                raise _Bad(f"bad item {item[:40]!r}")
            lo = _u64(m.group(1))
            hi = lo if m.group(2) is None else _u64(m.group(2))
            if lo > hi:
                raise _Bad(f"range {item[:40]!r} goes down")
            out.append((lo, hi))
    except _Bad as e:
        raise _fail("<cpulist buffer>", e) from None
    return out
