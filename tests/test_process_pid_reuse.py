"""Signals after pid reuse, deterministically, in a private pid namespace.

tests/pid_reuse_child.py runs as pid 1 of `unshare --pid --fork --mount-proc`
(root, util-linux), once per backend: nothing else forks there, so
ns_last_pid hands a killed child's pid to the next fork every time.  A stale
handle must raise NoSuchProcess for every signal, wait() must return None
without waiting on the newcomer, and the newcomer must get no signal, also
when both started in the same clock tick (see that script's docstring).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sysmon

SCRIPT = Path(__file__).resolve().parent / "pid_reuse_child.py"
TRIALS = 40

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (pid namespace, ns_last_pid)"),
    pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)"),
]


def _command(backend: str) -> tuple[list[str], dict[str, str]]:
    """unshare runs without LD_PRELOAD (an ASan runtime preloaded into it
    could report its leaks and change its exit status); `env` puts it back
    for the Python that imports sysmon.  Everything else passes through."""
    env = dict(os.environ)
    env["SYSMON_BACKEND"] = backend
    preload = env.pop("LD_PRELOAD", None)
    cmd = ["unshare", "--pid", "--fork", "--mount-proc"]
    if preload:
        cmd += ["env", f"LD_PRELOAD={preload}"]
    cmd += [sys.executable, str(SCRIPT), backend, str(TRIALS)]
    return cmd, env


def test_stale_handle_never_signals_pid_successor(backend):
    """`backend` (conftest) skips or fails the "c" run like every other test
    when the extension is missing; the script selects it by SYSMON_BACKEND."""
    cmd, env = _command(backend)
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    out = f"rc={r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    if r.returncode != 0 and "unshare failed" in r.stderr and "FAIL" not in r.stdout:
        pytest.skip(f"cannot create a pid namespace here: {r.stderr.strip()}")
    assert r.returncode == 0, out
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")]
    assert len(lines) == 1, out
    stats = json.loads(lines[0][len("RESULT "):])
    assert stats["backend"] == backend, out
    assert stats["pid1"], out
    # the same sysmon as this process (PYTHONPATH and the rest passed through)
    assert stats["sysmon"] == os.path.dirname(os.path.abspath(sysmon.__file__)), out
    assert stats["trials"] == TRIALS, out
    assert stats["fast"] + stats["slow"] == TRIALS, out
