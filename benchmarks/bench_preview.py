"""3. Engine round trips of the root quickstart program (Pulumi.yaml at the repository root: two Workers and
one Workflow) through the real `pulumi` engine against cloudflare-local: fresh preview, up, no-change preview,
destroy. Each run is a whole CLI invocation (engine, language host, program, provider processes)."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudflare_local.process import CloudflareLocalServer
from pulumi_offline import OperationResult, Stack, engine_version

from .common import ROOT, TOKEN, Section

N = 3
STACK = "bench"

OPERATIONS: list[tuple[str, str, Callable[[Stack], OperationResult]]] = [
    ("preview_fresh", "`preview` of a fresh stack (every resource a create)", lambda s: s.preview()),
    ("up", "`up --skip-preview` of the fresh stack", lambda s: s.up(skip_preview=True)),
    (
        "preview_no_change",
        "`preview --expect-no-changes` right after `up`",
        lambda s: s.preview(expect_no_changes=True),
    ),
    ("destroy", "`destroy --skip-preview`", lambda s: s.destroy(skip_preview=True)),
]


def api_calls(server: CloudflareLocalServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if str(r["path"]).startswith("/client/v4")]


def real_engine(env: dict[str, str], state_dir: Path) -> Stack:
    return Stack(ROOT, stack=STACK, env=env, backend=state_dir)


def iteration(
    server: CloudflareLocalServer, work: Path, make_stack: Callable[[dict[str, str], Path], Any] = real_engine
) -> dict[str, dict[str, Any]]:
    """One fresh account and one fresh state dir, through every operation in order."""
    account_id = uuid.uuid4().hex
    state_dir = Path(tempfile.mkdtemp(prefix="state-", dir=work))
    stack = make_stack(server.env(account_id), state_dir)
    out: dict[str, dict[str, Any]] = {}
    try:
        for key, _, op in OPERATIONS:
            server.clear_requests()
            started = time.perf_counter()
            result = op(stack)
            elapsed = time.perf_counter() - started
            out[key] = {
                "seconds": round(elapsed, 4),
                "ok": result.ok,
                "summary": dict(result.summary),
                "api_requests": len(api_calls(server)),
                "error": result.error,
            }
            if not result.ok:
                break
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    return out


def run() -> Section:
    section = Section(f"Quickstart preview/up/destroy latency (pulumi {engine_version()})")
    work = Path(tempfile.mkdtemp(prefix="pcw-bench-preview-"))
    runs: list[dict[str, dict[str, Any]]] = []
    try:
        with CloudflareLocalServer(token=TOKEN) as server:
            warm = iteration(server, work)  # warm-up: .pyc of the SDK, the program, the provider
            runs = [iteration(server, work) for _ in range(N)]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for label, record in [("warm-up", warm)] + [(f"run {i + 1}", r) for i, r in enumerate(runs)]:
        for key, _, _ in OPERATIONS:
            if key not in record:
                section.errors.append(f"{label}: `{key}` did not run (an earlier operation failed)")
            elif not record[key]["ok"]:
                section.errors.append(f"{label}: `{key}` failed: {record[key]['error']}")

    for key, what, _ in OPERATIONS:
        done = [r[key] for r in runs if key in r]
        section.figure(
            f"engine.{key}.wall",
            f"{what}: the whole `pulumi` CLI run (engine, language host, program, provider)",
            "s",
            [d["seconds"] for d in done],
        )
        section.counts(
            f"engine.{key}.api_requests",
            f"Cloudflare API requests (/client/v4) made during {what}",
            "requests",
            [d["api_requests"] for d in done],
        )
    fresh = [r["preview_fresh"] for r in runs if "preview_fresh" in r]
    section.fact(
        "engine.preview_fresh.no_api_requests",
        "the fresh-stack preview made 0 Cloudflare API requests in every run",
        bool(fresh) and all(d["api_requests"] == 0 for d in fresh),
    )
    section.details = {
        "program": str(ROOT / "Pulumi.yaml"),
        "n": N,
        "warm_up_runs_excluded": 1,
        "runs": runs,
    }
    return section
