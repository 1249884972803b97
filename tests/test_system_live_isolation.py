"""The live system readers where the test changes who and where they run: a CPU
quota in a temporary cgroup, an unprivileged user, private tmpfs mounts in a
child's own mount namespace and an interface in its own network namespace
(each needs root, and is skipped without it).
Every test runs on both backends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Callable

import pytest
import system_live_support as gt
from system_live_child_support import (
    BAR_IFNAME_CHILD,
    EMPTY_SOURCE_CHILD,
    NOBODY_CHILD,
    QUOTA_CHILD,
    TMPFS_CHILD,
    quota_cgroup,
)
from system_live_support import MiB

import sysmon

# --------------------------------------------------------------------------
# a CPU quota in a temporary cgroup


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a cgroup needs root")
@pytest.mark.parametrize(("quota_us", "quota", "ceil"), [(50_000, 0.5, 1), (150_000, 1.5, 2)])
def test_effective_cpus_under_a_cgroup_quota(backend: str, quota_us: int, quota: float,
                                             ceil: int,
                                             record_property: Callable[[str, object], None]
                                             ) -> None:
    """The quota sits on sysmon-test-<pid>; the child joins its sub-cgroup
    "inner", which has no quota of its own: the tightest limit up the tree
    counts.  The child has exited before the cgroups are removed."""
    with contextlib.ExitStack() as stack:
        try:
            cg = stack.enter_context(quota_cgroup(quota_us))
        except OSError as e:
            pytest.skip(f"cannot create a cgroup with a CPU quota here: {e}")
        # subprocess.run returns once the child (and its nproc) has exited
        # and been reaped: the cgroups are empty when the stack removes them
        out = gt.json_out(gt.run_python(QUOTA_CHILD, str(cg.inner), backend))
    rel = "/" + str(cg.inner.relative_to(cg.outer.parent))
    assert rel in out["cgroup"], out["cgroup"]  # precondition: the child was in
    lim = out["limits"]
    assert lim["quota"] == quota
    want = min(lim["online"], lim["cpuset"] or lim["online"], ceil)
    assert lim["effective"] == out["effective"] == want
    if ceil < lim["online"]:
        assert want == ceil
    # nproc counts the affinity mask and ignores quotas (coreutils < 9.8
    # at least): recorded, not asserted.
    record_property("nproc_inside_quota", out["nproc"])
    assert not cg.outer.exists()  # the machine is left as found


# --------------------------------------------------------------------------
# an unprivileged user


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to nobody needs root")
def test_readers_work_as_nobody(backend: str) -> None:
    locked = tempfile.mkdtemp(prefix="sysmon-0700-")
    try:
        os.chmod(locked, 0o700)
        inside = os.path.join(locked, "inside")
        os.mkdir(inside)
        cp = gt.run_python(NOBODY_CHILD, backend, inside)
        out = gt.json_out(cp)
    finally:
        shutil.rmtree(locked)
    assert cp.stderr == ""  # no traceback, no warning
    assert out.pop("uid") == [65534, 65534]
    denied = out.pop("denied")
    failed = {k: v for k, v in out.items() if v[0] != "ok"}
    assert not failed, f"as nobody: {failed}"
    # the same answers as root where they cannot move
    assert out["memory"][1] == sysmon.memory().total
    assert out["meminfo"][1] == sorted(sysmon.meminfo())
    assert out["cpu_times"][1] == sorted(sysmon.cpu_times(percpu=True))
    assert out["cpu_limits"][1] == sysmon.cpu_limits()._asdict()
    assert out["mounts"][1] == [m.mountpoint for m in sysmon.mounts()]
    assert out["disk_io"][1] == sorted(sysmon.disk_io())
    assert out["net_io"][1] == sorted(sysmon.net_io())
    assert out["pressure"][1] == {k: v is not None for k, v in sysmon.pressure().items()}
    assert "/" in out["snapshot"][1]
    # statvfs below a directory nobody may not enter: a clear SysmonError
    # (its name and message come back; nothing escaped as a traceback)
    kind, msg = denied
    assert kind in ("SysmonError", "AccessDenied"), denied
    assert inside in msg and "denied" in msg.lower(), msg


# --------------------------------------------------------------------------
# a fresh filesystem: tmpfs in a child's own mount namespace


def _unshare_works() -> bool:
    cp = gt.run(["unshare", "--mount", "--propagation", "private", "true"])
    return cp.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_disk_usage_of_a_private_tmpfs(backend: str) -> None:
    """Exact figures on a filesystem of known size: nothing else writes to
    it.  The tmpfs is mounted inside `unshare --mount` (never on the real
    root's mount table) and disappears with the child.  Its mount point and
    source hold the characters mountinfo escapes (space, tab, newline,
    backslash: \\040 \\011 \\012 \\134)."""
    if not _unshare_works():
        pytest.skip("unshare --mount is not permitted here")
    parent = tempfile.mkdtemp(prefix="sysmon-tmpfs-")
    d = os.path.join(parent, "a b\tc\nd\\e")
    os.mkdir(d)
    try:
        out = gt.json_out(gt.run_python(
            TMPFS_CHILD, d, backend,
            prefix=("unshare", "--mount", "--propagation", "private"),
        ))
    finally:
        os.rmdir(d)  # empty: the tmpfs and its file went with the namespace
        os.rmdir(parent)
    assert d not in [m["mountpoint"] for m in gt.read_mountinfo()]
    size, page = 8 * MiB, 4096
    fields = sysmon.DiskUsage._fields
    empty = dict(zip(fields, out["empty"]))
    assert empty == {
        "total": size, "used": 0, "free": size, "available": size, "percent": 0.0,
        "inodes_total": 1000, "inodes_used": 1, "inodes_free": 999,  # the root directory
        "inodes_available": 999, "inodes_percent": 0.1,
    }
    one = dict(zip(fields, out["one_mib"]))
    assert one == {
        "total": size, "used": MiB, "free": size - MiB, "available": size - MiB,
        "percent": 12.5, "inodes_total": 1000, "inodes_used": 2, "inodes_free": 998,
        "inodes_available": 998, "inodes_percent": 0.2,
    }
    assert MiB % page == 0
    # df agrees exactly, its Use% rounded up
    assert out["df_empty"] == [str(size), "0", str(size), "0%", "1000", "1", "999", "1%"]
    assert out["df_one_mib"] == [str(size), str(MiB), str(size - MiB), "13%", "1000", "2",
                                 "998", "1%"]
    # and mounts() inside the namespace shows it, names unescaped
    (raw,) = out["raw"]  # precondition: the kernel escaped them
    assert "/a\\040b\\011c\\012d\\134e " in raw, raw
    (m,) = out["mounts"]
    assert m["mountpoint"] == d
    assert (m["fstype"], m["device"], m["readonly"]) == ("tmpfs", "sysmon test", False)
    assert "size=8192k" in m["super_options"] and "nr_inodes=1000" in m["super_options"]
    assert [m["major"], m["minor"]] == out["dev"]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_a_mount_with_an_empty_source_is_listed_like_df(backend: str) -> None:
    """`mount -t tmpfs "" DIR`: the kernel prints its source as an empty field
    ("- tmpfs  rw,..."), and df shows it with an empty Filesystem column.
    sysmon lists it with device "" (mounts(), the sampler's snapshot and
    `sysmon disk --json`) instead of failing on the whole table.  Mounted
    inside `unshare --mount` only: it goes away with the child."""
    if not _unshare_works():
        pytest.skip("unshare --mount is not permitted here")
    d = tempfile.mkdtemp(prefix="sysmon-empty-source-")
    try:
        out = gt.json_out(gt.run_python(
            EMPTY_SOURCE_CHILD, d, backend,
            prefix=("unshare", "--mount", "--propagation", "private"),
        ))
    finally:
        os.rmdir(d)
    assert d not in [m["mountpoint"] for m in gt.read_mountinfo()]
    (raw,) = out["raw"]  # precondition: the kernel printed an empty source field
    assert f" {d} " in raw and " - tmpfs  rw," in raw, raw
    assert out["df_source"] == "" and out["df_rest"] == ["tmpfs", d]
    assert out["mounts"] == [["", "tmpfs"]]
    assert out["sampler"] == out["cli"] == [out["df_source"]]


@pytest.mark.skipif(os.geteuid() != 0, reason="a network namespace needs root")
def test_an_interface_named_with_a_bar_is_listed(backend: str) -> None:
    """The kernel allows "|" in an interface name; /proc/net/dev's header
    lines hold "|" too, but never a ":".  An interface "x|y", made in the
    child's own network namespace (`unshare --net`), is in net_io(), the
    sampler and `sysmon net --json`, with the counters `ip -s link` shows."""
    cp = gt.run_python(BAR_IFNAME_CHILD, backend, prefix=("unshare", "--net"))
    if cp.returncode != 0 and "unshare" in cp.stderr:
        pytest.skip(f"unshare --net is not permitted here: {cp.stderr.strip()}")
    out = gt.json_out(cp)
    if "skip" in out:
        pytest.skip(out["skip"])
    assert out["names"] == ["lo", "x|y"]
    rx_packets, tx_packets = out["ip"][1], out["ip"][3]
    assert rx_packets + tx_packets >= 3, out  # precondition: the frames were counted
    assert out["net_io"] == out["sampler"] == out["cli"] == out["ip"]
