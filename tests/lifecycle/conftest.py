"""Fixtures for the lifecycle suite (helpers live in lifecycle_support).

The `engine` fixture runs every scenario through pulumi-local, and through a real `pulumi` CLI when one is on
PATH (skipped otherwise, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lifecycle_support import Account, Project, copy_project


@pytest.fixture(params=["pulumi", "pulumi-local"])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "pulumi":
        request.getfixturevalue("pulumi_engine")
    return str(request.param)


@pytest.fixture
def account(cloudflare_local: Any, account_id: str) -> Account:
    return Account(cloudflare_local, account_id)


@pytest.fixture
def copy_example(tmp_path: Path, account: Account, engine: str) -> Callable[[str], Project]:
    return lambda name: copy_project(name, tmp_path, account, engine)
