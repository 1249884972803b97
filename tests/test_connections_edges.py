"""Edges of sysmon.connections() found in review: a process in another network
namespace, unix sockets with no socket file (/proc/net/unix lists them,
unix_diag does not), argument validation, a pid filter on a missing pid, and
a root without a proc directory.  Both backends."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import helpers
import pytest
from fixture_support import readable_copy
from helpers import Children, as_nobody

import sysmon

NETROOT = Path(__file__).resolve().parent / "fixtures" / "netroot"

pytestmark = pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")

# A listener inside its own network namespace: prints its port and inode, then waits.
NETNS_CHILD = r"""
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], os.fstat(s.fileno()).st_ino, flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="module")
def netns_child() -> Iterator[tuple[int, int, int]]:
    """(pid, port, inode) of a TCP listener in a private network namespace."""
    p = subprocess.Popen(["unshare", "--net", sys.executable, "-c", NETNS_CHILD],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        line = p.stdout.readline().split()
        port, inode = int(line[0]), int(line[1])
        yield p.pid, port, inode  # unshare execs python: same pid
    finally:
        p.kill()
        p.wait()


def test_other_netns_process_connections(netns_child: tuple[int, int, int],
                                         backend: str) -> None:
    pid, port, inode = netns_child
    # our namespace's tables do not hold it
    assert inode not in {c.inode for c in sysmon.connections("tcp", pids=False)}
    for source in ("auto", "proc"):
        with sysmon.Process(pid) as p:
            got = p.connections("tcp", source=source)
        assert [(c.inode, c.status, c.laddr, c.pid) for c in got] == [
            (inode, "LISTEN", sysmon.Addr("127.0.0.1", port), pid)]
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().rstrip("\n")
        via_filter = sysmon.connections("tcp", pid=pid, source=source)
        assert [(c.inode, c.pid, c.fd is not None, c.name) for c in via_filter] == [
            (inode, pid, True, comm)]
    with sysmon.Process(pid) as p, pytest.raises(sysmon.SysmonError,
                                                 match="another network namespace"):
        p.connections("tcp", source="netlink")


def test_unix_sockets_without_a_file_are_left_out(backend: str) -> None:
    """A connection queued on a unix listener and not yet accepted: its
    server end has no socket file (inode 0); /proc/net/unix prints it,
    unix_diag does not, and sysmon shows neither."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "queue.sock")
        srv = socket.socket(socket.AF_UNIX)
        cli = socket.socket(socket.AF_UNIX)
        try:
            srv.bind(path)
            srv.listen(4)
            cli.connect(path)  # queued, never accepted
            with open("/proc/net/unix", "rb") as f:
                raw = f.read()
            queued = [ln for ln in raw.split(b"\n")[1:] if ln.split()[6:7] == [b"0"]
                      and path.encode() in ln]
            assert queued, "the kernel prints the embryonic socket with inode 0"
            mine = {os.fstat(s.fileno()).st_ino for s in (srv, cli)}
            for source in ("netlink", "proc"):
                got = sysmon.connections("unix", pids=False, source=source)
                assert all(c.inode != 0 for c in got), source
                assert mine <= {c.inode for c in got}, source
        finally:
            cli.close()
            srv.close()


@pytest.mark.parametrize("port", ["80", 70000, -1, True, [22, "x"], 2.5])
def test_bad_ports_are_value_errors(backend: str, port: object) -> None:
    with pytest.raises(ValueError, match="port"):
        sysmon.connections("tcp", port=port)  # type: ignore[arg-type]


@pytest.mark.parametrize("pid", [0, -5, True])
def test_bad_pids_are_value_errors(backend: str, pid: object) -> None:
    with pytest.raises(ValueError, match="pid"):
        sysmon.connections("tcp", pid=pid)  # type: ignore[arg-type]


def test_pid_filter_on_a_missing_pid_raises(backend: str) -> None:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{p.pid}") and time.monotonic() < deadline:
        time.sleep(0.01)  # reaped: the directory goes away at once
    with pytest.raises(sysmon.NoSuchProcess) as e:
        sysmon.connections("all", pid=p.pid)
    assert e.value.pid == p.pid


def test_pid_filter_makes_the_checks_of_a_process_handle(backend: str) -> None:
    """connections(pid=...) is a single-process call: a thread id, a zombie
    and a pid no process can have raise as sysmon.Process(pid) does, instead
    of listing a thread's sockets under its tid or answering []."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    tids: list[int] = []
    stop = threading.Event()
    t = threading.Thread(target=lambda: (tids.append(threading.get_native_id()), stop.wait()))
    t.start()
    kids = Children()
    try:
        helpers.wait_for(lambda: bool(tids), what="the thread to start")
        ours = [c.inode for c in sysmon.connections("tcp", pid=os.getpid())]
        assert os.fstat(listener.fileno()).st_ino in ours  # the process lists it
        for call in (sysmon.connections, sysmon.listening):
            with pytest.raises(sysmon.NoSuchProcess, match="thread") as e:
                call("tcp", pid=tids[0])
            assert e.value.pid == tids[0]
        zombie = kids.fork_zombie()
        for call in (sysmon.connections, sysmon.listening):
            with pytest.raises(sysmon.ZombieProcess) as z:
                call("all", pid=zombie)
            assert z.value.pid == zombie
        for pid in (2**31, 2**63):
            with pytest.raises(sysmon.NoSuchProcess) as n:
                sysmon.connections("tcp", pid=pid)
            assert n.value.pid == pid
    finally:
        stop.set()
        t.join()
        listener.close()
        kids.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_denied_fd_links_are_access_denied_for_one_process(backend: str) -> None:
    """An "fd" directory that may be listed but whose links may not be read
    (here mode 0444, read as nobody; a process in a user namespace we have
    no rights in does the same to root) is not a process without sockets:
    the single-process calls say AccessDenied.  The whole table still
    answers, without that process's links."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-fdlinks-"))  # nobody can reach it
    try:
        root = readable_copy(NETROOT, base)
        os.chmod(root / "proc" / "200" / "fd", 0o444)
        got = as_nobody(lambda: _one_and_all(root))
    finally:
        shutil.rmtree(base)
    where = f"{root}/proc/200/fd"
    assert got == [("AccessDenied", 200, where), ("AccessDenied", 200, where), [100, 300, 400]]


def _one_and_all(root: Path) -> list[object]:
    """connections(pid=200), Process(200).connections() and the pids the
    whole table attributes, under ``root``."""

    out: list[object] = []
    for call in (lambda: sysmon.connections("all", pid=200, root=str(root)),
                 lambda: sysmon.Process(200, root=str(root)).connections("all")):
        try:
            out.append(("ok", len(call())))
        except sysmon.SysmonError as e:
            out.append((type(e).__name__, getattr(e, "pid", None), getattr(e, "path", None)))
    whole = sysmon.connections("all", root=str(root))
    out.append(sorted({c.pid for c in whole if c.pid is not None}))
    return out


def test_a_file_path_beyond_path_max_does_not_fail_the_call(backend: str,
                                                            tmp_path: Path) -> None:
    """readlink of an fd whose file's path is longer than PATH_MAX fails
    (ENAMETOOLONG): that fd is a file, never a socket, and the single-process
    calls skip it as the whole table does instead of failing."""
    dirs = [os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)]
    for _ in range(25):  # 25 x 201 bytes: beyond PATH_MAX (4096)
        os.mkdir("d" * 200, dir_fd=dirs[-1])
        dirs.append(os.open("d" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=dirs[-1]))
    deep = os.open("f", os.O_RDWR | os.O_CREAT, 0o600, dir_fd=dirs[-1])
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with pytest.raises(OSError) as e:
            os.readlink(f"/proc/self/fd/{deep}")
        assert e.value.errno == errno.ENAMETOOLONG
        ino = os.fstat(listener.fileno()).st_ino
        assert ino in {c.inode for c in sysmon.connections("tcp", pid=os.getpid())}
        with sysmon.Process(os.getpid()) as p:
            assert ino in {c.inode for c in p.connections("tcp")}
        assert ino in {c.inode for c in sysmon.connections("tcp") if c.pid == os.getpid()}
    finally:
        listener.close()
        for fd in (deep, *dirs):
            os.close(fd)
        shutil.rmtree(tmp_path / ("d" * 200))


def test_root_without_proc(backend: str, tmp_path: object) -> None:
    with pytest.raises(sysmon.SysmonError, match="proc"):
        sysmon.connections("tcp", pids=False, root=str(tmp_path))


# The live root spelled three ways, asked from inside a private network
# namespace: each must read this process's own tables (netlink, or
# /proc/self/net), never <root>/proc/1/net, which is the host's here.
ROOT_SPELLINGS_CHILD = r"""
import os, socket, sysmon
sysmon.set_backend(os.environ["SYSMON_TEST_BACKEND"])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
mine = os.fstat(s.fileno()).st_ino
for root in ("/", "//", "/.", "/proc/.."):
    seen = {c.inode for c in sysmon.listening("tcp", pids=False, root=root)}
    print(root, mine in seen)
"""


def test_live_root_however_spelled(backend: str) -> None:
    env = {**os.environ, "SYSMON_TEST_BACKEND": backend}
    p = subprocess.run(["unshare", "--net", sys.executable, "-c", ROOT_SPELLINGS_CHILD],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "/ True", "// True", "/. True", "/proc/.. True"]


# A process that may send to netlink ports (CAP_NET_ADMIN) floods the reader's
# port id (its pid: the first netlink socket of a process is bound to it)
# with datagrams too big for the reader's buffer.  They are not from the
# kernel, so both backends ignore them whatever their size; C used to test
# MSG_TRUNC first and fail the dump as a malformed reply.
NETLINK_FLOOD_CHILD = r"""
import os, signal, socket, sys, time, sysmon
sysmon.set_backend(sys.argv[1])
victim = os.getpid()
attacker = os.fork()
if attacker == 0:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 4)
    data = b"\0" * 70000
    while True:
        try:
            s.sendto(data, (victim, 0))
        except OSError:
            pass
calls = malformed = other = 0
end = time.monotonic() + 1.5
while time.monotonic() < end:
    try:
        sysmon.connections("tcp", pids=False, source="netlink")
        calls += 1
    except sysmon.ParseError:
        malformed += 1
    except sysmon.SysmonError:
        other += 1  # the queue overran (ENOBUFS): replies were lost, said as such
os.kill(attacker, signal.SIGKILL)
os.waitpid(attacker, 0)
print(calls, malformed, other)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="sending to a netlink port needs CAP_NET_ADMIN")
def test_netlink_datagrams_not_from_the_kernel_are_ignored(backend: str) -> None:
    p = subprocess.run(["unshare", "--net", sys.executable, "-c", NETLINK_FLOOD_CHILD, backend],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    calls, malformed, _other = map(int, p.stdout.split())
    assert malformed == 0
    assert calls > 0


def test_listening_unix_datagram_server_and_bound_client(backend: str, tmp_path: Path) -> None:
    """A bound datagram server that a bound client connect()ed to: since Linux
    5.18 both are ESTABLISHED.  netlink tells the client by its peer and lists
    the server only; /proc/net/unix has no peers, so it lists neither rather
    than call the client a listener."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    cli = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    with srv, cli:
        srv.bind(str(tmp_path / "srv"))
        cli.bind(str(tmp_path / "cli"))
        cli.connect(str(tmp_path / "srv"))
        mine = {os.fstat(s.fileno()).st_ino: name for s, name in ((srv, "srv"), (cli, "cli"))}

        def listed(source: str) -> list[str]:
            got = sysmon.listening("unix", pid=os.getpid(), source=source)
            return sorted(mine[c.inode] for c in got if c.inode in mine)

        assert listed("netlink") == ["srv"]
        by_proc = {c.inode: c.status for c in sysmon.connections("unix", source="proc")}
        if by_proc[os.fstat(srv.fileno()).st_ino] == "UNCONN":  # before Linux 5.18
            assert listed("proc") == ["srv"]
        else:
            assert listed("proc") == []


@pytest.mark.parametrize(("root", "live"), [
    ("/", True), ("//", True), ("/.", True), ("/proc/..", True), ("///./", True),
    # a link that resolves to "/" is another root: a container's
    # /proc/<pid>/root reads as "/" from outside and is not ours
    ("/proc/self/root", False), ("/proc/1/root", False), ("/tmp", False),
])
def test_is_live_is_lexical(root: str, live: bool) -> None:
    from sysmon._host import is_live

    assert is_live(root) is live
