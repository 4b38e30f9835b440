"""Drift in a Workflow's `limits`, made through the API, found by the engine's `refresh` and put back by `up`.
(Class, script and bindings drift are walked for every example in test_lifecycle.)"""

from __future__ import annotations

from collections.abc import Callable

from tests.lifecycle.support import WORKER, WORKFLOW, Project


def test_limits_changed_outside_pulumi_are_found_and_put_back(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("quickstart")
    stack = project.stack()
    assert stack.up().ok
    outputs = stack.outputs()
    name, processor = outputs["workflow_name"], outputs["processor"]
    http = project.account.http
    body = {"class_name": "OrderWorkflow", "script_name": processor, "limits": {"steps": 7}}
    http.put(f"/workflows/{name}", json=body).raise_for_status()

    refreshed = stack.refresh(skip_preview=True)
    assert refreshed.ok, refreshed.text
    orders = [s for s in refreshed.steps if s.name == "orders"]
    assert [s.op for s in orders] == ["update"] and orders[0].outputs["limits"] == {"steps": 7}
    restore = stack.preview()
    assert restore.step("orders", WORKFLOW).op == "update"
    assert restore.step("orders", WORKFLOW).diff_reasons == ["limits"]
    assert stack.up(skip_preview=True).ok
    versions = http.get(f"/workflows/{name}/versions").json()["result"]
    newest = max(versions, key=lambda v: v["created_on"])
    assert newest.get("limits") == {"steps": 50}
    assert stack.refresh(expect_no_changes=True).ok

    # A refresh leaves the inputs as the program gives them (the host's binding keeps its derived-name mark),
    # so the next change previews with its own key only.
    project.edit(
        '"order-processor: runs OrderWorkflow"', '"order-processor v2"', "workers/order-processor.mjs"
    )
    change = stack.preview()
    assert change.step("order-processor", WORKER).diff_reasons == ["script"]
