"""Deployed scripts' fetch handlers at /__workers/<script>/<path>: what the Worker sees, accounts kept apart,
and Durable Object bindings whose storage outlives a server restart."""

from __future__ import annotations

import httpx
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client, script_form

from tests.runtime.support import worker

ECHO = """\
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const body = await request.text();
    const { pathname: path, search: query } = url;
    return Response.json({ path, query, method: request.method, body, greeting: env.GREETING });
  },
};
"""
COUNTER = """\
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async fetch() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return new Response(String(n));
  }
}

export default {
  fetch(request, env) {
    return env.COUNTER.get(env.COUNTER.idFromName("one")).fetch(request);
  },
};
"""


def test_a_fetch_handler_sees_its_own_path_query_method_body_and_bindings(
    runtime_server: CloudflareLocalServer, api: httpx.Client, account_id: str
) -> None:
    greeting = [{"type": "plain_text", "name": "GREETING", "text": "hello"}]
    assert api.put("/workers/scripts/echo", files=script_form(ECHO, bindings=greeting)).status_code == 200
    try:
        answer = worker(runtime_server, account_id, "echo", "/a/b?c=d", method="PUT", json={"x": 1})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "path": "/a/b",
            "query": "?c=d",
            "method": "PUT",
            "body": '{"x":1}',
            "greeting": "hello",
        }
        missing = worker(runtime_server, account_id, "not-deployed")
        assert missing.status_code == 404 and "not-deployed" in missing.text
    finally:
        api.delete("/workers/scripts/echo")
    assert worker(runtime_server, account_id, "echo").status_code == 404, "a deleted script still answers"


def test_the_same_script_name_on_two_accounts_runs_each_accounts_code(
    runtime_server: CloudflareLocalServer, api: httpx.Client, account_id: str
) -> None:
    other_id = account_id[::-1]
    other = httpx.Client(
        base_url=f"{runtime_server.api_base}/accounts/{other_id}",
        headers={"Authorization": f"Bearer {runtime_server.token}"},
        timeout=60,
    )
    for client, text in ((api, "mine"), (other, "theirs")):
        source = f'export default {{ fetch() {{ return new Response("{text}"); }} }};'
        assert client.put("/workers/scripts/shared", files=script_form(source)).status_code == 200
    try:
        assert worker(runtime_server, account_id, "shared").text == "mine"
        assert worker(runtime_server, other_id, "shared").text == "theirs"
        unnamed = httpx.get(runtime_server.worker_url("shared"))
        assert unnamed.status_code == 404 and "X-Cloudflare-Local-Account" in unnamed.text
    finally:
        api.delete("/workers/scripts/shared")
        other.delete("/workers/scripts/shared")


def test_a_durable_object_binding_reaches_its_class_and_its_storage_outlives_a_restart(
    fresh_runtime_server: CloudflareLocalServer, account_id: str
) -> None:
    server = fresh_runtime_server
    binding = [{"type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter"}]
    migration = {"migrations": {"new_tag": "v1", "new_classes": ["Counter"]}}
    with api_client(server, account_id) as api:
        form = script_form(COUNTER, bindings=binding, metadata=migration)
        assert api.put("/workers/scripts/counter", files=form).status_code == 200
    assert [worker(server, account_id, "counter").text for _ in range(2)] == ["1", "2"]
    server.restart()
    assert worker(server, account_id, "counter").text == "3"
