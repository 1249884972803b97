"""The other views and panes (part of sysmon.tui.model): network
connections, disks, help, the details pane, menus and the key bar."""

from __future__ import annotations

import signal
import socket
from collections.abc import Sequence

import sysmon
from sysmon.sanitize import Align, clip, display_width
from sysmon.tui.model_table import COLUMNS
from sysmon.tui.model_text import (
    UNAVAILABLE,
    clean,
    fill,
    fit,
    fixed,
    human_bytes,
    level,
    tail,
    text_line,
)
from sysmon.tui.model_types import Cell, Details, Line, Menu, Snapshot, State
from sysmon.units import endpoint, netid

# ---------------------------------------------------------------- tables


def table_lines(titles: Sequence[tuple[str, int, Align]],
                body: Sequence[tuple[Sequence[str], Sequence[str]]],
                width: int) -> tuple[Line, list[Line]]:
    """A title line and body lines.  Column widths: positive fixed, 0
    flexible (the flexible ones share what is left).  Body rows are (clean
    texts, meanings)."""
    flex = sum(1 for _, w, _ in titles if w == 0)
    used = sum(w for _, w, _ in titles) + max(len(titles) - 1, 0)
    share = max(width - used, 0) // flex if flex else 0
    widths = [w if w else share for _, w, _ in titles]

    def build(texts: Sequence[str], meanings: Sequence[str], base: str) -> Line:
        cells = []
        for i, (t, w, (_, _, align)) in enumerate(zip(texts, widths, titles)):
            sep = " " if i < len(titles) - 1 else ""
            cells.append(Cell(fixed(t, w, align) + sep, meanings[i] or base))
        return fit(cells, width)

    title = fill(build([t for t, _, _ in titles], [""] * len(titles), "title"), width, "title")
    return title, [build(t, m, "") for t, m in body]


# ---------------------------------------------------------------- network

def address(a: sysmon.Addr | str | None) -> str:
    """ip:port, port 0 as * (see sysmon.units.endpoint).  Raw text: the
    caller sanitizes."""
    return endpoint(a, any_port=True)


def _listening(c: sysmon.Connection) -> bool:
    return c.status == "LISTEN" or (c.status == "UNCONN" and c.family != socket.AF_UNIX)


def network_lines(snap: Snapshot, st: State, width: int) -> tuple[Line, list[Line]]:
    titles: list[tuple[str, int, Align]] = [
        ("PROTO", 5, "<"), ("LOCAL", 0, "<"), ("REMOTE", 0, "<"), ("STATE", 11, "<"),
        ("PID/PROGRAM", 22, "<")]
    if snap.connections is None:
        title, _ = table_lines(titles, [], width)
        return title, [text_line("reading connections...", width, "dim")]
    conns = sorted(snap.connections, key=lambda c: (
        not _listening(c), netid(c), address(c.laddr), address(c.raddr), c.inode))
    body = []
    for c in conns:
        prog = UNAVAILABLE if c.pid is None else f"{c.pid}/{c.name or '?'}"
        texts = [netid(c), address(c.laddr), address(c.raddr), c.status, prog]
        meaning = "header" if _listening(c) else ""
        body.append(([clean(t, st.ascii) for t in texts], ["", meaning, "", meaning, ""]))
    title, lines = table_lines(titles, body, width)
    if not lines:
        lines = [text_line("no connections", width, "dim")]
    return title, lines


# ---------------------------------------------------------------- disks


def disks_lines(snap: Snapshot, st: State, width: int) -> tuple[Line, list[Line]]:
    titles: list[tuple[str, int, Align]] = [
        ("DEVICE", 0, "<"), ("MOUNTPOINT", 0, "<"), ("TYPE", 8, "<"), ("SIZE", 6, ">"),
        ("USED", 6, ">"), ("AVAIL", 6, ">"), ("USE%", 5, ">"), ("IUSE%", 5, ">")]
    body = []
    for m, u in snap.filesystems or ():
        if u is None:
            nums = [UNAVAILABLE] * 5
            ms = [""] * 5
        else:
            nums = [human_bytes(u.total), human_bytes(u.used), human_bytes(u.available),
                    f"{u.percent:.0f}%", f"{u.inodes_percent:.0f}%" if u.inodes_total else
                    UNAVAILABLE]
            ms = ["", "", "", level(u.percent, 80.0, 90.0),
                  level(u.inodes_percent, 80.0, 90.0) if u.inodes_total else ""]
        texts = [clean(m.device, st.ascii), clean(m.mountpoint, st.ascii),
                 clean(m.fstype, st.ascii), *nums]
        body.append((texts, ["", "", "", *ms]))
    title, lines = table_lines(titles, body, width)
    if snap.filesystems is None:
        lines = [text_line("reading filesystems...", width, "dim")]
    if snap.disk_rates:
        rate_titles: list[tuple[str, int, Align]] = [
            ("DISK", 0, "<"), ("READ/s", 8, ">"), ("WRITE/s", 8, ">"), ("R-IOPS", 8, ">"),
            ("W-IOPS", 8, ">"), ("UTIL%", 6, ">")]
        rbody = []
        for name, r in sorted(snap.disk_rates.items()):
            if r is None:
                vals = [UNAVAILABLE] * 5
                util = ""
            else:
                vals = [human_bytes(round(r.read_bytes_per_s)),
                        human_bytes(round(r.write_bytes_per_s)),
                        f"{r.read_iops:.1f}", f"{r.write_iops:.1f}", f"{r.util_percent:.1f}"]
                util = level(r.util_percent, 50.0, 90.0)
            rbody.append(([clean(name, st.ascii), *vals], ["", "", "", "", "", util]))
        rtitle, rlines = table_lines(rate_titles, rbody, width)
        lines += [(), rtitle, *rlines]
    return title, lines


# ---------------------------------------------------------------- help

HELP: tuple[tuple[str, str], ...] = (
    ("q F10", "quit"),
    ("Up Down", "move the selection (scroll in the other views)"),
    ("PgUp PgDn", "move a page"),
    ("Home End", "first / last process"),
    ("F6 .", "choose the sort column"),
    ("< > ,", "sort by the previous / next column (, is <)"),
    ("I", "invert the sort order"),
    ("/ F3", "search: highlight matching processes, jump to the first"),
    ("n", "next search match"),
    ("\\ F4", "filter: hide processes whose name and command line lack the text"),
    ("", "(any case; user:NAME: one user's processes)"),
    ("t F5", "tree view"),
    ("+ - =", "fold / unfold the selected process's subtree (tree view)"),
    ("F", "follow the selected process as the list changes"),
    ("Space", "tag the selected process and move down"),
    ("U", "untag all"),
    ("k F9", "send a signal to the tagged processes, else to the selected one"),
    ("", "(the ones of the moment the menu opened; its title names them)"),
    ("F7 ] F8 [", "nice -1 (raise priority) / nice +1 (lower priority)"),
    ("F2", "choose the columns shown (Enter shows / hides one)"),
    ("Enter", "details: command line, environment, open files, connections"),
    ("? F1 h", "this help (again: back)"),
    ("P", "processes view"),
    ("N", "network connections view"),
    ("D", "disks view"),
    ("Esc", "cancel a prompt or menu"),
    ("mouse", "click a row to select it, a column title to sort by it"),
)


def help_lines(width: int) -> tuple[Line, list[Line]]:
    keyw = max(display_width(k) for k, _ in HELP) + 2
    title = fill((Cell("sysmon top: keys"),), width, "title")
    out = [fit((Cell(fixed(k, keyw), "key"), Cell(d)), width) for k, d in HELP]
    return title, out


# ---------------------------------------------------------------- details


def _share(sizes: list[int], room: int) -> list[int]:
    """How many items of each section fit in ``room`` lines, fairly."""
    got = [0] * len(sizes)
    while room > 0:
        open_ = [i for i, n in enumerate(sizes) if got[i] < n]
        if not open_:
            break
        for i in open_:
            if room == 0:
                break
            got[i] += 1
            room -= 1
    return got


def details_lines(  # noqa: PLR0917
    snap: Snapshot, st: State, pid: int | None, name: str, width: int, height: int
) -> list[Line]:
    """The details pane: a title line, the command line, then environment,
    open files and connections, each cut to a fair share of the lines."""
    if height <= 0:
        return []
    a = st.ascii
    head = f"Details of {pid} ({clean(name, a)})" if pid is not None else "Details"
    out: list[Line] = [fill((Cell(head),), width, "title")]
    d = snap.details
    if pid is None or d is None or d.pid != pid:
        out.append(text_line("no process selected" if pid is None else "reading...",
                             width, "dim"))
        return out[:height]
    cmd = clean(clip(" ".join(d.cmdline), width), a) if d.cmdline else "(none)"
    out.append(fit((Cell("Command: ", "header"), Cell(cmd)), width))
    sections = _sections(d, a, width)
    room = height - len(out) - len(sections)
    counts = _share([len(items) for _, items in sections], max(room, 0))
    for (label, items), n in zip(sections, counts):
        out.append(text_line(label, width, "header"))
        shown = items[:n]
        if n < len(items) and n > 0:
            shown = [*items[: n - 1], (f"  ... {len(items) - n + 1} more", "dim")]
        out.extend(text_line(t, width, m) for t, m in shown)
    return out[:height]


def _sections(d: Details, a: bool, width: int) -> list[tuple[str, list[tuple[str, str]]]]:
    def cut(text: str) -> str:
        return clean(clip(text, width), a)

    def err(text: str) -> list[tuple[str, str]]:
        return [("  " + cut(text), "warn")]

    env = err(d.environ) if isinstance(d.environ, str) else [
        (f"  {cut(k)}={cut(v)}", "") for k, v in d.environ]
    files = err(d.open_files) if isinstance(d.open_files, str) else [
        (f"  {fd:>4} {cut(path)}", "") for fd, path in d.open_files]
    conns = err(d.connections) if isinstance(d.connections, str) else [
        ("  " + cut(c), "") for c in d.connections]
    return [
        (f"Environment ({len(d.environ)}):" if not isinstance(d.environ, str)
         else "Environment:", env),
        (f"Open files ({len(d.open_files)}):" if not isinstance(d.open_files, str)
         else "Open files:", files),
        (f"Connections ({len(d.connections)}):" if not isinstance(d.connections, str)
         else "Connections:", conns),
    ]


# ---------------------------------------------------------------- menus

_FIRST = ("SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2",
          "SIGSTOP", "SIGCONT")
SIGNALS: tuple[str, ...] = (*_FIRST, *(
    s.name for s in signal.Signals if s.name not in _FIRST and not s.name.startswith("SIGRT")))
NICE_STEPS: tuple[str, ...] = ("+1", "-1", "+5", "-5", "+10", "-10", "+19", "-20")
MENU_TITLES = {"signal": "Send signal:", "nice": "Nice delta:", "sort": "Sort by:",
               "columns": "Columns:"}


def menu_title(menu: Menu) -> str:
    """The menu's title; an action menu names what it will act on."""
    title = MENU_TITLES.get(menu.kind, menu.kind)
    if not menu.targets:
        return title
    n = len(menu.targets)
    who = f"pid {menu.targets[0][0]}" if n == 1 else f"{n} tagged"
    return f"{title[:-1]} ({who}):"


def menu_label(menu: Menu, item: str, st: State) -> str:
    if menu.kind == "signal":
        num = signal.Signals[item].value if item in signal.Signals.__members__ else 0
        return f"{num:>2} {item}"
    if menu.kind in ("sort", "columns"):
        col = COLUMNS.get(item)
        title = col.title if col is not None else item
        if menu.kind == "columns":
            return f"[{'x' if item in st.columns else ' '}] {title}"
        return title
    return item


def menu_width(menu: Menu, st: State) -> int:
    labels = [menu_label(menu, i, st) for i in menu.items]
    title = menu_title(menu)
    return max([display_width(title), *(display_width(x) for x in labels)]) + 2


def menu_first(menu: Menu, rows: int) -> int:
    """The first item shown when ``rows`` item lines are available."""
    if rows <= 0:
        return 0
    return min(max(menu.index - rows + 1, 0), max(len(menu.items) - rows, 0))


def menu_lines(menu: Menu, st: State, width: int, height: int) -> list[Line]:
    """The menu panel: a title line, then the items (the chosen one
    "selected"), scrolled to keep it visible; ``height`` lines of ``width``."""
    if height <= 0 or width <= 0:
        return []
    title = clean(menu_title(menu), st.ascii)
    out: list[Line] = [fill((Cell(title),), width, "title")]
    first = menu_first(menu, height - 1)
    for i in range(first, min(len(menu.items), first + height - 1)):
        label = clean(menu_label(menu, menu.items[i], st), st.ascii)
        m = "selected" if i == menu.index else ""
        out.append(fill((Cell(" " + label, m),), width, m))
    while len(out) < height:
        out.append(fill((), width))
    return out


# ---------------------------------------------------------------- the last line

_KEYS = (("F1", "Help"), ("F3", "Search"), ("F4", "Filter"), ("F5", "Tree"), ("F6", "SortBy"),
         ("F7", "Nice-"), ("F8", "Nice+"), ("F9", "Kill"), ("F10", "Quit"))
_VIEW_KEYS = (("P", "Procs"), ("N", "Net"), ("D", "Disks"), ("?", "Help"), ("q", "Quit"))


def status_line(st: State, width: int) -> tuple[Line, int | None]:
    """The last line: the prompt being typed (and the cursor's column), the
    message of the last action, or the key bar."""
    a = st.ascii
    if st.prompt is not None:
        label = "Search: " if st.prompt == "search" else "Filter: "
        text = st.search if st.prompt == "search" else st.filter
        shown = tail(clean(text, a), max(width - len(label) - 1, 0))
        line = fill((Cell(label, "key"), Cell(shown, "status")), width, "status")
        return line, min(display_width(label) + display_width(shown), max(width - 1, 0))
    if st.message:
        return fill((Cell(clean(st.message, a), "status"),), width, "status"), None
    cells: list[Cell] = []
    for key, label in _KEYS if st.view == "processes" else _VIEW_KEYS:
        gap = "" if key.startswith("F") else " "  # htop's "F1Help", but "P Procs"
        cells += [Cell(key, "key"), Cell(f"{gap}{label} ", "status")]
    extra = []
    if st.filter:
        extra.append(f"filter: {clean(st.filter, a)}")
    if st.search:
        extra.append(f"search: {clean(st.search, a)} (n: next)")
    if st.follow:
        extra.append("follow")
    if extra:
        cells.append(Cell(" [" + "] [".join(extra) + "]", "warn"))
    return fill(cells, width, "status"), None


__all__ = [
    "HELP",
    "MENU_TITLES",
    "NICE_STEPS",
    "SIGNALS",
    "address",
    "details_lines",
    "disks_lines",
    "help_lines",
    "menu_first",
    "menu_label",
    "menu_lines",
    "menu_width",
    "netid",
    "network_lines",
    "status_line",
]
