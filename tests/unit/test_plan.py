"""Planning: normalisation, exact offline diffs, replace decisions (incl. Unknowns), class renames, wire
shape."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import UNKNOWN
from pulumi_cloudflare_workflows_provider import plan
from sample_scripts import MINIMAL_HOST

ACCOUNT = "0" * 32


def worker(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "account_id": ACCOUNT,
        "name": "host",
        "script": MINIMAL_HOST,
        "bindings": {"WF": {"type": "workflow", "workflow_name": "orders", "class_name": "A"}},
    }
    base.update(over)
    return plan.normalise_worker(base)


def workflow(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "account_id": ACCOUNT,
        "workflow_name": "orders",
        "class_name": "A",
        "script_name": "host",
    }
    base.update(over)
    return plan.normalise_workflow(base)


def outputs(inputs: dict[str, Any], **computed: Any) -> dict[str, Any]:
    """What state holds after create: every input plus computed keys and the provider string."""
    return {**inputs, **computed, "__provider": "gASV..."}


# --- normalisation -----------------------------------------------------------------------------------------


def test_normalise_fills_defaults_and_is_idempotent() -> None:
    props = worker(compatibility_flags=["b_flag", "a_flag", "b_flag"])
    assert props["main_module"] == plan.DEFAULT_MAIN_MODULE
    assert props["compatibility_date"] == plan.DEFAULT_COMPATIBILITY_DATE
    assert props["compatibility_flags"] == ["a_flag", "b_flag"]
    assert props["adopt"] is False
    assert plan.normalise_worker(props) == props
    wf = workflow(limits={})
    assert wf["limits"] is None
    assert plan.normalise_workflow(wf) == wf


def test_normalise_canonicalises_bindings() -> None:
    props = worker(
        bindings={
            "Z": {"type": "plain_text", "text": "z", "name": "Z", "extra": None},
            "WF": {"type": "workflow", "workflow_name": "orders", "class_name": "A", "script_name": "host"},
            "OTHER": {
                "type": "workflow",
                "workflow_name": "x",
                "class_name": "B",
                "script_name": "elsewhere",
            },
        }
    )
    assert list(props["bindings"]) == ["OTHER", "WF", "Z"]
    assert props["bindings"]["Z"] == {"type": "plain_text", "text": "z"}
    assert props["bindings"]["WF"] == {"type": "workflow", "workflow_name": "orders", "class_name": "A"}
    assert props["bindings"]["OTHER"]["script_name"] == "elsewhere"


def test_limits_come_back_as_doubles_from_the_engine() -> None:
    assert workflow(limits={"steps": 100.0})["limits"] == {"steps": 100}


# --- diffs -------------------------------------------------------------------------------------------------


def test_no_change_is_no_change() -> None:
    news = worker()
    assert not plan.diff_worker(outputs(news, etag="e", created_on="t"), news).has_changes
    wf = workflow()
    assert not plan.diff_workflow(outputs(wf, workflow_id="id", version_id="v"), wf).has_changes


def test_unnormalised_program_inputs_against_state_are_no_change() -> None:
    state = outputs(worker(compatibility_flags=["a", "b"]))
    rerun = worker(compatibility_flags=["b", "a", "a"])
    assert not plan.diff_worker(state, rerun).has_changes


def test_adopt_alone_changes_nothing_remote() -> None:
    assert not plan.diff_workflow(outputs(workflow()), workflow(adopt=True)).has_changes
    assert not plan.diff_worker(outputs(worker()), worker(adopt=True)).has_changes


def test_workflow_name_or_account_change_replaces() -> None:
    d = plan.diff_workflow(outputs(workflow()), workflow(workflow_name="orders-2"))
    assert d.changed == ["workflow_name"] and d.replaces == ["workflow_name"]
    d = plan.diff_workflow(outputs(workflow()), workflow(account_id="1" * 32))
    assert d.replaces == ["account_id"]


def test_class_script_and_limits_changes_update_in_place() -> None:
    d = plan.diff_workflow(
        outputs(workflow()), workflow(class_name="B", script_name="host2", limits={"steps": 5})
    )
    assert d.changed == ["class_name", "script_name", "limits"]
    assert d.replaces == []


def test_worker_name_or_account_change_replaces_other_changes_update() -> None:
    assert plan.diff_worker(outputs(worker()), worker(name="host-2")).replaces == ["name"]
    assert plan.diff_worker(outputs(worker()), worker(account_id="1" * 32)).replaces == ["account_id"]
    d = plan.diff_worker(
        outputs(worker()), worker(script=MINIMAL_HOST + "// v2\n", compatibility_flags=["nodejs_compat"])
    )
    assert d.changed == ["script", "compatibility_flags"] and d.replaces == []


def test_unknown_identity_is_a_replace() -> None:
    d = plan.diff_workflow(outputs(workflow()), workflow(workflow_name=UNKNOWN))
    assert d.replaces == ["workflow_name"]
    d = plan.diff_worker(outputs(worker()), worker(name=UNKNOWN))
    assert d.replaces == ["name"]


def test_unknown_non_identity_is_an_update() -> None:
    d = plan.diff_workflow(outputs(workflow()), workflow(script_name=UNKNOWN))
    assert d.changed == ["script_name"] and d.replaces == []
    unknown_binding = {
        "WF": {"type": "workflow", "workflow_name": UNKNOWN, "class_name": "A", "script_name": "x"}
    }
    d = plan.diff_worker(outputs(worker()), worker(bindings=unknown_binding))
    assert d.changed == ["bindings"] and d.replaces == []
    d = plan.diff_worker(outputs(worker()), worker(bindings=UNKNOWN, script=UNKNOWN))
    assert d.changed == ["script", "bindings"]


def test_normalising_with_unknowns_does_not_crash() -> None:
    props = plan.normalise_worker(
        {"name": UNKNOWN, "compatibility_flags": UNKNOWN, "bindings": {"X": UNKNOWN}, "adopt": UNKNOWN}
    )
    assert props["compatibility_flags"] is UNKNOWN
    assert props["bindings"] == {"X": UNKNOWN}
    # A workflow binding next to an unknown script name keeps its script_name (cannot tell if it is "self").
    props = plan.normalise_worker(
        {"name": UNKNOWN, "bindings": {"W": {"type": "workflow", "workflow_name": "w", "script_name": "s"}}}
    )
    assert props["bindings"]["W"]["script_name"] == "s"


# --- hosted workflows, class renames -----------------------------------------------------------------------


def test_hosted_workflows_and_class_renames() -> None:
    old = {
        "A": {"type": "workflow", "workflow_name": "orders", "class_name": "OrderWorkflow"},
        "B": {"type": "workflow", "workflow_name": "other", "class_name": "X", "script_name": "elsewhere"},
        "C": {"type": "plain_text", "text": "hi"},
    }
    new = {**old, "A": {"type": "workflow", "workflow_name": "orders", "class_name": "OrderWorkflowV2"}}
    assert plan.hosted_workflows(old, "host") == {"orders": "OrderWorkflow"}
    assert plan.class_renames(old, new, "host") == [
        plan.ClassRename("orders", "OrderWorkflow", "OrderWorkflowV2")
    ]
    assert plan.class_renames(old, old, "host") == []


# --- wire shape --------------------------------------------------------------------------------------------


def test_bindings_round_trip_through_the_wire_shape() -> None:
    bindings = worker()["bindings"]
    wire = plan.bindings_to_wire(bindings)
    assert wire == [{"name": "WF", "type": "workflow", "workflow_name": "orders", "class_name": "A"}]
    assert plan.bindings_from_wire(wire, "host") == bindings


def test_secret_text_survives_a_read_when_the_binding_still_exists() -> None:
    state = {
        "API_KEY": {"type": "secret_text", "text": "s3cret"},
        "GONE": {"type": "secret_text", "text": "x"},
    }
    remote = [{"name": "API_KEY", "type": "secret_text"}, {"name": "NEW", "type": "secret_text"}]
    assert plan.bindings_from_wire(remote, "host", state) == {
        "API_KEY": {"type": "secret_text", "text": "s3cret"},
        "NEW": {"type": "secret_text"},
    }


def test_json_numbers_turns_integral_doubles_back_into_ints() -> None:
    value = plan.json_numbers({"a": 1.0, "b": [2.0, 2.5], "c": {"d": 3.0}, "e": "4.0", "f": True})
    assert value == {"a": 1, "b": [2, 2.5], "c": {"d": 3}, "e": "4.0", "f": True}
    assert isinstance(value["a"], int) and isinstance(value["c"]["d"], int)
    wire = plan.bindings_to_wire(
        {"RL": {"type": "ratelimit", "namespace_id": "1", "simple": {"limit": 10.0}}}
    )
    assert wire[0]["simple"]["limit"] == 10 and isinstance(wire[0]["simple"]["limit"], int)


@pytest.mark.parametrize(
    ("olds", "news", "blocked"),
    [
        ({"derived_name": True, "name": "p-dev-a"}, {"derived_name": True, "name": "p-dev-b"}, True),
        ({"derived_name": True, "name": "p-dev-a"}, {"derived_name": True, "name": "p-dev-a"}, False),
        # An explicit name on either side is the user's decision: a replace, not a refusal.
        ({"derived_name": True, "name": "p-dev-a"}, {"derived_name": False, "name": "b"}, False),
        ({"derived_name": False, "name": "a"}, {"derived_name": True, "name": "p-dev-a"}, False),
        ({}, {"derived_name": True, "name": "p-dev-a"}, False),  # a create: no old name
        ({"derived_name": True, "name": "p-dev-a"}, {"derived_name": True, "name": UNKNOWN}, False),
    ],
)
def test_a_derived_name_may_not_change_under_an_existing_resource(
    olds: dict[str, Any], news: dict[str, Any], blocked: bool
) -> None:
    reason = plan.derived_name_change(olds, news, "name")
    assert (reason is not None) == blocked
    if reason:
        assert "'p-dev-a'" in reason and "aliases" in reason and "name='p-dev-a'" in reason


def test_outputs_hold_the_scripts_digest_and_diffs_compare_it() -> None:
    news = worker()
    state = plan.WORKER.outputs(news, {"etag": "e"})
    # The whole script stays in the state's inputs (what `--diff` shows); outputs keep its sha256 only.
    assert "script" not in state and state["script_sha256"] == plan.digest(MINIMAL_HOST)
    assert len(state["script_sha256"]) == 64 and state["etag"] == "e"
    assert not plan.diff_worker(state, news).has_changes
    assert plan.diff_worker(state, worker(script=MINIMAL_HOST + "// v2\n")).changed == ["script"]
    assert plan.diff_worker(state, worker(script=UNKNOWN)).changed == ["script"]
    # A state written before outputs held digests (the script itself) diffs the same way.
    assert not plan.diff_worker(outputs(news), news).has_changes
    assert plan.diff_worker(outputs(news), worker(script="export default {};\n")).changed == ["script"]


def test_a_read_keeps_the_derived_name_mark_of_a_binding_that_did_not_change() -> None:
    state = {
        "WF": {"type": "workflow", "workflow_name": "orders", "class_name": "A", plan.DERIVED_MARK: True}
    }
    same = [{"name": "WF", "type": "workflow", "workflow_name": "orders", "class_name": "A"}]
    moved = [{"name": "WF", "type": "workflow", "workflow_name": "orders", "class_name": "B"}]
    assert plan.bindings_from_wire(same, "host", state) == state
    assert plan.DERIVED_MARK not in plan.bindings_from_wire(moved, "host", state)["WF"]
