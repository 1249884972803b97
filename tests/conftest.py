"""Shared test fixtures.

Tests import the *installed* sysmon (run `pytest`, not `python -m pytest`,
from the repository root).  With SYSMON_REQUIRE_NATIVE=1 (as CI sets) a run
on the pure backend alone cannot pass: see test_build.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import sysmon

BACKENDS = ("c", "python")

# Child Pythons that tests start (`python -c ...`, `python -m sysmon.cli`) would
# put their working directory first on sys.path and, run from the repository
# root, import the source folder, which has no built extension.  Safe-path mode
# (Python >= 3.11) keeps them on the installed package, like this process.
os.environ["PYTHONSAFEPATH"] = "1"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once per backend; restores the previous one afterwards.

    Without SYSMON_REQUIRE_NATIVE=1 a missing C extension skips the "c" runs;
    with it (as in CI) they fail.
    """
    prev = sysmon.backend()
    try:
        sysmon.set_backend(request.param)
    except sysmon.SysmonError as e:
        if request.param == "c" and os.environ.get("SYSMON_REQUIRE_NATIVE") != "1":
            pytest.skip(f"C backend unavailable: {e}")
        raise
    try:
        assert sysmon.backend() == request.param
        yield request.param
    finally:
        sysmon.set_backend(prev)
