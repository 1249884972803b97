"""Generated inputs for the stat / status parsers, C against Python.

``sysmon._native.parse_*`` and ``sysmon._pure.parse_*`` take the bytes of one
file and return the same tuple, or raise ``sysmon.ParseError``.  Every test
here checks that the two agree exactly; the round-trip tests also check that
the values parsed are the values generated.

Tuple layouts (sysmon/_raw.py):
  parse_stat   -> (pid, name, state, ppid, pgrp, session, tty_nr, tpgid, flags,
                   minflt, majflt, utime, stime, priority, nice, num_threads,
                   starttime, vsize, rss, processor)      processor -1 = absent
  parse_status -> (uid x4, gid x4, tgid, pid, VmRSS, RssFile, RssShmem)
                                                          -1 = line absent
  The memory values are the kB of "VmRSS:  1580 kB"; anything but blanks,
  digits (at most 2^63-1), at least one blank, "kB", blanks after the colon is
  a ParseError, as is a malformed Uid:/Gid:/Tgid:/Pid:.
"""

from __future__ import annotations

import os

import pytest
from helpers import generated
from hypothesis import assume, example, given
from hypothesis import strategies as st

import sysmon
from sysmon import _pure

try:
    from sysmon import _native
except ImportError:  # pragma: no cover
    _native = None

# with SYSMON_REQUIRE_NATIVE=1 (CI) a missing C build fails these instead
pytestmark = pytest.mark.skipif(
    _native is None and os.environ.get("SYSMON_REQUIRE_NATIVE") != "1",
    reason="C extension not built")

I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
U64_MAX = (1 << 64) - 1

# database=None: nothing is written under the checkout
SETTINGS = generated(300)
FEW = generated(200)

ANY_INT = st.integers(I64_MIN, U64_MAX)  # unchecked trailing fields
SIGNED = st.one_of(st.integers(I64_MIN, I64_MAX), st.sampled_from([I64_MIN, I64_MAX, -1, 0]))
UNSIGNED = st.one_of(st.integers(0, U64_MAX), st.sampled_from([0, U64_MAX, 1 << 63, 1 << 32]))

# stat fields 4..24 as (name, signed?) following proc(5)'s formats; None = not
# returned by the parser (cminflt, cmajflt, cutime, cstime, itrealvalue)
STAT_MANDATORY = [
    ("ppid", True), ("pgrp", True), ("session", True), ("tty_nr", True), ("tpgid", True),
    ("flags", False), ("minflt", False), (None, False), ("majflt", False), (None, False),
    ("utime", False), ("stime", False), (None, True), (None, True),
    ("priority", True), ("nice", True), ("num_threads", True), (None, True),
    ("starttime", False), ("vsize", False), ("rss", True),
]
RETURNED = [n for n, _ in STAT_MANDATORY if n is not None]

# a comm: arbitrary bytes but NUL, up to 64, biased towards the awkward ones
NAME_PIECE = st.one_of(
    st.sampled_from([b")", b"(", b" ", b"\n", b") ", b" (", b") S 1 2 ", b"\t", b"\x1b[31m",
                     "\u202e".encode(), b"\xff\xfe", b"9", b"-"]),
    st.binary(min_size=1, max_size=1).filter(lambda b: b != b"\0"),
)
NAMES = st.lists(NAME_PIECE, max_size=40).map(lambda parts: b"".join(parts)[:64])
STATES = st.sampled_from(list(b"RSDZTtXxKWPI")).map(lambda c: bytes([c]))


def _num(v: int) -> bytes:
    return str(v).encode()


def call(fn: str, data: bytes):
    """('ok', tuple) or ('ParseError', None) from each backend's parser."""
    out = []
    for mod in (_native, _pure):
        try:
            out.append(("ok", getattr(mod, fn)(data)))
        except sysmon.ParseError:
            out.append(("ParseError", None))
    return out


def agree(fn: str, data: bytes):
    c, p = call(fn, data)
    assert c == p, (fn, data, c, p)
    return c


# ------------------------------------------------------------------- stat
@st.composite
def stat_lines(draw):
    pid = draw(SIGNED)
    name = draw(NAMES)
    state = draw(STATES)
    mandatory = [draw(SIGNED if signed else UNSIGNED) for _, signed in STAT_MANDATORY]
    nfields = draw(st.integers(24, 60))
    tail = []
    for k in range(25, nfields + 1):
        tail.append(draw(SIGNED) if k == 39 else draw(ANY_INT))
    newline = draw(st.booleans())
    line = (_num(pid) + b" (" + name + b") " + state + b" "
            + b" ".join(_num(v) for v in mandatory + tail) + (b"\n" if newline else b""))
    values = dict(zip([n for n, _ in STAT_MANDATORY], mandatory))
    expect = (pid, name, state, *[values[n] for n in RETURNED],
              tail[39 - 25] if nfields >= 39 else -1)
    return line, expect, mandatory, tail, (pid, name, state)


REAL_STAT = (b"1837 (bash) S 1836 1837 1837 0 -1 4194560 2751 98999 1 79 2 2 212 80 20 0 1 0 "
             b"21133 5124096 967 18446744073709551615 94337471578112 94337472367517 "
             b"140725152856976 0 0 0 65536 4 1132560123 1 0 0 17 0 0 0 0 0 0 94337472600816 "
             b"94337472649060 94338213142528 140725152861055 140725152861070 140725152861070 "
             b"140725152862186 0\n")


@SETTINGS
@given(stat_lines())
def test_stat_roundtrip(case):
    line, expect, *_ = case
    (kc, c), (kp, p) = call("parse_stat", line)
    assert (kc, kp) == ("ok", "ok"), line
    assert c == p
    assert tuple(c) == expect


def test_stat_real_line():
    (kc, c), (kp, p) = call("parse_stat", REAL_STAT)
    assert (kc, kp) == ("ok", "ok")
    assert c == p
    assert c[:5] == (1837, b"bash", b"S", 1836, 1837)
    assert c[-1] == 0  # processor


def _set_field(case, k: int, text: bytes) -> bytes:
    """The generated line with stat field k (1-based, k != 2, 3) replaced."""
    line, _, mandatory, tail, (pid, name, state) = case
    nums = [_num(pid)] + [None, None] + [_num(v) for v in mandatory + tail]
    nums[k - 1] = text
    end = b"\n" if line.endswith(b"\n") else b""
    return nums[0] + b" (" + name + b") " + state + b" " + b" ".join(nums[3:]) + end


SIGNED_FIELDS = {1} | {i + 4 for i, (_, s) in enumerate(STAT_MANDATORY) if s} | {39}
UNSIGNED_FIELDS = {i + 4 for i, (_, s) in enumerate(STAT_MANDATORY) if not s}


@FEW
@given(stat_lines(), st.data())
def test_stat_out_of_range_is_parse_error(case, data):
    """A checked field just past its type's range: ParseError in both."""
    nfields = 3 + len(case[2]) + len(case[3])
    checked = sorted((SIGNED_FIELDS | UNSIGNED_FIELDS) - ({39} if nfields < 39 else set()))
    k = data.draw(st.sampled_from(checked), label="field")
    extra = data.draw(st.integers(0, 10 ** 30), label="beyond")
    if k in SIGNED_FIELDS:
        bad = data.draw(st.sampled_from([I64_MAX + 1 + extra, I64_MIN - 1 - extra]))
    else:
        bad = data.draw(st.sampled_from([U64_MAX + 1 + extra, -1 - extra]))
    line = _set_field(case, k, _num(bad))
    assert agree("parse_stat", line)[0] == "ParseError", (k, line)


@FEW
@given(stat_lines(), st.data())
def test_stat_non_number_is_parse_error(case, data):
    nfields = 3 + len(case[2]) + len(case[3])
    checked = sorted((SIGNED_FIELDS | UNSIGNED_FIELDS) - ({39} if nfields < 39 else set()))
    k = data.draw(st.sampled_from(checked), label="field")
    junk = data.draw(st.sampled_from([b"x", b"1x", b"+1", b"0x10", b"1.5", b"-", b"--1",
                                      b"1-", b"", b"\t1"]), label="junk")
    line = _set_field(case, k, junk)
    assert agree("parse_stat", line)[0] == "ParseError", (k, line)


@FEW
@given(stat_lines(), st.data())
def test_stat_truncated(case, data):
    """Every prefix of a valid line (old kernels' shorter lines, a read cut
    short): both parsers give the same tuple or both ParseError."""
    line = case[0]
    cut = data.draw(st.integers(0, len(line)), label="cut")
    agree("parse_stat", line[:cut])


# ------------------------------------------------------------------ status
_KERNEL_ESCAPE = {
    ord("\n"): b"\\n", ord("\t"): b"\\t", ord("\r"): b"\\r", ord("\f"): b"\\f",
    ord("\v"): b"\\v", ord("\\"): b"\\\\", 0x07: b"\\a", 0x1B: b"\\e",
}


def _escape(name: bytes) -> bytes:
    return b"".join(_KERNEL_ESCAPE.get(c, bytes([c])) for c in name)


STATUS_BEFORE = [b"Umask:\t0022", b"State:\tS (sleeping)", b"Ngid:\t0"]
STATUS_AFTER = [
    b"FDSize:\t256", b"Groups:\t4 24 27 ", b"NStgid:\t%d", b"NSpid:\t%d", b"NSpgid:\t1",
    b"NSsid:\t1", b"Kthread:\t0", b"VmPeak:\t    3060 kB", b"VmSize:\t    3060 kB",
    b"Threads:\t1", b"SigQ:\t0/96365",
    b"SigIgn:\t0000000000000000", b"CapEff:\t000001fffeffffff", b"Seccomp:\t0",
    b"Speculation_Store_Bypass:\tvulnerable", b"Cpus_allowed_list:\t0-1",
    b"Mems_allowed:\t00000000,00000001", b"voluntary_ctxt_switches:\t12",
    b"untag_mask:\t0xffffffffffffffff", b"x86_Thread_features:\t",
]
IDS = st.one_of(st.integers(0, (1 << 32) - 1), SIGNED)
BLANKS = st.text(alphabet=" \t", min_size=1, max_size=3).map(str.encode)
OPT_BLANKS = st.text(alphabet=" \t", max_size=3).map(str.encode)
MEM_KEYS = [b"VmRSS", b"RssFile", b"RssShmem"]
KB = st.one_of(st.integers(0, I64_MAX), st.sampled_from([0, 1, I64_MAX]))


@st.composite
def status_blobs(draw):
    name = draw(NAMES)
    uid = [draw(IDS) for _ in range(4)]
    gid = [draw(IDS) for _ in range(4)]
    tgid = draw(st.one_of(st.none(), st.integers(0, I64_MAX)))
    pid = draw(st.one_of(st.none(), st.integers(0, I64_MAX)))

    def ids(vals):
        out = b""
        for v in vals:
            out += draw(BLANKS) + _num(v)
        return out

    lines = [b"Name:\t" + _escape(name)]
    lines += [x for x in STATUS_BEFORE if draw(st.booleans())]
    if tgid is not None:
        lines.append(b"Tgid:" + ids([tgid]))
    if pid is not None:
        lines.append(b"Pid:" + ids([pid]))
    lines += [b"PPid:\t1", b"TracerPid:\t0"]
    lines.append(b"Uid:" + ids(uid) + draw(st.sampled_from([b"", b"\t", b" "])))
    lines.append(b"Gid:" + ids(gid) + draw(st.sampled_from([b"", b"\t", b" "])))
    after = [x % (tgid or 0) if b"%d" in x else x for x in STATUS_AFTER if draw(st.booleans())]
    # VmRSS, RssFile, RssShmem: each present or not (kernel threads have none,
    # Linux < 4.5 no Rss*), anywhere after Gid:
    mem = [draw(st.one_of(st.none(), KB)) for _ in MEM_KEYS]
    for key, v in zip(MEM_KEYS, mem):
        if v is not None:
            at = draw(st.integers(0, len(after)))
            after.insert(at, key + b":" + draw(OPT_BLANKS) + _num(v) + draw(BLANKS) + b"kB"
                         + draw(OPT_BLANKS))
    lines += after
    blob = b"\n".join(lines) + (b"\n" if draw(st.booleans()) else b"")
    expect = (*uid, *gid, -1 if tgid is None else tgid, -1 if pid is None else pid,
              *(-1 if v is None else v for v in mem))
    return blob, expect


@SETTINGS
@given(status_blobs())
def test_status_roundtrip(case):
    blob, expect = case
    (kc, c), (kp, p) = call("parse_status", blob)
    assert (kc, kp) == ("ok", "ok"), blob
    assert c == p
    assert tuple(c) == expect


@FEW
@given(status_blobs(), st.sampled_from([b"Uid", b"Gid", b"Tgid", b"Pid"]),
       st.sampled_from([b"x", b"1x", b"", b"99999999999999999999", b"-9223372036854775809",
                        b"1.0", b"+1"]))
def test_status_bad_id_is_parse_error(case, key, junk):
    blob, _ = case
    lines = blob.split(b"\n")
    idx = [i for i, ln in enumerate(lines) if ln.startswith(key + b":")]
    assume(idx)
    i = idx[0]
    head, _, rest = lines[i].partition(b":")
    vals = rest.split()
    vals[0] = junk
    lines[i] = head + b":\t" + b"\t".join(vals)
    assert agree("parse_status", b"\n".join(lines))[0] == "ParseError"


@FEW
@given(status_blobs(), st.sampled_from([b"Uid", b"Gid"]))
def test_status_missing_ids_is_parse_error(case, key):
    blob, _ = case
    lines = [ln for ln in blob.split(b"\n") if not ln.startswith(key + b":")]
    assert agree("parse_status", b"\n".join(lines))[0] == "ParseError"


# junk after "VmRSS:" etc. (the whole text after the colon)
MEM_JUNK = [b"\t  12", b"\t12kB", b"\t12 kb", b"\t12 KB", b"\t12 k", b"\t12", b"", b"\t",
            b"\t-1 kB", b"\t+1 kB", b"\t9223372036854775808 kB",
            b"\t18446744073709551616 kB", b"\t1 kB x", b"\t1.5 kB", b"\t kB", b"\t0x10 kB",
            b"\t1 kB\r", b"\t1 kB kB", b"\tx kB", b"\t1\nkB"]


@FEW
@given(status_blobs(), st.sampled_from(MEM_KEYS), st.sampled_from(MEM_JUNK), st.data())
def test_status_bad_memory_is_parse_error(case, key, junk, data):
    """A junk memory value, replacing the generated line or added: ParseError."""
    blob, _ = case
    lines = blob.split(b"\n")
    bad = key + b":" + junk
    idx = [i for i, ln in enumerate(lines) if ln.startswith(key + b":")]
    if idx:
        lines[idx[0]] = bad
    else:
        lines.insert(data.draw(st.integers(1, len(lines)), label="at"), bad)
    assert agree("parse_status", b"\n".join(lines))[0] == "ParseError"


# --------------------------------------------------- garbage and mutations
PARSERS = ["parse_stat", "parse_status"]


@SETTINGS
@given(st.sampled_from(PARSERS), st.binary(max_size=300))
@example("parse_stat", b"")
@example("parse_stat", b"1 (")
@example("parse_stat", b"1 ()")
@example("parse_stat", b"1 () S")
@example("parse_stat", b") (")
@example("parse_status", b"Uid:\nGid:\n")
@example("parse_status", b"")
@example("parse_status", b"Uid:0 0 0 0\nGid:0 0 0 0\nVmRSS:1 kB")
@example("parse_status", b"Uid:0 0 0 0\nGid:0 0 0 0\nVmRSS:1kB")
@example("parse_status", b"Uid:0 0 0 0\nGid:0 0 0 0\nRssFile:1 kB\nRssFile:")
def test_garbage_agrees(fn, data):
    agree(fn, data)


SPICE = st.sampled_from(list(b" \t\n()-:0123456789xS\xff\0"))


@st.composite
def mutated(draw, base):
    data = bytearray(draw(base)[0])
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            data.extend(bytes([draw(SPICE)]))
            continue
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["del", "ins", "set", "dup"]))
        if op == "del":
            del data[pos]
        elif op == "ins":
            data.insert(pos, draw(SPICE))
        elif op == "set":
            data[pos] = draw(SPICE)
        else:
            data[pos:pos] = data[pos: pos + draw(st.integers(1, 8))]
    return bytes(data)


@SETTINGS
@given(mutated(stat_lines()))
@example(REAL_STAT.replace(b" 17 0 0 0", b" 17\t0 0 0"))
@example(REAL_STAT.replace(b"(bash)", b"(bash) "))
@example(REAL_STAT.replace(b"1837 (", b"1837  ("))
def test_mutated_stat_agrees(data):
    agree("parse_stat", data)


@SETTINGS
@given(mutated(status_blobs()))
def test_mutated_status_agrees(data):
    agree("parse_status", data)


# ------------------------------------------------ no reads past the length
# The C parsers take (buf, len).  Calling them on a buffer that continues
# past len with bytes that would change the answer (digits, ')', blanks,
# keys) shows whether they ever look beyond len; under the CI's ASan pass the
# exact-size variant also turns a 1-byte over-read into a report.
SENTINELS = [b"", b"9", b")", b" 9", b"\n", b"9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n",
             b"\nUid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\n", b"-", b"B", b" kB", b" x",
             b"\nVmRSS:\t9 kB\n"]


def _c_parse_raw(fn: str, data: bytes, sentinel: bytes):
    from sysmon._sysmon_c import ffi, lib

    # exactly sized (no NUL after the bytes); never NULL, as from Python bytes
    buf = ffi.new(f"char[{max(len(data) + len(sentinel), 1)}]", data + sentinel)
    if fn == "parse_stat":
        out = ffi.new("struct sm_stat *")
        if lib.sm_parse_stat(buf, len(data), out) != 0:
            return None
        name = data[out.name_off: out.name_off + out.name_len]
        assert out.name_off + out.name_len <= len(data)
        return (out.pid, name, out.state, out.ppid, out.pgrp, out.session, out.tty_nr,
                out.tpgid, out.flags, out.minflt, out.majflt, out.utime, out.stime,
                out.priority, out.nice, out.num_threads, out.starttime, out.vsize, out.rss,
                out.processor)
    if fn == "parse_status":
        out = ffi.new("struct sm_status *")
        if lib.sm_parse_status(buf, len(data), out) != 0:
            return None
        return (*out.uid, *out.gid, out.tgid, out.pid, out.vm_rss, out.rss_file, out.rss_shmem)
    raise AssertionError(fn)


def _pure_or_none(fn: str, data: bytes):
    try:
        return tuple(getattr(_pure, fn)(data))
    except sysmon.ParseError:
        return None


def _check_no_overread(fn: str, data: bytes):
    want = _pure_or_none(fn, data)
    for s in SENTINELS:
        got = _c_parse_raw(fn, data, s)
        assert got == want, (fn, data, s, got, want)


@FEW
@given(st.one_of(stat_lines().map(lambda c: c[0]), mutated(stat_lines())), st.data())
@example(REAL_STAT.rstrip(b"\n"), None)
@example(b"1 (x) S", None)
@example(b"1 (x", None)
@example(b"1", None)
def test_stat_no_overread(data, more):
    if more is not None:
        data = data[: more.draw(st.integers(0, len(data)), label="cut")]
    _check_no_overread("parse_stat", data)


@FEW
@given(st.one_of(status_blobs().map(lambda c: c[0]), mutated(status_blobs())))
@example(b"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0")
@example(b"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t")
@example(b"Uid")
@example(b"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t12 k")
@example(b"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t12 kB")
@example(b"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nRssFile:\t12")
def test_status_no_overread(data):
    for cut in {len(data), len(data) // 2, max(len(data) - 1, 0)}:
        _check_no_overread("parse_status", data[:cut])
