"""Shared by the ``sysmon`` command tests (test_cli_*.py).

Running the command as a real program (``python -m sysmon.cli``) and checking
its output and errors are terminal-safe; and a /proc tree the test writes
itself, whose every value the tests know.  The ``tree`` fixture (one written
tree per test module) is defined here as ``tree_fixture``: a test module
imports it by that name and asks for ``tree``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Optional

import pytest
from helpers import CLK_TCK, PAGE_SIZE

import sysmon

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


def interrupted(args: Sequence[str], before: Callable[[subprocess.Popen[bytes]], bytes]
                ) -> tuple[bytes, bytes, int]:
    """Run ``sysmon ARGS``; ``before(p)`` reads what it needs from it (that
    comes first in the result), then Ctrl-C (SIGINT) and the rest is read:
    (stdout, stderr, status).  The process never outlives the call."""
    p = subprocess.Popen([*SYSMON, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=cli_env())
    try:
        head = before(p)
        p.send_signal(signal.SIGINT)
        rest, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return head + rest, err, p.returncode


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


# (VmRSS, RssFile, RssShmem) in kB: what rss and shared show, in bytes
Memory = tuple[int, Optional[int], Optional[int]]


def status_text(pid: int, uid: int, mem: Memory | None, vsize: int = 0) -> bytes:
    """A /proc/<pid>/status: ``mem`` is (VmRSS, RssFile, RssShmem) in kB, a
    None in RssFile/RssShmem leaving both lines out (as Linux < 4.5 does);
    ``mem`` None leaves every Vm and Rss line out (a kernel thread, a zombie).
    VmPeak, VmSize and VmHWM, which no field reads, differ from VmRSS."""
    head = (
        f"Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\n"
        f"Pid:\t{pid}\nPPid:\t1\nTracerPid:\t0\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"
        f"Gid:\t{uid}\t{uid}\t{uid}\t{uid}\nFDSize:\t64\n"
    )
    vm = ""
    if mem is not None:
        rss, file, shmem = mem
        size = vsize // 1024 or rss + 8
        vm = (
            f"VmPeak:\t{size + 4:8d} kB\nVmSize:\t{size:8d} kB\nVmLck:\t       0 kB\n"
            f"VmHWM:\t{rss + 4:8d} kB\nVmRSS:\t{rss:8d} kB\n"
        )
        if file is not None and shmem is not None:
            vm += (
                f"RssAnon:\t{rss - file - shmem:8d} kB\nRssFile:\t{file:8d} kB\n"
                f"RssShmem:\t{shmem:8d} kB\n"
            )
        vm += "VmData:\t     356 kB\nVmStk:\t     132 kB\n"
    return (head + vm + "Threads:\t1\n").encode()


# pid: (stat line, uid, cmdline or None = no file, status memory (see
# status_text), statm or None = no file).  rss and shared come from status
# alone: each stat line's field 24 (rss_bytes) is deliberately another value,
# and the statm files, never read, hold garbage or values no field shows.
TREE: dict[int, tuple[bytes, int, bytes | None, Memory | None, bytes | None]] = {
    1: (
        stat_line(1, b"init", ppid=0, utime=100, stime=50, vsize=10 * MIB, rss_bytes=2 * MIB),
        0,
        b"/sbin/init\0splash\0",
        (1024, 800, 24),
        b"garbage\n",
    ),
    # a kernel thread: no memory lines, rss and shared 0
    2: (stat_line(2, b"kthreadd", ppid=0, rss_bytes=MIB), 0, b"", None, b"100 5 5 1 0 40 0\n"),
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
            rss_bytes=GIB,
        ),
        1000,
        b"/usr/bin/evil\0" + EVIL_ARG + b"\0tab\there\0\xff\0",
        (3 * GIB // 2 // 1024, 2048, 1024),
        b"100 1 1 1 0 40 0\n",
    ),
    400: (
        stat_line(
            400,
            b"digits",
            tty=(4 << 8) | 1,
            utime=2 * 86400 * CLK_TCK,
            vsize=MIB // 2,
            rss_bytes=128 * 1024,
        ),
        4321,
        b"digits\0",
        (256, None, None),  # Linux < 4.5: no RssFile, so shared is None
        b"100 1 1 1 0 40 0\n",
    ),
    # no statm file at all: nothing needs one
    500: (
        stat_line(500, b"nostatm", tty=(4 << 8) | 65, vsize=20 * MIB, rss_bytes=MIB),
        5555,
        b"nostatm\0",
        (4096, 100, 0),
        None,
    ),
    600: (
        stat_line(600, b"nocmdline", vsize=MIB, rss_bytes=32 * 1024),
        65534,
        None,
        (64, 40, 8),
        b"",
    ),
    # stat does not parse; status does, and gives rss and shared
    700: (b"700 (broken) garbage\n", 0, b"broken\0", (300, 12, 4), b"100 50 1 1 0 40 0\n"),
}


@pytest.fixture(scope="module", name="tree")
def tree_fixture(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_bytes(PASSWD)
    proc = root / "proc"
    proc.mkdir()
    (proc / "stat").write_bytes(b"cpu  1 2 3 4 5 6 7 8 9 10\nbtime %d\nprocesses 800\n" % BTIME)
    for pid, (stat, uid, cmdline, mem, statm) in TREE.items():
        d = proc / str(pid)
        d.mkdir()
        (d / "stat").write_bytes(stat)
        tokens = stat[stat.rindex(b")") + 2 :].split()
        vsize = int(tokens[20]) if len(tokens) > 20 else 0
        (d / "status").write_bytes(status_text(pid, uid, mem, vsize))
        if statm is not None:
            (d / "statm").write_bytes(statm)
        if cmdline is not None:
            (d / "cmdline").write_bytes(cmdline)
    return root
