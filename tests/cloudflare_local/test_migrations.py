"""Durable Object migrations as cloudflare-local applies and refuses them: the classes a script stores (with a
storage id carried across renames), its migration tag, and Cloudflare's codes for a wrong migration (10061,
10074, HTTP 412 naming the expected tag), each refusal leaving the script as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import Deploy, errors_of, stored_script


def do_source(*classes: str) -> str:
    """An ES module exporting one Durable Object class per name, and a fetch handler."""
    body = "".join(
        f"export class {name} extends DurableObject {{ fetch() {{ return new Response('{name}'); }} }}\n"
        for name in classes
    )
    return (
        'import { DurableObject } from "cloudflare:workers";\n'
        + body
        + "export default { async fetch() { return new Response('ok'); } };\n"
    )


def do_binding(name: str, class_name: str, script_name: str | None = None) -> dict[str, Any]:
    body = {"type": "durable_object_namespace", "name": name, "class_name": class_name}
    return {**body, "script_name": script_name} if script_name else body


@pytest.fixture
def upload(deploy: Deploy) -> Any:
    """Upload `script` exporting `classes`, with `bindings` and `migrations` (None: no migrations)."""

    def _upload(
        script: str,
        classes: tuple[str, ...],
        bindings: list[dict[str, Any]],
        migrations: dict[str, Any] | None = None,
    ) -> Any:
        metadata = {"migrations": migrations} if migrations is not None else {}
        return deploy(script, source=do_source(*classes), bindings=bindings, metadata=metadata)

    return _upload


def stored(server: CloudflareLocalServer, account_id: str, script: str) -> dict[str, Any]:
    found = stored_script(server, account_id, script)
    assert found is not None
    return found


def listed_tag(cf_api: ContractClient, script: str) -> str | None:
    """The script's migration tag as the script list reports it (where wrangler reads it)."""
    (item,) = [s for s in cf_api.get("/workers/scripts").json()["result"] if s["id"] == script]
    return item.get("migration_tag")


def test_create_rename_delete_recreate_keeps_data_only_across_the_rename(
    upload: Any, cf_api: ContractClient, cloudflare_local: CloudflareLocalServer, account_id: str
) -> None:
    created = upload(
        "do-host",
        ("Counter",),
        [do_binding("C", "Counter")],
        {"new_tag": "v1", "new_sqlite_classes": ["Counter"]},
    )
    assert created.status_code == 200, created.text
    assert created.json()["result"]["migration_tag"] == "v1"
    assert listed_tag(cf_api, "do-host") == "v1"
    first = stored(cloudflare_local, account_id, "do-host")["durable_objects"]
    assert set(first) == {"Counter"} and first["Counter"]["sqlite"] is True

    renamed = upload(
        "do-host",
        ("CounterV2",),
        [do_binding("C", "CounterV2")],
        {"old_tag": "v1", "new_tag": "v2", "renamed_classes": [{"from": "Counter", "to": "CounterV2"}]},
    )
    assert renamed.status_code == 200, renamed.text
    second = stored(cloudflare_local, account_id, "do-host")["durable_objects"]
    # The renamed class keeps its storage: a runtime finds the old class's data under the new name.
    assert second == {"CounterV2": first["Counter"]}

    deleted = upload("do-host", (), [], {"old_tag": "v2", "new_tag": "v3", "deleted_classes": ["CounterV2"]})
    assert deleted.status_code == 200, deleted.text
    assert stored(cloudflare_local, account_id, "do-host")["durable_objects"] == {}

    recreated = upload(
        "do-host",
        ("Counter",),
        [do_binding("C", "Counter")],
        {"old_tag": "v3", "new_tag": "v4", "new_classes": ["Counter"]},
    )
    assert recreated.status_code == 200, recreated.text
    final = stored(cloudflare_local, account_id, "do-host")
    assert final["migration_tag"] == "v4" == listed_tag(cf_api, "do-host")
    # A class created anew gets new storage (the old data went with the delete), here key-value backed.
    assert final["durable_objects"]["Counter"]["storage_id"] != first["Counter"]["storage_id"]
    assert final["durable_objects"]["Counter"]["sqlite"] is False
    # Every upload's migrations are stored as sent, in order.
    assert [u.get("migrations", {}).get("new_tag") for u in final["uploads"]] == ["v1", "v2", "v3", "v4"]


@pytest.mark.parametrize("change", ["upload", "content", "settings"])
def test_a_change_without_migrations_keeps_classes_and_tag(
    upload: Any, cf_api: ContractClient, cloudflare_local: CloudflareLocalServer, account_id: str, change: str
) -> None:
    """Right after a migrating upload: an upload without migrations, new code through PUT content, or new
    bindings through PATCH settings (both of which start from that version's metadata) never re-apply it."""
    migration = {"new_tag": "v1", "new_sqlite_classes": ["Counter"]}
    upload("keep", ("Counter",), [do_binding("C", "Counter")], migration)
    if change == "upload":
        response = upload("keep", ("Counter",), [do_binding("C", "Counter")])
    elif change == "content":
        response = cf_api.put(
            "/workers/scripts/keep/content",
            files=[
                ("metadata", (None, b'{"main_module": "worker.mjs"}', "application/json")),
                (
                    "worker.mjs",
                    ("worker.mjs", do_source("Counter").encode(), "application/javascript+module"),
                ),
            ],
        )
    else:
        settings = {"bindings": [do_binding("C", "Counter"), do_binding("D", "Counter")]}
        response = cf_api.patch(
            "/workers/scripts/keep/settings",
            files={"settings": (None, json.dumps(settings).encode(), "application/json")},
        )
    assert response.status_code == 200, response.text
    record = stored(cloudflare_local, account_id, "keep")
    assert set(record["durable_objects"]) == {"Counter"} and record["migration_tag"] == "v1"
    assert [u.get("migrations") for u in record["uploads"]] == [migration, None]
    assert listed_tag(cf_api, "keep") == "v1"


def test_a_binding_to_a_class_no_migration_created_is_10061(
    upload: Any, cloudflare_local: CloudflareLocalServer, account_id: str
) -> None:
    refused = upload("no-class", ("Counter",), [do_binding("C", "Counter")])
    assert (refused.status_code, errors_of(refused)) == (400, [10061]), refused.text
    assert "not currently configured to implement Durable Objects" in refused.text
    assert stored_script(cloudflare_local, account_id, "no-class") is None


def test_cross_script_bindings_need_the_class_in_the_target_script(upload: Any, deploy: Deploy) -> None:
    missing_target = deploy(
        "client", source="export default {};", bindings=[do_binding("C", "Counter", "host")]
    )
    assert (missing_target.status_code, errors_of(missing_target)) == (400, [10061]), missing_target.text
    upload(
        "host",
        ("Counter",),
        [do_binding("C", "Counter")],
        {"new_tag": "v1", "new_sqlite_classes": ["Counter"]},
    )
    wrong_class = deploy("client", source="export default {};", bindings=[do_binding("C", "Other", "host")])
    assert (wrong_class.status_code, errors_of(wrong_class)) == (400, [10061]), wrong_class.text
    # A cross-script binding carries no migration and needs none.
    bound = deploy("client", source="export default {};", bindings=[do_binding("C", "Counter", "host")])
    assert bound.status_code == 200, bound.text


@pytest.mark.parametrize(
    ("migrations", "classes", "bindings", "words"),
    [
        # A class named twice in one step (a stable id renamed: delete and create in one upload).
        (
            {"old_tag": "v1", "new_tag": "v2", "deleted_classes": ["Counter"], "new_classes": ["Counter"]},
            ("Counter",),
            [],
            "cannot be the target of more than one migration",
        ),
        (
            {"old_tag": "v1", "new_tag": "v2", "new_sqlite_classes": ["Counter"]},
            ("Counter",),
            [],
            "already has",
        ),
        (
            {"old_tag": "v1", "new_tag": "v2", "renamed_classes": [{"from": "Nope", "to": "Counter2"}]},
            ("Counter", "Counter2"),
            [],
            "no such Durable Object class",
        ),
        # Deleting a class the upload still binds.
        (
            {"old_tag": "v1", "new_tag": "v2", "deleted_classes": ["Counter"]},
            (),
            [do_binding("C", "Counter")],
            "without also removing the binding",
        ),
        # A class the migration creates must be exported by the script.
        (
            {"old_tag": "v1", "new_tag": "v2", "new_sqlite_classes": ["Ghost"]},
            ("Counter",),
            [],
            "does not export",
        ),
        # Dropping a live class's export needs a deleted_classes migration.
        (None, (), [], "no longer exports it"),
    ],
    ids=[
        "twice-in-one-step",
        "new-exists",
        "rename-missing",
        "delete-still-bound",
        "new-unexported",
        "export-dropped",
    ],
)
def test_wrong_migrations_are_10074_and_change_nothing(
    upload: Any,
    cloudflare_local: CloudflareLocalServer,
    account_id: str,
    migrations: dict[str, Any] | None,
    classes: tuple[str, ...],
    bindings: list[dict[str, Any]],
    words: str,
) -> None:
    upload(
        "mig",
        ("Counter",),
        [do_binding("C", "Counter")],
        {"new_tag": "v1", "new_sqlite_classes": ["Counter"]},
    )
    before = stored(cloudflare_local, account_id, "mig")
    refused = upload("mig", classes, bindings, migrations)
    assert (refused.status_code, errors_of(refused)) == (400, [10074]), refused.text
    assert words in refused.text
    assert stored(cloudflare_local, account_id, "mig") == before


def test_deleting_a_class_another_script_binds_is_10074(upload: Any, deploy: Deploy) -> None:
    upload(
        "owner",
        ("Counter",),
        [do_binding("C", "Counter")],
        {"new_tag": "v1", "new_sqlite_classes": ["Counter"]},
    )
    assert (
        deploy(
            "user", source="export default {};", bindings=[do_binding("C", "Counter", "owner")]
        ).status_code
        == 200
    )
    refused = upload("owner", (), [], {"old_tag": "v1", "new_tag": "v2", "deleted_classes": ["Counter"]})
    assert (refused.status_code, errors_of(refused)) == (400, [10074]), refused.text
    assert "'user'" in refused.text


@pytest.mark.parametrize(
    ("old_tag", "expected"),
    [("v0", "v1"), (None, "v1")],
    ids=["stale-old-tag", "no-old-tag-on-a-tagged-script"],
)
def test_a_stale_old_tag_is_412_naming_the_expected_tag(
    upload: Any,
    cloudflare_local: CloudflareLocalServer,
    account_id: str,
    old_tag: str | None,
    expected: str,
) -> None:
    upload(
        "tagged",
        ("Counter",),
        [do_binding("C", "Counter")],
        {"new_tag": "v1", "new_sqlite_classes": ["Counter"]},
    )
    before = stored(cloudflare_local, account_id, "tagged")
    migration: dict[str, Any] = {"new_tag": "v2", "new_sqlite_classes": ["Extra"]}
    if old_tag:
        migration["old_tag"] = old_tag
    refused = upload("tagged", ("Counter", "Extra"), [do_binding("C", "Counter")], migration)
    assert refused.status_code == 412, refused.text
    assert f"when expected tag is '{expected}'" in refused.json()["errors"][0]["message"]
    assert stored(cloudflare_local, account_id, "tagged") == before


def test_an_old_tag_for_a_script_without_one_is_412(upload: Any) -> None:
    refused = upload(
        "fresh",
        ("Counter",),
        [do_binding("C", "Counter")],
        {"old_tag": "v1", "new_tag": "v2", "new_sqlite_classes": ["Counter"]},
    )
    assert refused.status_code == 412, refused.text
    assert "when expected tag is ''" in refused.text


def test_multi_step_migrations_apply_in_order_and_all_or_nothing(
    upload: Any, cloudflare_local: CloudflareLocalServer, account_id: str
) -> None:
    upload("steps", ("A",), [do_binding("X", "A")], {"new_tag": "v1", "new_sqlite_classes": ["A"]})
    storage = stored(cloudflare_local, account_id, "steps")["durable_objects"]["A"]["storage_id"]
    # Rename A to B, then create a new A: in one step that targets A twice, in two it is fine.
    one_step = {
        "old_tag": "v1",
        "new_tag": "v2",
        "renamed_classes": [{"from": "A", "to": "B"}],
        "new_classes": ["A"],
    }
    refused = upload("steps", ("A", "B"), [do_binding("X", "B"), do_binding("Y", "A")], one_step)
    assert (refused.status_code, errors_of(refused)) == (400, [10074]), refused.text
    two_steps = {
        "old_tag": "v1",
        "new_tag": "v2",
        "steps": [{"renamed_classes": [{"from": "A", "to": "B"}]}, {"new_sqlite_classes": ["A"]}],
    }
    applied = upload("steps", ("A", "B"), [do_binding("X", "B"), do_binding("Y", "A")], two_steps)
    assert applied.status_code == 200, applied.text
    classes = stored(cloudflare_local, account_id, "steps")["durable_objects"]
    assert classes["B"]["storage_id"] == storage and classes["A"]["storage_id"] != storage
    # A later step that fails undoes the earlier ones: nothing of the upload is kept.
    before = stored(cloudflare_local, account_id, "steps")
    bad = {
        "old_tag": "v2",
        "new_tag": "v3",
        "steps": [{"deleted_classes": ["A"]}, {"deleted_classes": ["Nope"]}],
    }
    refused = upload("steps", ("B",), [do_binding("X", "B")], bad)
    assert (refused.status_code, errors_of(refused)) == (400, [10074]), refused.text
    assert stored(cloudflare_local, account_id, "steps") == before
