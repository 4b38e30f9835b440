"""Helpers for the runtime suite: waiting for instances (polling with a deadline, never a bare sleep) and
requesting a deployed script's fetch handler on one account."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.runtime.workers import ACCOUNT_HEADER

T = TypeVar("T")
FINAL = ("complete", "errored", "terminated")
DEADLINE = 60.0


def wait_for(what: str, probe: Callable[[], T], done: Callable[[T], bool], timeout: float = DEADLINE) -> T:
    """Poll `probe` until `done(value)`, failing with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not done(value):
        assert time.monotonic() < deadline, f"{what}: not after {timeout:.0f} s; last seen: {value!r}"
        time.sleep(0.05)
        value = probe()
    return value


def instance(api: httpx.Client, workflow: str, instance_id: str) -> dict[str, Any]:
    """GET .../instances/{id}: the instance's details (steps with their outputs)."""
    response = api.get(f"/workflows/{workflow}/instances/{instance_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def finished(api: httpx.Client, workflow: str, instance_id: str, timeout: float = DEADLINE) -> dict[str, Any]:
    """The instance once it is complete, errored or terminated."""
    return wait_for(
        f"instance {instance_id} finishing",
        lambda: instance(api, workflow, instance_id),
        lambda d: d["status"] in FINAL,
        timeout,
    )


def steps(details: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The instance's steps by name."""
    return {s["name"]: s for s in details["steps"]}


def worker(
    server: CloudflareLocalServer,
    account_id: str,
    script: str,
    path: str = "/",
    method: str = "GET",
    json: Any = None,
) -> httpx.Response:
    """Request `script`'s fetch handler on `account_id` (the header picks the account when two deploy it)."""
    return httpx.request(
        method, server.worker_url(script, path), headers={ACCOUNT_HEADER: account_id}, json=json, timeout=60
    )
