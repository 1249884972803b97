"""The socket parsers on the files under tests/fixtures/net/, C and Python.

- handmade/: a table of exact expected rows per file, written by hand from the
  bytes in make_net.py (addresses as a little-endian kernel spells them).
- captured/: real /proc/net files and sock_diag datagrams of a network
  namespace holding only the sockets make_net.py arranged; the parsed rows
  must equal the ground truth in facts.json exactly (every row, no stray one),
  and /proc/net and netlink must describe the same sockets.
- Every prefix of every captured datagram either parses (exactly the messages
  it holds whole) or raises ParseError.
"""

from __future__ import annotations

import socket
import struct
import sys
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
    NLH,
    NLMSG_DONE,
    SEQPACKET,
    SOCK_DIAG_BY_FAMILY,
    STREAM,
    TCP,
    TIME_WAIT,
    UDP,
    assert_exact,
    captured_facts,
    fixture_bytes,
    from_le_text,
    inet_raw,
    ip,
    message_ends,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    unix_raw,
)

from sysmon.errors import ParseError

FACTS = captured_facts()


def le(text: str) -> bytes:
    return from_le_text(ip(text))


# ------------------------------------------------------------- handmade
LO4, ANY4, ANY6 = le("127.0.0.1"), bytes(4), bytes(16)
MAPPED = le("::ffff:127.0.0.1")

HANDMADE_INET: list[Any] = [
    pytest.param("tcp6_loopback", AF_INET6, TCP, [
        inet_raw(AF_INET6, TCP, LISTEN, le("::1"), 40002, ANY6, 0, 51001, rqueue=3),
        inet_raw(AF_INET6, TCP, ESTABLISHED, MAPPED, 50000, MAPPED, 40001, 51002, uid=1000),
        inet_raw(AF_INET6, TCP, ESTABLISHED, MAPPED, 50001, MAPPED, 40001, 51003, uid=1000,
                 rqueue=255, wqueue=26),
        inet_raw(AF_INET6, TCP, LISTEN, le("fe80::fe00:ff:fe00:1"), 22, ANY6, 0, 51004),
    ], id="tcp6-loopback-mapped-lowercase"),
    pytest.param("tcp_time_wait", AF_INET, TCP, [
        inet_raw(AF_INET, TCP, LISTEN, LO4, 40001, ANY4, 0, 52001, rqueue=1),
        inet_raw(AF_INET, TCP, TIME_WAIT, LO4, 54321, LO4, 40001, 0),
        inet_raw(AF_INET, TCP, TIME_WAIT, LO4, 54322, LO4, 40001, 0),
        inet_raw(AF_INET, TCP, LISTEN, le("10.0.2.15"), 22, ANY4, 0, 52002, uid=1000),
    ], id="time-wait-inode-0-no-final-newline"),
    pytest.param("udp", AF_INET, UDP, [
        inet_raw(AF_INET, UDP, CLOSE, LO4, 40010, ANY4, 0, 53001),
        inet_raw(AF_INET, UDP, ESTABLISHED, LO4, 40012, LO4, 40010, 53002, uid=65534,
                 rqueue=512, wqueue=256),
    ], id="udp"),
    pytest.param("tcp_header_only", AF_INET, TCP, [], id="header-only"),
    pytest.param("tcp_header_no_newline", AF_INET6, TCP, [], id="header-no-newline"),
    pytest.param("empty", AF_INET6, UDP, [], id="empty"),
]


@pytest.mark.parametrize(("name", "family", "proto", "want"), HANDMADE_INET)
def test_handmade_inet(mod: ModuleType, name: str, family: int, proto: int,
                       want: Any) -> None:
    assert_exact(mod.parse_net_inet(fixture_bytes("handmade", name), family, proto), want)


HANDMADE_UNIX: list[Any] = [
    pytest.param("unix_names", [
        unix_raw(STREAM, 1, 54001, b"/run/my app/sock et", flags=ACCEPTCON),
        unix_raw(STREAM, 3, 54002),
        unix_raw(DGRAM, 1, 54003, b"/tmp/new\nline"),
        unix_raw(SEQPACKET, 1, 54004, b"@sysmon abstract@x", flags=ACCEPTCON),
        unix_raw(STREAM, 3, 54005, b" lead and trail "),
        unix_raw(DGRAM, 1, 54006, b"/a\n\nb c"),
        unix_raw(DGRAM, 1, 54007, b"/ends-with-newline\n"),
        unix_raw(STREAM, 1, 54008, b"@", flags=ACCEPTCON),
        unix_raw(STREAM, 3, 54009),
    ], id="names"),
    pytest.param("unix_header_only", [], id="header-only"),
    pytest.param("empty", [], id="empty"),
]


@pytest.mark.parametrize(("name", "want"), HANDMADE_UNIX)
def test_handmade_unix(mod: ModuleType, name: str, want: Any) -> None:
    assert_exact(mod.parse_net_unix(fixture_bytes("handmade", name)), want)


# ------------------------------------------------------------- captured
def inet_fact_row(f: dict[str, Any], queues: str, with_info: bool) -> tuple[Any, ...]:
    fam = f["family"]
    rq, wq = f[queues]
    info = tuple(f["info"]) if with_info and f["info"] is not None else None
    return inet_raw(fam, f["proto"], f["state"], socket.inet_pton(fam, f["laddr"]), f["lport"],
                    socket.inet_pton(fam, f["raddr"]), f["rport"], f["inode"], f["uid"], rq, wq,
                    info)


def unix_fact_row(f: dict[str, Any], netlink: bool) -> tuple[Any, ...]:
    if netlink:
        name = f["diag_name_hex"]
        rq, wq = f["diag_queues"]
        return unix_raw(f["type"], f["diag_state"], f["inode"],
                        None if name is None else bytes.fromhex(name), 0, f["uid"], rq, wq,
                        f["peer"])
    name = f["proc_name_hex"]
    return unix_raw(f["type"], f["proc_state"], f["inode"],
                    None if name is None else bytes.fromhex(name), f["flags"])


def order(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Kernel hash order is not ours to assert: sort by (inode, ports, addresses)."""
    return sorted(rows, key=lambda r: (r[8], r[5], r[7], r[4], r[6]))


def captured(name: str) -> bytes:
    return fixture_bytes("captured", name)


# netlink is in host order and /proc/net addresses are host words: the capture
# reads as it was made only on a machine of the same byte order
needs_same_order = pytest.mark.skipif(FACTS["byteorder"] != sys.byteorder,
                                      reason="captured on a machine of the other byte order")

PROC_FILES = [("tcp", AF_INET, TCP), ("tcp6", AF_INET6, TCP), ("udp", AF_INET, UDP),
              ("udp6", AF_INET6, UDP)]


@needs_same_order
@pytest.mark.parametrize(("file", "family", "proto"), PROC_FILES)
def test_captured_proc_inet(mod: ModuleType, file: str, family: int, proto: int) -> None:
    data = captured(FACTS["files"][file])
    got = mod.parse_net_inet(data, family, proto)
    want = [inet_fact_row(f, "proc_queues", False) for f in FACTS["inet"] if f["file"] == file]
    assert want, "the capture holds sockets of every kind"
    assert len(got) == len(data.rstrip(b"\n").split(b"\n")) - 1  # one row per line
    assert_exact(order(got), order(want))


@needs_same_order
def test_captured_proc_unix(mod: ModuleType) -> None:
    got = mod.parse_net_unix(captured(FACTS["files"]["unix"]))
    want = [unix_fact_row(f, netlink=False) for f in FACTS["unix"]]
    assert_exact(order(got), order(want))
    names = {r[8]: r[12] for r in got}
    assert b"\n" in names[next(f["inode"] for f in FACTS["unix"] if f["label"] == "dgram")]


def parse_datagrams(mod: ModuleType, dump: str) -> list[tuple[Any, ...]]:
    """Rows of every datagram of one dump; only the last one reports DONE."""
    spec = FACTS["diag"][dump]
    rows: list[tuple[Any, ...]] = []
    names = spec["datagrams"]
    for i, name in enumerate(names):
        got_rows, status = mod.parse_diag(captured(name), spec["proto"])
        assert status == (1 if i == len(names) - 1 else 0), (name, status)
        assert isinstance(got_rows, list)
        rows += got_rows
    return rows


DIAG_DUMPS = [("tcp4", AF_INET, TCP), ("tcp6", AF_INET6, TCP), ("udp4", AF_INET, UDP),
              ("udp6", AF_INET6, UDP)]


@needs_same_order
@pytest.mark.parametrize(("dump", "family", "proto"), DIAG_DUMPS)
def test_captured_diag_inet(mod: ModuleType, dump: str, family: int, proto: int) -> None:
    got = parse_datagrams(mod, dump)
    want = [inet_fact_row(f, "diag_queues", True) for f in FACTS["inet"]
            if f["family"] == family and f["proto"] == proto]
    assert want
    assert_exact(order(got), order(want))
    if proto == TCP:
        infos = {r[8]: r[15] for r in got if r[8]}
        by = {f["label"]: f["inode"] for f in FACTS["inet"]}
        if family == AF_INET:  # 100 bytes went from est4-client to est4-server
            assert infos[by["est4-server"]][4] == 100
            assert infos[by["est4-client"]][3] == 101  # the SYN counts too
        assert all(i is not None and len(i) == 5 and None not in i for i in infos.values())


@needs_same_order
def test_captured_diag_unix(mod: ModuleType) -> None:
    got = parse_datagrams(mod, "unix")
    want = [unix_fact_row(f, netlink=True) for f in FACTS["unix"]]
    assert_exact(order(got), order(want))
    peers = {r[8]: r[13] for r in got}
    assert all(peers[p] == i for i, p in peers.items() if p is not None)  # peers pair up


@needs_same_order
def test_captured_proc_and_netlink_agree(mod: ModuleType) -> None:
    """The same sockets, addresses, ports and states from both sources."""
    def ident(r: tuple[Any, ...]) -> tuple[Any, ...]:
        return (r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8])

    proc = [r for file, fam, proto in PROC_FILES
            for r in mod.parse_net_inet(captured(FACTS["files"][file]), fam, proto)]
    diag = [r for dump, _, _ in DIAG_DUMPS for r in parse_datagrams(mod, dump)]
    assert sorted(map(ident, proc)) == sorted(map(ident, diag))
    unix_proc = {r[8]: r[1] for r in mod.parse_net_unix(captured(FACTS["files"]["unix"]))}
    unix_diag = {r[8]: r[1] for r in parse_datagrams(mod, "unix")}
    assert unix_proc == unix_diag


# ------------------------------------------------------ every prefix
DATAGRAMS = [name for spec in FACTS["diag"].values() for name in spec["datagrams"]]
PROTO_OF = {name: spec["proto"] for spec in FACTS["diag"].values() for name in spec["datagrams"]}


def message_types(data: bytes) -> dict[int, int]:
    """{end offset: nlmsg_type} of the whole messages in data."""
    out, start = {}, 0
    for end in message_ends(data):
        out[end] = NLH.unpack_from(data, start)[1]
        start = (end + 3) & ~3
    return out


@needs_same_order
@pytest.mark.parametrize("name", DATAGRAMS)
def test_every_prefix_of_a_captured_datagram(mod: ModuleType, name: str) -> None:
    data = captured(name)
    proto = PROTO_OF[name]
    full_rows, _ = mod.parse_diag(data, proto)
    kinds = message_types(data)
    assert max(kinds) == len(data) and set(kinds.values()) <= {SOCK_DIAG_BY_FAMILY, NLMSG_DONE}
    assert all(end % 4 == 0 for end in kinds)  # the kernel pads: no tail to round over
    sockets = done = 0
    for cut in range(len(data) + 1):
        prefix = data[:cut]
        if cut == 0 or cut in kinds:
            if cut:
                sockets += kinds[cut] == SOCK_DIAG_BY_FAMILY
                done |= kinds[cut] == NLMSG_DONE
            assert_exact(mod.parse_diag(prefix, proto), (full_rows[:sockets], done))
        else:
            with pytest.raises(ParseError):
                mod.parse_diag(prefix, proto)


@needs_same_order
def test_captured_datagrams_are_what_facts_say() -> None:
    """The fixture itself: the requests' answers hold one message per socket."""
    for dump, spec in FACTS["diag"].items():
        first = captured(spec["datagrams"][0])
        fams = {first[s + 16] for s in [0, *[(e + 3) & ~3 for e in message_ends(first)][:-1]]}
        assert fams == {spec["family"]}, dump
        last = captured(spec["datagrams"][-1])
        assert struct.unpack_from("=IH", last)[1] == NLMSG_DONE
