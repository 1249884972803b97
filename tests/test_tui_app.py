"""``sysmon top`` without a terminal: --once, options, key names, key
dispatch, actions by identity, what is read only while shown.

The full curses run is tested under tmux (test_tui_tmux.py)."""

from __future__ import annotations

import curses
import os
import pwd
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import sysmon
from sysmon.cli import main
from sysmon.tui import app, model, model_views, source, view

HOSTILE_COMM = "\x1b]0;pwned\x07"
HOSTILE_SHOWN = "\\x1b]0;pwned\\x07"

# A child that renames itself (comm) and waits on stdin until the test is done.
CHILD = """
import sys
with open('/proc/self/comm', 'w') as f:
    f.write(sys.argv[1])
print('ready', flush=True)
sys.stdin.read()
"""


def spawn(comm: str, argv0: str | None = None) -> subprocess.Popen[str]:
    """A Python child named ``comm`` (and with argv[0] ``argv0``), ready."""
    p = subprocess.Popen(
        [argv0 or sys.executable, "-c", CHILD, comm],
        executable=sys.executable, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    return p


def stop(p: subprocess.Popen[str]) -> None:
    if p.poll() is None:
        p.kill()
    p.wait()
    for stream in (p.stdin, p.stdout):
        if stream is not None:
            stream.close()


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    kids: list[subprocess.Popen[str]] = []
    yield kids
    for k in kids:
        stop(k)


def ident(pid: int) -> model.Ident:
    with sysmon.Process(pid) as h:
        return pid, h.start_ticks()


def pids_in(out: str) -> set[int]:
    found = set()
    for line in out.splitlines():
        first = line.split(maxsplit=1)[0] if line.strip() else ""
        if first.isdigit():
            found.add(int(first))
    return found


# ---------------------------------------------------------------- --once


def test_once_prints_header_and_every_process(capsys, children):
    known = spawn("sysmontopkid")
    hostile = spawn(HOSTILE_COMM, argv0=HOSTILE_COMM)
    children += [known, hostile]
    before = {p.pid for p in sysmon.processes(("pid",))}
    assert main(["top", "--once"]) == 0
    after = {p.pid for p in sysmon.processes(("pid",))}
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert out.endswith("\n")
    assert any(line.startswith("Mem") for line in lines)
    assert any("PID" in line and "COMMAND" in line for line in lines)
    # every process alive before and after the run is listed, not a screenful
    assert before & after <= pids_in(out)
    assert {known.pid, hostile.pid} <= pids_in(out)
    # the hostile argv[0] is shown escaped; nothing raw reaches the terminal
    assert "\x1b" not in out
    assert "\x07" not in out
    hostile_line = next(line for line in lines if line.split()[:1] == [str(hostile.pid)])
    assert HOSTILE_SHOWN in hostile_line


@pytest.fixture
def quick_once(monkeypatch):
    """--once with a shorter first interval (CPU% is not what these check)."""
    monkeypatch.setattr(app, "ONCE_INTERVAL", 0.05)


def test_once_name_column_and_filter(capsys, children, quick_once):
    known = spawn("sysmontopkid")
    hostile = spawn(HOSTILE_COMM)
    children += [known, hostile]
    assert main(["top", "--once", "--columns", "pid,name", "--sort", "pid"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\x07" not in out
    by_pid = {line.split()[0]: line for line in out.splitlines() if line.split()[:1]}
    assert "sysmontopkid" in by_pid[str(known.pid)]
    assert "\\x1b]0;pwned" in by_pid[str(hostile.pid)]  # the name column is narrow

    assert main(["top", "--once", "--columns", "pid,name", "--filter", "sysmontopkid"]) == 0
    shown = pids_in(capsys.readouterr().out)
    assert known.pid in shown
    assert hostile.pid not in shown
    assert os.getpid() not in shown


def test_once_user_filter(capsys, quick_once):
    assert main(["top", "--once", "--columns", "pid,uid", "--user", str(os.getuid() + 12345)]) == 0
    out = capsys.readouterr().out
    assert pids_in(out) == set()
    # the table holds the user's processes; the header still counts every
    # process, as top -u does (this one and pid 1 at least)
    tasks = re.search(r"Tasks: (\d+)", out)
    assert tasks is not None and int(tasks.group(1)) >= 2, out
    assert main(["top", "--once", "--columns", "pid,uid", "--user", str(os.getuid())]) == 0
    assert os.getpid() in pids_in(capsys.readouterr().out)


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-d", "0"], "at least 0.1"),
        (["-d", "0.05"], "at least 0.1"),
        (["--delay", "soon"], "not a number"),
        (["-d", "nan"], "at least 0.1"),
        (["-d", "inf"], "at least 0.1"),
        (["--columns", "pid,nope"], "unknown column 'nope'"),
        (["--columns", "pid,,rss"], "empty column name"),
        (["--sort", "nope"], "unknown column 'nope'"),
        (["--user", "no-such-user-here"], "unknown user"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, argv, words):
    assert main(["top", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("sysmon: error: ")
    assert words in err


def test_good_options():
    parser_args = ["top", "-d", "0.25", "--mono", "--columns", "pid,rss,pid", "--sort", "rss",
                   "--tree", "--filter", "x", "--user", "0"]
    from sysmon.cli import build_parser, top

    opts = top.options(build_parser().parse_args(parser_args))
    assert opts == app.Options(delay=0.25, mono=True, columns=("pid", "rss"), sort="rss",
                               tree=True, filter="x", uid=0)
    st = app.initial_state(opts)
    assert (st.mono, st.tree, st.filter, st.sort, st.columns) == (True, True, "x", "rss",
                                                                  ("pid", "rss"))


def test_no_color_means_mono(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert app.initial_state(app.Options()).mono
    monkeypatch.setenv("NO_COLOR", "")
    assert not app.initial_state(app.Options()).mono


def test_interactive_needs_a_terminal(capsys):
    assert main(["top"]) == 1  # stdin/stdout are not terminals under pytest
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--once" in err


def test_bare_sysmon_without_a_terminal_keeps_usage(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage: sysmon" in err
    assert "top" in err


def test_tui_modules_do_nothing_at_import():
    """Importing the loop pulls in neither curses nor a sample."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import sysmon.tui.app, sysmon.cli; "
        "assert 'curses' not in sys.modules and '_curses' not in sys.modules, 'curses'"
    )
    root = str(Path(sysmon.__file__).resolve().parent.parent)
    r = subprocess.run([sys.executable, "-c", code, root], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- key names


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (curses.KEY_F0 + 1, "F1"),
        (curses.KEY_F0 + 6, "F6"),
        (curses.KEY_F0 + 10, "F10"),
        (curses.KEY_UP, "UP"),
        (curses.KEY_DOWN, "DOWN"),
        (curses.KEY_LEFT, "LEFT"),
        (curses.KEY_RIGHT, "RIGHT"),
        (curses.KEY_PPAGE, "PGUP"),
        (curses.KEY_NPAGE, "PGDN"),
        (curses.KEY_HOME, "HOME"),
        (curses.KEY_END, "END"),
        (curses.KEY_RESIZE, "RESIZE"),
        (curses.KEY_MOUSE, "MOUSE"),
        (curses.KEY_ENTER, "ENTER"),
        (curses.KEY_BACKSPACE, "BACKSPACE"),
        ("\n", "ENTER"),
        ("\r", "ENTER"),
        (10, "ENTER"),
        ("\x1b", "ESC"),
        (27, "ESC"),
        ("\x7f", "BACKSPACE"),
        (127, "BACKSPACE"),
        ("\b", "BACKSPACE"),
        ("\x0c", "REDRAW"),
        ("q", "q"),
        (ord("q"), "q"),
        (" ", " "),
        ("\\", "\\"),
        ("é", "é"),
        ("漢", "漢"),
        ("\x01", None),
        ("\x9b", None),  # C1 CSI: never passed on
        ("\u202e", None),
        (0xD800, None),
        (-1, None),
        (0x7FFFFFFF, None),
        ("ab", None),
    ],
)
def test_key_name(raw, name):
    assert view.key_name(raw) == name


@pytest.mark.parametrize(
    ("seq", "name"),
    [
        ("[1~", "HOME"),
        ("[4~", "END"),
        ("[7~", "HOME"),
        ("[8~", "END"),
        ("[5~", "PGUP"),
        ("[6~", "PGDN"),
        ("[3~", "DELETE"),
        ("[15~", "F5"),
        ("[21~", "F10"),
        ("[1;5~", "HOME"),
        ("[A", "UP"),
        ("[1;5A", "UP"),
        ("[H", "HOME"),
        ("OF", "END"),
        ("OP", "F1"),
        ("OM", "ENTER"),
        ("[99~", None),
        ("[?1;2c", None),  # a terminal's answer, not a key
        ("[200~", None),  # bracketed paste start
        ("[Z", None),
        ("x", None),  # Alt+x
        ("[", None),
        ("", None),
    ],
)
def test_sequence_name(seq, name):
    """An escape sequence curses did not know is one key or none, never
    ESC, '[', '1', '~' acting one by one."""
    assert view.sequence_name(seq) == name


def test_mouse_key():
    assert view.mouse_key(3, 7, curses.BUTTON1_PRESSED) == "MOUSE 3 7 1"
    assert view.mouse_key(3, 7, curses.BUTTON1_CLICKED) == "MOUSE 3 7 1"
    assert view.mouse_key(0, 0, curses.BUTTON4_PRESSED) == "MOUSE 0 0 4"
    assert view.mouse_key(3, 7, curses.BUTTON1_RELEASED) is None
    assert view.mouse_key(3, 7, 0) is None


# ---------------------------------------------------------------- key dispatch


@pytest.fixture(scope="module")
def live() -> tuple[model.Snapshot, model.State]:
    st = app.initial_state(app.Options())
    src = source.Source(st)
    src.sample(st)
    snap, _ = src.sample(st)
    return snap, model.clamp(snap, st, 40)


def keys(snap: model.Snapshot, st: model.State, *names: str) -> tuple[model.State,
                                                                       model.Action | None]:
    action = None
    for k in names:
        st, action = app.handle_key(snap, st, k, 40, 120)
        st = model.clamp(snap, st, 40)
    return st, action


def test_handle_key_quit_and_moves(live):
    snap, st = live
    assert isinstance(keys(snap, st, "q")[1], model.Quit)
    assert isinstance(keys(snap, st, "F10")[1], model.Quit)
    down, _ = keys(snap, st, "DOWN", "DOWN")
    assert down.index == st.index + 2
    assert keys(snap, down, "HOME")[0].index == 0
    assert keys(snap, st, "END")[0].index == len(model.rows(snap, st)) - 1
    assert keys(snap, st, "MOUSE 0 0 5")[0].index == st.index + 3  # wheel down
    assert keys(snap, st, "RESIZE") == (st, None)


def test_handle_key_modes(live):
    snap, st = live
    menu, _ = keys(snap, st, "k")
    assert menu.menu is not None and menu.menu.kind == "signal"
    assert keys(snap, menu, "ESC")[0].menu is None
    # in a menu, 'q' closes the menu instead of quitting
    closed, action = keys(snap, menu, "q")
    assert closed.menu is None and action is None
    chosen, action = keys(snap, menu, "ENTER")
    assert isinstance(action, model.SendSignal)
    assert action.signal == signal.SIGTERM and action.targets == (chosen.selected,)
    # while typing a search, 'q' is text
    typing, action = keys(snap, st, "/", "q")
    assert typing.prompt == "search" and typing.search == "q" and action is None
    assert keys(snap, typing, "ESC")[0].prompt is None
    assert keys(snap, st, "t")[0].tree != st.tree
    assert keys(snap, st, "F5")[0].tree != st.tree
    assert keys(snap, st, "ENTER")[0].details
    assert keys(snap, st, "N")[0].view == "network"
    assert keys(snap, st, "D")[0].view == "disks"
    assert keys(snap, st, "D", "P")[0].view == "processes"
    helped, _ = keys(snap, st, "?")
    assert helped.view == "help"
    assert keys(snap, helped, "x")[0].view == "processes"
    assert keys(snap, st, "F6")[0].menu is not None
    _, action = keys(snap, st, "F8")
    assert isinstance(action, model.Renice) and action.delta == 1
    assert isinstance(keys(snap, st, "F7")[1], model.Renice)


# ---------------------------------------------------------------- actions


def test_signal_refuses_an_exited_process():
    p = subprocess.Popen(["sleep", "30"])
    old = ident(p.pid)
    p.kill()
    p.wait()
    msg = source.execute(model.SendSignal((old,), signal.SIGTERM))
    assert "exited" in msg


def test_signal_refuses_a_reused_pid():
    """An Ident whose start ticks differ (the pid belongs to a newcomer) is
    reported exited, and the process holding the pid now is left alone."""
    p = subprocess.Popen(["sleep", "30"])
    try:
        pid, ticks = ident(p.pid)
        msg = source.execute(model.SendSignal(((pid, ticks - 1),), signal.SIGKILL))
        assert "exited" in msg
        time.sleep(0.05)
        assert p.poll() is None
        msg = source.execute(model.Renice(((pid, ticks + 1),), 1))
        assert "exited" in msg
        assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        p.kill()
        p.wait()


def test_signal_and_renice_a_child():
    p = subprocess.Popen(["sleep", "30"])
    try:
        me = ident(p.pid)
        base = os.getpriority(os.PRIO_PROCESS, p.pid)
        if base < 19:
            msg = source.execute(model.Renice((me,), 1))
            assert os.getpriority(os.PRIO_PROCESS, p.pid) == base + 1
            assert msg == f"process {p.pid}: nice {base + 1}"
        msg = source.execute(model.SendSignal((me,), signal.SIGTERM))
        assert msg == f"sent SIGTERM to process {p.pid}"
        assert p.wait(5) == -signal.SIGTERM
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_several_targets_one_line():
    a = subprocess.Popen(["sleep", "30"])
    b = subprocess.Popen(["sleep", "30"])
    try:
        ia, ib = ident(a.pid), ident(b.pid)
        b.kill()
        b.wait()
        msg = source.execute(model.SendSignal((ia, ib), signal.SIGKILL))
        assert "\n" not in msg
        assert "1 of 2" in msg and "exited" in msg
        assert a.wait(5) == -signal.SIGKILL
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.kill()
            p.wait()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges in a child")
def test_access_denied_is_a_message():
    # a child running as nobody may not signal us: run the executor there
    code = (
        "import os, sys, signal; sys.path.insert(0, sys.argv[1]); "
        "from sysmon.tui import source, model; "
        "os.setgid(65534); os.setuid(65534); "
        "print(source.execute(model.SendSignal(((int(sys.argv[2]), int(sys.argv[3])),), 0)))"
    )
    root = str(Path(sysmon.__file__).resolve().parent.parent)
    pid, ticks = ident(os.getpid())
    r = subprocess.run([sys.executable, "-c", code, root, str(pid), str(ticks)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "not permitted" in r.stdout


# ---------------------------------------------------------------- read only while shown


def test_details_of_a_child_and_of_an_exited_one(children, monkeypatch):
    monkeypatch.setenv("SYSMON_TUI_TEST_VAR", "visible")
    monkeypatch.setenv("SYSMON_TUI_TEST_PASSWORD", "hunter2")
    kid = spawn("sysmontopkid")
    children.append(kid)
    d = source.details_of(ident(kid.pid))
    assert d.pid == kid.pid
    assert d.cmdline[:2] == (sys.executable, "-c")
    assert isinstance(d.environ, tuple)
    env = dict(d.environ)
    assert env["SYSMON_TUI_TEST_VAR"] == "visible"
    assert env["SYSMON_TUI_TEST_PASSWORD"] == sysmon.REDACTED
    assert isinstance(d.open_files, tuple)
    assert isinstance(d.connections, tuple)
    old = ident(kid.pid)
    stop(kid)
    gone = source.details_of(old)
    assert gone.environ == gone.open_files == gone.connections == "the process has exited"


def test_extras_only_while_shown(live):
    snap, st = live
    src = source.Source(st)
    plain, errors = src.extras(snap, st)
    assert errors == []
    assert (plain.connections, plain.filesystems, plain.disk_rates, plain.details) == (
        None, None, None, None)
    net, _ = src.extras(snap, model.set_view(st, "network"))
    assert net.connections is not None and net.filesystems is None
    disks, _ = src.extras(snap, model.set_view(st, "disks"))
    assert disks.filesystems is not None and disks.connections is None
    assert any(m.mountpoint == "/" for m, _ in disks.filesystems)
    me = next(r.ident for r in model.rows(snap, st) if r.ident[0] == os.getpid())
    sel = model.toggle_details(st)
    sel = replace(sel, selected=me)
    detailed, _ = src.extras(snap, sel)
    assert detailed.details is not None and detailed.details.pid == os.getpid()
    # back to the table: nothing extra is kept
    assert src.extras(detailed, st)[0].details is None


# ---------------------------------------------------------------- per-row fields


TALL = 200  # the tests' screen height for the per-row reads: ~190 table rows


def _half_height(snap: model.Snapshot) -> int:
    """A screen that shows about half the processes (the newest first), or
    190 rows when there are very many."""
    return max(20, min(TALL, len(snap.processes) // 2 + 8))


def _sampled_with(children: list[subprocess.Popen[str]], comm: str
                  ) -> tuple[subprocess.Popen[str], source.Source, model.State, model.Snapshot]:
    """A child named ``comm``, then a Source and one sample, newest first."""
    kid = spawn(comm)
    children.append(kid)
    st = _newest_first()
    src = source.Source(st)
    snap, _ = src.sample(st)
    return kid, src, st, snap


def _newest_first() -> model.State:
    """The newest processes on top: a child just spawned is on screen."""
    return model.State(sort="start_ticks", reverse=True)


def test_costly_fields_read_for_shown_rows_only(children):
    """The scan leaves cmdline and user unread; Source.extras reads them for
    exactly the rows on screen, as ps shows them, and keeps them while the
    selection moves within one sample."""
    kid, src, st, snap = _sampled_with(children, "perrowkid")
    per_row = {"cmdline", "username", "rss", "shared"}
    assert src.per_row == per_row and src.fields.isdisjoint(per_row)
    tall = _half_height(snap)
    st = model.clamp(snap, st, tall)
    assert all(getattr(s.info, n) is None for s in snap.processes for n in per_row)
    full, errors = src.extras(snap, st, fresh=True, height=tall)
    assert errors == []
    shown = model.shown_rows(snap, st, tall)
    assert 0 < len(shown) < len(snap.processes)
    assert full.extra is not None and set(full.extra) == {r.ident for r in shown}
    mine = full.extra[ident(kid.pid)]
    assert mine.info.cmdline == [sys.executable, "-c", CHILD, "perrowkid"]
    with open(f"/proc/{kid.pid}/statm", "rb") as f:
        statm = f.read().split()  # the child is idle: its pages stay as they are
    page = os.sysconf("SC_PAGE_SIZE")
    assert (mine.info.rss, mine.info.shared) == (int(statm[1]) * page, int(statm[2]) * page)
    assert mine.info.username == pwd.getpwuid(os.getuid()).pw_name
    for r in shown:  # the rest of the record is the scan's
        done = full.extra[r.ident]
        assert done.info._replace(**dict.fromkeys(per_row)) == r.sample.info
        assert done.cpu_percent == r.sample.cpu_percent
    with open(f"/proc/{kid.pid}/cmdline", "rb") as f:
        raw = f.read()
    assert [a.encode() for a in mine.info.cmdline] == raw.split(b"\0")[:-1]
    text = model.render_text(full, st, 400)
    assert "perrowkid" in text
    # scrolling within the same sample reads only the rows not read yet
    down = model.clamp(full, model.move(full, st, tall, tall), tall)
    more, _ = src.extras(full, down, height=tall)
    assert more.extra is not None
    assert set(full.extra) < set(more.extra)
    assert {r.ident for r in model.shown_rows(full, down, tall)} <= set(more.extra)
    # a new sample starts over
    again, _ = src.extras(snap, st, fresh=True, height=tall)
    assert again.extra is not None and set(again.extra) == {r.ident for r in shown}


def test_column_added_is_read_for_the_shown_rows_at_once(children):
    """A column whose field is read per row (EUID) needs no new sample, but
    the rows already completed get it now, not at the next refresh."""
    kid, src, st, snap = _sampled_with(children, "eukid")
    st = model.clamp(snap, st, TALL)
    full, _ = src.extras(snap, st, fresh=True, height=TALL)
    assert full.extra is not None and full.extra[ident(kid.pid)].info.euid is None
    wider = replace(st, columns=(*st.columns[:-1], "euid", st.columns[-1]))
    assert src.want(wider) is False  # nothing more for every process
    assert "euid" in src.per_row
    after, _ = src.extras(full, wider, height=TALL)
    assert after.extra is not None
    assert after.extra[ident(kid.pid)].info.euid == os.geteuid()
    assert all(s.info.euid is not None for s in after.extra.values())
    assert str(os.geteuid()) in model.render_text(after, wider, 400).split("eukid")[0]


def test_per_row_read_of_a_reused_pid_keeps_the_scan_sample(children):
    """A shown row whose pid names another process by the time of the
    per-row read (here: a start time the table holds that is not the
    process's) is not completed with the newcomer's data."""
    kid, src, st, snap = _sampled_with(children, "reusedkid")
    real = next(s for s in snap.processes if s.info.pid == kid.pid)
    older = real._replace(info=real.info._replace(start_ticks=real.info.start_ticks - 1))
    forged = replace(snap, processes=tuple(older if s is real else s for s in snap.processes))
    st = model.clamp(forged, st, TALL)
    full, _ = src.extras(forged, st, fresh=True, height=TALL)
    assert full.extra is not None
    assert full.extra[ident(kid.pid)[0], older.info.start_ticks] is older
    others = [s for i, s in full.extra.items() if i[0] != kid.pid]
    assert others and all(s.info.cmdline is not None for s in others)


def test_per_row_read_of_an_exited_process_keeps_the_scan_sample(children):
    kid, src, st, snap = _sampled_with(children, "gonekid")
    st = model.clamp(snap, st, TALL)
    me = ident(kid.pid)
    stop(kid)
    full, errors = src.extras(snap, st, fresh=True, height=TALL)
    assert errors == []
    assert full.extra is not None
    row = next(r for r in model.shown_rows(snap, st, TALL) if r.ident == me)
    assert full.extra[me] is row.sample  # drawn with the name from stat
    assert "gonekid" in model.render_text(full, st, 400)


def test_all_rows_and_changing_fields_keep_rates(children):
    kid = spawn("allrowskid")
    children.append(kid)
    st = model.State()
    every = source.Source(st, all_rows=True)
    assert every.per_row == frozenset() and {"cmdline", "username"} <= every.fields
    snap, _ = every.sample(st)
    info = next(s.info for s in snap.processes if s.info.pid == kid.pid)
    assert info.cmdline == [sys.executable, "-c", CHILD, "allrowskid"]
    # a search needs the command line of every process: the fields grow
    # (sample now), the rates go on; when it ends they shrink again
    src = source.Source(st)
    src.sample(st)
    searching = model.start_prompt(st, "search")
    assert src.want(searching) is True
    snap, _ = src.sample(searching)
    mine = next(s for s in snap.processes if s.info.pid == kid.pid)
    assert mine.info.cmdline is not None and mine.cpu_percent is not None
    assert src.want(st) is False
    snap, _ = src.sample(st)
    mine = next(s for s in snap.processes if s.info.pid == kid.pid)
    assert mine.info.cmdline is None and mine.cpu_percent is not None


def test_every_bound_key_is_in_the_help():
    """The help screen lists every key the process view and every view
    bind, so no binding (F2's column chooser, the aliases) goes unsaid."""
    listed = " ".join(k for k, _ in model_views.HELP).split()
    names = {" ": "Space", "ENTER": "Enter", "ESC": "Esc"}
    bound = [*app._PROCESS_KEYS, *app._VIEW_KEYS, "?", "F1", "h", "q", "F10"]
    missing = [k for k in bound if names.get(k, k) not in listed]
    assert missing == []
    # and the README's key table
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme[readme.index("| key | does |"):]
    table = table[: table.index("\n\n")]
    in_readme = set(re.findall(r"`([^`]+)`", table))
    assert [k for k in bound if names.get(k, k) not in in_readme] == []
