"""The real wrangler (pinned in local/node) against cloudflare-local: deploy twice, list, trigger, describe.

What cloudflare-local holds afterwards is read back over its own API (contract-checked), so these tests
pin both that wrangler works unchanged and that its uploads land as Cloudflare would store them.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from cloudflare_local.node import wrangler_env
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client

pytestmark = pytest.mark.wrangler


HOST_SOURCE = """\
import { WorkflowEntrypoint } from "cloudflare:workers";

export class MyWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    return await step.do("greet", async () => ({ hello: event.payload }));
  }
}

export default {
  async fetch(request, env) {
    const instance = await env.MY_WORKFLOW.create();
    return Response.json({ id: instance.id });
  },
};
"""

CLIENT_SOURCE = """\
export default {
  async fetch(request, env) {
    const instance = await env.ORDERS.create({ params: { from: "client" } });
    return Response.json({ id: instance.id });
  },
};
"""


def write_project(root: Path, name: str, source: str, workflows: str, extra: str = "") -> Path:
    project = root / name
    (project / "src").mkdir(parents=True)
    (project / "src" / "index.js").write_text(source)
    (project / "wrangler.toml").write_text(
        f'name = "{name}"\nmain = "src/index.js"\ncompatibility_date = "2025-04-01"\n{extra}\n{workflows}'
    )
    return project


class Wrangler:
    """Runs the pinned wrangler offline: the API base and a token pointed at cloudflare-local, a fixed account
    (no account lookup), metrics, error reports and the banner's update check off, an empty HOME (no login
    or config of the user's), and `loopback_guard.cjs` preloaded so that any connection off loopback (the npm
    update check on wrangler's error path) is refused (`cloudflare_local.node.wrangler_env`)."""

    def __init__(self, binary: Path, server: CloudflareLocalServer, account_id: str, home: Path) -> None:
        self.binary = binary
        home.mkdir(exist_ok=True)
        self.env = wrangler_env(server.api_base, server.token, account_id, home)

    def __call__(self, *args: str, cwd: Path) -> str:
        done = subprocess.run(
            [str(self.binary), *args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=120
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"wrangler {' '.join(args)} failed ({done.returncode}):\n{output}"
        assert "loopback_guard: refused" not in output, output
        return output


def test_deploy_twice_then_drive_workflows(
    wrangler: Path, cloudflare_local: CloudflareLocalServer, account_id: str, tmp_path: Path
) -> None:
    run = Wrangler(wrangler, cloudflare_local, account_id, tmp_path / "home")
    host = write_project(
        tmp_path,
        "wf-host",
        HOST_SOURCE,
        '[[workflows]]\nname = "my-workflow"\nbinding = "MY_WORKFLOW"\nclass_name = "MyWorkflow"\n',
        extra='[vars]\nGREETING = "hi"\n',
    )
    client = write_project(
        tmp_path,
        "wf-client",
        CLIENT_SOURCE,
        '[[workflows]]\nname = "my-workflow"\nbinding = "ORDERS"\nclass_name = "MyWorkflow"\n'
        'script_name = "wf-host"\n',
    )

    run("deploy", cwd=host)
    run("deploy", cwd=client)
    with api_client(cloudflare_local, account_id) as api:
        first = api.get("/workflows/my-workflow").json()["result"]
        assert (first["class_name"], first["script_name"]) == ("MyWorkflow", "wf-host")
        host_bindings = api.get("/workers/scripts/wf-host/settings").json()["result"]["bindings"]
        assert {"type": "plain_text", "name": "GREETING", "text": "hi"} in host_bindings
        assert {
            "type": "workflow",
            "name": "MY_WORKFLOW",
            "workflow_name": "my-workflow",
            "class_name": "MyWorkflow",
        } in host_bindings
        client_bindings = api.get("/workers/scripts/wf-client/settings").json()["result"]["bindings"]
        assert client_bindings == [
            {
                "type": "workflow",
                "name": "ORDERS",
                "workflow_name": "my-workflow",
                "class_name": "MyWorkflow",
                "script_name": "wf-host",
            }
        ]
        # The cross-script workflow got no Workflows API call: only one workflow exists.
        assert [w["name"] for w in api.get("/workflows").json()["result"]] == ["my-workflow"]

    # The second deploy goes through versions + deployments + script-settings.
    (host / "src" / "index.js").write_text(HOST_SOURCE.replace('"greet"', '"greet-again"'))
    cloudflare_local.clear_requests()
    run("deploy", cwd=host)
    mine = [e for e in cloudflare_local.requests() if f"/accounts/{account_id}/" in e["path"]]
    calls = [(e["method"], e["path"].split(account_id, 1)[1]) for e in mine]
    assert ("POST", "/workers/scripts/wf-host/versions") in calls
    assert ("POST", "/workers/scripts/wf-host/deployments") in calls
    assert ("PATCH", "/workers/scripts/wf-host/script-settings") in calls
    assert all(e["status"] < 400 or e["path"].endswith("/workers/services/wf-host") for e in mine), mine
    with api_client(cloudflare_local, account_id) as api:
        assert "greet-again" in api.get("/workers/scripts/wf-host/content/v2").text
        second = api.get("/workflows/my-workflow").json()["result"]
        assert second["id"] == first["id"]
        deployments = api.get("/workers/scripts/wf-host/deployments").json()["result"]["deployments"]
        assert len(deployments) == 2

    listed = run("workflows", "list", cwd=tmp_path)
    assert "my-workflow" in listed and "MyWorkflow" in listed

    triggered = run("workflows", "trigger", "my-workflow", json.dumps({"who": "cli"}), cwd=tmp_path)
    match = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", triggered)
    assert match, triggered
    instance_id = match.group(0)
    described = run("workflows", "instances", "describe", "my-workflow", instance_id, cwd=tmp_path)
    assert "Queued" in described or "queued" in described, described
    with api_client(cloudflare_local, account_id) as api:
        instance = api.get(f"/workflows/my-workflow/instances/{instance_id}").json()["result"]
        assert instance["params"] == {"who": "cli"} and instance["status"] == "queued"
