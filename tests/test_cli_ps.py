"""The ``sysmon ps`` command, run as a real program (``python -m sysmon.cli``),
on /proc trees whose every value is known: exact output.

The column formatters on their own; then a /proc tree the test writes itself
(cli_support.py), whose table and JSON are checked to the byte; then the
fixture trees of tests/fixtures/, where both backends must print the same.
The command on the live system is in test_cli_live.py, its options, errors
and exit codes in test_cli_command.py.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cli_support import (  # noqa: E402
    BACKENDS,
    BTIME,
    C_AVAILABLE,
    DEFAULT_TITLES,
    EVIL_ARG,
    EVIL_ARG_SHOWN,
    GIB,
    MIB,
    assert_terminal_safe,
    cli_env,
    ok,
    ok_json,
    rows_by_pid,
    run,
    tree_fixture,  # noqa: F401 - the `tree` fixture
)
from helpers import CLK_TCK, decode  # noqa: E402

import sysmon  # noqa: E402
from sysmon.cli._columns import cpu_time, human_bytes, start_time, tty_name  # noqa: E402

FIXTURES = Path(_HERE) / "fixtures"


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
5555  500    1 S    1      00:00  20M 4.0M ttyS1 2023  nostatm
root  700    - -    -          -    - 300K -     -     broken
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_default_table_exact(tree, backend):
    out = ok("ps", "--root", str(tree), "--backend", backend, env=utc_env())
    # pid 600 has no cmdline file: the kernel says it vanished, so a table
    # that reads cmdline leaves it out; pid 500 has no statm file, which no
    # field reads: it is there.  RSS is status's VmRSS (every stat field 24
    # and statm says otherwise); 700's stat does not parse: its stat fields
    # are "-", its RSS (from status) is there
    assert out == EXPECTED_DEFAULT
    assert_terminal_safe(out.encode())


def test_tree_titles_from_registry(tree):
    titles = ok("ps", "--root", str(tree)).splitlines()[0].split()
    assert titles == DEFAULT_TITLES
    for title, field in zip(titles, ["username", "pid", "ppid", "state", "num_threads"]):
        assert title == sysmon.FIELDS[field].title
    assert titles[-1] == sysmon.FIELDS["cmdline"].title


def test_tree_fields_read_only_needed_files(tree):
    # no cmdline file for 600: it is left out only when a shown field needs
    # that file, so no other file is opened; no statm file for 500, which
    # no field needs (rss and shared come from status): never left out
    def pids(fields: str) -> list[int]:
        return sorted(rows_by_pid(ok("ps", "--root", str(tree), "--fields", fields), 0, 2))

    assert pids("pid,name") == [1, 2, 300, 400, 500, 600, 700]
    assert pids("pid,shared") == [1, 2, 300, 400, 500, 600, 700]
    assert pids("pid,rss") == [1, 2, 300, 400, 500, 600, 700]
    assert pids("pid,cmdline") == [1, 2, 300, 400, 500, 700]
    assert pids("pid,username") == [1, 2, 300, 400, 500, 600, 700]


def test_tree_fields_exact(tree):
    # SHR is status's RssFile + RssShmem: 0 for the kernel thread (no memory
    # lines), "-" (unknown) for 400, whose status has VmRSS but no RssFile
    out = ok("ps", "--root", str(tree), "--fields", "name,pid,tty_nr,uid,shared")
    assert out == (
        "NAME      PID TTY     UID  SHR\n"
        "init        1 ?         0 824K\n"
        "kthreadd    2 ?         0    0\n"
        "日本語    300 pts/5  1000 3.0M\n"
        "digits    400 tty1   4321    -\n"
        "nostatm   500 ttyS1  5555 100K\n"
        "nocmdline 600 ?     65534  48K\n"
        "-         700 -         0  16K\n"
    )


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
    assert sorted(by_pid) == [1, 2, 300, 400, 500, 700]  # every field: no 600 (no cmdline)
    assert all(list(o) == list(sysmon.ProcessInfo._fields) for o in objs)
    evil = by_pid[300]
    assert evil["cmdline"] == ["/usr/bin/evil", decode(EVIL_ARG), "tab\there", "\udcff"]
    assert evil["name"] == "日本語"
    assert evil["username"] == "alice"
    assert (evil["uid"], evil["euid"], evil["gid"], evil["egid"]) == (1000,) * 4
    assert evil["tty_nr"] == 34821
    assert evil["rss"] == 3 * GIB // 2  # VmRSS; stat field 24 says GIB, statm 1 page
    assert evil["shared"] == (2048 + 1024) * 1024  # RssFile + RssShmem
    assert evil["vms"] == 3 * GIB
    assert evil["num_threads"] == 4
    assert evil["state"] == "R"
    assert evil["create_time"] == pytest.approx(BTIME + 100 / CLK_TCK)
    assert evil["cpu_user"] == pytest.approx(366_000 / CLK_TCK)
    assert by_pid[400]["username"] == "1234"
    assert (by_pid[400]["rss"], by_pid[400]["shared"]) == (256 * 1024, None)  # no RssFile
    assert by_pid[2]["cmdline"] == []
    assert (by_pid[2]["rss"], by_pid[2]["shared"]) == (0, 0)  # no memory lines: 0, not None
    assert (by_pid[1]["rss"], by_pid[1]["shared"]) == (MIB, (800 + 24) * 1024)  # garbage statm
    nostatm = by_pid[500]
    assert (nostatm["rss"], nostatm["shared"], nostatm["uid"]) == (4 * MIB, 100 * 1024, 5555)
    broken = by_pid[700]
    assert broken["cmdline"] == ["broken"]
    assert broken["ppid"] is None and broken["vms"] is None and broken["name"] is None
    # status parses: rss, shared and the ids come from there (its statm says 50 pages)
    assert (broken["rss"], broken["shared"]) == (300 * 1024, (12 + 4) * 1024)
    assert broken["uid"] == 0 and broken["username"] == "root"


def test_tree_json_fields(tree):
    objs = ok_json("ps", "--root", str(tree), "--fields", "rss,name,rss")
    assert all(list(o) == ["pid", "rss", "name"] for o in objs)
    by_pid = {o["pid"]: o["rss"] for o in objs}
    assert by_pid[300] == 3 * GIB // 2
    assert by_pid[500] == 4 * MIB  # rss needs status alone: no statm file is no matter
    assert by_pid[700] == 300 * 1024  # nor is a stat that does not parse
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
    """The process fixture trees: those with at least one /proc/<pid>/stat."""
    return sorted(p for p in FIXTURES.glob("*")
                  if (p / "proc").is_dir() and any((p / "proc").glob("[0-9]*/stat")))


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
    for extra in ([], ["--fields", ",".join(sysmon.PROCESS_FIELDS)]):
        p = run("ps", "--root", str(root), *extra)
        assert p.returncode == 0, p.stderr
        assert_terminal_safe(p.stdout)
