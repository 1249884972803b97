"""sysmon.connections() and sysmon.listening() on the hand-made root
tests/fixtures/netroot (see its README.md), both backends.  The expected
records below are written out literally from the rows and links the tree
holds, never from sysmon's output."""

from __future__ import annotations

import shutil
import socket
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

import sysmon
from sysmon import Addr, Connection

TREE = Path(__file__).resolve().parent / "fixtures" / "netroot"
NET = TREE / "proc" / "1" / "net"

pytestmark = pytest.mark.skipif(sys.byteorder != "little",
                                reason="the tree's addresses are little-endian words")

INET, INET6, UNIX = socket.AF_INET, socket.AF_INET6, socket.AF_UNIX
STREAM, DGRAM, SEQPACKET = socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET
NGINX, SSHD, RESOLVED = (100, "nginx"), (200, "sshd: alice"), (300, "systemd-resolve")


def rec(family, type_, laddr, raddr, status, uid, inode, rxq, txq,
        holder: tuple[int, str | None] | None = None, fd: int | None = None) -> Connection:
    pid, name = holder if holder is not None else (None, None)
    return Connection(fd, family, type_, laddr, raddr, status, uid, inode, rxq, txq, pid, name)


LO = "127.0.0.1"
TCP4 = [
    rec(INET, STREAM, Addr(LO, 8080), None, "LISTEN", 0, 1001, 3, None, NGINX, 3),
    rec(INET, STREAM, Addr("10.0.0.5", 22), Addr("192.168.1.20", 51234), "ESTABLISHED",
        1000, 1002, 32, 16, NGINX, 4),
    rec(INET, STREAM, Addr("10.0.0.5", 22), Addr("192.168.1.20", 51234), "ESTABLISHED",
        1000, 1002, 32, 16, SSHD, 7),
    rec(INET, STREAM, Addr(LO, 40000), Addr(LO, 8080), "TIME_WAIT", 0, 0, 0, 0),
    rec(INET, STREAM, Addr("0.0.0.0", 443), None, "LISTEN", 33, 1003, 0, None, RESOLVED, 4),
    rec(INET, STREAM, Addr(LO, 8080), Addr(LO, 40001), "CLOSE_WAIT", 0, 1004, 1, 0),
    rec(INET, STREAM, Addr("10.0.0.5", 45000), Addr("10.0.0.9", 5432), "SYN_SENT", 1000,
        1005, 0, 1, NGINX, 14),
    rec(INET, STREAM, Addr(LO, 8080), Addr(LO, 40002), "SYN_RECV", 0, 0, 0, 0),
    rec(INET, STREAM, Addr("10.0.0.5", 45001), Addr("10.0.0.9", 5432), "FIN_WAIT1", 1000,
        1006, 0, 0),
    rec(INET, STREAM, Addr("10.0.0.5", 45002), Addr("10.0.0.9", 5432), "FIN_WAIT2", 0, 0,
        0, 0),
    rec(INET, STREAM, Addr("10.0.0.5", 45003), Addr("10.0.0.9", 5432), "LAST_ACK", 1000,
        1007, 0, 0),
    rec(INET, STREAM, Addr("10.0.0.5", 45004), Addr("10.0.0.9", 5432), "CLOSING", 1000,
        1008, 0, 0),
]
TCP6 = [
    rec(INET6, STREAM, Addr("::1", 631), None, "LISTEN", 0, 2001, 0, None, NGINX, 5),
    rec(INET6, STREAM, Addr("::ffff:127.0.0.1", 8080), Addr("::ffff:127.0.0.1", 50000),
        "ESTABLISHED", 1000, 2002, 0, 0, SSHD, 8),
    rec(INET6, STREAM, Addr("::", 22), None, "LISTEN", 0, 2003, 0, None, RESOLVED, 2),
    rec(INET6, STREAM, Addr("2001:db8::5", 443), Addr("2001:db8::1:2", 60000),
        "ESTABLISHED", 33, 2004, 0, 5),
]
UDP4 = [
    rec(INET, DGRAM, Addr("0.0.0.0", 53), None, "UNCONN", 101, 3001, 0, 0, RESOLVED, 9),
    rec(INET, DGRAM, Addr(LO, 5353), Addr(LO, 53), "ESTABLISHED", 0, 3002, 0, 0, NGINX, 6),
]
UDP6 = [
    rec(INET6, DGRAM, Addr("::", 5353), None, "UNCONN", 0, 4001, 0, 0, (400, None), 3),
]
UNIX_ = [  # /proc/net/unix has no uid, queues or peer
    rec(UNIX, STREAM, "/run/app.sock", None, "LISTEN", None, 5001, None, None, NGINX, 10),
    rec(UNIX, DGRAM, "\0name", None, "UNCONN", None, 5002, None, None),
    rec(UNIX, STREAM, "/tmp/my socket path", None, "ESTABLISHED", None, 5003, None, None,
        SSHD, 11),
    rec(UNIX, STREAM, "", None, "ESTABLISHED", None, 5004, None, None, SSHD, 12),
    rec(UNIX, STREAM, "", None, "ESTABLISHED", None, 5004, None, None, RESOLVED, 13),
    rec(UNIX, SEQPACKET, "\0/tmp/.X11-unix/X0", None, "LISTEN", None, 5005, None, None),
]
BY_KIND = {
    "tcp4": TCP4, "tcp6": TCP6, "tcp": TCP4 + TCP6, "udp4": UDP4, "udp6": UDP6,
    "udp": UDP4 + UDP6, "inet4": TCP4 + UDP4, "inet6": TCP6 + UDP6,
    "inet": TCP4 + TCP6 + UDP4 + UDP6, "unix": UNIX_,
    "all": TCP4 + TCP6 + UDP4 + UDP6 + UNIX_,
}
ALL = BY_KIND["all"]


def norm(conns: Iterable[Connection]) -> list[tuple]:
    """Records as plain, sortable tuples (enums as ints): order is not compared."""
    out = []
    for c in conns:
        t = tuple(int(v) if isinstance(v, int) else v for v in c)
        out.append(t)
    return sorted(out, key=repr)


def same(got: list[Connection], want: list[Connection]) -> None:
    assert norm(got) == norm(want)
    for c in got:  # and the types a caller sees
        assert isinstance(c.family, socket.AddressFamily)
        assert isinstance(c.type, socket.SocketKind)
        assert c.tcp_info is None and c.peer is None


def unowned(conns: list[Connection]) -> list[Connection]:
    """Once per socket, no holder."""
    seen, out = set(), []
    for c in conns:
        key = (c.inode, c.laddr, c.raddr, c.status)
        if key not in seen:
            seen.add(key)
            out.append(c._replace(fd=None, pid=None, name=None))
    return out


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "root"
    shutil.copytree(TREE, dst, symlinks=True)
    return dst


# --------------------------------------------------------------------------
# the tree as it is


@pytest.mark.parametrize("kind", list(BY_KIND))
def test_every_kind(backend: str, kind: str) -> None:
    same(sysmon.connections(kind, root=str(TREE)), BY_KIND[kind])


@pytest.mark.parametrize("source", ["auto", "proc"])
def test_all_records(backend: str, source: str) -> None:
    got = sysmon.connections("all", root=TREE, source=source)  # a PathLike root too
    same(got, ALL)
    assert 9999 not in {c.inode for c in got}  # the decoy proc/net/tcp is not read


def test_default_kind_is_inet(backend: str) -> None:
    same(sysmon.connections(root=str(TREE)), BY_KIND["inet"])


def test_sysmon_root_variable(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYSMON_ROOT", str(TREE))
    same(sysmon.connections("all"), ALL)
    with pytest.raises(ValueError):
        sysmon.connections("all", source="netlink")  # the root is not "/"


def test_state_names(backend: str) -> None:
    got = {(c.inode, c.laddr): c.status for c in sysmon.connections("all", root=str(TREE))}
    assert sorted(set(got.values())) == sorted({
        "LISTEN", "ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "SYN_SENT", "SYN_RECV",
        "FIN_WAIT1", "FIN_WAIT2", "LAST_ACK", "CLOSING", "UNCONN"})
    assert got[(0, Addr(LO, 40000))] == "TIME_WAIT"
    assert got[(5001, "/run/app.sock")] == "LISTEN"  # from Flags 00010000, St 01
    assert got[(5002, "\0name")] == "UNCONN"


def test_without_pids(backend: str) -> None:
    got = sysmon.connections("all", pids=False, root=str(TREE))
    same(got, unowned(ALL))
    assert len(got) == 23  # rows in the five files


def test_one_record_per_holder(backend: str) -> None:
    got = [c for c in sysmon.connections("all", root=str(TREE)) if c.inode in (1002, 5004)]
    assert sorted((c.inode, c.pid, c.fd, c.name) for c in got) == [
        (1002, 100, 4, "nginx"), (1002, 200, 7, "sshd: alice"),
        (5004, 200, 12, "sshd: alice"), (5004, 300, 13, "systemd-resolve")]


def test_pid_filter(backend: str) -> None:
    same(sysmon.connections("all", pid=200, root=str(TREE)),
         [c for c in ALL if c.pid == 200])
    same(sysmon.connections("tcp", pid=400, root=str(TREE)), [])
    same(sysmon.connections("udp6", pid=400, root=str(TREE)), UDP6)
    same(sysmon.connections("all", pid=1, root=str(TREE)), [])  # no fd directory
    with pytest.raises(sysmon.NoSuchProcess):  # a single-process call raises
        sysmon.connections("all", pid=12345, root=str(TREE))


def test_holders_are_whole_processes(backend: str) -> None:
    """The tree's holders read as user processes: memory from their status
    (100 kB resident, 80 kB of it file-backed), as their statm says in pages."""
    procs = sysmon.processes(root=TREE)
    assert [p.pid for p in procs] == [1, 100, 200, 300, 400]
    assert {(p.rss, p.shared) for p in procs} == {(100 * 1024, 80 * 1024)}


def test_status_and_port_filters(backend: str) -> None:
    same(sysmon.connections("all", status="TIME_WAIT", root=str(TREE)),
         [c for c in ALL if c.status == "TIME_WAIT"])
    same(sysmon.connections("all", status=["LISTEN", "UNCONN"], root=str(TREE)),
         [c for c in ALL if c.status in ("LISTEN", "UNCONN")])
    # local or remote port
    same(sysmon.connections("inet", port=8080, root=str(TREE)),
         [c for c in ALL if c.inode in (1001, 1004, 2002) or (
             c.inode == 0 and c.status in ("TIME_WAIT", "SYN_RECV"))])
    same(sysmon.connections("inet", port=[53, 631], root=str(TREE)),
         [c for c in ALL if c.inode in (2001, 3001, 3002)])
    same(sysmon.connections("all", port=5432, status="FIN_WAIT2", root=str(TREE)),
         [c for c in ALL if c.status == "FIN_WAIT2"])


def test_listening(backend: str) -> None:
    same(sysmon.listening("all", root=str(TREE)),
         [c for c in ALL if c.inode in (1001, 1003, 2001, 2003, 3001, 4001, 5001, 5002,
                                        5005)])
    same(sysmon.listening(root=str(TREE)),
         [c for c in ALL if c.inode in (1001, 1003, 2001, 2003, 3001, 4001)])
    same(sysmon.listening("tcp6", pid=300, root=str(TREE)),
         [c for c in TCP6 if c.inode == 2003])
    same(sysmon.listening("inet", port=53, root=str(TREE)),
         [c for c in UDP4 if c.inode == 3001])


# --------------------------------------------------------------------------
# variants, in a copy


def test_no_ipv6(backend: str, tree_copy: Path) -> None:
    for name in ("tcp6", "udp6"):
        (tree_copy / "proc" / "1" / "net" / name).unlink()
    root = str(tree_copy)
    same(sysmon.connections("tcp6", root=root), [])
    same(sysmon.connections("inet6", root=root), [])
    same(sysmon.connections("inet", root=root), TCP4 + UDP4)
    same(sysmon.connections("all", root=root), TCP4 + UDP4 + UNIX_)


def test_proc_net_without_pid_1(backend: str, tree_copy: Path) -> None:
    """Without <root>/proc/1/net the root's proc/net is read."""
    proc = tree_copy / "proc"
    shutil.rmtree(proc / "net")
    (proc / "1" / "net").rename(proc / "net")
    same(sysmon.connections("all", root=str(tree_copy)), ALL)


def test_only_the_decoy(backend: str, tree_copy: Path) -> None:
    """proc/1/net without tcp: proc/net/tcp (the decoy) is read for that table."""
    (tree_copy / "proc" / "1" / "net" / "tcp").unlink()
    got = sysmon.connections("tcp4", pids=False, root=str(tree_copy))
    same(got, [rec(INET, STREAM, Addr(LO, 9999), None, "LISTEN", 0, 9999, 0, None)])


@pytest.mark.parametrize(("name", "line"), [
    ("tcp", "   11: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000"),
    ("tcp", "garbage"),
    ("tcp6", "   4: 0000000000000000000000000000001:0016 " + "0" * 32
     + ":0000 0A 00000000:00000000 00:00000000 00000000 0 0 2009 1"),
    ("udp", "   54: 0100007G:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000"
     "     0        0 3003 2 0000000000000000 0"),
])
def test_malformed_file_names_its_path(backend: str, tree_copy: Path, name: str,
                                       line: str) -> None:
    path = tree_copy / "proc" / "1" / "net" / name
    with open(path, "a") as f:
        f.write(line + "\n")
    with pytest.raises(sysmon.ParseError) as e:
        sysmon.connections("all", root=str(tree_copy))
    assert e.value.path == str(path)
    assert str(path) in str(e.value)


def test_malformed_unix_before_any_row(backend: str, tree_copy: Path) -> None:
    path = tree_copy / "proc" / "1" / "net" / "unix"
    data = path.read_text().split("\n", 1)
    path.write_text(data[0] + "\nnot a row\n" + data[1])
    with pytest.raises(sysmon.ParseError) as e:
        sysmon.connections("unix", root=str(tree_copy))
    assert e.value.path == str(path)


def test_netlink_cannot_read_a_root(backend: str) -> None:
    with pytest.raises(ValueError, match="netlink"):
        sysmon.connections("all", root=str(TREE), source="netlink")
    with pytest.raises(ValueError, match="netlink"):
        sysmon.listening(root=str(TREE), source="netlink")


def test_missing_root(backend: str, tmp_path: Path) -> None:
    with pytest.raises(sysmon.SysmonError, match="cannot read"):
        sysmon.connections("all", root=str(tmp_path / "missing"))
