"""Network connections: which sockets exist, in what state, held by whom.

Two sources, one result.  On the live root the kernel is asked over
NETLINK_SOCK_DIAG (inet_diag for TCP and UDP, unix_diag for UNIX sockets);
where that is refused (no diag module, a sandbox without netlink) and under
any other root, /proc/net/{tcp,tcp6,udp,udp6,unix} are read instead.  Owning
processes come from the ``socket:[inode]`` links in /proc/<pid>/fd.  The raw
rows are the same in both backends (contract: sysmon._rawnet); this module
turns them into :class:`Connection` records, once.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple, Union

from sysmon import _backend
from sysmon._host import is_live, proc_path, resolve_root
from sysmon._pure_net import comm_of
from sysmon._rawnet import SockRaw, SockRef
from sysmon._sysread import check_root, parse, path_of, read_optional
from sysmon.errors import AccessDenied, NoSuchProcess, ParseError, SysmonError

AF_INET = int(socket.AF_INET)
AF_INET6 = int(socket.AF_INET6)
AF_UNIX = int(socket.AF_UNIX)
TCP = 6
UDP = 17

# (family, proto) tables of each kind, in the order they are listed.
_TCP4, _TCP6, _UDP4, _UDP6, _UNIX = (AF_INET, TCP), (AF_INET6, TCP), (AF_INET, UDP), (
    AF_INET6, UDP), (AF_UNIX, 0)
KINDS: dict[str, tuple[tuple[int, int], ...]] = {
    "inet": (_TCP4, _TCP6, _UDP4, _UDP6),
    "inet4": (_TCP4, _UDP4),
    "inet6": (_TCP6, _UDP6),
    "tcp": (_TCP4, _TCP6),
    "tcp4": (_TCP4,),
    "tcp6": (_TCP6,),
    "udp": (_UDP4, _UDP6),
    "udp4": (_UDP4,),
    "udp6": (_UDP6,),
    "unix": (_UNIX,),
    "all": (_TCP4, _TCP6, _UDP4, _UDP6, _UNIX),
}
SOURCES = ("auto", "netlink", "proc")

# /proc/net file of each table.
_PROC_FILES = {_TCP4: "tcp", _TCP6: "tcp6", _UDP4: "udp", _UDP6: "udp6", _UNIX: "unix"}

# The kernel's TCP_* state numbers (include/net/tcp_states.h), which netlink
# uses for every family and /proc/net/{tcp,udp} print.  12 (NEW_SYN_RECV, a
# request socket) is shown as SYN_RECV, as ss and netstat do.
_TCP_STATES = {
    1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
    6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
    11: "CLOSING", 12: "SYN_RECV",
}
# A datagram or unix socket in TCP_CLOSE is simply not connected: "UNCONN", as ss says.
_UNCONN = "UNCONN"
STATES: tuple[str, ...] = (*dict.fromkeys(_TCP_STATES.values()), _UNCONN)

# /proc/net/unix prints a socket_state ("St") and __SO_ACCEPTCON in "Flags".
_SS_STATES = {0: _UNCONN, 1: _UNCONN, 2: "SYN_SENT", 3: "ESTABLISHED", 4: "CLOSING"}
_SO_ACCEPTCON = 0x10000

# netlink errors that mean "this kernel or sandbox does not offer sock_diag
# for this table": /proc/net is read instead.
_NO_NETLINK = frozenset({
    errno.EPROTONOSUPPORT, errno.EAFNOSUPPORT, errno.ENOENT, errno.EACCES, errno.EPERM,
    errno.EOPNOTSUPP, errno.ESOCKTNOSUPPORT, errno.EINVAL,
})


class Addr(NamedTuple):
    """An internet socket address."""

    ip: str
    port: int


class TcpInfo(NamedTuple):
    """A few tcp_info values of a TCP socket (netlink only, on request)."""

    rtt: float  # seconds
    rttvar: float  # seconds
    retransmits: int  # segments retransmitted over the connection's life
    bytes_acked: int | None
    bytes_received: int | None


Address = Union[Addr, str]


class Connection(NamedTuple):
    """One socket, or one (socket, holder) pair when several fds hold it.

    ``laddr``/``raddr`` are :class:`Addr` for inet sockets; for UNIX sockets
    they are paths ("" when unnamed; abstract names start with "\\0").
    ``raddr`` is None when there is no remote end."""

    fd: int | None
    family: socket.AddressFamily
    type: socket.SocketKind
    laddr: Address
    raddr: Address | None
    status: str
    uid: int | None
    inode: int
    rx_queue: int | None
    tx_queue: int | None
    pid: int | None
    name: str | None
    peer: int | None = None
    tcp_info: TcpInfo | None = None


# ---- reading --------------------------------------------------------------


def _check_kind(kind: str) -> tuple[tuple[int, int], ...]:
    tables = KINDS.get(kind)
    if tables is None:
        raise ValueError(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")
    return tables


def _check_source(source: str, root: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")
    if source == "netlink" and not is_live(root):
        raise ValueError("source='netlink' asks this process's network namespace; "
                         f"it cannot read the root {root!r} (use source='proc')")
    if source == "auto" and not is_live(root):
        return "proc"
    return source  # "auto" on the live root: netlink, falling back to /proc/net


def net_file(root: str, name: str) -> str:
    """<root>/proc/net/<name> for the live root.  Under another root (a host's
    /proc seen from a container) /proc/net is the reader's own network
    namespace: <root>/proc/1/net/<name> is the host's, when it is there."""
    if not is_live(root):
        init = path_of(root, f"proc/1/net/{name}")
        if os.path.exists(init):
            return init
    return path_of(root, f"proc/net/{name}")


# TCP_BOUND_INACTIVE (13): since Linux 6.6 an inet_diag dump that asks for it
# also lists TCP sockets that are only bound (no listen, no connect).
# /proc/net/tcp and `ss -tan` never show those, so the bit is left out: both
# sources give the same sockets.
_ALL_INET_STATES = 0xFFFFFFFF & ~(1 << 13)


def _states_mask(statuses: frozenset[str] | None, unix: bool) -> int:
    if statuses is None:
        return _ALL_INET_STATES
    mask = 0
    for num, nm in _TCP_STATES.items():
        if nm in statuses:
            mask |= 1 << num
    if _UNCONN in statuses or unix:
        mask |= 1 << 7
    return mask


def _dump(table: tuple[int, int], source: str, root: str, statuses: frozenset[str] | None,
          info: bool, *, netdir: str | None = None) -> tuple[list[SockRaw], str]:
    """One table's raw rows and the source they came from ("netlink"/"proc").
    netdir: read the /proc/net files from there (a process's own net/)."""
    be = _backend.current()
    family, proto = table
    if source != "proc" and netdir is None:
        # unix "UNCONN" and inet "CLOSE" share TCP_CLOSE; unix dumps ask for all
        # states so that the peer's name can be found.
        mask = _states_mask(statuses, False) if family != AF_UNIX else 0xFFFFFFFF
        try:
            rows: list[SockRaw] = be.diag_dump(family, proto, mask, info)
        except ParseError as e:
            raise ParseError("NETLINK_SOCK_DIAG reply", e.detail) from None
        except OSError as e:
            if source == "netlink" or e.errno not in _NO_NETLINK:
                raise SysmonError(f"NETLINK_SOCK_DIAG dump failed: {os.strerror(e.errno or 0)}"
                                  ) from None
        else:
            return rows, "netlink"
    name = _PROC_FILES[table]
    path = f"{netdir}/{name}" if netdir is not None else net_file(root, name)
    data = read_optional(path)
    if data is None:  # no IPv6 on this kernel, or a tree without the file
        return [], "proc"
    if family == AF_UNIX:
        return parse(path, "parse_net_unix", data), "proc"
    return parse(path, "parse_net_inet", data, family, proto), "proc"


_ip_cache: dict[bytes, str] = {}


def _ip(family: int, packed: bytes) -> str:
    s = _ip_cache.get(packed)
    if s is None:
        s = socket.inet_ntop(family, packed)
        if len(_ip_cache) > 4096:
            _ip_cache.clear()
        _ip_cache[packed] = s
    return s


def _unix_name(raw: bytes | None, source: str) -> str:
    """A unix socket's name as a str: the path, "\\0..." for abstract names."""
    if raw is None:
        return ""
    if source == "netlink":
        if raw[:1] != b"\0" and raw.endswith(b"\0"):
            raw = raw[: raw.index(b"\0")]  # a path: up to its terminating NUL
    elif raw[:1] == b"@":
        raw = b"\0" + raw[1:]  # /proc/net/unix prints abstract names with '@'
    return raw.decode("utf-8", "surrogateescape")


_FAMILIES = {f: socket.AddressFamily(f) for f in (AF_INET, AF_INET6, AF_UNIX)}
_NO_ADDR = frozenset({bytes(4), bytes(16)})  # 0.0.0.0 and ::
_TYPES: dict[int, Any] = {}


def _socktype(t: int) -> Any:
    k = _TYPES.get(t)
    if k is None:
        try:
            k = socket.SocketKind(t)
        except ValueError:
            k = t
        _TYPES[t] = k
    return k


Owners = dict[int, list[tuple[int, int]]]  # inode -> [(pid, fd), ...]
Batch = tuple[list[SockRaw], str]  # one table's raw rows and their source


def _build(batches: list[Batch], owners: Owners | None, names: dict[int, str | None],
           owned_only: bool, *, statuses: frozenset[str] | None = None,
           ports: frozenset[int] | None = None,
           unix_statuses: frozenset[str] | None = None) -> list[Connection]:
    """Raw rows to records in one pass: filtered by status and port, one
    record per holder when owners are known (see connections())."""
    # names of the unix sockets first: a peer's may come later in the dump
    # (a dump holds one family: inet tables are not walked for this)
    unix_names: dict[int, str] = {}
    for rows, src in batches:
        if rows and rows[0][0] == AF_UNIX:
            for r in rows:
                unix_names[r[8]] = _unix_name(r[12], src)
    out: list[Connection] = []
    append = out.append
    ip_cache = _ip_cache
    tcp_states = _TCP_STATES
    families = _FAMILIES
    # tuple.__new__ skips the NamedTuple's Python-level __new__: the records
    # are the same, made about twice as fast (this loop runs once per socket)
    new, conn, addr = tuple.__new__, Connection, Addr
    for rows, src in batches:
        from_proc = src == "proc"
        # a batch is one table: one family
        unix_batch = unix_statuses is not None and bool(rows) and rows[0][0] == AF_UNIX
        wanted = unix_statuses if unix_batch else statuses
        for (family, stype, proto, state, la, lport, ra, rport, inode, uid, rq, wq, raw_name,
             peer, flags, inf) in rows:
            tinfo: TcpInfo | None = None
            txq: int | None = wq
            laddr: Address
            raddr: Address | None
            if family == AF_UNIX:
                if ports is not None or inode == 0:
                    # inode 0: /proc/net/unix lists embryonic (not yet accepted)
                    # and orphaned sockets, which have no socket file, no
                    # holder, and which unix_diag never reports
                    continue
                if from_proc:
                    status = "LISTEN" if flags & _SO_ACCEPTCON else _SS_STATES.get(
                        state, _UNCONN)
                else:
                    status = _UNCONN if state == 7 else (
                        tcp_states.get(state) or f"STATE_{state}")
                laddr = unix_names.get(inode) or _unix_name(raw_name, src)
                raddr = unix_names.get(peer, "") if peer else None
            else:
                if state == 7 and proto == UDP:
                    status = _UNCONN
                else:
                    status = tcp_states.get(state) or f"STATE_{state}"
                if rport == 0 and ra in _NO_ADDR:
                    if ports is not None and lport not in ports:
                        continue
                    raddr = None
                else:
                    if ports is not None and lport not in ports and rport not in ports:
                        continue
                    raddr = new(addr, (ip_cache.get(ra) or _ip(family, ra), rport))
                laddr = new(addr, (ip_cache.get(la) or _ip(family, la), lport))
                if from_proc and state == 10:
                    # the backlog limit netlink reports for LISTEN is not in /proc/net
                    txq = None
                if inf is not None:
                    tinfo = TcpInfo(inf[0] / 1e6, inf[1] / 1e6, inf[2], inf[3], inf[4])
            if wanted is not None and status not in wanted:
                continue
            fam = families[family]
            kind = _TYPES.get(stype) or _socktype(stype)
            holders = owners.get(inode) if owners is not None and inode else None
            if holders:
                for pid, fd in holders:
                    append(new(conn, (fd, fam, kind, laddr, raddr, status, uid, inode, rq,
                                      txq, pid, names.get(pid), peer, tinfo)))
            elif not owned_only:
                append(new(conn, (None, fam, kind, laddr, raddr, status, uid, inode, rq,
                                  txq, None, None, peer, tinfo)))
    return out


def _owners(root: str, only_pid: int | None) -> tuple[Owners, dict[int, str | None]]:
    """inode -> [(pid, fd), ...] and pid -> name, from /proc/<pid>/fd links."""
    try:
        refs, names = _backend.current().scan_sockfds(proc_path(root), only_pid)
    except OSError as e:
        raise SysmonError(f"cannot read {proc_path(root)}: {os.strerror(e.errno or 0)}"
                          ) from None
    return _by_inode(refs), {
        p: None if n is None else n.decode("utf-8", "surrogateescape") for p, n in names.items()
    }


def _by_inode(refs: Iterable[SockRef]) -> Owners:
    by_inode: Owners = {}
    get = by_inode.get
    for inode, pid, fd in refs:
        holders = get(inode)
        if holders is None:
            by_inode[inode] = [(pid, fd)]
        else:
            holders.append((pid, fd))
    for holders in by_inode.values():
        if len(holders) > 1:
            holders.sort()
    return by_inode


def _as_set(status: str | Iterable[str] | None) -> frozenset[str] | None:
    if status is None:
        return None
    s = frozenset([status] if isinstance(status, str) else status)
    bad = sorted(s - set(STATES))
    if bad:
        raise ValueError(f"unknown status {', '.join(bad)}: choose from {', '.join(STATES)}")
    return s


def _ports(port: int | Collection[int] | None) -> frozenset[int] | None:
    if port is None:
        return None
    ports: list[object] = (list(port) if isinstance(port, Iterable)
                           and not isinstance(port, (str, bytes)) else [port])
    for p in ports:
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 65535:
            raise ValueError(f"a port must be an int in 0..65535, not {p!r}")
    return frozenset(p for p in ports if isinstance(p, int))


def _gather(tables: tuple[tuple[int, int], ...], source: str, root: str,
            statuses: frozenset[str] | None, info: bool, *,
            netdir: str | None = None) -> list[Batch]:
    return [_dump(t, source, root, statuses, info, netdir=netdir) for t in tables]


def connections(
    kind: str = "inet",
    pids: bool = True,
    *,
    status: str | Iterable[str] | None = None,
    port: int | Collection[int] | None = None,
    pid: int | None = None,
    tcp_info: bool = False,
    source: str = "auto",
    root: str | os.PathLike[str] | None = None,
) -> list[Connection]:
    """The sockets of ``kind`` (see KINDS), like ``ss -tanp``.

    pids: find the owning process of each socket (reads /proc/<pid>/fd).
    status: keep only these states ("LISTEN", "ESTABLISHED", "UNCONN", ...).
    port: keep sockets whose local or remote port is one of these.
    pid: keep only the sockets this process holds (implies pids).
    tcp_info: add rtt, retransmits and byte counts of TCP sockets (netlink).
    source: "auto" (netlink on the live root, /proc/net where netlink is
    refused and under any other root), "netlink" (an error when refused) or
    "proc" (read /proc/net/* even on the live root).
    """
    return _connections(kind, pids, _as_set(status), None, port=port, pid=pid,
                        tcp_info=tcp_info, source=source, root=root)


def _connections(kind: str, pids: bool, statuses: frozenset[str] | None,
                 unix_statuses: frozenset[str] | None, *, port: int | Collection[int] | None,
                 pid: int | None, tcp_info: bool, source: str,
                 root: str | os.PathLike[str] | None) -> list[Connection]:
    """connections(), with ``unix_statuses`` (when given) kept for unix
    sockets instead of ``statuses`` (listening() wants ESTABLISHED there
    only; unix dumps ask for every state anyway, so nothing more is read)."""
    tables = _check_kind(kind)
    r = resolve_root(root)
    src = _check_source(source, r)
    ports = _ports(port)
    check_root(r)
    check_root(proc_path(r))
    if pid is not None:
        return _one_process(pid, r, kind, tcp_info=tcp_info, source=source,
                            statuses=statuses, ports=ports, unix_statuses=unix_statuses)
    batches = _gather(tables, src, r, statuses, tcp_info)
    owners, names = _owners(r, None) if pids else (None, {})
    return _build(batches, owners, names, False, statuses=statuses, ports=ports,
                  unix_statuses=unix_statuses)


def _one_process(pid: int, root: str, kind: str, *, tcp_info: bool, source: str,
                 statuses: frozenset[str] | None, ports: frozenset[int] | None,
                 unix_statuses: frozenset[str] | None = None) -> list[Connection]:
    """connections(pid=...): through a sysmon.Process handle, so the pid gets
    every check a single-process call makes (gone: NoSuchProcess, refused or
    hidden: AccessDenied, a thread id: NoSuchProcess, a zombie:
    ZombieProcess).  The name is its comm, as the whole table gives it."""
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        raise ValueError(f"pid must be a positive int, not {pid!r}")
    # Imported here: sysmon.process imports this module for Connection.
    from sysmon.process import Process  # noqa: PLC0415

    with Process(pid, root) as p:
        conns = p._connections(kind, tcp_info=tcp_info, source=source,
                               statuses=statuses, ports=ports, unix_statuses=unix_statuses)
        comm = p._call(comm_of)  # the name as the whole table reads it
    if comm is None:
        return conns
    text = comm.decode("utf-8", "surrogateescape")
    return [c._replace(name=text) for c in conns]


def listening(
    kind: str = "inet",
    pids: bool = True,
    *,
    port: int | Collection[int] | None = None,
    pid: int | None = None,
    source: str = "auto",
    root: str | os.PathLike[str] | None = None,
) -> list[Connection]:
    """Sockets waiting for peers, like ``ss -tulpn``: sockets in LISTEN, and
    bound datagram sockets (UDP, UNIX) with no remote end.

    Unlike ``ss -xl``, a bound UNIX datagram socket that clients have
    connect()ed to stays listed: since Linux 5.18 that marks it ESTABLISHED
    too, though it has no peer of its own and still receives from anyone
    (/dev/log after the first syslog(3) call).  Only netlink can tell it from
    a connected client (/proc/net/unix has no peers): from /proc/net it is
    left out, as ss -xl leaves it out."""
    # ESTABLISHED for unix sockets only: inet ones are not dumped for it
    conns = _connections(kind, pids, frozenset(("LISTEN", _UNCONN)),
                         frozenset(("LISTEN", _UNCONN, "ESTABLISHED")), port=port, pid=pid,
                         tcp_info=False, source=source, root=root)
    return [c for c in conns if c.status == "LISTEN" or _bound_unconnected(c)]


def _bound_unconnected(c: Connection) -> bool:
    """A datagram socket with a local name and no peer: it receives from anyone."""
    if c.family == AF_UNIX:
        if c.type != socket.SOCK_DGRAM or c.laddr == "" or c.peer is not None:
            return False
        # ESTABLISHED: a client's (it has a peer) or a server clients connected
        # to (none).  Only sock_diag tells peers, and it is the source that
        # gives unix sockets a uid (Linux 5.3+; servers are ESTABLISHED since
        # 5.18 only); /proc/net/unix gives neither, so there it cannot tell.
        return c.status == _UNCONN or c.uid is not None
    return c.raddr is None and isinstance(c.laddr, Addr) and c.laddr.port != 0


def _own_netns(dirfd: int, root: str) -> bool:
    """Whether the process of dirfd shares the network namespace we read
    (ours on the live root, <root>/proc/1's under another); True when that
    cannot be told (ns/net is denied to other users' processes)."""
    ref = "/proc/self/ns/net" if is_live(root) else path_of(root, "proc/1/ns/net")
    try:
        theirs = os.stat("ns/net", dir_fd=dirfd)
        ours = os.stat(ref)
    except OSError:
        return True
    return (theirs.st_ino, theirs.st_dev) == (ours.st_ino, ours.st_dev)


def process_connections(dirfd: int, pid: int, root: str, kind: str = "inet", *,
                        tcp_info: bool = False, source: str = "auto",
                        statuses: frozenset[str] | None = None,
                        ports: frozenset[int] | None = None,
                        unix_statuses: frozenset[str] | None = None) -> list[Connection]:
    """The sockets one process holds, through its held /proc/<pid> fd.  A
    process in another network namespace has its sockets read from its own
    net/ directory (through the held fd): netlink sees only ours."""
    tables = _check_kind(kind)
    src = _check_source(source, root)
    netdir = None
    if not _own_netns(dirfd, root):
        if src == "netlink":
            raise SysmonError(f"process {pid} is in another network namespace, which "
                              "netlink cannot see from here: use source='auto' or 'proc'")
        netdir = f"/proc/self/fd/{dirfd}/net"
    try:
        refs: list[SockRef] | None = _backend.current().read_sockfds(dirfd, pid)
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM):
            raise AccessDenied(pid, f"{proc_path(root)}/{pid}/fd") from None
        raise SysmonError(f"cannot read {proc_path(root)}/{pid}/fd: "
                          f"{os.strerror(e.errno or 0)}") from None
    if refs is None:
        try:  # no fd directory: gone, or (a fixture tree) never had one
            os.listdir(dirfd)
        except OSError:
            raise NoSuchProcess(pid, f"{proc_path(root)}/{pid}") from None
        refs = []
    batches = _gather(tables, src, root, statuses, tcp_info, netdir=netdir)
    return _build(batches, _by_inode(refs), {}, True, statuses=statuses, ports=ports,
                  unix_statuses=unix_statuses)


__all__ = ["KINDS", "STATES", "Addr", "Connection", "TcpInfo", "connections", "listening"]
