"""A Workflow's logical name is its stable identifier: renaming it never silently deletes the live workflow.

Through the real engine against cloudflare-local:
- renamed without an alias, the update fails before anything is deleted, whether the workflow's name is
  explicit (the name is taken) or derived from the logical name (another workflow already runs the class);
- renamed with an alias, the workflow keeps its name, id and history, and nothing is created or deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_offline import Stack

from tests.lifecycle.support import WORKFLOW, Project

ORIGINAL = 'workflow = Workflow("MyWorkflow")'


def deploy(project: Project) -> tuple[Stack, dict[str, Any]]:
    stack = project.stack()
    assert stack.up().ok
    outputs = stack.outputs()
    return stack, outputs


def test_derived_name_rename_without_alias_fails_and_keeps_the_live_workflow(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    stack, before = deploy(project)
    live = project.account.workflows()[str(before["workflow_name"])]

    project.edit(ORIGINAL, 'workflow = Workflow("Renamed", class_name="MyWorkflow")')
    preview = stack.preview()
    assert preview.ok, preview.stdout
    # The preview cannot know (it makes no API call): it shows the new resource and the removal.
    assert preview.step("Renamed", WORKFLOW).op == "create"
    assert preview.step("MyWorkflow", WORKFLOW).op == "delete"

    mark = project.account.mark()
    failed = stack.up(skip_preview=True)
    assert not failed.ok
    assert "already runs class 'MyWorkflow'" in failed.stdout + failed.error
    assert "aliases=[pulumi.Alias(name=" in failed.stdout + failed.error
    requests = project.account.requests_since(mark)
    assert not [r for r in requests if r[0] == "DELETE"], requests
    workflows = project.account.workflows()
    assert list(workflows) == [before["workflow_name"]]
    assert workflows[str(before["workflow_name"])]["id"] == live["id"]

    # Adding the alias recovers: same workflow (name, id), the host's binding points back at it.
    project.edit(
        'workflow = Workflow("Renamed", class_name="MyWorkflow")',
        'workflow = Workflow("Renamed", class_name="MyWorkflow", '
        'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="MyWorkflow")]))',
    )
    mark = project.account.mark()
    recovered = stack.up(skip_preview=True)
    assert recovered.ok, recovered.stdout
    assert recovered.step("Renamed", WORKFLOW).op == "same"
    assert not [r for r in project.account.requests_since(mark) if r[0] == "DELETE"]
    after = stack.outputs()
    assert (after["workflow_name"], after["workflow_id"]) == (before["workflow_name"], live["id"])
    assert stack.preview(expect_no_changes=True).ok
    assert stack.destroy().ok
    assert project.account.workflows() == {}


def test_explicit_name_rename_with_alias_is_a_no_op(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")
    project.edit(ORIGINAL, 'workflow = Workflow("MyWorkflow", workflow_name="orders-explicit")')
    stack, before = deploy(project)

    # Without an alias the new logical name's create finds the name taken and refuses.
    project.edit('Workflow("MyWorkflow", ', 'Workflow("Orders", class_name="MyWorkflow", ')
    mark = project.account.mark()
    failed = stack.up(skip_preview=True)
    assert not failed.ok
    assert "immutable" in failed.stdout + failed.error
    assert not [r for r in project.account.requests_since(mark) if r[0] in ("DELETE", "PUT")]

    project.edit(
        'Workflow("Orders", class_name="MyWorkflow", workflow_name="orders-explicit")',
        'Workflow("Orders", class_name="MyWorkflow", workflow_name="orders-explicit", '
        'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="MyWorkflow")]))',
    )
    mark = project.account.mark()
    preview = stack.preview(diff=True)
    assert preview.ok, preview.stdout
    assert preview.step("Orders", WORKFLOW).op == "same"
    assert [s.op for s in preview.changes] == [], preview.ops()
    assert project.account.requests_since(mark) == []
    assert stack.up(skip_preview=True).ok
    assert stack.outputs()["workflow_id"] == before["workflow_id"]


def test_a_second_rename_aliased_only_to_the_last_name_fails_the_preview_instead_of_replacing(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    stack, before = deploy(project)
    aliased = "opts=pulumi.ResourceOptions(aliases=[{}]))"
    project.edit(
        ORIGINAL,
        'workflow = Workflow("Second", class_name="MyWorkflow", '
        + aliased.format('pulumi.Alias(name="MyWorkflow")'),
    )
    assert stack.up().ok
    assert stack.outputs()["workflow_id"] == before["workflow_id"]

    # Pulumi's own convention would be an alias to the previous name; the derived name follows the first
    # alias, so it would change ("-Second" instead of "-MyWorkflow"): check stops it before anything runs.
    project.edit(
        'Workflow("Second", class_name="MyWorkflow", ' + aliased.format('pulumi.Alias(name="MyWorkflow")'),
        'Workflow("Third", class_name="MyWorkflow", ' + aliased.format('pulumi.Alias(name="Second")'),
    )
    mark = project.account.mark()
    refused = stack.up()
    assert not refused.ok
    text = refused.stdout + refused.error
    assert "derived workflow_name would change" in text and str(before["workflow_name"]) in text
    assert project.account.requests_since(mark) == []  # the preview phase failed: nothing was applied

    # Listing the original name first keeps the identity: nothing to do.
    project.edit(
        'aliases=[pulumi.Alias(name="Second")]',
        'aliases=[pulumi.Alias(name="MyWorkflow"), pulumi.Alias(name="Second")]',
    )
    assert stack.preview(expect_no_changes=True).ok
    assert stack.up().ok
    assert stack.outputs()["workflow_id"] == before["workflow_id"]
