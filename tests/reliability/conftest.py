"""Fixtures for the reliability suite (helpers live in reliability_support).

The suite reuses the lifecycle suite's helpers (`lifecycle_support`): its directory goes on sys.path here, so
`pytest tests/reliability` works on its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lifecycle"))

import pytest


@pytest.fixture(autouse=True)
def _real_engine(pulumi_engine: Path) -> None:
    """Every reliability test runs through the real engine: skip or fail (with the reason) without it."""
