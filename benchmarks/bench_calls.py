"""Cloudflare API calls per operation: one Worker hosting one Workflow (examples/class-rename, copied to a
temp dir) through the real `pulumi` engine against cloudflare-local, counted from the server's request log;
and, side by side in the same run against the same server, `wrangler deploy` of the same Worker script.

Counted: requests under `/client/v4/accounts/<this run's account>/`; anything else under `/client/v4` (user or
membership look-ups) is listed in the details but not counted. Every `up` is `pulumi up --yes`, its preview
included, as a person runs it; `preview` is `pulumi preview`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudflare_local.node import loopback_guard, node_executable, wrangler_bin, wrangler_env
from cloudflare_local.process import CloudflareLocalServer
from pulumi_offline import OperationResult, Stack, engine_version

from .common import ROOT, TOKEN, Section

EXAMPLE = ROOT / "examples" / "class-rename"
STACK = "bench"
API_PREFIX = "/client/v4"
WRANGLER_TIMEOUT = 120.0

OLD_BINDINGS = 'bindings={"ORDERS": orders}'
NEW_BINDINGS = 'bindings={"ORDERS": orders, "MODE": "strict"}'


@dataclass
class Operation:
    key: str
    what: str
    goal: int | None
    prepare: Callable[[Stack, Path], None]
    run: Callable[[Stack], OperationResult]


def _nothing(_stack: Stack, _project: Path) -> None:
    return None


def _rename_class(stack: Stack, _project: Path) -> None:
    stack.config_set("workflowClass", "OrderWorkflowV2")


def _add_binding(_stack: Stack, project: Path) -> None:
    program = project / "__main__.py"
    text = program.read_text()
    if OLD_BINDINGS not in text:
        raise RuntimeError(f"{program} no longer contains {OLD_BINDINGS!r}: update benchmarks/bench_calls.py")
    program.write_text(text.replace(OLD_BINDINGS, NEW_BINDINGS, 1))


def _change_script(_stack: Stack, project: Path) -> None:
    script = project / "workers" / "worker.mjs"
    script.write_text(script.read_text() + "// changed by benchmarks/bench_calls.py\n")


OPERATIONS: list[Operation] = [
    Operation("new", "first `pulumi up` of a new host Worker + Workflow", 4, _nothing, lambda s: s.up()),
    Operation("noop_up", "`pulumi up` again with nothing changed", 0, _nothing, lambda s: s.up()),
    Operation("preview", "`pulumi preview` with nothing changed", 0, _nothing, lambda s: s.preview()),
    Operation(
        "class_rename",
        "`pulumi up` after renaming the Workflow's class (config workflowClass=OrderWorkflowV2; the script "
        "exports both classes)",
        2,
        _rename_class,
        lambda s: s.up(),
    ),
    Operation(
        "binding_added",
        '`pulumi up` after adding a plain-text binding to the Worker (`"MODE": "strict"`)',
        1,
        _add_binding,
        lambda s: s.up(),
    ),
    Operation(
        "script_changed",
        "`pulumi up` after appending one line to the Worker's script (no goal set; the counterpart of "
        "`calls.wrangler.redeploy`)",
        None,
        _change_script,
        lambda s: s.up(),
    ),
    Operation("destroy", "`pulumi destroy --yes`", 3, _nothing, lambda s: s.destroy()),
]


def _account_prefix(account_id: str) -> str:
    return f"{API_PREFIX}/accounts/{account_id}"


def split_requests(log: list[dict[str, Any]], account_id: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """(this account's API requests, other /client/v4 requests), each as [method, path, status]; account paths
    are relative to /client/v4/accounts/<id>, a query string is kept."""
    prefix = _account_prefix(account_id)
    mine: list[list[Any]] = []
    other: list[list[Any]] = []
    for entry in log:
        path = str(entry["path"])
        if not path.startswith(API_PREFIX):
            continue
        query = entry.get("query")
        shown = f"{path}?{query}" if query else path
        if (path + "/").startswith(prefix + "/"):
            mine.append([entry["method"], shown.removeprefix(prefix) or "/", entry["status"]])
        else:
            other.append([entry["method"], shown, entry["status"]])
    return mine, other


def account_is_empty(server: CloudflareLocalServer, account_id: str) -> bool | None:
    """No script and no workflow left in the account (read after the destroy's requests were taken)."""
    import httpx

    headers = {"Authorization": f"Bearer {server.token}"}
    base = f"{server.api_base}/accounts/{account_id}"
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            scripts = http.get("/workers/scripts").json().get("result") or []
            workflows = http.get("/workflows", params={"per_page": 100}).json().get("result") or []
    except (httpx.HTTPError, ValueError):
        return None
    return not scripts and not workflows


def engine_operations(server: CloudflareLocalServer, work: Path, section: Section) -> dict[str, Any]:
    """Every operation in order on one fresh copy of the example, one fresh account, one fresh backend."""
    project = work / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".pulumi-offline", "Pulumi.*.yaml"))
    account_id = uuid.uuid4().hex
    stack = Stack(project, stack=STACK, env=server.env(account_id), backend=work / "state")
    out: dict[str, Any] = {}
    for op in OPERATIONS:
        op.prepare(stack, project)
        server.clear_requests()
        started = time.perf_counter()
        result = op.run(stack)
        elapsed = time.perf_counter() - started
        mine, other = split_requests(server.requests(), account_id)
        record: dict[str, Any] = {
            "what": op.what,
            "goal": op.goal,
            "count": len(mine),
            "requests": mine,
            "ok": result.ok,
            "summary": dict(result.summary),
            "seconds": round(elapsed, 3),
        }
        if other:
            record["other_api_requests"] = other
        if not result.ok:
            record["error"] = result.error
            section.errors.append(f"`{op.key}` failed: {result.error}")
        out[op.key] = record
        if not result.ok:
            break
    if "destroy" in out and out["destroy"]["ok"]:
        out["destroy"]["account_empty_after"] = account_is_empty(server, account_id)
    return out


# --- wrangler ---------------------------------------------------------------------------------------------

WRANGLER_SCRIPT = "bench-calls-host"
WRANGLER_TOML = f"""\
name = "{WRANGLER_SCRIPT}"
main = "src/worker.mjs"
compatibility_date = "2025-04-01"

[[workflows]]
name = "bench-calls-orders"
binding = "ORDERS"
class_name = "OrderWorkflow"
"""


def wrangler_deploys(server: CloudflareLocalServer, work: Path, section: Section) -> dict[str, Any]:
    """`wrangler deploy` of the example's script twice: new, then with the script changed."""
    binary = wrangler_bin()
    if binary is None:
        section.errors.append(
            "wrangler not installed (local/node/node_modules/.bin/wrangler): run `make setup`"
        )
        return {}
    if node_executable() is None:
        section.errors.append("node is not on PATH: wrangler cannot run")
        return {}
    project = work / "wrangler"
    (project / "src").mkdir(parents=True)
    source = (EXAMPLE / "workers" / "worker.mjs").read_text()
    (project / "src" / "worker.mjs").write_text(source)
    (project / "wrangler.toml").write_text(WRANGLER_TOML)
    home = work / "wrangler-home"
    home.mkdir()
    account_id = uuid.uuid4().hex
    env = wrangler_env(server.api_base, server.token, account_id, home)
    out: dict[str, Any] = {"loopback_guard": loopback_guard().exists(), "script_name": WRANGLER_SCRIPT}
    # esbuild drops comments and unused code, so the change is a string the bundle keeps.
    steps = [
        (
            "deploy_new",
            "first `wrangler deploy` of the script (a new Worker with a [[workflows]] binding)",
            "",
        ),
        ("redeploy", "`wrangler deploy` again with the script changed (one step name)", '"total-v1"'),
    ]
    for key, what, change in steps:
        if change:
            (project / "src" / "worker.mjs").write_text(source.replace('"total"', change, 1))
        server.clear_requests()
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [str(binary), "deploy"],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=WRANGLER_TIMEOUT,
                check=False,
            )
            code, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as exc:
            code, output = -1, f"timed out after {WRANGLER_TIMEOUT} s: {exc}"
        elapsed = time.perf_counter() - started
        mine, other = split_requests(server.requests(), account_id)
        record: dict[str, Any] = {
            "what": what,
            "count": len(mine),
            "requests": mine,
            "ok": code == 0,
            "seconds": round(elapsed, 3),
        }
        if other:
            record["other_api_requests"] = other
        if code != 0 or "loopback_guard: refused" in output:
            record["output_tail"] = output[-2000:]
            section.errors.append(f"wrangler {key} failed ({code}): {output[-600:]}")
        out[key] = record
        if code != 0:
            break
    return out


def run() -> Section:
    section = Section(f"Cloudflare API calls per operation (pulumi {engine_version()} vs wrangler)")
    work = Path(tempfile.mkdtemp(prefix="pcw-bench-calls-"))
    engine: dict[str, Any] = {}
    wrangler: dict[str, Any] = {}
    try:
        with CloudflareLocalServer(token=TOKEN, data_dir=work / "cloudflare-local") as server:
            engine = engine_operations(server, work, section)
            wrangler = wrangler_deploys(server, work, section)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for op in OPERATIONS:
        record = engine.get(op.key)
        if record is None:
            section.errors.append(f"`{op.key}` did not run (an earlier operation failed)")
            continue
        goal = f"goal {op.goal}" if op.goal is not None else "no goal set"
        section.counts(
            f"calls.{op.key}",
            f"Cloudflare API requests (this account, /client/v4) during {op.what}; {goal}",
            "requests",
            [record["count"]],
        )
        if op.goal is not None:
            section.fact(
                f"calls.{op.key}.meets_goal",
                f"{op.key}: at most {op.goal} API requests",
                record["ok"] and record["count"] <= op.goal,
            )
    if "destroy" in engine and "account_empty_after" in engine["destroy"]:
        section.fact(
            "calls.destroy.account_empty_after",
            "no script and no workflow left in the account after `destroy`",
            engine["destroy"]["account_empty_after"],
        )
    for key in ("deploy_new", "redeploy"):
        record = wrangler.get(key)
        if record is None:
            continue
        section.counts(
            f"calls.wrangler.{key}",
            f"Cloudflare API requests (this account, /client/v4) during {record['what']}",
            "requests",
            [record["count"]],
        )
    section.details = {
        "program": str(EXAMPLE.relative_to(ROOT)),
        "paths": "relative to /client/v4/accounts/<account id>; each request is [method, path, status]",
        "operations": engine,
        "wrangler": wrangler,
    }
    return section
