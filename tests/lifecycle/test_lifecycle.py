"""Every example through its whole life: preview -> up -> no-op -> a change -> up -> no-op -> refresh (no
drift) -> drift made through the API -> refresh shows it -> up restores -> destroy -> the account is empty.

These decide whether the provider works: they run the examples with the real `pulumi` engine (built by
`make`) against cloudflare-local, and assert on what the account holds (its v4 API) and
on the requests it received, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pulumi_offline import OperationResult, Stack

from tests.lifecycle.support import WORKER, WORKFLOW, Account, Project, mutations


@dataclass
class Scenario:
    """What one example changes, and how that change must preview and apply."""

    change: Callable[[Project, Stack], None]
    check_preview: Callable[[OperationResult], None]
    check_up: Callable[[OperationResult, list[tuple[str, str]], dict[str, object], dict[str, object]], None]


def run_lifecycle(project: Project, stack: Stack, workflow: str, scenario: Scenario) -> None:
    account = project.account

    # A fresh stack previews as all creates, without a single API call.
    mark = account.mark()
    preview = stack.preview()
    assert preview.ok, preview.stdout
    assert {s.op for s in preview.steps} == {"create"}, preview.ops()
    assert account.requests_since(mark) == []

    up = stack.up()
    assert up.ok, up.stdout
    assert {s.op for s in up.steps} == {"create"}, up.ops()
    before = stack.outputs()
    assert str(before["workflow_name"]) in account.workflows()
    assert account.scripts(), "the example deployed no script"

    assert stack.preview(expect_no_changes=True).ok

    # The example's change, previewed (keys named, no API call) and applied.
    scenario.change(project, stack)
    mark = account.mark()
    changed = stack.preview(diff=True)
    assert changed.ok, changed.stdout
    assert account.requests_since(mark) == []
    scenario.check_preview(changed)
    mark = account.mark()
    applied = stack.up(skip_preview=True)
    assert applied.ok, applied.stdout
    after = stack.outputs()
    scenario.check_up(applied, account.requests_since(mark), before, after)
    assert stack.preview(expect_no_changes=True).ok

    # Refresh finds no drift; drift made through the API is found, and `up` puts it back.
    refresh = stack.refresh(expect_no_changes=True)
    assert refresh.ok, refresh.stdout
    workflow_name = str(after["workflow_name"])
    account.delete_workflow(workflow_name)
    drifted = stack.refresh()
    assert drifted.ok, drifted.stdout
    assert drifted.step(workflow, WORKFLOW).op == "delete"
    restore = stack.preview()
    assert restore.step(workflow, WORKFLOW).op == "create"
    restored = stack.up(skip_preview=True)
    assert restored.ok, restored.stdout
    assert workflow_name in account.workflows()
    assert stack.preview(expect_no_changes=True).ok

    # A binding added outside Pulumi (a settings PATCH) shows as an update of that Worker; `up` removes it.
    script = sorted(s.outputs["name"] for s in refresh.steps if s.type == WORKER and s.logical)[0]
    account.add_binding(script, {"type": "plain_text", "name": "DRIFT", "text": "made outside pulumi"})
    drifted = stack.refresh()
    assert drifted.ok, drifted.stdout
    changed = [s for s in drifted.changes if s.type == WORKER]
    assert [(s.op, s.outputs["name"]) for s in changed] == [("update", script)], drifted.ops()
    assert "DRIFT" in changed[0].outputs["bindings"]
    restore = stack.preview(diff=True)
    assert [(s.op, s.diff_reasons) for s in restore.changes] == [("update", ["bindings"])], restore.ops()
    assert stack.up(skip_preview=True).ok
    assert "DRIFT" not in account.bindings(script)
    assert stack.preview(expect_no_changes=True).ok

    destroyed = stack.destroy()
    assert destroyed.ok, destroyed.stdout
    assert {s.op for s in destroyed.steps} == {"delete"}


def assert_account_empty(account: Account) -> None:
    assert account.workflows() == {}
    assert account.scripts() == set()


def index(requests: list[tuple[str, str]], method: str, path: str) -> int:
    matches = [i for i, r in enumerate(requests) if r == (method, path)]
    assert matches, f"no {method} {path} in {requests}"
    return matches[0]


# --- the examples ------------------------------------------------------------------------------------------


def test_minimal_workflow_rename_is_a_replace(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")

    def change(p: Project, stack: Stack) -> None:
        p.edit('Workflow("MyWorkflow")', 'Workflow("MyWorkflow", workflow_name="cfwf-minimal-renamed")')

    def check_preview(result: OperationResult) -> None:
        step = result.step("MyWorkflow", WORKFLOW)
        assert step.op == "replace"
        assert "workflow_name" in step.replace_reasons
        assert result.step("my-worker", WORKER).op == "update"  # its binding names the workflow

    def check_up(result: OperationResult, requests: list[tuple[str, str]], before: dict, after: dict) -> None:
        old, new = str(before["workflow_name"]), "cfwf-minimal-renamed"
        assert after["workflow_name"] == new
        assert set(project.account.workflows()) == {new}
        script = f"/workers/scripts/{after['script_name']}"
        assert index(requests, "PUT", script) < index(requests, "PUT", f"/workflows/{new}")
        assert ("DELETE", f"/workflows/{old}") in requests
        assert after["workflow_id"] != before["workflow_id"]

    run_lifecycle(project, project.stack(), "MyWorkflow", Scenario(change, check_preview, check_up))
    assert_account_empty(project.account)


def test_class_rename_is_an_update_keeping_the_workflow(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("class-rename")

    def change(p: Project, stack: Stack) -> None:
        stack.config_set("workflowClass", "OrderWorkflowV2")

    def check_preview(result: OperationResult) -> None:
        step = result.step("orders", WORKFLOW)
        assert step.op == "update", result.ops()
        assert "class_name" in step.diff_reasons
        assert not step.replace_reasons
        assert "replace" not in result.summary

    def check_up(result: OperationResult, requests: list[tuple[str, str]], before: dict, after: dict) -> None:
        name = str(after["workflow_name"])
        assert after["workflow_name"] == before["workflow_name"]
        assert after["class_name"] == "OrderWorkflowV2"
        assert after["workflow_id"] == before["workflow_id"]
        workflow = project.account.workflows()[name]
        assert workflow["id"] == before["workflow_id"] and workflow["class_name"] == "OrderWorkflowV2"
        host = [p for m, p in requests if m == "PUT" and p.startswith("/workers/scripts/")]
        assert host, requests
        assert index(requests, "PUT", host[0]) < index(requests, "PUT", f"/workflows/{name}")
        assert not any(m == "DELETE" for m, _ in requests)

    run_lifecycle(project, project.stack(), "orders", Scenario(change, check_preview, check_up))
    assert_account_empty(project.account)


def test_cross_script_reexport_binding_added(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("cross-script-reexport")

    def change(p: Project, stack: Stack) -> None:
        p.edit(
            'bindings={"REPORTS": host.bindings["REPORTS"]}',
            'bindings={"REPORTS": host.bindings["REPORTS"], "GREETING": "hi"}',
        )

    def check_preview(result: OperationResult) -> None:
        assert result.step("report-client", WORKER).op == "update"
        assert "bindings" in result.step("report-client", WORKER).diff_reasons
        assert result.step("report-host", WORKER).op == "same"
        assert result.step("reports", WORKFLOW).op == "same"

    def check_up(result: OperationResult, requests: list[tuple[str, str]], before: dict, after: dict) -> None:
        assert mutations(requests) == [("PUT", f"/workers/scripts/{after['client']}")]

    run_lifecycle(project, project.stack(), "reports", Scenario(change, check_preview, check_up))
    assert_account_empty(project.account)


def test_cross_script_script_name_binding_added_to_host(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("cross-script-script-name")

    def change(p: Project, stack: Stack) -> None:
        p.edit(
            'entrypoint="workers/host.mjs", bindings={"INVOICES": invoices}',
            'entrypoint="workers/host.mjs", bindings={"INVOICES": invoices, "MODE": "strict"}',
        )

    def check_preview(result: OperationResult) -> None:
        assert result.step("invoice-host", WORKER).op == "update"
        assert "bindings" in result.step("invoice-host", WORKER).diff_reasons
        assert result.step("invoice-client", WORKER).op == "same"

    def check_up(result: OperationResult, requests: list[tuple[str, str]], before: dict, after: dict) -> None:
        assert ("PUT", f"/workers/scripts/{after['host']}") in mutations(requests)
        assert not any(m == "DELETE" for m, _ in requests)

    run_lifecycle(project, project.stack(), "invoices", Scenario(change, check_preview, check_up))
    assert_account_empty(project.account)


def test_quickstart_binding_removed(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("quickstart")

    def change(p: Project, stack: Stack) -> None:
        p.edit('"STORE_NAME": pulumi.Config().get("storeName") or "demo store",', "")

    def check_preview(result: OperationResult) -> None:
        api = result.step("order-api", WORKER)
        assert api.op == "update" and "bindings" in api.diff_reasons
        assert result.step("order-processor", WORKER).op == "same"

    def check_up(result: OperationResult, requests: list[tuple[str, str]], before: dict, after: dict) -> None:
        assert mutations(requests) == [("PUT", f"/workers/scripts/{after['api']}")]

    run_lifecycle(project, project.stack(), "orders", Scenario(change, check_preview, check_up))
    assert_account_empty(project.account)


def test_external_script_workflow_bound_by_a_client(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("external-script")
    host = project.stack(subdir="host")
    assert host.up().ok

    def change(p: Project, stack: Stack) -> None:
        p.edit('bindings={"BILLING": billing}', 'bindings={"BILLING": billing, "GREETING": "hi"}')

    def check_preview(result: OperationResult) -> None:
        assert result.step("billing-client", WORKER).op == "update"
        assert result.step("billing", WORKFLOW).op == "same"

    def check_up(result: OperationResult, requests: list[tuple[str, str]], before: dict, after: dict) -> None:
        assert mutations(requests) == [("PUT", f"/workers/scripts/{after['client']}")]

    run_lifecycle(project, project.stack(), "billing", Scenario(change, check_preview, check_up))
    host_script = str(host.outputs()["script_name"])
    assert project.account.scripts() == {host_script}  # the host outlives the program that used it
    assert host.destroy().ok
    assert_account_empty(project.account)
