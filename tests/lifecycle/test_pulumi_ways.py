"""Pulumi's own ways of steering a stack, through the real engine, each read back from the account:
`import_`, `pulumi import`, `--target`, `--replace`, `up --refresh`, `protect`, `retain_on_delete`, and
`stack export` / `stack import`.
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi_offline import Stack

from tests.lifecycle.support import WORKER, WORKFLOW, Project, mutations

MINIMAL_WORKFLOW = 'workflow = Workflow("MyWorkflow")'


def deployed_then_forgotten(project: Project) -> tuple[Stack, dict[str, str]]:
    """The example deployed, then its state dropped: its objects live outside any state. Returns the new,
    empty stack and what the first one exported."""
    first = project.stack()
    assert first.up().ok
    outputs = first.outputs()
    return forget_state(project, first), outputs


def forget_state(project: Project, stack: Stack) -> Stack:
    """Drops the stack's state but not its objects (`pulumi stack rm --force`), then starts the stack anew:
    the objects now exist outside any state, as if deployed by wrangler or by another tool."""
    stack.run("stack", "rm", "--force", "--yes")
    return project.stack()


def test_import_option_takes_over_live_objects_without_changing_them(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    stack, outputs = deployed_then_forgotten(project)
    account = project.account
    live = account.workflows()[outputs["workflow_name"]]

    workflow_id = f"{account.id}/{outputs['workflow_name']}"
    script_id = f"{account.id}/{outputs['script_name']}"
    project.edit(
        MINIMAL_WORKFLOW,
        f'workflow = Workflow("MyWorkflow", opts=pulumi.ResourceOptions(import_="{workflow_id}"))',
    )
    project.edit(
        'bindings={"MY_WORKFLOW": workflow})',
        f'bindings={{"MY_WORKFLOW": workflow}}, opts=pulumi.ResourceOptions(import_="{script_id}"))',
    )
    mark = account.mark()
    imported = stack.up()
    assert imported.ok, imported.text
    assert mutations(account.requests_since(mark)) == [], "an import never writes"
    assert stack.outputs()["workflow_id"] == live["id"]
    assert stack.preview(expect_no_changes=True).ok

    # Once imported, import_ comes out of the program without a diff, as Pulumi's docs say to do.
    project.edit(f', opts=pulumi.ResourceOptions(import_="{workflow_id}")', "")
    project.edit(f', opts=pulumi.ResourceOptions(import_="{script_id}")', "")
    assert stack.preview(expect_no_changes=True).ok
    assert stack.destroy().ok
    assert account.is_empty()


def test_import_of_an_object_that_differs_from_the_program_is_refused_with_the_keys(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    stack, outputs = deployed_then_forgotten(project)
    account = project.account

    (project.dir / "workers" / "worker.mjs").write_text(
        (project.dir / "workers" / "worker.mjs").read_text() + "\n// v2\n"
    )
    script_id = f"{account.id}/{outputs['script_name']}"
    project.edit(
        'bindings={"MY_WORKFLOW": workflow})',
        f'bindings={{"MY_WORKFLOW": workflow}}, opts=pulumi.ResourceOptions(import_="{script_id}"))',
    )
    mark = account.mark()
    refused = stack.up(skip_preview=True)
    assert not refused.ok
    assert f"cannot import Worker script {outputs['script_name']!r}" in refused.error, refused.error
    assert "differs from the program in script" in refused.error, refused.error
    assert "adopt=True" in refused.error, refused.error
    assert mutations(account.requests_since(mark)) == []


def test_import_id_naming_another_object_fails_while_the_program_runs(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    project.edit(
        MINIMAL_WORKFLOW,
        'workflow = Workflow("MyWorkflow", opts=pulumi.ResourceOptions(import_="abc/someone-elses"))',
    )
    failed = project.stack().preview()
    assert not failed.ok
    assert "import_='abc/someone-elses' names another object than this resource" in failed.text, failed.text


def test_pulumi_import_on_the_command_line_cannot_load_a_dynamic_provider(
    copy_example: Callable[[str], Project],
) -> None:
    """Pinned engine limitation (pulumi/pulumi#16175): `pulumi import` calls Read without `__provider`. If
    this starts passing, the engine learned to import dynamic resources: document `pulumi import`."""
    project = copy_example("minimal")
    stack, outputs = deployed_then_forgotten(project)
    mark = project.account.mark()
    done = stack.run(
        "import",
        WORKFLOW,
        "MyWorkflow",
        f"{project.account.id}/{outputs['workflow_name']}",
        "--yes",
        check=False,
    )
    assert done.returncode != 0
    assert "__provider" in done.stdout + done.stderr, done.stdout + done.stderr
    assert mutations(project.account.requests_since(mark)) == []


def test_target_changes_only_the_targeted_resource(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("quickstart")
    stack = project.stack()
    assert stack.up().ok
    processor, api = stack.outputs()["processor"], stack.outputs()["api"]
    stack.config_set("storeName", "night store")  # order-api's binding
    project.edit('limits={"steps": 50}', 'limits={"steps": 60}')  # the workflow's limits

    mark = project.account.mark()
    targeted = stack.up(skip_preview=True, targets=[stack.urn(WORKER, "order-api")])
    assert targeted.ok, targeted.text
    assert mutations(project.account.requests_since(mark)) == [("PUT", f"/workers/scripts/{api}")]
    assert project.account.bindings(api)["STORE_NAME"]["text"] == "night store"
    rest = stack.preview()
    assert rest.ops() == {
        "order-processing-dev": "same",
        "order-processor": "same",
        "orders": "update",
        "order-api": "same",
    }
    assert processor in project.account.scripts()


def test_replace_flag_keeps_the_live_workflow_unless_delete_before_replace(
    copy_example: Callable[[str], Project],
) -> None:
    """`--replace` keeps the Cloudflare name, and the engine replaces create-first without asking the provider
    (a targeted replace skips Diff: pulumi/pulumi pkg/resource/deploy/step_generator.go), so the create finds
    the name taken and refuses: nothing is lost, and the message says to set `delete_before_replace=True`,
    with which the replace goes through."""
    project = copy_example("minimal")
    stack = project.stack()
    assert stack.up().ok
    before = stack.outputs()
    name = before["workflow_name"]
    urn = stack.urn(WORKFLOW, "MyWorkflow")

    mark = project.account.mark()
    refused = stack.up(skip_preview=True, replace=[urn])
    assert not refused.ok
    assert "delete_before_replace=True" in refused.error, refused.error
    assert mutations(project.account.requests_since(mark)) == []
    assert project.account.workflows()[name]["id"] == before["workflow_id"]

    project.edit(
        MINIMAL_WORKFLOW,
        'workflow = Workflow("MyWorkflow", opts=pulumi.ResourceOptions(delete_before_replace=True))',
    )
    mark = project.account.mark()
    replaced = stack.up(skip_preview=True, replace=[urn])
    assert replaced.ok, replaced.text
    requests = mutations(project.account.requests_since(mark))
    assert requests.index(("DELETE", f"/workflows/{name}")) < requests.index(("PUT", f"/workflows/{name}"))
    after = stack.outputs()
    assert after["workflow_name"] == name and after["workflow_id"] != before["workflow_id"]
    assert project.account.workflows()[name]["id"] == after["workflow_id"]
    assert stack.preview(expect_no_changes=True).ok


def test_up_refresh_puts_back_a_workflow_deleted_outside(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")
    stack = project.stack()
    assert stack.up().ok
    name = stack.outputs()["workflow_name"]
    project.account.delete_workflow(name)
    assert stack.preview(expect_no_changes=True).ok, "without a refresh the state still believes it exists"

    restored = stack.up(skip_preview=True, refresh=True)
    assert restored.ok, restored.text
    # The refresh step finds it gone, then the update creates it again, in one `up`.
    assert [s.op for s in restored.steps if s.name == "MyWorkflow"] == ["refresh", "create"]
    assert name in project.account.workflows()
    assert stack.refresh(expect_no_changes=True).ok


def test_protect_keeps_a_workflow_the_program_drops(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("cross-script-script-name")
    project.edit('Workflow("invoices",', 'Workflow("invoices", opts=pulumi.ResourceOptions(protect=True),')
    stack = project.stack()
    assert stack.up().ok
    name = stack.outputs()["workflow_name"]

    destroyed = stack.destroy(skip_preview=True)
    assert not destroyed.ok
    assert "protected" in destroyed.text, destroyed.text
    assert name in project.account.workflows()


def test_retain_on_delete_leaves_the_script_in_the_account(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")
    project.edit(
        'bindings={"MY_WORKFLOW": workflow})',
        'bindings={"MY_WORKFLOW": workflow}, opts=pulumi.ResourceOptions(retain_on_delete=True))',
    )
    stack = project.stack()
    assert stack.up().ok
    script = stack.outputs()["script_name"]

    mark = project.account.mark()
    assert stack.destroy().ok
    assert ("DELETE", f"/workers/scripts/{script}") not in project.account.requests_since(mark)
    assert project.account.scripts() == {script}
    assert project.account.workflows() == {}


def test_stack_export_and_import_carry_the_state(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("quickstart")
    stack = project.stack()
    assert stack.up().ok
    exported = stack.export()
    fresh = forget_state(project, stack)
    assert fresh.preview().ops()["orders"] == "create", "without its state the stack would create again"

    fresh.import_state(exported)
    assert fresh.preview(expect_no_changes=True).ok
    assert fresh.refresh(expect_no_changes=True).ok
    assert fresh.destroy().ok
    assert project.account.is_empty()
