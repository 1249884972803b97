"""cffi builder for sysmon's native core (out-of-line API mode).

The declarations cffi sees are the marked block of sysmon.h and the C is in
the *.c files beside this script; nothing here holds C source.  Our own C is built by setup.py as
the static library "sysmon_core" under the full warning wall (CORE_FLAGS);
the wrapper that cffi generates is compiled under -Wall -Wextra only, since
its code is not ours.  Extra compiler flags come from the environment
(CFLAGS), e.g. the ASan+UBSan build in .ci/run.
"""

from __future__ import annotations

import os
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
SOURCES = [
    "parse_proc.c", "parse_sys.c", "parse_systab.c", "parse_net.c", "parse_pid.c",
    "scan_proc.c", "scan_sys.c", "scan_net.c", "scan_pid.c", "io.c",
]
WARNINGS = [
    "-Wall",
    "-Wextra",
    "-Wshadow",
    "-Wstrict-prototypes",
    "-Wmissing-prototypes",
    "-Wformat=2",
    "-Wcast-qual",
    "-Wwrite-strings",
]
HARDENING = ["-fstack-protector-strong", "-D_FORTIFY_SOURCE=2"]


def _werror() -> list[str]:
    return ["-Werror"] if os.environ.get("SYSMON_WERROR") == "1" else []


CORE_FLAGS = ["-std=gnu11", *WARNINGS, *HARDENING, *_werror()]
WRAPPER_FLAGS = ["-Wall", "-Wextra", *HARDENING, *_werror()]


ffibuilder = FFI()


def _cdef() -> str:
    """The declarations cffi sees: the marked block of sysmon.h, so the
    structs and prototypes are written once and cannot drift apart."""
    text = (HERE / "sysmon.h").read_text()
    return text.split("/* cffi-cdef-begin */", 1)[1].split("/* cffi-cdef-end */", 1)[0]


ffibuilder.cdef(_cdef())
# cffi compiles its generated wrapper with these flags too: the wrapper is not
# ours, so its own warnings are silenced where they are known and harmless.
ffibuilder.set_source(
    "sysmon._sysmon_c",
    '#include "sysmon.h"\n',
    include_dirs=[os.path.relpath(HERE)],
    libraries=["sysmon_core"],
    # relink when our C changes, even if the generated wrapper did not
    depends=[os.path.relpath(p) for p in sorted(HERE.glob("*.[ch]"))],
    extra_compile_args=WRAPPER_FLAGS,
)



def core_library() -> tuple[str, dict[str, object]]:
    """The (name, build_info) pair that setup.py hands to build_clib."""
    return (
        "sysmon_core",
        {
            "sources": [os.path.relpath(HERE / s) for s in SOURCES],
            "include_dirs": [os.path.relpath(HERE)],
            "cflags": CORE_FLAGS,
        },
    )
