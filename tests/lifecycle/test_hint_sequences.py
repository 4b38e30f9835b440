"""Sequences a user follows in minutes, walked through the real engine with the hints this project prints,
followed as written; afterwards the account is read: no live workflow or script that the final program still
declares is ever deleted.

1. A Workflow with an explicit `workflow_name` is renamed (logical name) without an alias: `up` refuses; the
   refusal's hint offers `adopt=True`; with it, the new resource takes the live workflow over, and the old
   resource's delete must then leave it alone (it used to delete it: the account held no workflow).
2. The same with a Worker script (explicit `name`): its refusal leads with the alias (the script carries
   the old resource's ownership tag); adopting it anyway keeps it too.
3. A Workflow with a derived name is renamed without an alias: the Workflow's create refuses, but its host
   Worker, updated first, used to upload a binding to the new name first: the live script was bound to a
   workflow that never came. The host now refuses before its upload.
4. A Workflow *and* its host Worker, both with derived names, renamed together without aliases: the class
   moves to a new script, so no create can tell it from a deliberate second workflow; it used to end with the
   live workflow (and its instances) deleted. Now the old workflow and its script are kept, with a warning
   that says how to take them back.
5. `pulumi up --replace` of a workflow refused because the name is taken, then "fixed" with `adopt=True`
   instead of the `delete_before_replace=True` the message leads with: the replacement takes the live
   workflow over, and the replaced resource's delete must leave it alone.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.lifecycle.support import WORKFLOW, Project, mutations

EXPLICIT = 'workflow = Workflow("MyWorkflow", workflow_name="adopt-wf")'


def deletes(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [r for r in requests if r[0] == "DELETE"]


def test_explicit_name_logical_rename_then_the_adopt_hint_keeps_the_workflow(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    project.edit('workflow = Workflow("MyWorkflow")', EXPLICIT)
    stack = project.stack()
    assert stack.up().ok
    live = project.account.workflows()["adopt-wf"]

    project.edit(
        EXPLICIT, 'workflow = Workflow("my-workflow-2", workflow_name="adopt-wf", class_name="MyWorkflow")'
    )
    refused = stack.up(skip_preview=True)
    assert not refused.ok and "adopt=True" in refused.error, refused.error

    project.edit('class_name="MyWorkflow")', 'class_name="MyWorkflow", adopt=True)')
    mark = project.account.mark()
    adopted = stack.up(skip_preview=True)
    assert adopted.ok, adopted.text
    assert deletes(project.account.requests_since(mark)) == []
    assert project.account.workflows()["adopt-wf"]["id"] == live["id"], "the live workflow was lost"
    assert stack.outputs()["workflow_id"] == live["id"]
    assert stack.preview(expect_no_changes=True).ok
    assert stack.refresh(expect_no_changes=True).ok
    assert stack.destroy().ok
    assert project.account.is_empty()


def test_explicit_name_worker_rename_then_adopt_keeps_the_script(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    project.edit('worker = Worker("my-worker", ', 'worker = Worker("my-worker", name="adopt-script", ')
    stack = project.stack()
    assert stack.up().ok

    project.edit('Worker("my-worker", name="adopt-script", ', 'Worker("api", name="adopt-script", ')
    refused = stack.up(skip_preview=True)
    assert not refused.ok
    # The script carries the old resource's ownership tag: the refusal leads with the alias, no takeover.
    assert "another Pulumi resource manages it" in refused.error, refused.error
    assert "if you renamed this resource, keep its identity with" in refused.error, refused.error
    assert "adopt=True" not in refused.error, refused.error

    # Adopting it anyway (no hint of ours says so) still never deletes it: the hand-over record.
    project.edit('name="adopt-script", ', 'name="adopt-script", adopt=True, ')
    mark = project.account.mark()
    adopted = stack.up(skip_preview=True)
    assert adopted.ok, adopted.text
    assert deletes(project.account.requests_since(mark)) == []
    assert project.account.scripts() == {"adopt-script"}, "the live script was lost"
    assert stack.preview(expect_no_changes=True).ok
    assert stack.destroy().ok
    assert project.account.is_empty()


def test_replace_refused_then_adopt_keeps_the_workflow(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")
    stack = project.stack()
    assert stack.up().ok
    name = stack.outputs()["workflow_name"]
    live = project.account.workflows()[name]
    urn = stack.urn(WORKFLOW, "MyWorkflow")

    refused = stack.up(skip_preview=True, replace=[urn])
    assert not refused.ok and "adopt=True" in refused.error, refused.error
    project.edit('workflow = Workflow("MyWorkflow")', 'workflow = Workflow("MyWorkflow", adopt=True)')
    adopted = stack.up(skip_preview=True, replace=[urn])
    assert adopted.ok, adopted.text
    assert project.account.workflows()[name]["id"] == live["id"], "the live workflow was lost"
    assert stack.preview(expect_no_changes=True).ok
    assert stack.destroy().ok


def test_derived_name_logical_rename_never_rebinds_the_live_script(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    stack = project.stack()
    assert stack.up().ok
    before = stack.outputs()
    script, live = before["script_name"], before["workflow_name"]

    project.edit(
        'workflow = Workflow("MyWorkflow")', 'workflow = Workflow("Renamed", class_name="MyWorkflow")'
    )
    mark = project.account.mark()
    refused = stack.up(skip_preview=True)
    assert not refused.ok
    assert (
        "already runs class 'MyWorkflow'" in refused.error and "aliases=[pulumi.Alias(name=" in refused.error
    )
    writes = mutations(project.account.requests_since(mark))
    assert writes == [], "the host was re-uploaded before the rename was refused"
    assert project.account.bindings(script)["MY_WORKFLOW"]["workflow_name"] == live

    project.edit(
        'Workflow("Renamed", class_name="MyWorkflow")',
        'Workflow("Renamed", class_name="MyWorkflow", '
        'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="MyWorkflow")]))',
    )
    assert stack.up(skip_preview=True).ok
    assert project.account.bindings(script)["MY_WORKFLOW"]["workflow_name"] == live
    assert stack.outputs()["workflow_id"] == before["workflow_id"]
    assert stack.preview(expect_no_changes=True).ok


def test_two_stacks_of_one_program_share_an_account_without_touching_each_other(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("quickstart")
    dev, prod = project.stack("dev"), project.stack("prod")
    assert dev.up().ok and prod.up().ok
    dev_names, prod_names = dev.outputs(), prod.outputs()
    assert dev_names["workflow_name"] != prod_names["workflow_name"]
    assert set(project.account.workflows()) == {dev_names["workflow_name"], prod_names["workflow_name"]}

    mark = project.account.mark()
    assert dev.destroy().ok
    touched = {path for _, path in project.account.requests_since(mark)}
    assert not any(prod_names["processor"] in p or prod_names["workflow_name"] in p for p in touched)
    assert set(project.account.workflows()) == {prod_names["workflow_name"]}
    assert prod.preview(expect_no_changes=True).ok and prod.refresh(expect_no_changes=True).ok
    assert prod.destroy().ok
    assert project.account.is_empty()


def test_workflow_and_host_renamed_together_keep_the_live_workflow(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    stack = project.stack()
    assert stack.up().ok
    before = stack.outputs()
    live_id = project.account.workflows()[before["workflow_name"]]["id"]

    project.edit(
        'workflow = Workflow("MyWorkflow")', 'workflow = Workflow("Renamed", class_name="MyWorkflow")'
    )
    project.edit('Worker("my-worker", ', 'Worker("api", ')
    mark = project.account.mark()
    renamed = stack.up(skip_preview=True, text=True)
    assert renamed.ok, renamed.text
    assert deletes(project.account.requests_since(mark)) == []
    assert project.account.workflows()[before["workflow_name"]]["id"] == live_id, "the live workflow was lost"
    assert before["script_name"] in project.account.scripts()
    assert f"not deleting workflow {before['workflow_name']!r}" in renamed.text, renamed.text
    assert "restore the old names with aliases" in renamed.text
