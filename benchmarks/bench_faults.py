"""5. Retries under injected faults: a create -> update -> delete cycle of a Worker that hosts a Workflow,
driven through the provider classes directly (as tests/provider does) with the production RetryPolicy,
against cloudflare-local with seeded fault injection (429 + Retry-After, 500, 502, 503, dropped connections,
slow answers) at several rates."""

from __future__ import annotations

import statistics
import time
import uuid
from collections import Counter
from typing import Any, TypeVar

import httpx
from cloudflare_local.process import CloudflareLocalServer
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi_cloudflare_workflows_provider.base import CloudflareProvider
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider
from sample_scripts import HOST_V1, HOST_V2

from .common import TOKEN, Section

RATES = (0.0, 0.1, 0.3)
SEEDS = (1, 2, 3)


P = TypeVar("P", bound=CloudflareProvider)


def configured(provider: P, server: CloudflareLocalServer) -> P:
    """What the dynamic-provider server does once per process (`configured` in tests/provider/support.py
    does the same)."""
    config = {"cloudflare:apiToken": TOKEN, "cloudflare:baseUrl": server.api_base}
    provider.configure(ConfigureRequest(Config(config, "bench")))
    return provider


def hosted(class_name: str) -> dict[str, Any]:
    return {"WF": {"type": "workflow", "workflow_name": "orders", "class_name": class_name}}


def cycle(worker_p: WorkerProvider, workflow_p: WorkflowProvider, account_id: str) -> None:
    """create Worker, create Workflow, update both (class rename), delete Workflow, delete Worker: the
    engine's order for the quickstart's host. check/diff make no API call; they run as the engine would."""
    worker_in = dict(
        worker_p.check(
            {},
            {
                "account_id": account_id,
                "name": "host",
                "script": HOST_V1,
                "bindings": hosted("OrderWorkflow"),
            },
        ).inputs
        or {}
    )
    worker = dict(worker_p.create(dict(worker_in)).outs or {})
    wf_news = {
        "account_id": account_id,
        "workflow_name": "orders",
        "class_name": "OrderWorkflow",
        "script_name": "host",
    }
    wf_in = dict(workflow_p.check({}, wf_news).inputs or {})
    workflow = dict(workflow_p.create(dict(wf_in)).outs or {})

    new_worker = dict(
        worker_p.check(
            worker_in, {**worker_in, "script": HOST_V2, "bindings": hosted("OrderWorkflowV2")}
        ).inputs
        or {}
    )
    worker_p.diff("host", worker, new_worker)
    worker = dict(worker_p.update("host", worker, new_worker).outs or {})
    new_wf = dict(workflow_p.check(workflow, {**wf_news, "class_name": "OrderWorkflowV2"}).inputs or {})
    workflow_p.diff("orders", workflow, new_wf)
    workflow = dict(workflow_p.update("orders", workflow, new_wf).outs or {})

    workflow_p.delete("orders", workflow)
    worker_p.delete("host", worker)


def account_is_empty(server: CloudflareLocalServer, account_id: str) -> bool:
    """Faults off: neither the script nor the workflow is left (a retried delete must not leave one)."""
    with httpx.Client(base_url=server.api_base, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        script = api.get(f"/accounts/{account_id}/workers/scripts/host/settings")
        workflow = api.get(f"/accounts/{account_id}/workflows/orders")
    return script.status_code == 404 and workflow.status_code == 404


def one_run(server: CloudflareLocalServer, rate: float, seed: int) -> dict[str, Any]:
    account_id = uuid.uuid4().hex
    worker_p = configured(WorkerProvider(), server)
    workflow_p = configured(WorkflowProvider(), server)
    server.clear_requests()
    server.set_faults(rate, seed)
    error = ""
    started = time.perf_counter()
    try:
        cycle(worker_p, workflow_p, account_id)
    except Exception as exc:  # a failure is a measured outcome here, not a crash of the benchmark
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    server.set_faults(0)
    marker = f"/accounts/{account_id}/"
    log = [r for r in server.requests() if marker in str(r["path"])]
    for provider in (worker_p, workflow_p):
        provider.client().close()
    return {
        "rate": rate,
        "seed": seed,
        "ok": not error,
        "error": error,
        "seconds": round(elapsed, 3),
        "requests": len(log),
        "faults": sum(1 for r in log if r.get("fault") and r["fault"] != "slow"),
        "slow": sum(1 for r in log if r.get("fault") == "slow"),
        "fault_kinds": dict(Counter(str(r["fault"]) for r in log if r.get("fault"))),
        "account_empty_after": account_is_empty(server, account_id),
    }


def run() -> Section:
    section = Section("Provider retries under injected faults")
    with CloudflareLocalServer(token=TOKEN) as server:
        runs = [one_run(server, rate, seed) for rate in RATES for seed in SEEDS]
    base_requests = [r["requests"] for r in runs if r["rate"] == 0 and r["ok"]]
    baseline = statistics.median(base_requests) if base_requests else None
    for rate in RATES:
        done = [r for r in runs if r["rate"] == rate]
        label = f"fault rate {rate:g}, seeds {list(SEEDS)}"
        section.figure(
            f"faults.rate_{rate:g}.wall",
            f"wall time of one cycle, {label}",
            "s",
            [r["seconds"] for r in done],
        )
        section.counts(
            f"faults.rate_{rate:g}.requests",
            f"API requests sent in one cycle (every attempt counts), {label}",
            "requests",
            [r["requests"] for r in done],
        )
        section.fact(
            f"faults.rate_{rate:g}.succeeded",
            f"cycles that completed, of {len(done)} ({label})",
            sum(1 for r in done if r["ok"]),
        )
        section.fact(
            f"faults.rate_{rate:g}.account_empty_after",
            f"cycles after which the account held no script or workflow, of {len(done)}",
            sum(1 for r in done if r["account_empty_after"]),
        )
    section.details = {
        "retry_policy": "production default: at most 6 sends, full-jitter backoff from 0.5 s capped at 8 s, "
        "Retry-After honoured (server sends 1 s), 60 s timeout",
        "fault_kinds": "429 (Retry-After 1), 500, 502 (HTML), 503 (Retry-After 1), drop, "
        "slow (1.5 s, then served)",
        "baseline_requests_without_faults": baseline,
        "runs": runs,
    }
    return section
