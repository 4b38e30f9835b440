"""Fixtures for the program tests (helpers live in tests.programs.support)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[True, False], ids=["run_in_stack", "runtime_test"])
def real_runtime(request: pytest.FixtureRequest) -> bool:
    """Both ways a program runs under mocks: `run_in_stack` (as the language host runs it) and
    `@pulumi.runtime.test` (see tests.programs.support.run_program)."""
    return bool(request.param)
