"""The sections of ``sysmon proc``: each one read from a :class:`sysmon.Process`
handle into both its JSON value (raw values: ints, bytes, seconds, sorted
lists of names) and its text body (strings, sanitized later by the table
code in :mod:`sysmon.cli._output`), so the two outputs cannot disagree.

A section that cannot be read becomes :class:`Unavailable` (JSON
``{"error": reason}``, text ``unavailable: reason``); so does a single
value inside a section that is read separately (exe, cwd, root, the
smaps_rollup memory detail).
"""

from __future__ import annotations

import resource
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar, Union

import sysmon
from sysmon.cli._columns import command
from sysmon.cli.sockets import as_json as connection_json
from sysmon.cli.sockets import show_addr
from sysmon.units import human_bytes, netid

T = TypeVar("T")

NONE_KTHREAD = "none (kernel thread)"

_STATES = {
    "R": "running", "S": "sleeping", "D": "disk sleep", "Z": "zombie", "T": "stopped",
    "t": "tracing stop", "X": "dead", "x": "dead", "I": "idle", "P": "parked",
    "W": "waking", "K": "wakekill",
}


class Unavailable(NamedTuple):
    """Why a section or value could not be read ("access denied", "zombie", ...)."""

    reason: str

    def text(self) -> str:
        return f"unavailable: {self.reason}"

    def json(self) -> dict[str, object]:
        return {"error": self.reason}


EXITED = Unavailable("process exited")


def attempt(fn: Callable[[], T]) -> T | Unavailable:
    """``fn()``, or why it failed: only this process's own troubles become
    Unavailable; anything else (a bug) propagates."""
    try:
        return fn()
    except sysmon.ZombieProcess:
        return Unavailable("zombie")
    except sysmon.NoSuchProcess:
        return EXITED
    except sysmon.AccessDenied:
        return Unavailable("access denied")
    except (sysmon.SysmonError, OSError) as e:
        return Unavailable(str(e) or type(e).__name__)


@dataclass
class Table:
    """An aligned table: (title, align) pairs and rows of plain strings."""

    titles: list[tuple[str, str]]
    rows: list[list[str]] = field(default_factory=list)
    header: bool = True


Pairs = list[tuple[str, str]]
Body = Union[Pairs, Table, Unavailable]


class Section(NamedTuple):
    key: str        # the JSON key
    title: str      # the text heading
    data: object    # the JSON value (Unavailable where unreadable)
    body: Body      # the text body


def show_opt(v: object, none: str = "-") -> str:
    return none if v is None else str(v)


def state_text(s: str, threads: int | None = None) -> str:
    """"S (sleeping)"; a zombie with other threads still running is a
    process whose main thread alone has exited (ps: "Zl"), not a zombie."""
    if s == "Z" and threads is not None and threads > 1:
        others = threads - 1
        return f"Z (main thread exited; {others} other thread{'s' * (others > 1)} running)"
    word = _STATES.get(s)
    return f"{s} ({word})" if word else s


def show_time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))
    except (OverflowError, OSError, ValueError):
        return str(epoch)


def show_bytes(n: int | None) -> str:
    return "-" if n is None else f"{human_bytes(n)} ({n} bytes)"


def names(items: Iterable[str]) -> list[str]:
    return sorted(items)


def signal_names(sigs: Iterable[signal.Signals | int]) -> list[str]:
    """Signal names ordered by number (real-time ones as SIGRTMIN+n; 32 and
    33, which glibc keeps for itself, as SIG32 and SIG33)."""
    return [sysmon.signal_name(n) for n in sorted(int(s) for s in sigs)]


def joined(items: list[str]) -> str:
    return " ".join(items) if items else "none"


# ---------------------------------------------------------------- identity


def _link(p: sysmon.Process, which: str) -> tuple[object, str]:
    get: Callable[[], sysmon.LinkTarget | None] = getattr(p, which)
    v = attempt(get)
    if isinstance(v, Unavailable):
        return v.json(), v.text()
    if v is None:
        return None, NONE_KTHREAD if which == "exe" else "none"
    return {"path": v.path, "deleted": v.deleted}, str(v)


def identity(p: sysmon.Process, info: sysmon.ProcessInfo) -> tuple[object, Body]:
    data: dict[str, object] = {
        k: getattr(info, k)
        for k in ("pid", "ppid", "name", "state", "username", "uid", "euid", "gid", "egid")
    }
    rows: Pairs = [
        ("pid", str(info.pid)), ("ppid", show_opt(info.ppid)), ("name", show_opt(info.name)),
        ("state", "-" if info.state is None else state_text(info.state, info.num_threads)),
        ("user", show_opt(info.username)),
        ("uids", f"real {show_opt(info.uid)}, effective {show_opt(info.euid)}"),
        ("gids", f"real {show_opt(info.gid)}, effective {show_opt(info.egid)}"),
    ]
    for which in ("exe", "cwd", "root"):
        data[which], text = _link(p, which)
        rows.append((which, text))
    data.update(cmdline=info.cmdline, create_time=info.create_time,
                start_ticks=info.start_ticks, num_threads=info.num_threads)
    rows += [("command", command(info.cmdline, info.name)),
             ("started", show_time(info.create_time)),
             ("threads", show_opt(info.num_threads))]
    return data, rows


# smaps_rollup rows shown as text (JSON has every field).
_DETAIL_ROWS = (
    ("pss", "pss"), ("pss_anon", "pss anon"), ("pss_file", "pss file"),
    ("pss_shmem", "pss shmem"), ("private", "uss (private)"), ("shared", "shared (smaps)"),
    ("swap", "swap"), ("swap_pss", "swap pss"), ("locked", "locked"),
)


def cpu_memory(p: sysmon.Process, info: sysmon.ProcessInfo) -> tuple[object, Body]:
    keys = ("cpu_user", "cpu_system", "cpu_time", "nice", "priority", "cpu_num",
            "minor_faults", "major_faults", "rss", "vms", "shared")
    data: dict[str, object] = {k: getattr(info, k) for k in keys}

    def secs(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f} s"

    rows: Pairs = [
        ("cpu time", f"{secs(info.cpu_time)} (user {secs(info.cpu_user)}, "
                     f"system {secs(info.cpu_system)})"),
        ("nice", show_opt(info.nice)), ("priority", show_opt(info.priority)),
        ("last cpu", show_opt(info.cpu_num)),
        ("faults", f"minor {show_opt(info.minor_faults)}, major {show_opt(info.major_faults)}"),
        ("rss", show_bytes(info.rss)), ("vms", show_bytes(info.vms)),
        ("shared", show_bytes(info.shared)),
    ]
    detail = attempt(p.memory_detail)
    if isinstance(detail, Unavailable):
        data["memory_detail"] = detail.json()
        rows.append(("memory detail", detail.text()))
    elif detail is None:
        data["memory_detail"] = None
        rows.append(("memory detail", NONE_KTHREAD))
    else:
        data["memory_detail"] = detail._asdict()
        rows += [(label, show_bytes(getattr(detail, k))) for k, label in _DETAIL_ROWS]
    return data, rows


# ---------------------------------------------------------------- status


def context_switches(p: sysmon.Process) -> tuple[object, Body]:
    c = p.status_detail().ctx_switches
    return c._asdict(), [("voluntary", show_opt(c.voluntary)),
                         ("involuntary", show_opt(c.involuntary))]


_CAP_LABELS = ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb")


def security(p: sysmon.Process) -> tuple[object, Body]:
    st = p.status_detail()
    caps = st.capabilities
    sets = {
        "effective": names(caps.effective), "permitted": names(caps.permitted),
        "inheritable": names(caps.inheritable), "bounding": names(caps.bounding),
        "ambient": None if caps.ambient is None else names(caps.ambient),
    }
    nnp, seccomp, umask = st.no_new_privs, st.seccomp, st.umask
    data = {"capabilities": sets, "no_new_privs": nnp, "seccomp": seccomp, "umask": umask}
    rows: Pairs = [(label, "-" if v is None else joined(v))
                   for label, v in zip(_CAP_LABELS, sets.values())]
    rows += [
        ("no_new_privs", "-" if nnp is None else ("yes" if nnp else "no")),
        ("seccomp", show_opt(seccomp)),
        ("umask", "-" if umask is None else f"{umask:04o}"),
    ]
    return data, rows


def signal_masks(p: sysmon.Process) -> tuple[object, Body]:
    m = p.status_detail().signal_masks
    data = {k: signal_names(v) for k, v in m._asdict().items()}
    return data, [(k.replace("_", " "), joined(v)) for k, v in data.items()]


def io_counters(p: sysmon.Process) -> tuple[object, Body]:
    c = p.io_counters()
    return c._asdict(), [(k, show_opt(v)) for k, v in c._asdict().items()]


def limits(p: sysmon.Process) -> tuple[object, Body]:
    lim = p.rlimits()

    def show(v: int) -> str:
        return "unlimited" if v == resource.RLIM_INFINITY else str(v)

    data = {k: {"soft": s, "hard": h} for k, (s, h) in lim.items()}
    rows = [[k, show(s), show(h)] for k, (s, h) in lim.items()]
    return data, Table([("RESOURCE", "<"), ("SOFT", ">"), ("HARD", ">")], rows)


def cgroup(p: sysmon.Process) -> tuple[object, Body]:
    cg = p.cgroup()
    rows: Pairs = [("v2", show_opt(cg.path, "none"))]
    rows += [(f"v1 {ctl}", path) for ctl, path in cg.v1.items()]
    return {"path": cg.path, "v1": dict(cg.v1)}, rows


def namespaces(p: sysmon.Process) -> tuple[object, Body]:
    ns = p.namespaces()
    return dict(ns), [(k, f"{k}:[{v}]") for k, v in ns.items()]


# ---------------------------------------------------------------- tables


def threads(p: sysmon.Process) -> tuple[object, Body]:
    ts = p.threads()
    rows = [[str(t.tid), t.state, f"{t.cpu_user:.2f}", f"{t.cpu_system:.2f}", t.name]
            for t in ts]
    titles = [("TID", ">"), ("S", "<"), ("UTIME", ">"), ("STIME", ">"), ("NAME", "<")]
    return [t._asdict() for t in ts], Table(titles, rows)


def fds(p: sysmon.Process) -> tuple[object, Body]:
    fs = p.fds()
    rows = []
    for f in fs:
        target = "-" if f.target is None else f.target + (" (deleted)" if f.deleted else "")
        rows.append([str(f.fd), f.kind, show_opt(f.position), show_opt(f.mode), target])
    titles = [("FD", ">"), ("KIND", "<"), ("POS", ">"), ("MODE", "<"), ("TARGET", "<")]
    return [f._asdict() for f in fs], Table(titles, rows)


def connections(p: sysmon.Process) -> tuple[object, Body]:
    conns = sorted(p.connections("all"), key=lambda c: (c.fd or 0, c.inode))
    rows = [[show_opt(c.fd), netid(c), c.status, show_addr(c.laddr), show_addr(c.raddr)]
            for c in conns]
    titles = [("FD", ">"), ("NETID", "<"), ("STATE", "<"), ("LOCAL", "<"), ("PEER", "<")]
    return [connection_json(c) for c in conns], Table(titles, rows)


def environment_json(entries: list[tuple[str, str]], redacted: bool) -> dict[str, object]:
    """The JSON of an environment (``sysmon env``, ``sysmon proc``): getenv's
    view by name, and every entry in order."""
    return {"redacted": redacted, "variables": sysmon.environ_dict(entries),
            "entries": [[k, v] for k, v in entries]}


def environment(p: sysmon.Process, show_secrets: bool) -> tuple[object, Body]:
    entries = p.environ_entries(redact=not show_secrets)
    return environment_json(entries, not show_secrets), Table(
        [("NAME=VALUE", "<")], [[f"{k}={v}"] for k, v in entries], header=False)

