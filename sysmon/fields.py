"""The field registry: every field sysmon reports, declared once.

Each entry names the field's type, unit, kernel source and derivation.  From
this table come the C field mask of a scan (which files are opened), column
titles, the README's field table and ``sysmon explain FIELD``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sysmon.fields_net import NET_SPECS
from sysmon.fields_pid import PID_SCOPES, PID_SPECS
from sysmon.fields_system import SYSTEM_SPECS, Spec


class FileGroup(enum.IntFlag):
    """Per-process files a scan may read; values equal the C SM_FILE_* bits."""

    NONE = 0
    STAT = 0x1
    STATUS = 0x2
    CMDLINE = 0x8  # 0x4 was statm, which the status memory lines replaced
    ALL = 0xB


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    unit: str
    source: str
    derivation: str
    description: str
    group: FileGroup
    title: str
    scope: str = "process"  # "process", or the system record ("memory", "disk_io", ...)


_S, _ST, _C = FileGroup.STAT, FileGroup.STATUS, FileGroup.CMDLINE
_STAT = "/proc/<pid>/stat"


def _stat(n: int, kname: str) -> str:
    return f"{_STAT} field {n} ({kname})"


_FIELDS: tuple[Field, ...] = (
    Field("pid", "int", "id", "the /proc/<pid> directory name", "as is",
          "process id (thread group id)", FileGroup.NONE, "PID"),
    Field("ppid", "int", "id", _stat(4, "ppid"), "as is", "parent process id", _S, "PPID"),
    Field("name", "str", "text", _stat(2, "comm"),
          "bytes between the first '(' and the last ')', decoded with surrogateescape",
          "command name: at most 15 bytes for user processes, longer for kernel threads",
          _S, "NAME"),
    Field("cmdline", "list[str]", "text", "/proc/<pid>/cmdline",
          "split on NUL, one trailing NUL dropped, each decoded with surrogateescape",
          "command line arguments; [] for kernel threads and zombies", _C, "COMMAND"),
    Field("state", "str", "code", _stat(3, "state"), "the letter as is",
          "R running, S sleeping, D disk sleep, Z zombie, T stopped, t traced, X dead, I idle",
          _S, "S"),
    Field("uid", "int", "id", "/proc/<pid>/status Uid: (1st value, real)", "as is",
          "real user id", _ST, "UID"),
    Field("euid", "int", "id", "/proc/<pid>/status Uid: (2nd value, effective)", "as is",
          "effective user id", _ST, "EUID"),
    Field("gid", "int", "id", "/proc/<pid>/status Gid: (1st value, real)", "as is",
          "real group id", _ST, "GID"),
    Field("egid", "int", "id", "/proc/<pid>/status Gid: (2nd value, effective)", "as is",
          "effective group id", _ST, "EGID"),
    Field("username", "str", "text",
          "/proc/<pid>/status Uid: (real) looked up in <root>/etc/passwd",
          "first passwd entry with that uid; the uid in decimal when there is none",
          "name of the real user", _ST, "USER"),
    Field("num_threads", "int", "count", _stat(20, "num_threads"), "as is",
          "number of threads", _S, "NLWP"),
    Field("create_time", "float", "epoch seconds",
          f"{_stat(22, 'starttime')} and /proc/stat btime",
          "btime + starttime / SC_CLK_TCK", "when the process started", _S, "START"),
    Field("start_ticks", "int", "clock ticks", _stat(22, "starttime"), "as is",
          "start time after boot; with pid, the process's identity", _S, "STARTTICKS"),
    Field("cpu_user", "float", "seconds", _stat(14, "utime"), "utime / SC_CLK_TCK",
          "CPU time spent in user mode", _S, "USER_S"),
    Field("cpu_system", "float", "seconds", _stat(15, "stime"), "stime / SC_CLK_TCK",
          "CPU time spent in kernel mode", _S, "SYS_S"),
    Field("cpu_time", "float", "seconds", f"{_stat(14, 'utime')} + field 15 (stime)",
          "(utime + stime) / SC_CLK_TCK", "total CPU time (ps's TIME)", _S, "TIME"),
    Field("rss", "int", "bytes", "/proc/<pid>/status VmRSS:, kB",
          "kB * 1024; 0 when status has no VmRSS: line: a task without memory (kernel "
          "thread, zombie), and also a process whose main thread alone has exited (ps "
          "shows 0 too). Exact, as ps and statm field 2 show (stat field 24 is only an "
          "approximation on Linux >= 6.16)", "resident set size", _ST, "RSS"),
    Field("vms", "int", "bytes", _stat(23, "vsize"), "as is", "virtual memory size", _S, "VSZ"),
    Field("shared", "int", "bytes", "/proc/<pid>/status RssFile: + RssShmem:, kB",
          "(RssFile + RssShmem) * 1024, which statm field 3 shows in pages; 0 when rss is "
          "0 for want of a VmRSS: line; None on Linux < 4.5, whose status has no RssFile:",
          "resident pages backed by a file or shmem (top's SHR)", _ST, "SHR"),
    Field("nice", "int", "nice", _stat(19, "nice"), "as is",
          "nice value, -20 (favoured) to 19", _S, "NI"),
    Field("priority", "int", "priority", _stat(18, "priority"), "as is",
          "kernel priority: 20+nice for normal tasks, -2..-100 for real-time", _S, "PRI"),
    Field("tty_nr", "int", "device", _stat(7, "tty_nr"), "as is (0 = none)",
          "controlling terminal device number", _S, "TTY"),
    Field("cpu_num", "int", "cpu", _stat(39, "processor"), "None when the line is shorter",
          "CPU the process last ran on", _S, "CPU"),
    Field("minor_faults", "int", "count", _stat(10, "minflt"), "as is",
          "page faults served without disk I/O", _S, "MINFLT"),
    Field("major_faults", "int", "count", _stat(12, "majflt"), "as is",
          "page faults that read from disk", _S, "MAJFLT"),
    Field("pgrp", "int", "id", _stat(5, "pgrp"), "as is", "process group id", _S, "PGRP"),
    Field("session", "int", "id", _stat(6, "session"), "as is", "session id", _S, "SID"),
    Field("tpgid", "int", "id", _stat(8, "tpgid"), "as is (-1 = no terminal)",
          "foreground process group of the controlling terminal", _S, "TPGID"),
)

PROCESS_FIELDS: tuple[str, ...] = tuple(f.name for f in _FIELDS)


def _system_field(s: Spec) -> Field:
    scope, attr = s.name.split(".", 1)
    return Field(s.name, s.type, s.unit, s.source, s.derivation, s.description,
                 FileGroup.NONE, s.title or attr.upper(), scope)


FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
FIELDS.update((s.name, _system_field(s)) for s in (*SYSTEM_SPECS, *NET_SPECS, *PID_SPECS))


def mask_for(names: frozenset[str] | set[str]) -> int:
    """The C field mask (FileGroup bits) that the named fields need."""
    mask = 0
    for n in names:
        mask |= FIELDS[n].group
    return mask


def unknown_fields(names: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """The names that are not process fields."""
    return [n for n in names if n not in FIELDS or FIELDS[n].scope != "process"]


def explain(name: str) -> str:
    """A human explanation of one field: type, unit, kernel source, derivation."""
    f = FIELDS.get(name)
    if f is None:
        raise KeyError(name)
    return (
        f"{f.name}: {f.description}\n"
        f"  type:     {f.type}\n"
        f"  unit:     {f.unit}\n"
        f"  source:   {f.source}\n"
        f"  derived:  {f.derivation}\n"
        f"  column:   {f.title}\n"
    )


_NET_SCOPES = frozenset({"connection", "addr", "tcp_info"})


def _group(f: Field) -> str:
    if f.scope == "process":
        return "process"
    if f.scope in PID_SCOPES:
        return "detail"
    return "net" if f.scope in _NET_SCOPES else "system"


def markdown_table(group: str = "process") -> str:
    """The README's field tables, generated from the registry: the fields of
    "process" records, "system"-wide records, "net" (sockets) or "detail"
    (one process in depth)."""
    rows = ["| field | type | unit | kernel source | derivation |", "|---|---|---|---|---|"]
    for f in FIELDS.values():
        if _group(f) != group:
            continue
        cells = (f.type, f.unit, f.source, f.derivation)
        t, u, src, der = (c.replace("|", "\\|") for c in cells)
        rows.append(f"| `{f.name}` | {t} | {u} | {src} | {der} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    import sys

    print(markdown_table(sys.argv[1] if sys.argv[1:] else "process"), end="")
