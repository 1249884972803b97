"""``sysmon cpu``: CPU counts and limits, load, uptime, kernel counters,
pressure (PSI), temperatures, and a per-CPU usage table like ``mpstat -P
ALL`` measured over ``--interval`` (with a MHz column where cpufreq is
exposed).  Sensor names are kernel text: shown sanitized.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
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
    pairs,
    prepare,
    run_frames,
    stdout,
    table,
)

DESCRIPTION = """\
Show CPU counts (online, possible, and what this cgroup can use: cpuset and
quota), load average, tasks, uptime, context switches, interrupts and forks
since boot, pressure stall information (share of time tasks waited for CPU,
memory or I/O, averaged over 10, 60 and 300 s), temperatures, and the share
of time each CPU spent in each mode over --interval SECONDS (default 0.5).
%busy is everything but idle and iowait; %user and %nice include guest time,
as the kernel counts it (mpstat subtracts it).  JSON: one object, raw units, keys
as in `sysmon explain` (cpu_limits, loadavg, cpu_stats, cpu_percent, ...)."""

MODES = ("busy", "user", "nice", "system", "iowait", "irq", "softirq", "steal", "idle")
PSI = ("cpu", "memory", "io")


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "cpu",
        help="CPU counts, load, pressure, and usage per CPU",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_interval(p, "measure usage over SECONDS (default 0.5)", 0.5)
    add_common(p, json_help="print one JSON object, raw units (seconds, percent, hertz)")
    p.set_defaults(run=run)


# ---------------------------------------------------------------- text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def duration(seconds: float) -> str:
    """Uptime as "3 days, 04:05:06" (whole seconds)."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{_plural(days, 'day')}, {clock}" if days else clock


def _count(value: int | None) -> str:
    return UNAVAILABLE if value is None else str(value)


def limits_text(lim: sysmon.CpuLimits) -> str:
    possible = "" if lim.possible is None else f"{lim.possible} possible, "
    text = f"{lim.online} online, {possible}{lim.effective} effective"
    why = []
    if lim.cpuset is not None:
        why.append(f"cpuset {lim.cpuset}")
    if lim.quota is not None:
        why.append(f"quota {lim.quota:.2f}")
    return f"{text} ({', '.join(why) if why else 'no cgroup limit'})"


def psi_text(p: sysmon.Pressure | None) -> str:
    if p is None:
        return "unavailable"
    parts = []
    for kind, s in (("some", p.some), ("full", p.full)):
        if s is not None:
            parts.append(f"{kind} avg10={s.avg10:.2f} avg60={s.avg60:.2f} avg300={s.avg300:.2f}")
    return ", ".join(parts) if parts else "unavailable"


def temperature_text(t: sysmon.Temperature) -> str:
    extra = []
    if t.high is not None:
        extra.append(f"high {t.high:.1f} C")
    if t.critical is not None:
        extra.append(f"critical {t.critical:.1f} C")
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"{t.sensor} {t.label}: {t.current:.1f} C{tail}"


def summary(
    snap: sysmon.Snapshot, lim: sysmon.CpuLimits, temps: list[sysmon.Temperature]
) -> list[tuple[str, str]]:
    la, st = snap.loadavg, snap.cpu_stats
    since = ""
    if st.boot_time is not None:
        try:
            since = time.strftime(" (booted %Y-%m-%d %H:%M:%S)", time.localtime(st.boot_time))
        except (OverflowError, OSError, ValueError):
            since = ""  # a btime no calendar can show: left out
    rows = [
        ("CPUs:", limits_text(lim)),
        ("Load average:", f"{la.load1:.2f} {la.load5:.2f} {la.load15:.2f}"),
        ("Tasks:", f"{la.total} total, {_count(st.procs_running)} running, "
                   f"{_count(st.procs_blocked)} blocked"),
        ("Uptime:", duration(snap.uptime) + since),
        ("Since boot:", f"{_count(st.ctx_switches)} context switches, "
                        f"{_count(st.interrupts)} interrupts, "
                        f"{_count(st.soft_interrupts)} soft interrupts, "
                        f"{_count(st.forks)} forks"),
    ]
    rows += [(f"Pressure {r}:", psi_text(snap.pressure.get(r))) for r in PSI]
    rows += [("Temperature:" if i == 0 else "", temperature_text(t))
             for i, t in enumerate(temps)]
    return rows


def usage_rows(
    sample: sysmon.SystemSample, freq: Mapping[int, sysmon.CpuFreq]
) -> list[list[str]]:
    """One row for all CPUs, then one per CPU: percent per mode (and MHz)."""
    def row(label: str, pct: sysmon.CpuPercent | None, mhz: list[str]) -> list[str]:
        if pct is None:
            return [label] + [UNAVAILABLE] * len(MODES) + mhz
        return [label, *(fixed(getattr(pct, m)) for m in MODES), *mhz]

    def mhz(cpu: int | None) -> list[str]:
        if not freq:
            return []
        f = freq.get(cpu) if cpu is not None else None
        return [UNAVAILABLE if f is None or f.current is None else f"{f.current / 1e6:.0f}"]

    rows = [row("all", sample.cpu_percent, mhz(None))]
    rows += [row(str(cpu), pct, mhz(cpu)) for cpu, pct in sorted(sample.percpu.items())]
    return rows


# ---------------------------------------------------------------- command


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = stdout(out)
    prepare(args)
    root: str | None = args.root
    rates = Rates(root, args.interval)

    def frame() -> Frame:
        sample = rates.sample()
        snap = sample.snapshot
        lim = sysmon.cpu_limits(root=root)
        freq = sysmon.cpu_freq(root=root)
        temps = sysmon.temperatures(root=root)
        if args.json:
            return {
                "cpu_limits": lim,
                "loadavg": snap.loadavg,
                "uptime": sysmon.uptime(root=root),
                "cpu_stats": snap.cpu_stats,
                "pressure": snap.pressure,
                "cpu_freq": freq,
                "temperatures": temps,
                "cpu_times": snap.cpu_times,
                "interval": sample.interval,
                "cpu_percent": sample.cpu_percent,
                "percpu": sample.percpu,
            }
        titles = [("CPU", "<"), *((f"%{m}", ">") for m in MODES)]
        if freq:
            titles.append(("MHz", ">"))
        lines = pairs(summary(snap, lim, temps), stream)
        lines.append("")
        lines += table(titles, usage_rows(sample, freq), stream)
        return lines

    return run_frames(frame, args.watch, stream)
