"""Edges of the error model, both backends: pid directories we may not enter,
running out of fds mid-scan, planted FIFOs, unreadable roots, impossible pids."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import sysmon

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_support import child_env

RSS = 20 * 1024  # status VmRSS: 20 kB (stat field 24 says 4096 pages)


def write_proc(proc: Path, pid: int, name: str = "worker") -> None:
    d = proc / str(pid)
    d.mkdir(parents=True)
    rest = " ".join(["1", str(pid), str(pid), "0", "-1"] + ["0"] * 14 + ["77", "4096", "3"]
                    + ["0"] * 14 + ["1"])
    (d / "stat").write_text(f"{pid} ({name}) S {rest}\n")
    (d / "status").write_text(
        f"Name:\t{name}\nTgid:\t{pid}\nPid:\t{pid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
        "VmRSS:\t      20 kB\nRssAnon:\t       8 kB\nRssFile:\t      12 kB\n"
        "RssShmem:\t       0 kB\n"
    )
    (d / "cmdline").write_bytes(name.encode() + b"\0")


@pytest.fixture
def root() -> Iterator[Path]:
    # Not under pytest's tmp_path: that is mode 0700, and some tests read the
    # tree as `nobody`.
    with tempfile.TemporaryDirectory(prefix="sysmon-edges-") as d:
        r = Path(d)
        r.chmod(0o755)
        (r / "proc").mkdir()
        (r / "proc" / "stat").write_text("btime 1700000000\n")
        (r / "etc").mkdir()
        (r / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
        for pid in (10, 11):
            write_proc(r / "proc", pid)
        yield r


def run_child(code: str, *args: str, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    # The child imports sysmon as root, then drops to nobody (65534) before
    # scanning: the installed package need not be readable by nobody.
    argv = [sys.executable, "-c", code, *args, "nobody" if as_nobody else "root"]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=60, env=child_env(), cwd="/"
    )


SCAN_AS_TUPLES = """
import os, sys, sysmon
sysmon.set_backend(sys.argv[1])
if sys.argv[3] == "nobody":
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
try:
    rows = sysmon.processes(root=sys.argv[2])
except sysmon.SysmonError as e:
    print("SysmonError:", e)
else:
    for p in rows:
        print(p.pid, p.name, p.uid, p.rss, p.cmdline)
"""


def test_pid_directory_denied_keeps_the_row(root: Path, backend: str) -> None:
    (root / "proc" / "11").chmod(0o000)
    try:
        out = run_child(SCAN_AS_TUPLES, backend, str(root), as_nobody=True)
    finally:
        (root / "proc" / "11").chmod(0o755)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        f"10 worker 0 {RSS} ['worker']",
        "11 None None None None",  # kept, every field unavailable
    ]


EMFILE = """
import os, resource, sys, sysmon
sysmon.set_backend(sys.argv[1])
sysmon.processes(root=sys.argv[2])  # warm: the C scanner and imports are ready
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError:
    pass
os.close(fds.pop())  # exactly one free: the proc directory opens, a pid directory does not
try:
    rows = sysmon.processes(root=sys.argv[2])
except sysmon.SysmonError as e:
    print("SysmonError:", e)
else:
    print("rows:", len(rows))
"""


def test_out_of_fds_is_an_error_not_a_short_table(root: Path, backend: str) -> None:
    out = run_child(EMFILE, backend, str(root))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        f"SysmonError: cannot read {root}/proc: {os.strerror(24)}"
    )


def test_planted_fifo_does_not_hang(root: Path, backend: str) -> None:
    """A FIFO where a /proc file should be (a fixture, or a hostile /host tree)."""
    cmd = root / "proc" / "11" / "cmdline"
    cmd.unlink()
    os.mkfifo(cmd)
    code = SCAN_AS_TUPLES
    out = run_child(code, backend, str(root))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1] == f"11 worker 0 {RSS} []"  # reads as empty


def test_unreadable_root_same_error_in_both(tmp_path: Path, backend: str) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(sysmon.SysmonError) as exc:
        sysmon.Process(1, root=missing)
    assert type(exc.value) is sysmon.SysmonError  # not NoSuchProcess: the root is the problem
    assert str(exc.value) == f"cannot read {missing}/proc: {os.strerror(2)}"


@pytest.mark.parametrize("pid", [2**31, 2**40])
def test_impossible_pid(root: Path, backend: str, pid: int) -> None:
    (root / "proc" / str(pid)).mkdir()  # a directory no scan lists
    with pytest.raises(sysmon.NoSuchProcess) as exc:
        sysmon.Process(pid, root=root)
    assert exc.value.pid == pid
