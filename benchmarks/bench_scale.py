"""Scale, side by side under the real engine: stacks of 10, 100 and 500 Workflows (each hosted by its own
Worker, every other one bound cross-script by a client: 2.5 resources per Workflow), built once from this
project's resources against cloudflare-local and once from a do-nothing dynamic provider
(:mod:`benchmarks.scale.noop`) in the same run. The ratio of the two is the figure: absolute times on a
shared 2-core machine are noise, the engine's own cost per resource is in both.

For each size: a fresh `preview`, the first `up`, a no-change `preview` and a no-change `up`, then `destroy`.
For 100 Workflows the first `up` is also run at `--parallel` 4 and 16 beside the engine's default, with the
provider calls in flight and the HTTP connections opened, both read from cloudflare-local's request log.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudflare_local.process import CloudflareLocalServer
from pulumi_cloudflare_workflows_provider.diagnostics import TRACE_ENV
from pulumi_offline import OperationResult, Stack

from .common import ROOT, TOKEN, Section

SIZES = (10, 100, 500)
REPEATS = {10: 3, 100: 1, 500: 1}
# From this size on, the engine saves its checkpoint only at the end (PULUMI_SKIP_CHECKPOINTS, the engine's
# own switch for large stacks): with a checkpoint after every step, the first `up` of 1,250 resources took
# 206 s with the do-nothing provider and 240 s with ours on this machine, the engine rewriting the whole
# state each time; both variants get the same setting, so the ratio still compares like with like.
SKIP_CHECKPOINTS_FROM = 500
PARALLEL = (None, 4, 16)
PARALLEL_SIZE = 100
GOAL_RATIO = 1.10

PROGRAM = "from benchmarks.scale.program import main\n\nmain()\n"


@dataclass
class Run:
    """One stack of one variant (`ours` or `noop`) and size, in its own directory, backend and account."""

    stack: Stack
    account_id: str
    work: Path


def project_dir(work: Path) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="scale-", dir=work))
    (directory / "Pulumi.yaml").write_text("name: scale\nruntime: python\n")
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


def new_run(server: CloudflareLocalServer, work: Path, variant: str, count: int) -> Run:
    account_id = uuid.uuid4().hex
    directory = project_dir(work)
    env = {
        **server.env(account_id),
        # The program and the provider process import benchmarks.scale (the noop provider, the program).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **({"PULUMI_SKIP_CHECKPOINTS": "true"} if count >= SKIP_CHECKPOINTS_FROM else {}),
    }
    stack = Stack(directory, stack="bench", env=env, backend=directory / ".state")
    stack.config_set("scale:count", str(count))
    stack.config_set("scale:provider", variant)
    return Run(stack, account_id, directory)


def resources(count: int) -> int:
    """Workflows, their hosts and the clients of every other one."""
    return count * 2 + (count + 1) // 2


def timed(op: Callable[[], OperationResult]) -> tuple[float, OperationResult]:
    started = time.perf_counter()
    result = op()
    return time.perf_counter() - started, result


def api_log(server: CloudflareLocalServer, account_id: str) -> list[dict[str, Any]]:
    marker = f"/accounts/{account_id}/"
    return [r for r in server.requests() if marker in str(r["path"])]


def in_flight(log: list[dict[str, Any]]) -> float:
    """The average number of API requests being answered at once over the span they cover."""
    if not log:
        return 0.0
    start = min(r["started"] for r in log)
    end = max(r["started"] + r["seconds"] for r in log)
    return sum(r["seconds"] for r in log) / (end - start) if end > start else float(len(log))


def provider_calls(trace: Path) -> list[dict[str, Any]]:
    """The provider's create/update/read/delete calls, as the provider traced them (``CFWF_TRACE_FILE``), in
    the request log's shape (`started`, `seconds`)."""
    if not trace.exists():
        return []
    spans = [json.loads(line) for line in trace.read_text().splitlines() if line.strip()]
    return [{"started": s["started"], "seconds": s["ended"] - s["started"]} for s in spans]


def connections_per_100(log: list[dict[str, Any]]) -> float:
    return 100.0 * len({r["connection"] for r in log}) / len(log) if log else 0.0


class Recorder:
    def __init__(self, section: Section) -> None:
        self.section = section
        self.samples: dict[str, list[float]] = {}
        self.details: dict[str, Any] = {}

    def add(self, key: str, seconds: float, result: OperationResult, label: str) -> None:
        if not result.ok:
            self.section.errors.append(f"{label}: {result.error}")
        self.samples.setdefault(key, []).append(seconds)


def cycle(server: CloudflareLocalServer, work: Path, variant: str, count: int, rec: Recorder) -> None:
    """preview (fresh) -> up -> no-change preview -> no-change up -> destroy, for one stack."""
    run = new_run(server, work, variant, count)
    label = f"{variant} x{count}"
    try:
        for key, op in (
            ("preview_fresh", lambda: run.stack.preview()),
            ("up", lambda: run.stack.up(skip_preview=True)),
            ("preview_noop", lambda: run.stack.preview(expect_no_changes=True)),
            ("up_noop", lambda: run.stack.up(skip_preview=True, expect_no_changes=True)),
        ):
            seconds, result = timed(op)
            rec.add(f"{variant}.{count}.{key}", seconds, result, f"{label} {key}")
            if not result.ok:
                return
        if variant == "ours":
            rec.details.setdefault("api_requests", {})[f"{count}"] = len(api_log(server, run.account_id))
    finally:
        run.stack.destroy(skip_preview=True)
        shutil.rmtree(run.work, ignore_errors=True)


def parallelism(server: CloudflareLocalServer, work: Path, rec: Recorder) -> None:
    """The first `up` of 100 Workflows at the engine's default parallelism and at 4 and 16."""
    for parallel in PARALLEL:
        run = new_run(server, work, "ours", PARALLEL_SIZE)
        name = "default" if parallel is None else str(parallel)
        trace = run.work / "provider-trace.jsonl"
        run.stack.env[TRACE_ENV] = str(trace)
        try:
            started = time.perf_counter()
            result = run.stack.up(skip_preview=True, parallel=parallel)
            seconds = time.perf_counter() - started
            rec.add(f"parallel.{name}.up", seconds, result, f"up --parallel={name}")
            log = api_log(server, run.account_id)
            calls = provider_calls(trace)
            rec.samples.setdefault(f"parallel.{name}.provider_in_flight", []).append(in_flight(calls))
            rec.samples.setdefault(f"parallel.{name}.in_flight", []).append(in_flight(log))
            per_100 = connections_per_100(log)
            rec.samples.setdefault(f"parallel.{name}.connections_per_100", []).append(per_100)
            rec.details.setdefault("parallel", {})[name] = {
                "seconds": round(seconds, 2),
                "requests": len(log),
                "connections": len({r["connection"] for r in log}),
            }
        finally:
            run.stack.destroy(skip_preview=True)
            shutil.rmtree(run.work, ignore_errors=True)


def our_part(section: Section, rounds: int = 2000) -> None:
    """Where this project's own time per resource goes, in-process: the provider's `check` and `diff`, the
    unpickling of `__provider` (done once per process: the dynamic-provider server caches it), and what
    Pulumi's SDK spends on the resource class's annotations at each registration."""
    import base64

    import dill
    from pulumi._types import resource_types
    from pulumi.dynamic.dynamic import serialize_provider
    from pulumi_cloudflare_workflows import Worker, WorkflowResource
    from pulumi_cloudflare_workflows_provider import plan
    from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
    from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider
    from sample_scripts import HOST_V1

    worker, workflow = WorkerProvider(), WorkflowProvider()
    binding = {"type": "workflow", "workflow_name": "wf", "class_name": "OrderWorkflow", "derived_name": True}
    news = {"account_id": "a" * 32, "name": "host", "script": HOST_V1, "bindings": {"WF": binding}}
    flow = {
        "account_id": "a" * 32,
        "workflow_name": "wf",
        "class_name": "OrderWorkflow",
        "script_name": "host",
    }
    checked = dict(worker.check({}, news).inputs)
    state = plan.WORKER.outputs(checked, {})
    pickled = serialize_provider(worker)
    calls: list[tuple[str, str, Callable[[], object]]] = [
        (
            "worker_check",
            "WorkerProvider.check (normalise, validate, the export preflight)",
            lambda: worker.check({}, news),
        ),
        ("workflow_check", "WorkflowProvider.check", lambda: workflow.check({}, flow)),
        (
            "worker_diff",
            "WorkerProvider.diff of an unchanged Worker",
            lambda: worker.diff("host", state, checked),
        ),
        (
            "unpickle",
            "dill.loads of a Worker's `__provider` (once per process)",
            lambda: dill.loads(base64.b64decode(pickled)),
        ),
        (
            "annotations_worker",
            "pulumi's resource_types(Worker), run at each registration",
            lambda: resource_types(Worker),
        ),
        (
            "annotations_workflow",
            "pulumi's resource_types(WorkflowResource)",
            lambda: resource_types(WorkflowResource),
        ),
    ]
    for key, what, call in calls:
        call()
        started = time.perf_counter()
        for _ in range(rounds):
            call()
        section.figure(
            f"scale.our_part.{key}", what, "us", [1e6 * (time.perf_counter() - started) / rounds], digits=1
        )


def run() -> Section:
    section = Section("Scale: this project's resources against a do-nothing provider, under the real engine")
    our_part(section)
    rec = Recorder(section)
    work = Path(tempfile.mkdtemp(prefix="pcw-bench-scale-"))
    try:
        with CloudflareLocalServer(token=TOKEN) as server:
            cycle(server, work, "noop", 10, Recorder(Section("warm-up")))  # .pyc of the SDK and providers
            for count in SIZES:
                for _ in range(REPEATS[count]):
                    for variant in ("noop", "ours"):
                        cycle(server, work, variant, count, rec)
            parallelism(server, work, rec)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(section, rec)
    return section


def report(section: Section, rec: Recorder) -> None:
    ops = {
        "preview_fresh": "a fresh `preview` (every resource a create)",
        "up": "the first `up`",
        "preview_noop": "a no-change `preview` after `up`",
        "up_noop": "a no-change `up`",
    }
    ratios: dict[str, float] = {}
    for count in SIZES:
        n = resources(count)
        for op, what in ops.items():
            ours, noop = rec.samples.get(f"ours.{count}.{op}"), rec.samples.get(f"noop.{count}.{op}")
            if not ours or not noop:
                continue
            section.figure(
                f"scale.{count}.{op}.ms_per_resource",
                f"{what} of {count} Workflows ({n} resources), this project's resources: wall per resource",
                "ms",
                [1000 * s / n for s in ours],
                digits=2,
            )
            section.figure(
                f"scale.{count}.{op}.noop_ms_per_resource",
                "the same with the do-nothing provider (the engine's own cost)",
                "ms",
                [1000 * s / n for s in noop],
                digits=2,
            )
            ratio = statistics.median(ours) / statistics.median(noop)
            ratios[f"{count}.{op}"] = round(ratio, 3)
            section.figure(
                f"scale.{count}.{op}.ratio",
                f"{what} of {count} Workflows: median wall, ours / do-nothing provider"
                + (f" (goal <= {GOAL_RATIO})" if op in ("preview_noop", "up_noop") else ""),
                "x",
                [ratio],
            )
    for key, samples in sorted(rec.samples.items()):
        if key.startswith("parallel."):
            unit = "s" if key.endswith(".up") else ("calls" if "in_flight" in key else "connections")
            section.figure(f"scale.{key}", _parallel_what(key), unit, samples, digits=2)
    goals = {k: v for k, v in ratios.items() if k.endswith(("preview_noop", "up_noop"))}
    section.fact(
        "scale.noop_ratios_meet_goal",
        f"every no-change preview and up is within {GOAL_RATIO}x of the do-nothing provider",
        bool(goals) and all(v <= GOAL_RATIO for v in goals.values()),
    )
    section.details = {"sizes": list(SIZES), "repeats": REPEATS, "ratios": ratios, **rec.details}


def _parallel_what(key: str) -> str:
    _, name, what = key.split(".", 2)
    setting = "the engine's default parallelism" if name == "default" else f"--parallel={name}"
    return {
        "up": f"the first `up` of {PARALLEL_SIZE} Workflows at {setting}: wall",
        "in_flight": f"API requests in flight on average during that `up` ({setting})",
        "provider_in_flight": f"provider create calls in flight on average during that `up` ({setting})",
        "connections_per_100": f"HTTP connections opened per 100 API requests during that `up` ({setting})",
    }[what]
