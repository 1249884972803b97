"""A /proc that refuses (hidepid=1) or hides (hidepid=2) other users'
processes: a single-process call on a process that runs says AccessDenied,
never NoSuchProcess ("not visible" is not "exited"); a pid with no process is
still NoSuchProcess.  Both backends.

Each case mounts a procfs of its own, with the option, in a private mount
namespace (``unshare -m``), then reads it as nobody: the machine's /proc is
never touched, and the mount goes with the namespace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest
from helpers import Children, free_pid, nobody_ids

pytestmark = pytest.mark.skipif(
    shutil.which("unshare") is None or os.geteuid() != 0,
    reason="needs root and unshare",
)

# argv: root, a pid of root's, a free pid, nobody's uid and gid.  Imports
# sysmon (both backends) as root, then drops to nobody (who may not read the
# interpreter's own directories) and prints {case: [outcome, ...]}.
CHILD = r"""
import json, os, sys
import sysmon
for be in ("python", "c"):
    sysmon.set_backend(be)
root, theirs, free, uid, gid = sys.argv[1], *map(int, sys.argv[2:])
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
cases = {
    "theirs": lambda: sysmon.Process(theirs, root).pid,
    "connections": lambda: len(sysmon.connections(pid=theirs, root=root)),
    "free": lambda: sysmon.Process(free, root).pid,
    "own": lambda: sysmon.Process(os.getpid(), root).pid,
    "parent": lambda: sysmon.Process(os.getpid(), root).parent(),
}
out = {}
for be in ("c", "python"):
    sysmon.set_backend(be)
    for name, call in cases.items():
        try:
            out[f"{be} {name}"] = ["ok", repr(call())]
        except sysmon.SysmonError as e:
            out[f"{be} {name}"] = [type(e).__name__, e.pid, e.path, str(e)]
print(json.dumps(out))
"""


@pytest.fixture
def kids() -> Iterator[Children]:
    c = Children()
    try:
        yield c
    finally:
        c.close()


def run_hidden(option: str, theirs: int, free: int) -> dict[str, list[object]]:
    """CHILD's outcomes, as nobody, under a procfs mounted with ``option``."""
    uid, gid = nobody_ids()
    root = tempfile.mkdtemp(prefix="sysmon-hidepid-")
    try:
        os.chmod(root, 0o755)
        os.mkdir(os.path.join(root, "proc"))
        p = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             'mount -t proc -o "$1" proc "$2/proc" || exit 99; shift 2; exec "$@"', "sh",
             option, root, sys.executable, "-c", CHILD, root, str(theirs), str(free),
             str(uid), str(gid)],
            capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        shutil.rmtree(root)
    if p.returncode == 99:
        pytest.skip(f"cannot mount proc with {option}: {p.stderr.strip()}")
    assert p.returncode == 0, p.stderr
    out: dict[str, list[object]] = json.loads(p.stdout)
    return out


@pytest.mark.parametrize("option", ["hidepid=1", "hidepid=2"])
def test_a_process_we_may_not_see_is_access_denied(kids: Children, option: str) -> None:
    theirs = kids.sleeper().pid  # root's
    free = free_pid()
    out = run_hidden(option, theirs, free)
    for be in ("c", "python"):
        for case in ("theirs", "connections"):
            kind, pid, path, text = out[f"{be} {case}"]
            assert (kind, pid) == ("AccessDenied", theirs), (be, case, out)
            assert isinstance(path, str) and path.endswith(f"/proc/{theirs}")
            if option == "hidepid=2":  # the directory is absent: say why
                assert "hidepid" in str(text)
        # a pid nobody has is gone, whatever the mount says
        assert out[f"{be} free"][:2] == ["NoSuchProcess", free]
        # our own process stays readable
        assert out[f"{be} own"][0] == "ok"
        # the parent (this test, root's) exists: refused, not "no parent"
        assert out[f"{be} parent"][:2] == ["AccessDenied", os.getpid()]
    assert {k.split()[1]: v for k, v in out.items() if k.startswith("c ")} == \
        {k.split()[1]: v for k, v in out.items() if k.startswith("python ")}
