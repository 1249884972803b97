"""The shape of sysmon/tui/ (tui_spec.md, design.md section 1):

- only view.py imports curses; model.py (and its helper modules model_*.py)
  is pure: no curses, no I/O, no clock, no system-reading sysmon calls;
- the package's __init__.py is a docstring and nothing else;
- no module writes escape sequences or a terminal title of its own;
- the public-API-only rule (tests/test_layering.py) really scans tui/;
- importing sysmon.tui.model / view / app runs nothing: no curses
  initialisation, nothing written, no /proc, /sys or /dev read, no child
  started (an audit hook in a fresh interpreter records it).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_layering import consumer_files

ROOT = Path(__file__).resolve().parent.parent
TUI = ROOT / "sysmon" / "tui"
REQUIRED = ("__init__.py", "model.py", "view.py", "app.py")


def tui_files() -> list[Path]:
    return sorted(TUI.glob("*.py")) if TUI.is_dir() else []


def model_files() -> list[Path]:
    return [p for p in tui_files() if p.stem == "model" or p.stem.startswith("model_")]


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an AST imports, in any spelling (import, from-import,
    importlib.import_module / __import__ with a constant)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if (name in ("import_module", "__import__") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                out.append((node.lineno, node.args[0].value))
    return out


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_package_has_the_spec_modules():
    names = {p.name for p in tui_files()}
    assert set(REQUIRED) <= names, sorted(set(REQUIRED) - names)


def test_init_is_a_docstring_only():
    tree = parse(TUI / "__init__.py")
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    assert body == [], [ast.dump(n)[:80] for n in body]


# ----------------------------------------------------------------- curses only in view.py

CURSES = ("curses", "_curses", "_curses_panel")


@pytest.mark.parametrize("path", tui_files(), ids=ids(tui_files()))
def test_only_view_imports_curses(path):
    found = [f"{path.name}:{line}: {mod}" for line, mod in imported_modules(parse(path))
             if mod.split(".")[0] in CURSES]
    if path.name == "view.py":
        assert found, "view.py is the curses module: it should import curses"
    else:
        assert found == []


# ----------------------------------------------------------------- model purity

# Modules whose use means I/O, a clock, processes, or a terminal.  (datetime is
# allowed for pure arithmetic on timestamps the snapshot holds: see CLOCK_CALLS.)
IMPURE_MODULES = {
    *CURSES, "os", "io", "time", "pathlib", "subprocess", "select",
    "selectors", "threading", "multiprocessing", "shutil", "tempfile", "random",
    "secrets", "glob", "fcntl", "termios", "tty", "pty", "resource", "ctypes", "cffi",
    "locale", "sys",
}
# Builtins that do I/O or run code.
IMPURE_CALLS = {"open", "print", "input", "exec", "eval", "compile", "breakpoint", "__import__"}
# Modules a model may use for their constants and enums (signal.Signals,
# socket.AF_UNIX) and these pure conversions, but no other call into them
# (signal.signal, socket.socket, socket.gethostname, ...).
CONSTANT_MODULES = {"signal", "socket", "errno", "stat"}
PURE_CALLS = {"Signals", "strsignal", "AddressFamily", "SocketKind", "inet_ntop", "inet_pton",
              "ntohs", "htons", "ntohl", "htonl", "errorcode", "filemode", "S_ISDIR", "S_ISREG",
              "S_ISLNK", "S_ISSOCK", "S_ISFIFO", "S_ISCHR", "S_ISBLK", "S_IFMT", "S_IMODE"}
# datetime's clock, and its local-time conversion (reads /etc/localtime) unless
# given a tz.
CLOCK_CALLS = {"now", "today", "utcnow"}
# Public sysmon functions and classes that read the system.
SYSTEM_READERS = {
    "processes", "snapshot", "memory", "swap", "loadavg", "uptime", "pressure", "cpu_times",
    "cpu_stats", "cpu_count", "cpu_freq", "cpu_limits", "connections", "listening", "mounts",
    "disk_usage", "disk_io", "net_io", "users", "temperatures", "vmstat", "meminfo",
    "vm_events", "process_tree", "Process", "ProcessSampler", "SystemSampler", "set_backend",
}


@pytest.mark.parametrize("path", model_files(), ids=ids(model_files()))
def test_model_is_pure(path):
    tree = parse(path)
    bad = [f"{line}: import {mod}" for line, mod in imported_modules(tree)
           if mod.split(".")[0] in IMPURE_MODULES]
    bad += [f"{node.lineno}: from {node.module} import {a.name}"
            for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and (node.module or "") in CONSTANT_MODULES
            for a in node.names if a.name[:1].islower() and a.name not in PURE_CALLS]
    from_sysmon: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "") == "sysmon":
            from_sysmon |= {a.asname or a.name for a in node.names if a.name in SYSTEM_READERS}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and (f.id in IMPURE_CALLS or f.id in from_sysmon):
            bad.append(f"{node.lineno}: {f.id}()")
        elif (isinstance(f, ast.Attribute) and f.attr in SYSTEM_READERS
              and isinstance(f.value, ast.Name) and f.value.id == "sysmon"):
            bad.append(f"{node.lineno}: sysmon.{f.attr}()")
        elif (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
              and f.value.id in CONSTANT_MODULES and f.attr not in PURE_CALLS):
            bad.append(f"{node.lineno}: {f.value.id}.{f.attr}()")
        elif isinstance(f, ast.Attribute) and f.attr in CLOCK_CALLS:
            bad.append(f"{node.lineno}: .{f.attr}() reads the clock")
        elif (isinstance(f, ast.Attribute) and f.attr in ("fromtimestamp", "astimezone")
              and len(node.args) < (2 if f.attr == "fromtimestamp" else 1)
              and not any(k.arg == "tz" for k in node.keywords)):
            bad.append(f"{node.lineno}: .{f.attr}() without tz reads the local timezone")
    assert bad == [], f"{path.name} is not pure: {bad}"


# ----------------------------------------------------------------- no escapes of its own

ESCAPE_STARTS = ("\x1b[", "\x1b]", "\x9b", "\x9d", "\x1bP", "\x1bk")


@pytest.mark.parametrize("path", tui_files(), ids=ids(tui_files()))
def test_writes_no_escape_sequences_or_title(path):
    tree = parse(path)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            v = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if any(e in v for e in ESCAPE_STARTS):
                bad.append(f"{node.lineno}: {v!r}")
        elif isinstance(node, ast.Attribute) and node.attr == "putp":
            bad.append(f"{node.lineno}: curses.{node.attr}")
    assert bad == [], f"{path.name} spells terminal control sequences: {bad}"


# ----------------------------------------------------------------- layering covers tui/


def test_layering_scan_covers_tui():
    scanned = {p.relative_to(ROOT / "sysmon").as_posix() for p, _ in consumer_files()}
    want = {f"tui/{n}" for n in REQUIRED}
    assert want <= scanned, sorted(want - scanned)
    assert all(pkg == "sysmon.tui" for p, pkg in consumer_files() if p.parent == TUI)


# ----------------------------------------------------------------- nothing runs at import

PROBE = textwrap.dedent(
    r"""
    import json, sys
    import sysmon  # the public API: allowed to do what it does; not under test here
    events = []
    WATCH = ("open", "os.listdir", "os.scandir", "os.chdir", "subprocess.Popen", "os.system",
             "os.exec", "os.posix_spawn", "os.fork", "os.forkpty", "pty.spawn",
             "socket.connect", "os.kill", "signal.pthread_kill")
    def hook(event, args):
        if event not in WATCH:
            return
        if event in ("open", "os.listdir", "os.scandir"):
            path = args[0] if args else None
            if isinstance(path, bytes):
                path = path.decode("latin-1")
            if not isinstance(path, str) or not path.startswith(("/proc", "/sys", "/dev")):
                return
        events.append(f"{event} {args!r}"[:200])
    sys.addaudithook(hook)
    mods = {}
    for name in sys.argv[1:]:
        __import__(name)
        mods[name] = sorted(m for m in sys.modules if m.split(".")[0] in ("curses", "_curses"))
    curses_initialised = None
    if "_curses" in sys.modules:
        import curses
        try:
            curses.isendwin()
            curses_initialised = True
        except curses.error:
            curses_initialised = False
    print(json.dumps({"events": events, "curses": mods, "initialised": curses_initialised}))
    """
)


def probe(*modules: str) -> dict:
    p = subprocess.run([sys.executable, "-c", PROBE, *modules], capture_output=True,
                       text=True, timeout=120, check=False)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "", p.stderr
    out = p.stdout.split("\n")
    assert len(out) == 2 and out[1] == "", f"importing wrote to stdout: {p.stdout!r}"
    return json.loads(out[0])


def test_importing_model_loads_no_curses_and_reads_nothing():
    got = probe("sysmon.tui", "sysmon.tui.model")
    assert got["curses"] == {"sysmon.tui": [], "sysmon.tui.model": []}
    assert got["events"] == []


def test_importing_view_and_app_initialises_nothing():
    got = probe("sysmon.tui.model", "sysmon.tui.view", "sysmon.tui.app")
    assert got["events"] == [], got["events"]
    assert got["initialised"] in (None, False), "curses initscr() ran at import"
