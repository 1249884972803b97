"""sysmon.connections() and sysmon.listening() on the live system, against a
child that holds a known set of sockets (connections_live_support.py): over
1,500 established loopback TCP connections (IPv4, IPv6, v4-mapped), TCP
listeners, UDP and UNIX sockets of every shape.  Both backends, both sources
("netlink": sock_diag; "proc": /proc/net/*); ground truth is the child's own
report (getsockname, getpeername, os.fstat inodes, TCP_INFO) and ``ss``.

Fields that only netlink gives (and /proc/net leaves None), checked in
test_sources_agree_on_every_shared_field:

- UNIX sockets: uid, peer, rx_queue, tx_queue, and so raddr (the peer's name);
- TCP LISTEN: tx_queue (netlink reports the backlog limit there);
- tcp_info (netlink only, on request).
"""

from __future__ import annotations

import shutil
import socket
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from connections_live_support import (  # noqa: E402
    EVIL_BASENAME,
    LISTEN_BACKLOG,
    QUEUED,
    SPACE_BASENAME,
    TRANSFER,
    SocketChild,
    actual,
    as_ss,
    diff,
    expected,
    listens,
    ss_tcp,
)

import sysmon  # noqa: E402

SOURCES = ("netlink", "proc")
ESTABLISHED_CONNS = 2400


@pytest.fixture(scope="module")
def child() -> Iterator[SocketChild]:
    with SocketChild(ESTABLISHED_CONNS) as c:
        yield c


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def somaxconn() -> int:
    with open("/proc/sys/net/core/somaxconn") as f:
        return int(f.read())


def by_inode(conns: list[sysmon.Connection], child: SocketChild
             ) -> dict[int, sysmon.Connection]:
    out: dict[int, sysmon.Connection] = {}
    for c in conns:
        if c.inode in child.inodes:
            assert c.inode not in out, f"inode {c.inode} listed twice: {c}"
            out[c.inode] = c
    return out


# --------------------------------------------------------------------------
# the child's set, exactly


def test_child_holds_what_it_says(child: SocketChild) -> None:
    """Preconditions of everything below (the child's report, not sysmon)."""
    est = [s for s in child.sockets if s["role"].startswith("client-")]
    assert len(est) == ESTABLISHED_CONNS
    roles = Counter(s["role"] for s in est)
    assert set(roles) == {"client-v4", "client-v6", "client-mapped", "client-v4-to-dual"}
    mapped = child.by_role("listen-dual")
    assert mapped["laddr"] == ["::", mapped["laddr"][1]]
    assert len(child.inodes) == len(child.sockets)  # no inode twice


def test_exact_set_by_pid(child: SocketChild, backend: str, source: str) -> None:
    got = actual(sysmon.connections("all", pid=child.pid, source=source))
    want = expected(child, source)
    assert got == want, diff(got, want)


def test_sockets_no_source_lists(child: SocketChild, backend: str, source: str) -> None:
    """A TCP socket only bound, unbound TCP and UDP sockets: the child holds
    them (fds in /proc/<pid>/fd) but neither /proc/net nor ss shows them, so
    netlink must not either."""
    assert [u["role"] for u in child.unlisted] == ["tcp-bound-only", "tcp-unbound",
                                                   "udp-unbound"]
    hidden = {u["inode"] for u in child.unlisted}
    assert not hidden & child.inodes
    for conns in (sysmon.connections("all", pid=child.pid, source=source),
                  sysmon.connections("all", pids=False, source=source),
                  sysmon.connections("tcp", status="CLOSE", source=source)):
        assert not [c for c in conns if c.inode in hidden]


def test_exact_set_in_whole_table(child: SocketChild, backend: str, source: str) -> None:
    got = actual(sysmon.connections("all", source=source), child.inodes)
    want = expected(child, source)
    assert got == want, diff(got, want)


@pytest.mark.parametrize("kind", list(sysmon.sockets.KINDS))
def test_every_kind(child: SocketChild, backend: str, source: str, kind: str) -> None:
    conns = sysmon.connections(kind, pid=child.pid, source=source)
    got, want = actual(conns), expected(child, source, kind=kind)
    assert got == want, diff(got, want)
    assert sum(want.values()) > 0


def test_default_kind_is_inet(child: SocketChild, backend: str) -> None:
    got = actual(sysmon.connections(pid=child.pid))
    assert got == expected(child, "netlink", kind="inet")


def test_unix_remote_end_is_the_peers_name(child: SocketChild, backend: str) -> None:
    conns = by_inode(sysmon.connections("unix", pid=child.pid, source="netlink"), child)
    path = child.path("listen.sock")
    abstract = "\0" + child.abstract

    def get(role: str) -> sysmon.Connection:
        return conns[child.by_role(role)["inode"]]

    assert (get("unix-client").laddr, get("unix-client").raddr) == ("", path)
    assert (get("unix-server").laddr, get("unix-server").raddr) == (path, "")
    assert (get("abstract-client").laddr, get("abstract-client").raddr) == ("", abstract)
    assert (get("abstract-server").laddr, get("abstract-server").raddr) == (abstract, "")
    assert (get("pair-a").raddr, get("pair-b").raddr) == ("", "")
    assert get("pair-a").peer == child.by_role("pair-b")["inode"]
    assert get("pair-b").peer == child.by_role("pair-a")["inode"]
    assert get("unix-client").peer == child.by_role("unix-server")["inode"]
    assert get("unix-server").peer == child.by_role("unix-client")["inode"]
    assert (get("dgram-connected").laddr, get("dgram-connected").raddr) == (
        "", child.path("target.sock"))
    assert get("dgram-connected").peer == child.by_role("dgram-target")["inode"]
    for role in ("unix-listen", "abstract-listen", "dgram-unbound", "dgram-space",
                 "dgram-target"):
        assert (get(role).raddr, get(role).peer) == (None, None), role
    assert get("dgram-evil").laddr == child.path(EVIL_BASENAME)
    assert get("dgram-space").laddr == child.path(SPACE_BASENAME)


def test_mapped_addresses_as_text(child: SocketChild, backend: str, source: str) -> None:
    conns = by_inode(sysmon.connections("tcp6", pid=child.pid, source=source), child)
    dual_port = child.by_role("listen-dual")["laddr"][1]
    mapped = [conns[s["inode"]] for s in child.sockets if s["role"] == "server-mapped"]
    assert mapped
    for c in mapped:
        assert c.family == socket.AF_INET6 and c.type == socket.SOCK_STREAM
        assert c.laddr == sysmon.Addr("::ffff:127.0.0.1", dual_port)
        assert c.raddr is not None and c.raddr.ip == "::ffff:127.0.0.1"
    # AF_INET clients of the dual-stack listener: the accepted end is AF_INET6
    for s in child.sockets:
        if s["role"] == "server-v4-to-dual":
            c = conns[s["inode"]]
            assert c.laddr == ("::ffff:127.0.0.1", dual_port)


# --------------------------------------------------------------------------
# listening(), filters


def test_listening(child: SocketChild, backend: str, source: str) -> None:
    got = actual(sysmon.listening("all", pid=child.pid, source=source))
    want = expected(child, source, where=lambda s: listens(s, source))
    assert got == want, diff(got, want)
    roles = {child.by_role(r)["inode"] for r in (
        "listen4", "listen6", "listen-dual", "udp4-bound", "udp6-bound", "unix-listen",
        "abstract-listen", "dgram-space", "dgram-evil")}
    if listens(child.by_role("dgram-target"), source):  # ESTABLISHED since Linux 5.18
        roles.add(child.by_role("dgram-target")["inode"])
    assert {t[5] for t in got} == roles
    # default kind inet, whole table: the child's inet listeners, nothing established
    inet = actual(sysmon.listening(source=source), child.inodes)
    assert inet == expected(child, source, kind="inet", where=lambda s: listens(s, source))


def test_port_filter(child: SocketChild, backend: str, source: str) -> None:
    p4 = child.by_role("listen4")["laddr"][1]
    p6 = child.by_role("listen6")["laddr"][1]

    def has_port(ports: set[int]) -> Callable[[dict], bool]:
        def f(s: dict) -> bool:
            ends = [e for e in (s["laddr"], s["raddr"]) if isinstance(e, list)]
            return any(e[1] in ports for e in ends)
        return f

    got = actual(sysmon.connections("all", pid=child.pid, port=p4, source=source))
    want = expected(child, source, where=has_port({p4}))
    assert got == want, diff(got, want)
    # the listener, and both ends of every connection to it
    n4 = sum(1 for s in child.sockets if s["role"] == "client-v4")
    assert sum(want.values()) == 1 + 2 * n4
    got = actual(sysmon.connections("inet", pid=child.pid, port=[p4, p6], source=source))
    assert got == expected(child, source, kind="inet", where=has_port({p4, p6}))
    # a client's own (ephemeral) port finds its connection: both ends
    client = child.by_role("udp4-connected")
    got = actual(sysmon.connections("udp", port=client["laddr"][1], source=source),
                 child.inodes)
    assert {t[5] for t in got} == {client["inode"]}
    got = actual(sysmon.listening("all", pid=child.pid, port=p6, source=source))
    assert {t[5] for t in got} == {child.by_role("listen6")["inode"]}


@pytest.mark.parametrize("status", [
    "LISTEN", "ESTABLISHED", "UNCONN", ("LISTEN", "UNCONN"), ["TIME_WAIT"],
])
def test_status_filter(child: SocketChild, backend: str, source: str, status) -> None:
    wanted = {status} if isinstance(status, str) else set(status)
    got = actual(sysmon.connections("all", pid=child.pid, status=status, source=source))
    want = expected(child, source, where=lambda s: s["status"] in wanted)
    assert got == want, diff(got, want)
    if wanted != {"TIME_WAIT"}:
        assert sum(want.values()) > 0


def test_without_pids(child: SocketChild, backend: str, source: str) -> None:
    conns = sysmon.connections("all", pids=False, source=source)
    got = actual(conns, child.inodes)
    want = expected(child, source, pids=False)
    assert got == want, diff(got, want)
    assert all(c.pid is None and c.fd is None and c.name is None for c in conns)


# --------------------------------------------------------------------------
# other fields: queues, uid, peer


def test_queues_and_uid(child: SocketChild, backend: str, source: str) -> None:
    conns = by_inode(sysmon.connections("all", pid=child.pid, source=source), child)
    q = child.queued
    server, client = conns[child.sockets[q["server"]]["inode"]], conns[
        child.sockets[q["client"]]["inode"]]
    assert (server.rx_queue, server.tx_queue) == (QUEUED, 0)
    assert (client.rx_queue, client.tx_queue) == (0, 0)
    backlog = min(LISTEN_BACKLOG, somaxconn())
    for s in child.sockets:
        c = conns[s["inode"]]
        unix = s["family"] == socket.AF_UNIX
        if unix and source == "proc":
            assert (c.uid, c.rx_queue, c.tx_queue, c.peer) == (None, None, None, None), s
            continue
        assert c.uid == child.uid, s
        if s["status"] == "LISTEN":
            # netlink: the accept queue (empty: all accepted) and its limit
            assert c.rx_queue == 0, s
            assert c.tx_queue == (backlog if source == "netlink" else None), s
        elif s["kind"].startswith("tcp") and s["inode"] != server.inode:
            assert (c.rx_queue, c.tx_queue) == (0, 0), s


def test_sources_agree_on_every_shared_field(child: SocketChild, backend: str) -> None:
    nl = by_inode(sysmon.connections("all", pid=child.pid, source="netlink"), child)
    pr = by_inode(sysmon.connections("all", pid=child.pid, source="proc"), child)
    assert set(nl) == set(pr) == child.inodes
    only_netlink = {"uid", "peer", "rx_queue", "tx_queue", "raddr"}
    for inode in child.inodes:
        a, b = nl[inode], pr[inode]
        if a.family == socket.AF_UNIX:
            differ = only_netlink
        elif a.status == "LISTEN":
            differ = {"tx_queue"}
        else:
            differ = set()
        for f in sysmon.Connection._fields:
            if f in differ:
                assert getattr(b, f) is None, (f, b)
            else:
                assert getattr(a, f) == getattr(b, f), (f, a, b)


# --------------------------------------------------------------------------
# C and Python


@pytest.mark.parametrize("source", SOURCES)
def test_backends_identical(child: SocketChild, source: str) -> None:
    prev = sysmon.backend()
    try:
        try:
            sysmon.set_backend("c")
        except sysmon.SysmonError as e:
            pytest.skip(f"C backend unavailable: {e}")
        c_all = sysmon.connections("all", source=source)
        c_pid = sysmon.connections("all", pid=child.pid, source=source)
        sysmon.set_backend("python")
        py_all = sysmon.connections("all", source=source)
        py_pid = sysmon.connections("all", pid=child.pid, source=source)
    finally:
        sysmon.set_backend(prev)
    assert sorted(c_pid) == sorted(py_pid)
    assert len(c_pid) == len(child.sockets)
    mine = child.inodes
    assert sorted(c for c in c_all if c.inode in mine) == sorted(
        c for c in py_all if c.inode in mine)
    assert sorted(c_pid) == sorted(c for c in c_all if c.inode in mine)


def test_backends_identical_tcp_info(child: SocketChild) -> None:
    prev = sysmon.backend()
    got = {}
    try:
        for be in ("c", "python"):
            try:
                sysmon.set_backend(be)
            except sysmon.SysmonError as e:
                pytest.skip(f"C backend unavailable: {e}")
            got[be] = {c.inode: c for c in sysmon.connections(
                "tcp", pid=child.pid, tcp_info=True, source="netlink")}
    finally:
        sysmon.set_backend(prev)
    assert set(got["c"]) == set(got["python"])
    for inode, a in got["c"].items():
        b = got["python"][inode]
        assert a._replace(tcp_info=None) == b._replace(tcp_info=None)
        assert a.tcp_info is not None and b.tcp_info is not None
        # idle connections: the byte counts do not move between two dumps
        assert (a.tcp_info.bytes_acked, a.tcp_info.bytes_received) == (
            b.tcp_info.bytes_acked, b.tcp_info.bytes_received)


# --------------------------------------------------------------------------
# tcp_info


def test_tcp_info(child: SocketChild, backend: str) -> None:
    conns = by_inode(sysmon.connections("all", pid=child.pid, tcp_info=True,
                                        source="netlink"), child)
    for s in child.sockets:
        c = conns[s["inode"]]
        if s["kind"].startswith("tcp"):
            assert isinstance(c.tcp_info, sysmon.TcpInfo), s
            if s["status"] == "ESTABLISHED":
                assert c.tcp_info.rtt > 0, (s, c.tcp_info)
        else:
            assert c.tcp_info is None, s
    t = child.transfer
    sender = conns[child.sockets[t["client"]]["inode"]].tcp_info
    receiver = conns[child.sockets[t["server"]]["inode"]].tcp_info
    assert sender is not None and receiver is not None
    info_c, info_s = t["client_info"], t["server_info"]
    assert sender.retransmits == info_c["total_retrans"]
    assert receiver.retransmits == info_s["total_retrans"]
    if info_c["bytes_acked"] is None:
        assert sender.bytes_acked is None and receiver.bytes_received is None
        return
    assert sender.bytes_acked >= TRANSFER
    assert receiver.bytes_received >= TRANSFER
    # the kernel's own counts, read by the child once everything was acked
    assert (sender.bytes_acked, sender.bytes_received) == (
        info_c["bytes_acked"], info_c["bytes_received"])
    assert (receiver.bytes_acked, receiver.bytes_received) == (
        info_s["bytes_acked"], info_s["bytes_received"])
    assert sender.rtt == pytest.approx(info_c["rtt_us"] / 1e6, abs=1e-3)
    # a connection nothing was sent over
    idle = conns[child.sockets[child.pairs[-1][1]]["inode"]].tcp_info
    assert idle is not None and idle.bytes_received == 0


def test_tcp_info_not_asked_or_from_proc(child: SocketChild, backend: str, source: str
                                         ) -> None:
    for c in sysmon.connections("tcp", pid=child.pid, source=source):
        assert c.tcp_info is None
    for c in sysmon.connections("tcp", pid=child.pid, source="proc", tcp_info=True):
        assert c.tcp_info is None  # /proc/net has no tcp_info


# --------------------------------------------------------------------------
# against ss


@pytest.mark.skipif(shutil.which("ss") is None, reason="iproute2 ss not installed")
def test_matches_ss(child: SocketChild, backend: str, source: str) -> None:
    truth = ss_tcp(child.pid)
    ours = Counter(as_ss(c) for c in sysmon.connections("tcp", pid=child.pid, source=source))
    assert sum(truth.values()) == sum(
        1 for s in child.sockets if s["kind"].startswith("tcp"))
    assert ours == truth, diff(ours, truth)
