"""What keys and clicks do (part of sysmon.tui.model): every function takes a
State (and the Snapshot it acts on) and returns a new State, or an Action
for app.py to carry out.  Also the screen layout, shared with render()."""

from __future__ import annotations

import signal
from dataclasses import dataclass, replace

from sysmon.tui.model_header import header_plan
from sysmon.tui.model_table import (
    COLUMNS,
    default_reverse,
    matches,
    rows,
    spans,
)
from sysmon.tui.model_types import (
    VIEWS,
    Action,
    Ident,
    Menu,
    ProcessRow,
    Renice,
    SendSignal,
    Snapshot,
    State,
)
from sysmon.tui.model_views import (
    HELP,
    NICE_STEPS,
    SIGNALS,
    menu_first,
    menu_width,
)

# ---------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where things are on a screen ``height`` lines tall (any width)."""

    header: int  # header lines, from y 0
    title_y: int | None  # the view's title line (None: no room)
    body_y: int  # first body line (table rows, view lines)
    body_h: int
    details_y: int  # the details pane, when open (bottom half of the body)
    details_h: int
    status_y: int | None  # the key bar / prompt / message line


def layout(snap: Snapshot, st: State, height: int) -> Layout:
    if height <= 0:
        return Layout(0, None, 0, 0, 0, 0, None)
    avail = height - 1
    header = min(header_plan(snap, height)[1], max(avail - 2, 0))
    y, rem = header, avail - header
    title_y = None
    if rem >= 1:
        title_y, y, rem = y, y + 1, rem - 1
    details_h = rem // 2 if st.details and st.view == "processes" else 0
    body_h = rem - details_h
    return Layout(header, title_y, y, body_h, y + body_h, details_h, height - 1)


def page_size(snap: Snapshot, st: State, height: int) -> int:
    """Rows one PgUp/PgDn moves: the table's (or view's) height."""
    return max(layout(snap, st, height).body_h, 1)


# ---------------------------------------------------------------- selection


def resolve(rs: list[ProcessRow], st: State) -> tuple[int, Ident | None]:
    """(index, ident) of the selected row.  With follow, the selected
    process wherever it moved; otherwise (or when it is gone) the row at the
    same index, clamped."""
    if not rs:
        return 0, None
    if st.follow and st.selected is not None:
        for i, r in enumerate(rs):
            if r.ident == st.selected:
                return i, r.ident
    i = min(max(st.index, 0), len(rs) - 1)
    return i, rs[i].ident


def visible_top(top: int, index: int, n: int, body_h: int) -> int:
    """The first row shown: ``top`` moved as little as possible to show
    row ``index`` and no empty space after the last row."""
    if body_h <= 0:
        return max(index, 0)
    top = min(max(top, 0), max(n - body_h, 0))
    if index < top:
        top = index
    elif index >= top + body_h:
        top = index - body_h + 1
    return max(top, 0)


def _select(snap: Snapshot, st: State, rs: list[ProcessRow], index: int,
            height: int | None) -> State:
    if not rs:
        return replace(st, index=0, selected=None, top=0)
    i = min(max(index, 0), len(rs) - 1)
    top = st.top
    if height is not None:
        top = visible_top(top, i, len(rs), layout(snap, st, height).body_h)
    return replace(st, index=i, selected=rs[i].ident, top=top)


def clamp(snap: Snapshot, st: State, height: int) -> State:
    """Keep the selection valid (follow, or by row index) and visible, and
    the other views' scroll within their content."""
    rs = rows(snap, st)
    i, _ = resolve(rs, st)
    out = _select(snap, st, rs, i, height)
    vt = min(out.view_top, _max_view_top(snap, out, height))
    return replace(out, view_top=max(vt, 0))


def _view_len(snap: Snapshot, st: State) -> int:
    """Lines of the network, disks or help view's body (as render draws them)."""
    if st.view == "network":
        return max(len(snap.connections or ()), 1)
    if st.view == "disks":
        n = len(snap.filesystems or ()) if snap.filesystems is not None else 1
        return n + (len(snap.disk_rates) + 2 if snap.disk_rates else 0)
    if st.view == "help":
        return len(HELP)
    return 0


def _max_view_top(snap: Snapshot, st: State, height: int) -> int:
    if st.view == "processes":
        return 0
    return max(_view_len(snap, st) - layout(snap, st, height).body_h, 0)


def move(snap: Snapshot, st: State, delta: int, height: int) -> State:
    """Arrows (+-1), PgUp/PgDn (+-page_size), Home/End (+-10**9): the
    selection in the process view, the scroll in the others."""
    if st.view != "processes":
        vt = min(max(st.view_top + delta, 0), _max_view_top(snap, st, height))
        return replace(st, view_top=vt)
    rs = rows(snap, st)
    i, _ = resolve(rs, st)
    return _select(snap, st, rs, i + delta, height)


def select_row(snap: Snapshot, st: State, index: int, height: int) -> State:
    return _select(snap, st, rows(snap, st), index, height)


# ---------------------------------------------------------------- sorting and modes


def sort_by(st: State, column: str) -> State:
    """Sort by ``column``; the same column again inverts the order."""
    if column not in COLUMNS:
        return with_message(st, f"unknown column {column!r}")
    if column == st.sort:
        return invert(st)
    return replace(st, sort=column, reverse=default_reverse(column))


def cycle_sort(st: State, step: int) -> State:
    """'<' '>': the previous / next shown column."""
    cols = [c for c in st.columns if c in COLUMNS]
    if not cols:
        return st
    i = cols.index(st.sort) if st.sort in cols else (-1 if step > 0 else 0)
    col = cols[(i + step) % len(cols)]
    return replace(st, sort=col, reverse=default_reverse(col))


def invert(st: State) -> State:
    return replace(st, reverse=not st.reverse)


def toggle_tree(st: State) -> State:
    return replace(st, tree=not st.tree)


def toggle_follow(st: State) -> State:
    return replace(st, follow=not st.follow)


def toggle_collapse(snap: Snapshot, st: State) -> State:
    """Fold or unfold the selected process's subtree (tree view)."""
    if not st.tree:
        return with_message(st, "folding works in the tree view (t)")
    _, sel = resolve(rows(snap, st), st)
    if sel is None:
        return st
    pid = sel[0]
    folded = st.collapsed - {pid} if pid in st.collapsed else st.collapsed | {pid}
    return replace(st, collapsed=folded, selected=sel)


def toggle_tag(snap: Snapshot, st: State) -> State:
    """Tag or untag the selected process, then move down one row."""
    rs = rows(snap, st)
    i, sel = resolve(rs, st)
    if sel is None:
        return st
    tagged = st.tagged - {sel} if sel in st.tagged else st.tagged | {sel}
    return _select(snap, replace(st, tagged=tagged), rs, i + 1, None)


def untag_all(st: State) -> State:
    return replace(st, tagged=frozenset())


def set_view(st: State, view: str) -> State:
    if view not in VIEWS:
        return with_message(st, f"unknown view {view!r}")
    back = st.view if view == "help" and st.view != "help" else st.back
    return replace(st, view=view, view_top=0, back=back)


def toggle_help(st: State) -> State:
    if st.view == "help":
        return replace(st, view=st.back if st.back != "help" else "processes", view_top=0)
    return set_view(st, "help")


def toggle_details(st: State) -> State:
    return replace(st, details=not st.details)


def with_message(st: State, text: str) -> State:
    return replace(st, message=text)


# ---------------------------------------------------------------- search and filter

_MAX_PROMPT = 256


def start_prompt(st: State, which: str) -> State:
    """Start typing a search (new text) or a filter (the current one, to edit)."""
    if which == "search":
        return replace(st, prompt="search", search="", menu=None)
    if which == "filter":
        return replace(st, prompt="filter", menu=None)
    return with_message(st, f"unknown prompt {which!r}")


_BACKSPACE = frozenset({"\b", "\x7f", "BACKSPACE", "KEY_BACKSPACE"})
_ACCEPT = frozenset({"\n", "\r", "ENTER", "KEY_ENTER"})
_CANCEL = frozenset({"\x1b", "ESC"})


def prompt_key(snap: Snapshot, st: State, ch: str) -> State:
    """One key while typing: printable characters append, backspace
    ("\\b", "BACKSPACE") deletes, Enter ("\\n") accepts, Esc ("\\x1b")
    cancels (and clears the text).  Search jumps to the first match as the
    text changes.  Outside a prompt, "n" goes to the next search match."""
    if st.prompt is None:
        return search_next(snap, st) if ch == "n" else st
    search = st.prompt == "search"
    text = st.search if search else st.filter
    if ch in _ACCEPT:
        return replace(st, prompt=None)
    if ch in _BACKSPACE:
        new = text[:-1]
    elif ch in _CANCEL:
        new = ""
    elif len(ch) == 1 and ch.isprintable():
        new = (text + ch)[:_MAX_PROMPT]
    else:
        return st
    if ch in _CANCEL:
        st = replace(st, prompt=None)
    if not search:
        return replace(st, filter=new)
    st = replace(st, search=new)
    return _find(snap, st, 0, wrap=False) if new and st.prompt else st


def _find(snap: Snapshot, st: State, start: int, *, wrap: bool) -> State:
    rs = rows(snap, st)
    hit = matches(st.search)
    n = len(rs)
    for k in range(n if wrap else max(n - start, 0)):
        i = (start + k) % n
        if hit(rs[i].sample):
            return replace(st, index=i, selected=rs[i].ident, message="")
    return replace(st, message=f"not found: {st.search}")


def search_next(snap: Snapshot, st: State, height: int | None = None) -> State:
    """'n': the next row matching the search, after the selected one (wraps)."""
    if not st.search:
        return with_message(st, "no search: / or F3 starts one")
    rs = rows(snap, st)
    i, _ = resolve(rs, st)
    out = _find(snap, st, i + 1, wrap=True)
    return clamp(snap, out, height) if height is not None else out


# ---------------------------------------------------------------- menus and actions


def open_menu(snap: Snapshot, st: State, kind: str) -> State:
    """"signal" (SIGTERM first) or "nice", on the :func:`targets` of this
    moment; "sort" (the shown columns, at the current one) or "columns"
    (every column, shown ones ticked)."""
    if kind in ("signal", "nice"):
        items = SIGNALS if kind == "signal" else NICE_STEPS
        return replace(st, menu=Menu(kind, items, targets=targets(snap, st)), prompt=None)
    if kind == "sort":
        items = tuple(c for c in st.columns if c in COLUMNS)
        index = items.index(st.sort) if st.sort in items else 0
        return replace(st, menu=Menu("sort", items, index), prompt=None)
    if kind == "columns":
        return replace(st, menu=Menu("columns", tuple(COLUMNS)), prompt=None)
    return with_message(st, f"unknown menu {kind!r}")


def close_menu(st: State) -> State:
    return replace(st, menu=None)


def menu_move(st: State, delta: int) -> State:
    m = st.menu
    if m is None or not m.items:
        return st
    return replace(st, menu=replace(m, index=min(max(m.index + delta, 0), len(m.items) - 1)))


def targets(snap: Snapshot, st: State) -> tuple[Ident, ...]:
    """The tagged processes if any, else the selected one (else none)."""
    if st.tagged:
        return tuple(sorted(st.tagged))
    _, sel = resolve(rows(snap, st), st)
    return () if sel is None else (sel,)


def menu_choose(  # noqa: PLR0911
    snap: Snapshot, st: State
) -> tuple[State, Action | None]:
    """Enter in a menu.  signal/nice: the action on the menu's targets,
    menu closed; sort: sort by the item; columns: show or hide the item (the
    menu stays open)."""
    m = st.menu
    if m is None or not m.items:
        return st, None
    item = m.items[min(max(m.index, 0), len(m.items) - 1)]
    closed = replace(st, menu=None)
    if m.kind == "sort":
        if item == st.sort:
            return closed, None
        return replace(closed, sort=item, reverse=default_reverse(item)), None
    if m.kind == "columns":
        return _toggle_column(st, item), None
    if m.kind not in ("signal", "nice"):
        return closed, None
    who = m.targets  # what was selected when the menu opened, not now
    if not who:
        return with_message(closed, "no process selected"), None
    if m.kind == "signal":
        return closed, SendSignal(who, int(signal.Signals[item]))
    return closed, Renice(who, int(item))


def _toggle_column(st: State, col: str) -> State:
    if col in st.columns:
        if len(st.columns) == 1:
            return with_message(st, "the last column stays")
        cols = tuple(c for c in st.columns if c != col)
    else:
        cols = (*(c for c in st.columns if c != "cmdline"), col)
        if "cmdline" in st.columns and col != "cmdline":
            cols = (*cols, "cmdline")
    return replace(st, columns=cols)


def nice_action(snap: Snapshot, st: State, delta: int) -> Action | None:
    """F7 (-1: raise priority) / F8 (+1) on :func:`targets`."""
    who = targets(snap, st)
    return Renice(who, delta) if who else None


# ---------------------------------------------------------------- mouse


def click(  # noqa: PLR0911, PLR0917
    snap: Snapshot, st: State, y: int, x: int, width: int, height: int
) -> State:
    """A click on a table row selects it; on the title row, sorts by that
    column (again: inverts); on a menu item, points the menu at it."""
    lay = layout(snap, st, height)
    mw = 0
    if st.menu is not None:
        mw = min(menu_width(st.menu, st), width)
        if x < mw:
            if lay.title_y is not None and lay.body_y <= y < lay.body_y + lay.body_h:
                first = menu_first(st.menu, lay.body_h)
                i = first + y - lay.body_y
                if 0 <= i < len(st.menu.items):
                    return replace(st, menu=replace(st.menu, index=i))
            return st
    if st.view != "processes":
        return st
    if y == lay.title_y:
        for col, cx, w in spans(st, width - mw):
            if cx <= x - mw < cx + w + 1:
                return sort_by(st, col.id)
        return st
    if lay.body_y <= y < lay.body_y + lay.body_h:
        rs = rows(snap, st)
        i, _ = resolve(rs, st)
        top = visible_top(st.top, i, len(rs), lay.body_h)
        row = top + y - lay.body_y
        if row < len(rs):
            return _select(snap, replace(st, top=top), rs, row, height)
    return st


__all__ = [
    "Layout",
    "clamp",
    "click",
    "close_menu",
    "cycle_sort",
    "invert",
    "layout",
    "menu_choose",
    "menu_move",
    "move",
    "nice_action",
    "open_menu",
    "page_size",
    "prompt_key",
    "resolve",
    "search_next",
    "select_row",
    "set_view",
    "sort_by",
    "start_prompt",
    "targets",
    "toggle_collapse",
    "toggle_details",
    "toggle_follow",
    "toggle_help",
    "toggle_tag",
    "toggle_tree",
    "untag_all",
    "visible_top",
    "with_message",
]
