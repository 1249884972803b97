"""Build script: the cffi extension comes from csrc/build_ffi.py.

If the C compiler is missing or fails, the package still installs and runs on
its pure-Python backend, unless SYSMON_REQUIRE_NATIVE=1 (CI sets it).
"""

import os
import runpy
import sys

from setuptools import setup
from setuptools.command.build_clib import build_clib
from setuptools.command.build_ext import build_ext

core_library = runpy.run_path("csrc/build_ffi.py")["core_library"]


class _Optional:
    """Treat a failed C build as "use the pure-Python backend"."""

    def _fallback(self, exc: Exception) -> None:
        if os.environ.get("SYSMON_REQUIRE_NATIVE") == "1":
            raise exc
        sys.stderr.write(
            f"sysmon: C extension not built ({exc}); "
            "the pure-Python backend will be used\n"
        )

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure
            self._fallback(exc)


class optional_build_clib(_Optional, build_clib):
    pass


class optional_build_ext(_Optional, build_ext):
    def run(self) -> None:
        # build_ext alone (e.g. an editable install) must still build the core.
        self.run_command("build_clib")
        super().run()


setup(
    libraries=[core_library()],
    cffi_modules=["csrc/build_ffi.py:ffibuilder"],
    cmdclass={"build_clib": optional_build_clib, "build_ext": optional_build_ext},
)
