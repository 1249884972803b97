"""C against Python on the same live bytes: every system file of this machine
read once, then parsed by the C and the Python parsers and turned into
records by the public API on both backends; and read_file of both backends
against open().read().
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest
import system_live_support as gt
from system_live_support import retry_stable

import sysmon

# --------------------------------------------------------------------------
# C and Python on the same live bytes


def _native_or_skip() -> object:
    try:
        from sysmon import _native
    except ImportError as e:
        if os.environ.get("SYSMON_REQUIRE_NATIVE") == "1":
            pytest.fail(f"C extension does not import: {e}")
        pytest.skip(f"C extension not built: {e}")
    return _native


def _domain(root: str) -> dict[str, object]:
    snap = sysmon.snapshot(root=root, usage=False)
    return {
        "cpu_times": sysmon.cpu_times(root=root),
        "percpu": sysmon.cpu_times(percpu=True, root=root),
        "cpu_stats": sysmon.cpu_stats(root=root),
        "cpu_limits": sysmon.cpu_limits(root=root),
        "meminfo": sysmon.meminfo(root=root),
        "memory": sysmon.memory(root=root),
        "swap": sysmon.swap(root=root),
        "vmstat": sysmon.vmstat(root=root),
        "vm_events": sysmon.vm_events(root=root),
        "loadavg": sysmon.loadavg(root=root),
        "uptime": sysmon.uptime(root=root),
        "pressure": sysmon.pressure(root=root),
        "mounts": sysmon.mounts(root=root),
        "disk_io": sysmon.disk_io(root=root),
        "net_io": sysmon.net_io(root=root),
        "snapshot": snap._replace(timestamp=0.0),
    }


def test_backends_agree_on_live_bytes(tmp_path: Path) -> None:
    """Every system file of this machine read once, then parsed by the C
    and the Python parsers (raw results, types included) and turned into
    records by the public API on both backends: identical."""
    native = _native_or_skip()
    from sysmon import _pure

    files = {**gt.LIVE_PARSERS, **gt.cgroup_files()}
    files = {k: v for k, v in files.items() if os.path.exists("/" + k)}
    frozen = gt.freeze_tree(Path(tmp_path), list(files))
    bad = []
    for rel, (parser, args) in files.items():
        if not parser:
            continue
        c = getattr(native, parser)(frozen[rel], *args)
        py = getattr(_pure, parser)(frozen[rel], *args)
        if not gt.same(c, py):
            bad.append(f"{parser}({rel}): C {c!r} != Python {py!r}")
    assert not bad, bad

    prev = sysmon.backend()
    try:
        results = {}
        for b in ("c", "python"):
            sysmon.set_backend(b)
            results[b] = _domain(str(tmp_path))
    finally:
        sysmon.set_backend(prev)
    diff = [k for k in results["c"] if not gt.same(results["c"][k], results["python"][k])]
    assert not diff, {k: (results["c"][k], results["python"][k]) for k in diff}
    # the frozen tree carries our cgroup's limits: the same as live
    assert results["c"]["cpu_limits"] == sysmon.cpu_limits()


def test_backends_read_live_files_alike() -> None:
    """read_file of both backends returns the bytes open().read() does."""
    native = _native_or_skip()
    from sysmon import _pure

    def both(path: str) -> tuple[bytes, bytes]:
        return native.read_file(path), _pure.read_file(path)  # type: ignore[attr-defined]

    for path in ("/sys/devices/system/cpu/online", "/proc/self/mountinfo", "/proc/version"):
        truth, (c, py) = retry_stable(partial(gt.read_bytes, path), partial(both, path),
                                      what=path)
        assert c == py == truth, path
