"""sysmon.connections() on the live system, continued: Process.connections(),
sockets shared by a forked grandchild, an unprivileged caller, and the
errors of the API.  Each test has its own small socket child
(connections_live_support.py); both backends, both sources."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from connections_live_support import (  # noqa: E402
    SocketChild,
    actual,
    child_env,
    diff,
    expected,
    listens,
)

import sysmon  # noqa: E402

SOURCES = ("netlink", "proc")
NOBODY = 65534
AF_UNIX = int(socket.AF_UNIX)


@pytest.fixture
def child() -> Iterator[SocketChild]:
    with SocketChild(12) as c:
        yield c


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --------------------------------------------------------------------------
# Process.connections()


def test_process_connections(child: SocketChild, backend: str, source: str) -> None:
    with sysmon.Process(child.pid) as p:
        got = actual(p.connections("all", source=source))
        assert got == expected(child, source), diff(got, expected(child, source))
        for kind in ("inet", "tcp6", "udp4", "unix"):
            assert actual(p.connections(kind, source=source)) == expected(
                child, source, kind=kind), kind
        assert actual(p.connections(source=source)) == expected(child, source, kind="inet")
        child.exit()  # killed and reaped: the pid directory is gone
        with pytest.raises(sysmon.NoSuchProcess) as e:
            p.connections("all", source=source)
        assert e.value.pid == child.pid


def test_process_connections_tcp_info(child: SocketChild, backend: str) -> None:
    with sysmon.Process(child.pid) as p:
        conns = p.connections("all", tcp_info=True)
    t = child.transfer
    infos = {c.inode: c.tcp_info for c in conns}
    assert set(infos) == child.inodes
    sender = infos[child.sockets[t["client"]]["inode"]]
    receiver = infos[child.sockets[t["server"]]["inode"]]
    assert sender is not None and receiver is not None
    if t["client_info"]["bytes_acked"] is not None:
        assert sender.bytes_acked == t["client_info"]["bytes_acked"] >= t["nbytes"]
        assert receiver.bytes_received == t["server_info"]["bytes_received"] >= t["nbytes"]
    for s in child.sockets:
        assert (infos[s["inode"]] is None) == (not s["kind"].startswith("tcp")), s


def test_process_connections_bad_arguments(child: SocketChild, backend: str) -> None:
    with sysmon.Process(child.pid) as p:
        with pytest.raises(ValueError, match="kind"):
            p.connections("sctp")
        with pytest.raises(ValueError, match="source"):
            p.connections("all", source="sysfs")


# --------------------------------------------------------------------------
# one socket, several holders


def test_inherited_socket_listed_once_per_holder(child: SocketChild, backend: str,
                                                 source: str) -> None:
    grandchild = child.fork()
    whole = actual(sysmon.connections("all", source=source), child.inodes)
    want = expected(child, source) + expected(child, source, pid=grandchild)
    assert whole == want, diff(whole, want)
    assert sum(whole.values()) == 2 * len(child.sockets)
    # each holder alone
    got = actual(sysmon.connections("all", pid=grandchild, source=source))
    assert got == expected(child, source, pid=grandchild)
    got = actual(sysmon.connections("all", pid=child.pid, source=source))
    assert got == expected(child, source)
    # without holders: once per socket
    got = actual(sysmon.connections("all", pids=False, source=source), child.inodes)
    assert got == expected(child, source, pids=False)
    # the grandchild gone: once again
    child.unfork()
    got = actual(sysmon.connections("all", source=source), child.inodes)
    assert got == expected(child, source)


# --------------------------------------------------------------------------
# an unprivileged caller

# Imports sysmon as root (the installed package need not be readable by
# nobody), drops to uid/gid 65534, marks itself dumpable as a process started
# as nobody would be, opens sockets of its own, and reports what it sees of
# the root-owned child's sockets and of its own.
AS_NOBODY = r"""
import ctypes, json, os, socket, sys
import sysmon
backend, source, child_pid, child_inodes = sys.argv[1], sys.argv[2], int(sys.argv[3]), set(
    json.loads(sys.argv[4]))
sysmon.set_backend(backend)
sysmon.connections("all", source=source)  # every lazy import done as root
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE
t = socket.socket(socket.AF_INET6)
t.bind(("::1", 0))
t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
x.bind("\0sysmon-nobody-%d" % os.getpid())
x.listen()
own = {os.fstat(s.fileno()).st_ino: [s.fileno(), int(s.family)] for s in (t, u, x)}
with open("/proc/self/comm") as f:
    comm = f.read().rstrip("\n")
res = {"pid": os.getpid(), "comm": comm, "own": own}
try:
    conns = sysmon.connections("all", source=source)
    res["seen"] = [[c.inode, c.fd, c.pid, c.name, c.uid, c.status] for c in conns
                   if c.inode in child_inodes or c.inode in own]
    try:  # a pid filter is a single-process call: denied, and it says so
        sysmon.connections("all", pid=child_pid, source=source)
        res["by_child_pid"] = "no error"
    except sysmon.AccessDenied as e:
        res["by_child_pid"] = ["AccessDenied", e.pid]
    res["mine"] = sorted([c.inode, c.fd, c.pid] for c in sysmon.connections(
        "all", pid=os.getpid(), source=source))
    res["listening"] = sorted([c.inode, c.pid] for c in sysmon.listening(
        "all", source=source) if c.inode in own or c.inode in child_inodes)
except Exception as e:
    res["error"] = repr(e)
try:  # one process's sockets, asked for: that is an error, and says so
    with sysmon.Process(child_pid) as p:
        p.connections("all", source=source)
except sysmon.AccessDenied as e:
    res["process"] = ["AccessDenied", e.pid]
except Exception as e:
    res["process"] = [repr(e), None]
else:
    res["process"] = ["no error", None]
print(json.dumps(res))
"""


def test_unprivileged_caller(child: SocketChild, backend: str, source: str) -> None:
    p = subprocess.run([sys.executable, "-c", AS_NOBODY, backend, source, str(child.pid),
                        json.dumps(sorted(child.inodes))],
                       capture_output=True, text=True, timeout=60, env=child_env(), cwd="/")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert "error" not in res, res["error"]
    own = {int(k): fd for k, (fd, _family) in res["own"].items()}
    own_unix = {int(k) for k, (_fd, family) in res["own"].items() if family == AF_UNIX}
    seen: dict[int, list] = {}
    for inode, fd, pid, name, uid, status in res["seen"]:
        assert inode not in seen, inode
        seen[inode] = [fd, pid, name, uid, status]
    assert set(seen) == set(child.inodes) | set(own)
    for s in child.sockets:  # root's: listed, holder unknown
        fd, pid, name, uid, status = seen[s["inode"]]
        assert (fd, pid, name, status) == (None, None, None, s["status"]), s
        assert uid == (None if s["family"] == AF_UNIX and source == "proc" else 0), s
    for inode, fd in own.items():  # its own: with its pid
        assert seen[inode][:3] == [fd, res["pid"], res["comm"]]
        assert seen[inode][3] == (None if inode in own_unix and source == "proc" else NOBODY)
    assert res["by_child_pid"] == ["AccessDenied", child.pid]  # a single-process call raises
    assert res["process"] == ["AccessDenied", child.pid]
    assert res["mine"] == sorted([i, fd, res["pid"]] for i, fd in own.items())
    listeners = {s["inode"] for s in child.sockets if listens(s, source)}
    assert sorted(res["listening"]) == sorted(
        [[i, None] for i in listeners] + [[i, res["pid"]] for i in own])


# --------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("call", [
    lambda: sysmon.connections("sctp"),
    lambda: sysmon.connections("TCP"),
    lambda: sysmon.listening("raw"),
    lambda: sysmon.connections("tcp", status="ESTAB"),
    lambda: sysmon.connections("tcp", status=["LISTEN", "listen"]),
    lambda: sysmon.connections("tcp", source="sysfs"),
    lambda: sysmon.listening(source="kernel"),
    lambda: sysmon.connections("tcp", source="netlink", root="/tmp"),
    lambda: sysmon.listening("all", source="netlink", root="/tmp"),
], ids=["kind", "kind-case", "listening-kind", "status", "status-case", "source",
        "listening-source", "netlink-root", "listening-netlink-root"])
def test_bad_arguments_are_value_errors(backend: str, call) -> None:
    with pytest.raises(ValueError):
        call()


def test_missing_root(backend: str, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-root")
    for call in (lambda: sysmon.connections("all", root=missing),
                 lambda: sysmon.connections("tcp", source="proc", root=missing),
                 lambda: sysmon.listening(root=missing)):
        with pytest.raises(sysmon.SysmonError) as e:
            call()
        assert not isinstance(e.value, ValueError)
        assert missing in str(e.value)



# --------------------------------------------------------------------------
# A kernel or sandbox that refuses sock_diag: "auto" reads /proc/net instead,
# "netlink" says so.  The refusal is simulated at the backend's dump call;
# everything after it (the /proc/net files, the owners) is real.


@pytest.mark.parametrize("err", [1, 13, 93, 97])  # EPERM EACCES EPROTONOSUPPORT EAFNOSUPPORT
def test_auto_falls_back_to_proc_when_netlink_is_refused(
        child: SocketChild, backend: str, err: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from sysmon import _backend

    def refused(*_args: object) -> list[object]:
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(_backend.current(), "diag_dump", refused)
    got = actual(sysmon.connections("all", pid=child.pid))
    assert got == expected(child, "proc"), diff(got, expected(child, "proc"))
    with pytest.raises(sysmon.SysmonError, match="NETLINK_SOCK_DIAG dump failed"):
        sysmon.connections("tcp", source="netlink")


def test_other_netlink_errors_are_reported(backend: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from sysmon import _backend

    def broken(*_args: object) -> list[object]:
        raise OSError(5, "Input/output error")  # EIO: not a refusal, a failure

    monkeypatch.setattr(_backend.current(), "diag_dump", broken)
    with pytest.raises(sysmon.SysmonError, match="Input/output error"):
        sysmon.connections("tcp")
