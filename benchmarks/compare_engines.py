"""One-off: the same scenarios through pulumi-local and the real engine, side by side (issue #7).

Run once before pulumi-local was retired; its report is docs/engine-comparison.md. For each operation it
records the logical steps (op, diff reasons, replace reasons), the Cloudflare API requests in order, the state
after it (`stack export`: resource, id, inputs), the `--diff` text and what a failing provider prints.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pulumi_local
import pulumi_offline
from cloudflare_local.process import CloudflareLocalServer

REPO = Path(__file__).resolve().parents[1]
VOLATILE = {"created_on", "modified_on", "etag", "workflow_id", "version_id", "__provider"}


def copy(name: str, into: Path) -> Path:
    target = into / name
    if name == "quickstart":
        target.mkdir()
        for item in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(REPO / item, target / item)
        shutil.copytree(REPO / "src", target / "src")
    else:
        shutil.copytree(REPO / "examples" / name, target, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def state(stack: Any, account: str) -> list[tuple[str, str, str]]:
    resources = stack.export()["deployment"].get("resources") or []
    out = []
    for r in resources:
        if not r["type"].startswith("pulumi-python:dynamic/"):
            continue
        inputs = {k: v for k, v in (r.get("inputs") or {}).items() if k not in VOLATILE}
        text = json.dumps(inputs, sort_keys=True).replace(account, "<account>")
        out.append((r["urn"].rsplit("::", 1)[-1], r.get("id", ""), text))
    return sorted(out)


def run(engine: str, scenario: str, server: CloudflareLocalServer, work: Path) -> list[dict[str, Any]]:
    account = uuid.uuid4().hex
    env = {
        "CLOUDFLARE_API_BASE_URL": server.api_base,
        "CLOUDFLARE_API_TOKEN": server.token or "",
        "CLOUDFLARE_ACCOUNT_ID": account,
        "PULUMI_LOCAL_STATE_DIR": str(work / "state"),
    }
    project = copy(SCENARIOS[scenario]["example"], work)
    if engine == "pulumi":
        stack: Any = pulumi_offline.Stack(project, "dev", env=env, backend=work / "backend")
    else:
        stack = pulumi_local.Stack(project, "dev", env=env)
    log = []

    def requests_since(mark: int) -> list[str]:
        prefix = f"/client/v4/accounts/{account}"
        mine = [r for r in server.requests() if f"/accounts/{account}/" in r["path"] + "/"]
        return [f"{r['method']} {r['path'].removeprefix(prefix)} {r['status']}" for r in mine[mark:]]

    def count() -> int:
        return len([r for r in server.requests() if f"/accounts/{account}/" in r["path"] + "/"])

    for action in SCENARIOS[scenario]["steps"]:
        kind, *args = action
        if kind == "edit":
            edit(project / "__main__.py", *args)
            continue
        if kind == "config":
            stack.config_set(*args)
            continue
        if kind == "delete-workflow":
            import httpx

            httpx.delete(
                f"{server.api_base}/accounts/{account}/workflows/{stack.outputs()['workflow_name']}",
                headers={"Authorization": f"Bearer {server.token}"},
            ).raise_for_status()
            continue
        mark = count()
        options = dict(args[0]) if args else {}
        result = getattr(stack, kind)(**options)
        entry = {
            "op": f"{kind} {options or ''}".strip(),
            "exit": result.exit_code,
            "steps": sorted(
                (s.name, s.op, sorted(s.diff_reasons), sorted(s.replace_reasons))
                for s in result.steps
                if s.logical and s.op != "same"
            ),
            "requests": requests_since(mark),
            "state": state(stack, account),
            "error": result.error.strip().splitlines()[-6:] if result.error else [],
        }
        if kind == "preview" and options.get("diff"):
            text = stack.preview(diff=True, text=True) if engine == "pulumi" else result
            entry["diff_text"] = text.stdout
        log.append(entry)
    return log


SCENARIOS: dict[str, dict[str, Any]] = {
    "quickstart": {
        "example": "quickstart",
        "steps": [
            ("preview",),
            ("up",),
            ("preview", {"expect_no_changes": True}),
            ("edit", '"STORE_NAME": pulumi.Config().get("storeName") or "demo store",', ""),
            ("preview", {"diff": True}),
            ("up", {"skip_preview": True}),
            ("refresh", {"expect_no_changes": True}),
            ("delete-workflow",),
            ("refresh",),
            ("up", {"skip_preview": True}),
            ("destroy",),
        ],
    },
    "class-rename": {
        "example": "class-rename",
        "steps": [
            ("up",),
            ("config", "workflowClass", "OrderWorkflowV2"),
            ("preview", {"diff": True}),
            ("up", {"skip_preview": True}),
            ("destroy",),
        ],
    },
    "workflow-name": {
        "example": "minimal",
        "steps": [
            ("up",),
            (
                "edit",
                'Workflow("MyWorkflow")',
                'Workflow("MyWorkflow", workflow_name="cfwf-minimal-renamed")',
            ),
            ("preview", {"diff": True}),
            ("up", {"skip_preview": True}),
            ("destroy",),
        ],
    },
    "rename-refused": {
        "example": "minimal",
        "steps": [
            ("up",),
            (
                "edit",
                'workflow = Workflow("MyWorkflow")',
                'workflow = Workflow("Renamed", class_name="MyWorkflow")',
            ),
            ("up", {"skip_preview": True}),
            ("destroy",),
        ],
    },
}


def main() -> int:
    out = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "benchmarks" / "results" / "engine-comparison.json"
    )
    report: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        CloudflareLocalServer(token="t", data_dir=Path(tmp) / "cf") as server,
    ):
        for scenario in SCENARIOS:
            report[scenario] = {}
            for engine in ("pulumi-local", "pulumi"):
                work = Path(tmp) / scenario / engine
                work.mkdir(parents=True)
                report[scenario][engine] = run(engine, scenario, server, work)
                print(f"{scenario} via {engine}: {len(report[scenario][engine])} operations", flush=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    differences = 0
    for scenario, engines in report.items():
        for a, b in zip(engines["pulumi-local"], engines["pulumi"], strict=True):
            for key in ("exit", "steps", "requests", "state"):
                if a[key] != b[key]:
                    differences += 1
                    print(
                        f"DIFF {scenario} / {a['op']} / {key}:\n"
                        f"  pulumi-local: {a[key]}\n  pulumi:       {b[key]}"
                    )
    print(f"{differences} differences; report in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
