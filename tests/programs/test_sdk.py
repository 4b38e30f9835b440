"""SDK semantics under mocks: hosting, ordering, re-export, default names, bindings, account, validation."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi_cloudflare_workflows import Worker, Workflow, WorkflowBinding, WorkflowResource
from sample_scripts import CLIENT, HOST_V1

from tests.programs.support import WORKER_TYPE, WORKFLOW_TYPE, install, run_program

ACCOUNT = "a" * 32


def run(body: Any, real_runtime: bool = True, **kw: Any) -> Any:
    monitor = install(config={"cloudflare-workflows:accountId": ACCOUNT}, **kw)
    run_program(body, real_runtime=real_runtime)
    return monitor


def test_a_worker_hosts_its_workflow_and_registers_it_after_itself(real_runtime: bool) -> None:
    def program() -> None:
        wf = Workflow("orders", class_name="OrderWorkflow")
        Worker("host", script=HOST_V1, bindings={"ORDERS": wf})

    m = run(program, real_runtime)
    host, wf = m.by_name("host"), m.by_name("orders")
    assert (host.type, wf.type) == (WORKER_TYPE, WORKFLOW_TYPE)
    assert wf.dependencies == [host.urn]
    assert wf.inputs["script_name"] == host.inputs["name"] == "proj-dev-host"
    assert wf.inputs["workflow_name"] == "proj-dev-orders"
    assert wf.inputs["class_name"] == "OrderWorkflow"
    assert wf.inputs["account_id"] == ACCOUNT
    # The host's binding is static (no script_name: "this script"), so its check can verify the class; the
    # name is derived, which the host's rename guard needs to know (the mark never reaches Cloudflare).
    assert host.inputs["bindings"]["ORDERS"] == {
        "type": "workflow",
        "workflow_name": "proj-dev-orders",
        "class_name": "OrderWorkflow",
        "derived_name": True,
    }
    # Never parented to the host: the URN has only the stack as parent.
    assert (
        wf.urn
        == "urn:pulumi:dev::proj::pulumi:pulumi:Stack$pulumi-python:dynamic/cloudflare:Workflow::orders"
    )


def test_reexported_binding_is_cross_script_and_ordered_after_the_workflow(real_runtime: bool) -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        wf = Workflow("orders", class_name="OrderWorkflow")
        host = Worker("host", script=HOST_V1, bindings={"ORDERS": wf, "GREETING": "hi"})
        seen["reexport"] = host.bindings["ORDERS"]
        seen["greeting"] = host.bindings["GREETING"]
        Worker("client", script=CLIENT, bindings={"ORDERS": host.bindings["ORDERS"]})

    m = run(program, real_runtime)
    assert isinstance(seen["reexport"], WorkflowBinding)
    assert seen["greeting"] == "hi"
    client = m.by_name("client")
    assert client.inputs["bindings"]["ORDERS"] == {
        "type": "workflow",
        "workflow_name": "proj-dev-orders",
        "class_name": "OrderWorkflow",
        "script_name": "proj-dev-host",
    }
    assert m.by_name("orders").urn in client.dependencies
    assert len(m.of_type(WORKFLOW_TYPE)) == 1  # the client registers no workflow of its own


def test_script_name_method_with_the_client_declared_first(real_runtime: bool) -> None:
    def program() -> None:
        wf = Workflow("invoices", class_name="OrderWorkflow", script_name="inv-host")
        Worker("client", script=CLIENT, bindings={"INVOICES": wf})
        Worker("host", name="inv-host", script=HOST_V1, bindings={"INVOICES": wf})

    m = run(program, real_runtime)
    host, wf, client = m.by_name("host"), m.by_name("invoices"), m.by_name("client")
    assert wf.dependencies == [host.urn]
    assert wf.urn in client.dependencies
    assert client.inputs["bindings"]["INVOICES"]["script_name"] == "inv-host"
    assert "script_name" not in host.inputs["bindings"]["INVOICES"]


def test_a_workflow_in_an_outside_script_registers_standalone_after_the_body(real_runtime: bool) -> None:
    def program() -> None:
        wf = Workflow("billing", class_name="BillingWorkflow", script_name="deployed-elsewhere")
        Worker("client", script=CLIENT, bindings={"BILLING": wf})

    m = run(program, real_runtime)
    wf = m.by_name("billing")
    assert wf.inputs["script_name"] == "deployed-elsewhere" and wf.dependencies == []
    assert wf.urn in m.by_name("client").dependencies


def test_an_unhosted_workflow_without_script_name_registers_without_one(real_runtime: bool) -> None:
    m = run(lambda: Workflow("Lonely"), real_runtime)
    assert "script_name" not in m.by_name("Lonely").inputs  # the provider's check then fails it cleanly


def test_hosting_survives_a_synchronous_invoke_before_the_worker() -> None:
    def program() -> None:
        wf = Workflow("orders", class_name="OrderWorkflow")
        pulumi.runtime.invoke("test:index:anything", {})  # pumps the event loop mid-program
        Worker("host", script=HOST_V1, bindings={"ORDERS": wf})

    m = run(program, True)
    assert m.by_name("orders").inputs["script_name"] == "proj-dev-host"


def test_a_workflow_has_one_host() -> None:
    def program() -> None:
        wf = Workflow("orders", class_name="OrderWorkflow")
        Worker("host-a", script=HOST_V1, bindings={"ORDERS": wf})
        Worker("host-b", script=HOST_V1, bindings={"ORDERS": wf})

    with pytest.raises(ValueError, match="already hosted by Worker 'host-a'"):
        run(program, False)


def test_outputs_of_a_declaration_resolve_from_the_registered_resource() -> None:
    got: dict[str, Any] = {}

    def program() -> None:
        wf = Workflow("orders", class_name="OrderWorkflow")
        Worker("host", script=HOST_V1, bindings={"ORDERS": wf})
        pulumi.Output.all(wf.workflow_name, wf.class_name, wf.script_name, wf.resource).apply(
            lambda v: got.update(values=v)
        )

    run(program, True)
    name, cls, script, resource = got["values"]
    assert (name, cls, script) == ("proj-dev-orders", "OrderWorkflow", "proj-dev-host")
    assert isinstance(resource, WorkflowResource)


def test_default_names_come_from_stable_id_and_stack_not_the_class() -> None:
    names: dict[str, Any] = {}

    def program() -> None:
        a = Workflow("orders", class_name="OrderWorkflow")
        b = Workflow("orders-v2", class_name="OrderWorkflow")
        names["a"], names["b"] = a.declared_workflow_name, b.declared_workflow_name
        Worker("host", script=HOST_V1, bindings={"A": a, "B": b})

    run(program, False, stack="prod")
    assert names == {"a": "proj-prod-orders", "b": "proj-prod-orders-v2"}


def test_class_rename_keeps_the_workflow_name() -> None:
    seen = []
    for cls in ("OrderWorkflow", "OrderWorkflowV2"):
        install()
        wf = Workflow("orders", class_name=cls)
        seen.append(wf.declared_workflow_name)
    assert seen[0] == seen[1] == "proj-dev-orders"


def test_an_alias_keeps_the_default_names_of_the_old_logical_name() -> None:
    def program() -> None:
        opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="orders")])
        wf = Workflow("order-flow", class_name="OrderWorkflow", opts=opts)
        Worker(
            "api-v2",
            script=HOST_V1,
            bindings={"ORDERS": wf},
            opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="api")]),
        )

    m = run(program, False)
    assert m.by_name("order-flow").inputs["workflow_name"] == "proj-dev-orders"
    assert m.by_name("api-v2").inputs["name"] == "proj-dev-api"


def test_class_name_defaults_to_the_stable_id_when_it_is_a_class_name() -> None:
    install()
    assert Workflow("OrderWorkflow").declared_class_name == "OrderWorkflow"
    with pytest.raises(ValueError, match="class_name is required"):
        Workflow("order-workflow")


def test_declarations_validate_names_early() -> None:
    install()
    with pytest.raises(ValueError, match="workflow_name"):
        Workflow("X", workflow_name="not valid!")
    with pytest.raises(ValueError, match="class_name"):
        Workflow("X", class_name="not-a-class")
    with pytest.raises(TypeError, match="plain str"):
        not_a_str: Any = pulumi.Output.from_input("X")
        Workflow("X", class_name=not_a_str)
    with pytest.raises(ValueError, match="exactly one"):
        Worker("w", script=HOST_V1, entrypoint="x.mjs")
    with pytest.raises(ValueError, match="name"):
        Worker("w", name="Bad_Name!", script=HOST_V1)


def test_binding_values_to_cloudflare_shapes() -> None:
    def program() -> None:
        config = pulumi.Config()
        Worker(
            "w",
            script=CLIENT,
            bindings={
                "PLAIN": "hello",
                "FROM_OUTPUT": pulumi.Output.from_input("visible"),
                "API_KEY": config.require_secret("apiKey"),
                "KV": {"type": "kv_namespace", "namespace_id": "abc"},
                "OTHER_WF": WorkflowBinding("theirs", "TheirClass", "their-script"),
            },
        )

    monitor = install(config={"cloudflare-workflows:accountId": ACCOUNT, "proj:apiKey": "s3cret"})
    run_program(program, real_runtime=False)
    bindings = monitor.by_name("w").inputs["bindings"]
    # One secret value makes the whole bindings property secret in state.
    assert bindings["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    value = bindings["value"]
    assert value["PLAIN"] == {"type": "plain_text", "text": "hello"}
    assert value["FROM_OUTPUT"] == {"type": "plain_text", "text": "visible"}
    assert value["API_KEY"] == {"type": "secret_text", "text": "s3cret"}
    assert value["KV"] == {"type": "kv_namespace", "namespace_id": "abc"}
    assert value["OTHER_WF"] == {
        "type": "workflow",
        "workflow_name": "theirs",
        "class_name": "TheirClass",
        "script_name": "their-script",
    }


def test_bad_binding_values_fail_at_construction() -> None:
    install()
    with pytest.raises(ValueError, match="'type'"):
        Worker("w", script=CLIENT, bindings={"X": {"namespace_id": "abc"}})
    with pytest.raises(TypeError, match="unsupported value"):
        forty_two: Any = 42
        Worker("w", script=CLIENT, bindings={"X": forty_two})


def test_account_id_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "e" * 32)

    def program() -> None:
        Worker("from-env", script=CLIENT)
        Worker("explicit", script=CLIENT, account_id="b" * 32)

    m = install()
    run_program(program, real_runtime=False)
    assert m.by_name("from-env").inputs["account_id"] == "e" * 32
    assert m.by_name("explicit").inputs["account_id"] == "b" * 32
    m = install(config={"cloudflare-workflows:accountId": "c" * 32})
    run_program(lambda: Worker("from-config", script=CLIENT), real_runtime=False)
    assert m.by_name("from-config").inputs["account_id"] == "c" * 32


def test_a_hosted_workflow_lives_in_its_hosts_account() -> None:
    def program() -> None:
        wf = Workflow("orders", class_name="OrderWorkflow", account_id="b" * 32)
        Worker("host", script=HOST_V1, bindings={"ORDERS": wf}, account_id="c" * 32)

    with pytest.raises(ValueError, match="account"):
        run(program, False)


def test_entrypoint_is_read_at_program_time(tmp_path: Path) -> None:
    (tmp_path / "entry.mjs").write_text(HOST_V1)

    def program() -> None:
        Worker("w", entrypoint=tmp_path / "entry.mjs", compatibility_flags=["nodejs_compat", "nodejs_compat"])

    m = run(program, False)
    inputs = m.by_name("w").inputs
    assert (inputs["main_module"], inputs["script"]) == ("entry.mjs", HOST_V1)
    assert inputs["compatibility_flags"] == ["nodejs_compat"]
    assert inputs["compatibility_date"] == "2025-04-01"


def test_the_provider_string_is_tiny_constant_and_not_secret() -> None:
    m = run(
        lambda: Worker(
            "host", script=HOST_V1, bindings={"ORDERS": Workflow("orders", class_name="OrderWorkflow")}
        ),
        False,
    )
    strings = {r.name: r.inputs["__provider"] for r in m.registrations}
    assert all(isinstance(s, str) and len(s) < 200 for s in strings.values())
    assert b"pulumi_cloudflare_workflows_provider.worker" in base64.b64decode(strings["host"])
    assert b"pulumi_cloudflare_workflows_provider.workflow" in base64.b64decode(strings["orders"])
    m2 = run(lambda: Worker("host", script=HOST_V1), False)
    assert m2.by_name("host").inputs["__provider"] == strings["host"]


def test_two_workers_with_one_script_name_fail_while_the_program_runs() -> None:
    # "Api" and "api" derive the same lower-cased script name: both creates would succeed on one script.
    def program() -> None:
        Worker("Api", script=CLIENT)
        Worker("api", script=CLIENT)

    with pytest.raises(ValueError, match=r"'proj-dev-api' is used by both 'Api' and 'api'"):
        run(program)


def test_two_workflows_with_one_workflow_name_fail_while_the_program_runs() -> None:
    def program() -> None:
        Workflow("a", class_name="OrderWorkflow", workflow_name="shared")
        Workflow("b", class_name="OrderWorkflow", workflow_name="shared")

    with pytest.raises(ValueError, match=r"'shared' is used by both 'a' and 'b'.*workflow_name"):
        run(program)


def test_claims_are_per_program_run() -> None:
    def program() -> None:
        Worker("api", script=CLIENT)

    run(program)
    run(program)  # a second run (a new monitor) may use the same names again


def test_a_failing_deferred_registration_fails_the_program(
    real_runtime: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unhosted: registered after the program body, in a task; its failure must fail the program (it reaches
    # the program through the declaration's outputs, which the runtime awaits).
    import pulumi_cloudflare_workflows.workflow as workflow_module

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("registration failed")

    monkeypatch.setattr(workflow_module, "WorkflowResource", refuse)

    def program() -> None:
        Workflow("orders", class_name="OrderWorkflow", script_name="elsewhere")

    with pytest.raises(RuntimeError, match="registration failed"):
        run(program, real_runtime)


def test_script_name_set_to_a_workers_logical_name_is_caught_while_the_program_runs() -> None:
    # The host's script name is derived ("proj-dev-billing-host"), so "billing-host" names no script.
    def program() -> None:
        wf = Workflow("billing", class_name="OrderWorkflow", script_name="billing-host")
        Worker("billing-host", script=HOST_V1, bindings={"BILLING": wf})

    with pytest.raises(ValueError, match=r"this Worker's logical name.*script_name='proj-dev-billing-host'"):
        run(program)


@pytest.mark.timeout(60)
def test_a_host_that_fails_after_claiming_fails_its_workflows_outputs() -> None:
    # The host claims "orders", then fails on its next binding (a value no binding can hold). A resource
    # that waits on the workflow's outputs must fail with the host's error; left pending, the program hangs.
    def program() -> None:
        wf = Workflow("orders", class_name="OrderWorkflow")
        with pytest.raises(TypeError):
            Worker("host", script=HOST_V1, bindings={"ORDERS": wf, "BROKEN": 42})  # type: ignore[dict-item]
        Worker("client", script=CLIENT, bindings={"NAME": wf.workflow_name})

    with pytest.raises(TypeError, match="BROKEN"):
        run(program)
