"""Shared fixtures: a real cloudflare-local server per xdist worker, fresh account ids, the wrangler binary.

Fixture names are a contract (docs/architecture.md): other test packages use them as they are.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pulumi_offline
import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.node import node_bin, node_executable, wrangler_bin
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client

TEST_TOKEN = "test-token"


@pytest.fixture(scope="session")
def cloudflare_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudflareLocalServer]:
    """One server per xdist worker (session scope), token `test-token`; isolate tests by `account_id`."""
    data_dir = tmp_path_factory.mktemp("cloudflare-local")
    with CloudflareLocalServer(token=TEST_TOKEN, data_dir=data_dir) as server:
        yield server


@pytest.fixture(scope="session")
def pulumi_engine() -> Path:
    """The real `pulumi` engine built by `make` (engine/build.py). Skips only on a machine with neither Go nor
    an installed pulumi to build or link it from; fails (saying what to run) where it could be built."""
    try:
        return pulumi_offline.engine_bin_dir()
    except pulumi_offline.EngineMissingError as missing:
        if shutil.which("go") is None and shutil.which("pulumi") is None:
            pytest.skip("neither Go nor a pulumi CLI on this machine: the real engine cannot be built")
        pytest.fail(str(missing), pytrace=False)


@pytest.fixture
def account_id() -> str:
    """A fresh 32-hex account id per test, so tests never see each other's objects."""
    return uuid.uuid4().hex


@pytest.fixture
def fresh_cloudflare_local(tmp_path: Path) -> Iterator[CloudflareLocalServer]:
    """A server of this test's own (own data dir), for faults, restarts and request-log assertions."""
    with CloudflareLocalServer(token=TEST_TOKEN, data_dir=tmp_path / "cloudflare-local") as server:
        yield server


@pytest.fixture(scope="session")
def wrangler() -> Path:
    """The repo's pinned wrangler CLI; skips (with the reason) when the npm packages are not installed."""
    path = wrangler_bin()
    if path is None:
        pytest.skip("wrangler not installed: run `make setup` (npm ci in local/node)")
    if node_executable() is None:
        pytest.skip("node is not on PATH: wrangler cannot run")
    return path


@pytest.fixture(scope="session")
def esbuild() -> Path:
    """The repo's pinned esbuild (a native binary); skips (with the reason) when the npm packages are not
    installed. Tests put it where a program would have it: its node_modules/.bin, or PATH."""
    path = node_bin("esbuild")
    if path is None:
        pytest.skip("esbuild not installed: run `make setup` (npm ci in local/node)")
    return path


@pytest.fixture
def cf_api(cloudflare_local: CloudflareLocalServer, account_id: str) -> Iterator[ContractClient]:
    """An httpx client on this test's account (`cf_api.get("/workflows")`) that checks every exchange
    against Cloudflare's OpenAPI document (cloudflare_local.contract)."""
    with api_client(cloudflare_local, account_id) as client:
        yield client
