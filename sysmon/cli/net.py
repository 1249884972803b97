"""``sysmon net``: network interfaces, their counters and, with
``--interval``, their rates (like ``sar -n DEV`` and ``sar -n EDEV``).

Interface names are kernel text: the table shows control and bidi
characters as escapes, JSON keeps them exact (ASCII-escaped).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import TextIO

import sysmon
from sysmon.cli._output import SubParsers
from sysmon.cli._system import (
    UNAVAILABLE,
    Frame,
    Rates,
    add_common,
    add_interval,
    fixed,
    human_parser,
    prepare,
    run_frames,
    stdout,
    table,
)
from sysmon.units import human_bytes

DESCRIPTION = """\
Show every network interface with its counters since it came up (bytes,
packets, errors, drops received and sent), from /proc/net/dev.  With
--interval SECONDS show instead the rates over that interval, per second.
-h shows bytes in 1024-based units.  JSON: {"net_io": {IFACE: {...}},
"net_rate": {IFACE: {...} or null}, "interval": seconds}, raw units; keys
as in `sysmon explain net_io.rx_bytes` and `sysmon explain net_rate.rx_bytes_per_s`."""

COUNTERS = ("rx_bytes", "rx_packets", "rx_errors", "rx_drops",
            "tx_bytes", "tx_packets", "tx_errors", "tx_drops")
# sar -n DEV / EDEV names, in bytes rather than kB
RATE_TITLES = (("rxB/s", "rx_bytes_per_s"), ("txB/s", "tx_bytes_per_s"),
               ("rxpck/s", "rx_packets_per_s"), ("txpck/s", "tx_packets_per_s"),
               ("rxerr/s", "rx_errors_per_s"), ("txerr/s", "tx_errors_per_s"),
               ("rxdrop/s", "rx_drops_per_s"), ("txdrop/s", "tx_drops_per_s"))


def add_parser(sub: SubParsers) -> None:
    p = human_parser(sub, "net", "network interfaces: counters, rates with --interval", DESCRIPTION)
    p.add_argument("-h", "--human", action="store_true",
                   help="bytes in 1024-based units (1.5K, 12M)")
    add_interval(p, "show rates per second, measured over SECONDS", None)
    add_common(p, json_help="print one JSON object, raw units (bytes, seconds)")
    p.set_defaults(run=run)


def counter_rows(io: Mapping[str, sysmon.NetIO], human: bool) -> list[list[str]]:
    rows = []
    for name, c in io.items():
        values = [getattr(c, k) for k in COUNTERS]
        cells = [human_bytes(v) if human and k.endswith("bytes") else str(v)
                 for k, v in zip(COUNTERS, values)]
        rows.append([name, *cells])
    return rows


def rate_rows(sample: sysmon.SystemSample, human: bool) -> list[list[str]]:
    def shown(attr: str) -> Callable[[float], str]:
        if attr.endswith("bytes_per_s"):
            return (lambda v: human_bytes(round(v))) if human else (lambda v: f"{v:.0f}")
        return fixed

    rows = []
    for name in sample.snapshot.net_io:
        r = sample.net.get(name)
        if r is None:
            rows.append([name] + [UNAVAILABLE] * len(RATE_TITLES))
            continue
        rows.append([name, *(shown(a)(getattr(r, a)) for _, a in RATE_TITLES)])
    return rows


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = stdout(out)
    prepare(args)
    root: str | None = args.root
    human: bool = args.human
    interval: float | None = args.interval
    rates = Rates(root, interval) if interval is not None else None

    def frame() -> Frame:
        if rates is None:
            io = sysmon.net_io(root=root)
            if args.json:
                return {"net_io": io}
            titles = [("IFACE", "<"), *((sysmon.FIELDS[f"net_io.{k}"].title, ">")
                                        for k in COUNTERS)]
            return table(titles, counter_rows(io, human), stream)
        sample = rates.sample()
        if args.json:
            return {"net_io": sample.snapshot.net_io, "net_rate": sample.net,
                    "interval": sample.interval}
        titles = [("IFACE", "<"), *((t, ">") for t, _ in RATE_TITLES)]
        return table(titles, rate_rows(sample, human), stream)

    return run_frames(frame, args.watch, stream)
