"""A create that fails in the middle of an `up` keeps what succeeded, touches nothing it must not, and the
next `up`, once the cause is fixed, finishes.

- A Worker hosting a workflow whose class its script does not export fails in `check`: never uploaded.
- A Workflow whose name is taken by somebody else's workflow (made directly through the API) is refused, and
  theirs is left exactly as it was, through the fix and the final `destroy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudflare_local.testing import script_form, workflow_source

from tests.lifecycle.support import mutations
from tests.reliability.support import (
    QS_API,
    QS_PROCESSOR,
    QS_WORKFLOW,
    assert_account,
    new_project,
    state_ids,
)

QS_AUDIT = "order-processing-dev-audit"


def test_check_failure_uploads_nothing_and_keeps_what_succeeded(
    tmp_path: Path, cloudflare_local: Any, account_id: str
) -> None:
    project = new_project("quickstart", tmp_path, cloudflare_local, account_id)
    account = project.account
    # order-api now hosts a workflow of its own, whose class workers/order-api.mjs does not export.
    project.edit(
        '"ORDERS": processor.bindings["ORDERS"],',
        '"ORDERS": processor.bindings["ORDERS"], "AUDIT": Workflow("audit", class_name="AuditWorkflow"),',
    )
    stack = project.stack()

    # With its preview, `up` stops at the check: not a single API call.
    mark = account.mark()
    stopped = stack.up()
    assert not stopped.ok, stopped.stdout
    assert "does not export class 'AuditWorkflow'" in stopped.error, stopped.error
    assert account.requests_since(mark) == []

    # Without one, the check fails half-way: the host and its workflow are created and kept in state; the
    # failing Worker is never uploaded (not even looked up).
    mark = account.mark()
    halfway = stack.up(skip_preview=True)
    assert not halfway.ok, halfway.stdout
    assert "does not export class 'AuditWorkflow'" in halfway.error, halfway.error
    requests = account.requests_since(mark)
    assert [r for r in requests if QS_API in r[1]] == [], requests
    assert state_ids(stack) == {"order-processor": QS_PROCESSOR, "orders": QS_WORKFLOW}
    assert_account(account, {QS_PROCESSOR}, {QS_WORKFLOW}, "after the failed check")

    # The cause fixed, the next `up` creates only what is missing.
    source = project.dir / "workers" / "order-api.mjs"
    source.write_text(
        'import { WorkflowEntrypoint } from "cloudflare:workers";\n'
        "export class AuditWorkflow extends WorkflowEntrypoint { async run() {} }\n" + source.read_text()
    )
    finished = stack.up()
    assert finished.ok, finished.stdout
    assert {n: op for n, op in finished.ops().items() if op != "same"} == {
        "order-api": "create",
        "audit": "create",
    }
    converged = stack.preview(expect_no_changes=True)
    assert converged.ok, converged.stdout
    assert_account(account, {QS_PROCESSOR, QS_API}, {QS_WORKFLOW, QS_AUDIT}, "after the fixed up")

    destroyed = stack.destroy()
    assert destroyed.ok, destroyed.stdout
    assert_account(account, set(), set(), "after destroy")


def test_taken_workflow_name_is_refused_untouched_and_the_fixed_up_finishes(
    tmp_path: Path, cloudflare_local: Any, account_id: str
) -> None:
    project = new_project("quickstart", tmp_path, cloudflare_local, account_id)
    account = project.account
    # Somebody else's workflow, under the name the quickstart derives, on a script of theirs.
    account.http.put(
        "/workers/scripts/squatter", files=script_form(workflow_source("OrderWorkflow"))
    ).raise_for_status()
    account.http.put(
        f"/workflows/{QS_WORKFLOW}", json={"class_name": "OrderWorkflow", "script_name": "squatter"}
    ).raise_for_status()
    theirs = account.workflows()[QS_WORKFLOW]
    stack = project.stack()

    mark = account.mark()
    refused = stack.up()
    assert not refused.ok, refused.stdout
    assert f"Workflow {QS_WORKFLOW!r} already exists" in refused.error, refused.error
    assert "is not this resource's" in refused.error, refused.error
    touched = [
        r for r in mutations(account.requests_since(mark)) if QS_WORKFLOW in r[1] or "squatter" in r[1]
    ]
    assert touched == [], "the refused create changed somebody else's objects"
    assert state_ids(stack) == {"order-processor": QS_PROCESSOR}, "the upload that succeeded is kept"
    assert_account(account, {"squatter", QS_PROCESSOR}, {QS_WORKFLOW}, "after the refusal")
    assert account.workflows()[QS_WORKFLOW] == theirs

    # The cause fixed (our workflow gets a name of its own), the next `up` finishes.
    project.edit('Workflow("orders", ', 'Workflow("orders", workflow_name="orders-own", ')
    finished = stack.up()
    assert finished.ok, finished.stdout
    converged = stack.preview(expect_no_changes=True)
    assert converged.ok, converged.stdout
    assert_account(account, {"squatter", QS_PROCESSOR, QS_API}, {QS_WORKFLOW, "orders-own"}, "after the fix")

    destroyed = stack.destroy()
    assert destroyed.ok, destroyed.stdout
    assert_account(account, {"squatter"}, {QS_WORKFLOW}, "after destroy: theirs only")
    assert account.workflows()[QS_WORKFLOW] == theirs
