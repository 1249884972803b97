"""Parser tables for the one-process files (contract: sysmon/_rawpid.py):
parse_status_ext, parse_rollup, parse_limits, parse_cgroup, parse_fdinfo.

One case per awkward input, each run on C and Python with the same expected
result; every expected value is written by hand from the contract and the
input beside it.  Malformed input raises sysmon.errors.ParseError in both.
Cases the contract leaves open are in ``*_AGREE`` tables: there the two
implementations only have to agree.  The last part reads the captured files
under tests/fixtures/pid/ and compares with ground truth taken at capture
time from other interfaces (capget, getrlimit, prlimit, lseek, fstat, ...).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from pid_parser_support import (
    I64_MAX,
    I64_MIN,
    LIMITS_HEADER,
    LIMITS_KERNEL,
    NONE15,
    O_LARGEFILE,
    PRLIMIT_ORDER,
    STATUS_EXT_KEYS,
    TOO_BIG,
    U64,
    U64_TEXT,
    agree,
    assert_exact,
    call,
    captured,
    captured_facts,
    limits_file,
    limits_line,
    limits_rows,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    prlimit_raw,
    status_line,
    sx,
)

from sysmon.errors import ParseError

UNL = U64  # "unlimited"


def check(mod: ModuleType, fn: str, data: bytes, want: Any) -> None:
    """``want`` is the exact result, or ParseError for malformed input."""
    if want is ParseError:
        with pytest.raises(ParseError):
            call(mod, fn, data)
    else:
        assert_exact(call(mod, fn, data), want)


# ============================================================ status_ext
# A whole status file of a 6.x kernel, every line (many formats this parser
# must ignore: Groups with a lone blank, SigQ "a/b", untag_mask "0x...",
# masks with commas, "Speculation...: thread force mitigated").
STATUS_REAL = (
    b"Name:\tpython3\n"
    b"Umask:\t0022\n"
    b"State:\tS (sleeping)\n"
    b"Tgid:\t6693\nNgid:\t0\nPid:\t6693\nPPid:\t6691\nTracerPid:\t0\n"
    b"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
    b"FDSize:\t256\n"
    b"Groups:\t \n"
    b"NStgid:\t6693\nNSpid:\t6693\nNSpgid:\t6691\nNSsid:\t5278\n"
    b"Kthread:\t0\n"
    b"VmPeak:\t    3060 kB\nVmSize:\t    3060 kB\nVmLck:\t       0 kB\nVmRSS:\t    1676 kB\n"
    b"RssAnon:\t     112 kB\n"
    b"HugetlbPages:\t       0 kB\n"
    b"CoreDumping:\t0\n"
    b"THP_enabled:\t1\n"
    b"untag_mask:\t0xffffffffffffffff\n"
    b"Threads:\t1\n"
    b"SigQ:\t0/96365\n"
    b"SigPnd:\t0000000000000100\n"
    b"ShdPnd:\t0000000800000000\n"
    b"SigBlk:\t0000000000010000\n"
    b"SigIgn:\t0000000001001000\n"
    b"SigCgt:\t0000000180004a07\n"
    b"CapInh:\t0000000000000000\n"
    b"CapPrm:\t000001fffeffffff\n"
    b"CapEff:\t000001fffeffdfff\n"
    b"CapBnd:\t000001ffffffffff\n"
    b"CapAmb:\t0000000000000001\n"
    b"NoNewPrivs:\t1\n"
    b"Seccomp:\t2\n"
    b"Seccomp_filters:\t3\n"
    b"Speculation_Store_Bypass:\tthread force mitigated\n"
    b"SpeculationIndirectBranch:\tconditional force disabled\n"
    b"Cpus_allowed:\t3\n"
    b"Cpus_allowed_list:\t0-1\n"
    b"Mems_allowed:\t00000000,00000001\n"
    b"Mems_allowed_list:\t0\n"
    b"voluntary_ctxt_switches:\t1234\n"
    b"nonvoluntary_ctxt_switches:\t56\n"
)
STATUS_REAL_WANT = sx(
    voluntary_ctxt_switches=1234, nonvoluntary_ctxt_switches=56,
    CapInh=0, CapPrm=0x1FFFEFFFFFF, CapEff=0x1FFFEFFDFFF, CapBnd=0x1FFFFFFFFFF, CapAmb=1,
    NoNewPrivs=1, Seccomp=2,
    SigPnd=0x100, ShdPnd=0x800000000, SigBlk=0x10000, SigIgn=0x1001000, SigCgt=0x180004A07,
    Umask=0o22,
)
# A zombie's status has no Umask line, and stops after SigCgt-like lines
STATUS_ZOMBIE = (b"Name:\tz\nState:\tZ (zombie)\nTgid:\t9\nThreads:\t1\nSigQ:\t0/1\n"
                 b"SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
                 b"SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
                 b"SigCgt:\t0000000000000000\nCapInh:\t0000000000000000\n"
                 b"CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
                 b"CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
                 b"Seccomp:\t0\nSeccomp_filters:\t0\n"
                 b"voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n")
ALL_MAX = b"".join(
    status_line(k.decode(), {"dec": U64_TEXT, "hex": b"ffffffffffffffff",
                             "oct": b"1777777777777777777777"}[f])
    for k, f in zip(STATUS_EXT_KEYS, ("dec", "dec", *["hex"] * 5, "dec", "dec",
                                      *["hex"] * 5, "oct")))

STATUS_CASES: list[Any] = [
    pytest.param(STATUS_REAL, STATUS_REAL_WANT, id="real-6x-all-15"),
    pytest.param(STATUS_ZOMBIE, sx(voluntary_ctxt_switches=1, nonvoluntary_ctxt_switches=0,
                                   CapInh=0, CapPrm=0, CapEff=0, CapBnd=0x1FFFFFFFFFF, CapAmb=0,
                                   NoNewPrivs=0, Seccomp=0, SigPnd=0, ShdPnd=0, SigBlk=0,
                                   SigIgn=0, SigCgt=0), id="zombie-no-umask"),
    pytest.param(ALL_MAX, tuple([U64] * 15), id="all-15-at-u64-max"),
    pytest.param(b"", NONE15, id="empty"),
    pytest.param(b"\n\n\n", NONE15, id="blank-lines"),
    # hex
    pytest.param(b"CapEff:\t000001fffeffffff\n", sx(CapEff=0x1FFFEFFFFFF), id="hex-lower"),
    pytest.param(b"CapEff:\t000001FFFEFFFFFF\n", sx(CapEff=0x1FFFEFFFFFF), id="hex-upper"),
    pytest.param(b"SigCgt:\taBcDeF0123456789\n", sx(SigCgt=0xABCDEF0123456789), id="hex-mixed"),
    pytest.param(b"SigBlk:\tffffffffffffffff\n", sx(SigBlk=U64), id="hex-16-digits-max"),
    pytest.param(b"SigBlk:\tFFFFFFFFFFFFFFFF\n", sx(SigBlk=U64), id="hex-16-upper-max"),
    pytest.param(b"CapAmb:\t1\n", sx(CapAmb=1), id="hex-one-digit"),
    pytest.param(b"CapAmb:\t0\n", sx(CapAmb=0), id="hex-zero"),
    pytest.param(b"SigBlk:\t00000000000000000\n", ParseError, id="hex-17-zeros"),
    pytest.param(b"SigBlk:\t1ffffffffffffffff\n", ParseError, id="hex-17-digits"),
    pytest.param(b"CapEff:\t0x01\n", ParseError, id="hex-0x-prefix"),
    pytest.param(b"CapEff:\t000000000000000g\n", ParseError, id="hex-bad-digit"),
    pytest.param(b"CapEff:\t-1\n", ParseError, id="hex-negative"),
    pytest.param(b"CapEff:\n", ParseError, id="hex-no-value"),
    pytest.param(b"CapEff:", ParseError, id="hex-no-value-at-eof"),
    pytest.param(b"CapEff: \t \n", ParseError, id="hex-only-blanks"),
    pytest.param(b"CapEff:\t00:ff\n", ParseError, id="hex-with-colon"),
    # decimal
    pytest.param(b"voluntary_ctxt_switches:\t" + U64_TEXT + b"\n",
                 sx(voluntary_ctxt_switches=U64), id="dec-u64-max"),
    pytest.param(b"voluntary_ctxt_switches:\t" + TOO_BIG + b"\n", ParseError,
                 id="dec-overflow-2^64"),
    pytest.param(b"nonvoluntary_ctxt_switches:\t99999999999999999999\n", ParseError,
                 id="dec-overflow-20-nines"),
    pytest.param(b"nonvoluntary_ctxt_switches:\t100000000000000000000000000000\n", ParseError,
                 id="dec-overflow-30-digits"),
    pytest.param(b"Seccomp:\t00000000000000000000000000042\n", sx(Seccomp=42),
                 id="dec-leading-zeros-fit"),
    pytest.param(b"NoNewPrivs:\t-1\n", ParseError, id="dec-negative"),
    pytest.param(b"NoNewPrivs:\t+1\n", ParseError, id="dec-plus"),
    pytest.param(b"NoNewPrivs:\t1.5\n", ParseError, id="dec-fraction"),
    pytest.param(b"NoNewPrivs:\t12ab\n", ParseError, id="dec-trailing-letters"),
    pytest.param(b"NoNewPrivs:\t0 1\n", ParseError, id="dec-two-tokens"),
    pytest.param(b"Seccomp:\tff\n", ParseError, id="dec-given-hex"),
    pytest.param(b"voluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t7\n",
                 sx(voluntary_ctxt_switches=5, nonvoluntary_ctxt_switches=7),
                 id="dec-key-suffix-of-other"),
    pytest.param(b"nonvoluntary_ctxt_switches:\t7\n", sx(nonvoluntary_ctxt_switches=7),
                 id="only-nonvoluntary"),
    pytest.param(b"Seccomp_filters:\t4\n", NONE15, id="seccomp-filters-not-seccomp"),
    pytest.param(b"Seccomp_filters:\tjunk\nSeccomp:\t1\n", sx(Seccomp=1),
                 id="seccomp-filters-ignored"),
    # octal
    pytest.param(b"Umask:\t0022\n", sx(Umask=0o22), id="oct-umask"),
    pytest.param(b"Umask:\t0777\n", sx(Umask=0o777), id="oct-0777"),
    pytest.param(b"Umask:\t0\n", sx(Umask=0), id="oct-single-zero"),
    pytest.param(b"Umask:\t1777777777777777777777\n", sx(Umask=U64), id="oct-u64-max"),
    pytest.param(b"Umask:\t0001777777777777777777777\n", sx(Umask=U64), id="oct-max-lead-zeros"),
    pytest.param(b"Umask:\t2000000000000000000000\n", ParseError, id="oct-overflow"),
    pytest.param(b"Umask:\t0028\n", ParseError, id="oct-digit-8"),
    pytest.param(b"Umask:\t0029\n", ParseError, id="oct-digit-9"),
    pytest.param(b"Umask:\t0o22\n", ParseError, id="oct-0o-prefix"),
    pytest.param(b"Umask:\t0022\r\n", ParseError, id="oct-carriage-return"),
    pytest.param(b"Umask:\t00\x0022\n", ParseError, id="oct-nul-inside"),
    # repeats
    pytest.param(b"Umask:\t0022\nUmask:\t0077\n", sx(Umask=0o77), id="repeat-last-wins"),
    pytest.param(b"CapEff:\tff\nName:\tx\nCapEff:\t01\n", sx(CapEff=1), id="repeat-hex-last"),
    pytest.param(b"Seccomp:\t2\nSeccomp:\t0\n", sx(Seccomp=0), id="repeat-to-zero"),
    pytest.param(b"Umask:\tzz\nUmask:\t0022\n", ParseError, id="repeat-earlier-malformed"),
    pytest.param(b"Umask:\t0022\nUmask:\n", ParseError, id="repeat-later-empty"),
    # other keys and lines
    pytest.param(b"SigQ:\t0/96365\nCpus_allowed_list:\t0-1\nGroups:\t \nGroups:\n"
                 b"Name:\tx: y: z\nuntag_mask:\t0xffffffffffffffff\nUid:\t0\t0\t0\t0\n"
                 b"VmRSS:\t    123 kB\nSpeculation_Store_Bypass:\tthread force mitigated\n"
                 b"Mems_allowed:\t00000000,00000001\nCapEff:\t0f\n",
                 sx(CapEff=15), id="other-keys-odd-formats"),
    pytest.param(b"garbage without colon\nCapEff 00ff\nUmask 0022\nCapEff:\t01\n",
                 sx(CapEff=1), id="lines-without-colon"),
    pytest.param(b":\n:::\n: 5\nUmask:\t0002\n", sx(Umask=2), id="empty-keys"),
    pytest.param(b"capeff:\tzz\nCAPEFF:\tzz\nUMASK:\t9\n", NONE15, id="keys-case-sensitive"),
    pytest.param(b"\tCapEff:\tzz\n CapEff:\tzz\n", NONE15, id="key-with-leading-blank"),
    pytest.param(b"CapEff :\tzz\nCapEff\t:\tzz\n", NONE15, id="key-with-trailing-blank"),
    pytest.param(b"XCapEff:\tzz\nCapEffX:\tzz\nCap:\tzz\n", NONE15, id="key-prefix-suffix"),
    pytest.param(b"Name:\tab\x00c\nUmask:\t0022\n", sx(Umask=0o22), id="nul-in-ignored-line"),
    pytest.param(b"Name:\t\xff\xfe\x1b[31m\nUmask:\t0022\n", sx(Umask=0o22),
                 id="binary-in-ignored-line"),
    pytest.param(b"Umask:\t0022", sx(Umask=0o22), id="no-final-newline"),
    pytest.param(b"Name:\tx\nCapAmb:\t0000000000000001", sx(CapAmb=1), id="no-final-nl-hex"),
    pytest.param(b"CapEff:\t00ff\t\n", sx(CapEff=255), id="trailing-tab"),
    pytest.param(b"CapEff: \t 00ff \t \n", sx(CapEff=255), id="blanks-around-value"),
    pytest.param(b"CapEff:00ff\n", sx(CapEff=255), id="no-blank-after-colon"),
    pytest.param(b"CapEff:\t\t\t00ff\n", sx(CapEff=255), id="tabs-before-value"),
    pytest.param(b"CapEff:\x0b00ff\n", ParseError, id="vertical-tab-not-blank"),
    pytest.param(b"CapEff:\t00ff\x0c\n", ParseError, id="form-feed-not-blank"),
    pytest.param(b"Umask:\t0022\r\nCapEff:\t0\n", ParseError, id="crlf"),
]


@pytest.mark.parametrize(("data", "want"), STATUS_CASES)
def test_status_ext(mod: ModuleType, data: bytes, want: Any) -> None:
    check(mod, "parse_status_ext", data, want)


def test_status_ext_each_key_alone(mod: ModuleType) -> None:
    """Every key, alone, in its own format: only its slot is set; a value of
    the wrong format (a hex letter in a decimal, an 8 in an octal) is malformed."""
    samples = {"dec": (b"123", 123, b"12a"), "hex": (b"00000000000000A5", 0xA5, b"xyz"),
               "oct": (b"0755", 0o755, b"0758")}
    for i, key in enumerate(STATUS_EXT_KEYS):
        fmt = ("dec", "dec", *["hex"] * 5, "dec", "dec", *["hex"] * 5, "oct")[i]
        text, value, bad = samples[fmt]
        want = list(NONE15)
        want[i] = value
        assert_exact(call(mod, "parse_status_ext", status_line(key.decode(), text)), tuple(want))
        with pytest.raises(ParseError):
            call(mod, "parse_status_ext", status_line(key.decode(), bad))


# ================================================================ rollup
ROLLUP_HEADER = (b"55d4e7c8b000-7ffcbbabb000 ---p 00000000 00:00 0"
                 b"                          [rollup]\n")
ROLLUP_BODY = (b"Rss:               15860 kB\nPss:               10404 kB\n"
               b"Pss_Dirty:          8736 kB\nShared_Clean:       6920 kB\n"
               b"KSM:                   0 kB\nSwapPss:               0 kB\n")
ROLLUP_ROWS = [(b"Rss", 15860, True), (b"Pss", 10404, True), (b"Pss_Dirty", 8736, True),
               (b"Shared_Clean", 6920, True), (b"KSM", 0, True), (b"SwapPss", 0, True)]

ROLLUP_CASES: list[Any] = [
    pytest.param(ROLLUP_HEADER + ROLLUP_BODY, ROLLUP_ROWS, id="real-header"),
    pytest.param(ROLLUP_BODY, ROLLUP_ROWS, id="no-header"),
    pytest.param(b"", [], id="empty-kernel-thread"),
    pytest.param(ROLLUP_HEADER, [], id="header-only"),
    pytest.param(ROLLUP_HEADER.rstrip(b"\n"), [], id="header-only-no-newline"),
    pytest.param(b"0-0\n", [], id="header-one-token"),
    pytest.param(b"a-b ::: x y: z\nRss: 1 kB\n", [(b"Rss", 1, True)], id="header-any-rest"),
    pytest.param(b"  \t55d4-7ffc ---p [rollup]\nRss: 1 kB\n", [(b"Rss", 1, True)],
                 id="header-leading-blanks"),
    pytest.param(b"55d4-7ffc\t[rollup]\nRss: 1 kB\n", [(b"Rss", 1, True)], id="header-tab"),
    pytest.param(b"Rss-x: 1 kB\nPss: 2 kB\n", [(b"Pss", 2, True)],
                 id="first-token-with-dash-skipped"),
    pytest.param(b"Rss-x: notanumber\nPss: 2 kB\n", [(b"Pss", 2, True)],
                 id="dash-first-token-bad-value-skipped"),
    pytest.param(b"Rss: 1 kB\nPss-x: 2 kB\n", [(b"Rss", 1, True), (b"Pss-x", 2, True)],
                 id="dash-in-later-key-kept"),
    pytest.param(b"Rss: 1 kB\n" + ROLLUP_HEADER, ParseError, id="header-on-second-line"),
    pytest.param(ROLLUP_HEADER + ROLLUP_HEADER, ParseError, id="header-twice"),
    pytest.param(b"55d4e7c8b000 7ffcbbabb000 [rollup]\nRss: 1 kB\n", ParseError,
                 id="header-without-dash"),
    pytest.param(ROLLUP_HEADER + b"Rss: x kB\n", ParseError, id="bad-value"),
    pytest.param(ROLLUP_HEADER + b"Rss 1 kB\n", ParseError, id="no-colon"),
    pytest.param(ROLLUP_HEADER + b"Rss: 1 MB\n", ParseError, id="bad-unit"),
    pytest.param(ROLLUP_HEADER + b"Rss: " + TOO_BIG + b" kB\n", ParseError, id="overflow"),
    pytest.param(ROLLUP_HEADER + b"Rss: " + U64_TEXT + b" kB\nX: 0\n",
                 [(b"Rss", U64, True), (b"X", 0, False)], id="u64-max-and-no-kb"),
    pytest.param(ROLLUP_HEADER + b"Rss: 1 kB\nRss: 2 kB\n", [(b"Rss", 1, True), (b"Rss", 2, True)],
                 id="duplicates-kept"),
    pytest.param(ROLLUP_HEADER + b"\nRss: 1 kB\n\n  \t\nPss: 2 kB\n",
                 [(b"Rss", 1, True), (b"Pss", 2, True)], id="blank-lines"),
    pytest.param(ROLLUP_HEADER + b"Rss:\t1\tkB", [(b"Rss", 1, True)], id="tabs-no-final-nl"),
    # a long header: key offsets must be into the whole input, not the rest
    pytest.param(b"1-2" + b" x" * 300 + b"\n" + b"Aaaa: 1 kB\nBb: 2\n",
                 [(b"Aaaa", 1, True), (b"Bb", 2, False)], id="long-header-offsets"),
]
ROLLUP_AGREE: list[Any] = [
    # is an empty first line "the first line"?  Either way both must agree
    pytest.param(b"\n" + ROLLUP_HEADER + b"Rss: 1 kB\n", id="empty-line-then-header"),
    pytest.param(b"\n\nRss-x: 1 kB\n", id="blank-lines-then-dash-key"),
]


@pytest.mark.parametrize(("data", "want"), ROLLUP_CASES)
def test_rollup(mod: ModuleType, data: bytes, want: Any) -> None:
    check(mod, "parse_rollup", data, want)


@pytest.mark.parametrize("data", ROLLUP_AGREE)
def test_rollup_agree(data: bytes) -> None:
    agree("parse_rollup", data)


def test_rollup_equals_kv_of_rest(mod: ModuleType) -> None:
    """With the header cut off, parse_rollup is parse_kv(colon=True) exactly
    (same keys' bytes, values and kB flags)."""
    data = captured("smaps_rollup")
    rest = data[data.index(b"\n") + 1:]
    assert_exact(call(mod, "parse_rollup", data), call(mod, "parse_kv", rest, True))


# ================================================================ limits
LIMITS_VALUES = [(UNL, UNL), (UNL, UNL), (UNL, UNL), (8388608, UNL), (0, UNL), (UNL, UNL),
                 (96365, 96365), (20000, 20000), (8388608, 8388608), (UNL, UNL), (UNL, UNL),
                 (96365, 96365), (819200, 819200), (0, 0), (0, 0), (UNL, UNL)]
LIMITS_REAL = limits_file(LIMITS_VALUES)
LIMITS_REAL_ROWS = limits_rows(LIMITS_VALUES)


def lim(name: bytes, soft: int, hard: int, units: bytes = b"") -> tuple[bytes, int, int, bytes]:
    return (name, soft, hard, units)


LIMITS_CASES: list[Any] = [
    pytest.param(LIMITS_REAL, LIMITS_REAL_ROWS, id="real-16-rows"),
    pytest.param(b"", [], id="empty"),
    pytest.param(LIMITS_HEADER, [], id="header-only"),
    pytest.param(LIMITS_HEADER.rstrip(b" \n"), [], id="header-only-no-newline"),
    pytest.param(b"Max cpu time unlimited unlimited seconds\n",
                 [lim(b"Max cpu time", UNL, UNL, b"seconds")], id="no-header"),
    pytest.param(limits_line(b"Max nice priority", 0, 0, None),
                 [lim(b"Max nice priority", 0, 0)], id="nice-no-units-trailing-blanks"),
    pytest.param(b"Max nice priority         0                    0",
                 [lim(b"Max nice priority", 0, 0)], id="no-units-no-newline"),
    pytest.param(limits_line(b"Max realtime timeout", UNL, UNL, b"us"),
                 [lim(b"Max realtime timeout", UNL, UNL, b"us")], id="realtime-timeout-us"),
    pytest.param(limits_line(b"Max realtime timeout", 200000, 300000, b"us"),
                 [lim(b"Max realtime timeout", 200000, 300000, b"us")], id="rttime-numbers"),
    pytest.param(b"Max file size " + U64_TEXT + b" " + U64_TEXT + b" bytes\n",
                 [lim(b"Max file size", U64, U64, b"bytes")], id="u64-max-decimal"),
    pytest.param(b"Max file size 0 18446744073709551615 bytes\n",
                 [lim(b"Max file size", 0, U64, b"bytes")], id="zero-and-max"),
    pytest.param(b"Max core file size 00012 unlimited bytes\n",
                 [lim(b"Max core file size", 12, UNL, b"bytes")], id="leading-zeros"),
    pytest.param(b"Max cpu time " + TOO_BIG + b" unlimited seconds\n", ParseError,
                 id="soft-overflow"),
    pytest.param(b"Max cpu time unlimited " + TOO_BIG + b" seconds\n", ParseError,
                 id="hard-overflow"),
    pytest.param(b"Max cpu time unlimited unlimited seconds extra\n", ParseError,
                 id="too-many-tokens"),
    pytest.param(b"Max cpu time 1 2 3 4\n", ParseError, id="too-many-numbers"),
    pytest.param(b"unlimited unlimited seconds\n", ParseError, id="no-name-unlimited"),
    pytest.param(b"5 6 seconds\n", ParseError, id="no-name-number"),
    pytest.param(b"  5 6\n", ParseError, id="no-name-leading-blanks"),
    pytest.param(b"Max cpu time\n", ParseError, id="name-only"),
    pytest.param(b"Max cpu time 5\n", ParseError, id="soft-only"),
    pytest.param(b"Max cpu time unlimited\n", ParseError, id="unlimited-only"),
    pytest.param(b"Max cpu time 5 five seconds\n", ParseError, id="hard-is-a-word"),
    pytest.param(b"Max cpu time 5 -1 seconds\n", ParseError, id="hard-negative"),
    pytest.param(b"Max cpu time 5 unlimitedx seconds\n", ParseError, id="hard-unlimitedx"),
    pytest.param(b"Max  cpu\ttime \t 1 2 s\n", [lim(b"Max  cpu\ttime", 1, 2, b"s")],
                 id="name-inner-blanks-kept"),
    pytest.param(b" \t Max cpu time 1 2 s\n", [lim(b"Max cpu time", 1, 2, b"s")],
                 id="leading-blanks"),
    pytest.param(b"Max\t1\t2\ts\t\n", [lim(b"Max", 1, 2, b"s")], id="one-token-name-tabs"),
    pytest.param(b"Max unlimitedx 1 2 s\n", [lim(b"Max unlimitedx", 1, 2, b"s")],
                 id="unlimitedx-is-name"),
    pytest.param(b"Max Unlimited 1 2\n", [lim(b"Max Unlimited", 1, 2)], id="Unlimited-is-name"),
    pytest.param(b"Max x -1 5 5 u\n", [lim(b"Max x -1", 5, 5, b"u")], id="minus-one-is-name"),
    pytest.param(b"Max 2x 3 4\n", [lim(b"Max 2x", 3, 4)], id="digit-word-is-name"),
    pytest.param(b"Max 2 things 5\n", ParseError, id="number-in-name"),
    pytest.param(b"Max cpu time 1 2 seconds\r\n", [lim(b"Max cpu time", 1, 2, b"seconds\r")],
                 id="carriage-return-in-units"),
    pytest.param(b"Max cpu time 1 2 \xc2\xb5s\n", [lim(b"Max cpu time", 1, 2, b"\xc2\xb5s")],
                 id="utf8-units"),
    pytest.param(b"\n   \n\t\n" + LIMITS_HEADER + b"\n \nMax x 1 2\n\n",
                 [lim(b"Max x", 1, 2)], id="blank-only-lines"),
    pytest.param(b"Max x 1 2\nLimit anything at all 1 2 3 4 5\nMax y 3 4\n",
                 [lim(b"Max x", 1, 2), lim(b"Max y", 3, 4)], id="header-in-middle"),
    pytest.param(b"  Limit   Soft\nMax x 1 2\n", [lim(b"Max x", 1, 2)], id="header-indented"),
    pytest.param(b"Limit\n", [], id="header-one-token"),
    pytest.param(b"Limits x 1 2\n", [lim(b"Limits x", 1, 2)], id="Limits-is-not-header"),
    pytest.param(b"limit x 1 2\n", [lim(b"limit x", 1, 2)], id="limit-lowercase-not-header"),
    pytest.param(b"Max x 1 2\x00\n", ParseError, id="nul-glued-to-hard"),
    pytest.param(b"Max x 1 2 unlimited\n", [lim(b"Max x", 1, 2, b"unlimited")],
                 id="units-unlimited"),
    pytest.param(b"Max x 1 2 3\n", [lim(b"Max x", 1, 2, b"3")], id="units-a-number"),
    pytest.param(b"Max x 1 2 " + TOO_BIG + b"\n", [lim(b"Max x", 1, 2, TOO_BIG)],
                 id="units-any-token"),
]
LIMITS_AGREE: list[Any] = [
    # 2^64 is not "a decimal": it may count as a name token, or be malformed
    pytest.param(b"Max x " + TOO_BIG + b" 1 2\n", id="overflow-token-then-numbers"),
    pytest.param(b"Max x 1 2 \x00\n", id="nul-as-units"),
]


@pytest.mark.parametrize(("data", "want"), LIMITS_CASES)
def test_limits(mod: ModuleType, data: bytes, want: Any) -> None:
    check(mod, "parse_limits", data, want)


@pytest.mark.parametrize("data", LIMITS_AGREE)
def test_limits_agree(data: bytes) -> None:
    agree("parse_limits", data)


def test_limits_every_kernel_row(mod: ModuleType) -> None:
    """Each of the 16 kernel rows alone, as the kernel prints it, with numbers
    and with "unlimited"; rows without units give b""."""
    for name, units in LIMITS_KERNEL:
        for soft, hard in ((1, 2), (UNL, UNL), (0, UNL), (U64 - 1, U64)):
            got = call(mod, "parse_limits", LIMITS_HEADER + limits_line(name, soft, hard, units))
            assert_exact(got, [(name, soft, hard, units or b"")])


# ================================================================ cgroup
CG_V1 = (b"9:name=systemd:/\n8:pids:/user.slice\n4:memory:/process_api/8dc3b057\n"
         b"2:cpu,cpuacct:/\n0::/\n")
CG_V1_ROWS = [(9, b"name=systemd", b"/"), (8, b"pids", b"/user.slice"),
              (4, b"memory", b"/process_api/8dc3b057"), (2, b"cpu,cpuacct", b"/"),
              (0, b"", b"/")]
CGROUP_CASES: list[Any] = [
    pytest.param(b"0::/user.slice/user-1000.slice/session-2.scope\n",
                 [(0, b"", b"/user.slice/user-1000.slice/session-2.scope")], id="v2"),
    pytest.param(CG_V1, CG_V1_ROWS, id="v1-hybrid"),
    pytest.param(b"1:name=systemd:/init.scope\n", [(1, b"name=systemd", b"/init.scope")],
                 id="v1-name-systemd"),
    pytest.param(b"0::/a:b:c\n", [(0, b"", b"/a:b:c")], id="path-with-colons"),
    pytest.param(b"3:cpu:/x::y:\n", [(3, b"cpu", b"/x::y:")], id="path-colons-at-end"),
    pytest.param(b"0::/my dir/x y\n", [(0, b"", b"/my dir/x y")], id="path-with-spaces"),
    pytest.param(b"0::  /lead\t\n", [(0, b"", b"  /lead\t")], id="path-blanks-kept"),
    pytest.param(b"0::/foo (deleted)\n", [(0, b"", b"/foo (deleted)")], id="path-deleted"),
    pytest.param(b"0::/x\r\n", [(0, b"", b"/x\r")], id="path-carriage-return-kept"),
    pytest.param(b"0::/a\x00b\n", [(0, b"", b"/a\x00b")], id="path-nul-kept"),
    pytest.param(b"0::/\xff\xfe\n", [(0, b"", b"/\xff\xfe")], id="path-invalid-utf8"),
    pytest.param(b"0::\n", [(0, b"", b"")], id="empty-path"),
    pytest.param(b"0::", [(0, b"", b"")], id="empty-path-no-newline"),
    pytest.param(b"1:::\n", [(1, b"", b":")], id="path-is-colon"),
    pytest.param(b"0::/", [(0, b"", b"/")], id="no-final-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(b"\n\n0::/\n\n\n1:x:/\n", [(0, b"", b"/"), (1, b"x", b"/")], id="empty-lines"),
    pytest.param(b"007::/\n", [(7, b"", b"/")], id="id-leading-zeros"),
    pytest.param(U64_TEXT + b"::/\n", [(U64, b"", b"/")], id="id-u64-max"),
    pytest.param(b"1: cpu :/\n", [(1, b" cpu ", b"/")], id="controllers-blanks-kept"),
    pytest.param(TOO_BIG + b"::/\n", ParseError, id="id-overflow"),
    pytest.param(b"x::/\n", ParseError, id="id-letter"),
    pytest.param(b"::/\n", ParseError, id="id-empty"),
    pytest.param(b"-1::/\n", ParseError, id="id-negative"),
    pytest.param(b"+1::/\n", ParseError, id="id-plus"),
    pytest.param(b"1a::/\n", ParseError, id="id-trailing-letter"),
    pytest.param(b" 0::/\n", ParseError, id="id-leading-blank"),
    pytest.param(b"0 ::/\n", ParseError, id="id-trailing-blank"),
    pytest.param(b"0:/foo\n", ParseError, id="one-colon"),
    pytest.param(b"0\n", ParseError, id="no-colon"),
    pytest.param(b"garbage\n", ParseError, id="garbage"),
    pytest.param(b" \n", ParseError, id="blank-line-is-not-empty"),
    pytest.param(b"0::/\n\t\n", ParseError, id="tab-line-is-not-empty"),
    pytest.param(b"0::/ok\nbad\n", ParseError, id="good-then-bad"),
]


@pytest.mark.parametrize(("data", "want"), CGROUP_CASES)
def test_cgroup(mod: ModuleType, data: bytes, want: Any) -> None:
    check(mod, "parse_cgroup", data, want)


# ================================================================ fdinfo
FI_REGULAR = b"pos:\t12345\nflags:\t02102002\nmnt_id:\t27\nino:\t2195485\n"
FI_EVENTFD = (b"pos:\t0\nflags:\t02004002\nmnt_id:\t17\nino:\t1030\n"
              b"eventfd-count:                7\neventfd-id: 1\neventfd-semaphore: 0\n")
FI_EPOLL = (b"pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1030\n"
            b"tfd:        8 events:       19 data:     7f5100000008  pos:0 ino:406 sdev:10\n"
            b"tfd:        4 events: 80000019 data:     7f5100000004  pos:0 ino:2506a0 sdev:f\n")
FI_INOTIFY = (b"pos:\t0\nflags:\t02000000\nmnt_id:\t17\nino:\t1030\n"
              b"inotify wd:1 ino:21801c sdev:fe00000 mask:102 ignored_mask:0 fhandle-bytes:8 "
              b"fhandle-type:1 f_handle:1c8021007c2c997b\n")
FI_TIMERFD = (b"pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t1030\nclockid: 1\nticks: 0\n"
              b"settime flags: 01\nit_value: (0, 999953497)\nit_interval: (1, 0)\n")
FI_SIGNALFD = b"pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t1030\nsigmask:\t0000000000000200\n"
FI_PIDFD = b"pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1030\nPid:\t123\nNSpid:\t123\n"
FI_FANOTIFY = (b"pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t1030\n"
               b"fanotify flags:10 event-flags:0\nfanotify mnt_id:18 mflags:0 mask:3b "
               b"ignored_mask:0\n")

FDINFO_CASES: list[Any] = [
    pytest.param(FI_REGULAR, (12345, 0o2102002, 27, 2195485), id="regular"),
    pytest.param(FI_EVENTFD, (0, 0o2004002, 17, 1030), id="eventfd-extra-lines"),
    pytest.param(FI_EPOLL, (0, 0o2000002, 17, 1030), id="epoll-tfd-pos-ino-inside"),
    pytest.param(FI_INOTIFY, (0, 0o2000000, 17, 1030), id="inotify-ino-inside"),
    pytest.param(FI_TIMERFD, (0, 0o2, 17, 1030), id="timerfd"),
    pytest.param(FI_SIGNALFD, (0, 0o2, 17, 1030), id="signalfd"),
    pytest.param(FI_PIDFD, (0, 0o2000002, 17, 1030), id="pidfd"),
    pytest.param(FI_FANOTIFY, (0, 0o2, 17, 1030), id="fanotify-mnt-id-inside"),
    pytest.param(b"pos:\t0\nflags:\t0100002\nmnt_id:\t24\n", (0, 0o100002, 24, None),
                 id="old-kernel-no-ino"),
    pytest.param(b"", (None, None, None, None), id="empty"),
    pytest.param(b"scm_fds: 0\n", (None, None, None, None), id="only-other-keys"),
    pytest.param(b"pos:\t-1\n", (-1, None, None, None), id="negative-pos"),
    pytest.param(b"pos:\t-0\n", (0, None, None, None), id="minus-zero"),
    pytest.param(b"pos:\t-9223372036854775808\n", (I64_MIN, None, None, None), id="pos-i64-min"),
    pytest.param(b"pos:\t9223372036854775807\n", (I64_MAX, None, None, None), id="pos-i64-max"),
    pytest.param(b"pos:\t9223372036854775808\n", ParseError, id="pos-over-i64-max"),
    pytest.param(b"pos:\t-9223372036854775809\n", ParseError, id="pos-under-i64-min"),
    pytest.param(b"pos:\t" + U64_TEXT + b"\n", ParseError, id="pos-u64-max"),
    pytest.param(b"pos:\t--1\n", ParseError, id="pos-double-minus"),
    pytest.param(b"pos:\t-\n", ParseError, id="pos-minus-only"),
    pytest.param(b"pos:\t+1\n", ParseError, id="pos-plus"),
    pytest.param(b"pos:\t1-\n", ParseError, id="pos-trailing-minus"),
    pytest.param(b"pos:\t5 kB\n", ParseError, id="pos-two-tokens"),
    pytest.param(b"pos:\n", ParseError, id="pos-empty"),
    pytest.param(b"flags:\t02100008\n", ParseError, id="flags-octal-digit-8"),
    pytest.param(b"flags:\t9\n", ParseError, id="flags-octal-digit-9"),
    pytest.param(b"flags:\t0x2\n", ParseError, id="flags-hex"),
    pytest.param(b"flags:\t0a\n", ParseError, id="flags-hex-digit"),
    pytest.param(b"flags:\t-2\n", ParseError, id="flags-negative"),
    pytest.param(b"flags:\t1777777777777777777777\n", (None, U64, None, None),
                 id="flags-octal-u64-max"),
    pytest.param(b"flags:\t2000000000000000000000\n", ParseError, id="flags-octal-overflow"),
    pytest.param(b"flags:\t0\n", (None, 0, None, None), id="flags-zero"),
    pytest.param(b"mnt_id:\t" + U64_TEXT + b"\n", (None, None, U64, None), id="mnt-id-u64-max"),
    pytest.param(b"mnt_id:\t" + TOO_BIG + b"\n", ParseError, id="mnt-id-overflow"),
    pytest.param(b"mnt_id:\t-1\n", ParseError, id="mnt-id-negative"),
    pytest.param(b"ino:\tabc\n", ParseError, id="ino-letters"),
    pytest.param(b"ino:\t" + TOO_BIG + b"\n", ParseError, id="ino-overflow"),
    pytest.param(b"pos:\t1\npos:\t2\nflags:\t01\nflags:\t02\n", (2, 2, None, None),
                 id="repeat-last-wins"),
    pytest.param(b"pos:\tx\npos:\t2\n", ParseError, id="repeat-earlier-malformed"),
    pytest.param(b"pos:\t7\nflags:\t02\nmnt_id:\t3\nino:\t4", (7, 2, 3, 4),
                 id="no-final-newline"),
    pytest.param(b"pos: \t 7 \t\nflags:02\n", (7, 2, None, None), id="blanks-and-glued"),
    pytest.param(b"no colon here\npos 5\npos:\t6\n", (6, None, None, None),
                 id="lines-without-colon"),
    pytest.param(b"pos :\tx\n pos:\tx\nPos:\tx\nposition:\tx\n", (None, None, None, None),
                 id="near-keys-ignored"),
    pytest.param(b"eventfd-count:\t\xff\x00\npos:\t3\n", (3, None, None, None),
                 id="binary-in-ignored-line"),
    pytest.param(b"pos:\t3\r\n", ParseError, id="carriage-return"),
]


@pytest.mark.parametrize(("data", "want"), FDINFO_CASES)
def test_fdinfo(mod: ModuleType, data: bytes, want: Any) -> None:
    check(mod, "parse_fdinfo", data, want)


# ============================================================ many rows
def test_many_rows(mod: ModuleType) -> None:
    """More rows than any first guess of a table: 500 of each, offsets
    right to the end (the C side grows its arrays on -ENOBUFS)."""
    n = 500
    cg = b"".join(b"%d:c%d:/p/%d\n" % (i, i, i) for i in range(n))
    assert_exact(call(mod, "parse_cgroup", cg),
                 [(i, b"c%d" % i, b"/p/%d" % i) for i in range(n)])
    lm = LIMITS_HEADER + b"".join(limits_line(b"Max thing x%d" % i, i, i + 1, b"u%d" % i)
                                  for i in range(n))
    assert_exact(call(mod, "parse_limits", lm),
                 [(b"Max thing x%d" % i, i, i + 1, b"u%d" % i) for i in range(n)])
    ru = ROLLUP_HEADER + b"".join(b"K%d:   %d kB\n" % (i, i) for i in range(n))
    assert_exact(call(mod, "parse_rollup", ru), [(b"K%d" % i, i, True) for i in range(n)])
    # and a small one after them: nothing left over from the big ones
    assert_exact(call(mod, "parse_cgroup", b"0::/\n"), [(0, b"", b"/")])


# ============================================================= captured
FACTS = captured_facts()


def test_captured_status(mod: ModuleType) -> None:
    """Every value against what capget/prctl/sigpending/getsignal/umask said."""
    got = call(mod, "parse_status_ext", captured("status"))
    st = FACTS["status"]
    want = sx(**{k: st[k] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                                    "NoNewPrivs", "Seccomp", "SigPnd", "ShdPnd", "SigBlk",
                                    "SigIgn", "SigCgt", "Umask")},
              voluntary_ctxt_switches=got[0], nonvoluntary_ctxt_switches=got[1])
    assert_exact(got, want)
    lo, hi = st["voluntary_range"]
    assert isinstance(got[0], int) and lo <= got[0] <= hi
    lo, hi = st["nonvoluntary_range"]
    assert isinstance(got[1], int) and lo <= got[1] <= hi
    # the masks are those set up, and agree with sigpending()
    assert got[9] | got[10] == st["pending_union"]
    assert got[4] != got[3] and got[5] != got[3] and got[2] == got[6] == 1


def test_captured_limits(mod: ModuleType) -> None:
    """The 16 rows: names and units as the kernel spells them, numbers equal
    to getrlimit(2) and to `prlimit --raw`, taken at the same time."""
    got = call(mod, "parse_limits", captured("limits"))
    pr = prlimit_raw()
    rl = FACTS["getrlimit"]
    assert_exact(got, [(n, *(int(v) for v in rl[i]), u or b"")
                       for i, (n, u) in enumerate(LIMITS_KERNEL)])
    assert [(s, h) for _, s, h, _ in got] == [pr[r] for r in PRLIMIT_ORDER]
    assert got[7][1:3] == (1000, 4096) and got[4][1:3] == (12345, UNL)
    assert got[15] == (b"Max realtime timeout", 200000, 300000, b"us")
    assert got[13] == (b"Max nice priority", 0, 0, b"")


def test_captured_cgroup(mod: ModuleType) -> None:
    assert_exact(call(mod, "parse_cgroup", captured("cgroup")), [
        (9, b"name=systemd", b"/"), (8, b"pids", b"/"), (7, b"blkio", b"/"),
        (6, b"freezer", b"/"), (5, b"devices", b"/"),
        (4, b"memory", b"/process_api/8dc3b05736bd3c9aef913b43d01d042b"),
        (3, b"cpuset", b"/"), (2, b"cpuacct", b"/"), (1, b"cpu", b"/"), (0, b"", b"/"),
    ])


def test_captured_rollup(mod: ModuleType) -> None:
    kb = [(b"Rss", 15860), (b"Pss", 10404), (b"Pss_Dirty", 8736), (b"Pss_Anon", 8736),
          (b"Pss_File", 1668), (b"Pss_Shmem", 0), (b"Shared_Clean", 6920),
          (b"Shared_Dirty", 0), (b"Private_Clean", 204), (b"Private_Dirty", 8736),
          (b"Referenced", 15860), (b"Anonymous", 8736), (b"KSM", 0), (b"LazyFree", 0),
          (b"AnonHugePages", 0), (b"ShmemPmdMapped", 0), (b"FilePmdMapped", 0),
          (b"Shared_Hugetlb", 0), (b"Private_Hugetlb", 0), (b"Swap", 0), (b"SwapPss", 0),
          (b"Locked", 0)]
    assert_exact(call(mod, "parse_rollup", captured("smaps_rollup")),
                 [(k, v, True) for k, v in kb])


def test_captured_io(mod: ModuleType) -> None:
    assert_exact(call(mod, "parse_kv", captured("io"), True), [
        (b"rchar", 2084356, False), (b"wchar", 5954, False), (b"syscr", 737, False),
        (b"syscw", 35, False), (b"read_bytes", 0, False), (b"write_bytes", 20480, False),
        (b"cancelled_write_bytes", 12288, False)])


@pytest.mark.parametrize("kind", sorted(FACTS["fdinfo"]))
def test_captured_fdinfo(mod: ModuleType, kind: str) -> None:
    """pos from lseek, flags from F_GETFL (+O_CLOEXEC), ino from fstat, and
    the regular file's mnt_id from mountinfo."""
    f = FACTS["fdinfo"][kind]
    pos, flags, mnt_id, ino = call(mod, "parse_fdinfo", captured("fdinfo", kind))
    assert (pos, flags, ino) == (f["pos"], f["flags"], f["ino"])
    assert isinstance(mnt_id, int) and mnt_id > 0
    if kind == "regular":
        assert mnt_id == f["mnt_id"]
        assert flags & ~O_LARGEFILE == 0o2002002  # O_CLOEXEC|O_APPEND|O_RDWR
        assert pos == 12345
