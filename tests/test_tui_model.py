"""The pure model of `sysmon top` on hand-made snapshots: header, table,
sorting, filter, search, follow, tags, tree, views, menus, tiny terminals,
and hostile text over every render path.  No terminal, no system reads."""

from __future__ import annotations

import ast
import dataclasses
import signal
import socket
from pathlib import Path

import pytest
from tui_support import (
    HOSTILE,
    GiB,
    H,
    MiB,
    W,
    cell_with,
    connection,
    cpu,
    default_processes,
    details,
    frame_for,
    fs,
    hostile_snapshot,
    memory,
    moved,
    pids,
    pressure,
    proc,
    reference_value,
    row_of,
    sample,
    screen,
    snapshot,
    states,
    table_lines,
    text_of,
    unsafe_chars,
)

import sysmon
from sysmon.sanitize import CLIPPED, display_width, sanitize
from sysmon.tui import model as m
from sysmon.tui import model_text
from sysmon.tui.model_text import (
    duration,
    human_bytes,
    percent,
    start_time,
    time_plus,
    tty_name,
)

# ---------------------------------------------------------------- the interface


SPEC_NAMES = (
    "MEANINGS", "Cell", "Line", "Frame", "Details", "Snapshot", "Ident", "Menu", "State",
    "SendSignal", "Renice", "Quit", "Action", "COLUMNS", "Column", "DEFAULT_COLUMNS",
    "PROCESS_FIELDS_NEEDED", "ProcessRow", "rows", "render", "render_text", "clamp", "move",
    "select_row", "sort_by", "cycle_sort", "invert", "toggle_tree", "toggle_collapse",
    "toggle_follow", "toggle_tag", "start_prompt", "prompt_key", "open_menu", "menu_move",
    "menu_choose", "nice_action", "set_view", "toggle_details", "toggle_help", "click",
    "with_message",
)


def test_spec_names_exported():
    missing = [n for n in SPEC_NAMES if not hasattr(m, n)]
    assert missing == []
    assert set(SPEC_NAMES) <= set(m.__all__)


def test_state_defaults_and_columns():
    st = m.State()
    assert (st.view, st.sort, st.reverse, st.tree, st.prompt, st.menu) == (
        "processes", "cpu_percent", True, False, None, None)
    assert st.columns == m.DEFAULT_COLUMNS == (
        "pid", "username", "priority", "nice", "vms", "rss", "shared", "state", "cpu_percent",
        "mem_percent", "cpu_time", "cmdline")
    for cid, col in m.COLUMNS.items():
        assert col.id == cid
        if col.field is not None:
            assert col.title == sysmon.FIELDS[col.field].title
    assert m.COLUMNS["cpu_percent"].title == "CPU%"
    assert m.COLUMNS["mem_percent"].title == "MEM%"
    assert set(m.COLUMNS) == {*sysmon.PROCESS_FIELDS, "cpu_percent", "mem_percent"}


def test_process_fields_needed():
    need = m.PROCESS_FIELDS_NEEDED(m.DEFAULT_COLUMNS)
    assert {"pid", "ppid", "start_ticks", "name", "uid", "state"} <= need
    assert {"rss", "vms", "shared", "cpu_time", "nice", "priority", "cmdline"} <= need
    assert need <= set(sysmon.PROCESS_FIELDS)  # all valid for ProcessSampler
    assert "tty_nr" in m.PROCESS_FIELDS_NEEDED(("pid", "tty_nr"))
    assert "tty_nr" not in need


def test_fields_needed_reads_costly_fields_for_shown_rows_only():
    """cmdline and status fields (PER_ROW) come for the rows on screen unless
    the order, a filter or a search needs them for every process."""
    every, shown = m.fields_needed(m.State())
    assert {"pid", "ppid", "start_ticks", "name", "state", "cpu_time", "vms"} <= every
    assert every.isdisjoint(m.PER_ROW)
    assert shown == {"cmdline", "username", "rss", "shared"}
    assert every | shown == m.PROCESS_FIELDS_NEEDED(m.DEFAULT_COLUMNS) - {"uid"}
    by_user, _ = m.fields_needed(m.State(sort="username"))
    assert "username" in by_user
    by_mem, shown = m.fields_needed(m.State(sort="mem_percent"))
    assert "rss" in by_mem and shown == {"cmdline", "username", "shared"}
    for st in (m.State(filter="x"), m.State(search="x"), m.State(prompt="search")):
        every, shown = m.fields_needed(st)
        assert {"cmdline", "uid", "username", "name"} <= every
        assert shown == {"rss", "shared"}
    every, shown = m.fields_needed(m.State(columns=("pid", "euid", "tty_nr")))
    assert "tty_nr" in every and shown == {"euid"}
    # PER_ROW is exactly the process fields read from status and cmdline
    from sysmon.fields import FIELDS, PROCESS_FIELDS, FileGroup
    costly = {f for f in PROCESS_FIELDS
              if FIELDS[f].group in (FileGroup.STATUS, FileGroup.CMDLINE)}
    assert costly == m.PER_ROW


def test_rows_are_computed_once_per_snapshot_and_order():
    snap = snapshot()
    st = m.State()
    first = m.rows(snap, st)
    assert m.rows(snap, st) is first
    # a snapshot that differs only in what Source.extras adds: the same rows
    assert m.rows(dataclasses.replace(snap, extra={}), st) is first
    again = m.rows(snap, m.invert(st))
    assert again is not first and [r.ident for r in again] != [r.ident for r in first]
    assert [r.ident for r in m.rows(snapshot(), st)] == [r.ident for r in first]
    # MEM% orders by rss over the total: another memory record, other rows
    by_mem = m.State(sort="mem_percent")
    mem = m.rows(snap, by_mem)
    assert m.rows(snap, by_mem) is mem
    assert m.rows(dataclasses.replace(snap, memory=memory(total=GiB)), by_mem) is not mem


def test_shown_rows_and_extra_samples_drawn():
    """shown_rows is what the screen shows; a row's sample in snap.extra is
    the one drawn (its command line), the others draw what the scan read."""
    procs = [sample(proc(p, f"name{p}", cmdline=None, cpu_time=float(p)), float(p))
             for p in range(10, 40)]
    bare = [sample(s.info._replace(cmdline=None, username=None, rss=None, shared=None),
                   s.cpu_percent) for s in procs]
    snap = snapshot(bare)
    st = m.clamp(snap, m.State(), H)
    shown = m.shown_rows(snap, st, H)
    body = m.layout(snap, st, H).body_h
    assert len(shown) == body
    assert [r.ident[0] for r in shown] == list(range(39, 39 - body, -1))
    assert m.shown_rows(snap, m.set_view(st, "network"), H) == []
    first = shown[0]
    done = sample(first.sample.info._replace(cmdline=["/bin/real", "--arg"],
                                             username="bob"), first.sample.cpu_percent)
    full = dataclasses.replace(snap, extra={first.ident: done})
    text = screen(m.render(full, st, W, H))
    assert "/bin/real --arg" in text and "bob" in text
    assert "name38" in text  # not completed: the name from stat
    assert "/bin/real" not in screen(m.render(snap, st, W, H))
    assert m.shown_sample(first, full) is done and m.shown_sample(shown[1], full) is shown[1].sample


def test_model_is_pure():
    """No curses, no I/O modules, no open() in any model module."""
    folder = Path(m.__file__).parent
    files = sorted(folder.glob("model*.py"))
    assert len(files) >= 2
    banned = {"curses", "os", "time", "subprocess", "io", "pathlib", "shutil", "sys"}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", path
                continue
            else:
                continue
            assert not banned & set(names), (path.name, names)


def test_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.State().sort = "pid"  # type: ignore[misc]
    assert isinstance(m.Quit(), m.Quit)


# ---------------------------------------------------------------- formatters


@pytest.mark.parametrize(("n", "text"), [
    (None, "-"), (0, "0"), (512, "512B"), (4096, "4.0K"), (12 * 1024, "12K"),
    (1536 * 1024, "1.5M"), (5 << 30, "5.0G"), ((1 << 20) - 1, "1.0M"), (3 << 40, "3.0T")])
def test_human_bytes(n, text):
    assert human_bytes(n) == text


@pytest.mark.parametrize(("secs", "text"), [
    (None, "-"), (0.0, "0:00.00"), (0.29, "0:00.29"), (65.25, "1:05.25"),
    (3599.99, "59:59.99"), (4000.0, "1h06:40"), (360000.0, "4d04h")])
def test_time_plus(secs, text):
    assert time_plus(secs) == text


def test_small_formatters():
    assert percent(None) == "-"
    assert percent(12.345) == "12.3"
    assert percent(3200.0) == "3200"
    assert duration(59.0) == "00:00:59"
    assert duration(86400 + 3661.0) == "1 day, 01:01:01"
    assert tty_name(0) == "?" and tty_name(0x8801) == "pts/1" and tty_name(None) == "-"
    now = 1_700_000_000.0  # 22:13:20 UTC
    assert start_time(now - 60, now) == "22:12"
    assert start_time(now - 60, now, utc_offset=3600.0) == "23:12"
    assert start_time(now - 40 * 86400, now) == "Oct05"
    assert start_time(now - 400 * 86400, now) == "2022"
    assert start_time(None, now) == "-"


# ---------------------------------------------------------------- header


def test_per_cpu_bars_segments():
    snap = snapshot(ncpu=2)
    f = frame_for(snap, m.State())
    line0 = f.lines[0]
    assert display_width(text_of(line0)) == W
    meanings = [c.meaning for c in line0]
    for seg in ("bar_user", "bar_nice", "bar_system", "bar_iowait", "bar_steal"):
        assert seg in meanings
    # in order, as separate cells
    order = [mm for mm in meanings if mm.startswith("bar_")]
    assert order == ["bar_user", "bar_nice", "bar_system", "bar_iowait", "bar_steal"]
    assert text_of(line0).startswith("0[")
    assert "19.0%]" in text_of(line0)  # busy: user + nice + system + steal
    assert text_of(f.lines[1]).startswith("1[")
    # the user share is 10% of the bar's inner width
    inner = W - 3
    user = next(c for c in line0 if c.meaning == "bar_user")
    assert len(user.text) == round(10 * inner / 100)


def test_first_sample_shows_dash_not_zero():
    snap = snapshot(ncpu=2, first=True, processes=tuple(
        sample(s.info, None) for s in default_processes()))
    f = frame_for(snap, m.State())
    assert text_of(f.lines[0]).rstrip().endswith("-]")
    assert "0.0%" not in text_of(f.lines[0])
    for line in table_lines(f):
        if line:
            assert text_of(line).split()[8] == "-", text_of(line)  # the CPU% column
    out = m.render_text(snap, m.State()).split("\n")
    assert out[0].endswith("-]")
    rows = out[out.index(next(ln for ln in out if "COMMAND" in ln)) + 1: -1]
    assert len(rows) == 8 and all(ln.split()[8] == "-" for ln in rows)


def test_mem_swap_load_uptime_tasks():
    snap = snapshot(ncpu=1)
    text = screen(frame_for(snap, m.State(), width=140))
    assert "Mem[" in text and "2.0G/8.0G]" in text
    assert "Swp[" in text and "256M/2.0G]" in text
    assert "Load average: 0.52 0.58 0.59" in text
    assert "Uptime: 3 days, 04:05:06" in text
    assert "Tasks: 8, 1 running, 5 sleeping, 1 disk sleep, 1 idle" in text
    assert "PSI" not in text  # pressure None: not shown
    f = frame_for(snap, m.State())
    mem = next(line for line in f.lines if text_of(line).startswith("Mem["))
    got = [c.meaning for c in mem if c.meaning.startswith("bar_")]
    assert got == ["bar_mem_used", "bar_mem_buffers", "bar_mem_cache"]
    swp = next(line for line in f.lines if text_of(line).startswith("Swp["))
    assert [c.meaning for c in swp if c.meaning.startswith("bar_")] == ["bar_swap"]
    tasks = next(line for line in f.lines if "Tasks:" in text_of(line))
    assert cell_with(tasks, "disk sleep").meaning == "warn"


def test_pressure_line():
    text = screen(frame_for(snapshot(ncpu=1, pressure=pressure(12.5)), m.State(), width=140))
    assert "PSI some avg10: cpu 12.50% mem 12.50% io -" in text
    f = frame_for(snapshot(ncpu=1, pressure=pressure(12.5)), m.State())
    psi = next(line for line in f.lines if "PSI" in text_of(line))
    assert cell_with(psi, "cpu 12.50%").meaning == "warn"


def test_many_cpus_fold_into_one_bar():
    snap = snapshot(ncpu=64)
    f = frame_for(snap, m.State())
    assert text_of(f.lines[0]).startswith("CPU[")
    assert table_lines(f)  # the table still has room
    full = m.render_text(snap, m.State())  # no height limit: every CPU
    assert "63[" in full and "CPU[" not in full


def test_two_columns_of_cpu_bars():
    snap = snapshot(ncpu=8)
    f = frame_for(snap, m.State(), width=80, height=40)
    first = text_of(f.lines[0])
    assert first.startswith("0[") and " 4[" in first
    assert len([ln for ln in f.lines if "[" in text_of(ln)[:3]]) >= 4


def test_mono_bars_tell_segments_apart():
    f = frame_for(snapshot(ncpu=1), m.State(mono=True))
    chars = {c.meaning: c.text[0] for c in f.lines[0] if c.meaning.startswith("bar_")}
    assert len(set(chars.values())) == len(chars) == 5


# ---------------------------------------------------------------- table


def test_title_row_marks_sort_column():
    f = frame_for(snapshot(), m.State())
    title = next(ln for ln in f.lines if "PID" in text_of(ln))
    marked = cell_with(title, "CPU%")
    assert "CPU%▽" in marked.text and marked.meaning == "selected"
    assert cell_with(title, "PID").meaning == "title"
    st = m.State(sort="pid", reverse=False, ascii=True)
    title = next(ln for ln in frame_for(snapshot(), st).lines if "PID" in text_of(ln))
    assert "PID^" in text_of(title) and all(c.text.isascii() for c in title)


def test_row_values_and_meanings():
    f = frame_for(snapshot(), m.State(index=6))  # -bash selected: the others show their own
    top = row_of(f, " top")
    assert cell_with(top, "95.5").meaning == "crit"
    assert "1h06:40" in text_of(top) and "200M" in text_of(top)
    vim = row_of(f, "vim notes.txt")
    assert cell_with(vim, "55.0").meaning == "warn"
    assert cell_with(vim, "62.5").meaning == "warn"  # MEM%: 5G of 8G
    assert "1:05.25" in text_of(vim) and "5.0G" in text_of(vim)
    cron = row_of(f, "/usr/sbin/cron -f")
    assert any(c.text.strip() == "D" and c.meaning == "warn" for c in cron)
    kthread = row_of(f, "[kthreadd]")
    assert cell_with(kthread, "[kthreadd]").meaning == "dim"
    # rows fill the width; COMMAND takes the rest
    for line in table_lines(f):
        if line:
            assert display_width(text_of(line)) == W


def test_selected_row_meaning():
    snap = snapshot()
    st = m.clamp(snap, m.State(), H)
    f = frame_for(snap, st)
    first = table_lines(f)[0]
    assert {c.meaning for c in first} == {"selected"}
    assert st.selected == m.rows(snap, st)[0].ident


def test_command_column_cuts_wide_chars_whole():
    snap = snapshot([sample(proc(7, "w", cmdline=["漢字漢字漢字漢字漢字漢字漢字漢字"]))])
    st = m.State(columns=("pid", "cmdline"))
    for width in range(8, 30):
        f = frame_for(snap, st, width=width, height=6)
        row = row_of(f, "    7 ")
        text = text_of(row)
        assert display_width(text) <= width
        assert display_width(text) >= width - 1  # only a wide char's half left blank
        assert all(ch in " 7漢字" for ch in text)


# ---------------------------------------------------------------- sorting


def test_default_sort_cpu_desc_none_last():
    snap = snapshot()
    assert pids(snap, m.State()) == [301, 300, 100, 1, 2, 3, 200, 400]
    assert pids(snap, m.invert(m.State())) == [2, 3, 200, 1, 100, 300, 301, 400]


@pytest.mark.parametrize("column", sorted(m.COLUMNS))
def test_sort_every_column(column):
    """Ordered by the value, ties by pid (ascending both ways), None last."""
    procs = [sample(proc(p, f"p{p % 2}", cmdline=[f"c{p % 2}"], start=5), float(p % 2))
             for p in (5, 3, 9, 4)]
    blank = sysmon.ProcessInfo(pid=7, start_ticks=None)  # every other field unavailable
    procs.append(sample(blank, None))
    snap = snapshot(procs)
    total = snap.memory.total
    for reverse in (False, True):
        order = pids(snap, m.State(sort=column, reverse=reverse))
        if column == "pid":
            assert order == ([9, 7, 5, 4, 3] if reverse else [3, 4, 5, 7, 9])
            continue
        assert order[-1] == 7, (column, reverse, order)
        present = sorted(procs[:4], key=lambda s: s.info.pid)
        present.sort(key=lambda s: reference_value(column, s, total), reverse=reverse)
        assert order[:4] == [s.info.pid for s in present], (column, reverse, order)


def test_sort_by_same_column_inverts_and_cycle():
    st = m.sort_by(m.State(), "cpu_percent")
    assert st.sort == "cpu_percent" and st.reverse is False
    st = m.sort_by(st, "pid")
    assert st.sort == "pid" and st.reverse is False
    st = m.sort_by(st, "rss")
    assert st.reverse is True
    assert m.sort_by(st, "nonsense").message
    st = m.State(sort="cmdline")
    assert m.cycle_sort(st, 1).sort == "pid"  # wraps
    assert m.cycle_sort(st, -1).sort == "cpu_time"
    assert m.cycle_sort(m.State(sort="pid"), 1).sort == "username"


# ---------------------------------------------------------------- filter and search


def test_filter_hides_rows():
    snap = snapshot()
    assert pids(snap, m.State(filter="VIM")) == [300]
    assert pids(snap, m.State(filter="notes.TXT")) == [300]  # command line, any case
    assert sorted(pids(snap, m.State(filter="user:root"))) == [1, 2, 3, 100, 400]
    assert sorted(pids(snap, m.State(filter="user:1000"))) == [200, 300, 301]
    f = frame_for(snap, m.State(filter="zzz-none"))
    assert "no process matches the filter" in screen(f)
    assert "filter: zzz-none" in text_of(f.lines[-1])


def test_user_option_keeps_the_header_counts():
    """--user (State.uid) hides other users' rows, and the filter still
    narrows those; the header counts every process, as top -u does."""
    snap = snapshot()
    assert sorted(pids(snap, m.State(uid=0))) == [1, 2, 3, 100, 400]
    assert pids(snap, m.State(uid=0, filter="cron")) == [400]
    assert pids(snap, m.State(uid=1000, filter="cron")) == []
    total = len(snap.processes)
    for st in (m.State(), m.State(uid=0), m.State(uid=4242)):
        assert f"Tasks: {total}," in screen(frame_for(snap, st))
    assert "uid" in m.fields_needed(m.State(uid=0))[0]
    assert "uid" not in m.fields_needed(m.State())[0]


def test_search_highlights_and_jumps():
    snap = snapshot()
    st = m.clamp(snap, m.State(), H)
    st = m.start_prompt(st, "search")
    assert st.prompt == "search"
    for ch in "BAS":
        st = m.prompt_key(snap, st, ch)
    assert st.search == "BAS"
    assert st.selected == (200, 2000)  # -bash: first match in display order
    f = frame_for(snap, st)
    assert f.cursor is not None and f.cursor[0] == H - 1
    assert "Search: BAS" in text_of(f.lines[-1])
    st = m.prompt_key(snap, st, "\n")
    assert st.prompt is None and st.search == "BAS"
    st = m.select_row(snap, st, 0, H)
    f = frame_for(snap, st)
    assert {c.meaning for c in row_of(f, "-bash")} == {"match"}
    assert "match" not in {c.meaning for c in row_of(f, " vim")}  # not a match


def test_search_next_wraps_and_not_found():
    snap = snapshot()
    st = m.clamp(snap, m.State(search="s"), H)  # on top (301), which does not match
    hits = []
    for _ in range(6):
        st = m.search_next(snap, st, H)
        hits.append(st.selected[0] if st.selected else None)
    # vim (notes), sshd, systemd, bash, cron (/usr/...), then around again
    assert hits == [300, 100, 1, 200, 400, 300]
    st2 = m.prompt_key(snap, st, "n")  # 'n' outside a prompt: next match
    assert st2.selected != st.selected
    missing = m.search_next(snap, m.State(search="zzz"), H)
    assert "not found" in missing.message
    assert m.search_next(snap, m.State(), H).message


def test_prompt_editing_keys():
    snap = snapshot()
    st = m.start_prompt(m.State(filter="ab"), "filter")
    assert st.filter == "ab"  # the filter is edited, not restarted
    st = m.prompt_key(snap, st, "c")
    st = m.prompt_key(snap, st, "\b")
    st = m.prompt_key(snap, st, "BACKSPACE")
    assert st.filter == "a"
    st = m.prompt_key(snap, st, "KEY_F(5)")  # a key name, not text
    assert st.filter == "a"
    st = m.prompt_key(snap, st, "ENTER")
    assert st.prompt is None and st.filter == "a"
    st = m.prompt_key(snap, m.start_prompt(st, "filter"), "\x1b")
    assert st.prompt is None and st.filter == ""
    st = m.start_prompt(m.State(search="old"), "search")
    assert st.search == ""


# ---------------------------------------------------------------- selection, follow, tags


def test_follow_keeps_process_selected():
    snap = snapshot()
    st = m.select_row(snap, m.State(follow=True), 1, H)  # vim (55%)
    assert st.selected == (300, 3000)
    later = moved(snap, {300: 0.1})  # vim drops down the list
    st2 = m.clamp(later, st, H)
    assert st2.selected == (300, 3000)
    assert st2.index == pids(later, st2).index(300)
    f = frame_for(later, st2)
    assert {c.meaning for c in row_of(f, "vim notes.txt")} == {"selected"}


def test_without_follow_selection_keeps_row_index():
    snap = snapshot()
    st = m.select_row(snap, m.State(), 1, H)
    assert st.selected == (300, 3000)
    later = moved(snap, {300: 0.1})
    st2 = m.clamp(later, st, H)
    assert st2.index == 1
    assert st2.selected == m.rows(later, st2)[1].ident != (300, 3000)
    # rows disappearing: clamped to the last
    fewer = dataclasses.replace(snap, processes=snap.processes[:1])
    assert m.clamp(fewer, m.select_row(snap, m.State(), 6, H), H).index == 0
    empty = dataclasses.replace(snap, processes=())
    assert m.clamp(empty, st, H).selected is None


def test_tagging_toggles_and_moves_down():
    snap = snapshot()
    st = m.clamp(snap, m.State(), H)
    st = m.toggle_tag(snap, st)
    assert st.tagged == {(301, 3010)} and st.index == 1
    st = m.toggle_tag(snap, st)
    assert st.tagged == {(301, 3010), (300, 3000)} and st.index == 2
    f = frame_for(snap, st)
    assert {c.meaning for c in row_of(f, " top")} == {"tagged"}
    st = m.toggle_tag(snap, m.select_row(snap, st, 0, H))
    assert st.tagged == {(300, 3000)}
    assert m.untag_all(st).tagged == frozenset()


def test_scroll_keeps_selection_visible():
    procs = [sample(proc(1000 + i, f"n{i}", cmdline=[f"cmd{i}"]), float(i)) for i in range(200)]
    snap = snapshot(procs, ncpu=1)
    st = m.clamp(snap, m.State(sort="pid", reverse=False), 10)
    page = m.page_size(snap, st, 10)
    assert page >= 1
    for delta in (1, 3, page, page, 50, -7, -page, 10**9, -(10**9), 10**9):
        st = m.move(snap, st, delta, 10)
        f = frame_for(snap, st, width=60, height=10)
        sel = [line for line in table_lines(f) if line and line[0].meaning == "selected"]
        assert len(sel) == 1
        assert text_of(sel[0]).split()[0] == str(1000 + st.index)
        assert 0 <= st.top <= st.index < st.top + page
    assert st.index == 199
    st = m.move(snap, st, -(10**9), 10)
    assert st.index == 0 and st.top == 0


# ---------------------------------------------------------------- tree


def test_tree_order_and_drawing():
    snap = snapshot()
    st = m.State(tree=True)
    rs = m.rows(snap, st)
    assert [r.ident[0] for r in rs] == [1, 100, 200, 301, 300, 400, 2, 3]
    assert [r.depth for r in rs] == [0, 1, 2, 3, 3, 1, 0, 1]
    assert [r.prefix for r in rs] == ["", "├─ ", "│  └─ ", "│     ├─ ", "│     └─ ", "└─ ",
                                      "", "└─ "]
    assert rs[0].has_children and not rs[3].has_children
    text = screen(frame_for(snap, st, width=120))
    assert "│     └─ vim notes.txt" in text
    ascii_rows = m.rows(snap, m.State(tree=True, ascii=True))
    assert [r.prefix for r in ascii_rows][1:4] == ["|- ", "|  `- ", "|     |- "]
    # every prefix is 3 columns per level
    assert all(display_width(r.prefix) == 3 * r.depth for r in rs)


def test_tree_collapse():
    snap = snapshot()
    st = m.State(tree=True)
    st = m.select_row(snap, st, 2, H)  # bash
    st = m.toggle_collapse(snap, st)
    assert st.collapsed == {200}
    rs = m.rows(snap, st)
    assert [r.ident[0] for r in rs] == [1, 100, 200, 400, 2, 3]
    assert rs[2].collapsed and rs[2].prefix == "│  └+ "
    assert m.rows(snap, dataclasses.replace(st, collapsed=frozenset({1})))[0].prefix == "+ "
    assert m.toggle_collapse(snap, st).collapsed == frozenset()
    assert m.toggle_collapse(snap, m.State()).message  # not in tree view


def test_tree_pid_reuse_and_cycles():
    parent_younger = [sample(proc(10, "old", ppid=0, start=500)),
                      sample(proc(11, "child", ppid=10, start=100))]
    rs = m.rows(snapshot(parent_younger), m.State(tree=True))
    assert [r.depth for r in rs] == [0, 0]  # a parent younger than its child is not it
    cycle = [sample(proc(20, "a", ppid=21, start=1)), sample(proc(21, "b", ppid=20, start=1)),
             sample(proc(22, "me", ppid=22))]
    rs = m.rows(snapshot(cycle), m.State(tree=True))
    assert sorted(r.ident[0] for r in rs) == [20, 21, 22]


def test_tree_with_filter_keeps_matches():
    rs = m.rows(snapshot(), m.State(tree=True, filter="vim"))
    assert [r.ident[0] for r in rs] == [300] and rs[0].prefix == ""


# ---------------------------------------------------------------- menus and actions


def test_signal_menu_items_and_choose():
    snap = snapshot()
    st = m.open_menu(snap, m.clamp(snap, m.State(), H), "signal")
    assert st.menu is not None and st.menu.kind == "signal"
    assert st.menu.items[:9] == ("SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGQUIT",
                                 "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT")
    assert len(set(st.menu.items)) == len(st.menu.items) > 20
    text = screen(frame_for(snap, st))
    assert "Send signal (pid 301):" in text and "15 SIGTERM" in text
    st2, action = m.menu_choose(snap, st)
    assert action == m.SendSignal(((301, 3010),), int(signal.SIGTERM))
    assert st2.menu is None
    _, action = m.menu_choose(snap, m.menu_move(st, 1))
    assert action == m.SendSignal(((301, 3010),), int(signal.SIGKILL))
    assert m.menu_move(st, -5).menu.index == 0
    assert m.menu_move(st, 999).menu.index == len(st.menu.items) - 1
    # tagged processes win over the selection
    tagged = m.open_menu(snap, dataclasses.replace(
        m.close_menu(st), tagged=frozenset({(300, 3000), (1, 10)})), "signal")
    assert "Send signal (2 tagged):" in screen(frame_for(snap, tagged))
    _, action = m.menu_choose(snap, tagged)
    assert action == m.SendSignal(((1, 10), (300, 3000)), int(signal.SIGTERM))


def test_signal_menu_acts_on_what_was_selected_when_it_opened():
    """The rows moving under an open menu (a refresh re-sorts them, the
    selected process exits) must not move its target to another process."""
    snap = snapshot()
    st = m.clamp(snap, m.State(), H)
    picked = m.resolve(m.rows(snap, st), st)[1]
    assert picked == (301, 3010)
    st = m.open_menu(snap, st, "signal")
    # the next refresh: the picked process has exited, another takes its row
    later = snapshot([p for p in default_processes() if p.info.pid != picked[0]])
    st = m.clamp(later, st, H)
    assert m.resolve(m.rows(later, st), st)[1] != picked
    _, action = m.menu_choose(later, st)
    assert action == m.SendSignal((picked,), int(signal.SIGTERM))
    # and with nothing selected at the time, nothing is signalled later
    empty = snapshot([])
    st = m.open_menu(empty, m.clamp(empty, m.State(), H), "signal")
    st2, action = m.menu_choose(snap, m.clamp(snap, st, H))
    assert action is None and "no process" in st2.message


def test_menu_with_nothing_selected():
    empty = snapshot([])
    st = m.open_menu(empty, m.clamp(empty, m.State(), H), "signal")
    st2, action = m.menu_choose(empty, st)
    assert action is None and st2.menu is None and "no process" in st2.message
    assert m.nice_action(empty, st, 1) is None


def test_nice_sort_columns_menus():
    snap = snapshot()
    st = m.clamp(snap, m.State(), H)
    assert m.nice_action(snap, st, -1) == m.Renice(((301, 3010),), -1)
    nice = m.open_menu(snap, st, "nice")
    _, action = m.menu_choose(snap, m.menu_move(nice, 1))
    assert action == m.Renice(((301, 3010),), int(nice.menu.items[1]))
    srt = m.open_menu(snap, st, "sort")
    assert srt.menu.items == st.columns and srt.menu.items[srt.menu.index] == "cpu_percent"
    st2, action = m.menu_choose(snap, m.menu_move(srt, -8))  # pid
    assert action is None and st2.sort == "pid" and st2.menu is None
    cols = m.open_menu(snap, st, "columns")
    tty = cols.menu.items.index("tty_nr")
    st3, _ = m.menu_choose(snap, m.menu_move(cols, tty))
    assert st3.columns[-2:] == ("tty_nr", "cmdline") and st3.menu is not None
    st4, _ = m.menu_choose(snap, st3)  # same item again: hidden
    assert "tty_nr" not in st4.columns
    assert "[x] PID" in screen(frame_for(snap, cols))
    assert m.close_menu(cols).menu is None
    assert m.open_menu(snap, st, "bogus").message


def test_click_selects_and_sorts():
    snap = snapshot()
    st = m.clamp(snap, m.State(), H)
    f = frame_for(snap, st)
    title_y = next(y for y, ln in enumerate(f.lines) if "PID" in text_of(ln))
    st2 = m.click(snap, st, title_y + 3, 5, W, H)
    assert st2.index == 2 and st2.selected == m.rows(snap, st)[2].ident
    x = text_of(f.lines[title_y]).index("RSS")
    st3 = m.click(snap, st, title_y, x, W, H)
    assert st3.sort == "rss"
    assert m.click(snap, st, title_y + 20, 5, W, H).index == st.index  # below the rows
    menu = m.open_menu(snap, st, "signal")
    st4 = m.click(snap, menu, title_y + 2, 1, W, H)
    assert st4.menu.index == 1


# ---------------------------------------------------------------- views


def test_views_and_help():
    st = m.set_view(m.State(), "network")
    assert st.view == "network"
    assert m.set_view(st, "nope").message
    h = m.toggle_help(st)
    assert h.view == "help" and m.toggle_help(h).view == "network"
    f = frame_for(snapshot(ncpu=1), m.State(view="help"), height=60)
    lines = [text_of(ln) for ln in f.lines]
    start = lines.index(next(ln for ln in lines if ln.startswith("sysmon top: keys")))
    keys = " ".join(ln.split("  ")[0] for ln in lines[start + 1: -1]).split()
    for key in ("q", "F10", "Up", "Down", "PgUp", "PgDn", "Home", "End", "F6", "<", ">",
                "I", "/", "F3", "n", "\\", "F4", "t", "F5", "+", "-", "F", "Space", "U",
                "k", "F9", "F7", "F8", "Enter", "?", "F1", "N", "D", "P", "Esc", "mouse"):
        assert key in keys, key
    assert m.toggle_details(m.State()).details


def test_help_scrolls():
    snap = snapshot()
    st = m.State(view="help")
    st = m.move(snap, st, 5, 12)
    assert st.view_top == 5
    st = m.move(snap, st, 10**9, 12)
    f = frame_for(snap, st, height=12)
    assert "mouse" in screen(f)
    assert m.move(snap, st, -(10**9), 12).view_top == 0


def test_network_view():
    conns = (
        connection("tcp", sysmon.Addr("10.0.0.1", 5555), sysmon.Addr("10.0.0.2", 443),
                   "ESTABLISHED"),
        connection("tcp6", sysmon.Addr("::", 22), None, "LISTEN", pid=None, name=None),
        connection("unix", "\0abstract", None, "LISTEN"),
        connection("udp", sysmon.Addr("0.0.0.0", 53), None, "UNCONN"),
    )
    f = frame_for(snapshot(connections=conns), m.State(view="network"), height=30)
    text = screen(f)
    assert "PROTO" in text and "PID/PROGRAM" in text
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("PROTO"))
    body = lines[start + 1: start + 5]
    assert [b.split()[0] for b in body] == ["tcp6", "u_str", "udp", "tcp"]  # listening first
    assert "[::]:22" in body[0] and " - " in body[0] + " "
    assert "@abstract" in body[1]
    assert "10.0.0.1:5555" in body[3] and "10.0.0.2:443" in body[3] and "42/server" in body[3]
    reading = screen(frame_for(snapshot(), m.State(view="network")))
    assert "reading connections" in reading


def test_socket_text_is_one_for_cli_tui_and_details():
    """ss's netid and ends, from sysmon.units, in the network view, the
    details pane and `sysmon sockets` alike (raw sockets included)."""
    from sysmon.cli.sockets import show_addr
    from sysmon.tui.model_views import address
    from sysmon.tui.source import format_connection
    from sysmon.units import endpoint, netid

    raw6 = sysmon.Connection(3, socket.AF_INET6, socket.SOCK_RAW, sysmon.Addr("::", 58),
                             None, "UNCONN", 0, 9, 0, 0, None, None)
    assert netid(raw6) == "raw6"
    assert netid(connection("udp6", sysmon.Addr("::1", 53), None, "UNCONN")) == "udp6"
    assert netid(connection("unix", "/run/x", None, "LISTEN")) == "u_str"
    peer = sysmon.Addr("0.0.0.0", 0)
    assert (endpoint(peer), address(peer), show_addr(peer)) == ("0.0.0.0:0", "0.0.0.0:*",
                                                               "0.0.0.0:0")
    assert (endpoint(None), show_addr(None, listening=True), address(None)) == ("*", "", "*")
    assert endpoint("\0abstract") == "@abstract" and endpoint("") == "*"
    assert format_connection(raw6) == "fd 3 raw6 [::]:58 UNCONN"
    tcp = connection("tcp", sysmon.Addr("10.0.0.1", 5555), sysmon.Addr("10.0.0.2", 443),
                     "ESTABLISHED")
    assert format_connection(tcp) == "fd 3 tcp 10.0.0.1:5555 -> 10.0.0.2:443 ESTABLISHED"


def test_disks_view():
    snap = snapshot(filesystems=(fs("/dev/sda1", "/", 40.0), fs("/dev/sdb1", "/data", 95.0),
                                 (fs("tmpfs", "/run")[0], None)),
                    disk_rates={"sda": sysmon.DiskRate(1 << 20, 0.0, 10.0, 0.0, 95.0, None,
                                                       None, None), "sdb": None})
    f = frame_for(snap, m.State(view="disks"), height=30)
    text = screen(f)
    for title in ("DEVICE", "MOUNTPOINT", "TYPE", "SIZE", "USED", "AVAIL", "USE%", "IUSE%",
                  "READ/s", "UTIL%"):
        assert title in text
    assert "/dev/sdb1" in text and "95%" in text and "1.0M" in text
    row = next(ln for ln in f.lines if "/data" in text_of(ln))
    assert cell_with(row, "95%").meaning == "crit"
    tmp = next(ln for ln in f.lines if "/run" in text_of(ln))
    assert text_of(tmp).split()[3:] == ["-"] * 5


def test_details_pane():
    snap = snapshot(details=details(301))
    st = m.toggle_details(m.clamp(snap, m.State(), H))
    f = frame_for(snap, st, height=40)
    text = screen(f)
    assert "Details of 301 (top)" in text
    for part in ("Command: vim notes.txt", "HOME=/home/alice", "TOKEN=<redacted>",
                 "/home/alice/notes.txt", "127.0.0.1:5000 -> 127.0.0.1:6000"):
        assert part in text
    errors = m.Details(301, (), "access denied", "no such process: 301", "gone")
    text = screen(frame_for(dataclasses.replace(snap, details=errors), st, height=40))
    assert "access denied" in text and "no such process: 301" in text and "gone" in text
    other = screen(frame_for(dataclasses.replace(snap, details=details(1)), st))
    assert "reading..." in other
    # many entries: each section keeps a share and says how many are left out
    big = m.Details(301, ("x",), tuple((f"V{i}", "v") for i in range(100)),
                    tuple((i, f"/f{i}") for i in range(100)), ())
    text = screen(frame_for(dataclasses.replace(snap, details=big), st, height=40))
    assert "Open files (100):" in text and "more" in text


def test_huge_text_costs_what_is_shown(monkeypatch):
    """A megabyte of wide characters in a command line, an environment
    variable and an open file's path draws the same screen as its first few
    hundred characters, and the widths of only about what is shown are
    measured (a count of calls, not a timing)."""
    shown = "\u202e" + "漢" * 400  # far wider than the screen
    tail = "字" * 10**6
    calls = 0
    real = sysmon.sanitize.char_width

    def counting(ch: str) -> int:
        nonlocal calls
        calls += 1
        return real(ch)

    def frame(extra: str):
        procs = [*default_processes(), sample(proc(700, "long", cmdline=[shown + extra]), 99.0)]
        d = m.Details(700, (shown + extra,), (("V", shown + extra),), ((3, shown + extra),), ())
        snap = snapshot(procs, details=d)
        st = m.toggle_details(m.clamp(snap, m.State(), H))  # 700 sorts first (CPU%)
        return frame_for(snap, st, height=40)

    longest = 0
    real_sanitize = model_text.sanitize

    def measuring(text: str, **kw: bool) -> str:
        nonlocal longest
        longest = max(longest, len(text))
        return real_sanitize(text, **kw)

    short = frame("")
    monkeypatch.setattr(sysmon.sanitize, "char_width", counting)
    monkeypatch.setattr(model_text, "sanitize", measuring)
    huge = frame(tail)
    assert screen(huge) == screen(short)
    assert "Details of 700 (long)" in screen(huge)
    assert 0 < calls < 50_000, calls
    assert longest < 5_000, longest  # no raw text was sanitized whole


def test_text_that_takes_no_room_cannot_hide_what_follows():
    """Combining marks fill the raw text clip() keeps without taking a
    column: the cell then ends with the cut mark instead of looking whole."""
    hidden = "sleep" + "\u0301" * 2000 + " --really-evil-arg"
    procs = [*default_processes(), sample(proc(700, "sleep", cmdline=[hidden]), 99.0)]
    snap = snapshot(procs)
    st = m.clamp(snap, m.State(), H)
    row = text_of(frame_for(snap, st).lines[m.layout(snap, st, H).body_y])
    assert row.split()[0] == "700"
    assert row.rstrip().endswith(CLIPPED), row


def test_message_replaces_key_bar():
    f = frame_for(snapshot(), m.with_message(m.State(), "sent SIGTERM to 1"))
    assert text_of(f.lines[-1]).startswith("sent SIGTERM to 1")
    f = frame_for(snapshot(), m.State())
    assert text_of(f.lines[-1]).startswith("F1Help")


# ---------------------------------------------------------------- tiny terminals

SIZES = [(w, h) for w in (1, 10, 20, 40, 80, 200) for h in (1, 3, 5, 24)]


def test_every_size_every_view_never_breaks():
    snap = hostile_snapshot()
    for st in states(snap):
        for width, height in SIZES:
            frame_for(snap, st, width, height)
        st2 = m.clamp(snap, st, 5)
        frame_for(snap, st2, 20, 5)
    assert m.render(snap, m.State(), 0, 0).lines == ()


def test_hostile_text_escaped_on_every_path():
    snap = hostile_snapshot()
    escaped = [sanitize(h) for h in HOSTILE]
    seen: set[str] = set()
    for st in states(snap):
        f = frame_for(snap, st, 200, 80)
        text = screen(f)
        for raw in HOSTILE[:-1]:  # the last (wide CJK) is printable and kept as is
            assert raw not in text
        seen.update(e for e in escaped if e in text)
    assert seen == set(escaped)
    out = m.render_text(snap, m.State(tree=True), 300)
    assert not unsafe_chars(out.replace("\n", ""))
    for e in escaped:
        assert e in out
    # the prompt takes only printable characters
    st = m.start_prompt(m.State(), "search")
    for ch in ("\x1b", "a", "\x07", "\u202e", "b"):
        st = m.prompt_key(snap, dataclasses.replace(st, prompt="search"), ch)
    assert "\x07" not in st.search


def test_ascii_mode_is_ascii_everywhere():
    snap = hostile_snapshot()
    for base in states(snap):
        st = dataclasses.replace(base, ascii=True)
        f = frame_for(snap, st, 200, 80)
        assert all(c.text.isascii() for line in f.lines for c in line), st
    assert m.render_text(snap, m.State(tree=True, ascii=True)).isascii()


def test_render_text_every_process():
    procs = [sample(proc(10 + i, f"p{i}", cmdline=[f"cmd{i}"], rss=i * MiB), float(i % 7))
             for i in range(300)]
    snap = snapshot(procs, ncpu=2)
    out = m.render_text(snap, m.State(), 120)
    assert out.endswith("\n")
    lines = out.split("\n")[:-1]
    assert "Mem[" in out and "Tasks: 300" in out
    title = next(i for i, ln in enumerate(lines) if "PID" in ln and "COMMAND" in ln)
    body = lines[title + 1:]
    assert len(body) == 300
    assert all(display_width(ln) <= 120 and ln == ln.rstrip() for ln in lines)
    assert {int(ln.split()[0]) for ln in body} == {10 + i for i in range(300)}
    narrow = m.render_text(snap, m.State(), 1)
    assert narrow.count("\n") > 300


def test_first_sample_snapshot_without_system():
    snap = snapshot(system=None, memory=None, swap=None, load=None, uptime=None)
    text = screen(frame_for(snap, m.State()))
    assert "CPU[" in text and "Load average: -" in text and "Uptime: -" in text
    assert "Mem[" in text


def test_percpu_none_and_cpu_helper():
    assert cpu(10.0).busy == 10.0
    sys_none = snapshot(ncpu=2, first=True)
    assert all(v is None for v in sys_none.system.percpu.values())
    f = frame_for(sys_none, m.State())
    assert text_of(f.lines[1]).endswith("-]")
