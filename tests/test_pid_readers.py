"""The one-process readers (contract: sysmon/_rawpid.py): read_at, readlink_at,
stat_at and read_fds through a held /proc/<pid> directory fd, C and Python.

- Live: a child this module starts (a copy of `sleep`, deleted once it runs)
  holds /dev/null on 0-2 and a known set of fds: a regular file opened
  O_RDWR|O_APPEND at a known offset, both ends of a pipe, a socket, an
  eventfd(EFD_NONBLOCK) and a deleted file.  Rows are compared with what the
  test set up and with os.fstat of the same open files; both backends give
  the same rows.
- Gone: a held dirfd of a process that exited gives ENOENT or ESRCH.
- Tree: a /proc/<pid>-shaped directory made in tmp_path with plain symlinks
  under fd/ and fdinfo files, read with follow=False (nothing followed out of
  it) and follow=True; non-canonical fd names are skipped.
- Unprivileged: a forked child dropped to `nobody` gets EACCES on a root
  process's fd dir, environ and links.
"""

from __future__ import annotations

import errno
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import helpers
import pytest
from pid_parser_support import (
    DIR_FLAGS,
    NATIVE,
    O_LARGEFILE,
    PURE,
    REQUIRE_NATIVE,
    assert_exact,
    call,
    errno_of,
    fdinfo_text_value,
    fork_call,
    impl,
    long_path_of,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    mount_id_of,
    open_at_length,
    sleeping_in_nanosleep,
)

ENODATA = errno.ENODATA
GONE = {errno.ENOENT, errno.ESRCH}
NOBODY = 65534


def rows(mod: ModuleType, dirfd: int, follow: bool) -> list[tuple[Any, ...]]:
    got = call(mod, "read_fds", dirfd, follow)
    assert isinstance(got, list)
    return sorted(got)


# ------------------------------------------------------------------ live
@dataclass
class Held:
    pid: int
    dirfd: int
    exe: bytes            # the deleted copy of sleep, as readlink shows it
    exe_stat: os.stat_result
    cwd: bytes
    fds: dict[int, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Held]:
    tmp = tmp_path_factory.mktemp("held")
    real = os.path.realpath(tmp)
    sleep = shutil.which("sleep")
    assert sleep is not None
    exe = os.path.join(real, "sleep-copy")
    shutil.copy2(os.path.realpath(sleep), exe)
    exe_stat = os.stat(exe)

    opened: list[int] = []

    def keep(fd: int) -> int:
        opened.append(fd)
        return fd

    null = keep(os.open("/dev/null", os.O_RDWR))
    regpath = os.path.join(real, "regular file")
    with open(regpath, "wb") as f:
        f.write(b"r" * 5000)
    reg = keep(os.open(regpath, os.O_RDWR | os.O_APPEND))
    os.lseek(reg, 777, os.SEEK_SET)
    pr, pw = os.pipe()
    keep(pr)
    keep(pw)
    sa, sb = socket.socketpair()
    sock = keep(sa.detach())
    keep(sb.detach())
    efd = keep(helpers.eventfd(3, helpers.EFD_NONBLOCK))
    delpath = os.path.join(real, "deleted file")
    with open(delpath, "wb") as f:
        f.write(b"d" * 100)
    dele = keep(os.open(delpath, os.O_RDWR))
    os.lseek(dele, 42, os.SEEK_SET)
    os.unlink(delpath)
    fits = keep(open_at_length(real, 4095))      # the longest path readlink returns
    toolong = keep(open_at_length(real, 4300))   # the kernel says ENAMETOOLONG

    child = subprocess.Popen([exe, "600"], stdin=null, stdout=null, stderr=null, cwd=real,
                             pass_fds=(reg, pr, pw, sock, efd, dele, fits, toolong))
    dirfd = -1
    try:
        # wait until it sleeps: before the exec it is a fork of this Python,
        # and right after it the dynamic loader still has libraries open
        want_fds = {"0", "1", "2",
                    *(str(fd) for fd in (reg, pr, pw, sock, efd, dele, fits, toolong))}
        for _ in range(4000):
            try:
                if (os.readlink(f"/proc/{child.pid}/exe") == exe
                        and set(os.listdir(f"/proc/{child.pid}/fd")) == want_fds
                        and sleeping_in_nanosleep(child.pid)):
                    break
            except OSError:
                pass
            select.select([], [], [], 0.005)
        else:
            pytest.fail("the child did not reach its sleep")
        os.unlink(exe)
        dirfd = os.open(f"/proc/{child.pid}", DIR_FLAGS)
        nst = os.fstat(null)
        h = Held(child.pid, dirfd, exe.encode() + b" (deleted)", exe_stat, real.encode())

        def add(fd: int, target: bytes, flags: int, pos: int, st: os.stat_result,
                kind: Callable[[int], bool] | None) -> None:
            h.fds[fd] = {"target": target, "flags": flags, "pos": pos, "mode": st.st_mode,
                         "nlink": st.st_nlink, "ino": st.st_ino, "kind": kind}

        for fd in (0, 1, 2):
            add(fd, b"/dev/null", os.O_RDWR, 0, nst, stat.S_ISCHR)
        add(reg, regpath.encode(), os.O_RDWR | os.O_APPEND, 777, os.fstat(reg), stat.S_ISREG)
        pst = os.fstat(pr)
        add(pr, b"pipe:[%d]" % pst.st_ino, os.O_RDONLY, 0, pst, stat.S_ISFIFO)
        add(pw, b"pipe:[%d]" % pst.st_ino, os.O_WRONLY, 0, os.fstat(pw), stat.S_ISFIFO)
        sst = os.fstat(sock)
        add(sock, b"socket:[%d]" % sst.st_ino, os.O_RDWR, 0, sst, stat.S_ISSOCK)
        add(efd, b"anon_inode:[eventfd]", os.O_RDWR | os.O_NONBLOCK, 0, os.fstat(efd), None)
        add(dele, delpath.encode() + b" (deleted)", os.O_RDWR, 42, os.fstat(dele),
            stat.S_ISREG)
        add(fits, long_path_of(real, 4095), os.O_RDONLY, 0, os.fstat(fits), stat.S_ISREG)
        add(toolong, None, os.O_RDONLY, 0, os.fstat(toolong), stat.S_ISREG)
        yield h
    finally:
        child.kill()
        child.wait()
        if dirfd >= 0:
            os.close(dirfd)
        for fd in opened:
            os.close(fd)


def test_live_fds_exact(mod: ModuleType, held: Held) -> None:
    got = rows(mod, held.dirfd, True)
    assert [r[0] for r in got] == sorted(held.fds)
    for r in got:
        assert len(r) == 11
        fd, link_err, target, stat_err, mode, nlink, info_err, pos, flags, mnt_id, ino = r
        want = held.fds[fd]
        if want["target"] is None:  # a path longer than the kernel's page for d_path
            assert (link_err, target) == (errno.ENAMETOOLONG, b""), r
        else:
            assert (link_err, target) == (0, want["target"]), r
        assert (stat_err, info_err) == (0, 0), r
        assert (mode, nlink, pos, ino) == (want["mode"], want["nlink"], want["pos"],
                                           want["ino"]), r
        assert isinstance(flags, int) and flags & ~O_LARGEFILE == want["flags"], (r, oct(flags))
        assert mnt_id == fdinfo_text_value(held.pid, fd, "mnt_id"), r
        if want["kind"] is not None:
            assert want["kind"](mode), (r, oct(mode))
        assert all(type(x) is int for x in r if not isinstance(x, bytes)), r


def test_live_fds_ground_truth(mod: ModuleType, held: Held) -> None:
    """The facts the test itself arranged, spelled out once more."""
    by_fd = {r[0]: r for r in rows(mod, held.dirfd, True)}
    reg = next(fd for fd, w in held.fds.items() if w["pos"] == 777)
    dele = next(fd for fd, w in held.fds.items() if w["pos"] == 42)
    r = by_fd[reg]
    assert stat.S_ISREG(r[4]) and r[5] == 1 and r[7] == 777
    assert r[8] & os.O_APPEND and r[8] & os.O_ACCMODE == os.O_RDWR and not r[8] & os.O_CLOEXEC
    assert r[9] == mount_id_of(held.cwd.decode())
    r = by_fd[dele]
    assert stat.S_ISREG(r[4]) and r[5] == 0 and r[2].endswith(b" (deleted)")
    efd = next(fd for fd, w in held.fds.items() if w["kind"] is None)
    assert by_fd[efd][8] & os.O_NONBLOCK
    lens = sorted(len(r[2]) for r in by_fd.values())
    assert lens[-1] == 4095  # the longest target, whole
    assert sum(1 for r in by_fd.values() if r[1] == errno.ENAMETOOLONG and r[2] == b"") == 1


def test_live_follow_false(mod: ModuleType, held: Held) -> None:
    """follow=False: stat_err ENODATA and mode, nlink 0; the rest unchanged."""
    followed = rows(mod, held.dirfd, True)
    got = rows(mod, held.dirfd, False)
    assert_exact(got, [(*r[:3], ENODATA, 0, 0, *r[6:]) for r in followed])


def test_live_backends_agree(held: Held) -> None:
    for follow in (True, False):
        assert_exact(rows(impl("c"), held.dirfd, follow), rows(PURE, held.dirfd, follow))


def test_live_read_at(mod: ModuleType, held: Held) -> None:
    d = held.dirfd
    assert_exact(call(mod, "read_at", d, "cmdline"),
                 held.exe.removesuffix(b" (deleted)") + b"\x00600\x00")
    assert_exact(call(mod, "read_at", d, "comm"), b"sleep-copy\n")
    status = call(mod, "read_at", d, "status")
    assert status.startswith(b"Name:\tsleep-copy\n") and b"\nPid:\t%d\n" % held.pid in status
    assert errno_of(lambda: call(mod, "read_at", d, "no-such-file")) == errno.ENOENT
    assert errno_of(lambda: call(mod, "read_at", d, "exe")) == errno.ELOOP  # O_NOFOLLOW
    assert errno_of(lambda: call(mod, "read_at", d, "fd")) == errno.EISDIR


def test_live_links_and_stat(mod: ModuleType, held: Held) -> None:
    d = held.dirfd
    assert_exact(call(mod, "readlink_at", d, "exe"), held.exe)
    assert_exact(call(mod, "readlink_at", d, "cwd"), held.cwd)
    # exe is deleted: stat_at follows the magic link to the open file itself
    assert_exact(call(mod, "stat_at", d, "exe"), (held.exe_stat.st_mode, 0))
    mode, nlink = call(mod, "stat_at", d, "cwd")
    assert stat.S_ISDIR(mode) and nlink == os.stat(held.cwd).st_nlink
    for fd, want in held.fds.items():
        if want["target"] is None:
            assert errno_of(lambda f=fd: call(mod, "readlink_at", d, f"fd/{f}")) == \
                errno.ENAMETOOLONG
        else:
            assert_exact(call(mod, "readlink_at", d, f"fd/{fd}"), want["target"])
        assert_exact(call(mod, "stat_at", d, f"fd/{fd}"), (want["mode"], want["nlink"]))
    assert errno_of(lambda: call(mod, "readlink_at", d, "status")) == errno.EINVAL
    assert errno_of(lambda: call(mod, "readlink_at", d, "fd/99999")) == errno.ENOENT
    assert errno_of(lambda: call(mod, "stat_at", d, "fd/99999")) == errno.ENOENT


def test_exited_process(mod: ModuleType) -> None:
    child = subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL)
    try:
        dirfd = os.open(f"/proc/{child.pid}", DIR_FLAGS)
    finally:
        child.kill()
        child.wait()
    try:
        for what, fn in (
            ("read_fds", lambda: call(mod, "read_fds", dirfd, True)),
            ("read_fds nofollow", lambda: call(mod, "read_fds", dirfd, False)),
            ("read_at", lambda: call(mod, "read_at", dirfd, "status")),
            ("readlink_at", lambda: call(mod, "readlink_at", dirfd, "exe")),
            ("stat_at", lambda: call(mod, "stat_at", dirfd, "cwd")),
        ):
            assert errno_of(fn) in GONE, what
    finally:
        os.close(dirfd)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_unprivileged_reader(mod: ModuleType, held: Held) -> None:
    """A reader running as nobody: EACCES on the fd dir, environ and the
    links of a root process; its status stays readable."""
    pid = held.pid

    def body() -> dict[str, Any]:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        d = os.open(f"/proc/{pid}", DIR_FLAGS)
        return {
            "read_fds": errno_of(lambda: call(mod, "read_fds", d, True)),
            "read_fds_nofollow": errno_of(lambda: call(mod, "read_fds", d, False)),
            "environ": errno_of(lambda: call(mod, "read_at", d, "environ")),
            "readlink_exe": errno_of(lambda: call(mod, "readlink_at", d, "exe")),
            "stat_exe": errno_of(lambda: call(mod, "stat_at", d, "exe")),
            "status": errno_of(lambda: call(mod, "read_at", d, "status")),
        }

    got = fork_call(body)
    assert got == {"read_fds": errno.EACCES, "read_fds_nofollow": errno.EACCES,
                   "environ": errno.EACCES, "readlink_exe": errno.EACCES,
                   "stat_exe": errno.EACCES, "status": "ok"}


# ------------------------------------------------------------------ tree
FI_EVENTFD = (b"pos:\t0\nflags:\t02004002\nmnt_id:\t17\nino:\t1030\n"
              b"eventfd-count:                7\neventfd-id: 1\n")
LONG_ONE = b"/" + b"a" * 4094                 # 4095 bytes, one component > NAME_MAX
LONG_DEEP = b"/" + b"a/" * 2046 + b"bc"       # 4095 bytes, many short components
assert len(LONG_ONE) == len(LONG_DEEP) == 4095

# fd name -> (link target, fdinfo content or None for no fdinfo file)
TREE: dict[str, tuple[bytes, bytes | None]] = {
    "0": (b"/dev/null", b"pos:\t0\nflags:\t0100002\nmnt_id:\t24\nino:\t3\n"),
    "1": (b"pipe:[4242]", b"pos:\t-5\nflags:\t01\n"),
    "2": (LONG_ONE, b""),
    "3": (b"socket:[1]", b"flags:\t08\n"),           # malformed fdinfo: EINVAL
    "4": (b"x", None),                               # no fdinfo: closed meanwhile
    "5": (LONG_DEEP, b"pos:\t9\n"),
    "9": (b"a\nb\xff c", FI_EVENTFD),
    "10": (b"../fdinfo/0", b"pos:\t1\n"),            # inside the tree
    "11": (b"/etc/passwd", b"pos:\t2\nmnt_id:\t" + b"9" * 30 + b"\n"),  # overflow: EINVAL
    "12": (b"12", b"pos:\t3\n"),                     # a loop when followed
    "2147483647": (b"/dev/null", b"ino:\t5\n"),      # the largest canonical name
    "13": (b"/dev/null", None),                      # fdinfo/13 is a directory: EISDIR
    "14": (b"/dev/null", None),                      # fdinfo/14 is a symlink: ELOOP
}
# never rows: each has a valid link and fdinfo, so a reader that does not skip it shows it
SKIPPED = ("01", "00", "-1", "x", "+3", "2147483648", "4294967296", "99999999999999999999",
           " 5", "5 ", "1e3", "0x1", "7\n", "1_0",
           "\u0663", "1\u0663", "2\uff11")  # non-ASCII digits: int() would take them

EINVAL = errno.EINVAL
TREE_NOFOLLOW = [
    (0, 0, b"/dev/null", ENODATA, 0, 0, 0, 0, 0o100002, 24, 3),
    (1, 0, b"pipe:[4242]", ENODATA, 0, 0, 0, -5, 1, None, None),
    (2, 0, LONG_ONE, ENODATA, 0, 0, 0, None, None, None, None),
    (3, 0, b"socket:[1]", ENODATA, 0, 0, EINVAL, None, None, None, None),
    (5, 0, LONG_DEEP, ENODATA, 0, 0, 0, 9, None, None, None),
    (9, 0, b"a\nb\xff c", ENODATA, 0, 0, 0, 0, 0o2004002, 17, 1030),
    (10, 0, b"../fdinfo/0", ENODATA, 0, 0, 0, 1, None, None, None),
    (11, 0, b"/etc/passwd", ENODATA, 0, 0, EINVAL, None, None, None, None),
    (12, 0, b"12", ENODATA, 0, 0, 0, 3, None, None, None),
    (13, 0, b"/dev/null", ENODATA, 0, 0, errno.EISDIR, None, None, None, None),
    (14, 0, b"/dev/null", ENODATA, 0, 0, errno.ELOOP, None, None, None, None),
    (2147483647, 0, b"/dev/null", ENODATA, 0, 0, 0, None, None, None, 5),
]


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """tmp_path/proc/7, shaped like /proc/<pid>: fd/ of plain symlinks,
    fdinfo/, and a few other files; yields (path, held dirfd)."""
    top = tmp_path / "proc" / "7"
    (top / "fd").mkdir(parents=True)
    (top / "fdinfo").mkdir()
    for name, (target, info) in TREE.items():
        os.symlink(target, os.fsencode(top / "fd" / name))
        if info is not None:
            (top / "fdinfo" / name).write_bytes(info)
    (top / "fdinfo" / "13").mkdir()
    (top / "fdinfo" / "14").symlink_to("0")
    for name in SKIPPED:
        os.symlink("/dev/null", top / "fd" / name)
        (top / "fdinfo" / name).write_bytes(b"pos:\t0\nflags:\t02\n")
    big = bytes(range(256)) * 1200 + b"tail"  # 307204 bytes: several reads
    (top / "big").write_bytes(big)
    (top / "empty").write_bytes(b"")
    os.mkfifo(top / "fifo")
    d = os.open(top, DIR_FLAGS)
    try:
        yield top, d
    finally:
        os.close(d)


def test_tree_follow_false(mod: ModuleType, tree: tuple[Path, int]) -> None:
    """Plain symlinks are read, never followed; fdinfo parsed; no fdinfo file
    (ENOENT) leaves the row out; non-canonical names are skipped."""
    assert_exact(rows(mod, tree[1], False), TREE_NOFOLLOW)


def test_tree_follow_true(mod: ModuleType, tree: tuple[Path, int]) -> None:
    """Followed: ENOENT (dangling: the fd closed) leaves the row out, another
    errno is kept in stat_err."""
    top, d = tree
    by_fd = {r[0]: r for r in TREE_NOFOLLOW}

    def st(path: Path | str) -> tuple[int, int]:
        s = os.stat(path)
        return (s.st_mode, s.st_nlink)

    want = [
        (*by_fd[0][:3], 0, *st("/dev/null"), *by_fd[0][6:]),
        (*by_fd[2][:3], errno.ENAMETOOLONG, 0, 0, *by_fd[2][6:]),
        (*by_fd[10][:3], 0, *st(top / "fdinfo" / "0"), *by_fd[10][6:]),
        (*by_fd[11][:3], 0, *st("/etc/passwd"), *by_fd[11][6:]),
        (*by_fd[12][:3], errno.ELOOP, 0, 0, *by_fd[12][6:]),
        (*by_fd[13][:3], 0, *st("/dev/null"), *by_fd[13][6:]),
        (*by_fd[14][:3], 0, *st("/dev/null"), *by_fd[14][6:]),
        (*by_fd[2147483647][:3], 0, *st("/dev/null"), *by_fd[2147483647][6:]),
    ]
    assert_exact(rows(mod, d, True), want)


def test_tree_fd_dir_errors(mod: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "nofd").mkdir()
    (tmp_path / "filefd").mkdir()
    (tmp_path / "filefd" / "fd").write_bytes(b"")
    (tmp_path / "emptyfd" / "fd").mkdir(parents=True)
    for sub, want in (("nofd", errno.ENOENT), ("filefd", errno.ENOTDIR), ("emptyfd", "rows")):
        d = os.open(tmp_path / sub, DIR_FLAGS)
        try:
            if want == "rows":
                assert_exact(call(mod, "read_fds", d, False), [])
                assert_exact(call(mod, "read_fds", d, True), [])
            else:
                for follow in (False, True):
                    got = errno_of(lambda f=follow, fd=d: call(mod, "read_fds", fd, f))
                    assert got == want, sub
        finally:
            os.close(d)


def test_tree_not_a_link_agree(tmp_path: Path) -> None:
    """An fd/ entry that is not a symlink (readlinkat EINVAL): the contract
    does not spell the row out; both backends must give the same."""
    top = tmp_path / "p"
    (top / "fd").mkdir(parents=True)
    (top / "fdinfo").mkdir()
    (top / "fd" / "6").write_bytes(b"")
    (top / "fdinfo" / "6").write_bytes(b"pos:\t0\n")
    d = os.open(top, DIR_FLAGS)
    try:
        for follow in (False, True):
            outs = []
            for m in (impl("c"), PURE):
                try:
                    outs.append(("ok", rows(m, d, follow)))
                except OSError as e:
                    outs.append(("OSError", e.errno))
            assert outs[0] == outs[1], (follow, outs)
    finally:
        os.close(d)


def test_tree_read_at(mod: ModuleType, tree: tuple[Path, int]) -> None:
    top, d = tree
    assert_exact(call(mod, "read_at", d, "big"), (top / "big").read_bytes())
    assert_exact(call(mod, "read_at", d, "empty"), b"")
    assert_exact(call(mod, "read_at", d, "fdinfo/9"), FI_EVENTFD)
    assert errno_of(lambda: call(mod, "read_at", d, "fd/0")) == errno.ELOOP  # O_NOFOLLOW
    assert errno_of(lambda: call(mod, "read_at", d, "fdinfo")) == errno.EISDIR
    assert errno_of(lambda: call(mod, "read_at", d, "missing")) == errno.ENOENT


def test_tree_read_at_fifo_does_not_block(mod: ModuleType, tree: tuple[Path, int]) -> None:
    """O_NONBLOCK: a FIFO with no writer opens at once and reads as empty."""
    d = tree[1]
    assert fork_call(lambda: call(mod, "read_at", d, "fifo").hex()) == ""


def test_tree_readlink_and_stat(mod: ModuleType, tree: tuple[Path, int]) -> None:
    top, d = tree
    for name, (target, _) in TREE.items():
        assert_exact(call(mod, "readlink_at", d, f"fd/{name}"), target)
    assert errno_of(lambda: call(mod, "readlink_at", d, "fdinfo/0")) == errno.EINVAL
    assert errno_of(lambda: call(mod, "readlink_at", d, "fd/404")) == errno.ENOENT
    s = os.stat("/etc/passwd")
    assert_exact(call(mod, "stat_at", d, "fd/11"), (s.st_mode, s.st_nlink))
    s = os.stat(top / "fdinfo" / "0")
    assert_exact(call(mod, "stat_at", d, "fd/10"), (s.st_mode, s.st_nlink))
    mode, _ = call(mod, "stat_at", d, "fdinfo")
    assert stat.S_ISDIR(mode)
    assert errno_of(lambda: call(mod, "stat_at", d, "fd/12")) == errno.ELOOP
    assert errno_of(lambda: call(mod, "stat_at", d, "fd/1")) == errno.ENOENT
    assert errno_of(lambda: call(mod, "stat_at", d, "fd/2")) == errno.ENAMETOOLONG


def test_tree_backends_agree(tree: tuple[Path, int]) -> None:
    if NATIVE is None and not REQUIRE_NATIVE:
        pytest.skip("C extension not built")
    for follow in (False, True):
        assert_exact(rows(impl("c"), tree[1], follow), rows(PURE, tree[1], follow))


def test_tree_many_fds(mod: ModuleType, tmp_path: Path) -> None:
    """More rows and more target bytes than any first guess of a buffer
    (300 fds, 3000-byte targets: 900 kB of targets)."""
    top = tmp_path / "p"
    (top / "fd").mkdir(parents=True)
    (top / "fdinfo").mkdir()
    want = []
    for fd in range(300):
        target = b"/" + (b"%d-" % fd) * 1000
        target = target[:3000]
        os.symlink(target, os.fsencode(top / "fd" / str(fd)))
        (top / "fdinfo" / str(fd)).write_bytes(b"pos:\t%d\nflags:\t0%o\n" % (fd, fd))
        want.append((fd, 0, target, ENODATA, 0, 0, 0, fd, fd, None, None))
    d = os.open(top, DIR_FLAGS)
    try:
        assert_exact(rows(mod, d, False), want)
        assert_exact(rows(mod, d, False), want)  # again, with the grown buffers
    finally:
        os.close(d)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_tree_denied_as_nobody(mod: ModuleType, tmp_path: Path) -> None:
    """fd/ readable but not searchable (0o444) by the reader: the names are
    listed, readlinkat and fstatat give EACCES (link_err, stat_err, target
    b""); an fdinfo file it may not read gives info_err EACCES.  The tree is
    opened as root, then read through the held dirfd as nobody."""
    top = tmp_path / "p"
    (top / "fd").mkdir(parents=True)
    (top / "fdinfo").mkdir()
    for fd in ("0", "1"):
        os.symlink("/dev/null", top / "fd" / fd)
        (top / "fdinfo" / fd).write_bytes(b"pos:\t%s\n" % fd.encode())
    os.chmod(top, 0o755)
    os.chmod(top / "fdinfo", 0o755)
    os.chmod(top / "fdinfo" / "0", 0o644)
    os.chmod(top / "fdinfo" / "1", 0o000)
    os.chmod(top / "fd", 0o444)
    d = os.open(top, DIR_FLAGS)

    def body() -> Any:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        return [[[x.hex() if isinstance(x, bytes) else x for x in r] for r in rows(mod, d, f)]
                for f in (False, True)]

    try:
        got = fork_call(body)
    finally:
        os.close(d)
        os.chmod(top / "fd", 0o755)
    acc = errno.EACCES
    assert got == [
        [[0, acc, "", ENODATA, 0, 0, 0, 0, None, None, None],
         [1, acc, "", ENODATA, 0, 0, acc, None, None, None, None]],
        [[0, acc, "", acc, 0, 0, 0, 0, None, None, None],
         [1, acc, "", acc, 0, 0, acc, None, None, None, None]],
    ]


def test_zombie_agree() -> None:
    """A zombie (exited, not reaped): the contract does not say what its fd
    list or its files give; both backends must give the same."""
    child = subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL)
    dirfd = os.open(f"/proc/{child.pid}", DIR_FLAGS)
    try:
        os.kill(child.pid, signal.SIGKILL)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, still unreaped
        with open(f"/proc/{child.pid}/stat", "rb") as f:
            assert f.read().split(b") ")[1][:1] == b"Z"
        for fn, args in (("read_fds", (dirfd, True)), ("read_fds", (dirfd, False)),
                         ("read_at", (dirfd, "status")), ("read_at", (dirfd, "smaps_rollup")),
                         ("readlink_at", (dirfd, "exe")), ("stat_at", (dirfd, "exe"))):
            outs = []
            for m in (impl("c"), PURE):
                try:
                    got = call(m, fn, *args)
                    outs.append(("ok", sorted(got) if fn == "read_fds" else got))
                except OSError as e:
                    outs.append(("OSError", e.errno))
            assert outs[0] == outs[1], (fn, args, outs)
    finally:
        os.close(dirfd)
        child.wait()


def test_fd_dir_symlink_agree(tmp_path: Path) -> None:
    """fd/ is itself a symlink (to a directory of links): not spelled out by
    the contract; both backends must agree."""
    top = tmp_path / "p"
    (tmp_path / "elsewhere").mkdir()
    os.symlink("/dev/null", tmp_path / "elsewhere" / "0")
    top.mkdir()
    (top / "fdinfo").mkdir()
    (top / "fdinfo" / "0").write_bytes(b"pos:\t0\n")
    (top / "fd").symlink_to(tmp_path / "elsewhere")
    d = os.open(top, DIR_FLAGS)
    try:
        for follow in (False, True):
            outs = []
            for m in (impl("c"), PURE):
                try:
                    outs.append(("ok", rows(m, d, follow)))
                except OSError as e:
                    outs.append(("OSError", e.errno))
            assert outs[0] == outs[1], (follow, outs)
    finally:
        os.close(d)
