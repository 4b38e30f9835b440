"""Durable Objects through the real engine: a host and a client that binds its class cross-script, across
create, class rename, a removal refused while the class is still exported, and the delete; each upload's
migrations read back from what cloudflare-local stored. And a state written before Durable Objects, which
must preview and refresh as no change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudflare_local.testing import stored_script

from tests.lifecycle.support import WORKER, Account, Project, mutations
from tests.lifecycle.support import write_durable_objects_project as write_project


def host_record(project: Project, script: str) -> dict[str, Any]:
    record = stored_script(project.account.server, project.account.id, script)
    assert record is not None
    return record


def test_migrations_across_deploys_and_a_rename_that_previews_as_an_update(
    tmp_path: Path, account: Account, pulumi_engine: Path
) -> None:
    project = write_project(tmp_path, account)
    stack = project.stack()

    created = stack.up()
    assert created.ok, created.text
    outputs = stack.outputs()
    host, client = str(outputs["host"]), str(outputs["client"])
    record = host_record(project, host)
    assert record["uploads"][-1]["migrations"] == {"new_tag": "v1", "new_sqlite_classes": ["Counter"]}
    assert outputs["migration_tag"] == "v1"
    storage = record["durable_objects"]["Counter"]["storage_id"]
    # The client binds the class cross-script (no migration) and is uploaded after its host.
    assert "migrations" not in host_record(project, client)["uploads"][-1]
    assert account.bindings(client)["COUNTER"]["script_name"] == host
    assert stack.preview(expect_no_changes=True).ok

    # A class rename: an update of the host (naming the changed keys) and of its client, never a replace.
    project.edit('class_name="Counter"', 'class_name="CounterV2"')
    preview = stack.preview(diff=True)
    assert preview.ok, preview.text
    step = preview.step("do-host", WORKER)
    assert step.op == "update", preview.ops()
    assert {"durable_objects", "bindings"} <= set(step.diff_reasons), step.diff_reasons
    assert preview.step("do-client", WORKER).op == "update"
    assert {s.op for s in preview.changes} == {"update"}, preview.ops()
    mark = account.mark()
    renamed = stack.up()
    assert renamed.ok, renamed.text
    record = host_record(project, host)
    assert record["uploads"][-1]["migrations"] == {
        "old_tag": "v1",
        "new_tag": "v2",
        "renamed_classes": [{"from": "Counter", "to": "CounterV2"}],
    }
    assert record["durable_objects"]["CounterV2"]["storage_id"] == storage
    requests = account.requests_since(mark)
    assert requests.index(("PUT", f"/workers/scripts/{host}")) < requests.index(
        ("PUT", f"/workers/scripts/{client}")
    )
    assert stack.outputs()["migration_tag"] == "v2"
    assert stack.preview(expect_no_changes=True).ok
    assert stack.refresh(expect_no_changes=True).ok  # the live tag read back is the one recorded

    # Dropping the Durable Object while the script still exports its class is refused before the host's
    # upload (the client, which no longer depends on it, is updated).
    project.edit('bindings={"COUNTER": counter}', "bindings={}")
    project.edit('bindings={"COUNTER": host.bindings["COUNTER"]}', "bindings={}")
    project.edit(
        'env.COUNTER.getByName("a").fetch(request)',
        'new Response("none")',
        "workers/host.mjs",
    )
    mark = account.mark()
    refused = stack.up(skip_preview=True)
    assert not refused.ok
    assert (
        "Durable Object 'counter' (class 'CounterV2') left the program, but host.mjs still exports"
        in refused.text
    )
    assert [r for r in mutations(account.requests_since(mark)) if r[1].endswith(host)] == []

    # Its export removed too: the class is deleted, with its data.
    project.edit(
        'export class CounterV2 extends DurableObject { fetch() { return new Response("v2"); } }\n',
        "",
        "workers/host.mjs",
    )
    # The pull request's preview says, in words, what the update destroys (the diff shows a declaration and a
    # binding leaving).
    warned = stack.preview()
    assert warned.step("do-host", WORKER).op == "update"
    assert "this update deletes Durable Object class 'CounterV2' (DurableObject 'counter')" in warned.text
    deleted = stack.up()
    assert deleted.ok, deleted.text
    record = host_record(project, host)
    assert record["uploads"][-1]["migrations"] == {
        "old_tag": "v2",
        "new_tag": "v3",
        "deleted_classes": ["CounterV2"],
    }
    assert record["durable_objects"] == {}
    assert stack.preview(expect_no_changes=True).ok
    assert stack.destroy().ok
    assert account.is_empty()


def test_a_state_from_before_durable_objects_shows_no_change(
    tmp_path: Path, account: Account, pulumi_engine: Path
) -> None:
    program = (
        "from pulumi_cloudflare_workflows import Worker\n"
        'Worker("plain", entrypoint="workers/client.mjs", bindings={"GREETING": "hi"})\n'
    )
    project = write_project(tmp_path, account, program)
    stack = project.stack()
    assert stack.up().ok
    state = stack.export()
    (worker,) = [r for r in state["deployment"]["resources"] if r["type"] == WORKER]
    for part in ("inputs", "outputs"):
        for key in ("durable_objects", "migration_tag"):
            worker[part].pop(key, None)
    stack.import_state(state)

    assert stack.preview(expect_no_changes=True).ok
    mark = account.mark()
    assert stack.refresh(expect_no_changes=True).ok
    requests = account.requests_since(mark)
    assert requests and all(method == "GET" for method, _ in requests), requests
    assert ("GET", "/workers/scripts") not in requests, "no migration tag to read for a Worker without any"
    assert stack.destroy().ok
    assert account.is_empty()
