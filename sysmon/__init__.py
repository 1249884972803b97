"""sysmon: a Linux system monitor with a C hot path.

Reads the kernel's own interfaces (/proc, /sys, ...) directly and returns
typed, immutable records in base units.  ``sysmon explain FIELD`` says where
every number comes from.
"""

from __future__ import annotations

from sysmon import _backend, users
from sysmon.cpu import (
    CpuFreq,
    CpuLimits,
    CpuStats,
    CpuTimes,
    Temperature,
    cpu_count,
    cpu_freq,
    cpu_limits,
    cpu_stats,
    cpu_times,
    temperatures,
)
from sysmon.disk import DiskIO, DiskUsage, Mount, disk_io, disk_usage, mounts
from sysmon.errors import (
    AccessDenied,
    NoSuchProcess,
    ParseError,
    SysmonError,
    TimeoutExpired,
    ZombieProcess,
)
from sysmon.fields import FIELDS, PROCESS_FIELDS, Field, explain
from sysmon.load import LoadAvg, Pressure, PsiStats, Uptime, loadavg, pressure, uptime
from sysmon.memory import Memory, Swap, VmEvents, meminfo, memory, swap, vm_events, vmstat
from sysmon.net import NetIO, net_io
from sysmon.process import Process, ProcessInfo, ThreadInfo, processes, self_pid
from sysmon.process_records import (
    REDACTED,
    SECRET_KEY_PARTS,
    Capabilities,
    CgroupInfo,
    CtxSwitches,
    FdInfo,
    IoCounters,
    LinkTarget,
    MemoryDetail,
    OpenFile,
    SignalMasks,
    StatusDetail,
    environ_dict,
    is_secret_key,
)
from sysmon.process_sampler import ProcessSample, ProcessSampler
from sysmon.process_signals import parse_signal, signal_name
from sysmon.process_tree import TreeNode, process_tree
from sysmon.sockets import Addr, Connection, TcpInfo, connections, listening
from sysmon.system import (
    CpuPercent,
    DiskRate,
    NetRate,
    Snapshot,
    SystemSample,
    SystemSampler,
    snapshot,
)

__version__ = "0.1.0"


def backend() -> str:
    """The backend in use: "c" (the cffi extension) or "python"."""
    return _backend.name()


def set_backend(name: str) -> None:
    """Switch backend: "c" or "python" (SysmonError if C is not built)."""
    _backend.set_backend(name)


__all__ = [
    "FIELDS",
    "PROCESS_FIELDS",
    "REDACTED",
    "SECRET_KEY_PARTS",
    "AccessDenied",
    "Addr",
    "Capabilities",
    "CgroupInfo",
    "Connection",
    "CpuFreq",
    "CpuLimits",
    "CpuPercent",
    "CpuStats",
    "CpuTimes",
    "CtxSwitches",
    "DiskIO",
    "DiskRate",
    "DiskUsage",
    "FdInfo",
    "Field",
    "IoCounters",
    "LinkTarget",
    "LoadAvg",
    "Memory",
    "MemoryDetail",
    "Mount",
    "NetIO",
    "NetRate",
    "NoSuchProcess",
    "OpenFile",
    "ParseError",
    "Pressure",
    "Process",
    "ProcessInfo",
    "ProcessSample",
    "ProcessSampler",
    "PsiStats",
    "SignalMasks",
    "Snapshot",
    "StatusDetail",
    "Swap",
    "SysmonError",
    "SystemSample",
    "SystemSampler",
    "TcpInfo",
    "Temperature",
    "ThreadInfo",
    "TimeoutExpired",
    "TreeNode",
    "Uptime",
    "VmEvents",
    "ZombieProcess",
    "__version__",
    "backend",
    "connections",
    "cpu_count",
    "cpu_freq",
    "cpu_limits",
    "cpu_stats",
    "cpu_times",
    "disk_io",
    "disk_usage",
    "environ_dict",
    "explain",
    "is_secret_key",
    "listening",
    "loadavg",
    "meminfo",
    "memory",
    "mounts",
    "net_io",
    "parse_signal",
    "pressure",
    "process_tree",
    "processes",
    "self_pid",
    "set_backend",
    "signal_name",
    "snapshot",
    "swap",
    "temperatures",
    "uptime",
    "users",
    "vm_events",
    "vmstat",
]
