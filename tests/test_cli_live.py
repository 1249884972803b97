"""The ``sysmon ps`` command on the live system, run as a real program.

Ground truth is what the test arranged (children it spawned, names and argv
it chose), the kernel's own files read by tests/helpers.py, and the
independent tool ``ps``: a child whose name and argv are terminal attacks,
sorting, fields and users, and terminals (tty names, lines cut to a
terminal's width).
"""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import pwd
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from cli_support import (  # noqa: E402
    BACKENDS,
    DEFAULT_TITLES,
    SYSMON,
    assert_terminal_safe,
    cli_env,
    ok,
    ok_json,
    rows_by_pid,
    run,
    table,
)
from helpers import Children, decode, wait_for  # noqa: E402
from live_support import children_fixture  # noqa: E402, F401 - the `children` fixture

import sysmon  # noqa: E402
from sysmon.sanitize import display_width  # noqa: E402

IS_ROOT = os.geteuid() == 0


# --------------------------------------------------------------------------
# the live system: a child with a hostile name and argv

EVIL_EXE = "e\x1b]0;pw\x07\u202ex"  # 12 bytes: the whole name fits in comm
EVIL_EXE_SHOWN = r"e\x1b]0;pw\x07\u202ex"
EVIL_ARGV0 = b"\x1b[31mred\x1b[0m\r\xe2\x80\xaeexe.txt\xc2\x9b2J\ttab\nnl\\x1b\xff"
EVIL_ARGV0_SHOWN = r"\x1b[31mred\x1b[0m\r\u202eexe.txt\u009b2J\ttab\nnl\\x1b\xff"


def spawn_exec_done(children: Children, argv: list, **kw) -> subprocess.Popen:
    """Spawn, then wait until the new program's argv is in place: Popen returns
    at exec's point of no return, and for a moment after it the kernel still
    shows an empty /proc/<pid>/cmdline."""
    p = children.spawn(argv, **kw)
    wait_for(lambda: helpers.read_cmdline(p.pid) != b"", what="exec to finish")
    return p


@pytest.fixture
def evil(children, tmp_path):
    """A sleep whose executable name and argv[0] are terminal attacks."""
    exe = os.path.join(os.fsencode(tmp_path), os.fsencode(EVIL_EXE))
    shutil.copy2(b"/bin/sleep", exe)
    p = spawn_exec_done(children, [EVIL_ARGV0, b"300"], executable=exe)
    assert helpers.read_stat(p.pid)["comm"] == os.fsencode(EVIL_EXE)  # precondition
    assert helpers.read_cmdline(p.pid) == EVIL_ARGV0 + b"\x00" + b"300\x00"
    return p


def test_live_hostile_child_default_table(evil):
    p = run("ps")
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    assert_terminal_safe(p.stdout)
    out = p.stdout.decode()
    assert "\x1b" not in out and "\u202e" not in out
    titles, _ = table(out, 11)
    assert titles == DEFAULT_TITLES
    row = rows_by_pid(out, 1, 11)[evil.pid]
    assert row[0] == pwd.getpwuid(os.getuid()).pw_name
    assert row[2] == str(os.getpid())
    assert row[10] == f"{EVIL_ARGV0_SHOWN} 300"


def test_live_hostile_child_name(evil):
    p = run("ps", "--fields", "pid,name")
    assert p.returncode == 0, p.stderr
    assert_terminal_safe(p.stdout)
    out = p.stdout.decode()
    lines = out.splitlines()
    assert lines[0].split() == ["PID", "NAME"]
    by_pid = rows_by_pid(out, 0, 2)
    assert by_pid[evil.pid][1] == EVIL_EXE_SHOWN
    assert all(len(r) == 2 for r in by_pid.values())
    assert by_pid[os.getpid()][1] == decode(helpers.read_stat("self")["comm"])


def test_live_hostile_child_json(evil):
    objs = ok_json("ps")
    by_pid = {o["pid"]: o for o in objs}
    o = by_pid[evil.pid]
    assert o["cmdline"] == [decode(EVIL_ARGV0), "300"]  # lossless
    assert [os.fsencode(a) for a in o["cmdline"]] == [EVIL_ARGV0, b"300"]
    assert o["name"] == EVIL_EXE
    assert o["ppid"] == os.getpid()
    assert o["uid"] == os.getuid()
    assert o["euid"] == os.geteuid()
    assert o["gid"] == os.getgid()
    assert o["username"] == pwd.getpwuid(os.getuid()).pw_name
    assert o["start_ticks"] == helpers.read_stat(evil.pid)[22]
    me = by_pid[os.getpid()]
    assert (me["ppid"], me["uid"]) == (os.getppid(), os.getuid())
    assert list(me) == list(sysmon.ProcessInfo._fields)


@pytest.mark.parametrize("backend", BACKENDS)
def test_live_backend_option(evil, backend):
    objs = ok_json("ps", "--backend", backend, "--fields", "name,cmdline")
    o = {x["pid"]: x for x in objs}[evil.pid]
    assert o == {"pid": evil.pid, "name": EVIL_EXE, "cmdline": [decode(EVIL_ARGV0), "300"]}


# --------------------------------------------------------------------------
# live: sorting, fields, users


def _parse_human(text: str) -> float:
    if text == "0":
        return 0
    units = {
        "B": 1,
        "K": 1 << 10,
        "M": 1 << 20,
        "G": 1 << 30,
        "T": 1 << 40,
        "P": 1 << 50,
        "E": 1 << 60,
    }
    return float(text[:-1]) * units[text[-1]]


@pytest.mark.parametrize(
    ("args", "descending"),
    [
        (["--sort", "pid"], False),
        (["--sort", "-pid"], True),
        (["--sort=-pid"], True),
        (["--sort", "pid", "--reverse"], True),
        (["-r"], True),
        ([], False),
    ],
)
def test_live_sort_pid(args, descending):
    pids = [int(r[0]) for r in table(ok("ps", "--fields", "pid,name", *args), 2)[1]]
    assert len(pids) > 5
    assert pids == sorted(pids, reverse=descending)
    assert len(set(pids)) == len(pids)


@pytest.mark.parametrize(("sort", "descending"), [("rss", False), ("-rss", True)])
def test_live_sort_rss(sort, descending):
    objs = ok_json("ps", "--fields", "rss", f"--sort={sort}")
    values = [o["rss"] for o in objs]
    assert all(isinstance(v, int) for v in values)
    assert values == sorted(values, reverse=descending)
    # the table is in the same order, in human units
    text = ok("ps", "--fields", "pid,rss", "--sort", sort)
    shown = [_parse_human(r[1]) for r in table(text, 2)[1]]
    assert shown == sorted(shown, reverse=descending)
    assert max(shown) > 0


def test_live_fields_exact_columns():
    out = ok("ps", "--fields", "pid,name")
    titles, rows = table(out, 2)
    assert titles == ["PID", "NAME"]
    assert all(r[0].isdigit() for r in rows)
    out = ok("ps", "--fields", "state,ppid,pid")
    titles, rows = table(out, 3)
    assert titles == ["S", "PPID", "PID"]
    assert all(len(r) == 3 and r[1].isdigit() and r[2].isdigit() for r in rows)


def test_live_long_command_line_not_last_is_cut(children):
    """ps -o args,pid cuts a command line that is not the last column; so does
    sysmon ps (at 64 columns, ending in an ellipsis) instead of padding every
    row to a 100 KB argument.  As the last column, and in JSON, it is whole."""
    big = "A" * 100_000
    argv = [sys.executable, "-c", "import time; time.sleep(300)", big]
    kid = spawn_exec_done(children, argv)
    out = ok("ps", "--fields", "cmdline,pid")
    lines = out.splitlines()
    pid_width = max(display_width(line.split()[-1]) for line in lines)
    assert max(display_width(line) for line in lines) <= 64 + 1 + pid_width
    whole = " ".join(argv)
    row = [line for line in lines if line.endswith(f" {kid.pid}")]
    assert row == [whole[:63] + "\u2026" + " " * (pid_width - len(str(kid.pid)) + 1) + str(kid.pid)]
    last = rows_by_pid(ok("ps", "--fields", "pid,cmdline"), 0, 2)[kid.pid]
    assert last[1] == whole
    mine = [o for o in ok_json("ps", "--json", "--fields", "cmdline") if o["pid"] == kid.pid]
    assert mine == [{"pid": kid.pid, "cmdline": argv}]
    # an output that cannot encode the ellipsis shows it escaped
    plain = ok("ps", "--fields", "cmdline,pid", env=cli_env(PYTHONIOENCODING="ascii"))
    row = [line for line in plain.splitlines() if line.endswith(f" {kid.pid}")]
    assert len(row) == 1 and row[0].startswith(whole[:58] + "\\u2026 ")  # 58 + 6 = 64


@pytest.mark.skipif(not IS_ROOT, reason="needs root to start a process as nobody")
def test_live_user_nobody(children):
    nobody = pwd.getpwnam("nobody")
    kid = children.spawn(["sleep", "300"], user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])
    wait_for(
        lambda: helpers.read_status(kid.pid)["Uid"].split()[0] == str(nobody.pw_uid),
        what="child to run as nobody",
    )
    for spec in ("nobody", str(nobody.pw_uid)):
        out = ok("ps", "--user", spec)
        titles, rows = table(out, 11)
        assert titles == DEFAULT_TITLES
        assert kid.pid in {int(r[1]) for r in rows}
        assert {r[0] for r in rows} == {"nobody"}  # nothing of root
        assert os.getpid() not in {int(r[1]) for r in rows}
    objs = ok_json("ps", "--user", "nobody", "--fields", "uid,username")
    assert kid.pid in {o["pid"] for o in objs}
    assert {(o["uid"], o["username"]) for o in objs} == {(nobody.pw_uid, "nobody")}
    # root's view holds our own process and not the child
    mine = {int(r[1]) for r in table(ok("ps", "--user", "root"), 11)[1]}
    assert os.getpid() in mine
    assert kid.pid not in mine


def test_live_matches_ps():
    """pid, ppid, uid, nlwp against `ps -e`, for processes that held still."""
    fields = "ppid,uid,num_threads,start_ticks"
    a = {o["pid"]: o for o in ok_json("ps", "--fields", fields)}
    ps_out = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid=,uid=,nlwp="], check=True, capture_output=True, text=True
    ).stdout
    b = {o["pid"]: o for o in ok_json("ps", "--fields", fields)}
    compared = 0
    for line in ps_out.splitlines():
        pid, ppid, uid, nlwp = map(int, line.split())
        if pid not in a or pid not in b or a[pid] != b[pid]:
            continue  # came, went or changed around ps
        assert (a[pid]["ppid"], a[pid]["uid"], a[pid]["num_threads"]) == (ppid, uid, nlwp), pid
        compared += 1
    assert compared >= 5
    assert 1 in a


def test_live_default_columns_match_ps_for_self():
    """Our own row: USER, PID, PPID, NLWP, TTY as ps shows them."""
    row = rows_by_pid(ok("ps"), 1, 11)[os.getpid()]
    ps_row = subprocess.run(
        ["ps", "-o", "user=,pid=,ppid=,nlwp=,tty=", "-p", str(os.getpid())],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert [row[0], row[1], row[2], row[4], row[8]] == ps_row


# --------------------------------------------------------------------------
# terminals


def _pty_or_skip() -> tuple[int, int]:
    try:
        return pty.openpty()
    except OSError as e:
        pytest.skip(f"no pseudo-terminals: {e}")


def _set_ctty() -> None:  # runs in the child, after setsid
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_tty_name_matches_ps(children):
    master, slave = _pty_or_skip()
    try:
        name = os.ttyname(slave)
        kid = children.spawn(
            ["sleep", "300"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=_set_ctty,
        )
        os.close(slave)
        assert helpers.read_stat(kid.pid)[7] != 0  # precondition: it has a terminal
        shown = rows_by_pid(ok("ps", "--fields", "pid,tty_nr"), 0, 2)[kid.pid][1]
        by_ps = subprocess.run(
            ["ps", "-o", "tty=", "-p", str(kid.pid)], check=True, capture_output=True, text=True
        ).stdout.strip()
        assert shown == by_ps
        assert "/dev/" + shown == name
    finally:
        os.close(master)


def test_tty_names_match_ps_for_all():
    ours = {pid: r[1] for pid, r in rows_by_pid(ok("ps", "--fields", "pid,tty_nr"), 0, 2).items()}
    ps_out = subprocess.run(
        ["ps", "-e", "-o", "pid=,tty="], check=True, capture_output=True, text=True
    ).stdout
    compared = 0
    for line in ps_out.splitlines():
        pid_s, tty = line.split()
        pid = int(pid_s)
        if pid in ours and re.fullmatch(r"\?|pts/\d+|tty\d+|ttyS\d+", tty):
            assert ours[pid] == tty, pid
            compared += 1
    assert compared >= 5


def _run_in_pty(args: list[str], cols: int) -> tuple[int, str]:
    master, slave = _pty_or_skip()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
        p = subprocess.Popen(
            [*SYSMON, *args],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=subprocess.PIPE,
            env=cli_env(),
        )
        os.close(slave)
        chunks = []
        read_errno = 0
        while True:
            try:
                data = os.read(master, 65536)
            except OSError as e:  # EIO: the slave side is closed
                read_errno = e.errno or 0
                break
            if not data:
                break
            chunks.append(data)
        assert read_errno in (0, errno.EIO)
        p.wait(timeout=120)
        assert p.stderr is not None
        assert p.stderr.read() == b""
        p.stderr.close()
    finally:
        os.close(master)
    return p.returncode, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_lines_cut_to_terminal_width_only_on_a_tty(children, tmp_path):
    long_arg0 = "日本" + "x" * 300
    kid = spawn_exec_done(children, [long_arg0, "300"], executable="/bin/sleep")
    rc, out = _run_in_pty(["ps"], 60)
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].split() == DEFAULT_TITLES
    assert all(display_width(ln) <= 60 for ln in lines)
    row = next(ln for ln in lines if ln.split()[1:2] == [str(kid.pid)])
    assert display_width(row) >= 59  # cut, and a wide char is never split
    assert "日本x" in row
    assert row.endswith("x")
    # piped: the whole line
    piped = rows_by_pid(ok("ps"), 1, 11)[kid.pid][10]
    assert piped == f"{long_arg0} 300"
