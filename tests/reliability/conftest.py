"""Fixtures for the reliability suite (helpers live in tests.reliability.support, which builds on
tests.lifecycle.support)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _real_engine(pulumi_engine: Path) -> None:
    """Every reliability test runs through the real engine: skip or fail (with the reason) without it."""
