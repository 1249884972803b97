"""What ``sysmon top`` reads from the system, through the public API only.

:class:`Source` holds the samplers (so CPU and disk rates are over the
refresh interval) and builds a :class:`sysmon.tui.model.Snapshot` per
refresh.  The expensive or intrusive parts are read only while the UI shows
them: socket tables for the network view, mounts and statvfs for the disks
view, the environment, open files and sockets of the one selected process
for the details pane.  :func:`execute` carries out a model Action on the
processes the user picked, by identity (pid, start ticks).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import replace

import sysmon
from sysmon.tui import model
from sysmon.units import endpoint, netid

__all__ = ["Source", "describe_error", "details_of", "execute", "format_connection"]

# statvfs on an autofs mount point triggers the automount: a monitor must not
# mount filesystems by looking at them (df skips autofs too).
_NO_STATVFS = frozenset({"autofs"})


def describe_error(e: BaseException) -> str:
    """A short text for an error while reading one process's details."""
    if isinstance(e, sysmon.ZombieProcess):
        return "zombie process: nothing to read"
    if isinstance(e, sysmon.NoSuchProcess):
        return "the process has exited"
    if isinstance(e, sysmon.AccessDenied):
        return "access denied"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def format_connection(c: sysmon.Connection) -> str:
    """One line for the details pane: fd, ss's netid, local -> remote, state
    (raw text: the model sanitizes it when it becomes a cell)."""
    fd = "-" if c.fd is None else str(c.fd)
    remote = "" if c.raddr is None or c.raddr == "" else f" -> {endpoint(c.raddr)}"
    return f"fd {fd} {netid(c)} {endpoint(c.laddr)}{remote} {c.status}".rstrip()


def _same(h: sysmon.Process, ident: model.Ident) -> bool:
    return h.start_ticks() == ident[1]


def details_of(ident: model.Ident) -> model.Details:
    """The details pane's data for one process, each part the data or the
    short text of the error reading it gave; a process whose pid was reused
    since the snapshot reads as exited, never as the newcomer."""
    pid = ident[0]
    gone = "the process has exited"
    try:
        h = sysmon.Process(pid)
    except (sysmon.SysmonError, OSError) as e:
        text = describe_error(e)
        return model.Details(pid, (), text, text, text)
    with h:
        if not _same(h, ident):
            return model.Details(pid, (), gone, gone, gone)
        try:
            cmdline: tuple[str, ...] = tuple(h.cmdline())
        except (sysmon.SysmonError, OSError):
            cmdline = ()
        env: tuple[tuple[str, str], ...] | str
        try:
            # by name; a repeated name keeps its entries' order
            env = tuple(sorted(h.environ_entries(redact=True), key=lambda e: e[0]))
        except (sysmon.SysmonError, OSError) as e:
            env = describe_error(e)
        files: tuple[tuple[int, str], ...] | str
        try:
            files = tuple(
                (f.fd, f"{f.path} (deleted)" if f.deleted else f.path) for f in h.open_files()
            )
        except (sysmon.SysmonError, OSError) as e:
            files = describe_error(e)
        conns: tuple[str, ...] | str
        try:
            conns = tuple(format_connection(c) for c in h.connections("all"))
        except (sysmon.SysmonError, OSError) as e:
            conns = describe_error(e)
        return model.Details(pid, cmdline, env, files, conns)


def _filesystems() -> tuple[tuple[sysmon.Mount, sysmon.DiskUsage | None], ...]:
    out: list[tuple[sysmon.Mount, sysmon.DiskUsage | None]] = []
    for m in sysmon.mounts():
        usage: sysmon.DiskUsage | None = None
        if m.fstype not in _NO_STATVFS:
            try:
                usage = sysmon.disk_usage(m.mountpoint)
            except (sysmon.SysmonError, OSError):
                usage = None
        out.append((m, usage))
    return tuple(out)


def _utc_offset(t: float) -> float:
    off = time.localtime(t).tm_gmtoff
    return float(off) if off is not None else 0.0


class Source:
    """The samplers of one ``sysmon top`` session.

    Every refresh scans every process for the fields the order, the filter
    and the search need and the cheap fields of the shown columns (stat:
    see model.fields_needed); the costly per-row fields (command line,
    user and memory, from cmdline and status) are read by :meth:`extras`
    for the rows on screen only.  ``all_rows`` (``--once``, which prints every
    process) reads everything in the scan.  Changing the fields keeps the
    CPU rates (ProcessSampler.set_fields).
    """

    def __init__(self, st: model.State, *, all_rows: bool = False) -> None:
        self._all_rows = all_rows
        self._system = sysmon.SystemSampler(usage=False)  # statvfs only in the disks view
        self._fields: frozenset[str] = frozenset()
        self._per_row: frozenset[str] = frozenset()
        self._procs = sysmon.ProcessSampler(fields=("pid",))
        self._details_of: model.Ident | None = None  # whose details the last extras read
        self._filled: frozenset[str] = frozenset()  # the per-row fields snap.extra holds
        self.want(st)

    @property
    def fields(self) -> frozenset[str]:
        """The fields each sample reads for every process."""
        return self._fields

    @property
    def per_row(self) -> frozenset[str]:
        """The fields :meth:`extras` reads for the rows on screen."""
        return self._per_row

    def want(self, st: model.State) -> bool:
        """Read what ``st`` needs from the next sample on; True when that is
        a field the last sample did not read for every process (the caller
        samples again now)."""
        every, shown = model.fields_needed(st)
        if self._all_rows:
            every, shown = every | shown, frozenset()
        self._per_row = shown
        if every == self._fields:
            return False
        grew = not every <= self._fields
        self._fields = every
        self._procs.set_fields(every)
        return grew

    def sample(self, st: model.State) -> tuple[model.Snapshot, list[str]]:
        """One refresh of the system and the process table (the columns of
        ``st`` decide the process fields); nothing view-specific: see
        :meth:`extras`.  Also the errors met on the way (for the status line)."""
        errors: list[str] = []
        self.want(st)
        system: sysmon.SystemSample | None
        try:
            system = self._system.sample()
        except (sysmon.SysmonError, OSError) as e:
            system, errors = None, [f"system counters: {describe_error(e)}"]
        try:
            uptime: sysmon.Uptime | None = sysmon.uptime()
        except (sysmon.SysmonError, OSError):
            uptime = None
        procs = self._procs.sample()  # raises only when /proc itself is missing
        taken = time.time()
        snap = model.Snapshot(
            taken=taken,
            system=system,
            memory=system.snapshot.memory if system else None,
            swap=system.snapshot.swap if system else None,
            load=system.snapshot.loadavg if system else None,
            uptime=uptime,
            pressure=(system.snapshot.pressure or None) if system else None,
            processes=tuple(procs),
            self_pid=os.getpid(),
            utc_offset=_utc_offset(taken),
        )
        self._details_of = None
        return snap, errors

    def extras(self, snap: model.Snapshot, st: model.State, *,
               fresh: bool = False, height: int | None = None
               ) -> tuple[model.Snapshot, list[str]]:
        """``snap`` with what ``st`` shows besides the process table
        (connections for the network view, filesystems and their rates for
        the disks view, the details of the selected process when the pane is
        open) and without what it does not show.  Parts ``snap`` already has
        are read again only when ``fresh`` (a new sample) or when they are
        about another process than the one selected now.  With ``height``
        (the screen's), also the per-row fields of the rows on screen
        (``snap.extra``), kept while scrolling within one sample."""
        errors: list[str] = []
        conns = snap.connections if st.view == "network" and not fresh else None
        if st.view == "network" and conns is None:
            try:
                conns = tuple(sysmon.connections("all"))
            except (sysmon.SysmonError, OSError) as e:
                errors.append(f"connections: {describe_error(e)}")
        fss = snap.filesystems if st.view == "disks" and not fresh else None
        if st.view == "disks" and fss is None:
            try:
                fss = _filesystems()
            except (sysmon.SysmonError, OSError) as e:
                errors.append(f"mounts: {describe_error(e)}")
        rates = snap.system.disk if st.view == "disks" and snap.system is not None else None
        details = None
        if st.details and st.selected is not None:
            if fresh or self._details_of != st.selected or snap.details is None:
                details = details_of(st.selected)
                self._details_of = st.selected
            else:
                details = snap.details
        # (a column added since: its field is read again for the shown rows)
        extra = None if fresh or not self._per_row <= self._filled else snap.extra
        if height is not None and self._per_row:
            extra = self._complete(snap, st, height, extra)
            self._filled = self._per_row
        if (conns, fss, rates, details) != (snap.connections, snap.filesystems,
                                             snap.disk_rates, snap.details) \
                or extra is not snap.extra:
            snap = replace(snap, connections=conns, filesystems=fss, disk_rates=rates,
                           details=details, extra=extra)
        return snap, errors

    def _complete(self, snap: model.Snapshot, st: model.State, height: int,
                  extra: Mapping[model.Ident, sysmon.ProcessSample] | None
                  ) -> Mapping[model.Ident, sysmon.ProcessSample] | None:
        """``extra`` plus the shown rows not in it yet, their samples with
        the per-row fields read now (one scan of just their pids).  A row
        whose process has exited (or whose pid now names another process)
        keeps its sample as it is: drawn without those fields."""
        todo = {r.ident: r.sample for r in model.shown_rows(snap, st, height)
                if extra is None or r.ident not in extra}
        if not todo:
            return extra
        names = self._per_row
        try:
            infos = sysmon.processes(names | {"pid", "start_ticks"},
                                     pids=[i[0] for i in todo])
        except (sysmon.SysmonError, OSError):
            infos = []
        out = dict(extra) if extra else {}
        for info in infos:
            ident = (info.pid, info.start_ticks if info.start_ticks is not None else -1)
            s = todo.pop(ident, None)
            if s is not None:
                done = s.info._replace(**{n: getattr(info, n) for n in names})
                out[ident] = s._replace(info=done)
        out.update(todo)
        return out


# ---------------------------------------------------------------- actions


def _signal_one(ident: model.Ident, sig: int) -> str | None:
    """None when sent, else why not."""
    pid = ident[0]
    try:
        with sysmon.Process(pid) as h:
            if not _same(h, ident):
                return f"process {pid} has exited"
            h.send_signal(sig)
    except sysmon.NoSuchProcess:
        return f"process {pid} has exited"
    except (sysmon.SysmonError, OSError, ValueError) as e:
        return describe_action_error(e)
    return None


def _renice_one(ident: model.Ident, delta: int) -> tuple[int | None, str | None]:
    """(the new nice value, None) when done, else (None, why not)."""
    pid = ident[0]
    try:
        with sysmon.Process(pid) as h:
            if not _same(h, ident):
                return None, f"process {pid} has exited"
            value = max(-20, min(19, h.nice() + delta))
            h.renice(value)
    except sysmon.NoSuchProcess:
        return None, f"process {pid} has exited"
    except (sysmon.SysmonError, OSError, ValueError) as e:
        return None, describe_action_error(e)
    return value, None


def describe_action_error(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _summary(what: str, done: list[int], failed: list[str]) -> str:
    if not failed:
        if len(done) == 1:
            return f"{what} process {done[0]}"
        return f"{what} {len(done)} processes"
    if not done and len(failed) == 1:
        return failed[0]
    head = f"{what} {len(done)} of {len(done) + len(failed)} processes"
    return f"{head}; {failed[0]}" + (f" (and {len(failed) - 1} more)" if len(failed) > 1 else "")


def execute(action: model.SendSignal | model.Renice) -> str:
    """Carry out a signal or renice on its targets, each through a handle
    that first checks the process is still the one the snapshot showed (same
    start ticks): a pid reused since then is reported as exited and left
    alone.  Returns the status-line text; never raises for a process error."""
    done: list[int] = []
    failed: list[str] = []
    if isinstance(action, model.SendSignal):
        name = sysmon.signal_name(action.signal)
        for ident in action.targets:
            err = _signal_one(ident, action.signal)
            if err is None:
                done.append(ident[0])
            else:
                failed.append(err)
        return _summary(f"sent {name} to", done, failed)
    values: list[int] = []
    for ident in action.targets:
        value, err = _renice_one(ident, action.delta)
        if err is None and value is not None:
            done.append(ident[0])
            values.append(value)
        else:
            failed.append(err or f"process {ident[0]}: not reniced")
    if len(done) == 1 and not failed:
        return f"process {done[0]}: nice {values[0]}"
    return _summary("reniced", done, failed)
