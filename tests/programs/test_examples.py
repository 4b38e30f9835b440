"""Every example program under mocks: what it registers, in which order, and that the providers' own `check`
accepts it (offline); plus the provider round trip `serialize_provider` -> `dill.loads` in a subprocess whose
cwd is the example directory, as the dynamic-provider server does it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider

from tests.programs.support import WORKER_TYPE, WORKFLOW_TYPE, RecordingMonitor, project_name, run_example

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "quickstart": ROOT,
    "minimal": ROOT / "examples" / "minimal",
    "external-script": ROOT / "examples" / "external-script",
    "external-script-host": ROOT / "examples" / "external-script" / "host",
    "class-rename": ROOT / "examples" / "class-rename",
    "cross-script-reexport": ROOT / "examples" / "cross-script-reexport",
    "cross-script-script-name": ROOT / "examples" / "cross-script-script-name",
    "agent-workflow": ROOT / "examples" / "agent-workflow",
    "email-workflows": ROOT / "examples" / "agent-workflow" / "email-workflows",
    "brief-analysis": ROOT / "examples" / "brief-analysis",
}
# Examples that also use another resource provider (pulumi-cloudflare): tested under mocks by
# test_interop.py, not here (their registrations include resources that have no dynamic `__provider`).
OTHER_EXAMPLES = {ROOT / "examples" / "with-pulumi-cloudflare"}
ACCOUNT = "f" * 32


@pytest.fixture(autouse=True)
def esbuild_on_path(esbuild: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """brief-analysis is TypeScript: its program bundles it with esbuild, found on PATH."""
    monkeypatch.setenv("PATH", f"{esbuild.parent}{os.pathsep}{os.environ.get('PATH', '')}")


def run(name: str, monkeypatch: pytest.MonkeyPatch, config: dict[str, str] | None = None) -> RecordingMonitor:
    path = EXAMPLES[name]
    monkeypatch.chdir(path)
    project = project_name(path)
    own = {f"{project}:{k}": v for k, v in (config or {}).items()}
    full = {"cloudflare-workflows:accountId": ACCOUNT, **own}
    return run_example(path, project=project, stack="dev", config=full)


def check_all(monitor: RecordingMonitor, expect_failures: dict[str, list[str]] | None = None) -> None:
    """The providers' own check (pure, offline) accepts what the program registered."""
    expect_failures = expect_failures or {}
    for reg in monitor.registrations:
        provider = WorkerProvider() if reg.type == WORKER_TYPE else WorkflowProvider()
        inputs = {k: v for k, v in reg.inputs.items() if k != "__provider"}
        result = provider.check({}, inputs)
        assert [f.property for f in result.failures] == expect_failures.get(reg.name, []), result.failures


def test_every_example_is_listed() -> None:
    on_disk = {p.parent for p in (ROOT / "examples").rglob("Pulumi.yaml")} | {ROOT}
    assert on_disk == set(EXAMPLES.values()) | OTHER_EXAMPLES
    for path in on_disk:
        assert (path / "__main__.py").is_file() and [
            *(path / "workers").glob("*.mjs"),
            *(path / "workers").glob("*.ts"),
        ]
        assert "runtime: python" in (path / "Pulumi.yaml").read_text()


def test_example_sources_are_es_modules_with_workflow_entrypoints() -> None:
    for path in [*EXAMPLES.values(), *OTHER_EXAMPLES]:
        for source in (path / "workers").glob("*.mjs"):
            text = source.read_text()
            assert "export default" in text, source
            if "class " in text:
                assert re.search(
                    r'import \{[^}]*\bWorkflowEntrypoint\b[^}]*\} from "cloudflare:workers";', text
                )
                assert "extends WorkflowEntrypoint" in text and "step.do(" in text, source


def test_minimal(monkeypatch: pytest.MonkeyPatch) -> None:
    m = run("minimal", monkeypatch)
    worker, wf = m.by_name("my-worker"), m.by_name("MyWorkflow")
    assert wf.dependencies == [worker.urn]
    assert wf.inputs["class_name"] == "MyWorkflow"
    assert wf.inputs["workflow_name"] == "cfwf-minimal-dev-MyWorkflow"
    assert wf.inputs["script_name"] == worker.inputs["name"] == "cfwf-minimal-dev-my-worker"
    assert worker.inputs["main_module"] == "worker.mjs"
    assert worker.inputs["script"] == (EXAMPLES["minimal"] / "workers" / "worker.mjs").read_text()
    check_all(m)


def test_class_rename_both_states(monkeypatch: pytest.MonkeyPatch) -> None:
    before = run("class-rename", monkeypatch).by_name("orders")
    after_monitor = run("class-rename", monkeypatch, {"workflowClass": "OrderWorkflowV2"})
    after = after_monitor.by_name("orders")
    assert (before.inputs["class_name"], after.inputs["class_name"]) == ("OrderWorkflow", "OrderWorkflowV2")
    # Same identity: same logical name, same workflow name and script; only the class differs.
    assert before.urn == after.urn
    for key in ("workflow_name", "script_name", "account_id"):
        assert before.inputs[key] == after.inputs[key]
    assert (
        after_monitor.by_name("orders-host").inputs["bindings"]["ORDERS"]["class_name"] == "OrderWorkflowV2"
    )
    check_all(after_monitor)


def test_class_rename_to_a_class_the_script_lacks_fails_in_check(monkeypatch: pytest.MonkeyPatch) -> None:
    m = run("class-rename", monkeypatch, {"workflowClass": "OrderWorkflowV3"})
    check_all(m, {"orders-host": ["bindings.ORDERS.class_name"]})


def test_cross_script_reexport(monkeypatch: pytest.MonkeyPatch) -> None:
    m = run("cross-script-reexport", monkeypatch)
    host, client, wf = m.by_name("report-host"), m.by_name("report-client"), m.by_name("reports")
    assert wf.dependencies == [host.urn]
    assert wf.urn in client.dependencies
    assert client.inputs["bindings"]["REPORTS"] == {
        "type": "workflow",
        "workflow_name": wf.inputs["workflow_name"],
        "class_name": "ReportWorkflow",
        "script_name": host.inputs["name"],
    }
    assert len(m.of_type(WORKFLOW_TYPE)) == 1
    check_all(m)


def test_cross_script_script_name(monkeypatch: pytest.MonkeyPatch) -> None:
    m = run("cross-script-script-name", monkeypatch)
    host, client, wf = m.by_name("invoice-host"), m.by_name("invoice-client"), m.by_name("invoices")
    assert host.inputs["name"] == "cfwf-invoice-host-dev" == wf.inputs["script_name"]
    assert wf.dependencies == [host.urn]
    assert wf.urn in client.dependencies
    assert client.inputs["bindings"]["INVOICES"]["script_name"] == "cfwf-invoice-host-dev"
    check_all(m)


def test_external_script(monkeypatch: pytest.MonkeyPatch) -> None:
    host_monitor = run("external-script-host", monkeypatch)
    host = host_monitor.by_name("billing-host")
    assert host_monitor.of_type(WORKFLOW_TYPE) == []
    m = run("external-script", monkeypatch)
    wf, client = m.by_name("billing"), m.by_name("billing-client")
    assert wf.inputs["script_name"] == host.inputs["name"] == "cfwf-billing-host-dev"
    assert wf.dependencies == []
    assert wf.urn in client.dependencies
    check_all(host_monitor)
    check_all(m)


def test_quickstart(monkeypatch: pytest.MonkeyPatch) -> None:
    m = run("quickstart", monkeypatch)
    processor, api, wf = m.by_name("order-processor"), m.by_name("order-api"), m.by_name("orders")
    assert wf.dependencies == [processor.urn]
    assert wf.inputs["limits"] == {"steps": 50}
    assert wf.inputs["class_name"] == "OrderWorkflow"
    assert wf.urn in api.dependencies
    assert api.inputs["bindings"]["ORDERS"]["script_name"] == processor.inputs["name"]
    assert api.inputs["bindings"]["STORE_NAME"] == {"type": "plain_text", "text": "demo store"}
    check_all(m)


def test_agent_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    email_monitor = run("email-workflows", monkeypatch)
    email_host, email = email_monitor.by_name("email-workflows"), email_monitor.by_name("email")
    assert (email_host.inputs["name"], email.inputs["workflow_name"]) == ("email-workflows", "email-workflow")
    check_all(email_monitor)

    m = run("agent-workflow", monkeypatch)
    agent, research = m.by_name("agent"), m.by_name("research")
    assert research.dependencies == [agent.urn]
    # The Agent's class is hosted here: a declaration by stable id, from which the migrations are planned.
    assert agent.inputs["durable_objects"] == {
        "research-agent": {"class_name": "ResearchAgent", "sqlite": True}
    }
    bindings = agent.inputs["bindings"]
    assert bindings["AGENT"] == {"type": "durable_object_namespace", "class_name": "ResearchAgent"}
    # The email workflow is another project's: bound cross-script, nothing registered for it here.
    assert bindings["EMAIL"] == {
        "type": "workflow",
        "workflow_name": "email-workflow",
        "class_name": "EmailWorkflow",
        "script_name": "email-workflows",
    }
    assert [r.name for r in m.of_type(WORKFLOW_TYPE)] == ["research"]
    check_all(m)


def test_brief_analysis_is_bundled_while_the_program_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    m = run("brief-analysis", monkeypatch)
    worker, wf = m.by_name("briefs"), m.by_name("brief-analysis")
    assert wf.dependencies == [worker.urn] and wf.inputs["class_name"] == "BriefAnalysisWorkflow"
    assert worker.inputs["main_module"] == "index.js"
    script = worker.inputs["script"]
    # One ES module: the imported analysis.ts is inlined, the type-only types.ts vanishes, cloudflare:* stays.
    assert 'from "cloudflare:workers"' in script and "function keywords(" in script
    assert "./analysis" not in script and "interface " not in script
    check_all(m)


ROUND_TRIP = """
import base64, json, os, sys
import dill
strings = json.load(sys.stdin)
out = {}
for name, s in strings.items():
    provider = dill.loads(base64.b64decode(s))
    result = provider.check({}, {})
    out[name] = [type(provider).__module__ + "." + type(provider).__qualname__, len(result.failures) > 0]
print(json.dumps({"cwd": os.getcwd(), "providers": out}))
"""


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_providers_round_trip_in_a_subprocess_from_the_example_dir(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = run(name, monkeypatch)
    strings = {r.name: r.inputs["__provider"] for r in m.registrations}
    proc = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP],
        input=json.dumps(strings),
        capture_output=True,
        text=True,
        cwd=EXAMPLES[name],
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    assert Path(result["cwd"]) == EXAMPLES[name]
    for reg in m.registrations:
        expected = (
            "pulumi_cloudflare_workflows_provider.worker.WorkerProvider"
            if reg.type == WORKER_TYPE
            else "pulumi_cloudflare_workflows_provider.workflow.WorkflowProvider"
        )
        assert result["providers"][reg.name] == [
            expected,
            True,
        ]  # loaded, and its check runs (empty input fails)
