"""pulumi-local's step rules, end to end: toy programs through the real SDK runtime and `python -m
pulumi.dynamic`.

Every assertion reads what the provider was actually asked to do (its call log), its "cloud" file, or the
checkpoint, never what a mock was told to return.
"""

from __future__ import annotations

import json

from engine_support import Toy
from pulumi_local.values import UNKNOWN

SPEC_AB = [
    {"resource": "a", "value": "one", "replace_on": ["name"]},
    {"resource": "b", "ref": "a.serial"},
]


def test_dependency_order_and_outputs_flow(toy_basic: Toy) -> None:
    result = toy_basic.stack().up(skip_preview=True)
    assert result.ok, result.stdout
    assert toy_basic.mutations() == [("create", "a"), ("create", "b")]
    cloud = toy_basic.cloud()
    assert cloud["b"]["value"] == f"from-a-{cloud['a']['serial']}"
    assert toy_basic.stack().outputs() == {"a_serial": cloud["a"]["serial"], "b_value": cloud["b"]["value"]}


def test_configure_comes_first_with_namespaced_config_and_plain_secrets(toy_basic: Toy) -> None:
    stack = toy_basic.stack()
    stack.config_set("greeting", "hello", secret=True)
    stack.config_set("a_value", "two")
    assert stack.preview().ok
    calls = toy_basic.calls()
    assert calls[0]["method"] == "configure"
    assert calls[0]["config"] == {"basic:greeting": "hello", "basic:a_value": "two"}
    assert calls[0]["via_get"] == "hello"  # Config.get("greeting") prefixes the project
    assert "hello" not in (toy_basic.dir / "Pulumi.dev.yaml").read_text()


def test_preview_never_mutates_and_dependents_see_unknowns(toy_basic: Toy) -> None:
    result = toy_basic.stack().preview()
    assert result.ok, result.stdout
    assert set(toy_basic.methods()) == {"configure", "check"}
    check_b = next(c for c in toy_basic.calls() if c["method"] == "check" and c["news"]["name"] == "b")
    assert check_b["news"]["value"] == {"<unknown>": True}
    assert check_b["olds"] == {}
    assert result.ops() == {"basic-dev": "create", "a": "create", "b": "create"}
    # The engine hands back the checked inputs as outputs: `serial` (not an input) and b's value are unknown.
    assert result.step("b").inputs["value"] == UNKNOWN
    assert not toy_basic.cloud()
    assert not toy_basic.stack().state_file.exists()


def test_update_diffs_old_outputs_and_engine_fills_changed_keys(toy_basic: Toy) -> None:
    stack = toy_basic.stack()
    assert stack.up(skip_preview=True).ok
    serial = toy_basic.cloud()["a"]["serial"]
    toy_basic.clear_calls()
    stack.config_set("a_value", "two")
    preview = stack.preview(diff=True)
    diff_a = next(c for c in toy_basic.calls() if c["method"] == "diff" and c["id"] == "a")
    assert diff_a["olds"]["serial"] == serial  # Diff gets the old OUTPUTS
    assert preview.step("a").op == "update"
    assert preview.step("a").diff_reasons == ["value"]  # provider said DIFF_UNKNOWN; engine named the key
    assert '~ value: "one" => "two"' in preview.stdout
    # b's input comes from a's `serial`, not an input of a, so it is unknown while a is being updated.
    assert preview.step("b").op == "update"
    result = stack.up(skip_preview=True)
    assert result.ops() == {"basic-dev": "same", "a": "update", "b": "same"}
    assert toy_basic.cloud()["a"] == {"name": "a", "value": "two", "replace_on": ["name"], "serial": serial}


def test_create_before_delete_replacement_deletes_old_after_dependents(toy_spec: Toy) -> None:
    toy_spec.set_spec(SPEC_AB)
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    toy_spec.clear_calls()
    toy_spec.set_spec([{**SPEC_AB[0], "name": "a2"}, SPEC_AB[1]])
    preview = stack.preview()
    assert preview.step("a").op == "replace"
    assert preview.step("a").replace_reasons == ["name"]
    assert preview.summary == {"replace": 1, "update": 1, "same": 1}
    toy_spec.clear_calls()
    result = stack.up(skip_preview=True)
    assert result.ok, result.stdout
    assert toy_spec.mutations() == [("create", "a2"), ("update", "b"), ("delete", "a")]
    checks_a = [c for c in toy_spec.calls() if c["method"] == "check" and c["news"]["name"] == "a2"]
    assert [c["olds"] for c in checks_a][1] == {}  # the replacement re-check starts from no old inputs
    assert set(toy_spec.cloud()) == {"a2", "b"}


def test_delete_before_replace_option_deletes_first(toy_spec: Toy) -> None:
    toy_spec.set_spec(SPEC_AB)
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    toy_spec.clear_calls()
    toy_spec.set_spec([{**SPEC_AB[0], "name": "a2", "delete_before_replace": True}, SPEC_AB[1]])
    result = stack.up(skip_preview=True)
    assert result.ok, result.stdout
    assert toy_spec.mutations() == [("delete", "a"), ("create", "a2"), ("update", "b")]


def test_provider_delete_before_replace_is_overridden_by_the_option(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "a", "value": "v", "replace_on": ["name"], "dbr": True}])
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    toy_spec.set_spec([{"resource": "a", "name": "a2", "replace_on": ["name"], "dbr": True}])
    toy_spec.clear_calls()
    assert stack.up(skip_preview=True).ok
    assert toy_spec.mutations() == [("delete", "a"), ("create", "a2")]
    toy_spec.set_spec(
        [{"resource": "a", "name": "a3", "replace_on": ["name"], "dbr": True, "delete_before_replace": False}]
    )
    toy_spec.clear_calls()
    assert stack.up(skip_preview=True).ok
    assert toy_spec.mutations() == [("create", "a3"), ("delete", "a2")]


def test_removed_resources_are_deleted_in_reverse_dependency_order(toy_spec: Toy) -> None:
    toy_spec.set_spec(
        [
            {"resource": "a"},
            {"resource": "b", "ref": "a.serial"},
            {"resource": "c", "depends_on": ["b"]},
            {"resource": "keep"},
        ]
    )
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    toy_spec.clear_calls()
    toy_spec.set_spec([{"resource": "keep"}])
    preview = stack.preview()
    assert preview.summary == {"delete": 3, "same": 2}
    assert "delete" not in toy_spec.methods()
    result = stack.up(skip_preview=True)
    assert result.ok, result.stdout
    assert toy_spec.mutations() == [("delete", "c"), ("delete", "b"), ("delete", "a")]
    assert set(toy_spec.cloud()) == {"keep"}


def test_protect_blocks_delete_and_replace(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "a", "protect": True, "replace_on": ["name"]}])
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    toy_spec.set_spec([{"resource": "a", "name": "a2", "protect": True, "replace_on": ["name"]}])
    replace = stack.up(skip_preview=True)
    assert replace.exit_code != 0
    assert "currently marked for protection" in replace.error
    toy_spec.set_spec([])
    removed = stack.up(skip_preview=True)
    assert removed.exit_code != 0
    assert "because it is protected" in removed.error
    assert stack.destroy(skip_preview=True).exit_code != 0
    assert set(toy_spec.cloud()) == {"a"}
    assert "delete" not in toy_spec.methods()


def test_retain_on_delete_drops_from_state_without_delete(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "a", "retain": True}, {"resource": "b"}])
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    result = stack.destroy(skip_preview=True)
    assert result.ok, result.stdout
    assert toy_spec.mutations()[-1:] == [("delete", "b")]
    assert set(toy_spec.cloud()) == {"a"}
    assert "resources" not in stack.export()["deployment"]


def test_alias_rename_is_a_no_op(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "old", "name": "phys"}])
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    toy_spec.clear_calls()
    toy_spec.set_spec([{"resource": "new", "name": "phys", "aliases": ["old"]}])
    preview = stack.preview()
    assert preview.ops() == {"spec-dev": "same", "new": "same"}
    result = stack.up(skip_preview=True)
    assert result.ok and toy_spec.mutations() == []
    urns = [r["urn"] for r in stack.export()["deployment"]["resources"]]
    assert any(u.endswith("::new") for u in urns) and not any(u.endswith("::old") for u in urns)
    # Without the alias the same rename is a delete and a create.
    toy_spec.set_spec([{"resource": "newer", "name": "phys2"}])
    assert stack.preview().summary == {"create": 1, "delete": 1, "same": 1}


def test_failed_step_stops_and_keeps_completed_steps(toy_spec: Toy) -> None:
    toy_spec.set_spec(
        [{"resource": "a"}, {"resource": "b", "depends_on": ["a"]}, {"resource": "c", "ref": "b.serial"}]
    )
    stack = toy_spec.stack(TOY_FAIL="create:b")
    result = stack.up(skip_preview=True)
    assert result.exit_code != 0
    assert "toy provider told to fail create of b" in result.error
    assert "Traceback" in result.error  # the dynamic server returns the traceback (gRPC UNKNOWN)
    assert toy_spec.mutations() == [("create", "a"), ("create", "b")]  # b's create was attempted; c never
    urns = [r["urn"].rsplit("::", 1)[-1] for r in stack.export()["deployment"]["resources"]]
    assert "a" in urns and "b" not in urns and "c" not in urns
    # The next run picks up where it stopped.
    toy_spec.clear_calls()
    assert toy_spec.stack().up(skip_preview=True).ok
    assert toy_spec.mutations() == [("create", "b"), ("create", "c")]


def test_secrets_never_reach_the_state_file_in_plaintext(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "a", "value": "hunter2-secret", "secret": True}])
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    assert toy_spec.cloud()["a"]["value"] == "hunter2-secret"  # the provider saw it unwrapped
    assert "hunter2-secret" not in stack.state_file.read_text()
    exported = stack.export()
    resource = next(r for r in exported["deployment"]["resources"] if r["urn"].endswith("::a"))
    for props in (resource["inputs"], resource["outputs"]):  # outputs re-marked secret by input key
        assert props["value"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
        assert props["value"]["ciphertext"].startswith("v1:")
    shown = stack.export(show_secrets=True)
    assert "hunter2-secret" in json.dumps(shown)
    # Refresh and a no-change preview still see the same (decrypted) value.
    assert stack.refresh(skip_preview=True, expect_no_changes=True).ok
    assert stack.preview(expect_no_changes=True).ok


def test_expect_no_changes_exit_codes(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "a", "value": "1"}])
    stack = toy_spec.stack()
    assert stack.preview(expect_no_changes=True).exit_code != 0
    assert stack.up(skip_preview=True).ok
    assert stack.preview(expect_no_changes=True).exit_code == 0
    toy_spec.set_spec([{"resource": "a", "value": "2"}])
    changed = stack.preview(expect_no_changes=True)
    assert changed.exit_code != 0
    assert "no changes were expected" in changed.stdout


def test_refresh_reads_drift_and_gone_resources(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "a", "value": "v"}, {"resource": "b"}])
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    assert stack.refresh(skip_preview=True, expect_no_changes=True).ok
    cloud = toy_spec.cloud()
    cloud["a"]["value"] = "drifted"
    del cloud["b"]
    toy_spec.cloud_path.write_text(json.dumps(cloud))
    refreshed = stack.refresh(skip_preview=True)
    assert refreshed.ok
    assert refreshed.step("a").op == "update" and refreshed.step("a").diff_reasons == ["value"]
    assert refreshed.step("b").op == "delete"
    restore = stack.preview()
    assert restore.ops() == {"spec-dev": "same", "a": "update", "b": "create"}
    assert stack.up(skip_preview=True).ok
    assert toy_spec.cloud()["a"]["value"] == "v" and "b" in toy_spec.cloud()


def test_ignore_changes_keeps_old_value(toy_spec: Toy) -> None:
    toy_spec.set_spec([{"resource": "a", "value": "1", "ignore_changes": ["value"]}])
    stack = toy_spec.stack()
    assert stack.up(skip_preview=True).ok
    toy_spec.set_spec([{"resource": "a", "value": "2", "ignore_changes": ["value"]}])
    assert stack.preview(expect_no_changes=True).ok
