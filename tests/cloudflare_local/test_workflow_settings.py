"""A workflow's `schedules` and `default_retention` on cloudflare-local: PUT validates them as the OpenAPI
document says (refused with 400), stores them, and GET returns them (schedules on the workflow, retention in
milliseconds on its version); left out of a PUT they are kept, `[]` and `{}` clear them."""

from __future__ import annotations

from typing import Any

import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.testing import errors_of

BODY = {"class_name": "MyWorkflow", "script_name": "wf-host"}
DAY_MS = 86_400_000


def put(cf_api: ContractClient, workflow: str, **extra: Any) -> dict[str, Any]:
    response = cf_api.put(f"/workflows/{workflow}", json={**BODY, **extra})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def crons(cf_api: ContractClient, workflow: str) -> list[str]:
    return [s["cron"] for s in cf_api.get(f"/workflows/{workflow}").json()["result"].get("schedules", [])]


def retention(cf_api: ContractClient, workflow: str) -> Any:
    """The default retention of the workflow's newest version, from that version's own GET."""
    versions = cf_api.get(f"/workflows/{workflow}/versions").json()["result"]
    newest = max(versions, key=lambda v: v["created_on"])
    assert "default_retention" not in newest  # the list item's schema has none
    return (
        cf_api.get(f"/workflows/{workflow}/versions/{newest['id']}").json()["result"].get("default_retention")
    )


def test_good_values_round_trip(cf_api: ContractClient, workflow: str) -> None:
    schedules = [{"cron": "0 9 * * mon-fri"}, {"cron": "59 23 LW * *"}, {"cron": "0 18 * * FRIL"}]
    put(
        cf_api,
        workflow,
        schedules=schedules,
        default_retention={"success_retention": "1 week", "error_retention": 30 * DAY_MS},
    )
    got = cf_api.get(f"/workflows/{workflow}").json()["result"]["schedules"]
    assert [s["cron"] for s in got] == [s["cron"] for s in schedules]  # stored as sent
    assert all(isinstance(s["next_instance"], str) for s in got)
    assert retention(cf_api, workflow) == {"error_retention": 30 * DAY_MS, "success_retention": 7 * DAY_MS}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"schedules": [{"cron": "61 * * * *"}]}, "minute 61 is out of range"),
        ({"schedules": [{"cron": "* * * * 0"}]}, "1 is Sunday"),
        ({"schedules": [{"cron": "* * * *"}]}, "4 fields"),
        ({"schedules": [{"cron": "0 18 * * fril"}]}, "'fril'"),
        ({"schedules": [{"cron": " 0 9 * * *"}]}, "space"),
        ({"schedules": [{"cron": ""}]}, "empty"),
        ({"schedules": [{"cron": "0 " * 129 + "*"}]}, "256"),
        ({"schedules": [{"cron": f"{m} {h} * * *"} for h in range(4) for m in range(51)]}, "at most 200"),
        ({"schedules": [{"cron": 5}]}, "cron string"),
        ({"schedules": "0 9 * * *"}, "array"),
        ({"schedules": None}, "array"),
        ({"default_retention": {"success_retention": "7 Days"}}, "not a duration"),
        ({"default_retention": {"success_retention": "1.5 days"}}, "not a duration"),
        ({"default_retention": {"success_retention": 1.5}}, "not a duration"),
        ({"default_retention": {"success_retention": -1}}, "negative"),
        ({"default_retention": {"success_retention": None}}, "not a duration"),
        ({"default_retention": {"retention": "7 days"}}, "error_retention and/or success_retention"),
        ({"default_retention": "7 days"}, "error_retention and/or success_retention"),
    ],
)
def test_bad_values_are_refused(
    cf_api: ContractClient, workflow: str, extra: dict[str, Any], says: str
) -> None:
    response = cf_api.put(f"/workflows/{workflow}", json={**BODY, **extra})
    assert (response.status_code, errors_of(response)) == (400, [10256])
    assert says in response.json()["errors"][0]["message"]
    assert crons(cf_api, workflow) == [] and retention(cf_api, workflow) is None  # nothing changed


def test_left_out_is_kept_and_empty_clears(cf_api: ContractClient, workflow: str) -> None:
    first = put(
        cf_api, workflow, schedules=[{"cron": "0 9 * * *"}], default_retention={"success_retention": 1000}
    )
    kept = put(cf_api, workflow)  # as wrangler sends it when its config has neither
    assert crons(cf_api, workflow) == ["0 9 * * *"] and retention(cf_api, workflow) == {
        "success_retention": 1000
    }
    assert kept["version_id"] == first["version_id"]

    put(cf_api, workflow, schedules=[])
    assert crons(cf_api, workflow) == [] and retention(cf_api, workflow) == {"success_retention": 1000}
    put(cf_api, workflow, default_retention={})
    assert retention(cf_api, workflow) is None


def test_retention_is_versioned_and_schedules_are_not(cf_api: ContractClient, workflow: str) -> None:
    before = put(cf_api, workflow)["version_id"]
    assert put(cf_api, workflow, schedules=[{"cron": "*/5 * * * *"}])["version_id"] == before
    changed = put(cf_api, workflow, default_retention={"error_retention": "2 days"})["version_id"]
    assert changed != before
    assert put(cf_api, workflow, default_retention={"error_retention": 2 * DAY_MS})["version_id"] == changed
    # A new version for another reason carries the retention over.
    put(cf_api, workflow, limits={"steps": 5})
    assert retention(cf_api, workflow) == {"error_retention": 2 * DAY_MS}
