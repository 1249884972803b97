"""The ``sysmon`` command, run as a real program (``python -m sysmon.cli`` and
the installed console script) against the live system, against fixture roots
and against a /proc tree the test writes itself.

Ground truth is what the test arranged (children it spawned, names and argv
it chose, the tree it wrote), the kernel's own files read by tests/helpers.py,
and the independent tool ``ps``.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import pwd
import re
import shutil
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from helpers import CLK_TCK, PAGE_SIZE, Children, decode, wait_for  # noqa: E402

import sysmon  # noqa: E402
import sysmon.cli  # noqa: E402
from sysmon.cli._columns import cpu_time, human_bytes, start_time, tty_name  # noqa: E402
from sysmon.sanitize import display_width  # noqa: E402

FIXTURES = Path(_HERE) / "fixtures"
SYSMON = [sys.executable, "-m", "sysmon.cli"]
DEFAULT_TITLES = [
    "USER",
    "PID",
    "PPID",
    "S",
    "NLWP",
    "TIME",
    "VSZ",
    "RSS",
    "TTY",
    "START",
    "COMMAND",
]
IS_ROOT = os.geteuid() == 0


def _c_available() -> bool:
    prev = sysmon.backend()
    try:
        sysmon.set_backend("c")
    except sysmon.SysmonError:
        return False
    finally:
        sysmon.set_backend(prev)
    return True


C_AVAILABLE = _c_available()
BACKENDS = ["python", "c"] if C_AVAILABLE else ["python"]


# --------------------------------------------------------------------------
# running the command


def cli_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SYSMON_") and k not in ("COLUMNS", "LINES", "PYTHONIOENCODING")
    }
    env["LC_ALL"] = "C.UTF-8"
    env.update(extra)
    return env


def run(
    *args: str | bytes, env: dict[str, str] | None = None, **kw
) -> subprocess.CompletedProcess[bytes]:
    kw.setdefault("capture_output", True)
    return subprocess.run([*SYSMON, *args], env=env or cli_env(), timeout=120, **kw)


def ok(*args: str | bytes, env: dict[str, str] | None = None) -> str:
    """stdout of a successful run (checked: exit 0, nothing on stderr)."""
    p = run(*args, env=env)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert p.stderr == b""
    return p.stdout.decode("utf-8")


def ok_json(*args: str) -> list[dict]:
    p = run(*args, "--json")
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert p.stdout.isascii()
    return json.loads(p.stdout)


def table(text: str, ncols: int) -> tuple[list[str], list[list[str]]]:
    """(titles, rows) of a table whose last column may hold spaces."""
    lines = text.splitlines()
    titles = lines[0].split()
    rows = [ln.split(None, ncols - 1) for ln in lines[1:]]
    return titles, rows


def rows_by_pid(text: str, pid_col: int, ncols: int) -> dict[int, list[str]]:
    _, rows = table(text, ncols)
    return {int(r[pid_col]): r for r in rows}


# Bytes that must never reach a terminal from table output: C0 controls but
# LF (the line separator), and DEL.  TAB is excluded too: columns are spaces.
FORBIDDEN_BYTES = frozenset([*range(0x0A), *range(0x0B, 0x20), 0x7F])
BIDI = {
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\u200e",
    "\u200f",
    "\u061c",
}


def assert_terminal_safe(out: bytes) -> None:
    bad = sorted({b for b in out if b in FORBIDDEN_BYTES})
    assert not bad, f"control bytes in output: {bad}"
    text = out.decode("utf-8")  # strict: no raw undecodable byte either
    unsafe = [
        f"U+{ord(c):04X}"
        for c in text
        if c != "\n" and (c in BIDI or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    ]
    assert not unsafe, f"unsafe characters in output: {unsafe}"


def assert_one_error_line(p: subprocess.CompletedProcess[bytes], rc: int = 2) -> str:
    err = p.stderr.decode("utf-8")
    assert p.returncode == rc, (p.returncode, err)
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("sysmon: error: "), err
    assert_terminal_safe(p.stderr)
    return err


@pytest.fixture
def children():
    kids = Children()
    try:
        yield kids
    finally:
        kids.close()


# --------------------------------------------------------------------------
# a /proc tree written by the test

BTIME = 1700000000  # 2023-11-14 22:13:20 UTC
MIB, GIB = 1 << 20, 1 << 30
PASSWD = (
    b"root:x:0:0:root:/root:/bin/bash\n"
    b"alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
    b"1234:x:4321:4321:a user whose name is digits:/:/bin/sh\n"
    b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
)
EVIL_ARG = b"\x1b[31mred\x1b[0m\r\xe2\x80\xaeexe.txt"
EVIL_ARG_SHOWN = r"\x1b[31mred\x1b[0m\r\u202eexe.txt"


def stat_line(
    pid: int,
    comm: bytes,
    state: str = "S",
    *,
    ppid: int = 1,
    tty: int = 0,
    utime: int = 0,
    stime: int = 0,
    threads: int = 1,
    start: int = 100,
    vsize: int = 0,
    rss_bytes: int = 0,
) -> bytes:
    """A 52-field /proc/<pid>/stat line (proc(5) numbering)."""
    f = dict.fromkeys(range(4, 53), 0)
    f.update(
        {
            4: ppid,
            5: pid,
            6: pid,
            7: tty,
            8: -1,
            9: 4194304,
            14: utime,
            15: stime,
            18: 20,
            19: 0,
            20: threads,
            22: start,
            23: vsize,
            24: rss_bytes // PAGE_SIZE,
            25: 18446744073709551615,
        }
    )
    rest = " ".join(str(f[i]) for i in range(4, 53))
    return b"%d (%s) %s %s\n" % (pid, comm, state.encode(), rest.encode())


def status_text(pid: int, uid: int) -> bytes:
    return (
        f"Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\n"
        f"Pid:\t{pid}\nPPid:\t1\nTracerPid:\t0\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"
        f"Gid:\t{uid}\t{uid}\t{uid}\t{uid}\nThreads:\t1\n"
    ).encode()


# pid: (stat line, uid, cmdline or None = no file, statm present?)
TREE = {
    1: (
        stat_line(1, b"init", ppid=0, utime=100, stime=50, vsize=10 * MIB, rss_bytes=MIB),
        0,
        b"/sbin/init\0splash\0",
        True,
    ),
    2: (stat_line(2, b"kthreadd", ppid=0), 0, b"", True),
    300: (
        stat_line(
            300,
            "日本語".encode(),
            "R",
            tty=(136 << 8) | 5,
            utime=366_000,
            stime=100,
            threads=4,
            vsize=3 * GIB,
            rss_bytes=3 * GIB // 2,
        ),
        1000,
        b"/usr/bin/evil\0" + EVIL_ARG + b"\0tab\there\0\xff\0",
        True,
    ),
    400: (
        stat_line(
            400,
            b"digits",
            tty=(4 << 8) | 1,
            utime=2 * 86400 * CLK_TCK,
            vsize=MIB // 2,
            rss_bytes=256 * 1024,
        ),
        4321,
        b"digits\0",
        True,
    ),
    500: (
        stat_line(500, b"nostatm", tty=(4 << 8) | 65, vsize=20 * MIB, rss_bytes=4 * MIB),
        5555,
        b"nostatm\0",
        False,
    ),
    600: (stat_line(600, b"nocmdline", vsize=MIB, rss_bytes=64 * 1024), 65534, None, True),
    700: (b"700 (broken) garbage\n", 0, b"broken\0", True),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_bytes(PASSWD)
    proc = root / "proc"
    proc.mkdir()
    (proc / "stat").write_bytes(b"cpu  1 2 3 4 5 6 7 8 9 10\nbtime %d\nprocesses 800\n" % BTIME)
    for pid, (stat, uid, cmdline, statm) in TREE.items():
        d = proc / str(pid)
        d.mkdir()
        (d / "stat").write_bytes(stat)
        (d / "status").write_bytes(status_text(pid, uid))
        if statm:
            # resident (statm field 2, where rss comes from) matches stat field 24
            tokens = stat[stat.rindex(b")") + 2 :].split()
            rss_pages = tokens[21] if len(tokens) > 21 else b"50"
            (d / "statm").write_bytes(b"100 %s 1 1 0 40 0\n" % rss_pages)
        if cmdline is not None:
            (d / "cmdline").write_bytes(cmdline)
    return root


def utc_env(**extra: str) -> dict[str, str]:
    return cli_env(TZ="UTC", **extra)


# --------------------------------------------------------------------------
# formatters


@pytest.mark.parametrize(
    ("major", "minor", "name"),
    [
        (0, 0, "?"),
        (136, 0, "pts/0"),
        (136, 3, "pts/3"),
        (136, 255, "pts/255"),
        (137, 5, "pts/261"),
        (143, 255, "pts/2047"),
        (136, 300, "pts/300"),  # minor above 255: high bits in the upper encoding
        (4, 1, "tty1"),
        (4, 63, "tty63"),
        (4, 64, "ttyS0"),
        (4, 65, "ttyS1"),
        (5, 1, "console"),
        (8, 1, "8:1"),
        (204, 64, "204:64"),
    ],
)
def test_tty_name(major, minor, name):
    dev = (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12)
    assert tty_name(dev) == name


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "00:00"),
        (0.99, "00:00"),
        (0.57 + 0.43, "00:01"),  # 0.9999999999999999: ticks sums are inexact
        (59.99, "00:59"),
        (61, "01:01"),
        (3599, "59:59"),
        (3600, "01:00:00"),
        (86399, "23:59:59"),
        (86400 + 3661, "1-01:01:01"),
        (12 * 86400, "12-00:00:00"),
    ],
)
def test_cpu_time(seconds, shown):
    assert cpu_time(seconds) == shown


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0"),
        (512, "512B"),
        (1023, "1023B"),
        (1024, "1.0K"),
        (4096, "4.0K"),
        (10 * 1024, "10K"),
        (1023 * 1024, "1023K"),
        (MIB, "1.0M"),
        (3 * MIB // 2, "1.5M"),
        (100 * MIB, "100M"),
        (3 * GIB, "3.0G"),
        (5 << 40, "5.0T"),
        ((1 << 64) - 1, "16E"),
    ],
)
def test_human_bytes(n, shown):
    assert human_bytes(n) == shown


def test_start_time(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        now = 1700000000.0  # Tue 2023-11-14 22:13:20 UTC
        assert start_time(now - 3600, now) == "21:13"
        assert start_time(now - 22 * 3600, now) == "00:13"  # same day
        assert start_time(now - 23 * 3600, now) == "Nov 13"
        assert start_time(now - 300 * 86400, now) == "Jan 18"
        assert start_time(now - 400 * 86400, now) == "2022"
        assert start_time(1e30, now) == "-"  # beyond time_t
    finally:
        monkeypatch.undo()
        time.tzset()


# --------------------------------------------------------------------------
# the written tree: exact output

EVIL_COMMAND_SHOWN = f"/usr/bin/evil {EVIL_ARG_SHOWN} tab\\there \\xff"
EXPECTED_DEFAULT = f"""\
USER  PID PPID S NLWP       TIME  VSZ  RSS TTY   START COMMAND
root    1    0 S    1      00:01  10M 1.0M ?     2023  /sbin/init splash
root    2    0 S    1      00:00    0    0 ?     2023  [kthreadd]
alice 300    1 R    4   01:01:01 3.0G 1.5G pts/5 2023  {EVIL_COMMAND_SHOWN}
1234  400    1 S    1 2-00:00:00 512K 256K tty1  2023  digits
root  700    - -    -          -    - 200K -     -     broken
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_default_table_exact(tree, backend):
    out = ok("ps", "--root", str(tree), "--backend", backend, env=utc_env())
    # pids 500 and 600 have no statm / cmdline file: the kernel says they
    # vanished, so a table that reads those leaves them out; 700's stat does not
    # parse: its stat fields are "-", its RSS (from statm) is there
    assert out == EXPECTED_DEFAULT
    assert_terminal_safe(out.encode())


def test_tree_titles_from_registry(tree):
    titles = ok("ps", "--root", str(tree)).splitlines()[0].split()
    assert titles == DEFAULT_TITLES
    for title, field in zip(titles, ["username", "pid", "ppid", "state", "num_threads"]):
        assert title == sysmon.FIELDS[field].title
    assert titles[-1] == sysmon.FIELDS["cmdline"].title


def test_tree_fields_read_only_needed_files(tree):
    # no statm file for 500, no cmdline file for 600: each is left out only
    # when a shown field needs that file, so no other file is opened
    def pids(fields: str) -> list[int]:
        return sorted(rows_by_pid(ok("ps", "--root", str(tree), "--fields", fields), 0, 2))

    assert pids("pid,name") == [1, 2, 300, 400, 500, 600, 700]
    assert pids("pid,shared") == [1, 2, 300, 400, 600, 700]
    assert pids("pid,cmdline") == [1, 2, 300, 400, 500, 700]
    assert pids("pid,username") == [1, 2, 300, 400, 500, 600, 700]


def test_tree_fields_exact(tree):
    out = ok("ps", "--root", str(tree), "--fields", "name,pid,tty_nr,uid,shared")
    assert out == (
        "NAME      PID TTY     UID  SHR\n"
        "init        1 ?         0 4.0K\n"
        "kthreadd    2 ?         0 4.0K\n"
        "日本語    300 pts/5  1000 4.0K\n"
        "digits    400 tty1   4321 4.0K\n"
        "nocmdline 600 ?     65534 4.0K\n"
        "-         700 -         0 4.0K\n"
    ).replace("4.0K", human_bytes(PAGE_SIZE))


def test_tree_ascii_terminal(tree):
    out = ok(
        "ps", "--root", str(tree), "--fields", "pid,name", env=cli_env(PYTHONIOENCODING="ascii")
    )
    assert out.isascii()
    assert rows_by_pid(out, 0, 2)[300][1] == r"\u65e5\u672c\u8a9e"


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_json_exact(tree, backend):
    objs = ok_json("ps", "--root", str(tree), "--backend", backend)
    by_pid = {o["pid"]: o for o in objs}
    assert sorted(by_pid) == [1, 2, 300, 400, 700]  # every field: all files needed
    assert all(list(o) == list(sysmon.ProcessInfo._fields) for o in objs)
    evil = by_pid[300]
    assert evil["cmdline"] == ["/usr/bin/evil", decode(EVIL_ARG), "tab\there", "\udcff"]
    assert evil["name"] == "日本語"
    assert evil["username"] == "alice"
    assert (evil["uid"], evil["euid"], evil["gid"], evil["egid"]) == (1000,) * 4
    assert evil["tty_nr"] == 34821
    assert evil["rss"] == 3 * GIB // 2
    assert evil["vms"] == 3 * GIB
    assert evil["num_threads"] == 4
    assert evil["state"] == "R"
    assert evil["create_time"] == pytest.approx(BTIME + 100 / CLK_TCK)
    assert evil["cpu_user"] == pytest.approx(366_000 / CLK_TCK)
    assert by_pid[400]["username"] == "1234"
    assert by_pid[2]["cmdline"] == []
    broken = by_pid[700]
    assert broken["cmdline"] == ["broken"]
    assert broken["ppid"] is None and broken["vms"] is None and broken["name"] is None
    assert broken["rss"] == 50 * PAGE_SIZE  # statm parses: rss comes from there


def test_tree_json_fields(tree):
    objs = ok_json("ps", "--root", str(tree), "--fields", "rss,name,rss")
    assert all(list(o) == ["pid", "rss", "name"] for o in objs)
    by_pid = {o["pid"]: o["rss"] for o in objs}
    assert by_pid[300] == 3 * GIB // 2
    assert 500 not in by_pid  # rss needs statm; a missing statm means the process is gone
    objs = ok_json("ps", "--root", str(tree), "--fields", "name,pid", "--user", "alice")
    assert objs == [{"pid": 300, "name": "日本語"}]


@pytest.mark.parametrize(
    ("user", "pids"),
    [
        ("root", [1, 2, 700]),
        ("alice", [300]),
        ("1000", [300]),
        ("1234", [400]),  # a user name made of digits wins over uid 1234
        ("4321", [400]),
        ("5555", [500]),  # a uid with no passwd entry
        ("nobody", [600]),
        ("65534", [600]),
        ("42", []),
    ],
)
def test_tree_user(tree, user, pids):
    out = ok("ps", "--root", str(tree), "--fields", "pid,name", "--user", user)
    assert sorted(rows_by_pid(out, 0, 2)) == pids
    assert out.splitlines()[0].split() == ["PID", "NAME"]


@pytest.mark.parametrize("sort", ["vms", "-vms"])
@pytest.mark.parametrize("reverse", [False, True])
def test_tree_sort_none_last(tree, sort, reverse):
    objs = ok_json(
        "ps",
        "--root",
        str(tree),
        "--fields",
        "vms",
        f"--sort={sort}",
        *(["--reverse"] if reverse else []),
    )
    values = [o["vms"] for o in objs]
    assert values[-1] is None  # pid 700, whose stat does not parse
    present = values[:-1]
    descending = sort.startswith("-") != reverse
    assert present == sorted(present, reverse=descending)


def test_tree_sort_ties_keep_pid_order(tree):
    objs = ok_json("ps", "--root", str(tree), "--fields", "uid", "--sort", "uid")
    assert [o["pid"] for o in objs] == [1, 2, 700, 300, 400, 500, 600]
    objs = ok_json("ps", "--root", str(tree), "--fields", "uid", "--sort", "-uid")
    assert [o["pid"] for o in objs] == [600, 500, 400, 300, 1, 2, 700]


def test_tree_root_from_environment(tree):
    out = ok("ps", "--fields", "pid", env=cli_env(SYSMON_ROOT=str(tree)))
    assert sorted(rows_by_pid(out, 0, 1)) == [1, 2, 300, 400, 500, 600, 700]


# --------------------------------------------------------------------------
# fixture trees: both backends give the same output


def fixture_roots() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*") if (p / "proc").is_dir())


@pytest.mark.skipif(not C_AVAILABLE, reason="C backend not built")
@pytest.mark.parametrize("root", [*fixture_roots(), None], ids=lambda p: p.name if p else "tree")
@pytest.mark.parametrize(
    "extra",
    [[], ["--json"], ["--fields", "pid,name,cmdline,shared"], ["--sort=-rss", "--json"]],
    ids=str,
)
def test_backends_agree(root, extra, tree):
    root = root or tree
    a = run("ps", "--root", str(root), "--backend", "python", *extra)
    b = run("ps", "--root", str(root), "--backend", "c", *extra)
    assert (a.returncode, a.stderr) == (b.returncode, b.stderr)
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    if "--json" in extra:
        assert json.loads(a.stdout) == json.loads(b.stdout)
        assert len(json.loads(a.stdout)) > 0
    else:
        assert_terminal_safe(a.stdout)


def test_awkward_fixture_is_terminal_safe():
    root = FIXTURES / "awkward"
    if not (root / "proc").is_dir():
        pytest.skip("no awkward fixture tree")
    for extra in ([], ["--fields", ",".join(sysmon.FIELDS)]):
        p = run("ps", "--root", str(root), *extra)
        assert p.returncode == 0, p.stderr
        assert_terminal_safe(p.stdout)


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
