"""The tables of expected values for test_system_fixtures.py: one Scenario per
hand-made tree of tests/fixtures/system/.

Every expected value below is written from the fixture files (see
tests/fixtures/make_system.py, which spells each file out, and the README
next to it), never from sysmon's output.  The only arithmetic done for the
tables is the API's documented unit rules (system_fixture_support: ticks /
SC_CLK_TCK, kB * 1024, sectors * 512, ms / 1000, microseconds / 1e6, pages *
page size, kHz * 1000, millidegrees / 1000).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from system_fixture_support import KB, PAGE, SCENARIOS, U64, dio, psi, times

import sysmon
from sysmon import (
    CpuFreq,
    CpuLimits,
    CpuStats,
    LoadAvg,
    Memory,
    Mount,
    NetIO,
    Pressure,
    Swap,
    Temperature,
    Uptime,
    VmEvents,
)

U32 = 2**32 - 1
NONE_PRESSURE: dict[str, Pressure | None] = {"cpu": None, "memory": None, "io": None}


def mnt(mid: int, parent: int, major: int, minor: int, mroot: str, point: str, opts: str,
        optional: str, fstype: str, source: str, sup: str, *, ro: bool) -> Mount:
    """A Mount from a mountinfo line's fields, in the line's order (decoded
    by hand in the table); options are the comma-separated lists."""
    return Mount(source, point, fstype, tuple(opts.split(",")), ro, mroot,
                 tuple(sup.split(",")), optional, mid, parent, major, minor)


def net(*v: int) -> NetIO:
    return NetIO(*v)


def pct(part: int, whole: int) -> float:
    return part * 100.0 / whole


@dataclass(frozen=True)
class Scenario:
    cpu_times: sysmon.CpuTimes
    percpu: dict[int, sysmon.CpuTimes]
    cpu_stats: CpuStats
    limits: CpuLimits
    freq: dict[int, CpuFreq]
    temps: list[Temperature]
    memory: Memory
    swap: Swap  # as the snapshot reports it (vmstat optional)
    meminfo: dict[str, int]
    vmstat: dict[str, int] | None  # None: the tree has no proc/vmstat
    vm_events: VmEvents
    loadavg: LoadAvg
    uptime: Uptime
    pressure: dict[str, Pressure | None]
    mounts: list[Mount]
    disk_io: dict[str, sysmon.DiskIO]
    net_io: dict[str, NetIO]


# ============================================================== big/
def big_cpu(n: int) -> sysmon.CpuTimes:
    """cpuN of big/proc/stat, by the pattern make_system.py documents."""
    return times(10000 + 37 * n, 3 * n, 4000 + 11 * n, 900000 + 101 * n, 200 + n,
                 0 if n % 2 else 50, 30 + 2 * n, 7 if n >= 40 else 0, 100 + n, n % 3)


# big/proc/meminfo in file order: (key, number, unit is kB)
BIG_MEMINFO_ROWS: list[tuple[str, int, bool]] = [
    ("MemTotal", 32594020, True), ("MemFree", 1203456, True),
    ("MemAvailable", 20480000, True), ("Buffers", 512000, True), ("Cached", 16000000, True),
    ("SwapCached", 1024, True), ("Active", 9000000, True), ("Inactive", 14000000, True),
    ("Active(anon)", 3000000, True), ("Inactive(anon)", 4000000, True),
    ("Active(file)", 6000000, True), ("Inactive(file)", 10000000, True),
    ("Unevictable", 18872, True), ("Mlocked", 17916, True), ("SwapTotal", 8388604, True),
    ("SwapFree", 8000000, True), ("Zswap", 0, True), ("Zswapped", 0, True),
    ("Dirty", 23848, True), ("Writeback", 0, True), ("AnonPages", 6900000, True),
    ("Mapped", 839780, True), ("Shmem", 700000, True), ("KReclaimable", 900000, True),
    ("Slab", 1400000, True), ("SReclaimable", 900000, True), ("SUnreclaim", 500000, True),
    ("KernelStack", 21652, True), ("PageTables", 82744, True), ("SecPageTables", 0, True),
    ("NFS_Unstable", 0, True), ("Bounce", 0, True), ("WritebackTmp", 0, True),
    ("CommitLimit", 24685612, True), ("Committed_AS", 18187528, True),
    ("VmallocTotal", 34359738367, True), ("VmallocUsed", 14412, True),
    ("VmallocChunk", 0, True), ("Percpu", 45568, True), ("HardwareCorrupted", 0, True),
    ("AnonHugePages", 409600, True), ("ShmemHugePages", 0, True),
    ("ShmemPmdMapped", 0, True), ("FileHugePages", 0, True), ("FilePmdMapped", 0, True),
    ("Unaccepted", 0, True), ("HugePages_Total", 16, False), ("HugePages_Free", 8, False),
    ("HugePages_Rsvd", 2, False), ("HugePages_Surp", 0, False), ("Hugepagesize", 2048, True),
    ("Hugetlb", 32768, True), ("DirectMap4k", 428672, True), ("DirectMap2M", 12068480, True),
    ("DirectMap1G", 22020096, True), ("FutureCounter", 4096, True), ("Key", 123, False),
]

BIG_MOUNTS = [
    mnt(21, 1, 259, 2, "/", "/", "rw,relatime", "shared:1", "ext4", "/dev/nvme0n1p2",
        "rw,errors=remount-ro", ro=False),
    mnt(22, 21, 0, 21, "/", "/proc", "rw,nosuid,nodev,noexec,relatime", "shared:12", "proc",
        "proc", "rw", ro=False),
    mnt(23, 21, 0, 22, "/", "/sys", "rw,nosuid,nodev,noexec,relatime", "shared:2", "sysfs",
        "sysfs", "rw", ro=False),
    mnt(24, 23, 0, 26, "/", "/sys/fs/cgroup", "ro,nosuid,nodev,noexec", "shared:3", "tmpfs",
        "tmpfs", "ro,mode=755", ro=True),
    mnt(25, 24, 0, 27, "/", "/sys/fs/cgroup/unified", "rw,nosuid,nodev,noexec,relatime",
        "shared:4", "cgroup2", "cgroup2", "rw,nsdelegate", ro=False),
    mnt(26, 24, 0, 29, "/", "/sys/fs/cgroup/cpuset", "rw,nosuid,nodev,noexec,relatime",
        "shared:6", "cgroup", "cgroup", "rw,cpuset", ro=False),
    mnt(27, 24, 0, 30, "/", "/sys/fs/cgroup/cpu,cpuacct", "rw,nosuid,nodev,noexec,relatime",
        "shared:7", "cgroup", "cgroup", "rw,cpu,cpuacct", ro=False),
    mnt(28, 21, 259, 1, "/", "/boot/efi", "rw,relatime", "shared:30", "vfat", "/dev/nvme0n1p1",
        "rw,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,"
        "errors=remount-ro", ro=False),
    mnt(29, 21, 259, 3, "/", "/home/alice/My Documents", "rw,relatime", "shared:31", "ext4",
        "/dev/nvme0n1p3", "rw", ro=False),
    mnt(30, 21, 259, 3, "/srv/data", "/data", "rw,relatime", "shared:31", "ext4",
        "/dev/nvme0n1p3", "rw", ro=False),
    mnt(31, 21, 8, 1, "/", "/media/usb\nstick", "ro,nosuid,nodev,relatime", "shared:40",
        "vfat", "/dev/sda1", "ro,fmask=0022", ro=True),
    mnt(32, 21, 0, 40, "/", "/mnt/tab\tdir", "rw,relatime", "master:5", "tmpfs", "my tmp",
        "rw,size=1024k", ro=False),
    mnt(33, 21, 0, 41, "/", "/mnt/back\\slash", "rw,relatime", "shared:41 master:6", "nfs4",
        "server:/export\\x", "rw,vers=4.2", ro=False),
    mnt(34, 21, 0, 42, "/", "/mnt/\x1b[31mred", "rw,relatime", "unbindable", "tmpfs", "tmpfs",
        "rw", ro=False),
    mnt(35, 21, 0, 43, "/", "/mnt/raw\x1b[0mesc", "rw,relatime", "master:7 propagate_from:1",
        "tmpfs", "tmpfs", "rw", ro=False),
    mnt(36, 21, 0, 44, "/", "/mnt/caf\u00e9\udcff", "rw,nosuid,nodev,relatime", "",
        "fuse.sshfs", "user@host:/home", "rw,user_id=0,group_id=0", ro=False),
    mnt(37, 21, 0, 45, "/", "/mnt/literal\\9\\400", "rw,relatime", "", "tmpfs", "tmpfs", "rw",
        ro=False),
    mnt(38, 21, 7, 0, "/", "/snap/core/17200", "rw,nodev,relatime", "shared:50", "squashfs",
        "/dev/loop0", "ro", ro=True),
]

_BIG_MEM_TOTAL, _BIG_MEM_AVAIL = 32594020 * KB, 20480000 * KB
BIG = Scenario(
    cpu_times=times(432462, 2532, 169851, 36174256, 8878, 1000, 2900, 56, 4844, 40),
    percpu={n: big_cpu(n) for n in [*range(32), *range(40, 48)]},
    cpu_stats=CpuStats(ctx_switches=123456789012, interrupts=987654321,
                       soft_interrupts=55555555, forks=424242, procs_running=7,
                       procs_blocked=2, boot_time=1700000000),
    # online 0-31,40-47; possible 0-63; cpuset workload 0-3; quota
    # min(150000/100000, 400000/100000); effective min(40, 4, ceil(1.5))
    limits=CpuLimits(online=40, possible=64, cpuset=4, quota=1.5, effective=2),
    freq={
        0: CpuFreq(2400000 * 1000.0, 800000 * 1000.0, 4700000 * 1000.0),
        1: CpuFreq(1800000 * 1000.0, 800000 * 1000.0, 4700000 * 1000.0),
        2: CpuFreq(None, 400000 * 1000.0, 3900000 * 1000.0),
        10: CpuFreq(3100000 * 1000.0, None, None),
        40: CpuFreq(1200000 * 1000.0, 1200000 * 1000.0, 1200000 * 1000.0),
    },
    temps=[
        Temperature("coretemp", "Package id 0", 45.0, 80.0, 100.0),
        Temperature("coretemp", "Core 8", 47.5, 80.0, 100.0),
        Temperature("nvme", "Composite", 38.85, 84.85, None),
        Temperature("hwmon2", "temp1", -5.0, None, None),
    ],
    memory=Memory(
        total=_BIG_MEM_TOTAL, available=_BIG_MEM_AVAIL, used=_BIG_MEM_TOTAL - _BIG_MEM_AVAIL,
        free=1203456 * KB, buffers=512000 * KB, cached=(16000000 + 900000) * KB,
        shared=700000 * KB, active=9000000 * KB, inactive=14000000 * KB, slab=1400000 * KB,
        percent=pct(32594020 - 20480000, 32594020),
    ),
    swap=Swap(total=8388604 * KB, used=(8388604 - 8000000) * KB, free=8000000 * KB,
              percent=pct(8388604 - 8000000, 8388604), sin=1200 * PAGE, sout=3400 * PAGE),
    meminfo={k: v * KB if kb else v for k, v, kb in BIG_MEMINFO_ROWS},
    vmstat={
        "nr_free_pages": 300864, "nr_zone_inactive_anon": 1000000, "nr_dirty": 5962,
        "pgpgin": 98765432, "pgpgout": 45678901, "pswpin": 1200, "pswpout": 3400,
        "pgalloc_normal": U64, "pgfault": 18446744073709551000, "pgmajfault": 14192,
        "pgsteal_kswapd": 0, "oom_kill": 3, "nr_unaccepted": 0,
    },
    vm_events=VmEvents(page_faults=18446744073709551000, major_faults=14192,
                       swap_in=1200 * PAGE, swap_out=3400 * PAGE, page_in=98765432 * KB,
                       page_out=45678901 * KB, oom_kills=3),
    loadavg=LoadAvg(12.34, 8.0, 0.05, 17, 2048, 4194303),
    uptime=Uptime(354321.98, 11213141.5),
    pressure={
        "cpu": Pressure(psi(1.23, 0.87, 0.45, 123456789), psi(0.0, 0.0, 0.0, 0)),
        "memory": Pressure(psi(0.5, 0.25, 0.1, 98765432), psi(0.4, 0.2, 0.05, 87654321)),
        "io": Pressure(psi(12.5, 9.99, 100.0, U64), psi(10.0, 8.01, 99.99, U64 - 1)),
    },
    mounts=BIG_MOUNTS,
    disk_io={
        "nvme0n1": dio(259, 0, 574739, 60292, 19573338, 1061003, 30603, 796649, 9924928,
                       63162, 0, 149920, 1207142, 636892, 1, 7484040, 82954, 312, 22),
        "nvme0n1p1": dio(259, 1, 120, 0, 4352, 15, 2, 0, 8, 1, 0, 20, 16, 0, 0, 0, 0, 0, 0),
        "nvme0n1p2": dio(259, 2, 574500, 60292, 19568000, 1060900, 30601, 796649, 9924920,
                         63161, 0, 149900, 1207100, 636892, 1, 7484040, 82954),
        "sda": dio(8, 0, 9123, 45, 812345, 7000, 3456, 78, 456789, 12000, 2, 15000, 19000),
        "sda1": dio(8, 1, 9000, 45, 811000, 6990, 3450, 78, 456700, 11990, 0, 14990, 18980),
        "dm-0": dio(253, 0, U64, 0, U64, U32, U64 - 1, 0, U64 - 1, U32, 0, U32, U32,
                    0, 0, 0, 0, U64, U32),
        "loop0": dio(7, 0, *[0] * 17),
        "md0": dio(9, 0, *range(11, 28)),  # the line has 11..28: the 18th counter is dropped
    },
    net_io={
        "lo": net(123456789, 654321, 0, 0, 0, 0, 0, 0, 123456789, 654321, 0, 0, 0, 0, 0, 0),
        "eth0": net(U64, U64, U32, U32, 0, 0, 0, 1000, U64, U64 - 1, 0, 0, 0, 0, 0, 0),
        "br-1f2e3d4c5b6a": net(12345, 67, 0, 0, 0, 0, 0, 0, 23456, 78, 0, 0, 0, 0, 0, 0),
        "veth1a2b3c4d5e6": net(987654321012, 4321, 1, 2, 3, 4, 5, 6,
                               210987654321, 8765, 7, 8, 9, 10, 11, 12),
    },
)

# ============================================================== old/
OLD = Scenario(
    cpu_times=times(1000, 20, 300, 40000, 50, 6, 7),
    percpu={0: times(600, 10, 200, 20000, 30, 6, 7), 1: times(400, 10, 100, 20000)},
    cpu_stats=CpuStats(ctx_switches=100000, interrupts=5000, soft_interrupts=None, forks=3000,
                       procs_running=1, procs_blocked=0, boot_time=1200000000),
    # no sys/devices: online = the cpuN lines; quota min(50000/100000, max)
    limits=CpuLimits(online=2, possible=None, cpuset=None, quota=0.5, effective=1),
    freq={},
    temps=[],
    memory=Memory(
        total=2048000 * KB, available=512000 * KB, used=(2048000 - 512000) * KB,
        free=512000 * KB, buffers=100000 * KB, cached=(600000 + 60000) * KB,
        shared=10000 * KB, active=700000 * KB, inactive=500000 * KB, slab=80000 * KB,
        percent=75.0,
    ),
    swap=Swap(total=0, used=0, free=0, percent=0.0, sin=0, sout=0),
    meminfo={k: v * KB if kb else v for k, v, kb in [
        ("MemTotal", 2048000, True), ("MemFree", 512000, True), ("Buffers", 100000, True),
        ("Cached", 600000, True), ("SwapCached", 0, True), ("Active", 700000, True),
        ("Inactive", 500000, True), ("HighTotal", 0, True), ("HighFree", 0, True),
        ("LowTotal", 2048000, True), ("LowFree", 512000, True), ("SwapTotal", 0, True),
        ("SwapFree", 0, True), ("Dirty", 100, True), ("Writeback", 0, True),
        ("AnonPages", 400000, True), ("Mapped", 50000, True), ("Shmem", 10000, True),
        ("Slab", 80000, True), ("SReclaimable", 60000, True), ("SUnreclaim", 20000, True),
        ("PageTables", 4000, True), ("CommitLimit", 1024000, True),
        ("Committed_AS", 900000, True), ("VmallocTotal", 122880, True),
        ("VmallocUsed", 5000, True), ("VmallocChunk", 100000, True),
        ("HugePages_Total", 0, False), ("HugePages_Free", 0, False),
        ("HugePages_Rsvd", 0, False), ("Hugepagesize", 4096, True),
    ]},
    vmstat={"nr_free_pages": 128000, "pgpgin": 5000, "pgpgout": 7000, "pswpin": 0,
            "pswpout": 0, "pgfault": 1234567, "pgmajfault": 890},
    vm_events=VmEvents(page_faults=1234567, major_faults=890, swap_in=0, swap_out=0,
                       page_in=5000 * KB, page_out=7000 * KB, oom_kills=None),
    loadavg=LoadAvg(0.0, 0.01, 0.05, 1, 120, 3456),
    uptime=Uptime(1234.56, 2345.67),
    pressure=NONE_PRESSURE,
    mounts=[
        mnt(15, 1, 8, 1, "/", "/", "rw,relatime", "", "ext3", "/dev/sda1",
            "rw,errors=continue,data=ordered", ro=False),
        mnt(16, 15, 0, 3, "/", "/proc", "rw,relatime", "", "proc", "proc", "rw", ro=False),
        mnt(17, 15, 0, 14, "/", "/sys", "rw,relatime", "", "sysfs", "sysfs", "rw", ro=False),
        mnt(18, 17, 0, 20, "/", "/sys/fs/cgroup", "rw,nosuid,nodev,noexec,relatime", "",
            "cgroup2", "cgroup2", "rw", ro=False),
        mnt(19, 15, 0, 15, "/", "/dev/shm", "rw,relatime", "", "tmpfs", "none", "rw", ro=False),
    ],
    disk_io={
        "sda": dio(8, 0, 4000, 100, 80000, 3000, 2000, 300, 40000, 5000, 0, 6000, 8000),
        "sda1": dio(8, 1, 3900, 100, 79000, 2900, 1990, 300, 39900, 4990, 0, 5990, 7990),
        "sr0": dio(11, 0, *[0] * 11),
    },
    net_io={
        "lo": net(5000, 50, 0, 0, 0, 0, 0, 0, 5000, 50, 0, 0, 0, 0, 0, 0),
        "eth0": net(7000000, 9000, 1, 2, 0, 0, 0, 12, 3000000, 8000, 0, 0, 0, 3, 0, 0),
        "eth0:1": net(100, 1, 0, 0, 0, 0, 0, 0, 200, 2, 0, 0, 0, 0, 0, 0),
    },
)

# ============================================================== container/
CONTAINER = Scenario(
    cpu_times=times(4000, 10, 2000, 30000, 400, 0, 100, 0, 0, 0),  # the 11th value dropped
    percpu={n: times(1000, n + 1, 500, 7500, 100, 0, 25, 0, 0, 0) for n in range(4)},
    cpu_stats=CpuStats(ctx_switches=5000000, interrupts=None, soft_interrupts=None,
                       forks=20000, procs_running=2, procs_blocked=1, boot_time=1710000000),
    # online = 4 cpuN lines; cpuset 2-3,6; quota 350000/100000; min(4, 3, ceil(3.5))
    limits=CpuLimits(online=4, possible=None, cpuset=3, quota=3.5, effective=3),
    freq={},
    temps=[
        Temperature("acpitz", "thermal_zone0", 27.8, None, None),
        Temperature("thermal_zone1", "thermal_zone1", 30.0, None, None),
    ],
    # MemAvailable (99999999 kB) > MemTotal: available falls back to MemFree;
    # the first of the two Cached lines counts; no SReclaimable
    memory=Memory(
        total=4194304 * KB, available=3000000 * KB, used=(4194304 - 3000000) * KB,
        free=3000000 * KB, buffers=0, cached=200000 * KB, shared=0, active=None,
        inactive=None, slab=None, percent=pct(4194304 - 3000000, 4194304),
    ),
    swap=Swap(total=1048576 * KB, used=0, free=1048576 * KB, percent=0.0, sin=None, sout=None),
    meminfo={k: v * KB for k, v in {
        "MemTotal": 4194304, "MemFree": 3000000, "MemAvailable": 99999999, "Buffers": 0,
        "Cached": 200000, "SwapTotal": 1048576, "SwapFree": 1048576,
    }.items()},
    vmstat=None,
    vm_events=VmEvents(None, None, None, None, None, None, None),
    loadavg=LoadAvg(3.0, 2.5, 2.25, 4, 300, 12345),
    uptime=Uptime(600.0, 2000.1),
    pressure={
        "cpu": Pressure(psi(0.1, 0.2, 0.3, 1000000), None),
        "memory": Pressure(psi(0.0, 0.0, 0.0, 0), psi(0.0, 0.0, 0.0, 0)),
        "io": Pressure(psi(5.0, 4.0, 3.0, 2500000), psi(1.0, 0.5, 0.25, 1500000)),
    },
    mounts=[
        mnt(500, 480, 0, 120, "/", "/", "rw,relatime", "", "overlay", "overlay",
            "rw,lowerdir=/l1:/l2,upperdir=/u,workdir=/w", ro=False),
        mnt(501, 500, 0, 121, "/", "/proc", "rw,nosuid,nodev,noexec,relatime", "", "proc",
            "proc", "rw", ro=False),
        mnt(502, 500, 0, 122, "/", "/sys", "ro,nosuid,nodev,noexec,relatime", "", "sysfs",
            "sysfs", "ro", ro=True),
        mnt(503, 502, 0, 30, "/../..", "/sys/fs/cgroup", "ro,nosuid,nodev,noexec,relatime", "",
            "cgroup2", "cgroup", "ro,nsdelegate", ro=True),
    ],
    disk_io={"vda": dio(252, 0, 100, 1, 2000, 30, 400, 5, 6000, 70, 0, 80, 100, 9, 0, 72, 3)},
    net_io={
        "lo": net(*[0] * 16),
        "eth0": net(U32, U32, 0, 0, 0, 0, 0, 0, 2**32, 2**32, 0, 0, 0, 0, 0, 0),
    },
)

# ============================================================== wrap1/, wrap2/
_WRAP_MEM = Memory(
    total=8000000 * KB, available=5000000 * KB, used=3000000 * KB, free=2000000 * KB,
    buffers=100000 * KB, cached=(2500000 + 200000) * KB, shared=50000 * KB,
    active=3000000 * KB, inactive=2000000 * KB, slab=300000 * KB, percent=37.5,
)
_WRAP_COMMON: dict[str, Any] = {
    "limits": CpuLimits(online=4, possible=None, cpuset=None, quota=None, effective=4),
    "freq": {},
    "temps": [],
    "memory": _WRAP_MEM,
    "swap": Swap(total=2000000 * KB, used=500000 * KB, free=1500000 * KB, percent=25.0,
                 sin=30 * PAGE, sout=40 * PAGE),
    "meminfo": {k: v * KB for k, v in {
        "MemTotal": 8000000, "MemFree": 2000000, "MemAvailable": 5000000, "Buffers": 100000,
        "Cached": 2500000, "Active": 3000000, "Inactive": 2000000, "SwapTotal": 2000000,
        "SwapFree": 1500000, "Shmem": 50000, "Slab": 300000, "SReclaimable": 200000,
    }.items()},
    "vmstat": {"pgpgin": 1000, "pgpgout": 2000, "pswpin": 30, "pswpout": 40, "pgfault": 50000,
               "pgmajfault": 60, "oom_kill": 0},
    "vm_events": VmEvents(50000, 60, 30 * PAGE, 40 * PAGE, 1000 * KB, 2000 * KB, 0),
    "loadavg": LoadAvg(1.0, 0.5, 0.25, 2, 400, 9999),
    "pressure": NONE_PRESSURE,
    "mounts": [
        mnt(21, 1, 8, 2, "/", "/", "rw,relatime", "shared:1", "ext4", "/dev/sda2", "rw",
            ro=False),
        mnt(22, 21, 0, 21, "/", "/proc", "rw,nosuid,nodev,noexec,relatime", "shared:12",
            "proc", "proc", "rw", ro=False),
    ],
}
WRAP1 = Scenario(
    cpu_times=times(10000, 100, 5000, 80000, 2000, 100, 200, 50, 300, 20),
    percpu={
        0: times(2500, 25, 1250, 20000, 500, 25, 50, 12, 75, 5),
        1: times(2500, 25, 1250, 20000, 1000, 25, 50, 13, 75, 5),
        2: times(2500, 25, 1250, 20000, 300, 25, 50, 12, 75, 5),
        3: times(2500, 25, 1250, 20000, 200, 25, 50, 13, 75, 5),
    },
    cpu_stats=CpuStats(ctx_switches=1000000, interrupts=None, soft_interrupts=None,
                       forks=5000, procs_running=3, procs_blocked=0, boot_time=1700000000),
    uptime=Uptime(1000.0, 3900.0),
    disk_io={
        "sda": dio(8, 0, 2**64 - 616, 10, 2**64 - 100, 1000, 5000, 20, 100000, 7000, 1,
                   2**32 - 296, 50000, 0, 0, 0, 0, 100, 200),
        "sdb": dio(8, 16, 10, 0, 80, 5, 0, 0, 0, 0, 0, 5, 5, 0, 0, 0, 0, 0, 0),
        "nvme0n1": dio(259, 0, 100, 0, 800, 50, 100, 0, 800, 50, 0, 100, 100, 0, 0, 0, 0, 0, 0),
        "dm-0": dio(253, 0, 7, 0, 56, 3, 9, 0, 72, 4, 1, 1000, 2000, 0, 0, 0, 0),
    },
    net_io={
        "lo": net(1000000, 1000, 0, 0, 0, 0, 0, 0, 1000000, 1000, 0, 0, 0, 0, 0, 0),
        "eth0": net(2**64 - 1000, U64, 0, U64, 0, 0, 0, 0, 2**64 - 100, 10, 1, 0, 0, 0, 0, 0),
        "wlan0": net(500, 5, 0, 0, 0, 0, 0, 0, 600, 6, 0, 0, 0, 0, 0, 0),
    },
    **_WRAP_COMMON,
)
WRAP2 = Scenario(
    cpu_times=times(10300, 120, 5100, 80400, 1950, 180, 260, 90, 400, 30),
    percpu={
        0: times(2600, 35, 1290, 20030, 510, 29, 56, 12, 95, 7),
        1: times(2550, 25, 1300, 20100, 800, 25, 50, 13, 75, 5),
        3: times(2500, 25, 1250, 20000, 200, 25, 50, 13, 75, 5),
        4: times(100, 0, 50, 900, 1, 0, 0, 0, 0, 0),
    },
    cpu_stats=CpuStats(ctx_switches=1003000, interrupts=None, soft_interrupts=None,
                       forks=5010, procs_running=4, procs_blocked=1, boot_time=1700000000),
    uptime=Uptime(1002.5, 3909.0),
    disk_io={
        "sda": dio(8, 0, 384, 10, 4900, 3000, 5500, 20, 104000, 8000, 0, 1954, 52000,
                   0, 0, 0, 0, 100, 200),
        "sdc": dio(8, 32, 1, 0, 8, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0),
        "nvme0n1": dio(259, 3, 200, 0, 1600, 100, 200, 0, 1600, 100, 0, 200, 200,
                       0, 0, 0, 0, 0, 0),
        "dm-0": dio(253, 0, 7, 0, 56, 3, 9, 0, 72, 4, 1, 4000, 8000, 0, 0, 0, 0),
    },
    net_io={
        "lo": net(1250000, 1500, 0, 0, 0, 0, 0, 0, 1250000, 1500, 0, 0, 0, 0, 0, 0),
        "eth0": net(1500, 4, 0, 0, 0, 0, 0, 0, 150, 35, 6, 5, 0, 0, 0, 0),
        "docker0": net(700, 7, 0, 0, 0, 0, 0, 0, 800, 8, 0, 0, 0, 0, 0, 0),
    },
    **_WRAP_COMMON,
)

TABLE: dict[str, Scenario] = {
    "big": BIG, "old": OLD, "container": CONTAINER, "wrap1": WRAP1, "wrap2": WRAP2,
}
assert set(TABLE) == set(SCENARIOS)
