"""``sysmon proc``, ``sysmon env`` and ``sysmon tree`` on processes this test
starts, in this process through sysmon.cli.main (both backends).  Ground
truth: what the test gave its children (cwd, environment, open files,
command lines) and the kernel's own links read here; JSON values are also
compared with the sysmon API.  Children are killed and reaped afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from cli_proc_support import (  # noqa: E402
    depth_of,
    line_prefix,
    main_error,
    main_json,
    main_ok,
    pair,
    pid_max,
    ps_subtree,
    section_lines,
    subtree,
    unsafe_chars,
)
from helpers import Children, read_stat, wait_for  # noqa: E402

import sysmon  # noqa: E402


class Known(NamedTuple):
    pid: int
    cwd: Path
    kept: Path
    gone: Path
    env: dict[str, str]


def _masks() -> None:
    """In the child before exec (both survive it): block SIGUSR1 and
    SIGRTMIN+1, ignore SIGINT."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGRTMIN + 1})
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Known]:
    """sleep with a known cwd, environment and signal masks, a file open
    read-write at offset 4 and a deleted file open for appending."""
    d = tmp_path_factory.mktemp("proc")
    cwd = d / "work dir"
    cwd.mkdir()
    kept, gone = d / "kept.txt", d / "gone.txt"
    kept.write_bytes(b"0123456789")
    fd_kept = os.open(kept, os.O_RDWR)
    os.lseek(fd_kept, 4, os.SEEK_SET)
    fd_gone = os.open(gone, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    gone.unlink()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SYSMON_TEST_MARK": "proc known"}
    with Children() as kids:
        try:
            p = kids.spawn(["sleep", "600"], cwd=cwd, env=env, pass_fds=(fd_kept, fd_gone),
                           preexec_fn=_masks)
        finally:
            os.close(fd_kept)
            os.close(fd_gone)
        yield Known(p.pid, cwd, kept, gone, env)


@pytest.fixture
def kids() -> Iterator[Children]:
    with Children() as c:
        yield c


# ---------------------------------------------------------------- proc


def test_proc_shows_the_known_child(capsys: pytest.CaptureFixture[str], known: Known,
                                    backend: str) -> None:
    text = main_ok(capsys, "proc", str(known.pid))
    assert pair(text, "Identity", "pid") == str(known.pid)
    assert pair(text, "Identity", "ppid") == str(os.getpid())
    assert pair(text, "Identity", "cwd") == str(known.cwd)
    assert pair(text, "Identity", "exe") == os.readlink(f"/proc/{known.pid}/exe")
    assert pair(text, "Identity", "command") == "sleep 600"
    fds = {int(r.split()[0]): r.split(None, 4) for r in section_lines(text,
                                                                       "Open file descriptors")[1:]}
    assert set(fds) == {int(n) for n in os.listdir(f"/proc/{known.pid}/fd")}
    kept = [r for r in fds.values() if r[4] == str(known.kept)]
    assert [r[1:4] for r in kept] == [["file", "4", "r+"]]
    gone = [r for r in fds.values() if r[4] == f"{known.gone} (deleted)"]
    assert [r[1:4] for r in gone] == [["file", "0", "a"]]
    assert "SYSMON_TEST_MARK=proc known" in section_lines(text, "Environment")
    assert section_lines(text, "Connections") == ["none"]
    assert pair(text, "Signal masks", "blocked") == "SIGUSR1 SIGRTMIN+1"
    limits = section_lines(text, "Limits")
    assert limits[0].split() == ["RESOURCE", "SOFT", "HARD"]
    with sysmon.Process(known.pid) as p:
        soft, hard = p.rlimits()["nofile"]
    assert f"nofile {soft} {hard}".split() in [r.split() for r in limits]
    assert not unsafe_chars(text)


def test_proc_json_equals_the_api(capsys: pytest.CaptureFixture[str], known: Known,
                                  backend: str) -> None:
    obj = main_json(capsys, "proc", str(known.pid))
    assert list(obj) == ["identity", "cpu_memory", "context_switches", "security",
                         "signal_masks", "io", "limits", "cgroup", "namespaces", "threads",
                         "fds", "connections", "environment"]
    ident = obj["identity"]
    # ground truth: what the test set up, and the kernel's links read here
    assert (ident["pid"], ident["ppid"], ident["name"], ident["cmdline"]) == (
        known.pid, os.getpid(), "sleep", ["sleep", "600"])
    assert ident["cwd"] == {"path": str(known.cwd), "deleted": False}
    assert ident["exe"] == {"path": os.readlink(f"/proc/{known.pid}/exe"), "deleted": False}
    assert obj["environment"] == {"redacted": True, "variables": known.env,
                                  "entries": [[k, v] for k, v in known.env.items()]}
    assert obj["connections"] == []
    ns = obj["namespaces"]
    assert f"net:[{ns['net']}]" == os.readlink(f"/proc/{known.pid}/ns/net")
    mask = os.umask(0)
    os.umask(mask)
    assert obj["security"]["umask"] == mask
    assert obj["signal_masks"]["blocked"] == ["SIGUSR1", "SIGRTMIN+1"]
    assert "SIGINT" in obj["signal_masks"]["ignored"]
    # the API, read now through a handle of our own
    with sysmon.Process(known.pid) as p:
        info = p.info()
        assert {k: ident[k] for k in ("uid", "euid", "gid", "egid", "username", "state",
                                      "create_time", "start_ticks", "num_threads")} == {
            k: getattr(info, k) for k in ("uid", "euid", "gid", "egid", "username", "state",
                                          "create_time", "start_ticks", "num_threads")}
        assert obj["fds"] == [f._asdict() for f in p.fds()]
        assert obj["limits"] == {k: {"soft": s, "hard": h} for k, (s, h) in p.rlimits().items()}
        cg = p.cgroup()
        assert obj["cgroup"] == {"path": cg.path, "v1": cg.v1}
        assert ns == p.namespaces()
        caps = p.capabilities()
        assert obj["security"]["capabilities"]["effective"] == sorted(caps.effective)
        assert obj["security"]["capabilities"]["bounding"] == sorted(caps.bounding)
        assert obj["security"]["no_new_privs"] == p.no_new_privs()
        masks = p.signal_masks()
        assert obj["signal_masks"]["ignored"] == [
            sysmon.signal_name(int(s)) for s in sorted(masks.ignored)]
        assert [(t["tid"], t["name"]) for t in obj["threads"]] == [
            (t.tid, t.name) for t in p.threads()]
        detail = p.memory_detail()
        assert detail is not None
        assert set(obj["cpu_memory"]["memory_detail"]) == set(detail._fields)


def test_proc_zombie_sections(capsys: pytest.CaptureFixture[str], kids: Children,
                              backend: str) -> None:
    pid = kids.fork_zombie()
    obj = main_json(capsys, "proc", str(pid))
    assert obj["identity"]["state"] == "Z"
    assert obj["identity"]["exe"] == {"error": "zombie"}
    for key in ("fds", "environment", "namespaces"):
        assert obj[key] == {"error": "zombie"}, key
    assert isinstance(obj["limits"], dict) and "nofile" in obj["limits"]
    text = main_ok(capsys, "proc", str(pid))
    assert section_lines(text, "Open file descriptors") == ["unavailable: zombie"]
    assert pair(text, "Identity", "exe") == "unavailable: zombie"


def test_proc_kernel_thread(capsys: pytest.CaptureFixture[str], backend: str) -> None:
    try:
        with sysmon.Process(2) as p:
            if p.name() != "kthreadd" or p.exe() is not None:
                pytest.skip("no kthreadd visible at pid 2")
    except sysmon.SysmonError:
        pytest.skip("no kthreadd visible at pid 2")
    text = main_ok(capsys, "proc", "2")
    assert pair(text, "Identity", "exe") == "none (kernel thread)"
    assert pair(text, "CPU & memory", "memory detail") == "none (kernel thread)"
    assert pair(text, "Identity", "command") == "[kthreadd]"
    obj = main_json(capsys, "proc", "2")
    assert obj["identity"]["exe"] is None and obj["cpu_memory"]["memory_detail"] is None


@pytest.mark.parametrize("command", ["proc", "env"])
def test_missing_process_is_one_error_line(capsys: pytest.CaptureFixture[str],
                                           command: str) -> None:
    err = main_error(capsys, 1, command, str(pid_max()))
    assert "does not exist" in err
    assert "invalid pid" in main_error(capsys, 2, command, "12x")


# ---------------------------------------------------------------- env

EVIL_ENV: dict[bytes, bytes] = {
    b"EVIL_TITLE": b"\x1b]0;pwned\x07",
    b"EVIL_COLOR": b"\x1b[31mred",
    b"BIDI": "abc\u202edef".encode(),
    b"RAW": b"ok\xff\xfe",
    b"API_TOKEN": b"tok-123",
    b"DB_PASSWORD": b"hunter2",
    b"PLAIN": b"back\\slash",
}
EVIL_SHOWN = [
    r"EVIL_TITLE=\x1b]0;pwned\x07", r"EVIL_COLOR=\x1b[31mred", r"BIDI=abc\u202edef",
    r"RAW=ok\xff\xfe", "API_TOKEN=<redacted>", "DB_PASSWORD=<redacted>",
    r"PLAIN=back\\slash",
]


@pytest.fixture(scope="module")
def evil() -> Iterator[int]:
    with Children() as kids:
        yield kids.spawn(["sleep", "600"], env=EVIL_ENV).pid


def test_env_is_terminal_safe_and_redacted(capsys: pytest.CaptureFixture[str], evil: int,
                                           backend: str) -> None:
    text = main_ok(capsys, "env", str(evil))
    assert text.splitlines() == EVIL_SHOWN  # the process's order, one line each
    assert not unsafe_chars(text)
    shown = main_ok(capsys, "env", str(evil), "--show-secrets").splitlines()
    assert shown == [*EVIL_SHOWN[:4], "API_TOKEN=tok-123", "DB_PASSWORD=hunter2",
                     EVIL_SHOWN[6]]
    proc = main_ok(capsys, "proc", str(evil))
    assert section_lines(proc, "Environment") == EVIL_SHOWN
    assert not unsafe_chars(proc)


def test_env_json_keeps_exact_strings(capsys: pytest.CaptureFixture[str], evil: int,
                                      backend: str) -> None:
    exact = {k.decode(): v.decode("utf-8", "surrogateescape") for k, v in EVIL_ENV.items()}
    obj = main_json(capsys, "env", str(evil), "--show-secrets")
    assert obj == {"pid": evil, "redacted": False, "variables": exact,
                   "entries": [[k, v] for k, v in exact.items()]}
    assert list(obj["variables"]) == list(exact)
    redacted = main_json(capsys, "env", str(evil))["variables"]
    assert redacted == {**exact, "API_TOKEN": sysmon.REDACTED, "DB_PASSWORD": sysmon.REDACTED}
    with sysmon.Process(evil) as p:
        assert redacted == p.environ()
    assert main_json(capsys, "proc", str(evil))["environment"] == {
        "redacted": True, "variables": redacted,
        "entries": [[k, v] for k, v in redacted.items()]}


# A raw environment no dict can hold: a name twice (PATH, a secret), an entry
# without "=".  execve()d by a helper Python through ctypes, so nothing merges
# the repeats on the way.
RAW_ENV = [b"PATH=/first", b"SYSMON_DUP=a", b"PATH=/second", b"NOEQ", b"DB_PASSWORD=x",
           b"DB_PASSWORD=y"]
EXECVE = """
import ctypes, os, sys
arr = lambda items: (ctypes.c_char_p * (len(items) + 1))(*items, None)
env = [os.fsencode(a) for a in sys.argv[2:]]
libc = ctypes.CDLL(None, use_errno=True)
libc.execve(os.fsencode(sys.argv[1]), arr([b"sleep", b"600"]), arr(env))
sys.exit(ctypes.get_errno())
"""


@pytest.fixture(scope="module")
def repeated() -> Iterator[int]:
    sleep = shutil.which("sleep")
    assert sleep is not None
    p = subprocess.Popen([sys.executable, "-c", EXECVE, sleep,
                          *(os.fsdecode(e) for e in RAW_ENV)])
    try:
        helpers.wait_exec(p.pid, b"sleep")
        with open(f"/proc/{p.pid}/environ", "rb") as f:
            assert f.read() == b"\0".join(RAW_ENV) + b"\0"  # the kernel has every entry
        yield p.pid
    finally:
        p.kill()
        p.wait()


def test_env_shows_every_entry_of_a_repeated_name(capsys: pytest.CaptureFixture[str],
                                                  repeated: int, backend: str) -> None:
    """env(1) prints each entry; so do sysmon env and sysmon proc.  The JSON's
    variables are getenv's view (the first value), its entries all of them."""
    lines = ["PATH=/first", "SYSMON_DUP=a", "PATH=/second", "NOEQ=",
             "DB_PASSWORD=<redacted>", "DB_PASSWORD=<redacted>"]
    assert main_ok(capsys, "env", str(repeated)).splitlines() == lines
    assert main_ok(capsys, "env", str(repeated), "--show-secrets").splitlines() == [
        *lines[:4], "DB_PASSWORD=x", "DB_PASSWORD=y"]
    assert section_lines(main_ok(capsys, "proc", str(repeated)), "Environment") == lines
    obj = main_json(capsys, "env", str(repeated), "--show-secrets")
    entries = [[k, v] for k, _, v in (e.decode().partition("=") for e in RAW_ENV)]
    assert obj["entries"] == entries
    assert obj["variables"] == {"PATH": "/first", "SYSMON_DUP": "a", "NOEQ": "",
                                "DB_PASSWORD": "x"}
    assert main_json(capsys, "proc", str(repeated))["environment"]["entries"] == [
        [k, sysmon.REDACTED if k == "DB_PASSWORD" else v] for k, v in entries]
    with sysmon.Process(repeated) as p:
        assert p.environ_entries(redact=False) == [tuple(e) for e in entries]
        assert p.environ(redact=False) == obj["variables"]
        assert p.environ()["DB_PASSWORD"] == sysmon.REDACTED


# ---------------------------------------------------------------- tree

SH_NAME = "x\x1b]0;t\x07\\y"  # sh's $0: in its command line, must show escaped


@pytest.fixture
def family() -> Iterator[tuple[int, int]]:
    """(sh, sleep): sh, our child, waiting for its own child sleep."""
    p = subprocess.Popen(["sh", "-c", "sleep 600 & wait", SH_NAME], start_new_session=True)
    try:
        def grandchild() -> int:
            try:
                kids = Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
                return next((int(k) for k in kids if read_stat(k)["comm"] == b"sleep"
                             and Path(f"/proc/{k}/cmdline").read_bytes()), 0)
            except (FileNotFoundError, ProcessLookupError):
                return 0
        yield p.pid, wait_for(grandchild, what="sh to start sleep")
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def test_tree_text(capsys: pytest.CaptureFixture[str], family: tuple[int, int],
                   backend: str) -> None:
    sh, sleep = family
    text = main_ok(capsys, "tree")
    assert not unsafe_chars(text)
    lines = text.splitlines()
    off = lines[0].index("CMD")
    assert lines[0][:off].split() == ["USER", "PID", "PPID", "TIME"]
    rows: dict[int, tuple[int, list[str], int, str]] = {}
    for i, line in enumerate(lines[1:], 1):
        cols = line[:off].split()
        depth, cmd = depth_of(line[off:])
        rows[int(cols[1])] = (i, cols, depth, cmd)
    me = rows[os.getpid()]
    i_sh, cols_sh, d_sh, cmd_sh = rows[sh]
    i_sl, cols_sl, d_sl, cmd_sl = rows[sleep]
    assert (cols_sh[2], d_sh) == (str(os.getpid()), me[2] + 1)
    assert (cols_sl[2], d_sl, i_sl) == (str(sh), d_sh + 1, i_sh + 1)
    assert cmd_sh == r"sh -c sleep 600 & wait x\x1b]0;t\x07\\y"
    assert cmd_sl == "sleep 600"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", cols_sl[3])
    assert line_prefix(lines[i_sl], off) == " " * (1 + 4 * (d_sl - 1)) + "\\_ "


def test_tree_json_agrees_with_ps(capsys: pytest.CaptureFixture[str],
                                  family: tuple[int, int], backend: str) -> None:
    sh, sleep = family
    roots = main_json(capsys, "tree")
    todo, mine = list(roots), None
    while todo and mine is None:
        n = todo.pop()
        mine = n if n["pid"] == os.getpid() else None
        todo.extend(n["children"])
    assert mine is not None
    ours = subtree(mine)
    assert {(sh, os.getpid()), (sleep, sh)} <= ours
    node_sh = next(n for n in mine["children"] if n["pid"] == sh)
    assert node_sh["cmdline"] == ["sh", "-c", "sleep 600 & wait", SH_NAME]
    assert [(c["pid"], c["name"], c["user"]) for c in node_sh["children"]] == [
        (sleep, "sleep", sysmon.Process(sleep).username())]
    assert ours == ps_subtree(os.getpid())
