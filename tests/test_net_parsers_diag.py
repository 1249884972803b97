"""Parser tables for parse_diag (contract: sysmon/_rawnet.py), C and Python.

Every input is built here with tests/net_parser_support.py's struct builders
(nlmsghdr, inet_diag_msg, unix_diag_msg, rtattr, tcp_info), and every
expected tuple is written by hand from the contract.  Cases the contract
leaves open are in ``*_AGREE`` tables: both implementations must agree.
"""

from __future__ import annotations

import errno
import struct
from types import ModuleType
from typing import Any

import pytest
from net_parser_support import (
    AF_INET,
    AF_INET6,
    DGRAM,
    ESTABLISHED,
    INET_DIAG_INFO,
    LISTEN,
    NLA_F_NESTED,
    NLA_F_NET_BYTEORDER,
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSG_NOOP,
    SEQPACKET,
    SOCK_DIAG_BY_FAMILY,
    STREAM,
    TCP,
    TIME_WAIT,
    U32,
    UDP,
    UNIX_DIAG_NAME,
    UNIX_DIAG_PEER,
    UNIX_DIAG_RQLEN,
    UNIX_DIAG_UID,
    agree,
    assert_exact,
    done,
    error,
    inet_diag_msg,
    inet_raw,
    ip,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    nlmsg,
    rta,
    sock_msg,
    tcp_info,
    unix_diag_msg,
    unix_raw,
)

from sysmon.errors import ParseError

INTR = NLM_F_MULTI | NLM_F_DUMP_INTR

# ----------------------------------------------------------------- inet
V4 = inet_diag_msg(AF_INET, ESTABLISHED, ip("127.0.0.1"), 40001, ip("127.0.0.2"), 52974,
                   inode=77, uid=1000, rqueue=3, wqueue=4, timer=1, retrans=2, ifindex=1,
                   cookie=(0xDEAD, 0xBEEF), expires=500)
V4_ROW = inet_raw(AF_INET, TCP, ESTABLISHED, ip("127.0.0.1"), 40001, ip("127.0.0.2"), 52974, 77,
                  1000, 3, 4)
V6 = inet_diag_msg(AF_INET6, LISTEN, ip("::1"), 40002, bytes(16), 0, inode=78, uid=0)
V6_ROW = inet_raw(AF_INET6, TCP, LISTEN, ip("::1"), 40002, bytes(16), 0, 78)
MAPPED = inet_diag_msg(AF_INET6, ESTABLISHED, ip("::ffff:127.0.0.1"), 52978,
                       ip("::ffff:127.0.0.1"), 40001, inode=79)
MAPPED_ROW = inet_raw(AF_INET6, TCP, ESTABLISHED, ip("::ffff:127.0.0.1"), 52978,
                      ip("::ffff:127.0.0.1"), 40001, 79)
TW = inet_diag_msg(AF_INET, TIME_WAIT, ip("10.0.0.1"), 0x1234, ip("10.0.0.2"), 0xABCD, inode=0)
TW_ROW = inet_raw(AF_INET, TCP, TIME_WAIT, ip("10.0.0.1"), 0x1234, ip("10.0.0.2"), 0xABCD, 0)


def with_info(row: tuple[Any, ...], info: Any) -> tuple[Any, ...]:
    return (*row[:15], info)


def info(length: int, kind: int = INET_DIAG_INFO, **values: int) -> bytes:
    return rta(kind, tcp_info(length, **values))


VALS = {"rtt": 1500, "rttvar": 750, "total_retrans": 3, "bytes_acked": 2**40 + 5,
        "bytes_received": 2**63 + 7}
VALS2 = {"rtt": 9, "rttvar": 8, "total_retrans": 7, "bytes_acked": 6, "bytes_received": 5}
FULL = (1500, 750, 3, 2**40 + 5, 2**63 + 7)
SHORT = (1500, 750, 3, None, None)

DIAG_INET: list[Any] = [
    pytest.param(b"", TCP, [], 0, id="empty"),
    pytest.param(sock_msg(V4), TCP, [V4_ROW], 0, id="inet4"),
    pytest.param(sock_msg(inet_diag_msg(AF_INET, ESTABLISHED, ip("127.0.0.1") + b"\xee" * 12,
                                        40001, ip("127.0.0.2") + b"\xdd" * 12, 52974, inode=77,
                                        uid=1000, rqueue=3, wqueue=4)), TCP, [V4_ROW], 0,
                 id="inet4-only-first-4-address-bytes"),
    pytest.param(sock_msg(V6) + sock_msg(MAPPED), TCP, [V6_ROW, MAPPED_ROW], 0,
                 id="inet6-loopback-and-v4-mapped"),
    pytest.param(sock_msg(TW), TCP, [TW_ROW], 0, id="ports-are-big-endian"),
    pytest.param(sock_msg(V4), UDP, [(*V4_ROW[:1], DGRAM, UDP, *V4_ROW[3:])], 0,
                 id="udp-is-dgram"),
    pytest.param(sock_msg(inet_diag_msg(AF_INET, 255, b"\xff" * 4, 65535, b"\xff" * 4, 65535,
                                        inode=U32, uid=U32, rqueue=U32, wqueue=U32)), TCP,
                 [inet_raw(AF_INET, TCP, 255, b"\xff" * 4, 65535, b"\xff" * 4, 65535, U32, U32,
                           U32, U32)], 0, id="maxima"),
    pytest.param(sock_msg(V4) + sock_msg(TW) + done(), TCP, [V4_ROW, TW_ROW], 1,
                 id="then-done"),
    pytest.param(done() + sock_msg(V4), TCP, [], 1, id="done-stops"),
    pytest.param(sock_msg(V4) + done() + b"\xff" * 7, TCP, [V4_ROW], 1,
                 id="done-stops-before-garbage"),
    pytest.param(done(), TCP, [], 1, id="done-only"),
    pytest.param(nlmsg(NLMSG_DONE, flags=0), TCP, [], 1, id="done-without-payload"),
    pytest.param(nlmsg(NLMSG_NOOP) + sock_msg(V4) + nlmsg(NLMSG_NOOP, b"xyz"), TCP, [V4_ROW], 0,
                 id="noop-skipped"),
    pytest.param(error(0) + sock_msg(V4) + error(0, b"\0" * 16), TCP, [V4_ROW], 0,
                 id="ack-skipped"),
    pytest.param(sock_msg(V4, flags=INTR), TCP, [V4_ROW], 2, id="dump-intr-on-socket"),
    pytest.param(sock_msg(V4) + done(flags=INTR), TCP, [V4_ROW], 3, id="dump-intr-on-done"),
    pytest.param(nlmsg(NLMSG_NOOP, flags=NLM_F_DUMP_INTR) + sock_msg(V4), TCP, [V4_ROW], 2,
                 id="dump-intr-on-noop"),
    pytest.param(sock_msg(V4, flags=0) + sock_msg(V6, flags=0xFFFF & ~NLM_F_DUMP_INTR), TCP,
                 [V4_ROW, V6_ROW], 0, id="other-flags-ignored"),
    pytest.param(sock_msg(V4) + nlmsg(NLMSG_NOOP, b"x", pad=False), TCP, [V4_ROW], 0,
                 id="unaligned-last-message-ends-the-data"),
    pytest.param(nlmsg(NLMSG_NOOP, b"x") + sock_msg(V4), TCP, [V4_ROW], 0,
                 id="next-message-at-len-rounded-up"),
    pytest.param(nlmsg(SOCK_DIAG_BY_FAMILY, V4, seq=99, pid=1234), TCP, [V4_ROW], 0,
                 id="seq-and-pid-not-read"),
    # tcp_info: >= 104 bytes give three fields, >= 136 all five, shorter none
    pytest.param(sock_msg(V4, info(232, **VALS)), TCP, [with_info(V4_ROW, FULL)], 0,
                 id="info-long"),
    pytest.param(sock_msg(V4, info(136, **VALS)), TCP, [with_info(V4_ROW, FULL)], 0,
                 id="info-136"),
    pytest.param(sock_msg(V4, info(135, **VALS)), TCP, [with_info(V4_ROW, SHORT)], 0,
                 id="info-135"),
    pytest.param(sock_msg(V4, info(104, **VALS)), TCP, [with_info(V4_ROW, SHORT)], 0,
                 id="info-104"),
    pytest.param(sock_msg(V4, info(103, **VALS)), TCP, [V4_ROW], 0, id="info-103-ignored"),
    pytest.param(sock_msg(V4, rta(INET_DIAG_INFO)), TCP, [V4_ROW], 0, id="info-empty-ignored"),
    pytest.param(sock_msg(V4, info(103, **VALS2), info(136, **VALS)), TCP,
                 [with_info(V4_ROW, FULL)], 0, id="info-short-then-long"),
    pytest.param(sock_msg(V4, info(232, **VALS2), info(136, **VALS)), TCP,
                 [with_info(V4_ROW, FULL)], 0, id="info-repeated-last-counts"),
    pytest.param(sock_msg(V4, info(136, INET_DIAG_INFO | NLA_F_NESTED, **VALS)), TCP,
                 [with_info(V4_ROW, FULL)], 0, id="info-type-nested-bit-masked"),
    pytest.param(sock_msg(V4, info(136, INET_DIAG_INFO | NLA_F_NET_BYTEORDER, **VALS)), TCP,
                 [with_info(V4_ROW, FULL)], 0, id="info-type-byteorder-bit-masked"),
    pytest.param(sock_msg(V4, info(136, INET_DIAG_INFO | 0x100, **VALS)), TCP, [V4_ROW], 0,
                 id="kind-258-is-not-info"),
    pytest.param(sock_msg(V4, rta(1, bytes(16)), rta(8, b"\x03"), rta(5, b"\x10"),
                          rta(21, bytes(8)), info(136, **VALS), rta(22, b"\x01\x02")), TCP,
                 [with_info(V4_ROW, FULL)], 0, id="other-kinds-ignored"),
    pytest.param(sock_msg(V4, rta(7), rta(1, b"12345")), TCP, [V4_ROW], 0,
                 id="empty-and-unaligned-attributes"),
    pytest.param(sock_msg(TW, info(136, **VALS)) + sock_msg(V4), TCP,
                 [with_info(TW_ROW, FULL), V4_ROW], 0, id="info-is-per-message"),
]


@pytest.mark.parametrize(("data", "proto", "rows", "status"), DIAG_INET)
def test_diag_inet(mod: ModuleType, data: bytes, proto: int, rows: Any, status: int) -> None:
    assert_exact(mod.parse_diag(data, proto), (rows, status))


# ----------------------------------------------------------------- unix
U = unix_diag_msg(STREAM, LISTEN, 5001, cookie=(1, 2))
U_BARE = unix_raw(STREAM, LISTEN, 5001)


def u32(*v: int) -> bytes:
    return struct.pack(f"={len(v)}I", *v)


def unix_full(**kw: Any) -> tuple[Any, ...]:
    return unix_raw(STREAM, LISTEN, 5001, **kw)


DIAG_UNIX: list[Any] = [
    pytest.param(sock_msg(U), [U_BARE], id="bare"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_NAME, b"/run/x sock\0"), rta(UNIX_DIAG_PEER, u32(9)),
                          rta(UNIX_DIAG_RQLEN, u32(1, 128)), rta(UNIX_DIAG_UID, u32(1000))),
                 [unix_full(name=b"/run/x sock\0", peer=9, rqueue=1, wqueue=128, uid=1000)],
                 id="all-attributes"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_UID, u32(1000)), rta(UNIX_DIAG_RQLEN, u32(1, 128)),
                          rta(UNIX_DIAG_PEER, u32(9)), rta(UNIX_DIAG_NAME, b"\0abs\0tract")),
                 [unix_full(name=b"\0abs\0tract", peer=9, rqueue=1, wqueue=128, uid=1000)],
                 id="abstract-any-order"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_NAME)), [unix_full(name=b"")], id="empty-name"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_NAME, b"/new\nline\xff")),
                 [unix_full(name=b"/new\nline\xff")], id="name-raw-bytes"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_NAME, b"a" * 108)), [unix_full(name=b"a" * 108)],
                 id="name-108-bytes"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_PEER, u32(9, 99)), rta(UNIX_DIAG_UID, u32(7, 77)),
                          rta(UNIX_DIAG_RQLEN, u32(1, 2, 3))),
                 [unix_full(peer=9, uid=7, rqueue=1, wqueue=2)], id="longer-attributes-ok"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_PEER, u32(0)), rta(UNIX_DIAG_UID, u32(U32))),
                 [unix_full(peer=0, uid=U32)], id="peer-0-uid-max"),
    pytest.param(sock_msg(U, rta(1, u32(1, 2)), rta(3, u32(1, 2, 3)), rta(5, bytes(36)),
                          rta(6, b"\x01"), rta(8, b"x"), rta(9, tcp_info(136))),
                 [U_BARE], id="other-kinds-ignored"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_NAME, b"/a"), rta(UNIX_DIAG_NAME, b"/b"),
                          rta(UNIX_DIAG_PEER, u32(1)), rta(UNIX_DIAG_PEER, u32(2)),
                          rta(UNIX_DIAG_RQLEN, u32(1, 1)), rta(UNIX_DIAG_RQLEN, u32(2, 3)),
                          rta(UNIX_DIAG_UID, u32(1)), rta(UNIX_DIAG_UID, u32(4))),
                 [unix_full(name=b"/b", peer=2, rqueue=2, wqueue=3, uid=4)],
                 id="repeated-last-counts"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_NAME | NLA_F_NESTED, b"/n"),
                          rta(UNIX_DIAG_PEER | NLA_F_NET_BYTEORDER, u32(3)),
                          rta(UNIX_DIAG_UID | NLA_F_NESTED | NLA_F_NET_BYTEORDER, u32(5))),
                 [unix_full(name=b"/n", peer=3, uid=5)], id="type-masked-with-3fff"),
    pytest.param(sock_msg(U, rta(0x100 | UNIX_DIAG_PEER, b"x")), [U_BARE],
                 id="kind-258-is-not-peer"),
    pytest.param(sock_msg(unix_diag_msg(DGRAM, 7, 1)) + sock_msg(unix_diag_msg(SEQPACKET, 1, 2))
                 + done(), [unix_raw(DGRAM, 7, 1), unix_raw(SEQPACKET, 1, 2)],
                 id="several-then-done"),
]


@pytest.mark.parametrize(("data", "rows"), DIAG_UNIX)
def test_diag_unix(mod: ModuleType, data: bytes, rows: Any) -> None:
    status = 1 if data.endswith(done()) else 0
    assert_exact(mod.parse_diag(data, 0), (rows, status))


# ------------------------------------------------------------ malformed
def bad_attr(fixed: bytes, attr: bytes) -> bytes:
    return sock_msg(fixed, attr)


DIAG_MALFORMED: list[Any] = [
    *[pytest.param(b"\0" * n, id=f"{n}-bytes") for n in (1, 4, 15)],
    *[pytest.param(sock_msg(V4) + b"\0" * n, id=f"{n}-bytes-left-over") for n in (1, 4, 12, 15)],
    pytest.param(nlmsg(NLMSG_NOOP, length=15), id="len-15"),
    pytest.param(nlmsg(NLMSG_NOOP, length=0) + bytes(16), id="len-0"),
    pytest.param(nlmsg(SOCK_DIAG_BY_FAMILY, V4, length=92), id="len-past-the-data-by-4"),
    pytest.param(nlmsg(SOCK_DIAG_BY_FAMILY, V4, length=16 + 72 + 1), id="len-past-by-1"),
    *[pytest.param(nlmsg(t), id=f"type-{t}") for t in (0, 4, 16, 19, 21, 0xFFFF)],
    pytest.param(nlmsg(NLMSG_ERROR), id="error-without-code"),
    pytest.param(nlmsg(NLMSG_ERROR, b"\xf3\xff\xff", pad=False), id="error-len-19"),
    pytest.param(nlmsg(SOCK_DIAG_BY_FAMILY), id="socket-without-payload"),
    pytest.param(sock_msg(V4[:71]), id="inet-71-bytes"),
    pytest.param(sock_msg(V6[:40]), id="inet6-40-bytes"),
    pytest.param(sock_msg(U[:15]), id="unix-15-bytes"),
    pytest.param(sock_msg(b"\x01"), id="unix-1-byte"),
    *[pytest.param(sock_msg(bytes([f]) + V4[1:]), id=f"family-{f}") for f in (0, 3, 16, 17, 44)],
    *[pytest.param(sock_msg(bytes([f]) + U[1:]), id=f"unix-size-family-{f}") for f in (0, 17)],
    pytest.param(bad_attr(V4, rta(1, length=3)), id="attr-len-3"),
    pytest.param(bad_attr(V4, rta(1, length=0) + bytes(4)), id="attr-len-0"),
    pytest.param(bad_attr(U, rta(UNIX_DIAG_NAME, b"abcd", length=12)), id="attr-past-message"),
    pytest.param(bad_attr(V4, info(136)[:-1]), id="info-attr-past-message"),
    pytest.param(sock_msg(V4 + b"\0"), id="1-byte-left-in-attrs"),
    pytest.param(sock_msg(V4 + b"\0\0\0"), id="3-bytes-left-in-attrs"),
    pytest.param(bad_attr(U, rta(UNIX_DIAG_PEER, b"\x01\x02\x03")), id="peer-3-bytes"),
    pytest.param(bad_attr(U, rta(UNIX_DIAG_PEER)), id="peer-empty"),
    pytest.param(bad_attr(U, rta(UNIX_DIAG_RQLEN, u32(1))), id="rqlen-4-bytes"),
    pytest.param(bad_attr(U, rta(UNIX_DIAG_RQLEN, u32(1) + b"\0\0\0")), id="rqlen-7-bytes"),
    pytest.param(bad_attr(U, rta(UNIX_DIAG_UID, b"\0\0")), id="uid-2-bytes"),
    pytest.param(bad_attr(U, rta(UNIX_DIAG_UID | NLA_F_NESTED, b"\0")), id="masked-uid-1-byte"),
    pytest.param(sock_msg(V4) + sock_msg(V4[:50]) + done(), id="bad-message-after-good"),
    pytest.param(sock_msg(V4, flags=INTR) + nlmsg(4, flags=INTR), id="bad-with-dump-intr"),
]


@pytest.mark.parametrize("data", DIAG_MALFORMED)
def test_diag_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_diag(data, TCP)


# ---------------------------------------------------------- NLMSG_ERROR
REQUEST = nlmsg(SOCK_DIAG_BY_FAMILY, bytes(56), flags=0x301)[:16]


@pytest.mark.parametrize(("data", "code"), [
    pytest.param(error(-errno.EACCES), errno.EACCES, id="eacces"),
    pytest.param(error(-errno.ENOENT, REQUEST), errno.ENOENT, id="enoent-with-request"),
    pytest.param(error(-errno.ENOBUFS), errno.ENOBUFS, id="enobufs"),
    pytest.param(error(-errno.EINVAL), errno.EINVAL, id="einval"),
    pytest.param(sock_msg(V4) + sock_msg(V6) + error(-errno.EPERM), errno.EPERM,
                 id="after-sockets"),
    pytest.param(error(0) + error(-errno.EOPNOTSUPP), errno.EOPNOTSUPP, id="after-an-ack"),
    pytest.param(sock_msg(V4, flags=INTR) + error(-errno.EBUSY), errno.EBUSY,
                 id="after-dump-intr"),
    pytest.param(error(-errno.EIO) + b"\xff" * 5, errno.EIO, id="before-garbage"),
    # a dump that failed part-way: the kernel puts its errno in DONE's int
    pytest.param(sock_msg(V4) + nlmsg(NLMSG_DONE, struct.pack("=i", -errno.ENOENT)),
                 errno.ENOENT, id="done-carrying-enoent"),
    pytest.param(nlmsg(NLMSG_DONE, struct.pack("=i", -errno.EINVAL)), errno.EINVAL,
                 id="done-carrying-einval"),
])
def test_diag_error(mod: ModuleType, data: bytes, code: int) -> None:
    with pytest.raises(OSError) as e:
        mod.parse_diag(data, TCP)
    assert e.value.errno == code
    assert not isinstance(e.value, ParseError)


def test_diag_error_after_done_is_not_read(mod: ModuleType) -> None:
    assert_exact(mod.parse_diag(sock_msg(V4) + done() + error(-errno.EACCES), TCP), ([V4_ROW], 1))


# ------------------------------------------------ left open: must agree
DIAG_AGREE: list[Any] = [
    pytest.param(sock_msg(V4, info(232, **VALS), info(103, **VALS2)), TCP,
                 id="info-long-then-short"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_PEER, b"\x01"), rta(UNIX_DIAG_PEER, u32(2))), 0,
                 id="short-peer-then-good"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_PEER, u32(2)), rta(UNIX_DIAG_PEER, b"\x01")), 0,
                 id="good-peer-then-short"),
    pytest.param(sock_msg(U) + sock_msg(V4), TCP, id="unix-in-a-tcp-reply"),
    pytest.param(sock_msg(V4, info(136, **VALS)), UDP, id="info-on-udp"),
    pytest.param(sock_msg(U, rta(UNIX_DIAG_NAME, b"abcde", pad=False)), 0,
                 id="last-attr-unaligned-message-unpadded"),
    pytest.param(nlmsg(NLMSG_ERROR, struct.pack("=i", 5)), TCP, id="positive-error"),
    pytest.param(sock_msg(V4), 0, id="inet-with-proto-0"),
]


@pytest.mark.parametrize(("data", "proto"), DIAG_AGREE)
def test_diag_agree(data: bytes, proto: int) -> None:
    agree("parse_diag", data, proto)


def test_builders_match_kernel_sizes() -> None:
    """The builders' fixed parts have the sizes the contract gives."""
    assert len(V4) == 72 and len(U) == 16 and len(done()) == 20
    assert len(sock_msg(V4)) == 88 and len(sock_msg(U)) == 32
    assert struct.unpack_from("=IHH", error(-1))[:2] == (20, NLMSG_ERROR)
