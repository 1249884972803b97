"""Shared by the live network-connection tests (test_connections_live*.py,
test_cli_sockets.py).

Ground truth is a child Python process that opens a KNOWN set of sockets and
reports each one (family, type, both ends from getsockname/getpeername, the
state it is in, fd, inode from os.fstat) as one JSON line on its stdout; then
it serves small commands read from its stdin (one JSON object per line, one
JSON reply per line) until told to exit or its stdin closes.  Nothing in the
report comes from sysmon.

The child holds both ends of every connection it makes:

- TCP listeners on 127.0.0.1, ::1 (IPV6_V6ONLY) and a dual-stack :: listener;
- ``conns`` established loopback TCP connections, spread over IPv4, IPv6
  (::1), v4-mapped (an AF_INET6 client connecting to ::ffff:127.0.0.1 on the
  dual-stack listener) and AF_INET clients of the dual-stack listener (whose
  accepted end is AF_INET6 ::ffff:127.0.0.1);
- one connection with QUEUED bytes the server never reads, and one over which
  TRANSFER bytes were sent and read (with the kernel's own TCP_INFO byte
  counts of both ends, read by the child once all was acknowledged);
- UDP: bound unconnected on 127.0.0.1 and ::1, one connected v4 socket;
- UNIX: a stream listener with a path (plus one connection to it), an
  abstract stream listener (plus one connection), a socketpair, an unbound
  datagram socket, a datagram socket whose path holds a space, one whose
  path holds an ESC sequence and a newline (EVIL), and an unbound one
  connected to a bound one ("target.sock");
- and, in ``unlisted``, sockets no source lists: a TCP socket only bound,
  TCP and UDP sockets never bound.

Every child is killed and reaped, and its socket directory removed, by
``SocketChild.close()`` (the fixtures call it in their teardown).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import sysmon

CHILD_NAME = "smconnchild"  # its comm (prctl PR_SET_NAME): what holders are named
QUEUED = 1234  # bytes left unread in one connection's receive queue
TRANSFER = 200_000  # bytes sent and read over one connection
EVIL_BASENAME = "evil\x1b[31mred\x1b[0m\nline.sock"
SPACE_BASENAME = "with space.sock"
LISTEN_BACKLOG = 4096

CHILD_SCRIPT = r'''
import ctypes, json, os, resource, signal, socket, struct, sys, tempfile, time

cfg = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, ctypes.c_char_p(cfg["name"].encode()), 0, 0, 0)  # PR_SET_NAME

need = 2 * cfg["conns"] + 256
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft != resource.RLIM_INFINITY and soft < need:
    if hard != resource.RLIM_INFINITY and hard < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))  # as root
    else:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))

TCP_NAMES = {1: "ESTABLISHED", 10: "LISTEN"}
keep = []  # every socket object, so none is closed by the collector
entries = []


def text(a):
    return a.decode("utf-8", "surrogateescape") if isinstance(a, bytes) else a


def end(sock, a):
    if sock.family == socket.AF_UNIX:
        return text(a)
    return [a[0], a[1]]


def tcp_info(sock):
    b = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    state = b[0]
    rtt, = struct.unpack_from("I", b, 68)
    unacked, = struct.unpack_from("I", b, 24)
    retrans, = struct.unpack_from("I", b, 100)
    acked = received = None
    if len(b) >= 136:
        acked, received = struct.unpack_from("QQ", b, 120)
    return {"state": state, "rtt_us": rtt, "unacked": unacked, "total_retrans": retrans,
            "bytes_acked": acked, "bytes_received": received}


def add(sock, kind, role, status, listening=False):
    keep.append(sock)
    try:
        peer = end(sock, sock.getpeername())
    except OSError:
        peer = None
    if sock.type == socket.SOCK_STREAM and sock.family != socket.AF_UNIX:
        got = TCP_NAMES.get(tcp_info(sock)["state"])
        assert got == status, (role, got, status)
    e = {"kind": kind, "role": role, "family": int(sock.family), "type": int(sock.type),
         "laddr": end(sock, sock.getsockname()), "raddr": peer, "status": status,
         "fd": sock.fileno(), "inode": os.fstat(sock.fileno()).st_ino,
         "listening": listening}
    entries.append(e)
    return len(entries) - 1


def listener(family, host, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((host, 0))
    s.listen(cfg["backlog"])
    return s


l4 = listener(socket.AF_INET, "127.0.0.1")
l6 = listener(socket.AF_INET6, "::1", 1)
ld = listener(socket.AF_INET6, "::", 0)
add(l4, "tcp4", "listen4", "LISTEN", True)
add(l6, "tcp6", "listen6", "LISTEN", True)
add(ld, "tcp6", "listen-dual", "LISTEN", True)

# (client family, target address, listener, client kind, server kind)
routes = [
    (socket.AF_INET, ("127.0.0.1", l4.getsockname()[1]), l4, "tcp4", "tcp4", "v4"),
    (socket.AF_INET6, ("::1", l6.getsockname()[1]), l6, "tcp6", "tcp6", "v6"),
    (socket.AF_INET6, ("::ffff:127.0.0.1", ld.getsockname()[1]), ld, "tcp6", "tcp6", "mapped"),
    (socket.AF_INET, ("127.0.0.1", ld.getsockname()[1]), ld, "tcp4", "tcp6", "v4-to-dual"),
]
pairs = []
for i in range(cfg["conns"]):
    fam, target, lst, ck, sk, how = routes[i % len(routes)]
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect(target)
    s, _ = lst.accept()
    ci = add(c, ck, "client-" + how, "ESTABLISHED")
    si = add(s, sk, "server-" + how, "ESTABLISHED")
    pairs.append((ci, si))


def wait_acked(sock):
    for _ in range(5000):
        if tcp_info(sock)["unacked"] == 0:
            return
        time.sleep(0.002)
    raise SystemExit("data never acknowledged")


# a connection with bytes waiting, unread, in the server's receive queue
qci, qsi = pairs[0]
keep[qci].sendall(b"q" * cfg["queued"])
wait_acked(keep[qci])
for _ in range(5000):
    if len(keep[qsi].recv(cfg["queued"], socket.MSG_PEEK)) == cfg["queued"]:
        break
    time.sleep(0.002)

# a connection over which TRANSFER bytes went and were read
tci, tsi = pairs[min(4, len(pairs) - 1)]
keep[tci].sendall(b"t" * cfg["transfer"])
got = 0
while got < cfg["transfer"]:
    got += len(keep[tsi].recv(65536))
wait_acked(keep[tci])
transfer = {"client": tci, "server": tsi, "nbytes": cfg["transfer"],
            "client_info": tcp_info(keep[tci]), "server_info": tcp_info(keep[tsi])}

# UDP
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u4.bind(("127.0.0.1", 0))
add(u4, "udp4", "udp4-bound", "UNCONN", True)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.bind(("::1", 0))
add(u6, "udp6", "udp6-bound", "UNCONN", True)
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uc.bind(("127.0.0.1", 0))
uc.connect(u4.getsockname())
add(uc, "udp4", "udp4-connected", "ESTABLISHED")

# UNIX
d = cfg["dir"]
ul = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ul.bind(os.path.join(d, "listen.sock"))
ul.listen(cfg["backlog"])
add(ul, "unix", "unix-listen", "LISTEN", True)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(os.path.join(d, "listen.sock"))
s, _ = ul.accept()
add(c, "unix", "unix-client", "ESTABLISHED")
add(s, "unix", "unix-server", "ESTABLISHED")

ua = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ua.bind("\0" + cfg["abstract"])
ua.listen(cfg["backlog"])
add(ua, "unix", "abstract-listen", "LISTEN", True)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect("\0" + cfg["abstract"])
s, _ = ua.accept()
add(c, "unix", "abstract-client", "ESTABLISHED")
add(s, "unix", "abstract-server", "ESTABLISHED")

p1, p2 = socket.socketpair()
add(p1, "unix", "pair-a", "ESTABLISHED")
add(p2, "unix", "pair-b", "ESTABLISHED")
add(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM), "unix", "dgram-unbound", "UNCONN")
for role, base in (("dgram-space", cfg["space"]), ("dgram-evil", cfg["evil"])):
    g = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    g.bind(os.path.join(d, base))
    add(g, "unix", role, "UNCONN", True)
# A datagram socket connected to a bound one.  Since Linux 5.18 connect()
# marks BOTH ends TCP_ESTABLISHED (netlink state 1, /proc/net/unix St 03), so
# the target, though it has no peer, is no longer "UNCONN" (ss says ESTAB too,
# and `ss -xl` leaves it out); before, both stayed TCP_CLOSE.  It still
# receives from anyone: listening() keeps it, whatever its state.
new_dgram = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2]) >= (5, 18)
dgram_status = "ESTABLISHED" if new_dgram else "UNCONN"
t = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
t.bind(os.path.join(d, "target.sock"))
g = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
g.connect(os.path.join(d, "target.sock"))  # one way: the target has no peer
# listening: only netlink, which reports peers, can tell it from a client
add(t, "unix", "dgram-target", dgram_status, True if dgram_status == "UNCONN" else "netlink")
add(g, "unix", "dgram-connected", dgram_status)

# Sockets the child holds that no source lists: TCP bound only (netlink lists
# these since Linux 6.6 only when asked for TCP_BOUND_INACTIVE; /proc/net/tcp
# and ss never do), TCP and UDP never bound.
unlisted = []
bo = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
bo.bind(("127.0.0.1", 0))
for sock, role in ((bo, "tcp-bound-only"), (socket.socket(), "tcp-unbound"),
                   (socket.socket(socket.AF_INET, socket.SOCK_DGRAM), "udp-unbound")):
    keep.append(sock)
    unlisted.append({"role": role, "fd": sock.fileno(),
                     "inode": os.fstat(sock.fileno()).st_ino})

grandchildren = []


def fork():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.close(null)
            os.close(r)
            os.write(w, b"x")
            while True:
                signal.pause()
        finally:
            os._exit(0)
    os.close(w)
    os.read(r, 1)  # the grandchild is past its set-up
    os.close(r)
    grandchildren.append(pid)
    return pid


def stop_grandchildren():
    for pid in grandchildren:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    grandchildren.clear()


out = sys.stdout
out.write(json.dumps({"pid": os.getpid(), "uid": os.geteuid(), "sockets": entries,
                      "pairs": pairs, "queued": {"client": qci, "server": qsi,
                                                 "nbytes": cfg["queued"]},
                      "transfer": transfer, "unlisted": unlisted}) + "\n")
out.flush()
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["cmd"] == "exit":
        break
    if cmd["cmd"] == "fork":
        reply = {"pid": fork()}
    elif cmd["cmd"] == "unfork":
        stop_grandchildren()
        reply = {}
    else:
        reply = {"error": "unknown command"}
    out.write(json.dumps(reply) + "\n")
    out.flush()
stop_grandchildren()
'''


def child_env() -> dict[str, str]:
    """A child Python that imports the same sysmon as this process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYSMON_")}
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(sysmon.__file__)))
    env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class SocketChild:
    """A child process holding a known set of sockets (see the module doc).

    ``sockets``: the child's report, one dict per socket; ``pid``; ``dir``
    (where its unix sockets live); ``transfer`` and ``queued`` (see above)."""

    def __init__(self, conns: int = 40, *, name: str = CHILD_NAME) -> None:
        self.dir = _tempdir()
        self.abstract = f"sysmon-test-{os.getpid()}-{os.path.basename(self.dir)}"
        cfg = {"conns": conns, "name": name, "dir": self.dir, "abstract": self.abstract,
               "space": SPACE_BASENAME, "evil": EVIL_BASENAME, "queued": QUEUED,
               "transfer": TRANSFER, "backlog": LISTEN_BACKLOG}
        self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-c", CHILD_SCRIPT, json.dumps(cfg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env(), cwd="/",
            close_fds=True)
        try:
            assert self.proc.stdout is not None
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait(timeout=30)
                raise AssertionError(f"socket child failed to start, rc={self.proc.returncode}")
            report = json.loads(line)
        except BaseException:
            self.close()
            raise
        self.name = name
        self.pid: int = report["pid"]
        self.uid: int = report["uid"]
        self.sockets: list[dict[str, Any]] = report["sockets"]
        self.pairs: list[list[int]] = report["pairs"]
        self.queued: dict[str, Any] = report["queued"]
        self.transfer: dict[str, Any] = report["transfer"]
        self.unlisted: list[dict[str, Any]] = report["unlisted"]
        self.grandchildren: list[int] = []
        self.inodes: frozenset[int] = frozenset(s["inode"] for s in self.sockets)

    # -- commands ----------------------------------------------------------

    def command(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd).encode() + b"\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"socket child {self.pid} died"
        reply: dict[str, Any] = json.loads(line)
        assert "error" not in reply, reply
        return reply

    def fork(self) -> int:
        """A grandchild that inherits (and so also holds) every socket."""
        pid: int = self.command(cmd="fork")["pid"]
        self.grandchildren.append(pid)
        return pid

    def unfork(self) -> None:
        self.command(cmd="unfork")
        self.grandchildren.clear()

    # -- ground truth ------------------------------------------------------

    def by_role(self, role: str) -> dict[str, Any]:
        found = [s for s in self.sockets if s["role"] == role]
        assert len(found) == 1, role
        return found[0]

    def path(self, base: str) -> str:
        return os.path.join(self.dir, base)

    # -- ending ------------------------------------------------------------

    def exit(self) -> None:
        """End the child now and reap it (and its grandchildren)."""
        p = self.proc
        if p is None:
            return
        try:
            if p.poll() is None and p.stdin is not None:
                with contextlib.suppress(OSError):
                    p.stdin.write(b'{"cmd": "exit"}\n')
                    p.stdin.flush()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
            for gpid in self.grandchildren:  # PR_SET_PDEATHSIG already killed them
                with contextlib.suppress(ProcessLookupError):
                    os.kill(gpid, signal.SIGKILL)
            self.grandchildren.clear()
            for stream in (p.stdin, p.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self.proc = None

    def close(self) -> None:
        try:
            self.exit()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> SocketChild:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _tempdir() -> str:
    import tempfile

    d = tempfile.mkdtemp(prefix="smconn-")
    os.chmod(d, 0o755)
    return d


@contextlib.contextmanager
def socket_child(conns: int = 40, **kw: Any) -> Iterator[SocketChild]:
    child = SocketChild(conns, **kw)
    try:
        yield child
    finally:
        child.close()


# --------------------------------------------------------------------------
# comparing


KIND_TABLES = {
    "inet": {"tcp4", "tcp6", "udp4", "udp6"},
    "inet4": {"tcp4", "udp4"},
    "inet6": {"tcp6", "udp6"},
    "tcp": {"tcp4", "tcp6"},
    "tcp4": {"tcp4"},
    "tcp6": {"tcp6"},
    "udp": {"udp4", "udp6"},
    "udp4": {"udp4"},
    "udp6": {"udp6"},
    "unix": {"unix"},
    "all": {"tcp4", "tcp6", "udp4", "udp6", "unix"},
}


def _end(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def expected_raddr(s: dict[str, Any], source: str) -> Any:
    """A unix socket's remote end is its peer's name, which only netlink
    tells; /proc/net/unix has no peer: None."""
    if s["family"] == socket.AF_UNIX and source == "proc":
        return None
    return _end(s["raddr"])


def listens(s: dict[str, Any], source: str) -> bool:
    """Whether listening() with this source lists the child's socket ``s``
    ("listening" is True, or the one source that can tell)."""
    return s["listening"] is True or s["listening"] == source


def expected(child: SocketChild, source: str, *, kind: str = "all", pid: int | None = None,
             pids: bool = True, where: Any = None) -> Counter[tuple[Any, ...]]:
    """The child's sockets as (family, type, laddr, raddr, status, inode, fd,
    pid, name) tuples."""
    holder = child.pid if pid is None else pid
    out: Counter[tuple[Any, ...]] = Counter()
    for s in child.sockets:
        if s["kind"] not in KIND_TABLES[kind] or (where is not None and not where(s)):
            continue
        who = (s["fd"], holder, child.name) if pids else (None, None, None)
        out[(s["family"], s["type"], _end(s["laddr"]), expected_raddr(s, source), s["status"],
             s["inode"], *who)] += 1
    return out


def actual(conns: Iterable[sysmon.Connection], inodes: Collection[int] | None = None
           ) -> Counter[tuple[Any, ...]]:
    """Records as the same tuples (only those of ``inodes`` when given)."""
    out: Counter[tuple[Any, ...]] = Counter()
    for c in conns:
        if inodes is not None and c.inode not in inodes:
            continue
        out[(int(c.family), int(c.type), _end(c.laddr), _end(c.raddr), c.status, c.inode,
             c.fd, c.pid, c.name)] += 1
    return out


def diff(got: Counter[Any], want: Counter[Any]) -> str:
    missing, extra = want - got, got - want
    return (f"missing {len(missing)}: {sorted(missing, key=repr)[:5]}; "
            f"extra {len(extra)}: {sorted(extra, key=repr)[:5]}")


# --------------------------------------------------------------------------
# ss, the independent tool

_USER = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=(\d+)\)')
SS_STATES = {"ESTAB": "ESTABLISHED", "TIME-WAIT": "TIME_WAIT", "SYN-SENT": "SYN_SENT",
             "SYN-RECV": "SYN_RECV", "FIN-WAIT-1": "FIN_WAIT1", "FIN-WAIT-2": "FIN_WAIT2",
             "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK", "UNCONN": "UNCONN",
             "LISTEN": "LISTEN", "CLOSING": "CLOSING"}


def ss_end(text: str) -> tuple[str, int | None]:
    """"127.0.0.1:80", "[::1]:80", "*:80", "0.0.0.0:*" -> (ip, port or None)."""
    host, _, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, None if port == "*" else int(port)


def ss_tcp(pid: int) -> Counter[tuple[Any, ...]]:
    """``ss -tanp`` rows held by pid: (state, local, peer or None, pid, fd).

    ss prints a dual-stack wildcard as "*"; the peer of a listener as "*:*"."""
    text = subprocess.run(["ss", "-tanpH"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    out: Counter[tuple[Any, ...]] = Counter()
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        state, _rq, _sq, local, peer, users = parts
        lip, lport = ss_end(local)
        pip, pport = ss_end(peer)
        remote = None if pport is None else (pip, pport)
        for _name, upid, fd in _USER.findall(users):
            if int(upid) == pid:
                out[(SS_STATES.get(state, state), (lip, lport), remote, pid, int(fd))] += 1
    return out


def as_ss(c: sysmon.Connection) -> tuple[Any, ...]:
    """A TCP record as ss_tcp() prints it: a wildcard :: listener is "*"."""
    assert isinstance(c.laddr, sysmon.Addr)
    lip = "*" if c.laddr.ip == "::" and c.status == "LISTEN" else c.laddr.ip
    remote = None if c.raddr is None else tuple(c.raddr)
    return (c.status, (lip, c.laddr.port), remote, c.pid, c.fd)
