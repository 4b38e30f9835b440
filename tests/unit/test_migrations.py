"""Durable Object migration planning (pure): steps from the state's classes to the program's, the tag scheme,
the safety refusals `check` makes, adoption, and the Worker's new keys in normalisation and diffs."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import UNKNOWN
from pulumi_cloudflare_workflows_provider import migrations, plan

ACCOUNT = "0" * 32
SOURCE = (
    'import { DurableObject } from "cloudflare:workers";\n'
    "export class Counter extends DurableObject {}\nexport class Room extends DurableObject {}\n"
)


def dos(**classes: str | tuple[str, bool]) -> dict[str, dict[str, Any]]:
    """`durable_objects` by stable id: `counter="Counter"` (SQLite) or `counter=("Counter", False)`."""
    out = {}
    for sid, value in classes.items():
        name, sqlite = value if isinstance(value, tuple) else (value, True)
        out[sid] = {"class_name": name, "sqlite": sqlite}
    return out


def wire(previous: Any, declared: Any, tag: str | None = None) -> dict[str, Any] | None:
    steps = migrations.plan(previous, declared).steps
    return migrations.to_wire(steps, tag) if steps else None


def test_first_appearance_creates_the_class_sqlite_or_not() -> None:
    assert wire(None, dos(counter="Counter")) == {"new_tag": "v1", "new_sqlite_classes": ["Counter"]}
    assert wire({}, dos(counter=("Counter", False))) == {"new_tag": "v1", "new_classes": ["Counter"]}


def test_a_changed_class_behind_a_stable_id_is_a_rename() -> None:
    assert wire(dos(counter="Counter"), dos(counter="CounterV2"), "v1") == {
        "old_tag": "v1",
        "new_tag": "v2",
        "renamed_classes": [{"from": "Counter", "to": "CounterV2"}],
    }


def test_a_stable_id_that_leaves_deletes_its_class() -> None:
    assert wire(dos(counter="Counter"), None, "v2") == {
        "old_tag": "v2",
        "new_tag": "v3",
        "deleted_classes": ["Counter"],
    }


def test_nothing_to_migrate_sends_no_migrations() -> None:
    assert wire(dos(counter="Counter"), dos(counter="Counter"), "v1") is None
    assert wire(None, None) is None
    # The state's record and the program may differ in spelling only (sqlite left out means True).
    assert wire({"counter": {"class_name": "Counter"}}, dos(counter="Counter")) is None


def test_disjoint_changes_share_one_step() -> None:
    assert wire(dos(a="A", b="B"), dos(b="B2", c=("C", False)), "v1") == {
        "old_tag": "v1",
        "new_tag": "v2",
        "deleted_classes": ["A"],
        "renamed_classes": [{"from": "B", "to": "B2"}],
        "new_classes": ["C"],
    }


def test_a_name_reused_in_the_same_upload_takes_ordered_steps() -> None:
    # Rename A to B and declare a new A: A would be targeted twice in one step (Cloudflare's 10074).
    assert wire(dos(x="A"), dos(x="B", y="A"), "v1") == {
        "old_tag": "v1",
        "new_tag": "v2",
        "steps": [{"renamed_classes": [{"from": "A", "to": "B"}]}, {"new_sqlite_classes": ["A"]}],
    }
    # A rename chain: B moves to C before A moves to B.
    assert migrations.plan(dos(x="A", y="B"), dos(x="B", y="C")).steps == [
        {"renamed_classes": [{"from": "B", "to": "C"}]},
        {"renamed_classes": [{"from": "A", "to": "B"}]},
    ]


def test_a_swap_has_no_order_and_is_refused() -> None:
    with pytest.raises(ValueError, match="swap names"):
        migrations.plan(dos(x="A", y="B"), dos(x="B", y="A"))
    failures = migrations.transition_failures(dos(x="A", y="B"), dos(x="B", y="A"), SOURCE, "worker.mjs")
    assert [p for p, _ in failures] == ["durable_objects"]
    assert "two updates" in failures[0][1]


@pytest.mark.parametrize(
    ("tag", "after"),
    [
        (None, "v1"),
        ("", "v1"),
        ("v1", "v2"),
        ("v9", "v10"),
        ("v009", "v010"),
        ("alchemy:v4", "alchemy:v5"),
        ("initial", "initial-1"),
        ("7", "8"),
    ],
)
def test_tags_continue_the_scripts_own_scheme(tag: str | None, after: str) -> None:
    assert migrations.next_tag(tag) == after


def test_a_renamed_stable_id_with_the_same_class_is_refused_naming_the_id_to_keep() -> None:
    failures = migrations.transition_failures(
        dos(counter="Counter"), dos(counter2="Counter"), SOURCE, "w.mjs"
    )
    assert len(failures) == 1
    prop, reason = failures[0]
    assert prop == "durable_objects.counter2"
    assert reason.startswith(
        "Durable Object 'counter' left the program and 'counter2' now declares its class"
    )
    assert "Keep the resource_name 'counter'" in reason and "10074" in reason


def test_a_durable_object_that_leaves_while_its_class_is_exported_is_refused() -> None:
    failures = migrations.transition_failures(dos(counter="Counter"), None, SOURCE, "worker.mjs")
    assert len(failures) == 1
    assert "to delete the class and all its stored data, also remove `export class Counter`" in failures[0][1]
    # Both signals given (the declaration and the export gone): the delete goes ahead.
    without = (
        'import { DurableObject } from "cloudflare:workers";\nexport class Room extends DurableObject {}\n'
    )
    assert migrations.transition_failures(dos(counter="Counter"), None, without, "worker.mjs") == []
    # A preview that does not know the script yet cannot tell: it refuses nothing (the `up` will).
    assert migrations.transition_failures(dos(counter="Counter"), None, UNKNOWN, "worker.mjs") == []


def test_sqlite_is_fixed_once_the_class_exists() -> None:
    failures = migrations.transition_failures(dos(c="Counter"), dos(c=("Counter", False)), SOURCE, "w.mjs")
    assert [p for p, _ in failures] == ["durable_objects.c.sqlite"]


def test_ordinary_changes_are_not_refused() -> None:
    for previous, declared in [
        (None, dos(c="Counter")),
        (dos(c="Counter"), dos(c="Room")),
        (dos(c="Counter"), dos(c="Counter", r="Room")),
        ({}, None),
    ]:
        assert migrations.transition_failures(previous, declared, SOURCE, "w.mjs") == [], (previous, declared)


def test_an_adopted_script_keeps_the_classes_it_already_binds() -> None:
    live = {
        "C": {"type": "durable_object_namespace", "class_name": "Counter"},
        "R": {"type": "durable_object_namespace", "class_name": "Remote", "script_name": "elsewhere"},
    }
    declared = dos(counter="Counter", room="Room", remote="Remote")
    previous = migrations.adopted_classes(declared, live, "host")
    assert previous == dos(counter="Counter")
    assert wire(previous, declared, "v1") == {
        "old_tag": "v1",
        "new_tag": "v2",
        "new_sqlite_classes": ["Remote", "Room"],
    }


def test_declarations_are_validated_with_the_bindings() -> None:
    bindings = {
        "C": {"type": "durable_object_namespace", "class_name": "Counter"},
        "O": {"type": "durable_object_namespace", "class_name": "Other", "script_name": "elsewhere"},
        "U": {"type": "durable_object_namespace", "class_name": "Undeclared", "script_name": "host"},
    }
    failures = migrations.validate_durable_objects(dos(a="Counter", b="Counter"), bindings, "host")
    assert ("durable_objects.b.class_name" in [p for p, _ in failures]) and "both declare class" in str(
        failures
    )
    failures = migrations.validate_durable_objects(dos(a="Counter"), bindings, "host")
    # A cross-script binding needs no declaration; one to a class of this script does.
    assert [p for p, _ in failures] == ["bindings.U.class_name"]
    assert "DurableObject(" in failures[0][1]
    bad = migrations.validate_durable_objects({"a": {"class_name": "class", "sqlite": "yes"}}, {}, "host")
    assert sorted(p for p, _ in bad) == ["durable_objects.a.class_name", "durable_objects.a.sqlite"]


# --- the Worker's new keys ---------------------------------------------------------------------------------


def worker(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"account_id": ACCOUNT, "name": "host", "script": SOURCE, "bindings": {}}
    return plan.normalise_worker({**base, **over})


def test_a_state_from_before_durable_objects_does_not_diff() -> None:
    old_state = {k: v for k, v in worker().items() if k != "durable_objects"}
    old_state.pop("migration_tag", None)
    assert not plan.diff_worker(old_state, worker()).has_changes
    assert not plan.diff_worker(old_state, worker(durable_objects={})).has_changes
    assert worker(durable_objects={})["durable_objects"] is None


def test_a_durable_object_rename_is_an_update_naming_its_keys() -> None:
    before = worker(
        bindings={"C": {"type": "durable_object_namespace", "class_name": "Counter"}},
        durable_objects=dos(counter="Counter"),
    )
    after = worker(
        bindings={"C": {"type": "durable_object_namespace", "class_name": "Room"}},
        durable_objects=dos(counter="Room"),
    )
    diff = plan.diff_worker(plan.WORKER.outputs(before, {"migration_tag": "v1"}), after)
    assert diff.changed == ["bindings", "durable_objects"] and diff.replaces == []


def test_a_durable_object_bound_by_its_own_script_name_is_hosted() -> None:
    body = {"type": "durable_object_namespace", "class_name": "Counter", "script_name": "host"}
    assert worker(bindings={"C": body})["bindings"]["C"] == {
        "type": "durable_object_namespace",
        "class_name": "Counter",
    }


def binds(*classes: str) -> dict[str, Any]:
    return {c.upper(): {"type": "durable_object_namespace", "class_name": c} for c in classes}


def test_an_interrupted_upload_is_not_migrated_again() -> None:
    # A rename whose upload went through: the script binds the new class, the state still says the old.
    renamed = migrations.reconciled(dos(counter="Counter"), dos(counter="CounterV2"), binds("CounterV2"), "h")
    assert migrations.plan(renamed, dos(counter="CounterV2")).steps == []
    # A delete whose upload went through: the class is bound no more, so it is not deleted twice.
    state = dos(counter="Counter", room="Room")
    deleted = migrations.reconciled(state, dos(counter="Counter"), binds("Counter"), "h")
    assert migrations.plan(deleted, dos(counter="Counter")).steps == []


def test_a_rename_the_script_has_not_seen_stays_a_rename() -> None:
    # Migrations applied elsewhere (a class added outside Pulumi) never turn the program's rename into a
    # new, empty class.
    previous = migrations.reconciled(dos(counter="Counter"), dos(counter="CounterV2"), binds("Counter"), "h")
    assert migrations.plan(previous, dos(counter="CounterV2")).steps == [
        {"renamed_classes": [{"from": "Counter", "to": "CounterV2"}]}
    ]
