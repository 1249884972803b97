"""Ground truth for the live system-metrics tests (test_system_live*.py).

Everything here is independent of sysmon: small readers of /proc and /sys
written for the tests, the output of the independent tools ``free``, ``df``,
``nproc`` and ``ip`` parsed by the tests, and the live files frozen for the
C-vs-Python comparison.  The load the tests make and then look for, the
temporary cgroup and the code run in child pythons are in
system_live_child_support.py.  Nothing here asserts on sysmon.

Counters move between two readings, so most comparisons are *sandwiches*: the
test reads the kernel's counter, calls sysmon, reads the counter again, and a
monotonic counter must lie between the two readings (no tolerance needed).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple, TypeVar

import sysmon

CLK_TCK = os.sysconf("SC_CLK_TCK")
MiB = 1 << 20
T = TypeVar("T")


# --------------------------------------------------------------------------
# child processes


def child_env() -> dict[str, str]:
    """Environment for a child python: this checkout's sysmon, no forced
    backend, and no OpenMP variables (``nproc`` honours OMP_NUM_THREADS)."""
    env = dict(os.environ)
    pkg_parent = str(Path(sysmon.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONSAFEPATH"] = "1"
    for k in ("SYSMON_BACKEND", "SYSMON_ROOT", "OMP_NUM_THREADS", "OMP_THREAD_LIMIT"):
        env.pop(k, None)
    return env


def run(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env=child_env(), cwd="/")


def run_python(code: str, *args: str, prefix: tuple[str, ...] = (),
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run([*prefix, sys.executable, "-c", code, *args], timeout=timeout)


def json_out(cp: subprocess.CompletedProcess[str]) -> Any:
    """The JSON a child printed on its last line; fails with its stderr."""
    assert cp.returncode == 0, f"child failed (rc={cp.returncode}):\n{cp.stderr}"
    lines = cp.stdout.strip().splitlines()
    assert lines, f"child printed nothing; stderr:\n{cp.stderr}"
    return json.loads(lines[-1])


# --------------------------------------------------------------------------
# reading kernel files ourselves


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def cpulist(text: str) -> set[int]:
    """A sysfs CPU list ("0-3,8,10-11") as a set."""
    out: set[int] = set()
    for item in text.strip().split(","):
        if not item:
            continue
        lo, _, hi = item.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def sys_cpus(which: str) -> set[int]:
    """/sys/devices/system/cpu/{online,possible,offline,present}."""
    with open(f"/sys/devices/system/cpu/{which}") as f:
        return cpulist(f.read())


class ProcStat(NamedTuple):
    cpus: dict[int, tuple[int, ...]]  # -1: the aggregate "cpu" line
    stats: dict[str, int]  # ctxt, btime, processes, procs_running, procs_blocked, intr, softirq


def read_proc_stat() -> ProcStat:
    cpus: dict[int, tuple[int, ...]] = {}
    stats: dict[str, int] = {}
    for line in read_bytes("/proc/stat").decode().splitlines():
        parts = line.split()
        if not parts:
            continue
        key = parts[0]
        if key == "cpu":
            cpus[-1] = tuple(int(x) for x in parts[1:11])
        elif key.startswith("cpu") and key[3:].isdigit():
            cpus[int(key[3:])] = tuple(int(x) for x in parts[1:11])
        elif len(parts) >= 2:
            stats.setdefault(key, int(parts[1]))
    return ProcStat(cpus, stats)


def read_meminfo() -> list[tuple[str, int, bool]]:
    return parse_meminfo(read_bytes("/proc/meminfo"))


def parse_meminfo(raw: bytes) -> list[tuple[str, int, bool]]:
    """/proc/meminfo as (key, number, has_kB_unit) in file order."""
    out = []
    for line in raw.decode().splitlines():
        key, _, rest = line.partition(":")
        toks = rest.split()
        out.append((key, int(toks[0]), toks[1:] == ["kB"]))
    return out


def read_loadavg() -> tuple[tuple[str, str, str], int, int, int]:
    """/proc/loadavg: the three averages as text, running, total, last pid."""
    a, b, c, rt, last = read_bytes("/proc/loadavg").decode().split()
    running, total = rt.split("/")
    return (a, b, c), int(running), int(total), int(last)


def read_uptime() -> tuple[float, float]:
    up, idle = read_bytes("/proc/uptime").decode().split()
    return float(up), float(idle)


def read_pressure(res: str) -> dict[str, dict[str, str]]:
    """/proc/pressure/<res>: {"some": {"avg10": "0.00", ..., "total": "123"}, ...}."""
    out: dict[str, dict[str, str]] = {}
    for line in read_bytes(f"/proc/pressure/{res}").decode().splitlines():
        key, *kvs = line.split()
        out[key] = dict(kv.split("=", 1) for kv in kvs)
    return out


def _unescape(s: bytes) -> str:
    """mountinfo's octal escapes (\\040 for a space, ...), bytes -> str."""
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i:i + 1] == b"\\" and len(s[i + 1:i + 4]) == 3 and all(
            c in b"01234567" for c in s[i + 1:i + 4]
        ) and int(s[i + 1:i + 4], 8) <= 255:
            out.append(int(s[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def read_mountinfo() -> list[dict[str, Any]]:
    """/proc/self/mountinfo, one dict per line with sysmon's Mount field names."""
    out = []
    for line in read_bytes("/proc/self/mountinfo").split(b"\n"):
        if not line:
            continue
        toks = line.split(b" ")
        sep = toks.index(b"-", 6)
        major, minor = toks[2].split(b":")
        opts = tuple(_unescape(toks[5]).split(","))
        sup = tuple(_unescape(toks[sep + 3]).split(","))
        out.append({
            "mount_id": int(toks[0]), "parent_id": int(toks[1]),
            "major": int(major), "minor": int(minor),
            "root": _unescape(toks[3]), "mountpoint": _unescape(toks[4]),
            "options": opts, "optional": " ".join(_unescape(t) for t in toks[6:sep]),
            "fstype": _unescape(toks[sep + 1]), "device": _unescape(toks[sep + 2]),
            "super_options": sup, "readonly": "ro" in opts or "ro" in sup,
        })
    return out


def read_diskstats() -> dict[str, tuple[int, int, tuple[int, ...]]]:
    """/proc/diskstats: name -> (major, minor, the counters after the name)."""
    out: dict[str, tuple[int, int, tuple[int, ...]]] = {}
    for line in read_bytes("/proc/diskstats").decode().splitlines():
        t = line.split()
        out.setdefault(t[2], (int(t[0]), int(t[1]), tuple(int(x) for x in t[3:])))
    return out


def read_netdev() -> dict[str, tuple[int, ...]]:
    """/proc/net/dev: interface -> its 16 counters."""
    out: dict[str, tuple[int, ...]] = {}
    for line in read_bytes("/proc/net/dev").decode().splitlines()[2:]:
        name, _, rest = line.rpartition(":")
        out.setdefault(name.strip(), tuple(int(x) for x in rest.split()))
    return out


def own_cgroup(controller: str) -> str | None:
    """Our cgroup path for a v1 controller ("" for the v2 line)."""
    for line in read_bytes("/proc/self/cgroup").decode().splitlines():
        _, ctls, path = line.split(":", 2)
        if controller in ctls.split(",") or (controller == "" and ctls == ""):
            return path
    return None


def v1_mount_of(controller: str) -> str | None:
    for m in read_mountinfo():
        if m["fstype"] == "cgroup" and controller in m["super_options"]:
            return str(m["mountpoint"])
    return None


def own_cpu_quota() -> float | None:
    """The tightest CPU quota on our cgroup and its ancestors, in CPUs,
    read by the test (v1 cfs files, v2 cpu.max at /sys/fs/cgroup)."""
    quotas: list[float] = []
    v2 = own_cgroup("")
    if v2 is not None and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        d = Path("/sys/fs/cgroup", v2.lstrip("/"))
        for p in [d, *d.parents]:
            with contextlib.suppress(OSError):
                q, period = (p / "cpu.max").read_text().split()
                if q != "max":
                    quotas.append(int(q) / int(period))
            if p == Path("/sys/fs/cgroup"):
                break
    mnt, cg = v1_mount_of("cpu"), own_cgroup("cpu")
    if mnt is not None and cg is not None:
        d = Path(mnt, cg.lstrip("/"))
        for p in [d, *d.parents]:
            with contextlib.suppress(OSError):
                us = int((p / "cpu.cfs_quota_us").read_text())
                period_us = int((p / "cpu.cfs_period_us").read_text())
                if us > 0:
                    quotas.append(us / period_us)
            if p == Path(mnt):
                break
    return min(quotas) if quotas else None


def block_device_of(path: str | os.PathLike[str]) -> str | None:
    """The /proc/diskstats name of the block device holding ``path``
    (st_dev's major:minor), or None when it is not a block device listed
    there (tmpfs, overlayfs, btrfs subvolumes...)."""
    st = os.stat(path)
    want = (os.major(st.st_dev), os.minor(st.st_dev))
    for name, (ma, mi, _) in read_diskstats().items():
        if (ma, mi) == want:
            return name
    return None


# --------------------------------------------------------------------------
# independent tools


def free_b() -> dict[str, dict[str, int]]:
    """``free -b -w``: {"Mem": {"total": .., "used": .., "free": .., "shared": ..,
    "buffers": .., "cache": .., "available": ..}, "Swap": {...}}."""
    cp = run(["free", "-b", "-w"])
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()
    header = lines[0].split()
    out = {}
    for line in lines[1:]:
        name, *vals = line.split()
        out[name.rstrip(":")] = dict(zip(header, (int(v) for v in vals)))
    return out


def free_version() -> tuple[int, ...]:
    """procps-ng version of ``free`` ("free from procps-ng 4.0.2")."""
    cp = run(["free", "--version"])
    assert cp.returncode == 0, cp.stderr
    return tuple(int(x) for x in cp.stdout.split()[-1].split(".") if x.isdigit())


DF_COLS = ("size", "used", "avail", "pcent", "itotal", "iused", "iavail", "ipcent")


def df_b(paths: list[str]) -> dict[str, dict[str, int | None]]:
    """``df -B1 --output=...,target`` for each path: mount point -> columns
    (a "-" percentage is None).  The target comes last so spaces survive."""
    cp = run(["df", "-B1", "-a", f"--output={','.join(DF_COLS)},target", "--", *paths])
    assert cp.returncode == 0, cp.stderr
    out: dict[str, dict[str, int | None]] = {}
    for line in cp.stdout.splitlines()[1:]:
        toks = line.split(maxsplit=len(DF_COLS))
        row: dict[str, int | None] = {}
        for col, tok in zip(DF_COLS, toks):
            num = tok.rstrip("%")
            row[col] = None if num == "-" else int(num)
        out.setdefault(toks[-1], row)
    return out


def nproc(*args: str) -> int:
    cp = run(["nproc", *args])
    assert cp.returncode == 0, cp.stderr
    return int(cp.stdout)


def ip_link_stats() -> dict[str, dict[str, int]]:
    """``ip -s -j link``: interface -> rx/tx bytes and packets (netlink,
    an independent path to the same kernel counters)."""
    cp = run(["ip", "-s", "-j", "link", "show"])
    assert cp.returncode == 0, cp.stderr
    out = {}
    for link in json.loads(cp.stdout):
        s = link["stats64"]
        out[link["ifname"]] = {
            "rx_bytes": s["rx"]["bytes"], "rx_packets": s["rx"]["packets"],
            "tx_bytes": s["tx"]["bytes"], "tx_packets": s["tx"]["packets"],
        }
    return out


# --------------------------------------------------------------------------
# comparing


def retry_stable(read: Callable[[], Any], call: Callable[[], T], tries: int = 50,
                 what: str = "ground truth") -> tuple[Any, T]:
    """Read ground truth, call, read it again; retry until the ground truth
    did not change across the call.  Returns (ground truth, call result)."""
    for _ in range(tries):
        before = read()
        got = call()
        if read() == before:
            return before, got
        time.sleep(0.02)
    raise AssertionError(f"{what} kept changing over {tries} tries; cannot compare")


def within(lo: float, got: float, hi: float, slack: float = 0.0) -> bool:
    return lo - slack <= got <= hi + slack


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types, recursively (True is not 1, a tuple
    is not a list, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


# --------------------------------------------------------------------------
# live bytes for the C-vs-Python comparison

# path under the root -> the parser of sysmon._rawsys and its extra argument
LIVE_PARSERS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "proc/stat": ("parse_cpustat", ()),
    "proc/meminfo": ("parse_kv", (True,)),
    "proc/vmstat": ("parse_kv", (False,)),
    "proc/loadavg": ("parse_loadavg", ()),
    "proc/uptime": ("parse_uptime", ()),
    "proc/pressure/cpu": ("parse_pressure", ()),
    "proc/pressure/memory": ("parse_pressure", ()),
    "proc/pressure/io": ("parse_pressure", ()),
    "proc/self/mountinfo": ("parse_mountinfo", ()),
    "proc/diskstats": ("parse_diskstats", ()),
    "proc/net/dev": ("parse_netdev", ()),
    "sys/devices/system/cpu/online": ("parse_cpulist", ()),
    "sys/devices/system/cpu/possible": ("parse_cpulist", ()),
}


def cgroup_files() -> dict[str, tuple[str, tuple[Any, ...]]]:
    """Our cgroup's CPU limit files (v1 quota/period, cpuset lists; v2
    cpu.max), as paths under the root, with their parsers."""
    out: dict[str, tuple[str, tuple[Any, ...]]] = {"proc/self/cgroup": ("", ())}
    for ctl, names in (("cpu", {"cpu.cfs_quota_us": "parse_int",
                                "cpu.cfs_period_us": "parse_int"}),
                       ("cpuset", {"cpuset.effective_cpus": "parse_cpulist"})):
        mnt, cg = v1_mount_of(ctl), own_cgroup(ctl)
        if mnt is None or cg is None:
            continue
        for name, parser in names.items():
            p = os.path.join(mnt, cg.lstrip("/"), name)
            if os.path.exists(p):
                out[p.lstrip("/")] = (parser, ())
    v2 = own_cgroup("")
    if v2 is not None and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        for name, parser in (("cpu.max", "parse_cpumax"),
                             ("cpuset.cpus.effective", "parse_cpulist")):
            p = os.path.join("/sys/fs/cgroup", v2.lstrip("/"), name)
            if os.path.exists(p):
                out[p.lstrip("/")] = (parser, ())
    return out


def freeze_tree(dst: Path, rels: list[str]) -> dict[str, bytes]:
    """Copy the live files ``rels`` (paths under /) into ``dst``, once:
    both backends then read the very same bytes.  Returns them."""
    out = {}
    for rel in rels:
        data = read_bytes("/" + rel)
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        out[rel] = data
    return out
