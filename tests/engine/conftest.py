"""Fixtures for the engine tests (helpers live in engine_support)."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import Toy, make_toy


@pytest.fixture
def toy_basic(tmp_path: Path) -> Toy:
    return make_toy(tmp_path, "basic")


@pytest.fixture
def toy_spec(tmp_path: Path) -> Toy:
    return make_toy(tmp_path, "spec")
