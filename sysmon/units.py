"""Human-readable sizes and terminal names, shared by the command line and the
terminal UI."""

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


def tty_name(dev: int) -> str:
    """A tty_nr device number as ps names it: ``?`` (none), ``pts/N``,
    ``ttyN``, ``ttySN``, ``console``, else ``major:minor``."""
    if dev == 0:
        return "?"
    major = (dev >> 8) & 0xFFF
    minor = (dev & 0xFF) | ((dev >> 12) & 0xFFF00)
    if 136 <= major <= 143:
        return f"pts/{(major - 136) * 256 + minor}"
    if major == 4:
        return f"tty{minor}" if minor < 64 else f"ttyS{minor - 64}"
    if major == 5 and minor == 1:
        return "console"
    return f"{major}:{minor}"
