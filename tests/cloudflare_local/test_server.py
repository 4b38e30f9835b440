"""The server around the model: auth, routing, the request log, faults, persistence and concurrency."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client, errors_of, script_form, workflow_source

BINDING = {"type": "workflow", "name": "WF", "workflow_name": "wf", "class_name": "MyWorkflow"}


def seed_account(client: ContractClient) -> None:
    assert client.put(
        "/workers/scripts/host", files=script_form(workflow_source(), bindings=[BINDING])
    ).is_success
    assert client.put("/workflows/wf", json={"class_name": "MyWorkflow", "script_name": "host"}).is_success


def test_auth(cloudflare_local: CloudflareLocalServer, account_id: str) -> None:
    with api_client(cloudflare_local, account_id, token="") as anonymous:
        missing = anonymous.get("/workflows")
        assert (missing.status_code, errors_of(missing)) == (401, [10000])
        malformed = anonymous.get("/workflows", headers={"Authorization": "Token test-token"})
        assert malformed.status_code == 401
    with api_client(cloudflare_local, account_id, token="wrong") as wrong:
        denied = wrong.get("/workflows")
        assert (denied.status_code, errors_of(denied)) == (403, [10000])
        assert "wrong" not in denied.text
    with api_client(cloudflare_local, account_id) as right:
        assert right.get("/workflows").status_code == 200
    assert httpx.get(f"{cloudflare_local.url}/__local/health").json() == {"ok": True}  # hooks need no token


def test_no_token_means_no_auth(tmp_path: object) -> None:
    with CloudflareLocalServer() as server, httpx.Client(base_url=server.api_base) as client:
        assert client.get("/accounts/abc/workflows").status_code == 200


def test_routing_errors(cf_api: ContractClient) -> None:
    unknown = cf_api.get("/nothing/here")
    assert (unknown.status_code, errors_of(unknown)) == (404, [7000])
    wrong_method = cf_api.post("/workflows")
    assert (wrong_method.status_code, errors_of(wrong_method)) == (405, [7001])
    too_long = str(cf_api.base_url).rstrip("/").rsplit("/", 1)[0] + "/" + "a" * 33
    long_account = cf_api.get(f"{too_long}/workflows")
    assert (long_account.status_code, errors_of(long_account)) == (400, [7003])


def test_request_log_records_api_calls_in_order(fresh_cloudflare_local: CloudflareLocalServer) -> None:
    server = fresh_cloudflare_local
    before = time.time()
    with api_client(server, "acc") as client:
        client.get("/workflows", params={"page": 2})
        client.get("/workflows/missing")
        client.put("/workflows/bad.name", json={})
    logged = server.requests()
    timing = [(e.pop("started"), e.pop("seconds"), e.pop("connection")) for e in logged]
    # When each arrived, in order, how long it took, and the client connection (one, kept alive).
    assert [t[0] for t in timing] == sorted(t[0] for t in timing) and timing[0][0] >= before - 1
    assert all(0 <= t[1] < 5 for t in timing) and len({t[2] for t in timing}) == 1 and timing[0][2]
    assert logged == [
        {
            "method": "GET",
            "path": "/client/v4/accounts/acc/workflows",
            "query": "page=2",
            "status": 200,
            "fault": None,
        },
        {
            "method": "GET",
            "path": "/client/v4/accounts/acc/workflows/missing",
            "query": "",
            "status": 404,
            "fault": None,
        },
        {
            "method": "PUT",
            "path": "/client/v4/accounts/acc/workflows/bad.name",
            "query": "",
            "status": 400,
            "fault": None,
        },
    ]
    server.clear_requests()
    assert server.requests() == []
    assert server.health()  # hooks are not logged
    assert server.requests() == []


def test_token_never_logged_or_echoed(fresh_cloudflare_local: CloudflareLocalServer) -> None:
    server = fresh_cloudflare_local
    with api_client(server, "acc") as client, api_client(server, "acc", token="not-the-token") as wrong:
        seed_account(client)
        bodies = [client.get("/workers/scripts/host/settings").text, wrong.get("/workflows").text]
    bodies.append(httpx.get(f"{server.url}/__local/requests").text)
    server.stop()
    log = server.log_path.read_text() if server.log_path.exists() else ""
    for text in [*bodies, log]:
        assert "test-token" not in text and "not-the-token" not in text


def _outcomes(server: CloudflareLocalServer, count: int) -> list[str]:
    """Status (or 'drop') of `count` sequential API calls, each on a new connection."""
    seen: list[str] = []
    for _ in range(count):
        with api_client(server, "acc") as client:
            try:
                response = client.get("/workflows")
                seen.append(str(response.status_code))
            except httpx.RemoteProtocolError:
                seen.append("drop")
    return seen


def test_faults_are_seeded_and_shaped(fresh_cloudflare_local: CloudflareLocalServer) -> None:
    server = fresh_cloudflare_local
    server.set_faults(0.5, seed=7, slow_seconds=0.2)
    first = _outcomes(server, 40)
    server.set_faults(0.5, seed=7, slow_seconds=0.2)
    assert _outcomes(server, 40) == first  # the same seed gives the same faults in the same places
    assert {"200", "429", "500", "502", "503", "drop"} <= set(first)
    logged = server.requests()
    assert [e["fault"] for e in logged[:40]] == [e["fault"] for e in logged[40:]]
    assert {e["status"] for e in logged if e["fault"] == "drop"} == {0}

    server.set_faults(1.0, seed=1, kinds=["429"], retry_after=3)
    with api_client(server, "acc") as client:
        limited = client.get("/workflows")
    assert (limited.status_code, limited.headers["Retry-After"], errors_of(limited)) == (429, "3", [971])

    server.set_faults(1.0, seed=1, kinds=["slow"], slow_seconds=0.3)
    with api_client(server, "acc") as client:
        started = time.monotonic()
        slow = client.get("/workflows")
    assert slow.status_code == 200 and time.monotonic() - started >= 0.3

    server.set_faults(0)
    assert _outcomes(server, 5) == ["200"] * 5
    bad = httpx.post(f"{server.url}/__local/faults", json={"rate": 2})
    assert bad.status_code == 400


def test_connections_are_kept_alive_and_bodies_never_leak_into_the_next_request(
    fresh_cloudflare_local: CloudflareLocalServer,
) -> None:
    # Cloudflare keeps connections alive, so a client's reuse of them is measurable here. A refused upload
    # whose body the route never reads must not leave that body to be parsed as the next request.
    server = fresh_cloudflare_local
    url = f"{server.api_base}/accounts/acc/workflows"
    with httpx.Client(headers={"Authorization": f"Bearer {server.token}"}, timeout=10) as client:
        first = client.get(url)
        refused = client.put(f"{url}/x", content=b"x" * 1_000_000, headers={"Authorization": "Bearer no"})
        after = client.get(url)
        closing = client.get(url, headers={"Connection": "close"})
        reopened = client.get(url)
    assert [r.status_code for r in (first, refused, after, closing, reopened)] == [200, 403, 200, 200, 200]
    assert "connection" not in first.headers and closing.headers["connection"] == "close"
    ports = [e["connection"] for e in server.requests()]
    assert len(set(ports[:4])) == 1 and ports[4] != ports[3]


def test_rate_limit_storms_reject_everything_for_their_window(
    fresh_cloudflare_local: CloudflareLocalServer,
) -> None:
    server = fresh_cloudflare_local
    server.set_rate_limit_storms(every=3, seconds=1)
    with api_client(server, "acc") as client:
        served = [client.get("/workflows").status_code for _ in range(3)]
        limited = client.get("/workflows")
        again = client.get("/workflows")
        # Retry-After is the whole seconds left in the window: waiting that long, once, is enough.
        time.sleep(float(limited.headers["Retry-After"]))
        after = client.get("/workflows")
    assert served == [200, 200, 200]
    assert (limited.status_code, limited.headers["Retry-After"], errors_of(limited)) == (429, "1", [971])
    assert again.status_code == 429 and after.status_code == 200
    storms = server.rate_limit_storms()["storms"]
    assert [(s["seconds"], s["rejected"]) for s in storms] == [(1, 2)]
    assert [e["fault"] for e in server.requests()] == [None, None, None, "storm", "storm", None]
    server.set_rate_limit_storms(every=0)
    assert server.rate_limit_storms()["storms"] == []
    assert httpx.post(f"{server.url}/__local/ratelimit", json={"every": -1}).status_code == 400


def test_faulted_requests_change_nothing(fresh_cloudflare_local: CloudflareLocalServer) -> None:
    server = fresh_cloudflare_local
    with api_client(server, "acc") as client:
        seed_account(client)
        server.set_faults(1.0, seed=1, kinds=["500", "503"])
        assert client.post("/workflows/wf/instances", json={"instance_id": "x"}).status_code in (500, 503)
        server.set_faults(0)
        assert client.get("/workflows/wf/instances/x").status_code == 404


def test_cli_fault_flags(tmp_path: object) -> None:
    with CloudflareLocalServer(fault_rate=1.0, fault_seed=5, extra_args=[]) as server:
        assert server.health()
        _outcomes(server, 1)  # one call: a "slow" draw costs the default 1.5 s
        assert [bool(entry["fault"]) for entry in server.requests()] == [True]
        assert httpx.get(f"{server.url}/__local/faults").json()["seed"] == 5


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_state_survives_restart(fresh_cloudflare_local: CloudflareLocalServer, how: str) -> None:
    server = fresh_cloudflare_local
    with api_client(server, "acc") as client:
        seed_account(client)
        client.post("/workflows/wf/instances", json={"instance_id": "i1", "params": {"k": [1, 2]}})
        client.patch("/workflows/wf/instances/i1/status", json={"status": "pause"})
        before = [client.get(p).json()["result"] for p in ("/workflows/wf", "/workers/scripts/host/settings")]
        before.append(client.get("/workflows/wf/instances/i1").json()["result"])
        etag = client.get("/workers/scripts").json()["result"][0]["etag"]
    if how == "kill":
        server.kill()
    server.restart()
    with api_client(server, "acc") as client:
        after = [client.get(p).json()["result"] for p in ("/workflows/wf", "/workers/scripts/host/settings")]
        after.append(client.get("/workflows/wf/instances/i1").json()["result"])
        assert after == before
        assert client.get("/workers/scripts").json()["result"][0]["etag"] == etag
        assert client.get("/workers/scripts/host/content/v2").text == workflow_source()


def test_concurrent_requests_are_safe(cloudflare_local: CloudflareLocalServer, account_id: str) -> None:
    with api_client(cloudflare_local, account_id) as client:
        seed_account(client)
    failures: list[str] = []

    def worker(n: int) -> None:
        with api_client(cloudflare_local, account_id) as client:
            for i in range(10):
                response = client.post("/workflows/wf/instances", json={"instance_id": f"t{n}-{i}"})
                if response.status_code != 200:
                    failures.append(response.text)
            upload = client.put(f"/workers/scripts/s{n}", files=script_form(workflow_source()))
            if upload.status_code != 200:
                failures.append(upload.text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with api_client(cloudflare_local, account_id) as client:
        assert client.get("/workflows/wf").json()["result"]["instances"] == {"queued": 80}
        assert len(client.get("/workers/scripts").json()["result"]) == 9
