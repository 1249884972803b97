"""sysmon: a Linux system monitor with a C hot path.

Reads the kernel's own interfaces (/proc, /sys, ...) directly and returns
typed, immutable records in base units.  ``sysmon explain FIELD`` says where
every number comes from.
"""

from __future__ import annotations

from sysmon import _backend, users
from sysmon.errors import AccessDenied, NoSuchProcess, ParseError, SysmonError, ZombieProcess
from sysmon.fields import FIELDS, Field, explain
from sysmon.process import Process, ProcessInfo, ProcessSample, ProcessSampler, processes

__version__ = "0.1.0"


def backend() -> str:
    """The backend in use: "c" (the cffi extension) or "python"."""
    return _backend.name()


def set_backend(name: str) -> None:
    """Switch backend: "c" or "python" (SysmonError if C is not built)."""
    _backend.set_backend(name)


__all__ = [
    "FIELDS",
    "AccessDenied",
    "Field",
    "NoSuchProcess",
    "ParseError",
    "Process",
    "ProcessInfo",
    "ProcessSample",
    "ProcessSampler",
    "SysmonError",
    "ZombieProcess",
    "__version__",
    "backend",
    "explain",
    "processes",
    "set_backend",
    "users",
]
