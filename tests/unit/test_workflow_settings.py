"""A Workflow's schedules and default retention: Cloudflare's cron and duration grammars, one canonical
spelling (so equal spellings never diff), the PUT body, the read-back, and the rules that name the fix."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import UNKNOWN
from pulumi_cloudflare_workflows import Workflow
from pulumi_cloudflare_workflows_provider import plan, rules
from pulumi_cloudflare_workflows_provider.workflow_settings import (
    MAX_SCHEDULES,
    canonical_retention,
    canonical_schedules,
    comparable_schedules,
    cron_problem,
    duration_ms,
    in_order_of,
    retention_from_wire,
    schedules_from_wire,
    settings_to_wire,
)

ACCOUNT = "0" * 32
WEEK_MS = 7 * 86_400_000


def workflow(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"account_id": ACCOUNT, "workflow_name": "orders", "class_name": "A"}
    return plan.normalise_workflow({**base, "script_name": "host", **over})


def props(failures: list[tuple[str, str]]) -> list[str]:
    return [prop for prop, _ in failures]


# --- cron syntax -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron",
    [
        "* * * * *",
        "*/30 * * * *",
        "0 17 * * sun",
        "0 17 * * 1",
        "10 7 * * mon-fri",
        "10 7 * * 2-6",
        "0 18 * * 6L",
        "0 18 * * friL",
        "59 23 LW * *",
        "0 0 L * *",
        "0 0 L-3 * *",
        "0 0 L-3W * *",
        "0 0 15W * *",
        "0 10 * * MON#2",
        "0 0 * * L",
        "*/10 9-17 * JAN-MAR,dec MON-FRI",
        "0 22-2 * * FRI-MON",  # ranges wrap around, as in Quartz
        "5/15,0-30/5,*/7 * * * *",
        "0\t0  * * *",
    ],
)
def test_cloudflare_cron_syntax_is_accepted(cron: str) -> None:
    assert cron_problem(cron) is None


@pytest.mark.parametrize(
    ("cron", "says"),
    [
        ("", "empty"),
        ("* * * *", "4 fields, not 5"),
        ("* * * * * *", "6 fields, not 5"),
        ("60 * * * *", "minute 60 is out of range 0-59"),
        ("* 24 * * *", "hour 24"),
        ("* * 0 * *", "day of month 0"),
        ("* * * 13 *", "month 13"),
        ("* * * * 0", "1 is Sunday"),  # 0 is Sunday only in Unix cron
        ("* * * * MONDAY", "day of week 'MONDAY'"),
        ("*/0 * * * *", "step '0'"),
        ("* * * */12 *", "from 1 to 11"),
        ("* * L-31 * *", "from 1 to 30"),
        ("* * * * MON#6", "from 1 to 5"),
        ("* * L,15 * *", "'L'"),
        ("*,5 * * * *", "cannot be part of a list"),
        ("1,,2 * * * *", "empty item"),
        ("* * ? * *", "'?'"),
        (" * * * * *", "starts or ends with a space"),
        ("* * * * fril", "'fril'"),  # exact: Cloudflare reads L and W only in upper case
        ("0 " * 129 + "*", "the limit is 256"),
    ],
)
def test_what_cloudflare_refuses_is_named(cron: str, says: str) -> None:
    problem = cron_problem(cron)
    assert problem is not None and says in problem


def test_equal_schedule_lists_have_one_spelling() -> None:
    one = canonical_schedules(["0 9 * * mon-fri", "*/5 * * * *"])
    other = canonical_schedules(["  */5   * * * *", "0 9 * * MON-FRI", "0\t9 * * Mon-Fri"])
    assert one == ["0 9 * * MON-FRI", "*/5 * * * *"] and other == ["*/5 * * * *", "0 9 * * MON-FRI"]
    assert comparable_schedules(one) == comparable_schedules(other) == ["*/5 * * * *", "0 9 * * MON-FRI"]
    assert canonical_schedules(one) == one
    assert canonical_schedules([]) == [] and canonical_schedules(None) is None
    # The one spelling is valid even where the program's was only so after re-casing.
    assert [cron_problem(c) for c in canonical_schedules(["0 18 * * fril"])] == [None]


# --- durations ---------------------------------------------------------------------------------------------


def test_durations_are_milliseconds_whatever_the_spelling() -> None:
    assert duration_ms("7 days") == duration_ms("1 week") == duration_ms(WEEK_MS) == WEEK_MS
    assert duration_ms(float(WEEK_MS)) == WEEK_MS  # numbers cross the engine as doubles
    assert duration_ms("5 minutes") == duration_ms("5 minute") == 300_000
    assert duration_ms("1 month") == 30 * 86_400_000
    assert duration_ms("1 year") == 365 * 86_400_000 + 86_400_000 // 4
    assert duration_ms(0) == 0


@pytest.mark.parametrize(
    "value", ["7 Days", "7days", "1.5 days", "a week", " 7 days", -1, 1.5, True, None, "٣ days"]
)
def test_what_is_not_a_duration_is_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="7 days"):
        duration_ms(value)


def test_equal_retentions_have_one_spelling() -> None:
    assert canonical_retention({"success_retention": "7 days", "error_retention": "1 day"}) == {
        "error_retention": 86_400_000,
        "success_retention": WEEK_MS,
    }
    assert canonical_retention({"success_retention": "1 week"}) == canonical_retention(
        {"success_retention": WEEK_MS, "error_retention": None}
    )
    assert canonical_retention({}) == {} and canonical_retention(None) is None
    assert canonical_retention({"success_retention": "soon"}) == {"success_retention": "soon"}  # for check


# --- the rules, as check and the SDK report them -----------------------------------------------------------


def test_schedule_failures_name_the_property_and_the_fix() -> None:
    assert rules.validate_schedules(None) == [] and rules.validate_schedules(UNKNOWN) == []
    assert rules.validate_schedules(["0 9 * * mon-fri", UNKNOWN, "0 18 * * fril"]) == []
    failures = rules.validate_schedules(["*/5 * * * *", "61 * * * *", 5])
    assert props(failures) == ["schedules[1]", "schedules[2]"]
    assert "fix cron '61 * * * *': minute 61 is out of range 0-59" in failures[0][1]
    assert "five fields" in failures[0][1]
    [(prop, reason)] = rules.validate_schedules("0 * * * *")
    assert prop == "schedules" and "['0 * * * *']" in reason


def test_at_most_200_distinct_schedules() -> None:
    crons = [f"{m} {h} * * *" for h in range(4) for m in range(60)][: MAX_SCHEDULES + 1]
    assert rules.validate_schedules([*crons[:MAX_SCHEDULES], f" {crons[0]}"]) == []  # a duplicate
    [(prop, reason)] = rules.validate_schedules(crons)
    assert prop == "schedules" and "at most 200" in reason and "201" in reason


def test_retention_failures_name_the_property_and_the_fix() -> None:
    assert rules.validate_default_retention(None) == []
    assert (
        rules.validate_default_retention({"success_retention": UNKNOWN, "error_retention": "30 days"}) == []
    )
    failures = rules.validate_default_retention({"success_retention": "a week", "errors": 1})
    assert props(failures) == ["default_retention.success_retention", "default_retention.errors"]
    assert "fix success_retention: 'a week' is not a duration" in failures[0][1]
    assert "use success_retention or error_retention" in failures[1][1]
    assert props(rules.validate_default_retention("7 days")) == ["default_retention"]


# --- diffs -------------------------------------------------------------------------------------------------


def test_equal_spellings_never_make_a_diff() -> None:
    state = workflow(schedules=["0 9 * * mon-fri"], default_retention={"success_retention": "7 days"})
    rerun = workflow(
        schedules=["0 9 * * MON-FRI", " 0 9 * * mon-fri"], default_retention={"success_retention": "1 week"}
    )
    assert state["schedules"] == ["0 9 * * MON-FRI"]
    assert state["default_retention"] == {"success_retention": WEEK_MS}
    assert plan.normalise_workflow(state) == state
    assert not plan.diff_workflow(state, rerun).has_changes
    engine = workflow(default_retention={"success_retention": float(WEEK_MS)}, schedules=state["schedules"])
    assert not plan.diff_workflow(state, engine).has_changes


def test_a_state_from_before_these_settings_does_not_diff() -> None:
    old = {k: v for k, v in workflow().items() if k not in ("schedules", "default_retention")}
    assert not plan.diff_workflow(old, workflow()).has_changes


def test_schedule_and_retention_changes_update_in_place() -> None:
    state = workflow(schedules=["0 9 * * *"], default_retention={"success_retention": "7 days"})
    d = plan.diff_workflow(
        state, workflow(schedules=["0 10 * * *"], default_retention=state["default_retention"])
    )
    assert d.changed == ["schedules"] and d.replaces == []
    d = plan.diff_workflow(
        state, workflow(schedules=["0 9 * * *"], default_retention={"success_retention": 1})
    )
    assert d.changed == ["default_retention"] and d.replaces == []
    assert plan.diff_workflow(workflow(), workflow(schedules=[])).changed == ["schedules"]  # [] clears
    assert plan.diff_workflow(state, workflow(schedules=[UNKNOWN])).changed == [
        "schedules",
        "default_retention",
    ]


# --- the wire ----------------------------------------------------------------------------------------------


def test_only_what_the_program_sets_is_sent() -> None:
    assert settings_to_wire({}, workflow()) == {}
    new = workflow(
        schedules=["0 9 * * mon-fri", "0 9 * * MON-FRI"], default_retention={"error_retention": "1 day"}
    )
    assert settings_to_wire({}, new) == {
        "schedules": [{"cron": "0 9 * * MON-FRI"}],
        "default_retention": {"error_retention": 86_400_000},
    }
    assert settings_to_wire(new, workflow(schedules=[], default_retention={})) == {
        "schedules": [],
        "default_retention": {},
    }


def test_a_setting_the_program_drops_is_cleared_once() -> None:
    state = workflow(schedules=["0 9 * * *"], default_retention={"success_retention": "7 days"})
    assert settings_to_wire(state, workflow()) == {"schedules": [], "default_retention": {}}
    assert settings_to_wire(workflow(), workflow()) == {}  # after that update the state holds None


def test_read_back_is_canonical() -> None:
    live = [{"cron": "0 9 * * mon-fri", "next_instance": ""}, {"cron": "*/5 * * * *", "next_instance": ""}]
    assert schedules_from_wire(live) == ["0 9 * * MON-FRI", "*/5 * * * *"]
    assert schedules_from_wire(None) == []
    assert retention_from_wire({"success_retention": WEEK_MS, "other": 1}) == {"success_retention": WEEK_MS}
    assert retention_from_wire(None) == {}


def test_the_sdk_fails_fast_with_the_same_rules() -> None:
    with pytest.raises(ValueError, match=r"Workflow 'Orders': schedules\[0\]: fix cron '61 \* \* \* \*'"):
        Workflow("Orders", workflow_name="orders", schedules=["61 * * * *"])
    with pytest.raises(ValueError, match=r"default_retention\.success_retention: fix success_retention"):
        Workflow("Orders", workflow_name="orders", default_retention={"success_retention": "a week"})


def test_a_macro_or_a_short_expression_is_named_for_what_it_is() -> None:
    [(_, macro)] = rules.validate_schedules(["@daily"])
    assert "macros like '@daily' are not cron syntax" in macro and "'0 0 * * *' is daily" in macro
    [(_, short)] = rules.validate_schedules(["5"])
    assert "the expression has 1 field, not 5" in short


def test_a_cron_added_or_removed_keeps_the_others_where_the_state_has_them() -> None:
    state = ["0 9 * * MON-FRI", "*/15 * * * *"]
    # Sorted, the new cron would come first and every index would change in the preview.
    assert in_order_of(state, canonical_schedules(["* * * * *", "*/15 * * * *", "0 9 * * mon-fri"])) == [
        "0 9 * * MON-FRI",
        "*/15 * * * *",
        "* * * * *",
    ]
    assert in_order_of(state, ["*/15 * * * *"]) == ["*/15 * * * *"]
    assert in_order_of(None, ["b", "a"]) == ["b", "a"] and in_order_of(state, None) is None
