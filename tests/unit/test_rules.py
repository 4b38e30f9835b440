"""Input rules: names, identifiers, flags, dates, limits, binding shapes, the ES-module export scan."""

from __future__ import annotations

import pytest
from pulumi.output import UNKNOWN
from pulumi_cloudflare_workflows_provider import exports, rules


def props(failures: list[rules.Failure]) -> list[str]:
    return [p for p, _ in failures]


@pytest.mark.parametrize("name", ["a", "my-worker", "_x", "w" * 63, "a_b-c9"])
def test_valid_script_names(name: str) -> None:
    assert rules.validate_script_name(name) == []


@pytest.mark.parametrize("name", ["", "-x", "My-Worker", "a.b", "w" * 64, None, 3])
def test_invalid_script_names(name: object) -> None:
    failures = rules.validate_script_name(name)
    assert props(failures) == ["name"]


@pytest.mark.parametrize("name", ["orders", "Orders_V2", "w" * 64, "0abc"])
def test_valid_workflow_names(name: str) -> None:
    assert rules.validate_workflow_name(name) == []


@pytest.mark.parametrize("name", ["", "-x", "a b", "w" * 65, "a/b"])
def test_invalid_workflow_names(name: str) -> None:
    (failure,) = rules.validate_workflow_name(name)
    assert failure[0] == "workflow_name"


def test_workflow_name_failure_explains_the_limit() -> None:
    (failure,) = rules.validate_workflow_name("w" * 65)
    assert "65" in failure[1] and "64" in failure[1]


@pytest.mark.parametrize("name", ["OrderWorkflow", "_Private", "$x", "A1"])
def test_valid_class_names(name: str) -> None:
    assert rules.validate_class_name(name) == []
    assert rules.is_js_class_name(name)


@pytest.mark.parametrize("name", ["order-workflow", "1Abc", "", "class", "await", "a b"])
def test_invalid_class_names(name: str) -> None:
    assert props(rules.validate_class_name(name)) == ["class_name"]


def test_account_id_is_required_with_a_pointer_to_config() -> None:
    (failure,) = rules.validate_account_id(None)
    assert failure[0] == "account_id" and "cloudflare-workflows:accountId" in failure[1]
    assert rules.validate_account_id("0" * 32) == []
    assert props(rules.validate_account_id("not-an-id!")) == ["account_id"]


def test_dates_flags_modules() -> None:
    assert rules.validate_compatibility_date("2025-04-01") == []
    assert props(rules.validate_compatibility_date("2025-02-30")) == ["compatibility_date"]
    assert props(rules.validate_compatibility_date("today")) == ["compatibility_date"]
    assert rules.validate_compatibility_flags(["nodejs_compat"]) == []
    assert props(rules.validate_compatibility_flags(["Bad Flag"])) == ["compatibility_flags[0]"]
    assert rules.validate_main_module("worker.mjs") == []
    assert props(rules.validate_main_module("workers/worker.mjs")) == ["main_module"]
    assert props(rules.validate_script("  ")) == ["script"]


def test_limits() -> None:
    assert rules.validate_limits(None) == []
    assert rules.validate_limits({"steps": 10}) == []
    assert rules.validate_limits({"steps": 10.0}) == []  # how the engine's protobuf Struct hands it back
    assert props(rules.validate_limits({"steps": 0})) == ["limits.steps"]
    assert props(rules.validate_limits({"cpu": 1})) == ["limits.cpu"]
    assert props(rules.validate_limits("lots")) == ["limits"]


def test_binding_shapes() -> None:
    assert rules.validate_binding("GREETING", {"type": "plain_text", "text": "hi"}) == []
    assert props(rules.validate_binding("GREETING", {"type": "plain_text"})) == ["bindings.GREETING.text"]
    assert props(rules.validate_binding("X", {"text": "hi"})) == ["bindings.X.type"]
    assert props(rules.validate_binding("X", "hi")) == ["bindings.X"]
    assert props(rules.validate_binding("bad-name", {"type": "ai"})) == ["bindings.bad-name"]
    assert props(rules.validate_binding("KV", {"type": "kv_namespace"})) == ["bindings.KV.namespace_id"]
    assert rules.validate_binding("SOMETHING", {"type": "brand_new_type", "x": 1}) == []
    assert props(rules.validate_binding("X", {"type": "ai", "name": "Y"})) == ["bindings.X.name"]


def test_workflow_bindings() -> None:
    hosted = {"type": "workflow", "workflow_name": "orders", "class_name": "OrderWorkflow"}
    assert rules.validate_binding("WF", hosted, script_name="host") == []
    missing_class = {"type": "workflow", "workflow_name": "orders"}
    assert props(rules.validate_binding("WF", missing_class, script_name="host")) == [
        "bindings.WF.class_name"
    ]
    cross = {"type": "workflow", "workflow_name": "orders", "script_name": "other"}
    assert rules.validate_binding("WF", cross, script_name="host") == []
    bad = {"type": "workflow", "workflow_name": "bad name", "class_name": "my-class", "script_name": "Bad"}
    assert sorted(props(rules.validate_binding("WF", bad, script_name="host"))) == [
        "bindings.WF.class_name",
        "bindings.WF.script_name",
        "bindings.WF.workflow_name",
    ]
    assert props(rules.validate_binding("WF", {"type": "workflow"})) == [
        "bindings.WF.workflow_name",
        "bindings.WF.class_name",
    ]


def test_one_hosted_workflow_has_one_class() -> None:
    bindings = {
        "A": {"type": "workflow", "workflow_name": "orders", "class_name": "One"},
        "B": {"type": "workflow", "workflow_name": "orders", "class_name": "Two"},
    }
    assert props(rules.validate_bindings(bindings, script_name="host")) == ["bindings.B.class_name"]


def test_unknowns_fail_nothing() -> None:
    assert rules.validate_script_name(UNKNOWN) == []
    assert rules.validate_workflow_name(UNKNOWN) == []
    assert rules.validate_class_name(UNKNOWN) == []
    assert rules.validate_account_id(UNKNOWN) == []
    assert rules.validate_compatibility_flags([UNKNOWN, "nodejs_compat"]) == []
    assert rules.validate_limits({"steps": UNKNOWN}) == []
    assert rules.validate_bindings(UNKNOWN) == []
    assert rules.validate_bindings({"X": UNKNOWN}) == []
    assert rules.validate_binding("X", {"type": UNKNOWN}) == []
    wf = {"type": "workflow", "workflow_name": UNKNOWN, "class_name": UNKNOWN, "script_name": UNKNOWN}
    assert rules.validate_binding("X", wf, script_name="host") == []
    assert rules.is_unknown({"a": [UNKNOWN]})


SOURCE = """
import { WorkflowEntrypoint } from "cloudflare:workers";
// export class Commented extends WorkflowEntrypoint {}
/* export class BlockCommented {} */
const text = "export class InString {}";
export class OrderWorkflow extends WorkflowEntrypoint { async run(e, s) {} }
export async function helper() {}
export const VERSION = 2, OTHER = 3;
class Local {}
class Another {}
export { Local as Renamed, Another };
export default { async fetch() { return new Response(`export class InTemplate {}`); } };
"""


def test_module_exports_sees_code_not_comments_or_strings() -> None:
    assert exports.module_exports(SOURCE) == {
        "OrderWorkflow",
        "helper",
        "VERSION",
        "OTHER",  # the second declarator: the regex scanner this replaced missed it
        "Renamed",
        "Another",
        "default",
    }


def test_module_exports_gives_up_on_star_reexports() -> None:
    assert exports.module_exports('export * from "./other.mjs";') is None
    assert exports.module_exports('export * as ns from "./other.mjs";') == {"ns"}
    assert exports.missing_classes('export * from "./x.mjs";', ["Anything"]) == []


def test_missing_classes() -> None:
    assert exports.missing_classes(SOURCE, ["OrderWorkflow"]) == []
    assert exports.missing_classes(SOURCE, ["OrderWorkflowV2", "Local", "OrderWorkflow"]) == [
        "Local",
        "OrderWorkflowV2",
    ]
    assert exports.missing_classes(UNKNOWN, ["X"]) == []


def test_the_one_hosting_rule() -> None:
    # No script_name, or the script's own name: hosted here. Another script, or a preview's unknown: not.
    assert rules.is_hosted(None, "host") and rules.is_hosted("host", "host")
    assert not rules.is_hosted("other", "host")
    assert not rules.is_hosted(UNKNOWN, "host")
    bindings = {
        "OWN": {"type": "workflow", "workflow_name": "a", "class_name": "A"},
        "SELF": {"type": "workflow", "workflow_name": "b", "class_name": "B", "script_name": "host"},
        "CROSS": {"type": "workflow", "workflow_name": "c", "script_name": "other"},
        "LATER": {"type": "workflow", "workflow_name": "d", "script_name": UNKNOWN},
        "TEXT": {"type": "plain_text", "text": "hi"},
    }
    assert [name for name, _ in rules.hosted_workflow_bindings(bindings, "host")] == ["OWN", "SELF"]
