"""Hand-made snapshots for the TUI model tests: real sysmon records
(ProcessInfo, ProcessSample, SystemSample, Memory, ...) with chosen values,
no system reads."""

from __future__ import annotations

import dataclasses
import socket
import unicodedata
from collections.abc import Iterable

import sysmon
from sysmon.sanitize import display_width
from sysmon.tui import model as m
from sysmon.tui.model import MEANINGS, Details, Frame, Line, Snapshot

H = 24  # the default terminal of the tests
W = 100
GiB = 1 << 30
MiB = 1 << 20
TAKEN = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC

# Names that must never reach a terminal raw.
HOSTILE = (
    "evil\x1b]0;pwned\x07",
    "\u202eevil",
    "\x1b[2J",
    "a\nb",
    "bad\udcffbyte",
    "wide漢字名前",
)


def proc(
    pid: int,
    name: str = "proc",
    *,
    ppid: int = 1,
    cmdline: list[str] | None = None,
    state: str = "S",
    user: str = "alice",
    uid: int = 1000,
    rss: int | None = 10 * MiB,
    vms: int = 100 * MiB,
    cpu_time: float | None = 1.5,
    start: int | None = None,
    nice: int = 0,
) -> sysmon.ProcessInfo:
    """A process record with every field set (cmdline None: [name])."""
    return sysmon.ProcessInfo(
        pid=pid, ppid=ppid, name=name, cmdline=[name] if cmdline is None else cmdline,
        state=state, uid=uid, euid=uid, gid=uid, egid=uid, username=user, num_threads=1,
        create_time=TAKEN - 3600.0, start_ticks=pid * 10 if start is None else start,
        cpu_user=None if cpu_time is None else cpu_time * 0.75,
        cpu_system=None if cpu_time is None else cpu_time * 0.25,
        cpu_time=cpu_time, rss=rss, vms=vms, shared=rss // 4 if rss is not None else None,
        nice=nice, priority=20 + nice, tty_nr=0x8801, cpu_num=0, minor_faults=12,
        major_faults=0, pgrp=pid, session=pid, tpgid=-1,
    )


def sample(info: sysmon.ProcessInfo, cpu: float | None = 0.0) -> sysmon.ProcessSample:
    return sysmon.ProcessSample(info, cpu)


def cpu(user: float = 0.0, nice: float = 0.0, system: float = 0.0, iowait: float = 0.0,
        steal: float = 0.0) -> sysmon.CpuPercent:
    busy = user + nice + system + steal
    return sysmon.CpuPercent(busy, user, nice, system, 100.0 - busy - iowait, iowait,
                             0.0, 0.0, steal, 0.0, 0.0)


def memory(total: int = 8 * GiB, used: int = 2 * GiB, buffers: int = GiB // 2,
           cached: int = GiB) -> sysmon.Memory:
    avail = total - used
    return sysmon.Memory(total, avail, used, avail - cached, buffers, cached, 0, None, None,
                         None, used * 100.0 / total)


def system(percpu: dict[int, sysmon.CpuPercent | None],
           total: sysmon.CpuPercent | None = None) -> sysmon.SystemSample:
    times = sysmon.CpuTimes(*(0.0,) * 10)
    snap = sysmon.Snapshot(
        timestamp=100.0, cpu_times=times, percpu_times=dict.fromkeys(percpu, times),
        cpu_stats=sysmon.CpuStats(0, 0, 0, 0, 1, 0, int(TAKEN) - 86400),
        memory=memory(), swap=sysmon.Swap(0, 0, 0, 0.0, None, None),
        vm_events=sysmon.VmEvents(*(None,) * 7),
        loadavg=sysmon.LoadAvg(0.5, 0.25, 0.1, 1, 100, 1234), uptime=86400.0,
        pressure={}, disk_io={}, net_io={}, mounts=[], disk_usage={},
    )
    return sysmon.SystemSample(snap, None if total is None else 1.5, total, percpu, {}, {})


def pressure(avg10: float = 1.25) -> dict[str, sysmon.Pressure | None]:
    some = sysmon.PsiStats(avg10, 0.5, 0.25, 12.0)
    return {"cpu": sysmon.Pressure(some, None), "memory": sysmon.Pressure(some, some),
            "io": None}


def connection(proto: str, laddr: sysmon.Addr | str, raddr: sysmon.Addr | str | None,
               status: str, pid: int | None = 42, name: str | None = "server"
               ) -> sysmon.Connection:
    if proto == "unix":
        fam, typ = socket.AF_UNIX, socket.SOCK_STREAM
    else:
        fam = socket.AF_INET6 if proto.endswith("6") else socket.AF_INET
        typ = socket.SOCK_STREAM if proto.startswith("tcp") else socket.SOCK_DGRAM
    return sysmon.Connection(3, fam, typ, laddr, raddr, status, 1000, 777, 0, 0, pid, name)


def fs(device: str, mountpoint: str, pct: float = 40.0
       ) -> tuple[sysmon.Mount, sysmon.DiskUsage | None]:
    m = sysmon.Mount(device, mountpoint, "ext4", ("rw",), False, "/", ("rw",), "", 1, 0, 8, 1)
    total = 100 * GiB
    used = int(total * pct / 100)
    u = sysmon.DiskUsage(total, used, total - used, total - used, pct, 1000, 100, 900, 900,
                         10.0)
    return m, u


def snapshot(procs: Iterable[sysmon.ProcessSample] | None = None, *, ncpu: int = 4,
             first: bool = False, **kw: object) -> Snapshot:
    """A whole snapshot; ``first``: the first sample (no CPU rates)."""
    if procs is None:
        procs = default_processes()
    percpu: dict[int, sysmon.CpuPercent | None] = {
        i: (None if first else cpu(10.0 * (i + 1), 5.0, 3.0, 2.0, 1.0)) for i in range(ncpu)}
    fields: dict[str, object] = {
        "taken": TAKEN,
        "system": system(percpu, None if first else cpu(20.0, 5.0, 3.0, 2.0, 1.0)),
        "memory": memory(),
        "swap": sysmon.Swap(2 * GiB, GiB // 4, 2 * GiB - GiB // 4, 12.5, None, None),
        "load": sysmon.LoadAvg(0.52, 0.58, 0.59, 2, 300, 4242),
        "uptime": sysmon.Uptime(3 * 86400 + 4 * 3600 + 5 * 60 + 6, 1000.0),
        "pressure": None,
        "processes": tuple(procs),
        "self_pid": 4242,
    }
    fields.update(kw)
    return Snapshot(**fields)  # type: ignore[arg-type]


def default_processes() -> list[sysmon.ProcessSample]:
    """A small tree: 1 init -> 100 sshd -> 200 bash -> 300 vim, 301 top;
    1 -> 400 cron; 2 kthreadd -> 3 [kworker] (kernel threads)."""
    return [
        sample(proc(1, "systemd", ppid=0, cmdline=["/sbin/init", "splash"], user="root", uid=0,
                    cpu_time=100.0, rss=12 * MiB), 0.5),
        sample(proc(2, "kthreadd", ppid=0, cmdline=[], user="root", uid=0, rss=0, vms=0), 0.0),
        sample(proc(3, "kworker/0:1", ppid=2, cmdline=[], state="I", user="root", uid=0,
                    rss=0, vms=0), 0.0),
        sample(proc(100, "sshd", cmdline=["sshd:", "alice"], user="root", uid=0,
                    cpu_time=3.2), 1.0),
        sample(proc(200, "bash", ppid=100, cmdline=["-bash"], cpu_time=0.42), 0.0),
        sample(proc(300, "vim", ppid=200, cmdline=["vim", "notes.txt"], cpu_time=65.25,
                    rss=5 * GiB), 55.0),
        sample(proc(301, "top", ppid=200, cmdline=["top"], state="R", cpu_time=4000.0,
                    rss=200 * MiB), 95.5),
        sample(proc(400, "cron", cmdline=["/usr/sbin/cron", "-f"], state="D", user="root",
                    uid=0, cpu_time=None, rss=None), None),
    ]


def details(pid: int) -> Details:
    return Details(pid, ("vim", "notes.txt"), (("HOME", "/home/alice"), ("TOKEN", "<redacted>")),
                   ((0, "/dev/pts/1"), (3, "/home/alice/notes.txt")),
                   ("tcp 127.0.0.1:5000 -> 127.0.0.1:6000 ESTABLISHED",))


# ---------------------------------------------------------------- checks

_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})


def unsafe_chars(text: str) -> list[str]:
    """Characters that must not reach a terminal (what sanitize escapes)."""
    return [c for c in text if unicodedata.category(c) in _BAD_CATEGORIES]


def check_frame(frame: Frame, width: int, height: int) -> None:
    """The frame's contract: at most height lines, none wider than width,
    every cell printable (sanitized)."""
    assert len(frame.lines) <= height, (len(frame.lines), height)
    for y, line in enumerate(frame.lines):
        w = sum(display_width(c.text) for c in line)
        assert w <= width, (y, w, width, line)
        for c in line:
            assert not unsafe_chars(c.text), (y, c)
            assert c.meaning in MEANINGS, c
    if frame.cursor is not None:
        cy, cx = frame.cursor
        assert 0 <= cy < max(height, 1) and 0 <= cx < max(width, 1)


def text_of(line: Line) -> str:
    return "".join(c.text for c in line)


def screen(frame: Frame) -> str:
    return "\n".join(text_of(line) for line in frame.lines)


# ---------------------------------------------------------------- frames and rows


def frame_for(snap: m.Snapshot, st: m.State, width: int = W, height: int = H) -> m.Frame:
    f = m.render(snap, st, width, height)
    check_frame(f, width, height)
    return f


def table_lines(f: m.Frame) -> list[m.Line]:
    """The table: the lines after the title row (the one with "PID")."""
    for y, line in enumerate(f.lines):
        if "title" in {c.meaning for c in line} and "PID" in text_of(line):
            return list(f.lines[y + 1: -1])
    raise AssertionError("no title row\n" + screen(f))


def pids(snap: m.Snapshot, st: m.State) -> list[int]:
    return [r.ident[0] for r in m.rows(snap, st)]


def cell_with(line: m.Line, text: str) -> m.Cell:
    for c in line:
        if text in c.text:
            return c
    raise AssertionError(f"{text!r} not in {line}")


def row_of(f: m.Frame, command: str) -> m.Line:
    for line in table_lines(f):
        if command in text_of(line):
            return line
    raise AssertionError(f"{command!r} not shown\n" + screen(f))


def reference_value(column: str, s: sysmon.ProcessSample, total: int) -> object:
    if column == "cpu_percent":
        return s.cpu_percent
    if column == "mem_percent":
        return None if s.info.rss is None else s.info.rss / total
    if column == "cmdline":
        return None if s.info.cmdline is None else " ".join(s.info.cmdline)
    return getattr(s.info, column)


def moved(snap: m.Snapshot, cpu_of: dict[int, float]) -> m.Snapshot:
    procs = tuple(sample(s.info, cpu_of.get(s.info.pid, s.cpu_percent))
                  for s in snap.processes)
    return dataclasses.replace(snap, processes=procs)


def hostile_snapshot() -> m.Snapshot:
    procs = default_processes()
    for i, name in enumerate(HOSTILE):
        procs.append(sample(proc(600 + i, name, ppid=300, cmdline=[name, "--arg=" + name]),
                            float(i)))
        procs.append(sample(proc(700 + i, name, ppid=2, cmdline=[]), 0.0))
    conns = tuple(connection("unix", path, None, "ESTABLISHED", pid=600, name=name)
                  for path, name in zip(("/tmp/" + h for h in HOSTILE), HOSTILE))
    return snapshot(
        procs, ncpu=2, pressure=pressure(),
        connections=(*conns, connection("unix", "\0" + HOSTILE[0], None, "LISTEN")),
        filesystems=tuple(fs("/dev/" + h, "/mnt/" + h) for h in HOSTILE),
        disk_rates=dict.fromkeys(HOSTILE),
        details=m.Details(600, tuple(HOSTILE), tuple((h, h) for h in HOSTILE),
                          tuple(enumerate(HOSTILE)), tuple(HOSTILE)),
    )


def states(snap: m.Snapshot) -> list[m.State]:
    base = m.select_row(snap, m.State(), 0, H)
    sel600 = m.State(selected=(600, 6000), follow=True)
    return [
        base,
        m.State(tree=True, collapsed=frozenset({2}), tagged=frozenset({(601, 6010)})),
        dataclasses.replace(sel600, details=True, tree=True),
        m.open_menu(snap, sel600, "signal"),
        m.open_menu(snap, base, "columns"),
        m.start_prompt(m.State(search="evil"), "filter"),
        m.State(search=HOSTILE[0], filter="\x1b[2J", message="\u202ekill " + HOSTILE[0],
                mono=True, ascii=True),
        m.State(view="network"), m.State(view="disks"), m.State(view="help"),
        m.open_menu(snap, m.State(view="network"), "sort"),
        m.State(columns=tuple(m.COLUMNS)),
    ]
