"""The build and backend selection: the tests must exercise the extension."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import sysmon
from sysmon.fields import FIELDS, PROCESS_FIELDS, FileGroup

REPO = Path(__file__).resolve().parent.parent


def test_native_backend_is_required_in_ci() -> None:
    """With SYSMON_REQUIRE_NATIVE=1 a run on the pure backend fails here."""
    if os.environ.get("SYSMON_REQUIRE_NATIVE") != "1":
        pytest.skip("SYSMON_REQUIRE_NATIVE is not set")
    assert sysmon.backend() == "c", "the C extension did not import: tests would run pure only"
    from sysmon import _native  # noqa: F401  (must import)


def test_expected_build_is_loaded() -> None:
    """The ASan pass points SYSMON_EXPECT_PATH at its build: make sure it is used."""
    where = os.environ.get("SYSMON_EXPECT_PATH")
    if not where:
        pytest.skip("SYSMON_EXPECT_PATH is not set")
    from sysmon import _sysmon_c

    assert str(Path(_sysmon_c.__file__).resolve()).startswith(str(Path(where).resolve()))


def test_tests_do_not_import_the_source_tree() -> None:
    """In CI (a fresh clone, `pip install .`), sysmon must come from site-packages:
    the source folder has no built extension."""
    if os.environ.get("CI") != "true":
        pytest.skip("a developer's editable install imports the source folder on purpose")
    assert Path(sysmon.__file__).resolve().parent != REPO / "sysmon"


def test_every_subpackage_is_packaged() -> None:
    """pyproject.toml lists its packages: a new folder left out installs
    nowhere (a source-tree run would not notice)."""
    text = (REPO / "pyproject.toml").read_text()
    listed = set(re.findall(r'"(sysmon[\w.]*)"', text.split("packages =", 1)[1].split("]", 1)[0]))
    found = {".".join(p.parent.relative_to(REPO).parts)
             for p in (REPO / "sysmon").rglob("__init__.py")}
    assert found == listed


_TYPES = frozenset({"int", "float", "complex", "str", "bytes", "bytearray", "memoryview",
                    "bool", "list", "tuple", "dict", "set", "frozenset", "object", "type"})


def _type_union(node: ast.AST) -> bool:
    """A PEP 604 union of types (X | Y), which Python 3.9 cannot evaluate.
    ALL_CAPS names are constants (flags), not types."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)):
        return False

    def typeish(n: ast.AST) -> bool:
        if isinstance(n, ast.Subscript):  # list[int], Optional[X]; not x[9]
            return typeish(n.value)
        return (_type_union(n)
                or (isinstance(n, ast.Constant) and n.value is None)
                or (isinstance(n, ast.Name)
                    and (n.id in _TYPES or (n.id[:1].isupper() and not n.id.isupper())))
                or (isinstance(n, ast.Attribute) and n.attr[:1].isupper()
                    and not n.attr.isupper()))

    return typeish(node.left) or typeish(node.right)


def _annotations(tree: ast.AST) -> set[int]:
    """ids of the nodes inside annotations (strings under
    ``from __future__ import annotations``: never evaluated)."""
    roots: list[ast.AST] = []
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.returns is not None:
            roots.append(n.returns)
        elif (isinstance(n, ast.arg) and n.annotation is not None) or isinstance(n, ast.AnnAssign):
            roots.append(n.annotation)
    return {id(x) for r in roots for x in ast.walk(r)}


def test_no_union_of_types_is_evaluated() -> None:
    """requires-python is 3.9: ``X = int | None`` (an alias) or
    ``isinstance(x, int | str)`` runs and fails there; annotations are
    strings (``from __future__ import annotations``) and may use X | Y.
    Every other place uses Optional/Union or a tuple.  (CI runs a newer
    Python, where the 3.9 failures themselves cannot show.)"""
    assert 'requires-python = ">=3.9"' in (REPO / "pyproject.toml").read_text()
    found = []
    for path in sorted([*(REPO / "sysmon").rglob("*.py"), *(REPO / "tests").glob("*.py")]):
        tree = ast.parse(path.read_text(), str(path))
        skip = _annotations(tree)
        found += [f"{path.relative_to(REPO)}:{n.lineno}" for n in ast.walk(tree)
                  if id(n) not in skip and _type_union(n)]
    assert found == []
    # the check itself: what it must flag, and what it must not
    flagged = [ast.parse(src).body[0] for src in (
        "X = int | None", "X = dict | list", "isinstance(x, int | str)",
        "X = Addr | Sequence[int]")]
    assert all(any(_type_union(n) for n in ast.walk(t)) for t in flagged)
    fine = ast.parse("F = os.O_RDONLY | os.O_CLOEXEC\nG = _MASK | FLAG_B | got[9]\n"
                     "def f(x: int | None)"
                     " -> str | None: ...\ny: int | None = None")
    skip = _annotations(fine)
    assert not [n for n in ast.walk(fine) if id(n) not in skip and _type_union(n)]


def test_c_constants_match_registry() -> None:
    from sysmon._native import lib  # type: ignore[attr-defined]

    assert lib.SM_FILE_STAT == FileGroup.STAT
    assert lib.SM_FILE_STATUS == FileGroup.STATUS
    assert not hasattr(lib, "SM_FILE_STATM") and not hasattr(FileGroup, "STATM")
    assert lib.SM_FILE_CMDLINE == FileGroup.CMDLINE
    assert lib.SM_FILE_ALL == FileGroup.ALL
    assert lib.SM_NAME_CAP == 64


def test_backend_switch_and_errors() -> None:
    before = sysmon.backend()
    try:
        sysmon.set_backend("python")
        assert sysmon.backend() == "python"
        with pytest.raises(ValueError, match="unknown backend"):
            sysmon.set_backend("fortran")
    finally:
        sysmon.set_backend(before)


def test_env_forces_backend() -> None:
    code = "import sysmon; print(sysmon.backend())"
    for name in ("python", "c"):
        env = dict(os.environ, SYSMON_BACKEND=name)
        # cwd "/": a -c child puts its working directory first on sys.path,
        # and PYTHONSAFEPATH (tests/conftest.py) only stops that from 3.11 on
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
            cwd="/",
        )
        assert out.stdout.strip() == name


def test_registry_covers_record() -> None:
    assert sysmon.ProcessInfo._fields == PROCESS_FIELDS
    for f in FIELDS.values():
        assert f.source and f.unit and f.description and f.title
    # explain() names the kernel source and unit of every field
    for name, f in FIELDS.items():
        text = sysmon.explain(name)
        assert f.source in text and f.unit in text


def test_install_without_compiler_falls_back(tmp_path: Path) -> None:
    """No working C compiler: the package installs, imports, and says "python"."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYSMON_")}
    env["CC"] = str(tmp_path / "no-such-cc")
    target = tmp_path / "site"
    src = tmp_path / "src"
    # A clean copy of what the build needs: no build/ leftovers, no in-place .so.
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for name in ("csrc", "sysmon"):
        shutil.copytree(
            REPO / name, src / name,
            ignore=shutil.ignore_patterns("*.so", "__pycache__"),
        )
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
         "--no-cache-dir", "--target", str(target), str(src)],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    assert not list(target.glob("sysmon/_sysmon_c*"))
    # -S with an explicit path: the target first, then site-packages for cffi,
    # without .pth hooks (a developer's editable install would shadow target).
    env["PYTHONPATH"] = os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])
    code = (
        "import sysmon; print(sysmon.backend()); "
        "print(len(sysmon.processes()) > 0); print(sysmon.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    backend, nonempty, where = out.stdout.split()
    assert (backend, nonempty) == ("python", "True")
    assert where.startswith(str(target))
    # Forcing C where it was not built is a clear error, not a silent fallback:
    # import still works (so the CLI can report it), the first use raises.
    env["SYSMON_BACKEND"] = "c"
    code = (
        "import sysmon\ntry:\n    sysmon.processes()\n"
        "except sysmon.SysmonError as e:\n    print('error:', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert re.search(r"^error: SYSMON_BACKEND=c: the C backend is not available", out.stdout)
    cli = subprocess.run(
        [sys.executable, "-S", "-m", "sysmon.cli", "ps"], env=env, capture_output=True,
        text=True, cwd=tmp_path,
    )
    assert cli.returncode == 1
    assert cli.stderr.count("\n") == 1 and "C backend is not available" in cli.stderr
    assert "Traceback" not in cli.stderr
