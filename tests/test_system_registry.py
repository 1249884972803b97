"""Every number of every system record is declared in the field registry."""

from __future__ import annotations

from typing import Any

import pytest

import sysmon
from sysmon.fields import FIELDS

RECORDS: dict[str, Any] = {
    "cpu_times": sysmon.CpuTimes,
    "cpu_percent": sysmon.CpuPercent,
    "cpu_stats": sysmon.CpuStats,
    "cpu_limits": sysmon.CpuLimits,
    "cpu_freq": sysmon.CpuFreq,
    "temperature": sysmon.Temperature,
    "memory": sysmon.Memory,
    "swap": sysmon.Swap,
    "vm_events": sysmon.VmEvents,
    "loadavg": sysmon.LoadAvg,
    "uptime": sysmon.Uptime,
    "pressure": sysmon.PsiStats,
    "mount": sysmon.Mount,
    "disk_usage": sysmon.DiskUsage,
    "disk_io": sysmon.DiskIO,
    "disk_rate": sysmon.DiskRate,
    "net_io": sysmon.NetIO,
    "net_rate": sysmon.NetRate,
    "connection": sysmon.Connection,
    "addr": sysmon.Addr,
    "tcp_info": sysmon.TcpInfo,
    "exe": sysmon.LinkTarget,
    "cwd": sysmon.LinkTarget,
    "root": sysmon.LinkTarget,
    "fd": sysmon.FdInfo,
    "io": sysmon.IoCounters,
    "memory_detail": sysmon.MemoryDetail,
    "ctx_switches": sysmon.CtxSwitches,
    "capabilities": sysmon.Capabilities,
    "signal_masks": sysmon.SignalMasks,
    "cgroup": sysmon.CgroupInfo,
    "thread": sysmon.ThreadInfo,
}
# Values a Process method returns that are not records: the scope's fields,
# and the method that returns them.
METHOD_VALUES: dict[str, tuple[tuple[str, ...], str]] = {
    "environ": (("value",), "environ"),
    "rlimit": (("hard", "soft"), "rlimits"),
    "namespace": (("id",), "namespaces"),
}
# Containers of records: only their own numbers are registry fields; every
# other attribute is a record (or a mapping of records) declared above.
CONTAINERS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "snapshot": (sysmon.Snapshot, ("timestamp", "uptime")),
    "system_sample": (sysmon.SystemSample, ("interval",)),
    "status": (sysmon.StatusDetail, ("no_new_privs", "seccomp", "umask")),
    "process_sample": (sysmon.ProcessSample, ("cpu_percent",)),
}
# Numbers only a consumer derives (sysmon top's columns): the scope's fields.
DISPLAY: dict[str, tuple[str, ...]] = {"top": ("mem_percent",)}


@pytest.mark.parametrize("scope", sorted(RECORDS))
def test_record_and_registry_agree(scope: str) -> None:
    declared = [f.name.split(".", 1)[1] for f in FIELDS.values() if f.scope == scope]
    assert sorted(declared) == sorted(RECORDS[scope]._fields)
    assert len(set(declared)) == len(declared)


def test_no_registry_scope_without_record() -> None:
    scopes = {f.scope for f in FIELDS.values()} - {"process"}
    assert scopes == set(RECORDS) | set(CONTAINERS) | set(METHOD_VALUES) | set(DISPLAY)


@pytest.mark.parametrize("scope", sorted(DISPLAY))
def test_display_values_are_declared_and_shown(scope: str) -> None:
    from sysmon.tui import model

    declared = sorted(f.name.split(".", 1)[1] for f in FIELDS.values() if f.scope == scope)
    assert declared == sorted(DISPLAY[scope])
    shown = {c.registry for c in model.COLUMNS.values()}
    assert {f"{scope}.{n}" for n in declared} <= shown


@pytest.mark.parametrize("scope", sorted(METHOD_VALUES))
def test_method_values_are_declared(scope: str) -> None:
    names, method = METHOD_VALUES[scope]
    declared = sorted(f.name.split(".", 1)[1] for f in FIELDS.values() if f.scope == scope)
    assert declared == sorted(names)
    assert callable(getattr(sysmon.Process, method))


@pytest.mark.parametrize("scope", sorted(CONTAINERS))
def test_container_numbers_are_declared(scope: str) -> None:
    record, numbers = CONTAINERS[scope]
    declared = [f.name.split(".", 1)[1] for f in FIELDS.values() if f.scope == scope]
    assert declared == list(numbers)
    rest = [a for a in record._fields if a not in numbers]
    scalars = {"int", "float", "str", "bool", "int | None", "float | None", "str | None"}
    for a in rest:  # records, or mappings and lists of records: no bare number
        assert str(record.__annotations__[a]) not in scalars, a


def test_explain_system_field() -> None:
    text = sysmon.explain("memory.available")
    assert "/proc/meminfo MemAvailable" in text and "bytes" in text
    text = sysmon.explain("disk_io.write_bytes")
    assert "/proc/diskstats field 10" in text and "sectors * 512" in text


def test_system_fields_are_not_process_fields() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        sysmon.processes(fields=["memory.total"])


def _between(text: str, tag: str) -> str:
    start = text.index(f"<!-- {tag}:")
    start = text.index("\n", start) + 1
    return text[start : text.index(f"<!-- /{tag} -->")]


def test_readme_tables_are_current() -> None:
    from pathlib import Path

    from sysmon.fields import markdown_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert _between(readme, "fields-table") == markdown_table()
    assert _between(readme, "system-fields-table") == markdown_table("system")
    assert _between(readme, "net-fields-table") == markdown_table("net")
    assert _between(readme, "detail-fields-table") == markdown_table("detail")
