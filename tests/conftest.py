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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once per backend; restores the previous one afterwards."""
    name = request.param
    before = sysmon.backend()
    if name == "c" and os.environ.get("SYSMON_REQUIRE_NATIVE") != "1":
        try:
            sysmon.set_backend("c")
        except sysmon.SysmonError:
            pytest.skip("C extension not built (set SYSMON_REQUIRE_NATIVE=1 to make this fail)")
    sysmon.set_backend(name)
    try:
        yield name
    finally:
        sysmon.set_backend(before)
