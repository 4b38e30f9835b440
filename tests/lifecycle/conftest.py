"""Fixtures for the lifecycle suite (helpers live in tests.lifecycle.support); every scenario runs through the
real `pulumi` engine that `make` builds (the `pulumi_engine` fixture)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.lifecycle.support import Account, Project, copy_project


@pytest.fixture
def account(cloudflare_local: Any, account_id: str) -> Account:
    return Account(cloudflare_local, account_id)


@pytest.fixture
def copy_example(tmp_path: Path, account: Account, pulumi_engine: Path) -> Callable[[str], Project]:
    return lambda name: copy_project(name, tmp_path, account)
