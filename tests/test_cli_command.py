"""The ``sysmon`` command line: options, help, errors and exit codes.

Run as a real program (``python -m sysmon.cli`` and the installed console
script): --version, help, ``explain``, usage errors as one sanitized line,
a missing C backend, a closed pipe.  Then ``main()`` in this process, for
errors raised inside a command and for the fields a command asks for (on
the written tree of cli_support.py).
"""

from __future__ import annotations

import errno
import functools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from cli_support import (  # noqa: E402
    SYSMON,
    assert_one_error_line,
    cli_env,
    interrupted,
    ok,
    run,
    tree_fixture,  # noqa: F401 - the `tree` fixture
)

import sysmon  # noqa: E402
import sysmon.cli  # noqa: E402

# --------------------------------------------------------------------------
# the rest of the command line


def test_version():
    assert ok("--version") == f"sysmon {sysmon.__version__}\n"


def test_console_script():
    script = Path(sys.executable).parent / "sysmon"
    if not script.exists():
        pytest.skip("the sysmon console script is not installed next to this python")
    p = subprocess.run([str(script), "--version"], capture_output=True, env=cli_env(), timeout=60)
    assert (p.returncode, p.stdout) == (0, f"sysmon {sysmon.__version__}\n".encode())


def test_no_subcommand_prints_help():
    p = run()
    assert p.returncode == 2
    assert p.stdout == b""
    err = p.stderr.decode()
    assert "usage: sysmon" in err and "ps" in err and "explain" in err
    assert "Traceback" not in err


def test_help():
    assert "--fields" in ok("ps", "--help")
    assert "usage: sysmon" in ok("--help")


def test_explain_rss():
    out = ok("explain", "rss")
    assert "/proc/<pid>/stat" in out
    assert "bytes" in out
    assert out.startswith("rss: ")


def test_explain_lists_every_field():
    lines = ok("explain").splitlines()
    assert [ln.split()[0] for ln in lines] == list(sysmon.FIELDS)
    for ln, f in zip(lines, sysmon.FIELDS.values()):
        assert ln.endswith(f.description)


def test_explain_unknown_suggests():
    err = assert_one_error_line(run("explain", "rsss"))
    assert "rsss" in err and "did you mean" in err and "rss" in err.split("did you mean")[1]


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["ps", "--fields", "pid,bogus"], ["bogus", "valid fields", "pid", "rss", "cmdline"]),
        (["ps", "--fields", ""], ["empty field"]),
        (["ps", "--fields", "pid,,name"], ["empty field"]),
        (["ps", "--sort", "bogus"], ["bogus", "valid fields"]),
        (["ps", "--sort=-bogus"], ["bogus"]),
        (["ps", "--user", "no_such_user_xyz"], ["no_such_user_xyz", "passwd"]),
        (["ps", "--bogus-option"], ["--bogus-option"]),
        (["ps", "--backend", "fortran"], ["fortran"]),
        (["ps", "--sort"], ["--sort"]),
        (["ps", "--sort", "--json"], ["--sort", "expected one argument"]),
        (["bogus-subcommand"], ["bogus-subcommand"]),
        (["explain", "nosuchfield"], ["nosuchfield"]),
        (["explain", "a", "b"], ["unrecognized"]),
    ],
)
def test_usage_errors(args, mentions):
    p = run(*args)
    err = assert_one_error_line(p, 2)
    assert p.stdout == b""
    for word in mentions:
        assert word in err


def test_errors_echo_input_sanitized():
    hostile = "\x1b]0;pwned\x07\u202e"
    for args in (
        ["ps", "--fields", hostile],
        ["ps", "--user", hostile],
        ["explain", hostile],
        ["ps", "--backend", hostile],
        [hostile],
    ):
        err = assert_one_error_line(run(*args))
        assert r"\x1b]0;pwned" in err or r"\\x1b]0;pwned" in err


def test_missing_root_is_one_error_line(tmp_path):
    err = assert_one_error_line(run("ps", "--root", str(tmp_path / "nowhere")), 1)
    assert "nowhere" in err


def test_c_backend_unavailable_is_an_error():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'sysmon._sysmon_c':\n"
        "            raise ImportError('blocked by the test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from sysmon.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, "ps", "--backend", "c"],
        capture_output=True,
        env=cli_env(),
        timeout=60,
    )
    err = assert_one_error_line(p, 1)
    assert "C backend" in err and "not available" in err
    p = subprocess.run(
        [sys.executable, "-c", code, "ps", "--backend", "python", "--fields", "pid"],
        capture_output=True,
        env=cli_env(),
        timeout=60,
    )
    assert p.returncode == 0, p.stderr


def test_broken_pipe_is_quiet():
    r, w = os.pipe()
    os.close(r)  # nobody will ever read: the first write fails with EPIPE
    try:
        p = subprocess.run(
            [*SYSMON, "ps"], stdout=w, stderr=subprocess.PIPE, env=cli_env(), timeout=120
        )
    finally:
        os.close(w)
    assert p.stderr == b""
    assert p.returncode == 141


def test_head_closes_pipe_early():
    """`sysmon ps | head -1`: whatever the timing, no traceback."""
    p = subprocess.Popen(
        [*SYSMON, "ps", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env()
    )
    assert p.stdout is not None and p.stderr is not None
    first = p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    p.stderr.close()
    p.wait(timeout=120)
    assert first == b"[\n"
    assert err == b""
    assert p.returncode in (0, 141)


def closed(streams: str, *args: str, **kw) -> subprocess.CompletedProcess[bytes]:
    """``sysmon ARGS`` started with ``streams`` closed (a shell's ``>&-``,
    ``2>&-``): Python then has None for sys.stdout or sys.stderr."""
    return subprocess.run(["sh", "-c", f'exec "$@" {streams}', "sh", *SYSMON, *args],
                          capture_output=True, env=cli_env(), timeout=120, **kw)


@pytest.mark.parametrize("args", [["ps"], ["mem", "--json"], ["tree"], ["explain", "rss"],
                                  ["connections", "--json"], ["proc", "1"]])
def test_closed_stdout_is_one_error_line(args):
    p = closed(">&-", *args)
    err = assert_one_error_line(p, 1)
    assert "standard output is closed" in err


def test_closed_stderr_keeps_the_exit_status():
    p = closed("2>&-", "ps", "--sort", "nope")
    assert p.returncode == 2 and p.stdout == b""
    p = closed("2>&-", "ps", "--root", "/nowhere-at-all")
    assert p.returncode == 1
    assert closed("2>&- >/dev/null", "ps").returncode == 0


def test_closed_stdout_does_not_stop_signals(tmp_path):
    """Every match is signalled before anything is written, so an output
    that fails stops nothing (then status 1: what was done went unsaid)."""
    exe = tmp_path / "sysmonclosedkid"
    exe.write_bytes(Path("/bin/sleep").read_bytes())
    exe.chmod(0o755)
    kids = [subprocess.Popen([str(exe), "300"]) for _ in range(2)]
    try:
        helpers.wait_for(lambda: all(helpers.read_stat(k.pid)["comm"] == exe.name.encode()
                                     for k in kids),
                         what="the sleeps to exec")
        p = closed(">&-", "signal", "--name", f"^{exe.name}$", "TERM", "--yes")
        assert p.returncode == 1, p.stderr
        assert b"standard output is closed" in p.stderr and b"Traceback" not in p.stderr
        for k in kids:
            assert k.wait(timeout=10) == -15
    finally:
        for k in kids:
            if k.poll() is None:
                k.kill()
                k.wait()


def test_full_stdout_fails_help_and_version():
    """argparse drops its own write errors: --help and --version into a
    full device must still fail, with one error line."""
    for args in (["--help"], ["ps", "--help"], ["--version"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([*SYSMON, *args], stdout=full, stderr=subprocess.PIPE,
                               env=cli_env(), timeout=60)
        assert p.returncode == 1, (args, p.stderr)
        assert p.stderr.decode().count("\n") == 1 and b"No space left" in p.stderr


def test_closed_stdout_fails_help_and_version_too():
    """argparse swallows the failed write of --help / --version: the status
    still says the output was lost."""
    for args in (["--help"], ["ps", "--help"], ["--version"]):
        err = assert_one_error_line(closed(">&-", *args), 1)
        assert "standard output is closed" in err


def test_failing_stderr_does_not_stop_signals(monkeypatch, tmp_path):
    """An error reported before the signals (a match that could not be
    opened) goes to a stderr that fails: the other matches still get the
    signal, and the status says something went wrong."""
    exe = tmp_path / "sysmonerrkid"
    exe.write_bytes(Path("/bin/sleep").read_bytes())
    exe.chmod(0o755)
    kid = subprocess.Popen([str(exe), "300"])
    real_select = sysmon.cli.signals.select

    def select_with_an_error(*args, **kw):
        errors = args[3]
        errors.append("access denied reading /proc/1/stat (pid 1)")
        return real_select(*args, **kw)

    class Failing:
        def write(self, s: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    try:
        helpers.wait_for(lambda: helpers.read_stat(kid.pid)["comm"] == exe.name.encode(),
                         what="the sleep to exec")
        monkeypatch.setattr(sysmon.cli.signals, "select", select_with_an_error)
        monkeypatch.setattr(sys, "stderr", Failing())
        rc = sysmon.cli.main(["signal", "--name", f"^{exe.name}$", "TERM", "--yes"])
        monkeypatch.undo()
        assert rc == 1
        assert kid.wait(timeout=10) == -15
    finally:
        if kid.poll() is None:
            kid.kill()
            kid.wait()


def test_huge_watch_and_interval_wait_instead_of_failing():
    """Any finite number of seconds is taken (time.sleep alone stops near
    9.2e9): the first frame comes, then the wait, ended by Ctrl-C."""
    def waiting(p: subprocess.Popen[bytes], frame: bool) -> bytes:
        first = b""
        if frame:
            assert p.stdout is not None
            first = p.stdout.readline()
            assert first  # the first frame is out
        time.sleep(1.0)  # and the command is waiting, not dead
        assert p.poll() is None, p.communicate()
        return first

    for args in (["mem", "--watch", "1e308"], ["cpu", "--interval", "1e308"]):
        _out, err, rc = interrupted(args, functools.partial(waiting, frame=args[0] == "mem"))
        assert b"Traceback" not in err, err
        assert rc == (0 if args[0] == "mem" else 130)


def test_empty_root_is_an_error_not_the_current_directory(tmp_path):
    (tmp_path / "proc").mkdir()  # a ./proc that an empty root would read
    p = run("ps", "--root", "", cwd=str(tmp_path))
    err = assert_one_error_line(p, 1)
    assert "empty path" in err
    with pytest.raises(sysmon.SysmonError, match="empty path"):
        sysmon.processes(root="")


# --------------------------------------------------------------------------
# main() in this process: errors raised inside a command


@pytest.fixture
def keep_backend():
    prev = sysmon.backend()
    yield
    sysmon.set_backend(prev)


@pytest.mark.parametrize(
    ("exc", "rc", "err"),
    [
        (sysmon.SysmonError("boom \x1b[2J"), 1, "sysmon: error: boom \\x1b[2J\n"),
        (
            sysmon.AccessDenied(7, "/proc/7/stat"),
            1,
            "sysmon: error: access denied reading /proc/7/stat (pid 7): "
            "try again as root or as the process owner\n",
        ),
        (
            PermissionError(errno.EACCES, "Permission denied", "/x\ny"),
            1,
            "sysmon: error: /x\\ny: Permission denied\n",
        ),
        (OSError(errno.EIO, "Input/output error"), 1, "sysmon: error: Input/output error\n"),
        (KeyboardInterrupt(), 130, ""),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), 141, ""),
    ],
)
def test_main_error_handling(monkeypatch, capsys, keep_backend, exc, rc, err):
    def fail(*a, **kw):
        raise exc

    monkeypatch.setattr(sysmon, "processes", fail)
    monkeypatch.setattr(sysmon.cli, "_silence_stdout", lambda: None)
    assert sysmon.cli.main(["ps"]) == rc
    captured = capsys.readouterr()
    assert captured.err == err
    assert captured.out == ""


def test_main_in_process(capsys, tree, keep_backend):
    assert sysmon.cli.main(["ps", "--root", str(tree), "--fields", "pid", "--sort=-pid"]) == 0
    assert capsys.readouterr().out.split() == ["PID", "700", "600", "500", "400", "300", "2", "1"]
    assert sysmon.cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"sysmon {sysmon.__version__}\n"
    assert sysmon.cli.main(["ps", "--fields", "nope"]) == 2
    assert capsys.readouterr().err.startswith("sysmon: error: unknown field 'nope'")


def test_main_requests_only_needed_fields(monkeypatch, capsys, tree):
    seen: list[frozenset[str]] = []
    real = sysmon.processes

    def spy(fields=None, root=None):
        seen.append(frozenset(fields))
        return real(fields, root)

    monkeypatch.setattr(sysmon, "processes", spy)
    base = ["ps", "--root", str(tree)]
    for args in (
        ["--fields", "pid,name"],
        ["--fields", "rss", "--sort", "uid", "--user", "alice"],
        [],
        ["--json", "--fields", "tty_nr"],
    ):
        assert sysmon.cli.main(base + args) == 0
    capsys.readouterr()
    assert seen == [
        {"pid", "name"},
        {"rss", "uid"},
        {
            "username",
            "pid",
            "ppid",
            "state",
            "num_threads",
            "cpu_time",
            "vms",
            "rss",
            "tty_nr",
            "create_time",
            "cmdline",
            "name",
        },
        {"pid", "tty_nr"},
    ]
