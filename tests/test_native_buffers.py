"""The C scan's buffer protocol: -ENOBUFS with the needed sizes, then a retry."""

from __future__ import annotations

from sysmon import _native, _pure
from sysmon._raw import R_CMDLINE, R_START
from sysmon.fields import FileGroup


def _stable(rows: list[tuple[object, ...]]) -> dict[object, tuple[object, ...]]:
    # Fields that cannot move between two scans of a live system (not the name:
    # workqueue kernel threads rename themselves as they pick up work).
    return {r[0]: (r[R_START], r[R_CMDLINE]) for r in rows}


def test_tiny_buffers_grow_to_fit() -> None:
    scanner = _native._Scanner()
    scanner._alloc(1, 8)  # one row, eight bytes of arena: far too small
    rows = scanner.scan(b"/proc", int(FileGroup.ALL))
    assert scanner.cap >= len(rows) > 1
    assert scanner.arena_cap >= sum(len(r[R_CMDLINE] or b"") for r in rows)
    a, b = _stable(rows), _stable(_pure.scan_raw("/proc", int(FileGroup.ALL)))
    common = [pid for pid in a if pid in b and a[pid][0] == b[pid][0]]
    assert len(common) >= 0.9 * len(a)
    assert [a[pid] for pid in common] == [b[pid] for pid in common]


def test_exact_row_count_needed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = tmp_path / "proc"
    for pid in range(1, 6):
        d = proc / str(pid)
        d.mkdir(parents=True)
        (d / "cmdline").write_bytes(b"x" * 100 * pid + b"\0")
    scanner = _native._Scanner()
    scanner._alloc(2, 10)
    rows = scanner.scan(str(proc).encode(), int(FileGroup.CMDLINE))
    assert sorted((r[0], r[R_CMDLINE]) for r in rows) == [
        (pid, b"x" * 100 * pid + b"\0") for pid in range(1, 6)
    ]
    assert scanner.cap >= 5
    assert scanner.arena_cap >= sum(100 * p + 1 for p in range(1, 6))


def test_row_format_covers_the_whole_struct() -> None:
    """The row format includes struct sm_proc's trailing padding, so a buffer
    of rows unpacks in one iter_unpack (row by row unpack_from was the slow
    path the table fell to when a header change left 4 bytes of padding)."""
    size = _native.ffi.sizeof("struct sm_proc")
    assert _native._ROW.size == size
