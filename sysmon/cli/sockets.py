"""``sysmon ports`` (listening sockets and who holds them, like ``ss -tulpn``)
and ``sysmon connections`` (every socket, filterable, like ``ss -tanp``).

Unix socket names and process names are attacker-controlled text: the table
shows control and bidi characters as escapes, JSON keeps them exact
(ASCII-escaped).  Abstract unix names show as "@name" in the table and as
"\\u0000name" in JSON.  As in ss, a unix socket's LOCAL and PEER end with
inodes (the peer's from netlink), which tell unnamed sockets apart.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Sequence
from typing import TextIO

import sysmon
from sysmon.cli._output import SubParsers, UsageError
from sysmon.cli._system import (
    Frame,
    add_common,
    prepare,
    run_frames,
    stdout,
    table,
)
from sysmon.sockets import KINDS, SOURCES, STATES
from sysmon.units import endpoint, netid

PORTS_DESCRIPTION = """\
Show the sockets waiting for peers, with the process that holds each, like
`ss -tulpn`: TCP sockets in LISTEN and bound UDP sockets with no remote end
(with --kind unix or all, UNIX listeners and bound datagram sockets too,
also once clients have connected to them, which `ss -xl` leaves out).
Processes this user may not inspect leave PID and PROCESS empty.  JSON:
{"connections": [...]}, one object per socket and holder (`sysmon explain
connection.status` and friends)."""

CONNECTIONS_DESCRIPTION = """\
Show every socket of a kind with its state, queues, ends and holding process,
like `ss -tanp` (default kind inet: TCP and UDP over IPv4 and IPv6).  Filter
with --state, --port and --pid.  On the live system the kernel is asked over
netlink (sock_diag); with --root, or --source proc, /proc/net is read.  JSON:
{"connections": [...]}, raw values (`sysmon explain connection.rx_queue`)."""

def _add_filters(p: argparse.ArgumentParser, default_kind: str) -> None:
    p.add_argument("--kind", default=default_kind, choices=tuple(KINDS),
                   help=f"which sockets (default {default_kind})")
    p.add_argument("--port", type=_port, action="append", metavar="PORT",
                   help="only sockets with this local or remote port (repeatable)")
    p.add_argument("--pid", type=_pid, metavar="PID", help="only sockets this process holds")
    p.add_argument("-n", "--no-pids", action="store_true",
                   help="do not look for holding processes (faster)")
    p.add_argument("--source", default="auto", choices=SOURCES,
                   help="netlink (sock_diag) or /proc/net; auto: netlink on the live root")


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser("ports", help="listening sockets and their processes (ss -tulpn)",
                       description=PORTS_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_filters(p, "inet")
    add_common(p, json_help="print one JSON object, raw values")
    p.set_defaults(run=run_ports)

    c = sub.add_parser("connections", help="sockets, their states and processes (ss -tanp)",
                       description=CONNECTIONS_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_filters(c, "inet")
    c.add_argument("--state", action="append", metavar="STATE", type=_state,
                   help="only sockets in this state, e.g. LISTEN, ESTABLISHED, TIME_WAIT, "
                   "UNCONN (repeatable, or comma-separated)")
    add_common(c, json_help="print one JSON object, raw values")
    c.set_defaults(run=run_connections)


def _int_arg(text: str, what: str, hi: int) -> int:
    try:
        v = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a number, not {text!r}") from None
    if not 0 <= v <= hi:
        raise argparse.ArgumentTypeError(f"{what} must be 0..{hi}, not {v}")
    return v


def _port(text: str) -> int:
    return _int_arg(text, "a port", 65535)


def _pid(text: str) -> int:
    v = _int_arg(text, "a pid", 2**31 - 1)
    if v == 0:
        raise argparse.ArgumentTypeError("a pid must be positive")
    return v


def _state(text: str) -> list[str]:
    names = [s.strip().upper().replace("-", "_") for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in STATES]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown state {text!r}: choose from {', '.join(STATES)}")
    return names


def show_addr(a: sysmon.Addr | str | None, listening: bool = False) -> str:
    """An end as ss prints it (a listening socket's missing peer: nothing)."""
    return endpoint(a, none="" if listening else "*")


def _opt(v: int | str | None) -> str:
    return "" if v is None else str(v)


def _sort_key(c: sysmon.Connection) -> tuple[str, int, str, int, str, int]:
    la, ra = c.laddr, c.raddr
    lport = la.port if isinstance(la, sysmon.Addr) else 0
    lip = la.ip if isinstance(la, sysmon.Addr) else la
    rport = ra.port if isinstance(ra, sysmon.Addr) else 0
    rip = ra.ip if isinstance(ra, sysmon.Addr) else (ra or "")
    return (netid(c), lport, lip, rport, rip, c.inode)


def as_json(c: sysmon.Connection) -> dict[str, object]:
    """A record as JSON: enum names for family and type, ends as objects."""
    d = c._asdict()
    d["family"] = c.family.name
    d["type"] = c.type.name if isinstance(c.type, socket.SocketKind) else c.type
    for k in ("laddr", "raddr"):
        v = d[k]
        d[k] = v._asdict() if isinstance(v, sysmon.Addr) else v
    d["tcp_info"] = None if c.tcp_info is None else c.tcp_info._asdict()
    return d


def _fetch(args: argparse.Namespace, listening: bool) -> list[sysmon.Connection]:
    ports: list[int] | None = args.port
    pid: int | None = args.pid
    if pid is not None and args.no_pids:
        raise UsageError("--pid needs the holding processes: drop --no-pids")
    try:
        if listening:
            conns = sysmon.listening(args.kind, not args.no_pids, port=ports, pid=pid,
                                     source=args.source, root=args.root)
        else:
            states: list[list[str]] | None = args.state
            status = None if states is None else [s for group in states for s in group]
            conns = sysmon.connections(args.kind, not args.no_pids, status=status,
                                       port=ports, pid=pid, source=args.source,
                                       root=args.root)
    except ValueError as e:  # e.g. --source netlink with --root
        raise UsageError(str(e)) from None
    return sorted(conns, key=_sort_key)


def _rows(conns: Sequence[sysmon.Connection], listening: bool) -> list[list[str]]:
    rows = []
    for c in conns:
        local, peer = show_addr(c.laddr), show_addr(c.raddr, listening)
        if c.family == socket.AF_UNIX:  # as ss: the inodes tell unnamed sockets apart
            local = f"{local} {c.inode}"
            peer = f"{show_addr(c.raddr) if c.raddr else '*'} {c.peer}" if c.peer else "*"
        row = [netid(c), c.status, _opt(c.rx_queue), _opt(c.tx_queue), local, peer]
        if listening:
            del row[5]
        rows.append([*row, _opt(c.pid), _opt(c.fd), c.name or ""])
    return rows


def _run(args: argparse.Namespace, out: TextIO | None, listening: bool) -> int:
    stream = stdout(out)
    prepare(args)
    titles = [(sysmon.FIELDS[f"connection.{attr}"].title, align) for attr, align in (
        ("family", "<"), ("status", "<"), ("rx_queue", ">"), ("tx_queue", ">"),
        ("laddr", "<"), ("raddr", "<"), ("pid", ">"), ("fd", ">"), ("name", "<"))]
    if listening:
        del titles[5]

    def frame() -> Frame:
        conns = _fetch(args, listening)
        if args.json:
            return {"connections": [as_json(c) for c in conns]}
        return table(titles, _rows(conns, listening), stream)

    return run_frames(frame, args.watch, stream)


def run_ports(args: argparse.Namespace, out: TextIO | None = None) -> int:
    return _run(args, out, listening=True)


def run_connections(args: argparse.Namespace, out: TextIO | None = None) -> int:
    return _run(args, out, listening=False)
