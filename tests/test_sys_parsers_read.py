"""read_file, the system-file reader of both backends: exact bytes, reads to
EOF, symlinks, FIFOs, and errors exactly as os.open raises them.

Every expected value is written by hand from the contract in
sysmon/_rawsys.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import stat
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import (
    assert_exact,
    impl,
    mod_fixture,  # noqa: F401 - the `mod` fixture
)


# -------------------------------------------------------------- read_file
def test_read_file_exact_bytes(mod: ModuleType, tmp_path: Path) -> None:
    data = bytes(range(256)) * 3 + b"\0\n\r\n no final newline"
    p = tmp_path / "f"
    p.write_bytes(data)
    got = mod.read_file(str(p))
    assert type(got) is bytes
    assert got == data


def test_read_file_large(mod: ModuleType, tmp_path: Path) -> None:
    data = random.Random(1234).randbytes((1 << 20) + 12345)  # more than 1 MiB, odd size
    p = tmp_path / "big"
    p.write_bytes(data)
    got = mod.read_file(str(p))
    assert len(got) == len(data)
    assert got == data


def test_read_file_relative_path(mod: ModuleType, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rel").write_bytes(b"relative\n")
    monkeypatch.chdir(tmp_path)
    assert mod.read_file("rel") == b"relative\n"


def test_read_file_empty(mod: ModuleType, tmp_path: Path) -> None:
    p = tmp_path / "empty"
    p.write_bytes(b"")
    assert_exact(mod.read_file(str(p)), b"")


def test_read_file_proc_files_read_to_eof(mod: ModuleType) -> None:
    """/proc files report size 0: the read must go to EOF, not stop at st_size."""
    for path in ("/proc/version", "/proc/self/cmdline"):
        with open(path, "rb") as f:
            want = f.read()
        assert want  # the test would prove nothing on an empty file
        assert mod.read_file(path) == want, path


def test_read_file_symlink_last_component(mod: ModuleType, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"secret\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(OSError) as ei:
        mod.read_file(str(link))
    assert ei.value.errno == errno.ELOOP
    assert ei.value.filename == str(link)


def test_read_file_symlink_in_directory_part_is_followed(mod: ModuleType,
                                                          tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_bytes(b"via a linked directory\n")
    (tmp_path / "dirlink").symlink_to(tmp_path / "real")
    assert mod.read_file(str(tmp_path / "dirlink" / "f")) == b"via a linked directory\n"


def test_read_file_missing(mod: ModuleType, tmp_path: Path) -> None:
    path = str(tmp_path / "missing")
    with pytest.raises(FileNotFoundError) as ei:
        mod.read_file(path)
    assert ei.value.errno == errno.ENOENT
    assert ei.value.filename == path


def test_read_file_not_a_directory(mod: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    path = str(tmp_path / "f" / "child")
    with pytest.raises(NotADirectoryError) as ei:
        mod.read_file(path)
    assert ei.value.errno == errno.ENOTDIR
    assert ei.value.filename == path


def test_read_file_directory(mod: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(OSError) as ei:
        mod.read_file(str(tmp_path))
    assert ei.value.errno == errno.EISDIR
    assert ei.value.filename == str(tmp_path)


def _read_as_nobody(mod: ModuleType, path: str) -> tuple[Any, ...]:
    """read_file(path) in a forked child that dropped to nobody (root reads a
    mode-000 file); returns what it raised as (type name, errno, filename)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report through the pipe, never return into pytest
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                mod.read_file(path)
                msg = "ok"
            except OSError as e:
                msg = f"{type(e).__name__} {e.errno} {e.filename}"
            os.write(w, msg.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, out)
    name, err, filename = out.split(" ", 2)
    return name, int(err), filename


def test_read_file_permission_denied(mod: ModuleType, tmp_path: Path) -> None:
    p = tmp_path / "locked"
    p.write_bytes(b"x")
    p.chmod(0)
    if os.geteuid() == 0:
        # nobody is refused at the file's mode, or earlier at a private parent
        # directory: EACCES either way
        assert _read_as_nobody(mod, str(p)) == ("PermissionError", errno.EACCES, str(p))
        return
    with pytest.raises(PermissionError) as ei:
        mod.read_file(str(p))
    assert ei.value.errno == errno.EACCES
    assert ei.value.filename == str(p)


def test_read_file_fifo_reads_empty(mod: ModuleType, tmp_path: Path) -> None:
    """O_NONBLOCK: a FIFO without a writer opens at once and reads as EOF."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(mod.read_file(str(fifo)))
        except BaseException as e:  # reported below, in the test's thread
            result.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():  # unblock the reader so the thread can end, then fail
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        t.join(5)
        pytest.fail("read_file blocked on a FIFO without a writer")
    assert len(result) == 1
    assert_exact(result[0], b"")


OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK


def _awkward_paths(tmp_path: Path) -> list[str]:
    (tmp_path / "f").write_bytes(b"abc\n")
    (tmp_path / "link").symlink_to(tmp_path / "f")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "d").mkdir()
    names = ["f", "link", "dangling", "fifo", "d", "missing", "f/child", "d/../f", "x" * 300]
    return [str(tmp_path / n) for n in names] + ["", "/proc/self/fd/0"]


def test_read_file_errors_as_os_open(mod: ModuleType, tmp_path: Path) -> None:
    """Where os.open with the contract's flags fails, read_file raises the very
    same error: type, errno and filename."""
    checked = 0
    for path in _awkward_paths(tmp_path):
        try:
            os.close(os.open(path, OPEN_FLAGS))
            continue
        except OSError as e:
            want = (type(e), e.errno, e.filename)
        with pytest.raises(OSError) as ei:
            mod.read_file(path)
        assert (type(ei.value), ei.value.errno, ei.value.filename) == want, path
        checked += 1
    assert checked >= 6


def test_read_file_closes_its_fd(mod: ModuleType, tmp_path: Path) -> None:
    """No descriptor left open, on success or on any error path."""
    paths = _awkward_paths(tmp_path)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        for path in paths:
            with contextlib.suppress(OSError):
                mod.read_file(path)
    assert len(os.listdir("/proc/self/fd")) == before


def _error_shape(mod: ModuleType, path: str) -> tuple[Any, ...]:
    try:
        return ("ok", mod.read_file(path))
    except OSError as e:
        return (type(e).__name__, e.errno, e.filename)


def test_read_file_implementations_identical(tmp_path: Path) -> None:
    for path in _awkward_paths(tmp_path):
        assert _error_shape(impl("c"), path) == _error_shape(impl("python"), path), path
