"""Consumers (sysmon/cli/, sysmon/tui/) use only the public sysmon API.

An ``ast`` scan of every .py file under those folders fails on any import of
a private ``sysmon._*`` module or name, in every spelling: ``import
sysmon._x``, ``from sysmon import _x``, ``from sysmon.fields import _y``,
relative imports that climb out of the consumer (``from .. import _x``),
attribute access (``sysmon._backend``), ``getattr(sysmon, "_x")`` and
``importlib.import_module("sysmon._x")``.  A consumer's own private modules
(``sysmon.cli._output`` inside sysmon/cli/) are its business and allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sysmon"
CONSUMERS = ("cli", "tui")


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _forbidden(dotted: str, own: str) -> bool:
    """True if ``dotted`` (a module or module.name path) reaches a private part
    of sysmon outside the consumer package ``own`` (e.g. "sysmon.cli")."""
    parts = dotted.split(".")
    if parts[0] != "sysmon":
        return False
    if dotted == own or dotted.startswith(own + "."):
        return False
    return any(_private(p) for p in parts[1:])


def _resolve_relative(module: str | None, level: int, package: str) -> str:
    base = package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def violations(source: str, package: str, filename: str = "<src>") -> list[str]:
    """Private-sysmon uses in ``source``, a module of package ``package``
    (e.g. "sysmon.cli"); the consumer package is the first two components."""
    own = ".".join(package.split(".")[:2])
    tree = ast.parse(source, filename)
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name -> dotted sysmon path

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', '?')}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _forbidden(a.name, own):
                    flag(node, f"import {a.name}")
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                mod = _resolve_relative(node.module, node.level, package)
            else:
                mod = node.module or ""
            if _forbidden(mod, own):
                flag(node, f"from {mod} import ...")
            for a in node.names:
                full = f"{mod}.{a.name}"
                if a.name != "*" and _forbidden(full, own):
                    flag(node, f"from {mod} import {a.name}")
                if mod.split(".")[0] == "sysmon":
                    aliases[a.asname or a.name] = full

    def dotted(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return aliases.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = dotted(expr.value)
            return f"{base}.{expr.attr}" if base is not None else None
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            path = dotted(node)
            if (
                path is not None
                and _forbidden(path, own)
                and not _forbidden(path.rsplit(".", 1)[0], own)
            ):
                flag(node, path)  # flagged once, at the first private step
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            strings = [a for a in args if isinstance(a, str)]
            if name in ("import_module", "__import__") and strings:
                if _forbidden(strings[0], own):
                    flag(node, f"{name}({strings[0]!r})")
            elif name in ("getattr", "hasattr") and len(node.args) >= 2:
                base = dotted(node.args[0])
                if base is not None and strings and _forbidden(f"{base}.{strings[0]}", own):
                    flag(node, f"{name}({base}, {strings[0]!r})")
    return found


def consumer_files() -> list[tuple[Path, str]]:
    files = []
    for name in CONSUMERS:
        folder = PACKAGE / name
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            # the package a module belongs to: its folder, for __init__.py too
            package = ".".join(path.relative_to(ROOT).parts[:-1])
            files.append((path, package))
    return files


def test_consumers_exist():
    paths = {p.relative_to(PACKAGE).as_posix() for p, _ in consumer_files()}
    assert "cli/__init__.py" in paths
    assert "cli/ps.py" in paths


@pytest.mark.parametrize(
    ("path", "package"),
    [pytest.param(p, pkg, id=p.relative_to(PACKAGE).as_posix()) for p, pkg in consumer_files()],
)
def test_consumer_uses_public_api_only(path, package):
    assert violations(path.read_text(encoding="utf-8"), package, str(path)) == []


# --------------------------------------------------------------------------
# the checker itself catches every spelling (so a pass above means something)


@pytest.mark.parametrize(
    "source",
    [
        "import sysmon._native",
        "import sysmon._native as n",
        "from sysmon import _backend",
        "from sysmon import processes, _host",
        "from sysmon._host import user_names",
        "from sysmon.fields import _FIELDS",
        "from sysmon.tui import _view",
        "from .. import _native",
        "from .._pure import scan_raw",
        "import sysmon\nsysmon._backend.current()",
        "import sysmon as s\ns._host.user_names('/')",
        "from sysmon import fields\nfields._S",
        "import sysmon\ngetattr(sysmon, '_native')",
        "import importlib\nimportlib.import_module('sysmon._native')",
        "__import__('sysmon._pure')",
    ],
)
def test_checker_flags(source):
    assert violations(source, "sysmon.cli"), source


@pytest.mark.parametrize(
    "source",
    [
        "import sysmon",
        "import sysmon.sanitize",
        "from sysmon import processes, FIELDS, __version__",
        "from sysmon.fields import FIELDS, FileGroup",
        "from sysmon.sanitize import sanitize",
        "from sysmon.cli._output import format_table",
        "from . import _output",
        "from ._columns import tty_name",
        "import sysmon\nsysmon.__version__\nsysmon.fields.FIELDS",
        "import os\nos._exit(0)",
        "import argparse\nargparse._SubParsersAction",
    ],
)
def test_checker_allows(source):
    assert violations(source, "sysmon.cli") == [], source
