"""Reliability of the socket readers: churn (sockets and their holders
appearing and vanishing during dumps and fd walks) and leaks (thousands of
calls, including the error paths, leave fds and RSS flat).  Both backends."""

from __future__ import annotations

import errno
import gc
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import helpers  # noqa: E402

import sysmon  # noqa: E402
from sysmon import _backend  # noqa: E402
from sysmon.sockets import STATES  # noqa: E402

MiB = 1 << 20
asan = pytest.mark.skipif(os.environ.get("SYSMON_ASAN") == "1",
                          reason="ASan inflates RSS; the ASan pass checks memory errors")


class SocketChurn:
    """Background thread: open a loopback TCP connection and a unix
    socketpair, hand them to a short-lived child now and then, close them;
    as fast as it can, so dumps and fd walks race with it."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.rounds = 0
        self.errors: list[BaseException] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                c = socket.create_connection(self.listener.getsockname())
                a, _ = self.listener.accept()
                x, y = socket.socketpair()
                if self.rounds % 8 == 0:  # holders that exit at once
                    # spawned, not os.fork(): a fork while the scanning thread
                    # holds a malloc (or ASan) lock leaves the child hung in
                    # it, and this thread waiting for it (seen under ASan)
                    subprocess.run(["true"], pass_fds=(c.fileno(), x.fileno()), check=True)
                for s in (c, a, x, y):
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    s.close()
                self.rounds += 1
        except BaseException as e:  # reported by the test
            self.errors.append(e)

    def __enter__(self) -> SocketChurn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        self.listener.close()


@pytest.mark.parametrize("source", ["netlink", "proc"])
def test_churn(backend: str, source: str) -> None:
    with SocketChurn() as churn:
        calls = 0
        # At least 2 s, and enough calls and churn rounds to mean something
        # even on a loaded machine (or under ASan), within 60 s.
        start = time.monotonic()
        while not churn.errors and time.monotonic() - start < 60 and (
                time.monotonic() - start < 2.0 or calls <= 10 or churn.rounds <= 10):
            for c in sysmon.connections("all", source=source):
                assert c.status in STATES
                assert c.pid is None or (c.pid > 0 and c.fd is not None and c.fd >= 0)
                # inode 0: TIME_WAIT, a connection not yet accepted, an orphan:
                # no socket file, so no holder
                assert c.inode > 0 or c.pid is None
            calls += 1
    assert not churn.errors, churn.errors
    assert churn.rounds > 10 and calls > 10, (churn.rounds, calls)


def _calls(n: int) -> None:
    for _ in range(n):
        sysmon.connections("all")
        sysmon.connections("tcp", pids=False, source="proc")
        sysmon.listening("all")


@asan
def test_calls_leak_nothing(backend: str) -> None:
    me = os.getpid()
    n = 500 if backend == "c" else 200
    _calls(100)  # warm-up: buffers reach their steady size
    gc.collect()
    fds0 = helpers.open_fd_count()
    rss0 = helpers.self_rss_bytes()
    _calls(n)
    for _ in range(n):
        with sysmon.Process(me) as p:
            p.connections("all")
    gc.collect()
    assert helpers.open_fd_count() == fds0
    grew = (helpers.self_rss_bytes() - rss0) / MiB
    assert grew < 5, f"RSS grew {grew:.1f} MiB"


@asan
def test_error_paths_leak_nothing(backend: str) -> None:
    """Kernel errors (an unknown protocol: ENOENT in NLMSG_DONE), malformed
    replies and vanished pids release every fd they opened."""
    be = _backend.current()
    junk = b"\x14\x00\x00\x00\x14\x00\x02\x00" + b"\x00" * 12  # a socket message too short
    gone = helpers.free_pid()
    gc.collect()
    fds0 = helpers.open_fd_count()
    for _ in range(300):
        with pytest.raises(OSError) as e:
            be.diag_dump(2, 99, 0xFFFFFFFF, False)
        assert e.value.errno == errno.ENOENT
        with pytest.raises(sysmon.ParseError):
            be.parse_diag(junk, 6)
        with pytest.raises(sysmon.NoSuchProcess):
            sysmon.connections("all", pid=gone)
    gc.collect()
    assert helpers.open_fd_count() == fds0
