"""Live tests of the process table against real processes and ground truth.

Ground truth is what the test itself arranged (processes it spawned, names it
set, argv it passed) and what it reads from /proc with its own small parsers
(tests/helpers.py), plus the independent tool ``ps``.  Every test runs on both
backends.  Every process a test starts is killed and reaped at teardown.

Here: names and command lines, zombies and threads, our own process and
stable children against ground truth.  Process handles, the sampler and
field subsets are in test_process_live_handles.py, the comparison with
``ps`` in test_process_live_ps.py; shared ground-truth readers and the
fixtures in live_support.py.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402
from helpers import decode, wait_for  # noqa: E402
from live_support import (  # noqa: E402
    INFO_FIELDS,
    THREADS_CHILD,
    assert_matches,
    children_fixture,  # noqa: F401 - the `children` fixture
    expected_info,
    row_of,
    scan_by_pid,
    stable_read,
)

import sysmon  # noqa: E402

BACKEND_AT_IMPORT = sysmon.backend()


NAME_CHILD = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
name = bytes.fromhex(sys.argv[1])
if libc.prctl(15, ctypes.c_char_p(name), 0, 0, 0) != 0:  # PR_SET_NAME
    raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")
"""

AWKWARD_NAMES = [
    b"a) (b",
    b"x) S 1 2 3",
    b"x) Z 1 2 3 4 5 6 7 8 9 10 11",
    b"\x1b[31mred",
    b"\xe2\x80\xaeevil",  # U+202E RIGHT-TO-LEFT OVERRIDE
    b"\xff\xfe bad",
    b"new\nline",
    b"tab\there",
    b"((((",
    b"))))",
    b"a)",
    b"(",
    b" ",
    b"",
    b"fifteen-bytes!!",  # exactly 15
    b"sixteen-bytes!!!",  # 16 -> 15
    b"abcdefghijklmn\xc3\xa9xyz",  # truncation splits a UTF-8 sequence
    b"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",  # 18 bytes of CJK
    b"\x7f\x01\x02\x03",
]


# --------------------------------------------------------------------------
# names and command lines


@pytest.mark.parametrize("raw", AWKWARD_NAMES, ids=lambda b: b.hex() or "empty")
def test_awkward_comm_names(backend, children, raw):
    p = children.python(NAME_CHILD, raw.hex())
    expected_bytes = raw[:15]  # the kernel keeps TASK_COMM_LEN - 1 bytes
    # precondition: the kernel really holds these bytes (validates the rule)
    assert helpers.read_stat(p.pid)["comm"] == expected_bytes
    expected = expected_bytes.decode("utf-8", "surrogateescape")

    row = row_of(p.pid)
    assert row.name == expected
    # the awkward name must not have disturbed the fields after it
    exp, row = stable_read(p.pid, lambda: row_of(p.pid),
                           fields=["ppid", "state", "num_threads", "start_ticks"])
    assert_matches(row, exp, ["name", "ppid", "state", "num_threads", "start_ticks",
                              "pgrp", "session", "nice", "priority", "cmdline", "uid"])
    assert row.ppid == os.getpid()
    assert row.num_threads == 1

    with sysmon.Process(p.pid) as h:
        assert h.name() == expected
        assert h.ppid() == os.getpid()


def _copy_sleep(dirpath: Path, name) -> bytes:
    """Copy /bin/sleep to dirpath/name; return the path as bytes."""
    dst = os.path.join(os.fsencode(dirpath), os.fsencode(name))
    shutil.copy2(b"/bin/sleep", dst)
    return dst


@pytest.mark.parametrize("exe_name", [
    "my) exe (x",
    "sp ace-日本語のスリープ",  # 15-byte cut falls inside 語
    b"bad\xff\xfe) name",
    "short",
], ids=["paren", "space-unicode", "invalid-utf8", "short"])
def test_renamed_executable(backend, children, tmp_path, exe_name):
    exe = _copy_sleep(tmp_path, exe_name)
    argv = [exe, "600"]
    p = children.spawn(argv)
    base = os.path.basename(exe)
    expected_name = decode(base[:15])
    expected_cmdline = [decode(exe), "600"]
    # precondition: Popen returns after a successful exec
    assert helpers.read_stat(p.pid)["comm"] == base[:15]

    row = row_of(p.pid)
    assert row.name == expected_name
    assert row.cmdline == expected_cmdline
    with sysmon.Process(p.pid) as h:
        assert h.name() == expected_name
        assert h.cmdline() == expected_cmdline


def test_renamed_executable_awkward_argv(backend, children, tmp_path):
    """cmdline is the argv passed, exactly: spaces, empty args, invalid UTF-8,
    an argv[0] unrelated to the executable path."""
    # dash, copied under an awkward name; `read x` is a builtin, so the
    # renamed shell itself stays alive while its stdin is open.
    exe = os.path.join(os.fsencode(tmp_path), b"my) exe (x")
    shutil.copy2(os.path.realpath(b"/bin/sh"), exe)
    argv = [
        b"argv0 with  spaces",
        b"-c",
        b"read x",
        b"arg with spaces",
        b"",
        b"",
        os.fsencode("\udcff\udcfe-invalid"),  # b"\xff\xfe-invalid"
        "ünïcødé ☃".encode(),
        b"tab\there\nnewline",
        b"trailing-empty-next",
        b"",
    ]
    p = children.spawn(argv, executable=exe, stdin=subprocess.PIPE)
    assert helpers.read_stat(p.pid)["comm"] == b"my) exe (x"
    expected = [decode(a) for a in argv]
    assert expected[6] == "\udcff\udcfe-invalid"

    row = row_of(p.pid)
    assert row.name == "my) exe (x"
    assert row.cmdline == expected
    with sysmon.Process(p.pid) as h:
        assert h.cmdline() == expected
    # lossless: the raw bytes come back
    assert [os.fsencode(a) for a in row.cmdline] == argv


# --------------------------------------------------------------------------
# zombie, threads


def test_real_zombie(backend, children):
    zpid = children.fork_zombie()
    own_comm = decode(helpers.read_stat("self")["comm"])

    row = row_of(zpid)
    assert row.state == "Z"
    assert row.cmdline == []
    assert row.ppid == os.getpid()
    assert row.name == own_comm
    exp = expected_info(zpid)
    assert_matches(row, exp, ["ppid", "state", "uid", "euid", "gid", "egid", "num_threads",
                              "start_ticks", "rss", "vms", "shared", "pgrp", "session",
                              "cmdline", "name"])

    h = sysmon.Process(zpid)
    try:
        assert h.state() == "Z"
        assert h.ppid() == os.getpid()
        assert h.cmdline() == []
    finally:
        h.close()

    assert os.WEXITSTATUS(children.reap(zpid)) == 7  # reap: now it is gone
    assert zpid not in scan_by_pid()
    with pytest.raises(sysmon.NoSuchProcess):
        sysmon.Process(zpid)


def test_multithreaded_process(backend, children):
    p = children.python(THREADS_CHILD)
    tids = {int(t) for t in os.listdir(f"/proc/{p.pid}/task")}
    assert len(tids) == 6  # precondition
    assert p.pid in tids

    rows = scan_by_pid()
    assert rows[p.pid].num_threads == 6
    leaked = sorted((tids - {p.pid}) & set(rows))
    assert not leaked, f"thread ids listed as processes: {leaked}"
    with sysmon.Process(p.pid) as h:
        assert h.num_threads() == 6


# --------------------------------------------------------------------------
# our own process and stable children vs. ground truth


def test_own_process(backend):
    me = os.getpid()
    # independent ground truth for create_time
    with open("/proc/self/stat", "rb") as f:
        raw = f.read()
    start = int(raw[raw.rindex(b")") + 2:].split()[22 - 3])
    with open("/proc/stat") as f:
        btime = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    want_ct = btime + start / os.sysconf("SC_CLK_TCK")

    row = row_of(me)
    assert row.uid == os.getuid()
    assert row.euid == os.geteuid()
    assert row.gid == os.getgid()
    assert row.egid == os.getegid()
    assert row.ppid == os.getppid()
    assert row.pgrp == os.getpgrp()
    assert row.session == os.getsid(0)
    assert row.start_ticks == start
    assert isinstance(row.create_time, float)
    assert abs(row.create_time - want_ct) <= 1.0
    assert row.create_time <= time.time()
    assert row.username == pwd.getpwuid(os.getuid()).pw_name
    assert row.nice == os.getpriority(os.PRIO_PROCESS, 0)
    assert row.state == "R"  # we are running while we read our own stat
    exp = expected_info("self")
    assert_matches(row, exp, ["name", "cmdline", "tty_nr", "priority"])

    with sysmon.Process(me) as h:
        assert h.pid == me
        assert h.uid() == os.getuid()
        assert h.ppid() == os.getppid()
        assert h.info().start_ticks == start
        assert abs(h.create_time() - want_ct) <= 1.0


def test_sleeping_child_all_fields_exact(backend, children):
    """A sleeping child is stable: every field equals the test's own reading
    of /proc/<pid>/{stat,status,cmdline}, memory included (from statm, which
    sysmon does not read: an independent reading of the same counters)."""
    p = children.spawn(["sleep", "600"])
    wait_for(lambda: helpers.read_stat(p.pid)[3] == "S", what="child to sleep")
    exp, row = stable_read(p.pid, lambda: row_of(p.pid))
    # resident pages backed by files/shmem are a subset of resident pages
    assert row.shared <= row.rss, f"shared {row.shared} > rss {row.rss}"
    assert_matches(row, exp, INFO_FIELDS)
    assert row.cmdline == ["sleep", "600"]
    assert row.name == "sleep"
    assert row.state == "S"
    assert row.rss > 0
    assert row.vms >= row.rss

    # The same through a handle
    with sysmon.Process(p.pid) as h:
        exp, info = stable_read(p.pid, h.info)
        assert info.pid == p.pid
        assert_matches(info, exp, INFO_FIELDS)


def test_child_as_nobody(backend, children):
    nobody = pwd.getpwnam("nobody")
    p = children.spawn(["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                        "--clear-groups", "sleep", "600"])
    helpers.wait_exec(p.pid, b"sleep")
    row = row_of(p.pid)
    assert row.uid == row.euid == 65534
    assert row.gid == row.egid == nobody.pw_gid
    assert row.username == "nobody"
    with sysmon.Process(p.pid) as h:
        assert h.uid() == 65534
        assert h.username() == "nobody"


def test_real_and_effective_ids_differ(backend, children):
    """uid/gid are the REAL ids, euid/egid the effective ones."""
    p = children.spawn(["setpriv", "--ruid=65534", "--rgid=65533", "--clear-groups",
                        "sleep", "600"])
    helpers.wait_exec(p.pid, b"sleep")
    status = helpers.read_status(p.pid)
    assert status["Uid"].split()[:2] == ["65534", "0"]  # precondition
    assert status["Gid"].split()[:2] == ["65533", "0"]
    row = row_of(p.pid)
    assert (row.uid, row.euid, row.gid, row.egid) == (65534, 0, 65533, 0)
    assert row.username == "nobody"  # username follows the real uid


def test_unknown_uid_username_is_decimal(backend, children):
    uid = 54321
    try:
        pwd.getpwuid(uid)
        pytest.skip(f"uid {uid} exists here")
    except KeyError:
        pass
    p = children.spawn(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                        "sleep", "600"])
    helpers.wait_exec(p.pid, b"sleep")
    row = row_of(p.pid)
    assert row.uid == uid
    assert row.username == str(uid)


def test_usernames_match_pwd(backend):
    rows = sysmon.processes()
    checked = 0
    for r in rows:
        if r.uid is None:
            continue
        try:
            want = pwd.getpwuid(r.uid).pw_name
        except KeyError:
            want = str(r.uid)
        assert r.username == want, r
        checked += 1
    assert checked >= len(rows) // 2


def test_scan_is_complete(backend, children):
    """Every process that existed before the scan and still exists after it,
    with the same start time, is in the scan; no other pid is."""
    kids = [children.sleeper() for _ in range(3)]
    t0 = helpers.uptime_ticks()
    before = {pid: helpers.start_ticks(pid) for pid in helpers.live_pids()}
    rows = scan_by_pid()
    after = {pid: helpers.start_ticks(pid) for pid in helpers.live_pids()}
    survivors = {pid for pid, st in before.items() if st is not None and after.get(pid) == st}
    missing = sorted(survivors - set(rows))
    assert not missing, f"missing from scan: {missing}"
    # a row the first listing did not have must be a process born since then
    for pid in set(rows) - set(before):
        assert rows[pid].start_ticks >= t0 - 2, (pid, rows[pid])
    for k in kids:
        assert k.pid in rows
    for pid, r in rows.items():
        if pid in survivors:
            assert r.start_ticks == before[pid]


def test_stopped_child(backend, children):
    p = children.spawn(["sleep", "600"])
    os.kill(p.pid, signal.SIGSTOP)
    wait_for(lambda: helpers.read_stat(p.pid)[3] == "T", what="child to stop")
    assert row_of(p.pid).state == "T"
    with sysmon.Process(p.pid) as h:
        assert h.state() == "T"
    os.kill(p.pid, signal.SIGCONT)
    wait_for(lambda: helpers.read_stat(p.pid)[3] == "S", what="child to continue")
    assert row_of(p.pid).state == "S"


def _encode_dev(rdev: int) -> int:
    """The kernel's new_encode_dev(): how stat field 7 (tty_nr) encodes a device."""
    major, minor = os.major(rdev), os.minor(rdev)
    return (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12)


def test_child_with_controlling_tty(backend, children):
    master, slave = os.openpty()
    try:
        rdev = os.fstat(slave).st_rdev

        def become_session_leader_with_tty():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        p = children.spawn(["sleep", "600"], stdin=slave, stdout=slave, stderr=slave,
                           start_new_session=True, preexec_fn=become_session_leader_with_tty)
        wait_for(lambda: helpers.read_stat(p.pid)[7] != 0, what="child to own the tty")
        row = row_of(p.pid)
        assert row.tty_nr == _encode_dev(rdev)
        assert row.tty_nr != 0
        assert row.session == p.pid
        assert row.pgrp == p.pid
        assert row.tpgid == p.pid  # its group is the terminal's foreground group
        mine = row_of(os.getpid())
        assert mine.tty_nr != row.tty_nr
    finally:
        os.close(master)
        os.close(slave)


def test_create_time_against_wall_clock(backend, children):
    t0 = time.time()
    p = children.spawn(["sleep", "600"])
    t1 = time.time()
    ct = row_of(p.pid).create_time
    # btime has 1 s resolution; start time has one clock tick
    assert t0 - 1.5 <= ct <= t1 + 1.5, (t0, ct, t1)


def _huge_argv(i: int) -> list[bytes]:
    big = (b"%d-" % i) + b"x" * (128 * 1024 - 16)  # just under MAX_ARG_STRLEN
    many = [b"arg%05d-" % n + b"y" * 900 for n in range(300)]
    return [b"sh", b"-c", b"read x", big, b"", *many, b"\xff\xfe-end"]


def test_huge_command_lines(backend, children):
    """Command lines far beyond a page, several at once, read whole."""
    argvs = [_huge_argv(i) for i in range(6)]
    procs = [children.spawn(a, executable="/bin/sh", stdin=subprocess.PIPE) for a in argvs]
    for p, argv in zip(procs, argvs):
        assert helpers.read_cmdline(p.pid) == b"\0".join(argv) + b"\0"  # precondition
    rows = scan_by_pid()
    for p, argv in zip(procs, argvs):
        assert rows[p.pid].cmdline == [decode(a) for a in argv]
        with sysmon.Process(p.pid) as h:
            assert h.cmdline() == [decode(a) for a in argv]
    rows = scan_by_pid(fields=["cmdline"])
    for p, argv in zip(procs, argvs):
        assert rows[p.pid].cmdline == [decode(a) for a in argv]


# --------------------------------------------------------------------------
# native guard


def test_require_native():
    """With SYSMON_REQUIRE_NATIVE=1 (CI), a missing C extension is a failure."""
    if os.environ.get("SYSMON_REQUIRE_NATIVE") != "1":
        pytest.skip("SYSMON_REQUIRE_NATIVE != 1")
    native = importlib.import_module("sysmon._native")
    assert native is not None
    if os.environ.get("SYSMON_BACKEND", "c") == "c":
        assert BACKEND_AT_IMPORT == "c"
