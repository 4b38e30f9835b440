"""Fixtures for the runtime suite: cloudflare-local with its runtime on (workerd through Miniflare), which
every other suite runs without (`CloudflareLocalServer(runtime=False)`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudflare_local.node import runtime_missing
from cloudflare_local.process import CloudflareLocalServer

from tests.conftest import TEST_TOKEN
from tests.lifecycle.support import Account


@pytest.fixture(scope="session")
def runtime_available() -> None:
    """Skips (saying what to run) where the npm packages the runtime needs are not installed."""
    missing = runtime_missing()
    if missing is not None:
        pytest.skip(missing)


@pytest.fixture(scope="session")
def runtime_server(
    runtime_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CloudflareLocalServer]:
    """One runtime server per xdist worker; tests isolate by `account_id` (and name it to reach a Worker)."""
    with CloudflareLocalServer(
        token=TEST_TOKEN, data_dir=tmp_path_factory.mktemp("runtime"), runtime=True
    ) as server:
        yield server


@pytest.fixture
def fresh_runtime_server(runtime_available: None, tmp_path: Path) -> Iterator[CloudflareLocalServer]:
    """A runtime server of the test's own, for restarts and process checks."""
    with CloudflareLocalServer(token=TEST_TOKEN, data_dir=tmp_path / "runtime", runtime=True) as server:
        yield server


@pytest.fixture
def account(runtime_server: CloudflareLocalServer, account_id: str) -> Account:
    return Account(runtime_server, account_id)


@pytest.fixture
def api(account: Account) -> Any:
    """An httpx client on the test's account of the runtime server."""
    return account.http
