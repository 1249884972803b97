"""The pure model of ``sysmon top``: (Snapshot, State) -> State | Frame.

No curses, no I/O, no clock: only types and functions over the snapshot it
is given (app.py reads the system, view.py draws Frames).  Every text in a
Cell is sanitized (sysmon.sanitize) once and measured in display columns, so
hostile process names cannot reach the terminal raw and a line never
exceeds the width.  The parts live in model_types (records), model_text
(formatting), model_table (columns, rows), model_header, model_views (other
views, panes, menus) and model_state (keys, layout); this module draws a
whole screen and is the one to import.
"""

from __future__ import annotations

from sysmon.tui.model_header import header_lines
from sysmon.tui.model_state import (
    Layout,
    clamp,
    click,
    close_menu,
    cycle_sort,
    invert,
    layout,
    menu_choose,
    menu_move,
    move,
    nice_action,
    open_menu,
    page_size,
    prompt_key,
    resolve,
    search_next,
    select_row,
    set_view,
    sort_by,
    start_prompt,
    targets,
    toggle_collapse,
    toggle_details,
    toggle_follow,
    toggle_help,
    toggle_tag,
    toggle_tree,
    untag_all,
    visible_top,
    with_message,
)
from sysmon.tui.model_table import (
    COLUMNS,
    PER_ROW,
    PROCESS_FIELDS_NEEDED,
    Column,
    fields_needed,
    matches,
    plain_row,
    row_line,
    rows,
    shown_sample,
    title_line,
)
from sysmon.tui.model_text import clean, fill, plain, text_line
from sysmon.tui.model_types import (
    DEFAULT_COLUMNS,
    MEANINGS,
    VIEWS,
    Action,
    Cell,
    Details,
    Frame,
    Ident,
    Line,
    Meaning,
    Menu,
    ProcessRow,
    Quit,
    Renice,
    SendSignal,
    Snapshot,
    State,
)
from sysmon.tui.model_views import (
    details_lines,
    disks_lines,
    help_lines,
    menu_lines,
    menu_width,
    network_lines,
    status_line,
)


def _window(snap: Snapshot, st: State, body_h: int
            ) -> tuple[list[ProcessRow], int, Ident | None, int]:
    """The table's rows, the selected index and ident, the first row shown."""
    rs = rows(snap, st)
    index, sel = resolve(rs, st)
    return rs, index, sel, visible_top(st.top, index, len(rs), body_h)


def shown_rows(snap: Snapshot, st: State, height: int) -> list[ProcessRow]:
    """The process table's rows on screen at this height (none outside the
    process view): what Source.extras completes with the per-row fields."""
    if st.view != "processes":
        return []
    body_h = layout(snap, st, height).body_h
    rs, _, _, top = _window(snap, st, body_h)
    return rs[top: top + body_h]


def _process_view(snap: Snapshot, st: State, lay: Layout, width: int
                  ) -> tuple[Line, list[Line], list[Line]]:
    """The table's title line, its visible rows and the details pane."""
    rs, index, sel, top = _window(snap, st, lay.body_h)
    hit = matches(st.search) if st.search else None
    body: list[Line] = []
    for i in range(top, min(top + lay.body_h, len(rs))):
        r = rs[i]
        meaning = ("selected" if i == index else "tagged" if r.ident in st.tagged
                   else "match" if hit is not None and hit(r.sample) else "")
        body.append(row_line(r, snap, st, width, meaning))
    if not rs and lay.body_h > 0:
        why = "no process matches the filter" if st.filter else "no processes"
        body.append(text_line(why, width, "dim"))
    details: list[Line] = []
    if lay.details_h > 0:
        name = (rs[index].sample.info.name or "?") if sel is not None else ""
        details = details_lines(snap, st, sel[0] if sel is not None else None, name,
                                width, lay.details_h)
    return title_line(st, width), body, details


def render(snap: Snapshot, st: State, width: int, height: int) -> Frame:
    """The whole screen: header, the view (with its title line), the details
    pane (bottom half) when open, the menu (left side panel) when open, and
    the key bar / prompt / message as the last line.  Any size works: at
    most ``height`` lines, none wider than ``width``."""
    if width <= 0 or height <= 0:
        return Frame((), max(width, 0), max(height, 0))
    lay = layout(snap, st, height)
    lines: list[Line] = list(header_lines(snap, st, width, height)[: lay.header])
    mw = min(menu_width(st.menu, st), width) if st.menu is not None else 0
    vw = width - mw
    details: list[Line] = []
    if st.view == "processes":
        title, body, details = _process_view(snap, st, lay, vw)
    else:
        if st.view == "network":
            title, body = network_lines(snap, st, vw)
        elif st.view == "disks":
            title, body = disks_lines(snap, st, vw)
        else:
            title, body = help_lines(vw)
        start = min(st.view_top, max(len(body) - lay.body_h, 0))
        body = body[start: start + lay.body_h]
    view: list[Line] = []
    if lay.title_y is not None:
        view = [title, *body[: lay.body_h]]
        view += [()] * (lay.body_h + 1 - len(view))
    if st.menu is not None:
        panel = menu_lines(st.menu, st, mw, len(view))
        view = [(*p, *fill(v, vw)) for p, v in zip(panel, view)]
    lines += view
    lines += details
    cursor = None
    if lay.status_y is not None:
        lines = lines[: lay.status_y]
        lines += [()] * (lay.status_y - len(lines))
        status, x = status_line(st, width)
        lines.append(status)
        if x is not None:
            cursor = (lay.status_y, x)
    return Frame(tuple(lines[:height]), width, height, cursor)


def render_text(snap: Snapshot, st: State, width: int = 200) -> str:
    """``sysmon top --once``: the header and EVERY process (height is not a
    limit), as plain text without meanings; lines end with "\\n"."""
    width = max(width, 1)
    out = [plain(line).rstrip(" ") for line in header_lines(snap, st, width, None)]
    out.append(plain(title_line(st, width)).rstrip(" "))
    out += [plain_row(r, snap, st, width) for r in rows(snap, st)]
    return "\n".join(out) + "\n"


__all__ = [
    "COLUMNS",
    "DEFAULT_COLUMNS",
    "MEANINGS",
    "PER_ROW",
    "PROCESS_FIELDS_NEEDED",
    "VIEWS",
    "Action",
    "Cell",
    "Column",
    "Details",
    "Frame",
    "Ident",
    "Layout",
    "Line",
    "Meaning",
    "Menu",
    "ProcessRow",
    "Quit",
    "Renice",
    "SendSignal",
    "Snapshot",
    "State",
    "clamp",
    "clean",
    "click",
    "close_menu",
    "cycle_sort",
    "fields_needed",
    "invert",
    "layout",
    "menu_choose",
    "menu_move",
    "move",
    "nice_action",
    "open_menu",
    "page_size",
    "prompt_key",
    "render",
    "render_text",
    "rows",
    "search_next",
    "select_row",
    "set_view",
    "shown_rows",
    "shown_sample",
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
    "with_message",
]
