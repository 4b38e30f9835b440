"""PR previews: `pulumi preview` on a pull request, where the client Worker binds values of a host (and of its
Workflow) that do not exist yet. The preview must succeed with those inputs unknown, make no Cloudflare API
call at all, and name the keys that change.

Each test has a cloudflare-local of its own, so "no API call" means the whole request log, not one account's.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from pulumi_offline import UNKNOWN

from tests.lifecycle.support import WORKER, WORKFLOW, Account, Project, copy_project

# The client also binds a value the host's Workflow only has once registered (its Cloudflare id).
CLIENT_BINDS_COMPUTED = {
    "quickstart": (
        '"ORDERS": processor.bindings["ORDERS"],',
        '"ORDERS": processor.bindings["ORDERS"], "ORDERS_ID": orders.workflow_id,',
        "order-api",
    ),
    "cross-script-reexport": (
        'bindings={"REPORTS": host.bindings["REPORTS"]}',
        'bindings={"REPORTS": host.bindings["REPORTS"], "REPORTS_ID": reports.workflow_id}',
        "report-client",
    ),
}


def api_requests(server: Any) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["path"].startswith("/client/v4")]


def contains_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


@pytest.fixture
def project(
    request: pytest.FixtureRequest, tmp_path: Path, fresh_cloudflare_local: Any, pulumi_engine: Path
) -> Project:
    name = request.param
    p = copy_project(name, tmp_path, Account(fresh_cloudflare_local, uuid.uuid4().hex))
    old, new, _ = CLIENT_BINDS_COMPUTED[name]
    p.edit(old, new)
    return p


@pytest.mark.parametrize("project", sorted(CLIENT_BINDS_COMPUTED), indirect=True)
def test_new_stack_previews_with_unknown_inputs_and_no_api_calls(project: Project) -> None:
    client = CLIENT_BINDS_COMPUTED[project.dir.name][2]
    preview = project.stack().preview(diff=True)
    assert preview.ok, preview.stdout
    assert api_requests(project.account.server) == []
    assert {s.op for s in preview.steps} == {"create"}
    step = preview.step(client, WORKER)
    assert contains_unknown(step.inputs["bindings"]), step.inputs["bindings"]
    assert not contains_unknown(
        step.inputs["name"]
    )  # names are derived, so known even before anything exists
    if preview.digest is not None:
        assert preview.digest["changeSummary"]["create"] == len(preview.steps)


@pytest.mark.parametrize("project", ["cross-script-reexport"], indirect=True)
def test_pr_change_names_the_changed_keys_without_api_calls(project: Project) -> None:
    stack = project.stack()
    assert stack.up(skip_preview=True).ok
    # The state keeps the script whole in the inputs (what `--diff` shows) and its sha256 in the outputs.
    resources = stack.export()["deployment"]["resources"]
    host_state = next(r for r in resources if r["urn"].endswith(f"{WORKER}::report-host"))
    assert "script" not in host_state["outputs"] and len(host_state["outputs"]["script_sha256"]) == 64
    assert host_state["inputs"]["script"] == (project.dir / "workers" / "host.mjs").read_text()
    project.account.server.clear_requests()
    (project.dir / "workers" / "host.mjs").write_text(
        (project.dir / "workers" / "host.mjs").read_text() + "\n// PR\n"
    )
    project.edit('"REPORTS_ID": reports.workflow_id}', '"REPORTS_ID": reports.workflow_id, "GREETING": "hi"}')
    preview = stack.preview(diff=True)
    assert preview.ok, preview.stdout
    assert api_requests(project.account.server) == []
    host = preview.step("report-host", WORKER)
    assert host.op == "update" and host.diff_reasons == ["script"]
    client = preview.step("report-client", WORKER)
    assert client.op == "update" and client.diff_reasons == ["bindings"]
    assert "bindings.GREETING" in client.detailed_diff
    assert preview.step("reports", WORKFLOW).op == "same"
    # What a reviewer reads in `pulumi preview --diff`: the changed keys of each Worker, nothing of the rest.
    text = stack.preview(diff=True, text=True).stdout
    assert "~ pulumi-python:dynamic/cloudflare:Worker: (update)" in text, text
    assert "~ script: " in text and "+ GREETING: " in text, text
    assert "// PR" in text, text  # the changed line itself, from the inputs, though outputs hold a digest
    assert "Workflow: (update)" not in text, text
    assert api_requests(project.account.server) == []
