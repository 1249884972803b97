"""Registry entries for sockets (part of sysmon.fields): the attributes of
``sysmon.Connection``, ``sysmon.Addr`` and ``sysmon.TcpInfo``.

Each names both sources: the NETLINK_SOCK_DIAG reply (inet_diag_msg,
unix_diag_msg and their attributes) read on the live root, and the
/proc/net/{tcp,tcp6,udp,udp6,unix} column read elsewhere or as a fallback.
"""

from __future__ import annotations

from sysmon.fields_system import Spec

_INET = "inet_diag_msg"
_PROC = "/proc/net/{tcp,udp}[6]"
_UNIX = "/proc/net/unix"


# The column of `sysmon connections` / `sysmon ports` that shows each field
# (ss's names); the CLI takes its titles from here.
_COLUMNS = {
    "family": "NETID", "type": "NETID", "status": "STATE", "rx_queue": "RECV-Q",
    "tx_queue": "SEND-Q", "laddr": "LOCAL", "raddr": "PEER", "pid": "PID", "fd": "FD",
    "name": "PROCESS",
}


def _connection() -> list[Spec]:
    return [s._replace(title=_COLUMNS.get(s.name.split(".", 1)[1], ""))
            for s in _connection_specs()]


def _connection_specs() -> list[Spec]:
    c = "connection"
    return [
        Spec(f"{c}.fd", "int | None", "fd number",
             "/proc/<pid>/fd/<fd> whose link reads socket:[inode]",
             "the link's name; None when no visible process holds the socket",
             "the file descriptor holding the socket (one record per holder)"),
        Spec(f"{c}.family", "socket.AddressFamily", "enum",
             f"{_INET} idiag_family / unix_diag_msg udiag_family; the /proc/net file read",
             "as is", "AF_INET, AF_INET6 or AF_UNIX"),
        Spec(f"{c}.type", "socket.SocketKind", "enum",
             f"the table (TCP: SOCK_STREAM, UDP: SOCK_DGRAM); udiag_type / {_UNIX} Type",
             "as is", "SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET"),
        Spec(f"{c}.laddr", "Addr | str", "address",
             f"{_INET} id.idiag_src, idiag_sport / {_PROC} local_address; "
             f"UNIX_DIAG_NAME / {_UNIX} Path",
             "inet_ntop of the address bytes (/proc/net prints 32-bit words in host byte "
             "order); unix: the path up to its NUL, abstract names as '\\0name' "
             "(/proc/net/unix prints '@name' and turns inner NULs into '@')",
             "the local end: (ip, port), or a unix socket's name ('' when unnamed)"),
        Spec(f"{c}.raddr", "Addr | str | None", "address",
             f"{_INET} id.idiag_dst, idiag_dport / {_PROC} rem_address; unix: the name "
             "of the socket whose inode is UNIX_DIAG_PEER",
             "as laddr; None when the remote end is 0.0.0.0:0 / :::0 or a unix socket has "
             "no peer (always, from /proc/net/unix)",
             "the remote end"),
        Spec(f"{c}.status", "str", "state",
             f"{_INET} idiag_state / {_PROC} st (TCP_* numbers); udiag_state; "
             f"{_UNIX} St (SS_*) and Flags (0x10000 = listening)",
             "name of the TCP state (NEW_SYN_RECV shown as SYN_RECV); a UDP or unix socket "
             "in TCP_CLOSE, or SS_UNCONNECTED, is UNCONN",
             "LISTEN, ESTABLISHED, TIME_WAIT, UNCONN, ..."),
        Spec(f"{c}.uid", "int | None", "uid",
             f"{_INET} idiag_uid / {_PROC} uid; UNIX_DIAG_UID (Linux 5.3+)",
             "as is; None for unix sockets read from /proc/net/unix",
             "the user that created the socket"),
        Spec(f"{c}.inode", "int", "inode",
             f"{_INET} idiag_inode / {_PROC} inode; udiag_ino / {_UNIX} Inode",
             "as is (0 for TCP TIME_WAIT and SYN_RECV entries, which have no socket file; "
             "unix sockets with inode 0, which /proc/net/unix lists and unix_diag does not, "
             "are left out)",
             "the socket's inode: the N of socket:[N] in /proc/<pid>/fd"),
        Spec(f"{c}.rx_queue", "int | None", "bytes",
             f"{_INET} idiag_rqueue / {_PROC} rx_queue; UNIX_DIAG_RQLEN udiag_rqueue",
             "as is; for LISTEN, connections waiting to be accepted; None from "
             "/proc/net/unix",
             "data received and not yet read"),
        Spec(f"{c}.tx_queue", "int | None", "bytes",
             f"{_INET} idiag_wqueue / {_PROC} tx_queue; UNIX_DIAG_RQLEN udiag_wqueue",
             "as is; for TCP LISTEN, netlink gives the backlog limit (ss's Send-Q) and "
             "/proc/net does not (None); None from /proc/net/unix",
             "data sent and not yet acknowledged (TCP) or not yet sent"),
        Spec(f"{c}.pid", "int | None", "pid",
             "the /proc/<pid> directory whose fd/ holds socket:[inode]",
             "None when asked without pids, or no process we may read holds it",
             "the process holding the socket"),
        Spec(f"{c}.name", "str | None", "text", "/proc/<pid>/comm of that pid",
             "without the newline; None when there is no pid, or comm cannot be read",
             "the holding process's name"),
        Spec(f"{c}.peer", "int | None", "inode", "unix_diag UNIX_DIAG_PEER",
             "as is; None for inet sockets, unconnected ones and /proc/net/unix",
             "the inode of a unix socket's peer"),
        Spec(f"{c}.tcp_info", "TcpInfo | None", "record",
             "inet_diag INET_DIAG_INFO (struct tcp_info), when asked with tcp_info=True",
             "None for UDP and unix, from /proc/net, or when not asked",
             "TCP internals: see the tcp_info.* fields"),
    ]


def _addr_and_info() -> list[Spec]:
    ti = "INET_DIAG_INFO struct tcp_info"
    return [
        Spec("addr.ip", "str", "address", f"{_INET} idiag_src/idiag_dst / {_PROC} address",
             "inet_ntop (IPv4-mapped IPv6 addresses print as ::ffff:a.b.c.d); the "
             "interface of a link-local IPv6 address (ss's fe80::1%eth0) is not kept",
             "the IP address, as text"),
        Spec("addr.port", "int", "port", f"{_INET} idiag_sport/idiag_dport (network order) "
             f"/ {_PROC} port (hex)", "as is", "the port"),
        Spec("tcp_info.rtt", "float", "seconds", f"{ti} tcpi_rtt, microseconds",
             "us / 1e6", "smoothed round-trip time"),
        Spec("tcp_info.rttvar", "float", "seconds", f"{ti} tcpi_rttvar, microseconds",
             "us / 1e6", "round-trip time variation"),
        Spec("tcp_info.retransmits", "int", "segments", f"{ti} tcpi_total_retrans",
             "as is", "segments retransmitted over the connection's life"),
        Spec("tcp_info.bytes_acked", "int | None", "bytes", f"{ti} tcpi_bytes_acked",
             "as is; None on kernels whose tcp_info is shorter (before 4.1)",
             "bytes sent and acknowledged by the peer"),
        Spec("tcp_info.bytes_received", "int | None", "bytes", f"{ti} tcpi_bytes_received",
             "as is; None on kernels whose tcp_info is shorter (before 4.1)",
             "bytes received from the peer"),
    ]


NET_SPECS: tuple[Spec, ...] = (*_connection(), *_addr_and_info())
