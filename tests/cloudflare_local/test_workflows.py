"""Workflows: PUT validation, upsert and versions, paging, delete; instances and their status changes."""

from __future__ import annotations

import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.testing import Deploy, errors_of

BODY = {"class_name": "MyWorkflow", "script_name": "wf-host"}


def test_put_refused_without_script_or_exported_class(cf_api: ContractClient, deploy: Deploy) -> None:
    missing = cf_api.put("/workflows/w1", json=BODY)
    assert (missing.status_code, errors_of(missing)) == (400, [10250])
    assert "wf-host" in missing.json()["errors"][0]["message"]

    deploy("wf-host", class_name="SomethingElse")
    unexported = cf_api.put("/workflows/w1", json=BODY)
    assert (unexported.status_code, errors_of(unexported)) == (400, [10251])
    message = unexported.json()["errors"][0]["message"]
    assert "MyWorkflow" in message and "wf-host" in message
    assert cf_api.get("/workflows/w1").status_code == 404


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a" * 64, True),
        ("a" * 65, False),
        ("_under-score_1", True),
        ("-dash-first", False),
        ("has.dot", False),
    ],
)
def test_workflow_name_rules(cf_api: ContractClient, workflow: str, name: str, ok: bool) -> None:
    response = cf_api.put(f"/workflows/{name}", json=BODY)
    assert response.status_code == (200 if ok else 400), response.text
    if not ok:
        assert errors_of(response) == [10004]


@pytest.mark.parametrize(
    "body",
    [
        {"script_name": "wf-host"},
        {"class_name": "9Bad", "script_name": "wf-host"},
        {"class_name": "MyWorkflow"},
        {**BODY, "limits": {"steps": 0}},
        {**BODY, "schedules": [{"nocron": 1}]},
    ],
)
def test_put_body_validation(cf_api: ContractClient, workflow: str, body: dict[str, object]) -> None:
    response = cf_api.put("/workflows/other", json=body)
    assert (response.status_code, errors_of(response)) == (400, [10256])


def test_put_is_an_upsert_with_versions_on_class_or_script_change(
    cf_api: ContractClient, deploy: Deploy, workflow: str
) -> None:
    first = cf_api.get(f"/workflows/{workflow}").json()["result"]
    same = cf_api.put(f"/workflows/{workflow}", json=BODY).json()["result"]
    assert same["id"] == first["id"]
    versions = cf_api.get(f"/workflows/{workflow}/versions").json()["result"]
    assert len(versions) == 1 and versions[0]["id"] == same["version_id"]

    source = (
        'import { WorkflowEntrypoint } from "cloudflare:workers";\n'
        "export class Renamed extends WorkflowEntrypoint {}"
    )
    deploy("wf-host", source=source, bindings=[])
    renamed = cf_api.put(f"/workflows/{workflow}", json={**BODY, "class_name": "Renamed"}).json()["result"]
    assert renamed["id"] == first["id"] and renamed["version_id"] != same["version_id"]
    assert renamed["class_name"] == "Renamed"
    deploy("other-host", class_name="Renamed")
    moved = cf_api.put(f"/workflows/{workflow}", json={"class_name": "Renamed", "script_name": "other-host"})
    assert moved.json()["result"]["script_name"] == "other-host"
    versions = cf_api.get(f"/workflows/{workflow}/versions").json()["result"]
    assert len(versions) == 3
    one = cf_api.get(f"/workflows/{workflow}/versions/{versions[0]['id']}").json()["result"]
    assert one["class_name"] == "Renamed"
    missing = cf_api.get(f"/workflows/{workflow}/versions/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_list_pages_like_cloudflare(cf_api: ContractClient, workflow: str) -> None:
    for i in range(4):
        assert cf_api.put(f"/workflows/wf-{i}", json=BODY).status_code == 200
    first = cf_api.get("/workflows", params={"per_page": 2, "page": 1}).json()
    assert [w["name"] for w in first["result"]] == ["my-workflow", "wf-0"]
    assert first["result_info"] == {"page": 1, "per_page": 2, "count": 2, "total_count": 5, "total_pages": 3}
    last = cf_api.get("/workflows", params={"per_page": 2, "page": 3}).json()
    assert [w["name"] for w in last["result"]] == ["wf-3"]
    past = cf_api.get("/workflows", params={"per_page": 2, "page": 4}).json()
    assert past["success"] is True and past["result"] == []  # an empty page ends SDK paging
    default = cf_api.get("/workflows/", params={"unknown": "ignored"}).json()  # trailing slash, unknown param
    assert default["result_info"]["per_page"] == 10 and len(default["result"]) == 5
    assert [w["name"] for w in cf_api.get("/workflows", params={"search": "wf-2"}).json()["result"]] == [
        "wf-2"
    ]
    assert errors_of(cf_api.get("/workflows", params={"per_page": 101})) == [10004]
    assert errors_of(cf_api.get("/workflows", params={"page": "x"})) == [10004]


def test_get_and_delete(cf_api: ContractClient, workflow: str) -> None:
    got = cf_api.get(f"/workflows/{workflow}").json()["result"]
    assert (got["class_name"], got["script_name"], got["triggered_on"]) == ("MyWorkflow", "wf-host", None)
    cf_api.post(f"/workflows/{workflow}/instances", json={"instance_id": "i1"})
    assert cf_api.delete(f"/workflows/{workflow}").json()["result"] == {"status": "ok", "success": True}
    for response in (cf_api.get(f"/workflows/{workflow}"), cf_api.delete(f"/workflows/{workflow}")):
        assert (response.status_code, errors_of(response)) == (404, [10200])
    # The script survives, and a re-created workflow starts without the old instances.
    assert cf_api.get("/workers/scripts/wf-host/settings").status_code == 200
    cf_api.put(f"/workflows/{workflow}", json=BODY)
    assert cf_api.get(f"/workflows/{workflow}/instances").json()["result"] == []


def test_instances_create_get_and_list(cf_api: ContractClient, workflow: str) -> None:
    created = cf_api.post(
        f"/workflows/{workflow}/instances", json={"instance_id": "order-1", "params": {"n": 1}}
    )
    assert created.status_code == 200, created.text
    result = created.json()["result"]
    wf = cf_api.get(f"/workflows/{workflow}").json()["result"]
    assert result == {
        "id": "order-1",
        "workflow_id": wf["id"],
        "version_id": result["version_id"],
        "status": "queued",
        "trigger_source": "api",
    }
    generated = cf_api.post(f"/workflows/{workflow}/instances", json={}).json()["result"]["id"]
    assert len(generated) == 36
    details = cf_api.get(f"/workflows/{workflow}/instances/order-1").json()["result"]
    assert details["params"] == {"n": 1} and details["status"] == "queued" and details["steps"] == []
    assert details["versionId"] == result["version_id"]
    simple = cf_api.get(f"/workflows/{workflow}/instances/order-1", params={"simple": "true"}).json()[
        "result"
    ]
    assert simple["steps"] == [] and simple["step_count"] == 0
    wf = cf_api.get(f"/workflows/{workflow}").json()["result"]
    assert wf["triggered_on"] is not None and wf["instances"] == {"queued": 2}

    listed = cf_api.get(f"/workflows/{workflow}/instances/").json()  # wrangler's trailing slash
    assert [i["id"] for i in listed["result"]] == [generated, "order-1"]  # newest first
    asc = cf_api.get(f"/workflows/{workflow}/instances", params={"direction": "asc"}).json()["result"]
    assert [i["id"] for i in asc] == ["order-1", generated]

    missing = cf_api.get(f"/workflows/{workflow}/instances/nope")
    assert (missing.status_code, errors_of(missing)) == (404, [10253])
    no_workflow = cf_api.post("/workflows/nope/instances", json={})
    assert (no_workflow.status_code, errors_of(no_workflow)) == (404, [10200])


def test_instance_id_rules(cf_api: ContractClient, workflow: str) -> None:
    assert cf_api.post(f"/workflows/{workflow}/instances", json={"instance_id": "a" * 100}).status_code == 200
    for bad in ("a" * 101, "-x", "has space"):
        response = cf_api.post(f"/workflows/{workflow}/instances", json={"instance_id": bad})
        assert (response.status_code, errors_of(response)) == (400, [10256]), bad
    duplicate = cf_api.post(f"/workflows/{workflow}/instances", json={"instance_id": "a" * 100})
    assert (duplicate.status_code, errors_of(duplicate)) == (400, [10254])
    params_string = cf_api.post(
        f"/workflows/{workflow}/instances", json={"instance_id": "s", "params": '{"a":1}'}
    )
    assert params_string.status_code == 200  # the spec's own `string` params are fine too


def test_batch_is_atomic(cf_api: ContractClient, workflow: str) -> None:
    batch = [{"instance_id": "b1", "params": {"i": 1}}, {"instance_id": "b2"}, {}]
    created = cf_api.post(f"/workflows/{workflow}/instances/batch", json=batch)
    assert created.status_code == 200
    assert [i["id"] for i in created.json()["result"]][:2] == ["b1", "b2"]
    clash = cf_api.post(
        f"/workflows/{workflow}/instances/batch", json=[{"instance_id": "b3"}, {"instance_id": "b1"}]
    )
    assert errors_of(clash) == [10254]
    assert cf_api.get(f"/workflows/{workflow}/instances/b3").status_code == 404  # nothing of it was created
    assert errors_of(cf_api.post(f"/workflows/{workflow}/instances/batch", json=[])) == [10256]


def test_list_filters_and_pages(cf_api: ContractClient, workflow: str) -> None:
    cf_api.post(f"/workflows/{workflow}/instances/batch", json=[{"instance_id": f"i{n}"} for n in range(5)])
    cf_api.patch(f"/workflows/{workflow}/instances/i1/status", json={"status": "terminate"})
    terminated = cf_api.get(f"/workflows/{workflow}/instances", params={"status": "terminated"}).json()[
        "result"
    ]
    assert [i["id"] for i in terminated] == ["i1"]
    assert errors_of(cf_api.get(f"/workflows/{workflow}/instances", params={"status": "bogus"})) == [10004]

    seen: list[str] = []
    for number in (1, 2, 3, 4):
        page = cf_api.get(
            f"/workflows/{workflow}/instances", params={"per_page": 2, "page": number, "direction": "asc"}
        ).json()
        seen += [i["id"] for i in page["result"]]
    assert seen == ["i0", "i1", "i2", "i3", "i4"]

    by_cursor: list[str] = []
    params: dict[str, str | int] = {"per_page": 2, "direction": "asc"}
    while True:
        page = cf_api.get(f"/workflows/{workflow}/instances", params=params).json()
        by_cursor += [i["id"] for i in page["result"]]
        if "cursor" not in page["result_info"]:
            break
        params["cursor"] = page["result_info"]["cursor"]
    assert by_cursor == seen


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (["pause", "resume"], ["paused", "queued"]),
        (["pause", "terminate"], ["paused", "terminated"]),
        (["terminate", "restart"], ["terminated", "queued"]),
        (["resume"], [409]),
        (["pause", "pause"], ["paused", 409]),
        (["terminate", "terminate"], ["terminated", 409]),
        (["terminate", "pause"], ["terminated", 409]),
    ],
)
def test_status_transitions(
    cf_api: ContractClient, workflow: str, steps: list[str], expected: list[object]
) -> None:
    cf_api.post(f"/workflows/{workflow}/instances", json={"instance_id": "t"})
    outcomes: list[object] = []
    for step in steps:
        response = cf_api.patch(f"/workflows/{workflow}/instances/t/status", json={"status": step})
        if response.status_code == 200:
            outcomes.append(response.json()["result"]["status"])
            assert response.json()["result"]["timestamp"]
        else:
            assert errors_of(response) == [10255]
            outcomes.append(response.status_code)
    assert outcomes == expected
    if isinstance(expected[-1], str):
        details = cf_api.get(f"/workflows/{workflow}/instances/t").json()["result"]
        assert details["status"] == expected[-1]


def test_status_body_rules(cf_api: ContractClient, workflow: str) -> None:
    cf_api.post(f"/workflows/{workflow}/instances", json={"instance_id": "t"})
    assert errors_of(
        cf_api.patch(f"/workflows/{workflow}/instances/t/status", json={"status": "explode"})
    ) == [10256]
    # wrangler's `terminate --rollback` sends `rollback: true`, a key the published schema's status body lacks
    # (cloudflare/workers-sdk, packages/wrangler/src/workflows/utils.ts).
    rollback = cf_api.patch(
        f"/workflows/{workflow}/instances/t/status", json={"status": "terminate", "rollback": True}
    )
    assert rollback.json()["result"]["status"] == "terminated"
    missing = cf_api.patch(f"/workflows/{workflow}/instances/nope/status", json={"status": "pause"})
    assert (missing.status_code, errors_of(missing)) == (404, [10253])


def test_events(cf_api: ContractClient, workflow: str) -> None:
    cf_api.post(f"/workflows/{workflow}/instances", json={"instance_id": "e"})
    sent = cf_api.post(f"/workflows/{workflow}/instances/e/events/approval", json={"ok": True})
    assert sent.status_code == 200 and sent.json()["success"] is True
    assert cf_api.post(f"/workflows/{workflow}/instances/nope/events/approval", json={}).status_code == 404
    assert errors_of(cf_api.post(f"/workflows/{workflow}/instances/e/events/bad.type", json={})) == [10004]
    cf_api.patch(f"/workflows/{workflow}/instances/e/status", json={"status": "terminate"})
    late = cf_api.post(f"/workflows/{workflow}/instances/e/events/approval", json={})
    assert (late.status_code, errors_of(late)) == (400, [10256])


def test_delete_instance_and_batch_terminate(cf_api: ContractClient, workflow: str) -> None:
    cf_api.post(f"/workflows/{workflow}/instances/batch", json=[{"instance_id": "a"}, {"instance_id": "b"}])
    done = cf_api.post(f"/workflows/{workflow}/instances/batch/terminate", json=["a", "b"]).json()["result"]
    assert done == {"status": "ok", "instancesTerminated": 2}
    assert cf_api.get(f"/workflows/{workflow}").json()["result"]["instances"] == {"terminated": 2}
    deleted = cf_api.delete(f"/workflows/{workflow}/instances/a").json()["result"]
    assert deleted["instanceId"] == "a"
    assert cf_api.get(f"/workflows/{workflow}/instances/a").status_code == 404


def test_workflow_settings(cf_api: ContractClient) -> None:
    assert cf_api.get("/workflows/settings").json()["result"] == {}
    retention = {"default_retention": {"error_retention": "5 days", "success_retention": 60000}}
    in_ms = {"default_retention": {"error_retention": 5 * 86_400_000, "success_retention": 60000}}
    assert cf_api.patch("/workflows/settings", json=retention).json()["result"] == in_ms
    assert cf_api.get("/workflows/settings").json()["result"] == in_ms
    bad = cf_api.patch("/workflows/settings", json={"default_retention": {"error_retention": "soon"}})
    assert errors_of(bad) == [10256]
