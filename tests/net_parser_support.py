"""Shared by the test_net_*.py modules: the socket readers (contract:
sysmon/_rawnet.py) of ``sysmon._native_net`` (C) and ``sysmon._pure_net``
(Python), and an independent builder of the inputs they read.

- ``mod_fixture``: each test once per implementation (import it by that name
  and ask for ``mod``).  Without the C extension the C runs are skipped; with
  SYSMON_REQUIRE_NATIVE=1 (as CI sets) they fail instead.  The Python twin must
  always import: a missing one fails.
- ``agree``: run both on the same input; the same typed result (``True`` is not
  ``1``, a tuple is not a list), or the same exception (ParseError; OSError
  with the same errno).
- Builders, written here from the kernel's layouts and the contract, sharing
  nothing with either implementation: /proc/net/{tcp,udp}[6] rows in the
  kernel's spelling (addresses as u32 words printed from host memory),
  /proc/net/unix rows, and netlink messages (nlmsghdr, inet_diag_msg,
  unix_diag_msg, rtattr, tcp_info of any length, NLMSG_ERROR, NLMSG_DONE).
- ``inet_raw`` / ``unix_raw``: the raw tuples the contract says a row gives.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import assert_exact, typed

from sysmon.errors import ParseError

try:
    from sysmon import _native_net as _c_mod
except ImportError as e:  # pragma: no cover - the C extension must be built for CI
    _c_mod, C_IMPORT_ERROR = None, e
try:
    from sysmon import _pure_net as _py_mod
except ImportError as e:  # pragma: no cover
    _py_mod, PY_IMPORT_ERROR = None, e

NATIVE: ModuleType | None = _c_mod
PURE: ModuleType | None = _py_mod
REQUIRE_NATIVE = os.environ.get("SYSMON_REQUIRE_NATIVE") == "1"
IMPLS = ("c", "python")

__all__ = ["assert_exact", "typed"]

# ------------------------------------------------------------ constants
AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
STREAM, DGRAM, SEQPACKET = 1, 2, 5
TCP, UDP = 6, 17
# TCP_* states
ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT = 1, 2, 3, 4, 5, 6
CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING = 7, 8, 9, 10, 11
SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED = 1, 2, 3
ACCEPTCON = 0x10000
ALL_STATES = 0xFFFFFFFF

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, SOCK_DIAG_BY_FAMILY = 1, 2, 3, 20
NLM_F_MULTI, NLM_F_DUMP_INTR = 0x2, 0x10
INET_DIAG_INFO = 2
UNIX_DIAG_NAME, UNIX_DIAG_PEER, UNIX_DIAG_RQLEN, UNIX_DIAG_UID = 0, 2, 4, 7
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000

U32, U64 = 2**32 - 1, 2**64 - 1

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "net")


# -------------------------------------------------------- implementations
def native() -> ModuleType:
    """``sysmon._native_net``, or skip (fail under SYSMON_REQUIRE_NATIVE=1)."""
    if NATIVE is None:
        if REQUIRE_NATIVE:
            pytest.fail(f"sysmon._native_net does not import and SYSMON_REQUIRE_NATIVE=1: "
                        f"{C_IMPORT_ERROR}")
        pytest.skip(f"C extension not built: {C_IMPORT_ERROR}")
    return NATIVE


def pure() -> ModuleType:
    if PURE is None:
        pytest.fail(f"sysmon._pure_net does not import: {PY_IMPORT_ERROR}")
    return PURE


def impl(name: str) -> ModuleType:
    return native() if name == "c" else pure()


@pytest.fixture(params=IMPLS, name="mod")
def mod_fixture(request: pytest.FixtureRequest) -> ModuleType:
    return impl(request.param)


Outcome = tuple[Any, ...]


def outcome(mod: ModuleType, fn: str, *args: Any) -> Outcome:
    """("ok", typed result), ("ParseError",) or ("OSError", class name, errno);
    any other exception propagates (a crash is never an agreement)."""
    try:
        return ("ok", typed(getattr(mod, fn)(*args)))
    except ParseError:
        return ("ParseError",)
    except OSError as e:
        return ("OSError", type(e).__name__, e.errno)


def agree(fn: str, *args: Any) -> Outcome:
    """Both implementations give the same outcome; returns it."""
    c = outcome(native(), fn, *args)
    p = outcome(pure(), fn, *args)
    assert c == p, (fn, args, "C:", c, "Python:", p)
    return c


# ------------------------------------------------------- expected tuples
def inet_raw(family: int, proto: int, state: int, laddr: bytes, lport: int, raddr: bytes,
             rport: int, inode: int, uid: int = 0, rqueue: int = 0, wqueue: int = 0,
             info: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
    typ = STREAM if proto == TCP else DGRAM
    return (family, typ, proto, state, laddr, lport, raddr, rport, inode, uid, rqueue, wqueue,
            None, None, 0, info)


def unix_raw(typ: int, state: int, inode: int, name: bytes | None = None, flags: int = 0,
             uid: int | None = None, rqueue: int | None = None, wqueue: int | None = None,
             peer: int | None = None) -> tuple[Any, ...]:
    return (AF_UNIX, typ, 0, state, b"", 0, b"", 0, inode, uid, rqueue, wqueue, name, peer,
            flags, None)


def ip(text: str) -> bytes:
    """An address in network order: "127.0.0.1" -> 4 bytes, "::1" -> 16."""
    return socket.inet_pton(AF_INET6 if ":" in text else AF_INET, text)


def from_le_text(addr: bytes) -> bytes:
    """What a parser must return for kernel text written on a little-endian
    machine (the literals in the tests): the address itself there, each
    4-byte word reversed on a big-endian one."""
    if sys.byteorder == "little":
        return addr
    return b"".join(addr[i:i + 4][::-1] for i in range(0, len(addr), 4))


# ------------------------------------------------------ /proc/net builders
TCP_HEAD = (b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            b"   uid  timeout inode\n")
UNIX_HEAD = b"Num       RefCount Protocol Flags    Type St Inode Path\n"


def proc_addr(addr: bytes, lower: bool = False) -> bytes:
    """``addr`` as the kernel prints it: each 4-byte word as the u32 it is in
    this machine's memory, "%08X"."""
    fmt = b"%08x" if lower else b"%08X"
    return b"".join(fmt % int.from_bytes(addr[i:i + 4], sys.byteorder)
                    for i in range(0, len(addr), 4))


def inet_line(laddr: bytes, lport: int, raddr: bytes, rport: int, state: int, inode: int,
              uid: int = 0, tx: int = 0, rx: int = 0, sl: int = 0,
              tail: bytes = b" 1 0 20 4") -> bytes:
    """One /proc/net/tcp-style row, in the kernel's layout, with a newline."""
    return (b"%4d: %s:%04X %s:%04X %02X %08X:%08X 00:00000000 00000000 %5d        0 %d%s\n"
            % (sl, proc_addr(laddr), lport, proc_addr(raddr), rport, state, tx, rx, uid, inode,
               tail))


def unix_line(typ: int, state: int, inode: int, name: bytes | None = None, flags: int = 0,
              num: bytes = b"0000000000000000", refs: int = 2) -> bytes:
    """One /proc/net/unix row as the kernel prints it, with a newline."""
    row = b"%s: %08X 00000000 %08X %04X %02X %5d" % (num, refs, flags, typ, state, inode)
    return row + (b"" if name is None else b" " + name) + b"\n"


# ------------------------------------------------------- netlink builders
NLH = struct.Struct("=IHHII")


def align4(n: int) -> int:
    return (n + 3) & ~3


def nlmsg(typ: int, payload: bytes = b"", flags: int = NLM_F_MULTI, seq: int = 1,
          pid: int = 0, length: int | None = None, pad: bool = True) -> bytes:
    """nlmsghdr + payload; ``length`` overrides nlmsg_len; ``pad`` adds the
    bytes up to a multiple of 4 (as the kernel does)."""
    n = NLH.size + len(payload) if length is None else length
    msg = NLH.pack(n, typ, flags, seq, pid) + payload
    return msg + bytes(-len(msg) % 4) if pad else msg


def rta(kind: int, payload: bytes = b"", length: int | None = None, pad: bool = True) -> bytes:
    """rtattr (u16 len, u16 type) + payload, padded to 4 unless ``pad`` is false."""
    n = 4 + len(payload) if length is None else length
    a = struct.pack("=HH", n, kind) + payload
    return a + bytes(-len(a) % 4) if pad else a


def inet_diag_msg(family: int, state: int, src: bytes, sport: int, dst: bytes, dport: int,
                  inode: int, uid: int = 0, rqueue: int = 0, wqueue: int = 0,
                  timer: int = 0, retrans: int = 0, ifindex: int = 0,
                  cookie: tuple[int, int] = (0, 0), expires: int = 0) -> bytes:
    """The 72-byte inet_diag_msg; ports big-endian, src/dst padded to 16."""
    return (struct.pack("=BBBB", family, state, timer, retrans)
            + struct.pack(">HH", sport, dport)
            + src.ljust(16, b"\0") + dst.ljust(16, b"\0")
            + struct.pack("=IIIIIIII", ifindex, cookie[0], cookie[1], expires, rqueue, wqueue,
                          uid, inode))


def unix_diag_msg(typ: int, state: int, inode: int, cookie: tuple[int, int] = (0, 0),
                  family: int = AF_UNIX) -> bytes:
    """The 16-byte unix_diag_msg."""
    return struct.pack("=BBBBIII", family, typ, state, 0, inode, cookie[0], cookie[1])


TCP_INFO_FILL = 0xA5  # every byte a parser must not read


def tcp_info(length: int, rtt: int = 0, rttvar: int = 0, total_retrans: int = 0,
             bytes_acked: int = 0, bytes_received: int = 0) -> bytes:
    """A struct tcp_info cut to ``length`` bytes: rtt u32 @68, rttvar u32 @72,
    total_retrans u32 @100, bytes_acked u64 @120, bytes_received u64 @128;
    every other byte 0xa5."""
    buf = bytearray([TCP_INFO_FILL]) * max(length, 136)
    struct.pack_into("=II", buf, 68, rtt, rttvar)
    struct.pack_into("=I", buf, 100, total_retrans)
    struct.pack_into("=QQ", buf, 120, bytes_acked, bytes_received)
    return bytes(buf[:length])


def sock_msg(body: bytes, *attrs: bytes, flags: int = NLM_F_MULTI) -> bytes:
    """A SOCK_DIAG_BY_FAMILY message: a fixed part and its attributes."""
    return nlmsg(SOCK_DIAG_BY_FAMILY, body + b"".join(attrs), flags=flags)


def done(flags: int = NLM_F_MULTI) -> bytes:
    """NLMSG_DONE as the kernel sends it after a dump (a 4-byte int 0)."""
    return nlmsg(NLMSG_DONE, struct.pack("=i", 0), flags=flags)


def error(err: int, request: bytes = b"") -> bytes:
    """NLMSG_ERROR: i32 error (negative errno, or 0 for an ACK) + the request."""
    return nlmsg(NLMSG_ERROR, struct.pack("=i", err) + request, flags=0)


def message_ends(data: bytes) -> list[int]:
    """The end offsets of the well-formed messages at the start of ``data``
    (a walk of the headers only, for cutting captured datagrams)."""
    ends, off = [], 0
    while off + NLH.size <= len(data):
        n = NLH.unpack_from(data, off)[0]
        if n < NLH.size or off + n > len(data):
            break
        ends.append(off + n)
        off = align4(off + n)
    return ends


# ------------------------------------------------------------- fixtures
def fixture_bytes(*parts: str) -> bytes:
    with open(os.path.join(FIXTURES, *parts), "rb") as f:
        return f.read()


def captured_facts() -> dict[str, Any]:
    with open(os.path.join(FIXTURES, "captured", "facts.json")) as f:
        facts: dict[str, Any] = json.load(f)
    return facts
