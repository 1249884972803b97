"""Hostile or unusual trees found in review: never a traceback, never a
made-up value.  Each test builds its tree in tmp_path from the container/
fixture, changes one thing, and runs both backends."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from system_fixture_support import root

import sysmon

SYSMON = [sys.executable, "-m", "sysmon.cli"]


def _tree(tmp_path: Path, base: str = "container") -> Path:
    r = tmp_path / "root"
    shutil.copytree(root(base), r)
    return r


def test_nul_in_a_mount_point_is_a_sysmon_error(backend: str, tmp_path: Path) -> None:
    """mountinfo may decode "\\000" to a NUL byte; reaching os.statvfs or
    open() with it must be a SysmonError, not ValueError."""
    r = _tree(tmp_path)
    mi = r / "proc/self/mountinfo"
    mi.write_bytes(mi.read_bytes() + b"99 21 0:99 / /mnt\\000x rw - ext4 /dev/sdz rw\n")
    mnt = [m for m in sysmon.mounts(root=str(r)) if m.device == "/dev/sdz"]
    assert [m.mountpoint for m in mnt] == ["/mnt\0x"]
    with pytest.raises(sysmon.SysmonError, match="NUL"):
        sysmon.disk_usage(mnt[0].mountpoint)
    p = subprocess.run([*SYSMON, "disk", "--root", str(r), "--backend", backend],
                       capture_output=True, text=True, check=False)
    assert "Traceback" not in p.stderr
    assert p.returncode in (0, 1)


def test_nul_in_own_cgroup_path(backend: str, tmp_path: Path) -> None:
    r = _tree(tmp_path)
    (r / "proc/self/cgroup").write_bytes(b"0::/a\0b\n")
    lim = sysmon.cpu_limits(root=str(r))
    assert lim.online >= 1


def test_cpu_directories_with_non_ascii_digits_are_not_cpus(backend: str,
                                                             tmp_path: Path) -> None:
    r = _tree(tmp_path, "big")
    before = sysmon.cpu_freq(root=str(r))
    for name in ("cpu\u00b2", "cpu\u0661"):
        d = r / "sys/devices/system/cpu" / name / "cpufreq"
        d.mkdir(parents=True)
        (d / "scaling_cur_freq").write_bytes(b"999\n")
    assert sysmon.cpu_freq(root=str(r)) == before


def test_unreadable_frequency_is_unknown(backend: str, tmp_path: Path) -> None:
    """A cpufreq file that cannot be read (here a directory: EISDIR) is an
    unknown frequency, as an unreadable temperature is; cpu0 falls back to
    cpuinfo_cur_freq, and `sysmon cpu` still runs."""
    r = _tree(tmp_path, "big")
    for cpu in ("cpu0", "cpu40"):
        f = r / "sys/devices/system/cpu" / cpu / "cpufreq/scaling_cur_freq"
        f.unlink()
        f.mkdir()
    freq = sysmon.cpu_freq(root=str(r))
    assert freq[0] == sysmon.CpuFreq(2399000000.0, 800000000.0, 4700000000.0)
    assert freq[40] == sysmon.CpuFreq(None, 1200000000.0, 1200000000.0)
    p = subprocess.run([*SYSMON, "cpu", "--root", str(r), "--backend", backend],
                       capture_output=True, text=True, check=False)
    assert (p.returncode, p.stderr) == (0, "")


def test_sample_without_diskstats_netdev_or_mountinfo(backend: str, tmp_path: Path) -> None:
    """A tree (or kernel) without these files still samples CPU and memory:
    the missing tables are empty, not a failed sample."""
    r = _tree(tmp_path)
    for rel in ("proc/diskstats", "proc/net/dev", "proc/self/mountinfo"):
        (r / rel).unlink()
    s = sysmon.SystemSampler(root=str(r), usage=False).sample()
    assert s.snapshot.disk_io == {} and s.snapshot.net_io == {} and s.snapshot.mounts == []
    assert s.snapshot.memory.total > 0
    p = subprocess.run([*SYSMON, "cpu", "--root", str(r), "--interval", "0.01",
                        "--backend", backend], capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stderr


def test_btime_beyond_any_calendar(backend: str, tmp_path: Path) -> None:
    r = _tree(tmp_path)
    stat = r / "proc/stat"
    lines = [ln for ln in stat.read_bytes().split(b"\n") if not ln.startswith(b"btime")]
    stat.write_bytes(b"\n".join([*lines[:-1], b"btime 18446744073709551615", b""]))
    assert sysmon.cpu_stats(root=str(r)).boot_time == 2**64 - 1
    p = subprocess.run([*SYSMON, "cpu", "--root", str(r), "--interval", "0.01",
                        "--backend", backend], capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stderr
    assert "booted" not in p.stdout


def test_another_root_reads_the_mounts_of_its_pid_1(backend: str, tmp_path: Path) -> None:
    """Under a root other than "/", proc/self is the reader, not the host:
    the host's mounts are those of its pid 1, when it has a mountinfo."""
    r = _tree(tmp_path)
    (r / "proc/1").mkdir()
    (r / "proc/1/mountinfo").write_bytes(b"1 0 8:1 / / rw - ext4 /dev/host rw\n")
    assert [m.device for m in sysmon.mounts(root=str(r))] == ["/dev/host"]
    snap = sysmon.snapshot(root=str(r), usage=False)
    assert [m.device for m in snap.mounts] == ["/dev/host"]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
def test_disk_shows_a_bind_mounted_filesystem_once_like_df(backend: str,
                                                            tmp_path: Path) -> None:
    """In a private mount namespace: a tmpfs, a bind mount of it and a bind
    of a subdirectory.  df lists the tmpfs once (at its own mount point);
    sysmon disk too, and --all lists all three, like df -a."""
    for d in ("B1", "B22"):
        (tmp_path / d).mkdir()
    script = (
        "set -e; mount -t tmpfs sysmontest B1; mkdir B1/sub; mount --bind B1 B22;"
        "mkdir -p B1/m; mount --bind B1/sub B1/m;"
        'df --output=target | grep "$PWD" || true; echo ===;'
        f'{sys.executable} -m sysmon.cli disk --backend {backend} | grep "$PWD" || true;'
        "echo ===;"
        f'{sys.executable} -m sysmon.cli disk --all --backend {backend} | grep -c "$PWD"'
    )
    p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                       cwd=tmp_path, capture_output=True, text=True, check=False)
    if p.returncode != 0 and "unshare" in p.stderr:
        pytest.skip(f"unshare --mount not permitted: {p.stderr.strip()}")
    assert p.returncode == 0, p.stderr
    df_part, ours, n_all = p.stdout.split("===\n")
    df_points = [ln.strip() for ln in df_part.splitlines()]
    our_points = [ln.split()[-1] for ln in ours.splitlines()]
    assert df_points == [str(tmp_path / "B1")]
    assert our_points == df_points
    assert int(n_all) == 3


def test_mount_table_changes_are_seen(backend: str, tmp_path: Path) -> None:
    """Mount records are reused while mountinfo's bytes are unchanged (it
    rarely changes): a new mount must show at once, and a caller changing
    its list must not change the next one."""
    r = _tree(tmp_path)
    first = sysmon.mounts(root=str(r))
    first.clear()
    again = sysmon.mounts(root=str(r))
    assert again and again == sysmon.mounts(root=str(r))
    mi = r / "proc/self/mountinfo"
    mi.write_bytes(mi.read_bytes() + b"98 21 0:98 / /new rw - tmpfs none rw\n")
    assert [m.mountpoint for m in sysmon.mounts(root=str(r))][-1] == "/new"
    assert len(sysmon.snapshot(root=str(r), usage=False).mounts) == len(again) + 1


def test_sample_does_not_statvfs_autofs_mounts() -> None:
    """statvfs on an autofs mount point would trigger the automount: the
    sample leaves autofs mounts out of its usage table (df does too)."""
    from sysmon.system import _usage

    def mount(point: str, fstype: str) -> sysmon.Mount:
        return sysmon.Mount("x", point, fstype, ("rw",), False, "/", ("rw",), "", 1, 0, 0, 1)

    got = _usage([mount("/", "autofs"), mount("/dev", "devtmpfs")])
    assert list(got) == ["/dev"]
    want = sysmon.disk_usage("/dev")
    assert (got["/dev"].total, got["/dev"].inodes_total) == (want.total, want.inodes_total)
