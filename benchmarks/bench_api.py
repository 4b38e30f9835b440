"""4. cloudflare-local's own latency as a client sees it: sequential GET /workflows/{name} and multipart
script uploads over one keep-alive httpx connection."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from functools import partial

import httpx
from cloudflare_local.process import CloudflareLocalServer
from sample_scripts import HOST_V1

from .common import TOKEN, Section

N_GET = 200
N_UPLOAD = 50
WARM_UP = 10
SMALL_MODULE = 'export default {{ async fetch() {{ return new Response("upload {i}"); }} }};\n'
METADATA = {"main_module": "worker.mjs", "compatibility_date": "2025-04-01"}


def upload(client: httpx.Client, account_id: str, name: str, source: str) -> httpx.Response:
    files = [
        ("metadata", (None, json.dumps(METADATA).encode(), "application/json")),
        ("worker.mjs", ("worker.mjs", source.encode(), "application/javascript+module")),
    ]
    return client.put(f"/accounts/{account_id}/workers/scripts/{name}", files=files)


def timed(call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    """(milliseconds, response) of one request."""
    started = time.perf_counter()
    response = call()
    return (time.perf_counter() - started) * 1000, response


def run() -> Section:
    section = Section("cloudflare-local API latency")
    account_id = uuid.uuid4().hex
    bad: list[str] = []
    with (
        CloudflareLocalServer(token=TOKEN) as server,
        httpx.Client(
            base_url=server.api_base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        ) as client,
    ):
        upload(client, account_id, "bench-host", HOST_V1).raise_for_status()
        client.put(
            f"/accounts/{account_id}/workflows/bench-orders",
            json={"class_name": "OrderWorkflow", "script_name": "bench-host"},
        ).raise_for_status()

        path = f"/accounts/{account_id}/workflows/bench-orders"
        for _ in range(WARM_UP):
            client.get(path)
        gets: list[float] = []
        for _ in range(N_GET):
            ms, response = timed(partial(client.get, path))
            gets.append(ms)
            if response.status_code != 200:
                bad.append(f"GET {path}: HTTP {response.status_code}")

        for i in range(WARM_UP):
            upload(client, account_id, "bench-upload", SMALL_MODULE.format(i=-i))
        uploads: list[float] = []
        for i in range(N_UPLOAD):
            source = SMALL_MODULE.format(i=i)
            ms, response = timed(partial(upload, client, account_id, "bench-upload", source))
            uploads.append(ms)
            if response.status_code != 200:
                bad.append(f"PUT script: HTTP {response.status_code} {response.text[:200]}")
    section.figure(
        "api.get_workflow.latency",
        f"sequential GET /accounts/{{id}}/workflows/{{name}} over one keep-alive connection "
        f"({WARM_UP} warm-up requests excluded)",
        "ms",
        gets,
        with_p95=True,
    )
    section.figure(
        "api.upload_script.latency",
        "sequential multipart PUT /accounts/{id}/workers/scripts/{name} (metadata + one ~70-byte ES module, "
        f"the same script name each time, so each is a new version; {WARM_UP} warm-up uploads excluded)",
        "ms",
        uploads,
        with_p95=True,
    )
    section.fact("api.all_succeeded", "every timed request answered 200", not bad)
    section.errors.extend(bad[:20])
    return section
