"""The pure mapping from what an account stores to what workerd runs (cloudflare_local.runtime.options)."""

from __future__ import annotations

import base64
from typing import Any

from cloudflare_local.exports import parse_exports
from cloudflare_local.models import Script, ScriptVersion, Workflow
from cloudflare_local.runtime import names
from cloudflare_local.runtime.options import (
    AccountState,
    ScriptState,
    account_config,
    durable_object_designator,
    internal_worker,
)

ACCOUNT = "acct"
HOST = (
    'import { WorkflowEntrypoint } from "cloudflare:workers";\n'
    "export class {cls} extends WorkflowEntrypoint {}\n"
)


def script(
    name: str,
    source: str,
    bindings: list[dict[str, Any]] | None = None,
    extra: dict[str, tuple[str, bytes]] | None = None,
) -> ScriptState:
    exported = parse_exports(source)
    modules = {"worker.mjs": source.encode(), **{k: v[1] for k, v in (extra or {}).items()}}
    version = ScriptVersion(
        id=f"{name}-v1",
        number=1,
        script_name=name,
        main_module="worker.mjs",
        body_part=None,
        modules=[
            *({"name": k, "content_type": t, "size": len(d)} for k, (t, d) in (extra or {}).items()),
            {"name": "worker.mjs", "content_type": "application/javascript+module", "size": len(source)},
        ],
        bindings=bindings or [],
        metadata={},
        compatibility_date="2025-04-01",
        compatibility_flags=["nodejs_compat"],
        exports=sorted(exported.names),
        exports_open=exported.open_ended or not exported.parses,
        etag="e",
        created_on="2026-01-01T00:00:00Z",
    )
    record = Script(name, "tag", "t", "t", "e", version.id, version.id, 1, True)
    return ScriptState(record, version, modules)


def workflow(name: str, class_name: str, script_name: str) -> Workflow:
    return Workflow("wf-id", name, class_name, script_name, "t", "t", "v1", limits={"steps": 7})


def state(
    *scripts: ScriptState, workflows: list[Workflow] | None = None, account_id: str = ACCOUNT
) -> AccountState:
    return AccountState(account_id, {s.script.name: s for s in scripts}, workflows or [])


def own_binding(cls: str, workflow_name: str = "orders") -> dict[str, Any]:
    return {"type": "workflow", "name": "ORDERS", "workflow_name": workflow_name, "class_name": cls}


def test_a_script_is_a_worker_with_its_main_module_first_and_its_settings() -> None:
    host = script(
        "host",
        HOST.replace("{cls}", "OrderWorkflow"),
        bindings=[
            {"type": "plain_text", "name": "GREETING", "text": "hi"},
            {"type": "secret_text", "name": "TOKEN", "text": "s3cret"},
            {"type": "json", "name": "CONFIG", "json": {"a": 1}},
        ],
        extra={
            "data.bin": ("application/octet-stream", b"\x00\x01"),
            "map.js.map": ("application/source-map", b"{}"),
        },
    )
    (worker,) = account_config(state(host)).workers
    assert worker["name"] == names.worker(ACCOUNT, "host") == "acct.host"
    assert [(m["type"], m["path"]) for m in worker["modules"]] == [
        ("ESModule", "worker.mjs"),
        ("Data", "data.bin"),
    ]
    assert base64.b64decode(worker["modules"][1]["contents_b64"]) == b"\x00\x01"
    assert (worker["compatibilityDate"], worker["compatibilityFlags"]) == ("2025-04-01", ["nodejs_compat"])
    assert worker["bindings"] == {"GREETING": "hi", "TOKEN": "s3cret", "CONFIG": {"a": 1}}


def test_a_workflow_binding_is_bound_to_the_registered_workflow_own_and_cross_script() -> None:
    host = script("host", HOST.replace("{cls}", "OrderWorkflow"), bindings=[own_binding("OrderWorkflow")])
    client = script(
        "client",
        "export default {};",
        bindings=[{**own_binding("Stale"), "script_name": "host"}],  # the binding's class does not decide
    )
    config = account_config(state(host, client, workflows=[workflow("orders", "OrderWorkflow", "host")]))
    expected = {
        "name": "acct.orders",
        "className": "OrderWorkflow",
        "scriptName": "acct.host",
        "stepLimit": 7,
    }
    assert config.runnable == {"orders": expected}
    assert [w["workflows"] for w in config.workers] == [{"ORDERS": expected}, {"ORDERS": expected}]
    # The runtime's own Worker binds it too: the API can start instances nobody's script binds.
    assert list(internal_worker([config])["workflows"].values()) == [expected]


def test_between_a_class_rename_upload_and_the_workflow_put_the_hosts_binding_names_the_class() -> None:
    renamed = script(
        "host", HOST.replace("{cls}", "OrderWorkflowV2"), bindings=[own_binding("OrderWorkflowV2")]
    )
    config = account_config(state(renamed, workflows=[workflow("orders", "OrderWorkflow", "host")]))
    assert config.runnable["orders"]["className"] == "OrderWorkflowV2"


def test_what_workerd_could_not_run_is_left_out_of_env() -> None:
    host = script(
        "host",
        HOST.replace("{cls}", "Other"),
        bindings=[
            own_binding("Other", "unregistered"),
            {"type": "durable_object_namespace", "name": "DO", "class_name": "Missing"},
            {"type": "service", "name": "SVC", "service": "not-deployed"},
            {"type": "kv_namespace", "name": "KV", "namespace_id": "x"},
        ],
    )
    # A registered workflow whose class its script does not export, and one whose script is not deployed.
    workflows = [workflow("orders", "OrderWorkflow", "host"), workflow("gone", "X", "nowhere")]
    config = account_config(state(host, workflows=workflows))
    assert config.runnable == {}
    assert config.registered == {"orders", "gone"}
    (worker,) = config.workers
    assert not {"workflows", "durableObjects", "serviceBindings"} & set(worker)
    assert len(config.left_out) == 6, config.left_out


def test_durable_objects_and_services_reach_the_scripts_of_the_same_account() -> None:
    host = script(
        "host",
        "export class Counter {}\nexport class Api {}\nexport default {};",
        bindings=[{"type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter"}],
    )
    client = script(
        "client",
        "export default {};",
        bindings=[
            {
                "type": "durable_object_namespace",
                "name": "COUNTER",
                "class_name": "Counter",
                "script_name": "host",
            },
            {"type": "service", "name": "HOST", "service": "host"},
            {"type": "service", "name": "API", "service": "host", "entrypoint": "Api"},
        ],
    )
    host_worker, client_worker = sorted(account_config(state(host, client)).workers, key=lambda w: w["name"])[
        ::-1
    ]
    designator = durable_object_designator(ACCOUNT, host.script, "Counter")
    # No migration recorded the class (a state from before migrations): its storage is named by script and
    # class.
    assert designator == {
        "className": "Counter",
        "scriptName": "acct.host",
        "unsafeUniqueKey": "acct.host-Counter",
        "useSQLite": True,
    }
    assert host_worker["durableObjects"] == client_worker["durableObjects"] == {"COUNTER": designator}
    assert client_worker["serviceBindings"] == {
        "HOST": "acct.host",
        "API": {"name": "acct.host", "entrypoint": "Api"},
    }


def test_a_module_that_does_not_parse_is_refused_with_cloudflares_code() -> None:
    config = account_config(state(script("host", "export default { fetch( { return 1 } };")))
    assert config.workers == []
    (refusal,) = config.refusals
    assert (refusal.script_name, refusal.version_id, refusal.code) == ("host", "host-v1", 10021)
    assert "worker.mjs" in refusal.message and "SyntaxError" in refusal.message


def test_the_same_names_on_two_accounts_are_two_names_in_workerd() -> None:
    host = script("host", HOST.replace("{cls}", "OrderWorkflow"), bindings=[own_binding("OrderWorkflow")])
    workflows = [workflow("orders", "OrderWorkflow", "host")]
    one, two = (account_config(state(host, workflows=workflows, account_id=a)) for a in ("one", "two"))
    assert [w["name"] for w in one.workers + two.workers] == ["one.host", "two.host"]
    assert (one.runnable["orders"]["name"], two.runnable["orders"]["name"]) == ("one.orders", "two.orders")
    internal = internal_worker([one, two])
    assert internal["name"] == names.INTERNAL_WORKER and len(internal["workflows"]) == 2


def test_a_durable_object_lives_in_the_storage_its_migrations_carried_across_renames() -> None:
    host = script("host", "export class CounterV2 {}\nexport default {};")
    host.script.durable_objects = {"CounterV2": {"sqlite": False, "storage_id": "f00d"}}
    assert durable_object_designator(ACCOUNT, host.script, "CounterV2") == {
        "className": "CounterV2",
        "scriptName": "acct.host",
        "unsafeUniqueKey": "f00d",
        "useSQLite": False,
    }
