"""Human-readable sizes, terminal names and socket ends, shared by the command
line and the terminal UI (raw text: the callers sanitize before printing)."""

from __future__ import annotations

import socket

from sysmon.sockets import Addr, Connection

_UNITS = ("K", "M", "G", "T", "P", "E")


def human_bytes(n: int) -> str:
    """Bytes in 1024-based units: 0, 512B, 4.0K, 12K, 1.5M, 3.2G (one decimal
    below 10, whole numbers from 10; a value that would round to 1024 of a
    unit is shown in the next one)."""
    if n < 1024:
        return "0" if n == 0 else f"{n}B"
    value = float(n)
    unit = ""
    for u in _UNITS:
        value /= 1024.0
        unit = u
        if value < 1023.5 or u == _UNITS[-1]:
            break
    if value < 9.95:
        return f"{value:.1f}{unit}"
    return f"{round(value):d}{unit}"


def tty_name(dev: int) -> str:
    """A tty_nr device number as ps names it: ``?`` (none), ``pts/N``,
    ``ttyN``, ``ttySN``, ``console``, else ``major:minor``."""
    if dev == 0:
        return "?"
    major = (dev >> 8) & 0xFFF
    minor = (dev & 0xFF) | ((dev >> 12) & 0xFFF00)
    if 136 <= major <= 143:
        return f"pts/{(major - 136) * 256 + minor}"
    if major == 4:
        return f"tty{minor}" if minor < 64 else f"ttyS{minor - 64}"
    if major == 5 and minor == 1:
        return "console"
    return f"{major}:{minor}"


_UNIX_NETID = {socket.SOCK_STREAM: "u_str", socket.SOCK_DGRAM: "u_dgr",
               socket.SOCK_SEQPACKET: "u_seq"}
_INET_NETID = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp", socket.SOCK_RAW: "raw"}


def netid(c: Connection) -> str:
    """ss's Netid: tcp, tcp6, udp, udp6, raw, raw6, u_str, u_dgr, u_seq."""
    if c.family == socket.AF_UNIX:
        return _UNIX_NETID.get(c.type, "unix")
    base = _INET_NETID.get(c.type, str(int(c.type)))
    return base + ("6" if c.family == socket.AF_INET6 else "")


def endpoint(a: Addr | str | None, *, any_port: bool = False, none: str = "*") -> str:
    """One end of a socket as ss prints it: 127.0.0.1:80, [::1]:80 (port 0
    as * with ``any_port``), UNIX paths as is, abstract names with '@', an
    unnamed UNIX end as *, no end at all as ``none``."""
    if a is None:
        return none
    if isinstance(a, Addr):
        ip = f"[{a.ip}]" if ":" in a.ip else a.ip
        return f"{ip}:{'*' if any_port and not a.port else a.port}"
    if a.startswith("\0"):
        return "@" + a[1:]
    return a or "*"
