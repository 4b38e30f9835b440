"""The Workflows instance API answered from the runtime: instances really run in workerd, and one started by
a script is the same thing as one started through the API. Responses of finished instances are checked
against Cloudflare's OpenAPI document (`checked`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client, errors_of, script_form

from tests.runtime.support import finished, instance, steps, wait_for, worker

SOURCE = """\
import { WorkflowEntrypoint } from "cloudflare:workers";

export class Steps extends WorkflowEntrypoint {
  async run(event, step) {
    const params = event.payload ?? {};
    const first = await step.do("first", async () => ({ token: crypto.randomUUID(), params }));
    if (params.sleep) await step.sleep("nap", params.sleep);
    let approval = null;
    if (params.wait) approval = await step.waitForEvent("approval", { type: "approved", timeout: "1 hour" });
    const second = await step.do("second", async () => ({ by: this.constructor.name }));
    return { first, approval: approval?.payload ?? null, second };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/start") {
      const started = await env.STEPS.create({ params: { via: "fetch" } });
      return Response.json({ id: started.id });
    }
    const body = await request.text();
    return Response.json({ path: url.pathname, query: url.search, method: request.method, body });
  },
};
"""
BINDING = {"type": "workflow", "name": "STEPS", "workflow_name": "steps", "class_name": "Steps"}


def deploy(api: httpx.Client, source: str = SOURCE, name: str = "host") -> httpx.Response:
    return api.put(f"/workers/scripts/{name}", files=script_form(source, bindings=[BINDING]))


@pytest.fixture
def checked(runtime_server: CloudflareLocalServer, account_id: str) -> Iterator[ContractClient]:
    with api_client(runtime_server, account_id) as client:
        yield client


@pytest.fixture
def steps_workflow(api: httpx.Client) -> Iterator[str]:
    """Script `host` hosting workflow `steps` (class Steps); both deleted afterwards."""
    assert deploy(api).status_code == 200
    put = api.put("/workflows/steps", json={"class_name": "Steps", "script_name": "host"})
    assert put.status_code == 200, put.text
    yield "steps"
    api.delete("/workflows/steps")
    api.delete("/workers/scripts/host")


def start(api: httpx.Client, params: Any = None, instance_id: str | None = None) -> str:
    body: dict[str, Any] = {"params": params or {}}
    if instance_id:
        body["instance_id"] = instance_id
    created = api.post("/workflows/steps/instances", json=body)
    assert created.status_code == 200, created.text
    return str(created.json()["result"]["id"])


def test_an_instance_a_script_starts_and_one_the_api_starts_are_the_same_thing(
    steps_workflow: str,
    api: httpx.Client,
    checked: ContractClient,
    runtime_server: CloudflareLocalServer,
    account_id: str,
) -> None:
    by_script = worker(runtime_server, account_id, "host", "/start", method="POST")
    assert by_script.status_code == 200, by_script.text
    script_id = by_script.json()["id"]
    api_id = start(api, {"via": "api"}, instance_id="from-the-api")

    for instance_id, via in ((script_id, "fetch"), (api_id, "api")):
        finished(api, "steps", instance_id)
        details = checked.get(f"/workflows/steps/instances/{instance_id}").json()["result"]
        assert details["status"] == "complete" and details["success"] is True
        assert details["params"] == {"via": via}
        ran = steps(details)
        assert list(ran) == ["first", "second"]
        assert ran["first"]["output"]["params"] == {"via": via}
        assert ran["second"]["output"] == {"by": "Steps"}
        assert details["output"] == {
            "first": ran["first"]["output"],
            "approval": None,
            "second": {"by": "Steps"},
        }

    listed = checked.get("/workflows/steps/instances").json()["result"]
    assert {(i["id"], i["status"], i["trigger_source"]) for i in listed} == {
        (script_id, "complete", "binding"),
        (api_id, "complete", "api"),
    }
    assert all(i["started_on"] and i["ended_on"] for i in listed)
    counts = checked.get("/workflows/steps").json()["result"]["instances"]
    assert counts == {"complete": 2}


def test_status_changes_and_events_follow_cloudflares_rules(
    steps_workflow: str, api: httpx.Client, checked: ContractClient
) -> None:
    waiting = start(api, {"wait": True})
    wait_for("the instance waiting for its event", lambda: instance(api, "steps", waiting), _at("approval"))

    paused = api.patch(f"/workflows/steps/instances/{waiting}/status", json={"status": "pause"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["result"]["status"] in ("paused", "waitingForPause")
    wait_for("the pause", lambda: instance(api, "steps", waiting)["status"], lambda s: s == "paused")
    again = api.patch(f"/workflows/steps/instances/{waiting}/status", json={"status": "pause"})
    assert (again.status_code, errors_of(again)) == (409, [10255])

    assert (
        api.patch(f"/workflows/steps/instances/{waiting}/status", json={"status": "resume"}).status_code
        == 200
    )
    sent = api.post(f"/workflows/steps/instances/{waiting}/events/approved", json={"by": "reviewer"})
    assert sent.status_code == 200, sent.text
    done = finished(api, "steps", waiting)
    assert done["status"] == "complete" and done["output"]["approval"] == {"by": "reviewer"}
    assert steps(checked.get(f"/workflows/steps/instances/{waiting}").json()["result"])["approval"][
        "finished"
    ]

    # A finished instance takes no events and cannot be terminated; a restart runs it again from scratch.
    late = api.post(f"/workflows/steps/instances/{waiting}/events/approved", json={})
    assert (late.status_code, errors_of(late)) == (400, [10256])
    ended = api.patch(f"/workflows/steps/instances/{waiting}/status", json={"status": "terminate"})
    assert (ended.status_code, errors_of(ended)) == (409, [10255])
    first_token = done["output"]["first"]["token"]
    assert (
        api.patch(f"/workflows/steps/instances/{waiting}/status", json={"status": "restart"}).status_code
        == 200
    )
    wait_for("the restart", lambda: instance(api, "steps", waiting), _at("approval"))
    assert steps(instance(api, "steps", waiting))["first"]["output"]["token"] != first_token

    terminated = api.patch(f"/workflows/steps/instances/{waiting}/status", json={"status": "terminate"})
    assert terminated.status_code == 200, terminated.text
    assert finished(api, "steps", waiting)["status"] == "terminated"


def test_batches_are_all_or_nothing_and_ids_unique(steps_workflow: str, api: httpx.Client) -> None:
    finished(api, "steps", start(api, instance_id="taken"))
    clash = api.post(
        "/workflows/steps/instances/batch", json=[{"instance_id": "new-1"}, {"instance_id": "taken"}]
    )
    assert (clash.status_code, errors_of(clash)) == (400, [10254])
    assert instance_ids(api) == {"taken"}, "nothing of a refused batch starts"
    twice = api.post("/workflows/steps/instances/batch", json=[{"instance_id": "b"}, {"instance_id": "b"}])
    assert (twice.status_code, errors_of(twice)) == (400, [10254])

    batch = api.post("/workflows/steps/instances/batch", json=[{"instance_id": f"b-{n}"} for n in range(3)])
    assert batch.status_code == 200, batch.text
    for n in range(3):
        finished(api, "steps", f"b-{n}")
    assert instance_ids(api) == {"taken", "b-0", "b-1", "b-2"}
    again = api.post("/workflows/steps/instances", json={"instance_id": "b-0"})
    assert (again.status_code, errors_of(again)) == (400, [10254])

    waiting = start(api, {"wait": True}, instance_id="waiting")
    wait_for("the waiting instance", lambda: instance(api, "steps", waiting), _at("approval"))
    assert instance_ids(api, status="complete") == {"taken", "b-0", "b-1", "b-2"}
    assert instance_ids(api, status="waiting") == {"waiting"}
    first = api.get("/workflows/steps/instances", params={"per_page": 2}).json()
    assert len(first["result"]) == 2 and first["result_info"]["cursor"]
    deleted = api.delete("/workflows/steps/instances/b-1")
    assert deleted.status_code == 200, deleted.text
    assert api.get("/workflows/steps/instances/b-1").status_code == 404
    assert "b-1" not in instance_ids(api)


def test_an_upload_workerd_could_not_start_is_refused_and_the_previous_version_keeps_serving(
    steps_workflow: str, api: httpx.Client, runtime_server: CloudflareLocalServer, account_id: str
) -> None:
    before = api.get("/workers/scripts/host/content/v2").text
    unparseable = deploy(api, "export default { fetch( { return 1 } };")
    assert (unparseable.status_code, errors_of(unparseable)) == (400, [10021])
    assert "worker.mjs" in unparseable.json()["errors"][0]["message"]
    # `export *` leaves the export list open, so only workerd can tell that the class is not there.
    hidden = SOURCE.replace("export class Steps", "class Steps") + 'export * from "cloudflare:workers";\n'
    refused = deploy(api, hidden)
    assert (refused.status_code, errors_of(refused)) == (400, [10021])
    assert "Steps" in refused.json()["errors"][0]["message"]
    assert account_id not in refused.text, "the runtime's internal names are not shown"

    assert api.get("/workers/scripts/host/content/v2").text == before
    assert len(api.get("/workers/scripts/host/deployments").json()["result"]["deployments"]) == 1
    assert worker(runtime_server, account_id, "host", "/hello").json()["path"] == "/hello"
    assert finished(api, "steps", start(api))["status"] == "complete"


def test_a_restart_keeps_instances_and_finishes_the_ones_in_flight_without_rerunning_steps(
    fresh_runtime_server: CloudflareLocalServer, account_id: str
) -> None:
    server = fresh_runtime_server
    with httpx.Client(base_url=f"{server.api_base}/accounts/{account_id}", headers=_auth(server)) as api:
        assert deploy(api).status_code == 200
        assert (
            api.put("/workflows/steps", json={"class_name": "Steps", "script_name": "host"}).status_code
            == 200
        )
        done = start(api, instance_id="done")
        finished(api, "steps", done)
        sleeping = start(api, {"sleep": "4 seconds"}, instance_id="sleeping")
        before = wait_for("the sleep", lambda: instance(api, "steps", sleeping), _at("nap"))

    server.restart()

    with httpx.Client(base_url=f"{server.api_base}/accounts/{account_id}", headers=_auth(server)) as api:
        after = finished(api, "steps", sleeping)
        assert after["status"] == "complete", after
        ran = steps(after)
        assert ran["first"]["output"] == steps(before)["first"]["output"], "the finished step ran again"
        assert len(ran["first"]["attempts"]) == 1
        assert instance(api, "steps", done)["status"] == "complete"


def instance_ids(api: httpx.Client, status: str | None = None) -> set[str]:
    params = {"per_page": 100, **({"status": status} if status else {})}
    response = api.get("/workflows/steps/instances", params=params)
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["result"]}


def _at(step_name: str) -> Any:
    """A probe's `done`: the instance is waiting in the step `step_name` (a sleep or a waitForEvent)."""
    return lambda d: step_name in steps(d) and d["status"] == "waiting"


def _auth(server: CloudflareLocalServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}
