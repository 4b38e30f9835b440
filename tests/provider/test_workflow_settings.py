"""WorkflowProvider's `schedules` and `default_retention` against a real cloudflare-local: check refuses bad
values before any API call, equal spellings never diff, a change is an in-place update on the wire, refresh
reads what the program manages (drift), and what the program does not set is left alone."""

from __future__ import annotations

from typing import Any

from tests.provider.support import Providers

WEEK_MS = 7 * 86_400_000
SETTINGS: dict[str, Any] = {
    "schedules": ["0 9 * * mon-fri", "*/30 * * * *"],
    "default_retention": {"success_retention": "7 days", "error_retention": "30 days"},
}


def deploy(p: Providers, **settings: Any) -> dict[str, Any]:
    p.worker.create(p.worker_inputs("host", bindings=p.hosted("orders")))
    return dict(p.workflow.create(p.workflow_inputs("orders", "host", **settings)).outs)


def live_crons(p: Providers) -> list[str]:
    return [s["cron"] for s in p.workflow.client().get_workflow(p.account_id, "orders").get("schedules", [])]


def live_retention(p: Providers) -> Any:
    client = p.workflow.client()
    newest = client.latest_workflow_version(p.account_id, "orders") or {}
    return client.get_workflow_version(p.account_id, "orders", newest["id"]).get("default_retention")


def put_outside(p: Providers, **extra: Any) -> None:
    """A change made outside Pulumi (the dashboard, wrangler): a PUT of the workflow."""
    body = {"class_name": "OrderWorkflow", "script_name": "host", **extra}
    p.workflow.client().put_workflow(p.account_id, "orders", body)


def test_check_refuses_bad_values_before_any_api_call(providers: Providers) -> None:
    seen = len(providers.account_requests())
    news = {
        "account_id": providers.account_id,
        "workflow_name": "orders",
        "class_name": "OrderWorkflow",
        "script_name": "host",
        "schedules": ["0 9 * * *", "0 9 * * 0"],
        "default_retention": {"success_retention": "a week"},
    }
    failures = {f.property: f.reason for f in providers.workflow.check({}, news).failures}
    assert sorted(failures) == ["default_retention.success_retention", "schedules[1]"]
    assert failures["schedules[1]"].startswith("fix cron '0 9 * * 0': day of week 0 is out of range 1-7")
    assert failures["default_retention.success_retention"].startswith("fix success_retention: 'a week'")
    assert len(providers.account_requests()) == seen


def test_create_sends_one_spelling_and_a_rerun_in_others_is_no_change(providers: Providers) -> None:
    state = deploy(providers, **SETTINGS)
    assert state["schedules"] == ["0 9 * * MON-FRI", "*/30 * * * *"]  # canonical, in the program's order
    assert state["default_retention"] == {"error_retention": 30 * 86_400_000, "success_retention": WEEK_MS}
    assert live_crons(providers) == state["schedules"]
    assert live_retention(providers) == state["default_retention"]

    rerun = providers.workflow_inputs(
        "orders",
        "host",
        schedules=["*/30 * * * *", " 0 9 * * MON-FRI", "0 9 * * Mon-Fri"],
        default_retention={"success_retention": "1 week", "error_retention": 30 * 86_400_000},
    )
    assert providers.workflow.diff("orders", state, rerun).changes is False
    read = providers.workflow.read("orders", state)
    assert providers.workflow.diff("orders", read.outs, rerun).changes is False


def test_a_schedule_change_is_an_update_on_the_wire(providers: Providers) -> None:
    state = deploy(providers, **SETTINGS)
    news = providers.workflow_inputs("orders", "host", **{**SETTINGS, "schedules": ["0 10 * * MON-FRI"]})
    diff = providers.workflow.diff("orders", state, news)
    assert diff.changes is None and diff.replaces == []
    seen = len(providers.account_requests())
    updated = providers.workflow.update("orders", state, news).outs
    writes = [r["method"] for r in providers.account_requests()[seen:]]
    assert writes == ["PUT"]
    assert updated["workflow_id"] == state["workflow_id"]
    assert live_crons(providers) == ["0 10 * * MON-FRI"]
    assert live_retention(providers) == state["default_retention"]


def test_refresh_reads_back_drift(providers: Providers) -> None:
    state = deploy(providers, **SETTINGS)
    program = providers.workflow_inputs("orders", "host", **SETTINGS)
    put_outside(
        providers, schedules=[{"cron": "0 0 * * *"}], default_retention={"success_retention": "1 day"}
    )
    drifted = providers.workflow.read("orders", state)
    assert drifted.inputs is not None
    assert drifted.inputs["schedules"] == ["0 0 * * *"]
    assert drifted.inputs["default_retention"] == {"success_retention": 86_400_000}
    assert providers.workflow.diff("orders", drifted.outs, program).changes is None
    providers.workflow.update("orders", drifted.outs, program)
    assert live_crons(providers) == state["schedules"]
    assert live_retention(providers) == state["default_retention"]


def test_what_the_program_does_not_set_is_left_alone(providers: Providers) -> None:
    state = deploy(providers)
    assert state["schedules"] is None and state["default_retention"] is None
    put_outside(providers, schedules=[{"cron": "0 0 * * *"}], default_retention={"error_retention": 1000})
    # A refresh does not take them in: no drift, and no diff against the program.
    read = providers.workflow.read("orders", state)
    assert read.inputs is not None
    assert read.inputs["schedules"] is None and read.inputs["default_retention"] is None
    program = providers.workflow_inputs("orders", "host")
    assert providers.workflow.diff("orders", read.outs, program).changes is False
    # An update for another reason does not clear them.
    providers.workflow.update(
        "orders", read.outs, providers.workflow_inputs("orders", "host", limits={"steps": 9})
    )
    assert live_crons(providers) == ["0 0 * * *"]
    assert live_retention(providers) == {"error_retention": 1000}


def test_a_setting_dropped_from_the_program_is_cleared(providers: Providers) -> None:
    state = deploy(providers, **SETTINGS)
    program = providers.workflow_inputs("orders", "host")
    assert providers.workflow.diff("orders", state, program).changes is None
    cleared = providers.workflow.update("orders", state, program).outs
    assert live_crons(providers) == [] and live_retention(providers) is None
    assert cleared["schedules"] is None and cleared["default_retention"] is None


def test_a_state_from_before_these_settings_diffs_as_no_change(providers: Providers) -> None:
    state = deploy(providers)
    old = {k: v for k, v in state.items() if k not in ("schedules", "default_retention")}
    assert (
        providers.workflow.diff("orders", old, providers.workflow_inputs("orders", "host")).changes is False
    )
    read = providers.workflow.read("orders", old)
    assert read.inputs is not None and read.inputs["schedules"] is None


def test_a_cron_added_in_front_is_checked_in_after_the_ones_the_state_has(providers: Providers) -> None:
    state = deploy(providers, **SETTINGS)
    raw = {
        "account_id": providers.account_id,
        "workflow_name": "orders",
        "class_name": "OrderWorkflow",
        "script_name": "host",
        **SETTINGS,
        "schedules": ["* * * * *", *SETTINGS["schedules"]],
    }
    checked = providers.workflow.check(state, raw).inputs
    # The engine's --diff compares these with the state's: one cron added at the end, nothing else moved.
    assert checked["schedules"] == [*state["schedules"], "* * * * *"]
    updated = providers.workflow.update("orders", state, checked).outs
    assert providers.workflow.read("orders", updated).outs["schedules"] == checked["schedules"]
