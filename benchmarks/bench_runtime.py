"""cloudflare-local's runtime (workerd through Miniflare, in the Node sidecar): how long it takes to start,
to redeploy, to run an instance from start to complete, and how much memory 500 instances take.

Every request goes over HTTP to a real server subprocess, as a client's would; the processes' memory is read
from /proc through the server's `/__local/runtime` hook.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import script_form
from sample_scripts import HOST_V1, HOST_V2

from .common import TOKEN, Section

STARTS = 3
REDEPLOYS = 10
LATENCY_RUNS = 30
INSTANCES = 500
BATCH = 100
POLL = 0.005
DEADLINE = 300.0
WORKFLOW = "bench-orders"
CLASSES = (("OrderWorkflow", HOST_V1), ("OrderWorkflowV2", HOST_V2))


def started(runtime: bool) -> tuple[float, CloudflareLocalServer]:
    """(seconds from spawn to a healthy server, the server)."""
    began = time.perf_counter()
    server = CloudflareLocalServer(token=TOKEN, runtime=runtime).start()
    return time.perf_counter() - began, server


def deploy(api: httpx.Client, class_name: str, source: str) -> httpx.Response:
    """The host, hosting the workflow with `class_name`, then the workflow on that class."""
    binding = {"type": "workflow", "name": "ORDERS", "workflow_name": WORKFLOW, "class_name": class_name}
    response = api.put("/workers/scripts/bench-host", files=script_form(source, bindings=[binding]))
    response.raise_for_status()
    api.put(
        f"/workflows/{WORKFLOW}", json={"class_name": class_name, "script_name": "bench-host"}
    ).raise_for_status()
    return response


def until(what: str, probe: Any, done: Any) -> Any:
    deadline = time.monotonic() + DEADLINE
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {DEADLINE:.0f} s (last: {value!r})")
        time.sleep(POLL)


def rss_mib(server: CloudflareLocalServer) -> dict[str, float]:
    """Resident memory of the sidecar (node) and workerd, MiB."""
    return {p["name"]: p["rss_kib"] / 1024 for p in server.runtime_info()["processes"]}


def run() -> Section:
    section = Section("cloudflare-local runtime (workerd through Miniflare)")
    with_runtime: list[float] = []
    without: list[float] = []
    sidecar: list[float] = []
    for _ in range(STARTS):
        seconds, server = started(runtime=False)
        server.stop()
        without.append(seconds)
        seconds, server = started(runtime=True)
        sidecar.append(server.runtime_info()["sidecar_start_seconds"])
        server.stop()
        with_runtime.append(seconds)
    section.figure(
        "runtime.server_start.with_runtime",
        "spawn -> healthy, `--runtime` (sidecar up, first apply)",
        "s",
        with_runtime,
    )
    section.figure("runtime.server_start.without_runtime", "spawn -> healthy, `--no-runtime`", "s", without)
    section.figure("runtime.sidecar_start", "node sidecar spawn -> ready (Miniflare imported)", "s", sidecar)

    account_id = uuid.uuid4().hex
    with (
        CloudflareLocalServer(token=TOKEN, runtime=True) as server,
        httpx.Client(
            base_url=f"{server.api_base}/accounts/{account_id}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=120,
        ) as api,
    ):
        deploy(api, *CLASSES[0])
        idle = rss_mib(server)

        redeploys: list[float] = []
        applied: list[float] = []
        for n in range(REDEPLOYS):
            class_name, source = CLASSES[(n + 1) % 2]
            binding = {
                "type": "workflow",
                "name": "ORDERS",
                "workflow_name": WORKFLOW,
                "class_name": class_name,
            }
            began = time.perf_counter()
            api.put(
                "/workers/scripts/bench-host", files=script_form(source, bindings=[binding])
            ).raise_for_status()
            redeploys.append((time.perf_counter() - began) * 1000)
            applied.append(server.runtime_info()["applies"][-1]["workerd_seconds"] * 1000)
            api.put(f"/workflows/{WORKFLOW}", json={"class_name": class_name, "script_name": "bench-host"})
        section.figure(
            "runtime.redeploy.upload",
            "PUT of the host script with the workflow's class renamed (one workerd restart), over the API",
            "ms",
            redeploys,
        )
        section.figure(
            "runtime.redeploy.workerd", "of which Miniflare's setOptions (workerd restarted)", "ms", applied
        )

        latencies: list[float] = []
        for n in range(LATENCY_RUNS):
            began = time.perf_counter()
            created = api.post(f"/workflows/{WORKFLOW}/instances", json={"instance_id": f"latency-{n}"})
            created.raise_for_status()
            until(
                "an instance completing",
                lambda n=n: api.get(f"/workflows/{WORKFLOW}/instances/latency-{n}").json()["result"][
                    "status"
                ],
                lambda status: status in ("complete", "errored"),
            )
            latencies.append((time.perf_counter() - began) * 1000)
        section.figure(
            "runtime.instance.start_to_complete",
            f"POST .../instances, then GET it every {POLL * 1000:g} ms until complete (a one-step workflow)",
            "ms",
            latencies,
            with_p95=True,
        )

        began = time.perf_counter()
        for start in range(0, INSTANCES, BATCH):
            batch = [{"instance_id": f"load-{i}"} for i in range(start, start + BATCH)]
            api.post(f"/workflows/{WORKFLOW}/instances/batch", json=batch).raise_for_status()
        counts = until(
            f"{INSTANCES} instances completing",
            lambda: api.get(f"/workflows/{WORKFLOW}").json()["result"]["instances"],
            lambda c: c.get("complete", 0) >= INSTANCES + LATENCY_RUNS,
        )
        seconds = time.perf_counter() - began
        loaded = rss_mib(server)
        deploy(api, *CLASSES[1])
        after_restart = rss_mib(server)
    section.fact("runtime.instances.completed", f"instances complete after the {INSTANCES}", counts)
    section.fact(
        "runtime.instances.per_second",
        f"{INSTANCES} instances (batches of {BATCH} over the API) created and run to complete, per second",
        round(INSTANCES / seconds, 1),
    )
    for name in ("workerd", "node"):
        section.fact(
            f"runtime.rss.{name}.idle",
            f"{name} resident memory, one host + workflow (MiB)",
            round(idle.get(name, 0.0), 1),
        )
        section.fact(
            f"runtime.rss.{name}.after_{INSTANCES}",
            f"{name} resident memory after {INSTANCES + LATENCY_RUNS} instances ran (MiB)",
            round(loaded.get(name, 0.0), 1),
        )
        section.fact(
            f"runtime.rss.{name}.after_restart",
            f"{name} resident memory after the next redeploy restarted workerd (MiB; the revive that follows "
            "reads every instance's status, which loads its engine again)",
            round(after_restart.get(name, 0.0), 1),
        )
    return section
