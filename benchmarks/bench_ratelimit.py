"""Rate-limit storms: a 100-resource `up` through the real engine while cloudflare-local answers every API
request with 429 for a window after every `EVERY` requests (Cloudflare's limit is account-wide, so a storm
stops every call in flight at once, each told by ``Retry-After`` how long to wait).

The least extra time such an `up` can take is the storms' total length: the figure is the extra wall time
over the same `up` without storms (run side by side, on its own account) divided by that length (goal: at
most 1.10). Also: zero failed operations, and requests per operation with and without storms (a client that
retried before ``Retry-After`` would send many 429s per storm: amplification).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from cloudflare_local.process import CloudflareLocalServer

from .bench_scale import api_log, new_run, resources
from .common import TOKEN, Section

WORKFLOWS = 40  # 100 resources
EVERY = 40
SECONDS = 1
REPEATS = 2
GOAL = 1.10


def one_up(server: CloudflareLocalServer, work: Path, storms: bool) -> dict[str, Any]:
    run = new_run(server, work, "ours", WORKFLOWS)
    try:
        server.set_rate_limit_storms(EVERY if storms else 0, SECONDS)
        started = time.perf_counter()
        result = run.stack.up(skip_preview=True)
        seconds = time.perf_counter() - started
        record = server.rate_limit_storms()["storms"]
        server.set_rate_limit_storms(0)
        log = api_log(server, run.account_id)
        return {
            "ok": result.ok,
            "error": result.error,
            "seconds": seconds,
            "operations": sum(v for k, v in result.summary.items() if k != "same"),
            "requests": len(log),
            "rejected": sum(1 for r in log if r["status"] == 429),
            "storms": len(record),
            "storm_seconds": sum(s["seconds"] for s in record),
        }
    finally:
        server.set_rate_limit_storms(0)
        run.stack.destroy(skip_preview=True)
        shutil.rmtree(run.work, ignore_errors=True)


def run() -> Section:
    section = Section(
        f"Rate-limit storms: a {resources(WORKFLOWS)}-resource `up`, 429 for {SECONDS} s per {EVERY} requests"
    )
    work = Path(tempfile.mkdtemp(prefix="pcw-bench-ratelimit-"))
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    try:
        with CloudflareLocalServer(token=TOKEN) as server:
            for _ in range(REPEATS):
                pairs.append((one_up(server, work, False), one_up(server, work, True)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for base, storm in pairs:
        for label, r in (("without storms", base), ("with storms", storm)):
            if not r["ok"]:
                section.errors.append(f"`up` {label} failed: {r['error']}")
    ratios = [
        (storm["seconds"] - base["seconds"]) / storm["storm_seconds"]
        for base, storm in pairs
        if storm["storm_seconds"]
    ]
    section.figure(
        "ratelimit.extra_time_ratio",
        "extra wall time of the `up` with storms over the one without, divided by the storms' total "
        f"length (goal <= {GOAL})",
        "x",
        ratios,
    )
    section.figure(
        "ratelimit.storm_seconds",
        "the storms' total length (what the account asked the client to wait, at the least)",
        "s",
        [float(s["storm_seconds"]) for _, s in pairs],
        digits=0,
    )
    section.figure("ratelimit.up_with_storms", "`up` wall with storms", "s", [s["seconds"] for _, s in pairs])
    section.figure("ratelimit.up_without", "`up` wall without storms", "s", [b["seconds"] for b, _ in pairs])
    for key, label in (("base", "without storms"), ("storm", "with storms")):
        section.figure(
            f"ratelimit.requests_per_operation.{key}",
            f"API requests per engine operation, {label}",
            "requests",
            [
                (b if key == "base" else s)["requests"] / max(1, (b if key == "base" else s)["operations"])
                for b, s in pairs
            ],
            digits=2,
        )
    section.figure(
        "ratelimit.rejected_per_storm",
        "429s answered per storm (each call in flight once; more would mean retries before Retry-After)",
        "requests",
        [s["rejected"] / s["storms"] for _, s in pairs if s["storms"]],
        digits=2,
    )
    section.fact(
        "ratelimit.zero_failed_operations",
        "every `up` with storms succeeded, every operation done",
        all(s["ok"] for _, s in pairs),
    )
    section.fact(
        "ratelimit.meets_goal",
        f"extra time within {GOAL}x of the storms' length in every run",
        bool(ratios) and all(r <= GOAL for r in ratios),
    )
    section.details = {
        "every": EVERY,
        "seconds": SECONDS,
        "runs": [{"base": b, "storm": s} for b, s in pairs],
    }
    return section
