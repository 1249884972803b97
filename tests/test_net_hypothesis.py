"""Generated inputs for the socket parsers (sysmon/_rawnet.py), C against Python.

- Round trips: /proc/net/tcp-like text, /proc/net/unix-like text and netlink
  buffers built from random values (by tests/net_parser_support.py's builders
  and the contract); both implementations must return exactly those values.
- Near misses: mutations of those, of the captured datagrams, and arbitrary
  bytes; both must give the same result or the same exception (ParseError,
  or OSError with the same errno).
- Live: this machine's /proc/net files parse identically in both.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from typing import Any

import pytest
from helpers import generated
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from net_parser_support import (
    AF_INET,
    AF_INET6,
    AF_UNIX,
    INET_DIAG_INFO,
    NATIVE,
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    NLMSG_NOOP,
    REQUIRE_NATIVE,
    TCP,
    U32,
    U64,
    UDP,
    agree,
    assert_exact,
    captured_facts,
    done,
    error,
    fixture_bytes,
    impl,
    inet_diag_msg,
    inet_raw,
    nlmsg,
    proc_addr,
    rta,
    sock_msg,
    tcp_info,
    unix_diag_msg,
    unix_raw,
)

# with SYSMON_REQUIRE_NATIVE=1 (CI) a missing C build fails these instead
pytestmark = pytest.mark.skipif(NATIVE is None and not REQUIRE_NATIVE,
                                reason="C extension not built")

# database=None: nothing is written under the checkout
_BIG = [HealthCheck.too_slow, HealthCheck.data_too_large]
ROUND = settings(generated(150), suppress_health_check=_BIG)
FUZZ = settings(generated(300), suppress_health_check=_BIG)

Case = tuple[bytes, Any]
Draw = Callable[..., Any]


def both(fn: str, *args: Any) -> Any:
    c = getattr(impl("c"), fn)(*args)
    p = getattr(impl("python"), fn)(*args)
    assert_exact(c, p)
    return c


class Style:
    """Cosmetic choices of one generated file, from one drawn seed."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def coin(self, p: float = 0.5) -> bool:
        return self.r.random() < p

    def blanks(self, lo: int = 1) -> bytes:
        if lo and self.coin(0.6):
            return b" "
        return bytes(self.r.choice(b" \t") for _ in range(self.r.randint(lo, 4)))

    def hexnum(self, v: int, width: int, lo: int = 1) -> bytes:
        """v in hex, either case, padded with zeros to between its own length
        (at least ``lo``) and ``width`` digits."""
        digits = b"%x" % v
        digits = digits.rjust(self.r.randint(max(len(digits), lo), max(width, len(digits))),
                              b"0")
        return digits.upper() if self.coin() else digits

    def dec(self, v: int) -> bytes:
        return b"0" * self.r.choice([0, 0, 0, 1, 4]) + b"%d" % v

    def case(self, b: bytes) -> bytes:
        return b.lower() if self.coin(0.3) else b


STYLE = st.integers(0, 2**32 - 1).map(Style)
TOKEN = st.binary(min_size=1, max_size=10).map(lambda b: b.translate(None, b" \t\n") or b"-")
HEADER = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b""))


# ------------------------------------------------------------- /proc/net/tcp
@st.composite
def inet_files(draw: Draw) -> tuple[bytes, int, int, Any]:
    s = draw(STYLE)
    family = draw(st.sampled_from([AF_INET, AF_INET6]))
    proto = draw(st.sampled_from([TCP, UDP]))
    size = 4 if family == AF_INET else 16
    lines: list[bytes] = [draw(HEADER)]
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        la, ra = draw(st.binary(min_size=size, max_size=size)), draw(
            st.binary(min_size=size, max_size=size))
        lp, rp = draw(st.integers(0, 65535)), draw(st.integers(0, 65535))
        state = draw(st.integers(0, 255))
        tx, rx, uid = draw(st.integers(0, U32)), draw(st.integers(0, U32)), draw(
            st.integers(0, U32))
        inode = draw(st.one_of(st.integers(0, U64), st.sampled_from([0, U64])))
        toks = [s.dec(draw(st.integers(0, 99999))) + b":",
                s.case(proc_addr(la)) + b":" + s.hexnum(lp, 4, 4),
                s.case(proc_addr(ra)) + b":" + s.hexnum(rp, 4, 4),
                s.hexnum(state, 2), s.hexnum(tx, 8) + b":" + s.hexnum(rx, 8),
                draw(TOKEN), draw(TOKEN), s.dec(uid), draw(TOKEN), s.dec(inode)]
        toks += draw(st.lists(TOKEN, max_size=4))
        line = (s.blanks(0) if s.coin(0.3) else b"") + toks[0]
        for t in toks[1:]:
            line += s.blanks() + t
        lines.append(line + (s.blanks() if s.coin(0.3) else b""))
        if s.coin(0.15):
            lines.append(s.blanks(0))
        rows.append(inet_raw(family, proto, state, la, lp, ra, rp, inode, uid, rx, tx))
    end = b"\n" if s.coin(0.8) or len(lines) == 1 else b""
    return b"\n".join(lines) + end, family, proto, rows


@ROUND
@given(inet_files())
def test_inet_roundtrip(case: tuple[bytes, int, int, Any]) -> None:
    data, family, proto, want = case
    assert_exact(both("parse_net_inet", data, family, proto), want)


# ------------------------------------------------------------ /proc/net/unix
FIRST_PIECE = st.binary(max_size=20).map(lambda b: b.replace(b"\n", b""))
# a continuation line holds no ':' so it can never read as a row
MORE_PIECE = st.binary(max_size=12).map(lambda b: b.translate(None, b"\n:"))


@st.composite
def unix_names(draw: Draw) -> bytes | None:
    if draw(st.integers(0, 3)) == 0:
        return None
    pieces = [draw(FIRST_PIECE), *draw(st.lists(MORE_PIECE, max_size=3))]
    return b"\n".join(pieces)


@st.composite
def unix_files(draw: Draw) -> Case:
    s = draw(STYLE)
    out = draw(HEADER) + b"\n"
    rows = []
    named = False
    for _ in range(draw(st.integers(0, 8))):
        if not named and s.coin(0.2):  # blank lines are skipped only with no name before
            out += s.blanks(0) + b"\n"
        typ, state = draw(st.integers(0, 0xFFFF)), draw(st.integers(0, 0xFF))
        flags, inode = draw(st.integers(0, U32)), draw(st.integers(0, U64))
        name = draw(unix_names())
        fields = [s.hexnum(draw(st.integers(0, U64)), 20) + b":",
                  s.hexnum(draw(st.integers(0, U32)), 8), s.hexnum(draw(st.integers(0, U32)), 8),
                  s.hexnum(flags, 8), s.hexnum(typ, 4), s.hexnum(state, 2), s.dec(inode)]
        line = fields[0]
        for f in fields[1:]:
            line += s.blanks() + f
        out += line + (b"" if name is None else b" " + name) + b"\n"
        named = name is not None
        rows.append(unix_raw(typ, state, inode, name, flags))
    last_name = rows[-1][12] if rows else None
    if s.coin(0.2) and not (last_name is not None and last_name.endswith(b"\n")):
        out = out[:-1]  # no final newline (not after a name ending in one)
    return out, rows


@ROUND
@given(unix_files())
@example((b"h\n0: 0 0 0 1 1 5 a\n\n", [unix_raw(1, 1, 5, b"a\n")]))
@example((b"h\n0: 0 0 0 1 1 5 \n\n\n", [unix_raw(1, 1, 5, b"\n\n")]))
@example((b"\n0: 0 0 0 1 1 5\n\n0: 0 0 0 1 1 6 ", [unix_raw(1, 1, 5), unix_raw(1, 1, 6, b"")]))
def test_unix_roundtrip(case: Case) -> None:
    data, want = case
    assert_exact(both("parse_net_unix", data), want)


# ------------------------------------------------------------ sock_diag
def masked(draw: Draw, kind: int) -> int:
    return kind | draw(st.sampled_from([0, 0, 0, 0x4000, 0x8000, 0xC000]))


@st.composite
def inet_message(draw: Draw, proto: int) -> tuple[bytes, Any]:
    family = draw(st.sampled_from([AF_INET, AF_INET6]))
    size = 4 if family == AF_INET else 16
    src, dst = draw(st.binary(min_size=16, max_size=16)), draw(st.binary(min_size=16,
                                                                           max_size=16))
    v = [draw(st.integers(0, U32)) for _ in range(4)]
    state, sport, dport = (draw(st.integers(0, 255)), draw(st.integers(0, 65535)),
                           draw(st.integers(0, 65535)))
    fixed = inet_diag_msg(family, state, src, sport, dst, dport, inode=v[0], uid=v[1],
                          rqueue=v[2], wqueue=v[3], timer=draw(st.integers(0, 255)),
                          cookie=(draw(st.integers(0, U32)), draw(st.integers(0, U32))))
    attrs = [rta(masked(draw, draw(st.sampled_from([1, 3, 4, 5, 8, 21, 22, 0x102]))),
                 draw(st.binary(max_size=40))) for _ in range(draw(st.integers(0, 3)))]
    info = None
    if proto == TCP and draw(st.booleans()):
        n = draw(st.sampled_from([0, 50, 103, 104, 120, 135, 136, 232, 280]))
        vals = (draw(st.integers(0, U32)), draw(st.integers(0, U32)), draw(st.integers(0, U32)),
                draw(st.integers(0, U64)), draw(st.integers(0, U64)))
        attrs.insert(draw(st.integers(0, len(attrs))),
                     rta(masked(draw, INET_DIAG_INFO), tcp_info(n, *vals)))
        info = vals if n >= 136 else (*vals[:3], None, None) if n >= 104 else None
    row = inet_raw(family, proto, state, src[:size], sport, dst[:size], dport, v[0], v[1], v[2],
                   v[3], info)
    return sock_msg(fixed, *attrs, flags=draw(FLAGS)), row


@st.composite
def unix_message(draw: Draw) -> tuple[bytes, Any]:
    typ, state, inode = (draw(st.integers(0, 255)), draw(st.integers(0, 255)),
                         draw(st.integers(0, U32)))
    got: dict[str, Any] = {}
    attrs = []
    for _ in range(draw(st.integers(0, 7))):
        kind = draw(st.sampled_from([0, 2, 4, 7, 1, 3, 5, 6, 8, 0x100]))
        extra = draw(st.binary(max_size=6))
        if kind == 0:
            payload = draw(st.binary(max_size=30))
            got["name"] = payload
        elif kind in (2, 7):
            x = draw(st.integers(0, U32))
            payload = struct.pack("=I", x) + extra
            got["peer" if kind == 2 else "uid"] = x
        elif kind == 4:
            rq, wq = draw(st.integers(0, U32)), draw(st.integers(0, U32))
            payload = struct.pack("=II", rq, wq) + extra
            got["rqueue"], got["wqueue"] = rq, wq
        else:
            payload = draw(st.binary(max_size=20))
        attrs.append(rta(masked(draw, kind), payload))
    fixed = unix_diag_msg(typ, state, inode, (draw(st.integers(0, U32)), 0))
    return sock_msg(fixed, *attrs, flags=draw(FLAGS)), unix_raw(typ, state, inode, **got)


FLAGS = st.sampled_from([NLM_F_MULTI, NLM_F_MULTI, 0, NLM_F_MULTI | NLM_F_DUMP_INTR])


@st.composite
def diag_buffers(draw: Draw) -> tuple[bytes, int, Any]:
    """A reply of socket messages (all inet or all unix) with NOOPs and ACKs
    among them, maybe DONE and trailing garbage."""
    kind = draw(st.sampled_from(["tcp", "udp", "unix"]))
    proto = {"tcp": TCP, "udp": UDP, "unix": 0}[kind]
    data, rows, status = b"", [], 0
    for _ in range(draw(st.integers(0, 6))):
        what = draw(st.sampled_from(["sock", "sock", "sock", "noop", "ack"]))
        if what == "sock":
            msg, row = draw(unix_message() if kind == "unix" else inet_message(proto))
            rows.append(row)
        elif what == "noop":
            msg = nlmsg(NLMSG_NOOP, draw(st.binary(max_size=8)), flags=draw(FLAGS))
        else:
            msg = error(0, draw(st.binary(max_size=16)))
        if struct.unpack_from("=H", msg, 6)[0] & NLM_F_DUMP_INTR:
            status |= 2
        data += msg
    if draw(st.booleans()):
        flags = draw(FLAGS)
        data += done(flags) + draw(st.binary(max_size=20))
        status |= 1 | (2 if flags & NLM_F_DUMP_INTR else 0)
    return data, proto, (rows, status)


@ROUND
@given(diag_buffers())
def test_diag_roundtrip(case: tuple[bytes, int, Any]) -> None:
    data, proto, want = case
    assert_exact(both("parse_diag", data, proto), want)


# --------------------------------------------------------- near misses
SPICE = st.sampled_from(list(b" \t\n:0123456789abcdefABCDEFxX@\xff\0\r-"))
WORDS = st.sampled_from([b"0:", b"0100007F:0016", b"00000000000000000000000001000000:0000",
                         b" 0A ", b"00000000:00000000", b"socket:[1]", b"4294967296",
                         b"18446744073709551616", b"\n\n", b"0000: 00000002 00000000 00000000"
                         b" 0001 01 5", b" @abs", b"\n0: 1 0 0 1 1 1"])


def mutate(draw: Draw, data: bytes, text: bool) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["del", "ins", "set", "dup", "cut", "word"]))
        pos = draw(st.integers(0, len(buf)))
        if op == "del" and buf:
            del buf[min(pos, len(buf) - 1):pos + draw(st.integers(1, 8))]
        elif op == "set" and buf:
            buf[min(pos, len(buf) - 1)] = draw(SPICE) if text else draw(st.integers(0, 255))
        elif op == "dup":
            buf[pos:pos] = buf[pos: pos + draw(st.integers(1, 40))]
        elif op == "cut":
            del buf[pos:]
        elif op == "word" and text:
            buf[pos:pos] = draw(WORDS)
        else:
            buf.insert(pos, draw(SPICE) if text else draw(st.integers(0, 255)))
    return bytes(buf)


@FUZZ
@given(st.data())
def test_mutated_inet_agrees(data: st.DataObject) -> None:
    text, family, proto, _ = data.draw(inet_files())
    agree("parse_net_inet", mutate(data.draw, text, True), family, proto)


@FUZZ
@given(st.data())
def test_mutated_unix_agrees(data: st.DataObject) -> None:
    text, _ = data.draw(unix_files())
    agree("parse_net_unix", mutate(data.draw, text, True))


@FUZZ
@given(st.data())
def test_mutated_diag_agrees(data: st.DataObject) -> None:
    buf, proto, _ = data.draw(diag_buffers())
    agree("parse_diag", mutate(data.draw, buf, False), proto)


FACTS = captured_facts()
DATAGRAMS = [(n, spec["proto"]) for spec in FACTS["diag"].values() for n in spec["datagrams"]]


@FUZZ
@given(st.sampled_from(DATAGRAMS), st.data())
def test_mutated_captured_datagram_agrees(which: tuple[str, int], data: st.DataObject) -> None:
    name, proto = which
    agree("parse_diag", mutate(data.draw, fixture_bytes("captured", name), False), proto)


@FUZZ
@given(st.sampled_from(["tcp", "tcp6", "udp", "udp6", "unix"]), st.data())
def test_mutated_captured_text_agrees(file: str, data: st.DataObject) -> None:
    text = mutate(data.draw, fixture_bytes("captured", FACTS["files"][file]), True)
    if file == "unix":
        agree("parse_net_unix", text)
    else:
        agree("parse_net_inet", text, AF_INET6 if file.endswith("6") else AF_INET,
              UDP if file.startswith("udp") else TCP)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([TCP, UDP, 0]))
@example(b"\x10\0\0\0\x02\0\0\0" + bytes(8), TCP)
@example(b"\x14\0\0\0\x02\0\0\0" + bytes(8) + b"\xf3\xff\xff\xff", TCP)
@example(b"\x11\0\0\0\x14\0\0\0" + bytes(8) + b"\x01", 0)
def test_garbage_diag_agrees(buf: bytes, proto: int) -> None:
    agree("parse_diag", buf, proto)


@FUZZ
@given(st.binary(max_size=200), st.sampled_from([AF_INET, AF_INET6]))
@example(b"h\n0: 0:0 0:0 0 0:0 x x 0 x 0", AF_INET)
@example(b"h\n:", AF_INET)
def test_garbage_text_agrees(buf: bytes, family: int) -> None:
    agree("parse_net_inet", buf, family, TCP)
    agree("parse_net_unix", buf)


@FUZZ
@given(st.one_of(st.binary(max_size=30),
                 st.integers(0, 2**70).map(lambda n: b"socket:[%d]" % n),
                 st.text("socket:[]0123456789 x", max_size=30).map(str.encode)))
def test_socklink_agrees(link: bytes) -> None:
    got = agree("parse_socklink", link)
    if link.startswith(b"socket:[") and link.endswith(b"]") and link[8:-1].isdigit() \
            and int(link[8:-1]) <= U64:
        assert got == ("ok", ("int", int(link[8:-1])))
    else:
        assert got == ("ok", None)


# ----------------------------------------------------------------- live
@pytest.mark.parametrize("file", ["tcp", "tcp6", "udp", "udp6"])
def test_live_proc_net_inet_identical(file: str) -> None:
    with open(f"/proc/net/{file}", "rb") as f:
        text = f.read()
    family = AF_INET6 if file.endswith("6") else AF_INET
    rows = both("parse_net_inet", text, family, UDP if file.startswith("udp") else TCP)
    assert len(rows) == text.count(b"\n") - 1  # a row per line after the header
    assert all(r[0] == family and len(r[4]) == len(r[6]) == (4 if family == AF_INET else 16)
               for r in rows)


def test_live_proc_net_unix_identical() -> None:
    with open("/proc/net/unix", "rb") as f:
        text = f.read()
    rows = both("parse_net_unix", text)
    # a row per line, less the lines that continue a name (names with newlines)
    continuations = sum(r[12].count(b"\n") for r in rows if r[12] is not None)
    assert len(rows) + continuations == text.count(b"\n") - 1
    assert all(r[0] == AF_UNIX for r in rows)
