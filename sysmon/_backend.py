"""Backend selection: the C extension when it imports, else pure Python.

``SYSMON_BACKEND=c|python`` forces one at import; :func:`set_backend` switches
at run time.  Domain modules call ``current()`` on every use, so a switch takes
effect at once.
"""

from __future__ import annotations

import os
from types import ModuleType

from sysmon import _pure
from sysmon.errors import SysmonError

_native: ModuleType | None
_native_error: str | None
try:
    from sysmon import _native
except ImportError as e:  # no compiler at install time, or a broken build
    _native = None
    _native_error = str(e)
else:
    _native_error = None

_current: ModuleType = _native if _native is not None else _pure


_env_error: str | None = None


def current() -> ModuleType:
    if _env_error is not None:
        raise SysmonError(_env_error)
    return _current


def name() -> str:
    return "c" if _current is _native else "python"


def native_available() -> bool:
    return _native is not None


def set_backend(which: str) -> None:
    """Select the backend: "c" (the cffi extension) or "python"."""
    global _current, _env_error
    if which == "python":
        _current = _pure
    elif which == "c":
        if _native is None:
            raise SysmonError(f"the C backend is not available: {_native_error}")
        _current = _native
    else:
        raise ValueError(f"unknown backend {which!r}: choose 'c' or 'python'")
    _env_error = None  # an explicit choice replaces a bad SYSMON_BACKEND


# SYSMON_BACKEND: a bad value must not break `import sysmon` (the CLI could not
# report it); it is raised as a SysmonError by the first call that needs a backend.
_forced = os.environ.get("SYSMON_BACKEND")
if _forced:
    try:
        set_backend(_forced)
    except (SysmonError, ValueError) as e:
        _env_error = f"SYSMON_BACKEND={_forced}: {e}"
