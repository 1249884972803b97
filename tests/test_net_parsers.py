"""Parser tables for the /proc/net text readers and fd links (contract:
sysmon/_rawnet.py): parse_net_inet, parse_net_unix, parse_socklink.  One case
per awkward input, each run on C and Python; every expected tuple is written
by hand from the contract and the input beside it.  Cases the contract leaves
open are in ``*_AGREE`` tables: there the two implementations only have to
agree.

Addresses in the literals below are spelled as a little-endian kernel prints
them ("0100007F" is 127.0.0.1); ``from_le_text`` gives what a big-endian
machine must return for the same text.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from net_parser_support import (
    ACCEPTCON,
    AF_INET,
    AF_INET6,
    CLOSE,
    DGRAM,
    ESTABLISHED,
    LISTEN,
    SEQPACKET,
    STREAM,
    TCP,
    TCP_HEAD,
    TIME_WAIT,
    U32,
    U64,
    UDP,
    UNIX_HEAD,
    agree,
    assert_exact,
    from_le_text,
    inet_line,
    inet_raw,
    ip,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    proc_addr,
    unix_line,
    unix_raw,
)

from sysmon.errors import ParseError

TOO_BIG = b"18446744073709551616"  # 2**64

# ------------------------------------------------------------- inet rows
LO4 = from_le_text(ip("127.0.0.1"))
ANY4, ANY6 = bytes(4), bytes(16)
LO6 = from_le_text(ip("::1"))
MAPPED = from_le_text(ip("::ffff:127.0.0.1"))

# The ten tokens a row needs: sl, local, remote, st, tx:rx, tr:when, retrnsmt,
# uid, timeout, inode.
TOKENS = [b"0:", b"0100007F:0016", b"00000000:0000", b"0A", b"00000001:00000002",
          b"00:00000000", b"00000000", b"1000", b"0", b"12345"]
BASE = inet_raw(AF_INET, TCP, LISTEN, LO4, 22, ANY4, 0, 12345, uid=1000, rqueue=2, wqueue=1)


def toks(**at: bytes) -> bytes:
    """TCP_HEAD and one row of TOKENS, token N (1-based, as ``t1``..``t10``)
    replaced."""
    t = list(TOKENS)
    for k, v in at.items():
        t[int(k[1:]) - 1] = v
    return TCP_HEAD + b" ".join(t) + b"\n"


def base(**fields: Any) -> list[tuple[Any, ...]]:
    """[BASE] with fields replaced by SockRaw index name (state=..., uid=...)."""
    names = ["family", "type", "proto", "state", "laddr", "lport", "raddr", "rport", "inode",
             "uid", "rqueue", "wqueue"]
    row = list(BASE)
    for k, v in fields.items():
        row[names.index(k)] = v
    return [tuple(row)]


KERNEL4 = (b"   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
           b"        0 21534 1 0000000000000000 100 0 0 10 0                    \n")
KERNEL4_ROW = inet_raw(AF_INET, TCP, LISTEN, LO4, 631, ANY4, 0, 21534)

INET_CASES: list[Any] = [
    pytest.param(TCP_HEAD + KERNEL4, AF_INET, TCP, [KERNEL4_ROW], id="kernel-layout"),
    pytest.param(toks(), AF_INET, TCP, base(), id="exactly-ten-tokens"),
    pytest.param(toks(t6=b"x", t7=b"?:?", t9=b"-1"), AF_INET, TCP, base(),
                 id="tokens-6-7-9-not-read"),
    pytest.param(toks(t10=b"12345 junk \xff:: -"), AF_INET, TCP, base(),
                 id="tokens-past-10-not-read"),
    pytest.param(TCP_HEAD + b"\t  " + b" \t ".join(TOKENS) + b" \t \n", AF_INET, TCP, base(),
                 id="runs-of-blanks-and-tabs"),
    pytest.param(toks().rstrip(b"\n"), AF_INET, TCP, base(), id="no-final-newline"),
    pytest.param(TCP_HEAD + b"\n   \n\t\n" + toks()[len(TCP_HEAD):] + b" \n\n", AF_INET, TCP,
                 base(), id="blank-lines-skipped"),
    pytest.param(KERNEL4 + KERNEL4, AF_INET, TCP, [KERNEL4_ROW], id="header-is-skipped-whatever"),
    pytest.param(b"\n" + KERNEL4, AF_INET, TCP, [KERNEL4_ROW], id="empty-header-line"),
    pytest.param(TCP_HEAD, AF_INET, TCP, [], id="header-only"),
    pytest.param(TCP_HEAD.rstrip(b"\n"), AF_INET, TCP, [], id="header-without-newline"),
    pytest.param(b"", AF_INET, TCP, [], id="empty"),
    pytest.param(toks(t2=b"0100007f:00af", t3=b"0101a8c0:c0de", t4=b"0a",
                      t5=b"0000000a:000000ff"), AF_INET, TCP,
                 base(lport=0xAF, raddr=from_le_text(ip("192.168.1.1")), rport=0xC0DE,
                      wqueue=10, rqueue=255), id="lowercase-hex"),
    pytest.param(toks(t4=b"A"), AF_INET, TCP, base(), id="state-one-digit"),
    pytest.param(toks(t4=b"06", t10=b"0"), AF_INET, TCP, base(state=TIME_WAIT, inode=0),
                 id="time-wait-inode-0"),
    pytest.param(toks(t5=b"0:0"), AF_INET, TCP, base(rqueue=0, wqueue=0), id="queues-one-digit"),
    pytest.param(toks(t5=b"FFFFFFFF:ffffffff"), AF_INET, TCP, base(rqueue=U32, wqueue=U32),
                 id="queues-max"),
    pytest.param(toks(t5=b"12345678:9ABCDEF0"), AF_INET, TCP,
                 base(wqueue=0x12345678, rqueue=0x9ABCDEF0), id="tx-is-wqueue-rx-is-rqueue"),
    pytest.param(toks(t8=b"4294967295"), AF_INET, TCP, base(uid=U32), id="uid-u32-max"),
    pytest.param(toks(t8=b"0001000", t10=b"00012345"), AF_INET, TCP, base(),
                 id="leading-zeros"),
    pytest.param(toks(t8=b"00000000000000000000001000"), AF_INET, TCP, base(),
                 id="uid-many-leading-zeros"),
    pytest.param(toks(t10=b"18446744073709551615"), AF_INET, TCP, base(inode=U64),
                 id="inode-u64-max"),
    pytest.param(toks(t2=b"FFFFFFFF:FFFF", t3=b"FFFFFFFF:FFFF"), AF_INET, TCP,
                 base(laddr=b"\xff" * 4, lport=65535, raddr=b"\xff" * 4, rport=65535),
                 id="all-ones"),
    pytest.param(toks(t1=b"123456:"), AF_INET, TCP, base(), id="sl-large"),
    pytest.param(toks(), AF_INET, UDP, [(*BASE[:1], DGRAM, UDP, *BASE[3:])],
                 id="udp-is-dgram"),
    pytest.param(TCP_HEAD + inet_line(ip("10.1.2.3"), 443, ip("10.9.8.7"), 51000, ESTABLISHED,
                                      77, uid=33, tx=5, rx=6),
                 AF_INET, TCP, [inet_raw(AF_INET, TCP, ESTABLISHED, ip("10.1.2.3"), 443,
                                         ip("10.9.8.7"), 51000, 77, 33, 6, 5)],
                 id="built-in-host-order"),
    pytest.param(TCP_HEAD + inet_line(ip("127.0.0.1"), 1, ip("0.0.0.0"), 0, CLOSE, 1, sl=0)
                 + inet_line(ip("127.0.0.2"), 2, ip("0.0.0.0"), 0, CLOSE, 2, sl=1)
                 + inet_line(ip("127.0.0.3"), 3, ip("0.0.0.0"), 0, CLOSE, 3, sl=2),
                 AF_INET, UDP,
                 [inet_raw(AF_INET, UDP, CLOSE, ip(f"127.0.0.{i}"), i, ANY4, 0, i)
                  for i in (1, 2, 3)], id="rows-in-file-order"),
]

TCP6_KERNEL = (b"   0: 00000000000000000000000001000000:9C42 00000000000000000000000000000000:0000"
               b" 0A 00000000:00000000 00:00000000 00000000     0        0 979212 1 0 100 0 0"
               b" 10 0\n"
               b"   1: 0000000000000000FFFF00000100007F:CEF2 0000000000000000FFFF00000100007F:9C41"
               b" 01 00000000:00000000 00:00000000 00000000     0        0 979217 2 0 20 0 0"
               b" 10 -1\n")
INET6_CASES: list[Any] = [
    pytest.param(TCP_HEAD + TCP6_KERNEL, AF_INET6, TCP,
                 [inet_raw(AF_INET6, TCP, LISTEN, LO6, 40002, ANY6, 0, 979212),
                  inet_raw(AF_INET6, TCP, ESTABLISHED, MAPPED, 52978, MAPPED, 40001, 979217)],
                 id="loopback-and-v4-mapped-word-order"),
    pytest.param(TCP_HEAD + TCP6_KERNEL.lower(), AF_INET6, TCP,
                 [inet_raw(AF_INET6, TCP, LISTEN, LO6, 40002, ANY6, 0, 979212),
                  inet_raw(AF_INET6, TCP, ESTABLISHED, MAPPED, 52978, MAPPED, 40001, 979217)],
                 id="lowercase"),
    pytest.param(TCP_HEAD + inet_line(ip("2001:db8::1:2"), 8080, ip("fe80::abcd"), 9, LISTEN,
                                      5, uid=7),
                 AF_INET6, UDP, [inet_raw(AF_INET6, UDP, LISTEN, ip("2001:db8::1:2"), 8080,
                                          ip("fe80::abcd"), 9, 5, uid=7)],
                 id="built-in-host-order"),
]


@pytest.mark.parametrize(("data", "family", "proto", "want"), INET_CASES + INET6_CASES)
def test_inet(mod: ModuleType, data: bytes, family: int, proto: int, want: Any) -> None:
    assert_exact(mod.parse_net_inet(data, family, proto), want)


def test_inet_host_word_order(mod: ModuleType) -> None:
    """proc_addr spells addresses the way the kernel does on this machine."""
    text = TCP_HEAD + b"0: " + proc_addr(ip("1.2.3.4")) + b":0050 " + proc_addr(bytes(4)) \
        + b":0000 01 0:0 x x 0 x 9\n"
    assert mod.parse_net_inet(text, AF_INET, TCP)[0][4] == b"\x01\x02\x03\x04"


INET_MALFORMED: list[Any] = [
    pytest.param(TCP_HEAD + b" ".join(TOKENS[:9]) + b"\n", AF_INET, id="nine-tokens"),
    pytest.param(TCP_HEAD + b"0:\n", AF_INET, id="one-token"),
    pytest.param(toks(t1=b"0"), AF_INET, id="sl-no-colon"),
    pytest.param(toks(t1=b"a:"), AF_INET, id="sl-hex"),
    pytest.param(toks(t1=b"-1:"), AF_INET, id="sl-negative"),
    pytest.param(toks(t1=b"0::"), AF_INET, id="sl-two-colons"),
    pytest.param(toks(t2=b"100007F:0016"), AF_INET, id="addr-7-digits"),
    pytest.param(toks(t2=b"00100007F:0016"), AF_INET, id="addr-9-digits"),
    pytest.param(toks(t2=b"0100007G:0016"), AF_INET, id="addr-not-hex"),
    pytest.param(toks(t2=b"0x00007F:0016"), AF_INET, id="addr-0x"),
    pytest.param(toks(t3=b"00000000000000000000000001000000:0000"), AF_INET,
                 id="v6-addr-for-inet"),
    pytest.param(toks(t2=b"0100007F:016"), AF_INET, id="port-3-digits"),
    pytest.param(toks(t2=b"0100007F:00016"), AF_INET, id="port-5-digits"),
    pytest.param(toks(t2=b"0100007F:001G"), AF_INET, id="port-not-hex"),
    pytest.param(toks(t2=b"0100007F"), AF_INET, id="port-missing"),
    pytest.param(toks(t2=b"0100007F:"), AF_INET, id="port-empty"),
    pytest.param(toks(t3=b"00000000:0000:"), AF_INET, id="remote-trailing-colon"),
    pytest.param(toks(t3=b":0000"), AF_INET, id="remote-addr-empty"),
    pytest.param(toks(t4=b"00A"), AF_INET, id="state-3-digits"),
    pytest.param(toks(t4=b"0G"), AF_INET, id="state-not-hex"),
    pytest.param(toks(t4=b"-1"), AF_INET, id="state-negative"),
    pytest.param(toks(t5=b"0000000100000002"), AF_INET, id="queues-no-colon"),
    pytest.param(toks(t5=b"000000001:0"), AF_INET, id="tx-9-digits"),
    pytest.param(toks(t5=b"0:000000001"), AF_INET, id="rx-9-digits"),
    pytest.param(toks(t5=b":00000002"), AF_INET, id="tx-empty"),
    pytest.param(toks(t5=b"00000001:"), AF_INET, id="rx-empty"),
    pytest.param(toks(t5=b"0000000g:0"), AF_INET, id="tx-not-hex"),
    pytest.param(toks(t5=b"1:2:3"), AF_INET, id="queues-three-parts"),
    pytest.param(toks(t8=b"x"), AF_INET, id="uid-not-decimal"),
    pytest.param(toks(t8=b"-1"), AF_INET, id="uid-negative"),
    pytest.param(toks(t8=b"+5"), AF_INET, id="uid-plus"),
    pytest.param(toks(t8=b"4294967296"), AF_INET, id="uid-past-u32"),
    pytest.param(toks(t8=b"3E8"), AF_INET, id="uid-hex"),
    pytest.param(toks(t10=TOO_BIG), AF_INET, id="inode-past-u64"),
    pytest.param(toks(t10=b"12a"), AF_INET, id="inode-12a"),
    pytest.param(toks(t10=b"-1"), AF_INET, id="inode-negative"),
    pytest.param(toks(t10=b"0x10"), AF_INET, id="inode-0x"),
    pytest.param(toks(t10=b"12345\r"), AF_INET, id="inode-then-cr"),
    pytest.param(toks() + b"1: 0100007F:0016 00000000:0000 0A\n", AF_INET,
                 id="good-row-then-short-row"),
    pytest.param(toks(), AF_INET6, id="v4-addr-for-inet6"),
    pytest.param(TCP_HEAD + TCP6_KERNEL.replace(b"01000000:9C42", b"0100000:9C42"), AF_INET6,
                 id="v6-addr-31-digits"),
    pytest.param(TCP_HEAD + TCP6_KERNEL.replace(b"01000000:9C42", b"010000000:9C42"),
                 AF_INET6, id="v6-addr-33-digits"),
]


@pytest.mark.parametrize(("data", "family"), INET_MALFORMED)
def test_inet_malformed(mod: ModuleType, data: bytes, family: int) -> None:
    with pytest.raises(ParseError):
        mod.parse_net_inet(data, family, TCP)


@pytest.mark.parametrize("data", [
    toks(t1=b":"),  # "decimal digits then ':'": whether none is enough is not said
])
def test_inet_agree(data: bytes) -> None:
    agree("parse_net_inet", data, AF_INET, TCP)


# ------------------------------------------------------------- unix rows
def urow(inode: int, name: bytes | None = None, typ: int = STREAM, state: int = 1,
         flags: int = 0) -> bytes:
    return unix_line(typ, state, inode, name, flags)


ROW7 = b"0000000000000000: 00000002 00000000 00000000 0001 01 7"  # a row ending at its inode
UNIX_CASES: list[Any] = [
    pytest.param(UNIX_HEAD + urow(640), [unix_raw(STREAM, 1, 640)], id="unnamed"),
    pytest.param(UNIX_HEAD + b"00000000c91f23b4: 00000003 00000000 00000000 0001 03   640\n",
                 [unix_raw(STREAM, 3, 640)], id="kernel-inode-padding"),
    pytest.param(UNIX_HEAD + urow(5, b"/run/dbus/system_bus_socket", flags=ACCEPTCON),
                 [unix_raw(STREAM, 1, 5, b"/run/dbus/system_bus_socket", flags=ACCEPTCON)],
                 id="listening-path"),
    pytest.param(UNIX_HEAD + urow(5, b"/run/my app/sock et"),
                 [unix_raw(STREAM, 1, 5, b"/run/my app/sock et")], id="name-with-spaces"),
    pytest.param(UNIX_HEAD + urow(5, b"  lead"), [unix_raw(STREAM, 1, 5, b"  lead")],
                 id="name-starting-with-blanks"),
    pytest.param(UNIX_HEAD + urow(5, b"trail \t "), [unix_raw(STREAM, 1, 5, b"trail \t ")],
                 id="name-trailing-blanks-kept"),
    pytest.param(UNIX_HEAD + urow(5, b"@sysmon abstract@x"),
                 [unix_raw(STREAM, 1, 5, b"@sysmon abstract@x")], id="abstract"),
    pytest.param(UNIX_HEAD + ROW7 + b" \n", [unix_raw(STREAM, 1, 7, b"")], id="empty-name"),
    pytest.param(UNIX_HEAD + ROW7 + b"  \n", [unix_raw(STREAM, 1, 7, b" ")], id="name-one-blank"),
    pytest.param(UNIX_HEAD + urow(5, b"\xff\x1b[31m\xe2\x80\xae"),
                 [unix_raw(STREAM, 1, 5, b"\xff\x1b[31m\xe2\x80\xae")], id="name-odd-bytes"),
    pytest.param(UNIX_HEAD + urow(5, b"/tmp/new\nline") + urow(6),
                 [unix_raw(STREAM, 1, 5, b"/tmp/new\nline"), unix_raw(STREAM, 1, 6)],
                 id="newline-spans-lines"),
    pytest.param(UNIX_HEAD + urow(5, b"a\n\nb\n c"), [unix_raw(STREAM, 1, 5, b"a\n\nb\n c")],
                 id="several-newlines"),
    pytest.param(UNIX_HEAD + urow(5, b"/x\n") + urow(6),
                 [unix_raw(STREAM, 1, 5, b"/x\n"), unix_raw(STREAM, 1, 6)],
                 id="name-ends-with-newline"),
    pytest.param(UNIX_HEAD + urow(5, b"/x\n"), [unix_raw(STREAM, 1, 5, b"/x\n")],
                 id="name-ends-with-newline-at-eof"),
    pytest.param(UNIX_HEAD + urow(5, b"/x\n   ") + urow(6),
                 [unix_raw(STREAM, 1, 5, b"/x\n   "), unix_raw(STREAM, 1, 6)],
                 id="blank-line-continues-a-name"),
    pytest.param(UNIX_HEAD + urow(5, b"/x") + b"garbage that is no row\n",
                 [unix_raw(STREAM, 1, 5, b"/x\ngarbage that is no row")],
                 id="non-row-continues-a-name"),
    pytest.param(UNIX_HEAD + urow(5, b"a\n" + ROW7),
                 [unix_raw(STREAM, 1, 5, b"a"), unix_raw(STREAM, 1, 7)],
                 id="a-row-is-a-row-even-inside-a-name"),
    pytest.param(UNIX_HEAD + b"\n  \n\t\n" + urow(5) + b"\n \n" + urow(6),
                 [unix_raw(STREAM, 1, 5), unix_raw(STREAM, 1, 6)],
                 id="blank-lines-without-a-name-skipped"),
    pytest.param(UNIX_HEAD + urow(5, b"/x").rstrip(b"\n"), [unix_raw(STREAM, 1, 5, b"/x")],
                 id="no-final-newline"),
    pytest.param(UNIX_HEAD + ROW7, [unix_raw(STREAM, 1, 7)], id="unnamed-no-final-newline"),
    pytest.param(UNIX_HEAD, [], id="header-only"),
    pytest.param(UNIX_HEAD.rstrip(b"\n"), [], id="header-without-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(ROW7 + b"\n" + urow(8), [unix_raw(STREAM, 1, 8)],
                 id="header-is-skipped-whatever"),
    pytest.param(UNIX_HEAD + b"0: 2 0 10000 5 FF 9 n\n",
                 [unix_raw(SEQPACKET, 255, 9, b"n", flags=ACCEPTCON)], id="short-hex-fields"),
    pytest.param(UNIX_HEAD + b"ffffFFFF8a0c1234567890ab: FFFFFFFF ffffffff FFFFFFFF FFFF ff"
                 b" 18446744073709551615 z\n",
                 [unix_raw(0xFFFF, 255, U64, b"z", flags=U32)], id="field-maxima"),
    pytest.param(UNIX_HEAD + b"0000:\t00000002\t00000000  00000000\t 0002\t01\t00042 /d\n",
                 [unix_raw(DGRAM, 1, 42, b"/d")], id="tabs-runs-leading-zeros"),
    pytest.param(UNIX_HEAD + urow(5, typ=DGRAM, state=3) + urow(6, typ=SEQPACKET, state=2),
                 [unix_raw(DGRAM, 3, 5), unix_raw(SEQPACKET, 2, 6)], id="types-and-states"),
]


@pytest.mark.parametrize(("data", "want"), UNIX_CASES)
def test_unix(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_net_unix(data), want)


UNIX_MALFORMED: list[Any] = [
    pytest.param(UNIX_HEAD + b"garbage\n", id="first-line-not-a-row"),
    pytest.param(UNIX_HEAD + urow(5) + b"garbage\n", id="not-a-row-after-unnamed-row"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00010000 0001 01\n", id="no-inode"),
    pytest.param(UNIX_HEAD + b"0000 00000002 00000000 00000000 0001 01 5\n", id="num-no-colon"),
    pytest.param(UNIX_HEAD + b": 00000002 00000000 00000000 0001 01 5\n", id="num-empty"),
    pytest.param(UNIX_HEAD + b"000g: 00000002 00000000 00000000 0001 01 5\n", id="num-not-hex"),
    pytest.param(UNIX_HEAD + b"0000: 000000002 00000000 00000000 0001 01 5\n",
                 id="refcount-9-digits"),
    pytest.param(UNIX_HEAD + b"0000: 0000000G 00000000 00000000 0001 01 5\n",
                 id="refcount-not-hex"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 0000000x 00000000 0001 01 5\n",
                 id="protocol-not-hex"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 000100000 0001 01 5\n",
                 id="flags-9-digits"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 10000 01 5\n",
                 id="type-past-16-bits"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 00010000 01 5\n",
                 id="type-8-digits-past-16-bits"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 0001 100 5\n",
                 id="state-past-8-bits"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 0001 G1 5\n",
                 id="state-not-hex"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 0001 01 12a\n", id="inode-12a"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 0001 01 -1\n",
                 id="inode-negative"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 0001 01 " + TOO_BIG + b"\n",
                 id="inode-past-u64"),
    pytest.param(UNIX_HEAD + b"0000: 00000002 00000000 00000000 0001 01 0x5\n", id="inode-hex"),
    pytest.param(UNIX_HEAD + ROW7 + b"\tname\n", id="tab-after-inode"),
    pytest.param(UNIX_HEAD + ROW7 + b"\r\n", id="cr-after-inode"),
    pytest.param(UNIX_HEAD + urow(5) + urow(6).replace(b" 01 ", b" 01x "),
                 id="good-row-then-bad"),
]


@pytest.mark.parametrize("data", UNIX_MALFORMED)
def test_unix_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_net_unix(data)


@pytest.mark.parametrize("data", [
    UNIX_HEAD + b"  " + urow(5, b"/x"),  # blanks before Num: not said
])
def test_unix_agree(data: bytes) -> None:
    agree("parse_net_unix", data)


# ------------------------------------------------------------- fd links
SOCKLINK_CASES: list[Any] = [
    pytest.param(b"socket:[12345]", 12345, id="typical"),
    pytest.param(b"socket:[0]", 0, id="zero"),
    pytest.param(b"socket:[18446744073709551615]", U64, id="u64-max"),
    pytest.param(b"socket:[007]", 7, id="leading-zeros-are-digits"),
    pytest.param(b"socket:[18446744073709551616]", None, id="past-u64"),
    pytest.param(b"socket:[]", None, id="no-digits"),
    pytest.param(b"socket:[-1]", None, id="negative"),
    pytest.param(b"socket:[+1]", None, id="plus"),
    pytest.param(b"socket:[1a]", None, id="hex-digit"),
    pytest.param(b"socket:[0x1]", None, id="0x"),
    pytest.param(b"socket:[1 ]", None, id="blank-inside"),
    pytest.param(b"socket:[1", None, id="unclosed"),
    pytest.param(b"socket:[1]\n", None, id="trailing-newline"),
    pytest.param(b"socket:[1] ", None, id="trailing-blank"),
    pytest.param(b"socket:[1]]", None, id="extra-bracket"),
    pytest.param(b" socket:[1]", None, id="leading-blank"),
    pytest.param(b"Socket:[1]", None, id="capital"),
    pytest.param(b"socket:1", None, id="no-brackets"),
    pytest.param(b"socket:[1]\0", None, id="trailing-nul"),
    pytest.param(b"pipe:[12345]", None, id="pipe"),
    pytest.param(b"anon_inode:[eventfd]", None, id="anon-inode"),
    pytest.param(b"/dev/null", None, id="path"),
    pytest.param(b"", None, id="empty"),
]


@pytest.mark.parametrize(("data", "want"), SOCKLINK_CASES)
def test_socklink(mod: ModuleType, data: bytes, want: int | None) -> None:
    assert_exact(mod.parse_socklink(data), want)
