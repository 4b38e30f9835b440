"""WorkerProvider and WorkflowProvider called directly against a real cloudflare-local over HTTP."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import pytest
from pulumi_cloudflare_workflows_provider import handover, plan
from pulumi_cloudflare_workflows_provider.cloudflare.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
)
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider
from sample_scripts import CLIENT, HOST_V1, HOST_V2

from tests.provider.support import Providers, configured


def deploy_host(p: Providers, script_name: str, workflow_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    worker = p.worker.create(p.worker_inputs(script_name, bindings=p.hosted(workflow_name)))
    workflow = p.workflow.create(p.workflow_inputs(workflow_name, script_name))
    return dict(worker.outs), dict(workflow.outs)


def test_create_echoes_inputs_and_computed_outputs(providers: Providers) -> None:
    worker, workflow = deploy_host(providers, "host", "orders")
    assert worker["name"] == "host" and worker["etag"]
    assert "script" not in worker and worker["script_sha256"] == plan.digest(HOST_V1)
    assert workflow["workflow_name"] == "orders" and workflow["script_name"] == "host"
    assert workflow["workflow_id"] and workflow["version_id"] and workflow["created_on"]
    remote = providers.workflow.client().get_workflow(providers.account_id, "orders")
    assert (remote["id"], remote["class_name"], remote["script_name"]) == (
        workflow["workflow_id"],
        "OrderWorkflow",
        "host",
    )


def test_a_new_host_and_its_workflow_take_four_calls(providers: Providers) -> None:
    # GET (no such script), PUT the script, GET (no such workflow), PUT the workflow: the rename guard's list
    # of every workflow is skipped for a script this deployment created, on which no workflow can run yet.
    seen = len(providers.account_requests())
    providers.worker.create(providers.worker_inputs("host", bindings=providers.hosted("orders")))
    providers.workflow.create(providers.workflow_inputs("orders", "host", derived_name=True))
    log = providers.account_requests()[seen:]
    calls = [(r["method"], r["path"].rsplit("/", 2)[-2:], r["status"]) for r in log]
    assert calls == [
        ("GET", ["host", "settings"], 404),
        ("PUT", ["scripts", "host"], 200),
        ("GET", ["workflows", "orders"], 404),
        ("PUT", ["workflows", "orders"], 200),
    ]
    # Each provider keeps one client, and the client keeps its connection alive.
    assert log[0]["connection"] == log[1]["connection"] and log[2]["connection"] == log[3]["connection"]


def test_the_rename_guard_lists_workflows_when_the_host_existed_before(providers: Providers) -> None:
    providers.worker.create(providers.worker_inputs("host", bindings=providers.hosted("proj-dev-orders")))
    handover.forget_deployment()  # a later `up`: the host existed before it
    seen = len(providers.account_requests())
    providers.workflow.create(providers.workflow_inputs("proj-dev-orders", "host", derived_name=True))
    methods = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in providers.account_requests()[seen:]]
    assert methods == [("GET", "proj-dev-orders"), ("GET", "workflows"), ("PUT", "proj-dev-orders")]


def test_rerunning_the_same_program_diffs_as_no_change(providers: Providers) -> None:
    worker, workflow = deploy_host(providers, "host", "orders")
    before = len(providers.server.requests())
    # The program sends unnormalised inputs again; check normalises; diff compares with state outputs.
    rerun = providers.worker.check(
        worker,
        {
            "account_id": providers.account_id,
            "name": "host",
            "script": HOST_V1,
            "bindings": providers.hosted("orders"),
        },
    )
    assert providers.worker.diff("host", worker, dict(rerun.inputs)).changes is False
    wf_rerun = providers.workflow.check(workflow, providers.workflow_inputs("orders", "host"))
    assert providers.workflow.diff("orders", workflow, dict(wf_rerun.inputs)).changes is False
    assert len(providers.server.requests()) == before  # check and diff made no API call


def test_class_rename_uploads_first_then_repoints_and_keeps_the_workflow_id(providers: Providers) -> None:
    worker, workflow = deploy_host(providers, "host", "orders")
    seen = len(providers.account_requests())

    new_worker = providers.worker_inputs(
        "host", HOST_V2, bindings=providers.hosted("orders", "OrderWorkflowV2")
    )
    worker_diff = providers.worker.diff("host", worker, new_worker)
    assert worker_diff.changes is None and worker_diff.replaces == []
    # Were the engine to replace it anyway (replace_on_changes), the same name means delete first.
    assert worker_diff.delete_before_replace is True
    new_wf = providers.workflow_inputs("orders", "host", class_name="OrderWorkflowV2")
    wf_diff = providers.workflow.diff("orders", workflow, new_wf)
    assert wf_diff.changes is None and wf_diff.replaces == [] and wf_diff.delete_before_replace is True

    # The engine runs the Worker's update first (the Workflow depends on it), then the Workflow's.
    providers.worker.update("host", worker, new_worker)
    updated = providers.workflow.update("orders", workflow, new_wf).outs
    log = providers.account_requests()[seen:]
    assert updated["workflow_id"] == workflow["workflow_id"]
    assert updated["class_name"] == "OrderWorkflowV2"
    remote = providers.workflow.client().get_workflow(providers.account_id, "orders")
    assert (remote["id"], remote["class_name"]) == (workflow["workflow_id"], "OrderWorkflowV2")

    writes = [(r["method"], r["path"].split(f"/accounts/{providers.account_id}")[1]) for r in log]
    assert writes == [("PUT", "/workers/scripts/host"), ("PUT", "/workflows/orders")]


def test_workflow_name_change_is_a_replace(providers: Providers) -> None:
    _, workflow = deploy_host(providers, "host", "orders")
    renamed = providers.workflow_inputs("orders-v2", "host")
    diff = providers.workflow.diff("orders", workflow, renamed)
    assert diff.changes is None and diff.replaces == ["workflow_name"] and diff.delete_before_replace is False
    # Create-before-delete, as the engine does it by default.
    created = providers.workflow.create(renamed).outs
    providers.workflow.delete("orders", workflow)
    client = providers.workflow.client()
    assert client.get_workflow(providers.account_id, "orders-v2")["id"] == created["workflow_id"]
    with pytest.raises(NotFoundError):
        client.get_workflow(providers.account_id, "orders")


def test_worker_name_change_is_a_replace(providers: Providers) -> None:
    worker = providers.worker.create(providers.worker_inputs("svc", CLIENT)).outs
    diff = providers.worker.diff("svc", worker, providers.worker_inputs("svc-2", CLIENT))
    assert diff.replaces == ["name"]


def test_workflow_create_refuses_to_take_over_and_points_to_aliases(providers: Providers) -> None:
    _, workflow = deploy_host(providers, "host", "orders")
    with pytest.raises(AlreadyExistsError) as info:
        providers.workflow.create(providers.workflow_inputs("orders", "host"))
    text = str(info.value)
    assert "already exists" in text and "immutable" in text
    assert "aliases=[pulumi.Alias(name=" in text and "adopt=True" in text
    adopted = providers.workflow.create(providers.workflow_inputs("orders", "host", adopt=True)).outs
    assert adopted["workflow_id"] == workflow["workflow_id"]


def test_a_derived_name_next_to_a_live_workflow_on_the_same_class_is_refused_as_a_rename(
    providers: Providers,
) -> None:
    # The logical name "orders" was renamed to "order-flow" without an alias: the derived workflow name moves,
    # so the name check alone would pass and the end of the update would delete the live workflow.
    _, live = deploy_host(providers, "host", "proj-dev-orders")
    handover.forget_deployment()  # the rename comes in a later `up`, whose provider process is new
    renamed = providers.workflow_inputs("proj-dev-order-flow", "host", derived_name=True)
    with pytest.raises(AlreadyExistsError) as info:
        providers.workflow.create(renamed)
    text = str(info.value)
    assert "'proj-dev-orders'" in text and "aliases=[pulumi.Alias(name=" in text
    assert "explicit workflow_name" in text
    with pytest.raises(NotFoundError):
        providers.workflow.client().get_workflow(providers.account_id, "proj-dev-order-flow")
    # An explicit name is the user's deliberate choice: a second workflow on one class is allowed.
    second = providers.workflow.create(providers.workflow_inputs("orders-eu", "host")).outs
    assert second["workflow_id"] != live["workflow_id"]
    # Another class (or script) is no sibling, whatever the name.
    other = providers.workflow_inputs(
        "proj-dev-audit", "host", class_name="OrderWorkflowV2", derived_name=True
    )
    providers.worker.update(
        "host",
        {},
        providers.worker_inputs(
            "host",
            HOST_V2,
            bindings={
                **providers.hosted("proj-dev-orders"),
                **{
                    "A": {
                        "type": "workflow",
                        "workflow_name": "proj-dev-audit",
                        "class_name": "OrderWorkflowV2",
                    }
                },
            },
        ),
    )
    assert providers.workflow.create(other).outs["class_name"] == "OrderWorkflowV2"


def test_worker_create_refuses_to_overwrite_a_script(providers: Providers) -> None:
    providers.worker.create(providers.worker_inputs("taken", CLIENT))
    with pytest.raises(AlreadyExistsError, match="adopt=True"):
        providers.worker.create(providers.worker_inputs("taken", HOST_V1))
    content = providers.worker.client().get_script_content(providers.account_id, "taken")[1].decode()
    assert content == CLIENT  # untouched by the refused create
    providers.worker.create(providers.worker_inputs("taken", HOST_V1, adopt=True))
    assert providers.worker.client().get_script_content(providers.account_id, "taken")[1].decode() == HOST_V1


def test_worker_create_refuses_its_own_interrupted_upload_naming_the_cause(providers: Providers) -> None:
    ours = providers.worker_inputs("svc", HOST_V1, owner_tag="pulumi-cfwf-owner-aaaa")
    # An earlier create uploaded the script, then died before its result reached the state.
    client = providers.worker.client()
    client.upload_script(
        providers.account_id,
        "svc",
        {"main_module": "worker.mjs", "tags": ["pulumi-cfwf-owner-aaaa"]},
        {"worker.mjs": CLIENT},
    )
    with pytest.raises(AlreadyExistsError) as info:
        providers.worker.create(ours)
    assert "ownership tag" in str(info.value) and "interrupted" in str(info.value)
    assert "adopt=True" in str(info.value)
    assert client.get_script_content(providers.account_id, "svc")[1].decode() == CLIENT  # untouched

    # Another resource's tag: managed elsewhere, so neither adopting nor importing it is offered.
    theirs = providers.worker_inputs("svc", CLIENT, owner_tag="pulumi-cfwf-owner-bbbb")
    with pytest.raises(AlreadyExistsError) as other:
        providers.worker.create(theirs)
    first = str(other.value).splitlines()[0]
    assert "another Pulumi resource manages it" in first and "aliases=[pulumi.Alias(name=" in first
    assert "give this Worker another `name`" in str(other.value)
    assert "interrupted" not in str(other.value) and "adopt=True" not in str(other.value)

    # adopt=True takes it back, and the upload keeps the tag.
    providers.worker.create(providers.worker_inputs("svc", HOST_V1, owner_tag=ours["owner_tag"], adopt=True))
    assert client.get_script_content(providers.account_id, "svc")[1].decode() == HOST_V1
    assert client.get_script_settings(providers.account_id, "svc")["tags"] == ["pulumi-cfwf-owner-aaaa"]


def test_workflow_refusal_names_an_interrupted_create_when_it_points_at_our_class(
    providers: Providers,
) -> None:
    deploy_host(providers, "host", "orders")
    with pytest.raises(AlreadyExistsError) as same_target:
        providers.workflow.create(providers.workflow_inputs("orders", "host"))
    assert "interrupted" in str(same_target.value) and "aliases=[pulumi.Alias(name=" in str(same_target.value)
    other_class = providers.workflow_inputs("orders", "host", class_name="OtherWorkflow")
    with pytest.raises(AlreadyExistsError) as elsewhere:
        providers.workflow.create(other_class)
    assert "interrupted" not in str(elsewhere.value)


def test_read_detects_drift_in_class_script_and_bindings(providers: Providers) -> None:
    worker, workflow = deploy_host(providers, "host", "orders")
    client = providers.worker.client()
    # Somebody changes things outside Pulumi: a new script with another binding, and repoints the class.
    client.upload_script(
        providers.account_id,
        "host",
        {
            "main_module": "worker.mjs",
            "compatibility_date": "2025-05-05",
            "bindings": [
                {
                    "name": "WF",
                    "type": "workflow",
                    "workflow_name": "orders",
                    "class_name": "OrderWorkflowV2",
                },
                {"name": "MODE", "type": "plain_text", "text": "manual"},
            ],
        },
        {"worker.mjs": HOST_V2},
    )
    client.put_workflow(
        providers.account_id, "orders", {"class_name": "OrderWorkflowV2", "script_name": "host"}
    )

    read = providers.worker.read("host", worker)
    assert read.id == "host"
    assert read.inputs is not None
    assert read.inputs["script"] == HOST_V2
    assert read.inputs["compatibility_date"] == "2025-05-05"
    assert read.inputs["bindings"]["MODE"] == {"type": "plain_text", "text": "manual"}
    assert read.inputs["bindings"]["WF"]["class_name"] == "OrderWorkflowV2"
    assert read.outs["etag"] == worker["etag"] or read.outs["etag"]
    # The refreshed inputs now differ from the program's: the next diff shows an update back.
    program = providers.worker_inputs("host", bindings=providers.hosted("orders"))
    assert providers.worker.diff("host", read.outs, program).changes is None

    wf_read = providers.workflow.read("orders", workflow)
    assert wf_read.inputs is not None and wf_read.inputs["class_name"] == "OrderWorkflowV2"
    assert wf_read.outs["workflow_id"] == workflow["workflow_id"]


def test_read_of_an_unchanged_remote_matches_state(providers: Providers) -> None:
    worker, workflow = deploy_host(providers, "host", "orders")
    read = providers.worker.read("host", worker)
    program = providers.worker_inputs("host", bindings=providers.hosted("orders"))
    assert providers.worker.diff("host", read.outs, program).changes is False
    wf_read = providers.workflow.read("orders", workflow)
    wf_program = providers.workflow_inputs("orders", "host")
    assert providers.workflow.diff("orders", wf_read.outs, wf_program).changes is False


def test_read_detects_drift_in_limits(providers: Providers) -> None:
    """Limits live on the workflow's versions, not on the workflow object: read takes the newest one."""
    _, workflow = deploy_host(providers, "host", "orders")
    inputs = providers.workflow_inputs("orders", "host", limits={"steps": 50})
    workflow = providers.workflow.update("orders", workflow, inputs).outs
    unchanged = providers.workflow.read("orders", workflow)
    assert unchanged.inputs is not None and unchanged.inputs["limits"] == {"steps": 50}
    assert providers.workflow.diff("orders", unchanged.outs, inputs).changes is False

    providers.workflow.client().put_workflow(
        providers.account_id,
        "orders",
        {"class_name": "OrderWorkflow", "script_name": "host", "limits": {"steps": 7}},
    )
    drifted = providers.workflow.read("orders", workflow)
    assert drifted.inputs is not None and drifted.inputs["limits"] == {"steps": 7}
    assert drifted.outs["version_id"] != workflow["version_id"]
    assert providers.workflow.diff("orders", drifted.outs, inputs).changes is None


def test_secret_text_survives_a_refresh(providers: Providers) -> None:
    inputs = providers.worker_inputs(
        "sec", CLIENT, bindings={"API_KEY": {"type": "secret_text", "text": "s3cret"}}
    )
    worker = providers.worker.create(inputs).outs
    read = providers.worker.read("sec", worker)
    assert read.inputs is not None and read.inputs["bindings"]["API_KEY"] == {
        "type": "secret_text",
        "text": "s3cret",
    }


def test_read_reports_deleted_objects_as_gone(providers: Providers) -> None:
    worker, workflow = deploy_host(providers, "host", "orders")
    client = providers.workflow.client()
    client.delete_workflow(providers.account_id, "orders")
    gone = providers.workflow.read("orders", workflow)
    assert (gone.id, gone.outs) == ("", {})
    client.delete_script(providers.account_id, "host")
    gone = providers.worker.read("host", worker)
    assert (gone.id, gone.outs) == ("", {})


def test_delete_removes_workflow_then_script_and_tolerates_already_gone(providers: Providers) -> None:
    worker, workflow = deploy_host(providers, "host", "orders")
    seen = len(providers.account_requests())
    # The engine deletes the Workflow first: it depends on its host Worker.
    providers.workflow.delete("orders", workflow)
    providers.worker.delete("host", worker)
    client = providers.worker.client()
    with pytest.raises(NotFoundError):
        client.get_workflow(providers.account_id, "orders")
    with pytest.raises(NotFoundError):
        client.get_script_settings(providers.account_id, "host")
    # Deleting again (e.g. a destroy retried after a crash) is fine.
    providers.workflow.delete("orders", workflow)
    providers.worker.delete("host", worker)
    deletes = [
        r for r in providers.account_requests()[seen:] if r["method"] == "DELETE" and r["status"] < 300
    ]
    assert [d["path"].rsplit("/", 2)[-2:] for d in deletes] == [["workflows", "orders"], ["scripts", "host"]]


def test_deleting_a_host_that_still_hosts_workflows_surfaces_the_apis_refusal(
    providers: Providers,
) -> None:
    worker, _ = deploy_host(providers, "host", "orders")
    with pytest.raises(ConflictError) as info:
        providers.worker.delete("host", worker)
    text = str(info.value)
    assert text.startswith("deleting Worker script 'host' failed: "), text
    assert info.value.hint and info.value.hint.rstrip(".") in text.splitlines()[0]
    assert info.value.code is not None and f"code {info.value.code}, HTTP 409 for DELETE http://" in text


def test_delete_leaves_a_workflow_that_someone_else_recreated(
    providers: Providers, capsys: pytest.CaptureFixture[str]
) -> None:
    _, workflow = deploy_host(providers, "host", "orders")
    client = providers.workflow.client()
    client.delete_workflow(providers.account_id, "orders")
    theirs = client.put_workflow(
        providers.account_id, "orders", {"class_name": "OrderWorkflow", "script_name": "host"}
    )
    providers.workflow.delete("orders", workflow)
    assert client.get_workflow(providers.account_id, "orders")["id"] == theirs["id"]
    assert "not deleting workflow 'orders'" in capsys.readouterr().err


def test_check_failures_name_the_property_and_reason(providers: Providers) -> None:
    unhosted = providers.workflow.check(
        {}, {"account_id": providers.account_id, "workflow_name": "w", "class_name": "W"}
    )
    assert [(f.property, "is not hosted" in f.reason) for f in unhosted.failures] == [("script_name", True)]
    bad = providers.worker.check(
        {},
        {
            "account_id": providers.account_id,
            "name": "host",
            "script": CLIENT,
            "bindings": providers.hosted("orders"),
        },
    )
    (failure,) = bad.failures
    assert (
        failure.property == "bindings.WF.class_name"
        and "does not export class 'OrderWorkflow'" in failure.reason
    )
    assert providers.account_requests() == []


def test_auth_errors_never_show_the_token(cloudflare_local: Any, account_id: str) -> None:
    secret = "wrong-token-that-must-not-leak-123"
    provider = configured(WorkflowProvider(), cloudflare_local, token=secret)
    with pytest.raises(AuthenticationError) as info:
        provider.create(
            {"account_id": account_id, "workflow_name": "w", "class_name": "W", "script_name": "s"}
        )
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert "code 10000" in str(info.value)


def test_one_provider_instance_serves_concurrent_calls(providers: Providers) -> None:
    names = [f"svc-{i}" for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: providers.worker.create(providers.worker_inputs(n, CLIENT)), names))
    assert [r.id for r in results] == names
    assert providers.worker._client is not None


def test_env_fallback_when_configure_was_not_called(
    cloudflare_local: Any, account_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", cloudflare_local.token)
    monkeypatch.setenv("CLOUDFLARE_API_BASE_URL", cloudflare_local.api_base)
    provider = WorkerProvider()
    result = provider.create(
        {**provider.check({}, {"account_id": account_id, "name": "envy", "script": CLIENT}).inputs}
    )
    assert result.id == "envy"


def test_numbers_that_crossed_grpc_as_doubles_reach_cloudflare_as_integers(providers: Providers) -> None:
    providers.worker.create(providers.worker_inputs("host", bindings=providers.hosted("orders")))
    # What `create` receives from the engine: protobuf Struct numbers are doubles.
    props = {**providers.workflow_inputs("orders", "host"), "limits": {"steps": 50.0}}
    outs = providers.workflow.create(props).outs
    assert outs["limits"] == {"steps": 50} and isinstance(outs["limits"]["steps"], int)
    updated = providers.workflow.update("orders", outs, {**props, "limits": {"steps": 60.0}}).outs
    assert updated["limits"] == {"steps": 60}


def test_an_import_that_differs_names_the_keys_and_never_shows_a_secret(providers: Providers) -> None:
    secret = {"API_KEY": {"type": "secret_text", "text": "s3cret-value"}}
    deployed = providers.worker_inputs(
        "imp", CLIENT, bindings={**secret, "MODE": {"type": "plain_text", "text": "a"}}
    )
    providers.worker.create(deployed)
    program = providers.worker_inputs(
        "imp",
        CLIENT,
        bindings={**secret, "MODE": {"type": "plain_text", "text": "b"}},
        import_id=f"{providers.account_id}/imp",
    )
    with pytest.raises(ConflictError) as info:
        providers.worker.create(program)
    text = str(info.value)
    assert text.startswith(
        "cannot import Worker script 'imp': the live object differs from the program in bindings"
    )
    assert "'text': 'a'" in text and "'text': 'b'" in text
    assert "s3cret-value" not in text
