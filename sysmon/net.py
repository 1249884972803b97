"""Network interfaces: the counters of /proc/net/dev."""

from __future__ import annotations

from typing import NamedTuple

from sysmon._host import resolve_root
from sysmon._sysread import load, path_of


class NetIO(NamedTuple):
    """Counters of one interface since it came up (/proc/net/dev)."""

    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_drops: int
    rx_fifo: int
    rx_frame: int
    rx_compressed: int
    rx_multicast: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_drops: int
    tx_fifo: int
    tx_collisions: int
    tx_carrier: int
    tx_compressed: int


def net_raw_by_name(rows: list[tuple[bytes, tuple[int, ...]]]) -> dict[str, tuple[int, ...]]:
    """name -> counters; the first line of a name wins."""
    out: dict[str, tuple[int, ...]] = {}
    for name, v in rows:
        out.setdefault(name.decode("utf-8", "surrogateescape"), v)
    return out


def net_io_from(rows: list[tuple[bytes, tuple[int, ...]]]) -> dict[str, NetIO]:
    return {k: NetIO._make(v) for k, v in net_raw_by_name(rows).items()}


def net_io(*, root: str | None = None) -> dict[str, NetIO]:
    """Every interface's counters, by name (<root>/proc/net/dev)."""
    r = resolve_root(root)
    return net_io_from(load(path_of(r, "proc/net/dev"), "parse_netdev"))


__all__ = ["NetIO", "net_io"]
