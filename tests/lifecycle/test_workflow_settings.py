"""A Workflow's `schedules` and `default_retention` through the real engine: another spelling of the same
values previews as no change, a schedule change is an in-place update that reaches Cloudflare, and drift made
through the API is found by `refresh` and put back by `up`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.lifecycle.support import WORKFLOW, Project

DECLARED = 'workflow = Workflow("MyWorkflow")'
WITH_SETTINGS = (
    'workflow = Workflow("MyWorkflow", schedules=["0 9 * * mon-fri"], '
    'default_retention={"success_retention": "7 days"})'
)
WEEK_MS = 7 * 86_400_000


def live(project: Project, name: str) -> tuple[list[str], Any]:
    """The workflow's crons and its newest version's default retention, as Cloudflare returns them."""
    http = project.account.http
    workflow = http.get(f"/workflows/{name}").json()["result"]
    versions = http.get(f"/workflows/{name}/versions").json()["result"]
    newest = max(versions, key=lambda v: v["created_on"])
    version = http.get(f"/workflows/{name}/versions/{newest['id']}").json()["result"]
    return [s["cron"] for s in workflow.get("schedules", [])], version.get("default_retention")


def test_spellings_updates_and_drift(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")
    project.edit(DECLARED, WITH_SETTINGS)
    stack = project.stack()
    assert stack.up().ok
    outputs = stack.outputs()
    name = outputs["workflow_name"]
    assert live(project, name) == (["0 9 * * MON-FRI"], {"success_retention": WEEK_MS})

    # The same values in other spellings: nothing to do.
    project.edit('"7 days"', '"1 week"')
    project.edit('"0 9 * * mon-fri"', '" 0  9 * * MON-FRI", "0 9 * * Mon-Fri"')
    assert stack.preview(expect_no_changes=True).ok

    # Another schedule: an update of the workflow alone, naming the key, then on Cloudflare.
    project.edit('" 0  9 * * MON-FRI", "0 9 * * Mon-Fri"', '"0 10 * * MON-FRI"')
    preview = stack.preview()
    step = preview.step("MyWorkflow", WORKFLOW)
    assert (step.op, step.diff_reasons) == ("update", ["schedules"])
    assert [s.name for s in preview.changes] == ["MyWorkflow"]
    assert stack.up(skip_preview=True).ok
    assert stack.outputs()["workflow_id"] == outputs["workflow_id"]
    assert live(project, name) == (["0 10 * * MON-FRI"], {"success_retention": WEEK_MS})

    # Drift made through the API: refresh records it, the next up puts the program's values back.
    body = {
        "class_name": "MyWorkflow",
        "script_name": outputs["script_name"],
        "schedules": [{"cron": "0 0 * * *"}],
        "default_retention": {"success_retention": "1 day"},
    }
    project.account.http.put(f"/workflows/{name}", json=body).raise_for_status()
    refreshed = stack.refresh(skip_preview=True)
    assert refreshed.ok, refreshed.text
    found = refreshed.step("MyWorkflow", WORKFLOW)
    assert found.op == "update"
    assert found.outputs["schedules"] == ["0 0 * * *"]
    assert found.outputs["default_retention"] == {"success_retention": 86_400_000}
    restore = stack.preview().step("MyWorkflow", WORKFLOW)
    assert (restore.op, sorted(restore.diff_reasons)) == ("update", ["default_retention", "schedules"])
    assert stack.up(skip_preview=True).ok
    assert live(project, name) == (["0 10 * * MON-FRI"], {"success_retention": WEEK_MS})
    assert stack.refresh(expect_no_changes=True).ok

    assert stack.destroy(skip_preview=True).ok
    assert project.account.is_empty()
