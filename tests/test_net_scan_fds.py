"""scan_sockfds, read_sockfds and diag_dump (contract: sysmon/_rawnet.py) on
live processes, C and Python.

Ground truth is what the child processes report about themselves: fd numbers,
inodes (os.fstat(fd).st_ino), getsockname/getpeername, and the names they
bound.  A fake /proc tree (symlinks named like fds) pins the naming and skip
rules exactly.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import helpers
import pytest
from net_parser_support import (
    ACCEPTCON,
    AF_INET,
    AF_INET6,
    AF_UNIX,
    ALL_STATES,
    CLOSE,
    DGRAM,
    ESTABLISHED,
    LISTEN,
    SS_CONNECTED,
    SS_UNCONNECTED,
    STREAM,
    TCP,
    U64,
    UDP,
    impl,
    mod_fixture,  # noqa: F401 - the `mod` fixture
)

KID_COMM = b"netkid"

# The child: opens a known set of sockets, waits until the 100 bytes it sent
# have arrived, prints "ready" (helpers' protocol), then one JSON line
# describing every socket it holds, then blocks on stdin.
KID = r"""
import fcntl, json, os, socket, struct, termios, time
with open("/proc/self/comm", "w") as f:
    f.write("netkid")
path, abstract = sys.argv[1], b"\0" + sys.argv[2].encode()
S = {}
def tcp(fam):
    return socket.socket(fam, socket.SOCK_STREAM)
S["l4"] = tcp(socket.AF_INET); S["l4"].bind(("127.0.0.1", 0)); S["l4"].listen(4)
S["c4"] = tcp(socket.AF_INET); S["c4"].connect(S["l4"].getsockname())
S["s4"] = S["l4"].accept()[0]
S["l6"] = tcp(socket.AF_INET6); S["l6"].bind(("::1", 0)); S["l6"].listen(4)
S["c6"] = tcp(socket.AF_INET6); S["c6"].connect(S["l6"].getsockname()[:2])
S["s6"] = S["l6"].accept()[0]
S["u4"] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); S["u4"].bind(("127.0.0.1", 0))
S["u6"] = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); S["u6"].bind(("::1", 0))
S["ul"] = socket.socket(socket.AF_UNIX); S["ul"].bind(path); S["ul"].listen(4)
S["uc"] = socket.socket(socket.AF_UNIX); S["uc"].connect(path)
S["ua"] = S["ul"].accept()[0]
S["ab"] = socket.socket(socket.AF_UNIX); S["ab"].bind(abstract); S["ab"].listen(1)
S["sp1"], S["sp2"] = socket.socketpair()
S["ud"] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
S["c4"].sendall(b"z" * 100)
while struct.unpack("i", fcntl.ioctl(S["s4"], termios.FIONREAD, b"\0" * 4))[0] < 100:
    time.sleep(0.001)
def addr(s, peer):
    if s.family == socket.AF_UNIX:
        return None
    try:
        a = s.getpeername() if peer else s.getsockname()
    except OSError:
        a = ("::" if s.family == socket.AF_INET6 else "0.0.0.0", 0)
    return [a[0], a[1]]
REPORT = {k: {"fd": s.fileno(), "inode": os.fstat(s.fileno()).st_ino, "family": s.family.value,
              "local": addr(s, False), "remote": addr(s, True)} for k, s in S.items()}
"""
KID_AFTER = ("sys.stdout.write(json.dumps(REPORT) + '\\n'); sys.stdout.flush()\n"
             + helpers.BLOCK_ON_STDIN)

INET_TRUTH = {  # label: (proto, state)
    "l4": (TCP, LISTEN), "c4": (TCP, ESTABLISHED), "s4": (TCP, ESTABLISHED),
    "l6": (TCP, LISTEN), "c6": (TCP, ESTABLISHED), "s6": (TCP, ESTABLISHED),
    "u4": (UDP, CLOSE), "u6": (UDP, CLOSE),
}
# label: (type, /proc/net/unix St, its Flags, sock_diag state, name kind, peer label)
UNIX_TRUTH = {
    "ul": (STREAM, SS_UNCONNECTED, ACCEPTCON, LISTEN, "path", None),
    "uc": (STREAM, SS_CONNECTED, 0, ESTABLISHED, None, "ua"),
    "ua": (STREAM, SS_CONNECTED, 0, ESTABLISHED, "path", "uc"),
    "ab": (STREAM, SS_UNCONNECTED, ACCEPTCON, LISTEN, "abstract", None),
    "sp1": (STREAM, SS_CONNECTED, 0, ESTABLISHED, None, "sp2"),
    "sp2": (STREAM, SS_CONNECTED, 0, ESTABLISHED, None, "sp1"),
    "ud": (DGRAM, SS_UNCONNECTED, 0, CLOSE, None, None),
}


class Kid:
    def __init__(self, children: helpers.Children, tmp: str) -> None:
        self.path = os.path.join(tmp, "kid sock")
        self.abstract = f"sysmon-test-{uuid.uuid4().hex}"
        self.proc = children.python(KID, self.path, self.abstract, after=KID_AFTER)
        self.pid = self.proc.pid
        self.report: dict[str, dict[str, Any]] = json.loads(self.proc.stdout.readline())
        self.refs = {(s["inode"], self.pid, s["fd"]) for s in self.report.values()}
        self.inodes = {s["inode"]: label for label, s in self.report.items()}

    def name(self, kind: str | None, netlink: bool) -> bytes | None:
        if kind == "path":
            return os.fsencode(self.path) + (b"\0" if netlink else b"")
        if kind == "abstract":
            return (b"\0" if netlink else b"@") + self.abstract.encode()
        return None


@pytest.fixture(name="children")
def children_fixture() -> Iterator[helpers.Children]:
    kids = helpers.Children()
    try:
        yield kids
    finally:
        kids.close()


@pytest.fixture(name="kid")
def kid_fixture(children: helpers.Children, tmp_path: Any) -> Kid:
    return Kid(children, str(tmp_path))


def check_refs(refs: Any) -> set[tuple[int, int, int]]:
    assert isinstance(refs, list)
    assert all(type(r) is tuple and len(r) == 3 and all(type(x) is int for x in r) for r in refs)
    assert len(set(refs)) == len(refs)
    return set(refs)


# --------------------------------------------------------- scan_sockfds
def test_scan_one_pid_exact(mod: ModuleType, kid: Kid) -> None:
    refs, names = mod.scan_sockfds("/proc", kid.pid)
    assert check_refs(refs) == kid.refs
    assert names == {kid.pid: KID_COMM}


def test_scan_all_has_kid_and_self(mod: ModuleType, kid: Kid) -> None:
    with socket.socket(AF_INET, socket.SOCK_DGRAM) as mine:
        me = (os.fstat(mine.fileno()).st_ino, os.getpid(), mine.fileno())
        refs, names = mod.scan_sockfds("/proc", None)
    got = check_refs(refs)
    assert {r for r in got if r[1] == kid.pid} == kid.refs
    assert me in got
    assert names[kid.pid] == KID_COMM
    assert set(names) == {r[1] for r in got}
    assert all(v is None or (type(v) is bytes and len(v) <= 64) for v in names.values())


def test_exited_process_is_absent(mod: ModuleType, kid: Kid, children: helpers.Children) -> None:
    children.kill(kid.proc)
    refs, names = mod.scan_sockfds("/proc", kid.pid)
    assert (list(refs), names) == ([], {})
    refs, names = mod.scan_sockfds("/proc", None)
    assert not {(i, p) for i, p, _ in refs} & {(i, p) for i, p, _ in kid.refs}
    assert kid.pid not in names


def test_scan_pid_that_never_was(mod: ModuleType) -> None:
    refs, names = mod.scan_sockfds("/proc", helpers.free_pid())
    assert (list(refs), names) == ([], {})


def test_read_sockfds_held_dirfd(mod: ModuleType, kid: Kid, children: helpers.Children) -> None:
    dirfd = os.open(f"/proc/{kid.pid}", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        assert check_refs(mod.read_sockfds(dirfd, kid.pid)) == kid.refs
        children.kill(kid.proc)  # killed and reaped: the held directory is now empty
        assert mod.read_sockfds(dirfd, kid.pid) is None
    finally:
        os.close(dirfd)


# The unprivileged child: imports the module as root, becomes nobody, opens
# sockets, scans /proc (where every root process's fd directory denies it),
# and reports.  It holds a directory fd of its (root) parent opened before.
UNPRIV = r"""
import ctypes, importlib, json, os, socket, sys
mod = importlib.import_module(sys.argv[1])
with open("/proc/self/comm", "w") as f:
    f.write("netnobody")
ppid = os.getppid()
parent_dir = os.open(f"/proc/{ppid}", os.O_RDONLY | os.O_DIRECTORY)
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: an ordinary user process
a, b = socket.socketpair()
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
try:
    os.listdir(f"/proc/{ppid}/fd")
    denied = False
except PermissionError:
    denied = True
refs, names = mod.scan_sockfds("/proc", None)
only_parent = mod.scan_sockfds("/proc", ppid)
try:
    mod.read_sockfds(parent_dir, ppid)
    read_errno = None
except OSError as e:
    read_errno = e.errno
out = {"uid": os.getuid(), "pid": os.getpid(), "denied": denied,
       "mine": [[os.fstat(s.fileno()).st_ino, os.getpid(), s.fileno()] for s in (a, b, l)],
       "refs": [list(r) for r in refs],
       "names": {str(k): None if v is None else v.hex() for k, v in names.items()},
       "only_parent": [list(only_parent[0]), only_parent[1]], "read_errno": read_errno}
sys.stdout.write(json.dumps(out) + "\n")
"""


@pytest.mark.parametrize("which", ["c", "python"])
def test_unprivileged_scan(which: str, children: helpers.Children) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to start a child that drops to uid 65534")
    module = impl(which).__name__
    with socket.socket(AF_INET, socket.SOCK_DGRAM) as held:  # a root socket it must not see
        root_ref = [os.fstat(held.fileno()).st_ino, os.getpid(), held.fileno()]
        p = children.python(UNPRIV, module, ready=False, stdin=subprocess.DEVNULL)
        out_text, _ = p.communicate(timeout=120)
    assert p.returncode == 0, out_text
    out = json.loads(out_text)
    assert out["uid"] == 65534 and out["denied"]  # the setup is what it claims
    refs = {tuple(r) for r in out["refs"]}
    assert {r for r in refs if r[1] == out["pid"]} == {tuple(r) for r in out["mine"]}
    assert tuple(root_ref) not in refs
    assert os.getpid() not in {r[1] for r in refs}
    assert bytes.fromhex(out["names"][str(out["pid"])]) == b"netnobody"
    assert set(out["names"]) == {str(r[1]) for r in refs}
    assert out["only_parent"] == [[], {}]
    assert out["read_errno"] is not None and out["read_errno"] in (13, 1)  # EACCES / EPERM


# ------------------------------------------------------- a fake /proc tree
def fake_proc(root: str) -> tuple[set[tuple[int, int, int]], dict[int, bytes | None]]:
    """Build a tree under root; return the refs and names the contract gives."""
    def pid_dir(pid: str, comm: bytes | None, links: dict[str, str]) -> str:
        d = os.path.join(root, pid)
        os.makedirs(os.path.join(d, "fd"))
        if comm is not None:
            with open(os.path.join(d, "comm"), "wb") as f:
                f.write(comm)
        for fd, target in links.items():
            os.symlink(target, os.path.join(d, "fd", fd))
        return d

    pid_dir("100", b"fakeone\n", {"0": "socket:[500]", "3": "socket:[501]",
                                  "4": "pipe:[9]", "5": "/dev/null", "05": "socket:[502]",
                                  "00": "socket:[503]", "6": "socket:[504]x",
                                  "7": f"socket:[{U64}]", "x": "socket:[505]",
                                  "8": "anon_inode:[eventfd]"})
    pid_dir("200", b"two\n\n", {"10": "socket:[600]"})
    pid_dir("300", None, {"1": "socket:[700]"})
    pid_dir("400", b"c" * 100 + b"\n", {"2": "socket:[800]"})
    pid_dir("1200", b"y" * 64 + b"\n", {"1": "socket:[1201]"})
    pid_dir("1000", b"", {"1": "socket:[1001]"})
    pid_dir("1100", b"\n", {"1": "socket:[1101]"})
    pid_dir("2147483647", b"max\n", {"1": "socket:[903]"})
    pid_dir("600", b"nosockets\n", {"0": "pipe:[1]"})
    os.makedirs(os.path.join(root, "500"))  # no fd directory
    for bad in ("0100", "0", "2147483648", "+7", "7a", "-1", "99999999999"):
        pid_dir(bad, b"bad\n", {"1": "socket:[900]"})
    os.symlink("100", os.path.join(root, "101"))  # a symlinked pid directory
    os.symlink("100", os.path.join(root, "self"))
    with open(os.path.join(root, "700"), "w"):  # a file where a pid directory would be
        pass
    d = os.path.join(root, "800")
    os.makedirs(d)
    with open(os.path.join(d, "fd"), "w"):  # fd is a file
        pass
    d = os.path.join(root, "1300")
    os.makedirs(d)
    os.symlink(os.path.join(root, "100", "fd"), os.path.join(d, "fd"))  # fd is a symlink
    refs = {(500, 100, 0), (501, 100, 3), (U64, 100, 7), (600, 200, 10), (700, 300, 1),
            (800, 400, 2), (1201, 1200, 1), (1001, 1000, 1), (1101, 1100, 1),
            (903, 2147483647, 1)}
    names = {100: b"fakeone", 200: b"two\n", 300: None, 400: b"c" * 64, 1200: b"y" * 64,
             1000: b"", 1100: b"", 2147483647: b"max"}
    return refs, names


def test_fake_proc_scan_all(mod: ModuleType, tmp_path: Any) -> None:
    want_refs, want_names = fake_proc(str(tmp_path))
    refs, names = mod.scan_sockfds(str(tmp_path), None)
    assert check_refs(refs) == want_refs
    assert names == want_names


@pytest.mark.parametrize(("pid", "want"), [
    (100, {(500, 100, 0), (501, 100, 3), (U64, 100, 7)}),
    (2147483647, {(903, 2147483647, 1)}),
    (500, set()), (600, set()), (101, set()), (800, set()), (1300, set()), (4242, set()),
])
def test_fake_proc_one_pid(mod: ModuleType, tmp_path: Any, pid: int,
                           want: set[tuple[int, int, int]]) -> None:
    _, all_names = fake_proc(str(tmp_path))
    refs, names = mod.scan_sockfds(str(tmp_path), pid)
    assert check_refs(refs) == want
    assert names == ({pid: all_names[pid]} if want else {})


def test_fake_proc_read_sockfds(mod: ModuleType, tmp_path: Any) -> None:
    fake_proc(str(tmp_path))
    fds = [os.open(tmp_path / p, os.O_RDONLY | os.O_DIRECTORY) for p in ("100", "500", "600")]
    try:
        assert check_refs(mod.read_sockfds(fds[0], 77)) == {(500, 77, 0), (501, 77, 3),
                                                            (U64, 77, 7)}
        assert mod.read_sockfds(fds[1], 500) is None  # no fd directory: gone
        assert mod.read_sockfds(fds[2], 600) == []
    finally:
        for fd in fds:
            os.close(fd)


def test_proc_path_errors_raise(mod: ModuleType, tmp_path: Any) -> None:
    with pytest.raises(FileNotFoundError):
        mod.scan_sockfds(str(tmp_path / "missing"), None)
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        mod.scan_sockfds(str(tmp_path / "file"), None)


# ------------------------------------------------ diag_dump vs /proc/net
def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def truth_inet(kid: Kid, family: int, proto: int) -> set[tuple[Any, ...]]:
    out = set()
    for label, (p, state) in INET_TRUTH.items():
        s = kid.report[label]
        if s["family"] == family and p == proto:
            lhost, lport = s["local"]
            rhost, rport = s["remote"]
            out.add((s["inode"], socket.inet_pton(family, lhost), lport,
                     socket.inet_pton(family, rhost), rport, state))
    return out


def ident(rows: list[tuple[Any, ...]], kid: Kid) -> set[tuple[Any, ...]]:
    return {(r[8], r[4], r[5], r[6], r[7], r[3]) for r in rows if r[8] in kid.inodes}


INET_SOURCES = [(AF_INET, TCP, "tcp"), (AF_INET6, TCP, "tcp6"), (AF_INET, UDP, "udp"),
                (AF_INET6, UDP, "udp6")]


@pytest.mark.parametrize(("family", "proto", "file"), INET_SOURCES)
def test_diag_dump_inet_matches_proc_net(mod: ModuleType, kid: Kid, family: int, proto: int,
                                         file: str) -> None:
    truth = truth_inet(kid, family, proto)
    assert truth
    diag = mod.diag_dump(family, proto, ALL_STATES, False)
    proc = mod.parse_net_inet(read(f"/proc/net/{file}"), family, proto)
    assert ident(diag, kid) == truth
    assert ident(proc, kid) == truth
    assert all(r[0] == family and r[2] == proto and r[15] is None for r in diag)
    if (family, proto) == (AF_INET, TCP):  # 100 unread bytes at s4, from both sources
        s4 = kid.report["s4"]["inode"]
        assert {r[10] for r in diag + proc if r[8] == s4} == {100}


def test_diag_dump_tcp_info(mod: ModuleType, kid: Kid) -> None:
    rows = {r[8]: r for r in mod.diag_dump(AF_INET, TCP, ALL_STATES, True)
            if r[8] in kid.inodes}
    assert set(rows) == {kid.report[k]["inode"] for k in ("l4", "c4", "s4")}
    for r in rows.values():
        assert type(r[15]) is tuple and len(r[15]) == 5
        assert all(type(v) is int for v in r[15])  # a 6.x kernel's tcp_info is long
    assert rows[kid.report["s4"]["inode"]][15][4] == 100  # bytes_received


def test_diag_dump_state_filter(mod: ModuleType, kid: Kid) -> None:
    rows = mod.diag_dump(AF_INET6, TCP, 1 << LISTEN, False)
    assert rows and all(r[3] == LISTEN for r in rows)
    mine = {r[8] for r in rows if r[8] in kid.inodes}
    assert mine == {kid.report["l6"]["inode"]}


def test_diag_dump_unix_matches_proc_net(mod: ModuleType, kid: Kid) -> None:
    diag = {r[8]: r for r in mod.diag_dump(AF_UNIX, 0, ALL_STATES, False) if r[8] in kid.inodes}
    proc = {r[8]: r for r in mod.parse_net_unix(read("/proc/net/unix")) if r[8] in kid.inodes}
    assert set(diag) == set(proc) == {kid.report[k]["inode"] for k in UNIX_TRUTH}
    for label, (typ, st, flags, dstate, kind, peer) in UNIX_TRUTH.items():
        ino = kid.report[label]["inode"]
        want_peer = None if peer is None else kid.report[peer]["inode"]
        d, p = diag[ino], proc[ino]
        assert (d[0], d[1], d[2], d[3], d[12], d[13], d[9]) == (
            AF_UNIX, typ, 0, dstate, kid.name(kind, True), want_peer, os.getuid()), label
        assert (p[0], p[1], p[2], p[3], p[12], p[14]) == (
            AF_UNIX, typ, 0, st, kid.name(kind, False), flags), label
        assert d[10] is not None and d[11] is not None  # RQLEN was asked for


def test_diag_dump_unix_state_filter(mod: ModuleType, kid: Kid) -> None:
    rows = mod.diag_dump(AF_UNIX, 0, 1 << LISTEN, False)
    assert all(r[3] == LISTEN for r in rows)
    assert {r[8] for r in rows if r[8] in kid.inodes} == {kid.report[k]["inode"]
                                                          for k in ("ul", "ab")}


def test_same_rows_from_both_backends(kid: Kid) -> None:
    """C and Python see the kid's sockets identically (queues included: the kid
    is idle)."""
    c, p = impl("c"), impl("python")
    for family, proto, _ in INET_SOURCES:
        a = sorted(r for r in c.diag_dump(family, proto, ALL_STATES, False) if r[8] in kid.inodes)
        b = sorted(r for r in p.diag_dump(family, proto, ALL_STATES, False) if r[8] in kid.inodes)
        assert a == b and a
    a = sorted(r for r in c.diag_dump(AF_UNIX, 0, ALL_STATES, False) if r[8] in kid.inodes)
    b = sorted(r for r in p.diag_dump(AF_UNIX, 0, ALL_STATES, False) if r[8] in kid.inodes)
    assert a == b and len(a) == len(UNIX_TRUTH)
