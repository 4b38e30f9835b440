"""WorkerProvider with Durable Objects against a real cloudflare-local: the migrations each upload carries
(read back from what the server stored), their tags continuing the script's live tag (adopted, imported,
or moved on outside Pulumi), the calls they cost, and the refusals `check` makes before any upload."""

from __future__ import annotations

from typing import Any

import pytest
from cloudflare_local.testing import api_client, script_form, stored_script
from pulumi_cloudflare_workflows_provider.cloudflare.errors import ValidationError

from tests.provider.support import Providers

COUNTER = 'export class Counter extends DurableObject { fetch() { return new Response("counter"); } }\n'
ROOM = 'export class Room extends DurableObject { fetch() { return new Response("room"); } }\n'
V2 = 'export class CounterV2 extends DurableObject { fetch() { return new Response("v2"); } }\n'


def source(*classes: str) -> str:
    return (
        'import { DurableObject } from "cloudflare:workers";\n'
        + "".join(classes)
        + 'export default { fetch() { return new Response("ok"); } };\n'
    )


def declared(**classes: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """`(bindings, durable_objects)` hosting `stable id=class` each under the binding named by its id."""
    bindings = {
        sid.upper(): {"type": "durable_object_namespace", "class_name": cls} for sid, cls in classes.items()
    }
    objects = {sid: {"class_name": cls, "sqlite": True} for sid, cls in classes.items()}
    return bindings, objects


def inputs(p: Providers, name: str, script: str, olds: dict[str, Any] | None = None, **classes: str) -> Any:
    bindings, objects = declared(**classes)
    news = {"account_id": p.account_id, "name": name, "script": script, "bindings": bindings}
    result = p.worker.check(olds or {}, {**news, "durable_objects": objects or None})
    return result


def checked(
    p: Providers, name: str, script: str, olds: dict[str, Any] | None = None, **classes: str
) -> dict[str, Any]:
    result = inputs(p, name, script, olds, **classes)
    assert result.failures == [], result.failures
    return dict(result.inputs)


def last_migrations(p: Providers, name: str) -> dict[str, Any] | None:
    record = stored_script(p.server, p.account_id, name)
    assert record is not None
    return record["uploads"][-1].get("migrations")


def calls_since(p: Providers, seen: int) -> list[tuple[str, str]]:
    return [(r["method"], r["path"].split("/workers/", 1)[1]) for r in p.account_requests()[seen:]]


def test_create_rename_delete_recreate_on_the_wire(providers: Providers) -> None:
    p = providers
    created = p.worker.create(checked(p, "do-host", source(COUNTER), counter="Counter"))
    assert last_migrations(p, "do-host") == {"new_tag": "v1", "new_sqlite_classes": ["Counter"]}
    state = dict(created.outs)
    assert state["migration_tag"] == "v1"
    storage = stored_script(p.server, p.account_id, "do-host")["durable_objects"]["Counter"]["storage_id"]

    # The class behind the stable id changes: renamed, after reading the live tag (GET the script list).
    news = checked(p, "do-host", source(V2), state, counter="CounterV2")
    seen = len(p.account_requests())
    state = dict(p.worker.update("do-host", state, news).outs)
    assert calls_since(p, seen) == [("GET", "scripts"), ("PUT", "scripts/do-host")]
    assert last_migrations(p, "do-host") == {
        "old_tag": "v1",
        "new_tag": "v2",
        "renamed_classes": [{"from": "Counter", "to": "CounterV2"}],
    }
    record = stored_script(p.server, p.account_id, "do-host")
    assert record["durable_objects"]["CounterV2"]["storage_id"] == storage  # the data stays with it
    assert state["migration_tag"] == "v2"

    # It leaves the program together with its class's export: deleted.
    news = checked(p, "do-host", source(), state)
    state = dict(p.worker.update("do-host", state, news).outs)
    assert last_migrations(p, "do-host") == {
        "old_tag": "v2",
        "new_tag": "v3",
        "deleted_classes": ["CounterV2"],
    }
    assert stored_script(p.server, p.account_id, "do-host")["durable_objects"] == {}
    assert state["durable_objects"] is None and state["migration_tag"] == "v3"

    # A new Durable Object on the old class name: created anew, empty.
    news = checked(p, "do-host", source(COUNTER), state, fresh="Counter")
    state = dict(p.worker.update("do-host", state, news).outs)
    assert last_migrations(p, "do-host") == {
        "old_tag": "v3",
        "new_tag": "v4",
        "new_sqlite_classes": ["Counter"],
    }
    assert (
        stored_script(p.server, p.account_id, "do-host")["durable_objects"]["Counter"]["storage_id"]
        != storage
    )


def test_an_update_that_migrates_nothing_sends_no_migrations_and_reads_no_tag(providers: Providers) -> None:
    p = providers
    state = dict(p.worker.create(checked(p, "steady", source(COUNTER), counter="Counter")).outs)
    news = checked(p, "steady", source(COUNTER).replace('"ok"', '"ok2"'), state, counter="Counter")
    seen = len(p.account_requests())
    state = dict(p.worker.update("steady", state, news).outs)
    assert calls_since(p, seen) == [("PUT", "scripts/steady")]
    assert last_migrations(p, "steady") is None
    assert state["migration_tag"] == "v1"  # as Cloudflare reported it with the upload


def test_check_refuses_changes_that_would_lose_stored_data(providers: Providers) -> None:
    p = providers
    state = dict(p.worker.create(checked(p, "guarded", source(COUNTER), counter="Counter")).outs)
    seen = len(p.account_requests())

    renamed_id = inputs(p, "guarded", source(COUNTER), state, counter2="Counter")
    [(prop, reason)] = [(f.property, f.reason) for f in renamed_id.failures]
    assert prop == "durable_objects.counter2"
    assert "Keep the resource_name 'counter'" in reason

    dropped = inputs(p, "guarded", source(COUNTER), state)
    [(prop, reason)] = [(f.property, f.reason) for f in dropped.failures]
    assert prop == "durable_objects" and "worker.mjs still exports class 'Counter'" in reason

    unexported = inputs(p, "guarded", source(ROOM), state, counter="Counter")
    assert [f.property for f in unexported.failures] == ["durable_objects.counter.class_name"]
    assert "does not export class 'Counter'" in unexported.failures[0].reason
    assert p.account_requests()[seen:] == [], "check makes no API call"


def test_an_adopted_script_with_wrangler_tags_continues_them(providers: Providers) -> None:
    p = providers
    binding = {"type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter"}
    with api_client(p.server, p.account_id) as api:
        deployed = api.put(
            "/workers/scripts/wrangler-app",
            files=script_form(
                source(COUNTER),
                bindings=[binding],
                metadata={"migrations": {"new_tag": "v1", "steps": [{"new_sqlite_classes": ["Counter"]}]}},
            ),
        )
        assert deployed.status_code == 200, deployed.text

    # The program declares the class the script has and a new one: only the new one is created.
    news = checked(p, "wrangler-app", source(COUNTER, ROOM), None, counter="Counter", room="Room")
    created = p.worker.create({**news, "adopt": True})
    assert last_migrations(p, "wrangler-app") == {
        "old_tag": "v1",
        "new_tag": "v2",
        "new_sqlite_classes": ["Room"],
    }
    assert created.outs["migration_tag"] == "v2"
    assert set(stored_script(p.server, p.account_id, "wrangler-app")["durable_objects"]) == {
        "Counter",
        "Room",
    }


def test_an_imported_script_records_its_tag_and_the_next_migration_continues_it(providers: Providers) -> None:
    p = providers
    with api_client(p.server, p.account_id) as api:
        binding = {"type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter"}
        migrations = {"new_tag": "v7", "new_sqlite_classes": ["Counter"]}
        form = script_form(source(COUNTER), bindings=[binding], metadata={"migrations": migrations})
        assert api.put("/workers/scripts/imported", files=form).status_code == 200
    news = checked(p, "imported", source(COUNTER), None, counter="Counter")
    seen = len(p.account_requests())
    state = dict(p.worker.create({**news, "import_id": f"{p.account_id}/imported"}).outs)
    assert all(method == "GET" for method, _ in calls_since(p, seen)), "an import never writes"
    assert state["migration_tag"] == "v7"

    news = checked(p, "imported", source(COUNTER, ROOM), state, counter="Counter", room="Room")
    p.worker.update("imported", state, news)
    assert last_migrations(p, "imported") == {
        "old_tag": "v7",
        "new_tag": "v8",
        "new_sqlite_classes": ["Room"],
    }


def test_migrations_applied_outside_pulumi_are_continued_with_a_warning(
    providers: Providers, capsys: pytest.CaptureFixture[str]
) -> None:
    p = providers
    state = dict(p.worker.create(checked(p, "shared", source(COUNTER), counter="Counter")).outs)
    with api_client(p.server, p.account_id) as api:  # e.g. `wrangler deploy` with a migration of its own
        binding = {"type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter"}
        migrations = {"old_tag": "v1", "new_tag": "v2", "new_sqlite_classes": ["Room"]}
        form = script_form(source(COUNTER, ROOM), bindings=[binding], metadata={"migrations": migrations})
        assert api.put("/workers/scripts/shared", files=form).status_code == 200

    news = checked(p, "shared", source(V2, ROOM), state, counter="CounterV2")
    p.worker.update("shared", state, news)
    assert last_migrations(p, "shared") == {
        "old_tag": "v2",
        "new_tag": "v3",
        "renamed_classes": [{"from": "Counter", "to": "CounterV2"}],
    }
    assert (
        "its Durable Object migration tag is 'v2', but this stack last applied 'v1'"
        in capsys.readouterr().err
    )


def test_cloudflare_refuses_a_migration_over_a_stale_record(providers: Providers) -> None:
    """The state says the class is new, the script already has it (an interrupted `up`, say): the upload is
    refused with Cloudflare's 10074 and its hint, and the script is left as it was."""
    p = providers
    p.worker.create(checked(p, "stale", source(COUNTER), counter="Counter"))
    before = stored_script(p.server, p.account_id, "stale")
    news = checked(p, "stale", source(COUNTER, ROOM), None, counter="Counter", room="Room")
    state_without_classes = {**news, "durable_objects": None, "migration_tag": "v1"}
    with pytest.raises(ValidationError) as refused:
        p.worker.update("stale", state_without_classes, news)
    assert refused.value.code == 10074
    assert "make the program's DurableObjects match the classes the script has" in str(refused.value)
    assert stored_script(p.server, p.account_id, "stale") == before


def test_a_worker_without_durable_objects_costs_no_extra_call(providers: Providers) -> None:
    p = providers
    state = dict(p.worker.create(checked(p, "plain", source())).outs)
    assert state["durable_objects"] is None and state["migration_tag"] is None
    seen = len(p.account_requests())
    p.worker.read("plain", state)
    p.worker.update("plain", state, checked(p, "plain", source().replace('"ok"', '"ok2"'), state))
    assert [m for m, _ in calls_since(p, seen)] == ["GET", "GET", "PUT"]  # settings, content, upload
