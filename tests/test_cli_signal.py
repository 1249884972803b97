"""``sysmon signal`` against children this test starts: in this process
through sysmon.cli.main, as nobody in a child (the AccessDenied path, and
``proc``/``env`` on a process nobody may not inspect), and twice through
the real entry point for its exit statuses.  Ground truth: each child's
wait status (which signal ended it) and whether it is still running.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cli_proc_support import (  # noqa: E402
    IS_ROOT,
    alive,
    main_error,
    main_ok,
    main_run,
    nobody_ids,
    nogroup,
    one_error,
    pid_max,
    reap_signal,
    run_as_nobody,
    unique_sleep,
)
from cli_support import assert_one_error_line, run  # noqa: E402
from helpers import Children, wait_exec  # noqa: E402

import sysmon  # noqa: E402
from sysmon.cli import signals  # noqa: E402


@pytest.fixture
def kids() -> Iterator[Children]:
    with Children() as c:
        yield c


def listed_pids(out: str) -> list[int]:
    """The PID column of a match listing (PID USER NAME COMMAND)."""
    lines = out.splitlines()
    assert lines[0].split() == ["PID", "USER", "NAME", "COMMAND"]
    return [int(line.split()[0]) for line in lines[1:]]


@pytest.mark.parametrize(("spec", "number", "name"), [
    ("TERM", signal.SIGTERM, "SIGTERM"),
    ("sigterm", signal.SIGTERM, "SIGTERM"),
    ("9", signal.SIGKILL, "SIGKILL"),
    ("USR1", signal.SIGUSR1, "SIGUSR1"),
    ("RTMIN+1", signal.SIGRTMIN + 1, "SIGRTMIN+1"),
])
def test_by_pid(capsys: pytest.CaptureFixture[str], kids: Children, spec: str, number: int,
                name: str) -> None:
    p = kids.sleeper(600)
    out = main_ok(capsys, "signal", str(p.pid), spec)
    assert out == f"sent {name} to {p.pid} (sleep)\n"
    assert reap_signal(p) == number


def test_by_name_two_matches(capsys: pytest.CaptureFixture[str], kids: Children,
                             tmp_path: Path) -> None:
    exe = unique_sleep(tmp_path)
    a, b = kids.spawn([str(exe), "600"]), kids.spawn([str(exe), "601"])
    pattern = f"^{exe.name}$"
    # several matches: listed, refused without --yes, nothing sent
    rc, out, err = main_run(capsys, "signal", "--name", pattern, "TERM")
    assert rc == 1
    assert listed_pids(out) == [a.pid, b.pid]
    assert "2 processes match" in one_error(err) and "--yes" in err
    assert alive(a.pid) and alive(b.pid)
    # --dry-run: listed, exit 0, nothing sent (also with --full on the command line)
    out = main_ok(capsys, "signal", "--name", pattern, "TERM", "--dry-run", "--yes")
    assert listed_pids(out) == [a.pid, b.pid]
    out = main_ok(capsys, "signal", "--full", "--name", f"{exe.name} 60[01]$", "KILL",
                  "--dry-run")
    assert listed_pids(out) == [a.pid, b.pid]
    assert out.splitlines()[1].split()[1:] == ["root" if IS_ROOT else
                                              sysmon.Process(a.pid).username(),
                                              exe.name, str(exe), "600"]
    assert alive(a.pid) and alive(b.pid)
    # --yes: both, one line each
    out = main_ok(capsys, "signal", "--name", pattern, "TERM", "--yes")
    assert out.splitlines() == [f"sent SIGTERM to {a.pid} ({exe.name})",
                                f"sent SIGTERM to {b.pid} ({exe.name})"]
    assert (reap_signal(a), reap_signal(b)) == (signal.SIGTERM, signal.SIGTERM)


def test_one_match_needs_no_yes(capsys: pytest.CaptureFixture[str], kids: Children,
                                tmp_path: Path) -> None:
    exe = unique_sleep(tmp_path)
    p = kids.spawn([str(exe), "600"])
    out = main_ok(capsys, "signal", "--name", exe.name, "HUP")
    assert out == f"sent SIGHUP to {p.pid} ({exe.name})\n"
    assert reap_signal(p) == signal.SIGHUP


def test_failures_are_per_process(capsys: pytest.CaptureFixture[str], kids: Children) -> None:
    """A target that exited after it was listed gets one stderr line; the
    others still get the signal; the handle never reaches a reused pid."""
    a, b = kids.sleeper(600), kids.sleeper(600)
    targets = [signals.by_pid(a.pid), signals.by_pid(b.pid)]
    try:
        kids.kill(a)  # exits and is reaped between listing and sending
        out = io.StringIO()
        assert signals.send(targets, signal.SIGTERM, out) is False
    finally:
        for t in targets:
            t.proc.close()
    assert out.getvalue() == f"sent SIGTERM to {b.pid} (sleep)\n"
    err = one_error(capsys.readouterr().err)
    assert str(a.pid) in err and "exited" in err
    assert reap_signal(b) == signal.SIGTERM


@pytest.mark.parametrize("args", [
    ["1", "NOPE"], ["1", "SIGFOO"], ["1", "65"], ["1", "RTMIN+99"], ["1", "-"],
    ["--name", "x", "TERMINATE"], ["1", "\ufb06op"], ["--name", "x", "k\u0131ll"],
])
def test_bad_signal_is_a_usage_error(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    err = main_error(capsys, 2, "signal", *args)
    assert "invalid signal" in err


@pytest.mark.parametrize(("args", "words"), [
    (["TERM"], "nothing to signal"),
    (["1", "TERM", "--name", "x"], "not both"),
    (["TERM", "--full", "--user", "root"], "--full needs --name"),
    (["TERM", "--name", "("], "invalid --name pattern"),
    (["TERM", "--user", "no-such-user-here"], "unknown user"),
    (["0x10", "TERM"], "invalid pid"),
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    assert words in main_error(capsys, 2, "signal", *args)


def test_nothing_to_signal(capsys: pytest.CaptureFixture[str]) -> None:
    assert "does not exist" in main_error(capsys, 1, "signal", str(pid_max()), "TERM")
    err = main_error(capsys, 1, "signal", "--name", "^no such process name$", "TERM")
    assert "no process matches" in err


def test_never_its_own_process(capsys: pytest.CaptureFixture[str]) -> None:
    me = os.getpid()
    assert "this sysmon process" in main_error(capsys, 1, "signal", str(me), "0")
    with sysmon.Process(me) as p:
        own = " ".join(p.cmdline())
    rc, out, _err = main_run(capsys, "signal", "--full", "--name", f"^{re.escape(own)}$",
                             "TERM", "--dry-run")
    assert rc in (0, 1)  # another run of the same command may match (never sent: dry run)
    assert me not in (listed_pids(out) if out else [])


@pytest.mark.skipif(not IS_ROOT, reason="needs root to start a process as nobody")
def test_user_selects_only_the_nobody_child(capsys: pytest.CaptureFixture[str],
                                            kids: Children) -> None:
    arg = f"600.{int.from_bytes(os.urandom(4), 'big'):010d}"  # a unique command line
    theirs = kids.spawn(["setpriv", "--reuid=nobody", f"--regid={nogroup()}",
                         "--clear-groups", "sleep", arg])
    wait_exec(theirs.pid, b"sleep")
    ours = kids.spawn(["sleep", arg])
    pattern = f"^sleep {re.escape(arg)}$"
    for user in ("nobody", str(nobody_ids()[0])):
        out = main_ok(capsys, "signal", "--user", user, "--full", "--name", pattern, "TERM",
                      "--dry-run")
        assert listed_pids(out) == [theirs.pid]
        assert out.splitlines()[1].split()[1] == "nobody"
    out = main_ok(capsys, "signal", "--user", "nobody", "--full", "--name", pattern, "TERM")
    assert out == f"sent SIGTERM to {theirs.pid} (sleep)\n"
    assert reap_signal(theirs) == signal.SIGTERM
    assert alive(ours.pid)


@pytest.mark.skipif(not IS_ROOT, reason="needs root to drop to nobody")
def test_as_nobody_against_a_root_child(kids: Children) -> None:
    p = kids.sleeper(600)
    pid = str(p.pid)
    sig, proc_json, proc_text, env = run_as_nobody(
        ["signal", pid, "TERM"], ["proc", pid, "--json"], ["proc", pid], ["env", pid])
    # signal: refused by the kernel, one line, exit 1, the child untouched
    assert (sig["rc"], sig["out"]) == (1, "")
    assert re.search(r"not permitted|permission", one_error(sig["err"]))
    assert alive(p.pid)
    # proc: exit 0; what the kernel keeps from nobody is marked, the rest shown
    assert (proc_json["rc"], proc_json["err"]) == (0, "")
    obj = json.loads(proc_json["out"])
    assert obj["identity"]["pid"] == p.pid and obj["identity"]["name"] == "sleep"
    assert obj["identity"]["exe"] == {"error": "access denied"}
    for key in ("fds", "environment", "io"):
        assert obj[key] == {"error": "access denied"}, key
    assert "nofile" in obj["limits"]
    assert proc_text["rc"] == 0
    assert "  unavailable: access denied" in proc_text["out"].splitlines()
    # env: nothing to show: one line, exit 1
    assert (env["rc"], env["out"]) == (1, "")
    assert "access denied" in one_error(env["err"])


def test_exit_status_of_the_real_program() -> None:
    assert "invalid signal" in assert_one_error_line(run("signal", "1", "NOSUCH"), 2)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="needs root and unshare")
def test_never_itself_under_another_pid_namespaces_proc() -> None:
    """Under `unshare --pid --fork` with the host's /proc, os.getpid() is 1
    while the table numbers this sysmon as the host does: it must still
    leave itself out (it matched its own pattern, and would have signalled
    itself without --dry-run)."""
    cmd = [sys.executable, "-m", "sysmon.cli", "signal", "--full",
           "--name", r"^\S+ -m sysmon\.cli signal --full", "0", "--dry-run"]
    p = subprocess.run(["unshare", "--pid", "--fork", *cmd], capture_output=True, timeout=60)
    assert "no process matches" in assert_one_error_line(p, 1)
