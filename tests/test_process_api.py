"""API behaviour on small /proc trees the test writes and then changes:
CPU rates, identity, user-name reloads, errors, root selection."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Optional

import pytest

import sysmon

HZ = os.sysconf("SC_CLK_TCK")
BTIME = 1700000000

# status memory lines, kB: (VmRSS, RssFile, RssShmem); None in the last two
# leaves both out (Linux < 4.5), None for the whole, every Vm/Rss line (a
# kernel thread, a zombie).  The default: rss 44 KiB, shared 12 + 4 KiB.
Memory = Optional[tuple[int, Optional[int], Optional[int]]]
MEM: Memory = (44, 12, 4)
RSS, SHARED = 44 * 1024, 16 * 1024


def write_status(root: Path, pid: int, *, name: str = "worker", uid: int = 1000,
                 mem: Memory = MEM) -> None:
    vm = ""
    if mem is not None:
        rss, file, shmem = mem
        # VmHWM (peak resident) precedes VmRSS and differs: no field reads it
        vm = f"VmSize:\t  120564 kB\nVmHWM:\t{rss + 100:8d} kB\nVmRSS:\t{rss:8d} kB\n"
        if file is not None and shmem is not None:
            vm += f"RssAnon:\t{rss - file - shmem:8d} kB\nRssFile:\t{file:8d} kB\n"
            vm += f"RssShmem:\t{shmem:8d} kB\n"
        vm += "VmData:\t     900 kB\n"
    (root / "proc" / str(pid) / "status").write_bytes(
        f"Name:\t{name}\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\n"
        f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t100\t100\t100\t100\n{vm}"
        "Threads:\t1\n".encode()
    )


def write_proc(root: Path, pid: int, *, name: str = "worker", uid: int = 1000,
               utime: int = 0, stime: int = 0, start: int = 500, rss: int = 7,
               mem: Memory = MEM) -> None:
    """A process; ``rss`` is stat field 24 (pages), which no field reads now:
    rss and shared come from the status memory lines ``mem``.  No statm."""
    d = root / "proc" / str(pid)
    d.mkdir(parents=True, exist_ok=True)
    fields = [1, pid, pid, 0, -1, 4194304, 11, 0, 12, 0, utime, stime, 0, 0, 20, 0, 1, 0,
              start, 123456789, rss] + [0] * 14 + [1] + [0] * 13
    (d / "stat").write_bytes(
        f"{pid} ({name}) S ".encode() + " ".join(map(str, fields)).encode() + b"\n"
    )
    write_status(root, pid, name=name, uid=uid, mem=mem)
    (d / "cmdline").write_bytes(name.encode() + b"\0--flag\0")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "stat").write_bytes(
        b"cpu  1 2 3 4 5 6 7 8 9 10\nbtime " + str(BTIME).encode() + b"\nprocesses 9\n"
    )
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"
        "alias:x:1000:1000::/home/alias:/bin/sh\n"
    )
    return tmp_path


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sampler_rates_by_identity(root: Path, backend: str) -> None:
    write_proc(root, 10, utime=100, stime=50)
    write_proc(root, 11, utime=10, start=600)
    clock = FakeClock()
    sampler = sysmon.ProcessSampler(root=root, clock=clock)

    first = {s.info.pid: s.cpu_percent for s in sampler.sample()}
    assert first == {10: None, 11: None}  # no rate yet: None, never 0.0

    clock.now += 2.0
    write_proc(root, 10, utime=100 + HZ, stime=50 + HZ // 2)  # 1.5 s of CPU in 2 s
    write_proc(root, 11, utime=0, start=900)                 # pid 11 reused by a newcomer
    write_proc(root, 12)                                     # a new process
    second = {s.info.pid: s.cpu_percent for s in sampler.sample()}
    assert second[10] == pytest.approx(75.0)
    assert second[11] is None
    assert second[12] is None

    # A clock that does not move gives no rate, not a division by zero.
    third = {s.info.pid: s.cpu_percent for s in sampler.sample()}
    assert third[10] is None

    clock.now += 1.0
    shutil.rmtree(root / "proc" / "12")
    fourth = {s.info.pid: s.cpu_percent for s in sampler.sample()}
    assert set(fourth) == {10, 11}
    assert fourth[10] == 0.0 and fourth[11] == 0.0  # idle for a real interval: a true 0


def test_usernames_reload_when_passwd_changes(root: Path, backend: str) -> None:
    write_proc(root, 10, uid=1000)
    write_proc(root, 11, uid=4242)
    names = {p.pid: p.username for p in sysmon.processes(root=root)}
    assert names == {10: "alice", 11: "4242"}  # first entry wins; unknown uid: the number
    passwd = root / "etc" / "passwd"
    passwd.write_text(passwd.read_text() + "bob:x:4242:4242::/home/bob:/bin/sh\n")
    names = {p.pid: p.username for p in sysmon.processes(root=root)}
    assert names == {10: "alice", 11: "bob"}


def test_values_and_units(root: Path, backend: str) -> None:
    write_proc(root, 10, utime=3 * HZ, stime=HZ, start=25 * HZ, rss=9, mem=(1234, 200, 34))
    (p,) = sysmon.processes(root=root)
    assert p.cpu_user == 3.0 and p.cpu_system == 1.0
    assert p.create_time == BTIME + 25.0
    # rss: status VmRSS (not stat field 24, 9 pages); shared: RssFile + RssShmem
    assert p.rss == 1234 * 1024 and p.vms == 123456789 and p.shared == 234 * 1024
    assert p.cmdline == ["worker", "--flag"]
    assert p.tpgid == -1 and p.cpu_num == 1 and p.username == "alice"


def test_fields_subset_and_unknown(root: Path, backend: str) -> None:
    write_proc(root, 10)
    (p,) = sysmon.processes(fields=["name", "rss"], root=root)
    assert (p.pid, p.name, p.rss) == (10, "worker", RSS)
    assert p.vms is None  # stat was read for name, but vms was not asked for
    assert p.uid is None and p.shared is None  # status was read for rss: the same
    assert p.cmdline is None
    with pytest.raises(ValueError, match="unknown field 'bogus'"):
        sysmon.processes(fields=["bogus"], root=root)


def test_root_from_environment(root: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write_proc(root, 77, name="from-env")
    monkeypatch.setenv("SYSMON_ROOT", str(root))
    assert [(p.pid, p.name) for p in sysmon.processes()] == [(77, "from-env")]


def test_missing_root_raises(tmp_path: Path, backend: str) -> None:
    with pytest.raises(sysmon.SysmonError, match="cannot read"):
        sysmon.processes(root=tmp_path / "nowhere")


def test_handle_on_tree(root: Path, backend: str) -> None:
    write_proc(root, 10, utime=HZ)
    with sysmon.Process(10, root=root) as p:
        assert p.name() == "worker" and p.cpu_user() == 1.0 and p.username() == "alice"
        assert p.info() == sysmon.processes(root=root)[0]
        assert p.is_running()
        shutil.rmtree(root / "proc" / "10")
        write_proc(root, 10, name="newcomer", start=999)  # same pid, another process
        with pytest.raises(sysmon.NoSuchProcess) as exc:
            p.name()
        assert exc.value.pid == 10
        assert not p.is_running()
    assert sysmon.Process(10, root=root).name() == "newcomer"
    with pytest.raises(ValueError, match="closed"):
        p.name()


def test_handle_argument_errors(root: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        sysmon.Process(0, root=root)
    with pytest.raises(ValueError, match="positive"):
        sysmon.Process(-1, root=root)
    with pytest.raises(TypeError):
        sysmon.Process("1", root=root)  # type: ignore[arg-type]
    with pytest.raises(sysmon.NoSuchProcess):
        sysmon.Process(99999, root=root)


def test_handle_parse_error(root: Path, backend: str) -> None:
    write_proc(root, 10)
    p = sysmon.Process(10, root=root)
    assert (p.rss(), p.shared(), p.uid()) == (RSS, SHARED, 1000)
    status = root / "proc" / "10" / "status"
    text = status.read_bytes()
    assert text.count(b"VmRSS:\t      44 kB\n") == 1
    status.write_bytes(text.replace(b"VmRSS:\t      44 kB", b"VmRSS:\tlots kB"))
    # a malformed memory line makes the whole of status malformed
    for call in (p.shared, p.rss, p.uid, p.username):
        with pytest.raises(sysmon.ParseError) as exc:
            call()
        assert exc.value.path.endswith("/10/status")
    assert p.vms() == 123456789 and p.name() == "worker"  # other files still read
    # In a whole-table scan the same malformed file only blanks its fields.
    (row,) = sysmon.processes(root=root)
    assert (row.uid, row.username, row.rss, row.shared) == (None, None, None, None)
    assert row.vms == 123456789 and row.name == "worker" and row.cmdline == ["worker", "--flag"]


@pytest.mark.parametrize("statm", [None, b"garbage\n", b"", b"300 99 77 1 0 50 0\n"])
def test_statm_is_never_read(root: Path, backend: str, statm: bytes | None) -> None:
    """rss and shared come from status: a statm file, missing, malformed or
    saying other numbers, changes nothing."""
    write_proc(root, 10, rss=99)
    if statm is not None:
        (root / "proc" / "10" / "statm").write_bytes(statm)
    (row,) = sysmon.processes(root=root)
    assert (row.rss, row.shared, row.uid, row.vms) == (RSS, SHARED, 1000, 123456789)
    (only,) = sysmon.processes(fields=["rss", "shared"], root=root)
    assert (only.rss, only.shared) == (RSS, SHARED)
    with sysmon.Process(10, root=root) as p:
        assert (p.rss(), p.shared()) == (RSS, SHARED)
        assert p.info() == row


def test_status_without_rss_file_lines(root: Path, backend: str) -> None:
    """Linux < 4.5: VmRSS but no RssFile/RssShmem: shared is unknown (None),
    not 0, and rss still comes from VmRSS."""
    write_proc(root, 10, rss=3, mem=(5000, None, None))
    (row,) = sysmon.processes(root=root)
    assert (row.rss, row.shared, row.uid) == (5000 * 1024, None, 1000)
    (only,) = sysmon.processes(fields=["shared"], root=root)
    assert only.shared is None and only.rss is None
    with sysmon.Process(10, root=root) as p:
        assert p.shared() is None
        assert p.rss() == 5000 * 1024


def test_status_without_memory_lines(root: Path, backend: str) -> None:
    """A kernel thread (or a zombie) has no Vm/Rss lines: rss and shared are
    0, a known value, not None; the ids still come from the same status."""
    write_proc(root, 2, name="kthreadd", uid=0, rss=5, mem=None)
    write_proc(root, 10)
    by_pid = {p.pid: p for p in sysmon.processes(root=root)}
    assert (by_pid[2].rss, by_pid[2].shared, by_pid[2].username) == (0, 0, "root")
    assert (by_pid[10].rss, by_pid[10].shared) == (RSS, SHARED)
    with sysmon.Process(2, root=root) as p:
        assert (p.rss(), p.shared()) == (0, 0)


@pytest.mark.parametrize(
    "err",
    [
        sysmon.NoSuchProcess(42, "/proc/42"),
        sysmon.ZombieProcess(43, "/proc/43"),
        sysmon.AccessDenied(44, "/proc/44/status"),
        sysmon.ParseError("/proc/45/stat", "no (comm)"),
    ],
)
def test_errors_pickle_and_read_well(err: sysmon.SysmonError) -> None:
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err) and str(back) == str(err)
    assert back.__dict__ == err.__dict__
    assert isinstance(back, sysmon.SysmonError)
    text = str(err)
    assert any(s in text for s in ("42", "43", "44", "/proc/45/stat"))
    assert "Traceback" not in text


def test_error_hierarchy() -> None:
    assert issubclass(sysmon.ZombieProcess, sysmon.NoSuchProcess)
    assert issubclass(sysmon.NoSuchProcess, sysmon.SysmonError)
    assert issubclass(sysmon.AccessDenied, sysmon.SysmonError)
    assert "zombie" in str(sysmon.ZombieProcess(5))
    assert "access denied" in str(sysmon.AccessDenied(5, "/proc/5/status"))


# ---------------------------------------------------------------- unchanged processes


def _by_pid(samples: list[sysmon.ProcessSample]) -> dict[int, sysmon.ProcessSample]:
    return {s.info.pid: s for s in samples}


def test_sampler_reuses_unchanged_records_and_sees_every_change(root: Path,
                                                                backend: str) -> None:
    """A process whose files did not change keeps its record (and, at rate
    0.0, its sample) object; any change in any file read gives a new record
    equal to what processes() reads."""
    for pid in (10, 11, 12, 13, 14):
        write_proc(root, pid, utime=100)
    clock = FakeClock()
    sampler = sysmon.ProcessSampler(root=root, clock=clock)
    first = _by_pid(sampler.sample())
    clock.now += 1.0
    second = _by_pid(sampler.sample())
    assert all(second[p].info is first[p].info for p in second)
    assert all(second[p].cpu_percent == 0.0 for p in second)
    clock.now += 1.0
    third = _by_pid(sampler.sample())
    assert all(third[p] is second[p] for p in third)  # the very same sample

    write_proc(root, 10, utime=100 + HZ)            # stat: CPU time
    write_proc(root, 11, utime=100, name="renamed")  # stat, status and cmdline
    write_status(root, 12, mem=(96, 12, 4))          # status memory lines only
    (root / "proc" / "13" / "cmdline").write_bytes(b"other\0")  # cmdline only
    (root / "proc" / "14" / "statm").write_bytes(b"300 9 3 1 0 50 0\n")  # a file never read
    clock.now += 2.0
    fourth = _by_pid(sampler.sample())
    fresh = {p.pid: p for p in sysmon.processes(root=root)}
    for pid in (10, 11, 12, 13):
        assert fourth[pid].info is not third[pid].info
        assert fourth[pid].info == fresh[pid]
    assert fourth[10].cpu_percent == pytest.approx(50.0)
    assert fourth[11].info.name == "renamed" and fourth[11].info.cmdline == ["renamed", "--flag"]
    assert (fourth[12].info.rss, fourth[12].info.shared) == (96 * 1024, SHARED)
    assert fourth[13].info.cmdline == ["other"]
    assert [fourth[p].cpu_percent for p in (11, 12, 13)] == [0.0, 0.0, 0.0]
    assert fourth[14] is third[14] and fourth[14].info == fresh[14]  # statm: not read


def test_sampler_memo_follows_passwd_fields_and_clock(root: Path, backend: str) -> None:
    write_proc(root, 10, uid=4242)
    clock = FakeClock()
    sampler = sysmon.ProcessSampler(fields=("pid", "username"), root=root, clock=clock)
    assert sampler.sample()[0].info.username == "4242"
    passwd = root / "etc" / "passwd"
    passwd.write_text(passwd.read_text() + "bob:x:4242:4242::/home/bob:/bin/sh\n")
    clock.now += 1.0
    (s,) = sampler.sample()
    assert s.info.username == "bob" and s.cpu_percent == 0.0  # same files, new name
    # other fields from the next sample on: the rates go on
    sampler.set_fields(("pid", "rss", "cmdline"))
    assert sampler.fields == {"pid", "rss", "cmdline", "cpu_time", "start_ticks"}
    clock.now += 1.0
    (s,) = sampler.sample()
    assert (s.info.username, s.info.rss, s.info.cmdline) == (None, RSS, ["worker", "--flag"])
    assert s.cpu_percent == 0.0
    # a clock that does not move: no rate, even for an unchanged process
    (again,) = sampler.sample()
    assert again.info is s.info and again.cpu_percent is None
    clock.now += 1.0
    assert sampler.sample()[0].cpu_percent == 0.0


def test_sampler_memo_pid_reuse_with_identical_files(root: Path, backend: str) -> None:
    """A newcomer with the same pid and other start time is a new process
    (no rate), even when its other files read the same."""
    write_proc(root, 10, start=500)
    clock = FakeClock()
    sampler = sysmon.ProcessSampler(root=root, clock=clock)
    sampler.sample()
    clock.now += 1.0
    assert sampler.sample()[0].cpu_percent == 0.0
    write_proc(root, 10, start=700)
    clock.now += 1.0
    (s,) = sampler.sample()
    assert s.info.start_ticks == 700 and s.cpu_percent is None


def test_sampler_memo_survives_an_earlier_command_line_change(root: Path, backend: str) -> None:
    """With command lines read, a process that exits or whose command line
    changes length does not make the processes after it convert again."""
    for pid in range(10, 30):
        write_proc(root, pid)
    clock = FakeClock()
    sampler = sysmon.ProcessSampler(root=root, clock=clock)
    first = _by_pid(sampler.sample())
    shutil.rmtree(root / "proc" / "10")                                   # exits
    (root / "proc" / "11" / "cmdline").write_bytes(b"a-much-longer-command\0x\0")  # grows
    clock.now += 1.0
    second = _by_pid(sampler.sample())
    assert 10 not in second and second[11].info.cmdline == ["a-much-longer-command", "x"]
    assert all(second[p].info is first[p].info for p in range(12, 30))
    assert [second[p].info for p in range(12, 30)] == [
        p for p in sysmon.processes(root=root) if p.pid >= 12]


def test_sampler_memo_without_passwd(root: Path, backend: str) -> None:
    """No passwd under the root: user names are the numbers, and unchanged
    processes still keep their records."""
    (root / "etc" / "passwd").unlink()
    write_proc(root, 10, uid=1000)
    clock = FakeClock()
    sampler = sysmon.ProcessSampler(root=root, clock=clock)
    (a,) = sampler.sample()
    clock.now += 1.0
    (b,) = sampler.sample()
    assert a.info.username == "1000" and b.info is a.info and b.cpu_percent == 0.0
