"""Shared by test_pid_parsers.py, test_pid_hypothesis.py and test_pid_readers.py.

The one-process readers and parsers (contract: sysmon/_rawpid.py) exist twice,
in ``sysmon._native`` (C: csrc/parse_pid.c, csrc/scan_pid.c) and ``sysmon._pure``
(Python: sysmon/_pure_pid.py).  This module gives the tests:

- ``mod_fixture``: each test once per implementation (import it by that name
  and ask for ``mod``).  Without the C extension the C runs are skipped; with
  SYSMON_REQUIRE_NATIVE=1 (as CI sets) they fail instead.
- ``call``: one contract function of one implementation; a backend without it
  fails the test with a clear message (never an AttributeError deep inside).
- ``outcome`` / ``agree``: both implementations on the same input give the same
  typed result (``True`` is not ``1``, a tuple is not a list), or both raise
  ParseError, or both raise OSError with the same errno.
- Builders of the kernel's own layouts, written from fs/proc/array.c and
  fs/proc/base.c (``status_line``, ``limits_line``, ``LIMITS_KERNEL``), sharing
  nothing with either implementation.
- The captured files under tests/fixtures/pid/ and their ground truth.
- Reader helpers: ``errno_of``, ``fork_call`` (a forked child, e.g. one that
  dropped to nobody, answering through a pipe), paths of an exact length
  beyond PATH_MAX, the mount ID of a path from mountinfo.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import assert_exact, typed

from sysmon import _pure
from sysmon._rawpid import RLIM_UNLIMITED, STATUS_EXT_FORMATS, STATUS_EXT_KEYS
from sysmon.errors import ParseError

try:
    from sysmon import _native as _native_mod
except ImportError as e:  # pragma: no cover - the C extension must be built for CI
    _native_mod, C_IMPORT_ERROR = None, e

NATIVE: ModuleType | None = _native_mod
PURE: ModuleType = _pure
REQUIRE_NATIVE = os.environ.get("SYSMON_REQUIRE_NATIVE") == "1"
IMPLS = ("c", "python")

__all__ = ["RLIM_UNLIMITED", "STATUS_EXT_FORMATS", "STATUS_EXT_KEYS", "assert_exact", "typed"]

U64 = 2**64 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
U64_TEXT = b"18446744073709551615"
TOO_BIG = b"18446744073709551616"  # 2**64
O_LARGEFILE = 0o100000  # forced on by 64-bit open(); fdinfo and F_GETFL show it

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "pid")
CAPTURED = os.path.join(FIXTURES, "captured")

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC

PARSERS = ("parse_status_ext", "parse_rollup", "parse_limits", "parse_cgroup", "parse_fdinfo")
READERS = ("read_at", "readlink_at", "stat_at", "read_fds")


# -------------------------------------------------------- implementations
def native() -> ModuleType:
    """``sysmon._native``, or skip (fail under SYSMON_REQUIRE_NATIVE=1)."""
    if NATIVE is None:
        if REQUIRE_NATIVE:
            pytest.fail(f"sysmon._native does not import and SYSMON_REQUIRE_NATIVE=1: "
                        f"{C_IMPORT_ERROR}")
        pytest.skip(f"C extension not built: {C_IMPORT_ERROR}")
    return NATIVE


def impl(name: str) -> ModuleType:
    """The module implementing the contract for ``name`` ("c" or "python")."""
    return native() if name == "c" else PURE


@pytest.fixture(params=IMPLS, name="mod")
def mod_fixture(request: pytest.FixtureRequest) -> ModuleType:
    return impl(request.param)


def call(mod: ModuleType, fn: str, *args: Any) -> Any:
    """``mod.fn(*args)``; a backend that lacks ``fn`` fails the test."""
    f: Callable[..., Any] | None = getattr(mod, fn, None)
    if f is None:
        pytest.fail(f"{mod.__name__} has no {fn} (contract: sysmon/_rawpid.py)")
    return f(*args)


Outcome = tuple[Any, ...]


def outcome(mod: ModuleType, fn: str, *args: Any) -> Outcome:
    """("ok", typed result), ("ParseError",) or ("OSError", errno); any other
    exception propagates (a crash is never an agreement)."""
    try:
        return ("ok", typed(call(mod, fn, *args)))
    except ParseError:
        return ("ParseError",)
    except OSError as e:
        return ("OSError", e.errno)


def agree(fn: str, *args: Any) -> Outcome:
    """Both implementations give the same outcome; returns it."""
    c = outcome(native(), fn, *args)
    p = outcome(PURE, fn, *args)
    assert c == p, (fn, args, "C:", c, "Python:", p)
    return c


# ------------------------------------------------------------- status_ext
SX_INDEX = {k.decode(): i for i, k in enumerate(STATUS_EXT_KEYS)}
NONE15: tuple[None, ...] = (None,) * len(STATUS_EXT_KEYS)


def sx(**values: int) -> tuple[int | None, ...]:
    """The 15-tuple parse_status_ext returns: None except the keys given
    (by their status names: ``sx(CapEff=1, Umask=0o22)``)."""
    out: list[int | None] = list(NONE15)
    for k, v in values.items():
        out[SX_INDEX[k]] = v
    return tuple(out)


def status_value(fmt: str, v: int, *, upper: bool = False, width: int | None = None) -> bytes:
    """``v`` spelled in a status format: "dec" (%llu), "hex" (the kernel's
    %016llx for capabilities and signal masks; ``width`` digits, zero-padded,
    ``upper`` for A-F) or "oct" (the kernel's %04o for Umask)."""
    if fmt == "dec":
        s = str(v)
    elif fmt == "hex":
        s = format(v, "X" if upper else "x")
    else:
        s = format(v, "o")
    w = width if width is not None else {"dec": 1, "hex": 16, "oct": 4}[fmt]
    return s.rjust(w, "0").encode()


def status_line(key: str, value: bytes) -> bytes:
    """One status line as the kernel prints it: ``Key:\\tvalue\\n``."""
    return key.encode() + b":\t" + value + b"\n"


# ------------------------------------------------------------------ limits
# fs/proc/base.c lnames[], in RLIMIT_* order: (name, units or None)
LIMITS_KERNEL: tuple[tuple[bytes, bytes | None], ...] = (
    (b"Max cpu time", b"seconds"),
    (b"Max file size", b"bytes"),
    (b"Max data size", b"bytes"),
    (b"Max stack size", b"bytes"),
    (b"Max core file size", b"bytes"),
    (b"Max resident set", b"bytes"),
    (b"Max processes", b"processes"),
    (b"Max open files", b"files"),
    (b"Max locked memory", b"bytes"),
    (b"Max address space", b"bytes"),
    (b"Max file locks", b"locks"),
    (b"Max pending signals", b"signals"),
    (b"Max msgqueue size", b"bytes"),
    (b"Max nice priority", None),
    (b"Max realtime priority", None),
    (b"Max realtime timeout", b"us"),
)
LIMITS_HEADER = (b"Limit                     Soft Limit           Hard Limit           "
                 b"Units     \n")


def limits_line(name: bytes, soft: int, hard: int, units: bytes | None) -> bytes:
    """One row exactly as proc_pid_limits() prints it ("%-25s %-20s " ...)."""
    def num(v: int) -> bytes:
        return b"unlimited" if v == RLIM_UNLIMITED else str(v).encode()
    line = b"%-25s %-20s %-20s " % (name, num(soft), num(hard))
    return line + (b"%-10s\n" % units if units is not None else b"\n")


def limits_file(values: list[tuple[int, int]]) -> bytes:
    """A whole limits file for the 16 kernel rows with these (soft, hard)."""
    return LIMITS_HEADER + b"".join(
        limits_line(n, s, h, u) for (n, u), (s, h) in zip(LIMITS_KERNEL, values))


def limits_rows(values: list[tuple[int, int]]) -> list[tuple[bytes, int, int, bytes]]:
    """What parse_limits must return for limits_file(values)."""
    return [(n, s, h, u or b"") for (n, u), (s, h) in zip(LIMITS_KERNEL, values)]


# ------------------------------------------------------------- captured
def captured(*parts: str) -> bytes:
    with open(os.path.join(CAPTURED, *parts), "rb") as f:
        return f.read()


def captured_facts() -> dict[str, Any]:
    with open(os.path.join(CAPTURED, "facts.json")) as f:
        facts: dict[str, Any] = json.load(f)
    return facts


def prlimit_raw() -> dict[str, tuple[int, int]]:
    """captured/prlimit.txt (``prlimit --raw``): RESOURCE -> (soft, hard)."""
    out = {}
    for line in captured("prlimit.txt").decode().splitlines():
        name, soft, hard = line.split()
        out[name] = tuple(RLIM_UNLIMITED if v == "unlimited" else int(v) for v in (soft, hard))
    return out  # type: ignore[return-value]


# prlimit's RESOURCE names in RLIMIT_* order (the order of the limits file)
PRLIMIT_ORDER = ("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK",
                 "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME")


# ------------------------------------------------------- reader helpers
def errno_of(fn: Callable[[], Any]) -> int | str:
    """The errno of the OSError ``fn`` raises; "ok" when it returns."""
    try:
        fn()
    except OSError as e:
        return e.errno if e.errno is not None else "no errno"
    return "ok"


def mount_id_of(path: str) -> int:
    """Mount ID (mountinfo field 1) of the mount holding ``path``: the longest
    mount point on the file's device that is a prefix of its real path."""
    st = os.stat(path)
    dev = f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
    real = os.path.realpath(path)
    best, best_len = -1, -1
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fl = line.split()
            mnt = fl[4]
            inside = real == mnt or real.startswith(mnt.rstrip("/") + "/")
            if fl[2] == dev and inside and len(mnt) > best_len:
                best, best_len = int(fl[0]), len(mnt)
    return best


def fdinfo_text_value(pid: int, fd: int, key: str) -> int:
    """One value of /proc/<pid>/fdinfo/<fd>, read here with a plain regex."""
    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
        m = re.search(rf"^{key}:\s*(\S+)$", f.read(), re.M)
    assert m is not None
    return int(m.group(1), 8 if key == "flags" else 10)


def fork_call(body: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Run ``body`` in a forked child and return its JSON-able result.  A
    child that does not answer within ``timeout`` (a read that blocks) is
    killed and the test fails; this is a guard, not a timing assertion."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(r)
            try:
                text = json.dumps({"ok": body()})
            except BaseException as e:
                text = json.dumps({"error": f"{type(e).__name__}: {e}"})
            os.write(w, text.encode())
        finally:
            os._exit(0)
    os.close(w)
    try:
        ready, _, _ = select.select([r], [], [], timeout)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"child did not answer in {timeout} s (a blocking open or read?)")
        data = b""
        while chunk := os.read(r, 65536):
            data += chunk
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    res = json.loads(data)
    assert "error" not in res, res["error"]
    return res["ok"]


def long_path_of(base: str, length: int) -> bytes:
    """A path of exactly ``length`` bytes under ``base``: 200-byte directory
    names, then a file name of the length left (1..255)."""
    path = base.encode()
    while length - len(path) > 256:
        path += b"/" + b"d" * 200
    rest = length - len(path) - 1
    assert 1 <= rest <= 255
    return path + b"/" + b"f" * rest


def open_at_length(base: str, length: int) -> int:
    """Make the file long_path_of(base, length) (longer than PATH_MAX allows
    in one call, so one directory at a time) and open it O_RDONLY."""
    parts = long_path_of(base, length)[len(base) + 1:].split(b"/")
    d = os.open(base, DIR_FLAGS)
    try:
        for part in parts[:-1]:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, dir_fd=d)
            nd = os.open(part, DIR_FLAGS, dir_fd=d)
            os.close(d)
            d = nd
        return os.open(parts[-1], os.O_RDONLY | os.O_CREAT, 0o644, dir_fd=d)
    finally:
        os.close(d)


def sleeping_in_nanosleep(pid: int) -> bool:
    """Blocked in its nanosleep: the wait channel says so, or the syscall
    number does (clock_nanosleep: x86-64 230, arm64 115; nanosleep: 35, 101)."""
    with open(f"/proc/{pid}/wchan") as f:
        if "nanosleep" in f.read():
            return True
    with open(f"/proc/{pid}/syscall") as f:
        return f.read().split()[0] in {"230", "35", "115", "101"}
