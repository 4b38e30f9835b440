"""`DurableObject` in programs under mocks: what the hosting Worker carries (its binding and the declaration
its migrations are planned from), cross-script bindings ordered after the host, one host, and early
validation."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_cloudflare_workflows import DurableObject, Worker
from sample_scripts import CLIENT

from tests.programs.support import WORKER_TYPE, install, run_program

ACCOUNT = "a" * 32
DO_HOST = (
    'import { DurableObject } from "cloudflare:workers";\n'
    "export class Counter extends DurableObject {}\nexport default { fetch() { return new Response(); } };\n"
)


def run(body: Any, real_runtime: bool = True) -> Any:
    monitor = install(config={"cloudflare-workflows:accountId": ACCOUNT})
    run_program(body, real_runtime=real_runtime)
    return monitor


def test_the_host_carries_the_binding_and_the_declaration(real_runtime: bool) -> None:
    def program() -> None:
        counter = DurableObject("counter", class_name="Counter")
        Worker("host", script=DO_HOST, bindings={"COUNTER": counter, "AGAIN": counter})

    m = run(program, real_runtime)
    host = m.by_name("host")
    assert host.inputs["bindings"]["COUNTER"] == {"type": "durable_object_namespace", "class_name": "Counter"}
    assert host.inputs["bindings"]["AGAIN"] == host.inputs["bindings"]["COUNTER"]
    assert host.inputs["durable_objects"] == {"counter": {"class_name": "Counter", "sqlite": True}}
    # No resource of its own: the migration travels with the host's upload.
    assert [r.type for r in m.registrations] == [WORKER_TYPE]


def test_a_worker_without_durable_objects_sends_none(real_runtime: bool) -> None:
    m = run(lambda: Worker("plain", script=CLIENT), real_runtime)
    assert m.by_name("plain").inputs.get("durable_objects") is None


@pytest.mark.parametrize("declared_first", ["host", "client"])
def test_a_cross_script_binding_names_the_host_and_waits_for_it(
    real_runtime: bool, declared_first: str
) -> None:
    def program() -> None:
        counter = DurableObject("Counter", script_name="do-host")
        workers = {
            "host": lambda: Worker("host", name="do-host", script=DO_HOST, bindings={"C": counter}),
            "client": lambda: Worker("client", script=CLIENT, bindings={"C": counter}),
        }
        workers[declared_first]()
        workers["client" if declared_first == "host" else "host"]()

    m = run(program, real_runtime)
    client, host = m.by_name("client"), m.by_name("host")
    assert client.inputs["bindings"]["C"] == {
        "type": "durable_object_namespace",
        "class_name": "Counter",
        "script_name": "do-host",
    }
    assert "durable_objects" not in client.inputs or client.inputs["durable_objects"] is None
    assert host.urn in client.dependencies


def test_a_reexported_binding_is_cross_script(real_runtime: bool) -> None:
    def program() -> None:
        host = Worker("host", script=DO_HOST, bindings={"C": DurableObject("Counter")})
        Worker("client", script=CLIENT, bindings={"C": host.bindings["C"]})

    m = run(program, real_runtime)
    client = m.by_name("client")
    assert client.inputs["bindings"]["C"]["script_name"] == "proj-dev-host"
    assert m.by_name("host").urn in client.dependencies


def test_an_outside_script_is_bound_by_its_literal_name(real_runtime: bool) -> None:
    def program() -> None:
        Worker("client", script=CLIENT, bindings={"C": DurableObject("Counter", script_name="wrangler-app")})

    m = run(program, real_runtime)
    assert m.by_name("client").inputs["bindings"]["C"]["script_name"] == "wrangler-app"
    assert m.by_name("client").dependencies == []


def test_a_durable_object_has_one_host() -> None:
    def program() -> None:
        counter = DurableObject("Counter")
        Worker("host-a", script=DO_HOST, bindings={"C": counter})
        Worker("host-b", script=DO_HOST, bindings={"C": counter})

    with pytest.raises(ValueError, match="already hosted by Worker 'host-a'"):
        run(program, False)


def test_one_stable_id_one_declaration_one_class() -> None:
    def two_declarations() -> None:
        Worker("h", script=DO_HOST, bindings={"A": DurableObject("Counter"), "B": DurableObject("Counter")})

    with pytest.raises(ValueError, match="two DurableObjects are named 'Counter'"):
        run(two_declarations, False)

    def two_ids_one_class() -> None:
        a, b = DurableObject("a", class_name="Counter"), DurableObject("b", class_name="Counter")
        Worker("h", script=DO_HOST, bindings={"A": a, "B": b})

    with pytest.raises(ValueError, match="both declare class 'Counter'"):
        run(two_ids_one_class, False)


def test_declarations_validate_names_early() -> None:
    with pytest.raises(ValueError, match="class_name is required"):
        DurableObject("my-counter")
    with pytest.raises(ValueError, match="reserved word"):
        DurableObject("x", class_name="class")
    with pytest.raises(ValueError, match="script_name"):
        DurableObject("Counter", script_name="Not A Script")
    with pytest.raises(TypeError, match="sqlite"):
        DurableObject("Counter", sqlite="yes")  # type: ignore[arg-type]
    seen: list[str] = []
    run(lambda: seen.append(DurableObject("Counter").class_name), False)
    assert seen == ["Counter"]
