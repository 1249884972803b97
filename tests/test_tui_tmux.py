"""End to end: ``sysmon top`` driven under tmux as a person would use it.

Each test starts its own private tmux server (tests/tmux_support.py) running
``python -m sysmon.cli top -d 0.5``, sends keys, and reads the screen back with
``capture-pane``.  Children the tests spawn carry a distinctive argument (a
nonce) so their rows can be found; all are killed and reaped at teardown, and
the tmux server is killed whatever happens.  No fixed sleeps: every wait polls
with a deadline, longer under the ASan build (SYSMON_ASAN=1).

``--once`` needs no terminal and is checked here too (test_once_*).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from tmux_support import SLOW, TIMEOUT, Tmux, plain_env, poll, sgr_params, strip_sgr

from sysmon.sanitize import sanitize

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

_nonce = itertools.count(1)
NPROC = os.cpu_count() or 1


def nonce() -> str:
    """Digits no other process on the machine has in its command line."""
    return f"{os.getpid() % 100000:05d}{next(_nonce):02d}"


# ----------------------------------------------------------------- screen parsing

TITLE = re.compile(r"\bPID\b.*\bUSER\b")
ROW = re.compile(r"\s*(\d+)\s")


def title_index(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if TITLE.search(line):
            return i
    return None


def table(lines: list[str]) -> list[str]:
    """The process rows: after the title row, before the last line (the key
    bar, prompt or message line); blank lines dropped."""
    t = title_index(lines)
    if t is None:
        return []
    return [ln for ln in lines[t + 1 : -1] if ln.strip()]


def pids(rows: list[str]) -> list[int]:
    out = []
    for r in rows:
        m = ROW.match(r)
        if m:
            out.append(int(m.group(1)))
    return out


def row_of(lines: list[str], pid: int) -> int | None:
    """Index in ``lines`` of the table row whose PID column is ``pid``."""
    t = title_index(lines)
    if t is None:
        return None
    for i in range(t + 1, len(lines)):
        m = ROW.match(lines[i])
        if m and int(m.group(1)) == pid:
            return i
    return None


def header(lines: list[str]) -> str:
    t = title_index(lines)
    return "\n".join(lines[:t] if t is not None else lines)


def header_ok(screen: str) -> bool:
    """Header fields of htop: CPU bars, Mem and Swp bars, load, uptime, tasks;
    then the table's title row with PID, USER and COMMAND."""
    lines = screen.split("\n")
    t = title_index(lines)
    if t is None or "COMMAND" not in lines[t].upper():
        return False
    head = header(lines)
    low = head.lower()
    bars = re.findall(r"\[[^\]\n]*\]", head)
    return (
        all(w in low for w in ("mem", "swp", "load average", "uptime", "tasks"))
        and len(bars) >= 3  # at least one CPU bar, Mem and Swp
        and any("[" in ln for ln in head.split("\n") if "Mem" in ln)
        and any("[" in ln for ln in head.split("\n") if "Swp" in ln)
    )


def monotonic(seq: list[int]) -> str | None:
    if len(seq) < 2:
        return None
    pairs = list(zip(seq, seq[1:]))
    if all(a < b for a, b in pairs):
        return "ascending"
    if all(a > b for a, b in pairs):
        return "descending"
    return None


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0].decode()
    except OSError:
        return ""


def _nice(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as f:
        return int(f.read().rsplit(b")", 1)[1].split()[16])  # field 19


def live_pids() -> set[int]:
    return {int(n) for n in os.listdir("/proc") if n.isdigit()}


# ----------------------------------------------------------------- fixtures


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start a helper child (no sanitizer preload) in a process group of its
    own; at teardown each group is killed (grandchildren too) and the child
    reaped."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str], **kw: object) -> subprocess.Popen[bytes]:
        kw.setdefault("env", plain_env())
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw["start_new_session"] = True
        p = subprocess.Popen(argv, **kw)  # type: ignore[call-overload]
        procs.append(p)
        return p

    try:
        yield start
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
            if p.stdout is not None:
                p.stdout.close()


@pytest.fixture
def top() -> Iterator[Callable[..., Tmux]]:
    """Start ``sysmon top ARGS`` in a private tmux session; the server is
    killed at teardown."""
    sessions: list[Tmux] = []

    def start(*args: str, width: int = 120, height: int = 40) -> Tmux:
        t = Tmux(args, width=width, height=height)
        sessions.append(t)
        t.start()
        return t

    try:
        yield start
    finally:
        for t in sessions:
            t.close()


def started(t: Tmux) -> list[str]:
    """Wait for the first full frame (header and title row); its lines."""
    t.wait_for(header_ok, TIMEOUT, "the header (CPU/Mem/Swp bars, load, uptime, tasks) "
               "and the PID/USER/COMMAND title row")
    return t.lines()


def sysmon_pid(t: Tmux) -> int:
    """The pid of the python running ``sysmon top`` in the pane (a child of sh)."""
    sh = t.pane_pid()
    assert sh is not None
    return poll(lambda: next(iter(children_of(sh)), 0), what="sysmon's pid")


def apply_filter(t: Tmux, text: str) -> None:
    t.type_text("\\")
    t.type_text(text)
    t.send_keys("Enter")


# ----------------------------------------------------------------- 1. start, child, q


@needs_tmux
def test_starts_shows_header_and_child_then_q_quits(top, spawn):
    tok = f"1234.{nonce()}"
    child = spawn(["sleep", tok])
    t = top()
    started(t)
    assert t.display("#{alternate_on}") == "1", "the UI runs in the alternate screen"

    # The child is one of many rows: search ('/') jumps to it, and its row
    # carries its pid.
    t.type_text("/")
    t.type_text(tok)
    t.send_keys("Enter")
    t.wait_for(lambda s: row_of(s.split("\n"), child.pid) is not None, TIMEOUT,
               f"the row of the spawned child pid {child.pid} ({tok})")
    lines = t.lines()
    assert tok in lines[row_of(lines, child.pid)]

    me = sysmon_pid(t)
    t.send_keys("q")
    screen = t.wait_for(lambda s: s if "EXITED:" in s else "", TIMEOUT,
                        "the shell to get the screen back after 'q'")
    assert "EXITED:0" in screen, t.report(screen)
    assert not os.path.exists(f"/proc/{me}") or _state(me) == "Z", "sysmon still runs"
    assert t.display("#{alternate_on}") == "0", "the alternate screen was left"
    assert title_index(screen.split("\n")) is None, f"UI still on screen:\n{screen}"
    assert child.poll() is None  # quitting touched nothing else


# ----------------------------------------------------------------- 2. sorting


@needs_tmux
def test_sort_keys_move_marker_and_invert(top):
    t = top("--sort", "pid")
    started(t)
    me = sysmon_pid(t)

    def rows_order(want: str | None = None) -> Callable[[str], list[int]]:
        def pred(s: str) -> list[int]:
            ps = pids(table(s.split("\n")))
            ok = len(ps) >= 5 and monotonic(ps) is not None
            return ps if ok and (want is None or monotonic(ps) == want) else []
        return pred

    first = t.wait_for(rows_order(), TIMEOUT, "the table sorted by PID (--sort pid)")
    direction = monotonic(first)
    if direction == "ascending":
        assert first[0] == min(live_pids() | {first[0]}), first

    def title_e() -> str:
        lines_e = t.lines(escapes=True)
        i = title_index([strip_sgr(x) for x in lines_e])
        return lines_e[i] if i is not None else ""

    t0 = poll(title_e, what="title row")
    # '>' sorts by the next column: the title row's sort marker moves.
    t.type_text(">")
    t1 = poll(lambda: (x := title_e()) != t0 and x, TIMEOUT, "'>' to move the sort marker",
              t.capture)
    # '<' comes back to PID: the same title row and PID order again.
    t.type_text("<")
    poll(lambda: title_e() == t0, TIMEOUT, "'<' to move the sort marker back to PID",
         lambda: f"before:\n{t0!r}\nafter '>':\n{t1!r}\nnow:\n{title_e()!r}")
    again = t.wait_for(rows_order(direction), TIMEOUT, f"PID order ({direction}) again")
    assert again

    # 'I' inverts the order.
    other = "descending" if direction == "ascending" else "ascending"
    t.type_text("I")
    inverted = t.wait_for(rows_order(other), TIMEOUT, f"'I' to invert to {other} PID order")
    asc, desc = (again, inverted) if direction == "ascending" else (inverted, again)
    # ascending starts at the smallest pid on the machine (1 in any pid
    # namespace); descending shows the newest processes, sysmon among them.
    assert asc[0] == min(live_pids() | {asc[0]}), asc
    assert me in desc or desc[-1] > me, (me, desc)
    assert desc[0] >= max(asc)


# ----------------------------------------------------------------- 3. filter


@needs_tmux
def test_filter_leaves_matching_rows_and_clearing_restores(top, spawn):
    tok = f"1234.{nonce()}"
    child = spawn(["sleep", tok])
    t = top()
    before = table(started(t))
    assert len(before) >= 3, before

    apply_filter(t, tok)

    def only_child(s: str) -> list[str]:
        rows = table(s.split("\n"))
        return rows if rows and all(tok in r for r in rows) else []

    rows = t.wait_for(only_child, TIMEOUT, f"only rows matching {tok!r}")
    assert pids(rows) == [child.pid], rows
    assert header_ok(t.capture())  # the header stays

    # Clear the filter (edit it to nothing) and accept: every row is back.
    t.type_text("\\")
    t.send_keys(*["BSpace"] * (len(tok) + 2))
    t.send_keys("Enter")
    # (as many rows as before, give or take processes that came and went)
    want = max(3, len(before) - 5)
    t.wait_for(lambda s: len(table(s.split("\n"))) >= want
               and sum(tok not in r for r in table(s.split("\n"))) >= want - 1,
               TIMEOUT, "the unfiltered table after clearing the filter")


# ----------------------------------------------------------------- 4. tree


@needs_tmux
def test_tree_shows_grandchild_indented_under_its_parent(top, spawn):
    tok = f"2345.{nonce()}"
    parent = spawn(["/bin/sh", "-c", f"sleep {tok}; exit 0"])
    grandchild = poll(lambda: next(iter(children_of(parent.pid)), 0), what="the grandchild")
    t = top()
    started(t)
    apply_filter(t, tok)  # both match: the table holds just the two of them
    t.wait_for(lambda s: {parent.pid, grandchild} <= set(pids(table(s.split("\n")))),
               TIMEOUT, "the parent and grandchild rows under the filter")

    t.type_text("t")

    def nested(s: str) -> bool:
        lines = s.split("\n")
        i = row_of(lines, parent.pid)
        if i is None or i + 1 >= len(lines) or row_of(lines, grandchild) != i + 1:
            return False
        return lines[i + 1].find(f"sleep {tok}") > lines[i].find("/bin/sh") >= 0

    t.wait_for(nested, TIMEOUT, f"tree: grandchild {grandchild} (sleep) right under and "
               f"indented beyond its parent {parent.pid} (/bin/sh)")


# ----------------------------------------------------------------- 5. signal menu


@needs_tmux
def test_signal_menu_sigterm_first_and_enter_terminates_child(top, spawn):
    tok = f"3456.{nonce()}"
    child = spawn(["sleep", tok])
    t = top()
    started(t)
    apply_filter(t, tok)
    t.wait_for(lambda s: pids(table(s.split("\n"))) == [child.pid], TIMEOUT,
               f"the child's row ({child.pid}) alone under the filter")
    t.type_text("k")  # on the selected row: the only one
    screen = t.wait_for_text("SIGKILL")
    names = re.findall(r"\bSIG[A-Z]+[0-9+-]*\b", screen)
    assert names and names[0] == "SIGTERM", f"SIGTERM is not first: {names}\n{screen}"
    assert child.poll() is None  # opening the menu sends nothing

    t.send_keys("Enter")
    rc = poll(lambda: child.poll() is not None, TIMEOUT, "the child to be terminated",
              t.capture) and child.returncode
    assert rc == -signal.SIGTERM, rc

    def status(s: str) -> str:
        lines = s.rstrip("\n").split("\n")
        last = lines[-1] if lines else ""
        ok = "SIGKILL" not in s and re.search(r"SIGTERM|\bTERM\b", last, re.IGNORECASE)
        return last if ok else ""

    t.wait_for(status, TIMEOUT, "the menu closed and the status line reporting SIGTERM")


# ----------------------------------------------------------------- 5b. unknown keys


@needs_tmux
def test_unrecognised_key_sequences_do_nothing(top, spawn):
    """tmux sends Home and End as ESC [ 1 ~ and ESC [ 4 ~, which the
    xterm-256color terminfo does not list, so curses hands them over byte by
    byte.  Such a sequence must be dropped whole, not read as the keys ESC,
    '[' (renice +1), '1', '~' acting on the selected process."""
    tok = f"4567.{nonce()}"
    child = spawn(["sleep", tok])
    t = top()
    started(t)
    apply_filter(t, tok)  # (not --filter: sysmon's own command line holds that)
    t.wait_for(lambda s: pids(table(s.split("\n"))) == [child.pid], TIMEOUT,
               f"the child's row ({child.pid}) alone under the filter")
    nice0 = _nice(child.pid)

    def title(s: str) -> str:
        lines = s.split("\n")
        i = title_index(lines)
        return lines[i] if i is not None else ""

    before = title(t.capture())
    t.send_keys("Home", "End")
    t.type_text("I")  # a visible sentinel: once the title changes, all keys were read
    screen = t.wait_for(lambda s: s if title(s) not in ("", before) else "", TIMEOUT,
                        "'I' to change the title row's sort marker")
    assert _nice(child.pid) == nice0, (
        f"Home/End (ESC [ 1 ~, ESC [ 4 ~) reniced the selected process {child.pid}: "
        f"nice {nice0} -> {_nice(child.pid)}\n{screen}")
    assert child.poll() is None
    assert pids(table(screen.split("\n"))) == [child.pid], screen


# ----------------------------------------------------------------- 6. hostile names


HOSTILE_COMM = b"\x1b]0;PWNED\x07\xe2\x80\xae"  # 13 bytes: fits TASK_COMM_LEN
FOREGROUND = {str(n) for n in (*range(30, 39), *range(90, 98))}


@needs_tmux
def test_hostile_names_are_escaped_and_terminal_untouched(top, spawn):
    tok = f"hx{nonce()}"
    argv0 = f"\x1b]0;PWNED\x07{tok}\x1b[2J\x1b[31mRED\u202eevil"
    code = (f"import sys,time;open('/proc/self/comm','wb').write({HOSTILE_COMM!r});"
            "print('ready',flush=True);time.sleep(600)")
    child = spawn([argv0, "-c", code], executable=sys.executable, stdout=subprocess.PIPE)
    assert child.stdout is not None
    assert child.stdout.readline() == b"ready\n"

    t = top("--mono", "--columns", "pid,username,name,cmdline", width=200)
    started(t)
    title = t.pane_title()
    apply_filter(t, tok)
    want_cmd = sanitize(argv0)
    want_name = sanitize(HOSTILE_COMM.decode())[:12]  # "\\x1b]0;PWNED": NAME is 15 wide
    screen = t.wait_for(lambda s: s if row_of(s.split("\n"), child.pid) is not None
                        and want_cmd in s else "", TIMEOUT,
                        f"the hostile child's row with its escaped command line {want_cmd!r}")
    lines = screen.split("\n")
    row = lines[row_of(lines, child.pid)]
    assert want_name in row, f"NAME column does not show the escaped comm: {row!r}"
    for piece in ("\\x1b]0;PWNED\\x07", "\\x1b[2J", "\\x1b[31m", "\\u202e"):
        assert piece in row, (piece, row)

    # After a later refresh (the screen changed: uptime, CPU) it is still intact.
    t.wait_for(lambda s: s != screen and header_ok(s) and want_cmd in s, TIMEOUT,
               "a later frame with the header and the hostile row")

    assert "PWNED" not in t.pane_title(), t.pane_title()
    assert t.pane_title() == title
    screen = t.capture()
    assert header_ok(screen), f"screen cleared or garbled:\n{screen}"
    assert "\u202e" not in screen and "\x1b" not in screen
    colored = [(i, p) for i, ln in enumerate(t.lines(escapes=True))
               for p in sgr_params(ln) if FOREGROUND & set(p)]
    assert not colored, f"--mono screen holds colour escapes (from the name?): {colored}"


# ----------------------------------------------------------------- 7. resize


@needs_tmux
def test_resize_rerenders_without_garbage(top):
    t = top()
    started(t)

    def clean(width: int, height: int) -> Callable[[str], bool]:
        def pred(s: str) -> bool:
            lines = s.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            ti = title_index(lines)
            if ti is None or len(lines) != height or not lines[-1].strip():
                return False
            rows = [ln for ln in lines[ti + 1 : -1] if ln.strip()]
            return (
                all(len(ln) <= width for ln in lines)
                and bool(rows)
                and all(ROW.match(r) for r in rows)  # each row starts with a PID: no wrap
                and lines[ti].lstrip().startswith("PID")
                # laid out for this size, not an old frame clipped: the bars close
                # within the width and the last line is the key bar, not a row
                and re.search(r"Mem\[[^\]]*\]", s) is not None
                and not ROW.match(lines[-1])
            )
        return pred

    t.resize(60, 20)
    assert t.display("#{pane_width}x#{pane_height}") == "60x20"
    t.wait_for(clean(60, 20), TIMEOUT, "a clean 60x20 frame (title row, PID-led rows, key bar)")
    t.resize(120, 40)
    t.wait_for(lambda s: clean(120, 40)(s) and header_ok(s), TIMEOUT,
               "a clean 120x40 frame again")


# ----------------------------------------------------------------- 8. --once


def test_once_prints_header_and_every_process():
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    ps_env = plain_env()

    def ps() -> set[int]:
        out = subprocess.run(["ps", "-e", "-o", "pid="], capture_output=True, text=True,
                             env=ps_env, check=True, timeout=60).stdout
        return {int(x) for x in out.split()}

    before = ps()
    p = subprocess.run([sys.executable, "-m", "sysmon.cli", "top", "--once"],
                       capture_output=True, env=env, timeout=60 * SLOW, check=False)
    after = ps()
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    out = p.stdout.decode()
    assert out.endswith("\n")
    bad = sorted({c for c in out if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0})
    assert not bad, f"control characters in --once output: {bad}"
    assert header_ok(out), out[:2000]

    lines = out.split("\n")
    t = title_index(lines)
    assert t is not None
    rows = [ln for ln in lines[t + 1 :] if ln.strip()]
    shown = pids(rows)
    assert len(shown) == len(rows), [r for r in rows if not ROW.match(r)][:5]
    assert len(shown) == len(set(shown)), "a pid listed twice"
    got = set(shown)
    missing = (before & after) - got  # alive all along, so it must be listed
    assert not missing, f"processes alive throughout but not listed: {sorted(missing)}"
    extra = {pid for pid in got - before - after if os.path.exists(f"/proc/{pid}")}
    assert not extra, f"listed but neither in ps nor gone: {sorted(extra)}"
