"""Human-readable sizes, shared by the command line and the terminal UI."""

from __future__ import annotations

_UNITS = ("K", "M", "G", "T", "P", "E")


def human_bytes(n: int) -> str:
    """Bytes in 1024-based units: 0, 512B, 4.0K, 12K, 1.5M, 3.2G (one decimal
    below 10, whole numbers from 10; a value that would round to 1024 of a
    unit is shown in the next one)."""
    if n < 1024:
        return "0" if n == 0 else f"{n}B"
    value = float(n)
    unit = ""
    for u in _UNITS:
        value /= 1024.0
        unit = u
        if value < 1023.5 or u == _UNITS[-1]:
            break
    if value < 9.95:
        return f"{value:.1f}{unit}"
    return f"{round(value):d}{unit}"
