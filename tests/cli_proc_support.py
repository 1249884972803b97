"""Shared by test_cli_proc.py and test_cli_signal.py (``sysmon proc``, ``env``,
``tree`` and ``signal``): running the command in this process, a unique
copy of sleep whose name only the test's own children have, and running
the command as nobody in a child that imports sysmon as root first (the
interpreter and the package need not be readable by nobody, so setpriv
cannot start them; the child drops to nobody with setgroups/setgid/setuid,
which leaves it without capabilities, exactly as setpriv would).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import cli_env
from helpers import nobody_ids

import sysmon.cli

# ---------------------------------------------------------------- in process


def main_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``sysmon ARGS`` run in this process."""
    rc = sysmon.cli.main(list(args))
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    return rc, cap.out, cap.err


def main_ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    rc, out, err = main_run(capsys, *args)
    assert (rc, err) == (0, ""), err
    return out


def main_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    out = main_ok(capsys, *args, "--json")
    assert out.isascii() and out.endswith("\n") and out.count("\n") == 1
    return json.loads(out)


def one_error(err: str) -> str:
    """The one stderr line of a failed command."""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("sysmon: error: "), err
    return err


def main_error(capsys: pytest.CaptureFixture[str], rc_wanted: int, *args: str) -> str:
    rc, out, err = main_run(capsys, *args)
    assert rc == rc_wanted, (rc, out, err)
    assert out == ""
    return one_error(err)


# Characters that must never reach a terminal raw: ESC, BEL, every other C0
# control but LF, DEL, C1, bidi controls, lone surrogates (undecodable bytes).
def unsafe_chars(text: str) -> list[str]:
    bad = []
    for c in text:
        cp = ord(c)
        if (cp < 0x20 and c != "\n") or 0x7F <= cp <= 0x9F or 0xD800 <= cp <= 0xDFFF \
                or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069:
            bad.append(f"U+{cp:04X}")
    return bad


def pid_max() -> int:
    """A pid no process can have (pids are below pid_max)."""
    return int(Path("/proc/sys/kernel/pid_max").read_text())


def alive(pid: int) -> bool:
    """True while our child ``pid`` has not exited (it is not reaped here)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None


def reap_signal(p: subprocess.Popen[bytes]) -> int:
    """Reap child ``p`` with waitpid; return the signal that ended it (0 if it exited)."""
    _, status = os.waitpid(p.pid, 0)
    p.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0


def unique_sleep(directory: Path) -> Path:
    """A copy of sleep under a name no other process has (a comm of 10 chars)."""
    src = shutil.which("sleep")
    assert src is not None
    dst = directory / f"sm{secrets.token_hex(4)}"
    shutil.copy2(src, dst)
    return dst


# ---------------------------------------------------------------- reading the output


def section_lines(text: str, title: str) -> list[str]:
    """The lines of one section of ``sysmon proc`` (indent removed)."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    out = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        out.append(line[2:])
    return out


def pair(text: str, title: str, key: str) -> str:
    """The value of ``key`` in a key/value section."""
    for line in section_lines(text, title):
        if line.startswith(key + " "):
            return line[len(key):].strip()
    raise AssertionError(f"no {key!r} in section {title!r}:\n{text}")


def depth_of(cmd: str) -> tuple[int, str]:
    m = re.match(r"( *)\\_ ", cmd)
    if m is None:
        return 0, cmd
    pad = len(m.group(1))
    assert (pad - 1) % 4 == 0, cmd
    return (pad - 1) // 4 + 1, cmd[m.end():]


def line_prefix(line: str, off: int) -> str:
    cmd = line[off:]
    return cmd[: cmd.index("\\_ ") + 3]


def subtree(node: dict[str, Any]) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    todo = list(node["children"])
    while todo:
        n = todo.pop()
        out.add((n["pid"], n["ppid"]))
        todo.extend(n["children"])
    return out


def ps_subtree(top: int) -> set[tuple[int, int]]:
    """(pid, ppid) of every descendant of ``top`` as ps sees them (ps itself
    left out)."""
    ps = subprocess.Popen(["ps", "-e", "-o", "pid=,ppid="], stdout=subprocess.PIPE, text=True)
    out, _ = ps.communicate()
    kids: dict[int, list[int]] = {}
    for line in out.splitlines():
        pid, ppid = map(int, line.split())
        if pid != ps.pid:
            kids.setdefault(ppid, []).append(pid)
    truth: set[tuple[int, int]] = set()
    todo = [top]
    while todo:
        parent = todo.pop()
        for k in kids.get(parent, []):
            truth.add((k, parent))
            todo.append(k)
    return truth


# ---------------------------------------------------------------- as nobody

IS_ROOT = os.geteuid() == 0

# argv: <uid> <gid> <JSON list of sysmon argv lists>.  Imports everything as
# root (argparse loads gettext/locale lazily), drops to nobody, runs each
# command through sysmon.cli.main and prints the results as one JSON object.
NOBODY_RUNNER = r"""
import contextlib, gettext, io, json, locale, os, sys
import sysmon.cli
sysmon.cli.build_parser().parse_args(["proc", "1"])
uid, gid = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
results = []
for argv in json.loads(sys.argv[3]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = sysmon.cli.main(argv)
    results.append({"rc": rc, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps({"ids": [os.getuid(), os.geteuid()], "results": results}))
"""


def run_as_nobody(*commands: list[str]) -> list[dict[str, Any]]:
    """Run each ``sysmon`` command as nobody, in one child; their results."""
    uid, gid = nobody_ids()
    p = subprocess.run(
        [sys.executable, "-c", NOBODY_RUNNER, str(uid), str(gid), json.dumps(commands)],
        capture_output=True, env=cli_env(), timeout=60, check=False,
    )
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    report = json.loads(p.stdout)
    assert report["ids"] == [uid, uid]
    results: list[dict[str, Any]] = report["results"]
    return results


def nogroup() -> str:
    """The group setpriv should use for nobody: nogroup if it exists, else
    nobody's own gid."""
    p = subprocess.run(["getent", "group", "nogroup"], capture_output=True, check=False)
    return "nogroup" if p.returncode == 0 else str(nobody_ids()[1])
